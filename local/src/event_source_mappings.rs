//! Lambda's event source mappings, their control plane: CreateEventSourceMapping, Get, List,
//! Update, Delete, and their tags by ARN (recorded: TestLambdaEventSourceMappings,
//! TestLambdaTag's `[event_source_mapping]` tests, and the `test_esm_with_not_existing_*`
//! tests of each source). A request is judged in the order Lambda judges it: its destination,
//! its source's kind and the members that kind requires, its filters, the function, then the
//! source itself. The local cloud emulates no SQS, Kinesis, DynamoDB, MSK, MQ or DocumentDB,
//! so no queue, stream or cluster exists in its account and a mapping to one is refused as
//! AWS refuses a source that does not exist; a self-managed Kafka source (bootstrap servers
//! outside AWS) is taken. Nothing is polled: a mapping is kept and answered, its `State`
//! going from `Creating` (or `Updating`, `Enabling`, `Disabling`) to `Enabled` or `Disabled`
//! as the timing settles, and from `Deleting` to gone.

// A refusal is the answer itself (a Response), as in the other Lambda modules.
#![allow(clippy::result_large_err)]

use std::collections::BTreeMap;

use axum::response::Response;
use serde_json::{json, Map, Value};

use super::arns::arn;
use super::clock::now_ms;
use super::function::{invalid, lambda_error, name_of, paged, qualifier_of, ErrorCode};
use super::runtime::function_arn;
use super::shapes::lambda::{
    CreateEventSourceMappingRequest, DeleteEventSourceMappingRequest, GetEventSourceMappingRequest,
    ListEventSourceMappingsRequest, UpdateEventSourceMappingRequest,
};
use super::shapes::Timestamp;
use super::state::{Db, Mapping};
use super::wire::json;
use super::Cloud;

/// The most mappings one list page holds, and how many when `MaxItems` is not given
/// (ListEventSourceMappings' reference: "a maximum of 100 items in each response, even if
/// you set the number higher").
const MAX_PAGE: usize = 100;

/// What a mapping answers before it has processed anything (recorded: every create).
const NOTHING_PROCESSED: &str = "No records processed";

/// What Get, Update, Delete answer for a UUID that names no mapping (recorded:
/// test_event_source_mapping_exceptions, get_unknown_uuid).
fn no_mapping() -> Response {
    lambda_error(
        ErrorCode::ResourceNotFoundException,
        "The resource you requested does not exist.",
    )
}

/// A mapping's ARN in `region`.
fn mapping_arn(region: &str, uuid: &str) -> String {
    arn(region, "lambda", &format!("event-source-mapping:{uuid}"))
}

/// The mapping a UUID names in `region`, while it is there: one whose deletion has settled
/// is removed first.
fn live<'a>(db: &'a mut Db, cloud: &Cloud, region: &str, uuid: &str) -> Option<&'a mut Mapping> {
    let settled = db
        .mapping_mut(region, uuid)
        .is_some_and(|m| m.transition == "Deleting" && settled(cloud, m));
    if settled {
        db.remove_mapping(region, uuid);
        db.changed();
    }
    db.mapping_mut(region, uuid)
}

fn settled(cloud: &Cloud, mapping: &Mapping) -> bool {
    now_ms() - mapping.since_ms >= cloud.timing.settle.as_millis() as i64
}

/// A mapping as Lambda answers a read of it: its configuration, with the `State` it is in.
fn answer(cloud: &Cloud, mapping: &Mapping) -> Value {
    let state = if mapping.transition == "Deleting" || !settled(cloud, mapping) {
        mapping.transition.as_str()
    } else if mapping.enabled {
        "Enabled"
    } else {
        "Disabled"
    };
    with_state(mapping, state)
}

/// A mapping's configuration with `state`: a write answers the transition it began, however
/// fast it settles.
fn with_state(mapping: &Mapping, state: &str) -> Value {
    let mut config = mapping.config.clone();
    config["State"] = json!(state);
    config
}

/// The kind of source a request names, judged as Lambda judges it (recorded:
/// test_event_source_mapping_exceptions, test_create_event_source_self_managed): a
/// self-managed Kafka cluster must say how to reach it; a request that names no source is
/// refused.
fn source_kind(request: &Value) -> Result<String, Response> {
    if request.get("SelfManagedEventSource").is_some() {
        if request.get("SourceAccessConfigurations").is_none() {
            return Err(invalid(
                "Required 'sourceAccessConfigurations' parameter is missing.",
            ));
        }
        return Ok("self-managed-kafka".into());
    }
    match request["EventSourceArn"].as_str() {
        Some(source) => Ok(source.split(':').nth(2).unwrap_or_default().to_string()),
        None => Err(invalid("Unrecognized event source.")),
    }
}

/// The members a kind of source requires or refuses, in Lambda's words: a stream's starting
/// position (recorded: test_create_event_source_validation and _kinesis), an SQS batch of
/// more than 10 only with a batching window, a destination on failure only, filters whose
/// patterns are JSON objects.
fn check_members(kind: &str, request: &Value) -> Result<(), Response> {
    if request["DestinationConfig"].get("OnSuccess").is_some() {
        return Err(invalid(
            "Unsupported DestinationConfig parameter for given event source mapping type.",
        ));
    }
    if kind == "dynamodb" || kind == "kinesis" {
        match request["StartingPosition"].as_str() {
            None => return Err(invalid("1 validation error detected: Value null at 'startingPosition' failed to satisfy constraint: Member must not be null.")),
            Some("AT_TIMESTAMP") if kind == "dynamodb" => {
                return Err(invalid(&format!(
                    "Unsupported starting position for arn type: {}",
                    request["EventSourceArn"].as_str().unwrap_or_default()
                )))
            }
            Some(_) => {}
        }
    }
    let batch = request["BatchSize"].as_i64().unwrap_or(10);
    let window = request["MaximumBatchingWindowInSeconds"]
        .as_i64()
        .unwrap_or(0);
    if kind == "sqs" && batch > 10 && window == 0 {
        return Err(invalid("Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10"));
    }
    let patterns = request["FilterCriteria"]["Filters"]
        .as_array()
        .into_iter()
        .flatten();
    for filter in patterns {
        let pattern = filter["Pattern"].as_str().unwrap_or_default();
        if !serde_json::from_str::<Value>(pattern).is_ok_and(|p| p.is_object()) {
            return Err(invalid("Invalid filter pattern definition."));
        }
    }
    Ok(())
}

/// The function ARN a mapping invokes, as Lambda answers it: unqualified for a bare name or
/// ARN, with the qualifier given otherwise, `$LATEST` too (recorded:
/// test_function_name_variations); a function, version or alias that is not there is
/// refused (recorded: create_unknown_params).
fn target(db: &Db, region: &str, name: &str) -> Result<String, Response> {
    let missing = || invalid("Function does not exist");
    let in_region = match name.split(':').collect::<Vec<_>>().as_slice() {
        ["arn", _, "lambda", other, ..] => *other == region,
        _ => true,
    };
    let short = name_of(name);
    let function = db
        .function(region, short)
        .filter(|_| in_region)
        .ok_or_else(missing)?;
    let unqualified = function_arn(region, short);
    match qualifier_of(name) {
        None => Ok(unqualified),
        Some(qualifier) => {
            let exists = qualifier == "$LATEST"
                || function.aliases.contains_key(&qualifier)
                || qualifier
                    .parse::<u64>()
                    .is_ok_and(|n| function.versions.contains_key(&n));
            exists
                .then(|| format!("{unqualified}:{qualifier}"))
                .ok_or_else(missing)
        }
    }
}

/// The source an ARN names, looked for in the local account: there is no queue, stream or
/// cluster, so each is refused as AWS refuses one that does not exist (recorded:
/// test_esm_with_not_existing_sqs_queue, _kinesis_stream, _dynamodb_stream). An MSK
/// cluster, MQ broker or DocumentDB cluster is refused as an unrecognized source (AWS's
/// words for a missing one are not recorded).
fn missing_source(kind: &str, source: &str) -> Response {
    match kind {
        "sqs" => invalid("Error occurred while ReceiveMessage. SQS Error Code: AWS.SimpleQueueService.NonExistentQueue. SQS Error Message: The specified queue does not exist."),
        "kinesis" | "dynamodb" => invalid(&format!("Stream not found: {source}")),
        _ => invalid("Unrecognized event source."),
    }
}

/// The bootstrap servers of a self-managed Kafka source.
fn servers(config: &Value) -> Vec<String> {
    strings(&config["SelfManagedEventSource"]["Endpoints"]["KAFKA_BOOTSTRAP_SERVERS"])
}

/// A list of strings' items (none for anything else).
fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s.as_str().map(str::to_string))
        .collect()
}

/// A second mapping of the same function to a Kafka server and topic it already reads is
/// refused, naming the first (recorded: test_create_event_source_self_managed,
/// duplicate-source and multiple-duplicate-source).
fn check_duplicate(db: &Db, region: &str, request: &Value, function: &str) -> Result<(), Response> {
    let (asked, topics) = (servers(request), strings(&request["Topics"]));
    let taken = db.mappings(region).find(|m| {
        m.transition != "Deleting"
            && m.config["FunctionArn"] == function
            && servers(&m.config).iter().any(|s| asked.contains(s))
            && strings(&m.config["Topics"])
                .iter()
                .any(|t| topics.contains(t))
    });
    match taken {
        Some(existing) => Err(lambda_error(
            ErrorCode::ResourceConflictException,
            &format!(
                "An event source mapping with event source (\"{}\"), function (\"{function}\"), topics (\"{}\") already exists. Please update or delete the existing mapping with UUID {}",
                asked.join(","),
                topics.join(","),
                existing.uuid
            ),
        )),
        None => Ok(()),
    }
}

/// A self-managed Kafka mapping's configuration as Lambda answers it (recorded:
/// event-source-mapping-default, event-source-mapping-values): the members given, with a batch
/// of 100, `TRIM_HORIZON` and the mapping's UUID as consumer group unless given.
fn kafka_config(region: &str, uuid: &str, mut request: Value, function: String) -> Value {
    let config = request.as_object_mut().expect("a request is an object");
    for member in ["FunctionName", "Enabled", "Tags"] {
        config.remove(member);
    }
    let defaults: Map<String, Value> = [
        ("BatchSize", json!(100)),
        ("StartingPosition", json!("TRIM_HORIZON")),
        (
            "SelfManagedKafkaEventSourceConfig",
            json!({ "ConsumerGroupId": uuid }),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    for (member, value) in defaults {
        config.entry(member).or_insert(value);
    }
    config.insert("FunctionArn".into(), json!(function));
    config.insert("UUID".into(), json!(uuid));
    config.insert(
        "EventSourceMappingArn".into(),
        json!(mapping_arn(region, uuid)),
    );
    config.insert("LastProcessingResult".into(), json!(NOTHING_PROCESSED));
    config.insert("StateTransitionReason".into(), json!("USER_INITIATED"));
    config.insert(
        "LastModified".into(),
        json!(Timestamp::from_millis(now_ms())),
    );
    request
}

/// CreateEventSourceMapping: 202 and `Creating`.
pub fn create(cloud: &Cloud, region: &str, input: CreateEventSourceMappingRequest) -> Response {
    let request = serde_json::to_value(&input).unwrap_or_default();
    let judged = source_kind(&request).and_then(|kind| {
        check_members(&kind, &request)?;
        Ok(kind)
    });
    let kind = match judged {
        Ok(kind) => kind,
        Err(refusal) => return refusal,
    };
    let mut db = cloud.db();
    let function = match target(&db, region, &input.function_name) {
        Ok(function) => function,
        Err(refusal) => return refusal,
    };
    if kind != "self-managed-kafka" {
        return missing_source(&kind, input.event_source_arn.as_deref().unwrap_or_default());
    }
    if let Err(refusal) = check_duplicate(&db, region, &request, &function) {
        return refusal;
    }
    let uuid = super::ids::new_request_id();
    let mapping = Mapping {
        region: region.to_string(),
        uuid: uuid.clone(),
        config: kafka_config(region, &uuid, request, function),
        tags: input.tags.unwrap_or_default(),
        enabled: input.enabled.unwrap_or(true),
        transition: "Creating".into(),
        since_ms: now_ms(),
    };
    let answered = with_state(&mapping, "Creating");
    db.insert_mapping(mapping);
    db.changed();
    json(202, &answered)
}

pub fn get(cloud: &Cloud, region: &str, input: GetEventSourceMappingRequest) -> Response {
    let mut db = cloud.db();
    match live(&mut db, cloud, region, &input.uuid) {
        Some(mapping) => json(200, &answer(cloud, mapping)),
        None => no_mapping(),
    }
}

/// ListEventSourceMappings: those of a function (by name or ARN, a qualified one only its
/// version's or alias') or of a source, or all; a function or source that is not there is
/// no error (recorded: test_event_source_mapping_exceptions).
pub fn list(cloud: &Cloud, region: &str, input: ListEventSourceMappingsRequest) -> Response {
    let db = cloud.db();
    let function = input.function_name.as_deref().map(|name| {
        let unqualified = function_arn(region, name_of(name));
        match qualifier_of(name) {
            Some(qualifier) => format!("{unqualified}:{qualifier}"),
            None => unqualified,
        }
    });
    let mappings = db
        .mappings(region)
        .filter(|m| !(m.transition == "Deleting" && settled(cloud, m)))
        .filter(|m| {
            function
                .as_ref()
                .is_none_or(|f| m.config["FunctionArn"] == *f)
        })
        .filter(|m| {
            input
                .event_source_arn
                .as_ref()
                .is_none_or(|s| m.config["EventSourceArn"] == *s)
        })
        .map(|m| answer(cloud, m))
        .collect();
    paged(
        mappings,
        input.marker,
        input.max_items.or(Some(MAX_PAGE as i32)),
        MAX_PAGE,
        |mappings, next_marker| {
            let mut answer = json!({ "EventSourceMappings": mappings });
            if let Some(next) = next_marker {
                answer["NextMarker"] = json!(next);
            }
            answer
        },
    )
}

/// UpdateEventSourceMapping: the members given replace the mapping's, judged as on create;
/// 202 and `Updating`, or `Enabling` / `Disabling` when `Enabled` changes it.
pub fn update(cloud: &Cloud, region: &str, input: UpdateEventSourceMappingRequest) -> Response {
    let mut request = serde_json::to_value(&input).unwrap_or_default();
    let mut db = cloud.db();
    let Some(mapping) = live(&mut db, cloud, region, &input.uuid).cloned() else {
        return no_mapping();
    };
    if mapping.transition == "Deleting" {
        return no_mapping();
    }
    if let Err(refusal) = check_members("self-managed-kafka", &request) {
        return refusal;
    }
    let function = match input.function_name.as_deref() {
        Some(name) => match target(&db, region, name) {
            Ok(function) => Some(function),
            Err(refusal) => return refusal,
        },
        None => None,
    };
    let fields = request.as_object_mut().expect("a request is an object");
    for member in ["UUID", "FunctionName", "Enabled"] {
        fields.remove(member);
    }
    let mut updated = mapping;
    let config = updated
        .config
        .as_object_mut()
        .expect("a config is an object");
    config.extend(std::mem::take(fields));
    if let Some(function) = function {
        config.insert("FunctionArn".into(), json!(function));
    }
    config.insert(
        "LastModified".into(),
        json!(Timestamp::from_millis(now_ms())),
    );
    updated.transition = match input.enabled {
        Some(true) if !updated.enabled => "Enabling",
        Some(false) if updated.enabled => "Disabling",
        _ => "Updating",
    }
    .into();
    updated.enabled = input.enabled.unwrap_or(updated.enabled);
    updated.since_ms = now_ms();
    let answered = with_state(&updated, &updated.transition);
    db.insert_mapping(updated);
    db.changed();
    json(202, &answered)
}

/// DeleteEventSourceMapping: 202 and `Deleting`; gone once that settles.
pub fn delete(cloud: &Cloud, region: &str, input: DeleteEventSourceMappingRequest) -> Response {
    let mut db = cloud.db();
    let Some(mapping) = live(&mut db, cloud, region, &input.uuid) else {
        return no_mapping();
    };
    if mapping.transition == "Deleting" {
        return no_mapping();
    }
    mapping.transition = "Deleting".into();
    mapping.since_ms = now_ms();
    let answered = with_state(mapping, "Deleting");
    db.changed();
    json(202, &answered)
}

/// The tags of the mapping an ARN names, or Lambda's answer for one that is not there
/// (recorded: TestLambdaTag::test_tag_exceptions[event_source_mapping]).
pub fn tags_mut<'a>(
    db: &'a mut Db,
    cloud: &Cloud,
    region: &str,
    resource: &str,
) -> Result<&'a mut BTreeMap<String, String>, Response> {
    let uuid = resource.rsplit(':').next().unwrap_or_default();
    live(db, cloud, region, uuid)
        .filter(|m| m.transition != "Deleting" && mapping_arn(region, uuid) == resource)
        .map(|m| &mut m.tags)
        .ok_or_else(|| {
            lambda_error(
                ErrorCode::ResourceNotFoundException,
                &format!("Event source mapping not found: {resource}"),
            )
        })
}
