//! GetExport held to the documents AWS exported. LocalStack's AWS-validated
//! `test_export_swagger_openapi` and `test_export_oas30_openapi` (recorded in
//! `tests/aws-recordings/apigateway-test_apigateway_extended.snapshot.json`) imported an API
//! with ImportRestApi, which the local cloud does not emulate; the tests here build the same
//! API from CreateRestApi, CreateModel, CreateResource, PutMethod, PutMethodResponse,
//! PutIntegration and PutIntegrationResponse, deploy it to stage `local`, and compare each
//! exported document (parsed, members in any order) and its Content-Type and
//! Content-Disposition with what AWS answered.
//!
//! Beyond the recordings: every document is valid OpenAPI to `openapi-spec-validator`, in JSON
//! and in YAML, and an unknown export type, stage or API is refused.

use std::process::Command;

use serde_json::{json, Value};

use crate::common;
use faqctl::local::{LocalCloud, LocalConfig};

const RECORDINGS: &str = "apigateway-test_apigateway_extended.snapshot.json";
/// The region the requests here are signed for (the local cloud serves the one they name).
const REGION: &str = "us-east-1";
const VALIDATOR_INSTALL: &str =
    "python3 -m pip install 'openapi-spec-validator==0.9.0' (scripts/test does it)";

/// A local cloud and a client of its control plane.
struct Control {
    cloud: LocalCloud,
    client: reqwest::Client,
}

/// An answer to GetExport, as it came.
#[derive(Debug)]
struct Export {
    status: u16,
    content_type: String,
    disposition: String,
    body: String,
}

impl Export {
    fn document(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not a JSON document ({e}): {}", self.body))
    }
}

impl Control {
    async fn start() -> Control {
        Control {
            cloud: common::local_cloud(LocalConfig::default()).await,
            client: reqwest::Client::new(),
        }
    }

    fn request(&self, method: &str, path: &str) -> reqwest::RequestBuilder {
        self.client
            .request(
                method.parse().unwrap(),
                format!("{}{path}", self.cloud.endpoint()),
            )
            .header(
                "authorization",
                format!("AWS4-HMAC-SHA256 Credential=test/20261124/{REGION}/apigateway/aws4_request, SignedHeaders=host, Signature=0"),
            )
    }

    /// A control-plane call that must succeed: its answer.
    async fn call(&self, method: &str, path: &str, body: Value) -> Value {
        let mut request = self.request(method, path);
        if !body.is_null() {
            request = request
                .header("content-type", "application/json")
                .body(body.to_string());
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        assert!(status.is_success(), "{method} {path}: {status} {text}");
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    /// GetExport, with the query (`?extensions=apigateway`) and Accept header given.
    async fn export(
        &self,
        api: &str,
        stage: &str,
        kind: &str,
        query: &str,
        accept: Option<&str>,
    ) -> Export {
        let mut request = self.request(
            "GET",
            &format!("/restapis/{api}/stages/{stage}/exports/{kind}{query}"),
        );
        if let Some(accept) = accept {
            request = request.header("accept", accept);
        }
        let response = request.send().await.unwrap();
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string()
        };
        let (status, content_type, disposition) = (
            response.status().as_u16(),
            header("content-type"),
            header("content-disposition"),
        );
        let body = response.text().await.unwrap();
        Export {
            status,
            content_type,
            disposition,
            body,
        }
    }

    /// A method with its response, integration and integration response for status 200
    /// (each body as PutMethod, PutMethodResponse, PutIntegration and PutIntegrationResponse
    /// take it).
    async fn method(&self, api: &str, resource: &str, verb: &str, parts: [Value; 4]) {
        let method = format!("/restapis/{api}/resources/{resource}/methods/{verb}");
        let [request, response, integration, integration_response] = parts;
        self.call("PUT", &method, request).await;
        self.call("PUT", &format!("{method}/responses/200"), response)
            .await;
        self.call("PUT", &format!("{method}/integration"), integration)
            .await;
        self.call(
            "PUT",
            &format!("{method}/integration/responses/200"),
            integration_response,
        )
        .await;
    }

    /// A resource `part` under `parent`: its id.
    async fn resource(&self, api: &str, parent: &str, part: &str) -> String {
        let created = self
            .call(
                "POST",
                &format!("/restapis/{api}/resources/{parent}"),
                json!({ "pathPart": part }),
            )
            .await;
        created["id"].as_str().unwrap().to_string()
    }

    async fn deploy(&self, api: &str, stage: &str) {
        self.call(
            "POST",
            &format!("/restapis/{api}/deployments"),
            json!({ "stageName": stage }),
        )
        .await;
    }
}

/// One recorded answer of a test (`get-export`, `get-export-with-extensions`).
fn recorded(test: &str, key: &str) -> Value {
    let path = common::workspace()
        .join("tests/aws-recordings")
        .join(RECORDINGS);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let snapshot: Value = serde_json::from_str(&text).unwrap();
    let answer = snapshot["tests"][test]["recorded-content"][key].clone();
    assert!(answer.is_object(), "{}: no {test} {key}", path.display());
    answer
}

/// A document with its `parameters` lists in one order (by location, then name). OpenAPI
/// identifies a parameter by the two, so their order means nothing; AWS's follows a map of the
/// method's whose order its API does not define (PetStore's `GET /pets`: `type`, then `page`).
fn parameters_sorted(mut document: Value) -> Value {
    fn walk(value: &mut Value) {
        match value {
            Value::Object(members) => {
                for (name, member) in members.iter_mut() {
                    if let (true, Value::Array(parameters)) = (name == "parameters", &mut *member) {
                        parameters.sort_by_key(|p| (p["in"].to_string(), p["name"].to_string()));
                    }
                    walk(member);
                }
            }
            Value::Array(items) => items.iter_mut().for_each(walk),
            _ => {}
        }
    }
    walk(&mut document);
    document
}

/// Holds an export to what AWS answered under `key` of `test`: the document, parsed (members
/// in any order), with the recording's stand-ins for the API id and region made this run's,
/// and `date` (an API with no version is exported with its creation time) made `created`; and
/// the two headers.
fn assert_exported_as_recorded(test: &str, key: &str, api: &str, created: &str, export: &Export) {
    let recorded = recorded(test, key);
    assert_eq!(
        export.status, recorded["ResponseMetadata"]["HTTPStatusCode"],
        "{test} {key}: {export:?}"
    );
    let text = recorded["body"]
        .to_string()
        .replace("<api-id:1>", api)
        .replace("<region>", REGION);
    let mut expected: Value = serde_json::from_str(&text).unwrap();
    if expected["info"]["version"] == "date" {
        expected["info"]["version"] = json!(created);
    }
    let actual = export.document();
    assert!(
        parameters_sorted(actual.clone()) == parameters_sorted(expected.clone()),
        "{test} {key}: the document differs from AWS's\n  local: {}\n  AWS:   {}",
        serde_json::to_string_pretty(&actual).unwrap(),
        serde_json::to_string_pretty(&expected).unwrap(),
    );
    assert_eq!(
        export.content_type, recorded["contentType"],
        "{test} {key}: Content-Type"
    );
    let disposition = recorded["contentDisposition"]
        .as_str()
        .unwrap()
        .replace("_date.", &format!("_{created}."));
    assert_eq!(
        export.disposition, disposition,
        "{test} {key}: Content-Disposition"
    );
}

/// What `apigateway get-export` is asked for in the recordings: each type, without and with
/// `extensions=apigateway`, `Accept: application/json` (no `accepts` given: botocore's API
/// Gateway handler sets that header when none is).
const RECORDED_EXPORTS: [(&str, &str, &str); 4] = [
    ("swagger", "", "get-export"),
    (
        "swagger",
        "?extensions=apigateway",
        "get-export-with-extensions",
    ),
    ("oas30", "", "get-export"),
    (
        "oas30",
        "?extensions=apigateway",
        "get-export-with-extensions",
    ),
];

/// The recorded test of an export type and imported file.
fn recorded_test(kind: &str, file: &str) -> String {
    match kind {
        "swagger" => format!("test_export_swagger_openapi[{file}]"),
        _ => format!("test_export_oas30_openapi[{file}]"),
    }
}

/// An API's creation time, as an export names an API with no version (`2026-05-06T18:20:25Z`).
async fn created(control: &Control, api: &str) -> String {
    let got = control
        .call("GET", &format!("/restapis/{api}"), Value::Null)
        .await;
    let seconds = got["createdDate"].as_f64().unwrap() as u64;
    let time = std::time::UNIX_EPOCH + std::time::Duration::from_secs(seconds);
    humantime::format_rfc3339_seconds(time).to_string()
}

/// LocalStack's `tests/aws/files/pets.json` ("Simple PetStore (Swagger)"), deployed to stage
/// `local`: `GET /pets` and `GET /pets/{petId}`, HTTP integrations, no models. Its id.
async fn pets(control: &Control) -> String {
    let api = control
        .call(
            "POST",
            "/restapis",
            json!({
                "name": "Simple PetStore (Swagger)",
                "version": "1.0.0",
                "binaryMediaTypes": ["image/png", "image/jpg"],
            }),
        )
        .await;
    let (id, root) = (
        api["id"].as_str().unwrap().to_string(),
        api["rootResourceId"].as_str().unwrap(),
    );
    let pets = control.resource(&id, root, "pets").await;
    let pet = control.resource(&id, &pets, "{petId}").await;
    control
        .method(
            &id,
            &pets,
            "GET",
            [
                json!({ "authorizationType": "NONE" }),
                json!({}),
                json!({ "type": "HTTP", "httpMethod": "GET",
                        "uri": "http://petstore-demo-endpoint.execute-api.com/petstore/pets" }),
                json!({}),
            ],
        )
        .await;
    control
        .method(
            &id,
            &pet,
            "GET",
            [
                json!({ "authorizationType": "NONE",
                        "requestParameters": { "method.request.path.petId": true } }),
                json!({}),
                json!({ "type": "HTTP", "httpMethod": "GET",
                        "uri": "http://petstore-demo-endpoint.execute-api.com/petstore/pets/{id}",
                        "requestParameters": { "integration.request.path.id": "method.request.path.petId" } }),
                json!({}),
            ],
        )
        .await;
    control.deploy(&id, "local").await;
    id
}

/// test_export_swagger_openapi[TEST_IMPORT_PETS], test_export_oas30_openapi[TEST_IMPORT_PETS]:
/// the execute-api host and the stage as base path, a path parameter, one `200 response` per
/// method, no models (OpenAPI 3's `components` empty), and with `extensions=apigateway` each
/// HTTP integration and the API's binary media types.
#[tokio::test]
async fn pets_exports_as_aws_exported_it_in_swagger_and_openapi_3() {
    let control = Control::start().await;
    let api = pets(&control).await;
    let created = created(&control, &api).await;
    for (kind, query, key) in RECORDED_EXPORTS {
        let export = control
            .export(&api, "local", kind, query, Some("application/json"))
            .await;
        let test = recorded_test(kind, "TEST_IMPORT_PETS");
        assert_exported_as_recorded(&test, key, &api, &created, &export);
    }
    control.cloud.stop().await;
}

/// A canonical reference to a model of `api` (as a model's schema names another).
fn model_ref(api: &str, name: &str) -> Value {
    json!({ "$ref": format!("https://apigateway.amazonaws.com/restapis/{api}/models/{name}") })
}

/// LocalStack's `tests/aws/files/petstore-swagger.json` ("PetStore"), deployed to stage
/// `local`: models referring to each other, `GET /` a MOCK answering HTML, `/pets` (GET with
/// query parameters, POST with a request model and an operation name, a CORS OPTIONS MOCK) and
/// `/pets/{petId}` (GET, OPTIONS). Its id.
async fn petstore(control: &Control) -> String {
    let api = control
        .call(
            "POST",
            "/restapis",
            json!({
                "name": "PetStore",
                "description": "Your first API with Amazon API Gateway. This is a sample API that integrates via HTTP with our demo Pet Store endpoints",
            }),
        )
        .await;
    let (id, root) = (
        api["id"].as_str().unwrap().to_string(),
        api["rootResourceId"].as_str().unwrap().to_string(),
    );
    petstore_models(control, &id).await;
    let mock = json!({ "type": "MOCK",
                       "requestTemplates": { "application/json": "{\"statusCode\": 200}" } });
    let pets = control.resource(&id, &root, "pets").await;
    let pet = control.resource(&id, &pets, "{petId}").await;
    petstore_root_page(control, &id, &root, &mock).await;
    petstore_pet_methods(control, &id, &pets, &pet).await;
    petstore_cors_preflights(control, &id, &pets, &pet, &mock).await;
    control.deploy(&id, "local").await;
    id
}

/// The response header that every PetStore method answers.
const ALLOW_ORIGIN: &str = "method.response.header.Access-Control-Allow-Origin";

/// PetStore's models, those referred to first, and its own `Empty`.
async fn petstore_models(control: &Control, id: &str) {
    // The file defines its own `Empty`; CreateRestApi made one, which takes the file's schema.
    control
        .call(
            "PATCH",
            &format!("/restapis/{id}/models/Empty"),
            json!({ "patchOperations": [
                { "op": "replace", "path": "/schema", "value": r#"{"type": "object"}"# },
            ] }),
        )
        .await;
    let pet_properties = json!({
        "id": { "type": "integer" }, "type": { "type": "string" }, "price": { "type": "number" },
    });
    // Those referred to first: a reference must name a model that exists.
    for (name, schema) in [
        (
            "PetType",
            json!({ "type": "string", "enum": ["dog", "cat", "fish", "bird", "gecko"] }),
        ),
        (
            "Pet",
            json!({ "type": "object", "properties": pet_properties }),
        ),
        (
            "Pets",
            json!({ "type": "array", "items": model_ref(id, "Pet") }),
        ),
        (
            "NewPet",
            json!({ "type": "object", "properties": {
                "type": model_ref(id, "PetType"), "price": { "type": "number" } } }),
        ),
        (
            "NewPetResponse",
            json!({ "type": "object", "properties": {
                "pet": model_ref(id, "Pet"), "message": { "type": "string" } } }),
        ),
    ] {
        control
            .call(
                "POST",
                &format!("/restapis/{id}/models"),
                json!({ "name": name, "contentType": "application/json",
                        "schema": schema.to_string() }),
            )
            .await;
    }
}

/// `GET /`: a MOCK answering the HTML page the file's `GET /` answers, as AWS exported it back.
async fn petstore_root_page(control: &Control, id: &str, root: &str, mock: &Value) {
    let with_extensions = recorded(
        &recorded_test("swagger", "TEST_IMPORT_PETSTORE_SWAGGER"),
        "get-export-with-extensions",
    );
    let page = with_extensions["body"]["paths"]["/"]["get"]["x-amazon-apigateway-integration"]
        ["responses"]["default"]["responseTemplates"]["text/html"]
        .clone();
    assert!(page.is_string(), "the recording's HTML page");
    control
        .method(
            id,
            root,
            "GET",
            [
                json!({ "authorizationType": "NONE" }),
                json!({ "responseParameters": { "method.response.header.Content-Type": false } }),
                mock.clone(),
                json!({ "responseParameters": { "method.response.header.Content-Type": "'text/html'" },
                        "responseTemplates": { "text/html": page } }),
            ],
        )
        .await;
}

/// `/pets` GET (query parameters) and POST (a request model and an operation name), and
/// `/pets/{petId}` GET (a path parameter), each an HTTP integration of the pet store.
async fn petstore_pet_methods(control: &Control, id: &str, pets: &str, pet: &str) {
    let uri = format!("http://petstore.execute-api.{REGION}.amazonaws.com/petstore/pets");
    let origin = ALLOW_ORIGIN;
    control
        .method(
            id,
            pets,
            "GET",
            [
                json!({ "authorizationType": "NONE", "requestParameters": {
                    "method.request.querystring.type": false,
                    "method.request.querystring.page": false } }),
                json!({ "responseParameters": { origin: false },
                        "responseModels": { "application/json": "Pets" } }),
                json!({ "type": "HTTP", "httpMethod": "GET", "uri": uri,
                        "requestParameters": {
                            "integration.request.querystring.page": "method.request.querystring.page",
                            "integration.request.querystring.type": "method.request.querystring.type" } }),
                json!({ "responseParameters": { origin: "'*'" } }),
            ],
        )
        .await;
    control
        .method(
            id,
            pets,
            "POST",
            [
                json!({ "authorizationType": "NONE", "operationName": "CreatePet",
                        "requestModels": { "application/json": "NewPet" } }),
                json!({ "responseParameters": { origin: false },
                        "responseModels": { "application/json": "NewPetResponse" } }),
                json!({ "type": "HTTP", "httpMethod": "POST", "uri": uri }),
                json!({ "responseParameters": { origin: "'*'" } }),
            ],
        )
        .await;
    control
        .method(
            id,
            pet,
            "GET",
            [
                json!({ "authorizationType": "NONE", "operationName": "GetPet",
                        "requestParameters": { "method.request.path.petId": true } }),
                json!({ "responseParameters": { origin: false },
                        "responseModels": { "application/json": "Pet" } }),
                json!({ "type": "HTTP", "httpMethod": "GET", "uri": format!("{uri}/{{petId}}"),
                        "requestParameters": { "integration.request.path.petId": "method.request.path.petId" } }),
                json!({ "responseParameters": { origin: "'*'" } }),
            ],
        )
        .await;
}

/// The CORS preflights of `/pets` and `/pets/{petId}`: MOCKs answering the three headers.
async fn petstore_cors_preflights(
    control: &Control,
    id: &str,
    pets: &str,
    pet: &str,
    mock: &Value,
) {
    let origin = ALLOW_ORIGIN;
    for (resource, allowed, parameters) in [
        (pets, "'POST,GET,OPTIONS'", json!({})),
        (
            pet,
            "'GET,OPTIONS'",
            json!({ "method.request.path.petId": true }),
        ),
    ] {
        control
            .method(
                id,
                resource,
                "OPTIONS",
                [
                    json!({ "authorizationType": "NONE", "requestParameters": parameters }),
                    json!({ "responseParameters": {
                                origin: false,
                                "method.response.header.Access-Control-Allow-Methods": false,
                                "method.response.header.Access-Control-Allow-Headers": false },
                            "responseModels": { "application/json": "Empty" } }),
                    mock.clone(),
                    json!({ "responseParameters": {
                        origin: "'*'",
                        "method.response.header.Access-Control-Allow-Methods": allowed,
                        "method.response.header.Access-Control-Allow-Headers": "'Content-Type,X-Amz-Date,Authorization,X-Api-Key'" } }),
                ],
            )
            .await;
    }
}

/// test_export_swagger_openapi[TEST_IMPORT_PETSTORE_SWAGGER] and
/// test_export_oas30_openapi[TEST_IMPORT_PETSTORE_SWAGGER]: models as schemas with their
/// references made local, request and response models, response headers, query and path
/// parameters, operation ids, Swagger's consumes and produces, the MOCK and HTTP integrations
/// with `extensions=apigateway`, and an API with no version named by its creation time.
#[tokio::test]
async fn petstore_exports_its_models_and_methods_as_aws_exported_them() {
    let control = Control::start().await;
    let api = petstore(&control).await;
    let created = created(&control, &api).await;
    for (kind, query, key) in RECORDED_EXPORTS {
        let export = control
            .export(&api, "local", kind, query, Some("application/json"))
            .await;
        let test = recorded_test(kind, "TEST_IMPORT_PETSTORE_SWAGGER");
        assert_exported_as_recorded(&test, key, &api, &created, &export);
    }
    control.cloud.stop().await;
}

/// An API of what the recorded ones lack: a method that requires an API key, one signed with
/// SigV4 (IAM), a response model that is CreateRestApi's `Empty` (with its `$schema`, which
/// OpenAPI's schema objects do not take) and a Lambda proxy integration. Its id.
async fn keys_and_iam(control: &Control) -> String {
    let api = control
        .call("POST", "/restapis", json!({ "name": "keys-and-iam" }))
        .await;
    let (id, root) = (
        api["id"].as_str().unwrap().to_string(),
        api["rootResourceId"].as_str().unwrap().to_string(),
    );
    let lambda = format!(
        "arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/arn:aws:lambda:{REGION}:000000000000:function:faq/invocations"
    );
    control
        .method(
            &id,
            &root,
            "GET",
            [
                json!({ "authorizationType": "NONE", "apiKeyRequired": true }),
                json!({ "responseModels": { "application/json": "Empty" } }),
                json!({ "type": "AWS_PROXY", "httpMethod": "POST", "uri": lambda }),
                json!({}),
            ],
        )
        .await;
    control
        .method(
            &id,
            &root,
            "POST",
            [
                json!({ "authorizationType": "AWS_IAM", "requestModels": { "application/json": "Error" } }),
                json!({ "responseModels": { "application/json": "Error" } }),
                json!({ "type": "AWS_PROXY", "httpMethod": "POST", "uri": lambda }),
                json!({}),
            ],
        )
        .await;
    control.deploy(&id, "local").await;
    id
}

/// openapi-spec-validator's verdict on `files`, read as OpenAPI `version` ("2.0", "3.0"):
/// nothing, or what it printed. It must be installed: a check that skips itself when its
/// tool is missing passes while checking nothing.
fn validator_refusals(version: &str, files: &[std::path::PathBuf]) -> Option<String> {
    let output = Command::new("python3")
        .args(["-m", "openapi_spec_validator", "--schema", version])
        .args(files)
        .output()
        .unwrap_or_else(|e| panic!("python3 could not be run ({e})"));
    let stderr = String::from_utf8_lossy(&output.stderr);
    if stderr.contains("No module named") {
        panic!("openapi-spec-validator is not installed: install it with {VALIDATOR_INSTALL}");
    }
    (!output.status.success())
        .then(|| format!("{}{stderr}", String::from_utf8_lossy(&output.stdout)))
}

/// Every document the local cloud exports, for PETS, PetStore and an API of keys, IAM and the
/// default models, of both types, with and without extensions, is valid to
/// openapi-spec-validator in JSON and in YAML (`Accept: application/yaml`), and the YAML says
/// what the JSON says.
#[tokio::test]
async fn exported_documents_are_valid_openapi_in_json_and_yaml() {
    let control = Control::start().await;
    let apis = [
        pets(&control).await,
        petstore(&control).await,
        keys_and_iam(&control).await,
    ];
    let dir = tempfile::tempdir().unwrap();
    let mut files: Vec<(&str, std::path::PathBuf)> = Vec::new();
    for (n, api) in apis.iter().enumerate() {
        for (kind, version) in [("swagger", "2.0"), ("oas30", "3.0")] {
            for query in ["", "?extensions=apigateway"] {
                let json_export = control
                    .export(api, "local", kind, query, Some("application/json"))
                    .await;
                assert_eq!(json_export.status, 200, "{json_export:?}");
                // AWS answers octet-stream whatever was asked (recorded for JSON).
                assert_eq!(json_export.content_type, "application/octet-stream");
                let yaml = control
                    .export(api, "local", kind, query, Some("application/yaml"))
                    .await;
                assert_eq!(yaml.status, 200, "{yaml:?}");
                assert_eq!(yaml.content_type, "application/octet-stream");
                assert!(
                    yaml.disposition.ends_with(".yaml\""),
                    "{}",
                    yaml.disposition
                );
                let from_yaml: Value = serde_norway::from_str(&yaml.body)
                    .unwrap_or_else(|e| panic!("not YAML ({e}): {}", yaml.body));
                assert_eq!(
                    from_yaml,
                    json_export.document(),
                    "{kind}{query}: YAML and JSON"
                );
                let stem = format!("{n}-{kind}{}", if query.is_empty() { "" } else { "-ext" });
                for (extension, body) in [("json", &json_export.body), ("yaml", &yaml.body)] {
                    let path = dir.path().join(format!("{stem}.{extension}"));
                    std::fs::write(&path, body).unwrap();
                    files.push((version, path));
                }
            }
        }
    }
    for version in ["2.0", "3.0"] {
        let of_version: Vec<_> = files
            .iter()
            .filter(|(v, _)| *v == version)
            .map(|(_, path)| path.clone())
            .collect();
        if let Some(refusals) = validator_refusals(version, &of_version) {
            panic!("openapi-spec-validator refuses an export (OpenAPI {version}):\n{refusals}");
        }
    }
    control.cloud.stop().await;
}

/// The validator is no rubber stamp: a document with what an exporter gets wrong (a
/// `$schema` member in a schema object, a reference to a schema that is not there) fails it.
#[test]
fn the_validator_refuses_a_schema_member_and_a_dangling_reference() {
    let dir = tempfile::tempdir().unwrap();
    let document = |schemas: Value, reference: &str| {
        json!({
            "openapi": "3.0.1",
            "info": { "title": "t", "version": "1" },
            "paths": { "/": { "get": { "responses": { "200": {
                "description": "200 response",
                "content": { "application/json": { "schema": { "$ref": reference } } } } } } } },
            "components": { "schemas": schemas },
        })
    };
    let cases = [
        (
            "valid",
            document(
                json!({ "Empty": { "type": "object" } }),
                "#/components/schemas/Empty",
            ),
        ),
        (
            "schema-member",
            document(
                json!({ "Empty": { "$schema": "http://json-schema.org/draft-04/schema#", "type": "object" } }),
                "#/components/schemas/Empty",
            ),
        ),
        (
            "dangling",
            document(json!({}), "#/components/schemas/Empty"),
        ),
    ];
    for (name, document) in cases {
        let path = dir.path().join(format!("{name}.json"));
        std::fs::write(&path, document.to_string()).unwrap();
        let refused = validator_refusals("3.0", &[path]).is_some();
        assert_eq!(refused, name != "valid", "{name}");
    }
}

/// What GetExport refuses (no recording has these; the messages are API Gateway's for the same
/// missing things elsewhere, and moto's for the type): an export type other than `oas30` and
/// `swagger`, a stage the API does not have, a request with no Accept header, an API that does
/// not exist.
#[tokio::test]
async fn an_unknown_export_type_stage_or_api_or_no_accept_header_is_refused() {
    let control = Control::start().await;
    let api = pets(&control).await;
    for (api, stage, kind, status, code, message) in [
        (
            api.as_str(),
            "local",
            "raml",
            400,
            "BadRequestException",
            "No API exporter for type 'raml'".to_string(),
        ),
        (
            api.as_str(),
            "nosuchstage",
            "oas30",
            404,
            "NotFoundException",
            "Invalid stage identifier specified".to_string(),
        ),
        (
            "nosuchapi",
            "local",
            "oas30",
            404,
            "NotFoundException",
            "Invalid API identifier specified 000000000000:nosuchapi".to_string(),
        ),
    ] {
        let response = control
            .request(
                "GET",
                &format!("/restapis/{api}/stages/{stage}/exports/{kind}"),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status().as_u16(),
            status,
            "{kind} of {api}/{stage}"
        );
        let error_type = response
            .headers()
            .get("x-amzn-errortype")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        assert!(error_type.starts_with(code), "{error_type}");
        let body: Value = serde_json::from_str(&response.text().await.unwrap()).unwrap();
        assert_eq!(body["message"], message.as_str(), "{kind} of {api}/{stage}");
    }
    // No Accept header at all (an HTTP client's default `*/*` is one; the SDKs send
    // `application/json`): AWS's answer, quoted in cognitect-labs/aws-api#158. Written raw,
    // as only a hand-made request leaves the header out.
    let request = format!(
        "GET /restapis/{api}/stages/local/exports/oas30 HTTP/1.1\r\nHost: 127.0.0.1\r\n{}Connection: close\r\n\r\n",
        common::signed("apigateway")
    );
    let address = control.cloud.address;
    let (status, answer) = tokio::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(address).unwrap();
        stream
            .set_read_timeout(Some(std::time::Duration::from_secs(10)))
            .unwrap();
        std::io::Write::write_all(&mut stream, request.as_bytes()).unwrap();
        let mut answer = Vec::new();
        let _ = std::io::Read::read_to_end(&mut stream, &mut answer);
        let answer = String::from_utf8_lossy(&answer).into_owned();
        (
            answer.lines().next().unwrap_or_default().to_string(),
            answer,
        )
    })
    .await
    .unwrap();
    assert!(status.contains(" 400 "), "{answer}");
    assert!(
        answer.contains(r#""message":"Unable to build exporter: null"}"#),
        "{answer}"
    );
    control.cloud.stop().await;
}
