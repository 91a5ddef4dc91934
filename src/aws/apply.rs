//! Performs one planned change: one SDK write call, then the waiter where Lambda finishes the
//! work asynchronously. Eventual-consistency errors are retried here (bounded); throttling and
//! 5xx by the SDK's retry. Values only known at run time (the function ARN, a new API's id)
//! travel in `ApplyContext`. `apply` only dispatches: the calls live by area (`function`, `gate`,
//! `rest_api`, `preflight`, `domains`, `usage`; the log groups here), and the error predicates
//! below are shared by all of them.

use anyhow::Context;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use super::{function, gate, iam_propagation_window, preflight, rest_api, sdk_error, Clients};
use crate::ledger::Ledger;
use crate::plan::{AliasState, Change, Desired, Observed, VersionRef};
use crate::settings::{RestApiId, MANAGED_BY};

/// Another run changed the same thing at the same moment (two deploys racing): the change is
/// not wrong, the plan is stale. `deploy` observes again and re-plans.
#[derive(Debug, thiserror::Error)]
#[error("{0} (another deploy changed it at the same time)")]
pub struct Race(pub String);

/// What the changes so far have learnt: filled from the observed state, then from each result.
#[derive(Debug, Clone, Default)]
pub struct ApplyContext {
    pub function_arn: Option<String>,
    /// The version this deploy published (PublishVersion's answer).
    pub published: Option<u64>,
    pub api_id: Option<RestApiId>,
    pub root_resource_id: Option<String>,
    /// The steps of a gradual shift done so far (`--traffic`).
    pub traffic: Vec<super::TrafficStep>,
    /// The alias as observed: where its history (its description) is appended to.
    pub alias: Option<AliasState>,
    /// The custom domain's regional domain name and hosted zone (what DNS points at).
    pub domain_target: Option<(String, String)>,
}

impl ApplyContext {
    pub fn new(observed: &Observed) -> Self {
        let kept = observed.apis.first();
        ApplyContext {
            function_arn: observed.function.as_ref().map(|f| f.arn.clone()),
            published: None,
            api_id: kept.map(|api| api.id.clone()),
            root_resource_id: kept.and_then(|api| api.root_resource_id.clone()),
            traffic: Vec::new(),
            alias: observed.alias.clone(),
            domain_target: observed
                .domains
                .first()
                .and_then(|d| d.regional_domain_name.clone().zip(d.hosted_zone_id.clone())),
        }
    }

    /// The alias' history as this deploy found it, sure to name what the alias is on now.
    pub(super) fn history(&self) -> Ledger {
        match &self.alias {
            Some(alias) => match alias.version.parse::<u64>() {
                Ok(current) => alias.history.recorded_live(current, now()),
                Err(_) => alias.history.clone(),
            },
            None => Ledger::default(),
        }
    }

    pub(super) fn function_arn(&self) -> anyhow::Result<&str> {
        self.function_arn
            .as_deref()
            .context("internal: the function's ARN is not known at this step")
    }

    /// The number a planned version stands for.
    pub(super) fn version(&self, version: &VersionRef) -> anyhow::Result<String> {
        match version {
            VersionRef::Existing(n) => Ok(n.to_string()),
            VersionRef::Published => self
                .published
                .map(|n| n.to_string())
                .context("internal: no version was published before this step"),
        }
    }

    pub(super) fn api(&self) -> anyhow::Result<(&str, &str)> {
        match (&self.api_id, &self.root_resource_id) {
            (Some(api), Some(root)) => Ok((api, root)),
            _ => anyhow::bail!("internal: the REST API is not known at this step"),
        }
    }
}

/// Performs one change. `code` is the zip, needed by CreateFunction / UpdateFunctionCode.
pub async fn apply(
    clients: &Clients,
    desired: &Desired,
    code: &[u8],
    context: &mut ApplyContext,
    change: &Change,
) -> anyhow::Result<()> {
    match change {
        Change::CreateLogGroup { name } => create_log_group(clients, name).await?,
        Change::PutRetentionPolicy { name, days } => {
            put_retention_policy(clients, name, *days).await?
        }
        Change::CreateFunction { name } => {
            function::create_function(clients, desired, code, context, name).await?
        }
        Change::UpdateFunctionCode { name, .. } => {
            function::update_function_code(clients, desired, code, name).await?
        }
        Change::UpdateFunctionConfiguration {
            name, environment, ..
        } => function::update_function_configuration(clients, desired, name, environment).await?,
        Change::TagFunction { name } => function::tag_resource(clients, context, name).await?,
        Change::DeleteRestApi { id, .. } => rest_api::delete_rest_api(clients, id).await?,
        Change::CreateRestApi { name } => rest_api::create_rest_api(clients, context, name).await?,
        Change::PutMethod { authorization } => {
            let (api, root) = context.api()?;
            let key_required = desired.api_keys.required.unwrap_or(false);
            rest_api::put_method(clients, api, root, "GET", authorization, key_required).await?;
        }
        Change::UpdateMethod { to, .. } => {
            let (api, root) = context.api()?;
            rest_api::patch_get_method(clients, api, root, "/authorizationType", to).await?;
        }
        Change::PublishVersion { name, description } => {
            function::publish_version(clients, desired, context, name, description).await?
        }
        Change::Gate { name, version } => {
            gate::pass_gate(clients, desired, context, name, version).await?
        }
        Change::CreateAlias {
            name,
            alias,
            version,
        } => function::create_alias(clients, desired, context, name, alias, version).await?,
        Change::DeleteVersion { name, version, .. } => {
            function::delete_function_version(clients, name, *version).await?
        }
        Change::UpdateAlias {
            name,
            alias,
            version,
            shift,
            ..
        } => function::move_alias(clients, desired, context, name, alias, version, shift).await?,
        Change::PutIntegration => rest_api::put_integration(clients, desired, context).await?,
        Change::DeletePreflight { .. }
        | Change::PutPreflightMethod
        | Change::PutPreflightIntegration
        | Change::PutPreflightMethodResponse
        | Change::PutPreflightIntegrationResponse { .. } => {
            preflight::apply(clients, desired, context, change).await?
        }
        Change::RemovePermission { name, qualifier } => {
            function::remove_permission(clients, name, qualifier).await?
        }
        Change::AddPermission { name, qualifier } => {
            function::add_permission(clients, desired, context, name, qualifier).await?
        }
        Change::CreateDeployment { stage } => {
            rest_api::create_deployment(clients, context, stage).await?
        }
        Change::UpdateAccount { role } => rest_api::update_account(clients, role).await?,
        Change::UpdateStage {
            stage,
            logs,
            remove_access_log,
            ..
        } => {
            rest_api::update_stage(clients, desired, context, stage, *logs, *remove_access_log)
                .await?
        }
        Change::DeleteFunction { name } => function::delete_function(clients, name).await?,
        Change::SetApiKeyRequired { required } => {
            let (api, root) = context.api()?;
            rest_api::patch_get_method(
                clients,
                api,
                root,
                "/apiKeyRequired",
                &required.to_string(),
            )
            .await?;
        }
        Change::CreateModel
        | Change::UpdateModel
        | Change::PutMethodResponse
        | Change::DeleteMethodResponse { .. }
        | Change::DeleteModel => {
            let (api, root) = context.api()?;
            rest_api::apply_contract(clients, api, root, change).await?;
        }
        Change::SetStageCache { stage, ttl, .. } => {
            let (api, _) = context.api()?;
            rest_api::set_stage_cache(clients, api, stage, *ttl).await?;
        }
        Change::CreateDomainName { .. }
        | Change::CreateBasePathMapping { .. }
        | Change::UpdateBasePathMapping { .. }
        | Change::DeleteBasePathMapping { .. }
        | Change::DeleteDomainName { .. } => {
            let made =
                super::domains::apply(clients, desired, context.api_id.as_deref(), change).await?;
            if made.is_some() {
                context.domain_target = made;
            }
        }
        Change::CreateUsagePlan { .. }
        | Change::UpdateUsagePlan { .. }
        | Change::UnbindUsagePlan { .. }
        | Change::DeleteUsagePlan { .. }
        | Change::DeleteApiKey { .. } => {
            super::usage::apply(clients, desired, context.api_id.as_deref(), change).await?
        }
        Change::DeleteLogGroup { name } => delete_log_group(clients, name).await?,
    }
    Ok(())
}

/// CreateLogGroup, tagged; one that exists already counts as done.
async fn create_log_group(clients: &Clients, name: &str) -> anyhow::Result<()> {
    let result = clients
        .logs
        .create_log_group()
        .log_group_name(name)
        .tags(MANAGED_BY.0, MANAGED_BY.1)
        .send()
        .await;
    // Lambda may have created it meanwhile (the function already logged).
    done_unless(
        result,
        "ResourceAlreadyExistsException",
        "CreateLogGroup",
        name,
    )?;
    Ok(())
}

/// PutRetentionPolicy: how many days the log group keeps events.
async fn put_retention_policy(clients: &Clients, name: &str, days: i32) -> anyhow::Result<()> {
    clients
        .logs
        .put_retention_policy()
        .log_group_name(name)
        .retention_in_days(days)
        .send()
        .await
        .map_err(|e| sdk_error("PutRetentionPolicy", name, e))?;
    Ok(())
}

/// DeleteLogGroup; already gone counts as done.
async fn delete_log_group(clients: &Clients, name: &str) -> anyhow::Result<()> {
    let result = clients
        .logs
        .delete_log_group()
        .log_group_name(name)
        .send()
        .await;
    done_unless(result, "ResourceNotFoundException", "DeleteLogGroup", name)?;
    Ok(())
}

/// An error of a call on the REST API this run works on. NotFoundException means that API
/// is gone: two deploys that both created one each delete the newer when they observe again,
/// so the deploy that created the newer finds it deleted under it. That is a lost race, not a
/// failure: the next round observes and works on the API that was kept.
pub(super) fn api_error<E>(
    operation: &str,
    target: &str,
    api: &str,
    error: SdkError<E, HttpResponse>,
) -> anyhow::Error
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    if has_code(&error, "NotFoundException") {
        anyhow::Error::new(Race(format!(
            "{operation} {target}: the REST API {api} was deleted"
        )))
    } else {
        sdk_error(operation, target, error)
    }
}

/// A conflict that says the thing exists (not "an update is in progress"): retrying won't help.
pub(super) fn already_exists<E: ProvideErrorMetadata, R>(error: &SdkError<E, R>) -> bool {
    has_code(error, "ResourceConflictException")
        && error
            .as_service_error()
            .and_then(|e| e.message())
            .is_some_and(|m| m.contains("already exist"))
}

/// Whether a service error has this error code (the `__type` / `x-amzn-ErrorType`).
pub fn has_code<E: ProvideErrorMetadata, R>(error: &SdkError<E, R>, code: &str) -> bool {
    error.as_service_error().and_then(|e| e.code()) == Some(code)
}

/// What AWS refused because of the input (a role that cannot be used, a bad value): running
/// the same command again cannot help until the input is fixed.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Refused(pub String);

/// Lambda's answer while IAM has not made a role usable (or when it never will be).
pub(super) fn cannot_be_assumed<E: ProvideErrorMetadata, R>(error: &SdkError<E, R>) -> bool {
    has_code(error, "InvalidParameterValueException")
        && error
            .as_service_error()
            .and_then(|e| e.message())
            .is_some_and(|m| m.contains("cannot be assumed"))
}

/// API Gateway's 409 "Unable to complete operation due to concurrent modification. Please try
/// again later." (not "already exists", which is a lost race).
pub(super) fn concurrent_modification<E: ProvideErrorMetadata, R>(error: &SdkError<E, R>) -> bool {
    has_code(error, "ConflictException")
        && error
            .as_service_error()
            .and_then(|e| e.message())
            .is_some_and(|m| m.contains("concurrent modification"))
}

/// Whether an error made by `sdk_error` carries this service error code.
pub(super) fn has_code_text(error: &anyhow::Error, code: &str) -> bool {
    error.to_string().contains(&format!("failed: {code}: "))
}

/// Lambda's refusals of the input (InvalidParameterValueException, and the model-level
/// ValidationException and SerializationException) as `Refused`, with what to fix; other
/// errors as they are.
pub(super) fn refused_input(error: anyhow::Error, role: Option<&str>) -> anyhow::Error {
    let refusals = [
        "InvalidParameterValueException",
        "ValidationException",
        "SerializationException",
    ];
    if !refusals.iter().any(|code| has_code_text(&error, code)) {
        return error;
    }
    let text = format!("{error:#}");
    match role {
        Some(role) if text.contains("cannot be assumed") => anyhow::Error::new(Refused(format!(
            "{text}: Lambda cannot assume the role {role}: check that it exists and that its trust policy allows lambda.amazonaws.com (sts:AssumeRole), or pass another --role-arn; faqctl waited {} s for IAM to propagate a new role",
            iam_propagation_window().as_secs()
        ))),
        _ => anyhow::Error::new(Refused(text)),
    }
}

/// A call's result, with one error code counted as done: deleting what is already gone,
/// creating what another writer made meanwhile. Any other error is reported.
pub(super) fn done_unless<T, E>(
    result: Result<T, SdkError<E, HttpResponse>>,
    done_code: &str,
    operation: &str,
    target: &str,
) -> anyhow::Result<()>
where
    E: std::error::Error + ProvideErrorMetadata + Send + Sync + 'static,
{
    match result {
        Ok(_) => Ok(()),
        Err(e) if has_code(&e, done_code) => Ok(()),
        Err(e) => Err(sdk_error(operation, target, e)),
    }
}

/// Unix seconds, for the alias' history.
pub fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs()
}
