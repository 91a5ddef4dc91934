//! CloudWatch's recorded tests (LocalStack's `tests/aws/services/cloudwatch/`). Each was
//! recorded over each of CloudWatch's protocols; the local cloud serves two of them, and each
//! test here replays both: awsJson1.0 (`[json]`) and RPC v2 CBOR (`[smithy-rpc-v2-cbor]`, what
//! the AWS SDK for Rust speaks).

use serde_json::{json, Value};

use super::{Answer, Replay, Service};

/// The protocols replayed, by the name LocalStack's test ids give them.
const PROTOCOLS: [&str; 2] = ["json", "smithy-rpc-v2-cbor"];

/// A CloudWatch operation over one of `PROTOCOLS`.
fn over(protocol: &str, operation: &'static str) -> Service {
    match protocol {
        "json" => Service::CloudWatch(operation),
        _ => Service::CloudWatchCbor(operation),
    }
}

/// A recorded test's replay, over `protocol`.
async fn start(test: &str, protocol: &str) -> Replay {
    Replay::start(
        "cloudwatch-test_cloudwatch.snapshot.json",
        &format!("{test}[{protocol}]"),
    )
    .await
}

/// PutMetricAlarm.
async fn put_alarm(replay: &Replay, protocol: &str, alarm: Value) {
    let put = replay
        .call(over(protocol, "PutMetricAlarm"), "POST", "/", Some(alarm))
        .await;
    assert_eq!(put.status, 200, "{put:?}");
}

/// DescribeAlarms of one alarm.
async fn describe(replay: &Replay, protocol: &str, name: &str) -> Answer {
    replay
        .call(
            over(protocol, "DescribeAlarms"),
            "POST",
            "/",
            Some(json!({ "AlarmNames": [name] })),
        )
        .await
}

/// test_cloudwatch.py::TestCloudwatch::test_describe_minimal_metric_alarm: an alarm made
/// with only what PutMetricAlarm requires, described.
#[tokio::test]
async fn a_minimal_alarm_is_described_as_recorded() {
    for protocol in PROTOCOLS {
        let mut replay = start(
            "TestCloudwatch::test_describe_minimal_metric_alarm",
            protocol,
        )
        .await;
        put_alarm(
            &replay,
            protocol,
            json!({
                "AlarmName": "a-minimal",
                "MetricName": "m-minimal",
                "Namespace": "n-sp-minimal",
                "EvaluationPeriods": 1,
                "Period": 10,
                "Statistic": "Sum",
                "ComparisonOperator": "GreaterThanThreshold",
                "Threshold": 30,
            }),
        )
        .await;
        let described = describe(&replay, protocol, "a-minimal").await;
        replay.check("describe_minimal_metric_alarm", &described);
        replay.stop().await;
    }
}

/// test_cloudwatch.py::TestCloudwatch::test_delete_alarm: an alarm described, deleted, and
/// gone.
#[tokio::test]
async fn an_alarm_is_deleted_as_recorded() {
    for protocol in PROTOCOLS {
        let mut replay = start("TestCloudwatch::test_delete_alarm", protocol).await;
        put_alarm(
            &replay,
            protocol,
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
        let described = describe(&replay, protocol, "test-alarm").await;
        replay.check("describe-alarm", &described);
        let deleted = replay
            .call(
                over(protocol, "DeleteAlarms"),
                "POST",
                "/",
                Some(json!({ "AlarmNames": ["test-alarm"] })),
            )
            .await;
        replay.check("delete-alarm", &deleted);
        let described = describe(&replay, protocol, "test-alarm").await;
        replay.check("describe-after-delete", &described);
        replay.stop().await;
    }
}

/// test_cloudwatch.py::TestCloudwatch::test_put_metric_alarm_escape_character and
/// test_describe_alarms_converts_date_format_correctly: a description of `<` and a name with
/// a colon come back as given, with every time a timestamp.
#[tokio::test]
async fn alarms_come_back_as_given_as_recorded() {
    for protocol in PROTOCOLS {
        let mut replay = start(
            "TestCloudwatch::test_put_metric_alarm_escape_character",
            protocol,
        )
        .await;
        put_alarm(
            &replay,
            protocol,
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
        let described = describe(&replay, protocol, "cpu-mon").await;
        replay.check("describe-alarms-escaped-character", &described);
        replay.stop().await;

        let mut replay = start(
            "TestCloudwatch::test_describe_alarms_converts_date_format_correctly",
            protocol,
        )
        .await;
        let name = "a-date-format:test";
        put_alarm(
            &replay,
            protocol,
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
        let described = describe(&replay, protocol, name).await;
        for member in [
            "AlarmConfigurationUpdatedTimestamp",
            "StateUpdatedTimestamp",
        ] {
            assert!(
                described.body["MetricAlarms"][0][member].is_number(),
                "{member}: a timestamp ({described:?})"
            );
        }
        replay.check("describe-alarms", &described);
        replay.stop().await;
    }
}

/// test_cloudwatch.py::TestCloudWatchMultiProtocol::test_basic_operations_multiple_protocols,
/// its first call (the rest needs PutMetricData, which the local cloud does not emulate):
/// DescribeAlarms of an account with no alarms, `LogAlarms` included.
#[tokio::test]
async fn no_alarms_are_described_as_recorded() {
    for protocol in PROTOCOLS {
        let mut replay = start(
            "TestCloudWatchMultiProtocol::test_basic_operations_multiple_protocols",
            protocol,
        )
        .await;
        let described = replay
            .call(
                over(protocol, "DescribeAlarms"),
                "POST",
                "/",
                Some(json!({})),
            )
            .await;
        replay.check("describe-alarms", &described);
        replay.stop().await;
    }
}

/// test_cloudwatch.py::TestCloudwatch::test_set_alarm_invalid_input: a state outside the enum
/// and a missing alarm, refused by the query protocol's codes.
#[tokio::test]
async fn bad_alarm_states_are_refused_as_recorded() {
    for protocol in PROTOCOLS {
        let mut replay = start("TestCloudwatch::test_set_alarm_invalid_input", protocol).await;
        for (key, state) in [
            ("error-invalid-state", "INVALID"),
            ("error-resource-not-found", "OK"),
        ] {
            let refused = replay
                .call(
                    over(protocol, "SetAlarmState"),
                    "POST",
                    "/",
                    Some(json!({
                        "AlarmName": "this-alarm-does-not-exist",
                        "StateValue": state,
                        "StateReason": "test",
                    })),
                )
                .await;
            replay.check(key, &refused);
        }
        replay.stop().await;
    }
}
