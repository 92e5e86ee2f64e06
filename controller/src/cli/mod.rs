//! The subcommands, as library functions that `main.rs` dispatches to, one module each: `run`
//! (the daemon and `demo`), `wire`, `render`, `playlist`, `diag`, `portal`, `log`, `report` (and
//! `board keygen`); `broker` is how the tools reach a broker; `args` holds the
//! typed command-line values they take and `logging` the daemon's log set-up.

use std::io::Read as _;
use std::process::ExitCode;

use anyhow::{Context as _, Result};

pub mod args;
pub mod broker;
pub mod commands;
pub mod confirm;
pub mod console;
#[cfg(feature = "embedded")]
pub mod demo;
pub mod diag;
#[cfg(feature = "embedded")]
pub mod embedded;
pub mod fleet;
pub mod log;
pub mod logging;
pub mod playlist;
pub mod portal;
pub mod render;
pub mod report;
pub mod run;
pub mod wire;

/// What a subcommand prints, and whether it failed (exit status 1).
#[derive(Debug, Default)]
pub struct Outcome {
    pub stdout: String,
    pub stderr: String,
    pub failed: bool,
}

impl Outcome {
    /// Print it and give the exit status.
    pub fn print(self) -> ExitCode {
        print!("{}", self.stdout);
        eprint!("{}", self.stderr);
        exit_code(self.failed)
    }
}

/// 1 for a failure, 0 otherwise.
pub fn exit_code(failed: bool) -> ExitCode {
    if failed { ExitCode::from(1) } else { ExitCode::SUCCESS }
}

/// The text of an argument that may be `-` for standard input.
pub fn read_input(arg: &str) -> Result<String> {
    if arg == "-" {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .context("cannot read standard input")?;
        Ok(s)
    } else {
        Ok(arg.to_owned())
    }
}

/// The bytes of a file argument, or of standard input for `-`.
pub fn read_file_or_stdin(path: &str) -> Result<Vec<u8>> {
    if path == "-" {
        Ok(read_input("-")?.into_bytes())
    } else {
        std::fs::read(path).with_context(|| format!("cannot read {path}"))
    }
}
