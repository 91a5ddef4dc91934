//! `faqctl invoke`: call the function directly (Lambda Invoke, the lab's "test the function in
//! isolation") through the alias users reach (what the stage serves; `--qualifier` picks
//! another), saying which version answered; or `--http`: GET the stage URL as a browser would.

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
    /// GET the stage URL through API Gateway instead of invoking the function directly; the
    /// request is signed (SigV4, `execute-api`) with your credentials, as a method authorized
    /// by IAM (`deploy --auth iam`) needs.
    #[arg(long, conflicts_with_all = ["payload", "log", "qualifier"])]
    pub http: bool,
    /// With --http: the API key to send (`x-api-key`), for a method that requires one
    /// (`deploy --api-key-required`; `faqctl keys create` makes keys).
    #[arg(long, value_name = "KEY", requires = "http", env = "FAQCTL_API_KEY")]
    pub api_key: Option<String>,
    /// What to invoke: by default the alias users reach (--alias, `live`), so the version the
    /// stage serves answers; `$LATEST` for the code last uploaded, or a version number.
    #[arg(long, value_name = "QUALIFIER", value_parser = parse_qualifier)]
    pub qualifier: Option<String>,
}

/// `$LATEST`, a version number, or an alias name (Lambda's Qualifier pattern).
fn parse_qualifier(value: &str) -> Result<String, String> {
    let ok = value == "$LATEST"
        || (!value.is_empty()
            && value.len() <= 128
            && value
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
    if ok {
        Ok(value.to_string())
    } else {
        Err(format!(
            "{value:?} is not a qualifier: give '$LATEST' (quoted, so the shell keeps the $), a version number from `faqctl history`, or an alias name"
        ))
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct InvokeOutput {
    pub schema_version: u32,
    pub function_name: crate::settings::FunctionName,
    /// What was invoked: the alias, `$LATEST` or a version.
    pub qualifier: String,
    /// The version that answered (through an alias, the one its routing drew).
    pub executed_version: Option<String>,
    /// Lambda's request id for the invocation: `faqctl logs --request-id` shows its lines.
    pub request_id: Option<String>,
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
    /// API Gateway's request id (`x-amzn-RequestId`): what `faqctl logs --request-id` takes.
    pub request_id: Option<String>,
    pub body: String,
}

impl fmt::Display for HttpOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HTTP {} from {}", self.status, self.url)?;
        match &self.request_id {
            Some(id) => writeln!(f, " (request {id})")?,
            None => writeln!(f)?,
        }
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
        let mut headers = aws::sign::signed_get_headers(&aws, &url)
            .await?
            .unwrap_or_default();
        if let Some(key) = &args.api_key {
            headers.push(("x-api-key".into(), key.clone()));
        }
        let output = http_get(&url, &headers).await?;
        printer.result(&output)?;
        if !(200..300).contains(&output.status) {
            bail!("GET {url} answered HTTP {}", output.status);
        }
        return Ok(Exit::Success);
    }

    let qualifier = args.qualifier.unwrap_or_else(|| names.alias.clone());
    let target = format!("{}:{qualifier}", names.function);
    let invoked = aws::invoke(&clients, &target, &serde_json::to_vec(&payload)?, args.log)
        .await?
        .with_context(|| {
            format!(
                "{target} does not exist in {}: run `faqctl deploy` first (or pick what to invoke with --qualifier: '$LATEST', or a version from `faqctl history`)",
                aws.region
            )
        })?;
    // The answer is stdout's; which version gave it goes beside it on stderr (in JSON, the
    // document's `executed_version`; on a failure, the error names it).
    let answered = invoked
        .executed_version
        .as_deref()
        .map(|v| format!("{target} (version {v})"))
        .unwrap_or_else(|| target.clone());
    if invoked.function_error.is_none()
        && invoked.executed_version.is_some()
        && printer.format() == crate::output::OutputFormat::Text
        && !printer.quiet()
    {
        eprintln!("{answered} answered");
    }
    let raw = invoked.payload.as_slice();
    let output = InvokeOutput {
        schema_version: 2,
        function_name: names.function.clone(),
        qualifier,
        executed_version: invoked.executed_version,
        request_id: invoked.request_id,
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
        bail!("function {answered} failed ({kind}): {message}");
    }
    Ok(Exit::Success)
}

/// GETs a URL, following nothing, with a bounded wait.
pub async fn http_get(url: &str, headers: &[(String, String)]) -> anyhow::Result<HttpOutput> {
    // reqwest is built without a crypto provider of its own (Cargo.toml): it takes rustls'
    // process default, ring, as the SDK's client does. A second install is a harmless no-op.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .connect_timeout(Duration::from_secs(5))
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let mut request = client.get(url);
    for (name, value) in headers {
        request = request.header(name.as_str(), value.as_str());
    }
    let response = request
        .send()
        .await
        .with_context(|| format!("GET {url} failed: check the URL and your network"))?;
    let status = response.status().as_u16();
    let request_id = response
        .headers()
        .get("x-amzn-requestid")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let body = response
        .text()
        .await
        .with_context(|| format!("GET {url}: cannot read the body"))?;
    Ok(HttpOutput {
        schema_version: 1,
        url: url.to_string(),
        status,
        request_id,
        body,
    })
}
