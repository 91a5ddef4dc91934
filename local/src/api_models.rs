//! API Gateway's models (`/restapis/{id}/models…`): JSON schemas that describe a method's
//! payloads, the two CreateRestApi makes (`Empty`, `Error`), and what refers to them (a method
//! request's or a method response's models, another model's `$ref`), which keeps a model from
//! being deleted. What the schemas say is not enforced here: no request validator is emulated.
//!
//! Sources: API Gateway's service model (shapes, URIs, 201/202), AWS-recorded answers
//! (LocalStack's test_model_lifecycle, test_model_validation, test_update_model,
//! test_put_method_model, test_api_gateway_request_validator_with_ref_models) and its developer
//! guide ("Data models for REST APIs": JSON Schema draft 4, references in the canonical form
//! `https://apigateway.amazonaws.com/restapis/{id}/models/{name}`).

// An early answer is a whole HTTP response; boxing it buys nothing at this scale.
#![allow(clippy::result_large_err)]

use std::collections::BTreeMap;

use axum::response::Response;
use serde_json::Value;

use super::ids::random_id;
use super::shapes::apigateway as shape;
use super::shapes::apigateway::{
    CreateModelRequest, DeleteModelRequest, ErrorCode, GetModelRequest, GetModelsRequest,
    UpdateModelRequest,
};
use super::state::{ApiModel, Db, RestApi};
use super::wire::apigateway_bad_request as bad_request;
use super::wire::{empty, json};

/// Where a model's `$ref` to another model of the same API points (the canonical form).
const REF_BASE: &str = "https://apigateway.amazonaws.com/restapis/";

fn error(code: ErrorCode, message: &str) -> Response {
    super::wire::apigateway_error(code, message)
}

fn no_model(name: &str) -> Response {
    error(
        ErrorCode::NotFoundException,
        &format!("Invalid model name specified: {name}"),
    )
}

/// The refusal of a schema that is empty (recorded: test_model_validation, test_update_model).
fn empty_schema() -> Response {
    bad_request("Model schema must have at least 1 property or array items defined")
}

/// The models CreateRestApi makes, as API Gateway answers them (recorded:
/// test_model_lifecycle's get-models).
pub fn defaults() -> BTreeMap<String, ApiModel> {
    let model = |name: &str, description: &str, schema: &str| {
        (
            name.to_string(),
            ApiModel {
                id: random_id(6),
                name: name.to_string(),
                description: Some(description.to_string()),
                content_type: "application/json".to_string(),
                schema: Some(schema.to_string()),
            },
        )
    };
    BTreeMap::from([
        model(
            "Empty",
            "This is a default empty schema model",
            "{\n  \"$schema\": \"http://json-schema.org/draft-04/schema#\",\n  \"title\" : \"Empty Schema\",\n  \"type\" : \"object\"\n}",
        ),
        model(
            "Error",
            "This is a default error schema model",
            "{\n  \"$schema\" : \"http://json-schema.org/draft-04/schema#\",\n  \"title\" : \"Error Schema\",\n  \"type\" : \"object\",\n  \"properties\" : {\n    \"message\" : { \"type\" : \"string\" }\n  }\n}",
        ),
    ])
}

/// Every `$ref` in a schema, anywhere in it, as written.
fn ref_targets(schema: &Value) -> Vec<&str> {
    let mut found = Vec::new();
    let mut stack = vec![schema];
    while let Some(value) = stack.pop() {
        match value {
            Value::Object(members) => {
                for (key, member) in members {
                    match (key.as_str(), member) {
                        ("$ref", Value::String(target)) => found.push(target.as_str()),
                        _ => stack.push(member),
                    }
                }
            }
            Value::Array(items) => stack.extend(items),
            _ => {}
        }
    }
    found
}

/// The names of the models a schema refers to (`$ref` anywhere in it, canonical form).
pub fn references(schema: &Value) -> Vec<String> {
    ref_targets(schema)
        .into_iter()
        .filter_map(canonical_name)
        .map(str::to_string)
        .collect()
}

/// The model a canonical reference names (`https://apigateway.amazonaws.com/restapis/{id}/models/{name}`).
pub fn canonical_name(target: &str) -> Option<&str> {
    let rest = target.strip_prefix(REF_BASE)?;
    let (_api, name) = rest.split_once("/models/")?;
    (!name.is_empty() && !name.contains('/')).then_some(name)
}

/// A schema API Gateway takes for an `application/json` model: a JSON object with at least
/// one member whose references are canonical and name models of the API. Another content
/// type's schema is only held to being present.
fn check_schema(api: &RestApi, content_type: &str, schema: Option<&str>) -> Result<(), Response> {
    let text = schema.unwrap_or_default();
    if text.trim().is_empty() {
        return Err(empty_schema());
    }
    if !content_type.eq_ignore_ascii_case("application/json") {
        return Ok(());
    }
    let invalid = |detail: &str| {
        bad_request(&format!(
            "Invalid model specified: Validation Result: warnings : [], errors : [Invalid model schema specified{detail}]"
        ))
    };
    let Ok(schema @ Value::Object(_)) = serde_json::from_str::<Value>(text) else {
        return Err(invalid(""));
    };
    if schema.as_object().is_some_and(|members| members.is_empty()) {
        return Err(empty_schema());
    }
    for target in ref_targets(&schema) {
        match canonical_name(target) {
            Some(name) if api.models.contains_key(name) => {}
            Some(_) => return Err(invalid(", Referenced model does not exist")),
            None => return Err(invalid(", Model reference must be in canonical form")),
        }
    }
    Ok(())
}

/// A model as API Gateway answers it: an empty description left out (recorded:
/// test_put_method_model's create-model, test_update_model).
pub fn model_json(model: &ApiModel) -> shape::Model {
    shape::Model {
        id: Some(model.id.clone()),
        name: Some(model.name.clone()),
        description: model.description.clone().filter(|d| !d.is_empty()),
        content_type: Some(model.content_type.clone()),
        schema: model.schema.clone(),
    }
}

fn api<'a>(db: &'a Db, region: &str, id: &str) -> Result<&'a RestApi, Response> {
    db.api(region, id)
        .ok_or_else(|| super::wire::no_rest_api(id))
}

pub fn create_model(
    db: &mut Db,
    region: &str,
    input: CreateModelRequest,
) -> Result<Response, Response> {
    let id: &str = &input.rest_api_id;
    let api = api(db, region, id)?;
    // In the order AWS checks (recorded: test_model_validation).
    if input.name.is_empty() {
        return Err(bad_request("Model name must be non-empty"));
    }
    if api.models.contains_key(&input.name) {
        return Err(error(
            ErrorCode::ConflictException,
            "Model name already exists for this REST API",
        ));
    }
    check_schema(api, &input.content_type, input.schema.as_deref())?;
    // The service model's documentation: "The name of the model. Must be alphanumeric."
    if !input.name.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(bad_request(&format!(
            "Invalid model name specified: {}. Model names must be alphanumeric.",
            input.name
        )));
    }
    let model = ApiModel {
        id: random_id(6),
        name: input.name.clone(),
        description: input.description.clone(),
        content_type: input.content_type.clone(),
        schema: input.schema.clone(),
    };
    let response = json(201, &model_json(&model));
    if let Some(api) = db.api_mut(region, id) {
        api.models.insert(model.name.clone(), model);
    }
    Ok(response)
}

pub fn get_model(db: &mut Db, region: &str, input: GetModelRequest) -> Result<Response, Response> {
    let name: &str = &input.model_name;
    let api = db
        .api(region, &input.rest_api_id)
        .ok_or_else(|| no_model(name))?;
    let model = api.models.get(name).ok_or_else(|| no_model(name))?;
    let mut answer = model_json(model);
    if input.flatten == Some(true) {
        answer.schema = model
            .schema
            .as_deref()
            .and_then(|text| serde_json::from_str::<Value>(text).ok())
            .map(|schema| flatten(api, schema, 0).to_string())
            .or(answer.schema);
    }
    Ok(json(200, &answer))
}

/// A schema with each canonical reference replaced by the schema it names (its own `$schema`
/// left out), as GetModel's `flatten` answers it; a cycle stops at a bounded depth.
fn flatten(api: &RestApi, schema: Value, depth: usize) -> Value {
    match schema {
        Value::Object(members) => {
            if let Some(Value::String(target)) = members.get("$ref") {
                let named = canonical_name(target)
                    .and_then(|name| api.models.get(name))
                    .and_then(|m| m.schema.as_deref())
                    .and_then(|text| serde_json::from_str::<Value>(text).ok());
                if let (Some(Value::Object(mut inner)), true) = (named, depth < 16) {
                    inner.remove("$schema");
                    return flatten(api, Value::Object(inner), depth + 1);
                }
            }
            Value::Object(
                members
                    .into_iter()
                    .map(|(k, v)| (k, flatten(api, v, depth)))
                    .collect(),
            )
        }
        Value::Array(items) => {
            Value::Array(items.into_iter().map(|v| flatten(api, v, depth)).collect())
        }
        other => other,
    }
}

pub fn get_models(
    db: &mut Db,
    region: &str,
    input: GetModelsRequest,
) -> Result<Response, Response> {
    let api = api(db, region, &input.rest_api_id)?;
    let items: Vec<shape::Model> = api.models.values().map(model_json).collect();
    let (items, position) = super::paging::apigateway(
        items,
        input.limit,
        input.position.as_deref(),
        super::paging::Limit::Refused,
    )
    .map_err(bad_request)?;
    Ok(json(
        200,
        &shape::Models {
            items: Some(items),
            position,
        },
    ))
}

pub fn update_model(
    db: &mut Db,
    region: &str,
    input: UpdateModelRequest,
) -> Result<Response, Response> {
    let name: &str = &input.model_name;
    let api = db
        .api(region, &input.rest_api_id)
        .ok_or_else(|| no_model(name))?;
    // All operations or none: work on a copy, keep it at the end.
    let mut model = api.models.get(name).ok_or_else(|| no_model(name))?.clone();
    for operation in input.patch_operations.unwrap_or_default() {
        let op = operation.op.map_or("", shape::Op::as_str);
        let path = operation.path.as_deref().unwrap_or_default();
        match (op, path) {
            ("replace", "/description") => model.description = operation.value,
            ("replace", "/schema") => {
                check_schema(api, &model.content_type, operation.value.as_deref())?;
                model.schema = operation.value;
            }
            ("replace", _) => {
                return Err(bad_request(&format!(
                    "Invalid patch path  '{path}' specified for op 'replace'. Must be one of: [/description, /schema]"
                )));
            }
            _ => {
                return Err(bad_request(&format!(
                    "Invalid patch path  '{path}' specified for op '{op}'. Please choose supported operations"
                )));
            }
        }
    }
    let response = json(200, &model_json(&model));
    if let Some(api) = db.api_mut(region, &input.rest_api_id) {
        api.models.insert(name.to_string(), model);
    }
    Ok(response)
}

pub fn delete_model(
    db: &mut Db,
    region: &str,
    input: DeleteModelRequest,
) -> Result<Response, Response> {
    let name: &str = &input.model_name;
    let api = db
        .api(region, &input.rest_api_id)
        .ok_or_else(|| no_model(name))?;
    if !api.models.contains_key(name) {
        return Err(no_model(name));
    }
    if let Some(place) = referenced_at(api, name) {
        return Err(error(
            ErrorCode::ConflictException,
            &format!("Cannot delete model '{name}', is referenced in {place}"),
        ));
    }
    if let Some(api) = db.api_mut(region, &input.rest_api_id) {
        api.models.remove(name);
    }
    Ok(empty(202))
}

/// Where a model is in use: a method request (`method request: {path}/{METHOD}`, recorded as
/// `//ANY` for ANY on the root: test_put_method_model), a method response, or another model.
///
/// With several methods naming it, AWS names one: `/test/ANY` over `//ANY` in the one recording
/// (test_put_method_model's delete-model-used-by-2-method), by a rule no recording shows.
/// Resources are keyed by random ids, so their order would pick one at random; they are read in
/// reverse order of path instead, which is stable and gives AWS's answer there.
fn referenced_at(api: &RestApi, name: &str) -> Option<String> {
    let mut resources: Vec<_> = api.resources.values().collect();
    resources.sort_by(|a, b| b.path.cmp(&a.path));
    for resource in resources {
        for (verb, method) in &resource.methods {
            let place = format!("{}/{verb}", resource.path);
            if method.request_models.values().any(|m| m == name) {
                return Some(format!("method request: {place}"));
            }
            for (status, response) in &method.responses {
                let uses = response["responseModels"]
                    .as_object()
                    .is_some_and(|models| models.values().any(|m| m == name));
                if uses {
                    return Some(format!("method response: {place}/{status}"));
                }
            }
        }
    }
    api.models
        .values()
        .filter(|m| m.name != name)
        .find(|m| {
            m.schema
                .as_deref()
                .and_then(|text| serde_json::from_str::<Value>(text).ok())
                .is_some_and(|schema| references(&schema).iter().any(|r| r == name))
        })
        .map(|m| format!("model: {}", m.name))
}

/// A model name a method (or method response) refers to must be one of the API's
/// (recorded: test_put_method_validation's invalid-model-name).
pub fn check_known<'a>(
    models: &BTreeMap<String, ApiModel>,
    names: impl IntoIterator<Item = &'a String>,
) -> Result<(), Response> {
    for name in names {
        if !models.contains_key(name) {
            return Err(bad_request(&format!(
                "Invalid model identifier specified: {name}"
            )));
        }
    }
    Ok(())
}
