//! The top of the `pinghu` command line: [`Cli`] and its [`Command`]s, and [`BrokerArgs`], which
//! the tools that talk to a broker share. Each subcommand's clap type lives beside the code that
//! runs it, in its module of [`crate::cli`], and has its own `run`; `main.rs` parses and calls
//! [`Cli::run`].
//!
//! The doc comments on the clap types are written for `--help`, not rustdoc.
#![allow(rustdoc::broken_intra_doc_links, rustdoc::invalid_html_tags)]

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::cli;
use crate::cli::logging::LogFormat;

/// A broker and how to log in to it, for the tools that talk to one (`portal`, `fleet`).
#[derive(Debug, clap::Args)]
pub struct BrokerArgs {
    /// mqtt://HOST:PORT, or mqtts://HOST:PORT (with --ca-file)
    #[arg(long)]
    pub broker: String,
    /// Log in as this user (a broker with the shipped ACL lets only the portal's user write
    /// announcements)
    #[arg(long)]
    pub username: Option<String>,
    /// A file holding the password (or set PINGHU_MQTT_PASSWORD)
    #[arg(long, value_name = "FILE", requires = "username")]
    pub password_file: Option<std::path::PathBuf>,
    /// For mqtts://: the broker's CA certificate (PEM)
    #[arg(long, value_name = "FILE")]
    pub ca_file: Option<std::path::PathBuf>,
    /// For a broker that asks for a client certificate: the certificate (PEM), with --client-key
    #[arg(long, value_name = "FILE", requires = "client_key")]
    pub client_cert: Option<std::path::PathBuf>,
    /// The client certificate's key (PEM)
    #[arg(long, value_name = "FILE", requires = "client_cert")]
    pub client_key: Option<std::path::PathBuf>,
}

impl BrokerArgs {
    /// The broker, with the password read from its file (or `PINGHU_MQTT_PASSWORD`).
    pub fn get(&self) -> anyhow::Result<cli::broker::Broker> {
        use anyhow::Context as _;
        let password = match (&self.username, &self.password_file) {
            (Some(_), Some(f)) => Some(
                std::fs::read_to_string(f)
                    .with_context(|| format!("--password-file {}", f.display()))?
                    .trim()
                    .to_owned(),
            ),
            (Some(_), None) => std::env::var("PINGHU_MQTT_PASSWORD").ok(),
            (None, _) => None,
        };
        Ok(cli::broker::Broker {
            url: self.broker.clone(),
            username: self.username.clone(),
            password,
            ca_file: self.ca_file.clone(),
            client_cert: self.client_cert.clone().zip(self.client_key.clone()),
        })
    }
}

#[derive(Debug, Parser)]
#[command(
    name = "pinghu",
    version,
    about = "Pinghu (平湖): drives the Yiling District LED announcement board"
)]
pub struct Cli {
    /// Log format on stderr: text (colours only on a terminal) or json (one object per line, for
    /// journald and log shippers). RUST_LOG sets the levels.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// The daemon (--config FILE). Without --config, the default build runs on an embedded broker, simulated board, sample playlist and demo key, with the web console on loopback
    Run(cli::run::RunArgs),
    /// The whole chain in one go: broker, simulated board, daemon and console, playlist, an urgent notice and its revocation, a rainstorm warning that takes over the board and its cancellation
    #[cfg(feature = "embedded")]
    Demo(cli::run::DemoArgs),
    /// The portal's side: key pairs, signing, publishing
    #[command(subcommand)]
    Portal(cli::portal::PortalCommand),
    /// The proof-of-display log (and the console's audit log): check the hash chains, export the proof for an auditor, move old segments off the board
    #[command(subcommand)]
    Log(cli::log::LogCommand),
    /// Decode and encode Onbon BX wire frames (captures, traces, hand-made frames)
    #[command(subcommand)]
    Wire(cli::wire::WireCommand),
    /// Typeset text into the pages the board would show (PNG files or ASCII art)
    Render(cli::render::RenderArgs),
    /// Validate playlists and show what the board will show, when
    #[command(subcommand)]
    Playlist(cli::playlist::PlaylistCommand),
    /// Play reports of paid campaigns from the proof-of-display log, and the check of a signed one
    #[command(subcommand)]
    Report(cli::report::ReportCommand),
    /// The board's own key, which signs its daily play reports
    #[command(subcommand)]
    Board(cli::report::BoardCommand),
    /// Many boards on one broker (cluster): their retained statuses at a glance
    #[command(subcommand)]
    Fleet(cli::fleet::FleetCommand),
    /// Field diagnostics at the cabinet: probe, ping, status, time, brightness, power, patterns, traces
    Diag(cli::diag::DiagArgs),
    /// The operators' web console: its users, API tokens and two-step sign-in
    #[command(subcommand)]
    Console(cli::console::ConsoleCommand),
}

impl Cli {
    /// Run the command it names; an error is reported by the caller, in `--log-format`.
    pub fn run(self) -> anyhow::Result<ExitCode> {
        match self.command {
            Command::Run(a) => a.run(self.log_format),
            #[cfg(feature = "embedded")]
            Command::Demo(a) => a.run(self.log_format),
            Command::Portal(c) => c.run(),
            Command::Log(c) => c.run(),
            Command::Wire(c) => c.run(),
            Command::Render(a) => a.run(),
            Command::Playlist(c) => c.run(),
            Command::Report(c) => c.run(),
            Command::Board(c) => c.run(),
            Command::Fleet(c) => c.run(),
            Command::Diag(a) => a.run(),
            Command::Console(c) => c.run(),
        }
    }
}
