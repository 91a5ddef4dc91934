//! The local cloud's one shared state (`Db`): functions, REST APIs, log groups and the count
//! of calls served, behind one lock; saved as JSON in the state dir after every write so that
//! a restart with the same `--state-dir` finds everything again.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::arns::arn;
use super::clock::now_ms;
use super::shapes::lambda::{ApplicationLogLevel, SystemLogLevel};
use serde_json::Value;

/// What one log group keeps at most, in memory and on disk: its messages plus
/// `EVENT_OVERHEAD` per event. Beyond it the oldest events go first (down to nine tenths, so
/// that trimming is rare), so a function flooding its output cannot exhaust memory.
pub const MAX_GROUP_BYTES: usize = 32 * 1024 * 1024;
/// What an event costs beyond its message: its timestamps, id and bookkeeping.
pub const EVENT_OVERHEAD: usize = 64;

/// A function's `State`, in Lambda's words (its model's `State` enum, the states the local
/// cloud goes through: created `Pending`, then `Active`, or `Failed`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum State {
    Pending,
    Active,
    Failed,
}

/// A function's `LastUpdateStatus` (its model's `LastUpdateStatus` enum).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum UpdateStatus {
    InProgress,
    Successful,
    Failed,
}

impl State {
    fn as_str(self) -> &'static str {
        match self {
            State::Pending => "Pending",
            State::Active => "Active",
            State::Failed => "Failed",
        }
    }
}

impl std::fmt::Display for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Db {
    /// Each resource lives in one region, as on AWS: another region does not see it.
    #[serde(with = "by_region")]
    functions: Regional<Function>,
    #[serde(with = "by_region")]
    apis: Regional<RestApi>,
    #[serde(with = "by_region")]
    log_groups: Regional<LogGroup>,
    /// API Gateway's API keys, by id, and usage plans, by id.
    #[serde(default, with = "by_region")]
    api_keys: Regional<ApiKey>,
    #[serde(default, with = "by_region")]
    usage_plans: Regional<UsagePlan>,
    /// API Gateway's custom domain names, by name.
    #[serde(default, with = "by_region")]
    domains: Regional<DomainName>,
    /// Lambda's layers, by name.
    #[serde(default, with = "by_region")]
    layers: Regional<Layer>,
    /// Lambda's code signing configs, by id (`csc-…`).
    #[serde(default, with = "by_region")]
    signing_configs: Regional<SigningConfig>,
    /// Lambda's event source mappings, by UUID.
    #[serde(default, with = "by_region")]
    mappings: Regional<Mapping>,
    /// API Gateway's CloudWatch role, an account setting of each region (UpdateAccount).
    #[serde(default)]
    apigw_cloudwatch_roles: BTreeMap<String, String>,
    /// The one role of a state saved before settings were regional: taken as every region's.
    #[serde(default, skip_serializing)]
    apigw_cloudwatch_role: Option<String>,
    /// CloudWatch metric alarms, by `region/name`.
    #[serde(default)]
    alarms: BTreeMap<String, super::alarm::Alarm>,
    /// CloudWatch Logs' resources of each region beyond its log groups, by region.
    #[serde(default)]
    log_regions: BTreeMap<String, LogRegion>,
    /// Operation → how many times it was served (not persisted).
    #[serde(skip)]
    calls: BTreeMap<String, u64>,
    /// The stages' caches: `api/stage` → cache key → answer (in memory, as a cache cluster's).
    #[serde(skip)]
    pub stage_caches: BTreeMap<String, BTreeMap<String, Cached>>,
    /// How long a cache cluster takes to be AVAILABLE (`--aws-timing`: AWS's minutes).
    #[serde(skip)]
    pub cache_provisioning_ms: i64,
    /// Told of every change, when the state is kept on disk.
    #[serde(skip)]
    writer: Option<Writer>,
    /// Set when events were removed other than by the caps (a log group deleted): the writer
    /// rewrites `logs.jsonl` from memory instead of appending to it.
    #[serde(skip)]
    logs_removed: bool,
    /// Every event as it is ingested, for Live Tail sessions (not persisted).
    #[serde(skip)]
    live: LiveFeed,
}

/// A log event as Live Tail streams it: what was ingested, where, as it happened.
#[derive(Debug, Clone)]
pub struct LiveEvent {
    pub region: std::sync::Arc<str>,
    pub group: std::sync::Arc<str>,
    pub stream: std::sync::Arc<str>,
    pub timestamp: i64,
    pub ingestion_time: i64,
    pub message: std::sync::Arc<str>,
}

/// The feed of ingested events. Bounded: a session that falls behind learns how many it
/// missed (and reports its results as sampled, as Live Tail does under load).
#[derive(Debug)]
pub struct LiveFeed(tokio::sync::broadcast::Sender<LiveEvent>);

impl Default for LiveFeed {
    fn default() -> Self {
        LiveFeed(tokio::sync::broadcast::channel(LIVE_FEED_CAPACITY).0)
    }
}

/// Region → name (or id) → resource.
type Regional<T> = BTreeMap<String, BTreeMap<String, T>>;

/// A resource's place: its region, and its name (or id) there.
pub trait Placed {
    fn region(&self) -> &str;
    fn key(&self) -> &str;
}

impl Placed for Function {
    fn region(&self) -> &str {
        &self.region
    }
    fn key(&self) -> &str {
        &self.name
    }
}

impl Placed for RestApi {
    fn region(&self) -> &str {
        &self.region
    }
    fn key(&self) -> &str {
        &self.id
    }
}

impl Placed for ApiKey {
    fn region(&self) -> &str {
        &self.region
    }
    fn key(&self) -> &str {
        &self.id
    }
}

impl Placed for DomainName {
    fn region(&self) -> &str {
        &self.region
    }
    fn key(&self) -> &str {
        &self.name
    }
}

impl Placed for UsagePlan {
    fn region(&self) -> &str {
        &self.region
    }
    fn key(&self) -> &str {
        &self.id
    }
}

impl Placed for Layer {
    fn region(&self) -> &str {
        &self.region
    }
    fn key(&self) -> &str {
        &self.name
    }
}

/// A Lambda layer (PublishLayerVersion): its versions, numbered from 1, a number never used
/// twice even once its version is deleted.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Layer {
    pub name: String,
    pub region: String,
    pub last_version: u64,
    pub versions: BTreeMap<u64, LayerVersion>,
}

/// A Lambda code signing config (CreateCodeSigningConfig), kept as Lambda answers it, and
/// its tags.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SigningConfig {
    pub region: String,
    pub config: super::shapes::lambda::CodeSigningConfig,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

impl Placed for SigningConfig {
    fn region(&self) -> &str {
        &self.region
    }
    fn key(&self) -> &str {
        &self.config.code_signing_config_id
    }
}

/// A Lambda event source mapping (CreateEventSourceMapping): its configuration as Lambda
/// answers it (but `State`, which is worked out when it is read), its tags, and the
/// transition it is in since `since_ms` (`Creating`, `Updating`, `Enabling`, `Disabling`,
/// `Deleting`), which ends in `Enabled` or `Disabled` (or, deleting, in its removal).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Mapping {
    pub region: String,
    pub uuid: String,
    pub config: Value,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    pub enabled: bool,
    pub transition: String,
    pub since_ms: i64,
}

impl Placed for Mapping {
    fn region(&self) -> &str {
        &self.region
    }
    fn key(&self) -> &str {
        &self.uuid
    }
}

/// One published version of a layer, as PublishLayerVersion was given it. Its content is
/// checked and hashed, not kept: no function's environment mounts it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LayerVersion {
    pub description: String,
    pub license_info: Option<String>,
    pub compatible_runtimes: Option<Vec<String>>,
    pub compatible_architectures: Option<Vec<String>>,
    pub code_sha256: String,
    pub code_size: u64,
    pub created: String,
    /// Its resource policy's statements (AddLayerVersionPermission), as IAM writes them.
    #[serde(default)]
    pub policy: Vec<Value>,
    /// The policy's RevisionId, new with each change.
    #[serde(default)]
    pub policy_revision: Option<String>,
}

impl Placed for LogGroup {
    fn region(&self) -> &str {
        &self.region
    }
    fn key(&self) -> &str {
        &self.name
    }
}

fn place<T: Placed>(map: &mut Regional<T>, value: T) {
    let region = map.entry(value.region().to_string()).or_default();
    region.insert(value.key().to_string(), value);
}

/// A regional map on disk: one flat map keyed `region/name` (each value names its region, so
/// a state saved before resources were regional, keyed by name alone, loads the same).
mod by_region {
    use super::{place, Placed, Regional};
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use std::collections::BTreeMap;

    pub fn serialize<T: Serialize, S: Serializer>(
        map: &Regional<T>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.collect_map(map.iter().flat_map(|(region, resources)| {
            resources
                .iter()
                .map(move |(key, value)| (format!("{region}/{key}"), value))
        }))
    }

    pub fn deserialize<'de, T: Deserialize<'de> + Placed, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Regional<T>, D::Error> {
        let flat = BTreeMap::<String, T>::deserialize(deserializer)?;
        let mut map = Regional::new();
        for value in flat.into_values() {
            place(&mut map, value);
        }
        Ok(map)
    }
}

/// Events a Live Tail session may fall behind by before it misses some.
const LIVE_FEED_CAPACITY: usize = 8192;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Function {
    pub name: String,
    pub arn: String,
    pub region: String,
    pub runtime: String,
    pub role: String,
    pub handler: String,
    pub description: String,
    pub timeout: u64,
    pub memory: u64,
    pub architectures: Vec<String>,
    /// Its variables, if it was ever given an `Environment` (AWS answers none otherwise).
    pub environment: Option<BTreeMap<String, String>>,
    pub code_sha256: String,
    pub code_size: u64,
    /// Bumped by every code or configuration change: environments of an older revision are
    /// retired.
    pub revision: u64,
    /// Bumped by the changes that give it a new RevisionId without changing what runs: a
    /// permission added or removed, a version published (recorded:
    /// test_function_revisions_permissions, test_function_revisions_version_and_alias).
    #[serde(default)]
    pub marks: u64,
    /// Drawn when the function is created: its RevisionIds are no other function's, as AWS's
    /// are unique (recorded: test_function_arns, two functions, two RevisionIds).
    #[serde(default)]
    pub revision_salt: u32,
    /// Where the current code is unpacked.
    pub code_dir: PathBuf,
    pub last_modified: String,
    pub state: State,
    pub state_reason: Option<String>,
    pub last_update_status: UpdateStatus,
    pub tags: BTreeMap<String, String>,
    /// Its `LoggingConfig`.
    #[serde(default)]
    pub logging: Logging,
    /// Resource policy statements, as IAM writes them.
    pub policy: Vec<Value>,
    /// The policy's RevisionId: its owner's RevisionId when it last changed (a publish gives
    /// `$LATEST` a new one but leaves its policy's; recorded: test_lambda_permission_fn_versioning).
    #[serde(default)]
    pub policy_revision: Option<String>,
    /// `$LATEST`, or the number of the published version this is a snapshot of.
    #[serde(default = "latest")]
    pub version: String,
    /// The published versions (PublishVersion), each a snapshot of `$LATEST` as it was, with a
    /// policy of its own; empty in a snapshot.
    #[serde(default)]
    pub versions: BTreeMap<u64, Function>,
    /// The highest version number ever published: numbers are never reused, even once the
    /// version is deleted.
    #[serde(default)]
    pub last_version: u64,
    #[serde(default)]
    pub aliases: BTreeMap<String, Alias>,
    /// Its reserved concurrency (PutFunctionConcurrency): at most this many invocations of
    /// it, all versions together, run at once; 0 switches it off. A version's copy is its
    /// function's as of the invocation (`versions::pick`).
    #[serde(default)]
    pub reserved_concurrency: Option<i32>,
    /// Its recursive loop detection is `Allow` (PutFunctionRecursionConfig); `Terminate`,
    /// Lambda's default, otherwise.
    #[serde(default)]
    pub recursion_allowed: bool,
    /// Its asynchronous invocation settings, per qualifier (`$LATEST`, a version, an alias).
    #[serde(default)]
    pub event_configs: BTreeMap<String, EventConfig>,
    /// Its function URLs, per qualifier (`$LATEST` or an alias; never a version).
    #[serde(default)]
    pub url_configs: BTreeMap<String, UrlConfig>,
    /// The ids of its URLs that were deleted (with their alias, or by
    /// DeleteFunctionUrlConfig): a request to one is refused as a closed URL is, not as a URL
    /// that never was (recorded: test_lambda_url_persists_after_alias_delete).
    #[serde(default)]
    pub retired_url_ids: Vec<String>,
    /// Its provisioned concurrency (PutProvisionedConcurrencyConfig), per qualifier: a
    /// published version's number or an alias' name, never `$LATEST`.
    #[serde(default)]
    pub provisioned: BTreeMap<String, Provisioned>,
    /// SnapStart applies to its published versions (`ApplyOn: PublishedVersions`); a
    /// version's copy says whether it was published with it on.
    #[serde(default)]
    pub snap_start: bool,
    /// The layer versions it references (their ARNs), each with its code's size as it was
    /// when referenced.
    #[serde(default)]
    pub layers: Vec<(String, u64)>,
    /// The ARN of its code signing config (PutFunctionCodeSigningConfig), if it has one.
    #[serde(default)]
    pub code_signing_config: Option<String>,
}

/// What PutProvisionedConcurrencyConfig keeps for one qualifier: the executions asked for,
/// and when (its `LastModified`, and the moment from which it is `READY`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Provisioned {
    pub requested: i32,
    pub last_modified: String,
    pub requested_ms: i64,
    /// The executions it counts as allocated while `IN_PROGRESS`: none after a Put; after its
    /// alias moved to another version, those it had then (the version left's), until the new
    /// version's environments are ready.
    #[serde(default)]
    pub allocated_in_progress: i32,
}

impl Provisioned {
    /// Whether it is `READY` now (`ready_after` has passed since it was asked for), and the
    /// executions allocated: every one asked for once ready, `allocated_in_progress` before.
    pub fn allocated(&self, ready_after: std::time::Duration) -> (bool, i32) {
        if now_ms() - self.requested_ms >= ready_after.as_millis() as i64 {
            (true, self.requested)
        } else {
            (false, self.allocated_in_progress)
        }
    }
}

/// What CreateFunctionUrlConfig keeps for one qualifier: the URL's id (its host's first
/// label), and its settings as last given. `invoke_mode` stays unset until one is given (Create
/// and Update answer it only then; Get and List answer `BUFFERED`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UrlConfig {
    pub url_id: String,
    pub auth_type: super::shapes::lambda::FunctionUrlAuthType,
    pub cors: Option<super::shapes::lambda::Cors>,
    pub invoke_mode: Option<super::shapes::lambda::InvokeMode>,
    pub created: String,
    pub last_modified: String,
}

/// What PutFunctionEventInvokeConfig keeps for one qualifier.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct EventConfig {
    pub retries: Option<i32>,
    pub max_age_seconds: Option<i32>,
    pub on_success: Option<String>,
    pub on_failure: Option<String>,
    pub last_modified_ms: i64,
}

fn latest() -> String {
    "$LATEST".to_string()
}

impl Function {
    /// The function's configuration alone: without its versions and aliases (what one
    /// invocation needs, cheap to clone).
    pub fn snapshot(&self) -> Function {
        Function {
            name: self.name.clone(),
            arn: self.arn.clone(),
            region: self.region.clone(),
            runtime: self.runtime.clone(),
            role: self.role.clone(),
            handler: self.handler.clone(),
            description: self.description.clone(),
            timeout: self.timeout,
            memory: self.memory,
            architectures: self.architectures.clone(),
            environment: self.environment.clone(),
            code_sha256: self.code_sha256.clone(),
            code_size: self.code_size,
            revision: self.revision,
            marks: self.marks,
            revision_salt: self.revision_salt,
            code_dir: self.code_dir.clone(),
            last_modified: self.last_modified.clone(),
            state: self.state,
            state_reason: self.state_reason.clone(),
            last_update_status: self.last_update_status,
            tags: self.tags.clone(),
            logging: self.logging.clone(),
            policy: self.policy.clone(),
            policy_revision: self.policy_revision.clone(),
            version: self.version.clone(),
            versions: BTreeMap::new(),
            last_version: self.last_version,
            aliases: BTreeMap::new(),
            reserved_concurrency: self.reserved_concurrency,
            recursion_allowed: self.recursion_allowed,
            event_configs: self.event_configs.clone(),
            url_configs: self.url_configs.clone(),
            retired_url_ids: self.retired_url_ids.clone(),
            provisioned: self.provisioned.clone(),
            snap_start: self.snap_start,
            layers: self.layers.clone(),
            code_signing_config: self.code_signing_config.clone(),
        }
    }

    /// What its provisioned concurrency configs ask for, all qualifiers together.
    pub fn provisioned_total(&self) -> i64 {
        self.provisioned
            .values()
            .map(|p| i64::from(p.requested))
            .sum()
    }

    /// The reserved concurrency an invocation of `version` (through `alias`, if any) is held
    /// to: the whole reservation for a version or alias with provisioned concurrency; what
    /// the provisioned configs leave of it for any other (recorded:
    /// test_reserved_provisioned_overlap, `$LATEST` throttled once they take it all).
    pub fn reservation_for(&self, version: &str, alias: Option<&str>) -> Option<i32> {
        let reserved = self.reserved_concurrency?;
        // An alias' provisioned concurrency serves its version invoked by number, too
        // (test_provisioned_concurrency_on_alias).
        let provisioned = self.provisioned.contains_key(version)
            || alias.is_some_and(|a| self.provisioned.contains_key(a))
            || self
                .aliases
                .values()
                .any(|a| a.function_version == version && self.provisioned.contains_key(&a.name));
        if provisioned {
            return Some(reserved);
        }
        let left = i64::from(reserved) - self.provisioned_total();
        Some(left.max(0) as i32)
    }

    /// Whether a published version still runs the code in `dir` (then it must stay).
    pub fn version_uses(&self, dir: &Path) -> bool {
        self.versions.values().any(|v| v.code_dir == dir)
    }
}

/// A function's `LoggingConfig`: the format of its system logs, the levels a JSON format
/// filters by (both set with JSON, neither with Text), and the log group its logs go to when it
/// is not `/aws/lambda/NAME`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Logging {
    pub json: bool,
    pub application_level: Option<ApplicationLogLevel>,
    pub system_level: Option<SystemLogLevel>,
    pub log_group: Option<String>,
}

impl Function {
    /// The log group its logs go to.
    pub fn log_group(&self) -> String {
        self.logging
            .log_group
            .clone()
            .unwrap_or_else(|| format!("/aws/lambda/{}", self.name))
    }
}

/// A function alias: a name for a version, and optionally a second version that gets a
/// share of the invocations (`RoutingConfig.AdditionalVersionWeights`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Alias {
    pub name: String,
    pub function_version: String,
    pub description: String,
    /// Additional version → its share of invocations, 0.0 to 1.0 (at most one entry).
    pub weights: BTreeMap<String, f64>,
    pub revision_id: String,
    /// The alias' own resource policy.
    pub policy: Vec<Value>,
    /// Its policy's RevisionId, as a function's.
    #[serde(default)]
    pub policy_revision: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RestApi {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub region: String,
    pub created: i64,
    pub endpoint_types: Vec<String>,
    /// Media types served as binary: a proxy response's base64 body is decoded only for a
    /// request that accepts one of them (AWS: "Lambda proxy integrations and binary support").
    #[serde(default)]
    pub binary_media_types: Vec<String>,
    /// CreateRestApi's `version`, `minimumCompressionSize` and endpoint `ipAddressType`
    /// (`ipv4` unless asked otherwise), answered as given.
    #[serde(default)]
    pub version: Option<String>,
    #[serde(default)]
    pub minimum_compression_size: Option<i64>,
    #[serde(default = "ipv4")]
    pub ip_address_type: String,
    /// Where a method that requires an API key reads it: `HEADER` (the default) or
    /// `AUTHORIZER`, as CreateRestApi or UpdateRestApi set it.
    #[serde(default = "header")]
    pub api_key_source: String,
    /// Kept and answered; the stage URLs are served all the same (see docs/parity.md).
    #[serde(default)]
    pub disable_execute_api_endpoint: bool,
    /// The resource policy's text, as given; answered, not enforced (see docs/parity.md).
    #[serde(default)]
    pub policy: Option<String>,
    pub tags: BTreeMap<String, String>,
    pub root_id: String,
    pub resources: BTreeMap<String, Resource>,
    /// Its models by name: `Empty` and `Error`, which CreateRestApi makes, and those created.
    #[serde(default)]
    pub models: BTreeMap<String, ApiModel>,
    pub deployments: BTreeMap<String, Deployment>,
    pub stages: BTreeMap<String, Stage>,
    /// Its request validators by id (CreateRequestValidator): kept and answered, what a
    /// method's `requestValidatorId` must name, and enforced as deployed (see docs/parity.md).
    #[serde(default)]
    pub request_validators: BTreeMap<String, RequestValidator>,
    /// The gateway responses set (PutGatewayResponse, UpdateGatewayResponse), by type; a type
    /// not here answers its default. Served, as deployed, for a refused request validation.
    #[serde(default)]
    pub gateway_responses: BTreeMap<String, GatewayResponse>,
    /// Its authorizers by id (CreateAuthorizer): kept, answered and named by methods; not run
    /// on the stage URL (see docs/parity.md).
    #[serde(default)]
    pub authorizers: BTreeMap<String, Authorizer>,
    /// Its documentation parts, in the order they were made (GetDocumentationParts answers
    /// them so: recorded, test_import_documentation_parts).
    #[serde(default)]
    pub documentation_parts: Vec<DocumentationPart>,
    /// Its documentation versions (snapshots of the parts), by version.
    #[serde(default)]
    pub documentation_versions: BTreeMap<String, DocumentationVersion>,
}

/// A documentation part: where it applies and its properties (a JSON document's text).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DocumentationPart {
    pub id: String,
    pub location: DocumentationLocation,
    pub properties: String,
}

/// What a documentation part documents: its type (`API`, `METHOD`, …) and, as the type
/// takes them, a path, a method, a status code and a name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentationLocation {
    pub kind: String,
    pub path: Option<String>,
    pub method: Option<String>,
    pub status_code: Option<String>,
    pub name: Option<String>,
}

/// A documentation version: the API's documentation parts when it was made.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DocumentationVersion {
    pub version: String,
    pub created: i64,
    pub description: Option<String>,
    pub parts: Vec<DocumentationPart>,
}

/// An authorizer, as CreateAuthorizer made it and UpdateAuthorizer changed it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Authorizer {
    pub id: String,
    pub name: String,
    /// `TOKEN`, `REQUEST`, `COGNITO_USER_POOLS` or `JWT`.
    pub kind: String,
    pub auth_type: Option<String>,
    pub authorizer_uri: Option<String>,
    pub authorizer_credentials: Option<String>,
    pub identity_source: Option<String>,
    pub identity_validation_expression: Option<String>,
    pub result_ttl: Option<i64>,
    pub provider_arns: Option<Vec<String>>,
    /// A `JWT` authorizer's configuration, as given.
    pub jwt_configuration: Option<Value>,
}

/// A gateway response set on an API.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GatewayResponse {
    pub status_code: Option<String>,
    pub parameters: BTreeMap<String, String>,
    pub templates: BTreeMap<String, String>,
}

/// A request validator, as CreateRequestValidator made it and UpdateRequestValidator changed it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RequestValidator {
    pub id: String,
    pub name: Option<String>,
    pub validate_request_body: bool,
    pub validate_request_parameters: bool,
}

/// A model (a JSON schema that describes a payload), as CreateModel made it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ApiModel {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub content_type: String,
    /// The schema's text, as sent.
    pub schema: Option<String>,
}

fn header() -> String {
    "HEADER".into()
}

fn ipv4() -> String {
    "ipv4".into()
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Resource {
    pub id: String,
    pub parent_id: Option<String>,
    pub path_part: Option<String>,
    pub path: String,
    pub methods: BTreeMap<String, Method>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Method {
    pub http_method: String,
    pub authorization_type: String,
    pub api_key_required: bool,
    #[serde(default)]
    pub operation_name: Option<String>,
    /// The request validator it names (one of its API's), if any.
    #[serde(default)]
    pub request_validator_id: Option<String>,
    /// `method.request.querystring.name` → required.
    #[serde(default)]
    pub request_parameters: BTreeMap<String, bool>,
    /// Content type → model name.
    #[serde(default)]
    pub request_models: BTreeMap<String, String>,
    /// The authorizer (one of its API's) a `CUSTOM` or `COGNITO_USER_POOLS` method names.
    #[serde(default)]
    pub authorizer_id: Option<String>,
    /// The OAuth scopes a `COGNITO_USER_POOLS` method asks of the token, as given.
    #[serde(default)]
    pub authorization_scopes: Vec<String>,
    pub integration: Option<Integration>,
    pub responses: BTreeMap<String, Value>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Integration {
    pub kind: String,
    pub http_method: Option<String>,
    pub uri: Option<String>,
    /// Content type → mapping template (non-proxy integrations; MOCK reads `statusCode`).
    #[serde(default)]
    pub request_templates: BTreeMap<String, String>,
    /// `integration.request.*` → its source (`method.request.path.id`, `'static'`), as given.
    #[serde(default)]
    pub request_parameters: BTreeMap<String, String>,
    /// Status code → integration response (non-proxy integrations).
    #[serde(default)]
    pub responses: BTreeMap<String, IntegrationResponse>,
    /// The role API Gateway assumes to call an AWS service, as given.
    #[serde(default)]
    pub credentials: Option<String>,
    /// `INTERNET` or `VPC_LINK`, for HTTP and HTTP_PROXY integrations.
    #[serde(default)]
    pub connection_type: Option<String>,
    /// The VPC link (or a stage variable that names one) of a `VPC_LINK` connection, as given.
    #[serde(default)]
    pub connection_id: Option<String>,
    /// The cache's group of parameters: the resource's id unless given ("By default, API
    /// Gateway uses the resource ID as the cacheNamespace", its API reference).
    #[serde(default)]
    pub cache_namespace: Option<String>,
    /// `CONVERT_TO_TEXT` / `CONVERT_TO_BINARY`, as given (none: the payload passes through).
    #[serde(default)]
    pub content_handling: Option<String>,
    /// `WHEN_NO_MATCH` (none given), `WHEN_NO_TEMPLATES` or `NEVER`.
    #[serde(default)]
    pub passthrough_behavior: Option<String>,
    /// How long API Gateway waits for the integration (none given: 29,000 ms).
    #[serde(default)]
    pub timeout_in_millis: Option<i32>,
}

impl Integration {
    /// What an integration waits for unless told: "Default: 29,000 ms" (API Gateway's API
    /// reference, Integration.timeoutInMillis).
    pub const DEFAULT_TIMEOUT_MS: i32 = 29_000;
}

/// How a non-proxy integration's result becomes the method response with this status.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IntegrationResponse {
    pub status_code: String,
    /// Matched against the integration's status (MOCK) or error; `None`: the default response.
    pub selection_pattern: Option<String>,
    /// `method.response.header.X` → source (`'static'`, `integration.response.header.Y`, …).
    pub parameters: BTreeMap<String, String>,
    /// Content type → mapping template.
    pub templates: BTreeMap<String, String>,
    /// PutIntegrationResponse was given an empty map of templates, which AWS keeps and answers
    /// as `{}` (recorded: test_put_integration_responses), unlike one never given.
    #[serde(default)]
    pub empty_templates_given: bool,
    /// `CONVERT_TO_BINARY` or `CONVERT_TO_TEXT`, as given: kept and answered (the stage URL
    /// does not convert).
    #[serde(default)]
    pub content_handling: Option<String>,
}

/// A deployment is a snapshot: the stage serves it, not the live resources.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Deployment {
    pub id: String,
    pub description: Option<String>,
    pub created: i64,
    pub resources: BTreeMap<String, Resource>,
    /// The API's models when it was made: what the stage's export describes, and what a
    /// request body is validated against.
    #[serde(default)]
    pub models: BTreeMap<String, ApiModel>,
    /// The API's request validators when it was made: a stage enforces those it deployed
    /// (recorded: test_api_gateway_request_validator redeploys after changing one).
    #[serde(default)]
    pub request_validators: BTreeMap<String, RequestValidator>,
    /// The API's gateway responses set when it was made: how its stage answers its own errors.
    #[serde(default)]
    pub gateway_responses: BTreeMap<String, GatewayResponse>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Stage {
    pub name: String,
    pub deployment_id: String,
    /// The deployment it served before `deployment_id`, and when it changed (epoch ms): under
    /// AWS's timing the URL serves the previous one until the change has propagated.
    #[serde(default)]
    pub previous_deployment: Option<String>,
    #[serde(default)]
    pub deployed_at: i64,
    pub description: Option<String>,
    pub created: i64,
    pub last_updated: i64,
    pub variables: BTreeMap<String, String>,
    pub tags: BTreeMap<String, String>,
    #[serde(default)]
    pub settings: StageSettings,
    /// The stage's canary release, if it has one.
    #[serde(default)]
    pub canary: Option<Canary>,
    /// The documentation version it publishes (CreateStage, CreateDocumentationVersion's
    /// `stageName`).
    #[serde(default)]
    pub documentation_version: Option<String>,
}

/// A stage's canary (`canarySettings`): the deployment that serves `percent_traffic` percent
/// of the stage's requests, with its stage variables overridden.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Canary {
    pub deployment_id: String,
    pub percent_traffic: f64,
    pub stage_variable_overrides: BTreeMap<String, String>,
    pub use_stage_cache: bool,
}

impl Stage {
    /// Points the stage at another deployment (CreateDeployment, CreateStage, UpdateStage).
    pub fn point_at(&mut self, deployment: &str) {
        if self.deployment_id != deployment {
            let previous = std::mem::replace(&mut self.deployment_id, deployment.to_string());
            self.previous_deployment = (!previous.is_empty()).then_some(previous);
            self.deployed_at = now_ms();
        }
    }

    /// The deployment its URL serves now, when a change takes `propagation` to be seen.
    pub fn serving(&self, propagation: Duration) -> Option<&str> {
        if now_ms() - self.deployed_at < propagation.as_millis() as i64 {
            self.previous_deployment.as_deref()
        } else {
            Some(&self.deployment_id)
        }
    }
}

/// A custom domain name (CreateDomainName, REGIONAL) and its base path mappings.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DomainName {
    pub name: String,
    pub region: String,
    pub certificate_arn: String,
    /// `d-xxxxxxxxxx.execute-api.REGION.amazonaws.com`: what DNS points the name at.
    pub regional_domain_name: String,
    pub hosted_zone_id: String,
    pub security_policy: String,
    pub created: i64,
    pub tags: BTreeMap<String, String>,
    /// Base path (`(none)` for the empty one) → (REST API id, stage).
    pub mappings: BTreeMap<String, (String, String)>,
}

/// An API key (CreateApiKey): what a caller sends in `x-api-key` to a method that requires
/// one, served only through a usage plan that binds the stage.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ApiKey {
    pub id: String,
    pub region: String,
    pub name: String,
    pub value: String,
    pub description: Option<String>,
    pub customer_id: Option<String>,
    pub enabled: bool,
    pub created: i64,
    pub last_updated: i64,
    pub tags: BTreeMap<String, String>,
    /// Creation order (lists are newest first; `created` has one-second resolution).
    #[serde(default)]
    pub seq: u64,
}

/// A usage plan: the stages it binds, its throttle and quota, its keys, and what each key used
/// (requests served per UTC day, for the quota and GetUsage).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UsagePlan {
    pub id: String,
    pub region: String,
    pub name: String,
    pub description: Option<String>,
    /// (REST API id, stage name).
    pub api_stages: Vec<(String, String)>,
    /// Requests per second and burst.
    pub throttle: Option<(Option<f64>, Option<i64>)>,
    /// Limit, period (`DAY`, `WEEK`, `MONTH`) and offset.
    pub quota: Option<Quota>,
    pub tags: BTreeMap<String, String>,
    /// Its API keys' ids.
    pub keys: Vec<String>,
    /// Key id → UTC day (days since the epoch) → requests served.
    #[serde(default)]
    pub usage: BTreeMap<String, BTreeMap<i64, u64>>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Quota {
    pub limit: i64,
    pub period: String,
    /// Requests taken off the limit in the first period (the one holding `since`).
    pub offset: i64,
    /// The UTC day (since the epoch) the quota was set.
    #[serde(default)]
    pub since: i64,
}

/// A stage's `*/*` method settings and access logging.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct StageSettings {
    pub logging_level: Option<String>,
    pub data_trace: bool,
    pub throttle_rate: Option<f64>,
    pub throttle_burst: Option<i64>,
    pub access_log_destination: Option<String>,
    pub access_log_format: Option<String>,
    /// The stage's cache cluster (`cacheClusterEnabled`, its size in GB) and when it is
    /// AVAILABLE (epoch ms: it takes minutes on AWS).
    #[serde(default)]
    pub cache_cluster_size: Option<String>,
    #[serde(default)]
    pub cache_cluster_ready: i64,
    /// `*/*` caching: on, and for how long an answer is kept.
    #[serde(default)]
    pub caching_enabled: bool,
    #[serde(default)]
    pub cache_ttl: Option<i64>,
    /// X-Ray tracing (`tracingEnabled`): kept and answered.
    #[serde(default)]
    pub tracing_enabled: bool,
    /// The settings of single methods (`{resourcePath}/{httpMethod}`, `*/*`'s apart), by
    /// that key: kept and answered, not applied on the stage URL.
    #[serde(default)]
    pub methods: BTreeMap<String, MethodSettings>,
}

/// One method's settings, as UpdateStage's `/{resourcePath}/{httpMethod}/…` paths set them:
/// `*/*`'s at the time the first of them was set, then each as set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MethodSettings {
    pub metrics_enabled: bool,
    pub logging_level: Option<String>,
    pub data_trace: bool,
    pub throttle_burst: i64,
    pub throttle_rate: f64,
    pub caching_enabled: bool,
    pub cache_ttl: i64,
}

/// An answer kept in a stage's cache: until when, its status, headers and body.
#[derive(Debug, Clone)]
pub struct Cached {
    pub expires: i64,
    pub status: u16,
    pub headers: Vec<(String, Vec<u8>)>,
    pub body: Vec<u8>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LogGroup {
    pub name: String,
    pub region: String,
    pub created: i64,
    pub retention_days: Option<i64>,
    pub tags: BTreeMap<String, String>,
    pub streams: BTreeMap<String, LogStream>,
    /// Its metric filters, by name.
    #[serde(default)]
    pub metric_filters: BTreeMap<String, MetricFilter>,
    /// Its subscription filters, by name.
    #[serde(default)]
    pub subscription_filters: BTreeMap<String, SubscriptionFilter>,
    /// What its events hold, as `MAX_GROUP_BYTES` counts it (recounted on load).
    #[serde(skip)]
    pub bytes: usize,
    /// When `expire` last looked.
    #[serde(skip)]
    expired_at: i64,
}

/// What CloudWatch Logs keeps of a region besides its log groups: its account-level resource
/// policies, by name, and its Logs Insights queries, oldest first.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct LogRegion {
    #[serde(default)]
    pub resource_policies: BTreeMap<String, ResourcePolicy>,
    /// In memory only: their rows can be large, and the state is saved after every event
    /// ingested (the stage URL's hot path) — a query's results are for the session that ran it.
    #[serde(skip)]
    pub queries: Vec<LogQuery>,
}

/// A Logs Insights query (StartQuery), with what it found.
#[derive(Debug, Clone)]
pub struct LogQuery {
    pub id: String,
    /// The first log group it read (DescribeQueries' `logGroupName`).
    pub group: String,
    /// As AWS describes it: `SOURCE "group" START=… END=… | query`.
    pub query_string: String,
    pub created: i64,
    pub status: super::shapes::logs::QueryStatus,
    /// Each row's fields and values, in order.
    pub rows: Vec<Vec<(String, String)>>,
    pub scanned: usize,
    pub matched: usize,
    pub bytes: usize,
}

/// An account-level resource policy (PutResourcePolicy).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ResourcePolicy {
    pub name: String,
    /// As AWS keeps it: normalized (`log_policies::normalized`).
    pub document: String,
    pub updated: i64,
}

/// A log group's metric filter (PutMetricFilter).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MetricFilter {
    pub name: String,
    pub pattern: String,
    pub created: i64,
    pub transformations: Vec<super::shapes::logs::MetricTransformation>,
    #[serde(default)]
    pub apply_on_transformed_logs: bool,
}

/// A log group's subscription filter (PutSubscriptionFilter).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SubscriptionFilter {
    pub name: String,
    pub pattern: String,
    pub destination_arn: String,
    pub role_arn: Option<String>,
    pub distribution: super::shapes::logs::Distribution,
    #[serde(default)]
    pub apply_on_transformed_logs: bool,
    pub created: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LogStream {
    pub name: String,
    pub created: i64,
    /// Kept in `logs.jsonl`, appended to as they come, not in `state.json` (an older state
    /// file that has them still loads).
    #[serde(default, skip_serializing)]
    pub events: Vec<LogEvent>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LogEvent {
    pub id: u64,
    pub timestamp: i64,
    pub ingestion_time: i64,
    /// Shared, so that the writer can take the events to save without copying them.
    pub message: std::sync::Arc<str>,
}

impl LogEvent {
    pub fn cost(&self) -> usize {
        self.message.len() + EVENT_OVERHEAD
    }
}

impl LogGroup {
    pub fn new(name: &str, region: &str) -> LogGroup {
        LogGroup {
            name: name.to_string(),
            region: region.to_string(),
            created: now_ms(),
            retention_days: None,
            tags: BTreeMap::new(),
            streams: BTreeMap::new(),
            metric_filters: BTreeMap::new(),
            subscription_filters: BTreeMap::new(),
            bytes: 0,
            expired_at: 0,
        }
    }

    fn recount(&mut self) {
        self.bytes = self
            .streams
            .values()
            .flat_map(|s| &s.events)
            .map(LogEvent::cost)
            .sum();
    }

    /// Drops the events older than the retention period, as CloudWatch Logs does (it
    /// deletes them within days; here at once). At most once a second: it looks at every event.
    pub fn expire(&mut self, now: i64) {
        let Some(days) = self.retention_days else {
            return;
        };
        if now - self.expired_at < 1000 {
            return;
        }
        self.expired_at = now;
        let oldest_kept = now.saturating_sub(days.saturating_mul(86_400_000));
        let mut freed = 0;
        for stream in self.streams.values_mut() {
            stream.events.retain(|e| {
                let keep = e.timestamp >= oldest_kept;
                if !keep {
                    freed += e.cost();
                }
                keep
            });
        }
        self.bytes -= freed;
    }

    /// Drops the oldest events until the group holds at most nine tenths of
    /// `MAX_GROUP_BYTES`; streams left empty go too.
    ///
    /// One merge of the streams' heads (each stream is in arrival order, ids rise) finds how
    /// many events each stream gives up, then each stream is cut once: the work is linear in
    /// what is dropped plus one move of each stream's rest, however the streams interleave
    /// (32 environments writing one group at once used to cost a move per event dropped).
    fn trim(&mut self) {
        use std::cmp::Reverse;
        use std::collections::BinaryHeap;
        let target = MAX_GROUP_BYTES / 10 * 9;
        let mut excess = self.bytes.saturating_sub(target);
        if excess == 0 {
            return;
        }
        let mut streams: Vec<&mut LogStream> = self.streams.values_mut().collect();
        let mut cut = vec![0usize; streams.len()];
        // (id of the stream's next event to drop, stream's index)
        let mut heads: BinaryHeap<Reverse<(u64, usize)>> = streams
            .iter()
            .enumerate()
            .filter_map(|(i, s)| s.events.first().map(|e| Reverse((e.id, i))))
            .collect();
        let mut freed = 0;
        while excess > 0 {
            let Some(Reverse((_, i))) = heads.pop() else {
                break;
            };
            let cost = streams[i].events[cut[i]].cost();
            freed += cost;
            excess = excess.saturating_sub(cost);
            cut[i] += 1;
            if let Some(next) = streams[i].events.get(cut[i]) {
                heads.push(Reverse((next.id, i)));
            }
        }
        let mut emptied = Vec::new();
        for (stream, count) in streams.iter_mut().zip(&cut) {
            if *count > 0 {
                stream.events.drain(..*count);
                if stream.events.is_empty() {
                    emptied.push(stream.name.clone());
                }
            }
        }
        self.bytes -= freed;
        if heads.is_empty() {
            // Nothing is left: whatever the count said, nothing is held.
            self.bytes = 0;
        }
        for name in emptied {
            self.streams.remove(&name);
        }
    }

    pub fn arn(&self) -> String {
        arn(&self.region, "logs", &format!("log-group:{}", self.name))
    }
}

/// The state's contents, behind methods: the handlers read and change what they name, and the
/// invariants that span fields (a deleted log group makes the writer rewrite `logs.jsonl`)
/// are kept here.
impl Db {
    pub fn function(&self, region: &str, name: &str) -> Option<&Function> {
        self.functions.get(region)?.get(name)
    }

    pub fn function_mut(&mut self, region: &str, name: &str) -> Option<&mut Function> {
        self.functions.get_mut(region)?.get_mut(name)
    }

    /// The function whose ARN this is (tags are addressed by ARN); the ARN names its region.
    pub fn function_by_arn_mut(&mut self, arn: &str) -> Option<&mut Function> {
        let region = arn.split(':').nth(3)?;
        self.functions
            .get_mut(region)?
            .values_mut()
            .find(|f| f.arn == arn)
    }

    pub fn alarms(&self) -> &BTreeMap<String, super::alarm::Alarm> {
        &self.alarms
    }

    pub fn alarms_mut(&mut self) -> &mut BTreeMap<String, super::alarm::Alarm> {
        &mut self.alarms
    }

    /// The functions of one region, by name.
    pub fn functions(&self, region: &str) -> impl Iterator<Item = &Function> {
        self.functions
            .get(region)
            .into_iter()
            .flat_map(|f| f.values())
    }

    /// Adds a function under its region and name.
    pub fn insert_function(&mut self, function: Function) {
        place(&mut self.functions, function);
    }

    pub fn remove_function(&mut self, region: &str, name: &str) -> Option<Function> {
        self.functions.get_mut(region)?.remove(name)
    }

    pub fn api(&self, region: &str, id: &str) -> Option<&RestApi> {
        self.apis.get(region)?.get(id)
    }

    pub fn api_mut(&mut self, region: &str, id: &str) -> Option<&mut RestApi> {
        self.apis.get_mut(region)?.get_mut(id)
    }

    /// A REST API by its id alone, whatever its region: a stage URL of the local cloud names
    /// no region (ids are unique across regions, as on AWS).
    pub fn api_by_id(&self, id: &str) -> Option<&RestApi> {
        self.apis.values().find_map(|apis| apis.get(id))
    }

    /// The REST APIs of one region, by id.
    pub fn apis(&self, region: &str) -> impl Iterator<Item = &RestApi> {
        self.apis.get(region).into_iter().flat_map(|a| a.values())
    }

    /// Adds a REST API under its region and id.
    pub fn insert_api(&mut self, api: RestApi) {
        place(&mut self.apis, api);
    }

    pub fn remove_api(&mut self, region: &str, id: &str) -> Option<RestApi> {
        self.apis.get_mut(region)?.remove(id)
    }

    pub fn api_key(&self, region: &str, id: &str) -> Option<&ApiKey> {
        self.api_keys.get(region)?.get(id)
    }

    pub fn api_key_mut(&mut self, region: &str, id: &str) -> Option<&mut ApiKey> {
        self.api_keys.get_mut(region)?.get_mut(id)
    }

    /// The API keys of one region, by id.
    pub fn api_keys(&self, region: &str) -> impl Iterator<Item = &ApiKey> {
        self.api_keys
            .get(region)
            .into_iter()
            .flat_map(|k| k.values())
    }

    pub fn insert_api_key(&mut self, key: ApiKey) {
        place(&mut self.api_keys, key);
    }

    /// Removes a key, and it from every usage plan of its region.
    pub fn remove_api_key(&mut self, region: &str, id: &str) -> Option<ApiKey> {
        let key = self.api_keys.get_mut(region)?.remove(id)?;
        for plan in self
            .usage_plans
            .get_mut(region)
            .into_iter()
            .flat_map(|p| p.values_mut())
        {
            plan.keys.retain(|k| k != id);
        }
        Some(key)
    }

    pub fn layer(&self, region: &str, name: &str) -> Option<&Layer> {
        self.layers.get(region)?.get(name)
    }

    /// A layer of `region`, made (with no versions) if it is not there.
    pub fn layer_entry(&mut self, region: &str, name: &str) -> &mut Layer {
        self.layers
            .entry(region.to_string())
            .or_default()
            .entry(name.to_string())
            .or_insert_with(|| Layer {
                name: name.to_string(),
                region: region.to_string(),
                last_version: 0,
                versions: BTreeMap::new(),
            })
    }

    pub fn layer_mut(&mut self, region: &str, name: &str) -> Option<&mut Layer> {
        self.layers.get_mut(region)?.get_mut(name)
    }

    /// The layers of one region, by name.
    pub fn layers(&self, region: &str) -> impl Iterator<Item = &Layer> {
        self.layers.get(region).into_iter().flat_map(|l| l.values())
    }

    pub fn mapping_mut(&mut self, region: &str, uuid: &str) -> Option<&mut Mapping> {
        self.mappings.get_mut(region)?.get_mut(uuid)
    }

    pub fn insert_mapping(&mut self, mapping: Mapping) {
        place(&mut self.mappings, mapping);
    }

    pub fn remove_mapping(&mut self, region: &str, uuid: &str) -> Option<Mapping> {
        self.mappings.get_mut(region)?.remove(uuid)
    }

    /// The event source mappings of one region, by UUID.
    pub fn mappings(&self, region: &str) -> impl Iterator<Item = &Mapping> {
        self.mappings
            .get(region)
            .into_iter()
            .flat_map(|m| m.values())
    }

    pub fn signing_config_mut(&mut self, region: &str, id: &str) -> Option<&mut SigningConfig> {
        self.signing_configs.get_mut(region)?.get_mut(id)
    }

    pub fn insert_signing_config(&mut self, config: SigningConfig) {
        place(&mut self.signing_configs, config);
    }

    pub fn remove_signing_config(&mut self, region: &str, id: &str) -> Option<SigningConfig> {
        self.signing_configs.get_mut(region)?.remove(id)
    }

    /// The code signing configs of one region, by id.
    pub fn signing_configs(&self, region: &str) -> impl Iterator<Item = &SigningConfig> {
        self.signing_configs
            .get(region)
            .into_iter()
            .flat_map(|c| c.values())
    }

    pub fn domain(&self, region: &str, name: &str) -> Option<&DomainName> {
        self.domains.get(region)?.get(name)
    }

    pub fn domain_mut(&mut self, region: &str, name: &str) -> Option<&mut DomainName> {
        self.domains.get_mut(region)?.get_mut(name)
    }

    /// The custom domain names of one region, by name.
    pub fn domains(&self, region: &str) -> impl Iterator<Item = &DomainName> {
        self.domains
            .get(region)
            .into_iter()
            .flat_map(|d| d.values())
    }

    /// A custom domain by its name alone, whatever its region: a request to it names no
    /// region (names are unique across an account's regions here).
    pub fn domain_by_name(&self, name: &str) -> Option<&DomainName> {
        self.domains.values().find_map(|d| d.get(name))
    }

    /// Whether any custom domain exists (the stage URL's hot path looks no further if not).
    pub fn has_domains(&self) -> bool {
        self.domains.values().any(|d| !d.is_empty())
    }

    pub fn insert_domain(&mut self, domain: DomainName) {
        place(&mut self.domains, domain);
    }

    pub fn remove_domain(&mut self, region: &str, name: &str) -> Option<DomainName> {
        self.domains.get_mut(region)?.remove(name)
    }

    pub fn usage_plan(&self, region: &str, id: &str) -> Option<&UsagePlan> {
        self.usage_plans.get(region)?.get(id)
    }

    pub fn usage_plan_mut(&mut self, region: &str, id: &str) -> Option<&mut UsagePlan> {
        self.usage_plans.get_mut(region)?.get_mut(id)
    }

    /// The usage plans of one region, by id.
    pub fn usage_plans(&self, region: &str) -> impl Iterator<Item = &UsagePlan> {
        self.usage_plans
            .get(region)
            .into_iter()
            .flat_map(|p| p.values())
    }

    pub fn usage_plans_mut(&mut self, region: &str) -> impl Iterator<Item = &mut UsagePlan> {
        self.usage_plans
            .get_mut(region)
            .into_iter()
            .flat_map(|p| p.values_mut())
    }

    pub fn insert_usage_plan(&mut self, plan: UsagePlan) {
        place(&mut self.usage_plans, plan);
    }

    pub fn remove_usage_plan(&mut self, region: &str, id: &str) -> Option<UsagePlan> {
        self.usage_plans.get_mut(region)?.remove(id)
    }

    /// API Gateway's CloudWatch role in a region (UpdateAccount's `cloudwatchRoleArn`).
    pub fn account_role(&self, region: &str) -> Option<&str> {
        self.apigw_cloudwatch_roles
            .get(region)
            .map(String::as_str)
            .or(self.apigw_cloudwatch_role.as_deref())
    }

    pub fn set_account_role(&mut self, region: &str, role: Option<String>) {
        // A state's region-less role, once one region's is set, stays each other region's.
        if let Some(old) = self.apigw_cloudwatch_role.take() {
            for other in self.apis.keys() {
                self.apigw_cloudwatch_roles
                    .entry(other.clone())
                    .or_insert_with(|| old.clone());
            }
        }
        match role {
            Some(role) => self.apigw_cloudwatch_roles.insert(region.to_string(), role),
            None => self.apigw_cloudwatch_roles.remove(region),
        };
    }

    pub fn log_group(&self, region: &str, name: &str) -> Option<&LogGroup> {
        self.log_groups.get(region)?.get(name)
    }

    pub fn log_group_mut(&mut self, region: &str, name: &str) -> Option<&mut LogGroup> {
        self.log_groups.get_mut(region)?.get_mut(name)
    }

    /// The log groups of one region, by name.
    pub fn log_groups(&self, region: &str) -> impl Iterator<Item = &LogGroup> {
        self.log_groups
            .get(region)
            .into_iter()
            .flat_map(|g| g.values())
    }

    /// Every log group of every region.
    fn every_log_group(&self) -> impl Iterator<Item = &LogGroup> {
        self.log_groups.values().flat_map(|g| g.values())
    }

    /// Adds a log group under its region and name.
    pub fn insert_log_group(&mut self, group: LogGroup) {
        place(&mut self.log_groups, group);
    }

    /// Removes a log group and its events; the writer then rewrites the event log from memory
    /// instead of appending to it.
    pub fn remove_log_group(&mut self, region: &str, name: &str) -> Option<LogGroup> {
        let removed = self.log_groups.get_mut(region)?.remove(name);
        if removed.is_some() {
            self.logs_removed = true;
        }
        removed
    }

    /// CloudWatch Logs' resources of a region besides its log groups.
    pub fn log_region(&mut self, region: &str) -> &mut LogRegion {
        self.log_regions.entry(region.to_string()).or_default()
    }

    /// Removes a log stream and its events, as `remove_log_group` does a group: the writer
    /// rewrites the event log once, and appending an event costs nothing more.
    pub fn remove_log_stream(
        &mut self,
        region: &str,
        group: &str,
        stream: &str,
    ) -> Option<LogStream> {
        let group = self.log_groups.get_mut(region)?.get_mut(group)?;
        let removed = group.streams.remove(stream)?;
        group.bytes -= removed.events.iter().map(LogEvent::cost).sum::<usize>();
        self.logs_removed = true;
        Some(removed)
    }

    /// How many times each operation was served.
    pub fn calls(&self) -> &BTreeMap<String, u64> {
        &self.calls
    }

    pub fn reset_calls(&mut self) {
        self.calls.clear();
    }

    /// Keeps this state in `dir` from now on: every change is written by a debounced writer
    /// thread (see `Writer`).
    pub fn persist_in(&mut self, dir: &Path, db: std::sync::Weak<std::sync::Mutex<Db>>) {
        self.writer = Some(Writer::start(dir.to_path_buf(), db));
    }

    /// Marks the state changed: the writer saves it within `Writer::DEBOUNCE`.
    pub fn changed(&self) {
        if let Some(writer) = &self.writer {
            writer.changed();
        }
    }

    /// Appends one event to a stream, creating the group and stream as Lambda does. A group
    /// keeps at most `MAX_GROUP_BYTES` (its oldest events go first) and nothing older than
    /// its retention, so a function that floods its output cannot exhaust memory.
    pub fn append_log(
        &mut self,
        group: &str,
        region: &str,
        stream: &str,
        timestamp: i64,
        message: String,
    ) {
        // Look up before inserting: no key is allocated for a group and stream that exist.
        if self.log_group(region, group).is_none() {
            self.insert_log_group(LogGroup::new(group, region));
        }
        let Some(group) = self
            .log_groups
            .get_mut(region)
            .and_then(|groups| groups.get_mut(group))
        else {
            return;
        };
        if !group.streams.contains_key(stream) {
            let new = LogStream {
                name: stream.to_string(),
                created: timestamp,
                events: Vec::new(),
            };
            group.streams.insert(stream.to_string(), new);
        }
        let Some(stream) = group.streams.get_mut(stream) else {
            return;
        };
        // Kept for long, in an allocation of its exact size.
        let event = LogEvent {
            id: next_event_id(),
            timestamp,
            ingestion_time: now_ms(),
            message: message.into(),
        };
        let cost = event.cost();
        // Only when someone is tailing: otherwise the feed costs nothing.
        if self.live.0.receiver_count() > 0 {
            let _ = self.live.0.send(LiveEvent {
                region: group.region.as_str().into(),
                group: group.name.as_str().into(),
                stream: stream.name.as_str().into(),
                timestamp: event.timestamp,
                ingestion_time: event.ingestion_time,
                message: event.message.clone(),
            });
        }
        stream.events.push(event);
        group.bytes += cost;
        if group.bytes > MAX_GROUP_BYTES {
            group.trim();
        }
        if group.retention_days.is_some() {
            group.expire(now_ms());
        }
        self.changed();
    }

    /// A Live Tail session's view of every event ingested from now on.
    pub fn subscribe_live(&self) -> tokio::sync::broadcast::Receiver<LiveEvent> {
        self.live.0.subscribe()
    }

    /// A function caught mid-create or mid-update by a crash (kill -9 while unpacking) would
    /// stay Pending / InProgress for good, refusing every update with "An update is in
    /// progress". Settle it as failed, the way Lambda ends an update it could not finish: the
    /// new code's CodeSha256 is forgotten (its files may be partial), so the next deploy
    /// uploads the code again and converges.
    fn settle_interrupted(&mut self) {
        const REASON: &str =
            "faqctl local stopped while this change was in progress; deploy the code again";
        for function in self.functions.values_mut().flat_map(|f| f.values_mut()) {
            let creating = function.state == State::Pending;
            if !creating && function.last_update_status != UpdateStatus::InProgress {
                continue;
            }
            if creating {
                function.state = State::Failed;
            }
            function.last_update_status = UpdateStatus::Failed;
            function.state_reason = Some(REASON.into());
            function.code_sha256 = String::new();
        }
    }

    pub fn count(&mut self, operation: &str) {
        // The hot path (every request) allocates nothing once an operation was seen.
        match self.calls.get_mut(operation) {
            Some(count) => *count += 1,
            None => {
                self.calls.insert(operation.to_string(), 1);
            }
        }
    }

    /// Loads the state saved in `dir`, or an empty one.
    pub fn load(dir: &Path) -> anyhow::Result<Db> {
        let path = dir.join("state.json");
        match std::fs::read(&path) {
            Ok(bytes) => {
                let mut db: Db = serde_json::from_slice(&bytes).map_err(|e| {
                    anyhow::anyhow!("{}: not a faqctl local state file ({e}); move it away or pass another --state-dir", path.display())
                })?;
                read_events(dir, &mut db);
                let mut events = 0;
                for group in db.log_groups.values_mut().flat_map(|g| g.values_mut()) {
                    group.recount();
                    if group.bytes > MAX_GROUP_BYTES {
                        group.trim();
                    }
                    for stream in group.streams.values() {
                        events = events.max(stream.events.iter().map(|e| e.id).max().unwrap_or(0));
                    }
                }
                EVENT_IDS.fetch_max(events + 1, Ordering::Relaxed);
                db.settle_interrupted();
                Ok(db)
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Db::default()),
            Err(e) => Err(anyhow::anyhow!("cannot read {}: {e}", path.display())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_log_group_keeps_its_newest_events_within_the_cap_and_honours_retention() {
        let mut db = Db::default();
        let line = "x".repeat(100 * 1024);
        // Two streams (two environments) flooding 3x the cap in all.
        let total = 3 * MAX_GROUP_BYTES / line.len();
        for i in 0..total {
            let stream = if i % 2 == 0 { "a" } else { "b" };
            db.append_log(
                "/aws/lambda/F",
                "us-east-1",
                stream,
                now_ms(),
                format!("{i} {line}"),
            );
        }
        let group = db.log_group("us-east-1", "/aws/lambda/F").unwrap();
        assert!(group.bytes <= MAX_GROUP_BYTES, "{} bytes kept", group.bytes);
        let counted: usize = group
            .streams
            .values()
            .flat_map(|s| &s.events)
            .map(LogEvent::cost)
            .sum();
        assert_eq!(group.bytes, counted, "the count is exact");
        let mut kept: Vec<usize> = group
            .streams
            .values()
            .flat_map(|s| &s.events)
            .map(|e| e.message.split(' ').next().unwrap().parse().unwrap())
            .collect();
        kept.sort();
        let expected: Vec<usize> = (total - kept.len()..total).collect();
        assert_eq!(kept, expected, "the newest are kept, the oldest went");
        assert!(kept.len() < total);

        // Retention: events older than it are dropped (here, written with old timestamps).
        let week_ago = now_ms() - 8 * 86_400_000;
        db.append_log("/old", "us-east-1", "s", week_ago, "old".into());
        db.append_log("/old", "us-east-1", "s", now_ms(), "new".into());
        let group = db.log_group_mut("us-east-1", "/old").unwrap();
        group.retention_days = Some(7);
        group.expire(now_ms());
        let messages: Vec<&str> = group.streams["s"]
            .events
            .iter()
            .map(|e| &*e.message)
            .collect();
        assert_eq!(messages, ["new"]);
        assert_eq!(group.bytes, 3 + EVENT_OVERHEAD);
    }

    #[test]
    fn a_deleted_stream_takes_its_events_and_their_bytes_and_the_log_is_rewritten() {
        let mut db = Db::default();
        for (stream, message) in [("a", "one"), ("b", "two"), ("b", "three")] {
            db.append_log("/g", "us-east-1", stream, now_ms(), message.into());
        }
        assert!(!db.logs_removed, "appending never asks for a rewrite");
        let removed = db.remove_log_stream("us-east-1", "/g", "b").unwrap();
        assert_eq!(removed.events.len(), 2);
        let group = db.log_group("us-east-1", "/g").unwrap();
        assert_eq!(group.streams.keys().collect::<Vec<_>>(), ["a"]);
        assert_eq!(group.bytes, 3 + EVENT_OVERHEAD);
        assert!(
            db.logs_removed,
            "the writer rewrites logs.jsonl without them"
        );
        assert!(db.remove_log_stream("us-east-1", "/g", "b").is_none());
        assert!(db.remove_log_stream("eu-west-1", "/g", "a").is_none());
    }

    #[test]
    fn many_environments_writing_one_group_keep_its_newest_events_and_an_idle_stream() {
        let mut db = Db::default();
        db.append_log(
            "/aws/lambda/F",
            "us-east-1",
            "idle",
            now_ms(),
            "first".into(),
        );
        let line = "y".repeat(2 * 1024);
        // 32 streams interleaved event by event, 2.5x the cap in all.
        let total = 5 * MAX_GROUP_BYTES / 2 / line.len();
        for i in 0..total {
            let stream = format!("env-{}", i % 32);
            db.append_log(
                "/aws/lambda/F",
                "us-east-1",
                &stream,
                now_ms(),
                format!("{i} {line}"),
            );
        }
        let group = db.log_group("us-east-1", "/aws/lambda/F").unwrap();
        assert!(group.bytes <= MAX_GROUP_BYTES, "{} bytes kept", group.bytes);
        let mut kept: Vec<usize> = group
            .streams
            .values()
            .flat_map(|s| &s.events)
            .map(|e| e.message.split(' ').next().unwrap().parse().unwrap())
            .collect();
        kept.sort();
        let expected: Vec<usize> = (total - kept.len()..total).collect();
        assert_eq!(kept, expected, "the newest are kept, the oldest went");
        assert_eq!(
            group.streams.len(),
            32,
            "the emptied stream went, the others stay"
        );
        assert!(!group.streams.contains_key("idle"));
        // A stream made but not written to is not dropped by a trim.
        let group = db.log_group_mut("us-east-1", "/aws/lambda/F").unwrap();
        group.streams.insert(
            "made".into(),
            LogStream {
                name: "made".into(),
                created: now_ms(),
                events: Vec::new(),
            },
        );
        for i in 0..MAX_GROUP_BYTES / line.len() / 5 {
            db.append_log(
                "/aws/lambda/F",
                "us-east-1",
                "env-0",
                now_ms(),
                format!("{i} {line}"),
            );
        }
        assert!(db
            .log_group("us-east-1", "/aws/lambda/F")
            .unwrap()
            .streams
            .contains_key("made"));
    }

    #[test]
    fn a_function_caught_mid_update_by_a_crash_settles_on_load() {
        let dir = tempfile::tempdir().unwrap();
        let state = r#"{"functions":{"FAQ":{"name":"FAQ","arn":"arn:aws:lambda:us-east-1:000000000000:function:FAQ","region":"us-east-1","runtime":"provided.al2023","role":"r","handler":"bootstrap","description":"","timeout":3,"memory":128,"architectures":["x86_64"],"environment":{},"code_sha256":"new","code_size":1,"revision":2,"code_dir":"/nowhere","last_modified":"","state":"Active","state_reason":null,"last_update_status":"InProgress","tags":{},"policy":[]},
            "NEW":{"name":"NEW","arn":"a","region":"us-east-1","runtime":"provided.al2023","role":"r","handler":"bootstrap","description":"","timeout":3,"memory":128,"architectures":["x86_64"],"environment":{},"code_sha256":"x","code_size":1,"revision":1,"code_dir":"","last_modified":"","state":"Pending","state_reason":null,"last_update_status":"InProgress","tags":{},"policy":[]}},
            "apis":{},"log_groups":{}}"#;
        std::fs::write(dir.path().join("state.json"), state).unwrap();
        let db = Db::load(dir.path()).unwrap();
        let updated = db.function("us-east-1", "FAQ").unwrap();
        assert_eq!(
            (updated.state, updated.last_update_status),
            (State::Active, UpdateStatus::Failed)
        );
        assert_eq!(updated.code_sha256, "", "the next deploy uploads again");
        let created = db.function("us-east-1", "NEW").unwrap();
        assert_eq!(
            (created.state, created.last_update_status),
            (State::Failed, UpdateStatus::Failed)
        );
    }
}

/// Writes the state to disk off the async workers: a change marks it dirty, and a thread of its
/// own saves it at most `DEBOUNCE` later (one write for a burst of changes, logs included), and
/// once more when it is stopped. So a crash loses at most the last `DEBOUNCE` of changes, and
/// no request waits for the disk.
#[derive(Debug, Clone)]
pub struct Writer {
    inner: std::sync::Arc<WriterInner>,
}

#[derive(Debug)]
struct WriterInner {
    dirty: std::sync::atomic::AtomicBool,
    stopping: std::sync::atomic::AtomicBool,
    wake: std::sync::Condvar,
    lock: std::sync::Mutex<()>,
    thread: std::sync::Mutex<Option<std::thread::JoinHandle<()>>>,
}

impl Writer {
    pub const DEBOUNCE: Duration = Duration::from_millis(100);

    fn start(dir: PathBuf, db: std::sync::Weak<std::sync::Mutex<Db>>) -> Writer {
        let inner = std::sync::Arc::new(WriterInner {
            dirty: std::sync::atomic::AtomicBool::new(false),
            stopping: std::sync::atomic::AtomicBool::new(false),
            wake: std::sync::Condvar::new(),
            lock: std::sync::Mutex::new(()),
            thread: std::sync::Mutex::new(None),
        });
        let worker = inner.clone();
        let mut log = EventLog::open(&dir);
        let thread = std::thread::Builder::new()
            .name("faqctl-local-writer".into())
            .spawn(move || loop {
                {
                    let guard = worker.lock.lock().unwrap_or_else(|p| p.into_inner());
                    let _guard = worker
                        .wake
                        .wait_while(guard, |_| {
                            !worker.dirty.load(Ordering::Acquire)
                                && !worker.stopping.load(Ordering::Acquire)
                        })
                        .unwrap_or_else(|p| p.into_inner());
                }
                let stopping = worker.stopping.load(Ordering::Acquire);
                if !stopping {
                    std::thread::sleep(Self::DEBOUNCE);
                }
                if worker.dirty.swap(false, Ordering::AcqRel) {
                    let Some(db) = db.upgrade() else { return };
                    // Under the lock only what is small: the state without its events, and
                    // the events that came since the last write.
                    let (bytes, rewrite, events) = {
                        let mut db = db.lock().unwrap_or_else(|p| p.into_inner());
                        let kept: usize = db.every_log_group().map(|g| g.bytes).sum();
                        let rewrite = std::mem::take(&mut db.logs_removed)
                            || log.bytes > 3 * kept + LOG_FILE_SLACK;
                        let after = if rewrite { 0 } else { log.written_up_to };
                        (serde_json::to_vec(&*db), rewrite, new_events(&db, after))
                    };
                    let saved = bytes
                        .map_err(std::io::Error::from)
                        .and_then(|b| write_state(&dir, &b))
                        .and_then(|()| log.write(&dir, rewrite, &events));
                    if let Err(e) = saved {
                        eprintln!("faqctl local: cannot save state in {}: {e}", dir.display());
                    }
                }
                if stopping {
                    return;
                }
            });
        if let Ok(thread) = thread {
            *inner.thread.lock().unwrap_or_else(|p| p.into_inner()) = Some(thread);
        }
        Writer { inner }
    }

    fn changed(&self) {
        if !self.inner.dirty.swap(true, Ordering::AcqRel) {
            let _guard = self.inner.lock.lock().unwrap_or_else(|p| p.into_inner());
            self.inner.wake.notify_one();
        }
    }

    /// Writes what is pending, then ends the thread.
    pub fn stop(&self) {
        {
            let _guard = self.inner.lock.lock().unwrap_or_else(|p| p.into_inner());
            self.inner.stopping.store(true, Ordering::Release);
            self.inner.wake.notify_one();
        }
        let thread = self
            .inner
            .thread
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if let Some(thread) = thread {
            let _ = thread.join();
        }
    }
}

/// How far `logs.jsonl` may outgrow what the log groups hold before it is rewritten.
const LOG_FILE_SLACK: usize = 8 * 1024 * 1024;

/// One line of `logs.jsonl`: an event and where it belongs.
#[derive(Serialize, Deserialize)]
struct EventLine {
    /// Absent in a file written before log groups were regional: the group of that name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    region: Option<std::sync::Arc<str>>,
    group: std::sync::Arc<str>,
    stream: std::sync::Arc<str>,
    #[serde(flatten)]
    event: LogEvent,
}

/// The events since `after` (event ids grow with time, and each stream is in id order): taken
/// under the lock without copying a message (they are shared), written after it is released.
fn new_events(db: &Db, after: u64) -> Vec<EventLine> {
    let mut lines = Vec::new();
    for group in db.every_log_group() {
        let group_name: std::sync::Arc<str> = group.name.as_str().into();
        let region: std::sync::Arc<str> = group.region.as_str().into();
        for stream in group.streams.values() {
            let start = stream.events.partition_point(|e| e.id <= after);
            if start == stream.events.len() {
                continue;
            }
            let stream_name: std::sync::Arc<str> = stream.name.as_str().into();
            lines.extend(stream.events[start..].iter().map(|event| EventLine {
                region: Some(region.clone()),
                group: group_name.clone(),
                stream: stream_name.clone(),
                event: event.clone(),
            }));
        }
    }
    lines
}

/// `logs.jsonl`, the log events of a state dir: appended to as events come, rewritten from
/// memory when it holds much more than the log groups do (events dropped by the caps, a group
/// deleted). So no write of the state rewrites every event.
struct EventLog {
    /// Its size.
    bytes: usize,
    /// The newest event id in it.
    written_up_to: u64,
}

impl EventLog {
    /// After the state was loaded: every event loaded is in the file, unless there is no file
    /// yet (a new state dir, or one whose events were in `state.json`).
    fn open(dir: &Path) -> EventLog {
        match std::fs::metadata(dir.join("logs.jsonl")) {
            Ok(meta) => EventLog {
                bytes: meta.len() as usize,
                written_up_to: EVENT_IDS.load(Ordering::Relaxed).saturating_sub(1),
            },
            Err(_) => EventLog {
                bytes: 0,
                written_up_to: 0,
            },
        }
    }

    /// Appends the lines (or, with `rewrite`, replaces the file with them), streamed through
    /// a buffer: no copy of every event is built in memory.
    fn write(&mut self, dir: &Path, rewrite: bool, lines: &[EventLine]) -> std::io::Result<()> {
        use std::io::Write;
        if lines.is_empty() && !rewrite {
            return Ok(());
        }
        let path = dir.join("logs.jsonl");
        let temporary = dir.join("logs.jsonl.tmp");
        let file = if rewrite {
            std::fs::File::create(&temporary)?
        } else {
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)?
        };
        let mut out = std::io::BufWriter::with_capacity(256 * 1024, file);
        let mut written = 0;
        let mut newest = if rewrite { 0 } else { self.written_up_to };
        for line in lines {
            let mut bytes = serde_json::to_vec(line)?;
            bytes.push(b'\n');
            out.write_all(&bytes)?;
            written += bytes.len();
            newest = newest.max(line.event.id);
        }
        out.flush()?;
        drop(out);
        if rewrite {
            std::fs::rename(temporary, path)?;
            self.bytes = written;
        } else {
            self.bytes += written;
        }
        self.written_up_to = newest;
        Ok(())
    }
}

/// Puts the events of `logs.jsonl` back into their streams. A line cut short by a crash, or
/// for a group that no longer exists, is skipped; an event already loaded (from an older
/// state file) is not added twice.
fn read_events(dir: &Path, db: &mut Db) {
    let Ok(file) = std::fs::File::open(dir.join("logs.jsonl")) else {
        return;
    };
    for line in std::io::BufRead::lines(std::io::BufReader::new(file)).map_while(Result::ok) {
        let Ok(line) = serde_json::from_str::<EventLine>(&line) else {
            continue;
        };
        let group = match &line.region {
            Some(region) => db.log_group_mut(region, &line.group),
            None => db
                .log_groups
                .values_mut()
                .find_map(|groups| groups.get_mut(&*line.group)),
        };
        let Some(group) = group else {
            continue;
        };
        let stream = group
            .streams
            .entry(line.stream.to_string())
            .or_insert_with(|| LogStream {
                name: line.stream.to_string(),
                created: line.event.timestamp,
                events: Vec::new(),
            });
        if stream.events.last().is_some_and(|e| e.id >= line.event.id) {
            continue;
        }
        stream.events.push(line.event);
    }
}

/// Writes the state file atomically (write, then rename).
fn write_state(dir: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let path = dir.join("state.json");
    let temporary = dir.join("state.json.tmp");
    std::fs::write(&temporary, bytes)?;
    std::fs::rename(temporary, path)
}

impl Db {
    /// The writer, to flush and stop it when the cloud stops.
    pub fn writer(&self) -> Option<Writer> {
        self.writer.clone()
    }
}

static EVENT_IDS: AtomicU64 = AtomicU64::new(1);

fn next_event_id() -> u64 {
    EVENT_IDS.fetch_add(1, Ordering::Relaxed)
}

/// One account's state, as the handlers and the environments share it.
pub type SharedDb = std::sync::Arc<std::sync::Mutex<Db>>;

/// Every account's state, each a `Db` of its own, so that two accounts never see each other's
/// resources and the same name can exist in both: the default account's from the start, another
/// account's made the first time it is named (found again in its own directory of the state
/// dir, `accounts/ID/`).
pub struct Accounts {
    states: super::arns::PerAccount<SharedDb>,
    /// Where each account other than the default one keeps its state, when it is kept.
    dir: Option<PathBuf>,
    cache_provisioning_ms: i64,
}

impl Accounts {
    /// The accounts of a local cloud whose default account's state is `default`; `dir`, the
    /// state dir, when the state is kept on disk.
    pub fn new(default: SharedDb, dir: Option<PathBuf>) -> Accounts {
        let cache_provisioning_ms = default
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .cache_provisioning_ms;
        let accounts = Accounts {
            states: super::arns::PerAccount::default(),
            dir,
            cache_provisioning_ms,
        };
        accounts
            .states
            .of(super::arns::DEFAULT_ACCOUNT, move || default);
        // The accounts a state dir kept are there from the start (a stage URL finds their APIs).
        let kept = accounts.dir.as_ref().map(|d| d.join("accounts"));
        for entry in kept
            .and_then(|d| std::fs::read_dir(d).ok())
            .into_iter()
            .flatten()
        {
            let Ok(entry) = entry else { continue };
            let id = entry.file_name().to_string_lossy().into_owned();
            if super::arns::account_key(&id) && !accounts.admits(&id) {
                eprintln!(
                    "faqctl local: the state dir keeps more than {} accounts; account {id} is not loaded",
                    super::arns::MAX_ACCOUNTS
                );
            }
        }
        accounts
    }

    /// The state of `account`, made (or loaded from the state dir) the first time.
    pub fn of(&self, account: &str) -> &SharedDb {
        self.states.of(account, || self.open(account))
    }

    /// Whether `account` is kept, made (or loaded) now if there is room for it.
    pub fn admits(&self, account: &str) -> bool {
        self.states.try_of(account, || self.open(account)).is_some()
    }

    /// The state of `account` if it was ever named.
    pub fn existing(&self, account: &str) -> Option<&SharedDb> {
        self.every()
            .find(|(id, _)| *id == account)
            .map(|(_, db)| db)
    }

    /// Every account named so far, the default one first.
    pub fn every(&self) -> impl Iterator<Item = (&str, &SharedDb)> {
        self.states.every()
    }

    fn open(&self, account: &str) -> SharedDb {
        let dir = self.dir.as_ref().map(|d| d.join("accounts").join(account));
        let loaded = dir.as_ref().and_then(|dir| {
            std::fs::create_dir_all(dir).ok()?;
            Db::load(dir)
                .inspect_err(|e| eprintln!("faqctl local: account {account}: {e:#}"))
                .ok()
        });
        let db = std::sync::Arc::new(std::sync::Mutex::new(loaded.unwrap_or_default()));
        {
            let mut state = db.lock().unwrap_or_else(|p| p.into_inner());
            state.cache_provisioning_ms = self.cache_provisioning_ms;
            if let Some(dir) = &dir {
                state.persist_in(dir, std::sync::Arc::downgrade(&db));
            }
        }
        db
    }
}
