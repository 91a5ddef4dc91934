//! API Gateway's TestInvokeMethod (LocalStack's test_apigateway_api.py,
//! `TestApigatewayTestInvoke`): a method run as the API is now, its answer and execution log
//! held to AWS's, through the transformers LocalStack's `apigw_test_invoke_response_formatter`
//! applies (the log split in lines; times, latencies and AWS's request ids stood in for).

use serde_json::{json, Value};

use super::apigateway::{create_rest_api, method_path, put_ok};
use super::apigateway_ops::new_resource;
use super::{Answer, Replay, Service};

const API_FILE: &str = "apigateway-test_apigateway_api.snapshot.json";

/// What LocalStack's formatter replaces in a TestInvokeMethod answer, as its regexes do.
const STAND_INS: [(&str, &str); 9] = [
    (
        r"URI: https://.*?/2015-03-31",
        "URI: https://<endpoint_url>/2015-03-31",
    ),
    (
        r"Integration latency: \d*? ms",
        "Integration latency: <latency> ms",
    ),
    (
        r"Date=[a-zA-Z]{3},\s\d{2}\s[a-zA-Z]{3}\s\d{4}\s\d{2}:\d{2}:\d{2}\sGMT",
        "Date=Day, dd MMM yyyy hh:mm:ss GMT",
    ),
    (
        r"x-amzn-RequestId=[a-f0-9-]{36}",
        "x-amzn-RequestId=<request-id-lambda>",
    ),
    (
        r"[a-zA-Z]{3}\s[a-zA-Z]{3}\s\d{2}\s\d{2}:\d{2}:\d{2}\sUTC\s\d{4} :",
        "DDD MMM dd hh:mm:ss UTC yyyy :",
    ),
    (
        r"Authorization=.*?,",
        "Authorization=<authorization-header>,",
    ),
    (
        r"X-Amz-Security-Token=.*?\s\[",
        "X-Amz-Security-Token=<token> [",
    ),
    (r"\d{8}T\d{6}Z", "<date>"),
    // A latency is any number (`reference_replacement=False`).
    (r"^\d+$", "<latency>"),
];

/// LocalStack's `apigw_test_invoke_response_formatter`: the log as `{"line00": …}`, each line
/// (and the latency) through its transformers.
fn formatted(answer: &mut Answer) {
    let scrub = |text: &str| {
        STAND_INS
            .iter()
            .fold(text.to_string(), |text, (pattern, by)| {
                let pattern = regex::Regex::new(pattern).unwrap();
                pattern.replace_all(&text, *by).into_owned()
            })
    };
    if let Some(latency) = answer.body["latency"].as_i64() {
        answer.body["latency"] = json!(scrub(&latency.to_string()));
    }
    let Some(log) = answer.body["log"].as_str() else {
        return;
    };
    let lines: serde_json::Map<String, Value> = log
        .split('\n')
        .enumerate()
        .map(|(i, line)| (format!("line{i:02}"), json!(scrub(line))))
        .collect();
    answer.body["log"] = Value::Object(lines);
}

/// TestInvokeMethod of `verb` on `resource`, with `pathWithQueryString` if given, formatted.
async fn test_invoke(
    replay: &Replay,
    (api, resource, verb): (&str, &str, &str),
    path: Option<&str>,
    body: &str,
) -> Answer {
    let mut request = json!({ "body": body });
    if let Some(path) = path {
        request["pathWithQueryString"] = json!(path);
    }
    let at = method_path(api, resource, verb);
    let mut answer = replay
        .call(Service::ApiGateway, "POST", &at, Some(request))
        .await;
    formatted(&mut answer);
    answer
}

/// A new REST API's id and its root resource's (CreateRestApi answers both).
async fn api_and_root(replay: &Replay, name: &str) -> (String, String) {
    let api = create_rest_api(replay, name, None).await;
    let id = |member: &str| api.body[member].as_str().unwrap().to_string();
    (id("id"), id("rootResourceId"))
}

/// A MOCK method of `verb` on `resource` (`{petId}` required when `with_id`), answering 200 with
/// the `response` template, as test_invoke_test_method puts them.
async fn mock_method(
    replay: &Replay,
    (api, resource, verb): (&str, &str, &str),
    with_id: bool,
    response: &str,
) {
    let method = method_path(api, resource, verb);
    let mut put = json!({ "authorizationType": "NONE" });
    let mut integration = json!({
        "type": "MOCK",
        "httpMethod": verb,
        "requestTemplates": { "application/json": r#"{"statusCode": 200}"# },
    });
    if with_id {
        put["requestParameters"] = json!({ "method.request.path.petId": true });
        integration["requestParameters"] =
            json!({ "integration.request.path.id": "method.request.path.petId" });
    }
    put_ok(replay, &method, put, 201).await;
    put_ok(replay, &format!("{method}/responses/200"), json!({}), 201).await;
    put_ok(replay, &format!("{method}/integration"), integration, 201).await;
    let templates = json!({ "responseTemplates": { "application/json": response } });
    let at = format!("{method}/integration/responses/200");
    put_ok(replay, &at, templates, 201).await;
}

/// test_apigateway_api.py::TestApigatewayTestInvoke::test_invoke_test_method: MOCK methods run
/// on paths that match their resource, on none, and on one that does not match; a missing
/// method or resource refused.
#[tokio::test]
async fn mock_methods_are_test_invoked_as_recorded() {
    let mut replay = Replay::start(
        API_FILE,
        "TestApigatewayTestInvoke::test_invoke_test_method",
    )
    .await;
    let (api, root) = api_and_root(&replay, "aws lambda api").await;
    let pets = new_resource(&replay, &api, &root, "pets").await;
    let pet = new_resource(&replay, &api, &pets, "{petId}").await;
    let by_id = r#"{"petId": "$input.params('petId')"}"#;
    mock_method(
        &replay,
        (&api, &pets, "GET"),
        false,
        r#"{"pets": "all the pets"}"#,
    )
    .await;
    mock_method(&replay, (&api, &pet, "GET"), true, by_id).await;
    mock_method(&replay, (&api, &pet, "POST"), true, by_id).await;
    let runs = [
        ("test-invoke-method-get-pets", &pets, "GET", None, ""),
        (
            "test-invoke-method-get-pets-bad-path",
            &pets,
            "GET",
            Some("/random/test"),
            "",
        ),
        (
            "test-invoke-method-get-pets-id",
            &pet,
            "GET",
            Some("/pets/123"),
            "",
        ),
        (
            "test-invoke-method-get-pets-id-no-path",
            &pet,
            "GET",
            None,
            "",
        ),
        (
            "test-invoke-method-get-pets-id-bad-path",
            &pet,
            "GET",
            Some("/random/test"),
            "",
        ),
        (
            "test-invoke-method-get-with-qs",
            &pet,
            "GET",
            Some("/pets/123?foo=bar"),
            "",
        ),
        (
            "test-invoke-method-post-with-body",
            &pet,
            "POST",
            Some("/pets/123"),
            r#"{"foo": "bar"}"#,
        ),
    ];
    for (key, on, verb, path, body) in runs {
        let answer = test_invoke(&replay, (&api, on, verb), path, body).await;
        replay.check(key, &answer);
    }
    let body = r#"{"foo": "bar"}"#;
    let missing = [
        ("resource-method-not-found", pet.as_str(), "HEAD"),
        ("resource-id-not-found", "invalid_res", "POST"),
        ("rest-api-not-found", "invalid_res", "POST"),
    ];
    for (key, on, verb) in missing {
        let answer = test_invoke(&replay, (&api, on, verb), Some("/pets/123"), body).await;
        replay.check(key, &answer);
    }
    replay.stop().await;
}

/// test_apigateway_api.py::TestApigatewayTestInvoke::test_failed_invoke_test_method: an
/// HTTP_PROXY integration whose URI names a stage variable the test invocation does not give.
#[tokio::test]
async fn a_failing_integration_is_test_invoked_as_recorded() {
    let mut replay = Replay::start(
        API_FILE,
        "TestApigatewayTestInvoke::test_failed_invoke_test_method",
    )
    .await;
    let (api, root) = api_and_root(&replay, "test failed invoke").await;
    let method = method_path(&api, &root, "ANY");
    put_ok(
        &replay,
        &method,
        json!({ "authorizationType": "NONE" }),
        201,
    )
    .await;
    let integration = json!({
        "type": "HTTP_PROXY",
        "uri": "https://${stageVariables.testHost}",
        "httpMethod": "ANY",
    });
    put_ok(&replay, &format!("{method}/integration"), integration, 201).await;
    let answer = test_invoke(&replay, (&api, &root, "GET"), None, "").await;
    replay.check("test-invoke-failure", &answer);
    replay.stop().await;
}
