//! The parts of the [`super::Status`] document, in its order.

use jiff::Timestamp;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::ingest::ReceiptEvent;

/// The card link and what the card says about itself.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Device {
    /// Where the card is (`tcp://…`, `serial:///dev/…`, `sim:`).
    pub url: String,
    /// The card's protocol, once known.
    pub protocol: Option<String>,
    pub link: Link,
    /// The last thing the card refused or the link's last failure.
    pub last_error: Option<String>,
    /// `last_error` in Chinese, written with it from the typed error.
    pub last_error_zh: Option<String>,
    /// The card's clock as it reported it.
    pub card_time: Option<String>,
    /// The card's clock minus ours, in seconds (0 right after a sync).
    pub drift_s: Option<i64>,
    /// What a graphic card reports about itself.
    pub card: Option<Card>,
    pub power_control: Option<PowerControl>,
    /// The fallback program in the card's flash.
    pub flash: Option<Flash>,
}

/// The card link.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Link {
    Connecting,
    Up,
    Down,
    /// A word this reader does not know, or none (never written by a daemon).
    #[default]
    #[serde(other)]
    #[schemars(skip)]
    Unknown,
}

impl Link {
    /// The word on the wire (`?` when unknown).
    pub fn word(self) -> &'static str {
        match self {
            Self::Connecting => "connecting",
            Self::Up => "up",
            Self::Down => "down",
            Self::Unknown => "?",
        }
    }
}

/// How the LED power is switched.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum PowerControl {
    /// The control header's power command (graphic cards).
    #[serde(rename = "a2-05")]
    A205,
    /// The font card's command.
    #[serde(rename = "a3-00")]
    A300,
    #[default]
    #[serde(other)]
    #[schemars(skip)]
    Unknown,
}

/// What a graphic card reports about itself, and whether it matches the configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Card {
    pub model: Option<String>,
    pub firmware: String,
    pub width: u32,
    pub height: u32,
    /// `WIDTHxHEIGHT`.
    pub size: String,
    pub colors: String,
    /// The card's size is `screen.width`/`height`.
    pub size_matches: bool,
    /// Both sizes, and what to fix, when they differ.
    pub size_warning: Option<String>,
    /// `size_warning` in Chinese.
    pub size_warning_zh: Option<String>,
}

/// The fallback program in the card's flash.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Flash {
    pub program_sha256: Option<String>,
    pub writes: u64,
    pub writes_today: u32,
    pub last_write: Option<String>,
    /// A change waiting for tomorrow's write allowance, or a card without a file system.
    pub note: Option<String>,
}

/// The MQTT link.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum MqttState {
    Connected,
    Reconnecting,
    #[default]
    #[serde(other)]
    #[schemars(skip)]
    Unknown,
}

/// The board's MQTT session.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Broker {
    /// `3.1.1` or `5`.
    pub protocol: String,
    pub client_id: String,
    /// Whether the broker still had the board's session at the last connect.
    pub session_present: Option<bool>,
    /// MQTT 5: the session expiry the broker granted.
    pub session_expiry_s: Option<u32>,
    /// Why the link last dropped.
    pub last_error: Option<String>,
    /// `last_error` in Chinese, from the type of the error.
    pub last_error_zh: Option<String>,
    /// When another client last took the board's session.
    pub client_id_conflict: Option<Timestamp>,
    /// Messages received and not acknowledged yet, by order of magnitude (0, 8, 64, …).
    pub intake_backlog: u64,
    /// Refusals of junk left unanswered under a flood, by powers of two.
    pub receipts_dropped: u64,
}

/// What the card acknowledged last.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Showing {
    /// The content's key (`item NAME`, `announcement ID`, …).
    pub content: String,
    /// 0: the main area, 1: the urgent one.
    pub area: u8,
    pub layer: Layer,
    /// SHA-256 of the first frame's bitmap.
    pub frame_sha256: String,
    pub since: Option<Timestamp>,
}

/// Which layer the board is in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Layer {
    Blank,
    Rotation,
    Urgent,
    Emergency,
    #[default]
    #[serde(other)]
    #[schemars(skip)]
    Unknown,
}

impl From<pinghu_playlists::Layer> for Layer {
    fn from(l: pinghu_playlists::Layer) -> Self {
        match l {
            pinghu_playlists::Layer::Blank => Self::Blank,
            pinghu_playlists::Layer::Rotation => Self::Rotation,
            pinghu_playlists::Layer::Urgent => Self::Urgent,
            pinghu_playlists::Layer::Emergency => Self::Emergency,
        }
    }
}

impl Layer {
    /// The word on the wire (`?` when unknown).
    pub fn word(self) -> &'static str {
        match self {
            Self::Blank => "blank",
            Self::Rotation => "rotation",
            Self::Urgent => "urgent",
            Self::Emergency => "emergency",
            Self::Unknown => "?",
        }
    }
}

/// The LED power.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Power {
    On,
    Off,
    #[default]
    #[serde(other)]
    #[schemars(skip)]
    Unknown,
}

impl From<bool> for Power {
    fn from(on: bool) -> Self {
        if on { Self::On } else { Self::Off }
    }
}

/// A technician's settings over the playlist's.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Override {
    pub brightness: Option<OverrideBrightness>,
    pub power: Option<OverridePower>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct OverrideBrightness {
    pub level: u8,
    pub until: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct OverridePower {
    pub on: bool,
    pub until: Timestamp,
}

/// The daemon's and the card's clocks.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Clock {
    /// The daemon's time when it built the document (absent in a last will).
    pub daemon: Option<Timestamp>,
    /// The card's clock as it reported it.
    pub card: Option<String>,
    pub drift_s: Option<i64>,
    pub trusted: bool,
    /// Whether the clock is trusted, and why not.
    pub check: ClockCheck,
}

/// Whether the daemon's clock can be trusted, and why not.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "state", rename_all = "kebab-case")]
pub enum ClockCheck {
    Trusted,
    /// The clock says a time before this software was built.
    BeforeBuild,
    /// The clock is this far from the portal's (seconds, positive = ahead).
    FarFromPortal {
        offset_s: i64,
    },
    #[default]
    #[serde(other)]
    #[schemars(skip)]
    Unknown,
}

impl From<pinghu_playlists::ClockTrust> for ClockCheck {
    fn from(c: pinghu_playlists::ClockTrust) -> Self {
        match c {
            pinghu_playlists::ClockTrust::Trusted => Self::Trusted,
            pinghu_playlists::ClockTrust::BeforeBuild => Self::BeforeBuild,
            pinghu_playlists::ClockTrust::FarFromPortal { offset_s } => Self::FarFromPortal { offset_s },
        }
    }
}

/// Announcement counts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Queue {
    /// Stored.
    pub announcements: u64,
    pub active: u64,
    pub urgent: u64,
}

/// Warnings (docs/alerts.md).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Alerts {
    /// Active warnings.
    pub active: u64,
    /// How long a warning without `expires` stays (`2h`, …).
    pub default_lifetime: String,
    pub geocodes: Vec<String>,
    /// Latitude and longitude (WGS 84).
    pub location: Option<(f64, f64)>,
    pub show_exercises: bool,
    /// The latest warning message and what became of it.
    pub last: Option<LastAlert>,
}

/// The latest warning message.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct LastAlert {
    pub identifier: String,
    pub sender: String,
    pub format: AlertFormat,
    /// CAP's `status` word (`Actual`, `Exercise`, …).
    pub status: String,
    /// CAP's `msgType` word (`Alert`, `Update`, `Cancel`, …).
    pub msg_type: String,
    pub at: Option<Timestamp>,
    /// `updated`, `cancelled`, `ignored` or `rejected`; none when simply accepted.
    pub event: Option<ReceiptEvent>,
    pub reason: Option<String>,
    /// `reason` in Chinese.
    pub reason_zh: Option<String>,
}

/// The format a warning came in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum AlertFormat {
    /// OASIS CAP 1.2.
    Cap,
    /// GB/T 35965.1-2018.
    Gbt35965,
    #[default]
    #[serde(other)]
    #[schemars(skip)]
    Unknown,
}

impl From<crate::alerts::Format> for AlertFormat {
    fn from(f: crate::alerts::Format) -> Self {
        match f {
            crate::alerts::Format::Cap => Self::Cap,
            crate::alerts::Format::Gbt35965 => Self::Gbt35965,
        }
    }
}

/// The daily play reports (docs/campaigns.md).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Reports {
    /// The key that signs the reports.
    pub board_key: Option<BoardKey>,
    /// Why the board has no key.
    pub board_key_error: Option<String>,
    /// The last day reported.
    pub last: Option<jiff::civil::Date>,
    /// Why a report could not be made.
    pub error: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct BoardKey {
    pub key_id: String,
    /// The Ed25519 public key, base64.
    pub public: String,
}

/// The running playlist.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct PlaylistStatus {
    /// Where it came from (the file, its last good copy, the sample, …).
    pub origin: String,
    pub items: u64,
    /// Why the playlist file was refused, and what runs meanwhile.
    pub error: Option<String>,
    /// `error` in Chinese.
    pub error_zh: Option<String>,
}

/// The console.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Console {
    pub listen: String,
    /// Why it could not start (it tries again).
    pub error: Option<String>,
}

/// What the daemon repaired or could not write.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Storage {
    /// All is well.
    pub ok: bool,
    /// The latest failed write.
    pub write_error: Option<String>,
    /// What had to be repaired when the state was opened.
    pub state_recovery: Vec<String>,
    pub replay_horizon: Option<Timestamp>,
    pub revisions_kept: u64,
    pub forgotten_before: Option<Timestamp>,
    /// Problems found when opening the proof-of-display log.
    pub proof_log: Vec<ProofFinding>,
    pub proof_entries: Option<u64>,
    pub proof_head: Option<ProofHead>,
    pub proof_pending: u64,
    pub proof_dropped: Option<u64>,
    /// The data directory's file system.
    pub disk: Option<Disk>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct ProofFinding {
    /// `repaired` (a torn line cut and recorded) or `damaged` (damage inside the log).
    pub kind: String,
    pub message: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct ProofHead {
    pub seq: u64,
    pub hash: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Disk {
    pub free_bytes: u64,
    pub total_bytes: u64,
    /// Under 5 % or 256 MiB free.
    pub low: bool,
}
