//! Safe deploys on the local cloud: every change of code or configuration is published as a
//! version, invoked directly with a GET event (the gate), and only then does the alias `live`
//! (what the stage invokes) move to it. A broken build is stopped at the gate with users still
//! on the version they had; a deployment made before versions converges to the alias form
//! without the stage answering anything but 200 on the way.

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::Arc;

use serde_json::Value;

use crate::common::{self, faqctl_at, json_ok_async, operations, run, Sdk, ROLE_ARN};
use faqctl::local::{LocalCloud, LocalConfig};

fn deploy_command(cloud: &LocalCloud, zip: &std::path::Path) -> assert_cmd::Command {
    let mut command = faqctl_at(&cloud.endpoint());
    command
        .args(["deploy", "--role-arn", ROLE_ARN, "--zip"])
        .arg(zip);
    command
}

/// `deploy_command` with the stage's throttling far above what one client sends, so that a
/// client hitting the stage all the time is never answered 429.
fn unthrottled(cloud: &LocalCloud, zip: &std::path::Path) -> assert_cmd::Command {
    let mut command = deploy_command(cloud, zip);
    command.args(["--throttle-rate", "10000", "--throttle-burst", "5000"]);
    command
}

async fn alias_version(sdk: &Sdk) -> String {
    sdk.lambda
        .get_alias()
        .function_name("FAQ")
        .name("live")
        .send()
        .await
        .unwrap()
        .function_version()
        .unwrap()
        .to_string()
}

/// GETs the stage URL and returns the question it answered with (panics on anything else).
async fn question(url: &str) -> String {
    let response = reqwest::get(url).await.unwrap();
    assert_eq!(response.status(), 200);
    let entry: Value = serde_json::from_str(&response.text().await.unwrap()).unwrap();
    entry["q"].as_str().unwrap().to_string()
}

/// The commit the project is checked out at, as faqctl reads it (none outside git).
fn head_commit() -> Option<String> {
    let output = std::process::Command::new("git")
        .current_dir(common::workspace())
        .args(["rev-parse", "--short=12", "HEAD"])
        .output()
        .ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).trim().to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_good_change_goes_live_through_the_gate_as_a_new_version() {
    let cloud = common::local_cloud(LocalConfig::default()).await;
    let sdk = Sdk::at(&cloud.endpoint()).await;
    let first = json_ok_async(deploy_command(&cloud, std::path::Path::new(&common::zip()))).await;
    let url = first["invoke_url"].as_str().unwrap().to_string();
    assert_eq!(alias_version(&sdk).await, "1");
    let before = question(&url).await;
    assert_ne!(before, "Changed?");

    let dir = tempfile::tempdir().unwrap();
    let changed = common::changed_zip(dir.path());
    let second = json_ok_async(deploy_command(&cloud, &changed)).await;
    assert_eq!(
        operations(&second),
        [
            "UpdateFunctionCode",
            "PublishVersion",
            "Invoke",
            "UpdateAlias"
        ]
    );
    assert_eq!(alias_version(&sdk).await, "2");
    assert_eq!(question(&url).await, "Changed?");
    // The version says what it runs: its CodeSha256 and the commit it was deployed from.
    let version = sdk
        .lambda
        .get_function_configuration()
        .function_name("FAQ")
        .qualifier("2")
        .send()
        .await
        .unwrap();
    let description = version.description().unwrap();
    let sha = second["code_sha256"].as_str().unwrap();
    assert!(
        description.starts_with(&format!("faqctl: CodeSha256 {sha}")),
        "{description}"
    );
    if let Some(commit) = head_commit() {
        assert!(
            description.ends_with(&format!("; commit {commit}")),
            "{description}"
        );
    }
    // The gate's invocation ran version 2 before the alias moved: its stream is version 2's.
    let streams = sdk
        .logs
        .describe_log_streams()
        .log_group_name("/aws/lambda/FAQ")
        .send()
        .await
        .unwrap();
    assert!(streams
        .log_streams()
        .iter()
        .any(|s| s.log_stream_name().unwrap().contains("[2]")));

    // Redeploying the same: no write, nothing published, no gate.
    let again = json_ok_async(deploy_command(&cloud, &changed)).await;
    assert_eq!(operations(&again), Vec::<String>::new());
    cloud.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_bootstrap_is_stopped_at_the_gate_and_users_stay_on_the_old_version() {
    let cloud = common::local_cloud(LocalConfig::default()).await;
    let sdk = Sdk::at(&cloud.endpoint()).await;
    let first = json_ok_async(deploy_command(&cloud, std::path::Path::new(&common::zip()))).await;
    let url = first["invoke_url"].as_str().unwrap().to_string();
    let before = question(&url).await;

    // A real bootstrap without its faq.json: it exits at start.
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("broken.zip");
    std::fs::write(
        &broken,
        faqctl::package::write_zip(&[("bootstrap", 0o755, &common::bootstrap_binary())]).unwrap(),
    )
    .unwrap();
    let output = run({
        let mut command = deploy_command(&cloud, &broken);
        command.args(["--output", "json"]);
        command
    })
    .await;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(4), "{stderr}");
    assert!(
        stderr.contains("(Invoke); the alias was not touched, so users are still on what they had; fix the code and deploy again"),
        "{stderr}"
    );
    assert!(
        stderr.contains("version 2 of FAQ failed the gate: the function failed (Unhandled)"),
        "{stderr}"
    );
    // How its log ends is in the message.
    assert!(stderr.contains("its log ends:"), "{stderr}");
    // Users never saw it: the alias stays on version 1, and the stage serves it.
    assert_eq!(alias_version(&sdk).await, "1");
    assert!(!question(&url).await.is_empty());
    let _ = before;

    // `plan` says what a deploy would still do: the gate again on the broken version.
    let planned = json_ok_async({
        let mut command = faqctl_at(&cloud.endpoint());
        command.args(["plan", "--zip"]).arg(&broken);
        command
    })
    .await;
    assert_eq!(operations(&planned), ["Invoke", "UpdateAlias"]);
    // A fixed build goes live.
    let fixed = json_ok_async(deploy_command(&cloud, &common::changed_zip(dir.path()))).await;
    assert_eq!(
        operations(&fixed),
        [
            "UpdateFunctionCode",
            "PublishVersion",
            "Invoke",
            "UpdateAlias"
        ]
    );
    assert_eq!(alias_version(&sdk).await, "3");
    assert_eq!(question(&url).await, "Changed?");

    // Good (1), broken (2, stopped at the gate), good (3): a rollback goes to 1, never to 2.
    let command = |args: &[&str]| {
        let mut command = faqctl_at(&cloud.endpoint());
        command.args(args);
        command
    };
    let rolled = json_ok_async(command(&["rollback"])).await;
    assert_eq!((&rolled["from"], &rolled["to"]), (&3.into(), &1.into()));
    assert_eq!(alias_version(&sdk).await, "1");
    assert_ne!(question(&url).await, "Changed?");
    // `invoke` runs what the stage serves (the alias), and says which version answered.
    let invoked = json_ok_async(command(&["invoke", "--payload", r#"{"httpMethod":"GET"}"#])).await;
    assert_eq!(invoked["qualifier"], "live");
    assert_eq!(invoked["executed_version"], "1");
    let body: Value = serde_json::from_str(invoked["payload"]["body"].as_str().unwrap()).unwrap();
    assert_ne!(body["q"], "Changed?");
    let output = run(command(&["invoke", "--payload", r#"{"httpMethod":"GET"}"#])).await;
    assert!(String::from_utf8_lossy(&output.stderr).contains("FAQ:live (version 1) answered"));
    // `--qualifier '$LATEST'` runs the code last uploaded (version 3's).
    let latest = json_ok_async(command(&[
        "invoke",
        "--qualifier",
        "$LATEST",
        "--payload",
        r#"{"httpMethod":"GET"}"#,
    ]))
    .await;
    assert_eq!(latest["executed_version"], "$LATEST");
    assert!(latest["payload"]["body"]
        .as_str()
        .unwrap()
        .contains("Changed?"));
    // `history` tells each version's story from the alias' own description.
    let history = json_ok_async(command(&["history"])).await;
    let by_version = |n: u64| {
        history["versions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["version"] == n)
            .unwrap()
            .clone()
    };
    assert_eq!(by_version(2)["gate"], "failed");
    assert_eq!(by_version(2)["gate_reason"], "Unhandled");
    assert_eq!(by_version(2)["live"], serde_json::json!([]));
    assert_eq!(by_version(3)["gate"], "passed");
    assert!(by_version(3)["rolled_back"].is_string());
    assert_eq!(by_version(1)["live"].as_array().unwrap().len(), 2);
    assert!(by_version(1)["live"][1]["to"].is_null());
    // `status` shows what is live, and $LATEST apart (it is version 3's code).
    let status = json_ok_async(command(&["status"])).await;
    assert_eq!(status["function"]["live"][0]["version"], 1);
    assert_eq!(status["function"]["live"][0]["weight"], 1.0);
    assert_eq!(
        status["function"]["latest_not_live"]["code_sha256"],
        by_version(3)["code_sha256"]
    );
    // A version that failed its gate is refused by name, unless forced.
    let output = run(command(&["rollback", "--to", "2"])).await;
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains(
        "--to 2: version 2 of FAQ failed its gate (Unhandled): users would get a version that does not serve the FAQ"
    ));
    assert_eq!(alias_version(&sdk).await, "1");
    // Nothing healthy before 1: said, and nothing changes.
    let output = run(command(&["rollback"])).await;
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(alias_version(&sdk).await, "1");
    cloud.stop().await;
}

/// A deployment made before versions existed (the integration and the permission on the
/// unqualified function) is taken to the alias form while the stage is being hit: every
/// answer is a 200, and afterwards only the alias' statement is left.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deployment_without_versions_converges_to_the_alias_without_a_5xx() {
    let cloud = common::local_cloud(LocalConfig::default()).await;
    let sdk = Sdk::at(&cloud.endpoint()).await;
    let zip = common::zip();
    let first = json_ok_async(unthrottled(&cloud, std::path::Path::new(&zip))).await;
    let url = first["invoke_url"].as_str().unwrap().to_string();
    let api = first["api_id"].as_str().unwrap().to_string();
    let arn = first["function_arn"].as_str().unwrap().to_string();

    // Made into what a faqctl before versions left: the unqualified integration and
    // permission, deployed; no alias, no version.
    sdk.lambda
        .add_permission()
        .function_name("FAQ")
        .statement_id("faqctl-apigw-get")
        .action("lambda:InvokeFunction")
        .principal("apigateway.amazonaws.com")
        .source_arn(format!(
            "arn:aws:execute-api:us-east-1:000000000000:{api}/*/GET/"
        ))
        .send()
        .await
        .unwrap();
    let root = sdk
        .apigateway
        .get_resources()
        .rest_api_id(&api)
        .send()
        .await
        .unwrap()
        .items()[0]
        .id()
        .unwrap()
        .to_string();
    sdk.apigateway
        .put_integration()
        .rest_api_id(&api)
        .resource_id(&root)
        .http_method("GET")
        .r#type(aws_sdk_apigateway::types::IntegrationType::AwsProxy)
        .integration_http_method("POST")
        .uri(format!(
            "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{arn}/invocations"
        ))
        .send()
        .await
        .unwrap();
    sdk.apigateway
        .create_deployment()
        .rest_api_id(&api)
        .stage_name("myDeployment")
        .send()
        .await
        .unwrap();
    sdk.lambda
        .delete_alias()
        .function_name("FAQ")
        .name("live")
        .send()
        .await
        .unwrap();
    sdk.lambda
        .delete_function()
        .function_name("FAQ")
        .qualifier("1")
        .send()
        .await
        .unwrap();
    assert!(!question(&url).await.is_empty(), "the old form serves");

    // Hit the stage all through the deploy.
    let done = Arc::new(AtomicBool::new(false));
    let (answered, failed) = (Arc::new(AtomicU32::new(0)), Arc::new(AtomicU32::new(0)));
    let hitter = tokio::spawn({
        let (done, answered, failed, url) =
            (done.clone(), answered.clone(), failed.clone(), url.clone());
        async move {
            let client = reqwest::Client::new();
            while !done.load(Ordering::Acquire) {
                match client.get(&url).send().await {
                    Ok(response) if response.status() == 200 => {
                        answered.fetch_add(1, Ordering::Relaxed);
                    }
                    Ok(response) => {
                        eprintln!("answered {}", response.status());
                        failed.fetch_add(1, Ordering::Relaxed);
                    }
                    Err(e) => {
                        eprintln!("no answer: {e}");
                        failed.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
        }
    });
    let migrated = json_ok_async(unthrottled(&cloud, std::path::Path::new(&zip))).await;
    done.store(true, Ordering::Release);
    hitter.await.unwrap();
    assert_eq!(
        operations(&migrated),
        [
            "PublishVersion",
            "Invoke",
            "CreateAlias",
            "PutIntegration",
            "AddPermission",
            "CreateDeployment",
            "RemovePermission"
        ]
    );
    assert_eq!(failed.load(Ordering::Relaxed), 0, "no answer but 200");
    assert!(answered.load(Ordering::Relaxed) > 0);
    // Only the alias' statement is left; the unqualified policy is empty.
    assert!(sdk
        .lambda
        .get_policy()
        .function_name("FAQ")
        .send()
        .await
        .is_err());
    assert!(sdk
        .lambda
        .get_policy()
        .function_name("FAQ")
        .qualifier("live")
        .send()
        .await
        .is_ok());
    assert!(!question(&url).await.is_empty());
    let again = json_ok_async(unthrottled(&cloud, std::path::Path::new(&zip))).await;
    assert_eq!(operations(&again), Vec::<String>::new());
    cloud.stop().await;
}

/// `rollback` sends users back to the version before in one write, `history` shows which one
/// is live, and versions beyond `--keep-versions` are pruned but never the live one or the
/// one before it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rollback_is_one_write_and_history_shows_what_is_live() {
    let cloud = common::local_cloud(LocalConfig::default()).await;
    let sdk = Sdk::at(&cloud.endpoint()).await;
    let zip = common::zip();
    let first = json_ok_async(deploy_command(&cloud, std::path::Path::new(&zip))).await;
    let url = first["invoke_url"].as_str().unwrap().to_string();
    let dir = tempfile::tempdir().unwrap();
    let changed = common::changed_zip(dir.path());
    json_ok_async(deploy_command(&cloud, &changed)).await;
    assert_eq!(question(&url).await, "Changed?");

    let command = |args: &[&str]| {
        let mut command = faqctl_at(&cloud.endpoint());
        command.args(args);
        command
    };
    let history = json_ok_async(command(&["history"])).await;
    let versions = history["versions"].as_array().unwrap();
    let listed: Vec<(u64, f64)> = versions
        .iter()
        .map(|v| {
            (
                v["version"].as_u64().unwrap(),
                v["weight"].as_f64().unwrap(),
            )
        })
        .collect();
    assert_eq!(listed, [(2, 1.0), (1, 0.0)]);
    assert_eq!(versions[0]["code_sha256"], sdk.live_code_sha256().await);
    if let Some(commit) = head_commit() {
        assert_eq!(versions[0]["commit"], commit.as_str());
    }

    // One write, and users are on version 1 again.
    common::forget_calls(&cloud.endpoint()).await;
    let rolled = json_ok_async(command(&["rollback"])).await;
    assert_eq!(
        (&rolled["from"], &rolled["to"], &rolled["changed"]),
        (&2.into(), &1.into(), &true.into())
    );
    let calls = cloud.calls();
    let writes: Vec<&String> = calls
        .keys()
        .filter(|op| !op.starts_with("Get") && !op.starts_with("List"))
        .collect();
    assert_eq!(writes, ["UpdateAlias"], "{calls:?}");
    assert_eq!(calls["UpdateAlias"], 1);
    assert_ne!(question(&url).await, "Changed?");
    let history = json_ok_async(command(&["history"])).await;
    assert_eq!(history["versions"][1]["weight"], 1.0);

    // Nothing before version 1 (2 was rolled back from); an unknown version is named with the
    // ones there are.
    let output = run(command(&["rollback"])).await;
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains(
        "no version of FAQ was live before version 1 and healthy (per FAQ:live's history, which faqctl keeps in its description): nothing was changed; pick one with --to VERSION"
    ));
    let output = run(command(&["rollback", "--to", "9"])).await;
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr)
        .contains("--to 9: FAQ has no version 9; its versions are [1, 2]"));
    let forward = json_ok_async(command(&["rollback", "--to", "2"])).await;
    assert_eq!(forward["to"], 2);
    assert_eq!(question(&url).await, "Changed?");
    let same = json_ok_async(command(&["rollback", "--to", "2"])).await;
    assert_eq!(same["changed"], false);

    // A third version with two kept: version 1 goes; 3 (live) and 2 (before it) stay.
    let mut third = deploy_command(&cloud, std::path::Path::new(&zip));
    third.args(["--memory", "256", "--keep-versions", "2"]);
    let third = json_ok_async(third).await;
    assert_eq!(
        operations(&third),
        [
            "UpdateFunctionCode",
            "UpdateFunctionConfiguration",
            "PublishVersion",
            "Invoke",
            "UpdateAlias",
            "DeleteFunction"
        ]
    );
    let history = json_ok_async(command(&["history"])).await;
    let left: Vec<u64> = history["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["version"].as_u64().unwrap())
        .collect();
    assert_eq!(left, [3, 2]);
    cloud.stop().await;
}

/// The writes a change makes (PublishVersion, UpdateAlias, and pruning's DeleteFunction)
/// survive faults up to the retry bound, and a re-run converges beyond it: one new version,
/// the alias on it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_writes_of_a_change_survive_faults_and_a_rerun_converges() {
    let cloud = common::local_cloud(LocalConfig::default()).await;
    let sdk = Sdk::at(&cloud.endpoint()).await;
    let zip = common::zip();
    json_ok_async(deploy_command(&cloud, std::path::Path::new(&zip))).await;
    let dir = tempfile::tempdir().unwrap();
    let changed = common::changed_zip(dir.path());
    let faults = |spec: &'static str| {
        let endpoint = cloud.endpoint();
        async move {
            let response = common::admin()
                .post(format!("{endpoint}/_faqctl/faults"))
                .body(spec)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 200);
        }
    };
    faults("PublishVersion=500*7,UpdateAlias=reset*7").await;
    let second = json_ok_async(deploy_command(&cloud, &changed)).await;
    assert_eq!(
        operations(&second),
        [
            "UpdateFunctionCode",
            "PublishVersion",
            "Invoke",
            "UpdateAlias"
        ]
    );
    assert_eq!(alias_version(&sdk).await, "2");
    assert_eq!(cloud.calls()["PublishVersion (fault)"], 7);

    // Beyond the bound: the deploy stops after the gate, the alias unmoved; the next run moves
    // it without publishing again, and prunes what is beyond --keep-versions.
    faults("UpdateAlias=throttle*8").await;
    let mut third = deploy_command(&cloud, std::path::Path::new(&zip));
    third.args(["--memory", "256", "--keep-versions", "2"]);
    let output = run(third).await;
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(alias_version(&sdk).await, "2");
    let mut again = deploy_command(&cloud, std::path::Path::new(&zip));
    again.args(["--memory", "256", "--keep-versions", "2"]);
    let again = json_ok_async(again).await;
    assert_eq!(
        operations(&again),
        ["Invoke", "UpdateAlias", "DeleteFunction"]
    );
    assert_eq!(alias_version(&sdk).await, "3");
    assert!(!question(again["invoke_url"].as_str().unwrap())
        .await
        .is_empty());
    cloud.stop().await;
}
