//! The REST API and its `GET /`: the API itself, the method, its integration with the alias,
//! the FAQ's contract (model and 200 response), deployments, the stage's settings and
//! API Gateway's account-wide CloudWatch role. One write each, retried on API Gateway's
//! concurrent-modification conflict (and its quotas where AWS has one).

use anyhow::Context;
use aws_sdk_apigateway::types::{
    EndpointConfiguration, EndpointType, IntegrationType, Op, PatchOperation,
};
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use super::apply::{
    api_error, concurrent_modification, done_unless, has_code, has_code_text, ApplyContext, Race,
    Refused,
};
use super::observe::get_root_resource;
use super::{
    iam_propagation_window, retry_eventual, retry_propagation, retry_quota, sdk_error, Clients,
};
use crate::partition::Location;
use crate::plan::{
    Change, Desired, ACCESS_LOG_FORMAT, INTEGRATION_METHOD, MODEL_CONTENT_TYPE, MODEL_NAME,
    MODEL_SCHEMA,
};
use crate::settings::{arn_account, ApiName, RestApiId, StageName, CREATED_TAG, MANAGED_BY};

/// CreateRestApi (REGIONAL, tagged); its id and root resource go in `context`.
pub(super) async fn create_rest_api(
    clients: &Clients,
    context: &mut ApplyContext,
    name: &ApiName,
) -> anyhow::Result<()> {
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
    Ok(())
}

/// Deletes a REST API, waiting out the account's 1-per-30-s quota. Not found counts as done:
/// also after a throttled try, when another run deleted it meanwhile.
pub(super) async fn delete_rest_api(clients: &Clients, id: &str) -> anyhow::Result<()> {
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

/// PutMethod `verb /` with authorization NONE (the FAQ's GET, the CORS preflight's OPTIONS);
/// a method that exists already means another deploy made it meanwhile.
pub(super) async fn put_method(
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

/// One `replace` of the GET / method's member at `path` (UpdateMethod).
pub(super) async fn patch_get_method(
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

/// PutIntegration of GET /: AWS_PROXY to the function's alias.
pub(super) async fn put_integration(
    clients: &Clients,
    desired: &Desired,
    context: &ApplyContext,
) -> anyhow::Result<()> {
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
    Ok(())
}

/// The FAQ's contract: the model `FaqEntry` and GET /'s 200 response described by it. A
/// model or response that exists already (another deploy made it meanwhile) is as wanted; one
/// already gone is gone.
pub(super) async fn apply_contract(
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

/// CreateDeployment of the REST API to the stage (which is created with it if new).
pub(super) async fn create_deployment(
    clients: &Clients,
    context: &ApplyContext,
    stage: &StageName,
) -> anyhow::Result<()> {
    let (api, _) = context.api()?;
    // 1 per 5 s per account: a deploy right after another waits what AWS's 429 asks
    // (`retry_quota`), instead of the SDK's jittered backoff, which can run out first.
    retry_eventual(
        || {
            retry_quota(clients, "CreateDeployment", || {
                clients
                    .apigateway
                    .create_deployment()
                    .rest_api_id(api)
                    .stage_name(stage)
                    .description("deployed by faqctl")
                    .customize()
                    .config_override(one_attempt())
                    .send()
            })
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
    Ok(())
}

/// UpdateAccount: API Gateway's CloudWatch role for the account (execution and access logs).
pub(super) async fn update_account(clients: &Clients, role: &str) -> anyhow::Result<()> {
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
    Ok(())
}

/// UpdateStage: logging (execution and access logs) and throttling.
pub(super) async fn update_stage(
    clients: &Clients,
    desired: &Desired,
    context: &ApplyContext,
    stage: &StageName,
    logs: bool,
    remove_access_log: bool,
) -> anyhow::Result<()> {
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
            if logs { "INFO" } else { "OFF" }.into(),
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
    if logs {
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
    } else if remove_access_log {
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
    Ok(())
}

/// The stage's cache (UpdateStage): a 0.5 GB cluster with `*/*` caching for `ttl` seconds,
/// or (0) neither.
pub(super) async fn set_stage_cache(
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

/// Per-call SDK settings for the calls `retry_quota` retries: one attempt each, so that the
/// wait is the one AWS asks for, not the SDK's backoff.
fn one_attempt() -> aws_sdk_apigateway::config::Builder {
    aws_sdk_apigateway::config::Builder::default()
        .retry_config(aws_config::retry::RetryConfig::standard().with_max_attempts(1))
}
