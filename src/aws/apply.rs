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
use aws_sdk_lambda::types::{Architecture, Environment, FunctionCode, Runtime};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use super::observe::get_root_resource;
use super::{
    iam_propagation_window, retry_eventual, retry_propagation, retry_quota, sdk_error, Clients,
};
use crate::ledger::{self, Event, Kind, Ledger};
use crate::partition::Location;
use crate::plan::{
    function_environment, AliasState, Change, Desired, Observed, Preflight, VersionRef,
    ACCESS_LOG_FORMAT, APIGW_PRINCIPAL, AUTHORIZATION, HANDLER, INTEGRATION_METHOD, INVOKE_ACTION,
    MODEL_CONTENT_TYPE, MODEL_NAME, MODEL_SCHEMA, RUNTIME, STATEMENT_ID,
};
use crate::settings::{arn_account, RestApiId, CREATED_TAG, MANAGED_BY};

/// The new version failed the gate: the alias was not touched, so users never saw it.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct GateFailed {
    pub message: String,
    /// Why, in a word the alias' history keeps (`statusCode-502`, `Unhandled`, `not-json`).
    pub code: String,
}

/// The gate could not run the version at all: the endpoint answered its Invoke in a way that
/// shows it runs no function code (moto without Docker). Not a verdict on the version; exit 6.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct GateCannotRun(pub String);

/// Why an answer to the gate's event is not a FAQ entry served with 200.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GateRefusal {
    pub code: String,
    pub why: String,
}

impl GateRefusal {
    fn new(code: impl Into<String>, why: String) -> Self {
        GateRefusal {
            code: ledger::short_reason(&code.into()),
            why,
        }
    }
}

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
    fn history(&self) -> Ledger {
        match &self.alias {
            Some(alias) => match alias.version.parse::<u64>() {
                Ok(current) => alias.history.recorded_live(current, now()),
                Err(_) => alias.history.clone(),
            },
            None => Ledger::default(),
        }
    }

    fn function_arn(&self) -> anyhow::Result<&str> {
        self.function_arn
            .as_deref()
            .context("internal: the function's ARN is not known at this step")
    }

    /// The number a planned version stands for.
    fn version(&self, version: &VersionRef) -> anyhow::Result<String> {
        match version {
            VersionRef::Existing(n) => Ok(n.to_string()),
            VersionRef::Published => self
                .published
                .map(|n| n.to_string())
                .context("internal: no version was published before this step"),
        }
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
            let environment = function_environment(desired, &Default::default());
            let wanted_environment =
                (!environment.is_empty()).then(|| environment_of(&environment));
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
        }
        Change::UpdateFunctionCode { name, .. } => {
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
        }
        Change::UpdateFunctionConfiguration {
            name, environment, ..
        } => {
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
            let created = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_millis())
                .unwrap_or_default()
                .to_string();
            let output = retry_eventual(
                || {
                    clients
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
                        .tags(CREATED_TAG, &created)
                        .send()
                },
                concurrent_modification,
            )
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
            context.api_id = Some(RestApiId::from_aws(&id));
        }
        Change::PutMethod { authorization } => {
            let (api, root) = context.api()?;
            let key_required = desired.api_keys.required.unwrap_or(false);
            put_method(clients, api, root, "GET", authorization, key_required).await?;
        }
        Change::UpdateMethod { to, .. } => {
            let (api, root) = context.api()?;
            patch_get_method(clients, api, root, "/authorizationType", to).await?;
        }
        Change::PublishVersion { name, description } => {
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
        }
        Change::Gate { name, version } => {
            let number = context.version(version)?;
            if let Err(failed) = gate(clients, name, &number).await {
                record_gate_failure(clients, desired, context, &number, &failed).await;
                return Err(failed);
            }
        }
        Change::CreateAlias {
            name,
            alias,
            version,
        } => {
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
                        anyhow::Error::new(Race(format!(
                            "CreateAlias {name}:{alias}: it exists now"
                        )))
                    } else {
                        sdk_error("CreateAlias", &format!("{name}:{alias}"), e)
                    }
                })?;
        }
        Change::DeleteVersion { name, version, .. } => {
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
        }
        Change::UpdateAlias {
            name,
            alias,
            version,
            shift,
            ..
        } => {
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
        }
        Change::PutIntegration => {
            let alias_arn = format!("{}:{}", context.function_arn()?, desired.names.alias);
            let uri = Location::new(&desired.region).integration_uri(&alias_arn);
            let (api, root) = context.api()?;
            retry_eventual(
                || {
                    clients
                        .apigateway
                        .put_integration()
                        .rest_api_id(api)
                        .resource_id(root)
                        .http_method("GET")
                        .r#type(IntegrationType::AwsProxy)
                        .integration_http_method(INTEGRATION_METHOD)
                        .uri(&uri)
                        .send()
                },
                concurrent_modification,
            )
            .await
            .map_err(|e| api_error("PutIntegration", &format!("GET / of {api}"), api, e))?;
        }
        Change::DeletePreflight { .. } => {
            let (api, root) = context.api()?;
            let result = retry_eventual(
                || {
                    clients
                        .apigateway
                        .delete_method()
                        .rest_api_id(api)
                        .resource_id(root)
                        .http_method("OPTIONS")
                        .send()
                },
                concurrent_modification,
            )
            .await;
            done_unless(result, "NotFoundException", "DeleteMethod", "OPTIONS /")?;
        }
        Change::PutPreflightMethod => {
            let (api, root) = context.api()?;
            put_method(clients, api, root, "OPTIONS", AUTHORIZATION, false).await?;
        }
        Change::PutPreflightIntegration => {
            let (api, root) = context.api()?;
            let wanted = Preflight::wanted(&desired.cors_origins);
            retry_eventual(
                || {
                    clients
                        .apigateway
                        .put_integration()
                        .rest_api_id(api)
                        .resource_id(root)
                        .http_method("OPTIONS")
                        .r#type(IntegrationType::Mock)
                        .set_request_templates(Some(
                            wanted.request_templates.clone().into_iter().collect(),
                        ))
                        .send()
                },
                concurrent_modification,
            )
            .await
            .map_err(|e| api_error("PutIntegration", &format!("OPTIONS / of {api}"), api, e))?;
        }
        Change::PutPreflightMethodResponse => {
            let (api, root) = context.api()?;
            let wanted = Preflight::wanted(&desired.cors_origins);
            for (status, parameters) in &wanted.method_responses {
                retry_eventual(
                    || {
                        clients
                            .apigateway
                            .put_method_response()
                            .rest_api_id(api)
                            .resource_id(root)
                            .http_method("OPTIONS")
                            .status_code(status)
                            .set_response_parameters(Some(parameters.clone().into_iter().collect()))
                            .send()
                    },
                    concurrent_modification,
                )
                .await
                .map_err(|e| {
                    api_error(
                        "PutMethodResponse",
                        &format!("OPTIONS / {status} of {api}"),
                        api,
                        e,
                    )
                })?;
            }
        }
        Change::PutPreflightIntegrationResponse { origins } => {
            let (api, root) = context.api()?;
            let wanted = Preflight::wanted(origins);
            for (status, response) in &wanted.integration_responses {
                retry_eventual(
                    || {
                        clients
                            .apigateway
                            .put_integration_response()
                            .rest_api_id(api)
                            .resource_id(root)
                            .http_method("OPTIONS")
                            .status_code(status)
                            .set_response_parameters(Some(
                                response.parameters.clone().into_iter().collect(),
                            ))
                            .set_response_templates(
                                (!response.templates.is_empty())
                                    .then(|| response.templates.clone().into_iter().collect()),
                            )
                            .send()
                    },
                    concurrent_modification,
                )
                .await
                .map_err(|e| {
                    api_error(
                        "PutIntegrationResponse",
                        &format!("OPTIONS / {status} of {api}"),
                        api,
                        e,
                    )
                })?;
            }
        }
        Change::RemovePermission { name, qualifier } => {
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
        }
        Change::AddPermission { name, qualifier } => {
            let function_arn = context.function_arn()?.to_string();
            let account = arn_account(&function_arn)
                .context("internal: the function's ARN has no account")?;
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
        }
        Change::CreateDeployment { stage } => {
            let (api, _) = context.api()?;
            retry_eventual(
                || {
                    clients
                        .apigateway
                        .create_deployment()
                        .rest_api_id(api)
                        .stage_name(stage)
                        .description("deployed by faqctl")
                        .send()
                },
                concurrent_modification,
            )
            .await
            .map_err(|e| {
                api_error(
                    "CreateDeployment",
                    &format!("{api} to stage {stage}"),
                    api,
                    e,
                )
            })?;
        }
        Change::UpdateAccount { role } => {
            // Quota: 1 per 20 s per account; IAM: a role just made (or just given the logging
            // policy) is refused with one of two messages for a while (Terraform retries
            // both for its propagation window; so do we).
            retry_propagation(
                clients,
                "UpdateAccount",
                iam_propagation_window(),
                || {
                    retry_quota(clients, "UpdateAccount", || {
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
                            .customize()
                            .config_override(one_attempt())
                            .send()
                    })
                },
                |e| {
                    concurrent_modification(e)
                        || (has_code(e, "BadRequestException")
                            && e.message().is_some_and(|m| {
                                m.contains("The role ARN does not have required permissions")
                                    || m.contains("could not successfully write to CloudWatch Logs")
                            }))
                },
            )
            .await
            .map_err(|e| {
                let error = sdk_error("UpdateAccount", "cloudwatchRoleArn", e);
                if has_code_text(&error, "BadRequestException") {
                    anyhow::Error::new(Refused(format!(
                        "{error:#}: API Gateway cannot write logs with the role {role}: check that it exists, trusts apigateway.amazonaws.com (sts:AssumeRole) and has the managed policy AmazonAPIGatewayPushToCloudWatchLogs; faqctl waited {} s for IAM to propagate a new role",
                        iam_propagation_window().as_secs()
                    )))
                } else {
                    error
                }
            })?;
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
                let arn = Location::new(&desired.region).log_group_arn(account, &group);
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
            retry_eventual(
                || {
                    clients
                        .apigateway
                        .update_stage()
                        .rest_api_id(api)
                        .stage_name(stage)
                        .set_patch_operations(Some(operations.clone()))
                        .send()
                },
                concurrent_modification,
            )
            .await
            .map_err(|e| {
                    let error = api_error("UpdateStage", &format!("{stage} of {api}"), api, e);
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
        Change::SetApiKeyRequired { required } => {
            let (api, root) = context.api()?;
            patch_get_method(clients, api, root, "/apiKeyRequired", &required.to_string()).await?;
        }
        Change::CreateModel
        | Change::UpdateModel
        | Change::PutMethodResponse
        | Change::DeleteMethodResponse { .. }
        | Change::DeleteModel => {
            let (api, root) = context.api()?;
            apply_contract(clients, api, root, change).await?;
        }
        Change::SetStageCache { stage, ttl, .. } => {
            let (api, _) = context.api()?;
            set_stage_cache(clients, api, stage, *ttl).await?;
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

/// An error of a call on the REST API this run works on. NotFoundException means that API
/// is gone: two deploys that both created one each delete the newer when they observe again,
/// so the deploy that created the newer finds it deleted under it. That is a lost race, not a
/// failure: the next round observes and works on the API that was kept.
fn api_error<E>(
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

/// What AWS refused because of the input (a role that cannot be used, a bad value): running
/// the same command again cannot help until the input is fixed.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Refused(pub String);

/// Lambda's answer while IAM has not made a role usable (or when it never will be).
fn cannot_be_assumed<E: ProvideErrorMetadata, R>(error: &SdkError<E, R>) -> bool {
    has_code(error, "InvalidParameterValueException")
        && error
            .as_service_error()
            .and_then(|e| e.message())
            .is_some_and(|m| m.contains("cannot be assumed"))
}

/// API Gateway's 409 "Unable to complete operation due to concurrent modification. Please try
/// again later." (not "already exists", which is a lost race).
fn concurrent_modification<E: ProvideErrorMetadata, R>(error: &SdkError<E, R>) -> bool {
    has_code(error, "ConflictException")
        && error
            .as_service_error()
            .and_then(|e| e.message())
            .is_some_and(|m| m.contains("concurrent modification"))
}

/// Whether an error made by `sdk_error` carries this service error code.
fn has_code_text(error: &anyhow::Error, code: &str) -> bool {
    error.to_string().contains(&format!("failed: {code}: "))
}

/// Lambda's refusals of the input (InvalidParameterValueException, and the model-level
/// ValidationException and SerializationException) as `Refused`, with what to fix; other
/// errors as they are.
fn refused_input(error: anyhow::Error, role: Option<&str>) -> anyhow::Error {
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

/// Per-call SDK settings for the calls `retry_quota` retries: one attempt each, so that the
/// wait is the one AWS asks for, not the SDK's backoff.
fn one_attempt() -> aws_sdk_apigateway::config::Builder {
    aws_sdk_apigateway::config::Builder::default()
        .retry_config(aws_config::retry::RetryConfig::standard().with_max_attempts(1))
}

/// Deletes a REST API, waiting out the account's 1-per-30-s quota. Not found counts as done:
/// also after a throttled try, when another run deleted it meanwhile.
async fn delete_rest_api(clients: &Clients, id: &str) -> anyhow::Result<()> {
    let result = retry_eventual(
        || {
            retry_quota(clients, "DeleteRestApi", || {
                clients
                    .apigateway
                    .delete_rest_api()
                    .rest_api_id(id)
                    .customize()
                    .config_override(one_attempt())
                    .send()
            })
        },
        concurrent_modification,
    )
    .await;
    done_unless(result, "NotFoundException", "DeleteRestApi", id)
}

/// A call's result, with one error code counted as done: deleting what is already gone,
/// creating what another writer made meanwhile. Any other error is reported.
fn done_unless<T, E>(
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

/// One `replace` of the GET / method's member at `path` (UpdateMethod).
async fn patch_get_method(
    clients: &Clients,
    api: &str,
    root: &str,
    path: &str,
    value: &str,
) -> anyhow::Result<()> {
    retry_eventual(
        || {
            clients
                .apigateway
                .update_method()
                .rest_api_id(api)
                .resource_id(root)
                .http_method("GET")
                .patch_operations(
                    PatchOperation::builder()
                        .op(Op::Replace)
                        .path(path)
                        .value(value)
                        .build(),
                )
                .send()
        },
        concurrent_modification,
    )
    .await
    .map_err(|e| api_error("UpdateMethod", &format!("GET / of {api}"), api, e))?;
    Ok(())
}

/// The FAQ's contract: the model `FaqEntry` and GET /'s 200 response described by it. A
/// model or response that exists already (another deploy made it meanwhile) is as wanted; one
/// already gone is gone.
async fn apply_contract(
    clients: &Clients,
    api: &str,
    root: &str,
    change: &Change,
) -> anyhow::Result<()> {
    let apigw = &clients.apigateway;
    let model = format!("{MODEL_NAME} of {api}");
    let response = format!("GET / 200 of {api}");
    match change {
        Change::CreateModel => {
            let result = retry_eventual(
                || {
                    apigw
                        .create_model()
                        .rest_api_id(api)
                        .name(MODEL_NAME)
                        .content_type(MODEL_CONTENT_TYPE)
                        .description("One entry of the FAQ, as GET / answers it (faqctl)")
                        .schema(MODEL_SCHEMA)
                        .send()
                },
                concurrent_modification,
            )
            .await;
            done_unless(result, "ConflictException", "CreateModel", &model)?;
        }
        Change::UpdateModel => {
            let schema = PatchOperation::builder()
                .op(Op::Replace)
                .path("/schema")
                .value(MODEL_SCHEMA)
                .build();
            retry_eventual(
                || {
                    apigw
                        .update_model()
                        .rest_api_id(api)
                        .model_name(MODEL_NAME)
                        .patch_operations(schema.clone())
                        .send()
                },
                concurrent_modification,
            )
            .await
            .map_err(|e| api_error("UpdateModel", &model, api, e))?;
        }
        Change::PutMethodResponse => {
            retry_eventual(
                || {
                    apigw
                        .put_method_response()
                        .rest_api_id(api)
                        .resource_id(root)
                        .http_method("GET")
                        .status_code("200")
                        .response_models(MODEL_CONTENT_TYPE, MODEL_NAME)
                        .send()
                },
                concurrent_modification,
            )
            .await
            .map_err(|e| api_error("PutMethodResponse", &response, api, e))?;
        }
        Change::DeleteMethodResponse { .. } => {
            let result = retry_eventual(
                || {
                    apigw
                        .delete_method_response()
                        .rest_api_id(api)
                        .resource_id(root)
                        .http_method("GET")
                        .status_code("200")
                        .send()
                },
                concurrent_modification,
            )
            .await;
            done_unless(
                result,
                "NotFoundException",
                "DeleteMethodResponse",
                &response,
            )?;
        }
        Change::DeleteModel => {
            let result = retry_eventual(
                || {
                    apigw
                        .delete_model()
                        .rest_api_id(api)
                        .model_name(MODEL_NAME)
                        .send()
                },
                concurrent_modification,
            )
            .await;
            done_unless(result, "NotFoundException", "DeleteModel", &model)?;
        }
        _ => unreachable!("not a change of the FAQ's contract: {change}"),
    }
    Ok(())
}

/// The stage's cache (UpdateStage): a 0.5 GB cluster with `*/*` caching for `ttl` seconds,
/// or (0) neither.
async fn set_stage_cache(
    clients: &Clients,
    api: &str,
    stage: &str,
    ttl: u32,
) -> anyhow::Result<()> {
    let replace = |path: &str, value: String| {
        PatchOperation::builder()
            .op(Op::Replace)
            .path(path)
            .value(value)
            .build()
    };
    let operations = if ttl == 0 {
        vec![
            replace("/*/*/caching/enabled", "false".into()),
            replace("/cacheClusterEnabled", "false".into()),
        ]
    } else {
        vec![
            replace("/cacheClusterEnabled", "true".into()),
            replace("/cacheClusterSize", crate::plan::CACHE_SIZE.into()),
            replace("/*/*/caching/enabled", "true".into()),
            replace("/*/*/caching/ttlInSeconds", ttl.to_string()),
        ]
    };
    retry_eventual(
        || {
            clients
                .apigateway
                .update_stage()
                .rest_api_id(api)
                .stage_name(stage)
                .set_patch_operations(Some(operations.clone()))
                .send()
        },
        concurrent_modification,
    )
    .await
    .map_err(|e| api_error("UpdateStage", &format!("{stage} of {api}"), api, e))?;
    Ok(())
}

/// PutMethod `verb /` with authorization NONE (the FAQ's GET, the CORS preflight's OPTIONS);
/// a method that exists already means another deploy made it meanwhile.
async fn put_method(
    clients: &Clients,
    api: &str,
    root: &str,
    verb: &str,
    authorization: &str,
    api_key_required: bool,
) -> anyhow::Result<()> {
    retry_eventual(
        || {
            clients
                .apigateway
                .put_method()
                .rest_api_id(api)
                .resource_id(root)
                .http_method(verb)
                .authorization_type(authorization)
                .api_key_required(api_key_required)
                .send()
        },
        concurrent_modification,
    )
    .await
    .map_err(|e| {
        if has_code(&e, "ConflictException") {
            anyhow::Error::new(Race(format!(
                "PutMethod {verb} / of {api}: the method exists now"
            )))
        } else {
            api_error("PutMethod", &format!("{verb} / of {api}"), api, e)
        }
    })?;
    Ok(())
}

/// Lambda's `Environment` for a set of variables.
fn environment_of(variables: &std::collections::BTreeMap<String, String>) -> Environment {
    Environment::builder()
        .set_variables(Some(variables.clone().into_iter().collect()))
        .build()
}

/// Moves the alias to `version`, with `additional` (version, weight 0–1) getting that share of
/// the invocations, or none: one write.
/// The event a deploy's move of the alias to `version` writes in its history.
fn live_event(desired: &Desired, version: &str) -> Event {
    let kind = if desired.gate {
        Kind::Live
    } else {
        Kind::LiveUngated
    };
    Event::new(version.parse().unwrap_or_default(), kind, now(), None)
}

/// Unix seconds, for the alias' history.
pub fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs()
}

/// A version that failed its gate is written in the alias' history (its description only: the
/// alias does not move), so that `rollback` never goes to it. Best effort: the deploy fails
/// with the gate's own error either way, and with no alias yet there is nowhere to write.
async fn record_gate_failure(
    clients: &Clients,
    desired: &Desired,
    context: &ApplyContext,
    version: &str,
    failed: &anyhow::Error,
) {
    let Some(reason) = failed.downcast_ref::<GateFailed>().map(|g| g.code.as_str()) else {
        return;
    };
    if context.alias.is_none() {
        return;
    }
    let event = Event::new(
        version.parse().unwrap_or_default(),
        Kind::GateFailed,
        now(),
        Some(reason),
    );
    let description = context.history().with(event).description();
    let result = clients
        .lambda
        .update_alias()
        .function_name(desired.names.function.as_str())
        .name(&desired.names.alias)
        .description(description)
        .send()
        .await;
    if let Err(e) = result {
        eprintln!(
            "warning: the gate's failure could not be written in {}:{}'s history: {}",
            desired.names.function,
            desired.names.alias,
            DisplayErrorContext(&e)
        );
    }
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

/// A GET request to `/` as API Gateway sends it to a proxy integration (REST, v1), for the gate.
pub fn gate_event() -> serde_json::Value {
    serde_json::json!({
        "resource": "/",
        "path": "/",
        "httpMethod": "GET",
        "headers": {"Accept": "application/json", "User-Agent": "faqctl-gate"},
        "multiValueHeaders": {"Accept": ["application/json"], "User-Agent": ["faqctl-gate"]},
        "queryStringParameters": null,
        "multiValueQueryStringParameters": null,
        "pathParameters": null,
        "stageVariables": null,
        "requestContext": {
            "resourcePath": "/",
            "httpMethod": "GET",
            "path": "/",
            "stage": "faqctl-gate",
            "requestId": "faqctl-gate",
            "identity": {"sourceIp": "127.0.0.1", "userAgent": "faqctl-gate"}
        },
        "body": null,
        "isBase64Encoded": false
    })
}

/// The gate: the version, invoked directly (`NAME:VERSION`) with a GET proxy event, must answer
/// 200 with a FAQ entry. Otherwise `GateFailed`, saying what it answered.
async fn gate(clients: &Clients, name: &str, version: &str) -> anyhow::Result<()> {
    let qualified = format!("{name}:{version}");
    let event = serde_json::to_vec(&gate_event())?;
    let invoked = match super::calls::invoke(clients, &qualified, &event, true).await {
        Ok(invoked) => invoked,
        Err(e) => return Err(gate_cannot_run(clients, name, version, e)),
    }
    .with_context(|| format!("the gate could not invoke {qualified}: it does not exist"))?;
    let verdict = gate_verdict(&invoked.payload, invoked.function_error.as_deref());
    match verdict {
        Ok(()) => Ok(()),
        Err(GateRefusal { code, why }) => {
            let tail = invoked
                .log
                .as_deref()
                .map(|log| {
                    let lines: Vec<&str> = log.lines().rev().take(8).collect();
                    let lines: Vec<&str> = lines.into_iter().rev().collect();
                    format!("; its log ends:\n  {}", lines.join("\n  "))
                })
                .unwrap_or_default();
            Err(anyhow::Error::new(GateFailed {
                message: format!("version {version} of {name} failed the gate: {why}{tail}"),
                code,
            }))
        }
    }
}

/// An Invoke answered with no Lambda error code (an HTML 500, an empty 501) says the endpoint
/// does not run functions: the error names it, what it answered, and `--no-gate`.
fn gate_cannot_run(
    clients: &Clients,
    name: &str,
    version: &str,
    error: anyhow::Error,
) -> anyhow::Error {
    let Some(call) = error
        .chain()
        .find_map(|e| e.downcast_ref::<super::CallFailed>())
        .filter(|c| c.code.is_none() && c.status.is_some())
    else {
        return error;
    };
    let endpoint = clients
        .lambda_endpoint
        .as_deref()
        .unwrap_or("Lambda's endpoint");
    anyhow::Error::new(GateCannotRun(format!(
        "the gate could not run version {version} of {name}: {endpoint} answered its Invoke without a Lambda error code ({}), so it does not run function code (moto, for one, runs none without Docker); the version is published and the alias was not touched. To deploy there without the gate, pass --no-gate (or set FAQCTL_NO_GATE=1)",
        call.message.split_once(" failed: ").map_or(call.message.as_str(), |(_, m)| m)
    )))
}

/// Whether an answer to the gate's event is a FAQ entry served with 200; if not, why.
pub fn gate_verdict(payload: &[u8], function_error: Option<&str>) -> Result<(), GateRefusal> {
    let text = String::from_utf8_lossy(payload);
    let shown: String = text.chars().take(300).collect();
    if let Some(kind) = function_error {
        return Err(GateRefusal::new(
            kind,
            format!("the function failed ({kind}): {shown}"),
        ));
    }
    let answer: serde_json::Value = serde_json::from_slice(payload).map_err(|_| {
        GateRefusal::new(
            "not-json",
            format!("its answer is not JSON (API Gateway would answer 502): {shown}"),
        )
    })?;
    let status = match &answer["statusCode"] {
        serde_json::Value::Number(n) => n.as_u64(),
        serde_json::Value::String(s) => s.parse().ok(),
        _ => None,
    };
    if status != Some(200) {
        return Err(GateRefusal::new(
            format!("statusCode-{}", answer["statusCode"]),
            format!(
                "it answered statusCode {}, not 200: {shown}",
                answer["statusCode"]
            ),
        ));
    }
    let body = answer["body"].as_str().unwrap_or_default();
    match serde_json::from_str::<faq_function::Entry>(body) {
        Ok(entry) if !entry.q.is_empty() && !entry.a.is_empty() => Ok(()),
        _ => Err(GateRefusal::new(
            "not-a-faq-entry",
            format!("its body is not a FAQ entry: {shown}"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::gate_verdict;

    /// The gate passes a FAQ entry served with 200 and nothing else: each row is an answer a
    /// broken build gives (API Gateway would turn most of them into a 502).
    #[test]
    fn the_gate_passes_only_a_faq_entry_served_with_200() {
        let entry = r#"{\"q\":\"What?\",\"a\":\"That.\"}"#;
        let ok = format!(r#"{{"statusCode":200,"body":"{entry}"}}"#);
        assert_eq!(gate_verdict(ok.as_bytes(), None), Ok(()));
        let as_string = format!(r#"{{"statusCode":"200","body":"{entry}"}}"#);
        assert_eq!(gate_verdict(as_string.as_bytes(), None), Ok(()));
        let cases: [(&str, Option<&str>, &str, &str); 7] = [
            (
                r#"{"errorType":"Boom"}"#,
                Some("Unhandled"),
                "Unhandled",
                "the function failed (Unhandled)",
            ),
            ("not json", None, "not-json", "its answer is not JSON"),
            (
                r#"{"statusCode":500,"body":"{}"}"#,
                None,
                "statusCode-500",
                "it answered statusCode 500, not 200",
            ),
            (
                r#"{"body":"{}"}"#,
                None,
                "statusCode-null",
                "it answered statusCode null, not 200",
            ),
            (
                r#"{"statusCode":200,"body":{"q":"x","a":"y"}}"#,
                None,
                "not-a-faq-entry",
                "its body is not a FAQ entry",
            ),
            (
                r#"{"statusCode":200,"body":"{\"q\":\"\",\"a\":\"y\"}"}"#,
                None,
                "not-a-faq-entry",
                "its body is not a FAQ entry",
            ),
            (
                r#"{"statusCode":200}"#,
                None,
                "not-a-faq-entry",
                "its body is not a FAQ entry",
            ),
        ];
        for (payload, error, code, why) in cases {
            let refusal = gate_verdict(payload.as_bytes(), error).unwrap_err();
            assert!(refusal.why.starts_with(why), "{payload}: {refusal:?}");
            assert_eq!(refusal.code, code, "{payload}");
        }
    }
}
