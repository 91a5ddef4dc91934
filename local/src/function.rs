//! What Lambda's operations on functions and on their versions and aliases share: a function's
//! configuration as Lambda answers it, its RevisionId, the name in a name or ARN, a marker's
//! page, and Lambda's not-found, invalid-parameter and stale-revision answers. A leaf below
//! `lambda` and `versions`, so that neither imports the other's helpers.

// An answer is an HTTP response, as every handler here returns: not worth boxing.
#![allow(clippy::result_large_err)]

use axum::response::Response;
use serde_json::{json, Value};

use super::runtime::function_arn;
pub use super::shapes::lambda::ErrorCode;
use super::state::{Function, State, UpdateStatus};
use super::wire::json;
pub use super::wire::lambda_error;

/// The most items a List call answers with when the caller sets no `MaxItems` (Lambda's 50).
const DEFAULT_MAX_ITEMS: usize = 50;

pub fn name_of(name_or_arn: &str) -> &str {
    name_or_arn
        .rsplit(":function:")
        .next()
        .unwrap_or(name_or_arn)
        .split(':')
        .next()
        .unwrap_or(name_or_arn)
}
/// A function ARN of another region names nothing here (recorded: test_get_function_wrong_region).
pub fn check_region(region: &str, name: &str) -> Result<(), Response> {
    let parts: Vec<&str> = name.split(':').collect();
    match parts.as_slice() {
        ["arn", _, "lambda", other, ..] if *other != region => Err(lambda_error(
            ErrorCode::ResourceNotFoundException,
            &format!("Functions from '{other}' are not reachable in this region ('{region}')"),
        )),
        _ => Ok(()),
    }
}
/// What Lambda answers for a version or alias that does not exist: "Function not found:
/// ARN:QUALIFIER" (recorded: test_ops_on_nonexisting_version, get_function_alias_notfound_exc).
pub fn version_not_found(arn: &str, qualifier: &str) -> Response {
    lambda_error(
        ErrorCode::ResourceNotFoundException,
        &format!("Function not found: {arn}:{qualifier}"),
    )
}
pub fn not_found(region: &str, name: &str) -> Response {
    lambda_error(
        ErrorCode::ResourceNotFoundException,
        &format!(
            "Function not found: {}",
            function_arn(region, name_of(name))
        ),
    )
}
pub fn invalid(message: &str) -> Response {
    lambda_error(ErrorCode::InvalidParameterValueException, message)
}
/// A function's configuration as the list operations answer it (ListFunctions,
/// ListVersionsByFunction's `$LATEST`): without its state and runtime version, as recorded.
pub fn listed(f: &Function) -> Value {
    let mut value = configuration(f);
    if let Some(object) = value.as_object_mut() {
        for member in [
            "State",
            "StateReason",
            "StateReasonCode",
            "LastUpdateStatus",
            "LastUpdateStatusReason",
            "LastUpdateStatusReasonCode",
            "RuntimeVersionConfig",
        ] {
            object.remove(member);
        }
    }
    value
}

pub fn configuration(f: &Function) -> Value {
    // The members and their states as recorded on AWS (LocalStack's test_lambda_api.snapshot.json,
    // TestLambdaFunction::test_function_lifecycle): Environment always, with no variables as
    // `{}`; while creating, State Pending with its reason and code and no LastUpdateStatus;
    // while updating, LastUpdateStatus InProgress with AWS's own reason and code.
    let mut value = json!({
        "FunctionName": f.name,
        "FunctionArn": f.arn,
        "Runtime": f.runtime,
        "Role": f.role,
        "Handler": f.handler,
        "CodeSize": f.code_size,
        "Description": f.description,
        "Timeout": f.timeout,
        "MemorySize": f.memory,
        "LastModified": f.last_modified,
        "CodeSha256": f.code_sha256,
        "Version": f.version,
        "Environment": { "Variables": f.environment },
        "RevisionId": revision_id(f.revision),
        "State": f.state,
        "PackageType": "Zip",
        "Architectures": f.architectures,
        "EphemeralStorage": { "Size": 512 },
        "SnapStart": { "ApplyOn": "None", "OptimizationStatus": "Off" },
        "RuntimeVersionConfig": {
            // A runtime version belongs to no account: arn:aws:lambda:REGION::runtime:HASH.
            "RuntimeVersionArn": format!(
                "arn:{}:lambda:{}::runtime:{}",
                super::arns::partition(&f.region).0,
                f.region,
                runtime_version(&f.runtime)
            ),
        },
        "LoggingConfig": { "LogFormat": "Text", "LogGroup": format!("/aws/lambda/{}", f.name) },
        "TracingConfig": { "Mode": "PassThrough" },
    });
    match f.state {
        State::Pending => {
            value["StateReason"] = json!("The function is being created.");
            value["StateReasonCode"] = json!("Creating");
        }
        State::Failed => {
            value["StateReason"] = json!(f.state_reason.clone().unwrap_or_default());
            value["StateReasonCode"] = json!("InternalError");
            value["LastUpdateStatus"] = json!(f.last_update_status);
        }
        State::Active => {
            value["LastUpdateStatus"] = json!(f.last_update_status);
            match f.last_update_status {
                UpdateStatus::InProgress => {
                    value["LastUpdateStatusReason"] = json!("The function is being created.");
                    value["LastUpdateStatusReasonCode"] = json!("Creating");
                }
                UpdateStatus::Failed => {
                    value["LastUpdateStatusReason"] =
                        json!(f.state_reason.clone().unwrap_or_default());
                    value["LastUpdateStatusReasonCode"] = json!("InternalError");
                }
                UpdateStatus::Successful => {}
            }
        }
    }
    value
}
/// A stable stand-in for the runtime version's hash in RuntimeVersionArn.
fn runtime_version(runtime: &str) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(runtime.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}
/// A `RevisionId` that is not the function's current one: 412, naming the call that reads the
/// current one (recorded: TestLambdaRevisions::test_function_revisions_basic).
pub fn stale_revision(request: &Value, function: &Function, read_with: &str) -> Option<Response> {
    let given = request["RevisionId"].as_str()?;
    (given != revision_id(function.revision)).then(|| {
        lambda_error(ErrorCode::PreconditionFailedException, &format!("The Revision Id provided does not match the latest Revision Id. Call the {read_with} API to retrieve the latest Revision Id"),
        )
    })
}
/// The RevisionId a function's revision counter answers with.
pub fn revision_id(revision: u64) -> String {
    format!("00000000-0000-0000-0000-{revision:012}")
}
/// One page of `items` under `key`, with `NextMarker` (the index to go on from) when more are
/// left.
/// One page of a Lambda list: `MaxItems` (1 to 10,000; 50 when absent) but never more than
/// `most`, and `NextMarker` for the rest.
pub fn page(
    items: Vec<Value>,
    key: &str,
    marker: Option<String>,
    max_items: Option<String>,
    most: usize,
) -> Response {
    let start = match marker.as_deref().map(str::parse::<usize>) {
        None => 0,
        Some(Ok(start)) if start <= items.len() => start,
        Some(_) => return invalid("Invalid Marker"),
    };
    let max = match max_items.as_deref().map(str::parse::<usize>) {
        None => DEFAULT_MAX_ITEMS,
        Some(Ok(max)) if (1..=10_000).contains(&max) => max,
        Some(_) => return invalid("MaxItems must be between 1 and 10000"),
    };
    let end = (start + max.min(most)).min(items.len());
    let mut output = json!({ key: items[start..end] });
    if end < items.len() {
        output["NextMarker"] = json!(end.to_string());
    }
    json(200, &output)
}
