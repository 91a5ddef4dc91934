//! The command line: clap definitions (the `///` comments are the `--help` text), the global
//! options and the exit codes. Parsing only; commands own their own `*Args`.

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::commands;

/// Deploy the FAQ microservice (AWS Lambda behind an API Gateway REST API) to AWS, or run the
/// very same thing on an embedded local cloud.
#[derive(Debug, Parser)]
#[command(name = "faqctl", version, propagate_version = true)]
#[command(
    after_help = "Exit codes: 0 success, 1 error, 2 `plan --detailed-exitcode` found changes."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Result format on stdout: `text` for people, `json` for pipelines (one JSON document).
    #[arg(long, global = true, value_enum, default_value_t = OutputFormat::Text)]
    pub output: OutputFormat,
    #[command(flatten)]
    pub remote: crate::settings::RemoteArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Build the `bootstrap` for provided.al2023, check it and write a deterministic zip.
    ///
    /// Validates faq.json, compiles the function crate with the size-optimised
    /// `lambda-release` profile, checks the binary (x86_64 ELF, GLIBC ≤ 2.34) and writes
    /// `target/lambda/<function>/bootstrap.zip` with `bootstrap` (0755) and `faq.json`.
    Build(commands::build::BuildArgs),
    /// Build (or take --zip) and converge AWS to it: function, log group, REST API, GET method,
    /// permission and stage. Idempotent: a re-run with nothing changed makes no write call.
    Deploy(commands::deploy::DeployArgs),
    /// Show what `deploy` would change, without changing anything.
    Plan(commands::plan::PlanArgs),
    /// Invoke the function directly, or GET the stage URL with --http.
    Invoke(commands::invoke::InvokeArgs),
    /// Print the function's CloudWatch logs; --follow keeps printing new ones.
    Logs(commands::logs::LogsArgs),
    /// Delete the REST API, the permission, the function and its log group.
    Destroy(commands::destroy::DestroyArgs),
    /// Run the whole service on this machine: start the embedded local cloud (Lambda, API
    /// Gateway, CloudWatch Logs on 127.0.0.1:4566), deploy into it, serve the stage URL and
    /// follow the logs until Ctrl-C. No AWS account, no Docker.
    Local(commands::local::LocalArgs),
}

/// Process exit codes, the same for text and JSON output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Success = 0,
    Error = 1,
    /// `plan --detailed-exitcode` found changes to make.
    Changes = 2,
}

impl From<Exit> for std::process::ExitCode {
    fn from(exit: Exit) -> Self {
        std::process::ExitCode::from(exit as u8)
    }
}
