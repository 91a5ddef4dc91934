//! The plan: what a deploy (or destroy) must change, from what is wanted (`Desired`) and what
//! exists (`Observed`), as an ordered list of `Change`s, one AWS write call each.
//! PURE: no I/O, no clock, no randomness. `aws::observe` fills `Observed`, `aws::apply` runs
//! the changes, `faqctl plan` prints them.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

use crate::ledger::{Event, Kind, Ledger};
use crate::partition::{arn_partition, Location};
use crate::settings::{
    arn_account, ApiName, Arch, Auth, CorsOrigins, FunctionName, Names, Quota, RestApiId,
    StageName, Traffic,
};

pub const RUNTIME: &str = "provided.al2023";
pub const HANDLER: &str = "bootstrap";
/// The Lambda policy statement that lets API Gateway invoke the function.
pub const STATEMENT_ID: &str = "faqctl-apigw-get";
pub const APIGW_PRINCIPAL: &str = "apigateway.amazonaws.com";
pub const INVOKE_ACTION: &str = "lambda:InvokeFunction";
/// The lab's "Security: Open".
pub const AUTHORIZATION: &str = "NONE";
pub const INTEGRATION_TYPE: &str = "AWS_PROXY";
/// Lambda proxy integrations always call Lambda's Invoke API with POST.
pub const INTEGRATION_METHOD: &str = "POST";
/// The function's variable listing the origins it answers with `Access-Control-Allow-Origin`.
pub const CORS_ENV: &str = faq_function::CORS_ORIGINS_ENV;
/// What a preflight may ask for: the API Gateway console's "Enable CORS" headers.
pub const CORS_ALLOW_HEADERS: &str =
    "Content-Type,X-Amz-Date,Authorization,X-Api-Key,X-Amz-Security-Token";
pub const CORS_ALLOW_METHODS: &str = "GET,OPTIONS";
/// The model of GET /'s answer (`--response-model`), and the content type it describes.
pub const MODEL_NAME: &str = "FaqEntry";
pub const MODEL_CONTENT_TYPE: &str = "application/json";
/// `FaqEntry`: one entry of `faq.json` as GET / answers it (JSON Schema draft 4, the version
/// API Gateway's models are written in).
pub const MODEL_SCHEMA: &str = r#"{
  "$schema": "http://json-schema.org/draft-04/schema#",
  "title": "FaqEntry",
  "description": "One question of the FAQ and its answer, as GET / answers it.",
  "type": "object",
  "properties": {
    "q": { "type": "string", "description": "The question." },
    "a": { "type": "string", "description": "The answer." }
  },
  "required": ["q", "a"]
}"#;

/// What a deploy converges to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Desired {
    pub names: Names,
    pub region: String,
    /// Required to create the function; an existing function keeps its role unless given.
    pub role_arn: Option<String>,
    pub memory_mb: i32,
    pub timeout_s: i32,
    pub code_sha256: String,
    /// The function's `Architectures`: the one the package was built and checked for.
    pub architecture: Arch,
    pub log_retention_days: i32,
    /// API Gateway's execution and access logging: `Some` sets it, `None` keeps what the
    /// stage has (once on, it stays on until `--api-logs=false`).
    pub api_logs: Option<bool>,
    /// The account-level CloudWatch role API Gateway logs with (an existing role; set only
    /// when given).
    pub apigw_logs_role_arn: Option<String>,
    /// Stage-wide throttling: steady requests per second, and burst.
    pub throttle_rate: u32,
    pub throttle_burst: u32,
    /// Web origins allowed to fetch the FAQ from a page (`--cors-origin`); empty: no CORS.
    pub cors_origins: CorsOrigins,
    /// The git commit the code was built from, when deployed from a git checkout: carried in
    /// the description of the version it publishes.
    pub commit: Option<String>,
    /// Whether a new version must pass the gate before the alias moves to it (`--no-gate`
    /// turns it off, for emulators that cannot run code, such as moto).
    pub gate: bool,
    /// Published versions kept at most (`--keep-versions`); older ones are deleted, but never
    /// the live one, nor the one before it (what `faqctl rollback` goes back to).
    pub keep_versions: usize,
    /// How the alias moves to a new version (`--traffic`): all at once, or in watched steps.
    pub traffic: Traffic,
    /// CloudWatch alarms that stop a gradual shift when in ALARM (`--alarm`).
    pub alarms: Vec<String>,
    /// API keys on the GET method and the usage plan they are served through.
    pub api_keys: ApiKeySettings,
    /// Who may call GET / (`--auth`): anyone, or IAM-signed callers.
    pub auth: Auth,
    /// Whether GET /'s 200 response carries the model `FaqEntry` (`--response-model`).
    pub response_model: bool,
    /// A custom domain name serving the stage (`--domain`); `None` keeps what exists.
    pub domain: Option<DomainSettings>,
    /// The stage's response cache (`--cache-ttl`): `Some(0)` off, `Some(s)` a 0.5 GB cache
    /// cluster keeping GET answers `s` seconds, `None` as it is.
    pub cache_ttl: Option<u32>,
}

/// The size (GB) of the cache cluster faqctl asks for: the smallest.
pub const CACHE_SIZE: &str = "0.5";

/// `--domain NAME --certificate-arn ARN [--base-path PATH]`: a REGIONAL custom domain name
/// (TLS 1.2) with the certificate (an existing ACM certificate in the region), and a base path
/// mapping to the stage (`(none)`: the domain's root).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainSettings {
    pub name: String,
    pub certificate_arn: String,
    pub base_path: String,
}

/// The base path of a mapping at the domain's root.
pub const NO_BASE_PATH: &str = "(none)";

/// `--api-key-required` and `--usage-plan-*`: whether the GET method requires an API key
/// (`x-api-key`), and the usage plan (`{api}-{stage}`) that binds the stage with a throttle and
/// a quota per key. `None`s keep what is deployed, as `--api-logs` does.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ApiKeySettings {
    pub required: Option<bool>,
    /// Requests per second and burst, per key.
    pub throttle: Option<(u32, u32)>,
    pub quota: Option<Quota>,
}

impl Desired {
    /// The description of a version this deploy publishes: its CodeSha256 and, when known, the
    /// commit (Lambda allows 256 characters).
    pub fn version_description(&self) -> String {
        let mut description = format!("faqctl: CodeSha256 {}", self.code_sha256);
        if let Some(commit) = &self.commit {
            description.push_str(&format!("; commit {commit}"));
        }
        description.chars().take(256).collect()
    }
}

/// The access log format faqctl sets: one JSON object per request.
pub const ACCESS_LOG_FORMAT: &str = r#"{"requestId":"$context.requestId","ip":"$context.identity.sourceIp","requestTime":"$context.requestTime","httpMethod":"$context.httpMethod","path":"$context.path","status":"$context.status","responseLatency":"$context.responseLatency","integrationLatency":"$context.integration.latency","integrationError":"$context.integration.error","integrationRequestId":"$context.integration.requestId"}"#;

impl Names {
    /// The access log group faqctl creates: `/aws/apigateway/{api}/{stage}`, with every
    /// character CloudWatch Logs refuses in a group name (it takes `[A-Za-z0-9_./#-]` only, per
    /// its service model) replaced by `_`: `--api-name "FAQ API"` logs to
    /// `/aws/apigateway/FAQ_API/myDeployment` instead of failing half-way through a deploy.
    pub fn access_log_group(&self) -> String {
        let api: String = self
            .api
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || "_./#-".contains(c) {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        format!("/aws/apigateway/{api}/{}", self.stage)
    }
}

/// API Gateway's own execution log group for a stage.
pub fn execution_log_group(api_id: &str, stage: &str) -> String {
    format!("API-Gateway-Execution-Logs_{api_id}/{stage}")
}

/// What exists now. `Default` is "nothing".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Observed {
    pub function: Option<FunctionState>,
    pub log_group: Option<LogGroupState>,
    /// The REST APIs with the wanted name and the managed-by=faqctl tag, oldest first. The first
    /// is the one kept; any other is a duplicate to delete.
    pub apis: Vec<ApiState>,
    /// Our statement in the unqualified function's resource policy: where deploys before
    /// versions put it; removed once the stage invokes the alias.
    pub permission: Option<PermissionState>,
    /// The alias users reach the function through, as read back.
    pub alias: Option<AliasState>,
    /// Our statement in the alias' resource policy.
    pub alias_permission: Option<PermissionState>,
    /// The account's CloudWatch role for API Gateway logging.
    pub account_cloudwatch_role: Option<String>,
    /// The access log group faqctl made.
    pub access_log_group: Option<LogGroupState>,
    /// faqctl's usage plan for the stage (read when API keys are or were wanted).
    pub usage_plan: Option<UsagePlanState>,
    /// The custom domain name wanted (deploy) or faqctl's ones (destroy), as read back.
    pub domains: Vec<DomainState>,
}

/// A custom domain name, as read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainState {
    pub name: String,
    pub certificate_arn: Option<String>,
    pub regional_domain_name: Option<String>,
    pub hosted_zone_id: Option<String>,
    /// Made by faqctl (tag managed-by=faqctl): destroy deletes it.
    pub managed: bool,
    /// Base path → (REST API id, stage).
    pub mappings: BTreeMap<String, (String, String)>,
}

/// The usage plan `{api}-{stage}` (tagged managed-by=faqctl), as read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsagePlanState {
    pub id: String,
    /// (REST API id, stage) pairs it binds.
    pub stages: Vec<(String, String)>,
    /// Requests per second (in thousandths: the API answers a double) and burst.
    pub throttle: Option<(i64, i64)>,
    /// Limit and period (`DAY`, `WEEK`, `MONTH`).
    pub quota: Option<(i64, String)>,
    /// The ids of the keys `faqctl keys create` made for it.
    pub keys: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionState {
    pub arn: String,
    pub role: String,
    pub memory_mb: i32,
    pub timeout_s: i32,
    pub runtime: String,
    pub handler: String,
    pub architectures: Vec<String>,
    pub code_sha256: String,
    pub last_modified: String,
    /// Its environment variables (`FAQ_CORS_ORIGINS` among them when CORS is on).
    pub environment: BTreeMap<String, String>,
    /// Whether it carries managed-by=faqctl; `None` when the caller may not read its tags
    /// (GetFunction's `TagsError` without `lambda:ListTags`): unknown is not "missing", and
    /// no change is ever planned from it.
    pub tagged: Option<bool>,
    /// Its published versions, oldest first.
    pub versions: Vec<VersionState>,
}

/// A published version: what it runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionState {
    pub number: u64,
    pub code_sha256: String,
    pub role: String,
    pub memory_mb: i32,
    pub timeout_s: i32,
    pub architectures: Vec<String>,
    pub environment: BTreeMap<String, String>,
    pub description: String,
    pub last_modified: String,
}

/// The alias, as read back: its version, the share of invocations a second version gets, and
/// the deployment history faqctl keeps in its description.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AliasState {
    pub version: String,
    /// The additional version and its weight in basis points (1/10,000), when routing.
    pub additional: Option<(String, u32)>,
    pub history: Ledger,
}

/// The version a change acts on: the one this deploy publishes (its number is known only
/// then), or one that exists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionRef {
    Published,
    Existing(u64),
}

impl fmt::Display for VersionRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VersionRef::Published => write!(f, "the new version"),
            VersionRef::Existing(n) => write!(f, "version {n}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogGroupState {
    pub retention_days: Option<i32>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiState {
    pub id: RestApiId,
    /// Seconds since the epoch; picks the oldest among duplicates.
    pub created: i64,
    pub root_resource_id: Option<String>,
    pub method: Option<MethodState>,
    /// The schema of the model `FaqEntry` (`None`: no such model).
    pub model_schema: Option<String>,
    pub integration: Option<IntegrationState>,
    /// `OPTIONS /`, the CORS preflight, as read back (`None`: no such method).
    pub preflight: Option<Preflight>,
    pub stage: Option<StageState>,
    /// The execution log group API Gateway made itself for this API's stage (it sets no
    /// retention, and nothing deletes it with the API).
    pub execution_log_group: Option<LogGroupState>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MethodState {
    pub authorization: String,
    pub api_key_required: bool,
    /// The 200 response's models (content type → model); `None`: no 200 response.
    pub response_models: Option<BTreeMap<String, String>>,
}

impl MethodState {
    /// Whether the 200 response is described by the FAQ's model, and by nothing else.
    pub fn has_contract(&self) -> bool {
        self.response_models.as_ref().is_some_and(|models| {
            models.len() == 1
                && models.get(MODEL_CONTENT_TYPE).map(String::as_str) == Some(MODEL_NAME)
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntegrationState {
    pub kind: String,
    pub http_method: String,
    pub uri: String,
}

/// The CORS preflight method `OPTIONS /`: a MOCK integration that answers 200 with the
/// `Access-Control-Allow-*` headers, with no call to the function (what AWS's "Enable CORS"
/// makes for a REST API). Only the members faqctl sets are compared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preflight {
    pub authorization: String,
    /// `None`: the method has no integration (a deploy stopped half-way).
    pub integration_type: Option<String>,
    pub request_templates: BTreeMap<String, String>,
    /// Status code → `method.response.header.*` → required.
    pub method_responses: BTreeMap<String, BTreeMap<String, bool>>,
    /// Status code → its integration response.
    pub integration_responses: BTreeMap<String, IntegrationResponseState>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntegrationResponseState {
    pub parameters: BTreeMap<String, String>,
    pub templates: BTreeMap<String, String>,
}

impl Preflight {
    /// The preflight for `origins` (not empty). One origin (or `*`) is a static header; for
    /// several, the response template sets `Access-Control-Allow-Origin` to the request's
    /// `Origin` when it is one of them (a header can hold only one origin), and to nothing
    /// otherwise, so the browser refuses any other page. `Vary: Origin` keeps caches from
    /// serving one page's answer to another.
    pub fn wanted(origins: &CorsOrigins) -> Preflight {
        let header = |name: &str| format!("method.response.header.{name}");
        let quoted = |value: &str| format!("'{value}'");
        let mut parameters = BTreeMap::from([
            (
                header("Access-Control-Allow-Headers"),
                quoted(CORS_ALLOW_HEADERS),
            ),
            (
                header("Access-Control-Allow-Methods"),
                quoted(CORS_ALLOW_METHODS),
            ),
        ]);
        let mut templates = BTreeMap::new();
        match origins.as_slice() {
            [one] => {
                parameters.insert(header("Access-Control-Allow-Origin"), quoted(one));
            }
            several => {
                let test = several
                    .iter()
                    .map(|o| format!("$origin == \"{o}\""))
                    .collect::<Vec<_>>()
                    .join(" || ");
                templates.insert(
                    "application/json".to_string(),
                    format!("#set($origin = $input.params(\"Origin\"))\n#if({test})\n#set($context.responseOverride.header.Access-Control-Allow-Origin = $origin)\n#end\n"),
                );
            }
        }
        if origins.as_slice() != ["*"] {
            parameters.insert(header("Vary"), quoted("Origin"));
        }
        let mut declared: BTreeMap<String, bool> =
            parameters.keys().map(|k| (k.clone(), false)).collect();
        declared.insert(header("Access-Control-Allow-Origin"), false);
        Preflight {
            authorization: AUTHORIZATION.to_string(),
            integration_type: Some("MOCK".to_string()),
            request_templates: BTreeMap::from([(
                "application/json".to_string(),
                r#"{"statusCode": 200}"#.to_string(),
            )]),
            method_responses: BTreeMap::from([("200".to_string(), declared)]),
            integration_responses: BTreeMap::from([(
                "200".to_string(),
                IntegrationResponseState {
                    parameters,
                    templates,
                },
            )]),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageState {
    pub deployment_id: Option<String>,
    /// The `*/*` method settings.
    pub logging_level: Option<String>,
    pub data_trace: Option<bool>,
    /// Requests per second, in thousandths (the API answers a double).
    pub throttle_rate_milli: Option<i64>,
    pub throttle_burst: Option<i64>,
    pub access_log_destination: Option<String>,
    pub access_log_format: Option<String>,
    /// The cache cluster's size (GB), when it is on.
    pub cache_cluster: Option<String>,
    /// `*/*` caching's TTL (seconds), when caching is on.
    pub cache_ttl: Option<i64>,
}

impl StageState {
    /// A stage just created by a deployment: nothing set.
    pub fn new(deployment_id: Option<String>) -> StageState {
        StageState {
            deployment_id,
            logging_level: None,
            data_trace: None,
            throttle_rate_milli: None,
            throttle_burst: None,
            access_log_destination: None,
            access_log_format: None,
            cache_cluster: None,
            cache_ttl: None,
        }
    }

    /// Whether API Gateway logging is on (execution or access logs).
    pub fn logging_on(&self) -> bool {
        self.logging_level.as_deref().is_some_and(|l| l != "OFF")
            || self.access_log_destination.is_some()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PermissionState {
    pub principal: Option<String>,
    pub action: Option<String>,
    pub source_arn: Option<String>,
}

/// One write call. The order of a plan is the order of the calls.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    CreateLogGroup {
        name: String,
    },
    PutRetentionPolicy {
        name: String,
        days: i32,
    },
    CreateFunction {
        name: FunctionName,
    },
    UpdateFunctionCode {
        name: FunctionName,
        from: String,
        to: String,
        /// The architectures it runs on now, when the update changes them.
        from_arch: Option<String>,
        to_arch: Arch,
    },
    UpdateFunctionConfiguration {
        name: FunctionName,
        fields: Vec<&'static str>,
        /// The whole environment to set, when it changes (Lambda replaces it whole).
        environment: Option<BTreeMap<String, String>>,
    },
    TagFunction {
        name: FunctionName,
    },
    /// `$LATEST` as it is now becomes a version.
    PublishVersion {
        name: FunctionName,
        description: String,
    },
    /// The version is invoked directly with a GET proxy event and must answer 200 with a FAQ
    /// entry before any traffic moves (an Invoke: no write).
    Gate {
        name: FunctionName,
        version: VersionRef,
    },
    CreateAlias {
        name: FunctionName,
        alias: String,
        version: VersionRef,
    },
    /// A published version beyond `--keep-versions` goes (DeleteFunction with its number).
    DeleteVersion {
        name: FunctionName,
        version: u64,
        keep: usize,
    },
    /// The alias moves, whole, to the version (any routing ends); with `shift`, in steps from
    /// `shift.0` (the version it is on), the new version's health watched between them.
    UpdateAlias {
        name: FunctionName,
        alias: String,
        from: String,
        version: VersionRef,
        shift: Option<(String, Traffic)>,
    },
    DeleteRestApi {
        id: RestApiId,
        reason: &'static str,
    },
    CreateRestApi {
        name: ApiName,
    },
    PutMethod {
        authorization: &'static str,
    },
    UpdateMethod {
        from: String,
        to: &'static str,
    },
    /// The GET method's `apiKeyRequired` (a new deployment makes it live).
    SetApiKeyRequired {
        required: bool,
    },
    PutIntegration,
    /// The model `FaqEntry` (the FAQ's contract) is made.
    CreateModel,
    /// Its schema is set back to faqctl's.
    UpdateModel,
    /// GET /'s 200 response, described by `FaqEntry`.
    PutMethodResponse,
    /// GET /'s 200 response goes (described otherwise, or the contract is no longer wanted).
    DeleteMethodResponse {
        reason: &'static str,
    },
    DeleteModel,
    /// The CORS preflight `OPTIONS /` goes (to be made again, or for good).
    DeletePreflight {
        reason: &'static str,
    },
    PutPreflightMethod,
    PutPreflightIntegration,
    PutPreflightMethodResponse,
    PutPreflightIntegrationResponse {
        origins: CorsOrigins,
    },
    /// `qualifier`: the alias' policy, or (`None`) the unqualified function's.
    RemovePermission {
        name: FunctionName,
        qualifier: Option<String>,
    },
    AddPermission {
        name: FunctionName,
        qualifier: Option<String>,
    },
    CreateDeployment {
        stage: StageName,
    },
    UpdateAccount {
        role: String,
    },
    UpdateStage {
        stage: StageName,
        fields: Vec<&'static str>,
        logs: bool,
        remove_access_log: bool,
    },
    DeleteFunction {
        name: FunctionName,
    },
    DeleteLogGroup {
        name: String,
    },
    /// The usage plan `name`, binding the stage, with the wanted throttle and quota.
    CreateUsagePlan {
        name: String,
    },
    /// The plan's members that differ from what is wanted (`stage`, `throttle`, `quota`).
    UpdateUsagePlan {
        id: String,
        fields: Vec<&'static str>,
    },
    /// The plan lets go of its stages (API Gateway refuses to delete a plan that has some).
    UnbindUsagePlan {
        id: String,
        stages: Vec<(String, String)>,
    },
    DeleteUsagePlan {
        id: String,
    },
    /// A key `faqctl keys create` made for the plan.
    DeleteApiKey {
        id: String,
    },
    CreateDomainName {
        name: String,
    },
    /// The base path mapping of the domain to the stage.
    CreateBasePathMapping {
        domain: String,
        base_path: String,
    },
    /// The mapping points at another API or stage: repointed.
    UpdateBasePathMapping {
        domain: String,
        base_path: String,
    },
    DeleteBasePathMapping {
        domain: String,
        base_path: String,
    },
    DeleteDomainName {
        name: String,
    },
    /// The stage's cache: a 0.5 GB cluster and `*/*` caching for `ttl` seconds, or (0) off.
    /// `region` names the price.
    SetStageCache {
        stage: StageName,
        ttl: u32,
        region: String,
    },
}

impl Change {
    /// The AWS API operation this change calls.
    pub fn operation(&self) -> &'static str {
        match self {
            Change::CreateLogGroup { .. } => "CreateLogGroup",
            Change::PutRetentionPolicy { .. } => "PutRetentionPolicy",
            Change::CreateFunction { .. } => "CreateFunction",
            Change::UpdateFunctionCode { .. } => "UpdateFunctionCode",
            Change::UpdateFunctionConfiguration { .. } => "UpdateFunctionConfiguration",
            Change::TagFunction { .. } => "TagResource",
            Change::PublishVersion { .. } => "PublishVersion",
            Change::Gate { .. } => "Invoke",
            Change::CreateAlias { .. } => "CreateAlias",
            Change::DeleteVersion { .. } => "DeleteFunction",
            Change::UpdateAlias { .. } => "UpdateAlias",
            Change::DeleteRestApi { .. } => "DeleteRestApi",
            Change::CreateRestApi { .. } => "CreateRestApi",
            Change::PutMethod { .. } => "PutMethod",
            Change::UpdateMethod { .. } => "UpdateMethod",
            Change::PutIntegration => "PutIntegration",
            Change::CreateModel => "CreateModel",
            Change::UpdateModel => "UpdateModel",
            Change::PutMethodResponse => "PutMethodResponse",
            Change::DeleteMethodResponse { .. } => "DeleteMethodResponse",
            Change::DeleteModel => "DeleteModel",
            Change::DeletePreflight { .. } => "DeleteMethod",
            Change::PutPreflightMethod => "PutMethod",
            Change::PutPreflightIntegration => "PutIntegration",
            Change::PutPreflightMethodResponse => "PutMethodResponse",
            Change::PutPreflightIntegrationResponse { .. } => "PutIntegrationResponse",
            Change::RemovePermission { .. } => "RemovePermission",
            Change::AddPermission { .. } => "AddPermission",
            Change::CreateDeployment { .. } => "CreateDeployment",
            Change::UpdateAccount { .. } => "UpdateAccount",
            Change::UpdateStage { .. } => "UpdateStage",
            Change::DeleteFunction { .. } => "DeleteFunction",
            Change::DeleteLogGroup { .. } => "DeleteLogGroup",
            Change::SetApiKeyRequired { .. } => "UpdateMethod",
            Change::CreateUsagePlan { .. } => "CreateUsagePlan",
            Change::UpdateUsagePlan { .. } | Change::UnbindUsagePlan { .. } => "UpdateUsagePlan",
            Change::DeleteUsagePlan { .. } => "DeleteUsagePlan",
            Change::DeleteApiKey { .. } => "DeleteApiKey",
            Change::CreateDomainName { .. } => "CreateDomainName",
            Change::CreateBasePathMapping { .. } => "CreateBasePathMapping",
            Change::UpdateBasePathMapping { .. } => "UpdateBasePathMapping",
            Change::DeleteBasePathMapping { .. } => "DeleteBasePathMapping",
            Change::DeleteDomainName { .. } => "DeleteDomainName",
            Change::SetStageCache { .. } => "UpdateStage",
        }
    }
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Change::CreateLogGroup { .. }
            | Change::PutRetentionPolicy { .. }
            | Change::CreateFunction { .. }
            | Change::UpdateFunctionCode { .. }
            | Change::UpdateFunctionConfiguration { .. }
            | Change::TagFunction { .. }
            | Change::PublishVersion { .. }
            | Change::Gate { .. }
            | Change::CreateAlias { .. }
            | Change::DeleteVersion { .. }
            | Change::UpdateAlias { .. }
            | Change::DeleteFunction { .. }
            | Change::DeleteLogGroup { .. }
            | Change::RemovePermission { .. }
            | Change::AddPermission { .. } => self.describe_function(f),
            Change::DeleteRestApi { .. }
            | Change::CreateRestApi { .. }
            | Change::PutMethod { .. }
            | Change::UpdateMethod { .. }
            | Change::PutIntegration
            | Change::CreateModel
            | Change::UpdateModel
            | Change::PutMethodResponse
            | Change::DeleteMethodResponse { .. }
            | Change::DeleteModel
            | Change::DeletePreflight { .. }
            | Change::PutPreflightMethod
            | Change::PutPreflightIntegration
            | Change::PutPreflightMethodResponse
            | Change::PutPreflightIntegrationResponse { .. }
            | Change::SetApiKeyRequired { .. } => self.describe_api(f),
            Change::CreateDeployment { .. }
            | Change::UpdateAccount { .. }
            | Change::UpdateStage { .. }
            | Change::CreateUsagePlan { .. }
            | Change::UpdateUsagePlan { .. }
            | Change::UnbindUsagePlan { .. }
            | Change::DeleteUsagePlan { .. }
            | Change::DeleteApiKey { .. }
            | Change::CreateDomainName { .. }
            | Change::CreateBasePathMapping { .. }
            | Change::UpdateBasePathMapping { .. }
            | Change::DeleteBasePathMapping { .. }
            | Change::DeleteDomainName { .. }
            | Change::SetStageCache { .. } => self.describe_stage(f),
        }
    }
}

impl Change {
    /// The function's, its log group's and its permissions' changes.
    fn describe_function(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Change::CreateLogGroup { name } => write!(f, "+ create log group {name}"),
            Change::PutRetentionPolicy { name, days } => {
                write!(f, "~ set retention of log group {name} to {days} days")
            }
            Change::CreateFunction { name } => write!(f, "+ create function {name}"),
            Change::UpdateFunctionCode {
                name,
                from,
                to,
                from_arch,
                to_arch,
            } => {
                write!(f, "~ update code of function {name} ({from} → {to}")?;
                if let Some(from_arch) = from_arch {
                    write!(f, "; architecture {from_arch} → {to_arch}")?;
                }
                write!(f, ")")
            }
            Change::UpdateFunctionConfiguration { name, fields, .. } => write!(
                f,
                "~ update configuration of function {name} ({})",
                fields.join(", ")
            ),
            Change::TagFunction { name } => write!(f, "~ tag function {name} managed-by=faqctl"),
            Change::PublishVersion { name, .. } => {
                write!(f, "+ publish a version of function {name}")
            }
            Change::Gate { name, version } => write!(
                f,
                "? gate: invoke {version} of {name} with a GET event; \
                     it must answer 200 with a FAQ entry"
            ),
            Change::CreateAlias {
                name,
                alias,
                version,
            } => write!(f, "+ create alias {name}:{alias} → {version}"),
            Change::DeleteVersion {
                name,
                version,
                keep,
            } => write!(
                f,
                "- delete version {version} of function {name} (beyond --keep-versions {keep})"
            ),
            Change::UpdateAlias {
                name,
                alias,
                from,
                version,
                shift,
            } => {
                write!(f, "~ move alias {name}:{alias} from {from} to {version}")?;
                match shift {
                    Some((_, traffic)) => write!(f, ": {traffic}, watching its errors"),
                    None => Ok(()),
                }
            }
            Change::RemovePermission {
                name,
                qualifier: None,
            } => {
                write!(f, "- remove permission {STATEMENT_ID} from function {name}")
            }
            Change::RemovePermission {
                name,
                qualifier: Some(q),
            } => {
                write!(f, "- remove permission {STATEMENT_ID} from {name}:{q}")
            }
            Change::AddPermission {
                name,
                qualifier: None,
            } => write!(
                f,
                "+ allow API Gateway to invoke function {name} ({STATEMENT_ID})"
            ),
            Change::AddPermission {
                name,
                qualifier: Some(q),
            } => write!(
                f,
                "+ allow API Gateway to invoke {name}:{q} ({STATEMENT_ID})"
            ),
            Change::DeleteFunction { name } => write!(f, "- delete function {name}"),
            Change::DeleteLogGroup { name } => write!(f, "- delete log group {name}"),
            _ => unreachable!("`fmt` sends each change to the function that describes its group"),
        }
    }

    /// The REST API's changes: its methods, integration, model and CORS preflight.
    fn describe_api(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Change::DeleteRestApi { id, reason } => write!(f, "- delete REST API {id} ({reason})"),
            Change::CreateRestApi { name } => write!(f, "+ create REST API {name}"),
            Change::PutMethod { authorization } => {
                write!(f, "+ create method GET / (authorization {authorization})")
            }
            Change::UpdateMethod { from, to } => {
                write!(f, "~ set authorization of GET / to {to} (was {from})")
            }
            Change::PutIntegration => {
                write!(
                    f,
                    "~ set integration of GET / to the function's alias (AWS_PROXY)"
                )
            }
            Change::CreateModel => write!(
                f,
                "+ create model {MODEL_NAME} (q and a, strings: the FAQ's contract)"
            ),
            Change::UpdateModel => {
                write!(f, "~ set the schema of model {MODEL_NAME} back to faqctl's")
            }
            Change::PutMethodResponse => {
                write!(f, "~ describe GET / 200 with model {MODEL_NAME}")
            }
            Change::DeleteMethodResponse { reason } => {
                write!(f, "- delete the 200 response of GET / ({reason})")
            }
            Change::DeleteModel => write!(f, "- delete model {MODEL_NAME}"),
            Change::DeletePreflight { reason } => {
                write!(
                    f,
                    "- delete method OPTIONS / (the CORS preflight; {reason})"
                )
            }
            Change::PutPreflightMethod => {
                write!(
                    f,
                    "+ create method OPTIONS / (the CORS preflight, authorization NONE)"
                )
            }
            Change::PutPreflightIntegration => {
                write!(
                    f,
                    "~ set integration of OPTIONS / to MOCK (answers 200 itself)"
                )
            }
            Change::PutPreflightMethodResponse => write!(
                f,
                "~ declare the Access-Control-Allow-* headers of OPTIONS / 200"
            ),
            Change::PutPreflightIntegrationResponse { origins } => write!(
                f,
                "~ answer the preflight for origin {} (methods {CORS_ALLOW_METHODS})",
                origins.as_slice().join(", ")
            ),
            Change::SetApiKeyRequired { required: true } => {
                write!(f, "~ require an API key (x-api-key) on GET /")
            }
            Change::SetApiKeyRequired { required: false } => {
                write!(f, "~ stop requiring an API key on GET /")
            }
            _ => unreachable!("`fmt` sends each change to the function that describes its group"),
        }
    }

    /// The stage's changes: deployment, settings, cache, usage plans, keys and custom domain.
    fn describe_stage(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Change::CreateDeployment { stage } => write!(f, "+ deploy the API to stage {stage}"),
            Change::UpdateAccount { role } => {
                write!(f, "~ set API Gateway's account CloudWatch role to {role}")
            }
            Change::UpdateStage { stage, fields, .. } => {
                write!(f, "~ update stage {stage} ({})", fields.join(", "))
            }
            Change::CreateUsagePlan { name } => {
                write!(f, "+ create usage plan {name} for the stage's API keys")
            }
            Change::UpdateUsagePlan { id, fields } => {
                write!(f, "~ update usage plan {id} ({})", fields.join(", "))
            }
            Change::UnbindUsagePlan { id, stages } => {
                let stages: Vec<String> = stages.iter().map(|(a, s)| format!("{a}:{s}")).collect();
                write!(f, "~ unbind usage plan {id} from {}", stages.join(", "))
            }
            Change::DeleteUsagePlan { id } => write!(f, "- delete usage plan {id}"),
            Change::DeleteApiKey { id } => write!(f, "- delete API key {id}"),
            Change::CreateDomainName { name } => {
                write!(f, "+ create custom domain name {name} (REGIONAL, TLS 1.2)")
            }
            Change::CreateBasePathMapping { domain, base_path } => {
                write!(f, "+ map {domain} base path {base_path} to the stage")
            }
            Change::UpdateBasePathMapping { domain, base_path } => {
                write!(f, "~ point {domain} base path {base_path} at the stage")
            }
            Change::DeleteBasePathMapping { domain, base_path } => {
                write!(f, "- delete the mapping of {domain} base path {base_path}")
            }
            Change::DeleteDomainName { name } => write!(f, "- delete custom domain name {name}"),
            Change::SetStageCache { stage, ttl: 0, .. } => {
                write!(
                    f,
                    "~ turn off stage {stage}'s cache (its cluster is deleted)"
                )
            }
            Change::SetStageCache { stage, ttl, region } => {
                write!(
                    f,
                    "~ turn on stage {stage}'s {CACHE_SIZE} GB cache, \
                         GET answers kept {ttl} s ({})",
                    cache_price(region)
                )
            }

            _ => unreachable!("`fmt` sends each change to the function that describes its group"),
        }
    }
}

/// A change as it appears in `--output json`.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ChangeOutput {
    pub operation: &'static str,
    pub description: String,
}

impl From<&Change> for ChangeOutput {
    fn from(change: &Change) -> Self {
        ChangeOutput {
            operation: change.operation(),
            description: change.to_string(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error("custom domain name {domain} exists with certificate {has}, and --certificate-arn is {wanted}: faqctl does not replace a domain's certificate; pass --certificate-arn {has}, or change it in API Gateway's console")]
    DomainCertificate {
        domain: String,
        has: String,
        wanted: String,
    },
    #[error("--certificate-arn {arn} is not an ACM certificate in {region}: a REGIONAL custom domain name needs one in the API's own region (arn:{partition}:acm:{region}:ACCOUNT:certificate/ID); request or import it in ACM there (faqctl never creates certificates)")]
    CertificateRegion {
        arn: String,
        region: String,
        partition: &'static str,
    },
    #[error("function {0} does not exist yet and needs an execution role: pass --role-arn (or set FAQCTL_ROLE_ARN) with an existing IAM role that Lambda can assume")]
    RoleRequired(FunctionName),
    #[error("--api-logs needs API Gateway's account-level CloudWatch role, and this account has none in {0}: API Gateway writes execution and access logs with one role per account and region. Pass --apigw-logs-role-arn with an existing IAM role that trusts apigateway.amazonaws.com and has the managed policy AmazonAPIGatewayPushToCloudWatchLogs; faqctl sets it (UpdateAccount) but never creates IAM roles")]
    AccountRoleRequired(String),
    #[error("{flag} {role} is in partition {role_partition}, but region {region} is in partition {region_partition}: an IAM role works only in its own partition; pass a role ARN that starts with arn:{region_partition}:iam::")]
    RolePartition {
        flag: &'static str,
        role: String,
        role_partition: String,
        region: String,
        region_partition: &'static str,
    },
}

/// A role from another partition can never be assumed (Lambda answers "cannot be assumed",
/// which reads like a propagation delay): refuse it before any write.
fn check_role_partition(flag: &'static str, role: &str, region: &str) -> Result<(), PlanError> {
    let region_partition = Location::new(region).partition.name;
    match arn_partition(role) {
        Some(partition) if partition != region_partition => Err(PlanError::RolePartition {
            flag,
            role: role.to_string(),
            role_partition: partition.to_string(),
            region: region.to_string(),
            region_partition,
        }),
        _ => Ok(()),
    }
}

/// The function's ARN: as observed, or as Lambda will name it in the role's account.
pub fn function_arn(desired: &Desired, observed: &Observed) -> Option<String> {
    if let Some(function) = &observed.function {
        return Some(function.arn.clone());
    }
    let account = arn_account(desired.role_arn.as_deref()?)?;
    Some(Location::new(&desired.region).function_arn(account, &desired.names.function))
}

/// The ordered write calls that take `observed` to `desired`. Empty when nothing differs.
pub fn plan_deploy(desired: &Desired, observed: &Observed) -> Result<Vec<Change>, PlanError> {
    let names = &desired.names;
    let mut changes = Vec::new();
    if let Some(role) = &desired.role_arn {
        check_role_partition("--role-arn", role, &desired.region)?;
    }
    if let Some(role) = &desired.apigw_logs_role_arn {
        check_role_partition("--apigw-logs-role-arn", role, &desired.region)?;
    }

    plan_function(desired, observed, &mut changes)?;
    plan_log_group(desired, observed, &mut changes);

    // Versions and the alias: a change of code or configuration is published as a version,
    // which must pass the gate before the alias (what users reach) moves to it, whole.
    let target = plan_version(desired, observed, &mut changes);
    let alias_target = match &target {
        VersionRef::Existing(n) => Some(*n),
        VersionRef::Published => None,
    };
    plan_alias(desired, observed, target, &mut changes);
    let (kept, duplicates) = match observed.apis.split_first() {
        Some((kept, rest)) => (Some(kept), rest),
        None => (None, &[][..]),
    };
    for duplicate in duplicates {
        changes.push(Change::DeleteRestApi {
            id: duplicate.id.clone(),
            reason: "a duplicate; the oldest is kept",
        });
        if duplicate.execution_log_group.is_some() {
            changes.push(Change::DeleteLogGroup {
                name: execution_log_group(&duplicate.id, &names.stage),
            });
        }
    }

    // Known whenever the function exists or a role was given, i.e. whenever we got this far.
    let function_arn = function_arn(desired, observed).unwrap_or_default();
    let account = arn_account(&function_arn).unwrap_or_default().to_string();
    let location = Location::new(&desired.region);
    let wanted_uri = location.integration_uri(&format!("{function_arn}:{}", desired.names.alias));
    let permission_ok = |api_id: &str| {
        observed.alias_permission.as_ref().is_some_and(|p| {
            p.principal.as_deref() == Some(APIGW_PRINCIPAL)
                && p.action.as_deref() == Some(INVOKE_ACTION)
                && p.source_arn.as_deref()
                    == Some(location.permission_source_arn(&account, api_id).as_str())
        })
    };

    let api_changed = plan_rest_api(desired, kept, &wanted_uri, &mut changes);
    let permission_fine = kept.is_some_and(|api| permission_ok(&api.id));

    // The alias' permission is in place before a deployment makes the stage invoke the alias,
    // so that the stage never answers 5xx on the way.
    if !permission_fine {
        if observed.alias_permission.is_some() {
            changes.push(Change::RemovePermission {
                name: names.function.clone(),
                qualifier: Some(desired.names.alias.clone()),
            });
        }
        changes.push(Change::AddPermission {
            name: names.function.clone(),
            qualifier: Some(desired.names.alias.clone()),
        });
    }
    // A deployment made before versions: its integration invokes the unqualified function.
    let unqualified_uri = location.integration_uri(&function_arn);
    let migrating = kept
        .and_then(|api| api.integration.as_ref())
        .is_some_and(|i| i.uri == unqualified_uri);
    if api_changed {
        changes.push(Change::CreateDeployment {
            stage: names.stage.clone(),
        });
        // The unqualified function's statement (deploys before versions) goes once the stage
        // invokes the alias: after that deployment, never before it.
        if migrating && observed.permission.is_some() {
            changes.push(Change::RemovePermission {
                name: names.function.clone(),
                qualifier: None,
            });
        }
    }
    plan_api_logging(desired, observed, kept, &mut changes)?;
    plan_usage_plan(desired, observed, kept, &mut changes);
    plan_domain(desired, observed, kept, &mut changes)?;
    plan_cache(desired, kept, &mut changes);
    plan_prune(desired, observed, &alias_target, &mut changes);
    Ok(changes)
}

/// The REST API's own parts: made whole (`kept` is `None`), or its GET method, integration,
/// contract and preflight brought to what is wanted. Whether the stage needs a new deployment.
fn plan_rest_api(
    desired: &Desired,
    kept: Option<&ApiState>,
    wanted_uri: &str,
    changes: &mut Vec<Change>,
) -> bool {
    let Some(api) = kept else {
        changes.push(Change::CreateRestApi {
            name: desired.names.api.clone(),
        });
        changes.push(Change::PutMethod {
            authorization: desired.auth.as_aws(),
        });
        changes.push(Change::PutIntegration);
        plan_contract(desired, None, changes);
        plan_preflight(desired, None, changes);
        return true;
    };
    let mut changed = false;
    // A method made anew has no integration yet; one secured by hand gets its
    // integration set again too. A key requirement alone touches neither.
    let mut reintegrate = false;
    match &api.method {
        None => {
            changes.push(Change::PutMethod {
                authorization: desired.auth.as_aws(),
            });
            changed = true;
            reintegrate = true;
        }
        Some(method) => {
            if method.authorization != desired.auth.as_aws() {
                changes.push(Change::UpdateMethod {
                    from: method.authorization.clone(),
                    to: desired.auth.as_aws(),
                });
                changed = true;
                reintegrate = true;
            }
            if let Some(required) = desired.api_keys.required {
                if required != method.api_key_required {
                    changes.push(Change::SetApiKeyRequired { required });
                    changed = true;
                }
            }
        }
    }
    let integration_ok = !reintegrate
        && api.integration.as_ref().is_some_and(|i| {
            i.kind == INTEGRATION_TYPE && i.http_method == INTEGRATION_METHOD && i.uri == wanted_uri
        });
    if !integration_ok {
        changes.push(Change::PutIntegration);
        changed = true;
    }
    changed |= plan_contract(desired, Some(api), changes);
    changed |= plan_preflight(desired, api.preflight.as_ref(), changes);
    changed || api.stage.is_none()
}

/// The function: created (with the role, which must be given then), or its code,
/// configuration and tag brought to what is wanted.
fn plan_function(
    desired: &Desired,
    observed: &Observed,
    changes: &mut Vec<Change>,
) -> Result<(), PlanError> {
    let names = &desired.names;
    match &observed.function {
        None => {
            if desired.role_arn.is_none() {
                return Err(PlanError::RoleRequired(names.function.clone()));
            }
            changes.push(Change::CreateFunction {
                name: names.function.clone(),
            });
        }
        Some(function) => {
            // The architecture is set with the code (UpdateFunctionCode's Architectures): a
            // binary for the other one is never live, not even for a moment.
            let arch_changes = function.architectures != [desired.architecture.lambda_name()];
            if function.code_sha256 != desired.code_sha256 || arch_changes {
                changes.push(Change::UpdateFunctionCode {
                    name: names.function.clone(),
                    from: function.code_sha256.clone(),
                    to: desired.code_sha256.clone(),
                    from_arch: arch_changes.then(|| function.architectures.join(",")),
                    to_arch: desired.architecture,
                });
            }
            let fields = diff_configuration(desired, function);
            if !fields.is_empty() {
                let environment = function_environment(desired, &function.environment);
                changes.push(Change::UpdateFunctionConfiguration {
                    name: names.function.clone(),
                    environment: (environment != function.environment).then_some(environment),
                    fields,
                });
            }
            if function.tagged == Some(false) {
                changes.push(Change::TagFunction {
                    name: names.function.clone(),
                });
            }
        }
    }
    Ok(())
}

/// The function's log group, made by faqctl with its retention (so that `destroy` can take it).
fn plan_log_group(desired: &Desired, observed: &Observed, changes: &mut Vec<Change>) {
    let names = &desired.names;
    // After the function: CreateFunction is the write most likely to be refused for the
    // input (a role that does not exist or cannot be assumed), so it goes first and a refused
    // deploy leaves nothing behind. A log group Lambda made meanwhile counts as created.
    let log_group = names.log_group();
    match &observed.log_group {
        None => {
            changes.push(Change::CreateLogGroup {
                name: log_group.clone(),
            });
            changes.push(Change::PutRetentionPolicy {
                name: log_group,
                days: desired.log_retention_days,
            });
        }
        Some(group) if group.retention_days != Some(desired.log_retention_days) => {
            changes.push(Change::PutRetentionPolicy {
                name: log_group,
                days: desired.log_retention_days,
            });
        }
        Some(_) => {}
    }
}

/// The alias: made, or moved (at once or gradually) to `target`, after the gate.
fn plan_alias(
    desired: &Desired,
    observed: &Observed,
    target: VersionRef,
    changes: &mut Vec<Change>,
) {
    let names = &desired.names;
    let alias_ok = match (&observed.alias, &target) {
        (Some(alias), VersionRef::Existing(n)) => {
            alias.version == n.to_string() && alias.additional.is_none()
        }
        _ => false,
    };
    if !alias_ok {
        if desired.gate {
            changes.push(Change::Gate {
                name: names.function.clone(),
                version: target.clone(),
            });
        }
        changes.push(match &observed.alias {
            None => Change::CreateAlias {
                name: names.function.clone(),
                alias: desired.names.alias.clone(),
                version: target,
            },
            Some(alias) => {
                // Gradually only from another version: an alias already on the target (with
                // routing left by a stopped shift) or after a rollback to it moves at once.
                let onto_another = match &target {
                    VersionRef::Existing(n) => alias.version != n.to_string(),
                    VersionRef::Published => true,
                };
                let gradual = desired.traffic.is_gradual() && onto_another;
                Change::UpdateAlias {
                    name: names.function.clone(),
                    alias: desired.names.alias.clone(),
                    from: alias.describe(),
                    version: target,
                    shift: gradual.then(|| (alias.version.clone(), desired.traffic)),
                }
            }
        });
    }
}

/// What a 0.5 GB cache cluster costs while it exists, as API Gateway's price list gives it
/// (https://aws.amazon.com/api-gateway/pricing/: $0.020 an hour in US East (N. Virginia));
/// the local cloud has no price list for other regions, so it names the page.
pub fn cache_price(region: &str) -> String {
    match region {
        "us-east-1" => {
            "billed while it exists: $0.020 an hour in us-east-1, about $14.60 a month".into()
        }
        other => format!(
            "billed hourly while it exists; the 0.5 GB price in {other} is on https://aws.amazon.com/api-gateway/pricing/"
        ),
    }
}

/// The stage's cache as wanted (`--cache-ttl`): a 0.5 GB cluster with `*/*` caching for the
/// TTL, or none; after the deployment that makes the stage.
fn plan_cache(desired: &Desired, kept: Option<&ApiState>, changes: &mut Vec<Change>) {
    let Some(ttl) = desired.cache_ttl else {
        return;
    };
    let stage = kept.and_then(|api| api.stage.as_ref());
    let (cluster, caching) =
        stage.map_or((None, None), |s| (s.cache_cluster.as_deref(), s.cache_ttl));
    let converged = if ttl == 0 {
        cluster.is_none()
    } else {
        cluster == Some(CACHE_SIZE) && caching == Some(i64::from(ttl))
    };
    if !converged {
        changes.push(Change::SetStageCache {
            stage: desired.names.stage.clone(),
            ttl,
            region: desired.region.clone(),
        });
    }
}

/// The custom domain name and its mapping to the stage, once the stage exists: the domain
/// made when missing (a domain that exists, faqctl's or not, is used as it is, but must have
/// the certificate asked for), the mapping made or pointed at this API's stage.
fn plan_domain(
    desired: &Desired,
    observed: &Observed,
    kept: Option<&ApiState>,
    changes: &mut Vec<Change>,
) -> Result<(), PlanError> {
    let Some(wanted) = &desired.domain else {
        return Ok(());
    };
    let partition = crate::partition::Partition::of(&desired.region).name;
    let in_region = wanted
        .certificate_arn
        .strip_prefix(&format!("arn:{partition}:acm:{}:", desired.region))
        .is_some_and(|rest| rest.contains(":certificate/"));
    if !in_region {
        return Err(PlanError::CertificateRegion {
            arn: wanted.certificate_arn.clone(),
            region: desired.region.clone(),
            partition,
        });
    }
    let found = observed.domains.iter().find(|d| d.name == wanted.name);
    match found {
        None => changes.push(Change::CreateDomainName {
            name: wanted.name.clone(),
        }),
        Some(domain) => {
            if let Some(certificate) = &domain.certificate_arn {
                if *certificate != wanted.certificate_arn {
                    return Err(PlanError::DomainCertificate {
                        domain: wanted.name.clone(),
                        has: certificate.clone(),
                        wanted: wanted.certificate_arn.clone(),
                    });
                }
            }
        }
    }
    let mapping = found.and_then(|d| d.mappings.get(&wanted.base_path));
    let ours = |api: &str, stage: &str| {
        kept.is_some_and(|k| k.id.as_str() == api) && stage == desired.names.stage.as_str()
    };
    match mapping {
        None => changes.push(Change::CreateBasePathMapping {
            domain: wanted.name.clone(),
            base_path: wanted.base_path.clone(),
        }),
        Some((api, stage)) if !ours(api, stage) => changes.push(Change::UpdateBasePathMapping {
            domain: wanted.name.clone(),
            base_path: wanted.base_path.clone(),
        }),
        Some(_) => {}
    }
    Ok(())
}

/// The usage plan API keys reach the stage through: made (binding the stage) once the stage
/// exists and keys are required; its stage, throttle and quota kept as wanted. When keys are
/// no longer required the plan stays, with its keys, for the day they are again; `destroy`
/// removes it.
fn plan_usage_plan(
    desired: &Desired,
    observed: &Observed,
    kept: Option<&ApiState>,
    changes: &mut Vec<Change>,
) {
    let wanted = &desired.api_keys;
    let required = wanted.required.unwrap_or_else(|| {
        kept.and_then(|api| api.method.as_ref())
            .is_some_and(|m| m.api_key_required)
    });
    if !required {
        return;
    }
    let Some(plan) = &observed.usage_plan else {
        changes.push(Change::CreateUsagePlan {
            name: desired.names.usage_plan(),
        });
        return;
    };
    let mut fields = Vec::new();
    let bound = kept.is_some_and(|api| {
        plan.stages
            .iter()
            .any(|(a, s)| *a == api.id.as_str() && *s == desired.names.stage.as_str())
    });
    if !bound {
        fields.push("stage");
    }
    if let Some((rate, burst)) = wanted.throttle {
        if plan.throttle != Some((i64::from(rate) * 1000, i64::from(burst))) {
            fields.push("throttle");
        }
    }
    if let Some(quota) = wanted.quota {
        if plan.quota != Some((i64::from(quota.limit), quota.period.as_aws().to_string())) {
            fields.push("quota");
        }
    }
    if !fields.is_empty() {
        changes.push(Change::UpdateUsagePlan {
            id: plan.id.clone(),
            fields,
        });
    }
}

/// Versions beyond `--keep-versions` go, oldest first, after the alias has moved (version
/// storage counts against Lambda's code storage quota). Never pruned: the version the alias
/// will name, what it names now (and any version it routes to), and the one `faqctl rollback`
/// would go back to once the alias has moved (the alias' history says which).
fn plan_prune(
    desired: &Desired,
    observed: &Observed,
    target: &Option<u64>,
    changes: &mut Vec<Change>,
) {
    let Some(function) = &observed.function else {
        return;
    };
    let publishing = target.is_none();
    let total = function.versions.len() + usize::from(publishing);
    if total <= desired.keep_versions {
        return;
    }
    let mut protected: Vec<u64> = Vec::new();
    protected.extend(*target);
    if let Some(alias) = &observed.alias {
        protected.extend(alias.version.parse::<u64>().ok());
        if let Some((additional, _)) = &alias.additional {
            protected.extend(additional.parse::<u64>().ok());
        }
    }
    protected.extend(rollback_target_after(observed, *target));
    let mut excess = total - desired.keep_versions;
    for version in &function.versions {
        if excess == 0 {
            break;
        }
        if protected.contains(&version.number) {
            continue;
        }
        changes.push(Change::DeleteVersion {
            name: desired.names.function.clone(),
            version: version.number,
            keep: desired.keep_versions,
        });
        excess -= 1;
    }
}

/// Where `faqctl rollback` would go once the alias names `target` (`None`: the version this
/// deploy publishes, newer than any).
fn rollback_target_after(observed: &Observed, target: Option<u64>) -> Option<u64> {
    let alias = observed.alias.as_ref()?;
    let versions = &observed.function.as_ref()?.versions;
    let live = target.unwrap_or(u64::MAX);
    let mut history = alias.history.clone();
    if let Ok(current) = alias.version.parse::<u64>() {
        history = history.recorded_live(current, 0);
    }
    history
        .with(Event::new(live, Kind::Live, 0, None))
        .rollback_target(live, |v| versions.iter().any(|s| s.number == v))
}

/// The version the alias should name: the newest published one that is exactly what is wanted
/// ($LATEST's code and configuration once this plan's updates are made), or a new one.
fn plan_version(desired: &Desired, observed: &Observed, changes: &mut Vec<Change>) -> VersionRef {
    let matching = observed.function.as_ref().and_then(|function| {
        let environment = function_environment(desired, &function.environment);
        let role = desired.role_arn.as_deref().unwrap_or(&function.role);
        function.versions.iter().rev().find(|v| {
            v.code_sha256 == desired.code_sha256
                && v.role == role
                && v.memory_mb == desired.memory_mb
                && v.timeout_s == desired.timeout_s
                && v.architectures == [desired.architecture.lambda_name()]
                && v.environment == environment
        })
    });
    match matching {
        Some(version) => VersionRef::Existing(version.number),
        None => {
            changes.push(Change::PublishVersion {
                name: desired.names.function.clone(),
                description: desired.version_description(),
            });
            VersionRef::Published
        }
    }
}

impl AliasState {
    /// "version 3", or "version 3 + 10% to version 4" while routing.
    pub fn describe(&self) -> String {
        match &self.additional {
            None => format!("version {}", self.version),
            Some((other, weight)) => format!(
                "version {} + {}% to version {other}",
                self.version,
                f64::from(*weight) / 100.0
            ),
        }
    }
}

/// The CORS preflight `OPTIONS /`: made when origins are wanted, made again whole when any part
/// of it differs (a deploy stopped half-way, other origins, a hand edit), deleted when no
/// origin is wanted. The stage keeps serving its deployed snapshot meanwhile, so browsers see
/// the new preflight only with the deployment that follows. Returns whether anything changed.
fn plan_preflight(
    desired: &Desired,
    observed: Option<&Preflight>,
    changes: &mut Vec<Change>,
) -> bool {
    if desired.cors_origins.is_empty() {
        if observed.is_some() {
            changes.push(Change::DeletePreflight {
                reason: "no --cors-origin",
            });
            return true;
        }
        return false;
    }
    let wanted = Preflight::wanted(&desired.cors_origins);
    match observed {
        Some(preflight) if *preflight == wanted => return false,
        Some(_) => changes.push(Change::DeletePreflight {
            reason: "made again as wanted",
        }),
        None => {}
    }
    changes.push(Change::PutPreflightMethod);
    changes.push(Change::PutPreflightIntegration);
    changes.push(Change::PutPreflightMethodResponse);
    changes.push(Change::PutPreflightIntegrationResponse {
        origins: desired.cors_origins.clone(),
    });
    true
}

/// The FAQ's contract (`--response-model`): the model `FaqEntry` with faqctl's schema, and GET
/// /'s 200 response described by it; or (off) neither, the response before the model it
/// names (API Gateway refuses to delete a model in use). `api`: the REST API as it is (`None`:
/// made by this deploy). A GET method made again has no responses. Returns whether anything
/// changed (a new deployment makes it what the stage's export describes).
fn plan_contract(desired: &Desired, api: Option<&ApiState>, changes: &mut Vec<Change>) -> bool {
    let schema = api.and_then(|a| a.model_schema.as_deref());
    let method = api.and_then(|a| a.method.as_ref());
    let before = changes.len();
    if desired.response_model {
        match schema {
            None => changes.push(Change::CreateModel),
            Some(schema) if !same_schema(schema, MODEL_SCHEMA) => changes.push(Change::UpdateModel),
            Some(_) => {}
        }
        match method {
            Some(method) if method.has_contract() => {}
            Some(method) if method.response_models.is_some() => {
                changes.push(Change::DeleteMethodResponse {
                    reason: "described by another model; made again",
                });
                changes.push(Change::PutMethodResponse);
            }
            _ => changes.push(Change::PutMethodResponse),
        }
    } else {
        if method.is_some_and(MethodState::has_contract) {
            changes.push(Change::DeleteMethodResponse {
                reason: "--response-model=false",
            });
        }
        if schema.is_some() {
            changes.push(Change::DeleteModel);
        }
    }
    changes.len() > before
}

/// Whether two schemas say the same (API Gateway keeps the text as sent; compared as JSON so
/// that a reformatting is no drift).
fn same_schema(a: &str, b: &str) -> bool {
    match (
        serde_json::from_str::<serde_json::Value>(a),
        serde_json::from_str::<serde_json::Value>(b),
    ) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

/// The function's environment as wanted: what it has, with `FAQ_CORS_ORIGINS` set to the
/// origins (or removed when there are none). Other variables are left as they are.
pub fn function_environment(
    desired: &Desired,
    current: &BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    let mut environment = current.clone();
    if desired.cors_origins.is_empty() {
        environment.remove(CORS_ENV);
    } else {
        environment.insert(CORS_ENV.to_string(), desired.cors_origins.to_env());
    }
    environment
}

/// API Gateway's logging and the stage's throttling: the account role, the access log group,
/// and the stage's settings.
fn plan_api_logging(
    desired: &Desired,
    observed: &Observed,
    kept: Option<&ApiState>,
    changes: &mut Vec<Change>,
) -> Result<(), PlanError> {
    let names = &desired.names;
    // A stage that exists keeps its settings through a new deployment; a new one has none.
    let stage = kept
        .and_then(|api| api.stage.clone())
        .unwrap_or_else(|| StageState::new(None));
    let logs = desired.api_logs.unwrap_or_else(|| stage.logging_on());
    if logs {
        match (
            &observed.account_cloudwatch_role,
            desired.apigw_logs_role_arn.as_deref(),
        ) {
            (current, Some(role)) if current.as_deref() != Some(role) => {
                changes.push(Change::UpdateAccount {
                    role: role.to_string(),
                });
            }
            (None, None) => return Err(PlanError::AccountRoleRequired(desired.region.clone())),
            _ => {}
        }
        let group = names.access_log_group();
        match &observed.access_log_group {
            None => {
                changes.push(Change::CreateLogGroup {
                    name: group.clone(),
                });
                changes.push(Change::PutRetentionPolicy {
                    name: group,
                    days: desired.log_retention_days,
                });
            }
            Some(existing) if existing.retention_days != Some(desired.log_retention_days) => {
                changes.push(Change::PutRetentionPolicy {
                    name: group,
                    days: desired.log_retention_days,
                });
            }
            Some(_) => {}
        }
    }
    // API Gateway creates its execution log group on the first logged request, with no
    // retention: once it exists, it gets the same retention as every other group.
    if let Some(api) = kept {
        if let Some(group) = &api.execution_log_group {
            if group.retention_days != Some(desired.log_retention_days) {
                changes.push(Change::PutRetentionPolicy {
                    name: execution_log_group(&api.id, &names.stage),
                    days: desired.log_retention_days,
                });
            }
        }
    }
    let mut fields = Vec::new();
    let level = if logs { "INFO" } else { "OFF" };
    if stage.logging_level.as_deref().unwrap_or("OFF") != level || stage.data_trace.unwrap_or(false)
    {
        fields.push("logging");
    }
    if stage.throttle_rate_milli != Some(i64::from(desired.throttle_rate) * 1000)
        || stage.throttle_burst != Some(i64::from(desired.throttle_burst))
    {
        fields.push("throttling");
    }
    let access_ok = if logs {
        stage.access_log_format.as_deref() == Some(ACCESS_LOG_FORMAT)
            && stage
                .access_log_destination
                .as_deref()
                .is_some_and(|d| d.ends_with(&format!(":log-group:{}", names.access_log_group())))
    } else {
        stage.access_log_destination.is_none()
    };
    if !access_ok {
        fields.push("access logs");
    }
    if !fields.is_empty() {
        changes.push(Change::UpdateStage {
            stage: names.stage.clone(),
            fields,
            logs,
            remove_access_log: !logs && stage.access_log_destination.is_some(),
        });
    }
    Ok(())
}

fn diff_configuration(desired: &Desired, function: &FunctionState) -> Vec<&'static str> {
    let mut fields = Vec::new();
    if desired
        .role_arn
        .as_deref()
        .is_some_and(|role| role != function.role)
    {
        fields.push("role");
    }
    if function.memory_mb != desired.memory_mb {
        fields.push("memory");
    }
    if function.timeout_s != desired.timeout_s {
        fields.push("timeout");
    }
    if function.runtime != RUNTIME {
        fields.push("runtime");
    }
    if function.handler != HANDLER {
        fields.push("handler");
    }
    if function_environment(desired, &function.environment) != function.environment {
        fields.push("cors origins");
    }
    fields
}

/// The ordered delete calls that remove everything faqctl made. Empty when nothing is left.
pub fn plan_destroy(names: &Names, observed: &Observed) -> Vec<Change> {
    let mut changes = Vec::new();
    // The mappings to this API go before it (API Gateway refuses to delete a mapped API), and
    // the domain names faqctl made with them.
    let apis: Vec<&str> = observed.apis.iter().map(|a| a.id.as_str()).collect();
    for domain in &observed.domains {
        for (base_path, (api, _)) in &domain.mappings {
            if apis.contains(&api.as_str()) {
                changes.push(Change::DeleteBasePathMapping {
                    domain: domain.name.clone(),
                    base_path: base_path.clone(),
                });
            }
        }
        if domain.managed {
            changes.push(Change::DeleteDomainName {
                name: domain.name.clone(),
            });
        }
    }
    // First the keys faqctl made, then the usage plan (freed of its stages, as API Gateway
    // asks), while the stages it binds still exist.
    if let Some(plan) = &observed.usage_plan {
        changes.extend(
            plan.keys
                .iter()
                .map(|id| Change::DeleteApiKey { id: id.clone() }),
        );
        if !plan.stages.is_empty() {
            changes.push(Change::UnbindUsagePlan {
                id: plan.id.clone(),
                stages: plan.stages.clone(),
            });
        }
        changes.push(Change::DeleteUsagePlan {
            id: plan.id.clone(),
        });
    }
    changes.extend(observed.apis.iter().map(|api| Change::DeleteRestApi {
        id: api.id.clone(),
        reason: "with its stage and deployments",
    }));
    // API Gateway's own execution log groups outlive their APIs: delete them too.
    let execution_log_groups: Vec<Change> = observed
        .apis
        .iter()
        .filter(|api| api.execution_log_group.is_some())
        .map(|api| Change::DeleteLogGroup {
            name: execution_log_group(&api.id, &names.stage),
        })
        .collect();
    if observed.function.is_some() {
        // Its policies, versions and aliases go with it.
        changes.push(Change::DeleteFunction {
            name: names.function.clone(),
        });
    }
    if observed.log_group.is_some() {
        changes.push(Change::DeleteLogGroup {
            name: names.log_group(),
        });
    }
    if observed.access_log_group.is_some() {
        changes.push(Change::DeleteLogGroup {
            name: names.access_log_group(),
        });
    }
    changes.extend(execution_log_groups);
    changes
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROLE: &str = "arn:aws:iam::123456789012:role/lambda-basic";
    const FUNCTION_ARN: &str = "arn:aws:lambda:us-east-1:123456789012:function:FAQ";

    fn desired() -> Desired {
        Desired {
            names: Names {
                function: "FAQ".into(),
                api: "FAQ-API".into(),
                stage: "myDeployment".into(),
                alias: "live".into(),
            },
            region: "us-east-1".into(),
            role_arn: Some(ROLE.into()),
            memory_mb: 128,
            timeout_s: 3,
            code_sha256: "new-sha".into(),
            architecture: Arch::X86_64,
            log_retention_days: 14,
            api_logs: None,
            apigw_logs_role_arn: None,
            throttle_rate: 10,
            throttle_burst: 20,
            cors_origins: CorsOrigins::default(),
            commit: None,
            gate: true,
            keep_versions: 10,
            traffic: Traffic::AllAtOnce,
            alarms: vec![],
            api_keys: ApiKeySettings::default(),
            auth: Auth::None,
            response_model: true,
            domain: None,
            cache_ttl: None,
        }
    }

    /// Version `number` as `desired()` wants it, with `sha` as its code.
    fn version(number: u64, sha: &str) -> VersionState {
        VersionState {
            number,
            code_sha256: sha.into(),
            role: ROLE.into(),
            memory_mb: 128,
            timeout_s: 3,
            architectures: vec!["x86_64".into()],
            environment: BTreeMap::new(),
            description: format!("faqctl: CodeSha256 {sha}"),
            last_modified: "2026-11-24T04:40:00.000+0000".into(),
        }
    }

    /// A stage with faqctl's throttling and, when `logs`, its logging.
    fn stage(logs: bool) -> StageState {
        StageState {
            deployment_id: Some("dep1".into()),
            logging_level: Some(if logs { "INFO" } else { "OFF" }.into()),
            data_trace: Some(false),
            throttle_rate_milli: Some(10_000),
            throttle_burst: Some(20),
            access_log_destination: logs.then(|| {
                "arn:aws:logs:us-east-1:123456789012:log-group:/aws/apigateway/FAQ-API/myDeployment".into()
            }),
            access_log_format: logs.then(|| ACCESS_LOG_FORMAT.into()),
            cache_cluster: None,
            cache_ttl: None,
        }
    }

    fn api(id: &str, created: i64) -> ApiState {
        ApiState {
            id: id.into(),
            created,
            root_resource_id: Some("root".into()),
            method: Some(MethodState {
                authorization: "NONE".into(),
                api_key_required: false,
                response_models: Some(BTreeMap::from([(
                    MODEL_CONTENT_TYPE.into(),
                    MODEL_NAME.into(),
                )])),
            }),
            model_schema: Some(MODEL_SCHEMA.into()),
            integration: Some(IntegrationState {
                kind: "AWS_PROXY".into(),
                http_method: "POST".into(),
                uri: Location::new("us-east-1").integration_uri(&format!("{FUNCTION_ARN}:live")),
            }),
            preflight: None,
            stage: Some(stage(false)),
            execution_log_group: None,
        }
    }

    /// Everything exactly as `desired()` wants it.
    fn converged() -> Observed {
        Observed {
            function: Some(FunctionState {
                arn: FUNCTION_ARN.into(),
                role: ROLE.into(),
                memory_mb: 128,
                timeout_s: 3,
                runtime: RUNTIME.into(),
                handler: HANDLER.into(),
                architectures: vec!["x86_64".into()],
                code_sha256: "new-sha".into(),
                last_modified: "2026-11-24T04:40:00.000+0000".into(),
                environment: BTreeMap::new(),
                tagged: Some(true),
                versions: vec![version(1, "old-sha"), version(2, "new-sha")],
            }),
            log_group: Some(LogGroupState {
                retention_days: Some(14),
            }),
            apis: vec![api("abc123", 100)],
            permission: None,
            alias: Some(AliasState {
                version: "2".into(),
                additional: None,
                ..AliasState::default()
            }),
            alias_permission: Some(PermissionState {
                principal: Some(APIGW_PRINCIPAL.into()),
                action: Some(INVOKE_ACTION.into()),
                source_arn: Some(
                    Location::new("us-east-1").permission_source_arn("123456789012", "abc123"),
                ),
            }),
            account_cloudwatch_role: None,
            access_log_group: None,
            usage_plan: None,
            domains: vec![],
        }
    }

    fn operations(changes: &[Change]) -> Vec<&'static str> {
        changes.iter().map(Change::operation).collect()
    }

    fn plan(desired: &Desired, observed: &Observed) -> Vec<&'static str> {
        operations(&plan_deploy(desired, observed).unwrap())
    }

    #[test]
    fn a_cold_deploy_creates_everything_in_dependency_order() {
        assert_eq!(
            plan(&desired(), &Observed::default()),
            [
                "CreateFunction",
                "CreateLogGroup",
                "PutRetentionPolicy",
                "PublishVersion",
                "Invoke",
                "CreateAlias",
                "CreateRestApi",
                "PutMethod",
                "PutIntegration",
                "CreateModel",
                "PutMethodResponse",
                "AddPermission",
                "CreateDeployment",
                "UpdateStage"
            ]
        );
    }

    #[test]
    fn a_converged_deployment_needs_no_change() {
        assert_eq!(plan(&desired(), &converged()), Vec::<&str>::new());
        // Without --role-arn an existing function keeps its role: still nothing to do.
        let mut no_role = desired();
        no_role.role_arn = None;
        assert_eq!(plan(&no_role, &converged()), Vec::<&str>::new());
    }

    #[test]
    fn creating_the_function_without_a_role_is_refused() {
        let mut no_role = desired();
        no_role.role_arn = None;
        let error = plan_deploy(&no_role, &Observed::default()).unwrap_err();
        assert!(error
            .to_string()
            .contains("pass --role-arn (or set FAQCTL_ROLE_ARN)"));
    }

    /// Each row: how the live state drifted, and exactly the calls that repair it.
    #[test]
    fn an_architecture_change_is_one_code_update_that_names_it() {
        let mut wanted = desired();
        wanted.architecture = Arch::Arm64;
        let changes = plan_deploy(&wanted, &converged()).unwrap();
        assert_eq!(
            operations(&changes),
            [
                "UpdateFunctionCode",
                "PublishVersion",
                "Invoke",
                "UpdateAlias"
            ]
        );
        assert_eq!(
            changes[0].to_string(),
            "~ update code of function FAQ (new-sha → new-sha; architecture x86_64 → arm64)"
        );
        // Once the function runs on arm64, and a version of it is live, nothing is left to do.
        let mut observed = converged();
        observed.function.as_mut().unwrap().architectures = vec!["arm64".into()];
        let mut arm = version(3, "new-sha");
        arm.architectures = vec!["arm64".into()];
        observed.function.as_mut().unwrap().versions.push(arm);
        observed.alias.as_mut().unwrap().version = "3".into();
        assert_eq!(plan_deploy(&wanted, &observed).unwrap(), []);
        // A code change alone says nothing of the architecture.
        wanted.code_sha256 = "newer".into();
        assert_eq!(
            plan_deploy(&wanted, &observed).unwrap()[0].to_string(),
            "~ update code of function FAQ (new-sha → newer)"
        );
    }

    #[test]
    /// The function's, its log group's, alias's and versions' drifts.
    fn each_function_drift_is_repaired_by_exactly_its_own_calls() {
        assert_each_drift_repaired(vec![
            (
                "new code",
                |_, d| d.code_sha256 = "newer".into(),
                vec![
                    "UpdateFunctionCode",
                    "PublishVersion",
                    "Invoke",
                    "UpdateAlias",
                ],
            ),
            (
                "arm64 function",
                |o, _| o.function.as_mut().unwrap().architectures = vec!["arm64".into()],
                vec!["UpdateFunctionCode"],
            ),
            (
                "memory",
                |_, d| d.memory_mb = 256,
                vec![
                    "UpdateFunctionConfiguration",
                    "PublishVersion",
                    "Invoke",
                    "UpdateAlias",
                ],
            ),
            (
                "timeout",
                |_, d| d.timeout_s = 10,
                vec![
                    "UpdateFunctionConfiguration",
                    "PublishVersion",
                    "Invoke",
                    "UpdateAlias",
                ],
            ),
            (
                "another role",
                |_, d| d.role_arn = Some("arn:aws:iam::123456789012:role/other".into()),
                vec![
                    "UpdateFunctionConfiguration",
                    "PublishVersion",
                    "Invoke",
                    "UpdateAlias",
                ],
            ),
            (
                "runtime changed by hand",
                |o, _| o.function.as_mut().unwrap().runtime = "provided.al2".into(),
                vec!["UpdateFunctionConfiguration"],
            ),
            (
                "tag removed",
                |o, _| o.function.as_mut().unwrap().tagged = Some(false),
                vec!["TagResource"],
            ),
            (
                // A caller without lambda:ListTags cannot see tags: nothing is planned from that.
                "tags unreadable",
                |o, _| o.function.as_mut().unwrap().tagged = None,
                vec![],
            ),
            (
                "log group deleted",
                |o, _| o.log_group = None,
                vec!["CreateLogGroup", "PutRetentionPolicy"],
            ),
            (
                "retention changed",
                |o, _| {
                    o.log_group = Some(LogGroupState {
                        retention_days: None,
                    })
                },
                vec!["PutRetentionPolicy"],
            ),
            (
                "alias moved by hand",
                |o, _| o.alias.as_mut().unwrap().version = "1".into(),
                vec!["Invoke", "UpdateAlias"],
            ),
            (
                "alias routing by hand",
                |o, _| o.alias.as_mut().unwrap().additional = Some(("1".into(), 1000)),
                vec!["Invoke", "UpdateAlias"],
            ),
            (
                "alias deleted",
                |o, _| o.alias = None,
                vec!["Invoke", "CreateAlias"],
            ),
            (
                "version deleted",
                |o, _| {
                    o.function.as_mut().unwrap().versions.pop();
                },
                vec!["PublishVersion", "Invoke", "UpdateAlias"],
            ),
        ]);
    }

    #[test]
    /// The REST API's, its stage's and the invoke permission's drifts.
    fn each_api_drift_is_repaired_by_exactly_its_own_calls() {
        assert_each_drift_repaired(vec![
            (
                "method deleted",
                |o, _| o.apis[0].method = None,
                vec![
                    "PutMethod",
                    "PutIntegration",
                    "PutMethodResponse",
                    "CreateDeployment",
                ],
            ),
            (
                "model deleted",
                |o, _| {
                    o.apis[0].model_schema = None;
                },
                vec!["CreateModel", "CreateDeployment"],
            ),
            (
                "model's schema edited by hand",
                |o, _| o.apis[0].model_schema = Some(r#"{"type":"object"}"#.into()),
                vec!["UpdateModel", "CreateDeployment"],
            ),
            (
                "the 200 response deleted",
                |o, _| o.apis[0].method.as_mut().unwrap().response_models = None,
                vec!["PutMethodResponse", "CreateDeployment"],
            ),
            (
                "the 200 response described by another model",
                |o, _| {
                    o.apis[0].method.as_mut().unwrap().response_models = Some(BTreeMap::from([(
                        "application/json".into(),
                        "Empty".into(),
                    )]))
                },
                vec![
                    "DeleteMethodResponse",
                    "PutMethodResponse",
                    "CreateDeployment",
                ],
            ),
            (
                "the contract no longer wanted",
                |_, d| d.response_model = false,
                vec!["DeleteMethodResponse", "DeleteModel", "CreateDeployment"],
            ),
            (
                "method secured by hand",
                |o, _| o.apis[0].method.as_mut().unwrap().authorization = "AWS_IAM".into(),
                vec!["UpdateMethod", "PutIntegration", "CreateDeployment"],
            ),
            (
                "integration deleted",
                |o, _| o.apis[0].integration = None,
                vec!["PutIntegration", "CreateDeployment"],
            ),
            (
                "integration points elsewhere",
                |o, _| o.apis[0].integration.as_mut().unwrap().uri = "arn:other".into(),
                vec!["PutIntegration", "CreateDeployment"],
            ),
            (
                "stage deleted",
                |o, _| o.apis[0].stage = None,
                vec!["CreateDeployment", "UpdateStage"],
            ),
            (
                "permission removed",
                |o, _| o.alias_permission = None,
                vec!["AddPermission"],
            ),
            (
                "permission too broad",
                |o, _| {
                    o.alias_permission.as_mut().unwrap().source_arn =
                        Some("arn:aws:execute-api:us-east-1:123456789012:abc123/*".into())
                },
                vec!["RemovePermission", "AddPermission"],
            ),
            (
                "API deleted",
                |o, _| o.apis.clear(),
                vec![
                    "CreateRestApi",
                    "PutMethod",
                    "PutIntegration",
                    "CreateModel",
                    "PutMethodResponse",
                    "RemovePermission",
                    "AddPermission",
                    "CreateDeployment",
                    "UpdateStage",
                ],
            ),
            (
                "throttling changed by hand",
                |o, _| o.apis[0].stage.as_mut().unwrap().throttle_burst = Some(5000),
                vec!["UpdateStage"],
            ),
            (
                "throttling asked for",
                |_, d| d.throttle_rate = 50,
                vec!["UpdateStage"],
            ),
            (
                "duplicate API",
                |o, _| o.apis.push(api("dup456", 200)),
                vec!["DeleteRestApi"],
            ),
        ]);
    }

    type Drift = fn(&mut Observed, &mut Desired);

    /// Each case's drift, applied to a converged deployment, plans exactly its calls.
    fn assert_each_drift_repaired(cases: Vec<(&str, Drift, Vec<&str>)>) {
        for (drift, apply, expected) in cases {
            let (mut observed, mut wanted) = (converged(), desired());
            apply(&mut observed, &mut wanted);
            assert_eq!(plan(&wanted, &observed), expected, "{drift}");
        }
    }

    /// A deployment made before versions (the integration and the permission on the
    /// unqualified function) converges to the alias form with no moment of 5xx: the alias and
    /// its permission exist before the deployment that makes the stage invoke the alias, and
    /// the old statement goes only after it.
    #[test]
    fn a_deployment_without_versions_converges_to_the_alias_without_a_gap() {
        let mut observed = converged();
        let function = observed.function.as_mut().unwrap();
        function.versions.clear();
        observed.alias = None;
        observed.permission = observed.alias_permission.take();
        observed.apis[0].integration.as_mut().unwrap().uri =
            Location::new("us-east-1").integration_uri(FUNCTION_ARN);
        let changes = plan_deploy(&desired(), &observed).unwrap();
        assert_eq!(
            operations(&changes),
            [
                "PublishVersion",
                "Invoke",
                "CreateAlias",
                "PutIntegration",
                "AddPermission",
                "CreateDeployment",
                "RemovePermission"
            ]
        );
        assert_eq!(
            changes[6],
            Change::RemovePermission {
                name: "FAQ".into(),
                qualifier: None
            }
        );
    }

    /// A deploy stopped after PublishVersion (or after the gate) goes on from there: the
    /// version is not published again, the gate runs again, then the alias moves.
    #[test]
    fn a_deploy_stopped_after_publishing_goes_on_without_publishing_again() {
        let mut observed = converged();
        observed.alias.as_mut().unwrap().version = "1".into();
        let changes = plan_deploy(&desired(), &observed).unwrap();
        assert_eq!(
            changes,
            [
                Change::Gate {
                    name: "FAQ".into(),
                    version: VersionRef::Existing(2)
                },
                Change::UpdateAlias {
                    name: "FAQ".into(),
                    alias: "live".into(),
                    from: "version 1".into(),
                    version: VersionRef::Existing(2),
                    shift: None,
                }
            ]
        );
        assert_eq!(
            changes[1].to_string(),
            "~ move alias FAQ:live from version 1 to version 2"
        );
        // With --traffic, the alias moves from the version it is on in watched steps.
        let mut gradual = desired();
        gradual.traffic = "canary:10:5".parse().unwrap();
        let changes = plan_deploy(&gradual, &observed).unwrap();
        assert!(
            matches!(&changes[1], Change::UpdateAlias { shift: Some((from, _)), .. } if from == "1"),
            "{changes:?}"
        );
        assert_eq!(
            changes[1].to_string(),
            "~ move alias FAQ:live from version 1 to version 2: canary 10% for 5m, then all, watching its errors"
        );
        // A shift stopped half-way (routing left on the alias) starts again from the version
        // the alias is on; an alias already on the target only has its routing cleared.
        let mut stopped = observed.clone();
        stopped.alias = Some(AliasState {
            version: "1".into(),
            additional: Some(("2".into(), 1000)),
            ..AliasState::default()
        });
        let changes = plan_deploy(&gradual, &stopped).unwrap();
        assert!(
            matches!(&changes[1], Change::UpdateAlias { shift: Some((from, _)), .. } if from == "1"),
            "{changes:?}"
        );
        stopped.alias = Some(AliasState {
            version: "2".into(),
            additional: Some(("1".into(), 1000)),
            ..AliasState::default()
        });
        let changes = plan_deploy(&gradual, &stopped).unwrap();
        assert!(
            matches!(
                changes.last(),
                Some(Change::UpdateAlias { shift: None, .. })
            ),
            "{changes:?}"
        );
        // The newest matching version is the one chosen.
        observed
            .function
            .as_mut()
            .unwrap()
            .versions
            .push(version(3, "new-sha"));
        let changes = plan_deploy(&desired(), &observed).unwrap();
        assert_eq!(
            changes[0],
            Change::Gate {
                name: "FAQ".into(),
                version: VersionRef::Existing(3)
            }
        );
        // With --no-gate (moto), the alias moves without the invoke.
        let mut ungated = desired();
        ungated.gate = false;
        assert_eq!(plan(&ungated, &observed), ["UpdateAlias"]);
    }

    /// Beyond --keep-versions the oldest versions go, after everything else; never the live
    /// one, nor the one before it, nor one the alias routes to.
    #[test]
    fn versions_beyond_the_limit_are_pruned_oldest_first_but_never_live_or_previous() {
        let mut observed = converged();
        let function = observed.function.as_mut().unwrap();
        function.versions = (1..=5).map(|n| version(n, "old-sha")).collect();
        function.versions.push(version(6, "new-sha"));
        observed.alias.as_mut().unwrap().version = "6".into();
        let mut wanted = desired();
        wanted.keep_versions = 3;
        let changes = plan_deploy(&wanted, &observed).unwrap();
        let deleted: Vec<String> = changes.iter().map(ToString::to_string).collect();
        assert_eq!(
            deleted,
            [
                "- delete version 1 of function FAQ (beyond --keep-versions 3)",
                "- delete version 2 of function FAQ (beyond --keep-versions 3)",
                "- delete version 3 of function FAQ (beyond --keep-versions 3)"
            ]
        );
        // A new version counts: it is published, passes the gate, the alias moves; then the
        // oldest go, but not 6 (live until now) nor 1 when the alias still routes to it.
        wanted.code_sha256 = "newest".into();
        observed.alias.as_mut().unwrap().additional = Some(("1".into(), 500));
        let changes = plan_deploy(&wanted, &observed).unwrap();
        assert_eq!(
            operations(&changes),
            [
                "UpdateFunctionCode",
                "PublishVersion",
                "Invoke",
                "UpdateAlias",
                "DeleteFunction",
                "DeleteFunction",
                "DeleteFunction",
                "DeleteFunction"
            ]
        );
        let versions: Vec<u64> = changes
            .iter()
            .filter_map(|c| match c {
                Change::DeleteVersion { version, .. } => Some(*version),
                _ => None,
            })
            .collect();
        assert_eq!(versions, [2, 3, 4, 5]);
        // Within the limit: nothing.
        wanted.keep_versions = 10;
        assert!(!operations(&plan_deploy(&wanted, &observed).unwrap()).contains(&"DeleteFunction"));
    }

    /// Pruning keeps the version `rollback` would go to, as the alias' history tells it: not
    /// the newest one below the live one when that one failed its gate.
    #[test]
    fn pruning_keeps_the_rollback_target_and_not_a_version_that_failed_its_gate() {
        let mut observed = converged();
        let function = observed.function.as_mut().unwrap();
        function.versions = (1..=4).map(|n| version(n, "old-sha")).collect();
        function.versions.push(version(5, "new-sha"));
        let alias = observed.alias.as_mut().unwrap();
        alias.version = "5".into();
        alias.history = Ledger::parse("faqctl history: 1L10 2L20 3L30 4G40:statusCode-502 5L50");
        let mut wanted = desired();
        wanted.keep_versions = 2;
        let deleted: Vec<u64> = plan_deploy(&wanted, &observed)
            .unwrap()
            .iter()
            .filter_map(|c| match c {
                Change::DeleteVersion { version, .. } => Some(*version),
                _ => None,
            })
            .collect();
        assert_eq!(deleted, [1, 2, 4]);
    }

    #[test]
    fn a_new_version_carries_the_code_sha_and_the_commit() {
        let mut wanted = desired();
        wanted.commit = Some("0123456789ab".into());
        let changes = plan_deploy(&wanted, &Observed::default()).unwrap();
        assert_eq!(
            changes[3],
            Change::PublishVersion {
                name: "FAQ".into(),
                description: "faqctl: CodeSha256 new-sha; commit 0123456789ab".into()
            }
        );
    }

    #[test]
    fn of_duplicate_apis_the_first_observed_is_kept() {
        let mut observed = converged();
        observed.apis.push(api("dup456", 200));
        let changes = plan_deploy(&desired(), &observed).unwrap();
        assert_eq!(
            changes,
            [Change::DeleteRestApi {
                id: "dup456".into(),
                reason: "a duplicate; the oldest is kept"
            }]
        );
    }

    #[test]
    fn a_role_of_another_partition_is_refused_before_any_write() {
        let mut wanted = desired();
        wanted.region = "cn-north-1".into();
        let error = plan_deploy(&wanted, &Observed::default()).unwrap_err();
        assert_eq!(error.to_string(), "--role-arn arn:aws:iam::123456789012:role/lambda-basic is in partition aws, but region cn-north-1 is in partition aws-cn: an IAM role works only in its own partition; pass a role ARN that starts with arn:aws-cn:iam::");
        wanted.role_arn = Some("arn:aws-cn:iam::123456789012:role/lambda-basic".into());
        let changes = plan_deploy(&wanted, &Observed::default()).unwrap();
        assert_eq!(changes[0].operation(), "CreateFunction");
    }

    #[test]
    fn the_function_arn_is_predicted_from_the_role_before_it_exists() {
        assert_eq!(
            function_arn(&desired(), &Observed::default()).as_deref(),
            Some(FUNCTION_ARN)
        );
    }

    #[test]
    fn destroy_removes_what_exists_and_nothing_else() {
        let names = desired().names;
        assert_eq!(
            operations(&plan_destroy(&names, &converged())),
            ["DeleteRestApi", "DeleteFunction", "DeleteLogGroup"]
        );
        assert!(plan_destroy(&names, &Observed::default()).is_empty());
        let partial = Observed {
            log_group: Some(LogGroupState {
                retention_days: None,
            }),
            ..Observed::default()
        };
        assert_eq!(
            operations(&plan_destroy(&names, &partial)),
            ["DeleteLogGroup"]
        );
    }

    #[test]
    fn changes_read_as_sentences() {
        let changes = plan_deploy(&desired(), &Observed::default()).unwrap();
        let text: Vec<String> = changes.iter().map(ToString::to_string).collect();
        assert_eq!(
            text,
            [
                "+ create function FAQ",
                "+ create log group /aws/lambda/FAQ",
                "~ set retention of log group /aws/lambda/FAQ to 14 days",
                "+ publish a version of function FAQ",
                "? gate: invoke the new version of FAQ with a GET event; it must answer 200 with a FAQ entry",
                "+ create alias FAQ:live → the new version",
                "+ create REST API FAQ-API",
                "+ create method GET / (authorization NONE)",
                "~ set integration of GET / to the function's alias (AWS_PROXY)",
                "+ create model FaqEntry (q and a, strings: the FAQ's contract)",
                "~ describe GET / 200 with model FaqEntry",
                "+ allow API Gateway to invoke FAQ:live (faqctl-apigw-get)",
                "+ deploy the API to stage myDeployment",
                "~ update stage myDeployment (throttling)",
            ]
        );
    }

    #[test]
    fn api_logs_need_the_account_role_and_then_set_everything_up() {
        let mut wanted = desired();
        wanted.api_logs = Some(true);
        assert_eq!(
            plan_deploy(&wanted, &converged()).unwrap_err(),
            PlanError::AccountRoleRequired("us-east-1".into())
        );
        wanted.apigw_logs_role_arn = Some("arn:aws:iam::123456789012:role/apigw-logs".into());
        let changes = plan_deploy(&wanted, &converged()).unwrap();
        assert_eq!(
            operations(&changes),
            [
                "UpdateAccount",
                "CreateLogGroup",
                "PutRetentionPolicy",
                "UpdateStage"
            ]
        );
        assert_eq!(
            changes[3],
            Change::UpdateStage {
                stage: "myDeployment".into(),
                fields: vec!["logging", "access logs"],
                logs: true,
                remove_access_log: false
            }
        );
    }

    #[test]
    fn api_logs_once_on_stay_on_until_turned_off() {
        let mut observed = converged();
        observed.apis[0].stage = Some(stage(true));
        observed.account_cloudwatch_role = Some("arn:aws:iam::123456789012:role/apigw-logs".into());
        observed.access_log_group = Some(LogGroupState {
            retention_days: Some(14),
        });
        assert_eq!(
            plan(&desired(), &observed),
            Vec::<&str>::new(),
            "remembered"
        );
        let mut off = desired();
        off.api_logs = Some(false);
        let changes = plan_deploy(&off, &observed).unwrap();
        assert_eq!(
            changes,
            [Change::UpdateStage {
                stage: "myDeployment".into(),
                fields: vec!["logging", "access logs"],
                logs: false,
                remove_access_log: true
            }]
        );
    }

    #[test]
    fn the_access_log_group_name_is_one_cloudwatch_accepts() {
        let mut names = desired().names;
        names.api = "FAQ API (prod) é".into();
        assert_eq!(
            names.access_log_group(),
            "/aws/apigateway/FAQ_API__prod___/myDeployment"
        );
        names.api = "FAQ-API_v2.#1".into();
        assert_eq!(
            names.access_log_group(),
            "/aws/apigateway/FAQ-API_v2.#1/myDeployment"
        );
    }

    #[test]
    fn destroy_also_removes_api_gateways_log_groups() {
        let mut observed = converged();
        observed.access_log_group = Some(LogGroupState {
            retention_days: Some(14),
        });
        observed.apis[0].execution_log_group = Some(LogGroupState {
            retention_days: None,
        });
        let mut duplicate = api("dup456", 200);
        duplicate.execution_log_group = Some(LogGroupState {
            retention_days: None,
        });
        observed.apis.push(duplicate);
        let changes = plan_destroy(&desired().names, &observed);
        let deleted: Vec<String> = changes.iter().map(ToString::to_string).collect();
        assert_eq!(
            &deleted[4..],
            [
                "- delete log group /aws/apigateway/FAQ-API/myDeployment",
                "- delete log group API-Gateway-Execution-Logs_abc123/myDeployment",
                "- delete log group API-Gateway-Execution-Logs_dup456/myDeployment"
            ]
        );
    }

    #[test]
    fn api_gateways_own_log_groups_get_a_retention_and_leave_with_a_duplicate() {
        let mut observed = converged();
        observed.apis[0].execution_log_group = Some(LogGroupState {
            retention_days: None,
        });
        let mut duplicate = api("dup456", 200);
        duplicate.execution_log_group = Some(LogGroupState {
            retention_days: Some(14),
        });
        observed.apis.push(duplicate);
        let changes: Vec<String> = plan_deploy(&desired(), &observed)
            .unwrap()
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            changes,
            [
                "- delete REST API dup456 (a duplicate; the oldest is kept)",
                "- delete log group API-Gateway-Execution-Logs_dup456/myDeployment",
                "~ set retention of log group API-Gateway-Execution-Logs_abc123/myDeployment to 14 days",
            ]
        );
        observed.apis.pop();
        observed.apis[0].execution_log_group = Some(LogGroupState {
            retention_days: Some(14),
        });
        assert!(plan_deploy(&desired(), &observed).unwrap().is_empty());
    }

    fn with_origins(origins: &[&str]) -> Desired {
        let mut wanted = desired();
        wanted.cors_origins =
            CorsOrigins::parse(&origins.iter().map(|o| o.to_string()).collect::<Vec<_>>()).unwrap();
        wanted
    }

    /// `converged()` with CORS on for `wanted`'s origins, and another variable of the user's.
    fn converged_with_cors(wanted: &Desired) -> Observed {
        let mut observed = converged();
        let function = observed.function.as_mut().unwrap();
        function.environment = BTreeMap::from([
            ("THEIRS".to_string(), "kept".to_string()),
            (CORS_ENV.to_string(), wanted.cors_origins.to_env()),
        ]);
        let environment = function.environment.clone();
        for version in &mut function.versions {
            version.environment = environment.clone();
        }
        observed.apis[0].preflight = Some(Preflight::wanted(&wanted.cors_origins));
        observed
    }

    #[test]
    fn cors_adds_the_preflight_and_the_functions_variable_then_redeploys_as_a_no_op() {
        let wanted = with_origins(&["https://www.example.com"]);
        let changes = plan_deploy(&wanted, &converged()).unwrap();
        assert_eq!(
            operations(&changes),
            [
                "UpdateFunctionConfiguration",
                "PublishVersion",
                "Invoke",
                "UpdateAlias",
                "PutMethod",
                "PutIntegration",
                "PutMethodResponse",
                "PutIntegrationResponse",
                "CreateDeployment"
            ]
        );
        assert_eq!(
            changes[0],
            Change::UpdateFunctionConfiguration {
                name: "FAQ".into(),
                fields: vec!["cors origins"],
                environment: Some(BTreeMap::from([(
                    CORS_ENV.to_string(),
                    "https://www.example.com".to_string()
                )])),
            }
        );
        assert_eq!(
            changes[7].to_string(),
            "~ answer the preflight for origin https://www.example.com (methods GET,OPTIONS)"
        );
        assert!(plan(&wanted, &converged_with_cors(&wanted)).is_empty());
        // A cold deploy makes the preflight with the API, before its first deployment.
        let cold = plan(&wanted, &Observed::default());
        let put_method = cold.iter().position(|o| *o == "PutIntegrationResponse");
        let deploy = cold.iter().position(|o| *o == "CreateDeployment");
        assert!(put_method < deploy, "{cold:?}");
    }

    #[test]
    fn other_origins_make_the_preflight_again_and_keep_the_users_variables() {
        let before = with_origins(&["https://www.example.com"]);
        let after = with_origins(&["https://www.example.com", "http://localhost:8080"]);
        let changes = plan_deploy(&after, &converged_with_cors(&before)).unwrap();
        assert_eq!(
            operations(&changes),
            [
                "UpdateFunctionConfiguration",
                "PublishVersion",
                "Invoke",
                "UpdateAlias",
                "DeleteMethod",
                "PutMethod",
                "PutIntegration",
                "PutMethodResponse",
                "PutIntegrationResponse",
                "CreateDeployment"
            ]
        );
        let Change::UpdateFunctionConfiguration { environment, .. } = &changes[0] else {
            panic!("{changes:?}")
        };
        assert_eq!(
            environment.as_ref().unwrap(),
            &BTreeMap::from([
                ("THEIRS".to_string(), "kept".to_string()),
                (
                    CORS_ENV.to_string(),
                    "http://localhost:8080,https://www.example.com".to_string()
                ),
            ])
        );
        // A preflight a deploy left half-made (no integration yet) is made again too.
        let mut half = converged_with_cors(&before);
        half.apis[0].preflight.as_mut().unwrap().integration_type = None;
        half.apis[0]
            .preflight
            .as_mut()
            .unwrap()
            .integration_responses
            .clear();
        assert_eq!(
            plan(&before, &half),
            [
                "DeleteMethod",
                "PutMethod",
                "PutIntegration",
                "PutMethodResponse",
                "PutIntegrationResponse",
                "CreateDeployment"
            ]
        );
    }

    #[test]
    fn a_deploy_without_origins_removes_cors() {
        let before = with_origins(&["*"]);
        let changes = plan_deploy(&desired(), &converged_with_cors(&before)).unwrap();
        assert_eq!(
            operations(&changes),
            [
                "UpdateFunctionConfiguration",
                "PublishVersion",
                "Invoke",
                "UpdateAlias",
                "DeleteMethod",
                "CreateDeployment"
            ]
        );
        let Change::UpdateFunctionConfiguration { environment, .. } = &changes[0] else {
            panic!("{changes:?}")
        };
        assert_eq!(
            environment.as_ref().unwrap(),
            &BTreeMap::from([("THEIRS".to_string(), "kept".to_string())])
        );
        assert_eq!(
            changes[4].to_string(),
            "- delete method OPTIONS / (the CORS preflight; no --cors-origin)"
        );
    }

    #[test]
    fn the_preflight_allows_one_origin_statically_and_several_by_template() {
        let header = |p: &Preflight, name: &str| {
            p.integration_responses["200"]
                .parameters
                .get(&format!("method.response.header.{name}"))
                .cloned()
        };
        let one = Preflight::wanted(&with_origins(&["https://a.example"]).cors_origins);
        assert_eq!(
            header(&one, "Access-Control-Allow-Origin").as_deref(),
            Some("'https://a.example'")
        );
        assert_eq!(header(&one, "Vary").as_deref(), Some("'Origin'"));
        assert!(one.integration_responses["200"].templates.is_empty());
        let any = Preflight::wanted(&with_origins(&["*"]).cors_origins);
        assert_eq!(
            header(&any, "Access-Control-Allow-Origin").as_deref(),
            Some("'*'")
        );
        assert_eq!(header(&any, "Vary"), None);
        let two = Preflight::wanted(
            &with_origins(&["https://a.example", "https://b.example"]).cors_origins,
        );
        assert_eq!(header(&two, "Access-Control-Allow-Origin"), None);
        assert_eq!(
            two.integration_responses["200"].templates["application/json"],
            "#set($origin = $input.params(\"Origin\"))\n#if($origin == \"https://a.example\" || $origin == \"https://b.example\")\n#set($context.responseOverride.header.Access-Control-Allow-Origin = $origin)\n#end\n"
        );
        // Every header the integration response maps is declared on the method response.
        for preflight in [one, any, two] {
            let declared = &preflight.method_responses["200"];
            for name in preflight.integration_responses["200"].parameters.keys() {
                assert!(declared.contains_key(name), "{name}");
            }
        }
    }

    // Cases mutation testing (scripts/mutants) found no test noticing.

    #[test]
    fn api_logging_counts_as_on_when_either_execution_or_access_logs_are() {
        let with = |level: Option<&str>, access: bool| StageState {
            logging_level: level.map(String::from),
            access_log_destination: access.then(|| "arn:aws:logs:…:log-group:x".to_string()),
            ..StageState::new(None)
        };
        assert!(!with(None, false).logging_on());
        assert!(!with(Some("OFF"), false).logging_on());
        assert!(with(Some("INFO"), false).logging_on());
        assert!(with(Some("ERROR"), false).logging_on());
        assert!(with(Some("OFF"), true).logging_on());
        assert!(with(None, true).logging_on());
    }

    /// Execution logging turned off by hand (in the console) while access logs stay on: API
    /// logging is still on, so a deploy without --api-logs turns execution logging back on
    /// rather than removing the access logs.
    #[test]
    fn access_logs_on_with_execution_logging_off_keep_api_logs_on() {
        let mut observed = converged();
        observed.apis[0].stage = Some(StageState {
            logging_level: Some("OFF".into()),
            ..stage(true)
        });
        observed.account_cloudwatch_role = Some("arn:aws:iam::123456789012:role/apigw-logs".into());
        observed.access_log_group = Some(LogGroupState {
            retention_days: Some(14),
        });
        assert_eq!(
            plan_deploy(&desired(), &observed).unwrap(),
            [Change::UpdateStage {
                stage: "myDeployment".into(),
                fields: vec!["logging"],
                logs: true,
                remove_access_log: false
            }]
        );
    }

    /// With API logs on: each part that drifted is set again, and only that part.
    #[test]
    fn each_api_logging_drift_is_repaired_by_its_own_call() {
        type Drift = fn(&mut Observed, &mut Desired);
        let cases: Vec<(&str, Drift, Vec<String>)> = vec![
            (
                "data trace turned on by hand",
                |o, _| o.apis[0].stage.as_mut().unwrap().data_trace = Some(true),
                vec!["~ update stage myDeployment (logging)".into()],
            ),
            (
                "access logs sent to another group",
                |o, _| {
                    o.apis[0].stage.as_mut().unwrap().access_log_destination =
                        Some("arn:aws:logs:us-east-1:123456789012:log-group:elsewhere".into())
                },
                vec!["~ update stage myDeployment (access logs)".into()],
            ),
            (
                "access log format changed by hand",
                |o, _| {
                    o.apis[0].stage.as_mut().unwrap().access_log_format =
                        Some("$context.requestId".into())
                },
                vec!["~ update stage myDeployment (access logs)".into()],
            ),
            (
                "access log group retention changed",
                |o, _| {
                    o.access_log_group = Some(LogGroupState {
                        retention_days: Some(30),
                    })
                },
                vec!["~ set retention of log group /aws/apigateway/FAQ-API/myDeployment to 14 days".into()],
            ),
            (
                "the account role asked for is already set",
                |_, d| {
                    d.apigw_logs_role_arn = Some("arn:aws:iam::123456789012:role/apigw-logs".into())
                },
                vec![],
            ),
            (
                "another account role asked for",
                |_, d| {
                    d.apigw_logs_role_arn = Some("arn:aws:iam::123456789012:role/other".into())
                },
                vec!["~ set API Gateway's account CloudWatch role to arn:aws:iam::123456789012:role/other".into()],
            ),
        ];
        for (drift, apply, expected) in cases {
            let mut observed = converged();
            observed.apis[0].stage = Some(stage(true));
            observed.account_cloudwatch_role =
                Some("arn:aws:iam::123456789012:role/apigw-logs".into());
            observed.access_log_group = Some(LogGroupState {
                retention_days: Some(14),
            });
            let mut wanted = desired();
            apply(&mut observed, &mut wanted);
            let changes: Vec<String> = plan_deploy(&wanted, &observed)
                .unwrap()
                .iter()
                .map(ToString::to_string)
                .collect();
            assert_eq!(changes, expected, "{drift}");
        }
    }

    /// The unqualified function's statement goes only in the deploy that moves the stage from
    /// the unqualified function to the alias; a deploy that redeploys the API for another
    /// reason leaves it alone.
    #[test]
    fn an_unqualified_permission_is_removed_only_by_a_migration() {
        let mut observed = converged();
        observed.permission = observed.alias_permission.clone();
        observed.apis[0].method = None;
        assert_eq!(
            plan(&desired(), &observed),
            [
                "PutMethod",
                "PutIntegration",
                "PutMethodResponse",
                "CreateDeployment"
            ]
        );
        // Migrating, but the unqualified statement is gone already: nothing to remove.
        let mut observed = converged();
        observed.apis[0].integration.as_mut().unwrap().uri =
            Location::new("us-east-1").integration_uri(FUNCTION_ARN);
        assert_eq!(
            plan(&desired(), &observed),
            ["PutIntegration", "CreateDeployment"]
        );
    }

    #[test]
    fn a_permission_for_another_principal_or_action_is_made_again() {
        type Drift = fn(&mut PermissionState);
        let cases: Vec<(&str, Drift)> = vec![
            ("another principal", |p| {
                p.principal = Some("events.amazonaws.com".into())
            }),
            ("another action", |p| {
                p.action = Some("lambda:GetFunction".into())
            }),
            ("no source ARN", |p| p.source_arn = None),
        ];
        for (drift, apply) in cases {
            let mut observed = converged();
            apply(observed.alias_permission.as_mut().unwrap());
            assert_eq!(
                plan_deploy(&desired(), &observed).unwrap(),
                [
                    Change::RemovePermission {
                        name: "FAQ".into(),
                        qualifier: Some("live".into())
                    },
                    Change::AddPermission {
                        name: "FAQ".into(),
                        qualifier: Some("live".into())
                    }
                ],
                "{drift}"
            );
        }
    }

    #[test]
    fn an_integration_of_another_type_or_method_is_put_again() {
        type Drift = fn(&mut IntegrationState);
        let cases: Vec<(&str, Drift)> = vec![
            ("type AWS", |i| i.kind = "AWS".into()),
            ("method GET", |i| i.http_method = "GET".into()),
        ];
        for (drift, apply) in cases {
            let mut observed = converged();
            apply(observed.apis[0].integration.as_mut().unwrap());
            assert_eq!(
                plan(&desired(), &observed),
                ["PutIntegration", "CreateDeployment"],
                "{drift}"
            );
        }
    }

    // ---- plan_prune: which versions go beyond --keep-versions -----------------------------
    // Never the version the alias will name or names now (nor one it routes to), and never the
    // one `faqctl rollback` would go back to once the alias has moved, as the history in the
    // alias' description tells it.

    /// The versions a plan deletes, in order.
    fn pruned(changes: &[Change]) -> Vec<u64> {
        changes
            .iter()
            .filter_map(|c| match c {
                Change::DeleteVersion { version, .. } => Some(*version),
                _ => None,
            })
            .collect()
    }

    /// Versions 1..=newest of the same configuration, each made live in turn up to `live`,
    /// where the alias is.
    fn with_versions(newest: u64, live: u64) -> Observed {
        let mut observed = converged();
        let function = observed.function.as_mut().unwrap();
        function.versions = (1..newest).map(|n| version(n, "old-sha")).collect();
        function.versions.push(version(newest, "new-sha"));
        let alias = observed.alias.as_mut().unwrap();
        alias.version = live.to_string();
        alias.history = (1..=live).fold(Ledger::default(), |history, v| {
            history.with(Event::new(v, Kind::Live, v, None))
        });
        observed
    }

    #[test]
    fn prune_spares_the_version_before_the_live_one_when_it_is_next_in_line() {
        let mut wanted = desired();
        wanted.keep_versions = 1;
        // 5 is live, 4 is what rollback goes to: only 1, 2 and 3 go, though that keeps 2.
        let changes = plan_deploy(&wanted, &with_versions(5, 5)).unwrap();
        assert_eq!(pruned(&changes), [1, 2, 3]);
        assert_eq!(
            changes[0].to_string(),
            "- delete version 1 of function FAQ (beyond --keep-versions 1)"
        );
    }

    #[test]
    fn prune_spares_the_live_version_when_publishing_a_new_one() {
        let mut wanted = desired();
        wanted.keep_versions = 2;
        wanted.code_sha256 = "newest".into();
        // 3 (live until the alias moves) becomes what rollback goes to; with the new one that
        // makes 2 kept.
        let changes = plan_deploy(&wanted, &with_versions(3, 3)).unwrap();
        assert_eq!(pruned(&changes), [1, 2]);
    }

    #[test]
    fn prune_deletes_nothing_within_the_limit_or_when_only_protected_versions_are_over_it() {
        let mut wanted = desired();
        wanted.keep_versions = 3;
        assert!(pruned(&plan_deploy(&wanted, &with_versions(3, 3)).unwrap()).is_empty());
        // One over the limit, but 1 is what rollback goes to and 2 is live.
        wanted.keep_versions = 1;
        assert!(pruned(&plan_deploy(&wanted, &with_versions(2, 2)).unwrap()).is_empty());
        // The alias going to 2 again (what the project wants) from 4: 2 is to be live, 4 (live
        // until the alias moves) is what rollback then goes back to; 1 and 3 go.
        let mut observed = with_versions(4, 4);
        let function = observed.function.as_mut().unwrap();
        function.versions[1].code_sha256 = "new-sha".into();
        function.versions[2].code_sha256 = "other-sha".into();
        function.versions[3].code_sha256 = "other-sha".into();
        let changes = plan_deploy(&wanted, &observed).unwrap();
        assert_eq!(
            operations(&changes),
            ["Invoke", "UpdateAlias", "DeleteFunction", "DeleteFunction"]
        );
        assert_eq!(pruned(&changes), [1, 3]);
    }
    #[test]
    fn prune_protects_the_rollback_target_that_still_exists() {
        // History 1, 2, 4 live; version 2 is gone: rollback from 4 would go to 1, so 3 goes.
        let mut observed = with_versions(4, 4);
        let function = observed.function.as_mut().unwrap();
        function.versions.retain(|v| v.number != 2);
        observed.alias.as_mut().unwrap().history = Ledger::parse("faqctl history: 1L1 2L2 4L4");
        let mut wanted = desired();
        wanted.keep_versions = 1;
        assert_eq!(pruned(&plan_deploy(&wanted, &observed).unwrap()), [3]);
    }
    // ---- end of plan_prune ---------------------------------------------------------------

    fn keyed(rate_burst: Option<(u32, u32)>, quota: Option<Quota>) -> Desired {
        let mut wanted = desired();
        wanted.api_keys = ApiKeySettings {
            required: Some(true),
            throttle: rate_burst,
            quota,
        };
        wanted
    }

    #[test]
    fn api_keys_require_the_method_then_a_usage_plan_bound_to_the_stage() {
        let quota: Quota = "100/day".parse().unwrap();
        let wanted = keyed(Some((5, 10)), Some(quota));
        let changes = plan_deploy(&wanted, &converged()).unwrap();
        assert_eq!(
            changes,
            vec![
                Change::SetApiKeyRequired { required: true },
                Change::CreateDeployment {
                    stage: "myDeployment".into()
                },
                Change::CreateUsagePlan {
                    name: "FAQ-API-myDeployment".into()
                },
            ]
        );

        // Made as wanted: nothing to do, and `None`s keep what is deployed.
        let mut observed = converged();
        observed.apis[0].method.as_mut().unwrap().api_key_required = true;
        observed.usage_plan = Some(UsagePlanState {
            id: "plan01".into(),
            stages: vec![("abc123".into(), "myDeployment".into())],
            throttle: Some((5000, 10)),
            quota: Some((100, "DAY".into())),
            keys: vec![],
        });
        assert_eq!(plan_deploy(&wanted, &observed).unwrap(), vec![]);
        assert_eq!(plan_deploy(&keyed(None, None), &observed).unwrap(), vec![]);
        let mut kept = desired();
        kept.api_keys.required = None;
        assert_eq!(plan_deploy(&kept, &observed).unwrap(), vec![]);

        // Another quota, a plan that lost its stage: one update names both.
        let other = keyed(None, Some("1000/month".parse().unwrap()));
        let mut unbound = observed.clone();
        unbound.usage_plan.as_mut().unwrap().stages.clear();
        assert_eq!(
            plan_deploy(&other, &unbound).unwrap(),
            vec![Change::UpdateUsagePlan {
                id: "plan01".into(),
                fields: vec!["stage", "quota"],
            }]
        );

        // Turned off: the method stops requiring a key; the plan (and its keys) stay.
        let mut off = desired();
        off.api_keys.required = Some(false);
        assert_eq!(
            plan_deploy(&off, &observed).unwrap(),
            vec![
                Change::SetApiKeyRequired { required: false },
                Change::CreateDeployment {
                    stage: "myDeployment".into()
                },
            ]
        );
    }

    #[test]
    fn destroy_removes_faqctls_keys_then_frees_and_deletes_the_plan_before_the_api() {
        let mut observed = converged();
        observed.usage_plan = Some(UsagePlanState {
            id: "plan01".into(),
            stages: vec![("abc123".into(), "myDeployment".into())],
            throttle: None,
            quota: None,
            keys: vec!["key1".into()],
        });
        let changes = plan_destroy(&desired().names, &observed);
        let head: Vec<&Change> = changes.iter().take(3).collect();
        assert_eq!(
            head,
            vec![
                &Change::DeleteApiKey { id: "key1".into() },
                &Change::UnbindUsagePlan {
                    id: "plan01".into(),
                    stages: vec![("abc123".into(), "myDeployment".into())],
                },
                &Change::DeleteUsagePlan {
                    id: "plan01".into()
                },
            ]
        );
    }

    #[test]
    fn iam_authorization_is_set_on_the_get_method_and_back_to_open() {
        let mut iam = desired();
        iam.auth = Auth::Iam;
        assert_eq!(
            plan_deploy(&iam, &converged()).unwrap(),
            vec![
                Change::UpdateMethod {
                    from: "NONE".into(),
                    to: "AWS_IAM"
                },
                Change::PutIntegration,
                Change::CreateDeployment {
                    stage: "myDeployment".into()
                },
            ]
        );
        let mut secured = converged();
        secured.apis[0].method.as_mut().unwrap().authorization = "AWS_IAM".into();
        assert_eq!(plan_deploy(&iam, &secured).unwrap(), vec![]);
        let cold = plan_deploy(&iam, &Observed::default()).unwrap();
        assert!(
            cold.contains(&Change::PutMethod {
                authorization: "AWS_IAM"
            }),
            "{cold:?}"
        );
    }

    #[test]
    fn a_custom_domain_is_made_then_mapped_and_repointed_and_destroy_unmaps_it_first() {
        let mut wanted = desired();
        wanted.domain = Some(DomainSettings {
            name: "faq.example.com".into(),
            certificate_arn: "arn:aws:acm:us-east-1:123456789012:certificate/abc".into(),
            base_path: NO_BASE_PATH.into(),
        });
        assert_eq!(
            plan_deploy(&wanted, &converged()).unwrap(),
            vec![
                Change::CreateDomainName {
                    name: "faq.example.com".into()
                },
                Change::CreateBasePathMapping {
                    domain: "faq.example.com".into(),
                    base_path: NO_BASE_PATH.into()
                },
            ]
        );
        let mut observed = converged();
        let mut domain = DomainState {
            name: "faq.example.com".into(),
            certificate_arn: Some("arn:aws:acm:us-east-1:123456789012:certificate/abc".into()),
            regional_domain_name: Some("d-abc.execute-api.us-east-1.amazonaws.com".into()),
            hosted_zone_id: Some("Z1UJRXOUMOOFQ8".into()),
            managed: true,
            mappings: BTreeMap::from([(
                NO_BASE_PATH.to_string(),
                ("abc123".to_string(), "myDeployment".to_string()),
            )]),
        };
        observed.domains = vec![domain.clone()];
        assert_eq!(plan_deploy(&wanted, &observed).unwrap(), vec![]);
        domain.mappings.insert(
            NO_BASE_PATH.into(),
            ("other".to_string(), "myDeployment".to_string()),
        );
        observed.domains = vec![domain.clone()];
        assert_eq!(
            plan_deploy(&wanted, &observed).unwrap(),
            vec![Change::UpdateBasePathMapping {
                domain: "faq.example.com".into(),
                base_path: NO_BASE_PATH.into()
            }]
        );
        // A certificate of another region is refused before any call.
        let mut elsewhere = wanted.clone();
        elsewhere.domain.as_mut().unwrap().certificate_arn =
            "arn:aws:acm:eu-west-1:123456789012:certificate/abc".into();
        assert!(matches!(
            plan_deploy(&elsewhere, &converged()),
            Err(PlanError::CertificateRegion { .. })
        ));
        // Destroy: the mapping to the API before the API, then the domain faqctl made.
        domain.mappings.insert(
            NO_BASE_PATH.into(),
            ("abc123".to_string(), "myDeployment".to_string()),
        );
        observed.domains = vec![domain];
        let changes = plan_destroy(&wanted.names, &observed);
        assert_eq!(
            changes[..2],
            [
                Change::DeleteBasePathMapping {
                    domain: "faq.example.com".into(),
                    base_path: NO_BASE_PATH.into()
                },
                Change::DeleteDomainName {
                    name: "faq.example.com".into()
                },
            ]
        );
    }

    #[test]
    fn a_cache_is_turned_on_with_its_price_and_off_again() {
        let mut cached = desired();
        cached.cache_ttl = Some(300);
        let changes = plan_deploy(&cached, &converged()).unwrap();
        assert_eq!(
            changes,
            vec![Change::SetStageCache {
                stage: "myDeployment".into(),
                ttl: 300,
                region: "us-east-1".into()
            }]
        );
        assert!(changes[0]
            .to_string()
            .contains("$0.020 an hour in us-east-1"));
        let mut observed = converged();
        let stage = observed.apis[0].stage.as_mut().unwrap();
        stage.cache_cluster = Some("0.5".into());
        stage.cache_ttl = Some(300);
        assert_eq!(plan_deploy(&cached, &observed).unwrap(), vec![]);
        let mut off = desired();
        off.cache_ttl = Some(0);
        assert!(matches!(
            plan_deploy(&off, &observed).unwrap()[..],
            [Change::SetStageCache { ttl: 0, .. }]
        ));
        assert_eq!(plan_deploy(&off, &converged()).unwrap(), vec![]);
        assert!(cache_price("eu-west-1").contains("aws.amazon.com/api-gateway/pricing"));
    }
}
