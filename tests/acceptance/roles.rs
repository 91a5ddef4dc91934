//! The least-privilege scenario's principals: one IAM role per command, under the path
//! `/faqctl-acceptance/`, named `faqctl-acc-<run id>-<command>`, trusted by the account itself,
//! with exactly that command's published policy (`iam/<command>.json`) inline. The suite
//! assumes each role (sts:AssumeRole) and runs the command with the session's credentials, so
//! on AWS as on the local cloud, IAM itself judges whether the published policy is enough.
//! Every role is deleted with its run; `--sweep` deletes those of runs over an hour old.

use std::time::{Duration, SystemTime};

use anyhow::Context;
use aws_smithy_types::error::display::DisplayErrorContext;

use crate::poll::Poll;
use crate::target::Target;

/// Where the suite's roles live, so that its own policy can be scoped to them.
pub const PATH: &str = "/faqctl-acceptance/";
const PREFIX: &str = "faqctl-acc-";
/// The inline policy's name on each role.
const POLICY: &str = "faqctl-command";

/// A role session's credentials.
pub struct Session {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: String,
}

/// `faqctl-acc-<run id>-<command>`: 11 + 21 + 1 + at most 7 characters, within IAM's 64.
pub fn name(id: &str, command: &str) -> String {
    format!("{PREFIX}{id}-{command}")
}

/// The permissions boundary every test role gets on AWS (iam/acceptance.json lets the suite
/// create roles only with it): `FAQCTL_ACCEPTANCE_BOUNDARY_ARN`, by default the account's
/// `policy/faqctl-acceptance-boundary`; an empty value for none. None on the local cloud, which
/// does not evaluate boundaries (and says so rather than ignore one).
fn boundary(target: &Target) -> Option<String> {
    if target.is_local() {
        return None;
    }
    match std::env::var("FAQCTL_ACCEPTANCE_BOUNDARY_ARN") {
        Ok(arn) if arn.is_empty() => None,
        Ok(arn) => Some(arn),
        Err(_) => Some(format!(
            "arn:{}:iam::{}:policy/faqctl-acceptance-boundary",
            target.partition(),
            target.account
        )),
    }
}

/// Creates the role for `command` with `policy` inline; its ARN.
pub async fn create(
    target: &Target,
    id: &str,
    command: &str,
    policy: &str,
) -> anyhow::Result<String> {
    let iam = target.iam();
    let name = name(id, command);
    let trust = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:{}:iam::{}:root"}},"Action":"sts:AssumeRole"}}]}}"#,
        target.partition(),
        target.account
    );
    let mut create = iam
        .create_role()
        .role_name(&name)
        .path(PATH)
        .assume_role_policy_document(trust)
        .description(format!(
            "faqctl acceptance run {id}: `faqctl {command}` with exactly iam/{command}.json"
        ))
        .tags(
            aws_sdk_iam::types::Tag::builder()
                .key(crate::run::TAG)
                .value(id)
                .build()?,
        );
    if let Some(boundary) = boundary(target) {
        create = create.permissions_boundary(boundary);
    }
    let role = create
        .send()
        .await
        .map_err(|e| {
            anyhow::anyhow!(
                "iam:CreateRole {name}: {}{}",
                DisplayErrorContext(e),
                match boundary(target) {
                    Some(arn) => format!(" (the role is created with the permissions boundary {arn}: create that managed policy, see docs/acceptance.md, or set FAQCTL_ACCEPTANCE_BOUNDARY_ARN)"),
                    None => String::new(),
                }
            )
        })?;
    let arn = role
        .role()
        .map(|r| r.arn().to_string())
        .context("iam:CreateRole answered no role")?;
    iam.put_role_policy()
        .role_name(&name)
        .policy_name(POLICY)
        .policy_document(policy)
        .send()
        .await
        .map_err(|e| anyhow::anyhow!("iam:PutRolePolicy {name}: {}", DisplayErrorContext(e)))?;
    Ok(arn)
}

/// A session of the role. A new role can take a few seconds to be assumable on AWS (IAM is
/// eventually consistent): AccessDenied is retried within the target's propagation time.
pub async fn assume(target: &Target, arn: &str, session: &str) -> anyhow::Result<Session> {
    let sts = aws_sdk_sts::Client::new(&target.config);
    let mut poll = Poll::new(target.propagation).every(Duration::from_secs(2));
    loop {
        let error = match sts
            .assume_role()
            .role_arn(arn)
            .role_session_name(session)
            .duration_seconds(3600)
            .send()
            .await
        {
            Ok(answer) => {
                let credentials = answer
                    .credentials()
                    .context("sts:AssumeRole answered no credentials")?;
                return Ok(Session {
                    access_key_id: credentials.access_key_id().to_string(),
                    secret_access_key: credentials.secret_access_key().to_string(),
                    session_token: credentials.session_token().to_string(),
                });
            }
            Err(error) => error,
        };
        let denied = error.as_service_error().and_then(|e| e.meta().code()) == Some("AccessDenied");
        if target.is_local() || !denied || !poll.tick().await {
            anyhow::bail!("sts:AssumeRole {arn}: {}", DisplayErrorContext(error))
        }
    }
}

/// Deletes a role and its inline policies; a role already gone is fine.
pub async fn delete(target: &Target, name: &str) -> anyhow::Result<()> {
    let iam = target.iam();
    let policies = match iam.list_role_policies().role_name(name).send().await {
        Ok(answer) => answer.policy_names().to_vec(),
        Err(error)
            if error
                .as_service_error()
                .is_some_and(|e| e.is_no_such_entity_exception()) =>
        {
            return Ok(())
        }
        Err(error) => {
            anyhow::bail!(
                "iam:ListRolePolicies {name}: {}",
                DisplayErrorContext(error)
            )
        }
    };
    for policy in policies {
        iam.delete_role_policy()
            .role_name(name)
            .policy_name(&policy)
            .send()
            .await
            .map_err(|e| {
                anyhow::anyhow!("iam:DeleteRolePolicy {name}: {}", DisplayErrorContext(e))
            })?;
    }
    match iam.delete_role().role_name(name).send().await {
        Ok(_) => Ok(()),
        Err(error)
            if error
                .as_service_error()
                .is_some_and(|e| e.is_no_such_entity_exception()) =>
        {
            Ok(())
        }
        Err(error) => anyhow::bail!("iam:DeleteRole {name}: {}", DisplayErrorContext(error)),
    }
}

/// The suite's roles: name and the run id it carries.
pub async fn list(target: &Target) -> anyhow::Result<Vec<(String, String)>> {
    let mut roles = Vec::new();
    let mut pages = target
        .iam()
        .list_roles()
        .path_prefix(PATH)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page =
            page.map_err(|e| anyhow::anyhow!("iam:ListRoles: {}", DisplayErrorContext(e)))?;
        for role in page.roles() {
            // faqctl-acc-<YYYYMMDDTHHMMSSZ-xxxx>-<command>
            if let Some(id) = role
                .role_name()
                .strip_prefix(PREFIX)
                .and_then(|rest| rest.get(..21))
            {
                roles.push((role.role_name().to_string(), id.to_string()));
            }
        }
    }
    Ok(roles)
}

/// The commands a run makes roles for (the least-privilege scenario; the guard's one too).
pub const COMMANDS: [&str; 5] = ["deploy", "plan", "invoke", "logs", "destroy"];

/// Deletes the roles of run `id`, by their names: IAM lists a new role only eventually, so a
/// clean-up right after a failed CreateRole or PutRolePolicy must not depend on ListRoles.
pub async fn delete_run(target: &Target, id: &str) -> anyhow::Result<()> {
    for command in COMMANDS {
        delete(target, &name(id, command)).await?;
    }
    Ok(())
}

/// Deletes the roles of runs that started before `cutoff`; how many.
pub async fn sweep(target: &Target, cutoff: SystemTime) -> anyhow::Result<usize> {
    let mut swept = 0;
    for (name, id) in list(target).await? {
        if crate::run::run_started(&id).is_some_and(|started| started < cutoff) {
            println!("sweep: role {name} of run {id}: deleting");
            delete(target, &name).await?;
            swept += 1;
        }
    }
    Ok(swept)
}
