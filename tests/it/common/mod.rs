//! Helpers shared by the end-to-end tests.
#![allow(dead_code)]

#[path = "../../support/poll.rs"]
mod poll;
pub mod project;
pub use poll::Poll;

use std::path::PathBuf;
use std::sync::OnceLock;

use faqctl::output::OutputFormat;
use faqctl::output::Printer;
use faqctl::package::{self, BuildConfig, PackageOutput, Profile};

pub fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The project's real package, built once per test binary (cargo makes repeats cheap).
pub fn built_package() -> &'static PackageOutput {
    static BUILT: OnceLock<PackageOutput> = OnceLock::new();
    BUILT.get_or_init(|| {
        let config = BuildConfig {
            manifest_path: workspace().join("Cargo.toml"),
            faq_path: workspace().join("faq.json"),
            function_name: "TestPackage".into(),
            profile: Profile::LambdaRelease,
            arch: faqctl::settings::Arch::X86_64,
        };
        package::build(&config, &Printer::new(OutputFormat::Json)).expect("faqctl build")
    })
}

/// The built package's path, for `--zip`.
pub fn zip() -> String {
    built_package().zip.display().to_string()
}

/// A local cloud of its own for one test, on a free loopback port.
pub async fn local_cloud(config: faqctl::local::LocalConfig) -> faqctl::local::LocalCloud {
    faqctl::local::LocalCloud::start(faqctl::local::LocalConfig { port: 0, ..config })
        .await
        .unwrap()
}

/// An HTTP client for the local cloud's admin API (`/_faqctl/*`): like every control-plane
/// request, it must carry a SigV4-shaped Authorization (web pages cannot), so this one does.
pub fn admin() -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::AUTHORIZATION,
        reqwest::header::HeaderValue::from_static(
            "AWS4-HMAC-SHA256 Credential=test/20261124/us-east-1/faqctl/aws4_request, SignedHeaders=host, Signature=0",
        ),
    );
    reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .unwrap()
}

/// Forgets the calls the local cloud at `endpoint` counted (`DELETE /_faqctl/calls`), so that
/// the next count shows only what follows.
pub async fn forget_calls(endpoint: &str) {
    let answer = admin()
        .delete(format!("{endpoint}/_faqctl/calls"))
        .send()
        .await
        .unwrap();
    assert!(answer.status().is_success(), "{answer:?}");
}

/// One JSON object per line (`faqctl logs --output json`).
pub fn json_lines(stdout: &[u8]) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(stdout)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

/// The real `bootstrap` binary out of the built package.
pub fn bootstrap_binary() -> Vec<u8> {
    use std::io::Read;
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(&built_package().bytes)).unwrap();
    let mut binary = Vec::new();
    archive
        .by_name("bootstrap")
        .unwrap()
        .read_to_end(&mut binary)
        .unwrap();
    binary
}

/// A role ARN in moto's default account.
pub const ROLE_ARN: &str = "arn:aws:iam::123456789012:role/faq-lambda-role";

/// `faqctl` with a clean AWS environment pointed at `endpoint`: dummy credentials, a region,
/// no profile files, no IMDS, and short eventual-consistency retries.
pub fn faqctl_at(endpoint: &str) -> assert_cmd::Command {
    assert_cmd::Command::from_std(faqctl_process(endpoint))
}

/// `faqctl_at` as a process to spawn (a command that runs until stopped, e.g. `--watch`).
pub fn faqctl_process(endpoint: &str) -> std::process::Command {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_faqctl"));
    command
        .current_dir(workspace())
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_ENDPOINT_URL")
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("FAQCTL_ROLE_ARN")
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
        .args(["--endpoint-url", endpoint]);
    // moto cannot run a function's code (it would need Docker), so against it the gate, which
    // invokes each new version before the alias moves, is off.
    if lock_moto_endpoints().iter().any(|e| e == endpoint) {
        command.env("FAQCTL_NO_GATE", "true");
    }
    command
}

/// The endpoints of the moto servers this test binary started.
fn lock_moto_endpoints() -> std::sync::MutexGuard<'static, Vec<String>> {
    static ENDPOINTS: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());
    ENDPOINTS.lock().unwrap_or_else(|p| p.into_inner())
}

/// Runs a faqctl command that must succeed with `--output json`; returns the document.
pub fn json_ok(command: &mut assert_cmd::Command) -> serde_json::Value {
    let output = command.args(["--output", "json"]).output().unwrap();
    assert!(
        output.status.success(),
        "faqctl failed ({}):\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not one JSON document ({e}):\n{}",
            String::from_utf8_lossy(&output.stdout)
        )
    })
}

/// The operations of a deploy's or destroy's `changes`.
pub fn operations(document: &serde_json::Value) -> Vec<String> {
    document["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["operation"].as_str().unwrap().to_string())
        .collect()
}

/// A free loopback port for a server that cannot be given a bound socket (moto_server): each
/// caller in this test binary gets a different one (a shared counter, each candidate checked
/// free by binding it), so parallel tests never race for the same port.
pub fn free_port() -> u16 {
    use std::sync::atomic::{AtomicU16, Ordering};
    static NEXT: AtomicU16 = AtomicU16::new(0);
    if NEXT.load(Ordering::Relaxed) == 0 {
        // Start above the ephemeral range's usual first ports, at a place that differs per run.
        let start = 20_000 + (std::process::id() % 20_000) as u16;
        let _ = NEXT.compare_exchange(0, start, Ordering::Relaxed, Ordering::Relaxed);
    }
    loop {
        let port = NEXT.fetch_add(1, Ordering::Relaxed);
        if port < 1024 {
            continue;
        }
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}

/// A `moto_server` of its own for one test, killed when dropped.
pub struct Moto {
    child: std::process::Child,
    pub endpoint: String,
}

impl Moto {
    /// Starts moto on a port of its own and waits (bounded) until *this* server answers: a
    /// server that exits (its port was taken after all) is replaced by one on another port.
    pub fn start() -> Moto {
        for _ in 0..5 {
            let port = free_port();
            let mut child = std::process::Command::new("python3")
                .args([
                    "-m",
                    "moto.server",
                    "-H",
                    "127.0.0.1",
                    "-p",
                    &port.to_string(),
                ])
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .expect("moto_server runs (scripts/test installs it: pip install 'moto[server]')");
            let endpoint = format!("http://127.0.0.1:{port}");
            let mut poll = Poll::new(std::time::Duration::from_secs(30))
                .every(std::time::Duration::from_millis(50));
            let ready = loop {
                if child.try_wait().ok().flatten().is_some() {
                    break false;
                }
                if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                    break true;
                }
                if !poll.tick_blocking() {
                    break false;
                }
            };
            if ready {
                let moto = Moto { child, endpoint };
                if moto.try_create_role("faq-lambda-role").is_ok() {
                    lock_moto_endpoints().push(moto.endpoint.clone());
                    return moto;
                }
                continue;
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        panic!("moto_server did not start on any of 5 ports within 30 s each");
    }

    /// Creates an IAM role; panics if moto refuses.
    pub fn create_role(&self, name: &str) {
        if let Err(response) = self.try_create_role(name) {
            panic!("CreateRole {name} on moto: {response}");
        }
    }

    /// Creates an IAM role (IAM's query protocol; moto routes by the credential scope),
    /// retrying briefly while moto is still starting up (a refused or dropped connection).
    fn try_create_role(&self, name: &str) -> Result<(), String> {
        let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
        let body = format!(
            "Action=CreateRole&Version=2010-05-08&RoleName={name}&AssumeRolePolicyDocument={}",
            urlencode(trust)
        );
        use std::io::{Read, Write};
        let address = self.endpoint.trim_start_matches("http://");
        let mut poll = Poll::new(std::time::Duration::from_secs(5))
            .every(std::time::Duration::from_millis(100));
        loop {
            let attempt = (|| -> std::io::Result<String> {
                let mut stream = std::net::TcpStream::connect(address)?;
                write!(
                    stream,
                    "POST / HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/x-www-form-urlencoded\r\n\
                     Authorization: AWS4-HMAC-SHA256 Credential=test/20261124/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0\r\n\
                     Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                )?;
                let mut response = String::new();
                stream.read_to_string(&mut response)?;
                Ok(response)
            })();
            let last = match attempt {
                Ok(response) if response.starts_with("HTTP/1.1 200") => return Ok(()),
                Ok(response) if !response.is_empty() => return Err(response),
                Ok(_) => "an empty answer".to_string(),
                Err(e) => e.to_string(),
            };
            if !poll.tick_blocking() {
                return Err(last);
            }
        }
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The SDK's configuration for an emulator: its endpoint, a region, the tests' dummy keys.
pub async fn sdk_config(endpoint: &str, region: &str) -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new(region.to_string()))
        .endpoint_url(endpoint)
        .credentials_provider(aws_sdk_lambda::config::Credentials::new(
            "test",
            "test",
            None,
            None,
            "faqctl-tests",
        ))
        .load()
        .await
}

/// SDK clients of our own, for independent reads and out-of-band changes.
pub struct Sdk {
    pub lambda: aws_sdk_lambda::Client,
    pub apigateway: aws_sdk_apigateway::Client,
    pub logs: aws_sdk_cloudwatchlogs::Client,
    pub cloudwatch: aws_sdk_cloudwatch::Client,
}

impl Sdk {
    pub async fn at(endpoint: &str) -> Sdk {
        Sdk::in_region(endpoint, "us-east-1").await
    }

    pub async fn in_region(endpoint: &str, region: &str) -> Sdk {
        let config = sdk_config(endpoint, region).await;
        Sdk {
            lambda: aws_sdk_lambda::Client::new(&config),
            apigateway: aws_sdk_apigateway::Client::new(&config),
            logs: aws_sdk_cloudwatchlogs::Client::new(&config),
            cloudwatch: aws_sdk_cloudwatch::Client::new(&config),
        }
    }

    /// Swaps the function's code out of band (as someone with the console would) and waits
    /// until Lambda has finished the update.
    pub async fn replace_code(&self, zip: Vec<u8>) {
        self.lambda
            .update_function_code()
            .function_name("FAQ")
            .zip_file(aws_sdk_lambda::primitives::Blob::new(zip))
            .send()
            .await
            .unwrap();
        self.wait_updated().await;
        self.go_live().await;
    }

    /// Publishes `$LATEST` and moves the alias `live` to it, when faqctl made one: what users
    /// reach (the stage invokes the alias) then runs the change, as if someone had shipped it
    /// by hand.
    pub async fn go_live(&self) {
        let alias = self
            .lambda
            .get_alias()
            .function_name("FAQ")
            .name("live")
            .send()
            .await;
        if alias.is_err() {
            return;
        }
        let version = self
            .lambda
            .publish_version()
            .function_name("FAQ")
            .send()
            .await
            .unwrap();
        self.lambda
            .update_alias()
            .function_name("FAQ")
            .name("live")
            .function_version(version.version().unwrap())
            .routing_config(
                aws_sdk_lambda::types::AliasRoutingConfiguration::builder()
                    .set_additional_version_weights(Some(Default::default()))
                    .build(),
            )
            .send()
            .await
            .unwrap();
    }

    /// Invokes the function once (RequestResponse); the call must succeed.
    pub async fn invoke(&self) -> aws_sdk_lambda::operation::invoke::InvokeOutput {
        self.lambda
            .invoke()
            .function_name("FAQ")
            .send()
            .await
            .unwrap()
    }

    /// Sets the function's timeout out of band and waits.
    pub async fn set_timeout(&self, seconds: i32) {
        self.lambda
            .update_function_configuration()
            .function_name("FAQ")
            .timeout(seconds)
            .send()
            .await
            .unwrap();
        self.wait_updated().await;
        self.go_live().await;
    }

    pub async fn wait_updated(&self) {
        use aws_sdk_lambda::client::Waiters;
        self.lambda
            .wait_until_function_updated_v2()
            .function_name("FAQ")
            .wait(std::time::Duration::from_secs(30))
            .await
            .unwrap();
    }

    /// GetFunction of the function FAQ.
    pub async fn function(&self) -> aws_sdk_lambda::operation::get_function::GetFunctionOutput {
        self.lambda
            .get_function()
            .function_name("FAQ")
            .send()
            .await
            .unwrap()
    }

    /// The CodeSha256 of the function FAQ as Lambda reports it now.
    pub async fn live_code_sha256(&self) -> String {
        self.function()
            .await
            .configuration()
            .and_then(|c| c.code_sha256())
            .unwrap_or_default()
            .to_string()
    }

    /// The ids of the REST APIs with this name.
    pub async fn api_ids(&self, name: &str) -> Vec<String> {
        let apis = self
            .apigateway
            .get_rest_apis()
            .limit(500)
            .send()
            .await
            .unwrap();
        apis.items()
            .iter()
            .filter(|a| a.name() == Some(name))
            .map(|a| a.id().unwrap().to_string())
            .collect()
    }

    /// The versions of `function`, as ListVersionsByFunction names them.
    pub async fn version_names(&self, function: &str) -> Vec<String> {
        let listed = self
            .lambda
            .list_versions_by_function()
            .function_name(function)
            .send()
            .await
            .unwrap();
        listed
            .versions()
            .iter()
            .filter_map(|v| v.version().map(str::to_string))
            .collect()
    }
}

/// The built package with different FAQ data: same bootstrap, other CodeSha256.
pub fn changed_zip(dir: &std::path::Path) -> PathBuf {
    let faq = br#"{"service":"lambda","reference":"r","questions":[{"q":"Changed?","a":"Yes."}]}"#;
    let bytes = package::write_zip(&[
        ("bootstrap", 0o755, &bootstrap_binary()),
        ("faq.json", 0o644, faq),
    ])
    .unwrap();
    let path = dir.join("changed.zip");
    std::fs::write(&path, bytes).unwrap();
    path
}

/// Runs faqctl without blocking the async runtime (the local cloud serves on it).
pub async fn run(mut command: assert_cmd::Command) -> std::process::Output {
    tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap()
}

/// Like `json_ok`, for an async test.
pub async fn json_ok_async(mut command: assert_cmd::Command) -> serde_json::Value {
    command.args(["--output", "json"]);
    let output = run(command).await;
    assert!(
        output.status.success(),
        "faqctl failed ({}):\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not one JSON document ({e}):\n{}",
            String::from_utf8_lossy(&output.stdout)
        )
    })
}

/// A zip whose `bootstrap` is a bash script speaking the Runtime API: it takes each event
/// from /next and runs `handler` (bash, with `$id` set), which must post something.
pub fn script_zip(handler: &str) -> Vec<u8> {
    script_zip_with_init("", handler)
}

/// `script_zip`, running `init` (bash) once before the first event is asked for.
pub fn script_zip_with_init(init: &str, handler: &str) -> Vec<u8> {
    let script = format!(
        r#"#!/bin/bash
{init}
host=${{AWS_LAMBDA_RUNTIME_API%:*}}; port=${{AWS_LAMBDA_RUNTIME_API#*:}}
post() {{ # post PATH BODY
  exec 3<>/dev/tcp/$host/$port
  printf 'POST %s HTTP/1.1\r\nHost: runtime\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s' "$1" "${{#2}}" "$2" >&3
  cat <&3 >/dev/null; exec 3<&-
}}
while true; do
  exec 3<>/dev/tcp/$host/$port
  printf 'GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: runtime\r\nConnection: close\r\n\r\n' >&3
  id=""
  while IFS= read -r line <&3; do
    line=${{line%$'\r'}}; [ -z "$line" ] && break
    case "${{line,,}}" in lambda-runtime-aws-request-id:*) id=${{line#*: }};; esac
  done
  cat <&3 >/dev/null; exec 3<&-
  {handler}
done
"#
    );
    package::write_zip(&[("bootstrap", 0o755, script.as_bytes())]).unwrap()
}

/// Sends raw bytes as one HTTP request and returns the status line and the whole answer.
pub fn raw(cloud: &faqctl::local::LocalCloud, request: &[u8]) -> (String, String) {
    let mut stream = std::net::TcpStream::connect(cloud.address).unwrap();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    std::io::Write::write_all(&mut stream, request).unwrap();
    let mut answer = Vec::new();
    let _ = std::io::Read::read_to_end(&mut stream, &mut answer);
    let answer = String::from_utf8_lossy(&answer).into_owned();
    (
        answer.lines().next().unwrap_or_default().to_string(),
        answer,
    )
}

/// A SigV4-shaped `Authorization` header line for a raw request (the local cloud checks the
/// shape, not the signature).
pub fn signed(service: &str) -> String {
    format!("Authorization: AWS4-HMAC-SHA256 Credential=test/20261124/us-east-1/{service}/aws4_request, SignedHeaders=host, Signature=0\r\n")
}

/// Polls `condition` every 20 ms for up to `limit`; whether it came true.
pub async fn eventually(limit: std::time::Duration, mut condition: impl FnMut() -> bool) -> bool {
    until(limit, || std::future::ready(condition())).await
}

/// Polls an async `condition` every 20 ms for up to `limit`; whether it came true.
pub async fn until<F, Fut>(limit: std::time::Duration, mut condition: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let mut poll = Poll::new(limit);
    loop {
        if condition().await {
            return true;
        }
        if !poll.tick().await {
            return false;
        }
    }
}

/// API Gateway's execution log lines of one request, by `logs --request-id` (written as the
/// request ends: waited for, within a bound).
pub async fn execution_lines(cloud: &faqctl::local::LocalCloud, id: &str) -> Vec<String> {
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let found = until(std::time::Duration::from_secs(10), || {
        let mut command = faqctl_at(&cloud.endpoint());
        command.args(["logs", "--request-id", id, "--output", "json"]);
        let seen = seen.clone();
        async move {
            let output = run(command).await;
            let lines: Vec<String> = json_lines(&output.stdout)
                .iter()
                .filter(|l| l["source"] == "api")
                .filter_map(|l| l["message"].as_str().map(str::to_string))
                .collect();
            let done =
                output.status.success() && lines.iter().any(|l| l.contains("Method completed"));
            *seen.lock().unwrap() = lines;
            done
        }
    })
    .await;
    let lines = seen.lock().unwrap().clone();
    assert!(found, "no execution log lines of {id}: {lines:#?}");
    lines
}
