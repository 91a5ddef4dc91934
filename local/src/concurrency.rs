//! A function's reserved concurrency (PutFunctionConcurrency, GetFunctionConcurrency,
//! DeleteFunctionConcurrency) and the account's limits and usage (GetAccountSettings), as
//! Lambda answers them. The runtime holds a function to its reservation: an invocation beyond
//! it is throttled (`runtime::Runtimes::invoke_as`, `throttled` below).

// A refusal is the answer itself (a Response), as in the other Lambda modules.
#![allow(clippy::result_large_err)]

use axum::http::HeaderValue;
use axum::response::Response;
use serde_json::json;

use super::code::MAX_ZIPPED_BYTES;
use super::function::{invalid, unqualified_mut as function};
use super::shapes::lambda::{
    AccountLimit, AccountUsage, DeleteFunctionConcurrencyRequest, GetAccountSettingsResponse,
    GetFunctionConcurrencyRequest, GetFunctionConcurrencyResponse, PutFunctionConcurrencyRequest,
};
use super::state::{Db, Function};
use super::wire::{empty, json};
use super::Cloud;

/// Lambda's default quota of concurrent executions per account and Region (the developer
/// guide, "Lambda quotas": 1,000).
pub const ACCOUNT_CONCURRENCY: i64 = 1000;
/// What reservations must leave unreserved (the developer guide, "Configuring reserved
/// concurrency": Lambda keeps 100 for functions without a reservation).
pub const MIN_UNRESERVED: i64 = 100;
/// The quotas GetAccountSettings answers beside it (the developer guide, "Lambda quotas"):
/// 75 GB of code, 250 MB unzipped.
const TOTAL_CODE_SIZE: i64 = 80_530_636_800;
const CODE_SIZE_UNZIPPED: i64 = 262_144_000;

/// What a function holds of the account's concurrency: its reservation, or what its
/// provisioned concurrency configs ask for beyond it.
fn held(function: &Function) -> i64 {
    function
        .provisioned_total()
        .max(function.reserved_concurrency.map_or(0, i64::from))
}

/// What the account's functions hold in `region`, but the one named `except`.
fn reserved_in(db: &Db, region: &str, except: Option<&str>) -> i64 {
    db.functions(region)
        .filter(|f| Some(f.name.as_str()) != except)
        .map(held)
        .sum()
}

/// The account's concurrency in `region` that no function but `name` holds.
pub fn unreserved_except(db: &Db, region: &str, name: &str) -> i64 {
    ACCOUNT_CONCURRENCY - reserved_in(db, region, Some(name))
}

/// PutFunctionConcurrency: reserves `ReservedConcurrentExecutions` for the function.
pub fn put(cloud: &Cloud, region: &str, input: PutFunctionConcurrencyRequest) -> Response {
    let mut db = cloud.db();
    let reserved = input.reserved_concurrent_executions;
    let (name, provisioned) = match function(&mut db, region, &input.function_name) {
        Ok(f) => (f.name.clone(), f.provisioned_total()),
        Err(refusal) => return refusal,
    };
    // Recorded (test_reserved_provisioned_overlap, reserved_lower_than_provisioned_exc), with
    // AWS's spaces.
    if i64::from(reserved) < provisioned {
        return invalid(&format!(" ReservedConcurrentExecutions  {reserved} should not be lower than function's total provisioned concurrency [{provisioned}]."));
    }
    // Zero is always taken (it reserves nothing: the function is switched off); anything
    // else must leave the account's unreserved minimum (recorded:
    // test_function_concurrency_limits, both over the account's limit and at it).
    if reserved > 0
        && reserved_in(&db, region, Some(&name)) + i64::from(reserved)
            > ACCOUNT_CONCURRENCY - MIN_UNRESERVED
    {
        return invalid(&format!("Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [{MIN_UNRESERVED}]."));
    }
    if let Some(f) = db.function_mut(region, &name) {
        f.reserved_concurrency = Some(reserved);
    }
    db.changed();
    json(200, &json!({ "ReservedConcurrentExecutions": reserved }))
}

/// GetFunctionConcurrency: the reservation, if any.
pub fn get(cloud: &Cloud, region: &str, input: GetFunctionConcurrencyRequest) -> Response {
    let mut db = cloud.db();
    match function(&mut db, region, &input.function_name) {
        // None reserved: an answer with no member (recorded: get_function_concurrency_default).
        Ok(f) => json(
            200,
            &GetFunctionConcurrencyResponse {
                reserved_concurrent_executions: f.reserved_concurrency,
            },
        ),
        Err(refusal) => refusal,
    }
}

/// DeleteFunctionConcurrency: the function is held to the account's unreserved pool again.
pub fn delete(cloud: &Cloud, region: &str, input: DeleteFunctionConcurrencyRequest) -> Response {
    let mut db = cloud.db();
    match function(&mut db, region, &input.function_name) {
        Ok(f) => {
            f.reserved_concurrency = None;
            db.changed();
            empty(204)
        }
        Err(refusal) => refusal,
    }
}

/// The account's limits and what its functions use, in `region`: the code of every function,
/// published version and layer version counts toward TotalCodeSize (recorded:
/// test_account_settings_total_code_size_config_update: a configuration change adds nothing,
/// a version published after it adds its code again; test_account_settings_total_code_size:
/// a function's zip, again for an update that publishes, and each layer version's zip).
pub fn account_settings(cloud: &Cloud, region: &str) -> Response {
    let db = cloud.db();
    let reserved = reserved_in(&db, region, None);
    let functions: u64 = db
        .functions(region)
        .flat_map(|f| std::iter::once(f).chain(f.versions.values()))
        .map(|f| f.code_size)
        .sum();
    let layers: u64 = db
        .layers(region)
        .flat_map(|layer| layer.versions.values())
        .map(|version| version.code_size)
        .sum();
    let code = (functions + layers) as i64;
    json(
        200,
        &GetAccountSettingsResponse {
            account_limit: Some(AccountLimit {
                code_size_unzipped: Some(CODE_SIZE_UNZIPPED),
                code_size_zipped: Some(MAX_ZIPPED_BYTES as i64),
                concurrent_executions: Some(ACCOUNT_CONCURRENCY as i32),
                total_code_size: Some(TOTAL_CODE_SIZE),
                unreserved_concurrent_executions: Some((ACCOUNT_CONCURRENCY - reserved) as i32),
            }),
            account_usage: Some(AccountUsage {
                function_count: Some(db.functions(region).count() as i64),
                total_code_size: Some(code),
            }),
        },
    )
}

/// Invoke's answer for an invocation beyond the function's reserved concurrency (recorded:
/// TestLambdaConcurrency::test_lambda_concurrency_block, invoke_latest_first_exc).
pub fn throttled() -> Response {
    let mut response = json(
        429,
        &json!({
            "Reason": "ReservedFunctionConcurrentInvocationLimitExceeded",
            "Type": "User",
            "message": "Rate Exceeded.",
        }),
    );
    response.headers_mut().insert(
        "x-amzn-errortype",
        HeaderValue::from_static("TooManyRequestsException"),
    );
    response
}
