//! Least privilege: each command works with exactly the IAM policy docs/iam.md publishes for it
//! (`iam/*.json`), and with any one of its actions taken away it fails with a message naming
//! that action. The local cloud judges every call against the policy as IAM would; GetFunction
//! withholds Tags from a caller without `lambda:ListTags`, so a CI role without it must still see
//! a converged deployment as converged.

use crate::common;

use std::process::Output;

use common::{faqctl_at, run, zip, Sdk, ROLE_ARN};
use faqctl::local::{LocalCloud, LocalConfig};
use futures_util::stream::{self, StreamExt};
use serde_json::Value;

const LOGS_ROLE: &str = "arn:aws:iam::123456789012:role/apigw-logs";

/// A published policy, with docs/iam.md's placeholders filled in as the tests' roles.
fn policy(command: &str) -> Value {
    let path = common::workspace()
        .join("iam")
        .join(format!("{command}.json"));
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace("YOUR-LAMBDA-ROLE", "faq-lambda-role")
        .replace("YOUR-APIGW-LOGS-ROLE", "apigw-logs");
    serde_json::from_str(&text).unwrap()
}

/// The actions a command cannot do without: all but those of statements marked `Optional…`.
fn required_actions(policy: &Value) -> Vec<String> {
    let mut actions: Vec<String> = policy["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| {
            !s["Sid"]
                .as_str()
                .unwrap_or_default()
                .starts_with("Optional")
        })
        .flat_map(|s| match &s["Action"] {
            Value::String(one) => vec![one.clone()],
            list => list
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a.as_str().unwrap().to_string())
                .collect(),
        })
        .collect();
    actions.sort();
    actions.dedup();
    actions
}

/// The policy without one action (statements left with none are dropped).
fn without(policy: &Value, action: &str) -> Value {
    let mut policy = policy.clone();
    let statements = policy["Statement"].as_array_mut().unwrap();
    for statement in statements.iter_mut() {
        let actions: Vec<Value> = match &statement["Action"] {
            Value::String(one) => vec![Value::String(one.clone())],
            list => list.as_array().unwrap().clone(),
        };
        statement["Action"] = Value::Array(actions.into_iter().filter(|a| a != action).collect());
    }
    statements.retain(|s| !s["Action"].as_array().unwrap().is_empty());
    policy
}

async fn set_policy(cloud: &LocalCloud, policy: Option<&Value>) {
    let client = common::admin();
    let url = format!("{}/_faqctl/iam", cloud.endpoint());
    let response = match policy {
        Some(policy) => client
            .post(url)
            .body(policy.to_string())
            .send()
            .await
            .unwrap(),
        None => client.delete(url).send().await.unwrap(),
    };
    assert!(
        response.status().is_success(),
        "{:?}",
        response.text().await
    );
}

fn faqctl(cloud: &LocalCloud, args: &[&str]) -> assert_cmd::Command {
    let mut command = faqctl_at(&cloud.endpoint());
    command.args(args);
    command
}

fn deploy_args(zip: &str) -> Vec<String> {
    [
        "deploy",
        "--zip",
        zip,
        "--role-arn",
        ROLE_ARN,
        "--api-logs",
        "--apigw-logs-role-arn",
        LOGS_ROLE,
    ]
    .map(str::to_string)
    .to_vec()
}

/// Runs each command in turn; the first failure's stderr is the error.
async fn steps(cloud: &LocalCloud, commands: Vec<Vec<String>>) -> Result<(), String> {
    for args in commands {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let output: Output = run(faqctl(cloud, &args)).await;
        if !output.status.success() {
            return Err(format!(
                "faqctl {} exited {:?}: {}",
                args.join(" "),
                output.status.code(),
                String::from_utf8_lossy(&output.stderr)
            ));
        }
    }
    Ok(())
}

/// A converged deployment made without restrictions, with API logs on and one request served
/// (so that API Gateway's execution log group exists, and has its retention).
async fn deployed(cloud: &LocalCloud) {
    set_policy(cloud, None).await;
    steps(cloud, vec![deploy_args(&zip())]).await.unwrap();
    let api = Sdk::at(&cloud.endpoint()).await.api_ids("FAQ-API").await[0].clone();
    let url = format!("{}/_aws/execute-api/{api}/myDeployment/", cloud.endpoint());
    assert_eq!(reqwest::get(url).await.unwrap().status(), 200);
    steps(cloud, vec![deploy_args(&zip())]).await.unwrap();
}

/// Deployed with API keys required (the usage plan made) and a key made for a partner; a
/// re-deploy then reads the plan too.
async fn deployed_with_keys(cloud: &LocalCloud) {
    set_policy(cloud, None).await;
    let mut args = deploy_args(&zip());
    args.push("--api-key-required".into());
    steps(
        cloud,
        vec![
            args.clone(),
            ["keys", "create", "acme-corp"].map(str::to_string).to_vec(),
            args,
        ],
    )
    .await
    .unwrap();
}

/// Everything each command does, under `policy`: the setup runs unrestricted.
async fn scenario(command: &str, policy: &Value) -> Result<(), String> {
    let cloud = common::local_cloud(LocalConfig::default()).await;
    let result = match command {
        "deploy" => deploy_scenario(&cloud, policy).await,
        "plan" => {
            deployed(&cloud).await;
            set_policy(&cloud, Some(policy)).await;
            let plan = run(faqctl(
                &cloud,
                &["plan", "--zip", &zip(), "--detailed-exitcode"],
            ))
            .await;
            match plan.status.code() {
                Some(0) => steps(&cloud, vec![vec!["status".into()]]).await,
                code => Err(format!(
                    "plan exited {code:?}: {}{}",
                    String::from_utf8_lossy(&plan.stdout),
                    String::from_utf8_lossy(&plan.stderr)
                )),
            }
        }
        "invoke" => {
            deployed(&cloud).await;
            set_policy(&cloud, Some(policy)).await;
            steps(
                &cloud,
                vec![
                    vec!["invoke".into()],
                    vec!["invoke".into(), "--http".into()],
                ],
            )
            .await
        }
        "logs" => {
            deployed(&cloud).await;
            set_policy(&cloud, Some(policy)).await;
            let all = ["logs", "--source", "all"].map(str::to_string).to_vec();
            steps(&cloud, vec![vec!["logs".into()], all]).await
        }
        "destroy" => {
            deployed_with_keys(&cloud).await;
            set_policy(&cloud, Some(policy)).await;
            steps(&cloud, vec![vec!["destroy".into(), "--yes".into()]]).await
        }
        "cache" => {
            set_policy(&cloud, None).await;
            let mut args = deploy_args(&zip());
            args.extend(["--cache-ttl".to_string(), "60".to_string()]);
            steps(&cloud, vec![args]).await.unwrap();
            set_policy(&cloud, Some(policy)).await;
            steps(&cloud, vec![vec!["cache".into(), "flush".into()]]).await
        }
        "export" => {
            deployed(&cloud).await;
            set_policy(&cloud, Some(policy)).await;
            let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
            steps(
                &cloud,
                vec![
                    args(&["export"]),
                    args(&["export", "--format", "swagger", "--yaml", "--extensions"]),
                ],
            )
            .await
        }
        "keys" => {
            deployed_with_keys(&cloud).await;
            set_policy(&cloud, Some(policy)).await;
            let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
            steps(
                &cloud,
                vec![
                    args(&["keys", "create", "globex"]),
                    args(&["keys", "list"]),
                    args(&["keys", "revoke", "globex"]),
                ],
            )
            .await
        }
        other => panic!("no scenario for {other}"),
    };
    cloud.stop().await;
    result
}

/// A cold deploy, then one that repairs drift (a duplicate API with its execution log group, a
/// wrong permission) and changes code and memory: every write deploy can make.
async fn deploy_scenario(cloud: &LocalCloud, policy: &Value) -> Result<(), String> {
    set_policy(cloud, Some(policy)).await;
    steps(cloud, vec![deploy_args(&zip())]).await?;

    set_policy(cloud, None).await;
    let sdk = Sdk::at(&cloud.endpoint()).await;
    let api = sdk.api_ids("FAQ-API").await[0].clone();
    let url = format!("{}/_aws/execute-api/{api}/myDeployment/", cloud.endpoint());
    assert_eq!(reqwest::get(url).await.unwrap().status(), 200);
    let duplicate = sdk
        .apigateway
        .create_rest_api()
        .name("FAQ-API")
        .tags("managed-by", "faqctl")
        .send()
        .await
        .unwrap();
    sdk.logs
        .create_log_group()
        .log_group_name(format!(
            "API-Gateway-Execution-Logs_{}/myDeployment",
            duplicate.id().unwrap()
        ))
        .send()
        .await
        .unwrap();
    sdk.lambda
        .remove_permission()
        .function_name("FAQ")
        .qualifier("live")
        .statement_id("faqctl-apigw-get")
        .send()
        .await
        .unwrap();
    sdk.lambda
        .add_permission()
        .function_name("FAQ")
        .qualifier("live")
        .statement_id("faqctl-apigw-get")
        .action("lambda:InvokeFunction")
        .principal("apigateway.amazonaws.com")
        .source_arn("arn:aws:execute-api:us-east-1:000000000000:other/*/GET/")
        .send()
        .await
        .unwrap();

    set_policy(cloud, Some(policy)).await;
    let dir = tempfile::tempdir().unwrap();
    let changed = common::changed_zip(dir.path());
    let mut args = deploy_args(changed.to_str().unwrap());
    args.extend(["--memory".to_string(), "256".to_string()]);
    // A third version, with two kept: the first is pruned (DeleteFunction of version 1).
    let mut third = deploy_args(&zip());
    third.extend(["--memory", "256", "--keep-versions", "2"].map(str::to_string));
    steps(cloud, vec![args, third]).await
}

async fn published_policy_is_exactly_enough(command: &'static str) {
    let published = policy(command);
    scenario(command, &published)
        .await
        .unwrap_or_else(|e| panic!("{command} with its published policy: {e}"));
    let actions = required_actions(&published);
    assert!(!actions.is_empty());
    let results: Vec<(String, Result<(), String>)> = stream::iter(actions)
        .map(|action| {
            let reduced = without(&published, &action);
            async move {
                let result = scenario(command, &reduced).await;
                (action, result)
            }
        })
        .buffer_unordered(3)
        .collect()
        .await;
    for (action, result) in results {
        match result {
            Ok(()) => panic!("{command} worked without {action}: drop it from iam/{command}.json"),
            Err(message) => assert!(
                message.contains(&format!("not authorized to perform: {action} ")),
                "{command} without {action} must fail naming it: {message}"
            ),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deploy_needs_exactly_its_published_policy() {
    published_policy_is_exactly_enough("deploy").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plan_and_status_need_exactly_their_published_policy() {
    published_policy_is_exactly_enough("plan").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invoke_needs_exactly_its_published_policy() {
    published_policy_is_exactly_enough("invoke").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_need_exactly_their_published_policy() {
    published_policy_is_exactly_enough("logs").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cache_flush_needs_exactly_its_published_policy() {
    published_policy_is_exactly_enough("cache").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_needs_exactly_its_published_policy() {
    published_policy_is_exactly_enough("export").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_need_exactly_their_published_policy() {
    published_policy_is_exactly_enough("keys").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn destroy_needs_exactly_its_published_policy() {
    published_policy_is_exactly_enough("destroy").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_caller_without_list_tags_sees_its_own_deployment_as_converged() {
    let cloud = common::local_cloud(LocalConfig {
        deny: Some("lambda:ListTags".into()),
        ..LocalConfig::default()
    })
    .await;
    steps(&cloud, vec![deploy_args(&zip())]).await.unwrap();
    // GetFunction answers TagsError in AWS's shape, not empty Tags.
    let sdk = Sdk::at(&cloud.endpoint()).await;
    let function = sdk.function().await;
    assert!(function.tags().is_none());
    let error = function.tags_error().expect("a TagsError");
    assert_eq!(error.error_code(), "AccessDeniedException");
    assert!(error.message().contains("is not authorized to perform: lambda:ListTags on resource: arn:aws:lambda:us-east-1:000000000000:function:FAQ"), "{}", error.message());
    let plan = run(faqctl(
        &cloud,
        &["plan", "--zip", &zip(), "--detailed-exitcode"],
    ))
    .await;
    assert_eq!(
        plan.status.code(),
        Some(0),
        "no change planned from tags it cannot see: {}",
        String::from_utf8_lossy(&plan.stdout)
    );
    let calls = cloud.calls();
    assert!(
        !calls.contains_key("TagResource"),
        "never re-tagged: {calls:?}"
    );
    assert!(calls.contains_key("ListTags (denied)"), "{calls:?}");
    // Without API logs, no command reads the account's settings.
    let fresh = common::local_cloud(LocalConfig::default()).await;
    for args in [
        vec!["deploy", "--zip", &zip(), "--role-arn", ROLE_ARN],
        vec!["plan", "--zip", &zip()],
        vec!["status"],
        vec!["destroy", "--yes"],
    ] {
        let output = run(faqctl(&fresh, &args)).await;
        assert!(
            output.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    assert!(
        !fresh.calls().contains_key("GetAccount"),
        "{:?}",
        fresh.calls()
    );
    fresh.stop().await;
    cloud.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn describe_log_groups_is_granted_only_by_a_statement_on_every_resource() {
    // AWS's Service Authorization Reference lists no resource type for logs:DescribeLogGroups,
    // so the published policies grant it on "*" (docs/iam.md); a statement on the account's log
    // groups is refused, as parliament says it would be.
    let cloud = common::local_cloud(LocalConfig::default()).await;
    let sdk = Sdk::at(&cloud.endpoint()).await;
    let grant = |resource: &str| {
        serde_json::json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Action": "logs:DescribeLogGroups", "Resource": resource}]})
    };
    set_policy(&cloud, Some(&grant("arn:aws:logs:*:*:log-group:*"))).await;
    let refused = sdk.logs.describe_log_groups().send().await.unwrap_err();
    let message = format!(
        "{}",
        aws_smithy_types::error::display::DisplayErrorContext(&refused)
    );
    assert!(
        message.contains("not authorized to perform: logs:DescribeLogGroups on resource: *"),
        "{message}"
    );
    set_policy(&cloud, Some(&grant("*"))).await;
    sdk.logs.describe_log_groups().send().await.unwrap();
    cloud.stop().await;
}
