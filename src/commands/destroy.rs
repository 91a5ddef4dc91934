//! `faqctl destroy`: delete the REST API (with its stage), the permission, the function and
//! its log group. Idempotent: what is already gone is skipped, and a second run says so.

use std::fmt;
use std::io::{BufRead, IsTerminal, Write};

use anyhow::bail;
use clap::Args;
use serde::Serialize;

use super::deploy::apply_all;
use crate::aws::{self, ApplyContext, Clients};
use crate::commands::Exit;
use crate::output::Printer;
use crate::plan::{plan_destroy, ChangeOutput, Desired};
use crate::settings::{NameArgs, RemoteArgs};

#[derive(Debug, Args)]
pub struct DestroyArgs {
    #[command(flatten)]
    pub names: NameArgs,
    /// Do not ask for confirmation (needed when not at a terminal, e.g. in CI).
    #[arg(long, short = 'y')]
    pub yes: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct DestroyOutput {
    pub schema_version: u32,
    pub function_name: crate::settings::FunctionName,
    pub changes: Vec<ChangeOutput>,
}

impl fmt::Display for DestroyOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.changes.is_empty() {
            return write!(
                f,
                "Nothing to destroy: no function, API or log group of {} was left.",
                self.function_name
            );
        }
        for change in &self.changes {
            writeln!(f, "{}", change.description)?;
        }
        write!(f, "Destroyed {} resource(s).", self.changes.len())
    }
}

pub async fn run(
    remote: &RemoteArgs,
    args: DestroyArgs,
    printer: &Printer,
) -> anyhow::Result<Exit> {
    let names = args.names.resolve()?;
    let aws = remote.load().await?;
    let clients = Clients::new(&aws).with_progress(printer.reports_progress());
    let mut observed = aws::observe(&clients, &names, Some(false), Some(false)).await?;
    // The usage plan and the keys faqctl made for it go too.
    observed.usage_plan = aws::usage::find_plan(&clients, &names, true).await?;
    // The custom domains mapped to the API, and those faqctl made for it.
    let apis: Vec<_> = observed.apis.iter().map(|a| a.id.clone()).collect();
    observed.domains = aws::domains::find_all(&clients, &names.api, &apis).await?;
    let changes = plan_destroy(&names, &observed);
    if !changes.is_empty() && !args.yes {
        confirm(&changes, &aws.region)?;
    }
    // Deletes need no desired state beyond the names.
    let desired = Desired {
        names: names.clone(),
        region: aws.region.clone(),
        role_arn: None,
        memory_mb: 0,
        timeout_s: 0,
        code_sha256: String::new(),
        architecture: Default::default(),
        log_retention_days: 0,
        api_logs: None,
        apigw_logs_role_arn: None,
        throttle_rate: 0,
        throttle_burst: 0,
        cors_origins: Default::default(),
        commit: None,
        gate: false,
        keep_versions: 0,
        traffic: Default::default(),
        alarms: vec![],
        api_keys: Default::default(),
        auth: Default::default(),
        response_model: false,
        domain: None,
        cache_ttl: None,
    };
    let mut context = ApplyContext::new(&observed);
    let mut applied = Vec::new();
    apply_all(
        &clients,
        &desired,
        &[],
        &mut context,
        &changes,
        &mut applied,
        printer,
    )
    .await?;
    printer.result(&DestroyOutput {
        schema_version: 1,
        function_name: names.function.clone(),
        changes: changes.iter().map(ChangeOutput::from).collect(),
    })?;
    Ok(Exit::Success)
}

fn confirm(changes: &[crate::plan::Change], region: &str) -> anyhow::Result<()> {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        bail!("destroy deletes resources and is not at a terminal to ask: pass --yes to confirm");
    }
    let mut stderr = std::io::stderr();
    writeln!(stderr, "faqctl will delete in {region}:")?;
    for change in changes {
        writeln!(stderr, "  {change}")?;
    }
    write!(stderr, "Proceed? [y/N] ")?;
    stderr.flush()?;
    let mut answer = String::new();
    stdin.lock().read_line(&mut answer)?;
    if !matches!(answer.trim(), "y" | "Y" | "yes" | "YES" | "Yes") {
        bail!("destroy cancelled: nothing was deleted");
    }
    Ok(())
}
