//! faqctl: parse the command line, run one command, print the error chain and pick the exit code.
//! Everything else lives in the library; see DESIGN.md for the layers.

use std::process::ExitCode;

use faqctl::cli::{self, ParseError};
use faqctl::commands::Exit;
use faqctl::{commands, output};

// The local cloud allocates on every request (HTTP, JSON, log lines); glibc's malloc was
// the largest single cost in its profile. mimalloc cut it (see README, Performance).
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
    // One worker thread: the CLI's work is I/O-bound, and the local cloud measured faster
    // with one (202 µs vs 226 µs per request at 1 client, the same requests/s at 32 under
    // wrk) because a request no longer hops between workers; the other core is left to the
    // functions' bootstrap processes.
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
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
            Exit::Error.into()
        }
    }
}
