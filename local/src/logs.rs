//! CloudWatch Logs (awsJson1.1, `X-Amz-Target: Logs_20140328.<Operation>`): log groups with
//! retention and tags, streams, events, FilterLogEvents with a time range, simple filter
//! patterns and nextToken paging, and Live Tail (`StartLiveTail`): events streamed as they are
//! ingested, in AWS's event-stream framing (`application/vnd.amazon.eventstream`).

use axum::response::Response;
use serde::Serialize;
use serde_json::Value;

use std::sync::Arc;

use super::clock::now_ms;
use super::error::{AwsError, Protocol};
use super::filter_pattern::FilterPattern;
use super::log_common::{invalid, page_of, Answer};
use super::log_policies;
use super::log_queries;
use super::log_tags;
use super::metric_filters;
pub use super::shapes::logs::Operation;
use super::shapes::logs::{
    CreateLogGroupRequest, CreateLogStreamRequest, DeleteLogGroupRequest, DeleteLogStreamRequest,
    DeleteRetentionPolicyRequest, DescribeLogGroupsRequest, DescribeLogGroupsResponse,
    DescribeLogStreamsRequest, DescribeLogStreamsResponse, ErrorCode, FilterLogEventsRequest,
    FilterLogEventsResponse, FilteredLogEvent, GetLogEventsRequest, GetLogEventsResponse,
    InputLogEvent, ListTagsLogGroupRequest, ListTagsLogGroupResponse, LogGroup as LogGroupShape,
    LogGroupClass, LogStream as LogStreamShape, OrderBy, OutputLogEvent, PutLogEventsRequest,
    PutLogEventsResponse, PutRetentionPolicyRequest, RejectedLogEventsInfo, Request,
};
use super::state::{Db, LogEvent, LogGroup, LogStream};
use super::subscription_filters;
use super::wire;
use super::Cloud;

/// Events per FilterLogEvents page when the caller gives no limit (AWS: up to 10,000 / 1 MB).
const PAGE: usize = 10_000;

/// The operation of an awsJson1.1 request (`X-Amz-Target: Logs_20140328.<Operation>`), parsed
/// once: `None` when it is not one the local cloud emulates.
pub fn operation(target: Option<&str>) -> Option<Operation> {
    target
        .and_then(|t| t.strip_prefix("Logs_20140328."))
        .and_then(Operation::from_name)
}

/// The largest request taken: twice PutLogEvents' 1,048,576-byte batch, leaving room for
/// the JSON around the messages.
pub const MAX_REQUEST_BYTES: usize = 2 * 1024 * 1024;

/// Whether an operation changes state (and so the state is saved after it).
pub fn writes(operation: Operation) -> bool {
    !matches!(
        operation,
        Operation::DescribeLogGroups
            | Operation::DescribeLogStreams
            | Operation::GetLogEvents
            | Operation::FilterLogEvents
            | Operation::ListTagsLogGroup
            | Operation::StartLiveTail
            | Operation::DescribeMetricFilters
            | Operation::DescribeSubscriptionFilters
            | Operation::ListTagsForResource
            | Operation::DescribeResourcePolicies
            | Operation::GetQueryResults
            | Operation::DescribeQueries
    )
}

/// An error of CloudWatch Logs, as it answers it.
pub fn error(code: ErrorCode, message: &str) -> Response {
    wire::error(Protocol::AwsJson11, &AwsError::new(code, message))
}

/// Serves an operation: its body parsed into the operation's typed input, then one function
/// per operation. FilterLogEvents takes its events under the lock (cheaply: messages are
/// shared) and matches, sorts and pages them on a blocking thread, after releasing it: a search
/// over a full log group stalls neither the other requests nor the async workers. StartLiveTail
/// answers an event stream.
pub async fn apply(
    cloud: &Arc<Cloud>,
    operation: Operation,
    region: &str,
    body: Value,
) -> Response {
    let request = match Request::parse(operation, body) {
        Ok(request) => request,
        Err(e) => return wire::error(Protocol::AwsJson11, &e),
    };
    let answer = match request {
        Request::StartLiveTail(input) => return live_tail::start(cloud, region, input),
        Request::FilterLogEvents(input) => filter_log_events(cloud, region, input).await,
        Request::StartQuery(input) => log_queries::start_query(cloud, region, input)
            .await
            .map(json),
        Request::PutLogEvents(input) => put_log_events_delivering(cloud, region, input),
        request => serve(&mut cloud.db(), region, request),
    };
    match answer {
        Ok(output) => wire::json11(&output),
        Err(refusal) => wire::error(Protocol::AwsJson11, &refusal),
    }
}

/// Every operation that answers at once, under the lock.
fn serve(db: &mut Db, region: &str, request: Request) -> Answer<Value> {
    match request {
        Request::CreateLogGroup(input) => create_log_group(db, region, input).map(empty),
        Request::DeleteLogGroup(input) => delete_log_group(db, region, input).map(empty),
        Request::PutRetentionPolicy(input) => put_retention_policy(db, region, input).map(empty),
        Request::DeleteRetentionPolicy(input) => {
            delete_retention_policy(db, region, input).map(empty)
        }
        Request::DescribeLogGroups(input) => describe_log_groups(db, region, input).map(json),
        Request::CreateLogStream(input) => create_log_stream(db, region, input).map(empty),
        Request::DescribeLogStreams(input) => describe_log_streams(db, region, input).map(json),
        Request::DeleteLogStream(input) => delete_log_stream(db, region, input).map(empty),
        Request::PutResourcePolicy(input) => {
            log_policies::put_resource_policy(db, region, input).map(json)
        }
        Request::DescribeResourcePolicies(input) => {
            log_policies::describe_resource_policies(db, region, input).map(json)
        }
        Request::DeleteResourcePolicy(input) => {
            log_policies::delete_resource_policy(db, region, input).map(empty)
        }
        Request::GetLogEvents(input) => get_log_events(db, region, input).map(json),
        Request::ListTagsLogGroup(input) => list_tags_log_group(db, region, input).map(json),
        Request::PutMetricFilter(input) => {
            metric_filters::put_metric_filter(db, region, input).map(empty)
        }
        Request::DescribeMetricFilters(input) => {
            metric_filters::describe_metric_filters(db, region, input).map(json)
        }
        Request::DeleteMetricFilter(input) => {
            metric_filters::delete_metric_filter(db, region, input).map(empty)
        }
        Request::TagLogGroup(input) => log_tags::tag_log_group(db, region, input).map(empty),
        Request::UntagLogGroup(input) => log_tags::untag_log_group(db, region, input).map(empty),
        Request::TagResource(input) => log_tags::tag_resource(db, region, input).map(empty),
        Request::UntagResource(input) => log_tags::untag_resource(db, region, input).map(empty),
        Request::ListTagsForResource(input) => {
            log_tags::list_tags_for_resource(db, region, input).map(json)
        }
        Request::PutSubscriptionFilter(input) => {
            subscription_filters::put_subscription_filter(db, region, input).map(empty)
        }
        Request::DescribeSubscriptionFilters(input) => {
            subscription_filters::describe_subscription_filters(db, region, input).map(json)
        }
        Request::DeleteSubscriptionFilter(input) => {
            subscription_filters::delete_subscription_filter(db, region, input).map(empty)
        }
        Request::GetQueryResults(input) => {
            log_queries::get_query_results(db, region, input).map(json)
        }
        Request::DescribeQueries(input) => {
            log_queries::describe_queries(db, region, input).map(json)
        }
        Request::StopQuery(input) => log_queries::stop_query(db, region, input).map(json),
        // Served by `apply` itself (off the lock, or PutLogEvents with its deliveries).
        Request::FilterLogEvents(_)
        | Request::StartLiveTail(_)
        | Request::StartQuery(_)
        | Request::PutLogEvents(_) => Err(AwsError::new(
            ErrorCode::InternalFailure,
            "served outside the lock",
        )),
    }
}

fn json<T: Serialize>(output: T) -> Value {
    // A generated output shape is plain data: it always serializes.
    serde_json::to_value(output).unwrap_or_default()
}

fn empty(_: ()) -> Value {
    Value::Object(Default::default())
}

fn missing_group() -> AwsError {
    AwsError::new(
        ErrorCode::ResourceNotFoundException,
        "The specified log group does not exist.",
    )
}

fn missing_stream() -> AwsError {
    AwsError::new(
        ErrorCode::ResourceNotFoundException,
        "The specified log stream does not exist.",
    )
}

/// The log group an operation names, by `logGroupName` or by `logGroupIdentifier` (its name
/// or its ARN, with or without the `:*` DescribeLogGroups writes), never both.
fn group_name(name: Option<String>, identifier: Option<String>) -> Answer<String> {
    match (name, identifier) {
        // Recorded: test_describe_log_streams_with_log_group_identifier.
        (Some(_), Some(_)) => Err(AwsError::new(
            ErrorCode::ValidationException,
            "LogGroup name and LogGroup ARN are mutually exclusive parameters.",
        )),
        (Some(name), None) => Ok(name),
        (None, Some(identifier)) => Ok(match identifier.split_once(":log-group:") {
            Some((_, name)) => name.trim_end_matches(":*").to_string(),
            None => identifier,
        }),
        (None, None) => Err(invalid(
            "Either logGroupName or logGroupIdentifier must be given.",
        )),
    }
}

/// A log group, with what its retention no longer keeps gone: nothing older is ever read.
fn group_mut<'a>(db: &'a mut Db, region: &str, name: &str) -> Answer<&'a mut LogGroup> {
    let group = db.log_group_mut(region, name).ok_or_else(missing_group)?;
    group.expire(now_ms());
    Ok(group)
}

fn create_log_group(db: &mut Db, region: &str, input: CreateLogGroupRequest) -> Answer<()> {
    let name = input.log_group_name;
    if db.log_group(region, &name).is_some() {
        return Err(AwsError::new(
            ErrorCode::ResourceAlreadyExistsException,
            "The specified log group already exists",
        ));
    }
    let mut group = LogGroup::new(&name, region);
    group.tags = input.tags.unwrap_or_default();
    db.insert_log_group(group);
    Ok(())
}

fn delete_log_group(db: &mut Db, region: &str, input: DeleteLogGroupRequest) -> Answer<()> {
    db.remove_log_group(region, &input.log_group_name)
        .map(drop)
        .ok_or_else(missing_group)
}

fn put_retention_policy(db: &mut Db, region: &str, input: PutRetentionPolicyRequest) -> Answer<()> {
    let days = i64::from(input.retention_in_days);
    // The days CloudWatch Logs offers (its documentation; the model types them as any integer).
    const ALLOWED: [i64; 22] = [
        1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557,
        2922, 3288, 3653,
    ];
    if !ALLOWED.contains(&days) {
        return Err(invalid(format!("1 validation error detected: Value '{days}' at 'retentionInDays' failed to satisfy constraint: Member must satisfy enum value set: {ALLOWED:?}")));
    }
    group_mut(db, region, &input.log_group_name)?.retention_days = Some(days);
    Ok(())
}

fn delete_retention_policy(
    db: &mut Db,
    region: &str,
    input: DeleteRetentionPolicyRequest,
) -> Answer<()> {
    group_mut(db, region, &input.log_group_name)?.retention_days = None;
    Ok(())
}

fn describe_log_groups(
    db: &mut Db,
    region: &str,
    input: DescribeLogGroupsRequest,
) -> Answer<DescribeLogGroupsResponse> {
    if input.log_group_name_prefix.is_some() && input.log_group_name_pattern.is_some() {
        // Recorded: test_describe_log_groups_prefix_and_pattern_error.
        return Err(invalid(
            "LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters.",
        ));
    }
    let prefix = input.log_group_name_prefix.unwrap_or_default();
    // A case-sensitive substring search (the API reference; recorded:
    // test_describe_log_groups_with_pattern). Every local group is of the STANDARD class.
    let pattern = input.log_group_name_pattern.unwrap_or_default();
    let class_wanted = input
        .log_group_class
        .is_none_or(|class| class == LogGroupClass::Standard);
    let groups: Vec<LogGroupShape> = db
        .log_groups(region)
        .filter(|g| class_wanted && g.name.starts_with(&prefix) && g.name.contains(&pattern))
        .map(|g| LogGroupShape {
            log_group_name: Some(g.name.clone()),
            creation_time: Some(g.created),
            metric_filter_count: Some(0),
            arn: Some(format!("{}:*", g.arn())),
            log_group_arn: Some(g.arn()),
            stored_bytes: Some(g.bytes as i64),
            retention_in_days: g.retention_days.map(|days| days as i32),
            // Recorded (test_describe_log_groups_with_prefix, 2026): every group has a class
            // and says whether it is protected from deletion.
            log_group_class: Some(LogGroupClass::Standard),
            deletion_protection_enabled: Some(false),
            ..Default::default()
        })
        .collect();
    let (groups, next_token) = page_of(groups, input.next_token.as_deref(), input.limit)?;
    Ok(DescribeLogGroupsResponse {
        log_groups: Some(groups),
        next_token,
    })
}

fn create_log_stream(db: &mut Db, region: &str, input: CreateLogStreamRequest) -> Answer<()> {
    let group = group_mut(db, region, &input.log_group_name)?;
    let stream = input.log_stream_name;
    if group.streams.contains_key(&stream) {
        return Err(AwsError::new(
            ErrorCode::ResourceAlreadyExistsException,
            "The specified log stream already exists",
        ));
    }
    group.streams.insert(
        stream.clone(),
        LogStream {
            name: stream,
            created: now_ms(),
            events: Vec::new(),
        },
    );
    Ok(())
}

/// Recorded: test_create_and_delete_log_stream (the stream is no longer described).
fn delete_log_stream(db: &mut Db, region: &str, input: DeleteLogStreamRequest) -> Answer<()> {
    let (name, stream) = (input.log_group_name, input.log_stream_name);
    group_mut(db, region, &name)?;
    db.remove_log_stream(region, &name, &stream)
        .map(drop)
        .ok_or_else(missing_stream)
}

fn describe_log_streams(
    db: &mut Db,
    region: &str,
    input: DescribeLogStreamsRequest,
) -> Answer<DescribeLogStreamsResponse> {
    let name = group_name(input.log_group_name, input.log_group_identifier)?;
    let group = group_mut(db, region, &name)?;
    let prefix = input.log_stream_name_prefix.unwrap_or_default();
    let mut streams: Vec<&LogStream> = group
        .streams
        .values()
        .filter(|s| s.name.starts_with(&prefix))
        .collect();
    if input.order_by == Some(OrderBy::LastEventTime) {
        streams.sort_by_key(|s| s.events.last().map(|e| e.timestamp).unwrap_or(s.created));
    }
    if input.descending == Some(true) {
        streams.reverse();
    }
    let streams: Vec<LogStreamShape> = streams
        .into_iter()
        .map(|s| LogStreamShape {
            log_stream_name: Some(s.name.clone()),
            creation_time: Some(s.created),
            first_event_timestamp: s.events.first().map(|e| e.timestamp),
            last_event_timestamp: s.events.last().map(|e| e.timestamp),
            last_ingestion_time: s.events.last().map(|e| e.ingestion_time),
            arn: Some(format!("{}:log-stream:{}", group.arn(), s.name)),
            stored_bytes: Some(0),
            ..Default::default()
        })
        .collect();
    let (streams, next_token) = page_of(streams, input.next_token.as_deref(), input.limit)?;
    Ok(DescribeLogStreamsResponse {
        log_streams: Some(streams),
        next_token,
    })
}

/// PutLogEvents, then the events each subscription filter with a Lambda destination matched,
/// sent to its function as CloudWatch Logs sends them: an asynchronous invocation with
/// `{"awslogs": {"data": …}}`, the gzipped, base64-encoded DATA_MESSAGE (the developer guide's
/// "Subscription filters with AWS Lambda"; recorded: test_put_subscription_filter_lambda).
fn put_log_events_delivering(
    cloud: &Arc<Cloud>,
    region: &str,
    input: PutLogEventsRequest,
) -> Answer<Value> {
    let (answer, deliveries) = {
        let mut db = cloud.db();
        // Only a group with subscription filters pays for them.
        let subscribed = db
            .log_group(region, &input.log_group_name)
            .is_some_and(|g| !g.subscription_filters.is_empty());
        if !subscribed {
            return put_log_events(&mut db, region, input).map(json);
        }
        let (group, stream) = (input.log_group_name.clone(), input.log_stream_name.clone());
        let newest = |db: &Db| {
            let events = &db.log_group(region, &group)?.streams.get(&stream)?.events;
            events.last().map(|e| e.id)
        };
        let before = newest(&db);
        let answer = put_log_events(&mut db, region, input)?;
        let deliveries = subscription_filters::deliveries(&db, region, &group, &stream, before);
        (answer, deliveries)
    };
    // Compressed and sent off the lock.
    for (function, message) in deliveries {
        let payload = subscription_filters::awslogs_payload(&message);
        super::lambda::queue_event(cloud, function, payload);
    }
    Ok(json(answer))
}

fn put_log_events(
    db: &mut Db,
    region: &str,
    input: PutLogEventsRequest,
) -> Answer<PutLogEventsResponse> {
    let (name, stream) = (input.log_group_name, input.log_stream_name);
    let group = group_mut(db, region, &name)?;
    if !group.streams.contains_key(&stream) {
        return Err(missing_stream());
    }
    if input
        .log_events
        .windows(2)
        .any(|pair| pair[1].timestamp < pair[0].timestamp)
    {
        // Recorded: test_put_log_events_wrong_order.
        return Err(invalid(
            "Log events in a single PutLogEvents request must be in chronological order.",
        ));
    }
    let span = match (input.log_events.first(), input.log_events.last()) {
        (Some(first), Some(last)) => last.timestamp - first.timestamp,
        _ => 0,
    };
    if span > DAY_MS {
        // The API reference: "A batch of log events in a single request cannot span more than
        // 24 hours. Otherwise, the operation fails."
        return Err(invalid(
            "The batch of log events in a single PutLogEvents request cannot span more than 24 hours.",
        ));
    }
    let (kept, rejected) = admitted(&input.log_events, now_ms(), group.retention_days);
    let region = group.region.clone();
    for event in input.log_events.into_iter().take(kept.end).skip(kept.start) {
        db.append_log(&name, &region, &stream, event.timestamp, event.message);
    }
    Ok(PutLogEventsResponse {
        next_sequence_token: Some("1".into()),
        rejected_log_events_info: rejected,
        ..Default::default()
    })
}

const DAY_MS: i64 = 24 * 3600 * 1000;

/// Which events of a (chronological) batch are stored, and what is said of the others, as the
/// API reference says: none more than 2 hours in the future (`tooNewLogEventStartIndex`, the
/// first of them), none more than 14 days in the past (`tooOldLogEventEndIndex`, one past the
/// last of them) nor older than the group's retention (`expiredLogEventEndIndex`, likewise).
/// Recorded: test_put_log_events_too_old, test_put_log_events_too_new.
fn admitted(
    events: &[InputLogEvent],
    now: i64,
    retention_days: Option<i64>,
) -> (std::ops::Range<usize>, Option<RejectedLogEventsInfo>) {
    let count_before = |cutoff: i64| events.iter().take_while(|e| e.timestamp < cutoff).count();
    let too_old = count_before(now - 14 * DAY_MS);
    let expired = retention_days.map_or(0, |days| count_before(now - days * DAY_MS));
    let too_new = events
        .iter()
        .position(|e| e.timestamp > now + 2 * 3600 * 1000)
        .unwrap_or(events.len());
    let rejected = RejectedLogEventsInfo {
        too_old_log_event_end_index: (too_old > 0).then_some(too_old as i32),
        expired_log_event_end_index: (expired > too_old).then_some(expired as i32),
        too_new_log_event_start_index: (too_new < events.len()).then_some(too_new as i32),
    };
    let first = too_old.max(expired).min(too_new);
    let said = rejected != RejectedLogEventsInfo::default();
    (first..too_new, said.then_some(rejected))
}

fn get_log_events(
    db: &mut Db,
    region: &str,
    input: GetLogEventsRequest,
) -> Answer<GetLogEventsResponse> {
    let name = group_name(input.log_group_name, input.log_group_identifier)?;
    let group = group_mut(db, region, &name)?;
    let stream = group
        .streams
        .get(&input.log_stream_name)
        .ok_or_else(missing_stream)?;
    let start = input.start_time.unwrap_or(i64::MIN);
    let end = input.end_time.unwrap_or(i64::MAX);
    let events: Vec<&LogEvent> = stream
        .events
        .iter()
        .filter(|e| e.timestamp >= start && e.timestamp < end)
        .collect();
    let (from, to) = log_events_window(
        events.len(),
        input.next_token.as_deref(),
        input.limit,
        input.start_from_head.unwrap_or(false),
    )?;
    let events = events[from..to]
        .iter()
        .map(|e| OutputLogEvent {
            timestamp: Some(e.timestamp),
            message: Some(e.message.to_string()),
            ingestion_time: Some(e.ingestion_time),
        })
        .collect();
    Ok(GetLogEventsResponse {
        events: Some(events),
        next_forward_token: Some(format!("f/{to:056}")),
        next_backward_token: Some(format!("b/{from:056}")),
    })
}

/// The slice of a stream's `len` events one GetLogEvents page holds, as the API reference
/// says: at most `limit` (default and maximum 10,000); without a token, the newest events, or
/// the oldest with `startFromHead`; `f/N` the page after event N, `b/N` the page before it. At
/// the end, the forward token is the one given (AWS: "the same token you passed in"). A token
/// this server did not give out is refused (recorded: test_get_log_events_invalid_token).
fn log_events_window(
    len: usize,
    token: Option<&str>,
    limit: Option<i32>,
    start_from_head: bool,
) -> Answer<(usize, usize)> {
    let limit = limit.map_or(PAGE, |l| l.max(1) as usize).min(PAGE);
    let at = |digits: &str| digits.parse::<usize>().ok().filter(|at| *at <= len);
    let bad_token = || invalid("The specified nextToken is invalid.");
    Ok(match token {
        None if start_from_head => (0, limit.min(len)),
        None => (len.saturating_sub(limit), len),
        Some(token) => match token.split_at_checked(2) {
            Some(("f/", digits)) => {
                let from = at(digits).ok_or_else(bad_token)?;
                (from, from.saturating_add(limit).min(len))
            }
            Some(("b/", digits)) => {
                let to = at(digits).ok_or_else(bad_token)?;
                (to.saturating_sub(limit), to)
            }
            _ => return Err(bad_token()),
        },
    })
}

fn list_tags_log_group(
    db: &mut Db,
    region: &str,
    input: ListTagsLogGroupRequest,
) -> Answer<ListTagsLogGroupResponse> {
    let group = group_mut(db, region, &input.log_group_name)?;
    Ok(ListTagsLogGroupResponse {
        tags: Some(group.tags.clone()),
    })
}

async fn filter_log_events(
    cloud: &Cloud,
    region: &str,
    input: FilterLogEventsRequest,
) -> Answer<Value> {
    let name = group_name(
        input.log_group_name.clone(),
        input.log_group_identifier.clone(),
    )?;
    let candidates = {
        let mut db = cloud.db();
        candidates(group_mut(&mut db, region, &name)?, &input)
    };
    tokio::task::spawn_blocking(move || search(candidates, input).map(json))
        .await
        .unwrap_or_else(|_| {
            Err(AwsError::new(
                ErrorCode::ServiceUnavailableException,
                "the search failed",
            ))
        })
}

/// The events of the streams and time range asked for, with their stream's name.
fn candidates(group: &LogGroup, input: &FilterLogEventsRequest) -> Vec<(Arc<str>, LogEvent)> {
    let start = input.start_time.unwrap_or(i64::MIN);
    let end = input.end_time.unwrap_or(i64::MAX);
    let wanted_streams = input.log_stream_names.as_ref();
    let prefix = input.log_stream_name_prefix.as_deref().unwrap_or_default();
    let mut events = Vec::new();
    for stream in group.streams.values() {
        let wanted = stream.name.starts_with(prefix)
            && wanted_streams.is_none_or(|names| names.contains(&stream.name));
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

fn search(
    candidates: Vec<(Arc<str>, LogEvent)>,
    input: FilterLogEventsRequest,
) -> Answer<FilterLogEventsResponse> {
    // A token is one this server gave out; anything else is refused, as AWS refuses it.
    let offset = super::paging::offset(input.next_token.as_deref(), usize::MAX)
        .map_err(|()| invalid("The specified nextToken is invalid."))?;
    let pattern = FilterPattern::parse(input.filter_pattern.as_deref().unwrap_or_default());
    let mut events: Vec<(Arc<str>, LogEvent)> = candidates
        .into_iter()
        .filter(|(_, e)| pattern.matches(&e.message))
        .collect();
    events.sort_by_key(|(_, e)| (e.timestamp, e.id));
    let limit = input
        .limit
        .map_or(PAGE, |l| l.max(1) as usize)
        .clamp(1, PAGE);
    let page = events
        .iter()
        .skip(offset)
        .take(limit)
        .map(|(stream, e)| FilteredLogEvent {
            log_stream_name: Some(stream.to_string()),
            timestamp: Some(e.timestamp),
            message: Some(e.message.to_string()),
            ingestion_time: Some(e.ingestion_time),
            event_id: Some(format!("{:020}{:016}", e.timestamp.max(0), e.id)),
        })
        .collect();
    Ok(FilterLogEventsResponse {
        events: Some(page),
        searched_log_streams: Some(Vec::new()),
        next_token: (offset + limit < events.len()).then(|| super::paging::token(offset + limit)),
    })
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

    use super::super::arns::{account, partition};
    use super::super::error::{AwsError, Protocol};
    use super::super::shapes::logs::{
        ErrorCode, LiveTailSessionLogEvent, LiveTailSessionMetadata, LiveTailSessionStart,
        LiveTailSessionUpdate, StartLiveTailRequest,
    };
    use super::super::state::LiveEvent;
    use super::super::wire;
    use super::super::Cloud;
    use super::{invalid, FilterPattern};

    /// Events per `sessionUpdate` at most (AWS: 500 a second, then sampling).
    const BATCH: usize = 500;
    /// How often an idle session is told it is still alive.
    const HEARTBEAT: Duration = Duration::from_secs(1);

    pub fn start(cloud: &Cloud, region: &str, input: StartLiveTailRequest) -> Response {
        match session(cloud, region, input) {
            Ok((session, start)) => stream(cloud, session, start),
            Err(refusal) => wire::error(Protocol::AwsJson11, &refusal),
        }
    }

    /// The session asked for, and its `sessionStart` event; or why there is none.
    fn session(
        cloud: &Cloud,
        region: &str,
        input: StartLiveTailRequest,
    ) -> Result<(Session, LiveTailSessionStart), AwsError> {
        let identifiers = input.log_group_identifiers;
        // Live Tail takes log groups by ARN (without the `:*` of DescribeLogGroups' `arn`).
        let prefix = format!(
            "arn:{}:logs:{region}:{}:log-group:",
            partition(region).0,
            account()
        );
        let mut groups: HashMap<String, String> = HashMap::new();
        {
            let db = cloud.db();
            for identifier in &identifiers {
                let Some(name) = identifier.strip_prefix(&prefix) else {
                    return Err(invalid(format!("{identifier} is not a log group ARN of this account and region: Live Tail takes log groups by ARN ({prefix}NAME)")));
                };
                if name.ends_with('*') || db.log_group(region, name).is_none() {
                    return Err(AwsError::new(
                        ErrorCode::ResourceNotFoundException,
                        format!("The specified log group does not exist: {identifier}"),
                    ));
                }
                groups.insert(name.to_string(), identifier.clone());
            }
        }
        let streams = input.log_stream_names.unwrap_or_default();
        let stream_prefixes = input.log_stream_name_prefixes.unwrap_or_default();
        if (!streams.is_empty() || !stream_prefixes.is_empty()) && identifiers.len() != 1 {
            return Err(invalid(
                "logStreamNames and logStreamNamePrefixes need exactly one log group",
            ));
        }
        let pattern_text = input.log_event_filter_pattern.unwrap_or_default();
        let start = LiveTailSessionStart {
            request_id: Some(uuid()),
            session_id: Some(uuid()),
            log_group_identifiers: Some(identifiers),
            log_event_filter_pattern: Some(pattern_text.clone()),
            log_stream_names: (!streams.is_empty()).then(|| streams.clone()),
            log_stream_name_prefixes: (!stream_prefixes.is_empty())
                .then(|| stream_prefixes.clone()),
        };
        let session = Session {
            region: region.to_string(),
            groups,
            streams,
            stream_prefixes,
            pattern: FilterPattern::parse(&pattern_text),
        };
        Ok((session, start))
    }

    /// The answer: an event stream fed by a task that lives as long as the session.
    fn stream(cloud: &Cloud, session: Session, start: LiveTailSessionStart) -> Response {
        // Subscribed before answering: nothing ingested after the answer is missed.
        let mut feed = cloud.db().subscribe_live();
        let mut closing = cloud.closing.subscribe();
        let limit = cloud.live_tail_limit;
        let (frames, out) = tokio::sync::mpsc::channel::<Bytes>(16);
        cloud.tasks.spawn(async move {
            // First the stream's `initial-response` (the operation's other output members:
            // none), as every AWS event stream opens; botocore refuses a stream without it
            // ("First event was not of type initial-response"), the Rust SDK takes either.
            let opening = [
                ("initial-response", json!({})),
                ("sessionStart", super::json(start)),
            ];
            for (kind, payload) in opening {
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
                let update = LiveTailSessionUpdate {
                    session_metadata: Some(LiveTailSessionMetadata {
                        sampled: Some(sampled),
                    }),
                    session_results: Some(results),
                };
                if frames
                    .send(event("sessionUpdate", &super::json(update)))
                    .await
                    .is_err()
                {
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
            .unwrap_or_else(|_| {
                super::error(ErrorCode::ServiceUnavailableException, "cannot stream")
            })
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
        fn keep(&self, live: &LiveEvent, results: &mut Vec<LiveTailSessionLogEvent>) {
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
            results.push(LiveTailSessionLogEvent {
                log_group_identifier: Some(identifier.clone()),
                log_stream_name: Some(live.stream.to_string()),
                message: Some(live.message.to_string()),
                timestamp: Some(live.timestamp),
                ingestion_time: Some(live.ingestion_time),
            });
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The generated types read and write an answer recorded on AWS member for member
    /// (test_describe_log_groups_with_prefix, its placeholders filled): names, presence, types.
    #[test]
    fn generated_shapes_round_trip_an_answer_recorded_on_aws() {
        let recorded = serde_json::json!({"logGroups": [{
            "arn": "arn:aws:logs:us-east-1:111111111111:log-group:g:*",
            "creationTime": 1_770_000_000_000_i64,
            "deletionProtectionEnabled": false,
            "logGroupArn": "arn:aws:logs:us-east-1:111111111111:log-group:g",
            "logGroupClass": "STANDARD",
            "logGroupName": "g",
            "metricFilterCount": 0,
            "storedBytes": 0
        }]});
        let typed: DescribeLogGroupsResponse = serde_json::from_value(recorded.clone()).unwrap();
        assert_eq!(
            typed.log_groups.as_ref().unwrap()[0].log_group_class,
            Some(LogGroupClass::Standard)
        );
        assert_eq!(serde_json::to_value(&typed).unwrap(), recorded);
        // An unset member is absent, as AWS leaves it out, never null.
        let empty = serde_json::to_string(&DescribeLogStreamsResponse::default()).unwrap();
        assert_eq!(empty, "{}");
    }

    #[test]
    fn events_too_old_expired_or_too_new_are_left_out_and_said() {
        let now = 1_800_000_000_000_i64;
        let at = |timestamps: &[i64]| -> Vec<InputLogEvent> {
            timestamps
                .iter()
                .map(|t| InputLogEvent {
                    timestamp: *t,
                    message: "m".into(),
                })
                .collect()
        };
        // Recorded: one event 30 days old, one a day ahead.
        let (kept, said) = admitted(&at(&[now - 30 * DAY_MS]), now, None);
        assert_eq!(kept.len(), 0);
        assert_eq!(said.unwrap().too_old_log_event_end_index, Some(1));
        let (kept, said) = admitted(&at(&[now + DAY_MS]), now, None);
        assert_eq!(kept.len(), 0);
        assert_eq!(said.unwrap().too_new_log_event_start_index, Some(0));
        // Mixed: 20 days old, 5 days old under a 3-day retention, now, 3 hours ahead.
        let batch = at(&[
            now - 20 * DAY_MS,
            now - 5 * DAY_MS,
            now,
            now + 3 * 3600 * 1000,
        ]);
        let (kept, said) = admitted(&batch, now, Some(3));
        assert_eq!(kept, 2..3);
        assert_eq!(
            said,
            Some(RejectedLogEventsInfo {
                too_old_log_event_end_index: Some(1),
                expired_log_event_end_index: Some(2),
                too_new_log_event_start_index: Some(3),
            })
        );
        // Within bounds: all kept, nothing said.
        assert_eq!(admitted(&at(&[now - DAY_MS, now]), now, None), (0..2, None));
    }

    #[test]
    fn get_log_events_pages_from_the_tail_or_the_head_with_its_tokens() {
        // Newest first page by default, oldest with startFromHead.
        assert_eq!(log_events_window(25, None, Some(10), false), Ok((15, 25)));
        assert_eq!(log_events_window(25, None, Some(10), true), Ok((0, 10)));
        let f = |n: usize| format!("f/{n:056}");
        let b = |n: usize| format!("b/{n:056}");
        assert_eq!(
            log_events_window(25, Some(&f(10)), Some(10), true),
            Ok((10, 20))
        );
        assert_eq!(
            log_events_window(25, Some(&f(20)), Some(10), true),
            Ok((20, 25))
        );
        // At the end the page is empty and its forward token the one given.
        assert_eq!(
            log_events_window(25, Some(&f(25)), Some(10), true),
            Ok((25, 25))
        );
        assert_eq!(
            log_events_window(25, Some(&b(15)), Some(10), false),
            Ok((5, 15))
        );
        for bad in ["invalid-token", "f/26", "x/1", "f/", ""] {
            assert_eq!(
                log_events_window(25, Some(bad), None, false)
                    .unwrap_err()
                    .message,
                "The specified nextToken is invalid.",
                "{bad}"
            );
        }
    }

    #[test]
    fn a_group_is_named_by_name_or_by_identifier_never_both() {
        let some = |s: &str| Some(s.to_string());
        assert_eq!(group_name(some("g"), None), Ok("g".into()));
        assert_eq!(group_name(None, some("g")), Ok("g".into()));
        let arn = "arn:aws:logs:us-east-1:000000000000:log-group:/aws/lambda/FAQ";
        assert_eq!(group_name(None, some(arn)), Ok("/aws/lambda/FAQ".into()));
        assert_eq!(
            group_name(None, Some(format!("{arn}:*"))),
            Ok("/aws/lambda/FAQ".into())
        );
        assert!(group_name(some("g"), some("g")).is_err());
        assert!(group_name(None, None).is_err());
    }

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
