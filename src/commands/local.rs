//! `faqctl local`: start the embedded local cloud, deploy the project into it with the same
//! code that deploys to AWS, print the stage URLs, and follow the function's logs until
//! Ctrl-C. Everything stops with it, `bootstrap` processes included.

use std::net::IpAddr;
use std::path::PathBuf;

use std::fmt;

use clap::Args;
use serde::Serialize;

use super::build::SourceArgs;
use super::deploy::{converge, FunctionArgs};
use super::watch::{watch, Target, Watcher};
use crate::aws::Clients;
use crate::commands::Exit;
use crate::output::OutputFormat;
use crate::package::Profile;

/// Prints what is served: the text banner (not with `-q`, which leaves only the log lines), or
/// one JSON document with `--output json`.
fn announce(printer: &Printer, output: &LocalOutput) -> anyhow::Result<()> {
    if printer.format() == OutputFormat::Json || !printer.quiet() {
        printer.result(output)?;
    }
    Ok(())
}
use crate::local::{LocalCloud, LocalConfig, DEFAULT_PORT};
use crate::output::Printer;
use crate::settings::{NameArgs, RemoteArgs};

#[derive(Debug, Args)]
pub struct LocalArgs {
    /// The port to serve on (0 picks a free one).
    #[arg(long, default_value_t = DEFAULT_PORT)]
    pub port: u16,
    /// The address to listen on. Loopback unless you say otherwise: the local cloud verifies no
    /// credentials (any signed request is served), so anything that can reach it can deploy and
    /// run code.
    #[arg(long, value_name = "ADDRESS", default_value = "127.0.0.1")]
    pub bind: IpAddr,
    /// Keep state (functions, APIs, logs) here, so that it survives a restart.
    #[arg(long, value_name = "DIR")]
    pub state_dir: Option<PathBuf>,
    /// Only serve: deploy nothing and follow no logs.
    #[arg(long)]
    pub no_deploy: bool,
    /// Inject faults, e.g. `CreateFunction=throttle*2,PutMethod=500,Invoke=slow:1500`.
    /// Faults: throttle, 500, 503, conflict, role (CreateFunction, UpdateFunctionConfiguration),
    /// account-role and account-logs (UpdateAccount), slow:MS, reset, lost (served, then the
    /// answer is dropped), gather:N (the next N calls wait for one another); `*` as the
    /// operation matches all. More can be queued at run time: POST the spec to /_faqctl/faults.
    #[arg(long, value_name = "SPEC")]
    pub faults: Option<String>,
    /// Enforce AWS's per-account rate limits: API Gateway's control plane (429 with
    /// Retry-After beyond CreateDeployment 1 per 5 s, CreateRestApi 1 per 3 s, DeleteRestApi 1
    /// per 30 s, UpdateAccount 1 per 20 s, others 10/s with a burst of 40) and CloudWatch Logs'
    /// FilterLogEvents, 5 per second (ThrottlingException).
    #[arg(long)]
    pub enforce_rate_limits: bool,
    /// Take as long as AWS does: a new function stays Pending and an update InProgress for
    /// 3 s, a stage's new deployment reaches its URL after 5 s (the old one serves until
    /// then), a role created here cannot be assumed by Lambda for 10 s. So the SDK's waiters,
    /// the 409s of a busy function and faqctl's retries run as they do on AWS.
    #[arg(long)]
    pub aws_timing: bool,
    /// Judge every call as IAM would, against this identity policy (a JSON policy document,
    /// e.g. one of the per-command policies in iam/): calls it does not allow answer
    /// AccessDeniedException, and GetFunction withholds Tags without lambda:ListTags. Can be
    /// set at run time: POST the document to /_faqctl/iam.
    #[arg(long, value_name = "FILE")]
    pub iam_policy: Option<PathBuf>,
    /// IAM actions the caller may not perform, e.g. `lambda:ListTags,apigateway:DELETE`.
    #[arg(long, value_name = "ACTIONS")]
    pub deny: Option<String>,
    /// More credentials a stage request to a method authorized by IAM (`deploy --auth iam`)
    /// may be signed with, in the AWS shared-credentials format (`[name]`,
    /// `aws_access_key_id = …`, `aws_secret_access_key = …`). `test`/`test` and
    /// `testing`/`testing` are always known.
    #[arg(long, value_name = "FILE")]
    pub credentials: Option<PathBuf>,
    /// Rebuild and redeploy when function/, the FAQ file or the workspace manifest is saved:
    /// the same function, API and URL serve the new code; a build that fails is printed and
    /// the previous code keeps serving.
    #[arg(long, conflicts_with_all = ["zip", "no_deploy"])]
    pub watch: bool,
    /// Execution environments per function at most.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub max_environments: u16,
    /// Threads serving requests (the async runtime's workers). Default: one per CPU the
    /// machine offers but one, left to the functions' `bootstrap` processes (at least 1).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=256))]
    pub workers: Option<u16>,
    /// Whether a function's process runs on the CPU of the worker that hands it its event
    /// while its invocation is the only one in flight (a hand-off on one CPU, instead of
    /// waking another): `auto` while the machine is not oversubscribed, `always`, or `off`.
    #[arg(long, value_enum, default_value_t = Placement::Auto)]
    pub placement: Placement,
    #[command(flatten)]
    pub names: NameArgs,
    #[command(flatten)]
    pub function: FunctionArgs,
    #[command(flatten)]
    pub source: SourceArgs,
}

/// `--placement`'s values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Placement {
    Auto,
    Always,
    Off,
}

impl From<Placement> for crate::local::PlacementMode {
    fn from(placement: Placement) -> Self {
        match placement {
            Placement::Auto => crate::local::PlacementMode::Auto,
            Placement::Always => crate::local::PlacementMode::Always,
            Placement::Off => crate::local::PlacementMode::Off,
        }
    }
}

/// `--workers` when not given: the machine's CPUs but one, which the functions'
/// `bootstrap` processes need beside the server (at least 1).
pub fn default_workers() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .saturating_sub(1)
        .max(1)
}

pub async fn run(args: LocalArgs, global: &RemoteArgs, printer: &Printer) -> anyhow::Result<Exit> {
    // Listening for Ctrl-C / SIGTERM before anything starts: a stop that comes early still
    // ends everything cleanly (and removes the temporary state dir).
    let mut stop = super::StopSignal::new();
    let names = args.names.resolve()?;
    if !args.no_deploy {
        // Before a cross build that could take a minute: can this machine run the result?
        crate::local::check_runnable(args.source.project.arch.lambda_name())
            .map_err(|e| anyhow::anyhow!("--arch {}: {e}", args.source.project.arch))?;
    }
    if !args.bind.is_loopback() {
        eprintln!(
            "warning: --bind {} exposes the local cloud beyond this machine; it verifies no credentials on its control plane (any signed request is served; only a stage method authorized by IAM checks signatures), so anyone who can reach it can deploy and run code",
            args.bind
        );
    }
    let iam_policy = match &args.iam_policy {
        Some(path) => Some(std::fs::read_to_string(path).map_err(|e| {
            anyhow::anyhow!("--iam-policy {}: cannot read it: {e}", path.display())
        })?),
        None => None,
    };
    let credentials = match &args.credentials {
        Some(path) => read_credentials(path)?,
        None => Vec::new(),
    };
    let cloud = LocalCloud::start(LocalConfig {
        credentials,
        bind: args.bind,
        port: args.port,
        state_dir: args.state_dir.clone(),
        max_environments: args.max_environments.into(),
        placement: args.placement.into(),
        faults: args.faults.clone(),
        enforce_rate_limits: args.enforce_rate_limits,
        iam_policy,
        deny: args.deny.clone(),
        settle: std::time::Duration::ZERO,
        aws_timing: args.aws_timing,
        limits: Default::default(),
        live_tail_limit: crate::local::LIVE_TAIL_LIMIT,
    })
    .await?;
    let endpoint = format!("http://127.0.0.1:{}", cloud.address.port());
    if args.no_deploy {
        announce(
            printer,
            &LocalOutput {
                schema_version: 1,
                endpoint,
                deployed: None,
            },
        )?;
        stop.recv().await;
        cloud.stop().await;
        return Ok(Exit::Success);
    }

    let remote = RemoteArgs {
        endpoint_url: Some(endpoint.clone()),
        local: true,
        region: global.region.clone(),
        ..RemoteArgs::default()
    };
    let function = args.function.clone().for_remote(&remote);
    function.desired(&names, "us-east-1", "", args.source.project.arch)?;
    // Watching starts before the first build, so that a save during it is not missed.
    let mut watcher = match args.watch {
        true => Some(Watcher::start(&args.source.project)?),
        false => None,
    };
    let package = args
        .source
        .package(&names.function, Profile::Dev, printer)?;
    let aws = remote.load().await?;
    let desired = function.desired(
        &names,
        &aws.region,
        &package.code_sha256,
        package.architecture,
    )?;
    let start = crate::commands::logs::now_ms();
    let deployed = converge(&aws, &desired, &package, printer).await?;
    let port = cloud.address.port();
    let (api, stage) = (&deployed.api_id, &deployed.stage);
    let output = LocalOutput {
        schema_version: 1,
        endpoint: endpoint.clone(),
        deployed: Some(LocalDeployment {
            function_name: names.function.clone(),
            api_id: api.clone(),
            stage: stage.clone(),
            changes: deployed.changes.len(),
            profile: package.profile,
            architecture: package.architecture,
            stage_urls: vec![
                deployed.invoke_url.clone(),
                format!("http://{api}.execute-api.localhost:{port}/{stage}/"),
                format!("http://127.0.0.1:{port}/restapis/{api}/{stage}/_user_request_/"),
            ],
            local_flag: if port == DEFAULT_PORT {
                "--local".to_string()
            } else {
                format!("--local  (with FAQCTL_LOCAL_ENDPOINT={endpoint})")
            },
        }),
    };
    announce(printer, &output)?;
    let clients = Clients::new(&aws);
    let function_logs = [crate::commands::logs::LogGroupSource {
        label: "function",
        group: names.log_group(),
    }];
    let followed = crate::commands::follow::Follow {
        clients: &clients,
        sources: &function_logs,
        mark: false,
        start,
        filter: None,
        format: printer.format(),
        poll: false,
    };
    let tail = crate::commands::logs::tail(&followed, Some(&mut stop));
    let followed = match &mut watcher {
        None => tail.await,
        Some(watcher) => {
            let build = args
                .source
                .project
                .build_config(&names.function, Profile::Dev);
            let target = Target {
                aws: &aws,
                function: &function,
                names: &names,
                build: &build,
            };
            // The logs are followed while the watch rebuilds; Ctrl-C ends both (and stops a
            // build under way).
            tokio::select! {
                followed = tail => followed,
                watched = watch(watcher, target, printer, |_| Ok(())) => watched,
            }
        }
    };
    cloud.stop().await;
    followed?;
    Ok(Exit::Success)
}

/// What `faqctl local` serves: printed once (text, or one JSON line with `--output json`),
/// before the function's log lines follow in the same format.
#[derive(Debug, Clone, Serialize)]
pub struct LocalOutput {
    pub schema_version: u32,
    pub endpoint: String,
    /// `None` with `--no-deploy`.
    pub deployed: Option<LocalDeployment>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LocalDeployment {
    pub function_name: crate::settings::FunctionName,
    pub api_id: crate::settings::RestApiId,
    pub stage: crate::settings::StageName,
    pub changes: usize,
    /// The cargo profile that built the bootstrap (none for `--zip`).
    pub profile: Option<Profile>,
    /// The function's architecture (run under qemu-user when this machine has the other).
    pub architecture: crate::settings::Arch,
    /// The stage URL in the forms LocalStack users know.
    pub stage_urls: Vec<String>,
    #[serde(skip)]
    local_flag: String,
}

impl fmt::Display for LocalOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "faqctl local: Lambda, API Gateway, CloudWatch Logs and CloudWatch on {}",
            self.endpoint
        )?;
        let Some(deployed) = &self.deployed else {
            let deploy = if self.endpoint == format!("http://127.0.0.1:{DEFAULT_PORT}") {
                "faqctl deploy --local".to_string()
            } else {
                format!(
                    "FAQCTL_LOCAL_ENDPOINT={} faqctl deploy --local",
                    self.endpoint
                )
            };
            return write!(
                f,
                "Serving only (--no-deploy). Deploy into it with `{deploy}`. Ctrl-C stops it."
            );
        };
        let mut built = match deployed.profile {
            Some(profile) => format!(", built with cargo profile {profile}"),
            None => String::new(),
        };
        if crate::settings::Arch::host() != Some(deployed.architecture) {
            built.push_str(&format!(", {} under qemu-user", deployed.architecture));
        }
        writeln!(
            f,
            "Deployed {} ({} change(s){built}). The stage URL, in the forms LocalStack users know:",
            deployed.function_name, deployed.changes
        )?;
        for url in &deployed.stage_urls {
            writeln!(f, "  {url}")?;
        }
        writeln!(f, "Try, in another terminal:")?;
        if let Some(url) = deployed.stage_urls.first() {
            writeln!(f, "  curl {url}")?;
        }
        writeln!(f, "  faqctl invoke {}", deployed.local_flag)?;
        writeln!(f, "  faqctl logs --follow {}", deployed.local_flag)?;
        write!(
            f,
            "Following the function's logs here; Ctrl-C stops the local cloud."
        )
    }
}

/// The (access key id, secret) pairs of an AWS shared-credentials file (`--credentials`).
fn read_credentials(path: &std::path::Path) -> anyhow::Result<Vec<(String, String)>> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| anyhow::anyhow!("--credentials {}: cannot read it: {e}", path.display()))?;
    let mut pairs = Vec::new();
    let (mut key, mut secret): (Option<String>, Option<String>) = (None, None);
    let mut flush = |key: &mut Option<String>, secret: &mut Option<String>, line: usize| {
        match (key.take(), secret.take()) {
            (Some(k), Some(s)) => {
                pairs.push((k, s));
                Ok(())
            }
            (None, None) => Ok(()),
            _ => Err(anyhow::anyhow!(
                "--credentials {} (before line {line}): a profile needs both aws_access_key_id and aws_secret_access_key",
                path.display()
            )),
        }
    };
    for (number, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.starts_with('[') {
            flush(&mut key, &mut secret, number + 1)?;
        } else if let Some((name, value)) = line.split_once('=') {
            match name.trim() {
                "aws_access_key_id" => key = Some(value.trim().to_string()),
                "aws_secret_access_key" => secret = Some(value.trim().to_string()),
                _ => {}
            }
        }
    }
    flush(&mut key, &mut secret, text.lines().count() + 1)?;
    if pairs.is_empty() {
        anyhow::bail!(
            "--credentials {}: no profile with aws_access_key_id and aws_secret_access_key",
            path.display()
        );
    }
    Ok(pairs)
}

#[cfg(test)]
mod credentials_tests {
    use super::read_credentials;

    #[test]
    fn credentials_are_read_from_the_shared_file_format_and_half_profiles_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("credentials");
        std::fs::write(
            &path,
            "[partner]\naws_access_key_id = AKIAPARTNER\naws_secret_access_key = s3cr3t\n\n[ci]\naws_access_key_id=AKIACI\naws_secret_access_key=other\nregion = eu-west-1\n",
        )
        .unwrap();
        assert_eq!(
            read_credentials(&path).unwrap(),
            vec![
                ("AKIAPARTNER".to_string(), "s3cr3t".to_string()),
                ("AKIACI".to_string(), "other".to_string())
            ]
        );
        std::fs::write(&path, "[half]\naws_access_key_id = AKIAHALF\n[next]\n").unwrap();
        let error = read_credentials(&path).unwrap_err().to_string();
        assert!(
            error.contains("needs both aws_access_key_id and aws_secret_access_key"),
            "{error}"
        );
        std::fs::write(&path, "").unwrap();
        assert!(read_credentials(&path).is_err());
    }
}
