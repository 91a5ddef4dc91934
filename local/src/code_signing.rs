//! Lambda's code signing configs (CreateCodeSigningConfig, Get, List, Update, Delete) and a
//! function's (PutFunctionCodeSigningConfig, GetFunctionCodeSigningConfig,
//! DeleteFunctionCodeSigningConfig, ListFunctionsByCodeSigningConfig), as Lambda answers them
//! (recorded: TestCodeSigningConfig). A config lives in its account and region, named
//! `arn:PARTITION:lambda:REGION:ACCOUNT:code-signing-config:csc-<17 hex digits>`. It is kept
//! and answered; the local cloud checks no code signature (no AWS Signer to sign with).

// A refusal is the answer itself (a Response), as in the other Lambda modules.
#![allow(clippy::result_large_err)]

use axum::response::Response;
use serde_json::json;

use super::arns::arn;
use super::clock::lambda_timestamp;
use super::function::{check_region, lambda_error, name_of, not_found, paged, ErrorCode};
use super::runtime::function_arn;
use super::shapes::lambda::{
    CodeSigningConfig, CodeSigningPolicies, CodeSigningPolicy, CreateCodeSigningConfigRequest,
    CreateCodeSigningConfigResponse, DeleteCodeSigningConfigRequest,
    DeleteFunctionCodeSigningConfigRequest, GetCodeSigningConfigRequest,
    GetCodeSigningConfigResponse, GetFunctionCodeSigningConfigRequest,
    GetFunctionCodeSigningConfigResponse, ListCodeSigningConfigsRequest,
    ListCodeSigningConfigsResponse, ListFunctionsByCodeSigningConfigRequest,
    ListFunctionsByCodeSigningConfigResponse, PutFunctionCodeSigningConfigRequest,
    PutFunctionCodeSigningConfigResponse, UpdateCodeSigningConfigRequest,
    UpdateCodeSigningConfigResponse,
};
use super::state::{Db, Function, SigningConfig};
use super::wire::{empty, json, lambda_error_untyped};
use super::Cloud;

/// The most configs one list page holds.
const MAX_PAGE: usize = 10_000;

/// What Get, Update, Delete and ListFunctionsByCodeSigningConfig answer for a config that is
/// not there, in Lambda's words (recorded: test_code_signing_not_found_excs, get_csc_invalid,
/// update_csc_invalid_csc_arn, delete_csc_notfound, list_functions_by_csc_invalid_cscarn):
/// without `Type`, unlike the function errors.
fn no_config(arn: &str) -> Response {
    lambda_error_untyped(
        ErrorCode::ResourceNotFoundException,
        &format!("The Lambda code signing configuration {arn} can not be found."),
    )
}

/// The id an ARN of `region`'s configs names (the model's pattern has held it to
/// `…:code-signing-config:csc-…`); `None` for another region's, account's or partition's.
fn id_in(region: &str, config_arn: &str) -> Option<String> {
    let id = config_arn.rsplit(':').next()?;
    (arn(region, "lambda", &format!("code-signing-config:{id}")) == config_arn)
        .then(|| id.to_string())
}

/// The config an ARN names in `region`, or Lambda's not-found answer.
fn config_mut<'a>(
    db: &'a mut Db,
    region: &str,
    config_arn: &str,
) -> Result<&'a mut SigningConfig, Response> {
    id_in(region, config_arn)
        .and_then(|id| db.signing_config_mut(region, &id))
        .ok_or_else(|| no_config(config_arn))
}

/// The function a function-level request names (its name, or its ARN in this region), or
/// Lambda's "Function not found" (recorded: get_function_csc_nonexistingfn,
/// test_get_function_wrong_region[get_function_code_signing_config]).
fn function_mut<'a>(
    db: &'a mut Db,
    region: &str,
    name: &str,
) -> Result<&'a mut Function, Response> {
    check_region(region, name)?;
    db.function_mut(region, name_of(name))
        .ok_or_else(|| not_found(region, name))
}

/// The code signing config a deployment of `function`'s code is held to (CreateFunction's
/// `CodeSigningConfigArn`, or the one PutFunctionCodeSigningConfig gave it): one that is not
/// there is refused as Put refuses it; under `Enforce` the code is refused, as Lambda refuses
/// code no allowed profile signed (its words as AWS reports them; the code, inferred). A zip
/// in the request is never signed (AWS Signer signs S3 objects, and the local cloud has no
/// S3), so `Enforce` refuses every deployment and `Warn` lets each through.
pub fn check_deployment(
    db: &Db,
    region: &str,
    config_arn: Option<&str>,
    function: &str,
) -> Result<(), Response> {
    let Some(config_arn) = config_arn else {
        return Ok(());
    };
    let Some(kept) = db
        .signing_configs(region)
        .find(|c| c.config.code_signing_config_arn == config_arn)
    else {
        return Err(config_not_found(config_arn));
    };
    let policy = kept
        .config
        .code_signing_policies
        .untrusted_artifact_on_deployment;
    if policy == Some(CodeSigningPolicy::Enforce) {
        return Err(lambda_error(
            ErrorCode::CodeVerificationFailedException,
            &format!("Lambda cannot deploy the function. The function or layer might be signed using a signature that the client is not configured to accept. Check the provided signature for {function}."),
        ));
    }
    Ok(())
}

/// What Put (and CreateFunction) answer for a config that is not there (recorded:
/// put_function_csc_invalid_csc_arn).
fn config_not_found(config_arn: &str) -> Response {
    lambda_error(
        ErrorCode::CodeSigningConfigNotFoundException,
        &format!("The code signing configuration cannot be found. Check that the provided configuration is not deleted: {config_arn}."),
    )
}

/// CreateCodeSigningConfig: a new config (201), `Warn` on untrusted artifacts unless told.
pub fn create(cloud: &Cloud, region: &str, input: CreateCodeSigningConfigRequest) -> Response {
    let id = format!("csc-{}", super::ids::random_hex(17));
    let config = CodeSigningConfig {
        code_signing_config_arn: arn(region, "lambda", &format!("code-signing-config:{id}")),
        code_signing_config_id: id,
        allowed_publishers: input.allowed_publishers,
        code_signing_policies: input.code_signing_policies.unwrap_or(CodeSigningPolicies {
            untrusted_artifact_on_deployment: Some(CodeSigningPolicy::Warn),
        }),
        description: Some(input.description.unwrap_or_default()),
        last_modified: lambda_timestamp(),
    };
    let answer = CreateCodeSigningConfigResponse {
        code_signing_config: config.clone(),
    };
    let mut db = cloud.db();
    db.insert_signing_config(SigningConfig {
        region: region.to_string(),
        config,
        tags: input.tags.unwrap_or_default(),
    });
    db.changed();
    json(201, &answer)
}

pub fn get(cloud: &Cloud, region: &str, input: GetCodeSigningConfigRequest) -> Response {
    let mut db = cloud.db();
    match config_mut(&mut db, region, &input.code_signing_config_arn) {
        Ok(kept) => json(
            200,
            &GetCodeSigningConfigResponse {
                code_signing_config: kept.config.clone(),
            },
        ),
        Err(refusal) => refusal,
    }
}

/// UpdateCodeSigningConfig: the members given replace the config's; one with none given is
/// answered as it is (recorded: update_csc_noupdate_response).
pub fn update(cloud: &Cloud, region: &str, input: UpdateCodeSigningConfigRequest) -> Response {
    let mut db = cloud.db();
    let kept = match config_mut(&mut db, region, &input.code_signing_config_arn) {
        Ok(kept) => kept,
        Err(refusal) => return refusal,
    };
    let config = &mut kept.config;
    let mut changed = false;
    if let Some(publishers) = input.allowed_publishers {
        config.allowed_publishers = publishers;
        changed = true;
    }
    if let Some(policies) = input.code_signing_policies {
        config.code_signing_policies = policies;
        changed = true;
    }
    if let Some(description) = input.description {
        config.description = Some(description);
        changed = true;
    }
    if changed {
        config.last_modified = lambda_timestamp();
    }
    let answer = UpdateCodeSigningConfigResponse {
        code_signing_config: config.clone(),
    };
    db.changed();
    json(200, &answer)
}

/// DeleteCodeSigningConfig (204); refused while a function uses the config, as AWS's
/// reference says ("only if no function is using it"; its words here are inferred, no
/// recording shows them).
pub fn delete(cloud: &Cloud, region: &str, input: DeleteCodeSigningConfigRequest) -> Response {
    let config_arn = input.code_signing_config_arn;
    let mut db = cloud.db();
    let Some(id) =
        id_in(region, &config_arn).filter(|id| db.signing_config_mut(region, id).is_some())
    else {
        return no_config(&config_arn);
    };
    let in_use = db
        .functions(region)
        .any(|f| f.code_signing_config.as_deref() == Some(config_arn.as_str()));
    if in_use {
        return lambda_error(
            ErrorCode::ResourceConflictException,
            &format!("The code signing configuration {config_arn} cannot be deleted because it is in use by one or more functions."),
        );
    }
    db.remove_signing_config(region, &id);
    db.changed();
    empty(204)
}

pub fn list(cloud: &Cloud, region: &str, input: ListCodeSigningConfigsRequest) -> Response {
    let db = cloud.db();
    let configs = db
        .signing_configs(region)
        .map(|c| c.config.clone())
        .collect();
    paged(
        configs,
        input.marker,
        input.max_items,
        MAX_PAGE,
        |configs, next_marker| ListCodeSigningConfigsResponse {
            code_signing_configs: Some(configs),
            next_marker,
        },
    )
}

/// PutFunctionCodeSigningConfig: the config is looked for before the function (recorded:
/// put_function_csc_invalid_both).
pub fn put_function(
    cloud: &Cloud,
    region: &str,
    input: PutFunctionCodeSigningConfigRequest,
) -> Response {
    let config_arn = input.code_signing_config_arn;
    let mut db = cloud.db();
    if config_mut(&mut db, region, &config_arn).is_err() {
        return config_not_found(&config_arn);
    }
    let function = match function_mut(&mut db, region, &input.function_name) {
        Ok(function) => function,
        Err(refusal) => return refusal,
    };
    function.code_signing_config = Some(config_arn.clone());
    let answer = PutFunctionCodeSigningConfigResponse {
        code_signing_config_arn: config_arn,
        function_name: function.name.clone(),
    };
    db.changed();
    json(200, &answer)
}

/// GetFunctionCodeSigningConfig: an empty answer for a function without one (recorded:
/// get_function_csc_fnwithoutcsc), though the model marks both members required.
pub fn get_function(
    cloud: &Cloud,
    region: &str,
    input: GetFunctionCodeSigningConfigRequest,
) -> Response {
    let mut db = cloud.db();
    match function_mut(&mut db, region, &input.function_name) {
        Ok(function) => match &function.code_signing_config {
            Some(config_arn) => json(
                200,
                &GetFunctionCodeSigningConfigResponse {
                    code_signing_config_arn: config_arn.clone(),
                    function_name: function.name.clone(),
                },
            ),
            None => json(200, &json!({})),
        },
        Err(refusal) => refusal,
    }
}

/// DeleteFunctionCodeSigningConfig (204), also for a function that has none (recorded:
/// nothing_to_delete_response).
pub fn delete_function(
    cloud: &Cloud,
    region: &str,
    input: DeleteFunctionCodeSigningConfigRequest,
) -> Response {
    let mut db = cloud.db();
    match function_mut(&mut db, region, &input.function_name) {
        Ok(function) => {
            function.code_signing_config = None;
            db.changed();
            empty(204)
        }
        Err(refusal) => refusal,
    }
}

/// ListFunctionsByCodeSigningConfig: the unqualified ARNs of the functions that have it.
pub fn list_functions(
    cloud: &Cloud,
    region: &str,
    input: ListFunctionsByCodeSigningConfigRequest,
) -> Response {
    let config_arn = input.code_signing_config_arn;
    let mut db = cloud.db();
    if let Err(refusal) = config_mut(&mut db, region, &config_arn) {
        return refusal;
    }
    let arns = db
        .functions(region)
        .filter(|f| f.code_signing_config.as_deref() == Some(config_arn.as_str()))
        .map(|f| function_arn(region, &f.name))
        .collect();
    paged(
        arns,
        input.marker,
        input.max_items,
        MAX_PAGE,
        |arns, next_marker| ListFunctionsByCodeSigningConfigResponse {
            function_arns: Some(arns),
            next_marker,
        },
    )
}

/// The tags of the config an ARN names (TagResource, UntagResource, ListTags), or the answer
/// for one that is not there (**inferred**: the config's own not-found words; no recording
/// tags a config).
pub fn tags_mut<'a>(
    db: &'a mut Db,
    region: &str,
    resource: &str,
) -> Result<&'a mut std::collections::BTreeMap<String, String>, Response> {
    config_mut(db, region, resource).map(|kept| &mut kept.tags)
}
