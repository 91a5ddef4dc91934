//! Recordings replayed against the local cloud (issue 29): every `tests/recordings/*.json`
//! (AWS calls recorded with `FAQCTL_RECORD`, on AWS or locally, scrubbed) is sent again, request
//! by request, to a fresh local cloud, and each answer must agree with the recorded one
//! (`compare`). A recording made on AWS and dropped in that folder is a parity test with no
//! code change.
//!
//! The recorded ids are placeholders (`<rest-api-id:1>`): the replay learns what each stands
//! for from the first live answer that carries it and puts that value in the later requests.
//! An uploaded zip (`<zip:N>`) is rebuilt from what the recording says it held (`packages`:
//! its small files whole, its large ones, the bootstrap, from this build's package), or is this
//! build's package when the recording says nothing of it; the account is the local cloud's.
//! The local cloud checks a signature's shape, not its value (`router::sigv4_shaped`), so
//! each request gets a SigV4-shaped `Authorization` with the recorded region and service.

mod compare;

use std::path::{Path, PathBuf};

use aws_smithy_types::base64;
use faqctl::aws::dvr::{Exchange, Package, Traffic};
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

/// A recorded upload is rebuilt from its manifest: its small files as recorded, its bootstrap
/// this build's; a file neither kept nor built is named.
#[test]
fn a_recorded_package_is_rebuilt_from_its_manifest_and_this_builds_bootstrap() {
    use faqctl::aws::dvr::PackageFile;
    let built = &common::built_package().bytes;
    let file = |name: &str, content: Option<&[u8]>| PackageFile {
        name: name.into(),
        mode: if name == "bootstrap" { 0o755 } else { 0o644 },
        size: 1,
        sha256: "0".repeat(64),
        content: content.map(base64::encode),
    };
    let package = Package {
        files: vec![
            file("bootstrap", None),
            file("faq.json", Some(b"{\"questions\":[]}")),
        ],
    };
    let zip = rebuild("<zip:2>", &package, built).unwrap();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).unwrap();
    let read = |archive: &mut zip::ZipArchive<std::io::Cursor<Vec<u8>>>, name: &str| {
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut archive.by_name(name).unwrap(), &mut bytes).unwrap();
        bytes
    };
    assert_eq!(read(&mut archive, "faq.json"), b"{\"questions\":[]}");
    let mut built_archive = zip::ZipArchive::new(std::io::Cursor::new(built.clone())).unwrap();
    assert_eq!(
        read(&mut archive, "bootstrap"),
        read(&mut built_archive, "bootstrap")
    );
    assert_eq!(
        archive.by_name("bootstrap").unwrap().unix_mode().unwrap() & 0o777,
        0o755
    );

    let missing = Package {
        files: vec![file("lib/huge.so", None)],
    };
    assert_eq!(
        rebuild("<zip:3>", &missing, built).unwrap_err(),
        "<zip:3> held lib/huge.so (1 bytes), which the recording does not keep and this build's package does not have"
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
    let traffic = read(file);
    let exchanges = traffic.exchanges();
    let mut replayer = Replayer::new(endpoint, traffic.packages);
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
        let recorded = Answer::new(
            recorded.status,
            header(&recorded.headers, "x-amzn-errortype"),
            &exchange.response_body,
        );
        // Lambda Invoke's payload is what the function answered: its shape is compared.
        let shape_only = exchange.path_and_query().contains("/invocations");
        // A read the client made while waiting for something (a log line, a state) may come
        // too early on a replay that runs faster than the recording: it is asked again, as the
        // client would, until it agrees or READ_WAIT has passed.
        let mut poll = common::Poll::new(READ_WAIT).every(std::time::Duration::from_millis(100));
        loop {
            let live = replayer
                .send(exchange)
                .await
                .map_err(|e| format!("{what}: {e}"))?;
            let mut learned = replayer.learned.clone();
            let differences = compare(&recorded, &live, shape_only, &mut learned);
            if differences.is_empty() {
                replayer.learned = learned;
                break;
            }
            if !is_read(exchange) || !poll.tick().await {
                return Err(format!("{what}:\n  {}", differences.join("\n  ")));
            }
        }
    }
    Ok(())
}

/// How long a read may take to agree with the recording (see `replay`).
const READ_WAIT: std::time::Duration = std::time::Duration::from_secs(15);

/// A request that changes nothing: a GET, or a JSON-RPC call whose operation reads.
fn is_read(exchange: &Exchange) -> bool {
    if exchange.request.method == "GET" {
        return true;
    }
    header(&exchange.request.headers, "x-amz-target")
        .and_then(|target| target.rsplit('.').next())
        .is_some_and(|operation| {
            ["Describe", "Filter", "Get", "List"]
                .iter()
                .any(|read| operation.starts_with(read))
        })
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
    /// What each `<zip:N>` held, as recorded.
    packages: std::collections::BTreeMap<String, Package>,
    /// Each `<zip:N>` as rebuilt, base64.
    rebuilt: std::collections::BTreeMap<String, String>,
    account: String,
}

impl Replayer {
    fn new(endpoint: &str, packages: std::collections::BTreeMap<String, Package>) -> Replayer {
        let role = faqctl::local::local_role_arn(faqctl::local::DEFAULT_REGION);
        Replayer {
            endpoint: endpoint.trim_end_matches('/').to_string(),
            client: reqwest::Client::new(),
            learned: Learned::new(),
            packages,
            rebuilt: std::collections::BTreeMap::new(),
            account: role.split(':').nth(4).unwrap_or_default().to_string(),
        }
    }

    /// `<zip:N>` for this replay: rebuilt from the recorded manifest, or this build's package.
    fn zip(&mut self, token: &str) -> Result<String, String> {
        if let Some(zip) = self.rebuilt.get(token) {
            return Ok(zip.clone());
        }
        let built = &common::built_package().bytes;
        let zip = match self.packages.get(token) {
            None => base64::encode(built),
            Some(package) => base64::encode(&rebuild(token, package, built)?),
        };
        self.rebuilt.insert(token.to_string(), zip.clone());
        Ok(zip)
    }

    async fn send(&mut self, exchange: &Exchange) -> Result<Answer, String> {
        // Every zip the request uploads, rebuilt first: substituting cannot fail.
        if let Ok(body) = std::str::from_utf8(&exchange.request_body) {
            for (_, token) in placeholders_in(body) {
                if matches!(parse_placeholder(token), Some(("zip", Some(_)))) {
                    self.zip(token)?;
                }
            }
        }
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
                Some(("zip", Some(_))) => self.zip(token).unwrap_or_default(),
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

/// A recorded upload made again: each file it held, whole from the recording when it kept the
/// content, else this build's file of that name (the bootstrap: a recording never holds it).
fn rebuild(token: &str, package: &Package, built: &[u8]) -> Result<Vec<u8>, String> {
    let mut archive =
        zip::ZipArchive::new(std::io::Cursor::new(built)).map_err(|e| e.to_string())?;
    let mut files: Vec<(String, u32, Vec<u8>)> = Vec::new();
    for file in &package.files {
        let bytes = match &file.content {
            Some(content) => {
                base64::decode(content).map_err(|e| format!("{token}: {}: {e}", file.name))?
            }
            None => {
                // This build's file stands in only for the bootstrap (built again here); any
                // other large file must be the very one recorded.
                let mut bytes = Vec::new();
                std::io::Read::read_to_end(
                    &mut archive.by_name(&file.name).map_err(|_| {
                        format!(
                            "{token} held {} ({} bytes), which the recording does not keep and this build's package does not have",
                            file.name, file.size
                        )
                    })?,
                    &mut bytes,
                )
                .map_err(|e| e.to_string())?;
                if file.name != "bootstrap" && sha256(&bytes) != file.sha256 {
                    return Err(format!(
                        "{token} held {} ({} bytes, not kept), and this build's file of that name differs from it",
                        file.name, file.size
                    ));
                }
                bytes
            }
        };
        files.push((file.name.clone(), file.mode, bytes));
    }
    let entries: Vec<(&str, u32, &[u8])> = files
        .iter()
        .map(|(name, mode, bytes)| (name.as_str(), *mode, bytes.as_slice()))
        .collect();
    faqctl::package::write_zip(&entries).map_err(|e| e.to_string())
}

fn sha256(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
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
