//! AWS Lambda (restJson1, `/2015-03-31/functions…`, `/2017-03-31/tags…`): create, read,
//! update and delete functions, their policy and tags, and Invoke. A new function is
//! `Pending`, then `Active`; an update is `InProgress`, then `Successful`, each a moment later
//! in the background, so that clients really wait with the SDK's waiters.

// An early answer is a whole HTTP response; boxing it buys nothing at this scale.
#![allow(clippy::result_large_err)]

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{HeaderValue, Method};
use axum::response::Response;
use base64::Engine;
use serde_json::{json, Value};

use super::clock::lambda_timestamp;
use super::code::{self, CodeError};
use super::error::Protocol;
use super::faults::Service;
use super::function::{
    add_tags, change_tags, check_region, configuration, invalid, lambda_error, listed,
    merge_logging, name_of, not_found, paged, qualifier, qualifier_of, revision_id, stale_revision,
    too_many_tags, version_not_found, ErrorCode, TagChange, MAX_TAGS,
};
use super::model;
use super::runtime::function_arn;
pub use super::shapes::lambda::Operation;
use super::shapes::lambda::{
    AddPermissionRequest, AddPermissionResponse, Architecture, Concurrency, CreateFunctionRequest,
    DeleteFunctionRequest, FunctionCodeLocation, FunctionConfiguration, FunctionUrlAuthType,
    FunctionVersion, GetFunctionRequest, GetFunctionResponse, GetPolicyRequest, GetPolicyResponse,
    InvocationRequest, InvocationType, ListFunctionsRequest, ListFunctionsResponse,
    ListTagsResponse, LogType, RemovePermissionRequest, Request, Runtime, TagResourceRequest,
    TagsError, UntagResourceRequest, UpdateFunctionCodeRequest, UpdateFunctionConfigurationRequest,
};
use super::state::{Function, Logging, State, UpdateStatus};
use super::wire::{empty, json};
use super::Cloud;
use super::{
    code_signing, concurrency, event_config, event_source_mappings, function_urls, layers,
    provisioned, recursion, versions,
};

/// Lambda's limit for an asynchronous (`Event`) invocation's payload.
const MAX_EVENT_PAYLOAD: usize = 1024 * 1024;
/// Lambda's limit for a synchronous invocation's request payload.
pub const MAX_INVOKE_PAYLOAD: usize = 6 * 1024 * 1024;
/// The largest CreateFunction / UpdateFunctionCode request Lambda takes, in its own words
/// ("Request must be smaller than 70167211 bytes for the CreateFunction operation"; recorded:
/// test_oversized_request_create_lambda, 2025-11-25).
pub const MAX_CODE_REQUEST: usize = 70_167_211;

/// The emulated operation a request is for, by the model's HTTP bindings (the most specific
/// URI template that matches); `None` for one it does not emulate.
pub fn operation(method: &Method, path: &str, query: &str) -> Option<Operation> {
    model::route_query(Service::Lambda, method.as_str(), path, query).and_then(Operation::from_name)
}

/// Whether it changes state (and so the state is saved after it).
pub fn writes(operation: Operation) -> bool {
    !matches!(
        operation,
        Operation::ListFunctions
            | Operation::GetFunction
            | Operation::GetFunctionConfiguration
            | Operation::GetPolicy
            | Operation::ListVersionsByFunction
            | Operation::GetAlias
            | Operation::ListAliases
            | Operation::ListTags
            | Operation::GetFunctionUrlConfig
            | Operation::ListFunctionUrlConfigs
            | Operation::GetProvisionedConcurrencyConfig
            | Operation::ListProvisionedConcurrencyConfigs
            | Operation::GetLayerVersion
            | Operation::GetLayerVersionByArn
            | Operation::ListLayers
            | Operation::ListLayerVersions
            | Operation::GetLayerVersionPolicy
            | Operation::GetCodeSigningConfig
            | Operation::ListCodeSigningConfigs
            | Operation::GetFunctionCodeSigningConfig
            | Operation::ListFunctionsByCodeSigningConfig
            | Operation::GetEventSourceMapping
            | Operation::ListEventSourceMappings
            | Operation::Invoke
    )
}

/// Whether a request carries code (a zip, base64 in JSON).
fn uploads_code(operation: Option<Operation>) -> bool {
    matches!(
        operation,
        Some(Operation::CreateFunction | Operation::UpdateFunctionCode)
    )
}

/// The largest request Lambda takes for it: a 50 MB zip, base64 in JSON, for code uploads;
/// the 6 MB payload quota for Invoke and everything else.
pub fn max_request_bytes(operation: Option<Operation>) -> usize {
    if uploads_code(operation) {
        MAX_CODE_REQUEST
    } else {
        MAX_INVOKE_PAYLOAD
    }
}

/// The error Lambda answers beyond `max_request_bytes`.
pub fn too_large(operation: Option<Operation>) -> ErrorCode {
    if uploads_code(operation) {
        ErrorCode::RequestEntityTooLargeException
    } else {
        ErrorCode::RequestTooLargeException
    }
}

/// Performs an operation: its typed input (the path's, query's, headers' and body's members,
/// held to the model) to one function per operation, as mini-redis applies a `Command`.
/// `region` is the request's (its SigV4 scope); `body` is Invoke's payload. A call on another
/// account's function or layer runs as that account's, if its resource policy lets it.
pub async fn apply(
    cloud: &Arc<Cloud>,
    operation: Operation,
    region: &str,
    input: Value,
    body: &[u8],
    headers: &axum::http::HeaderMap,
) -> Response {
    use super::cross_account::{owner, Acting};
    match owner(cloud, operation, region, &input) {
        Acting::Own => apply_own(cloud, operation, region, input, body, headers).await,
        Acting::As(owner) => {
            // The router marks the caller's state changed after a write; the owner's is the
            // one written here.
            let call = async {
                let response = apply_own(cloud, operation, region, input, body, headers).await;
                if writes(operation) && response.status().is_success() {
                    cloud.db().changed();
                }
                response
            };
            Box::pin(super::arns::in_account(owner, call)).await
        }
        Acting::Refused(refusal) => refusal,
    }
}

/// Performs an operation in the account the request acts in.
async fn apply_own(
    cloud: &Arc<Cloud>,
    operation: Operation,
    region: &str,
    input: Value,
    body: &[u8],
    headers: &axum::http::HeaderMap,
) -> Response {
    // Parsing moves the members (a code upload's zip is not copied).
    let request = match Request::parse(operation, input) {
        Ok(request) => request,
        Err(e) => return super::wire::error(Protocol::RestJson1, &e),
    };
    match request {
        Request::CreateFunction(input) => create_function(cloud, region, input, body).await,
        Request::ListFunctions(input) => list_functions(cloud, region, input),
        Request::GetFunction(input) => {
            // The caller was judged before the handler ran: its credentials are good.
            let caller = cloud
                .iam
                .caller(headers)
                .unwrap_or(super::iam::Caller::Local);
            // The code's location names the host the caller reached the local cloud by.
            let host = headers
                .get("host")
                .and_then(|h| h.to_str().ok())
                .unwrap_or("127.0.0.1:4566");
            get_function(cloud, &caller, region, host, input)
        }
        Request::DeleteFunction(input) => delete_function(cloud, region, input),
        Request::GetFunctionConfiguration(input) => with_version(
            cloud,
            region,
            &input.function_name,
            input.qualifier.as_deref(),
            |f| json(200, &configuration(f)),
        ),
        Request::UpdateFunctionConfiguration(input) => {
            update_configuration(cloud, region, input, body)
        }
        Request::UpdateFunctionCode(input) => update_code(cloud, region, input).await,
        Request::AddPermission(input) => add_permission(cloud, region, input),
        Request::GetPolicy(input) => get_policy(cloud, region, input),
        Request::RemovePermission(input) => remove_permission(cloud, region, input),
        Request::PublishVersion(input) => versions::publish(cloud, region, input),
        Request::ListVersionsByFunction(input) => versions::list(cloud, region, input),
        Request::CreateAlias(input) => versions::create_alias(cloud, region, input),
        Request::GetAlias(input) => versions::get_alias(cloud, region, input),
        Request::UpdateAlias(input) => versions::update_alias(cloud, region, input),
        Request::DeleteAlias(input) => versions::delete_alias(cloud, region, input),
        Request::ListAliases(input) => versions::list_aliases(cloud, region, input),
        Request::Invoke(input) => invoke(cloud, region, input, body).await,
        Request::TagResource(input) => tag_resource(cloud, region, input),
        Request::UntagResource(input) => untag_resource(cloud, region, input),
        Request::ListTags(input) => list_tags(cloud, region, &input.resource),
        Request::PutFunctionConcurrency(input) => concurrency::put(cloud, region, input),
        Request::GetFunctionConcurrency(input) => concurrency::get(cloud, region, input),
        Request::DeleteFunctionConcurrency(input) => concurrency::delete(cloud, region, input),
        Request::GetAccountSettings(_) => concurrency::account_settings(cloud, region),
        Request::PutFunctionRecursionConfig(input) => recursion::put(cloud, region, input),
        Request::GetFunctionRecursionConfig(input) => recursion::get(cloud, region, input),
        Request::PutFunctionEventInvokeConfig(input) => event_config::put(cloud, region, input),
        Request::UpdateFunctionEventInvokeConfig(input) => {
            event_config::update(cloud, region, input)
        }
        Request::GetFunctionEventInvokeConfig(input) => event_config::get(cloud, region, input),
        Request::DeleteFunctionEventInvokeConfig(input) => {
            event_config::delete(cloud, region, input)
        }
        Request::ListFunctionEventInvokeConfigs(input) => event_config::list(cloud, region, input),
        Request::CreateFunctionUrlConfig(input) => function_urls::create(cloud, region, input),
        Request::GetFunctionUrlConfig(input) => function_urls::get(cloud, region, input),
        Request::UpdateFunctionUrlConfig(input) => function_urls::update(cloud, region, input),
        Request::DeleteFunctionUrlConfig(input) => function_urls::delete(cloud, region, input),
        Request::ListFunctionUrlConfigs(input) => function_urls::list(cloud, region, input),
        Request::PutProvisionedConcurrencyConfig(input) => provisioned::put(cloud, region, input),
        Request::GetProvisionedConcurrencyConfig(input) => provisioned::get(cloud, region, input),
        Request::DeleteProvisionedConcurrencyConfig(input) => {
            provisioned::delete(cloud, region, input)
        }
        Request::ListProvisionedConcurrencyConfigs(input) => {
            provisioned::list(cloud, region, input)
        }
        Request::PublishLayerVersion(input) => layers::publish(cloud, region, input),
        Request::GetLayerVersion(input) => layers::get(cloud, region, input),
        Request::GetLayerVersionByArn(input) => layers::get_by_arn(cloud, region, input),
        Request::ListLayers(input) => layers::list(cloud, region, input),
        Request::ListLayerVersions(input) => layers::list_versions(cloud, region, input),
        Request::DeleteLayerVersion(input) => layers::delete(cloud, region, input),
        Request::AddLayerVersionPermission(input) => layers::add_permission(cloud, region, input),
        Request::RemoveLayerVersionPermission(input) => {
            layers::remove_permission(cloud, region, input)
        }
        Request::GetLayerVersionPolicy(input) => layers::get_policy(cloud, region, input),
        Request::CreateCodeSigningConfig(input) => code_signing::create(cloud, region, input),
        Request::GetCodeSigningConfig(input) => code_signing::get(cloud, region, input),
        Request::UpdateCodeSigningConfig(input) => code_signing::update(cloud, region, input),
        Request::DeleteCodeSigningConfig(input) => code_signing::delete(cloud, region, input),
        Request::ListCodeSigningConfigs(input) => code_signing::list(cloud, region, input),
        Request::PutFunctionCodeSigningConfig(input) => {
            code_signing::put_function(cloud, region, input)
        }
        Request::GetFunctionCodeSigningConfig(input) => {
            code_signing::get_function(cloud, region, input)
        }
        Request::DeleteFunctionCodeSigningConfig(input) => {
            code_signing::delete_function(cloud, region, input)
        }
        Request::ListFunctionsByCodeSigningConfig(input) => {
            code_signing::list_functions(cloud, region, input)
        }
        Request::CreateEventSourceMapping(input) => {
            event_source_mappings::create(cloud, region, input)
        }
        Request::GetEventSourceMapping(input) => event_source_mappings::get(cloud, region, input),
        Request::ListEventSourceMappings(input) => {
            event_source_mappings::list(cloud, region, input)
        }
        Request::UpdateEventSourceMapping(input) => {
            event_source_mappings::update(cloud, region, input)
        }
        Request::DeleteEventSourceMapping(input) => {
            event_source_mappings::delete(cloud, region, input)
        }
    }
}

/// Runtimes in Lambda's model that it no longer takes for a create or an update: the eight
/// recorded on AWS (test_create_deprecated_function_runtime_with_validation_enabled, 2025),
/// and those its runtime deprecation policy blocked before them.
const BLOCKED_RUNTIMES: &[&str] = &[
    "java8",
    "go1.x",
    "provided",
    "ruby2.7",
    "nodejs14.x",
    "python3.7",
    "dotnetcore3.1",
    "nodejs12.x",
    "nodejs",
    "nodejs4.3",
    "nodejs4.3-edge",
    "nodejs6.10",
    "nodejs8.10",
    "nodejs10.x",
    "python2.7",
    "python3.6",
    "dotnetcore1.0",
    "dotnetcore2.0",
    "dotnetcore2.1",
    "ruby2.5",
];

/// A runtime Lambda no longer takes, refused in its words.
fn check_runtime_supported(runtime: Option<Runtime>) -> Result<(), Response> {
    match runtime.map(Runtime::as_str) {
        Some(name) if BLOCKED_RUNTIMES.contains(&name) => Err(invalid(&format!("The runtime parameter of {name} is no longer supported for creating or updating AWS Lambda functions. We recommend you use a supported runtime while creating or updating functions."))),
        _ => Ok(()),
    }
}

/// A request's `Environment.Variables` as JSON, in the order the request gave them.
fn in_request_order(body: &[u8]) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Request {
        #[serde(rename = "Environment")]
        environment: Option<Environment>,
    }
    #[derive(serde::Deserialize)]
    struct Environment {
        #[serde(rename = "Variables")]
        variables: Option<indexmap::IndexMap<String, String>>,
    }
    let request: Request = serde_json::from_slice(body).ok()?;
    serde_json::to_string(&request.environment?.variables?).ok()
}

/// Whether a function name or ARN is of this account: an account id in it must be the local
/// cloud's.
fn in_this_account(name_or_arn: &str) -> bool {
    super::arns::lambda_arn(name_or_arn).is_none_or(|arn| arn.account == &*super::arns::account())
}

/// Runs `f` on what the qualifier names: `$LATEST`, a published version, or an alias' version
/// (its FunctionArn qualified as asked); anything else is not found, with `:QUALIFIER` in the
/// message (recorded: test_ops_on_nonexisting_version, get_function_alias_notfound_exc).
fn with_version(
    cloud: &Cloud,
    region: &str,
    name: &str,
    parameter: Option<&str>,
    f: impl FnOnce(&Function) -> Response,
) -> Response {
    let qualifier = match qualifier(name, parameter) {
        Ok(qualifier) => qualifier,
        Err(response) => return response,
    };
    if let Err(response) = check_region(region, name) {
        return response;
    }
    let db = cloud.db();
    let Some(function) = db.function(region, name_of(name)) else {
        return match qualifier {
            Some(qualifier) => version_not_found(&function_arn(region, name_of(name)), &qualifier),
            None => not_found(region, name),
        };
    };
    match super::versions::resolve(function, qualifier.as_deref()) {
        Some(named) => f(&named.function),
        None => version_not_found(&function.arn, qualifier.as_deref().unwrap_or_default()),
    }
}

/// Beyond AWS's own rules (the service model's enum): a function this machine cannot run is
/// refused when it is deployed, not on every request after.
fn check_architectures(architectures: &[String]) -> Result<(), Response> {
    for architecture in architectures {
        super::emulation::check_runnable(architecture).map_err(|message| invalid(&message))?;
    }
    Ok(())
}

fn architecture_names(architectures: &[Architecture]) -> Vec<String> {
    architectures
        .iter()
        .map(|a| a.as_str().to_string())
        .collect()
}

/// The code a request carries (a zip, base64 in JSON), checked as Lambda checks it, with its
/// SHA-256; off the async workers: decoding, checking and hashing tens of megabytes take long
/// enough to stall every other request if done on them.
async fn read_code(
    zip_file: Option<String>,
    runtime: Option<&str>,
) -> Result<(Vec<u8>, String), Response> {
    // Only a provided.* runtime runs a bootstrap of the code; a managed one (the local cloud
    // runs Python, Node.js, Java and Ruby; .NET it does not run) loads the handler.
    let needs_bootstrap = runtime.is_none_or(|r| r.starts_with("provided"));
    let Some(encoded) = zip_file else {
        return Err(invalid(
            "faqctl local takes the code as ZipFile; S3 and container images are not emulated",
        ));
    };
    let read = tokio::task::spawn_blocking(move || {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .map_err(|_| invalid("ZipFile is not valid base64"))?;
        code::check(&bytes, needs_bootstrap).map_err(|e| match e {
            // Checked before the request's size (recorded: test_oversized_zipped_create_lambda).
            CodeError::TooLargeZipped => lambda_error(ErrorCode::RequestEntityTooLargeException, &format!("Zipped size must be smaller than {} bytes", code::MAX_ZIPPED_BYTES)),
            // In AWS's words, no more (recorded: test_create_lambda_exceptions, invalid_zip_exc).
            CodeError::NotAZip(_) | CodeError::PathEscape(_) => invalid("Could not unzip uploaded file. Please check your file, then try to upload again."),
            // Lambda's quota, in its words.
            CodeError::TooLargeUnzipped(_) => invalid(&format!("Unzipped size must be smaller than {} bytes", code::MAX_UNZIPPED_BYTES)),
            // The local cloud's own check (AWS finds out at the first Invoke).
            other => invalid(&format!("Could not unzip uploaded file. Please check your file, then try to upload again. ({other})")),
        })?;
        let sha = code::sha256(&bytes);
        Ok((bytes, sha))
    });
    read.await.unwrap_or_else(|_| {
        Err(lambda_error(
            ErrorCode::ServiceException,
            "faqctl local could not read the code",
        ))
    })
}

/// The ranges CreateFunction and UpdateFunctionConfiguration check (Lambda's model:
/// MemorySize 128–10240, Timeout 1–900), before anything changes.
fn check_sizes(memory: Option<i32>, timeout: Option<i32>) -> Result<(), Response> {
    if memory.is_some_and(|m| !(128..=10240).contains(&m))
        || timeout.is_some_and(|t| !(1..=900).contains(&t))
    {
        return Err(invalid(
            "MemorySize must be 128 to 10240 MB and Timeout 1 to 900 seconds",
        ));
    }
    Ok(())
}

async fn create_function(
    cloud: &Arc<Cloud>,
    region: &str,
    input: CreateFunctionRequest,
    body: &[u8],
) -> Response {
    let runtime = input.runtime.map(Runtime::as_str);
    let (code, code_sha256) = match read_code(input.code.zip_file, runtime).await {
        Ok(read) => read,
        Err(response) => return response,
    };
    // A name, or a full or partial ARN of this region and account (the model's pattern has
    // been checked); the name in it at most 64 long (recorded: test_function_arns).
    let given = input.function_name;
    if let Err(response) = check_region(region, &given) {
        return response;
    }
    if !in_this_account(&given) {
        return lambda_error(ErrorCode::AccessDeniedException, "");
    }
    let name = name_of(&given).to_string();
    if name.len() > 64 {
        return invalid(&format!("1 validation error detected: Value '{name}' at 'functionName' failed to satisfy constraint: Member must have length less than or equal to 64"));
    }
    if qualifier_of(&given).is_some() {
        return invalid(&format!("1 validation error detected: Value '{given}' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9-_]+"));
    }
    let role = input.role;
    if let Err(response) = check_role(&role, region).and_then(|()| check_propagated(cloud, &role)) {
        return response;
    }
    let variables = input.environment.map(|e| e.variables.unwrap_or_default());
    if let Err(response) = check_environment(variables.as_ref(), body) {
        return response;
    }
    let tags = input.tags.unwrap_or_default();
    if tags.len() > MAX_TAGS {
        return too_many_tags();
    }
    let architectures = input
        .architectures
        .map_or_else(|| vec!["x86_64".to_string()], |a| architecture_names(&a));
    if let Err(response) = check_architectures(&architectures) {
        return response;
    }
    if let Err(response) = check_sizes(input.memory_size, input.timeout) {
        return response;
    }
    if let Err(response) = check_runtime_supported(input.runtime) {
        return response;
    }
    let runtime = input.runtime.map_or("provided.al2023", Runtime::as_str);
    let snap_start = super::snapstart::asked(input.snap_start.as_ref()).unwrap_or(false);
    if let Err(response) = super::snapstart::check(runtime, snap_start) {
        return response;
    }
    let layers =
        match super::layers::resolve(cloud, region, input.layers.as_deref().unwrap_or_default()) {
            Ok(layers) => layers,
            Err(response) => return response,
        };
    let logging = match input.logging_config {
        Some(asked) => match merge_logging(&Logging::default(), asked) {
            Ok(logging) => logging,
            Err(response) => return response,
        },
        None => Logging::default(),
    };
    if cloud.db().function(region, &name).is_some() {
        return lambda_error(
            ErrorCode::ResourceConflictException,
            &format!("Function already exist: {name}"),
        );
    }
    let signing = input.code_signing_config_arn;
    let checked =
        super::code_signing::check_deployment(&cloud.db(), region, signing.as_deref(), &name);
    if let Err(refusal) = checked {
        return refusal;
    }
    let mut function = Function {
        arn: function_arn(region, &name),
        name: name.clone(),
        region: region.to_string(),
        runtime: runtime.to_string(),
        role,
        handler: input.handler.unwrap_or_else(|| "bootstrap".into()),
        description: input.description.unwrap_or_default(),
        timeout: input.timeout.map_or(3, |t| t as u64),
        memory: input.memory_size.map_or(128, |m| m as u64),
        architectures,
        environment: variables,
        code_sha256,
        code_size: code.len() as u64,
        revision: 1,
        marks: 0,
        revision_salt: fastrand::u32(..),
        code_dir: PathBuf::new(),
        last_modified: lambda_timestamp(),
        state: State::Pending,
        state_reason: Some("The function is being created.".into()),
        last_update_status: UpdateStatus::InProgress,
        tags,
        logging,
        policy: Vec::new(),
        policy_revision: None,
        version: "$LATEST".into(),
        versions: Default::default(),
        last_version: 0,
        aliases: Default::default(),
        reserved_concurrency: None,
        recursion_allowed: false,
        event_configs: BTreeMap::new(),
        url_configs: BTreeMap::new(),
        retired_url_ids: Vec::new(),
        provisioned: BTreeMap::new(),
        snap_start,
        layers,
        code_signing_config: signing,
    };
    let mut answered = configuration(&function);
    // Publish: version 1 is made with the function, Pending as it is, and settles with it;
    // the answer is the function's, unqualified, with Version 1 (recorded:
    // test_publish_version_on_create).
    if input.publish == Some(true) {
        let (number, published) = super::versions::new_version(&mut function);
        function.versions.insert(number, published);
        answered.version = Some("1".into());
    }
    let response = json(201, &answered);
    {
        let mut db = cloud.db();
        // Another create may have won while the code was read.
        if db.function(region, &name).is_some() {
            return lambda_error(
                ErrorCode::ResourceConflictException,
                &format!("Function already exist: {name}"),
            );
        }
        db.insert_function(function);
        db.changed();
    }
    let published = (input.publish == Some(true)).then_some(1);
    finish_in_background(cloud, region, name, 1, code, true, published).await;
    response
}

/// Unpacks the code, then (after the configured settle time) flips the function to Active /
/// Successful, or Failed: the call itself answers Pending / InProgress, as Lambda does.
async fn finish_in_background(
    cloud: &Arc<Cloud>,
    region: &str,
    name: String,
    revision: u64,
    code: Vec<u8>,
    creating: bool,
    published: Option<u64>,
) {
    // The code is unpacked before the call returns (milliseconds for a function this size),
    // so that the state can settle right after it, as fast as the client can ask; on a
    // blocking thread, so that a large zip stalls no other request.
    let dir = cloud.code_dir(region, &name, revision);
    let region = region.to_string();
    let target = dir.clone();
    // The zip is kept beside its files: GetFunction's `Code.Location` serves it.
    let unpacked = tokio::task::spawn_blocking(move || {
        code::unpack(&code, &target)?;
        super::code_location::keep(&target, &code)
    })
    .await
    .unwrap_or_else(|_| Err("unpacking the code failed".to_string()));
    let cloud = cloud.clone();
    let tracked = cloud.clone();
    tracked.tasks.spawn(async move {
        if !cloud.settle.is_zero() {
            tokio::time::sleep(cloud.settle).await;
        }
        let mut db = cloud.db();
        let Some(function) = db.function_mut(&region, &name) else {
            return;
        };
        if function.revision != revision {
            return;
        }
        match unpacked {
            Ok(()) => {
                // The previous revision's files go: a state dir must not grow with every
                // deploy. Environments still running it have read what they need.
                // A published version keeps its code (the revision's dir) until it is deleted.
                let previous = std::mem::replace(&mut function.code_dir, dir);
                if !previous.as_os_str().is_empty()
                    && previous != function.code_dir
                    && !function.version_uses(&previous)
                {
                    super::code_location::remove(&previous);
                }
                function.state = State::Active;
                function.state_reason = None;
                function.last_update_status = UpdateStatus::Successful;
            }
            Err(reason) => {
                if creating {
                    function.state = State::Failed;
                }
                function.last_update_status = UpdateStatus::Failed;
                function.state_reason = Some(reason);
            }
        }
        // Settling is a revision of its own: AWS answers another RevisionId once a create or
        // an update is applied (recorded: test_function_lifecycle, uuid:1 Pending, uuid:2
        // Active; test_redundant_updates).
        function.revision += 1;
        // A version published with the change (CreateFunction's or UpdateFunctionCode's
        // Publish) settles with it.
        if let Some(number) = published {
            let (state, status, reason, code_dir) = (
                function.state,
                function.last_update_status,
                function.state_reason.clone(),
                function.code_dir.clone(),
            );
            if let Some(version) = function.versions.get_mut(&number) {
                version.state = if creating || state == State::Active {
                    state
                } else {
                    State::Failed
                };
                version.last_update_status = status;
                version.state_reason = reason;
                version.code_dir = code_dir;
            }
        }
        db.changed();
    });
}

/// ListFunctions pages by `Marker`: "ListFunctions returns a maximum of 50 items in each
/// response, even if you set the number higher" (its API reference).
/// With `FunctionVersion=ALL`, each function's `$LATEST` (its ARN qualified) and every
/// published version; the items without their state, as recorded (test_list_functions).
fn list_functions(cloud: &Cloud, region: &str, input: ListFunctionsRequest) -> Response {
    let all = input.function_version == Some(FunctionVersion::All);
    let db = cloud.db();
    let mut functions: Vec<FunctionConfiguration> = Vec::new();
    for function in db.functions(region) {
        let mut latest = listed(function);
        if all {
            latest.function_arn = Some(format!("{}:$LATEST", function.arn));
            functions.push(latest);
            functions.extend(function.versions.values().map(listed));
        } else {
            functions.push(latest);
        }
    }
    paged(
        functions,
        input.marker,
        input.max_items,
        50,
        |functions, next_marker| ListFunctionsResponse {
            functions: Some(functions),
            next_marker,
        },
    )
}

fn get_function(
    cloud: &Cloud,
    caller: &super::iam::Caller,
    region: &str,
    host: &str,
    input: GetFunctionRequest,
) -> Response {
    let (name, qualifier) = (&input.function_name, input.qualifier.as_deref());
    with_version(cloud, region, name, qualifier, |f| {
        let mut output = GetFunctionResponse {
            configuration: Some(configuration(f)),
            code: Some(FunctionCodeLocation {
                repository_type: Some("S3".into()),
                location: Some(super::code_location::location(
                    host,
                    &f.region,
                    &f.name,
                    &match f.version.as_str() {
                        "$LATEST" => super::code_location::newest(&f.code_dir, f.revision),
                        _ => f.code_dir.clone(),
                    },
                )),
                ..Default::default()
            }),
            // Only when reserved (recorded: test_lambda_concurrency_update,
            // get_function_concurrency_info).
            concurrency: f.reserved_concurrency.map(|reserved| Concurrency {
                reserved_concurrent_executions: Some(reserved),
            }),
            ..Default::default()
        };
        // Lambda's model: "Lambda returns tag data only if you have explicit allow permissions
        // for lambda:ListTags"; otherwise a TagsError in their place.
        let list_tags = super::iam::Need {
            action: "lambda:ListTags".into(),
            resource: function_arn(&f.region, &f.name),
        };
        if cloud
            .iam
            .allows(caller, &list_tags.action, &list_tags.resource)
        {
            // Lambda leaves Tags out of a function that has none (recorded:
            // test_publish_version_on_create's get_function_result).
            if !f.tags.is_empty() {
                output.tags = Some(f.tags.clone());
            }
        } else {
            output.tags_error = Some(TagsError {
                error_code: "AccessDeniedException".into(),
                message: super::iam::denial(caller, &list_tags, &f.region),
            });
        }
        json(200, &output)
    })
}

/// Deletes the function; with a qualifier, that version only (recorded:
/// test_ops_with_arn_qualifier_mismatch, test_delete_on_nonexisting_version): `$LATEST` is
/// refused, a version an alias routes to too, and a version that does not exist is deleted
/// already. A qualifier in an alias' form is refused before the function is looked for, in
/// AWS's words (recorded: test_function_name_and_qualifier_validation[qualifier_too_long1-
/// delete_function], an alias-like qualifier of a function that does not exist).
fn delete_function(cloud: &Cloud, region: &str, input: DeleteFunctionRequest) -> Response {
    let name = input.function_name.as_str();
    let qualifier = match qualifier(name, input.qualifier.as_deref()) {
        Ok(qualifier) => qualifier,
        Err(response) => return response,
    };
    if qualifier.as_deref() == Some("$LATEST") {
        return invalid("$LATEST version cannot be deleted without deleting the function.");
    }
    if let Err(response) = check_region(region, name) {
        return response;
    }
    if qualifier
        .as_deref()
        .is_some_and(super::versions::is_alias_name)
    {
        return invalid("Deletion of aliases is not currently supported.");
    }
    let mut db = cloud.db();
    let name = name_of(name).to_string();
    if let Some(qualifier) = qualifier {
        let Some(function) = db.function_mut(region, &name) else {
            return not_found(region, &name);
        };
        let deleted = match super::versions::delete_version(function, &qualifier) {
            Ok(deleted) => deleted,
            Err(response) => return response,
        };
        if let Some(deleted) = deleted {
            // Its code goes unless `$LATEST` or another version still runs it.
            let shared =
                function.code_dir == deleted.code_dir || function.version_uses(&deleted.code_dir);
            db.changed();
            drop(db);
            cloud
                .runtimes
                .retire_version(region, &name, &deleted.version);
            if !shared {
                super::code_location::remove(&deleted.code_dir);
            }
        }
        return empty(204);
    }
    match db.remove_function(region, &name) {
        Some(function) => {
            db.changed();
            drop(db);
            cloud.runtimes.retire(region, &name);
            if let Some(parent) = function.code_dir.parent() {
                let _ = std::fs::remove_dir_all(parent);
            }
            empty(204)
        }
        None => not_found(region, &name),
    }
}

/// A role as Lambda checks it: the service model's pattern
/// (`arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+`), then, as IAM would,
/// that it lives in the function's partition: a role of another partition passes the pattern
/// but can never be assumed.
fn check_role(role: &str, region: &str) -> Result<(), Response> {
    let shaped = super::wire::role_shaped(role);
    if !shaped {
        return Err(invalid(&format!("1 validation error detected: Value '{role}' at 'role' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*)?:iam::\\d{{12}}:role/?[a-zA-Z_0-9+=,.@\\-_/]+")));
    }
    if role.split(':').nth(1) != Some(super::arns::partition(region).0) {
        return Err(invalid(
            "The role defined for the function cannot be assumed by Lambda.",
        ));
    }
    Ok(())
}

/// Under AWS's timing, a role created here moments ago cannot be assumed by Lambda yet, in
/// Lambda's words (see `timing`); a role made elsewhere (only its ARN is known) can.
fn check_propagated(cloud: &Cloud, role: &str) -> Result<(), Response> {
    if cloud.timing.role.is_zero() {
        return Ok(());
    }
    let name = role.rsplit('/').next().unwrap_or(role);
    let young = cloud.iam.role(name).is_some_and(|made| {
        role.ends_with(&format!(":role{}{}", made.path, made.name))
            && made.created.elapsed().unwrap_or_default() < cloud.timing.role
    });
    if young {
        return Err(invalid(
            "The role defined for the function cannot be assumed by Lambda.",
        ));
    }
    Ok(())
}

/// The variables a function may not set: the runtime's own (Lambda's developer guide,
/// "Defined runtime environment variables", the reserved ones).
const RESERVED_ENVIRONMENT: [&str; 18] = [
    "_HANDLER",
    "_X_AMZN_TRACE_ID",
    "AWS_DEFAULT_REGION",
    "AWS_REGION",
    "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE",
    "AWS_LAMBDA_LOG_GROUP_NAME",
    "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_ACCESS_KEY",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_LAMBDA_RUNTIME_API",
    "LAMBDA_TASK_ROOT",
    "LAMBDA_RUNTIME_DIR",
];
/// The most bytes a function's variables take, as Lambda measures them (their JSON).
const MAX_ENVIRONMENT_BYTES: usize = 4096;

/// A function's variables as Lambda checks them: none of the runtime's reserved keys (as
/// reported from AWS), and at most 4 KB of JSON (recorded:
/// test_large_environment_variables_fails; 4096 bytes pass).
fn check_environment(
    variables: Option<&BTreeMap<String, String>>,
    body: &[u8],
) -> Result<(), Response> {
    let Some(variables) = variables else {
        return Ok(());
    };
    let reserved: Vec<&str> = variables
        .keys()
        .map(String::as_str)
        .filter(|k| RESERVED_ENVIRONMENT.contains(k))
        .collect();
    if !reserved.is_empty() {
        return Err(invalid(&format!("Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: {}", reserved.join(", "))));
    }
    let measured = serde_json::to_string(variables).unwrap_or_default();
    if measured.len() > MAX_ENVIRONMENT_BYTES {
        // AWS shows the variables in the order they were sent (recorded:
        // test_large_environment_fails_multiple_keys).
        let measured = in_request_order(body).unwrap_or(measured);
        return Err(invalid(&format!("Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: {measured}")));
    }
    Ok(())
}

/// Recorded (test_tag_limits): CreateFunction and TagResource beyond 50 tags.
/// Refuses a change while the last one is still being applied, as Lambda does.
fn conflict_if_busy(function: &Function) -> Option<Response> {
    (function.last_update_status == UpdateStatus::InProgress).then(|| {
        lambda_error(ErrorCode::ResourceConflictException, &format!("The operation cannot be performed at this time. An update is in progress for resource: {}", function.arn))
    })
}

fn update_configuration(
    cloud: &Arc<Cloud>,
    region: &str,
    input: UpdateFunctionConfigurationRequest,
    body: &[u8],
) -> Response {
    let name = input.function_name.as_str();
    let layers = match input
        .layers
        .as_deref()
        .map(|arns| super::layers::resolve(cloud, region, arns))
    {
        Some(Err(response)) => return response,
        resolved => resolved.and_then(Result::ok),
    };
    let mut db = cloud.db();
    let Some(function) = db.function_mut(region, name_of(name)) else {
        return not_found(region, name);
    };
    if let Some(conflict) = conflict_if_busy(function) {
        return conflict;
    }
    if let Some(stale) = stale_revision(
        input.revision_id.as_deref(),
        function,
        "GetFunction/GetAlias",
    ) {
        return stale;
    }
    if let Some(role) = input.role.as_deref() {
        if let Err(response) =
            check_role(role, &function.region).and_then(|()| check_propagated(cloud, role))
        {
            return response;
        }
    }
    if let Some(environment) = &input.environment {
        if let Err(response) = check_environment(environment.variables.as_ref(), body) {
            return response;
        }
    }
    if let Err(response) = check_sizes(input.memory_size, input.timeout) {
        return response;
    }
    if let Err(response) = check_runtime_supported(input.runtime) {
        return response;
    }
    // Judged with the runtime it will have, as it will be.
    let snap_start =
        super::snapstart::asked(input.snap_start.as_ref()).unwrap_or(function.snap_start);
    let runtime = input
        .runtime
        .map_or(function.runtime.clone(), |r| r.as_str().to_string());
    if let Err(response) = super::snapstart::check(&runtime, snap_start) {
        return response;
    }
    let logging = match input
        .logging_config
        .map(|asked| merge_logging(&function.logging, asked))
    {
        Some(Err(response)) => return response,
        merged => merged.and_then(Result::ok),
    };
    if let Some(memory) = input.memory_size {
        function.memory = memory as u64;
    }
    if let Some(timeout) = input.timeout {
        function.timeout = timeout as u64;
    }
    if let Some(runtime) = input.runtime {
        function.runtime = runtime.as_str().to_string();
    }
    for (value, target) in [
        (input.handler, &mut function.handler),
        (input.role, &mut function.role),
        (input.description, &mut function.description),
    ] {
        if let Some(value) = value {
            *target = value;
        }
    }
    if let Some(logging) = logging {
        function.logging = logging;
    }
    function.snap_start = snap_start;
    if let Some(layers) = layers {
        function.layers = layers;
    }
    if let Some(environment) = input.environment {
        function.environment = Some(environment.variables.unwrap_or_default());
    }
    function.revision += 1;
    function.last_modified = lambda_timestamp();
    function.last_update_status = UpdateStatus::InProgress;
    let response = json(200, &configuration(function));
    let (function_name, revision, code_dir) = (
        function.name.clone(),
        function.revision,
        function.code_dir.clone(),
    );
    db.changed();
    drop(db);
    cloud
        .runtimes
        .retire_version(region, &function_name, "$LATEST");
    // The code stays where it is; only the status settles later.
    let region = region.to_string();
    let cloud = cloud.clone();
    let tracked = cloud.clone();
    tracked.tasks.spawn(async move {
        tokio::time::sleep(cloud.settle).await;
        let mut db = cloud.db();
        if let Some(function) = db.function_mut(&region, &function_name) {
            if function.revision == revision {
                function.code_dir = code_dir;
                function.last_update_status = UpdateStatus::Successful;
                // A revision of its own, as in `finish_in_background`.
                function.revision += 1;
                db.changed();
            }
        }
    });
    response
}

async fn update_code(
    cloud: &Arc<Cloud>,
    region: &str,
    input: UpdateFunctionCodeRequest,
) -> Response {
    let runtime = cloud
        .db()
        .function(region, name_of(&input.function_name))
        .map(|f| f.runtime.clone());
    let (code, code_sha256) = match read_code(input.zip_file, runtime.as_deref()).await {
        Ok(read) => read,
        Err(response) => return response,
    };
    let name = input.function_name.as_str();
    let architectures: Option<Vec<String>> = input.architectures.as_deref().map(architecture_names);
    if let Err(response) = check_architectures(architectures.as_deref().unwrap_or_default()) {
        return response;
    }
    let (response, function_name, revision, published) = {
        let mut db = cloud.db();
        if let Some(function) = db.function(region, name_of(name)) {
            let signing = function.code_signing_config.as_deref();
            let checked =
                super::code_signing::check_deployment(&db, region, signing, &function.name);
            if let Err(refusal) = checked {
                return refusal;
            }
        }
        let Some(function) = db.function_mut(region, name_of(name)) else {
            return not_found(region, name);
        };
        if let Some(conflict) = conflict_if_busy(function) {
            return conflict;
        }
        if let Some(stale) = stale_revision(
            input.revision_id.as_deref(),
            function,
            "GetFunction/GetAlias",
        ) {
            return stale;
        }
        function.code_sha256 = code_sha256;
        function.code_size = code.len() as u64;
        if let Some(architectures) = architectures {
            function.architectures = architectures;
        }
        function.revision += 1;
        function.last_modified = lambda_timestamp();
        function.last_update_status = UpdateStatus::InProgress;
        // With `Publish`, the new code is a version at once, Pending until the update is
        // applied, and the answer is that version's (recorded: test_publish_with_update).
        let published = (input.publish == Some(true)).then(|| {
            let (number, mut version) = super::versions::new_version(function);
            version.state = State::Pending;
            version.state_reason = Some("The function is being created.".into());
            (number, version)
        });
        let response = match &published {
            Some((_, version)) => json(200, &configuration(version)),
            None => json(200, &configuration(function)),
        };
        let published = published.map(|(number, version)| {
            function.versions.insert(number, version);
            number
        });
        let (function_name, revision) = (function.name.clone(), function.revision);
        db.changed();
        (response, function_name, revision, published)
    };
    cloud
        .runtimes
        .retire_version(region, &function_name, "$LATEST");
    finish_in_background(
        cloud,
        region,
        function_name,
        revision,
        code,
        false,
        published,
    )
    .await;
    response
}

/// AddPermission: the statement goes to the policy of what `Qualifier` names (a version or an
/// alias has its own; recorded: test_lambda_permission_fn_versioning), its `Resource` the
/// qualified ARN.
fn add_permission(cloud: &Cloud, region: &str, input: AddPermissionRequest) -> Response {
    let name = input.function_name.as_str();
    let qualifier = match qualifier(name, input.qualifier.as_deref()) {
        Ok(qualifier) => qualifier,
        Err(response) => return response,
    };
    if let Err(response) = check_region(region, name) {
        return response;
    }
    let mut db = cloud.db();
    let Some(function) = db.function_mut(region, name_of(name)) else {
        return not_found(region, name);
    };
    if qualifier.as_deref() == Some("$LATEST") {
        return invalid("We currently do not support adding policies for $LATEST.");
    }
    let resource = match &qualifier {
        Some(q) => format!("{}:{q}", function.arn),
        None => function.arn.clone(),
    };
    let (sid, action, principal) = (&input.statement_id, &input.action, &input.principal);
    let arn = function.arn.clone();
    let Some(mut policy) = super::versions::policy_mut(function, qualifier.as_deref()) else {
        return version_not_found(&arn, qualifier.as_deref().unwrap_or_default());
    };
    if let Some(stale) = stale_policy(input.revision_id.as_deref(), &policy) {
        return stale;
    }
    if policy.statements.iter().any(|s| s["Sid"] == sid.as_str()) {
        return lambda_error(ErrorCode::ResourceConflictException, &format!("The statement id ({sid}) provided already exists. Please provide a new statement id, or remove the existing statement."));
    }
    let Some(principal) = policy_principal(principal, super::arns::partition(region).0) else {
        return invalid(
            "The provided principal was invalid. Please check the principal and try again.",
        );
    };
    let mut statement = json!({
        "Sid": sid,
        "Effect": "Allow",
        "Principal": principal,
        "Action": action,
        "Resource": resource,
    });
    if let Some(condition) = policy_condition(&input) {
        statement["Condition"] = condition;
    }
    policy.statements.push(statement.clone());
    policy.changed();
    db.changed();
    json(
        201,
        &AddPermissionResponse {
            statement: Some(statement.to_string()),
        },
    )
}

/// A `RevisionId` that is not the policy's current one: 412, naming GetPolicy (recorded:
/// test_function_revisions_permissions, test_lambda_permission_fn_versioning).
fn stale_policy(given: Option<&str>, policy: &super::versions::PolicyMut) -> Option<Response> {
    let given = given?;
    (given != policy.revision_id()).then(|| {
        lambda_error(ErrorCode::PreconditionFailedException, "The Revision Id provided does not match the latest Revision Id. Call the GetPolicy API to retrieve the latest Revision Id")
    })
}

/// A permission's principal as Lambda writes it in the policy (recorded:
/// test_add_lambda_permission_fields): `*` as is, an account id as its root user's ARN, an
/// ARN as `{"AWS": …}`, a service as `{"Service": …}`; anything else is not a principal.
fn policy_principal(principal: &str, partition: &str) -> Option<Value> {
    if principal == "*" {
        return Some(json!("*"));
    }
    if principal.len() == 12 && principal.bytes().all(|b| b.is_ascii_digit()) {
        return Some(json!({ "AWS": format!("arn:{partition}:iam::{principal}:root") }));
    }
    if principal.starts_with("arn:") {
        return Some(json!({ "AWS": principal }));
    }
    let service = principal
        .strip_suffix(".amazonaws.com")
        .or_else(|| principal.strip_suffix(".amazonaws.com.cn"))?;
    (!service.is_empty()
        && service
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-'))
    .then(|| json!({ "Service": principal }))
}

/// A permission's conditions, as Lambda writes them (recorded: test_add_lambda_permission_fields,
/// key add_permission_optional_fields): `StringEquals` for SourceAccount, FunctionUrlAuthType,
/// PrincipalOrgID and EventSourceToken (AWS's own casing of each key), `ArnLike` for SourceArn.
fn policy_condition(input: &AddPermissionRequest) -> Option<Value> {
    let mut equals = serde_json::Map::new();
    for (value, key) in [
        (input.source_account.as_deref(), "AWS:SourceAccount"),
        (
            input
                .function_url_auth_type
                .map(FunctionUrlAuthType::as_str),
            "lambda:FunctionUrlAuthType",
        ),
        (input.principal_org_id.as_deref(), "aws:PrincipalOrgID"),
        (
            input.event_source_token.as_deref(),
            "lambda:EventSourceToken",
        ),
    ] {
        if let Some(value) = value {
            equals.insert(key.into(), json!(value));
        }
    }
    let mut condition = serde_json::Map::new();
    if !equals.is_empty() {
        condition.insert("StringEquals".into(), Value::Object(equals));
    }
    if let Some(source) = &input.source_arn {
        condition.insert("ArnLike".into(), json!({ "AWS:SourceArn": source }));
    }
    (!condition.is_empty()).then_some(Value::Object(condition))
}

/// The policy of what `Qualifier` names; none yet is "The resource you requested does not
/// exist." (recorded: get_policy_after_publishing_new_version).
fn get_policy(cloud: &Cloud, region: &str, input: GetPolicyRequest) -> Response {
    let name = input.function_name.as_str();
    let qualifier = match qualifier(name, input.qualifier.as_deref()) {
        Ok(qualifier) => qualifier,
        Err(response) => return response,
    };
    if let Err(response) = check_region(region, name) {
        return response;
    }
    let db = cloud.db();
    let Some(function) = db.function(region, name_of(name)) else {
        return not_found(region, name);
    };
    let Some(named) = super::versions::resolve(function, qualifier.as_deref()) else {
        return version_not_found(&function.arn, qualifier.as_deref().unwrap_or_default());
    };
    if named.policy.is_empty() {
        return lambda_error(
            ErrorCode::ResourceNotFoundException,
            "The resource you requested does not exist.",
        );
    }
    let policy = json!({ "Version": "2012-10-17", "Id": "default", "Statement": named.policy });
    json(
        200,
        &GetPolicyResponse {
            policy: Some(policy.to_string()),
            revision_id: Some(match &named.alias {
                Some(alias) => alias
                    .policy_revision
                    .clone()
                    .unwrap_or_else(|| alias.revision_id.clone()),
                None => named
                    .function
                    .policy_revision
                    .clone()
                    .unwrap_or_else(|| revision_id(&named.function)),
            }),
        },
    )
}

fn remove_permission(cloud: &Cloud, region: &str, input: RemovePermissionRequest) -> Response {
    let (name, sid) = (input.function_name.as_str(), input.statement_id.as_str());
    let qualifier = match qualifier(name, input.qualifier.as_deref()) {
        Ok(qualifier) => qualifier,
        Err(response) => return response,
    };
    if let Err(response) = check_region(region, name) {
        return response;
    }
    let mut db = cloud.db();
    let Some(function) = db.function_mut(region, name_of(name)) else {
        // Recorded (remove_permission_fn_doesnotexist): not "Function not found".
        return lambda_error(
            ErrorCode::ResourceNotFoundException,
            &format!(
                "No policy found for: {}",
                function_arn(region, name_of(name))
            ),
        );
    };
    let arn = function.arn.clone();
    let Some(mut policy) = super::versions::policy_mut(function, qualifier.as_deref()) else {
        return version_not_found(&arn, qualifier.as_deref().unwrap_or_default());
    };
    if policy.statements.is_empty() {
        // Recorded: remove_permission_policy_doesnotexist.
        return lambda_error(
            ErrorCode::ResourceNotFoundException,
            "No policy is associated with the given resource.",
        );
    }
    if let Some(stale) = stale_policy(input.revision_id.as_deref(), &policy) {
        return stale;
    }
    let before = policy.statements.len();
    policy.statements.retain(|s| s["Sid"] != sid);
    if policy.statements.len() == before {
        return lambda_error(
            ErrorCode::ResourceNotFoundException,
            &format!("Statement {sid} is not found in resource policy."),
        );
    }
    policy.changed();
    db.changed();
    empty(204)
}

/// A function's ARN, never a version's or an alias' (recorded: test_tag_versions, and
/// test_tag_exceptions' qualified ARN of a function that does not exist: the qualifier is
/// refused before the function is looked for, by TagResource, UntagResource and ListTags).
fn check_unqualified(resource: &str) -> Result<(), Response> {
    match qualifier_of(resource) {
        Some(_) => Err(invalid(
            "Tags on function aliases and versions are not supported. Please specify a function ARN.",
        )),
        None => Ok(()),
    }
}

/// A tag operation on an event source mapping's, a code signing config's or a capacity
/// provider's ARN; `None` for any other (a function's).
fn other_tags(cloud: &Cloud, region: &str, arn: &str, change: TagChange) -> Option<Response> {
    let mut db = cloud.db();
    let found = match arn.split(':').nth(5) {
        Some("event-source-mapping") => {
            super::event_source_mappings::tags_mut(&mut db, cloud, region, arn)
        }
        Some("code-signing-config") => super::code_signing::tags_mut(&mut db, region, arn),
        // The local cloud keeps no capacity providers (it emulates none of their operations),
        // so every one is missing, refused in AWS's words (recorded: TestLambdaTag::
        // test_tag_exceptions[capacity_provider]).
        Some("capacity-provider") => Err(lambda_error(
            ErrorCode::ResourceNotFoundException,
            &format!("Capacity provider not found: {arn}"),
        )),
        _ => return None,
    };
    let (answer, changed) = change_tags(found, change);
    if changed {
        db.changed();
    }
    Some(answer)
}

fn tag_resource(cloud: &Cloud, region: &str, input: TagResourceRequest) -> Response {
    if let Some(answer) = other_tags(
        cloud,
        region,
        &input.resource,
        TagChange::Tag(input.tags.clone()),
    ) {
        return answer;
    }
    if let Err(refusal) = check_unqualified(&input.resource) {
        return refusal;
    }
    let mut db = cloud.db();
    let Some(function) = db.function_by_arn_mut(&input.resource) else {
        return not_found(region, &input.resource);
    };
    if let Err(refusal) = add_tags(&mut function.tags, input.tags) {
        return refusal;
    }
    // A tag change gives the function a new RevisionId (recorded: TestLambdaTags::
    // test_tag_lifecycle, a new one after each TagResource and UntagResource).
    function.marks += 1;
    db.changed();
    empty(204)
}

/// Removes the keys a function has of those named; a key it does not have is no error
/// (recorded: TestLambdaTag::test_tag_lifecycle, untag_nonexisting_response).
fn untag_resource(cloud: &Cloud, region: &str, input: UntagResourceRequest) -> Response {
    let change = TagChange::Untag(&input.tag_keys);
    if let Some(answer) = other_tags(cloud, region, &input.resource, change) {
        return answer;
    }
    if let Err(refusal) = check_unqualified(&input.resource) {
        return refusal;
    }
    let mut db = cloud.db();
    let Some(function) = db.function_by_arn_mut(&input.resource) else {
        return not_found(region, &input.resource);
    };
    for key in &input.tag_keys {
        function.tags.remove(key);
    }
    function.marks += 1;
    db.changed();
    empty(204)
}

fn list_tags(cloud: &Cloud, region: &str, arn: &str) -> Response {
    if let Some(answer) = other_tags(cloud, region, arn, TagChange::List) {
        return answer;
    }
    if let Err(refusal) = check_unqualified(arn) {
        return refusal;
    }
    let mut db = cloud.db();
    match db.function_by_arn_mut(arn) {
        Some(function) => json(
            200,
            &ListTagsResponse {
                tags: Some(function.tags.clone()),
            },
        ),
        None => not_found(region, arn),
    }
}

/// Invoke's `ClientContext` as the runtime gets it: the JSON its base64 holds.
fn decode_client_context(encoded: &str) -> Result<String, Response> {
    let refused = || {
        lambda_error(
            ErrorCode::InvalidRequestContentException,
            "Client context must be a valid Base64-encoded JSON object.",
        )
    };
    if encoded.len() > 3583 {
        return Err(invalid(
            "Client context must be no more than 3583 bytes after Base64 encoding.",
        ));
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .map_err(|_| refused())?;
    match serde_json::from_slice::<Value>(&bytes) {
        // Written again on one line, everything beyond ASCII escaped: an HTTP header carries
        // it to the runtime.
        Ok(value @ Value::Object(_)) => Ok(ascii_json(&value)),
        _ => Err(refused()),
    }
}

/// JSON text with every character beyond ASCII written as a `\u` escape of four hex digits.
fn ascii_json(value: &Value) -> String {
    let text = value.to_string();
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            super::java::push_unicode_escape(&mut out, c, false);
        }
    }
    out
}

async fn invoke(
    cloud: &Arc<Cloud>,
    region: &str,
    input: InvocationRequest,
    body: &[u8],
) -> Response {
    let (name, qualifier) = (input.function_name.as_str(), input.qualifier.as_deref());
    if body.len() > MAX_INVOKE_PAYLOAD {
        return lambda_error(
            ErrorCode::RequestTooLargeException,
            &format!(
                "Request must be smaller than {MAX_INVOKE_PAYLOAD} bytes for the Invoke operation"
            ),
        );
    }
    let invocation_type = input
        .invocation_type
        .unwrap_or(InvocationType::RequestResponse);
    if invocation_type == InvocationType::Event && body.len() > MAX_EVENT_PAYLOAD {
        // As AWS words it (its Invoke reference: 1 MB for asynchronous invocations).
        return lambda_error(ErrorCode::RequestEntityTooLargeException, &format!(
                "{} byte payload is too large for the Event invocation type (limit {MAX_EVENT_PAYLOAD} bytes)",
                body.len()
            ),
        );
    }
    let payload = if body.is_empty() {
        b"{}".to_vec()
    } else {
        body.to_vec()
    };
    if serde_json::from_slice::<Value>(&payload).is_err() {
        return lambda_error(
            ErrorCode::InvalidRequestContentException,
            "Could not parse request body into json: Could not parse payload into json",
        );
    }
    // The caller's client context: base64 of a JSON document, at most 3583 bytes (Invoke's
    // reference), handed to the runtime decoded.
    let client_context = match input.client_context.as_deref().map(decode_client_context) {
        None => None,
        Some(Ok(context)) => Some(context),
        Some(Err(response)) => return response,
    };
    let qualifier = match self::qualifier(name, qualifier) {
        Ok(qualifier) => qualifier,
        Err(response) => return response,
    };
    // A qualified invoke tells the runtime the qualified ARN (recorded:
    // invocation_result_payload_qualified, "…:function:NAME:$LATEST"); an alias runs the
    // version its routing draws, and says which in X-Amz-Executed-Version.
    let function = match ready_function(cloud, region, name, qualifier.as_deref()) {
        Ok(function) => function,
        Err(response) => return response,
    };
    match invocation_type {
        // Recorded (test_invocation_type_dry_run): 204, no body, nothing run; the caller's
        // permission was checked before (the router judges every call).
        InvocationType::DryRun => return empty(204),
        InvocationType::Event => return invoke_event(cloud, function, payload),
        InvocationType::RequestResponse => {}
    }
    let started = std::time::Instant::now();
    let result = cloud
        .runtimes
        .invoke_as(
            &function,
            payload,
            super::ids::new_request_id(),
            client_context,
        )
        .await;
    if result.throttled {
        return super::concurrency::throttled();
    }
    cloud.record_invocation(
        &function,
        result.function_error.is_some(),
        started.elapsed(),
    );
    let mut response = Response::new(Body::from(result.payload));
    response
        .headers_mut()
        .insert("content-type", HeaderValue::from_static("application/json"));
    if let Ok(version) = HeaderValue::from_str(&function.version) {
        response
            .headers_mut()
            .insert("x-amz-executed-version", version);
    }
    if let Ok(id) = HeaderValue::from_str(&result.request_id) {
        response.headers_mut().insert("x-amzn-requestid", id);
    }
    if let Some(error) = result
        .function_error
        .as_deref()
        .and_then(|e| HeaderValue::from_str(e).ok())
    {
        response.headers_mut().insert("x-amz-function-error", error);
    }
    if input.log_type == Some(LogType::Tail) {
        let encoded = base64::engine::general_purpose::STANDARD.encode(result.log.as_bytes());
        if let Ok(value) = HeaderValue::from_str(&encoded) {
            response.headers_mut().insert("x-amz-log-result", value);
        }
    }
    response
}

/// An `Event` invocation (recorded: test_invocation_type_event): 202 at once, no body, the
/// request id the function's log lines will name; the function runs queued, and when it fails
/// Lambda runs it twice more, one minute and then two minutes later (the developer guide,
/// "Asynchronous invocation").
fn invoke_event(cloud: &Arc<Cloud>, function: Function, payload: Vec<u8>) -> Response {
    let request_id = queue_event(cloud, function, payload);
    let mut response = empty(202);
    if let Ok(id) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert("x-amzn-requestid", id);
    }
    response
}

/// Queues an event for `function`, as an `Event` invocation or a service invoking it
/// asynchronously (a log group's subscription filter) does: its request id.
pub(crate) fn queue_event(cloud: &Arc<Cloud>, function: Function, payload: Vec<u8>) -> String {
    let request_id = super::ids::new_request_id();
    // Tracked, so that the server's stop ends a queued event with everything else.
    cloud.tasks.spawn(run_event(
        Arc::clone(cloud),
        function,
        payload,
        request_id.clone(),
    ));
    request_id
}

/// Runs a queued event: once, and again after a failure as many times as its version's
/// `MaximumRetryAttempts` allows (two by default). A throttled attempt (the function's reserved
/// concurrency in use) uses up no retry: the event stays queued and is tried again, here once
/// a second, until it is older than `MaximumEventAgeInSeconds` (six hours by default), and is
/// then dropped, as Lambda drops it.
async fn run_event(cloud: Arc<Cloud>, mut function: Function, payload: Vec<u8>, id: String) {
    let queued = std::time::Instant::now();
    let mut failures = 0;
    while !cloud.runtimes.is_shut_down() {
        // The function's settings as they are now: they may have changed while it waited.
        let (retries, max_age) = {
            let db = cloud.db();
            let current = db.function(&function.region, &function.name);
            // The alias it was invoked through, if any: the last part of its ARN, when that
            // is no version.
            let alias = function
                .arn
                .splitn(8, ':')
                .nth(7)
                .filter(|q| *q != "$LATEST" && !q.bytes().all(|b| b.is_ascii_digit()));
            function.reserved_concurrency =
                current.and_then(|f| f.reservation_for(&function.version, alias));
            current.map_or(super::event_config::DEFAULT_LIMITS, |f| {
                super::event_config::limits(f, &function.version)
            })
        };
        if queued.elapsed() > max_age {
            return;
        }
        if !cloud.runtimes.may_run(&function) {
            // Throttled: checked before the payload is copied for an attempt.
            tokio::time::sleep(std::time::Duration::from_secs(1)).await;
            continue;
        }
        let started = std::time::Instant::now();
        let result = cloud
            .runtimes
            .invoke_as(&function, payload.clone(), id.clone(), None)
            .await;
        if result.throttled {
            tokio::time::sleep(std::time::Duration::from_secs(1)).await;
            continue;
        }
        let failed = result.function_error.is_some();
        cloud.record_invocation(&function, failed, started.elapsed());
        if !failed || failures >= retries {
            return;
        }
        // The wait before this retry (the timing's; Lambda's two retries at most).
        let delays = cloud.timing.event_retries;
        let delay = delays[failures.min(delays.len() - 1)];
        failures += 1;
        tokio::time::sleep(delay).await;
    }
}

/// What an invocation runs, if it can: the version the qualifier names (for an alias, the
/// one its routing draws), with `arn` the ARN it was invoked by. Invoking a Pending or Failed
/// function is an error, as on Lambda.
pub(super) fn ready_function(
    cloud: &Cloud,
    region: &str,
    name: &str,
    qualifier: Option<&str>,
) -> Result<Function, Response> {
    check_region(region, name)?;
    let db = cloud.db();
    let Some(function) = db.function(region, name_of(name)) else {
        // Invoke names the version it looked for: `$LATEST` when none was given (recorded:
        // test_function_name_and_qualifier_validation, function_name_too_long-invoke and
        // lowercase_latest_qualifier-invoke).
        return Err(version_not_found(
            &function_arn(region, name_of(name)),
            qualifier.unwrap_or("$LATEST"),
        ));
    };
    let Some(named) = super::versions::resolve(function, qualifier) else {
        return Err(version_not_found(
            &function.arn,
            qualifier.unwrap_or_default(),
        ));
    };
    let chosen = super::versions::pick(function, named);
    match chosen.state {
        State::Active if !chosen.code_dir.as_os_str().is_empty() => Ok(chosen),
        State::Failed => Err(lambda_error(ErrorCode::InvalidRuntimeException, &format!("The function could not be started: {}", chosen.state_reason.clone().unwrap_or_default()))),
        _ => Err(lambda_error(ErrorCode::ResourceConflictException, &format!("The operation cannot be performed at this time. The function is currently in the following state: {}", chosen.state))),
    }
}
