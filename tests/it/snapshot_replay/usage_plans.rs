//! API Gateway's API keys and usage plans, as recorded on AWS (LocalStack's
//! `test_apigateway_extended.py::TestApigatewayApiKeysCrud` and
//! `test_apigateway_common.py::TestUsagePlans`).

use serde_json::json;

use super::apigateway::deploy;
use super::{Answer, Replay, Service};

const EXTENDED: &str = "apigateway-test_apigateway_extended.snapshot.json";
const COMMON: &str = "apigateway-test_apigateway_common.snapshot.json";

async fn create_key(replay: &Replay, body: serde_json::Value) -> Answer {
    replay
        .call(Service::ApiGateway, "POST", "/apikeys", Some(body))
        .await
}

async fn get(replay: &Replay, path: &str) -> Answer {
    replay.call(Service::ApiGateway, "GET", path, None).await
}

async fn patch(replay: &Replay, path: &str, operations: serde_json::Value) -> Answer {
    replay
        .call(
            Service::ApiGateway,
            "PATCH",
            path,
            Some(json!({ "patchOperations": operations })),
        )
        .await
}

/// TestApigatewayApiKeysCrud::test_get_api_keys: a name query is a case-sensitive prefix,
/// the newest key is listed first, and a page of one hands out a position.
#[tokio::test]
async fn api_keys_list_by_prefix_newest_first_as_recorded() {
    let mut replay = Replay::start(EXTENDED, "TestApigatewayApiKeysCrud::test_get_api_keys").await;
    let (name, name_2) = ("test-key-a1b2c3d4", "test-key-e5f6a7b8");
    let listed = get(&replay, "/apikeys").await;
    replay.check("get-api-keys", &listed);
    let created = create_key(&replay, json!({ "name": name })).await;
    replay.check("create-api-key", &created);
    let listed = get(&replay, "/apikeys").await;
    replay.check("get-api-keys-after-create-1", &listed);
    for (key, query) in [
        ("get-api-keys-wrong-name-query", name_2.to_string()),
        ("get-api-keys-prefix-name-query", name[..8].to_string()),
        (
            "get-api-keys-prefix-name-query-cased",
            name[..8].to_uppercase(),
        ),
        ("get-api-keys-postfix-name-query", name[2..].to_string()),
        ("get-api-keys-infix-name-query", name[2..8].to_string()),
    ] {
        let answer = get(&replay, &format!("/apikeys?name={query}")).await;
        replay.check(key, &answer);
    }
    let created = create_key(&replay, json!({ "name": name_2 })).await;
    replay.check("create-api-key-2", &created);
    let listed = get(&replay, "/apikeys").await;
    replay.check("get-api-keys-after-create-2", &listed);
    let answer = get(&replay, &format!("/apikeys?name={name_2}")).await;
    replay.check("get-api-keys-name-query", &answer);
    let answer = get(&replay, &format!("/apikeys?name={}", &name[..8])).await;
    replay.check("get-api-keys-prefix-name-query-2", &answer);
    let page = get(&replay, "/apikeys?limit=1").await;
    replay.check("get-apis-keys-pagination", &page);
    let position = page.body["position"].as_str().unwrap().to_string();
    let next = get(&replay, &format!("/apikeys?limit=1&position={position}")).await;
    replay.check("get-apis-keys-pagination-2", &next);
    replay.stop().await;
}

/// TestApigatewayApiKeysCrud::test_get_usage_plan_api_keys: a usage plan's keys, newest
/// first, by name prefix; a deleted key leaves its plan; an unknown plan has no keys.
#[tokio::test]
async fn usage_plan_keys_list_and_follow_their_keys_as_recorded() {
    let mut replay = Replay::start(
        EXTENDED,
        "TestApigatewayApiKeysCrud::test_get_usage_plan_api_keys",
    )
    .await;
    let (name, name_2) = ("test-key-1a2b3c4d", "test-key-5e6f7a8b");
    let listed = get(&replay, "/apikeys").await;
    replay.check("get-api-keys", &listed);
    let first = create_key(&replay, json!({ "name": name })).await;
    replay.check("create-api-key", &first);
    let second = create_key(&replay, json!({ "name": name_2 })).await;
    replay.check("create-api-key-2", &second);
    let listed = get(&replay, "/apikeys").await;
    replay.check("get-api-keys-after-create-1", &listed);
    let plan = replay
        .call(
            Service::ApiGateway,
            "POST",
            "/usageplans",
            Some(json!({ "name": "test-usage-plan-9c8d7e6f" })),
        )
        .await;
    replay.check("create-usage-plan", &plan);
    let keys = format!("/usageplans/{}/keys", plan.body["id"].as_str().unwrap());
    let answer = get(&replay, &keys).await;
    replay.check("get-up-keys-before-create", &answer);
    for (key, created) in [("create-up-key", &first), ("create-up-key-2", &second)] {
        let answer = replay
            .call(
                Service::ApiGateway,
                "POST",
                &keys,
                Some(json!({ "keyId": created.body["id"], "keyType": "API_KEY" })),
            )
            .await;
        replay.check(key, &answer);
    }
    let answer = get(&replay, &keys).await;
    replay.check("get-up-keys", &answer);
    for (key, query) in [
        ("get-up-keys-name-query", "test-key".to_string()),
        ("get-up-keys-name-query-cased", "TEST-key".to_string()),
        ("get-up-keys-name-query-key-name", name.to_string()),
        ("get-up-keys-bad-query", "nothing".to_string()),
    ] {
        let answer = get(&replay, &format!("{keys}?name={query}")).await;
        replay.check(key, &answer);
    }
    for created in [&first, &second] {
        let path = format!("/apikeys/{}", created.body["id"].as_str().unwrap());
        let deleted = replay
            .call(Service::ApiGateway, "DELETE", &path, None)
            .await;
        assert_eq!(deleted.status, 202, "{deleted:?}");
    }
    let answer = get(&replay, &keys).await;
    replay.check("get-up-keys-after-delete", &answer);
    let answer = get(&replay, "/usageplans/bad-id/keys").await;
    replay.check("get-up-keys-bad-usage-plan", &answer);
    replay.stop().await;
}

/// TestApigatewayApiKeysCrud::test_negative_get_usage_plan_api_keys and the refusals of a
/// key's name, value, description and PATCH paths.
#[tokio::test]
async fn api_key_refusals_and_updates_answer_as_recorded() {
    let mut replay = Replay::start(
        EXTENDED,
        "TestApigatewayApiKeysCrud::test_negative_get_usage_plan_api_keys",
    )
    .await;
    let answer = get(&replay, "/apikeys?limit=-1").await;
    replay.check("get-api-keys-invalid-limit", &answer);
    let created = create_key(
        &replay,
        json!({ "name": "test-key-0f1e2d3c", "enabled": false }),
    )
    .await;
    replay.check("create-api-key", &created);
    let path = format!("/apikeys/{}", created.body["id"].as_str().unwrap());
    let updated = patch(
        &replay,
        &path,
        json!([{ "op": "replace", "path": "/name", "value": "test-key-renamed" }]),
    )
    .await;
    replay.check("update-api-key-name", &updated);
    replay.stop().await;

    let mut replay = Replay::start(
        EXTENDED,
        "TestApigatewayApiKeysCrud::test_create_api_key_with_invalid_name",
    )
    .await;
    let answer = create_key(&replay, json!({ "name": "a".repeat(1025) })).await;
    replay.check("create-api-key-name-too-long", &answer);
    let answer = create_key(&replay, json!({ "name": "" })).await;
    replay.check("create-api-key-empty-name", &answer);
    let answer = create_key(&replay, json!({})).await;
    replay.check("create-api-key-no-name", &answer);
    replay.stop().await;

    let mut replay = Replay::start(
        EXTENDED,
        "TestApigatewayApiKeysCrud::test_create_api_key_with_invalid_value",
    )
    .await;
    let answer = create_key(&replay, json!({ "name": "k", "value": "short" })).await;
    replay.check("create-api-key-short-value", &answer);
    let answer = create_key(&replay, json!({ "name": "k", "value": "a".repeat(129) })).await;
    replay.check("create-api-key-invalid-value-too-long", &answer);
    let answer = create_key(&replay, json!({ "value": "" })).await;
    replay.check("create-api-key-empty-value", &answer);
    replay.stop().await;

    let mut replay = Replay::start(
        EXTENDED,
        "TestApigatewayApiKeysCrud::test_update_api_key_invalid_description_length",
    )
    .await;
    let long = "a".repeat(125_001);
    let answer = create_key(&replay, json!({ "name": "k", "description": long })).await;
    replay.check("create-api-key-description-too-long", &answer);
    let created = create_key(&replay, json!({ "name": "k" })).await;
    let path = format!("/apikeys/{}", created.body["id"].as_str().unwrap());
    let answer = patch(
        &replay,
        &path,
        json!([{ "op": "replace", "path": "/description", "value": long }]),
    )
    .await;
    replay.check("update-api-key-description-too-long", &answer);
    replay.stop().await;

    let mut replay = Replay::start(
        EXTENDED,
        "TestApigatewayApiKeysCrud::test_update_api_key_invalid_enabled_type",
    )
    .await;
    let created = create_key(&replay, json!({})).await;
    let path = format!("/apikeys/{}", created.body["id"].as_str().unwrap());
    let answer = patch(
        &replay,
        &path,
        json!([{ "op": "replace", "path": "/enabled", "value": "not-a-boolean" }]),
    )
    .await;
    replay.check("update-api-key-invalid-enabled-type", &answer);
    replay.stop().await;

    let mut replay = Replay::start(
        EXTENDED,
        "TestApigatewayApiKeysCrud::test_update_api_key_immutable_field",
    )
    .await;
    let created = create_key(&replay, json!({})).await;
    let path = format!("/apikeys/{}", created.body["id"].as_str().unwrap());
    let answer = patch(
        &replay,
        &path,
        json!([{ "op": "replace", "path": "/id", "value": "new-id" }]),
    )
    .await;
    replay.check("update-api-key-immutable-field", &answer);
    replay.stop().await;

    let mut replay = Replay::start(
        EXTENDED,
        "TestApigatewayApiKeysCrud::test_create_usage_plan_with_throttle",
    )
    .await;
    let answer = replay
        .call(
            Service::ApiGateway,
            "POST",
            "/usageplans",
            Some(json!({ "name": "plan", "throttle": { "rateLimit": 10, "burstLimit": 20 } })),
        )
        .await;
    replay.check("create-usage-plan-burst-gt-rate", &answer);
    replay.stop().await;
}

/// A REST API with `GET /test` (MOCK, `apiKeyRequired` as given) deployed to stage `dev`:
/// its id.
async fn deployed_api(replay: &Replay, api_key_required: bool) -> String {
    let api = replay
        .call(
            Service::ApiGateway,
            "POST",
            "/restapis",
            Some(json!({ "name": "test API key", "apiKeySource": "HEADER" })),
        )
        .await
        .body;
    let (id, root) = (
        api["id"].as_str().unwrap().to_string(),
        api["rootResourceId"].as_str().unwrap(),
    );
    let resource = replay
        .call(
            Service::ApiGateway,
            "POST",
            &format!("/restapis/{id}/resources/{root}"),
            Some(json!({ "pathPart": "test" })),
        )
        .await
        .body;
    let method = format!(
        "/restapis/{id}/resources/{}/methods/GET",
        resource["id"].as_str().unwrap()
    );
    for (path, body) in [
        (
            method.clone(),
            json!({ "authorizationType": "NONE", "apiKeyRequired": api_key_required }),
        ),
        (format!("{method}/responses/200"), json!({})),
        (
            format!("{method}/integration"),
            json!({ "type": "MOCK", "integrationHttpMethod": "GET",
                    "requestTemplates": { "application/json": "{\"statusCode\": 200}" } }),
        ),
        (
            format!("{method}/integration/responses/200"),
            json!({ "selectionPattern": "" }),
        ),
    ] {
        let put = replay
            .call(Service::ApiGateway, "PUT", &path, Some(body))
            .await;
        assert_eq!(put.status, 201, "{path}: {put:?}");
    }
    deploy(replay, &id, "dev").await;
    id
}

/// TestUsagePlans::test_usage_plan_crud: a plan made, read, listed, updated (a throttle and a
/// quota made by `replace`), and the refusals of wrong ids and API stages.
#[tokio::test]
async fn a_usage_plans_lifecycle_answers_as_recorded() {
    let mut replay = Replay::start(COMMON, "TestUsagePlans::test_usage_plan_crud").await;
    let api = deployed_api(&replay, false).await;
    let created = replay
        .call(
            Service::ApiGateway,
            "POST",
            "/usageplans",
            Some(json!({
                "name": "test-usage-plan-4d3c2b1a",
                "description": "this is my usage plan",
                "apiStages": [{ "apiId": api, "stage": "dev" }],
            })),
        )
        .await;
    replay.check("create-usage-plan", &created);
    let id = created.body["id"].as_str().unwrap().to_string();
    let plan = format!("/usageplans/{id}");
    let answer = get(&replay, &plan).await;
    replay.check("get-usage-plan", &answer);
    let answer = get(&replay, "/usageplans").await;
    replay.check("get-usage-plans", &answer);
    let throttle_and_quota = json!([
        { "op": "replace", "path": "/throttle/burstLimit", "value": "100" },
        { "op": "replace", "path": "/throttle/rateLimit", "value": "200" },
        { "op": "replace", "path": "/quota/period", "value": "MONTH" },
        { "op": "replace", "path": "/quota/limit", "value": "5000" },
    ]);
    let answer = patch(&replay, &plan, throttle_and_quota).await;
    replay.check("update-usage-plan", &answer);
    let answer = patch(
        &replay,
        &format!("{plan}1"),
        json!([{ "op": "replace", "path": "/throttle/burstLimit", "value": "100" }]),
    )
    .await;
    replay.check("update-wrong-id", &answer);
    for (key, value) in [
        ("update-wrong-api-stages-no-value", None),
        (
            "update-wrong-api-stages-wrong-api",
            Some(format!("{api}b:dev")),
        ),
        (
            "update-wrong-api-stages-wrong-stage",
            Some(format!("{api}:fakestagename")),
        ),
        (
            "update-wrong-api-stages-wrong-value",
            Some("fakevalue".into()),
        ),
    ] {
        let mut operation = json!({ "op": "remove", "path": "/apiStages" });
        if let Some(value) = value {
            operation["value"] = json!(value);
        }
        let answer = patch(&replay, &plan, json!([operation])).await;
        replay.check(key, &answer);
    }
    let answer = get(&replay, &plan).await;
    replay.check("get-usage-plan-after-update", &answer);
    let answer = get(&replay, "/usageplans").await;
    replay.check("get-usage-plans-after-update", &answer);
    replay.stop().await;
}

/// TestUsagePlans::test_api_key_required_for_methods: a method that requires a key refuses a
/// request without one (403), serves one with an enabled key of the stage's plan (200), and
/// refuses it once the key is disabled (403).
#[tokio::test]
async fn a_method_requiring_a_key_is_served_only_with_an_enabled_one_as_recorded() {
    let mut replay =
        Replay::start(COMMON, "TestUsagePlans::test_api_key_required_for_methods").await;
    let api = deployed_api(&replay, true).await;
    let plan = replay
        .call(
            Service::ApiGateway,
            "POST",
            "/usageplans",
            Some(json!({
                "name": "test-plan-7a6b5c4d",
                "description": "Test Usage Plan for API key",
                "quota": { "limit": 10, "period": "DAY", "offset": 0 },
                "throttle": { "rateLimit": 2, "burstLimit": 1 },
                "apiStages": [{ "apiId": api, "stage": "dev" }],
                "tags": { "tag_key": "tag_value" },
            })),
        )
        .await;
    replay.check("create-usage-plan", &plan);
    let key = create_key(
        &replay,
        json!({ "name": "testApiKey-3e2f1a0b", "enabled": true }),
    )
    .await;
    replay.check("create-api-key", &key);
    let key_id = key.body["id"].as_str().unwrap().to_string();
    let value = key.body["value"].as_str().unwrap().to_string();
    let answer = replay
        .call(
            Service::ApiGateway,
            "POST",
            &format!("/usageplans/{}/keys", plan.body["id"].as_str().unwrap()),
            Some(json!({ "keyId": key_id, "keyType": "API_KEY" })),
        )
        .await;
    replay.check("create-usage-plan-key", &answer);

    let port = replay.cloud.address.port();
    let client = replay.client.clone();
    let get_test = |key: Option<&str>| {
        let mut request = client
            .get(format!("http://127.0.0.1:{port}/dev/test"))
            .header("host", format!("{api}.execute-api.localhost:{port}"));
        if let Some(key) = key {
            request = request.header("x-api-key", key);
        }
        request.send()
    };
    assert_eq!(get_test(None).await.unwrap().status().as_u16(), 403);
    assert_eq!(get_test(Some(&value)).await.unwrap().status().as_u16(), 200);
    let disabled = patch(
        &replay,
        &format!("/apikeys/{key_id}"),
        json!([{ "op": "replace", "path": "/enabled", "value": "false" }]),
    )
    .await;
    replay.check("update-api-key-disabled", &disabled);
    assert_eq!(get_test(Some(&value)).await.unwrap().status().as_u16(), 403);
    replay.stop().await;
}
