//! A function's URLs (CreateFunctionUrlConfig, GetFunctionUrlConfig, UpdateFunctionUrlConfig,
//! DeleteFunctionUrlConfig, ListFunctionUrlConfigs), as Lambda answers them: one per function
//! and qualifier, `$LATEST` (none given) or an alias, never a version (the model's pattern
//! refuses one, and `$LATEST` by name). The URL has AWS's form,
//! `https://URL-ID.lambda-url.REGION.on.aws/` (the developer guide, "Creating and managing
//! Lambda function URLs": a 32-character id). Recorded: test_lambda_api.py's TestLambdaUrl and
//! test_lambda.py's test_lambda_update_function_url_config.

// A refusal is the answer itself (a Response), as in the other Lambda modules.
#![allow(clippy::result_large_err)]

use axum::response::Response;

use super::function::ErrorCode;
use super::function::{check_region, invalid, lambda_error, name_of, paged, qualifier_of};
use super::ids::random_id;
use super::shapes::lambda::{
    CreateFunctionUrlConfigRequest, CreateFunctionUrlConfigResponse,
    DeleteFunctionUrlConfigRequest, FunctionUrlConfig, GetFunctionUrlConfigRequest,
    GetFunctionUrlConfigResponse, InvokeMode, ListFunctionUrlConfigsRequest,
    ListFunctionUrlConfigsResponse, UpdateFunctionUrlConfigRequest,
    UpdateFunctionUrlConfigResponse,
};
use super::state::{Db, Function, UrlConfig};
use super::wire::{empty, json};
use super::Cloud;

/// The qualifier a function URL is kept under when none is given.
pub const LATEST: &str = "$LATEST";

/// How the operation words a function, or an alias, that does not exist: Create, Update and
/// List as a function (`Function does not exist`), Get and Delete as the config itself
/// (recorded: test_url_config_exceptions).
#[derive(Clone, Copy)]
enum Missing {
    Function,
    Config,
}

fn not_found(missing: Missing) -> Response {
    lambda_error(
        ErrorCode::ResourceNotFoundException,
        match missing {
            Missing::Function => "Function does not exist",
            Missing::Config => "The resource you requested does not exist.",
        },
    )
}

/// The model's refusal of a qualifier outside `FunctionUrlQualifier`'s pattern (recorded:
/// test_url_config_exceptions, `qualifier_version`, `qualifier_latest`): also said of one an
/// ARN carries, which the model's pattern cannot see.
fn bad_qualifier(qualifier: &str) -> Response {
    lambda_error(
        ErrorCode::ValidationException,
        &format!("1 validation error detected: Value '{qualifier}' at 'qualifier' failed to satisfy constraint: Member must satisfy regular expression pattern: ((?!^\\d+$)^[0-9a-zA-Z-_]+$)"),
    )
}

/// The function a request names and the qualifier it means (`$LATEST` when none), or
/// Lambda's answer: a qualifier in the name that is not the one given, a version, a function
/// or an alias that does not exist.
fn target<'a>(
    db: &'a mut Db,
    region: &str,
    name: &str,
    given: Option<&str>,
    missing: Missing,
) -> Result<(&'a mut Function, String), Response> {
    check_region(region, name)?;
    let derived = qualifier_of(name);
    if let (Some(given), Some(derived)) = (given, derived.as_deref()) {
        if given != derived {
            return Err(invalid(
                "The derived qualifier from the function name does not match the specified qualifier.",
            ));
        }
    }
    let qualifier = given.map(str::to_string).or(derived);
    if let Some(q) = &qualifier {
        if q == LATEST || q.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad_qualifier(q));
        }
    }
    let Some(function) = db.function_mut(region, name_of(name)) else {
        return Err(not_found(missing));
    };
    match qualifier {
        None => Ok((function, LATEST.to_string())),
        Some(alias) if function.aliases.contains_key(&alias) => Ok((function, alias)),
        Some(_) => Err(not_found(missing)),
    }
}

/// The ARN a URL answers for its qualifier: the function's own for `$LATEST`, the alias's.
pub fn arn_of(function: &Function, qualifier: &str) -> String {
    if qualifier == LATEST {
        function.arn.clone()
    } else {
        format!("{}:{qualifier}", function.arn)
    }
}

fn url_of(config: &UrlConfig, region: &str) -> String {
    format!("https://{}.lambda-url.{region}.on.aws/", config.url_id)
}

/// When it is now, as Lambda writes a URL's times (ISO 8601, UTC, microseconds).
fn now() -> String {
    humantime::format_rfc3339_micros(std::time::SystemTime::now()).to_string()
}

/// A URL config as Get and List answer it: its invoke mode `BUFFERED` unless set.
fn listed(function: &Function, qualifier: &str, config: &UrlConfig) -> FunctionUrlConfig {
    FunctionUrlConfig {
        auth_type: config.auth_type,
        cors: config.cors.clone(),
        creation_time: config.created.clone(),
        function_arn: arn_of(function, qualifier),
        function_url: url_of(config, &function.region),
        invoke_mode: Some(config.invoke_mode.unwrap_or(InvokeMode::Buffered)),
        last_modified_time: config.last_modified.clone(),
    }
}

/// CreateFunctionUrlConfig: a new URL for the qualifier, 201; a second one is a conflict.
/// The answer has no LastModifiedTime, and an invoke mode only if one was given (recorded:
/// test_url_config_lifecycle, test_lambda_update_function_url_config).
pub fn create(cloud: &Cloud, region: &str, input: CreateFunctionUrlConfigRequest) -> Response {
    let mut db = cloud.db();
    let name = input.function_name.as_str();
    let (function, qualifier) = match target(
        &mut db,
        region,
        name,
        input.qualifier.as_deref(),
        Missing::Function,
    ) {
        Ok(found) => found,
        Err(refusal) => return refusal,
    };
    let arn = arn_of(function, &qualifier);
    if function.url_configs.contains_key(&qualifier) {
        return lambda_error(
            ErrorCode::ResourceConflictException,
            &format!("Failed to create function url config for [functionArn = {arn}]. Error message:  FunctionUrlConfig exists for this Lambda function"),
        );
    }
    let created = now();
    let config = UrlConfig {
        url_id: random_id(32),
        auth_type: input.auth_type,
        cors: input.cors,
        invoke_mode: input.invoke_mode,
        created: created.clone(),
        last_modified: created,
    };
    let answer = CreateFunctionUrlConfigResponse {
        auth_type: config.auth_type,
        cors: config.cors.clone(),
        creation_time: config.created.clone(),
        function_arn: arn,
        function_url: url_of(&config, &function.region),
        invoke_mode: config.invoke_mode,
    };
    function.url_configs.insert(qualifier, config);
    db.changed();
    json(201, &answer)
}

/// GetFunctionUrlConfig: the qualifier's URL.
pub fn get(cloud: &Cloud, region: &str, input: GetFunctionUrlConfigRequest) -> Response {
    let mut db = cloud.db();
    let name = input.function_name.as_str();
    let (function, qualifier) = match target(
        &mut db,
        region,
        name,
        input.qualifier.as_deref(),
        Missing::Config,
    ) {
        Ok(found) => found,
        Err(refusal) => return refusal,
    };
    let Some(config) = function.url_configs.get(&qualifier) else {
        return not_found(Missing::Config);
    };
    let c = listed(function, &qualifier, config);
    json(
        200,
        &GetFunctionUrlConfigResponse {
            auth_type: c.auth_type,
            cors: c.cors,
            creation_time: c.creation_time,
            function_arn: c.function_arn,
            function_url: c.function_url,
            invoke_mode: c.invoke_mode,
            last_modified_time: c.last_modified_time,
        },
    )
}

/// UpdateFunctionUrlConfig: the members given replace those kept; the answer's invoke mode
/// is the one kept, if any was ever given (recorded: test_lambda_update_function_url_config,
/// an update without one keeps `RESPONSE_STREAM`; test_url_config_lifecycle, none ever given).
pub fn update(cloud: &Cloud, region: &str, input: UpdateFunctionUrlConfigRequest) -> Response {
    let mut db = cloud.db();
    let name = input.function_name.as_str();
    let (function, qualifier) = match target(
        &mut db,
        region,
        name,
        input.qualifier.as_deref(),
        Missing::Function,
    ) {
        Ok(found) => found,
        Err(refusal) => return refusal,
    };
    let Some(config) = function.url_configs.get_mut(&qualifier) else {
        return not_found(Missing::Config);
    };
    if let Some(auth_type) = input.auth_type {
        config.auth_type = auth_type;
    }
    if let Some(cors) = input.cors {
        config.cors = Some(cors);
    }
    if let Some(invoke_mode) = input.invoke_mode {
        config.invoke_mode = Some(invoke_mode);
    }
    config.last_modified = now();
    let kept_mode = config.invoke_mode;
    let c = listed(function, &qualifier, &function.url_configs[&qualifier]);
    let answer = UpdateFunctionUrlConfigResponse {
        auth_type: c.auth_type,
        cors: c.cors,
        creation_time: c.creation_time,
        function_arn: c.function_arn,
        function_url: c.function_url,
        invoke_mode: kept_mode,
        last_modified_time: c.last_modified_time,
    };
    db.changed();
    json(200, &answer)
}

/// DeleteFunctionUrlConfig: the qualifier's URL alone (an alias's stays when the function's
/// goes; recorded: test_url_config_deletion_without_qualifier), 204.
pub fn delete(cloud: &Cloud, region: &str, input: DeleteFunctionUrlConfigRequest) -> Response {
    let mut db = cloud.db();
    let name = input.function_name.as_str();
    let (function, qualifier) = match target(
        &mut db,
        region,
        name,
        input.qualifier.as_deref(),
        Missing::Config,
    ) {
        Ok(found) => found,
        Err(refusal) => return refusal,
    };
    let Some(url) = function.url_configs.remove(&qualifier) else {
        return not_found(Missing::Config);
    };
    function.retired_url_ids.push(url.url_id);
    db.changed();
    empty(204)
}

/// ListFunctionUrlConfigs: every qualifier's URL (`$LATEST` first, then the aliases by name),
/// paged by MaxItems (the model's 1 to 50) and Marker.
pub fn list(cloud: &Cloud, region: &str, input: ListFunctionUrlConfigsRequest) -> Response {
    let mut db = cloud.db();
    let name = input.function_name.as_str();
    let function = match target(&mut db, region, name, None, Missing::Function) {
        Ok((function, _)) => function,
        Err(refusal) => return refusal,
    };
    let configs: Vec<FunctionUrlConfig> = function
        .url_configs
        .iter()
        .map(|(qualifier, config)| listed(function, qualifier, config))
        .collect();
    paged(configs, input.marker, input.max_items, 50, |items, next| {
        ListFunctionUrlConfigsResponse {
            function_url_configs: items,
            next_marker: next,
        }
    })
}
