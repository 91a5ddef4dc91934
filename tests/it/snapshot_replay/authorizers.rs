//! API Gateway's authorizers (the control plane), from LocalStack's test_apigateway_api.py
//! (TestApiGatewayApiAuthorizer) and test_apigateway_basic.py
//! (test_apigateway_with_custom_authorization_method).

use serde_json::{json, Value};

use super::{Answer, Replay, Service};

const API_FILE: &str = "apigateway-test_apigateway_api.snapshot.json";
const BASIC_FILE: &str = "apigateway-test_apigateway_basic.snapshot.json";

async fn call(replay: &Replay, method: &str, path: &str, body: Option<Value>) -> Answer {
    replay.call(Service::ApiGateway, method, path, body).await
}

/// test_authorizer_crud_no_api: an unknown API is a 409 for CreateAuthorizer (AWS's own
/// answer) and a 404 for GetAuthorizers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_api_is_refused_as_recorded() {
    let mut replay = Replay::start(
        API_FILE,
        "TestApiGatewayApiAuthorizer::test_authorizer_crud_no_api",
    )
    .await;
    let answer = call(
        &replay,
        "POST",
        "/restapis/test-fake-rest-id/authorizers",
        Some(json!({
            "name": "fake-auth-name",
            "type": "TOKEN",
            "authorizerUri": "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:myApiAuthorizer/invocations",
            "identitySource": "method.request.header.Authorization",
        })),
    )
    .await;
    replay.check("wrong-rest-api-id-create-authorizer", &answer);
    let answer = call(
        &replay,
        "GET",
        "/restapis/test-fake-rest-id/authorizers",
        None,
    )
    .await;
    replay.check("wrong-rest-api-id-get-authorizers", &answer);
    replay.stop().await;
}

/// A REST API's id and its root resource's.
async fn rest_api(replay: &Replay) -> (String, String) {
    let api = call(
        replay,
        "POST",
        "/restapis",
        Some(json!({ "name": "test-api" })),
    )
    .await;
    (
        api.body["id"].as_str().unwrap().to_string(),
        api.body["rootResourceId"].as_str().unwrap().to_string(),
    )
}

/// The authorizer the test makes (its URI as the test's string continuation writes it).
fn token_authorizer() -> Value {
    json!({
        "name": "lambda_authorizer",
        "type": "TOKEN",
        "authorizerUri": "arn:aws:apigateway:us-east-1:lambda:path/                 2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:int-fn/invocations",
        "identitySource": "method.request.header.Auth",
    })
}

/// test_apigateway_with_custom_authorization_method: a TOKEN authorizer is `custom` unless told
/// and has no TTL unless given; a CUSTOM method names it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_custom_method_names_its_authorizer_as_recorded() {
    let mut replay = Replay::start(
        BASIC_FILE,
        "TestAPIGateway::test_apigateway_with_custom_authorization_method",
    )
    .await;
    let (api, root) = rest_api(&replay).await;
    let named = Answer {
        status: 200,
        code: None,
        body: json!({ "api_id": api }),
    };
    replay.check("api-id", &named);
    let authorizer = call(
        &replay,
        "POST",
        &format!("/restapis/{api}/authorizers"),
        Some(token_authorizer()),
    )
    .await;
    replay.check("authorizer", &authorizer);
    let answer = call(
        &replay,
        "PUT",
        &format!("/restapis/{api}/resources/{root}/methods/GET"),
        Some(json!({
            "authorizationType": "CUSTOM",
            "authorizerId": authorizer.body["id"],
            "apiKeyRequired": true,
        })),
    )
    .await;
    replay.check("put-method-response", &answer);
    replay.stop().await;
}

/// Not recorded (AWS's answers are inferred from the service model and the developer guide):
/// GetAuthorizer(s), UpdateAuthorizer's paths, DeleteAuthorizer's 202 and its refusal of an
/// authorizer a method names, PutMethod's refusal of an authorizer the API does not have.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authorizers_are_kept_updated_and_deleted() {
    let replay = Replay::start(
        API_FILE,
        "TestApiGatewayApiAuthorizer::test_authorizer_crud_no_api",
    )
    .await;
    let (api, root) = rest_api(&replay).await;
    let base = format!("/restapis/{api}/authorizers");
    let created = call(&replay, "POST", &base, Some(token_authorizer())).await;
    assert_eq!(created.status, 201, "{created:?}");
    let id = created.body["id"].as_str().unwrap().to_string();
    let one = call(&replay, "GET", &format!("{base}/{id}"), None).await;
    assert_eq!(one.body, created.body);
    let all = call(&replay, "GET", &base, None).await;
    assert_eq!(all.body["items"], json!([created.body]));
    let updated = call(
        &replay,
        "PATCH",
        &format!("{base}/{id}"),
        Some(json!({ "patchOperations": [
            { "op": "replace", "path": "/name", "value": "renamed" },
            { "op": "replace", "path": "/authorizerResultTtlInSeconds", "value": "60" },
        ]})),
    )
    .await;
    assert_eq!(updated.status, 200, "{updated:?}");
    assert_eq!(
        (
            &updated.body["name"],
            &updated.body["authorizerResultTtlInSeconds"]
        ),
        (&json!("renamed"), &json!(60))
    );
    let refused = call(
        &replay,
        "PATCH",
        &format!("{base}/{id}"),
        Some(json!({ "patchOperations": [{ "op": "replace", "path": "/authorizerResultTtlInSeconds", "value": "4000" }]})),
    )
    .await;
    assert_eq!(refused.status, 400, "{refused:?}");
    let method = format!("/restapis/{api}/resources/{root}/methods/GET");
    let unknown = call(
        &replay,
        "PUT",
        &method,
        Some(json!({ "authorizationType": "CUSTOM", "authorizerId": "nope" })),
    )
    .await;
    assert_eq!(unknown.status, 400, "{unknown:?}");
    let put = call(
        &replay,
        "PUT",
        &method,
        Some(json!({ "authorizationType": "CUSTOM", "authorizerId": id })),
    )
    .await;
    assert_eq!(put.status, 201, "{put:?}");
    let in_use = call(&replay, "DELETE", &format!("{base}/{id}"), None).await;
    assert_eq!(in_use.status, 409, "{in_use:?}");
    // The method off its authorizer, which can go then.
    let answer = call(
        &replay,
        "PATCH",
        &method,
        Some(json!({ "patchOperations": [{ "op": "replace", "path": "/authorizationType", "value": "NONE" }]})),
    )
    .await;
    assert_eq!(answer.status, 200, "{answer:?}");
    assert!(answer.body.get("authorizerId").is_none(), "{answer:?}");
    let deleted = call(&replay, "DELETE", &format!("{base}/{id}"), None).await;
    assert_eq!(deleted.status, 202, "{deleted:?}");
    let gone = call(&replay, "GET", &format!("{base}/{id}"), None).await;
    assert_eq!(gone.status, 404, "{gone:?}");
    replay.stop().await;
}
