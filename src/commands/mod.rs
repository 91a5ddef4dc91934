//! One module per command; each owns its `*Args` and a `run` that returns the exit code.

use clap::CommandFactory;

use crate::cli::{Cli, Command, Exit, Source};
use crate::output::Printer;
use crate::settings::RemoteArgs;

pub mod build;
pub mod deploy;
pub mod destroy;
pub mod invoke;
pub mod local;
pub mod logs;
pub mod plan;
pub mod status;

pub async fn run(
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
        Command::Invoke(args) => invoke::run(remote, args, printer).await,
        Command::Logs(args) => logs::run(remote, args, printer).await,
        Command::Destroy(args) => destroy::run(remote, args, printer).await,
        Command::Local(args) => local::run(args, remote, printer).await,
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), "faqctl", &mut std::io::stdout());
            Ok(Exit::Success)
        }
    }
}

/// Resolves on Ctrl-C (SIGINT) or SIGTERM (what `kill`, systemd and CI runners send): commands
/// that run until stopped end cleanly on either.
pub async fn stop_signal() {
    let mut terminate =
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(signal) => signal,
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
                return;
            }
        };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = terminate.recv() => {}
    }
}
