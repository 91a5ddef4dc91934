//! `faqctl rollback [--to VERSION]`: the alias back to the previous version (the newest one
//! below what it names now), or to the one given, in one write (UpdateAlias), instantly: the
//! version is already published and was live before. No build, no gate.

use std::fmt;

use anyhow::{bail, Context};
use clap::Args;
use serde::Serialize;

use crate::aws::{self, Clients};
use crate::commands::Exit;
use crate::output::Printer;
use crate::settings::{FunctionName, NameArgs, RemoteArgs};

#[derive(Debug, Args)]
pub struct RollbackArgs {
    #[command(flatten)]
    pub names: NameArgs,
    /// The version to send users to (see `faqctl history`); by default the one before the
    /// live version.
    #[arg(long, value_name = "VERSION")]
    pub to: Option<u64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RollbackOutput {
    pub schema_version: u32,
    pub function_name: FunctionName,
    pub alias: String,
    /// What the alias named before (`3`, or `3 + 10% to 4` while shifting).
    pub from: String,
    pub to: u64,
    /// Whether the alias was moved (false: it already named that version alone).
    pub changed: bool,
}

impl fmt::Display for RollbackOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.changed {
            write!(
                f,
                "~ moved alias {}:{} from {} to version {} (one UpdateAlias)",
                self.function_name, self.alias, self.from, self.to
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
    let target = match args.to {
        Some(to) if numbers.contains(&to) => to,
        Some(to) => bail!(
            "--to {to}: {} has no version {to}; its versions are {numbers:?} (see `faqctl history`)",
            names.function
        ),
        None => {
            let live: u64 = alias.version.parse().with_context(|| {
                format!(
                    "{}:{} names {}, not a published version: pass --to VERSION",
                    names.function, names.alias, alias.version
                )
            })?;
            *numbers.iter().rev().find(|n| **n < live).with_context(|| {
                format!(
                    "{}:{} is on version {live}, and there is no version before it to roll back to (see `faqctl history`)",
                    names.function, names.alias
                )
            })?
        }
    };
    let changed = !(alias.version == target.to_string() && alias.additional.is_none());
    if changed {
        aws::update_alias(
            &clients,
            &names.function,
            &names.alias,
            &target.to_string(),
            None,
        )
        .await?;
    }
    printer.result(&RollbackOutput {
        schema_version: 1,
        function_name: names.function.clone(),
        alias: names.alias.clone(),
        from: alias.describe(),
        to: target,
        changed,
    })?;
    Ok(Exit::Success)
}
