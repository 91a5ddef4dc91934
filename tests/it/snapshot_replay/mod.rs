//! AWS's answers, replayed whole: each test here makes, against the local cloud, the calls one
//! of LocalStack's AWS-validated tests made against AWS, and holds every answer to what AWS
//! answered (the recording kept in `tests/aws-recordings/`, copied by `scripts/aws-snapshots`):
//! the status, the error code and message, and every member of a body, no more and no fewer.
//!
//! A recording's values are AWS's, with LocalStack's stand-ins for what differs per run:
//! `<id:1>` (any value, but the same one wherever `<id:1>` appears in the test), `datetime` /
//! `timestamp` (any time), `<region>`, `<partition>` and the account `111111111111` inside a
//! string (the local cloud's own).

use std::collections::HashMap;

use serde_json::{json, Value};

use crate::common;
use faqctl::local::{LocalCloud, LocalConfig};

/// Members AWS began to answer after some recordings were made: absent from a recording older
/// than the date, answered now (its newer recordings have them), so tolerated in answers
/// checked against the older ones. `LogAlarms`: in none of DescribeAlarms' recordings of
/// 2025-09-19, in all of those of 2025-10-06 on. `EventSourceMappingArn`: in none of
/// CreateEventSourceMapping's of 2024-09-03, in all of those of 2025-11-25 on. `LoggingConfig`:
/// in none of a function configuration's of 2023-03-21, answered since Lambda's advanced
/// logging controls (2023-11-16).
const ANSWERED_SINCE: &[(&str, (u32, u32, u32))] = &[
    ("LogAlarms", (2025, 10, 6)),
    ("EventSourceMappingArn", (2025, 11, 25)),
    ("LoggingConfig", (2023, 11, 16)),
];

/// One recorded test, read once: its answers, by the key its test matched them under, and
/// the day it was recorded (LocalStack writes `19-09-2025, 21:47:20`), as (year, month, day).
fn recording(file: &str, test: &str) -> (Value, (u32, u32, u32)) {
    let path = common::workspace().join("tests/aws-recordings").join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut snapshot: Value = serde_json::from_str(&text).unwrap();
    let entry = snapshot["tests"][test].take();
    let content = &entry["recorded-content"];
    assert!(
        content.is_object(),
        "{}: no recording of {test}",
        path.display()
    );
    let date = entry["recorded-date"].as_str().unwrap_or_default();
    let day: Vec<u32> = date
        .split([',', ' '])
        .next()
        .unwrap_or_default()
        .split('-')
        .filter_map(|part| part.parse().ok())
        .collect();
    let day = match day.as_slice() {
        [d, m, y] => (*y, *m, *d),
        _ => panic!("{file} {test}: no recorded date ({date:?})"),
    };
    (content.clone(), day)
}

/// The API a call is for, and how it is addressed on the wire.
#[derive(Clone, Copy)]
enum Service {
    Lambda,
    ApiGateway,
    /// CloudWatch Logs (awsJson1.1), by operation.
    Logs(&'static str),
    /// CloudWatch over awsJson1.0, by operation.
    CloudWatch(&'static str),
    /// CloudWatch over Smithy RPC v2 CBOR, by operation.
    CloudWatchCbor(&'static str),
    /// CloudWatch over the query protocol (form parameters in, XML out), by operation.
    CloudWatchQuery(&'static str),
    /// CloudWatch over the query protocol, its XML read as LocalStack's raw HTTP client reads
    /// it (`query::xmltodict`), for the tests that posted by hand.
    CloudWatchQueryHttp(&'static str),
}

/// An answer as the replay reads it.
#[derive(Debug)]
struct Answer {
    status: u16,
    /// The error code (`x-amzn-ErrorType`, or the body's `__type`), on an error.
    code: Option<String>,
    body: Value,
}

struct Replay {
    cloud: LocalCloud,
    client: reqwest::Client,
    recorded: Value,
    recorded_on: (u32, u32, u32),
    test: String,
    stand_ins: StandIns,
    /// The access key id the calls are signed with: `test` (the default account's), or an
    /// account's own 12 digits (LocalStack's `secondary_aws_client` signs as `000000000002`).
    access_key: &'static str,
}

/// A CBOR answer as JSON: a timestamp (tag 1) as its epoch seconds, as the recordings' JSON
/// writes it after LocalStack's transformers.
fn json_of(value: ciborium::Value) -> Value {
    use ciborium::Value as Cbor;
    match value {
        Cbor::Integer(n) => json!(i128::from(n) as i64),
        Cbor::Float(f) => json!(f),
        Cbor::Text(text) => json!(text),
        Cbor::Bool(b) => json!(b),
        Cbor::Null => Value::Null,
        Cbor::Tag(_, inner) => json_of(*inner),
        Cbor::Array(items) => Value::Array(items.into_iter().map(json_of).collect()),
        Cbor::Map(entries) => Value::Object(
            entries
                .into_iter()
                .map(|(k, v)| (k.as_text().unwrap_or_default().to_string(), json_of(v)))
                .collect(),
        ),
        other => panic!("a CBOR value the replay does not read: {other:?}"),
    }
}

/// A model's `schema` (in a Model, or in each of a Models' items) parsed, as the recordings
/// hold it: on the wire it is JSON text in a string (the service model's `Model.schema` is a
/// String), and LocalStack's snapshot library parses a string that holds a JSON document before
/// it records it. Only a string is parsed, and anything else fails here, so an answer that
/// sends the schema as an object (which the SDKs would refuse) cannot match the recording.
fn parse_model_schemas(body: &mut Value) {
    let models: Vec<&mut Value> = if body.get("schema").is_some() {
        vec![body]
    } else if let Some(Value::Array(items)) = body.get_mut("items") {
        items.iter_mut().collect()
    } else {
        vec![]
    };
    for model in models {
        let Some(schema) = model.get_mut("schema") else {
            continue;
        };
        let Value::String(text) = &*schema else {
            panic!("a model's schema is a JSON string on the wire, not {schema}");
        };
        if let Ok(parsed @ (Value::Object(_) | Value::Array(_))) = serde_json::from_str(text) {
            *schema = parsed;
        }
    }
}

/// LocalStack's `functions/lambda_echo.py` (TEST_LAMBDA_PYTHON_ECHO, Apache-2.0), verbatim.
const PYTHON_ECHO: &str = "import json\n\n\ndef handler(event, context):\n    # Just print the event that was passed to the Lambda\n    print(json.dumps(event))\n    return event\n";

/// What each `<name:n>` of a recording stands for in this run.
#[derive(Default)]
struct StandIns {
    bound: HashMap<String, String>,
}

impl Replay {
    async fn start(file: &str, test: &str) -> Replay {
        Replay::start_with(file, test, LocalConfig::default()).await
    }

    async fn start_with(file: &str, test: &str, config: LocalConfig) -> Replay {
        let (recorded, recorded_on) = recording(file, test);
        Replay {
            cloud: common::local_cloud(config).await,
            client: reqwest::Client::new(),
            recorded,
            recorded_on,
            test: test.to_string(),
            stand_ins: StandIns::default(),
            access_key: "test",
        }
    }

    /// Signs the calls from now on with `access_key` (a test's other client).
    fn sign_as(&mut self, access_key: &'static str) {
        self.access_key = access_key;
    }

    async fn call(
        &self,
        service: Service,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> Answer {
        let body = body.map(|body| match service {
            Service::CloudWatchCbor(_) => {
                let mut bytes = Vec::new();
                ciborium::into_writer(&body, &mut bytes).unwrap();
                bytes
            }
            Service::CloudWatchQuery(op) | Service::CloudWatchQueryHttp(op) => {
                query::form(op, &body).into_bytes()
            }
            _ => body.to_string().into_bytes(),
        });
        self.call_bytes(service, method, path, body).await
    }

    /// `call`, with the body as written (its members in the order the test gives them).
    async fn call_text(
        &self,
        service: Service,
        method: &str,
        path: &str,
        body: Option<String>,
    ) -> Answer {
        self.call_bytes(service, method, path, body.map(String::into_bytes))
            .await
    }

    async fn call_bytes(
        &self,
        service: Service,
        method: &str,
        path: &str,
        body: Option<Vec<u8>>,
    ) -> Answer {
        self.call_bytes_in("us-east-1", service, method, path, body)
            .await
    }

    /// `call`, signed for another region (a test's `aws_client_factory(region_name=…)`).
    async fn call_in(
        &self,
        region: &str,
        service: Service,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> Answer {
        let body = body.map(|body| body.to_string().into_bytes());
        self.call_bytes_in(region, service, method, path, body)
            .await
    }

    async fn call_bytes_in(
        &self,
        region: &str,
        service: Service,
        method: &str,
        path: &str,
        body: Option<Vec<u8>>,
    ) -> Answer {
        let (scope, target, content_type) = match service {
            Service::Lambda => ("lambda", None, "application/json"),
            Service::ApiGateway => ("apigateway", None, "application/json"),
            Service::Logs(op) => (
                "logs",
                Some(format!("Logs_20140328.{op}")),
                "application/x-amz-json-1.1",
            ),
            Service::CloudWatch(op) => (
                "monitoring",
                Some(format!("GraniteServiceVersion20100801.{op}")),
                "application/x-amz-json-1.0",
            ),
            Service::CloudWatchCbor(_) => ("monitoring", None, "application/cbor"),
            Service::CloudWatchQuery(_) | Service::CloudWatchQueryHttp(_) => (
                "monitoring",
                None,
                "application/x-www-form-urlencoded; charset=utf-8",
            ),
        };
        let path = match service {
            Service::CloudWatchCbor(op) => {
                format!("/service/GraniteServiceVersion20100801/operation/{op}")
            }
            _ => path.to_string(),
        };
        let url = format!("{}{path}", self.cloud.endpoint());
        let mut request = self
            .client
            .request(method.parse().unwrap(), url)
            .header(
                "authorization",
                format!("AWS4-HMAC-SHA256 Credential={}/20261124/{region}/{scope}/aws4_request, SignedHeaders=host, Signature=0", self.access_key),
            )
            .header("content-type", content_type);
        if let Some(target) = target {
            request = request.header("x-amz-target", target);
        }
        if let Service::CloudWatchCbor(_) = service {
            request = request
                .header("smithy-protocol", "rpc-v2-cbor")
                .header("accept", "application/cbor");
        }
        if let Some(body) = body {
            request = request.body(body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        // CloudWatch names its error by the query protocol's code, which botocore reports
        // (`x-amzn-query-error: ValidationError;Sender`).
        let header_code = ["x-amzn-query-error", "x-amzn-errortype"]
            .iter()
            .find_map(|name| response.headers().get(*name))
            .and_then(|v| v.to_str().ok())
            .map(|v| v.split([':', ';']).next().unwrap_or(v).to_string());
        let bytes = response.bytes().await.unwrap();
        if let Service::CloudWatchQuery(op) = service {
            let (code, body) = query::parse(op, &String::from_utf8_lossy(&bytes));
            return Answer { status, code, body };
        }
        if let Service::CloudWatchQueryHttp(_) = service {
            let body = query::xmltodict(&String::from_utf8_lossy(&bytes));
            let code = body["ErrorResponse"]["Error"]["Code"]
                .as_str()
                .map(str::to_string);
            return Answer { status, code, body };
        }
        let body: Value = if bytes.is_empty() {
            Value::Null
        } else if let Service::CloudWatchCbor(_) = service {
            json_of(ciborium::from_reader(&bytes[..]).unwrap())
        } else {
            let text = String::from_utf8_lossy(&bytes).to_string();
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        let mut body = body;
        if let (Service::ApiGateway, Some(object)) = (service, body.as_object_mut()) {
            // The model's wire name for a list's `items` (botocore reads it back as `items`).
            if let Some(items) = object.remove("item") {
                object.insert("items".into(), items);
            }
        }
        if let Service::ApiGateway = service {
            parse_model_schemas(&mut body);
        }
        if let (Service::Lambda, Some(object)) = (service, body.as_object_mut()) {
            // A policy and a statement are JSON documents in a string; LocalStack records them
            // parsed.
            for member in ["Policy", "Statement"] {
                if let Some(Value::String(document)) = object.get(member) {
                    if let Ok(parsed) = serde_json::from_str::<Value>(document) {
                        object.insert(member.into(), parsed);
                    }
                }
            }
        }
        let code = header_code.or_else(|| {
            body["__type"]
                .as_str()
                .map(|t| t.rsplit('#').next().unwrap_or(t).to_string())
        });
        Answer { status, code, body }
    }

    /// Invoke, answered as boto3 reads it (`StatusCode`, `ExecutedVersion`, `FunctionError`,
    /// and the `Payload` parsed, as LocalStack records it): `payload` as the body, none for a
    /// call without one.
    async fn invoke(&self, function: &str, payload: Option<Vec<u8>>) -> Answer {
        let url = format!(
            "{}/2015-03-31/functions/{}/invocations",
            self.cloud.endpoint(),
            function.replace('$', "%24")
        );
        let mut request = self.client.post(url).header(
            "authorization",
            format!("AWS4-HMAC-SHA256 Credential={}/20261124/us-east-1/lambda/aws4_request, SignedHeaders=host, Signature=0", self.access_key),
        );
        if let Some(payload) = payload {
            request = request.body(payload);
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
        let (executed, error, code) = (
            header("x-amz-executed-version"),
            header("x-amz-function-error"),
            header("x-amzn-errortype"),
        );
        let bytes = response.bytes().await.unwrap();
        let parsed: Value = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()));
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
        let mut body = json!({ "StatusCode": status });
        if let Some(executed) = executed {
            body["ExecutedVersion"] = json!(executed);
        }
        if let Some(error) = error {
            body["FunctionError"] = json!(error);
        }
        body["Payload"] = if bytes.is_empty() { json!("") } else { parsed };
        Answer {
            status,
            code: None,
            body,
        }
    }

    /// Makes each call in turn and holds its answer to what AWS answered under its key.
    async fn check_calls(
        &mut self,
        service: Service,
        calls: Vec<(&str, &str, String, Option<Value>)>,
    ) {
        for (key, method, path, body) in calls {
            let answer = self.call(service, method, &path, body).await;
            self.check(key, &answer);
        }
    }

    /// Holds an answer to what AWS answered under `key`.
    fn check(&mut self, key: &str, answer: &Answer) {
        let recorded = self.recorded[key].clone();
        self.check_against(key, recorded, answer);
    }

    /// `check`, for a recording that wraps the answer in `member` (LocalStack's
    /// `create_lambda_function` records `{"CreateFunctionResponse": …}`).
    fn check_in(&mut self, key: &str, member: &str, answer: &Answer) {
        let recorded = self.recorded[key][member].clone();
        self.check_against(&format!("{key}.{member}"), recorded, answer);
    }

    /// `check` of `members` alone, and the status: what a test's `skip_snapshot_verify` paths
    /// leave verified (LocalStack skips the rest on AWS's recording too).
    fn check_partly(&mut self, key: &str, members: &[&str], answer: &Answer) {
        let recorded = &self.recorded[key];
        let mut kept = json!({ "ResponseMetadata": recorded["ResponseMetadata"].clone() });
        let mut body = json!({});
        for member in members {
            assert!(
                !recorded[*member].is_null(),
                "{}: {key} recorded no {member}",
                self.test
            );
            kept[*member] = recorded[*member].clone();
            body[*member] = answer.body[*member].clone();
        }
        let partial = Answer {
            status: answer.status,
            code: answer.code.clone(),
            body,
        };
        self.check_against(key, kept, &partial);
    }

    fn check_against(&mut self, key: &str, recorded: Value, answer: &Answer) {
        assert!(
            recorded.is_object(),
            "{}: nothing recorded under {key}",
            self.test
        );
        let at = format!("{} {key}", self.test);
        // A test that called AWS with a raw HTTP client records no metadata; it required a 200.
        let status = recorded["ResponseMetadata"]["HTTPStatusCode"]
            .as_u64()
            .unwrap_or(200);
        assert_eq!(
            u64::from(answer.status),
            status,
            "{at}: status ({answer:?})"
        );
        if let Some(error) = recorded.get("Error") {
            assert_eq!(
                answer.code.as_deref(),
                error["Code"].as_str(),
                "{at}: error code ({answer:?})"
            );
            let message = answer.body["message"]
                .as_str()
                .or_else(|| answer.body["Message"].as_str());
            if error["Message"].is_null() {
                // AWS answered the error with no message at all.
                assert_eq!(message, None, "{at}: a message AWS did not give");
                return;
            }
            if error["Message"] == "" {
                // An empty message: none, or an empty one.
                assert_eq!(
                    message.unwrap_or_default(),
                    "",
                    "{at}: a message AWS did not give"
                );
                return;
            }
            let message = message.unwrap_or_else(|| panic!("{at}: no message ({answer:?})"));
            self.stand_ins.matches(
                &error["Message"],
                &json!(message),
                &format!("{at}: message"),
            );
            return;
        }
        let mut expected = recorded;
        if let Some(object) = expected.as_object_mut() {
            object.remove("ResponseMetadata");
        }
        let mut actual = if answer.body.is_null() {
            json!({})
        } else {
            answer.body.clone()
        };
        for (member, since) in ANSWERED_SINCE {
            if self.recorded_on < *since && expected.get(member).is_none() {
                if let Some(object) = actual.as_object_mut() {
                    object.remove(*member);
                }
            }
        }
        self.stand_ins.matches(&expected, &actual, &at);
    }

    async fn stop(self) {
        self.cloud.stop().await;
    }
}

impl StandIns {
    /// Holds `actual` to `expected`, recursively: the same members, items and values, but
    /// where a stand-in is recorded.
    fn matches(&mut self, expected: &Value, actual: &Value, at: &str) {
        match (expected, actual) {
            (Value::Object(want), Value::Object(got)) => {
                let mut wanted: Vec<&String> = want.keys().collect();
                let mut given: Vec<&String> = got.keys().collect();
                wanted.sort();
                given.sort();
                assert_eq!(given, wanted, "{at}: members ({actual})");
                for (name, value) in want {
                    self.matches(value, &got[name], &format!("{at}.{name}"));
                }
            }
            // A JSON document in a string (a request template, a policy), which LocalStack's
            // snapshot library parses before it records it when it starts with `{`.
            (Value::Object(_), Value::String(got)) if got.starts_with('{') => {
                let parsed: Value = serde_json::from_str(got)
                    .unwrap_or_else(|e| panic!("{at}: {got:?} is not the JSON recorded: {e}"));
                self.matches(expected, &parsed, at)
            }
            (Value::Array(want), Value::Array(got)) => {
                assert_eq!(got.len(), want.len(), "{at}: items ({actual})");
                for (i, (w, g)) in want.iter().zip(got).enumerate() {
                    self.matches(w, g, &format!("{at}[{i}]"));
                }
            }
            // A code's hash, as LocalStack's `lambda_api` transformer writes it.
            (Value::String(want), Value::String(_)) if want == "code-sha256" => {}
            (Value::String(want), _)
                if ["datetime", "timestamp", "date"].contains(&want.as_str()) =>
            {
                // LocalStack's CloudWatch transformer stands one in for a whole list of times
                // (GetMetricData's `"Timestamps": "timestamp"`).
                let time = |v: &Value| v.is_number() || v.is_string();
                let times =
                    |v: &Value| time(v) || v.as_array().is_some_and(|items| items.iter().all(time));
                // xmltodict's list (`{"member": …}`), in a query answer posted by hand.
                let members = actual
                    .as_object()
                    .filter(|o| o.len() == 1)
                    .and_then(|o| o.get("member"));
                assert!(
                    times(actual) || members.is_some_and(times),
                    "{at}: a time, not {actual}"
                );
            }
            // What LocalStack replaces whatever it is, unnumbered (`reference_replacement=False`
            // in its `lambda_api` transformers): any value.
            (Value::String(want), Value::String(_) | Value::Number(_))
                if [
                    "<code-size>",
                    "<location>",
                    "<layer-location>",
                    "<remaining-time-in-millis>",
                ]
                .contains(&want.as_str()) => {}
            // A whole value LocalStack replaced, whatever its shape (a runtime's stack trace, a
            // list of lines or one string, as `"stackTrace": "<stack-trace>"`).
            (Value::String(want), Value::String(_) | Value::Array(_))
                if want == "<stack-trace>" => {}
            // The same text, `<`s and all (an HTML template's `<code>` is no stand-in).
            (Value::String(want), Value::String(got)) if want == got => {}
            (Value::String(want), Value::String(got)) if want.contains('<') => {
                self.bind(want, got, at)
            }
            // A number AWS's recording stands in for (`"CodeSize": "<code-size>"`).
            (Value::String(want), Value::Number(got))
                if want.starts_with('<') && want.ends_with('>') =>
            {
                self.bind(want, &got.to_string(), at)
            }
            // A function URL, as LocalStack's `key_value("FunctionUrl", "lambda-url")` (or
            // with no replacement given, `function-url`) writes it: AWS's form, a
            // 32-character id on `lambda-url.REGION.on.aws`.
            (Value::String(want), Value::String(got))
                if want == "lambda-url" || want == "function-url" =>
            {
                let url =
                    regex::Regex::new(r"^https://[a-z0-9]{32}\.lambda-url\.[a-z0-9-]+\.on\.aws/$")
                        .unwrap();
                assert!(url.is_match(got), "{at}: a function URL, not {got:?}")
            }
            (Value::String(want), Value::String(got)) => {
                assert_eq!(got.replace("000000000000", "111111111111"), *want, "{at}")
            }
            (Value::Number(want), Value::Number(got)) => {
                assert_eq!(got.as_f64(), want.as_f64(), "{at}")
            }
            _ => assert_eq!(actual, expected, "{at}"),
        }
    }

    /// A recorded string with stand-ins (`<id:1>`, `arn:<partition>:…:111111111111:…`): the
    /// answer must be the same string around them, and each named stand-in the same value
    /// wherever it appears.
    fn bind(&mut self, want: &str, got: &str, at: &str) {
        let stand_in = regex::Regex::new(r"<[^<>]+>").unwrap();
        let mut pattern = String::from("^");
        let mut names = Vec::new();
        let mut last = 0;
        for found in stand_in.find_iter(want) {
            pattern.push_str(&regex::escape(&want[last..found.start()]));
            pattern.push_str("(.+?)");
            names.push(found.as_str().to_string());
            last = found.end();
        }
        pattern.push_str(&regex::escape(&want[last..]));
        pattern.push('$');
        let pattern = pattern.replace("111111111111", r"\d{12}");
        let captures = regex::Regex::new(&pattern)
            .unwrap()
            .captures(got)
            .unwrap_or_else(|| panic!("{at}: {got:?} is not {want:?}"));
        for (name, value) in names.iter().zip(captures.iter().skip(1)) {
            let value = value.unwrap().as_str().to_string();
            // A numbered stand-in (`<uuid:3>`) is one value, and another number another one.
            if name.contains(':') {
                if let Some((other, _)) = self.bound.iter().find(|(other, bound)| {
                    *other != name && other.contains(':') && **bound == value
                }) {
                    panic!("{at}: {value} stood for {other} before, not {name}");
                }
            }
            let bound = self.bound.entry(name.clone()).or_insert(value.clone());
            assert_eq!(*bound, value, "{at}: {name} stood for {bound} before");
        }
    }
}

/// The replay is strict: a member AWS does not answer, one it answers that is missing, another
/// value, or a stand-in standing for two values each fail it.
#[test]
fn the_replay_refuses_what_aws_did_not_answer() {
    let recorded = json!({"id": "<id:1>", "items": [{"id": "<id:1>", "n": 1}], "at": "datetime"});
    let fails = |actual: Value| {
        std::panic::catch_unwind(|| StandIns::default().matches(&recorded, &actual, "t")).is_err()
    };
    assert!(!fails(
        json!({"id": "a1", "items": [{"id": "a1", "n": 1.0}], "at": 1770000000})
    ));
    assert!(fails(
        json!({"id": "a1", "items": [{"id": "a1", "n": 1}], "at": 1, "tags": {}})
    ));
    assert!(fails(json!({"id": "a1", "items": [{"id": "a1", "n": 1}]})));
    assert!(fails(
        json!({"id": "a1", "items": [{"id": "a1", "n": 2}], "at": 1})
    ));
    assert!(fails(
        json!({"id": "a1", "items": [{"id": "b2", "n": 1}], "at": 1})
    ));
    // A list of times where the recording stands one in for the list; anything else fails.
    assert!(!fails(
        json!({"id": "a1", "items": [{"id": "a1", "n": 1}], "at": [1770000000, 1770000060]})
    ));
    assert!(fails(
        json!({"id": "a1", "items": [{"id": "a1", "n": 1}], "at": [{"t": 1}]})
    ));
    let arn = json!("arn:<partition>:cloudwatch:<region>:111111111111:alarm:<name:1>");
    let mut stand_ins = StandIns::default();
    stand_ins.matches(
        &arn,
        &json!("arn:aws:cloudwatch:us-east-1:000000000000:alarm:a"),
        "t",
    );
    assert!(std::panic::catch_unwind(move || stand_ins.matches(
        &arn,
        &json!("arn:aws:cloudwatch:us-east-1:000000000000:alarm:b"),
        "t"
    ))
    .is_err());
}

/// Java sources (path under the source root, text) compiled with the JDK the local cloud runs
/// Java functions on, against its `com.amazonaws.services.lambda.runtime` interfaces: each
/// class file's path under the class root, and its bytes, in path order.
pub fn compile_java(sources: &[(&str, &str)]) -> Vec<(String, Vec<u8>)> {
    compile_java_with(sources, &[])
}

/// `compile_java`, with libraries (jars) on the class path too.
pub fn compile_java_with(
    sources: &[(&str, &str)],
    libraries: &[&std::path::Path],
) -> Vec<(String, Vec<u8>)> {
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for (path, text) in sources {
        let file = dir.path().join("src").join(path);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(&file, text).unwrap();
        files.push(file);
    }
    let out = dir.path().join("classes");
    let api = faqctl::local::java_classes().expect("the local cloud's Java runtime classes");
    let javac = faqctl::local::java_compiler().unwrap();
    let classpath =
        std::env::join_paths(std::iter::once(api.as_path()).chain(libraries.iter().copied()))
            .unwrap();
    let status = std::process::Command::new(javac)
        .arg("-cp")
        .arg(&classpath)
        .arg("-d")
        .arg(&out)
        .args(&files)
        .status()
        .unwrap();
    assert!(status.success(), "javac failed on {sources:?}");
    let mut classes = Vec::new();
    let mut pending = vec![out.clone()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let name = path
                    .strip_prefix(&out)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                classes.push((name, std::fs::read(&path).unwrap()));
            }
        }
    }
    classes.sort();
    classes
}

mod accounts;
mod apigateway;
mod apigateway_http;
mod apigateway_lambda;
mod apigateway_ops;
mod apigateway_test_invoke;
mod apigateway_validation;
mod authorizers;
mod canary;
mod cloudwatch;
mod code_signing;
mod documentation;
mod event_source_mappings;
mod function_urls;
mod header_remapping;
mod import;
mod lambda;
mod lambda_names;
mod lambda_runtimes;
mod layers;
mod log_filters;
mod logs;
mod logs_ops;
mod models;
mod provisioned;
mod query;
mod runtimes;
mod snapstart;
mod template_formatting;
mod usage_plans;
