//! The embedded local cloud end to end, through the real SDK and the faqctl binary: build →
//! deploy → GET every stage URL form → invoke → logs → redeploy → code change → destroy;
//! the failure answers API Gateway gives (502, 500, 403); timeouts, crashes, concurrency;
//! the `aws` CLI as a second, independent client; state kept across a restart.

use crate::common;

use common::zip;

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_lambda::primitives::Blob;
use common::{faqctl_at, json_ok_async, operations, run, Sdk};
use faq_function::{Entry, Faq};
use faqctl::local::{LocalCloud, LocalConfig};

async fn start(state_dir: Option<std::path::PathBuf>) -> LocalCloud {
    common::local_cloud(LocalConfig {
        state_dir,
        ..LocalConfig::default()
    })
    .await
}

async fn deploy(cloud: &LocalCloud) -> serde_json::Value {
    json_ok_async({
        let mut command = faqctl_at(&cloud.endpoint());
        command.args(["deploy", "--zip", &zip(), "--role-arn", common::ROLE_ARN]);
        command
    })
    .await
}

fn faq() -> Faq {
    Faq::load(&common::workspace().join("faq.json")).unwrap()
}

async fn get(url: &str) -> (u16, String) {
    let response = reqwest::get(url).await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

/// The write operations the local cloud served since the last reset.
fn writes(calls: &BTreeMap<String, u64>) -> Vec<String> {
    const READS: [&str; 12] = [
        "Get",
        "Describe",
        "Filter",
        "List",
        "Execute",
        "Invoke",
        "Unknown",
        "GetRestApis",
        "GetStage",
        "GetPolicy",
        "GetMethod",
        "GetIntegration",
    ];
    calls
        .keys()
        .filter(|op| !READS.iter().any(|r| op.starts_with(r)))
        .cloned()
        .collect()
}

async fn log_messages(sdk: &Sdk) -> Vec<String> {
    let events = sdk
        .logs
        .filter_log_events()
        .log_group_name("/aws/lambda/FAQ")
        .send()
        .await
        .unwrap();
    events
        .events()
        .iter()
        .map(|e| e.message().unwrap_or_default().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_whole_service_runs_on_the_local_cloud() {
    let cloud = start(None).await;
    let deployed = deploy(&cloud).await;
    assert_eq!(operations(&deployed).len(), 14, "{deployed}");
    let invoke_url = deployed["invoke_url"].as_str().unwrap().to_string();
    let faq = faq();
    every_url_form_serves_an_entry(&cloud, &deployed, &faq).await;
    faqctl_invoke_answers_directly_and_through_the_stage(&cloud, &faq).await;
    the_logs_frame_each_invocation(&cloud).await;
    let sdk = Sdk::at(&cloud.endpoint()).await;
    a_redeploy_writes_nothing(&cloud).await;
    a_code_change_is_served_at_once(&cloud, &invoke_url).await;
    destroy_leaves_nothing(&cloud, &sdk, &invoke_url).await;
    cloud.stop().await;
}

/// Every URL form (the invoke URL, `_aws/execute-api`, `_user_request_` and the execute-api
/// host) serves a FAQ entry from faq.json.
async fn every_url_form_serves_an_entry(
    cloud: &LocalCloud,
    deployed: &serde_json::Value,
    faq: &Faq,
) {
    let (api, port) = (
        deployed["api_id"].as_str().unwrap().to_string(),
        cloud.address.port(),
    );
    for url in [
        deployed["invoke_url"].as_str().unwrap().to_string(),
        format!("http://127.0.0.1:{port}/_aws/execute-api/{api}/myDeployment/"),
        format!("http://127.0.0.1:{port}/restapis/{api}/myDeployment/_user_request_/"),
    ] {
        let (status, body) = get(&url).await;
        assert_eq!(status, 200, "{url}: {body}");
        let entry: Entry = serde_json::from_str(&body).unwrap();
        assert!(faq.questions.contains(&entry), "{url}: {body}");
    }
    // The execute-api host form, without relying on *.localhost resolving here.
    let response = reqwest::Client::new()
        .get(format!("http://127.0.0.1:{port}/myDeployment/"))
        .header("host", format!("{api}.execute-api.localhost:{port}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/json");
}

/// faqctl invoke: direct, with the log tail, and through the stage.
async fn faqctl_invoke_answers_directly_and_through_the_stage(cloud: &LocalCloud, faq: &Faq) {
    let invoked = json_ok_async({
        let mut command = faqctl_at(&cloud.endpoint());
        command.args(["invoke", "--log"]);
        command
    })
    .await;
    assert_eq!(invoked["status_code"], 200);
    assert_eq!(invoked["function_error"], serde_json::Value::Null);
    assert_eq!(invoked["payload"]["statusCode"], 200);
    let entry: Entry = serde_json::from_str(invoked["payload"]["body"].as_str().unwrap()).unwrap();
    assert!(faq.questions.contains(&entry));
    let log = invoked["log"].as_str().unwrap();
    assert!(log.starts_with("START RequestId: "), "{log}");
    assert!(log.contains("Quote selected: "), "{log}");
    assert!(log.contains("\nREPORT RequestId: "), "{log}");
    let http = json_ok_async({
        let mut command = faqctl_at(&cloud.endpoint());
        command.args(["invoke", "--http"]);
        command
    })
    .await;
    assert_eq!(http["status"], 200);
}

/// The logs: the function's picks framed by START, END and REPORT, in one stream per env.
async fn the_logs_frame_each_invocation(cloud: &LocalCloud) {
    let logs = run({
        let mut command = faqctl_at(&cloud.endpoint());
        command.args(["logs", "--output", "json"]);
        command
    })
    .await;
    assert!(logs.status.success());
    let lines: Vec<serde_json::Value> = common::json_lines(&logs.stdout);
    let messages: Vec<&str> = lines
        .iter()
        .map(|l| l["message"].as_str().unwrap())
        .collect();
    assert_eq!(
        messages
            .iter()
            .filter(|m| m.starts_with("Quote selected: "))
            .count(),
        7, // the deploy's gate, then six requests
        "{messages:#?}"
    );
    assert_eq!(
        messages
            .iter()
            .filter(|m| m.starts_with("START RequestId: "))
            .count(),
        7
    );
    assert_eq!(
        messages
            .iter()
            .filter(|m| m.starts_with("END RequestId: "))
            .count(),
        7
    );
    each_stream_opens_with_the_runtime_version(&lines);
    the_reports_tell_the_init_of_a_cold_start(&messages);
    // The stage invokes the alias `live`: its version's environments log to streams named
    // for that version.
    let stream = lines[0]["stream"].as_str().unwrap();
    assert!(
        stream.starts_with(&format!("{}/[1]", chrono_today())),
        "{stream}"
    );
}

/// Each environment's stream opens with the runtime's version, once, before its first
/// START (as recorded on AWS: "INIT_START Runtime Version: …\tRuntime Version ARN: …").
fn each_stream_opens_with_the_runtime_version(lines: &[serde_json::Value]) {
    let mut streams: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for line in lines {
        streams
            .entry(line["stream"].as_str().unwrap())
            .or_default()
            .push(line["message"].as_str().unwrap());
    }
    for (stream, said) in &streams {
        assert_eq!(
            said[0],
            "INIT_START Runtime Version: provided:al2023.v1\tRuntime Version ARN: arn:aws:lambda:us-east-1::runtime:0c7a6b68ae8de5940afe217dbb81f77b9fcad26466e440a79ad48af42a49669c",
            "{stream}: {said:#?}"
        );
        assert!(
            said[1].starts_with("START RequestId: "),
            "{stream}: {said:#?}"
        );
        assert_eq!(
            said.iter().filter(|m| m.starts_with("INIT_START")).count(),
            1,
            "{stream}: {said:#?}"
        );
    }
}

/// One REPORT per invocation, with its billing and memory; only a cold start reports its init.
fn the_reports_tell_the_init_of_a_cold_start(messages: &[&str]) {
    let reports: Vec<&&str> = messages
        .iter()
        .filter(|m| m.starts_with("REPORT RequestId: "))
        .collect();
    assert_eq!(reports.len(), 7);
    assert!(
        reports[0].contains("\tBilled Duration: ")
            && reports[0].contains("\tMemory Size: 128 MB\tMax Memory Used: "),
        "{}",
        reports[0]
    );
    assert!(
        reports[0].contains("\tInit Duration: "),
        "the first invocation reports its init: {}",
        reports[0]
    );
    assert!(
        !reports[1].contains("Init Duration"),
        "a warm environment has no init: {}",
        reports[1]
    );
}

/// Redeploy: no write call reaches the cloud.
async fn a_redeploy_writes_nothing(cloud: &LocalCloud) {
    common::forget_calls(&cloud.endpoint()).await;
    let again = deploy(cloud).await;
    assert_eq!(operations(&again), Vec::<String>::new());
    assert_eq!(
        writes(&cloud.calls()),
        Vec::<String>::new(),
        "{:?}",
        cloud.calls()
    );
}

/// A code change is exactly UpdateFunctionCode, and the new code is served at once.
async fn a_code_change_is_served_at_once(cloud: &LocalCloud, invoke_url: &str) {
    let dir = tempfile::tempdir().unwrap();
    let changed = common::changed_zip(dir.path());
    common::forget_calls(&cloud.endpoint()).await;
    let updated = json_ok_async({
        let mut command = faqctl_at(&cloud.endpoint());
        command.args(["deploy", "--zip"]).arg(&changed);
        command
    })
    .await;
    // The new code goes out as version 2, passes the gate, and then the alias moves to it.
    assert_eq!(
        operations(&updated),
        [
            "UpdateFunctionCode",
            "PublishVersion",
            "Invoke",
            "UpdateAlias"
        ]
    );
    assert_eq!(
        writes(&cloud.calls()),
        ["PublishVersion", "UpdateAlias", "UpdateFunctionCode"]
    );
    let (status, body) = get(invoke_url).await;
    assert_eq!(
        (status, body.as_str()),
        (200, r#"{"q":"Changed?","a":"Yes."}"#)
    );
}

/// Destroy leaves nothing: no function, no API, and the stage URL answers 404.
async fn destroy_leaves_nothing(cloud: &LocalCloud, sdk: &Sdk, invoke_url: &str) {
    let destroyed = json_ok_async({
        let mut command = faqctl_at(&cloud.endpoint());
        command.args(["destroy", "--yes"]);
        command
    })
    .await;
    assert_eq!(
        operations(&destroyed),
        ["DeleteRestApi", "DeleteFunction", "DeleteLogGroup"]
    );
    assert!(sdk
        .lambda
        .get_function()
        .function_name("FAQ")
        .send()
        .await
        .is_err());
    assert!(sdk.api_ids("FAQ-API").await.is_empty());
    let (status, _) = get(invoke_url).await;
    assert_eq!(status, 404);
}

fn chrono_today() -> String {
    let now = humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string();
    now[..10].replace('-', "/")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_gateway_failures_look_as_they_do_on_aws() {
    let cloud = start(None).await;
    let deployed = deploy(&cloud).await;
    let url = deployed["invoke_url"].as_str().unwrap().to_string();
    let sdk = Sdk::at(&cloud.endpoint()).await;

    // An unknown path or method: 403 Missing Authentication Token.
    let (status, body) = get(&format!("{url}no/such/path")).await;
    assert_eq!(
        (status, body.as_str()),
        (403, r#"{"message":"Missing Authentication Token"}"#)
    );
    let post = reqwest::Client::new()
        .post(&url)
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(post.status(), 403);

    // Undeployed changes are not live: the stage serves its deployment's snapshot.
    let api = deployed["api_id"].as_str().unwrap();
    let resources = sdk
        .apigateway
        .get_resources()
        .rest_api_id(api)
        .send()
        .await
        .unwrap();
    let root = resources.items()[0].id().unwrap().to_string();
    sdk.apigateway
        .delete_method()
        .rest_api_id(api)
        .resource_id(&root)
        .http_method("GET")
        .send()
        .await
        .unwrap();
    assert_eq!(
        get(&url).await.0,
        200,
        "the deleted method is still deployed"
    );
    json_ok_async({
        let mut command = faqctl_at(&cloud.endpoint());
        command.args(["deploy", "--zip", &zip()]);
        command
    })
    .await;

    // No permission for API Gateway: 500.
    sdk.lambda
        .remove_permission()
        .function_name("FAQ")
        .qualifier("live")
        .statement_id("faqctl-apigw-get")
        .send()
        .await
        .unwrap();
    let (status, body) = get(&url).await;
    assert_eq!(
        (status, body.as_str()),
        (500, r#"{"message":"Internal server error"}"#)
    );
    // A permission for another API does not count either.
    sdk.lambda
        .add_permission()
        .function_name("FAQ")
        .qualifier("live")
        .statement_id("other")
        .action("lambda:InvokeFunction")
        .principal("apigateway.amazonaws.com")
        .source_arn("arn:aws:execute-api:us-east-1:000000000000:other/*/GET/")
        .send()
        .await
        .unwrap();
    assert_eq!(get(&url).await.0, 500);
    // deploy puts the right one back.
    json_ok_async({
        let mut command = faqctl_at(&cloud.endpoint());
        command.args(["deploy", "--zip", &zip()]);
        command
    })
    .await;
    assert_eq!(get(&url).await.0, 200);

    // A malformed proxy response (body must be a string): 502.
    sdk.replace_code(common::script_zip(r#"post /2018-06-01/runtime/invocation/$id/response '{"statusCode":200,"body":{"not":"a string"}}'"#)).await;
    let (status, body) = get(&url).await;
    assert_eq!(
        (status, body.as_str()),
        (502, r#"{"message":"Internal server error"}"#)
    );

    // A function error: 502 through the stage; Unhandled with the error through Invoke.
    sdk.replace_code(common::script_zip(r#"post /2018-06-01/runtime/invocation/$id/error '{"errorType":"Boom","errorMessage":"it broke"}'"#)).await;
    assert_eq!(get(&url).await.0, 502);
    let output = run({
        let mut command = faqctl_at(&cloud.endpoint());
        command.args(["invoke"]);
        command
    })
    .await;
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "error: function FAQ:live (version 3) failed (Unhandled): it broke\n"
    );
    cloud.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cold_starts_init_is_reported_apart_from_the_invocations_duration() {
    let cloud = start(None).await;
    deploy(&cloud).await;
    let sdk = Sdk::at(&cloud.endpoint()).await;
    // An init that takes a second, then an instant answer.
    sdk.replace_code(common::script_zip_with_init(
        "sleep 1",
        r#"post /2018-06-01/runtime/invocation/$id/response '{"statusCode":200,"body":"ok"}'"#,
    ))
    .await;
    sdk.invoke().await;
    // The deploy's gate made the first REPORT; this invocation's is the second.
    let report = common::until(Duration::from_secs(10), || async {
        log_messages(&sdk)
            .await
            .iter()
            .filter(|m| m.starts_with("REPORT "))
            .count()
            >= 2
    })
    .await;
    assert!(report);
    let messages = log_messages(&sdk).await;
    let report = messages
        .iter()
        .filter(|m| m.starts_with("REPORT "))
        .nth(1)
        .unwrap();
    let field = |name: &str| -> f64 {
        report
            .split('\t')
            .find_map(|part| part.trim().strip_prefix(name))
            .and_then(|v| v.trim_end_matches(" ms").parse().ok())
            .unwrap_or_else(|| panic!("{name} in {report}"))
    };
    // As on Lambda: Duration runs from the event's delivery, the init is reported apart.
    assert!(field("Init Duration: ") >= 1000.0, "{report}");
    // And framed as recorded on AWS (LocalStack's lambda snapshots): tab after each field.
    assert!(
        regex::Regex::new(r"^REPORT RequestId: [0-9a-f-]{36}\tDuration: \d+\.\d{2} ms\tBilled Duration: \d+ ms\tMemory Size: 128 MB\tMax Memory Used: \d+ MB\tInit Duration: \d+\.\d{2} ms\t\n$")
            .unwrap()
            .is_match(report),
        "{report:?}"
    );
    assert!(field("Duration: ") < 1000.0, "{report}");
    cloud.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timeouts_and_crashes_are_reported_as_lambda_reports_them() {
    let cloud = start(None).await;
    deploy(&cloud).await;
    let sdk = Sdk::at(&cloud.endpoint()).await;
    sdk.set_timeout(1).await;

    sdk.replace_code(common::script_zip("sleep 30")).await;
    let started = std::time::Instant::now();
    let response = sdk
        .lambda
        .invoke()
        .function_name("FAQ")
        .send()
        .await
        .unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "the timeout ends the invocation"
    );
    assert_eq!(response.function_error(), Some("Unhandled"));
    let payload: serde_json::Value =
        serde_json::from_slice(response.payload().unwrap().as_ref()).unwrap();
    // As recorded on AWS (LocalStack's test_lambda.snapshot.json,
    // TestLambdaBehavior::test_lambda_invoke_with_timeout).
    assert_eq!(payload["errorType"], "Sandbox.Timedout", "{payload}");
    let request_id =
        aws_sdk_lambda::operation::RequestId::request_id(&response).unwrap_or_default();
    assert_eq!(
        payload["errorMessage"],
        format!("RequestId: {request_id} Error: Task timed out after 1.00 seconds"),
        "{payload}"
    );
    assert!(log_messages(&sdk)
        .await
        .iter()
        .any(|m| m.contains("Task timed out after 1.00 seconds")));

    sdk.replace_code(common::script_zip("echo 'about to crash' >&2; exit 3"))
        .await;
    let response = sdk
        .lambda
        .invoke()
        .function_name("FAQ")
        .send()
        .await
        .unwrap();
    assert_eq!(response.function_error(), Some("Unhandled"));
    let payload: serde_json::Value =
        serde_json::from_slice(response.payload().unwrap().as_ref()).unwrap();
    assert_eq!(payload["errorType"], "Runtime.ExitError");
    assert!(
        payload["errorMessage"]
            .as_str()
            .unwrap()
            .ends_with("Error: Runtime exited with error: exit status 3"),
        "{payload}"
    );
    let messages = log_messages(&sdk).await;
    assert!(
        messages.iter().any(|m| m == "about to crash\n"),
        "stderr is logged: {messages:?}"
    );
    // A runtime that ends cleanly mid-invocation (recorded:
    // TestLambdaErrors::test_lambda_runtime_exit).
    sdk.replace_code(common::script_zip("exit 0")).await;
    let payload: serde_json::Value =
        serde_json::from_slice(sdk.invoke().await.payload().unwrap().as_ref()).unwrap();
    assert_eq!(payload["errorType"], "Runtime.ExitError");
    assert!(
        payload["errorMessage"]
            .as_str()
            .unwrap()
            .ends_with("Error: Runtime exited without providing a reason"),
        "{payload}"
    );

    // The next invocation gets a fresh environment and works again with working code.
    sdk.replace_code(std::fs::read(zip()).unwrap()).await;
    let response = sdk
        .lambda
        .invoke()
        .function_name("FAQ")
        .send()
        .await
        .unwrap();
    assert_eq!(response.function_error(), None);
    cloud.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_concurrent_gets_all_succeed_on_several_environments() {
    let cloud = start(None).await;
    // Above the default stage throttling (10/s, burst 20), which would answer 429.
    let deployed = json_ok_async({
        let mut command = faqctl_at(&cloud.endpoint());
        command.args(["deploy", "--zip", &zip(), "--role-arn", common::ROLE_ARN]);
        command.args(["--throttle-rate", "1000", "--throttle-burst", "1000"]);
        command
    })
    .await;
    let url = deployed["invoke_url"].as_str().unwrap().to_string();
    let client = reqwest::Client::new();
    let requests = (0..50).map(|_| {
        let (client, url) = (client.clone(), url.clone());
        tokio::spawn(async move { client.get(url).send().await.unwrap().status().as_u16() })
    });
    let statuses: Vec<u16> = futures_join(requests).await;
    assert_eq!(statuses, vec![200; 50]);
    let sdk = Sdk::at(&cloud.endpoint()).await;
    let streams = sdk
        .logs
        .describe_log_streams()
        .log_group_name("/aws/lambda/FAQ")
        .send()
        .await
        .unwrap();
    assert!(
        streams.log_streams().len() > 1,
        "more than one environment served: {}",
        streams.log_streams().len()
    );
    assert!(
        streams.log_streams().len() <= 8,
        "at most the bound: {}",
        streams.log_streams().len()
    );
    cloud.stop().await;
}

async fn futures_join<T: Send + 'static>(
    handles: impl Iterator<Item = tokio::task::JoinHandle<T>>,
) -> Vec<T> {
    let mut results = Vec::new();
    for handle in handles.collect::<Vec<_>>() {
        results.push(handle.await.unwrap());
    }
    results
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_zip_that_escapes_its_directory_is_refused() {
    let cloud = start(None).await;
    let sdk = Sdk::at(&cloud.endpoint()).await;
    let marker = std::env::temp_dir().join(format!("faqctl-escape-{}", std::process::id()));
    let evil = faqctl::package::write_zip(&[
        ("bootstrap", 0o755, b"#!/bin/sh\n".as_slice()),
        (
            &format!("../../../../../../..{}", marker.display()),
            0o644,
            b"pwned".as_slice(),
        ),
    ])
    .unwrap();
    let error = sdk
        .lambda
        .create_function()
        .function_name("Evil")
        .role(common::ROLE_ARN)
        .runtime(aws_sdk_lambda::types::Runtime::from("provided.al2023"))
        .handler("bootstrap")
        .code(
            aws_sdk_lambda::types::FunctionCode::builder()
                .zip_file(Blob::new(evil))
                .build(),
        )
        .send()
        .await
        .unwrap_err();
    let service = error.into_service_error();
    assert!(
        service.is_invalid_parameter_value_exception(),
        "{service:?}"
    );
    assert!(
        !marker.exists(),
        "nothing was written outside the state dir"
    );
    assert!(sdk
        .lambda
        .get_function()
        .function_name("Evil")
        .send()
        .await
        .is_err());
    cloud.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_aws_cli_works_against_the_local_cloud_unchanged() {
    let cloud = start(None).await;
    deploy(&cloud).await;
    let endpoint = cloud.endpoint();
    let aws = |args: &'static [&'static str]| {
        let endpoint = endpoint.clone();
        tokio::task::spawn_blocking(move || {
            let output = std::process::Command::new("python3")
                .args(["-m", "awscli"])
                .args([
                    "--endpoint-url",
                    &endpoint,
                    "--region",
                    "us-east-1",
                    "--output",
                    "json",
                ])
                .args(args)
                .env("AWS_ACCESS_KEY_ID", "test")
                .env("AWS_SECRET_ACCESS_KEY", "test")
                .env("AWS_CONFIG_FILE", "/nonexistent")
                .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
                .output()
                .expect("the aws CLI runs (scripts/test installs it: pip install awscli)");
            assert!(
                output.status.success(),
                "aws {args:?}: {}",
                String::from_utf8_lossy(&output.stderr)
            );
            serde_json::from_slice::<serde_json::Value>(&output.stdout).unwrap()
        })
    };
    let function = aws(&["lambda", "get-function", "--function-name", "FAQ"])
        .await
        .unwrap();
    assert_eq!(function["Configuration"]["Runtime"], "provided.al2023");
    assert_eq!(function["Configuration"]["State"], "Active");
    let apis = aws(&["apigateway", "get-rest-apis"]).await.unwrap();
    assert_eq!(apis["items"][0]["name"], "FAQ-API");
    let invoked = tokio::task::spawn_blocking({
        let endpoint = endpoint.clone();
        move || {
            let out =
                std::env::temp_dir().join(format!("faqctl-cli-invoke-{}.json", std::process::id()));
            let status = std::process::Command::new("python3")
                .args(["-m", "awscli"])
                .args([
                    "--endpoint-url",
                    &endpoint,
                    "--region",
                    "us-east-1",
                    "lambda",
                    "invoke",
                    "--function-name",
                    "FAQ",
                ])
                .arg(&out)
                .env("AWS_ACCESS_KEY_ID", "test")
                .env("AWS_SECRET_ACCESS_KEY", "test")
                .stdout(std::process::Stdio::null())
                .status()
                .unwrap();
            assert!(status.success());
            let payload: serde_json::Value =
                serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
            let _ = std::fs::remove_file(out);
            payload
        }
    })
    .await
    .unwrap();
    assert_eq!(invoked["statusCode"], 200);
    let events = aws(&[
        "logs",
        "filter-log-events",
        "--log-group-name",
        "/aws/lambda/FAQ",
        "--filter-pattern",
        "\"Quote selected\"",
    ])
    .await
    .unwrap();
    let messages: Vec<&str> = events["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["message"].as_str().unwrap())
        .collect();
    // The deploy's gate, then this invoke.
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert!(messages.iter().all(|m| m.starts_with("Quote selected: ")));
    cloud.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn state_survives_a_restart_with_the_same_state_dir() {
    let dir = tempfile::tempdir().unwrap();
    let cloud = start(Some(dir.path().to_path_buf())).await;
    let first = deploy(&cloud).await;
    cloud.stop().await;

    let cloud = start(Some(dir.path().to_path_buf())).await;
    let again = deploy(&cloud).await;
    assert_eq!(
        operations(&again),
        Vec::<String>::new(),
        "everything was still there"
    );
    assert_eq!(again["api_id"], first["api_id"]);
    let url = again["invoke_url"].as_str().unwrap();
    assert_eq!(get(url).await.0, 200);
    cloud.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deploy_waits_until_lambda_has_finished_creating_and_updating() {
    let settle = Duration::from_millis(1500);
    let cloud = common::local_cloud(LocalConfig {
        settle,
        ..LocalConfig::default()
    })
    .await;
    let started = std::time::Instant::now();
    let deployed = deploy(&cloud).await;
    assert!(started.elapsed() >= settle, "the waiter waited for Active");
    let sdk = Sdk::at(&cloud.endpoint()).await;
    let function = sdk.function().await;
    assert_eq!(
        function.configuration().unwrap().state().unwrap().as_str(),
        "Active"
    );
    assert_eq!(get(deployed["invoke_url"].as_str().unwrap()).await.0, 200);

    let dir = tempfile::tempdir().unwrap();
    let changed = common::changed_zip(dir.path());
    let started = std::time::Instant::now();
    json_ok_async({
        let mut command = faqctl_at(&cloud.endpoint());
        command.args(["deploy", "--zip"]).arg(&changed);
        command
    })
    .await;
    assert!(
        started.elapsed() >= settle,
        "the waiter waited for Successful"
    );
    let function = sdk.function().await;
    assert_eq!(
        function
            .configuration()
            .unwrap()
            .last_update_status()
            .unwrap()
            .as_str(),
        "Successful"
    );
    cloud.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invocation_during_a_code_update_runs_the_old_code_and_the_next_ones_the_new() {
    // As on Lambda: while LastUpdateStatus is InProgress, invocations run the code that was
    // there; once Successful, the new code. An environment started in that window must not
    // carry the old code past it (`faqctl local --watch` under load served the old code for
    // good: the environment was pooled under the new revision).
    let settle = Duration::from_millis(1500);
    let cloud = common::local_cloud(LocalConfig {
        settle,
        ..LocalConfig::default()
    })
    .await;
    deploy(&cloud).await;
    let sdk = Sdk::at(&cloud.endpoint()).await;
    let question = |output: aws_sdk_lambda::operation::invoke::InvokeOutput| {
        let response: serde_json::Value =
            serde_json::from_slice(output.payload().unwrap().as_ref()).unwrap();
        let entry: Entry = serde_json::from_str(response["body"].as_str().unwrap()).unwrap();
        entry.q
    };
    let dir = tempfile::tempdir().unwrap();
    let changed = std::fs::read(common::changed_zip(dir.path())).unwrap();
    sdk.lambda
        .update_function_code()
        .function_name("FAQ")
        .zip_file(Blob::new(changed))
        .send()
        .await
        .unwrap();
    // InProgress (the update settles only after `settle`): the old code answers.
    assert_ne!(question(sdk.invoke().await), "Changed?");
    sdk.wait_updated().await;
    for _ in 0..3 {
        assert_eq!(question(sdk.invoke().await), "Changed?", "the new code");
    }
    cloud.stop().await;
}

/// `faqctl local --aws-timing`: a new function is Pending and an update InProgress for
/// seconds, a stage's new deployment reaches its URL seconds later, a role made a moment ago
/// cannot be assumed by Lambda yet; a second update meets 409 and a stale RevisionId 412.
/// faqctl deploys through all of it (waiters, retries), changes the code and destroys.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn under_aws_timing_faqctl_deploys_changes_and_destroys_through_waiters_and_retries() {
    let cloud = common::local_cloud(LocalConfig {
        aws_timing: true,
        ..LocalConfig::default()
    })
    .await;
    let endpoint = cloud.endpoint();
    let config = common::sdk_config(&endpoint, "us-east-1").await;
    let iam = aws_sdk_iam::Client::new(&config);
    let role = iam
        .create_role()
        .role_name("faq-fresh")
        .assume_role_policy_document(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#,
        )
        .send()
        .await
        .unwrap()
        .role()
        .unwrap()
        .arn()
        .to_string();
    let role_made = std::time::Instant::now();

    let deployed = json_ok_async({
        let mut command = faqctl_at(&endpoint);
        command.args([
            "deploy",
            "--zip",
            &zip(),
            "--role-arn",
            &role,
            "--smoke-test",
        ]);
        command
    })
    .await;
    // `role_made` is taken once CreateRole has answered, a moment after the role's clock
    // started: the bound allows for that moment.
    assert!(
        role_made.elapsed() >= Duration::from_secs(9),
        "CreateFunction was refused until the role had propagated, and retried"
    );
    assert_eq!(deployed["smoke_test"]["passed"], true, "{deployed}");
    let url = deployed["invoke_url"].as_str().unwrap();
    assert_eq!(get(url).await.0, 200);

    // A stage pointed at a deployment is not routed until the change has propagated.
    let sdk = Sdk::at(&endpoint).await;
    let api = deployed["api_id"].as_str().unwrap();
    let stage = sdk
        .apigateway
        .get_stage()
        .rest_api_id(api)
        .stage_name("myDeployment")
        .send()
        .await
        .unwrap();
    sdk.apigateway
        .create_stage()
        .rest_api_id(api)
        .stage_name("second")
        .deployment_id(stage.deployment_id().unwrap())
        .send()
        .await
        .unwrap();
    let staged = std::time::Instant::now();
    let second = url.replace("/myDeployment/", "/second/");
    let first_answer = get(&second).await.0;
    // Judged only when it was surely asked within the 5 s (a loaded machine may stall).
    if staged.elapsed() < Duration::from_secs(3) {
        assert_eq!(first_answer, 403, "not routed yet");
    }
    assert!(
        common::until(Duration::from_secs(30), || async {
            get(&second).await.0 == 200
        })
        .await
    );
    assert!(
        staged.elapsed() >= Duration::from_secs(4),
        "routed only once the change had propagated"
    );

    // Lambda is busy for seconds after an update: a second one is refused (409), a RevisionId
    // read before the update is stale (412).
    let before = sdk
        .function()
        .await
        .configuration()
        .unwrap()
        .revision_id()
        .unwrap()
        .to_string();
    let dir = tempfile::tempdir().unwrap();
    let changed = common::changed_zip(dir.path());
    let update = || {
        sdk.lambda
            .update_function_code()
            .function_name("FAQ")
            .zip_file(Blob::new(std::fs::read(&changed).unwrap()))
            .send()
    };
    let first = update().await.unwrap();
    assert_eq!(first.last_update_status().unwrap().as_str(), "InProgress");
    let busy = update().await.unwrap_err();
    assert_eq!(busy.raw_response().map(|r| r.status().as_u16()), Some(409));
    sdk.wait_updated().await;
    let stale = sdk
        .lambda
        .update_function_configuration()
        .function_name("FAQ")
        .revision_id(&before)
        .timeout(6)
        .send()
        .await
        .unwrap_err();
    assert_eq!(stale.raw_response().map(|r| r.status().as_u16()), Some(412));

    // faqctl's own code change (a version, the gate, the alias) waits each step out.
    let started = std::time::Instant::now();
    let again = json_ok_async({
        let mut command = faqctl_at(&endpoint);
        command.args(["deploy", "--zip", &zip(), "--role-arn", &role]);
        command
    })
    .await;
    assert!(
        operations(&again).contains(&"UpdateFunctionCode".to_string()),
        "{again}"
    );
    assert!(
        started.elapsed() >= Duration::from_secs(3),
        "waited for Successful"
    );
    assert_eq!(get(url).await.0, 200);

    json_ok_async({
        let mut command = faqctl_at(&endpoint);
        command.args(["destroy", "--yes"]);
        command
    })
    .await;
    assert_eq!(get(url).await.0, 404, "the API is gone");
    cloud.stop().await;
}

/// STS's GetCallerIdentity, as the AWS SDK asks it (query protocol, XML answer): the local
/// cloud's one identity, in the partition of the region asked; an action STS lacks here is
/// answered as STS answers one it does not know.
#[tokio::test]
async fn get_caller_identity_names_the_local_account_and_role_in_the_regions_partition() {
    let cloud = start(None).await;
    let endpoint = format!("http://{}", cloud.address);
    for (region, partition) in [("us-east-1", "aws"), ("cn-north-1", "aws-cn")] {
        let config = common::sdk_config(&endpoint, region).await;
        let identity = aws_sdk_sts::Client::new(&config)
            .get_caller_identity()
            .send()
            .await
            .unwrap();
        assert_eq!(identity.account(), Some("000000000000"));
        assert_eq!(
            identity.arn(),
            Some(
                format!("arn:{partition}:sts::000000000000:assumed-role/faqctl-local/faqctl")
                    .as_str()
            )
        );
        assert_eq!(identity.user_id(), Some("AROAFAQCTLLOCAL000001:faqctl"));
    }

    let answer = reqwest::Client::new()
        .post(&endpoint)
        .header(
            "authorization",
            "AWS4-HMAC-SHA256 Credential=test/20261124/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=0",
        )
        .header("content-type", "application/x-www-form-urlencoded")
        .body("Action=GetSessionToken&Version=2011-06-15")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 400);
    let body = answer.text().await.unwrap();
    assert!(
        body.contains("<Code>InvalidAction</Code><Message>Could not find operation GetSessionToken for version 2011-06-15 (faqctl local emulates STS's AssumeRole, GetCallerIdentity)</Message>"),
        "{body}"
    );
}

/// List operations hand out pages as AWS's do (GetRestApis 25 by default and 500 at most,
/// ListFunctions at most 50 whatever MaxItems says, DescribeLogGroups 50), with a token for
/// the rest that the SDK's paginators follow to every item once; and faqctl, which must see
/// every REST API of its name, reads past the first page.
#[tokio::test]
async fn list_operations_page_as_aws_does_and_faqctl_reads_every_page() {
    let cloud = start(None).await;
    let sdk = Sdk::at(&cloud.endpoint()).await;
    deploy(&cloud).await;
    for n in 0..500 {
        sdk.apigateway
            .create_rest_api()
            .name(format!("other-{n}"))
            .send()
            .await
            .unwrap();
    }
    let first = sdk.apigateway.get_rest_apis().send().await.unwrap();
    assert_eq!(first.items().len(), 25);
    let position = first.position().expect("a position for the rest");
    let second = sdk
        .apigateway
        .get_rest_apis()
        .position(position)
        .send()
        .await
        .unwrap();
    assert_eq!(second.items().len(), 25);
    assert!(second.position().is_some_and(|p| p != position));
    let all: Vec<_> = sdk
        .apigateway
        .get_rest_apis()
        .limit(500)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .unwrap();
    let mut ids: Vec<&str> = all.iter().filter_map(|a| a.id()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 501, "every REST API once");
    let refused = sdk
        .apigateway
        .get_rest_apis()
        .position("not-ours")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        refused.into_service_error().meta().code(),
        Some("BadRequestException")
    );

    // faqctl asks for pages of 500 (the most API Gateway gives) and reads both, to learn that
    // FAQ-API is the only API of its name.
    common::forget_calls(&cloud.endpoint()).await;
    let status = json_ok_async({
        let mut command = faqctl_at(&cloud.endpoint());
        command.arg("status");
        command
    })
    .await;
    assert_eq!(status["api"]["name"], "FAQ-API", "{status}");
    assert_eq!(
        cloud.calls().get("GetRestApis"),
        Some(&2),
        "{:?}",
        cloud.calls()
    );

    for n in 0..52 {
        sdk.lambda
            .create_function()
            .function_name(format!("other-{n}"))
            .runtime(aws_sdk_lambda::types::Runtime::Providedal2023)
            .handler("bootstrap")
            .role(common::ROLE_ARN)
            .code(
                aws_sdk_lambda::types::FunctionCode::builder()
                    .zip_file(Blob::new(common::script_zip("true")))
                    .build(),
            )
            .send()
            .await
            .unwrap();
    }
    let page = sdk
        .lambda
        .list_functions()
        .max_items(1000)
        .send()
        .await
        .unwrap();
    assert_eq!(
        page.functions().len(),
        50,
        "ListFunctions answers at most 50"
    );
    let rest = sdk
        .lambda
        .list_functions()
        .marker(page.next_marker().expect("a marker for the rest"))
        .send()
        .await
        .unwrap();
    assert_eq!((rest.functions().len(), rest.next_marker()), (3, None));

    let before = sdk.logs.describe_log_groups().send().await.unwrap();
    let faqs = before.log_groups().len();
    for n in 0..(53 - faqs) {
        sdk.logs
            .create_log_group()
            .log_group_name(format!("other-{n}"))
            .send()
            .await
            .unwrap();
    }
    let groups = sdk.logs.describe_log_groups().send().await.unwrap();
    assert_eq!(groups.log_groups().len(), 50);
    let rest = sdk
        .logs
        .describe_log_groups()
        .next_token(groups.next_token().expect("a token for the rest"))
        .send()
        .await
        .unwrap();
    assert_eq!((rest.log_groups().len(), rest.next_token()), (3, None));
}

/// A function's `LoggingConfig.LogGroup` is where its logs go, as on AWS: the START, what the
/// bootstrap prints and REPORT land in that group, and nothing in `/aws/lambda/NAME`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_functions_own_log_group_gets_its_logs() {
    let cloud = common::local_cloud(LocalConfig::default()).await;
    let sdk = Sdk::at(&cloud.endpoint()).await;
    let code = common::script_zip(
        r#"echo "hello from the custom group"; post /2018-06-01/runtime/invocation/$id/response '{}'"#,
    );
    sdk.lambda
        .create_function()
        .function_name("custom-group")
        .runtime(aws_sdk_lambda::types::Runtime::Providedal2023)
        .handler("bootstrap")
        .role(common::ROLE_ARN)
        .logging_config(
            aws_sdk_lambda::types::LoggingConfig::builder()
                .log_group("/faq/custom")
                .build(),
        )
        .code(
            aws_sdk_lambda::types::FunctionCode::builder()
                .zip_file(Blob::new(code))
                .build(),
        )
        .send()
        .await
        .unwrap();
    let active = common::until(Duration::from_secs(30), || async {
        let read = sdk
            .lambda
            .get_function_configuration()
            .function_name("custom-group")
            .send()
            .await
            .unwrap();
        read.state() == Some(&aws_sdk_lambda::types::State::Active)
    })
    .await;
    assert!(active, "the function did not become Active");
    let invoked = sdk
        .lambda
        .invoke()
        .function_name("custom-group")
        .send()
        .await
        .unwrap();
    assert_eq!(invoked.function_error(), None);
    let messages = |group: &'static str| {
        let logs = sdk.logs.clone();
        async move {
            logs.filter_log_events()
                .log_group_name(group)
                .send()
                .await
                .map(|found| {
                    found
                        .events()
                        .iter()
                        .map(|e| e.message().unwrap_or_default().to_string())
                        .collect::<Vec<_>>()
                })
        }
    };
    let logged = common::until(Duration::from_secs(10), || async {
        messages("/faq/custom")
            .await
            .is_ok_and(|m| m.iter().any(|line| line.starts_with("REPORT RequestId:")))
    })
    .await;
    let lines = messages("/faq/custom").await.unwrap();
    assert!(logged, "no REPORT in /faq/custom: {lines:?}");
    assert!(
        lines.iter().any(|l| l.starts_with("START RequestId:")),
        "{lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("hello from the custom group")),
        "{lines:?}"
    );
    let default_group = messages("/aws/lambda/custom-group").await;
    assert!(
        default_group.as_ref().map_or(true, Vec::is_empty),
        "logs in the default group too: {default_group:?}"
    );
    cloud.stop().await;
}

/// The CPUs the current process may run on, as /proc lists them ("0-1").
fn allowed_cpus() -> String {
    std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .find_map(|line| line.strip_prefix("Cpus_allowed_list:"))
        .unwrap()
        .trim()
        .to_string()
}

/// An invocation alone in flight is held to one CPU (the one its worker hands the event over
/// on, which a test cannot see from outside), so that the hand-off is a switch on one CPU
/// rather than a wake-up of an idle one (docs/performance.md); the function itself reports
/// where it may run.
#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invocation_alone_in_flight_is_held_to_a_single_cpu() {
    // `always`: the test suite keeps the machine busy, where `auto` holds nothing.
    let cloud = common::local_cloud(LocalConfig {
        placement: faqctl::local::PlacementMode::Always,
        ..LocalConfig::default()
    })
    .await;
    deploy(&cloud).await;
    let sdk = Sdk::at(&cloud.endpoint()).await;
    sdk.replace_code(common::script_zip(
        r#"cpus=$(sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' /proc/$$/status)
  post /2018-06-01/runtime/invocation/$id/response "{\"cpus\":\"$cpus\"}""#,
    ))
    .await;
    let ours = allowed_cpus();
    for _ in 0..2 {
        let output = sdk.invoke().await;
        let answer: serde_json::Value =
            serde_json::from_slice(output.payload().unwrap().as_ref()).unwrap();
        let cpus = answer["cpus"].as_str().unwrap();
        let several = ours.contains(['-', ',']);
        if several {
            let cpu: usize = cpus
                .parse()
                .unwrap_or_else(|_| panic!("one CPU, not {cpus}"));
            assert!(
                ours.split(',').any(|range| match range.split_once('-') {
                    Some((low, high)) =>
                        (low.parse().unwrap()..=high.parse().unwrap()).contains(&cpu),
                    None => range.parse::<usize>().unwrap() == cpu,
                }),
                "CPU {cpu} is one of ours ({ours})"
            );
        } else {
            assert_eq!(cpus, ours, "one CPU: nothing to choose");
        }
    }
    cloud.stop().await;
}

/// Reserved concurrency holds: at 0 the function is switched off (Invoke's 429 in Lambda's
/// words, a 500 at the stage URL, and an Event invocation stays queued until it may run); at
/// 1 a second invocation while the first runs is throttled; deleted, it runs again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reserved_concurrency_throttles_invocations_beyond_it() {
    let cloud = start(None).await;
    let deployed = deploy(&cloud).await;
    let url = deployed["invoke_url"].as_str().unwrap().to_string();
    let sdk = Sdk::at(&cloud.endpoint()).await;
    let reserve = |n: i32| {
        sdk.lambda
            .put_function_concurrency()
            .function_name("FAQ")
            .reserved_concurrent_executions(n)
            .send()
    };
    reserve(0).await.unwrap();
    let refused = sdk.lambda.invoke().function_name("FAQ").send().await;
    let error = refused.unwrap_err().into_service_error();
    let aws_sdk_lambda::operation::invoke::InvokeError::TooManyRequestsException(throttled) = error
    else {
        panic!("not throttled: {error:?}");
    };
    assert_eq!(throttled.message(), Some("Rate Exceeded."));
    assert_eq!(
        throttled.reason().map(|r| r.as_str()),
        Some("ReservedFunctionConcurrentInvocationLimitExceeded")
    );
    assert_eq!(get(&url).await.0, 500, "the stage's integration fails");
    let queued = sdk
        .lambda
        .invoke()
        .function_name("FAQ")
        .invocation_type(aws_sdk_lambda::types::InvocationType::Event)
        .send()
        .await
        .unwrap();
    assert_eq!(queued.status_code(), 202);
    let event_id = {
        use aws_sdk_lambda::operation::RequestId;
        queued.request_id().unwrap().to_string()
    };
    sdk.lambda
        .delete_function_concurrency()
        .function_name("FAQ")
        .send()
        .await
        .unwrap();
    assert_eq!(get(&url).await.0, 200, "runs again once deleted");
    let ran = common::until(Duration::from_secs(10), || async {
        let found = sdk
            .logs
            .filter_log_events()
            .log_group_name("/aws/lambda/FAQ")
            .filter_pattern(format!("\"START RequestId: {event_id}\""))
            .send()
            .await
            .unwrap();
        !found.events().is_empty()
    })
    .await;
    assert!(
        ran,
        "the queued event ran once the function was switched on"
    );

    // One at a time: a function that waits for a file, the first invocation holds the place.
    let dir = tempfile::tempdir().unwrap();
    let (started, go) = (dir.path().join("started"), dir.path().join("go"));
    sdk.replace_code(common::script_zip(&format!(
        r#"touch {started}; while [ ! -e {go} ]; do sleep 0.05; done
  post /2018-06-01/runtime/invocation/$id/response '{{"ok":true}}'"#,
        started = started.display(),
        go = go.display()
    )))
    .await;
    // Long enough that the first is still running when the second comes, however busy the
    // machine (FAQ's 3 s could pass between the two on a loaded CI runner).
    sdk.set_timeout(30).await;
    reserve(1).await.unwrap();
    let first = tokio::spawn({
        let lambda = sdk.lambda.clone();
        async move { lambda.invoke().function_name("FAQ").send().await }
    });
    assert!(
        common::eventually(Duration::from_secs(10), || started.exists()).await,
        "the first invocation started"
    );
    let second = sdk.lambda.invoke().function_name("FAQ").send().await;
    assert!(
        matches!(
            second.unwrap_err().into_service_error(),
            aws_sdk_lambda::operation::invoke::InvokeError::TooManyRequestsException(_)
        ),
        "the second is throttled while the first runs"
    );
    std::fs::write(&go, "").unwrap();
    let first = first.await.unwrap().unwrap();
    assert_eq!(first.status_code(), 200);
    cloud.stop().await;
}
