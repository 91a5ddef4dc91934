//! `faqctl build`: validate faq.json, build and check the bootstrap, write the zip.

use std::path::PathBuf;

use clap::Args;

use crate::commands::Exit;
use crate::output::Printer;
use crate::package::{self, BuildConfig, PackageOutput, Profile};
use crate::settings::Arch;

#[derive(Debug, Args)]
pub struct BuildArgs {
    #[command(flatten)]
    pub project: ProjectArgs,
    /// The Lambda function's name (names the output folder `target/lambda/<name>/`).
    #[arg(
        long,
        value_name = "NAME",
        default_value = "FAQ",
        env = "FAQCTL_FUNCTION_NAME"
    )]
    pub function_name: String,
}

/// Where the project is.
#[derive(Debug, Clone, Args)]
pub struct ProjectArgs {
    /// The workspace's Cargo.toml (its `function/` crate is built).
    #[arg(long, value_name = "PATH", default_value = "Cargo.toml")]
    pub manifest_path: PathBuf,
    /// The FAQ data shipped with the function.
    #[arg(long, value_name = "PATH", default_value = "faq.json")]
    pub faq: PathBuf,
    /// The instruction set the function runs on, and the bootstrap is built for: `x86_64`, or
    /// `arm64` (Graviton2, about 20 % cheaper per GB-second). A build for the architecture this
    /// machine is not is a cross build with cargo-zigbuild (./scripts/setup-arm64 installs it).
    #[arg(long, value_enum, value_name = "ARCH", default_value_t = Arch::X86_64, env = "FAQCTL_ARCH")]
    pub arch: Arch,
}

/// Where the code to deploy comes from: a fresh build, or a prebuilt zip.
#[derive(Debug, Clone, Args)]
pub struct SourceArgs {
    /// Deploy this zip (e.g. from `faqctl build` in an earlier CI step) instead of building.
    #[arg(long, value_name = "PATH")]
    pub zip: Option<PathBuf>,
    #[command(flatten)]
    pub project: ProjectArgs,
}

impl ProjectArgs {
    pub fn build_config(&self, function_name: &str, profile: Profile) -> BuildConfig {
        BuildConfig {
            manifest_path: self.manifest_path.clone(),
            faq_path: self.faq.clone(),
            function_name: function_name.to_string(),
            profile,
            arch: self.arch,
        }
    }
}

impl SourceArgs {
    /// The checked package: the given zip, or a new build in `profile`. Runs before any AWS
    /// call.
    pub fn package(
        &self,
        function_name: &str,
        profile: Profile,
        printer: &Printer,
    ) -> anyhow::Result<PackageOutput> {
        match &self.zip {
            Some(zip) => package::load_zip(zip, self.project.arch),
            None => package::build(&self.project.build_config(function_name, profile), printer),
        }
    }
}

pub fn run(args: BuildArgs, printer: &Printer) -> anyhow::Result<Exit> {
    let built = package::build(
        &args
            .project
            .build_config(&args.function_name, Profile::LambdaRelease),
        printer,
    )?;
    printer.result(&built)?;
    Ok(Exit::Success)
}
