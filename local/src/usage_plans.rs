//! API Gateway's API keys and usage plans: the control plane (`/apikeys…`, `/usageplans…`), and
//! what a stage request to a method that requires a key is held to (`admit`): a known, enabled
//! key, in a usage plan that binds the stage, within the plan's quota. The plan's throttle is a
//! token bucket the caller keeps (`Admitted::throttle`).
//!
//! Sources: API Gateway's service model (shapes, URIs), its developer guide ("Usage plans and
//! API keys for REST APIs", "Throttle requests to your REST APIs": a token bucket per key of a
//! plan; a quota per key and period, in UTC), and its REST API reference (the PATCH paths each
//! resource takes).

// An early answer is a whole HTTP response; boxing it buys nothing at this scale.
#![allow(clippy::result_large_err)]

use std::collections::BTreeMap;

use axum::response::Response;

use super::clock::now_secs;
use super::ids::random_id;
use super::shapes::apigateway as shape;
use super::shapes::apigateway::{
    CreateApiKeyRequest, CreateUsagePlanKeyRequest, CreateUsagePlanRequest, DeleteApiKeyRequest,
    DeleteUsagePlanKeyRequest, DeleteUsagePlanRequest, ErrorCode, GetApiKeyRequest,
    GetApiKeysRequest, GetUsagePlanKeyRequest, GetUsagePlanKeysRequest, GetUsagePlanRequest,
    GetUsagePlansRequest, GetUsageRequest, PatchOperation, UpdateApiKeyRequest,
    UpdateUsagePlanRequest,
};
use super::shapes::Timestamp;
use super::state::{ApiKey, Db, Quota, UsagePlan};
use super::wire::{apigateway_bad_request as bad_request, apigateway_not_found as not_found};
use super::wire::{empty, json};

/// The shortest and longest key values API Gateway takes (recorded:
/// test_create_api_key_with_invalid_value).
const MIN_KEY_VALUE: usize = 20;
const MAX_KEY_VALUE: usize = 128;
/// Seconds in a day: usage is kept per UTC day.
const DAY: i64 = 86_400;

fn error(code: ErrorCode, message: &str) -> Response {
    super::wire::apigateway_error(code, message)
}

fn conflict(message: &str) -> Response {
    error(ErrorCode::ConflictException, message)
}

fn no_key() -> Response {
    not_found("Invalid API Key identifier specified")
}

fn no_plan() -> Response {
    not_found("Invalid Usage Plan ID specified")
}

/// A page of a list operation: API Gateway's 25 by default, 500 at most; a limit out of that
/// range is not refused but taken as the default (recorded: GetApiKeys with `limit=-1`,
/// test_negative_get_usage_plan_api_keys).
fn page<T>(
    items: Vec<T>,
    limit: Option<i32>,
    position: Option<&str>,
) -> Result<(Vec<T>, Option<String>), Response> {
    super::paging::apigateway(items, limit, position, super::paging::Limit::Defaulted)
        .map_err(bad_request)
}

pub fn create_api_key(
    db: &mut Db,
    region: &str,
    input: CreateApiKeyRequest,
) -> Result<Response, Response> {
    // Recorded on AWS: test_create_api_key_with_invalid_value, ..._invalid_name,
    // test_update_api_key_invalid_description_length (an empty value is generated).
    let value = match input.value.filter(|v| !v.is_empty()) {
        Some(value) if value.len() < MIN_KEY_VALUE => {
            return Err(bad_request(&format!(
                "API Key value should be at least {MIN_KEY_VALUE} characters"
            )))
        }
        Some(value) if value.len() > MAX_KEY_VALUE => {
            return Err(bad_request(&format!(
                "API Key value exceeds maximum size of {MAX_KEY_VALUE} characters"
            )))
        }
        Some(value) => value,
        None => random_alnum(40),
    };
    let name = input.name.unwrap_or_default();
    if name.chars().count() > 1024 {
        return Err(bad_request(
            "Invalid API Key name, can be at most 1024 characters.",
        ));
    }
    check_description(input.description.as_deref())?;
    if db.api_keys(region).any(|k| k.value == value) {
        return Err(conflict("API Key already exists"));
    }
    let now = now_secs();
    let key = ApiKey {
        id: random_id(10),
        region: region.to_string(),
        name,
        value,
        description: input.description,
        customer_id: input.customer_id,
        // API Gateway's default: a key is disabled unless created enabled.
        enabled: input.enabled.unwrap_or(false),
        created: now,
        last_updated: now,
        tags: input.tags.unwrap_or_default(),
        seq: next_seq(),
    };
    let mut answer = key_json(&key, true);
    answer.tags = (!key.tags.is_empty()).then(|| key.tags.clone());
    let response = json(201, &answer);
    db.insert_api_key(key);
    Ok(response)
}

pub fn get_api_key(
    db: &mut Db,
    region: &str,
    input: GetApiKeyRequest,
) -> Result<Response, Response> {
    let key = db.api_key(region, &input.api_key).ok_or_else(no_key)?;
    // A key read alone has its tags, `{}` when none, as UpdateApiKey answers it.
    let mut answer = key_json(key, input.include_value.unwrap_or(false));
    answer.tags = Some(key.tags.clone());
    Ok(json(200, &answer))
}

pub fn get_api_keys(
    db: &mut Db,
    region: &str,
    input: GetApiKeysRequest,
) -> Result<Response, Response> {
    let include = input.include_values.unwrap_or(false);
    let mut keys: Vec<&ApiKey> = db
        .api_keys(region)
        .filter(|k| {
            input
                .name_query
                .as_deref()
                .is_none_or(|q| k.name.starts_with(q))
        })
        .filter(|k| {
            input
                .customer_id
                .as_deref()
                .is_none_or(|c| k.customer_id.as_deref() == Some(c))
        })
        .collect();
    // Newest first, as recorded (test_get_api_keys); a list item has no tags.
    keys.sort_by_key(|k| std::cmp::Reverse((k.created, k.seq)));
    let items: Vec<shape::ApiKey> = keys.into_iter().map(|k| key_json(k, include)).collect();
    let (items, position) = page(items, input.limit, input.position.as_deref())?;
    Ok(json(
        200,
        &shape::ApiKeys {
            items: Some(items),
            position,
            warnings: None,
        },
    ))
}

pub fn update_api_key(
    db: &mut Db,
    region: &str,
    input: UpdateApiKeyRequest,
) -> Result<Response, Response> {
    let live = db.api_key_mut(region, &input.api_key).ok_or_else(no_key)?;
    let mut key = live.clone();
    for operation in input.patch_operations.unwrap_or_default() {
        let (op, path, value) = patch_parts(&operation);
        match (op, path, value) {
            ("replace", "/name", value) => key.name = value.unwrap_or_default().to_string(),
            ("replace", "/description", value) => {
                check_description(value)?;
                key.description = value.map(str::to_string)
            }
            ("replace", "/customerId", value) => key.customer_id = value.map(str::to_string),
            // Anything but "true" disables (recorded: test_update_api_key_invalid_enabled_type).
            ("replace", "/enabled", value) => key.enabled = value == Some("true"),
            _ => {
                return Err(bad_request(&format!(
                    "Invalid patch path  '{path}' specified for op '{op}'. Must be one of: [/description, /enabled, /name, /customerId]"
                )))
            }
        }
    }
    key.last_updated = now_secs();
    // No value, and tags even when there are none (recorded:
    // test_negative_get_usage_plan_api_keys).
    let mut answer = key_json(&key, false);
    answer.tags = Some(key.tags.clone());
    let response = json(200, &answer);
    *live = key;
    Ok(response)
}

pub fn delete_api_key(
    db: &mut Db,
    region: &str,
    input: DeleteApiKeyRequest,
) -> Result<Response, Response> {
    db.remove_api_key(region, &input.api_key)
        .ok_or_else(no_key)?;
    Ok(empty(202))
}

pub fn create_usage_plan(
    db: &mut Db,
    region: &str,
    input: CreateUsagePlanRequest,
) -> Result<Response, Response> {
    let mut api_stages = Vec::new();
    for stage in input.api_stages.unwrap_or_default() {
        api_stages.push(check_api_stage(db, region, &stage)?);
    }
    let plan = UsagePlan {
        id: random_id(6),
        region: region.to_string(),
        name: input.name,
        description: input.description,
        api_stages,
        throttle: input
            .throttle
            .map(|t| (t.rate_limit, t.burst_limit.map(i64::from))),
        quota: input.quota.map(quota_of).transpose()?,
        tags: input.tags.unwrap_or_default(),
        keys: Vec::new(),
        usage: BTreeMap::new(),
    };
    let mut answer = plan_json(&plan);
    answer.tags = (!plan.tags.is_empty()).then(|| plan.tags.clone());
    let response = json(201, &answer);
    db.insert_usage_plan(plan);
    Ok(response)
}

pub fn get_usage_plan(
    db: &mut Db,
    region: &str,
    input: GetUsagePlanRequest,
) -> Result<Response, Response> {
    let plan = db
        .usage_plan(region, &input.usage_plan_id)
        .ok_or_else(no_plan)?;
    // A plan read alone has its tags, `{}` when none (recorded: test_usage_plan_crud).
    let mut answer = plan_json(plan);
    answer.tags = Some(plan.tags.clone());
    Ok(json(200, &answer))
}

pub fn get_usage_plans(
    db: &mut Db,
    region: &str,
    input: GetUsagePlansRequest,
) -> Result<Response, Response> {
    let items: Vec<shape::UsagePlan> = db
        .usage_plans(region)
        .filter(|p| {
            input
                .key_id
                .as_deref()
                .is_none_or(|k| p.keys.iter().any(|id| id == k))
        })
        .map(|plan| {
            let mut answer = plan_json(plan);
            answer.tags = (!plan.tags.is_empty()).then(|| plan.tags.clone());
            answer
        })
        .collect();
    let (items, position) = page(items, input.limit, input.position.as_deref())?;
    Ok(json(
        200,
        &shape::UsagePlans {
            items: Some(items),
            position,
        },
    ))
}

pub fn update_usage_plan(
    db: &mut Db,
    region: &str,
    input: UpdateUsagePlanRequest,
) -> Result<Response, Response> {
    let mut plan = db
        .usage_plan(region, &input.usage_plan_id)
        .ok_or_else(no_plan)?
        .clone();
    for operation in input.patch_operations.unwrap_or_default() {
        let (op, path, value) = patch_parts(&operation);
        let number = |value: Option<&str>| -> Result<f64, Response> {
            value
                .and_then(|v| v.parse::<f64>().ok())
                .ok_or_else(|| bad_request(&format!("Invalid value specified for {path}")))
        };
        match (op, path) {
            ("replace", "/name") => {
                plan.name = value.ok_or_else(|| invalid_patch(&operation))?.to_string()
            }
            ("replace", "/description") => plan.description = value.map(str::to_string),
            ("replace", "/throttle/rateLimit") => {
                let (_, burst) = plan.throttle.unwrap_or_default();
                plan.throttle = Some((Some(number(value)?), burst));
            }
            ("replace", "/throttle/burstLimit") => {
                let (rate, _) = plan.throttle.unwrap_or_default();
                plan.throttle = Some((rate, Some(number(value)? as i64)));
            }
            ("remove", "/throttle") => plan.throttle = None,
            ("replace", "/quota/limit") => {
                quota_mut(&mut plan)?.limit = number(value)? as i64;
            }
            ("replace", "/quota/offset") => {
                quota_mut(&mut plan)?.offset = number(value)? as i64;
            }
            ("replace", "/quota/period") => {
                let period = value.unwrap_or_default();
                if !matches!(period, "DAY" | "WEEK" | "MONTH") {
                    return Err(bad_request(&format!("Invalid quota period specified: {period}")));
                }
                quota_mut(&mut plan)?.period = period.to_string();
            }
            ("remove", "/quota") => plan.quota = None,
            ("add", "/apiStages") => {
                let (api_id, stage) = value
                    .and_then(|v| v.split_once(':'))
                    .ok_or_else(|| bad_request("Invalid API Stage specified"))?;
                if !db
                    .api(region, api_id)
                    .is_some_and(|api| api.stages.contains_key(stage))
                {
                    return Err(not_found(&format!(
                        "API Stage not found: {api_id}:{stage}"
                    )));
                }
                let stage = (api_id.to_string(), stage.to_string());
                if !plan.api_stages.contains(&stage) {
                    plan.api_stages.push(stage);
                }
            }
            ("remove", "/apiStages") => {
                let (api_id, stage) = value
                    .and_then(|v| v.split_once(':'))
                    .ok_or_else(|| bad_request("Invalid API Stage specified"))?;
                let before = plan.api_stages.len();
                plan.api_stages.retain(|(a, s)| !(a == api_id && s == stage));
                if plan.api_stages.len() == before {
                    return Err(not_found(&format!(
                        "Invalid API Stage {{api: {api_id}, stage: {stage}}} specified for usageplan {}",
                        plan.id
                    )));
                }
            }
            _ => {
                return Err(bad_request(&format!(
                    "Invalid patch path  '{path}' specified for op '{op}'. Must be one of: [/apiStages, /quota, /throttle, /productCode, /apiStages/<apidId:stageName>/throttle/<resourcePath>/<httpMethod>, /apiStages/<apidId:stageName>/throttle]"
                )))
            }
        }
    }
    let mut answer = plan_json(&plan);
    answer.tags = Some(plan.tags.clone());
    let response = json(200, &answer);
    db.insert_usage_plan(plan);
    Ok(response)
}

pub fn delete_usage_plan(
    db: &mut Db,
    region: &str,
    input: DeleteUsagePlanRequest,
) -> Result<Response, Response> {
    db.remove_usage_plan(region, &input.usage_plan_id)
        .ok_or_else(no_plan)?;
    Ok(empty(202))
}

pub fn create_usage_plan_key(
    db: &mut Db,
    region: &str,
    input: CreateUsagePlanKeyRequest,
) -> Result<Response, Response> {
    if input.key_type != "API_KEY" {
        return Err(bad_request(&format!(
            "Invalid key type specified: {}",
            input.key_type
        )));
    }
    let plan = db
        .usage_plan(region, &input.usage_plan_id)
        .ok_or_else(no_plan)?;
    let key = db.api_key(region, &input.key_id).ok_or_else(no_key)?;
    if plan.keys.contains(&key.id) {
        return Err(conflict(&format!(
            "Usage Plan {} cannot be added because API Key {} cannot reference duplicate API Stages",
            plan.id, key.id
        )));
    }
    // A key reaches a stage through one plan only.
    if let Some(other) = db.usage_plans(region).find(|other| {
        other.keys.contains(&key.id) && other.api_stages.iter().any(|s| plan.api_stages.contains(s))
    }) {
        return Err(conflict(&format!(
            "Usage Plan {} cannot be added because API Key {} cannot reference duplicate API Stages (in Usage Plan {})",
            plan.id, key.id, other.id
        )));
    }
    let answer = plan_key_json(key);
    let key_id = key.id.clone();
    if let Some(plan) = db.usage_plan_mut(region, &input.usage_plan_id) {
        plan.keys.push(key_id);
    }
    Ok(json(201, &answer))
}

pub fn get_usage_plan_key(
    db: &mut Db,
    region: &str,
    input: GetUsagePlanKeyRequest,
) -> Result<Response, Response> {
    let plan = db
        .usage_plan(region, &input.usage_plan_id)
        .ok_or_else(no_plan)?;
    if !plan.keys.contains(&input.key_id) {
        return Err(not_found("Invalid Usage Plan Key identifier specified"));
    }
    let key = db.api_key(region, &input.key_id).ok_or_else(no_key)?;
    Ok(json(200, &plan_key_json(key)))
}

pub fn get_usage_plan_keys(
    db: &mut Db,
    region: &str,
    input: GetUsagePlanKeysRequest,
) -> Result<Response, Response> {
    // An unknown plan has no keys, not a 404 (recorded: test_get_usage_plan_api_keys); newest
    // first.
    let ids = db
        .usage_plan(region, &input.usage_plan_id)
        .map(|plan| plan.keys.clone())
        .unwrap_or_default();
    let mut keys: Vec<&ApiKey> = ids
        .iter()
        .filter_map(|id| db.api_key(region, id))
        .filter(|k| {
            input
                .name_query
                .as_deref()
                .is_none_or(|q| k.name.starts_with(q))
        })
        .collect();
    keys.sort_by_key(|k| std::cmp::Reverse((k.created, k.seq)));
    let items: Vec<shape::UsagePlanKey> = keys.into_iter().map(plan_key_json).collect();
    let (items, position) = page(items, input.limit, input.position.as_deref())?;
    Ok(json(
        200,
        &shape::UsagePlanKeys {
            items: Some(items),
            position,
        },
    ))
}

pub fn delete_usage_plan_key(
    db: &mut Db,
    region: &str,
    input: DeleteUsagePlanKeyRequest,
) -> Result<Response, Response> {
    let plan = db
        .usage_plan_mut(region, &input.usage_plan_id)
        .ok_or_else(no_plan)?;
    let before = plan.keys.len();
    plan.keys.retain(|k| *k != input.key_id);
    if plan.keys.len() == before {
        return Err(not_found("Invalid Usage Plan Key identifier specified"));
    }
    Ok(empty(202))
}

/// GetUsage: per key of the plan, per UTC day from `startDate` to `endDate` (`yyyy-MM-dd`,
/// both included), `[used, remaining]`: requests served that day, and what the quota leaves
/// for the rest of its period after that day.
pub fn get_usage(db: &mut Db, region: &str, input: GetUsageRequest) -> Result<Response, Response> {
    let plan = db
        .usage_plan(region, &input.usage_plan_id)
        .ok_or_else(no_plan)?;
    let start = day_of(&input.start_date)
        .ok_or_else(|| bad_request("Invalid start date specified: the format is yyyy-MM-dd"))?;
    let end = day_of(&input.end_date)
        .ok_or_else(|| bad_request("Invalid end date specified: the format is yyyy-MM-dd"))?;
    if end < start {
        return Err(bad_request("The usage end date is before the start date"));
    }
    if end - start > 90 {
        return Err(bad_request("The usage data interval cannot exceed 90 days"));
    }
    let mut items = BTreeMap::new();
    for key in plan
        .keys
        .iter()
        .filter(|k| input.key_id.as_deref().is_none_or(|id| id == *k))
    {
        let days = (start..=end)
            .map(|day| {
                let used = plan
                    .usage
                    .get(key)
                    .and_then(|u| u.get(&day))
                    .copied()
                    .unwrap_or(0);
                let remaining = plan.quota.as_ref().map_or(0, |quota| {
                    (allowance(quota, day) - spent(plan, key, quota, day)).max(0)
                });
                vec![used as i64, remaining]
            })
            .collect();
        items.insert(key.clone(), days);
    }
    Ok(json(
        200,
        &shape::Usage {
            usage_plan_id: Some(plan.id.clone()),
            start_date: Some(input.start_date),
            end_date: Some(input.end_date),
            items: Some(items),
            position: None,
        },
    ))
}

/// Why a request with (or without) a key is refused before its integration runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// No key, an unknown or disabled one, or one in no plan that binds the stage: 403.
    Forbidden,
    /// The plan's quota for the key's period is used up: 429 "Limit Exceeded".
    QuotaExceeded,
}

/// A request admitted by its key: the plan and key it counts against, and the plan's throttle
/// (requests per second, burst) for the caller's token bucket.
#[derive(Debug, Clone, PartialEq)]
pub struct Admitted {
    pub plan: String,
    pub key: String,
    pub throttle: Option<(f64, i64)>,
}

/// Finds the key (`x-api-key`'s value) and the plan that serves it on this stage, and checks
/// the plan's quota; does not count the request (`count` does, once it passed the throttle).
pub fn admit(
    db: &Db,
    region: &str,
    api_id: &str,
    stage: &str,
    value: Option<&str>,
    now_secs: i64,
) -> Result<Admitted, Refusal> {
    let value = value.ok_or(Refusal::Forbidden)?;
    let key = db
        .api_keys(region)
        .find(|k| k.value == value && k.enabled)
        .ok_or(Refusal::Forbidden)?;
    let plan = db
        .usage_plans(region)
        .find(|p| {
            p.keys.contains(&key.id) && p.api_stages.iter().any(|(a, s)| a == api_id && s == stage)
        })
        .ok_or(Refusal::Forbidden)?;
    if let Some(quota) = &plan.quota {
        let today = now_secs.div_euclid(DAY);
        if spent(plan, &key.id, quota, today) >= allowance(quota, today) {
            return Err(Refusal::QuotaExceeded);
        }
    }
    let throttle = match plan.throttle {
        Some((Some(rate), burst)) => Some((rate, burst.unwrap_or(rate.ceil() as i64))),
        _ => None,
    };
    Ok(Admitted {
        plan: plan.id.clone(),
        key: key.id.clone(),
        throttle,
    })
}

/// Counts one served request against the key in its plan (UTC day).
pub fn count(db: &mut Db, region: &str, admitted: &Admitted, now_secs: i64) {
    if let Some(plan) = db.usage_plan_mut(region, &admitted.plan) {
        *plan
            .usage
            .entry(admitted.key.clone())
            .or_default()
            .entry(now_secs.div_euclid(DAY))
            .or_default() += 1;
    }
}

/// The requests a quota allows in the period holding `day`: its limit, less its offset in the
/// first period ("the number of requests subtracted from the given limit in the initial time
/// period", the model's words).
fn allowance(quota: &Quota, day: i64) -> i64 {
    let (from, to) = period(quota, day);
    if (from..=to).contains(&quota.since) {
        quota.limit - quota.offset
    } else {
        quota.limit
    }
}

/// The requests a key was served in the period holding `day`, up to that day.
fn spent(plan: &UsagePlan, key: &str, quota: &Quota, day: i64) -> i64 {
    let (from, _) = period(quota, day);
    plan.usage
        .get(key)
        .map(|u| u.range(from..=day).map(|(_, n)| *n as i64).sum())
        .unwrap_or(0)
}

/// The quota period holding `day` (days since the epoch, UTC): its first and last day. A week
/// starts on Monday; a month is the calendar month.
fn period(quota: &Quota, day: i64) -> (i64, i64) {
    match quota.period.as_str() {
        "WEEK" => {
            // 1970-01-01 was a Thursday: day 4 of a week that starts on Monday (0-based: 3).
            let start = day - (day + 3).rem_euclid(7);
            (start, start + 6)
        }
        "MONTH" => {
            let (y, m, _) = civil(day);
            let start = days_from_civil(y, m, 1);
            let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
            (start, days_from_civil(ny, nm, 1) - 1)
        }
        _ => (day, day),
    }
}

/// `yyyy-MM-dd` → days since the epoch.
fn day_of(text: &str) -> Option<i64> {
    let mut parts = text.split('-');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return None;
    }
    let (y, m, d): (i64, u32, u32) = (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
    if !(1..=12).contains(&m) || d == 0 || d > 31 {
        return None;
    }
    let day = days_from_civil(y, m, d);
    (civil(day) == (y, m, d)).then_some(day)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day since the epoch (H. Hinnant's `civil_from_days`).
fn civil(day: i64) -> (i64, u32, u32) {
    let z = day + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// A number greater than any given before, in this process and the ones before it (the
/// clock's microseconds unless two keys come within one).
fn next_seq() -> u64 {
    static LAST: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let now = super::clock::now_ms().max(0) as u64 * 1000;
    let mut last = LAST.load(std::sync::atomic::Ordering::Relaxed);
    loop {
        let next = now.max(last + 1);
        match LAST.compare_exchange(
            last,
            next,
            std::sync::atomic::Ordering::Relaxed,
            std::sync::atomic::Ordering::Relaxed,
        ) {
            Ok(_) => return next,
            Err(seen) => last = seen,
        }
    }
}

fn random_alnum(len: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = fastrand::Rng::new();
    (0..len)
        .map(|_| ALPHABET[rng.usize(..ALPHABET.len())] as char)
        .collect()
}

fn patch_parts(operation: &PatchOperation) -> (&'static str, &str, Option<&str>) {
    (
        operation.op.map_or("", shape::Op::as_str),
        operation.path.as_deref().unwrap_or(""),
        operation.value.as_deref(),
    )
}

fn invalid_patch(operation: &PatchOperation) -> Response {
    bad_request(&format!(
        "Invalid patch path  '{}' specified for op '{}'",
        operation.path.as_deref().unwrap_or("null"),
        operation.op.map_or("null", shape::Op::as_str),
    ))
}

fn check_description(description: Option<&str>) -> Result<(), Response> {
    if description.is_some_and(|d| d.chars().count() > 125_000) {
        return Err(bad_request("Invalid API Key description specified."));
    }
    Ok(())
}

fn quota_mut(plan: &mut UsagePlan) -> Result<&mut Quota, Response> {
    Ok(plan.quota.get_or_insert_with(|| Quota {
        limit: 0,
        period: "DAY".into(),
        offset: 0,
        since: now_secs().div_euclid(DAY),
    }))
}

fn quota_of(quota: shape::QuotaSettings) -> Result<Quota, Response> {
    let period = quota.period.map(|p| p.as_str().to_string());
    let (Some(limit), Some(period)) = (quota.limit, period) else {
        return Err(bad_request("Quota must have both limit and period"));
    };
    if limit < 0 {
        return Err(bad_request("Quota limit must be positive"));
    }
    Ok(Quota {
        limit: i64::from(limit),
        period,
        offset: i64::from(quota.offset.unwrap_or(0)),
        since: now_secs().div_euclid(DAY),
    })
}

/// An API stage a plan may bind: one that exists in this region.
fn check_api_stage(
    db: &Db,
    region: &str,
    stage: &shape::ApiStage,
) -> Result<(String, String), Response> {
    let (Some(api_id), Some(name)) = (stage.api_id.as_deref(), stage.stage.as_deref()) else {
        return Err(bad_request("Invalid API Stage specified"));
    };
    let exists = db
        .api(region, api_id)
        .is_some_and(|api| api.stages.contains_key(name));
    if !exists {
        // AWS's own words, its format string unfilled (seen by aws-sdk#354 and aws-cdk#6169).
        return Err(bad_request(
            "Invalid API Stage {api: %s, stage: %s} specified for usageplan %s",
        ));
    }
    Ok((api_id.to_string(), name.to_string()))
}

fn key_json(key: &ApiKey, include_value: bool) -> shape::ApiKey {
    shape::ApiKey {
        id: Some(key.id.clone()),
        name: (!key.name.is_empty()).then(|| key.name.clone()),
        value: include_value.then(|| key.value.clone()),
        description: key.description.clone(),
        customer_id: key.customer_id.clone(),
        enabled: Some(key.enabled),
        created_date: Some(Timestamp(key.created as f64)),
        last_updated_date: Some(Timestamp(key.last_updated as f64)),
        stage_keys: Some(Vec::new()),
        tags: None,
    }
}

fn plan_key_json(key: &ApiKey) -> shape::UsagePlanKey {
    shape::UsagePlanKey {
        id: Some(key.id.clone()),
        name: (!key.name.is_empty()).then(|| key.name.clone()),
        r#type: Some("API_KEY".into()),
        value: Some(key.value.clone()),
    }
}

fn plan_json(plan: &UsagePlan) -> shape::UsagePlan {
    shape::UsagePlan {
        id: Some(plan.id.clone()),
        name: Some(plan.name.clone()),
        description: plan.description.clone(),
        api_stages: Some(
            plan.api_stages
                .iter()
                .map(|(api_id, stage)| shape::ApiStage {
                    api_id: Some(api_id.clone()),
                    stage: Some(stage.clone()),
                    throttle: None,
                })
                .collect(),
        ),
        throttle: plan.throttle.map(|(rate, burst)| shape::ThrottleSettings {
            rate_limit: rate,
            burst_limit: burst.map(|b| b as i32),
        }),
        quota: plan.quota.as_ref().map(|q| shape::QuotaSettings {
            limit: Some(q.limit as i32),
            offset: Some(q.offset as i32),
            period: serde_json::from_value(serde_json::Value::String(q.period.clone())).ok(),
        }),
        product_code: None,
        tags: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_periods_are_utc_calendar_days() {
        assert_eq!(day_of("1970-01-01"), Some(0));
        assert_eq!(day_of("2026-12-04"), Some(20_791));
        assert_eq!(civil(20_791), (2026, 12, 4));
        assert_eq!(day_of("2026-02-30"), None);
        assert_eq!(day_of("2026-1-04"), None);
        let quota = |period: &str| Quota {
            limit: 1,
            period: period.into(),
            offset: 0,
            since: 0,
        };
        // 2026-12-04 is a Friday: its week runs from Monday 11-30 to Sunday 12-06.
        assert_eq!(
            period(&quota("WEEK"), 20_791),
            (day_of("2026-11-30").unwrap(), day_of("2026-12-06").unwrap())
        );
        assert_eq!(
            period(&quota("MONTH"), 20_791),
            (day_of("2026-12-01").unwrap(), day_of("2026-12-31").unwrap())
        );
        assert_eq!(period(&quota("DAY"), 20_791), (20_791, 20_791));
    }
}
