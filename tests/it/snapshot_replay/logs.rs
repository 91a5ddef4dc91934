//! CloudWatch Logs' recorded tests (LocalStack's `tests/aws/services/logs/`).

use serde_json::json;

use super::{Replay, Service};

/// test_logs_groups.py::TestLogsGroups::test_create_log_group_duplicate_error.
#[tokio::test]
async fn a_log_group_created_twice_is_refused_as_recorded() {
    let mut replay = Replay::start(
        "logs-test_logs_groups.snapshot.json",
        "TestLogsGroups::test_create_log_group_duplicate_error",
    )
    .await;
    let group = json!({ "logGroupName": "test-log-group-duplicate" });
    let created = replay
        .call(
            Service::Logs("CreateLogGroup"),
            "POST",
            "/",
            Some(group.clone()),
        )
        .await;
    assert_eq!(created.status, 200);
    let again = replay
        .call(Service::Logs("CreateLogGroup"), "POST", "/", Some(group))
        .await;
    replay.check("error-duplicate-log-group", &again);
    replay.stop().await;
}

/// A log group and a stream in it, as LocalStack's `logs_log_group` / `logs_log_stream`
/// fixtures make them.
async fn log_group_and_stream(replay: &Replay, group: &str, stream: &str) {
    for (op, body) in [
        ("CreateLogGroup", json!({ "logGroupName": group })),
        (
            "CreateLogStream",
            json!({ "logGroupName": group, "logStreamName": stream }),
        ),
    ] {
        let answer = replay
            .call(Service::Logs(op), "POST", "/", Some(body))
            .await;
        assert_eq!(answer.status, 200, "{op}: {answer:?}");
    }
}

/// test_logs_groups.py::TestLogsGroupsTags::test_create_log_group_with_tags.
#[tokio::test]
async fn a_log_groups_tags_given_at_creation_are_listed_as_recorded() {
    let mut replay = Replay::start(
        "logs-test_logs_groups.snapshot.json",
        "TestLogsGroupsTags::test_create_log_group_with_tags",
    )
    .await;
    let group = json!({ "logGroupName": "test-log-group-tags", "tags": { "env": "testing" } });
    let created = replay
        .call(Service::Logs("CreateLogGroup"), "POST", "/", Some(group))
        .await;
    assert_eq!(created.status, 200, "{created:?}");
    let listed = replay
        .call(
            Service::Logs("ListTagsLogGroup"),
            "POST",
            "/",
            Some(json!({ "logGroupName": "test-log-group-tags" })),
        )
        .await;
    replay.check("list-tags-after-create", &listed);
    replay.stop().await;
}

/// test_logs_events.py::TestLogsEvents::test_put_log_events_to_invalid_stream.
#[tokio::test]
async fn events_for_a_missing_stream_are_refused_as_recorded() {
    let mut replay = Replay::start(
        "logs-test_logs_events.snapshot.json",
        "TestLogsEvents::test_put_log_events_to_invalid_stream",
    )
    .await;
    log_group_and_stream(&replay, "test-log-group-events", "test-log-stream").await;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    let put = replay
        .call(
            Service::Logs("PutLogEvents"),
            "POST",
            "/",
            Some(json!({
                "logGroupName": "test-log-group-events",
                "logStreamName": "invalid-stream",
                "logEvents": [{ "timestamp": now, "message": "test" }],
            })),
        )
        .await;
    replay.check("error-invalid-stream", &put);
    replay.stop().await;
}

/// test_logs_streams.py::TestLogsStreams::test_describe_log_streams_with_log_group_identifier
/// and test_log_stream_arn_format: a stream as DescribeLogStreams answers it, by the group's
/// name, its identifier (name or ARN), and never both.
#[tokio::test]
async fn log_streams_are_described_as_recorded() {
    let (group, stream) = ("test-log-group-streams", "test-log-stream-1");
    let mut replay = Replay::start(
        "logs-test_logs_streams.snapshot.json",
        "TestLogsStreams::test_log_stream_arn_format",
    )
    .await;
    log_group_and_stream(&replay, group, stream).await;
    let described = replay
        .call(
            Service::Logs("DescribeLogStreams"),
            "POST",
            "/",
            Some(json!({ "logGroupName": group })),
        )
        .await;
    replay.check("describe-log-streams-with-arn", &described);
    replay.stop().await;

    let mut replay = Replay::start(
        "logs-test_logs_streams.snapshot.json",
        "TestLogsStreams::test_describe_log_streams_with_log_group_identifier",
    )
    .await;
    log_group_and_stream(&replay, group, stream).await;
    let arn = format!("arn:aws:logs:us-east-1:000000000000:log-group:{group}");
    for (key, body) in [
        (
            "describe-streams-identifier-name",
            json!({ "logGroupIdentifier": group }),
        ),
        (
            "describe-streams-identifier-arn",
            json!({ "logGroupIdentifier": arn }),
        ),
        (
            "error-both-name-and-identifier",
            json!({ "logGroupName": group, "logGroupIdentifier": group }),
        ),
    ] {
        let answer = replay
            .call(Service::Logs("DescribeLogStreams"), "POST", "/", Some(body))
            .await;
        replay.check(key, &answer);
    }
    replay.stop().await;
}

/// test_logs_streams.py::TestLogsStreams::test_create_log_stream_duplicate_error.
#[tokio::test]
async fn a_log_stream_created_twice_is_refused_as_recorded() {
    let mut replay = Replay::start(
        "logs-test_logs_streams.snapshot.json",
        "TestLogsStreams::test_create_log_stream_duplicate_error",
    )
    .await;
    let (group, stream) = ("test-log-group-duplicate", "test-log-stream-1a2b");
    log_group_and_stream(&replay, group, stream).await;
    let again = replay
        .call(
            Service::Logs("CreateLogStream"),
            "POST",
            "/",
            Some(json!({ "logGroupName": group, "logStreamName": stream })),
        )
        .await;
    replay.check("error-duplicate-log-stream", &again);
    replay.stop().await;
}

/// test_logs_streams.py::TestLogsStreams::test_describe_log_streams_with_prefix: only the
/// streams whose name starts with the prefix, by name.
#[tokio::test]
async fn log_streams_are_described_by_prefix_as_recorded() {
    let mut replay = Replay::start(
        "logs-test_logs_streams.snapshot.json",
        "TestLogsStreams::test_describe_log_streams_with_prefix",
    )
    .await;
    let group = "test-log-group-prefix";
    // A stream the prefix leaves out, so that the filter is seen to filter.
    log_group_and_stream(&replay, group, "other-stream").await;
    let prefix = "test-prefix-5e6f";
    for i in 0..3 {
        let created = replay
            .call(
                Service::Logs("CreateLogStream"),
                "POST",
                "/",
                Some(json!({ "logGroupName": group, "logStreamName": format!("{prefix}-stream-{i}") })),
            )
            .await;
        assert_eq!(created.status, 200, "{created:?}");
    }
    let described = replay
        .call(
            Service::Logs("DescribeLogStreams"),
            "POST",
            "/",
            Some(json!({ "logGroupName": group, "logStreamNamePrefix": prefix })),
        )
        .await;
    replay.check("describe-streams-with-prefix", &described);
    replay.stop().await;
}

/// The log group whose tags TestLogsGroupsTags changes.
const TAGGED_GROUP: &str = "test-tags-a1";

/// A CloudWatch Logs operation.
fn logs(op: &'static str) -> Service {
    Service::Logs(op)
}

/// test_logs_groups.py::TestLogsGroupsTags::test_tag_log_group: tags added and replaced by the
/// group's name.
#[tokio::test]
async fn a_log_groups_tags_are_added_and_replaced_by_name_as_recorded() {
    let group = TAGGED_GROUP;
    let by_name = json!({ "logGroupName": group });
    let mut replay = Replay::start(
        "logs-test_logs_groups.snapshot.json",
        "TestLogsGroupsTags::test_tag_log_group",
    )
    .await;
    let created = replay
        .call(logs("CreateLogGroup"), "POST", "/", Some(by_name.clone()))
        .await;
    assert_eq!(created.status, 200, "{created:?}");
    let tagged = replay
        .call(
            logs("TagLogGroup"),
            "POST",
            "/",
            Some(json!({ "logGroupName": group, "tags": { "tag_key_1": "tag_value_1" } })),
        )
        .await;
    assert_eq!(tagged.status, 200, "{tagged:?}");
    let listed = replay
        .call(logs("ListTagsLogGroup"), "POST", "/", Some(by_name.clone()))
        .await;
    replay.check("list-tags-after-tag", &listed);
    for tags in [
        json!({ "tag_key_2": "tag_value_2" }),
        json!({ "tag_key_1": "tag_value_XX" }),
    ] {
        let tagged = replay
            .call(
                logs("TagLogGroup"),
                "POST",
                "/",
                Some(json!({ "logGroupName": group, "tags": tags })),
            )
            .await;
        assert_eq!(tagged.status, 200, "{tagged:?}");
    }
    let listed = replay
        .call(logs("ListTagsLogGroup"), "POST", "/", Some(by_name.clone()))
        .await;
    assert_eq!(
        listed.body["tags"],
        json!({ "tag_key_1": "tag_value_XX", "tag_key_2": "tag_value_2" })
    );
    replay.stop().await;
}

/// test_logs_groups.py::TestLogsGroupsTags::test_untag_log_group: tags removed by the group's
/// name.
#[tokio::test]
async fn a_log_groups_tags_are_removed_by_name_as_recorded() {
    let group = TAGGED_GROUP;
    let by_name = json!({ "logGroupName": group });
    let mut replay = Replay::start(
        "logs-test_logs_groups.snapshot.json",
        "TestLogsGroupsTags::test_untag_log_group",
    )
    .await;
    for (op, body) in [
        ("CreateLogGroup", by_name.clone()),
        (
            "TagLogGroup",
            json!({ "logGroupName": group, "tags": { "tag_key_1": "tag_value_1", "tag_key_2": "tag_value_2" } }),
        ),
        (
            "UntagLogGroup",
            json!({ "logGroupName": group, "tags": ["tag_key_1"] }),
        ),
    ] {
        let answer = replay.call(logs(op), "POST", "/", Some(body)).await;
        assert_eq!(answer.status, 200, "{op}: {answer:?}");
    }
    let listed = replay
        .call(logs("ListTagsLogGroup"), "POST", "/", Some(by_name.clone()))
        .await;
    replay.check("list-tags-after-untag", &listed);
    replay.stop().await;
}

/// test_logs_groups.py::TestLogsGroupsTags::test_tag_resource_api: tags added and removed by
/// the group's name or its ARN, the same tags either way.
#[tokio::test]
async fn a_log_groups_tags_are_changed_by_name_or_arn_as_recorded() {
    let group = TAGGED_GROUP;
    let by_name = json!({ "logGroupName": group });
    let mut replay = Replay::start(
        "logs-test_logs_groups.snapshot.json",
        "TestLogsGroupsTags::test_tag_resource_api",
    )
    .await;
    let created = replay
        .call(
            logs("CreateLogGroup"),
            "POST",
            "/",
            Some(json!({ "logGroupName": group, "tags": { "env": "testing1" } })),
        )
        .await;
    assert_eq!(created.status, 200, "{created:?}");
    let listed = replay
        .call(logs("ListTagsLogGroup"), "POST", "/", Some(by_name.clone()))
        .await;
    replay.check("list-tags-after-create", &listed);
    let described = replay
        .call(
            logs("DescribeLogGroups"),
            "POST",
            "/",
            Some(json!({ "logGroupNamePrefix": group })),
        )
        .await;
    let arn = described.body["logGroups"][0]["arn"]
        .as_str()
        .unwrap()
        .trim_end_matches([':', '*'])
        .to_string();
    let by_arn = json!({ "resourceArn": arn });
    for (change, after) in [
        (
            (
                "TagResource",
                json!({ "resourceArn": arn, "tags": { "test1": "val1", "test2": "val2" } }),
            ),
            "tag-resource",
        ),
        (
            (
                "TagLogGroup",
                json!({ "logGroupName": group, "tags": { "test3": "val3" } }),
            ),
            "tag-log-group",
        ),
        (
            (
                "UntagLogGroup",
                json!({ "logGroupName": group, "tags": ["test3"] }),
            ),
            "",
        ),
        (
            (
                "UntagResource",
                json!({ "resourceArn": arn, "tagKeys": ["env", "test1"] }),
            ),
            "untag",
        ),
    ] {
        let (op, body) = change;
        let answer = replay.call(logs(op), "POST", "/", Some(body)).await;
        assert_eq!(answer.status, 200, "{op}: {answer:?}");
        if after.is_empty() {
            continue;
        }
        let listed = replay
            .call(logs("ListTagsLogGroup"), "POST", "/", Some(by_name.clone()))
            .await;
        replay.check(&format!("list-tags-log-group-after-{after}"), &listed);
        let listed = replay
            .call(
                logs("ListTagsForResource"),
                "POST",
                "/",
                Some(by_arn.clone()),
            )
            .await;
        replay.check(&format!("list-tags-for-resource-after-{after}"), &listed);
    }
    replay.stop().await;
}
