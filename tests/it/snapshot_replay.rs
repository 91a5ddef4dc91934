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

/// One recorded test's answers, by the key its test matched them under.
fn recording(file: &str, test: &str) -> Value {
    let path = common::workspace().join("tests/aws-recordings").join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let snapshot: Value = serde_json::from_str(&text).unwrap();
    let content = &snapshot["tests"][test]["recorded-content"];
    assert!(
        content.is_object(),
        "{}: no recording of {test}",
        path.display()
    );
    content.clone()
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
    test: String,
    stand_ins: StandIns,
}

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
        Replay {
            cloud: common::local_cloud(config).await,
            client: reqwest::Client::new(),
            recorded: recording(file, test),
            test: test.to_string(),
            stand_ins: StandIns::default(),
        }
    }

    async fn call(
        &self,
        service: Service,
        method: &str,
        path: &str,
        body: Option<Value>,
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
        };
        let url = format!("{}{path}", self.cloud.endpoint());
        let mut request = self
            .client
            .request(method.parse().unwrap(), url)
            .header(
                "authorization",
                format!("AWS4-HMAC-SHA256 Credential=test/20261124/us-east-1/{scope}/aws4_request, SignedHeaders=host, Signature=0"),
            )
            .header("content-type", content_type);
        if let Some(target) = target {
            request = request.header("x-amz-target", target);
        }
        if let Some(body) = body {
            request = request.body(body.to_string());
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let header_code = response
            .headers()
            .get("x-amzn-errortype")
            .and_then(|v| v.to_str().ok())
            .map(|v| v.split(':').next().unwrap_or(v).to_string());
        let text = response.text().await.unwrap();
        let body: Value = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        let mut body = body;
        if let (Service::ApiGateway, Some(object)) = (service, body.as_object_mut()) {
            // The model's wire name for a list's `items` (botocore reads it back as `items`).
            if let Some(items) = object.remove("item") {
                object.insert("items".into(), items);
            }
        }
        let code = header_code.or_else(|| {
            body["__type"]
                .as_str()
                .map(|t| t.rsplit('#').next().unwrap_or(t).to_string())
        });
        Answer { status, code, body }
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

    fn check_against(&mut self, key: &str, recorded: Value, answer: &Answer) {
        assert!(
            recorded.is_object(),
            "{}: nothing recorded under {key}",
            self.test
        );
        let at = format!("{} {key}", self.test);
        assert_eq!(
            Some(u64::from(answer.status)),
            recorded["ResponseMetadata"]["HTTPStatusCode"].as_u64(),
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
                .or_else(|| answer.body["Message"].as_str())
                .unwrap_or_else(|| panic!("{at}: no message ({answer:?})"));
            self.stand_ins.matches(
                &error["Message"],
                &json!(message),
                &format!("{at}: message"),
            );
            return;
        }
        let mut expected = recorded;
        expected.as_object_mut().unwrap().remove("ResponseMetadata");
        let actual = if answer.body.is_null() {
            json!({})
        } else {
            answer.body.clone()
        };
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
            (Value::Array(want), Value::Array(got)) => {
                assert_eq!(got.len(), want.len(), "{at}: items ({actual})");
                for (i, (w, g)) in want.iter().zip(got).enumerate() {
                    self.matches(w, g, &format!("{at}[{i}]"));
                }
            }
            (Value::String(want), _)
                if ["datetime", "timestamp", "date"].contains(&want.as_str()) =>
            {
                assert!(
                    actual.is_number() || actual.is_string(),
                    "{at}: a time, not {actual}"
                );
            }
            (Value::String(want), Value::String(got)) if want.contains('<') => {
                self.bind(want, got, at)
            }
            // A number AWS's recording stands in for (`"CodeSize": "<code-size>"`).
            (Value::String(want), Value::Number(got))
                if want.starts_with('<') && want.ends_with('>') =>
            {
                self.bind(want, &got.to_string(), at)
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

async fn create_rest_api(replay: &Replay, name: &str, description: Option<&str>) -> Answer {
    let mut body = json!({ "name": name });
    if let Some(description) = description {
        body["description"] = json!(description);
    }
    replay
        .call(Service::ApiGateway, "POST", "/restapis", Some(body))
        .await
}

/// test_apigateway_api.py::TestApiGatewayApiMethod::test_method_lifecycle.
#[tokio::test]
async fn a_methods_lifecycle_answers_as_recorded() {
    let mut replay = Replay::start(
        "apigateway-test_apigateway_api.snapshot.json",
        "TestApiGatewayApiMethod::test_method_lifecycle",
    )
    .await;
    let api = create_rest_api(&replay, "test-api-method", None).await.body;
    let method = format!(
        "/restapis/{}/resources/{}/methods/ANY",
        api["id"].as_str().unwrap(),
        api["rootResourceId"].as_str().unwrap()
    );
    let put = replay
        .call(
            Service::ApiGateway,
            "PUT",
            &method,
            Some(json!({ "authorizationType": "NONE" })),
        )
        .await;
    replay.check("put-base-method-response", &put);
    let get = replay.call(Service::ApiGateway, "GET", &method, None).await;
    replay.check("get-base-method-response", &get);
    let delete = replay
        .call(Service::ApiGateway, "DELETE", &method, None)
        .await;
    replay.check("del-base-method-response", &delete);
    let get = replay.call(Service::ApiGateway, "GET", &method, None).await;
    replay.check("get-deleted-method-response", &get);
    let delete = replay
        .call(Service::ApiGateway, "DELETE", &method, None)
        .await;
    replay.check("delete-deleted-method-response", &delete);
    replay.stop().await;
}

/// test_apigateway_api.py::TestApiGatewayApiRestApi::test_list_and_delete_apis.
#[tokio::test]
async fn rest_apis_list_and_delete_as_recorded() {
    let mut replay = Replay::start(
        "apigateway-test_apigateway_api.snapshot.json",
        "TestApiGatewayApiRestApi::test_list_and_delete_apis",
    )
    .await;
    let first = create_rest_api(
        &replay,
        "test-list-and-delete-apis-1",
        Some("this is my api"),
    )
    .await;
    replay.check("create-rest-api-1", &first);
    let second = create_rest_api(
        &replay,
        "test-list-and-delete-apis-2",
        Some("this is my api2"),
    )
    .await;
    replay.check("create-rest-api-2", &second);
    // The test sorts the list by creation date; created in the same second, by creation.
    let created = [first.body["id"].clone(), second.body["id"].clone()];
    let mut listed = replay
        .call(Service::ApiGateway, "GET", "/restapis", None)
        .await;
    if let Some(items) = listed.body["items"].as_array_mut() {
        items.sort_by_key(|item| created.iter().position(|id| *id == item["id"]));
    }
    replay.check("get-rest-api-before-delete", &listed);
    let path = format!("/restapis/{}", first.body["id"].as_str().unwrap());
    let deleted = replay
        .call(Service::ApiGateway, "DELETE", &path, None)
        .await;
    replay.check("delete-rest-api", &deleted);
    let listed = replay
        .call(Service::ApiGateway, "GET", "/restapis", None)
        .await;
    replay.check("get-rest-api-after-delete", &listed);
    replay.stop().await;
}

/// The path of a method, its integration or an integration response.
fn method_path(api: &str, resource: &str, verb: &str) -> String {
    format!("/restapis/{api}/resources/{resource}/methods/{verb}")
}

/// test_apigateway_api.py::TestApigatewayIntegration::test_get_integration_non_existent:
/// which missing thing GetIntegration names.
#[tokio::test]
async fn a_missing_integration_is_named_as_recorded() {
    let mut replay = Replay::start(
        "apigateway-test_apigateway_api.snapshot.json",
        "TestApigatewayIntegration::test_get_integration_non_existent",
    )
    .await;
    let api = create_rest_api(&replay, "test-api-integration", None)
        .await
        .body;
    let (id, root) = (
        api["id"].as_str().unwrap(),
        api["rootResourceId"].as_str().unwrap(),
    );
    for (key, api, resource) in [
        ("get-integration-no-api", "nosuchapi", root),
        ("get-integration-no-resource", id, "nosuchres"),
        ("get-integration-no-method", id, root),
    ] {
        let path = format!("{}/integration", method_path(api, resource, "GET"));
        let answer = replay.call(Service::ApiGateway, "GET", &path, None).await;
        replay.check(key, &answer);
    }
    let method = method_path(id, root, "GET");
    let put = replay
        .call(
            Service::ApiGateway,
            "PUT",
            &method,
            Some(json!({ "authorizationType": "NONE" })),
        )
        .await;
    assert_eq!(put.status, 201, "{put:?}");
    let path = format!("{method}/integration");
    let answer = replay.call(Service::ApiGateway, "GET", &path, None).await;
    replay.check("get-integration-no-integration", &answer);
    replay.stop().await;
}

/// test_apigateway_api.py::TestApigatewayIntegrationResponse::
/// test_delete_integration_response_errors: an integration response needs no method response
/// declared for its status, and DeleteIntegrationResponse names what is missing.
#[tokio::test]
async fn integration_responses_are_put_and_refused_as_recorded() {
    let mut replay = Replay::start(
        "apigateway-test_apigateway_api.snapshot.json",
        "TestApigatewayIntegrationResponse::test_delete_integration_response_errors",
    )
    .await;
    let api = create_rest_api(&replay, "test-api-responses", None)
        .await
        .body;
    let (id, root) = (
        api["id"].as_str().unwrap(),
        api["rootResourceId"].as_str().unwrap(),
    );
    let method = method_path(id, root, "GET");
    for (path, body) in [
        (method.clone(), json!({ "authorizationType": "NONE" })),
        (
            format!("{method}/integration"),
            json!({ "type": "MOCK", "requestTemplates": { "application/json": "{\"statusCode\": 200}" } }),
        ),
    ] {
        let answer = replay
            .call(Service::ApiGateway, "PUT", &path, Some(body))
            .await;
        assert_eq!(answer.status, 201, "{answer:?}");
    }
    let put = replay
        .call(
            Service::ApiGateway,
            "PUT",
            &format!("{method}/integration/responses/200"),
            Some(json!({
                "responseTemplates": { "application/json": "\"created\"" },
                "selectionPattern": "",
            })),
        )
        .await;
    replay.check("put-integration-response", &put);
    for (key, api, resource, verb, status) in [
        ("non-existent-resource", id, "bad-resource", "GET", "200"),
        ("non-existent-api-id", "bad-api-id", root, "GET", "200"),
        ("non-existent-method", id, root, "POST", "200"),
        ("non-existent-status-code", id, root, "GET", "201"),
        ("bad-method", id, root, "WRONG", "201"),
    ] {
        let path = format!(
            "{}/integration/responses/{status}",
            method_path(api, resource, verb)
        );
        let answer = replay
            .call(Service::ApiGateway, "DELETE", &path, None)
            .await;
        replay.check(key, &answer);
    }
    replay.stop().await;
}

/// test_apigateway_api.py::TestApigatewayIntegrationResponse's six refusals
/// (`test_integration_response_wrong_api`, `_wrong_resource`, `_wrong_method`,
/// `_invalid_statuscode`, `_invalid_integration`, `_wrong_status_code`): what Put- and
/// GetIntegrationResponse name when the API, resource, method, integration or status is
/// missing or malformed.
#[tokio::test]
async fn integration_responses_name_what_is_missing_as_recorded() {
    const FILE: &str = "apigateway-test_apigateway_api.snapshot.json";
    let put_body = json!({ "responseTemplates": { "application/json": "\"created\"" }, "selectionPattern": "" });
    // (test, method's setup: a GET method, an integration; the calls: key, verb, api, resource,
    // method, status)
    type Call = (
        &'static str,
        &'static str,
        bool,
        bool,
        &'static str,
        &'static str,
    );
    let cases: [(&str, bool, bool, &[Call]); 6] = [
        (
            "test_integration_response_wrong_api",
            false,
            false,
            &[
                (
                    "put-integration-response-wrong-api",
                    "PUT",
                    false,
                    false,
                    "GET",
                    "200",
                ),
                (
                    "get-integration-response-wrong-api",
                    "GET",
                    false,
                    false,
                    "GET",
                    "200",
                ),
            ],
        ),
        (
            "test_integration_response_wrong_resource",
            false,
            false,
            &[
                (
                    "put-integration-response-wrong-resource",
                    "PUT",
                    true,
                    false,
                    "GET",
                    "200",
                ),
                (
                    "get-integration-response-wrong-resource",
                    "GET",
                    true,
                    false,
                    "GET",
                    "200",
                ),
            ],
        ),
        (
            "test_integration_response_wrong_method",
            false,
            false,
            &[
                (
                    "put-integration-response-wrong-method",
                    "PUT",
                    true,
                    true,
                    "wrong-method",
                    "200",
                ),
                (
                    "get-integration-response-wrong-method",
                    "GET",
                    true,
                    true,
                    "wrong-method",
                    "200",
                ),
            ],
        ),
        (
            "test_integration_response_invalid_statuscode",
            false,
            false,
            &[
                (
                    "put-integration-response-invalid-statusCode",
                    "PUT",
                    true,
                    true,
                    "GET",
                    "wrong",
                ),
                (
                    "get-integration-response-invalid-statusCode",
                    "GET",
                    true,
                    true,
                    "GET",
                    "wrong",
                ),
            ],
        ),
        (
            "test_integration_response_invalid_integration",
            true,
            false,
            &[(
                "get-integration-response-without-integration",
                "GET",
                true,
                true,
                "GET",
                "200",
            )],
        ),
        (
            "test_integration_response_wrong_status_code",
            true,
            true,
            &[(
                "get-integration-response-wrong-status-code",
                "GET",
                true,
                true,
                "GET",
                "201",
            )],
        ),
    ];
    for (test, with_method, with_integration, calls) in cases {
        let mut replay =
            Replay::start(FILE, &format!("TestApigatewayIntegrationResponse::{test}")).await;
        let api = create_rest_api(&replay, "test-api-integration-responses", None)
            .await
            .body;
        let (id, root) = (
            api["id"].as_str().unwrap().to_string(),
            api["rootResourceId"].as_str().unwrap().to_string(),
        );
        let method = method_path(&id, &root, "GET");
        if with_method {
            let put = replay
                .call(
                    Service::ApiGateway,
                    "PUT",
                    &method,
                    Some(json!({ "authorizationType": "NONE" })),
                )
                .await;
            assert_eq!(put.status, 201, "{put:?}");
        }
        if with_integration {
            let body = json!({ "type": "MOCK", "requestTemplates": { "application/json": "{\"statusCode\": 200}" } });
            let put = replay
                .call(
                    Service::ApiGateway,
                    "PUT",
                    &format!("{method}/integration"),
                    Some(body),
                )
                .await;
            assert_eq!(put.status, 201, "{put:?}");
        }
        for (key, verb, real_api, real_resource, http_method, status) in calls.iter().copied() {
            let (api, resource) = match (real_api, real_resource) {
                (false, _) => ("wrong-api", "dummy-value"),
                (true, false) => (id.as_str(), "wrong-resource"),
                (true, true) => (id.as_str(), root.as_str()),
            };
            let path = format!(
                "{}/integration/responses/{status}",
                method_path(api, resource, http_method)
            );
            let body = (verb == "PUT").then(|| put_body.clone());
            let answer = replay.call(Service::ApiGateway, verb, &path, body).await;
            replay.check(key, &answer);
        }
        replay.stop().await;
    }
}

/// test_apigateway_api.py::TestApiGatewayApiResource::test_create_resource_parent_invalid.
#[tokio::test]
async fn a_resource_under_a_missing_parent_is_refused_as_recorded() {
    let mut replay = Replay::start(
        "apigateway-test_apigateway_api.snapshot.json",
        "TestApiGatewayApiResource::test_create_resource_parent_invalid",
    )
    .await;
    let api = create_rest_api(&replay, "test-api-parent", Some("testing resource parent"))
        .await
        .body;
    let path = format!(
        "/restapis/{}/resources/fake-resource-id",
        api["id"].as_str().unwrap()
    );
    let answer = replay
        .call(
            Service::ApiGateway,
            "POST",
            &path,
            Some(json!({ "pathPart": "subpets" })),
        )
        .await;
    replay.check("wrong-resource-parent-id", &answer);
    replay.stop().await;
}

/// test_apigateway_api.py::TestApiGatewayApiRestApi::test_create_rest_api_verify_defaults:
/// a REST API's endpoint defaults per type. Its fifth key (an unknown endpoint type) is not
/// replayed: AWS lists the enum as `[PRIVATE, EDGE, REGIONAL]`, an order that is neither the
/// model's nor derivable from it.
#[tokio::test]
async fn rest_api_endpoint_defaults_are_as_recorded() {
    let mut replay = Replay::start(
        "apigateway-test_apigateway_api.snapshot.json",
        "TestApiGatewayApiRestApi::test_create_rest_api_verify_defaults",
    )
    .await;
    for (key, name, types) in [
        ("create-with-edge-default", "test-api-edge", Some("EDGE")),
        (
            "create-with-regional-default",
            "test-api-regional",
            Some("REGIONAL"),
        ),
        (
            "create-with-private-default",
            "test-api-private",
            Some("PRIVATE"),
        ),
        ("create-with-empty-default", "test-api-default", None),
    ] {
        let mut body = json!({ "name": name });
        if let Some(types) = types {
            body["endpointConfiguration"] = json!({ "types": [types] });
        }
        let answer = replay
            .call(Service::ApiGateway, "POST", "/restapis", Some(body))
            .await;
        replay.check(key, &answer);
    }
    replay.stop().await;
}

/// test_apigateway_lambda.py::test_put_integration_aws_proxy_uri: an AWS_PROXY integration's
/// URI, refused in API Gateway's words for each way it can be wrong.
#[tokio::test]
async fn aws_proxy_uris_are_refused_as_recorded() {
    let mut replay = Replay::start(
        "apigateway-test_apigateway_lambda.snapshot.json",
        "test_put_integration_aws_proxy_uri",
    )
    .await;
    let api = create_rest_api(
        &replay,
        "test-api-uri",
        Some("APIGW test PutIntegration AWS_PROXY URI"),
    )
    .await
    .body;
    let method = format!(
        "/restapis/{}/resources/{}/methods/ANY",
        api["id"].as_str().unwrap(),
        api["rootResourceId"].as_str().unwrap()
    );
    replay
        .call(
            Service::ApiGateway,
            "PUT",
            &method,
            Some(json!({ "authorizationType": "NONE" })),
        )
        .await;
    let lambda_arn = "arn:aws:lambda:us-east-1:000000000000:function:function-uri";
    let region = "us-east-1";
    for (key, uri) in [
        ("put-integration-lambda-uri", lambda_arn.to_string()),
        (
            "put-integration-wrong-arn",
            format!("bad-arn:lambda:path/2015-03-31/functions/{lambda_arn}/invocations"),
        ),
        (
            "put-integration-wrong-type",
            format!("arn:aws:apigateway:{region}:lambda:test/2015-03-31/functions/{lambda_arn}/invocations"),
        ),
        (
            "put-integration-wrong-firehose",
            format!("arn:aws:apigateway:{region}:firehose:path/2015-03-31/functions/{lambda_arn}/invocations"),
        ),
        (
            "put-integration-bad-lambda-arn",
            format!("arn:aws:apigateway:{region}:lambda:path/random/value/{lambda_arn}/invocations"),
        ),
    ] {
        let answer = replay
            .call(
                Service::ApiGateway,
                "PUT",
                &format!("{method}/integration"),
                Some(json!({
                    "type": "AWS_PROXY",
                    "httpMethod": "POST",
                    "uri": uri,
                    "credentials": "arn:aws:iam::000000000000:role/apigw-invoke",
                })),
            )
            .await;
        replay.check(key, &answer);
    }
    replay.stop().await;
}

/// A Python 3.12 function, with `extra` members: as LocalStack's `create_lambda_function`
/// fixture makes one (`fixture`), or with only what the test passes to CreateFunction.
async fn create_function(replay: &Replay, name: &str, extra: Value) -> Answer {
    let mut body = json!({
        "FunctionName": name,
        "Runtime": "python3.12",
        "Handler": "handler.handler",
        "Role": "arn:aws:iam::000000000000:role/lambda-replay-role",
        "Code": { "ZipFile": zip_base64("echo") },
    });
    for (member, value) in extra.as_object().unwrap() {
        body[member] = value.clone();
    }
    replay
        .call(Service::Lambda, "POST", "/2015-03-31/functions", Some(body))
        .await
}

/// What LocalStack's `create_lambda_function` fixture adds (its `testutil`): a 30 s timeout
/// and an empty `Environment`.
fn fixture() -> Value {
    json!({ "Timeout": 30, "Environment": { "Variables": {} } })
}

fn base64_of(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn zip_base64(marker: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(common::script_zip(&format!(
        "printf '{{\"{marker}\":1}}' > /tmp/out"
    )))
}

/// Waits (bounded) until the function's last change is applied, as the SDK's
/// `function_updated_v2` / `function_active_v2` waiters do.
async fn settled(replay: &Replay, name: &str) {
    let path = format!("/2015-03-31/functions/{name}/configuration");
    let settled = common::until(std::time::Duration::from_secs(30), || async {
        let answer = replay.call(Service::Lambda, "GET", &path, None).await;
        answer.body["State"] == "Active" && answer.body["LastUpdateStatus"] == "Successful"
    })
    .await;
    assert!(settled, "{name} did not settle");
}

/// test_lambda_api.py::TestLambdaFunction::test_lambda_concurrent_config_updates and
/// ..._code_updates: a second update while the first is applied is a 409 in Lambda's words.
#[tokio::test]
async fn a_second_update_while_one_is_applied_is_refused_as_recorded() {
    for (test, code) in [
        (
            "TestLambdaFunction::test_lambda_concurrent_config_updates",
            false,
        ),
        (
            "TestLambdaFunction::test_lambda_concurrent_code_updates",
            true,
        ),
    ] {
        // Each change takes two seconds to apply, as AWS takes a moment: the second update
        // comes while the first is in progress.
        let mut replay = Replay::start_with(
            "lambda_-test_lambda_api.snapshot.json",
            test,
            LocalConfig {
                settle: std::time::Duration::from_secs(2),
                ..LocalConfig::default()
            },
        )
        .await;
        let name = "test-lambda-concurrent";
        // The code-update test creates its function by CreateFunction itself: no
        // Environment, the default timeout.
        let extra = if code { json!({}) } else { fixture() };
        let created = create_function(&replay, name, extra).await;
        if code {
            replay.check("create-function-response", &created);
        } else {
            replay.check_in(
                "create-function-response",
                "CreateFunctionResponse",
                &created,
            );
        }
        settled(&replay, name).await;
        let update = |variable: &'static str| {
            let (path, body) = if code {
                (
                    format!("/2015-03-31/functions/{name}/code"),
                    json!({ "ZipFile": zip_base64(variable) }),
                )
            } else {
                (
                    format!("/2015-03-31/functions/{name}/configuration"),
                    json!({ "Environment": { "Variables": { "TEST": variable } } }),
                )
            };
            let replay = &replay;
            async move { replay.call(Service::Lambda, "PUT", &path, Some(body)).await }
        };
        let first = update("TEST1").await;
        assert_eq!(first.status, 200, "{first:?}");
        let second = update("TEST2").await;
        replay.check("update-during-in-progress-update-exc", &second);
        replay.stop().await;
    }
}

/// test_lambda_api.py::TestLambdaFunction::test_create_lambda_exceptions and
/// test_update_lambda_exceptions: a role, a runtime, architectures and a zip Lambda refuses,
/// each in its words.
#[tokio::test]
async fn a_functions_bad_settings_are_refused_as_recorded() {
    let mut replay = Replay::start(
        "lambda_-test_lambda_api.snapshot.json",
        "TestLambdaFunction::test_create_lambda_exceptions",
    )
    .await;
    let name = "invalid-function";
    for (key, extra) in [
        ("invalid_role_arn_exc", json!({ "Role": "r1" })),
        (
            "invalid_runtime_exc",
            json!({ "Runtime": "non-existent-runtime" }),
        ),
        ("uppercase_runtime_exc", json!({ "Runtime": "PYTHON3.9" })),
        (
            "multiple_architectures",
            json!({ "Architectures": ["x86_64", "arm64"] }),
        ),
        (
            "uppercase_architecture",
            json!({ "Architectures": ["X86_64"] }),
        ),
        (
            "invalid_zip_exc",
            json!({
                "Runtime": "python3.9",
                "Code": { "ZipFile": base64_of(b"this is not a zipfile, just a random string") },
            }),
        ),
    ] {
        let mut extra = extra;
        extra["Handler"] = json!("index.handler");
        extra["PackageType"] = json!("Zip");
        let answer = create_function(&replay, name, extra).await;
        replay.check(key, &answer);
    }
    replay.stop().await;

    let mut replay = Replay::start(
        "lambda_-test_lambda_api.snapshot.json",
        "TestLambdaFunction::test_update_lambda_exceptions",
    )
    .await;
    let created = create_function(&replay, name, json!({})).await;
    assert_eq!(created.status, 201, "{created:?}");
    settled(&replay, name).await;
    let path = format!("/2015-03-31/functions/{name}/configuration");
    for (key, body) in [
        ("invalid_role_arn_exc", json!({ "Role": "r1" })),
        (
            "invalid_runtime_exc",
            json!({ "Runtime": "non-existent-runtime" }),
        ),
        ("uppercase_runtime_exc", json!({ "Runtime": "PYTHON3.9" })),
    ] {
        let answer = replay.call(Service::Lambda, "PUT", &path, Some(body)).await;
        replay.check(key, &answer);
    }
    replay.stop().await;
}

/// test_lambda_api.py::TestLambdaFunction::test_redundant_updates: the same change twice is
/// applied twice, each a new revision.
#[tokio::test]
async fn a_redundant_update_is_applied_again_as_recorded() {
    let mut replay = Replay::start(
        "lambda_-test_lambda_api.snapshot.json",
        "TestLambdaFunction::test_redundant_updates",
    )
    .await;
    let name = "fn-redundant";
    let mut extra = fixture();
    extra["Description"] = json!("Initial description");
    let created = create_function(&replay, name, extra).await;
    replay.check_in("create_response", "CreateFunctionResponse", &created);
    settled(&replay, name).await;
    let configuration = format!("/2015-03-31/functions/{name}/configuration");
    let function = format!("/2015-03-31/functions/{name}");
    let describe = json!({ "Description": "1st update description" });
    let first = replay
        .call(
            Service::Lambda,
            "PUT",
            &configuration,
            Some(describe.clone()),
        )
        .await;
    replay.check("first_update_result", &first);
    settled(&replay, name).await;
    let read = replay
        .call(Service::Lambda, "GET", &configuration, None)
        .await;
    replay.check("get_fn_config_result", &read);
    let read = replay.call(Service::Lambda, "GET", &function, None).await;
    replay.check("get_fn_result", &read);
    let again = replay
        .call(Service::Lambda, "PUT", &configuration, Some(describe))
        .await;
    replay.check("redundant_update_result", &again);
    settled(&replay, name).await;
    let read = replay.call(Service::Lambda, "GET", &function, None).await;
    replay.check("get_fn_result_after_redundant_update", &read);
    replay.stop().await;
}

/// test_logs_groups.py::TestLogsGroups::test_create_log_group_duplicate_error.
#[tokio::test]
async fn a_log_group_created_twice_is_refused_as_recorded() {
    let mut replay = Replay::start(
        "logs-test_logs_groups.snapshot.json",
        "TestLogsGroups::test_create_log_group_duplicate_error",
    )
    .await;
    let group = json!({ "logGroupName": "test-log-group-duplicate" });
    let created = replay
        .call(
            Service::Logs("CreateLogGroup"),
            "POST",
            "/",
            Some(group.clone()),
        )
        .await;
    assert_eq!(created.status, 200);
    let again = replay
        .call(Service::Logs("CreateLogGroup"), "POST", "/", Some(group))
        .await;
    replay.check("error-duplicate-log-group", &again);
    replay.stop().await;
}

/// A log group and a stream in it, as LocalStack's `logs_log_group` / `logs_log_stream`
/// fixtures make them.
async fn log_group_and_stream(replay: &Replay, group: &str, stream: &str) {
    for (op, body) in [
        ("CreateLogGroup", json!({ "logGroupName": group })),
        (
            "CreateLogStream",
            json!({ "logGroupName": group, "logStreamName": stream }),
        ),
    ] {
        let answer = replay
            .call(Service::Logs(op), "POST", "/", Some(body))
            .await;
        assert_eq!(answer.status, 200, "{op}: {answer:?}");
    }
}

/// test_logs_groups.py::TestLogsGroupsTags::test_create_log_group_with_tags.
#[tokio::test]
async fn a_log_groups_tags_given_at_creation_are_listed_as_recorded() {
    let mut replay = Replay::start(
        "logs-test_logs_groups.snapshot.json",
        "TestLogsGroupsTags::test_create_log_group_with_tags",
    )
    .await;
    let group = json!({ "logGroupName": "test-log-group-tags", "tags": { "env": "testing" } });
    let created = replay
        .call(Service::Logs("CreateLogGroup"), "POST", "/", Some(group))
        .await;
    assert_eq!(created.status, 200, "{created:?}");
    let listed = replay
        .call(
            Service::Logs("ListTagsLogGroup"),
            "POST",
            "/",
            Some(json!({ "logGroupName": "test-log-group-tags" })),
        )
        .await;
    replay.check("list-tags-after-create", &listed);
    replay.stop().await;
}

/// test_logs_events.py::TestLogsEvents::test_put_log_events_to_invalid_stream.
#[tokio::test]
async fn events_for_a_missing_stream_are_refused_as_recorded() {
    let mut replay = Replay::start(
        "logs-test_logs_events.snapshot.json",
        "TestLogsEvents::test_put_log_events_to_invalid_stream",
    )
    .await;
    log_group_and_stream(&replay, "test-log-group-events", "test-log-stream").await;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    let put = replay
        .call(
            Service::Logs("PutLogEvents"),
            "POST",
            "/",
            Some(json!({
                "logGroupName": "test-log-group-events",
                "logStreamName": "invalid-stream",
                "logEvents": [{ "timestamp": now, "message": "test" }],
            })),
        )
        .await;
    replay.check("error-invalid-stream", &put);
    replay.stop().await;
}

/// test_logs_streams.py::TestLogsStreams::test_describe_log_streams_with_log_group_identifier
/// and test_log_stream_arn_format: a stream as DescribeLogStreams answers it, by the group's
/// name, its identifier (name or ARN), and never both.
#[tokio::test]
async fn log_streams_are_described_as_recorded() {
    let (group, stream) = ("test-log-group-streams", "test-log-stream-1");
    let mut replay = Replay::start(
        "logs-test_logs_streams.snapshot.json",
        "TestLogsStreams::test_log_stream_arn_format",
    )
    .await;
    log_group_and_stream(&replay, group, stream).await;
    let described = replay
        .call(
            Service::Logs("DescribeLogStreams"),
            "POST",
            "/",
            Some(json!({ "logGroupName": group })),
        )
        .await;
    replay.check("describe-log-streams-with-arn", &described);
    replay.stop().await;

    let mut replay = Replay::start(
        "logs-test_logs_streams.snapshot.json",
        "TestLogsStreams::test_describe_log_streams_with_log_group_identifier",
    )
    .await;
    log_group_and_stream(&replay, group, stream).await;
    let arn = format!("arn:aws:logs:us-east-1:000000000000:log-group:{group}");
    for (key, body) in [
        (
            "describe-streams-identifier-name",
            json!({ "logGroupIdentifier": group }),
        ),
        (
            "describe-streams-identifier-arn",
            json!({ "logGroupIdentifier": arn }),
        ),
        (
            "error-both-name-and-identifier",
            json!({ "logGroupName": group, "logGroupIdentifier": group }),
        ),
    ] {
        let answer = replay
            .call(Service::Logs("DescribeLogStreams"), "POST", "/", Some(body))
            .await;
        replay.check(key, &answer);
    }
    replay.stop().await;
}

/// test_cloudwatch.py::TestCloudwatch::test_describe_minimal_metric_alarm[json]: an alarm
/// made with only what PutMetricAlarm requires, described over awsJson1.0.
#[tokio::test]
async fn a_minimal_alarm_is_described_as_recorded() {
    let mut replay = Replay::start(
        "cloudwatch-test_cloudwatch.snapshot.json",
        "TestCloudwatch::test_describe_minimal_metric_alarm[json]",
    )
    .await;
    let put = replay
        .call(
            Service::CloudWatch("PutMetricAlarm"),
            "POST",
            "/",
            Some(json!({
                "AlarmName": "a-minimal",
                "MetricName": "m-minimal",
                "Namespace": "n-sp-minimal",
                "EvaluationPeriods": 1,
                "Period": 10,
                "Statistic": "Sum",
                "ComparisonOperator": "GreaterThanThreshold",
                "Threshold": 30,
            })),
        )
        .await;
    assert_eq!(put.status, 200, "{put:?}");
    let described = replay
        .call(
            Service::CloudWatch("DescribeAlarms"),
            "POST",
            "/",
            Some(json!({ "AlarmNames": ["a-minimal"] })),
        )
        .await;
    replay.check("describe_minimal_metric_alarm", &described);
    replay.stop().await;
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
