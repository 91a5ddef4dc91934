//! `faqctl export`: the deployed API's contract as an OpenAPI document (API Gateway's
//! GetExport of the stage): OpenAPI 3.0 or Swagger 2.0, JSON or YAML, with API Gateway's
//! extensions on request. The document is what the stage serves (its deployment), written to
//! stdout or to `--out FILE` as API Gateway answered it, byte for byte.

use std::fmt;
use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, ValueEnum};
use serde::Serialize;

use crate::aws::{self, sdk_error, Clients};
use crate::commands::Exit;
use crate::output::{OutputFormat, Printer};
use crate::settings::{NameArgs, RemoteArgs};

#[derive(Debug, Args)]
pub struct ExportArgs {
    #[command(flatten)]
    pub names: NameArgs,
    /// The document's version of OpenAPI: 3.0 (`oas30`) or 2.0 (`swagger`).
    #[arg(long, value_enum, default_value_t = ExportFormat::Oas30)]
    pub format: ExportFormat,
    /// YAML instead of JSON.
    #[arg(long)]
    pub yaml: bool,
    /// Include API Gateway's extensions (`x-amazon-apigateway-integration`, …), which an
    /// import into API Gateway needs to make the same API again.
    #[arg(long)]
    pub extensions: bool,
    /// Write the document to this file instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// OpenAPI 3.0.1.
    Oas30,
    /// Swagger (OpenAPI 2.0).
    Swagger,
}

impl ExportFormat {
    /// GetExport's `exportType`.
    pub fn export_type(self) -> &'static str {
        match self {
            ExportFormat::Oas30 => "oas30",
            ExportFormat::Swagger => "swagger",
        }
    }
}

/// What `--out` wrote (the document itself is the result when it goes to stdout).
#[derive(Debug, Clone, Serialize)]
pub struct ExportOutput {
    pub schema_version: u32,
    pub api_id: String,
    pub stage: String,
    pub format: &'static str,
    pub media_type: &'static str,
    pub file: String,
    pub bytes: usize,
}

impl fmt::Display for ExportOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Wrote the {} document of stage {} of {} to {} ({} bytes).",
            self.format, self.stage, self.api_id, self.file, self.bytes
        )
    }
}

pub async fn run(remote: &RemoteArgs, args: ExportArgs, printer: &Printer) -> anyhow::Result<Exit> {
    let names = args.names.resolve()?;
    if args.out.is_none() && printer.format() == OutputFormat::Json {
        anyhow::bail!(
            "`faqctl export` prints the document itself on stdout: give --out FILE with --output json (then the JSON result names the file)"
        );
    }
    let aws = remote.load().await?;
    let clients = Clients::new(&aws);
    let api = aws::find_apis(&clients, &names.api)
        .await?
        .into_iter()
        .next()
        .and_then(|a| a.id().map(str::to_string))
        .with_context(|| {
            format!(
                "no REST API {} managed by faqctl in {}: run `faqctl deploy` first",
                names.api, aws.region
            )
        })?;
    let media_type = if args.yaml {
        "application/yaml"
    } else {
        "application/json"
    };
    let mut request = clients
        .apigateway
        .get_export()
        .rest_api_id(&api)
        .stage_name(names.stage.as_str())
        .export_type(args.format.export_type())
        .accepts(media_type);
    if args.extensions {
        request = request.parameters("extensions", "apigateway");
    }
    // The SDK sets `Accept: application/json` on every API Gateway request, over GetExport's
    // own `accepts` (the customization other SDKs fixed: botocore#873, aws-sdk-java-v2#1174):
    // set last, the header asks for the format wanted.
    let exported = request
        .customize()
        .mutate_request(move |http| {
            http.headers_mut().insert("accept", media_type);
        })
        .send()
        .await
        .map_err(|e| {
            sdk_error(
                "GetExport",
                &format!("stage {} of {api} (run `faqctl deploy` first)", names.stage),
                e,
            )
        })?;
    let body = exported.body().map(|b| b.as_ref()).unwrap_or_default();
    match &args.out {
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout
                .write_all(body)
                .context("writing the document to stdout")?;
            if !body.ends_with(b"\n") {
                stdout
                    .write_all(b"\n")
                    .context("writing the document to stdout")?;
            }
            stdout.flush().context("writing the document to stdout")?;
        }
        Some(path) => {
            std::fs::write(path, body)
                .with_context(|| format!("writing the document to {}", path.display()))?;
            printer.result(&ExportOutput {
                schema_version: 1,
                api_id: api,
                stage: names.stage.to_string(),
                format: args.format.export_type(),
                media_type,
                file: path.display().to_string(),
                bytes: body.len(),
            })?;
        }
    }
    Ok(Exit::Success)
}
