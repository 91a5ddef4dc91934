//! A stage's `methodSettings`: the settings of single methods (UpdateStage's
//! `/{resourcePath}/{httpMethod}/…` paths), the removal of a method's or `*/*`'s settings,
//! and the map a stage answers. `*/*`'s own settings are set by `apigateway` (the stage URL
//! applies them); a single method's are kept and answered, not applied.
//!
//! Sources: AWS's answers recorded in LocalStack's test_apigateway_common.snapshot.json
//! (TestStages::test_create_update_stages, test_update_stage_remove_wildcard).

// An early answer is a whole HTTP response; boxing it buys nothing at this scale.
#![allow(clippy::result_large_err)]

use std::collections::BTreeMap;

use axum::response::Response;

use super::shapes::apigateway as shape;
use super::state::{MethodSettings, Stage, StageSettings};
use super::wire::apigateway_bad_request as bad_request;

/// The groups of a method setting's path (`/{resourcePath}/{httpMethod}/{group}/{name}`).
const GROUPS: [&str; 4] = ["metrics", "logging", "throttling", "caching"];

/// What an UpdateStage operation is to a stage's method settings, if anything.
enum Target<'a> {
    /// `remove` of `/{resourcePath}/{httpMethod}` (`/*/*` included): all of that key's.
    Remove(String),
    /// `replace` of one setting of a single method: its key, group and name.
    Set(String, &'a str, &'a str),
}

fn target<'a>(op: &str, path: &'a str) -> Option<Target<'a>> {
    let segments: Vec<&str> = path.strip_prefix('/')?.split('/').collect();
    match (op, segments.as_slice()) {
        // A stage variable's removal is the stage's own.
        ("remove", [resource, method]) if *resource != "variables" => {
            Some(Target::Remove(format!("{resource}/{method}")))
        }
        ("replace", [resource @ .., method, group, name])
            if !resource.is_empty()
                && GROUPS.contains(group)
                && !(resource == ["*"] && *method == "*") =>
        {
            Some(Target::Set(
                format!("{}/{method}", resource.join("/")),
                group,
                name,
            ))
        }
        _ => None,
    }
}

/// Whether UpdateStage's operation is this module's.
pub fn owns(op: &str, path: &str) -> bool {
    target(op, path).is_some()
}

/// One of this module's UpdateStage operations, on (a copy of) the stage.
pub fn patch(stage: &mut Stage, op: &str, path: &str, value: &str) -> Result<(), Response> {
    let settings = &mut stage.settings;
    match target(op, path) {
        Some(Target::Remove(key)) => remove(settings, &key),
        Some(Target::Set(key, group, name)) => {
            let wildcard = wildcard(settings);
            let method = settings.methods.entry(key).or_insert(wildcard);
            set(method, path, group, name, value)
        }
        None => Err(super::canary::invalid_stage_path(path)),
    }
}

/// `remove` of a key's settings: refused when there are none (recorded:
/// test_update_stage_remove_wildcard, AWS's words and trailing space).
fn remove(settings: &mut StageSettings, key: &str) -> Result<(), Response> {
    let none = || {
        bad_request(&format!(
            "Cannot remove method setting {key} because there is no method setting for this method "
        ))
    };
    if key != "*/*" {
        return settings.methods.remove(key).map(|_| ()).ok_or_else(none);
    }
    if !has_wildcard(settings) {
        return Err(none());
    }
    settings.logging_level = None;
    settings.data_trace = false;
    settings.throttle_rate = None;
    settings.throttle_burst = None;
    settings.caching_enabled = false;
    settings.cache_ttl = None;
    Ok(())
}

fn set(
    method: &mut MethodSettings,
    path: &str,
    group: &str,
    name: &str,
    value: &str,
) -> Result<(), Response> {
    let invalid_value = || bad_request(&format!("Invalid method setting value specified: {value}"));
    let flag = || match value {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(invalid_value()),
    };
    match (group, name) {
        ("metrics", "enabled") => method.metrics_enabled = flag()?,
        ("logging", "dataTrace") => method.data_trace = flag()?,
        ("logging", "loglevel") if matches!(value, "OFF" | "ERROR" | "INFO") => {
            method.logging_level = Some(value.to_string())
        }
        ("logging", "loglevel") => return Err(invalid_value()),
        ("throttling", "burstLimit") => {
            method.throttle_burst = value.parse().map_err(|_| invalid_value())?
        }
        ("throttling", "rateLimit") => {
            method.throttle_rate = value.parse().map_err(|_| invalid_value())?
        }
        ("caching", "enabled") => method.caching_enabled = flag()?,
        ("caching", "ttlInSeconds") => match value.parse::<i64>() {
            Ok(ttl) if (0..=3600).contains(&ttl) => method.cache_ttl = ttl,
            _ => return Err(invalid_value()),
        },
        _ => return Err(super::canary::invalid_stage_path(path)),
    }
    Ok(())
}

/// Whether `*/*` has settings of its own (then the stage answers them).
pub fn has_wildcard(settings: &StageSettings) -> bool {
    settings.logging_level.is_some()
        || settings.throttle_rate.is_some()
        || settings.throttle_burst.is_some()
        || settings.caching_enabled
        || settings.cache_ttl.is_some()
}

/// `*/*`'s settings, each unset one at API Gateway's default (the logging level unset, and
/// so not answered: recorded, test_create_update_stages).
fn wildcard(settings: &StageSettings) -> MethodSettings {
    MethodSettings {
        metrics_enabled: false,
        logging_level: settings.logging_level.clone(),
        data_trace: settings.data_trace,
        throttle_burst: settings.throttle_burst.unwrap_or(5000),
        throttle_rate: settings.throttle_rate.unwrap_or(10000.0),
        caching_enabled: settings.caching_enabled,
        cache_ttl: settings.cache_ttl.unwrap_or(300),
    }
}

fn setting_json(method: &MethodSettings) -> shape::MethodSetting {
    shape::MethodSetting {
        metrics_enabled: Some(method.metrics_enabled),
        logging_level: method.logging_level.clone(),
        data_trace_enabled: Some(method.data_trace),
        throttling_burst_limit: Some(i32::try_from(method.throttle_burst).unwrap_or(i32::MAX)),
        throttling_rate_limit: Some(method.throttle_rate),
        caching_enabled: Some(method.caching_enabled),
        cache_ttl_in_seconds: Some(method.cache_ttl as i32),
        cache_data_encrypted: Some(false),
        require_authorization_for_cache_control: Some(true),
        unauthorized_cache_control_header_strategy: Some(
            shape::UnauthorizedCacheControlHeaderStrategy::SucceedWithResponseHeader,
        ),
    }
}

/// A stage's `methodSettings`: `*/*`'s once any is set, and each single method's.
pub fn json(settings: &StageSettings) -> BTreeMap<String, shape::MethodSetting> {
    let mut answered: BTreeMap<String, shape::MethodSetting> = settings
        .methods
        .iter()
        .map(|(key, method)| (key.clone(), setting_json(method)))
        .collect();
    if has_wildcard(settings) {
        answered.insert("*/*".into(), setting_json(&wildcard(settings)));
    }
    answered
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stage() -> Stage {
        serde_json::from_value(serde_json::json!({
            "name": "s", "deployment_id": "d", "description": null, "created": 0,
            "last_updated": 0, "variables": {}, "tags": {},
        }))
        .unwrap()
    }

    /// A single method's settings are its own: removed by their key, refused once gone;
    /// values outside a setting's type are refused; a stage variable's removal is not ours.
    #[test]
    fn a_methods_settings_are_set_and_removed_by_key() {
        let mut stage = stage();
        patch(
            &mut stage,
            "replace",
            "/a/b/POST/caching/ttlInSeconds",
            "60",
        )
        .unwrap();
        assert_eq!(stage.settings.methods["a/b/POST"].cache_ttl, 60);
        assert!(patch(
            &mut stage,
            "replace",
            "/a/POST/caching/ttlInSeconds",
            "9999"
        )
        .is_err());
        assert!(patch(&mut stage, "replace", "/a/POST/metrics/enabled", "yes").is_err());
        assert!(patch(&mut stage, "replace", "/a/POST/caching/nope", "1").is_err());
        let answered = json(&stage.settings);
        assert_eq!(answered.keys().collect::<Vec<_>>(), ["a/POST", "a/b/POST"]);
        patch(&mut stage, "remove", "/a/POST", "").unwrap();
        assert!(patch(&mut stage, "remove", "/a/POST", "").is_err());
        assert!(!owns("remove", "/variables/v"));
    }
}
