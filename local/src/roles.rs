//! IAM's role API in its query protocol (`2010-05-08`), what a test needs to make principals of
//! its own: CreateRole, GetRole, ListRoles, DeleteRole, PutRolePolicy, ListRolePolicies and
//! DeleteRolePolicy. A role's sessions (sts:AssumeRole) are judged by its inline policies
//! (`iam`), so "this command with exactly this policy" can be run here as on AWS. The names,
//! limits and messages are IAM's (its API reference and quotas page): role names of 1-64
//! characters `[\w+=,.@-]`, paths `/…/`, a trust policy of at most 2,048 characters, inline
//! policies of at most 10,240 per role, `EntityAlreadyExists` (409), `NoSuchEntity` (404),
//! `DeleteConflict` (409) while a role has inline policies. IAM is global: one set of roles
//! whatever region signed the request. Roles live in memory, for the local cloud's lifetime.

use std::collections::BTreeMap;

use axum::response::Response;

use super::arns::{partition, DEFAULT_ACCOUNT};
use super::iam::{Caller, Iam, Role, RoleError};
use super::ids::new_request_id;
use super::query;

const NAMESPACE: &str = "https://iam.amazonaws.com/doc/2010-05-08/";
/// What IAM allows in role, policy and session names.
pub const NAME_CHARACTERS: &str = "+=,.@-_";
/// IAM's quotas: a role's trust policy, and all its inline policies together.
const TRUST_POLICY_CHARACTERS: usize = 2048;
const INLINE_POLICY_CHARACTERS: usize = 10_240;

/// The operations emulated (each a function below), for the answer to any other and the docs.
pub const OPERATIONS: [&str; 7] = [
    "CreateRole",
    "DeleteRole",
    "DeleteRolePolicy",
    "GetRole",
    "ListRolePolicies",
    "ListRoles",
    "PutRolePolicy",
];

/// A member's problem in IAM's validation words, if it has one: missing, too short or long, or
/// outside `[\w{extra}]` when `characters` says so.
pub fn invalid(
    member: &str,
    value: Option<&str>,
    min: usize,
    max: usize,
    characters: Option<&str>,
) -> Option<String> {
    let Some(value) = value else {
        return Some(format!("1 validation error detected: Value null at '{member}' failed to satisfy constraint: Member must not be null"));
    };
    let length = value.chars().count();
    if length < min || length > max {
        return Some(format!("1 validation error detected: Value '{value}' at '{member}' failed to satisfy constraint: Member must have length {}", if length < min { format!("greater than or equal to {min}") } else { format!("less than or equal to {max}") }));
    }
    if let Some(extra) = characters {
        if !value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || extra.contains(c))
        {
            return Some(format!("1 validation error detected: Value '{value}' at '{member}' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w{}]+", extra.replace('_', "")));
        }
    }
    None
}

/// A policy's size as IAM counts it: without whitespace.
fn policy_characters(document: &str) -> usize {
    document.chars().filter(|c| !c.is_whitespace()).count()
}

pub fn role_arn(partition: &str, role: &Role) -> String {
    format!(
        "arn:{partition}:iam::{DEFAULT_ACCOUNT}:role{}{}",
        role.path, role.name
    )
}

/// A role as IAM's XML has it (the trust policy URL-encoded, as IAM answers it); `tags` for
/// CreateRole and GetRole, not ListRoles.
fn role_xml(partition: &str, role: &Role, tags: bool) -> String {
    // Percent-encoded, spaces as %20, as IAM answers it.
    let trust: String = url::form_urlencoded::byte_serialize(role.trust.as_bytes())
        .collect::<String>()
        .replace('+', "%20");
    let description = role
        .description
        .as_ref()
        .map(|d| format!("<Description>{}</Description>", query::escape(d)))
        .unwrap_or_default();
    let tags = if tags && !role.tags.is_empty() {
        let members: String = role
            .tags
            .iter()
            .map(|(k, v)| {
                format!(
                    "<member><Key>{}</Key><Value>{}</Value></member>",
                    query::escape(k),
                    query::escape(v)
                )
            })
            .collect();
        format!("<Tags>{members}</Tags>")
    } else {
        String::new()
    };
    format!(
        "<Path>{}</Path><AssumeRolePolicyDocument>{trust}</AssumeRolePolicyDocument>\
         <MaxSessionDuration>{}</MaxSessionDuration><RoleId>{}</RoleId><RoleName>{}</RoleName>\
         {description}<Arn>{}</Arn><CreateDate>{}</CreateDate>{tags}",
        query::escape(&role.path),
        role.max_session_seconds,
        role.id,
        role.name,
        query::escape(&role_arn(partition, role)),
        query::timestamp(role.created),
    )
}

/// A page of `names` after `Marker`, at most `MaxItems` (default 100, 1-1000).
fn page<T>(
    items: Vec<T>,
    name: impl Fn(&T) -> &str,
    marker: Option<&str>,
    max_items: Option<&str>,
) -> Result<(Vec<T>, Option<String>), String> {
    let max = match max_items {
        None => 100,
        Some(text) => match text.parse::<usize>() {
            Ok(n) if (1..=1000).contains(&n) => n,
            _ => return Err(format!("1 validation error detected: Value '{text}' at 'maxItems' failed to satisfy constraint: Member must have value between 1 and 1000")),
        },
    };
    let mut rest: Vec<T> = match marker {
        Some(marker) => items.into_iter().filter(|i| name(i) > marker).collect(),
        None => items,
    };
    let more = rest.len() > max;
    rest.truncate(max);
    let next = more
        .then(|| rest.last().map(|i| name(i).to_string()))
        .flatten();
    Ok((rest, next))
}

fn truncation(next: &Option<String>) -> String {
    match next {
        Some(marker) => format!(
            "<IsTruncated>true</IsTruncated><Marker>{}</Marker>",
            query::escape(marker)
        ),
        None => "<IsTruncated>false</IsTruncated>".into(),
    }
}

/// One IAM request: who asked, and what.
struct Request<'a> {
    iam: &'a Iam,
    caller: &'a Caller,
    partition: &'static str,
    parameters: BTreeMap<String, String>,
    request_id: String,
}

impl Request<'_> {
    fn get(&self, name: &str) -> Option<&str> {
        self.parameters.get(name).map(String::as_str)
    }

    fn role_name(&self) -> &str {
        self.get("RoleName").unwrap_or_default()
    }

    fn error(&self, status: u16, code: &str, message: &str) -> Response {
        query::error(NAMESPACE, status, &self.request_id, code, message)
    }

    fn invalid(&self, problem: String) -> Response {
        self.error(400, "ValidationError", &problem)
    }

    fn answer(&self, action: &str, result: Option<&str>) -> Response {
        query::answer(NAMESPACE, action, &self.request_id, result)
    }

    fn no_role(&self) -> Response {
        self.error(
            404,
            "NoSuchEntity",
            &format!("The role with name {} cannot be found.", self.role_name()),
        )
    }

    fn denied(&self, action: &str, resource: &str) -> Response {
        self.error(
            403,
            "AccessDenied",
            &format!(
                "User: {} is not authorized to perform: {action} on resource: {resource} because no identity-based policy allows the {action} action",
                self.caller.arn(self.partition)
            ),
        )
    }

    /// RoleName, as IAM checks it: present, 1-64 characters of `[\w+=,.@-]`.
    fn check_role_name(&self) -> Option<String> {
        invalid(
            "roleName",
            self.get("RoleName"),
            1,
            64,
            Some(NAME_CHARACTERS),
        )
    }

    fn check_policy_name(&self) -> Option<String> {
        invalid(
            "policyName",
            self.get("PolicyName"),
            1,
            128,
            Some(NAME_CHARACTERS),
        )
    }

    /// The ARN an action is authorized on: the role it names (`role/PATH/NAME`), or `*` for
    /// ListRoles.
    fn resource(&self, action: &str) -> String {
        if action == "ListRoles" {
            return "*".into();
        }
        let path = match action {
            "CreateRole" => self.get("Path").unwrap_or("/").to_string(),
            _ => self
                .iam
                .role(self.role_name())
                .map(|r| r.path)
                .unwrap_or_else(|| "/".into()),
        };
        format!(
            "arn:{}:iam::{DEFAULT_ACCOUNT}:role{path}{}",
            self.partition,
            self.role_name()
        )
    }
}

/// Answers one IAM request from `caller`.
pub fn handle(iam: &Iam, caller: &Caller, region: &str, body: &[u8]) -> Response {
    let request = Request {
        iam,
        caller,
        partition: partition(region).0,
        parameters: query::parameters(body),
        request_id: new_request_id(),
    };
    let action = request.get("Action").unwrap_or_default().to_string();
    if action.is_empty() {
        return request.error(400, "MissingAction", "Missing Action");
    }
    let resource = request.resource(&action);
    let iam_action = format!("iam:{action}");
    if !iam.allows(caller, &iam_action, &resource) {
        return request.denied(&iam_action, &resource);
    }
    match action.as_str() {
        "CreateRole" => create_role(&request, &resource),
        "GetRole" => get_role(&request),
        "ListRoles" => list_roles(&request),
        "DeleteRole" => delete_role(&request),
        "PutRolePolicy" => put_role_policy(&request),
        "ListRolePolicies" => list_role_policies(&request),
        "DeleteRolePolicy" => delete_role_policy(&request),
        other => request.error(
            400,
            "InvalidAction",
            &format!("Could not find operation {other} for version 2010-05-08 (faqctl local emulates IAM's {})", OPERATIONS.join(", ")),
        ),
    }
}

fn create_role(request: &Request, resource: &str) -> Response {
    let trust = request.get("AssumeRolePolicyDocument");
    let path = request.get("Path").unwrap_or("/");
    let problem = request
        .check_role_name()
        .or_else(|| invalid("assumeRolePolicyDocument", trust, 1, 131_072, None))
        .or_else(|| {
            invalid(
                "description",
                Some(request.get("Description").unwrap_or("-")),
                0,
                1000,
                None,
            )
        })
        .or_else(|| {
            // IAM's pattern: `/`, or `/` printable ASCII `/`, at most 512 characters.
            let printable = path.bytes().all(|b| (0x21..=0x7e).contains(&b));
            (!(path == "/"
                || (path.len() >= 2
                    && path.len() <= 512
                    && path.starts_with('/')
                    && path.ends_with('/')
                    && printable)))
                .then(|| {
                    "The specified value for path is invalid. It must begin and end with / and contain only alphanumeric characters and/or / characters.".to_string()
                })
        })
        .or_else(|| {
            // Description: tab, newlines and printable Latin-1 only.
            request.get("Description").and_then(|d| {
                d.chars()
                    .any(|c| !matches!(c, '\t' | '\n' | '\r' | ' '..='~' | '\u{a1}'..='\u{ff}'))
                    .then(|| format!("1 validation error detected: Value '{d}' at 'description' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u007E\\u00A1-\\u00FF]*"))
            })
        });
    if let Some(problem) = problem {
        return request.invalid(problem);
    }
    let (name, trust) = (request.role_name(), trust.unwrap_or_default());
    if policy_characters(trust) > TRUST_POLICY_CHARACTERS {
        return request.error(
            409,
            "LimitExceeded",
            &format!("Cannot exceed quota for ACLSizePerRole: {TRUST_POLICY_CHARACTERS}"),
        );
    }
    let max_session = match request.get("MaxSessionDuration") {
        None => 3600,
        Some(text) => match text.parse::<u32>() {
            Ok(seconds) if (3600..=43_200).contains(&seconds) => seconds,
            _ => return request.invalid(format!("1 validation error detected: Value '{text}' at 'maxSessionDuration' failed to satisfy constraint: Member must have value between 3600 and 43200")),
        },
    };
    let mut tags = Vec::new();
    for n in 1.. {
        let Some(key) = request.get(&format!("Tags.member.{n}.Key")) else {
            break;
        };
        let value = request
            .get(&format!("Tags.member.{n}.Value"))
            .unwrap_or_default();
        // Tag keys (1-128) and values (0-256) of letters, digits, spaces and `_.:/=+-@`.
        let allowed = |text: &str| {
            text.chars()
                .all(|c| c.is_alphanumeric() || c == ' ' || "_.:/=+-@".contains(c))
        };
        if key.is_empty() || key.chars().count() > 128 || !allowed(key) {
            return request.invalid(format!("1 validation error detected: Value '{key}' at 'tags.{n}.member.key' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{{L}}\\p{{Z}}\\p{{N}}_.:/=+\\-@]+"));
        }
        if value.chars().count() > 256 || !allowed(value) {
            return request.invalid(format!("1 validation error detected: Value '{value}' at 'tags.{n}.member.value' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{{L}}\\p{{Z}}\\p{{N}}_.:/=+\\-@]*"));
        }
        tags.push((key.to_string(), value.to_string()));
    }
    if request.get("PermissionsBoundary").is_some() {
        return request.invalid("faqctl local does not evaluate permissions boundaries: create the role without PermissionsBoundary here".into());
    }
    // Tagging on create is also iam:TagRole, as IAM's Service Authorization Reference says.
    if !tags.is_empty() && !request.iam.allows(request.caller, "iam:TagRole", resource) {
        return request.denied("iam:TagRole", resource);
    }
    if tags.len() > 50 {
        return request.error(
            409,
            "LimitExceeded",
            "The number of tags has reached the maximum limit.",
        );
    }
    let description = request.get("Description").map(str::to_string);
    match request
        .iam
        .create_role(name, path, trust, description, max_session, tags)
    {
        Ok(role) => request.answer(
            "CreateRole",
            Some(&format!(
                "<Role>{}</Role>",
                role_xml(request.partition, &role, true)
            )),
        ),
        Err(RoleError::Exists) => request.error(
            409,
            "EntityAlreadyExists",
            &format!("Role with name {name} already exists."),
        ),
        Err(RoleError::Malformed(problem)) => {
            request.error(400, "MalformedPolicyDocument", &problem)
        }
        Err(other) => request.invalid(format!("{other:?}")),
    }
}

fn get_role(request: &Request) -> Response {
    if let Some(problem) = request.check_role_name() {
        return request.invalid(problem);
    }
    match request.iam.role(request.role_name()) {
        Some(role) => request.answer(
            "GetRole",
            Some(&format!(
                "<Role>{}</Role>",
                role_xml(request.partition, &role, true)
            )),
        ),
        None => request.no_role(),
    }
}

fn list_roles(request: &Request) -> Response {
    let prefix = request.get("PathPrefix").unwrap_or("/");
    // IAM's pattern for a prefix: `/`, then printable ASCII, at most 512 characters.
    if !(prefix.starts_with('/')
        && prefix.len() <= 512
        && prefix.bytes().all(|b| (0x21..=0x7f).contains(&b)))
    {
        return request.invalid(format!("1 validation error detected: Value '{}' at 'pathPrefix' failed to satisfy constraint: Member must satisfy regular expression pattern: \\u002F[\\u0021-\\u007F]*", prefix));
    }
    let roles: Vec<Role> = request
        .iam
        .roles()
        .into_iter()
        .filter(|r| r.path.starts_with(prefix))
        .collect();
    match page(
        roles,
        |r| r.name.as_str(),
        request.get("Marker"),
        request.get("MaxItems"),
    ) {
        Ok((roles, next)) => {
            let members: String = roles
                .iter()
                .map(|r| format!("<member>{}</member>", role_xml(request.partition, r, false)))
                .collect();
            request.answer(
                "ListRoles",
                Some(&format!("{}<Roles>{members}</Roles>", truncation(&next))),
            )
        }
        Err(problem) => request.invalid(problem),
    }
}

fn delete_role(request: &Request) -> Response {
    if let Some(problem) = request.check_role_name() {
        return request.invalid(problem);
    }
    match request.iam.delete_role(request.role_name()) {
        Ok(()) => request.answer("DeleteRole", None),
        Err(RoleError::HasPolicies) => request.error(
            409,
            "DeleteConflict",
            "Cannot delete entity, must delete policies first.",
        ),
        Err(_) => request.no_role(),
    }
}

fn put_role_policy(request: &Request) -> Response {
    let document = request.get("PolicyDocument");
    if let Some(problem) = request
        .check_role_name()
        .or_else(|| request.check_policy_name())
        .or_else(|| invalid("policyDocument", document, 1, 131_072, None))
    {
        return request.invalid(problem);
    }
    let (name, document) = (request.role_name(), document.unwrap_or_default());
    let policy = request.get("PolicyName").unwrap_or_default();
    let Some(role) = request.iam.role(name) else {
        return request.no_role();
    };
    let total: usize = role
        .policies
        .iter()
        .filter(|(other, _)| other.as_str() != policy)
        .map(|(_, (text, _))| policy_characters(text))
        .sum::<usize>()
        + policy_characters(document);
    if total > INLINE_POLICY_CHARACTERS {
        return request.error(
            409,
            "LimitExceeded",
            &format!(
                "Maximum policy size of {INLINE_POLICY_CHARACTERS} bytes exceeded for role {name}"
            ),
        );
    }
    match request.iam.put_role_policy(name, policy, document) {
        Ok(()) => request.answer("PutRolePolicy", None),
        Err(RoleError::Malformed(problem)) => {
            request.error(400, "MalformedPolicyDocument", &problem)
        }
        Err(_) => request.no_role(),
    }
}

fn list_role_policies(request: &Request) -> Response {
    if let Some(problem) = request.check_role_name() {
        return request.invalid(problem);
    }
    let Some(role) = request.iam.role(request.role_name()) else {
        return request.no_role();
    };
    let names: Vec<String> = role.policies.keys().cloned().collect();
    match page(
        names,
        |n| n.as_str(),
        request.get("Marker"),
        request.get("MaxItems"),
    ) {
        Ok((names, next)) => {
            let members: String = names
                .iter()
                .map(|n| format!("<member>{}</member>", query::escape(n)))
                .collect();
            request.answer(
                "ListRolePolicies",
                Some(&format!(
                    "{}<PolicyNames>{members}</PolicyNames>",
                    truncation(&next)
                )),
            )
        }
        Err(problem) => request.invalid(problem),
    }
}

fn delete_role_policy(request: &Request) -> Response {
    if let Some(problem) = request
        .check_role_name()
        .or_else(|| request.check_policy_name())
    {
        return request.invalid(problem);
    }
    let policy = request.get("PolicyName").unwrap_or_default();
    match request.iam.delete_role_policy(request.role_name(), policy) {
        Ok(()) => request.answer("DeleteRolePolicy", None),
        Err(RoleError::NoSuchPolicy) => request.error(
            404,
            "NoSuchEntity",
            &format!("The role policy with name {policy} cannot be found."),
        ),
        Err(_) => request.no_role(),
    }
}
