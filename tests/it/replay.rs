//! Recordings replayed against the local cloud (issue 29): every `tests/recordings/*.json`
//! (AWS calls recorded with `FAQCTL_RECORD`, on AWS or locally, scrubbed) is sent again, request
//! by request, to a fresh local cloud, and each answer must agree with the recorded one
//! (`compare`). A recording made on AWS and dropped in that folder is a parity test with no
//! code change.
//!
//! The recorded ids are placeholders (`<rest-api-id:1>`): the replay learns what each stands
//! for from the first live answer that carries it and puts that value in the later requests.
//! The uploaded zip (`<zip:1>`) is this build's package; the account is the local cloud's.
//! The local cloud checks a signature's shape, not its value (`router::sigv4_shaped`), so
//! each request gets a SigV4-shaped `Authorization` with the recorded region and service.

mod compare;

use std::path::{Path, PathBuf};

use aws_smithy_types::base64;
use faqctl::aws::dvr::{Exchange, Traffic};
use faqctl::aws::scrub::{parse_placeholder, placeholders_in, ACCOUNT};
use faqctl::local::LocalConfig;

use crate::common;
use compare::{compare, Answer, Learned};

/// Request headers the replay does not send as recorded: the client's own framing, the
/// signature (made again), and the SDK's per-attempt bookkeeping.
const NOT_REPLAYED: &[&str] = &[
    "host",
    "content-length",
    "transfer-encoding",
    "connection",
    "expect",
    "authorization",
    "x-amz-date",
    "x-amz-security-token",
    "x-amz-content-sha256",
    "amz-sdk-invocation-id",
    "amz-sdk-request",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_committed_recording_replays_green_on_a_fresh_local_cloud() {
    let folder = common::workspace().join("tests/recordings");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    assert!(
        files
            .iter()
            .any(|f| f.ends_with("deploy-invoke-destroy.json")),
        "the local cloud's own recording is missing from {}",
        folder.display()
    );
    let mut failures = Vec::new();
    for file in &files {
        if let Err(failure) = replay_on_a_fresh_cloud(file).await {
            failures.push(failure);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// The whole loop on this build: three invocations recorded into one file (appended, ids
/// renumbered, placeholders consistent), loadable by the SDK's own DVR, and green on replay.
/// With the `record` feature: `cargo test --features record --test it replay::`.
#[cfg(feature = "record")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deploy_invoke_destroy_recorded_now_replays_green() {
    let cloud = common::local_cloud(LocalConfig::default()).await;
    let folder = tempfile::tempdir().unwrap();
    let file = folder.path().join("scenario.json");
    let zip = common::zip();
    let invocations: [&[&str]; 3] = [
        &["deploy", "--zip", &zip, "--role-arn", common::ROLE_ARN],
        &["invoke"],
        &["destroy", "--yes"],
    ];
    for args in invocations {
        let mut command = common::faqctl_at(&cloud.endpoint());
        command.env("FAQCTL_RECORD", &file).args(args);
        common::json_ok_async(command).await;
    }
    cloud.stop().await;

    aws_smithy_http_client::test_util::dvr::NetworkTraffic::from_file(&file)
        .expect("the SDK's DVR reads what faqctl wrote");
    let traffic = read(&file);
    let exchanges = traffic.exchanges();
    let requests = traffic
        .events
        .iter()
        .filter(|e| matches!(e.action, faqctl::aws::dvr::Action::Request { .. }))
        .count();
    assert_eq!(requests, exchanges.len(), "one connection id per request");
    assert!(exchanges.iter().any(|e| e.request.method == "DELETE"));
    // destroy found the API deploy created: the same placeholder across invocations.
    assert!(traffic.placeholders.contains_key("<rest-api-id:1>"));
    assert!(!traffic.placeholders.contains_key("<rest-api-id:2>"));
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(!text.contains("000000000000"), "the account is scrubbed");

    replay_on_a_fresh_cloud(&file).await.unwrap();
}

/// The committed recording up to CreateFunction, with the answer's MemorySize changed: the
/// replay fails, naming the file, the request and the member.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recording_the_local_cloud_disagrees_with_fails_naming_request_and_member() {
    let committed = common::workspace().join("tests/recordings/deploy-invoke-destroy.json");
    let mut traffic = read(&committed);
    let mut exchanges = traffic.exchanges();
    let create = exchanges
        .iter()
        .position(|e| e.request.method == "POST" && e.path_and_query() == "/2015-03-31/functions")
        .unwrap();
    exchanges.truncate(create + 1);
    let answer = String::from_utf8(exchanges[create].response_body.clone()).unwrap();
    assert!(answer.contains("\"MemorySize\":128"), "{answer}");
    exchanges[create].response_body = answer
        .replace("\"MemorySize\":128", "\"MemorySize\":256")
        .into_bytes();
    traffic.set_exchanges(&exchanges);
    let folder = tempfile::tempdir().unwrap();
    let file = folder.path().join("tampered.json");
    std::fs::write(&file, serde_json::to_string(&traffic).unwrap()).unwrap();

    let failure = replay_on_a_fresh_cloud(&file).await.unwrap_err();
    assert_eq!(
        failure,
        format!("tampered.json: request #{create}, POST /2015-03-31/functions:\n  $.MemorySize: 128 where 256 was recorded")
    );
}

#[cfg(feature = "record")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_command_still_writes_its_calls() {
    let cloud = common::local_cloud(LocalConfig::default()).await;
    let folder = tempfile::tempdir().unwrap();
    let file = folder.path().join("failed.json");
    let mut command = common::faqctl_at(&cloud.endpoint());
    command.env("FAQCTL_RECORD", &file).arg("invoke");
    let output = common::run(command).await;
    cloud.stop().await;
    assert!(!output.status.success(), "nothing is deployed to invoke");
    let exchanges = read(&file).exchanges();
    assert!(
        exchanges
            .iter()
            .any(|e| e.answer().is_some_and(|a| a.status == 404)),
        "{exchanges:?}"
    );
}

/// A faqctl built without the recorder never leaves a scenario silently unrecorded.
#[cfg(not(feature = "record"))]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_record_feature_faqctl_record_says_how_to_build_one_that_records() {
    let cloud = common::local_cloud(LocalConfig::default()).await;
    let folder = tempfile::tempdir().unwrap();
    let file = folder.path().join("never.json");
    let mut command = common::faqctl_at(&cloud.endpoint());
    command.env("FAQCTL_RECORD", &file).arg("status");
    let output = common::run(command).await;
    let calls: u64 = cloud.calls().values().sum();
    cloud.stop().await;
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(calls, 0, "no AWS call is made unrecorded");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("this faqctl was built without recording: build it with `cargo build --features record`"),
        "{stderr}"
    );
}

fn read(file: &Path) -> Traffic {
    let text = std::fs::read_to_string(file).unwrap();
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()))
}

async fn replay_on_a_fresh_cloud(file: &Path) -> Result<(), String> {
    let cloud = common::local_cloud(LocalConfig::default()).await;
    let result = replay(file, &cloud.endpoint()).await;
    cloud.stop().await;
    result
}

/// Sends a recording's requests in order and compares each answer; the first exchange that
/// differs ends the replay (what follows it would differ because of it).
async fn replay(file: &Path, endpoint: &str) -> Result<(), String> {
    let name = file.file_name().unwrap_or_default().to_string_lossy();
    let exchanges = read(file).exchanges();
    let mut replayer = Replayer::new(endpoint);
    for (at, exchange) in exchanges.iter().enumerate() {
        let Some(recorded) = exchange.answer() else {
            continue;
        };
        if retried(&exchanges, at) {
            continue;
        }
        // JSON-RPC APIs (CloudWatch Logs) all POST to `/`: the target names the operation.
        let target = header(&exchange.request.headers, "x-amz-target")
            .map(|target| format!(" ({target})"))
            .unwrap_or_default();
        let what = format!(
            "{name}: request #{at}, {} {}{target}",
            exchange.request.method,
            exchange.path_and_query()
        );
        let live = replayer
            .send(exchange)
            .await
            .map_err(|e| format!("{what}: {e}"))?;
        let recorded = Answer::new(
            recorded.status,
            header(&recorded.headers, "x-amzn-errortype"),
            &exchange.response_body,
        );
        // Lambda Invoke's payload is what the function answered: its shape is compared.
        let shape_only = exchange.path_and_query().contains("/invocations");
        let differences = compare(&recorded, &live, shape_only, &mut replayer.learned);
        if !differences.is_empty() {
            return Err(format!("{what}:\n  {}", differences.join("\n  ")));
        }
    }
    Ok(())
}

/// An attempt the client made again (throttled, a 5xx, or an error followed by the same
/// request): its answer depended on the moment, and replaying it could do the work twice.
fn retried(exchanges: &[Exchange], at: usize) -> bool {
    let exchange = &exchanges[at];
    let Some(answer) = exchange.answer() else {
        return true;
    };
    if answer.status == 429 || answer.status >= 500 {
        return true;
    }
    answer.status >= 400
        && exchanges.get(at + 1).is_some_and(|next| {
            next.request.method == exchange.request.method
                && next.request.uri == exchange.request.uri
                && next.request_body == exchange.request_body
        })
}

fn header<'a>(headers: &'a indexmap::IndexMap<String, Vec<String>>, name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .and_then(|(_, values)| values.first())
        .map(String::as_str)
}

struct Replayer {
    endpoint: String,
    client: reqwest::Client,
    learned: Learned,
    /// This build's package, for `<zip:N>`.
    zip: String,
    account: String,
}

impl Replayer {
    fn new(endpoint: &str) -> Replayer {
        let role = faqctl::local::local_role_arn(faqctl::local::DEFAULT_REGION);
        Replayer {
            endpoint: endpoint.trim_end_matches('/').to_string(),
            client: reqwest::Client::new(),
            learned: Learned::new(),
            zip: base64::encode(&common::built_package().bytes),
            account: role.split(':').nth(4).unwrap_or_default().to_string(),
        }
    }

    async fn send(&mut self, exchange: &Exchange) -> Result<Answer, String> {
        let path = self.substitute(exchange.path_and_query());
        let url = format!("{}{path}", self.endpoint);
        let method = reqwest::Method::from_bytes(exchange.request.method.as_bytes())
            .map_err(|e| e.to_string())?;
        let mut request = self.client.request(method, url);
        for (name, values) in &exchange.request.headers {
            if NOT_REPLAYED.contains(&name.to_ascii_lowercase().as_str()) {
                continue;
            }
            for value in values {
                request = request.header(name, self.substitute(value));
            }
        }
        let (region, service) = scope(&exchange.request.headers);
        // Any date does: the local cloud checks the shape, and a replay must not depend on
        // the day it runs.
        request = request
            .header(
                "authorization",
                format!("AWS4-HMAC-SHA256 Credential=replay/20260101/{region}/{service}/aws4_request, SignedHeaders=host;x-amz-date, Signature=0"),
            )
            .header("x-amz-date", "20260101T000000Z");
        if !exchange.request_body.is_empty() {
            let body = match std::str::from_utf8(&exchange.request_body) {
                Ok(text) => self.substitute(text).into_bytes(),
                Err(_) => exchange.request_body.clone(),
            };
            request = request.body(body);
        }
        let response = request.send().await.map_err(|e| e.to_string())?;
        let status = response.status().as_u16();
        let error_type = response
            .headers()
            .get("x-amzn-errortype")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let body = response.bytes().await.map_err(|e| e.to_string())?;
        Ok(Answer::new(status, error_type.as_deref(), &body))
    }

    /// A recorded text with each placeholder replaced by what it stands for on this run: a
    /// learned value; this build's zip; or, for one no answer gave yet (the client made it
    /// up, or the recording starts mid-way), a made-up value, kept for the rest of the replay.
    fn substitute(&mut self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        let mut last = 0;
        for (range, token) in placeholders_in(text) {
            out.push_str(&text[last..range.start]);
            let value = match parse_placeholder(token) {
                Some(("zip", Some(_))) => self.zip.clone(),
                Some((label, Some(number))) => self
                    .learned
                    .entry(token.to_string())
                    .or_insert_with(|| format!("replay{}{number}", label.replace('-', "")))
                    .clone(),
                Some(("time", None)) => {
                    humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string()
                }
                _ => "replay".to_string(),
            };
            out.push_str(&value);
            last = range.end;
        }
        out.push_str(&text[last..]);
        out.replace(ACCOUNT, &self.account)
    }
}

/// The recorded credential scope's region and service (where the call went).
fn scope(headers: &indexmap::IndexMap<String, Vec<String>>) -> (String, String) {
    let scope = header(headers, "authorization")
        .and_then(|auth| auth.split("Credential=").nth(1))
        .and_then(|credential| credential.split([',', ' ']).next())
        .unwrap_or_default();
    match scope.split('/').collect::<Vec<_>>().as_slice() {
        [_, _, region, service, _] => (region.to_string(), service.to_string()),
        _ => ("us-east-1".into(), "execute-api".into()),
    }
}
