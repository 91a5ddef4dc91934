//! The acceptance suite (`./scripts/acceptance`): end-to-end scenarios that drive the `faqctl`
//! binary, as a user or a pipeline does, against a target: the local cloud by default (a
//! `faqctl local` of its own, with AWS's rate limits on), or a real account with `--aws`.
//!
//! Each scenario names its resources with a run id (`FAQ-acc-<id>`, `FAQ-API-acc-<id>`), tags
//! them `faqctl-acceptance=<id>`, and destroys them whether it passes, fails or is interrupted
//! (Ctrl-C); `--sweep` deletes what a killed run left behind once it is an hour old. `--aws`
//! refuses to start unless `FAQCTL_ACCEPTANCE_ACCOUNT` is the account the credentials are for
//! (sts:GetCallerIdentity), before anything is written. `--record DIR` has every faqctl
//! invocation of a scenario record its AWS calls, scrubbed, to `DIR/<scenario>.json`
//! (`FAQCTL_RECORD`), ready for `tests/recordings/`.
//!
//! It is a test target without libtest's harness: `cargo test` runs it against the local cloud
//! with the rest of the suite; the script passes its flags through.

#[path = "../support/poll.rs"]
mod poll;
mod roles;
mod run;
mod scenarios;
mod target;

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "usage: scripts/acceptance [--aws] [--sweep] [--record DIR] [SCENARIO...]

  (no flag)     every scenario against a local cloud of its own (no account needed)
  --aws         against the account your AWS credentials are for; needs
                FAQCTL_ACCEPTANCE_ACCOUNT (that account's id) and FAQCTL_ROLE_ARN (an
                existing execution role for the function)
  --sweep       delete what runs older than an hour left behind (tag faqctl-acceptance), then stop
  --record DIR  record each scenario's AWS calls to DIR/<scenario>.json
  SCENARIO      run only the scenarios whose names contain one of these";

/// What the command line asks for.
#[derive(Debug, Default)]
pub struct Options {
    pub aws: bool,
    pub sweep: bool,
    pub record: Option<PathBuf>,
    pub only: Vec<String>,
}

fn parse(args: impl Iterator<Item = String>) -> Result<Options, String> {
    let mut options = Options::default();
    let mut args = args.peekable();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--aws" => options.aws = true,
            "--sweep" => options.sweep = true,
            "--record" => match args.next() {
                // Absolute: every faqctl the scenarios start writes there.
                Some(dir) => {
                    options.record = Some(std::path::absolute(dir).map_err(|e| e.to_string())?)
                }
                None => return Err("--record needs a directory".into()),
            },
            "-h" | "--help" => return Err(String::new()),
            // What `cargo test` hands every test binary; this one has no threads or captures.
            "--nocapture" | "--show-output" | "-q" | "--quiet" | "--include-ignored" => {}
            flag if flag.starts_with("--test-threads") || flag.starts_with("--color") => {
                if !flag.contains('=') {
                    args.next();
                }
            }
            flag if flag.starts_with('-') => return Err(format!("unknown flag {flag}")),
            name => options.only.push(name.to_string()),
        }
    }
    Ok(options)
}

fn main() -> ExitCode {
    let options = match parse(std::env::args().skip(1)) {
        Ok(options) => options,
        Err(problem) if problem.is_empty() => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(problem) => {
            eprintln!("acceptance: {problem}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    runtime.block_on(run::run(options))
}
