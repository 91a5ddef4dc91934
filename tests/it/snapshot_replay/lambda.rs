//! Lambda's recorded tests (LocalStack's `tests/aws/services/lambda_/`).

use serde_json::{json, Value};

use super::{Answer, Replay, Service};
use crate::common;
use faqctl::local::LocalConfig;

/// A Python 3.12 function, with `extra` members: as LocalStack's `create_lambda_function`
/// fixture makes one (`fixture`), or with only what the test passes to CreateFunction.
async fn create_function(replay: &Replay, name: &str, extra: Value) -> Answer {
    let mut body = json!({
        "FunctionName": name,
        "Runtime": "python3.12",
        "Handler": "handler.handler",
        "Role": "arn:aws:iam::000000000000:role/lambda-replay-role",
        "Code": { "ZipFile": zip_base64("echo") },
    });
    for (member, value) in extra.as_object().unwrap() {
        body[member] = value.clone();
    }
    replay
        .call(Service::Lambda, "POST", "/2015-03-31/functions", Some(body))
        .await
}

/// What LocalStack's `create_lambda_function` fixture adds (its `testutil`): a 30 s timeout
/// and an empty `Environment`.
fn fixture() -> Value {
    json!({ "Timeout": 30, "Environment": { "Variables": {} } })
}

fn base64_of(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn zip_base64(marker: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(common::script_zip(&format!(
        "printf '{{\"{marker}\":1}}' > /tmp/out"
    )))
}

/// Waits (bounded) until the function's last change is applied, as the SDK's
/// `function_updated_v2` / `function_active_v2` waiters do.
async fn settled(replay: &Replay, name: &str) {
    let path = format!("/2015-03-31/functions/{name}/configuration");
    let settled = common::until(std::time::Duration::from_secs(30), || async {
        let answer = replay.call(Service::Lambda, "GET", &path, None).await;
        answer.body["State"] == "Active" && answer.body["LastUpdateStatus"] == "Successful"
    })
    .await;
    assert!(settled, "{name} did not settle");
}

/// test_lambda_api.py::TestLambdaFunction::test_lambda_concurrent_config_updates and
/// ..._code_updates: a second update while the first is applied is a 409 in Lambda's words.
#[tokio::test]
async fn a_second_update_while_one_is_applied_is_refused_as_recorded() {
    for (test, code) in [
        (
            "TestLambdaFunction::test_lambda_concurrent_config_updates",
            false,
        ),
        (
            "TestLambdaFunction::test_lambda_concurrent_code_updates",
            true,
        ),
    ] {
        // Each change takes two seconds to apply, as AWS takes a moment: the second update
        // comes while the first is in progress.
        let mut replay = Replay::start_with(
            "lambda_-test_lambda_api.snapshot.json",
            test,
            LocalConfig {
                settle: std::time::Duration::from_secs(2),
                ..LocalConfig::default()
            },
        )
        .await;
        let name = "test-lambda-concurrent";
        // The code-update test creates its function by CreateFunction itself: no
        // Environment, the default timeout.
        let extra = if code { json!({}) } else { fixture() };
        let created = create_function(&replay, name, extra).await;
        if code {
            replay.check("create-function-response", &created);
        } else {
            replay.check_in(
                "create-function-response",
                "CreateFunctionResponse",
                &created,
            );
        }
        settled(&replay, name).await;
        let update = |variable: &'static str| {
            let (path, body) = if code {
                (
                    format!("/2015-03-31/functions/{name}/code"),
                    json!({ "ZipFile": zip_base64(variable) }),
                )
            } else {
                (
                    format!("/2015-03-31/functions/{name}/configuration"),
                    json!({ "Environment": { "Variables": { "TEST": variable } } }),
                )
            };
            let replay = &replay;
            async move { replay.call(Service::Lambda, "PUT", &path, Some(body)).await }
        };
        let first = update("TEST1").await;
        assert_eq!(first.status, 200, "{first:?}");
        let second = update("TEST2").await;
        replay.check("update-during-in-progress-update-exc", &second);
        replay.stop().await;
    }
}

/// test_lambda_api.py::TestLambdaFunction::test_create_lambda_exceptions and
/// test_update_lambda_exceptions: a role, a runtime, architectures and a zip Lambda refuses,
/// each in its words.
#[tokio::test]
async fn a_functions_bad_settings_are_refused_as_recorded() {
    let mut replay = Replay::start(
        "lambda_-test_lambda_api.snapshot.json",
        "TestLambdaFunction::test_create_lambda_exceptions",
    )
    .await;
    let name = "invalid-function";
    for (key, extra) in [
        ("invalid_role_arn_exc", json!({ "Role": "r1" })),
        (
            "invalid_runtime_exc",
            json!({ "Runtime": "non-existent-runtime" }),
        ),
        ("uppercase_runtime_exc", json!({ "Runtime": "PYTHON3.9" })),
        (
            "multiple_architectures",
            json!({ "Architectures": ["x86_64", "arm64"] }),
        ),
        (
            "uppercase_architecture",
            json!({ "Architectures": ["X86_64"] }),
        ),
        (
            "invalid_zip_exc",
            json!({
                "Runtime": "python3.9",
                "Code": { "ZipFile": base64_of(b"this is not a zipfile, just a random string") },
            }),
        ),
    ] {
        let mut extra = extra;
        extra["Handler"] = json!("index.handler");
        extra["PackageType"] = json!("Zip");
        let answer = create_function(&replay, name, extra).await;
        replay.check(key, &answer);
    }
    replay.stop().await;

    let mut replay = Replay::start(
        "lambda_-test_lambda_api.snapshot.json",
        "TestLambdaFunction::test_update_lambda_exceptions",
    )
    .await;
    let created = create_function(&replay, name, json!({})).await;
    assert_eq!(created.status, 201, "{created:?}");
    settled(&replay, name).await;
    let path = format!("/2015-03-31/functions/{name}/configuration");
    for (key, body) in [
        ("invalid_role_arn_exc", json!({ "Role": "r1" })),
        (
            "invalid_runtime_exc",
            json!({ "Runtime": "non-existent-runtime" }),
        ),
        ("uppercase_runtime_exc", json!({ "Runtime": "PYTHON3.9" })),
    ] {
        let answer = replay.call(Service::Lambda, "PUT", &path, Some(body)).await;
        replay.check(key, &answer);
    }
    replay.stop().await;
}

/// test_lambda_api.py::TestLambdaFunction::test_redundant_updates: the same change twice is
/// applied twice, each a new revision.
#[tokio::test]
async fn a_redundant_update_is_applied_again_as_recorded() {
    let mut replay = Replay::start(
        "lambda_-test_lambda_api.snapshot.json",
        "TestLambdaFunction::test_redundant_updates",
    )
    .await;
    let name = "fn-redundant";
    let mut extra = fixture();
    extra["Description"] = json!("Initial description");
    let created = create_function(&replay, name, extra).await;
    replay.check_in("create_response", "CreateFunctionResponse", &created);
    settled(&replay, name).await;
    let configuration = format!("/2015-03-31/functions/{name}/configuration");
    let function = format!("/2015-03-31/functions/{name}");
    let describe = json!({ "Description": "1st update description" });
    let first = replay
        .call(
            Service::Lambda,
            "PUT",
            &configuration,
            Some(describe.clone()),
        )
        .await;
    replay.check("first_update_result", &first);
    settled(&replay, name).await;
    let read = replay
        .call(Service::Lambda, "GET", &configuration, None)
        .await;
    replay.check("get_fn_config_result", &read);
    let read = replay.call(Service::Lambda, "GET", &function, None).await;
    replay.check("get_fn_result", &read);
    let again = replay
        .call(Service::Lambda, "PUT", &configuration, Some(describe))
        .await;
    replay.check("redundant_update_result", &again);
    settled(&replay, name).await;
    let read = replay.call(Service::Lambda, "GET", &function, None).await;
    replay.check("get_fn_result_after_redundant_update", &read);
    replay.stop().await;
}

/// GetFunction, of a version or an alias when `qualifier` names one.
async fn get_function(replay: &Replay, name: &str, qualifier: Option<&str>) -> Answer {
    let query = qualifier
        .map(|q| format!("?Qualifier={q}"))
        .unwrap_or_default();
    let path = format!("/2015-03-31/functions/{name}{query}");
    replay.call(Service::Lambda, "GET", &path, None).await
}

/// AddPermission, on what `qualifier` names when it names something.
async fn add_permission(
    replay: &Replay,
    name: &str,
    qualifier: Option<&str>,
    statement: Value,
) -> Answer {
    let query = qualifier
        .map(|q| format!("?Qualifier={q}"))
        .unwrap_or_default();
    let path = format!("/2015-03-31/functions/{name}/policy{query}");
    replay
        .call(Service::Lambda, "POST", &path, Some(statement))
        .await
}

/// GetPolicy, of what `qualifier` names when it names something.
async fn get_policy(replay: &Replay, name: &str, qualifier: Option<&str>) -> Answer {
    let query = qualifier
        .map(|q| format!("?Qualifier={q}"))
        .unwrap_or_default();
    let path = format!("/2015-03-31/functions/{name}/policy{query}");
    replay.call(Service::Lambda, "GET", &path, None).await
}

/// The statement LocalStack's permission tests add: S3, for the bucket `test-bucket`.
fn s3_statement(sid: &str) -> Value {
    json!({
        "Action": "lambda:InvokeFunction",
        "StatementId": sid,
        "Principal": "s3.amazonaws.com",
        "SourceArn": "arn:aws:s3:::test-bucket",
    })
}

/// test_lambda.py::TestLambdaBaseFeatures::test_function_state: Pending when created,
/// Active once settled.
#[tokio::test]
async fn a_function_is_pending_then_active_as_recorded() {
    let mut replay = Replay::start(
        "lambda_-test_lambda.snapshot.json",
        "TestLambdaBaseFeatures::test_function_state",
    )
    .await;
    let name = "test-function-state";
    let created = create_function(&replay, name, json!({})).await;
    replay.check("create-fn-response", &created);
    settled(&replay, name).await;
    let read = get_function(&replay, name, None).await;
    replay.check("get-fn-response", &read);
    replay.stop().await;
}

/// test_lambda_api.py::TestLambdaTag::test_create_tag_on_fn_create: tags given to
/// CreateFunction, in GetFunction and ListTags.
#[tokio::test]
async fn tags_given_at_creation_are_answered_as_recorded() {
    let mut replay = Replay::start(
        "lambda_-test_lambda_api.snapshot.json",
        "TestLambdaTag::test_create_tag_on_fn_create",
    )
    .await;
    let name = "fn-tags-on-create";
    let mut extra = fixture();
    extra["Tags"] = json!({ "testtag": "tag-custom" });
    let created = create_function(&replay, name, extra).await;
    assert_eq!(created.status, 201, "{created:?}");
    settled(&replay, name).await;
    let read = get_function(&replay, name, None).await;
    replay.check("get_function_result", &read);
    let arn = read.body["Configuration"]["FunctionArn"].as_str().unwrap();
    let tags = replay
        .call(
            Service::Lambda,
            "GET",
            &format!("/2017-03-31/tags/{arn}"),
            None,
        )
        .await;
    replay.check("list_tags_result", &tags);
    replay.stop().await;
}

/// test_lambda_api.py::TestLambdaTags::test_tag_versions: a version's ARN and `$LATEST`'s
/// take no tags.
#[tokio::test]
async fn a_version_takes_no_tags_as_recorded() {
    let mut replay = Replay::start(
        "lambda_-test_lambda_api.snapshot.json",
        "TestLambdaTags::test_tag_versions",
    )
    .await;
    let name = "fn-tag-versions";
    let mut extra = fixture();
    extra["Tags"] = json!({ "key_a": "value_a" });
    let created = create_function(&replay, name, extra).await;
    let arn = created.body["FunctionArn"].as_str().unwrap().to_string();
    settled(&replay, name).await;
    let published = replay
        .call(
            Service::Lambda,
            "POST",
            &format!("/2015-03-31/functions/{name}/versions"),
            Some(json!({})),
        )
        .await;
    assert_eq!(published.status, 201, "{published:?}");
    let version_arn = published.body["FunctionArn"].as_str().unwrap().to_string();
    let tags = json!({ "Tags": {
        "key_b": "value_b", "key_c": "value_c", "key_d": "value_d", "key_e": "value_e",
    }});
    for (key, resource) in [
        ("tag_resource_exception", version_arn),
        ("tag_resource_latest_exception", format!("{arn}:$LATEST")),
    ] {
        let answer = replay
            .call(
                Service::Lambda,
                "POST",
                &format!("/2017-03-31/tags/{resource}"),
                Some(tags.clone()),
            )
            .await;
        replay.check(key, &answer);
    }
    replay.stop().await;
}

/// test_lambda_api.py::TestLambdaSizeLimits::test_lambda_envvars_near_limit_succeeds and
/// test_large_environment_fails_multiple_keys: 4 KB of environment is taken, one byte more
/// over two keys is not, and nothing is created.
#[tokio::test]
async fn an_environment_of_4_kb_is_the_limit_as_recorded() {
    let mut replay = Replay::start(
        "lambda_-test_lambda_api.snapshot.json",
        "TestLambdaSizeLimits::test_lambda_envvars_near_limit_succeeds",
    )
    .await;
    let name = "large-envvar-lambda-ok";
    // 4 KB less the JSON around one variable (`{"":""}`), less the key.
    let mut extra = fixture();
    extra["Environment"] = json!({ "Variables": { "LARGE_VAR": "x".repeat(4 * 1024 - 7 - 9) } });
    let created = create_function(&replay, name, extra).await;
    replay.check_in(
        "successful_create_fn_result",
        "CreateFunctionResponse",
        &created,
    );
    replay.stop().await;

    let mut replay = Replay::start(
        "lambda_-test_lambda_api.snapshot.json",
        "TestLambdaSizeLimits::test_large_environment_fails_multiple_keys",
    )
    .await;
    let name = "large-envvar-lambda-too-large";
    // The variables in the test's order (AWS measures them as sent).
    let body = json!({
        "FunctionName": name,
        "Runtime": "python3.12",
        "Handler": "handler.handler",
        "Role": "arn:aws:iam::000000000000:role/lambda-replay-role",
        "Code": { "ZipFile": zip_base64("echo") },
        "Timeout": 30,
    })
    .to_string();
    let environment = format!(
        r#","Environment":{{"Variables":{{"SMALL_VAR":"ok","LARGE_VAR":"{}"}}}}}}"#,
        "x".repeat(4064)
    );
    let body = format!("{}{environment}", body.strip_suffix('}').unwrap());
    let refused = replay
        .call_text(Service::Lambda, "POST", "/2015-03-31/functions", Some(body))
        .await;
    replay.check("failured_create_fn_result_multi_key", &refused);
    let read = get_function(&replay, name, None).await;
    assert_eq!(
        read.code.as_deref(),
        Some("ResourceNotFoundException"),
        "{read:?}"
    );
    replay.stop().await;
}

/// test_lambda_api.py::TestLambdaPermissions::test_add_lambda_permission_aws and
/// test_create_multiple_lambda_permissions: a statement as AddPermission answers it, and the
/// policy holding one or two.
#[tokio::test]
async fn permissions_are_added_as_recorded() {
    let mut replay = Replay::start(
        "lambda_-test_lambda_api.snapshot.json",
        "TestLambdaPermissions::test_add_lambda_permission_aws",
    )
    .await;
    let name = "lambda_func-permission";
    let created = create_function(&replay, name, fixture()).await;
    replay.check_in("create_lambda", "CreateFunctionResponse", &created);
    settled(&replay, name).await;
    let added = add_permission(&replay, name, None, s3_statement("s3")).await;
    replay.check("add_permission", &added);
    let policy = get_policy(&replay, name, None).await;
    replay.check("get_policy", &policy);
    replay.stop().await;

    let mut replay = Replay::start(
        "lambda_-test_lambda_api.snapshot.json",
        "TestLambdaPermissions::test_create_multiple_lambda_permissions",
    )
    .await;
    let name = "test-function-permissions";
    create_function(&replay, name, fixture()).await;
    settled(&replay, name).await;
    for (key, sid, principal) in [
        ("add_permission_response_1", "logs", "logs.amazonaws.com"),
        (
            "add_permission_response_2",
            "kinesis",
            "kinesis.amazonaws.com",
        ),
    ] {
        let statement = json!({
            "Action": "lambda:InvokeFunction",
            "StatementId": sid,
            "Principal": principal,
        });
        let added = add_permission(&replay, name, None, statement).await;
        replay.check(key, &added);
    }
    let policy = get_policy(&replay, name, None).await;
    replay.check("policy_after_2_add", &policy);
    replay.stop().await;
}

/// test_lambda_api.py::TestLambdaRevisions::test_function_revisions_version_and_alias: which
/// calls give a function, a version and an alias a new RevisionId, and a stale one refused.
#[tokio::test]
async fn revisions_of_versions_and_aliases_are_as_recorded() {
    let mut replay = Replay::start(
        "lambda_-test_lambda_api.snapshot.json",
        "TestLambdaRevisions::test_function_revisions_version_and_alias",
    )
    .await;
    let name = "fn-revisions-versions";
    let created = create_function(&replay, name, fixture()).await;
    replay.check_in(
        "create_function_response_rev1",
        "CreateFunctionResponse",
        &created,
    );
    settled(&replay, name).await;
    let active = get_function(&replay, name, None).await;
    replay.check("get_function_active_rev2", &active);
    let revision = active.body["Configuration"]["RevisionId"].clone();
    let versions = format!("/2015-03-31/functions/{name}/versions");
    let stale = replay
        .call(
            Service::Lambda,
            "POST",
            &versions,
            Some(json!({ "RevisionId": "wrong" })),
        )
        .await;
    replay.check("publish_version_revision_exception", &stale);
    let published = replay
        .call(
            Service::Lambda,
            "POST",
            &versions,
            Some(json!({ "RevisionId": revision })),
        )
        .await;
    replay.check("publish_version_response_rev_v1", &published);
    let read = get_function(&replay, name, Some("1")).await;
    replay.check("get_function_published_version_rev_v2", &read);
    let read = get_function(&replay, name, None).await;
    replay.check("get_function_latest_rev3", &read);
    let aliases = format!("/2015-03-31/functions/{name}/aliases");
    let alias = replay
        .call(
            Service::Lambda,
            "POST",
            &aliases,
            Some(json!({ "Name": "revision_alias", "FunctionVersion": "1" })),
        )
        .await;
    replay.check("create_alias_response_rev_a1", &alias);
    let read = get_function(&replay, name, None).await;
    replay.check("get_function_latest_rev4", &read);
    let read = get_function(&replay, name, Some("1")).await;
    replay.check("get_function_published_version_rev_v3", &read);
    let alias_path = format!("{aliases}/revision_alias");
    let stale = replay
        .call(
            Service::Lambda,
            "PUT",
            &alias_path,
            Some(json!({ "RevisionId": "wrong" })),
        )
        .await;
    replay.check("update_alias_revision_exception", &stale);
    let updated = replay
        .call(
            Service::Lambda,
            "PUT",
            &alias_path,
            Some(json!({
                "Description": "something changed",
                "RevisionId": alias.body["RevisionId"],
            })),
        )
        .await;
    replay.check("update_alias_response_rev_a2", &updated);
    replay.stop().await;
}

/// test_lambda_api.py::TestLambdaRevisions::test_function_revisions_permissions (its one
/// recorded answer): a stale RevisionId on AddPermission names GetPolicy.
#[tokio::test]
async fn a_stale_revision_on_a_permission_is_refused_as_recorded() {
    let mut replay = Replay::start(
        "lambda_-test_lambda_api.snapshot.json",
        "TestLambdaRevisions::test_function_revisions_permissions",
    )
    .await;
    let name = "fn-revisions-permissions";
    create_function(&replay, name, fixture()).await;
    settled(&replay, name).await;
    let mut statement = json!({
        "StatementId": "s3",
        "Action": "lambda:InvokeFunction",
        "Principal": "s3.amazonaws.com",
    });
    statement["RevisionId"] = json!("wrong");
    let stale = add_permission(&replay, name, None, statement.clone()).await;
    replay.check("add_permission_revision_exception", &stale);
    // The rest of the test, which AWS's recording no longer holds: the current RevisionId is
    // taken, and the policy's RevisionId is then the function's.
    let revision =
        get_function(&replay, name, None).await.body["Configuration"]["RevisionId"].clone();
    statement["RevisionId"] = revision.clone();
    let added = add_permission(&replay, name, None, statement).await;
    assert_eq!(added.status, 201, "{added:?}");
    let policy = get_policy(&replay, name, None).await;
    let after = get_function(&replay, name, None).await.body["Configuration"]["RevisionId"].clone();
    assert_ne!(policy.body["RevisionId"], revision);
    assert_eq!(policy.body["RevisionId"], after);
    replay.stop().await;
}

/// test_lambda_api.py::TestLambdaPermissions::test_lambda_permission_fn_versioning: a policy
/// per function, version and alias, each with its own RevisionId.
#[tokio::test]
async fn permissions_of_versions_and_aliases_are_as_recorded() {
    let mut replay = Replay::start(
        "lambda_-test_lambda_api.snapshot.json",
        "TestLambdaPermissions::test_lambda_permission_fn_versioning",
    )
    .await;
    let name = "lambda_func-versioning";
    create_function(&replay, name, fixture()).await;
    settled(&replay, name).await;
    let added = add_permission(&replay, name, None, s3_statement("s3")).await;
    replay.check("add_permission", &added);
    let policy = get_policy(&replay, name, None).await;
    replay.check("get_policy", &policy);
    let published = replay
        .call(
            Service::Lambda,
            "POST",
            &format!("/2015-03-31/functions/{name}/versions"),
            Some(json!({})),
        )
        .await;
    replay.check("publish_version_result", &published);
    let read = get_function(&replay, name, None).await;
    replay.check("get_function_result_after_publishing", &read);
    let policy = get_policy(&replay, name, None).await;
    replay.check("get_policy_after_publishing_latest", &policy);
    let none = get_policy(&replay, name, Some("1")).await;
    replay.check("get_policy_after_publishing_new_version", &none);
    let added = add_permission(&replay, &format!("{name}:1"), Some("1"), s3_statement("s3")).await;
    assert_eq!(added.status, 201, "{added:?}");
    let policy = get_policy(&replay, name, Some("1")).await;
    replay.check("get_policy_version", &policy);
    let alias = replay
        .call(
            Service::Lambda,
            "POST",
            &format!("/2015-03-31/functions/{name}/aliases"),
            Some(json!({ "Name": "permission-alias", "FunctionVersion": "1" })),
        )
        .await;
    replay.check("create_alias_response", &alias);
    let read = replay
        .call(
            Service::Lambda,
            "GET",
            &format!("/2015-03-31/functions/{name}/aliases/permission-alias"),
            None,
        )
        .await;
    replay.check("get_alias", &read);
    let mut statement = s3_statement("s3");
    statement["RevisionId"] = json!("wrong");
    let stale = add_permission(&replay, name, Some("permission-alias"), statement.clone()).await;
    replay.check("add_permission_alias_revision_exception", &stale);
    statement["RevisionId"] = alias.body["RevisionId"].clone();
    let added = add_permission(
        &replay,
        &format!("{name}:permission-alias"),
        Some("permission-alias"),
        statement,
    )
    .await;
    assert_eq!(added.status, 201, "{added:?}");
    let policy = get_policy(&replay, name, Some("permission-alias")).await;
    replay.check("get_policy_alias", &policy);
    let policy = get_policy(&replay, name, None).await;
    replay.check("get_policy_after_adding_to_new_version", &policy);
    let mut statement = s3_statement("s3_2");
    statement["RevisionId"] = policy.body["RevisionId"].clone();
    let added = add_permission(&replay, name, None, statement).await;
    assert_eq!(added.status, 201, "{added:?}");
    let policy = get_policy(&replay, name, None).await;
    replay.check("get_policy_after_adding_2", &policy);
    replay.stop().await;
}

/// test_lambda_api.py::TestLambdaVersions::test_publish_with_update: UpdateFunctionCode with
/// `Publish` answers the new version, Pending, while `$LATEST` is still InProgress.
#[tokio::test]
async fn an_update_that_publishes_answers_the_version_as_recorded() {
    // The update takes two seconds to apply, as AWS takes a moment: the reads come while it
    // is in progress.
    let mut replay = Replay::start_with(
        "lambda_-test_lambda_api.snapshot.json",
        "TestLambdaVersions::test_publish_with_update",
        LocalConfig {
            settle: std::time::Duration::from_secs(2),
            ..LocalConfig::default()
        },
    )
    .await;
    let name = "fn-publish-with-update";
    let created = create_function(
        &replay,
        name,
        json!({ "Handler": "index.handler", "PackageType": "Zip" }),
    )
    .await;
    replay.check("create_response", &created);
    settled(&replay, name).await;
    let read = get_function(&replay, name, None).await;
    replay.check("get_function_result", &read);
    let updated = replay
        .call(
            Service::Lambda,
            "PUT",
            &format!("/2015-03-31/functions/{name}/code"),
            Some(json!({ "ZipFile": zip_base64("version"), "Publish": true })),
        )
        .await;
    replay.check("update_function_code_result", &updated);
    let read = get_function(&replay, name, Some("1")).await;
    replay.check("get_function_version_result", &read);
    let read = get_function(&replay, name, Some("$LATEST")).await;
    replay.check("get_function_latest_result", &read);
    replay.stop().await;
}

/// test_lambda_api.py::TestLambdaFunction::test_function_arns: a function created by its ARN
/// or a partial one; names and ARNs Lambda refuses.
#[tokio::test]
async fn functions_named_by_arn_are_created_and_refused_as_recorded() {
    let mut replay = Replay::start(
        "lambda_-test_lambda_api.snapshot.json",
        "TestLambdaFunction::test_function_arns",
    )
    .await;
    let arn = "arn:aws:lambda:us-east-1:000000000000:function:test-function-arn";
    let created = create_function(&replay, arn, fixture()).await;
    replay.check_in(
        "create-function-arn-response",
        "CreateFunctionResponse",
        &created,
    );
    let partial = "000000000000:function:test-partial-arn";
    // AWS's test zipped its code again, with another time in the zip: another hash.
    let mut extra = fixture();
    extra["Code"] = json!({ "ZipFile": zip_base64("echo again") });
    let created = create_function(&replay, partial, extra).await;
    replay.check_in(
        "create-function-partial-arn-response",
        "CreateFunctionResponse",
        &created,
    );
    let prefix = "arn:aws:lambda:us-east-1:000000000000:function:";
    for (key, name) in [
        (
            "invalid_function_name_exc",
            "invalid:function:name".to_string(),
        ),
        ("long_function_name_exc", "a".repeat(65)),
        (
            "long_function_arn_exc",
            format!("{prefix}{}", "a".repeat(140 - prefix.len() + 1)),
        ),
        (
            "function_arn_other_region_exc",
            "arn:aws:lambda:ap-southeast-1:000000000000:function:test-function-arn-2".to_string(),
        ),
        (
            "function_arn_other_account_exc",
            "arn:aws:lambda:us-east-1:123456789012:function:test-function-arn-3".to_string(),
        ),
    ] {
        let refused = create_function(
            &replay,
            &name,
            json!({ "Handler": "index.handler", "PackageType": "Zip" }),
        )
        .await;
        replay.check(key, &refused);
    }
    replay.stop().await;
}

/// test_lambda_api.py::TestLambdaFunction::test_invalid_invoke: a name that is no function
/// name, in the model's words.
#[tokio::test]
async fn an_invoke_of_no_function_name_is_refused_as_recorded() {
    let mut replay = Replay::start(
        "lambda_-test_lambda_api.snapshot.json",
        "TestLambdaFunction::test_invalid_invoke",
    )
    .await;
    let answer = replay
        .call(
            Service::Lambda,
            "POST",
            "/2015-03-31/functions/arn:aws:lambda:us-east-1:123400000000@function:myfn/invocations",
            Some(json!({})),
        )
        .await;
    replay.check("invoke_function_name_pattern_exc", &answer);
    replay.stop().await;
}

/// test_lambda.py::TestLambdaFeatures::test_invoke_exceptions: Invoke names the version it
/// looked for.
#[tokio::test]
async fn an_invoke_of_a_missing_function_is_refused_as_recorded() {
    let mut replay = Replay::start(
        "lambda_-test_lambda.snapshot.json",
        "TestLambdaFeatures::test_invoke_exceptions",
    )
    .await;
    let answer = replay
        .call(
            Service::Lambda,
            "POST",
            "/2015-03-31/functions/doesnotexist/invocations",
            None,
        )
        .await;
    replay.check("invoke_function_doesnotexist", &answer);
    replay.stop().await;
}

/// test_lambda_api.py::TestLambdaAlias::test_alias_naming: an alias named like a date is
/// taken and invoked; a number is not an alias name.
#[tokio::test]
async fn alias_names_are_taken_and_refused_as_recorded() {
    let mut replay = Replay::start(
        "lambda_-test_lambda_api.snapshot.json",
        "TestLambdaAlias::test_alias_naming",
    )
    .await;
    let name = "alias-fn-naming";
    // A bootstrap that answers every event, so that the invocation the test makes is served.
    let code = base64_of(&common::script_zip(
        r#"post "/2018-06-01/runtime/invocation/$id/response" '{}'"#,
    ));
    let created = create_function(
        &replay,
        name,
        json!({
            "Handler": "index.handler",
            "PackageType": "Zip",
            "Code": { "ZipFile": code },
            "Environment": { "Variables": { "testenv": "staging" } },
        }),
    )
    .await;
    replay.check("create_response", &created);
    settled(&replay, name).await;
    let published = replay
        .call(
            Service::Lambda,
            "POST",
            &format!("/2015-03-31/functions/{name}/versions"),
            Some(json!({})),
        )
        .await;
    replay.check("publish_v1", &published);
    let aliases = format!("/2015-03-31/functions/{name}/aliases");
    let alias =
        json!({ "Name": "2024-01-02", "FunctionVersion": "1", "Description": "custom-alias" });
    let created = replay
        .call(Service::Lambda, "POST", &aliases, Some(alias))
        .await;
    replay.check("create_alias_date", &created);
    let read = replay
        .call(
            Service::Lambda,
            "GET",
            &format!("{aliases}/2024-01-02"),
            None,
        )
        .await;
    replay.check("get_alias_date", &read);
    let invoked = replay
        .call(
            Service::Lambda,
            "POST",
            &format!("/2015-03-31/functions/{name}:2024-01-02/invocations"),
            None,
        )
        .await;
    assert_eq!(invoked.status, 200, "{invoked:?}");
    let number = json!({ "Name": "2024", "FunctionVersion": "1", "Description": "custom-alias" });
    let refused = replay
        .call(Service::Lambda, "POST", &aliases, Some(number))
        .await;
    replay.check("create_alias_number_exception", &refused);
    replay.stop().await;
}

/// A zip of one stored (uncompressed) file of `size` bytes, base64: code of a known zipped size.
fn stored_zip_base64(size: usize) -> String {
    use std::io::Write;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored)
        .large_file(true);
    zip.start_file("handler.py", options).unwrap();
    zip.write_all(&vec![b'#'; size]).unwrap();
    base64_of(&zip.finish().unwrap().into_inner())
}

/// test_lambda_api.py::TestLambdaSizeLimits::test_oversized_zipped_create_lambda and
/// test_oversized_request_create_lambda: the zip's size is checked first (50 MB), then the
/// request's (70167211 bytes).
#[tokio::test]
async fn oversized_code_and_requests_are_refused_as_recorded() {
    const ZIPPED: usize = 52_428_800;
    for (test, zip_size, environment) in [
        (
            "TestLambdaSizeLimits::test_oversized_zipped_create_lambda",
            ZIPPED,
            None,
        ),
        (
            "TestLambdaSizeLimits::test_oversized_request_create_lambda",
            ZIPPED - 1024 - 200,
            Some(70_167_211 - ZIPPED + 1024 * 1024),
        ),
    ] {
        let mut replay = Replay::start("lambda_-test_lambda_api.snapshot.json", test).await;
        let mut extra =
            json!({ "Timeout": 10, "Code": { "ZipFile": stored_zip_base64(zip_size) } });
        if let Some(size) = environment {
            extra["Environment"] = json!({ "Variables": { "largeKey": "#".repeat(size) } });
        }
        let refused = create_function(&replay, "test_lambda_oversized", extra).await;
        replay.check("invalid_param_exc", &refused);
        replay.stop().await;
    }
}

/// LocalStack's TestLoggingConfig: its tests' function (MemorySize 256, Timeout 5), created with
/// `logging` if some, read back, then updated to each of `updates` and read back, each answer
/// held to the keys the test recorded it under.
async fn logging_config_lifecycle(
    test: &str,
    logging: Option<Value>,
    updates: &[(Value, &str, &str)],
) {
    let mut replay = Replay::start("lambda_-test_lambda_api.snapshot.json", test).await;
    let name = "fn-logging-config";
    let mut extra = fixture();
    extra["MemorySize"] = json!(256);
    extra["Timeout"] = json!(5);
    if let Some(logging) = logging {
        extra["LoggingConfig"] = logging;
    }
    let created = create_function(&replay, name, extra).await;
    replay.check_in("create_response", "CreateFunctionResponse", &created);
    settled(&replay, name).await;
    let read = get_function(&replay, name, None).await;
    replay.check("get_function_response", &read);
    let configuration = format!("/2015-03-31/functions/{name}/configuration");
    let read = replay
        .call(Service::Lambda, "GET", &configuration, None)
        .await;
    replay.check("function_config", &read);
    for (logging, updated_key, read_key) in updates {
        let updated = replay
            .call(
                Service::Lambda,
                "PUT",
                &configuration,
                Some(json!({ "LoggingConfig": logging })),
            )
            .await;
        replay.check(updated_key, &updated);
        settled(&replay, name).await;
        let read = replay
            .call(Service::Lambda, "GET", &configuration, None)
            .await;
        replay.check(read_key, &read);
    }
    replay.stop().await;
}

/// test_lambda_api.py::TestLoggingConfig's tests: a JSON format has both log levels (INFO
/// unless given), a Text one neither, a log group of its own is kept, an update changes only
/// what it names.
#[tokio::test]
async fn logging_configurations_are_kept_as_recorded() {
    let json_format = json!({ "LogFormat": "JSON" });
    logging_config_lifecycle(
        "TestLoggingConfig::test_function_advanced_logging_configuration",
        Some(json_format.clone()),
        &[(
            json!({ "LogFormat": "JSON", "ApplicationLogLevel": "INFO",
                    "SystemLogLevel": "INFO", "LogGroup": "cool_lambda" }),
            "updated_config",
            "received_config",
        )],
    )
    .await;
    logging_config_lifecycle(
        "TestLoggingConfig::test_advanced_logging_configuration_format_switch",
        None,
        &[
            (json_format.clone(), "updated_config", "received_config"),
            (
                json!({ "LogFormat": "Text" }),
                "updated_config_v2",
                "received_config_v2",
            ),
        ],
    )
    .await;
    for (variant, partial) in [
        ("partial_config0", json_format.clone()),
        (
            "partial_config1",
            json!({ "LogFormat": "JSON", "ApplicationLogLevel": "DEBUG" }),
        ),
        (
            "partial_config2",
            json!({ "LogFormat": "JSON", "SystemLogLevel": "DEBUG" }),
        ),
        ("partial_config3", json!({ "LogGroup": "cool_lambda" })),
    ] {
        logging_config_lifecycle(
            &format!(
                "TestLoggingConfig::test_function_partial_advanced_logging_configuration_update[{variant}]"
            ),
            None,
            &[(partial, "updated_config", "received_config")],
        )
        .await;
    }
}

/// test_lambda_api.py::TestRuntimeValidation::
/// test_create_deprecated_function_runtime_with_validation_enabled: a runtime Lambda no longer
/// takes, refused in its words.
#[tokio::test]
async fn deprecated_runtimes_are_refused_as_recorded() {
    for runtime in [
        "java8",
        "go1.x",
        "provided",
        "ruby2.7",
        "nodejs14.x",
        "python3.7",
        "dotnetcore3.1",
        "nodejs12.x",
    ] {
        let mut replay = Replay::start(
            "lambda_-test_lambda_api.snapshot.json",
            &format!("TestRuntimeValidation::test_create_deprecated_function_runtime_with_validation_enabled[{runtime}]"),
        )
        .await;
        let mut extra = fixture();
        extra["Runtime"] = json!(runtime);
        let refused = create_function(&replay, "fn-deprecated-runtime", extra).await;
        replay.check("deprecation_error", &refused);
        replay.stop().await;
    }
}

/// The path of a resource's tags (TagResource, UntagResource, ListTags), with `query`.
fn tags_path(resource: &str, query: &str) -> String {
    format!("/2017-03-31/tags/{resource}{query}")
}

/// UntagResource's query string: one `tagKeys` per key, as the SDKs write a list.
fn tag_keys(keys: &[&str]) -> String {
    let pairs: Vec<String> = keys.iter().map(|k| format!("tagKeys={k}")).collect();
    format!("?{}", pairs.join("&"))
}

/// ListTags and GetFunction of `arn`, held to the recording's `…_{suffix}` keys.
async fn tags_as_recorded(replay: &mut Replay, arn: &str, suffix: &str) {
    let listed = replay
        .call(Service::Lambda, "GET", &tags_path(arn, ""), None)
        .await;
    replay.check(&format!("list_tags_response_{suffix}"), &listed);
    let read = get_function(replay, arn, None).await;
    replay.check(&format!("get_fn_response_{suffix}"), &read);
}

/// test_lambda_api.py::TestLambdaTags::test_tag_lifecycle: tags added, overwritten and
/// removed, each change a new RevisionId, the tags gone with the function.
#[tokio::test]
async fn a_functions_tags_live_and_die_as_recorded() {
    let mut replay = Replay::start(
        "lambda_-test_lambda_api.snapshot.json",
        "TestLambdaTags::test_tag_lifecycle",
    )
    .await;
    let name = "fn-tag-lifecycle";
    let mut extra = fixture();
    extra["Tags"] = json!({ "key_a": "value_a" });
    let created = create_function(&replay, name, extra).await;
    assert_eq!(created.status, 201, "{created:?}");
    settled(&replay, name).await;
    let arn = created.body["FunctionArn"].as_str().unwrap().to_string();
    let tags = tags_path(&arn, "");
    tags_as_recorded(&mut replay, &arn, "postfncreate").await;
    let tagged = replay
        .call(
            Service::Lambda,
            "POST",
            &tags,
            Some(json!({ "Tags": {
                "key_b": "value_b", "key_c": "value_c", "key_d": "value_d", "key_e": "value_e",
            }})),
        )
        .await;
    replay.check("tag_resource_response", &tagged);
    tags_as_recorded(&mut replay, &arn, "postaddtags").await;
    let overwritten = replay
        .call(
            Service::Lambda,
            "POST",
            &tags,
            Some(json!({ "Tags": { "key_b": "value_b", "key_c": "value_x" } })),
        )
        .await;
    replay.check("tag_resource_overwrite", &overwritten);
    tags_as_recorded(&mut replay, &arn, "overwrite").await;
    for (keys, suffix) in [
        (&["key_c", "key_d"][..], "postuntag"),
        (&["key_a", "key_b", "key_e"][..], "postuntagall"),
    ] {
        let untagged = replay
            .call(
                Service::Lambda,
                "DELETE",
                &tags_path(&arn, &tag_keys(keys)),
                None,
            )
            .await;
        assert_eq!(untagged.status, 204, "{untagged:?}");
        tags_as_recorded(&mut replay, &arn, suffix).await;
    }
    let deleted = replay
        .call(
            Service::Lambda,
            "DELETE",
            &format!("/2015-03-31/functions/{name}"),
            None,
        )
        .await;
    assert_eq!(deleted.status, 204, "{deleted:?}");
    let listed = replay.call(Service::Lambda, "GET", &tags, None).await;
    replay.check("list_tags_postdelete", &listed);
    replay.stop().await;
}

/// test_lambda_api.py::TestLambdaTags::test_tag_exceptions: an ARN of no Lambda resource, a
/// function that does not exist, a qualified ARN, no keys to remove and no tags to add, each in
/// AWS's words; a key the function does not have is removed without complaint.
#[tokio::test]
async fn tagging_mistakes_are_refused_as_recorded() {
    let mut replay = Replay::start(
        "lambda_-test_lambda_api.snapshot.json",
        "TestLambdaTags::test_tag_exceptions",
    )
    .await;
    let name = "fn-tag-exceptions";
    let created = create_function(&replay, name, fixture()).await;
    assert_eq!(created.status, 201, "{created:?}");
    settled(&replay, name).await;
    let arn = created.body["FunctionArn"].as_str().unwrap().to_string();
    let missing = arn.replace(name, "doesnotexist");
    let tag = json!({ "Tags": { "key_a": "value_a" } });
    for (key, resource) in [
        ("tag_lambda_invalidarn", "arn:aws:something".to_string()),
        ("tag_lambda_doesnotexist", missing),
        ("tag_lambda_qualifier_doesnotexist", format!("{arn}:v1")),
    ] {
        let answer = replay
            .call(
                Service::Lambda,
                "POST",
                &tags_path(&resource, ""),
                Some(tag.clone()),
            )
            .await;
        replay.check(key, &answer);
    }
    let listed = replay
        .call(Service::Lambda, "GET", &tags_path(&arn, ""), None)
        .await;
    replay.check("list_tag_lambda_empty", &listed);
    for (key, query) in [
        ("untag_nomatch", tag_keys(&["somekey"])),
        ("untag_empty_keys", String::new()),
    ] {
        let answer = replay
            .call(Service::Lambda, "DELETE", &tags_path(&arn, &query), None)
            .await;
        replay.check(key, &answer);
    }
    let empty = replay
        .call(
            Service::Lambda,
            "POST",
            &tags_path(&arn, ""),
            Some(json!({ "Tags": {} })),
        )
        .await;
    replay.check("tag_empty_tags", &empty);
    // One key that exists and one that does not: the one is removed.
    let two = json!({ "Tags": { "a_key": "a_value", "b_key": "b_value" } });
    let tagged = replay
        .call(Service::Lambda, "POST", &tags_path(&arn, ""), Some(two))
        .await;
    assert_eq!(tagged.status, 204, "{tagged:?}");
    let untagged = replay
        .call(
            Service::Lambda,
            "DELETE",
            &tags_path(&arn, &tag_keys(&["a_key", "c_key"])),
            None,
        )
        .await;
    assert_eq!(untagged.status, 204, "{untagged:?}");
    let listed = replay
        .call(Service::Lambda, "GET", &tags_path(&arn, ""), None)
        .await;
    assert_eq!(listed.body["Tags"], json!({ "b_key": "b_value" }));
    replay.stop().await;
}

/// test_lambda_api.py::TestLambdaTag::test_tag_lifecycle[lambda_function]: tags added one, then
/// several, then overlapping; removed one, several, none that exist, and a mix.
#[tokio::test]
async fn tags_are_added_and_removed_as_recorded() {
    let mut replay = Replay::start(
        "lambda_-test_lambda_api.snapshot.json",
        "TestLambdaTag::test_tag_lifecycle[lambda_function]",
    )
    .await;
    let name = "fn-tag-steps";
    let created = create_function(&replay, name, fixture()).await;
    assert_eq!(created.status, 201, "{created:?}");
    settled(&replay, name).await;
    let arn = created.body["FunctionArn"].as_str().unwrap().to_string();
    tag_lifecycle(&mut replay, &arn).await;
    replay.stop().await;
}

/// TestLambdaTag::test_tag_lifecycle's steps on the resource `arn` names.
pub(super) async fn tag_lifecycle(replay: &mut Replay, arn: &str) {
    let tags = tags_path(arn, "");
    for (key, tagged) in [
        ("tag_single_response", json!({ "A": "tag-a" })),
        (
            "tag_multiple_response",
            json!({ "B": "tag-b", "C": "tag-c" }),
        ),
        (
            "tag_overlap_response",
            json!({ "C": "tag-c-newsuffix", "D": "tag-d" }),
        ),
    ] {
        let answer = replay
            .call(
                Service::Lambda,
                "POST",
                &tags,
                Some(json!({ "Tags": tagged })),
            )
            .await;
        replay.check(key, &answer);
        let listed = replay.call(Service::Lambda, "GET", &tags, None).await;
        replay.check(&format!("{key}_listtags"), &listed);
    }
    for (key, keys) in [
        ("untag_single_response", &["A"][..]),
        ("untag_multiple_response", &["B", "C"][..]),
        ("untag_nonexisting_response", &["F"][..]),
        ("untag_existing_and_nonexisting_response", &["D", "F"][..]),
    ] {
        let answer = replay
            .call(
                Service::Lambda,
                "DELETE",
                &tags_path(arn, &tag_keys(keys)),
                None,
            )
            .await;
        replay.check(key, &answer);
        let listed = replay.call(Service::Lambda, "GET", &tags, None).await;
        replay.check(&format!("{key}_listtags"), &listed);
    }
}

/// test_lambda_api.py::TestLambdaTag::test_tag_exceptions[lambda_function]: a function that
/// does not exist, for TagResource, UntagResource and ListTags; its ARN with a qualifier; an
/// ARN of no Lambda resource type.
#[tokio::test]
async fn tags_of_a_missing_function_are_refused_as_recorded() {
    tags_of_a_missing_resource(
        "TestLambdaTag::test_tag_exceptions[lambda_function]",
        "function",
    )
    .await;
}

/// test_lambda_api.py::TestLambdaTag::test_tag_exceptions[capacity_provider]: a capacity
/// provider that does not exist (the local cloud keeps none), for TagResource, UntagResource
/// and ListTags; its ARN with a suffix; an ARN of no Lambda resource type.
#[tokio::test]
async fn tags_of_a_missing_capacity_provider_are_refused_as_recorded() {
    tags_of_a_missing_resource(
        "TestLambdaTag::test_tag_exceptions[capacity_provider]",
        "capacity-provider",
    )
    .await;
}

/// TestLambdaTag::test_tag_exceptions, for a resource of `kind` (its ARN's resource type:
/// `function`, `event-source-mapping`, `capacity-provider`) that does not exist.
pub(super) async fn tags_of_a_missing_resource(test: &str, kind: &str) {
    let mut replay = Replay::start("lambda_-test_lambda_api.snapshot.json", test).await;
    let name = "7b1c0d2e-3f4a-4b5c-8d6e-9f0a1b2c3d4e";
    let arn = format!("arn:aws:lambda:us-east-1:000000000000:{kind}:{name}");
    let calls = vec![
        (
            "not_found_exception_tag",
            "POST",
            tags_path(&arn, ""),
            Some(json!({ "Tags": { "A": "B" } })),
        ),
        (
            "not_found_exception_untag",
            "DELETE",
            tags_path(&arn, &tag_keys(&["A"])),
            None,
        ),
        ("not_found_exception_list", "GET", tags_path(&arn, ""), None),
        (
            "aliased_arn_exception",
            "GET",
            tags_path(&format!("{arn}:alias"), ""),
            None,
        ),
        (
            "invalid_arn_exception",
            "GET",
            tags_path(&arn.replace(&format!(":{kind}:"), ":foobar:"), ""),
            None,
        ),
    ];
    replay.check_calls(Service::Lambda, calls).await;
    replay.stop().await;
}

/// The path of a function's reserved concurrency: PUT and DELETE are of 2017-10-31, GET of
/// 2019-09-30, as Lambda's model binds them.
fn concurrency_path(method: &str, name: &str) -> String {
    let version = if method == "GET" {
        "2019-09-30"
    } else {
        "2017-10-31"
    };
    format!("/{version}/functions/{name}/concurrency")
}

async fn concurrency(replay: &Replay, method: &str, name: &str, reserved: Option<i64>) -> Answer {
    let body = reserved.map(|n| json!({ "ReservedConcurrentExecutions": n }));
    replay
        .call(
            Service::Lambda,
            method,
            &concurrency_path(method, name),
            body,
        )
        .await
}

async fn account_settings(replay: &Replay) -> Answer {
    replay
        .call(Service::Lambda, "GET", "/2016-08-19/account-settings", None)
        .await
}

/// test_lambda_api.py::TestLambdaReservedConcurrency::test_function_concurrency_exceptions:
/// a function that does not exist (named with `:$LATEST`, whatever the value asked), and a
/// qualified ARN, refused.
#[tokio::test]
async fn reserved_concurrency_mistakes_are_refused_as_recorded() {
    let mut replay = Replay::start(
        "lambda_-test_lambda_api.snapshot.json",
        "TestLambdaReservedConcurrency::test_function_concurrency_exceptions",
    )
    .await;
    for (key, reserved) in [
        (
            "put_function_concurrency_with_function_name_doesnotexist",
            1,
        ),
        (
            "put_function_concurrency_with_function_name_doesnotexist_and_invalid_concurrency",
            0,
        ),
    ] {
        let answer = concurrency(&replay, "PUT", "doesnotexist", Some(reserved)).await;
        replay.check(key, &answer);
    }
    let name = "fn-concurrency-exc";
    let created = create_function(&replay, name, fixture()).await;
    assert_eq!(created.status, 201, "{created:?}");
    let qualified = format!("{}:$LATEST", created.body["FunctionArn"].as_str().unwrap());
    let answer = concurrency(&replay, "PUT", &qualified, Some(0)).await;
    replay.check("put_function_concurrency_with_qualified_arn", &answer);
    replay.stop().await;
}

/// test_lambda_api.py::TestLambdaReservedConcurrency::test_function_concurrency_limits: a
/// reservation over the account's limit, and one at it, both leave less than the unreserved
/// minimum, refused in one wording.
#[tokio::test]
async fn reserved_concurrency_is_held_to_the_accounts_limits_as_recorded() {
    let mut replay = Replay::start(
        "lambda_-test_lambda_api.snapshot.json",
        "TestLambdaReservedConcurrency::test_function_concurrency_limits",
    )
    .await;
    let name = "fn-concurrency-limits";
    let created = create_function(&replay, name, fixture()).await;
    assert_eq!(created.status, 201, "{created:?}");
    let settings = account_settings(&replay).await;
    let limit = settings.body["AccountLimit"]["ConcurrentExecutions"]
        .as_i64()
        .unwrap();
    let over = concurrency(&replay, "PUT", name, Some(limit + 1)).await;
    replay.check("put_function_concurrency_account_limit_exceeded", &over);
    let at = concurrency(&replay, "PUT", name, Some(limit)).await;
    replay.check("put_function_concurrency_below_unreserved_min_value", &at);
    // The boundary, from the account's own figures: all but the unreserved minimum (100, the
    // developer guide's) can be reserved, one more cannot.
    let unreserved_minimum = 100;
    let most = concurrency(&replay, "PUT", name, Some(limit - unreserved_minimum)).await;
    assert_eq!(most.status, 200, "{most:?}");
    let one_more = concurrency(&replay, "PUT", name, Some(limit - unreserved_minimum + 1)).await;
    assert_eq!(one_more.status, 400, "{one_more:?}");
    replay.stop().await;
}

/// test_lambda_api.py::TestLambdaReservedConcurrency::test_function_concurrency: 0, then 1,
/// read back, deleted (204), read back as nothing; then the most the account leaves.
#[tokio::test]
async fn reserved_concurrency_lives_and_dies_as_recorded() {
    let mut replay = Replay::start(
        "lambda_-test_lambda_api.snapshot.json",
        "TestLambdaReservedConcurrency::test_function_concurrency",
    )
    .await;
    let name = "fn-concurrency";
    let created = create_function(&replay, name, fixture()).await;
    assert_eq!(created.status, 201, "{created:?}");
    let zero = concurrency(&replay, "PUT", name, Some(0)).await;
    replay.check("put_function_concurrency_with_reserved_0", &zero);
    let one = concurrency(&replay, "PUT", name, Some(1)).await;
    replay.check("put_function_concurrency_with_reserved_1", &one);
    let got = concurrency(&replay, "GET", name, None).await;
    replay.check("get_function_concurrency", &got);
    let deleted = concurrency(&replay, "DELETE", name, None).await;
    replay.check("delete_response", &deleted);
    let after = concurrency(&replay, "GET", name, None).await;
    replay.check("get_function_concurrency_after_delete", &after);
    // The test's own assertion: the account's unreserved executions less its minimum of 101
    // (the test's figure) can be reserved.
    let settings = account_settings(&replay).await;
    let unreserved = settings.body["AccountLimit"]["UnreservedConcurrentExecutions"]
        .as_i64()
        .unwrap();
    let most = concurrency(&replay, "PUT", name, Some(unreserved - 101)).await;
    assert_eq!(most.status, 200, "{most:?}");
    assert_eq!(most.body["ReservedConcurrentExecutions"], unreserved - 101);
    replay.stop().await;
}

/// test_lambda_api.py::TestLambdaAccountSettings::test_account_settings: the members of the
/// account's limits and usage (their values are the account's; the test records the names).
#[tokio::test]
async fn account_settings_have_the_recorded_members() {
    let replay = Replay::start(
        "lambda_-test_lambda_api.snapshot.json",
        "TestLambdaAccountSettings::test_account_settings",
    )
    .await;
    let answer = account_settings(&replay).await;
    assert_eq!(answer.status, 200, "{answer:?}");
    let recorded = &replay.recorded["acc_settings_modded"];
    for part in ["AccountLimit", "AccountUsage"] {
        let mut members: Vec<&String> = answer.body[part].as_object().unwrap().keys().collect();
        members.sort();
        let names: Vec<Value> = members.into_iter().map(|m| json!(m)).collect();
        assert_eq!(Value::Array(names), recorded[part], "{part}");
    }
    replay.stop().await;
}

/// test_lambda_api.py::TestLambdaAccountSettings::test_account_settings_total_code_size_config_update:
/// a new function adds its code to the account's TotalCodeSize, a configuration change adds
/// nothing, and a version published after it adds the code again.
#[tokio::test]
async fn total_code_size_counts_functions_and_versions_as_recorded() {
    let replay = Replay::start(
        "lambda_-test_lambda_api.snapshot.json",
        "TestLambdaAccountSettings::test_account_settings_total_code_size_config_update",
    )
    .await;
    let total = |answer: Answer| {
        answer.body["AccountUsage"]["TotalCodeSize"]
            .as_i64()
            .unwrap()
    };
    let recorded = replay.recorded.clone();
    let before = total(account_settings(&replay).await);
    let name = "fn-code-size";
    let created = create_function(&replay, name, fixture()).await;
    assert_eq!(created.status, 201, "{created:?}");
    settled(&replay, name).await;
    let created_total = total(account_settings(&replay).await);
    assert_eq!(
        json!(created_total - before > 200),
        recorded["is_total_code_size_diff_create_function_more_than_200"]
    );
    let updated = replay
        .call(
            Service::Lambda,
            "PUT",
            &format!("/2015-03-31/functions/{name}/configuration"),
            Some(json!({ "Runtime": "nodejs20.x" })),
        )
        .await;
    assert_eq!(updated.status, 200, "{updated:?}");
    settled(&replay, name).await;
    let updated_total = total(account_settings(&replay).await);
    assert_eq!(
        json!(updated_total - created_total),
        recorded["total_code_size_diff_update_function_configuration"]
    );
    let published = replay
        .call(
            Service::Lambda,
            "POST",
            &format!("/2015-03-31/functions/{name}/versions"),
            Some(json!({ "Description": "actually publish the config update" })),
        )
        .await;
    assert_eq!(published.status, 201, "{published:?}");
    let published_total = total(account_settings(&replay).await);
    assert_eq!(
        json!(published_total - updated_total > 200),
        recorded["is_total_code_size_diff_publish_version_after_config_update_more_than_200"]
    );
    replay.stop().await;
}

/// A zip of one file laid out as Info-ZIP's `zip` writes it on Unix, base64: an extended
/// timestamp (modified and accessed in the local header, modified in the central one) and an
/// 11-byte field where Info-ZIP writes the owner's ids (0x7875, which the zip crate writes
/// only with its `unreserved` feature; here a private id, 0x4c53, of the same size), so of
/// the same size as LocalStack's `functions/echo.zip` (`index.py`, deflated: 276 bytes) and
/// `layers/testlayer.zip` (`msg.txt`, stored: 169 bytes), which the recording measured.
/// Deflated at level 9: there this machine's deflate (zlib-rs) gives the 110 bytes Info-ZIP's
/// gave `index.py` (at 2 to 8 it gives 108).
fn info_zip_base64(name: &str, data: &[u8], method: zip::CompressionMethod) -> String {
    use std::io::Write;
    let mut options = zip::write::SimpleFileOptions::default()
        .compression_method(method)
        .compression_level((method == zip::CompressionMethod::Deflated).then_some(9))
        .unix_permissions(0o644)
        .with_extended_timestamp(Some(1_644_933_153), Some(1_644_933_153), None)
        .unwrap();
    let owner = [1, 4, 0xe8, 3, 0, 0, 4, 0xe8, 3, 0, 0];
    options.add_extra_field(0x4c53, owner, false).unwrap();
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    zip.start_file(name, options).unwrap();
    zip.write_all(data).unwrap();
    base64_of(&zip.finish().unwrap().into_inner())
}

/// test_lambda_api.py::TestLambdaAccountSettings::test_account_settings_total_code_size: a
/// new function adds its zip to the account's TotalCodeSize, an update that publishes adds it
/// again, and each layer version adds its own.
#[tokio::test]
async fn total_code_size_counts_functions_and_layers_as_recorded() {
    let replay = Replay::start(
        "lambda_-test_lambda_api.snapshot.json",
        "TestLambdaAccountSettings::test_account_settings_total_code_size",
    )
    .await;
    let total = |answer: Answer| {
        answer.body["AccountUsage"]["TotalCodeSize"]
            .as_i64()
            .unwrap()
    };
    let echo = info_zip_base64(
        "index.py",
        super::PYTHON_ECHO.as_bytes(),
        zip::CompressionMethod::Deflated,
    );
    let layer = info_zip_base64("msg.txt", b"hello", zip::CompressionMethod::Stored);
    let name = "lambda_func-code-size";
    let mut totals = vec![total(account_settings(&replay).await)];
    let mut extra = fixture();
    extra["Handler"] = json!("index.handler");
    extra["Code"] = json!({ "ZipFile": echo });
    let created = create_function(&replay, name, extra).await;
    assert_eq!(created.status, 201, "{created:?}");
    settled(&replay, name).await;
    totals.push(total(account_settings(&replay).await));
    let code = json!({ "ZipFile": echo, "Publish": true });
    let path = format!("/2015-03-31/functions/{name}/code");
    let updated = replay.call(Service::Lambda, "PUT", &path, Some(code)).await;
    assert_eq!(updated.status, 200, "{updated:?}");
    totals.push(total(account_settings(&replay).await));
    for _ in 0..2 {
        let content = json!({ "Content": { "ZipFile": layer } });
        let path = "/2018-10-31/layers/testlayer-code-size/versions";
        let published = replay
            .call(Service::Lambda, "POST", path, Some(content))
            .await;
        assert_eq!(published.status, 201, "{published:?}");
        totals.push(total(account_settings(&replay).await));
    }
    let keys = [
        "total_code_size_diff_create_function",
        "total_code_size_diff_update_function",
        "total_code_size_diff_publish_layer",
        "total_code_size_diff_publish_layer_version",
    ];
    for (key, pair) in keys.iter().zip(totals.windows(2)) {
        assert_eq!(json!(pair[1] - pair[0]), replay.recorded[*key], "{key}");
    }
    replay.stop().await;
}

/// test_lambda.py::TestLambdaConcurrency::test_lambda_concurrency_crud and
/// test_lambda_concurrency_update: none reserved, 0 or 3 reserved and read back (GetFunction
/// then has `Concurrency`), deleted.
#[tokio::test]
async fn reserved_concurrency_is_read_back_as_recorded() {
    for (test, reserved) in [
        ("TestLambdaConcurrency::test_lambda_concurrency_crud", 0),
        ("TestLambdaConcurrency::test_lambda_concurrency_update", 3),
    ] {
        let mut replay = Replay::start("lambda_-test_lambda.snapshot.json", test).await;
        let name = "fn-concurrency-crud";
        let created = create_function(&replay, name, fixture()).await;
        assert_eq!(created.status, 201, "{created:?}");
        settled(&replay, name).await;
        if reserved == 0 {
            let default = concurrency(&replay, "GET", name, None).await;
            replay.check("get_function_concurrency_default", &default);
        }
        let put = concurrency(&replay, "PUT", name, Some(reserved)).await;
        replay.check("put_function_concurrency", &put);
        let got = concurrency(&replay, "GET", name, None).await;
        replay.check("get_function_concurrency_updated", &got);
        if reserved == 3 {
            let info = get_function(&replay, name, None).await;
            replay.check_partly("get_function_concurrency_info", &["Concurrency"], &info);
        }
        let deleted = concurrency(&replay, "DELETE", name, None).await;
        assert_eq!(deleted.status, 204, "{deleted:?}");
        let after = concurrency(&replay, "GET", name, None).await;
        replay.check("get_function_concurrency_deleted", &after);
        replay.stop().await;
    }
}

/// The path of a function's recursion config (Lambda's model: 2024-08-31).
fn recursion_path(name: &str) -> String {
    format!("/2024-08-31/functions/{name}/recursion-config")
}

/// test_lambda_api.py::TestLambdaRecursion: `Terminate` until set, `Allow` once set and read
/// back, and a value outside the model's enum refused in the model's words.
#[tokio::test]
async fn recursion_configs_are_answered_as_recorded() {
    let mut replay = Replay::start(
        "lambda_-test_lambda_api.snapshot.json",
        "TestLambdaRecursion::test_put_function_recursion_config_default_terminate",
    )
    .await;
    let name = "fn-recursion";
    let created = create_function(&replay, name, fixture()).await;
    assert_eq!(created.status, 201, "{created:?}");
    let default = replay
        .call(Service::Lambda, "GET", &recursion_path(name), None)
        .await;
    replay.check("get_recursion_default_terminate_response", &default);
    replay.stop().await;

    let mut replay = Replay::start(
        "lambda_-test_lambda_api.snapshot.json",
        "TestLambdaRecursion::test_put_function_recursion_config_allow",
    )
    .await;
    let created = create_function(&replay, name, fixture()).await;
    assert_eq!(created.status, 201, "{created:?}");
    let put = replay
        .call(
            Service::Lambda,
            "PUT",
            &recursion_path(name),
            Some(json!({ "RecursiveLoop": "Allow" })),
        )
        .await;
    replay.check("put_recursion_config_response", &put);
    let got = replay
        .call(Service::Lambda, "GET", &recursion_path(name), None)
        .await;
    replay.check("get_recursion_config_response", &got);
    replay.stop().await;

    let mut replay = Replay::start(
        "lambda_-test_lambda_api.snapshot.json",
        "TestLambdaRecursion::test_put_function_recursion_config_invalid_value",
    )
    .await;
    let created = create_function(&replay, name, fixture()).await;
    assert_eq!(created.status, 201, "{created:?}");
    let refused = replay
        .call(
            Service::Lambda,
            "PUT",
            &recursion_path(name),
            Some(json!({ "RecursiveLoop": "InvalidValue" })),
        )
        .await;
    replay.check("put_recursion_invalid_value_error", &refused);
    replay.stop().await;
}

/// The path of a function's event invoke config (Lambda's model: 2019-09-25), with `query`.
fn event_config_path(name: &str, query: &str) -> String {
    format!("/2019-09-25/functions/{name}/event-invoke-config{query}")
}

/// test_lambda_api.py::TestLambdaEventInvokeConfig::test_lambda_eventinvokeconfig_lifecycle:
/// Put replaces, Update merges, `$LATEST` by default; a published version has none until it
/// is given one; List pages by MaxItems and Marker; Delete leaves the version's.
#[tokio::test]
async fn event_invoke_configs_live_and_die_as_recorded() {
    let mut replay = Replay::start(
        "lambda_-test_lambda_api.snapshot.json",
        "TestLambdaEventInvokeConfig::test_lambda_eventinvokeconfig_lifecycle",
    )
    .await;
    let name = "fn-eventinvoke";
    let created = create_function(&replay, name, fixture()).await;
    assert_eq!(created.status, 201, "{created:?}");
    settled(&replay, name).await;
    let config = event_config_path(name, "");
    for (key, method, body) in [
        (
            "put_invokeconfig_retries_0",
            "PUT",
            json!({ "MaximumRetryAttempts": 0 }),
        ),
        (
            "put_invokeconfig_eventage_60",
            "PUT",
            json!({ "MaximumEventAgeInSeconds": 60 }),
        ),
        (
            "update_invokeconfig_eventage_nochange",
            "POST",
            json!({ "MaximumEventAgeInSeconds": 60 }),
        ),
        (
            "update_invokeconfig_retries",
            "POST",
            json!({ "MaximumRetryAttempts": 1 }),
        ),
    ] {
        let answer = replay
            .call(Service::Lambda, method, &config, Some(body))
            .await;
        replay.check(key, &answer);
    }
    let got = replay.call(Service::Lambda, "GET", &config, None).await;
    replay.check("get_invokeconfig", &got);
    let latest = event_config_path(name, "?Qualifier=$LATEST");
    let got = replay.call(Service::Lambda, "GET", &latest, None).await;
    replay.check("get_invokeconfig_latest", &got);
    let list = format!("/2019-09-25/functions/{name}/event-invoke-config/list");
    let listed = replay.call(Service::Lambda, "GET", &list, None).await;
    replay.check("list_single_invokeconfig", &listed);
    let published = replay
        .call(
            Service::Lambda,
            "POST",
            &format!("/2015-03-31/functions/{name}/versions"),
            Some(json!({})),
        )
        .await;
    assert_eq!(published.status, 201, "{published:?}");
    let version = event_config_path(name, "?Qualifier=1");
    let none = replay.call(Service::Lambda, "GET", &version, None).await;
    replay.check("get_invokeconfig_postpublish", &none);
    let put = replay
        .call(
            Service::Lambda,
            "PUT",
            &version,
            Some(json!({ "MaximumEventAgeInSeconds": 120 })),
        )
        .await;
    replay.check("put_published_invokeconfig", &put);
    let got = replay.call(Service::Lambda, "GET", &version, None).await;
    replay.check("get_published_invokeconfig", &got);
    // The test's own assertions on paging: one per page, both ARNs across the two pages.
    let first = replay
        .call(Service::Lambda, "GET", &format!("{list}?MaxItems=1"), None)
        .await;
    let all = replay.call(Service::Lambda, "GET", &list, None).await;
    assert_eq!(
        first.body["FunctionEventInvokeConfigs"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        all.body["FunctionEventInvokeConfigs"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let marker = first.body["NextMarker"].as_str().unwrap();
    let rest = replay
        .call(
            Service::Lambda,
            "GET",
            &format!("{list}?MaxItems=1&Marker={marker}"),
            None,
        )
        .await;
    let arns = |answer: &Answer| -> Vec<String> {
        answer.body["FunctionEventInvokeConfigs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["FunctionArn"].as_str().unwrap().to_string())
            .collect()
    };
    let mut paged = [arns(&first), arns(&rest)].concat();
    let mut every = arns(&all);
    paged.sort();
    every.sort();
    assert_eq!(paged, every);
    let deleted = replay.call(Service::Lambda, "DELETE", &config, None).await;
    assert_eq!(deleted.status, 204, "{deleted:?}");
    let listed = replay.call(Service::Lambda, "GET", &list, None).await;
    replay.check("list_paging_nolimit_postdelete", &listed);
    replay.stop().await;
}

/// Which function an event-invoke-config call of `event_invoke_configs_are_refused_as_recorded`
/// names: one that does not exist (by name, by an ARN), the test's function by name, by
/// `NAME:QUALIFIER`, by its ARN or its alias' ARN, and the other function by its ARN.
#[derive(Clone, Copy)]
enum Named {
    Missing,
    MissingArn,
    Function,
    Short(&'static str),
    FunctionArn,
    AliasArn,
    Other,
}

/// What a Put or Update of that test carries: retries (and the age), nothing, a destination on
/// success (a missing function, the function itself, the other one, an IAM ARN), a bare
/// OnSuccess or OnFailure, a destination off the model's pattern; no body (a Get).
#[derive(Clone, Copy)]
enum Config {
    Retries(u8),
    RetriesAndAge(u8, u32),
    Empty,
    OnSuccess(Named),
    OnSuccessIam,
    OnSuccessBare,
    OnFailureBare,
    OnFailureOffPattern,
    NoBody,
}

/// The recorded calls of test_lambda_eventinvokeconfig_exceptions up to its Updates, in its
/// order: key, method, function, qualifier, body.
#[rustfmt::skip]
const EVENT_CONFIG_CALLS: [(&str, &str, Named, Option<&str>, Config); 34] = {
    use Config::*;
    use Named::*;
    const ALIAS: Option<&str> = Some("eventinvokealias");
    const NO_ALIAS: Option<&str> = Some("eventinvokealiasdoesnotexist");
    [
        ("put_functionname_name_notfound", "PUT", Missing, None, Retries(1)),
        ("put_functionname_arn_notfound", "PUT", MissingArn, None, Retries(1)),
        ("put_functionname_nootherargs", "PUT", Missing, None, Empty),
        ("put_destination_lambda_doesntexist", "PUT", Function, None, OnSuccess(MissingArn)),
        ("put_destination_recursive", "PUT", Function, None, OnSuccess(FunctionArn)),
        ("put_destination_other_lambda", "PUT", Function, None, OnSuccess(Other)),
        ("put_destination_invalid_service_arn", "PUT", Function, None, OnSuccessIam),
        ("put_destination_success_no_destination_arn", "PUT", Function, None, OnSuccessBare),
        ("put_destination_failure_no_destination_arn", "PUT", Function, None, OnFailureBare),
        ("put_destination_invalid_arn_pattern", "PUT", Function, None, OnFailureOffPattern),
        ("put_destination_latest", "PUT", Function, None, Retries(1)),
        ("put_destination_latest_explicit_qualifier", "PUT", Function, Some("$LATEST"), Retries(1)),
        ("put_destination_version", "PUT", Function, Some("1"), Retries(1)),
        ("put_alias_functionname_qualifier", "PUT", Function, ALIAS, Retries(1)),
        ("put_alias_doesnotexist", "PUT", Function, NO_ALIAS, Retries(1)),
        ("put_alias_qualifiedarn", "PUT", AliasArn, None, Retries(1)),
        ("put_alias_qualifiedarn_qualifier", "PUT", AliasArn, ALIAS, Retries(1)),
        ("put_alias_qualifiedarn_qualifierconflict", "PUT", AliasArn, NO_ALIAS, Retries(1)),
        ("put_alias_shorthand", "PUT", Short("eventinvokealias"), None, Retries(1)),
        ("put_alias_shorthand_qualifier", "PUT", Short("eventinvokealias"), ALIAS, Retries(1)),
        ("put_alias_shorthand_qualifierconflict", "PUT", Short("eventinvokealias"), NO_ALIAS, Retries(1)),
        ("put_version_shorthand", "PUT", Short("1"), None, Retries(1)),
        ("put_shorthand_qualifier_match", "PUT", Short("$LATEST"), Some("$LATEST"), Retries(1)),
        ("put_shorthand_qualifier_mismatch_1", "PUT", Short("1"), Some("$LATEST"), Retries(1)),
        ("put_shorthand_qualifier_mismatch_2", "PUT", Short("$LATEST"), Some("1"), Retries(1)),
        ("put_shorthand_qualifier_mismatch_3", "PUT", Short("1"), ALIAS, Retries(1)),
        ("put_maxevent_maxvalue_result", "PUT", Function, None, RetriesAndAge(2, 21600)),
        ("put_pre_overwrite", "PUT", Function, None, RetriesAndAge(2, 60)),
        ("put_post_overwrite", "PUT", Function, None, Retries(0)),
        ("second_overwrite_existing_response", "PUT", Function, None, Retries(0)),
        ("get_post_overwrite", "GET", Function, None, NoBody),
        ("pre_update_response", "PUT", Function, None, RetriesAndAge(2, 60)),
        ("update_response", "POST", Function, None, Retries(0)),
        ("update_response_existing", "POST", Function, None, Retries(0)),
    ]
};

/// The two functions of test_lambda_eventinvokeconfig_exceptions, the first with version 1 and
/// the alias `eventinvokealias`, and the ARNs its calls name.
struct EventConfigFunctions {
    name: &'static str,
    fn_arn: String,
    fn_arn_2: String,
    alias_arn: String,
    fake_arn: String,
}

impl EventConfigFunctions {
    /// Makes them, checking the version and the alias against the recording.
    async fn make(replay: &mut Replay) -> EventConfigFunctions {
        let (name, other) = ("fn-eventinvoke", "fn-eventinvoke-2");
        let mut arns = Vec::new();
        for function in [name, other] {
            let created = create_function(replay, function, fixture()).await;
            assert_eq!(created.status, 201, "{created:?}");
            settled(replay, function).await;
            let path = format!("/2015-03-31/functions/{function}");
            let got = replay.call(Service::Lambda, "GET", &path, None).await;
            arns.push(
                got.body["Configuration"]["FunctionArn"]
                    .as_str()
                    .unwrap()
                    .to_string(),
            );
        }
        let versions = format!("/2015-03-31/functions/{name}/versions");
        let published = replay
            .call(Service::Lambda, "POST", &versions, Some(json!({})))
            .await;
        replay.check("fn_version_result", &published);
        let aliases = format!("/2015-03-31/functions/{name}/aliases");
        let body = json!({ "Name": "eventinvokealias", "FunctionVersion": "1" });
        let alias = replay
            .call(Service::Lambda, "POST", &aliases, Some(body))
            .await;
        replay.check("fn_alias_result", &alias);
        let fn_arn_2 = arns.pop().unwrap();
        let fn_arn = arns.pop().unwrap();
        EventConfigFunctions {
            name,
            fake_arn: fn_arn.replace(&format!(":function:{name}"), ":function:doesnotexist"),
            alias_arn: alias.body["AliasArn"].as_str().unwrap().to_string(),
            fn_arn,
            fn_arn_2,
        }
    }

    fn named(&self, named: Named) -> String {
        match named {
            Named::Missing => "doesnotexist".into(),
            Named::MissingArn => self.fake_arn.clone(),
            Named::Function => self.name.into(),
            Named::Short(qualifier) => format!("{}:{qualifier}", self.name),
            Named::FunctionArn => self.fn_arn.clone(),
            Named::AliasArn => self.alias_arn.clone(),
            Named::Other => self.fn_arn_2.clone(),
        }
    }

    /// The body `config` stands for.
    fn body(&self, config: Config) -> Option<Value> {
        let on_success =
            |arn: &str| json!({ "DestinationConfig": { "OnSuccess": { "Destination": arn } } });
        Some(match config {
            Config::Retries(n) => json!({ "MaximumRetryAttempts": n }),
            Config::RetriesAndAge(n, age) => {
                json!({ "MaximumRetryAttempts": n, "MaximumEventAgeInSeconds": age })
            }
            Config::Empty => json!({}),
            Config::OnSuccess(named) => on_success(&self.named(named)),
            Config::OnSuccessIam => on_success(&self.fn_arn.replace(":lambda:", ":iam:")),
            Config::OnSuccessBare => json!({ "DestinationConfig": { "OnSuccess": {} } }),
            Config::OnFailureBare => json!({ "DestinationConfig": { "OnFailure": {} } }),
            Config::OnFailureOffPattern => json!({ "DestinationConfig": { "OnFailure": {
                "Destination": self.fn_arn.replace(":lambda:", ":_-/!lambda:")
            } } }),
            Config::NoBody => return None,
        })
    }

    /// The path of the function's (or `named`'s) config, with the qualifier as a query.
    fn path(&self, named: Named, qualifier: Option<&str>) -> String {
        let query = qualifier.map_or(String::new(), |q| format!("?Qualifier={q}"));
        event_config_path(&self.named(named), &query)
    }
}

/// test_lambda_api.py::TestLambdaEventInvokeConfig::test_lambda_eventinvokeconfig_exceptions:
/// a config needs one setting at least; a destination must be another function that exists, of
/// a service that takes records, and match the model's pattern; a qualifier in the name and
/// one given must agree; Update changes a config and makes none; Get and Delete name the
/// version that has none, Put, Update and List say the function does not exist.
#[tokio::test]
async fn event_invoke_configs_are_refused_as_recorded() {
    let mut replay = Replay::start(
        "lambda_-test_lambda_api.snapshot.json",
        "TestLambdaEventInvokeConfig::test_lambda_eventinvokeconfig_exceptions",
    )
    .await;
    let functions = EventConfigFunctions::make(&mut replay).await;
    for (key, method, named, qualifier, config) in EVENT_CONFIG_CALLS {
        let path = functions.path(named, qualifier);
        let answer = replay
            .call(Service::Lambda, method, &path, functions.body(config))
            .await;
        replay.check(key, &answer);
    }
    // The test's own assertions after Update: the retries changed, the age kept.
    let got = replay
        .call(
            Service::Lambda,
            "GET",
            &functions.path(Named::Function, None),
            None,
        )
        .await;
    assert_eq!(got.body["MaximumRetryAttempts"], 0, "{got:?}");
    assert_eq!(got.body["MaximumEventAgeInSeconds"], 60, "{got:?}");
    event_configs_listed_and_deleted(&mut replay, &functions).await;
    event_configs_of_what_is_missing(&mut replay, &functions).await;
    replay.stop().await;
}

/// test_lambda_eventinvokeconfig_exceptions' List (sorted by FunctionArn, as LocalStack's
/// SortingTransformer sorts them), a page of two, and the three Deletes.
async fn event_configs_listed_and_deleted(replay: &mut Replay, functions: &EventConfigFunctions) {
    let list = format!(
        "/2019-09-25/functions/{}/event-invoke-config/list",
        functions.name
    );
    let mut listed = replay.call(Service::Lambda, "GET", &list, None).await;
    if let Some(configs) = listed.body["FunctionEventInvokeConfigs"].as_array_mut() {
        configs.sort_by_key(|c| c["FunctionArn"].as_str().unwrap_or_default().to_string());
    }
    replay.check("list_configs", &listed);
    let paged = replay
        .call(Service::Lambda, "GET", &format!("{list}?MaxItems=2"), None)
        .await;
    assert_eq!(
        paged.body["FunctionEventInvokeConfigs"]
            .as_array()
            .map(Vec::len),
        Some(2),
        "{paged:?}"
    );
    assert!(paged.body["NextMarker"].is_string(), "{paged:?}");
    for (key, qualifier) in [
        ("delete_latest", "$LATEST"),
        ("delete_version", "1"),
        ("delete_alias", "eventinvokealias"),
    ] {
        let path = functions.path(Named::Function, Some(qualifier));
        let deleted = replay.call(Service::Lambda, "DELETE", &path, None).await;
        replay.check(key, &deleted);
    }
    let listed = replay.call(Service::Lambda, "GET", &list, None).await;
    replay.check("list_configs_postdelete", &listed);
}

/// test_lambda_eventinvokeconfig_exceptions' last calls: a config, function or qualifier that
/// does not exist, by Delete, List, Get and Update.
async fn event_configs_of_what_is_missing(replay: &mut Replay, functions: &EventConfigFunctions) {
    let path = |named, qualifier| functions.path(named, qualifier);
    let retries = || Some(json!({ "MaximumRetryAttempts": 0 }));
    let no_list = "/2019-09-25/functions/doesnotexist/event-invoke-config/list";
    let calls = vec![
        (
            "delete_function_not_found",
            "DELETE",
            path(Named::Function, None),
            None,
        ),
        (
            "delete_function_doesnotexist",
            "DELETE",
            path(Named::Missing, None),
            None,
        ),
        (
            "list_function_doesnotexist",
            "GET",
            no_list.to_string(),
            None,
        ),
        (
            "get_function_doesnotexist",
            "GET",
            path(Named::Missing, None),
            None,
        ),
        (
            "get_qualifier_doesnotexist",
            "GET",
            path(Named::Function, Some("doesnotexist")),
            None,
        ),
        (
            "update_eventinvokeconfig_function_doesnotexist",
            "POST",
            path(Named::Missing, None),
            retries(),
        ),
        (
            "get_eventinvokeconfig_doesnotexist",
            "GET",
            path(Named::AliasArn, None),
            None,
        ),
        (
            "update_eventinvokeconfig_config_doesnotexist_with_qualifier",
            "POST",
            path(Named::AliasArn, None),
            retries(),
        ),
        (
            "update_eventinvokeconfig_config_doesnotexist_without_qualifier",
            "POST",
            path(Named::FunctionArn, None),
            retries(),
        ),
    ];
    replay.check_calls(Service::Lambda, calls).await;
}

/// test_lambda_api.py::TestLambdaFunction::test_ops_on_nonexisting_fn[get_function_concurrency]:
/// a function that does not exist has no concurrency, named by its ARN.
#[tokio::test]
async fn a_missing_functions_concurrency_is_not_found_as_recorded() {
    let mut replay = Replay::start(
        "lambda_-test_lambda_api.snapshot.json",
        "TestLambdaFunction::test_ops_on_nonexisting_fn[get_function_concurrency]",
    )
    .await;
    let got = replay
        .call(
            Service::Lambda,
            "GET",
            "/2019-09-30/functions/i-dont-exist-4f2a/concurrency",
            None,
        )
        .await;
    replay.check("not_found_exception", &got);
    replay.stop().await;
}

/// test_lambda_api.py::TestPartialARNMatching::test_update_function_configuration_full_arn
/// (recorded with no answers: the test's own assertions): UpdateFunctionConfiguration takes the
/// function by its full ARN, its name and its partial ARN (`ACCOUNT:function:NAME`), each
/// update applied before the next.
#[tokio::test]
async fn a_function_is_updated_by_its_full_or_partial_arn() {
    let replay = Replay::start(
        "lambda_-test_lambda_api.snapshot.json",
        "TestPartialARNMatching::test_update_function_configuration_full_arn",
    )
    .await;
    let name = "fn-partial-arn";
    let mut extra = fixture();
    extra["MemorySize"] = json!(256);
    extra["Timeout"] = json!(5);
    let created = create_function(&replay, name, extra).await;
    assert_eq!(created.status, 201, "{created:?}");
    settled(&replay, name).await;
    let full_arn = created.body["FunctionArn"].as_str().unwrap().to_string();
    let partial_arn = full_arn
        .rsplitn(4, ':')
        .take(3)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect::<Vec<_>>()
        .join(":");
    assert_eq!(partial_arn, format!("000000000000:function:{name}"));
    for given in [full_arn.as_str(), name, partial_arn.as_str()] {
        let updated = replay
            .call(
                Service::Lambda,
                "PUT",
                &format!("/2015-03-31/functions/{given}/configuration"),
                Some(json!({
                    "Description": "Changed-Description",
                    "MemorySize": 512,
                    "Timeout": 10,
                    "Environment": { "Variables": { "ENV_A": "a" } },
                })),
            )
            .await;
        assert_eq!(updated.status, 200, "{given}: {updated:?}");
        assert_eq!(updated.body["FunctionName"], name, "{given}");
        settled(&replay, name).await;
    }
    let got = replay
        .call(
            Service::Lambda,
            "GET",
            &format!("/2015-03-31/functions/{name}/configuration"),
            None,
        )
        .await;
    assert_eq!(
        (
            &got.body["Description"],
            &got.body["MemorySize"],
            &got.body["Timeout"]
        ),
        (&json!("Changed-Description"), &json!(512), &json!(10))
    );
    assert_eq!(
        got.body["Environment"],
        json!({ "Variables": { "ENV_A": "a" } })
    );
    replay.stop().await;
}

/// test_lambda_api.py::TestLambdaFunction::test_lambda_code_location_zipfile: GetFunction's
/// `Code.Location` downloads the zip that was uploaded, byte for byte, and after an update
/// the new one, even while the update is InProgress; `CodeSha256` and `CodeSize` are that
/// zip's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_code_location_downloads_the_uploaded_zip_as_recorded() {
    use sha2::Digest;
    // A change takes 10 s to apply, so that the read right after the update sees it
    // InProgress, as the test's did on AWS, however loaded the machine.
    let mut replay = Replay::start_with(
        "lambda_-test_lambda_api.snapshot.json",
        "TestLambdaFunction::test_lambda_code_location_zipfile",
        LocalConfig {
            settle: std::time::Duration::from_secs(10),
            ..LocalConfig::default()
        },
    )
    .await;
    let name = "code-function";
    let first = common::script_zip("printf '{\"first\":1}' > /tmp/out");
    let extra = json!({ "Handler": "index.handler", "PackageType": "Zip", "Code": { "ZipFile": base64_of(&first) } });
    let created = create_function(&replay, name, extra).await;
    replay.check("create-response-zip-file", &created);
    settled(&replay, name).await;
    let updated = common::script_zip("printf '{\"second\":2}' > /tmp/out");
    for (zip, key) in [
        (first, "get-function-response"),
        (updated, "get-function-response-updated"),
    ] {
        if key.ends_with("updated") {
            let body = json!({ "ZipFile": base64_of(&zip) });
            let path = format!("/2015-03-31/functions/{name}/code");
            let answer = replay.call(Service::Lambda, "PUT", &path, Some(body)).await;
            replay.check("update-function-response", &answer);
            // Read at once, while the update is InProgress, as the test reads it.
        }
        let answer = get_function(&replay, name, None).await;
        replay.check(key, &answer);
        let location = answer.body["Code"]["Location"].as_str().unwrap();
        let downloaded = replay.client.get(location).send().await.unwrap();
        let status = downloaded.status();
        let bytes = downloaded.bytes().await.unwrap();
        assert_eq!(
            status,
            200,
            "{location}: {}",
            String::from_utf8_lossy(&bytes)
        );
        assert_eq!(bytes.as_ref(), zip.as_slice());
        let configuration = &answer.body["Configuration"];
        assert_eq!(
            configuration["CodeSha256"],
            base64_of(&sha2::Sha256::digest(&zip))
        );
        assert_eq!(configuration["CodeSize"], zip.len());
        // Altered, the location is refused as S3 refuses a presigned URL.
        let altered = location.replace("X-Amz-Expires=600", "X-Amz-Expires=6000");
        let refused = replay.client.get(altered).send().await.unwrap();
        assert_eq!(refused.status(), 403);
    }
    replay.stop().await;
}
