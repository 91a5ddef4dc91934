//! `faqctl status`: what is deployed now — function, the live version(s) users reach through
//! the alias (code, commit, weight), API, stage, invoke URL — from reads only. `$LATEST` is
//! shown only when its code differs from what is live, as "not live". Nothing deployed is not
//! an error: the answer says so (`"deployed": false`).

use std::fmt;

use clap::Args;
use serde::Serialize;

use crate::aws::{self, Clients};
use crate::commands::history::{commit_of, weight_of};
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
    /// The alias users reach it through.
    pub alias: String,
    /// What the alias sends users to: one version, or two while a shift is under way.
    pub live: Vec<LiveVersion>,
    /// `$LATEST` when its code is not what users get (a deploy stopped at the gate, a
    /// rollback); `None` when it is.
    pub latest_not_live: Option<LatestStatus>,
    pub memory_mb: i32,
    pub timeout_s: i32,
}

#[derive(Debug, Clone, Serialize)]
pub struct LiveVersion {
    pub version: u64,
    /// The share of the alias' invocations it gets (1.0: all).
    pub weight: f64,
    pub code_sha256: String,
    pub commit: Option<String>,
    pub last_modified: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct LatestStatus {
    pub code_sha256: String,
    pub last_modified: String,
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
                if function.live.is_empty() {
                    writeln!(
                        f,
                        "live          none: {}:{} does not name a published version (run `faqctl deploy`)",
                        function.name, function.alias
                    )?;
                }
                for live in &function.live {
                    writeln!(
                        f,
                        "live          version {} ({}% via {}:{}) CodeSha256 {} commit {} published {}",
                        live.version,
                        (live.weight * 1000.0).round() / 10.0,
                        function.name,
                        function.alias,
                        live.code_sha256,
                        live.commit.as_deref().unwrap_or("-"),
                        live.last_modified
                    )?;
                }
                if let Some(latest) = &function.latest_not_live {
                    writeln!(
                        f,
                        "$LATEST       not live: CodeSha256 {} uploaded {}",
                        latest.code_sha256, latest.last_modified
                    )?;
                }
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
    let observed = aws::observe(&clients, &names, Some(false), Some(false)).await?;
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
        schema_version: 2,
        deployed: observed.function.is_some() && invoke_url.is_some(),
        region: aws_config.region.clone(),
        function: observed.function.map(|f| {
            let live: Vec<LiveVersion> = f
                .versions
                .iter()
                .rev()
                .filter_map(|v| {
                    let weight = weight_of(observed.alias.as_ref(), v.number);
                    (weight > 0.0).then(|| LiveVersion {
                        version: v.number,
                        weight,
                        code_sha256: v.code_sha256.clone(),
                        commit: commit_of(&v.description),
                        last_modified: v.last_modified.clone(),
                    })
                })
                .collect();
            let latest_live = live.iter().any(|v| v.code_sha256 == f.code_sha256);
            FunctionStatus {
                name: names.function.clone(),
                arn: f.arn,
                alias: names.alias.clone(),
                live,
                latest_not_live: (!latest_live).then_some(LatestStatus {
                    code_sha256: f.code_sha256,
                    last_modified: f.last_modified,
                }),
                memory_mb: f.memory_mb,
                timeout_s: f.timeout_s,
            }
        }),
        api,
        invoke_url,
    };
    printer.result(&output)?;
    Ok(Exit::Success)
}
