//! The stage's response cache: `deploy --cache-ttl SECONDS` turns on a 0.5 GB cache cluster
//! (the plan names its price) and caching of GET answers; within the TTL the local cloud
//! answers from the cache without running the function (no new START line), after it the
//! function runs again; an anonymous `Cache-Control: max-age=0` is ignored; `faqctl cache
//! flush` empties it; `--cache-ttl 0` turns it off.

use std::time::Duration;

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

/// How many times the function has started a request (its START lines).
async fn starts(sdk: &common::Sdk) -> usize {
    sdk.logs
        .filter_log_events()
        .log_group_name("/aws/lambda/FAQ")
        .filter_pattern("\"START RequestId\"")
        .send()
        .await
        .map(|o| o.events().len())
        .unwrap_or(0)
}

/// Waits (bounded) until the function has started `n` requests, and checks it is no more.
async fn started(sdk: &common::Sdk, n: usize) {
    let reached = common::until(Duration::from_secs(10), || async { starts(sdk).await >= n }).await;
    assert!(
        reached,
        "expected {n} START lines, saw {}",
        starts(sdk).await
    );
    assert_eq!(starts(sdk).await, n);
}

async fn get(url: &str, cache_control: Option<&str>) -> String {
    let mut request = reqwest::Client::new().get(url);
    if let Some(value) = cache_control {
        request = request.header("cache-control", value);
    }
    let response = request.send().await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    response.text().await.unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cached_answer_skips_the_function_until_it_expires_or_is_flushed() {
    let cloud = common::local_cloud(LocalConfig::default()).await;
    // A TTL no run of this test outlasts: within it, answers come from the cache.
    let deployed = deploy(&cloud, &["--cache-ttl", "3600"]).await;
    let changes = deployed["changes"].to_string();
    assert!(
        changes.contains("0.5 GB cache") && changes.contains("$0.020 an hour in us-east-1"),
        "the change names the cache's price: {changes}"
    );
    let url = deployed["invoke_url"].as_str().unwrap().to_string();
    let sdk = common::Sdk::at(&cloud.endpoint()).await;
    let api = deployed["api_id"].as_str().unwrap();
    let stage = sdk
        .apigateway
        .get_stage()
        .rest_api_id(api)
        .stage_name("myDeployment")
        .send()
        .await
        .unwrap();
    assert!(stage.cache_cluster_enabled());
    assert_eq!(
        stage.cache_cluster_status().map(|s| s.as_str()),
        Some("AVAILABLE")
    );
    assert_eq!(stage.cache_cluster_size().map(|s| s.as_str()), Some("0.5"));
    // The deploy's gate ran the function once.
    started(&sdk, 1).await;

    let first = get(&url, None).await;
    started(&sdk, 2).await;
    // Within the TTL: the same answer, and the function does not run (an anonymous
    // max-age=0 is no reason to: only a caller allowed execute-api:InvalidateCache's is).
    assert_eq!(get(&url, None).await, first);
    assert_eq!(get(&url, Some("max-age=0")).await, first);
    started(&sdk, 2).await;

    // A flush empties it at once.
    json_ok_async({
        let mut command = faqctl_at(&cloud.endpoint());
        command.args(["cache", "flush"]);
        command
    })
    .await;
    get(&url, None).await;
    started(&sdk, 3).await;

    // Converged; then a TTL of one second: after it the function runs again (a bounded wait
    // for the expiry).
    assert_eq!(
        deploy(&cloud, &["--cache-ttl", "3600"]).await["changes"],
        serde_json::json!([])
    );
    deploy(&cloud, &["--cache-ttl", "1"]).await;
    // (What the cache holds keeps the TTL it was kept with: emptied first.)
    json_ok_async({
        let mut command = faqctl_at(&cloud.endpoint());
        command.args(["cache", "flush"]);
        command
    })
    .await;
    let before = starts(&sdk).await;
    // (Polled faster than the stage's throttle allows: a 429 on the way is no failure.)
    let expired = common::until(Duration::from_secs(15), || async {
        let _ = reqwest::get(&url).await;
        starts(&sdk).await >= before + 2
    })
    .await;
    assert!(expired, "a cached answer never expired");

    // Off: its cluster gone.
    let off = deploy(&cloud, &["--cache-ttl", "0"]).await;
    assert_eq!(operations(&off), vec!["UpdateStage".to_string()]);
    let stage = sdk
        .apigateway
        .get_stage()
        .rest_api_id(api)
        .stage_name("myDeployment")
        .send()
        .await
        .unwrap();
    assert!(!stage.cache_cluster_enabled());
}
