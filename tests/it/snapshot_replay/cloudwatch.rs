//! CloudWatch's recorded tests (LocalStack's `tests/aws/services/cloudwatch/`). Each was
//! recorded over each of CloudWatch's three protocols, and each test here replays all three:
//! awsJson1.0 (`[json]`), RPC v2 CBOR (`[smithy-rpc-v2-cbor]`, what the AWS SDK for Rust
//! speaks) and the query protocol (`[query]`: form parameters in, XML out, read back as
//! botocore reads it, `super::query`).

use serde_json::{json, Value};

use super::{Answer, Replay, Service};

/// The protocols replayed, by the name LocalStack's test ids give them.
const PROTOCOLS: [&str; 3] = ["json", "smithy-rpc-v2-cbor", "query"];

/// A CloudWatch operation over one of `PROTOCOLS`.
fn over(protocol: &str, operation: &'static str) -> Service {
    match protocol {
        "json" => Service::CloudWatch(operation),
        "query" => Service::CloudWatchQuery(operation),
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

/// test_cloudwatch.py::TestCloudWatchMultiProtocol::test_basic_operations_multiple_protocols:
/// DescribeAlarms of an account with no alarms (`LogAlarms` included), then data put in two
/// namespaces (twice the same metric) and read back, summed per minute.
#[tokio::test]
async fn basic_operations_are_answered_as_recorded() {
    for protocol in PROTOCOLS {
        let mut replay = start(
            "TestCloudWatchMultiProtocol::test_basic_operations_multiple_protocols",
            protocol,
        )
        .await;
        // The test posts by hand (its `cloudwatch_http_client`), and records a query answer as
        // xmltodict reads the XML.
        let by_hand = |operation| match protocol {
            "query" => Service::CloudWatchQueryHttp(operation),
            _ => over(protocol, operation),
        };
        let described = replay
            .call(by_hand("DescribeAlarms"), "POST", "/", Some(json!({})))
            .await;
        replay.check("describe-alarms", &described);
        let now = now_s().floor();
        put_data(
            &replay,
            protocol,
            "test/one",
            json!([{"MetricName": "someMetric", "Value": 23}]),
        )
        .await;
        put_data(
            &replay,
            protocol,
            "test/one",
            json!([{"MetricName": "someMetric", "Value": 18}]),
        )
        .await;
        put_data(
            &replay,
            protocol,
            "test/two",
            json!([{"MetricName": "ug", "Value": 23, "Timestamp": now}]),
        )
        .await;
        let got = replay
            .call(
                by_hand("GetMetricData"),
                "POST",
                "/",
                Some(json!({
                "MetricDataQueries": [
                    {"Id": "some", "MetricStat": {
                        "Metric": {"Namespace": "test/one", "MetricName": "someMetric"},
                        "Period": 60, "Stat": "Sum"}},
                    {"Id": "part", "MetricStat": {
                        "Metric": {"Namespace": "test/two", "MetricName": "ug"},
                        "Period": 60, "Stat": "Sum"}},
                ],
                "StartTime": now - 60.0,
                "EndTime": now + 300.0,
                })),
            )
            .await;
        replay.check("get-metric-data", &got);
        replay.stop().await;
    }
}

/// Now, in epoch seconds (how awsJson1.0 writes a timestamp; CBOR takes the number too).
fn now_s() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

/// A parametrized recorded test's replay, over `protocol` (`test[json-Sum]`).
async fn start_variant(test: &str, protocol: &str, variant: &str) -> Replay {
    Replay::start(
        "cloudwatch-test_cloudwatch.snapshot.json",
        &format!("{test}[{protocol}-{variant}]"),
    )
    .await
}

/// PutMetricData, which must succeed.
async fn put_data(replay: &Replay, protocol: &str, namespace: &str, data: Value) {
    let put = replay
        .call(
            over(protocol, "PutMetricData"),
            "POST",
            "/",
            Some(json!({"Namespace": namespace, "MetricData": data})),
        )
        .await;
    assert_eq!(put.status, 200, "{put:?}");
}

/// GetMetricData.
async fn get_data(replay: &Replay, protocol: &str, input: Value) -> Answer {
    replay
        .call(over(protocol, "GetMetricData"), "POST", "/", Some(input))
        .await
}

/// A MetricStat query of `namespace`'s `metric1` (the name most recorded tests use).
fn query(id: &str, namespace: &str, stat: &str, period: u32, unit: Option<&str>) -> Value {
    let mut metric_stat = json!({
        "Metric": {"Namespace": namespace, "MetricName": "metric1"},
        "Period": period,
        "Stat": stat,
    });
    if let Some(unit) = unit {
        metric_stat["Unit"] = json!(unit);
    }
    json!({"Id": id, "MetricStat": metric_stat})
}

/// GetMetricData of `queries` from a minute before `now` to a minute after (as most recorded
/// tests ask).
async fn get_around(replay: &Replay, protocol: &str, queries: Value, now: f64) -> Answer {
    get_data(
        replay,
        protocol,
        json!({"MetricDataQueries": queries, "StartTime": now - 60.0, "EndTime": now + 60.0}),
    )
    .await
}

/// 50 s, 25 s and a statistic set of 10 samples summing to 55 s.
fn three_metrics(now: f64) -> [Value; 3] {
    [
        json!([{"MetricName": "metric1", "Value": 50, "Unit": "Seconds", "Timestamp": now}]),
        json!([{"MetricName": "metric2", "Value": 25, "Unit": "Seconds", "Timestamp": now}]),
        json!([{"MetricName": "metric3", "Unit": "Seconds", "Timestamp": now,
            "StatisticValues": {"SampleCount": 10, "Sum": 55, "Minimum": 1, "Maximum": 10}}]),
    ]
}

/// test_cloudwatch.py::TestCloudwatch::test_put_metric_data_validation: Value with Values, or
/// with StatisticValues, and Counts not matching Values, refused in AWS's words; Values with
/// StatisticValues taken.
#[tokio::test]
async fn bad_metric_data_is_refused_as_recorded() {
    for protocol in PROTOCOLS {
        let mut replay = start("TestCloudwatch::test_put_metric_data_validation", protocol).await;
        let now = now_s();
        let set = json!({"SampleCount": 10, "Sum": 55, "Minimum": 1, "Maximum": 10});
        for (key, datum) in [
            (
                "invalid-param-combination",
                json!({"Value": 1.5, "Values": [1.0, 10.0]}),
            ),
            (
                "invalid-param-value",
                json!({"Values": [1.0, 10.0], "Counts": [2, 4, 5]}),
            ),
            (
                "invalid-param-combination-2",
                json!({"Value": 1.5, "StatisticValues": set}),
            ),
        ] {
            let mut datum = datum;
            datum["MetricName"] = json!("mymetric");
            datum["Timestamp"] = json!(now);
            datum["Unit"] = json!("Count");
            let refused = replay
                .call(
                    over(protocol, "PutMetricData"),
                    "POST",
                    "/",
                    Some(json!({"Namespace": "ns-validation", "MetricData": [datum]})),
                )
                .await;
            replay.check(key, &refused);
        }
        put_data(
            &replay,
            protocol,
            "ns-validation",
            json!([{"MetricName": "mymetric", "Timestamp": now, "Values": [1.0, 10.0],
                "StatisticValues": set, "Unit": "Count"}]),
        )
        .await;
        replay.stop().await;
    }
}

/// test_cloudwatch.py::TestCloudwatch::test_get_metric_data_for_multiple_metrics: three
/// metrics put, each summed under its own name.
#[tokio::test]
async fn several_metrics_are_answered_as_recorded() {
    for protocol in PROTOCOLS {
        let mut replay = start(
            "TestCloudwatch::test_get_metric_data_for_multiple_metrics",
            protocol,
        )
        .await;
        let now = now_s();
        for data in three_metrics(now) {
            put_data(&replay, protocol, "test/multiple", data).await;
        }
        let queries: Vec<Value> = (1..=3)
            .map(|n| {
                let mut q = query(&format!("result{n}"), "test/multiple", "Sum", 60, None);
                q["MetricStat"]["Metric"]["MetricName"] = json!(format!("metric{n}"));
                q
            })
            .collect();
        let got = get_around(&replay, protocol, json!(queries), now).await;
        replay.check("get_metric_data", &got);
        replay.stop().await;
    }
}

/// test_cloudwatch.py::TestCloudwatch::test_get_metric_data_stats: a value and a statistic
/// set in the same minute, read in each statistic.
#[tokio::test]
async fn each_statistic_is_answered_as_recorded() {
    for protocol in PROTOCOLS {
        for stat in ["Sum", "SampleCount", "Minimum", "Maximum", "Average"] {
            let mut replay =
                start_variant("TestCloudwatch::test_get_metric_data_stats", protocol, stat).await;
            let now = now_s();
            put_data(
                &replay,
                protocol,
                "test/stats",
                json!([{"MetricName": "metric1", "Value": 11, "Unit": "Seconds", "Timestamp": now}]),
            )
            .await;
            let [_, _, set] = three_metrics(now);
            let mut set = set;
            set[0]["MetricName"] = json!("metric1");
            put_data(&replay, protocol, "test/stats", set).await;
            let queries = json!([query("result1", "test/stats", stat, 60, None)]);
            let got = get_around(&replay, protocol, queries, now).await;
            replay.check("get_metric_data", &got);
            replay.stop().await;
        }
    }
}

/// test_cloudwatch.py::TestCloudwatch::test_get_metric_data_with_dimensions: a query names
/// every dimension of the metric it reads; data under other dimensions (or none) is another
/// metric.
#[tokio::test]
async fn dimensions_select_the_metric_as_recorded() {
    for protocol in PROTOCOLS {
        let mut replay = start(
            "TestCloudwatch::test_get_metric_data_with_dimensions",
            protocol,
        )
        .await;
        let now = now_s();
        for instance in ["one", "two"] {
            put_data(
                &replay,
                protocol,
                "test/dims",
                json!([{"MetricName": "metric1", "Value": 11, "Unit": "Seconds", "Timestamp": now,
                    "Dimensions": [{"Name": "InstanceId", "Value": instance}]}]),
            )
            .await;
        }
        let [_, _, mut set] = three_metrics(now);
        set[0]["MetricName"] = json!("metric1");
        put_data(&replay, protocol, "test/dims", set).await;
        let mut q = query("result1", "test/dims", "Sum", 60, None);
        q["MetricStat"]["Metric"]["Dimensions"] = json!([{"Name": "InstanceId", "Value": "one"}]);
        let got = get_around(&replay, protocol, json!([q]), now).await;
        replay.check("get_metric_data", &got);
        replay.stop().await;
    }
}

/// test_cloudwatch.py::TestCloudwatch::test_get_metric_with_null_dimensions and
/// test_get_metric_with_no_results: data put under a dimension is not found by a query with
/// none, nor data put with none by a query with one: complete, with no values.
#[tokio::test]
async fn other_dimensions_find_nothing_as_recorded() {
    for protocol in PROTOCOLS {
        let mut replay = start(
            "TestCloudwatch::test_get_metric_with_null_dimensions",
            protocol,
        )
        .await;
        put_data(
            &replay,
            protocol,
            "n-null",
            json!([{"MetricName": "m-test", "Value": 1, "Unit": "Seconds",
                "Dimensions": [{"Name": "foo", "Value": "bar"}]}]),
        )
        .await;
        let now = now_s();
        let got = get_data(
            &replay,
            protocol,
            json!({
                "MetricDataQueries": [{"Id": "m1", "MetricStat": {
                    "Metric": {"Namespace": "n-null", "MetricName": "m-test", "Dimensions": []},
                    "Period": 60, "Stat": "Sum"}}],
                "StartTime": now - 3600.0,
                "EndTime": now,
            }),
        )
        .await;
        replay.check("get_metric_with_null_dimensions", &got);
        replay.stop().await;

        let mut replay = start("TestCloudwatch::test_get_metric_with_no_results", protocol).await;
        let now = now_s();
        put_data(
            &replay,
            protocol,
            "n-none",
            json!([{"MetricName": "m-none", "Value": 1}]),
        )
        .await;
        let got = get_around(
            &replay,
            protocol,
            json!([{"Id": "result", "MetricStat": {
                "Metric": {"Namespace": "n-none", "MetricName": "m-none",
                    "Dimensions": [{"Name": "foo", "Value": "bar"}]},
                "Period": 60, "Stat": "Sum"}}]),
            now,
        )
        .await;
        replay.check("result", &got);
        replay.stop().await;
    }
}

/// test_cloudwatch.py::TestCloudwatch::test_get_metric_data_with_zero_and_labels: six values
/// (a zero among them) in one request, read in four statistics, each labelled with it.
#[tokio::test]
async fn zero_values_and_labels_are_answered_as_recorded() {
    for protocol in PROTOCOLS {
        let mut replay = start(
            "TestCloudwatch::test_get_metric_data_with_zero_and_labels",
            protocol,
        )
        .await;
        let now = now_s();
        let data: Vec<Value> = [0.0, 2.0, 4.0, 3.5, 7.0, 100.0]
            .iter()
            .map(|v| json!({"MetricName": "metric1", "Value": v, "Unit": "Seconds"}))
            .collect();
        put_data(&replay, protocol, "test/zero", json!(data)).await;
        let queries: Vec<Value> = ["Average", "Sum", "Minimum", "Maximum"]
            .iter()
            .map(|stat| query(&format!("result_{stat}"), "test/zero", stat, 60, None))
            .collect();
        let got = get_around(&replay, protocol, json!(queries), now).await;
        replay.check("get_metric_data_with_zero_and_labels", &got);
        replay.stop().await;
    }
}

/// test_cloudwatch.py::TestCloudwatch::test_label_generation: two queries of one metric,
/// labelled with the statistic and the period where they differ (the unit never).
#[tokio::test]
async fn labels_are_generated_as_recorded() {
    let pairs: [[(&str, u32, &str); 2]; 7] = [
        [("Sum", 60, "Seconds"), ("Minimum", 30, "Seconds")],
        [("Sum", 60, "Seconds"), ("Minimum", 60, "Seconds")],
        [("Sum", 60, "Seconds"), ("Sum", 30, "Seconds")],
        [("Sum", 60, "Seconds"), ("Minimum", 30, "Milliseconds")],
        [("Sum", 60, "Seconds"), ("Minimum", 60, "Milliseconds")],
        [("Sum", 60, "Seconds"), ("Sum", 30, "Milliseconds")],
        [("Sum", 60, "Seconds"), ("Sum", 60, "Milliseconds")],
    ];
    for protocol in PROTOCOLS {
        for (i, pair) in pairs.iter().enumerate() {
            let variant = format!("input_pairs{i}");
            let mut replay =
                start_variant("TestCloudwatch::test_label_generation", protocol, &variant).await;
            let now = now_s();
            let data: Vec<Value> = [0, 2, 7, 100]
                .iter()
                .map(|v| json!({"MetricName": "metric1", "Value": v, "Unit": "Seconds"}))
                .collect();
            put_data(&replay, protocol, "test/labels", json!(data)).await;
            let queries: Vec<Value> = pair
                .iter()
                .map(|(stat, period, unit)| {
                    let id = format!("result_{stat}_{period}_{unit}");
                    query(&id, "test/labels", stat, *period, Some(unit))
                })
                .collect();
            let got = get_around(&replay, protocol, json!(queries), now).await;
            replay.check("label_generation", &got);
            replay.stop().await;
        }
    }
}

/// test_cloudwatch.py::TestCloudwatch::test_get_metric_data_with_different_units and
/// test_get_metric_data_different_units_no_unit_in_query: data in several units; a query
/// with a unit reads that unit's, one without reads one unit's and says there were several.
#[tokio::test]
async fn units_are_kept_apart_as_recorded() {
    for protocol in PROTOCOLS {
        let mut replay = start(
            "TestCloudwatch::test_get_metric_data_with_different_units",
            protocol,
        )
        .await;
        let now = now_s();
        put_data(
            &replay,
            protocol,
            "n-sp-units",
            json!([
                {"MetricName": "m-test", "Timestamp": now, "Value": 1, "Unit": "Seconds"},
                {"MetricName": "m-test", "Timestamp": now, "Value": 1, "Unit": "Count"},
            ]),
        )
        .await;
        let got = units_query(&replay, protocol, Some("Seconds"), now).await;
        replay.check("get_metric_data_with_different_units", &got);
        replay.stop().await;

        let millis = json!({"MetricName": "m-test", "Value": 60000, "Unit": "Milliseconds"});
        let secs = json!({"MetricName": "m-test", "Value": 60, "Unit": "Seconds"});
        let count = json!({"MetricName": "m-test", "Value": 5, "Unit": "Count"});
        let variants = [
            vec![&millis, &secs],
            vec![&millis, &secs, &millis, &secs],
            vec![&millis, &secs, &millis, &secs, &count],
        ];
        for (i, data) in variants.iter().enumerate() {
            let mut replay = start_variant(
                "TestCloudwatch::test_get_metric_data_different_units_no_unit_in_query",
                protocol,
                &format!("metric_data{i}"),
            )
            .await;
            let now = now_s();
            let data: Vec<Value> = data
                .iter()
                .map(|d| {
                    let mut d = (*d).clone();
                    d["Timestamp"] = json!(now);
                    d
                })
                .collect();
            put_data(&replay, protocol, "n-sp-units", json!(data)).await;
            let got = units_query(&replay, protocol, None, now).await;
            replay.check("get_metric_data_with_no_unit_specified", &got);
            replay.stop().await;
        }
    }
}

/// The units tests' query: `m-test`'s Sum over the minute from `now`, in `unit`.
async fn units_query(replay: &Replay, protocol: &str, unit: Option<&str>, now: f64) -> Answer {
    let mut metric_stat = json!({
        "Metric": {"Namespace": "n-sp-units", "MetricName": "m-test"},
        "Period": 60,
        "Stat": "Sum",
    });
    if let Some(unit) = unit {
        metric_stat["Unit"] = json!(unit);
    }
    get_data(
        replay,
        protocol,
        json!({
            "MetricDataQueries": [{"Id": "m1", "MetricStat": metric_stat}],
            "StartTime": now,
            "EndTime": now + 60.0,
            "MaxDatapoints": 10,
        }),
    )
    .await
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

/// test_cloudwatch.py::TestCloudwatch::test_store_tags: an alarm made without tags, tagged
/// with two by its ARN, untagged of one.
#[tokio::test]
async fn alarm_tags_are_kept_as_recorded() {
    for protocol in PROTOCOLS {
        let mut replay = start("TestCloudwatch::test_store_tags", protocol).await;
        let put = replay
            .call(
                over(protocol, "PutMetricAlarm"),
                "POST",
                "/",
                Some(json!({
                    "AlarmName": "a-tags",
                    "Namespace": "test-ns-tags",
                    "MetricName": "store_tags",
                    "EvaluationPeriods": 1,
                    "ComparisonOperator": "GreaterThanThreshold",
                    "Period": 60,
                    "Statistic": "Sum",
                    "Threshold": 30,
                })),
            )
            .await;
        replay.check("put_metric_alarm", &put);
        let described = describe(&replay, protocol, "a-tags").await;
        replay.check("describe_alarms", &described);
        let arn = described.body["MetricAlarms"][0]["AlarmArn"].clone();
        let listed = list_tags(&replay, protocol, &arn).await;
        // The recording's key ends in a space, as LocalStack's test wrote it.
        replay.check("list_tags_for_resource_empty ", &listed);
        let tagged = replay
            .call(
                over(protocol, "TagResource"),
                "POST",
                "/",
                Some(json!({
                    "ResourceARN": arn,
                    "Tags": [{"Key": "tag1", "Value": "foo"}, {"Key": "tag2", "Value": "bar"}],
                })),
            )
            .await;
        assert_eq!(tagged.status, 200, "{tagged:?}");
        let listed = list_tags(&replay, protocol, &arn).await;
        replay.check("list_tags_for_resource", &listed);
        let untagged = replay
            .call(
                over(protocol, "UntagResource"),
                "POST",
                "/",
                Some(json!({ "ResourceARN": arn, "TagKeys": ["tag1"] })),
            )
            .await;
        assert_eq!(untagged.status, 200, "{untagged:?}");
        let listed = list_tags(&replay, protocol, &arn).await;
        replay.check("list_tags_for_resource_post_untag", &listed);
        replay.stop().await;
    }
}

/// test_cloudwatch.py::TestCloudwatch::test_tagging_metric_alarm: an alarm made with a tag,
/// tagged with two more, untagged of one, deleted; its ARN then lists no tags (200, not an
/// error). The test sorts each answer's `Tags` by key before it matches them.
#[tokio::test]
async fn alarm_tags_from_creation_to_deletion_are_listed_as_recorded() {
    for protocol in PROTOCOLS {
        let mut replay = start("TestCloudwatch::test_tagging_metric_alarm", protocol).await;
        let put = replay
            .call(
                over(protocol, "PutMetricAlarm"),
                "POST",
                "/",
                Some(json!({
                    "AlarmName": "a-tagging",
                    "Namespace": "test-ns-tagging",
                    "MetricName": "store_tags",
                    "EvaluationPeriods": 1,
                    "ComparisonOperator": "GreaterThanThreshold",
                    "Period": 60,
                    "Statistic": "Sum",
                    "Threshold": 30,
                    "Tags": [{"Key": "Environment", "Value": "Production"}],
                })),
            )
            .await;
        replay.check("put_metric_alarm", &put);
        let described = describe(&replay, protocol, "a-tagging").await;
        let arn = described.body["MetricAlarms"][0]["AlarmArn"].clone();
        let listed = sorted_tags(list_tags(&replay, protocol, &arn).await);
        replay.check("list_tags_for_resource_after_creation", &listed);
        let tags = json!([{"Key": "tag1", "Value": "foo"}, {"Key": "tag2", "Value": "bar"}]);
        let tagged = post(
            &replay,
            protocol,
            "TagResource",
            json!({"ResourceARN": arn, "Tags": tags}),
        )
        .await;
        assert_eq!(tagged.status, 200, "{tagged:?}");
        let listed = sorted_tags(list_tags(&replay, protocol, &arn).await);
        replay.check("list_tags_for_resource_updated", &listed);
        let untag = json!({"ResourceARN": arn, "TagKeys": ["tag1"]});
        let untagged = post(&replay, protocol, "UntagResource", untag).await;
        assert_eq!(untagged.status, 200, "{untagged:?}");
        let listed = sorted_tags(list_tags(&replay, protocol, &arn).await);
        replay.check("list_tags_for_resource_post_untag", &listed);
        let deleted = post(
            &replay,
            protocol,
            "DeleteAlarms",
            json!({"AlarmNames": ["a-tagging"]}),
        )
        .await;
        assert_eq!(deleted.status, 200, "{deleted:?}");
        let listed = sorted_tags(list_tags(&replay, protocol, &arn).await);
        replay.check("list_tags_for_deleted_resource", &listed);
        replay.stop().await;
    }
}

/// `operation` with the members `input`, over `protocol`.
async fn post(replay: &Replay, protocol: &str, operation: &'static str, input: Value) -> Answer {
    replay
        .call(over(protocol, operation), "POST", "/", Some(input))
        .await
}

/// An answer's `Tags` sorted by key, as LocalStack's `SortingTransformer("Tags", …)` sorted
/// them before recording.
fn sorted_tags(mut answer: Answer) -> Answer {
    if let Some(tags) = answer.body["Tags"].as_array_mut() {
        tags.sort_by(|a, b| a["Key"].as_str().cmp(&b["Key"].as_str()));
    }
    answer
}

/// ListTagsForResource of the resource `arn` names.
async fn list_tags(replay: &Replay, protocol: &str, arn: &Value) -> Answer {
    replay
        .call(
            over(protocol, "ListTagsForResource"),
            "POST",
            "/",
            Some(json!({ "ResourceARN": arn })),
        )
        .await
}

/// test_cloudwatch.py::TestCloudwatch::test_get_metric_data and test_default_ordering,
/// validated on AWS with assertions but no recording: data summed over the minutes asked for
/// and none from an hour ahead; ten minutes of data newest first by default, as
/// `TimestampDescending` orders them and `TimestampAscending` in reverse.
#[tokio::test]
async fn metric_data_is_summed_and_ordered_as_validated_on_aws() {
    for protocol in PROTOCOLS {
        let replay = start_validated(protocol).await;
        let now = now_s().floor();
        for value in [23, 18] {
            put_data(
                &replay,
                protocol,
                "test/sum",
                json!([{"MetricName": "someMetric", "Value": value}]),
            )
            .await;
        }
        let sum_query = |start: f64, end: f64| {
            json!({
                "MetricDataQueries": [{"Id": "some", "MetricStat": {
                    "Metric": {"Namespace": "test/sum", "MetricName": "someMetric"},
                    "Period": 60, "Stat": "Sum"}}],
                "StartTime": start,
                "EndTime": end,
            })
        };
        let got = get_data(&replay, protocol, sum_query(now - 600.0, now + 300.0)).await;
        let values = got.body["MetricDataResults"][0]["Values"]
            .as_array()
            .unwrap();
        let total: f64 = values.iter().map(|v| v.as_f64().unwrap()).sum();
        assert_eq!(total, 41.0, "{got:?}");
        let ahead = get_data(&replay, protocol, sum_query(now + 3600.0, now + 7200.0)).await;
        assert_eq!(
            ahead.body["MetricDataResults"][0]["Values"],
            json!([]),
            "{ahead:?}"
        );

        for i in 0..10 {
            put_data(
                &replay,
                protocol,
                "test/order",
                json!([{"MetricName": "m-order", "Value": i, "Unit": "Seconds",
                    "Timestamp": now + f64::from(i) * 60.0}]),
            )
            .await;
        }
        let mut timestamps = Vec::new();
        for scan_by in [
            None,
            Some("TimestampAscending"),
            Some("TimestampDescending"),
        ] {
            let mut input = json!({
                "MetricDataQueries": [{"Id": "m1", "MetricStat": {
                    "Metric": {"Namespace": "test/order", "MetricName": "m-order"},
                    "Period": 60, "Stat": "Sum"}}],
                "StartTime": now,
                "EndTime": now + 600.0,
                "MaxDatapoints": 10,
            });
            if let Some(scan_by) = scan_by {
                input["ScanBy"] = json!(scan_by);
            }
            let got = get_data(&replay, protocol, input).await;
            let times = got.body["MetricDataResults"][0]["Timestamps"].clone();
            assert_eq!(times.as_array().map(Vec::len), Some(10), "{got:?}");
            timestamps.push(times);
        }
        let mut ascending = timestamps[1].as_array().unwrap().clone();
        ascending.reverse();
        assert_eq!(timestamps[0], timestamps[2]);
        assert_eq!(timestamps[0], json!(ascending));
        assert_ne!(timestamps[1], timestamps[2]);
        replay.stop().await;
    }
}

/// test_cloudwatch.py::TestCloudwatch::test_get_metric_data_pagination, validated on AWS with
/// assertions but no recording: twenty minutes of data read ten datapoints at a time, the
/// first page with a NextToken, which reads the rest.
#[tokio::test]
async fn metric_data_is_paged_as_validated_on_aws() {
    for protocol in PROTOCOLS {
        let replay = start_validated(protocol).await;
        let now = now_s();
        for i in 0..20 {
            put_data(
                &replay,
                protocol,
                "n-sp-pages",
                json!([{"MetricName": "m-pages", "Value": i, "Unit": "Seconds",
                    "Timestamp": now + f64::from(i) * 60.0}]),
            )
            .await;
        }
        let mut input = json!({
            "MetricDataQueries": [{"Id": "m1", "MetricStat": {
                "Metric": {"Namespace": "n-sp-pages", "MetricName": "m-pages"},
                "Period": 60, "Stat": "Sum"}}],
            "StartTime": now,
            "EndTime": now + 1200.0,
            "MaxDatapoints": 10,
        });
        let first = get_data(&replay, protocol, input.clone()).await;
        let result = &first.body["MetricDataResults"][0];
        assert_eq!(
            result["Values"].as_array().map(Vec::len),
            Some(10),
            "{first:?}"
        );
        assert_eq!(result["StatusCode"], "PartialData", "{first:?}");
        let token = first.body["NextToken"].clone();
        assert!(token.is_string(), "{first:?}");
        input["NextToken"] = token;
        let rest = get_data(&replay, protocol, input.clone()).await;
        let result = &rest.body["MetricDataResults"][0];
        assert_eq!(
            result["Values"].as_array().map(Vec::len),
            Some(10),
            "{rest:?}"
        );
        assert_eq!(result["StatusCode"], "Complete", "{rest:?}");
        assert_eq!(rest.body.get("NextToken"), None, "{rest:?}");
        // Newest first: the first page has the later half.
        let values = |answer: &Answer| answer.body["MetricDataResults"][0]["Values"].clone();
        assert_eq!(values(&first)[0], json!(19.0));
        assert_eq!(values(&rest)[9], json!(0.0));
        input["NextToken"] = json!("not-a-token");
        let refused = get_data(&replay, protocol, input).await;
        assert_eq!(
            (refused.status, refused.code.as_deref()),
            (400, Some("InvalidNextToken"))
        );
        replay.stop().await;
    }
}

/// A replay for a test AWS validated with assertions but recorded nothing: the calls and the
/// checks are the test's own (a recording is only what `Replay` starts from).
async fn start_validated(protocol: &str) -> Replay {
    start(
        "TestCloudWatchMultiProtocol::test_basic_operations_multiple_protocols",
        protocol,
    )
    .await
}

/// test_cloudwatch_metrics.py's handlers (TEST_SUCCESSFUL_LAMBDA, TEST_FAILING_LAMBDA),
/// verbatim from LocalStack (Apache-2.0): the leading newline puts the raise on line 3.
const SUCCESSFUL_HANDLER: &str =
    "\ndef handler(event, context):\n    return {\"success\": \"ok\"}\n";
const FAILING_HANDLER: &str =
    "\ndef handler(event, context):\n    raise Exception('fail on purpose')\n";

/// A python3.9 function running `source` as `handler.py`, made as LocalStack's
/// `create_lambda_function` fixture makes it, and Active.
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
                "Runtime": "python3.9",
                "Handler": "handler.handler",
                "Role": "arn:aws:iam::000000000000:role/lambda-replay-role",
                "Timeout": 30,
                "Environment": { "Variables": {} },
                "Code": { "ZipFile": base64::engine::general_purpose::STANDARD.encode(zip) },
            })),
        )
        .await;
    assert_eq!(created.status, 201, "{created:?}");
    let path = format!("/2015-03-31/functions/{name}/configuration");
    let active = crate::common::until(std::time::Duration::from_secs(30), || async {
        replay.call(Service::Lambda, "GET", &path, None).await.body["State"] == "Active"
    })
    .await;
    assert!(active, "{name} did not become Active");
}

/// The test's `_wait_for_lambda_metric`: GetMetricData of the function's `metric` in
/// `AWS/Lambda`, its hourly Sum over the last hour, asked until its values are `[1.0]` (the
/// local cloud counts an invocation when it ends, so at once here; bounded).
async fn lambda_metric(replay: &Replay, name: &str, metric: &str) -> Answer {
    let input = |now: f64| {
        json!({
            "MetricDataQueries": [{
                "Id": "m1",
                "MetricStat": {
                    "Metric": {
                        "Namespace": "AWS/Lambda",
                        "MetricName": metric,
                        "Dimensions": [{"Name": "FunctionName", "Value": name}],
                    },
                    "Period": 3600,
                    "Stat": "Sum",
                },
            }],
            "StartTime": now - 3600.0,
            "EndTime": now,
        })
    };
    let counted = crate::common::until(std::time::Duration::from_secs(20), || async {
        let answer = get_data(replay, "json", input(now_s())).await;
        answer.body["MetricDataResults"][0]["Values"] == json!([1.0])
    })
    .await;
    assert!(counted, "{name}: {metric} never reached [1.0]");
    get_data(replay, "json", input(now_s())).await
}

/// test_cloudwatch_metrics.py::TestCloudWatchLambdaMetrics::test_lambda_invoke_successful: a
/// Python function invoked once is one `Invocations` in `AWS/Lambda`, by its name.
#[tokio::test]
async fn a_lambda_invocation_is_counted_as_recorded() {
    let mut replay = Replay::start(
        "cloudwatch-test_cloudwatch_metrics.snapshot.json",
        "TestCloudWatchLambdaMetrics::test_lambda_invoke_successful",
    )
    .await;
    let name = "fn-cw-ok";
    python_function(&replay, name, SUCCESSFUL_HANDLER).await;
    let invoked = replay.invoke(name, None).await;
    assert_eq!(invoked.status, 200, "{invoked:?}");
    replay.check("invoke", &invoked);
    let data = lambda_metric(&replay, name, "Invocations").await;
    replay.check("get-metric-data", &data);
    replay.stop().await;
}

/// test_cloudwatch_metrics.py::TestCloudWatchLambdaMetrics::test_lambda_invoke_error: a
/// Python function that raises, invoked once, is one `Invocations` and one `Errors`.
#[tokio::test]
async fn a_failed_lambda_invocation_is_counted_as_recorded() {
    let mut replay = Replay::start(
        "cloudwatch-test_cloudwatch_metrics.snapshot.json",
        "TestCloudWatchLambdaMetrics::test_lambda_invoke_error",
    )
    .await;
    let name = "fn-cw-error";
    python_function(&replay, name, FAILING_HANDLER).await;
    let invoked = replay.invoke(name, None).await;
    replay.check("invoke", &invoked);
    let invocations = lambda_metric(&replay, name, "Invocations").await;
    replay.check("get-metric-data-invocations", &invocations);
    let errors = lambda_metric(&replay, name, "Errors").await;
    replay.check("get-metric-data-errors", &errors);
    replay.stop().await;
}

/// GetMetricStatistics.
async fn statistics(replay: &Replay, protocol: &str, input: Value) -> Answer {
    replay
        .call(
            over(protocol, "GetMetricStatistics"),
            "POST",
            "/",
            Some(input),
        )
        .await
}

/// test_cloudwatch.py::TestCloudwatch::test_put_metric_data_values_list: a datum of Values
/// with Counts, read back by GetMetricStatistics as the samples they weigh.
#[tokio::test]
async fn weighted_values_are_summarised_as_recorded() {
    for protocol in PROTOCOLS {
        let mut replay = start("TestCloudwatch::test_put_metric_data_values_list", protocol).await;
        let now = now_s();
        put_data(
            &replay,
            protocol,
            "ns-values",
            json!([{"MetricName": "test-metric", "Timestamp": now, "Values": [1.0, 10.0],
                "Counts": [2, 4], "Unit": "Count"}]),
        )
        .await;
        let got = statistics(
            &replay,
            protocol,
            json!({"Namespace": "ns-values", "MetricName": "test-metric",
                "StartTime": now - 60.0, "EndTime": now + 60.0, "Period": 60,
                "Statistics": ["SampleCount", "Sum", "Maximum"]}),
        )
        .await;
        replay.check("get_metric_statistics", &got);
        replay.stop().await;
    }
}

/// test_cloudwatch.py::TestCloudwatch::test_get_metric_statistics: ten values in one minute,
/// every statistic of them in one datapoint, in the unit of data sent with none (`None`).
#[tokio::test]
async fn every_statistic_of_a_period_is_answered_as_recorded() {
    for protocol in PROTOCOLS {
        let mut replay = start("TestCloudwatch::test_get_metric_statistics", protocol).await;
        let now = now_s();
        for i in 0..10 {
            put_data(
                &replay,
                protocol,
                "test/stats",
                json!([{"MetricName": "metric", "Value": i, "Timestamp": now + 1.0}]),
            )
            .await;
        }
        let got = statistics(
            &replay,
            protocol,
            json!({"Namespace": "test/stats", "MetricName": "metric",
                "StartTime": now - 60.0, "EndTime": now + 60.0, "Period": 60,
                "Statistics": ["Average", "Sum", "Minimum", "Maximum", "SampleCount"]}),
        )
        .await;
        replay.check("get_metric_statistics", &got);
        replay.stop().await;
    }
}

/// test_cloudwatch.py::TestCloudwatch::test_handle_different_units: data in three units (one
/// with none), asked with no unit: a datapoint per unit. The test orders them by Average,
/// largest first, before its snapshot; so does this replay.
#[tokio::test]
async fn each_unit_is_a_datapoint_of_its_own_as_recorded() {
    for protocol in PROTOCOLS {
        let mut replay = start("TestCloudwatch::test_handle_different_units", protocol).await;
        let now = now_s();
        put_data(
            &replay,
            protocol,
            "n-sp-units",
            json!([
                {"MetricName": "m-test", "Timestamp": now, "Value": 1, "Unit": "Seconds"},
                {"MetricName": "m-test", "Timestamp": now, "Value": 5, "Unit": "Count"},
                {"MetricName": "m-test", "Timestamp": now, "Value": 10},
            ]),
        )
        .await;
        let mut got = statistics(
            &replay,
            protocol,
            json!({"Namespace": "n-sp-units", "MetricName": "m-test",
                "StartTime": now - 60.0, "EndTime": now + 60.0, "Period": 60,
                "Statistics": ["Average"]}),
        )
        .await;
        if let Some(points) = got.body["Datapoints"].as_array_mut() {
            points.sort_by(|a, b| {
                let average = |p: &Value| p["Average"].as_f64().unwrap_or_default();
                average(b).total_cmp(&average(a))
            });
        }
        replay.check("get_metric_statistics_with_different_units", &got);
        replay.stop().await;
    }
}

/// test_cloudwatch.py::TestCloudwatch::test_invalid_amount_of_datapoints: more than 1440
/// datapoints, and an empty time frame, refused; a day by the minute of a metric with no
/// data answered with none.
#[tokio::test]
async fn too_many_datapoints_are_refused_as_recorded() {
    for protocol in PROTOCOLS {
        let mut replay = start(
            "TestCloudwatch::test_invalid_amount_of_datapoints",
            protocol,
        )
        .await;
        let now = now_s();
        let ask = |namespace: &str, end: f64, period: u32| {
            json!({"Namespace": namespace, "MetricName": "metric_name", "StartTime": now,
                "EndTime": end, "Period": period, "Statistics": ["SampleCount"]})
        };
        let day = now + 86_400.0;
        let refused = statistics(&replay, protocol, ask("namespace", day, 1)).await;
        replay.check("error-invalid-amount-datapoints", &refused);
        let refused = statistics(&replay, protocol, ask("namespace", now, 1)).await;
        replay.check("error-invalid-time-frame", &refused);
        let got = statistics(&replay, protocol, ask("namespace_empty", day, 60)).await;
        replay.check("get-metric-statitics", &got);
        replay.stop().await;
    }
}

/// test_cloudwatch.py::TestCloudwatch::test_multiple_dimensions_statistics: a metric of six
/// dimensions read by GetMetricData at a 10 s period, and listed by ListMetrics filtered by
/// all six (the test sorts the listed dimensions by name; ListMetrics answers them so).
#[tokio::test]
async fn a_metric_of_many_dimensions_is_read_and_listed_as_recorded() {
    for protocol in PROTOCOLS {
        let mut replay = start(
            "TestCloudwatch::test_multiple_dimensions_statistics",
            protocol,
        )
        .await;
        let now = now_s();
        let dimensions = json!([
            {"Name": "error", "Value": "none"},
            {"Name": "exception", "Value": "none"},
            {"Name": "method", "Value": "GET"},
            {"Name": "outcome", "Value": "SUCCESS"},
            {"Name": "uri", "Value": "/greetings"},
            {"Name": "status", "Value": "200"},
        ]);
        let name = "http.server.requests.count";
        for value in [0.0, 5.0] {
            put_data(
                &replay,
                protocol,
                "test/dims",
                json!([{"MetricName": name, "Value": value, "Unit": "Count",
                    "StorageResolution": 1, "Dimensions": dimensions, "Timestamp": now_s()}]),
            )
            .await;
        }
        let got = get_data(
            &replay,
            protocol,
            json!({
                "MetricDataQueries": [{"Id": "result1", "MetricStat": {
                    "Metric": {"Namespace": "test/dims", "MetricName": name,
                        "Dimensions": dimensions},
                    "Period": 10, "Stat": "Maximum", "Unit": "Count"}}],
                "StartTime": now - 60.0,
                "EndTime": now + 60.0,
            }),
        )
        .await;
        replay.check("get-metric-stats-max", &got);
        let listed = replay
            .call(
                over(protocol, "ListMetrics"),
                "POST",
                "/",
                Some(json!({"Namespace": "test/dims", "MetricName": name,
                    "Dimensions": dimensions})),
            )
            .await;
        replay.check("list-metrics", &listed);
        replay.stop().await;
    }
}

/// test_cloudwatch.py::TestCloudwatch::test_enable_disable_alarm_actions: DisableAlarmActions
/// and EnableAlarmActions turn an alarm's ActionsEnabled off and on, its state set meanwhile
/// by SetAlarmState. Not replayed: `alarm-state-sqs-msg`, the notification the alarm's SNS
/// action delivers to an SQS queue (the local cloud emulates neither SNS nor SQS).
#[tokio::test]
async fn alarm_actions_are_disabled_and_enabled_as_recorded() {
    for protocol in PROTOCOLS {
        let mut replay = start(
            "TestCloudwatch::test_enable_disable_alarm_actions",
            protocol,
        )
        .await;
        let topic = "arn:aws:sns:us-east-1:000000000000:alarm-topic";
        let alarm = "test-alarm-actions";
        put_alarm(
            &replay,
            protocol,
            json!({
                "AlarmName": alarm,
                "AlarmDescription": "testing cloudwatch alarms",
                "MetricName": "my-metric101",
                "Namespace": "test/enable-actions",
                "Period": 10,
                "Threshold": 2,
                "Dimensions": [{"Name": "InstanceId", "Value": "abc"}],
                "Unit": "Seconds",
                "Statistic": "Average",
                "OKActions": [topic],
                "AlarmActions": [topic],
                "EvaluationPeriods": 2,
                "ComparisonOperator": "GreaterThanThreshold",
                "TreatMissingData": "ignore",
            }),
        )
        .await;
        let described = describe(&replay, protocol, alarm).await;
        replay.check("describe_alarm", &described);
        let set_state = |state: &str, reason: &str| json!({"AlarmName": alarm, "StateValue": state, "StateReason": reason});
        let set = post(
            &replay,
            protocol,
            "SetAlarmState",
            set_state("ALARM", "testing alarm"),
        )
        .await;
        assert_eq!(set.status, 200, "{set:?}");
        let described = describe(&replay, protocol, alarm).await;
        replay.check("alarm-state-describe", &described);

        let names = json!({"AlarmNames": [alarm]});
        let disabled = post(&replay, protocol, "DisableAlarmActions", names.clone()).await;
        assert_eq!(disabled.status, 200, "{disabled:?}");
        let set = post(
            &replay,
            protocol,
            "SetAlarmState",
            set_state("OK", "testing OK state"),
        )
        .await;
        assert_eq!(set.status, 200, "{set:?}");
        let described = describe(&replay, protocol, alarm).await;
        replay.check("describe_alarm_disabled", &described);
        replay.check("ok-state-action-disabled-describe", &described);

        let enabled = post(&replay, protocol, "EnableAlarmActions", names).await;
        assert_eq!(enabled.status, 200, "{enabled:?}");
        let described = describe(&replay, protocol, alarm).await;
        replay.check("describe_alarm_enabled", &described);
        replay.stop().await;
    }
}

/// ListMetrics of `input`'s filters: the metrics listed, as (namespace, name) pairs, and the
/// answer.
async fn list_metrics(replay: &Replay, protocol: &str, input: Value) -> (Vec<String>, Answer) {
    let listed = post(replay, protocol, "ListMetrics", input).await;
    assert_eq!(listed.status, 200, "{listed:?}");
    let names = listed.body["Metrics"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|m| {
            format!(
                "{}/{}",
                m["Namespace"].as_str().unwrap_or_default(),
                m["MetricName"].as_str().unwrap_or_default()
            )
        })
        .collect();
    (names, listed)
}

/// test_cloudwatch.py::TestCloudwatch::test_list_metrics_uniqueness and
/// test_list_metrics_with_filters, validated on AWS with assertions but no recording: a
/// metric is listed once however many data it has; a name, a dimension's name, and a
/// dimension's name and value each narrow the list.
#[tokio::test]
async fn metrics_are_listed_once_and_filtered_as_validated_on_aws() {
    for protocol in PROTOCOLS {
        let replay = start_validated(protocol).await;
        let instance = json!([{"Name": "InstanceId", "Value": "i-46cdcd06a11207ab3"}]);
        for (name, value) in [
            ("CPUUtilization", 15),
            ("MemoryUtilization", 30),
            ("MemoryUtilization", 15),
        ] {
            put_data(
                &replay,
                protocol,
                "test/unique",
                json!([{"MetricName": name, "Dimensions": instance, "Value": value}]),
            )
            .await;
        }
        let namespace = json!({"Namespace": "test/unique"});
        let (names, listed) = list_metrics(&replay, protocol, namespace.clone()).await;
        assert_eq!(names.len(), 2, "{listed:?}");
        let set = json!({"Maximum": 1.0, "Minimum": 1.0, "SampleCount": 1.0, "Sum": 1.0});
        put_data(
            &replay,
            protocol,
            "test/unique",
            json!([{"MetricName": "DiskReadOps", "StatisticValues": set, "Dimensions": instance}]),
        )
        .await;
        let (names, listed) = list_metrics(&replay, protocol, namespace).await;
        assert_eq!(names.len(), 3, "{listed:?}");

        let data = [
            json!({"MetricName": "CPUUtilization", "Value": 15}),
            json!({"MetricName": "MemoryUtilization", "Value": 30,
                "Dimensions": [{"Name": "InstanceId", "Value": "one"}]}),
            json!({"MetricName": "DiskReadOps", "Value": 15,
                "Dimensions": [{"Name": "InstanceId", "Value": "two"}]}),
            json!({"MetricName": "DiskWriteOps", "StatisticValues": set,
                "Dimensions": [{"Name": "InstanceId", "Value": "two"}]}),
        ];
        for datum in data {
            put_data(&replay, protocol, "test/filters", json!([datum])).await;
        }
        let count = |input: Value| {
            let replay = &replay;
            async move { list_metrics(replay, protocol, input).await.0.len() }
        };
        assert_eq!(count(json!({"Namespace": "test/filters"})).await, 4);
        let named = json!({"Namespace": "test/filters", "MetricName": "CPUUtilization"});
        assert_eq!(count(named).await, 1);
        let dimension =
            json!({"Namespace": "test/filters", "Dimensions": [{"Name": "InstanceId"}]});
        assert_eq!(count(dimension).await, 3);
        let valued = json!({"Namespace": "test/filters",
            "Dimensions": [{"Name": "InstanceId", "Value": "two"}]});
        assert_eq!(count(valued).await, 2);
        replay.stop().await;
    }
}

/// test_cloudwatch.py::TestCloudwatch::test_multiple_dimensions and
/// test_list_metrics_pagination, validated on AWS with assertions but no recording: a metric
/// per set of dimensions, whatever the namespace; 500 metrics a page, and a NextToken when
/// there are more (the 501 metrics put in one request here, the test's in 501).
#[tokio::test]
async fn metrics_are_listed_per_dimensions_and_paged_as_validated_on_aws() {
    for protocol in PROTOCOLS {
        let replay = start_validated(protocol).await;
        let namespaces = ["ns1-dims", "ns2-dims", "ns3-dims"];
        for namespace in namespaces {
            for i in 0..3 {
                put_data(
                    &replay,
                    protocol,
                    namespace,
                    json!([{"MetricName": "someMetric", "Value": 123,
                        "Dimensions": [{"Name": "foo", "Value": format!("bar-{}", i % 2)}]}]),
                )
                .await;
            }
        }
        let (names, listed) = list_metrics(&replay, protocol, json!({})).await;
        let ours = names
            .iter()
            .filter(|n| namespaces.iter().any(|ns| n.starts_with(&format!("{ns}/"))))
            .count();
        assert_eq!(ours, 6, "{listed:?}");

        let data: Vec<Value> = (0..=500)
            .map(|i| json!({"MetricName": format!("m-pages-{i}"), "Value": 21, "Unit": "Seconds"}))
            .collect();
        put_data(&replay, protocol, "n-sp-pages", json!(data)).await;
        let namespace = json!({"Namespace": "n-sp-pages"});
        let (names, first) = list_metrics(&replay, protocol, namespace.clone()).await;
        assert_eq!(names.len(), 500, "{first:?}");
        let token = first.body["NextToken"].clone();
        assert!(token.is_string(), "{first:?}");
        let mut next = namespace;
        next["NextToken"] = token;
        let (rest, answer) = list_metrics(&replay, protocol, next).await;
        assert_eq!(rest.len(), 1, "{answer:?}");
        assert!(!names.contains(&rest[0]), "{answer:?}");
        assert_eq!(answer.body.get("NextToken"), None, "{answer:?}");
        replay.stop().await;
    }
}

/// test_cloudwatch.py::TestCloudwatch::test_put_metric_uses_utc, validated on AWS with
/// assertions but no recording: a datum sent with no timestamp is kept at the time it came
/// in, UTC; a window five hours off (a local time sent as UTC) finds nothing.
#[tokio::test]
async fn data_without_a_timestamp_are_kept_in_utc_as_validated_on_aws() {
    for protocol in PROTOCOLS {
        let replay = start_validated(protocol).await;
        let now = now_s();
        put_data(
            &replay,
            protocol,
            "n-sp-utc",
            json!([{"MetricName": "m-utc", "Value": 1, "Unit": "Seconds"}]),
        )
        .await;
        let around = |at: f64| {
            json!({"Namespace": "n-sp-utc", "MetricName": "m-utc", "StartTime": at - 60.0,
                "EndTime": at + 60.0, "Period": 60, "Statistics": ["Average"]})
        };
        let local = statistics(&replay, protocol, around(now - 5.0 * 3600.0)).await;
        assert_eq!(local.body["Datapoints"], json!([]), "{local:?}");
        let utc = statistics(&replay, protocol, around(now)).await;
        let points = utc.body["Datapoints"].as_array().map(Vec::len);
        assert_eq!(points, Some(1), "{utc:?}");
        replay.stop().await;
    }
}
