//! One run: the target, the zips every scenario deploys, each scenario with names of its own
//! and a clean-up that runs whatever happened, and `--sweep` for what killed runs left.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant, SystemTime};

use anyhow::{bail, ensure, Context};
use serde_json::Value;

use crate::scenarios::{self, Scenario};
use crate::target::Target;
use crate::Options;

/// The tag every resource of a run carries: `faqctl-acceptance=<run id>`.
pub const TAG: &str = "faqctl-acceptance";
/// Function names start so; REST API names with `FAQ-API-acc-`.
const FUNCTION_PREFIX: &str = "FAQ-acc-";
const API_PREFIX: &str = "FAQ-API-acc-";
/// A run older than this is over (or was killed): `--sweep` deletes what it left.
const SWEEP_AGE: Duration = Duration::from_secs(3600);

pub async fn run(options: Options) -> ExitCode {
    let target = if options.aws {
        Target::aws(options.sweep).await
    } else {
        Target::local().await
    };
    let target = match target {
        Ok(target) => target,
        Err(error) => {
            eprintln!("acceptance: {error:#}");
            return ExitCode::from(2);
        }
    };
    println!("acceptance: against {}", target.describe());
    if options.sweep {
        return match sweep(&target, SWEEP_AGE).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("acceptance: --sweep: {error:#}");
                ExitCode::FAILURE
            }
        };
    }
    let chosen: Vec<Scenario> = scenarios::ALL
        .iter()
        .copied()
        .filter(|s| options.only.is_empty() || options.only.iter().any(|o| s.name.contains(o)))
        .filter(|s| target.is_local() || !s.local_only)
        .collect();
    if chosen.is_empty() {
        // As a libtest binary does for a filter that matches nothing (`scripts/test FILTER`
        // hands every test binary the same filter).
        println!(
            "acceptance: no scenario matches {:?}: nothing to run",
            options.only
        );
        return ExitCode::SUCCESS;
    }
    if let Some(dir) = &options.record {
        if let Err(error) = std::fs::create_dir_all(dir) {
            eprintln!("acceptance: --record {}: {error}", dir.display());
            return ExitCode::from(2);
        }
    }
    let dir = match tempfile::tempdir() {
        Ok(dir) => dir,
        Err(error) => {
            eprintln!("acceptance: cannot make a temporary directory: {error}");
            return ExitCode::FAILURE;
        }
    };
    let zips = match Zips::build(&target, dir.path()).await {
        Ok(zips) => zips,
        Err(error) => {
            eprintln!("acceptance: cannot build the function: {error:#}");
            return ExitCode::FAILURE;
        }
    };
    let mut failed = Vec::new();
    for scenario in chosen {
        let ctx = Ctx::new(&target, &zips, scenario.name, options.record.as_deref());
        println!("\n--- {} ({}): {}", scenario.name, ctx.id, scenario.about);
        let started = Instant::now();
        let outcome = tokio::select! {
            outcome = scenarios::run(scenario, &ctx) => outcome,
            _ = tokio::signal::ctrl_c() => {
                eprintln!("acceptance: interrupted; deleting what {} made…", scenario.name);
                if let Err(error) = ctx.clean_up().await {
                    eprintln!("acceptance: {error:#}");
                }
                return ExitCode::from(130);
            }
        };
        let cleaned = ctx.clean_up().await;
        let seconds = started.elapsed().as_secs_f64();
        match (outcome, cleaned) {
            (Ok(()), Ok(())) => println!("ok {} ({seconds:.1} s)", scenario.name),
            (outcome, cleaned) => {
                for error in [outcome.err(), cleaned.err()].into_iter().flatten() {
                    println!("FAILED {} ({seconds:.1} s): {error:#}", scenario.name);
                }
                failed.push(scenario.name);
            }
        }
    }
    if failed.is_empty() {
        println!(
            "\nacceptance: every scenario passed against {}",
            target.describe()
        );
        ExitCode::SUCCESS
    } else {
        println!("\nacceptance: FAILED: {}", failed.join(", "));
        ExitCode::FAILURE
    }
}

/// The zips the scenarios deploy, all from the project's own release build: the FAQ as it is,
/// a changed FAQ (new code for a version that passes the gate), and the bootstrap without its
/// faq.json (it exits at start: a version the gate must stop).
pub struct Zips {
    pub good: PathBuf,
    pub changed: PathBuf,
    pub broken: PathBuf,
}

impl Zips {
    async fn build(target: &Target, dir: &Path) -> anyhow::Result<Zips> {
        let output = target
            .faqctl()
            .args(["build", "--output", "json", "--quiet"])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .await?;
        ensure!(
            output.status.success(),
            "`faqctl build` failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let built: Value = serde_json::from_slice(&output.stdout)?;
        let good = PathBuf::from(
            built["zip"]
                .as_str()
                .context("`faqctl build` named no zip")?,
        );
        let bytes = std::fs::read(&good)?;
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes))?;
        let mut bootstrap = Vec::new();
        std::io::Read::read_to_end(&mut archive.by_name("bootstrap")?, &mut bootstrap)?;
        let faq = br#"{"service":"lambda","reference":"https://aws.amazon.com/lambda/faqs/","questions":[{"q":"Is this the changed FAQ?","a":"Yes: the acceptance suite deployed it."}]}"#;
        let changed = dir.join("changed.zip");
        std::fs::write(
            &changed,
            faqctl::package::write_zip(&[
                ("bootstrap", 0o755, &bootstrap),
                ("faq.json", 0o644, faq),
            ])?,
        )?;
        let broken = dir.join("broken.zip");
        std::fs::write(
            &broken,
            faqctl::package::write_zip(&[("bootstrap", 0o755, &bootstrap)])?,
        )?;
        let copy = dir.join("good.zip");
        std::fs::copy(&good, &copy)?;
        Ok(Zips {
            good: copy,
            changed,
            broken,
        })
    }
}

/// What one scenario works with: the target, the zips, and names of its own.
pub struct Ctx<'a> {
    pub target: &'a Target,
    pub zips: &'a Zips,
    pub id: String,
    pub function: String,
    pub api: String,
    record: Option<PathBuf>,
}

/// `20261203T153606Z-a1b2`: when the run started (so `--sweep` knows its age) and 16 random
/// bits, in what a Lambda function name allows.
fn run_id() -> String {
    let now = humantime::format_rfc3339_seconds(SystemTime::now()).to_string();
    let compact: String = now.chars().filter(|c| *c != '-' && *c != ':').collect();
    format!("{compact}-{:04x}", fastrand::u16(..))
}

/// When a run id's run started.
pub fn run_started(id: &str) -> Option<SystemTime> {
    let stamp = id.get(..16)?;
    let b = stamp.as_bytes();
    if b.get(8) != Some(&b'T') || b.get(15) != Some(&b'Z') {
        return None;
    }
    let rfc3339 = format!(
        "{}-{}-{}T{}:{}:{}Z",
        &stamp[0..4],
        &stamp[4..6],
        &stamp[6..8],
        &stamp[9..11],
        &stamp[11..13],
        &stamp[13..15]
    );
    humantime::parse_rfc3339(&rfc3339).ok()
}

/// What a faqctl process did.
pub struct Ran {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl<'a> Ctx<'a> {
    fn new(target: &'a Target, zips: &'a Zips, scenario: &str, record: Option<&Path>) -> Ctx<'a> {
        let id = run_id();
        Ctx {
            target,
            zips,
            function: format!("{FUNCTION_PREFIX}{id}"),
            api: format!("{API_PREFIX}{id}"),
            id,
            record: record.map(|dir| dir.join(format!("{scenario}.json"))),
        }
    }

    /// faqctl aimed at the target, with this scenario's names (and its recording, if asked).
    pub fn faqctl(&self, args: &[&str]) -> tokio::process::Command {
        let mut command = self.target.faqctl();
        command
            .env("FAQCTL_FUNCTION_NAME", &self.function)
            .env("FAQCTL_API_NAME", &self.api)
            .env_remove("FAQCTL_ROLE_ARN")
            .args(args);
        if let Some(file) = &self.record {
            command.env("FAQCTL_RECORD", file);
        }
        command
    }

    pub async fn run(&self, args: &[&str]) -> anyhow::Result<Ran> {
        self.run_command(self.faqctl(args)).await
    }

    pub async fn run_command(&self, mut command: tokio::process::Command) -> anyhow::Result<Ran> {
        let output = command.output().await.context("cannot run faqctl")?;
        Ok(Ran {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        })
    }

    /// Runs `faqctl ARGS --output json`, which must succeed; its JSON document.
    pub async fn ok(&self, args: &[&str]) -> anyhow::Result<Value> {
        let mut all = args.to_vec();
        all.extend(["--output", "json"]);
        let ran = self.run(&all).await?;
        if ran.code != 0 {
            bail!(
                "`faqctl {}` exited {}:\n{}",
                args.join(" "),
                ran.code,
                ran.stderr.trim_end()
            );
        }
        serde_json::from_str(&ran.stdout).with_context(|| {
            format!(
                "`faqctl {}` printed no JSON document:\n{}",
                args.join(" "),
                ran.stdout
            )
        })
    }

    /// Runs faqctl, which must fail with `code`; what it said on stderr.
    pub async fn fails(&self, code: i32, args: &[&str]) -> anyhow::Result<String> {
        let ran = self.run(args).await?;
        ensure!(
            ran.code == code,
            "`faqctl {}` exited {} where {code} was expected:\n{}{}",
            args.join(" "),
            ran.code,
            ran.stdout,
            ran.stderr
        );
        Ok(ran.stderr)
    }

    /// Tags what the scenario deployed with its run id. Not while recording: these calls are
    /// the suite's, not faqctl's, so the recording would lack what put the tags there and a
    /// replay would rightly miss them; `--sweep` finds the run by its names all the same.
    pub async fn tag(&self, function_arn: &str, api_id: &str) -> anyhow::Result<()> {
        if self.record.is_some() {
            return Ok(());
        }
        tag(self.target, &self.id, function_arn, api_id).await
    }

    /// Deletes whatever the scenario made (a no-op when it made nothing): its function, REST
    /// API and test roles.
    pub async fn clean_up(&self) -> anyhow::Result<()> {
        let destroyed = destroy(self.target, &self.function, &self.api).await;
        // By name, not by listing: a role made a moment ago may not be listed yet.
        let roles = crate::roles::delete_run(self.target, &self.id).await;
        destroyed.and(roles)
    }
}

/// Tags a function and a REST API `faqctl-acceptance=<id>`, so that `--sweep` finds them if
/// the run is killed before it cleans up.
pub async fn tag(
    target: &Target,
    id: &str,
    function_arn: &str,
    api_id: &str,
) -> anyhow::Result<()> {
    target
        .lambda()
        .tag_resource()
        .resource(function_arn)
        .tags(TAG, id)
        .send()
        .await
        .context("lambda:TagResource")?;
    let partition = function_arn.split(':').nth(1).unwrap_or("aws");
    target
        .apigateway()
        .tag_resource()
        .resource_arn(format!(
            "arn:{partition}:apigateway:{}::/restapis/{api_id}",
            target.region
        ))
        .tags(TAG, id)
        .send()
        .await
        .context("apigateway:TagResource")?;
    Ok(())
}

/// `faqctl destroy --yes` for one run's names, waiting out DeleteRestApi's quota as needed.
async fn destroy(target: &Target, function: &str, api: &str) -> anyhow::Result<()> {
    let output = target
        .faqctl()
        .args(["destroy", "--yes", "--quiet", "--quota-wait", "5m"])
        .args(["--function-name", function, "--api-name", api])
        .output()
        .await?;
    ensure!(
        output.status.success(),
        "{function} and {api} may be left behind (run `./scripts/acceptance --sweep` in an hour): `faqctl destroy` failed:\n{}",
        String::from_utf8_lossy(&output.stderr).trim_end()
    );
    Ok(())
}

/// Deletes the resources of runs that started more than `age` ago: functions and REST APIs
/// named after a run (`FAQ-acc-<id>`, `FAQ-API-acc-<id>`), REST APIs tagged
/// `faqctl-acceptance` (GetRestApis answers with the tags), and the test roles under
/// `/faqctl-acceptance/` (`faqctl-acc-<id>-<command>`).
pub async fn sweep(target: &Target, age: Duration) -> anyhow::Result<()> {
    let mut ids = std::collections::BTreeSet::new();
    let lambda = target.lambda();
    let mut functions = lambda.list_functions().into_paginator().send();
    while let Some(page) = functions.next().await {
        for function in page.context("lambda:ListFunctions")?.functions() {
            // The name carries the run id (a run killed before it tagged is found too), so
            // no ListTags per function.
            let named = function
                .function_name()
                .and_then(|n| n.strip_prefix(FUNCTION_PREFIX));
            if let Some(named) = named.filter(|n| run_started(n).is_some()) {
                ids.insert(named.to_string());
            }
        }
    }
    let apis = target
        .apigateway()
        .get_rest_apis()
        .into_paginator()
        .items()
        .send()
        .collect::<Vec<_>>()
        .await;
    for api in apis {
        let api = api.context("apigateway:GetRestApis")?;
        if let Some(named) = api.name().and_then(|n| n.strip_prefix(API_PREFIX)) {
            if run_started(named).is_some() {
                ids.insert(named.to_string());
            }
            if let Some(id) = api.tags().and_then(|t| t.get(TAG)) {
                ids.insert(id.clone());
            }
        }
    }
    let cutoff = SystemTime::now() - age;
    let mut swept = 0;
    for id in ids {
        match run_started(&id) {
            Some(started) if started < cutoff => {
                println!(
                    "sweep: run {id} (started {}): deleting",
                    humantime::format_rfc3339_seconds(started)
                );
                destroy(
                    target,
                    &format!("{FUNCTION_PREFIX}{id}"),
                    &format!("{API_PREFIX}{id}"),
                )
                .await?;
                swept += 1;
            }
            Some(_) => println!(
                "sweep: run {id} is under {} min old: left alone",
                age.as_secs() / 60
            ),
            None => println!("sweep: {TAG}={id} is not a run id of this suite: left alone"),
        }
    }
    let roles = crate::roles::sweep(target, cutoff).await?;
    println!("sweep: {swept} run(s) and {roles} test role(s) deleted");
    Ok(())
}
