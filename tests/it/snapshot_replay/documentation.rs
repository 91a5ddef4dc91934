//! API Gateway's documentation parts and versions, replayed from LocalStack's
//! test_apigateway_api.py (TestApiGatewayApiDocumentationPart) and test_apigateway_common.py
//! (TestDocumentations), and UpdateDeployment from test_apigateway_basic.py
//! (test_update_rest_api_deployment).

use serde_json::{json, Value};

use super::apigateway::{create_rest_api, method_path, put_ok};
use super::{Answer, Replay, Service};

const API_FILE: &str = "apigateway-test_apigateway_api.snapshot.json";
const COMMON_FILE: &str = "apigateway-test_apigateway_common.snapshot.json";
const BASIC_FILE: &str = "apigateway-test_apigateway_basic.snapshot.json";
const DOCUMENTED: &str = include_str!("files/oas30_documentation_parts.json");

async fn call(replay: &Replay, method: &str, path: &str, body: Option<Value>) -> Answer {
    replay.call(Service::ApiGateway, method, path, body).await
}

/// A part's `properties`, a JSON document in a string on the wire (the model's String),
/// parsed as LocalStack records it; anything but a string fails here (the test asserts
/// `isinstance(…, str)`).
fn parsed(mut answer: Answer) -> Answer {
    let parts: Vec<&mut Value> = match answer.body.get_mut("items") {
        Some(Value::Array(items)) => items.iter_mut().collect(),
        _ => vec![&mut answer.body],
    };
    for part in parts {
        if let Some(properties) = part.get_mut("properties") {
            let Value::String(text) = &*properties else {
                panic!("a part's properties are a JSON string, not {properties}");
            };
            *properties = serde_json::from_str(text).unwrap();
        }
    }
    answer
}

/// A REST API's id (as the tests' `apigw_create_rest_api` makes it).
async fn rest_api(replay: &Replay) -> String {
    let api = create_rest_api(replay, "test-api", Some("this is my api")).await;
    api.body["id"].as_str().unwrap().to_string()
}

/// CreateDocumentationPart of `api`: an `API` part with the tests' description.
async fn create_part(replay: &Replay, api: &str, location: Value) -> Answer {
    let body = json!({
        "location": location,
        "properties": "{ \"description\": \"Sample API description\" }",
    });
    let path = format!("/restapis/{api}/documentation/parts");
    call(replay, "POST", &path, Some(body)).await
}

/// UpdateDocumentationPart of `part` with `operations`.
async fn update_part(replay: &Replay, api: &str, part: &str, operations: Value) -> Answer {
    let path = format!("/restapis/{api}/documentation/parts/{part}");
    let body = json!({ "patchOperations": operations });
    call(replay, "PATCH", &path, Some(body)).await
}

fn id_of(answer: &Answer) -> String {
    answer.body["id"].as_str().unwrap().to_string()
}

/// test_doc_parts_crud_no_api: an unknown API is named in CreateDocumentationPart's and
/// GetDocumentationParts' refusals.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_api_is_named_as_recorded() {
    let mut replay = Replay::start(
        API_FILE,
        "TestApiGatewayApiDocumentationPart::test_doc_parts_crud_no_api",
    )
    .await;
    let answer = create_part(&replay, "test-fake-rest-id", json!({ "type": "API" })).await;
    replay.check("wrong-rest-api-id-create-doc-part", &answer);
    let path = "/restapis/test-fake-rest-id/documentation/parts";
    let answer = call(&replay, "GET", path, None).await;
    replay.check("wrong-rest-api-id-get-doc-parts", &answer);
    replay.stop().await;
}

/// test_documentation_part_lifecycle: created, read, listed, updated and deleted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_documentation_parts_lifecycle_answers_as_recorded() {
    let mut replay = Replay::start(
        API_FILE,
        "TestApiGatewayApiDocumentationPart::test_documentation_part_lifecycle",
    )
    .await;
    let api = rest_api(&replay).await;
    let created = parsed(create_part(&replay, &api, json!({ "type": "API" })).await);
    replay.check("create-documentation-part", &created);
    let part = id_of(&created);
    let one = format!("/restapis/{api}/documentation/parts/{part}");
    let answer = parsed(call(&replay, "GET", &one, None).await);
    replay.check("get-documentation-part", &answer);
    let all = format!("/restapis/{api}/documentation/parts");
    let answer = parsed(call(&replay, "GET", &all, None).await);
    replay.check("get-documentation-parts", &answer);
    let operations = json!([{
        "op": "replace",
        "path": "/properties",
        "value": "{ \"description\": \"Updated Sample API description\" }",
    }]);
    let answer = parsed(update_part(&replay, &api, &part, operations).await);
    replay.check("update-documentation-part", &answer);
    let answer = parsed(call(&replay, "GET", &one, None).await);
    replay.check("get-documentation-part-after-update", &answer);
    let answer = call(&replay, "DELETE", &one, None).await;
    replay.check("delete_documentation_part", &answer);
    replay.stop().await;
}

/// test_invalid_get_documentation_part: another API's id or an unknown part's are the same
/// refusal.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_part_is_refused_as_recorded() {
    let mut replay = Replay::start(
        API_FILE,
        "TestApiGatewayApiDocumentationPart::test_invalid_get_documentation_part",
    )
    .await;
    let api = rest_api(&replay).await;
    let part = id_of(&create_part(&replay, &api, json!({ "type": "API" })).await);
    let path = format!("/restapis/api_id/documentation/parts/{part}");
    let answer = call(&replay, "GET", &path, None).await;
    replay.check("get-documentation-part-invalid-api-id", &answer);
    let path = format!("/restapis/{api}/documentation/parts/documentation_part_id");
    let answer = call(&replay, "GET", &path, None).await;
    replay.check("get-documentation-part-invalid-doc-id", &answer);
    replay.stop().await;
}

/// test_invalid_get_documentation_parts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_parts_of_a_missing_api_are_refused_as_recorded() {
    let mut replay = Replay::start(
        API_FILE,
        "TestApiGatewayApiDocumentationPart::test_invalid_get_documentation_parts",
    )
    .await;
    let answer = call(&replay, "GET", "/restapis/api_id/documentation/parts", None).await;
    replay.check("get-inavlid-documentation-parts", &answer);
    replay.stop().await;
}

/// test_invalid_update_documentation_part: only `replace` of `/properties`, on a part of the
/// API named.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn part_updates_are_refused_as_recorded() {
    let mut replay = Replay::start(
        API_FILE,
        "TestApiGatewayApiDocumentationPart::test_invalid_update_documentation_part",
    )
    .await;
    let api = rest_api(&replay).await;
    let part = id_of(&create_part(&replay, &api, json!({ "type": "API" })).await);
    let value = "{ \"description\": \"Updated Sample API description\" }";
    let operation = |op: &str, path: &str| json!([{ "op": op, "path": path, "value": value }]);
    let answer = update_part(
        &replay,
        "api_id",
        &part,
        operation("replace", "/properties"),
    )
    .await;
    replay.check("update-documentation-part-invalid-api-id", &answer);
    let answer = update_part(&replay, &api, &part, operation("add", "/properties")).await;
    replay.check("update-documentation-part-invalid-add-operation", &answer);
    let answer = update_part(&replay, &api, &part, operation("replace", "/invalidPath")).await;
    replay.check("update-documentation-part-invalid-path", &answer);
    // None of them changed the part.
    let path = format!("/restapis/{api}/documentation/parts/{part}");
    let answer = parsed(call(&replay, "GET", &path, None).await);
    assert_eq!(
        answer.body["properties"],
        json!({ "description": "Sample API description" })
    );
    replay.stop().await;
}

/// test_invalid_create_documentation_part_operations: an unknown API, and a location type
/// outside the model's enum (listed in AWS's order).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn part_creations_are_refused_as_recorded() {
    let mut replay = Replay::start(
        API_FILE,
        "TestApiGatewayApiDocumentationPart::test_invalid_create_documentation_part_operations",
    )
    .await;
    let api = rest_api(&replay).await;
    let answer = create_part(&replay, "api_id", json!({ "type": "API" })).await;
    replay.check("create_documentation_part_invalid_api_id", &answer);
    let answer = create_part(&replay, &api, json!({ "type": "INVALID" })).await;
    replay.check("create_documentation_part_invalid_location_type", &answer);
    replay.stop().await;
}

/// test_invalid_delete_documentation_part: an unknown API is named; a part goes once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn part_deletions_are_refused_as_recorded() {
    let mut replay = Replay::start(
        API_FILE,
        "TestApiGatewayApiDocumentationPart::test_invalid_delete_documentation_part",
    )
    .await;
    let api = rest_api(&replay).await;
    let part = id_of(&create_part(&replay, &api, json!({ "type": "API" })).await);
    let path = format!("/restapis/api_id/documentation/parts/{part}");
    let answer = call(&replay, "DELETE", &path, None).await;
    replay.check("delete_documentation_part_wrong_api_id", &answer);
    let path = format!("/restapis/{api}/documentation/parts/{part}");
    let answer = call(&replay, "DELETE", &path, None).await;
    replay.check("delete_documentation_part", &answer);
    let answer = call(&replay, "DELETE", &path, None).await;
    replay.check("delete_already_deleted_documentation_part", &answer);
    replay.stop().await;
}

/// ImportDocumentationParts of `body` on `api`, in `mode`.
async fn import_parts(replay: &Replay, api: &str, mode: &str, body: &str) -> Answer {
    let path = format!("/restapis/{api}/documentation/parts?mode={mode}");
    replay
        .call_text(Service::ApiGateway, "PUT", &path, Some(body.into()))
        .await
}

/// test_import_documentation_parts: ImportRestApi takes the document's parts (a METHOD's and
/// a RESPONSE's path `/` unless given); deleted, ImportDocumentationParts puts them back
/// under new ids, in the document's order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn documentation_parts_are_imported_as_recorded() {
    let mut replay = Replay::start(
        API_FILE,
        "TestApiGatewayApiDocumentationPart::test_import_documentation_parts",
    )
    .await;
    let imported = replay
        .call_text(
            Service::ApiGateway,
            "POST",
            "/restapis?mode=import&failonwarnings=true",
            Some(DOCUMENTED.into()),
        )
        .await;
    assert_eq!(imported.status, 201, "{imported:?}");
    let api = id_of(&imported);
    let all = format!("/restapis/{api}/documentation/parts");
    let parts = parsed(call(&replay, "GET", &all, None).await);
    replay.check("get-documentations-parts-after-api-imports", &parts);
    for part in parts.body["items"].as_array().unwrap() {
        let path = format!("{all}/{}", part["id"].as_str().unwrap());
        assert_eq!(call(&replay, "DELETE", &path, None).await.status, 202);
    }
    let left = call(&replay, "GET", &all, None).await;
    assert_eq!(left.body["items"], json!([]), "{left:?}");
    let answer = import_parts(&replay, &api, "overwrite", DOCUMENTED).await;
    replay.check("import-documentation-parts", &answer);
    let answer = parsed(call(&replay, "GET", &all, None).await);
    replay.check("get-documentations-parts-after-import", &answer);
    replay.stop().await;
}

/// test_import_documentation_parts_bad_file: a body that is no document, YAML or JSON.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreadable_import_is_refused_as_recorded() {
    let mut replay = Replay::start(
        API_FILE,
        "TestApiGatewayApiDocumentationPart::test_import_documentation_parts_bad_file",
    )
    .await;
    let api = rest_api(&replay).await;
    let bad_yaml = "test:\n    value:\n        - \"value ... \"escaped\": $var, \"dt\": $(var +\"%a\")}\"\n        ";
    let answer = import_parts(&replay, &api, "overwrite", bad_yaml).await;
    replay.check("import-documentation-parts-bad-yaml-file", &answer);
    let answer = import_parts(&replay, &api, "overwrite", "{'key:value}").await;
    replay.check("import-documentation-parts-bad-json-file", &answer);
    replay.stop().await;
}

/// test_documentation_parts_and_versions: a part, then a version of the parts, described
/// by UpdateDocumentationVersion.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn documentation_versions_answer_as_recorded() {
    let mut replay = Replay::start(
        COMMON_FILE,
        "TestDocumentations::test_documentation_parts_and_versions",
    )
    .await;
    let api = rest_api(&replay).await;
    let parts = format!("/restapis/{api}/documentation/parts");
    let body = json!({ "location": { "type": "API" }, "properties": "{\"foo\": \"bar\"}" });
    let answer = parsed(call(&replay, "POST", &parts, Some(body)).await);
    replay.check("create-part-response", &answer);
    let answer = parsed(call(&replay, "GET", &parts, None).await);
    replay.check("get-parts-response", &answer);
    let versions = format!("/restapis/{api}/documentation/versions");
    let body = json!({ "documentationVersion": "v123" });
    let answer = call(&replay, "POST", &versions, Some(body)).await;
    replay.check("create-version-response", &answer);
    let operations = json!({ "patchOperations": [
        { "op": "replace", "path": "/description", "value": "doc version new" },
    ]});
    let one = format!("{versions}/v123");
    let answer = call(&replay, "PATCH", &one, Some(operations)).await;
    replay.check("update-version-response", &answer);
    let answer = call(&replay, "GET", &one, None).await;
    replay.check("get-version-response", &answer);
    replay.stop().await;
}

/// test_update_rest_api_deployment: UpdateDeployment replaces the description.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deployments_description_is_updated_as_recorded() {
    let mut replay = Replay::start(
        BASIC_FILE,
        "TestAPIGateway::test_update_rest_api_deployment",
    )
    .await;
    let api = create_rest_api(&replay, "test_gateway5", None).await.body;
    let (api, root) = (
        api["id"].as_str().unwrap().to_string(),
        api["rootResourceId"].as_str().unwrap().to_string(),
    );
    let method = method_path(&api, &root, "GET");
    put_ok(
        &replay,
        &method,
        json!({ "authorizationType": "none" }),
        201,
    )
    .await;
    let integration = json!({
        "type": "HTTP",
        "uri": "http://httpbin.org/robots.txt",
        // boto3's `integrationHttpMethod`, on the wire.
        "httpMethod": "POST",
    });
    put_ok(&replay, &format!("{method}/integration"), integration, 201).await;
    let response = json!({ "selectionPattern": "foobar", "responseTemplates": {} });
    let path = format!("{method}/integration/responses/200");
    put_ok(&replay, &path, response, 201).await;
    let deployments = format!("/restapis/{api}/deployments");
    let body = json!({ "description": "my deployment" });
    let deployment = call(&replay, "POST", &deployments, Some(body)).await;
    assert_eq!(deployment.status, 201, "{deployment:?}");
    let path = format!("{deployments}/{}", id_of(&deployment));
    let operations = json!({ "patchOperations": [
        { "op": "replace", "path": "/description", "value": "new-description" },
    ]});
    let answer = call(&replay, "PATCH", &path, Some(operations)).await;
    replay.check("after-update", &answer);
    replay.stop().await;
}

/// The tests' `_create_api_with_stage`: `GET /` with a MOCK integration, deployed; a
/// documentation part and version `v123`; stage `s1` of that deployment naming the version,
/// checked against `create-stage`. The API's id.
async fn api_with_stage(replay: &mut Replay) -> String {
    let api = create_rest_api(replay, "test-api", None).await.body;
    let (api, root) = (
        api["id"].as_str().unwrap().to_string(),
        api["rootResourceId"].as_str().unwrap().to_string(),
    );
    let method = method_path(&api, &root, "GET");
    put_ok(replay, &method, json!({ "authorizationType": "NONE" }), 201).await;
    let integration = json!({ "type": "MOCK" });
    put_ok(replay, &format!("{method}/integration"), integration, 201).await;
    let deployment = call(
        replay,
        "POST",
        &format!("/restapis/{api}/deployments"),
        None,
    )
    .await;
    assert_eq!(deployment.status, 201, "{deployment:?}");
    let part = json!({ "location": { "type": "API" }, "properties": "{\"foo\": \"bar\"}" });
    let parts = format!("/restapis/{api}/documentation/parts");
    assert_eq!(call(replay, "POST", &parts, Some(part)).await.status, 201);
    let version = json!({ "documentationVersion": "v123" });
    let versions = format!("/restapis/{api}/documentation/versions");
    assert_eq!(
        call(replay, "POST", &versions, Some(version)).await.status,
        201
    );
    let stage = json!({
        "stageName": "s1",
        "deploymentId": id_of(&deployment),
        "description": "my stage",
        "documentationVersion": "v123",
    });
    let answer = call(
        replay,
        "POST",
        &format!("/restapis/{api}/stages"),
        Some(stage),
    )
    .await;
    replay.check("create-stage", &answer);
    api
}

/// UpdateStage of stage `s1` with `operations`.
async fn update_stage(replay: &Replay, api: &str, operations: Value) -> Answer {
    let path = format!("/restapis/{api}/stages/s1");
    let body = json!({ "patchOperations": operations });
    call(replay, "PATCH", &path, Some(body)).await
}

/// TestStages::test_create_update_stages: paths UpdateStage does not have are named with
/// those it has; a single method's settings start from `*/*`'s and keep their own values
/// when `*/*`'s change; tracing and variables are set.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stage_updates_answer_as_recorded() {
    let mut replay = Replay::start(COMMON_FILE, "TestStages::test_create_update_stages").await;
    let api = api_with_stage(&mut replay).await;
    let replace =
        |path: &str, value: &str| json!({ "op": "replace", "path": path, "value": value });
    let answer = update_stage(
        &replay,
        &api,
        json!([replace("/documentation_version", "123")]),
    )
    .await;
    replay.check("error-update-doc-version", &answer);
    let answer = update_stage(&replay, &api, json!([replace("/tags/tag1", "value1")])).await;
    replay.check("error-update-tags", &answer);
    let operations = json!([
        replace("/description", "stage new"),
        replace("/variables/var1", "test"),
        replace("/variables/var2", "test2"),
        replace("/*/*/throttling/burstLimit", "123"),
        replace("/*/*/caching/enabled", "true"),
        replace("/tracingEnabled", "true"),
        replace("/test/GET/throttling/burstLimit", "124"),
    ]);
    let answer = update_stage(&replay, &api, operations).await;
    replay.check("update-stage", &answer);
    let answer = call(&replay, "GET", &format!("/restapis/{api}/stages/s1"), None).await;
    replay.check("get-stage", &answer);
    let operations = json!([replace("/*/*/throttling/burstLimit", "100")]);
    let answer = update_stage(&replay, &api, operations).await;
    replay.check("update-stage-override", &answer);
    replay.stop().await;
}

/// TestStages::test_update_stage_remove_wildcard: `*/*`'s settings are removed once there
/// are some, and refused before.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wildcard_settings_are_removed_as_recorded() {
    let mut replay =
        Replay::start(COMMON_FILE, "TestStages::test_update_stage_remove_wildcard").await;
    let api = api_with_stage(&mut replay).await;
    let stage = format!("/restapis/{api}/stages/s1");
    let answer = call(&replay, "GET", &stage, None).await;
    replay.check("get-stage", &answer);
    let remove = json!([{ "op": "remove", "path": "/*/*" }]);
    let answer = update_stage(&replay, &api, remove.clone()).await;
    replay.check("delete-error", &answer);
    let operations = json!([{ "op": "replace", "path": "/*/*/caching/enabled", "value": "true" }]);
    let answer = update_stage(&replay, &api, operations).await;
    replay.check("update-stage", &answer);
    let answer = update_stage(&replay, &api, remove).await;
    replay.check("update-stage-reset", &answer);
    let answer = call(&replay, "GET", &stage, None).await;
    replay.check("get-stage-after-reset", &answer);
    replay.stop().await;
}
