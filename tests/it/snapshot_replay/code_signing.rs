//! Lambda's code signing configs, replayed from LocalStack's test_lambda_api.py
//! (TestCodeSigningConfig, and the function-level not-found cases of TestLambdaFunction).

use serde_json::json;

use super::apigateway_lambda::function;
use super::PYTHON_ECHO;
use super::{Answer, Replay, Service};

const API: &str = "lambda_-test_lambda_api.snapshot.json";

/// A config's path, its ARN percent-encoded as boto3 writes a URI member.
fn config_path(arn: &str, rest: &str) -> String {
    format!(
        "/2020-04-22/code-signing-configs/{}{rest}",
        arn.replace(':', "%3A").replace('/', "%2F")
    )
}

/// A function's code signing config's path.
fn function_path(name: &str) -> String {
    format!("/2020-06-30/functions/{name}/code-signing-config")
}

/// CreateCodeSigningConfig as both tests make it: one signing profile, `Enforce`.
async fn create_config(replay: &Replay) -> Answer {
    let body = json!({
        "Description": "Testing CodeSigning Config",
        "AllowedPublishers": {
            "SigningProfileVersionArns": [
                "arn:aws:signer:us-east-1:000000000000:/signing-profiles/test"
            ]
        },
        "CodeSigningPolicies": { "UntrustedArtifactOnDeployment": "Enforce" },
    });
    replay
        .call(
            Service::Lambda,
            "POST",
            "/2020-04-22/code-signing-configs",
            Some(body),
        )
        .await
}

/// The ARN CreateCodeSigningConfig answered.
fn arn_of(created: &Answer) -> String {
    created.body["CodeSigningConfig"]["CodeSigningConfigArn"]
        .as_str()
        .unwrap()
        .to_string()
}

/// test_lambda_api.py::TestCodeSigningConfig::test_function_code_signing_config: a config
/// created, updated, read, put on a function and read there, listed, listed by, and deleted.
#[tokio::test]
async fn a_code_signing_config_lives_as_recorded() {
    let mut replay = Replay::start(
        API,
        "TestCodeSigningConfig::test_function_code_signing_config",
    )
    .await;
    let name = "lambda_func-c5c1";
    function(&replay, name, "handler", PYTHON_ECHO).await;
    let created = create_config(&replay).await;
    replay.check("create_code_signing_config", &created);
    let arn = arn_of(&created);
    let path = config_path(&arn, "");
    // A config is tagged by its ARN (unrecorded: the test tags none).
    let tags = format!("/2017-03-31/tags/{arn}");
    let tagged = replay
        .call(
            Service::Lambda,
            "POST",
            &tags,
            Some(json!({ "Tags": { "A": "a" } })),
        )
        .await;
    assert_eq!(tagged.status, 204, "{tagged:?}");
    let listed = replay.call(Service::Lambda, "GET", &tags, None).await;
    assert_eq!(listed.body, json!({ "Tags": { "A": "a" } }));
    let body = json!({ "CodeSigningPolicies": { "UntrustedArtifactOnDeployment": "Warn" } });
    let updated = replay.call(Service::Lambda, "PUT", &path, Some(body)).await;
    replay.check("update_code_signing_config", &updated);
    let got = replay.call(Service::Lambda, "GET", &path, None).await;
    replay.check("get_code_signing_config", &got);
    let body = json!({ "CodeSigningConfigArn": arn });
    let put = replay
        .call(Service::Lambda, "PUT", &function_path(name), Some(body))
        .await;
    replay.check("put_function_code_signing_config", &put);
    let got = replay
        .call(Service::Lambda, "GET", &function_path(name), None)
        .await;
    replay.check("get_function_code_signing_config", &got);
    let mut listed = replay
        .call(
            Service::Lambda,
            "GET",
            "/2020-04-22/code-signing-configs",
            None,
        )
        .await;
    // The test records the list's last config alone.
    listed.body = listed.body["CodeSigningConfigs"]
        .as_array()
        .and_then(|configs| configs.last())
        .cloned()
        .unwrap_or_default();
    let recorded = replay.recorded["list_code_signing_configs"].clone();
    let mut expected = json!({ "ResponseMetadata": { "HTTPStatusCode": 200 } });
    for (member, value) in recorded.as_object().unwrap() {
        expected[member] = value.clone();
    }
    replay.check_against("list_code_signing_configs", expected, &listed);
    let by = replay
        .call(
            Service::Lambda,
            "GET",
            &config_path(&arn, "/functions"),
            None,
        )
        .await;
    replay.check("list_functions_by_code_signing_config", &by);
    // Not deleted while a function uses it (AWS's reference; unrecorded).
    let in_use = replay.call(Service::Lambda, "DELETE", &path, None).await;
    assert_eq!(
        (in_use.status, in_use.code.as_deref()),
        (409, Some("ResourceConflictException")),
        "{in_use:?}"
    );
    let deleted = replay
        .call(Service::Lambda, "DELETE", &function_path(name), None)
        .await;
    replay.check("delete_function_code_signing_config", &deleted);
    let deleted = replay.call(Service::Lambda, "DELETE", &path, None).await;
    replay.check("delete_code_signing_config", &deleted);
    // Gone: read again, it is not found; nor are its tags.
    let tags = replay
        .call(
            Service::Lambda,
            "GET",
            &format!("/2017-03-31/tags/{arn}"),
            None,
        )
        .await;
    assert_eq!(tags.status, 404, "{tags:?}");
    let gone = replay.call(Service::Lambda, "GET", &path, None).await;
    assert_eq!(gone.status, 404, "{gone:?}");
    replay.stop().await;
}

/// test_lambda_api.py::TestCodeSigningConfig::test_code_signing_not_found_excs: a config or a
/// function that is not there, for each operation, in Lambda's words; the config looked for
/// before the function.
#[tokio::test]
async fn code_signing_configs_not_found_are_refused_as_recorded() {
    let mut replay = Replay::start(
        API,
        "TestCodeSigningConfig::test_code_signing_not_found_excs",
    )
    .await;
    let name = "lambda_func-c5c2";
    let missing = "csc-test-doesnotexist";
    function(&replay, name, "handler", PYTHON_ECHO).await;
    let created = create_config(&replay).await;
    replay.check("create_code_signing_config", &created);
    let arn = arn_of(&created);
    let invalid = format!("{}x", &arn[..arn.len() - 1]);
    let invalid_path = config_path(&invalid, "");
    let calls = vec![
        ("delete_csc_notfound", "DELETE", invalid_path.clone(), None),
        (
            "nothing_to_delete_response",
            "DELETE",
            function_path(name),
            None,
        ),
        (
            "delete_function_csc_fnnotfound",
            "DELETE",
            function_path(missing),
            None,
        ),
        (
            "put_function_csc_invalid_fnname",
            "PUT",
            function_path(missing),
            Some(json!({ "CodeSigningConfigArn": arn })),
        ),
        (
            "put_function_csc_invalid_csc_arn",
            "PUT",
            function_path(name),
            Some(json!({ "CodeSigningConfigArn": invalid })),
        ),
        (
            "put_function_csc_invalid_both",
            "PUT",
            function_path(missing),
            Some(json!({ "CodeSigningConfigArn": invalid })),
        ),
        (
            "update_csc_invalid_csc_arn",
            "PUT",
            invalid_path.clone(),
            Some(json!({ "Description": "new-description" })),
        ),
        (
            "update_csc_noupdates",
            "PUT",
            invalid_path.clone(),
            Some(json!({})),
        ),
        (
            "update_csc_noupdate_response",
            "PUT",
            config_path(&arn, ""),
            Some(json!({})),
        ),
        ("get_csc_invalid", "GET", invalid_path.clone(), None),
        (
            "get_function_csc_fnwithoutcsc",
            "GET",
            function_path(name),
            None,
        ),
        (
            "get_function_csc_nonexistingfn",
            "GET",
            function_path(missing),
            None,
        ),
        (
            "list_functions_by_csc_fnwithoutcsc",
            "GET",
            config_path(&arn, "/functions"),
            None,
        ),
        (
            "list_functions_by_csc_invalid_cscarn",
            "GET",
            config_path(&invalid, "/functions"),
            None,
        ),
    ];
    replay.check_calls(Service::Lambda, calls).await;
    replay.stop().await;
}

/// test_lambda_api.py::TestLambdaFunction::test_get_function_wrong_region and
/// test_ops_on_nonexisting_fn, [get_function_code_signing_config]: another region's function
/// ARN is not reachable; a function that is not there is not found.
#[tokio::test]
async fn a_function_code_signing_config_elsewhere_is_not_found_as_recorded() {
    let mut replay = Replay::start(
        API,
        "TestLambdaFunction::test_get_function_wrong_region[get_function_code_signing_config]",
    )
    .await;
    function(&replay, "i-exist-c5c3", "handler", PYTHON_ECHO).await;
    let elsewhere = "arn:aws:lambda:eu-central-1:000000000000:function:i-exist-c5c3";
    let answer = replay
        .call(Service::Lambda, "GET", &function_path(elsewhere), None)
        .await;
    replay.check("wrong_region_exception", &answer);
    replay.stop().await;

    let mut replay = Replay::start(
        API,
        "TestLambdaFunction::test_ops_on_nonexisting_fn[get_function_code_signing_config]",
    )
    .await;
    let answer = replay
        .call(
            Service::Lambda,
            "GET",
            &function_path("i-dont-exist-c5c4"),
            None,
        )
        .await;
    replay.check("not_found_exception", &answer);
    replay.stop().await;
}

/// CreateFunction (`CodeSigningConfigArn`) or UpdateFunctionCode of `name`, its code a zip in
/// the request, as the SDKs send it.
async fn deploy(replay: &Replay, name: &str, config: Option<&str>) -> Answer {
    use base64::Engine;
    let zip = faqctl::package::write_zip(&[("handler.py", 0o644, PYTHON_ECHO.as_bytes())]).unwrap();
    let zip = base64::engine::general_purpose::STANDARD.encode(zip);
    match config {
        Some(config) => {
            let body = json!({
                "FunctionName": name,
                "Runtime": "python3.12",
                "Handler": "handler.handler",
                "Role": "arn:aws:iam::000000000000:role/lambda-replay-role",
                "Code": { "ZipFile": zip },
                "CodeSigningConfigArn": config,
            });
            let path = "/2015-03-31/functions";
            replay.call(Service::Lambda, "POST", path, Some(body)).await
        }
        None => {
            let path = format!("/2015-03-31/functions/{name}/code");
            let body = json!({ "ZipFile": zip });
            replay.call(Service::Lambda, "PUT", &path, Some(body)).await
        }
    }
}

/// A deployment is held to its function's config (unrecorded: no recording deploys under
/// one): a config that is not there refused as Put refuses it; under `Enforce` the code, never
/// signed in a request's zip, refused in the words AWS reports; under `Warn` taken.
#[tokio::test]
async fn a_deployment_is_held_to_its_code_signing_config() {
    let replay = Replay::start(
        API,
        "TestCodeSigningConfig::test_function_code_signing_config",
    )
    .await;
    let arn = arn_of(&create_config(&replay).await);
    // Another last hex digit: a config that is well-formed and not there.
    let other = if arn.ends_with('0') { '1' } else { '0' };
    let missing = format!("{}{other}", &arn[..arn.len() - 1]);
    let refused = deploy(&replay, "signed-c5c6", Some(&missing)).await;
    assert_eq!(
        (refused.status, refused.code.as_deref()),
        (404, Some("CodeSigningConfigNotFoundException")),
        "{refused:?}"
    );
    let refused = deploy(&replay, "signed-c5c6", Some(&arn)).await;
    assert_eq!(
        (refused.status, refused.code.as_deref()),
        (400, Some("CodeVerificationFailedException")),
        "{refused:?}"
    );
    assert_eq!(
        refused.body["Message"],
        "Lambda cannot deploy the function. The function or layer might be signed using a signature that the client is not configured to accept. Check the provided signature for signed-c5c6."
    );
    let policy =
        |p: &str| Some(json!({ "CodeSigningPolicies": { "UntrustedArtifactOnDeployment": p } }));
    let path = config_path(&arn, "");
    replay
        .call(Service::Lambda, "PUT", &path, policy("Warn"))
        .await;
    let created = deploy(&replay, "signed-c5c6", Some(&arn)).await;
    assert_eq!(created.status, 201, "{created:?}");
    let got = replay
        .call(Service::Lambda, "GET", &function_path("signed-c5c6"), None)
        .await;
    assert_eq!(got.body["CodeSigningConfigArn"], json!(arn), "{got:?}");
    replay
        .call(Service::Lambda, "PUT", &path, policy("Enforce"))
        .await;
    let refused = deploy(&replay, "signed-c5c6", None).await;
    assert_eq!(refused.status, 400, "{refused:?}");
    replay.stop().await;
}
