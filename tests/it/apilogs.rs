//! Debugging with CloudWatch: API Gateway's execution and access logs beside the function's,
//! on the local cloud (which writes them as API Gateway does) and against moto (the control
//! plane calls), plus the stage's throttling.

use crate::common;

use common::zip;

use common::{faqctl_at, json_ok_async, operations, run, Moto, Sdk, ROLE_ARN};
use faqctl::local::LocalConfig;

const LOGS_ROLE: &str = "arn:aws:iam::123456789012:role/apigw-cloudwatch";

fn command(endpoint: &str, args: &[&str]) -> assert_cmd::Command {
    let mut command = faqctl_at(endpoint);
    command.args(args);
    command
}

async fn log_lines(endpoint: &str, source: &str) -> Vec<serde_json::Value> {
    let output = run(command(
        endpoint,
        &["logs", "--source", source, "--output", "json"],
    ))
    .await;
    assert!(
        output.status.success(),
        "logs --source {source}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    common::json_lines(&output.stdout)
}

fn messages(lines: &[serde_json::Value]) -> Vec<String> {
    lines
        .iter()
        .map(|l| l["message"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_gateway_logs_explain_what_the_caller_only_sees_as_5xx() {
    let cloud = common::local_cloud(LocalConfig::default()).await;
    let endpoint = cloud.endpoint();
    let zip = zip();
    api_logs_without_the_cloudwatch_role_are_explained(&endpoint, &zip).await;
    let url = api_logs_are_deployed_and_remembered(&endpoint, &zip).await;
    the_access_and_execution_logs_tell_each_request(&endpoint).await;
    let sdk = Sdk::at(&endpoint).await;
    the_execution_log_says_why_a_request_failed(&endpoint, &sdk, &url).await;
    every_source_is_interleaved_in_time_order(&endpoint).await;
    destroy_removes_the_api_gateway_log_groups(&endpoint, &sdk).await;
    cloud.stop().await;
}

/// Without the account's CloudWatch role, --api-logs explains what is missing.
async fn api_logs_without_the_cloudwatch_role_are_explained(endpoint: &str, zip: &str) {
    let output = run(command(
        endpoint,
        &["deploy", "--zip", zip, "--role-arn", ROLE_ARN, "--api-logs"],
    ))
    .await;
    assert_eq!(output.status.code(), Some(1));
    let message = String::from_utf8_lossy(&output.stderr);
    assert!(message.starts_with("error: --api-logs needs API Gateway's account-level CloudWatch role, and this account has none in us-east-1"), "{message}");
    assert!(message.contains("Pass --apigw-logs-role-arn"), "{message}");
}

/// With the role, --api-logs sets the account and the stage up; a plain deploy keeps the logs
/// on, gives API Gateway's own execution log group faqctl's retention once, then converges.
/// Returns the stage's URL.
async fn api_logs_are_deployed_and_remembered(endpoint: &str, zip: &str) -> String {
    let deployed = json_ok_async(command(
        endpoint,
        &[
            "deploy",
            "--zip",
            zip,
            "--role-arn",
            ROLE_ARN,
            "--api-logs",
            "--apigw-logs-role-arn",
            LOGS_ROLE,
        ],
    ))
    .await;
    let ops = operations(&deployed);
    assert_eq!(
        &ops[ops.len() - 4..],
        [
            "UpdateAccount",
            "CreateLogGroup",
            "PutRetentionPolicy",
            "UpdateStage"
        ],
        "{ops:?}"
    );
    let url = deployed["invoke_url"].as_str().unwrap().to_string();
    assert_eq!(reqwest::get(&url).await.unwrap().status(), 200);
    // Remembered: a plain deploy keeps the logs on. API Gateway made its own execution log
    // group on that first request, with no retention: this deploy gives it faqctl's, once.
    let again = json_ok_async(command(endpoint, &["deploy", "--zip", zip])).await;
    assert_eq!(operations(&again), ["PutRetentionPolicy"]);
    assert!(
        again["changes"][0]["description"]
            .as_str()
            .unwrap()
            .starts_with("~ set retention of log group API-Gateway-Execution-Logs_"),
        "{again}"
    );
    let converged = json_ok_async(command(endpoint, &["deploy", "--zip", zip])).await;
    assert_eq!(operations(&converged), Vec::<String>::new());
    url
}

/// The access log: one JSON line per request with its status and latencies; the execution log
/// says how the method completed.
async fn the_access_and_execution_logs_tell_each_request(endpoint: &str) {
    let access = log_lines(endpoint, "access").await;
    let entry: serde_json::Value =
        serde_json::from_str(access[0]["message"].as_str().unwrap()).unwrap();
    assert_eq!(entry["status"], "200");
    assert_eq!(entry["httpMethod"], "GET");
    assert_eq!(entry["path"], "/myDeployment/");
    assert!(
        entry["responseLatency"]
            .as_str()
            .unwrap()
            .parse::<u64>()
            .is_ok(),
        "{entry}"
    );
    assert!(
        entry["integrationLatency"]
            .as_str()
            .unwrap()
            .parse::<u64>()
            .is_ok(),
        "{entry}"
    );
    assert_eq!(access[0]["source"], "access");
    // The execution log.
    let api = messages(&log_lines(endpoint, "api").await);
    assert!(
        api.iter()
            .any(|m| m.ends_with("Method completed with status: 200")),
        "{api:#?}"
    );
}

/// A malformed proxy response (502) and a removed permission (500): the execution log says
/// why the caller sees a 5xx.
async fn the_execution_log_says_why_a_request_failed(endpoint: &str, sdk: &Sdk, url: &str) {
    // A malformed proxy response: the caller gets 502, the execution log says why.
    let malformed = common::script_zip(
        r#"post /2018-06-01/runtime/invocation/$id/response '{"statusCode":200,"body":{"oops":1}}'"#,
    );
    sdk.replace_code(malformed).await;
    assert_eq!(reqwest::get(url).await.unwrap().status(), 502);
    let api = messages(&log_lines(endpoint, "api").await);
    assert!(
        api.iter().any(|m| m.ends_with(
            "Execution failed due to configuration error: Malformed Lambda proxy response"
        )),
        "{api:#?}"
    );
    assert!(
        api.iter()
            .any(|m| m.ends_with("Method completed with status: 502")),
        "{api:#?}"
    );

    // A removed permission: 500, and the permission error line.
    sdk.lambda
        .remove_permission()
        .function_name("FAQ")
        .qualifier("live")
        .statement_id("faqctl-apigw-get")
        .send()
        .await
        .unwrap();
    assert_eq!(reqwest::get(url).await.unwrap().status(), 500);
    let api = messages(&log_lines(endpoint, "api").await);
    assert!(
        api.iter().any(|m| m.ends_with(
            "Execution failed due to configuration error: Invalid permissions on Lambda function"
        )),
        "{api:#?}"
    );
}

/// --source all: every source, interleaved in time order, each line marked.
async fn every_source_is_interleaved_in_time_order(endpoint: &str) {
    let all = log_lines(endpoint, "all").await;
    let sources: std::collections::BTreeSet<&str> =
        all.iter().map(|l| l["source"].as_str().unwrap()).collect();
    assert_eq!(
        sources.into_iter().collect::<Vec<_>>(),
        ["access", "api", "function"]
    );
    let times: Vec<i64> = all
        .iter()
        .map(|l| l["timestamp_ms"].as_i64().unwrap())
        .collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "in time order");
    let text = run(command(endpoint, &["logs", "--source", "all"])).await;
    assert!(String::from_utf8_lossy(&text.stdout)
        .lines()
        .all(|l| l.contains(" [function] ") || l.contains(" [api] ") || l.contains(" [access] ")));
}

/// destroy removes the log groups API Gateway logging made.
async fn destroy_removes_the_api_gateway_log_groups(endpoint: &str, sdk: &Sdk) {
    let destroyed = json_ok_async(command(endpoint, &["destroy", "--yes"])).await;
    let descriptions: Vec<&str> = destroyed["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["description"].as_str().unwrap())
        .collect();
    assert!(
        descriptions.contains(&"- delete log group /aws/apigateway/FAQ-API/myDeployment"),
        "{descriptions:?}"
    );
    assert!(
        descriptions
            .iter()
            .any(|d| d.starts_with("- delete log group API-Gateway-Execution-Logs_")),
        "{descriptions:?}"
    );
    let groups = sdk.logs.describe_log_groups().send().await.unwrap();
    assert!(groups.log_groups().is_empty(), "{:?}", groups.log_groups());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_stage_throttles_beyond_its_burst() {
    let cloud = common::local_cloud(LocalConfig::default()).await;
    let deployed = json_ok_async(command(
        &cloud.endpoint(),
        &[
            "deploy",
            "--zip",
            &zip(),
            "--role-arn",
            ROLE_ARN,
            "--throttle-rate",
            "1",
            "--throttle-burst",
            "3",
        ],
    ))
    .await;
    let url = deployed["invoke_url"].as_str().unwrap();
    let client = reqwest::Client::new();
    let mut statuses = Vec::new();
    for _ in 0..6 {
        let response = client.get(url).send().await.unwrap();
        let status = response.status().as_u16();
        let body = response.text().await.unwrap();
        if status == 429 {
            assert_eq!(body, r#"{"message":"Too Many Requests"}"#);
        }
        statuses.push(status);
    }
    assert_eq!(&statuses[..3], [200, 200, 200], "the burst passes");
    assert!(
        statuses[3..].contains(&429),
        "beyond the burst: {statuses:?}"
    );
    cloud.stop().await;
}

#[tokio::test]
async fn against_moto_the_stage_settings_and_account_role_are_set_as_planned() {
    let moto = Moto::start();
    let zip = zip();
    let output = command(
        &moto.endpoint,
        &[
            "deploy",
            "--zip",
            &zip,
            "--role-arn",
            ROLE_ARN,
            "--api-logs",
        ],
    )
    .output()
    .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr)
        .contains("Pass --apigw-logs-role-arn with an existing IAM role"));

    let plan = command(
        &moto.endpoint,
        &[
            "plan",
            "--zip",
            &zip,
            "--role-arn",
            ROLE_ARN,
            "--api-logs",
            "--apigw-logs-role-arn",
            LOGS_ROLE,
        ],
    )
    .output()
    .unwrap();
    let plan = String::from_utf8_lossy(&plan.stdout).into_owned();
    assert!(plan.contains("~ set API Gateway's account CloudWatch role to arn:aws:iam::123456789012:role/apigw-cloudwatch"), "{plan}");
    assert!(
        plan.contains("+ create log group /aws/apigateway/FAQ-API/myDeployment"),
        "{plan}"
    );
    assert!(
        plan.contains("~ update stage myDeployment (logging, throttling, access logs)"),
        "{plan}"
    );

    let deployed = common::json_ok(&mut command(
        &moto.endpoint,
        &[
            "deploy",
            "--zip",
            &zip,
            "--role-arn",
            ROLE_ARN,
            "--api-logs",
            "--apigw-logs-role-arn",
            LOGS_ROLE,
            "--throttle-rate",
            "25",
            "--throttle-burst",
            "50",
        ],
    ));
    assert!(operations(&deployed).contains(&"UpdateAccount".to_string()));
    let sdk = Sdk::at(&moto.endpoint).await;
    let account = sdk.apigateway.get_account().send().await.unwrap();
    assert_eq!(account.cloudwatch_role_arn(), Some(LOGS_ROLE));
    let stage = sdk
        .apigateway
        .get_stage()
        .rest_api_id(deployed["api_id"].as_str().unwrap())
        .stage_name("myDeployment")
        .send()
        .await
        .unwrap();
    let all = &stage.method_settings().unwrap()["*/*"];
    assert_eq!(all.logging_level(), Some("INFO"));
    assert!(!all.data_trace_enabled());
    assert_eq!(
        (all.throttling_rate_limit(), all.throttling_burst_limit()),
        (25.0, 50)
    );
    let access = stage.access_log_settings().unwrap();
    assert_eq!(
        access.destination_arn(),
        Some("arn:aws:logs:us-east-1:123456789012:log-group:/aws/apigateway/FAQ-API/myDeployment")
    );
    assert!(access.format().unwrap().contains("$context.requestId"));
    let groups = sdk
        .logs
        .describe_log_groups()
        .log_group_name_prefix("/aws/apigateway/")
        .send()
        .await
        .unwrap();
    assert_eq!(groups.log_groups()[0].retention_in_days(), Some(14));
}
