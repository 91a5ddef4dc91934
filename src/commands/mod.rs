//! One module per command; each owns its `*Args` and a `run` that returns the exit code.

use clap::CommandFactory;

use crate::cli::{Cli, Command, Source};
use crate::output::Printer;
use crate::settings::RemoteArgs;

/// Process exit codes, the same for text and JSON output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Success = 0,
    Error = 1,
    /// `plan --detailed-exitcode` found changes to make.
    Changes = 2,
    /// `deploy --smoke-test`: deployed, but the stage URL did not answer with a FAQ entry.
    SmokeTestFailed = 3,
    /// `deploy`: the new version failed the gate; the alias was not moved, so users are still
    /// on what they had.
    GateFailed = 4,
    /// `deploy --traffic canary|linear`: the new version had errors (or an `--alarm` fired)
    /// while traffic shifted; the alias is back on the version it was on.
    RolledBack = 5,
    /// `deploy`: the gate could not run the new version at all (the endpoint runs no function
    /// code, as moto); `--no-gate` deploys there.
    GateCannotRun = 6,
}

impl From<Exit> for std::process::ExitCode {
    fn from(exit: Exit) -> Self {
        std::process::ExitCode::from(exit as u8)
    }
}

pub mod build;
pub mod cache;
pub mod deploy;
pub mod destroy;
pub mod export;
pub mod follow;
pub mod history;
pub mod invoke;
pub mod keys;
pub mod local;
pub mod logs;
pub mod plan;
pub mod rollback;
pub mod status;
pub mod watch;

/// Runs one command; with `FAQCTL_RECORD` set, its AWS calls are written out on the way out,
/// whatever the outcome (a failed run's calls are the ones worth reading).
pub async fn run(
    command: Command,
    remote: &RemoteArgs,
    sources: &[Source],
    printer: &Printer,
) -> anyhow::Result<Exit> {
    let outcome = dispatch(command, remote, sources, printer).await;
    match (outcome, crate::aws::record::finish()) {
        (Ok(exit), Ok(())) => Ok(exit),
        (Ok(_), Err(recording)) => Err(recording),
        (Err(error), Ok(())) => Err(error),
        // The command's own error is the one to act on (and main prints it last).
        (Err(error), Err(recording)) => {
            eprintln!("error: {recording:#}");
            Err(error)
        }
    }
}

async fn dispatch(
    command: Command,
    remote: &RemoteArgs,
    sources: &[Source],
    printer: &Printer,
) -> anyhow::Result<Exit> {
    match command {
        Command::Build(args) => build::run(args, printer),
        Command::Deploy(args) => deploy::run(remote, args, printer).await,
        Command::Plan(args) => plan::run(remote, args, sources, printer).await,
        Command::Status(args) => status::run(remote, args, printer).await,
        Command::History(args) => history::run(remote, args, printer).await,
        Command::Rollback(args) => rollback::run(remote, args, printer).await,
        Command::Invoke(args) => invoke::run(remote, args, printer).await,
        Command::Logs(args) => logs::run(remote, args, printer).await,
        Command::Destroy(args) => destroy::run(remote, args, printer).await,
        Command::Keys(args) => keys::run(remote, args, printer).await,
        Command::Cache(args) => cache::run(remote, args, printer).await,
        Command::Export(args) => export::run(remote, args, printer).await,
        Command::Local(args) => local::run(args, remote, printer).await,
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), "faqctl", &mut std::io::stdout());
            Ok(Exit::Success)
        }
    }
}

/// Ctrl-C (SIGINT) or SIGTERM (what `kill`, systemd and CI runners send): commands that run
/// until stopped end cleanly on either. Listening starts when it is made, so a signal that
/// arrives before anyone awaits it is not lost (nor does it kill the process uncleanly).
pub struct StopSignal {
    interrupt: Option<tokio::signal::unix::Signal>,
    terminate: Option<tokio::signal::unix::Signal>,
}

impl StopSignal {
    pub fn new() -> StopSignal {
        use tokio::signal::unix::{signal, SignalKind};
        StopSignal {
            interrupt: signal(SignalKind::interrupt()).ok(),
            terminate: signal(SignalKind::terminate()).ok(),
        }
    }

    /// Resolves on the first of the two.
    pub async fn recv(&mut self) {
        async fn next(signal: &mut Option<tokio::signal::unix::Signal>) {
            match signal {
                Some(signal) => {
                    signal.recv().await;
                }
                None => std::future::pending().await,
            }
        }
        tokio::select! {
            _ = next(&mut self.interrupt) => {}
            _ = next(&mut self.terminate) => {}
        }
    }
}

impl Default for StopSignal {
    fn default() -> Self {
        StopSignal::new()
    }
}
