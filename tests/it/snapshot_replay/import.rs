//! ImportRestApi and PutRestApi (LocalStack's test_apigateway_import.py). The documents
//! imported are LocalStack's own, copied verbatim into `files/` (see its README).

use serde_json::json;

use super::{Answer, Replay, Service};

const FILE: &str = "apigateway-test_apigateway_import.snapshot.json";
const PULUMI: &str = include_str!("files/openapi.spec.pulumi.json");
const PETS: &str = include_str!("files/pets.json");

/// ImportRestApi of `document`, with the query's parameters (`failonwarnings=true`).
async fn import(replay: &Replay, query: &str, document: &str) -> Answer {
    let path = format!("/restapis?mode=import{query}");
    replay
        .call_text(Service::ApiGateway, "POST", &path, Some(document.into()))
        .await
}

/// PutRestApi of `document` over `api`, in `mode` when given.
async fn put(replay: &Replay, api: &str, mode: Option<&str>, document: &str) -> Answer {
    let query = mode.map(|m| format!("?mode={m}")).unwrap_or_default();
    let path = format!("/restapis/{api}{query}");
    replay
        .call_text(Service::ApiGateway, "PUT", &path, Some(document.into()))
        .await
}

/// test_import_rest_api: Pulumi's Swagger 2.0 document (a mock and a Lambda proxy method,
/// binary media types, gateway responses, an authorizer), imported with `failonwarnings`.
#[tokio::test]
async fn a_pulumi_swagger_document_imports_as_recorded() {
    let mut replay = Replay::start(FILE, "TestApiGatewayImportRestApi::test_import_rest_api").await;
    let imported = import(&replay, "&failonwarnings=true", PULUMI).await;
    replay.check("import_rest_api", &imported);
}

/// test_import_api_bad_file: a body that is neither YAML nor JSON is "Invalid OpenAPI
/// input.", to ImportRestApi and to PutRestApi (even of an API that does not exist).
#[tokio::test]
async fn a_document_that_cannot_be_read_is_refused_as_recorded() {
    let mut replay = Replay::start(
        FILE,
        "TestApiGatewayImportRestApi::test_import_api_bad_file",
    )
    .await;
    let bad_yaml = "test:\n    value:\n        - \"value ... \"escaped\": $var, \"dt\": $(var +\"%a\")}\"\n        ";
    let bad_json = "{'key:value}";
    let answer = import(&replay, "", bad_yaml).await;
    replay.check("import-api-bad-yaml-file", &answer);
    let answer = import(&replay, "", bad_json).await;
    replay.check("import-api-bad-json-file", &answer);
    let answer = put(&replay, "a1b2c3d4", None, bad_yaml).await;
    replay.check("put-rest-api-bad-yaml-file", &answer);
    let answer = put(&replay, "a1b2c3d4", None, bad_json).await;
    replay.check("put-rest-api-bad-json-file", &answer);
}

/// test_put_rest_api_mode_binary_media_types: `merge` adds the document's binary media types
/// to the API's, `overwrite` replaces them; the name and version are the document's.
async fn put_mode_keeps_binary_media_types_as_recorded(mode: &str) {
    let mut replay = Replay::start(
        FILE,
        &format!("TestApiGatewayImportRestApi::test_put_rest_api_mode_binary_media_types[{mode}]"),
    )
    .await;
    let body = json!({ "name": "test-api", "binaryMediaTypes": ["image/heif"] });
    let created = replay
        .call(Service::ApiGateway, "POST", "/restapis", Some(body))
        .await;
    replay.check("create-rest-api", &created);
    let api = created.body["id"].as_str().unwrap().to_string();
    let got = replay
        .call(
            Service::ApiGateway,
            "GET",
            &format!("/restapis/{api}"),
            None,
        )
        .await;
    replay.check("get-rest-api", &got);
    let answer = put(&replay, &api, Some(mode), PETS).await;
    replay.check("put-api", &answer);
}

#[tokio::test]
async fn put_rest_api_merge_adds_binary_media_types_as_recorded() {
    put_mode_keeps_binary_media_types_as_recorded("merge").await;
}

#[tokio::test]
async fn put_rest_api_overwrite_replaces_binary_media_types_as_recorded() {
    put_mode_keeps_binary_media_types_as_recorded("overwrite").await;
}
