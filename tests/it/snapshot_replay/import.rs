//! ImportRestApi and PutRestApi (LocalStack's test_apigateway_import.py). The documents
//! imported are LocalStack's own, copied verbatim into `files/` (see its README).

use serde_json::{json, Value};

use super::apigateway_validation::StageCall;
use super::{Answer, Replay, Service};

const FILE: &str = "apigateway-test_apigateway_import.snapshot.json";
const PULUMI: &str = include_str!("files/openapi.spec.pulumi.json");
const PETS: &str = include_str!("files/pets.json");
const TF: &str = include_str!("files/openapi.spec.tf.json");
const MOCK_CORS: &str = include_str!("files/swagger-mock-cors.json");
const PETSTORE_AUTHORIZER: &str = include_str!("files/petstore-authorizer.swagger.json");
const BASE_PATH: &str = include_str!("files/swagger.json");
const GLOBAL_API_KEY: &str = include_str!("files/openapi.spec.global-auth.json");
const HTTP_METHOD_INTEGRATION: &str = include_str!("files/openapi-http-method-integration.json");
const COGNITO: &str = include_str!("files/openapi.cognito-auth.json");
/// The test's stand-in for a function's invocation ARN, which AWS does not resolve at import.
const PLACEHOLDER_INVOCATION: &str = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:account-id:function:function-name/invocations";
const BASE_PATH_VARIABLE: &str = include_str!("files/openapi-basepath-server-variable.yaml");
const BASE_PATH_URL: &str = include_str!("files/openapi-basepath-url.yaml");
const INTEGER_STATUS: &str = include_str!("files/openapi-method-int.spec.yaml");
const MOCK: &str = include_str!("files/openapi-mock.json");
const CIRCULAR: &str = include_str!("files/openapi.spec.circular-ref.json");
const CIRCULAR_VALIDATED: &str =
    include_str!("files/openapi.spec.circular-ref-with-request-body.json");
const STAGE_VARIABLES: &str = include_str!("files/openapi.spec.stage-variables.json");

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
    put_with(replay, api, &query, document).await
}

/// PutRestApi of `document` over `api` with the query `query` (`?mode=…&basepath=…`).
async fn put_with(replay: &Replay, api: &str, query: &str, document: &str) -> Answer {
    let path = format!("/restapis/{api}{query}");
    replay
        .call_text(Service::ApiGateway, "PUT", &path, Some(document.into()))
        .await
}

/// CreateRestApi of `name`: its id.
async fn new_api(replay: &Replay, name: &str) -> String {
    let created = super::apigateway::create_rest_api(replay, name, None).await;
    assert_eq!(created.status, 201, "{created:?}");
    created.body["id"].as_str().unwrap().to_string()
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

/// A recorded list's items (`{"items": […]}`) sorted by `member`, as the test sorts them
/// before it records them (`sorted(…, key=itemgetter(member))`).
fn sorted_items(mut answer: Answer, member: &str) -> Answer {
    if let Some(Value::Array(items)) = answer.body.get_mut("items") {
        items.sort_by(|a, b| a[member].as_str().cmp(&b[member].as_str()));
    }
    answer
}

/// Each of `answer`'s and the recording's resources without `resourceMethods`' `methods`:
/// what the test's `skip_snapshot_verify` leaves unverified (AWS answered them empty).
fn without_resource_methods(
    recorded: &Value,
    answer: &Answer,
    methods: &[&str],
) -> (Value, Answer) {
    let strip = |body: &Value| {
        let mut body = body.clone();
        for item in body["items"].as_array_mut().into_iter().flatten() {
            if let Some(found) = item
                .get_mut("resourceMethods")
                .and_then(Value::as_object_mut)
            {
                for method in methods {
                    found.remove(*method);
                }
                if found.is_empty() {
                    item.as_object_mut().unwrap().remove("resourceMethods");
                }
            }
        }
        body
    };
    let answer = Answer {
        status: answer.status,
        code: answer.code.clone(),
        body: strip(&answer.body),
    };
    (strip(recorded), answer)
}

/// ImportRestApi of `document` with `failonwarnings=true`, checked under `key`; its id.
async fn import_checked(replay: &mut Replay, key: &str, document: &str) -> String {
    let imported = import(replay, "&failonwarnings=true", document).await;
    replay.check(key, &imported);
    imported.body["id"].as_str().unwrap().to_string()
}

/// GetResources of `api`, sorted by path and checked under `key` but for the `skipped`
/// `resourceMethods`; then, as LocalStack's `apigw_snapshot_imported_resources` does, every
/// method of every resource: GetMethod, GetMethodResponse 200, GetIntegration and
/// GetIntegrationResponse 200, each checked under its recorded key (`method-pets-get`, …).
async fn check_imported_resources(replay: &mut Replay, api: &str, key: &str, skipped: &[&str]) {
    check_imported_resources_as(replay, api, key, skipped, "").await
}

/// `check_imported_resources`, each method's keys under `prefix` (`srv-var-method-test-get`).
async fn check_imported_resources_as(
    replay: &mut Replay,
    api: &str,
    key: &str,
    skipped: &[&str],
    prefix: &str,
) {
    let resources = replay
        .call(
            Service::ApiGateway,
            "GET",
            &format!("/restapis/{api}/resources"),
            None,
        )
        .await;
    let resources = sorted_items(resources, "path");
    let (recorded, answer) = without_resource_methods(&replay.recorded[key], &resources, skipped);
    replay.check_against(key, recorded, &answer);
    for resource in resources.body["items"].as_array().unwrap() {
        let path = resource["path"].as_str().unwrap();
        let name = if path == "/" { "root" } else { &path[1..] };
        let id = resource["id"].as_str().unwrap();
        let methods = resource["resourceMethods"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        for method in methods.keys() {
            let suffix = format!("{name}-{}", method.to_lowercase());
            let base = format!("/restapis/{api}/resources/{id}/methods/{method}");
            for (kind, path) in [
                ("method", base.clone()),
                ("method-response", format!("{base}/responses/200")),
                ("integration", format!("{base}/integration")),
                (
                    "integration-response",
                    format!("{base}/integration/responses/200"),
                ),
            ] {
                let answer = replay.call(Service::ApiGateway, "GET", &path, None).await;
                replay.check(&format!("{prefix}{kind}-{suffix}"), &answer);
            }
        }
    }
}

/// GetModels of `api`, sorted by name, checked under `key`.
async fn check_models(replay: &mut Replay, api: &str, key: &str) {
    let models = replay
        .call(
            Service::ApiGateway,
            "GET",
            &format!("/restapis/{api}/models"),
            None,
        )
        .await;
    replay.check(key, &sorted_items(models, "name"));
}

/// test_import_and_validate_rest_api: a Terraform example's OpenAPI 3.0 document and a
/// SAM-synthesized Swagger 2.0 one (mocks answering CORS, Lambda proxies), each imported, then
/// its models, resources, methods, method responses, integrations and integration responses.
async fn imports_and_reads_back_as_recorded(document: &str, variant: &str) {
    let mut replay = Replay::start(
        FILE,
        &format!("TestApiGatewayImportRestApi::test_import_and_validate_rest_api[{variant}]"),
    )
    .await;
    let api = import_checked(&mut replay, "import_tf_rest_api", document).await;
    check_models(&mut replay, &api, "get-models").await;
    check_imported_resources(&mut replay, &api, "resources", &["GET", "OPTIONS"]).await;
}

#[tokio::test]
async fn a_terraform_openapi_document_imports_and_reads_back_as_recorded() {
    imports_and_reads_back_as_recorded(TF, "openapi.spec.tf.json").await;
}

#[tokio::test]
async fn a_sam_swagger_document_with_cors_mocks_imports_and_reads_back_as_recorded() {
    imports_and_reads_back_as_recorded(MOCK_CORS, "swagger-mock-cors.json").await;
}

/// test_import_swagger_api: the Pet Store with two Lambda authorizers (one unused), HTTP
/// integrations, CORS mocks and six models referring to one another. The authorizer's URI and
/// role are the test's placeholders, which AWS does not resolve at import.
#[tokio::test]
async fn the_petstore_with_authorizers_imports_and_reads_back_as_recorded() {
    let mut replay =
        Replay::start(FILE, "TestApiGatewayImportRestApi::test_import_swagger_api").await;
    let document = PETSTORE_AUTHORIZER
        .replace(
            "${uri}",
            "http://petstore.execute-api.us-east-1.amazonaws.com/petstore/pets",
        )
        .replace(
            "arn:aws:iam::account-id:role",
            "arn:aws:iam::000000000000:role/lambda-su-role",
        );
    let api = import_checked(&mut replay, "import-swagger", &document).await;
    let authorizers = replay
        .call(
            Service::ApiGateway,
            "GET",
            &format!("/restapis/{api}/authorizers"),
            None,
        )
        .await;
    let mut authorizers = sorted_items(authorizers, "name");
    // Skipped by the test (`$.get-authorizers.items[1].authorizerResultTtlInSeconds`).
    let mut recorded = replay.recorded["get-authorizers"].clone();
    for body in [&mut recorded, &mut authorizers.body] {
        if let Some(unused) = body["items"][1].as_object_mut() {
            unused.remove("authorizerResultTtlInSeconds");
        }
    }
    replay.check_against("get-authorizers", recorded, &authorizers);
    check_models(&mut replay, &api, "get-models").await;
    check_imported_resources(&mut replay, &api, "resources", &["GET", "OPTIONS", "POST"]).await;
}

/// GetModels sorted by name with each schema's `required` sorted, as the test's
/// `SortingTransformer("required")` records them.
async fn check_models_sorting_required(replay: &mut Replay, api: &str, key: &str) {
    let models = replay
        .call(
            Service::ApiGateway,
            "GET",
            &format!("/restapis/{api}/models"),
            None,
        )
        .await;
    let mut models = sorted_items(models, "name");
    // (The replay has parsed each schema, as the recording holds it.)
    for model in models.body["items"].as_array_mut().into_iter().flatten() {
        let required = model.get_mut("schema").and_then(|s| s.get_mut("required"));
        if let Some(required) = required.and_then(Value::as_array_mut) {
            required.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
        }
    }
    replay.check(key, &models);
}

/// test_import_with_circular_models: Person and House refer to each other; AWS imports them
/// (each model's description is its schema's).
#[tokio::test]
async fn models_referring_to_each_other_import_as_recorded() {
    let mut replay = Replay::start(
        FILE,
        "TestApiGatewayImportRestApi::test_import_with_circular_models",
    )
    .await;
    let api = import_checked(&mut replay, "import-api", CIRCULAR).await;
    check_models_sorting_required(&mut replay, &api, "get-models").await;
    check_imported_resources(&mut replay, &api, "resources", &["POST"]).await;
}

/// test_import_with_circular_models_and_request_validation: the same models, a validator that
/// checks the body against Person, through House and back: a body that follows them passes
/// the MOCK integration, one that does not is "Invalid request body", however deep.
#[tokio::test]
async fn a_body_is_validated_through_circular_models_as_recorded() {
    let mut replay = Replay::start(
        FILE,
        "TestApiGatewayImportRestApi::test_import_with_circular_models_and_request_validation",
    )
    .await;
    let api = import_checked(&mut replay, "import-api", CIRCULAR_VALIDATED).await;
    check_models_sorting_required(&mut replay, &api, "get-models").await;
    let validators = replay
        .call(
            Service::ApiGateway,
            "GET",
            &format!("/restapis/{api}/requestvalidators"),
            None,
        )
        .await;
    replay.check("request-validators", &validators);
    check_imported_resources(&mut replay, &api, "resources", &["POST"]).await;
    super::apigateway::deploy(&replay, &api, "local").await;
    let post = |json: Value| StageCall {
        method: "POST",
        query: "",
        headers: &[],
        json: Some(json),
    };
    let valid = json!({
        "name": "Person1",
        "b": 2,
        "house": {
            "randomProperty": "this is random",
            "contains": [{ "name": "Person2", "b": 3 }],
        },
    });
    let (status, _) = post(valid).send(&replay, &api, "/person").await;
    assert_eq!(status, 200);
    let deep_miss = json!({
        "name": "Person1",
        "b": 2,
        "house": {
            "randomProperty": "this is random, but I follow House schema except for contains",
            "contains": [{ "randomObject": "I am not following Person schema" }],
        },
    });
    for wrong in [json!({ "random": "blabla" }), deep_miss] {
        let (status, body) = post(wrong).send(&replay, &api, "/person").await;
        assert_eq!(
            (status, &body["message"]),
            (400, &json!("Invalid request body"))
        );
    }
}

/// test_import_rest_apis_with_base_path_swagger: a Swagger document with `basePath: /base`
/// put over a new API with `basepath` `ignore`, `prepend` or `split`, then a document with no
/// base path imported with the same parameter.
async fn base_path_folds_as_recorded(mode: &str) {
    let mut replay = Replay::start(
        FILE,
        &format!(
            "TestApiGatewayImportRestApi::test_import_rest_apis_with_base_path_swagger[{mode}]"
        ),
    )
    .await;
    let api = new_api(&replay, "restapi-base").await;
    let document = BASE_PATH
        .replace(
            "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:myapi-authorizer-0-22ad13b/invocations",
            "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:account-id:function:function-name/invocations",
        )
        .replace(
            "arn:aws:iam::000000000000:role/myapi-authorizer-0-authorizer-role-3bd761a",
            "arn:aws:iam::000000000000:role/lambda-su-role",
        );
    let query = format!("?mode=overwrite&basepath={mode}");
    let put = put_with(&replay, &api, &query, &document).await;
    replay.check("put-rest-api-swagger-json", &put);
    check_imported_resources(
        &mut replay,
        &api,
        "get-resources-swagger-json",
        &["GET", "OPTIONS"],
    )
    .await;
    let imported = import(&replay, &format!("&basepath={mode}"), PETS).await;
    assert_eq!(imported.status, 201, "{imported:?}");
    let second = imported.body["id"].as_str().unwrap().to_string();
    check_imported_resources(
        &mut replay,
        &second,
        "get-resources-no-base-path-swagger",
        &["GET", "OPTIONS"],
    )
    .await;
}

#[tokio::test]
async fn a_base_path_ignored_is_as_recorded() {
    base_path_folds_as_recorded("ignore").await;
}

#[tokio::test]
async fn a_base_path_prepended_is_as_recorded() {
    base_path_folds_as_recorded("prepend").await;
}

#[tokio::test]
async fn a_base_path_split_is_as_recorded() {
    base_path_folds_as_recorded("split").await;
}

/// GetAuthorizers of `api`, checked under `key`.
async fn authorizers(replay: &Replay, api: &str) -> Answer {
    replay
        .call(
            Service::ApiGateway,
            "GET",
            &format!("/restapis/{api}/authorizers"),
            None,
        )
        .await
}

/// test_import_with_global_api_key_authorizer: a REQUEST authorizer that is the API key's
/// source (`x-amazon-apigateway-api-key-source: AUTHORIZER`), applied to every operation by
/// the document's global `security`.
#[tokio::test]
async fn a_global_authorizer_as_api_key_source_imports_as_recorded() {
    let mut replay = Replay::start(
        FILE,
        "TestApiGatewayImportRestApi::test_import_with_global_api_key_authorizer",
    )
    .await;
    let document = GLOBAL_API_KEY.replace(
        "${authorizer_lambda_invocation_arn}",
        PLACEHOLDER_INVOCATION,
    );
    let api = import_checked(&mut replay, "import-swagger", &document).await;
    let found = authorizers(&replay, &api).await;
    replay.check("get-authorizers", &found);
    check_imported_resources(&mut replay, &api, "resources", &["GET", "ANY"]).await;
}

/// test_import_with_http_method_integration: an AWS (Lambda, non-proxy) integration invoked
/// asynchronously through a static header, and a CORS mock.
#[tokio::test]
async fn an_aws_integration_with_its_own_method_imports_as_recorded() {
    let mut replay = Replay::start(
        FILE,
        "TestApiGatewayImportRestApi::test_import_with_http_method_integration",
    )
    .await;
    let document =
        HTTP_METHOD_INTEGRATION.replace("${lambda_invocation_arn}", PLACEHOLDER_INVOCATION);
    let imported = import(&replay, "&failonwarnings=true", &document).await;
    assert_eq!(imported.status, 201, "{imported:?}");
    let api = imported.body["id"].as_str().unwrap().to_string();
    check_imported_resources(&mut replay, &api, "resources", &["GET", "OPTIONS"]).await;
}

/// test_import_with_cognito_auth_identity_source: two Cognito user pool authorizers with their
/// own identity source, a default one and per-operation overrides with scopes.
#[tokio::test]
async fn cognito_authorizers_with_identity_sources_import_as_recorded() {
    let mut replay = Replay::start(
        FILE,
        "TestApiGatewayImportRestApi::test_import_with_cognito_auth_identity_source",
    )
    .await;
    let document = COGNITO.replace(
        "${cognito_pool_arn}",
        "arn:aws:cognito-idp:us-east-1:000000000000:userpool/us-east-1_ABC123",
    );
    let api = import_checked(&mut replay, "import-swagger", &document).await;
    // The test records the sorted items alone, a list.
    let found = sorted_items(authorizers(&replay, &api).await, "name");
    let recorded = replay.recorded["get-authorizers"].clone();
    replay
        .stand_ins
        .matches(&recorded, &found.body["items"], "get-authorizers");
    check_imported_resources(&mut replay, &api, "resources", &["GET"]).await;
}

/// Deploys `api` to `local` and GETs `path` there: the status and body.
async fn deploy_and_get(replay: &Replay, api: &str, path: &str) -> (u16, Value) {
    super::apigateway::deploy(replay, api, "local").await;
    let get = StageCall {
        method: "GET",
        query: "",
        headers: &[],
        json: None,
    };
    get.send(replay, api, path).await
}

/// `deploy_and_get`, which must be a MOCK's 200.
async fn deployed_answers(replay: &Replay, api: &str, path: &str) {
    let (status, body) = deploy_and_get(replay, api, path).await;
    assert_eq!(status, 200, "GET {path}: {body}");
}

/// test_import_rest_api_with_base_path_oas30: two YAML OpenAPI 3.0 documents whose base path
/// is a server variable (`/base-var`) or in the server URL (`/base-url/part`), each put over
/// the API with `basepath` `mode`, deployed and called where the mode puts the resource.
async fn an_oas30_base_path_folds_as_recorded(mode: &str) {
    let mut replay = Replay::start(
        FILE,
        &format!("TestApiGatewayImportRestApi::test_import_rest_api_with_base_path_oas30[{mode}]"),
    )
    .await;
    let api = new_api(&replay, "restapi-oas30").await;
    let query = format!("?mode=overwrite&basepath={mode}");
    let put = put_with(&replay, &api, &query, BASE_PATH_VARIABLE).await;
    replay.check("put-rest-api-oas30-srv-var", &put);
    let key = "get-resources-oas30-srv-var";
    check_imported_resources_as(&mut replay, &api, key, &["GET", "OPTIONS"], "srv-var-").await;
    let at = if mode == "prepend" {
        "/base-var/test"
    } else {
        "/test"
    };
    deployed_answers(&replay, &api, at).await;
    let put = put_with(&replay, &api, &query, BASE_PATH_URL).await;
    replay.check("put-rest-api-oas30-srv-url", &put);
    let key = "get-resources-oas30-srv-url";
    check_imported_resources_as(&mut replay, &api, key, &["GET", "OPTIONS"], "srv-url-").await;
    let at = match mode {
        "prepend" => "/base-url/part/test",
        "split" => "/part/test",
        _ => "/test",
    };
    deployed_answers(&replay, &api, at).await;
}

#[tokio::test]
async fn an_oas30_base_path_ignored_is_as_recorded() {
    an_oas30_base_path_folds_as_recorded("ignore").await;
}

#[tokio::test]
async fn an_oas30_base_path_prepended_is_as_recorded() {
    an_oas30_base_path_folds_as_recorded("prepend").await;
}

#[tokio::test]
async fn an_oas30_base_path_split_is_as_recorded() {
    an_oas30_base_path_folds_as_recorded("split").await;
}

/// test_import_with_integer_http_status_code: YAML lets a status be a number (`200:`,
/// `statusCode: 200`); AWS takes it as the text.
#[tokio::test]
async fn a_yaml_document_with_numeric_statuses_imports_as_recorded() {
    let mut replay = Replay::start(
        FILE,
        "TestApiGatewayImportRestApi::test_import_with_integer_http_status_code",
    )
    .await;
    let imported = import(&replay, "&failonwarnings=true", INTEGER_STATUS).await;
    assert_eq!(imported.status, 201, "{imported:?}");
    let api = imported.body["id"].as_str().unwrap().to_string();
    check_imported_resources(&mut replay, &api, "resources", &["GET"]).await;
}

/// test_apigateway_basic.py::TestAPIGateway::test_api_gateway_mock_integration: a MOCK
/// `ANY /echo/{data}` put over a new API, deployed, answers its response template with the
/// path parameter.
#[tokio::test]
async fn a_mock_put_over_an_api_answers_its_template_as_recorded() {
    let mut replay = Replay::start(
        "apigateway-test_apigateway_basic.snapshot.json",
        "TestAPIGateway::test_api_gateway_mock_integration",
    )
    .await;
    let api = new_api(&replay, "apigw-mock").await;
    let answer = put(&replay, &api, Some("overwrite"), MOCK).await;
    assert_eq!(answer.status, 200, "{answer:?}");
    let (status, body) = deploy_and_get(&replay, &api, "/echo/foobar").await;
    let answer = Answer {
        status,
        code: None,
        body,
    };
    replay.check("mocked-response", &answer);
}

/// test_import_with_stage_variables: an imported HTTP_PROXY integration whose URI is made of
/// stage variables (`http://${stageVariables.TestHost}/${stageVariables.testPath}?${stageVariables.querystring}`,
/// `https://` made `http://` as LocalStack does off AWS) calls what a stage's variables name;
/// a stage without them answers 500 `InternalServerErrorException`. The echo (a function URL
/// on AWS) is the loopback one of `apigateway_http.rs`; `TestHost` is its host and port (the
/// test strips only the scheme of the function URL, whose trailing `/` would make the path
/// `//test-path` here; AWS answered `/test-path`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stage_variables_make_an_imported_uri_as_recorded() {
    let mut replay = Replay::start(
        FILE,
        "TestApiGatewayImportRestApi::test_import_with_stage_variables",
    )
    .await;
    let imported = import(
        &replay,
        "&failonwarnings=true",
        &STAGE_VARIABLES.replace("https://", "http://"),
    )
    .await;
    assert_eq!(imported.status, 201, "{imported:?}");
    let api = imported.body["id"].as_str().unwrap().to_string();
    let echo = super::apigateway_http::echo_server(false, true).await;
    let endpoint = echo
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    let deployed = replay
        .call(
            Service::ApiGateway,
            "POST",
            &format!("/restapis/{api}/deployments"),
            Some(json!({})),
        )
        .await;
    assert_eq!(deployed.status, 201, "{deployed:?}");
    let deployment = deployed.body["id"].clone();
    for (stage, variables) in [
        (
            "v1",
            json!({ "TestHost": endpoint, "testPath": "test-path", "querystring": "qs_key=qs_value" }),
        ),
        ("v2", json!({})),
    ] {
        let created = replay
            .call(
                Service::ApiGateway,
                "POST",
                &format!("/restapis/{api}/stages"),
                Some(json!({ "stageName": stage, "deploymentId": deployment, "variables": variables })),
            )
            .await;
        assert_eq!(created.status, 201, "{created:?}");
    }
    let port = replay.cloud.address.port();
    let client = replay.client.clone();
    let get = |stage: &str| {
        client
            .get(format!("http://127.0.0.1:{port}/{stage}/path1"))
            .header("host", format!("{api}.execute-api.localhost:{port}"))
            .send()
    };
    let answer = get("v1").await.unwrap();
    assert_eq!(answer.status(), 200);
    let mut body: Value = serde_json::from_str(&answer.text().await.unwrap()).unwrap();
    body.as_object_mut().unwrap().remove("headers");
    let answer = Answer {
        status: 200,
        code: None,
        body,
    };
    replay.check("get-resp-from-http", &answer);
    let answer = get("v2").await.unwrap();
    assert_eq!(answer.status(), 500);
    let error_type = answer.headers()["x-amzn-errortype"]
        .to_str()
        .unwrap()
        .to_string();
    let body: Value = serde_json::from_str(&answer.text().await.unwrap()).unwrap();
    let answer = Answer {
        status: 200,
        code: None,
        body: json!({ "body": body, "errorType": error_type }),
    };
    replay.check("get-error-resp-from-http", &answer);
    replay.stop().await;
}
