//! A method's request validation on the stage URL: with a request validator (`requestValidatorId`)
//! of its deployment, the parameters its method request marks required must be there
//! (`validateRequestParameters`) and the body must be valid against the method's request
//! model (`validateRequestBody`, JSON Schema draft 4); what fails is named for the gateway
//! response that answers it. It decides only: the answer is the stage URL's (`execute_api`).
//!
//! Recorded: LocalStack's test_apigateway_common.py, TestApiGatewayCommon's
//! test_api_gateway_request_validator (the missing parameters named in their keys' order, the
//! header's name as the method request gives it; an empty body taken as `{}` and so invalid
//! against a model with required members), test_api_gateway_request_validator_with_ref_models
//! and _with_ref_one_ofmodels (a model refers to another by the URL API Gateway gives it).

use std::collections::BTreeMap;

use axum::http::HeaderMap;
use serde_json::Value;

use super::json_schema;
use super::state::{Deployment, Method};

/// What a method's validator checks, read from its deployment once per request.
pub struct Validation {
    /// The required parameters, in their keys' order: (where, name), `where` one of `path`,
    /// `querystring`, `header` (or their `multivalue` forms).
    required: Vec<(String, String)>,
    /// The body's model's schema, and the deployment's models' schemas by name (what a `$ref`
    /// names), when the body is validated.
    body: Option<(Value, BTreeMap<String, Value>)>,
}

/// Why a request was refused: its gateway response's type and its message.
pub struct Failure {
    pub response_type: &'static str,
    pub message: String,
}

/// The model a method validates a body against: the request model for `application/json`,
/// else its `$default`, else `Empty` (as LocalStack reads AWS's rule; no recording sends a
/// body of another type to a validated method).
fn model_name(method: &Method) -> &str {
    method
        .request_models
        .get("application/json")
        .or_else(|| method.request_models.get("$default"))
        .map(String::as_str)
        .unwrap_or("Empty")
}

/// The validation a method's request is held to in `deployment`, if its validator checks
/// anything. A validator the deployment does not have checks nothing.
pub fn of(method: &Method, deployment: &Deployment) -> Option<Validation> {
    let id = method.request_validator_id.as_deref()?.trim();
    let validator = deployment.request_validators.get(id)?;
    if !validator.validate_request_parameters && !validator.validate_request_body {
        return None;
    }
    let required = if validator.validate_request_parameters {
        method
            .request_parameters
            .iter()
            .filter(|(_, required)| **required)
            .filter_map(|(key, _)| {
                let (place, name) = key.strip_prefix("method.request.")?.split_once('.')?;
                Some((place.to_string(), name.to_string()))
            })
            .collect()
    } else {
        Vec::new()
    };
    let body = validator.validate_request_body.then(|| {
        let schemas: BTreeMap<String, Value> = deployment
            .models
            .values()
            .filter_map(|m| {
                Some((
                    m.name.clone(),
                    serde_json::from_str(m.schema.as_deref()?).ok()?,
                ))
            })
            .collect();
        // A model that is gone or unreadable finds no body valid (LocalStack's reading).
        let schema = schemas
            .get(model_name(method))
            .cloned()
            .unwrap_or_else(|| serde_json::json!({ "not": {} }));
        (schema, schemas)
    });
    Some(Validation { required, body })
}

/// What a request brings to be validated.
pub struct Request<'a> {
    pub path: &'a BTreeMap<String, String>,
    pub query: Option<&'a str>,
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
}

/// The request's parameters first, then its body, as API Gateway checks them.
pub fn check(validation: &Validation, request: &Request<'_>) -> Result<(), Failure> {
    let query_names: Vec<String> = request
        .query
        .unwrap_or_default()
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| super::wire::decode_segment(pair.split_once('=').map_or(pair, |(k, _)| k)))
        .collect();
    let missing: Vec<&str> = validation
        .required
        .iter()
        .filter(|(place, name)| match place.as_str() {
            "path" => !request.path.contains_key(name),
            "querystring" | "multivaluequerystring" => !query_names.iter().any(|q| q == name),
            "header" | "multivalueheader" => !request
                .headers
                .contains_key(name.to_ascii_lowercase().as_str()),
            _ => false,
        })
        .map(|(_, name)| name.as_str())
        .collect();
    if !missing.is_empty() {
        return Err(Failure {
            response_type: "BAD_REQUEST_PARAMETERS",
            message: format!(
                "Missing required request parameters: [{}]",
                missing.join(", ")
            ),
        });
    }
    if let Some((schema, schemas)) = &validation.body {
        let body = if request.body.iter().all(u8::is_ascii_whitespace) {
            b"{}".as_slice()
        } else {
            request.body
        };
        // A model names another by the URL API Gateway gives it:
        // `https://apigateway.amazonaws.com/restapis/{api}/models/{name}`.
        let resolve = |url: &str| {
            let name = url.rsplit_once("/models/")?.1;
            schemas.get(name).cloned()
        };
        let valid = serde_json::from_slice::<Value>(body)
            .is_ok_and(|instance| json_schema::valid(schema, &instance, &resolve));
        if !valid {
            return Err(Failure {
                response_type: "BAD_REQUEST_BODY",
                message: "Invalid request body".into(),
            });
        }
    }
    Ok(())
}
