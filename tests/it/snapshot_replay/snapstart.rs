//! SnapStart's control plane, replayed from LocalStack's test_lambda_api.py
//! (TestLambdaSnapStart): every runtime recorded, Java and .NET included. None of these tests
//! invokes the function, so a Java or .NET function's code is a zip of one file (the local
//! cloud asks a `bootstrap` of provided.* code only); the recordings stand a placeholder in
//! for the code's hash and size.

use serde_json::{json, Value};

use super::{Answer, Replay, Service};
use crate::common;

const API: &str = "lambda_-test_lambda_api.snapshot.json";

/// The runtimes recorded, with the handler LocalStack's `echo` scenario gives each.
const RUNTIMES: &[(&str, &str)] = &[
    ("java11", "echo.Handler"),
    ("java17", "echo.Handler"),
    ("java21", "echo.Handler"),
    ("java25", "echo.Handler"),
    ("python3.12", "handler.handler"),
    ("python3.13", "handler.handler"),
    ("dotnet8", "dotnet::Dotnet.Function::FunctionHandler"),
    ("dotnet10", "dotnet::Dotnet.Function::FunctionHandler"),
];

fn code(runtime: &str) -> String {
    use base64::Engine;
    let zip = if runtime.starts_with("python") {
        faqctl::package::write_zip(&[(
            "handler.py",
            0o644,
            b"def handler(event, context):\n    return event\n",
        )])
        .unwrap()
    } else {
        faqctl::package::write_zip(&[("README", 0o644, b"never invoked\n")]).unwrap()
    };
    base64::engine::general_purpose::STANDARD.encode(zip)
}

/// As LocalStack's `multiruntime_lambda.create_function(MemorySize=1024, Timeout=5)`, with
/// `extra` members.
async fn create_function(
    replay: &Replay,
    name: &str,
    runtime: &str,
    handler: &str,
    extra: Value,
) -> Answer {
    let mut body = json!({
        "FunctionName": name,
        "Runtime": runtime,
        "Handler": handler,
        "Role": "arn:aws:iam::000000000000:role/lambda-replay-role",
        "MemorySize": 1024,
        "Timeout": 5,
        "Code": { "ZipFile": code(runtime) },
    });
    for (member, value) in extra.as_object().unwrap() {
        body[member] = value.clone();
    }
    replay
        .call(Service::Lambda, "POST", "/2015-03-31/functions", Some(body))
        .await
}

/// Waits (bounded) until the function (or a version of it) is Active and its last change
/// applied, as the SDK's waiters do.
async fn settled(replay: &Replay, name: &str) {
    let path = format!("/2015-03-31/functions/{name}/configuration");
    let settled = common::until(std::time::Duration::from_secs(30), || async {
        let answer = replay.call(Service::Lambda, "GET", &path, None).await;
        answer.body["State"] == "Active" && answer.body["LastUpdateStatus"] == "Successful"
    })
    .await;
    assert!(settled, "{name} did not settle");
}

/// test_snapstart_lifecycle[RUNTIME]: created, a version published, both read back.
#[tokio::test]
async fn snapstart_is_answered_on_functions_and_versions_as_recorded() {
    for (runtime, handler) in RUNTIMES {
        let test = format!("TestLambdaSnapStart::test_snapstart_lifecycle[{runtime}]");
        let mut replay = Replay::start(API, &test).await;
        let name = format!("snapstart-{}", runtime.replace('.', "-"));
        let created = create_function(&replay, &name, runtime, handler, json!({})).await;
        replay.check("create_function_response", &created);
        settled(&replay, &name).await;
        let path = format!("/2015-03-31/functions/{name}/versions");
        let published = replay
            .call(
                Service::Lambda,
                "POST",
                &path,
                Some(json!({ "Description": "version1" })),
            )
            .await;
        assert_eq!(published.status, 201, "{published:?}");
        settled(&replay, &format!("{name}:1")).await;
        let latest = replay
            .call(
                Service::Lambda,
                "GET",
                &format!("/2015-03-31/functions/{name}"),
                None,
            )
            .await;
        replay.check("get_function_response_latest", &latest);
        let version = replay
            .call(
                Service::Lambda,
                "GET",
                &format!("/2015-03-31/functions/{name}:1"),
                None,
            )
            .await;
        replay.check("get_function_response_version_1", &version);
        replay.stop().await;
    }
}

/// test_snapstart_update_function_configuration[RUNTIME]: `ApplyOn: PublishedVersions` set by
/// an update, `$LATEST` answering it with `OptimizationStatus` `Off`.
#[tokio::test]
async fn snapstart_is_turned_on_by_an_update_as_recorded() {
    for (runtime, handler) in RUNTIMES {
        let test =
            format!("TestLambdaSnapStart::test_snapstart_update_function_configuration[{runtime}]");
        let mut replay = Replay::start(API, &test).await;
        let name = format!("snapstart-update-{}", runtime.replace('.', "-"));
        let created = create_function(&replay, &name, runtime, handler, json!({})).await;
        replay.check("create_function_response", &created);
        settled(&replay, &name).await;
        let path = format!("/2015-03-31/functions/{name}/configuration");
        let body = json!({ "SnapStart": { "ApplyOn": "PublishedVersions" } });
        let updated = replay.call(Service::Lambda, "PUT", &path, Some(body)).await;
        replay.check("update_function_response", &updated);
        replay.stop().await;
    }
}

/// test_snapstart_exceptions: an `ApplyOn` outside the enum, refused with AWS's order of its
/// values.
#[tokio::test]
async fn a_snapstart_setting_outside_the_enum_is_refused_as_recorded() {
    let mut replay = Replay::start(API, "TestLambdaSnapStart::test_snapstart_exceptions").await;
    let answer = create_function(
        &replay,
        "invalid-function-snapstart",
        "java21",
        "cloud.localstack.sample.LambdaHandlerWithLib",
        json!({ "SnapStart": { "ApplyOn": "invalidOption" } }),
    )
    .await;
    replay.check("create_function_invalid_snapstart_apply", &answer);
    replay.stop().await;
}

/// Beyond the recordings (the API reference's SnapStartResponse): a version published while
/// SnapStart applies is `On`; `$LATEST` stays `Off`; a runtime that does not take SnapStart
/// refuses it, in the words AWS answers (quoted from AWS in LocalStack's pull request #12458).
#[tokio::test]
async fn a_version_published_with_snapstart_is_optimized() {
    let replay = Replay::start(API, "TestLambdaSnapStart::test_snapstart_exceptions").await;
    let name = "snapstart-on";
    let on = json!({ "SnapStart": { "ApplyOn": "PublishedVersions" } });
    let created = create_function(&replay, name, "java21", "echo.Handler", on.clone()).await;
    assert_eq!(created.status, 201, "{created:?}");
    assert_eq!(
        created.body["SnapStart"],
        json!({ "ApplyOn": "PublishedVersions", "OptimizationStatus": "Off" })
    );
    settled(&replay, name).await;
    let path = format!("/2015-03-31/functions/{name}/versions");
    let published = replay
        .call(Service::Lambda, "POST", &path, Some(json!({})))
        .await;
    assert_eq!(
        published.body["SnapStart"],
        json!({ "ApplyOn": "PublishedVersions", "OptimizationStatus": "On" })
    );
    let refused =
        create_function(&replay, "snapstart-node", "nodejs22.x", "index.handler", on).await;
    assert_eq!(refused.status, 400, "{refused:?}");
    assert_eq!(
        refused.body["message"],
        "nodejs22.x is not supported for SnapStart enabled functions."
    );
    replay.stop().await;
}
