//! Following log groups (`logs --follow`, `faqctl local`): one CloudWatch Logs Live Tail
//! session over all of them, each line printed as it is ingested; a new session, seamlessly,
//! when one ends (Live Tail's 3-hour limit, a dropped connection). Where Live Tail is denied
//! or not served (moto), FilterLogEvents polling instead: one call at a time across all the
//! groups, within the account's 5 per second, slowing down when throttled and never giving up
//! on it, and never dropping an event that arrives late.
//!
//! Every line is printed once: lines read twice (the history read while a session starts, a
//! catch-up after a new session, overlapping polls) are told apart by what they are (group,
//! stream, time, message), counted, since Live Tail's events carry no id.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use aws_sdk_cloudwatchlogs::types::{FilteredLogEvent, StartLiveTailResponseStream};

use super::logs::{now_ms, print_lines, LogGroupSource, LogLine};
use crate::aws::{self, Clients, LiveTailStream, LogQuery, LogsError};
use crate::output::OutputFormat;

/// Polling: the least time between two FilterLogEvents calls (the account allows 5 per second
/// for everyone; this takes at most half of it).
const POLL_INTERVAL: Duration = Duration::from_millis(400);
/// Polling: the most time between two calls while throttled.
const MAX_POLL_INTERVAL: Duration = Duration::from_secs(10);
/// How far back each poll looks again, at least, for events CloudWatch ingests late; it grows
/// with the lateness seen (`ingestionTime − timestamp`).
pub const LOOKBACK_MS: i64 = 30_000;
/// How long the first event of a new session (`sessionStart`) may take.
const SESSION_START: Duration = Duration::from_secs(10);
/// How often log groups that did not exist yet are looked for again.
const RECHECK: Duration = Duration::from_secs(10);
/// Lines printed are remembered this long (by their timestamp) to tell repeats apart.
const REMEMBER_MS: i64 = 15 * 60 * 1000;

/// What to follow, and how to print it.
pub struct Follow<'a> {
    pub clients: &'a Clients,
    pub sources: &'a [LogGroupSource],
    /// Tag each text line with its source.
    pub mark: bool,
    /// Print from here on (ms since the epoch).
    pub start: i64,
    pub filter: Option<&'a str>,
    pub format: OutputFormat,
    /// Poll FilterLogEvents instead of Live Tail (`--poll`).
    pub poll: bool,
}

/// Follows until `stop` (Ctrl-C or SIGTERM), or until stdout is closed. Stopping drops the
/// session (its connection closes, and Live Tail's billing with it).
pub async fn follow(follow: &Follow<'_>, stop: &mut super::StopSignal) -> anyhow::Result<()> {
    let following = async {
        let mut printed = Printed::default();
        let mut from = follow.start;
        if !follow.poll {
            match live_tail(follow, &mut printed).await? {
                Live::Stopped => return Ok(()),
                Live::Unavailable { reason, resume_at } => {
                    eprintln!(
                        "note: following by polling FilterLogEvents (Live Tail is not available here: {reason})"
                    );
                    if let Some(newest) = resume_at {
                        from = (newest - LOOKBACK_MS).max(follow.start);
                    }
                }
            }
        }
        poll(follow, &mut printed, from).await
    };
    tokio::select! {
        followed = following => followed,
        _ = stop.recv() => Ok(()),
    }
}

/// How a Live Tail follow ended.
enum Live {
    Stopped,
    /// Denied, or not served: polling takes over, a lookback before `resume_at` (the newest
    /// line printed) when lines were printed.
    Unavailable {
        reason: String,
        resume_at: Option<i64>,
    },
}

/// One session over the groups that exist; history first, then what is ingested.
async fn live_tail(follow: &Follow<'_>, printed: &mut Printed) -> anyhow::Result<Live> {
    let unavailable =
        |reason: String, resume_at: Option<i64>| Ok(Live::Unavailable { reason, resume_at });
    let names: Vec<&str> = follow.sources.iter().map(|s| s.group.as_str()).collect();
    let mut arns = match aws::log_group_arns(follow.clients, &names).await {
        Ok(arns) => arns,
        Err(e) => return unavailable(format!("{e:#}"), None),
    };
    if arns.is_empty() {
        return Err(no_logs_yet(follow));
    }
    let mut session = match open(follow, &arns).await {
        Ok(session) => session,
        Err(reason) => return unavailable(reason, None),
    };
    // The history, read after the session started: nothing falls between the two.
    let mut newest = follow.start;
    let history = read_since(follow, &arns, follow.start).await?;
    if !print(
        follow,
        printed.fresh_read(history, session.started_ms),
        &mut newest,
    ) {
        return Ok(Live::Stopped);
    }
    let mut recheck = tokio::time::interval_at(tokio::time::Instant::now() + RECHECK, RECHECK);
    loop {
        let missing = arns.len() < follow.sources.len();
        tokio::select! {
            _ = recheck.tick(), if missing => {
                let found = aws::log_group_arns(follow.clients, &names).await.unwrap_or_default();
                if found.len() > arns.len() {
                    // A group appeared (the first logged request made API Gateway's): a new
                    // session over all of them.
                    arns = found;
                    match renew(follow, &arns, printed, &mut newest).await? {
                        Some(renewed) => session = renewed,
                        None => return unavailable("a new session was refused".into(), Some(newest)),
                    }
                }
            }
            received = session.stream.recv() => match received {
                Ok(Some(StartLiveTailResponseStream::SessionUpdate(update))) => {
                    let lines: Vec<LogLine> = update
                        .session_results()
                        .iter()
                        .map(|event| {
                            let label = label_of(follow, &arns, event.log_group_identifier());
                            LogLine::from_parts(
                                label,
                                event.timestamp().unwrap_or_default(),
                                event.log_stream_name().unwrap_or_default(),
                                event.message().unwrap_or_default(),
                                "",
                            )
                        })
                        .collect();
                    let fresh = printed.fresh_live(lines);
                    if !print(follow, fresh, &mut newest) {
                        return Ok(Live::Stopped);
                    }
                }
                Ok(Some(_)) => {}
                // The session ended (its 3-hour limit: SessionTimeoutException) or the connection
                // dropped: a new one, and what was ingested in between.
                Ok(None) | Err(_) => match renew(follow, &arns, printed, &mut newest).await? {
                    Some(renewed) => session = renewed,
                    None => {
                        return unavailable(
                            "the session ended and a new one was refused".into(),
                            Some(newest),
                        )
                    }
                },
            },
        }
    }
}

/// A started session: its events, and when it started (ms, this machine's clock).
struct Session {
    stream: LiveTailStream,
    started_ms: i64,
}

/// Starts a session and waits for its `sessionStart`; the error says why Live Tail cannot be
/// used (denied, not served).
async fn open(follow: &Follow<'_>, arns: &HashMap<String, String>) -> Result<Session, String> {
    let started_ms = now_ms();
    let identifiers: Vec<String> = follow
        .sources
        .iter()
        .filter_map(|s| arns.get(&s.group).cloned())
        .collect();
    let mut stream = aws::start_live_tail(follow.clients, identifiers, follow.filter)
        .await
        .map_err(|e| format!("{e:#}"))?;
    match tokio::time::timeout(SESSION_START, stream.recv()).await {
        Ok(Ok(Some(StartLiveTailResponseStream::SessionStart(_)))) => {
            Ok(Session { stream, started_ms })
        }
        Ok(Ok(other)) => Err(format!(
            "StartLiveTail answered without a session start ({other:?})"
        )),
        Ok(Err(e)) => Err(format!(
            "StartLiveTail: {}",
            aws_smithy_types::error::display::DisplayErrorContext(&e)
        )),
        Err(_) => Err(format!(
            "StartLiveTail sent no session start within {}s",
            SESSION_START.as_secs()
        )),
    }
}

/// A new session, then what was ingested while there was none (read with FilterLogEvents from
/// a little before the newest line printed). `None` when no new session can be started.
async fn renew(
    follow: &Follow<'_>,
    arns: &HashMap<String, String>,
    printed: &mut Printed,
    newest: &mut i64,
) -> anyhow::Result<Option<Session>> {
    let mut delay = Duration::from_millis(200);
    for _ in 0..5 {
        if let Ok(session) = open(follow, arns).await {
            let since = (*newest - LOOKBACK_MS).max(follow.start);
            let caught_up = read_since(follow, arns, since).await?;
            print(
                follow,
                printed.fresh_read(caught_up, session.started_ms),
                newest,
            );
            return Ok(Some(session));
        }
        tokio::time::sleep(delay).await;
        delay *= 2;
    }
    Ok(None)
}

/// Every event of the groups from `since` on, with its source.
async fn read_since(
    follow: &Follow<'_>,
    arns: &HashMap<String, String>,
    since: i64,
) -> anyhow::Result<Vec<(LogLine, i64)>> {
    let mut lines = Vec::new();
    for source in follow.sources {
        if !arns.contains_key(&source.group) {
            continue;
        }
        let query = LogQuery {
            group: source.group.clone(),
            start: since,
            end: None,
            filter: follow.filter.map(str::to_string),
            streams: Vec::new(),
        };
        let events = aws::filter_all_log_events(follow.clients, &query)
            .await?
            .unwrap_or_default();
        lines.extend(events.iter().map(|event| {
            (
                LogLine::from_event(source.label, event),
                event.ingestion_time().unwrap_or_default(),
            )
        }));
    }
    Ok(lines)
}

fn label_of(
    follow: &Follow<'_>,
    arns: &HashMap<String, String>,
    identifier: Option<&str>,
) -> &'static str {
    let identifier = identifier.unwrap_or_default().trim_end_matches(":*");
    follow
        .sources
        .iter()
        .find(|s| arns.get(&s.group).is_some_and(|arn| arn == identifier))
        .map(|s| s.label)
        .unwrap_or("function")
}

/// Prints lines in time order; false when stdout is closed.
fn print(follow: &Follow<'_>, mut lines: Vec<LogLine>, newest: &mut i64) -> bool {
    lines.sort_by_key(|line| line.timestamp_ms);
    if let Some(last) = lines.last() {
        *newest = (*newest).max(last.timestamp_ms);
    }
    print_lines(&lines, follow.mark, follow.format)
}

/// None of the groups exists: what to do first.
pub(super) fn no_logs_yet(follow: &Follow<'_>) -> anyhow::Error {
    let groups: Vec<&str> = follow.sources.iter().map(|s| s.group.as_str()).collect();
    let hint = if follow.sources.iter().any(|s| s.label == "function") {
        "deploy and invoke first"
    } else {
        "deploy with --api-logs and send a request to the stage URL first"
    };
    anyhow::anyhow!(
        "no logs yet: {hint} (log group {} does not exist in {})",
        groups.join(", "),
        follow.clients.region
    )
}

/// Polls FilterLogEvents: one call at a time, round the groups, at most one per
/// `POLL_INTERVAL`; throttled, the interval doubles (up to `MAX_POLL_INTERVAL`) and the call is
/// made again later; each group's window starts a lookback before its newest event, and moves
/// only when a read succeeded, so nothing is dropped while throttled or late.
async fn poll(follow: &Follow<'_>, printed: &mut Printed, from: i64) -> anyhow::Result<()> {
    struct Group {
        cursor: i64,
        newest: i64,
        token: Option<String>,
        /// Events of the pages of the current read, printed when the read is complete.
        pending: Vec<FilteredLogEvent>,
        /// The most ingestion lagged behind the event's own time.
        lateness: i64,
        exists: Option<bool>,
    }
    let mut groups: Vec<Group> = follow
        .sources
        .iter()
        .map(|_| Group {
            cursor: from,
            newest: from,
            token: None,
            pending: Vec::new(),
            lateness: 0,
            exists: None,
        })
        .collect();
    let mut interval = POLL_INTERVAL;
    let mut index = 0;
    let mut told_throttled = false;
    let mut next_call = Instant::now();
    // Until every group was asked once: none existing then is an error.
    let mut first_round = true;
    loop {
        tokio::time::sleep_until(next_call.into()).await;
        let source = &follow.sources[index];
        let group = &mut groups[index];
        let query = LogQuery {
            group: source.group.clone(),
            start: group.cursor,
            end: None,
            filter: follow.filter.map(str::to_string),
            streams: Vec::new(),
        };
        let result =
            aws::filter_log_events_page(follow.clients, &query, group.token.as_deref()).await;
        next_call = Instant::now() + interval;
        match result {
            Ok(page) => {
                group.exists = Some(true);
                group.pending.extend(page.events);
                match page.next_token {
                    Some(token) if Some(&token) != group.token.as_ref() => {
                        // The same group goes on at the next call.
                        group.token = Some(token);
                        interval = (interval / 2).max(POLL_INTERVAL);
                        continue;
                    }
                    _ => group.token = None,
                }
                let events = std::mem::take(&mut group.pending);
                for event in &events {
                    let (time, ingested) = (
                        event.timestamp().unwrap_or_default(),
                        event.ingestion_time().unwrap_or_default(),
                    );
                    group.newest = group.newest.max(time);
                    group.lateness = group.lateness.max(ingested - time);
                }
                let lines: Vec<LogLine> = events
                    .iter()
                    .map(|event| LogLine::from_event(source.label, event))
                    .collect();
                let lookback = LOOKBACK_MS.max(2 * group.lateness + 10_000);
                let cursor = (group.newest - lookback).max(from);
                let fresh = printed.fresh_window(source.label, lines, group.cursor);
                group.cursor = cursor;
                printed.forget_before(source.label, cursor);
                if !print(follow, fresh, &mut group.newest) {
                    return Ok(());
                }
                interval = (interval / 2).max(POLL_INTERVAL);
            }
            Err(LogsError::Missing) => {
                group.exists = Some(false);
                group.token = None;
                group.pending.clear();
            }
            Err(LogsError::Throttled(e)) => {
                // Shared with every other reader of the account: wait longer, never give up.
                interval = (interval * 2).min(MAX_POLL_INTERVAL);
                next_call = Instant::now() + interval;
                if !told_throttled {
                    told_throttled = true;
                    eprintln!(
                        "note: {e:#}; polling more slowly (every {} ms at most) until it passes",
                        interval.as_millis()
                    );
                }
                continue;
            }
            Err(LogsError::Failed(e)) => return Err(e),
        }
        if first_round && groups.iter().all(|g| g.exists == Some(false)) {
            return Err(no_logs_yet(follow));
        }
        index = (index + 1) % follow.sources.len();
        first_round &= index != 0;
    }
}

/// The lines printed, counted by what they are, so that a line read again is not printed
/// again, and a line that really occurs twice is printed twice.
#[derive(Default)]
struct Printed {
    /// (source, stream, time, message) → how many times printed.
    counts: HashMap<(&'static str, String, i64, String), usize>,
    /// Lines a FilterLogEvents read printed that a running Live Tail session may deliver too
    /// (ingested after the session started): the first live copy of each is not printed.
    expected_live: HashMap<(&'static str, String, i64, String), usize>,
    newest: i64,
}

impl Printed {
    fn key(line: &LogLine) -> (&'static str, String, i64, String) {
        (
            line.source,
            line.stream.clone(),
            line.timestamp_ms,
            line.message.clone(),
        )
    }

    /// Of a FilterLogEvents read (lines with their ingestion time), those not printed yet;
    /// those ingested after `session_started` may come again through the session.
    fn fresh_read(&mut self, read: Vec<(LogLine, i64)>, session_started: i64) -> Vec<LogLine> {
        let mut seen: HashMap<(&'static str, String, i64, String), usize> = HashMap::new();
        let mut fresh = Vec::new();
        for (line, ingested) in read {
            let key = Self::key(&line);
            let occurrence = seen.entry(key.clone()).or_default();
            *occurrence += 1;
            let printed = self.counts.entry(key.clone()).or_default();
            if *occurrence > *printed {
                *printed += 1;
                // Clocks differ between this machine and AWS: a margin.
                if ingested >= session_started - 5_000 {
                    *self.expected_live.entry(key).or_default() += 1;
                }
                fresh.push(line);
            }
        }
        self.remember(&fresh);
        fresh
    }

    /// Of a Live Tail update, the lines not already printed by a read.
    fn fresh_live(&mut self, lines: Vec<LogLine>) -> Vec<LogLine> {
        let mut fresh = Vec::new();
        for line in lines {
            let key = Self::key(&line);
            if let Some(expected) = self.expected_live.get_mut(&key) {
                if *expected > 0 {
                    *expected -= 1;
                    continue;
                }
            }
            *self.counts.entry(key).or_default() += 1;
            fresh.push(line);
        }
        self.remember(&fresh);
        fresh
    }

    /// Of a poll's window (every event of one source from `cursor` on), those not printed.
    fn fresh_window(
        &mut self,
        source: &'static str,
        lines: Vec<LogLine>,
        cursor: i64,
    ) -> Vec<LogLine> {
        let mut seen: HashMap<(&'static str, String, i64, String), usize> = HashMap::new();
        let mut fresh = Vec::new();
        for line in lines {
            if line.source != source || line.timestamp_ms < cursor {
                continue;
            }
            let key = Self::key(&line);
            let occurrence = seen.entry(key.clone()).or_default();
            *occurrence += 1;
            let printed = self.counts.entry(key).or_default();
            if *occurrence > *printed {
                *printed += 1;
                fresh.push(line);
            }
        }
        self.remember(&fresh);
        fresh
    }

    /// Forgets a source's lines before a window's start (they are never read again).
    fn forget_before(&mut self, source: &'static str, cursor: i64) {
        self.counts
            .retain(|(s, _, time, _), _| *s != source || *time >= cursor);
    }

    fn remember(&mut self, lines: &[LogLine]) {
        if let Some(newest) = lines.iter().map(|l| l.timestamp_ms).max() {
            self.newest = self.newest.max(newest);
        }
        if self.counts.len() > 100_000 {
            let horizon = self.newest - REMEMBER_MS;
            self.counts.retain(|(_, _, time, _), _| *time >= horizon);
            self.expected_live
                .retain(|(_, _, time, _), _| *time >= horizon);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(source: &'static str, time: i64, message: &str) -> LogLine {
        LogLine::from_parts(source, time, "2026/11/24/[$LATEST]abc", message, "")
    }

    fn messages(lines: &[LogLine]) -> Vec<&str> {
        lines.iter().map(|l| l.message.as_str()).collect()
    }

    #[test]
    fn a_line_read_before_and_delivered_live_is_printed_once() {
        let mut printed = Printed::default();
        // Read after the session started at t=1000: "b" was ingested after it.
        let read = printed.fresh_read(
            vec![
                (line("function", 900, "a"), 950),
                (line("function", 1100, "b"), 1100),
            ],
            1_000,
        );
        assert_eq!(messages(&read), ["a", "b"]);
        // The session delivers "b" too, then a new "c".
        let live = printed.fresh_live(vec![
            line("function", 1100, "b"),
            line("function", 1200, "c"),
        ]);
        assert_eq!(messages(&live), ["c"]);
    }

    #[test]
    fn a_line_that_really_occurs_twice_is_printed_twice() {
        let mut printed = Printed::default();
        let twice = vec![line("function", 500, "same"), line("function", 500, "same")];
        assert_eq!(printed.fresh_window("function", twice.clone(), 0).len(), 2);
        // The next overlapping poll returns both again, and one more.
        let mut again = twice;
        again.push(line("function", 500, "same"));
        assert_eq!(printed.fresh_window("function", again, 0).len(), 1);
    }

    #[test]
    fn a_catch_up_after_a_new_session_prints_only_what_was_missed() {
        let mut printed = Printed::default();
        printed.fresh_live(vec![line("api", 100, "x"), line("api", 200, "y")]);
        // Between sessions "z" was ingested; the catch-up read returns all three.
        let caught = printed.fresh_read(
            vec![
                (line("api", 100, "x"), 100),
                (line("api", 200, "y"), 200),
                (line("api", 300, "z"), 300),
            ],
            10_000,
        );
        assert_eq!(messages(&caught), ["z"]);
    }
}
