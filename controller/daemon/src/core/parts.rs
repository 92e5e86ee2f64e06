//! The parts the [`Core`](super::Core) is made of, each with one job and its own fields: the
//! coordinator (`Core`) holds them side by side, so a method borrows only the parts it needs.
//!
//! * [`Storage`](super::storage::Storage): the disk — the state file, the proof-of-display log,
//!   what has not reached the disk yet and the disk's free space (`storage.rs`).
//! * [`Planner`]: what the board should show — the calendar, the renderer, a technician's
//!   overrides, the clock's trust and the board the scheduler wants now.
//! * [`PlaylistFile`]: the watched playlist file, the copy running and its last good copy.
//! * [`Inbox`]: what the portal and the office may send and what they sent — the keys, the
//!   office's applied data, the latest refusals and warning.
//! * [`Health`]: the board as the status shows it — the card link, the glass, the broker link,
//!   the problems of the configuration.

use jiff::{SignedDuration, Timestamp};
use pinghu_playlists::{Calendar, Layer, Playlist};

use crate::board::{AreaContent, Desired, Renderer};
use crate::envelope::Keyring;
use crate::ingest::Receipt;

use crate::status::{Device, LastAlert, LastOffice, Showing};

/// What the board should show: the inputs of the scheduler besides the playlist and the
/// messages, and its latest decision.
#[derive(Debug)]
pub(super) struct Planner {
    pub(super) calendar: Calendar,
    /// The configured holiday file, read and checked at start (none when it could not be used).
    pub(super) calendar_file: Option<(std::path::PathBuf, String)>,
    /// The years without holiday data last logged (so the log says it once, and when it changes).
    pub(super) calendar_missing_logged: Option<Vec<i16>>,
    pub(super) tz: jiff::tz::TimeZone,
    pub(super) renderer: Renderer,
    /// A technician's brightness and power, over the playlist's, until a time.
    pub(super) overrides: Overrides,
    /// The flash program's content, rendered.
    pub(super) fallback: Option<AreaContent>,
    /// The board the scheduler wants now (what the driver is sent).
    pub(super) desired: Desired,
    pub(super) clock: pinghu_playlists::ClockTrust,
    /// Our clock minus the issue time of the latest verified message.
    pub(super) portal_offset: Option<SignedDuration>,
    /// Pictures as the board shows them, for the console, by name and reduction, with the file's
    /// size and time they were drawn from (a viewer's page does not decode a file again).
    pub(super) picture_frames: std::collections::HashMap<(String, bool), (FileStamp, pinghu_fonts::Frame)>,
}

/// A file's size and modification time: drawn again when either changes.
pub(super) type FileStamp = (u64, Option<std::time::SystemTime>);

/// The most pictures kept drawn for the console.
pub(super) const PICTURE_FRAMES_KEPT: usize = 64;

/// The watched playlist file.
#[derive(Debug)]
pub(super) struct PlaylistFile {
    /// The playlist running.
    pub(super) current: Playlist,
    pub(super) mtime: Option<std::time::SystemTime>,
    /// When the playlist file was last read (a save within its time's tick is caught).
    pub(super) read_at: Option<std::time::SystemTime>,
    /// SHA-256 of the playlist file as last read or written (whether or not it was accepted).
    pub(super) sha: Option<String>,
    pub(super) error: Option<super::refusal::Refusal>,
    /// SHA-256 of the last good copy of the playlist in the data folder.
    pub(super) last_good_sha: Option<String>,
}

/// What the portal and the office may send, and what they sent.
#[derive(Debug)]
pub(super) struct Inbox {
    pub(super) keys: Keyring,
    /// The latest refused messages, for the console (their receipts went to the portal).
    pub(super) refused: std::collections::VecDeque<Receipt>,
    /// Refusals logged in the current minute (from when), and how many more were not.
    pub(super) refusals_logged: (Timestamp, u32, u64),
    /// The latest warning message and what became of it, for the status.
    pub(super) last_alert: Option<LastAlert>,
    /// What the office sent and the board applied (calendar, pushed playlist, keys).
    pub(super) office: crate::office::Applied,
    pub(super) office_last: Option<LastOffice>,
}

/// The board as the status shows it.
#[derive(Debug)]
pub(super) struct Health {
    /// The card link and what the card says about itself, as the status shows it.
    pub(super) device: Device,
    /// What the card acknowledged last.
    pub(super) showing: Option<Showing>,
    pub(super) plan_layer: Layer,
    pub(super) brightness: u8,
    pub(super) power: bool,
    pub(super) broker: crate::mqtt::BrokerLink,
    /// Files the configuration names that the daemon started without, and why.
    pub(super) config_problems: Vec<super::left_out::ConfigProblem>,
    /// Why the console could not start (it tries again; the board runs on).
    pub(super) console_error: Option<String>,
    /// The first page the card acknowledged in each area (main, urgent): the glass.
    pub(super) glass: [Option<pinghu_fonts::Frame>; 2],
    /// The last proof entry says the glass is dark.
    pub(super) dark: bool,
}

/// A technician's brightness and power, over the playlist's until a time (emergencies still win:
/// an emergency takeover sets both itself).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Overrides {
    pub brightness: Option<(u8, Timestamp)>,
    pub power: Option<(bool, Timestamp)>,
}

impl Overrides {
    /// Apply the overrides that still hold to the plan and the desired board.
    pub(super) fn apply(
        &mut self,
        mut plan: pinghu_playlists::Plan,
        d: &mut crate::board::Desired,
        now: Timestamp,
    ) -> pinghu_playlists::Plan {
        self.brightness = self.brightness.filter(|(_, until)| now < *until);
        self.power = self.power.filter(|(_, until)| now < *until);
        if plan.layer == pinghu_playlists::Layer::Emergency {
            return plan;
        }
        if let Some((b, _)) = self.brightness {
            plan.brightness = b;
            d.brightness = b;
            d.brightness_table = None;
        }
        if let Some((p, _)) = self.power {
            plan.power = p;
            d.power = p;
        }
        plan
    }
}
