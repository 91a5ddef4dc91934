//! `faqctl history`: the function's published versions — number, CodeSha256, when, the commit
//! they were deployed from — what the alias' history says of each (gate passed or failed and
//! why, live from–to, rolled back), and which one the alias sends users to, with what weight.
//! Reads only.

use std::fmt;

use anyhow::Context;
use clap::Args;
use serde::Serialize;

use crate::aws::{self, Clients};
use crate::commands::Exit;
use crate::output::Printer;
use crate::plan::{AliasState, VersionState};
use crate::settings::{FunctionName, NameArgs, RemoteArgs};

#[derive(Debug, Args)]
pub struct HistoryArgs {
    #[command(flatten)]
    pub names: NameArgs,
}

#[derive(Debug, Clone, Serialize)]
pub struct HistoryOutput {
    pub schema_version: u32,
    pub function_name: FunctionName,
    pub alias: String,
    /// Newest first.
    pub versions: Vec<VersionEntry>,
}

#[derive(Debug, Clone, Serialize)]
pub struct VersionEntry {
    pub version: u64,
    pub code_sha256: String,
    pub last_modified: String,
    pub commit: Option<String>,
    pub description: String,
    /// The share of the alias' invocations it gets (0 when it gets none).
    pub weight: f64,
    /// `passed`, `failed`, `skipped` (`--no-gate`) or `unknown` (before faqctl kept a history).
    pub gate: &'static str,
    /// Why it failed its gate (`statusCode-502`, `Unhandled`, …).
    pub gate_reason: Option<String>,
    /// When the alias named it alone: RFC 3339 times, `to` absent while it still does.
    pub live: Vec<LivePeriod>,
    /// When users were moved off it by `faqctl rollback` or a shift that found errors.
    pub rolled_back: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LivePeriod {
    pub from: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
}

fn rfc3339(unix: u64) -> String {
    humantime::format_rfc3339_seconds(std::time::UNIX_EPOCH + std::time::Duration::from_secs(unix))
        .to_string()
}

/// The commit a version's description names (`…; commit 0123456789ab`).
pub fn commit_of(description: &str) -> Option<String> {
    description
        .split("; ")
        .find_map(|part| part.strip_prefix("commit "))
        .map(str::to_string)
}

/// The share of invocations `version` gets from the alias.
pub fn weight_of(alias: Option<&AliasState>, version: u64) -> f64 {
    let Some(alias) = alias else {
        return 0.0;
    };
    let extra = alias
        .additional
        .as_ref()
        .map(|(v, w)| (v.as_str(), f64::from(*w) / 10_000.0));
    match extra {
        Some((v, w)) if v == version.to_string() => w,
        Some((_, w)) if alias.version == version.to_string() => 1.0 - w,
        _ if alias.version == version.to_string() => 1.0,
        _ => 0.0,
    }
}

pub fn entries(versions: &[VersionState], alias: Option<&AliasState>) -> Vec<VersionEntry> {
    let history = alias.map(|a| a.history.clone()).unwrap_or_default();
    versions
        .iter()
        .rev()
        .map(|v| {
            let record = history.record(v.number);
            VersionEntry {
                version: v.number,
                code_sha256: v.code_sha256.clone(),
                last_modified: v.last_modified.clone(),
                commit: commit_of(&v.description),
                description: v.description.clone(),
                weight: weight_of(alias, v.number),
                gate: record.gate,
                gate_reason: record.gate_reason,
                live: record
                    .live
                    .iter()
                    .map(|(from, to)| LivePeriod {
                        from: rfc3339(*from),
                        to: to.map(rfc3339),
                    })
                    .collect(),
                rolled_back: record.rolled_back.map(rfc3339),
            }
        })
        .collect()
}

impl VersionEntry {
    /// `passed`, `failed (statusCode-502)`, …
    fn gate_text(&self) -> String {
        match &self.gate_reason {
            Some(reason) => format!("{} ({reason})", self.gate),
            None => self.gate.to_string(),
        }
    }

    /// `2026-12-03T11:30:00Z – 2026-12-03T11:40:00Z, 2026-12-03T12:00:00Z – now`, or `-`.
    fn live_text(&self) -> String {
        if self.live.is_empty() {
            return "-".into();
        }
        let periods: Vec<String> = self
            .live
            .iter()
            .map(|p| format!("{} – {}", p.from, p.to.as_deref().unwrap_or("now")))
            .collect();
        periods.join(", ")
    }
}

impl fmt::Display for HistoryOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.versions.is_empty() {
            return write!(
                f,
                "{} has no published versions yet: `faqctl deploy` publishes one",
                self.function_name
            );
        }
        writeln!(
            f,
            "{:<8} {:<30} {:<13} {:<26} {:<8} LIVE (FROM – TO)",
            "VERSION", "PUBLISHED", "COMMIT", "GATE", self.alias
        )?;
        for (i, v) in self.versions.iter().enumerate() {
            let share = if v.weight > 0.0 {
                format!("{}%", (v.weight * 1000.0).round() / 10.0)
            } else {
                "-".into()
            };
            write!(
                f,
                "{:<8} {:<30} {:<13} {:<26} {:<8} {}",
                v.version,
                v.last_modified,
                v.commit.as_deref().unwrap_or("-"),
                v.gate_text(),
                share,
                v.live_text(),
            )?;
            if let Some(at) = &v.rolled_back {
                write!(f, "; rolled back {at}")?;
            }
            if i + 1 < self.versions.len() {
                writeln!(f)?;
            }
        }
        Ok(())
    }
}

pub async fn run(
    remote: &RemoteArgs,
    args: HistoryArgs,
    printer: &Printer,
) -> anyhow::Result<Exit> {
    let names = args.names.resolve()?;
    let aws_config = remote.load().await?;
    let clients = Clients::new(&aws_config);
    let (versions, alias) = tokio::try_join!(
        aws::list_versions(&clients, &names.function),
        aws::get_alias(&clients, &names.function, &names.alias),
    )
    .with_context(|| {
        format!(
            "reading the versions of {} in {} (run `faqctl deploy` first if it does not exist)",
            names.function, aws_config.region
        )
    })?;
    let output = HistoryOutput {
        schema_version: 1,
        function_name: names.function.clone(),
        alias: names.alias.clone(),
        versions: entries(&versions, alias.as_ref()),
    };
    printer.result(&output)?;
    Ok(Exit::Success)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_and_commits_are_read_as_deploy_writes_them() {
        assert_eq!(
            commit_of("faqctl: CodeSha256 abc=; commit 0123456789ab").as_deref(),
            Some("0123456789ab")
        );
        assert_eq!(commit_of("faqctl: CodeSha256 abc="), None);
        let routing = AliasState {
            version: "3".into(),
            additional: Some(("4".into(), 1000)),
            ..AliasState::default()
        };
        assert_eq!(weight_of(Some(&routing), 3), 0.9);
        assert_eq!(weight_of(Some(&routing), 4), 0.1);
        assert_eq!(weight_of(Some(&routing), 2), 0.0);
        let whole = AliasState {
            version: "3".into(),
            additional: None,
            ..AliasState::default()
        };
        assert_eq!(weight_of(Some(&whole), 3), 1.0);
        assert_eq!(weight_of(None, 3), 0.0);
    }
}
