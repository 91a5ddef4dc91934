//! The caller's permissions, as IAM would judge them: what each request needs (action and
//! resource, as AWS's Service Authorization Reference lists them) against an identity policy
//! the local cloud is given (`--iam-policy`, `POST /_faqctl/iam`) and actions it is told to deny
//! (`--deny`, `POST /_faqctl/denied`). With neither, everything is allowed, as before.
//!
//! A refusal has each service's own shape: Lambda and API Gateway answer 403
//! `AccessDeniedException`, CloudWatch Logs 400 `AccessDeniedException` (awsJson1.1), each with
//! IAM's sentence "User: … is not authorized to perform: ACTION on resource: ARN because no
//! identity-based policy allows the ACTION action". GetFunction withholds `Tags` (and answers
//! `TagsError`) from a caller without `lambda:ListTags`, as Lambda's model documents.
//! Supported policy elements: Effect, Action, Resource (strings or lists, `*` and `?`);
//! anything else (NotAction, Condition, …) is refused when the policy is set, never ignored.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::time::SystemTime;

use axum::http::{HeaderMap, Method};
use axum::response::Response;
use serde_json::Value;

use super::arns::{account, arn, partition, DEFAULT_ACCOUNT};
use super::faults::Service;
use super::shapes::apigateway::ErrorCode as ApiGatewayError;
use super::shapes::cloudwatch::ErrorCode as CloudWatchError;
use super::shapes::lambda::ErrorCode as LambdaError;
use super::shapes::logs::ErrorCode as LogsError;
use super::wire::{apigateway_error, decode_segment, json11_error, lambda_error};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    allow: bool,
    actions: Vec<String>,
    resources: Vec<String>,
}

#[derive(Debug, Default)]
struct Rules {
    /// The local identity's policy; `None` allows everything not denied.
    policy: Option<Vec<Statement>>,
    /// Actions denied whatever the policy says.
    denied: Vec<String>,
    /// IAM roles (iam:CreateRole), by name.
    roles: BTreeMap<String, Role>,
    /// Role sessions (sts:AssumeRole), by access key id.
    sessions: HashMap<String, Session>,
    /// Long-term credentials the local identity signs with beyond the defaults (`faqctl
    /// local --credentials`): access key id → secret.
    credentials: BTreeMap<String, String>,
}

/// The long-term credentials the local identity signs with unless told otherwise: faqctl's
/// own (`--local`) and moto's, which most tools default to.
pub const DEFAULT_CREDENTIALS: [(&str, &str); 2] = [("test", "test"), ("testing", "testing")];

/// An IAM role: who may assume it (its trust policy) and what its sessions may do (its inline
/// policies, iam:PutRolePolicy). Kept in memory: roles do not outlive the local cloud.
#[derive(Debug, Clone)]
pub struct Role {
    pub name: String,
    pub path: String,
    pub id: String,
    /// The trust policy as it was sent.
    pub trust: String,
    trusted: Vec<Trust>,
    pub description: Option<String>,
    pub max_session_seconds: u32,
    pub created: SystemTime,
    pub tags: Vec<(String, String)>,
    /// Inline policies: name, then the document as sent and as parsed.
    pub policies: BTreeMap<String, (String, Vec<Statement>)>,
}

/// One Allow or Deny statement of a trust policy.
#[derive(Debug, Clone)]
struct Trust {
    allow: bool,
    actions: Vec<String>,
    /// `Principal: {"AWS": …}` (or `"*"`); services (`{"Service": …}`) never match a caller here.
    principals: Vec<String>,
}

/// Temporary credentials a role session was issued.
#[derive(Debug, Clone)]
struct Session {
    role: String,
    /// The role's id when the session began: a role deleted and made again under the same
    /// name is another role, whose policies the old session does not get.
    role_id: String,
    name: String,
    token: String,
    /// The secret it signs with.
    secret: String,
    expires: SystemTime,
    /// A function's execution environment's session: the function's account (its role is
    /// not one of `roles`).
    execution: Option<std::sync::Arc<str>>,
}

/// Who signed a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// The local cloud's own identity (any long-term key, e.g. `testing`): judged by the
    /// policy it is given (`--iam-policy`), everything allowed without one.
    Local,
    /// A session of an IAM role (sts:AssumeRole): judged by the role's inline policies.
    Session {
        role: String,
        role_id: String,
        name: String,
    },
    /// A function's execution role, as Lambda gives each execution environment a session
    /// of it (named for the function) in the function's account: judged as the local
    /// identity is (the local cloud keeps no execution role's policies).
    Execution {
        account: std::sync::Arc<str>,
        role: String,
        role_id: String,
        name: String,
    },
}

impl Caller {
    /// Its ARN, as IAM's refusals and sts:GetCallerIdentity name it.
    pub fn arn(&self, partition: &str) -> String {
        let (role, name) = match self {
            Caller::Local => ("faqctl-local", "faqctl"),
            Caller::Session { role, name, .. } | Caller::Execution { role, name, .. } => {
                (role.as_str(), name.as_str())
            }
        };
        let account = self.account();
        if *self == Caller::Local && &*account != DEFAULT_ACCOUNT {
            // An account's own key (12 digits) signs as the account, LocalStack's way.
            return format!("arn:{partition}:iam::{account}:root");
        }
        format!("arn:{partition}:sts::{account}:assumed-role/{role}/{name}")
    }

    /// Its account: a role session's is its role's (the roles are the default account's), the
    /// local identity's the one its access key names (`arns::account_key`), which the request
    /// runs as.
    pub fn account(&self) -> std::sync::Arc<str> {
        match self {
            Caller::Local => account(),
            Caller::Session { .. } => super::arns::default_account(),
            Caller::Execution { account, .. } => account.clone(),
        }
    }

    /// The account that signed `headers`: a role session's role's, else the account the
    /// access key names (not the one the request may have moved to: a stage URL or a
    /// function URL of another account runs as that account's).
    pub fn signer_account(&self, headers: &HeaderMap) -> std::sync::Arc<str> {
        match self {
            Caller::Local => account_of(headers),
            Caller::Session { .. } => super::arns::default_account(),
            Caller::Execution { account, .. } => account.clone(),
        }
    }

    /// Its unique id as API Gateway's `requestContext.identity.caller` gives it: the role's id
    /// and the session's name.
    pub fn unique_id(&self) -> String {
        match self {
            Caller::Local => "AROAFAQCTLLOCALIDENTITY:faqctl".to_string(),
            Caller::Session { role_id, name, .. } | Caller::Execution { role_id, name, .. } => {
                format!("{role_id}:{name}")
            }
        }
    }

    /// The role its session belongs to, as a trust policy names it (the local identity's and
    /// the sessions' roles are the default account's).
    fn role_arn(&self, partition: &str) -> String {
        let (account, role) = match self {
            Caller::Local => (DEFAULT_ACCOUNT, "faqctl-local"),
            Caller::Session { role, .. } => (DEFAULT_ACCOUNT, role.as_str()),
            Caller::Execution { account, role, .. } => (&**account, role.as_str()),
        };
        format!("arn:{partition}:iam::{account}:role/{role}")
    }
}

/// The access key id a request's SigV4 `Authorization` names (`Credential=KEY/…`); empty for
/// an unsigned request.
fn access_key(headers: &HeaderMap) -> &str {
    headers
        .get("authorization")
        .and_then(|h| h.to_str().ok())
        .and_then(|auth| auth.split("Credential=").nth(1))
        .and_then(|credential| credential.split('/').next())
        .unwrap_or_default()
}

/// The account a request is signed as: the one its access key id names when that is 12 digits
/// (as LocalStack takes it: `000000000002`), the default account for any other key (the
/// default credentials, `--credentials`' keys, role sessions, whose roles are the default
/// account's) and for an unsigned request.
pub fn account_of(headers: &HeaderMap) -> std::sync::Arc<str> {
    let key = access_key(headers);
    if super::arns::account_key(key) {
        key.into()
    } else {
        super::arns::default_account()
    }
}

/// Why a request's credentials were not taken: an error code and IAM's sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadCredentials {
    pub code: &'static str,
    pub message: std::borrow::Cow<'static, str>,
}

const INVALID_TOKEN: BadCredentials = BadCredentials {
    code: "UnrecognizedClientException",
    message: std::borrow::Cow::Borrowed("The security token included in the request is invalid."),
};

#[derive(Debug, Default)]
pub struct Iam {
    rules: Mutex<Rules>,
}

/// One thing a request needs: an action on a resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Need {
    pub action: String,
    pub resource: String,
}

fn need(action: &str, resource: String) -> Need {
    Need {
        action: action.to_string(),
        resource,
    }
}

impl Iam {
    fn rules(&self) -> std::sync::MutexGuard<'_, Rules> {
        self.rules.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Sets the caller's identity policy (an IAM policy document).
    pub fn set_policy(&self, document: &str) -> Result<(), String> {
        let statements = parse_policy(document)?;
        self.rules().policy = Some(statements);
        Ok(())
    }

    /// Adds actions to deny (`lambda:ListTags,apigateway:GET`).
    pub fn deny(&self, actions: &str) -> Result<(), String> {
        let mut parsed = Vec::new();
        for action in actions
            .split([',', '\n', ' '])
            .map(str::trim)
            .filter(|a| !a.is_empty())
        {
            check_action(action)?;
            parsed.push(action.to_string());
        }
        self.rules().denied.extend(parsed);
        Ok(())
    }

    /// Adds long-term credentials the local identity may sign with.
    pub fn add_credentials(&self, pairs: impl IntoIterator<Item = (String, String)>) {
        self.rules().credentials.extend(pairs);
    }

    /// The secret an access key id signs with: a session's, or long-term credentials' (the
    /// defaults and those added); `None` for a key the local cloud does not know.
    pub fn secret(&self, access_key: &str) -> Option<String> {
        let rules = self.rules();
        if let Some(session) = rules.sessions.get(access_key) {
            return Some(session.secret.clone());
        }
        rules.credentials.get(access_key).cloned().or_else(|| {
            DEFAULT_CREDENTIALS
                .iter()
                .find(|(key, _)| *key == access_key)
                .map(|(_, secret)| secret.to_string())
        })
    }

    /// Back to allowing the local identity everything (roles and sessions stay).
    pub fn clear(&self) {
        let mut rules = self.rules();
        rules.policy = None;
        rules.denied.clear();
    }

    /// Who signed a request: a role session, by the access key id in its `Authorization`
    /// (with the session token it was issued in `X-Amz-Security-Token`), or the local identity.
    /// A temporary key (`ASIA…`) the local cloud never issued, a wrong token or an expired
    /// session is refused, as AWS refuses them.
    pub fn caller(&self, headers: &HeaderMap) -> Result<Caller, BadCredentials> {
        let key = access_key(headers);
        let token = headers
            .get("x-amz-security-token")
            .and_then(|h| h.to_str().ok());
        let rules = self.rules();
        let Some(session) = rules.sessions.get(key) else {
            return if key.starts_with("ASIA") {
                Err(INVALID_TOKEN)
            } else {
                Ok(Caller::Local)
            };
        };
        if token != Some(session.token.as_str()) {
            return Err(INVALID_TOKEN);
        }
        if session.expires <= SystemTime::now() {
            return Err(BadCredentials {
                code: "ExpiredTokenException",
                message: "The security token included in the request is expired".into(),
            });
        }
        if let Some(account) = &session.execution {
            return Ok(Caller::Execution {
                account: account.clone(),
                role: session.role.clone(),
                role_id: session.role_id.clone(),
                name: session.name.clone(),
            });
        }
        Ok(Caller::Session {
            role: session.role.clone(),
            role_id: session.role_id.clone(),
            name: session.name.clone(),
        })
    }

    /// A copy of a role.
    pub fn role(&self, name: &str) -> Option<Role> {
        self.rules().roles.get(name).cloned()
    }

    pub fn roles(&self) -> Vec<Role> {
        self.rules().roles.values().cloned().collect()
    }

    /// Creates a role (iam:CreateRole); `Err` names what is wrong with its trust policy.
    pub fn create_role(
        &self,
        name: &str,
        path: &str,
        trust: &str,
        description: Option<String>,
        max_session_seconds: u32,
        tags: Vec<(String, String)>,
    ) -> Result<Role, RoleError> {
        let trusted = parse_trust(trust).map_err(RoleError::Malformed)?;
        let mut rules = self.rules();
        if rules
            .roles
            .keys()
            .any(|existing| existing.eq_ignore_ascii_case(name))
        {
            return Err(RoleError::Exists);
        }
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        let role = Role {
            name: name.to_string(),
            path: path.to_string(),
            id: format!("AROA{}", random_from(ALPHABET, 17)),
            trust: trust.to_string(),
            trusted,
            description,
            max_session_seconds,
            created: SystemTime::now(),
            tags,
            policies: BTreeMap::new(),
        };
        rules.roles.insert(name.to_string(), role.clone());
        Ok(role)
    }

    /// Deletes a role (iam:DeleteRole), refused while it has inline policies, as IAM does.
    pub fn delete_role(&self, name: &str) -> Result<(), RoleError> {
        let mut rules = self.rules();
        match rules.roles.get(name) {
            None => Err(RoleError::NoSuchRole),
            Some(role) if !role.policies.is_empty() => Err(RoleError::HasPolicies),
            Some(_) => {
                rules.roles.remove(name);
                Ok(())
            }
        }
    }

    /// Puts an inline policy on a role (iam:PutRolePolicy).
    pub fn put_role_policy(
        &self,
        role: &str,
        policy: &str,
        document: &str,
    ) -> Result<(), RoleError> {
        let statements = parse_policy(document).map_err(RoleError::Malformed)?;
        let mut rules = self.rules();
        let role = rules.roles.get_mut(role).ok_or(RoleError::NoSuchRole)?;
        role.policies
            .insert(policy.to_string(), (document.to_string(), statements));
        Ok(())
    }

    /// Deletes a role's inline policy (iam:DeleteRolePolicy).
    pub fn delete_role_policy(&self, role: &str, policy: &str) -> Result<(), RoleError> {
        let mut rules = self.rules();
        let role = rules.roles.get_mut(role).ok_or(RoleError::NoSuchRole)?;
        role.policies
            .remove(policy)
            .map(drop)
            .ok_or(RoleError::NoSuchPolicy)
    }

    /// A session of `role` for `caller` (sts:AssumeRole), if the role's trust policy lets the
    /// caller assume it: its access key id, secret and token.
    pub fn assume_role(
        &self,
        caller: &Caller,
        partition: &str,
        role: &str,
        session: &str,
        seconds: u32,
    ) -> Result<(Role, Credentials), AssumeError> {
        let mut rules = self.rules();
        let Some(found) = rules.roles.get(role) else {
            return Err(AssumeError::NotTrusted);
        };
        let principals = [
            "*".to_string(),
            caller.account().to_string(),
            format!("arn:{partition}:iam::{}:root", caller.account()),
            caller.role_arn(partition),
            caller.arn(partition),
        ];
        let matches = |t: &Trust| {
            t.actions
                .iter()
                .any(|a| glob(&a.to_ascii_lowercase(), "sts:assumerole"))
                && t.principals.iter().any(|p| principals.contains(p))
        };
        if !found.trusted.iter().any(|t| t.allow && matches(t))
            || found.trusted.iter().any(|t| !t.allow && matches(t))
        {
            return Err(AssumeError::NotTrusted);
        }
        if seconds > found.max_session_seconds {
            return Err(AssumeError::TooLong(found.max_session_seconds));
        }
        let found = found.clone();
        let credentials = new_credentials(seconds);
        // Sessions past their time are of no use to anyone: forget them.
        let now = SystemTime::now();
        rules.sessions.retain(|_, s| s.expires > now);
        rules.sessions.insert(
            credentials.access_key_id.clone(),
            Session {
                role: role.to_string(),
                role_id: found.id.clone(),
                name: session.to_string(),
                token: credentials.session_token.clone(),
                secret: credentials.secret_access_key.clone(),
                expires: credentials.expires,
                execution: None,
            },
        );
        Ok((found, credentials))
    }

    /// A session of a function's execution role `role_arn` in `account`, as Lambda gives each
    /// execution environment: named for the function (`NAME@lambda_function` for a one-letter
    /// name, a session name being at least two characters: recorded, test_assume_role), for
    /// 12 hours (Lambda's longest); `end_session` ends it with its environment.
    pub fn open_execution_session(
        &self,
        account: std::sync::Arc<str>,
        role_arn: &str,
        function: &str,
    ) -> Credentials {
        let credentials = new_credentials(12 * 3600);
        let role = role_arn.rsplit('/').next().unwrap_or(role_arn);
        let name = if function.chars().count() < 2 {
            format!("{function}@lambda_function")
        } else {
            function.to_string()
        };
        self.rules().sessions.insert(
            credentials.access_key_id.clone(),
            Session {
                role: role.to_string(),
                role_id: role_id(role_arn),
                name,
                token: credentials.session_token.clone(),
                secret: credentials.secret_access_key.clone(),
                expires: credentials.expires,
                execution: Some(account),
            },
        );
        credentials
    }

    /// Forgets a session: its credentials are refused from now on.
    pub fn end_session(&self, access_key_id: &str) {
        self.rules().sessions.remove(access_key_id);
    }

    /// The account a request is signed as: an execution environment's session's function's,
    /// else as `account_of` says.
    pub fn account_of(&self, headers: &HeaderMap) -> std::sync::Arc<str> {
        let key = access_key(headers);
        if key.starts_with("ASIA") {
            if let Some(account) = self
                .rules()
                .sessions
                .get(key)
                .and_then(|s| s.execution.clone())
            {
                return account;
            }
        }
        account_of(headers)
    }

    pub fn describe(&self) -> Value {
        let rules = self.rules();
        serde_json::json!({
            "policy": rules.policy.as_ref().map(|statements| statements.len()),
            "denied": rules.denied,
        })
    }

    /// Whether the caller may perform `action` on `resource`: not denied, and (with a policy)
    /// allowed by a statement and denied by none. A role session has its role's inline
    /// policies, and nothing without them.
    pub fn allows(&self, caller: &Caller, action: &str, resource: &str) -> bool {
        let rules = self.rules();
        if rules
            .denied
            .iter()
            .any(|d| glob(&d.to_ascii_lowercase(), &action.to_ascii_lowercase()))
        {
            return false;
        }
        // Borrowed, not copied: this runs on every request a session signs.
        let statements: Vec<&Statement> = match caller {
            Caller::Local | Caller::Execution { .. } => match &rules.policy {
                Some(statements) => statements.iter().collect(),
                None => return true,
            },
            Caller::Session { role, role_id, .. } => rules
                .roles
                .get(role)
                .filter(|r| r.id == *role_id)
                .map(|r| r.policies.values().flat_map(|(_, s)| s).collect())
                .unwrap_or_default(),
        };
        let matches = |s: &Statement| {
            s.actions
                .iter()
                .any(|a| glob(&a.to_ascii_lowercase(), &action.to_ascii_lowercase()))
                && s.resources.iter().any(|r| glob(r, resource))
        };
        statements.iter().any(|s| s.allow && matches(s))
            && !statements.iter().any(|s| !s.allow && matches(s))
    }

    /// Whether a role this IAM knows lets a session of it perform `action` on `resource`
    /// (as API Gateway's integration `credentials` are judged); `None` for a role it does not
    /// know.
    pub fn role_allows(&self, role: &str, action: &str, resource: &str) -> Option<bool> {
        let role_id = self.rules().roles.get(role)?.id.clone();
        let caller = Caller::Session {
            role: role.to_string(),
            role_id,
            name: "apigateway".to_string(),
        };
        Some(self.allows(&caller, action, resource))
    }

    /// The first of a request's needs the caller lacks.
    pub fn missing(&self, caller: &Caller, needs: &[Need]) -> Option<Need> {
        needs
            .iter()
            .find(|n| !self.allows(caller, &n.action, &n.resource))
            .cloned()
    }
}

/// What iam:CreateRole, DeleteRole, PutRolePolicy or DeleteRolePolicy could not do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoleError {
    Exists,
    NoSuchRole,
    NoSuchPolicy,
    HasPolicies,
    Malformed(String),
}

/// Why sts:AssumeRole gave no session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AssumeError {
    /// No such role, or its trust policy does not name the caller: AWS does not say which.
    NotTrusted,
    /// More seconds than the role's maximum session duration.
    TooLong(u32),
}

/// A role session's temporary credentials.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: String,
    pub expires: SystemTime,
}

/// Fresh temporary credentials (`ASIA…`) good for `seconds`.
fn new_credentials(seconds: u32) -> Credentials {
    const KEY: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    const SECRET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    Credentials {
        access_key_id: format!("ASIA{}", random_from(KEY, 16)),
        secret_access_key: random_from(SECRET, 40),
        session_token: format!("FwoGZXIvYXdzEFAQCTL{}", random_from(SECRET, 200)),
        expires: SystemTime::now() + std::time::Duration::from_secs(u64::from(seconds)),
    }
}

/// A role's id (`AROA` and 17 characters, as IAM makes them) for a role the local cloud does
/// not keep: the same for the same ARN.
fn role_id(role_arn: &str) -> String {
    use sha2::Digest;
    const KEY: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let digest = sha2::Sha256::digest(role_arn.as_bytes());
    let id: String = digest
        .iter()
        .take(17)
        .map(|b| KEY[usize::from(*b) % KEY.len()] as char)
        .collect();
    format!("AROA{id}")
}

fn random_from(alphabet: &[u8], len: usize) -> String {
    (0..len)
        .map(|_| alphabet[fastrand::usize(..alphabet.len())] as char)
        .collect()
}

/// A trust policy: Allow or Deny statements of `sts:AssumeRole` for principals.
fn parse_trust(document: &str) -> Result<Vec<Trust>, String> {
    let mut parsed = Vec::new();
    for (allow, statement) in statements(document, "Principal", " in a trust policy")? {
        let actions = strings(&statement["Action"], "Action")?;
        let principals = match &statement["Principal"] {
            Value::String(star) if star == "*" => vec!["*".to_string()],
            Value::Object(kinds) if !kinds.is_empty() => {
                let mut aws = Vec::new();
                for (kind, value) in kinds {
                    let named = strings(value, "Principal")?;
                    match kind.as_str() {
                        "AWS" => aws.extend(named),
                        "Service" | "Federated" | "CanonicalUser" => {}
                        other => return Err(format!("Principal {other:?} is not a principal type: use AWS, Service, Federated or CanonicalUser")),
                    }
                }
                aws
            }
            _ => return Err("each trust policy statement needs a Principal".into()),
        };
        parsed.push(Trust {
            allow,
            actions,
            principals,
        });
    }
    Ok(parsed)
}

fn check_action(action: &str) -> Result<(), String> {
    match action.split_once(':') {
        Some((service, name))
            if !service.is_empty()
                && !name.is_empty()
                && action.len() <= 128
                && action
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "*?:-".contains(c)) =>
        {
            Ok(())
        }
        _ => Err(format!(
            "{action:?} is not an IAM action: expected service:Action, e.g. lambda:ListTags"
        )),
    }
}

fn strings(value: &Value, element: &str) -> Result<Vec<String>, String> {
    match value {
        Value::String(one) => Ok(vec![one.clone()]),
        Value::Array(list) if !list.is_empty() => list
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| format!("{element} must hold strings"))
            })
            .collect(),
        _ => Err(format!(
            "each statement needs {element} (a string or a list)"
        )),
    }
}

/// A policy's statements, each with whether it allows: objects of `Sid`, `Effect`, `Action`
/// and `element` (what this kind of policy names: `Resource`, or a trust policy's
/// `Principal`) only, so that nothing it cannot evaluate is ignored.
fn statements(document: &str, element: &str, kind: &str) -> Result<Vec<(bool, Value)>, String> {
    const MAX_POLICY_BYTES: usize = 64 * 1024;
    if document.len() > MAX_POLICY_BYTES {
        return Err(format!("the policy is over {MAX_POLICY_BYTES} bytes"));
    }
    let policy: Value =
        serde_json::from_str(document).map_err(|e| format!("the policy is not JSON: {e}"))?;
    let statements = match &policy["Statement"] {
        Value::Array(list) => list.clone(),
        one @ Value::Object(_) => vec![one.clone()],
        _ => return Err("the policy has no Statement".into()),
    };
    let mut parsed = Vec::new();
    for statement in statements {
        let Some(fields) = statement.as_object() else {
            return Err("each Statement must be an object".into());
        };
        if let Some(other) = fields
            .keys()
            .find(|k| !matches!(k.as_str(), "Sid" | "Effect" | "Action") && *k != element)
        {
            return Err(format!(
                "the local cloud's IAM does not evaluate {other}{kind}: use Effect, Action and {element}"
            ));
        }
        let allow = match statement["Effect"].as_str() {
            Some("Allow") => true,
            Some("Deny") => false,
            _ => return Err("each statement needs Effect Allow or Deny".into()),
        };
        parsed.push((allow, statement));
    }
    Ok(parsed)
}

fn parse_policy(document: &str) -> Result<Vec<Statement>, String> {
    let mut parsed = Vec::new();
    for (allow, statement) in statements(document, "Resource", "")? {
        let actions = strings(&statement["Action"], "Action")?;
        for action in &actions {
            if action != "*" {
                check_action(action)?;
            }
        }
        let resources = strings(&statement["Resource"], "Resource")?;
        parsed.push(Statement {
            allow,
            actions,
            resources,
        });
    }
    Ok(parsed)
}

/// IAM's wildcard match (`ArnLike`, actions, resources): `*` any run of characters, `?` one
/// character.
pub fn glob(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// What a request needs, per AWS's Service Authorization Reference: Lambda's actions are the
/// operation names (Invoke is `lambda:InvokeFunction`; tagging on create also needs
/// `lambda:TagResource`; passing a role needs `iam:PassRole` on it); API Gateway's are the HTTP
/// verbs on `arn:…:apigateway:{region}::{path}`; CloudWatch Logs' are the operation names on
/// the log group (`…:log-group:{name}:*`), tagging on create also needing `logs:TagResource`,
/// but for DescribeLogGroups, which the Reference scopes to no resource type: on `*`.
pub fn needs(
    service: Service,
    operation: &str,
    method: &Method,
    path: &str,
    query: Option<&str>,
    region: &str,
    body: &[u8],
) -> Vec<Need> {
    let request: Value = match service {
        Service::CloudWatch => super::cloudwatch::members(body),
        _ => serde_json::from_slice(body).unwrap_or(Value::Null),
    };
    match service {
        Service::Lambda => {
            let segments: Vec<String> = path
                .trim_matches('/')
                .split('/')
                .map(decode_segment)
                .collect();
            // A version or alias (`Qualifier`, or `NAME:QUALIFIER`) is its own resource, the
            // qualified ARN: a policy on `function:NAME` alone does not reach it (IAM matches
            // ARNs as strings; `function:NAME:*` does).
            let parameter = query.and_then(|q| {
                q.split('&')
                    .filter_map(|pair| pair.split_once('='))
                    .find(|(key, _)| *key == "Qualifier")
                    .map(|(_, value)| decode_segment(value))
            });
            let function = |name: &str| {
                let name = name.rsplit(":function:").next().unwrap_or(name);
                let (name, qualifier) = match name.split_once(':') {
                    Some((name, qualifier)) => (name, Some(qualifier.to_string())),
                    None => (name, parameter.clone()),
                };
                match qualifier {
                    Some(qualifier) => {
                        arn(region, "lambda", &format!("function:{name}:{qualifier}"))
                    }
                    None => arn(region, "lambda", &format!("function:{name}")),
                }
            };
            let resource = match segments.as_slice() {
                [_, _, name, ..] if segments[1] == "functions" => function(name),
                [_, _, tagged] if segments[1] == "tags" => tagged.clone(),
                _ => match request["FunctionName"].as_str() {
                    Some(name) => function(name),
                    None => "*".to_string(),
                },
            };
            let action = match operation {
                "Invoke" => "InvokeFunction",
                other => other,
            };
            let mut needs = vec![need(&format!("lambda:{action}"), resource.clone())];
            if let Some(role) = request["Role"].as_str() {
                needs.push(need("iam:PassRole", role.to_string()));
            }
            if operation == "CreateFunction"
                && request["Tags"].as_object().is_some_and(|t| !t.is_empty())
            {
                needs.push(need("lambda:TagResource", resource));
            }
            needs
        }
        Service::ApiGateway => {
            let resource = format!("arn:{}:apigateway:{region}::{path}", partition(region).0);
            let mut needs = vec![need(&format!("apigateway:{method}"), resource)];
            // Setting the account's CloudWatch role passes that role to API Gateway.
            if operation == "UpdateAccount" {
                for op in request["patchOperations"].as_array().into_iter().flatten() {
                    if op["path"] == "/cloudwatchRoleArn" {
                        if let Some(role) = op["value"].as_str() {
                            needs.push(need("iam:PassRole", role.to_string()));
                        }
                    }
                }
            }
            needs
        }
        // Alarms are resources (`alarm:NAME`); reading metrics is account-wide ("*").
        Service::CloudWatch => {
            let mut names = super::wire::strings(&request["AlarmNames"]);
            names.extend(request["AlarmName"].as_str());
            let action = format!("cloudwatch:{operation}");
            match operation {
                "GetMetricData" => vec![need(&action, "*".to_string())],
                _ if names.is_empty() => vec![need(&action, arn(region, "cloudwatch", "alarm:*"))],
                _ => names
                    .iter()
                    .map(|name| need(&action, arn(region, "cloudwatch", &format!("alarm:{name}"))))
                    .collect(),
            }
        }
        Service::Logs if operation == "StartLiveTail" => {
            // On each log group of the session (given by ARN).
            let needs: Vec<Need> = super::wire::strings(&request["logGroupIdentifiers"])
                .into_iter()
                .map(|group| need("logs:StartLiveTail", format!("{group}:*")))
                .collect();
            if needs.is_empty() {
                vec![need(
                    "logs:StartLiveTail",
                    arn(region, "logs", "log-group:*"),
                )]
            } else {
                needs
            }
        }
        // The Reference lists no resource type for DescribeLogGroups, so only a statement on
        // "*" grants it; one on `log-group:*` does not (docs/iam.md, "DescribeLogGroups").
        Service::Logs if operation == "DescribeLogGroups" => {
            vec![need("logs:DescribeLogGroups", "*".to_string())]
        }
        Service::Logs => {
            // A group is named by `logGroupName`, or by `logGroupIdentifier` (its name or ARN).
            let group = request["logGroupName"]
                .as_str()
                .or_else(|| request["logGroupIdentifier"].as_str())
                .map(|g| g.rsplit(":log-group:").next().unwrap_or(g));
            let resource = match group {
                Some(group) => arn(region, "logs", &format!("log-group:{group}:*")),
                // No group named (the model's validation refuses the request next).
                None => arn(region, "logs", "log-group:*"),
            };
            let mut needs = vec![need(&format!("logs:{operation}"), resource.clone())];
            if operation == "CreateLogGroup"
                && request["tags"].as_object().is_some_and(|t| !t.is_empty())
            {
                needs.push(need("logs:TagResource", resource));
            }
            needs
        }
    }
}

/// IAM's sentence for a refused action.
pub fn denial(caller: &Caller, need: &Need, region: &str) -> String {
    format!(
        "User: {} is not authorized to perform: {} on resource: {} because no identity-based policy allows the {} action",
        caller.arn(partition(region).0),
        need.action,
        need.resource,
        need.action
    )
}

/// The refusal, in the service's own protocol.
pub fn access_denied(service: Service, caller: &Caller, need: &Need, region: &str) -> Response {
    let message = denial(caller, need, region);
    match service {
        Service::Logs => json11_error(LogsError::AccessDeniedException, &message),
        Service::CloudWatch => {
            super::cloudwatch::error(CloudWatchError::AccessDeniedException, &message)
        }
        Service::Lambda => lambda_error(LambdaError::AccessDeniedException, &message),
        Service::ApiGateway => apigateway_error(ApiGatewayError::AccessDeniedException, &message),
    }
}

/// Credentials refused, in the service's own protocol (CloudWatch names an unknown token
/// `InvalidClientTokenId`, as its query and JSON protocols do).
pub fn bad_credentials(service: Service, refusal: &BadCredentials) -> Response {
    match service {
        Service::Logs => json11_error(
            LogsError::from_code(refusal.code).unwrap_or(LogsError::UnrecognizedClientException),
            &refusal.message,
        ),
        Service::CloudWatch => {
            let code = match refusal.code {
                "ExpiredTokenException" => CloudWatchError::ExpiredToken,
                _ => CloudWatchError::InvalidClientTokenId,
            };
            super::cloudwatch::error(code, &refusal.message)
        }
        Service::Lambda => lambda_error(
            LambdaError::from_code(refusal.code)
                .unwrap_or(LambdaError::UnrecognizedClientException),
            &refusal.message,
        ),
        Service::ApiGateway => apigateway_error(
            ApiGatewayError::from_code(refusal.code)
                .unwrap_or(ApiGatewayError::UnrecognizedClientException),
            &refusal.message,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_policy_allows_only_what_it_names_and_a_deny_wins() {
        let iam = Iam::default();
        assert!(
            iam.allows(&Caller::Local, "lambda:GetFunction", "anything"),
            "no policy: all"
        );
        iam.set_policy(r#"{"Version":"2012-10-17","Statement":[
            {"Effect":"Allow","Action":["lambda:Get*","apigateway:GET"],"Resource":"arn:aws:lambda:*:*:function:FAQ"},
            {"Effect":"Allow","Action":"apigateway:GET","Resource":["arn:aws:apigateway:*::/restapis","arn:aws:apigateway:*::/restapis/*"]},
            {"Effect":"Deny","Action":"lambda:GetPolicy","Resource":"*"}]}"#).unwrap();
        let function = "arn:aws:lambda:us-east-1:000000000000:function:FAQ";
        assert!(iam.allows(&Caller::Local, "lambda:GetFunction", function));
        assert!(
            iam.allows(&Caller::Local, "LAMBDA:getfunction", function),
            "actions ignore case"
        );
        assert!(!iam.allows(
            &Caller::Local,
            "lambda:GetFunction",
            "arn:aws:lambda:us-east-1:000000000000:function:Other"
        ));
        assert!(
            !iam.allows(&Caller::Local, "lambda:GetPolicy", function),
            "Deny wins"
        );
        assert!(iam.allows(
            &Caller::Local,
            "apigateway:GET",
            "arn:aws:apigateway:us-east-1::/restapis/abc/stages/s"
        ));
        assert!(!iam.allows(
            &Caller::Local,
            "apigateway:GET",
            "arn:aws:apigateway:us-east-1::/account"
        ));
        iam.deny("lambda:GetFunction").unwrap();
        assert!(!iam.allows(&Caller::Local, "lambda:GetFunction", function));
        iam.clear();
        assert!(iam.allows(&Caller::Local, "lambda:GetPolicy", function));
        for bad in [
            "nope",
            r#"{"Statement":[{"Effect":"Allow","Action":"lambda:*"}]}"#,
            r#"{"Statement":[{"Effect":"Allow","Action":"lambda:*","Resource":"*","Condition":{}}]}"#,
            r#"{"Statement":[{"Effect":"Maybe","Action":"lambda:*","Resource":"*"}]}"#,
        ] {
            assert!(iam.set_policy(bad).is_err(), "{bad}");
        }
        assert!(iam.deny("not an action").is_err());
    }

    #[test]
    fn requests_need_the_actions_aws_documents() {
        let lambda = needs(
            Service::Lambda,
            "CreateFunction",
            &Method::POST,
            "/2015-03-31/functions",
            None,
            "cn-north-1",
            br#"{"FunctionName":"FAQ","Role":"arn:aws-cn:iam::1:role/r","Tags":{"a":"b"}}"#,
        );
        let actions: Vec<&str> = lambda.iter().map(|n| n.action.as_str()).collect();
        assert_eq!(
            actions,
            [
                "lambda:CreateFunction",
                "iam:PassRole",
                "lambda:TagResource"
            ]
        );
        assert_eq!(
            lambda[0].resource,
            "arn:aws-cn:lambda:cn-north-1:000000000000:function:FAQ"
        );
        let invoke = needs(
            Service::Lambda,
            "Invoke",
            &Method::POST,
            "/2015-03-31/functions/FAQ/invocations",
            None,
            "us-east-1",
            b"{}",
        );
        assert_eq!(invoke[0].action, "lambda:InvokeFunction");
        assert_eq!(
            invoke[0].resource,
            "arn:aws:lambda:us-east-1:000000000000:function:FAQ"
        );
        // A version or alias is the qualified ARN, by parameter or in the name.
        let qualified = needs(
            Service::Lambda,
            "Invoke",
            &Method::POST,
            "/2015-03-31/functions/FAQ/invocations",
            Some("Qualifier=7"),
            "us-east-1",
            b"{}",
        );
        assert_eq!(
            qualified[0].resource,
            "arn:aws:lambda:us-east-1:000000000000:function:FAQ:7"
        );
        let alias = needs(
            Service::Lambda,
            "Invoke",
            &Method::POST,
            "/2015-03-31/functions/FAQ%3Alive/invocations",
            None,
            "us-east-1",
            b"",
        );
        assert_eq!(
            alias[0].resource,
            "arn:aws:lambda:us-east-1:000000000000:function:FAQ:live"
        );
        let account = needs(
            Service::ApiGateway,
            "GetAccount",
            &Method::GET,
            "/account",
            None,
            "us-east-1",
            b"",
        );
        assert_eq!(
            account,
            [need(
                "apigateway:GET",
                "arn:aws:apigateway:us-east-1::/account".into()
            )]
        );
        let logs = needs(
            Service::Logs,
            "DescribeLogGroups",
            &Method::POST,
            "/",
            None,
            "us-east-1",
            br#"{"logGroupNamePrefix":"/aws/lambda/FAQ"}"#,
        );
        assert_eq!(logs, [need("logs:DescribeLogGroups", "*".into())]);
        let by_arn = needs(
            Service::Logs,
            "FilterLogEvents",
            &Method::POST,
            "/",
            None,
            "us-east-1",
            br#"{"logGroupIdentifier":"arn:aws:logs:us-east-1:000000000000:log-group:/aws/lambda/FAQ"}"#,
        );
        assert_eq!(
            by_arn[0].resource,
            "arn:aws:logs:us-east-1:000000000000:log-group:/aws/lambda/FAQ:*"
        );
    }

    /// An execution environment's session is the function's role's, in the function's
    /// account, until its environment ends it.
    #[test]
    fn an_execution_session_acts_in_its_functions_account_until_it_ends() {
        let iam = Iam::default();
        let account: std::sync::Arc<str> = "000000000002".into();
        let role = "arn:aws:iam::000000000002:role/service-role/runner";
        let credentials = iam.open_execution_session(account.clone(), role, "x");
        let mut headers = HeaderMap::new();
        let authorization = format!(
            "AWS4-HMAC-SHA256 Credential={}/20261124/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=0",
            credentials.access_key_id
        );
        headers.insert("authorization", authorization.parse().unwrap());
        headers.insert(
            "x-amz-security-token",
            credentials.session_token.parse().unwrap(),
        );
        let caller = iam.caller(&headers).unwrap();
        assert_eq!(
            caller.arn("aws"),
            "arn:aws:sts::000000000002:assumed-role/runner/x@lambda_function"
        );
        assert_eq!(iam.account_of(&headers), account);
        assert!(iam.allows(&caller, "lambda:GetFunction", "anything"));
        iam.end_session(&credentials.access_key_id);
        assert_eq!(iam.caller(&headers), Err(INVALID_TOKEN));
    }

    #[test]
    fn describe_log_groups_is_granted_only_on_every_resource() {
        // The Service Authorization Reference lists no resource type for it: a statement on
        // the account's log groups does not reach it, one on "*" does.
        let iam = Iam::default();
        let describe = &needs(
            Service::Logs,
            "DescribeLogGroups",
            &Method::POST,
            "/",
            None,
            "us-east-1",
            b"{}",
        )[0];
        iam.set_policy(r#"{"Statement":[{"Effect":"Allow","Action":"logs:DescribeLogGroups","Resource":"arn:aws:logs:*:*:log-group:*"}]}"#).unwrap();
        assert!(!iam.allows(&Caller::Local, &describe.action, &describe.resource));
        iam.set_policy(r#"{"Statement":[{"Effect":"Allow","Action":"logs:DescribeLogGroups","Resource":"*"}]}"#).unwrap();
        assert!(iam.allows(&Caller::Local, &describe.action, &describe.resource));
    }
}
