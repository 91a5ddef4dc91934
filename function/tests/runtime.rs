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

/// Hands out one proxy event, then holds every later `/next` open, as Lambda does between
/// invocations.
async fn next(State(api): State<RuntimeApi>) -> impl IntoResponse {
    if api.handed_out.swap(true, Ordering::SeqCst) {
        std::future::pending::<()>().await;
    }
    let mut headers = HeaderMap::new();
    headers.insert("lambda-runtime-aws-request-id", REQUEST_ID.parse().unwrap());
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
    headers.insert(
        "lambda-runtime-trace-id",
        "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700".parse().unwrap(),
    );
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
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });

    let task_root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_bootstrap"))
        .env_clear()
        .env("AWS_LAMBDA_RUNTIME_API", address.to_string())
        .env("AWS_LAMBDA_FUNCTION_NAME", "FAQ")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("LAMBDA_TASK_ROOT", &task_root)
        .env("_HANDLER", "bootstrap")
        .stdout(Stdio::piped())
        .kill_on_drop(true)
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
    let faq = Faq::load(&task_root.join("faq.json")).unwrap();
    assert_eq!(entry, faq.questions[index]);
    child.kill().await.unwrap();
}
