//! CloudWatch Logs' recorded tests of the operations beyond groups, streams and events
//! (LocalStack's `tests/aws/services/logs/`): a stream deleted, resource policies, Logs
//! Insights queries.

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

/// DeleteLogStream in a state dir: the stream's events, already saved, do not come back after
/// a restart, and the other stream's stay.
#[tokio::test]
async fn a_deleted_log_stream_stays_deleted_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let start = || {
        Replay::start_with(
            "logs-test_logs_streams.snapshot.json",
            "TestLogsStreams::test_create_and_delete_log_stream",
            faqctl::local::LocalConfig {
                state_dir: Some(dir.path().to_path_buf()),
                ..Default::default()
            },
        )
    };
    let group = "test-log-group-kept";
    let replay = start().await;
    logs_ok(&replay, "CreateLogGroup", json!({ "logGroupName": group })).await;
    for stream in ["gone", "kept"] {
        let names = json!({ "logGroupName": group, "logStreamName": stream });
        logs_ok(&replay, "CreateLogStream", names).await;
        let event = json!([{ "timestamp": now_secs() * 1000, "message": format!("in {stream}") }]);
        let put = json!({ "logGroupName": group, "logStreamName": stream, "logEvents": event });
        logs_ok(&replay, "PutLogEvents", put).await;
    }
    // Stopped: both streams' events are saved.
    replay.stop().await;
    let replay = start().await;
    let names = json!({ "logGroupName": group, "logStreamName": "gone" });
    logs_ok(&replay, "DeleteLogStream", names).await;
    replay.stop().await;
    let replay = start().await;
    let found = logs_ok(&replay, "FilterLogEvents", json!({ "logGroupName": group })).await;
    let messages: Vec<&str> = found.body["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["message"].as_str().unwrap())
        .collect();
    assert_eq!(messages, ["in kept"]);
    let streams = logs_ok(
        &replay,
        "DescribeLogStreams",
        json!({ "logGroupName": group }),
    )
    .await;
    assert_eq!(streams.body["logStreams"].as_array().unwrap().len(), 1);
    replay.stop().await;
}

/// An answer's policy documents (JSON in a string on the wire) parsed, as LocalStack records
/// them, wherever `member` appears in it.
fn parse_documents(body: &mut Value, member: &str) {
    match body {
        Value::Object(members) => {
            for (name, value) in members.iter_mut() {
                match value {
                    Value::String(text) if name == member => {
                        *value = serde_json::from_str(text)
                            .unwrap_or_else(|e| panic!("{member} is not JSON ({e}): {text}"))
                    }
                    _ => parse_documents(value, member),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| parse_documents(v, member)),
        _ => {}
    }
}

/// A time LocalStack replaced by a fixed word (`key_value(member, reference_replacement=False)`),
/// wherever `member` appears: it must be a number of milliseconds since the epoch.
fn stand_in_times(body: &mut Value, member: &str, word: &str) {
    match body {
        Value::Object(members) => {
            for (name, value) in members.iter_mut() {
                if name == member {
                    assert!(
                        value.as_i64().is_some_and(|ms| ms > 1_700_000_000_000),
                        "{member}: a time in milliseconds, not {value}"
                    );
                    *value = json!(word);
                } else {
                    stand_in_times(value, member, word);
                }
            }
        }
        Value::Array(items) => items
            .iter_mut()
            .for_each(|v| stand_in_times(v, member, word)),
        _ => {}
    }
}

/// An answer carrying resource policies, read as LocalStack records it.
async fn policies_call(replay: &Replay, op: &'static str, body: Value) -> Answer {
    let mut answer = logs(replay, op, body).await;
    parse_documents(&mut answer.body, "policyDocument");
    stand_in_times(&mut answer.body, "lastUpdatedTime", "last-updated-time");
    answer
}

/// test_logs_resource_policies.py's `JSON_POLICY_DOC`.
fn route53_policy(resource: &str) -> String {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "Route53LogsToCloudWatchLogs",
            "Effect": "Allow",
            "Principal": {"Service": ["route53.amazonaws.com"]},
            "Action": "logs:PutLogEvents",
            "Resource": resource,
        }],
    })
    .to_string()
}

/// test_logs_resource_policies.py::TestResourcePolicies::test_put_resource_policy: the document
/// answered as it was given.
#[tokio::test]
async fn a_resource_policy_is_put_as_recorded() {
    let mut replay = Replay::start(
        "logs-test_logs_resource_policies.snapshot.json",
        "TestResourcePolicies::test_put_resource_policy",
    )
    .await;
    let group = "test-log-group-policy";
    logs_ok(&replay, "CreateLogGroup", json!({ "logGroupName": group })).await;
    let groups = logs_ok(
        &replay,
        "DescribeLogGroups",
        json!({ "logGroupNamePrefix": group }),
    )
    .await;
    let arn = groups.body["logGroups"][0]["arn"].as_str().unwrap();
    let body = json!({ "policyName": "test-policy-1", "policyDocument": route53_policy(arn) });
    let put = policies_call(&replay, "PutResourcePolicy", body).await;
    replay.check("put-resource-policy", &put);
    replay.stop().await;
}

/// test_logs_resource_policies.py::TestResourcePolicies::test_put_resource_policy_update: the
/// policy replaced, described as AWS keeps it (a `Version` given it, one principal as a
/// string), at a later time.
#[tokio::test]
async fn a_resource_policy_put_again_is_replaced_as_recorded() {
    let mut replay = Replay::start(
        "logs-test_logs_resource_policies.snapshot.json",
        "TestResourcePolicies::test_put_resource_policy_update",
    )
    .await;
    let name = "test-policy-update";
    let put = |document: String| json!({ "policyName": name, "policyDocument": document });
    logs_ok(&replay, "PutResourcePolicy", put(route53_policy("log_arn"))).await;
    let created = logs_ok(&replay, "DescribeResourcePolicies", json!({})).await;
    let created = created.body["resourcePolicies"][0]["lastUpdatedTime"].clone();
    let new_document = r#"{"Statement":[{"Action":"logs:*","Effect":"Allow","Principal":{"Service": ["route53.amazonaws.com"]},"Resource":"*"}]}"#;
    logs_ok(&replay, "PutResourcePolicy", put(new_document.into())).await;
    let described = logs_ok(&replay, "DescribeResourcePolicies", json!({})).await;
    let policy = &described.body["resourcePolicies"][0];
    assert_ne!(policy["lastUpdatedTime"], created);
    let mut answer = Answer {
        status: described.status,
        code: None,
        body: policy.clone(),
    };
    parse_documents(&mut answer.body, "policyDocument");
    stand_in_times(&mut answer.body, "lastUpdatedTime", "last-updated-time");
    let recorded = replay.recorded["updated-policy"].clone();
    replay.check_against("updated-policy", recorded, &answer);
    replay.stop().await;
}

/// test_logs_resource_policies.py::TestResourcePolicies::test_describe_resource_policies, and
/// test_delete_resource_policy (which records no answer): the region's policies, described;
/// one deleted is gone.
#[tokio::test]
async fn resource_policies_are_described_as_recorded() {
    let mut replay = Replay::start(
        "logs-test_logs_resource_policies.snapshot.json",
        "TestResourcePolicies::test_describe_resource_policies",
    )
    .await;
    let names = ["test-policy-d-0", "test-policy-d-1", "test-policy-d-2"];
    for name in names {
        let body = json!({ "policyName": name, "policyDocument": route53_policy("log_arn") });
        logs_ok(&replay, "PutResourcePolicy", body).await;
    }
    let described = policies_call(&replay, "DescribeResourcePolicies", json!({})).await;
    replay.check("describe-resource-policies", &described);
    let recorded = replay.recorded["policies"].clone();
    replay
        .stand_ins
        .matches(&recorded, &described.body["resourcePolicies"], "policies");
    logs_ok(
        &replay,
        "DeleteResourcePolicy",
        json!({ "policyName": names[1] }),
    )
    .await;
    let left = logs_ok(&replay, "DescribeResourcePolicies", json!({})).await;
    let left: Vec<&str> = left.body["resourcePolicies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["policyName"].as_str().unwrap())
        .collect();
    assert_eq!(left, [names[0], names[2]]);
    replay.stop().await;
}

/// test_logs_resource_policies.py::TestResourcePolicies::test_delete_resource_policy_not_found.
#[tokio::test]
async fn a_missing_resource_policy_is_not_deleted_as_recorded() {
    let mut replay = Replay::start(
        "logs-test_logs_resource_policies.snapshot.json",
        "TestResourcePolicies::test_delete_resource_policy_not_found",
    )
    .await;
    let body = json!({ "policyName": "non-existent" });
    let refused = logs(&replay, "DeleteResourcePolicy", body).await;
    replay.check("error-policy-not-found", &refused);
    replay.stop().await;
}

/// test_logs_resource_policies.py::TestResourcePoliciesLimits::test_put_resource_policy_limit_exceeded,
/// and ..._update_existing_when_at_limit (which records no answer): ten a region; at the limit
/// one of them is still replaced, its document answered as given.
#[tokio::test]
async fn an_eleventh_resource_policy_is_refused_as_recorded() {
    let mut replay = Replay::start(
        "logs-test_logs_resource_policies.snapshot.json",
        "TestResourcePoliciesLimits::test_put_resource_policy_limit_exceeded",
    )
    .await;
    let put =
        |name: String, document: &str| json!({ "policyName": name, "policyDocument": document });
    for i in 0..10 {
        let body = put(format!("test-policy-limit-{i}"), &route53_policy("log_arn"));
        logs_ok(&replay, "PutResourcePolicy", body).await;
    }
    let body = put(
        "test-policy-limit-too-many".into(),
        &route53_policy("log_arn"),
    );
    let refused = logs(&replay, "PutResourcePolicy", body).await;
    replay.check("error-limit-exceeded", &refused);
    let new_document = r#"{"Statement":[{"Action":"logs:*","Effect":"Allow","Principal":{"Service":"logs.amazonaws.com"},"Resource":"*"}]}"#;
    let body = put("test-policy-limit-1".into(), new_document);
    let replaced = logs_ok(&replay, "PutResourcePolicy", body).await;
    assert_eq!(
        replaced.body["resourcePolicy"]["policyDocument"],
        new_document
    );
    replay.stop().await;
}

/// The seconds since the epoch now, as the recorded tests' `int(time.time())`.
fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// A StartQuery over the last hour of `group` (and five minutes ahead), as the recorded tests
/// start theirs.
fn query_of(group: &str, query: &str) -> Value {
    let now = now_secs();
    json!({
        "logGroupName": group,
        "startTime": now - 3600,
        "endTime": now + 300,
        "queryString": query,
    })
}

/// A query's rows as (field, value) pairs.
fn rows(results: &Answer) -> Vec<Vec<(String, String)>> {
    results.body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            row.as_array()
                .unwrap()
                .iter()
                .map(|f| {
                    let text = |m: &str| f[m].as_str().unwrap().to_string();
                    (text("field"), text("value"))
                })
                .collect()
        })
        .collect()
}

/// test_logs_queries.py::TestCloudWatchLogsInsightsQueries::test_start_query_basic; then what
/// the unvalidated TestCloudWatchLogsInsightsQueryStrings tests assert, over events put
/// first: the query run for real (fields, limit, sort, filter, stats).
#[tokio::test]
async fn a_query_is_started_and_run_over_the_events_as_recorded() {
    let mut replay = Replay::start(
        "logs-test_logs_queries.snapshot.json",
        "TestCloudWatchLogsInsightsQueries::test_start_query_basic",
    )
    .await;
    let (group, stream) = ("test-log-group-query", "test-log-stream-query");
    logs_ok(&replay, "CreateLogGroup", json!({ "logGroupName": group })).await;
    let started = logs(&replay, "StartQuery", query_of(group, "fields @message")).await;
    replay.check("start-query", &started);

    logs_ok(
        &replay,
        "CreateLogStream",
        json!({ "logGroupName": group, "logStreamName": stream }),
    )
    .await;
    let now_ms = now_secs() * 1000;
    let events: Vec<Value> = (0..5)
        .rev()
        .map(|i| json!({ "timestamp": now_ms - i * 1000, "message": format!("event nr {i}") }))
        .collect();
    let put = json!({ "logGroupName": group, "logStreamName": stream, "logEvents": events });
    logs_ok(&replay, "PutLogEvents", put).await;
    let run = |query: &'static str| {
        let replay = &replay;
        async move {
            let started = logs_ok(replay, "StartQuery", query_of(group, query)).await;
            let id = started.body["queryId"].as_str().unwrap().to_string();
            let results = logs_ok(replay, "GetQueryResults", json!({ "queryId": id })).await;
            assert_eq!(results.body["status"], "Complete", "{results:?}");
            rows(&results)
        }
    };
    let found = run("fields @message").await;
    assert_eq!(found.len(), 5);
    assert!(found
        .iter()
        .all(|row| row[0].0 == "@message" && row[1].0 == "@ptr"));
    assert!(run("fields @message | limit 3").await.len() == 3);
    let sorted = run("fields @timestamp, @message | sort @timestamp asc").await;
    let messages: Vec<&str> = sorted.iter().map(|row| row[1].1.as_str()).collect();
    assert_eq!(
        messages,
        [
            "event nr 4",
            "event nr 3",
            "event nr 2",
            "event nr 1",
            "event nr 0"
        ]
    );
    let filtered = run("fields @message | filter @message like /nr [13]/").await;
    assert_eq!(filtered.len(), 2);
    let counted = run("stats count(*) as n by @logStream").await;
    assert_eq!(
        counted,
        [vec![
            ("@logStream".to_string(), stream.to_string()),
            ("n".to_string(), "5".to_string())
        ]]
    );
    let refused = logs(&replay, "StartQuery", query_of(group, "display @message")).await;
    assert_eq!(refused.status, 400);
    assert_eq!(refused.code.as_deref(), Some("MalformedQueryException"));
    replay.stop().await;
}

/// test_logs_queries.py::TestCloudWatchLogsInsightsQueries::test_start_query_log_group_not_found:
/// AWS's words, its request id any.
#[tokio::test]
async fn a_query_of_a_missing_log_group_is_refused_as_recorded() {
    let mut replay = Replay::start(
        "logs-test_logs_queries.snapshot.json",
        "TestCloudWatchLogsInsightsQueries::test_start_query_log_group_not_found",
    )
    .await;
    let refused = logs(
        &replay,
        "StartQuery",
        query_of("non-existent-1", "fields @message"),
    )
    .await;
    let mut recorded = replay.recorded["error-log-group-not-found"].clone();
    let message = recorded["Error"]["Message"].as_str().unwrap();
    let request_id = regex::Regex::new("Request ID: [0-9a-f-]{36}").unwrap();
    recorded["Error"]["Message"] = json!(request_id
        .replace(message, "Request ID: <request-id>")
        .to_string());
    replay.check_against("error-log-group-not-found", recorded, &refused);
    replay.stop().await;
}

/// DescribeQueries of one log group, read as LocalStack records it.
async fn describe_queries(replay: &Replay, body: Value) -> Answer {
    let mut answer = logs(replay, "DescribeQueries", body).await;
    stand_in_times(&mut answer.body, "createTime", "create-time");
    answer
}

/// test_logs_queries.py::TestCloudWatchLogsInsightsQueries::test_describe_queries, and
/// test_describe_queries_empty (which records no answer): a query described with the query
/// string AWS writes for it.
#[tokio::test]
async fn queries_are_described_as_recorded() {
    let mut replay = Replay::start(
        "logs-test_logs_queries.snapshot.json",
        "TestCloudWatchLogsInsightsQueries::test_describe_queries",
    )
    .await;
    let group = "test-log-group-describe";
    logs_ok(&replay, "CreateLogGroup", json!({ "logGroupName": group })).await;
    let none = logs_ok(&replay, "DescribeQueries", json!({ "logGroupName": group })).await;
    assert_eq!(none.body, json!({ "queries": [] }));
    let start = query_of(group, "fields @message");
    logs_ok(&replay, "StartQuery", start.clone()).await;
    let described = describe_queries(&replay, json!({ "logGroupName": group })).await;
    replay.check("describe-queries", &described);
    // The recording's `<start-time>` and `<end-time>` are the query's.
    assert_eq!(
        replay.stand_ins.bound["<start-time>"],
        start["startTime"].to_string()
    );
    assert_eq!(
        replay.stand_ins.bound["<end-time>"],
        start["endTime"].to_string()
    );
    replay.stop().await;
}

/// test_logs_queries.py::TestCloudWatchLogsInsightsQueries::test_describe_queries_with_status_filter:
/// the query Complete, none Scheduled.
#[tokio::test]
async fn queries_are_described_by_status_as_recorded() {
    let mut replay = Replay::start(
        "logs-test_logs_queries.snapshot.json",
        "TestCloudWatchLogsInsightsQueries::test_describe_queries_with_status_filter",
    )
    .await;
    let group = "test-log-group-status";
    logs_ok(&replay, "CreateLogGroup", json!({ "logGroupName": group })).await;
    logs_ok(&replay, "StartQuery", query_of(group, "fields @message")).await;
    let complete = json!({ "logGroupName": group, "status": "Complete" });
    let described = describe_queries(&replay, complete).await;
    replay.check("describe-queries-complete", &described);
    let scheduled = json!({ "logGroupName": group, "status": "Scheduled" });
    let described = describe_queries(&replay, scheduled).await;
    replay.check("describe-queries-scheduled", &described);
    // Complete already: StopQuery says it is not running.
    let id = replay.stand_ins.bound["<uuid:1>"].clone();
    let stopped = logs(&replay, "StopQuery", json!({ "queryId": id })).await;
    assert_eq!(stopped.code.as_deref(), Some("InvalidParameterException"));
    replay.stop().await;
}
