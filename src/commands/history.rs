//! `faqctl history`: the function's published versions — number, CodeSha256, when, the commit
//! they were deployed from — and which one the alias sends users to, with what weight. Reads
//! only.

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
    versions
        .iter()
        .rev()
        .map(|v| VersionEntry {
            version: v.number,
            code_sha256: v.code_sha256.clone(),
            last_modified: v.last_modified.clone(),
            commit: commit_of(&v.description),
            description: v.description.clone(),
            weight: weight_of(alias, v.number),
        })
        .collect()
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
            "{:<8} {:<46} {:<30} {:<13} {}",
            "VERSION", "CODESHA256", "PUBLISHED", "COMMIT", self.alias
        )?;
        for (i, v) in self.versions.iter().enumerate() {
            let live = if v.weight > 0.0 {
                format!("← {}%", (v.weight * 1000.0).round() / 10.0)
            } else {
                String::new()
            };
            write!(
                f,
                "{:<8} {:<46} {:<30} {:<13} {live}",
                v.version,
                v.code_sha256,
                v.last_modified,
                v.commit.as_deref().unwrap_or("-"),
            )?;
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
        };
        assert_eq!(weight_of(Some(&routing), 3), 0.9);
        assert_eq!(weight_of(Some(&routing), 4), 0.1);
        assert_eq!(weight_of(Some(&routing), 2), 0.0);
        let whole = AliasState {
            version: "3".into(),
            additional: None,
        };
        assert_eq!(weight_of(Some(&whole), 3), 1.0);
        assert_eq!(weight_of(None, 3), 0.0);
    }
}
