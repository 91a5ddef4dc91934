//! `faqctl status`: what is deployed now — function, code, API, stage, invoke URL — from reads
//! only. Nothing deployed is not an error: the answer says so (`"deployed": false`).

use std::fmt;

use clap::Args;
use serde::Serialize;

use crate::aws::{self, Clients};
use crate::commands::Exit;
use crate::output::Printer;
use crate::settings::{NameArgs, RemoteArgs};

#[derive(Debug, Args)]
pub struct StatusArgs {
    #[command(flatten)]
    pub names: NameArgs,
}

#[derive(Debug, Clone, Serialize)]
pub struct StatusOutput {
    pub schema_version: u32,
    pub deployed: bool,
    pub region: String,
    pub function: Option<FunctionStatus>,
    pub api: Option<ApiStatus>,
    pub invoke_url: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FunctionStatus {
    pub name: crate::settings::FunctionName,
    pub arn: String,
    pub code_sha256: String,
    pub last_modified: String,
    pub memory_mb: i32,
    pub timeout_s: i32,
}

#[derive(Debug, Clone, Serialize)]
pub struct ApiStatus {
    pub name: crate::settings::ApiName,
    pub id: crate::settings::RestApiId,
    pub stage: crate::settings::StageName,
    pub stage_deployed: bool,
}

impl fmt::Display for StatusOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.function {
            Some(function) => {
                writeln!(f, "function      {} ({})", function.name, function.arn)?;
                writeln!(f, "CodeSha256    {}", function.code_sha256)?;
                writeln!(f, "last modified {}", function.last_modified)?;
            }
            None => writeln!(f, "function      not deployed")?,
        }
        match &self.api {
            Some(api) => {
                let stage = if api.stage_deployed {
                    ""
                } else {
                    " (not deployed)"
                };
                writeln!(f, "API           {} ({})", api.name, api.id)?;
                writeln!(f, "stage         {}{stage}", api.stage)?;
            }
            None => writeln!(f, "API           not deployed")?,
        }
        write!(
            f,
            "invoke URL    {}",
            self.invoke_url.as_deref().unwrap_or("-")
        )
    }
}

pub async fn run(remote: &RemoteArgs, args: StatusArgs, printer: &Printer) -> anyhow::Result<Exit> {
    let names = args.names.resolve()?;
    let aws_config = remote.load().await?;
    let clients = Clients::new(&aws_config);
    let observed = aws::observe(&clients, &names, Some(false)).await?;
    let api = observed.apis.first().map(|api| ApiStatus {
        name: names.api.clone(),
        id: api.id.clone(),
        stage: names.stage.clone(),
        stage_deployed: api.stage.is_some(),
    });
    let invoke_url = api
        .as_ref()
        .filter(|api| api.stage_deployed)
        .map(|api| clients.invoke_url(&api.id, &names.stage));
    let output = StatusOutput {
        schema_version: 1,
        deployed: observed.function.is_some() && invoke_url.is_some(),
        region: aws_config.region.clone(),
        function: observed.function.map(|f| FunctionStatus {
            name: names.function.clone(),
            arn: f.arn,
            code_sha256: f.code_sha256,
            last_modified: f.last_modified,
            memory_mb: f.memory_mb,
            timeout_s: f.timeout_s,
        }),
        api,
        invoke_url,
    };
    printer.result(&output)?;
    Ok(Exit::Success)
}
