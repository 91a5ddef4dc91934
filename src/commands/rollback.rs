//! `faqctl rollback [--to VERSION]`: the alias back to the last version that was live before
//! and healthy (the alias' history says which: never one that failed its gate or was rolled
//! back from), or to the one given, in one write (UpdateAlias, which also records the rollback
//! in that history), instantly: the version is already published. No build, no gate.

use std::fmt;

use anyhow::{bail, Context};
use clap::Args;
use serde::Serialize;

use crate::aws::{self, Clients};
use crate::commands::Exit;
use crate::ledger::{Event, Kind, Ledger};
use crate::output::Printer;
use crate::settings::{FunctionName, NameArgs, RemoteArgs};

#[derive(Debug, Args)]
pub struct RollbackArgs {
    #[command(flatten)]
    pub names: NameArgs,
    /// The version to send users to (see `faqctl history`); by default the last one that was
    /// live before the live version and healthy: never one that failed its gate or that users
    /// were moved off for its errors or by an earlier rollback.
    #[arg(long, value_name = "VERSION")]
    pub to: Option<u64>,
    /// With --to: send users to that version even if it failed its gate.
    #[arg(long, requires = "to")]
    pub force: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct RollbackOutput {
    pub schema_version: u32,
    pub function_name: FunctionName,
    pub alias: String,
    /// The version the alias named before (`null` if it named no published version).
    pub from: Option<u64>,
    /// The share a second version got, when the alias was routing (a shift stopped half-way).
    pub from_routing: Option<Routing>,
    pub to: u64,
    /// Whether the alias was moved (false: it already named that version alone).
    pub changed: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Routing {
    pub version: u64,
    pub percent: f64,
}

impl RollbackOutput {
    /// "version 3", or "version 3 + 10% to version 4" while routing.
    fn moved_off(&self) -> String {
        let from = self
            .from
            .map_or_else(|| "no version".to_string(), |v| format!("version {v}"));
        match &self.from_routing {
            Some(r) => format!("{from} + {}% to version {}", r.percent, r.version),
            None => from,
        }
    }
}

impl fmt::Display for RollbackOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.changed {
            write!(
                f,
                "~ moved alias {}:{} from {} to version {} (one UpdateAlias)",
                self.function_name,
                self.alias,
                self.moved_off(),
                self.to
            )
        } else {
            write!(
                f,
                "No changes: {}:{} already sends everyone to version {}",
                self.function_name, self.alias, self.to
            )
        }
    }
}

pub async fn run(
    remote: &RemoteArgs,
    args: RollbackArgs,
    printer: &Printer,
) -> anyhow::Result<Exit> {
    let names = args.names.resolve()?;
    let aws_config = remote.load().await?;
    let clients = Clients::new(&aws_config);
    let (versions, alias) = tokio::try_join!(
        aws::list_versions(&clients, &names.function),
        aws::get_alias(&clients, &names.function, &names.alias),
    )?;
    let alias = alias.with_context(|| {
        format!(
            "{}:{} does not exist in {}: there is nothing to roll back (run `faqctl deploy` first)",
            names.function, names.alias, aws_config.region
        )
    })?;
    let numbers: Vec<u64> = versions.iter().map(|v| v.number).collect();
    let live: Option<u64> = alias.version.parse().ok();
    let history = match live {
        Some(live) => alias.history.recorded_live(live, aws::now()),
        None => alias.history.clone(),
    };
    let target = resolve_target(
        &names.function,
        &names.alias,
        &args,
        &numbers,
        live,
        &history,
    )?;
    let changed = !(live == Some(target) && alias.additional.is_none());
    if changed {
        let moved = history.with(Event::new(target, Kind::RolledBackTo, aws::now(), None));
        aws::update_alias(
            &clients,
            &names.function,
            &names.alias,
            &target.to_string(),
            None,
            &moved,
        )
        .await?;
    }
    printer.result(&RollbackOutput {
        schema_version: 2,
        function_name: names.function.clone(),
        alias: names.alias.clone(),
        from: live,
        from_routing: alias.additional.clone().map(|(version, weight)| Routing {
            version: version.parse().unwrap_or_default(),
            percent: f64::from(weight) / 100.0,
        }),
        to: target,
        changed,
    })?;
    Ok(Exit::Success)
}

/// The version to send users to: `--to` (refused if it failed its gate, unless `--force`), or
/// the newest one the alias' history shows was live before and healthy.
pub fn resolve_target(
    function: &FunctionName,
    alias: &str,
    args: &RollbackArgs,
    numbers: &[u64],
    live: Option<u64>,
    history: &Ledger,
) -> anyhow::Result<u64> {
    if let Some(to) = args.to {
        if !numbers.contains(&to) {
            bail!(
                "--to {to}: {function} has no version {to}; its versions are {numbers:?} (see `faqctl history`)"
            );
        }
        if let Some(failed) = history.gate_failed(to) {
            if !args.force {
                bail!(
                    "--to {to}: version {to} of {function} failed its gate ({}): users would get a version that does not serve the FAQ; pick another (see `faqctl history`) or pass --force to send them there anyway",
                    failed.reason.as_deref().unwrap_or("no reason recorded")
                );
            }
        }
        return Ok(to);
    }
    let live = live.with_context(|| {
        format!("{function}:{alias} does not name a published version: pass --to VERSION")
    })?;
    history
        .rollback_target(live, |v| numbers.contains(&v))
        .with_context(|| {
            format!(
                "no version of {function} was live before version {live} and healthy (per {function}:{alias}'s history, which faqctl keeps in its description): nothing was changed; pick one with --to VERSION (see `faqctl history`)"
            )
        })
}
