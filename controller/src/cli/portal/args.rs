//! The clap types of `pinghu portal`: keys, signing, publishing announcements and warnings
//! (where, over which protocol, waiting for what), and the office's retained messages.
#![allow(rustdoc::broken_intra_doc_links)]

use clap::Subcommand;

use crate::cli;

/// Where `portal publish` and `portal cap` send, over which protocol, and what they wait for.
#[derive(Debug, clap::Args)]
pub struct SendArgs {
    #[command(flatten)]
    pub broker: crate::cli::commands::BrokerArgs,
    /// One screen's topic
    #[arg(long, conflicts_with = "group", required_unless_present = "group")]
    pub screen: Option<String>,
    /// A group's topic (every screen in it)
    #[arg(long)]
    pub group: Option<String>,
    #[arg(long, default_value = "pinghu/v1")]
    pub topic_prefix: String,
    /// Publish over MQTT 5: an announcement's message expiry interval from valid_until (a stale
    /// notice dies in the brokers' queues), the content type and key_id as properties
    #[arg(long)]
    pub mqtt5: bool,
    /// Wait this many seconds for the screen's receipts and print them (needs --screen)
    #[arg(long, value_name = "SECONDS")]
    pub wait: Option<u64>,
    /// Confirm delivery: every board addressed (a group's members, from their retained statuses)
    /// must answer within SECONDS; a silent board gets the message again on its own topic. Prints
    /// a table; exit 1 unless every board has it
    #[arg(long, value_name = "SECONDS", conflicts_with = "wait")]
    pub confirm: Option<u64>,
    /// With --confirm: how many times to send again to a silent board
    #[arg(long, value_name = "N", default_value_t = 2, requires = "confirm")]
    pub resend: u32,
}

impl SendArgs {
    pub fn get(self) -> anyhow::Result<cli::portal::Sending> {
        Ok(cli::portal::Sending {
            confirm: self
                .confirm
                .map(|s| (std::time::Duration::from_secs(s.max(1)), self.resend)),
            broker: self.broker.get()?,
            topic_prefix: self.topic_prefix,
            screen: self.screen,
            group: self.group,
            mqtt5: self.mqtt5,
            wait: self.wait,
        })
    }
}

#[derive(Debug, Subcommand)]
pub enum PortalCommand {
    /// Make a key pair: the secret to --out (mode 600), the public key printed for the daemon's config
    Keygen {
        #[arg(long, default_value = "portal-2026")]
        key_id: String,
        #[arg(long, value_name = "FILE")]
        out: std::path::PathBuf,
        /// ed25519, or sm2 (SM2 with SM3, GB/T 32918, as Chinese government platforms sign)
        #[arg(long, value_enum, default_value = "ed25519")]
        algorithm: Algorithm,
    },
    /// Sign a payload (JSON file, or - for stdin) into an envelope printed on stdout
    Sign {
        #[arg(long, value_name = "FILE")]
        key: std::path::PathBuf,
        #[arg(long, value_name = "FILE")]
        payload: String,
    },
    /// Publish an envelope (or sign a payload and publish it) to a screen or a group, QoS 1
    Publish(PublishArgs),
    /// Sign an emergency warning (CAP 1.2 or GB/T 35965.1 XML, byte for byte) and publish it on
    /// the alerts topic of a screen or a group, QoS 1
    Cap(CapArgs),
    /// Sign and publish, retained, what the office sends every board: the holiday calendar, a
    /// playlist or a picture (to a screen or a group), or a portal key rotation; boards answer with receipts
    Push(PushArgs),
}

/// Signature algorithms of portal keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Algorithm {
    Ed25519,
    Sm2,
}

/// Warning formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum AlertFormat {
    Cap,
    Gbt35965,
}

impl PortalCommand {
    pub fn run(self) -> anyhow::Result<std::process::ExitCode> {
        match self {
            PortalCommand::Keygen { key_id, out, algorithm } => {
                cli::portal::keygen_command(&key_id, &out, algorithm == Algorithm::Sm2)
            }
            PortalCommand::Sign { key, payload } => cli::portal::sign_command(&key, &payload),
            PortalCommand::Publish(a) => a.run(),
            PortalCommand::Cap(a) => a.run(),
            PortalCommand::Push(a) => a.run(),
        }
    }
}

/// `pinghu portal publish`: an envelope, or a payload and the key to sign it, and where it goes.
#[derive(Debug, clap::Args)]
pub struct PublishArgs {
    /// A signed envelope (JSON file or -)
    #[arg(long, value_name = "FILE", conflicts_with = "payload")]
    pub envelope: Option<String>,
    /// A payload to sign with --key
    #[arg(long, value_name = "FILE", requires = "key")]
    pub payload: Option<String>,
    /// The key file from `pinghu portal keygen` that signs --payload
    #[arg(long, value_name = "FILE")]
    pub key: Option<std::path::PathBuf>,
    #[command(flatten)]
    pub send: SendArgs,
}

/// `pinghu portal cap`: a warning, the key that signs it, and where it goes.
#[derive(Debug, clap::Args)]
pub struct CapArgs {
    /// The warning's XML (or - for stdin)
    #[arg(long, value_name = "FILE")]
    pub file: String,
    /// The key file from `pinghu portal keygen` (Ed25519 or SM2)
    #[arg(long, value_name = "FILE")]
    pub key: std::path::PathBuf,
    /// cap (application/cap+xml) or gbt35965 (application/gbt35965+xml)
    #[arg(long, value_enum, default_value = "cap")]
    pub format: AlertFormat,
    #[command(flatten)]
    pub send: SendArgs,
}

/// `pinghu portal push`: one office message, the key that signs it, and where it goes.
#[derive(Debug, clap::Args)]
pub struct PushArgs {
    #[command(flatten)]
    pub broker: crate::cli::commands::BrokerArgs,
    /// The key file from `pinghu portal keygen` (for keys: one the boards trust now)
    #[arg(long, value_name = "FILE")]
    pub key: std::path::PathBuf,
    /// Higher than the last one of its kind (boards refuse an older one)
    #[arg(long)]
    pub revision: u64,
    /// A holiday table (TOML, the format of playlists/data/holidays-cn.toml) for every board
    #[arg(long, value_name = "FILE", group = "what")]
    pub calendar: Option<std::path::PathBuf>,
    /// A playlist (TOML) for --screen or --group
    #[arg(long, value_name = "FILE", group = "what")]
    pub playlist: Option<std::path::PathBuf>,
    /// A key rotation (JSON: {"add": {ID: KEY}, "retire": {ID: TIME}}) for every board
    #[arg(long, value_name = "FILE", group = "what")]
    pub keys: Option<std::path::PathBuf>,
    /// A picture (PNG, JPEG or BMP, at most 8 MB) a playlist shows, for --screen or --group: stored beside each board's playlist under its file name (push it before the playlist that shows it; a playlist that came first is tried again when it arrives)
    #[arg(long, value_name = "FILE", group = "what")]
    pub picture: Option<std::path::PathBuf>,
    /// Remove the picture NAME from the boards of --screen or --group (where a playlist still shows it: refused with a receipt, and done by the board itself once it no longer does)
    #[arg(long, value_name = "NAME", group = "what")]
    pub remove_picture: Option<String>,
    /// A playlist or picture for this screen only
    #[arg(long, conflicts_with = "group")]
    pub screen: Option<String>,
    /// A playlist or picture for every screen in this group
    #[arg(long)]
    pub group: Option<String>,
    #[arg(long, default_value = "pinghu/v1")]
    pub topic_prefix: String,
}

impl AlertFormat {
    /// The warning format the alerts reader takes.
    pub fn format(self) -> crate::alerts::Format {
        match self {
            AlertFormat::Cap => crate::alerts::Format::Cap,
            AlertFormat::Gbt35965 => crate::alerts::Format::Gbt35965,
        }
    }
}
