//! API Gateway's models, as recorded on AWS (LocalStack's `test_apigateway_api.py::
//! TestApiGatewayApiModels` and `TestApiGatewayApiMethod::test_put_method_model`): the two
//! models every API is made with, a model's lifecycle, the refusals of CreateModel and
//! UpdateModel, and a model kept from deletion while a method request names it.
//!
//! A model's `schema` travels as JSON text; the recordings hold it parsed (see
//! `parse_model_schemas` in `mod.rs`), so the schemas sent here are the texts the test sent.

use serde_json::{json, Value};

use super::{Answer, Replay, Service};

const API: &str = "apigateway-test_apigateway_api.snapshot.json";

/// The API id LocalStack's tests use for one that does not exist.
const NO_API: &str = "abcde0";

/// `json.dumps({"title": title, "type": "object"})`, as the tests write a schema.
fn titled_schema(title: &str) -> String {
    format!(r#"{{"title": "{title}", "type": "object"}}"#)
}

/// A new REST API (`apigw_create_rest_api`): its id and root resource id.
async fn rest_api(replay: &Replay, description: &str) -> (String, String) {
    let api = replay
        .call(
            Service::ApiGateway,
            "POST",
            "/restapis",
            Some(json!({ "name": "test-api-5f4e3d2c", "description": description })),
        )
        .await;
    assert_eq!(api.status, 201, "{api:?}");
    (
        api.body["id"].as_str().unwrap().to_string(),
        api.body["rootResourceId"].as_str().unwrap().to_string(),
    )
}

async fn create_model(replay: &Replay, api: &str, model: Value) -> Answer {
    replay
        .call(
            Service::ApiGateway,
            "POST",
            &format!("/restapis/{api}/models"),
            Some(model),
        )
        .await
}

async fn update_model(replay: &Replay, api: &str, name: &str, operations: Value) -> Answer {
    replay
        .call(
            Service::ApiGateway,
            "PATCH",
            &format!("/restapis/{api}/models/{name}"),
            Some(json!({ "patchOperations": operations })),
        )
        .await
}

async fn delete_model(replay: &Replay, api: &str, name: &str) -> Answer {
    replay
        .call(
            Service::ApiGateway,
            "DELETE",
            &format!("/restapis/{api}/models/{name}"),
            None,
        )
        .await
}

/// TestApiGatewayApiModels::test_model_lifecycle: a model created, listed with the two every
/// API is made with (`Empty`, `Error`), read and deleted.
#[tokio::test]
async fn a_models_lifecycle_lists_it_with_empty_and_error_as_recorded() {
    let mut replay = Replay::start(API, "TestApiGatewayApiModels::test_model_lifecycle").await;
    let (api, _) = rest_api(&replay, "testing resource model lifecycle").await;
    // The test's schema text, tabs and all (from AWS's CreateModel example).
    let schema = "{\n\t\"title\": \"Calc output\",\n\t\"type\": \"object\",\n\t\"properties\": {\n\t\t\"a\": {\n\t\t\t\"type\": \"number\"\n\t\t},\n\t\t\"b\": {\n\t\t\t\"type\": \"number\"\n\t\t},\n\t\t\"op\": {\n\t\t\t\"description\": \"operation of +, -, * or /\",\n\t\t\t\"type\": \"string\"\n\t\t},\n\t\t\"c\": {\n\t\t    \"type\": \"number\"\n\t\t}\n\t},\n\t\"required\": [\"a\", \"b\", \"op\"]\n}\n";
    let created = create_model(
        &replay,
        &api,
        json!({
            "name": "CalcOutput",
            "contentType": "application/json",
            "description": "Calc output model",
            "schema": schema,
        }),
    )
    .await;
    replay.check("create-model", &created);
    let mut listed = replay
        .call(
            Service::ApiGateway,
            "GET",
            &format!("/restapis/{api}/models"),
            None,
        )
        .await;
    // The test sorts the items by name.
    if let Some(items) = listed.body["items"].as_array_mut() {
        items.sort_by(|a, b| a["name"].as_str().cmp(&b["name"].as_str()));
    }
    replay.check("get-models", &listed);
    // The recording stands in for the names; the test asserts these two by name.
    let names: Vec<&str> = listed.body["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|m| m["name"].as_str())
        .collect();
    assert!(
        names.contains(&"Empty") && names.contains(&"Error"),
        "{names:?}"
    );
    let read = replay
        .call(
            Service::ApiGateway,
            "GET",
            &format!("/restapis/{api}/models/CalcOutput"),
            None,
        )
        .await;
    replay.check("get-model", &read);
    let deleted = delete_model(&replay, &api, "CalcOutput").await;
    replay.check("del-model", &deleted);
    replay.stop().await;
}

/// TestApiGatewayApiModels::test_model_validation: which API or model is named missing, an
/// empty description taken, and a duplicate, an empty name and an empty or absent schema
/// refused.
#[tokio::test]
async fn model_refusals_name_what_is_wrong_as_recorded() {
    let mut replay = Replay::start(API, "TestApiGatewayApiModels::test_model_validation").await;
    let (api, _) = rest_api(&replay, "testing resource model lifecycle").await;
    let answer = create_model(
        &replay,
        NO_API,
        json!({
            "name": "MySchema",
            "contentType": "application/json",
            "description": "Test model",
            "schema": titled_schema("MySchema"),
        }),
    )
    .await;
    replay.check("create-model-wrong-id", &answer);
    let models = format!("/restapis/{NO_API}/models");
    let answer = replay.call(Service::ApiGateway, "GET", &models, None).await;
    replay.check("get-models-wrong-id", &answer);
    let answer = replay
        .call(
            Service::ApiGateway,
            "GET",
            &format!("{models}/MySchema"),
            None,
        )
        .await;
    replay.check("get-model-wrong-id", &answer);
    let answer = delete_model(&replay, NO_API, "MySchema").await;
    replay.check("del-model-wrong-id", &answer);

    let my_schema = json!({
        "name": "MySchema",
        "contentType": "application/json",
        "description": "",
        "schema": titled_schema("MySchema"),
    });
    // Asserted by the test, not recorded: an empty description is taken.
    let created = create_model(&replay, &api, my_schema.clone()).await;
    assert_eq!(created.status, 201, "{created:?}");
    let answer = create_model(&replay, &api, my_schema.clone()).await;
    replay.check("create-model-already-exists", &answer);
    let mut nameless = my_schema;
    nameless["name"] = json!("");
    let answer = create_model(&replay, &api, nameless).await;
    replay.check("create-model-empty-name", &answer);
    for (key, model) in [
        (
            "create-model-empty-schema",
            json!({ "name": "MyEmptySchema", "contentType": "application/json",
                    "description": "", "schema": "" }),
        ),
        (
            "create-model-no-schema-json",
            json!({ "name": "MyEmptySchema", "contentType": "application/json",
                    "description": "" }),
        ),
        (
            "create-model-no-schema-xml",
            json!({ "name": "MyEmptySchemaXml", "contentType": "application/xml",
                    "description": "" }),
        ),
    ] {
        let answer = create_model(&replay, &api, model).await;
        replay.check(key, &answer);
    }
    replay.stop().await;
}

/// TestApiGatewayApiModels::test_update_model: the schema and the description replaced (an
/// empty description then left out), and the refusals of an unknown model, an unsupported
/// operation or path, and an empty schema.
#[tokio::test]
async fn a_models_schema_and_description_are_replaced_and_other_patches_refused_as_recorded() {
    let mut replay = Replay::start(API, "TestApiGatewayApiModels::test_update_model").await;
    let (api, _) = rest_api(&replay, "testing update resource model").await;
    let replace = json!([
        { "op": "replace", "path": "/schema", "value": titled_schema("Updated schema") },
        { "op": "replace", "path": "/description", "value": "" },
    ]);
    let answer = update_model(&replay, NO_API, "mySchema", replace.clone()).await;
    replay.check("update-model-wrong-id", &answer);
    let created = create_model(
        &replay,
        &api,
        json!({
            "name": "MySchema",
            "contentType": "application/json",
            "description": "",
            "schema": titled_schema("MySchema"),
        }),
    )
    .await;
    replay.check("create-model", &created);
    let answer = update_model(&replay, &api, "MySchema", replace).await;
    replay.check("update-model", &answer);
    for (key, operation) in [
        (
            "update-model-invalid-op",
            json!({ "op": "add", "path": "/wrong-path", "value": "not supported op" }),
        ),
        (
            "update-model-invalid-path",
            json!({ "op": "replace", "path": "/name", "value": "invalid" }),
        ),
        (
            "update-model-empty-schema",
            json!({ "op": "replace", "path": "/schema", "value": "" }),
        ),
    ] {
        let answer = update_model(&replay, &api, "MySchema", json!([operation])).await;
        replay.check(key, &answer);
    }
    replay.stop().await;
}

/// TestApiGatewayApiMethod::test_put_method_model: a model a method request names cannot be
/// deleted (the refusal names the method, `//ANY` for ANY on the root), and can once no method
/// names it.
#[tokio::test]
async fn a_model_a_method_request_names_is_kept_from_deletion_as_recorded() {
    let mut replay = Replay::start(API, "TestApiGatewayApiMethod::test_put_method_model").await;
    let (api, root) = rest_api(&replay, "testing resource method model").await;
    for (key, name) in [
        ("create-model", "MySchema"),
        ("create-model-2", "MySchemaTwo"),
    ] {
        let created = create_model(
            &replay,
            &api,
            json!({
                "name": name,
                "contentType": "application/json",
                "description": "",
                "schema": titled_schema(name),
            }),
        )
        .await;
        replay.check(key, &created);
    }
    let root_any = format!("/restapis/{api}/resources/{root}/methods/ANY");
    let put = replay
        .call(
            Service::ApiGateway,
            "PUT",
            &root_any,
            Some(json!({
                "authorizationType": "NONE",
                "requestModels": { "application/json": "MySchema" },
            })),
        )
        .await;
    replay.check("put-method-request-models", &put);
    let answer = delete_model(&replay, &api, "MySchema").await;
    replay.check("delete-model-used", &answer);
    let to_two = json!({ "patchOperations": [
        { "op": "replace", "path": "/requestModels/application~1json", "value": "MySchemaTwo" },
    ] });
    let answer = replay
        .call(Service::ApiGateway, "PATCH", &root_any, Some(to_two))
        .await;
    replay.check("update-method-model", &answer);
    let answer = delete_model(&replay, &api, "MySchema").await;
    replay.check("delete-model-unused", &answer);
    let answer = delete_model(&replay, &api, "MySchemaTwo").await;
    replay.check("delete-model-used-2", &answer);

    let resource = replay
        .call(
            Service::ApiGateway,
            "POST",
            &format!("/restapis/{api}/resources/{root}"),
            Some(json!({ "pathPart": "test" })),
        )
        .await;
    assert_eq!(resource.status, 201, "{resource:?}");
    let test_any = format!(
        "/restapis/{api}/resources/{}/methods/ANY",
        resource.body["id"].as_str().unwrap()
    );
    let put = replay
        .call(
            Service::ApiGateway,
            "PUT",
            &test_any,
            Some(json!({
                "authorizationType": "NONE",
                "requestModels": { "application/json": "MySchemaTwo" },
            })),
        )
        .await;
    replay.check("put-method-2-request-models", &put);
    // Two methods name the model; AWS named `/test/ANY`. LocalStack does not verify which one
    // ("we can't guarantee the last method will be the same as AWS"); the local cloud names
    // them in an order of its own that gives AWS's answer here (see `referenced_at`).
    let answer = delete_model(&replay, &api, "MySchemaTwo").await;
    replay.check("delete-model-used-by-2-method", &answer);
    let remove = json!({ "patchOperations": [
        { "op": "remove", "path": "/requestModels/application~1json", "value": "MySchemaTwo" },
    ] });
    let answer = replay
        .call(Service::ApiGateway, "PATCH", &test_any, Some(remove))
        .await;
    replay.check("update-method-model-2", &answer);
    let answer = delete_model(&replay, &api, "MySchemaTwo").await;
    replay.check("delete-model-used-by-method-1", &answer);
    let answer = replay
        .call(Service::ApiGateway, "DELETE", &root_any, None)
        .await;
    replay.check("delete-method-using-model-2", &answer);
    let answer = delete_model(&replay, &api, "MySchemaTwo").await;
    replay.check("delete-model-unused-2", &answer);
    replay.stop().await;
}
