//! API Gateway's resource updates and deletions, deployment deletion and request validators
//! (LocalStack's test_apigateway_api.py and test_apigateway_common.py).

use serde_json::{json, Value};

use super::apigateway::create_rest_api;
use super::{Answer, Replay, Service};

const API_FILE: &str = "apigateway-test_apigateway_api.snapshot.json";
const COMMON_FILE: &str = "apigateway-test_apigateway_common.snapshot.json";

/// A call to API Gateway.
async fn call(replay: &Replay, method: &str, path: &str, body: Option<Value>) -> Answer {
    replay.call(Service::ApiGateway, method, path, body).await
}

/// GetResources, its items sorted by path (the tests' `SortingTransformer`).
async fn resources_by_path(replay: &Replay, api: &str) -> Answer {
    let mut answer = call(replay, "GET", &format!("/restapis/{api}/resources"), None).await;
    if let Some(items) = answer.body["items"].as_array_mut() {
        items.sort_by(|a, b| a["path"].as_str().cmp(&b["path"].as_str()));
    }
    answer
}

/// CreateResource of `part` under `parent`.
pub(super) async fn create_resource(
    replay: &Replay,
    api: &str,
    parent: &str,
    part: &str,
) -> Answer {
    call(
        replay,
        "POST",
        &format!("/restapis/{api}/resources/{parent}"),
        Some(json!({ "pathPart": part })),
    )
    .await
}

/// CreateResource of `part` under `parent`, which must succeed: its id.
pub(super) async fn new_resource(replay: &Replay, api: &str, parent: &str, part: &str) -> String {
    let answer = create_resource(replay, api, parent, part).await;
    assert_eq!(answer.status, 201, "{answer:?}");
    answer.body["id"].as_str().unwrap().to_string()
}

/// UpdateResource with one operation.
async fn update_resource(replay: &Replay, api: &str, resource: &str, operation: Value) -> Answer {
    call(
        replay,
        "PATCH",
        &format!("/restapis/{api}/resources/{resource}"),
        Some(json!({ "patchOperations": [operation] })),
    )
    .await
}

fn id(answer: &Answer) -> String {
    answer.body["id"].as_str().unwrap().to_string()
}

/// A REST API's id and its root resource's.
async fn rest_api(replay: &Replay, description: &str) -> (String, String) {
    let api = create_rest_api(replay, "test-api", Some(description)).await;
    (
        id(&api),
        api.body["rootResourceId"].as_str().unwrap().to_string(),
    )
}

/// test_apigateway_api.py::TestApiGatewayApiResource::test_resource_lifecycle.
#[tokio::test]
async fn a_resources_lifecycle_answers_as_recorded() {
    let mut replay = Replay::start(
        API_FILE,
        "TestApiGatewayApiResource::test_resource_lifecycle",
    )
    .await;
    let (api, _) = rest_api(&replay, "testing resource lifecycle").await;
    let root = resources_by_path(&replay, &api).await;
    replay.check("rest-api-root-resource", &root);
    let root = root.body["items"][0]["id"].as_str().unwrap().to_string();
    let pets = create_resource(&replay, &api, &root, "pets").await;
    replay.check("create-resource", &pets);
    let pets = id(&pets);
    let listed = resources_by_path(&replay, &api).await;
    replay.check("rest-api-resources-after-create", &listed);
    let sub = create_resource(&replay, &api, &pets, "subpets").await;
    replay.check("create-subresource", &sub);
    let listed = resources_by_path(&replay, &api).await;
    replay.check("rest-api-resources-after-create-sub", &listed);
    let updated = update_resource(
        &replay,
        &api,
        &pets,
        json!({ "op": "replace", "path": "/pathPart", "value": "dogs" }),
    )
    .await;
    replay.check("update-path-part", &updated);
    let got = call(
        &replay,
        "GET",
        &format!("/restapis/{api}/resources/{pets}"),
        None,
    )
    .await;
    replay.check("get-resp-after-update-path-part", &got);
    let deleted = call(
        &replay,
        "DELETE",
        &format!("/restapis/{api}/resources/{pets}"),
        None,
    )
    .await;
    replay.check("del-resource", &deleted);
    let listed = resources_by_path(&replay, &api).await;
    replay.check("rest-api-resources-after-delete", &listed);
    replay.stop().await;
}

/// test_apigateway_api.py::TestApiGatewayApiResource::test_update_resource_behaviour.
#[tokio::test]
async fn resource_updates_are_refused_and_taken_as_recorded() {
    let mut replay = Replay::start(
        API_FILE,
        "TestApiGatewayApiResource::test_update_resource_behaviour",
    )
    .await;
    let (api, root) = rest_api(&replay, "testing resource behaviour").await;
    let pets = id(&create_resource(&replay, &api, &root, "pets").await);
    let dogs = json!({ "op": "replace", "path": "/pathPart", "value": "dogs" });
    let answer = update_resource(&replay, &api, "fake-resource", dogs).await;
    replay.check("nonexistent-resource", &answer);
    let invalid = json!({ "op": "replace", "path": "/invalid", "value": "dogs" });
    let answer = update_resource(&replay, &api, &pets, invalid).await;
    replay.check("invalid-path-part", &answer);
    let fake_parent = json!({ "op": "replace", "path": "/parentId", "value": "fake-parent-id" });
    let answer = update_resource(&replay, &api, &pets, fake_parent).await;
    replay.check("invalid-parent-id", &answer);
    let sub = create_resource(&replay, &api, &pets, "subpets").await;
    replay.check("create-subresource", &sub);
    let sub = id(&sub);
    let child = create_resource(&replay, &api, &sub, "pets").await;
    replay.check("create-subresource-child", &child);
    let child = id(&child);
    let to_root = json!({ "op": "replace", "path": "/parentId", "value": root });
    let answer = update_resource(&replay, &api, &child, to_root.clone()).await;
    replay.check("existing-future-sibling-path", &answer);
    let deleted = call(
        &replay,
        "DELETE",
        &format!("/restapis/{api}/resources/{child}"),
        None,
    )
    .await;
    assert_eq!(deleted.status, 202, "{deleted:?}");
    let under_sub = json!({ "op": "replace", "path": "/parentId", "value": sub });
    let answer = update_resource(&replay, &api, &pets, under_sub).await;
    replay.check("update-parent-id-to-subresource-id", &answer);
    let answer = update_resource(&replay, &api, &sub, to_root).await;
    replay.check("update-parent-id-to-root-id", &answer);
    let to_pets = json!({ "op": "replace", "path": "/pathPart", "value": "pets" });
    let answer = update_resource(&replay, &api, &sub, to_pets).await;
    replay.check("update-path-already-exists", &answer);
    let deleted = call(
        &replay,
        "DELETE",
        &format!("/restapis/{api}/resources/{pets}"),
        None,
    )
    .await;
    assert_eq!(deleted.status, 202, "{deleted:?}");
    let listed = resources_by_path(&replay, &api).await;
    replay.check("resources-after-deletion", &listed);
    let remove = json!({ "op": "remove", "path": "/pathPart" });
    let answer = update_resource(&replay, &api, &sub, remove).await;
    replay.check("remove-unsupported", &answer);
    let add = json!({ "op": "add", "path": "/pathPart", "value": "added-pets" });
    let answer = update_resource(&replay, &api, &sub, add).await;
    replay.check("add-unsupported", &answer);
    replay.stop().await;
}

/// test_apigateway_api.py::TestApiGatewayApiResource::test_update_resource_on_root.
#[tokio::test]
async fn the_root_resource_is_not_updated_as_recorded() {
    let mut replay = Replay::start(
        API_FILE,
        "TestApiGatewayApiResource::test_update_resource_on_root",
    )
    .await;
    let (api, root) = rest_api(&replay, "testing resource behaviour").await;
    let dogs = json!({ "op": "replace", "path": "/pathPart", "value": "dogs" });
    let answer = update_resource(&replay, &api, &root, dogs).await;
    replay.check("update-root-path-part", &answer);
    let parent = json!({ "op": "replace", "path": "/parentId", "value": root });
    let answer = update_resource(&replay, &api, &root, parent).await;
    replay.check("update-root-parent", &answer);
    replay.stop().await;
}

/// test_apigateway_api.py::TestApiGatewayApiResource::test_delete_resource.
#[tokio::test]
async fn deleting_a_resource_deletes_those_below_it_as_recorded() {
    let mut replay =
        Replay::start(API_FILE, "TestApiGatewayApiResource::test_delete_resource").await;
    let (api, root) = rest_api(&replay, "testing resource behaviour").await;
    let pets = id(&create_resource(&replay, &api, &root, "pets").await);
    let sub = id(&create_resource(&replay, &api, &pets, "subpets").await);
    let deleted = call(
        &replay,
        "DELETE",
        &format!("/restapis/{api}/resources/{pets}"),
        None,
    )
    .await;
    replay.check("delete-resource", &deleted);
    let listed = resources_by_path(&replay, &api).await;
    replay.check("get-resources", &listed);
    let deleted = call(
        &replay,
        "DELETE",
        &format!("/restapis/{api}/resources/{sub}"),
        None,
    )
    .await;
    replay.check("delete-subresource", &deleted);
    replay.stop().await;
}

/// GetStages, its list under `item`: the model's member name (and so botocore's), which the
/// harness reads as `items` for the lists whose member is `items` on the wire `item`.
async fn get_stages(replay: &Replay, api: &str) -> Answer {
    let mut answer = call(replay, "GET", &format!("/restapis/{api}/stages"), None).await;
    if let Some(object) = answer.body.as_object_mut() {
        if let Some(items) = object.remove("items") {
            object.insert("item".into(), items);
        }
    }
    answer
}

/// CreateDeployment, with the stage `s1` (unless `manual`) or followed by CreateStage of `s1` (if `manual`):
/// the deployment's id.
async fn deploy(replay: &Replay, api: &str, manual: bool) -> String {
    let body = if manual {
        json!({})
    } else {
        json!({ "stageName": "s1" })
    };
    let made = call(
        replay,
        "POST",
        &format!("/restapis/{api}/deployments"),
        Some(body),
    )
    .await;
    assert_eq!(made.status, 201, "{made:?}");
    let deployment = id(&made);
    if manual {
        let stage = call(
            replay,
            "POST",
            &format!("/restapis/{api}/stages"),
            Some(json!({ "stageName": "s1", "deploymentId": deployment })),
        )
        .await;
        assert_eq!(stage.status, 201, "{stage:?}");
    }
    deployment
}

/// test_apigateway_common.py::TestDeployments::test_create_delete_deployments, both ways of
/// making the stage (with the deployment, or by CreateStage).
#[tokio::test]
async fn a_deployment_a_stage_serves_is_not_deleted_as_recorded() {
    for manual in [true, false] {
        let test = format!(
            "TestDeployments::test_create_delete_deployments[{}]",
            if manual { "True" } else { "False" }
        );
        let mut replay = Replay::start(COMMON_FILE, &test).await;
        let (api, root) = rest_api(&replay, "deployments").await;
        let method = format!("/restapis/{api}/resources/{root}/methods/GET");
        let put = call(
            &replay,
            "PUT",
            &method,
            Some(json!({ "authorizationType": "NONE" })),
        )
        .await;
        assert_eq!(put.status, 201, "{put:?}");
        let integration = call(
            &replay,
            "PUT",
            &format!("{method}/integration"),
            Some(json!({ "type": "MOCK" })),
        )
        .await;
        assert_eq!(integration.status, 201, "{integration:?}");
        let mut deployment = deploy(&replay, &api, manual).await;
        let got = call(
            &replay,
            "GET",
            &format!("/restapis/{api}/deployments/{deployment}"),
            None,
        )
        .await;
        replay.check("get-deployment", &got);
        let stages = get_stages(&replay, &api).await;
        replay.check("get-stages", &stages);
        for i in 0..3 {
            let path = format!("/restapis/{api}/deployments/{deployment}");
            let refused = call(&replay, "DELETE", &path, None).await;
            replay.check(&format!("delete-deployment-error-{i}"), &refused);
            let stage = call(
                &replay,
                "DELETE",
                &format!("/restapis/{api}/stages/s1"),
                None,
            )
            .await;
            assert_eq!(stage.status, 202, "{stage:?}");
            let deleted = call(&replay, "DELETE", &path, None).await;
            assert_eq!(deleted.status, 202, "{deleted:?}");
            deployment = deploy(&replay, &api, manual).await;
            let listed = call(
                &replay,
                "GET",
                &format!("/restapis/{api}/deployments"),
                None,
            )
            .await;
            replay.check(&format!("get-deployments-{i}"), &listed);
            let stages = get_stages(&replay, &api).await;
            replay.check(&format!("get-stages-{i}"), &stages);
        }
        replay.stop().await;
    }
}

/// test_apigateway_common.py::TestDeployments::test_create_update_deployments.
#[tokio::test]
async fn a_deployment_a_stage_moved_off_is_deleted_as_recorded() {
    let mut replay = Replay::start(
        COMMON_FILE,
        "TestDeployments::test_create_update_deployments",
    )
    .await;
    let (api, root) = rest_api(&replay, "deployments").await;
    let method = format!("/restapis/{api}/resources/{root}/methods/GET");
    let put = call(
        &replay,
        "PUT",
        &method,
        Some(json!({ "authorizationType": "NONE" })),
    )
    .await;
    assert_eq!(put.status, 201, "{put:?}");
    let mock = Some(json!({ "type": "MOCK" }));
    let integration = call(&replay, "PUT", &format!("{method}/integration"), mock).await;
    assert_eq!(integration.status, 201, "{integration:?}");
    let first = deploy(&replay, &api, true).await;
    let path = |deployment: &str| format!("/restapis/{api}/deployments/{deployment}");
    let got = call(&replay, "GET", &path(&first), None).await;
    replay.check("get-deployment-1", &got);
    let stages = get_stages(&replay, &api).await;
    replay.check("get-stages", &stages);
    let refused = call(&replay, "DELETE", &path(&first), None).await;
    replay.check("delete-deployment-error", &refused);
    // A new deployment to the stage moves it off the first.
    let second = deploy(&replay, &api, false).await;
    let got = call(&replay, "GET", &path(&first), None).await;
    replay.check("get-deployment-1-after-update", &got);
    let got = call(&replay, "GET", &path(&second), None).await;
    replay.check("get-deployment-2", &got);
    let stages = get_stages(&replay, &api).await;
    replay.check("get-stages-after-update", &stages);
    let deleted = call(&replay, "DELETE", &path(&first), None).await;
    replay.check("delete-deployment-1", &deleted);
    let refused = call(&replay, "DELETE", &path(&second), None).await;
    replay.check("delete-deployment-2-error", &refused);
    replay.stop().await;
}

/// A validator's path.
fn validator_path(api: &str, validator: &str) -> String {
    format!("/restapis/{api}/requestvalidators/{validator}")
}

/// CreateRequestValidator with `name` alone.
async fn create_validator(replay: &Replay, api: &str, name: &str) -> Answer {
    call(
        replay,
        "POST",
        &format!("/restapis/{api}/requestvalidators"),
        Some(json!({ "name": name })),
    )
    .await
}

/// test_apigateway_api.py::TestApiGatewayApiRequestValidator::test_validators_crud_no_api.
#[tokio::test]
async fn validators_of_a_missing_api_are_refused_as_recorded() {
    let mut replay = Replay::start(
        API_FILE,
        "TestApiGatewayApiRequestValidator::test_validators_crud_no_api",
    )
    .await;
    let answer = call(
        &replay,
        "POST",
        "/restapis/test-fake-rest-id/requestvalidators",
        Some(json!({
            "name": "test-validator",
            "validateRequestBody": true,
            "validateRequestParameters": false
        })),
    )
    .await;
    replay.check("wrong-rest-api-id-create-validator", &answer);
    let answer = call(
        &replay,
        "GET",
        "/restapis/test-fake-rest-id/requestvalidators",
        None,
    )
    .await;
    replay.check("wrong-rest-api-id-get-validators", &answer);
    replay.stop().await;
}

/// test_apigateway_api.py::TestApiGatewayApiRequestValidator::test_request_validator_lifecycle.
#[tokio::test]
async fn a_request_validators_lifecycle_answers_as_recorded() {
    let mut replay = Replay::start(
        API_FILE,
        "TestApiGatewayApiRequestValidator::test_request_validator_lifecycle",
    )
    .await;
    let api = create_rest_api(&replay, "test-api-validators", Some("my api")).await;
    replay.check("create-rest-api", &api);
    let api = id(&api);
    let made = create_validator(&replay, &api, "test-validator-1").await;
    replay.check("create-request-validator", &made);
    let validator = id(&made);
    let path = validator_path(&api, &validator);
    let got = call(&replay, "GET", &path, None).await;
    replay.check("get-request-validator", &got);
    let listed = call(
        &replay,
        "GET",
        &format!("/restapis/{api}/requestvalidators"),
        None,
    )
    .await;
    replay.check("get-request-validators", &listed);
    let patch = |operation: Value| Some(json!({ "patchOperations": [operation] }));
    let updated = call(
        &replay,
        "PATCH",
        &path,
        patch(json!({ "op": "replace", "path": "/validateRequestBody", "value": "true" })),
    )
    .await;
    replay.check("update-request-validator-with-value", &updated);
    let updated = call(
        &replay,
        "PATCH",
        &path,
        patch(json!({ "op": "replace", "path": "/validateRequestBody" })),
    )
    .await;
    replay.check("update-request-validator-without-value", &updated);
    let got = call(&replay, "GET", &path, None).await;
    replay.check("get-request-validators-after-update-operation", &got);
    let deleted = call(&replay, "DELETE", &path, None).await;
    replay.check("delete-request-validator", &deleted);
    let got = call(&replay, "GET", &path, None).await;
    replay.check("get-deleted-request-validator", &got);
    let listed = call(
        &replay,
        "GET",
        &format!("/restapis/{api}/requestvalidators"),
        None,
    )
    .await;
    replay.check("get-request-validators-after-delete", &listed);
    replay.stop().await;
}

/// test_apigateway_api.py::TestApiGatewayApiRequestValidator::test_invalid_get_request_validator.
#[tokio::test]
async fn getting_a_missing_validator_is_refused_as_recorded() {
    let mut replay = Replay::start(
        API_FILE,
        "TestApiGatewayApiRequestValidator::test_invalid_get_request_validator",
    )
    .await;
    let (api, _) = rest_api(&replay, "my api").await;
    let validator = id(&create_validator(&replay, &api, "test-validator-1").await);
    let answer = call(&replay, "GET", &validator_path("api_id", &validator), None).await;
    replay.check("get-request-validators-invalid-api-id", &answer);
    let answer = call(&replay, "GET", &validator_path(&api, "validator_id"), None).await;
    replay.check("get-request-validators-invalid-validator-id", &answer);
    replay.stop().await;
}

/// test_apigateway_api.py::TestApiGatewayApiRequestValidator::test_invalid_get_request_validators.
#[tokio::test]
async fn listing_the_validators_of_a_missing_api_is_refused_as_recorded() {
    let mut replay = Replay::start(
        API_FILE,
        "TestApiGatewayApiRequestValidator::test_invalid_get_request_validators",
    )
    .await;
    let answer = call(&replay, "GET", "/restapis/api_id/requestvalidators", None).await;
    replay.check("get-invalid-request-validators", &answer);
    replay.stop().await;
}

/// test_apigateway_api.py::TestApiGatewayApiRequestValidator::test_invalid_delete_request_validator.
#[tokio::test]
async fn deleting_a_missing_validator_is_refused_as_recorded() {
    let mut replay = Replay::start(
        API_FILE,
        "TestApiGatewayApiRequestValidator::test_invalid_delete_request_validator",
    )
    .await;
    let (api, _) = rest_api(&replay, "my api").await;
    let validator = id(&create_validator(&replay, &api, "test-validator-1").await);
    let answer = call(
        &replay,
        "DELETE",
        &validator_path("api_id", &validator),
        None,
    )
    .await;
    replay.check("delete-request-validator-invalid-api-id", &answer);
    let answer = call(
        &replay,
        "DELETE",
        &validator_path(&api, "validator_id"),
        None,
    )
    .await;
    replay.check("delete-request-validator-invalid-validator-id", &answer);
    replay.stop().await;
}

/// test_apigateway_api.py::TestApiGatewayApiRequestValidator::test_create_request_validator_invalid_api_id.
#[tokio::test]
async fn a_validator_for_a_missing_api_is_refused_as_recorded() {
    let mut replay = Replay::start(
        API_FILE,
        "TestApiGatewayApiRequestValidator::test_create_request_validator_invalid_api_id",
    )
    .await;
    let answer = create_validator(&replay, "api_id", "test-validator-1").await;
    replay.check("invalid-create-request-validator", &answer);
    replay.stop().await;
}

/// test_apigateway_api.py::TestApiGatewayApiRequestValidator::test_invalid_update_request_validator_operations.
#[tokio::test]
async fn validator_updates_are_refused_as_recorded() {
    let mut replay = Replay::start(
        API_FILE,
        "TestApiGatewayApiRequestValidator::test_invalid_update_request_validator_operations",
    )
    .await;
    let api = create_rest_api(&replay, "test-api-validators", Some("my api")).await;
    replay.check("create-rest-api", &api);
    let api = id(&api);
    let made = create_validator(&replay, &api, "test-validator-1").await;
    replay.check("create-request-validator", &made);
    let path = validator_path(&api, &id(&made));
    for (key, operation) in [
        (
            "update-request-validator-invalid-add-operation",
            json!({ "op": "add", "path": "/validateRequestBody", "value": "true" }),
        ),
        (
            "update-request-validator-invalid-remove-operation",
            json!({ "op": "remove", "path": "/validateRequestBody", "value": "true" }),
        ),
        (
            "update-request-validator-invalid-path",
            json!({ "op": "replace", "path": "/invalidPath", "value": "true" }),
        ),
        (
            "update-request-validator-empty-name-value",
            json!({ "op": "replace", "path": "/name" }),
        ),
    ] {
        let answer = call(
            &replay,
            "PATCH",
            &path,
            Some(json!({ "patchOperations": [operation] })),
        )
        .await;
        replay.check(key, &answer);
    }
    replay.stop().await;
}

/// test_apigateway_api.py::TestApigatewayIntegration::test_create_integration_with_vpc_link.
#[tokio::test]
async fn an_integrations_vpc_link_is_updated_as_recorded() {
    let mut replay = Replay::start(
        API_FILE,
        "TestApigatewayIntegration::test_create_integration_with_vpc_link",
    )
    .await;
    let (api, root) = rest_api(&replay, "test vpc link").await;
    let method = format!("/restapis/{api}/resources/{root}/methods/GET");
    let put = call(
        &replay,
        "PUT",
        &method,
        Some(json!({ "authorizationType": "NONE" })),
    )
    .await;
    assert_eq!(put.status, 201, "{put:?}");
    let integration = format!("{method}/integration");
    let put = call(
        &replay,
        "PUT",
        &integration,
        Some(json!({
            "type": "HTTP_PROXY",
            "uri": "http://my-vpclink-test-nlb-1234567890abcdef.us-east-1.amazonaws.com",
            "httpMethod": "GET",
            "connectionType": "VPC_LINK",
            "connectionId": "${stageVariables.vpcLinkId}"
        })),
    )
    .await;
    replay.check("put-integration-vpc-link", &put);
    let got = call(&replay, "GET", &integration, None).await;
    replay.check("get-integration-vpc-link", &got);
    let updated = call(
        &replay,
        "PATCH",
        &integration,
        Some(json!({ "patchOperations": [{
            "op": "replace",
            "path": "/connectionId",
            "value": "${stageVariables.vpcLinkIdBeta}"
        }] })),
    )
    .await;
    replay.check("update-integration-vpc-link", &updated);
    let got = call(&replay, "GET", &integration, None).await;
    replay.check("get-integration-update-vpc-link", &got);
    replay.stop().await;
}

/// GetGatewayResponses, its items sorted by type (the test's `SortingTransformer`).
async fn gateway_responses_by_type(replay: &Replay, api: &str) -> Answer {
    let path = format!("/restapis/{api}/gatewayresponses");
    let mut answer = call(replay, "GET", &path, None).await;
    if let Some(items) = answer.body["items"].as_array_mut() {
        items.sort_by(|a, b| a["responseType"].as_str().cmp(&b["responseType"].as_str()));
    }
    answer
}

/// test_apigateway_api.py::TestApiGatewayGatewayResponse::test_gateway_response_crud.
#[tokio::test]
async fn a_gateway_responses_lifecycle_answers_as_recorded() {
    let mut replay = Replay::start(
        API_FILE,
        "TestApiGatewayGatewayResponse::test_gateway_response_crud",
    )
    .await;
    let (api, _) = rest_api(&replay, "APIGW test GatewayResponse").await;
    let path = format!("/restapis/{api}/gatewayresponses/MISSING_AUTHENTICATION_TOKEN");
    let got = call(&replay, "GET", &path, None).await;
    replay.check("get-gateway-response-default", &got);
    let template = "{\n     \"message\": $context.error.messageString,\n     \"type\":  \"$context.error.responseType\",\n     \"stage\":  \"$context.stage\",\n     \"resourcePath\":  \"$context.resourcePath\",\n     \"stageVariables.a\":  \"$stageVariables.a\",\n     \"statusCode\": \"'404'\"\n}";
    let put = call(
        &replay,
        "PUT",
        &path,
        Some(json!({
            "statusCode": "404",
            "responseParameters": {
                "gatewayresponse.header.x-request-path": "method.request.path.petId",
                "gatewayresponse.header.Access-Control-Allow-Origin": "'a.b.c'",
                "gatewayresponse.header.x-request-query": "method.request.querystring.q",
                "gatewayresponse.header.x-request-header": "method.request.header.Accept"
            },
            "responseTemplates": { "application/json": template }
        })),
    )
    .await;
    replay.check("put-gateway-response", &put);
    let listed = gateway_responses_by_type(&replay, &api).await;
    replay.check("get-gateway-responses", &listed);
    let got = call(&replay, "GET", &path, None).await;
    replay.check("get-gateway-response", &got);
    let deleted = call(&replay, "DELETE", &path, None).await;
    replay.check("delete-gateway-response", &deleted);
    let got = call(&replay, "GET", &path, None).await;
    replay.check("get-deleted-gw-response", &got);
    replay.stop().await;
}

/// test_apigateway_api.py::TestApiGatewayGatewayResponse::test_gateway_response_validation.
#[tokio::test]
async fn gateway_responses_are_refused_as_recorded() {
    let mut replay = Replay::start(
        API_FILE,
        "TestApiGatewayGatewayResponse::test_gateway_response_validation",
    )
    .await;
    let (api, _) = rest_api(&replay, "APIGW test GatewayResponse").await;
    let fake = "/restapis/fake-api-id/gatewayresponses";
    let answer = call(&replay, "GET", fake, None).await;
    replay.check("get-gateway-responses-no-api", &answer);
    let fake_4xx = format!("{fake}/DEFAULT_4XX");
    let answer = call(&replay, "GET", &fake_4xx, None).await;
    replay.check("get-gateway-response-no-api", &answer);
    let answer = call(&replay, "DELETE", &fake_4xx, None).await;
    replay.check("delete-gateway-response-no-api", &answer);
    let no_operations = json!({ "patchOperations": [] });
    let answer = call(&replay, "PATCH", &fake_4xx, Some(no_operations.clone())).await;
    replay.check("update-gateway-response-no-api", &answer);
    let path = |kind: &str| format!("/restapis/{api}/gatewayresponses/{kind}");
    let answer = call(&replay, "DELETE", &path("DEFAULT_4XX"), None).await;
    replay.check("delete-gateway-response-not-set", &answer);
    let wrong = path("FAKE_RESPONSE_TYPE");
    let answer = call(&replay, "GET", &wrong, None).await;
    replay.check("get-gateway-response-wrong-response-type", &answer);
    let answer = call(&replay, "DELETE", &wrong, None).await;
    replay.check("delete-gateway-response-wrong-response-type", &answer);
    let answer = call(&replay, "PATCH", &wrong, Some(no_operations)).await;
    replay.check("update-gateway-response-wrong-response-type", &answer);
    let put = json!({ "statusCode": "404", "responseParameters": {}, "responseTemplates": {} });
    let answer = call(&replay, "PUT", &wrong, Some(put)).await;
    replay.check("put-gateway-response-wrong-response-type", &answer);
    replay.stop().await;
}

/// A gateway response's templates that hold a JSON document, parsed, as LocalStack's snapshot
/// library records a string that holds one.
fn parse_templates(answer: &mut Answer) {
    if let Some(templates) = answer.body["responseTemplates"].as_object_mut() {
        for template in templates.values_mut() {
            if let Some(Ok(parsed @ Value::Object(_))) =
                template.as_str().map(serde_json::from_str::<Value>)
            {
                *template = parsed;
            }
        }
    }
}

/// test_apigateway_api.py::TestApiGatewayGatewayResponse::test_update_gateway_response.
#[tokio::test]
async fn gateway_response_updates_answer_as_recorded() {
    let mut replay = Replay::start(
        API_FILE,
        "TestApiGatewayGatewayResponse::test_update_gateway_response",
    )
    .await;
    let (api, _) = rest_api(&replay, "APIGW test GatewayResponse").await;
    let path = |kind: &str| format!("/restapis/{api}/gatewayresponses/{kind}");
    let patch = |operations: Value| Some(json!({ "patchOperations": operations }));
    let status_444 = json!([{ "op": "replace", "path": "/statusCode", "value": "444" }]);
    let answer = call(&replay, "PATCH", &path("DEFAULT_4XX"), patch(status_444)).await;
    replay.check("update-gateway-response-not-set", &answer);
    let answer = call(&replay, "GET", &path("DEFAULT_4XX"), None).await;
    replay.check("default-get-gateway-response", &answer);
    let template = json!({ "application/json": "{\"message\":$context.error.messageString}" });
    let mut answer = call(
        &replay,
        "PUT",
        &path("DEFAULT_4XX"),
        Some(json!({
            "statusCode": "404",
            "responseParameters": {
                "gatewayresponse.header.x-request-path": "method.request.path.petId",
                "gatewayresponse.header.Access-Control-Allow-Origin": "'a.b.c'",
                "gatewayresponse.header.x-request-query": "method.request.querystring.q",
                "gatewayresponse.header.x-request-header": "method.request.header.Accept"
            },
            "responseTemplates": { "application/json": template.to_string() }
        })),
    )
    .await;
    parse_templates(&mut answer);
    replay.check("put-gateway-response", &answer);
    let operations = json!([
        { "op": "replace", "path": "/statusCode", "value": "444" },
        {
            "op": "replace",
            "path": "/responseParameters/gatewayresponse.header.Access-Control-Allow-Origin",
            "value": "'example.com'"
        },
        {
            "op": "add",
            "path": "/responseTemplates/application~1xml",
            "value": "<gatewayResponse><message>$context.error.messageString</message><type>$context.error.responseType</type></gatewayResponse>"
        }
    ]);
    let mut answer = call(&replay, "PATCH", &path("DEFAULT_4XX"), patch(operations)).await;
    parse_templates(&mut answer);
    replay.check("update-gateway-response", &answer);
    let mut answer = call(&replay, "GET", &path("DEFAULT_4XX"), None).await;
    parse_templates(&mut answer);
    replay.check("get-gateway-response", &answer);
    let origin = "/responseParameters/gatewayresponse.header.Access-Control-Allow-Origin";
    for (key, kind, operation) in [
        (
            "update-gateway-add-status-code",
            "DEFAULT_4XX",
            json!({ "op": "add", "path": "/statusCode", "value": "444" }),
        ),
        (
            "update-gateway-remove-status-code",
            "DEFAULT_4XX",
            json!({ "op": "remove", "path": "/statusCode" }),
        ),
        (
            "update-gateway-replace-invalid-parameter",
            "DEFAULT_5XX",
            json!({ "op": "replace", "path": origin, "value": "'example.com'" }),
        ),
        (
            "update-gateway-no-path",
            "DEFAULT_4XX",
            json!({ "op": "add", "value": "'example.com'" }),
        ),
        (
            "update-gateway-wrong-op",
            "DEFAULT_4XX",
            json!({ "op": "wrong-op", "path": "/statusCode", "value": "'example.com'" }),
        ),
        (
            "update-gateway-wrong-path",
            "DEFAULT_4XX",
            json!({ "op": "add", "path": "/wrongPath", "value": "'example.com'" }),
        ),
        (
            "update-gateway-replace-invalid-parameter-0-none",
            "DEFAULT_4XX",
            json!({ "op": "replace", "path": "/responseTemplates/application~1xml" }),
        ),
        (
            "update-gateway-replace-invalid-parameter-1-none",
            "DEFAULT_4XX",
            json!({ "op": "replace", "path": origin }),
        ),
    ] {
        let answer = call(&replay, "PATCH", &path(kind), patch(json!([operation]))).await;
        replay.check(key, &answer);
    }
    replay.stop().await;
}

/// test_apigateway_api.py::TestApiGatewayGatewayResponse::test_gateway_response_put.
#[tokio::test]
async fn gateway_responses_put_and_their_defaults_answer_as_recorded() {
    let mut replay = Replay::start(
        API_FILE,
        "TestApiGatewayGatewayResponse::test_gateway_response_put",
    )
    .await;
    let (api, _) = rest_api(&replay, "APIGW test GatewayResponse").await;
    let path = |kind: &str| format!("/restapis/{api}/gatewayresponses/{kind}");
    let template = "{\n     \"message\": $context.error.messageString,\n     \"type\":  \"$context.error.responseType\",\n     \"stage\":  \"$context.stage\",\n     \"resourcePath\":  \"$context.resourcePath\",\n     \"stageVariables.a\":  \"$stageVariables.a\",\n     \"statusCode\": \"'404'\"\n}";
    let accept =
        json!({ "gatewayresponse.header.x-request-header": "method.request.header.Accept" });
    for (key, kind, body) in [
        (
            "put-gateway-response-all-value",
            "MISSING_AUTHENTICATION_TOKEN",
            json!({
                "statusCode": "404",
                "responseParameters": {
                    "gatewayresponse.header.x-request-path": "method.request.path.petId",
                    "gatewayresponse.header.Access-Control-Allow-Origin": "'a.b.c'",
                    "gatewayresponse.header.x-request-query": "method.request.querystring.q",
                    "gatewayresponse.header.x-request-header": "method.request.header.Accept"
                },
                "responseTemplates": { "application/json": template }
            }),
        ),
        (
            "put-gateway-response-status-only",
            "MISSING_AUTHENTICATION_TOKEN",
            json!({ "statusCode": "404" }),
        ),
        (
            "put-gateway-response-response-parameters-only",
            "MISSING_AUTHENTICATION_TOKEN",
            json!({ "responseParameters": accept }),
        ),
        (
            "put-gateway-response-response-templates-only",
            "MISSING_AUTHENTICATION_TOKEN",
            json!({ "responseTemplates": { "application/json": template } }),
        ),
        (
            "put-gateway-response-default-5xx",
            "DEFAULT_5XX",
            json!({
                "statusCode": "599",
                "responseParameters": accept,
                "responseTemplates": { "application/json": template }
            }),
        ),
        (
            "put-gateway-response-default-ignored",
            "AUTHORIZER_FAILURE",
            json!({ "responseParameters": { "gatewayresponse.header.foo": "'bar'" } }),
        ),
    ] {
        let answer = call(&replay, "PUT", &path(kind), Some(body)).await;
        replay.check(key, &answer);
    }
    let listed = gateway_responses_by_type(&replay, &api).await;
    replay.check("get-gateway-responses", &listed);
    replay.stop().await;
}

/// test_apigateway_api.py::TestApiGatewayApiResource::test_create_proxy_resource: a
/// `{proxy+}` beside a static resource at each level (`/{proxy+}` and `/parent`,
/// `/parent/{proxy+}` and `/parent/child`), and a variable `{child}` once the `{proxy+}` beside
/// it is gone, with a `{proxy+}` below it.
#[tokio::test]
async fn greedy_resources_beside_static_ones_are_created_as_recorded() {
    let mut replay = Replay::start(
        API_FILE,
        "TestApiGatewayApiResource::test_create_proxy_resource",
    )
    .await;
    let (api, root) = rest_api(&replay, "testing resource proxy").await;
    let created = create_resource(&replay, &api, &root, "{proxy+}").await;
    replay.check("create-base-proxy-resource", &created);
    let parent = id(&create_resource(&replay, &api, &root, "parent").await);
    // The test records the id alone.
    let recorded = replay.recorded["create-proxy-sibling-resource"].clone();
    replay
        .stand_ins
        .matches(&recorded, &json!(parent), "create-proxy-sibling-resource");
    let greedy_child = create_resource(&replay, &api, &parent, "{proxy+}").await;
    replay.check("create-proxy-sibling-proxy-child-resource", &greedy_child);
    let child = create_resource(&replay, &api, &parent, "child").await;
    replay.check("create-proxy-sibling-static-child-resource", &child);
    let below = create_resource(&replay, &api, &id(&child), "{proxy+}").await;
    replay.check("create-static-child-proxy-resource", &below);
    replay.check("all-resources", &resources_by_path(&replay, &api).await);
    let gone = call(
        &replay,
        "DELETE",
        &format!("/restapis/{api}/resources/{}", id(&greedy_child)),
        None,
    )
    .await;
    assert_eq!(gone.status, 202, "{gone:?}");
    let variable = create_resource(&replay, &api, &parent, "{child}").await;
    replay.check("create-proxy-sibling-dynamic-child-resource", &variable);
    let below = create_resource(&replay, &api, &id(&variable), "{proxy+}").await;
    replay.check("create-dynamic-child-proxy-resource", &below);
    replay.check("all-resources-2", &resources_by_path(&replay, &api).await);
}
