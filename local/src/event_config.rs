//! What Lambda does with a function's asynchronous (`Event`) invocations, per version or
//! alias: PutFunctionEventInvokeConfig (replaces), UpdateFunctionEventInvokeConfig (merges),
//! Get, Delete and List (recorded: test_lambda_eventinvokeconfig_lifecycle and
//! test_lambda_eventinvokeconfig_exceptions). `run_event` in `lambda` holds an event to its
//! retries and its age. Destinations are judged (a function must exist, and not be the function
//! itself), kept and answered, not invoked.

// A refusal is the answer itself (a Response), as in the other Lambda modules.
#![allow(clippy::result_large_err)]

use axum::response::Response;

use super::clock::now_ms;
use super::function::{check_region, lambda_error, name_of, paged, ErrorCode};
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

/// The qualifier a request means: the `Qualifier` given, the one its name or ARN carries, or
/// `$LATEST`; both, when they differ, are refused (recorded: test_lambda_eventinvokeconfig_exceptions,
/// put_alias_qualifiedarn_qualifierconflict and put_shorthand_qualifier_mismatch_*).
fn qualifier_meant(name: &str, qualifier: Option<&str>) -> Result<String, Response> {
    Ok(super::function::qualifier(name, qualifier)?.unwrap_or_else(|| "$LATEST".to_string()))
}

/// What Put, Update and List answer for a function, or a version or alias of it, that does
/// not exist (recorded: test_lambda_eventinvokeconfig_exceptions, put_functionname_name_notfound,
/// put_alias_doesnotexist, list_function_doesnotexist).
fn no_function() -> Response {
    lambda_error(
        ErrorCode::ResourceNotFoundException,
        "The function doesn't exist.",
    )
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
    let qualifier = qualifier_meant(name, qualifier)?;
    let Some(function) = db.function_mut(region, short) else {
        return Err(no_function());
    };
    let exists = qualifier == "$LATEST"
        || function.aliases.contains_key(&qualifier)
        || qualifier
            .parse::<u64>()
            .is_ok_and(|n| function.versions.contains_key(&n));
    if !exists {
        return Err(no_function());
    }
    Ok((function, qualifier))
}

/// The services Lambda sends an asynchronous invocation's record to: another function, an SQS
/// queue, an SNS topic, an EventBridge bus, or (on failure) an S3 bucket.
const DESTINATION_SERVICES: &[&str] = &["lambda", "sqs", "sns", "events", "s3"];

/// The destinations of a Put or an Update, judged as Lambda judges them for `function` (in
/// `region`), in its words (recorded: test_lambda_eventinvokeconfig_exceptions): a service
/// that takes no records refuses the whole config, named as Lambda's Java model prints it; a
/// function must exist and not be the function itself.
fn check_destinations(
    db: &Db,
    function: &str,
    destinations: Option<&DestinationConfig>,
) -> Result<(), Response> {
    let Some(destinations) = destinations else {
        return Ok(());
    };
    let arns = [
        destinations
            .on_success
            .as_ref()
            .map(|d| d.destination.as_deref()),
        destinations
            .on_failure
            .as_ref()
            .map(|d| d.destination.as_deref()),
    ];
    let printed = |kind: &str, given: Option<Option<&str>>| match given {
        None => "null".to_string(),
        Some(arn) => format!("{kind}(destination={})", arn.unwrap_or("null")),
    };
    for arn in arns
        .iter()
        .flatten()
        .flatten()
        .filter(|arn| !arn.is_empty())
    {
        let parts: Vec<&str> = arn.split(':').collect();
        let service = parts.get(2).copied().unwrap_or_default();
        if !DESTINATION_SERVICES.contains(&service) {
            return Err(super::function::invalid(&format!(
                "The provided destination config DestinationConfig(onSuccess={}, onFailure={}) is invalid.",
                printed("OnSuccess", arns[0]),
                printed("OnFailure", arns[1]),
            )));
        }
        if service != "lambda" {
            continue;
        }
        let named = match parts.as_slice() {
            ["arn", _, "lambda", in_region, _, "function", name, ..] => Some((*in_region, *name)),
            _ => None,
        };
        match named {
            Some((_, name)) if name == function => {
                return Err(super::function::invalid(
                    "You can't specify the function as a destination for itself.",
                ))
            }
            Some((in_region, name)) if db.function(in_region, name).is_some() => {}
            _ => {
                return Err(super::function::invalid(&format!(
                    "The destination ARN {arn} is invalid."
                )))
            }
        }
    }
    Ok(())
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

/// What a Put or an Update asks: its retries, its age and its destinations.
struct Asked {
    retries: Option<i32>,
    max_age_seconds: Option<i32>,
    destinations: Option<DestinationConfig>,
}

/// `asked` applied to what is kept (`replace`: Put, from nothing; else Update, merged into a
/// config that must exist). Lambda wants one setting at least, before it looks for the
/// function (recorded: put_functionname_nootherargs).
fn store(
    cloud: &Cloud,
    region: &str,
    (name, qualifier): (&str, Option<&str>),
    replace: bool,
    asked: Asked,
) -> Response {
    if asked.retries.is_none() && asked.max_age_seconds.is_none() && asked.destinations.is_none() {
        return super::function::invalid(
            "You must specify at least one of error handling or destination setting.",
        );
    }
    let mut db = cloud.db();
    let short = match target(&mut db, region, name, qualifier) {
        Ok((function, _)) => function.name.clone(),
        Err(refusal) => return refusal,
    };
    if let Err(refusal) = check_destinations(&db, &short, asked.destinations.as_ref()) {
        return refusal;
    }
    let (function, qualifier) = match target(&mut db, region, name, qualifier) {
        Ok(found) => found,
        Err(refusal) => return refusal,
    };
    let destinations = asked.destinations.unwrap_or_default();
    let changes = EventConfig {
        retries: asked.retries,
        max_age_seconds: asked.max_age_seconds,
        on_success: destinations.on_success.and_then(|d| d.destination),
        on_failure: destinations.on_failure.and_then(|d| d.destination),
        last_modified_ms: 0,
    };
    let config = if replace {
        let config = function.event_configs.entry(qualifier.clone()).or_default();
        *config = changes;
        config
    } else {
        // Update changes a config, and makes none (recorded:
        // update_eventinvokeconfig_config_doesnotexist_*).
        let Some(config) = function.event_configs.get_mut(&qualifier) else {
            return none_for(&function.arn, &qualifier);
        };
        config.retries = changes.retries.or(config.retries);
        config.max_age_seconds = changes.max_age_seconds.or(config.max_age_seconds);
        config.on_success = changes.on_success.or(config.on_success.take());
        config.on_failure = changes.on_failure.or(config.on_failure.take());
        config
    };
    config.last_modified_ms = now_ms();
    let kept = config.clone();
    let answer = answered(function, &qualifier, &kept);
    db.changed();
    json(200, &answer)
}

/// PutFunctionEventInvokeConfig: the qualifier's settings replaced by those given.
pub fn put(cloud: &Cloud, region: &str, input: PutFunctionEventInvokeConfigRequest) -> Response {
    let asked = Asked {
        retries: input.maximum_retry_attempts,
        max_age_seconds: input.maximum_event_age_in_seconds,
        destinations: input.destination_config,
    };
    let name = (input.function_name.as_str(), input.qualifier.as_deref());
    store(cloud, region, name, true, asked)
}

/// UpdateFunctionEventInvokeConfig: those given merged into the qualifier's settings.
pub fn update(
    cloud: &Cloud,
    region: &str,
    input: UpdateFunctionEventInvokeConfigRequest,
) -> Response {
    let asked = Asked {
        retries: input.maximum_retry_attempts,
        max_age_seconds: input.maximum_event_age_in_seconds,
        destinations: input.destination_config,
    };
    let name = (input.function_name.as_str(), input.qualifier.as_deref());
    store(cloud, region, name, false, asked)
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
    let short = name_of(name);
    let qualifier = match qualifier_meant(name, input.qualifier.as_deref()) {
        Ok(qualifier) => qualifier,
        Err(refusal) => return refusal,
    };
    let db = cloud.db();
    let found = db
        .function(region, short)
        .and_then(|f| Some((f, f.event_configs.get(&qualifier)?)));
    match found {
        Some((function, config)) => json(200, &answered(function, &qualifier, config)),
        None => none_for(&function_arn(region, short), &qualifier),
    }
}

/// DeleteFunctionEventInvokeConfig: the qualifier's settings removed; 404 when it has none,
/// its function's existing or not (recorded: test_lambda_eventinvokeconfig_exceptions,
/// delete_function_not_found and delete_function_doesnotexist).
pub fn delete(
    cloud: &Cloud,
    region: &str,
    input: DeleteFunctionEventInvokeConfigRequest,
) -> Response {
    let name = input.function_name.as_str();
    if let Err(refusal) = check_region(region, name) {
        return refusal;
    }
    let short = name_of(name);
    let qualifier = match qualifier_meant(name, input.qualifier.as_deref()) {
        Ok(qualifier) => qualifier,
        Err(refusal) => return refusal,
    };
    let mut db = cloud.db();
    let removed = db
        .function_mut(region, short)
        .and_then(|f| f.event_configs.remove(&qualifier));
    if removed.is_none() {
        return none_for(&function_arn(region, short), &qualifier);
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

    /// The refusal's status and message.
    async fn refusal(result: Result<(), Response>) -> (u16, String) {
        let response = result.unwrap_err();
        let status = response.status().as_u16();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        let body: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        (
            status,
            body["message"].as_str().unwrap_or_default().to_string(),
        )
    }

    fn on(success: Option<Option<&str>>, failure: Option<Option<&str>>) -> DestinationConfig {
        DestinationConfig {
            on_success: success.map(|d| OnSuccess {
                destination: d.map(str::to_string),
            }),
            on_failure: failure.map(|d| OnFailure {
                destination: d.map(str::to_string),
            }),
        }
    }

    /// As recorded (test_lambda_eventinvokeconfig_exceptions): another function that exists is
    /// a destination; the function itself, one that does not exist, or a service that takes no
    /// records is refused, the last naming the whole config as Lambda's Java model prints it.
    #[tokio::test]
    async fn destinations_are_judged_as_lambda_judges_them() {
        let mut db = Db::default();
        db.insert_function(function_with("$LATEST", EventConfig::default()));
        let arn = |name: &str| format!("arn:aws:lambda:us-east-1:000000000000:function:{name}");
        let judged = |config: DestinationConfig| check_destinations(&db, "g", Some(&config));
        assert!(judged(on(Some(Some(&arn("f"))), None)).is_ok());
        assert!(judged(on(Some(None), Some(None))).is_ok());
        assert!(judged(on(None, Some(Some("arn:aws:sqs:us-east-1:000000000000:q")))).is_ok());
        assert!(check_destinations(&db, "g", None).is_ok());
        assert_eq!(
            refusal(check_destinations(
                &db,
                "f",
                Some(&on(Some(Some(&arn("f"))), None))
            ))
            .await,
            (
                400,
                "You can't specify the function as a destination for itself.".into()
            )
        );
        assert_eq!(
            refusal(judged(on(None, Some(Some(&arn("missing")))))).await,
            (
                400,
                format!("The destination ARN {} is invalid.", arn("missing"))
            )
        );
        let iam = "arn:aws:iam:us-east-1:000000000000:function:f";
        assert_eq!(
            refusal(judged(on(Some(Some(iam)), None))).await,
            (400, format!("The provided destination config DestinationConfig(onSuccess=OnSuccess(destination={iam}), onFailure=null) is invalid."))
        );
        assert_eq!(
            refusal(judged(on(Some(None), Some(Some(iam))))).await,
            (400, format!("The provided destination config DestinationConfig(onSuccess=OnSuccess(destination=null), onFailure=OnFailure(destination={iam})) is invalid."))
        );
    }
}
