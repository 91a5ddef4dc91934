//! `faqctl plan`: what a deploy would change, without changing anything. With
//! `--detailed-exitcode` it is a drift check: 0 nothing to do, 2 changes pending, 1 error.

use std::fmt;

use clap::Args;
use serde::Serialize;

use super::deploy::DeployArgs;
use crate::aws::{self, Clients};
use crate::cli::Source;
use crate::commands::Exit;
use crate::output::Printer;
use crate::plan::{plan_deploy, ChangeOutput};
use crate::settings::RemoteArgs;

#[derive(Debug, Args)]
pub struct PlanArgs {
    #[command(flatten)]
    pub deploy: DeployArgs,
    /// Exit 2 when there are changes (0 when none, 1 on error), as `terraform plan` does.
    #[arg(long)]
    pub detailed_exitcode: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct PlanOutput {
    pub schema_version: u32,
    pub function_name: crate::settings::FunctionName,
    pub code_sha256: String,
    pub changes: Vec<ChangeOutput>,
}

impl fmt::Display for PlanOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.changes.is_empty() {
            return write!(f, "No changes: {} is up to date.", self.function_name);
        }
        for change in &self.changes {
            writeln!(f, "{}", change.description)?;
        }
        write!(
            f,
            "Plan: {} change(s). Run `faqctl deploy` to apply them.",
            self.changes.len()
        )
    }
}

pub async fn run(
    remote: &RemoteArgs,
    args: PlanArgs,
    sources: &[Source],
    printer: &Printer,
) -> anyhow::Result<Exit> {
    printer.detail("settings:");
    for source in sources {
        printer.detail(format!("  {source}"));
    }
    let mut deploy = args.deploy;
    deploy.function = deploy.function.for_remote(remote);
    let names = deploy.names.resolve()?;
    deploy
        .function
        .desired(&names, "us-east-1", "", deploy.source.project.arch)?;
    let package =
        deploy
            .source
            .package(&names.function, super::deploy::profile_for(remote), printer)?;
    let aws = remote.load().await?;
    let desired = deploy.function.desired(
        &names,
        &aws.region,
        &package.code_sha256,
        package.architecture,
    )?;
    let clients = Clients::new(&aws);
    let mut observed = aws::observe(
        &clients,
        &names,
        desired.api_logs,
        desired.api_keys.required,
    )
    .await?;
    if let Some(domain) = &desired.domain {
        observed.domains = aws::domains::find(&clients, &domain.name)
            .await?
            .into_iter()
            .collect();
    }
    let changes = plan_deploy(&desired, &observed)?;
    let output = PlanOutput {
        schema_version: 1,
        function_name: names.function.clone(),
        code_sha256: package.code_sha256.clone(),
        changes: changes.iter().map(ChangeOutput::from).collect(),
    };
    printer.result(&output)?;
    Ok(if args.detailed_exitcode && !changes.is_empty() {
        Exit::Changes
    } else {
        Exit::Success
    })
}
