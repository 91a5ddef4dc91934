//! faqctl as a library: the commands, the packaging and (later) the AWS layer and the local
//! cloud, so that tests drive the same code the binary runs. See DESIGN.md for the layers.

pub mod aws;
pub mod cli;
pub mod commands;
pub mod ledger;
/// The local cloud, its own crate (`local/`): `faqctl::local` for the CLI, tests and benches.
pub use faqctl_local as local;
pub mod output;
pub mod package;
pub mod partition;
pub mod plan;
pub mod project_file;
pub mod settings;
