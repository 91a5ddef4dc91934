//! LocalStack's recorded Lambda tests whose functions run Python, Node.js or Java code
//! (`test_lambda.py`, `test_lambda_runtimes.py`), replayed on the managed runtimes: the same
//! calls, each answer held to AWS's. The handlers are LocalStack's
//! (`tests/aws/services/lambda_/functions/`), copied verbatim (Apache-2.0).

use std::time::Duration;

use serde_json::{json, Value};

use super::PYTHON_ECHO;
use super::{Answer, Replay, Service};
use crate::common;
use faqctl::package;

const LAMBDA: &str = "lambda_-test_lambda.snapshot.json";
const RUNTIMES: &str = "lambda_-test_lambda_runtimes.snapshot.json";

/// LocalStack's `functions/lambda_echo.js` (Apache-2.0).
const NODE_ECHO: &str = "exports.handler = async function(event, context) {
\tconsole.log(event);
\treturn event;
};
";

/// LocalStack's `functions/lambda_handler_error.py` (Apache-2.0).
const PYTHON_HANDLER_ERROR: &str = r#"def handler(event, context):
    raise Exception("Handler fails")
"#;

/// LocalStack's `functions/lambda_handler_exit.py` (Apache-2.0).
const PYTHON_HANDLER_EXIT: &str = r#"import sys


def handler(event, context):
    sys.exit(0)
"#;

/// LocalStack's `functions/lambda_runtime_exit.py` (Apache-2.0).
const PYTHON_RUNTIME_EXIT: &str = "import sys\n\nsys.exit(0)\n";

/// LocalStack's `functions/lambda_runtime_error.py` (Apache-2.0).
const PYTHON_RUNTIME_ERROR: &str = "raise Exception(\"Runtime startup fails\")\n";

/// LocalStack's `functions/lambda_none.py` (Apache-2.0).
const PYTHON_NONE: &str = r#"import json


def handler(event, context):
    # Just print the event that was passed to the Lambda and return nothing
    print(json.dumps(event))
    return
"#;

/// LocalStack's `functions/lambda_none.js` (Apache-2.0).
const NODE_NONE: &str = "exports.handler = async (event) => {
   console.log(JSON.stringify(event))
}
";

/// LocalStack's `functions/lambda_response_size.py` (Apache-2.0).
const PYTHON_RESPONSE_SIZE: &str = r#"def handler(event, ctx):
    print("generating bytes...")
    bytenum = event["bytenum"]
    return "a" * bytenum
"#;

/// LocalStack's `functions/lambda_cache.py` (Apache-2.0).
const PYTHON_CACHE: &str = r#"counter = 0


def handler(event, context):
    global counter
    result = {"counter": counter}
    counter += 1
    return result
"#;

/// LocalStack's `functions/lambda_cache.js` (Apache-2.0).
const NODE_CACHE: &str = "const localCache = {
    counter: 0
};

const handler = async (event, context) => {
    return {
        counter: localCache.counter++
    };
};

module.exports = {handler};
";

/// LocalStack's `functions/lambda_version.py` (Apache-2.0); the test fills in `%s`.
const PYTHON_VERSION: &str = r#"def handler(event, context):
    result = {
        "version_id": "%s",
        "invoked_arn": context.invoked_function_arn,
        "version_from_ctx": context.function_version,
    }
    print(result)
    return result
"#;

/// LocalStack's `functions/lambda_multiple_handlers.py` (Apache-2.0).
const PYTHON_MULTIPLE_HANDLERS: &str = r#"def handler(event, context):
    result = {
        "handler": "handler",
    }
    print(result)
    return result


def handler_two(event, context):
    result = {
        "handler": "handler_two",
    }
    print(result)
    return result
"#;

/// LocalStack's `functions/lambda_request_id.py` (Apache-2.0).
const PYTHON_REQUEST_ID: &str = r#"import logging

logging.basicConfig(level=logging.INFO)
LOGGER = logging.getLogger(__name__)
LOGGER.setLevel(logging.INFO)


def handler(event, context):
    # Logger format: [<log_level>]\tdate\t<request_id>\t<log_message>
    LOGGER.info("RequestId log message")
    return context.aws_request_id
"#;

/// LocalStack's `functions/lambda_handler_es6.mjs` (Apache-2.0).
const NODE_ES6: &str = "
export const handler = async (event) => {
   console.log(JSON.stringify(event))
   return {
     statusCode: 200,
     body: JSON.stringify(`response from localstack lambda: ${JSON.stringify(event)}`)
   }
}
";

/// LocalStack's `functions/lambda_python_version.py` (Apache-2.0).
const PYTHON_VERSION_INFO: &str = r#"import sys


def handler(event, context):
    return {
        "version": "python{major}.{minor}".format(
            major=sys.version_info.major, minor=sys.version_info.minor
        )
    }
"#;

/// LocalStack's `functions/lambda_cloudwatch_logs.py` (Apache-2.0).
const PYTHON_CLOUDWATCH_LOGS: &str = r#""""
A simple handler which does a print on the "body" key of the event passed in.
Can be used to log different payloads, to check for the correct format in cloudwatch logs
"""


def handler(event, context):
    # Just print the log line that was passed to lambda
    print(event["body"])
    return event
"#;

/// A zip of one file, as LocalStack's `testutil` makes it: `create_lambda_archive` (no
/// handler given: the source as `handler.py` / `handler.js`, mode 777) or `create_zip_file`
/// (the handler file under its own name).
fn zip_of(name: &str, source: &str) -> String {
    use base64::Engine;
    let zip = package::write_zip(&[(name, 0o777, source.as_bytes())]).unwrap();
    base64::engine::general_purpose::STANDARD.encode(zip)
}

/// The default handler's file for a runtime (`handler.handler`).
fn default_file(runtime: &str) -> &'static str {
    if runtime.starts_with("python") {
        "handler.py"
    } else {
        "handler.js"
    }
}

/// CreateFunction as LocalStack's `create_lambda_function` fixture makes it (a 30 s timeout,
/// the environment given, `Tags` empty), then waits until the function is Active, as the
/// fixture does.
async fn create_fixture(
    replay: &Replay,
    name: &str,
    runtime: &str,
    handler: &str,
    zip: String,
    variables: Value,
) -> Answer {
    let body = json!({
        "FunctionName": name,
        "Runtime": runtime,
        "Handler": handler,
        "Role": "arn:aws:iam::000000000000:role/lambda-test-role",
        "Code": { "ZipFile": zip },
        "Timeout": 30,
        "Environment": { "Variables": variables },
        "Tags": {},
    });
    create(replay, body).await
}

/// CreateFunction with the body as given, then waits until Active.
async fn create(replay: &Replay, body: Value) -> Answer {
    let name = body["FunctionName"].as_str().unwrap().to_string();
    let answer = replay
        .call(Service::Lambda, "POST", "/2015-03-31/functions", Some(body))
        .await;
    assert_eq!(answer.status, 201, "{name}: {:?}", answer.body);
    settled(replay, &name, None).await;
    answer
}

/// Waits (bounded) until the function (or its version) is Active with its last update
/// applied, as the SDK's `function_active_v2` / `function_updated_v2` waiters do.
async fn settled(replay: &Replay, name: &str, qualifier: Option<&str>) {
    let path = match qualifier {
        Some(q) => format!("/2015-03-31/functions/{name}/configuration?Qualifier={q}"),
        None => format!("/2015-03-31/functions/{name}/configuration"),
    };
    let settled = common::until(Duration::from_secs(30), || async {
        let answer = replay.call(Service::Lambda, "GET", &path, None).await;
        answer.body["State"] == "Active"
            && answer.body["LastUpdateStatus"]
                .as_str()
                .is_none_or(|s| s == "Successful")
    })
    .await;
    assert!(settled, "{name} did not settle");
}

/// Invoke as boto3 answers it and LocalStack records it: `StatusCode`, `ExecutedVersion`,
/// `FunctionError`, `LogResult`, and the `Payload`: a JSON object or list parsed, anything
/// else as its text (`"null"`, `"\"…\""`, `""`), as the snapshot library records a body.
async fn invoke(
    replay: &Replay,
    function: &str,
    qualifier: Option<&str>,
    payload: Option<&[u8]>,
    headers: &[(&str, &str)],
) -> Answer {
    let mut url = format!(
        "{}/2015-03-31/functions/{}/invocations",
        replay.cloud.endpoint(),
        function.replace('$', "%24")
    );
    if let Some(qualifier) = qualifier {
        url.push_str(&format!("?Qualifier={qualifier}"));
    }
    let mut request = replay.client.post(url).header(
        "authorization",
        "AWS4-HMAC-SHA256 Credential=test/20261124/us-east-1/lambda/aws4_request, SignedHeaders=host, Signature=0",
    );
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    if let Some(payload) = payload {
        request = request.body(payload.to_vec());
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let (executed, error, code, log) = (
        header("x-amz-executed-version"),
        header("x-amz-function-error"),
        header("x-amzn-errortype"),
        header("x-amz-log-result"),
    );
    let bytes = response.bytes().await.unwrap();
    let text = String::from_utf8_lossy(&bytes).to_string();
    let parsed = match serde_json::from_slice::<Value>(&bytes) {
        Ok(value @ (Value::Object(_) | Value::Array(_))) => value,
        _ => Value::String(text),
    };
    if status >= 300 {
        let code = code
            .map(|c| c.split(':').next().unwrap_or_default().to_string())
            .or_else(|| parsed["__type"].as_str().map(str::to_string));
        return Answer {
            status,
            code,
            body: parsed,
        };
    }
    let mut body = json!({ "StatusCode": status, "Payload": parsed });
    if let Some(executed) = executed {
        body["ExecutedVersion"] = json!(executed);
    }
    if let Some(error) = error {
        body["FunctionError"] = json!(error);
    }
    if let Some(log) = log {
        body["LogResult"] = json!(log);
    }
    Answer {
        status,
        code: None,
        body,
    }
}

/// The log group's events (FilterLogEvents, every page).
async fn log_events(replay: &Replay, group: &str) -> Vec<Value> {
    let mut events = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut body = json!({ "logGroupName": group });
        if let Some(token) = &token {
            body["nextToken"] = json!(token);
        }
        let answer = replay
            .call(Service::Logs("FilterLogEvents"), "POST", "/", Some(body))
            .await;
        if answer.status != 200 {
            return events;
        }
        events.extend(
            answer.body["events"]
                .as_array()
                .cloned()
                .unwrap_or_default(),
        );
        match answer.body["nextToken"].as_str() {
            Some(next) if Some(next) != token.as_deref() => token = Some(next.to_string()),
            _ => return events,
        }
    }
}

/// Waits (bounded) until some event of the function's log group satisfies `wanted`, as the
/// tests' `retry(check_logs)` do; answers the events then.
async fn logged(replay: &Replay, function: &str, wanted: impl Fn(&str) -> bool) -> Vec<Value> {
    let group = format!("/aws/lambda/{function}");
    let seen = std::sync::Mutex::new(Vec::new());
    let found = common::until(Duration::from_secs(30), || async {
        let events = log_events(replay, &group).await;
        let found = events
            .iter()
            .any(|e| wanted(e["message"].as_str().unwrap_or_default()));
        *seen.lock().unwrap() = events;
        found
    })
    .await;
    let events = seen.into_inner().unwrap();
    assert!(found, "{function}: no such log event in {events:?}");
    events
}

/// `check_lambda_logs(function, expected_lines=[".*{}"])`.
async fn logged_empty_event(replay: &Replay, function: &str) {
    let line = regex::Regex::new(r".*\{\}").unwrap();
    logged(replay, function, |message| {
        message.lines().any(|l| line.is_match(l))
    })
    .await;
}

/// LocalStack's `lambda_report_logs` transformer (durations and memory of a REPORT line), and
/// its generic one for a date (`2026-11-24T23:11:20.123Z` as `date`).
fn as_recorded_log(line: &str) -> String {
    let duration = regex::Regex::new(r"Duration: \d+(\.\d{2})? ms").unwrap();
    let used = regex::Regex::new(r"Used: \d+ MB").unwrap();
    let date = regex::Regex::new(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z").unwrap();
    let line = duration.replace_all(line, "Duration: <duration> ms");
    let line = used.replace_all(&line, "Used: <memory> MB");
    date.replace_all(&line, "date").to_string()
}

fn as_answer(body: Value) -> Answer {
    Answer {
        status: 200,
        code: None,
        body,
    }
}

/// A test of TestLambdaErrors: a Python function created by the fixture, invoked once with
/// no payload, its error held to the recording.
async fn invocation_error(test: &str, file: &str, source: &str, variables: Value) {
    let mut replay = Replay::start(LAMBDA, test).await;
    let module = file.trim_end_matches(".py");
    let runtime = if test.ends_with("test_lambda_runtime_error") {
        "python3.13"
    } else {
        "python3.12"
    };
    create_fixture(
        &replay,
        "test-function-errors",
        runtime,
        &format!("{module}.handler"),
        zip_of(file, source),
        variables,
    )
    .await;
    let mut answer = invoke(&replay, "test-function-errors", None, None, &[]).await;
    if test.ends_with("test_lambda_runtime_error") {
        // LocalStack skip-verifies `$..Payload.stackTrace`: AWS's recorded frames are of
        // Python 3.13's importlib, which this machine's interpreter does not have. The last
        // one, the code's own, is held; the importlib frames before it are not.
        let trace = answer.body["Payload"]
            .as_object_mut()
            .and_then(|p| p.remove("stackTrace"));
        let recorded = replay.recorded["invocation_error"]["Payload"]
            .as_object_mut()
            .unwrap()
            .remove("stackTrace")
            .unwrap();
        assert_eq!(
            trace.as_ref().and_then(|t| t.as_array()?.last()),
            recorded.as_array().unwrap().last(),
            "{test}: the code's own frame ({:?})",
            answer.body
        );
    }
    replay.check("invocation_error", &answer);
    replay.stop().await;
}

/// test_lambda.py::TestLambdaErrors::test_lambda_handler_error: the exception's type,
/// message, request id and stack trace.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_handlers_exception_is_answered_as_recorded() {
    invocation_error(
        "TestLambdaErrors::test_lambda_handler_error",
        "lambda_handler_error.py",
        PYTHON_HANDLER_ERROR,
        json!({}),
    )
    .await;
}

/// test_lambda.py::TestLambdaErrors::test_lambda_handler_exit: the handler exits the runtime.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_handler_that_exits_is_answered_as_recorded() {
    invocation_error(
        "TestLambdaErrors::test_lambda_handler_exit",
        "lambda_handler_exit.py",
        PYTHON_HANDLER_EXIT,
        json!({}),
    )
    .await;
}

/// test_lambda.py::TestLambdaErrors::test_lambda_runtime_exit: the module exits when imported.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_module_that_exits_on_import_is_answered_as_recorded() {
    invocation_error(
        "TestLambdaErrors::test_lambda_runtime_exit",
        "lambda_runtime_exit.py",
        PYTHON_RUNTIME_EXIT,
        json!({}),
    )
    .await;
}

/// test_lambda.py::TestLambdaErrors::test_lambda_runtime_wrapper_not_found: the exec wrapper
/// does not exist (exit status 127).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_exec_wrapper_is_answered_as_recorded() {
    invocation_error(
        "TestLambdaErrors::test_lambda_runtime_wrapper_not_found",
        "lambda_echo.py",
        PYTHON_ECHO,
        json!({"AWS_LAMBDA_EXEC_WRAPPER": "/idontexist.sh"}),
    )
    .await;
}

/// test_lambda.py::TestLambdaErrors::test_lambda_runtime_error: the module raises when
/// imported (an init error: no request id), on python3.13.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_module_that_raises_on_import_is_answered_as_recorded() {
    invocation_error(
        "TestLambdaErrors::test_lambda_runtime_error",
        "lambda_runtime_error.py",
        PYTHON_RUNTIME_ERROR,
        json!({}),
    )
    .await;
}

/// test_lambda.py::TestLambdaErrors::test_lambda_invoke_payload_encoding_error: a payload that
/// is not UTF-8 JSON (what AWS CLI v2 sends without `--cli-binary-format`) is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_payload_that_is_not_json_is_refused_as_recorded() {
    for (test, key, payload) in [
        (
            r"TestLambdaErrors::test_lambda_invoke_payload_encoding_error[body-n\x87r\x9e\xe9\xb5\xd7I\xee\x9bmt]",
            "invoke_function_invalid_payload_body",
            &b"n\x87r\x9e\xe9\xb5\xd7I\xee\x9bmt"[..],
        ),
        (
            r"TestLambdaErrors::test_lambda_invoke_payload_encoding_error[message-\x99\xeb,j\x07\xa1zYh]",
            "invoke_function_invalid_payload_message",
            &b"\x99\xeb,j\x07\xa1zYh"[..],
        ),
    ] {
        let mut replay = Replay::start(LAMBDA, test).await;
        create_fixture(
            &replay,
            "test-function-encoding",
            "python3.12",
            "lambda_echo.handler",
            zip_of("lambda_echo.py", PYTHON_ECHO),
            json!({}),
        )
        .await;
        let answer = invoke(&replay, "test-function-encoding", None, Some(payload), &[]).await;
        // LocalStack skip-verifies `$..Error.Message` and `$..message`: AWS words the rest of
        // its message as its JSON parser (Jackson) does. The local cloud's is held to be the
        // recorded message up to there.
        let recorded = replay.recorded[key]["Error"]["Message"]
            .as_str()
            .unwrap()
            .to_string();
        let message = answer.body["message"]
            .as_str()
            .or_else(|| answer.body["Message"].as_str())
            .unwrap_or_else(|| panic!("{test}: no message ({answer:?})"))
            .to_string();
        assert!(
            recorded.starts_with(&message)
                && message.starts_with(
                    "Could not parse request body into json: Could not parse payload into json"
                ),
            "{test}: {message:?} is not the start of {recorded:?}"
        );
        replay.recorded[key]["Error"]["Message"] = json!(message);
        replay.check(key, &answer);
        replay.stop().await;
    }
}

/// TestLambdaFeatures' `invocation_echo_lambda` fixture: the echo function of the variant.
async fn echo_function(replay: &Replay, runtime: &str) -> String {
    let source = if runtime.starts_with("python") {
        PYTHON_ECHO
    } else {
        NODE_ECHO
    };
    let answer = create_fixture(
        replay,
        "echo-func",
        runtime,
        "handler.handler",
        zip_of(default_file(runtime), source),
        json!({}),
    )
    .await;
    answer.body["FunctionArn"].as_str().unwrap().to_string()
}

/// test_lambda.py::TestLambdaFeatures::test_invocation_type_request_response[python3.10] and
/// [nodejs16.x].
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_response_invoke_is_answered_as_recorded() {
    for runtime in ["python3.10", "nodejs16.x"] {
        let test = format!("TestLambdaFeatures::test_invocation_type_request_response[{runtime}]");
        let mut replay = Replay::start(LAMBDA, &test).await;
        let arn = echo_function(&replay, runtime).await;
        let answer = invoke(
            &replay,
            &arn,
            None,
            Some(b"{}"),
            &[("x-amz-invocation-type", "RequestResponse")],
        )
        .await;
        replay.check("invoke-result", &answer);
        replay.stop().await;
    }
}

/// test_lambda.py::TestLambdaFeatures::test_invocation_with_logs[python3.10] and
/// [nodejs16.x]: `LogType=Tail` answers the invoke's log, base64, in `LogResult`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invoke_with_its_log_is_answered_as_recorded() {
    use base64::Engine;
    for runtime in ["python3.10", "nodejs16.x"] {
        let test = format!("TestLambdaFeatures::test_invocation_with_logs[{runtime}]");
        let mut replay = Replay::start(LAMBDA, &test).await;
        let arn = echo_function(&replay, runtime).await;
        let mut answer = invoke(
            &replay,
            &arn,
            None,
            Some(b"{}"),
            &[("x-amz-log-type", "Tail")],
        )
        .await;
        let encoded = answer.body["LogResult"]
            .as_str()
            .unwrap_or_else(|| panic!("{test}: no LogResult ({:?})", answer.body))
            .to_string();
        // LocalStack's `key_value("LogResult")` transformer.
        answer.body["LogResult"] = json!("log-result");
        replay.check("invoke", &answer);
        let logs = base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .unwrap();
        let logs = String::from_utf8(logs).unwrap();
        for part in ["START", "{}", "END", "REPORT"] {
            assert!(logs.contains(part), "{test}: no {part} in {logs:?}");
        }
        let lines: Vec<String> = logs.split_inclusive('\n').map(as_recorded_log).collect();
        replay.check("logs", &as_answer(json!({ "logs": lines })));
        replay.stop().await;
    }
}

/// test_lambda.py::TestLambdaFeatures::test_invocation_type_no_return_payload: a handler
/// that returns nothing, invoked RequestResponse (`null`) and Event (202, no body).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_handler_that_returns_nothing_is_answered_as_recorded() {
    for (variant, runtime, source) in [
        ("python", "python3.12", PYTHON_NONE),
        ("nodejs", "nodejs18.x", NODE_NONE),
    ] {
        for invocation_type in ["RequestResponse", "Event"] {
            let test = format!(
                "TestLambdaFeatures::test_invocation_type_no_return_payload[{variant}-{invocation_type}]"
            );
            let mut replay = Replay::start(LAMBDA, &test).await;
            let name = "test-function-none";
            create_fixture(
                &replay,
                name,
                runtime,
                "handler.handler",
                zip_of(default_file(runtime), source),
                json!({}),
            )
            .await;
            let answer = invoke(
                &replay,
                name,
                None,
                Some(b"{}"),
                &[("x-amz-invocation-type", invocation_type)],
            )
            .await;
            replay.check("invoke-result", &answer);
            logged_empty_event(&replay, name).await;
            replay.stop().await;
        }
    }
}

/// test_lambda.py::TestLambdaBaseFeatures::test_large_payloads: a 5 MB payload is echoed.
/// Nothing recorded; what the test asserted is asserted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_payload_is_echoed() {
    let replay = Replay::start(LAMBDA, "TestLambdaBaseFeatures::test_large_payloads").await;
    create_fixture(
        &replay,
        "large_payload",
        "python3.12",
        "handler.handler",
        zip_of("handler.py", PYTHON_ECHO),
        json!({}),
    )
    .await;
    let payload = json!({ "test": "test123456".repeat(100 * 1000 * 5) });
    let answer = invoke(
        &replay,
        "large_payload",
        None,
        Some(payload.to_string().as_bytes()),
        &[],
    )
    .await;
    assert_eq!(answer.status, 200);
    assert!(answer.body.get("FunctionError").is_none());
    assert!(answer.body["Payload"] == payload, "not echoed");
    replay.stop().await;
}

/// test_lambda.py::TestLambdaBaseFeatures::test_lambda_large_response: a 6 MB response (just
/// under the limit) is answered. Nothing recorded; what the test asserted is asserted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_response_of_6_mb_is_answered() {
    let replay = Replay::start(LAMBDA, "TestLambdaBaseFeatures::test_lambda_large_response").await;
    create_fixture(
        &replay,
        "large_response",
        "python3.12",
        "handler.handler",
        zip_of("handler.py", PYTHON_RESPONSE_SIZE),
        json!({}),
    )
    .await;
    let size = 6 * 1024 * 1024;
    let payload = json!({ "bytenum": size }).to_string();
    let answer = invoke(
        &replay,
        "large_response",
        None,
        Some(payload.as_bytes()),
        &[],
    )
    .await;
    assert_eq!(answer.status, 200);
    assert!(answer.body.get("FunctionError").is_none());
    // The payload is a JSON string, which `invoke` answers as its text.
    let text = answer.body["Payload"].as_str().unwrap();
    let returned: String = serde_json::from_str(text).unwrap();
    assert!(returned == "a".repeat(size), "not the response");
    replay.stop().await;
}

/// test_lambda.py::TestLambdaBaseFeatures::test_lambda_too_large_response: a 7 MB response is
/// Function.ResponseSizeTooLarge, twice, and the handler's print is logged.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_response_over_6_mb_is_refused_as_recorded() {
    let mut replay = Replay::start(
        LAMBDA,
        "TestLambdaBaseFeatures::test_lambda_too_large_response",
    )
    .await;
    let name = "large_payload";
    create_fixture(
        &replay,
        name,
        "python3.12",
        "handler.handler",
        zip_of("handler.py", PYTHON_RESPONSE_SIZE),
        json!({}),
    )
    .await;
    let payload = json!({ "bytenum": 7 * 1024 * 1024 }).to_string();
    for key in ["invoke_result", "invoke_result_2"] {
        let answer = invoke(&replay, name, None, Some(payload.as_bytes()), &[]).await;
        replay.check(key, &answer);
    }
    logged(&replay, name, |m| m.contains("generating bytes")).await;
    replay.stop().await;
}

/// test_lambda.py::TestLambdaBehavior::test_lambda_cache_local[python] and [nodejs]: the
/// second invoke runs in the same warm process as the first.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_warm_function_keeps_its_state_as_recorded() {
    for (variant, runtime, source) in [
        ("python", "python3.12", PYTHON_CACHE),
        ("nodejs", "nodejs20.x", NODE_CACHE),
    ] {
        let test = format!("TestLambdaBehavior::test_lambda_cache_local[{variant}]");
        let mut replay = Replay::start(LAMBDA, &test).await;
        create_fixture(
            &replay,
            "test_lambda_cache",
            runtime,
            "handler.handler",
            zip_of(default_file(runtime), source),
            json!({}),
        )
        .await;
        for key in ["first_invoke_result", "second_invoke_result"] {
            let answer = invoke(&replay, "test_lambda_cache", None, None, &[]).await;
            replay.check(key, &answer);
        }
        replay.stop().await;
    }
}

/// `load_file(TEST_LAMBDA_VERSION) % version`, zipped by `create_lambda_archive`.
fn version_zip(version: &str) -> String {
    zip_of("handler.py", &PYTHON_VERSION.replace("%s", version))
}

async fn publish(replay: &Replay, name: &str, description: &str) -> Answer {
    let path = format!("/2015-03-31/functions/{name}/versions");
    replay
        .call(
            Service::Lambda,
            "POST",
            &path,
            Some(json!({ "Description": description })),
        )
        .await
}

async fn update_code(replay: &Replay, name: &str, zip: String, publish: bool) -> Answer {
    let path = format!("/2015-03-31/functions/{name}/code");
    let mut body = json!({ "ZipFile": zip });
    if publish {
        body["Publish"] = json!(true);
    }
    replay.call(Service::Lambda, "PUT", &path, Some(body)).await
}

/// test_lambda.py::TestLambdaVersions::test_lambda_versions_with_code_changes: each published
/// version keeps the code it was published with.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn versions_keep_their_code_as_recorded() {
    let mut replay = Replay::start(
        LAMBDA,
        "TestLambdaVersions::test_lambda_versions_with_code_changes",
    )
    .await;
    let name = "fn-versions";
    let created = create(
        &replay,
        json!({
            "FunctionName": name,
            "Handler": "handler.handler",
            "Code": { "ZipFile": version_zip("version1") },
            "PackageType": "Zip",
            "Role": "arn:aws:iam::000000000000:role/lambda-su-role",
            "Runtime": "python3.12",
            "Description": "No version :(",
        }),
    )
    .await;
    replay.check("create_response", &created);
    let first = publish(&replay, name, "First version description :)").await;
    replay.check("first_publish_response", &first);
    let first_version = first.body["Version"].as_str().unwrap().to_string();
    let updated = update_code(&replay, name, version_zip("version2"), false).await;
    replay.check("update_lambda_response", &updated);
    settled(&replay, name, None).await;
    let answer = invoke(&replay, name, None, Some(b"{}"), &[]).await;
    replay.check("invocation_result_latest", &answer);
    let answer = invoke(&replay, name, Some(&first_version), Some(b"{}"), &[]).await;
    replay.check("invocation_result_v1", &answer);
    let second = publish(&replay, name, "Second version description :)").await;
    replay.check("second_publish_response", &second);
    let second_version = second.body["Version"].as_str().unwrap().to_string();
    settled(&replay, name, Some(&second_version)).await;
    let answer = invoke(&replay, name, Some(&second_version), Some(b"{}"), &[]).await;
    replay.check("invocation_result_v2", &answer);
    let third = update_code(&replay, name, version_zip("version3"), true).await;
    replay.check("update_lambda_response_with_publish", &third);
    let third_version = third.body["Version"].as_str().unwrap().to_string();
    settled(&replay, name, Some(&third_version)).await;
    let answer = invoke(&replay, name, Some(&third_version), Some(b"{}"), &[]).await;
    replay.check("invocation_result_v3", &answer);
    let answer = invoke(&replay, name, None, Some(b"{}"), &[]).await;
    replay.check("invocation_result_latest_end", &answer);
    let answer = invoke(&replay, name, Some(&second_version), Some(b"{}"), &[]).await;
    replay.check("invocation_result_v2_end", &answer);
    let answer = invoke(&replay, name, Some(&first_version), Some(b"{}"), &[]).await;
    replay.check("invocation_result_v1_end", &answer);
    replay.stop().await;
}

/// test_lambda.py::TestLambdaVersions::test_lambda_handler_update: a new Handler is the one
/// invoked, before and after a publish.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_updated_handler_is_invoked_as_recorded() {
    let mut replay = Replay::start(LAMBDA, "TestLambdaVersions::test_lambda_handler_update").await;
    let name = "test_lambda_handlers";
    create_fixture(
        &replay,
        name,
        "python3.12",
        "handler.handler",
        zip_of("handler.py", PYTHON_MULTIPLE_HANDLERS),
        json!({}),
    )
    .await;
    let answer = invoke(&replay, name, None, None, &[]).await;
    replay.check("invoke_result_handler_one", &answer);
    let path = format!("/2015-03-31/functions/{name}/configuration");
    let updated = replay
        .call(
            Service::Lambda,
            "PUT",
            &path,
            Some(json!({ "Handler": "handler.handler_two" })),
        )
        .await;
    replay.check("update_function_configuration_result", &updated);
    settled(&replay, name, None).await;
    let function = replay
        .call(
            Service::Lambda,
            "GET",
            &format!("/2015-03-31/functions/{name}"),
            None,
        )
        .await;
    replay.check("get_function_result", &function);
    let answer = invoke(&replay, name, None, None, &[]).await;
    replay.check("invoke_result_handler_two", &answer);
    let published = replay
        .call(
            Service::Lambda,
            "POST",
            &format!("/2015-03-31/functions/{name}/versions"),
            Some(json!({})),
        )
        .await;
    let version = published.body["Version"].as_str().unwrap().to_string();
    settled(&replay, name, Some(&version)).await;
    let answer = invoke(&replay, name, None, None, &[]).await;
    replay.check("invoke_result_handler_two_postpublish", &answer);
    replay.stop().await;
}

/// test_lambda.py::TestLambdaAliases::test_lambda_alias_moving: an alias invokes its version
/// until it is moved, by name and by ARN; a missing alias is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_alias_moves_only_when_updated_as_recorded() {
    let mut replay = Replay::start(LAMBDA, "TestLambdaAliases::test_lambda_alias_moving").await;
    let name = "fn-alias-moving";
    let created = create(
        &replay,
        json!({
            "FunctionName": name,
            "Handler": "handler.handler",
            "Code": { "ZipFile": version_zip("version1") },
            "PackageType": "Zip",
            "Role": "arn:aws:iam::000000000000:role/lambda-su-role",
            "Runtime": "python3.12",
            "Description": "No version :(",
        }),
    )
    .await;
    replay.check("create_response", &created);
    let first = publish(&replay, name, "First version description :)").await;
    let first_version = first.body["Version"].as_str().unwrap().to_string();
    settled(&replay, name, Some(&first_version)).await;
    let alias = replay
        .call(
            Service::Lambda,
            "POST",
            &format!("/2015-03-31/functions/{name}/aliases"),
            Some(json!({ "FunctionVersion": first_version, "Name": "alias1" })),
        )
        .await;
    replay.check("create_alias_response", &alias);
    let alias_arn = alias.body["AliasArn"].as_str().unwrap().to_string();
    let answer = invoke(&replay, name, Some("alias1"), Some(b"{}"), &[]).await;
    replay.check("invocation_result_qualifier_v1", &answer);
    let answer = invoke(&replay, &alias_arn, None, Some(b"{}"), &[]).await;
    replay.check("invocation_result_qualifier_v1_arn", &answer);
    let updated = update_code(&replay, name, version_zip("version2"), false).await;
    replay.check("update_lambda_response", &updated);
    settled(&replay, name, None).await;
    let answer = invoke(&replay, name, Some("alias1"), Some(b"{}"), &[]).await;
    replay.check("invocation_result_qualifier_v1_after_update", &answer);
    let second = publish(&replay, name, "Second version description :)").await;
    replay.check("second_publish_response", &second);
    let second_version = second.body["Version"].as_str().unwrap().to_string();
    settled(&replay, name, Some(&second_version)).await;
    let answer = invoke(&replay, name, Some("alias1"), Some(b"{}"), &[]).await;
    replay.check("invocation_result_qualifier_v1_after_publish", &answer);
    let moved = replay
        .call(
            Service::Lambda,
            "PUT",
            &format!("/2015-03-31/functions/{name}/aliases/alias1"),
            Some(json!({ "FunctionVersion": second_version })),
        )
        .await;
    replay.check("update_alias_response", &moved);
    let last = std::sync::Mutex::new(None);
    let moved_on = common::until(Duration::from_secs(30), || async {
        let invoked = invoke(&replay, name, Some("alias1"), Some(b"{}"), &[]).await;
        let on_two = invoked.body["ExecutedVersion"] == "2";
        *last.lock().unwrap() = Some(invoked);
        on_two
    })
    .await;
    let answer = last.into_inner().unwrap().unwrap();
    assert!(moved_on, "alias1 did not move to 2 ({answer:?})");
    replay.check("invocation_result_qualifier_v2", &answer);
    let missing = invoke(&replay, name, Some("non-existent-alias"), Some(b"{}"), &[]).await;
    replay.check("invocation_exc_not_existent", &missing);
    replay.stop().await;
}

/// test_lambda.py::TestLambdaAliases::test_alias_routingconfig: an alias with weights for a
/// second version invokes both (within 20 invokes, as the test allows).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_alias_routes_to_both_versions_as_recorded() {
    let mut replay = Replay::start(LAMBDA, "TestLambdaAliases::test_alias_routingconfig").await;
    let name = "fn-alias-routing";
    let created = create(
        &replay,
        json!({
            "FunctionName": name,
            "Handler": "handler.handler",
            "Code": { "ZipFile": version_zip("version1") },
            "PackageType": "Zip",
            "Role": "arn:aws:iam::000000000000:role/lambda-su-role",
            "Runtime": "python3.12",
            "Description": "First version :)",
            "Publish": true,
        }),
    )
    .await;
    let first_version = created.body["Version"].as_str().unwrap().to_string();
    let updated = update_code(&replay, name, version_zip("version2"), false).await;
    assert_eq!(updated.status, 200, "{:?}", updated.body);
    settled(&replay, name, None).await;
    let second = publish(&replay, name, "Second version description :)").await;
    let second_version = second.body["Version"].as_str().unwrap().to_string();
    settled(&replay, name, Some(&second_version)).await;
    let alias = replay
        .call(
            Service::Lambda,
            "POST",
            &format!("/2015-03-31/functions/{name}/aliases"),
            Some(json!({
                "FunctionVersion": first_version,
                "Name": "alias1",
                "RoutingConfig": { "AdditionalVersionWeights": { second_version: 0.5 } },
            })),
        )
        .await;
    replay.check("create_alias_response", &alias);
    let mut hit = std::collections::BTreeSet::new();
    for _ in 0..20 {
        let answer = invoke(&replay, name, Some("alias1"), Some(b"{}"), &[]).await;
        hit.insert(answer.body["Payload"]["version_from_ctx"].to_string());
        if hit.len() == 2 {
            break;
        }
    }
    assert_eq!(
        hit.len(),
        2,
        "did not hit both versions in 20 invokes: {hit:?}"
    );
    replay.stop().await;
}

/// test_lambda.py::TestRequestIdHandling::test_request_id_invoke: the request id the handler
/// sees is the invoke's, and its log lines name it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_request_id_is_the_invokes_as_recorded() {
    let mut replay = Replay::start(LAMBDA, "TestRequestIdHandling::test_request_id_invoke").await;
    let name = "test_lambda_request_id";
    create_fixture(
        &replay,
        name,
        "python3.12",
        "handler.handler",
        zip_of("handler.py", PYTHON_REQUEST_ID),
        json!({}),
    )
    .await;
    let answer = invoke(&replay, name, None, None, &[]).await;
    replay.check("invoke_result", &answer);
    let events = logged(&replay, name, |m| m.contains("REPORT")).await;
    let lines: Vec<String> = events
        .iter()
        .filter_map(|e| e["message"].as_str())
        .filter(|m| m.contains("RequestId"))
        .map(|m| as_recorded_log(m.trim_end()))
        .collect();
    replay.check("log_entries", &as_answer(json!({ "logs": lines })));
    replay.stop().await;
}

/// test_lambda.py::TestLambdaCleanup::test_recreate_function: a function deleted and created
/// again at once is created as recorded, and invoked.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_function_created_again_is_created_as_recorded() {
    let mut replay = Replay::start(LAMBDA, "TestLambdaCleanup::test_recreate_function").await;
    let name = "test-function-recreate";
    for key in [
        "create_function_response_one",
        "create_function_response_two",
    ] {
        let created = create_fixture(
            &replay,
            name,
            "python3.12",
            "lambda_echo.handler",
            zip_of("lambda_echo.py", PYTHON_ECHO),
            json!({}),
        )
        .await;
        replay.check_in(key, "CreateFunctionResponse", &created);
        if key.ends_with("one") {
            let deleted = replay
                .call(
                    Service::Lambda,
                    "DELETE",
                    &format!("/2015-03-31/functions/{name}"),
                    None,
                )
                .await;
            assert_eq!(deleted.status, 204, "{:?}", deleted.body);
        }
    }
    let answer = invoke(
        &replay,
        name,
        None,
        None,
        &[("x-amz-invocation-type", "Event")],
    )
    .await;
    assert_eq!(answer.status, 202);
    logged_empty_event(&replay, name).await;
    replay.stop().await;
}

/// test_lambda_runtimes.py::TestNodeJSRuntimes::test_invoke_nodejs_es6_lambda: an ES module
/// handler (`.mjs`) on each Node.js runtime.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_es_module_handler_runs_as_recorded() {
    for runtime in [
        "nodejs16.x",
        "nodejs18.x",
        "nodejs20.x",
        "nodejs22.x",
        "nodejs24.x",
    ] {
        let test = format!("TestNodeJSRuntimes::test_invoke_nodejs_es6_lambda[{runtime}]");
        let mut replay = Replay::start(RUNTIMES, &test).await;
        // The recording's `key_value("CodeSha256", "<code-sha-256>")`, numbered by the
        // snapshot library inside its own brackets: one stand-in for the hash.
        replay.recorded["creation-result"]["CreateFunctionResponse"]["CodeSha256"] =
            json!("<code-sha-256:1>");
        let name = "test-function-es6";
        let created = create_fixture(
            &replay,
            name,
            runtime,
            "lambda_handler_es6.handler",
            zip_of("lambda_handler_es6.mjs", NODE_ES6),
            json!({}),
        )
        .await;
        replay.check_in("creation-result", "CreateFunctionResponse", &created);
        let answer = invoke(
            &replay,
            name,
            None,
            Some(br#"{"event_type": "test_lambda"}"#),
            &[],
        )
        .await;
        replay.check("invocation-result", &answer);
        let body = answer.body["Payload"]["body"].as_str().unwrap_or_default();
        assert!(
            body.contains("response from localstack lambda"),
            "{runtime}"
        );
        logged(&replay, name, |_| true).await;
        replay.stop().await;
    }
}

/// test_lambda_runtimes.py::TestPythonRuntimes::test_python_runtime_correct_versions
/// [python3.11]: the handler runs on Python 3.11 (the other variants need their own
/// interpreter). Nothing recorded; what the test asserted is asserted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_3_11_runs_on_python_3_11() {
    let replay = Replay::start(
        RUNTIMES,
        "TestPythonRuntimes::test_python_runtime_correct_versions[python3.11]",
    )
    .await;
    let name = "test_python_executor";
    create_fixture(
        &replay,
        name,
        "python3.11",
        "handler.handler",
        zip_of("handler.py", PYTHON_VERSION_INFO),
        json!({}),
    )
    .await;
    let answer = invoke(&replay, name, None, Some(b"{}"), &[]).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.body["Payload"]["version"], "python3.11");
    replay.stop().await;
}

/// test_lambda_runtimes.py::TestCloudwatchLogs::test_multi_line_prints: a print of several
/// lines is one log event a line. LocalStack skip-verifies the whole snapshot; what the test
/// asserted is asserted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_multi_line_print_is_logged_a_line_an_event() {
    let replay = Replay::start(RUNTIMES, "TestCloudwatchLogs::test_multi_line_prints").await;
    let name = "test_lambda_multi_line";
    create_fixture(
        &replay,
        name,
        "python3.13",
        "handler.handler",
        zip_of("handler.py", PYTHON_CLOUDWATCH_LOGS),
        json!({}),
    )
    .await;
    let payload = json!({ "body": "\nmulti\nline\nstring\nanother\rline\n" });
    let answer = invoke(
        &replay,
        name,
        None,
        Some(payload.to_string().as_bytes()),
        &[],
    )
    .await;
    assert_eq!(answer.status, 200);
    let events = logged(&replay, name, |m| m.contains("REPORT")).await;
    let messages: Vec<&str> = events
        .iter()
        .filter_map(|e| e["message"].as_str())
        .collect();
    for wanted in ["multi\n", "line\n", "string\n", "another\rline\n"] {
        assert!(messages.contains(&wanted), "no {wanted:?} in {messages:?}");
    }
    replay.stop().await;
}

/// LocalStack's `lambda_integration.py`, verbatim (Apache-2.0): it imports boto3, which AWS's
/// Python runtimes carry and this machine's python3 has (`scripts/test` installs it with moto).
const LAMBDA_INTEGRATION: &str = include_str!("functions/lambda_integration.py");

/// test_lambda_runtimes.py::TestPythonRuntimes::test_handler_in_submodule, every Python
/// variant: a handler in a package's submodule (`localstack_package.def.main.handler`, `def`
/// a keyword but a package's name all the same) is found and run. Nothing recorded; what the
/// test asserted is asserted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_handler_in_a_submodule_is_found_on_every_python_runtime() {
    use base64::Engine;
    let zip = package::write_zip(&[
        ("localstack_package/__init__.py", 0o644, b""),
        ("localstack_package/def/__init__.py", 0o644, b""),
        (
            "localstack_package/def/main.py",
            0o644,
            LAMBDA_INTEGRATION.as_bytes(),
        ),
    ])
    .unwrap();
    let zip = base64::engine::general_purpose::STANDARD.encode(zip);
    for runtime in [
        "python3.8",
        "python3.9",
        "python3.10",
        "python3.11",
        "python3.12",
        "python3.13",
        "python3.14",
    ] {
        let replay = Replay::start(
            RUNTIMES,
            &format!("TestPythonRuntimes::test_handler_in_submodule[{runtime}]"),
        )
        .await;
        let name = format!("test-function-{}", runtime.replace('.', "-"));
        create_fixture(
            &replay,
            &name,
            runtime,
            "localstack_package.def.main.handler",
            zip.clone(),
            json!({}),
        )
        .await;
        let answer = invoke(&replay, &name, None, Some(b"{}"), &[]).await;
        assert_eq!(answer.status, 200, "{runtime}");
        assert!(
            answer.body.get("FunctionError").is_none(),
            "{runtime}: {answer:?}"
        );
        assert_eq!(answer.body["Payload"]["event"], json!({}), "{runtime}");
        replay.stop().await;
    }
}

/// LocalStack's `lambda_integration.js`, verbatim: a callback-style Node.js handler.
const NODE_INTEGRATION: &str = "exports.handler = function(event, context, callback) {\n\tconsole.log('Node.js Lambda handler executing.');\n\tvar result = {context};\n\tif (callback) {\n\t\tcallback(null, result);\n\t} else {\n\t\tcontext.succeed(result);\n\t}\n};\n";

/// test_lambda.py::TestLambdaFeatures::test_lambda_with_context (recorded on nodejs16.x): a
/// callback-style handler gets the invoke's `ClientContext` (base64 JSON) as
/// `context.clientContext`, and its context serialises to the recorded members. The
/// recording's CreateFunction answer (2022) predates members AWS answers today
/// (`LoggingConfig`, `RuntimeVersionConfig`, …, in the newer recordings), so only the
/// invocation is held to it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_context_reaches_a_callback_handler_as_recorded() {
    use base64::Engine;
    let mut replay = Replay::start(LAMBDA, "TestLambdaFeatures::test_lambda_with_context").await;
    let name = "test-function-context";
    create_fixture(
        &replay,
        name,
        "nodejs16.x",
        "lambda_integration.handler",
        zip_of("lambda_integration.js", NODE_INTEGRATION),
        json!({}),
    )
    .await;
    let context = r#"{"custom": {"foo": "bar"}, "client": {"snap": ["crackle", "pop"]}, "env": {"fizz": "buzz"}}"#;
    let encoded = base64::engine::general_purpose::STANDARD.encode(context);
    let answer = invoke(
        &replay,
        name,
        None,
        Some(b"{}"),
        &[("x-amz-client-context", encoded.as_str())],
    )
    .await;
    assert_eq!(
        answer.body["Payload"]["context"]["clientContext"]["custom"]["foo"],
        "bar"
    );
    replay.check("invocation", &answer);
    logged(&replay, name, |m| {
        m.contains("Node.js Lambda handler executing.")
    })
    .await;
    // A client context that is not base64 of a JSON object is refused.
    let refused = invoke(
        &replay,
        name,
        None,
        Some(b"{}"),
        &[("x-amz-client-context", "not base64!")],
    )
    .await;
    assert_eq!(refused.status, 400, "{refused:?}");
    replay.stop().await;
}

/// LocalStack's `lambda_timeout.py`, verbatim.
const PYTHON_TIMEOUT: &str = "import logging\nimport time\n\n\ndef handler(event, context):\n    try:\n        print(\"starting wait\")\n        time.sleep(event[\"wait\"])\n        print(\"done waiting\")\n    except Exception as e:\n        print(\"exception while waiting\")\n        logging.error(e)\n";

/// test_lambda.py::TestLambdaBehavior::test_lambda_invoke_no_timeout: a function of a 2 s
/// timeout that waits 1 s answers `null`, and logs both of its lines.
/// LocalStack's `lambda_timeout_env.py`, verbatim: writes and reads a file in /tmp, sets and
/// reads a global, or sleeps.
const PYTHON_TIMEOUT_ENV: &str = "import logging\nimport time\n\nINTERNAL_NUMBER = 0\n\n\ndef handler(event, context):\n    if write_content := event.get(\"write-file\"):\n        with open(\"/tmp/temp-store\", mode=\"wt\") as f:\n            f.write(write_content)\n    elif event.get(\"read-file\"):\n        with open(\"/tmp/temp-store\", mode=\"rt\") as f:\n            payload = {\"content\": f.read(write_content)}\n            print(payload)\n            return payload\n    elif new_num := event.get(\"set-number\"):\n        global INTERNAL_NUMBER\n        INTERNAL_NUMBER = new_num\n    elif event.get(\"read-number\"):\n        payload = {\"number\": INTERNAL_NUMBER}\n        print(payload)\n        return payload\n    elif sleep_time := event.get(\"sleep\"):\n        try:\n            print(\"starting wait\")\n            time.sleep(sleep_time)\n            print(\"done waiting\")\n        except Exception as e:\n            print(\"exception while waiting\")\n            logging.error(e)\n";

/// CreateFunction of a python3.12 `handler.py` (`handler.handler`) as LocalStack's
/// `create_lambda_function` makes it, with `timeout`; checked against the recording's
/// `create-result`.
async fn create_python_handler(replay: &mut Replay, name: &str, code: &str, timeout: u32) {
    let body = python_handler(name, "lambda-test-role", code, timeout, json!({}));
    let created = create(replay, body).await;
    replay.check_in("create-result", "CreateFunctionResponse", &created);
}

/// The CreateFunction body of a python3.12 `handler.py` (`handler.handler`) with the role
/// named `role`, as LocalStack's `create_lambda_function` makes it.
fn python_handler(name: &str, role: &str, code: &str, timeout: u32, variables: Value) -> Value {
    json!({
        "FunctionName": name,
        "Runtime": "python3.12",
        "Handler": "handler.handler",
        "Role": format!("arn:aws:iam::000000000000:role/{role}"),
        "Code": { "ZipFile": zip_of("handler.py", code) },
        "Timeout": timeout,
        "Environment": { "Variables": variables },
        "Tags": {},
    })
}

/// test_lambda.py::TestLambdaBehavior::test_lambda_invoke_no_timeout: a function of a 2 s
/// timeout that waits 1 s answers `null`, and logs both of its lines.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wait_within_the_timeout_completes_as_recorded() {
    let mut replay =
        Replay::start(LAMBDA, "TestLambdaBehavior::test_lambda_invoke_no_timeout").await;
    let name = "test_lambda_no_timeout";
    create_python_handler(&mut replay, name, PYTHON_TIMEOUT, 2).await;
    let answer = invoke(&replay, name, None, Some(br#"{"wait": 1}"#), &[]).await;
    replay.check("invoke-result", &answer);
    logged(&replay, name, |m| m.contains("starting wait")).await;
    logged(&replay, name, |m| m.contains("done waiting")).await;
    replay.stop().await;
}

/// test_lambda.py::TestLambdaBehavior::test_lambda_invoke_timed_out_environment_reuse: a
/// function of a 1 s timeout keeps a file and a global between invocations; one that times out
/// is stopped mid-sleep, and the next invocation runs in a new process (the global is 0
/// again) that still finds the file. The timed-out invocation's own
/// answer is held to the newer recording (test_lambda_invoke_with_timeout, 2025-11-25:
/// `Sandbox.Timedout`, "RequestId: … Error: Task timed out after 1.00 seconds"), not to this
/// one's of 2024-04-08 (an `errorMessage` alone, the log line's words), which AWS no longer
/// answers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timed_out_environment_is_replaced_as_recorded() {
    let mut replay = Replay::start(
        LAMBDA,
        "TestLambdaBehavior::test_lambda_invoke_timed_out_environment_reuse",
    )
    .await;
    let name = "test_lambda_timeout_env";
    // The handler's file is in this machine's /tmp: gone first, so that the reads find what
    // this run wrote.
    let _ = std::fs::remove_file("/tmp/temp-store");
    create_python_handler(&mut replay, name, PYTHON_TIMEOUT_ENV, 1).await;
    for (key, payload) in [
        (
            "invoke-result-file-write",
            r#"{"write-file": "some-content"}"#,
        ),
        ("invoke-result-file-read", r#"{"read-file": true}"#),
        ("invoke-result-set-number", r#"{"set-number": 42}"#),
        ("invoke-result-read-number", r#"{"read-number": true}"#),
    ] {
        let answer = invoke(&replay, name, None, Some(payload.as_bytes()), &[]).await;
        replay.check(key, &answer);
    }
    let timed_out = invoke(&replay, name, None, Some(br#"{"sleep": 2}"#), &[]).await;
    assert_eq!(
        timed_out.body["FunctionError"], "Unhandled",
        "{timed_out:?}"
    );
    assert_eq!(
        timed_out.body["Payload"]["errorType"], "Sandbox.Timedout",
        "{timed_out:?}"
    );
    // It was running when it timed out; that it was stopped shows in the global read below (a
    // new process's).
    logged(&replay, name, |m| m.contains("starting wait")).await;
    for (key, payload) in [
        (
            "invoke-result-file-read-after-timeout",
            r#"{"read-file": true}"#,
        ),
        (
            "invoke-result-read-number-after-timeout",
            r#"{"read-number": true}"#,
        ),
    ] {
        let answer = invoke(&replay, name, None, Some(payload.as_bytes()), &[]).await;
        replay.check(key, &answer);
    }
    replay.stop().await;
}

const PYTHON_PROCESS_INSPECTION: &str = r#"import os


def handler(event, context):
    return {"environment": dict(os.environ)}
"#;

/// test_lambda.py::TestLambdaBehavior::test_lambda_init_environment: a python3.14 function's
/// whole environment, as its handler reads it (the machine's paths and the Runtime API's
/// address shown as AWS's, as for test_introspection_invoke).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_init_environment_is_as_recorded() {
    let mut replay =
        Replay::start(LAMBDA, "TestLambdaBehavior::test_lambda_init_environment").await;
    let name = "test_lambda_init_env";
    let created = create_fixture(
        &replay,
        name,
        "python3.14",
        "handler.handler",
        zip_of("handler.py", PYTHON_PROCESS_INSPECTION),
        json!({}),
    )
    .await;
    replay.check_in("create-result", "CreateFunctionResponse", &created);
    let mut answer = invoke(&replay, name, None, Some(br#"{"pid": 1}"#), &[]).await;
    super::runtimes::as_on_aws(&mut answer.body["Payload"]);
    replay.check("lambda-init-inspection", &answer);
    replay.stop().await;
}

const PYTHON_FUNCTION_VERSION: &str = r#"import json
import os
import time

import boto3

s3 = boto3.client("s3", endpoint_url=os.environ.get("AWS_ENDPOINT_URL"))
S3_BUCKET_NAME = os.environ.get("S3_BUCKET_NAME")
# Configurable identifier to test function updates
FUNCTION_VARIANT = os.environ.get("FUNCTION_VARIANT")


def handler(event, context):
    sleep_duration = int(event.get("sleep_seconds", 0))
    if sleep_duration > 0:
        print(f"Sleeping for {sleep_duration} seconds ...")
        time.sleep(sleep_duration)
        print("... done sleeping")

    request_prefix = event.get("request_prefix")
    response = {
        "function_version": context.function_version,
        "request_id": context.aws_request_id,
        "request_prefix": request_prefix,
        "function_variant": FUNCTION_VARIANT,
    }

    # The side effect is required to test async invokes
    if S3_BUCKET_NAME:
        s3_key = f"{request_prefix}--{FUNCTION_VARIANT}"
        response["s3_key"] = s3_key
        s3.put_object(Bucket=S3_BUCKET_NAME, Key=s3_key, Body=json.dumps(response))

    return response
"#;

/// test_lambda.py::TestLambdaVersions::test_function_update_during_invoke: a configuration
/// update while an invocation runs lets it finish with the configuration it started with, and
/// the next invocation has the new one. The test's fixed 5 s wait before the update is a wait
/// here until the running invocation has logged that it sleeps.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_update_during_an_invocation_lets_it_finish_as_recorded() {
    let mut replay = Replay::start(
        LAMBDA,
        "TestLambdaVersions::test_function_update_during_invoke",
    )
    .await;
    let name = "test-function-update-during-invoke";
    let variant = |v: &str| json!({ "FUNCTION_VARIANT": v });
    let zip = zip_of("handler.py", PYTHON_FUNCTION_VERSION);
    create_fixture(
        &replay,
        name,
        "python3.12",
        "handler.handler",
        zip,
        variant("variant-1"),
    )
    .await;
    // 8 s, not the test's 20: long enough for the update and the next invocation to end
    // first, which is asserted (the answers carry no duration).
    let sleeping = br#"{"request_prefix": "1-sleep", "sleep_seconds": 8}"#;
    let running = async {
        let answer = invoke(&replay, name, None, Some(sleeping), &[]).await;
        (answer, std::time::Instant::now())
    };
    let update = async {
        logged(&replay, name, |m| m.contains("Sleeping for 8 seconds")).await;
        let path = format!("/2015-03-31/functions/{name}/configuration");
        let environment = json!({ "Environment": { "Variables": variant("variant-2") } });
        let updated = replay
            .call(Service::Lambda, "PUT", &path, Some(environment))
            .await;
        assert_eq!(updated.status, 200, "{updated:?}");
        settled(&replay, name, None).await;
        let after = br#"{"request_prefix": "2-post-update"}"#;
        let answer = invoke(&replay, name, None, Some(after), &[]).await;
        (answer, std::time::Instant::now())
    };
    let ((before, before_ended), (after, after_ended)) = tokio::join!(running, update);
    assert!(
        after_ended < before_ended,
        "the update and the next invocation ended while the first still ran"
    );
    assert_eq!(after.body["StatusCode"], 200, "{after:?}");
    assert_eq!(
        after.body["Payload"]["function_variant"], "variant-2",
        "{after:?}"
    );
    assert_eq!(
        after.body["Payload"]["function_version"], "$LATEST",
        "{after:?}"
    );
    replay.check("invoke_response_before", &before);
    replay.stop().await;
}

/// LocalStack's `functions/lambda_context.py` (Apache-2.0).
const PYTHON_CONTEXT: &str = r#"def handler(event, context):
    print(event)
    print(context.aws_request_id)

    if event.get("fail"):
        raise Exception("Intentional failure")

    return context.aws_request_id
"#;

/// test_lambda.py::TestRequestIdHandling::test_request_id_async_invoke_with_retry: an `Event`
/// invocation that fails is retried once (`MaximumRetryAttempts` 1) under the same request
/// id. The test sleeps twice AWS's first retry delay (60 s) and then reads the log; the local
/// cloud's fast timing retries a moment after, and the replay waits until both runs reported.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_retried_keeps_its_request_id_as_recorded() {
    let mut replay = Replay::start(
        LAMBDA,
        "TestRequestIdHandling::test_request_id_async_invoke_with_retry",
    )
    .await;
    let name = "test_lambda_async_retry";
    let zip = zip_of("handler.py", PYTHON_CONTEXT);
    create_fixture(
        &replay,
        name,
        "python3.12",
        "handler.handler",
        zip,
        json!({}),
    )
    .await;
    let path = format!("/2019-09-25/functions/{name}/event-invoke-config");
    let retries = json!({ "MaximumRetryAttempts": 1 });
    let config = replay
        .call(Service::Lambda, "PUT", &path, Some(retries))
        .await;
    assert_eq!(config.status, 200, "{config:?}");
    settled(&replay, name, None).await;
    let event = [("x-amz-invocation-type", "Event")];
    let answer = invoke(&replay, name, None, Some(br#"{"fail": 1}"#), &event).await;
    replay.check("invoke_result", &answer);
    let reports = |events: &[Value]| {
        let messages = events.iter().filter_map(|e| e["message"].as_str());
        messages.filter(|m| m.contains("REPORT")).count()
    };
    let group = format!("/aws/lambda/{name}");
    let both = common::until(Duration::from_secs(30), || async {
        reports(&log_events(&replay, &group).await) == 2
    })
    .await;
    assert!(both, "the event did not run twice");
    let events = log_events(&replay, &group).await;
    let messages: Vec<&str> = events
        .iter()
        .filter_map(|e| e["message"].as_str())
        .collect();
    let ends: Vec<Value> = messages
        .iter()
        .filter(|m| m.contains("END"))
        .map(|m| json!(m.trim_end()))
        .collect();
    // A list, not an answer: held to the recording as it is.
    let recorded = replay.recorded["end_messages"].clone();
    replay
        .stand_ins
        .matches(&recorded, &Value::Array(ends), "end_messages");
    // The id both runs ended with is the one the handler was given, each time.
    let id = &replay.stand_ins.bound["<request-id>"];
    let printed = messages.iter().filter(|m| m.trim_end() == id).count();
    assert_eq!(printed, 2, "{messages:?}");
    replay.stop().await;
}

/// localstack-java-utils' `SerializedInputLambdaHandler` (Apache-2.0), in the package the
/// recorded handler names (`cloud.localstack.awssdkv1.sample`; the source found is the same
/// class in `cloud.localstack.sample`).
const JAVA_SERIALIZED_INPUT: &str = r#"package cloud.localstack.awssdkv1.sample;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;

/**
 * Test Lambda handler class
 */
public class SerializedInputLambdaHandler implements RequestHandler<SerializedInputLambdaHandler.S3Input, Object> {

    @Override
    public Object handleRequest(S3Input input, Context context) {
        System.err.println(input);
        input.setValidated(true);
        return input;
    }

    public static class S3Input {

        public S3Input() {}

        private String bucket;

        private String key;

        private boolean validated = false;

        public String getBucket() {
            return bucket;
        }

        public void setBucket(String bucket) {
            this.bucket = bucket;
        }

        public String getKey() {
            return key;
        }

        public void setKey(String key) {
            this.key = key;
        }

        public void setValidated(boolean validated) {
            this.validated = validated;
        }

        public boolean isValidated() {
            return validated;
        }
    }
}
"#;

/// test_lambda_runtimes.py::TestJavaRuntimes::test_serializable_input_object on each Java
/// runtime: the handler's input is a bean, filled from the event through its setters, and
/// its answer the bean written through its getters. The code is a zip with the classes in a
/// jar under `lib/`, as the test's `java_zip` fixture packs them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_java_bean_input_is_read_and_answered_as_recorded() {
    use base64::Engine;
    let classes = super::compile_java(&[(
        "cloud/localstack/awssdkv1/sample/SerializedInputLambdaHandler.java",
        JAVA_SERIALIZED_INPUT,
    )]);
    let entries: Vec<(&str, u32, &[u8])> = classes
        .iter()
        .map(|(name, bytes)| (name.as_str(), 0o644, bytes.as_slice()))
        .collect();
    let jar = package::write_zip(&entries).unwrap();
    let zip = package::write_zip(&[("lib/test.lambda.jar", 0o644, jar.as_slice())]).unwrap();
    let zip = base64::engine::general_purpose::STANDARD.encode(zip);
    for runtime in ["java8.al2", "java11", "java17", "java21", "java25"] {
        let test = format!("TestJavaRuntimes::test_serializable_input_object[{runtime}]");
        let mut replay = Replay::start(RUNTIMES, &test).await;
        // The recording's `key_value("CodeSha256", "<code-sha-256>")`, numbered by the
        // snapshot library inside its own brackets: one stand-in for the hash.
        replay.recorded["create-result"]["CreateFunctionResponse"]["CodeSha256"] =
            json!("<code-sha-256:1>");
        let name = "test-lambda-serializable";
        let handler = "cloud.localstack.awssdkv1.sample.SerializedInputLambdaHandler";
        let created = create_fixture(&replay, name, runtime, handler, zip.clone(), json!({})).await;
        replay.check_in("create-result", "CreateFunctionResponse", &created);
        let payload = br#"{"bucket": "test_bucket", "key": "test_key"}"#;
        let answer = invoke(&replay, name, None, Some(payload), &[]).await;
        replay.check("invoke-result", &answer);
        replay.stop().await;
    }
}

/// A Java handler's failures as AWS's Java client answers and logs them (its sources; no
/// recording has the log): a handler class that is not there is `Class not found: …`
/// (`java.lang.ClassNotFoundException`); an exception is answered with its class, message and
/// a trace cut where the client's own code begins, and logged as one event on java17 (framed,
/// `message: type` then the trace) and line by line on java11 (printed); `LambdaLogger.log` is
/// one event, line breaks and all, on java17.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_java_handlers_failures_are_answered_and_logged_as_the_java_client_does() {
    use base64::Engine;
    let replay = Replay::start(
        RUNTIMES,
        "TestJavaRuntimes::test_serializable_input_object[java17]",
    )
    .await;
    let source = r#"package echo;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import java.util.Map;

public class Handler implements RequestHandler<Map<String, String>, String> {
    public String handleRequest(Map<String, String> event, Context context) {
        context.getLogger().log("two\nlines");
        if (event.containsKey("fail")) {
            throw new IllegalStateException("Error: " + event.get("fail"));
        }
        return "ok";
    }
}
"#;
    let classes = super::compile_java(&[("echo/Handler.java", source)]);
    let entries: Vec<(&str, u32, &[u8])> = classes
        .iter()
        .map(|(name, bytes)| (name.as_str(), 0o644, bytes.as_slice()))
        .collect();
    let zip =
        base64::engine::general_purpose::STANDARD.encode(package::write_zip(&entries).unwrap());
    for (runtime, framed) in [("java17", true), ("java11", false)] {
        let name = format!("java-failures-{}", runtime.replace('.', "-"));
        create_fixture(
            &replay,
            &name,
            runtime,
            "echo.Handler",
            zip.clone(),
            json!({}),
        )
        .await;
        let answer = invoke(&replay, &name, None, Some(br#"{}"#), &[]).await;
        assert_eq!(answer.body["Payload"], "\"ok\"", "{runtime}: {answer:?}");
        let answer = invoke(&replay, &name, None, Some(br#"{"fail": "boom"}"#), &[]).await;
        assert_eq!(answer.body["FunctionError"], "Unhandled", "{answer:?}");
        let payload = &answer.body["Payload"];
        assert_eq!(payload["errorMessage"], "Error: boom", "{payload}");
        assert_eq!(payload["errorType"], "java.lang.IllegalStateException");
        let trace: Vec<&str> = payload["stackTrace"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f.as_str().unwrap())
            .collect();
        assert_eq!(
            trace[0], "echo.Handler.handleRequest(Handler.java:11)",
            "{trace:?}"
        );
        assert!(trace.iter().all(|f| !f.contains("faqctl")), "{trace:?}");
        let report = "Error: boom: java.lang.IllegalStateException\njava.lang.IllegalStateException: Error: boom\n\tat echo.Handler.handleRequest(Handler.java:11)\n";
        // Until the failed invocation's trace is logged (the first one's REPORT comes before).
        let events = logged(&replay, &name, |m| {
            m.contains("\tat echo.Handler.handleRequest(Handler.java:11)")
        })
        .await;
        let messages: Vec<&str> = events
            .iter()
            .map(|e| e["message"].as_str().unwrap_or_default())
            .collect();
        if framed {
            assert!(messages.contains(&"two\nlines"), "{messages:#?}");
            assert!(
                messages
                    .iter()
                    .any(|m| m.starts_with(report) && m.ends_with("\n\n")),
                "{messages:#?}"
            );
        } else {
            // Printed, the log is lines: a `log` with no final line break runs into what
            // comes next, as the client's stdout sink writes it.
            assert!(messages.contains(&"two\n"), "{messages:#?}");
            assert!(
                messages.contains(&"linesError: boom: java.lang.IllegalStateException\n"),
                "{messages:#?}"
            );
            assert!(
                messages.contains(&"\tat echo.Handler.handleRequest(Handler.java:11)\n"),
                "{messages:#?}"
            );
        }
    }
    let name = "java-missing-class";
    create_fixture(&replay, name, "java17", "echo.Missing", zip, json!({})).await;
    let answer = invoke(&replay, name, None, Some(b"{}"), &[]).await;
    assert_eq!(answer.body["FunctionError"], "Unhandled", "{answer:?}");
    let payload = &answer.body["Payload"];
    assert_eq!(
        payload["errorMessage"], "Class not found: echo.Missing",
        "{payload}"
    );
    assert_eq!(payload["errorType"], "java.lang.ClassNotFoundException");
    replay.stop().await;
}

/// localstack-java-utils' `LambdaHandlerWithInterfaceAndCustom` (Apache-2.0).
const JAVA_INTERFACE_AND_CUSTOM: &str = r#"package cloud.localstack.sample;

import java.util.Map;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.LambdaLogger;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;

public class LambdaHandlerWithInterfaceAndCustom implements RequestHandler<Map<String,String>, String> {
  Gson gson = new GsonBuilder().setPrettyPrinting().create();

  public String handleRequestCustom(Map<String,String> event, Context context)
  {
    LambdaLogger logger = context.getLogger();
    logger.log("CUSTOM HANDLER");
    logger.log("ENV: " + gson.toJson(System.getenv()));
    logger.log("EVENT: " + gson.toJson(event));
    logger.log("EVENT CLASS: " + event.getClass());
    logger.log("CONTEXT: " + gson.toJson(context));
    return "CUSTOM";
  }
  public String handleRequest(Map<String,String> event, Context context) {
    LambdaLogger logger = context.getLogger();
    logger.log("INTERFACE HANDLER");
    logger.log("ENV: " + gson.toJson(System.getenv()));
    logger.log("EVENT: " + gson.toJson(event));
    logger.log("EVENT CLASS: " + event.getClass());
    logger.log("CONTEXT: " + gson.toJson(context));
    return "INTERFACE";
  }
}
"#;

/// Where Debian's libgoogle-gson-java puts Gson (`./scripts/test` installs it), which
/// LocalStack's handler with two methods is built with.
const GSON: &str = "/usr/share/java/gson.jar";

/// test_lambda_runtimes.py::TestJavaRuntimes::test_java_custom_handler_method_specification:
/// `Class::method` runs that method, `Class` and `Class::handleRequest` the RequestHandler's;
/// each answers its name as a JSON string and logs the event (Gson, pretty-printed). The code
/// is the classes with Gson's jar under `lib/`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_java_handler_method_is_chosen_as_recorded() {
    use base64::Engine;
    let gson = std::path::Path::new(GSON);
    assert!(
        gson.is_file(),
        "{GSON} is missing: install libgoogle-gson-java (./scripts/test does)"
    );
    let classes = super::compile_java_with(
        &[(
            "cloud/localstack/sample/LambdaHandlerWithInterfaceAndCustom.java",
            JAVA_INTERFACE_AND_CUSTOM,
        )],
        &[gson],
    );
    let jar = std::fs::read(gson).unwrap();
    let mut entries: Vec<(&str, u32, &[u8])> = classes
        .iter()
        .map(|(name, bytes)| (name.as_str(), 0o644, bytes.as_slice()))
        .collect();
    entries.push(("lib/gson.jar", 0o644, jar.as_slice()));
    let zip =
        base64::engine::general_purpose::STANDARD.encode(package::write_zip(&entries).unwrap());
    let class = "cloud.localstack.sample.LambdaHandlerWithInterfaceAndCustom";
    let line = regex::Regex::new(r#".*"echo": "echo".*"#).unwrap();
    for (handler, answered) in [
        (format!("{class}::handleRequestCustom"), "CUSTOM"),
        (class.to_string(), "INTERFACE"),
        (format!("{class}::handleRequest"), "INTERFACE"),
    ] {
        let test = format!(
            "TestJavaRuntimes::test_java_custom_handler_method_specification[{handler}-{answered}]"
        );
        let mut replay = Replay::start(RUNTIMES, &test).await;
        replay.recorded["create-result"]["CreateFunctionResponse"]["CodeSha256"] =
            json!("<code-sha-256:1>");
        let name = "lambda_handler_test";
        let created =
            create_fixture(&replay, name, "java11", &handler, zip.clone(), json!({})).await;
        replay.check_in("create-result", "CreateFunctionResponse", &created);
        let answer = invoke(&replay, name, None, Some(br#"{"echo":"echo"}"#), &[]).await;
        replay.check("invoke-result", &answer);
        assert_eq!(answer.body["Payload"], format!("\"{answered}\""));
        // check_lambda_logs(expected_lines=['.*"echo": "echo".*']).
        logged(&replay, name, |m| m.lines().any(|l| line.is_match(l))).await;
        replay.stop().await;
    }
}

/// LocalStack's `functions/lambda_role.py` (Apache-2.0), verbatim.
const PYTHON_ROLE: &str = r#"import os

import boto3


def handler(event, context):
    aws_endpoint_url = os.environ.get("AWS_ENDPOINT_URL")
    if aws_endpoint_url:
        sts_client = boto3.client("sts", endpoint_url=aws_endpoint_url)
    else:
        sts_client = boto3.client("sts")

    return sts_client.get_caller_identity()
"#;

/// test_lambda.py::TestLambdaBaseFeatures::test_assume_role, both cases: the function's own
/// SDK calls are a session of its execution role, named for the function, a one-letter name
/// as `NAME@lambda_function` (a session name has two characters at least). The function
/// reaches STS at `AWS_ENDPOINT_URL`, which LocalStack sets for every function and the local
/// cloud leaves to the function's environment.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_function_calls_as_its_execution_roles_session_as_recorded() {
    let role = "lambda-autogenerated-c33a16ee";
    for (case, name, session) in [("1", "u", "u@lambda_function"), ("2", "zz", "zz")] {
        let test = format!("TestLambdaBaseFeatures::test_assume_role[{case}]");
        let mut replay = Replay::start(LAMBDA, &test).await;
        let endpoint = json!({ "AWS_ENDPOINT_URL": replay.cloud.endpoint() });
        create(
            &replay,
            python_handler(name, role, PYTHON_ROLE, 30, endpoint),
        )
        .await;
        let answer = invoke(&replay, name, None, None, &[]).await;
        assert_eq!(answer.status, 200, "{answer:?}");
        assert!(answer.body.get("FunctionError").is_none(), "{answer:?}");
        let arn = answer.body["Payload"]["Arn"].clone();
        let key = "invoke-result-assumed-role-arn";
        let recorded = replay.recorded[key].clone();
        replay.stand_ins.matches(&recorded, &arn, key);
        // The test's own assertions: the role is the function's, the session its name.
        let arn = arn.as_str().unwrap();
        assert_eq!(arn.split('/').nth(1), Some(role), "{arn}");
        assert_eq!(arn.rsplit('/').next(), Some(session), "{arn}");
        replay.stop().await;
    }
}

/// LocalStack's `functions/lambda_sleep_environment.py` (Apache-2.0), verbatim.
const PYTHON_SLEEP_ENVIRONMENT: &str = r#"import os
import time


def handler(event, context):
    if event.get("sleep"):
        time.sleep(event.get("sleep"))
    return {"environment": dict(os.environ)}
"#;

/// Who STS says signed with `environment`'s credentials (GetCallerIdentity): Arn, UserId,
/// Account.
async fn identity_of(replay: &Replay, environment: &Value) -> [String; 3] {
    let key = environment["AWS_ACCESS_KEY_ID"].as_str().unwrap();
    let token = environment["AWS_SESSION_TOKEN"].as_str().unwrap();
    let response = replay
        .client
        .post(replay.cloud.endpoint())
        .header(
            "authorization",
            format!("AWS4-HMAC-SHA256 Credential={key}/20261124/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=0"),
        )
        .header("x-amz-security-token", token)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("Action=GetCallerIdentity&Version=2011-06-15")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let xml = response.text().await.unwrap();
    ["Arn", "UserId", "Account"].map(|member| {
        let open = format!("<{member}>");
        let start = xml.find(&open).unwrap_or_else(|| panic!("{member}: {xml}")) + open.len();
        let end = xml[start..].find('<').unwrap() + start;
        xml[start..end].to_string()
    })
}

/// test_lambda.py::TestLambdaBaseFeatures::test_lambda_different_iam_keys_environment: two
/// invocations at once run in two environments, each with credentials of its own, and STS
/// takes both as the same session of the function's execution role, named for the function.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_environment_has_keys_of_its_own_as_recorded() {
    let mut replay = Replay::start(
        LAMBDA,
        "TestLambdaBaseFeatures::test_lambda_different_iam_keys_environment",
    )
    .await;
    let name = "fn-iam-keys";
    let role = "lambda-su-role";
    let body = python_handler(name, role, PYTHON_SLEEP_ENVIRONMENT, 30, json!({}));
    let created = create(&replay, body).await;
    replay.check_in("create-result", "CreateFunctionResponse", &created);
    let payload: &[u8] = br#"{"sleep": 2}"#;
    let (first, second) = tokio::join!(
        invoke(&replay, name, None, Some(payload), &[]),
        invoke(&replay, name, None, Some(payload), &[]),
    );
    let environments = [first, second].map(|answer| {
        assert_eq!(answer.status, 200, "{answer:?}");
        answer.body["Payload"]["environment"].clone()
    });
    let [one, two] = &environments;
    assert_ne!(
        one["AWS_LAMBDA_LOG_STREAM_NAME"], two["AWS_LAMBDA_LOG_STREAM_NAME"],
        "two environments"
    );
    for variable in [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
    ] {
        assert_ne!(one[variable], two[variable], "{variable} differs");
    }
    let [arn, user_id, account] = identity_of(&replay, one).await;
    assert_eq!(
        identity_of(&replay, two).await,
        [arn.clone(), user_id.clone(), account]
    );
    // The test's own: the ARN is the role's session, named for the function.
    let role_part = arn.replace("sts", "iam").replace("assumed-role", "role");
    let (role_arn, function) = role_part.rsplit_once('/').unwrap();
    assert_eq!(role_arn, format!("arn:aws:iam::000000000000:role/{role}"));
    assert_eq!(function, name);
    assert_eq!(user_id.split_once(':').map(|(_, n)| n), Some(name));
    replay.stop().await;
}
