//! CloudWatch Logs' recorded tests of the operations beyond groups, streams and events
//! (LocalStack's `tests/aws/services/logs/`): a stream deleted.

use serde_json::{json, Value};

use super::{Answer, Replay, Service};

/// One CloudWatch Logs call.
async fn logs(replay: &Replay, op: &'static str, body: Value) -> Answer {
    replay
        .call(Service::Logs(op), "POST", "/", Some(body))
        .await
}

/// One CloudWatch Logs call that must succeed (a test's set-up).
async fn logs_ok(replay: &Replay, op: &'static str, body: Value) -> Answer {
    let answer = logs(replay, op, body).await;
    assert_eq!(answer.status, 200, "{op}: {answer:?}");
    answer
}

/// test_logs_streams.py::TestLogsStreams::test_create_and_delete_log_stream.
#[tokio::test]
async fn a_deleted_log_stream_is_no_longer_described_as_recorded() {
    let mut replay = Replay::start(
        "logs-test_logs_streams.snapshot.json",
        "TestLogsStreams::test_create_and_delete_log_stream",
    )
    .await;
    let (group, stream) = ("test-log-group-delete", "test-log-stream-delete");
    let names = json!({ "logGroupName": group, "logStreamName": stream });
    logs_ok(&replay, "CreateLogGroup", json!({ "logGroupName": group })).await;
    logs_ok(&replay, "CreateLogStream", names.clone()).await;
    let described = logs(
        &replay,
        "DescribeLogStreams",
        json!({ "logGroupName": group }),
    )
    .await;
    replay.check("describe-log-streams-after-create", &described);
    let deleted = logs(&replay, "DeleteLogStream", names.clone()).await;
    assert_eq!(deleted.status, 200, "{deleted:?}");
    assert_eq!(deleted.body, json!({}));
    let described = logs_ok(
        &replay,
        "DescribeLogStreams",
        json!({ "logGroupName": group }),
    )
    .await;
    assert_eq!(described.body, json!({ "logStreams": [] }));
    // Deleted once: a second time it is not there, as AWS says of a missing stream.
    let again = logs(&replay, "DeleteLogStream", names).await;
    assert_eq!(again.status, 400);
    assert_eq!(again.code.as_deref(), Some("ResourceNotFoundException"));
    assert_eq!(
        again.body["message"],
        "The specified log stream does not exist."
    );
    replay.stop().await;
}
