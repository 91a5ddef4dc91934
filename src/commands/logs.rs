//! `faqctl logs`: the function's CloudWatch log events (FilterLogEvents, every page), once, or
//! `--follow`ing them as they are ingested (Live Tail, or polling where it is not available:
//! see `follow`); or one request across API Gateway's access and execution logs and the
//! function's (`--request-id`).

use std::io::Write;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{bail, Context};
use aws_sdk_cloudwatchlogs::types::FilteredLogEvent;
use clap::Args;
use serde::Serialize;

use super::follow::{follow, Follow};
use crate::aws::{self, Clients, LogQuery};
use crate::commands::Exit;
use crate::output::OutputFormat;
use crate::output::Printer;
use crate::plan::execution_log_group;
use crate::settings::{NameArgs, Names, RemoteArgs};

#[derive(Debug, Args)]
pub struct LogsArgs {
    #[command(flatten)]
    pub names: NameArgs,
    /// Keep printing new events, as they are ingested, until Ctrl-C: one CloudWatch Logs Live
    /// Tail session for all the log groups of --source. Live Tail is billed per minute of
    /// session (see CloudWatch pricing); the session ends with Ctrl-C. Where it is denied
    /// (no logs:StartLiveTail) or not served (moto), or with --poll, FilterLogEvents is polled
    /// instead, within the account's 5 calls per second.
    #[arg(long, short = 'f')]
    pub follow: bool,
    /// With --follow: poll FilterLogEvents instead of Live Tail.
    #[arg(long, requires = "follow")]
    pub poll: bool,
    /// How far back to start, e.g. 30s, 10m, 2h, 1d.
    #[arg(long, value_name = "DURATION", default_value = "10m", value_parser = humantime::parse_duration)]
    pub since: Duration,
    /// A CloudWatch Logs filter pattern, e.g. `"Quote selected"` or `ERROR`.
    #[arg(long, value_name = "PATTERN")]
    pub filter: Option<String>,
    /// Whose logs: the function's, API Gateway's execution log, the access log, or all of them
    /// interleaved by time (each line marked with its source).
    #[arg(long, value_enum, default_value_t = LogSource::Function)]
    pub source: LogSource,
    /// One request, end to end: its access log line, API Gateway's execution log lines and the
    /// function's lines (START … REPORT), in time order. ID is the stage's `x-amzn-RequestId`
    /// response header (API Gateway's request id), or a Lambda request id. Needs API logs
    /// (`deploy --api-logs`) for the API Gateway lines; looks back --since.
    #[arg(long, value_name = "ID", conflicts_with_all = ["follow", "filter", "source"])]
    pub request_id: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogSource {
    Function,
    Api,
    Access,
    All,
}

/// One log group to read, and the label its lines carry.
#[derive(Debug, Clone)]
pub struct LogGroupSource {
    pub label: &'static str,
    pub group: String,
}

/// One log event, as printed with `--output json` (one object per line).
#[derive(Debug, Clone, Serialize)]
pub struct LogLine {
    pub source: &'static str,
    pub timestamp: String,
    pub timestamp_ms: i64,
    pub stream: String,
    pub message: String,
    /// FilterLogEvents' id of the event; empty for a line Live Tail delivered (it has none).
    pub event_id: String,
}

impl LogLine {
    pub fn from_event(source: &'static str, event: &FilteredLogEvent) -> Self {
        LogLine::from_parts(
            source,
            event.timestamp().unwrap_or_default(),
            event.log_stream_name().unwrap_or_default(),
            event.message().unwrap_or_default(),
            event.event_id().unwrap_or_default(),
        )
    }

    pub fn from_parts(
        source: &'static str,
        timestamp_ms: i64,
        stream: &str,
        message: &str,
        event_id: &str,
    ) -> Self {
        LogLine {
            source,
            timestamp: format_ms(timestamp_ms),
            timestamp_ms,
            stream: stream.to_string(),
            message: message.trim_end().to_string(),
            event_id: event_id.to_string(),
        }
    }
}

fn format_ms(ms: i64) -> String {
    let time = UNIX_EPOCH + Duration::from_millis(ms.max(0) as u64);
    humantime::format_rfc3339_millis(time).to_string()
}

pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default()
}

pub async fn run(remote: &RemoteArgs, args: LogsArgs, printer: &Printer) -> anyhow::Result<Exit> {
    let names = args.names.resolve()?;
    let aws = remote.load().await?;
    let clients = Clients::new(&aws);
    let start = now_ms() - args.since.as_millis() as i64;
    let function = LogGroupSource {
        label: "function",
        group: names.log_group(),
    };
    let access = LogGroupSource {
        label: "access",
        group: names.access_log_group(),
    };
    let api = api_source(&clients, &names);
    if let Some(id) = &args.request_id {
        let mut sources = vec![function, access];
        if let Some(api) = api.await? {
            sources.insert(1, api);
        }
        let lines = request_lines(&clients, &sources, id, start).await?;
        print_lines(&lines, true, printer.format());
        return Ok(Exit::Success);
    }
    let sources = match args.source {
        LogSource::Function => vec![function],
        LogSource::Access => vec![access],
        LogSource::Api => vec![api.await?.with_context(|| {
            format!(
                "no REST API {} managed by faqctl in {}: run `faqctl deploy --api-logs` first",
                names.api, aws.region
            )
        })?],
        LogSource::All => {
            let mut all = vec![function, access];
            if let Some(api) = api.await? {
                all.insert(1, api);
            }
            all
        }
    };
    let mark = args.source != LogSource::Function;
    let filter = args.filter.as_deref();
    let mut stop = args.follow.then(super::StopSignal::new);
    let followed = Follow {
        clients: &clients,
        sources: &sources,
        mark,
        start,
        filter,
        format: printer.format(),
        poll: args.poll,
    };
    tail(&followed, stop.as_mut()).await?;
    Ok(Exit::Success)
}

/// The API's execution log group; `None` when there is no API (an error reading it, e.g.
/// AccessDenied, is reported, never taken for "no API").
async fn api_source(clients: &Clients, names: &Names) -> anyhow::Result<Option<LogGroupSource>> {
    let id = crate::aws::find_apis(clients, &names.api)
        .await?
        .into_iter()
        .next()
        .and_then(|api| api.id().map(str::to_string));
    Ok(id.map(|id| LogGroupSource {
        label: "api",
        group: execution_log_group(&id, &names.stage),
    }))
}

/// Prints log groups' events from `follow.start` on, interleaved by time; with a stop signal,
/// keeps following until it (Ctrl-C or SIGTERM).
pub async fn tail(
    followed: &Follow<'_>,
    stop: Option<&mut super::StopSignal>,
) -> anyhow::Result<()> {
    if let Some(stop) = stop {
        return follow(followed, stop).await;
    }
    let mut lines = Vec::new();
    let mut found = 0;
    for source in followed.sources {
        let query = LogQuery {
            group: source.group.clone(),
            start: followed.start,
            end: None,
            filter: followed.filter.map(str::to_string),
            streams: Vec::new(),
        };
        if let Some(events) = aws::filter_all_log_events(followed.clients, &query).await? {
            found += 1;
            lines.extend(events.iter().map(|e| LogLine::from_event(source.label, e)));
        }
    }
    if found == 0 {
        return Err(super::follow::no_logs_yet(followed));
    }
    lines.sort_by_key(|line| line.timestamp_ms);
    print_lines(&lines, followed.mark, followed.format);
    Ok(())
}

/// Prints lines (`mark` tags each text line with its source); false when stdout is closed
/// (`faqctl logs | head` is a normal way to stop).
pub fn print_lines(lines: &[LogLine], mark: bool, format: OutputFormat) -> bool {
    let mut stdout = std::io::stdout().lock();
    for line in lines {
        let written = match format {
            OutputFormat::Json => match serde_json::to_string(line) {
                Ok(json) => writeln!(stdout, "{json}"),
                Err(_) => continue,
            },
            OutputFormat::Text if mark => writeln!(
                stdout,
                "{} [{}] {} {}",
                line.timestamp, line.source, line.stream, line.message
            ),
            OutputFormat::Text => writeln!(
                stdout,
                "{} {} {}",
                line.timestamp, line.stream, line.message
            ),
        };
        if written.is_err() {
            return false;
        }
    }
    stdout.flush().is_ok()
}

/// One request's lines across the sources: the access log line with API Gateway's request id
/// (it names the Lambda request id, `integrationRequestId`), the execution log lines (each
/// starts with `(id)`), and the function's lines from its START to its REPORT (the lines in
/// between, in that environment's stream, are the request's own: an environment runs one
/// request at a time). An id that is not API Gateway's is taken for a Lambda request id.
async fn request_lines(
    clients: &Clients,
    sources: &[LogGroupSource],
    id: &str,
    start: i64,
) -> anyhow::Result<Vec<LogLine>> {
    if id.is_empty() || id.contains('"') || id.chars().any(char::is_whitespace) {
        bail!("--request-id {id:?} is not a request id: pass the stage's x-amzn-RequestId header, e.g. 6c1b3a0e-9f3d-4d2a-8c51-0f7e2b9d4a11");
    }
    let find = |label: &'static str, pattern: String| {
        let group = sources
            .iter()
            .find(|s| s.label == label)
            .map(|s| s.group.clone());
        async move {
            let Some(group) = group else {
                return anyhow::Ok(Vec::new());
            };
            let query = LogQuery {
                group,
                start,
                end: None,
                filter: Some(pattern),
                streams: Vec::new(),
            };
            Ok(aws::filter_all_log_events(clients, &query)
                .await?
                .unwrap_or_default()
                .iter()
                .map(|e| LogLine::from_event(label, e))
                .collect::<Vec<_>>())
        }
    };
    let quoted = format!("\"{id}\"");
    let mut lines = Vec::new();
    // The access line of this request (its requestId is the id), and with it the Lambda one.
    let mut lambda_id = None;
    for line in find("access", quoted.clone()).await? {
        let Ok(access) = serde_json::from_str::<serde_json::Value>(&line.message) else {
            continue;
        };
        if access["requestId"] == id {
            lambda_id = access["integrationRequestId"]
                .as_str()
                .filter(|l| !l.is_empty() && *l != "-")
                .map(str::to_string);
            lines.push(line);
        }
    }
    lines.extend(
        find("api", quoted)
            .await?
            .into_iter()
            .filter(|l| l.message.starts_with(&format!("({id})"))),
    );
    let api_found = !lines.is_empty();
    let lambda_id = lambda_id.unwrap_or_else(|| id.to_string());
    let marks = find("function", format!("\"{lambda_id}\"")).await?;
    let start_line = marks.iter().find(|l| {
        l.message
            .starts_with(&format!("START RequestId: {lambda_id}"))
    });
    let report_line = marks.iter().find(|l| {
        l.message
            .starts_with(&format!("REPORT RequestId: {lambda_id}"))
    });
    match (start_line, report_line) {
        (Some(first), Some(last)) if first.stream == last.stream => {
            let group = sources
                .iter()
                .find(|s| s.label == "function")
                .map(|s| s.group.clone())
                .unwrap_or_default();
            let query = LogQuery {
                group,
                start: first.timestamp_ms,
                end: Some(last.timestamp_ms + 1),
                filter: None,
                streams: vec![first.stream.clone()],
            };
            let between = aws::filter_all_log_events(clients, &query)
                .await?
                .unwrap_or_default();
            // From this request's START to its REPORT, in ingestion order within the stream.
            let mut inside = false;
            for event in &between {
                let line = LogLine::from_event("function", event);
                if line
                    .message
                    .starts_with(&format!("START RequestId: {lambda_id}"))
                {
                    inside = true;
                }
                if inside {
                    let done = line
                        .message
                        .starts_with(&format!("REPORT RequestId: {lambda_id}"));
                    lines.push(line);
                    if done {
                        break;
                    }
                }
            }
        }
        // Still running, or cut short: what mentions it.
        _ => lines.extend(marks),
    }
    if lines.is_empty() {
        bail!(
            "no log line of request {id} since {}: widen --since, and for API Gateway's lines deploy with --api-logs (the id is the stage's x-amzn-RequestId response header)",
            format_ms(start)
        );
    }
    if !api_found {
        eprintln!("note: no API Gateway log line names {id} (is `deploy --api-logs` on?); showing the function's lines for Lambda request id {lambda_id}");
    }
    // In time order; lines of the same millisecond in the order a request goes through them.
    lines.sort_by_key(|line| (line.timestamp_ms, phase(line)));
    Ok(lines)
}

/// Where a line falls in a request's path: API Gateway before it calls the function, the
/// function, API Gateway after it, the access log last (AWS's execution log wording).
fn phase(line: &LogLine) -> u8 {
    const BEFORE: [&str; 8] = [
        "Extended Request Id",
        "Verifying Usage Plan",
        "API Key",
        "Starting execution",
        "HTTP Method",
        "Method request",
        "Endpoint request",
        "Sending request",
    ];
    match line.source {
        "api" => {
            let text = line.message.split_once(") ").map_or("", |(_, t)| t);
            if BEFORE.iter().any(|b| text.starts_with(b)) {
                0
            } else {
                2
            }
        }
        "function" => 1,
        _ => 3,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_carry_time_stream_and_message() {
        let event = FilteredLogEvent::builder()
            .event_id("7")
            .timestamp(1_795_322_400_123)
            .log_stream_name("2026/11/24/[$LATEST]abc")
            .message("Quote selected: 7\n")
            .build();
        let line = LogLine::from_event("function", &event);
        assert_eq!(line.timestamp, "2026-11-22T04:40:00.123Z");
        assert_eq!(line.stream, "2026/11/24/[$LATEST]abc");
        assert_eq!(line.message, "Quote selected: 7");
        assert_eq!(line.event_id, "7");
    }
}
