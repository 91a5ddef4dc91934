//! One module per command; each owns its `*Args` and a `run` that returns the exit code.

use crate::cli::{Command, Exit};
use crate::output::Printer;

pub mod build;

pub fn run(command: Command, printer: &Printer) -> anyhow::Result<Exit> {
    match command {
        Command::Build(args) => build::run(args, printer),
    }
}
