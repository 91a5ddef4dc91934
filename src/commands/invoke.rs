//! `faqctl invoke`: call the function directly (Lambda Invoke, the lab's "test the function in
//! isolation"), or `--http`: GET the stage URL as a browser would.

use std::fmt;
use std::time::Duration;

use anyhow::{bail, Context};
use clap::Args;
use serde::Serialize;
use serde_json::Value;

use crate::aws::{self, Clients};
use crate::commands::Exit;
use crate::output::Printer;
use crate::settings::{NameArgs, RemoteArgs};

#[derive(Debug, Args)]
pub struct InvokeArgs {
    #[command(flatten)]
    pub names: NameArgs,
    /// The event to send, as JSON (a direct invoke; ignored with --http).
    #[arg(long, value_name = "JSON", default_value = "{}")]
    pub payload: String,
    /// Also show the tail of the execution log (Lambda's LogType=Tail), on stderr.
    #[arg(long)]
    pub log: bool,
    /// GET the stage URL through API Gateway instead of invoking the function directly.
    #[arg(long, conflicts_with_all = ["payload", "log"])]
    pub http: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct InvokeOutput {
    pub schema_version: u32,
    pub function_name: crate::settings::FunctionName,
    pub status_code: i32,
    pub function_error: Option<String>,
    pub payload: Value,
    pub log: Option<String>,
}

impl fmt::Display for InvokeOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}",
            serde_json::to_string_pretty(&self.payload).map_err(|_| fmt::Error)?
        )
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct HttpOutput {
    pub schema_version: u32,
    pub url: String,
    pub status: u16,
    pub body: String,
}

impl fmt::Display for HttpOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "HTTP {} from {}", self.status, self.url)?;
        write!(f, "{}", self.body)
    }
}

pub async fn run(remote: &RemoteArgs, args: InvokeArgs, printer: &Printer) -> anyhow::Result<Exit> {
    let names = args.names.resolve()?;
    let payload: Value = serde_json::from_str(&args.payload)
        .with_context(|| format!("--payload {:?} is not JSON", args.payload))?;
    let aws = remote.load().await?;
    let clients = Clients::new(&aws);

    if args.http {
        let api = aws::find_apis(&clients, &names.api)
            .await?
            .into_iter()
            .next()
            .with_context(|| {
                format!(
                    "no REST API {} managed by faqctl in {}: run `faqctl deploy` first",
                    names.api, aws.region
                )
            })?;
        let url = clients.invoke_url(api.id().unwrap_or_default(), &names.stage);
        let output = http_get(&url).await?;
        printer.result(&output)?;
        if !(200..300).contains(&output.status) {
            bail!("GET {url} answered HTTP {}", output.status);
        }
        return Ok(Exit::Success);
    }

    let invoked = aws::invoke(
        &clients,
        &names.function,
        &serde_json::to_vec(&payload)?,
        args.log,
    )
    .await?
    .with_context(|| {
        format!(
            "function {} does not exist in {}: run `faqctl deploy` first",
            names.function, aws.region
        )
    })?;
    let raw = invoked.payload.as_slice();
    let output = InvokeOutput {
        schema_version: 1,
        function_name: names.function.clone(),
        status_code: invoked.status_code,
        function_error: invoked.function_error,
        payload: serde_json::from_slice(raw)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(raw).into_owned())),
        log: invoked.log,
    };
    printer.result(&output)?;
    if let (Some(log), crate::output::OutputFormat::Text) = (&output.log, printer.format()) {
        eprint!("{log}");
    }
    if let Some(kind) = &output.function_error {
        let message = output.payload["errorMessage"]
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| output.payload.to_string());
        bail!("function {} failed ({kind}): {message}", names.function);
    }
    Ok(Exit::Success)
}

/// GETs a URL, following nothing, with a bounded wait.
pub async fn http_get(url: &str) -> anyhow::Result<HttpOutput> {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .connect_timeout(Duration::from_secs(5))
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let response = client
        .get(url)
        .send()
        .await
        .with_context(|| format!("GET {url} failed: check the URL and your network"))?;
    let status = response.status().as_u16();
    let body = response
        .text()
        .await
        .with_context(|| format!("GET {url}: cannot read the body"))?;
    Ok(HttpOutput {
        schema_version: 1,
        url: url.to_string(),
        status,
        body,
    })
}
