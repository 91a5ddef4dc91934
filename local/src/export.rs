//! GetExport (`/restapis/{id}/stages/{stage}/exports/{oas30|swagger}`): the OpenAPI document
//! of what a stage serves (its deployment's snapshot of resources, methods and models), in
//! OpenAPI 3.0.1 or Swagger 2.0, JSON or YAML, with API Gateway's extensions on request.
//!
//! Sources: API Gateway's service model (GetExport: the document is the body, Content-Type and
//! Content-Disposition are headers), its developer guide ("Export a REST API from API
//! Gateway", "API Gateway extensions to OpenAPI"), and the documents AWS exported in
//! LocalStack's AWS-validated test_export_swagger_openapi and test_export_oas30_openapi
//! (`tests/it/export.rs` builds the same APIs and compares). Rules taken from those documents:
//! the execute-api host and the stage as base path; one `"{code} response"` per method
//! response; only the models the methods use (and what they refer to), with canonical
//! references made local and `$schema` left out (OpenAPI's schema objects have no such member);
//! `x-amazon-apigateway-*` only with `extensions`.

// An early answer is a whole HTTP response; boxing it buys nothing at this scale.
#![allow(clippy::result_large_err)]

use std::collections::{BTreeMap, BTreeSet};

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use serde_json::{json, Map, Value};

use super::api_models;
use super::shapes::apigateway::{ErrorCode, GetExportRequest};
use super::state::{ApiModel, Db, Deployment, Integration, Method, RestApi};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Oas30,
    Swagger,
}

impl Format {
    /// Where a model is referred to from the document.
    fn schema_ref(self, name: &str) -> String {
        match self {
            Format::Oas30 => format!("#/components/schemas/{name}"),
            Format::Swagger => format!("#/definitions/{name}"),
        }
    }
}

fn error(code: ErrorCode, message: &str) -> Response {
    super::wire::apigateway_error(code, message)
}

pub fn get_export(
    db: &mut Db,
    region: &str,
    input: GetExportRequest,
) -> Result<Response, Response> {
    let id: &str = &input.rest_api_id;
    let api = db
        .api(region, id)
        .ok_or_else(|| super::wire::no_rest_api(id))?;
    let stage = api.stages.get(&input.stage_name).ok_or_else(|| {
        error(
            ErrorCode::NotFoundException,
            "Invalid stage identifier specified",
        )
    })?;
    let format = match input.export_type.as_str() {
        "oas30" => Format::Oas30,
        "swagger" => Format::Swagger,
        other => {
            return Err(error(
                ErrorCode::BadRequestException,
                &format!("No API exporter for type '{other}'"),
            ));
        }
    };
    // AWS answers a request with no Accept header 400 "Unable to build exporter: null"
    // (cognitect-labs/aws-api#158, quoting AWS); the SDKs send `application/json` unless told
    // otherwise.
    let yaml = match input.accepts.as_deref().map(str::trim) {
        None | Some("") => {
            return Err(error(
                ErrorCode::BadRequestException,
                "Unable to build exporter: null",
            ));
        }
        Some("*/*") | Some("application/json") => false,
        Some("application/yaml") => true,
        Some(other) => {
            return Err(error(
                ErrorCode::BadRequestException,
                &format!(
                    "Unsupported Accept type: {other}. Supported types are application/json and application/yaml"
                ),
            ));
        }
    };
    let extensions: BTreeSet<&str> = input
        .parameters
        .as_ref()
        .and_then(|p| p.get("extensions"))
        .map(|e| e.split(',').map(str::trim).collect())
        .unwrap_or_default();
    if let Some(unknown) = extensions.iter().find(|e| {
        !matches!(
            **e,
            "integrations" | "apigateway" | "authorizers" | "postman"
        )
    }) {
        return Err(error(
            ErrorCode::BadRequestException,
            &format!("Invalid extensions specified: {unknown}"),
        ));
    }
    if extensions.contains("postman") {
        // The Postman extensions' shape is not documented: said, not guessed.
        return Err(error(
            ErrorCode::BadRequestException,
            "The local cloud does not emulate the postman extensions of GetExport",
        ));
    }
    let Some(deployment) = api.deployments.get(&stage.deployment_id) else {
        return Err(error(
            ErrorCode::NotFoundException,
            "Invalid stage identifier specified",
        ));
    };
    let with_integrations =
        extensions.contains("integrations") || extensions.contains("apigateway");
    let version = api
        .version
        .clone()
        .unwrap_or_else(|| super::clock::iso8601_seconds(api.created));
    let document = document(
        api,
        deployment,
        region,
        &stage.name,
        &version,
        format,
        with_integrations,
    );
    let (body, extension) = if yaml {
        (
            serde_norway::to_string(&document).unwrap_or_default(),
            "yaml",
        )
    } else {
        (serde_json::to_string(&document).unwrap_or_default(), "json")
    };
    // AWS answers `application/octet-stream` when asked for JSON (recorded: botocore sends
    // `Accept: application/json`; and cognitect-labs/aws-api#158), and is taken to do the same
    // for YAML (no recording of it).
    let content_type = "application/octet-stream";
    let disposition = format!(
        "attachment; filename=\"{}_{version}.{extension}\"",
        input.export_type
    );
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = StatusCode::OK;
    let headers = response.headers_mut();
    headers.insert("content-type", HeaderValue::from_static(content_type));
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert("content-disposition", value);
    }
    Ok(response)
}

/// The whole document for a deployment of `api` served at `stage`.
fn document(
    api: &RestApi,
    deployment: &Deployment,
    region: &str,
    stage: &str,
    version: &str,
    format: Format,
    integrations: bool,
) -> Value {
    let host = format!(
        "{}.execute-api.{region}.{}",
        api.id,
        super::arns::partition(region).1
    );
    let mut info = Map::new();
    if format == Format::Oas30 {
        info.insert("title".into(), json!(api.name));
    }
    if let Some(description) = api.description.as_deref().filter(|d| !d.is_empty()) {
        info.insert("description".into(), json!(description));
    }
    info.insert("version".into(), json!(version));
    if format == Format::Swagger {
        info.insert("title".into(), json!(api.name));
    }

    let mut used = BTreeSet::new();
    let mut schemes_needed = BTreeSet::new();
    let mut resources: Vec<_> = deployment.resources.values().collect();
    resources.sort_by(|a, b| a.path.cmp(&b.path));
    let mut paths = Map::new();
    for resource in resources {
        if resource.methods.is_empty() {
            continue;
        }
        let mut item = Map::new();
        for (verb, method) in &resource.methods {
            let key = match verb.as_str() {
                "ANY" => "x-amazon-apigateway-any-method".to_string(),
                other => other.to_ascii_lowercase(),
            };
            used.extend(method.request_models.values().cloned());
            used.extend(response_models(method).into_iter().map(|(_, m)| m));
            if let Some(scheme) = security_scheme(method) {
                schemes_needed.insert(scheme);
            }
            item.insert(key, operation(method, format, integrations));
        }
        paths.insert(resource.path.clone(), Value::Object(item));
    }

    let models = exported_models(&deployment.models, used, format);
    let schemes: Map<String, Value> = schemes_needed
        .iter()
        .map(|name| (name.to_string(), security_definition(name)))
        .collect();
    let mut document = Map::new();
    match format {
        Format::Oas30 => {
            document.insert("openapi".into(), json!("3.0.1"));
            document.insert("info".into(), Value::Object(info));
            document.insert(
                "servers".into(),
                json!([{
                    "url": format!("https://{host}/{{basePath}}"),
                    "variables": {"basePath": {"default": stage}},
                }]),
            );
            document.insert("paths".into(), Value::Object(paths));
            let mut components = Map::new();
            if !models.is_empty() {
                components.insert("schemas".into(), Value::Object(models));
            }
            if !schemes.is_empty() {
                components.insert("securitySchemes".into(), Value::Object(schemes));
            }
            document.insert("components".into(), Value::Object(components));
        }
        Format::Swagger => {
            document.insert("swagger".into(), json!("2.0"));
            document.insert("info".into(), Value::Object(info));
            document.insert("host".into(), json!(host));
            document.insert("basePath".into(), json!(format!("/{stage}")));
            document.insert("schemes".into(), json!(["https"]));
            document.insert("paths".into(), Value::Object(paths));
            if !schemes.is_empty() {
                document.insert("securityDefinitions".into(), Value::Object(schemes));
            }
            if !models.is_empty() {
                document.insert("definitions".into(), Value::Object(models));
            }
        }
    }
    if integrations && !api.binary_media_types.is_empty() {
        document.insert(
            "x-amazon-apigateway-binary-media-types".into(),
            json!(api.binary_media_types),
        );
    }
    Value::Object(document)
}

/// A method response's models: (content type, model name).
fn response_models(method: &Method) -> Vec<(String, String)> {
    method
        .responses
        .values()
        .filter_map(|r| r["responseModels"].as_object())
        .flat_map(|models| {
            models
                .iter()
                .filter_map(|(ct, m)| Some((ct.clone(), m.as_str()?.to_string())))
        })
        .collect()
}

/// The security scheme a method is held to: a key (`api_key`) or a SigV4 signature (`sigv4`).
fn security_scheme(method: &Method) -> Option<&'static str> {
    if method.authorization_type == "AWS_IAM" {
        Some("sigv4")
    } else if method.api_key_required {
        Some("api_key")
    } else {
        None
    }
}

/// The scheme's definition as API Gateway exports it (developer guide: "x-amazon-apigateway-
/// authtype", and the API key source `x-api-key`).
fn security_definition(name: &str) -> Value {
    match name {
        "sigv4" => json!({
            "type": "apiKey",
            "name": "Authorization",
            "in": "header",
            "x-amazon-apigateway-authtype": "awsSigv4",
        }),
        _ => json!({"type": "apiKey", "name": "x-api-key", "in": "header"}),
    }
}

/// One operation object.
fn operation(method: &Method, format: Format, integrations: bool) -> Value {
    let mut op = Map::new();
    if let Some(name) = &method.operation_name {
        op.insert("operationId".into(), json!(name));
    }
    if format == Format::Swagger {
        // What the method takes: its request models' content types and its integration's
        // request templates' (recorded: the PetStore export's mock OPTIONS and `GET /`, with
        // templates and no model, consume `application/json`; its HTTP `GET /pets` nothing).
        let mut consumes: BTreeSet<&String> = method.request_models.keys().collect();
        if let Some(integration) = &method.integration {
            consumes.extend(integration.request_templates.keys());
        }
        if !consumes.is_empty() {
            op.insert("consumes".into(), json!(consumes));
        }
        let mut produces: BTreeSet<String> = response_models(method)
            .into_iter()
            .map(|(ct, _)| ct)
            .collect();
        if let Some(integration) = &method.integration {
            produces.extend(
                integration
                    .responses
                    .values()
                    .flat_map(|r| r.templates.keys().cloned()),
            );
        }
        if !produces.is_empty() {
            op.insert("produces".into(), json!(produces));
        }
    }
    let mut parameters = Vec::new();
    for (name, required) in &method.request_parameters {
        let Some(rest) = name.strip_prefix("method.request.") else {
            continue;
        };
        let Some((place, param)) = rest.split_once('.') else {
            continue;
        };
        let place = match place {
            "path" => "path",
            "querystring" => "query",
            "header" => "header",
            _ => continue,
        };
        let required = place == "path" || *required;
        let mut parameter = Map::new();
        parameter.insert("name".into(), json!(param));
        parameter.insert("in".into(), json!(place));
        match format {
            Format::Oas30 => {
                if required {
                    parameter.insert("required".into(), json!(true));
                }
                parameter.insert("schema".into(), json!({"type": "string"}));
            }
            Format::Swagger => {
                parameter.insert("required".into(), json!(required));
                parameter.insert("type".into(), json!("string"));
            }
        }
        parameters.push(Value::Object(parameter));
    }
    if format == Format::Swagger {
        // A request model is the body parameter (one: Swagger 2.0 has one body).
        if let Some(model) = method.request_models.values().next() {
            parameters.push(json!({
                "in": "body",
                "name": model,
                "required": true,
                "schema": {"$ref": format.schema_ref(model)},
            }));
        }
    }
    if !parameters.is_empty() {
        op.insert("parameters".into(), Value::Array(parameters));
    }
    if format == Format::Oas30 && !method.request_models.is_empty() {
        let content: Map<String, Value> = method
            .request_models
            .iter()
            .map(|(ct, model)| {
                (
                    ct.clone(),
                    json!({"schema": {"$ref": format.schema_ref(model)}}),
                )
            })
            .collect();
        op.insert(
            "requestBody".into(),
            json!({"content": content, "required": true}),
        );
    }
    let mut responses = Map::new();
    for (status, response) in &method.responses {
        responses.insert(status.clone(), method_response(status, response, format));
    }
    op.insert("responses".into(), Value::Object(responses));
    if let Some(scheme) = security_scheme(method) {
        op.insert("security".into(), json!([{ scheme: [] }]));
    }
    if integrations {
        if let Some(integration) = &method.integration {
            op.insert(
                "x-amazon-apigateway-integration".into(),
                integration_extension(integration),
            );
        }
    }
    Value::Object(op)
}

/// A method response: its description, the headers it declares, its models.
fn method_response(status: &str, response: &Value, format: Format) -> Value {
    let mut out = Map::new();
    out.insert("description".into(), json!(format!("{status} response")));
    let headers: Map<String, Value> = response["responseParameters"]
        .as_object()
        .into_iter()
        .flatten()
        .filter_map(|(name, _)| name.strip_prefix("method.response.header."))
        .map(|header| {
            let schema = match format {
                Format::Oas30 => json!({"schema": {"type": "string"}}),
                Format::Swagger => json!({"type": "string"}),
            };
            (header.to_string(), schema)
        })
        .collect();
    let models: Vec<(&String, &str)> = response["responseModels"]
        .as_object()
        .into_iter()
        .flatten()
        .filter_map(|(ct, m)| Some((ct, m.as_str()?)))
        .collect();
    match format {
        Format::Swagger => {
            if let Some((_, model)) = models.first() {
                out.insert("schema".into(), json!({"$ref": format.schema_ref(model)}));
            }
            if !headers.is_empty() {
                out.insert("headers".into(), Value::Object(headers));
            }
        }
        Format::Oas30 => {
            if !headers.is_empty() {
                out.insert("headers".into(), Value::Object(headers));
            }
            let content: Map<String, Value> = models
                .iter()
                .map(|(ct, model)| {
                    (
                        (*ct).clone(),
                        json!({"schema": {"$ref": format.schema_ref(model)}}),
                    )
                })
                .collect();
            out.insert("content".into(), Value::Object(content));
        }
    }
    Value::Object(out)
}

/// `x-amazon-apigateway-integration`: the integration as the extension spells it (types and
/// the passthrough behaviour lower-cased, integration responses keyed by selection pattern).
fn integration_extension(integration: &Integration) -> Value {
    let mut out = Map::new();
    out.insert("type".into(), json!(integration.kind.to_ascii_lowercase()));
    if let Some(method) = &integration.http_method {
        out.insert("httpMethod".into(), json!(method));
    }
    if let Some(uri) = &integration.uri {
        out.insert("uri".into(), json!(uri));
    }
    if let Some(credentials) = &integration.credentials {
        out.insert("credentials".into(), json!(credentials));
    }
    if !integration.responses.is_empty() {
        let responses: Map<String, Value> = integration
            .responses
            .values()
            .map(|r| {
                let mut response = Map::new();
                response.insert("statusCode".into(), json!(r.status_code));
                if !r.parameters.is_empty() {
                    response.insert("responseParameters".into(), json!(r.parameters));
                }
                if !r.templates.is_empty() {
                    response.insert("responseTemplates".into(), json!(r.templates));
                }
                let key = r
                    .selection_pattern
                    .clone()
                    .filter(|p| !p.is_empty())
                    .unwrap_or_else(|| "default".to_string());
                (key, Value::Object(response))
            })
            .collect();
        out.insert("responses".into(), Value::Object(responses));
    }
    if !integration.request_parameters.is_empty() {
        out.insert(
            "requestParameters".into(),
            json!(integration.request_parameters),
        );
    }
    if !integration.request_templates.is_empty() {
        out.insert(
            "requestTemplates".into(),
            json!(integration.request_templates),
        );
    }
    out.insert("passthroughBehavior".into(), json!("when_no_match"));
    if let Some(connection) = integration
        .connection_type
        .as_deref()
        .filter(|c| *c != "INTERNET")
    {
        out.insert("connectionType".into(), json!(connection));
    }
    Value::Object(out)
}

/// The models the document uses, and those they refer to, as schema objects: canonical
/// references made local, `$schema` left out.
fn exported_models(
    models: &BTreeMap<String, ApiModel>,
    used: BTreeSet<String>,
    format: Format,
) -> Map<String, Value> {
    let mut wanted: Vec<String> = used.into_iter().collect();
    let mut out = BTreeMap::new();
    while let Some(name) = wanted.pop() {
        if out.contains_key(&name) {
            continue;
        }
        let Some(model) = models.get(&name) else {
            continue;
        };
        let schema = model
            .schema
            .as_deref()
            .and_then(|text| serde_json::from_str::<Value>(text).ok())
            .unwrap_or_else(|| json!({}));
        wanted.extend(api_models::references(&schema));
        out.insert(name, localize(schema, format));
    }
    out.into_iter().collect()
}

fn localize(schema: Value, format: Format) -> Value {
    match schema {
        Value::Object(members) => Value::Object(
            members
                .into_iter()
                .filter(|(key, _)| key != "$schema")
                .map(|(key, value)| match (key.as_str(), &value) {
                    ("$ref", Value::String(target)) => {
                        let local = api_models::canonical_name(target)
                            .map(|name| json!(format.schema_ref(name)))
                            .unwrap_or(value);
                        (key, local)
                    }
                    _ => (key, localize(value, format)),
                })
                .collect(),
        ),
        Value::Array(items) => {
            Value::Array(items.into_iter().map(|v| localize(v, format)).collect())
        }
        other => other,
    }
}
