//! CloudWatch Logs (awsJson1.1, `X-Amz-Target: Logs_20140328.<Operation>`): log groups with
//! retention and tags, streams, events, FilterLogEvents with a time range, simple filter
//! patterns and nextToken paging, and Live Tail (`StartLiveTail`): events streamed as they are
//! ingested, in AWS's event-stream framing (`application/vnd.amazon.eventstream`).

// An early answer is a whole HTTP response; boxing it buys nothing at this scale.
#![allow(clippy::result_large_err)]

use axum::response::Response;
use serde_json::{json, Value};

use std::sync::Arc;

use super::clock::now_ms;
use super::state::{Db, LogEvent, LogGroup, LogStream};
use super::wire::{json11, json11_error, string_map};
use super::Cloud;

/// Events per FilterLogEvents page when the caller gives no limit (AWS: up to 10,000 / 1 MB).
const PAGE: usize = 10_000;

/// The CloudWatch Logs operations the local cloud serves.
pub const OPERATIONS: [&str; 12] = [
    "CreateLogGroup",
    "DeleteLogGroup",
    "PutRetentionPolicy",
    "DeleteRetentionPolicy",
    "DescribeLogGroups",
    "CreateLogStream",
    "DescribeLogStreams",
    "PutLogEvents",
    "GetLogEvents",
    "FilterLogEvents",
    "ListTagsLogGroup",
    "StartLiveTail",
];

/// The operation of an awsJson1.1 request (`X-Amz-Target: Logs_20140328.<Operation>`), parsed
/// once: one of `OPERATIONS`, or "Unknown".
pub fn operation(target: Option<&str>) -> &'static str {
    target
        .and_then(|t| t.strip_prefix("Logs_20140328."))
        .and_then(|op| OPERATIONS.iter().find(|known| **known == op))
        .copied()
        .unwrap_or("Unknown")
}

/// Whether an operation changes state (and so the state is saved after it).
/// The largest request taken: twice PutLogEvents' 1,048,576-byte batch, leaving room for
/// the JSON around the messages.
pub const MAX_REQUEST_BYTES: usize = 2 * 1024 * 1024;

pub fn writes(operation: &str) -> bool {
    ![
        "Describe",
        "Get",
        "Filter",
        "List",
        "StartLiveTail",
        "Unknown",
    ]
    .iter()
    .any(|read| operation.starts_with(read))
}

/// Every operation but FilterLogEvents (which `apply` serves off the lock).
fn handle(db: &mut Db, operation: &str, region: &str, body: &Value) -> Response {
    let name = body["logGroupName"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    // Nothing older than a group's retention is ever read.
    if let Some(group) = db.log_group_mut(region, &name) {
        group.expire(now_ms());
    }
    match operation {
        "CreateLogGroup" => {
            if name.is_empty() {
                return json11_error("InvalidParameterException", "logGroupName is required");
            }
            // The service model's constraint on LogGroupName: 1 to 512 of [\.\-_/#A-Za-z0-9].
            let allowed = |c: char| c.is_ascii_alphanumeric() || "._-/#".contains(c);
            if name.len() > 512 || !name.chars().all(allowed) {
                return json11_error("InvalidParameterException", &format!("1 validation error detected: Value '{name}' at 'logGroupName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+"));
            }
            if db.log_group(region, &name).is_some() {
                return json11_error(
                    "ResourceAlreadyExistsException",
                    "The specified log group already exists",
                );
            }
            let mut group = LogGroup::new(&name, region);
            group.tags = string_map(&body["tags"]);
            db.insert_log_group(group);
            json11(&json!({}))
        }
        "DeleteLogGroup" => match db.remove_log_group(region, &name) {
            Some(_) => json11(&json!({})),
            None => missing_group(),
        },
        "PutRetentionPolicy" => {
            let days = body["retentionInDays"].as_i64().unwrap_or_default();
            const ALLOWED: [i64; 22] = [
                1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192,
                2557, 2922, 3288, 3653,
            ];
            if !ALLOWED.contains(&days) {
                return json11_error("InvalidParameterException", &format!("1 validation error detected: Value '{days}' at 'retentionInDays' failed to satisfy constraint: Member must satisfy enum value set: {ALLOWED:?}"));
            }
            match db.log_group_mut(region, &name) {
                Some(group) => {
                    group.retention_days = Some(days);
                    json11(&json!({}))
                }
                None => missing_group(),
            }
        }
        "DeleteRetentionPolicy" => match db.log_group_mut(region, &name) {
            Some(group) => {
                group.retention_days = None;
                json11(&json!({}))
            }
            None => missing_group(),
        },
        "DescribeLogGroups" => {
            let prefix = body["logGroupNamePrefix"].as_str().unwrap_or_default();
            let groups: Vec<Value> = db
                .log_groups(region)
                .filter(|g| g.name.starts_with(prefix))
                .map(|g| {
                    let mut value = json!({
                        "logGroupName": g.name,
                        "creationTime": g.created,
                        "metricFilterCount": 0,
                        "arn": format!("{}:*", g.arn()),
                        "logGroupArn": g.arn(),
                        "storedBytes": g.bytes,
                        // Recorded (test_describe_log_groups_with_prefix, 2026): every group
                        // has a class and says whether it is protected from deletion.
                        "logGroupClass": "STANDARD",
                        "deletionProtectionEnabled": false,
                    });
                    if let Some(days) = g.retention_days {
                        value["retentionInDays"] = json!(days);
                    }
                    value
                })
                .collect();
            let (groups, next) = match page_of(groups, body) {
                Ok(page) => page,
                Err(refusal) => return refusal,
            };
            let mut output = json!({ "logGroups": groups });
            if let Some(next) = next {
                output["nextToken"] = json!(next);
            }
            json11(&output)
        }
        "CreateLogStream" => {
            let stream = body["logStreamName"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            let Some(group) = db.log_group_mut(region, &name) else {
                return missing_group();
            };
            if group.streams.contains_key(&stream) {
                return json11_error(
                    "ResourceAlreadyExistsException",
                    "The specified log stream already exists",
                );
            }
            group.streams.insert(
                stream.clone(),
                LogStream {
                    name: stream,
                    created: now_ms(),
                    events: Vec::new(),
                },
            );
            json11(&json!({}))
        }
        "DescribeLogStreams" => {
            let Some(group) = db.log_group(region, &name) else {
                return missing_group();
            };
            let prefix = body["logStreamNamePrefix"].as_str().unwrap_or_default();
            let mut streams: Vec<&LogStream> = group
                .streams
                .values()
                .filter(|s| s.name.starts_with(prefix))
                .collect();
            if body["orderBy"] == "LastEventTime" {
                streams.sort_by_key(|s| s.events.last().map(|e| e.timestamp).unwrap_or(s.created));
            }
            if body["descending"] == true {
                streams.reverse();
            }
            let streams: Vec<Value> = streams
                .into_iter()
                .map(|s| {
                    json!({
                        "logStreamName": s.name,
                        "creationTime": s.created,
                        "firstEventTimestamp": s.events.first().map(|e| e.timestamp),
                        "lastEventTimestamp": s.events.last().map(|e| e.timestamp),
                        "lastIngestionTime": s.events.last().map(|e| e.ingestion_time),
                        "arn": format!("{}:log-stream:{}", group.arn(), s.name),
                        "storedBytes": 0,
                    })
                })
                .collect();
            let (streams, next) = match page_of(streams, body) {
                Ok(page) => page,
                Err(refusal) => return refusal,
            };
            let mut output = json!({ "logStreams": streams });
            if let Some(next) = next {
                output["nextToken"] = json!(next);
            }
            json11(&output)
        }
        "PutLogEvents" => {
            let stream = body["logStreamName"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            let Some(group) = db.log_group(region, &name) else {
                return missing_group();
            };
            if !group.streams.contains_key(&stream) {
                return json11_error(
                    "ResourceNotFoundException",
                    "The specified log stream does not exist.",
                );
            }
            let events = body["logEvents"].as_array().cloned().unwrap_or_default();
            let times: Vec<i64> = events
                .iter()
                .filter_map(|e| e["timestamp"].as_i64())
                .collect();
            if times.windows(2).any(|pair| pair[1] < pair[0]) {
                // Recorded: test_put_log_events_wrong_order.
                return json11_error(
                    "InvalidParameterException",
                    "Log events in a single PutLogEvents request must be in chronological order.",
                );
            }
            let region = group.region.clone();
            for event in events {
                let timestamp = event["timestamp"].as_i64().unwrap_or_else(now_ms);
                let message = event["message"].as_str().unwrap_or_default().to_string();
                db.append_log(&name, &region, &stream, timestamp, message);
            }
            json11(&json!({ "nextSequenceToken": "1" }))
        }
        "GetLogEvents" => {
            let stream = body["logStreamName"].as_str().unwrap_or_default();
            let Some(group) = db.log_group(region, &name) else {
                return missing_group();
            };
            let Some(stream) = group.streams.get(stream) else {
                return json11_error(
                    "ResourceNotFoundException",
                    "The specified log stream does not exist.",
                );
            };
            let start = body["startTime"].as_i64().unwrap_or(i64::MIN);
            let end = body["endTime"].as_i64().unwrap_or(i64::MAX);
            let events: Vec<Value> = stream.events.iter()
                .filter(|e| e.timestamp >= start && e.timestamp < end)
                .map(|e| json!({"timestamp": e.timestamp, "message": e.message, "ingestionTime": e.ingestion_time}))
                .collect();
            json11(
                &json!({ "events": events, "nextForwardToken": "f/end", "nextBackwardToken": "b/start" }),
            )
        }
        "ListTagsLogGroup" => match db.log_group(region, &name) {
            Some(group) => json11(&json!({ "tags": group.tags })),
            None => missing_group(),
        },
        _ => json11_error(
            "UnknownOperationException",
            "faqctl local does not emulate this CloudWatch Logs operation",
        ),
    }
}

fn missing_group() -> Response {
    json11_error(
        "ResourceNotFoundException",
        "The specified log group does not exist.",
    )
}

/// Serves an operation. FilterLogEvents takes its events under the lock (cheaply: messages
/// are shared) and matches, sorts and pages them on a blocking thread, after releasing it: a
/// search over a full log group stalls neither the other requests nor the async workers.
pub async fn apply(cloud: &Cloud, operation: &str, region: &str, body: Value) -> Response {
    if operation == "StartLiveTail" {
        return live_tail::start(cloud, region, &body);
    }
    if operation != "FilterLogEvents" {
        return handle(&mut cloud.db(), operation, region, &body);
    }
    let candidates = {
        let mut db = cloud.db();
        let name = body["logGroupName"].as_str().unwrap_or_default();
        match db.log_group_mut(region, name) {
            Some(group) => {
                group.expire(now_ms());
                candidates(group, &body)
            }
            None => return missing_group(),
        }
    };
    tokio::task::spawn_blocking(move || filter_log_events(candidates, &body))
        .await
        .unwrap_or_else(|_| json11_error("ServiceUnavailableException", "the search failed"))
}

/// The events of the streams and time range asked for, with their stream's name.
fn candidates(group: &LogGroup, body: &Value) -> Vec<(Arc<str>, LogEvent)> {
    let start = body["startTime"].as_i64().unwrap_or(i64::MIN);
    let end = body["endTime"].as_i64().unwrap_or(i64::MAX);
    let wanted_streams: Option<Vec<&str>> = body["logStreamNames"]
        .as_array()
        .map(|list| list.iter().filter_map(Value::as_str).collect());
    let prefix = body["logStreamNamePrefix"].as_str().unwrap_or_default();
    let mut events = Vec::new();
    for stream in group.streams.values() {
        let wanted = stream.name.starts_with(prefix)
            && wanted_streams
                .as_ref()
                .is_none_or(|names| names.contains(&stream.name.as_str()));
        if !wanted {
            continue;
        }
        let name: Arc<str> = stream.name.as_str().into();
        events.extend(
            stream
                .events
                .iter()
                .filter(|e| e.timestamp >= start && e.timestamp < end)
                .map(|e| (name.clone(), e.clone())),
        );
    }
    events
}

/// A page of DescribeLogGroups or DescribeLogStreams: `limit` items (50, their default and
/// maximum) from `nextToken` on.
fn page_of(items: Vec<Value>, body: &Value) -> Result<(Vec<Value>, Option<String>), Response> {
    let Ok(offset) = super::paging::offset(body["nextToken"].as_str(), items.len()) else {
        return Err(json11_error(
            "InvalidParameterException",
            "The specified nextToken is invalid.",
        ));
    };
    let size = body["limit"]
        .as_u64()
        .map_or(50, |l| l.clamp(1, 50) as usize);
    Ok(super::paging::page(items, offset, size))
}

fn filter_log_events(candidates: Vec<(Arc<str>, LogEvent)>, body: &Value) -> Response {
    // A token is one this server gave out; anything else is refused, as AWS refuses it.
    let Ok(offset) = super::paging::offset(body["nextToken"].as_str(), usize::MAX) else {
        return json11_error(
            "InvalidParameterException",
            "The specified nextToken is invalid.",
        );
    };
    let pattern = FilterPattern::parse(body["filterPattern"].as_str().unwrap_or_default());
    let mut events: Vec<(Arc<str>, LogEvent)> = candidates
        .into_iter()
        .filter(|(_, e)| pattern.matches(&e.message))
        .collect();
    events.sort_by_key(|(_, e)| (e.timestamp, e.id));
    let limit = body["limit"]
        .as_u64()
        .map(|l| l as usize)
        .unwrap_or(PAGE)
        .clamp(1, PAGE);
    let page: Vec<Value> = events
        .iter()
        .skip(offset)
        .take(limit)
        .map(|(stream, e)| {
            json!({
                "logStreamName": stream,
                "timestamp": e.timestamp,
                "message": e.message,
                "ingestionTime": e.ingestion_time,
                "eventId": format!("{:020}{:016}", e.timestamp.max(0), e.id),
            })
        })
        .collect();
    let mut response = json!({ "events": page, "searchedLogStreams": [] });
    if offset + limit < events.len() {
        response["nextToken"] = json!(super::paging::token(offset + limit));
    }
    json11(&response)
}

mod live_tail {
    //! `StartLiveTail`: a session over up to 10 log groups (by ARN) that streams each event
    //! matching its filter as it is ingested. The answer is an event stream: `sessionStart`,
    //! then a `sessionUpdate` per batch of events, and one a second while there are none, as
    //! AWS keeps the session alive; after the session limit (3 hours) a
    //! `SessionTimeoutException` ends it. A session that falls behind the feed says its
    //! results are sampled, as Live Tail does when more than 500 events a second match.

    use std::collections::HashMap;
    use std::time::Duration;

    use aws_smithy_eventstream::frame::write_message_to;
    use aws_smithy_types::event_stream::{Header, HeaderValue, Message};
    use axum::body::{Body, Bytes};
    use axum::response::Response;
    use serde_json::{json, Value};
    use tokio::sync::broadcast::error::RecvError;

    use super::super::arns::{partition, ACCOUNT};
    use super::super::state::LiveEvent;
    use super::super::wire::json11_error;
    use super::super::Cloud;
    use super::FilterPattern;

    /// Events per `sessionUpdate` at most (AWS: 500 a second, then sampling).
    const BATCH: usize = 500;
    /// How often an idle session is told it is still alive.
    const HEARTBEAT: Duration = Duration::from_secs(1);

    pub fn start(cloud: &Cloud, region: &str, body: &Value) -> Response {
        let identifiers: Vec<String> = body["logGroupIdentifiers"]
            .as_array()
            .map(|list| {
                list.iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        if identifiers.is_empty() || identifiers.len() > 10 {
            return json11_error(
                "InvalidParameterException",
                "logGroupIdentifiers must name 1 to 10 log groups",
            );
        }
        // Live Tail takes log groups by ARN (without the `:*` of DescribeLogGroups' `arn`).
        let prefix = format!(
            "arn:{}:logs:{region}:{ACCOUNT}:log-group:",
            partition(region).0
        );
        let mut groups: HashMap<String, String> = HashMap::new();
        {
            let db = cloud.db();
            for identifier in &identifiers {
                let Some(name) = identifier.strip_prefix(&prefix) else {
                    return json11_error(
                        "InvalidParameterException",
                        &format!("{identifier} is not a log group ARN of this account and region: Live Tail takes log groups by ARN ({prefix}NAME)"),
                    );
                };
                if name.ends_with('*') || db.log_group(region, name).is_none() {
                    return json11_error(
                        "ResourceNotFoundException",
                        &format!("The specified log group does not exist: {identifier}"),
                    );
                }
                groups.insert(name.to_string(), identifier.clone());
            }
        }
        let streams: Vec<String> = string_list(&body["logStreamNames"]);
        let stream_prefixes: Vec<String> = string_list(&body["logStreamNamePrefixes"]);
        if (!streams.is_empty() || !stream_prefixes.is_empty()) && identifiers.len() != 1 {
            return json11_error(
                "InvalidParameterException",
                "logStreamNames and logStreamNamePrefixes need exactly one log group",
            );
        }
        let pattern_text = body["logEventFilterPattern"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let session = Session {
            region: region.to_string(),
            groups,
            streams,
            stream_prefixes,
            pattern: FilterPattern::parse(&pattern_text),
        };
        // Subscribed before answering: nothing ingested after the answer is missed.
        let mut feed = cloud.db().subscribe_live();
        let mut closing = cloud.closing.subscribe();
        let limit = cloud.live_tail_limit;
        let (frames, out) = tokio::sync::mpsc::channel::<Bytes>(16);
        let mut start = json!({
            "requestId": uuid(),
            "sessionId": uuid(),
            "logGroupIdentifiers": identifiers,
            "logEventFilterPattern": pattern_text,
        });
        if !session.streams.is_empty() {
            start["logStreamNames"] = json!(session.streams);
        }
        if !session.stream_prefixes.is_empty() {
            start["logStreamNamePrefixes"] = json!(session.stream_prefixes);
        }
        cloud.tasks.spawn(async move {
            // First the stream's `initial-response` (the operation's other output members:
            // none), as every AWS event stream opens; botocore refuses a stream without it
            // ("First event was not of type initial-response"), the Rust SDK takes either.
            for (kind, payload) in [("initial-response", json!({})), ("sessionStart", start)] {
                if frames.send(event(kind, &payload)).await.is_err() {
                    return;
                }
            }
            let ends = tokio::time::Instant::now() + limit;
            let mut heartbeat = tokio::time::interval(HEARTBEAT);
            loop {
                let mut results = Vec::new();
                let mut sampled = false;
                // An update goes out with results, or once a second without (a heartbeat):
                // events of other groups, or filtered out, send nothing.
                let mut beat = false;
                tokio::select! {
                    received = feed.recv() => match received {
                        Ok(live) => session.keep(&live, &mut results),
                        Err(RecvError::Lagged(_)) => sampled = true,
                        Err(RecvError::Closed) => return,
                    },
                    _ = heartbeat.tick() => beat = true,
                    _ = tokio::time::sleep_until(ends) => {
                        let _ = frames.send(exception(
                            "SessionTimeoutException",
                            "Session timed out after 3 hours",
                        )).await;
                        return;
                    }
                    _ = async { closing.wait_for(|closing| *closing).await.is_ok() } => return,
                }
                // Whatever else is already there goes in the same update.
                while results.len() < BATCH {
                    match feed.try_recv() {
                        Ok(live) => session.keep(&live, &mut results),
                        Err(tokio::sync::broadcast::error::TryRecvError::Lagged(_)) => {
                            sampled = true
                        }
                        Err(_) => break,
                    }
                }
                if results.is_empty() && !sampled && !beat {
                    continue;
                }
                heartbeat.reset();
                let update = json!({
                    "sessionMetadata": { "sampled": sampled },
                    "sessionResults": results,
                });
                if frames.send(event("sessionUpdate", &update)).await.is_err() {
                    // The client went away: the session ends with it.
                    return;
                }
            }
        });
        let body = Body::from_stream(futures_util::stream::unfold(out, |mut out| async move {
            let frame = out.recv().await?;
            Some((Ok::<_, std::convert::Infallible>(frame), out))
        }));
        // The task ends when the stream is dropped (the client went away).
        Response::builder()
            .status(200)
            .header("content-type", "application/vnd.amazon.eventstream")
            .header("x-amzn-requestid", uuid())
            .body(body)
            .unwrap_or_else(|_| json11_error("ServiceUnavailableException", "cannot stream"))
    }

    struct Session {
        /// The region its log groups are in.
        region: String,
        /// Log group name → the identifier the caller gave.
        groups: HashMap<String, String>,
        streams: Vec<String>,
        stream_prefixes: Vec<String>,
        pattern: FilterPattern,
    }

    impl Session {
        fn keep(&self, live: &LiveEvent, results: &mut Vec<Value>) {
            if *live.region != *self.region {
                return;
            }
            let Some(identifier) = self.groups.get(&*live.group) else {
                return;
            };
            let stream_wanted = (self.streams.is_empty() && self.stream_prefixes.is_empty())
                || self.streams.iter().any(|s| **s == *live.stream)
                || self
                    .stream_prefixes
                    .iter()
                    .any(|p| live.stream.starts_with(p.as_str()));
            if !stream_wanted || !self.pattern.matches(&live.message) || results.len() >= BATCH {
                return;
            }
            results.push(json!({
                "logGroupIdentifier": identifier,
                "logStreamName": &*live.stream,
                "message": &*live.message,
                "timestamp": live.timestamp,
                "ingestionTime": live.ingestion_time,
            }));
        }
    }

    fn string_list(value: &Value) -> Vec<String> {
        value
            .as_array()
            .map(|list| {
                list.iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }

    fn uuid() -> String {
        let hex = |n: usize| -> String {
            (0..n)
                .map(|_| char::from_digit(fastrand::u32(..16), 16).unwrap_or('0'))
                .collect()
        };
        format!("{}-{}-{}-{}-{}", hex(8), hex(4), hex(4), hex(4), hex(12))
    }

    fn frame(message: Message) -> Bytes {
        let mut buffer = Vec::new();
        // Writing a message of valid headers into a Vec cannot fail.
        let _ = write_message_to(&message, &mut buffer);
        Bytes::from(buffer)
    }

    fn header(name: &'static str, value: &str) -> Header {
        Header::new(name, HeaderValue::String(value.to_string().into()))
    }

    fn event(kind: &str, payload: &Value) -> Bytes {
        frame(
            Message::new(payload.to_string().into_bytes())
                .add_header(header(":message-type", "event"))
                .add_header(header(":event-type", kind))
                .add_header(header(":content-type", "application/json")),
        )
    }

    fn exception(kind: &str, message: &str) -> Bytes {
        frame(
            Message::new(json!({ "message": message }).to_string().into_bytes())
                .add_header(header(":message-type", "exception"))
                .add_header(header(":exception-type", kind))
                .add_header(header(":content-type", "application/json")),
        )
    }

    #[cfg(test)]
    mod tests {
        use super::*;
        use aws_smithy_eventstream::frame::read_message_from;

        #[test]
        fn frames_read_back_as_the_sdk_reads_them() {
            let bytes = event("sessionUpdate", &json!({"sessionResults": []}));
            let message = read_message_from(&bytes[..]).unwrap();
            let headers: Vec<(String, String)> = message
                .headers()
                .iter()
                .map(|h| {
                    (
                        h.name().as_str().to_string(),
                        h.value().as_string().unwrap().as_str().to_string(),
                    )
                })
                .collect();
            assert_eq!(
                headers,
                [
                    (":message-type".into(), "event".into()),
                    (":event-type".into(), "sessionUpdate".into()),
                    (":content-type".into(), "application/json".into()),
                ]
            );
            assert_eq!(&message.payload()[..], br#"{"sessionResults":[]}"#);
        }
    }
}

/// CloudWatch's simple filter patterns: terms that must all appear (`ERROR timeout`), quoted
/// phrases (`"Quote selected"`), `?a ?b` for any of them, `-term` to exclude. An empty pattern
/// matches every event. JSON and space-delimited patterns are not emulated.
#[derive(Debug, Default)]
pub struct FilterPattern {
    all: Vec<String>,
    any: Vec<String>,
    none: Vec<String>,
}

impl FilterPattern {
    pub fn parse(pattern: &str) -> FilterPattern {
        let mut filter = FilterPattern::default();
        let mut chars = pattern.chars().peekable();
        while let Some(&c) = chars.peek() {
            if c.is_whitespace() {
                chars.next();
                continue;
            }
            let mut kind = ' ';
            if c == '?' || c == '-' {
                kind = c;
                chars.next();
            }
            let mut term = String::new();
            if chars.peek() == Some(&'"') {
                chars.next();
                for c in chars.by_ref() {
                    if c == '"' {
                        break;
                    }
                    term.push(c);
                }
            } else {
                while let Some(&c) = chars.peek() {
                    if c.is_whitespace() {
                        break;
                    }
                    term.push(c);
                    chars.next();
                }
            }
            if term.is_empty() {
                continue;
            }
            match kind {
                '?' => filter.any.push(term),
                '-' => filter.none.push(term),
                _ => filter.all.push(term),
            }
        }
        filter
    }

    pub fn matches(&self, message: &str) -> bool {
        self.all.iter().all(|t| message.contains(t.as_str()))
            && (self.any.is_empty() || self.any.iter().any(|t| message.contains(t.as_str())))
            && !self.none.iter().any(|t| message.contains(t.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::FilterPattern;

    #[test]
    fn simple_filter_patterns_match_as_cloudwatch_does() {
        let cases = [
            ("", "anything", true),
            ("Quote", "Quote selected: 3", true),
            ("\"Quote selected\"", "Quote selected: 3", true),
            ("\"Quote selected\"", "Quote was selected", false),
            ("ERROR timeout", "ERROR: timeout after 3s", true),
            ("ERROR timeout", "ERROR: crash", false),
            ("?ERROR ?WARN", "WARN low memory", true),
            ("?ERROR ?WARN", "INFO fine", false),
            ("REPORT -Init", "REPORT RequestId: 1 Duration: 1 ms", true),
            (
                "REPORT -Init",
                "REPORT RequestId: 1 Init Duration: 3 ms",
                false,
            ),
        ];
        for (pattern, message, expected) in cases {
            assert_eq!(
                FilterPattern::parse(pattern).matches(message),
                expected,
                "{pattern:?} on {message:?}"
            );
        }
    }
}
