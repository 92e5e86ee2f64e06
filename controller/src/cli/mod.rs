//! The subcommands besides the daemon, as library functions `main.rs` calls: `wire`, `render`,
//! `playlist`, `diag`, `portal`, `log`, `demo`, and the typed command-line values they take.

pub mod args;
#[cfg(feature = "embedded")]
pub mod demo;
pub mod diag;
pub mod log;
pub mod playlist;
pub mod portal;
pub mod render;
pub mod wire;
