//! Helpers shared by the end-to-end tests.
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::OnceLock;

use faqctl::cli::OutputFormat;
use faqctl::output::Printer;
use faqctl::package::{self, BuildConfig, PackageOutput};

pub fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The project's real package, built once per test binary (cargo makes repeats cheap).
pub fn built_package() -> &'static PackageOutput {
    static BUILT: OnceLock<PackageOutput> = OnceLock::new();
    BUILT.get_or_init(|| {
        let config = BuildConfig {
            manifest_path: workspace().join("Cargo.toml"),
            faq_path: workspace().join("faq.json"),
            function_name: "TestPackage".into(),
        };
        package::build(&config, &Printer::new(OutputFormat::Json)).expect("faqctl build")
    })
}

/// The real `bootstrap` binary out of the built package.
pub fn bootstrap_binary() -> Vec<u8> {
    use std::io::Read;
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(&built_package().bytes)).unwrap();
    let mut binary = Vec::new();
    archive
        .by_name("bootstrap")
        .unwrap()
        .read_to_end(&mut binary)
        .unwrap();
    binary
}
