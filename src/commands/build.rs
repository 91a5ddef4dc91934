//! `faqctl build`: validate faq.json, build and check the bootstrap, write the zip.

use std::path::PathBuf;

use clap::Args;

use crate::cli::Exit;
use crate::output::Printer;
use crate::package::{self, BuildConfig};

#[derive(Debug, Args)]
pub struct BuildArgs {
    #[command(flatten)]
    pub project: ProjectArgs,
}

/// Where the project is and what the package is called.
#[derive(Debug, Clone, Args)]
pub struct ProjectArgs {
    /// The workspace's Cargo.toml (its `function/` crate is built).
    #[arg(long, value_name = "PATH", default_value = "Cargo.toml")]
    pub manifest_path: PathBuf,
    /// The FAQ data shipped with the function.
    #[arg(long, value_name = "PATH", default_value = "faq.json")]
    pub faq: PathBuf,
    /// The Lambda function's name (also names the output folder `target/lambda/<name>/`).
    #[arg(
        long,
        value_name = "NAME",
        default_value = "FAQ",
        env = "FAQCTL_FUNCTION_NAME"
    )]
    pub function_name: String,
}

impl ProjectArgs {
    pub fn build_config(&self) -> BuildConfig {
        BuildConfig {
            manifest_path: self.manifest_path.clone(),
            faq_path: self.faq.clone(),
            function_name: self.function_name.clone(),
        }
    }
}

pub fn run(args: BuildArgs, printer: &Printer) -> anyhow::Result<Exit> {
    let built = package::build(&args.project.build_config(), printer)?;
    printer.result(&built)?;
    Ok(Exit::Success)
}
