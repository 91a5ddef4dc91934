//! The local cloud under attack: no web page may create or run code through it (cross-site
//! request forgery, DNS rebinding), while every real AWS client still works unchanged.

use crate::common;

use common::{raw, signed, Sdk};
use faqctl::local::{LocalCloud, LocalConfig};
use std::time::Duration;

/// The request any web page may send without a CORS preflight (a "simple" request: POST,
/// `text/plain`, no custom header), which once created a function that ran `id`.
fn page_creates_a_function(cloud: &LocalCloud, extra_headers: &str) -> (String, String) {
    let body = serde_json::json!({
        "FunctionName": "Evil",
        "Runtime": "provided.al2023",
        "Role": common::ROLE_ARN,
        "Handler": "bootstrap",
        "Code": { "ZipFile": base64_of(&common::script_zip("id")) },
    })
    .to_string();
    let request = format!(
        "POST /2015-03-31/functions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\n{extra_headers}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    raw(cloud, request.as_bytes())
}

/// A POST to `/` from a page served as `rebound.example` (DNS rebinding), signed for
/// `service`, with its `content_type`, `extra_headers` (each ending in CRLF) and `body`.
fn rebound_post(
    cloud: &LocalCloud,
    service: &str,
    content_type: &str,
    extra_headers: &str,
    body: &str,
) -> (String, String) {
    let request = format!(
        "POST / HTTP/1.1\r\nHost: rebound.example\r\n{extra_headers}Content-Type: {content_type}\r\n{}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        signed(service),
        body.len()
    );
    raw(cloud, request.as_bytes())
}

fn base64_of(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// The error code of a REST-JSON answer (`x-amzn-errortype`) or of a JSON 1.0/1.1 one
/// (`__type`, after its namespace's `#` when it has one, as the SDKs read it).
fn error_code(answer: &str) -> String {
    let lower = answer.to_ascii_lowercase();
    if let Some(at) = lower.find("x-amzn-errortype:") {
        let rest = &answer[at + "x-amzn-errortype:".len()..];
        return rest.lines().next().unwrap_or_default().trim().to_string();
    }
    let body = answer.split("\r\n\r\n").nth(1).unwrap_or_default();
    let code = serde_json::from_str::<serde_json::Value>(body).unwrap_or_default()["__type"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    code.rsplit('#').next().unwrap_or_default().to_string()
}

async fn evil_exists(sdk: &Sdk) -> bool {
    sdk.lambda
        .get_function()
        .function_name("Evil")
        .send()
        .await
        .is_ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_web_page_cannot_create_or_run_code_through_the_control_plane() {
    let cloud = common::local_cloud(LocalConfig::default()).await;
    let sdk = Sdk::at(&cloud.endpoint()).await;

    // The issue's request, exactly: text/plain, a foreign Origin, no Authorization.
    let (status, answer) = page_creates_a_function(&cloud, "Origin: http://evil.example\r\n");
    assert!(status.contains(" 403 "), "{answer}");
    assert_eq!(error_code(&answer), "AccessDeniedException", "{answer}");
    assert!(
        answer.contains("web page"),
        "the message says why: {answer}"
    );

    // Signed (a page cannot sign, but a refusal must not depend on it) yet from a page.
    let (status, answer) =
        page_creates_a_function(&cloud, &format!("Origin: null\r\n{}", signed("lambda")));
    assert!(status.contains(" 403 "), "{answer}");
    assert_eq!(error_code(&answer), "AccessDeniedException");

    // No Origin (some pages can suppress it), but unsigned: only real AWS clients sign.
    let (status, answer) = page_creates_a_function(&cloud, "");
    assert!(status.contains(" 403 "), "{answer}");
    assert_eq!(error_code(&answer), "MissingAuthenticationTokenException");
    assert!(answer.contains("SigV4"), "{answer}");
    assert!(
        !evil_exists(&sdk).await,
        "no refused request created anything"
    );

    // DNS rebinding: a page on attacker.example whose name now resolves to 127.0.0.1 sends
    // its own name as Host (and a signature would not help it).
    for (service, request) in [
        (
            "lambda",
            "GET /2015-03-31/functions HTTP/1.1\r\nHost: attacker.example:4566\r\n".to_string(),
        ),
        (
            "apigateway",
            "GET /restapis HTTP/1.1\r\nHost: attacker.example\r\n".to_string(),
        ),
    ] {
        let request = format!("{request}{}Connection: close\r\n\r\n", signed(service));
        let (status, answer) = raw(&cloud, request.as_bytes());
        assert!(status.contains(" 403 "), "{service}: {answer}");
        assert_eq!(error_code(&answer), "AccessDeniedException", "{answer}");
        assert!(answer.contains("attacker.example"), "{answer}");
    }
    // CloudWatch Logs answers in its own (JSON 1.1) shape.
    let (status, answer) = rebound_post(
        &cloud,
        "logs",
        "application/x-amz-json-1.1",
        "X-Amz-Target: Logs_20140328.DescribeLogGroups\r\n",
        r#"{"logGroupNamePrefix":"/aws"}"#,
    );
    assert!(status.contains(" 403 "), "{answer}");
    assert_eq!(error_code(&answer), "AccessDeniedException", "{answer}");
    // CloudWatch in the dialect its client sent (boto3's JSON 1.0), STS in its query XML.
    let (status, answer) = rebound_post(
        &cloud,
        "monitoring",
        "application/x-amz-json-1.0",
        "X-Amz-Target: GraniteServiceVersion20100801.DescribeAlarms\r\n",
        "{}",
    );
    assert!(status.contains(" 403 "), "{answer}");
    assert_eq!(error_code(&answer), "AccessDeniedException", "{answer}");
    let (status, answer) = rebound_post(
        &cloud,
        "sts",
        "application/x-www-form-urlencoded",
        "",
        "Action=GetCallerIdentity&Version=2011-06-15",
    );
    assert!(status.contains(" 403 "), "{answer}");
    assert!(
        answer.contains("<Code>AccessDeniedException</Code>") && answer.contains("rebound.example"),
        "{answer}"
    );

    // The admin API is control plane too: a page may not inject faults or read the state.
    let faults = "GetFunction=throttle*1000";
    let request = format!(
        "POST /_faqctl/faults HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{faults}",
        faults.len()
    );
    let (status, answer) = raw(&cloud, request.as_bytes());
    assert!(status.contains(" 403 "), "{answer}");
    let state = raw(
        &cloud,
        b"GET /_faqctl/state HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
    );
    assert!(state.0.contains(" 403 "), "{}", state.1);

    // Names the local cloud does answer to, signed: 200.
    for host in ["127.0.0.1", "localhost:4566", "[::1]:4566", "faq.localhost"] {
        let request = format!(
            "GET /2015-03-31/functions HTTP/1.1\r\nHost: {host}\r\n{}Connection: close\r\n\r\n",
            signed("lambda")
        );
        let (status, answer) = raw(&cloud, request.as_bytes());
        assert!(status.contains(" 200 "), "Host {host}: {answer}");
    }
    cloud.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stage_urls_stay_open_to_browsers_as_on_aws() {
    let cloud = common::local_cloud(LocalConfig::default()).await;
    let deployed = deploy(&cloud).await;
    let api = deployed["api_id"].as_str().unwrap();
    // A page fetching the FAQ: an Origin, no signature, the stage's own host name.
    let request = format!(
        "GET /restapis/{api}/myDeployment/_user_request_/ HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: http://faq-page.example\r\nConnection: close\r\n\r\n"
    );
    let (status, answer) = raw(&cloud, request.as_bytes());
    assert!(status.contains(" 200 "), "{answer}");
    assert!(answer.contains(r#""q":"#), "{answer}");
    cloud.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn boto3_signs_and_is_answered_unchanged() {
    let cloud = common::local_cloud(LocalConfig::default()).await;
    let endpoint = cloud.endpoint();
    // boto3 comes with moto[server], which scripts/test installs.
    let script = r#"
import json, sys, boto3
endpoint = sys.argv[1]
session = boto3.session.Session(aws_access_key_id="test", aws_secret_access_key="test", region_name="us-east-1")
lam = session.client("lambda", endpoint_url=endpoint)
apigw = session.client("apigateway", endpoint_url=endpoint)
logs = session.client("logs", endpoint_url=endpoint)
api = apigw.create_rest_api(name="boto3-api")
logs.create_log_group(logGroupName="/boto3/group")
print(json.dumps({
    "functions": len(lam.list_functions()["Functions"]),
    "api": apigw.get_rest_api(restApiId=api["id"])["name"],
    "groups": [g["logGroupName"] for g in logs.describe_log_groups(logGroupNamePrefix="/boto3")["logGroups"]],
}))
"#;
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new("python3")
            .args(["-c", script, &endpoint])
            .env("AWS_CONFIG_FILE", "/nonexistent")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
            .output()
            .expect("python3 runs")
    })
    .await
    .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let answer: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(answer["functions"], 0);
    assert_eq!(answer["api"], "boto3-api");
    assert_eq!(answer["groups"], serde_json::json!(["/boto3/group"]));
    cloud.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fault_counts_are_bounded_not_a_way_to_exhaust_memory() {
    let cloud = common::local_cloud(LocalConfig::default()).await;
    let url = format!("{}/_faqctl/faults", cloud.endpoint());
    let admin = common::admin();
    // Once grew the process to 24 GB until the kernel killed it; u64::MAX panicked.
    for spec in [
        "X=throttle*1000000000000",
        "X=throttle*18446744073709551615",
    ] {
        let answer = admin.post(&url).body(spec).send().await.unwrap();
        assert_eq!(answer.status(), 400, "{spec}");
        let error = answer.text().await.unwrap();
        assert!(error.contains("from 1 to 1000000"), "{error}");
    }
    let answer = admin
        .post(&url)
        .body("GetFunction=throttle*1000000")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    let pending: serde_json::Value =
        serde_json::from_slice(&answer.bytes().await.unwrap()).unwrap();
    assert_eq!(pending["pending"]["GetFunction"], 1_000_000);
    cloud.stop().await;
}

/// A local cloud with short read limits, so that the tests of those limits are quick.
async fn impatient_cloud(max_connections: usize) -> LocalCloud {
    common::local_cloud(LocalConfig {
        limits: faqctl::local::Limits {
            header_read: Duration::from_millis(300),
            body_read: Duration::from_millis(500),
            max_connections,
        },
        ..LocalConfig::default()
    })
    .await
}

/// Sends `bytes` and keeps the connection open: what the server does with it is what it
/// answers (if anything) and whether it closes the connection within `limit`.
fn send_and_wait(cloud: &LocalCloud, bytes: &[u8], limit: Duration) -> (String, bool) {
    let mut stream = std::net::TcpStream::connect(cloud.address).unwrap();
    stream.set_read_timeout(Some(limit)).unwrap();
    std::io::Write::write_all(&mut stream, bytes).unwrap();
    let mut answer = Vec::new();
    let closed = std::io::Read::read_to_end(&mut stream, &mut answer).is_ok();
    (String::from_utf8_lossy(&answer).into_owned(), closed)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn half_sent_requests_and_idle_connections_are_closed_not_held() {
    let cloud = impatient_cloud(512).await;
    // Once held open 45 s (no header-read timeout at all): now closed after the limit.
    let half = format!(
        "GET /2015-03-31/functions HTTP/1.1\r\nHost: 127.0.0.1\r\n{}",
        signed("lambda")
    );
    let (_, closed) = send_and_wait(&cloud, half.as_bytes(), Duration::from_secs(20));
    assert!(closed, "a half-sent request's connection is closed");
    let (_, closed) = send_and_wait(&cloud, b"", Duration::from_secs(20));
    assert!(closed, "an idle connection is closed");
    // A body that never arrives: 408 in the API's shape, then the connection is closed.
    let body_missing = format!(
        "POST /2015-03-31/functions/FAQ/invocations HTTP/1.1\r\nHost: 127.0.0.1\r\n{}Content-Length: 1000\r\n\r\n{{\"a\":",
        signed("lambda")
    );
    let (answer, closed) = send_and_wait(&cloud, body_missing.as_bytes(), Duration::from_secs(20));
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("RequestTimeoutException"), "{answer}");
    assert!(closed);
    cloud.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_over_limit_content_length_is_refused_before_the_body_is_read() {
    // A long body-read limit: an answer that waited for the body would not come in time.
    let cloud = common::local_cloud(LocalConfig::default()).await;
    let head = |path: &str, service: &str, length: u64| {
        format!(
            "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{}Content-Length: {length}\r\n\r\n{}",
            signed(service),
            "x".repeat(1024)
        )
    };
    for (path, service, length, code, limit) in [
        (
            "/2015-03-31/functions/FAQ/invocations",
            "lambda",
            100 * 1024 * 1024,
            "RequestTooLargeException",
            "6291456",
        ),
        (
            "/2015-03-31/functions",
            "lambda",
            100 * 1024 * 1024,
            "RequestEntityTooLargeException",
            "70167211",
        ),
        (
            "/restapis",
            "apigateway",
            100 * 1024 * 1024,
            "RequestTooLargeException",
            "10485760",
        ),
    ] {
        let (answer, closed) = send_and_wait(
            &cloud,
            head(path, service, length).as_bytes(),
            Duration::from_secs(20),
        );
        assert!(answer.starts_with("HTTP/1.1 413"), "{path}: {answer}");
        assert!(answer.contains(code), "{path}: {answer}");
        assert!(answer.contains(limit), "{path}: {answer}");
        assert!(
            closed,
            "{path}: the connection is closed, the body not read"
        );
    }
    // A stage takes API Gateway's 10 MB and no more.
    let (answer, _) = send_and_wait(
        &cloud,
        format!(
            "POST /restapis/abc/myDeployment/_user_request_/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {}\r\n\r\n",
            11 * 1024 * 1024
        )
        .as_bytes(),
        Duration::from_secs(20),
    );
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("Request Too Long"), "{answer}");
    cloud.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_connections_beyond_the_bound_cannot_lock_other_clients_out() {
    let cloud = impatient_cloud(16).await;
    // Far more idle connections than the server serves at once; they hold nothing for long.
    let idle: Vec<std::net::TcpStream> = (0..100)
        .map(|_| std::net::TcpStream::connect(cloud.address).unwrap())
        .collect();
    let address = cloud.address;
    let answered = tokio::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(address).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        let request = format!(
            "GET /2015-03-31/functions HTTP/1.1\r\nHost: 127.0.0.1\r\n{}Connection: close\r\n\r\n",
            signed("lambda")
        );
        std::io::Write::write_all(&mut stream, request.as_bytes()).unwrap();
        let mut answer = Vec::new();
        let _ = std::io::Read::read_to_end(&mut stream, &mut answer);
        String::from_utf8_lossy(&answer).into_owned()
    })
    .await
    .unwrap();
    assert!(answered.starts_with("HTTP/1.1 200"), "{answered}");
    drop(idle);
    cloud.stop().await;
}

/// `faqctl deploy` into a local cloud; its JSON output.
async fn deploy(cloud: &LocalCloud) -> serde_json::Value {
    let mut command = common::faqctl_at(&cloud.endpoint());
    command.args([
        "deploy",
        "--zip",
        &common::zip(),
        "--role-arn",
        common::ROLE_ARN,
    ]);
    common::json_ok_async(command).await
}

/// A local cloud with the FAQ deployed, and an SDK client of it.
async fn deployed_cloud() -> (LocalCloud, Sdk) {
    let cloud = common::local_cloud(LocalConfig::default()).await;
    deploy(&cloud).await;
    let sdk = Sdk::at(&cloud.endpoint()).await;
    (cloud, sdk)
}

/// A bootstrap answering every event with a JSON string of `bytes` bytes in all.
fn answers_with(bytes: usize) -> Vec<u8> {
    common::script_zip(&format!(
        r#"body="\"$(head -c {} /dev/zero | tr '\0' a)\""; post /2018-06-01/runtime/invocation/$id/response "$body""#,
        bytes - 2
    ))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn responses_up_to_lambdas_6_mb_are_delivered_and_larger_ones_answer_its_error() {
    let (cloud, sdk) = deployed_cloud().await;
    // 3 MiB once failed on the Runtime API ("length limit exceeded") and ended as a timeout.
    sdk.replace_code(answers_with(3 * 1024 * 1024)).await;
    let invoked = sdk.invoke().await;
    assert_eq!(invoked.function_error(), None);
    assert_eq!(invoked.payload().unwrap().as_ref().len(), 3 * 1024 * 1024);

    // 7 MiB: Lambda's own error, at once, not a timeout.
    sdk.replace_code(answers_with(7 * 1024 * 1024)).await;
    let invoked = sdk.invoke().await;
    assert_eq!(invoked.function_error(), Some("Unhandled"));
    let payload: serde_json::Value =
        serde_json::from_slice(invoked.payload().unwrap().as_ref()).unwrap();
    assert_eq!(payload["errorType"], "Function.ResponseSizeTooLarge");
    assert_eq!(
        payload["errorMessage"],
        "Response payload size (7340032 bytes) exceeded maximum allowed payload size (6291556 bytes)."
    );
    cloud.stop().await;
}

/// The pid the script bootstrap logged for one invocation (`LogType: Tail`).
fn logged_pid(invoked: &aws_sdk_lambda::operation::invoke::InvokeOutput) -> String {
    use base64::Engine;
    let log = base64::engine::general_purpose::STANDARD
        .decode(invoked.log_result().unwrap())
        .unwrap();
    let log = String::from_utf8_lossy(&log);
    log.lines()
        .find_map(|line| line.strip_prefix("pid "))
        .unwrap_or_else(|| panic!("no pid line in {log}"))
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_disconnects_mid_invocation_does_not_kill_the_warm_environment() {
    let (cloud, sdk) = deployed_cloud().await;
    sdk.replace_code(common::script_zip(
        r#"echo "pid $$"; sleep 1; post /2018-06-01/runtime/invocation/$id/response '{"statusCode":200,"body":"ok"}'"#,
    ))
    .await;
    let invoke = || {
        sdk.lambda
            .invoke()
            .function_name("FAQ")
            .log_type(aws_sdk_lambda::types::LogType::Tail)
            .send()
    };
    let warm = logged_pid(&invoke().await.unwrap());

    // A caller that gives up 100 ms into the invocation (every load run once ended with all
    // of its environments killed).
    let request = format!(
        "POST /2015-03-31/functions/FAQ/invocations HTTP/1.1\r\nHost: 127.0.0.1\r\n{}Content-Length: 2\r\n\r\n{{}}",
        signed("lambda")
    );
    let count = |word: &'static str| {
        let sdk = &sdk;
        async move {
            let events = sdk
                .logs
                .filter_log_events()
                .log_group_name("/aws/lambda/FAQ")
                .filter_pattern(word)
                .send()
                .await
                .unwrap();
            events.events().len()
        }
    };
    // The lines so far: the deploy's gate and the warm-up invocation.
    let (starts, reports) = (count("START").await, count("REPORT").await);
    let mut stream = std::net::TcpStream::connect(cloud.address).unwrap();
    std::io::Write::write_all(&mut stream, request.as_bytes()).unwrap();
    // Gone once the invocation has started (its START line is written).
    common::until(Duration::from_secs(20), || async {
        count("START").await > starts
    })
    .await;
    drop(stream);

    // The abandoned invocation still runs to its end (its REPORT line is written)...
    common::until(Duration::from_secs(20), || async {
        count("REPORT").await > reports
    })
    .await;
    assert_eq!(
        count("REPORT").await,
        reports + 1,
        "the abandoned invocation completed"
    );
    // ...and the same environment serves the next one.
    let next = invoke().await.unwrap();
    assert_eq!(next.function_error(), None);
    assert_eq!(logged_pid(&next), warm, "the warm environment was reused");
    cloud.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flooding_function_is_held_to_the_log_groups_cap_and_long_lines_are_truncated() {
    let (cloud, sdk) = deployed_cloud().await;
    // A 1 MiB line, then 80 MB of output: once all kept in memory (1 GiB grew it to 4.1 GB).
    sdk.replace_code(common::script_zip(
        r#"head -c 1048576 /dev/zero | tr '\0' y; echo; head -c 80000000 /dev/zero | tr '\0' x | fold -w 999; echo 'flood done'; post /2018-06-01/runtime/invocation/$id/response '{"statusCode":200,"body":"ok"}'"#,
    ))
    .await;
    // Time enough for 80 MB through a shell pipeline on a loaded machine (3 s, the default,
    // once ran out under a parallel build); the limits under test are sizes, not time.
    sdk.set_timeout(120).await;
    let invoked = sdk.invoke().await;
    assert_eq!(invoked.function_error(), None);
    let stored = || async {
        let groups = sdk
            .logs
            .describe_log_groups()
            .log_group_name_prefix("/aws/lambda/FAQ")
            .send()
            .await
            .unwrap();
        groups.log_groups()[0].stored_bytes().unwrap()
    };
    // Wait for the function's last line (the pipe readers run beside the invocation).
    let filtered = |pattern: &'static str| {
        let sdk = &sdk;
        async move {
            sdk.logs
                .filter_log_events()
                .log_group_name("/aws/lambda/FAQ")
                .filter_pattern(pattern)
                .send()
                .await
                .unwrap()
                .events()
                .to_vec()
        }
    };
    common::until(Duration::from_secs(30), || async {
        !filtered("\"flood done\"").await.is_empty()
    })
    .await;
    assert_eq!(
        filtered("\"flood done\"").await.len(),
        1,
        "the newest lines are kept"
    );
    let kept = stored().await;
    assert!(
        kept <= 32 * 1024 * 1024,
        "a log group keeps at most 32 MiB: {kept}"
    );
    assert!(kept > 16 * 1024 * 1024, "it keeps up to the cap: {kept}");
    // The 1 MiB line went first (oldest), but a fresh one shows the truncation.
    sdk.replace_code(common::script_zip(
        r#"head -c 1048576 /dev/zero | tr '\0' y; echo; post /2018-06-01/runtime/invocation/$id/response '{"statusCode":200,"body":"ok"}'"#,
    ))
    .await;
    sdk.invoke().await;
    common::until(Duration::from_secs(30), || async {
        !filtered("yyyyyyyy").await.is_empty()
    })
    .await;
    let long = filtered("yyyyyyyy").await;
    assert_eq!(long.len(), 1, "one event, not four");
    assert_eq!(
        long[0].message().unwrap().trim_end().len(),
        256 * 1024 - 26,
        "truncated to CloudWatch's event size"
    );
    // Deleting the group frees what it held.
    sdk.logs
        .delete_log_group()
        .log_group_name("/aws/lambda/FAQ")
        .send()
        .await
        .unwrap();
    let groups = sdk
        .logs
        .describe_log_groups()
        .log_group_name_prefix("/aws/lambda/FAQ")
        .send()
        .await
        .unwrap();
    assert!(groups.log_groups().is_empty());
    cloud.stop().await;
}

/// Sends one signed control-plane request and returns its status, error code and message.
fn call(cloud: &LocalCloud, request: &str, body: &str) -> (u16, String, String) {
    let (service, head) = request.split_once(' ').unwrap();
    let logs = service == "logs";
    let (method_path, target) = match head.split_once(" @") {
        Some((mp, target)) => (mp, Some(target)),
        None => (head, None),
    };
    let target = target
        .map(|t| {
            format!(
                "X-Amz-Target: Logs_20140328.{t}\r\nContent-Type: application/x-amz-json-1.1\r\n"
            )
        })
        .unwrap_or_default();
    let raw_request = format!(
        "{method_path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{}{target}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        signed(service),
        body.len()
    );
    let (status, answer) = raw(cloud, raw_request.as_bytes());
    let status: u16 = status.split(' ').nth(1).unwrap().parse().unwrap();
    let payload: serde_json::Value =
        serde_json::from_str(answer.split("\r\n\r\n").nth(1).unwrap_or("{}")).unwrap_or_default();
    let code = if logs {
        payload["__type"].as_str().unwrap_or_default().to_string()
    } else {
        error_code(&answer)
    };
    let message = payload["message"].as_str().unwrap_or_default().to_string();
    (status, code, message)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn values_aws_would_refuse_are_refused_with_its_error_codes() {
    let (cloud, _sdk) = deployed_cloud().await;
    let create = |extra: &str| {
        format!(
            r#"{{"FunctionName":"Other","Runtime":"provided.al2023","Role":"{}","Handler":"bootstrap","Code":{{"ZipFile":"{}"}}{extra}}}"#,
            common::ROLE_ARN,
            base64_of(&common::script_zip("true"))
        )
    };
    let config = "lambda PUT /2015-03-31/functions/FAQ/configuration";
    for (request, body, status, code, says) in [
        // Once silently replaced by the defaults.
        ("lambda POST /2015-03-31/functions", create(r#","Timeout":-1"#), 400, "ValidationException", "Value '-1' at 'timeout' failed to satisfy constraint: Member must have value greater than or equal to 1"),
        ("lambda POST /2015-03-31/functions", create(r#","MemorySize":"128""#), 400, "SerializationException", "'memorySize' must be a whole number, not a string"),
        // Once accepted (and an invocation that never ends).
        (config, r#"{"MemorySize":0}"#.to_string(), 400, "ValidationException", "greater than or equal to 128"),
        (config, r#"{"Timeout":18446744073709551615}"#.to_string(), 400, "SerializationException", "32-bit integer"),
        (config, r#"{"Environment":{"Variables":{"A\u0000B":"x"}}}"#.to_string(), 400, "ValidationException", "Map keys must satisfy constraint"),
        ("apigateway PATCH /restapis/nope/stages/myDeployment", r#"{"patchOperations":"replace"}"#.to_string(), 400, "SerializationException", "'updateStageInput.patchOperations' must be a list"),
        ("logs POST / @FilterLogEvents", r#"{"logGroupName":"/aws/lambda/FAQ","limit":-1}"#.to_string(), 400, "InvalidParameterException", "Member must have value greater than or equal to 1"),
        ("logs POST / @FilterLogEvents", r#"{"logGroupName":"/aws/lambda/FAQ","limit":1e30}"#.to_string(), 400, "SerializationException", "'limit' must be a whole number"),
        ("logs POST / @FilterLogEvents", r#"{"logGroupName":"/aws/lambda/FAQ","startTime":"yesterday"}"#.to_string(), 400, "SerializationException", "'startTime' must be a whole number"),
        ("logs POST / @FilterLogEvents", r#"{"logGroupName":"/aws/lambda/FAQ","nextToken":"garbage"}"#.to_string(), 400, "InvalidParameterException", "nextToken is invalid"),
        ("logs POST / @FilterLogEvents", format!(r#"{{"logGroupName":"/aws/lambda/FAQ","filterPattern":"{}"}}"#, "?term ".repeat(20_000)), 400, "InvalidParameterException", "Member must have length less than or equal to 1024"),
    ] {
        let (got_status, got_code, message) = call(&cloud, request, &body);
        assert_eq!((got_status, got_code.as_str()), (status, code), "{request} {}: {message}", &body[..body.len().min(120)]);
        assert!(message.contains(says), "{request}: {message}");
    }
    // The function was left as it was.
    let (status, _, _) = call(&cloud, "lambda GET /2015-03-31/functions/Other", "");
    assert_eq!(status, 404);
    cloud.stop().await;
}
