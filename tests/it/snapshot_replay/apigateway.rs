//! API Gateway's recorded tests (LocalStack's `tests/aws/services/apigateway/`).

use serde_json::{json, Value};

use super::{Answer, Replay, Service};

/// CreateRestApi with `name` and, if given, `description`.
pub(super) async fn create_rest_api(
    replay: &Replay,
    name: &str,
    description: Option<&str>,
) -> Answer {
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
pub(super) fn method_path(api: &str, resource: &str, verb: &str) -> String {
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

/// Where an integration-response call points: an API that does not exist, a resource that
/// does not, or the API's root.
#[derive(Clone, Copy)]
enum Target {
    WrongApi,
    WrongResource,
    Root,
}

/// What a case makes on the root before its calls: nothing, a GET method, or the method and a
/// MOCK integration.
#[derive(Clone, Copy, PartialEq, PartialOrd)]
enum Made {
    Nothing,
    Method,
    Integration,
}

/// One of the integration-response refusals: test_integration_response_…, what it makes, the
/// `…-integration-response-…` part of its keys, the verbs it calls, where, HTTP method, status.
type IntegrationResponseCase = (
    &'static str,
    Made,
    &'static str,
    &'static [&'static str],
    Target,
    &'static str,
    &'static str,
);

#[rustfmt::skip]
const INTEGRATION_RESPONSE_CASES: [IntegrationResponseCase; 6] = {
    use Made::*;
    use Target::*;
    const PUT_AND_GET: &[&str] = &["PUT", "GET"];
    [
        ("wrong_api", Nothing, "wrong-api", PUT_AND_GET, WrongApi, "GET", "200"),
        ("wrong_resource", Nothing, "wrong-resource", PUT_AND_GET, WrongResource, "GET", "200"),
        ("wrong_method", Nothing, "wrong-method", PUT_AND_GET, Root, "wrong-method", "200"),
        ("invalid_statuscode", Nothing, "invalid-statusCode", PUT_AND_GET, Root, "GET", "wrong"),
        ("invalid_integration", Method, "without-integration", &["GET"], Root, "GET", "200"),
        ("wrong_status_code", Integration, "wrong-status-code", &["GET"], Root, "GET", "201"),
    ]
};

/// test_apigateway_api.py::TestApigatewayIntegrationResponse's six refusals
/// (`test_integration_response_wrong_api`, `_wrong_resource`, `_wrong_method`,
/// `_invalid_statuscode`, `_invalid_integration`, `_wrong_status_code`): what Put- and
/// GetIntegrationResponse name when the API, resource, method, integration or status is
/// missing or malformed.
#[tokio::test]
async fn integration_responses_name_what_is_missing_as_recorded() {
    for (test, made, key, verbs, target, http_method, status) in INTEGRATION_RESPONSE_CASES {
        let calls: Vec<(String, &str, Target, &str, &str)> = verbs
            .iter()
            .map(|verb| {
                let key = format!("{}-integration-response-{key}", verb.to_lowercase());
                (key, *verb, target, http_method, status)
            })
            .collect();
        integration_response_case(&format!("test_integration_response_{test}"), made, &calls).await;
    }
}

/// One of `integration_responses_name_what_is_missing_as_recorded`'s recorded tests: a new
/// API, what the test makes on its root, then its calls, each checked against the recording.
async fn integration_response_case(
    test: &str,
    made: Made,
    calls: &[(String, &str, Target, &str, &str)],
) {
    const FILE: &str = "apigateway-test_apigateway_api.snapshot.json";
    let put_body = json!({ "responseTemplates": { "application/json": "\"created\"" }, "selectionPattern": "" });
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
    if made >= Made::Method {
        let body = json!({ "authorizationType": "NONE" });
        let put = replay
            .call(Service::ApiGateway, "PUT", &method, Some(body))
            .await;
        assert_eq!(put.status, 201, "{put:?}");
    }
    if made == Made::Integration {
        let body = json!({ "type": "MOCK", "requestTemplates": { "application/json": "{\"statusCode\": 200}" } });
        let integration = format!("{method}/integration");
        let put = replay
            .call(Service::ApiGateway, "PUT", &integration, Some(body))
            .await;
        assert_eq!(put.status, 201, "{put:?}");
    }
    for (key, verb, target, http_method, status) in calls {
        let (api, resource) = match *target {
            Target::WrongApi => ("wrong-api", "dummy-value"),
            Target::WrongResource => (id.as_str(), "wrong-resource"),
            Target::Root => (id.as_str(), root.as_str()),
        };
        let path = format!(
            "{}/integration/responses/{status}",
            method_path(api, resource, http_method)
        );
        let body = (*verb == "PUT").then(|| put_body.clone());
        let answer = replay.call(Service::ApiGateway, verb, &path, body).await;
        replay.check(key, &answer);
    }
    replay.stop().await;
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
/// a REST API's endpoint defaults per type, and an unknown type refused (the enum listed in
/// AWS's own order, `[PRIVATE, EDGE, REGIONAL]`).
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
        (
            "create-with-empty-ip-address-type-and-wrong-type",
            "test-api-wrong",
            Some("wrong"),
        ),
    ] {
        let mut body = json!({ "name": name });
        if let Some(types) = types {
            body["endpointConfiguration"] = json!({ "types": [types] });
        }
        if types == Some("wrong") {
            // Refused for the type before the empty description is looked at.
            body["description"] = json!("");
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

/// test_apigateway_api.py::TestApiGatewayApiRestApi::test_create_rest_api_with_tags,
/// test_create_rest_api_with_binary_media_types and test_create_rest_api_private_type: what
/// CreateRestApi keeps and answers, and what it refuses of a private API.
#[tokio::test]
async fn rest_apis_are_created_with_their_settings_as_recorded() {
    let mut replay = Replay::start(
        "apigateway-test_apigateway_api.snapshot.json",
        "TestApiGatewayApiRestApi::test_create_rest_api_with_tags",
    )
    .await;
    let created = replay
        .call(
            Service::ApiGateway,
            "POST",
            "/restapis",
            Some(json!({
                "name": "test-api-tags",
                "description": "this is my api",
                "tags": { "MY_TAG1": "MY_VALUE1" },
            })),
        )
        .await;
    replay.check("create-rest-api-w-tags", &created);
    let id = created.body["id"].as_str().unwrap();
    let read = replay
        .call(Service::ApiGateway, "GET", &format!("/restapis/{id}"), None)
        .await;
    replay.check("get-rest-api-w-tags", &read);
    let listed = replay
        .call(Service::ApiGateway, "GET", "/restapis", None)
        .await;
    replay.check("get-rest-apis-w-tags", &listed);
    replay.stop().await;

    let mut replay = Replay::start(
        "apigateway-test_apigateway_api.snapshot.json",
        "TestApiGatewayApiRestApi::test_create_rest_api_with_binary_media_types",
    )
    .await;
    let created = replay
        .call(
            Service::ApiGateway,
            "POST",
            "/restapis",
            Some(json!({ "name": "test-api-binary", "binaryMediaTypes": ["image/png"] })),
        )
        .await;
    replay.check("create-with-binary-media", &created);
    replay.stop().await;

    let mut replay = Replay::start(
        "apigateway-test_apigateway_api.snapshot.json",
        "TestApiGatewayApiRestApi::test_create_rest_api_private_type",
    )
    .await;
    for (key, body) in [
        (
            "create-with-private-type-and-ipv4-ip-address-type",
            json!({ "name": "test-api-private",
                    "endpointConfiguration": { "ipAddressType": "ipv4", "types": ["PRIVATE"] } }),
        ),
        (
            "create-with-private-type-and-wrong-ip-address-type",
            json!({ "name": "test-api-private",
                    "endpointConfiguration": { "ipAddressType": "wrong", "types": ["PRIVATE"] } }),
        ),
        (
            "create-with-private-type-and-ipv4-ip-address-type-and-empty-description",
            json!({ "name": "test-api-private", "description": "",
                    "endpointConfiguration": { "ipAddressType": "ipv4", "types": ["PRIVATE"] } }),
        ),
    ] {
        let refused = replay
            .call(Service::ApiGateway, "POST", "/restapis", Some(body))
            .await;
        replay.check(key, &refused);
    }
    replay.stop().await;
}

/// test_apigateway_integrations.py::test_put_integration_validation: which integration types
/// need an `integrationHttpMethod`, and the URIs each type refuses.
#[tokio::test]
async fn integrations_are_put_and_refused_by_type_as_recorded() {
    let mut replay = Replay::start(
        "apigateway-test_apigateway_integrations.snapshot.json",
        "test_put_integration_validation",
    )
    .await;
    let api = create_rest_api(&replay, "test-apigw", None).await.body;
    let (id, root) = (
        api["id"].as_str().unwrap(),
        api["rootResourceId"].as_str().unwrap(),
    );
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
    let put = replay
        .call(
            Service::ApiGateway,
            "PUT",
            &format!("{method}/responses/200"),
            Some(json!({})),
        )
        .await;
    assert_eq!(put.status, 201, "{put:?}");
    let integration = format!("{method}/integration");
    let role = "arn:aws:iam::000000000000:role/service-role/testfunction-role-oe783psq";
    let s3 = "arn:aws:apigateway:us-east-1:s3:path/b/k";
    let lambda = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:MyLambda/invocations";
    let mut calls = Vec::new();
    for kind in ["HTTP", "HTTP_PROXY", "AWS"] {
        calls.push((
            format!("required-integration-method-{kind}"),
            json!({ "type": kind, "uri": "http://example.com" }),
        ));
    }
    calls.push((
        "not-required-integration-method-MOCK".into(),
        json!({ "type": "MOCK", "uri": "http://example.com" }),
    ));
    for kind in ["HTTP", "HTTP_PROXY"] {
        calls.push((
            format!("http-method-{kind}"),
            json!({ "type": kind, "uri": "http://example.com", "httpMethod": "POST" }),
        ));
    }
    calls.push((
        "aws-integration-AWS".into(),
        json!({ "type": "AWS", "uri": s3, "httpMethod": "POST", "credentials": role }),
    ));
    for kind in ["AWS", "AWS_PROXY"] {
        calls.push((
            format!("aws-integration-type-{kind}"),
            json!({ "type": kind, "uri": lambda, "httpMethod": "POST" }),
        ));
    }
    calls.push((
        "no-s3-support-AWS_PROXY".into(),
        json!({ "type": "AWS_PROXY", "uri": s3, "httpMethod": "POST", "credentials": role }),
    ));
    for kind in ["HTTP", "HTTP_PROXY"] {
        calls.push((
            format!("invalid-uri-{kind}"),
            json!({ "type": kind, "uri": "non-valid-http", "httpMethod": "POST" }),
        ));
    }
    calls.push((
        "invalid-uri-not-an-arn".into(),
        json!({ "type": "AWS", "uri": "non-valid-arn", "httpMethod": "POST" }),
    ));
    calls.push((
        "invalid-uri-invalid-arn".into(),
        json!({ "type": "AWS", "uri": "arn:aws:iam::0000000000:role/service-role/asdf",
                "httpMethod": "POST" }),
    ));
    for (key, body) in calls {
        let answer = replay
            .call(Service::ApiGateway, "PUT", &integration, Some(body))
            .await;
        replay.check(&key, &answer);
    }
    replay.stop().await;
}

/// An API with a method and its MOCK integration, as TestApigatewayIntegration's tests make
/// them: the API's id, its root resource's, and the method's path.
async fn api_with_mock(replay: &Replay, description: &str, verb: &str) -> (String, String, String) {
    let api = replay
        .call(
            Service::ApiGateway,
            "POST",
            "/restapis",
            Some(json!({ "name": "test-api-integration", "description": description })),
        )
        .await
        .body;
    let (id, root) = (
        api["id"].as_str().unwrap().to_string(),
        api["rootResourceId"].as_str().unwrap().to_string(),
    );
    let method = method_path(&id, &root, verb);
    let put = replay
        .call(
            Service::ApiGateway,
            "PUT",
            &method,
            Some(json!({ "authorizationType": "NONE" })),
        )
        .await;
    assert_eq!(put.status, 201, "{put:?}");
    let put = replay
        .call(
            Service::ApiGateway,
            "PUT",
            &format!("{method}/integration"),
            Some(json!({
                "type": "MOCK",
                "httpMethod": "GET",
                "requestTemplates": { "application/json": "{\"statusCode\": 200}" },
            })),
        )
        .await;
    assert_eq!(put.status, 201, "{put:?}");
    (id, root, method)
}

/// test_apigateway_api.py::TestApigatewayIntegration::test_put_integration_wrong_type and
/// test_put_integration_request_parameter_bool_type: an unknown integration type, and
/// request parameters that are not strings, refused in AWS's words.
#[tokio::test]
async fn integrations_of_no_type_or_with_bad_parameters_are_refused_as_recorded() {
    let mut replay = Replay::start(
        "apigateway-test_apigateway_api.snapshot.json",
        "TestApigatewayIntegration::test_put_integration_wrong_type",
    )
    .await;
    let api = create_rest_api(
        &replay,
        "test-api-type",
        Some("APIGW test PutIntegration Types"),
    )
    .await
    .body;
    let method = method_path(
        api["id"].as_str().unwrap(),
        api["rootResourceId"].as_str().unwrap(),
        "GET",
    );
    let refused = replay
        .call(
            Service::ApiGateway,
            "PUT",
            &format!("{method}/integration"),
            Some(json!({ "type": "HTTPS_PROXY" })),
        )
        .await;
    replay.check("put-integration-wrong-type", &refused);
    replay.stop().await;

    let mut replay = Replay::start(
        "apigateway-test_apigateway_api.snapshot.json",
        "TestApigatewayIntegration::test_put_integration_request_parameter_bool_type",
    )
    .await;
    let api = create_rest_api(
        &replay,
        "test-api-parameters",
        Some("APIGW test PutIntegration RequestParam"),
    )
    .await
    .body;
    let (id, root) = (
        api["id"].as_str().unwrap(),
        api["rootResourceId"].as_str().unwrap(),
    );
    let put = replay
        .call(
            Service::ApiGateway,
            "PUT",
            &method_path(id, root, "GET"),
            Some(json!({
                "authorizationType": "NONE",
                "requestParameters": { "method.request.path.testPath": true },
            })),
        )
        .await;
    replay.check("bool-method", &put);
    let refused = replay
        .call(
            Service::ApiGateway,
            "PUT",
            &method_path(id, root, "POST"),
            Some(json!({
                "authorizationType": "NONE",
                "requestParameters": { "method.request.path.testPath": true, "true": true },
            })),
        )
        .await;
    replay.check("put-method-request-param-wrong-type", &refused);
    let integration = format!("{}/integration", method_path(id, root, "GET"));
    for (key, parameters) in [
        (
            "put-integration-request-param-wrong-type",
            json!({ "true": true }),
        ),
        (
            "put-integration-request-param-bool-value",
            json!({ "integration.request.path.testPath": true }),
        ),
    ] {
        let refused = replay
            .call(
                Service::ApiGateway,
                "PUT",
                &integration,
                Some(json!({ "type": "HTTP_PROXY", "requestParameters": parameters })),
            )
            .await;
        replay.check(key, &refused);
    }
    replay.stop().await;
}

/// test_apigateway_api.py::TestApigatewayIntegration::test_put_integration_response_templates
/// (its third key) and TestApigatewayIntegrationResponse::
/// test_integration_response_invalid_responsetemplates: an integration response without
/// templates, and templates refused. The first two keys (a template of `null` or `""`, which
/// AWS keeps as `null`) are not replayed: the local cloud's maps of strings hold no `null`
/// (docs/parity.md).
#[tokio::test]
async fn integration_response_templates_are_kept_and_refused_as_recorded() {
    let mut replay = Replay::start(
        "apigateway-test_apigateway_api.snapshot.json",
        "TestApigatewayIntegration::test_put_integration_response_templates",
    )
    .await;
    let (_, _, method) =
        api_with_mock(&replay, "testing PutIntegrationResponse method exc", "POST").await;
    let response = format!("{method}/integration/responses/200");
    let put = replay
        .call(
            Service::ApiGateway,
            "PUT",
            &response,
            Some(json!({ "selectionPattern": "" })),
        )
        .await;
    replay.check("put-integration-no-response-template", &put);
    replay.stop().await;

    let mut replay = Replay::start(
        "apigateway-test_apigateway_api.snapshot.json",
        "TestApigatewayIntegrationResponse::test_integration_response_invalid_responsetemplates",
    )
    .await;
    let (_, _, method) = api_with_mock(&replay, "APIGW test wrong api", "GET").await;
    let response = format!("{method}/integration/responses/200");
    for (key, templates) in [
        (
            "put-integration-response-invalid-responseTemplates-1",
            json!({ "application/json": 123 }),
        ),
        (
            "put-integration-response-invalid-responseTemplates-2",
            json!({ "123": "{\"statusCode\": 200}" }),
        ),
    ] {
        let refused = replay
            .call(
                Service::ApiGateway,
                "PUT",
                &response,
                Some(json!({ "selectionPattern": "", "responseTemplates": templates })),
            )
            .await;
        replay.check(key, &refused);
    }
    replay.stop().await;
}

/// test_apigateway_api.py::TestApiGatewayApiMethod::test_method_request_parameters: a
/// method's request parameters kept and read back; one name in two places refused.
#[tokio::test]
async fn method_request_parameters_are_kept_and_refused_as_recorded() {
    let mut replay = Replay::start(
        "apigateway-test_apigateway_api.snapshot.json",
        "TestApiGatewayApiMethod::test_method_request_parameters",
    )
    .await;
    let api = create_rest_api(
        &replay,
        "test-api-parameters",
        Some("testing resource method request params"),
    )
    .await
    .body;
    let (id, root) = (
        api["id"].as_str().unwrap(),
        api["rootResourceId"].as_str().unwrap(),
    );
    let any = method_path(id, root, "ANY");
    let put = replay
        .call(
            Service::ApiGateway,
            "PUT",
            &any,
            Some(json!({
                "authorizationType": "NONE",
                "requestParameters": {
                    "method.request.querystring.q_optional": false,
                    "method.request.querystring.q_required": true,
                    "method.request.header.h_optional": false,
                    "method.request.header.h_required": true,
                },
            })),
        )
        .await;
    replay.check("put-method-request-params-response", &put);
    let read = replay.call(Service::ApiGateway, "GET", &any, None).await;
    replay.check("get-method-request-params-response", &read);
    let refused = replay
        .call(
            Service::ApiGateway,
            "PUT",
            &method_path(id, root, "GET"),
            Some(json!({
                "authorizationType": "NONE",
                "requestParameters": {
                    "method.request.querystring.optional": false,
                    "method.request.header.optional": false,
                },
            })),
        )
        .await;
    replay.check("req-params-same-name", &refused);
    replay.stop().await;
}

/// test_apigateway_common.py::TestApigatewayRouting::test_routing_not_found: a route that
/// exists is served; an unknown path and a method the resource lacks are both API Gateway's
/// 403 MissingAuthenticationTokenException.
#[tokio::test]
async fn unknown_routes_answer_a_missing_token_as_recorded() {
    let mut replay = Replay::start(
        "apigateway-test_apigateway_common.snapshot.json",
        "TestApigatewayRouting::test_routing_not_found",
    )
    .await;
    let api = create_rest_api(&replay, "test-notfound", None).await.body;
    let (id, root) = (
        api["id"].as_str().unwrap(),
        api["rootResourceId"].as_str().unwrap(),
    );
    let resource = replay
        .call(
            Service::ApiGateway,
            "POST",
            &format!("/restapis/{id}/resources/{root}"),
            Some(json!({ "pathPart": "existing" })),
        )
        .await
        .body;
    let method = method_path(id, resource["id"].as_str().unwrap(), "GET");
    for (path, body) in [
        (method.clone(), json!({ "authorizationType": "NONE" })),
        (format!("{method}/responses/200"), json!({})),
        (
            format!("{method}/integration"),
            json!({ "type": "MOCK",
                    "requestTemplates": { "application/json": "{\"statusCode\": 200}" } }),
        ),
        (
            format!("{method}/integration/responses/200"),
            json!({ "selectionPattern": "",
                    "responseTemplates": {
                        "application/json": "{\"statusCode\": 200, \"message\": \"exists\"}" } }),
        ),
    ] {
        let put = replay
            .call(Service::ApiGateway, "PUT", &path, Some(body))
            .await;
        assert_eq!(put.status, 201, "{path}: {put:?}");
    }
    deploy(&replay, id, "dev").await;
    // The execute-api host form the test used, on the local cloud's port.
    let port = replay.cloud.address.port();
    let request = |method: &str, path: &str| {
        replay
            .client
            .request(
                method.parse().unwrap(),
                format!("http://127.0.0.1:{port}/dev{path}"),
            )
            .header("host", format!("{id}.execute-api.localhost:{port}"))
            .send()
    };
    let served = request("GET", "/existing").await.unwrap();
    assert!(served.status().is_success(), "{}", served.status());
    let body: serde_json::Value = serde_json::from_str(&served.text().await.unwrap()).unwrap();
    let recorded = replay.recorded["working-route"].clone();
    replay
        .stand_ins
        .matches(&recorded, &body, "test_routing_not_found working-route");
    for (key, method, path) in [
        ("not-found", "GET", "/random-non-existing"),
        ("wrong-method", "POST", "/existing"),
    ] {
        let refused = request(method, path).await.unwrap();
        assert_eq!(refused.status().as_u16(), 403, "{key}");
        let error_type = refused
            .headers()
            .get("x-amzn-errortype")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let content: serde_json::Value =
            serde_json::from_str(&refused.text().await.unwrap()).unwrap();
        let recorded = replay.recorded[key].clone();
        replay.stand_ins.matches(
            &recorded,
            &json!({ "content": content, "errorType": error_type }),
            &format!("test_routing_not_found {key}"),
        );
    }
    replay.stop().await;
}

/// `PUT` at `path` with `body`, which must answer `status`.
pub(super) async fn put_ok(
    replay: &Replay,
    path: &str,
    body: serde_json::Value,
    status: u16,
) -> Answer {
    let answer = replay
        .call(Service::ApiGateway, "PUT", path, Some(body))
        .await;
    assert_eq!(answer.status, status, "PUT {path}: {answer:?}");
    answer
}

/// test_apigateway_dynamodb.py::test_error_aws_proxy_not_supported: an AWS integration may call
/// DynamoDB's Query action (with the role the fixture makes), an AWS_PROXY one on the same URI
/// may not.
#[tokio::test]
async fn aws_proxy_to_dynamodb_is_refused_as_recorded() {
    let mut replay = Replay::start(
        "apigateway-test_apigateway_dynamodb.snapshot.json",
        "test_error_aws_proxy_not_supported",
    )
    .await;
    let uri = "arn:aws:apigateway:us-east-1:dynamodb:action/Query";
    let api = replay
        .call(
            Service::ApiGateway,
            "POST",
            "/restapis",
            Some(json!({ "name": "test-apigw-1a2b3c", "endpointConfiguration": { "types": ["REGIONAL"] } })),
        )
        .await
        .body;
    let (id, root) = (
        api["id"].as_str().unwrap(),
        api["rootResourceId"].as_str().unwrap(),
    );
    let resource = replay
        .call(
            Service::ApiGateway,
            "POST",
            &format!("/restapis/{id}/resources/{root}"),
            Some(json!({ "pathPart": "test" })),
        )
        .await;
    assert_eq!(resource.status, 201, "{resource:?}");
    let method = method_path(id, resource.body["id"].as_str().unwrap(), "POST");
    put_ok(
        &replay,
        &method,
        json!({ "authorizationType": "NONE", "apiKeyRequired": false, "requestParameters": {} }),
        201,
    )
    .await;
    let integration = format!("{method}/integration");
    put_ok(
        &replay,
        &integration,
        json!({
            "type": "AWS",
            "httpMethod": "POST",
            "uri": uri,
            "credentials": "arn:aws:iam::000000000000:role/role-apigw-1a2b3c",
            "requestTemplates": {},
            "requestParameters": {},
        }),
        201,
    )
    .await;
    let proxy = replay
        .call(
            Service::ApiGateway,
            "PUT",
            &integration,
            Some(json!({ "type": "AWS_PROXY", "httpMethod": "POST", "uri": uri })),
        )
        .await;
    replay.check("create-integration-error", &proxy);
    replay.stop().await;
}

/// test_apigateway_integrations.py::test_integration_mock_with_path_param: a MOCK integration
/// keeps request parameters and a request template that is not JSON (`{statusCode: 200}`, as
/// the CDK writes), and its stage answers 200 with no body.
#[tokio::test]
async fn a_mock_with_a_path_parameter_answers_as_recorded() {
    let mut replay = Replay::start(
        "apigateway-test_apigateway_integrations.snapshot.json",
        "test_integration_mock_with_path_param",
    )
    .await;
    let api = create_rest_api(&replay, "test-api-4d5e6f", Some("this is my api"))
        .await
        .body;
    let (id, root) = (
        api["id"].as_str().unwrap().to_string(),
        api["rootResourceId"].as_str().unwrap(),
    );
    let resource = replay
        .call(
            Service::ApiGateway,
            "POST",
            &format!("/restapis/{id}/resources/{root}"),
            Some(json!({ "pathPart": "{testPath}" })),
        )
        .await;
    assert_eq!(resource.status, 201, "{resource:?}");
    let method = method_path(&id, resource.body["id"].as_str().unwrap(), "GET");
    put_ok(
        &replay,
        &method,
        json!({ "authorizationType": "none", "requestParameters": { "method.request.path.testPath": true } }),
        201,
    )
    .await;
    put_ok(&replay, &format!("{method}/responses/200"), json!({}), 201).await;
    let integration = put_ok(
        &replay,
        &format!("{method}/integration"),
        json!({
            "httpMethod": "POST",
            "type": "MOCK",
            "requestParameters": {
                "integration.request.path.integrationPath": "method.request.path.testPath",
            },
            "requestTemplates": { "application/json": "{statusCode: 200}" },
        }),
        201,
    )
    .await;
    replay.check("integration", &integration);
    put_ok(
        &replay,
        &format!("{method}/integration/responses/200"),
        json!({ "selectionPattern": "2\\d{2}", "responseTemplates": {} }),
        201,
    )
    .await;
    deploy(&replay, &id, "dev").await;
    let port = replay.cloud.address.port();
    let answer = replay
        .client
        .get(format!("http://127.0.0.1:{port}/dev/test-path"))
        .header("host", format!("{id}.execute-api.localhost:{port}"))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status().as_u16(), 200);
    assert_eq!(answer.text().await.unwrap(), "");
    replay.stop().await;
}

/// UpdateRestApi: PATCH `/restapis/{id}` with `operations`.
async fn update_rest_api(replay: &Replay, id: &str, operations: serde_json::Value) -> Answer {
    replay
        .call(
            Service::ApiGateway,
            "PATCH",
            &format!("/restapis/{id}"),
            Some(json!({ "patchOperations": operations })),
        )
        .await
}

/// Each of a recorded test's UpdateRestApi calls, by key, on one API made with `description`.
async fn rest_api_updates_as_recorded(
    test: &str,
    description: Option<&str>,
    steps: &[(&str, serde_json::Value)],
) {
    let mut replay = Replay::start("apigateway-test_apigateway_api.snapshot.json", test).await;
    let api = create_rest_api(&replay, "test-api-update", description)
        .await
        .body;
    let id = api["id"].as_str().unwrap();
    for (key, operations) in steps {
        let answer = update_rest_api(&replay, id, operations.clone()).await;
        replay.check(key, &answer);
        if answer.status == 200 {
            // GetRestApi reads the API back after every accepted update.
            let read = replay
                .call(Service::ApiGateway, "GET", &format!("/restapis/{id}"), None)
                .await;
            assert_eq!(read.status, 200, "{read:?}");
        }
    }
    replay.stop().await;
}

/// test_apigateway_api.py::TestApiGatewayApiRestApi::test_update_rest_api_operation_add_remove:
/// `binaryMediaTypes` patched as a map keyed by the type; a replaced type goes last.
#[tokio::test]
async fn binary_media_types_are_patched_as_recorded() {
    rest_api_updates_as_recorded(
        "TestApiGatewayApiRestApi::test_update_rest_api_operation_add_remove",
        Some("this is my api"),
        &[
            (
                "update-rest-api-add",
                json!([
                    { "op": "add", "path": "/binaryMediaTypes/image~1png" },
                    { "op": "add", "path": "/binaryMediaTypes/image~1jpeg" },
                ]),
            ),
            (
                "update-rest-api-replace",
                json!([{ "op": "replace", "path": "/binaryMediaTypes/image~1png", "value": "image/gif" }]),
            ),
            (
                "update-rest-api-remove",
                json!([
                    { "op": "remove", "path": "/binaryMediaTypes/image~1gif" },
                    { "op": "remove", "path": "/description" },
                ]),
            ),
        ],
    )
    .await;
}

/// test_apigateway_api.py::TestApiGatewayApiRestApi::test_update_rest_api_compression: 0 to
/// 10 MB, an empty value turns compression off, replace only.
#[tokio::test]
async fn compression_is_patched_as_recorded() {
    let replace = |value: &str| json!([{ "op": "replace", "path": "/minimumCompressionSize", "value": value }]);
    rest_api_updates_as_recorded(
        "TestApiGatewayApiRestApi::test_update_rest_api_compression",
        Some("this is my api"),
        &[
            ("enable-compression", replace("10")),
            ("disable-compression", replace("")),
            ("set-compression-zero", replace("0")),
            ("set-negative-compression", replace("-1")),
            ("set-string-compression", replace("test")),
            (
                "unsupported-operation",
                json!([{ "op": "add", "path": "/minimumCompressionSize", "value": "10" }]),
            ),
        ],
    )
    .await;
}

/// test_apigateway_api.py::TestApiGatewayApiRestApi::test_update_rest_api_behaviour: the
/// type is read from the path (`/binaryMediaTypes/-` adds `-`), and the list itself is no path.
#[tokio::test]
async fn binary_media_types_paths_are_read_as_recorded() {
    rest_api_updates_as_recorded(
        "TestApiGatewayApiRestApi::test_update_rest_api_behaviour",
        Some("this is my api"),
        &[
            (
                "update-rest-api-array",
                json!([{ "op": "add", "path": "/binaryMediaTypes/-", "value": "image/png" }]),
            ),
            (
                "update-rest-api-add-base-path",
                json!([{ "op": "add", "path": "/binaryMediaTypes", "value": "image/gif" }]),
            ),
            (
                "update-rest-api-replace-base-path",
                json!([{ "op": "replace", "path": "/binaryMediaTypes", "value": "image/gif" }]),
            ),
            (
                "update-rest-api-remove-base-path",
                json!([{ "op": "remove", "path": "/binaryMediaTypes" }]),
            ),
        ],
    )
    .await;
}

/// test_apigateway_api.py::TestApiGatewayApiRestApi::test_update_rest_api_ip_address_type: a
/// private API is dual-stack only; an endpoint type and an IP address type are replaced only.
#[tokio::test]
async fn endpoint_configuration_is_patched_as_recorded() {
    let types = "/endpointConfiguration/types/0";
    let ip = "/endpointConfiguration/ipAddressType";
    rest_api_updates_as_recorded(
        "TestApiGatewayApiRestApi::test_update_rest_api_ip_address_type",
        None,
        &[
            (
                "update-rest-api-replace-type",
                json!([
                    { "op": "replace", "path": types, "value": "EDGE" },
                    { "op": "replace", "path": types, "value": "REGIONAL" },
                    { "op": "replace", "path": types, "value": "PRIVATE" },
                ]),
            ),
            (
                "update-rest-api-replace-to-ipv4-within-private-type",
                json!([{ "op": "replace", "path": ip, "value": "ipv4" }]),
            ),
            (
                "update-rest-api-wrong-ipAddressType",
                json!([{ "op": "replace", "path": ip, "value": "wrong" }]),
            ),
            (
                "update-rest-api-wrong-type",
                json!([{ "op": "replace", "path": types, "value": "wrong" }]),
            ),
            (
                "update-rest-api-invalid-operation-on-ipAddressType",
                json!([{ "op": "remove", "path": ip, "value": "dualstack" }]),
            ),
            (
                "update-rest-api-invalid-operation-on-type",
                json!([{ "op": "remove", "path": types, "value": "EDGE" }]),
            ),
            (
                "update-rest-api-replace-ip-address-type",
                json!([{ "op": "replace", "path": ip, "value": "dualstack" }]),
            ),
        ],
    )
    .await;
}

/// test_apigateway_api.py::TestApiGatewayApiRestApi::test_update_rest_api_concatenation_of_errors:
/// every op outside the model's enum named, in one ValidationException.
#[tokio::test]
async fn unknown_patch_ops_are_all_named_as_recorded() {
    let ip = json!({ "op": "wrong", "path": "/endpointConfiguration/ipAddressType", "value": "dualstack" });
    let types = json!({ "op": "wrong", "path": "/endpointConfiguration/types/0", "value": "EDGE" });
    let media = json!({ "op": "wrong", "path": "/binaryMediaTypes", "value": "image/gif" });
    rest_api_updates_as_recorded(
        "TestApiGatewayApiRestApi::test_update_rest_api_concatenation_of_errors",
        None,
        &[
            (
                "update-rest-api-wrong-operations-on-ipAddressType",
                json!([ip, ip]),
            ),
            (
                "update-rest-api-wrong-operations-on-type",
                json!([types, types]),
            ),
            (
                "update-rest-api-wrong-operations-on-type-and-on-ip-address-type",
                json!([ip, types, media]),
            ),
        ],
    )
    .await;
}

/// test_apigateway_api.py::TestApiGatewayApiRestApi::test_update_rest_api_invalid_api_id.
#[tokio::test]
async fn updating_a_missing_rest_api_is_refused_as_recorded() {
    let mut replay = Replay::start(
        "apigateway-test_apigateway_api.snapshot.json",
        "TestApiGatewayApiRestApi::test_update_rest_api_invalid_api_id",
    )
    .await;
    let answer = update_rest_api(
        &replay,
        "api_id",
        json!([{ "op": "replace", "path": "/apiKeySource", "value": "AUTHORIZER" }]),
    )
    .await;
    replay.check("not-found-update-rest-api", &answer);
    replay.stop().await;
}

/// An API with `GET /` integrated with a MOCK and a 200 method response (`response`), as
/// TestApigatewayMethodResponse's tests make it; its method's path.
async fn api_with_method_response(replay: &Replay, response: serde_json::Value) -> String {
    let api = create_rest_api(replay, "test-api-method-response", None)
        .await
        .body;
    let method = method_path(
        api["id"].as_str().unwrap(),
        api["rootResourceId"].as_str().unwrap(),
        "GET",
    );
    put_ok(replay, &method, json!({ "authorizationType": "NONE" }), 201).await;
    put_ok(
        replay,
        &format!("{method}/integration"),
        json!({ "type": "MOCK", "requestTemplates": { "application/json": "{\"statusCode\": 200}" } }),
        201,
    )
    .await;
    put_ok(replay, &format!("{method}/responses/200"), response, 201).await;
    method
}

/// UpdateMethodResponse: PATCH a method's response `status` with `operations`.
async fn update_method_response(
    replay: &Replay,
    method: &str,
    status: &str,
    operations: serde_json::Value,
) -> Answer {
    replay
        .call(
            Service::ApiGateway,
            "PATCH",
            &format!("{method}/responses/{status}"),
            Some(json!({ "patchOperations": operations })),
        )
        .await
}

/// The method response TestApigatewayMethodResponse's tests put: a header, and a model.
fn header_and_model() -> serde_json::Value {
    json!({
        "responseParameters": { "method.response.header.my-header": false },
        "responseModels": { "application/json": "Empty" },
    })
}

/// A recorded test's UpdateMethodResponse calls on 200, by key, on a method response put as
/// `response`.
async fn method_response_updates_as_recorded(
    test: &str,
    response: serde_json::Value,
    steps: &[(&str, serde_json::Value)],
) {
    let mut replay = Replay::start("apigateway-test_apigateway_api.snapshot.json", test).await;
    let method = api_with_method_response(&replay, response).await;
    for (key, operations) in steps {
        let answer = update_method_response(&replay, &method, "200", operations.clone()).await;
        replay.check(key, &answer);
    }
    replay.stop().await;
}

/// test_apigateway_api.py::TestApigatewayMethodResponse::test_lifecycle_method_response:
/// empty maps answered as put; a header and a model added, then replaced; the method lists
/// them; the response deleted.
#[tokio::test]
async fn a_method_responses_lifecycle_answers_as_recorded() {
    let mut replay = Replay::start(
        "apigateway-test_apigateway_api.snapshot.json",
        "TestApigatewayMethodResponse::test_lifecycle_method_response",
    )
    .await;
    let api = create_rest_api(&replay, "test-api-method-response", None)
        .await
        .body;
    let method = method_path(
        api["id"].as_str().unwrap(),
        api["rootResourceId"].as_str().unwrap(),
        "GET",
    );
    put_ok(
        &replay,
        &method,
        json!({ "authorizationType": "NONE" }),
        201,
    )
    .await;
    put_ok(
        &replay,
        &format!("{method}/integration"),
        json!({ "type": "MOCK", "requestTemplates": { "application/json": "{\"statusCode\": 200}" } }),
        201,
    )
    .await;
    let response = format!("{method}/responses/200");
    let put = replay
        .call(
            Service::ApiGateway,
            "PUT",
            &response,
            Some(json!({ "responseParameters": {}, "responseModels": {} })),
        )
        .await;
    replay.check("put-method-response", &put);
    let get = replay
        .call(Service::ApiGateway, "GET", &response, None)
        .await;
    replay.check("get-integration-response", &get);
    for (key, op) in [
        ("add-method-responses", "add"),
        ("update-method-responses", "replace"),
    ] {
        let answer = update_method_response(
            &replay,
            &method,
            "200",
            json!([
                { "op": op, "path": "/responseParameters/method.response.header.my-header", "value": "true" },
                { "op": op, "path": "/responseModels/application~1json", "value": "Empty" },
            ]),
        )
        .await;
        replay.check(key, &answer);
    }
    let mut read = replay.call(Service::ApiGateway, "GET", &method, None).await;
    parse_request_templates(&mut read);
    replay.check("get-method", &read);
    let deleted = replay
        .call(Service::ApiGateway, "DELETE", &response, None)
        .await;
    replay.check("delete-method-response", &deleted);
    replay.stop().await;
}

/// A method's integration's request templates parsed where they hold JSON, as LocalStack's
/// snapshot library records a string that holds a JSON document.
fn parse_request_templates(answer: &mut Answer) {
    let templates = &mut answer.body["methodIntegration"]["requestTemplates"];
    if let Some(templates) = templates.as_object_mut() {
        for template in templates.values_mut() {
            let parsed = template
                .as_str()
                .and_then(|text| serde_json::from_str::<serde_json::Value>(text).ok());
            if let Some(parsed @ serde_json::Value::Object(_)) = parsed {
                *template = parsed;
            }
        }
    }
}

/// test_apigateway_api.py::TestApigatewayMethodResponse::test_update_method_response: both
/// maps emptied are left out; added back.
#[tokio::test]
async fn a_method_response_is_patched_as_recorded() {
    let remove = json!([
        { "op": "remove", "path": "/responseParameters/method.response.header.my-header", "value": "true" },
        { "op": "remove", "path": "/responseModels/application~1json", "value": "Empty" },
    ]);
    let add = json!([
        { "op": "add", "path": "/responseParameters/method.response.header.my-header", "value": "true" },
        { "op": "add", "path": "/responseModels/application~1json", "value": "Empty" },
    ]);
    method_response_updates_as_recorded(
        "TestApigatewayMethodResponse::test_update_method_response",
        header_and_model(),
        &[
            ("remove-update-method-response", remove),
            ("add-update-method-response", add),
        ],
    )
    .await;
}

/// test_apigateway_api.py::TestApigatewayMethodResponse::
/// test_update_method_response_wrong_operations: every op outside the model's enum named.
#[tokio::test]
async fn a_method_responses_unknown_ops_are_named_as_recorded() {
    let header = json!({ "op": "wrong_op", "path": "/responseParameters/method.response.header.my-header", "value": "true" });
    let model =
        json!({ "op": "wrong_op", "path": "/responseModels/application~1json", "value": "Empty" });
    let removal =
        json!({ "op": "remove", "path": "/responseModels/application~1json", "value": "Empty" });
    method_response_updates_as_recorded(
        "TestApigatewayMethodResponse::test_update_method_response_wrong_operations",
        header_and_model(),
        &[
            ("update-method-response-wrong-operation-1", json!([header])),
            ("update-method-response-wrong-operation-2", json!([model])),
            (
                "update-method-response-wrong-operation-3",
                json!([header, model]),
            ),
            (
                "update-method-response-wrong-operation-4",
                json!([header, model, header, model]),
            ),
            (
                "update-method-response-wrong-operation-5",
                json!([header, removal, model]),
            ),
        ],
    )
    .await;
}

/// test_apigateway_api.py::TestApigatewayMethodResponse::
/// test_update_method_response_negative_tests: a status not declared, one outside the model's
/// pattern (with an unknown op: both named, the op first), a missing resource and method.
#[tokio::test]
async fn a_missing_method_response_is_named_as_recorded() {
    let mut replay = Replay::start(
        "apigateway-test_apigateway_api.snapshot.json",
        "TestApigatewayMethodResponse::test_update_method_response_negative_tests",
    )
    .await;
    let method = api_with_method_response(&replay, header_and_model()).await;
    let replace = json!([{ "op": "replace", "path": "/responseParameters/method.response.header.my-header", "value": "true" }]);
    let wrong_op = json!([{ "op": "wrong_op", "path": "/responseParameters/method.response.header.my-header", "value": "true" }]);
    let (resource_missing, post) = {
        let parts: Vec<&str> = method.split('/').collect();
        (
            method_path(parts[2], "wrong", "GET"),
            method_path(parts[2], parts[4], "POST"),
        )
    };
    for (key, path, status, operations) in [
        (
            "update-method-response-wrong-statuscode",
            &method,
            "201",
            &replace,
        ),
        (
            "update-method-response-invalid-statuscode",
            &method,
            "wrong",
            &replace,
        ),
        (
            "update-method-response-invalid-statuscode-and-wrong-op",
            &method,
            "wrong",
            &wrong_op,
        ),
        (
            "update-method-response-wrong-resource",
            &resource_missing,
            "200",
            &replace,
        ),
        (
            "update-method-response-wrong-method",
            &post,
            "200",
            &replace,
        ),
    ] {
        let answer = update_method_response(&replay, path, status, operations.clone()).await;
        replay.check(key, &answer);
    }
    replay.stop().await;
}

/// test_apigateway_api.py::TestApigatewayMethodResponse::
/// test_update_method_lack_response_parameters_and_models: removing what the response does
/// not have, and a path that is none.
#[tokio::test]
async fn removing_what_a_method_response_lacks_is_refused_as_recorded() {
    method_response_updates_as_recorded(
        "TestApigatewayMethodResponse::test_update_method_lack_response_parameters_and_models",
        json!({}),
        &[
            (
                "update-method-response-operation-without-response-parameters",
                json!([{ "op": "remove", "path": "/responseParameters/method.response.header.my-header", "value": "true" }]),
            ),
            (
                "update-method-response-operation-without-response-models",
                json!([{ "op": "remove", "path": "/responseModels/application~1json", "value": "Empty" }]),
            ),
            (
                "update-method-response-operation-with-wrong-path",
                json!([{ "op": "remove", "path": "/wrong/method.response.header.my-header", "value": "true" }]),
            ),
        ],
    )
    .await;
}

/// test_apigateway_api.py::TestApigatewayMethodResponse::test_update_method_wrong_param_names:
/// replacing or removing a header or a content type the response does not name.
#[tokio::test]
async fn a_method_responses_unknown_names_are_refused_as_recorded() {
    let patch =
        |op: &str, path: &str, value: &str| json!([{ "op": op, "path": path, "value": value }]);
    method_response_updates_as_recorded(
        "TestApigatewayMethodResponse::test_update_method_wrong_param_names",
        header_and_model(),
        &[
            (
                "update-method-response-operation-with-wrong-param-name-1",
                patch("replace", "/responseParameters/wrong", "true"),
            ),
            (
                "update-method-response-operation-with-wrong-param-name-2",
                patch("remove", "/responseParameters/wrong", "true"),
            ),
            (
                "update-method-response-operation-with-wrong-param-name-3",
                patch("replace", "/responseModels/wrong", "Empty"),
            ),
            (
                "update-method-response-operation-with-wrong-param-name-4",
                patch("remove", "/responseModels/wrong", "Empty"),
            ),
        ],
    )
    .await;
}

/// test_apigateway_api.py::TestApigatewayIntegrationResponse::
/// test_lifecycle_integration_response: put, read, its selection pattern replaced, put over,
/// listed by the method, deleted.
#[tokio::test]
async fn an_integration_responses_lifecycle_answers_as_recorded() {
    let mut replay = Replay::start(
        "apigateway-test_apigateway_api.snapshot.json",
        "TestApigatewayIntegrationResponse::test_lifecycle_integration_response",
    )
    .await;
    let api = create_rest_api(&replay, "test-api-integration-response", None)
        .await
        .body;
    let method = method_path(
        api["id"].as_str().unwrap(),
        api["rootResourceId"].as_str().unwrap(),
        "GET",
    );
    put_ok(
        &replay,
        &method,
        json!({ "authorizationType": "NONE" }),
        201,
    )
    .await;
    put_ok(
        &replay,
        &format!("{method}/integration"),
        json!({ "type": "MOCK", "requestTemplates": { "application/json": "{\"statusCode\": 200}" } }),
        201,
    )
    .await;
    let response = format!("{method}/integration/responses/200");
    let put = replay
        .call(
            Service::ApiGateway,
            "PUT",
            &response,
            Some(json!({ "responseTemplates": { "application/json": "\"created\"" }, "selectionPattern": "" })),
        )
        .await;
    replay.check("put-integration-response", &put);
    let get = replay
        .call(Service::ApiGateway, "GET", &response, None)
        .await;
    replay.check("get-integration-response", &get);
    let updated = replay
        .call(
            Service::ApiGateway,
            "PATCH",
            &response,
            Some(json!({ "patchOperations": [
                { "op": "replace", "path": "/selectionPattern", "value": "updated-pattern" },
            ]})),
        )
        .await;
    replay.check("update-integration-response", &updated);
    let overwritten = replay
        .call(
            Service::ApiGateway,
            "PUT",
            &response,
            Some(json!({ "responseTemplates": { "application/json": "overwrite" }, "selectionPattern": "overwrite-pattern" })),
        )
        .await;
    replay.check("overwrite-integration-response", &overwritten);
    let mut read = replay.call(Service::ApiGateway, "GET", &method, None).await;
    parse_request_templates(&mut read);
    replay.check("get-method", &read);
    let deleted = replay
        .call(Service::ApiGateway, "DELETE", &response, None)
        .await;
    replay.check("delete-integration-response", &deleted);
    replay.stop().await;
}

/// How a recorded test addressed a stage: `{api}.execute-api.localhost/{stage}/…` by the Host
/// header, or the path-based `/restapis/{api}/{stage}/_user_request_/…`.
#[derive(Clone, Copy)]
pub(super) enum StageUrl {
    HostBased,
    PathBased,
}

/// Calls a stage URL (`path` starts with `/`) with `method` and `Content-Type:
/// application/json`, as the recorded tests' `requests` did; the answer as the replay reads it.
pub(super) async fn invoke_stage(
    replay: &Replay,
    url: StageUrl,
    (api, stage, path): (&str, &str, &str),
    method: &str,
) -> Answer {
    let port = replay.cloud.address.port();
    let request = match url {
        StageUrl::HostBased => replay
            .client
            .request(
                method.parse().unwrap(),
                format!("http://127.0.0.1:{port}/{stage}{path}"),
            )
            .header("host", format!("{api}.execute-api.localhost:{port}")),
        StageUrl::PathBased => replay.client.request(
            method.parse().unwrap(),
            format!("http://127.0.0.1:{port}/restapis/{api}/{stage}/_user_request_{path}"),
        ),
    };
    let answer = request
        .header("content-type", "application/json")
        .send()
        .await
        .unwrap();
    let status = answer.status().as_u16();
    let text = answer.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    Answer {
        status,
        code: None,
        body,
    }
}

/// CreateDeployment of `api` to a new stage `stage`, which must succeed.
pub(super) async fn deploy(replay: &Replay, api: &str, stage: &str) -> Answer {
    let deployed = replay
        .call(
            Service::ApiGateway,
            "POST",
            &format!("/restapis/{api}/deployments"),
            Some(json!({ "stageName": stage })),
        )
        .await;
    assert_eq!(deployed.status, 201, "{deployed:?}");
    deployed
}

/// test_apigateway_basic.py::TestIntegrations::test_mock_integration_response, all twelve
/// variants (passthrough behaviour × host- or path-based URL × GET or POST): a MOCK
/// integration's response template reads the path parameter as `$input.params().path.id`.
#[tokio::test]
async fn a_mock_response_template_reads_all_params_as_recorded() {
    for passthrough in ["WHEN_NO_MATCH", "NEVER", "WHEN_NO_TEMPLATES"] {
        for (url, url_name) in [
            (StageUrl::PathBased, "PATH_BASED"),
            (StageUrl::HostBased, "HOST_BASED"),
        ] {
            for verb in ["GET", "POST"] {
                let test = format!(
                    "TestIntegrations::test_mock_integration_response[{passthrough}-UrlType.{url_name}-{verb}]"
                );
                mock_integration_response_as_recorded(&test, passthrough, url, verb).await;
            }
        }
    }
}

/// One variant of test_mock_integration_response.
async fn mock_integration_response_as_recorded(
    test: &str,
    passthrough: &str,
    url: StageUrl,
    verb: &str,
) {
    let mut replay = Replay::start("apigateway-test_apigateway_basic.snapshot.json", test).await;
    let api = create_rest_api(&replay, "mock-api", None).await.body;
    let (id, root) = (
        api["id"].as_str().unwrap().to_string(),
        api["rootResourceId"].as_str().unwrap(),
    );
    let resource = put_ok_post(
        &replay,
        &format!("/restapis/{id}/resources/{root}"),
        json!({ "pathPart": "{id}" }),
    )
    .await;
    let method = method_path(&id, resource.body["id"].as_str().unwrap(), verb);
    put_ok(
        &replay,
        &method,
        json!({ "authorizationType": "NONE" }),
        201,
    )
    .await;
    put_ok(
        &replay,
        &format!("{method}/integration"),
        json!({
            "type": "MOCK",
            "integrationHttpMethod": verb,
            "passthroughBehavior": passthrough,
            "requestTemplates": { "application/json": "{\"statusCode\":200}" },
        }),
        201,
    )
    .await;
    put_ok(
        &replay,
        &format!("{method}/responses/200"),
        json!({ "responseModels": { "application/json": "Empty" } }),
        201,
    )
    .await;
    put_ok(
        &replay,
        &format!("{method}/integration/responses/200"),
        json!({ "responseTemplates": {
            "application/json": "{\"statusCode\": 200, \"id\": $input.params().path.id}"
        } }),
        201,
    )
    .await;
    deploy(&replay, &id, "test").await;
    let answer = invoke_stage(&replay, url, (&id, "test", "/42"), verb).await;
    replay.check("mock-response", &answer);
    replay.stop().await;
}

/// `POST` at `path` with `body`, which must answer 201.
async fn put_ok_post(replay: &Replay, path: &str, body: serde_json::Value) -> Answer {
    let answer = replay
        .call(Service::ApiGateway, "POST", path, Some(body))
        .await;
    assert_eq!(answer.status, 201, "{path}: {answer:?}");
    answer
}

/// An API whose `GET` on `resource` (a new `{testPath}` resource when `path_param`, else the
/// root) is a MOCK integration with `request_template` and, for 200 (`2\d{2}`),
/// `response_template` (none: an empty map of templates given), deployed to `dev`, as
/// test_apigateway_integrations.py's MOCK tests make it; the API's id.
async fn deployed_mock(
    replay: &Replay,
    path_param: bool,
    request_template: &str,
    response_template: Option<&str>,
) -> String {
    let api = create_rest_api(replay, "test-api-4d5e6f", Some("this is my api"))
        .await
        .body;
    let id = api["id"].as_str().unwrap().to_string();
    let mut resource = api["rootResourceId"].as_str().unwrap().to_string();
    let mut method_request = json!({ "authorizationType": "NONE" });
    if path_param {
        let made = put_ok_post(
            replay,
            &format!("/restapis/{id}/resources/{resource}"),
            json!({ "pathPart": "{testPath}" }),
        )
        .await;
        resource = made.body["id"].as_str().unwrap().to_string();
        method_request["requestParameters"] = json!({ "method.request.path.testPath": true });
    }
    let method = method_path(&id, &resource, "GET");
    put_ok(replay, &method, method_request, 201).await;
    put_ok(replay, &format!("{method}/responses/200"), json!({}), 201).await;
    put_ok(
        replay,
        &format!("{method}/integration"),
        json!({
            "integrationHttpMethod": "POST",
            "type": "MOCK",
            "requestParameters": {},
            "requestTemplates": { "application/json": request_template },
        }),
        201,
    )
    .await;
    put_ok(
        replay,
        &format!("{method}/integration/responses/200"),
        json!({
            "selectionPattern": "2\\d{2}",
            "responseTemplates": response_template.map_or(json!({}), |t| json!({ "application/json": t })),
        }),
        201,
    )
    .await;
    deploy(replay, &id, "dev").await;
    id
}

/// test_apigateway_integrations.py::test_integration_mock_with_vtl_map_assignation: a request
/// template sets `$context.requestOverride.querystring` entries by index, by `put` and through
/// `$context["requestOverride"]`; the response template reads them back.
#[tokio::test]
async fn vtl_map_assignments_reach_the_response_as_recorded() {
    let mut replay = Replay::start(
        "apigateway-test_apigateway_integrations.snapshot.json",
        "test_integration_mock_with_vtl_map_assignation",
    )
    .await;
    let request_template = r#"
#set($paramName = "foo")
#set($context.requestOverride.querystring[$paramName] = "bar")
#set($paramPutName = "putfoo")
$context.requestOverride.querystring.put($paramPutName, "putBar")
#set($context["requestOverride"].querystring["nestedfoo"] = "nestedFoo")
{
  "statusCode": 200
}
"#;
    let response_template = r#"
#set($value = $context.requestOverride.querystring["foo"])
#set($value2 = $context.requestOverride.querystring["putfoo"])
#set($value3 = $context.requestOverride.querystring["nestedfoo"])
{
    "value": "$value",
    "value2": "$value2",
    "value3": "$value3"
}
"#;
    let id = deployed_mock(&replay, false, request_template, Some(response_template)).await;
    let answer = invoke_stage(&replay, StageUrl::PathBased, (&id, "dev", "/"), "GET").await;
    let status = answer.status;
    let wrapped = Answer {
        status,
        code: None,
        body: json!({ "body": answer.body, "status_code": status }),
    };
    replay.check("response", &wrapped);
    replay.stop().await;
}

/// test_apigateway_integrations.py::test_integration_mock_with_request_overrides_in_response_template:
/// the request template decodes the path parameter (`$util.base64Decode`) into
/// `$context.requestOverride.path.body`; the response template parses it (`$util.parseJson`)
/// and branches on it.
#[tokio::test]
async fn request_overrides_reach_the_response_template_as_recorded() {
    use base64::Engine as _;
    let mut replay = Replay::start(
        "apigateway-test_apigateway_integrations.snapshot.json",
        "test_integration_mock_with_request_overrides_in_response_template",
    )
    .await;
    let request_template = "#set($body = $util.base64Decode($input.params('testPath')))\n#set($context.requestOverride.path.body = $body)\n{\n  \"statusCode\": 200\n}\n";
    let response_template = r#"
#set($body = $util.parseJson($context.requestOverride.path.body))
#set($inputBody = $body.message)
#if($inputBody == "path1")
{
   "response": "path was path one"
}
#elseif($inputBody == "path2")
{
   "response": "path was path two"
}
#else
{
  "response": "this is the else clause"
}
#end
"#;
    let id = deployed_mock(&replay, true, request_template, Some(response_template)).await;
    for (message, key) in [
        ("path1", "invoke-path1"),
        ("path2", "invoke-path2"),
        ("whatever", "invoke-path-else"),
    ] {
        let data = base64::engine::general_purpose::STANDARD
            .encode(json!({ "message": message }).to_string().replace(':', ": "));
        let answer = invoke_stage(
            &replay,
            StageUrl::PathBased,
            (&id, "dev", &format!("/{data}")),
            "GET",
        )
        .await;
        replay.check(key, &answer);
    }
    replay.stop().await;
}

/// test_apigateway_integrations.py::test_integration_mock_with_response_override_in_request_template[False]:
/// a MOCK integration's request template overrides the status (444) and a header, and its
/// 200 integration response is given an empty map of templates: the answer has the
/// overrides and no body at all (recorded as python's `b''`).
#[tokio::test]
async fn request_template_overrides_reach_an_answer_without_template_as_recorded() {
    let mut replay = Replay::start(
        "apigateway-test_apigateway_integrations.snapshot.json",
        "test_integration_mock_with_response_override_in_request_template[False]",
    )
    .await;
    let request_template = "\n#set($context.responseOverride.status = 444)\n#set($context.responseOverride.header.foo = \"bar\")\n#set($context.responseOverride.custom = \"is also passed around\")\n{\n  \"statusCode\": 200\n}\n";
    let id = deployed_mock(&replay, false, request_template, None).await;
    let port = replay.cloud.address.port();
    let answer = replay
        .client
        .get(format!(
            "http://127.0.0.1:{port}/restapis/{id}/dev/_user_request_/"
        ))
        .send()
        .await
        .unwrap();
    let status = answer.status().as_u16();
    assert_eq!(status, 444);
    assert_eq!(answer.headers()["foo"], "bar");
    let body = answer.bytes().await.unwrap();
    assert!(body.is_ascii(), "{body:?}");
    let wrapped = Answer {
        status: 200,
        code: None,
        body: json!({ "body": format!("b'{}'", String::from_utf8_lossy(&body)), "status_code": status }),
    };
    replay.check("response", &wrapped);
    replay.stop().await;
}
