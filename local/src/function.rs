//! What Lambda's operations on functions and on their versions and aliases share: a function's
//! configuration as Lambda answers it, its RevisionId, the name in a name or ARN, a marker's
//! page, and Lambda's not-found, invalid-parameter and stale-revision answers. A leaf below
//! `lambda` and `versions`, so that neither imports the other's helpers.

// An answer is an HTTP response, as every handler here returns: not worth boxing.
#![allow(clippy::result_large_err)]

use std::sync::LazyLock;

use axum::response::Response;

use super::runtime::function_arn;
pub use super::shapes::lambda::ErrorCode;
use super::shapes::lambda::{
    ApplicationLogLevel, Architecture, EnvironmentResponse, EphemeralStorage,
    FunctionConfiguration, LastUpdateStatus, LastUpdateStatusReasonCode, LogFormat, LoggingConfig,
    PackageType, Runtime, RuntimeVersionConfig, State as ModelState, StateReasonCode,
    SystemLogLevel, TracingConfigResponse, TracingMode,
};
use super::state::{Db, Function, Logging, State, UpdateStatus};
pub use super::wire::lambda_error;

/// The most items a List call answers with when the caller sets no `MaxItems` (Lambda's 50).
const DEFAULT_MAX_ITEMS: usize = 50;

/// A function's name or ARN as Lambda's model reads a `FunctionName` (its pattern, anchored,
/// each part a group): `NAME`, `NAME:QUALIFIER`, `function:NAME`, `ACCOUNT:function:NAME` and
/// `arn:PARTITION:lambda:REGION:ACCOUNT:function:NAME:QUALIFIER`, every part where the pattern
/// puts it. So `arn:aws:lambda:REGION:ACCOUNT:function` names the function `function` (recorded:
/// test_function_name_and_qualifier_validation[incomplete_arn-*], "Function not found:
/// …:function:function").
static FUNCTION_NAME: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(concat!(
        r"^(?:arn:(?:aws[a-zA-Z-]*)?:lambda:)?",
        r"(?:(?:eusc-)?[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d:)?(?:\d{12}:)?(?:function:)?",
        r"([a-zA-Z0-9_.-]+)(?::(\$LATEST(?:\.PUBLISHED)?|[a-zA-Z0-9_-]+))?$",
    ))
    .expect("the FunctionName pattern compiles")
});

/// The name and the qualifier a function name or ARN carries; `None` for one outside the
/// model's pattern (which the model refuses before any handler runs).
fn name_parts(name_or_arn: &str) -> Option<(&str, Option<&str>)> {
    let parts = FUNCTION_NAME.captures(name_or_arn)?;
    let name = parts.get(1)?.as_str();
    Some((name, parts.get(2).map(|q| q.as_str())))
}

pub fn name_of(name_or_arn: &str) -> &str {
    match name_parts(name_or_arn) {
        Some((name, _)) => name,
        None => name_or_arn
            .rsplit(":function:")
            .next()
            .unwrap_or(name_or_arn)
            .split(':')
            .next()
            .unwrap_or(name_or_arn),
    }
}

/// The qualifier a function name or ARN carries (`FAQ:$LATEST`, `arn:…:function:FAQ:5`).
pub fn qualifier_of(name_or_arn: &str) -> Option<String> {
    if let Some((_, qualifier)) = name_parts(name_or_arn) {
        return qualifier.map(str::to_string);
    }
    let name = name_or_arn
        .rsplit(":function:")
        .next()
        .unwrap_or(name_or_arn);
    name.split_once(':')
        .map(|(_, qualifier)| qualifier.to_string())
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
/// The most tags a Lambda resource has.
pub const MAX_TAGS: usize = 50;

pub fn too_many_tags() -> Response {
    invalid("Number of tags exceeds resource tag limit.")
}

/// TagResource's tags added to a resource's (a function's, an event source mapping's): none
/// given refused (recorded: TestLambdaTags::test_tag_exceptions, tag_empty_tags), at most 50
/// in all.
pub fn add_tags(
    existing: &mut std::collections::BTreeMap<String, String>,
    tags: std::collections::BTreeMap<String, String>,
) -> Result<(), Response> {
    if tags.is_empty() {
        return Err(invalid(
            "An error occurred and the request cannot be processed.",
        ));
    }
    let added = tags.keys().filter(|k| !existing.contains_key(*k)).count();
    if existing.len() + added > MAX_TAGS {
        return Err(too_many_tags());
    }
    existing.extend(tags);
    Ok(())
}

/// TagResource, UntagResource or ListTags, on the tags of a resource found by its ARN.
pub enum TagChange<'a> {
    Tag(std::collections::BTreeMap<String, String>),
    Untag(&'a [String]),
    List,
}

/// A tag operation on the tags of a resource other than a function (an event source
/// mapping's, a code signing config's), or the refusal looking for it gave: 204, 204 (a key
/// it does not have is no error), or its tags; and whether they changed.
pub fn change_tags(
    found: Result<&mut std::collections::BTreeMap<String, String>, Response>,
    change: TagChange,
) -> (Response, bool) {
    let tags = match found {
        Ok(tags) => tags,
        Err(refusal) => return (refusal, false),
    };
    match change {
        TagChange::Tag(added) => match add_tags(tags, added) {
            Ok(()) => (super::wire::empty(204), true),
            Err(refusal) => (refusal, false),
        },
        TagChange::Untag(keys) => {
            for key in keys {
                tags.remove(key);
            }
            (super::wire::empty(204), true)
        }
        TagChange::List => (
            super::wire::json(200, &serde_json::json!({ "Tags": tags })),
            false,
        ),
    }
}

pub fn invalid(message: &str) -> Response {
    lambda_error(ErrorCode::InvalidParameterValueException, message)
}
/// The version a request names: the `Qualifier` parameter, or the one its function name or ARN
/// carries; both, when they differ, are refused (recorded: test_ops_with_arn_qualifier_mismatch).
pub fn qualifier(name: &str, parameter: Option<&str>) -> Result<Option<String>, Response> {
    match (qualifier_of(name), parameter) {
        (Some(derived), Some(given)) if derived != given => Err(invalid(
            "The derived qualifier from the function name does not match the specified qualifier.",
        )),
        (derived, given) => Ok(given.map(str::to_string).or(derived)),
    }
}
/// A function's configuration as the list operations answer it (ListFunctions,
/// ListVersionsByFunction's `$LATEST`): without its state and runtime version, as recorded.
pub fn listed(f: &Function) -> FunctionConfiguration {
    FunctionConfiguration {
        state: None,
        state_reason: None,
        state_reason_code: None,
        last_update_status: None,
        last_update_status_reason: None,
        last_update_status_reason_code: None,
        runtime_version_config: None,
        ..configuration(f)
    }
}

/// A function's configuration as Lambda answers it. The members and their states as recorded
/// on AWS (LocalStack's test_lambda_api.snapshot.json, TestLambdaFunction::
/// test_function_lifecycle): Environment always, with no variables as `{}`; while creating,
/// State Pending with its reason and code and no LastUpdateStatus; while updating,
/// LastUpdateStatus InProgress with AWS's own reason and code.
pub fn configuration(f: &Function) -> FunctionConfiguration {
    let mut out = FunctionConfiguration {
        function_name: Some(f.name.clone()),
        function_arn: Some(f.arn.clone()),
        // Refused at CreateFunction unless the model has it.
        runtime: Runtime::from_value(&f.runtime),
        role: Some(f.role.clone()),
        handler: Some(f.handler.clone()),
        code_size: Some(f.code_size as i64),
        description: Some(f.description.clone()),
        timeout: Some(f.timeout as i32),
        memory_size: Some(f.memory as i32),
        last_modified: Some(f.last_modified.clone()),
        code_sha256: Some(f.code_sha256.clone()),
        version: Some(f.version.clone()),
        // Only when it was given one (recorded: test_lambda_concurrent_code_updates, a function
        // created without one; LocalStack's other fixtures always pass `{"Variables": {}}`).
        environment: f.environment.as_ref().map(|variables| EnvironmentResponse {
            variables: Some(variables.clone()),
            error: None,
        }),
        revision_id: Some(revision_id(f)),
        state: Some(match f.state {
            State::Pending => ModelState::Pending,
            State::Active => ModelState::Active,
            State::Failed => ModelState::Failed,
        }),
        package_type: Some(PackageType::Zip),
        architectures: Some(
            f.architectures
                .iter()
                .filter_map(|a| Architecture::from_value(a))
                .collect(),
        ),
        ephemeral_storage: Some(EphemeralStorage { size: 512 }),
        snap_start: Some(super::snapstart::response(f.snap_start, &f.version)),
        // Only when it has some (recorded: test_layer_lifecycle, get_fn_result and
        // update_fn_config).
        layers: (!f.layers.is_empty()).then(|| {
            f.layers
                .iter()
                .map(|(arn, size)| super::shapes::lambda::Layer {
                    arn: Some(arn.clone()),
                    code_size: Some(*size as i64),
                    ..Default::default()
                })
                .collect()
        }),
        runtime_version_config: Some(RuntimeVersionConfig {
            runtime_version_arn: Some(super::arns::runtime_version_arn(&f.region, &f.runtime)),
            error: None,
        }),
        logging_config: Some(LoggingConfig {
            log_format: Some(if f.logging.json {
                LogFormat::Json
            } else {
                LogFormat::Text
            }),
            application_log_level: f.logging.application_level,
            system_log_level: f.logging.system_level,
            log_group: Some(f.log_group()),
        }),
        tracing_config: Some(TracingConfigResponse {
            mode: Some(TracingMode::PassThrough),
        }),
        ..Default::default()
    };
    let status = match f.last_update_status {
        UpdateStatus::InProgress => LastUpdateStatus::InProgress,
        UpdateStatus::Successful => LastUpdateStatus::Successful,
        UpdateStatus::Failed => LastUpdateStatus::Failed,
    };
    match f.state {
        State::Pending => {
            out.state_reason = Some("The function is being created.".into());
            out.state_reason_code = Some(StateReasonCode::Creating);
        }
        State::Failed => {
            out.state_reason = Some(f.state_reason.clone().unwrap_or_default());
            out.state_reason_code = Some(StateReasonCode::InternalError);
            out.last_update_status = Some(status);
        }
        State::Active => {
            out.last_update_status = Some(status);
            match f.last_update_status {
                UpdateStatus::InProgress => {
                    out.last_update_status_reason = Some("The function is being created.".into());
                    out.last_update_status_reason_code = Some(LastUpdateStatusReasonCode::Creating);
                }
                UpdateStatus::Failed => {
                    out.last_update_status_reason =
                        Some(f.state_reason.clone().unwrap_or_default());
                    out.last_update_status_reason_code =
                        Some(LastUpdateStatusReasonCode::InternalError);
                }
                UpdateStatus::Successful => {}
            }
        }
    }
    out
}
/// A `LoggingConfig` asked for, over the one a function has, as Lambda merges it (recorded:
/// TestLoggingConfig's tests): each member given replaces its own; a JSON format has both
/// levels (INFO unless given), a Text one neither; a level asked for with a Text format is
/// refused (in AWS's words, as LocalStack's provider keeps them).
pub fn merge_logging(current: &Logging, asked: LoggingConfig) -> Result<Logging, Response> {
    let json = asked
        .log_format
        .map_or(current.json, |f| f == LogFormat::Json);
    if !json && (asked.application_log_level.is_some() || asked.system_log_level.is_some()) {
        return Err(invalid("LogLevel is not supported when LogFormat is set to \"Text\". Remove LogLevel from your request or change the LogFormat to \"JSON\" and try again."));
    }
    Ok(Logging {
        json,
        application_level: json.then(|| {
            asked
                .application_log_level
                .or(current.application_level)
                .unwrap_or(ApplicationLogLevel::Info)
        }),
        system_level: json.then(|| {
            asked
                .system_log_level
                .or(current.system_level)
                .unwrap_or(SystemLogLevel::Info)
        }),
        log_group: asked.log_group.or_else(|| current.log_group.clone()),
    })
}

/// A `RevisionId` that is not the function's current one: 412, naming the call that reads the
/// current one (recorded: TestLambdaRevisions::test_function_revisions_basic).
pub fn stale_revision(
    given: Option<&str>,
    function: &Function,
    read_with: &str,
) -> Option<Response> {
    let given = given?;
    (given != revision_id(function)).then(|| {
        lambda_error(ErrorCode::PreconditionFailedException, &format!("The Revision Id provided does not match the latest Revision Id. Call the {read_with} API to retrieve the latest Revision Id"),
        )
    })
}
/// The RevisionId of a function (`$LATEST`) or of a published version: one per version,
/// configuration revision and mark, so that no two are ever the same.
pub fn revision_id(function: &Function) -> String {
    revision_id_of(
        function.revision_salt,
        &function.version,
        function.marks,
        function.revision,
    )
}

/// `revision_id`, of its parts.
pub fn revision_id_of(salt: u32, version: &str, marks: u64, revision: u64) -> String {
    let version = version.parse::<u64>().unwrap_or(0);
    format!("{salt:08x}-0000-{version:04}-{marks:04}-{revision:012}")
}
/// A Lambda list's answer: one `page` of `items`, in the operation's output shape.
pub fn paged<T, O: serde::Serialize>(
    items: Vec<T>,
    marker: Option<String>,
    max_items: Option<i32>,
    most: usize,
    output: impl FnOnce(Vec<T>, Option<String>) -> O,
) -> Response {
    match page(items, marker, max_items, most) {
        Ok((items, next_marker)) => super::wire::json(200, &output(items, next_marker)),
        Err(refusal) => refusal,
    }
}

/// One page of a Lambda list: `MaxItems` (1 to 10,000; 50 when absent) but never more than
/// `most`, from `Marker` (the index to go on from), and the `NextMarker` for the rest.
fn page<T>(
    mut items: Vec<T>,
    marker: Option<String>,
    max_items: Option<i32>,
    most: usize,
) -> Result<(Vec<T>, Option<String>), Response> {
    let start = match marker.as_deref().map(str::parse::<usize>) {
        None => 0,
        Some(Ok(start)) if start <= items.len() => start,
        Some(_) => return Err(invalid("Invalid Marker")),
    };
    let max = match max_items {
        None => DEFAULT_MAX_ITEMS,
        Some(max @ 1..=10_000) => max as usize,
        Some(_) => return Err(invalid("MaxItems must be between 1 and 10000")),
    };
    let end = (start + max.min(most)).min(items.len());
    let next = (end < items.len()).then(|| end.to_string());
    items.truncate(end);
    items.drain(..start);
    Ok((items, next))
}

/// A function-level operation (reserved concurrency, recursion) takes a function, never a
/// version or an alias (recorded: test_function_concurrency_exceptions,
/// put_function_concurrency_with_qualified_arn).
fn check_unqualified(name: &str) -> Result<(), Response> {
    match qualifier_of(name) {
        Some(_) => Err(invalid(
            "This operation is permitted on Lambda functions only. Aliases and versions do not support this operation. Please specify either a function name or an unqualified function ARN.",
        )),
        None => Ok(()),
    }
}

/// The function a request names, or Lambda's answer: a qualifier refused, another region's
/// ARN, or "Function not found: ARN:$LATEST" (recorded: test_function_concurrency_exceptions,
/// test_get_function_wrong_region[get_function_concurrency]).
pub fn unqualified_mut<'a>(
    db: &'a mut Db,
    region: &str,
    name: &str,
) -> Result<&'a mut Function, Response> {
    check_unqualified(name)?;
    check_region(region, name)?;
    let name = name_of(name);
    let missing = || version_not_found(&function_arn(region, name), "$LATEST");
    db.function_mut(region, name).ok_or_else(missing)
}
