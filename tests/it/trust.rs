//! A local cloud you can trust: no panic on any request, PATCH all-or-nothing, nothing lost
//! across a crash or a restart, nothing left running after a stop. (That it borrows none of the
//! client's rules is no longer a test: `faqctl-local` is a crate that cannot import the CLI.)

use crate::common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::{eventually, faqctl_at, json_ok_async, raw, signed, Sdk, ROLE_ARN};
use faqctl::local::{LocalCloud, LocalConfig};

async fn deploy(cloud: &LocalCloud) -> serde_json::Value {
    let mut command = faqctl_at(&cloud.endpoint());
    command.args(["deploy", "--zip", &common::zip(), "--role-arn", ROLE_ARN]);
    json_ok_async(command).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn percent_escapes_before_multibyte_characters_get_an_answer_not_a_panic() {
    let cloud = common::local_cloud(LocalConfig::default()).await;
    let deployed = deploy(&cloud).await;
    let api = deployed["api_id"].as_str().unwrap();
    // Each once panicked the handler ("byte index is not a char boundary") and dropped the
    // connection.
    let lambda = signed("lambda");
    let apigateway = signed("apigateway");
    let requests: Vec<Vec<u8>> = vec![
        format!("GET /2015-03-31/functions/%a\u{e9} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n{lambda}\r\n").into_bytes(),
        format!("GET /2015-03-31/functions/FAQ%\u{e9}/configuration HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n{lambda}\r\n").into_bytes(),
        format!("DELETE /2015-03-31/functions/FAQ/policy/%a\u{e9} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n{lambda}\r\n").into_bytes(),
        format!("GET /2017-03-31/tags/%a\u{e9} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n{lambda}\r\n").into_bytes(),
        format!("GET /restapis/%a\u{e9} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n{apigateway}\r\n").into_bytes(),
        format!("GET /restapis/{api}/myDeployment/_user_request_/?a=%a\u{e9} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").into_bytes(),
        format!("GET /_aws/execute-api/{api}/myDeployment/%a\u{e9}?b=%\u{e9} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").into_bytes(),
    ];
    for request in requests {
        let (status, answer) = raw(&cloud, &request);
        assert!(
            status.starts_with("HTTP/1.1 "),
            "{}: no answer: {answer:?}",
            String::from_utf8_lossy(&request)
        );
        assert!(!status.starts_with("HTTP/1.1 500"), "{status}: {answer}");
    }
    // Still serving.
    let url = deployed["invoke_url"].as_str().unwrap();
    assert_eq!(reqwest::get(url).await.unwrap().status(), 200);
    cloud.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_patch_that_fails_on_a_later_operation_changes_nothing() {
    let cloud = common::local_cloud(LocalConfig::default()).await;
    let deployed = deploy(&cloud).await;
    let api = deployed["api_id"].as_str().unwrap();
    let sdk = Sdk::at(&cloud.endpoint()).await;
    use aws_sdk_apigateway::types::{Op, PatchOperation};
    let replace = |path: &str, value: &str| {
        PatchOperation::builder()
            .op(Op::Replace)
            .path(path)
            .value(value)
            .build()
    };
    let before = sdk
        .apigateway
        .get_stage()
        .rest_api_id(api)
        .stage_name("myDeployment")
        .send()
        .await
        .unwrap();
    let refused = sdk
        .apigateway
        .update_stage()
        .rest_api_id(api)
        .stage_name("myDeployment")
        .patch_operations(replace("/*/*/throttling/rateLimit", "3"))
        .patch_operations(replace("/description", "changed"))
        // Logging without an account role: refused, after the operations before it.
        .patch_operations(replace("/*/*/logging/loglevel", "INFO"))
        .send()
        .await;
    assert!(refused.is_err());
    let after = sdk
        .apigateway
        .get_stage()
        .rest_api_id(api)
        .stage_name("myDeployment")
        .send()
        .await
        .unwrap();
    assert_eq!(after.description(), before.description());
    assert_eq!(
        after.method_settings().unwrap()["*/*"].throttling_rate_limit(),
        before.method_settings().unwrap()["*/*"].throttling_rate_limit()
    );
    // The same for a method.
    let root = sdk
        .apigateway
        .get_resources()
        .rest_api_id(api)
        .send()
        .await
        .unwrap()
        .items()[0]
        .id()
        .unwrap()
        .to_string();
    let refused = sdk
        .apigateway
        .update_method()
        .rest_api_id(api)
        .resource_id(&root)
        .http_method("GET")
        .patch_operations(replace("/authorizationType", "AWS_IAM"))
        .patch_operations(replace("/nonsense", "x"))
        .send()
        .await;
    assert!(refused.is_err());
    let method = sdk
        .apigateway
        .get_method()
        .rest_api_id(api)
        .resource_id(&root)
        .http_method("GET")
        .send()
        .await
        .unwrap();
    assert_eq!(method.authorization_type(), Some("NONE"));
    cloud.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_state_dir_keeps_log_events_without_a_clean_stop() {
    let dir = tempfile::tempdir().unwrap();
    let config = || LocalConfig {
        state_dir: Some(dir.path().to_path_buf()),
        ..LocalConfig::default()
    };
    let cloud = common::local_cloud(config()).await;
    let deployed = deploy(&cloud).await;
    let url = deployed["invoke_url"].as_str().unwrap().to_string();
    for _ in 0..20 {
        assert_eq!(reqwest::get(&url).await.unwrap().status(), 200);
    }
    // Written within the writer's debounce, with no stop: what a kill -9 would find. The
    // events are appended to logs.jsonl; state.json (rewritten on every change) has none.
    let state = dir.path().join("state.json");
    let events = dir.path().join("logs.jsonl");
    let saved = eventually(Duration::from_secs(10), || {
        std::fs::read_to_string(&events)
            .map(|text| text.matches("Quote selected").count() >= 20)
            .unwrap_or(false)
    })
    .await;
    assert!(saved, "logs.jsonl holds the 20 requests' log lines");
    assert!(!std::fs::read_to_string(&state)
        .unwrap()
        .contains("Quote selected"));
    // The copy a crash would leave, restored into a new cloud.
    let crashed = tempfile::tempdir().unwrap();
    std::fs::copy(&state, crashed.path().join("state.json")).unwrap();
    std::fs::copy(&events, crashed.path().join("logs.jsonl")).unwrap();
    cloud.stop().await;
    let restarted = common::local_cloud(LocalConfig {
        state_dir: Some(crashed.path().to_path_buf()),
        ..LocalConfig::default()
    })
    .await;
    let sdk = Sdk::at(&restarted.endpoint()).await;
    let events = sdk
        .logs
        .filter_log_events()
        .log_group_name("/aws/lambda/FAQ")
        .filter_pattern("\"Quote selected\"")
        .send()
        .await
        .unwrap();
    assert!(events.events().len() >= 20, "{}", events.events().len());
    restarted.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn old_code_revisions_are_removed_and_errors_name_the_callers_region() {
    let dir = tempfile::tempdir().unwrap();
    let cloud = common::local_cloud(LocalConfig {
        state_dir: Some(dir.path().to_path_buf()),
        ..LocalConfig::default()
    })
    .await;
    deploy(&cloud).await;
    let sdk = Sdk::at(&cloud.endpoint()).await;
    for round in 0..2 {
        let faq = format!(
            r#"{{"service":"lambda","reference":"r","questions":[{{"q":"Round {round}?","a":"Yes."}}]}}"#
        );
        let zip = faqctl::package::write_zip(&[
            ("bootstrap", 0o755, &common::bootstrap_binary()),
            ("faq.json", 0o644, faq.as_bytes()),
        ])
        .unwrap();
        sdk.replace_code(zip).await;
    }
    // Each replacement went live as a version (versions keep their code until deleted);
    // deleting them leaves only what `$LATEST` runs. A revision is its unpacked directory and
    // its zip (GetFunction's Code.Location): both go.
    let revisions = || {
        let entries: Vec<std::path::PathBuf> =
            std::fs::read_dir(dir.path().join("code").join("us-east-1").join("FAQ"))
                .unwrap()
                .map(|e| e.unwrap().path())
                .collect();
        let dirs = entries.iter().filter(|p| p.is_dir()).count();
        let zips = entries
            .iter()
            .filter(|p| p.extension().is_some_and(|e| e == "zip"))
            .count();
        assert_eq!(dirs, zips, "each revision's zip beside it: {entries:?}");
        dirs
    };
    assert_eq!(revisions(), 3, "versions 1, 2 and 3 (which $LATEST runs)");
    sdk.lambda
        .update_alias()
        .function_name("FAQ")
        .name("live")
        .function_version("$LATEST")
        .send()
        .await
        .unwrap();
    for version in ["1", "2", "3"] {
        sdk.lambda
            .delete_function()
            .function_name("FAQ")
            .qualifier(version)
            .send()
            .await
            .unwrap();
    }
    assert_eq!(revisions(), 1, "only the current revision stays on disk");

    // Out-of-range settings are refused on update as on create.
    let refused = sdk
        .lambda
        .update_function_configuration()
        .function_name("FAQ")
        .memory_size(64)
        .send()
        .await;
    assert!(refused.is_err());

    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("eu-west-1"))
        .endpoint_url(cloud.endpoint())
        .credentials_provider(aws_sdk_lambda::config::Credentials::new(
            "test", "test", None, None, "tests",
        ))
        .load()
        .await;
    let error = aws_sdk_lambda::Client::new(&config)
        .get_function()
        .function_name("Missing")
        .send()
        .await
        .unwrap_err();
    let message = error.into_service_error().to_string();
    assert!(
        message.contains("arn:aws:lambda:eu-west-1:000000000000:function:Missing"),
        "{message}"
    );
    cloud.stop().await;
}

/// Whether a process is still alive (not a zombie).
fn alive(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|stat| !stat.contains(") Z "))
        .unwrap_or(false)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_ends_busy_environments_and_everything_their_bootstrap_started() {
    let cloud = common::local_cloud(LocalConfig::default()).await;
    deploy(&cloud).await;
    let dir = tempfile::tempdir().unwrap();
    let pidfile = dir.path().join("child.pid");
    let sdk = Sdk::at(&cloud.endpoint()).await;
    // A bootstrap that forks a long-lived child, then takes far longer than the grace.
    sdk.replace_code(common::script_zip(&format!(
        "sleep 300 & echo $! > {}; sleep 60",
        pidfile.display()
    )))
    .await;
    sdk.set_timeout(120).await;
    let lambda = sdk.lambda.clone();
    let invocation = tokio::spawn(async move {
        let _ = lambda.invoke().function_name("FAQ").send().await;
    });
    assert!(
        eventually(Duration::from_secs(10), || pidfile.exists()).await,
        "the bootstrap forked"
    );
    let child: i32 = eventually(Duration::from_secs(5), || {
        std::fs::read_to_string(&pidfile).is_ok_and(|t| t.trim().parse::<i32>().is_ok())
    })
    .await
    .then(|| {
        std::fs::read_to_string(&pidfile)
            .unwrap()
            .trim()
            .parse()
            .unwrap()
    })
    .unwrap();
    assert!(alive(child));
    let started = Instant::now();
    cloud.stop().await;
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "stop is bounded: {:?}",
        started.elapsed()
    );
    assert!(
        eventually(Duration::from_secs(5), || !alive(child)).await,
        "the bootstrap's child {child} was ended with it"
    );
    invocation.abort();
}

/// `faqctl local --no-deploy --output json` on a free port, and the endpoint it printed.
struct LocalProcess {
    child: std::process::Child,
    endpoint: String,
}

impl LocalProcess {
    fn start(state_dir: Option<&std::path::Path>, tmpdir: &std::path::Path) -> LocalProcess {
        use std::io::BufRead;
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_faqctl"));
        command
            .args(["local", "--no-deploy", "--port", "0", "--output", "json"])
            .env("TMPDIR", tmpdir)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null());
        if let Some(dir) = state_dir {
            command.arg("--state-dir").arg(dir);
        }
        let mut child = command.spawn().unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut reader = std::io::BufReader::new(stdout);
        let mut text = String::new();
        let document: serde_json::Value = loop {
            let mut line = String::new();
            assert!(
                reader.read_line(&mut line).unwrap() > 0,
                "faqctl local ended before printing its endpoint: {text}"
            );
            text.push_str(&line);
            if let Ok(document) = serde_json::from_str(&text) {
                break document;
            }
        };
        assert_eq!(document["schema_version"], 1, "{document}");
        assert!(document["deployed"].is_null(), "{document}");
        let endpoint = document["endpoint"].as_str().unwrap().to_string();
        LocalProcess { child, endpoint }
    }

    fn calls(&self) -> serde_json::Value {
        let (status, answer) = {
            let address = self.endpoint.trim_start_matches("http://");
            let mut stream = TcpStream::connect(address).unwrap();
            stream
                .write_all(format!("GET /_faqctl/calls HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n{}\r\n", signed("faqctl")).as_bytes())
                .unwrap();
            let mut answer = String::new();
            let _ = stream.read_to_string(&mut answer);
            (
                answer.lines().next().unwrap_or_default().to_string(),
                answer,
            )
        };
        assert!(status.contains("200"), "{answer}");
        let body = answer.split("\r\n\r\n").nth(1).unwrap_or("{}");
        serde_json::from_str(body).unwrap_or(serde_json::Value::Null)
    }

    fn kill_9(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for LocalProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn deploy_process(endpoint: &str) -> std::process::Child {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_faqctl"));
    command
        .current_dir(common::workspace())
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_ENDPOINT_URL")
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
        .args([
            "--endpoint-url",
            endpoint,
            "deploy",
            "--output",
            "json",
            "--zip",
            &common::zip(),
            "--role-arn",
            ROLE_ARN,
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    command.spawn().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_kill_9_mid_deploy_a_restart_with_the_same_state_dir_converges() {
    let tmp = tempfile::tempdir().unwrap();
    for op in ["CreateFunction", "PutIntegration", "CreateDeployment"] {
        let state = tempfile::tempdir().unwrap();
        let local = LocalProcess::start(Some(state.path()), tmp.path());
        let mut deploying = deploy_process(&local.endpoint);
        let reached = eventually(Duration::from_secs(60), || {
            local.calls()["calls"][op].is_u64()
        })
        .await;
        assert!(reached, "{op} was reached");
        local.kill_9();
        let _ = deploying.wait();

        let restarted = LocalProcess::start(Some(state.path()), tmp.path());
        let output = deploy_process(&restarted.endpoint)
            .wait_with_output()
            .unwrap();
        assert!(
            output.status.success(),
            "after a kill -9 at {op}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let deployed: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        let url = deployed["invoke_url"].as_str().unwrap();
        assert_eq!(reqwest::get(url).await.unwrap().status(), 200, "{op}");
        let again = deploy_process(&restarted.endpoint)
            .wait_with_output()
            .unwrap();
        let again: serde_json::Value = serde_json::from_slice(&again.stdout).unwrap();
        assert_eq!(
            again["changes"].as_array().map(Vec::len),
            Some(0),
            "{op}: {again}"
        );
        restarted.kill_9();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_stops_faqctl_local_cleanly_and_removes_its_temporary_state() {
    let tmp = tempfile::tempdir().unwrap();
    let mut local = LocalProcess::start(None, tmp.path());
    let leftovers = || {
        std::fs::read_dir(tmp.path())
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .starts_with("faqctl-local-")
            })
            .count()
    };
    assert_eq!(leftovers(), 1, "its temporary state dir");
    let pid = local.child.id() as i32;
    // SAFETY: signals our own child process.
    unsafe {
        libc::kill(pid, libc::SIGTERM);
    }
    let exited = eventually(Duration::from_secs(15), || {
        local.child.try_wait().unwrap().is_some()
    })
    .await;
    assert!(exited, "faqctl local ends on SIGTERM");
    assert!(local.child.wait().unwrap().success());
    assert_eq!(leftovers(), 0, "the temporary state dir is gone");
}

/// One generated request: method, target form, path tail, signing, headers and body.
fn hostile_request(api: &str) -> impl proptest::strategy::Strategy<Value = (Vec<u8>, bool)> {
    use proptest::prelude::*;
    let methods = prop::sample::select(vec![
        "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS",
    ]);
    let prefixes = prop::sample::select(vec![
        "/2015-03-31/functions/".to_string(),
        "/2015-03-31/functions/FAQ/".to_string(),
        "/2017-03-31/tags/".to_string(),
        "/restapis/".to_string(),
        format!("/restapis/{api}/"),
        format!("/restapis/{api}/resources/"),
        format!("/restapis/{api}/stages/"),
        format!("/_aws/execute-api/{api}/myDeployment/"),
        format!("/restapis/{api}/myDeployment/_user_request_/"),
        "/_faqctl/".to_string(),
        "/".to_string(),
    ]);
    let tails = "[a-zA-Z0-9%/?=&.\u{e9}\u{1f600}+_~-]{0,40}";
    let services = prop::sample::select(vec![
        Some("lambda"),
        Some("apigateway"),
        Some("logs"),
        Some("s3"),
        None,
    ]);
    let targets = prop::sample::select(vec![
        "Logs_20140328.CreateLogGroup",
        "Logs_20140328.FilterLogEvents",
        "Logs_20140328.PutRetentionPolicy",
        "Logs_20140328.Nope",
        "Nonsense",
    ]);
    let bodies = prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..300),
        "\\{\"[a-zA-Z]{1,12}\":(\"[^\"]{0,20}\"|[0-9]{1,20}|null|\\[\\]|\\{\\})\\}".prop_map(String::into_bytes),
        (1usize..2000).prop_map(|depth| format!("{}{}", "[".repeat(depth), "]".repeat(depth)).into_bytes()),
        Just(br#"{"patchOperations":[{"op":"replace","path":"/nonsense","value":"x"},{"op":"move"}]}"#.to_vec()),
    ];
    (methods, prefixes, tails, services, targets, bodies).prop_map(
        |(method, prefix, tail, service, target, body)| {
            let mut request = format!(
                "{method} {prefix}{tail} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
            );
            if let Some(service) = service {
                request.push_str(&signed(service));
                request.push_str(&format!("X-Amz-Target: {target}\r\n"));
            }
            request.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
            let mut bytes = request.into_bytes();
            bytes.extend_from_slice(&body);
            (
                bytes,
                service.is_some_and(|s| s != "s3")
                    && !prefix.contains("execute-api")
                    && !prefix.contains("_user_request_")
                    && !prefix.starts_with("/_faqctl"),
            )
        },
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn any_request_gets_an_answer_in_the_apis_error_shape_never_a_panic_or_a_hang() {
    let cloud = std::sync::Arc::new(common::local_cloud(LocalConfig::default()).await);
    let deployed = deploy(&cloud).await;
    let api = deployed["api_id"].as_str().unwrap().to_string();
    let fuzzed = cloud.clone();
    let result = tokio::task::spawn_blocking(move || {
        use proptest::test_runner::{Config, TestRunner};
        let mut runner = TestRunner::new(Config {
            cases: 300,
            failure_persistence: None,
            ..Config::default()
        });
        runner.run(&hostile_request(&api), |(request, control_plane)| {
            let (status, answer) = raw(&fuzzed, &request);
            let text = String::from_utf8_lossy(&request);
            proptest::prop_assert!(
                status.starts_with("HTTP/1.1 "),
                "no answer to {text:?}: {answer:?}"
            );
            proptest::prop_assert!(
                !answer.contains("An internal error occurred in faqctl local"),
                "a handler panicked on {text:?}: {answer}"
            );
            let code: u16 = status
                .split(' ')
                .nth(1)
                .and_then(|c| c.parse().ok())
                .unwrap_or(0);
            // (A HEAD answer has no body to carry `__type`.)
            if control_plane && code >= 400 && !text.starts_with("HEAD ") {
                let shaped = answer.to_ascii_lowercase().contains("x-amzn-errortype:")
                    || answer.contains("\"__type\"");
                proptest::prop_assert!(
                    shaped,
                    "{status} without an AWS error shape for {text:?}: {answer}"
                );
            }
            Ok(())
        })
    })
    .await
    .unwrap();
    if let Err(failure) = result {
        panic!("{failure}");
    }
    // Still serving. (The sweep may have deleted or broken the function on the way — a
    // DELETE of /2015-03-31/functions/FAQ/ is a valid request — so ask the server, not the
    // function.)
    let health = common::admin()
        .get(format!("{}/_faqctl/health", cloud.endpoint()))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200, "still serving");
    let sdk = Sdk::at(&cloud.endpoint()).await;
    sdk.lambda.list_functions().send().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_headers_bodies_and_zip_bombs_are_refused_cleanly() {
    let cloud = common::local_cloud(LocalConfig::default()).await;
    // A header far beyond what any client sends.
    let huge = format!(
        "GET /2015-03-31/functions HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n{}X-Big: {}\r\n\r\n",
        signed("lambda"),
        "a".repeat(1 << 20)
    );
    let (status, _) = raw(&cloud, huge.as_bytes());
    assert!(status.starts_with("HTTP/1.1 4"), "{status}");
    // 300 MB of zeros, a few hundred KB zipped: over Lambda's 250 MB unzipped.
    let bomb = {
        use std::io::Write;
        let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default().unix_permissions(0o755);
        writer.start_file("bootstrap", options).unwrap();
        let zeros = vec![0u8; 1 << 20];
        for _ in 0..300 {
            writer.write_all(&zeros).unwrap();
        }
        writer.finish().unwrap().into_inner()
    };
    assert!(bomb.len() < 2 << 20, "{}", bomb.len());
    let sdk = Sdk::at(&cloud.endpoint()).await;
    let refused = sdk
        .lambda
        .create_function()
        .function_name("Bomb")
        .role(ROLE_ARN)
        .runtime(aws_sdk_lambda::types::Runtime::from("provided.al2023"))
        .handler("bootstrap")
        .code(
            aws_sdk_lambda::types::FunctionCode::builder()
                .zip_file(aws_sdk_lambda::primitives::Blob::new(bomb))
                .build(),
        )
        .send()
        .await
        .unwrap_err();
    let error = refused.into_service_error();
    assert!(error.is_invalid_parameter_value_exception(), "{error:?}");
    assert!(
        error
            .to_string()
            .contains("Unzipped size must be smaller than 262144000 bytes"),
        "{error}"
    );
    // An Invoke payload over Lambda's 6 MB.
    deploy(&cloud).await;
    let too_big = sdk
        .lambda
        .invoke()
        .function_name("FAQ")
        .payload(aws_sdk_lambda::primitives::Blob::new(vec![b' '; 7 << 20]))
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        too_big.raw_response().map(|r| r.status().as_u16()),
        Some(413)
    );
    cloud.stop().await;
}
