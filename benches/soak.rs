//! The soak behind `bench/soak` (`cargo bench --bench soak`): `faqctl local` (the release
//! binary, with a state dir) under minutes of load — 32 keep-alive clients on the stage URL, a
//! function flooding its log group, FilterLogEvents over the full groups — sampling the
//! process's resident memory and open file descriptors. Then: how long a control-plane call
//! waits while two 240 MB-unzipped code uploads are unpacked. Prints figures against the
//! documented ceilings and exits 1 if one is crossed (errors, memory, descriptor growth).
//!
//! `SOAK_SECONDS` sets the load's length (300 by default).

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine;
use faqctl::output::{OutputFormat, Printer};
use faqctl::package::{self, BuildConfig, Profile};

const ROLE: &str = "arn:aws:iam::000000000000:role/faqctl-soak";
const CLIENTS: usize = 32;
/// The documented ceiling of `faqctl local`'s resident memory under this soak.
const MEMORY_CEILING_MB: u64 = 256;
const AUTHORIZATION: &str = "AWS4-HMAC-SHA256 Credential=test/20261124/us-east-1/lambda/aws4_request, SignedHeaders=host, Signature=0";

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let ok = runtime.block_on(soak());
    std::process::exit(if ok { 0 } else { 1 });
}

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Resident memory (VmRSS) in MB and open descriptors of a process.
fn sample(pid: u32) -> (u64, usize) {
    let rss = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
        })
        .unwrap_or(0)
        / 1024;
    let fds = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .map(|d| d.count())
        .unwrap_or(0);
    (rss, fds)
}

fn client() -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::AUTHORIZATION,
        reqwest::header::HeaderValue::from_static(AUTHORIZATION),
    );
    reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .unwrap()
}

fn logs_client() -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::AUTHORIZATION,
        reqwest::header::HeaderValue::from_static(
            "AWS4-HMAC-SHA256 Credential=test/20261124/us-east-1/logs/aws4_request, SignedHeaders=host, Signature=0",
        ),
    );
    reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .unwrap()
}

/// A zip whose bootstrap is a bash script answering every event after running `handler`.
fn script_zip(handler: &str, extra: Option<(&str, &[u8])>) -> Vec<u8> {
    let script = format!(
        r#"#!/bin/bash
host=${{AWS_LAMBDA_RUNTIME_API%:*}}; port=${{AWS_LAMBDA_RUNTIME_API#*:}}
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
  exec 3<>/dev/tcp/$host/$port
  printf 'POST /2018-06-01/runtime/invocation/%s/response HTTP/1.1\r\nHost: runtime\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{{}}' "$id" >&3
  cat <&3 >/dev/null; exec 3<&-
done
"#
    );
    let mut entries: Vec<(&str, u32, &[u8])> = vec![("bootstrap", 0o755, script.as_bytes())];
    if let Some((name, bytes)) = extra {
        entries.push((name, 0o644, bytes));
    }
    package::write_zip(&entries).unwrap()
}

async fn create_function(endpoint: &str, name: &str, zip: &[u8]) {
    let body = serde_json::json!({
        "FunctionName": name,
        "Runtime": "provided.al2023",
        "Role": ROLE,
        "Handler": "bootstrap",
        "Timeout": 60,
        "Code": { "ZipFile": base64::engine::general_purpose::STANDARD.encode(zip) },
    });
    let answer = client()
        .post(format!("{endpoint}/2015-03-31/functions"))
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    assert!(
        answer.status().is_success(),
        "{}",
        answer.text().await.unwrap()
    );
}

async fn soak() -> bool {
    let seconds: u64 = std::env::var("SOAK_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(300);
    let package = package::build(
        &BuildConfig {
            manifest_path: workspace().join("Cargo.toml"),
            faq_path: workspace().join("faq.json"),
            function_name: "Soak".into(),
            profile: Profile::LambdaRelease,
            arch: faqctl::settings::Arch::X86_64,
        },
        &Printer::new(OutputFormat::Json),
    )
    .expect("faqctl build");
    let (mut child, endpoint, url, _state) = start_and_deploy(&package.zip).await;
    let pid = child.id();
    // 4 MB of output per invocation, and one 1 MiB line (truncated to 256 KB).
    let flood = script_zip(
        "head -c 1048576 /dev/zero | tr '\\0' y; echo; head -c 4000000 /dev/zero | tr '\\0' x | fold -w 999",
        None,
    );
    create_function(&endpoint, "Flood", &flood).await;

    // A warm-up (every environment started, every connection pool filled), then the
    // descriptors the idle server holds: the baseline that must not grow.
    println!("warm-up — 10 s of the same load");
    let warm = load(10, &url, &endpoint, pid).await;
    tokio::time::sleep(Duration::from_secs(12)).await;
    let (rss_start, fds_start) = sample(pid);
    println!("faqctl local soak — {seconds} s, {CLIENTS} clients on the stage URL, a flooding function, FilterLogEvents");
    let run = load(seconds, &url, &endpoint, pid).await;
    let peak_rss = run.peak_rss.max(warm.peak_rss);
    // Idle connections close after the header-read limit; then the descriptors should be back.
    tokio::time::sleep(Duration::from_secs(12)).await;
    let (rss_end, fds_end) = sample(pid);
    let elapsed = run.seconds;
    let errors = run.errors + warm.errors;
    let served = run.requests;
    let fd_growth = fds_end.saturating_sub(fds_start);
    println!("  {:<52} {:<28} target", "metric", "value");
    row(
        "stage URL requests served",
        format!("{served} ({:.0} req/s)", served as f64 / elapsed),
        "",
    );
    row(
        "flood invocations (4 MB of output each)",
        run.floods.to_string(),
        "",
    );
    row(
        "FilterLogEvents over the full groups: calls, slowest",
        format!(
            "{}, {:.1} ms",
            run.filters,
            run.slowest_filter.as_secs_f64() * 1e3
        ),
        "",
    );
    row("errors", errors.to_string(), "0");
    row(
        "resident memory: start / peak / end",
        format!("{rss_start} / {peak_rss} / {rss_end} MB"),
        &format!("peak < {MEMORY_CEILING_MB} MB"),
    );
    row(
        "open descriptors: start / end (idle)",
        format!("{fds_start} / {fds_end}"),
        "no growth",
    );

    let uploads_ok = uploads_rows(&endpoint).await;
    let _ = Command::new("kill")
        .args(["-INT", &pid.to_string()])
        .status();
    let _ = child.wait();
    let ok = errors == 0 && peak_rss < MEMORY_CEILING_MB && fd_growth <= 4 && uploads_ok;
    println!("{}", if ok { "soak: OK" } else { "soak: FAILED" });
    ok
}

/// `faqctl local` on a port of its own with its state in a new folder (kept while the
/// returned folder lives), and the FAQ deployed to it: the server, its endpoint and the stage
/// URL.
async fn start_and_deploy(
    zip: &std::path::Path,
) -> (std::process::Child, String, String, tempfile::TempDir) {
    let state = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(env!("CARGO_BIN_EXE_faqctl"))
        .args(["local", "--no-deploy", "--port", &port.to_string()])
        .arg("--state-dir")
        .arg(state.path())
        .stdout(Stdio::null())
        .stdin(Stdio::null())
        .spawn()
        .expect("faqctl local starts");
    let endpoint = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "faqctl local did not start");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let deployed = Command::new(env!("CARGO_BIN_EXE_faqctl"))
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_CONFIG_FILE", "/nonexistent")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
        .args([
            "--endpoint-url",
            &endpoint,
            "--output",
            "json",
            "deploy",
            "--zip",
        ])
        .arg(zip)
        .args(["--role-arn", ROLE])
        // Above the default stage throttling (10/s, burst 20): the soak loads the data path.
        .args(["--throttle-rate", "10000", "--throttle-burst", "5000"])
        .output()
        .expect("faqctl deploy runs");
    assert!(
        deployed.status.success(),
        "{}",
        String::from_utf8_lossy(&deployed.stderr)
    );
    let deployed: serde_json::Value = serde_json::from_slice(&deployed.stdout).unwrap();
    let url = deployed["invoke_url"].as_str().unwrap().to_string();
    (child, endpoint, url, state)
}

/// One row of the soak's table.
fn row(metric: &str, value: String, target: &str) {
    println!("  {metric:<52} {value:<28} {target}");
}

/// A control-plane call while two 240 MB-unzipped uploads are read and unpacked: whether the
/// slowest stayed within its target.
async fn uploads_rows(endpoint: &str) -> bool {
    // A control-plane call while two 240 MB-unzipped uploads are read and unpacked.
    let big = vec![0u8; 240 * 1024 * 1024];
    let heavy = script_zip("true", Some(("data.bin", &big)));
    drop(big);
    create_function(endpoint, "Heavy1", &heavy).await;
    create_function(endpoint, "Heavy2", &heavy).await;
    let heavy = Arc::new(base64::engine::general_purpose::STANDARD.encode(&heavy));
    let uploads: Vec<_> = ["Heavy1", "Heavy2"]
        .into_iter()
        .map(|name| {
            let (endpoint, heavy) = (endpoint.to_string(), heavy.clone());
            tokio::spawn(async move {
                let body = format!(r#"{{"ZipFile":"{heavy}"}}"#);
                let started = Instant::now();
                let _ = client()
                    .put(format!("{endpoint}/2015-03-31/functions/{name}/code"))
                    .body(body)
                    .send()
                    .await;
                started.elapsed()
            })
        })
        .collect();
    let probe = client();
    let mut slowest = Duration::ZERO;
    let probing = Instant::now();
    while uploads.iter().any(|u| !u.is_finished()) && probing.elapsed() < Duration::from_secs(60) {
        let started = Instant::now();
        let _ = probe
            .get(format!("{endpoint}/2015-03-31/functions/FAQ"))
            .send()
            .await;
        slowest = slowest.max(started.elapsed());
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let mut upload_times = Vec::new();
    for upload in uploads {
        upload_times.push(upload.await.unwrap_or_default());
    }
    row(
        "2 uploads of 240 MB unzipped: upload time",
        format!(
            "{:.0} / {:.0} ms",
            upload_times[0].as_secs_f64() * 1e3,
            upload_times[1].as_secs_f64() * 1e3
        ),
        "",
    );
    row(
        "  slowest GetFunction meanwhile",
        format!("{:.1} ms", slowest.as_secs_f64() * 1e3),
        "< 100 ms",
    );
    slowest < Duration::from_millis(100)
}

/// What one run of the load did.
struct Load {
    seconds: f64,
    requests: u64,
    errors: u64,
    floods: u64,
    filters: u64,
    slowest_filter: Duration,
    peak_rss: u64,
}

/// `seconds` of load: the stage URL's clients, the flooding function, FilterLogEvents.
async fn load(seconds: u64, url: &str, endpoint: &str, pid: u32) -> Load {
    let (url, endpoint) = (url.to_string(), endpoint.to_string());
    let stop = Arc::new(AtomicBool::new(false));
    let requests = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for _ in 0..CLIENTS {
        let (stop, requests, errors, url) =
            (stop.clone(), requests.clone(), errors.clone(), url.clone());
        tasks.push(tokio::spawn(async move {
            let http = reqwest::Client::new();
            while !stop.load(Ordering::Relaxed) {
                match http.get(&url).send().await {
                    Ok(r) if r.status() == 200 => {
                        let _ = r.bytes().await;
                        requests.fetch_add(1, Ordering::Relaxed);
                    }
                    _ => {
                        errors.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
        }));
    }
    let floods = Arc::new(AtomicU64::new(0));
    {
        let (stop, errors, floods, endpoint) = (
            stop.clone(),
            errors.clone(),
            floods.clone(),
            endpoint.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let http = client();
            while !stop.load(Ordering::Relaxed) {
                let answer = http
                    .post(format!("{endpoint}/2015-03-31/functions/Flood/invocations"))
                    .body("{}")
                    .send()
                    .await;
                match answer {
                    Ok(r)
                        if r.status() == 200
                            && !r.headers().contains_key("x-amz-function-error") =>
                    {
                        floods.fetch_add(1, Ordering::Relaxed);
                    }
                    _ => {
                        errors.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
        }));
    }
    let filters = Arc::new(AtomicU64::new(0));
    let slowest_filter_us = Arc::new(AtomicU64::new(0));
    {
        let (stop, errors, filters, endpoint, slowest) = (
            stop.clone(),
            errors.clone(),
            filters.clone(),
            endpoint.clone(),
            slowest_filter_us.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let http = logs_client();
            while !stop.load(Ordering::Relaxed) {
                for group in ["/aws/lambda/FAQ", "/aws/lambda/Flood"] {
                    let body = serde_json::json!({
                        "logGroupName": group,
                        "filterPattern": "?Quote ?selected ?nothing",
                        "limit": 100,
                    });
                    let started = Instant::now();
                    let answer = http
                        .post(&endpoint)
                        .header("x-amz-target", "Logs_20140328.FilterLogEvents")
                        .header("content-type", "application/x-amz-json-1.1")
                        .body(body.to_string())
                        .send()
                        .await;
                    match answer {
                        Ok(r) if r.status() == 200 => {
                            let _ = r.bytes().await;
                            slowest
                                .fetch_max(started.elapsed().as_micros() as u64, Ordering::Relaxed);
                            filters.fetch_add(1, Ordering::Relaxed);
                        }
                        _ => {
                            errors.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        }));
    }
    let started = Instant::now();
    let mut peak_rss = 0;
    while started.elapsed() < Duration::from_secs(seconds) {
        tokio::time::sleep(Duration::from_secs(5).min(Duration::from_secs(seconds))).await;
        let (rss, fds) = sample(pid);
        peak_rss = peak_rss.max(rss);
        print!(
            "\r  t={:>4} s  rss={rss:>4} MB  fds={fds:>4}  requests={}  floods={}  errors={}   ",
            started.elapsed().as_secs(),
            requests.load(Ordering::Relaxed),
            floods.load(Ordering::Relaxed),
            errors.load(Ordering::Relaxed)
        );
        let _ = std::io::stdout().flush();
    }
    stop.store(true, Ordering::Relaxed);
    for task in tasks {
        let _ = task.await;
    }
    println!();
    Load {
        seconds: started.elapsed().as_secs_f64(),
        requests: requests.load(Ordering::Relaxed),
        errors: errors.load(Ordering::Relaxed),
        floods: floods.load(Ordering::Relaxed),
        filters: filters.load(Ordering::Relaxed),
        slowest_filter: Duration::from_micros(slowest_filter_us.load(Ordering::Relaxed)),
        peak_rss,
    }
}
