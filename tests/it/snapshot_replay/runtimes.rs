//! LocalStack's multiruntime tests (`test_lambda_common.py`) for the managed runtimes the local
//! cloud runs, Python, Node.js, Java and Ruby: each scenario's handler as LocalStack's
//! `functions/common/<scenario>/` has it, created as its `multiruntime_lambda` fixture creates
//! it, each recorded variant replayed on its own runtime. The Java handlers are compiled here
//! with the JDK the local cloud runs them on, against its `com.amazonaws.services.lambda.runtime`
//! interfaces (LocalStack builds them with Gradle against AWS's jar).

use serde_json::{json, Value};

use super::{Answer, Replay, Service};
use faqctl::package;

const FILE: &str = "lambda_-test_lambda_common.snapshot.json";

const PYTHON: &[&str] = &[
    "python3.8",
    "python3.9",
    "python3.10",
    "python3.11",
    "python3.12",
    "python3.13",
    "python3.14",
];
const NODE: &[&str] = &[
    "nodejs16.x",
    "nodejs18.x",
    "nodejs20.x",
    "nodejs22.x",
    "nodejs24.x",
];
const JAVA: &[&str] = &["java8.al2", "java11", "java17", "java21", "java25"];
const RUBY: &[&str] = &["ruby3.2", "ruby3.3", "ruby3.4"];

/// Every runtime the scenarios are replayed on.
fn runtimes() -> impl Iterator<Item = &'static &'static str> {
    PYTHON.iter().chain(NODE).chain(JAVA).chain(RUBY)
}

/// The scenarios' handlers in `language` (`python`, `nodejs` or `ruby`), verbatim from
/// LocalStack (Apache-2.0).
fn handler_source(scenario: &str, language: &str) -> &'static str {
    match (scenario, language) {
        ("echo", "python") => "import json\n\n\ndef handler(event, ctx):\n    print(json.dumps(event))\n    return event\n",
        ("echo", "nodejs") => "exports.handler = async function(event, context) {\n    return event\n};\n",
        ("introspection", "python") => r#"import json
import os


def handler(event, context):
    print(json.dumps(event))
    return {
        "environment": dict(os.environ),
        "ctx": {
            "function_name": context.function_name,
            "function_version": context.function_version,
            "invoked_function_arn": context.invoked_function_arn,
            "memory_limit_in_mb": context.memory_limit_in_mb,
            "aws_request_id": context.aws_request_id,
            "log_group_name": context.log_group_name,
            "log_stream_name": context.log_stream_name,
            "remaining_time_in_millis": context.get_remaining_time_in_millis(),
        },
        "packages": [],
    }
"#,
        ("introspection", "nodejs") => r#"exports.handler = async function(event, context) {
    return {environment: process.env, ctx: {
            function_name: context.functionName,
            function_version: context.functionVersion,
            invoked_function_arn: context.invokedFunctionArn,
            memory_limit_in_mb: context.memoryLimitInMb,
            aws_request_id: context.awsRequestId,
            log_group_name: context.logGroupName,
            log_stream_name: context.logStreamName,
            remaining_time_in_millis: context.getRemainingTimeInMillis(),
        }, packages: []}
};
"#,
        ("uncaughtexception", "python") => "import json\n\n\ndef handler(event, ctx):\n    print(json.dumps(event))\n    raise Exception(f\"Failed: {event.get('error_msg')}\")\n",
        ("uncaughtexception", "nodejs") => "exports.handler = async function(event, context) {\n    throw Error(`Error: ${event.error_msg}`)\n};\n",
        ("echo", "ruby") => "def handler(event:, context:)\n    event\nend\n",
        ("introspection", "ruby") => r#"def handler(event:, context:)
    {"environment" => ENV.to_h, "ctx" => {
            "function_name" => context.function_name,
            "function_version" => context.function_version,
            "invoked_function_arn" => context.invoked_function_arn,
            "memory_limit_in_mb" => context.memory_limit_in_mb,
            "aws_request_id" => context.aws_request_id,
            "log_group_name" => context.log_group_name,
            "log_stream_name" => context.log_stream_name,
            "remaining_time_in_millis" => context.get_remaining_time_in_millis()
    }, "packages" => []}
end
"#,
        ("uncaughtexception", "ruby") => "def handler(event:, context:)\n    raise \"Error: \" + event[\"error_msg\"]\nend\n",
        _ => unreachable!("no scenario {scenario}"),
    }
}

/// The Java scenarios' `echo/Handler.java`, verbatim from LocalStack (Apache-2.0).
fn java_source(scenario: &str) -> &'static str {
    match scenario {
        "echo" => {
            r#"package echo;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

public class Handler implements RequestStreamHandler {
  @Override
  public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
    int n;
    byte[] buffer = new byte[1024];
    while((n = input.read(buffer)) > -1) {
      output.write(buffer,0, n);
    }
    output.close();
  }
}
"#
        }
        "introspection" => {
            r#"package echo;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;


import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

class ReturnValue {
    public Map<String, String> environment;
    public Map<String, String> ctx;
    public List<String> packages;

    public ReturnValue(Context context) {
        this.environment = System.getenv();
        this.ctx = new HashMap<>();
        this.ctx.put("function_name", context.getFunctionName());
        this.ctx.put("function_version", context.getFunctionVersion());
        this.ctx.put("invoked_function_arn", context.getInvokedFunctionArn());
        this.ctx.put("memory_limit_in_mb", Integer.toString(context.getMemoryLimitInMB()));
        this.ctx.put("aws_request_id", context.getAwsRequestId());
        this.ctx.put("log_group_name", context.getLogGroupName());
        this.ctx.put("log_stream_name", context.getLogStreamName());
        this.ctx.put("remaining_time_in_millis", Integer.toString(context.getRemainingTimeInMillis()));
        this.packages = new ArrayList<>();
    }
}

public class Handler implements RequestHandler<Map<String, String>, ReturnValue> {

    public ReturnValue handleRequest(Map<String, String> event, Context context) {
        return new ReturnValue(context);
    }
}
"#
        }
        "uncaughtexception" => {
            r#"package echo;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;

import java.util.Map;

public class Handler implements RequestHandler<Map<String, String>, Map<String, String>> {

    public Map<String, String> handleRequest(Map<String, String> event, Context context) {
        throw new RuntimeException("Error: " + event.get("error_msg"));
    }
}
"#
        }
        _ => unreachable!("no scenario {scenario}"),
    }
}

/// A Java handler's classes: each one's path in the zip, and its bytes.
type Classes = Vec<(String, Vec<u8>)>;

/// The classes of a Java scenario, compiled once per scenario.
fn java_classes(scenario: &'static str) -> Classes {
    use std::collections::HashMap;
    use std::sync::Mutex;
    static COMPILED: Mutex<Option<HashMap<&str, Classes>>> = Mutex::new(None);
    let mut compiled = COMPILED.lock().unwrap();
    let compiled = compiled.get_or_insert_with(HashMap::new);
    compiled
        .entry(scenario)
        .or_insert_with(|| super::compile_java(&[("echo/Handler.java", java_source(scenario))]))
        .clone()
}

/// The scenario's code as a zip, with `extra` files (name, mode, content) beside the handler.
fn scenario_zip(scenario: &'static str, runtime: &str, extra: &[(&str, u32, &[u8])]) -> Vec<u8> {
    let owned: Vec<(String, Vec<u8>)> = if runtime.starts_with("java") {
        java_classes(scenario)
    } else {
        let (language, name) = if runtime.starts_with("python") {
            ("python", "handler.py")
        } else if runtime.starts_with("ruby") {
            ("ruby", "function.rb")
        } else {
            ("nodejs", "index.js")
        };
        vec![(
            name.to_string(),
            handler_source(scenario, language).as_bytes().to_vec(),
        )]
    };
    let mut files: Vec<(&str, u32, &[u8])> = owned
        .iter()
        .map(|(name, bytes)| (name.as_str(), 0o644, bytes.as_slice()))
        .collect();
    files.extend_from_slice(extra);
    package::write_zip(&files).unwrap()
}

/// CreateFunction as the `multiruntime_lambda` fixture makes it: the runtime's handler name,
/// a role, the scenario's zip, and what the test adds.
async fn create(replay: &Replay, runtime: &str, zip: &[u8], extra: Value) -> (String, Answer) {
    use base64::Engine;
    let name = format!("multiruntime-{}", runtime.replace('.', "-"));
    let handler = if runtime.starts_with("python") {
        "handler.handler"
    } else if runtime.starts_with("java") {
        "echo.Handler"
    } else if runtime.starts_with("ruby") {
        "function.handler"
    } else {
        "index.handler"
    };
    let mut body = json!({
        "FunctionName": name,
        "Runtime": runtime,
        "Handler": handler,
        "Role": "arn:aws:iam::000000000000:role/lambda-replay-role",
        "Code": { "ZipFile": base64::engine::general_purpose::STANDARD.encode(zip) },
    });
    for (member, value) in extra.as_object().unwrap() {
        body[member] = value.clone();
    }
    let answer = replay
        .call(Service::Lambda, "POST", "/2015-03-31/functions", Some(body))
        .await;
    assert_eq!(answer.status, 201, "{runtime}: {:?}", answer.body);
    let path = format!("/2015-03-31/functions/{name}/configuration");
    let active = crate::common::until(std::time::Duration::from_secs(30), || async {
        replay.call(Service::Lambda, "GET", &path, None).await.body["State"] == "Active"
    })
    .await;
    assert!(active, "{name} did not become Active");
    (name, answer)
}

fn key(test: &str, runtime: &str) -> String {
    format!("TestLambdaRuntimesCommon::{test}[{runtime}]")
}

/// The environment a function printed, with what is this machine's in place of AWS's: the
/// code's directory stands where AWS has /var/runtime (named first) and /var/task, and the
/// Runtime API listens on a loopback port of its own (docs/parity.md lists both). The Ruby
/// runtimes' gem and library paths name the two in an order of their own.
pub(super) fn as_on_aws(payload: &mut Value) {
    const RUNTIME: &str = "/var/runtime";
    const TASK: &str = "/var/task";
    let environment = &mut payload["environment"];
    let root = environment["LAMBDA_TASK_ROOT"]
        .as_str()
        .unwrap()
        .to_string();
    for (name, value) in environment.as_object_mut().unwrap() {
        let Value::String(text) = value else { continue };
        let order: &[&str] = match name.as_str() {
            "LAMBDA_TASK_ROOT" | "PWD" => &[],
            "AWS_LAMBDA_RUNTIME_API" => {
                *text = "169.254.100.1:9001".into();
                continue;
            }
            "GEM_PATH" => &[TASK, RUNTIME, RUNTIME],
            "RUBYLIB" => &[RUNTIME, TASK, RUNTIME],
            _ => &[RUNTIME, RUNTIME],
        };
        // The occurrences of the code's directory, in order; the rest are /var/task.
        let mut parts = text.split(root.as_str());
        let mut shown = parts.next().unwrap_or_default().to_string();
        for (i, part) in parts.enumerate() {
            shown.push_str(order.get(i).copied().unwrap_or(TASK));
            shown.push_str(part);
        }
        *text = shown;
    }
}

/// test_echo_invoke: every kind of JSON payload (5 MB of it too, and none) comes back as sent.
/// Its recording holds no answers; what it asserted is asserted here.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn echo_invoke_on_every_managed_runtime() {
    let large = json!({ "hello": "obi wan!".repeat(128 * 1024 * 5) });
    let payloads = [
        json!({"hello": "world"}),
        json!({"hello": "'\" some other ''\"\" quotes, a emoji 🥳 and some brackets {[}}[([]))"}),
        large,
        json!(true),
        json!(false),
        Value::Null,
        json!([1, 2]),
        json!(1),
    ];
    for runtime in runtimes() {
        let replay = Replay::start(FILE, &key("test_echo_invoke", runtime)).await;
        let zip = scenario_zip("echo", runtime, &[]);
        let (name, _) = create(
            &replay,
            runtime,
            &zip,
            json!({"MemorySize": 1024, "Timeout": 5}),
        )
        .await;
        for payload in &payloads {
            let answer = replay
                .invoke(&name, Some(payload.to_string().into_bytes()))
                .await;
            assert_eq!(answer.body["StatusCode"], 200, "{runtime}");
            assert!(
                answer.body.get("FunctionError").is_none(),
                "{runtime}: {:.300}",
                answer.body.to_string()
            );
            assert_eq!(answer.body["Payload"], *payload, "{runtime}");
        }
        // No payload at all: the handler gets (and echoes) `{}`.
        let answer = replay.invoke(&name, None).await;
        assert_eq!(answer.body["StatusCode"], 200, "{runtime}");
        assert!(answer.body.get("FunctionError").is_none(), "{runtime}");
        assert_eq!(answer.body["Payload"], json!({}), "{runtime}");
        replay.stop().await;
    }
}

/// test_introspection_invoke: the environment, the context, unqualified and as `:$LATEST`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn introspection_invoke_on_every_managed_runtime() {
    for runtime in runtimes() {
        let mut replay = Replay::start(FILE, &key("test_introspection_invoke", runtime)).await;
        let zip = scenario_zip("introspection", runtime, &[]);
        let extra =
            json!({"MemorySize": 1024, "Environment": {"Variables": {"TEST_KEY": "TEST_VAL"}}});
        let (name, created) = create(&replay, runtime, &zip, extra).await;
        replay.check("create_function_result", &created);
        let arn = created.body["FunctionArn"].as_str().unwrap().to_string();
        for (target, recorded) in [
            (name.clone(), "invocation_result_payload"),
            (
                format!("{arn}:$LATEST"),
                "invocation_result_payload_qualified",
            ),
        ] {
            let answer = replay
                .invoke(&target, Some(br#"{"simple": "payload"}"#.to_vec()))
                .await;
            assert_eq!(answer.body["StatusCode"], 200, "{runtime}");
            let mut payload = answer.body["Payload"].clone();
            as_on_aws(&mut payload);
            let answer = Answer {
                status: 200,
                code: None,
                body: payload,
            };
            replay.check(recorded, &answer);
        }
        replay.stop().await;
    }
}

/// test_uncaught_exception_invoke: the error each runtime answers for an exception the handler
/// does not catch.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uncaught_exceptions_on_every_managed_runtime() {
    for runtime in runtimes() {
        let mut replay = Replay::start(FILE, &key("test_uncaught_exception_invoke", runtime)).await;
        let zip = scenario_zip("uncaughtexception", runtime, &[]);
        let (name, created) = create(&replay, runtime, &zip, json!({"MemorySize": 1024})).await;
        replay.check("create_function_result", &created);
        let answer = replay
            .invoke(&name, Some(br#"{"error_msg": "some_error_msg"}"#.to_vec()))
            .await;
        replay.check("error_result", &answer);
        replay.stop().await;
    }
}

/// test_runtime_wrapper_invoke: `AWS_LAMBDA_EXEC_WRAPPER` names a script of the code that
/// runs the runtime (and sets a variable the handler sees).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_runtime_wrapper_runs_the_runtime_on_every_managed_runtime() {
    let wrapper: &[u8] =
        b"#!/bin/bash\n          export WRAPPER_VAR=test-value-1\n          exec \"$@\"\n        ";
    for runtime in runtimes() {
        let mut replay = Replay::start(FILE, &key("test_runtime_wrapper_invoke", runtime)).await;
        let zip = scenario_zip(
            "introspection",
            runtime,
            &[("environment_wrapper", 0o755, wrapper)],
        );
        let extra = json!({"MemorySize": 1024, "Environment": {"Variables": {"AWS_LAMBDA_EXEC_WRAPPER": "/var/task/environment_wrapper"}}});
        let (name, created) = create(&replay, runtime, &zip, extra).await;
        replay.check("create_function_result", &created);
        let answer = replay
            .invoke(&name, Some(br#"{"simple": "payload"}"#.to_vec()))
            .await;
        assert_eq!(answer.body["StatusCode"], 200, "{runtime}");
        let payload = &answer.body["Payload"];
        assert!(
            payload["ctx"].is_object() && payload["packages"].is_array(),
            "{runtime}: {payload}"
        );
        assert_eq!(
            payload["environment"]["WRAPPER_VAR"], "test-value-1",
            "{runtime}"
        );
        replay.stop().await;
    }
}

/// The messages of a function's log events, in order, once `done` holds for them (bounded).
async fn log_messages(
    replay: &Replay,
    name: &str,
    done: impl Fn(&[String]) -> bool,
) -> Vec<String> {
    let read = || async {
        let body = json!({ "logGroupName": format!("/aws/lambda/{name}") });
        let answer = replay
            .call(Service::Logs("FilterLogEvents"), "POST", "/", Some(body))
            .await;
        answer.body["events"]
            .as_array()
            .map(|events| {
                events
                    .iter()
                    .map(|e| e["message"].as_str().unwrap_or_default().to_string())
                    .collect::<Vec<String>>()
            })
            .unwrap_or_default()
    };
    let found = crate::common::until(std::time::Duration::from_secs(10), || async {
        done(&read().await)
    })
    .await;
    let messages = read().await;
    assert!(
        found,
        "{name}: the log never held what was awaited: {messages:#?}"
    );
    messages
}

/// How the runtimes' output becomes log events, as AWS recorded it: what a Python function
/// prints is one event per line, with no empty ones (test_multi_line_prints), and an error
/// report is one event, its trace indented with no-break spaces and no final line break
/// (test_invocation_type_event_error, python3.10); a logging record is one event too, line
/// breaks and all; each `console.log` of a Node.js function is one event.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn output_becomes_log_events_as_recorded() {
    let replay = Replay::start(FILE, &key("test_echo_invoke", "python3.12")).await;
    let python: &[u8] = br#"import logging

logger = logging.getLogger()
logger.setLevel(logging.INFO)


class CustomException(Exception):
    pass


def handler(event, context):
    print("\nmulti\nline\nstring\nanother\rline\n")
    logger.info("a record\nof two lines")
    raise CustomException("some error occurred")
"#;
    let zip = package::write_zip(&[("handler.py", 0o644, python)]).unwrap();
    let (name, _) = create(&replay, "python3.12", &zip, json!({})).await;
    let answer = replay.invoke(&name, Some(b"{}".to_vec())).await;
    assert_eq!(answer.body["FunctionError"], "Unhandled");
    assert_eq!(answer.body["Payload"]["errorType"], "CustomException");
    let messages = log_messages(&replay, &name, |m| {
        m.iter().any(|m| m.starts_with("REPORT"))
    })
    .await;
    let own: Vec<&str> = messages
        .iter()
        .map(String::as_str)
        .filter(|m| {
            !m.starts_with("INIT_START")
                && !m.starts_with("START")
                && !m.starts_with("END")
                && !m.starts_with("REPORT")
        })
        .collect();
    assert_eq!(own.len(), 6, "{own:#?}");
    // Printed lines and the runtime's framed records come by two pipes: each in its order.
    let (framed, printed): (Vec<&str>, Vec<&str>) = own.iter().partition(|m| m.starts_with('['));
    assert_eq!(
        printed,
        ["multi\n", "line\n", "string\n", "another\rline\n"]
    );
    let record = regex::Regex::new(r"^\[INFO\]\t\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\t[0-9a-f-]{36}\ta record\nof two lines\n$").unwrap();
    assert!(record.is_match(framed[0]), "{:?}", framed[0]);
    assert_eq!(
        framed[1],
        "[ERROR] CustomException: some error occurred\nTraceback (most recent call last):\n\u{a0}\u{a0}File \"/var/task/handler.py\", line 14, in handler\n\u{a0}\u{a0}\u{a0}\u{a0}raise CustomException(\"some error occurred\")"
    );

    let node: &[u8] = b"exports.handler = async function(event) {\n  console.log('one\\ntwo', {a: 1});\n  console.error('bad');\n  return 1;\n};\n";
    let zip = package::write_zip(&[("index.js", 0o644, node)]).unwrap();
    let (name, _) = create(&replay, "nodejs20.x", &zip, json!({})).await;
    let answer = replay.invoke(&name, Some(b"{}".to_vec())).await;
    assert_eq!(answer.body["Payload"], 1);
    let messages = log_messages(&replay, &name, |m| {
        m.iter().any(|m| m.starts_with("REPORT"))
    })
    .await;
    let line = regex::Regex::new(
        r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\t[0-9a-f-]{36}\t(INFO|ERROR)\t",
    )
    .unwrap();
    let own: Vec<String> = messages
        .iter()
        .filter(|m| line.is_match(m))
        .map(|m| line.replace(m, "$1 ").into_owned())
        .collect();
    assert_eq!(own, ["INFO one\ntwo { a: 1 }\n", "ERROR bad\n"]);
    replay.stop().await;
}

/// An echo bootstrap for the `provided` runtimes, of this project's own (bash, speaking the
/// Runtime API over `/dev/tcp` as `crate::common::script_zip` does): LocalStack's
/// (`functions/common/echo/provided/src/bootstrap`, sourcing `function.sh`) is a `#!/bin/sh`
/// script with `set -o pipefail`, `source` and curl, which runs where `sh` is bash (Amazon
/// Linux) but not under this machine's dash. Like LocalStack's, it answers each event with
/// the event itself; it does not also print the event to the log. The event is kept in a file
/// and its length counted in bytes (`LC_ALL=C`), so a 5 MB event and one with multi-byte
/// characters go back whole.
const PROVIDED_ECHO: &str = r#"#!/bin/bash
export LC_ALL=C
host=${AWS_LAMBDA_RUNTIME_API%:*}; port=${AWS_LAMBDA_RUNTIME_API#*:}
event=$(mktemp)
while true; do
  exec 3<>/dev/tcp/$host/$port
  printf 'GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: runtime\r\nConnection: close\r\n\r\n' >&3
  id=""
  while IFS= read -r line <&3; do
    line=${line%$'\r'}; [ -z "$line" ] && break
    case "${line,,}" in lambda-runtime-aws-request-id:*) id=${line#*: };; esac
  done
  cat <&3 >"$event"; exec 3<&-
  exec 3<>/dev/tcp/$host/$port
  printf 'POST /2018-06-01/runtime/invocation/%s/response HTTP/1.1\r\nHost: runtime\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n' "$id" "$(wc -c <"$event")" >&3
  cat "$event" >&3
  cat <&3 >/dev/null; exec 3<&-
done
"#;

/// test_lambda_common.py::TestLambdaRuntimesCommon::test_echo_invoke[provided.al2023] and
/// [provided.al2] (recorded with no answers: the test's own assertions): an echo function of
/// 1024 MB and 5 s answers each payload with itself, with no FunctionError: an object, one
/// with quotes, an emoji and brackets, one over 5 MB, true, false, null, a list, a number, and
/// `{}` for an invoke with no payload.
#[tokio::test]
async fn provided_runtimes_echo_as_the_recorded_test_asserts() {
    for runtime in ["provided.al2023", "provided.al2"] {
        let replay = Replay::start(FILE, &key("test_echo_invoke", runtime)).await;
        let zip = package::write_zip(&[("bootstrap", 0o755, PROVIDED_ECHO.as_bytes())]).unwrap();
        let (name, _) = create(
            &replay,
            runtime,
            &zip,
            json!({ "Handler": "function.handler", "MemorySize": 1024, "Timeout": 5 }),
        )
        .await;
        let payloads = [
            json!({"hello": "world"}),
            json!({"hello": "'\" some other ''\"\" quotes, a emoji 🥳 and some brackets {[}}[([]))"}),
            json!({"hello": "obi wan!".repeat(128 * 1024 * 5)}),
            json!(true),
            json!(false),
            Value::Null,
            json!([1, 2]),
            json!(1),
        ];
        for payload in payloads {
            let answer = replay
                .invoke(&name, Some(payload.to_string().into_bytes()))
                .await;
            let shown = |v: &Value| v.to_string().chars().take(200).collect::<String>();
            assert_eq!(answer.status, 200, "{runtime} {}", shown(&payload));
            assert!(
                answer.body["Payload"] == payload,
                "{runtime}: {} came back as {}",
                shown(&payload),
                shown(&answer.body["Payload"])
            );
            assert!(answer.body.get("FunctionError").is_none(), "{runtime}");
        }
        let answer = replay.invoke(&name, None).await;
        assert_eq!(answer.status, 200, "{runtime}: {answer:?}");
        assert_eq!(answer.body["Payload"], json!({}), "{runtime}");
        assert!(answer.body.get("FunctionError").is_none(), "{runtime}");
        replay.stop().await;
    }
}

/// A handler that cannot be loaded fails each invoke as AWS's runtime clients fail it (their
/// sources; no recording has these): Python's `Runtime.ImportModuleError` and
/// `Runtime.HandlerNotFound` with an empty `requestId`, Node.js's `Runtime.HandlerNotFound` and
/// a handler name reaching out of the task root refused; a runtime the local cloud does not
/// run says so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_handler_that_cannot_be_loaded_fails_as_the_runtime_clients_fail_it() {
    let replay = Replay::start(FILE, &key("test_echo_invoke", "python3.12")).await;
    let python =
        package::write_zip(&[("handler.py", 0o644, b"def handler(e, c):\n    return 1\n")])
            .unwrap();
    let node =
        package::write_zip(&[("index.js", 0o644, b"exports.handler = async () => 1;\n")]).unwrap();
    let cases: [(&str, &str, &[u8], Value); 4] = [
        (
            "python3.12",
            "nothere.handler",
            &python,
            json!({"errorMessage": "Unable to import module 'nothere': No module named 'nothere'", "errorType": "Runtime.ImportModuleError", "requestId": "", "stackTrace": []}),
        ),
        (
            "python3.12",
            "handler.missing",
            &python,
            json!({"errorMessage": "Handler 'missing' missing on module 'handler'", "errorType": "Runtime.HandlerNotFound", "requestId": "", "stackTrace": []}),
        ),
        (
            "nodejs20.x",
            "index.missing",
            &node,
            json!({"errorType": "Runtime.HandlerNotFound", "errorMessage": "index.missing is undefined or not exported"}),
        ),
        (
            "nodejs20.x",
            "../index.handler",
            &node,
            json!({"errorType": "Runtime.MalformedHandlerName", "errorMessage": "'../index.handler' is not a valid handler name. Use absolute paths when specifying root directories in handler names."}),
        ),
    ];
    for (i, (runtime, handler, zip, expected)) in cases.into_iter().enumerate() {
        use base64::Engine;
        let name = format!("unloadable-{i}");
        let body = json!({
            "FunctionName": name,
            "Runtime": runtime,
            "Handler": handler,
            "Role": "arn:aws:iam::000000000000:role/lambda-replay-role",
            "Code": { "ZipFile": base64::engine::general_purpose::STANDARD.encode(zip) },
        });
        let created = replay
            .call(Service::Lambda, "POST", "/2015-03-31/functions", Some(body))
            .await;
        assert_eq!(created.status, 201, "{created:?}");
        let path = format!("/2015-03-31/functions/{name}/configuration");
        let active = crate::common::until(std::time::Duration::from_secs(30), || async {
            replay.call(Service::Lambda, "GET", &path, None).await.body["State"] == "Active"
        })
        .await;
        assert!(active);
        // Twice: the failure is the same on a fresh start.
        for _ in 0..2 {
            let answer = replay.invoke(&name, Some(b"{}".to_vec())).await;
            assert_eq!(
                answer.body["FunctionError"], "Unhandled",
                "{handler}: {answer:?}"
            );
            let mut payload = answer.body["Payload"].clone();
            if let Some(object) = payload.as_object_mut() {
                object.remove("trace");
            }
            assert_eq!(payload, expected, "{runtime} {handler}");
        }
    }
    replay.stop().await;
}

/// A Ruby handler that cannot be loaded, or whose method is missing, fails each invoke as
/// aws_lambda_ric fails it (its source; no recording has these): a file that is not there is
/// an `Init<LoadError>`; a method that is not there a `Function<NoMethodError>`, after which
/// the runtime starts afresh (the code is loaded again) for the next invoke. What each prints
/// comes framed, one event per `puts`: the error's report as pretty JSON.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ruby_handler_that_cannot_be_loaded_fails_as_aws_lambda_ric_fails_it() {
    let source: &[u8] = b"puts 'loaded'\ndef handler(event:, context:)\n  1\nend\n";
    let zip = package::write_zip(&[("function.rb", 0o644, source)]).unwrap();
    // The handler, the error, its message's start, and how often the code was loaded.
    for (handler, error_type, message, loads) in [
        (
            "nothere.handler",
            "Init<LoadError>",
            "cannot load such file -- nothere",
            0,
        ),
        (
            "function.missing",
            "Function<NoMethodError>",
            "undefined method",
            2,
        ),
    ] {
        let replay = Replay::start(FILE, &key("test_echo_invoke", "ruby3.3")).await;
        let (name, _) = create(&replay, "ruby3.3", &zip, json!({ "Handler": handler })).await;
        for _ in 0..2 {
            let answer = replay.invoke(&name, Some(b"{}".to_vec())).await;
            assert_eq!(
                answer.body["FunctionError"], "Unhandled",
                "{handler}: {answer:?}"
            );
            let payload = &answer.body["Payload"];
            assert_eq!(payload["errorType"], error_type, "{handler}: {payload}");
            let said = payload["errorMessage"].as_str().unwrap_or_default();
            assert!(said.starts_with(message), "{handler}: {payload}");
            assert!(payload["stackTrace"].is_array(), "{handler}: {payload}");
        }
        let messages = log_messages(&replay, &name, |m| {
            m.iter().filter(|m| m.starts_with("REPORT")).count() >= 2
        })
        .await;
        let reports: Vec<&String> = messages.iter().filter(|m| m.starts_with('{')).collect();
        assert_eq!(reports.len(), 2, "{messages:#?}");
        let report: Value = serde_json::from_str(reports[0]).unwrap();
        assert_eq!(report["errorType"], error_type, "{messages:#?}");
        assert!(
            reports[0].starts_with("{\n  \"errorMessage\": "),
            "{messages:#?}"
        );
        let loaded = messages.iter().filter(|m| *m == "loaded\n").count();
        assert_eq!(loaded, loads, "{handler}: {messages:#?}");
        replay.stop().await;
    }
}

/// A function calls the local cloud with the credentials its environment has, through the
/// SDK its runtime carries (boto3), at the endpoint its variables name; and a client context
/// that is JSON but not of the shape a context has fails only that invocation.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_function_calls_the_local_cloud_with_its_own_credentials() {
    use base64::Engine;
    let replay = Replay::start(FILE, &key("test_echo_invoke", "python3.12")).await;
    let source: &[u8] = b"import boto3\n\n\ndef handler(event, context):\n    names = [f['FunctionName'] for f in boto3.client('lambda').list_functions()['Functions']]\n    return {'names': names, 'client': str(context.client_context and context.client_context.client)}\n";
    let zip = package::write_zip(&[("handler.py", 0o644, source)]).unwrap();
    let endpoint = replay.cloud.endpoint();
    let (name, _) = create(
        &replay,
        "python3.12",
        &zip,
        json!({ "Timeout": 30, "Environment": { "Variables": { "AWS_ENDPOINT_URL": endpoint } } }),
    )
    .await;
    let answer = replay.invoke(&name, Some(b"{}".to_vec())).await;
    assert!(answer.body.get("FunctionError").is_none(), "{answer:?}");
    assert_eq!(answer.body["Payload"]["names"], json!([name]), "{answer:?}");
    let odd =
        base64::engine::general_purpose::STANDARD.encode(r#"{"client": "x", "custom": {"é": 1}}"#);
    let url = format!("{endpoint}/2015-03-31/functions/{name}/invocations");
    let answered = replay
        .client
        .post(url)
        .header("authorization", "AWS4-HMAC-SHA256 Credential=test/20261124/us-east-1/lambda/aws4_request, SignedHeaders=host, Signature=0")
        .header("x-amz-client-context", odd)
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(answered.status(), 200);
    assert!(answered.headers().get("x-amz-function-error").is_none());
    let payload: Value = serde_json::from_slice(&answered.bytes().await.unwrap()).unwrap();
    assert_eq!(payload["client"], "None", "{payload}");
    replay.stop().await;
}
