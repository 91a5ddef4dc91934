//! A published version's or alias' provisioned concurrency: PutProvisionedConcurrencyConfig,
//! GetProvisionedConcurrencyConfig, DeleteProvisionedConcurrencyConfig and
//! ListProvisionedConcurrencyConfigs, as Lambda answers them (recorded:
//! TestLambdaProvisionedConcurrency, and test_lambda.py's TestLambdaConcurrency). A config is
//! `IN_PROGRESS`, then `READY` (`timing`); it counts against the function's reservation and
//! the account's unreserved executions, and keeps, of a reservation, what invocations of other
//! versions may use (`Function::reservation_for`). Its environments start ahead of
//! invocations (`Runtimes::provision`), and follow an alias that moves
//! (`versions::follow_alias`).

// A refusal is the answer itself (a Response), as in the other Lambda modules.
#![allow(clippy::result_large_err)]

use axum::response::Response;

use super::clock::{lambda_timestamp, now_ms};
use super::concurrency::{unreserved_except, ACCOUNT_CONCURRENCY, MIN_UNRESERVED};
use super::function::{check_region, invalid, lambda_error, name_of, not_found, paged, ErrorCode};
use super::runtime::function_arn;
use super::shapes::lambda::{
    DeleteProvisionedConcurrencyConfigRequest, GetProvisionedConcurrencyConfigRequest,
    GetProvisionedConcurrencyConfigResponse, ListProvisionedConcurrencyConfigsRequest,
    ListProvisionedConcurrencyConfigsResponse, ProvisionedConcurrencyConfigListItem,
    ProvisionedConcurrencyStatusEnum, PutProvisionedConcurrencyConfigRequest,
    PutProvisionedConcurrencyConfigResponse,
};
use super::state::{Db, Function, Provisioned};
use super::wire::{empty, json};
use super::Cloud;

/// The most configs a List answers (the model's MaxProvisionedConcurrencyConfigListItems).
const MOST_LISTED: usize = 50;

/// What Get and Delete answer for `$LATEST` (recorded: get_provisioned_latest,
/// delete_provisioned_latest).
fn not_published() -> Response {
    invalid("The function resource provided must be an alias or a published version.")
}

/// The function a request names, once its qualifier names a published version or an alias
/// of it; else Lambda's not-found answer, which tells a version ("Function not found:
/// ARN:N") from an alias ("Cannot find alias arn: ARN:NAME"), whether or not the function
/// exists (recorded: test_provisioned_concurrency_exceptions, *_doesnotexist).
fn target<'a>(
    db: &'a mut Db,
    region: &str,
    name: &str,
    given: &str,
) -> Result<(&'a mut Function, String), Response> {
    check_region(region, name)?;
    let qualifier = super::function::qualifier(name, Some(given))?.unwrap_or_default();
    let short = name_of(name);
    let arn = format!("{}:{qualifier}", function_arn(region, short));
    let is_version = qualifier.bytes().all(|b| b.is_ascii_digit());
    let function = db.function_mut(region, short);
    let exists = function.as_ref().is_some_and(|f| {
        if is_version {
            qualifier
                .parse::<u64>()
                .is_ok_and(|n| f.versions.contains_key(&n))
        } else {
            f.aliases.contains_key(&qualifier)
        }
    });
    match function {
        Some(function) if exists => Ok((function, qualifier)),
        _ if is_version => Err(lambda_error(
            ErrorCode::ResourceNotFoundException,
            &format!("Function not found: {arn}"),
        )),
        _ => Err(lambda_error(
            ErrorCode::ResourceNotFoundException,
            &format!("Cannot find alias arn: {arn}"),
        )),
    }
}

/// A config's state now: `IN_PROGRESS` until `ready_after` has passed since it was asked for
/// (with `allocated_in_progress` allocated: none, or, while its alias moves, the executions it
/// had), then `READY` with every execution allocated and available.
fn status(
    config: &Provisioned,
    ready_after: std::time::Duration,
) -> (ProvisionedConcurrencyStatusEnum, i32) {
    match config.allocated(ready_after) {
        (true, allocated) => (ProvisionedConcurrencyStatusEnum::Ready, allocated),
        (false, allocated) => (ProvisionedConcurrencyStatusEnum::InProgress, allocated),
    }
}

/// PutProvisionedConcurrencyConfig: 202 and `IN_PROGRESS`, judged in the order Lambda judges
/// (recorded: test_provisioned_concurrency_exceptions, test_provisioned_concurrency_limits,
/// test_lambda_provisioned_lifecycle, test_reserved_provisioned_overlap).
pub fn put(cloud: &Cloud, region: &str, input: PutProvisionedConcurrencyConfigRequest) -> Response {
    let requested = input.provisioned_concurrent_executions;
    if input.qualifier == "$LATEST" {
        return invalid(
            "Provisioned Concurrency Configs cannot be applied to unpublished function versions.",
        );
    }
    let mut db = cloud.db();
    let (name, qualifier) = match target(&mut db, region, &input.function_name, &input.qualifier) {
        Ok((function, qualifier)) => (function.name.clone(), qualifier),
        Err(refusal) => return refusal,
    };
    let left = unreserved_except(&db, region, &name);
    let Some(function) = db.function_mut(region, &name) else {
        return not_found(region, &name);
    };
    let other_qualifiers: i64 = function
        .provisioned
        .iter()
        .filter(|(q, _)| **q != qualifier)
        .map(|(_, p)| i64::from(p.requested))
        .sum();
    let total = other_qualifiers + i64::from(requested);
    if function
        .reserved_concurrency
        .is_some_and(|reserved| i64::from(reserved) < total)
    {
        return invalid("Requested Provisioned Concurrency should not be greater than the reservedConcurrentExecution for function");
    }
    if i64::from(requested) > ACCOUNT_CONCURRENCY {
        return invalid(&format!("Specified ConcurrentExecutions for function is greater than account's unreserved concurrency [{ACCOUNT_CONCURRENCY}]."));
    }
    // What the function would hold of the account: its reservation, or what its provisioned
    // configs ask for beyond it. **Inferred** for a function with both: the recordings show
    // provisioned concurrency held within the reservation, so not counted twice.
    let held = total.max(function.reserved_concurrency.map_or(0, i64::from));
    if left - held < MIN_UNRESERVED {
        return invalid(&format!("Specified ConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [{MIN_UNRESERVED}]."));
    }
    // A version is provisioned by number or by an alias of it, never both (recorded:
    // put_provisioned_on_alias_versionconflict, put_provisioned_on_version_conflict).
    if let Some(alias) = function.aliases.get(&qualifier) {
        if function.provisioned.contains_key(&alias.function_version) {
            return lambda_error(
                ErrorCode::ResourceConflictException,
                "Alias can't be used for Provisioned Concurrency configuration on an already Provisioned version",
            );
        }
    } else if function
        .aliases
        .values()
        .any(|a| a.function_version == qualifier && function.provisioned.contains_key(&a.name))
    {
        return lambda_error(
            ErrorCode::ResourceConflictException,
            "Version is pointed by a Provisioned Concurrency alias",
        );
    }
    let config = Provisioned {
        requested,
        last_modified: lambda_timestamp(),
        requested_ms: now_ms(),
        allocated_in_progress: 0,
    };
    let answer = PutProvisionedConcurrencyConfigResponse {
        allocated_provisioned_concurrent_executions: Some(0),
        available_provisioned_concurrent_executions: Some(0),
        last_modified: Some(config.last_modified.clone()),
        requested_provisioned_concurrent_executions: Some(requested),
        status: Some(ProvisionedConcurrencyStatusEnum::InProgress),
        status_reason: None,
    };
    // Its environments start initializing now (READY once they have, as `status` tells).
    let version = super::versions::resolve(function, Some(&qualifier)).map(|named| named.function);
    if let Some(version) = &version {
        super::versions::provisioned_version_changed(function, &version.version);
    }
    function.provisioned.insert(qualifier, config);
    db.changed();
    drop(db);
    if let Some(version) = version {
        cloud
            .runtimes
            .provision(&version, usize::try_from(requested).unwrap_or(0));
    }
    json(202, &answer)
}

/// GetProvisionedConcurrencyConfig: the config and its state, or
/// ProvisionedConcurrencyConfigNotFoundException for a version or alias with none.
pub fn get(cloud: &Cloud, region: &str, input: GetProvisionedConcurrencyConfigRequest) -> Response {
    if input.qualifier == "$LATEST" {
        return not_published();
    }
    let mut db = cloud.db();
    let (function, qualifier) =
        match target(&mut db, region, &input.function_name, &input.qualifier) {
            Ok(found) => found,
            Err(refusal) => return refusal,
        };
    let Some(config) = function.provisioned.get(&qualifier) else {
        return lambda_error(
            ErrorCode::ProvisionedConcurrencyConfigNotFoundException,
            "No Provisioned Concurrency Config found for this function",
        );
    };
    let (status, allocated) = status(config, cloud.timing.provisioned);
    json(
        200,
        &GetProvisionedConcurrencyConfigResponse {
            allocated_provisioned_concurrent_executions: Some(allocated),
            available_provisioned_concurrent_executions: Some(allocated),
            last_modified: Some(config.last_modified.clone()),
            requested_provisioned_concurrent_executions: Some(config.requested),
            status: Some(status),
            status_reason: None,
        },
    )
}

/// DeleteProvisionedConcurrencyConfig: 204, also for a version or alias with none (recorded:
/// delete_provisioned_config_doesnotexist).
pub fn delete(
    cloud: &Cloud,
    region: &str,
    input: DeleteProvisionedConcurrencyConfigRequest,
) -> Response {
    if input.qualifier == "$LATEST" {
        return not_published();
    }
    let mut db = cloud.db();
    let (function, qualifier) =
        match target(&mut db, region, &input.function_name, &input.qualifier) {
            Ok(found) => found,
            Err(refusal) => return refusal,
        };
    if function.provisioned.remove(&qualifier).is_some() {
        // Its environments go; later invocations start theirs on demand.
        let version = super::versions::resolve(function, Some(&qualifier))
            .map(|named| (named.function.name, named.function.version));
        db.changed();
        drop(db);
        if let Some((name, version)) = version {
            cloud.runtimes.retire_version(region, &name, &version);
        }
    }
    empty(204)
}

/// ListProvisionedConcurrencyConfigs: a function's configs, each under its qualified ARN.
pub fn list(
    cloud: &Cloud,
    region: &str,
    input: ListProvisionedConcurrencyConfigsRequest,
) -> Response {
    let name = input.function_name.as_str();
    if let Err(refusal) = check_region(region, name) {
        return refusal;
    }
    let db = cloud.db();
    let Some(function) = db.function(region, name_of(name)) else {
        return not_found(region, name);
    };
    let configs: Vec<ProvisionedConcurrencyConfigListItem> = function
        .provisioned
        .iter()
        .map(|(qualifier, config)| {
            let (status, allocated) = status(config, cloud.timing.provisioned);
            ProvisionedConcurrencyConfigListItem {
                function_arn: Some(format!("{}:{qualifier}", function.arn)),
                allocated_provisioned_concurrent_executions: Some(allocated),
                available_provisioned_concurrent_executions: Some(allocated),
                last_modified: Some(config.last_modified.clone()),
                requested_provisioned_concurrent_executions: Some(config.requested),
                status: Some(status),
                status_reason: None,
            }
        })
        .collect();
    paged(
        configs,
        input.marker,
        input.max_items,
        MOST_LISTED,
        |configs, next_marker| ListProvisionedConcurrencyConfigsResponse {
            provisioned_concurrency_configs: Some(configs),
            next_marker,
        },
    )
}
