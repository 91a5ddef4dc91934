//! CloudWatch's recorded tests (LocalStack's `tests/aws/services/cloudwatch/`).

use serde_json::json;

use super::{Answer, Replay, Service};

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

/// PutMetricAlarm, over awsJson1.0.
async fn put_alarm(replay: &Replay, alarm: serde_json::Value) {
    let put = replay
        .call(
            Service::CloudWatch("PutMetricAlarm"),
            "POST",
            "/",
            Some(alarm),
        )
        .await;
    assert_eq!(put.status, 200, "{put:?}");
}

/// DescribeAlarms of one alarm, over awsJson1.0.
async fn describe(replay: &Replay, name: &str) -> Answer {
    replay
        .call(
            Service::CloudWatch("DescribeAlarms"),
            "POST",
            "/",
            Some(json!({ "AlarmNames": [name] })),
        )
        .await
}

/// test_cloudwatch.py::TestCloudwatch::test_delete_alarm[json]: an alarm described, deleted,
/// and gone.
#[tokio::test]
async fn an_alarm_is_deleted_as_recorded() {
    let mut replay = Replay::start(
        "cloudwatch-test_cloudwatch.snapshot.json",
        "TestCloudwatch::test_delete_alarm[json]",
    )
    .await;
    put_alarm(
        &replay,
        json!({
            "AlarmName": "test-alarm",
            "Namespace": "my-namespace-delete",
            "MetricName": "metric1",
            "EvaluationPeriods": 1,
            "ComparisonOperator": "GreaterThanThreshold",
            "Period": 60,
            "Statistic": "Sum",
            "Threshold": 30,
        }),
    )
    .await;
    let described = describe(&replay, "test-alarm").await;
    replay.check("describe-alarm", &described);
    let deleted = replay
        .call(
            Service::CloudWatch("DeleteAlarms"),
            "POST",
            "/",
            Some(json!({ "AlarmNames": ["test-alarm"] })),
        )
        .await;
    replay.check("delete-alarm", &deleted);
    let described = describe(&replay, "test-alarm").await;
    replay.check("describe-after-delete", &described);
    replay.stop().await;
}

/// test_cloudwatch.py::TestCloudwatch::test_put_metric_alarm_escape_character[json] and
/// test_describe_alarms_converts_date_format_correctly[json]: a description of `<` and a name
/// with a colon come back as given, with every time a timestamp.
#[tokio::test]
async fn alarms_come_back_as_given_as_recorded() {
    let mut replay = Replay::start(
        "cloudwatch-test_cloudwatch.snapshot.json",
        "TestCloudwatch::test_put_metric_alarm_escape_character[json]",
    )
    .await;
    put_alarm(
        &replay,
        json!({
            "AlarmName": "cpu-mon",
            "AlarmDescription": "<",
            "MetricName": "CPUUtilization-2",
            "Namespace": "AWS/EC2",
            "Statistic": "Sum",
            "Period": 600,
            "Threshold": 1,
            "ComparisonOperator": "GreaterThanThreshold",
            "EvaluationPeriods": 1,
            "AlarmActions": ["arn:aws:sns:us-east-1:111122223333:MyTopic"],
        }),
    )
    .await;
    let described = describe(&replay, "cpu-mon").await;
    replay.check("describe-alarms-escaped-character", &described);
    replay.stop().await;

    let mut replay = Replay::start(
        "cloudwatch-test_cloudwatch.snapshot.json",
        "TestCloudwatch::test_describe_alarms_converts_date_format_correctly[json]",
    )
    .await;
    let name = "a-date-format:test";
    put_alarm(
        &replay,
        json!({
            "AlarmName": name,
            "Namespace": "test-ns-date-format",
            "MetricName": "test-metric-date-format",
            "EvaluationPeriods": 1,
            "ComparisonOperator": "GreaterThanThreshold",
            "Period": 60,
            "Statistic": "Sum",
            "Threshold": 30,
        }),
    )
    .await;
    let described = describe(&replay, name).await;
    for member in [
        "AlarmConfigurationUpdatedTimestamp",
        "StateUpdatedTimestamp",
    ] {
        assert!(
            described.body["MetricAlarms"][0][member].is_number(),
            "{member}: an epoch-seconds timestamp ({described:?})"
        );
    }
    replay.check("describe-alarms", &described);
    replay.stop().await;
}

/// test_cloudwatch.py::TestCloudWatchMultiProtocol::test_basic_operations_multiple_protocols
/// [json], its first call (the rest needs PutMetricData, which the local cloud does not
/// emulate): DescribeAlarms of an account with no alarms, `LogAlarms` included.
#[tokio::test]
async fn no_alarms_are_described_as_recorded() {
    let mut replay = Replay::start(
        "cloudwatch-test_cloudwatch.snapshot.json",
        "TestCloudWatchMultiProtocol::test_basic_operations_multiple_protocols[json]",
    )
    .await;
    let described = replay
        .call(
            Service::CloudWatch("DescribeAlarms"),
            "POST",
            "/",
            Some(json!({})),
        )
        .await;
    replay.check("describe-alarms", &described);
    replay.stop().await;
}
