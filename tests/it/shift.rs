//! Gradual traffic shifting on the local cloud (`--traffic canary|linear`, `--alarm`): the
//! alias' routing weights really split the stage's invocations, the local cloud's CloudWatch
//! counts them per executed version (GetMetricData in rpc-v2-cbor, as aws-sdk-cloudwatch
//! speaks it), and a new version that fails while it has its share — or an alarm that fires
//! meanwhile — is rolled back, exit 5, users back on the version they had.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_sdk_cloudwatch::primitives::DateTime;
use aws_sdk_cloudwatch::types::{
    ComparisonOperator, Dimension, Metric, MetricDataQuery, MetricStat, StateValue, Statistic,
};
use serde_json::Value;

use crate::common::{self, faqctl_at, json_ok_async, run, Sdk, ROLE_ARN};
use faqctl::local::{LocalCloud, LocalConfig};

fn deploy_command(
    cloud: &LocalCloud,
    zip: &std::path::Path,
    extra: &[&str],
) -> assert_cmd::Command {
    let mut command = faqctl_at(&cloud.endpoint());
    command
        .args(["deploy", "--role-arn", ROLE_ARN, "--zip"])
        .arg(zip)
        // Far above what one client sends: the stage never answers 429 here.
        .args(["--throttle-rate", "10000", "--throttle-burst", "5000"])
        .args(extra);
    command
}

/// What a client hitting the stage URL all the time saw: answers by status, and the questions.
#[derive(Default)]
struct Seen {
    statuses: BTreeMap<u16, u64>,
    questions: BTreeMap<String, u64>,
}

/// A client GETting the stage URL one request after another until `stop` is set.
fn hit_stage(
    url: String,
    stop: Arc<AtomicBool>,
) -> (tokio::task::JoinHandle<()>, Arc<Mutex<Seen>>) {
    let seen = Arc::new(Mutex::new(Seen::default()));
    let record = seen.clone();
    let task = tokio::spawn(async move {
        let client = reqwest::Client::new();
        while !stop.load(Ordering::Relaxed) {
            let Ok(response) = client.get(&url).send().await else {
                continue;
            };
            let status = response.status().as_u16();
            let body = response.text().await.unwrap_or_default();
            let question = serde_json::from_str::<Value>(&body)
                .ok()
                .and_then(|v| v["q"].as_str().map(str::to_string))
                .unwrap_or_default();
            let mut seen = record.lock().unwrap();
            *seen.statuses.entry(status).or_default() += 1;
            *seen.questions.entry(question).or_default() += 1;
        }
    });
    (task, seen)
}

/// The alias `live`: its version, and its routing weights.
async fn alias(sdk: &Sdk) -> (String, Vec<(String, f64)>) {
    let alias = sdk
        .lambda
        .get_alias()
        .function_name("FAQ")
        .name("live")
        .send()
        .await
        .unwrap();
    let weights = alias
        .routing_config()
        .and_then(|r| r.additional_version_weights())
        .map(|w| w.iter().map(|(k, v)| (k.clone(), *v)).collect())
        .unwrap_or_default();
    (alias.function_version().unwrap().to_string(), weights)
}

/// Waits (up to a minute) until the alias routes a share to another version: a shift began.
async fn until_shifting(sdk: &Sdk) {
    let began = common::until(Duration::from_secs(60), || async {
        !alias(sdk).await.1.is_empty()
    })
    .await;
    assert!(began, "the shift never began");
}

/// A local cloud with FAQ deployed (version 1 live through the alias), and a changed package
/// to deploy next (in the returned folder).
async fn deployed_with_a_change() -> (LocalCloud, Sdk, tempfile::TempDir, std::path::PathBuf) {
    let cloud = common::local_cloud(LocalConfig::default()).await;
    let sdk = Sdk::at(&cloud.endpoint()).await;
    let good = std::path::PathBuf::from(common::zip());
    json_ok_async(deploy_command(&cloud, &good, &[])).await;
    let dir = tempfile::tempdir().unwrap();
    let changed = common::changed_zip(dir.path());
    (cloud, sdk, dir, changed)
}

/// A package whose bootstrap answers its first invocation with a FAQ entry (the gate's) and
/// fails every one after it: a version that breaks once it has traffic
/// (`function/examples/fails_after_first.rs`, built here as the tests are).
fn fails_after_the_gate(dir: &std::path::Path) -> std::path::PathBuf {
    let target = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .unwrap()
        .to_path_buf();
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let built = std::process::Command::new(cargo)
        .current_dir(common::workspace())
        .args([
            "build",
            "--quiet",
            "-p",
            "faq-function",
            "--example",
            "fails_after_first",
        ])
        .arg("--target-dir")
        .arg(&target)
        .status()
        .unwrap();
    assert!(built.success(), "cargo build --example fails_after_first");
    let binary = std::fs::read(target.join("debug/examples/fails_after_first")).unwrap();
    let path = dir.join("fails-after-the-gate.zip");
    std::fs::write(
        &path,
        faqctl::package::write_zip(&[("bootstrap", 0o755, &binary)]).unwrap(),
    )
    .unwrap();
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_canary_that_starts_failing_is_rolled_back_automatically() {
    let cloud = common::local_cloud(LocalConfig::default()).await;
    let sdk = Sdk::at(&cloud.endpoint()).await;
    let good = std::path::PathBuf::from(common::zip());
    let first = json_ok_async(deploy_command(&cloud, &good, &[])).await;
    let url = first["invoke_url"].as_str().unwrap().to_string();

    let stop = Arc::new(AtomicBool::new(false));
    let (client, seen) = hit_stage(url.clone(), stop.clone());
    let dir = tempfile::tempdir().unwrap();
    // Held for a minute: only the health check can end it early.
    let output = run(deploy_command(
        &cloud,
        &fails_after_the_gate(dir.path()),
        &["--traffic", "canary:50:60s"],
    ))
    .await;
    stop.store(true, Ordering::Relaxed);
    client.await.unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(5), "{stderr}");
    assert!(
        stderr.contains("version 2 of FAQ was rolled back during the traffic shift: "),
        "{stderr}"
    );
    assert!(
        stderr.contains(
            "invocations failed (CloudWatch AWS/Lambda Errors); FAQ:live is on version 1 again"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("users are on the version they had"),
        "{stderr}"
    );
    // The alias is whole on version 1 again, and the stage serves it.
    assert_eq!(alias(&sdk).await, ("1".to_string(), vec![]));
    let answer = reqwest::get(&url).await.unwrap();
    assert_eq!(answer.status(), 200);
    // While it had its share, the canary really got traffic (and failed it: 502).
    let seen = std::mem::take(&mut *seen.lock().unwrap());
    assert!(
        seen.statuses.get(&502).is_some_and(|n| *n > 0),
        "{:?}",
        seen.statuses
    );

    // `history` lists the failed version; the alias is not on it.
    let history = json_ok_async({
        let mut command = faqctl_at(&cloud.endpoint());
        command.arg("history");
        command
    })
    .await;
    let versions = history["versions"].as_array().unwrap();
    assert_eq!(versions[0]["version"], 2);
    assert_eq!(versions[0]["weight"], 0.0);
    cloud.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_real_alarm_on_the_canarys_errors_rolls_the_shift_back() {
    let cloud = common::local_cloud(LocalConfig::default()).await;
    let sdk = Sdk::at(&cloud.endpoint()).await;
    let good = std::path::PathBuf::from(common::zip());
    let first = json_ok_async(deploy_command(&cloud, &good, &[])).await;
    let url = first["invoke_url"].as_str().unwrap().to_string();

    // The alarm a user would keep on what the stage's users get: errors through FAQ:live,
    // whichever version answered, 1 of the last 2 minutes above 0, no data being fine.
    let dimension = |n: &str, v: &str| Dimension::builder().name(n).value(v).build();
    sdk.cloudwatch
        .put_metric_alarm()
        .alarm_name("faq-live-errors")
        .namespace("AWS/Lambda")
        .metric_name("Errors")
        .dimensions(dimension("FunctionName", "FAQ"))
        .dimensions(dimension("Resource", "FAQ:live"))
        .statistic(Statistic::Sum)
        .period(60)
        .evaluation_periods(2)
        .datapoints_to_alarm(1)
        .threshold(0.0)
        .comparison_operator(ComparisonOperator::GreaterThanThreshold)
        .treat_missing_data("notBreaching")
        .send()
        .await
        .unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let (client, seen) = hit_stage(url.clone(), stop.clone());
    // Version 1's answers are within the threshold: the local cloud's CloudWatch says OK.
    let mut poll = common::Poll::new(Duration::from_secs(30)).every(Duration::from_millis(100));
    loop {
        let alarm = describe_alarm(&sdk, "faq-live-errors").await;
        if alarm.state_value() == Some(&StateValue::Ok) {
            let reason = alarm.state_reason().unwrap_or_default();
            assert!(reason.starts_with("Threshold Crossed: "), "{reason}");
            break;
        }
        assert!(poll.tick().await, "the alarm never went OK: {alarm:?}");
    }

    let dir = tempfile::tempdir().unwrap();
    // Held for a minute: only the health check can end it early.
    let output = run(deploy_command(
        &cloud,
        &fails_after_the_gate(dir.path()),
        &["--traffic", "canary:50:60s", "--alarm", "faq-live-errors"],
    ))
    .await;
    stop.store(true, Ordering::Relaxed);
    client.await.unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(5), "{stderr}");
    assert!(
        stderr.contains("version 2 of FAQ was rolled back during the traffic shift: "),
        "{stderr}"
    );
    // The shift's own error count and the alarm see the same failures in the same health
    // read (the alarm is evaluated when DescribeAlarms reads it): both are named.
    assert!(
        stderr.contains("alarm faq-live-errors is in ALARM; FAQ:live is on version 1 again"),
        "{stderr}"
    );
    assert_eq!(alias(&sdk).await, ("1".to_string(), vec![]));
    let seen = std::mem::take(&mut *seen.lock().unwrap());
    assert!(
        seen.statuses.get(&502).is_some_and(|n| *n > 0),
        "{:?}",
        seen.statuses
    );

    // The alarm is in ALARM because CloudWatch evaluated the canary's errors, in AWS's words:
    // nobody set its state.
    let alarm = describe_alarm(&sdk, "faq-live-errors").await;
    assert_eq!(alarm.state_value(), Some(&StateValue::Alarm));
    let reason = alarm.state_reason().unwrap_or_default();
    assert!(
        reason.starts_with("Threshold Crossed: ")
            && reason.contains(" out of the last 2 datapoints ["),
        "{reason}"
    );
    // (With a minute of no data in the last 2, "and 1 missing datapoint was treated as
    // [NonBreaching]" comes before the minimum.)
    assert!(
        reason.contains("] was greater than the threshold (0.0)")
            || reason.contains("] were greater than the threshold (0.0)"),
        "{reason}"
    );
    assert!(
        reason.ends_with(" (minimum 1 datapoint for OK -> ALARM transition)."),
        "{reason}"
    );
    let data: Value = serde_json::from_str(alarm.state_reason_data().unwrap()).unwrap();
    assert_eq!(data["version"], "1.0");
    assert_eq!(data["statistic"], "Sum");
    assert_eq!(data["period"], 60);
    assert_eq!(data["threshold"], 0.0);
    assert!(
        data["recentDatapoints"]
            .as_array()
            .unwrap()
            .iter()
            .any(|v| v.as_f64().unwrap() > 0.0),
        "{data}"
    );
    assert_eq!(
        alarm.state_updated_timestamp(),
        alarm.state_transitioned_timestamp()
    );
    assert!(
        !cloud.calls().contains_key("SetAlarmState"),
        "{:?}",
        cloud.calls()
    );
    cloud.stop().await;
}

/// The metric alarm `name`, as DescribeAlarms answers it.
async fn describe_alarm(sdk: &Sdk, name: &str) -> aws_sdk_cloudwatch::types::MetricAlarm {
    let described = sdk
        .cloudwatch
        .describe_alarms()
        .alarm_names(name)
        .send()
        .await
        .unwrap();
    described.metric_alarms()[0].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_healthy_linear_shift_moves_step_by_step_and_reports_each_step() {
    let cloud = common::local_cloud(LocalConfig::default()).await;
    let sdk = Sdk::at(&cloud.endpoint()).await;
    let good = std::path::PathBuf::from(common::zip());
    let first = json_ok_async(deploy_command(&cloud, &good, &[])).await;
    let url = first["invoke_url"].as_str().unwrap().to_string();

    // `plan` shows how the alias would move.
    let dir = tempfile::tempdir().unwrap();
    let changed = common::changed_zip(dir.path());
    let planned = json_ok_async({
        let mut command = faqctl_at(&cloud.endpoint());
        command
            .args(["plan", "--traffic", "linear:50:2s", "--zip"])
            .arg(&changed);
        command
    })
    .await;
    let descriptions: Vec<&str> = planned["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["description"].as_str())
        .collect();
    assert!(
        descriptions.contains(
            &"~ move alias FAQ:live from version 1 to the new version: linear 50% more every 2s, until all, watching its errors"
        ),
        "{descriptions:?}"
    );

    common::forget_calls(&cloud.endpoint()).await;
    let stop = Arc::new(AtomicBool::new(false));
    let (client, seen) = hit_stage(url.clone(), stop.clone());
    let deployed = json_ok_async(deploy_command(
        &cloud,
        &changed,
        &["--traffic", "linear:50:2s"],
    ))
    .await;
    stop.store(true, Ordering::Relaxed);
    client.await.unwrap();

    // Two steps: 50 % held for 2 s with the new version's invocations counted, then all.
    let steps = deployed["traffic"].as_array().unwrap();
    let shares: Vec<u64> = steps
        .iter()
        .map(|s| s["percent"].as_u64().unwrap())
        .collect();
    assert_eq!(shares, [50, 100], "{steps:?}");
    assert!(steps[0]["held_s"].as_f64().unwrap() >= 2.0, "{steps:?}");
    assert!(steps[0]["invocations"].as_u64().unwrap() > 0, "{steps:?}");
    assert_eq!(steps[0]["errors"], 0);
    assert_eq!(steps[0]["version"], "2");
    assert_eq!(cloud.calls()["UpdateAlias"], 2);
    assert_eq!(alias(&sdk).await, ("2".to_string(), vec![]));
    // Users saw both versions while it shifted, and nothing but 200.
    let seen = std::mem::take(&mut *seen.lock().unwrap());
    assert_eq!(
        seen.statuses.keys().collect::<Vec<_>>(),
        [&200],
        "{:?}",
        seen.statuses
    );
    assert!(
        seen.questions.contains_key("Changed?"),
        "{:?}",
        seen.questions
    );
    assert!(seen.questions.len() > 1, "{:?}", seen.questions);

    // The counts CloudWatch answers are the invocations the local cloud ran: the new
    // version's through the alias, in AWS/Lambda, by ExecutedVersion.
    let (count, errors) = version_totals(&sdk, "2").await;
    assert!(
        count >= steps[0]["invocations"].as_f64().unwrap(),
        "{count}"
    );
    assert_eq!(errors, 0.0);
    cloud.stop().await;
}

/// Sum of `Invocations` and `Errors` of FAQ:live's executed `version` in the last hour.
async fn version_totals(sdk: &Sdk, version: &str) -> (f64, f64) {
    let query = |id: &str, name: &str| {
        let dimension = |n: &str, v: &str| Dimension::builder().name(n).value(v).build();
        MetricDataQuery::builder()
            .id(id)
            .metric_stat(
                MetricStat::builder()
                    .metric(
                        Metric::builder()
                            .namespace("AWS/Lambda")
                            .metric_name(name)
                            .dimensions(dimension("FunctionName", "FAQ"))
                            .dimensions(dimension("Resource", "FAQ:live"))
                            .dimensions(dimension("ExecutedVersion", version))
                            .build(),
                    )
                    .period(3600)
                    .stat("Sum")
                    .build(),
            )
            .build()
    };
    let now = std::time::SystemTime::now();
    let output = sdk
        .cloudwatch
        .get_metric_data()
        .metric_data_queries(query("invocations", "Invocations"))
        .metric_data_queries(query("errors", "Errors"))
        .start_time(DateTime::from(now - Duration::from_secs(3600)))
        .end_time(DateTime::from(now + Duration::from_secs(60)))
        .send()
        .await
        .unwrap();
    let results = output.metric_data_results();
    assert_eq!(results[0].label(), Some("Invocations"));
    assert_eq!(
        results[0].status_code(),
        Some(&aws_sdk_cloudwatch::types::StatusCode::Complete)
    );
    let sum = |i: usize| results[i].values().iter().sum::<f64>();
    (sum(0), sum(1))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_alarm_that_fires_mid_shift_rolls_back_and_a_missing_alarm_moves_nothing() {
    let (cloud, sdk, _dir, changed) = deployed_with_a_change().await;

    // An alarm that does not exist is refused before any traffic moves.
    let output = run(deploy_command(
        &cloud,
        &changed,
        &["--traffic", "canary:10:60s", "--alarm", "faq-missing"],
    ))
    .await;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("--alarm faq-missing: no such CloudWatch alarm in us-east-1"),
        "{stderr}"
    );
    assert_eq!(alias(&sdk).await, ("1".to_string(), vec![]));

    sdk.cloudwatch
        .put_metric_alarm()
        .alarm_name("faq-errors")
        .namespace("AWS/Lambda")
        .metric_name("Errors")
        .dimensions(
            Dimension::builder()
                .name("FunctionName")
                .value("FAQ")
                .build(),
        )
        .statistic(Statistic::Sum)
        .period(60)
        .evaluation_periods(1)
        .threshold(1.0)
        .comparison_operator(ComparisonOperator::GreaterThanOrEqualToThreshold)
        .send()
        .await
        .unwrap();
    let deploy = tokio::spawn(run(deploy_command(
        &cloud,
        &changed,
        &["--traffic", "canary:10:60s", "--alarm", "faq-errors"],
    )));
    // Once the canary has its 10 %, the alarm fires.
    until_shifting(&sdk).await;
    assert_eq!(
        alias(&sdk).await,
        ("1".to_string(), vec![("2".to_string(), 0.1)])
    );
    sdk.cloudwatch
        .set_alarm_state()
        .alarm_name("faq-errors")
        .state_value(StateValue::Alarm)
        .state_reason("testing the rollback")
        .send()
        .await
        .unwrap();
    let output = deploy.await.unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(5), "{stderr}");
    assert!(stderr.contains("alarm faq-errors is in ALARM"), "{stderr}");
    assert_eq!(alias(&sdk).await, ("1".to_string(), vec![]));

    // While it is in ALARM, a new shift does not even start.
    let output = run(deploy_command(
        &cloud,
        &changed,
        &["--traffic", "canary:10:60s", "--alarm", "faq-errors"],
    ))
    .await;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(5), "{stderr}");
    assert!(
        stderr.contains("the shift to version 2 did not start: alarm faq-errors is in ALARM"),
        "{stderr}"
    );
    let described = sdk
        .cloudwatch
        .describe_alarms()
        .alarm_names("faq-errors")
        .send()
        .await
        .unwrap();
    let alarm = &described.metric_alarms()[0];
    assert_eq!(alarm.state_value(), Some(&StateValue::Alarm));
    assert_eq!(alarm.state_reason(), Some("testing the rollback"));
    assert_eq!(
        alarm.alarm_arn(),
        Some("arn:aws:cloudwatch:us-east-1:000000000000:alarm:faq-errors")
    );
    cloud.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cloudwatch_answers_in_rpc_v2_cbor_with_the_errors_aws_recorded() {
    let cloud = common::local_cloud(LocalConfig::default()).await;
    let sdk = Sdk::at(&cloud.endpoint()).await;
    // Recorded (test_set_alarm_invalid_input[smithy-rpc-v2-cbor]): a missing alarm is
    // ResourceNotFound, 404.
    let error = sdk
        .cloudwatch
        .set_alarm_state()
        .alarm_name("nothing-here")
        .state_value(StateValue::Ok)
        .state_reason("r")
        .send()
        .await
        .unwrap_err();
    let raw = error.raw_response().unwrap();
    assert_eq!(raw.status().as_u16(), 404);
    assert_eq!(
        aws_smithy_types::error::metadata::ProvideErrorMetadata::code(&error),
        Some("ResourceNotFound")
    );
    // Recorded (test_set_alarm_invalid_input): a state outside the enum is a ValidationError.
    let error = sdk
        .cloudwatch
        .set_alarm_state()
        .alarm_name("nothing-here")
        .state_value(StateValue::from("INVALID"))
        .state_reason("r")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        aws_smithy_types::error::metadata::ProvideErrorMetadata::code(&error),
        Some("ValidationError")
    );
    let message = aws_smithy_types::error::metadata::ProvideErrorMetadata::message(&error).unwrap();
    assert!(
        message.starts_with("1 validation error detected: Value 'INVALID' at 'stateValue' failed to satisfy constraint: Member must satisfy enum value set: ["),
        "{message}"
    );
    // Recorded (test_invalid_amount_of_datapoints, error-invalid-time-frame).
    let now = std::time::SystemTime::now();
    let error = sdk
        .cloudwatch
        .get_metric_data()
        .metric_data_queries(
            MetricDataQuery::builder()
                .id("m")
                .metric_stat(
                    MetricStat::builder()
                        .metric(
                            Metric::builder()
                                .namespace("AWS/Lambda")
                                .metric_name("Errors")
                                .build(),
                        )
                        .period(60)
                        .stat("Sum")
                        .build(),
                )
                .build(),
        )
        .start_time(DateTime::from(now))
        .end_time(DateTime::from(now - Duration::from_secs(60)))
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        aws_smithy_types::error::metadata::ProvideErrorMetadata::code(&error),
        Some("InvalidParameterValue")
    );
    assert_eq!(
        aws_smithy_types::error::metadata::ProvideErrorMetadata::message(&error),
        Some("The parameter StartTime must be less than the parameter EndTime.")
    );
    cloud.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shift_survives_faults_and_one_killed_midway_is_finished_by_the_next_deploy() {
    let (cloud, sdk, _dir, changed) = deployed_with_a_change().await;

    // Killed while the new version has its 50 %: the weights stay on the alias.
    let mut killed = common::faqctl_process(&cloud.endpoint());
    killed
        .args(["deploy", "--role-arn", ROLE_ARN, "--zip"])
        .arg(&changed)
        .args(["--traffic", "canary:50:60s"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    let mut child = killed.spawn().unwrap();
    until_shifting(&sdk).await;
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(
        alias(&sdk).await,
        ("1".to_string(), vec![("2".to_string(), 0.5)])
    );

    // The next deploy shifts again from version 1, through faults on each of its writes and
    // reads (the SDK retries them), and ends with the alias whole on version 2.
    let response = common::admin()
        .post(format!("{}/_faqctl/faults", cloud.endpoint()))
        .body("UpdateAlias=503*2,GetMetricData=throttle*2,GetAlias=reset*1")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let deployed = json_ok_async(deploy_command(
        &cloud,
        &changed,
        &["--traffic", "canary:50:1s"],
    ))
    .await;
    let shares: Vec<u64> = deployed["traffic"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["percent"].as_u64().unwrap())
        .collect();
    assert_eq!(shares, [50, 100]);
    assert_eq!(alias(&sdk).await, ("2".to_string(), vec![]));
    let calls = cloud.calls();
    assert_eq!(calls["UpdateAlias (fault)"], 2, "{calls:?}");
    assert_eq!(calls["GetMetricData (fault)"], 2, "{calls:?}");
    // Nothing was published twice: version 2 passed the gate again and took over.
    assert_eq!(sdk.version_names("FAQ").await, ["$LATEST", "1", "2"]);
    // A no-op redeploy after it writes nothing and shifts nothing.
    let again = json_ok_async(deploy_command(
        &cloud,
        &changed,
        &["--traffic", "canary:50:1s"],
    ))
    .await;
    assert_eq!(again["changes"], serde_json::json!([]));
    assert!(again.get("traffic").is_none(), "{again}");
    cloud.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_gradual_deploys_at_once_end_in_one_version_wholly_live() {
    let (cloud, sdk, _dir, changed) = deployed_with_a_change().await;
    let one = tokio::spawn(run(deploy_command(
        &cloud,
        &changed,
        &["--traffic", "linear:50:1s"],
    )));
    let two = tokio::spawn(run(deploy_command(
        &cloud,
        &changed,
        &["--traffic", "canary:50:1s"],
    )));
    for output in [one.await.unwrap(), two.await.unwrap()] {
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    // One new version (Lambda publishes an unchanged $LATEST once), wholly live.
    assert_eq!(sdk.version_names("FAQ").await, ["$LATEST", "1", "2"]);
    assert_eq!(alias(&sdk).await, ("2".to_string(), vec![]));
    cloud.stop().await;
}
