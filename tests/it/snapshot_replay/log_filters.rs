//! CloudWatch Logs' metric and subscription filters, recorded (LocalStack's
//! `tests/aws/services/logs/test_logs_metric_filters.py`, `test_logs_subscription_filters.py`).

use serde_json::{json, Value};

use super::{Answer, Replay, Service};

const METRIC_FILTERS: &str = "logs-test_logs_metric_filters.snapshot.json";

async fn logs(replay: &Replay, op: &'static str, body: Value) -> Answer {
    replay
        .call(Service::Logs(op), "POST", "/", Some(body))
        .await
}

async fn create_group(replay: &Replay, group: &str) {
    let created = logs(replay, "CreateLogGroup", json!({ "logGroupName": group })).await;
    assert_eq!(created.status, 200, "{created:?}");
}

async fn put_filter(replay: &Replay, group: &str, name: &str, pattern: &str, transform: Value) {
    let put = logs(
        replay,
        "PutMetricFilter",
        json!({
            "logGroupName": group,
            "filterName": name,
            "filterPattern": pattern,
            "metricTransformations": [transform],
        }),
    )
    .await;
    assert_eq!(put.status, 200, "{put:?}");
}

/// TestMetricFilters::test_put_metric_filter_basic and ..._json_pattern: a filter described
/// as it was put, its `defaultValue` a double.
#[tokio::test]
async fn a_metric_filter_is_described_as_it_was_put_as_recorded() {
    for (test, key, pattern) in [
        (
            "test_put_metric_filter_basic",
            "describe-metric-filters",
            " ",
        ),
        (
            "test_put_metric_filter_json_pattern",
            "describe-metric-filters-json",
            "{$.message = \"test\"}",
        ),
    ] {
        let mut replay = Replay::start(METRIC_FILTERS, &format!("TestMetricFilters::{test}")).await;
        let group = "log-group-basic";
        create_group(&replay, group).await;
        let transform = json!({
            "metricNamespace": "namespace-a1",
            "metricName": "metric-a1",
            "metricValue": "1",
            "defaultValue": 0,
        });
        put_filter(&replay, group, "test-filter-a1", pattern, transform).await;
        let described = logs(
            &replay,
            "DescribeMetricFilters",
            json!({ "logGroupName": group, "filterNamePrefix": "test-filter-a1" }),
        )
        .await;
        replay.check(key, &described);
        replay.stop().await;
    }
}

/// TestMetricFilters::test_describe_metric_filters_by_prefix, ..._by_log_group and
/// ..._by_metric_name: the region's filters, or a group's, by name prefix, and by metric.
#[tokio::test]
async fn metric_filters_are_described_by_prefix_group_and_metric_as_recorded() {
    let mut replay = Replay::start(
        METRIC_FILTERS,
        "TestMetricFilters::test_describe_metric_filters_by_prefix",
    )
    .await;
    for i in 0..2 {
        let group = format!("test-log-group-{i}");
        create_group(&replay, &group).await;
        let transform = json!({
            "metricNamespace": format!("namespace{i}"),
            "metricName": format!("metric{i}"),
            "metricValue": i.to_string(),
        });
        put_filter(
            &replay,
            &group,
            &format!("test-filter-prefix-b2-{i}"),
            &format!("filterPattern{i}"),
            transform,
        )
        .await;
    }
    // Another filter, which the prefix leaves out.
    let other = json!({ "metricNamespace": "n", "metricName": "m", "metricValue": "1" });
    put_filter(&replay, "test-log-group-0", "other", "p", other).await;
    let described = logs(
        &replay,
        "DescribeMetricFilters",
        json!({ "filterNamePrefix": "test-filter-prefix-b2" }),
    )
    .await;
    replay.check("describe-by-prefix", &described);
    replay.stop().await;

    let mut replay = Replay::start(
        METRIC_FILTERS,
        "TestMetricFilters::test_describe_metric_filters_by_log_group",
    )
    .await;
    for (group, filter) in [
        ("test-log-group-c1", "filter-c1"),
        ("test-log-group-c2", "filter-c2"),
    ] {
        create_group(&replay, group).await;
        let transform =
            json!({ "metricNamespace": "namespace", "metricName": "metric", "metricValue": "1" });
        put_filter(&replay, group, filter, "pattern", transform).await;
    }
    let described = logs(
        &replay,
        "DescribeMetricFilters",
        json!({ "logGroupName": "test-log-group-c1" }),
    )
    .await;
    replay.check("describe-by-log-group", &described);
    replay.stop().await;

    let mut replay = Replay::start(
        METRIC_FILTERS,
        "TestMetricFilters::test_describe_metric_filters_by_metric_name",
    )
    .await;
    let group = "test-log-group-d1";
    create_group(&replay, group).await;
    for (filter, metric) in [
        ("filter-d1", "test-metric-d1"),
        ("filter-d2", "test-metric-d2"),
    ] {
        let transform = json!({
            "metricNamespace": "test-namespace-d1",
            "metricName": metric,
            "metricValue": "1",
        });
        put_filter(&replay, group, filter, "pattern", transform).await;
    }
    let described = logs(
        &replay,
        "DescribeMetricFilters",
        json!({ "metricName": "test-metric-d1", "metricNamespace": "test-namespace-d1" }),
    )
    .await;
    replay.check("describe-by-metric-name", &described);
    replay.stop().await;
}

/// TestMetricFiltersValidation: names, patterns and metric names over their lengths, and more
/// than one transformation, refused in AWS's words.
#[tokio::test]
async fn metric_filters_out_of_bounds_are_refused_as_recorded() {
    let transform =
        json!({ "metricNamespace": "namespace", "metricName": "metric", "metricValue": "1" });
    let long = "X".repeat(513);
    let put = |name: &str, pattern: &str, transforms: Value| {
        json!({
            "logGroupName": "test-log-group-e1",
            "filterName": name,
            "filterPattern": pattern,
            "metricTransformations": transforms,
        })
    };
    for (test, key, op, body) in [
        (
            "test_put_metric_filter_invalid_filter_name",
            "error-invalid-filter-name",
            "PutMetricFilter",
            put(&long, "pattern", json!([transform])),
        ),
        (
            "test_put_metric_filter_invalid_filter_pattern",
            "error-invalid-filter-pattern",
            "PutMetricFilter",
            put("valid-filter", &"X".repeat(1025), json!([transform])),
        ),
        (
            "test_delete_metric_filter_invalid_filter_name",
            "error-invalid-filter-name",
            "DeleteMetricFilter",
            json!({ "logGroupName": "test-log-group-e1", "filterName": long }),
        ),
        (
            "test_delete_metric_filter_invalid_log_group_name",
            "error-invalid-log-group-name",
            "DeleteMetricFilter",
            json!({ "logGroupName": long, "filterName": "valid-filter" }),
        ),
        (
            "test_describe_metric_filters_invalid_parameters",
            "error-invalid-filter-prefix",
            "DescribeMetricFilters",
            json!({ "filterNamePrefix": long }),
        ),
        (
            "test_describe_metric_filters_invalid_parameters",
            "error-invalid-metric-name",
            "DescribeMetricFilters",
            json!({ "metricName": "X".repeat(256), "metricNamespace": "valid" }),
        ),
    ] {
        let mut replay = Replay::start(
            METRIC_FILTERS,
            &format!("TestMetricFiltersValidation::{test}"),
        )
        .await;
        create_group(&replay, "test-log-group-e1").await;
        let refused = logs(&replay, op, body).await;
        replay.check(key, &refused);
        replay.stop().await;
    }

    // Two transformations: the code and the status as recorded. AWS's message prints the
    // list as Java's `toString` does (`[MetricTransformation(metricName=…, …)]`), LocalStack
    // leaves it unverified (`$..Error.Message`), and the local cloud says the model's words.
    let replay = Replay::start(
        METRIC_FILTERS,
        "TestMetricFiltersValidation::test_put_metric_filter_too_many_transformations",
    )
    .await;
    create_group(&replay, "test-log-group-e1").await;
    let second =
        json!({ "metricNamespace": "namespace2", "metricName": "metric2", "metricValue": "1" });
    let refused = logs(
        &replay,
        "PutMetricFilter",
        put("valid-filter", "pattern", json!([transform, second])),
    )
    .await;
    let recorded = &replay.recorded["error-too-many-transformations"];
    assert_eq!(
        u64::from(refused.status),
        recorded["ResponseMetadata"]["HTTPStatusCode"]
            .as_u64()
            .unwrap()
    );
    assert_eq!(refused.code.as_deref(), recorded["Error"]["Code"].as_str());
    replay.stop().await;
}

/// A filter deleted is no longer described; one never put, or on a group that does not exist,
/// is not found (test_delete_metric_filter, validated with no snapshot).
#[tokio::test]
async fn a_deleted_metric_filter_is_gone() {
    let replay = Replay::start(
        METRIC_FILTERS,
        "TestMetricFilters::test_put_metric_filter_basic",
    )
    .await;
    create_group(&replay, "g").await;
    let transform = json!({ "metricNamespace": "n", "metricName": "m", "metricValue": "$.value" });
    put_filter(&replay, "g", "f", "{ $.val = * }", transform).await;
    let deleted = logs(
        &replay,
        "DeleteMetricFilter",
        json!({ "logGroupName": "g", "filterName": "f" }),
    )
    .await;
    assert_eq!(deleted.status, 200, "{deleted:?}");
    let described = logs(
        &replay,
        "DescribeMetricFilters",
        json!({ "logGroupName": "g" }),
    )
    .await;
    assert_eq!(described.body["metricFilters"], json!([]));
    for body in [
        json!({ "logGroupName": "g", "filterName": "f" }),
        json!({ "logGroupName": "none", "filterName": "f" }),
    ] {
        let again = logs(&replay, "DeleteMetricFilter", body).await;
        assert_eq!(again.code.as_deref(), Some("ResourceNotFoundException"));
    }
    replay.stop().await;
}

const SUBSCRIPTION_FILTERS: &str = "logs-test_logs_subscription_filters.snapshot.json";

/// A function of this account, as `create_lambda_function` makes one.
const FUNCTION: &str = "arn:aws:lambda:us-east-1:000000000000:function:test-lambda-f1";

fn subscription(group: &str, name: &str, pattern: &str, destination: &str) -> Value {
    json!({
        "logGroupName": group,
        "filterName": name,
        "filterPattern": pattern,
        "destinationArn": destination,
    })
}

/// TestSubscriptionFilters::test_describe_subscription_filters_empty and
/// ..._log_group_not_found: none yet, and a group that does not exist.
#[tokio::test]
async fn subscription_filters_are_described_as_recorded() {
    let mut replay = Replay::start(
        SUBSCRIPTION_FILTERS,
        "TestSubscriptionFilters::test_describe_subscription_filters_empty",
    )
    .await;
    create_group(&replay, "log-group-f1").await;
    let described = logs(
        &replay,
        "DescribeSubscriptionFilters",
        json!({ "logGroupName": "log-group-f1" }),
    )
    .await;
    replay.check("describe-subscription-filters-empty", &described);
    replay.stop().await;

    let mut replay = Replay::start(
        SUBSCRIPTION_FILTERS,
        "TestSubscriptionFilters::test_describe_subscription_filters_log_group_not_found",
    )
    .await;
    let described = logs(
        &replay,
        "DescribeSubscriptionFilters",
        json!({ "logGroupName": "not-existing-log-group" }),
    )
    .await;
    replay.check("error-log-group-not-found", &described);
    replay.stop().await;
}

/// TestSubscriptionFilterUpdates::test_put_subscription_filter_update and
/// ..._limit_exceeded: a filter put again under its name is replaced; a third is refused.
#[tokio::test]
async fn subscription_filters_are_replaced_and_limited_as_recorded() {
    let group = "log-group-g1";
    let mut replay = Replay::start(
        SUBSCRIPTION_FILTERS,
        "TestSubscriptionFilterUpdates::test_put_subscription_filter_update",
    )
    .await;
    create_group(&replay, group).await;
    for pattern in ["", "[]"] {
        let put = logs(
            &replay,
            "PutSubscriptionFilter",
            subscription(group, "test", pattern, FUNCTION),
        )
        .await;
        assert_eq!(put.status, 200, "{put:?}");
    }
    let described = logs(
        &replay,
        "DescribeSubscriptionFilters",
        json!({ "logGroupName": group }),
    )
    .await;
    replay.check("updated-filter", &described);
    replay.stop().await;

    let mut replay = Replay::start(
        SUBSCRIPTION_FILTERS,
        "TestSubscriptionFilterUpdates::test_put_subscription_filter_limit_exceeded",
    )
    .await;
    create_group(&replay, group).await;
    for (name, pattern) in [("test-1", ""), ("test-2", "[]")] {
        let put = logs(
            &replay,
            "PutSubscriptionFilter",
            subscription(group, name, pattern, FUNCTION),
        )
        .await;
        assert_eq!(put.status, 200, "{put:?}");
    }
    let third = logs(
        &replay,
        "PutSubscriptionFilter",
        subscription(group, "test-3", "", FUNCTION),
    )
    .await;
    replay.check("error-limit-exceeded", &third);
    replay.stop().await;
}

/// TestSubscriptionFilterUpdates::test_delete_subscription_filter_errors and
/// ..._put_subscription_filter_errors (another account's function is refused before the
/// group is looked for; a Kinesis stream without a role), and test_delete_subscription_filter
/// (validated, no snapshot): a deleted filter is no longer described.
#[tokio::test]
async fn subscription_filters_are_refused_and_deleted_as_recorded() {
    let group = "log-group-h1";
    let mut replay = Replay::start(
        SUBSCRIPTION_FILTERS,
        "TestSubscriptionFilterUpdates::test_delete_subscription_filter_errors",
    )
    .await;
    create_group(&replay, group).await;
    for (key, body) in [
        (
            "error-log-group-not-found",
            json!({ "logGroupName": "not-existing-log-group", "filterName": "test" }),
        ),
        (
            "error-filter-not-found",
            json!({ "logGroupName": group, "filterName": "wrong-filter-name" }),
        ),
    ] {
        let refused = logs(&replay, "DeleteSubscriptionFilter", body).await;
        replay.check(key, &refused);
    }
    let put = logs(
        &replay,
        "PutSubscriptionFilter",
        subscription(group, "test", "", FUNCTION),
    )
    .await;
    assert_eq!(put.status, 200, "{put:?}");
    let deleted = logs(
        &replay,
        "DeleteSubscriptionFilter",
        json!({ "logGroupName": group, "filterName": "test" }),
    )
    .await;
    assert_eq!(deleted.status, 200, "{deleted:?}");
    let described = logs(
        &replay,
        "DescribeSubscriptionFilters",
        json!({ "logGroupName": group }),
    )
    .await;
    assert_eq!(described.body["subscriptionFilters"], json!([]));
    replay.stop().await;

    let mut replay = Replay::start(
        SUBSCRIPTION_FILTERS,
        "TestSubscriptionFilterUpdates::test_put_subscription_filter_errors",
    )
    .await;
    create_group(&replay, group).await;
    for (key, group, destination) in [
        (
            "error-log-group-not-found",
            "not-existing-log-group",
            "arn:aws:lambda:us-east-1:123456789012:function:test",
        ),
        (
            "error-lambda-not-found",
            group,
            "arn:aws:lambda:us-east-1:123456789012:function:not-existing",
        ),
        (
            "error-kinesis-not-found",
            group,
            "arn:aws:kinesis:us-east-1:123456789012:stream/unknown-stream",
        ),
    ] {
        let refused = logs(
            &replay,
            "PutSubscriptionFilter",
            subscription(group, "test", "", destination),
        )
        .await;
        replay.check(key, &refused);
    }
    replay.stop().await;
}

/// TestSubscriptionFilters::test_put_subscription_filter_lambda: the function may be invoked
/// by CloudWatch Logs, a filter with an empty pattern sends it a group's events, and the
/// function's own log shows the `awslogs` event it was invoked with: the two events, gzipped
/// and base64-encoded.
#[tokio::test]
async fn a_subscription_filter_sends_a_function_the_events_as_recorded() {
    use base64::Engine;
    use std::io::Read;
    let mut replay = Replay::start(
        SUBSCRIPTION_FILTERS,
        "TestSubscriptionFilters::test_put_subscription_filter_lambda",
    )
    .await;
    let name = "test-lambda-function-sub1";
    let arn =
        super::apigateway_lambda::function(&replay, name, "handler", super::PYTHON_ECHO).await;
    let invoked = replay.invoke(name, Some(b"{}".to_vec())).await;
    assert_eq!(invoked.status, 200, "{invoked:?}");
    let (group, stream) = ("test-log-group-sub1", "test-log-stream-sub1");
    create_group(&replay, group).await;
    let created = logs(
        &replay,
        "CreateLogStream",
        json!({ "logGroupName": group, "logStreamName": stream }),
    )
    .await;
    assert_eq!(created.status, 200, "{created:?}");
    let permission = replay
        .call(
            Service::Lambda,
            "POST",
            &format!("/2015-03-31/functions/{name}/policy"),
            Some(json!({
                "StatementId": name,
                "Principal": "logs.us-east-1.amazonaws.com",
                "Action": "lambda:InvokeFunction",
                "SourceArn": format!("arn:aws:logs:us-east-1:000000000000:log-group:{group}:*"),
                "SourceAccount": "000000000000",
            })),
        )
        .await;
    replay.check("add_permission", &permission);
    let put = logs(
        &replay,
        "PutSubscriptionFilter",
        subscription(group, "test", "", &arn),
    )
    .await;
    replay.check("put_subscription_filter", &put);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let events = json!({
        "logGroupName": group,
        "logStreamName": stream,
        "logEvents": [
            { "timestamp": now, "message": "test" },
            { "timestamp": now, "message": "test 2" },
        ],
    });
    let sent = logs(&replay, "PutLogEvents", events).await;
    assert_eq!(sent.status, 200, "{sent:?}");
    let described = logs(
        &replay,
        "DescribeSubscriptionFilters",
        json!({ "logGroupName": group }),
    )
    .await;
    replay.check("describe_subscription_filter", &described);
    // The function's log: the events of each `awslogs` event it printed, decoded.
    let function_log = json!({ "logGroupName": format!("/aws/lambda/{name}") });
    let delivered = |answer: &Answer| -> Vec<Value> {
        let mut found = Vec::new();
        for event in answer.body["events"].as_array().into_iter().flatten() {
            let message = event["message"].as_str().unwrap_or_default();
            let Ok(printed) = serde_json::from_str::<Value>(message) else {
                continue;
            };
            let Some(data) = printed["awslogs"]["data"].as_str() else {
                continue;
            };
            let zipped = base64::engine::general_purpose::STANDARD
                .decode(data)
                .unwrap();
            let mut text = String::new();
            flate2::read::GzDecoder::new(&zipped[..])
                .read_to_string(&mut text)
                .unwrap();
            let message: Value = serde_json::from_str(&text).unwrap();
            found.extend(message["logEvents"].as_array().unwrap().iter().cloned());
        }
        found
    };
    let function_events =
        || async { delivered(&logs(&replay, "FilterLogEvents", function_log.clone()).await) };
    let arrived = crate::common::until(std::time::Duration::from_secs(30), || async {
        function_events().await.len() == 2
    })
    .await;
    let mut received = function_events().await;
    assert!(
        arrived,
        "the function was not sent the two events: {received:?}"
    );
    received.sort_by(|a, b| a["message"].as_str().cmp(&b["message"].as_str()));
    // The test's transformer stands `id` in for an id of digits alone.
    for event in &mut received {
        let id = event["id"].as_str().unwrap_or_default();
        assert!(
            !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()),
            "{event}"
        );
        event["id"] = json!("id");
    }
    let recorded = replay.recorded["list_all_log_events"].clone();
    replay
        .stand_ins
        .matches(&recorded, &json!(received), "list_all_log_events");
}
