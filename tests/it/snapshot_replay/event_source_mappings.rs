//! Lambda's event source mappings, replayed from LocalStack's test_lambda_api.py
//! (TestLambdaEventSourceMappings, TestLambdaTag's `[event_source_mapping]` variants) and
//! the `test_esm_with_not_existing_*` tests of lambda_/event_source_mapping/.
//!
//! The local cloud has no SQS queue, Kinesis or DynamoDB stream, so a mapping of its own can
//! only read a self-managed Kafka cluster. Not replayed, as each needs a queue or a stream to
//! exist (named here in words, so that no count takes them for replayed): the two lifecycle
//! tests, the function name variations, the two starting-position validations, the filter
//! criteria validation, and TestLambdaTag's tag given on a mapping's creation.

use serde_json::{json, Value};

use super::apigateway_lambda::function;
use super::PYTHON_ECHO;
use super::{Answer, Replay, Service};

const API: &str = "lambda_-test_lambda_api.snapshot.json";

const MAPPINGS: &str = "/2015-03-31/event-source-mappings";

async fn create(replay: &Replay, body: Value) -> Answer {
    replay
        .call(Service::Lambda, "POST", MAPPINGS, Some(body))
        .await
}

/// A self-managed Kafka source reading `topic` from `servers` for `function`, with the secret
/// the test made (`create_secret`; the local cloud has no Secrets Manager, and Lambda reads
/// the secret only when it polls).
fn kafka(function: &str, topic: &str, servers: &[&str]) -> Value {
    json!({
        "Topics": [topic],
        "FunctionName": function,
        "SourceAccessConfigurations": [{
            "Type": "BASIC_AUTH",
            "URI": "arn:aws:secretsmanager:us-east-1:000000000000:secret:secret-e5a1-AbCdEf",
        }],
        "SelfManagedEventSource": { "Endpoints": { "KAFKA_BOOTSTRAP_SERVERS": servers } },
    })
}

/// test_lambda_api.py::TestLambdaEventSourceMappings::test_event_source_mapping_exceptions:
/// an unknown UUID for Get, Delete and Update; lists of nothing; a create with no source, for
/// a function that does not exist, and with a destination on success.
#[tokio::test]
async fn event_source_mapping_mistakes_are_refused_as_recorded() {
    let mut replay = Replay::start(
        API,
        "TestLambdaEventSourceMappings::test_event_source_mapping_exceptions",
    )
    .await;
    let unknown = format!("{MAPPINGS}/0f8fad5b-d9cb-469f-a165-70867728950e");
    for (key, method, body) in [
        ("get_unknown_uuid", "GET", None),
        ("delete_unknown_uuid", "DELETE", None),
        (
            "update_unknown_uuid",
            "PUT",
            Some(json!({ "Enabled": false })),
        ),
    ] {
        let answer = replay.call(Service::Lambda, method, &unknown, body).await;
        replay.check(key, &answer);
    }
    // A list's filters need not name anything that exists.
    for query in [
        "",
        "?FunctionName=doesnotexist",
        "?EventSourceArn=arn%3Aaws%3Asqs%3Aus-east-1%3A111111111111%3Asomequeue",
    ] {
        let path = format!("{MAPPINGS}{query}");
        let listed = replay.call(Service::Lambda, "GET", &path, None).await;
        assert_eq!(listed.status, 200, "{listed:?}");
        assert_eq!(listed.body, json!({ "EventSourceMappings": [] }));
    }
    let queue = "arn:aws:sqs:us-east-1:111111111111:somequeue";
    for (key, body) in [
        (
            "create_no_event_source_arn",
            json!({ "FunctionName": "doesnotexist" }),
        ),
        (
            "create_unknown_params",
            json!({ "FunctionName": "doesnotexist", "EventSourceArn": queue }),
        ),
        (
            "destination_config_failure",
            json!({
                "FunctionName": "doesnotexist",
                "EventSourceArn": queue,
                "DestinationConfig": { "OnSuccess": {
                    "Destination": "arn:aws:sqs:us-east-1:111111111111:someotherqueue"
                } },
            }),
        ),
    ] {
        let answer = create(&replay, body).await;
        replay.check(key, &answer);
    }
    replay.stop().await;
}

/// test_lambda_api.py::TestLambdaEventSourceMappings::test_create_event_source_self_managed:
/// a self-managed Kafka source without its access configuration refused; one with Lambda's
/// defaults, one with values given; the same function, server and topic again refused.
#[tokio::test]
async fn a_self_managed_kafka_source_is_mapped_as_recorded() {
    let mut replay = Replay::start(
        API,
        "TestLambdaEventSourceMappings::test_create_event_source_self_managed",
    )
    .await;
    let name = "function-e5a2";
    function(&replay, name, "handler", PYTHON_ECHO).await;
    let mut missing = kafka(name, "topic", &["kafka:1000"]);
    missing
        .as_object_mut()
        .unwrap()
        .remove("SourceAccessConfigurations");
    let answer = create(&replay, missing).await;
    replay.check("missing-source-access-configuration", &answer);
    let created = create(&replay, kafka(name, "topic", &["kafka:1000"])).await;
    replay.check("event-source-mapping-default", &created);
    let answer = create(&replay, kafka(name, "topic", &["kafka:1000"])).await;
    replay.check("duplicate-source", &answer);
    let mut values = kafka(name, "topic_2", &["kafka:1000"]);
    values["BatchSize"] = json!(1);
    values["SelfManagedKafkaEventSourceConfig"] = json!({ "ConsumerGroupId": "random_id" });
    values["StartingPosition"] = json!("LATEST");
    let answer = create(&replay, values).await;
    replay.check("event-source-mapping-values", &answer);
    let mut both = kafka(name, "topic", &["kafka:1000", "kafka:2000"]);
    both["BatchSize"] = json!(1);
    both["SelfManagedKafkaEventSourceConfig"] = json!({ "ConsumerGroupId": "random_id" });
    let answer = create(&replay, both).await;
    replay.check("multiple-duplicate-source", &answer);
    // The mapping settles Enabled, is listed by its function, and is Deleting, then gone.
    let uuid = created.body["UUID"].as_str().unwrap();
    let path = format!("{MAPPINGS}/{uuid}");
    let got = replay.call(Service::Lambda, "GET", &path, None).await;
    assert_eq!(got.body["State"], "Enabled", "{got:?}");
    let listed = replay
        .call(
            Service::Lambda,
            "GET",
            &format!("{MAPPINGS}?FunctionName={name}"),
            None,
        )
        .await;
    assert_eq!(
        listed.body["EventSourceMappings"].as_array().unwrap().len(),
        2
    );
    // An update answers its transition, and settles.
    for (change, state, settled) in [
        (json!({ "BatchSize": 5 }), "Updating", "Enabled"),
        (json!({ "Enabled": false }), "Disabling", "Disabled"),
        (json!({ "Enabled": true }), "Enabling", "Enabled"),
    ] {
        let updated = replay
            .call(Service::Lambda, "PUT", &path, Some(change))
            .await;
        assert_eq!(
            (updated.status, &updated.body["State"]),
            (202, &json!(state))
        );
        let got = replay.call(Service::Lambda, "GET", &path, None).await;
        assert_eq!(got.body["State"], settled, "{got:?}");
        assert_eq!(got.body["BatchSize"], 5, "{got:?}");
    }
    let deleted = replay.call(Service::Lambda, "DELETE", &path, None).await;
    assert_eq!(
        (deleted.status, &deleted.body["State"]),
        (202, &json!("Deleting"))
    );
    let gone = replay.call(Service::Lambda, "GET", &path, None).await;
    assert_eq!(gone.status, 404, "{gone:?}");
    replay.stop().await;
}

/// test_lambda_api.py::TestLambdaTag::test_tag_lifecycle[event_source_mapping]: the recorded
/// tag steps on a mapping's ARN (the test's mapping reads a queue; this one a self-managed
/// Kafka cluster, the only source the local cloud can map: the tags do not depend on it).
#[tokio::test]
async fn a_mappings_tags_are_added_and_removed_as_recorded() {
    let mut replay = Replay::start(
        API,
        "TestLambdaTag::test_tag_lifecycle[event_source_mapping]",
    )
    .await;
    let name = "fn-e5a3";
    function(&replay, name, "handler", PYTHON_ECHO).await;
    let created = create(&replay, kafka(name, "topic", &["kafka:1000"])).await;
    assert_eq!(created.status, 202, "{created:?}");
    let arn = created.body["EventSourceMappingArn"].as_str().unwrap();
    super::lambda::tag_lifecycle(&mut replay, arn).await;
    replay.stop().await;
}

/// test_lambda_api.py::TestLambdaTag::test_tag_exceptions[event_source_mapping]: a mapping
/// that does not exist, for TagResource, UntagResource and ListTags; its ARN with a suffix; an
/// ARN of no Lambda resource type.
#[tokio::test]
async fn tags_of_a_missing_mapping_are_refused_as_recorded() {
    super::lambda::tags_of_a_missing_resource(
        "TestLambdaTag::test_tag_exceptions[event_source_mapping]",
        "event-source-mapping",
    )
    .await;
}

/// lambda_/event_source_mapping/: test_esm_with_not_existing_sqs_queue, _kinesis_stream and
/// _dynamodb_stream: a source that does not exist is refused in each service's words (and in
/// the local cloud, none exists).
#[tokio::test]
async fn a_source_that_does_not_exist_is_refused_as_recorded() {
    let cases = [
        (
            "lambda_-event_source_mapping-test_lambda_integration_sqs.snapshot.json",
            "test_esm_with_not_existing_sqs_queue",
            json!({
                "EventSourceArn": "arn:aws:sqs:us-east-1:000000000000:not-existing-queue-e5a4",
                "BatchSize": 1,
            }),
        ),
        (
            "lambda_-event_source_mapping-test_lambda_integration_kinesis.snapshot.json",
            "TestKinesisSource::test_esm_with_not_existing_kinesis_stream",
            json!({
                "EventSourceArn": "arn:aws:kinesis:us-east-1:000000000000:stream/test-foobar-81ded7e8",
                "StartingPosition": "LATEST",
            }),
        ),
        (
            "lambda_-event_source_mapping-test_lambda_integration_dynamodbstreams.snapshot.json",
            "TestDynamoDBEventSourceMapping::test_esm_with_not_existing_dynamodb_stream",
            json!({
                "EventSourceArn": "arn:aws:dynamodb:us-east-1:000000000000:table/test-table-4a53f4e8/stream/2025-02-22T03:03:25.490",
                "BatchSize": 1,
                "StartingPosition": "TRIM_HORIZON",
                "MaximumBatchingWindowInSeconds": 1,
                "MaximumRetryAttempts": 1,
            }),
        ),
    ];
    for (file, test, mut body) in cases {
        let mut replay = Replay::start(file, test).await;
        let name = "simple-lambda-e5a4";
        function(&replay, name, "handler", PYTHON_ECHO).await;
        body["FunctionName"] = json!(name);
        let answer = create(&replay, body).await;
        replay.check("error", &answer);
        replay.stop().await;
    }
}

/// What TestLambdaEventSourceMappings' two starting-position validations record for a
/// stream's starting position, before the stream is looked for (the recordings' streams
/// existed; here none does, so those tests are not replayed whole): none given, one outside
/// the enum (listed in AWS's order), and DynamoDB's `AT_TIMESTAMP`.
#[tokio::test]
async fn a_streams_starting_position_is_refused_in_the_recorded_words() {
    let replay = Replay::start(
        API,
        "TestLambdaEventSourceMappings::test_event_source_mapping_exceptions",
    )
    .await;
    let name = "function-e5a5";
    function(&replay, name, "handler", PYTHON_ECHO).await;
    let stream =
        "arn:aws:dynamodb:us-east-1:000000000000:table/table-e5a5/stream/2025-11-25T02:48:02.000";
    for (position, code, message) in [
        (None, "InvalidParameterValueException", "1 validation error detected: Value null at 'startingPosition' failed to satisfy constraint: Member must not be null.".to_string()),
        (Some("invalid"), "ValidationException", "1 validation error detected: Value 'invalid' at 'startingPosition' failed to satisfy constraint: Member must satisfy enum value set: [LATEST, AT_TIMESTAMP, TRIM_HORIZON]".to_string()),
        (Some("AT_TIMESTAMP"), "InvalidParameterValueException", format!("Unsupported starting position for arn type: {stream}")),
    ] {
        let mut body = json!({ "FunctionName": name, "EventSourceArn": stream });
        if let Some(position) = position {
            body["StartingPosition"] = json!(position);
        }
        let refused = create(&replay, body).await;
        assert_eq!((refused.status, refused.code.as_deref()), (400, Some(code)), "{refused:?}");
        let said = refused.body["message"].as_str().or(refused.body["Message"].as_str());
        assert_eq!(said, Some(message.as_str()), "{refused:?}");
    }
    replay.stop().await;
}
