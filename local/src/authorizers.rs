//! API Gateway's authorizers (`/restapis/{id}/authorizers…`): what a `CUSTOM` or
//! `COGNITO_USER_POOLS` method's `authorizerId` names. The control plane only: kept, answered
//! and named by methods; the stage URL runs no authorizer (see docs/parity.md).
//!
//! Sources: API Gateway's service model (shapes, URIs, 201/202), its developer guide (the
//! PATCH paths, the TTL's range) and AWS's answers recorded in LocalStack's
//! test_apigateway_api.snapshot.json (TestApiGatewayApiAuthorizer::test_authorizer_crud_no_api)
//! and test_apigateway_basic.snapshot.json (test_apigateway_with_custom_authorization_method).

// An early answer is a whole HTTP response; boxing it buys nothing at this scale.
#![allow(clippy::result_large_err)]

use axum::response::Response;

use super::ids::random_id;
use super::shapes::apigateway as shape;
use super::shapes::apigateway::{
    CreateAuthorizerRequest, DeleteAuthorizerRequest, GetAuthorizerRequest, GetAuthorizersRequest,
    UpdateAuthorizerRequest,
};
use super::state::{Authorizer, Db};
use super::updates;
use super::wire::{apigateway_bad_request as bad_request, apigateway_not_found as not_found};
use super::wire::{empty, json};

/// The refusal of an authorizer that is not there, whether its API is (the local cloud's
/// words, as API Gateway words its other identifiers).
fn no_authorizer() -> Response {
    not_found("Invalid Authorizer identifier specified")
}

pub(super) fn authorizer_json(authorizer: &Authorizer) -> shape::Authorizer {
    shape::Authorizer {
        id: Some(authorizer.id.clone()),
        name: Some(authorizer.name.clone()),
        r#type: serde_json::from_value(serde_json::Value::String(authorizer.kind.clone())).ok(),
        auth_type: authorizer.auth_type.clone(),
        authorizer_uri: authorizer.authorizer_uri.clone(),
        authorizer_credentials: authorizer.authorizer_credentials.clone(),
        identity_source: authorizer.identity_source.clone(),
        identity_validation_expression: authorizer.identity_validation_expression.clone(),
        authorizer_result_ttl_in_seconds: authorizer.result_ttl.map(|t| t as _),
        provider_ar_ns: authorizer.provider_arns.clone(),
        jwt_configuration: authorizer
            .jwt_configuration
            .clone()
            .and_then(|c| serde_json::from_value(c).ok()),
    }
}

/// What an authorizer of `kind` must have, in the local cloud's words (no recording refuses
/// one): a Lambda authorizer its function's URI, a Cognito one its user pools; a TTL within
/// the developer guide's 0 to 3600 seconds.
pub(super) fn check(authorizer: &Authorizer) -> Result<(), Response> {
    match authorizer.kind.as_str() {
        "TOKEN" | "REQUEST"
            if authorizer
                .authorizer_uri
                .as_deref()
                .unwrap_or("")
                .is_empty() =>
        {
            return Err(bad_request("Authorizer URI must be specified"));
        }
        "COGNITO_USER_POOLS"
            if authorizer
                .provider_arns
                .as_ref()
                .is_none_or(|arns| arns.is_empty()) =>
        {
            return Err(bad_request("Provider ARNs must be specified"));
        }
        _ => {}
    }
    if authorizer
        .result_ttl
        .is_some_and(|t| !(0..=3600).contains(&t))
    {
        return Err(bad_request(
            "Authorizer result TTL must be between 0 and 3600 seconds",
        ));
    }
    Ok(())
}

pub fn create_authorizer(
    db: &mut Db,
    region: &str,
    input: CreateAuthorizerRequest,
) -> Result<Response, Response> {
    let kind = input.r#type.as_str().to_string();
    // A Lambda or REQUEST authorizer is `custom` unless told (recorded: a TOKEN authorizer
    // given none answers `"authType": "custom"`); a Cognito one `cognito_user_pools`
    // (inferred, as the developer guide names it).
    let auth_type = input.auth_type.clone().or_else(|| match kind.as_str() {
        "TOKEN" | "REQUEST" => Some("custom".to_string()),
        "COGNITO_USER_POOLS" => Some("cognito_user_pools".to_string()),
        _ => None,
    });
    let authorizer = Authorizer {
        id: random_id(6),
        name: input.name.clone(),
        kind,
        auth_type,
        authorizer_uri: input.authorizer_uri.clone(),
        authorizer_credentials: input.authorizer_credentials.clone(),
        identity_source: input.identity_source.clone(),
        identity_validation_expression: input.identity_validation_expression.clone(),
        result_ttl: input.authorizer_result_ttl_in_seconds.map(i64::from),
        provider_arns: input.provider_ar_ns.clone(),
        jwt_configuration: input
            .jwt_configuration
            .as_ref()
            .and_then(|c| serde_json::to_value(c).ok()),
    };
    // The authorizer is checked before its API is looked for (LocalStack's test: "AWS
    // validates the format of the authorizerUri before the restApi existence").
    check(&authorizer)?;
    // AWS answers an unknown API with a 409, in these words (recorded:
    // test_authorizer_crud_no_api, wrong-rest-api-id-create-authorizer).
    let Some(api) = db.api_mut(region, &input.rest_api_id) else {
        return Err(super::wire::apigateway_error(
            shape::ErrorCode::ConflictException,
            "Unable to complete operation due to concurrent modification. Please try again later.",
        ));
    };
    let response = json(201, &authorizer_json(&authorizer));
    api.authorizers.insert(authorizer.id.clone(), authorizer);
    Ok(response)
}

pub fn get_authorizer(
    db: &mut Db,
    region: &str,
    input: GetAuthorizerRequest,
) -> Result<Response, Response> {
    db.api(region, &input.rest_api_id)
        .and_then(|api| api.authorizers.get(&input.authorizer_id))
        .map(|authorizer| json(200, &authorizer_json(authorizer)))
        .ok_or_else(no_authorizer)
}

pub fn get_authorizers(
    db: &mut Db,
    region: &str,
    input: GetAuthorizersRequest,
) -> Result<Response, Response> {
    let id: &str = &input.rest_api_id;
    // Recorded: wrong-rest-api-id-get-authorizers.
    let api = db
        .api(region, id)
        .ok_or_else(|| super::wire::no_rest_api(id))?;
    let items = api.authorizers.values().map(authorizer_json).collect();
    Ok(json(
        200,
        &shape::Authorizers {
            items: Some(items),
            position: None,
        },
    ))
}

pub fn update_authorizer(
    db: &mut Db,
    region: &str,
    input: UpdateAuthorizerRequest,
) -> Result<Response, Response> {
    let live = db
        .api_mut(region, &input.rest_api_id)
        .and_then(|api| api.authorizers.get_mut(&input.authorizer_id))
        .ok_or_else(no_authorizer)?;
    // All operations or none: work on a copy, keep it at the end.
    let mut authorizer = live.clone();
    updates::patch_authorizer(&mut authorizer, &input.patch_operations.unwrap_or_default())?;
    check(&authorizer)?;
    let response = json(200, &authorizer_json(&authorizer));
    *live = authorizer;
    Ok(response)
}

/// DeleteAuthorizer: a 202; an authorizer a method names is kept, as AWS keeps a model a
/// method names (the local cloud's words).
pub fn delete_authorizer(
    db: &mut Db,
    region: &str,
    input: DeleteAuthorizerRequest,
) -> Result<Response, Response> {
    let api = db
        .api_mut(region, &input.rest_api_id)
        .ok_or_else(no_authorizer)?;
    if !api.authorizers.contains_key(&input.authorizer_id) {
        return Err(no_authorizer());
    }
    let used = api.resources.values().find_map(|resource| {
        resource.methods.values().find_map(|method| {
            (method.authorizer_id.as_deref() == Some(input.authorizer_id.as_str()))
                .then(|| format!("{}/{}", method.http_method, resource.path))
        })
    });
    if let Some(method) = used {
        return Err(super::wire::apigateway_error(
            shape::ErrorCode::ConflictException,
            &format!("Cannot delete authorizer, is referenced in method: {method}"),
        ));
    }
    api.authorizers.remove(&input.authorizer_id);
    Ok(empty(202))
}
