//! faqctl: parse the command line, run one command, print the error chain and pick the exit code.
//! Everything else lives in the library; see DESIGN.md for the layers.

use std::process::ExitCode;

use faqctl::cli::{self, ParseError};
use faqctl::commands::Exit;
use faqctl::{commands, output};

// The local cloud allocates on every request (HTTP, JSON, log lines); glibc's malloc was
// the largest single cost in its profile. mimalloc cut it (see docs/performance.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let (cli, sources) = match cli::parse() {
        Ok(parsed) => parsed,
        Err(ParseError::Clap(error)) => {
            let _ = error.print();
            // --help and --version are successes; a bad command line is exit 1, never 2,
            // which is `plan --detailed-exitcode`'s "changes pending".
            return if error.use_stderr() {
                Exit::Error.into()
            } else {
                Exit::Success.into()
            };
        }
        Err(ParseError::File(error)) => {
            eprintln!("error: {error:#}");
            return Exit::Error.into();
        }
    };
    let printer = output::Printer::with(cli.global.output, cli.global.verbose, cli.global.quiet);
    // The CLI's work is I/O-bound: one worker thread. The local cloud serves with
    // `--workers`, by default one per CPU the machine offers but one, which the functions'
    // bootstrap processes need (on 2 cores, 1 worker served 7,500 req/s at p50 302 µs and 2
    // workers 6,800 req/s at 373 µs: docs/performance.md).
    let workers = match &cli.command {
        cli::Command::Local(args) => args
            .workers
            .map(usize::from)
            .unwrap_or_else(faqctl::commands::local::default_workers),
        _ => 1,
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return Exit::Error.into();
        }
    };
    match runtime.block_on(commands::run(
        cli.command,
        &cli.global.remote,
        &sources,
        &printer,
    )) {
        Ok(code) => code.into(),
        Err(error) => {
            eprintln!("error: {error:#}");
            if error.downcast_ref::<faqctl::aws::GateFailed>().is_some() {
                Exit::GateFailed.into()
            } else if error.downcast_ref::<faqctl::aws::RolledBack>().is_some() {
                Exit::RolledBack.into()
            } else if error.downcast_ref::<faqctl::aws::GateCannotRun>().is_some() {
                Exit::GateCannotRun.into()
            } else {
                Exit::Error.into()
            }
        }
    }
}
