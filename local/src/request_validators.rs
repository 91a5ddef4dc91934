//! API Gateway's request validators (`/restapis/{id}/requestvalidators…`): what a method's
//! `requestValidatorId` names. They are kept and answered; the stage URL does not enforce
//! them (see docs/parity.md).
//!
//! Sources: API Gateway's service model (shapes, URIs, 201/202) and AWS's answers recorded in
//! LocalStack's test_apigateway_api.snapshot.json (TestApiGatewayApiRequestValidator).

// An early answer is a whole HTTP response; boxing it buys nothing at this scale.
#![allow(clippy::result_large_err)]

use axum::response::Response;

use super::ids::random_id;
use super::shapes::apigateway as shape;
use super::shapes::apigateway::{
    CreateRequestValidatorRequest, DeleteRequestValidatorRequest, GetRequestValidatorRequest,
    GetRequestValidatorsRequest, UpdateRequestValidatorRequest,
};
use super::state::{Db, RequestValidator};
use super::updates;
use super::wire::{apigateway_bad_request as bad_request, apigateway_not_found as not_found};
use super::wire::{empty, json};

/// The refusal of a validator that is not there, whether its API is (recorded:
/// test_invalid_get_request_validator, test_invalid_delete_request_validator).
fn no_validator() -> Response {
    not_found("Invalid Request Validator identifier specified")
}

fn validator_json(validator: &RequestValidator) -> shape::RequestValidator {
    shape::RequestValidator {
        id: Some(validator.id.clone()),
        name: validator.name.clone(),
        validate_request_body: Some(validator.validate_request_body),
        validate_request_parameters: Some(validator.validate_request_parameters),
    }
}

pub fn create_request_validator(
    db: &mut Db,
    region: &str,
    input: CreateRequestValidatorRequest,
) -> Result<Response, Response> {
    // A 400, not the 404 of the other operations (recorded:
    // test_create_request_validator_invalid_api_id).
    let Some(api) = db.api_mut(region, &input.rest_api_id) else {
        return Err(bad_request("Invalid REST API identifier specified"));
    };
    let validator = RequestValidator {
        id: random_id(6),
        name: input.name,
        validate_request_body: input.validate_request_body.unwrap_or(false),
        validate_request_parameters: input.validate_request_parameters.unwrap_or(false),
    };
    let response = json(201, &validator_json(&validator));
    api.request_validators
        .insert(validator.id.clone(), validator);
    Ok(response)
}

pub fn get_request_validator(
    db: &mut Db,
    region: &str,
    input: GetRequestValidatorRequest,
) -> Result<Response, Response> {
    db.api(region, &input.rest_api_id)
        .and_then(|api| api.request_validators.get(&input.request_validator_id))
        .map(|validator| json(200, &validator_json(validator)))
        .ok_or_else(no_validator)
}

pub fn get_request_validators(
    db: &mut Db,
    region: &str,
    input: GetRequestValidatorsRequest,
) -> Result<Response, Response> {
    let id: &str = &input.rest_api_id;
    let api = db
        .api(region, id)
        .ok_or_else(|| super::wire::no_rest_api(id))?;
    let items = api
        .request_validators
        .values()
        .map(validator_json)
        .collect();
    Ok(json(
        200,
        &shape::RequestValidators {
            items: Some(items),
            position: None,
        },
    ))
}

pub fn update_request_validator(
    db: &mut Db,
    region: &str,
    input: UpdateRequestValidatorRequest,
) -> Result<Response, Response> {
    let live = db
        .api_mut(region, &input.rest_api_id)
        .and_then(|api| api.request_validators.get_mut(&input.request_validator_id))
        .ok_or_else(no_validator)?;
    // All operations or none: work on a copy, keep it at the end.
    let mut validator = live.clone();
    updates::patch_request_validator(&mut validator, &input.patch_operations.unwrap_or_default())?;
    let response = json(200, &validator_json(&validator));
    *live = validator;
    Ok(response)
}

pub fn delete_request_validator(
    db: &mut Db,
    region: &str,
    input: DeleteRequestValidatorRequest,
) -> Result<Response, Response> {
    db.api_mut(region, &input.rest_api_id)
        .and_then(|api| api.request_validators.remove(&input.request_validator_id))
        .map(|_| empty(202))
        .ok_or_else(no_validator)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::apigateway::{apply, Operation};
    use super::*;

    const REGION: &str = "us-east-1";

    fn call(db: &mut Db, operation: &str, input: serde_json::Value) -> u16 {
        let operation = Operation::from_name(operation).unwrap();
        apply(db, operation, REGION, input).status().as_u16()
    }

    /// PutMethod and UpdateMethod take a validator of the API and refuse one it does not
    /// have; GetMethod answers the one named.
    #[test]
    fn a_method_names_only_a_validator_of_its_api() {
        let mut db = Db::default();
        assert_eq!(call(&mut db, "CreateRestApi", json!({ "name": "a" })), 201);
        let api = db.apis(REGION).next().unwrap();
        let (id, root) = (api.id.clone(), api.root_id.clone());
        let made = json!({ "restapi_id": id, "name": "v", "validateRequestBody": true });
        assert_eq!(call(&mut db, "CreateRequestValidator", made), 201);
        let validator = db
            .api(REGION, &id)
            .unwrap()
            .request_validators
            .keys()
            .next()
            .unwrap()
            .clone();
        let method = |verb: &str, validator: &str| {
            json!({
                "restapi_id": id, "resource_id": root, "http_method": verb,
                "authorizationType": "NONE", "requestValidatorId": validator
            })
        };
        assert_eq!(call(&mut db, "PutMethod", method("GET", "nope")), 400);
        assert_eq!(call(&mut db, "PutMethod", method("GET", &validator)), 201);
        let named = |db: &Db| {
            db.api(REGION, &id).unwrap().resources[&root].methods["GET"]
                .request_validator_id
                .clone()
        };
        assert_eq!(named(&db), Some(validator.clone()));
        let patch = |value: &str| {
            json!({
                "restapi_id": id, "resource_id": root, "http_method": "GET",
                "patchOperations": [{ "op": "replace", "path": "/requestValidatorId", "value": value }]
            })
        };
        assert_eq!(call(&mut db, "UpdateMethod", patch("nope")), 400);
        assert_eq!(named(&db), Some(validator.clone()));
        assert_eq!(call(&mut db, "UpdateMethod", patch("")), 200);
        assert_eq!(named(&db), None);
        assert_eq!(call(&mut db, "UpdateMethod", patch(&validator)), 200);
        assert_eq!(named(&db), Some(validator));
    }
}
