//! API Gateway's request validation on the stage URL, from LocalStack's
//! `test_apigateway_common.py` (TestApiGatewayCommon's test_api_gateway_request_validator*):
//! a method's validator holds the request to the parameters its method request marks required
//! and its body to the method's model, answering AWS's 400s through the gateway responses.
//! The handler is LocalStack's `lambda_aws_proxy.py` (Apache-2.0), verbatim.

use serde_json::{json, Value};

use super::apigateway_lambda::function;
use super::{Answer, Replay, Service};

const FILE: &str = "apigateway-test_apigateway_common.snapshot.json";

/// LocalStack's `lambda_aws_proxy.py`.
const AWS_PROXY: &str = "import json\n\n\ndef handler(event, context):\n    # Just print the event that was passed to the Lambda\n    print(json.dumps(event))\n    return {\n        \"statusCode\": 200,\n        \"body\": json.dumps(event),\n        \"isBase64Encoded\": False,\n    }\n";

async fn call(replay: &Replay, method: &str, path: &str, body: Option<Value>) -> Answer {
    replay.call(Service::ApiGateway, method, path, body).await
}

fn id(answer: &Answer) -> String {
    answer.body["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no id: {answer:?}"))
        .to_string()
}

/// A request to the stage URL (host-based), as `requests` sends it: `json` a JSON body.
pub(super) struct StageCall<'a> {
    pub method: &'a str,
    pub query: &'a str,
    pub headers: &'a [(&'a str, &'a str)],
    pub json: Option<Value>,
}

impl StageCall<'_> {
    pub async fn send(&self, replay: &Replay, api: &str, path: &str) -> (u16, Value) {
        let port = replay.cloud.address.port();
        let query = if self.query.is_empty() {
            String::new()
        } else {
            format!("?{}", self.query)
        };
        let mut request = replay
            .client
            .request(
                self.method.parse().unwrap(),
                format!("http://127.0.0.1:{port}/local{path}{query}"),
            )
            .header("host", format!("{api}.execute-api.localhost:{port}"));
        for (name, value) in self.headers {
            request = request.header(*name, *value);
        }
        if let Some(body) = &self.json {
            request = request
                .header("content-type", "application/json")
                .body(body.to_string());
        }
        let answer = request.send().await.unwrap();
        let status = answer.status().as_u16();
        let text = answer.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }
}

/// Holds a stage URL's answer, recorded from a raw request (its body alone), to `key`, after
/// the status the test asserted.
fn check_raw(replay: &mut Replay, key: &str, status: u16, (got, body): &(u16, Value)) {
    assert_eq!(*got, status, "{key}: {body}");
    let recorded = replay.recorded[key].clone();
    assert!(recorded.is_object(), "nothing recorded under {key}");
    let at = format!("{} {key}", replay.test);
    replay.stand_ins.matches(&recorded, body, &at);
}

/// CreateDeployment to stage `local`.
async fn deploy(replay: &Replay, api: &str) -> Answer {
    let answer = call(
        replay,
        "POST",
        &format!("/restapis/{api}/deployments"),
        Some(json!({ "stageName": "local" })),
    )
    .await;
    assert_eq!(answer.status, 201, "{answer:?}");
    answer
}

/// CreateRequestValidator that validates both; its id.
async fn validator(replay: &Replay, api: &str) -> String {
    id(&call(
        replay,
        "POST",
        &format!("/restapis/{api}/requestvalidators"),
        Some(json!({
            "name": "test-validator",
            "validateRequestParameters": true,
            "validateRequestBody": true,
        })),
    )
    .await)
}

async fn create_model(replay: &Replay, api: &str, name: &str, schema: Value) {
    let answer = call(
        replay,
        "POST",
        &format!("/restapis/{api}/models"),
        Some(json!({ "name": name, "contentType": "application/json", "schema": schema.to_string() })),
    )
    .await;
    assert_eq!(answer.status, 201, "{answer:?}");
}

/// A REST API and a resource under its root: (api, root, resource).
async fn api_with(replay: &Replay, name: &str, part: &str) -> (String, String, String) {
    let api = call(replay, "POST", "/restapis", Some(json!({ "name": name }))).await;
    let (api, root) = (
        id(&api),
        api.body["rootResourceId"].as_str().unwrap().to_string(),
    );
    let resource = call(
        replay,
        "POST",
        &format!("/restapis/{api}/resources/{root}"),
        Some(json!({ "pathPart": part })),
    )
    .await;
    let resource = id(&resource);
    (api, root, resource)
}

/// test_api_gateway_request_validator: required path, query string and header parameters and
/// a model for the body; each refusal in AWS's words, each enforced by what was deployed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_validator_refuses_missing_parameters_and_invalid_bodies_as_recorded() {
    let mut replay = Replay::start(
        FILE,
        "TestApiGatewayCommon::test_api_gateway_request_validator",
    )
    .await;
    let (api, resource, validator) = validated_api(&mut replay).await;
    a_valid_post_passes_and_a_get_without_body_is_refused(&replay, &api).await;
    missing_parameters_are_refused_as_recorded(&mut replay, &api, &resource).await;
    invalid_bodies_are_refused_as_recorded(&mut replay, &api, &resource).await;
    a_disabled_validator_lets_every_request_through(&mut replay, &api, &validator).await;
    replay.stop().await;
}

/// The stage path of the validated methods (`/nested/{test}`).
const NESTED_VALUE: &str = "/nested/value";
/// Every header the validated methods require.
const REQUIRED_HEADERS: &[(&str, &str)] = &[("x-header-param", "test")];

/// A POST with every required parameter and a body the model accepts.
fn valid_post() -> StageCall<'static> {
    StageCall {
        method: "POST",
        query: "qs1=test",
        headers: REQUIRED_HEADERS,
        json: Some(json!({ "a": 1, "b": 2 })),
    }
}

/// A GET with every required parameter and no body.
fn get_without_body() -> StageCall<'static> {
    StageCall {
        method: "GET",
        query: "qs1=test",
        headers: REQUIRED_HEADERS,
        json: None,
    }
}

/// The PATCH of UpdateMethod that makes the path parameter `add` required instead of `remove`.
fn swap_path_parameter(add: &str, remove: &str) -> Value {
    json!({ "patchOperations": [
        { "op": "add", "path": format!("/requestParameters/method.request.path.{add}"), "value": "true" },
        { "op": "remove", "path": format!("/requestParameters/method.request.path.{remove}"), "value": "true" },
    ]})
}

/// The recording's set-up: the function registered, an API whose `/nested/{test}` GET and POST
/// are validated (required parameters, the `testSchema` model) and integrated with it,
/// deployed (`deploy-1`), and the function invokable by the API. Returns the API's, the
/// resource's and the validator's ids.
async fn validated_api(replay: &mut Replay) -> (String, String, String) {
    let name = "test-validator-fn";
    let arn = function(replay, name, "lambda_aws_proxy", AWS_PROXY).await;
    let registered = Answer {
        status: 200,
        code: None,
        body: json!({ "fn_name": name, "fn_arn": arn }),
    };
    replay.check("register-lambda", &registered);
    let (api, _, nested) = api_with(replay, "aws lambda api", "nested").await;
    let resource = id(&call(
        replay,
        "POST",
        &format!("/restapis/{api}/resources/{nested}"),
        Some(json!({ "pathPart": "{test}" })),
    )
    .await);
    let validator = validator(replay, &api).await;
    create_model(
        replay,
        &api,
        "testSchema",
        json!({
            "$schema": "http://json-schema.org/draft-04/schema#",
            "title": "testSchema",
            "type": "object",
            "properties": { "a": { "type": "number" }, "b": { "type": "number" } },
            "required": ["a", "b"],
        }),
    )
    .await;
    put_validated_methods(replay, &api, &resource, &validator, &arn).await;
    let deployed = deploy(replay, &api).await;
    replay.check("deploy-1", &deployed);
    let account = arn.split(':').nth(4).unwrap();
    let permission = replay
        .call(
            Service::Lambda,
            "POST",
            &format!("/2015-03-31/functions/{name}/policy"),
            Some(json!({
                "StatementId": "apigw",
                "Action": "lambda:InvokeFunction",
                "Principal": "apigateway.amazonaws.com",
                "SourceArn": format!("arn:aws:execute-api:us-east-1:{account}:{api}/*/*/nested/*"),
            })),
        )
        .await;
    assert_eq!(permission.status, 201, "{permission:?}");
    (api, resource, validator)
}

/// GET and POST on `resource`, each requiring the path, query string and header parameters and
/// the `testSchema` model, through `validator`, integrated (AWS_PROXY) with the function `arn`.
async fn put_validated_methods(
    replay: &Replay,
    api: &str,
    resource: &str,
    validator: &str,
    arn: &str,
) {
    let uri =
        format!("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{arn}/invocations");
    for http_method in ["GET", "POST"] {
        let method = format!("/restapis/{api}/resources/{resource}/methods/{http_method}");
        let put = call(
            replay,
            "PUT",
            &method,
            Some(json!({
                "authorizationType": "NONE",
                "requestValidatorId": validator,
                "requestParameters": {
                    "method.request.path.test": true,
                    "method.request.querystring.qs1": true,
                    "method.request.header.x-header-param": true,
                },
                "requestModels": { "application/json": "testSchema" },
            })),
        )
        .await;
        assert_eq!(put.status, 201, "{put:?}");
        let integration = json!({ "type": "AWS_PROXY", "httpMethod": "POST", "uri": uri });
        for (path, body) in [
            ("/integration", integration),
            ("/responses/200", json!({})),
            ("/integration/responses/200", json!({})),
        ] {
            let answer = call(replay, "PUT", &format!("{method}{path}"), Some(body)).await;
            assert_eq!(answer.status, 201, "{path}: {answer:?}");
        }
    }
}

/// A valid POST reaches the function, whose event's `body` is the request's; a GET without a
/// body is validated as `{}`, which the model refuses.
async fn a_valid_post_passes_and_a_get_without_body_is_refused(replay: &Replay, api: &str) {
    let path = NESTED_VALUE;
    let (status, answer) = valid_post().send(replay, api, path).await;
    assert_eq!(status, 200, "{answer}");
    // The function answers the event; its `body` is the request's.
    let sent: Value = serde_json::from_str(answer["body"].as_str().unwrap()).unwrap();
    assert_eq!(sent, json!({ "a": 1, "b": 2 }));
    // A GET without a body: `{}`, which the model refuses.
    assert_eq!(get_without_body().send(replay, api, path).await.0, 400);
}

/// With the path parameter renamed (`change-request-path-names`) and deployed, each missing
/// required parameter is refused as recorded.
async fn missing_parameters_are_refused_as_recorded(
    replay: &mut Replay,
    api: &str,
    resource: &str,
) {
    let path = NESTED_VALUE;
    let post = format!("/restapis/{api}/resources/{resource}/methods/POST");
    let answer = call(
        replay,
        "PATCH",
        &post,
        Some(swap_path_parameter("issuer", "test")),
    )
    .await;
    replay.check("change-request-path-names", &answer);
    deploy(replay, api).await;
    let refused = StageCall {
        method: "POST",
        query: "",
        headers: &[],
        json: Some(json!({ "test": "test" })),
    }
    .send(replay, api, path)
    .await;
    check_raw(
        replay,
        "missing-all-required-request-params-post",
        400,
        &refused,
    );
    let refused = StageCall {
        method: "GET",
        query: "qs1=test",
        headers: &[],
        json: None,
    }
    .send(replay, api, path)
    .await;
    check_raw(
        replay,
        "missing-required-headers-request-params-get",
        400,
        &refused,
    );
    let refused = StageCall {
        method: "GET",
        query: "",
        headers: REQUIRED_HEADERS,
        json: None,
    }
    .send(replay, api, path)
    .await;
    check_raw(
        replay,
        "missing-required-qs-request-params-get",
        400,
        &refused,
    );
}

/// With the path parameter restored (`revert-request-path-names`) and deployed, a valid POST
/// passes again and a body the model refuses is refused as recorded, with or without a
/// content type.
async fn invalid_bodies_are_refused_as_recorded(replay: &mut Replay, api: &str, resource: &str) {
    let path = NESTED_VALUE;
    let post = format!("/restapis/{api}/resources/{resource}/methods/POST");
    let answer = call(
        replay,
        "PATCH",
        &post,
        Some(swap_path_parameter("test", "issuer")),
    )
    .await;
    replay.check("revert-request-path-names", &answer);
    deploy(replay, api).await;
    assert_eq!(valid_post().send(replay, api, path).await.0, 200);
    let invalid = StageCall {
        method: "POST",
        query: "qs1=test",
        headers: REQUIRED_HEADERS,
        json: Some(json!({ "test": "test" })),
    };
    let refused = invalid.send(replay, api, path).await;
    check_raw(replay, "invalid-request-body", 400, &refused);
    let (status, answer) = get_without_body().send(replay, api, path).await;
    assert_eq!(
        (status, &answer["message"]),
        (400, &json!("Invalid request body"))
    );
    let typed = [
        ("x-header-param", "test"),
        ("content-type", "application/json"),
    ];
    let get_typed = StageCall {
        method: "GET",
        query: "qs1=test",
        headers: &typed,
        json: None,
    };
    assert_eq!(get_typed.send(replay, api, path).await.0, 400);
}

/// With the validator's checks turned off (`disable-request-validator`) and deployed, any
/// request reaches the function.
async fn a_disabled_validator_lets_every_request_through(
    replay: &mut Replay,
    api: &str,
    validator: &str,
) {
    let path = NESTED_VALUE;
    let answer = call(
        replay,
        "PATCH",
        &format!("/restapis/{api}/requestvalidators/{validator}"),
        Some(json!({ "patchOperations": [
            { "op": "replace", "path": "/validateRequestBody", "value": "false" },
            { "op": "replace", "path": "/validateRequestParameters", "value": "false" },
        ]})),
    )
    .await;
    replay.check("disable-request-validator", &answer);
    deploy(replay, api).await;
    let (status, answer) = StageCall {
        method: "POST",
        query: "",
        headers: &[],
        json: Some(json!({ "test": "test" })),
    }
    .send(replay, api, path)
    .await;
    assert_eq!(status, 200, "{answer}");
    let sent: Value = serde_json::from_str(answer["body"].as_str().unwrap()).unwrap();
    assert_eq!(sent, json!({ "test": "test" }));
    let bare = StageCall {
        method: "GET",
        query: "",
        headers: &[],
        json: None,
    };
    assert_eq!(bare.send(replay, api, path).await.0, 200);
}

/// A method that validates a POST's body against `model`, integrated with a MOCK answering
/// `{"data": "ok"}`, deployed to `local`.
async fn mock_method_with_model(replay: &Replay, api: &str, resource: &str, model: &str) {
    let validator = validator(replay, api).await;
    let method = format!("/restapis/{api}/resources/{resource}/methods/POST");
    for (path, body) in [
        (
            "",
            json!({
                "authorizationType": "NONE",
                "requestValidatorId": validator,
                "requestModels": { "application/json": model },
            }),
        ),
        ("/responses/200", json!({})),
        (
            "/integration",
            json!({ "type": "MOCK", "requestTemplates": { "application/json": "{\"statusCode\": 200}" } }),
        ),
        (
            "/integration/responses/200",
            json!({ "selectionPattern": "", "responseTemplates": { "application/json": json!({ "data": "ok" }).to_string() } }),
        ),
    ] {
        let answer = call(replay, "PUT", &format!("{method}{path}"), Some(body)).await;
        assert_eq!(answer.status, 201, "{path}: {answer:?}");
    }
    deploy(replay, api).await;
}

/// GetModels, its items sorted by name (the test's `itemgetter("name")`).
async fn models_by_name(replay: &Replay, api: &str) -> Answer {
    let mut answer = call(replay, "GET", &format!("/restapis/{api}/models"), None).await;
    if let Some(items) = answer.body["items"].as_array_mut() {
        items.sort_by(|a, b| a["name"].as_str().cmp(&b["name"].as_str()));
    }
    answer
}

fn post(json: Option<Value>) -> StageCall<'static> {
    StageCall {
        method: "POST",
        query: "",
        headers: &[],
        json,
    }
}

/// test_api_gateway_request_validator_with_ref_models: a model of an array whose items refer to
/// another model by its URL; a POST without a body is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_model_refers_to_another_by_its_url_as_recorded() {
    let mut replay = Replay::start(
        FILE,
        "TestApiGatewayCommon::test_api_gateway_request_validator_with_ref_models",
    )
    .await;
    let (api, _, resource) = api_with(&replay, "test ref models", "path").await;
    replay.stand_ins.bind("<api-id>", &api, "api id");
    create_model(
        &replay,
        &api,
        "testSchema",
        json!({
            "$schema": "http://json-schema.org/draft-04/schema#",
            "title": "testSchema",
            "type": "object",
            "properties": { "a": { "type": "number" }, "b": { "type": "number" } },
            "required": ["a", "b"],
        }),
    )
    .await;
    create_model(
        &replay,
        &api,
        "testSchemaList",
        json!({
            "type": "array",
            "items": { "$ref": format!("https://apigateway.amazonaws.com/restapis/{api}/models/testSchema") },
        }),
    )
    .await;
    let models = models_by_name(&replay, &api).await;
    replay.check("get-models-with-ref", &models);
    mock_method_with_model(&replay, &api, &resource, "testSchemaList").await;
    let ok = post(Some(json!([{ "a": 1, "b": 2 }])))
        .send(&replay, &api, "/path")
        .await;
    check_raw(&mut replay, "successful", 200, &ok);
    let refused = post(None).send(&replay, &api, "/path").await;
    check_raw(&mut replay, "failed-validation", 400, &refused);
    // An item that is not a `testSchema` is refused too (not recorded: the model's rule).
    let bad_item = post(Some(json!([{ "a": 1 }])))
        .send(&replay, &api, "/path")
        .await;
    assert_eq!(bad_item.0, 400);
    replay.stop().await;
}

/// test_api_gateway_request_validator_with_ref_one_ofmodels: `oneOf` null or a model referred
/// to by its URL.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_of_a_null_or_a_referred_model_as_recorded() {
    let mut replay = Replay::start(
        FILE,
        "TestApiGatewayCommon::test_api_gateway_request_validator_with_ref_one_ofmodels",
    )
    .await;
    let (api, _, resource) = api_with(&replay, "test oneOf ref models", "path").await;
    replay.stand_ins.bind("<api-id>", &api, "api id");
    create_model(
        &replay,
        &api,
        "StatusModel",
        json!({
            "type": "object",
            "properties": { "Status": { "type": "string" }, "Order": { "type": "integer" } },
            "required": ["Status", "Order"],
        }),
    )
    .await;
    create_model(
        &replay,
        &api,
        "TestModel",
        json!({
            "type": "object",
            "properties": { "status": { "oneOf": [
                { "type": "null" },
                { "$ref": format!("https://apigateway.amazonaws.com/restapis/{api}/models/StatusModel") },
            ]}},
            "required": ["status"],
        }),
    )
    .await;
    let models = models_by_name(&replay, &api).await;
    replay.check("get-models-with-ref", &models);
    mock_method_with_model(&replay, &api, &resource, "TestModel").await;
    let ok = post(Some(json!({ "status": null })))
        .send(&replay, &api, "/path")
        .await;
    check_raw(&mut replay, "successful", 200, &ok);
    let ok = post(Some(json!({ "status": { "Status": "works", "Order": 1 } })))
        .send(&replay, &api, "/path")
        .await;
    check_raw(&mut replay, "successful-with-data", 200, &ok);
    let refused = post(None).send(&replay, &api, "/path").await;
    check_raw(&mut replay, "failed-validation-no-data", 400, &refused);
    let refused = post(Some(json!({ "badFormat": "bla" })))
        .send(&replay, &api, "/path")
        .await;
    check_raw(&mut replay, "failed-validation-bad-data", 400, &refused);
    replay.stop().await;
}

/// Not recorded (no recording customizes them): a customized `BAD_REQUEST_BODY` gateway
/// response, deployed, shapes the stage's refusal (status, header, template), as AWS's guide
/// describes; `DEFAULT_4XX` applies to `BAD_REQUEST_PARAMETERS` when it is not set itself.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customized_gateway_response_shapes_the_refusal() {
    let replay = Replay::start(
        FILE,
        "TestApiGatewayCommon::test_api_gateway_request_validator_with_ref_models",
    )
    .await;
    let (api, _, resource) = api_with(&replay, "custom responses", "path").await;
    create_model(
        &replay,
        &api,
        "ab",
        json!({ "type": "object", "required": ["a"] }),
    )
    .await;
    for (kind, body) in [
        (
            "BAD_REQUEST_BODY",
            json!({
                "statusCode": "422",
                "responseParameters": { "gatewayresponse.header.x-why": "'body'" },
                "responseTemplates": { "application/json": "{\"error\": $context.error.messageString, \"type\": \"$context.error.responseType\"}" },
            }),
        ),
        ("DEFAULT_4XX", json!({ "statusCode": "418" })),
    ] {
        let answer = call(
            &replay,
            "PUT",
            &format!("/restapis/{api}/gatewayresponses/{kind}"),
            Some(body),
        )
        .await;
        assert_eq!(answer.status, 201, "{answer:?}");
    }
    mock_method_with_model(&replay, &api, &resource, "ab").await;
    let port = replay.cloud.address.port();
    let refused = replay
        .client
        .post(format!("http://127.0.0.1:{port}/local/path"))
        .header("host", format!("{api}.execute-api.localhost:{port}"))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status().as_u16(), 422);
    assert_eq!(refused.headers()["x-why"], "body");
    assert_eq!(refused.headers()["x-amzn-errortype"], "BadRequestException");
    let body: Value = serde_json::from_str(&refused.text().await.unwrap()).unwrap();
    assert_eq!(
        body,
        json!({ "error": "Invalid request body", "type": "BAD_REQUEST_BODY" })
    );
    // Required parameters, answered by DEFAULT_4XX's status with the default template.
    let method = format!("/restapis/{api}/resources/{resource}/methods/POST");
    let answer = call(
        &replay,
        "PATCH",
        &method,
        Some(json!({ "patchOperations": [
            { "op": "add", "path": "/requestParameters/method.request.querystring.q", "value": "true" },
        ]})),
    )
    .await;
    assert_eq!(answer.status, 200, "{answer:?}");
    deploy(&replay, &api).await;
    let (status, body) = post(Some(json!({ "a": 1 })))
        .send(&replay, &api, "/path")
        .await;
    assert_eq!(
        (status, body),
        (
            418,
            json!({ "message": "Missing required request parameters: [q]" })
        )
    );
    replay.stop().await;
}
