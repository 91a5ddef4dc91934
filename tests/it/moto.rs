//! deploy / plan / logs / destroy against moto_server, a third-party AWS emulator, as an
//! independent check of the control-plane calls. Each test has its own moto on a free
//! loopback port. (moto cannot run the function: invoke is tested on the local cloud.)

use crate::common;

use common::zip;

use aws_sdk_cloudwatchlogs::types::InputLogEvent;
use common::{faqctl_at, json_ok, operations, Moto, Sdk, ROLE_ARN};
use predicates::prelude::*;

fn deploy(moto: &Moto) -> serde_json::Value {
    json_ok(faqctl_at(&moto.endpoint).args(["deploy", "--zip", &zip(), "--role-arn", ROLE_ARN]))
}

/// A cold deploy on moto: moto cannot run code, so there is no gate (`--no-gate`, set by
/// `faqctl_at` for moto's endpoints); everything else as on AWS.
const COLD_DEPLOY: [&str; 13] = [
    "CreateFunction",
    "CreateLogGroup",
    "PutRetentionPolicy",
    "PublishVersion",
    "CreateAlias",
    "CreateRestApi",
    "PutMethod",
    "PutIntegration",
    "CreateModel",
    "PutMethodResponse",
    "AddPermission",
    "CreateDeployment",
    "UpdateStage",
];

#[tokio::test]
async fn a_cold_deploy_creates_every_resource_with_the_right_settings() {
    let moto = Moto::start();
    let result = deploy(&moto);
    assert_eq!(operations(&result), COLD_DEPLOY);
    let sdk = Sdk::at(&moto.endpoint).await;

    let function = sdk.function().await;
    let config = function.configuration().unwrap();
    assert_eq!(config.runtime().unwrap().as_str(), "provided.al2023");
    assert_eq!(config.handler(), Some("bootstrap"));
    assert_eq!(config.architectures()[0].as_str(), "x86_64");
    assert_eq!(config.memory_size(), Some(128));
    assert_eq!(config.timeout(), Some(3));
    assert_eq!(config.role(), Some(ROLE_ARN));
    assert_eq!(
        config.code_sha256(),
        Some(common::built_package().code_sha256.as_str())
    );
    assert_eq!(function.tags().unwrap()["managed-by"], "faqctl");
    assert_eq!(result["function_arn"], config.function_arn().unwrap());
    assert_eq!(result["code_sha256"], common::built_package().code_sha256);

    let groups = sdk
        .logs
        .describe_log_groups()
        .log_group_name_prefix("/aws/lambda/FAQ")
        .send()
        .await
        .unwrap();
    assert_eq!(
        groups.log_groups()[0].log_group_name(),
        Some("/aws/lambda/FAQ")
    );
    assert_eq!(groups.log_groups()[0].retention_in_days(), Some(14));

    let ids = sdk.api_ids("FAQ-API").await;
    assert_eq!(ids.len(), 1);
    let api_id = &ids[0];
    assert_eq!(&result["api_id"], api_id.as_str());
    let api = sdk
        .apigateway
        .get_rest_api()
        .rest_api_id(api_id)
        .send()
        .await
        .unwrap();
    assert_eq!(api.tags().unwrap()["managed-by"], "faqctl");
    assert_eq!(
        api.endpoint_configuration().unwrap().types()[0].as_str(),
        "REGIONAL"
    );
    let root = root_resource_id(&sdk, api_id).await;
    let method = sdk
        .apigateway
        .get_method()
        .rest_api_id(api_id)
        .resource_id(&root)
        .http_method("GET")
        .send()
        .await
        .unwrap();
    assert_eq!(method.authorization_type(), Some("NONE"));
    let integration = sdk
        .apigateway
        .get_integration()
        .rest_api_id(api_id)
        .resource_id(&root)
        .http_method("GET")
        .send()
        .await
        .unwrap();
    assert_eq!(integration.r#type().unwrap().as_str(), "AWS_PROXY");
    assert_eq!(integration.http_method(), Some("POST"));
    assert_eq!(
        integration.uri(),
        Some("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:FAQ:live/invocations")
    );

    let policy = sdk
        .lambda
        .get_policy()
        .function_name("FAQ")
        .qualifier("live")
        .send()
        .await
        .unwrap();
    let policy: serde_json::Value = serde_json::from_str(policy.policy().unwrap()).unwrap();
    let statement = policy["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["Sid"] == "faqctl-apigw-get")
        .unwrap();
    assert_eq!(
        statement["Principal"]["Service"],
        "apigateway.amazonaws.com"
    );
    assert_eq!(statement["Action"], "lambda:InvokeFunction");
    assert_eq!(
        statement["Condition"]["ArnLike"]["AWS:SourceArn"],
        format!("arn:aws:execute-api:us-east-1:123456789012:{api_id}/*/GET/")
    );

    let stage = sdk
        .apigateway
        .get_stage()
        .rest_api_id(api_id)
        .stage_name("myDeployment")
        .send()
        .await
        .unwrap();
    assert!(stage.deployment_id().is_some());
    let all = &stage.method_settings().unwrap()["*/*"];
    assert_eq!(
        (all.throttling_rate_limit(), all.throttling_burst_limit()),
        (10.0, 20)
    );
    assert_eq!(
        all.logging_level(),
        Some("OFF"),
        "API Gateway logs are off unless asked for"
    );
    assert_eq!(result["stage"], "myDeployment");
    assert_eq!(
        result["invoke_url"],
        format!("{}/_aws/execute-api/{api_id}/myDeployment/", moto.endpoint)
    );
}

#[tokio::test]
async fn a_redeploy_without_changes_makes_no_writes_and_plan_agrees() {
    let moto = Moto::start();
    faqctl_at(&moto.endpoint)
        .args([
            "plan",
            "--zip",
            &zip(),
            "--role-arn",
            ROLE_ARN,
            "--detailed-exitcode",
        ])
        .assert()
        .code(2)
        .stdout(predicate::str::contains("+ create function FAQ"));
    let first = deploy(&moto);
    let second = json_ok(faqctl_at(&moto.endpoint).args(["deploy", "--zip", &zip()]));
    assert_eq!(operations(&second), Vec::<String>::new());
    assert_eq!(second["api_id"], first["api_id"]);
    assert_eq!(second["function_arn"], first["function_arn"]);
    faqctl_at(&moto.endpoint)
        .args(["plan", "--zip", &zip(), "--detailed-exitcode"])
        .assert()
        .code(0)
        .stdout("No changes: FAQ is up to date.\n");
}

/// moto models the MOCK integration, method and integration responses the CORS preflight is
/// made of: the preflight is made, read back equal (a redeploy is a no-op), and removed.
#[tokio::test]
async fn cors_origins_converge_and_are_removed() {
    let moto = Moto::start();
    deploy(&moto);
    let with_cors = |origins: &[&str]| {
        let mut command = faqctl_at(&moto.endpoint);
        command.args(["deploy", "--zip", &zip()]);
        for origin in origins {
            command.args(["--cors-origin", origin]);
        }
        json_ok(&mut command)
    };
    let origins = ["https://www.example.com", "http://localhost:8080"];
    let added = with_cors(&origins);
    assert_eq!(
        operations(&added),
        [
            "UpdateFunctionConfiguration",
            "PublishVersion",
            "UpdateAlias",
            "PutMethod",
            "PutIntegration",
            "PutMethodResponse",
            "PutIntegrationResponse",
            "CreateDeployment"
        ]
    );
    // moto 5.2 replaces the stage on every CreateDeployment, losing its settings (AWS keeps
    // them): the next deploy restores the throttling, and has nothing else to do.
    let stage_only = ["UpdateStage".to_string()];
    assert_eq!(operations(&with_cors(&origins)), stage_only);
    assert_eq!(operations(&with_cors(&origins)), Vec::<String>::new());
    let sdk = Sdk::at(&moto.endpoint).await;
    let config = sdk
        .lambda
        .get_function_configuration()
        .function_name("FAQ")
        .send()
        .await
        .unwrap();
    assert_eq!(
        config
            .environment()
            .and_then(|e| e.variables())
            .and_then(|v| v.get("FAQ_CORS_ORIGINS"))
            .map(String::as_str),
        Some("http://localhost:8080,https://www.example.com")
    );
    assert_eq!(
        operations(&with_cors(&[])),
        // Version 1 is again what is wanted: the alias goes back to it, nothing is published.
        [
            "UpdateFunctionConfiguration",
            "UpdateAlias",
            "DeleteMethod",
            "CreateDeployment"
        ]
    );
    assert_eq!(operations(&with_cors(&[])), stage_only);
    assert_eq!(operations(&with_cors(&[])), Vec::<String>::new());
}

#[tokio::test]
async fn a_code_change_updates_only_the_code() {
    let moto = Moto::start();
    deploy(&moto);
    let dir = tempfile::tempdir().unwrap();
    let changed = common::changed_zip(dir.path());
    let result = json_ok(
        faqctl_at(&moto.endpoint)
            .args(["deploy", "--zip"])
            .arg(&changed),
    );
    assert_eq!(
        operations(&result),
        ["UpdateFunctionCode", "PublishVersion", "UpdateAlias"]
    );
    let sdk = Sdk::at(&moto.endpoint).await;
    let function = sdk.function().await;
    assert_eq!(
        function.configuration().unwrap().code_sha256(),
        result["code_sha256"].as_str()
    );
    assert_ne!(result["code_sha256"], common::built_package().code_sha256);
}

#[tokio::test]
async fn a_setting_change_updates_only_the_configuration() {
    let moto = Moto::start();
    deploy(&moto);
    let result = json_ok(faqctl_at(&moto.endpoint).args([
        "deploy",
        "--zip",
        &zip(),
        "--memory",
        "256",
        "--timeout",
        "10",
    ]));
    assert_eq!(
        operations(&result),
        [
            "UpdateFunctionConfiguration",
            "PublishVersion",
            "UpdateAlias"
        ]
    );
    let sdk = Sdk::at(&moto.endpoint).await;
    let config = sdk
        .lambda
        .get_function_configuration()
        .function_name("FAQ")
        .send()
        .await
        .unwrap();
    assert_eq!(
        (config.memory_size(), config.timeout()),
        (Some(256), Some(10))
    );
    assert_eq!(
        config.role(),
        Some(ROLE_ARN),
        "the role is kept without --role-arn"
    );
}

#[tokio::test]
async fn each_resource_deleted_out_of_band_is_recreated() {
    let moto = Moto::start();
    let first = deploy(&moto);
    let sdk = Sdk::at(&moto.endpoint).await;
    let api_id = first["api_id"].as_str().unwrap().to_string();
    let root = root_resource_id(&sdk, &api_id).await;
    a_deleted_log_group_stage_or_permission_is_made_again(&moto, &sdk, &api_id).await;
    an_alias_moved_by_hand_moves_back(&moto, &sdk).await;
    a_deleted_integration_or_method_is_put_again(&moto, &sdk, &api_id, &root).await;
    let recreated = a_deleted_api_is_created_again(&moto, &sdk, &api_id).await;
    assert_ne!(recreated["api_id"], first["api_id"]);
    assert_eq!(sdk.api_ids("FAQ-API").await.len(), 1);
    a_deleted_function_is_created_again_given_its_role(&moto, &sdk).await;

    // Converged: nothing more to do.
    assert_eq!(operations(&redeploy(&moto)), Vec::<String>::new());
}

/// `faqctl deploy` again, without `--role-arn` (the deployed function's role is kept).
fn redeploy(moto: &Moto) -> serde_json::Value {
    json_ok(faqctl_at(&moto.endpoint).args(["deploy", "--zip", &zip()]))
}

/// The id of the root resource (`/`) of the REST API `api_id`.
async fn root_resource_id(sdk: &Sdk, api_id: &str) -> String {
    let resources = sdk
        .apigateway
        .get_resources()
        .rest_api_id(api_id)
        .send()
        .await
        .unwrap();
    resources
        .items()
        .iter()
        .find(|r| r.path() == Some("/"))
        .unwrap()
        .id()
        .unwrap()
        .to_string()
}

/// The log group, the stage and the alias's permission, each deleted by hand, are each made
/// again, and nothing else.
async fn a_deleted_log_group_stage_or_permission_is_made_again(
    moto: &Moto,
    sdk: &Sdk,
    api_id: &str,
) {
    sdk.logs
        .delete_log_group()
        .log_group_name("/aws/lambda/FAQ")
        .send()
        .await
        .unwrap();
    assert_eq!(
        operations(&redeploy(moto)),
        ["CreateLogGroup", "PutRetentionPolicy"]
    );

    sdk.apigateway
        .delete_stage()
        .rest_api_id(api_id)
        .stage_name("myDeployment")
        .send()
        .await
        .unwrap();
    assert_eq!(
        operations(&redeploy(moto)),
        ["CreateDeployment", "UpdateStage"]
    );

    sdk.lambda
        .remove_permission()
        .function_name("FAQ")
        .qualifier("live")
        .statement_id("faqctl-apigw-get")
        .send()
        .await
        .unwrap();
    assert_eq!(operations(&redeploy(moto)), ["AddPermission"]);
}

/// The alias moved by hand (to a version published out of band) moves back to the one that is
/// what the project wants; moto runs no code, so without the gate.
async fn an_alias_moved_by_hand_moves_back(moto: &Moto, sdk: &Sdk) {
    sdk.lambda
        .update_function_configuration()
        .function_name("FAQ")
        .memory_size(256)
        .send()
        .await
        .unwrap();
    sdk.lambda
        .publish_version()
        .function_name("FAQ")
        .send()
        .await
        .unwrap();
    sdk.lambda
        .update_alias()
        .function_name("FAQ")
        .name("live")
        .function_version("2")
        .send()
        .await
        .unwrap();
    assert_eq!(
        operations(&redeploy(moto)),
        ["UpdateFunctionConfiguration", "UpdateAlias"]
    );
}

/// The root's integration, then its method, deleted by hand are put again and deployed.
async fn a_deleted_integration_or_method_is_put_again(
    moto: &Moto,
    sdk: &Sdk,
    api_id: &str,
    root: &str,
) {
    sdk.apigateway
        .delete_integration()
        .rest_api_id(api_id)
        .resource_id(root)
        .http_method("GET")
        .send()
        .await
        .unwrap();
    assert_eq!(
        operations(&redeploy(moto)),
        ["PutIntegration", "CreateDeployment"]
    );

    sdk.apigateway
        .delete_method()
        .rest_api_id(api_id)
        .resource_id(root)
        .http_method("GET")
        .send()
        .await
        .unwrap();
    assert_eq!(
        operations(&redeploy(moto)),
        // moto 5.2 replaces the stage on every CreateDeployment, losing its settings (AWS keeps
        // them), so this deploy also restores the throttling the previous one set.
        [
            "PutMethod",
            "PutIntegration",
            "PutMethodResponse",
            "CreateDeployment",
            "UpdateStage"
        ]
    );
}

/// The REST API deleted by hand is created again whole (the function's permission moves to the
/// new API). Returns what that deploy answered.
async fn a_deleted_api_is_created_again(moto: &Moto, sdk: &Sdk, api_id: &str) -> serde_json::Value {
    sdk.apigateway
        .delete_rest_api()
        .rest_api_id(api_id)
        .send()
        .await
        .unwrap();
    let recreated = redeploy(moto);
    assert_eq!(
        operations(&recreated),
        [
            "CreateRestApi",
            "PutMethod",
            "PutIntegration",
            "CreateModel",
            "PutMethodResponse",
            "RemovePermission",
            "AddPermission",
            "CreateDeployment",
            "UpdateStage"
        ]
    );
    recreated
}

/// The function deleted by hand cannot be made again without `--role-arn`; with it, the
/// function, its version, alias and permission are made again.
async fn a_deleted_function_is_created_again_given_its_role(moto: &Moto, sdk: &Sdk) {
    sdk.lambda
        .delete_function()
        .function_name("FAQ")
        .send()
        .await
        .unwrap();
    let without_role = faqctl_at(&moto.endpoint)
        .args(["deploy", "--zip", &zip()])
        .output()
        .unwrap();
    assert_eq!(without_role.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&without_role.stderr).contains("pass --role-arn"));
    let again = json_ok(faqctl_at(&moto.endpoint).args([
        "deploy",
        "--zip",
        &zip(),
        "--role-arn",
        ROLE_ARN,
    ]));
    // Same name, same ARN: the integration still points at its alias; the versions, the alias
    // and its policy went with the function, and are made again.
    assert_eq!(
        operations(&again),
        [
            "CreateFunction",
            "PublishVersion",
            "CreateAlias",
            "AddPermission"
        ]
    );
}

#[tokio::test]
async fn a_duplicate_api_is_deleted_and_the_oldest_kept() {
    let moto = Moto::start();
    let first = deploy(&moto);
    let sdk = Sdk::at(&moto.endpoint).await;
    // Another run raced us and made a second tagged FAQ-API.
    sdk.apigateway
        .create_rest_api()
        .name("FAQ-API")
        .tags("managed-by", "faqctl")
        .send()
        .await
        .unwrap();
    // And someone's own API of the same name, which faqctl must never touch.
    sdk.apigateway
        .create_rest_api()
        .name("FAQ-API")
        .send()
        .await
        .unwrap();
    assert_eq!(sdk.api_ids("FAQ-API").await.len(), 3);
    let result = json_ok(faqctl_at(&moto.endpoint).args(["deploy", "--zip", &zip()]));
    assert_eq!(operations(&result), ["DeleteRestApi"]);
    assert_eq!(result["api_id"], first["api_id"]);
    let left = sdk.api_ids("FAQ-API").await;
    assert_eq!(left.len(), 2);
    assert!(left.contains(&first["api_id"].as_str().unwrap().to_string()));
}

#[tokio::test]
async fn destroy_leaves_nothing_and_a_second_destroy_says_so() {
    let moto = Moto::start();
    deploy(&moto);
    let destroyed = json_ok(faqctl_at(&moto.endpoint).args(["destroy", "--yes"]));
    assert_eq!(
        operations(&destroyed),
        ["DeleteRestApi", "DeleteFunction", "DeleteLogGroup"]
    );
    let sdk = Sdk::at(&moto.endpoint).await;
    assert!(sdk
        .lambda
        .get_function()
        .function_name("FAQ")
        .send()
        .await
        .is_err());
    assert!(sdk.api_ids("FAQ-API").await.is_empty());
    let groups = sdk
        .logs
        .describe_log_groups()
        .log_group_name_prefix("/aws/lambda/FAQ")
        .send()
        .await
        .unwrap();
    assert!(groups.log_groups().is_empty());

    faqctl_at(&moto.endpoint)
        .args(["destroy", "--yes"])
        .assert()
        .success()
        .stdout("Nothing to destroy: no function, API or log group of FAQ was left.\n");
}

#[tokio::test]
async fn destroy_without_yes_off_a_terminal_refuses_and_deletes_nothing() {
    let moto = Moto::start();
    let deployed = deploy(&moto);
    faqctl_at(&moto.endpoint)
        .args(["destroy"])
        .assert()
        .code(1)
        .stderr("error: destroy deletes resources and is not at a terminal to ask: pass --yes to confirm\n");
    // Every resource is still there, one by one: the function with its version and alias, its
    // log group, the API with its stage…
    let sdk = Sdk::at(&moto.endpoint).await;
    let function = sdk.function().await;
    assert_eq!(
        function.configuration().unwrap().function_arn(),
        deployed["function_arn"].as_str()
    );
    let alias = sdk
        .lambda
        .get_alias()
        .function_name("FAQ")
        .name("live")
        .send()
        .await
        .unwrap();
    assert_eq!(alias.function_version(), Some("1"));
    let groups = sdk
        .logs
        .describe_log_groups()
        .log_group_name_prefix("/aws/lambda/FAQ")
        .send()
        .await
        .unwrap();
    assert_eq!(
        groups.log_groups()[0].log_group_name(),
        Some("/aws/lambda/FAQ")
    );
    let api_id = deployed["api_id"].as_str().unwrap();
    assert_eq!(sdk.api_ids("FAQ-API").await, [api_id]);
    sdk.apigateway
        .get_stage()
        .rest_api_id(api_id)
        .stage_name("myDeployment")
        .send()
        .await
        .unwrap();
    // …and as deployed, down to the method, integration and permission: nothing to change.
    faqctl_at(&moto.endpoint)
        .args(["plan", "--zip", &zip(), "--detailed-exitcode"])
        .assert()
        .code(0)
        .stdout("No changes: FAQ is up to date.\n");
}

#[tokio::test]
async fn bad_input_is_refused_before_anything_is_created() {
    let moto = Moto::start();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["--role-arn", "lambda-role"],
            "error: --role-arn \"lambda-role\" is not an IAM role ARN",
        ),
        (
            vec![],
            "error: function FAQ does not exist yet and needs an execution role: pass --role-arn",
        ),
        (
            vec!["--role-arn", ROLE_ARN, "--function-name", "F A Q"],
            "error: --function-name \"F A Q\" is not a valid Lambda function name",
        ),
        (
            vec!["--role-arn", ROLE_ARN, "--stage", "my stage"],
            "error: --stage \"my stage\" is not a valid stage name",
        ),
        (
            vec!["--role-arn", ROLE_ARN, "--region", "moon-1"],
            "error: region \"moon-1\" is not an AWS region name",
        ),
        (
            vec!["--role-arn", ROLE_ARN, "--log-retention-days", "13"],
            "error: --log-retention-days 13 is not a retention CloudWatch Logs accepts",
        ),
        (
            vec!["--role-arn", ROLE_ARN, "--memory", "64"],
            "error: invalid value '64' for '--memory <MB>'",
        ),
    ];
    for (args, expected) in cases {
        faqctl_at(&moto.endpoint)
            .args(["deploy", "--zip", &zip()])
            .args(&args)
            .assert()
            .code(1)
            .stdout("")
            .stderr(predicate::str::starts_with(expected));
    }
    // No region anywhere.
    faqctl_at(&moto.endpoint)
        .env_remove("AWS_REGION")
        .env_remove("AWS_DEFAULT_REGION")
        .args(["deploy", "--zip", &zip(), "--role-arn", ROLE_ARN])
        .assert()
        .code(1)
        .stderr(predicate::str::starts_with(
            "error: no AWS region is set: pass --region us-east-1, set AWS_REGION",
        ));

    let sdk = Sdk::at(&moto.endpoint).await;
    assert!(sdk
        .lambda
        .get_function()
        .function_name("FAQ")
        .send()
        .await
        .is_err());
    assert!(sdk.api_ids("FAQ-API").await.is_empty());
    let groups = sdk.logs.describe_log_groups().send().await.unwrap();
    assert!(groups.log_groups().is_empty(), "no log group was created");
}

#[tokio::test]
async fn logs_prints_seeded_events_in_time_order_and_filters() {
    let moto = Moto::start();
    faqctl_at(&moto.endpoint)
        .args(["logs"])
        .assert()
        .code(1)
        .stderr("error: no logs yet: deploy and invoke first (log group /aws/lambda/FAQ does not exist in us-east-1)\n");
    deploy(&moto);
    let sdk = Sdk::at(&moto.endpoint).await;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    for (stream, offset, message) in [
        ("2026/11/24/[$LATEST]aaa", 3000, "Quote selected: 3"),
        (
            "2026/11/24/[$LATEST]bbb",
            1000,
            "START RequestId: 1 Version: $LATEST",
        ),
        ("2026/11/24/[$LATEST]bbb", 2000, "Quote selected: 7"),
    ] {
        let _ = sdk
            .logs
            .create_log_stream()
            .log_group_name("/aws/lambda/FAQ")
            .log_stream_name(stream)
            .send()
            .await;
        sdk.logs
            .put_log_events()
            .log_group_name("/aws/lambda/FAQ")
            .log_stream_name(stream)
            .log_events(
                InputLogEvent::builder()
                    .timestamp(now - 60_000 + offset)
                    .message(message)
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .unwrap();
    }
    let output = faqctl_at(&moto.endpoint)
        .args(["logs", "--output", "json"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let lines: Vec<serde_json::Value> = common::json_lines(&output.stdout);
    let messages: Vec<&str> = lines
        .iter()
        .map(|l| l["message"].as_str().unwrap())
        .collect();
    assert_eq!(
        messages,
        [
            "START RequestId: 1 Version: $LATEST",
            "Quote selected: 7",
            "Quote selected: 3"
        ]
    );
    assert_eq!(lines[2]["stream"], "2026/11/24/[$LATEST]aaa");

    faqctl_at(&moto.endpoint)
        .args(["logs", "--filter", "Quote"])
        .assert()
        .success()
        .stdout(predicate::str::is_match(r"^\S+Z 2026/11/24/\[\$LATEST\]bbb Quote selected: 7\n\S+Z 2026/11/24/\[\$LATEST\]aaa Quote selected: 3\n$").unwrap());

    faqctl_at(&moto.endpoint)
        .args(["logs", "--since", "10s"])
        .assert()
        .success()
        .stdout("");
}

#[tokio::test]
async fn logs_follow_prints_new_events_once_and_stops_on_ctrl_c() {
    use std::io::BufRead;
    let moto = Moto::start();
    deploy(&moto);
    let sdk = Sdk::at(&moto.endpoint).await;
    sdk.logs
        .create_log_stream()
        .log_group_name("/aws/lambda/FAQ")
        .log_stream_name("s")
        .send()
        .await
        .unwrap();
    let put = |message: &str| {
        let message = message.to_string();
        let logs = sdk.logs.clone();
        async move {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_millis() as i64;
            logs.put_log_events()
                .log_group_name("/aws/lambda/FAQ")
                .log_stream_name("s")
                .log_events(
                    InputLogEvent::builder()
                        .timestamp(now)
                        .message(message)
                        .build()
                        .unwrap(),
                )
                .send()
                .await
                .unwrap();
        }
    };
    put("Quote selected: 1").await;

    let command = faqctl_at(&moto.endpoint);
    let mut child = std::process::Command::new(command.get_program())
        .args(command.get_args())
        .envs(command.get_envs().filter_map(|(k, v)| v.map(|v| (k, v))))
        .env_remove("AWS_ENDPOINT_URL")
        .args(["logs", "--follow"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let (lines_tx, lines) = std::sync::mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout).lines() {
            let _ = lines_tx.send(line.unwrap());
        }
    });
    let next = || {
        lines
            .recv_timeout(std::time::Duration::from_secs(15))
            .expect("a line within 15 s")
    };
    assert!(next().ends_with(" s Quote selected: 1"));
    put("Quote selected: 2").await;
    assert!(next().ends_with(" s Quote selected: 2"));
    // More polls pass, each waited for by the event it brings: an event printed twice would
    // come before the next one.
    for n in 3..=4 {
        put(&format!("Quote selected: {n}")).await;
        let line = next();
        assert!(
            line.ends_with(&format!(" s Quote selected: {n}")),
            "an event was printed twice: {line}"
        );
    }

    std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    let status = child.wait().unwrap();
    assert!(
        status.success(),
        "Ctrl-C ends logs --follow cleanly: {status}"
    );
    // moto serves no Live Tail: the follow said so, once, and polled.
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert_eq!(
        stderr
            .matches(
                "note: following by polling FilterLogEvents (Live Tail is not available here: "
            )
            .count(),
        1,
        "{stderr}"
    );
}

#[tokio::test]
async fn the_sdks_own_aws_endpoint_url_is_honoured() {
    let moto = Moto::start();
    // Everything faqctl_at sets, but the endpoint from the environment instead of the flag.
    let mut command = assert_cmd::Command::cargo_bin("faqctl").unwrap();
    command
        .current_dir(common::workspace())
        .env_remove("AWS_PROFILE")
        .env_remove("FAQCTL_ROLE_ARN")
        .env("AWS_ENDPOINT_URL", &moto.endpoint)
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
        .env("FAQCTL_NO_GATE", "true")
        .args(["deploy", "--zip", &zip(), "--role-arn", ROLE_ARN]);
    let deployed = json_ok(&mut command);
    assert_eq!(operations(&deployed), COLD_DEPLOY);
    assert!(deployed["invoke_url"]
        .as_str()
        .unwrap()
        .starts_with(&format!("{}/_aws/execute-api/", moto.endpoint)));
    let sdk = Sdk::at(&moto.endpoint).await;
    assert_eq!(sdk.api_ids("FAQ-API").await.len(), 1);
}

/// moto runs no function code: a deploy with the gate on stops at it and says why (the
/// endpoint, what it answered, `--no-gate`), exits 6, and never claims that running it again
/// finishes; `FAQCTL_NO_GATE=1` (as CI writes it) then deploys.
#[tokio::test]
async fn a_gate_that_cannot_run_on_moto_says_why_and_no_gate_deploys() {
    let moto = Moto::start();
    let mut gated = faqctl_at(&moto.endpoint);
    gated
        .env_remove("FAQCTL_NO_GATE")
        .args(["deploy", "--zip", &zip(), "--role-arn", ROLE_ARN]);
    let output = gated.output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(6), "{stderr}");
    for expected in [
        "(Invoke); the steps before it are done; running the same command again stops here again",
        &format!(
            "the gate could not run version 1 of FAQ: {} answered its Invoke without a Lambda error code (the endpoint answered HTTP 500",
            moto.endpoint
        ),
        "so it does not run function code",
        "pass --no-gate (or set FAQCTL_NO_GATE=1)",
    ] {
        assert!(stderr.contains(expected), "{expected:?} in {stderr}");
    }
    assert!(!stderr.contains("finishes the rest"), "{stderr}");
    // The alias was never made: users reach nothing broken.
    let sdk = Sdk::at(&moto.endpoint).await;
    assert!(sdk
        .lambda
        .get_alias()
        .function_name("FAQ")
        .name("live")
        .send()
        .await
        .is_err());

    for value in ["1", "yes", "on"] {
        let mut ungated = faqctl_at(&moto.endpoint);
        ungated.env("FAQCTL_NO_GATE", value).args([
            "deploy",
            "--zip",
            &zip(),
            "--role-arn",
            ROLE_ARN,
        ]);
        let deployed = json_ok(&mut ungated);
        assert!(deployed["invoke_url"].is_string(), "{value}: {deployed}");
    }
    // And an off value keeps the gate (the deploy is a no-op now, so nothing is invoked).
    let mut off = faqctl_at(&moto.endpoint);
    off.env("FAQCTL_NO_GATE", "0")
        .args(["plan", "--zip", &zip()]);
    assert_eq!(operations(&json_ok(&mut off)), Vec::<String>::new());
    let mut bad = faqctl_at(&moto.endpoint);
    bad.env("FAQCTL_NO_GATE", "maybe")
        .args(["plan", "--zip", &zip()]);
    let output = bad.output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("maybe"));
}

/// `--api-key-required` with a usage plan's throttle and quota on moto (which models the
/// control plane but enforces nothing): deployed, planned to no change, redeployed without
/// the flags with no write, and destroyed with the plan.
#[tokio::test]
async fn api_keys_and_their_usage_plan_deploy_plan_to_no_change_and_destroy() {
    let moto = Moto::start();
    let keyed = [
        "--api-key-required",
        "--usage-plan-rate",
        "5",
        "--usage-plan-burst",
        "10",
        "--usage-plan-quota",
        "1000/day",
    ];
    let deployed = json_ok(
        faqctl_at(&moto.endpoint)
            .args(["deploy", "--zip", &zip(), "--role-arn", ROLE_ARN])
            .args(keyed),
    );
    assert!(
        operations(&deployed).contains(&"CreateUsagePlan".to_string()),
        "{deployed}"
    );
    let sdk = Sdk::at(&moto.endpoint).await;
    let plans = sdk.apigateway.get_usage_plans().send().await.unwrap();
    let plan = &plans.items()[0];
    assert_eq!(plan.name(), Some("FAQ-API-myDeployment"));
    assert_eq!(plan.quota().map(|q| q.limit()), Some(1000));
    assert_eq!(plan.throttle().map(|t| t.burst_limit()), Some(10));
    let api = sdk.api_ids("FAQ-API").await[0].clone();
    assert_eq!(plan.api_stages()[0].api_id(), Some(api.as_str()));

    faqctl_at(&moto.endpoint)
        .args(["plan", "--zip", &zip(), "--detailed-exitcode"])
        .args(keyed)
        .assert()
        .code(0);
    let redeployed = json_ok(faqctl_at(&moto.endpoint).args(["deploy", "--zip", &zip()]));
    assert_eq!(redeployed["changes"], serde_json::json!([]), "{redeployed}");

    let destroyed = json_ok(faqctl_at(&moto.endpoint).args(["destroy", "--yes"]));
    for op in ["UpdateUsagePlan", "DeleteUsagePlan", "DeleteRestApi"] {
        assert!(
            operations(&destroyed).contains(&op.to_string()),
            "{op}: {destroyed}"
        );
    }
    let plans = sdk.apigateway.get_usage_plans().send().await.unwrap();
    assert!(plans.items().is_empty(), "{plans:?}");
}

/// `--auth iam` on moto: the GET method's authorization is AWS_IAM, a plan agrees, and one
/// without it plans to open it again.
#[tokio::test]
async fn iam_authorization_deploys_and_plans_to_no_change() {
    let moto = Moto::start();
    json_ok(
        faqctl_at(&moto.endpoint)
            .args(["deploy", "--zip", &zip(), "--role-arn", ROLE_ARN])
            .args(["--auth", "iam"]),
    );
    let sdk = Sdk::at(&moto.endpoint).await;
    let api = sdk.api_ids("FAQ-API").await[0].clone();
    let root = root_resource_id(&sdk, &api).await;
    let method = |sdk: &Sdk| {
        sdk.apigateway
            .get_method()
            .rest_api_id(&api)
            .resource_id(&root)
            .http_method("GET")
            .send()
    };
    assert_eq!(
        method(&sdk).await.unwrap().authorization_type(),
        Some("AWS_IAM")
    );
    faqctl_at(&moto.endpoint)
        .args([
            "plan",
            "--zip",
            &zip(),
            "--detailed-exitcode",
            "--auth",
            "iam",
        ])
        .assert()
        .code(0);
    // Open again would be an UpdateMethod of /authorizationType, which moto answers with a
    // 500 of its own (the local cloud applies it, tests/it/iam_auth.rs): planned here only.
    faqctl_at(&moto.endpoint)
        .args(["plan", "--zip", &zip(), "--detailed-exitcode"])
        .assert()
        .code(2)
        .stdout(predicate::str::contains(
            "set authorization of GET / to NONE (was AWS_IAM)",
        ));
}

/// `--domain` on moto (which models domain names but serves none): the domain and its
/// mapping deployed, planned to no change, and destroyed with the API.
#[tokio::test]
async fn a_custom_domain_deploys_plans_to_no_change_and_destroys() {
    let moto = Moto::start();
    let domain = [
        "--domain",
        "faq.example.com",
        "--certificate-arn",
        "arn:aws:acm:us-east-1:123456789012:certificate/abc",
    ];
    let deployed = json_ok(
        faqctl_at(&moto.endpoint)
            .args(["deploy", "--zip", &zip(), "--role-arn", ROLE_ARN])
            .args(domain),
    );
    for op in ["CreateDomainName", "CreateBasePathMapping"] {
        assert!(
            operations(&deployed).contains(&op.to_string()),
            "{op}: {deployed}"
        );
    }
    faqctl_at(&moto.endpoint)
        .args(["plan", "--zip", &zip(), "--detailed-exitcode"])
        .args(domain)
        .assert()
        .code(0);
    let destroyed = json_ok(faqctl_at(&moto.endpoint).args(["destroy", "--yes"]));
    for op in ["DeleteBasePathMapping", "DeleteDomainName", "DeleteRestApi"] {
        assert!(
            operations(&destroyed).contains(&op.to_string()),
            "{op}: {destroyed}"
        );
    }
}

/// `--cache-ttl` on moto (which keeps stage settings but caches nothing): the cache cluster
/// and caching set, planned to no change.
#[tokio::test]
async fn a_stage_cache_deploys_and_plans_to_no_change() {
    let moto = Moto::start();
    json_ok(
        faqctl_at(&moto.endpoint)
            .args(["deploy", "--zip", &zip(), "--role-arn", ROLE_ARN])
            .args(["--cache-ttl", "300"]),
    );
    let sdk = Sdk::at(&moto.endpoint).await;
    let api = sdk.api_ids("FAQ-API").await[0].clone();
    let stage = sdk
        .apigateway
        .get_stage()
        .rest_api_id(&api)
        .stage_name("myDeployment")
        .send()
        .await
        .unwrap();
    assert!(stage.cache_cluster_enabled());
    faqctl_at(&moto.endpoint)
        .args(["plan", "--zip", &zip(), "--detailed-exitcode"])
        .args(["--cache-ttl", "300"])
        .assert()
        .code(0);
}
