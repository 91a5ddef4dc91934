//! API keys for third-party developers: `deploy --api-key-required` with a usage plan's
//! throttle and quota, `faqctl keys create|list|revoke`, and the local cloud enforcing them on
//! the stage URL as API Gateway does (403 `Forbidden`, 429 `Too Many Requests`, 429 `Limit
//! Exceeded`, with their `x-amzn-ErrorType`); `plan` converged after, `destroy` removing the
//! plan and the keys.

use crate::common;

use common::{faqctl_at, json_ok_async, operations, zip};
use faqctl::local::{LocalCloud, LocalConfig};

async fn deploy(cloud: &LocalCloud, extra: &[&str]) -> serde_json::Value {
    json_ok_async({
        let mut command = faqctl_at(&cloud.endpoint());
        command.args(["deploy", "--zip", &zip(), "--role-arn", common::ROLE_ARN]);
        command.args(extra);
        command
    })
    .await
}

async fn keys(cloud: &LocalCloud, args: &[&str]) -> serde_json::Value {
    json_ok_async({
        let mut command = faqctl_at(&cloud.endpoint());
        command.arg("keys").args(args);
        command
    })
    .await
}

/// The status, `x-amzn-ErrorType` and body of a GET of the stage URL with `key`.
async fn get(url: &str, key: Option<&str>) -> (u16, String, String) {
    let mut request = reqwest::Client::new().get(url);
    if let Some(key) = key {
        request = request.header("x-api-key", key);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let kind = response
        .headers()
        .get("x-amzn-errortype")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, kind, response.text().await.unwrap())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_partners_key_works_until_its_quota_and_is_refused_after_it_or_once_revoked() {
    let cloud = common::local_cloud(LocalConfig::default()).await;
    let deployed = deploy(
        &cloud,
        &["--api-key-required", "--usage-plan-quota", "3/day"],
    )
    .await;
    let ops = operations(&deployed);
    assert!(
        ops.contains(&"CreateUsagePlan".to_string()),
        "the deploy makes the usage plan: {ops:?}"
    );
    let url = deployed["invoke_url"].as_str().unwrap().to_string();

    // No key: refused as API Gateway refuses it.
    let forbidden = (
        403,
        "ForbiddenException".to_string(),
        r#"{"message":"Forbidden"}"#.to_string(),
    );
    assert_eq!(get(&url, None).await, forbidden);

    let created = keys(&cloud, &["create", "acme-corp"]).await;
    let key = created["keys"][0]["value"].as_str().unwrap().to_string();
    assert_eq!(key.len(), 40, "a generated key, as API Gateway makes them");
    assert_eq!(created["usage_plan"], "FAQ-API-myDeployment");
    assert_eq!(
        get(&url, Some("not-a-key-of-this-plan-000")).await,
        forbidden
    );

    // Three requests a day (`invoke --http --api-key` the first): served, then refused with
    // the quota's own answer.
    let invoked = json_ok_async({
        let mut command = faqctl_at(&cloud.endpoint());
        command.args(["invoke", "--http", "--api-key", &key]);
        command
    })
    .await;
    assert_eq!(invoked["status"], 200, "{invoked}");
    for _ in 0..2 {
        let (status, _, body) = get(&url, Some(&key)).await;
        assert_eq!(status, 200, "{body}");
        assert!(body.contains("\"q\""), "a FAQ entry: {body}");
    }
    assert_eq!(
        get(&url, Some(&key)).await,
        (
            429,
            "LimitExceededException".to_string(),
            r#"{"message":"Limit Exceeded"}"#.to_string()
        )
    );
    let listed = keys(&cloud, &["list"]).await;
    assert_eq!(listed["keys"][0]["name"], "acme-corp");
    assert_eq!(
        listed["keys"][0]["used_today"], 3,
        "GetUsage counts what was served"
    );
    assert_eq!(listed["keys"][0]["remaining"], 0);
    assert!(
        listed["keys"][0].get("value").is_none(),
        "a key's value is shown once, when made: {listed}"
    );

    // Another partner's key, then revoked: refused from then on.
    let other = keys(&cloud, &["create", "globex"]).await;
    let other_key = other["keys"][0]["value"].as_str().unwrap().to_string();
    assert_eq!(get(&url, Some(&other_key)).await.0, 200);
    keys(&cloud, &["revoke", "globex"]).await;
    assert_eq!(get(&url, Some(&other_key)).await, forbidden);

    // A second key of the same name, or a revoke of an unknown one, is a clear error.
    let again = faqctl_at(&cloud.endpoint())
        .args(["keys", "create", "acme-corp"])
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("exists already"),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );

    // Converged: the same deploy plans nothing, and a deploy without the flags keeps it all.
    let plan = json_ok_async({
        let mut command = faqctl_at(&cloud.endpoint());
        command.args([
            "plan",
            "--zip",
            &zip(),
            "--api-key-required",
            "--usage-plan-quota",
            "3/day",
        ]);
        command
    })
    .await;
    assert_eq!(plan["changes"], serde_json::json!([]), "{plan}");
    let kept = deploy(&cloud, &[]).await;
    assert_eq!(kept["changes"], serde_json::json!([]), "{kept}");
    assert_eq!(get(&url, None).await.0, 403, "still required");

    // A bigger quota is an update of the plan, not a new one; the key works again.
    let raised = deploy(
        &cloud,
        &["--api-key-required", "--usage-plan-quota", "100/day"],
    )
    .await;
    assert_eq!(operations(&raised), vec!["UpdateUsagePlan".to_string()]);
    assert_eq!(get(&url, Some(&key)).await.0, 200);

    // Destroy takes the plan and faqctl's keys with everything else.
    let destroyed = json_ok_async({
        let mut command = faqctl_at(&cloud.endpoint());
        command.args(["destroy", "--yes"]);
        command
    })
    .await;
    let ops = operations(&destroyed);
    for op in ["DeleteApiKey", "UpdateUsagePlan", "DeleteUsagePlan"] {
        assert!(ops.contains(&op.to_string()), "{op} in {ops:?}");
    }
    let sdk = common::Sdk::at(&cloud.endpoint()).await;
    let plans = sdk.apigateway.get_usage_plans().send().await.unwrap();
    assert!(plans.items().is_empty(), "{plans:?}");
    let left = sdk.apigateway.get_api_keys().send().await.unwrap();
    assert!(left.items().is_empty(), "{left:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_burst_over_the_plans_throttle_is_refused_with_429_and_usage_plan_flags_need_keys() {
    let cloud = common::local_cloud(LocalConfig::default()).await;
    let deployed = deploy(
        &cloud,
        &[
            "--api-key-required",
            "--usage-plan-rate",
            "1",
            "--usage-plan-burst",
            "1",
        ],
    )
    .await;
    let url = deployed["invoke_url"].as_str().unwrap().to_string();
    let created = keys(&cloud, &["create", "acme-corp"]).await;
    let key = created["keys"][0]["value"].as_str().unwrap().to_string();
    // Twenty at once against a bucket of one, refilled once a second: at least one is served,
    // most are throttled, each in API Gateway's words.
    let answers = futures_util::future::join_all((0..20).map(|_| get(&url, Some(&key)))).await;
    let served = answers.iter().filter(|a| a.0 == 200).count();
    let throttled: Vec<_> = answers.iter().filter(|a| a.0 == 429).collect();
    assert!(served >= 1, "{answers:?}");
    assert!(throttled.len() >= 10, "{answers:?}");
    for answer in throttled {
        assert_eq!(answer.1, "TooManyRequestsException");
        assert_eq!(answer.2, r#"{"message":"Too Many Requests"}"#);
    }

    let refused = faqctl_at(&cloud.endpoint())
        .args(["deploy", "--zip", &zip(), "--usage-plan-quota", "10/week"])
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("add --api-key-required"), "{stderr}");
    let bad = faqctl_at(&cloud.endpoint())
        .args(["deploy", "--zip", &zip(), "--usage-plan-quota", "10/year"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(stderr.contains("day, week, month"), "{stderr}");
}

/// The `x-amzn-RequestId` of a GET of the stage URL with `key`, and its status.
async fn request_id(url: &str, key: Option<&str>) -> (u16, String) {
    let mut request = reqwest::Client::new().get(url);
    if let Some(key) = key {
        request = request.header("x-api-key", key);
    }
    let response = request.send().await.unwrap();
    let id = response.headers()["x-amzn-requestid"]
        .to_str()
        .unwrap()
        .to_string();
    (response.status().as_u16(), id)
}

#[tokio::test(flavor = "multi_thread")]
async fn logs_request_id_explains_a_refused_key_and_an_exceeded_quota() {
    let cloud = common::local_cloud(LocalConfig::default()).await;
    let deployed = deploy(
        &cloud,
        &[
            "--api-logs",
            "--apigw-logs-role-arn",
            "arn:aws:iam::123456789012:role/apigw-logs",
            "--api-key-required",
            "--usage-plan-quota",
            "1/day",
        ],
    )
    .await;
    let url = deployed["invoke_url"].as_str().unwrap().to_string();
    let (status, id) = request_id(&url, None).await;
    assert_eq!(status, 403);
    let lines = common::execution_lines(&cloud, &id).await;
    assert!(
        lines.iter().any(|l| l.contains(
            "not authorized because method 'GET /' requires API Key and API Key is not associated with a Usage Plan"
        )),
        "{lines:#?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("Method completed with status: 403")),
        "{lines:#?}"
    );

    let created = keys(&cloud, &["create", "acme-corp"]).await;
    let key = created["keys"][0]["value"].as_str().unwrap().to_string();
    assert_eq!(request_id(&url, Some(&key)).await.0, 200);
    let (status, id) = request_id(&url, Some(&key)).await;
    assert_eq!(status, 429);
    let lines = common::execution_lines(&cloud, &id).await;
    let masked = format!("{}{}", "*".repeat(34), &key[34..]);
    assert!(
        lines
            .iter()
            .any(|l| l.contains(&format!("API Key: {masked} API Stage:"))),
        "the key masked as API Gateway masks it: {lines:#?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("Usage Plan quota exceeded")),
        "{lines:#?}"
    );
}
