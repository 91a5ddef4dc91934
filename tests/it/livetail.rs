//! Logs that stream: `logs --follow` on one Live Tail session for all its log groups, served
//! by the local cloud in AWS's event-stream format; a session that ends renewed without a line
//! lost or repeated; the fallback to polling where Live Tail is denied, through a minute of
//! throttling; FilterLogEvents' 5 per second under `--enforce-rate-limits`; and one request
//! followed across the access log, API Gateway's execution log and the function's log.

use std::collections::{BTreeMap, HashMap};
use std::io::BufRead;
use std::time::Duration;

use crate::common;

use common::{faqctl_at, json_ok_async, zip, Sdk, ROLE_ARN};
use faqctl::local::{LocalCloud, LocalConfig};
use serde_json::Value;

const LOGS_ROLE: &str = "arn:aws:iam::123456789012:role/apigw-logs";

/// Deploys with API logs on; returns the stage URL.
async fn deploy(cloud: &LocalCloud) -> String {
    let deployed = json_ok_async({
        let mut command = faqctl_at(&cloud.endpoint());
        command.args([
            "deploy",
            "--zip",
            &zip(),
            "--role-arn",
            ROLE_ARN,
            "--api-logs",
            "--apigw-logs-role-arn",
            LOGS_ROLE,
            "--throttle-rate",
            "1000",
            "--throttle-burst",
            "1000",
        ]);
        command
    })
    .await;
    deployed["invoke_url"].as_str().unwrap().to_string()
}

/// GETs the stage URL; returns API Gateway's request id (the `x-amzn-RequestId` header).
async fn get(url: &str) -> String {
    let response = reqwest::get(url).await.unwrap();
    assert_eq!(response.status(), 200);
    response.headers()["x-amzn-requestid"]
        .to_str()
        .unwrap()
        .to_string()
}

/// `faqctl logs --follow …` running, its JSON lines and its stderr collected.
struct Following {
    child: std::process::Child,
    lines: tokio::sync::mpsc::UnboundedReceiver<Value>,
    seen: Vec<Value>,
    stderr: std::sync::Arc<std::sync::Mutex<String>>,
}

impl Following {
    fn start(cloud: &LocalCloud, args: &[&str]) -> Following {
        let command = faqctl_at(&cloud.endpoint());
        let mut child = std::process::Command::new(command.get_program())
            .args(command.get_args())
            .envs(command.get_envs().filter_map(|(k, v)| v.map(|v| (k, v))))
            .args(["logs", "--follow", "--output", "json"])
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let (sender, lines) = tokio::sync::mpsc::unbounded_channel();
        let stdout = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                let _ = sender.send(serde_json::from_str(&line).unwrap());
            }
        });
        let stderr = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let collected = stderr.clone();
        let pipe = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(pipe).lines() {
                let Ok(line) = line else { break };
                let mut text = collected.lock().unwrap();
                text.push_str(&line);
                text.push('\n');
            }
        });
        Following {
            child,
            lines,
            seen: Vec::new(),
            stderr,
        }
    }

    /// Collects lines as they are printed until `done` holds for everything seen, or `limit`
    /// passes.
    async fn until(&mut self, limit: Duration, done: impl Fn(&[Value]) -> bool) -> bool {
        let deadline = tokio::time::Instant::now() + limit;
        while !done(&self.seen) {
            match tokio::time::timeout_at(deadline, self.lines.recv()).await {
                Ok(Some(line)) => self.seen.push(line),
                Ok(None) => panic!("logs --follow ended: {}", self.stderr()),
                Err(_) => return false,
            }
        }
        true
    }

    fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Ctrl-C: it must end cleanly; every line it printed is kept.
    async fn stop(mut self) -> Vec<Value> {
        std::process::Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status()
            .unwrap();
        let status = self.child.wait().unwrap();
        assert!(status.success(), "Ctrl-C ends the follow cleanly: {status}");
        // Its stdout is closed now: the reader sends what was left and ends (bounded, should
        // anything else hold the pipe open).
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while let Ok(Some(line)) = tokio::time::timeout_at(deadline, self.lines.recv()).await {
            self.seen.push(line);
        }
        self.seen
    }
}

fn messages<'a>(lines: &'a [Value], source: &str) -> Vec<&'a str> {
    lines
        .iter()
        .filter(|l| l["source"] == source)
        .map(|l| l["message"].as_str().unwrap())
        .collect()
}

/// No line printed twice: (source, stream, time, message) are unique here (each request's
/// lines differ by their request ids).
fn assert_each_once(lines: &[Value]) {
    let mut counts: HashMap<(String, String, i64, String), usize> = HashMap::new();
    for line in lines {
        *counts
            .entry((
                line["source"].to_string(),
                line["stream"].to_string(),
                line["timestamp_ms"].as_i64().unwrap(),
                line["message"].to_string(),
            ))
            .or_default() += 1;
    }
    let repeated: Vec<_> = counts.iter().filter(|(_, n)| **n > 1).collect();
    assert!(repeated.is_empty(), "printed more than once: {repeated:?}");
}

/// How many of the function's REPORT lines were printed.
fn reports(lines: &[Value]) -> usize {
    messages(lines, "function")
        .iter()
        .filter(|m| m.starts_with("REPORT RequestId: "))
        .count()
}

async fn report_count(cloud: &LocalCloud) -> usize {
    let sdk = Sdk::at(&cloud.endpoint()).await;
    let events = sdk
        .logs
        .filter_log_events()
        .log_group_name("/aws/lambda/FAQ")
        .filter_pattern("REPORT")
        .send()
        .await
        .unwrap();
    events.events().len()
}

fn calls(cloud: &LocalCloud, operation: &str) -> u64 {
    cloud.calls().get(operation).copied().unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn follow_source_all_streams_the_three_groups_through_one_live_tail_session() {
    let cloud = common::local_cloud(LocalConfig::default()).await;
    let url = deploy(&cloud).await;
    // The first logged request makes API Gateway's execution log group.
    let first = get(&url).await;
    let mut following = Following::start(&cloud, &["--source", "all", "--since", "1m"]);
    // The history comes first: the request made before the follow started.
    assert!(
        following
            .until(Duration::from_secs(20), |seen| seen
                .iter()
                .any(
                    |l| l["source"] == "access" && l["message"].as_str().unwrap().contains(&first)
                ))
            .await,
        "{}",
        following.stderr()
    );
    let ids = [get(&url).await, get(&url).await, get(&url).await];
    let arrived = following
        .until(Duration::from_secs(20), |seen| {
            ids.iter().all(|id| {
                let access = seen.iter().any(|l| {
                    l["source"] == "access" && l["message"].as_str().unwrap().contains(id.as_str())
                });
                let api = seen.iter().any(|l| {
                    l["source"] == "api"
                        && l["message"]
                            .as_str()
                            .unwrap()
                            .starts_with(&format!("({id}) Method completed"))
                });
                access && api
            }) && reports(seen) == 5 // the deploy's gate, the first GET, and these three
        })
        .await;
    assert!(arrived, "{:#?}\n{}", following.seen, following.stderr());
    // One session, and no polling: FilterLogEvents only read the history (once per group).
    assert_eq!(calls(&cloud, "StartLiveTail"), 1, "{:?}", cloud.calls());
    assert!(calls(&cloud, "FilterLogEvents") <= 3, "{:?}", cloud.calls());
    let stderr = following.stderr();
    let lines = following.stop().await;
    assert_each_once(&lines);
    assert!(!stderr.contains("polling"), "{stderr}");
    // Every request's function lines: START, the function's own line, END, REPORT.
    let function = messages(&lines, "function");
    assert_eq!(
        function
            .iter()
            .filter(|m| m.starts_with("Quote selected: "))
            .count(),
        5, // the deploy's gate, then four GETs
        "{function:#?}"
    );
    cloud.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_that_ends_is_renewed_without_a_line_lost_or_repeated() {
    // Sessions of 2 s instead of 3 hours: several end while requests keep coming.
    let cloud = common::local_cloud(LocalConfig {
        live_tail_limit: Duration::from_secs(2),
        ..LocalConfig::default()
    })
    .await;
    let url = deploy(&cloud).await;
    let mut following = Following::start(&cloud, &[]);
    // The follow is up once its session started.
    assert!(
        common::eventually(Duration::from_secs(20), || calls(&cloud, "StartLiveTail")
            >= 1)
        .await
    );
    // Ten requests a second for 7 s: longer than a session, so sessions end and are renewed.
    let mut sent = 0;
    let mut pace = tokio::time::interval(Duration::from_millis(100));
    let started = std::time::Instant::now();
    while started.elapsed() < Duration::from_secs(7) {
        pace.tick().await;
        get(&url).await;
        sent += 1;
    }
    let all_reported = following
        .until(Duration::from_secs(30), |seen| reports(seen) >= sent)
        .await;
    assert!(all_reported, "{}", following.stderr());
    assert!(
        calls(&cloud, "StartLiveTail") >= 3,
        "sessions ended and were renewed: {:?}",
        cloud.calls()
    );
    let lines = following.stop().await;
    assert_each_once(&lines);
    // Every GET, and the deploy's gate before them.
    assert_eq!(reports(&lines), sent + 1);
    assert_eq!(report_count(&cloud).await, sent + 1);
    cloud.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_live_tail_the_follow_polls_through_a_minute_of_throttling_and_loses_nothing() {
    let cloud = common::local_cloud(LocalConfig {
        deny: Some("logs:StartLiveTail".into()),
        ..LocalConfig::default()
    })
    .await;
    let url = deploy(&cloud).await;
    let mut following = Following::start(&cloud, &[]);
    assert!(
        common::eventually(Duration::from_secs(20), || following
            .stderr()
            .contains("note: following by polling FilterLogEvents (Live Tail is not available here: StartLiveTail"))
        .await,
        "{}",
        following.stderr()
    );
    assert!(following.stderr().contains("AccessDeniedException"));
    get(&url).await;
    assert!(
        following
            .until(Duration::from_secs(20), |seen| messages(seen, "function")
                .iter()
                .any(|m| m.starts_with("REPORT ")))
            .await
    );
    // A minute in which every FilterLogEvents is throttled, with requests all along.
    let admin = common::admin();
    let faults = format!("{}/_faqctl/faults", cloud.endpoint());
    let queued = admin
        .post(&faults)
        .body("FilterLogEvents=throttle*1000000")
        .send()
        .await
        .unwrap();
    assert!(queued.status().is_success());
    let throttled_from = calls(&cloud, "FilterLogEvents (fault)");
    // A request every 5 s for the minute.
    let mut sent = 1;
    let mut pace = tokio::time::interval(Duration::from_secs(5));
    let started = std::time::Instant::now();
    while started.elapsed() < Duration::from_secs(60) {
        pace.tick().await;
        get(&url).await;
        sent += 1;
        assert!(
            following.child.try_wait().unwrap().is_none(),
            "throttling ended the follow: {}",
            following.stderr()
        );
    }
    assert!(calls(&cloud, "FilterLogEvents (fault)") > throttled_from);
    admin.delete(&faults).send().await.unwrap();
    let all = following
        .until(Duration::from_secs(40), |seen| reports(seen) >= sent)
        .await;
    assert!(all, "{}", following.stderr());
    assert!(
        following.stderr().contains("ThrottlingException"),
        "{}",
        following.stderr()
    );
    let lines = following.stop().await;
    assert_each_once(&lines);
    cloud.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filter_log_events_is_limited_to_five_a_second_as_on_aws() {
    let cloud = common::local_cloud(LocalConfig {
        enforce_rate_limits: true,
        ..LocalConfig::default()
    })
    .await;
    let sdk = Sdk::at(&cloud.endpoint()).await;
    sdk.logs
        .create_log_group()
        .log_group_name("g")
        .send()
        .await
        .unwrap();
    let config = sdk
        .logs
        .config()
        .to_builder()
        .retry_config(aws_config::retry::RetryConfig::disabled())
        .build();
    let logs = aws_sdk_cloudwatchlogs::Client::from_conf(config);
    let mut codes = BTreeMap::new();
    for _ in 0..10 {
        let code = match logs.filter_log_events().log_group_name("g").send().await {
            Ok(_) => "ok".to_string(),
            Err(e) => {
                use aws_smithy_types::error::metadata::ProvideErrorMetadata;
                e.code().unwrap_or("?").to_string()
            }
        };
        *codes.entry(code).or_insert(0) += 1;
    }
    // A burst of 5, then ThrottlingException in CloudWatch Logs' own shape.
    assert!(codes.get("ok").copied().unwrap_or(0) >= 5, "{codes:?}");
    assert!(
        codes.get("ThrottlingException").copied().unwrap_or(0) >= 4,
        "{codes:?}"
    );
    cloud.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_id_shows_one_request_across_access_api_and_function_logs() {
    let cloud = common::local_cloud(LocalConfig::default()).await;
    let url = deploy(&cloud).await;
    let ids = [get(&url).await, get(&url).await, get(&url).await];
    let id = &ids[1];
    // The lines are written as the requests finish; wait for the third's REPORT (after the
    // deploy's gate's).
    assert!(
        common::until(Duration::from_secs(10), || async {
            report_count(&cloud).await == 4
        })
        .await
    );
    let output = common::run({
        let mut command = faqctl_at(&cloud.endpoint());
        command.args(["logs", "--request-id", id, "--output", "json"]);
        command
    })
    .await;
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let lines = common::json_lines(&output.stdout);
    let access = messages(&lines, "access");
    assert_eq!(access.len(), 1, "{lines:#?}");
    let access: Value = serde_json::from_str(access[0]).unwrap();
    assert_eq!(access["requestId"], id.as_str());
    let lambda_id = access["integrationRequestId"].as_str().unwrap();
    assert_eq!(lambda_id.len(), 36, "a Lambda request id: {access}");
    let api = messages(&lines, "api");
    assert!(api.len() >= 3, "{api:#?}");
    assert!(
        api.iter().all(|m| m.starts_with(&format!("({id}) "))),
        "{api:#?}"
    );
    assert!(api
        .iter()
        .any(|m| m.contains(&format!("x-amzn-RequestId={lambda_id}"))));
    let function = messages(&lines, "function");
    assert_eq!(function.len(), 4, "{function:#?}");
    assert!(function[0].starts_with(&format!("START RequestId: {lambda_id}")));
    assert!(function[1].starts_with("Quote selected: "));
    assert!(function[2].starts_with(&format!("END RequestId: {lambda_id}")));
    assert!(function[3].starts_with(&format!("REPORT RequestId: {lambda_id}")));
    // Nothing of the other two requests, and all in time order.
    for other in [&ids[0], &ids[2]] {
        assert!(!String::from_utf8_lossy(&output.stdout).contains(other.as_str()));
    }
    let times: Vec<i64> = lines
        .iter()
        .map(|l| l["timestamp_ms"].as_i64().unwrap())
        .collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "{times:?}");

    // An id nobody logged is an error that says where to look.
    let output = common::run({
        let mut command = faqctl_at(&cloud.endpoint());
        command.args([
            "logs",
            "--request-id",
            "00000000-0000-0000-0000-000000000000",
        ]);
        command
    })
    .await;
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr)
        .contains("error: no log line of request 00000000-0000-0000-0000-000000000000 since"));
    cloud.stop().await;
}

/// boto3 (a second SDK, and the strictest reader of event streams) opens a Live Tail session:
/// the stream starts with the `initial-response` event botocore requires, then `sessionStart`.
#[tokio::test]
async fn boto3_reads_a_live_tail_session_from_its_initial_response_on() {
    let cloud = common::local_cloud(LocalConfig::default()).await;
    let sdk = common::Sdk::at(&cloud.endpoint()).await;
    sdk.logs
        .create_log_group()
        .log_group_name("tailed")
        .send()
        .await
        .unwrap();
    let script = r#"
import boto3, botocore.config, json, os
# StartLiveTail's endpoint has the host prefix `streaming-`, which an IP address cannot take.
logs = boto3.client("logs", endpoint_url=os.environ["ENDPOINT"], region_name="us-east-1",
                    aws_access_key_id="test", aws_secret_access_key="test",
                    config=botocore.config.Config(inject_host_prefix=False))
answer = logs.start_live_tail(
    logGroupIdentifiers=["arn:aws:logs:us-east-1:000000000000:log-group:tailed"])
for event in answer["responseStream"]:
    print(json.dumps(sorted(event)))
    break
"#;
    let endpoint = cloud.endpoint();
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new("python3")
            .args(["-c", script])
            .env("ENDPOINT", endpoint)
            .env_remove("AWS_PROFILE")
            .env("AWS_CONFIG_FILE", "/nonexistent/faqctl-test/config")
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(
        output.status.success(),
        "boto3's start_live_tail failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).trim(),
        r#"["sessionStart"]"#
    );
}
