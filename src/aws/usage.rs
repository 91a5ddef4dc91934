//! API keys and the usage plan they reach the stage through: read (`find_plan`), converged
//! (`apply` of the plan's usage-plan changes) and managed (`faqctl keys`: `create_key`,
//! `list_keys`, `revoke_key`). The plan is `{api}-{stage}`, tagged managed-by=faqctl; a key
//! faqctl makes is tagged with it too, so that `keys list` and `destroy` touch only faqctl's.

use std::collections::HashMap;

use anyhow::Context;
use aws_sdk_apigateway::types::{
    ApiStage, Op, PatchOperation, QuotaPeriodType, QuotaSettings, ThrottleSettings, UsagePlan,
};
use serde::Serialize;

use super::{retry_eventual, sdk_error, Clients};
use crate::plan::{Change, Desired, UsagePlanState};
use crate::settings::{Names, MANAGED_BY, USAGE_PLAN_TAG};

/// faqctl's usage plan for the stage, if it exists; with `with_keys`, the keys faqctl made
/// for it (GetUsagePlanKeys, then each key's tags).
pub async fn find_plan(
    clients: &Clients,
    names: &Names,
    with_keys: bool,
) -> anyhow::Result<Option<UsagePlanState>> {
    let Some(plan) = find_usage_plan(clients, &names.usage_plan()).await? else {
        return Ok(None);
    };
    let id = plan.id().unwrap_or_default().to_string();
    let keys = if with_keys {
        faqctl_keys(clients, &id, &names.usage_plan())
            .await?
            .into_iter()
            .map(|k| k.id)
            .collect()
    } else {
        Vec::new()
    };
    Ok(Some(UsagePlanState {
        id,
        stages: plan
            .api_stages()
            .iter()
            .map(|s| {
                (
                    s.api_id().unwrap_or_default().to_string(),
                    s.stage().unwrap_or_default().to_string(),
                )
            })
            .collect(),
        throttle: plan.throttle().map(|t| {
            (
                (t.rate_limit() * 1000.0).round() as i64,
                i64::from(t.burst_limit()),
            )
        }),
        quota: plan.quota().and_then(|q| {
            q.period()
                .map(|p| (i64::from(q.limit()), p.as_str().to_string()))
        }),
        keys,
    }))
}

/// The plan named `name` with faqctl's tag (GetUsagePlans, every page).
async fn find_usage_plan(clients: &Clients, name: &str) -> anyhow::Result<Option<UsagePlan>> {
    let mut position = None;
    loop {
        let page = clients
            .apigateway
            .get_usage_plans()
            .limit(500)
            .set_position(position)
            .send()
            .await
            .map_err(|e| sdk_error("GetUsagePlans", name, e))?;
        let found = page.items().iter().find(|p| {
            p.name() == Some(name)
                && p.tags()
                    .and_then(|t| t.get(MANAGED_BY.0))
                    .is_some_and(|v| v == MANAGED_BY.1)
        });
        if let Some(plan) = found {
            return Ok(Some(plan.clone()));
        }
        match page.position() {
            Some(next) if !next.is_empty() && page.items().len() == 500 => {
                position = Some(next.to_string())
            }
            _ => return Ok(None),
        }
    }
}

/// Performs one of the plan's usage-plan changes.
pub async fn apply(
    clients: &Clients,
    desired: &Desired,
    api_id: Option<&str>,
    change: &Change,
) -> anyhow::Result<()> {
    let gateway = &clients.apigateway;
    let stage = desired.names.stage.as_str();
    match change {
        Change::CreateUsagePlan { name } => {
            let api = api_id.context("internal: the REST API is not known at this step")?;
            let settings = desired.api_keys;
            gateway
                .create_usage_plan()
                .name(name)
                .description(format!(
                    "API keys of {} stage {stage} (faqctl keys)",
                    desired.names.api
                ))
                .api_stages(ApiStage::builder().api_id(api).stage(stage).build())
                .set_throttle(settings.throttle.map(|(rate, burst)| {
                    ThrottleSettings::builder()
                        .rate_limit(f64::from(rate))
                        .burst_limit(burst as i32)
                        .build()
                }))
                .set_quota(settings.quota.map(|quota| {
                    QuotaSettings::builder()
                        .limit(quota.limit as i32)
                        .period(QuotaPeriodType::from(quota.period.as_aws()))
                        .build()
                }))
                .tags(MANAGED_BY.0, MANAGED_BY.1)
                .send()
                .await
                .map_err(|e| sdk_error("CreateUsagePlan", name, e))?;
        }
        Change::UpdateUsagePlan { id, fields } => {
            let mut operations = Vec::new();
            let patch = |op: Op, path: &str, value: String| {
                PatchOperation::builder()
                    .op(op)
                    .path(path)
                    .value(value)
                    .build()
            };
            for field in fields {
                match *field {
                    "stage" => {
                        let api =
                            api_id.context("internal: the REST API is not known at this step")?;
                        operations.push(patch(Op::Add, "/apiStages", format!("{api}:{stage}")));
                    }
                    "throttle" => {
                        if let Some((rate, burst)) = desired.api_keys.throttle {
                            operations.push(patch(
                                Op::Replace,
                                "/throttle/rateLimit",
                                rate.to_string(),
                            ));
                            operations.push(patch(
                                Op::Replace,
                                "/throttle/burstLimit",
                                burst.to_string(),
                            ));
                        }
                    }
                    "quota" => {
                        if let Some(quota) = desired.api_keys.quota {
                            operations.push(patch(
                                Op::Replace,
                                "/quota/limit",
                                quota.limit.to_string(),
                            ));
                            operations.push(patch(
                                Op::Replace,
                                "/quota/period",
                                quota.period.as_aws().to_string(),
                            ));
                        }
                    }
                    _ => {}
                }
            }
            update_plan(clients, id, operations).await?;
        }
        Change::UnbindUsagePlan { id, stages } => {
            let operations = stages
                .iter()
                .map(|(api, stage)| {
                    PatchOperation::builder()
                        .op(Op::Remove)
                        .path("/apiStages")
                        .value(format!("{api}:{stage}"))
                        .build()
                })
                .collect();
            update_plan(clients, id, operations).await?;
        }
        Change::DeleteUsagePlan { id } => {
            match gateway.delete_usage_plan().usage_plan_id(id).send().await {
                Ok(_) => {}
                // Gone already (another destroy): what was wanted.
                Err(e) if has_code(&e, "NotFoundException") => {}
                Err(e) => return Err(sdk_error("DeleteUsagePlan", id, e)),
            }
        }
        Change::DeleteApiKey { id } => match gateway.delete_api_key().api_key(id).send().await {
            Ok(_) => {}
            Err(e) if has_code(&e, "NotFoundException") => {}
            Err(e) => return Err(sdk_error("DeleteApiKey", id, e)),
        },
        other => anyhow::bail!("internal: {} is not a usage plan change", other.operation()),
    }
    Ok(())
}

fn has_code<E: aws_smithy_types::error::metadata::ProvideErrorMetadata, R>(
    error: &aws_smithy_runtime_api::client::result::SdkError<E, R>,
    code: &str,
) -> bool {
    super::apply::has_code(error, code)
}

async fn update_plan(
    clients: &Clients,
    id: &str,
    operations: Vec<PatchOperation>,
) -> anyhow::Result<()> {
    retry_eventual(
        || {
            clients
                .apigateway
                .update_usage_plan()
                .usage_plan_id(id)
                .set_patch_operations(Some(operations.clone()))
                .send()
        },
        |e| has_code(e, "ConflictException") || has_code(e, "TooManyRequestsException"),
    )
    .await
    .map_err(|e| sdk_error("UpdateUsagePlan", id, e))?;
    Ok(())
}

/// A key as `faqctl keys` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct KeyInfo {
    pub name: String,
    pub id: String,
    pub enabled: bool,
    /// Only when just created: API Gateway shows it again to whoever may read the key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// Requests served today (UTC) and what the quota leaves of its period, from GetUsage.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub used_today: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remaining: Option<i64>,
}

/// The plan's keys that faqctl made (each key's tags name the plan).
async fn faqctl_keys(
    clients: &Clients,
    plan_id: &str,
    plan_name: &str,
) -> anyhow::Result<Vec<KeyInfo>> {
    let mut keys = Vec::new();
    let mut position = None;
    loop {
        let page = clients
            .apigateway
            .get_usage_plan_keys()
            .usage_plan_id(plan_id)
            .limit(500)
            .set_position(position)
            .send()
            .await
            .map_err(|e| sdk_error("GetUsagePlanKeys", plan_id, e))?;
        for key in page.items() {
            let id = key.id().unwrap_or_default();
            let detail = clients
                .apigateway
                .get_api_key()
                .api_key(id)
                .send()
                .await
                .map_err(|e| sdk_error("GetApiKey", id, e))?;
            let ours = detail.tags().is_some_and(|t| {
                t.get(MANAGED_BY.0).is_some_and(|v| v == MANAGED_BY.1)
                    && t.get(USAGE_PLAN_TAG).is_some_and(|v| v == plan_name)
            });
            if ours {
                keys.push(KeyInfo {
                    name: detail.name().unwrap_or_default().to_string(),
                    id: id.to_string(),
                    enabled: detail.enabled(),
                    value: None,
                    used_today: None,
                    remaining: None,
                });
            }
        }
        match page.position() {
            Some(next) if !next.is_empty() && page.items().len() == 500 => {
                position = Some(next.to_string())
            }
            _ => break,
        }
    }
    keys.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(keys)
}

/// The plan's id, or an error saying how to make it.
async fn plan_id(clients: &Clients, names: &Names) -> anyhow::Result<String> {
    match find_usage_plan(clients, &names.usage_plan()).await? {
        Some(plan) => Ok(plan.id().unwrap_or_default().to_string()),
        None => anyhow::bail!(
            "no usage plan {} managed by faqctl in {}: API keys reach the stage through it; run `faqctl deploy --api-key-required` first",
            names.usage_plan(),
            clients.region
        ),
    }
}

/// `faqctl keys create NAME`: an enabled key, in the stage's usage plan.
pub async fn create_key(clients: &Clients, names: &Names, name: &str) -> anyhow::Result<KeyInfo> {
    let plan = plan_id(clients, names).await?;
    if faqctl_keys(clients, &plan, &names.usage_plan())
        .await?
        .iter()
        .any(|k| k.name == name)
    {
        anyhow::bail!(
            "an API key named {name} exists already in usage plan {}: its value was shown once when it was made; `faqctl keys revoke {name}` and create it again for a new one",
            names.usage_plan()
        );
    }
    let key = clients
        .apigateway
        .create_api_key()
        .name(name)
        .enabled(true)
        .description(format!(
            "made by faqctl keys create for {}",
            names.usage_plan()
        ))
        .tags(MANAGED_BY.0, MANAGED_BY.1)
        .tags(USAGE_PLAN_TAG, names.usage_plan())
        .send()
        .await
        .map_err(|e| sdk_error("CreateApiKey", name, e))?;
    let id = key.id().unwrap_or_default().to_string();
    if let Err(e) = clients
        .apigateway
        .create_usage_plan_key()
        .usage_plan_id(&plan)
        .key_id(&id)
        .key_type("API_KEY")
        .send()
        .await
    {
        // A key in no plan opens nothing; take it back rather than leave it behind.
        let _ = clients
            .apigateway
            .delete_api_key()
            .api_key(&id)
            .send()
            .await;
        return Err(sdk_error("CreateUsagePlanKey", name, e));
    }
    Ok(KeyInfo {
        name: name.to_string(),
        id,
        enabled: key.enabled(),
        value: key.value().map(str::to_string),
        used_today: None,
        remaining: None,
    })
}

/// `faqctl keys list`: faqctl's keys of the plan with what each used today (GetUsage, UTC).
pub async fn list_keys(clients: &Clients, names: &Names) -> anyhow::Result<Vec<KeyInfo>> {
    let plan = plan_id(clients, names).await?;
    let mut keys = faqctl_keys(clients, &plan, &names.usage_plan()).await?;
    let today = today_utc();
    let usage = clients
        .apigateway
        .get_usage()
        .usage_plan_id(&plan)
        .start_date(&today)
        .end_date(&today)
        .send()
        .await
        .map_err(|e| sdk_error("GetUsage", &plan, e))?;
    let items: HashMap<String, Vec<Vec<i64>>> = usage.items().cloned().unwrap_or_default();
    for key in &mut keys {
        let day = items.get(&key.id).and_then(|days| days.last());
        key.used_today = Some(day.and_then(|d| d.first().copied()).unwrap_or(0));
        key.remaining = day.and_then(|d| d.get(1).copied());
    }
    Ok(keys)
}

/// `faqctl keys revoke NAME`: the key is deleted (and so leaves the plan).
pub async fn revoke_key(clients: &Clients, names: &Names, name: &str) -> anyhow::Result<KeyInfo> {
    let plan = plan_id(clients, names).await?;
    let keys = faqctl_keys(clients, &plan, &names.usage_plan()).await?;
    let Some(key) = keys.into_iter().find(|k| k.name == name) else {
        anyhow::bail!(
            "no API key named {name} in usage plan {}: `faqctl keys list` shows the keys faqctl made",
            names.usage_plan()
        );
    };
    clients
        .apigateway
        .delete_api_key()
        .api_key(&key.id)
        .send()
        .await
        .map_err(|e| sdk_error("DeleteApiKey", name, e))?;
    Ok(key)
}

/// Today in UTC, `yyyy-MM-dd`, as GetUsage takes dates.
fn today_utc() -> String {
    let now = std::time::SystemTime::now();
    humantime::format_rfc3339_seconds(now).to_string()[..10].to_string()
}
