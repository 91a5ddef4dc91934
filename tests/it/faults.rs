//! Reliability and security, on the local cloud: deploy converges through throttling, 5xx,
//! dropped connections, conflicts and an IAM role that is not ready yet; from a crash at any
//! step; with two deploys racing; within API Gateway's rate limits. Bad input is refused
//! before any write; the local cloud keeps serving through bad requests and bad functions;
//! no secret is ever printed.

use crate::common;

use common::zip;

use std::process::Output;
use std::time::{Duration, Instant};

use aws_sdk_lambda::primitives::Blob;
use common::{faqctl_at, json_ok_async, operations, run, Sdk, ROLE_ARN};
use faqctl::local::{LocalCloud, LocalConfig};

async fn start(faults: Option<&str>, enforce_rate_limits: bool) -> LocalCloud {
    common::local_cloud(LocalConfig {
        faults: faults.map(str::to_string),
        enforce_rate_limits,
        ..LocalConfig::default()
    })
    .await
}

fn deploy_command(cloud: &LocalCloud) -> assert_cmd::Command {
    let mut command = faqctl_at(&cloud.endpoint());
    command.args(["deploy", "--zip", &zip(), "--role-arn", ROLE_ARN]);
    command
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

const COLD_WRITES: [&str; 11] = [
    "CreateFunction",
    "CreateLogGroup",
    "PutRetentionPolicy",
    "PublishVersion",
    "CreateAlias",
    "CreateRestApi",
    "PutMethod",
    "PutIntegration",
    "AddPermission",
    "CreateDeployment",
    "UpdateStage",
];

/// The steps of a cold deploy: its writes, and the gate (an Invoke) between PublishVersion and
/// CreateAlias.
const COLD_STEPS: usize = COLD_WRITES.len() + 1;

/// Exactly one of everything, wired together, serving, and nothing left to do.
async fn assert_converged(cloud: &LocalCloud) {
    let sdk = Sdk::at(&cloud.endpoint()).await;
    // One version, published once however often the deploy was cut short or raced, and the
    // alias on it.
    assert_eq!(
        sdk.version_names("FAQ").await,
        ["$LATEST", "1"],
        "one version"
    );
    let alias = sdk
        .lambda
        .get_alias()
        .function_name("FAQ")
        .name("live")
        .send()
        .await
        .unwrap();
    assert_eq!(alias.function_version(), Some("1"));
    assert_eq!(alias.routing_config(), None);
    let functions = sdk.lambda.list_functions().send().await.unwrap();
    assert_eq!(functions.functions().len(), 1, "one function");
    let apis = sdk.api_ids("FAQ-API").await;
    assert_eq!(apis.len(), 1, "one FAQ-API: {apis:?}");
    let policy = sdk
        .lambda
        .get_policy()
        .function_name("FAQ")
        .qualifier("live")
        .send()
        .await
        .unwrap();
    let policy: serde_json::Value = serde_json::from_str(policy.policy().unwrap()).unwrap();
    let statements = policy["Statement"].as_array().unwrap();
    assert_eq!(statements.len(), 1, "one permission: {statements:?}");
    assert_eq!(
        statements[0]["Condition"]["ArnLike"]["AWS:SourceArn"],
        format!(
            "arn:aws:execute-api:us-east-1:000000000000:{}/*/GET/",
            apis[0]
        )
    );
    let stages = sdk
        .apigateway
        .get_stages()
        .rest_api_id(&apis[0])
        .send()
        .await
        .unwrap();
    assert_eq!(stages.item().len(), 1, "one stage");
    let url = format!(
        "{}/_aws/execute-api/{}/myDeployment/",
        cloud.endpoint(),
        apis[0]
    );
    assert_eq!(
        reqwest::get(&url).await.unwrap().status(),
        200,
        "the stage serves"
    );
    let again = json_ok_async({
        let mut command = faqctl_at(&cloud.endpoint());
        command.args(["deploy", "--zip", &zip()]);
        command
    })
    .await;
    assert_eq!(
        operations(&again),
        Vec::<String>::new(),
        "nothing left to do"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cold_deploy_survives_every_write_failing_up_to_the_retry_bound() {
    // The SDK makes 8 attempts: 7 failures of every write, of each kind, are absorbed.
    for fault in ["throttle", "500", "503", "reset"] {
        let spec: Vec<String> = COLD_WRITES
            .iter()
            .map(|op| format!("{op}={fault}*7"))
            .collect();
        let cloud = start(Some(&spec.join(",")), false).await;
        let output = run(deploy_command(&cloud)).await;
        assert!(output.status.success(), "{fault}: {}", stderr(&output));
        assert_converged(&cloud).await;
        let calls = cloud.calls();
        for op in COLD_WRITES {
            assert_eq!(
                calls.get(&format!("{op} (fault)")),
                Some(&7),
                "{fault}: {op} failed 7 times: {calls:?}"
            );
        }
        cloud.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eventual_consistency_errors_are_retried_up_to_the_bound() {
    // A role created moments ago, and an update still in progress, answer for a while.
    let cloud = start(
        Some("CreateFunction=role*7,AddPermission=conflict*7"),
        false,
    )
    .await;
    let output = run(deploy_command(&cloud)).await;
    assert!(output.status.success(), "{}", stderr(&output));
    assert_converged(&cloud).await;
    cloud.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn beyond_the_retry_bound_deploy_fails_clearly_and_the_next_one_converges() {
    let cloud = start(Some("CreateRestApi=throttle*8"), false).await;
    let output = run(deploy_command(&cloud)).await;
    assert_eq!(output.status.code(), Some(1));
    let message = stderr(&output);
    assert!(
        message.starts_with("error: stopped at step 7 of 14 (CreateRestApi); that looks transient (throttled, a server error or no answer): the steps before it are done, and running the same command again finishes the rest: CreateRestApi FAQ-API failed: TooManyRequestsException: Too Many Requests"),
        "{message}"
    );
    let output = run(deploy_command(&cloud)).await;
    assert!(output.status.success(), "{}", stderr(&output));
    assert_converged(&cloud).await;

    cloud.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn iam_propagation_is_waited_out_for_its_window_not_a_count_of_tries() {
    // Far more refusals than the 8 tries a count-based retry makes, within the window
    // (2 minutes, Terraform's): a role made moments ago, on create, on a role change and on
    // API Gateway's account role.
    let cloud = start(
        Some("CreateFunction=role*20,UpdateAccount=account-role*10,UpdateAccount=account-logs*10"),
        false,
    )
    .await;
    let mut deploy = deploy_command(&cloud);
    deploy.args([
        "--api-logs",
        "--apigw-logs-role-arn",
        "arn:aws:iam::123456789012:role/apigw-logs",
    ]);
    let output = run(deploy).await;
    assert!(output.status.success(), "{}", stderr(&output));
    let calls = cloud.calls();
    assert_eq!(calls["CreateFunction (fault)"], 20, "{calls:?}");
    assert_eq!(calls["UpdateAccount (fault)"], 20, "{calls:?}");
    post_faults(&cloud, "UpdateFunctionConfiguration=role*20").await;
    let mut new_role = faqctl_at(&cloud.endpoint());
    new_role.args([
        "deploy",
        "--zip",
        &zip(),
        "--role-arn",
        "arn:aws:iam::123456789012:role/a-new-role",
    ]);
    let output = run(new_role).await;
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(cloud.calls()["UpdateFunctionConfiguration (fault)"], 20);
    cloud.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_role_that_never_works_is_refused_before_anything_is_written() {
    // Beyond the window, the role is wrong, not new: CreateFunction goes first, so nothing is
    // left behind, and the message says what to fix, not "run again".
    let cloud = start(Some("CreateFunction=role*100000"), false).await;
    let mut deploy = deploy_command(&cloud);
    deploy.env("FAQCTL_IAM_WAIT_MS", "300");
    let output = run(deploy).await;
    assert_eq!(output.status.code(), Some(1));
    let message = stderr(&output);
    assert!(
        message.starts_with("error: stopped at step 1 of 14 (CreateFunction); AWS refused the input, so running the same command again will not help until it is fixed: "),
        "{message}"
    );
    assert!(message.contains("Lambda cannot assume the role arn:aws:iam::123456789012:role/faq-lambda-role: check that it exists and that its trust policy allows lambda.amazonaws.com (sts:AssumeRole), or pass another --role-arn"), "{message}");
    assert!(!message.contains("finishes the rest"), "{message}");
    let written: Vec<String> = writes(&cloud)
        .into_iter()
        .filter(|op| !op.ends_with("(fault)"))
        .collect();
    assert_eq!(written, Vec::<String>::new(), "nothing was written");
    common::admin()
        .delete(format!("{}/_faqctl/faults", cloud.endpoint()))
        .send()
        .await
        .unwrap();
    assert!(run(deploy_command(&cloud)).await.status.success());
    assert_converged(&cloud).await;
    cloud.stop().await;
}

async fn post_faults(cloud: &LocalCloud, spec: &str) {
    let response = common::admin()
        .post(format!("{}/_faqctl/faults", cloud.endpoint()))
        .body(spec.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_after_any_step_is_finished_by_the_next_deploy() {
    for step in 1..=COLD_STEPS {
        let cloud = start(None, false).await;
        let mut crashing = deploy_command(&cloud);
        crashing.env("FAQCTL_CRASH_AFTER_STEP", step.to_string());
        let output = run(crashing).await;
        assert!(!output.status.success(), "step {step}: the hook aborts");
        assert!(output.stdout.is_empty(), "step {step}: no result printed");
        let output = run(deploy_command(&cloud)).await;
        assert!(output.status.success(), "step {step}: {}", stderr(&output));
        assert_converged(&cloud).await;
        cloud.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_deploys_at_once_end_with_one_of_everything() {
    // From nothing: both read "nothing exists" before either creates anything (their first
    // reads wait for each other). Whichever way the race goes (a lost CreateFunction is
    // re-planned), one of everything remains.
    let cloud = start(Some("GetRestApis=gather:2,GetFunction=gather:2"), false).await;
    let (first, second) = tokio::join!(run(deploy_command(&cloud)), run(deploy_command(&cloud)));
    assert!(first.status.success(), "first: {}", stderr(&first));
    assert!(second.status.success(), "second: {}", stderr(&second));
    assert_converged(&cloud).await;
    cloud.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_deploys_that_both_create_the_api_keep_the_oldest() {
    let cloud = start(None, false).await;
    let first = json_ok_async(deploy_command(&cloud)).await;
    let sdk = Sdk::at(&cloud.endpoint()).await;
    sdk.apigateway
        .delete_rest_api()
        .rest_api_id(first["api_id"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    // Both find no API, so both create one: the first two GetRestApis calls are answered as
    // the state was when each arrived, and neither answer goes out before both are made, so
    // neither deploy can create its API before the other has read, whatever the machine's load
    // (a 2-second delay once proved too narrow under the full suite, and holding the calls
    // before reading let a late one read the other's new API). Whichever finishes its API
    // first may then see the other's deleted under it: that is a lost race, not a failure.
    let mut faults = common::admin().post(format!("{}/_faqctl/faults", cloud.endpoint()));
    faults = faults.body("GetRestApis=gather:2");
    assert_eq!(faults.send().await.unwrap().status(), 200);
    let (a, b) = tokio::join!(run(deploy_command(&cloud)), run(deploy_command(&cloud)));
    assert!(a.status.success(), "first: {}", stderr(&a));
    assert!(b.status.success(), "second: {}", stderr(&b));
    let both = format!(
        "{}{}",
        String::from_utf8_lossy(&a.stdout),
        String::from_utf8_lossy(&b.stdout)
    );
    assert_eq!(
        both.matches("+ create REST API FAQ-API").count(),
        2,
        "{both}\n{:?}",
        cloud.calls()
    );
    assert!(
        both.contains("(a duplicate; the oldest is kept)"),
        "the duplicate was removed and said so: {both}"
    );
    assert_converged(&cloud).await;
    cloud.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deploy_whose_new_api_is_deleted_under_it_moves_to_the_kept_one() {
    // What a racing deploy does to the one that created the newer API: deletes it between
    // CreateRestApi and PutMethod. The deploy's PutMethod is held (gathered with the test's
    // own), the API is deleted meanwhile, and then both PutMethods are served: NotFound.
    let cloud = start(Some("PutMethod=gather:2"), false).await;
    let deploy = tokio::spawn(run(deploy_command(&cloud)));
    let held = common::eventually(Duration::from_secs(60), || {
        cloud.calls().contains_key("PutMethod (fault)")
    })
    .await;
    assert!(held, "the deploy reached PutMethod: {:?}", cloud.calls());
    let sdk = Sdk::at(&cloud.endpoint()).await;
    let created = sdk.api_ids("FAQ-API").await;
    assert_eq!(created.len(), 1, "{created:?}");
    sdk.apigateway
        .delete_rest_api()
        .rest_api_id(&created[0])
        .send()
        .await
        .unwrap();
    let release = sdk
        .apigateway
        .put_method()
        .rest_api_id(&created[0])
        .resource_id("none")
        .http_method("GET")
        .authorization_type("NONE")
        .send()
        .await;
    assert!(release.is_err(), "the API is gone for the test's call too");
    let output = deploy.await.unwrap();
    assert!(
        output.status.success(),
        "a lost race is re-planned, not a failure: {}",
        stderr(&output)
    );
    assert_eq!(cloud.calls()["CreateRestApi"], 2, "{:?}", cloud.calls());
    assert_converged(&cloud).await;
    cloud.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deploy_and_destroy_stay_within_api_gateways_rate_limits() {
    let cloud = start(None, true).await;
    let slow_retries = |mut command: assert_cmd::Command| {
        command.env("FAQCTL_RETRY_BASE_MS", "500");
        command
    };
    let output = run(slow_retries(deploy_command(&cloud))).await;
    assert!(output.status.success(), "{}", stderr(&output));
    let mut destroy = faqctl_at(&cloud.endpoint());
    destroy.args(["destroy", "--yes"]);
    assert!(run(slow_retries(destroy)).await.status.success());
    // Within 3 s of the first CreateRestApi and 5 s of the first CreateDeployment.
    let output = run(slow_retries(deploy_command(&cloud))).await;
    assert!(output.status.success(), "{}", stderr(&output));
    let calls = cloud.calls();
    let throttled: u64 = calls
        .iter()
        .filter(|(op, _)| op.ends_with("(throttled)"))
        .map(|(_, n)| n)
        .sum();
    assert!(
        throttled >= 1,
        "the limits were reached and waited out: {calls:?}"
    );
    assert_eq!(calls["CreateDeployment"], 2);
    assert_converged(&cloud).await;
    cloud.stop().await;
}

/// A deploy right after another meets CreateDeployment's quota (1 per 5 s per account): it
/// waits once, as long as API Gateway's 429 says (`Retry-After`), then deploys. The SDK's own
/// jittered backoff would have tried three times or more in those seconds, and could run out
/// of tries before the quota freed up.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deploy_right_after_another_waits_what_the_deployment_quota_asks() {
    let cloud = start(None, true).await;
    let output = run(deploy_command(&cloud)).await;
    assert!(output.status.success(), "{}", stderr(&output));
    // A method's authorization changes: a new deployment, within a second or two of the last.
    let mut signed = deploy_command(&cloud);
    signed.args(["--auth", "iam"]);
    let output = run(signed).await;
    assert!(output.status.success(), "{}", stderr(&output));
    let calls = cloud.calls();
    assert_eq!(calls["CreateDeployment"], 2, "{calls:?}");
    assert_eq!(
        calls.get("CreateDeployment (throttled)"),
        Some(&1),
        "one wait, as long as the 429 asked: {calls:?}"
    );
    cloud.stop().await;
}

/// The operations that change something, from the local cloud's counts.
fn writes(cloud: &LocalCloud) -> Vec<String> {
    let reads = ["Get", "Describe", "Filter", "List", "Execute", "Invoke"];
    cloud
        .calls()
        .into_keys()
        .filter(|op| !reads.iter().any(|r| op.starts_with(r)))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_is_refused_with_a_clear_error_and_no_write_call() {
    let cloud = start(None, false).await;
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, bytes: &[u8]| {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        path.display().to_string()
    };
    let elf = common::bootstrap_binary();
    let mut arm = elf.clone();
    arm[18..20].copy_from_slice(&183u16.to_le_bytes());
    let make_zip = |entries: &[(&str, u32, &[u8])]| faqctl::package::write_zip(entries).unwrap();
    let bad_faq = write(
        "bad.json",
        br#"{"service":"s","reference":"r","questions":[]}"#,
    );
    let big_faq = write("big.json", &vec![b' '; 1024 * 1024 + 1]);
    let not_zip = write("not.zip", b"this is not a zip");
    let no_bootstrap = write("nob.zip", &make_zip(&[("main", 0o755, &elf)]));
    let not_exec = write("noexec.zip", &make_zip(&[("bootstrap", 0o644, &elf)]));
    let script = write(
        "script.zip",
        &make_zip(&[("bootstrap", 0o755, b"#!/bin/sh\n")]),
    );
    let wrong_arch = write("arm.zip", &make_zip(&[("bootstrap", 0o755, &arm)]));
    let mut huge = vec![0u8; 51 * 1024 * 1024];
    fastrand::fill(&mut huge);
    let too_big = write("huge.zip", &huge);
    let z = |path: &str| vec!["--zip".to_string(), path.to_string()];
    let with_role = |mut args: Vec<String>| {
        args.extend(["--role-arn".to_string(), ROLE_ARN.to_string()]);
        args
    };
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            vec![
                "--faq".into(),
                bad_faq.clone(),
                "--role-arn".into(),
                ROLE_ARN.into(),
            ],
            "bad.json: questions is empty",
        ),
        (
            vec![
                "--faq".into(),
                big_faq.clone(),
                "--role-arn".into(),
                ROLE_ARN.into(),
            ],
            "big.json: is 1048577 bytes, more than the 1048576 bytes allowed",
        ),
        (with_role(z(&not_zip)), "not.zip: not a zip archive"),
        (
            with_role(z(&no_bootstrap)),
            "nob.zip: no `bootstrap` at the root of the zip",
        ),
        (
            with_role(z(&not_exec)),
            "noexec.zip: `bootstrap` is not executable",
        ),
        (
            with_role(z(&script)),
            "script.zip: `bootstrap` is not an ELF executable",
        ),
        (
            with_role(z(&wrong_arch)),
            "arm.zip: `bootstrap` is built for AARCH64",
        ),
        (
            with_role(z(&too_big)),
            "huge.zip: 53477376 bytes zipped, over Lambda's limit of 52428800 bytes",
        ),
        (
            vec![
                "--zip".into(),
                zip(),
                "--role-arn".into(),
                "arn:aws:iam::1:role/x".into(),
            ],
            "--role-arn \"arn:aws:iam::1:role/x\" is not an IAM role ARN",
        ),
        (
            vec!["--zip".into(), zip(), "--region".into(), "us_east_1".into()],
            "region \"us_east_1\" is not an AWS region name",
        ),
        (
            vec![
                "--zip".into(),
                zip(),
                "--function-name".into(),
                "FAQ!".into(),
            ],
            "--function-name \"FAQ!\" is not a valid Lambda function name",
        ),
        (
            vec!["--zip".into(), zip(), "--api-name".into(), "".into()],
            "--api-name \"\" is not a valid REST API name",
        ),
        (
            vec!["--zip".into(), zip(), "--stage".into(), "my.stage".into()],
            "--stage \"my.stage\" is not a valid stage name",
        ),
    ];
    for (args, expected) in cases {
        let mut command = faqctl_at(&cloud.endpoint());
        command.arg("deploy").args(&args);
        let output = run(command).await;
        assert_eq!(output.status.code(), Some(1), "{args:?}");
        assert!(output.stdout.is_empty(), "{args:?}");
        let message = stderr(&output);
        assert!(
            message.starts_with("error: ") && message.contains(expected),
            "{args:?}\n  expected {expected}\n  got {message}"
        );
        assert_eq!(
            writes(&cloud),
            Vec::<String>::new(),
            "{args:?} made a write call"
        );
    }

    // An endpoint where nothing listens fails at once, naming it.
    let port = common::free_port();
    let started = Instant::now();
    let output = run({
        let mut command = faqctl_at(&format!("http://127.0.0.1:{port}"));
        command.args(["deploy", "--zip", &zip(), "--role-arn", ROLE_ARN]);
        command
    })
    .await;
    assert_eq!(output.status.code(), Some(1));
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "no hang: {:?}",
        started.elapsed()
    );
    assert!(
        stderr(&output).starts_with(&format!(
            "error: cannot reach http://127.0.0.1:{port}: Connection refused"
        )),
        "{}",
        stderr(&output)
    );
    cloud.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_local_cloud_answers_bad_requests_as_aws_would_and_keeps_serving() {
    let cloud = start(None, false).await;
    let client = reqwest::Client::new();
    let endpoint = cloud.endpoint();
    let signed = |service: &str| {
        format!("AWS4-HMAC-SHA256 Credential=test/20261124/us-east-1/{service}/aws4_request, SignedHeaders=host, Signature=0")
    };
    let healthy = || async {
        let response = common::admin()
            .get(format!("{endpoint}/_faqctl/health"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "the server keeps serving");
    };

    let response = client
        .post(format!("{endpoint}/2015-03-31/functions"))
        .header("authorization", signed("lambda"))
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    // Lambda's model: InvalidRequestContentException, "The request body could not be parsed
    // as JSON".
    assert_eq!(
        response.headers()["x-amzn-errortype"],
        "InvalidRequestContentException"
    );
    let response = client
        .get(format!("{endpoint}/2015-03-31/no/such/thing"))
        .header("authorization", signed("lambda"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    assert_eq!(
        response.headers()["x-amzn-errortype"],
        "UnknownOperationException"
    );
    let response = client
        .post(format!("{endpoint}/"))
        .header("authorization", signed("logs"))
        .header("x-amz-target", "Logs_20140328.Explode")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: serde_json::Value = serde_json::from_str(&response.text().await.unwrap()).unwrap();
    assert_eq!(body["__type"], "UnknownOperationException");
    let response = client
        .post(format!("{endpoint}/"))
        .header("authorization", signed("sqs"))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    healthy().await;

    json_ok_async(deploy_command(&cloud)).await;
    let sdk = Sdk::at(&endpoint).await;
    // An Invoke payload over 6 MB.
    let big = format!("{{\"x\":\"{}\"}}", "a".repeat(6 * 1024 * 1024 + 1));
    let error = sdk
        .lambda
        .invoke()
        .function_name("FAQ")
        .payload(Blob::new(big))
        .send()
        .await
        .unwrap_err();
    assert!(error.into_service_error().is_request_too_large_exception());

    // A symlink in the zip.
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    writer
        .add_symlink(
            "bootstrap",
            "/bin/sh",
            zip::write::SimpleFileOptions::default(),
        )
        .unwrap();
    let link = writer.finish().unwrap().into_inner();
    let error = sdk
        .lambda
        .update_function_code()
        .function_name("FAQ")
        .zip_file(Blob::new(link))
        .send()
        .await
        .unwrap_err();
    assert!(error
        .into_service_error()
        .is_invalid_parameter_value_exception());

    // A bootstrap that floods its output, then answers: the invocation completes, bounded.
    let flood = common::script_zip(
        r#"yes 'flood flood flood' | head -n 200000; post /2018-06-01/runtime/invocation/$id/response '{"statusCode":200,"body":"done"}'"#,
    );
    sdk.replace_code(flood).await;
    let response = sdk
        .lambda
        .invoke()
        .function_name("FAQ")
        .send()
        .await
        .unwrap();
    assert_eq!(response.function_error(), None);
    healthy().await;

    // A bootstrap that never calls /next: the invocation times out, the server serves on.
    sdk.set_timeout(1).await;
    let idle =
        faqctl::package::write_zip(&[("bootstrap", 0o755, b"#!/bin/bash\nsleep 600\n".as_slice())])
            .unwrap();
    sdk.replace_code(idle).await;
    let (invoked, _) = tokio::join!(sdk.lambda.invoke().function_name("FAQ").send(), healthy());
    let invoked = invoked.unwrap();
    assert_eq!(invoked.function_error(), Some("Unhandled"));
    assert!(String::from_utf8_lossy(invoked.payload().unwrap().as_ref())
        .contains("Task timed out after 1.00 seconds"));
    cloud.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_credential_or_secret_ever_appears_in_output_logs_or_state() {
    const SECRET: &str = "wJalrXUtnFEMI-FAKE-SECRET-8d1f0c";
    const TOKEN: &str = "FAKE-SESSION-TOKEN-5f2e9a";
    let state = tempfile::tempdir().unwrap();
    let cloud = common::local_cloud(LocalConfig {
        state_dir: Some(state.path().to_path_buf()),
        ..LocalConfig::default()
    })
    .await;
    let with_secret = |args: &[&str]| {
        let mut command = faqctl_at(&cloud.endpoint());
        command
            .env("AWS_SECRET_ACCESS_KEY", SECRET)
            .env("AWS_SESSION_TOKEN", TOKEN)
            .args(args);
        command
    };
    let zip = zip();
    let mut everything = String::new();
    for args in [
        vec!["deploy", "--zip", &zip, "--role-arn", ROLE_ARN],
        vec!["deploy", "--zip", &zip, "--output", "json"],
        vec!["plan", "--zip", &zip, "--output", "json"],
        vec!["invoke", "--log"],
        vec!["invoke", "--log", "--output", "json"],
        vec!["invoke", "--http"],
        vec!["logs"],
        vec!["deploy", "--zip", "missing.zip"],
        vec!["deploy", "--zip", &zip, "--role-arn", "not-an-arn"],
    ] {
        let output = run(with_secret(&args)).await;
        everything.push_str(&String::from_utf8_lossy(&output.stdout));
        everything.push_str(&String::from_utf8_lossy(&output.stderr));
    }
    // A function that prints its whole environment: the caller's credentials never reach it.
    let sdk = Sdk::at(&cloud.endpoint()).await;
    let env_dump = common::script_zip(
        r#"env; post /2018-06-01/runtime/invocation/$id/response '{"statusCode":200,"body":"ok"}'"#,
    );
    sdk.replace_code(env_dump).await;
    let output = run(with_secret(&["invoke", "--log"])).await;
    let log = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(
        log.contains("AWS_LAMBDA_FUNCTION_NAME=FAQ"),
        "the function's environment was printed: {log}"
    );
    everything.push_str(&log);
    let logs = run(with_secret(&["logs", "--output", "json"])).await;
    everything.push_str(&String::from_utf8_lossy(&logs.stdout));
    cloud.stop().await;
    for entry in walk(state.path()) {
        everything.push_str(&String::from_utf8_lossy(&std::fs::read(entry).unwrap()));
    }
    assert!(
        everything.contains("Quote selected"),
        "the checks saw real output"
    );
    assert!(!everything.contains(SECRET), "the secret key leaked");
    assert!(!everything.contains(TOKEN), "the session token leaked");
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}
