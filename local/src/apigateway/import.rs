//! ImportRestApi and PutRestApi: a REST API built from a Swagger 2.0 or OpenAPI 3.0 document
//! (the reverse of `export`). Each part is put through the handler that CreateResource,
//! PutMethod, PutIntegration… use, so an imported API holds to the same checks and defaults.
//! JSON only: `serde_yaml` is no dependency of the workspace, so a YAML document is refused
//! as AWS refuses one it cannot read ("Invalid OpenAPI input.").

// An early answer is a whole HTTP response; boxing it buys nothing at this scale.
#![allow(clippy::result_large_err)]

use std::collections::BTreeMap;

use axum::response::Response;
use serde::de::DeserializeOwned;
use serde_json::{json, Map, Value};

use super as api_gw;
use crate::api_models;
use crate::authorizers;
use crate::documentation;
use crate::gateway_responses;
use crate::ids::random_id;
use crate::openapi_document;
use crate::request_validators;
use crate::shapes::apigateway::{ImportRestApiRequest, PutRestApiRequest};
use crate::state::{ApiModel, Db, Resource, RestApi};
use crate::wire::json as answer;
use crate::wire::{apigateway_bad_request as bad_request, apigateway_not_found as not_found};

// A part of `apigateway` (its handlers put each part of the document), not a module of the
// crate of its own: apigateway dispatches here and this calls back into it.

const INVALID: &str = "Invalid OpenAPI input.";

/// ImportRestApi: a new API from the document (201, as CreateRestApi answers).
pub fn import_rest_api(
    db: &mut Db,
    region: &str,
    input: ImportRestApiRequest,
) -> Result<Response, Response> {
    let doc = read_document(&input.body)?;
    let base = base_path_mode(input.parameters.as_ref());
    let mut create = json!({ "name": title(&doc)? });
    if let Some(types) = input
        .parameters
        .as_ref()
        .and_then(|p| p.get("endpointConfigurationTypes"))
    {
        create["endpointConfiguration"] = json!({ "types": [types] });
    }
    let mut api = api_gw::new_rest_api(region, typed(create)?)?;
    // An imported API has the document's models alone: not the `Empty` and `Error` that
    // CreateRestApi makes (recorded: test_import_and_validate_rest_api[swagger-mock-cors.json]'s
    // GetModels answers no item).
    api.models.clear();
    describe(&mut api, &doc);
    let id = api.id.clone();
    db.insert_api(api);
    let warnings = match build(db, region, &id, &doc, base, &BTreeMap::new()) {
        Ok(warnings) => warnings,
        Err(refusal) => {
            db.remove_api(region, &id);
            return Err(refusal);
        }
    };
    let api = db.api(region, &id).ok_or_else(|| not_found(INVALID))?;
    let mut shape = api_gw::rest_api_json(api);
    shape.warnings = (!warnings.is_empty()).then_some(warnings);
    Ok(answer(201, &shape))
}

/// PutRestApi: the document over an existing API, `overwrite` (the default: what the document
/// does not name is gone) or `merge` (added to what is there). All or nothing: a document
/// refused part way leaves the API as it was.
pub fn put_rest_api(
    db: &mut Db,
    region: &str,
    input: PutRestApiRequest,
) -> Result<Response, Response> {
    let doc = read_document(&input.body)?;
    let id = input.rest_api_id.clone();
    let before = db
        .api(region, &id)
        .cloned()
        .ok_or_else(|| not_found(&format!("Invalid API identifier specified {id}")))?;
    let merge = input.mode.as_ref().is_some_and(|m| m.as_str() == "merge");
    let title = title(&doc)?;
    let api = db.api_mut(region, &id).ok_or_else(|| not_found(INVALID))?;
    let kept = if merge { BTreeMap::new() } else { clear(api) };
    api.name = title;
    let kept_types = std::mem::take(&mut api.binary_media_types);
    describe(api, &doc);
    if merge {
        let new = std::mem::replace(&mut api.binary_media_types, kept_types);
        for t in new {
            if !api.binary_media_types.contains(&t) {
                api.binary_media_types.push(t);
            }
        }
    }
    let base = base_path_mode(input.parameters.as_ref());
    let warnings = match build(db, region, &id, &doc, base, &kept) {
        Ok(warnings) => warnings,
        Err(refusal) => {
            db.insert_api(before);
            return Err(refusal);
        }
    };
    let api = db.api(region, &id).ok_or_else(|| not_found(INVALID))?;
    // PutRestApi answers `tags` even when there are none (recorded:
    // test_put_rest_api_mode_binary_media_types, `"tags": {}`), as UpdateRestApi does.
    let mut shape = api_gw::rest_api_json(api);
    shape.tags = Some(api.tags.clone());
    shape.warnings = (!warnings.is_empty()).then_some(warnings);
    Ok(answer(200, &shape))
}

/// The document as JSON, or AWS's words for a body that is no Swagger 2.0 or OpenAPI 3.x
/// document (recorded: test_import_api_bad_file, a bad YAML and a bad JSON body alike).
fn read_document(body: &str) -> Result<Value, Response> {
    openapi_document::read(body).ok_or_else(|| bad_request(INVALID))
}

fn title(doc: &Value) -> Result<String, Response> {
    doc.pointer("/info/title")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .ok_or_else(|| bad_request(INVALID))
}

/// The API's own fields the document sets: description, version, binary media types, API
/// key source.
fn describe(api: &mut RestApi, doc: &Value) {
    let text = |at: &str| doc.pointer(at).and_then(Value::as_str).map(str::to_string);
    if let Some(description) = text("/info/description") {
        api.description = Some(description);
    }
    // A number is taken as written (recorded: openapi.spec.tf.json's `"version": 1` is "1").
    if let Some(version) = doc.pointer("/info/version").and_then(|v| text_of(Some(v))) {
        api.version = Some(version);
    }
    if let Some(types) = doc
        .get("x-amazon-apigateway-binary-media-types")
        .and_then(Value::as_array)
    {
        api.binary_media_types = types
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect();
    }
    if let Some(source) = text("/x-amazon-apigateway-api-key-source") {
        api.api_key_source = source;
    }
}

/// Overwrite mode: the API keeps its id, root resource and tags; the rest is the document's.
/// The ids of the resources it had, by path: a path the document names again keeps its id
/// (recorded: test_import_rest_api_with_base_path_oas30[ignore], `/test` put over `/test`).
fn clear(api: &mut RestApi) -> BTreeMap<String, String> {
    let root = api.root_id.clone();
    let kept = api
        .resources
        .values()
        .filter(|r| r.id != root)
        .map(|r| (r.path.clone(), r.id.clone()))
        .collect();
    api.resources.retain(|id, _| *id == root);
    if let Some(root) = api.resources.get_mut(&root) {
        root.methods.clear();
    }
    api.models = api_models::defaults();
    api.request_validators.clear();
    api.gateway_responses.clear();
    api.authorizers.clear();
    api.documentation_parts.clear();
    api.binary_media_types.clear();
    api.description = None;
    kept
}

/// How `basepath` folds the document's base path into the resources: `ignore` (the default),
/// `prepend` or `split`.
fn base_path_mode(parameters: Option<&BTreeMap<String, String>>) -> String {
    parameters
        .and_then(|p| p.get("basepath"))
        .cloned()
        .unwrap_or_else(|| "ignore".into())
}

/// The document's base path: Swagger's `basePath`, OpenAPI's first server URL's path (its
/// `basePath` variable's default standing for `{basePath}`).
fn base_path(doc: &Value) -> String {
    if let Some(path) = doc.get("basePath").and_then(Value::as_str) {
        return path.to_string();
    }
    let Some(server) = doc.pointer("/servers/0") else {
        return String::new();
    };
    let mut url = server
        .get("url")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let variables = server.get("variables").and_then(Value::as_object);
    // "If the API contains only one basePath variable, the Import API feature uses it as the
    // base path, even if it's not referenced in the server.url" (the developer guide's
    // "Set the OpenAPI basePath property"; recorded: openapi-basepath-server-variable.yaml).
    let base_variable = variables
        .filter(|_| !url.contains("{basePath}"))
        .and_then(|v| v.get("basePath"))
        .and_then(|v| v.get("default"))
        .and_then(Value::as_str);
    if let Some(base) = base_variable {
        return base.trim_end_matches('/').to_string();
    }
    if let Some(vars) = variables {
        for (name, var) in vars {
            let default = var
                .get("default")
                .and_then(Value::as_str)
                .unwrap_or_default();
            url = url.replace(&format!("{{{name}}}"), default);
        }
    }
    let path = match url.split_once("://") {
        Some((_, rest)) => rest.find('/').map_or("", |i| &rest[i..]).to_string(),
        None => url,
    };
    path.trim_end_matches('/').to_string()
}

/// Everything below the API: models, validators, authorizers, gateway responses,
/// documentation parts, then the paths' resources and methods (a resource at a path in `kept` with that id); what was left
/// out, as the warnings AWS answers.
fn build(
    db: &mut Db,
    region: &str,
    id: &str,
    doc: &Value,
    base: String,
    kept: &BTreeMap<String, String>,
) -> Result<Vec<String>, Response> {
    let mut warnings = Vec::new();
    put_models(db, region, id, doc)?;
    let validators = put_validators(db, region, id, doc)?;
    let authorizers = put_authorizers(db, region, id, doc);
    put_gateway_responses(db, region, id, doc)?;
    // `x-amazon-apigateway-documentation`'s parts (recorded: test_import_documentation_parts).
    if let Some(api) = db.api_mut(region, id) {
        documentation::import_parts(api, documentation::parts_of(doc).0, false);
    }
    let prefix = match base.as_str() {
        "prepend" => base_path(doc),
        _ => String::new(),
    };
    let Some(paths) = doc.get("paths").and_then(Value::as_object) else {
        return Ok(warnings);
    };
    let default_validator = doc
        .get("x-amazon-apigateway-request-validator")
        .and_then(Value::as_str);
    for (path, item) in paths {
        let full = if base == "split" {
            split_path(&base_path(doc), path)
        } else {
            format!("{prefix}{path}")
        };
        let rid = ensure_resource(db, region, id, &full, kept)?;
        let namespace = (kept.get(&full) == Some(&rid)).then(|| random_id(6));
        let Some(item) = item.as_object() else {
            continue;
        };
        for (verb, operation) in item {
            let verb = match verb.as_str() {
                "x-amazon-apigateway-any-method" => "ANY".to_string(),
                v if matches!(
                    v,
                    "get" | "put" | "post" | "delete" | "patch" | "options" | "head"
                ) =>
                {
                    v.to_uppercase()
                }
                _ => continue,
            };
            let target = Target {
                region,
                api: id,
                resource: &rid,
                verb: &verb,
                namespace: namespace.as_deref(),
            };
            let context = Context {
                doc,
                validators: &validators,
                authorizers: &authorizers,
                default_validator,
                shared: item.get("parameters"),
                path: &full,
            };
            put_operation(db, &target, operation, &context, &mut warnings)?;
        }
    }
    Ok(warnings)
}

/// `split`: the base path's first segment is dropped, the rest kept before the path.
fn split_path(base: &str, path: &str) -> String {
    let rest: Vec<&str> = base.split('/').filter(|s| !s.is_empty()).skip(1).collect();
    if rest.is_empty() {
        path.to_string()
    } else {
        format!("/{}{path}", rest.join("/"))
    }
}

/// The resource at `path`, with every resource above it, made where missing.
fn ensure_resource(
    db: &mut Db,
    region: &str,
    id: &str,
    path: &str,
    kept: &BTreeMap<String, String>,
) -> Result<String, Response> {
    let api = db.api_mut(region, id).ok_or_else(|| not_found(INVALID))?;
    let mut current = api.root_id.clone();
    let mut at = String::new();
    for part in path.split('/').filter(|p| !p.is_empty()) {
        at = format!("{at}/{part}");
        if let Some(found) = api.resources.values().find(|r| r.path == at) {
            current = found.id.clone();
            continue;
        }
        let resource = Resource {
            id: kept.get(&at).cloned().unwrap_or_else(|| random_id(6)),
            parent_id: Some(current.clone()),
            path_part: Some(part.to_string()),
            path: at.clone(),
            methods: BTreeMap::new(),
        };
        current = resource.id.clone();
        api.resources.insert(current.clone(), resource);
    }
    Ok(current)
}

struct Target<'a> {
    region: &'a str,
    api: &'a str,
    resource: &'a str,
    verb: &'a str,
    /// When the resource kept its id from before the overwrite, its integrations' cache
    /// namespace: a new one, not the id, the same for each of its methods (recorded:
    /// test_import_rest_api_with_base_path_oas30[ignore], the second document's
    /// `cacheNamespace` differs from the `/test` it kept).
    namespace: Option<&'a str>,
}

struct Context<'a> {
    doc: &'a Value,
    validators: &'a BTreeMap<String, String>,
    authorizers: &'a BTreeMap<String, (String, String)>,
    default_validator: Option<&'a str>,
    shared: Option<&'a Value>,
    /// The resource's path (`/product/{product_id}`).
    path: &'a str,
}

/// One operation: its method (replacing one there, as merge does), method responses,
/// integration and integration responses.
fn put_operation(
    db: &mut Db,
    target: &Target,
    operation: &Value,
    context: &Context,
    warnings: &mut Vec<String>,
) -> Result<(), Response> {
    if let Some(resource) = db
        .api_mut(target.region, target.api)
        .and_then(|a| a.resources.get_mut(target.resource))
    {
        resource.methods.remove(target.verb);
    }
    let base = json!({
        "restapi_id": target.api,
        "resource_id": target.resource,
        "http_method": target.verb,
    });
    let with = |extra: Value| {
        let mut value = base.clone();
        if let (Some(object), Value::Object(more)) = (value.as_object_mut(), extra) {
            object.extend(more);
        }
        value
    };
    let method = method_input(operation, context);
    api_gw::put_method(db, target.region, typed(with(method))?)?;
    if let Some(responses) = operation.get("responses").and_then(Value::as_object) {
        for (status, response) in responses {
            if status == "default" {
                continue;
            }
            let input = method_response_input(status, response);
            api_gw::put_method_response(db, target.region, typed(with(input))?)?;
        }
    }
    let Some(integration) = operation.get("x-amazon-apigateway-integration") else {
        return Ok(());
    };
    api_gw::put_integration(
        db,
        target.region,
        typed(with(integration_input(
            integration,
            target,
            context.path,
            warnings,
        )))?,
    )?;
    if let Some(responses) = integration.get("responses").and_then(Value::as_object) {
        for (pattern, response) in responses {
            let mut input = response.clone();
            if let Some(object) = input.as_object_mut() {
                let status = text_of(object.get("statusCode")).unwrap_or_else(|| "200".into());
                object.remove("statusCode");
                object.insert("status_code".into(), Value::String(status));
                if pattern != "default" {
                    object.insert("selectionPattern".into(), Value::String(pattern.clone()));
                }
                upper(object, "contentHandling");
            }
            api_gw::put_integration_response(db, target.region, typed(with(input))?)?;
        }
    }
    Ok(())
}

/// PutMethod's members from an operation: parameters, body model, security, validator.
fn method_input(operation: &Value, context: &Context) -> Value {
    let mut parameters = Map::new();
    let mut models = Map::new();
    let listed = context
        .shared
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .chain(
            operation
                .get("parameters")
                .and_then(Value::as_array)
                .into_iter()
                .flatten(),
        );
    for parameter in listed {
        let parameter = resolve(context.doc, parameter);
        let name = parameter
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let required = parameter
            .get("required")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let place = match parameter.get("in").and_then(Value::as_str) {
            Some("path") => "path",
            Some("query") => "querystring",
            Some("header") => "header",
            Some("body") => {
                if let Some(model) = parameter.pointer("/schema/$ref").and_then(model_name) {
                    let types = operation
                        .get("consumes")
                        .or_else(|| context.doc.get("consumes"))
                        .and_then(|c| c.get(0))
                        .and_then(Value::as_str)
                        .unwrap_or("application/json");
                    models.insert(types.into(), Value::String(model));
                }
                continue;
            }
            _ => continue,
        };
        parameters.insert(
            format!("method.request.{place}.{name}"),
            Value::Bool(required),
        );
    }
    // A variable of the resource's path is a required path parameter even where the operation
    // lists none (recorded: swagger-mock-cors.json's GET /product/{product_id}).
    let variables = context
        .path
        .split('/')
        .filter_map(|part| part.strip_prefix('{')?.strip_suffix('}'))
        .map(|name| name.trim_end_matches('+'));
    for name in variables {
        parameters
            .entry(format!("method.request.path.{name}"))
            .or_insert(Value::Bool(true));
    }
    if let Some(content) = operation
        .pointer("/requestBody/content")
        .and_then(Value::as_object)
    {
        for (media, body) in content {
            if let Some(model) = body.pointer("/schema/$ref").and_then(model_name) {
                models.insert(media.clone(), Value::String(model));
            }
        }
    }
    let mut method = json!({ "authorizationType": "NONE" });
    if !parameters.is_empty() {
        method["requestParameters"] = Value::Object(parameters);
    }
    if !models.is_empty() {
        method["requestModels"] = Value::Object(models);
    }
    if let Some(name) = operation.get("operationId").and_then(Value::as_str) {
        method["operationName"] = json!(name);
    }
    let validator = operation
        .get("x-amazon-apigateway-request-validator")
        .and_then(Value::as_str)
        .or(context.default_validator);
    if let Some(id) = validator.and_then(|v| context.validators.get(v)) {
        method["requestValidatorId"] = json!(id);
    }
    authorize(&mut method, operation, context);
    method
}

/// A method's authorization from the operation's `security` (else the document's): an API key
/// scheme requires a key, an authorizer's scheme names it with its scopes; and
/// `x-amazon-apigateway-auth` `aws_iam`.
fn authorize(method: &mut Value, operation: &Value, context: &Context) {
    let security = operation
        .get("security")
        .or_else(|| context.doc.get("security"));
    for scheme in security.and_then(Value::as_array).into_iter().flatten() {
        for (name, scopes) in scheme.as_object().into_iter().flatten() {
            if is_api_key(context.doc, name) {
                method["apiKeyRequired"] = json!(true);
            } else if let Some((id, kind)) = context.authorizers.get(name) {
                method["authorizerId"] = json!(id);
                method["authorizationType"] = json!(kind);
                if scopes.as_array().is_some_and(|s| !s.is_empty()) {
                    method["authorizationScopes"] = scopes.clone();
                }
            }
        }
    }
    if let Some(auth) = operation
        .pointer("/x-amazon-apigateway-auth/type")
        .and_then(Value::as_str)
    {
        if auth.eq_ignore_ascii_case("aws_iam") {
            method["authorizationType"] = json!("AWS_IAM");
        }
    }
}

/// PutMethodResponse's members: the status, its headers as response parameters, its
/// schema's model (Swagger's `schema`, OpenAPI's `content`).
fn method_response_input(status: &str, response: &Value) -> Value {
    let mut input = json!({ "status_code": status });
    if let Some(headers) = response.get("headers").and_then(Value::as_object) {
        let parameters: Map<String, Value> = headers
            .keys()
            .map(|h| (format!("method.response.header.{h}"), Value::Bool(false)))
            .collect();
        if !parameters.is_empty() {
            input["responseParameters"] = Value::Object(parameters);
        }
    }
    let mut models = Map::new();
    if let Some(model) = response.pointer("/schema/$ref").and_then(model_name) {
        models.insert("application/json".into(), Value::String(model));
    }
    if let Some(content) = response.get("content").and_then(Value::as_object) {
        for (media, body) in content {
            if let Some(model) = body.pointer("/schema/$ref").and_then(model_name) {
                models.insert(media.clone(), Value::String(model));
            }
        }
    }
    if !models.is_empty() {
        input["responseModels"] = Value::Object(models);
    }
    input
}

/// PutIntegration's members from `x-amazon-apigateway-integration` (its enums in any case).
fn integration_input(
    integration: &Value,
    target: &Target,
    path: &str,
    warnings: &mut Vec<String>,
) -> Value {
    let verb = target.verb;
    let mut input = integration.clone();
    let Some(object) = input.as_object_mut() else {
        return json!({});
    };
    object.remove("responses");
    if let (Some(namespace), false) = (target.namespace, object.contains_key("cacheNamespace")) {
        object.insert("cacheNamespace".into(), json!(namespace));
    }
    // A request parameter that is not text is left out, with AWS's warning (recorded:
    // openapi-basepath-url.yaml's `integration.request.header.nothing: true`).
    if let Some(Value::Object(parameters)) = object.get_mut("requestParameters") {
        parameters.retain(|name, value| {
            if value.is_string() {
                return true;
            }
            warnings.push(format!(
                "Invalid format for 'requestParameters'. Expected type string for property '{name}' of resource '{path}' and method '{verb}' but got '{value}'"
            ));
            false
        });
    }
    for key in [
        "type",
        "passthroughBehavior",
        "contentHandling",
        "connectionType",
    ] {
        upper(object, key);
    }
    // The integration's own method (PutIntegration's `integrationHttpMethod`, `httpMethod` on
    // the wire as in the document; the method's is in the path).
    if let Some(method) = object.get("httpMethod").and_then(|m| text_of(Some(m))) {
        object.insert("httpMethod".into(), Value::String(method.to_uppercase()));
    }
    if let Some(timeout) = object.get("timeoutInMillis").and_then(|t| text_of(Some(t))) {
        if let Ok(millis) = timeout.parse::<i64>() {
            object.insert("timeoutInMillis".into(), json!(millis));
        }
    }
    input
}

fn upper(object: &mut Map<String, Value>, key: &str) {
    if let Some(Value::String(value)) = object.get_mut(key) {
        *value = value.to_uppercase();
    }
}

/// A status code or number written as a number or a string (recorded:
/// test_import_with_integer_http_status_code).
fn text_of(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// `#/definitions/Pet` or `#/components/schemas/Pet` → `Pet`.
fn model_name(reference: &Value) -> Option<String> {
    let reference = reference.as_str()?;
    reference.rsplit('/').next().map(str::to_string)
}

/// A `$ref`'d parameter (`#/parameters/…`, `#/components/parameters/…`) as its definition.
fn resolve<'a>(doc: &'a Value, value: &'a Value) -> &'a Value {
    value
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix('#'))
        .and_then(|pointer| doc.pointer(pointer))
        .unwrap_or(value)
}

fn security_schemes(doc: &Value) -> Option<&Map<String, Value>> {
    doc.get("securityDefinitions")
        .or_else(|| doc.pointer("/components/securitySchemes"))
        .and_then(Value::as_object)
}

/// A scheme that is the API key header (`x-api-key`) with no authorizer of its own.
fn is_api_key(doc: &Value, name: &str) -> bool {
    security_schemes(doc)
        .and_then(|s| s.get(name))
        .is_some_and(|scheme| {
            scheme.get("type").and_then(Value::as_str) == Some("apiKey")
                && scheme.get("x-amazon-apigateway-authorizer").is_none()
                && scheme
                    .get("name")
                    .and_then(Value::as_str)
                    .is_some_and(|n| n.eq_ignore_ascii_case("x-api-key"))
        })
}

/// `definitions` / `components.schemas` → models (`application/json`), their `$ref`s to one
/// another as the models' URLs, as API Gateway keeps them.
fn put_models(db: &mut Db, region: &str, id: &str, doc: &Value) -> Result<(), Response> {
    let Some(schemas) = doc
        .get("definitions")
        .or_else(|| doc.pointer("/components/schemas"))
        .and_then(Value::as_object)
    else {
        return Ok(());
    };
    // Every name first, so that the models may refer to one another in any order, circles
    // included (recorded: test_import_swagger_api's NewPet → PetType,
    // test_import_with_circular_models' Person ↔ House); each is then put in its place.
    if let Some(api) = db.api_mut(region, id) {
        for name in schemas.keys() {
            let placeholder = ApiModel {
                id: String::new(),
                name: name.clone(),
                description: None,
                content_type: "application/json".into(),
                schema: None,
            };
            api.models.insert(name.clone(), placeholder);
        }
    }
    for (name, schema) in schemas {
        if let Some(api) = db.api_mut(region, id) {
            api.models.remove(name);
        }
        let mut input = json!({
            "restapi_id": id,
            "name": name,
            "contentType": "application/json",
            "schema": schema_text(schema, id),
        });
        // The schema's own description is the model's (recorded: the circular models' House).
        if let Some(description) = schema.get("description").filter(|d| d.is_string()) {
            input["description"] = description.clone();
        }
        api_models::create_model(db, region, typed(input)?)?;
    }
    Ok(())
}

fn schema_text(schema: &Value, id: &str) -> String {
    let text = schema.to_string();
    text.replace(
        "\"#/definitions/",
        &format!("\"https://apigateway.amazonaws.com/restapis/{id}/models/"),
    )
    .replace(
        "\"#/components/schemas/",
        &format!("\"https://apigateway.amazonaws.com/restapis/{id}/models/"),
    )
}

/// `x-amazon-apigateway-request-validators` → validators; their ids by the document's names.
fn put_validators(
    db: &mut Db,
    region: &str,
    id: &str,
    doc: &Value,
) -> Result<BTreeMap<String, String>, Response> {
    let mut ids = BTreeMap::new();
    let Some(validators) = doc
        .get("x-amazon-apigateway-request-validators")
        .and_then(Value::as_object)
    else {
        return Ok(ids);
    };
    for (name, validator) in validators {
        let flag = |key: &str| validator.get(key).and_then(Value::as_bool).unwrap_or(false);
        let input = json!({
            "restapi_id": id,
            "name": name,
            "validateRequestBody": flag("validateRequestBody"),
            "validateRequestParameters": flag("validateRequestParameters"),
        });
        request_validators::create_request_validator(db, region, typed(input)?)?;
        let made = db
            .api(region, id)
            .and_then(|a| {
                a.request_validators
                    .values()
                    .find(|v| v.name.as_deref() == Some(name.as_str()))
            })
            .map(|v| v.id.clone());
        if let Some(made) = made {
            ids.insert(name.clone(), made);
        }
    }
    Ok(ids)
}

/// Security schemes with `x-amazon-apigateway-authorizer` → authorizers: their ids and
/// types by scheme name. One that CreateAuthorizer refuses is left out (a warning, not a
/// failure: recorded test_import_rest_api, an authorizer with an empty identity source
/// imported with failonwarnings).
fn put_authorizers(
    db: &mut Db,
    region: &str,
    id: &str,
    doc: &Value,
) -> BTreeMap<String, (String, String)> {
    let mut ids = BTreeMap::new();
    for (name, scheme) in security_schemes(doc).into_iter().flatten() {
        let Some(authorizer) = scheme.get("x-amazon-apigateway-authorizer") else {
            continue;
        };
        let kind = authorizer
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or("token")
            .to_uppercase();
        let mut input = json!({ "restapi_id": id, "name": name, "type": kind });
        for key in [
            "authorizerUri",
            "authorizerCredentials",
            "identitySource",
            "identityValidationExpression",
            "providerARNs",
            "authorizerResultTtlInSeconds",
        ] {
            match authorizer.get(key) {
                Some(Value::String(s)) if s.is_empty() => {}
                Some(value) => input[key] = value.clone(),
                None => {}
            }
        }
        // Where the scheme says the token is, unless the authorizer says (recorded:
        // test_import_swagger_api, `in: header`, `name: Authorization`).
        let place = match scheme.get("in").and_then(Value::as_str) {
            Some("header") => Some("header"),
            Some("query") => Some("querystring"),
            _ => None,
        };
        let scheme_name = scheme.get("name").and_then(Value::as_str);
        if let (None, Some(place), Some(scheme_name)) =
            (input.get("identitySource"), place, scheme_name)
        {
            input["identitySource"] = json!(format!("method.request.{place}.{scheme_name}"));
        }
        if let Some(auth_type) = scheme.get("x-amazon-apigateway-authtype") {
            input["authType"] = auth_type.clone();
        }
        let Ok(typed_input) = typed(input) else {
            continue;
        };
        if authorizers::create_authorizer(db, region, typed_input).is_err() {
            continue;
        }
        let made = db
            .api(region, id)
            .and_then(|a| a.authorizers.values().find(|v| v.name == *name))
            .map(|v| v.id.clone());
        if let Some(made) = made {
            let method_type = if kind == "COGNITO_USER_POOLS" {
                "COGNITO_USER_POOLS"
            } else {
                "CUSTOM"
            };
            ids.insert(name.clone(), (made, method_type.to_string()));
        }
    }
    ids
}

/// `x-amazon-apigateway-gateway-responses` → gateway responses (status codes as text).
fn put_gateway_responses(db: &mut Db, region: &str, id: &str, doc: &Value) -> Result<(), Response> {
    let Some(responses) = doc
        .get("x-amazon-apigateway-gateway-responses")
        .and_then(Value::as_object)
    else {
        return Ok(());
    };
    for (kind, response) in responses {
        let mut input = response.clone();
        let Some(object) = input.as_object_mut() else {
            return Err(bad_request(INVALID));
        };
        if let Some(status) = text_of(object.get("statusCode")) {
            object.insert("statusCode".into(), Value::String(status));
        }
        object.insert("restapi_id".into(), json!(id));
        object.insert("response_type".into(), json!(kind));
        gateway_responses::put_gateway_response(db, region, typed(input)?)?;
    }
    Ok(())
}

/// A handler's typed input from the members built here; one the model cannot read is a
/// document AWS would not take either.
fn typed<T: DeserializeOwned>(value: Value) -> Result<T, Response> {
    serde_json::from_value(value).map_err(|_| bad_request(INVALID))
}
