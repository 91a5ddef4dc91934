//! faqctl as a library: the commands, the packaging and (later) the AWS layer and the local
//! cloud, so that tests drive the same code the binary runs. See DESIGN.md for the layers.

pub mod aws;
pub mod cli;
pub mod commands;
pub mod ledger;
pub mod local;
pub mod output;
pub mod package;
pub mod partition;
pub mod plan;
pub mod project_file;
pub mod settings;
