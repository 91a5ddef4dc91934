//! Logs Insights queries: StartQuery runs the query (`log_insights`) for real over the events
//! of its log groups and time range (read under the lock, searched after releasing it, as
//! FilterLogEvents is) and keeps what it found; GetQueryResults answers it, DescribeQueries
//! lists the queries (newest first), StopQuery stops one still running. A query is Complete by
//! the time StartQuery answers (the local cloud's timing settles at once), so DescribeQueries
//! finds none Scheduled or Running (recorded: test_describe_queries_with_status_filter).

use std::sync::Arc;

use super::arns::account;
use super::clock::now_ms;
use super::error::AwsError;
use super::ids::new_request_id;
use super::log_common::{invalid, Answer};
use super::log_insights::{self, Event};
use super::shapes::logs::{
    DescribeQueriesRequest, DescribeQueriesResponse, ErrorCode, GetQueryResultsRequest,
    GetQueryResultsResponse, QueryInfo, QueryLanguage, QueryStatistics, QueryStatus, ResultField,
    StartQueryRequest, StartQueryResponse, StopQueryRequest, StopQueryResponse,
};
use super::state::{Db, LogEvent, LogQuery};
use super::Cloud;

/// Queries a region remembers, in memory (the oldest are forgotten first): up to 10,000 rows
/// each.
const KEPT: usize = 100;
/// Rows a query answers when it gives no `limit` (the API reference: 10,000).
const DEFAULT_LIMIT: usize = 10_000;

/// The log groups a StartQuery names: by `logGroupName`, `logGroupNames` or
/// `logGroupIdentifiers` (names or ARNs), exactly one of them.
fn groups(input: &StartQueryRequest) -> Answer<Vec<String>> {
    let given = [
        input.log_group_name.clone().map(|n| vec![n]),
        input.log_group_names.clone(),
        input.log_group_identifiers.clone(),
    ];
    let mut given = given.into_iter().flatten();
    match (given.next(), given.next()) {
        (Some(names), None) if !names.is_empty() => Ok(names
            .into_iter()
            .map(|n| match n.split_once(":log-group:") {
                Some((_, name)) => name.trim_end_matches(":*").to_string(),
                None => n,
            })
            .collect()),
        _ => Err(invalid(
            "Exactly one of logGroupName, logGroupNames or logGroupIdentifiers must be given.",
        )),
    }
}

/// Recorded (test_start_query_log_group_not_found): AWS's words, with its request id.
fn missing_group(name: &str) -> AwsError {
    AwsError::new(
        ErrorCode::ResourceNotFoundException,
        format!("Log group '{name}' does not exist for account ID '{}' (Service: AWSLogs; Status Code: 400; Error Code: ResourceNotFoundException; Request ID: {}; Proxy: null)", account(), new_request_id()),
    )
}

pub async fn start_query(
    cloud: &Cloud,
    region: &str,
    input: StartQueryRequest,
) -> Answer<StartQueryResponse> {
    if input
        .query_language
        .is_some_and(|l| l != QueryLanguage::Cwli)
    {
        return Err(invalid(
            "queryLanguage: only CWLI (Logs Insights QL) is run by faqctl's local cloud",
        ));
    }
    let names = groups(&input)?;
    let query = log_insights::parse(&input.query_string)
        .map_err(|why| AwsError::new(ErrorCode::MalformedQueryException, why))?;
    if input.end_time < input.start_time {
        return Err(invalid("The end time must not be before the start time."));
    }
    // The range in milliseconds: from the start's second to the end's last millisecond.
    let (from, to) = (
        input.start_time.saturating_mul(1000),
        input.end_time.saturating_mul(1000).saturating_add(999),
    );
    let candidates = {
        let db = cloud.db();
        let mut candidates = Vec::new();
        for name in &names {
            let group = db
                .log_group(region, name)
                .ok_or_else(|| missing_group(name))?;
            let group_name: Arc<str> = name.as_str().into();
            for stream in group.streams.values() {
                let stream_name: Arc<str> = stream.name.as_str().into();
                candidates.extend(
                    stream
                        .events
                        .iter()
                        .filter(|e| (from..=to).contains(&e.timestamp))
                        .map(|e| (group_name.clone(), stream_name.clone(), e.clone())),
                );
            }
        }
        candidates
    };
    let limit = input.limit.map_or(DEFAULT_LIMIT, |l| l.max(1) as usize);
    let owner = account();
    let outcome = tokio::task::spawn_blocking(move || run(&query, &candidates, &owner, limit))
        .await
        .map_err(|_| AwsError::new(ErrorCode::ServiceUnavailableException, "the query failed"))?;
    let quoted: Vec<String> = names.iter().map(|n| format!("\"{n}\"")).collect();
    let kept = LogQuery {
        id: new_request_id(),
        group: names[0].clone(),
        query_string: format!(
            "SOURCE {} START={from} END={to} | {}",
            quoted.join(" "),
            input.query_string
        ),
        created: now_ms(),
        status: QueryStatus::Complete,
        rows: outcome.rows,
        scanned: outcome.scanned,
        matched: outcome.matched,
        bytes: outcome.bytes,
    };
    let id = kept.id.clone();
    let mut db = cloud.db();
    let queries = &mut db.log_region(region).queries;
    queries.push(kept);
    if queries.len() > KEPT {
        queries.remove(0);
    }
    Ok(StartQueryResponse { query_id: Some(id) })
}

fn run(
    query: &log_insights::Query,
    candidates: &[(Arc<str>, Arc<str>, LogEvent)],
    owner: &str,
    limit: usize,
) -> log_insights::Outcome {
    let events: Vec<Event> = candidates
        .iter()
        .map(|(group, stream, e)| Event {
            group,
            stream,
            timestamp: e.timestamp,
            ingestion_time: e.ingestion_time,
            message: &e.message,
            id: e.id,
        })
        .collect();
    query.run(&events, owner, limit)
}

fn missing_query() -> AwsError {
    AwsError::new(
        ErrorCode::ResourceNotFoundException,
        "The specified query does not exist.",
    )
}

fn find<'a>(db: &'a mut Db, region: &str, id: &str) -> Answer<&'a mut LogQuery> {
    db.log_region(region)
        .queries
        .iter_mut()
        .find(|q| q.id == id)
        .ok_or_else(missing_query)
}

pub fn get_query_results(
    db: &mut Db,
    region: &str,
    input: GetQueryResultsRequest,
) -> Answer<GetQueryResultsResponse> {
    let query = find(db, region, &input.query_id)?;
    let rows: Vec<Vec<ResultField>> = query
        .rows
        .iter()
        .map(|row| {
            row.iter()
                .map(|(field, value)| ResultField {
                    field: Some(field.clone()),
                    value: Some(value.clone()),
                })
                .collect()
        })
        .collect();
    let offset = super::paging::offset(input.next_token.as_deref(), rows.len())
        .map_err(|()| invalid("The specified nextToken is invalid."))?;
    let size = input.max_items.map_or(usize::MAX, |n| n.max(1) as usize);
    let (rows, next_token) = super::paging::page(rows, offset, size);
    Ok(GetQueryResultsResponse {
        query_language: Some(QueryLanguage::Cwli),
        results: Some(rows),
        statistics: Some(QueryStatistics {
            records_matched: Some(query.matched as f64),
            records_scanned: Some(query.scanned as f64),
            bytes_scanned: Some(query.bytes as f64),
            ..Default::default()
        }),
        status: Some(query.status),
        next_token,
        ..Default::default()
    })
}

pub fn describe_queries(
    db: &mut Db,
    region: &str,
    input: DescribeQueriesRequest,
) -> Answer<DescribeQueriesResponse> {
    if input
        .query_language
        .is_some_and(|l| l != QueryLanguage::Cwli)
    {
        return Ok(DescribeQueriesResponse {
            queries: Some(Vec::new()),
            next_token: None,
        });
    }
    let queries: Vec<QueryInfo> = db
        .log_region(region)
        .queries
        .iter()
        .rev()
        .filter(|q| input.log_group_name.as_ref().is_none_or(|g| *g == q.group))
        .filter(|q| input.status.is_none_or(|s| s == q.status))
        .map(|q| QueryInfo {
            query_language: Some(QueryLanguage::Cwli),
            query_id: Some(q.id.clone()),
            query_string: Some(q.query_string.clone()),
            status: Some(q.status),
            create_time: Some(q.created),
            log_group_name: Some(q.group.clone()),
            ..Default::default()
        })
        .collect();
    let offset = super::paging::offset(input.next_token.as_deref(), queries.len())
        .map_err(|()| invalid("The specified nextToken is invalid."))?;
    let size = input
        .max_results
        .map_or(1000, |n| n.clamp(1, 1000) as usize);
    let (queries, next_token) = super::paging::page(queries, offset, size);
    Ok(DescribeQueriesResponse {
        queries: Some(queries),
        next_token,
    })
}

/// The API reference: "If the query has already ended, the operation returns an error
/// indicating that the specified query is not running."
pub fn stop_query(db: &mut Db, region: &str, input: StopQueryRequest) -> Answer<StopQueryResponse> {
    let query = find(db, region, &input.query_id)?;
    match query.status {
        QueryStatus::Scheduled | QueryStatus::Running => {
            query.status = QueryStatus::Cancelled;
            Ok(StopQueryResponse {
                success: Some(true),
            })
        }
        _ => Err(invalid("The specified query is not running.")),
    }
}
