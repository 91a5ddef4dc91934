//! `faqctl keys create|list|revoke`: API keys for third-party developers, each in the stage's
//! usage plan (`deploy --api-key-required` makes the plan and has GET / require a key). A key's
//! value is printed once, when it is made; `list` shows each key's use today (GetUsage, UTC).

use std::fmt;

use clap::{Args, Subcommand};
use serde::Serialize;

use crate::aws::usage::{self, KeyInfo};
use crate::aws::Clients;
use crate::commands::Exit;
use crate::output::Printer;
use crate::settings::{NameArgs, RemoteArgs};

#[derive(Debug, Args)]
pub struct KeysArgs {
    #[command(flatten)]
    pub names: NameArgs,
    #[command(subcommand)]
    pub action: KeysAction,
}

#[derive(Debug, Subcommand)]
pub enum KeysAction {
    /// Make an enabled API key in the stage's usage plan and print its value (shown once: hand
    /// it to the developer; callers send it as `x-api-key`).
    Create {
        /// The key's name (the developer or partner it is for).
        name: String,
    },
    /// The keys faqctl made for the stage, with what each used today and what the quota
    /// leaves of its period.
    List,
    /// Delete a key: requests with it are refused (403) from then on.
    Revoke { name: String },
}

#[derive(Debug, Clone, Serialize)]
pub struct KeysOutput {
    pub schema_version: u32,
    pub usage_plan: String,
    pub action: &'static str,
    pub keys: Vec<KeyInfo>,
}

impl fmt::Display for KeysOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.action {
            "create" => {
                for key in &self.keys {
                    writeln!(
                        f,
                        "Created API key {} (id {}) in usage plan {}.",
                        key.name, key.id, self.usage_plan
                    )?;
                    writeln!(
                        f,
                        "Its value, shown only now (send it as the x-api-key header):"
                    )?;
                    writeln!(f, "{}", key.value.as_deref().unwrap_or("-"))?;
                }
                Ok(())
            }
            "revoke" => {
                for key in &self.keys {
                    writeln!(
                        f,
                        "Revoked API key {} (id {}): requests with it are refused from now on.",
                        key.name, key.id
                    )?;
                }
                Ok(())
            }
            _ => {
                if self.keys.is_empty() {
                    return writeln!(
                        f,
                        "No API keys in usage plan {}: `faqctl keys create NAME` makes one.",
                        self.usage_plan
                    );
                }
                writeln!(
                    f,
                    "{:<24} {:<12} {:<8} {:>10} {:>10}",
                    "NAME", "ID", "ENABLED", "USED TODAY", "REMAINING"
                )?;
                for key in &self.keys {
                    writeln!(
                        f,
                        "{:<24} {:<12} {:<8} {:>10} {:>10}",
                        key.name,
                        key.id,
                        key.enabled,
                        key.used_today.unwrap_or(0),
                        key.remaining
                            .map_or_else(|| "-".to_string(), |r| r.to_string())
                    )?;
                }
                Ok(())
            }
        }
    }
}

pub async fn run(remote: &RemoteArgs, args: KeysArgs, printer: &Printer) -> anyhow::Result<Exit> {
    let names = args.names.resolve()?;
    let aws = remote.load().await?;
    let clients = Clients::new(&aws);
    let (action, keys) = match &args.action {
        KeysAction::Create { name } => {
            check_key_name(name)?;
            (
                "create",
                vec![usage::create_key(&clients, &names, name).await?],
            )
        }
        KeysAction::List => ("list", usage::list_keys(&clients, &names).await?),
        KeysAction::Revoke { name } => (
            "revoke",
            vec![usage::revoke_key(&clients, &names, name).await?],
        ),
    };
    printer.result(&KeysOutput {
        schema_version: 1,
        usage_plan: names.usage_plan(),
        action,
        keys,
    })?;
    Ok(Exit::Success)
}

/// A name API Gateway takes for a key (at most 1024 characters), with no control characters.
fn check_key_name(name: &str) -> anyhow::Result<()> {
    if name.trim().is_empty() || name.chars().count() > 1024 || name.chars().any(char::is_control) {
        anyhow::bail!(
            "{name:?} is not a key name: use 1 to 1024 printable characters, e.g. the partner's name (acme-corp)"
        );
    }
    Ok(())
}
