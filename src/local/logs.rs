//! CloudWatch Logs (awsJson1.1, `X-Amz-Target: Logs_20140328.<Operation>`): log groups with
//! retention and tags, streams, events, and FilterLogEvents with a time range, simple filter
//! patterns and nextToken paging.

use axum::response::Response;
use serde_json::{json, Value};

use std::sync::Arc;

use super::state::{now_ms, Db, LogEvent, LogGroup, LogStream};
use super::wire::{json11, json11_error, string_map};
use super::Cloud;

/// Events per FilterLogEvents page when the caller gives no limit (AWS: up to 10,000 / 1 MB).
const PAGE: usize = 10_000;

/// The CloudWatch Logs operations the local cloud serves.
const OPERATIONS: [&str; 11] = [
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
    !["Describe", "Get", "Filter", "List", "Unknown"]
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
    if let Some(group) = db.log_group_mut(&name) {
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
            if db.log_group(&name).is_some() {
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
        "DeleteLogGroup" => match db.remove_log_group(&name) {
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
            match db.log_group_mut(&name) {
                Some(group) => {
                    group.retention_days = Some(days);
                    json11(&json!({}))
                }
                None => missing_group(),
            }
        }
        "DeleteRetentionPolicy" => match db.log_group_mut(&name) {
            Some(group) => {
                group.retention_days = None;
                json11(&json!({}))
            }
            None => missing_group(),
        },
        "DescribeLogGroups" => {
            let prefix = body["logGroupNamePrefix"].as_str().unwrap_or_default();
            let groups: Vec<Value> = db
                .log_groups()
                .filter(|g| g.name.starts_with(prefix))
                .map(|g| {
                    let mut value = json!({
                        "logGroupName": g.name,
                        "creationTime": g.created,
                        "metricFilterCount": 0,
                        "arn": format!("{}:*", g.arn()),
                        "logGroupArn": g.arn(),
                        "storedBytes": g.bytes,
                    });
                    if let Some(days) = g.retention_days {
                        value["retentionInDays"] = json!(days);
                    }
                    value
                })
                .collect();
            json11(&json!({ "logGroups": groups }))
        }
        "CreateLogStream" => {
            let stream = body["logStreamName"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            let Some(group) = db.log_group_mut(&name) else {
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
            let Some(group) = db.log_group(&name) else {
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
            let limit = body["limit"].as_u64().unwrap_or(50) as usize;
            let streams: Vec<Value> = streams
                .into_iter()
                .take(limit)
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
            json11(&json!({ "logStreams": streams }))
        }
        "PutLogEvents" => {
            let stream = body["logStreamName"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            let Some(group) = db.log_group(&name) else {
                return missing_group();
            };
            if !group.streams.contains_key(&stream) {
                return json11_error(
                    "ResourceNotFoundException",
                    "The specified log stream does not exist.",
                );
            }
            let region = group.region.clone();
            for event in body["logEvents"].as_array().cloned().unwrap_or_default() {
                let timestamp = event["timestamp"].as_i64().unwrap_or_else(now_ms);
                let message = event["message"].as_str().unwrap_or_default().to_string();
                db.append_log(&name, &region, &stream, timestamp, message);
            }
            json11(&json!({ "nextSequenceToken": "1" }))
        }
        "GetLogEvents" => {
            let stream = body["logStreamName"].as_str().unwrap_or_default();
            let Some(group) = db.log_group(&name) else {
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
        "ListTagsLogGroup" => match db.log_group(&name) {
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
    if operation != "FilterLogEvents" {
        return handle(&mut cloud.db(), operation, region, &body);
    }
    let candidates = {
        let mut db = cloud.db();
        let name = body["logGroupName"].as_str().unwrap_or_default();
        match db.log_group_mut(name) {
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

fn filter_log_events(candidates: Vec<(Arc<str>, LogEvent)>, body: &Value) -> Response {
    // A token is one this server gave out; anything else is refused, as AWS refuses it.
    let offset: usize = match body["nextToken"].as_str() {
        None => 0,
        Some(token) => match token.strip_prefix("faqctl-").and_then(|t| t.parse().ok()) {
            Some(offset) => offset,
            None => {
                return json11_error(
                    "InvalidParameterException",
                    "The specified nextToken is invalid.",
                )
            }
        },
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
        response["nextToken"] = json!(format!("faqctl-{}", offset + limit));
    }
    json11(&response)
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
