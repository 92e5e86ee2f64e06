//! The daemon's core: everything the daemon knows and decides, owned by one thread and changed
//! only through its methods, each of which takes `now`. No async, no locks, no network: a sans-IO
//! state machine ([`coordinator`]: `handle*` in, `poll_*` out) that the core thread drives with
//! the real clock and tests drive with any clock they like.
//!
//! It is a coordinator of owned parts with one job each ([`parts`], [`storage`]): the durable
//! store and proof-of-display log, the planner (calendar, renderer, overrides, clock), the
//! watched playlist file, the inbox (keys, office data, refusals) and the board's health, beside
//! the play reports and the audit log. What it guarantees:
//! * a portal message is applied to a **copy** of the state, the copy is persisted, and only then
//!   swapped in and acknowledged ([`Core::ingest`] returns `Err` when the write failed, and nothing
//!   changed in memory or on disk);
//! * the state is written only when something a crash must not lose changed (messages, receipts,
//!   displayed flags); the rotation position is written lazily, at most once a minute
//!   ([`SCHEDULER_SAVE_INTERVAL`]) and on shutdown;
//! * the proof log is fsynced at most once a second ([`PROOF_SYNC_INTERVAL`]);
//! * damaged files and failing writes are reported in the status, and the board keeps running.

use jiff::{SignedDuration, Timestamp};
use pinghu_playlists::{Inputs, Layer};

use crate::audit::AuditLog;
use crate::board::Desired;
use crate::config::Config;
use crate::ingest::Receipt;
use crate::retention;

mod change;
mod console;
mod coordinator;
mod events;
pub mod left_out;
mod messages;
mod office;
mod open;
mod parts;
mod pictures;
mod playlist;
mod preview;
mod question;
pub mod refusal;
mod reports;
mod status;
mod storage;
mod views;

use playlist::calendar;

pub use change::{CardChangeError, Change, Saved, Touched};
pub use coordinator::{Frame, Input, Live, PLAYLIST_WATCH};
pub use messages::REFUSALS_LOGGED;
pub use open::{Prepared, prepare};
pub use parts::Overrides;
pub use question::{Question, Reply};
pub use reports::{REPORT_DELAY, REPORTS_DIR, report_file};
pub use views::{Held, Listed, Refused, RefusedState};

pub use console::{Examined, PlaylistHistory, SaveError, SaveFailure, Week, examine};
pub use pictures::{MAX_PICTURE_BYTES, PictureError, PictureFile, PictureSaved, picture_name_problem};
pub use preview::{MAX_PREVIEW_ITEMS, MAX_PREVIEW_PAGES, Preview, PreviewCut, PreviewWindow, preview_cut};

/// Software older than this date cannot be running now: a clock before it is wrong.
pub const NOT_BEFORE: &str = "2026-11-01T00:00:00Z";
/// How far behind the portal our clock may be before it is not trusted.
pub const PORTAL_TOLERANCE: SignedDuration = SignedDuration::from_mins(10);
/// The proof log is fsynced at most this often.
pub const PROOF_SYNC_INTERVAL: SignedDuration = SignedDuration::from_secs(1);
/// The rotation position is written at most this often.
pub const SCHEDULER_SAVE_INTERVAL: SignedDuration = SignedDuration::from_mins(1);
/// A proof log that could not be opened is tried again this often.
pub const PROOF_REOPEN_INTERVAL: SignedDuration = SignedDuration::from_secs(10);
/// A failed write is retried this often.
pub const RETRY_INTERVAL: SignedDuration = SignedDuration::from_secs(1);
/// The data directory's free space is looked at this often.
pub const SPACE_CHECK_INTERVAL: SignedDuration = SignedDuration::from_mins(1);

/// The built-in sample playlist (used when none is configured).
pub const SAMPLE_PLAYLIST: &str = include_str!("../../../../playlists/examples/sample.toml");

/// The core could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CoreError {
    #[error("data directory {path}: {reason}")]
    Store { path: String, reason: String },
    #[error("time zone: {0}")]
    TimeZone(String),
}

/// Judge the clock: before the build date, or the portal issuing messages in our future.
pub fn judge_clock(now: Timestamp, portal_offset: Option<SignedDuration>) -> pinghu_playlists::ClockTrust {
    let not_before = NOT_BEFORE.parse::<Timestamp>().unwrap_or(now);
    // A message issued long ago says nothing about our clock; one issued "in the future" does.
    let behind = portal_offset.filter(SignedDuration::is_negative);
    pinghu_playlists::clock_trust(now, not_before, behind, PORTAL_TOLERANCE)
}

/// What a scheduler step decided.
#[derive(Debug, Clone)]
pub struct Step {
    pub desired: Desired,
    /// When the plan changes next (a page ends, a window opens, a notice expires).
    pub next: Timestamp,
    /// Receipts to publish (expiries, office removals that waited for the playlist).
    pub receipts: Vec<Receipt>,
    /// The desired board differs from the one planned before.
    pub changed: bool,
}

/// The daemon's state and decisions: the coordinator of its [`parts`], each with one job.
#[derive(Debug)]
pub struct Core {
    cfg: Config,
    storage: storage::Storage,
    planner: parts::Planner,
    playlist: parts::PlaylistFile,
    inbox: parts::Inbox,
    health: parts::Health,
    /// The board's own key pair, which signs its daily play reports (or why there is none).
    board_key: Result<crate::envelope::KeyPair, crate::envelope::KeyError>,
    reports: reports::Reports,
    /// Changes made through the console.
    audit: AuditLog,
    /// What was decided and not polled yet.
    out: coordinator::Outgoing,
}

/// How many refused messages the console can list.
pub const REFUSED_KEPT: usize = 50;

impl Core {
    pub fn config(&self) -> &Config {
        &self.cfg
    }

    /// The console could not start (`Some`, why), or started after all (`None`).
    pub fn set_console_error(&mut self, error: Option<String>) {
        self.health.console_error = error;
    }

    /// Receipts saved but not yet handed to the broker (sent again after a restart).
    pub fn outbox(&self) -> Vec<Receipt> {
        self.storage.store.state.outbox.clone()
    }

    pub fn state(&self) -> &crate::store::State {
        &self.storage.store.state
    }

    /// Run the scheduler: what the board should show now, and when to look again.
    pub fn step(&mut self, now: Timestamp) -> Step {
        self.watch_playlist();
        self.daily_report(now);
        let removed = self.retry_removals(now);
        let mut must_save = retention::prune(&mut self.storage.store.state, now) > 0;
        let mut expired = retention::expire(&mut self.storage.store.state, now);
        if !expired.is_empty() {
            must_save = true;
            self.storage.store.state.note_receipts(&expired);
            self.storage.store.state.outbox.extend(expired.iter().cloned());
        }
        let anns = self.storage.store.state.active();
        let clock = judge_clock(now, self.planner.portal_offset);
        if clock != self.planner.clock {
            if clock != pinghu_playlists::ClockTrust::Trusted {
                tracing::warn!("the clock cannot be trusted ({clock}): date-bound items are suspended");
            }
            self.planner.clock = clock;
        }
        let missing = self.calendar_missing(now);
        if missing != self.planner.calendar_missing_logged {
            match &missing {
                Some(years) => tracing::warn!(
                    "the holiday calendar has no official data for {}: workdays_only and days_off_only take Monday to \
                     Friday for workdays, holidays included, until the office pushes the State Council's notice \
                     (pinghu portal push --calendar)",
                    years.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
                ),
                None => tracing::info!("the holiday calendar covers the days ahead"),
            }
            self.planner.calendar_missing_logged = missing;
        }
        // Only a trusted clock decides that a year has passed.
        if clock == pinghu_playlists::ClockTrust::Trusted
            && retention::forget_revisions(&mut self.storage.store.state, now) > 0
        {
            must_save = true;
        }
        let inputs = Inputs {
            playlist: &self.playlist.current,
            calendar: &self.planner.calendar,
            tz: &self.planner.tz,
            announcements: &anns,
            clock_trusted: clock == pinghu_playlists::ClockTrust::Trusted,
        };
        let before = self.storage.store.state.scheduler.clone();
        let renderer = std::cell::RefCell::new(&mut self.planner.renderer);
        let pages = |c: &pinghu_playlists::Content| renderer.borrow_mut().render(c).pages.len() as u32;
        let plan = self.storage.store.state.scheduler.step(&inputs, now, &pages);
        let mut desired = renderer.borrow_mut().desired(&plan);
        desired.fallback.clone_from(&self.planner.fallback);
        // The day's brightness as the card's own 48-slot table, unless a fixed level rules.
        if clock == pinghu_playlists::ClockTrust::Trusted && plan.layer != Layer::Emergency {
            desired.brightness_table = Some(
                (0..48)
                    .map(|slot| self.playlist.current.brightness_at(slot * 30))
                    .collect(),
            );
        }
        // The daily on/off window goes to the card too, so it darkens at night on its own when
        // the host is gone (an untrusted clock keeps the board on: no window).
        if clock == pinghu_playlists::ClockTrust::Trusted {
            desired.power_window = self.playlist.current.power.map(|p| (p.on, p.off));
        }
        let plan = self.planner.overrides.apply(plan, &mut desired, now);
        if self.storage.store.state.scheduler != before {
            // The rotation position survives a restart, written lazily (see `tick`).
            self.storage.writes.scheduler_unsaved = true;
        }
        if must_save {
            self.storage.save(now);
        }
        self.health.plan_layer = plan.layer;
        self.health.brightness = plan.brightness;
        self.health.power = plan.power;
        let changed = self.planner.desired != desired;
        self.planner.desired.clone_from(&desired);
        expired.extend(removed);
        Step {
            desired,
            next: plan.next_change,
            changed,
            // What the disk has not taken yet waits with the receipts held before (at least every
            // 2 s a step comes, so they go out soon after the next successful write).
            receipts: if self.storage.on_disk() {
                let mut out = std::mem::take(&mut self.storage.writes.unsaved_receipts);
                out.append(&mut expired);
                out
            } else {
                self.storage.writes.unsaved_receipts.append(&mut expired);
                Vec::new()
            },
        }
    }

    /// Housekeeping, called at least once a second: the storage's (fsync the proof log, retry a
    /// failed write, write the rotation position when a minute has passed).
    pub fn tick(&mut self, now: Timestamp) {
        self.storage.tick(now);
    }

    /// When [`Core::tick`] has work next.
    pub fn next_tick(&self, now: Timestamp) -> Timestamp {
        self.storage.next_tick(now)
    }

    /// Before the process ends: everything to disk.
    pub fn shutdown(&mut self, now: Timestamp) {
        self.storage.shutdown(now);
    }
}
