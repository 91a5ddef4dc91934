//! The data-plane reads and calls the commands make (Invoke, FilterLogEvents), beside
//! observe and apply: this module stays the only code that talks to AWS.

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_sdk_cloudwatchlogs::types::FilteredLogEvent;
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::LogType;
use base64::Engine;

use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use super::{sdk_error, Clients};

/// What a synchronous Invoke returned.
#[derive(Debug, Clone)]
pub struct Invoked {
    pub status_code: i32,
    /// `Unhandled` (or `Handled`) when the function failed.
    pub function_error: Option<String>,
    pub payload: Vec<u8>,
    /// The tail of the execution log, decoded (with `tail`).
    pub log: Option<String>,
    /// The version that ran (`X-Amz-Executed-Version`): through an alias, the one its routing
    /// drew.
    pub executed_version: Option<String>,
    /// Lambda's request id for this invocation (`x-amzn-RequestId`): the one its START, END and
    /// REPORT log lines name, so `faqctl logs --request-id` finds them.
    pub request_id: Option<String>,
}

/// Lambda's longest function timeout: what an Invoke may take when the function's own timeout
/// cannot be read.
const MAX_FUNCTION_TIMEOUT: Duration = Duration::from_secs(900);

/// Time beyond the function's timeout for Lambda to start it, and for the answer to travel.
const INVOKE_MARGIN: Duration = Duration::from_secs(30);

/// Invokes the function synchronously; `None` when it does not exist.
///
/// Sent exactly once: the SDK retries a timed-out or dropped attempt, which for Invoke would
/// run the function again (up to 8 times), and faqctl's general 60 s attempt timeout would cut
/// a function that may run 900 s. So this call gets no retry and a timeout of the function's
/// own timeout plus a margin (read with GetFunctionConfiguration; Lambda's 900 s maximum when
/// the caller may not read it).
pub async fn invoke(
    clients: &Clients,
    function: &str,
    payload: &[u8],
    tail: bool,
) -> anyhow::Result<Option<Invoked>> {
    let function_timeout = match clients
        .lambda
        .get_function_configuration()
        .function_name(function)
        .send()
        .await
    {
        Ok(config) => config
            .timeout()
            .and_then(|s| u64::try_from(s).ok())
            .map(Duration::from_secs)
            .unwrap_or(MAX_FUNCTION_TIMEOUT),
        Err(e)
            if e.as_service_error()
                .is_some_and(|e| e.is_resource_not_found_exception()) =>
        {
            return Ok(None)
        }
        // Not allowed to read it (or it failed): assume the longest.
        Err(_) => MAX_FUNCTION_TIMEOUT,
    };
    let timeout = function_timeout + INVOKE_MARGIN;
    let call = clients
        .lambda
        .invoke()
        .function_name(function)
        .payload(Blob::new(payload))
        .set_log_type(tail.then_some(LogType::Tail))
        .customize()
        .config_override(
            aws_sdk_lambda::config::Builder::default()
                .retry_config(RetryConfig::disabled())
                .timeout_config(
                    TimeoutConfig::builder()
                        .connect_timeout(Duration::from_secs(3))
                        .operation_attempt_timeout(timeout)
                        .operation_timeout(timeout)
                        .build(),
                ),
        );
    let response = match call.send().await {
        Ok(response) => response,
        Err(e)
            if e.as_service_error()
                .is_some_and(|e| e.is_resource_not_found_exception()) =>
        {
            return Ok(None)
        }
        Err(e) if e.as_service_error().is_none() => {
            return Err(sdk_error("Invoke", function, e).context(format!(
                "Invoke {function} was sent once and not retried (a retry could run the function again): it may or may not have run; see `faqctl logs`"
            )))
        }
        Err(e) => return Err(sdk_error("Invoke", function, e)),
    };
    Ok(Some(Invoked {
        status_code: response.status_code(),
        function_error: response.function_error().map(str::to_string),
        payload: response
            .payload()
            .map(|p| p.as_ref().to_vec())
            .unwrap_or_default(),
        executed_version: response.executed_version().map(str::to_string),
        request_id: aws_types::request_id::RequestId::request_id(&response).map(str::to_string),
        log: response.log_result().map(|encoded| {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(encoded)
                .unwrap_or_default();
            String::from_utf8_lossy(&bytes).into_owned()
        }),
    }))
}

/// Every event of a group from `start` on; `None` when the group does not exist.
pub async fn filter_log_events(
    clients: &Clients,
    group: &str,
    start: i64,
    filter: Option<&str>,
) -> anyhow::Result<Option<Vec<FilteredLogEvent>>> {
    let query = LogQuery {
        group: group.to_string(),
        start,
        end: None,
        filter: filter.map(str::to_string),
        streams: Vec::new(),
    };
    filter_all_log_events(clients, &query).await
}

/// What FilterLogEvents is asked: a group, a time range, a filter pattern, some streams.
#[derive(Debug, Clone)]
pub struct LogQuery {
    pub group: String,
    pub start: i64,
    /// Exclusive.
    pub end: Option<i64>,
    pub filter: Option<String>,
    /// None: every stream.
    pub streams: Vec<String>,
}

/// Every event a query matches (all pages); `None` when the group does not exist.
pub async fn filter_all_log_events(
    clients: &Clients,
    query: &LogQuery,
) -> anyhow::Result<Option<Vec<FilteredLogEvent>>> {
    let mut events = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = match filter_log_events_page(clients, query, token.as_deref()).await {
            Ok(page) => page,
            Err(LogsError::Missing) => return Ok(None),
            Err(LogsError::Throttled(e) | LogsError::Failed(e)) => return Err(e),
        };
        events.extend(page.events);
        match page.next_token {
            // Some services repeat the last token at the end; stop rather than loop.
            Some(next) if Some(next.as_str()) != token.as_deref() => token = Some(next),
            _ => return Ok(Some(events)),
        }
    }
}

/// One page of FilterLogEvents.
#[derive(Debug)]
pub struct LogPage {
    pub events: Vec<FilteredLogEvent>,
    pub next_token: Option<String>,
}

/// Why a CloudWatch Logs read did not answer.
#[derive(Debug)]
pub enum LogsError {
    /// The log group does not exist.
    Missing,
    /// Throttled beyond the SDK's own retries (FilterLogEvents: 5 per second per account and
    /// region, shared with every other reader): worth trying again later.
    Throttled(anyhow::Error),
    Failed(anyhow::Error),
}

/// One page of FilterLogEvents, telling throttling apart.
pub async fn filter_log_events_page(
    clients: &Clients,
    query: &LogQuery,
    token: Option<&str>,
) -> Result<LogPage, LogsError> {
    let result = clients
        .logs
        .filter_log_events()
        .log_group_name(&query.group)
        .start_time(query.start)
        .set_end_time(query.end)
        .set_filter_pattern(query.filter.clone())
        .set_log_stream_names((!query.streams.is_empty()).then(|| query.streams.clone()))
        .set_next_token(token.map(str::to_string))
        .send()
        .await;
    match result {
        Ok(page) => Ok(LogPage {
            events: page.events().to_vec(),
            next_token: page.next_token().map(str::to_string),
        }),
        Err(e)
            if e.as_service_error()
                .is_some_and(|e| e.is_resource_not_found_exception()) =>
        {
            Err(LogsError::Missing)
        }
        Err(e) if is_throttling(e.code()) => Err(LogsError::Throttled(sdk_error(
            "FilterLogEvents",
            &query.group,
            e,
        ))),
        Err(e) => Err(LogsError::Failed(sdk_error(
            "FilterLogEvents",
            &query.group,
            e,
        ))),
    }
}

fn is_throttling(code: Option<&str>) -> bool {
    matches!(
        code,
        Some(
            "ThrottlingException"
                | "Throttling"
                | "TooManyRequestsException"
                | "LimitExceededException"
                | "RequestLimitExceeded"
        )
    )
}

/// The ARNs of the log groups that exist, by name (Live Tail takes groups by ARN). A group
/// that does not exist is left out.
pub async fn log_group_arns(
    clients: &Clients,
    groups: &[&str],
) -> anyhow::Result<std::collections::HashMap<String, String>> {
    let mut arns = std::collections::HashMap::new();
    for group in groups {
        let found = clients
            .logs
            .describe_log_groups()
            .log_group_name_prefix(*group)
            .send()
            .await
            .map_err(|e| sdk_error("DescribeLogGroups", group, e))?;
        for described in found.log_groups() {
            if described.log_group_name() != Some(group) {
                continue;
            }
            // `logGroupArn` is the ARN without the `:*` that `arn` ends with.
            let arn = described.log_group_arn().map(str::to_string).or_else(|| {
                described
                    .arn()
                    .map(|a| a.trim_end_matches(":*").to_string())
            });
            if let Some(arn) = arn {
                arns.insert(group.to_string(), arn);
            }
        }
    }
    Ok(arns)
}

/// A Live Tail session's events, as the SDK receives them.
pub type LiveTailStream = aws_sdk_cloudwatchlogs::primitives::event_stream::EventReceiver<
    aws_sdk_cloudwatchlogs::types::StartLiveTailResponseStream,
    aws_sdk_cloudwatchlogs::types::error::StartLiveTailResponseStreamError,
>;

/// Starts a Live Tail session on log groups (by ARN) with a filter pattern.
pub async fn start_live_tail(
    clients: &Clients,
    arns: Vec<String>,
    filter: Option<&str>,
) -> anyhow::Result<LiveTailStream> {
    let shown = arns.join(", ");
    let output = clients
        .logs
        .start_live_tail()
        .set_log_group_identifiers(Some(arns))
        .set_log_event_filter_pattern(filter.map(str::to_string))
        .send()
        .await
        .map_err(|e| sdk_error("StartLiveTail", &shown, e))?;
    Ok(output.response_stream)
}
