//! The printer decides where things go: results on stdout (text or one JSON document), human
//! progress on stderr — a spinner with the step and its elapsed time on a terminal, plain lines
//! elsewhere with `-v`, nothing with `-q` — and colour only on a terminal without NO_COLOR.

use std::fmt::Display;
use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;

/// Result format on stdout: text for people, one JSON document for pipelines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    Text,
    Json,
}

pub struct Printer {
    format: OutputFormat,
    /// Progress on stderr: a spinner on a terminal.
    spinner: bool,
    /// Plain progress lines (not a terminal, but -v).
    plain: bool,
    verbosity: u8,
    color: bool,
    quiet: bool,
}

impl Printer {
    /// `verbosity`: 0 normal, 1 `-v`, 2 `-vv`; `quiet` (`-q`) silences all progress.
    pub fn new(format: OutputFormat) -> Self {
        Printer::with(format, 0, false)
    }

    pub fn with(format: OutputFormat, verbosity: u8, quiet: bool) -> Self {
        let terminal = std::io::stderr().is_terminal();
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Printer {
            format,
            spinner: terminal && !quiet,
            plain: !terminal && !quiet && verbosity > 0,
            verbosity: if quiet { 0 } else { verbosity },
            quiet,
            color: std::io::stdout().is_terminal() && !no_color && format == OutputFormat::Text,
        }
    }

    pub fn format(&self) -> OutputFormat {
        self.format
    }

    /// `-q`: nothing but results and errors.
    pub fn quiet(&self) -> bool {
        self.quiet
    }

    pub fn verbosity(&self) -> u8 {
        self.verbosity
    }

    /// Whether progress reaches a person watching (a terminal).
    pub fn shows_progress(&self) -> bool {
        self.spinner
    }

    /// Whether progress lines are printed at all (a terminal, or -v elsewhere; never -q).
    pub fn reports_progress(&self) -> bool {
        self.spinner || self.plain
    }

    /// A progress line on stderr (terminal, or -v elsewhere).
    pub fn progress(&self, message: impl Display) {
        if self.spinner || self.plain {
            eprintln!("{message}");
        }
    }

    /// A detail shown only with -v.
    pub fn detail(&self, message: impl Display) {
        if self.verbosity > 0 && (self.spinner || self.plain) {
            eprintln!("{message}");
        }
    }

    /// Starts a step: a spinner with its name and elapsed time on a terminal.
    pub fn step(&self, name: impl Display) -> Step {
        let name = name.to_string();
        let bar = if self.spinner {
            let bar = ProgressBar::new_spinner();
            bar.set_style(
                ProgressStyle::with_template("{spinner} {msg} {elapsed:.dim}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            bar.set_message(name.clone());
            bar.enable_steady_tick(Duration::from_millis(80));
            Some(bar)
        } else {
            if self.plain {
                eprintln!("{name}");
            }
            None
        };
        Step {
            bar,
            name,
            started: Instant::now(),
            timing: self.verbosity > 1 && (self.spinner || self.plain),
        }
    }

    /// One of a stream of results (`deploy --watch`) on stdout: as text, or as one JSON
    /// document on one line (JSON Lines).
    pub fn result_line<T: Display + Serialize>(&self, value: &T) -> anyhow::Result<()> {
        match self.format {
            OutputFormat::Text => println!("{}", self.paint(&value.to_string())),
            OutputFormat::Json => println!("{}", serde_json::to_string(value)?),
        }
        Ok(())
    }

    /// The command's result on stdout, as text or as one JSON document.
    pub fn result<T: Display + Serialize>(&self, value: &T) -> anyhow::Result<()> {
        match self.format {
            OutputFormat::Text => println!("{}", self.paint(&value.to_string())),
            OutputFormat::Json => println!("{}", serde_json::to_string_pretty(value)?),
        }
        Ok(())
    }

    /// Colours plan lines: `+` green, `~` yellow, `-` red.
    fn paint(&self, text: &str) -> String {
        if !self.color {
            return text.to_string();
        }
        text.lines()
            .map(|line| match line.as_bytes().first() {
                Some(b'+') if line.starts_with("+ ") => format!("\x1b[32m{line}\x1b[0m"),
                Some(b'~') if line.starts_with("~ ") => format!("\x1b[33m{line}\x1b[0m"),
                Some(b'-') if line.starts_with("- ") => format!("\x1b[31m{line}\x1b[0m"),
                _ => line.to_string(),
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// A running step; `done` marks it finished (dropping it unfinished clears the spinner).
pub struct Step {
    bar: Option<ProgressBar>,
    name: String,
    started: Instant,
    timing: bool,
}

impl Step {
    pub fn done(self) {
        let elapsed = self.started.elapsed();
        if let Some(bar) = &self.bar {
            bar.set_style(
                ProgressStyle::with_template("{msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            bar.finish_with_message(format!("✓ {} ({} ms)", self.name, elapsed.as_millis()));
        } else if self.timing {
            eprintln!("  done in {} ms", elapsed.as_millis());
        }
    }
}

impl Drop for Step {
    fn drop(&mut self) {
        if let Some(bar) = &self.bar {
            if !bar.is_finished() {
                bar.abandon();
            }
        }
    }
}
