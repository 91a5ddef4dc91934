//! The command line: clap definitions (the `///` comments are the `--help` text), the global
//! options, and the project file `faqctl.toml` folded in under flags and environment. Parsing
//! only: commands own their own `*Args`, the exit codes (`commands::Exit`) and the output
//! format (`output::OutputFormat`) live where they are used.

use std::fmt;
use std::path::PathBuf;

use clap::parser::ValueSource;
use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};

use crate::commands;
use crate::output::OutputFormat;
use crate::project_file::ProjectFile;
use crate::settings::NameArgs;

const EXIT_CODES: &str = "\
Exit codes (the same with --output json):
  0  success (plan --detailed-exitcode: no changes)
  1  error, including a bad command line or bad input
  2  plan --detailed-exitcode: changes are pending
  3  deploy --smoke-test: deployed, but the stage URL did not answer with a FAQ entry
  4  deploy: the new version failed the gate; the alias did not move (users kept the old one)
  5  deploy --traffic canary|linear: the new version had errors (or an --alarm fired) while
     traffic shifted; the alias is back on the version it was on
  6  deploy: the gate could not run the new version at all (the endpoint runs no function
     code, as moto); the alias did not move; --no-gate deploys there";

/// Deploy the FAQ microservice (AWS Lambda behind an API Gateway REST API) to AWS, or run the
/// very same thing on an embedded local cloud.
///
/// Settings come from flags, then FAQCTL_* environment variables, then `faqctl.toml` in the
/// current folder, then defaults. AWS region and credentials come from the standard AWS chain.
/// An environment variable for an on/off flag (FAQCTL_NO_GATE) takes 1/0, true/false, yes/no
/// or on/off.
#[derive(Debug, Parser)]
#[command(name = "faqctl", version, propagate_version = true, after_help = EXIT_CODES)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Flags every command takes, listed apart from each command's own in `--help`.
#[derive(Debug, Args)]
#[command(next_help_heading = "Global options")]
pub struct GlobalArgs {
    /// Result format on stdout: `text` for people, `json` for pipelines (one JSON document).
    #[arg(long, global = true, value_enum, default_value_t = OutputFormat::Text)]
    pub output: OutputFormat,
    /// More detail on stderr: -v shows progress lines everywhere and where settings came from,
    /// -vv also each step's time.
    #[arg(short, long, global = true, action = clap::ArgAction::Count, conflicts_with = "quiet")]
    pub verbose: u8,
    /// No progress at all on stderr (errors still are).
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// The project file (default: faqctl.toml in the current folder, if there is one).
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,
    #[command(flatten)]
    pub remote: crate::settings::RemoteArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Build the `bootstrap` for provided.al2023, check it and write a deterministic zip.
    ///
    /// Validates faq.json, compiles the function crate with the size-optimised
    /// `lambda-release` profile, checks the binary (x86_64 ELF, GLIBC ≤ 2.34) and writes
    /// `target/lambda/<function>/bootstrap.zip` with `bootstrap` (0755) and `faq.json`.
    #[command(
        after_help = "Examples:\n  faqctl build\n  faqctl build --faq other-faq.json --output json"
    )]
    Build(commands::build::BuildArgs),
    /// Build (or take --zip) and converge AWS to it: function, log group, REST API, GET method,
    /// permission and stage. Idempotent: a re-run with nothing changed makes no write call.
    #[command(
        after_help = "Examples:\n  faqctl deploy --role-arn arn:aws:iam::123456789012:role/lambda-basic-execution\n  faqctl deploy --zip target/lambda/FAQ/bootstrap.zip --output json --smoke-test\n  faqctl deploy --local\n  faqctl deploy --traffic canary:10:5 --alarm faq-5xx   # 10% for 5 min, watched, then all\n  faqctl deploy --watch --output json   # deploy again on every save"
    )]
    Deploy(commands::deploy::DeployCommandArgs),
    /// Show what `deploy` would change, without changing anything.
    #[command(
        after_help = "Examples:\n  faqctl plan\n  faqctl plan --detailed-exitcode   # 0 no changes, 2 changes pending, 1 error\n  faqctl plan -v                   # also where each setting came from"
    )]
    Plan(commands::plan::PlanArgs),
    /// Show what is deployed: function, code, API, stage and invoke URL.
    #[command(
        after_help = "Examples:\n  faqctl status\n  faqctl status --output json | jq -r .invoke_url"
    )]
    Status(commands::status::StatusArgs),
    /// List the function's versions (number, CodeSha256, when, commit) and which one the alias
    /// sends users to, with what weight.
    #[command(
        after_help = "Examples:\n  faqctl history\n  faqctl history --output json | jq '.versions[] | select(.weight > 0)'"
    )]
    History(commands::history::HistoryArgs),
    /// Send users back to the previous version (or --to VERSION) in one write: the alias moves,
    /// instantly; nothing is built or published.
    #[command(after_help = "Examples:\n  faqctl rollback\n  faqctl rollback --to 7 --output json")]
    Rollback(commands::rollback::RollbackArgs),
    /// Invoke the function directly, or GET the stage URL with --http.
    #[command(
        after_help = "Examples:\n  faqctl invoke\n  faqctl invoke --log --payload '{\"httpMethod\":\"GET\"}'\n  faqctl invoke --http"
    )]
    Invoke(commands::invoke::InvokeArgs),
    /// Print the function's CloudWatch logs; --follow keeps printing new ones.
    #[command(
        after_help = "Examples:\n  faqctl logs --since 1h\n  faqctl logs --follow --filter '\"Quote selected\"'\n  faqctl logs --output json | jq .message"
    )]
    Logs(commands::logs::LogsArgs),
    /// Delete the REST API, the permission, the function and its log group.
    #[command(
        after_help = "Examples:\n  faqctl destroy          # asks first, at a terminal\n  faqctl destroy --yes    # in CI"
    )]
    Destroy(commands::destroy::DestroyArgs),
    /// API keys for third-party developers, in the stage's usage plan (deploy with
    /// --api-key-required first).
    #[command(
        after_help = "Examples:\n  faqctl keys create acme-corp            # prints the value once\n  faqctl keys create acme-corp --output json | jq -r '.keys[0].value'\n  faqctl keys list\n  faqctl keys revoke acme-corp"
    )]
    Keys(commands::keys::KeysArgs),
    /// The stage's response cache (deploy with --cache-ttl): `flush` empties it.
    #[command(after_help = "Examples:\n  faqctl cache flush\n  faqctl cache flush --output json")]
    Cache(commands::cache::CacheArgs),
    /// Print the deployed API's contract as an OpenAPI document (API Gateway's export of
    /// the stage): OpenAPI 3.0 or Swagger 2.0, JSON or YAML.
    #[command(
        after_help = "Examples:\n  faqctl export > faq-api.json\n  faqctl export --format swagger --yaml -o faq-api.yaml\n  faqctl export --extensions -o faq-api.json --output json"
    )]
    Export(commands::export::ExportArgs),
    /// Run the whole service on this machine: start the embedded local cloud (Lambda, API
    /// Gateway, CloudWatch Logs on 127.0.0.1:4566), deploy into it, serve the stage URL and
    /// follow the logs until Ctrl-C. No AWS account, no Docker.
    #[command(
        after_help = "Examples:\n  faqctl local\n  faqctl local --watch                  # rebuild and redeploy on every save\n  faqctl local --state-dir .faqctl-local --port 4567\n  faqctl local --no-deploy --faults 'CreateDeployment=throttle*2'"
    )]
    Local(commands::local::LocalArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    #[command(
        after_help = "Examples:\n  faqctl completions bash > ~/.local/share/bash-completion/completions/faqctl\n  faqctl completions zsh > \"${fpath[1]}/_faqctl\"\n  faqctl completions fish > ~/.config/fish/completions/faqctl.fish"
    )]
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

/// Where one setting's value came from, for `plan -v`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    pub setting: &'static str,
    pub value: String,
    pub from: String,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:<20} {:<50} ({})", self.setting, self.value, self.from)
    }
}

/// Why parsing stopped: clap's own answer (help, version, usage error) or a bad project file.
pub enum ParseError {
    Clap(clap::Error),
    File(anyhow::Error),
}

/// Parses the command line, then folds in `faqctl.toml` where a flag or environment variable
/// did not set a value. Returns where each setting came from.
pub fn parse() -> Result<(Cli, Vec<Source>), ParseError> {
    parse_from(std::env::args_os())
}

pub fn parse_from<I, T>(args: I) -> Result<(Cli, Vec<Source>), ParseError>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let matches = Cli::command()
        .try_get_matches_from(args)
        .map_err(ParseError::Clap)?;
    let mut cli = Cli::from_arg_matches(&matches).map_err(ParseError::Clap)?;
    let file = ProjectFile::load(cli.global.config.as_deref()).map_err(ParseError::File)?;
    let mut sources = Vec::new();
    let Some((_, sub)) = matches.subcommand() else {
        return Ok((cli, sources));
    };
    let file_name = file
        .path
        .as_ref()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    let from = |id: &str, has_file_value: bool| -> (String, bool) {
        match sub.value_source(id) {
            Some(ValueSource::CommandLine) => ("flag".into(), false),
            Some(ValueSource::EnvVariable) => ("environment".into(), false),
            _ if has_file_value => (file_name.clone(), true),
            Some(ValueSource::DefaultValue) => ("default".into(), false),
            _ => ("not set".into(), false),
        }
    };
    fold_region(&mut cli, &file, &from, &mut sources);
    fold_arch(&mut cli, &file, &from, &mut sources);
    let names = match &mut cli.command {
        Command::Deploy(args) => Some((&mut args.deploy.names, Some(&mut args.deploy.function))),
        Command::Plan(args) => Some((&mut args.deploy.names, Some(&mut args.deploy.function))),
        Command::Local(args) => Some((&mut args.names, Some(&mut args.function))),
        Command::Status(args) => Some((&mut args.names, None)),
        Command::History(args) => Some((&mut args.names, None)),
        Command::Rollback(args) => Some((&mut args.names, None)),
        Command::Invoke(args) => Some((&mut args.names, None)),
        Command::Logs(args) => Some((&mut args.names, None)),
        Command::Destroy(args) => Some((&mut args.names, None)),
        Command::Keys(args) => Some((&mut args.names, None)),
        Command::Cache(args) => Some((&mut args.names, None)),
        Command::Export(args) => Some((&mut args.names, None)),
        Command::Build(args) => {
            fold_function_name(args, &file, &from, &mut sources);
            None
        }
        Command::Completions { .. } => None,
    };
    if let Some((names, function)) = names {
        fold_names(names, &file, &from, &mut sources);
        if let Some(function) = function {
            fold_function(function, &file, &from, &mut sources);
        }
    }
    Ok((cli, sources))
}

/// The region: a flag, then the file, then the AWS chain (AWS_REGION, the profile).
fn fold_region(
    cli: &mut Cli,
    file: &ProjectFile,
    from: &dyn Fn(&str, bool) -> (String, bool),
    sources: &mut Vec<Source>,
) {
    let (region_from, use_file) = from("region", file.region.is_some());
    if use_file {
        cli.global.remote.region = file.region.clone();
    }
    let region_from = if region_from == "not set" {
        "AWS config chain".to_string()
    } else {
        region_from
    };
    sources.push(Source {
        setting: "region",
        value: cli
            .global
            .remote
            .region
            .clone()
            .unwrap_or_else(|| "(AWS_REGION or the profile)".into()),
        from: region_from,
    });
}

/// The architecture, for the commands that build: a flag or FAQCTL_ARCH, then the file, then
/// x86_64.
fn fold_arch(
    cli: &mut Cli,
    file: &ProjectFile,
    from: &dyn Fn(&str, bool) -> (String, bool),
    sources: &mut Vec<Source>,
) {
    let project = match &mut cli.command {
        Command::Build(args) => Some(&mut args.project),
        Command::Deploy(args) => Some(&mut args.deploy.source.project),
        Command::Plan(args) => Some(&mut args.deploy.source.project),
        Command::Local(args) => Some(&mut args.source.project),
        _ => None,
    };
    if let Some(project) = project {
        let (origin, use_file) = from("arch", file.arch.is_some());
        if let (true, Some(arch)) = (use_file, file.arch) {
            project.arch = arch;
        }
        sources.push(Source {
            setting: "arch",
            value: project.arch.to_string(),
            from: origin,
        });
    }
}

/// `build`'s function name: a flag, then the file.
fn fold_function_name(
    args: &mut commands::build::BuildArgs,
    file: &ProjectFile,
    from: &dyn Fn(&str, bool) -> (String, bool),
    sources: &mut Vec<Source>,
) {
    let (origin, use_file) = from("function_name", file.function_name.is_some());
    if use_file {
        args.function_name = file.function_name.clone().unwrap_or_default();
    }
    sources.push(Source {
        setting: "function-name",
        value: args.function_name.clone(),
        from: origin,
    });
}

/// The function's settings for `deploy`, `plan` and `local`: a flag, then the file, else the
/// default or as deployed.
fn fold_function(
    function: &mut commands::deploy::FunctionArgs,
    file: &ProjectFile,
    from: &dyn Fn(&str, bool) -> (String, bool),
    sources: &mut Vec<Source>,
) {
    let (origin, use_file) = from("role_arn", file.role_arn.is_some());
    if use_file {
        function.role_arn = file.role_arn.clone();
    }
    sources.push(Source {
        setting: "role-arn",
        value: function
            .role_arn
            .clone()
            .unwrap_or_else(|| "(keep the function's)".into()),
        from: origin,
    });
    for (setting, id, file_value, target) in [
        ("memory", "memory", file.memory, &mut function.memory),
        ("timeout", "timeout", file.timeout, &mut function.timeout),
        (
            "log-retention-days",
            "log_retention_days",
            file.log_retention_days,
            &mut function.log_retention_days,
        ),
    ] {
        let (origin, use_file) = from(id, file_value.is_some());
        if let (true, Some(value)) = (use_file, file_value) {
            *target = value;
        }
        sources.push(Source {
            setting,
            value: target.to_string(),
            from: origin,
        });
    }
    for (setting, id, file_value, target) in [
        (
            "cors-origins",
            "cors_origins",
            &file.cors_origins,
            &mut function.cors_origins,
        ),
        ("alarms", "alarms", &file.alarms, &mut function.alarms),
    ] {
        let (origin, use_file) = from(id, file_value.is_some());
        // An empty list is the default (clap records no source for it).
        let origin = if origin == "not set" {
            "default".to_string()
        } else {
            origin
        };
        if let (true, Some(values)) = (use_file, file_value) {
            *target = values.clone();
        }
        sources.push(Source {
            setting,
            value: if target.is_empty() {
                "(none)".into()
            } else {
                target.join(", ")
            },
            from: origin,
        });
    }
    let (origin, use_file) = from("traffic", file.traffic.is_some());
    if let (true, Some(traffic)) = (use_file, file.traffic) {
        function.traffic = traffic;
    }
    sources.push(Source {
        setting: "traffic",
        value: function.traffic.to_string(),
        from: origin,
    });
    fold_api_keys(function, file, from, sources);
}

/// `api-key-required` and the `usage-plan-*` settings: a flag, then the file, else kept as
/// deployed.
fn fold_api_keys(
    function: &mut commands::deploy::FunctionArgs,
    file: &ProjectFile,
    from: &dyn Fn(&str, bool) -> (String, bool),
    sources: &mut Vec<Source>,
) {
    let (origin, use_file) = from("auth", file.auth.is_some());
    if let (true, Some(auth)) = (use_file, file.auth) {
        function.auth = auth;
    }
    sources.push(Source {
        setting: "auth",
        value: function.auth.to_string(),
        from: origin,
    });
    let (origin, use_file) = from("response_model", file.response_model.is_some());
    if let (true, Some(model)) = (use_file, file.response_model) {
        function.response_model = model;
    }
    sources.push(Source {
        setting: "response-model",
        value: function.response_model.to_string(),
        from: origin,
    });
    let kept = || "(as deployed)".to_string();
    let (origin, use_file) = from("cache_ttl", file.cache_ttl.is_some());
    if use_file {
        function.cache_ttl = file.cache_ttl;
    }
    sources.push(Source {
        setting: "cache-ttl",
        value: function.cache_ttl.map_or_else(kept, |t| t.to_string()),
        from: origin,
    });
    for (setting, id, file_value, target) in [
        ("domain", "domain", &file.domain, &mut function.domain),
        (
            "certificate-arn",
            "certificate_arn",
            &file.certificate_arn,
            &mut function.certificate_arn,
        ),
        (
            "base-path",
            "base_path",
            &file.base_path,
            &mut function.base_path,
        ),
    ] {
        let (origin, use_file) = from(id, file_value.is_some());
        if use_file {
            *target = file_value.clone();
        }
        sources.push(Source {
            setting,
            value: target.clone().unwrap_or_else(kept),
            from: origin,
        });
    }
    let (origin, use_file) = from("api_key_required", file.api_key_required.is_some());
    if use_file {
        function.api_key_required = file.api_key_required;
    }
    sources.push(Source {
        setting: "api-key-required",
        value: function
            .api_key_required
            .map_or_else(kept, |v| v.to_string()),
        from: origin,
    });
    for (setting, id, file_value, target) in [
        (
            "usage-plan-rate",
            "usage_plan_rate",
            file.usage_plan_rate,
            &mut function.usage_plan_rate,
        ),
        (
            "usage-plan-burst",
            "usage_plan_burst",
            file.usage_plan_burst,
            &mut function.usage_plan_burst,
        ),
    ] {
        let (origin, use_file) = from(id, file_value.is_some());
        if use_file {
            *target = file_value;
        }
        sources.push(Source {
            setting,
            value: target.map_or_else(kept, |v| v.to_string()),
            from: origin,
        });
    }
    let (origin, use_file) = from("usage_plan_quota", file.usage_plan_quota.is_some());
    if use_file {
        function.usage_plan_quota = file.usage_plan_quota;
    }
    sources.push(Source {
        setting: "usage-plan-quota",
        value: function
            .usage_plan_quota
            .map_or_else(kept, |q| q.to_string()),
        from: origin,
    });
}

fn fold_names(
    names: &mut NameArgs,
    file: &ProjectFile,
    from: &dyn Fn(&str, bool) -> (String, bool),
    sources: &mut Vec<Source>,
) {
    for (setting, id, file_value, target) in [
        (
            "function-name",
            "function_name",
            &file.function_name,
            &mut names.function_name,
        ),
        ("api-name", "api_name", &file.api_name, &mut names.api_name),
        ("stage", "stage", &file.stage, &mut names.stage),
    ] {
        let (origin, use_file) = from(id, file_value.is_some());
        if let (true, Some(value)) = (use_file, file_value) {
            *target = value.clone();
        }
        sources.push(Source {
            setting,
            value: target.clone(),
            from: origin,
        });
    }
}
