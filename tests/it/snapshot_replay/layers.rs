//! Lambda layers, replayed from LocalStack's test_lambda_api.py (TestLambdaLayer).

use serde_json::{json, Value};

use super::{Answer, Replay, Service};
use crate::common;

const API: &str = "lambda_-test_lambda_api.snapshot.json";

/// A small layer zip (LocalStack's `dummylayer` is its own `layers/testlayer.zip`).
fn dummylayer() -> String {
    use base64::Engine;
    let zip = faqctl::package::write_zip(&[("python/dummy.py", 0o644, b"X = 1\n")]).unwrap();
    base64::engine::general_purpose::STANDARD.encode(zip)
}

pub(super) async fn publish(replay: &Replay, name: &str, extra: Value) -> Answer {
    let mut body = json!({ "Content": { "ZipFile": dummylayer() } });
    for (member, value) in extra.as_object().unwrap() {
        body[member] = value.clone();
    }
    let path = format!("/2018-10-31/layers/{name}/versions");
    replay
        .call(Service::Lambda, "POST", &path, Some(body))
        .await
}

/// A python3.12 function as LocalStack's `create_lambda_function` fixture makes it, with
/// `extra` members, waited for until Active when it is made.
async fn create_function(replay: &Replay, name: &str, extra: Value) -> Answer {
    use base64::Engine;
    let zip = faqctl::package::write_zip(&[(
        "handler.py",
        0o644,
        b"def handler(event, context):\n    return event\n",
    )])
    .unwrap();
    let mut body = json!({
        "FunctionName": name,
        "Runtime": "python3.12",
        "Handler": "handler.handler",
        "Role": "arn:aws:iam::000000000000:role/lambda-replay-role",
        "Timeout": 30,
        "Environment": { "Variables": {} },
        "Code": { "ZipFile": base64::engine::general_purpose::STANDARD.encode(zip) },
    });
    for (member, value) in extra.as_object().unwrap() {
        body[member] = value.clone();
    }
    let created = replay
        .call(Service::Lambda, "POST", "/2015-03-31/functions", Some(body))
        .await;
    if created.status == 201 {
        settled(replay, name).await;
    }
    created
}

async fn settled(replay: &Replay, name: &str) {
    let path = format!("/2015-03-31/functions/{name}/configuration");
    let settled = common::until(std::time::Duration::from_secs(30), || async {
        let answer = replay.call(Service::Lambda, "GET", &path, None).await;
        answer.body["State"] == "Active" && answer.body["LastUpdateStatus"] == "Successful"
    })
    .await;
    assert!(settled, "{name} did not settle");
}

async fn update_layers(replay: &Replay, name: &str, layers: &[&str]) -> Answer {
    let path = format!("/2015-03-31/functions/{name}/configuration");
    replay
        .call(
            Service::Lambda,
            "PUT",
            &path,
            Some(json!({ "Layers": layers })),
        )
        .await
}

async fn get(replay: &Replay, path: &str) -> Answer {
    replay.call(Service::Lambda, "GET", path, None).await
}

async fn delete_version(replay: &Replay, name: &str, version: i64) -> Answer {
    let path = format!("/2018-10-31/layers/{name}/versions/{version}");
    replay.call(Service::Lambda, "DELETE", &path, None).await
}

/// test_layer_compatibilities[runtimesN]: a layer compatible with every runtime of a batch of
/// fifteen and both architectures, answered in the order given.
#[tokio::test]
async fn a_layers_compatibilities_are_answered_as_recorded() {
    for batch in ["runtimes0", "runtimes1", "runtimes2"] {
        let test = format!("TestLambdaLayer::test_layer_compatibilities[{batch}]");
        let mut replay = Replay::start(API, &test).await;
        let recorded = replay.recorded["publish_result"].clone();
        let published = publish(
            &replay,
            "testlayer-compat",
            json!({
                "CompatibleRuntimes": recorded["CompatibleRuntimes"],
                "CompatibleArchitectures": ["arm64", "x86_64"],
            }),
        )
        .await;
        replay.check("publish_result", &published);
        replay.stop().await;
    }
}

/// test_layer_lifecycle: two versions of the same content, referenced by a function that
/// keeps it once they are deleted; numbers never used again.
#[tokio::test]
async fn a_layer_lives_and_dies_as_recorded() {
    let mut replay = Replay::start(API, "TestLambdaLayer::test_layer_lifecycle").await;
    let function = "fn-layer-life";
    let layer = "testlayer-life";
    create_function(&replay, function, json!({})).await;
    let got = get(&replay, &format!("/2015-03-31/functions/{function}")).await;
    replay.check("get_fn_result", &got);
    let config_path = format!("/2015-03-31/functions/{function}/configuration");
    let config = get(&replay, &config_path).await;
    replay.check("get_fn_config_result", &config);
    let members = json!({
        "CompatibleRuntimes": ["python3.12"],
        "LicenseInfo": "licenseinfo-abc",
        "Description": "description-abc",
        "CompatibleArchitectures": ["x86_64"],
    });
    let first = publish(&replay, layer, members.clone()).await;
    replay.check("publish_result", &first);
    let second = publish(&replay, layer, members.clone()).await;
    replay.check("publish_result_2", &second);
    assert_eq!(first.body["Version"], 1);
    assert_eq!(second.body["Version"], 2);
    assert_eq!(
        first.body["Content"]["CodeSha256"],
        second.body["Content"]["CodeSha256"]
    );
    let first_arn = first.body["LayerVersionArn"].as_str().unwrap().to_string();
    let updated = update_layers(&replay, function, &[&first_arn]).await;
    replay.check("update_fn_config", &updated);
    settled(&replay, function).await;
    let config = get(&replay, &config_path).await;
    replay.check("get_fn_config", &config);
    let version = get(&replay, &format!("/2018-10-31/layers/{layer}/versions/1")).await;
    replay.check("get_layer_ver_result", &version);
    let by_arn = get(
        &replay,
        &format!("/2018-10-31/layers?find=LayerVersion&Arn={first_arn}"),
    )
    .await;
    replay.check("get_layer_by_arn_version", &by_arn);
    let listed = get(&replay, &format!("/2018-10-31/layers/{layer}/versions")).await;
    replay.check("list_layer_versions_predelete", &listed);
    let deleted = delete_version(&replay, layer, 1).await;
    replay.check("delete_layer_1", &deleted);
    let config = get(&replay, &config_path).await;
    replay.check("get_fn_config_postdelete", &config);
    let deleted = delete_version(&replay, layer, 2).await;
    replay.check("delete_layer_2", &deleted);
    let listed = get(&replay, &format!("/2018-10-31/layers/{layer}/versions")).await;
    replay.check("list_layer_versions_postdelete", &listed);
    let third = publish(&replay, layer, members).await;
    replay.check("publish_result_3", &third);
    assert_eq!(third.body["Version"], 3);
    replay.stop().await;
}

/// test_layer_function_exceptions: two versions of one layer, one twice, a layer or version
/// that does not exist, a layer's ARN without a version, a layer of another region.
#[tokio::test]
async fn a_functions_layers_are_refused_as_recorded() {
    let mut replay = Replay::start(API, "TestLambdaLayer::test_layer_function_exceptions").await;
    let function = "fn-layer-exc";
    let layer = "testlayer-exc";
    let members = json!({ "CompatibleRuntimes": [], "CompatibleArchitectures": ["x86_64"] });
    let mut arns = Vec::new();
    for key in ["publish_result", "publish_result_2", "publish_result_3"] {
        let published = publish(&replay, layer, members.clone()).await;
        replay.check(key, &published);
        arns.push(
            published.body["LayerVersionArn"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    let layer_arn = arns[0].rsplit_once(':').unwrap().0.to_string();
    create_function(&replay, function, json!({})).await;
    let got = get(&replay, &format!("/2015-03-31/functions/{function}")).await;
    replay.check("get_fn_result", &got);
    let missing_layer = format!("{}:1", layer_arn.replace(layer, "doesnotexist"));
    let missing_version = format!("{layer_arn}:9");
    let calls: [(&str, Vec<&str>); 6] = [
        (
            "two_layer_versions_single_function_exc",
            vec![&arns[0], &arns[1]],
        ),
        (
            "three_layer_versions_single_function_exc",
            vec![&arns[0], &arns[1], &arns[2]],
        ),
        (
            "two_identical_layer_versions_single_function_exc",
            vec![&arns[0], &arns[0]],
        ),
        ("add_nonexistent_layer_exc", vec![&missing_layer]),
        ("add_nonexistent_layer_version_exc", vec![&missing_version]),
        ("add_layer_arn_without_version_exc", vec![&layer_arn]),
    ];
    for (key, layers) in calls {
        let answer = update_layers(&replay, function, &layers).await;
        replay.check(key, &answer);
    }
    let path = format!("/2018-10-31/layers/{layer}/versions");
    let body = json!({
        "CompatibleRuntimes": [],
        "Content": { "ZipFile": dummylayer() },
        "CompatibleArchitectures": ["x86_64"],
    });
    let elsewhere = replay
        .call_in("us-west-2", Service::Lambda, "POST", &path, Some(body))
        .await;
    assert_eq!(elsewhere.status, 201, "{elsewhere:?}");
    let other = elsewhere.body["LayerVersionArn"].as_str().unwrap();
    let refused = create_function(&replay, function, json!({ "Layers": [other] })).await;
    replay.check("create_function_with_layer_in_different_region", &refused);
    replay.stop().await;
}

/// test_layer_function_quota_exception: six layers are one too many.
#[tokio::test]
async fn six_layers_are_refused_as_recorded() {
    let mut replay =
        Replay::start(API, "TestLambdaLayer::test_layer_function_quota_exception").await;
    let mut arns = Vec::new();
    for n in 1..=6 {
        let published = publish(
            &replay,
            &format!("testlayer-{n}-quota"),
            json!({ "CompatibleRuntimes": [], "CompatibleArchitectures": ["x86_64"] }),
        )
        .await;
        assert_eq!(published.status, 201, "{published:?}");
        arns.push(published.body["LayerVersionArn"].clone());
    }
    let refused = create_function(&replay, "fn-layer-quota", json!({ "Layers": arns })).await;
    replay.check("create_function_with_six_layers", &refused);
    replay.stop().await;
}

/// Beyond the recordings: ListLayers answers each layer with its newest version that matches
/// the filters.
#[tokio::test]
async fn layers_are_listed_with_their_newest_matching_version() {
    let replay = Replay::start(API, "TestLambdaLayer::test_layer_lifecycle").await;
    publish(
        &replay,
        "a",
        json!({ "CompatibleRuntimes": ["python3.12"] }),
    )
    .await;
    publish(
        &replay,
        "a",
        json!({ "CompatibleRuntimes": ["nodejs22.x"] }),
    )
    .await;
    publish(
        &replay,
        "b",
        json!({ "CompatibleRuntimes": ["nodejs22.x"] }),
    )
    .await;
    let listed = get(&replay, "/2018-10-31/layers?CompatibleRuntime=python3.12").await;
    let layers = listed.body["Layers"].as_array().unwrap();
    assert_eq!(layers.len(), 1, "{listed:?}");
    assert_eq!(layers[0]["LayerName"], "a");
    assert_eq!(layers[0]["LatestMatchingVersion"]["Version"], 1);
    let all = get(&replay, "/2018-10-31/layers").await;
    let versions: Vec<(Value, Value)> = all.body["Layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["LayerName"].clone(),
                l["LatestMatchingVersion"]["Version"].clone(),
            )
        })
        .collect();
    assert_eq!(
        versions,
        vec![(json!("a"), json!(2)), (json!("b"), json!(1))]
    );
    replay.stop().await;
}

/// AddLayerVersionPermission, as boto3 sends it, with `extra` members.
async fn add_permission(
    replay: &Replay,
    name: &str,
    version: i64,
    sid: &str,
    extra: Value,
) -> Answer {
    let mut body = json!({
        "StatementId": sid,
        "Action": "lambda:GetLayerVersion",
        "Principal": "*",
    });
    for (member, value) in extra.as_object().unwrap() {
        body[member] = value.clone();
    }
    let path = format!("/2018-10-31/layers/{name}/versions/{version}/policy");
    replay
        .call(Service::Lambda, "POST", &path, Some(body))
        .await
}

async fn get_policy(replay: &Replay, name: &str, version: i64) -> Answer {
    get(
        replay,
        &format!("/2018-10-31/layers/{name}/versions/{version}/policy"),
    )
    .await
}

async fn remove_permission(
    replay: &Replay,
    name: &str,
    version: i64,
    sid: &str,
    revision: Option<&str>,
) -> Answer {
    let query = revision.map_or(String::new(), |r| format!("?RevisionId={r}"));
    let path = format!("/2018-10-31/layers/{name}/versions/{version}/policy/{sid}{query}");
    replay.call(Service::Lambda, "DELETE", &path, None).await
}

/// test_layer_policy_lifecycle: two statements added, one removed, each change a new
/// RevisionId.
#[tokio::test]
async fn a_layers_policy_lives_and_dies_as_recorded() {
    let mut replay = Replay::start(API, "TestLambdaLayer::test_layer_policy_lifecycle").await;
    let layer = "testlayer-policy";
    let members =
        json!({ "CompatibleRuntimes": ["python3.12"], "CompatibleArchitectures": ["x86_64"] });
    let published = publish(&replay, layer, members).await;
    replay.check("publish_result", &published);
    let s1 = add_permission(&replay, layer, 1, "s1", json!({})).await;
    replay.check("add_policy_s1", &s1);
    let policy = get_policy(&replay, layer, 1).await;
    replay.check("get_layer_version_policy", &policy);
    let revision = policy.body["RevisionId"].clone();
    let s2 = add_permission(&replay, layer, 1, "s2", json!({ "RevisionId": revision })).await;
    replay.check("add_policy_s2", &s2);
    let policy = get_policy(&replay, layer, 1).await;
    replay.check("get_layer_version_policy_postadd2", &policy);
    let revision = policy.body["RevisionId"].as_str().unwrap().to_string();
    let removed = remove_permission(&replay, layer, 1, "s2", Some(&revision)).await;
    replay.check("remove_s2", &removed);
    let policy = get_policy(&replay, layer, 1).await;
    replay.check("get_layer_version_policy_postdeletes2", &policy);
    replay.stop().await;
}

/// test_layer_policy_exceptions: no policy yet, an action other than lambda:GetLayerVersion, a
/// statement id twice, a stale RevisionId, a layer or version that does not exist, a statement
/// that is not there.
#[tokio::test]
async fn a_layers_policy_mistakes_are_refused_as_recorded() {
    let mut replay = Replay::start(API, "TestLambdaLayer::test_layer_policy_exceptions").await;
    let layer = "layer4policy";
    let members =
        json!({ "CompatibleRuntimes": ["python3.12"], "CompatibleArchitectures": ["x86_64"] });
    let published = publish(&replay, layer, members).await;
    replay.check("publish_result", &published);
    let none = get_policy(&replay, layer, 1).await;
    replay.check("layer_permission_nopolicy_get", &none);
    let added = add_permission(&replay, layer, 1, "s1", json!({})).await;
    replay.check("add_layer_permission_result", &added);
    let any_action = add_permission(&replay, layer, 1, "s-any", json!({ "Action": "*" })).await;
    replay.check("layer_permission_action_invalid", &any_action);
    let twice = add_permission(&replay, layer, 1, "s1", json!({})).await;
    replay.check("layer_permission_duplicate_statement", &twice);
    let stale = add_permission(&replay, layer, 1, "s2", json!({ "RevisionId": "wrong" })).await;
    replay.check("layer_permission_wrong_revision", &stale);
    let missing = format!("{layer}-doesnotexist");
    let add = add_permission(&replay, &missing, 1, "s-missing", json!({})).await;
    replay.check("layer_permission_layername_doesnotexist_add", &add);
    let got = get_policy(&replay, &missing, 1).await;
    replay.check("layer_permission_layername_doesnotexist_get", &got);
    let removed = remove_permission(&replay, &missing, 1, "s1", None).await;
    replay.check("layer_permission_layername_doesnotexist_remove", &removed);
    let add = add_permission(&replay, layer, 2, "s-missing", json!({})).await;
    replay.check("layer_permission_layerversion_doesnotexist_add", &add);
    let got = get_policy(&replay, layer, 2).await;
    replay.check("layer_permission_layerversion_doesnotexist_get", &got);
    let removed = remove_permission(&replay, layer, 2, "s1", None).await;
    replay.check(
        "layer_permission_layerversion_doesnotexist_remove",
        &removed,
    );
    let removed = remove_permission(&replay, layer, 1, "doesnotexist", None).await;
    replay.check("layer_permission_statementid_doesnotexist_remove", &removed);
    let stale = remove_permission(&replay, layer, 1, "s1", Some("wrong")).await;
    replay.check("layer_permission_wrong_revision_remove", &stale);
    replay.stop().await;
}

/// test_layer_exceptions: filters outside the enums, versions below 1 or not there, a layer's
/// ARN without a version, deletes of what is not there (204), empty compatibilities (taken),
/// and runtimes and architectures outside the enums, refused together.
#[tokio::test]
async fn layer_mistakes_are_refused_as_recorded() {
    let mut replay = Replay::start(API, "TestLambdaLayer::test_layer_exceptions").await;
    let layer = "testlayer-exc-api";
    let published = publish(
        &replay,
        layer,
        json!({ "CompatibleRuntimes": ["python3.12"], "CompatibleArchitectures": ["x86_64"] }),
    )
    .await;
    replay.check("publish_result", &published);
    let layer_arn = published.body["LayerArn"].as_str().unwrap().to_string();
    for (key, path) in [
        (
            "list_layers_exc_compatibleruntime_invalid",
            "/2018-10-31/layers?CompatibleRuntime=runtimedoesnotexist".to_string(),
        ),
        (
            "list_layers_exc_compatiblearchitecture_invalid",
            "/2018-10-31/layers?CompatibleArchitecture=archdoesnotexist".to_string(),
        ),
        (
            "list_nonexistent_layer",
            "/2018-10-31/layers/layerdoesnotexist/versions".to_string(),
        ),
        (
            "get_layer_version_exc_layer_doesnotexist",
            "/2018-10-31/layers/layerdoesnotexist/versions/1".to_string(),
        ),
        (
            "get_layer_version_exc_layer_version_doesnotexist_negative",
            format!("/2018-10-31/layers/{layer}/versions/-1"),
        ),
        (
            "get_layer_version_exc_layer_version_doesnotexist_zero",
            format!("/2018-10-31/layers/{layer}/versions/0"),
        ),
        (
            "get_layer_version_exc_layer_version_doesnotexist_2",
            format!("/2018-10-31/layers/{layer}/versions/2"),
        ),
        (
            "get_layer_version_by_arn_exc_invalidarn",
            format!("/2018-10-31/layers?find=LayerVersion&Arn={layer_arn}"),
        ),
        (
            "get_layer_version_by_arn_exc_nonexistentversion",
            format!("/2018-10-31/layers?find=LayerVersion&Arn={layer_arn}:2"),
        ),
    ] {
        let answer = get(&replay, &path).await;
        replay.check(key, &answer);
    }
    for (key, name, version) in [
        ("delete_nonexistent_response", "layerdoesnotexist", 1),
        ("delete_nonexistent_version_response", layer, 2),
        ("delete_layer_response", layer, 1),
        ("delete_layer_again_response", layer, 1),
        (
            "delete_layer_version_exc_layerversion_invalid_version",
            layer,
            -1,
        ),
    ] {
        let answer = delete_version(&replay, name, version).await;
        replay.check(key, &answer);
    }
    let empty = publish(
        &replay,
        "testlayer-empty",
        json!({ "CompatibleRuntimes": [], "CompatibleArchitectures": [] }),
    )
    .await;
    replay.check("publish_empty_result", &empty);
    let invalid = publish(
        &replay,
        "testlayer-2-a",
        json!({ "CompatibleRuntimes": ["invalidruntime"], "CompatibleArchitectures": ["invalidarch"] }),
    )
    .await;
    replay.check("publish_layer_version_exc_invalid_runtime_arch", &invalid);
    let partly = publish(
        &replay,
        "testlayer-2-b",
        json!({
            "CompatibleRuntimes": ["invalidruntime", "invalidruntime2", "nodejs20.x"],
            "CompatibleArchitectures": ["invalidarch", "x86_64"],
        }),
    )
    .await;
    replay.check(
        "publish_layer_version_exc_partially_invalid_values",
        &partly,
    );
    replay.stop().await;
}
