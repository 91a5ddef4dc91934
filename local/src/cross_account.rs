//! Lambda's calls on another account's function or layer: a request whose `FunctionName`,
//! `Resource`, `LayerName` or `Arn` is a full ARN (or `ACCOUNT:function:NAME`) of another
//! account than its signer's. AWS lets such a call through only where the resource's policy
//! grants the caller's account the action, and only for the operations it documents as
//! cross-account (the functions' list in "Granting function access to other accounts", the
//! layers' GetLayerVersion and GetLayerVersionByArn); anything else is refused with IAM's
//! sentence naming the resource-based policy. A call let through runs as the resource's
//! account's (`arns::in_account`), so it sees and changes that account's state.

use std::sync::Arc;

use axum::response::Response;
use serde_json::Value;

use super::arns::{account, lambda_arn, partition, LambdaArn};
use super::shapes::lambda::{ErrorCode, Operation};
use super::wire::lambda_error;
use super::Cloud;

/// The operations a function's resource policy can grant another account (AWS's list).
const FUNCTION_OPERATIONS: &[Operation] = &[
    Operation::Invoke,
    Operation::GetFunction,
    Operation::GetFunctionConfiguration,
    Operation::UpdateFunctionCode,
    Operation::DeleteFunction,
    Operation::PublishVersion,
    Operation::ListVersionsByFunction,
    Operation::CreateAlias,
    Operation::GetAlias,
    Operation::ListAliases,
    Operation::UpdateAlias,
    Operation::DeleteAlias,
    Operation::GetPolicy,
    Operation::PutFunctionConcurrency,
    Operation::DeleteFunctionConcurrency,
    Operation::ListTags,
    Operation::TagResource,
    Operation::UntagResource,
];

/// What a request names in another account.
struct Named<'a> {
    account: &'a str,
    region: &'a str,
    /// The function's or the layer's name.
    name: &'a str,
    /// A layer's version number (a layer's ARN only).
    layer_version: Option<u64>,
    /// A function's version or alias (its ARN's, or the `Qualifier` member): its own policy
    /// is the one that grants.
    qualifier: Option<&'a str>,
    /// The ARN the refusal names.
    arn: String,
}

/// The account a request acts in.
pub enum Acting {
    /// Its signer's.
    Own,
    /// Another account's, whose resource policy lets the signer's account do the operation.
    As(Arc<str>),
    /// None: the refusal.
    Refused(Response),
}

/// The account a request acts in, judged by what it names.
pub fn owner(cloud: &Cloud, operation: Operation, region: &str, input: &Value) -> Acting {
    let caller = account();
    let Some(named) = named(operation, region, input).filter(|n| n.account != &*caller) else {
        return Acting::Own;
    };
    let action = action(operation);
    let allowed = cloud
        .accounts
        .existing(named.account)
        .is_some_and(|db| granted(&super::lock(db), operation, &named, &caller, action));
    if allowed {
        Acting::As(Arc::from(named.account))
    } else {
        Acting::Refused(lambda_error(
            ErrorCode::AccessDeniedException,
            &format!(
                "User: arn:{}:iam::{caller}:root is not authorized to perform: lambda:{action} on resource: {} because no resource-based policy allows the lambda:{action} action",
                partition(region).0,
                named.arn
            ),
        ))
    }
}

/// The IAM action an operation needs.
fn action(operation: Operation) -> &'static str {
    match operation {
        Operation::Invoke => "InvokeFunction",
        Operation::GetLayerVersionByArn => "GetLayerVersion",
        other => other.name(),
    }
}

/// The other account's function or layer a request names, if it names one by ARN. A function
/// made under another account's ARN is CreateFunction's own refusal (recorded:
/// test_function_arns, function_arn_other_account_exc: a 403 with no message).
fn named<'a>(operation: Operation, region: &'a str, input: &'a Value) -> Option<Named<'a>> {
    if operation == Operation::CreateFunction {
        return None;
    }
    let member = ["FunctionName", "Resource", "LayerName", "Arn"]
        .iter()
        .find_map(|m| input[*m].as_str())?;
    let LambdaArn {
        region: in_region,
        account,
        kind,
        name,
        suffix,
    } = lambda_arn(member)?;
    let in_region = in_region.unwrap_or(region);
    let layer_version = match (kind, operation) {
        ("layer", Operation::GetLayerVersion) => match &input["VersionNumber"] {
            Value::String(number) => number.parse().ok(),
            number => number.as_u64(),
        },
        ("layer", _) => suffix.and_then(|n| n.parse().ok()),
        _ => None,
    };
    let arn = match (kind, layer_version) {
        ("layer", Some(number)) => {
            format!(
                "arn:{}:lambda:{in_region}:{account}:layer:{name}:{number}",
                partition(region).0
            )
        }
        _ => member.to_string(),
    };
    let qualifier = match kind {
        "function" => suffix.or_else(|| input["Qualifier"].as_str()),
        _ => None,
    };
    Some(Named {
        account,
        region: in_region,
        name,
        layer_version,
        qualifier,
        arn,
    })
}

/// Whether the named resource's policy grants `caller` the action, for an operation that
/// may cross accounts.
fn granted(
    db: &super::state::Db,
    operation: Operation,
    named: &Named,
    caller: &str,
    action: &str,
) -> bool {
    let statements = match operation {
        Operation::GetLayerVersion | Operation::GetLayerVersionByArn => db
            .layer(named.region, named.name)
            .and_then(|layer| layer.versions.get(&named.layer_version?))
            .map(|version| version.policy.clone()),
        op if FUNCTION_OPERATIONS.contains(&op) => db
            .function(named.region, named.name)
            .and_then(|function| super::versions::resolve(function, named.qualifier))
            .map(|resolved| resolved.policy),
        _ => None,
    };
    statements.is_some_and(|statements| {
        statements
            .iter()
            .any(|statement| allows(statement, caller, action))
    })
}

/// Whether a statement's `Principal` takes in `account`: `*`, the account id, or its root's
/// ARN (as a string, or under `AWS`).
pub fn names_account(principal: &Value, account: &str) -> bool {
    match principal {
        Value::String(p) => p == "*" || p == account,
        principal => {
            let aws = &principal["AWS"];
            let names = aws
                .as_array()
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_else(|| aws.as_str().into_iter().collect::<Vec<_>>());
            names.iter().any(|name| {
                *name == "*"
                    || *name == account
                    || name
                        .strip_suffix(":root")
                        .and_then(|n| n.rsplit(':').next())
                        == Some(account)
            })
        }
    }
}

/// Whether one policy statement allows `caller`'s account the action (a statement with a
/// condition is not judged: it grants nothing here).
fn allows(statement: &Value, caller: &str, action: &str) -> bool {
    let principal_ok = names_account(&statement["Principal"], caller);
    let wanted = format!("lambda:{action}");
    let actions = match &statement["Action"] {
        Value::Array(list) => list.iter().filter_map(Value::as_str).collect(),
        Value::String(one) => vec![one.as_str()],
        _ => Vec::new(),
    };
    statement["Effect"] == "Allow"
        && statement.get("Condition").is_none()
        && principal_ok
        && actions
            .iter()
            .any(|a| *a == "*" || *a == "lambda:*" || *a == wanted)
}
