//! A stage's canary release (`canarySettings`), as API Gateway keeps it: made by CreateStage
//! or by a CreateDeployment to an existing stage, changed and promoted (`copy`) by
//! UpdateStage's `/canarySettings/*` paths, and answered in a stage. It owns the canary's
//! rules and refusals; `apigateway` owns the lookups and the answers.
//!
//! Sources: AWS's answers recorded in LocalStack's test_apigateway_canary.snapshot.json
//! (TestStageCrudCanary). What no recording shows (a `remove` of one stage variable override,
//! a percentage outside 0–100) follows API Gateway's API reference, and docs/parity.md says so.

// An early answer is a whole HTTP response; boxing it buys nothing at this scale.
#![allow(clippy::result_large_err)]

use axum::response::Response;

use super::shapes::apigateway as shape;
use super::shapes::apigateway::PatchOperation;
use super::state::{Canary, Stage};
use super::wire::apigateway_bad_request as bad_request;

/// UpdateStage's paths, as AWS lists them when a `/canarySettings` path is not one of its
/// own (recorded word for word, its missing commas included).
const STAGE_PATHS: &str = "[/deploymentId, /description, /cacheClusterEnabled, /cacheClusterSize, /clientCertificateId, /accessLogSettings, /accessLogSettings/destinationArn, /accessLogSettings/format, /{resourcePath}/{httpMethod}/metrics/enabled, /{resourcePath}/{httpMethod}/logging/dataTrace, /{resourcePath}/{httpMethod}/logging/loglevel, /{resourcePath}/{httpMethod}/throttling/burstLimit/{resourcePath}/{httpMethod}/throttling/rateLimit/{resourcePath}/{httpMethod}/caching/ttlInSeconds, /{resourcePath}/{httpMethod}/caching/enabled, /{resourcePath}/{httpMethod}/caching/dataEncrypted, /{resourcePath}/{httpMethod}/caching/requireAuthorizationForCacheControl, /{resourcePath}/{httpMethod}/caching/unauthorizedCacheControlHeaderStrategy, /*/*/metrics/enabled, /*/*/logging/dataTrace, /*/*/logging/loglevel, /*/*/throttling/burstLimit /*/*/throttling/rateLimit /*/*/caching/ttlInSeconds, /*/*/caching/enabled, /*/*/caching/dataEncrypted, /*/*/caching/requireAuthorizationForCacheControl, /*/*/caching/unauthorizedCacheControlHeaderStrategy, /variables/{variable_name}, /tracingEnabled]";

/// UpdateStage's refusal of a path it does not have (recorded: test_create_update_stages in
/// test_apigateway_canary's and test_apigateway_common's recordings).
pub fn invalid_stage_path(path: &str) -> Response {
    bad_request(&format!(
        "Invalid method setting path: {path}. Must be one of: {STAGE_PATHS}"
    ))
}

/// The refusal of a canary whose deployment the API does not have.
fn no_such_deployment() -> Response {
    bad_request("Deployment id does not exist")
}

/// A canary's `percentTraffic`, 0 to 100 wherever it is given (CreateStage,
/// CreateDeployment, UpdateStage), refused in the words UpdateStage uses (inferred: no
/// recording shows AWS's refusal).
pub fn check_percent(percent: Option<f64>) -> Result<(), Response> {
    match percent {
        Some(p) if !(0.0..=100.0).contains(&p) => Err(bad_request(&format!(
            "Invalid value for percentTraffic: {p}"
        ))),
        _ => Ok(()),
    }
}

/// CreateStage's `canarySettings`: its deployment must exist (the stage's own when it names
/// none, inferred from the API reference).
pub fn of_create_stage(
    settings: &shape::CanarySettings,
    stage_deployment: &str,
    deployments: &[String],
) -> Result<Canary, Response> {
    let deployment_id = settings
        .deployment_id
        .clone()
        .unwrap_or_else(|| stage_deployment.to_string());
    if !deployments.contains(&deployment_id) {
        return Err(no_such_deployment());
    }
    check_percent(settings.percent_traffic)?;
    Ok(given(
        deployment_id,
        settings.percent_traffic,
        settings.stage_variable_overrides.as_ref(),
        settings.use_stage_cache,
    ))
}

/// A canary from the members a request gave (CreateStage's or CreateDeployment's), AWS's
/// defaults for the others: no traffic, no overrides, its own cache.
fn given(
    deployment_id: String,
    percent_traffic: Option<f64>,
    overrides: Option<&std::collections::BTreeMap<String, String>>,
    use_stage_cache: Option<bool>,
) -> Canary {
    Canary {
        deployment_id,
        percent_traffic: percent_traffic.unwrap_or(0.0),
        stage_variable_overrides: overrides.cloned().unwrap_or_default(),
        use_stage_cache: use_stage_cache.unwrap_or(false),
    }
}

/// CreateDeployment's `canarySettings`: a canary release to a stage that already exists,
/// refused in AWS's words otherwise. Checked before the deployment is made.
pub fn check_deployment_stage(
    stage_name: Option<&str>,
    stage: Option<&Stage>,
) -> Result<(), Response> {
    let invalid = "Invalid deployment content specified.";
    match stage_name {
        None | Some("") => Err(bad_request(&format!(
            "{invalid}Non null and non empty stageName must be provided for canary deployment. Provided value is {}",
            stage_name.unwrap_or("null")
        ))),
        Some(name) if stage.is_none() => Err(bad_request(&format!(
            "{invalid}Stage {name} must already be created before making a canary release deployment"
        ))),
        Some(_) => Ok(()),
    }
}

/// The canary a CreateDeployment with `canarySettings` gives its stage: the new deployment,
/// replacing any canary the stage had (the stage's own deployment is left as it was).
pub fn of_deployment(settings: &shape::DeploymentCanarySettings, deployment_id: &str) -> Canary {
    given(
        deployment_id.to_string(),
        settings.percent_traffic,
        settings.stage_variable_overrides.as_ref(),
        settings.use_stage_cache,
    )
}

/// The canary as a stage answers it: `stageVariableOverrides` left out when empty.
pub fn json(canary: &Canary) -> shape::CanarySettings {
    shape::CanarySettings {
        deployment_id: Some(canary.deployment_id.clone()),
        percent_traffic: Some(canary.percent_traffic),
        stage_variable_overrides: (!canary.stage_variable_overrides.is_empty())
            .then(|| canary.stage_variable_overrides.clone()),
        use_stage_cache: Some(canary.use_stage_cache),
    }
}

/// Whether UpdateStage's operation is the canary's: a `/canarySettings` path, or a `copy`
/// (the only `copy` API Gateway takes is a canary's promotion).
pub fn owns(operation: &PatchOperation) -> bool {
    let path = operation.path.as_deref().unwrap_or_default();
    operation.op.map(shape::Op::as_str) == Some("copy")
        || path == "/canarySettings"
        || path.starts_with("/canarySettings/")
}

/// One of UpdateStage's canary operations, applied to (a copy of) the stage.
pub fn patch(
    stage: &mut Stage,
    operation: &PatchOperation,
    deployments: &[String],
) -> Result<(), Response> {
    let path = operation.path.as_deref().unwrap_or_default();
    let value = operation.value.as_deref();
    match operation.op.map_or("", shape::Op::as_str) {
        "copy" => promote(stage, path, operation.from.as_deref().unwrap_or_default()),
        "remove" => remove(stage, path),
        "replace" => replace(stage, path, value.unwrap_or_default(), deployments),
        op => Err(bad_request(&format!(
            "Invalid {op} operation with path: {path}"
        ))),
    }
}

/// `remove`: the whole canary, or one stage variable override; any other member is not
/// removed one by one (AWS's words, trailing space and all).
fn remove(stage: &mut Stage, path: &str) -> Result<(), Response> {
    if path == "/canarySettings" {
        stage.canary = None;
        return Ok(());
    }
    if let Some(name) = path.strip_prefix("/canarySettings/stageVariableOverrides/") {
        if let Some(canary) = stage.canary.as_mut() {
            canary.stage_variable_overrides.remove(name);
        }
        return Ok(());
    }
    Err(bad_request(&format!(
        "Cannot remove method setting {} because there is no method setting for this method ",
        &path[1..]
    )))
}

/// `replace` of a canary member; a stage without a canary gets one, on its own deployment
/// with no traffic (recorded: test_create_canary_deployment_by_stage_update).
fn replace(
    stage: &mut Stage,
    path: &str,
    value: &str,
    deployments: &[String],
) -> Result<(), Response> {
    let member = path.strip_prefix("/canarySettings/").unwrap_or_default();
    let invalid_path = || invalid_stage_path(path);
    let known = member == "deploymentId"
        || member == "percentTraffic"
        || member == "useStageCache"
        || member
            .strip_prefix("stageVariableOverrides/")
            .is_some_and(|n| !n.is_empty());
    if !known {
        return Err(invalid_path());
    }
    let own_deployment = stage.deployment_id.clone();
    let canary = stage.canary.get_or_insert_with(|| Canary {
        deployment_id: own_deployment,
        ..Default::default()
    });
    match member {
        "deploymentId" => {
            if !deployments.iter().any(|d| d == value) {
                return Err(no_such_deployment());
            }
            canary.deployment_id = value.to_string();
        }
        "percentTraffic" => {
            canary.percent_traffic = value
                .parse()
                .ok()
                .filter(|p| (0.0..=100.0).contains(p))
                .ok_or_else(|| bad_request(&format!("Invalid value for percentTraffic: {value}")))?
        }
        "useStageCache" => canary.use_stage_cache = value == "true",
        _ => {
            let name = &member["stageVariableOverrides/".len()..];
            canary
                .stage_variable_overrides
                .insert(name.to_string(), value.to_string());
        }
    }
    Ok(())
}

/// `copy`: a canary's promotion, its deployment to the stage's, its overrides onto the
/// stage's variables; the canary stays (recorded: test_update_stage_with_copy_ops).
fn promote(stage: &mut Stage, path: &str, from: &str) -> Result<(), Response> {
    let promotion = matches!(
        (from, path),
        ("/canarySettings/deploymentId", "/deploymentId")
            | ("/canarySettings/stageVariableOverrides", "/variables")
    );
    if !promotion {
        return Err(bad_request(&format!(
            "Invalid copy operation with path: {path} and from {from}. Valid copy:path are [/deploymentId, /variables] and valid copy:from are [/canarySettings/deploymentId, /canarySettings/stageVariableOverrides]"
        )));
    }
    let Some(canary) = stage.canary.clone() else {
        return Err(bad_request(
            "Promotion not available. Canary does not exist.",
        ));
    };
    if path == "/deploymentId" {
        stage.point_at(&canary.deployment_id);
    } else {
        stage.variables.extend(canary.stage_variable_overrides);
    }
    Ok(())
}
