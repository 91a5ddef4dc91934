//! Reads the live state: the function, its log group, the managed REST API(s) with their
//! GET method, integration, CORS preflight and stage, and our statement in the function's policy. Read calls
//! only; "not found" is a normal answer and becomes `None`.

use std::collections::{BTreeMap, HashMap};

use anyhow::Context;
use aws_sdk_apigateway::types::RestApi;
use serde_json::Value;

use super::{sdk_error, Clients};
use crate::ledger::Ledger;
use crate::plan::{
    execution_log_group, AliasState, ApiState, FunctionState, IntegrationResponseState,
    IntegrationState, LogGroupState, MethodState, Observed, PermissionState, Preflight, StageState,
    VersionState, MODEL_NAME, STATEMENT_ID,
};
use crate::settings::{Names, RestApiId, CREATED_TAG, MANAGED_BY};

/// Reads everything a plan compares against. `api_logs` is the wanted API Gateway logging
/// (`None`: as the stage has it): the account's CloudWatch role (GetAccount) is read only when
/// logging is on, so that a caller that never logs needs no `apigateway:GET` on `/account`.
/// `api_keys` likewise: the usage plan is read when API keys are wanted or the GET method
/// requires one, so that a caller that never uses keys needs no `apigateway:GET` on
/// `/usageplans`.
pub async fn observe(
    clients: &Clients,
    names: &Names,
    api_logs: Option<bool>,
    api_keys: Option<bool>,
) -> anyhow::Result<Observed> {
    let (log_group_name, access_group_name) = (names.log_group(), names.access_log_group());
    // The API's reads wait on the API's id; they run while the function's are under way.
    let apis = async {
        let apis = find_apis(clients, &names.api).await?;
        let mut observed = Vec::with_capacity(apis.len());
        for api in apis {
            observed.push(observe_api(clients, api, &names.stage).await?);
        }
        Ok::<_, anyhow::Error>(observed)
    };
    // Everything that does not depend on another read, at once (a function that does not
    // exist has no versions, alias or policy: those answer "not found").
    let (
        mut function,
        versions,
        alias,
        alias_permission,
        log_group,
        observed_apis,
        access_log_group,
    ) = tokio::try_join!(
        get_function(clients, &names.function),
        list_versions(clients, &names.function),
        get_alias(clients, &names.function, &names.alias),
        get_policy_statement(clients, &names.function, Some(&names.alias)),
        describe_log_group(clients, &log_group_name),
        apis,
        describe_log_group(clients, &access_group_name),
    )?;
    if let Some(function) = &mut function {
        function.versions = versions;
    }
    // The unqualified function's statement matters only while the stage still invokes the
    // unqualified function (a deployment made before versions): read it only then.
    let unqualified = format!(":function:{}/invocations", names.function);
    let legacy = observed_apis
        .first()
        .and_then(|api| api.integration.as_ref())
        .is_some_and(|i| i.uri.ends_with(&unqualified));
    let permission = match &function {
        Some(_) if legacy => get_policy_statement(clients, &names.function, None).await?,
        _ => None,
    };
    // Kept in `find_apis`'s order (oldest, then lowest id): the one rule every command uses to
    // pick the API it works on, so deploy, invoke, logs and status always agree.
    let logging = api_logs.unwrap_or_else(|| {
        observed_apis
            .first()
            .and_then(|api| api.stage.as_ref())
            .is_some_and(StageState::logging_on)
    });
    let account_cloudwatch_role = if logging {
        get_account_role(clients).await?
    } else {
        None
    };
    let keys = api_keys.unwrap_or_else(|| {
        observed_apis
            .first()
            .and_then(|api| api.method.as_ref())
            .is_some_and(|m| m.api_key_required)
    });
    let usage_plan = if keys {
        super::usage::find_plan(clients, names, false).await?
    } else {
        None
    };
    Ok(Observed {
        domains: Vec::new(),
        usage_plan,
        function,
        log_group,
        apis: observed_apis,
        permission,
        alias,
        alias_permission,
        account_cloudwatch_role,
        access_log_group,
    })
}

/// The account-level CloudWatch role API Gateway logs with, if one is set.
async fn get_account_role(clients: &Clients) -> anyhow::Result<Option<String>> {
    let account = clients
        .apigateway
        .get_account()
        .send()
        .await
        .map_err(|e| sdk_error("GetAccount", "(API Gateway account settings)", e))?;
    Ok(account
        .cloudwatch_role_arn()
        .filter(|r| !r.is_empty())
        .map(str::to_string))
}

/// The alias, if it exists.
pub async fn get_alias(
    clients: &Clients,
    function: &str,
    alias: &str,
) -> anyhow::Result<Option<AliasState>> {
    match clients
        .lambda
        .get_alias()
        .function_name(function)
        .name(alias)
        .send()
        .await
    {
        Ok(output) => Ok(Some(AliasState {
            version: output.function_version().unwrap_or_default().to_string(),
            additional: output
                .routing_config()
                .and_then(|r| r.additional_version_weights())
                .and_then(|w| w.iter().next())
                .map(|(version, weight)| (version.clone(), (weight * 10_000.0).round() as u32)),
            history: Ledger::parse(output.description().unwrap_or_default()),
        })),
        Err(e)
            if e.as_service_error()
                .is_some_and(|e| e.is_resource_not_found_exception()) =>
        {
            Ok(None)
        }
        Err(e) => Err(sdk_error("GetAlias", &format!("{function}:{alias}"), e)),
    }
}

/// The function's published versions, oldest first (`$LATEST` left out); none when the
/// function does not exist.
pub async fn list_versions(clients: &Clients, name: &str) -> anyhow::Result<Vec<VersionState>> {
    let mut pages = clients
        .lambda
        .list_versions_by_function()
        .function_name(name)
        .into_paginator()
        .send();
    let mut versions = Vec::new();
    while let Some(page) = pages.next().await {
        let page = match page {
            Ok(page) => page,
            // No function (yet): no versions.
            Err(e)
                if e.as_service_error()
                    .is_some_and(|e| e.is_resource_not_found_exception()) =>
            {
                return Ok(Vec::new())
            }
            Err(e) => return Err(sdk_error("ListVersionsByFunction", name, e)),
        };
        for config in page.versions() {
            let Some(number) = config.version().and_then(|v| v.parse::<u64>().ok()) else {
                continue;
            };
            versions.push(VersionState {
                number,
                code_sha256: config.code_sha256().unwrap_or_default().to_string(),
                role: config.role().unwrap_or_default().to_string(),
                memory_mb: config.memory_size().unwrap_or_default(),
                timeout_s: config.timeout().unwrap_or_default(),
                architectures: config
                    .architectures()
                    .iter()
                    .map(|a| a.as_str().to_string())
                    .collect(),
                environment: config
                    .environment()
                    .and_then(|e| e.variables())
                    .map(|v| v.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                    .unwrap_or_default(),
                description: config.description().unwrap_or_default().to_string(),
                last_modified: config.last_modified().unwrap_or_default().to_string(),
            });
        }
    }
    versions.sort_by_key(|v| v.number);
    Ok(versions)
}

async fn get_function(clients: &Clients, name: &str) -> anyhow::Result<Option<FunctionState>> {
    let output = match clients
        .lambda
        .get_function()
        .function_name(name)
        .send()
        .await
    {
        Ok(output) => output,
        Err(e)
            if e.as_service_error()
                .is_some_and(|e| e.is_resource_not_found_exception()) =>
        {
            return Ok(None)
        }
        Err(e) => return Err(sdk_error("GetFunction", name, e)),
    };
    let config = output
        .configuration()
        .with_context(|| format!("GetFunction {name} returned no configuration"))?;
    let arn = config.function_arn().unwrap_or_default().to_string();
    // Variables Lambda cannot decrypt come back as an error instead: never plan over them.
    if let Some(error) = config.environment().and_then(|e| e.error()) {
        anyhow::bail!(
            "function {name}: Lambda cannot read its environment variables ({}: {}), so faqctl cannot update them without losing some; fix the function's KMS key or variables first",
            error.error_code().unwrap_or("unknown error"),
            error.message().unwrap_or_default()
        );
    }
    let environment = config
        .environment()
        .and_then(|e| e.variables())
        .map(|v| v.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default();
    let tagged = match (output.tags(), output.tags_error()) {
        // Lambda returns Tags only to a caller allowed lambda:ListTags; otherwise a TagsError.
        (_, Some(_)) => list_tags(clients, name, &arn).await?,
        (tags, None) => Some(tagged(tags)),
    };
    Ok(Some(FunctionState {
        arn,
        role: config.role().unwrap_or_default().to_string(),
        memory_mb: config.memory_size().unwrap_or_default(),
        timeout_s: config.timeout().unwrap_or_default(),
        runtime: config
            .runtime()
            .map(|r| r.as_str().to_string())
            .unwrap_or_default(),
        handler: config.handler().unwrap_or_default().to_string(),
        architectures: config
            .architectures()
            .iter()
            .map(|a| a.as_str().to_string())
            .collect(),
        code_sha256: config.code_sha256().unwrap_or_default().to_string(),
        last_modified: config.last_modified().unwrap_or_default().to_string(),
        environment,
        tagged,
        // Read beside GetFunction, in `observe`.
        versions: Vec::new(),
    }))
}

fn tagged(tags: Option<&std::collections::HashMap<String, String>>) -> bool {
    tags.and_then(|tags| tags.get(MANAGED_BY.0))
        .is_some_and(|value| value == MANAGED_BY.1)
}

/// The tags GetFunction withheld, from ListTags; `None` (unknown) when that is denied too.
async fn list_tags(clients: &Clients, name: &str, arn: &str) -> anyhow::Result<Option<bool>> {
    match clients.lambda.list_tags().resource(arn).send().await {
        Ok(output) => Ok(Some(tagged(output.tags()))),
        Err(e) if super::apply::has_code(&e, "AccessDeniedException") => Ok(None),
        Err(e) => Err(sdk_error("ListTags", name, e)),
    }
}

async fn describe_log_group(
    clients: &Clients,
    name: &str,
) -> anyhow::Result<Option<LogGroupState>> {
    let output = clients
        .logs
        .describe_log_groups()
        .log_group_name_prefix(name)
        .send()
        .await
        .map_err(|e| sdk_error("DescribeLogGroups", name, e))?;
    Ok(output
        .log_groups()
        .iter()
        .find(|group| group.log_group_name() == Some(name))
        .map(|group| LogGroupState {
            retention_days: group.retention_in_days(),
        }))
}

/// The REST APIs named `name` and tagged managed-by=faqctl, in the one order every command
/// uses to pick the API it works on (the first is kept, the rest are duplicates): oldest
/// first. createdDate has one-second resolution, so two racing deploys can tie; then the
/// creation time faqctl tagged each with (`faqctl-created`, ms) decides, an API without it
/// last, then the lower id. The order depends on nothing that changes, so every run, at any
/// moment, agrees on it.
pub async fn find_apis(clients: &Clients, name: &str) -> anyhow::Result<Vec<RestApi>> {
    let mut pages = clients
        .apigateway
        .get_rest_apis()
        .limit(500)
        .into_paginator()
        .send();
    let mut found = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| sdk_error("GetRestApis", name, e))?;
        found.extend(
            page.items()
                .iter()
                .filter(|api| {
                    api.name() == Some(name)
                        && api
                            .tags()
                            .and_then(|tags| tags.get(MANAGED_BY.0))
                            .is_some_and(|value| value == MANAGED_BY.1)
                })
                .cloned(),
        );
    }
    found.sort_by_cached_key(api_order);
    Ok(found)
}

/// The key of `find_apis`' order: createdDate (seconds), then faqctl's creation tag (ms; an
/// API without it after those with it), then the id.
fn api_order(api: &RestApi) -> (i64, i64, String) {
    let created = api.created_date().map(|d| d.secs()).unwrap_or(i64::MAX);
    let created_ms = api
        .tags()
        .and_then(|tags| tags.get(CREATED_TAG))
        .and_then(|value| value.parse::<i64>().ok())
        .unwrap_or(i64::MAX);
    (
        created,
        created_ms,
        api.id().unwrap_or_default().to_string(),
    )
}

fn api_state(api: &RestApi) -> ApiState {
    ApiState {
        id: RestApiId::from_aws(api.id().unwrap_or_default()),
        created: api.created_date().map(|d| d.secs()).unwrap_or_default(),
        root_resource_id: api.root_resource_id().map(str::to_string),
        method: None,
        model_schema: None,
        integration: None,
        preflight: None,
        stage: None,
        execution_log_group: None,
    }
}

async fn observe_api(clients: &Clients, api: RestApi, stage: &str) -> anyhow::Result<ApiState> {
    let mut state = api_state(&api);
    let id = state.id.clone();
    if state.root_resource_id.is_none() {
        state.root_resource_id = get_root_resource(clients, &id).await?;
    }
    // The root's method, integration and preflight beside the stage and its log group: one
    // round of reads.
    let root = state.root_resource_id.clone();
    let root_reads = async {
        match &root {
            Some(root) => tokio::try_join!(
                get_method(clients, &id, root),
                get_integration(clients, &id, root),
                get_preflight(clients, &id, root),
            ),
            None => Ok((None, None, None)),
        }
    };
    let group = execution_log_group(&id, stage);
    let ((method, integration, preflight), stage, group, model_schema) = tokio::try_join!(
        root_reads,
        get_stage(clients, &id, stage),
        describe_log_group(clients, &group),
        get_model(clients, &id),
    )?;
    state.method = method;
    state.model_schema = model_schema;
    state.integration = integration;
    state.preflight = preflight;
    state.stage = stage;
    state.execution_log_group = group;
    Ok(state)
}

/// The id of the resource `/` (older APIs and some emulators omit `rootResourceId`).
pub async fn get_root_resource(clients: &Clients, api_id: &str) -> anyhow::Result<Option<String>> {
    let output = clients
        .apigateway
        .get_resources()
        .rest_api_id(api_id)
        .limit(500)
        .send()
        .await
        .map_err(|e| sdk_error("GetResources", api_id, e))?;
    Ok(output
        .items()
        .iter()
        .find(|r| r.path() == Some("/"))
        .and_then(|r| r.id().map(str::to_string)))
}

async fn get_method(
    clients: &Clients,
    api_id: &str,
    resource_id: &str,
) -> anyhow::Result<Option<MethodState>> {
    match clients
        .apigateway
        .get_method()
        .rest_api_id(api_id)
        .resource_id(resource_id)
        .http_method("GET")
        .send()
        .await
    {
        Ok(method) => Ok(Some(MethodState {
            authorization: method.authorization_type().unwrap_or_default().to_string(),
            api_key_required: method.api_key_required().unwrap_or(false),
            response_models: method.method_responses().and_then(|responses| {
                let ok = responses.get("200")?;
                Some(
                    ok.response_models()
                        .into_iter()
                        .flatten()
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect(),
                )
            }),
        })),
        Err(e)
            if e.as_service_error()
                .is_some_and(|e| e.is_not_found_exception()) =>
        {
            Ok(None)
        }
        Err(e) => Err(sdk_error("GetMethod", &format!("GET / of {api_id}"), e)),
    }
}

/// The schema of the model `FaqEntry` (the FAQ's contract); `None` when there is no such model.
async fn get_model(clients: &Clients, api_id: &str) -> anyhow::Result<Option<String>> {
    match clients
        .apigateway
        .get_model()
        .rest_api_id(api_id)
        .model_name(MODEL_NAME)
        .send()
        .await
    {
        Ok(model) => Ok(Some(model.schema().unwrap_or_default().to_string())),
        Err(e)
            if e.as_service_error()
                .is_some_and(|e| e.is_not_found_exception()) =>
        {
            Ok(None)
        }
        Err(e) => Err(sdk_error(
            "GetModel",
            &format!("{MODEL_NAME} of {api_id}"),
            e,
        )),
    }
}

/// `OPTIONS /` with its integration and responses, in one GetMethod.
async fn get_preflight(
    clients: &Clients,
    api_id: &str,
    resource_id: &str,
) -> anyhow::Result<Option<Preflight>> {
    let method = match clients
        .apigateway
        .get_method()
        .rest_api_id(api_id)
        .resource_id(resource_id)
        .http_method("OPTIONS")
        .send()
        .await
    {
        Ok(method) => method,
        Err(e)
            if e.as_service_error()
                .is_some_and(|e| e.is_not_found_exception()) =>
        {
            return Ok(None)
        }
        Err(e) => return Err(sdk_error("GetMethod", &format!("OPTIONS / of {api_id}"), e)),
    };
    // API Gateway answers a template or parameter it keeps no value for as null.
    let strings = |map: Option<&HashMap<String, String>>| -> BTreeMap<String, String> {
        map.into_iter()
            .flatten()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    };
    let integration = method.method_integration();
    Ok(Some(Preflight {
        authorization: method.authorization_type().unwrap_or_default().to_string(),
        integration_type: integration
            .and_then(|i| i.r#type())
            .map(|t| t.as_str().to_string()),
        request_templates: strings(integration.and_then(|i| i.request_templates())),
        method_responses: method
            .method_responses()
            .into_iter()
            .flatten()
            .map(|(status, response)| {
                let parameters = response
                    .response_parameters()
                    .into_iter()
                    .flatten()
                    .map(|(k, v)| (k.clone(), *v))
                    .collect();
                (status.clone(), parameters)
            })
            .collect(),
        integration_responses: integration
            .and_then(|i| i.integration_responses())
            .into_iter()
            .flatten()
            .map(|(status, response)| {
                (
                    status.clone(),
                    IntegrationResponseState {
                        parameters: strings(response.response_parameters()),
                        templates: strings(response.response_templates()),
                    },
                )
            })
            .collect(),
    }))
}

async fn get_integration(
    clients: &Clients,
    api_id: &str,
    resource_id: &str,
) -> anyhow::Result<Option<IntegrationState>> {
    match clients
        .apigateway
        .get_integration()
        .rest_api_id(api_id)
        .resource_id(resource_id)
        .http_method("GET")
        .send()
        .await
    {
        Ok(integration) => Ok(Some(IntegrationState {
            kind: integration
                .r#type()
                .map(|t| t.as_str().to_string())
                .unwrap_or_default(),
            http_method: integration.http_method().unwrap_or_default().to_string(),
            uri: integration.uri().unwrap_or_default().to_string(),
        })),
        Err(e)
            if e.as_service_error()
                .is_some_and(|e| e.is_not_found_exception()) =>
        {
            Ok(None)
        }
        Err(e) => Err(sdk_error(
            "GetIntegration",
            &format!("GET / of {api_id}"),
            e,
        )),
    }
}

async fn get_stage(
    clients: &Clients,
    api_id: &str,
    stage: &str,
) -> anyhow::Result<Option<StageState>> {
    match clients
        .apigateway
        .get_stage()
        .rest_api_id(api_id)
        .stage_name(stage)
        .send()
        .await
    {
        Ok(output) => {
            let all = output
                .method_settings()
                .and_then(|settings| settings.get("*/*"));
            let access = output.access_log_settings();
            Ok(Some(StageState {
                deployment_id: output.deployment_id().map(str::to_string),
                logging_level: all.and_then(|m| m.logging_level()).map(str::to_string),
                data_trace: all.map(|m| m.data_trace_enabled()),
                throttle_rate_milli: all
                    .map(|m| (m.throttling_rate_limit() * 1000.0).round() as i64),
                throttle_burst: all.map(|m| i64::from(m.throttling_burst_limit())),
                access_log_destination: access
                    .and_then(|a| a.destination_arn())
                    .map(str::to_string),
                access_log_format: access.and_then(|a| a.format()).map(str::to_string),
                cache_cluster: output.cache_cluster_enabled().then(|| {
                    output
                        .cache_cluster_size()
                        .map(|s| s.as_str().to_string())
                        .unwrap_or_default()
                }),
                cache_ttl: all
                    .filter(|m| m.caching_enabled())
                    .map(|m| i64::from(m.cache_ttl_in_seconds())),
            }))
        }
        Err(e)
            if e.as_service_error()
                .is_some_and(|e| e.is_not_found_exception()) =>
        {
            Ok(None)
        }
        Err(e) => Err(sdk_error("GetStage", &format!("{stage} of {api_id}"), e)),
    }
}

/// Our statement in the policy of the function or, with `qualifier`, of that alias (none yet,
/// or no such alias: `None`).
async fn get_policy_statement(
    clients: &Clients,
    function: &str,
    qualifier: Option<&str>,
) -> anyhow::Result<Option<PermissionState>> {
    let policy = match clients
        .lambda
        .get_policy()
        .function_name(function)
        .set_qualifier(qualifier.map(str::to_string))
        .send()
        .await
    {
        Ok(output) => output.policy().unwrap_or_default().to_string(),
        Err(e)
            if e.as_service_error()
                .is_some_and(|e| e.is_resource_not_found_exception()) =>
        {
            return Ok(None)
        }
        Err(e) => return Err(sdk_error("GetPolicy", function, e)),
    };
    let policy: Value = serde_json::from_str(&policy)
        .with_context(|| format!("GetPolicy {function} returned a policy that is not JSON"))?;
    Ok(find_statement(&policy, STATEMENT_ID))
}

/// Our statement in a resource policy document, in the forms IAM writes it.
pub fn find_statement(policy: &Value, sid: &str) -> Option<PermissionState> {
    let statements = match &policy["Statement"] {
        Value::Array(list) => list.clone(),
        single @ Value::Object(_) => vec![single.clone()],
        _ => Vec::new(),
    };
    let statement = statements.into_iter().find(|s| s["Sid"] == sid)?;
    let principal = match &statement["Principal"] {
        Value::String(p) => Some(p.clone()),
        other => other["Service"].as_str().map(str::to_string),
    };
    let action = match &statement["Action"] {
        Value::String(a) => Some(a.clone()),
        Value::Array(list) if list.len() == 1 => list[0].as_str().map(str::to_string),
        _ => None,
    };
    let source_arn = statement["Condition"]["ArnLike"]["AWS:SourceArn"]
        .as_str()
        .map(str::to_string);
    Some(PermissionState {
        principal,
        action,
        source_arn,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_statement_is_read_from_a_lambda_policy() {
        let policy: Value = serde_json::from_str(r#"{"Version":"2012-10-17","Id":"default","Statement":[
            {"Sid":"other","Effect":"Allow","Principal":{"Service":"s3.amazonaws.com"},"Action":"lambda:InvokeFunction"},
            {"Sid":"faqctl-apigw-get","Effect":"Allow","Principal":{"Service":"apigateway.amazonaws.com"},
             "Action":"lambda:InvokeFunction","Resource":"arn:aws:lambda:us-east-1:123456789012:function:FAQ",
             "Condition":{"ArnLike":{"AWS:SourceArn":"arn:aws:execute-api:us-east-1:123456789012:abc/*/GET/"}}}]}"#).unwrap();
        assert_eq!(
            find_statement(&policy, "faqctl-apigw-get"),
            Some(PermissionState {
                principal: Some("apigateway.amazonaws.com".into()),
                action: Some("lambda:InvokeFunction".into()),
                source_arn: Some("arn:aws:execute-api:us-east-1:123456789012:abc/*/GET/".into()),
            })
        );
        assert_eq!(find_statement(&policy, "missing"), None);
    }
}
