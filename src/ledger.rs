//! The deployment history faqctl keeps in the alias' own description, so that every machine
//! reads one truth from AWS (no file, no extra service): which version went live when,
//! which failed its gate and why, which were rolled back from. Written in the same UpdateAlias
//! that moves the alias (a failed gate: an UpdateAlias that changes the description only).
//! PURE: parse, append, render, and the questions `rollback`, `history` and pruning ask of it.
//!
//! The description reads `faqctl history: 1L1764763200 2G1764763300:statusCode-502 3L…`, one
//! event per word, oldest first: `{version}{kind}{unix seconds}[:{reason}]`. Lambda allows 256
//! characters, so the oldest events go first when it is full (the newest live ones, which a
//! rollback needs, are kept longest).

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

/// What every description faqctl writes starts with.
pub const PREFIX: &str = "faqctl history:";
/// Lambda's limit for an alias' description (the service model's `Description` max length).
pub const MAX_LEN: usize = 256;
/// A reason is kept short so that the history holds many events.
const MAX_REASON: usize = 24;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A deploy moved the alias to the version, whole, after it passed its gate.
    Live,
    /// A deploy moved the alias to the version whole with the gate skipped (`--no-gate`).
    LiveUngated,
    /// `faqctl rollback` moved the alias to the version: the version live before it is rolled
    /// back from.
    RolledBackTo,
    /// The version failed its gate: the alias did not move.
    GateFailed,
    /// A gradual shift to the version found errors (or an alarm) and moved the alias back.
    ShiftRolledBack,
    /// The alias named the version alone when faqctl found it so (a deploy made before faqctl
    /// kept a history, or an alias moved by hand): live, its gate unknown.
    Found,
}

impl Kind {
    fn letter(self) -> char {
        match self {
            Kind::Live => 'L',
            Kind::LiveUngated => 'U',
            Kind::RolledBackTo => 'R',
            Kind::GateFailed => 'G',
            Kind::ShiftRolledBack => 'E',
            Kind::Found => 'F',
        }
    }

    fn from_letter(letter: char) -> Option<Kind> {
        Some(match letter {
            'L' => Kind::Live,
            'U' => Kind::LiveUngated,
            'R' => Kind::RolledBackTo,
            'G' => Kind::GateFailed,
            'E' => Kind::ShiftRolledBack,
            'F' => Kind::Found,
            _ => return None,
        })
    }

    /// Whether the alias named the version alone from this event on.
    pub fn makes_live(self) -> bool {
        matches!(
            self,
            Kind::Live | Kind::LiveUngated | Kind::RolledBackTo | Kind::Found
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Event {
    pub version: u64,
    pub kind: Kind,
    /// Unix seconds.
    pub at: u64,
    /// Why, for a failed gate or a shift rolled back (`statusCode-502`, `errors`, …).
    pub reason: Option<String>,
}

impl Event {
    pub fn new(version: u64, kind: Kind, at: u64, reason: Option<&str>) -> Self {
        Event {
            version,
            kind,
            at,
            reason: reason.map(short_reason).filter(|r| !r.is_empty()),
        }
    }

    fn parse(word: &str) -> Option<Event> {
        let (head, reason) = match word.split_once(':') {
            Some((head, reason)) => (head, Some(reason.to_string())),
            None => (word, None),
        };
        let at = head.find(|c: char| !c.is_ascii_digit())?;
        let version = head[..at].parse().ok()?;
        let mut rest = head[at..].chars();
        let kind = Kind::from_letter(rest.next()?)?;
        let at = rest.as_str().parse().ok()?;
        Some(Event {
            version,
            kind,
            at,
            reason,
        })
    }
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}{}", self.version, self.kind.letter(), self.at)?;
        if let Some(reason) = &self.reason {
            write!(f, ":{reason}")?;
        }
        Ok(())
    }
}

/// A reason as the description keeps it: letters, digits, `.`, `_`, `-`; at most 24.
pub fn short_reason(reason: &str) -> String {
    let mut out = String::new();
    for c in reason.chars() {
        if out.len() >= MAX_REASON {
            break;
        }
        if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

/// The history, oldest event first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ledger {
    pub events: Vec<Event>,
}

/// Where a version stands after its last event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// It was live, and users were not moved off it for errors or by a rollback since.
    Healthy,
    /// Users were moved off it (at that time), and it was not made live again.
    RolledBack(u64),
    GateFailed,
}

/// One version as the history tells it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VersionRecord {
    /// `passed`, `skipped` (`--no-gate`), `failed`, or `unknown` (no event names it: made
    /// before faqctl kept a history, or its events were the oldest and dropped).
    pub gate: &'static str,
    pub gate_reason: Option<String>,
    /// When the alias named it alone, and until when (`None`: still).
    pub live: Vec<(u64, Option<u64>)>,
    /// When users were moved off it for its errors or by `faqctl rollback` (and it was not
    /// made live again since).
    pub rolled_back: Option<u64>,
}

impl Ledger {
    /// The history an alias' description holds (none if faqctl did not write it).
    pub fn parse(description: &str) -> Ledger {
        let Some(rest) = description.strip_prefix(PREFIX) else {
            return Ledger::default();
        };
        Ledger {
            events: rest.split_whitespace().filter_map(Event::parse).collect(),
        }
    }

    /// This history with `event` added: the description to write, within Lambda's 256
    /// characters (the oldest events dropped to fit).
    pub fn with(&self, event: Event) -> Ledger {
        let mut events = self.events.clone();
        events.push(event);
        let mut ledger = Ledger { events };
        while ledger.description().len() > MAX_LEN && ledger.events.len() > 1 {
            ledger.events.remove(0);
        }
        ledger
    }

    /// This history, sure to end with `current` live: if the last version it made live is
    /// another one (or none), the alias was found on `current` at `at`.
    pub fn recorded_live(&self, current: u64, at: u64) -> Ledger {
        let last_live = self
            .events
            .iter()
            .rev()
            .find(|e| e.kind.makes_live())
            .map(|e| e.version);
        if last_live == Some(current) {
            self.clone()
        } else {
            self.with(Event::new(current, Kind::Found, at, None))
        }
    }

    pub fn description(&self) -> String {
        let mut text = PREFIX.to_string();
        for event in &self.events {
            text.push(' ');
            text.push_str(&event.to_string());
        }
        text
    }

    /// Each version's standing after the last event that names it: a version users were
    /// moved off by `faqctl rollback` (the one live just before a rollback) or by a shift that
    /// found errors (its canary) stays rolled back until it is made live again.
    pub fn standings(&self) -> BTreeMap<u64, Standing> {
        let mut standing = BTreeMap::new();
        let mut live: Option<u64> = None;
        for event in &self.events {
            match event.kind {
                Kind::RolledBackTo => {
                    if let Some(previous) = live.filter(|v| *v != event.version) {
                        standing.insert(previous, Standing::RolledBack(event.at));
                    }
                }
                Kind::ShiftRolledBack => {
                    standing.insert(event.version, Standing::RolledBack(event.at));
                }
                Kind::GateFailed => {
                    standing.insert(event.version, Standing::GateFailed);
                }
                _ => {}
            }
            if event.kind.makes_live() {
                live = Some(event.version);
                standing.insert(event.version, Standing::Healthy);
            }
        }
        standing
    }

    /// The failed gate that `version` stands by (none if it passed one since).
    pub fn gate_failed(&self, version: u64) -> Option<&Event> {
        if self.standings().get(&version) != Some(&Standing::GateFailed) {
            return None;
        }
        self.events
            .iter()
            .rev()
            .find(|e| e.version == version && e.kind == Kind::GateFailed)
    }

    /// Where `faqctl rollback` goes from `live`: the newest version that was live before it
    /// and healthy — never one that failed its gate, one users were moved off for its errors
    /// or by an earlier rollback (and not made live again since), or one that no longer
    /// `exists`.
    pub fn rollback_target(&self, live: u64, exists: impl Fn(u64) -> bool) -> Option<u64> {
        let standings = self.standings();
        self.events
            .iter()
            .rev()
            .filter(|e| e.kind.makes_live())
            .map(|e| e.version)
            .find(|v| *v != live && standings.get(v) == Some(&Standing::Healthy) && exists(*v))
    }

    /// What the history says of `version`.
    pub fn record(&self, version: u64) -> VersionRecord {
        let mut record = VersionRecord {
            gate: "unknown",
            gate_reason: None,
            live: Vec::new(),
            rolled_back: None,
        };
        let mut live_since: Option<u64> = None;
        for event in &self.events {
            if event.kind.makes_live() {
                if event.version == version {
                    live_since = live_since.or(Some(event.at));
                } else if let Some(since) = live_since.take() {
                    record.live.push((since, Some(event.at)));
                }
            }
            if event.version != version {
                continue;
            }
            match event.kind {
                Kind::Live | Kind::ShiftRolledBack => {
                    record.gate = "passed";
                    record.gate_reason = None;
                }
                Kind::LiveUngated if record.gate == "unknown" => record.gate = "skipped",
                Kind::GateFailed => {
                    record.gate = "failed";
                    record.gate_reason = event.reason.clone();
                }
                _ => {}
            }
        }
        if let Some(Standing::RolledBack(at)) = self.standings().get(&version) {
            record.rolled_back = Some(*at);
        }
        if let Some(since) = live_since {
            record.live.push((since, None));
        }
        record
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ledger(events: &[(u64, Kind, u64)]) -> Ledger {
        events.iter().fold(Ledger::default(), |l, (v, k, at)| {
            l.with(Event::new(*v, *k, *at, None))
        })
    }

    #[test]
    fn the_description_round_trips_and_other_descriptions_hold_no_history() {
        let l = Ledger::default()
            .with(Event::new(1, Kind::Live, 100, None))
            .with(Event::new(2, Kind::GateFailed, 200, Some("statusCode 502")))
            .with(Event::new(3, Kind::LiveUngated, 300, None))
            .with(Event::new(
                4,
                Kind::ShiftRolledBack,
                400,
                Some("alarm FAQ-5xx"),
            ))
            .with(Event::new(1, Kind::RolledBackTo, 500, None));
        assert_eq!(
            l.description(),
            "faqctl history: 1L100 2G200:statusCode-502 3U300 4E400:alarm-FAQ-5xx 1R500"
        );
        assert_eq!(Ledger::parse(&l.description()), l);
        assert_eq!(
            Ledger::parse("what users reach: moved by faqctl deploy and rollback"),
            Ledger::default()
        );
        // A word faqctl did not write is skipped, not fatal.
        assert_eq!(
            Ledger::parse("faqctl history: 1L100 junk 2X5 3L300")
                .events
                .len(),
            2
        );
    }

    #[test]
    fn a_full_description_drops_the_oldest_events_and_stays_within_256() {
        let mut l = Ledger::default();
        for v in 1..=60 {
            l = l.with(Event::new(v, Kind::Live, 1_764_763_200 + v, None));
            assert!(l.description().len() <= MAX_LEN, "{}", l.description());
        }
        assert_eq!(l.events.last().map(|e| e.version), Some(60));
        assert!(l.events.len() >= 15, "{} events kept", l.events.len());
        assert_eq!(l.rollback_target(60, |_| true), Some(59));
    }

    /// The sequence: good (1), broken (2, stopped at the gate), good (3), rollback.
    #[test]
    fn rollback_skips_a_version_that_failed_its_gate() {
        let l = ledger(&[
            (1, Kind::Live, 10),
            (2, Kind::GateFailed, 20),
            (3, Kind::Live, 30),
        ]);
        assert_eq!(l.rollback_target(3, |_| true), Some(1));
        assert_eq!(l.record(2).gate, "failed");
        assert_eq!(l.record(2).live, vec![]);
    }

    #[test]
    fn rollback_never_returns_to_what_was_rolled_back_from_and_goes_further_back() {
        let l = ledger(&[
            (1, Kind::Live, 10),
            (2, Kind::Live, 20),
            (3, Kind::Live, 30),
            (2, Kind::RolledBackTo, 40),
        ]);
        // 3 was rolled back from; from 2 the next healthy one is 1.
        assert_eq!(l.standings().get(&3), Some(&Standing::RolledBack(40)));
        assert_eq!(l.rollback_target(2, |_| true), Some(1));
        let l = l.with(Event::new(1, Kind::RolledBackTo, 50, None));
        assert_eq!(l.rollback_target(1, |_| true), None);
        // Made live again (`rollback --to 2`), 2 is healthy again and 1 is rolled back from;
        // superseded by a normal deploy, 2 is where the next rollback goes.
        let l = l
            .with(Event::new(2, Kind::RolledBackTo, 60, None))
            .with(Event::new(4, Kind::Live, 70, None));
        assert_eq!(l.rollback_target(4, |_| true), Some(2));
        assert_eq!(l.record(1).rolled_back, Some(60));
        assert_eq!(l.record(2).rolled_back, None);
        // A canary whose shift found errors is never a target either.
        let l = ledger(&[
            (1, Kind::Live, 10),
            (2, Kind::Live, 20),
            (3, Kind::ShiftRolledBack, 30),
        ]);
        assert_eq!(l.rollback_target(2, |_| true), Some(1));
        assert_eq!(l.record(3).rolled_back, Some(30));
        assert_eq!(l.record(3).gate, "passed");
    }

    #[test]
    fn a_version_that_failed_its_gate_and_passed_it_later_is_healthy() {
        let l = ledger(&[(1, Kind::Live, 10), (2, Kind::GateFailed, 20)]);
        assert!(l.gate_failed(2).is_some());
        let l = l.with(Event::new(2, Kind::Live, 30, None));
        assert!(l.gate_failed(2).is_none());
        assert_eq!(l.record(2).gate, "passed");
    }

    #[test]
    fn rollback_skips_versions_that_are_gone_and_knows_nothing_without_a_history() {
        let l = ledger(&[
            (1, Kind::Live, 10),
            (2, Kind::Live, 20),
            (3, Kind::Live, 30),
        ]);
        assert_eq!(l.rollback_target(3, |v| v != 2), Some(1));
        assert_eq!(Ledger::default().rollback_target(3, |_| true), None);
    }

    #[test]
    fn a_version_found_live_without_a_history_is_recorded_once() {
        let l = Ledger::default().recorded_live(4, 7);
        assert_eq!(l.description(), "faqctl history: 4F7");
        assert_eq!(l.recorded_live(4, 9), l);
        let l = l.with(Event::new(5, Kind::Live, 10, None));
        assert_eq!(l.rollback_target(5, |_| true), Some(4));
        assert_eq!(l.record(4).gate, "unknown");
    }

    #[test]
    fn records_tell_live_periods_gate_and_rollback() {
        let l = ledger(&[
            (1, Kind::Live, 10),
            (2, Kind::LiveUngated, 20),
            (1, Kind::RolledBackTo, 30),
        ]);
        let one = l.record(1);
        assert_eq!(one.gate, "passed");
        assert_eq!(one.live, vec![(10, Some(20)), (30, None)]);
        assert_eq!(one.rolled_back, None);
        let two = l.record(2);
        assert_eq!(two.gate, "skipped");
        assert_eq!(two.live, vec![(20, Some(30))]);
        assert_eq!(two.rolled_back, Some(30));
        assert_eq!(l.record(9).gate, "unknown");
    }

    #[test]
    fn reasons_are_kept_short_and_plain() {
        assert_eq!(short_reason("statusCode 502"), "statusCode-502");
        assert_eq!(
            short_reason("  the function failed (Unhandled)!"),
            "the-function-failed-Unha"
        );
        assert_eq!(short_reason("::"), "");
    }
}
