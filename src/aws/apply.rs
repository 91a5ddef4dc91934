//! Performs one planned change: one SDK write call, then the waiter where Lambda finishes the
//! work asynchronously. Eventual-consistency errors are retried here (bounded); throttling and
//! 5xx by the SDK's retry. Values only known at run time (the function ARN, a new API's id)
//! travel in `ApplyContext`.

use std::time::Duration;

use anyhow::Context;
use aws_sdk_apigateway::types::{
    EndpointConfiguration, EndpointType, IntegrationType, Op, PatchOperation,
};
use aws_sdk_lambda::client::Waiters;
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{Architecture, FunctionCode, Runtime};
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use super::observe::get_root_resource;
use super::{retry_eventual, sdk_error, Clients};
use crate::plan::{
    integration_uri, permission_source_arn, Change, Desired, Observed, ACCESS_LOG_FORMAT,
    APIGW_PRINCIPAL, ARCHITECTURE, AUTHORIZATION, HANDLER, INTEGRATION_METHOD, INVOKE_ACTION,
    RUNTIME, STATEMENT_ID,
};
use crate::settings::{arn_account, MANAGED_BY};

/// Another run changed the same thing at the same moment (two deploys racing): the change is
/// not wrong, the plan is stale. `deploy` observes again and re-plans.
#[derive(Debug, thiserror::Error)]
#[error("{0} (another deploy changed it at the same time)")]
pub struct Race(pub String);

/// How long Lambda may take to make a function Active or finish an update.
const FUNCTION_WAIT: Duration = Duration::from_secs(300);

/// What the changes so far have learnt: filled from the observed state, then from each result.
#[derive(Debug, Clone, Default)]
pub struct ApplyContext {
    pub function_arn: Option<String>,
    pub api_id: Option<String>,
    pub root_resource_id: Option<String>,
}

impl ApplyContext {
    pub fn new(observed: &Observed) -> Self {
        let kept = observed.apis.first();
        ApplyContext {
            function_arn: observed.function.as_ref().map(|f| f.arn.clone()),
            api_id: kept.map(|api| api.id.clone()),
            root_resource_id: kept.and_then(|api| api.root_resource_id.clone()),
        }
    }

    fn function_arn(&self) -> anyhow::Result<&str> {
        self.function_arn
            .as_deref()
            .context("internal: the function's ARN is not known at this step")
    }

    fn api(&self) -> anyhow::Result<(&str, &str)> {
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
        Change::CreateLogGroup { name } => {
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
        }
        Change::PutRetentionPolicy { name, days } => {
            clients
                .logs
                .put_retention_policy()
                .log_group_name(name)
                .retention_in_days(*days)
                .send()
                .await
                .map_err(|e| sdk_error("PutRetentionPolicy", name, e))?;
        }
        Change::CreateFunction { name } => {
            let role = desired
                .role_arn
                .as_deref()
                .context("internal: CreateFunction planned without a role")?;
            let output = retry_eventual(
                || {
                    clients
                        .lambda
                        .create_function()
                        .function_name(name)
                        .runtime(Runtime::from(RUNTIME))
                        .handler(HANDLER)
                        .architectures(Architecture::from(ARCHITECTURE))
                        .role(role)
                        .memory_size(desired.memory_mb)
                        .timeout(desired.timeout_s)
                        .code(FunctionCode::builder().zip_file(Blob::new(code)).build())
                        .description("FAQ microservice, deployed by faqctl")
                        .tags(MANAGED_BY.0, MANAGED_BY.1)
                        .send()
                },
                |e| {
                    // IAM is eventually consistent: a role created moments ago is refused
                    // for a few seconds with this message.
                    e.as_service_error().is_some_and(|e| {
                        e.is_invalid_parameter_value_exception()
                            && e.to_string().contains("cannot be assumed")
                    })
                },
            )
            .await
            .map_err(|e| {
                if has_code(&e, "ResourceConflictException") {
                    anyhow::Error::new(Race(format!(
                        "CreateFunction {name}: the function exists now"
                    )))
                } else {
                    role_hint(sdk_error("CreateFunction", name, e), role)
                }
            })?;
            context.function_arn = output.function_arn().map(str::to_string);
            wait_active(clients, name).await?;
        }
        Change::UpdateFunctionCode { name, .. } => {
            retry_eventual(
                || {
                    clients
                        .lambda
                        .update_function_code()
                        .function_name(name)
                        .zip_file(Blob::new(code))
                        .architectures(Architecture::from(ARCHITECTURE))
                        .send()
                },
                |e| has_code(e, "ResourceConflictException"),
            )
            .await
            .map_err(|e| sdk_error("UpdateFunctionCode", name, e))?;
            wait_updated(clients, name).await?;
        }
        Change::UpdateFunctionConfiguration { name, .. } => {
            retry_eventual(
                || {
                    let mut call = clients
                        .lambda
                        .update_function_configuration()
                        .function_name(name)
                        .memory_size(desired.memory_mb)
                        .timeout(desired.timeout_s)
                        .runtime(Runtime::from(RUNTIME))
                        .handler(HANDLER);
                    if let Some(role) = &desired.role_arn {
                        call = call.role(role);
                    }
                    call.send()
                },
                |e| has_code(e, "ResourceConflictException"),
            )
            .await
            .map_err(|e| sdk_error("UpdateFunctionConfiguration", name, e))?;
            wait_updated(clients, name).await?;
        }
        Change::TagFunction { name } => {
            clients
                .lambda
                .tag_resource()
                .resource(context.function_arn()?)
                .tags(MANAGED_BY.0, MANAGED_BY.1)
                .send()
                .await
                .map_err(|e| sdk_error("TagResource", name, e))?;
        }
        Change::DeleteRestApi { id, .. } => delete_rest_api(clients, id).await?,
        Change::CreateRestApi { name } => {
            let output = clients
                .apigateway
                .create_rest_api()
                .name(name)
                .description("FAQ microservice, deployed by faqctl")
                .endpoint_configuration(
                    EndpointConfiguration::builder()
                        .types(EndpointType::Regional)
                        .build(),
                )
                .tags(MANAGED_BY.0, MANAGED_BY.1)
                .send()
                .await
                .map_err(|e| sdk_error("CreateRestApi", name, e))?;
            let id = output
                .id()
                .context("CreateRestApi returned no id")?
                .to_string();
            context.root_resource_id = match output.root_resource_id() {
                Some(root) => Some(root.to_string()),
                None => get_root_resource(clients, &id).await?,
            };
            context.api_id = Some(id);
        }
        Change::PutMethod => {
            let (api, root) = context.api()?;
            clients
                .apigateway
                .put_method()
                .rest_api_id(api)
                .resource_id(root)
                .http_method("GET")
                .authorization_type(AUTHORIZATION)
                .send()
                .await
                .map_err(|e| {
                    if has_code(&e, "ConflictException") {
                        anyhow::Error::new(Race(format!(
                            "PutMethod GET / of {api}: the method exists now"
                        )))
                    } else {
                        sdk_error("PutMethod", &format!("GET / of {api}"), e)
                    }
                })?;
        }
        Change::UpdateMethod { .. } => {
            let (api, root) = context.api()?;
            clients
                .apigateway
                .update_method()
                .rest_api_id(api)
                .resource_id(root)
                .http_method("GET")
                .patch_operations(
                    PatchOperation::builder()
                        .op(Op::Replace)
                        .path("/authorizationType")
                        .value(AUTHORIZATION)
                        .build(),
                )
                .send()
                .await
                .map_err(|e| sdk_error("UpdateMethod", &format!("GET / of {api}"), e))?;
        }
        Change::PutIntegration => {
            let uri = integration_uri(&desired.region, context.function_arn()?);
            let (api, root) = context.api()?;
            clients
                .apigateway
                .put_integration()
                .rest_api_id(api)
                .resource_id(root)
                .http_method("GET")
                .r#type(IntegrationType::AwsProxy)
                .integration_http_method(INTEGRATION_METHOD)
                .uri(uri)
                .send()
                .await
                .map_err(|e| sdk_error("PutIntegration", &format!("GET / of {api}"), e))?;
        }
        Change::RemovePermission { name } => {
            let result = retry_eventual(
                || {
                    clients
                        .lambda
                        .remove_permission()
                        .function_name(name)
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
        }
        Change::AddPermission { name } => {
            let function_arn = context.function_arn()?.to_string();
            let account = arn_account(&function_arn)
                .context("internal: the function's ARN has no account")?;
            let api = context
                .api_id
                .as_deref()
                .context("internal: the REST API is not known at this step")?;
            let source_arn = permission_source_arn(&desired.region, account, api);
            retry_eventual(
                || {
                    clients
                        .lambda
                        .add_permission()
                        .function_name(name)
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
        }
        Change::CreateDeployment { stage } => {
            let (api, _) = context.api()?;
            clients
                .apigateway
                .create_deployment()
                .rest_api_id(api)
                .stage_name(stage)
                .description("deployed by faqctl")
                .send()
                .await
                .map_err(|e| {
                    sdk_error("CreateDeployment", &format!("{api} to stage {stage}"), e)
                })?;
        }
        Change::UpdateAccount { role } => {
            clients
                .apigateway
                .update_account()
                .patch_operations(
                    PatchOperation::builder()
                        .op(Op::Replace)
                        .path("/cloudwatchRoleArn")
                        .value(role)
                        .build(),
                )
                .send()
                .await
                .map_err(|e| sdk_error("UpdateAccount", "cloudwatchRoleArn", e))?;
        }
        Change::UpdateStage {
            stage,
            logs,
            remove_access_log,
            ..
        } => {
            let (api, _) = context.api()?;
            let replace = |path: &str, value: String| {
                PatchOperation::builder()
                    .op(Op::Replace)
                    .path(path)
                    .value(value)
                    .build()
            };
            let mut operations = vec![
                replace(
                    "/*/*/logging/loglevel",
                    if *logs { "INFO" } else { "OFF" }.into(),
                ),
                replace("/*/*/logging/dataTrace", "false".into()),
                replace(
                    "/*/*/throttling/rateLimit",
                    desired.throttle_rate.to_string(),
                ),
                replace(
                    "/*/*/throttling/burstLimit",
                    desired.throttle_burst.to_string(),
                ),
            ];
            if *logs {
                let account = context
                    .function_arn
                    .as_deref()
                    .and_then(arn_account)
                    .context("internal: the account is not known at this step")?;
                let group = desired.names.access_log_group();
                let arn = format!(
                    "arn:aws:logs:{}:{account}:log-group:{group}",
                    desired.region
                );
                operations.push(replace("/accessLogSettings/destinationArn", arn));
                operations.push(replace(
                    "/accessLogSettings/format",
                    ACCESS_LOG_FORMAT.into(),
                ));
            } else if *remove_access_log {
                operations.push(
                    PatchOperation::builder()
                        .op(Op::Remove)
                        .path("/accessLogSettings")
                        .build(),
                );
            }
            clients
                .apigateway
                .update_stage()
                .rest_api_id(api)
                .stage_name(stage)
                .set_patch_operations(Some(operations))
                .send()
                .await
                .map_err(|e| {
                    let error = sdk_error("UpdateStage", &format!("{stage} of {api}"), e);
                    if error.to_string().contains("CloudWatch Logs role ARN must be set") {
                        error.context("API Gateway has no CloudWatch role for this account: pass --apigw-logs-role-arn with an existing role that trusts apigateway.amazonaws.com")
                    } else {
                        error
                    }
                })?;
        }
        Change::DeleteFunction { name } => {
            let result = clients
                .lambda
                .delete_function()
                .function_name(name)
                .send()
                .await;
            done_unless(result, "ResourceNotFoundException", "DeleteFunction", name)?;
        }
        Change::DeleteLogGroup { name } => {
            let result = clients
                .logs
                .delete_log_group()
                .log_group_name(name)
                .send()
                .await;
            done_unless(result, "ResourceNotFoundException", "DeleteLogGroup", name)?;
        }
    }
    Ok(())
}

/// A conflict that says the thing exists (not "an update is in progress"): retrying won't help.
fn already_exists<E: ProvideErrorMetadata, R>(error: &SdkError<E, R>) -> bool {
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

fn role_hint(error: anyhow::Error, role: &str) -> anyhow::Error {
    let text = error.to_string();
    if text.contains("cannot be assumed") {
        error.context(format!(
            "Lambda cannot assume the role {role}: check that it exists and that its trust policy allows lambda.amazonaws.com (sts:AssumeRole); a role created moments ago can take a few seconds to work"
        ))
    } else {
        error
    }
}

async fn delete_rest_api(clients: &Clients, id: &str) -> anyhow::Result<()> {
    let result = clients
        .apigateway
        .delete_rest_api()
        .rest_api_id(id)
        .send()
        .await;
    done_unless(result, "NotFoundException", "DeleteRestApi", id)
}

/// A call's result, with one error code counted as done: deleting what is already gone,
/// creating what another writer made meanwhile. Any other error is reported.
fn done_unless<T, E, R>(
    result: Result<T, SdkError<E, R>>,
    done_code: &str,
    operation: &str,
    target: &str,
) -> anyhow::Result<()>
where
    E: std::error::Error + ProvideErrorMetadata + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    match result {
        Ok(_) => Ok(()),
        Err(e) if has_code(&e, done_code) => Ok(()),
        Err(e) => Err(sdk_error(operation, target, e)),
    }
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
