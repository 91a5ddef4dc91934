//! AWS STS in its query protocol (a form-encoded POST, an XML answer in the `2011-06-15`
//! namespace): `GetCallerIdentity`, who the caller is (the local identity,
//! `assumed-role/faqctl-local/faqctl` in account 000000000000, a role session, or a function's
//! execution environment's session of its role, `assumed-role/ROLE/FUNCTION`), and
//! `AssumeRole`, temporary credentials for a role whose trust policy names the caller (see
//! `roles`), judged afterwards by that role's inline policies. The acceptance suite's `--aws`
//! guard and its per-command IAM scenario run here as on AWS. Every other STS action answers
//! `InvalidAction`, as STS does for an action it lacks.

use axum::response::Response;

use super::arns::partition;
use super::iam::{AssumeError, Caller, Iam};
use super::ids::new_request_id;
use super::query;

const NAMESPACE: &str = "https://sts.amazonaws.com/doc/2011-06-15/";
/// The operations emulated, for the answer to any other and the docs.
pub const OPERATIONS: [&str; 2] = ["AssumeRole", "GetCallerIdentity"];
/// The role id part of the local identity's `UserId` (`AROA` and 17 characters, as IAM makes
/// them).
const ROLE_ID: &str = "AROAFAQCTLLOCAL000001";

/// Answers one STS request from `caller`.
pub fn handle(iam: &Iam, caller: &Caller, region: &str, body: &[u8]) -> Response {
    let parameters = query::parameters(body);
    let request_id = new_request_id();
    let error = |status, code: &str, message: &str| {
        query::error(NAMESPACE, status, &request_id, code, message)
    };
    let partition = partition(region).0;
    match parameters.get("Action").map(String::as_str).unwrap_or_default() {
        "GetCallerIdentity" => {
            let user_id = match caller {
                Caller::Local if &*caller.account() != super::arns::DEFAULT_ACCOUNT => {
                    caller.account().to_string()
                }
                Caller::Local => format!("{ROLE_ID}:faqctl"),
                Caller::Session { role_id, name, .. } | Caller::Execution { role_id, name, .. } => {
                    format!("{role_id}:{name}")
                }
            };
            let result = format!(
                "<Arn>{}</Arn><UserId>{}</UserId><Account>{}</Account>",
                caller.arn(partition),
                query::escape(&user_id),
                caller.account()
            );
            query::answer(NAMESPACE, "GetCallerIdentity", &request_id, Some(&result))
        }
        "AssumeRole" => {
            if let Some(problem) = super::roles::invalid(
                "roleArn",
                parameters.get("RoleArn").map(String::as_str),
                20,
                2048,
                None,
            )
            .or_else(|| {
                super::roles::invalid(
                    "roleSessionName",
                    parameters.get("RoleSessionName").map(String::as_str),
                    2,
                    64,
                    Some(super::roles::NAME_CHARACTERS),
                )
            }) {
                return error(400, "ValidationError", &problem);
            }
            let role_arn = parameters.get("RoleArn").cloned().unwrap_or_default();
            let session = parameters
                .get("RoleSessionName")
                .cloned()
                .unwrap_or_default();
            let seconds = match parameters.get("DurationSeconds") {
                None => 3600,
                Some(text) => match text.parse::<u32>() {
                    Ok(seconds) if (900..=43_200).contains(&seconds) => seconds,
                    _ => {
                        return error(
                            400,
                            "ValidationError",
                            &format!("1 validation error detected: Value '{text}' at 'durationSeconds' failed to satisfy constraint: Member must have value between 900 and 43200"),
                        )
                    }
                },
            };
            // Every caller here is itself a role session (the local identity is
            // assumed-role/faqctl-local), so every AssumeRole is role chaining, which AWS
            // limits to an hour.
            if seconds > 3600 {
                return error(
                    400,
                    "ValidationError",
                    "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.",
                );
            }
            let refused = || {
                error(
                    403,
                    "AccessDenied",
                    &format!(
                        "User: {} is not authorized to perform: sts:AssumeRole on resource: {role_arn}",
                        caller.arn(partition)
                    ),
                )
            };
            // arn:PARTITION:iam::ACCOUNT:role/PATH/NAME names a role only if it is that role's
            // whole ARN, path included: only this account's roles exist here.
            let name = role_arn.rsplit('/').next().unwrap_or_default();
            let Some(role) = iam.role(name) else {
                return refused();
            };
            if super::roles::role_arn(partition, &role) != role_arn {
                return refused();
            }
            // The caller's own identity policy must allow sts:AssumeRole on the role too.
            if !iam.allows(caller, "sts:AssumeRole", &role_arn) {
                return refused();
            }
            let name = role.name;
            match iam.assume_role(caller, partition, &name, &session, seconds) {
                Ok((role, credentials)) => {
                    let result = format!(
                        "<Credentials><AccessKeyId>{}</AccessKeyId><SecretAccessKey>{}</SecretAccessKey>\
                         <SessionToken>{}</SessionToken><Expiration>{}</Expiration></Credentials>\
                         <AssumedRoleUser><AssumedRoleId>{}:{}</AssumedRoleId><Arn>{}</Arn></AssumedRoleUser>",
                        credentials.access_key_id,
                        query::escape(&credentials.secret_access_key),
                        query::escape(&credentials.session_token),
                        query::timestamp(credentials.expires),
                        role.id,
                        query::escape(&session),
                        query::escape(
                            &Caller::Session {
                                role: role.name.clone(),
                                role_id: role.id.clone(),
                                name: session.clone(),
                            }
                                .arn(partition)
                        ),
                    );
                    query::answer(NAMESPACE, "AssumeRole", &request_id, Some(&result))
                }
                Err(AssumeError::NotTrusted) => refused(),
                Err(AssumeError::TooLong(_)) => error(
                    400,
                    "ValidationError",
                    "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
                ),
            }
        }
        "" => error(400, "MissingAction", "Missing Action"),
        other => error(
            400,
            "InvalidAction",
            &format!(
                "Could not find operation {other} for version 2011-06-15 (faqctl local emulates STS's {})",
                OPERATIONS.join(", ")
            ),
        ),
    }
}
