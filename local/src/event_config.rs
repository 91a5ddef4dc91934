//! What Lambda does with a function's asynchronous (`Event`) invocations, per version or
//! alias: PutFunctionEventInvokeConfig (replaces), UpdateFunctionEventInvokeConfig (merges),
//! Get, Delete and List (recorded: test_lambda_eventinvokeconfig_lifecycle). `run_event` in
//! `lambda` holds an event to its retries and its age. Destinations are kept and answered, not
//! invoked.

// A refusal is the answer itself (a Response), as in the other Lambda modules.
#![allow(clippy::result_large_err)]

use axum::response::Response;

use super::clock::now_ms;
use super::function::{check_region, lambda_error, name_of, paged, version_not_found, ErrorCode};
use super::runtime::function_arn;
use super::shapes::lambda::{
    DeleteFunctionEventInvokeConfigRequest, DestinationConfig, FunctionEventInvokeConfig,
    GetFunctionEventInvokeConfigRequest, ListFunctionEventInvokeConfigsRequest,
    ListFunctionEventInvokeConfigsResponse, OnFailure, OnSuccess,
    PutFunctionEventInvokeConfigRequest, UpdateFunctionEventInvokeConfigRequest,
};
use super::shapes::Timestamp;
use super::state::{Db, EventConfig, Function};
use super::wire::{empty, json};
use super::Cloud;

/// Lambda's defaults for an event with no config: two retries, six hours.
const DEFAULT_RETRIES: i32 = 2;
const DEFAULT_MAX_AGE_SECONDS: i32 = 21_600;
/// `limits` for a function with no config.
pub const DEFAULT_LIMITS: (usize, std::time::Duration) = (
    DEFAULT_RETRIES as usize,
    std::time::Duration::from_secs(DEFAULT_MAX_AGE_SECONDS as u64),
);

/// The qualifier a request means: the `Qualifier` given, the one its ARN carries, or
/// `$LATEST`.
fn qualifier_meant(name: &str, qualifier: Option<&str>) -> String {
    qualifier
        .map(str::to_string)
        .or_else(|| super::function::qualifier_of(name))
        .unwrap_or_else(|| "$LATEST".to_string())
}

/// The function a request names and the qualifier it means, or Lambda's not-found answer: a
/// version or alias must exist.
fn target<'a>(
    db: &'a mut Db,
    region: &str,
    name: &str,
    qualifier: Option<&str>,
) -> Result<(&'a mut Function, String), Response> {
    check_region(region, name)?;
    let short = name_of(name);
    let qualifier = qualifier_meant(name, qualifier);
    let Some(function) = db.function_mut(region, short) else {
        return Err(version_not_found(&function_arn(region, short), &qualifier));
    };
    let exists = qualifier == "$LATEST"
        || function.aliases.contains_key(&qualifier)
        || qualifier
            .parse::<u64>()
            .is_ok_and(|n| function.versions.contains_key(&n));
    if !exists {
        return Err(version_not_found(&function.arn, &qualifier));
    }
    Ok((function, qualifier))
}

/// The config as Lambda answers it: destinations always present, empty when unset.
fn answered(
    function: &Function,
    qualifier: &str,
    config: &EventConfig,
) -> FunctionEventInvokeConfig {
    FunctionEventInvokeConfig {
        destination_config: Some(DestinationConfig {
            on_failure: Some(OnFailure {
                destination: config.on_failure.clone(),
            }),
            on_success: Some(OnSuccess {
                destination: config.on_success.clone(),
            }),
        }),
        function_arn: Some(format!("{}:{qualifier}", function.arn)),
        last_modified: Some(Timestamp::from_millis(config.last_modified_ms)),
        maximum_event_age_in_seconds: config.max_age_seconds,
        maximum_retry_attempts: config.retries,
    }
}

/// `changes` applied to what is kept (`replace`: Put, from nothing; else Update, merged).
fn store(
    cloud: &Cloud,
    region: &str,
    (name, qualifier): (&str, Option<&str>),
    replace: bool,
    changes: EventConfig,
) -> Response {
    let mut db = cloud.db();
    let (function, qualifier) = match target(&mut db, region, name, qualifier) {
        Ok(found) => found,
        Err(refusal) => return refusal,
    };
    let config = function.event_configs.entry(qualifier.clone()).or_default();
    if replace {
        *config = changes;
    } else {
        config.retries = changes.retries.or(config.retries);
        config.max_age_seconds = changes.max_age_seconds.or(config.max_age_seconds);
        config.on_success = changes.on_success.or(config.on_success.take());
        config.on_failure = changes.on_failure.or(config.on_failure.take());
    }
    config.last_modified_ms = now_ms();
    let kept = config.clone();
    let answer = answered(function, &qualifier, &kept);
    db.changed();
    json(200, &answer)
}

/// What a Put or an Update asks for.
fn asked(
    retries: Option<i32>,
    max_age_seconds: Option<i32>,
    destinations: Option<DestinationConfig>,
) -> EventConfig {
    let destinations = destinations.unwrap_or_default();
    EventConfig {
        retries,
        max_age_seconds,
        on_success: destinations.on_success.and_then(|d| d.destination),
        on_failure: destinations.on_failure.and_then(|d| d.destination),
        last_modified_ms: 0,
    }
}

/// PutFunctionEventInvokeConfig: the qualifier's settings replaced by those given.
pub fn put(cloud: &Cloud, region: &str, input: PutFunctionEventInvokeConfigRequest) -> Response {
    let changes = asked(
        input.maximum_retry_attempts,
        input.maximum_event_age_in_seconds,
        input.destination_config,
    );
    let name = (input.function_name.as_str(), input.qualifier.as_deref());
    store(cloud, region, name, true, changes)
}

/// UpdateFunctionEventInvokeConfig: those given merged into the qualifier's settings.
pub fn update(
    cloud: &Cloud,
    region: &str,
    input: UpdateFunctionEventInvokeConfigRequest,
) -> Response {
    let changes = asked(
        input.maximum_retry_attempts,
        input.maximum_event_age_in_seconds,
        input.destination_config,
    );
    let name = (input.function_name.as_str(), input.qualifier.as_deref());
    store(cloud, region, name, false, changes)
}

/// Lambda's answer for a version or alias that has no config, whether or not it (or its
/// function) exists (recorded: get_invokeconfig_postpublish, test_ops_on_nonexisting_version
/// and test_ops_on_nonexisting_fn [get_function_event_invoke_config]).
fn none_for(arn: &str, qualifier: &str) -> Response {
    lambda_error(
        ErrorCode::ResourceNotFoundException,
        &format!("The function {arn}:{qualifier} doesn't have an EventInvokeConfig"),
    )
}

/// GetFunctionEventInvokeConfig.
pub fn get(cloud: &Cloud, region: &str, input: GetFunctionEventInvokeConfigRequest) -> Response {
    let name = input.function_name.as_str();
    if let Err(refusal) = check_region(region, name) {
        return refusal;
    }
    let (short, qualifier) = (
        name_of(name),
        qualifier_meant(name, input.qualifier.as_deref()),
    );
    let db = cloud.db();
    let found = db
        .function(region, short)
        .and_then(|f| Some((f, f.event_configs.get(&qualifier)?)));
    match found {
        Some((function, config)) => json(200, &answered(function, &qualifier, config)),
        None => none_for(&function_arn(region, short), &qualifier),
    }
}

/// DeleteFunctionEventInvokeConfig: the qualifier's settings removed (404 when it has none).
pub fn delete(
    cloud: &Cloud,
    region: &str,
    input: DeleteFunctionEventInvokeConfigRequest,
) -> Response {
    let mut db = cloud.db();
    let name = input.function_name.as_str();
    let (function, qualifier) = match target(&mut db, region, name, input.qualifier.as_deref()) {
        Ok(found) => found,
        Err(refusal) => return refusal,
    };
    if function.event_configs.remove(&qualifier).is_none() {
        return none_for(&function.arn, &qualifier);
    }
    db.changed();
    empty(204)
}

/// ListFunctionEventInvokeConfigs: every qualifier's, paged by MaxItems and Marker.
pub fn list(cloud: &Cloud, region: &str, input: ListFunctionEventInvokeConfigsRequest) -> Response {
    let mut db = cloud.db();
    let name = input.function_name.as_str();
    let function = match target(&mut db, region, name, None) {
        Ok((function, _)) => function,
        Err(refusal) => return refusal,
    };
    let configs: Vec<FunctionEventInvokeConfig> = function
        .event_configs
        .iter()
        .map(|(qualifier, config)| answered(function, qualifier, config))
        .collect();
    // Lambda's model: MaxItems 1 to 50.
    paged(configs, input.marker, input.max_items, 50, |items, next| {
        ListFunctionEventInvokeConfigsResponse {
            function_event_invoke_configs: Some(items),
            next_marker: next,
        }
    })
}

/// How many times more a failed event runs, and for how long it may wait, for the version
/// `qualifier` of `function` (Lambda's defaults when it has no config).
pub fn limits(function: &Function, qualifier: &str) -> (usize, std::time::Duration) {
    let config = function.event_configs.get(qualifier);
    let retries = config
        .and_then(|c| c.retries)
        .unwrap_or(DEFAULT_RETRIES)
        .clamp(0, DEFAULT_RETRIES);
    let age = config
        .and_then(|c| c.max_age_seconds)
        .unwrap_or(DEFAULT_MAX_AGE_SECONDS)
        .max(0);
    (retries as usize, std::time::Duration::from_secs(age as u64))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn function_with(qualifier: &str, config: EventConfig) -> Function {
        let mut function: Function = serde_json::from_value(serde_json::json!({
            "name": "f", "arn": "arn:aws:lambda:us-east-1:000000000000:function:f",
            "region": "us-east-1", "runtime": "provided.al2023", "role": "r", "handler": "h",
            "description": "", "timeout": 3, "memory": 128, "architectures": ["x86_64"],
            "environment": null, "code_sha256": "", "code_size": 0, "revision": 1,
            "code_dir": "", "last_modified": "", "state": "Active", "state_reason": null,
            "last_update_status": "Successful", "tags": {}, "policy": []
        }))
        .unwrap();
        function.event_configs.insert(qualifier.to_string(), config);
        function
    }

    #[test]
    fn an_events_retries_and_age_follow_its_versions_config_or_lambdas_defaults() {
        let config = EventConfig {
            retries: Some(0),
            max_age_seconds: Some(60),
            ..EventConfig::default()
        };
        let function = function_with("1", config);
        assert_eq!(limits(&function, "1"), (0, Duration::from_secs(60)));
        assert_eq!(limits(&function, "$LATEST"), DEFAULT_LIMITS);
        assert_eq!(DEFAULT_LIMITS, (2, Duration::from_secs(6 * 3600)));
        let only_age = function_with(
            "$LATEST",
            EventConfig {
                max_age_seconds: Some(120),
                ..EventConfig::default()
            },
        );
        assert_eq!(limits(&only_age, "$LATEST"), (2, Duration::from_secs(120)));
    }
}
