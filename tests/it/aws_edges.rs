//! Real AWS's hard edges, reproduced by the local cloud: account quotas that outlast the SDK's
//! retries (429 with Retry-After), partitions other than `aws`, API Gateway's "concurrent
//! modification", calls that must not repeat, names CloudWatch refuses, log groups API Gateway
//! leaves behind, and per-service endpoint variables. Each test fails on a faqctl that handles
//! the edge as the emulators forgive it.

use crate::common;

use std::process::Output;
use std::time::Duration;

use common::{faqctl_at, json_ok_async, operations, run, zip, ROLE_ARN};
use faqctl::local::{LocalCloud, LocalConfig};

async fn start(faults: Option<&str>, enforce_rate_limits: bool) -> LocalCloud {
    common::local_cloud(LocalConfig {
        faults: faults.map(str::to_string),
        enforce_rate_limits,
        ..LocalConfig::default()
    })
    .await
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// `faqctl deploy` of the built package under these names.
fn deploy(cloud: &LocalCloud, function: &str, api: &str) -> assert_cmd::Command {
    let mut command = faqctl_at(&cloud.endpoint());
    command.args([
        "deploy",
        "--zip",
        &zip(),
        "--role-arn",
        ROLE_ARN,
        "--function-name",
        function,
        "--api-name",
        api,
    ]);
    command
}

fn destroy(cloud: &LocalCloud, function: &str, api: &str) -> assert_cmd::Command {
    let mut command = faqctl_at(&cloud.endpoint());
    command.args([
        "destroy",
        "--yes",
        "--function-name",
        function,
        "--api-name",
        api,
    ]);
    command
}

/// With the SDK's real backoff (0.5 s first), which outlasts CreateRestApi's 1 per 3 s; the
/// tests' default of 10 ms does not. (CreateDeployment's 1 per 5 s is waited out as the 429
/// asks, whatever the backoff.)
fn patient(mut command: assert_cmd::Command) -> assert_cmd::Command {
    command.env("FAQCTL_RETRY_BASE_MS", "500");
    command
}

/// How many calls of `operation` the local cloud refused for its quota.
fn throttled(cloud: &LocalCloud, operation: &str) -> u64 {
    cloud
        .calls()
        .get(&format!("{operation} (throttled)"))
        .copied()
        .unwrap_or_default()
}

/// Creates a REST API out of band, waiting out CreateRestApi's quota (1 per 3 s) as AWS asks.
async fn create_api(sdk: &common::Sdk, name: &str, tagged: bool) -> String {
    let mut poll = common::Poll::new(Duration::from_secs(60));
    loop {
        let mut call = sdk.apigateway.create_rest_api().name(name);
        if tagged {
            call = call.tags("managed-by", "faqctl");
        }
        match call.send().await {
            Ok(api) => return api.id().unwrap().to_string(),
            Err(e) => {
                let wait = e
                    .raw_response()
                    .and_then(|r| r.headers().get("retry-after"))
                    .and_then(|v| v.parse::<u64>().ok())
                    .unwrap_or_else(|| panic!("CreateRestApi {name}: {e:?}"));
                // The next try when AWS says, within the bound.
                poll = poll.every(Duration::from_secs(wait));
                assert!(poll.tick().await, "CreateRestApi {name} stayed throttled");
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_destroys_within_the_delete_quota_both_converge() {
    // DeleteRestApi: 1 per 30 s per account. The second destroy's delete is refused with
    // Retry-After, which the SDK's retry ignores (and gives up on within its attempts); faqctl
    // waits what AWS asks.
    let cloud = start(None, true).await;
    for (function, api) in [("FAQ", "FAQ-API"), ("FAQ2", "FAQ2-API")] {
        let output = run(patient(deploy(&cloud, function, api))).await;
        assert!(output.status.success(), "{api}: {}", stderr(&output));
    }
    let first = run(patient(destroy(&cloud, "FAQ", "FAQ-API"))).await;
    assert!(first.status.success(), "{}", stderr(&first));
    let mut second = patient(destroy(&cloud, "FAQ2", "FAQ2-API"));
    second.arg("-v");
    let second = run(second).await;
    assert!(second.status.success(), "{}", stderr(&second));
    assert!(
        throttled(&cloud, "DeleteRestApi") >= 1,
        "the quota was met: {:?}",
        cloud.calls()
    );
    assert!(
        stderr(&second)
            .contains("DeleteRestApi: throttled by API Gateway's account quota; waiting"),
        "the wait is shown: {}",
        stderr(&second)
    );
    let sdk = common::Sdk::at(&cloud.endpoint()).await;
    let apis = sdk.apigateway.get_rest_apis().send().await.unwrap();
    assert_eq!(apis.items().len(), 0, "both APIs are gone");
    cloud.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deploy_that_deletes_a_duplicate_right_after_another_deletion_converges() {
    let cloud = start(None, true).await;
    let output = run(deploy(&cloud, "FAQ", "FAQ-API")).await;
    assert!(output.status.success(), "{}", stderr(&output));
    let sdk = common::Sdk::at(&cloud.endpoint()).await;
    // A duplicate (another run's), and an unrelated API someone deletes a moment before.
    let duplicate = create_api(&sdk, "FAQ-API", true).await;
    let other = create_api(&sdk, "Other", false).await;
    sdk.apigateway
        .delete_rest_api()
        .rest_api_id(&other)
        .send()
        .await
        .unwrap();
    let deployed = json_ok_async(patient(deploy(&cloud, "FAQ", "FAQ-API"))).await;
    assert_eq!(operations(&deployed), ["DeleteRestApi"]);
    assert!(
        throttled(&cloud, "DeleteRestApi") >= 1,
        "{:?}",
        cloud.calls()
    );
    assert_eq!(sdk.api_ids("FAQ-API").await.len(), 1);
    assert!(!sdk.api_ids("FAQ-API").await.contains(&duplicate));
    cloud.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quota_waits_end_at_the_budget_with_a_clear_error() {
    let cloud = start(None, true).await;
    let output = run(deploy(&cloud, "FAQ", "FAQ-API")).await;
    assert!(output.status.success(), "{}", stderr(&output));
    let sdk = common::Sdk::at(&cloud.endpoint()).await;
    let other = create_api(&sdk, "Other", false).await;
    sdk.apigateway
        .delete_rest_api()
        .rest_api_id(&other)
        .send()
        .await
        .unwrap();
    let mut impatient = patient(destroy(&cloud, "FAQ", "FAQ-API"));
    impatient.args(["--quota-wait", "2s"]);
    let output = run(impatient).await;
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("DeleteRestApi")
            && stderr(&output).contains("TooManyRequestsException"),
        "{}",
        stderr(&output)
    );
    cloud.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_partitions_get_their_own_arns_and_the_stage_serves() {
    let cloud = start(None, false).await;
    for (region, partition) in [("cn-north-1", "aws-cn"), ("us-gov-west-1", "aws-us-gov")] {
        let role = format!("arn:{partition}:iam::123456789012:role/faq-lambda-role");
        let command = |args: &[&str]| {
            let mut command = faqctl_at(&cloud.endpoint());
            command.env("AWS_REGION", region).args(args);
            command
        };
        // A role of the `aws` partition can never be assumed there: refused before any write.
        let output = run(command(&[
            "deploy",
            "--zip",
            &zip(),
            "--role-arn",
            ROLE_ARN,
        ]))
        .await;
        assert_eq!(output.status.code(), Some(1));
        assert!(
            stderr(&output).contains(&format!("but region {region} is in partition {partition}")),
            "{}",
            stderr(&output)
        );

        let deployed =
            json_ok_async(command(&["deploy", "--zip", &zip(), "--role-arn", &role])).await;
        assert!(
            deployed["function_arn"]
                .as_str()
                .unwrap()
                .starts_with(&format!("arn:{partition}:lambda:{region}:")),
            "{deployed}"
        );
        let url = deployed["invoke_url"].as_str().unwrap();
        let response = reqwest::get(url).await.unwrap();
        assert_eq!(response.status(), 200, "{region}: the permission matches");
        let entry: serde_json::Value =
            serde_json::from_str(&response.text().await.unwrap()).unwrap();
        assert!(entry["q"].is_string(), "{entry}");

        let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new(region))
            .endpoint_url(cloud.endpoint())
            .credentials_provider(aws_sdk_lambda::config::Credentials::new(
                "test", "test", None, None, "tests",
            ))
            .load()
            .await;
        let lambda = aws_sdk_lambda::Client::new(&config);
        let policy = lambda
            .get_policy()
            .function_name("FAQ")
            .qualifier("live")
            .send()
            .await
            .unwrap();
        let policy: serde_json::Value = serde_json::from_str(policy.policy().unwrap()).unwrap();
        let source = policy["Statement"][0]["Condition"]["ArnLike"]["AWS:SourceArn"]
            .as_str()
            .unwrap();
        assert!(
            source.starts_with(&format!("arn:{partition}:execute-api:{region}:")),
            "{source}"
        );
        let apigateway = aws_sdk_apigateway::Client::new(&config);
        let api = deployed["api_id"].as_str().unwrap();
        let root = apigateway
            .get_resources()
            .rest_api_id(api)
            .send()
            .await
            .unwrap()
            .items()[0]
            .id()
            .unwrap()
            .to_string();
        let integration = apigateway
            .get_integration()
            .rest_api_id(api)
            .resource_id(root)
            .http_method("GET")
            .send()
            .await
            .unwrap();
        assert!(
            integration
                .uri()
                .unwrap()
                .starts_with(&format!("arn:{partition}:apigateway:{region}:lambda:path/")),
            "{:?}",
            integration.uri()
        );

        let destroyed = json_ok_async(command(&["destroy", "--yes"])).await;
        assert!(!operations(&destroyed).is_empty());
        let again = json_ok_async(command(&["destroy", "--yes"])).await;
        assert_eq!(
            operations(&again),
            Vec::<String>::new(),
            "{region}: all gone"
        );
    }
    cloud.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_modification_is_retried_on_every_api_gateway_write() {
    let writes = [
        "CreateRestApi",
        "PutMethod",
        "PutIntegration",
        "CreateModel",
        "PutMethodResponse",
        "CreateDeployment",
        "UpdateStage",
    ];
    let spec: Vec<String> = writes.iter().map(|op| format!("{op}=conflict*3")).collect();
    let cloud = start(Some(&spec.join(",")), false).await;
    let deployed = json_ok_async(deploy(&cloud, "FAQ", "FAQ-API")).await;
    assert_eq!(operations(&deployed).len(), 14, "{deployed}");
    let calls = cloud.calls();
    for op in writes {
        assert_eq!(calls[&format!("{op} (fault)")], 3, "{op}: {calls:?}");
        assert_eq!(calls[op], 1, "{op} done once: {calls:?}");
    }
    let url = deployed["invoke_url"].as_str().unwrap();
    assert_eq!(reqwest::get(url).await.unwrap().status(), 200);
    cloud.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_invoke_is_sent_once_even_when_its_answer_is_lost() {
    let cloud = start(None, false).await;
    let output = run(deploy(&cloud, "FAQ", "FAQ-API")).await;
    assert!(output.status.success(), "{}", stderr(&output));
    let sdk = common::Sdk::at(&cloud.endpoint()).await;
    sdk.replace_code(common::script_zip(
        r#"sleep 1; post /2018-06-01/runtime/invocation/$id/response '{"slow":true}'"#,
    ))
    .await;
    let invoke = || {
        let mut command = faqctl_at(&cloud.endpoint());
        command.args(["invoke", "--output", "json"]);
        command
    };
    // The deploy's gate invoked the function once.
    let gate = cloud.calls()["Invoke"];
    let output = run(invoke()).await;
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(cloud.calls()["Invoke"], gate + 1);

    // The function runs, then the connection drops: the SDK's retry would run it again.
    let response = common::admin()
        .post(format!("{}/_faqctl/faults", cloud.endpoint()))
        .body("Invoke=lost")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let output = run(invoke()).await;
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("was sent once and not retried"),
        "{}",
        stderr(&output)
    );
    assert_eq!(
        cloud.calls()["Invoke"],
        gate + 2,
        "the function ran once more, not 8 times"
    );
    cloud.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_api_name_cloudwatch_refuses_still_gets_access_logs() {
    let cloud = start(None, false).await;
    let mut command = deploy(&cloud, "FAQ", "FAQ API");
    command.args([
        "--api-logs",
        "--apigw-logs-role-arn",
        "arn:aws:iam::123456789012:role/apigw-logs",
    ]);
    let deployed = json_ok_async(command).await;
    let descriptions: Vec<&str> = deployed["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["description"].as_str().unwrap())
        .collect();
    assert!(
        descriptions.contains(&"+ create log group /aws/apigateway/FAQ_API/myDeployment"),
        "{descriptions:#?}"
    );
    let url = deployed["invoke_url"].as_str().unwrap();
    assert_eq!(reqwest::get(url).await.unwrap().status(), 200);
    cloud.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_gateways_own_log_group_gets_a_retention_and_is_destroyed() {
    let cloud = start(None, false).await;
    let mut command = deploy(&cloud, "FAQ", "FAQ-API");
    command.args([
        "--api-logs",
        "--apigw-logs-role-arn",
        "arn:aws:iam::123456789012:role/apigw-logs",
    ]);
    let deployed = json_ok_async(command).await;
    let api = deployed["api_id"].as_str().unwrap().to_string();
    let url = deployed["invoke_url"].as_str().unwrap();
    assert_eq!(reqwest::get(url).await.unwrap().status(), 200);
    let group = format!("API-Gateway-Execution-Logs_{api}/myDeployment");
    let sdk = common::Sdk::at(&cloud.endpoint()).await;
    let retention = || async {
        sdk.logs
            .describe_log_groups()
            .log_group_name_prefix(&group)
            .send()
            .await
            .unwrap()
            .log_groups()
            .iter()
            .find(|g| g.log_group_name() == Some(group.as_str()))
            .map(|g| g.retention_in_days())
    };
    assert_eq!(retention().await, Some(None), "API Gateway sets none");
    let again = json_ok_async(deploy(&cloud, "FAQ", "FAQ-API")).await;
    assert_eq!(operations(&again), ["PutRetentionPolicy"]);
    assert_eq!(retention().await, Some(Some(14)));
    json_ok_async(destroy(&cloud, "FAQ", "FAQ-API")).await;
    assert_eq!(retention().await, None, "destroy removed it");
    cloud.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn per_service_endpoint_variables_are_honoured_everywhere() {
    let cloud = start(None, false).await;
    let endpoint = cloud.endpoint();
    let command = |args: &[&str]| {
        let mut command = assert_cmd::Command::cargo_bin("faqctl").unwrap();
        command
            .current_dir(common::workspace())
            .env_remove("AWS_PROFILE")
            .env_remove("AWS_ENDPOINT_URL")
            .env("AWS_ACCESS_KEY_ID", "test")
            .env("AWS_SECRET_ACCESS_KEY", "test")
            .env("AWS_REGION", "us-east-1")
            .env("AWS_CONFIG_FILE", "/nonexistent/faqctl-test/config")
            .env(
                "AWS_SHARED_CREDENTIALS_FILE",
                "/nonexistent/faqctl-test/credentials",
            )
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("FAQCTL_RETRY_BASE_MS", "10")
            .env("AWS_ENDPOINT_URL_LAMBDA", &endpoint)
            .env("AWS_ENDPOINT_URL_API_GATEWAY", &endpoint)
            .env("AWS_ENDPOINT_URL_CLOUDWATCH_LOGS", &endpoint)
            .args(args);
        command
    };
    let deployed = json_ok_async(command(&[
        "deploy",
        "--zip",
        &zip(),
        "--role-arn",
        ROLE_ARN,
    ]))
    .await;
    let url = deployed["invoke_url"].as_str().unwrap();
    assert!(
        url.starts_with(&format!("{endpoint}/_aws/execute-api/")),
        "the printed URL is where API Gateway is: {url}"
    );
    assert_eq!(reqwest::get(url).await.unwrap().status(), 200);

    // One service's endpoint unreachable: refused at once, naming it.
    let mut unreachable = command(&["status"]);
    unreachable.env("AWS_ENDPOINT_URL_CLOUDWATCH_LOGS", "http://127.0.0.1:9");
    let output = run(unreachable).await;
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).starts_with("error: cannot reach http://127.0.0.1:9"),
        "{}",
        stderr(&output)
    );
    cloud.stop().await;
}

/// Every resource lives in one region, as on AWS: the same names deployed in two regions are
/// two functions, two REST APIs and two log groups; a third region sees none of them (not
/// found, in its own words and ARNs); destroying one region's leaves the other's serving.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_region_keeps_its_own_resources() {
    let cloud = start(None, false).await;
    let endpoint = cloud.endpoint();
    let in_region = |region: &str, args: &[&str]| {
        let mut command = faqctl_at(&endpoint);
        command.env("AWS_REGION", region).args(args);
        command
    };
    let deploy_args = ["deploy", "--zip", &zip(), "--role-arn", ROLE_ARN];
    let east = json_ok_async(in_region("us-east-1", &deploy_args)).await;
    let west = json_ok_async(in_region("eu-west-1", &deploy_args)).await;
    assert!(
        operations(&west).contains(&"CreateFunction".to_string())
            && operations(&west).contains(&"CreateRestApi".to_string()),
        "eu-west-1 starts empty, whatever us-east-1 holds: {west}"
    );
    assert_ne!(east["api_id"], west["api_id"]);
    assert!(west["function_arn"]
        .as_str()
        .unwrap()
        .starts_with("arn:aws:lambda:eu-west-1:"));
    for deployed in [&east, &west] {
        let response = reqwest::get(deployed["invoke_url"].as_str().unwrap())
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{deployed}");
    }

    let sdk = common::Sdk::in_region(&endpoint, "eu-west-1").await;
    let functions = sdk.lambda.list_functions().send().await.unwrap();
    let arns: Vec<&str> = functions
        .functions()
        .iter()
        .filter_map(|f| f.function_arn())
        .collect();
    assert_eq!(arns, [west["function_arn"].as_str().unwrap()], "{arns:?}");
    let apis = sdk.apigateway.get_rest_apis().send().await.unwrap();
    let ids: Vec<&str> = apis.items().iter().filter_map(|a| a.id()).collect();
    assert_eq!(ids, [west["api_id"].as_str().unwrap()]);

    // A region where nothing was deployed.
    let other = common::Sdk::in_region(&endpoint, "ap-southeast-2").await;
    let missing = other
        .lambda
        .get_function()
        .function_name("FAQ")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(missing.is_resource_not_found_exception(), "{missing:?}");
    assert_eq!(
        missing.meta().message(),
        Some("Function not found: arn:aws:lambda:ap-southeast-2:000000000000:function:FAQ")
    );
    let missing = other
        .apigateway
        .get_rest_api()
        .rest_api_id(east["api_id"].as_str().unwrap())
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(missing.is_not_found_exception(), "{missing:?}");
    let groups = other.logs.describe_log_groups().send().await.unwrap();
    assert!(groups.log_groups().is_empty(), "{groups:?}");
    let missing = other
        .logs
        .filter_log_events()
        .log_group_name("/aws/lambda/FAQ")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(missing.is_resource_not_found_exception(), "{missing:?}");

    // Destroying eu-west-1's leaves us-east-1's whole.
    json_ok_async(in_region("eu-west-1", &["destroy", "--yes"])).await;
    let gone = sdk.lambda.list_functions().send().await.unwrap();
    assert!(gone.functions().is_empty(), "{gone:?}");
    let response = reqwest::get(east["invoke_url"].as_str().unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let east_sdk = common::Sdk::at(&endpoint).await;
    east_sdk
        .lambda
        .get_function()
        .function_name("FAQ")
        .send()
        .await
        .expect("us-east-1's function stays");
    cloud.stop().await;
}
