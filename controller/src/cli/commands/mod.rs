//! The `pinghu` command line's clap types: every subcommand, its arguments and their help (what
//! `--help` prints). `main.rs` parses them and dispatches to the modules of [`crate::cli`].
//!
//! The doc comments here are written for `--help`, not rustdoc (`[[brightness]]` is a TOML table).
#![allow(rustdoc::broken_intra_doc_links, rustdoc::invalid_html_tags)]

use clap::{Parser, Subcommand};
use pinghu_fonts::{Align, ColorMode, Effect, TextColor, VAlign};

use crate::cli;
use crate::cli::args::{self, ExportFormat, ProtocolChoice, parse_duration};
use crate::cli::logging::LogFormat;

mod portal;
pub use portal::{AlertFormat, Algorithm, PortalCommand, SendArgs};

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
    pub fn get(self) -> anyhow::Result<cli::broker::Broker> {
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
            url: self.broker,
            username: self.username,
            password,
            ca_file: self.ca_file,
            client_cert: self.client_cert.zip(self.client_key),
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
    Run {
        /// Configuration file (see controller/examples/pinghu.toml)
        #[arg(long, value_name = "FILE")]
        config: Option<std::path::PathBuf>,
        /// Data directory for the embedded default (default ~/.local/share/pinghu)
        #[arg(long, value_name = "DIR", conflicts_with = "config")]
        data_dir: Option<std::path::PathBuf>,
        /// Check the configuration and every file it names (playlist, pictures, holidays, fonts, keys, certificates, console users, data folder) without starting: what the daemon would run with, then every error and warning; exit 1 on an error
        #[arg(long, requires = "config")]
        check: bool,
        /// With --check: print the findings as JSON (`ok`, `summary`, `errors`, `warnings`) for scripts
        #[arg(long, requires = "check")]
        json: bool,
    },
    /// The whole chain in one go: broker, simulated board, daemon and console, playlist, an urgent notice and its revocation, a rainstorm warning that takes over the board and its cancellation
    #[cfg(feature = "embedded")]
    Demo {
        /// Keep the demo's data here (default: a fresh temporary folder)
        #[arg(long, value_name = "DIR")]
        data_dir: Option<std::path::PathBuf>,
    },
    /// The portal's side: key pairs, signing, publishing
    #[command(subcommand)]
    Portal(PortalCommand),
    /// The proof-of-display log (and the console's audit log): check the hash chains, export the proof for an auditor, move old segments off the board
    #[command(subcommand)]
    Log(LogCommand),
    /// Decode and encode Onbon BX wire frames (captures, traces, hand-made frames)
    #[command(subcommand)]
    Wire(WireCommand),
    /// Typeset text into the pages the board would show (PNG files or ASCII art)
    Render(RenderArgs),
    /// Validate playlists and show what the board will show, when
    #[command(subcommand)]
    Playlist(PlaylistCommand),
    /// Play reports of paid campaigns from the proof-of-display log, and the check of a signed one
    #[command(subcommand)]
    Report(ReportCommand),
    /// The board's own key, which signs its daily play reports
    #[command(subcommand)]
    Board(BoardCommand),
    /// Many boards on one broker (cluster): their retained statuses at a glance
    #[command(subcommand)]
    Fleet(FleetCommand),
    /// Field diagnostics at the cabinet: probe, ping, status, time, brightness, power, patterns, traces
    Diag(DiagArgs),
    /// The operators' web console: its users and API tokens
    #[command(subcommand)]
    Console(cli::console::ConsoleCommand),
}

#[derive(Debug, clap::Args)]
pub struct DiagArgs {
    /// The card: tcp://HOST:PORT (default port 5005) or serial:///dev/ttyUSB0?baud=57600
    #[arg(long, global = true)]
    pub device: Option<String>,
    /// The card's protocol, or auto (ask the card)
    #[arg(long, default_value = "auto", value_parser = args::protocol(), global = true)]
    pub protocol: ProtocolChoice,
    /// Screen address (屏号)
    #[arg(long, default_value_t = 1, global = true)]
    pub address: u16,
    /// How long to wait for each reply, e.g. 2s or 500ms
    #[arg(long, default_value = "2s", value_parser = parse_duration, global = true)]
    pub timeout: std::time::Duration,
    /// Board width in pixels (for patterns and text; graphic cards report their own)
    #[arg(long, global = true, value_parser = args::width())]
    pub width: Option<u32>,
    /// Board height in pixels
    #[arg(long, global = true, value_parser = args::height())]
    pub height: Option<u32>,
    /// The board's LEDs
    #[arg(long, default_value = "red-green", value_parser = args::colors(), global = true)]
    pub colors: ColorMode,
    /// Also append every byte sent and received to this file
    #[arg(long, value_name = "FILE", global = true)]
    pub trace_file: Option<std::path::PathBuf>,
    /// Print JSON
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: crate::cli::diag::DiagCommand,
}

#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("input").required(true).args(["text", "file", "image"])))]
#[command(group(clap::ArgGroup::new("output").required(true).multiple(true).args(["out", "ascii", "json"])))]
pub struct RenderArgs {
    /// The text to render
    #[arg(long)]
    pub text: Option<String>,
    /// A picture (PNG, JPEG or BMP) to fit to the board instead of text
    #[arg(long, value_name = "FILE", conflicts_with_all = ["text", "file"])]
    pub image: Option<std::path::PathBuf>,
    /// How a picture is reduced to the LEDs: dither (photographs) or threshold (logos, line art)
    #[arg(long, default_value = "dither", value_parser = ["dither", "threshold"])]
    pub reduce: String,
    /// Read the text from a UTF-8 file (- for standard input)
    #[arg(long, value_name = "FILE")]
    pub file: Option<String>,
    /// Board width in pixels
    #[arg(long, value_parser = args::width())]
    pub width: u32,
    /// Board height in pixels
    #[arg(long, value_parser = args::height())]
    pub height: u32,
    /// Font size: 12, 16, 24 or 32
    #[arg(long, default_value_t = 16)]
    pub font_size: u32,
    /// Text colour (dual-colour boards; mono boards ignore it)
    #[arg(long, default_value = "red", value_parser = args::color())]
    pub color: TextColor,
    /// The board's LEDs
    #[arg(long, default_value = "mono", value_parser = args::colors())]
    pub colors: ColorMode,
    /// Horizontal alignment (auto: centre a single line, left-align the rest)
    #[arg(long, default_value = "auto", value_parser = args::align())]
    pub align: Align,
    /// Vertical alignment
    #[arg(long, default_value = "middle", value_parser = args::valign())]
    pub valign: VAlign,
    /// How the pages change (auto: static when it fits one page)
    #[arg(long, default_value = "auto", value_parser = args::effect())]
    pub effect: Effect,
    /// Extra pixels between lines
    #[arg(long, default_value_t = 0)]
    pub line_spacing: u32,
    /// Seconds per page (default: from reading speed)
    #[arg(long, default_value_t = 0)]
    pub dwell: u32,
    /// A GNU Unifont .hex file for characters the built-in fonts lack
    #[arg(long, value_name = "FILE")]
    pub fallback_font: Option<std::path::PathBuf>,
    /// Use this BDF font instead of the built-in one (e.g. pcf2bdf wenquanyi_9pt.pcf for 12 px)
    #[arg(long, value_name = "FILE")]
    pub font: Option<std::path::PathBuf>,
    /// Write page-001.png, page-002.png … (LED look) into this folder
    #[arg(long, value_name = "DIR")]
    pub out: Option<std::path::PathBuf>,
    /// Print the pages as ASCII art
    #[arg(long)]
    pub ascii: bool,
    /// Print a JSON summary (pages, missing, font_size, width, height, …)
    #[arg(long)]
    pub json: bool,
    /// Exit 1 when a character has no glyph (or a picture will not look good)
    #[arg(long)]
    pub strict: bool,
    /// Pixels per LED in the PNG files (1-32)
    #[arg(long, default_value_t = 8, value_parser = args::scale())]
    pub scale: u32,
}

#[derive(Debug, Subcommand)]
pub enum PlaylistCommand {
    /// Validate playlists: a one-line summary each, or every problem as FILE:LINE:COL: message (exit 1)
    Check {
        #[arg(required = true)]
        files: Vec<std::path::PathBuf>,
        /// Extra holiday calendar (TOML, format of playlists/data/holidays-cn.toml)
        #[arg(long, value_name = "FILE")]
        calendar: Option<std::path::PathBuf>,
        /// Judge the items for this board, WIDTHxHEIGHT (e.g. 128x32): pictures too small, too busy or too dark, characters no font has
        #[arg(long, value_name = "WxH")]
        board: Option<String>,
        /// The board's LEDs, with --board
        #[arg(long, default_value = "red-green", value_parser = args::colors())]
        colors: ColorMode,
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
    /// Every change of what shows, brightness and power over a span of time; with --date, the
    /// campaigns' planned plays per hour against their targets
    Timeline {
        /// The playlist (TOML)
        file: std::path::PathBuf,
        /// Plan this day's campaigns (YYYY-MM-DD): plays per campaign and hour, against the targets
        #[arg(long, value_name = "D", conflicts_with_all = ["from", "hours"])]
        date: Option<jiff::civil::Date>,
        /// With --date: count pages as this board shows them, WIDTHxHEIGHT (default one page per spot)
        #[arg(long, value_name = "WxH")]
        board: Option<String>,
        /// The board's LEDs, with --board
        #[arg(long, default_value = "red-green", value_parser = args::colors())]
        colors: ColorMode,
        /// Start: RFC 3339, a local date-time (2026-11-30T08:00) or a date; default now
        #[arg(long, value_name = "T")]
        from: Option<String>,
        /// How many hours to show
        #[arg(long, default_value_t = 48)]
        hours: u32,
        /// Time zone (IANA name); default the playlist's, else Asia/Shanghai
        #[arg(long)]
        tz: Option<String>,
        /// Extra holiday calendar (TOML)
        #[arg(long, value_name = "FILE")]
        calendar: Option<std::path::PathBuf>,
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum LogCommand {
    /// Check the hash chain of every segment: repairs are listed, damage exits 1 naming the line
    Verify {
        /// The board's data folder (the daemon's `data_dir`; default: the user's data folder,
        /// ~/.local/share/pinghu): every segment, archived parts listed
        #[arg(long, value_name = "DIR", conflicts_with = "file")]
        data_dir: Option<std::path::PathBuf>,
        /// One segment file alone, checked from the start of the chain
        #[arg(long, value_name = "FILE")]
        file: Option<std::path::PathBuf>,
    },
    /// Export the log, all segments, as JSON lines or CSV (refused when the chain is damaged)
    Export {
        /// The board's data folder (default: ~/.local/share/pinghu)
        #[arg(long, value_name = "DIR", conflicts_with = "file")]
        data_dir: Option<std::path::PathBuf>,
        /// One segment file alone
        #[arg(long, value_name = "FILE")]
        file: Option<std::path::PathBuf>,
        #[arg(long, value_enum, default_value_t = ExportFormat::Jsonl)]
        format: ExportFormat,
        /// Write here instead of stdout
        #[arg(long, value_name = "FILE")]
        out: Option<std::path::PathBuf>,
    },
    /// Move whole segments older than a day off the board (to an archive disk or a USB stick):
    /// copied, checked, recorded, then removed; both parts verify on their own
    Archive {
        /// Segments whose every entry is before this day (board time) go
        #[arg(long, value_name = "YYYY-MM-DD")]
        before: jiff::civil::Date,
        /// Where they go (created when missing; segments already there are checked, not copied again)
        #[arg(long, value_name = "DIR")]
        to: std::path::PathBuf,
        #[arg(long, value_name = "DIR")]
        data_dir: Option<std::path::PathBuf>,
        /// The board's time zone, for --before
        #[arg(long, default_value = "Asia/Shanghai")]
        tz: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// Plays, seconds on the glass and delivery against target per campaign; interrupted spots and gaps listed
    Plays {
        /// First day (YYYY-MM-DD, board time)
        #[arg(long, value_name = "D")]
        from: jiff::civil::Date,
        /// Last day, included
        #[arg(long, value_name = "D")]
        to: jiff::civil::Date,
        /// Only this campaign
        #[arg(long, value_name = "ID")]
        campaign: Option<String>,
        #[arg(long, value_enum, default_value_t = cli::report::ReportFormat::Table)]
        format: cli::report::ReportFormat,
        /// The daemon's data directory (its proof-of-display log)
        #[arg(long, value_name = "DIR")]
        data_dir: Option<std::path::PathBuf>,
        /// The playlist whose campaigns give the targets
        #[arg(long, value_name = "FILE")]
        playlist: Option<std::path::PathBuf>,
        /// Extra holiday calendar (TOML)
        #[arg(long, value_name = "FILE")]
        calendar: Option<std::path::PathBuf>,
        /// Time zone of the days (IANA name); default the playlist's, else Asia/Shanghai
        #[arg(long)]
        tz: Option<String>,
    },
    /// Check a board's signed daily report offline: signature, sums, and with --data-dir every play against the log (exit 1 naming what fails)
    Verify {
        /// The signed report (JSON, as the board publishes it)
        file: std::path::PathBuf,
        /// The board's public key (base64, as in its status), or a file holding it
        #[arg(long, value_name = "KEY")]
        board_key: String,
        /// The proof-of-display log to check the report against
        #[arg(long, value_name = "DIR")]
        data_dir: Option<std::path::PathBuf>,
        /// Output format
        #[arg(long, value_enum, default_value_t = cli::report::ReportFormat::Table)]
        format: cli::report::ReportFormat,
    },
}

#[derive(Debug, Subcommand)]
pub enum FleetCommand {
    /// Every board's status: online, stale (silent for 2 intervals) or offline, what shows, link, drift, power, storage (exit 1 when any needs attention)
    Status {
        #[command(flatten)]
        broker: BrokerArgs,
        /// Only the boards in this group
        #[arg(long)]
        group: Option<String>,
        /// Print JSON
        #[arg(long)]
        json: bool,
        /// Keep running, drawing the table again every 2 s
        #[arg(long)]
        watch: bool,
        #[arg(long, default_value = "pinghu/v1")]
        topic_prefix: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum BoardCommand {
    /// Make the board's key pair (mode 600); the daemon makes DATA_DIR/board-key.json itself when none is configured
    Keygen {
        #[arg(long, value_name = "FILE")]
        out: std::path::PathBuf,
        #[arg(long, default_value = "board")]
        key_id: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum WireCommand {
    /// Decode captured bytes (hex, spaces and newlines allowed) into frames and named fields
    ///
    /// Several frames may follow each other; garbage between them is reported. A bad CRC or
    /// escape is an error naming the offset and the values (exit 1).
    Decode {
        /// Print JSON (an array of packets) that `pinghu wire encode` turns back into the bytes
        #[arg(long)]
        json: bool,
        /// Hex bytes, or - to read them from standard input
        hex: String,
    },
    /// Encode the JSON that `decode --json` prints (edited or not) back to hex, one frame per line
    Encode {
        /// JSON file to read, or - for standard input
        #[arg(long = "json", value_name = "FILE")]
        json_file: Option<String>,
        /// Same as --json -: read JSON from standard input
        #[arg(value_name = "-")]
        stdin: Option<String>,
    },
}
