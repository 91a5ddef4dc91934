//! CloudWatch Logs' recorded tests of the operations beyond groups, streams and events
//! (LocalStack's `tests/aws/services/logs/`): a stream deleted, resource policies.

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
