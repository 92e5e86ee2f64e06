//! The `pinghu` command: parses the command line (its clap types live beside the code that runs
//! each subcommand, under `pinghu::cli`) and runs it. Exit 0 on success, 1 on a failure it
//! explains, 2 on bad usage (clap).

use std::process::ExitCode;

use clap::Parser as _;
use pinghu::cli::commands::Cli;
use pinghu::cli::logging::report_error;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let format = cli.log_format;
    cli.run().unwrap_or_else(|e| {
        report_error(&e, format);
        ExitCode::from(1)
    })
}
