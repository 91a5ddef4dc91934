//! The Lambda function and what hangs on it: its code and configuration, its versions, the
//! alias users reach it by and the permission API Gateway invokes it with. Each change is one
//! write (plus Lambda's waiter where it finishes the work asynchronously); the error predicates
//! it shares are `apply`'s, the retries `aws`'s.

use std::time::Duration;

use anyhow::Context;
use aws_sdk_lambda::client::Waiters;
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{Architecture, Environment, FunctionCode, Runtime};
use aws_smithy_types::error::display::DisplayErrorContext;

use super::apply::{
    already_exists, cannot_be_assumed, done_unless, has_code, now, refused_input, ApplyContext,
    Race,
};
use super::{iam_propagation_window, retry_eventual, retry_propagation, sdk_error, Clients};
use crate::ledger::{Event, Kind, Ledger};
use crate::partition::Location;
use crate::plan::{
    function_environment, Desired, VersionRef, APIGW_PRINCIPAL, HANDLER, INVOKE_ACTION, RUNTIME,
    STATEMENT_ID,
};
use crate::settings::{arn_account, FunctionName, Traffic, MANAGED_BY};

/// How long Lambda may take to make a function Active or finish an update.
const FUNCTION_WAIT: Duration = Duration::from_secs(300);

/// CreateFunction with the zip and the wanted settings (retried while IAM propagates a new
/// role), then waits until the function is Active.
pub(super) async fn create_function(
    clients: &Clients,
    desired: &Desired,
    code: &[u8],
    context: &mut ApplyContext,
    name: &FunctionName,
) -> anyhow::Result<()> {
    let environment = function_environment(desired, &Default::default());
    let wanted_environment = (!environment.is_empty()).then(|| environment_of(&environment));
    let role = desired
        .role_arn
        .as_deref()
        .context("internal: CreateFunction planned without a role")?;
    let output = retry_propagation(
        clients,
        "CreateFunction",
        iam_propagation_window(),
        || {
            clients
                .lambda
                .create_function()
                .function_name(name)
                .runtime(Runtime::from(RUNTIME))
                .handler(HANDLER)
                .architectures(Architecture::from(desired.architecture.lambda_name()))
                .role(role)
                .memory_size(desired.memory_mb)
                .timeout(desired.timeout_s)
                .code(FunctionCode::builder().zip_file(Blob::new(code)).build())
                .description("FAQ microservice, deployed by faqctl")
                .tags(MANAGED_BY.0, MANAGED_BY.1)
                .set_environment(wanted_environment.clone())
                .customize()
                .config_override(upload(code.len()))
                .send()
        },
        // IAM is eventually consistent: a role created or changed moments ago is
        // refused with this message for up to a couple of minutes.
        cannot_be_assumed,
    )
    .await
    .map_err(|e| {
        if has_code(&e, "ResourceConflictException") {
            anyhow::Error::new(Race(format!(
                "CreateFunction {name}: the function exists now"
            )))
        } else {
            refused_input(sdk_error("CreateFunction", name, e), Some(role))
        }
    })?;
    context.function_arn = output.function_arn().map(str::to_string);
    wait_active(clients, name).await?;
    Ok(())
}

/// UpdateFunctionCode with the zip, then waits until the update is done.
pub(super) async fn update_function_code(
    clients: &Clients,
    desired: &Desired,
    code: &[u8],
    name: &FunctionName,
) -> anyhow::Result<()> {
    retry_eventual(
        || {
            clients
                .lambda
                .update_function_code()
                .function_name(name)
                .zip_file(Blob::new(code))
                .architectures(Architecture::from(desired.architecture.lambda_name()))
                .customize()
                .config_override(upload(code.len()))
                .send()
        },
        |e| has_code(e, "ResourceConflictException"),
    )
    .await
    .map_err(|e| sdk_error("UpdateFunctionCode", name, e))?;
    wait_updated(clients, name).await?;
    Ok(())
}

/// UpdateFunctionConfiguration to the wanted settings, then waits until the update is done.
pub(super) async fn update_function_configuration(
    clients: &Clients,
    desired: &Desired,
    name: &FunctionName,
    environment: &Option<std::collections::BTreeMap<String, String>>,
) -> anyhow::Result<()> {
    let environment = environment.as_ref().map(environment_of);
    retry_propagation(
        clients,
        "UpdateFunctionConfiguration",
        iam_propagation_window(),
        || {
            let mut call = clients
                .lambda
                .update_function_configuration()
                .function_name(name)
                .memory_size(desired.memory_mb)
                .timeout(desired.timeout_s)
                .runtime(Runtime::from(RUNTIME))
                .handler(HANDLER)
                .set_environment(environment.clone());
            if let Some(role) = &desired.role_arn {
                call = call.role(role);
            }
            call.send()
        },
        // An update in progress, or a new role IAM has not propagated yet.
        |e| has_code(e, "ResourceConflictException") || cannot_be_assumed(e),
    )
    .await
    .map_err(|e| {
        refused_input(
            sdk_error("UpdateFunctionConfiguration", name, e),
            desired.role_arn.as_deref(),
        )
    })?;
    wait_updated(clients, name).await?;
    Ok(())
}

/// TagResource: the `managed-by` tag on a function that lacks it.
pub(super) async fn tag_resource(
    clients: &Clients,
    context: &ApplyContext,
    name: &FunctionName,
) -> anyhow::Result<()> {
    clients
        .lambda
        .tag_resource()
        .resource(context.function_arn()?)
        .tags(MANAGED_BY.0, MANAGED_BY.1)
        .send()
        .await
        .map_err(|e| sdk_error("TagResource", name, e))?;
    Ok(())
}

/// PublishVersion of the code this deploy uploaded; the number goes in `context.published`.
pub(super) async fn publish_version(
    clients: &Clients,
    desired: &Desired,
    context: &mut ApplyContext,
    name: &FunctionName,
    description: &str,
) -> anyhow::Result<()> {
    // With the CodeSha256 uploaded: if another deploy changed $LATEST meanwhile, Lambda
    // refuses, and the plan is made again.
    let output = retry_eventual(
        || {
            clients
                .lambda
                .publish_version()
                .function_name(name)
                .code_sha256(&desired.code_sha256)
                .description(description)
                .send()
        },
        |e| has_code(e, "ResourceConflictException"),
    )
    .await
    .map_err(|e| {
        if has_code(&e, "InvalidParameterValueException")
            || has_code(&e, "PreconditionFailedException")
        {
            anyhow::Error::new(Race(format!(
                "PublishVersion {name}: $LATEST is no longer the code this deploy uploaded"
            )))
        } else {
            sdk_error("PublishVersion", name, e)
        }
    })?;
    let number = output
        .version()
        .and_then(|v| v.parse::<u64>().ok())
        .context("PublishVersion answered no version number")?;
    context.published = Some(number);
    Ok(())
}

/// CreateAlias on the planned version, its history starting with that version live.
pub(super) async fn create_alias(
    clients: &Clients,
    desired: &Desired,
    context: &ApplyContext,
    name: &FunctionName,
    alias: &str,
    version: &VersionRef,
) -> anyhow::Result<()> {
    let version = context.version(version)?;
    clients
        .lambda
        .create_alias()
        .function_name(name)
        .name(alias)
        .function_version(&version)
        .description(
            Ledger::default()
                .with(live_event(desired, &version))
                .description(),
        )
        .send()
        .await
        .map_err(|e| {
            if already_exists(&e) {
                anyhow::Error::new(Race(format!("CreateAlias {name}:{alias}: it exists now")))
            } else {
                sdk_error("CreateAlias", &format!("{name}:{alias}"), e)
            }
        })?;
    Ok(())
}

/// DeleteFunction of one old version (qualified); already gone counts as done.
pub(super) async fn delete_function_version(
    clients: &Clients,
    name: &FunctionName,
    version: u64,
) -> anyhow::Result<()> {
    let result = clients
        .lambda
        .delete_function()
        .function_name(name)
        .qualifier(version.to_string())
        .send()
        .await;
    done_unless(
        result,
        "ResourceNotFoundException",
        "DeleteFunction",
        &format!("{name}:{version}"),
    )?;
    Ok(())
}

/// Moves the alias to the planned version: at once (`update_alias`), or gradually
/// (`--traffic`: `shift`), appending the move to its history.
pub(super) async fn move_alias(
    clients: &Clients,
    desired: &Desired,
    context: &mut ApplyContext,
    name: &FunctionName,
    alias: &str,
    version: &VersionRef,
    shift: &Option<(String, Traffic)>,
) -> anyhow::Result<()> {
    let version = context.version(version)?;
    let history = context.history();
    match shift {
        Some((from, traffic)) => {
            super::shift::shift(
                clients,
                name,
                alias,
                (from, &version),
                traffic,
                &desired.alarms,
                &super::shift::History {
                    before: &history,
                    live: live_event(desired, &version).kind,
                },
                &mut context.traffic,
            )
            .await?
        }
        None => {
            let moved = history.with(live_event(desired, &version));
            update_alias(clients, name, alias, &version, None, &moved).await?
        }
    }
    Ok(())
}

/// RemovePermission of faqctl's statement; already gone counts as done.
pub(super) async fn remove_permission(
    clients: &Clients,
    name: &FunctionName,
    qualifier: &Option<String>,
) -> anyhow::Result<()> {
    let result = retry_eventual(
        || {
            clients
                .lambda
                .remove_permission()
                .function_name(name)
                .set_qualifier(qualifier.clone())
                .statement_id(STATEMENT_ID)
                .send()
        },
        |e| has_code(e, "ResourceConflictException"),
    )
    .await;
    done_unless(
        result,
        "ResourceNotFoundException",
        "RemovePermission",
        name,
    )?;
    Ok(())
}

/// AddPermission: API Gateway may invoke the function, from GET / of this REST API only.
pub(super) async fn add_permission(
    clients: &Clients,
    desired: &Desired,
    context: &ApplyContext,
    name: &FunctionName,
    qualifier: &Option<String>,
) -> anyhow::Result<()> {
    let function_arn = context.function_arn()?.to_string();
    let account =
        arn_account(&function_arn).context("internal: the function's ARN has no account")?;
    let api = context
        .api_id
        .as_deref()
        .context("internal: the REST API is not known at this step")?;
    let source_arn = Location::new(&desired.region).permission_source_arn(account, api);
    retry_eventual(
        || {
            clients
                .lambda
                .add_permission()
                .function_name(name)
                .set_qualifier(qualifier.clone())
                .statement_id(STATEMENT_ID)
                .action(INVOKE_ACTION)
                .principal(APIGW_PRINCIPAL)
                .source_arn(&source_arn)
                .send()
        },
        |e| has_code(e, "ResourceConflictException") && !already_exists(e),
    )
    .await
    .map_err(|e| {
        if already_exists(&e) {
            anyhow::Error::new(Race(format!(
                "AddPermission {name}: the statement {STATEMENT_ID} exists now"
            )))
        } else {
            sdk_error("AddPermission", name, e)
        }
    })?;
    Ok(())
}

/// DeleteFunction of the function (all its versions); already gone counts as done.
pub(super) async fn delete_function(clients: &Clients, name: &FunctionName) -> anyhow::Result<()> {
    let result = clients
        .lambda
        .delete_function()
        .function_name(name)
        .send()
        .await;
    done_unless(result, "ResourceNotFoundException", "DeleteFunction", name)?;
    Ok(())
}

/// The slowest upstream link an upload is given time for: 1 Mbit/s (a 50 MB zip, Lambda's
/// direct-upload limit, in about 7 minutes).
const SLOWEST_UPLOAD_BYTES_PER_SECOND: u64 = 125_000;

/// Per-call SDK settings for CreateFunction / UpdateFunctionCode: an attempt timeout that fits
/// the zip on a slow link (faqctl's general 60 s would cut it, and the SDK would send it again).
fn upload(bytes: usize) -> aws_sdk_lambda::config::Builder {
    let seconds = (bytes as u64 / SLOWEST_UPLOAD_BYTES_PER_SECOND).max(60) + 60;
    aws_sdk_lambda::config::Builder::default().timeout_config(
        aws_config::timeout::TimeoutConfig::builder()
            .connect_timeout(Duration::from_secs(3))
            .operation_attempt_timeout(Duration::from_secs(seconds))
            .build(),
    )
}

async fn wait_active(clients: &Clients, name: &str) -> anyhow::Result<()> {
    clients
        .lambda
        .wait_until_function_active_v2()
        .function_name(name)
        .wait(FUNCTION_WAIT)
        .await
        .map_err(|e| {
            anyhow::anyhow!(
                "function {name} did not become Active within {} s: {}; see State and StateReason in `aws lambda get-function --function-name {name}`, then run deploy again",
                FUNCTION_WAIT.as_secs(),
                DisplayErrorContext(&e)
            )
        })?;
    Ok(())
}

async fn wait_updated(clients: &Clients, name: &str) -> anyhow::Result<()> {
    clients
        .lambda
        .wait_until_function_updated_v2()
        .function_name(name)
        .wait(FUNCTION_WAIT)
        .await
        .map_err(|e| {
            anyhow::anyhow!(
                "the update of function {name} did not finish within {} s: {}; see LastUpdateStatus and LastUpdateStatusReason in `aws lambda get-function --function-name {name}`, then run deploy again",
                FUNCTION_WAIT.as_secs(),
                DisplayErrorContext(&e)
            )
        })?;
    Ok(())
}

/// Lambda's `Environment` for a set of variables.
fn environment_of(variables: &std::collections::BTreeMap<String, String>) -> Environment {
    Environment::builder()
        .set_variables(Some(variables.clone().into_iter().collect()))
        .build()
}

/// The event a deploy's move of the alias to `version` writes in its history.
fn live_event(desired: &Desired, version: &str) -> Event {
    let kind = if desired.gate {
        Kind::Live
    } else {
        Kind::LiveUngated
    };
    Event::new(version.parse().unwrap_or_default(), kind, now(), None)
}

/// Moves the alias (with `additional`: routing that share to a second version) and writes
/// `history` as its description.
pub async fn update_alias(
    clients: &Clients,
    name: &str,
    alias: &str,
    version: &str,
    additional: Option<(&str, f64)>,
    history: &Ledger,
) -> anyhow::Result<()> {
    let weights: std::collections::HashMap<String, f64> = additional
        .map(|(v, w)| (v.to_string(), w))
        .into_iter()
        .collect();
    clients
        .lambda
        .update_alias()
        .function_name(name)
        .name(alias)
        .function_version(version)
        .description(history.description())
        .routing_config(
            aws_sdk_lambda::types::AliasRoutingConfiguration::builder()
                .set_additional_version_weights(Some(weights))
                .build(),
        )
        .send()
        .await
        .map_err(|e| sdk_error("UpdateAlias", &format!("{name}:{alias}"), e))?;
    Ok(())
}
