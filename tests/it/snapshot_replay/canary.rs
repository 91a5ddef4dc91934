//! API Gateway's canary releases, replayed from LocalStack's test_apigateway_canary.py
//! (TestStageCrudCanary): canary settings made by CreateStage and CreateDeployment, changed,
//! removed and promoted by UpdateStage, and refused in AWS's words.

use serde_json::{json, Value};

use super::apigateway::{create_rest_api, invoke_stage, method_path, put_ok, StageUrl};
use super::{Answer, Replay, Service};

const FILE: &str = "apigateway-test_apigateway_canary.snapshot.json";

/// The API the tests' `create_api_for_deployment` fixture makes: `GET /` integrated with a
/// MOCK that answers `{"statusCode": 200, "message": "default deployment"}`; its id and root
/// resource's.
async fn api_for_deployment(replay: &Replay) -> (String, String) {
    let api = create_rest_api(replay, "canary-api", None).await.body;
    let id = api["id"].as_str().unwrap().to_string();
    let root = api["rootResourceId"].as_str().unwrap().to_string();
    let method = method_path(&id, &root, "GET");
    put_ok(replay, &method, json!({ "authorizationType": "NONE" }), 201).await;
    put_ok(replay, &format!("{method}/responses/200"), json!({}), 201).await;
    put_ok(
        replay,
        &format!("{method}/integration"),
        json!({
            "type": "MOCK",
            "requestTemplates": { "application/json": "{\"statusCode\": 200}" },
        }),
        201,
    )
    .await;
    put_ok(
        replay,
        &format!("{method}/integration/responses/200"),
        json!({
            "selectionPattern": "",
            "responseTemplates": {
                "application/json": "{\"statusCode\": 200, \"message\": \"default deployment\"}"
            },
        }),
        201,
    )
    .await;
    (id, root)
}

/// CreateDeployment of `api` with `body`.
async fn create_deployment(replay: &Replay, api: &str, body: Value) -> Answer {
    replay
        .call(
            Service::ApiGateway,
            "POST",
            &format!("/restapis/{api}/deployments"),
            Some(body),
        )
        .await
}

/// CreateStage of `api` with `body`.
async fn create_stage(replay: &Replay, api: &str, body: Value) -> Answer {
    replay
        .call(
            Service::ApiGateway,
            "POST",
            &format!("/restapis/{api}/stages"),
            Some(body),
        )
        .await
}

/// GetStage `stage` of `api`.
async fn get_stage(replay: &Replay, api: &str, stage: &str) -> Answer {
    replay
        .call(
            Service::ApiGateway,
            "GET",
            &format!("/restapis/{api}/stages/{stage}"),
            None,
        )
        .await
}

/// UpdateStage `stage` of `api` with `operations`.
async fn update_stage(replay: &Replay, api: &str, stage: &str, operations: Value) -> Answer {
    replay
        .call(
            Service::ApiGateway,
            "PATCH",
            &format!("/restapis/{api}/stages/{stage}"),
            Some(json!({ "patchOperations": operations })),
        )
        .await
}

/// The `dev` stage the tests make: `description` and `testVar=default`, with `canary` if any.
fn dev_stage(name: &str, deployment: &str, canary: Option<Value>) -> Value {
    let mut stage = json!({
        "stageName": name,
        "deploymentId": deployment,
        "description": "dev stage",
        "variables": { "testVar": "default" },
    });
    if let Some(canary) = canary {
        stage["canarySettings"] = canary;
    }
    stage
}

/// A deployment's id.
fn id_of(answer: &Answer) -> String {
    answer.body["id"].as_str().unwrap().to_string()
}

/// test_create_update_stages: a stage made with a canary; an override replaced; the canary
/// removed.
#[tokio::test]
async fn a_stage_with_a_canary_is_made_updated_and_removed_as_recorded() {
    let mut replay = Replay::start(FILE, "TestStageCrudCanary::test_create_update_stages").await;
    let (api, root) = api_for_deployment(&replay).await;
    let first = create_deployment(&replay, &api, json!({})).await;
    replay.check("create-deployment-1", &first);
    let patched = replay
        .call(
            Service::ApiGateway,
            "PATCH",
            &format!(
                "{}/integration/responses/200",
                method_path(&api, &root, "GET")
            ),
            Some(json!({ "patchOperations": [{
                "op": "replace",
                "path": "/responseTemplates/application~1json",
                "value": "{\"statusCode\": 200, \"message\": \"second deployment\"}",
            }] })),
        )
        .await;
    assert_eq!(patched.status, 200, "{patched:?}");
    let second = create_deployment(&replay, &api, json!({})).await;
    replay.check("create-deployment-2", &second);
    let canary = json!({
        "deploymentId": id_of(&second),
        "percentTraffic": 50,
        "stageVariableOverrides": { "testVar": "canary" },
    });
    let stage = create_stage(
        &replay,
        &api,
        dev_stage("dev", &id_of(&first), Some(canary)),
    )
    .await;
    replay.check("create-stage", &stage);
    replay.check("get-stage", &get_stage(&replay, &api, "dev").await);
    let operations = json!([{
        "op": "replace",
        "path": "/canarySettings/stageVariableOverrides/testVar",
        "value": "updated",
    }]);
    let updated = update_stage(&replay, &api, "dev", operations).await;
    replay.check("update-stage-canary-settings-overrides", &updated);
    let operations = json!([{ "op": "remove", "path": "/canarySettings" }]);
    let removed = update_stage(&replay, &api, "dev", operations).await;
    replay.check("update-stage-remove-canary-settings", &removed);
    replay.check(
        "get-stage-after-remove",
        &get_stage(&replay, &api, "dev").await,
    );
    replay.stop().await;
}

/// test_create_canary_deployment_with_stage: a CreateDeployment with canary settings to an
/// existing stage makes the new deployment its canary, its own deployment unchanged.
#[tokio::test]
async fn a_canary_deployment_to_a_stage_answers_as_recorded() {
    let mut replay = Replay::start(
        FILE,
        "TestStageCrudCanary::test_create_canary_deployment_with_stage",
    )
    .await;
    let (api, _) = api_for_deployment(&replay).await;
    let deployment = create_deployment(&replay, &api, json!({})).await;
    replay.check("create-deployment", &deployment);
    let stage = create_stage(&replay, &api, dev_stage("dev", &id_of(&deployment), None)).await;
    replay.check("create-stage", &stage);
    let canary = create_deployment(
        &replay,
        &api,
        json!({
            "stageName": "dev",
            "canarySettings": {
                "percentTraffic": 50,
                "stageVariableOverrides": { "testVar": "canary" },
            },
        }),
    )
    .await;
    replay.check("create-canary-deployment", &canary);
    replay.check("get-stage", &get_stage(&replay, &api, "dev").await);
    replay.stop().await;
}

/// test_create_canary_deployment: a canary deployment replaces a stage's canary whole; a
/// stage's canary may name any deployment of the API, and no other.
#[tokio::test]
async fn canary_deployments_replace_a_stages_canary_as_recorded() {
    let mut replay =
        Replay::start(FILE, "TestStageCrudCanary::test_create_canary_deployment").await;
    let (api, _) = api_for_deployment(&replay).await;
    let deployment = create_deployment(&replay, &api, json!({})).await;
    replay.check("create-deployment", &deployment);
    let deployment = id_of(&deployment);
    let canary = json!({
        "deploymentId": deployment,
        "percentTraffic": 40,
        "stageVariableOverrides": { "testVar": "canary1" },
    });
    let stage = create_stage(&replay, &api, dev_stage("dev1", &deployment, Some(canary))).await;
    replay.check("create-stage", &stage);
    let canary = create_deployment(
        &replay,
        &api,
        json!({
            "stageName": "dev1",
            "canarySettings": {
                "percentTraffic": 50,
                "stageVariableOverrides": { "testVar": "canary2" },
            },
        }),
    )
    .await;
    replay.check("create-canary-deployment", &canary);
    replay.check("get-stage-1", &get_stage(&replay, &api, "dev1").await);
    let overridden = json!({
        "deploymentId": id_of(&canary),
        "percentTraffic": 60,
        "stageVariableOverrides": { "testVar": "canary-overridden" },
    });
    let second = create_stage(
        &replay,
        &api,
        dev_stage("dev2", &deployment, Some(overridden)),
    )
    .await;
    replay.check("create-stage-2", &second);
    let mut bad = dev_stage(
        "dev3",
        &deployment,
        Some(json!({ "deploymentId": "deploy" })),
    );
    bad.as_object_mut().unwrap().remove("variables");
    let refused = create_stage(&replay, &api, bad).await;
    replay.check("bad-canary-deployment-id", &refused);
    replay.stop().await;
}

/// test_create_canary_deployment_by_stage_update: UpdateStage gives a stage without a canary
/// one (on the named deployment, or on its own with the percentage given).
#[tokio::test]
async fn a_canary_is_made_by_updating_a_stage_as_recorded() {
    let mut replay = Replay::start(
        FILE,
        "TestStageCrudCanary::test_create_canary_deployment_by_stage_update",
    )
    .await;
    let (api, _) = api_for_deployment(&replay).await;
    let first = create_deployment(&replay, &api, json!({})).await;
    replay.check("create-deployment", &first);
    let second = create_deployment(&replay, &api, json!({})).await;
    replay.check("create-deployment-2", &second);
    let stage = create_stage(&replay, &api, dev_stage("dev", &id_of(&first), None)).await;
    replay.check("create-stage", &stage);
    for (key, operation) in [
        (
            "update-stage-with-deployment",
            json!({ "op": "replace", "path": "/canarySettings/deploymentId", "value": id_of(&second) }),
        ),
        (
            "remove-stage-canary",
            json!({ "op": "remove", "path": "/canarySettings" }),
        ),
        (
            "update-stage-with-percent",
            json!({ "op": "replace", "path": "/canarySettings/percentTraffic", "value": "50" }),
        ),
    ] {
        let answer = update_stage(&replay, &api, "dev", json!([operation])).await;
        replay.check(key, &answer);
    }
    replay.check("get-stage", &get_stage(&replay, &api, "dev").await);
    replay.stop().await;
}

/// test_create_canary_deployment_validation: a canary deployment needs a stage that exists.
#[tokio::test]
async fn canary_deployments_without_a_stage_are_refused_as_recorded() {
    let mut replay = Replay::start(
        FILE,
        "TestStageCrudCanary::test_create_canary_deployment_validation",
    )
    .await;
    let (api, _) = api_for_deployment(&replay).await;
    let canary = json!({ "percentTraffic": 50, "stageVariableOverrides": { "testVar": "canary" } });
    for (key, stage) in [
        ("create-canary-deployment-no-stage", None),
        ("create-canary-deployment-empty-stage", Some("")),
        (
            "create-canary-deployment-non-existing-stage",
            Some("non-existing"),
        ),
    ] {
        let mut body = json!({ "canarySettings": canary });
        if let Some(stage) = stage {
            body["stageName"] = json!(stage);
        }
        let refused = create_deployment(&replay, &api, body).await;
        replay.check(key, &refused);
    }
    replay.stop().await;
}

/// test_update_stage_canary_deployment_validation: the canary paths UpdateStage refuses, and
/// how.
#[tokio::test]
async fn canary_updates_are_refused_as_recorded() {
    let mut replay = Replay::start(
        FILE,
        "TestStageCrudCanary::test_update_stage_canary_deployment_validation",
    )
    .await;
    let (api, _) = api_for_deployment(&replay).await;
    let made = create_deployment(&replay, &api, json!({ "stageName": "dev" })).await;
    assert_eq!(made.status, 201, "{made:?}");
    replay.check("get-stage", &get_stage(&replay, &api, "dev").await);
    let canary = create_deployment(
        &replay,
        &api,
        json!({
            "stageName": "dev",
            "canarySettings": { "percentTraffic": 50, "stageVariableOverrides": { "testVar": "canary" } },
        }),
    )
    .await;
    assert_eq!(canary.status, 201, "{canary:?}");
    for (key, operation) in [
        (
            "update-stage-canary-settings-remove-overrides",
            json!({ "op": "remove", "path": "/canarySettings/stageVariableOverrides" }),
        ),
        (
            "update-stage-canary-settings-bad-path",
            json!({ "op": "remove", "path": "/canarySettings/badPath" }),
        ),
        (
            "update-stage-canary-settings-bad-path-2",
            json!({ "op": "replace", "path": "/canarySettings", "value": "test" }),
        ),
        (
            "update-stage-canary-settings-replace-bad-path",
            json!({ "op": "replace", "path": "/canarySettings/badPath", "value": "badPath" }),
        ),
    ] {
        let refused = update_stage(&replay, &api, "dev", json!([operation])).await;
        replay.check(key, &refused);
    }
    let second = create_deployment(&replay, &api, json!({ "stageName": "dev2" })).await;
    assert_eq!(second.status, 201, "{second:?}");
    for (key, operation) in [
        (
            "update-stage-add-deployment",
            json!({ "op": "add", "path": "/canarySettings/deploymentId", "value": id_of(&second) }),
        ),
        (
            "update-stage-no-deployment",
            json!({ "op": "replace", "path": "/canarySettings/deploymentId", "value": "deploy" }),
        ),
    ] {
        let refused = update_stage(&replay, &api, "dev2", json!([operation])).await;
        replay.check(key, &refused);
    }
    replay.stop().await;
}

/// test_update_stage_with_copy_ops: `copy` only promotes a canary (its deployment to the
/// stage's, its overrides onto the stage's variables), and only a canary that exists.
#[tokio::test]
async fn a_canary_is_promoted_by_copy_as_recorded() {
    let mut replay =
        Replay::start(FILE, "TestStageCrudCanary::test_update_stage_with_copy_ops").await;
    let (api, _) = api_for_deployment(&replay).await;
    let first = create_deployment(
        &replay,
        &api,
        json!({ "stageName": "dev", "variables": { "testVar": "test", "testVar2": "test2" } }),
    )
    .await;
    replay.check("deployment-1", &first);
    let copy = |from: &str, path: &str| json!({ "op": "copy", "from": from, "path": path });
    let backwards = json!([
        copy("/variables", "/canarySettings/stageVariableOverrides"),
        copy("/deploymentId", "/canarySettings/deploymentId"),
    ]);
    let refused = update_stage(&replay, &api, "dev", backwards).await;
    replay.check("copy-with-bad-statement", &refused);
    let promotion = [
        copy("/canarySettings/stageVariableOverrides", "/variables"),
        copy("/canarySettings/deploymentId", "/deploymentId"),
    ];
    let refused = update_stage(&replay, &api, "dev", json!(promotion)).await;
    replay.check("copy-with-no-replace", &refused);
    let no_traffic =
        json!({ "op": "replace", "value": "0.0", "path": "/canarySettings/percentTraffic" });
    let promote = json!([no_traffic, promotion[1], promotion[0]]);
    let promoted = update_stage(&replay, &api, "dev", promote.clone()).await;
    replay.check("update-stage-with-copy", &promoted);
    let canary = create_deployment(
        &replay,
        &api,
        json!({
            "stageName": "dev",
            "canarySettings": { "percentTraffic": 50, "stageVariableOverrides": { "testVar": "override" } },
        }),
    )
    .await;
    replay.check("deployment-canary", &canary);
    replay.check("get-stage", &get_stage(&replay, &api, "dev").await);
    let promoted = update_stage(&replay, &api, "dev", promote).await;
    replay.check("update-stage-with-copy-2", &promoted);
    replay.stop().await;
}

/// The response template test_invoking_canary_deployment puts, answering `message`: the stage
/// variables (one the stage lacks, one no canary overrides) and `$context.isCanaryRequest`.
fn canary_template(message: &str) -> String {
    json!({
        "statusCode": 200,
        "message": message,
        "variable": "$stageVariables.testVar",
        "nonExistingDefault": "$stageVariables.noStageVar",
        "nonOverridden": "$stageVariables.defaultVar",
        "isCanary": "$context.isCanaryRequest",
    })
    .to_string()
}

/// UpdateIntegrationResponse of the integration response at `path`: its JSON template
/// replaced by `canary_template(message)`.
async fn replace_template(replay: &Replay, path: &str, message: &str) -> Answer {
    let operations = json!({ "patchOperations": [{
        "op": "replace",
        "path": "/responseTemplates/application~1json",
        "value": canary_template(message),
    }] });
    replay
        .call(Service::ApiGateway, "PATCH", path, Some(operations))
        .await
}

/// TestCanaryDeployments::test_invoking_canary_deployment: a canary with 0% of the traffic
/// serves none of it; with 100% it serves all of it, its stage variable overrides on top of
/// the stage's (the two cases a recording can hold to an answer).
#[tokio::test]
async fn a_canary_serves_its_share_of_the_stage_as_recorded() {
    let mut replay = Replay::start(
        FILE,
        "TestCanaryDeployments::test_invoking_canary_deployment",
    )
    .await;
    let (api, root) = api_for_deployment(&replay).await;
    let response = format!(
        "{}/integration/responses/200",
        method_path(&api, &root, "GET")
    );
    assert_eq!(
        replace_template(&replay, &response, "default deployment")
            .await
            .status,
        200
    );
    let first = create_deployment(
        &replay,
        &api,
        json!({ "stageName": "dev", "variables": { "testVar": "default", "defaultVar": "default" } }),
    )
    .await;
    replay.check("create-deployment-1", &first);
    assert_eq!(
        replace_template(&replay, &response, "canary deployment")
            .await
            .status,
        200
    );
    let second = create_deployment(
        &replay,
        &api,
        json!({
            "stageName": "dev",
            "canarySettings": {
                "percentTraffic": 0,
                "stageVariableOverrides": { "testVar": "canary", "noStageVar": "canary" },
            },
        }),
    )
    .await;
    replay.check("create-deployment-2", &second);
    let answer = invoke_stage(&replay, StageUrl::PathBased, (&api, "dev", "/"), "GET").await;
    replay.check("response-deployment-1", &answer);
    let operations =
        json!([{ "op": "replace", "path": "/canarySettings/percentTraffic", "value": "100.0" }]);
    let updated = update_stage(&replay, &api, "dev", operations).await;
    replay.check("update-stage", &updated);
    let answer = invoke_stage(&replay, StageUrl::PathBased, (&api, "dev", "/"), "GET").await;
    replay.check("response-canary-deployment", &answer);
    replay.stop().await;
}
