//! The real `bootstrap` binary against a minimal Lambda Runtime API on loopback: it loads the
//! FAQ from its task root, takes an API Gateway proxy event from `/next`, posts a FAQ entry to
//! `/response`, and prints `Quote selected: N` for that entry.

use std::path::Path;
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Path as UrlPath, State};
use axum::http::HeaderMap;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use faq_function::{Entry, Faq};
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::sync::mpsc;

const REQUEST_ID: &str = "8476a536-e9f4-11e8-9739-2dfe598c3fcd";

#[derive(Clone)]
struct RuntimeApi {
    handed_out: Arc<AtomicBool>,
    results: mpsc::UnboundedSender<(String, String, Value)>,
}

/// The headers Lambda's Runtime API sends with an event.
fn invocation_headers(request_id: &str, trace_id: &str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert("lambda-runtime-aws-request-id", request_id.parse().unwrap());
    headers.insert(
        "lambda-runtime-deadline-ms",
        "4102444800000".parse().unwrap(),
    );
    headers.insert(
        "lambda-runtime-invoked-function-arn",
        "arn:aws:lambda:us-east-1:123456789012:function:FAQ"
            .parse()
            .unwrap(),
    );
    headers.insert("lambda-runtime-trace-id", trace_id.parse().unwrap());
    headers
}

/// Hands out one proxy event, then holds every later `/next` open, as Lambda does between
/// invocations.
async fn next(State(api): State<RuntimeApi>) -> impl IntoResponse {
    if api.handed_out.swap(true, Ordering::SeqCst) {
        std::future::pending::<()>().await;
    }
    let headers = invocation_headers(REQUEST_ID, "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700");
    let event: Value = serde_json::from_str(include_str!("data/apigw_proxy_request.json")).unwrap();
    (headers, Json(event))
}

async fn report(
    State(api): State<RuntimeApi>,
    UrlPath((id, kind)): UrlPath<(String, String)>,
    body: axum::body::Bytes,
) -> impl IntoResponse {
    let body = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let _ = api.results.send((id, kind, body));
    axum::http::StatusCode::ACCEPTED
}

async fn init_error(State(api): State<RuntimeApi>, body: axum::body::Bytes) -> impl IntoResponse {
    let body = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let _ = api.results.send((String::new(), "init/error".into(), body));
    axum::http::StatusCode::ACCEPTED
}

/// Serves `app` on a loopback port of its own.
async fn serve(app: Router) -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    address
}

fn task_root() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The bootstrap binary with the environment Lambda gives it, against the Runtime API at
/// `address`, with the repository's faq.json in its task root.
fn bootstrap(address: std::net::SocketAddr) -> tokio::process::Command {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_bootstrap"));
    command
        .env_clear()
        .env("AWS_LAMBDA_RUNTIME_API", address.to_string())
        .env("AWS_LAMBDA_FUNCTION_NAME", "FAQ")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("LAMBDA_TASK_ROOT", task_root())
        .env("_HANDLER", "bootstrap")
        .kill_on_drop(true);
    command
}

#[tokio::test]
async fn bootstrap_answers_a_proxy_get_through_the_runtime_api() {
    let (results, mut received) = mpsc::unbounded_channel();
    let api = RuntimeApi {
        handed_out: Arc::new(AtomicBool::new(false)),
        results,
    };
    let app = Router::new()
        .route("/2018-06-01/runtime/invocation/next", get(next))
        .route("/2018-06-01/runtime/invocation/{id}/{kind}", post(report))
        .route("/2018-06-01/runtime/init/error", post(init_error))
        .with_state(api);
    let mut child = bootstrap(serve(app).await)
        .stdout(Stdio::piped())
        .spawn()
        .expect("the bootstrap binary starts");
    let mut stdout = BufReader::new(child.stdout.take().unwrap()).lines();

    let (id, kind, response) = tokio::time::timeout(Duration::from_secs(30), received.recv())
        .await
        .expect("bootstrap answers within 30 s")
        .unwrap();
    assert_eq!(
        (id.as_str(), kind.as_str()),
        (REQUEST_ID, "response"),
        "{response}"
    );
    assert_eq!(response["statusCode"], 200);
    assert_eq!(response["headers"]["content-type"], "application/json");
    let entry: Entry = serde_json::from_str(response["body"].as_str().unwrap()).unwrap();

    let line = tokio::time::timeout(Duration::from_secs(10), stdout.next_line())
        .await
        .expect("bootstrap logs its pick")
        .unwrap()
        .unwrap();
    let index: usize = line
        .strip_prefix("Quote selected: ")
        .unwrap_or_else(|| panic!("unexpected log line {line:?}"))
        .parse()
        .unwrap();
    let faq = Faq::load(&task_root().join("faq.json")).unwrap();
    assert_eq!(entry, faq.questions[index]);
    child.kill().await.unwrap();
}

/// A Runtime API that hands out `total` proxy events, each with its own request and trace ID as
/// Lambda gives them, and reads the bootstrap's resident memory when it asks for event
/// `warm` and again when it asks for one more after the last.
#[derive(Clone)]
struct Busy {
    served: Arc<std::sync::atomic::AtomicUsize>,
    warm: usize,
    total: usize,
    pid: Arc<std::sync::OnceLock<u32>>,
    memory: mpsc::UnboundedSender<u64>,
    event: Arc<Vec<u8>>,
}

fn resident_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches(" kB").parse().ok())
        .unwrap()
}

async fn busy_next(State(api): State<Busy>) -> axum::response::Response {
    let n = api.served.fetch_add(1, Ordering::SeqCst);
    if n == api.warm || n == api.total {
        let pid = *api.pid.get().expect("the bootstrap was started");
        let _ = api.memory.send(resident_kb(pid));
    }
    if n >= api.total {
        std::future::pending::<()>().await;
    }
    let mut headers = invocation_headers(
        &format!("8476a536-e9f4-11e8-9739-{n:012x}"),
        &format!("Root=1-5bef4de7-{n:024x};Parent={n:016x};Sampled=1"),
    );
    headers.insert("content-type", "application/json".parse().unwrap());
    (headers, api.event.to_vec()).into_response()
}

/// A warm environment on Lambda serves invocation after invocation, and the runtime puts each
/// one's trace ID in `_X_AMZN_TRACE_ID`. With glibc's `setenv` every ID stayed in memory for
/// good (~112 bytes each: a 128 MB function would run out after about a million); the
/// bootstrap's own `setenv` frees the one it replaces, so its memory stays flat.
#[tokio::test]
async fn a_warm_environment_keeps_its_memory_flat_over_thousands_of_invocations() {
    const WARM: usize = 500;
    const TOTAL: usize = 4_500;
    let (memory, mut readings) = mpsc::unbounded_channel();
    let api = Busy {
        served: Arc::default(),
        warm: WARM,
        total: TOTAL,
        pid: Arc::default(),
        memory,
        event: Arc::new(include_bytes!("data/apigw_proxy_request.json").to_vec()),
    };
    let pid = api.pid.clone();
    let app = Router::new()
        .route("/2018-06-01/runtime/invocation/next", get(busy_next))
        .route(
            "/2018-06-01/runtime/invocation/{id}/{kind}",
            post(|UrlPath((_, kind)): UrlPath<(String, String)>| async move {
                assert_eq!(kind, "response");
                axum::http::StatusCode::ACCEPTED
            }),
        )
        .with_state(api);
    let mut child = bootstrap(serve(app).await)
        .env(
            "_X_AMZN_TRACE_ID",
            "Root=1-00000000-000000000000000000000000",
        )
        .stdout(Stdio::null())
        .spawn()
        .expect("the bootstrap binary starts");
    pid.set(child.id().unwrap()).unwrap();

    let mut memory = Vec::new();
    for _ in 0..2 {
        let kb = tokio::time::timeout(Duration::from_secs(120), readings.recv())
            .await
            .expect("the bootstrap serves the invocations within 120 s")
            .unwrap();
        memory.push(kb);
    }
    let (warm, after) = (memory[0], memory[1]);
    let grown_kb = after.saturating_sub(warm);
    // glibc's setenv kept ~700 KB over these 4,000 invocations.
    assert!(
        grown_kb < 256,
        "the bootstrap's resident memory grew by {grown_kb} KB ({warm} KB → {after} KB) over {} warm invocations",
        TOTAL - WARM
    );
    child.kill().await.unwrap();
}
