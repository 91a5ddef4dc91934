//! `faqctl deploy`: package, then converge: observe what exists, plan the difference, apply
//! it change by change. Re-running after any failure reaches the same end state.

use std::fmt;

use anyhow::{bail, Context};
use clap::Args;
use serde::Serialize;

use super::build::SourceArgs;
use super::watch::{watch, Target, Watcher};
use crate::aws::AwsConfig;
use crate::aws::{self, ApplyContext, Clients, Race};
use crate::commands::Exit;
use crate::output::Printer;
use crate::package::{PackageOutput, Profile};
use crate::plan::{plan_deploy, ApiKeySettings, Change, ChangeOutput, Desired, DomainSettings};
use crate::settings::{
    check_alarm_names, check_role_arn, Arch, Auth, CorsOrigins, FunctionName, NameArgs, Names,
    Quota, RemoteArgs, RestApiId, StageName, Traffic,
};

#[derive(Debug, Args)]
pub struct DeployArgs {
    #[command(flatten)]
    pub names: NameArgs,
    #[command(flatten)]
    pub function: FunctionArgs,
    #[command(flatten)]
    pub source: SourceArgs,
}

/// `faqctl deploy`: what `plan` takes, and what only a deploy does.
#[derive(Debug, Args)]
pub struct DeployCommandArgs {
    #[command(flatten)]
    pub deploy: DeployArgs,
    /// After deploying, GET the stage URL (retrying for up to --smoke-timeout while the stage and
    /// the permission propagate) and
    /// fail the step (exit 3) unless it answers 200 with a FAQ entry.
    #[arg(long)]
    pub smoke_test: bool,
    /// How long the smoke test keeps trying: a new stage and permission can take a minute to
    /// answer on AWS (e.g. `60s`, `2m`).
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = humantime::parse_duration, requires = "smoke_test")]
    pub smoke_timeout: std::time::Duration,
    /// After deploying, keep watching function/, the FAQ file and the workspace manifest, and
    /// deploy again on every save (until Ctrl-C): each round prints its result (with
    /// `--output json`, one JSON document per line). Builds with the size-optimised profile,
    /// as for AWS. A build that fails is printed and what is deployed stays.
    #[arg(long, conflicts_with_all = ["zip", "smoke_test"])]
    pub watch: bool,
    /// Deploy a zip built with a development profile (`dev`, what `faqctl local`
    /// builds: unoptimised, unchecked against AWS's glibc) to something other than the local
    /// cloud. Refused without it: such a build is for the local cloud only.
    #[arg(long)]
    pub allow_dev_build: bool,
}

/// The function's settings.
#[derive(Debug, Clone, Args)]
pub struct FunctionArgs {
    /// An existing IAM role for the function (needed to create it; an existing function keeps
    /// its role unless this is given). faqctl never creates IAM roles.
    #[arg(long, value_name = "ARN", env = "FAQCTL_ROLE_ARN")]
    pub role_arn: Option<String>,
    /// Memory in MB (128 to 10240).
    #[arg(long, value_name = "MB", default_value_t = 128, value_parser = clap::value_parser!(i32).range(128..=10240))]
    pub memory: i32,
    /// Timeout in seconds (1 to 900).
    #[arg(long, value_name = "SECONDS", default_value_t = 3, value_parser = clap::value_parser!(i32).range(1..=900))]
    pub timeout: i32,
    /// Days CloudWatch keeps the function's logs (1, 3, 5, 7, 14, 30, 60, 90, … 3653).
    #[arg(long, value_name = "DAYS", default_value_t = 14)]
    pub log_retention_days: i32,
    /// API Gateway's execution logs (INFO) and access logs (JSON, to
    /// /aws/apigateway/{api}/{stage}). Off by default; once on it stays on (it is read back
    /// from the stage) until `--api-logs=false`.
    #[arg(long, value_name = "BOOL", num_args = 0..=1, default_missing_value = "true", value_parser = clap::builder::BoolishValueParser::new())]
    pub api_logs: Option<bool>,
    /// An existing IAM role API Gateway writes logs with (account-wide, set once per region
    /// with UpdateAccount). Needed for --api-logs when the account has none.
    #[arg(long, value_name = "ARN", env = "FAQCTL_APIGW_LOGS_ROLE_ARN")]
    pub apigw_logs_role_arn: Option<String>,
    /// Stage-wide steady rate limit, requests per second (the API is open to everyone).
    #[arg(long, value_name = "RPS", default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=10000))]
    pub throttle_rate: u32,
    /// Stage-wide burst limit, requests.
    #[arg(long, value_name = "REQUESTS", default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=5000))]
    pub throttle_burst: u32,
    /// A web origin whose pages may fetch the FAQ (CORS), as a browser sends it:
    /// `https://www.example.com`, `http://localhost:8080`, or `*` for any. Repeat it for more.
    /// Adds the preflight `OPTIONS /` (a MOCK integration) and has the function send
    /// `Access-Control-Allow-Origin`. None by default: a deploy without it removes CORS.
    #[arg(
        long = "cors-origin",
        value_name = "ORIGIN",
        env = "FAQCTL_CORS_ORIGINS",
        value_delimiter = ','
    )]
    pub cors_origins: Vec<String>,
    /// Move the alias to a new version without invoking it first. Only for emulators that
    /// cannot run code (moto): on AWS and the local cloud, a version that fails the gate never
    /// gets traffic.
    #[arg(long, env = "FAQCTL_NO_GATE", value_parser = clap::builder::BoolishValueParser::new())]
    pub no_gate: bool,
    /// Published versions to keep (each counts against Lambda's code storage quota); older
    /// ones are deleted after the alias moves. The live version and the one `faqctl rollback`
    /// would go back to (the last one live before it and healthy) are never deleted.
    #[arg(long, value_name = "N", default_value_t = 10, value_parser = clap::value_parser!(u64).range(2..=1000))]
    pub keep_versions: u64,
    /// How a new version takes over the alias after the gate: `all-at-once`, or
    /// `canary:PCT:MINUTES` (PCT % of invocations for that long, then all) or
    /// `linear:PCT:EVERY_MINUTES` (PCT % more each time). Between steps faqctl reads the new
    /// version's Errors and Invocations from CloudWatch (and the --alarm alarms): on an error it
    /// moves the alias back and exits 5. Times may carry a unit: `30s`, `2m`, `1h`.
    #[arg(long, value_name = "FORM", env = "FAQCTL_TRAFFIC", default_value = "all-at-once", value_parser = parse_traffic)]
    pub traffic: Traffic,
    /// A CloudWatch alarm that stops a gradual shift when it is in ALARM (the alias moves back,
    /// exit 5). Repeat it for more; it must exist. Needs --traffic canary or linear.
    #[arg(
        long = "alarm",
        value_name = "NAME",
        env = "FAQCTL_ALARMS",
        value_delimiter = ','
    )]
    pub alarms: Vec<String>,
    /// Require an API key (`x-api-key`) on GET / (for third-party developers: `faqctl keys
    /// create NAME` makes one), served through the usage plan `{api}-{stage}`, which a deploy
    /// makes and binds to the stage. Off by default; once on it stays on (it is read back
    /// from the method) until `--api-key-required=false`.
    #[arg(long, value_name = "BOOL", num_args = 0..=1, default_missing_value = "true", value_parser = clap::builder::BoolishValueParser::new())]
    pub api_key_required: Option<bool>,
    /// The usage plan's steady rate per API key, requests per second (with
    /// --usage-plan-burst). Kept as deployed when not given.
    #[arg(long, value_name = "RPS", requires = "usage_plan_burst", value_parser = clap::value_parser!(u32).range(1..=10000))]
    pub usage_plan_rate: Option<u32>,
    /// The usage plan's burst per API key, requests (with --usage-plan-rate).
    #[arg(long, value_name = "REQUESTS", requires = "usage_plan_rate", value_parser = clap::value_parser!(u32).range(1..=5000))]
    pub usage_plan_burst: Option<u32>,
    /// The usage plan's quota per API key: `N/day`, `N/week` or `N/month` (UTC periods).
    /// Kept as deployed when not given.
    #[arg(long, value_name = "N/PERIOD", value_parser = parse_quota)]
    pub usage_plan_quota: Option<Quota>,
    /// Who may call GET /: `none` (anyone: the lab's "Security: Open"), or `iam` (callers
    /// who sign the request with SigV4, service `execute-api`, and whose IAM policy allows
    /// `execute-api:Invoke` on it; `faqctl invoke --http` signs).
    #[arg(long, value_enum, value_name = "WHO", env = "FAQCTL_AUTH", default_value_t = Auth::None)]
    pub auth: Auth,
    /// Publish the FAQ's contract: the model `FaqEntry` (JSON Schema draft 4: `q` and `a`,
    /// strings, required) on GET /'s 200 response, which `faqctl export` then describes.
    /// On by default; `--response-model=false` takes it away.
    #[arg(long, value_name = "BOOL", num_args = 0..=1, default_value_t = true, default_missing_value = "true", action = clap::ArgAction::Set, value_parser = clap::builder::BoolishValueParser::new())]
    pub response_model: bool,
    /// Serve the stage at a custom domain name too (e.g. `faq.example.com`): a REGIONAL
    /// domain with TLS 1.2 and a mapping to the stage (the stage's name is not in its URLs).
    /// The deploy prints the DNS record to create. Kept as it is when not given; `destroy`
    /// removes it.
    #[arg(long, value_name = "NAME", requires = "certificate_arn")]
    pub domain: Option<String>,
    /// The domain's certificate: an existing ACM certificate in the API's region (faqctl
    /// never creates certificates).
    #[arg(long, value_name = "ARN", requires = "domain")]
    pub certificate_arn: Option<String>,
    /// The path under the domain that reaches the stage (`v1` → https://NAME/v1/); none by
    /// default (the domain's root).
    #[arg(long, value_name = "PATH", requires = "domain")]
    pub base_path: Option<String>,
    /// Cache GET answers at API Gateway for this many seconds (up to 3600; 0 turns the cache
    /// off): a 0.5 GB cache cluster on the stage, billed by the hour while it exists (`plan`
    /// says how much). `faqctl cache flush` empties it. Kept as it is when not given.
    #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u32).range(0..=3600))]
    pub cache_ttl: Option<u32>,
}

fn parse_quota(value: &str) -> Result<Quota, String> {
    value.parse()
}

fn parse_traffic(value: &str) -> Result<Traffic, String> {
    value.parse()
}

/// The retention values CloudWatch Logs accepts.
const RETENTION_DAYS: [i32; 22] = [
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
];

impl FunctionArgs {
    /// With `--local`, roles the local cloud accepts when none are given.
    pub fn for_remote(self, remote: &RemoteArgs) -> Self {
        if remote.local {
            let region = remote
                .region
                .as_deref()
                .unwrap_or(crate::local::DEFAULT_REGION);
            self.with_local_roles(region)
        } else {
            self
        }
    }

    /// The local cloud's own roles (in the region's partition) where none was given.
    pub fn with_local_roles(mut self, region: &str) -> Self {
        let role = crate::local::local_role_arn(region);
        self.role_arn.get_or_insert_with(|| role.clone());
        if self.api_logs == Some(true) {
            self.apigw_logs_role_arn.get_or_insert(role);
        }
        self
    }

    /// `--domain`, `--certificate-arn` and `--base-path`, checked.
    fn domain_settings(&self) -> anyhow::Result<Option<DomainSettings>> {
        let (Some(name), certificate) = (&self.domain, &self.certificate_arn) else {
            if self.certificate_arn.is_some() || self.base_path.is_some() {
                bail!("--certificate-arn and --base-path belong to a custom domain: add --domain NAME (or `domain` in faqctl.toml)");
            }
            return Ok(None);
        };
        let Some(certificate) = certificate else {
            bail!("--domain {name} needs --certificate-arn: an existing ACM certificate for it in the API's region");
        };
        let name = name.to_ascii_lowercase();
        let labels_ok = name.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
        if name.len() > 253 || !name.contains('.') || !labels_ok {
            bail!("--domain {name:?} is not a domain name: use a fully qualified name such as faq.example.com");
        }
        let base_path = match self.base_path.as_deref().map(|p| p.trim_matches('/')) {
            None | Some("") => crate::plan::NO_BASE_PATH.to_string(),
            Some(path) => {
                if !path
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-._~".contains(c))
                {
                    bail!("--base-path {path:?}: one path segment of letters, digits and -._~ (API Gateway REST APIs take no / in a base path), e.g. v1");
                }
                path.to_string()
            }
        };
        Ok(Some(DomainSettings {
            name,
            certificate_arn: certificate.clone(),
            base_path,
        }))
    }

    /// Checks the settings and builds the desired state (before any AWS call).
    pub fn desired(
        &self,
        names: &Names,
        region: &str,
        code_sha256: &str,
        architecture: Arch,
    ) -> anyhow::Result<Desired> {
        if let Some(role) = &self.role_arn {
            check_role_arn(role)?;
        }
        if let Some(role) = &self.apigw_logs_role_arn {
            check_role_arn(role).map_err(|e| {
                anyhow::anyhow!(e.to_string().replace("--role-arn", "--apigw-logs-role-arn"))
            })?;
        }
        if !RETENTION_DAYS.contains(&self.log_retention_days) {
            anyhow::bail!(
                "--log-retention-days {} is not a retention CloudWatch Logs accepts: use one of {:?}",
                self.log_retention_days,
                RETENTION_DAYS
            );
        }
        let alarms = check_alarm_names(&self.alarms)?;
        if self.usage_plan_rate.is_some() != self.usage_plan_burst.is_some() {
            anyhow::bail!(
                "a usage plan's throttle is a rate and a burst: give both --usage-plan-rate and --usage-plan-burst (usage-plan-rate and usage-plan-burst in faqctl.toml)"
            );
        }
        let plan_settings = self.usage_plan_rate.is_some() || self.usage_plan_quota.is_some();
        if plan_settings && self.api_key_required != Some(true) {
            anyhow::bail!(
                "--usage-plan-rate, --usage-plan-burst and --usage-plan-quota set the usage plan that API keys are served through: add --api-key-required (or `api-key-required = true` in faqctl.toml)"
            );
        }
        if !alarms.is_empty() && !self.traffic.is_gradual() {
            anyhow::bail!(
                "--alarm is watched while traffic shifts, and --traffic is all-at-once: add --traffic canary:PCT:MINUTES or linear:PCT:EVERY_MINUTES (e.g. --traffic canary:10:5)"
            );
        }
        Ok(Desired {
            names: names.clone(),
            region: region.to_string(),
            role_arn: self.role_arn.clone(),
            memory_mb: self.memory,
            timeout_s: self.timeout,
            code_sha256: code_sha256.to_string(),
            architecture,
            log_retention_days: self.log_retention_days,
            api_logs: self.api_logs,
            apigw_logs_role_arn: self.apigw_logs_role_arn.clone(),
            throttle_rate: self.throttle_rate,
            throttle_burst: self.throttle_burst,
            cors_origins: CorsOrigins::parse(&self.cors_origins)?,
            commit: None,
            gate: !self.no_gate,
            keep_versions: self.keep_versions as usize,
            traffic: self.traffic,
            alarms,
            api_keys: ApiKeySettings {
                required: self.api_key_required,
                throttle: self.usage_plan_rate.zip(self.usage_plan_burst),
                quota: self.usage_plan_quota,
            },
            auth: self.auth,
            response_model: self.response_model,
            domain: self.domain_settings()?,
            cache_ttl: self.cache_ttl,
        })
    }
}

/// The result of a deploy: what is live now, and what this run changed.
#[derive(Debug, Clone, Serialize)]
pub struct DeployOutput {
    pub schema_version: u32,
    pub function_name: FunctionName,
    pub function_arn: String,
    pub code_sha256: String,
    pub api_id: RestApiId,
    pub stage: StageName,
    pub invoke_url: String,
    pub changes: Vec<ChangeOutput>,
    /// The steps of a gradual shift (`--traffic canary|linear`), the last at 100 %.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub traffic: Vec<aws::TrafficStep>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub smoke_test: Option<SmokeTestOutput>,
    /// The custom domain name (`--domain`) and the DNS record it needs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_domain: Option<CustomDomainOutput>,
}

/// A custom domain's URL and the DNS record to create for it.
#[derive(Debug, Clone, Serialize)]
pub struct CustomDomainOutput {
    pub name: String,
    pub url: String,
    /// A CNAME (or Route 53 alias A record) from `name` to this regional domain name.
    pub regional_domain_name: String,
    /// The hosted zone a Route 53 alias record names.
    pub regional_hosted_zone_id: String,
}

/// What `--smoke-test` saw.
#[derive(Debug, Clone, Serialize)]
pub struct SmokeTestOutput {
    pub passed: bool,
    pub attempts: u32,
    pub status: Option<u16>,
    /// The question answered (when it passed), or what was wrong.
    pub detail: String,
}

impl fmt::Display for DeployOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.changes.is_empty() {
            writeln!(f, "No changes: {} is up to date.", self.function_name)?;
        } else {
            for change in &self.changes {
                writeln!(f, "{}", change.description)?;
            }
            writeln!(f, "Applied {} change(s).", self.changes.len())?;
        }
        for step in &self.traffic {
            let held = match step.percent {
                100 => "from then on".to_string(),
                _ => format!("for {:.0} s", step.held_s),
            };
            writeln!(
                f,
                "traffic     {:>3}% on version {} {held} ({} errors in {} invocations through the alias so far)",
                step.percent, step.version, step.errors, step.invocations
            )?;
        }
        writeln!(f, "function    {}", self.function_arn)?;
        writeln!(f, "CodeSha256  {}", self.code_sha256)?;
        writeln!(f, "API         {} (stage {})", self.api_id, self.stage)?;
        write!(f, "invoke URL  {}", self.invoke_url)?;
        if let Some(domain) = &self.custom_domain {
            write!(
                f,
                "\ndomain URL  {}\nDNS record  {} CNAME {} (or a Route 53 alias A record to it, hosted zone {})",
                domain.url, domain.name, domain.regional_domain_name, domain.regional_hosted_zone_id
            )?;
        }
        if let Some(smoke) = &self.smoke_test {
            let verdict = if smoke.passed { "passed" } else { "FAILED" };
            write!(
                f,
                "\nsmoke test  {verdict} after {} attempt(s): {}",
                smoke.attempts, smoke.detail
            )?;
        }
        Ok(())
    }
}

/// GETs the stage URL until it answers 200 with a FAQ entry, or `timeout` has passed (a new
/// stage, and a new permission, can take tens of seconds to answer on AWS).
pub async fn smoke_test(
    url: &str,
    headers: &[(String, String)],
    timeout: std::time::Duration,
) -> SmokeTestOutput {
    let started = std::time::Instant::now();
    let mut delay = crate::aws::retry_base_delay();
    let mut last = SmokeTestOutput {
        passed: false,
        attempts: 0,
        status: None,
        detail: String::new(),
    };
    for attempt in 1.. {
        last.attempts = attempt;
        match super::invoke::http_get(url, headers).await {
            Ok(response) => {
                last.status = Some(response.status);
                match serde_json::from_str::<faq_function::Entry>(&response.body) {
                    Ok(entry)
                        if response.status == 200 && !entry.q.is_empty() && !entry.a.is_empty() =>
                    {
                        last.passed = true;
                        last.detail = entry.q;
                        return last;
                    }
                    _ => {
                        let body: String = response.body.chars().take(200).collect();
                        last.detail = format!("GET {url} answered {}: {body}", response.status);
                    }
                }
            }
            Err(e) => last.detail = format!("{e:#}"),
        }
        if started.elapsed() + delay > timeout {
            break;
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(std::time::Duration::from_secs(4));
    }
    last
}

pub async fn run(
    remote: &RemoteArgs,
    command: DeployCommandArgs,
    printer: &Printer,
) -> anyhow::Result<Exit> {
    let mut args = command.deploy;
    args.function = args.function.for_remote(remote);
    let names = args.names.resolve()?;
    // Validate what needs no network first, then build: bad input fails before any AWS call.
    let checked = args
        .function
        .desired(&names, "us-east-1", "", args.source.project.arch)?;
    if command.smoke_test && checked.api_keys.required == Some(true) {
        bail!(
            "--smoke-test GETs the stage URL without an API key, which --api-key-required refuses (403): deploy without --smoke-test, then `faqctl keys create smoke-test` and `faqctl invoke --http --api-key VALUE`"
        );
    }
    // With --watch: listening for Ctrl-C, and watching, before the first build.
    let mut watching = match command.watch {
        true => Some((
            super::StopSignal::new(),
            Watcher::start(&args.source.project)?,
        )),
        false => None,
    };
    // Three independent things at once: the AWS configuration (and the endpoint's check) and
    // `git rev-parse` on the runtime's worker, the package (read, hashed, checked; or built) on
    // this thread. Each is a few milliseconds of a no-op redeploy.
    let loading = tokio::spawn({
        let remote = remote.clone();
        async move { remote.load().await }
    });
    let commit = tokio::spawn(git_commit(args.source.project.manifest_path.clone()));
    let package = args
        .source
        .package(&names.function, profile_for(remote), printer)?;
    let aws = loading.await.context("loading the AWS configuration")??;
    if package.profile == Some(Profile::Dev)
        && !command.allow_dev_build
        && !(remote.local || aws.is_local_cloud().await)
    {
        bail!(
            "{}: this zip was built with the development profile dev (by `faqctl local`), which is for the local cloud only: unoptimised and not checked against AWS's runtime; deploy the release build (`faqctl build` writes it to target/lambda/{}/bootstrap.zip, or leave out --zip), or pass --allow-dev-build to deploy it anyway",
            package.zip.display(),
            names.function
        );
    }
    let mut desired = args.function.desired(
        &names,
        &aws.region,
        &package.code_sha256,
        package.architecture,
    )?;
    desired.commit = commit.await.unwrap_or_default();
    let mut output = converge(&aws, &desired, &package, printer).await?;
    if command.smoke_test {
        let step = printer.step(format!("smoke test: GET {}", output.invoke_url));
        // A method authorized by IAM takes only signed requests.
        let headers = match desired.auth {
            Auth::Iam => aws::sign::signed_get_headers(&aws, &output.invoke_url)
                .await?
                .unwrap_or_default(),
            Auth::None => Vec::new(),
        };
        let smoke = smoke_test(&output.invoke_url, &headers, command.smoke_timeout).await;
        step.done();
        let passed = smoke.passed;
        let detail = smoke.detail.clone();
        output.smoke_test = Some(smoke);
        printer.result(&output)?;
        if !passed {
            eprintln!("error: smoke test failed: {detail}; the deployment is in place, so check `faqctl logs` and `faqctl invoke --http`");
            return Ok(Exit::SmokeTestFailed);
        }
        return Ok(Exit::Success);
    }
    let Some((stop, watcher)) = &mut watching else {
        printer.result(&output)?;
        return Ok(Exit::Success);
    };
    printer.result_line(&output)?;
    let build = args
        .source
        .project
        .build_config(&names.function, Profile::LambdaRelease);
    let target = Target {
        aws: &aws,
        function: &args.function,
        names: &names,
        build: &build,
    };
    tokio::select! {
        _ = stop.recv() => {}
        watched = watch(watcher, target, printer, |reload| printer.result_line(&reload.output)) => watched?,
    }
    Ok(Exit::Success)
}

/// The profile a deploy builds with: the one `faqctl local` uses for the local cloud (`--local`),
/// so that `plan --local` after `faqctl local` compares like with like; the size-optimised one
/// for anything else.
pub fn profile_for(remote: &RemoteArgs) -> Profile {
    if remote.local {
        Profile::Dev
    } else {
        Profile::LambdaRelease
    }
}

/// The commit checked out where the project is (12 hex digits), when it is a git checkout and
/// git is installed: a new version's description carries it.
pub async fn git_commit(manifest_path: std::path::PathBuf) -> Option<String> {
    let dir = match manifest_path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => std::path::Path::new("."),
    };
    let output = tokio::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["rev-parse", "--short=12", "HEAD"])
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .await
        .ok()?;
    let commit = String::from_utf8(output.stdout).ok()?.trim().to_string();
    (output.status.success() && !commit.is_empty()).then_some(commit)
}

/// Rounds of observe → plan → apply at most. A further round runs only when a round created
/// the REST API (another deploy may have created one at the same moment: the next plan deletes
/// the newer) or lost a race to another deploy.
const MAX_ROUNDS: usize = 4;

/// Observe, plan, apply, until the plan is empty. Shared by `deploy` and `faqctl local`.
pub async fn converge(
    aws: &AwsConfig,
    desired: &Desired,
    package: &PackageOutput,
    printer: &Printer,
) -> anyhow::Result<DeployOutput> {
    let clients = Clients::new(aws).with_progress(printer.reports_progress());
    let names = &desired.names;
    let mut applied = Vec::new();
    let mut traffic = Vec::new();
    let mut context;
    let mut round = 0;
    loop {
        round += 1;
        printer.progress(format!("reading the live state in {}…", aws.region));
        let mut observed =
            aws::observe(&clients, names, desired.api_logs, desired.api_keys.required).await?;
        if let Some(domain) = &desired.domain {
            observed.domains = aws::domains::find(&clients, &domain.name)
                .await?
                .into_iter()
                .collect();
        }
        let changes = plan_deploy(desired, &observed)?;
        context = ApplyContext::new(&observed);
        if changes.is_empty() {
            break;
        }
        let result = apply_all(
            &clients,
            desired,
            &package.bytes,
            &mut context,
            &changes,
            &mut applied,
            printer,
        )
        .await;
        traffic.append(&mut context.traffic);
        let created_api = changes
            .iter()
            .any(|c| matches!(c, Change::CreateRestApi { .. }));
        match result {
            Ok(()) if !created_api => break,
            Ok(()) => {}
            Err(e) if e.downcast_ref::<Race>().is_some() && round < MAX_ROUNDS => {
                printer.progress(format!("{e:#}; reading the live state again"));
            }
            Err(e) => return Err(e),
        }
        if round == MAX_ROUNDS {
            break;
        }
    }

    let api_id = context
        .api_id
        .clone()
        .context("internal: the deploy ended without a REST API")?;
    Ok(DeployOutput {
        schema_version: 1,
        function_name: names.function.clone(),
        function_arn: context.function_arn.clone().unwrap_or_default(),
        code_sha256: package.code_sha256.clone(),
        invoke_url: clients.invoke_url(&api_id, &names.stage),
        api_id,
        stage: names.stage.clone(),
        changes: applied.iter().map(ChangeOutput::from).collect(),
        traffic,
        smoke_test: None,
        custom_domain: desired.domain.as_ref().and_then(|domain| {
            let (regional, zone) = context.domain_target.clone()?;
            let path = match domain.base_path.as_str() {
                crate::plan::NO_BASE_PATH => String::new(),
                base => format!("{base}/"),
            };
            Some(CustomDomainOutput {
                url: format!("https://{}/{path}", domain.name),
                name: domain.name.clone(),
                regional_domain_name: regional,
                regional_hosted_zone_id: zone,
            })
        }),
    })
}

/// Applies the changes in order, recording each one done in `applied`; an error names the step
/// and says that a re-run finishes it.
pub async fn apply_all(
    clients: &Clients,
    desired: &Desired,
    code: &[u8],
    context: &mut ApplyContext,
    changes: &[Change],
    applied: &mut Vec<Change>,
    printer: &Printer,
) -> anyhow::Result<()> {
    let crash_after = crash_after_step();
    for (step, change) in changes.iter().enumerate() {
        let shown = printer.step(format!("[{}/{}] {change}", step + 1, changes.len()));
        aws::apply(clients, desired, code, context, change)
            .await
            .map_err(|e| {
                let advice = advice(&e);
                e.context(format!(
                    "stopped at step {} of {} ({}); {advice}",
                    step + 1,
                    changes.len(),
                    change.operation()
                ))
            })?;
        shown.done();
        applied.push(change.clone());
        if crash_after == Some(step + 1) {
            // A crash, as a killed CI job would be: no cleanup, no output.
            std::process::abort();
        }
    }
    Ok(())
}

/// What a user should do after a step failed: "running the same command again finishes the
/// rest" only where that is true (a transient failure: throttled, 5xx, no answer).
fn advice(e: &anyhow::Error) -> String {
    if e.downcast_ref::<aws::GateFailed>().is_some() {
        "the alias was not touched, so users are still on what they had; fix the code and deploy again (the version stays, and `faqctl history` lists it)".into()
    } else if e.downcast_ref::<aws::GateCannotRun>().is_some() {
        "the steps before it are done; running the same command again stops here again".into()
    } else if e.downcast_ref::<aws::RolledBack>().is_some() {
        "users are on the version they had; fix the code and deploy again (the version stays, and `faqctl history` lists it)".into()
    } else if e.downcast_ref::<aws::Refused>().is_some() {
        "AWS refused the input, so running the same command again will not help until it is fixed"
            .into()
    } else if let Some(call) = aws::refused_call(e) {
        let what = match call.code.as_deref() {
            Some(code) if code.contains("AccessDenied") || code == "UnauthorizedException" => {
                "the caller is not allowed this call: grant it (the policies faqctl needs are in iam/)".to_string()
            }
            Some(code) => format!("AWS refused the call ({code}): fix what it names"),
            None => "the endpoint refused the call: fix what it names".to_string(),
        };
        format!("{what}; the steps before it are done, and running the same command again will fail the same way until then")
    } else if aws::transient_call(e) {
        "that looks transient (throttled, a server error or no answer): the steps before it are done, and running the same command again finishes the rest".into()
    } else {
        "the steps before it are done; once the cause above is fixed, running the same command again continues from there".into()
    }
}

/// Test hook: `FAQCTL_CRASH_AFTER_STEP=k` aborts the process right after step k, so that tests
/// can prove a re-run converges from any point.
fn crash_after_step() -> Option<usize> {
    std::env::var("FAQCTL_CRASH_AFTER_STEP").ok()?.parse().ok()
}
