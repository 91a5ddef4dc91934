//! API Gateway's gateway responses (`/restapis/{id}/gatewayresponses…`): the answer a REST
//! API gives when a request fails before or outside its integration. Each type's default, and
//! what PutGatewayResponse and UpdateGatewayResponse set, kept and answered; the stage URL
//! answers a failed request validation (`BAD_REQUEST_PARAMETERS`, `BAD_REQUEST_BODY`) with
//! what its deployment kept (`effective`), its other errors as before (see docs/parity.md).
//!
//! Sources: API Gateway's service model (shapes, URIs, 201/202), its developer guide
//! ("Gateway response types for API Gateway": each type's default status code) and AWS's
//! answers recorded in LocalStack's test_apigateway_api.snapshot.json
//! (TestApiGatewayGatewayResponse's test_gateway_response_crud,
//! test_gateway_response_validation, test_update_gateway_response, test_gateway_response_put).

// An early answer is a whole HTTP response; boxing it buys nothing at this scale.
#![allow(clippy::result_large_err)]

use std::collections::BTreeMap;

use axum::response::Response;

use super::shapes::apigateway as shape;
use super::shapes::apigateway::{
    DeleteGatewayResponseRequest, GetGatewayResponseRequest, GetGatewayResponsesRequest,
    PutGatewayResponseRequest, UpdateGatewayResponseRequest,
};
use super::state::{Db, GatewayResponse, RestApi};
use super::updates;
use super::wire::apigateway_not_found as not_found;
use super::wire::{empty, json};

/// Each type and its default status code (none for `DEFAULT_4XX` and `DEFAULT_5XX`), as AWS
/// lists them (recorded: test_gateway_response_crud's get-gateway-responses).
const TYPES: &[(&str, Option<&str>)] = &[
    ("ACCESS_DENIED", Some("403")),
    ("API_CONFIGURATION_ERROR", Some("500")),
    ("AUTHORIZER_CONFIGURATION_ERROR", Some("500")),
    ("AUTHORIZER_FAILURE", Some("500")),
    ("BAD_REQUEST_BODY", Some("400")),
    ("BAD_REQUEST_PARAMETERS", Some("400")),
    ("DEFAULT_4XX", None),
    ("DEFAULT_5XX", None),
    ("EXPIRED_TOKEN", Some("403")),
    ("INTEGRATION_FAILURE", Some("504")),
    ("INTEGRATION_TIMEOUT", Some("504")),
    ("INVALID_API_KEY", Some("403")),
    ("INVALID_SIGNATURE", Some("403")),
    ("MISSING_AUTHENTICATION_TOKEN", Some("403")),
    ("QUOTA_EXCEEDED", Some("429")),
    ("REQUEST_TOO_LARGE", Some("413")),
    ("RESOURCE_NOT_FOUND", Some("404")),
    ("THROTTLED", Some("429")),
    ("UNAUTHORIZED", Some("401")),
    ("UNSUPPORTED_MEDIA_TYPE", Some("415")),
    ("WAF_FILTERED", Some("403")),
];

/// The template every default answers with.
const DEFAULT_TEMPLATE: &str = "{\"message\":$context.error.messageString}";

/// A type's default, as API Gateway answers it before anything is set.
fn default_of(kind: &str) -> GatewayResponse {
    GatewayResponse {
        status_code: TYPES
            .iter()
            .find(|(name, _)| *name == kind)
            .and_then(|(_, status)| status.map(str::to_string)),
        parameters: BTreeMap::new(),
        templates: BTreeMap::from([("application/json".to_string(), DEFAULT_TEMPLATE.to_string())]),
    }
}

fn response_json(kind: &str, response: &GatewayResponse, default: bool) -> shape::GatewayResponse {
    shape::GatewayResponse {
        response_type: serde_json::from_value(serde_json::Value::String(kind.to_string())).ok(),
        status_code: response.status_code.clone(),
        response_parameters: Some(response.parameters.clone()),
        response_templates: Some(response.templates.clone()),
        default_response: Some(default),
    }
}

/// A type's answer: what was set, else its default (see `effective`).
fn answer_of(api: &RestApi, kind: &str) -> shape::GatewayResponse {
    let (response, default) = effective(&api.gateway_responses, kind);
    response_json(kind, &response, default)
}

/// What a type answers with, and whether that is a default: what was set, else its default;
/// a default whose status is 4xx or 5xx takes what `DEFAULT_4XX` or `DEFAULT_5XX` set instead,
/// still a default (recorded: test_gateway_response_put's get-gateway-responses, after
/// DEFAULT_5XX was put). The stage URL answers its own errors with it, from the responses its
/// deployment kept.
pub fn effective(set: &BTreeMap<String, GatewayResponse>, kind: &str) -> (GatewayResponse, bool) {
    if let Some(set) = set.get(kind) {
        return (set.clone(), false);
    }
    let mut default = default_of(kind);
    let family = match default
        .status_code
        .as_deref()
        .and_then(|s| s.chars().next())
    {
        Some('4') => Some("DEFAULT_4XX"),
        Some('5') => Some("DEFAULT_5XX"),
        _ => None,
    };
    if let Some(set) = family.and_then(|f| set.get(f)) {
        default = GatewayResponse {
            status_code: set.status_code.clone().or(default.status_code),
            parameters: set.parameters.clone(),
            templates: set.templates.clone(),
        };
    }
    (default, true)
}

fn api<'a>(db: &'a Db, region: &str, id: &str) -> Result<&'a RestApi, Response> {
    db.api(region, id)
        .ok_or_else(|| super::wire::no_rest_api(id))
}

fn api_mut<'a>(db: &'a mut Db, region: &str, id: &str) -> Result<&'a mut RestApi, Response> {
    db.api_mut(region, id)
        .ok_or_else(|| super::wire::no_rest_api(id))
}

pub fn put_gateway_response(
    db: &mut Db,
    region: &str,
    input: PutGatewayResponseRequest,
) -> Result<Response, Response> {
    let kind = input.response_type.as_str();
    let api = api_mut(db, region, &input.rest_api_id)?;
    // What is not given is the type's default (recorded: test_gateway_response_put's
    // put-gateway-response-status-only).
    let default = default_of(kind);
    let response = GatewayResponse {
        status_code: input.status_code.or(default.status_code),
        parameters: input.response_parameters.unwrap_or_default(),
        templates: input
            .response_templates
            .filter(|templates| !templates.is_empty())
            .unwrap_or(default.templates),
    };
    let answer = json(201, &response_json(kind, &response, false));
    api.gateway_responses.insert(kind.to_string(), response);
    Ok(answer)
}

pub fn get_gateway_response(
    db: &mut Db,
    region: &str,
    input: GetGatewayResponseRequest,
) -> Result<Response, Response> {
    let api = api(db, region, &input.rest_api_id)?;
    Ok(json(200, &answer_of(api, input.response_type.as_str())))
}

pub fn get_gateway_responses(
    db: &mut Db,
    region: &str,
    input: GetGatewayResponsesRequest,
) -> Result<Response, Response> {
    let api = api(db, region, &input.rest_api_id)?;
    let items = TYPES.iter().map(|(kind, _)| answer_of(api, kind)).collect();
    Ok(json(
        200,
        &shape::GatewayResponses {
            items: Some(items),
            position: None,
        },
    ))
}

/// UpdateGatewayResponse: a type not set starts from its default, and is set after
/// (see `updates::patch_gateway_response`).
pub fn update_gateway_response(
    db: &mut Db,
    region: &str,
    input: UpdateGatewayResponseRequest,
) -> Result<Response, Response> {
    let kind = input.response_type.as_str();
    let api = api_mut(db, region, &input.rest_api_id)?;
    let mut response = api
        .gateway_responses
        .get(kind)
        .cloned()
        .unwrap_or_else(|| default_of(kind));
    updates::patch_gateway_response(&mut response, &input.patch_operations.unwrap_or_default())?;
    let answer = json(200, &response_json(kind, &response, false));
    api.gateway_responses.insert(kind.to_string(), response);
    Ok(answer)
}

pub fn delete_gateway_response(
    db: &mut Db,
    region: &str,
    input: DeleteGatewayResponseRequest,
) -> Result<Response, Response> {
    let api = api_mut(db, region, &input.rest_api_id)?;
    match api.gateway_responses.remove(input.response_type.as_str()) {
        Some(_) => Ok(empty(202)),
        None => Err(not_found("Gateway response type not defined on api")),
    }
}
