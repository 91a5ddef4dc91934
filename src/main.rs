//! faqctl: parse the command line, run one command, print the error chain and pick the exit code.
//! Everything else lives in the modules below; see DESIGN.md for the layers.

use std::process::ExitCode;

use clap::Parser;
use faqctl::{cli, commands, output};

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let printer = output::Printer::new(cli.global.output);
    match commands::run(cli.command, &printer) {
        Ok(code) => code.into(),
        Err(error) => {
            eprintln!("error: {error:#}");
            cli::Exit::Error.into()
        }
    }
}
