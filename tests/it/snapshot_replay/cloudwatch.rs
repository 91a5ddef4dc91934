//! CloudWatch's recorded tests (LocalStack's `tests/aws/services/cloudwatch/`).

use serde_json::json;

use super::{Replay, Service};

/// test_cloudwatch.py::TestCloudwatch::test_describe_minimal_metric_alarm[json]: an alarm
/// made with only what PutMetricAlarm requires, described over awsJson1.0.
#[tokio::test]
async fn a_minimal_alarm_is_described_as_recorded() {
    let mut replay = Replay::start(
        "cloudwatch-test_cloudwatch.snapshot.json",
        "TestCloudwatch::test_describe_minimal_metric_alarm[json]",
    )
    .await;
    let put = replay
        .call(
            Service::CloudWatch("PutMetricAlarm"),
            "POST",
            "/",
            Some(json!({
                "AlarmName": "a-minimal",
                "MetricName": "m-minimal",
                "Namespace": "n-sp-minimal",
                "EvaluationPeriods": 1,
                "Period": 10,
                "Statistic": "Sum",
                "ComparisonOperator": "GreaterThanThreshold",
                "Threshold": 30,
            })),
        )
        .await;
    assert_eq!(put.status, 200, "{put:?}");
    let described = replay
        .call(
            Service::CloudWatch("DescribeAlarms"),
            "POST",
            "/",
            Some(json!({ "AlarmNames": ["a-minimal"] })),
        )
        .await;
    replay.check("describe_minimal_metric_alarm", &described);
    replay.stop().await;
}
