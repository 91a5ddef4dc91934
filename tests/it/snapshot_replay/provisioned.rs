//! Provisioned concurrency, replayed from LocalStack's test_lambda_api.py
//! (TestLambdaProvisionedConcurrency) and test_lambda.py (TestLambdaConcurrency).
//!
//! An invocation of a provisioned version (or of its alias) runs in an environment started
//! ahead of it and reads `AWS_LAMBDA_INITIALIZATION_TYPE` as `provisioned-concurrency`;
//! `$LATEST`'s as `on-demand`, as the tests assert. Not replayed:
//! test_provisioned_concurrency_init_failure, whose function fails only in a provisioned
//! environment's init (a config never becomes FAILED here).

use serde_json::{json, Value};

use super::PYTHON_ECHO;
use super::{Answer, Replay, Service};
use crate::common;

const API: &str = "lambda_-test_lambda_api.snapshot.json";
const LAMBDA: &str = "lambda_-test_lambda.snapshot.json";

/// LocalStack's `functions/lambda_invocation_type.py` (TEST_LAMBDA_INVOCATION_TYPE).
const INVOCATION_TYPE: &str = "import os\nimport time\n\n\ndef handler(event, context):\n    if event.get(\"wait\"):\n        time.sleep(event[\"wait\"])\n    init_type = os.environ[\"AWS_LAMBDA_INITIALIZATION_TYPE\"]\n    print(f\"{init_type=}\")\n    return init_type\n";

/// A python3.12 function running `source` as `handler.py`, made as LocalStack's
/// `create_lambda_function` fixture makes it (a 30 s timeout, an empty `Environment`), and
/// waited for until Active.
async fn python_function(replay: &Replay, name: &str, source: &str) {
    use base64::Engine;
    let zip = faqctl::package::write_zip(&[("handler.py", 0o644, source.as_bytes())]).unwrap();
    let created = replay
        .call(
            Service::Lambda,
            "POST",
            "/2015-03-31/functions",
            Some(json!({
                "FunctionName": name,
                "Runtime": "python3.12",
                "Handler": "handler.handler",
                "Role": "arn:aws:iam::000000000000:role/lambda-replay-role",
                "Timeout": 30,
                "Environment": { "Variables": {} },
                "Code": { "ZipFile": base64::engine::general_purpose::STANDARD.encode(zip) },
            })),
        )
        .await;
    assert_eq!(created.status, 201, "{created:?}");
    settled(replay, name).await;
}

/// Waits (bounded) until the function's last change is applied (`function_updated_v2`).
async fn settled(replay: &Replay, name: &str) {
    let path = format!("/2015-03-31/functions/{name}/configuration");
    let settled = common::until(std::time::Duration::from_secs(30), || async {
        let answer = replay.call(Service::Lambda, "GET", &path, None).await;
        answer.body["State"] == "Active" && answer.body["LastUpdateStatus"] == "Successful"
    })
    .await;
    assert!(settled, "{name} did not settle");
}

async fn publish(replay: &Replay, name: &str) -> Answer {
    let path = format!("/2015-03-31/functions/{name}/versions");
    replay
        .call(Service::Lambda, "POST", &path, Some(json!({})))
        .await
}

async fn create_alias(replay: &Replay, name: &str, alias: &str, version: &str) -> Answer {
    let path = format!("/2015-03-31/functions/{name}/aliases");
    let body = json!({ "Name": alias, "FunctionVersion": version });
    replay
        .call(Service::Lambda, "POST", &path, Some(body))
        .await
}

/// Put (with `executions`), Get or Delete of the provisioned concurrency of `name`'s
/// `qualifier`, as boto3 sends them.
async fn provisioned(
    replay: &Replay,
    method: &str,
    name: &str,
    qualifier: &str,
    executions: Option<i64>,
) -> Answer {
    let path = format!(
        "/2019-09-30/functions/{name}/provisioned-concurrency?Qualifier={}",
        qualifier.replace('$', "%24")
    );
    let body = executions.map(|n| json!({ "ProvisionedConcurrentExecutions": n }));
    replay.call(Service::Lambda, method, &path, body).await
}

async fn list(replay: &Replay, name: &str) -> Answer {
    let path = format!("/2019-09-30/functions/{name}/provisioned-concurrency?List=ALL");
    replay.call(Service::Lambda, "GET", &path, None).await
}

/// Waits (bounded) until the config is READY, as LocalStack's `concurrency_update_done`.
async fn ready(replay: &Replay, name: &str, qualifier: &str) {
    let ready = common::until(std::time::Duration::from_secs(30), || async {
        provisioned(replay, "GET", name, qualifier, None).await.body["Status"] == "READY"
    })
    .await;
    assert!(
        ready,
        "{name}:{qualifier}'s provisioned concurrency did not become READY"
    );
}

fn concurrency_path(method: &str, name: &str) -> String {
    let version = if method == "GET" {
        "2019-09-30"
    } else {
        "2017-10-31"
    };
    format!("/{version}/functions/{name}/concurrency")
}

async fn reserve(replay: &Replay, name: &str, reserved: i64) -> Answer {
    let body = json!({ "ReservedConcurrentExecutions": reserved });
    replay
        .call(
            Service::Lambda,
            "PUT",
            &concurrency_path("PUT", name),
            Some(body),
        )
        .await
}

/// test_lambda_api.py::TestLambdaProvisionedConcurrency::test_provisioned_concurrency_exceptions:
/// Get, List, Delete and Put of a function, version or alias that does not exist, of
/// `$LATEST`, and of a version with none; 0 refused by the model's bound.
#[tokio::test]
async fn provisioned_concurrency_mistakes_are_refused_as_recorded() {
    let mut replay = Replay::start(
        API,
        "TestLambdaProvisionedConcurrency::test_provisioned_concurrency_exceptions",
    )
    .await;
    let name = "fn-provisioned-exc";
    python_function(&replay, name, PYTHON_ECHO).await;
    let published = publish(&replay, name).await;
    replay.check("publish_version_result", &published);
    let version = published.body["Version"].as_str().unwrap().to_string();
    let calls: [(&str, &str, &str, &str, Option<i64>); 16] = [
        (
            "get_provisioned_config_doesnotexist",
            "GET",
            name,
            &version,
            None,
        ),
        (
            "get_provisioned_functionname_doesnotexist",
            "GET",
            "doesnotexist",
            "noalias",
            None,
        ),
        (
            "get_provisioned_qualifier_doesnotexist",
            "GET",
            name,
            "noalias",
            None,
        ),
        (
            "get_provisioned_version_doesnotexist",
            "GET",
            name,
            "10",
            None,
        ),
        ("get_provisioned_latest", "GET", name, "$LATEST", None),
        (
            "delete_provisioned_functionname_doesnotexist",
            "DELETE",
            "doesnotexist",
            &version,
            None,
        ),
        (
            "delete_provisioned_qualifier_doesnotexist",
            "DELETE",
            name,
            "noalias",
            None,
        ),
        (
            "delete_provisioned_version_doesnotexist",
            "DELETE",
            name,
            "10",
            None,
        ),
        ("delete_provisioned_latest", "DELETE", name, "$LATEST", None),
        (
            "delete_provisioned_config_doesnotexist",
            "DELETE",
            name,
            &version,
            None,
        ),
        (
            "put_provisioned_invalid_param_0",
            "PUT",
            name,
            &version,
            Some(0),
        ),
        (
            "put_provisioned_functionname_doesnotexist_alias",
            "PUT",
            "doesnotexist",
            "noalias",
            Some(1),
        ),
        (
            "put_provisioned_functionname_doesnotexist_version",
            "PUT",
            "doesnotexist",
            "1",
            Some(1),
        ),
        (
            "put_provisioned_qualifier_doesnotexist",
            "PUT",
            name,
            "doesnotexist",
            Some(1),
        ),
        (
            "put_provisioned_version_doesnotexist",
            "PUT",
            name,
            "10",
            Some(1),
        ),
        ("put_provisioned_latest", "PUT", name, "$LATEST", Some(1)),
    ];
    for (key, method, function, qualifier, executions) in calls.iter().take(5) {
        let answer = provisioned(&replay, method, function, qualifier, *executions).await;
        replay.check(key, &answer);
    }
    let empty = list(&replay, name).await;
    replay.check("list_provisioned_noconfigs", &empty);
    let missing = list(&replay, "doesnotexist").await;
    replay.check("list_provisioned_functionname_doesnotexist", &missing);
    for (key, method, function, qualifier, executions) in calls.iter().skip(5) {
        let answer = provisioned(&replay, method, function, qualifier, *executions).await;
        replay.check(key, &answer);
    }
    replay.stop().await;
}

/// test_lambda_api.py::TestLambdaProvisionedConcurrency::test_provisioned_concurrency_limits:
/// more than the account's executions, and all of them (which leaves less than the unreserved
/// minimum), refused in AWS's words.
#[tokio::test]
async fn provisioned_concurrency_is_held_to_the_accounts_limits_as_recorded() {
    let mut replay = Replay::start(
        API,
        "TestLambdaProvisionedConcurrency::test_provisioned_concurrency_limits",
    )
    .await;
    let name = "fn-provisioned-limits";
    python_function(&replay, name, PYTHON_ECHO).await;
    let version = publish(&replay, name).await.body["Version"]
        .as_str()
        .unwrap()
        .to_string();
    let settings = replay
        .call(Service::Lambda, "GET", "/2016-08-19/account-settings", None)
        .await;
    let limit = settings.body["AccountLimit"]["ConcurrentExecutions"]
        .as_i64()
        .unwrap();
    let over = provisioned(&replay, "PUT", name, &version, Some(limit + 1)).await;
    replay.check("put_provisioned_concurrency_account_limit_exceeded", &over);
    // The test's own assertion: the figure in the message is the account's limit.
    let message = over.body["message"].as_str().unwrap();
    assert!(message.ends_with(&format!("[{limit}].")), "{message}");
    let at = provisioned(&replay, "PUT", name, &version, Some(limit)).await;
    replay.check(
        "put_provisioned_concurrency_below_unreserved_min_value",
        &at,
    );
    replay.stop().await;
}

/// test_lambda_api.py::TestLambdaProvisionedConcurrency::test_lambda_provisioned_lifecycle: a
/// version provisioned by number refuses its alias, and the other way around; deleting the
/// alias deletes its config.
#[tokio::test]
async fn provisioned_concurrency_lives_and_dies_as_recorded() {
    let mut replay = Replay::start(
        API,
        "TestLambdaProvisionedConcurrency::test_lambda_provisioned_lifecycle",
    )
    .await;
    let name = "fn-provisioned-life";
    python_function(&replay, name, PYTHON_ECHO).await;
    let published = publish(&replay, name).await;
    replay.check("publish_version_result", &published);
    let version = published.body["Version"].as_str().unwrap().to_string();
    let alias = "alias-provisioned";
    let created = create_alias(&replay, name, alias, &version).await;
    replay.check("create_alias_result", &created);
    let on_version = provisioned(&replay, "PUT", name, &version, Some(1)).await;
    replay.check("put_provisioned_on_version", &on_version);
    let conflict = provisioned(&replay, "PUT", name, alias, Some(1)).await;
    replay.check("put_provisioned_on_alias_versionconflict", &conflict);
    ready(&replay, name, &version).await;
    let deleted = provisioned(&replay, "DELETE", name, &version, None).await;
    replay.check("delete_provisioned_version", &deleted);
    let gone = provisioned(&replay, "GET", name, &version, None).await;
    replay.check("get_provisioned_version_postdelete", &gone);
    let on_alias = provisioned(&replay, "PUT", name, alias, Some(1)).await;
    replay.check("put_provisioned_on_alias", &on_alias);
    let conflict = provisioned(&replay, "PUT", name, &version, Some(1)).await;
    replay.check("put_provisioned_on_version_conflict", &conflict);
    let path = format!("/2015-03-31/functions/{name}/aliases/{alias}");
    let alias_deleted = replay.call(Service::Lambda, "DELETE", &path, None).await;
    replay.check("delete_alias_result", &alias_deleted);
    let alias_gone = provisioned(&replay, "GET", name, alias, None).await;
    replay.check("get_provisioned_alias_postaliasdelete", &alias_gone);
    let listed = list(&replay, name).await;
    replay.check("list_response_postdeletes", &listed);
    replay.stop().await;
}

/// Put, then Get before and after READY, of a version or an alias (test_lambda.py's
/// test_provisioned_concurrency and test_provisioned_concurrency_on_alias).
async fn provisioned_and_ready(replay: &mut Replay, name: &str, qualifier: &str, put_key: &str) {
    let put = provisioned(replay, "PUT", name, qualifier, Some(5)).await;
    replay.check(put_key, &put);
    let prewait = provisioned(replay, "GET", name, qualifier, None).await;
    replay.check("get_provisioned_prewait", &prewait);
    ready(replay, name, qualifier).await;
    let postwait = provisioned(replay, "GET", name, qualifier, None).await;
    replay.check("get_provisioned_postwait", &postwait);
}

/// test_lambda.py::TestLambdaConcurrency::test_provisioned_concurrency: IN_PROGRESS with none
/// allocated, then READY with all; the version and `$LATEST` both run.
#[tokio::test]
async fn provisioned_concurrency_becomes_ready_as_recorded() {
    let mut replay = Replay::start(
        LAMBDA,
        "TestLambdaConcurrency::test_provisioned_concurrency",
    )
    .await;
    let name = "fn-provisioned-ready";
    python_function(&replay, name, INVOCATION_TYPE).await;
    let version = publish(&replay, name).await.body["Version"]
        .as_str()
        .unwrap()
        .to_string();
    provisioned_and_ready(&mut replay, name, &version, "put_provisioned_5").await;
    for (qualifier, initialization) in [
        (version.as_str(), "provisioned-concurrency"),
        ("$LATEST", "on-demand"),
    ] {
        let invoked = replay.invoke(&format!("{name}:{qualifier}"), None).await;
        assert_eq!(invoked.status, 200, "{invoked:?}");
        assert_eq!(invoked.body["Payload"], initialization, "{qualifier}");
    }
    replay.stop().await;
}

/// test_lambda.py::TestLambdaConcurrency::test_provisioned_concurrency_on_alias: the same of
/// an alias; the alias, its version and `$LATEST` all run.
#[tokio::test]
async fn an_alias_provisioned_concurrency_becomes_ready_as_recorded() {
    let mut replay = Replay::start(
        LAMBDA,
        "TestLambdaConcurrency::test_provisioned_concurrency_on_alias",
    )
    .await;
    let name = "fn-provisioned-alias";
    python_function(&replay, name, INVOCATION_TYPE).await;
    let version = publish(&replay, name).await.body["Version"]
        .as_str()
        .unwrap()
        .to_string();
    let created = create_alias(&replay, name, "live", &version).await;
    assert_eq!(created.status, 201, "{created:?}");
    provisioned_and_ready(&mut replay, name, "live", "put_provisioned_5").await;
    for (qualifier, initialization) in [
        ("live", "provisioned-concurrency"),
        (version.as_str(), "provisioned-concurrency"),
        ("$LATEST", "on-demand"),
    ] {
        let invoked = replay.invoke(&format!("{name}:{qualifier}"), None).await;
        assert_eq!(invoked.status, 200, "{invoked:?}");
        assert_eq!(invoked.body["Payload"], initialization, "{qualifier}");
    }
    replay.stop().await;
}

/// test_lambda.py::TestLambdaConcurrency::test_lambda_provisioned_concurrency_scheduling: the
/// config READY (its one recorded answer).
#[tokio::test]
async fn one_provisioned_execution_becomes_ready_as_recorded() {
    let mut replay = Replay::start(
        LAMBDA,
        "TestLambdaConcurrency::test_lambda_provisioned_concurrency_scheduling",
    )
    .await;
    let name = "fn-provisioned-one";
    python_function(&replay, name, INVOCATION_TYPE).await;
    let version = publish(&replay, name).await.body["Version"]
        .as_str()
        .unwrap()
        .to_string();
    let put = provisioned(&replay, "PUT", name, &version, Some(1)).await;
    assert_eq!(put.status, 202, "{put:?}");
    ready(&replay, name, &version).await;
    let postwait = provisioned(&replay, "GET", name, &version, None).await;
    replay.check("get_provisioned_postwait", &postwait);
    replay.stop().await;
}

/// test_lambda.py::TestLambdaConcurrency::test_lambda_concurrency_block: a reservation of 1
/// provisioned whole for version 1 leaves `$LATEST` nothing: it is throttled, the version
/// runs.
#[tokio::test]
async fn provisioned_concurrency_takes_the_reservation_from_latest_as_recorded() {
    let mut replay = Replay::start(
        LAMBDA,
        "TestLambdaConcurrency::test_lambda_concurrency_block",
    )
    .await;
    let name = "fn-concurrency-block";
    python_function(&replay, name, PYTHON_ECHO).await;
    let published = publish(&replay, name).await;
    replay.check("v1_result", &published);
    let reserved = reserve(&replay, name, 1).await;
    replay.check("reserved_concurrency_result", &reserved);
    let hello = Some(br#"{"hello": "world"}"#.to_vec());
    let latest = format!("{name}:$LATEST");
    let before = replay.invoke(&latest, hello.clone()).await;
    replay.check("invoke_latest_before_block", &before);
    let put = provisioned(&replay, "PUT", name, "1", Some(1)).await;
    replay.check("provisioned_concurrency_result", &put);
    ready(&replay, name, "1").await;
    let first = replay.invoke(&latest, hello.clone()).await;
    replay.check("invoke_latest_first_exc", &first);
    let v1 = replay.invoke(&format!("{name}:1"), hello.clone()).await;
    replay.check("invoke_v1_after_block", &v1);
    let second = replay.invoke(&latest, hello).await;
    replay.check("invoke_latest_second_exc", &second);
    replay.stop().await;
}

/// test_lambda.py::TestLambdaConcurrency::test_reserved_provisioned_overlap: a reservation is
/// never below what is provisioned, provisioning never beyond the reservation, and what is
/// provisioned is kept from `$LATEST`.
#[tokio::test]
async fn reserved_and_provisioned_concurrency_overlap_as_recorded() {
    let mut replay = Replay::start(
        LAMBDA,
        "TestLambdaConcurrency::test_reserved_provisioned_overlap",
    )
    .await;
    let name = "fn-provisioned-overlap";
    python_function(&replay, name, INVOCATION_TYPE).await;
    let v1 = publish(&replay, name).await.body["Version"]
        .as_str()
        .unwrap()
        .to_string();
    let put = provisioned(&replay, "PUT", name, &v1, Some(2)).await;
    replay.check("put_provisioned_5", &put);
    let prewait = provisioned(&replay, "GET", name, &v1, None).await;
    replay.check("get_provisioned_prewait", &prewait);
    ready(&replay, name, &v1).await;
    let postwait = provisioned(&replay, "GET", name, &v1, None).await;
    replay.check("get_provisioned_postwait", &postwait);
    let lower = reserve(&replay, name, 1).await;
    replay.check("reserved_lower_than_provisioned_exc", &lower);
    let equal = reserve(&replay, name, 2).await;
    assert_eq!(equal.status, 200, "{equal:?}");
    let got = replay
        .call(Service::Lambda, "GET", &concurrency_path("GET", name), None)
        .await;
    replay.check("get_concurrency", &got);
    let latest = replay.invoke(name, None).await;
    replay.check("reserved_equals_provisioned_latest_invoke_exc", &latest);
    let on_v1 = replay.invoke(&format!("{name}:{v1}"), None).await;
    assert_eq!(on_v1.status, 200, "{on_v1:?}");
    let path = format!("/2015-03-31/functions/{name}/configuration");
    let updated = replay
        .call(
            Service::Lambda,
            "PUT",
            &path,
            Some(json!({ "Timeout": 15 })),
        )
        .await;
    replay.check("update_func_config", &updated);
    settled(&replay, name).await;
    let v2 = publish(&replay, name).await.body["Version"]
        .as_str()
        .unwrap()
        .to_string();
    assert_ne!(v1, v2);
    let another = provisioned(&replay, "PUT", name, &v2, Some(1)).await;
    replay.check(
        "reserved_equals_provisioned_another_provisioned_exc",
        &another,
    );
    let increase = provisioned(&replay, "PUT", name, &v1, Some(3)).await;
    replay.check(
        "reserved_equals_provisioned_increase_provisioned_exc",
        &increase,
    );
    replay.stop().await;
}

/// Beyond the recordings, the list: each config under its qualified ARN, READY once ready.
#[tokio::test]
async fn provisioned_concurrency_configs_are_listed() {
    let replay = Replay::start(
        API,
        "TestLambdaProvisionedConcurrency::test_lambda_provisioned_lifecycle",
    )
    .await;
    let name = "fn-provisioned-list";
    python_function(&replay, name, PYTHON_ECHO).await;
    publish(&replay, name).await;
    create_alias(&replay, name, "live", "1").await;
    let path = format!("/2015-03-31/functions/{name}/configuration");
    let updated = replay
        .call(
            Service::Lambda,
            "PUT",
            &path,
            Some(json!({ "Timeout": 15 })),
        )
        .await;
    assert_eq!(updated.status, 200, "{updated:?}");
    settled(&replay, name).await;
    assert_eq!(publish(&replay, name).await.body["Version"], "2");
    provisioned(&replay, "PUT", name, "2", Some(2)).await;
    provisioned(&replay, "PUT", name, "live", Some(1)).await;
    ready(&replay, name, "2").await;
    ready(&replay, name, "live").await;
    let listed = list(&replay, name).await;
    assert_eq!(listed.status, 200, "{listed:?}");
    let items: Vec<(Value, Value, Value)> = listed.body["ProvisionedConcurrencyConfigs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let arn = c["FunctionArn"].as_str().unwrap();
            (
                json!(arn.rsplit(':').next().unwrap()),
                c["AllocatedProvisionedConcurrentExecutions"].clone(),
                c["Status"].clone(),
            )
        })
        .collect();
    assert_eq!(
        items,
        vec![
            (json!("2"), json!(2), json!("READY")),
            (json!("live"), json!(1), json!("READY")),
        ]
    );
    // The account's unreserved executions count them.
    let settings = replay
        .call(Service::Lambda, "GET", "/2016-08-19/account-settings", None)
        .await;
    assert_eq!(
        settings.body["AccountLimit"]["UnreservedConcurrentExecutions"],
        997
    );
    replay.stop().await;
}

/// GetFunctionConfiguration (or GetFunction, `whole`) of `name`'s `qualifier`.
async fn configuration(replay: &Replay, name: &str, qualifier: &str, whole: bool) -> Answer {
    let part = if whole { "" } else { "/configuration" };
    let qualifier = qualifier.replace('$', "%24");
    let path = format!("/2015-03-31/functions/{name}{part}?Qualifier={qualifier}");
    replay.call(Service::Lambda, "GET", &path, None).await
}

/// A GetFunction answer held to the recording: its `Configuration` as a configuration (so
/// that what AWS answers since is tolerated as in any), and its `Code`.
fn check_get_function(replay: &mut Replay, key: &str, answer: &Answer) {
    assert_eq!(answer.status, 200, "{key}: {answer:?}");
    let configuration = Answer {
        status: 200,
        code: None,
        body: answer.body["Configuration"].clone(),
    };
    replay.check_in(key, "Configuration", &configuration);
    let code = replay.recorded[key]["Code"].clone();
    replay
        .stand_ins
        .matches(&code, &answer.body["Code"], &format!("{key}.Code"));
}

/// Invokes `name:qualifier` and answers how its environment was initialized.
async fn initialization(replay: &Replay, name: &str, qualifier: &str) -> Value {
    let invoked = replay.invoke(&format!("{name}:{qualifier}"), None).await;
    assert_eq!(invoked.status, 200, "{qualifier}: {invoked:?}");
    invoked.body["Payload"].clone()
}

/// test_lambda.py::TestLambdaConcurrency::test_lambda_provisioned_concurrency_moves_with_alias:
/// an alias' provisioned concurrency, put while it names version 1, moves with it to version
/// 2 (IN_PROGRESS again with its executions still allocated, then READY); version 1 then runs
/// on demand, and version 2 has no config of its own. Recorded in 2023 on python3.8 (which
/// the local cloud still runs), before Lambda answered `LoggingConfig`.
#[tokio::test]
async fn provisioned_concurrency_moves_with_its_alias_as_recorded() {
    use base64::Engine;
    let mut replay = Replay::start(
        LAMBDA,
        "TestLambdaConcurrency::test_lambda_provisioned_concurrency_moves_with_alias",
    )
    .await;
    let (name, alias) = ("fn-provisioned-moves", "test_alias_moves");
    let zip = faqctl::package::write_zip(&[("handler.py", 0o644, INVOCATION_TYPE.as_bytes())]);
    let body = json!({
        "FunctionName": name,
        "Runtime": "python3.8",
        "Handler": "handler.handler",
        "Role": "arn:aws:iam::000000000000:role/lambda-replay-role",
        "Timeout": 2,
        "Environment": { "Variables": {} },
        "Code": { "ZipFile": base64::engine::general_purpose::STANDARD.encode(zip.unwrap()) },
    });
    let path = "/2015-03-31/functions";
    let created = replay.call(Service::Lambda, "POST", path, Some(body)).await;
    replay.check_in("create-result", "CreateFunctionResponse", &created);
    settled(&replay, name).await;
    let latest = configuration(&replay, name, "$LATEST", false).await;
    replay.check("get-function-configuration", &latest);
    let versions = format!("/2015-03-31/functions/{name}/versions");
    let first =
        json!({ "RevisionId": latest.body["RevisionId"], "Description": "my-first-version" });
    let first = replay
        .call(Service::Lambda, "POST", &versions, Some(first))
        .await;
    replay.check("publish_version_1", &first);
    let one = configuration(&replay, name, "1", false).await;
    replay.check("get_function_configuration_version_1", &one);
    assert_eq!(initialization(&replay, name, "1").await, "on-demand");
    let created = create_alias(&replay, name, alias, "1").await;
    replay.check("create_alias", &created);
    let before = configuration(&replay, name, "1", true).await;
    check_get_function(&mut replay, "get_function_before_provisioned", &before);
    let put = provisioned(&replay, "PUT", name, alias, Some(1)).await;
    assert_eq!(put.status, 202, "{put:?}");
    ready(&replay, name, alias).await;
    let after = configuration(&replay, name, alias, true).await;
    check_get_function(&mut replay, "get_function_after_provisioned", &after);
    for qualifier in ["1", alias] {
        let initialized = initialization(&replay, name, qualifier).await;
        assert_eq!(initialized, "provisioned-concurrency", "{qualifier}");
    }
    let path = format!("/2015-03-31/functions/{name}/configuration");
    let timeout = Some(json!({ "Timeout": 10 }));
    let updated = replay.call(Service::Lambda, "PUT", &path, timeout).await;
    assert_eq!(updated.status, 200, "{updated:?}");
    settled(&replay, name).await;
    let updated = replay.call(Service::Lambda, "GET", &path, None).await;
    replay.check("get_function_after_update", &updated);
    let second = json!({ "RevisionId": updated.body["RevisionId"] });
    let second = replay
        .call(Service::Lambda, "POST", &versions, Some(second))
        .await;
    replay.check("publish_version_2", &second);
    let path = format!("/2015-03-31/functions/{name}/aliases/{alias}");
    let moved = json!({ "FunctionVersion": "2" });
    let moved = replay
        .call(Service::Lambda, "PUT", &path, Some(moved))
        .await;
    replay.check("update_alias", &moved);
    let moving = provisioned(&replay, "GET", name, alias, None).await;
    replay.check("get_provisioned_config_after_alias_move", &moving);
    ready(&replay, name, alias).await;
    for (qualifier, initialized) in [
        ("1", "on-demand"),
        ("2", "provisioned-concurrency"),
        (alias, "provisioned-concurrency"),
    ] {
        assert_eq!(
            initialization(&replay, name, qualifier).await,
            initialized,
            "{qualifier}"
        );
    }
    let none = provisioned(&replay, "GET", name, "2", None).await;
    replay.check("provisioned_concurrency_notfound", &none);
    replay.stop().await;
}
