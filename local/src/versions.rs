//! Lambda's versions and aliases (restJson1, `/2015-03-31/functions/{name}/versions|aliases`):
//! PublishVersion snapshots `$LATEST` (code, configuration) under the next number, never
//! reused; an alias names a version and may send a share of the invocations to a second one
//! (`RoutingConfig`), which Invoke and the stage URLs really honour. Each version and alias has a
//! resource policy of its own. Shapes, errors and words as recorded on AWS (LocalStack's
//! test_lambda_api.snapshot.json: TestLambdaVersions, TestLambdaAlias, TestLambdaPermissions).

#![allow(clippy::result_large_err)]

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::response::Response;
use serde_json::Value;

use super::clock::{lambda_timestamp, now_ms};
use super::function::{
    check_region, configuration, invalid, lambda_error, listed, name_of, not_found, paged,
    revision_id_of, stale_revision, version_not_found, ErrorCode,
};
use super::ids::new_request_id;
use super::shapes::lambda::{
    AliasConfiguration, AliasRoutingConfiguration, CreateAliasRequest, DeleteAliasRequest,
    FunctionConfiguration, GetAliasRequest, ListAliasesRequest, ListAliasesResponse,
    ListVersionsByFunctionRequest, ListVersionsByFunctionResponse, PublishVersionRequest,
    UpdateAliasRequest,
};
use super::state::{Alias, Function, State, UpdateStatus};
use super::wire::{empty, json};
use super::Cloud;

/// The version a number or `$LATEST` names on a function.
pub fn version<'a>(function: &'a Function, number: &str) -> Option<&'a Function> {
    if number == "$LATEST" {
        return Some(function);
    }
    function.versions.get(&number.parse::<u64>().ok()?)
}

/// What a qualifier names: the configuration it runs, with `arn` set to the ARN it is invoked
/// by (`…:FAQ`, `…:FAQ:$LATEST`, `…:FAQ:3`, `…:FAQ:live`), and the resource policy that
/// decides who may invoke it. For an alias with routing weights, `pick` chooses the version.
pub struct Named {
    pub function: Function,
    pub policy: Vec<Value>,
    pub alias: Option<Alias>,
}

/// Resolves a qualifier; `None` when it names nothing on this function.
pub fn resolve(function: &Function, qualifier: Option<&str>) -> Option<Named> {
    let base = &function.arn;
    match qualifier {
        None => Some(Named {
            function: function.snapshot(),
            policy: function.policy.clone(),
            alias: None,
        }),
        Some("$LATEST") => {
            let mut latest = function.snapshot();
            latest.arn = format!("{base}:$LATEST");
            Some(Named {
                function: latest,
                policy: function.policy.clone(),
                alias: None,
            })
        }
        Some(q) if q.bytes().all(|b| b.is_ascii_digit()) => {
            let published = version(function, q)?;
            Some(Named {
                function: published.snapshot(),
                policy: published.policy.clone(),
                alias: None,
            })
        }
        Some(alias) => {
            let alias = function.aliases.get(alias)?;
            let mut primary = version(function, &alias.function_version)?.snapshot();
            primary.arn = format!("{base}:{}", alias.name);
            Some(Named {
                function: primary,
                policy: alias.policy.clone(),
                alias: Some(alias.clone()),
            })
        }
    }
}

/// The version an invocation of `named` runs: an alias' additional version for its share of
/// invocations (drawn at random per invocation, as Lambda does), else the primary one. The
/// invoked ARN stays the alias'.
pub fn pick(function: &Function, named: Named) -> Function {
    let alias = named.alias.as_ref().map(|a| a.name.clone());
    let mut chosen = pick_version(function, named);
    // Reserved concurrency is the function's, whichever version runs, less what provisioned
    // concurrency keeps for other versions and aliases.
    chosen.reserved_concurrency = function.reservation_for(&chosen.version, alias.as_deref());
    chosen
}

fn pick_version(function: &Function, named: Named) -> Function {
    let Some(alias) = &named.alias else {
        return named.function;
    };
    for (additional, weight) in &alias.weights {
        if fastrand::f64() < *weight {
            if let Some(chosen) = version(function, additional) {
                let mut chosen = chosen.snapshot();
                chosen.arn = named.function.arn.clone();
                return chosen;
            }
        }
    }
    named.function
}

/// The resource policy a qualifier names, to change it: its statements, and the RevisionIds
/// a change is made against and gives.
pub struct PolicyMut<'a> {
    pub statements: &'a mut Vec<Value>,
    revision: &'a mut Option<String>,
    owner: Owner<'a>,
}

/// Whose policy it is: a function's (`$LATEST` or a version) or an alias'.
enum Owner<'a> {
    Function {
        salt: u32,
        version: &'a str,
        marks: &'a mut u64,
        revision: u64,
    },
    Alias(&'a mut String),
}

impl PolicyMut<'_> {
    /// The RevisionId a change must name: the policy's, or, before it has one, its owner's
    /// (recorded: test_lambda_permission_fn_versioning adds to an alias by the alias' own).
    pub fn revision_id(&self) -> String {
        self.revision.clone().unwrap_or_else(|| match &self.owner {
            Owner::Function {
                salt,
                version,
                marks,
                revision,
            } => revision_id_of(*salt, version, **marks, *revision),
            Owner::Alias(id) => id.to_string(),
        })
    }

    /// After a change: the owner has a new RevisionId, and the policy that one (recorded:
    /// test_function_revisions_permissions: "function revision is the same as policy revision").
    pub fn changed(&mut self) {
        let id = match &mut self.owner {
            Owner::Function {
                salt,
                version,
                marks,
                revision,
            } => {
                **marks += 1;
                revision_id_of(*salt, version, **marks, *revision)
            }
            Owner::Alias(id) => {
                **id = new_request_id();
                id.to_string()
            }
        };
        *self.revision = Some(id);
    }
}

/// The policy a qualifier names, to change it.
pub fn policy_mut<'a>(
    function: &'a mut Function,
    qualifier: Option<&str>,
) -> Option<PolicyMut<'a>> {
    let of_function = |f: &'a mut Function| {
        let Function {
            policy,
            policy_revision,
            version,
            marks,
            revision,
            revision_salt,
            ..
        } = f;
        PolicyMut {
            statements: policy,
            revision: policy_revision,
            owner: Owner::Function {
                salt: *revision_salt,
                version,
                marks,
                revision: *revision,
            },
        }
    };
    match qualifier {
        None | Some("$LATEST") => Some(of_function(function)),
        Some(q) if q.bytes().all(|b| b.is_ascii_digit()) => function
            .versions
            .get_mut(&q.parse::<u64>().ok()?)
            .map(of_function),
        Some(alias) => function.aliases.get_mut(alias).map(|a| PolicyMut {
            statements: &mut a.policy,
            revision: &mut a.policy_revision,
            owner: Owner::Alias(&mut a.revision_id),
        }),
    }
}

/// Whether two configurations would run the same: PublishVersion makes no new version when
/// nothing changed since the last one.
fn same_configuration(a: &Function, b: &Function) -> bool {
    a.code_sha256 == b.code_sha256
        && a.runtime == b.runtime
        && a.role == b.role
        && a.handler == b.handler
        && a.timeout == b.timeout
        && a.memory == b.memory
        && a.architectures == b.architectures
        && a.environment == b.environment
}

fn function_not_found(function: &Function, qualifier: &str) -> Response {
    version_not_found(&function.arn, qualifier)
}

/// PublishVersion: `$LATEST` as it is now becomes the next version, unless nothing changed
/// since the last one, which is answered again (recorded: test_version_lifecycle's third
/// publish). Refused while an update is in progress, and when `CodeSha256` or `RevisionId`
/// no longer match (recorded: test_publish_with_wrong_sha256).
pub fn publish(cloud: &Arc<Cloud>, region: &str, input: PublishVersionRequest) -> Response {
    let name = input.function_name.as_str();
    if let Err(response) = check_region(region, name) {
        return response;
    }
    let mut db = cloud.db();
    let Some(function) = db.function_mut(region, name_of(name)) else {
        return not_found(region, name);
    };
    if function.state != State::Active || function.last_update_status == UpdateStatus::InProgress {
        return lambda_error(ErrorCode::ResourceConflictException, &format!("The operation cannot be performed at this time. An update is in progress for resource: {}", function.arn));
    }
    if let Some(sha) = &input.code_sha256 {
        if *sha != function.code_sha256 {
            return invalid(&format!("CodeSHA256 ({sha}) is different from current CodeSHA256 in $LATEST ({}). Please try again with the CodeSHA256 in $LATEST.", function.code_sha256));
        }
    }
    if let Some(stale) = stale_revision(
        input.revision_id.as_deref(),
        function,
        "GetFunction/GetAlias",
    ) {
        return stale;
    }
    if let Some((_, last)) = function.versions.last_key_value() {
        if same_configuration(last, function) {
            return json(201, &configuration(last));
        }
    }
    let (number, mut published) = new_version(function);
    published.description = input.description.unwrap_or_default();
    published.last_modified = lambda_timestamp();
    // A publish gives `$LATEST` a new RevisionId too (recorded:
    // test_function_revisions_version_and_alias, get_function_latest_rev3).
    function.marks += 1;
    let response = json(201, &configuration(&published));
    function.versions.insert(number, published);
    db.changed();
    response
}

/// The next version of a function: `$LATEST` as it is now, numbered, with no policy of its
/// own yet (PublishVersion, and CreateFunction's and UpdateFunctionCode's `Publish`).
pub fn new_version(function: &mut Function) -> (u64, Function) {
    function.last_version += 1;
    let number = function.last_version;
    let mut version = function.snapshot();
    version.version = number.to_string();
    version.arn = format!("{}:{number}", function.arn);
    version.policy = Vec::new();
    version.policy_revision = None;
    version.marks = 0;
    (number, version)
}

/// ListVersionsByFunction: `$LATEST` first (with its ARN qualified), then each published
/// version by number, none with its state (recorded: test_publish_version_on_create); `Marker` / `MaxItems` page through them.
pub fn list(cloud: &Cloud, region: &str, input: ListVersionsByFunctionRequest) -> Response {
    let name = input.function_name.as_str();
    if let Err(response) = check_region(region, name) {
        return response;
    }
    let db = cloud.db();
    let Some(function) = db.function(region, name_of(name)) else {
        return not_found(region, name);
    };
    let mut latest = listed(function);
    latest.function_arn = Some(format!("{}:$LATEST", function.arn));
    let all: Vec<FunctionConfiguration> = std::iter::once(latest)
        .chain(function.versions.values().map(listed))
        .collect();
    // "ListVersionsByFunction returns a maximum of 50 items in each response, even if you
    // set the number higher" (its API reference).
    paged(
        all,
        input.marker,
        input.max_items,
        50,
        |versions, next_marker| ListVersionsByFunctionResponse {
            versions: Some(versions),
            next_marker,
        },
    )
}

fn alias_output(function: &Function, alias: &Alias) -> AliasConfiguration {
    AliasConfiguration {
        alias_arn: Some(format!("{}:{}", function.arn, alias.name)),
        name: Some(alias.name.clone()),
        function_version: Some(alias.function_version.clone()),
        description: Some(alias.description.clone()),
        revision_id: Some(alias.revision_id.clone()),
        routing_config: (!alias.weights.is_empty()).then(|| AliasRoutingConfiguration {
            additional_version_weights: Some(alias.weights.clone()),
        }),
    }
}

/// The routing of an alias, checked as Lambda checks it (recorded:
/// test_notfound_and_invalid_routingconfigs): at most one additional version, a weight
/// from 0 to 1, a published version other than the primary, and no weights for `$LATEST`.
fn routing(
    function: &Function,
    primary: &str,
    map: &BTreeMap<String, f64>,
) -> Result<BTreeMap<String, f64>, Response> {
    let mut weights = BTreeMap::new();
    if map.len() > 1 {
        return Err(invalid(
            "Number of items in AdditionalVersionWeights cannot be greater than 1",
        ));
    }
    for (version, weight) in map {
        let weight = *weight;
        if !(0.0..=1.0).contains(&weight) {
            return Err(lambda_error(ErrorCode::ValidationException, &format!("1 validation error detected: Value '{{{version}={weight:?}}}' at 'routingConfig.additionalVersionWeights' failed to satisfy constraint: Map value must satisfy constraint: [Member must have value less than or equal to 1.0, Member must have value greater than or equal to 0.0, Member must not be null]")));
        }
        if version.is_empty() || !version.bytes().all(|b| b.is_ascii_digit()) {
            return Err(lambda_error(ErrorCode::ValidationException, &format!("1 validation error detected: Value '{{{version}={weight:?}}}' at 'routingConfig.additionalVersionWeights' failed to satisfy constraint: Map keys must satisfy constraint: [Member must have length less than or equal to 1024, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: [0-9]+]")));
        }
        if primary == "$LATEST" {
            return Err(invalid(
                "$LATEST is not supported for an alias pointing to more than 1 version",
            ));
        }
        if version == primary {
            return Err(invalid(&format!("Invalid function version {version}. Function version {version} is already included in routing configuration.")));
        }
        if self::version(function, version).is_none() {
            return Err(function_not_found(function, version));
        }
        weights.insert(version.clone(), weight);
    }
    Ok(weights)
}

/// The weights a RoutingConfig asks for; none when it names none.
fn weights_of(config: Option<AliasRoutingConfiguration>) -> BTreeMap<String, f64> {
    config
        .and_then(|c| c.additional_version_weights)
        .unwrap_or_default()
}

/// Whether a name has an alias' form, Lambda's model's `(?!^[0-9]+$)([a-zA-Z0-9-_]+)`: not a
/// version number, and not `$LATEST` either.
pub fn is_alias_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        && !name.bytes().all(|b| b.is_ascii_digit())
}

/// An alias name as Lambda's model allows it: `(?!^[0-9]+$)([a-zA-Z0-9-_]+)`, 1 to 128.
fn check_alias_name(alias: &str) -> Result<(), Response> {
    if is_alias_name(alias) && alias.len() <= 128 {
        Ok(())
    } else {
        Err(lambda_error(ErrorCode::ValidationException, &format!("1 validation error detected: Value '{alias}' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: (?!^[0-9]+$)([a-zA-Z0-9-_]+)")))
    }
}

pub fn create_alias(cloud: &Arc<Cloud>, region: &str, input: CreateAliasRequest) -> Response {
    let name = input.function_name.as_str();
    if let Err(response) = check_region(region, name) {
        return response;
    }
    let alias_name = input.name.clone();
    if let Err(response) = check_alias_name(&alias_name) {
        return response;
    }
    let target = input.function_version.clone();
    let mut db = cloud.db();
    let Some(function) = db.function_mut(region, name_of(name)) else {
        return not_found(region, name);
    };
    if version(function, &target).is_none() {
        return function_not_found(function, &target);
    }
    let weights = match routing(function, &target, &weights_of(input.routing_config)) {
        Ok(weights) => weights,
        Err(response) => return response,
    };
    if function.aliases.contains_key(&alias_name) {
        return lambda_error(
            ErrorCode::ResourceConflictException,
            &format!("Alias already exists: {}:{alias_name}", function.arn),
        );
    }
    let alias = Alias {
        name: alias_name.clone(),
        function_version: target,
        description: input.description.unwrap_or_default(),
        weights,
        revision_id: new_request_id(),
        policy: Vec::new(),
        policy_revision: None,
    };
    let response = json(201, &alias_output(function, &alias));
    function.aliases.insert(alias_name, alias);
    db.changed();
    response
}

pub fn get_alias(cloud: &Cloud, region: &str, input: GetAliasRequest) -> Response {
    let (name, alias) = (input.function_name.as_str(), input.name.as_str());
    if let Err(response) = check_region(region, name) {
        return response;
    }
    let db = cloud.db();
    let Some(function) = db.function(region, name_of(name)) else {
        return not_found(region, name);
    };
    match function.aliases.get(alias) {
        Some(found) => json(200, &alias_output(function, found)),
        None => lambda_error(
            ErrorCode::ResourceNotFoundException,
            &format!("Cannot find alias arn: {}:{alias}", function.arn),
        ),
    }
}

/// UpdateAlias: each member given replaces the alias' one (an empty `AdditionalVersionWeights`
/// ends the routing); `RevisionId`, when given, must be the alias' current one, so that two
/// writers cannot both move it.
pub fn update_alias(cloud: &Arc<Cloud>, region: &str, input: UpdateAliasRequest) -> Response {
    let (name, alias) = (input.function_name.as_str(), input.name.as_str());
    if let Err(response) = check_region(region, name) {
        return response;
    }
    let mut db = cloud.db();
    let Some(function) = db.function_mut(region, name_of(name)) else {
        return not_found(region, name);
    };
    let Some(current) = function.aliases.get(alias).cloned() else {
        return lambda_error(
            ErrorCode::ResourceNotFoundException,
            &format!("Alias not found: {}:{alias}", function.arn),
        );
    };
    if let Some(revision) = &input.revision_id {
        if *revision != current.revision_id {
            return lambda_error(ErrorCode::PreconditionFailedException, "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id");
        }
    }
    let target = input
        .function_version
        .clone()
        .unwrap_or_else(|| current.function_version.clone());
    if version(function, &target).is_none() {
        return function_not_found(function, &target);
    }
    // Without a RoutingConfig, the routing kept must still make sense with the new primary
    // version.
    let asked = match input.routing_config.clone() {
        Some(config) => weights_of(Some(config)),
        None => current.weights.clone(),
    };
    let weights = match routing(function, &target, &asked) {
        Ok(weights) => weights,
        Err(response) => return response,
    };
    let updated = Alias {
        function_version: target,
        description: input.description.clone().unwrap_or(current.description),
        weights,
        revision_id: new_request_id(),
        ..current
    };
    let response = json(200, &alias_output(function, &updated));
    function.aliases.insert(alias.to_string(), updated);
    let moved = follow_alias(
        function,
        alias,
        &current.function_version,
        cloud.timing.provisioned,
    );
    db.changed();
    drop(db);
    if let Some(moved) = moved {
        moved.apply(cloud, region);
    }
    response
}

/// A version given provisioned concurrency (by number or through an alias) has a new
/// RevisionId (recorded: test_lambda_provisioned_concurrency_moves_with_alias, version 1's
/// configuration after the alias' Put).
pub fn provisioned_version_changed(function: &mut Function, version: &str) {
    let number = version.parse::<u64>().ok();
    if let Some(published) = number.and_then(|n| function.versions.get_mut(&n)) {
        published.marks += 1;
    }
}

/// An alias' provisioned concurrency following the alias to another version.
struct Move {
    name: String,
    /// The version left, when nothing else provisions it.
    left: Option<String>,
    version: Function,
    count: usize,
}

/// What UpdateAlias does to the alias' provisioned concurrency when the alias now names
/// another version than `left` (recorded: test_lambda_provisioned_concurrency_moves_with_alias):
/// the config stays the alias' and is `IN_PROGRESS` again, its executions still allocated and
/// available, until the new version's environments are ready; the version left runs on
/// demand. `None` when the alias has none, or did not move. Applied once the Db is let go.
fn follow_alias(
    function: &mut Function,
    alias: &str,
    left: &str,
    ready_after: std::time::Duration,
) -> Option<Move> {
    let moved_to = &function.aliases.get(alias)?.function_version;
    if moved_to == left {
        return None;
    }
    let version = resolve(function, Some(alias))?.function;
    let config = function.provisioned.get_mut(alias)?;
    // What it had allocated stays so until the new version is ready.
    config.allocated_in_progress = config.allocated(ready_after).1;
    config.requested_ms = now_ms();
    let count = usize::try_from(config.requested).unwrap_or(0);
    // **Inferred**: as for a Put (no recording reads the new version's RevisionId after).
    provisioned_version_changed(function, &version.version);
    // The version left keeps its environments while another config still provisions it (the
    // version itself, or another alias naming it).
    let still_provisioned = function
        .provisioned
        .keys()
        .filter(|qualifier| qualifier.as_str() != alias)
        .any(|qualifier| {
            let named = function.aliases.get(qualifier).map(|a| &a.function_version);
            named.unwrap_or(qualifier) == left
        });
    Some(Move {
        name: function.name.clone(),
        left: (!still_provisioned).then(|| left.to_string()),
        version,
        count,
    })
}

impl Move {
    /// Ends the environments of the version left (unless still provisioned otherwise) and
    /// starts the new version's.
    pub fn apply(self, cloud: &Cloud, region: &str) {
        if let Some(left) = &self.left {
            cloud.runtimes.retire_version(region, &self.name, left);
        }
        cloud.runtimes.provision(&self.version, self.count);
    }
}

/// DeleteAlias: 204, also for an alias that does not exist (recorded:
/// test_non_existent_alias_deletion).
pub fn delete_alias(cloud: &Arc<Cloud>, region: &str, input: DeleteAliasRequest) -> Response {
    let (name, alias) = (input.function_name.as_str(), input.name.as_str());
    if let Err(response) = check_region(region, name) {
        return response;
    }
    let mut db = cloud.db();
    let Some(function) = db.function_mut(region, name_of(name)) else {
        return not_found(region, name);
    };
    if function.aliases.remove(alias).is_some() {
        // Its URL goes with it (recorded: test_lambda_url_persists_after_alias_delete, the
        // URL answers 403 once the alias is gone).
        if let Some(url) = function.url_configs.remove(alias) {
            function.retired_url_ids.push(url.url_id);
        }
        // So does its provisioned concurrency (recorded: test_lambda_provisioned_lifecycle,
        // get_provisioned_alias_postaliasdelete and an empty list after it).
        function.provisioned.remove(alias);
        db.changed();
    }
    empty(204)
}

pub fn list_aliases(cloud: &Cloud, region: &str, input: ListAliasesRequest) -> Response {
    let (name, function_version) = (input.function_name.as_str(), input.function_version);
    if let Err(response) = check_region(region, name) {
        return response;
    }
    let db = cloud.db();
    let Some(function) = db.function(region, name_of(name)) else {
        return not_found(region, name);
    };
    let aliases: Vec<AliasConfiguration> = function
        .aliases
        .values()
        .filter(|a| {
            function_version
                .as_deref()
                .is_none_or(|v| a.function_version == v || a.weights.contains_key(v))
        })
        .map(|a| alias_output(function, a))
        .collect();
    paged(
        aliases,
        input.marker,
        input.max_items,
        10_000,
        |aliases, next_marker| ListAliasesResponse {
            aliases: Some(aliases),
            next_marker,
        },
    )
}

/// Deletes a published version (DeleteFunction with a number): refused while an alias routes
/// to it; a version that does not exist is deleted already (recorded:
/// test_delete_on_nonexisting_version). Returns the version deleted, whose code may go.
pub fn delete_version(
    function: &mut Function,
    qualifier: &str,
) -> Result<Option<Function>, Response> {
    let Ok(number) = qualifier.parse::<u64>() else {
        // An alias' name was refused before (DeleteFunction); anything else that is no
        // number (`$latest`) names no version, and so is deleted already.
        return Ok(None);
    };
    let using: Vec<&str> = function
        .aliases
        .values()
        .filter(|a| a.function_version == qualifier || a.weights.contains_key(qualifier))
        .map(|a| a.name.as_str())
        .collect();
    if !using.is_empty() {
        return Err(lambda_error(
            ErrorCode::ResourceConflictException,
            &format!(
                "Unable to delete version because the following aliases reference it: [{}]",
                using.join(", ")
            ),
        ));
    }
    // Its provisioned concurrency goes with it.
    function.provisioned.remove(qualifier);
    Ok(function.versions.remove(&number))
}
