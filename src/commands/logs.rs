//! `faqctl logs`: the function's CloudWatch log events (FilterLogEvents, every page), once or
//! `--follow`ing: poll about once a second, never print an event twice, never drop one that
//! arrives late, stop cleanly on Ctrl-C.

use std::collections::HashMap;
use std::io::Write;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{bail, Context};
use aws_sdk_cloudwatchlogs::types::FilteredLogEvent;
use clap::Args;
use serde::Serialize;

use crate::aws::{self, Clients};
use crate::commands::Exit;
use crate::output::OutputFormat;
use crate::output::Printer;
use crate::plan::execution_log_group;
use crate::settings::{NameArgs, RemoteArgs};

/// How far back each poll looks again, for events CloudWatch ingests late (Lambda's logs
/// usually arrive within seconds; every event in the window is fetched again each second, so
/// the window is a trade between late events and work under heavy logging).
const LOOKBACK_MS: i64 = 30_000;
const POLL_INTERVAL: Duration = Duration::from_secs(1);

#[derive(Debug, Args)]
pub struct LogsArgs {
    #[command(flatten)]
    pub names: NameArgs,
    /// Keep printing new events until Ctrl-C.
    #[arg(long, short = 'f')]
    pub follow: bool,
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
    pub event_id: String,
}

impl LogLine {
    fn from_event(event: &FilteredLogEvent) -> Self {
        let timestamp_ms = event.timestamp().unwrap_or_default();
        LogLine {
            source: "function",
            timestamp: format_ms(timestamp_ms),
            timestamp_ms,
            stream: event.log_stream_name().unwrap_or_default().to_string(),
            message: event.message().unwrap_or_default().trim_end().to_string(),
            event_id: event.event_id().unwrap_or_default().to_string(),
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
    // The API's execution log group; `None` when there is no API (an error reading it, e.g.
    // AccessDenied, is reported, never taken for "no API").
    let api = || async {
        let id = crate::aws::find_apis(&clients, &names.api, &names.stage)
            .await?
            .into_iter()
            .next()
            .and_then(|api| api.id().map(str::to_string));
        anyhow::Ok(id.map(|id| LogGroupSource {
            label: "api",
            group: execution_log_group(&id, &names.stage),
        }))
    };
    let sources = match args.source {
        LogSource::Function => vec![function],
        LogSource::Access => vec![access],
        LogSource::Api => vec![api().await?.with_context(|| {
            format!(
                "no REST API {} managed by faqctl in {}: run `faqctl deploy --api-logs` first",
                names.api, aws.region
            )
        })?],
        LogSource::All => {
            let mut all = vec![function, access];
            if let Some(api) = api().await? {
                all.insert(1, api);
            }
            all
        }
    };
    let mark = args.source != LogSource::Function;
    let filter = args.filter.as_deref();
    let mut stop = args.follow.then(super::StopSignal::new);
    tail(
        &clients,
        &sources,
        mark,
        start,
        filter,
        stop.as_mut(),
        printer.format(),
    )
    .await?;
    Ok(Exit::Success)
}

/// Prints log groups' events from `start` on, interleaved by time (`mark` tags each text line
/// with its source); with `follow`, keeps polling until that signal (Ctrl-C or SIGTERM).
pub async fn tail(
    clients: &Clients,
    sources: &[LogGroupSource],
    mark: bool,
    start: i64,
    filter: Option<&str>,
    mut follow: Option<&mut super::StopSignal>,
    format: OutputFormat,
) -> anyhow::Result<()> {
    let mut followers: Vec<Follower> = sources.iter().map(|_| Follower::new(start)).collect();
    let mut first = true;
    loop {
        let mut lines = Vec::new();
        let mut missing = Vec::new();
        for (source, follower) in sources.iter().zip(followers.iter_mut()) {
            match aws::filter_log_events(clients, &source.group, follower.cursor, filter).await? {
                Some(events) => lines.extend(follower.fresh(events).into_iter().map(|mut line| {
                    line.source = source.label;
                    line
                })),
                None => missing.push(source),
            }
        }
        if first && missing.len() == sources.len() {
            let groups: Vec<&str> = missing.iter().map(|s| s.group.as_str()).collect();
            let hint = if sources.iter().any(|s| s.label == "function") {
                "deploy and invoke first"
            } else {
                "deploy with --api-logs and send a request to the stage URL first"
            };
            bail!(
                "no logs yet: {hint} (log group {} does not exist in {})",
                groups.join(", "),
                clients.region
            );
        }
        first = false;
        lines.sort_by_key(|line| line.timestamp_ms);
        let mut stdout = std::io::stdout().lock();
        for line in lines {
            let written = match format {
                OutputFormat::Json => writeln!(stdout, "{}", serde_json::to_string(&line)?),
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
            // A closed pipe (`faqctl logs | head`) is a normal way to stop.
            if written.and_then(|_| stdout.flush()).is_err() {
                return Ok(());
            }
        }
        drop(stdout);
        let Some(stop) = follow.as_deref_mut() else {
            return Ok(());
        };
        tokio::select! {
            _ = tokio::time::sleep(POLL_INTERVAL) => {}
            _ = stop.recv() => return Ok(()),
        }
    }
}

/// Which events were printed, across overlapping polls.
pub struct Follower {
    start: i64,
    /// The start of the next poll's window.
    pub cursor: i64,
    seen: HashMap<String, i64>,
}

impl Follower {
    pub fn new(start: i64) -> Self {
        Follower {
            start,
            cursor: start,
            seen: HashMap::new(),
        }
    }

    /// The events not printed before, in time order; moves the window on.
    pub fn fresh(&mut self, mut events: Vec<FilteredLogEvent>) -> Vec<LogLine> {
        events.sort_by_key(|e| e.timestamp().unwrap_or_default());
        let mut fresh = Vec::new();
        for event in &events {
            let line = LogLine::from_event(event);
            if self
                .seen
                .insert(line.event_id.clone(), line.timestamp_ms)
                .is_none()
            {
                fresh.push(line);
            }
        }
        let newest = self.seen.values().copied().max().unwrap_or(self.start);
        self.cursor = self.start.max(newest - LOOKBACK_MS);
        let cursor = self.cursor;
        self.seen.retain(|_, timestamp| *timestamp >= cursor);
        fresh
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(id: &str, timestamp: i64) -> FilteredLogEvent {
        FilteredLogEvent::builder()
            .event_id(id)
            .timestamp(timestamp)
            .log_stream_name("2026/11/24/[$LATEST]abc")
            .message(format!("Quote selected: {id}\n"))
            .build()
    }

    fn ids(lines: &[LogLine]) -> Vec<&str> {
        lines.iter().map(|l| l.event_id.as_str()).collect()
    }

    #[test]
    fn overlapping_polls_print_each_event_once_and_late_ones_too() {
        let mut follower = Follower::new(1_000_000);
        assert_eq!(
            ids(&follower.fresh(vec![event("b", 1_000_200), event("a", 1_000_100)])),
            ["a", "b"]
        );
        // The next poll overlaps: old events come back, a new one and a late one arrive.
        let again = follower.fresh(vec![
            event("a", 1_000_100),
            event("late", 1_000_150),
            event("b", 1_000_200),
            event("c", 1_000_300),
        ]);
        assert_eq!(ids(&again), ["late", "c"]);
        assert!(follower.fresh(vec![event("c", 1_000_300)]).is_empty());
        assert_eq!(
            follower.cursor, 1_000_000,
            "the window never starts before --since"
        );
    }

    #[test]
    fn the_window_moves_on_but_keeps_a_lookback() {
        let mut follower = Follower::new(0);
        follower.fresh(vec![event("x", 500_000)]);
        assert_eq!(follower.cursor, 500_000 - LOOKBACK_MS);
    }

    #[test]
    fn lines_carry_time_stream_and_message() {
        let line = LogLine::from_event(&event("7", 1_795_322_400_123));
        assert_eq!(line.timestamp, "2026-11-22T04:40:00.123Z");
        assert_eq!(line.stream, "2026/11/24/[$LATEST]abc");
        assert_eq!(line.message, "Quote selected: 7");
    }
}
