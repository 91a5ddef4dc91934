//! `faqctl cache flush`: empties the stage's response cache (FlushStageCache), so that the next
//! GET runs the function again (after a change to the FAQ that a deploy did not make, say).

use std::fmt;

use anyhow::Context;
use clap::{Args, Subcommand};
use serde::Serialize;

use crate::aws::{self, sdk_error, Clients};
use crate::commands::Exit;
use crate::output::Printer;
use crate::settings::{NameArgs, RemoteArgs};

#[derive(Debug, Args)]
pub struct CacheArgs {
    #[command(flatten)]
    pub names: NameArgs,
    #[command(subcommand)]
    pub action: CacheAction,
}

#[derive(Debug, Subcommand)]
pub enum CacheAction {
    /// Empty the stage's cache (deploy with --cache-ttl first).
    Flush,
}

#[derive(Debug, Clone, Serialize)]
pub struct FlushOutput {
    pub schema_version: u32,
    pub api_id: String,
    pub stage: String,
}

impl fmt::Display for FlushOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Flushed the cache of stage {} of {}: the next GET runs the function.",
            self.stage, self.api_id
        )
    }
}

pub async fn run(remote: &RemoteArgs, args: CacheArgs, printer: &Printer) -> anyhow::Result<Exit> {
    let names = args.names.resolve()?;
    let aws = remote.load().await?;
    let clients = Clients::new(&aws);
    let CacheAction::Flush = args.action;
    let api = aws::find_apis(&clients, &names.api)
        .await?
        .into_iter()
        .next()
        .and_then(|a| a.id().map(str::to_string))
        .with_context(|| {
            format!(
                "no REST API {} managed by faqctl in {}: run `faqctl deploy --cache-ttl SECONDS` first",
                names.api, aws.region
            )
        })?;
    clients
        .apigateway
        .flush_stage_cache()
        .rest_api_id(&api)
        .stage_name(names.stage.as_str())
        .send()
        .await
        .map_err(|e| sdk_error("FlushStageCache", &format!("{} of {api}", names.stage), e))?;
    printer.result(&FlushOutput {
        schema_version: 1,
        api_id: api,
        stage: names.stage.to_string(),
    })?;
    Ok(Exit::Success)
}
