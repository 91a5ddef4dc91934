//! The printer decides where things go: results on stdout (text or one JSON document), human
//! progress on stderr and only when stderr is a terminal, so pipelines get clean output.

use std::fmt::Display;
use std::io::IsTerminal;

use serde::Serialize;

use crate::cli::OutputFormat;

pub struct Printer {
    format: OutputFormat,
    progress: bool,
}

impl Printer {
    pub fn new(format: OutputFormat) -> Self {
        Printer {
            format,
            progress: std::io::stderr().is_terminal(),
        }
    }

    pub fn format(&self) -> OutputFormat {
        self.format
    }

    /// Whether progress lines are shown (stderr is a terminal).
    pub fn shows_progress(&self) -> bool {
        self.progress
    }

    /// A progress line on stderr, for people watching a terminal.
    pub fn progress(&self, message: impl Display) {
        if self.progress {
            eprintln!("{message}");
        }
    }

    /// The command's result on stdout, as text or as one JSON document.
    pub fn result<T: Display + Serialize>(&self, value: &T) -> anyhow::Result<()> {
        match self.format {
            OutputFormat::Text => println!("{value}"),
            OutputFormat::Json => println!("{}", serde_json::to_string_pretty(value)?),
        }
        Ok(())
    }
}
