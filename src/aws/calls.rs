//! The data-plane reads and calls the commands make (Invoke, FilterLogEvents), beside
//! observe and apply: this module stays the only code that talks to AWS.

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_sdk_cloudwatchlogs::types::FilteredLogEvent;
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::LogType;
use base64::Engine;

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
    let mut events = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let result = clients
            .logs
            .filter_log_events()
            .log_group_name(group)
            .start_time(start)
            .set_filter_pattern(filter.map(str::to_string))
            .set_next_token(token.clone())
            .send()
            .await;
        let page = match result {
            Ok(page) => page,
            Err(e)
                if e.as_service_error()
                    .is_some_and(|e| e.is_resource_not_found_exception()) =>
            {
                return Ok(None);
            }
            Err(e) => return Err(sdk_error("FilterLogEvents", group, e)),
        };
        events.extend(page.events().iter().cloned());
        match page.next_token() {
            // Some services repeat the last token at the end; stop rather than loop.
            Some(next) if Some(next) != token.as_deref() => token = Some(next.to_string()),
            _ => return Ok(Some(events)),
        }
    }
}
