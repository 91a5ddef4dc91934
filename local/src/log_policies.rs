//! CloudWatch Logs' account-level resource policies (PutResourcePolicy,
//! DescribeResourcePolicies, DeleteResourcePolicy): at most ten a region, a policy put again
//! under its name replaced (even at the limit). PutResourcePolicy answers the document as it
//! was given; DescribeResourcePolicies answers it as AWS keeps it, normalized as IAM does: a
//! `Version` of `2008-10-17` when none was given, and a list of one principal, action or
//! resource written as that one value (recorded: test_put_resource_policy,
//! test_put_resource_policy_update, test_describe_resource_policies).

use serde_json::Value;

use super::clock::now_ms;
use super::error::AwsError;
use super::log_common::{invalid, page_of, Answer};
use super::shapes::logs::{
    DeleteResourcePolicyRequest, DescribeResourcePoliciesRequest, DescribeResourcePoliciesResponse,
    ErrorCode, PolicyScope, PutResourcePolicyRequest, PutResourcePolicyResponse,
    ResourcePolicy as PolicyShape,
};
use super::state::{Db, ResourcePolicy};

/// Resource policies a region holds at most (recorded: test_put_resource_policy_limit_exceeded).
const MAX_POLICIES: usize = 10;

/// A policy as the API answers it, with its document as given or as kept.
fn shape(policy: &ResourcePolicy, document: String) -> PolicyShape {
    PolicyShape {
        policy_name: Some(policy.name.clone()),
        policy_document: Some(document),
        last_updated_time: Some(policy.updated),
        policy_scope: Some(PolicyScope::Account),
        ..Default::default()
    }
}

/// A policy on one resource (`resourceArn`, `policyScope` RESOURCE, revision ids) is not
/// emulated: said so, rather than taken as an account-level one.
fn account_level_only(resource_arn: Option<&str>) -> Answer<()> {
    match resource_arn {
        None => Ok(()),
        Some(_) => Err(invalid(
            "resourceArn: resource-scoped policies are not emulated by faqctl's local cloud",
        )),
    }
}

pub fn put_resource_policy(
    db: &mut Db,
    region: &str,
    input: PutResourcePolicyRequest,
) -> Answer<PutResourcePolicyResponse> {
    account_level_only(input.resource_arn.as_deref())?;
    let name = input
        .policy_name
        .ok_or_else(|| invalid("policyName is required"))?;
    let given = input
        .policy_document
        .ok_or_else(|| invalid("policyDocument is required"))?;
    let document = serde_json::from_str::<Value>(&given)
        .ok()
        .filter(Value::is_object)
        .ok_or_else(|| invalid("Policy document is not valid JSON"))?;
    let policies = &mut db.log_region(region).resource_policies;
    if !policies.contains_key(&name) && policies.len() >= MAX_POLICIES {
        return Err(AwsError::new(
            ErrorCode::LimitExceededException,
            "Resource limit exceeded.",
        ));
    }
    // Each update is a later time than the one before, even within a millisecond.
    let previous = policies.get(&name).map_or(0, |p| p.updated);
    let policy = ResourcePolicy {
        name: name.clone(),
        document: normalized(&document).to_string(),
        updated: now_ms().max(previous + 1),
    };
    let answer = shape(&policy, given);
    policies.insert(name, policy);
    Ok(PutResourcePolicyResponse {
        resource_policy: Some(answer),
        ..Default::default()
    })
}

pub fn describe_resource_policies(
    db: &mut Db,
    region: &str,
    input: DescribeResourcePoliciesRequest,
) -> Answer<DescribeResourcePoliciesResponse> {
    account_level_only(input.resource_arn.as_deref())?;
    let policies: Vec<PolicyShape> = if input.policy_scope == Some(PolicyScope::Resource) {
        Vec::new()
    } else {
        db.log_region(region)
            .resource_policies
            .values()
            .map(|p| shape(p, p.document.clone()))
            .collect()
    };
    let (policies, next_token) = page_of(policies, input.next_token.as_deref(), input.limit)?;
    Ok(DescribeResourcePoliciesResponse {
        resource_policies: Some(policies),
        next_token,
    })
}

pub fn delete_resource_policy(
    db: &mut Db,
    region: &str,
    input: DeleteResourcePolicyRequest,
) -> Answer<()> {
    account_level_only(input.resource_arn.as_deref())?;
    let name = input.policy_name.unwrap_or_default();
    match db.log_region(region).resource_policies.remove(&name) {
        Some(_) => Ok(()),
        // Recorded: test_delete_resource_policy_not_found.
        None => Err(AwsError::new(
            ErrorCode::ResourceNotFoundException,
            format!("Policy with name [{name}] does not exist."),
        )),
    }
}

/// A policy document as AWS keeps it: `Version` `2008-10-17` unless given, and in each
/// statement a list of one principal, action or resource as that one value.
fn normalized(document: &Value) -> Value {
    let mut kept = document.as_object().cloned().unwrap_or_default();
    kept.entry("Version")
        .or_insert_with(|| Value::from("2008-10-17"));
    if let Some(statements) = kept.get_mut("Statement") {
        match statements {
            Value::Array(items) => items.iter_mut().for_each(statement),
            single => statement(single),
        }
    }
    Value::Object(kept)
}

fn statement(statement: &mut Value) {
    let Some(members) = statement.as_object_mut() else {
        return;
    };
    for key in ["Action", "NotAction", "Resource", "NotResource"] {
        if let Some(value) = members.get_mut(key) {
            collapse(value);
        }
    }
    for key in ["Principal", "NotPrincipal"] {
        if let Some(Value::Object(principals)) = members.get_mut(key) {
            principals.values_mut().for_each(collapse);
        }
    }
}

/// A list of one value, as that value.
fn collapse(value: &mut Value) {
    if let Value::Array(items) = value {
        if items.len() == 1 {
            *value = items.remove(0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_document_is_kept_as_aws_describes_it() {
        // Recorded: test_put_resource_policy_update (no Version, one principal in a list).
        let given = json!({"Statement": [{"Action": "logs:*", "Effect": "Allow",
            "Principal": {"Service": ["route53.amazonaws.com"]}, "Resource": "*"}]});
        assert_eq!(
            normalized(&given),
            json!({"Version": "2008-10-17", "Statement": [{"Effect": "Allow",
                "Principal": {"Service": "route53.amazonaws.com"}, "Action": "logs:*",
                "Resource": "*"}]})
        );
        // Two values stay a list; a given Version stays.
        let given = json!({"Version": "2012-10-17", "Statement": {"Action": ["a", "b"],
            "Resource": ["r"], "Principal": {"AWS": ["1", "2"]}}});
        assert_eq!(
            normalized(&given),
            json!({"Version": "2012-10-17", "Statement": {"Action": ["a", "b"],
                "Resource": "r", "Principal": {"AWS": ["1", "2"]}}})
        );
    }
}
