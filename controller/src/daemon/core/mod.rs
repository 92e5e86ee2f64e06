//! The daemon's core: everything the daemon knows and decides, owned by one thread and changed
//! only through its methods, each of which takes `now`. No async, no locks, no network: the
//! daemon's tasks send it messages ([`crate::daemon`]), and tests drive it directly with any
//! clock they like.
//!
//! What it owns: the durable store, the proof-of-display log, the playlist (watched), the holiday
//! calendar, the renderer, the portal's keys, and the status. What it guarantees:
//! * a portal message is applied to a **copy** of the state, the copy is persisted, and only then
//!   swapped in and acknowledged ([`Core::ingest`] returns `Err` when the write failed, and nothing
//!   changed in memory or on disk);
//! * the state is written only when something a crash must not lose changed (messages, receipts,
//!   displayed flags); the rotation position is written lazily, at most once a minute
//!   ([`SCHEDULER_SAVE_INTERVAL`]) and on shutdown;
//! * the proof log is fsynced at most once a second ([`PROOF_SYNC_INTERVAL`]);
//! * damaged files and failing writes are reported in the status, and the board keeps running.

use jiff::{SignedDuration, Timestamp};
use pinghu_playlists::{Calendar, Inputs, Layer, Playlist};

use crate::daemon::audit::AuditLog;
use crate::daemon::board::{Desired, Renderer};
use crate::daemon::config::Config;
use crate::daemon::disk::Disk;
use crate::daemon::envelope::Keyring;
use crate::daemon::ingest::Receipt;
use crate::daemon::proof::{Entry, Finding, ProofLog};
use crate::daemon::retention;
use crate::daemon::store::Store;

mod console;
mod events;
pub mod left_out;
mod messages;
mod office;
mod open;
mod pictures;
mod playlist;
pub mod refusal;
mod reports;
mod status;

use playlist::calendar;

pub use messages::REFUSALS_LOGGED;
pub use open::{Prepared, prepare};
pub use reports::{REPORT_DELAY, REPORTS_DIR, report_file};

pub use console::{Examined, PlaylistHistory, Preview, SaveError, Week, examine};
pub use pictures::{MAX_PICTURE_BYTES, PictureError, PictureFile, PictureSaved, picture_name_problem};

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

/// Link state for the status topic.
#[derive(Debug, Clone, Default, serde::Serialize)]
struct DeviceStatus {
    url: String,
    protocol: Option<String>,
    link: &'static str,
    last_error: Option<String>,
    /// `last_error` in Chinese, written with it from the typed error.
    last_error_zh: Option<String>,
    card_time: Option<String>,
    drift_s: Option<i64>,
    /// What the card says about itself (size, colours, firmware), and whether it matches.
    card: Option<serde_json::Value>,
    /// How the LED power is switched: `a2-05` (control header), `a3-00` (font card).
    power_control: Option<&'static str>,
    /// The fallback program in the card's flash.
    flash: Option<serde_json::Value>,
}

/// What a scheduler step decided.
#[derive(Debug, Clone)]
pub struct Step {
    pub desired: Desired,
    /// When the plan changes next (a page ends, a window opens, a notice expires).
    pub next: Timestamp,
    /// Receipts to publish (expiries, office removals that waited for the playlist).
    pub receipts: Vec<Receipt>,
}

/// The daemon's state and decisions.
#[derive(Debug)]
pub struct Core {
    cfg: Config,
    keys: Keyring,
    disk: Disk,
    store: Store,
    proof: Option<ProofLog>,
    proof_findings: Vec<Finding>,
    playlist: Playlist,
    playlist_mtime: Option<std::time::SystemTime>,
    /// When the playlist file was last read (a save within its time's tick is caught).
    playlist_read_at: Option<std::time::SystemTime>,
    /// SHA-256 of the playlist file as last read or written (whether or not it was accepted).
    playlist_sha: Option<String>,
    playlist_error: Option<refusal::Refusal>,
    /// SHA-256 of the last good copy of the playlist in the data folder.
    last_good_sha: Option<String>,
    /// The configured holiday file, read and checked at start (none when it could not be used).
    calendar_file: Option<(std::path::PathBuf, String)>,
    /// Files the configuration names that the daemon started without, and why.
    config_problems: Vec<left_out::ConfigProblem>,
    /// Why the console could not start (it tries again; the board runs on).
    console_error: Option<String>,
    calendar: Calendar,
    tz: jiff::tz::TimeZone,
    renderer: Renderer,
    device: DeviceStatus,
    showing: serde_json::Value,
    plan_layer: Layer,
    brightness: u8,
    power: bool,
    broker: crate::daemon::mqtt::BrokerLink,
    /// Our clock minus the issue time of the latest verified message.
    portal_offset: Option<SignedDuration>,
    clock: pinghu_playlists::ClockTrust,
    /// A change that must reach the disk has not (the write failed): retried every second.
    state_unsaved: bool,
    /// Receipts whose change has not reached the disk yet (it was full): sent after the next
    /// successful write.
    unsaved_receipts: Vec<Receipt>,
    /// The rotation position changed, or receipts left the outbox, since the last write.
    scheduler_unsaved: bool,
    /// Proof entries waiting while the log cannot be opened.
    proof_backlog: Vec<Entry>,
    last_proof_open: Timestamp,
    last_save: Timestamp,
    last_retry: Timestamp,
    last_proof_sync: Timestamp,
    /// The latest failed write, cleared by the next successful one.
    write_error: Option<String>,
    /// The board the scheduler wants now (what the driver is sent).
    desired: Desired,
    /// The first page the card acknowledged in each area (main, urgent): the glass.
    glass: [Option<pinghu_fonts::Frame>; 2],
    /// The last proof entry says the glass is dark.
    dark: bool,
    /// The board's own key pair, which signs its daily play reports (or why there is none).
    board_key: Result<crate::daemon::envelope::KeyPair, String>,
    reports: reports::Reports,
    /// What the office sent and the board applied (calendar, pushed playlist, keys).
    office: crate::daemon::office::Applied,
    office_last: Option<serde_json::Value>,
    /// The years without holiday data last logged (so the log says it once, and when it changes).
    calendar_missing_logged: Option<Vec<i16>>,
    /// The data directory's file system, asked every minute.
    space: Option<crate::daemon::disk::Space>,
    last_space_check: Option<Timestamp>,
    /// Changes made through the console.
    audit: AuditLog,
    /// A technician's brightness and power, over the playlist's, until a time.
    overrides: console::Overrides,
    /// The flash program's content, rendered.
    fallback: Option<crate::daemon::board::AreaContent>,
    /// The latest refused messages, for the console (their receipts went to the portal).
    refused: std::collections::VecDeque<Receipt>,
    /// Refusals logged in the current minute (from when), and how many more were not.
    refusals_logged: (Timestamp, u32, u64),
    /// The latest warning message and what became of it, for the status.
    last_alert: Option<serde_json::Value>,
}

/// How many refused messages the console can list.
pub const REFUSED_KEPT: usize = 50;

impl Core {
    pub fn config(&self) -> &Config {
        &self.cfg
    }

    /// The console could not start (`Some`, why), or started after all (`None`).
    pub fn set_console_error(&mut self, error: Option<String>) {
        self.console_error = error;
    }

    /// Receipts saved but not yet handed to the broker (sent again after a restart).
    pub fn outbox(&self) -> Vec<Receipt> {
        self.store.state.outbox.clone()
    }

    pub fn state(&self) -> &crate::daemon::store::State {
        &self.store.state
    }

    /// Everything changed so far is on the disk: the state, and the proof entries behind it
    /// (a receipt that claims either waits until then).
    pub(crate) fn on_disk(&self) -> bool {
        !self.state_unsaved && self.proof.as_ref().is_none_or(|p| !p.needs_sync())
    }

    /// The proof log's reach as the state records it: the entries fsynced.
    pub(crate) fn proof_seq(&self) -> u64 {
        self.proof
            .as_ref()
            .map_or(self.store.state.proof_seq, ProofLog::durable_seq)
    }

    fn wrote(&mut self, now: Timestamp) {
        self.last_save = now;
        self.state_unsaved = false;
        self.scheduler_unsaved = false;
        if let Some(e) = self.write_error.take() {
            tracing::info!("the disk accepts writes again (after: {e})");
        }
    }

    fn failed(&mut self, what: &str, e: &std::io::Error) {
        let msg = format!("{what}: {e}");
        if self.write_error.as_deref() != Some(msg.as_str()) {
            tracing::error!("{msg}");
        }
        self.write_error = Some(msg);
    }

    /// Report a failed proof-log write (the entries stay queued in the log).
    fn proof_result(&mut self, r: std::io::Result<()>) {
        if let Err(e) = r {
            let pending = self.proof.as_ref().map_or(0, ProofLog::pending);
            self.failed(
                &format!("cannot write to the proof-of-display log ({pending} entries wait in memory)"),
                &e,
            );
        }
    }

    /// Save the current state now; on failure remember to retry.
    fn save(&mut self, now: Timestamp) {
        self.last_retry = now;
        // The proof entries first (a first display's above all), then the state that counts
        // them, then (the caller) the receipts: a state never claims a display its proof log
        // could lose in a power cut.
        if let Some(p) = self.proof.as_mut()
            && p.needs_sync()
        {
            let r = p.sync();
            self.proof_result(r);
        }
        self.store.state.proof_seq = self.proof_seq();
        match self.store.save() {
            Ok(()) => self.wrote(now),
            Err(e) => {
                self.state_unsaved = true;
                self.failed("cannot write the state (retrying every second)", &e);
            }
        }
    }

    /// Run the scheduler: what the board should show now, and when to look again.
    pub fn step(&mut self, now: Timestamp) -> Step {
        self.watch_playlist();
        self.daily_report(now);
        let removed = self.retry_removals(now);
        let mut must_save = retention::prune(&mut self.store.state, now) > 0;
        let mut expired = retention::expire(&mut self.store.state, now);
        if !expired.is_empty() {
            must_save = true;
            self.store.state.note_receipts(&expired);
            self.store.state.outbox.extend(expired.iter().cloned());
        }
        let anns = self.store.state.active();
        let clock = judge_clock(now, self.portal_offset);
        if clock != self.clock {
            if clock != pinghu_playlists::ClockTrust::Trusted {
                tracing::warn!("the clock cannot be trusted ({clock}): date-bound items are suspended");
            }
            self.clock = clock;
        }
        let missing = self.calendar_missing(now);
        if missing != self.calendar_missing_logged {
            match &missing {
                Some(years) => tracing::warn!(
                    "the holiday calendar has no official data for {}: workdays_only and days_off_only take Monday to \
                     Friday for workdays, holidays included, until the office pushes the State Council's notice \
                     (pinghu portal push --calendar)",
                    years.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
                ),
                None => tracing::info!("the holiday calendar covers the days ahead"),
            }
            self.calendar_missing_logged = missing;
        }
        // Only a trusted clock decides that a year has passed.
        if clock == pinghu_playlists::ClockTrust::Trusted && retention::forget_revisions(&mut self.store.state, now) > 0
        {
            must_save = true;
        }
        let inputs = Inputs {
            playlist: &self.playlist,
            calendar: &self.calendar,
            tz: &self.tz,
            announcements: &anns,
            clock_trusted: clock == pinghu_playlists::ClockTrust::Trusted,
        };
        let before = self.store.state.scheduler.clone();
        let renderer = std::cell::RefCell::new(&mut self.renderer);
        let pages = |c: &pinghu_playlists::Content| renderer.borrow_mut().render(c).pages.len() as u32;
        let plan = self.store.state.scheduler.step(&inputs, now, &pages);
        let mut desired = renderer.borrow_mut().desired(&plan);
        desired.fallback.clone_from(&self.fallback);
        // The day's brightness as the card's own 48-slot table, unless a fixed level rules.
        if clock == pinghu_playlists::ClockTrust::Trusted && plan.layer != Layer::Emergency {
            desired.brightness_table = Some((0..48).map(|slot| self.playlist.brightness_at(slot * 30)).collect());
        }
        // The daily on/off window goes to the card too, so it darkens at night on its own when
        // the host is gone (an untrusted clock keeps the board on: no window).
        if clock == pinghu_playlists::ClockTrust::Trusted {
            desired.power_window = self.playlist.power.map(|p| (p.on, p.off));
        }
        let plan = self.overrides.apply(plan, &mut desired, now);
        if self.store.state.scheduler != before {
            // The rotation position survives a restart, written lazily (see `tick`).
            self.scheduler_unsaved = true;
        }
        if must_save {
            self.save(now);
        }
        self.plan_layer = plan.layer;
        self.brightness = plan.brightness;
        self.power = plan.power;
        self.desired.clone_from(&desired);
        expired.extend(removed);
        Step {
            desired,
            next: plan.next_change,
            // What the disk has not taken yet waits with the receipts held before (at least every
            // 2 s a step comes, so they go out soon after the next successful write).
            receipts: if self.on_disk() {
                let mut out = std::mem::take(&mut self.unsaved_receipts);
                out.append(&mut expired);
                out
            } else {
                self.unsaved_receipts.append(&mut expired);
                Vec::new()
            },
        }
    }

    /// Housekeeping, called at least once a second: fsync the proof log (group commit), retry a
    /// failed write, write the rotation position when a minute has passed.
    pub fn tick(&mut self, now: Timestamp) {
        if self.proof.is_none() && now.duration_since(self.last_proof_open) >= PROOF_REOPEN_INTERVAL {
            self.last_proof_open = now;
            if let Ok((mut log, findings)) =
                ProofLog::open(&self.cfg.data_dir, self.disk.clone(), &self.cfg.screen, now)
            {
                tracing::info!("the proof-of-display log is open again");
                for e in self.proof_backlog.drain(..) {
                    let _ = log.append(e); // kept queued in the log when the disk refuses it
                }
                self.proof = Some(log);
                self.proof_findings = findings;
            }
        }
        if self
            .last_space_check
            .is_none_or(|t| now.duration_since(t) >= SPACE_CHECK_INTERVAL)
        {
            self.last_space_check = Some(now);
            let was_low = self.space.is_some_and(|s| s.low());
            self.space = crate::daemon::disk::space(&self.cfg.data_dir);
            match self.space {
                Some(s) if s.low() && !was_low => tracing::warn!(
                    "the disk of {} is nearly full: {} MB free of {} MB; move old proof-of-display segments off \
                     the board (pinghu log archive --before DATE --to DIR) before writes fail",
                    self.cfg.data_dir.display(),
                    s.free_bytes / 1_000_000,
                    s.total_bytes / 1_000_000
                ),
                Some(s) if !s.low() && was_low => {
                    tracing::info!("the disk has room again: {} MB free", s.free_bytes / 1_000_000);
                }
                _ => {}
            }
        }
        // What the background check of the log's older segments found, once it is done.
        if let Some(found) = self.proof.as_mut().and_then(|p| p.poll_check(now)) {
            self.proof_findings.extend(found);
        }
        if let Some(proof) = &mut self.proof
            && proof.needs_sync()
            && now.duration_since(self.last_proof_sync) >= PROOF_SYNC_INTERVAL
        {
            self.last_proof_sync = now;
            let r = proof.sync();
            self.proof_result(r);
        }
        if self.state_unsaved && now.duration_since(self.last_retry) >= RETRY_INTERVAL
            || self.scheduler_unsaved && now.duration_since(self.last_save) >= SCHEDULER_SAVE_INTERVAL
        {
            self.save(now);
        }
    }

    /// When [`Core::tick`] has work next.
    pub fn next_tick(&self, now: Timestamp) -> Timestamp {
        let mut t = now + SignedDuration::from_hours(1);
        if self.proof.as_ref().is_some_and(ProofLog::needs_sync) {
            t = t.min(self.last_proof_sync + PROOF_SYNC_INTERVAL);
        }
        if self.state_unsaved {
            t = t.min(self.last_retry + RETRY_INTERVAL);
        }
        if self.scheduler_unsaved {
            t = t.min(self.last_save + SCHEDULER_SAVE_INTERVAL);
        }
        if self.proof.is_none() {
            t = t.min(self.last_proof_open + PROOF_REOPEN_INTERVAL);
        }
        if let Some(last) = self.last_space_check {
            t = t.min(last + SPACE_CHECK_INTERVAL);
        }
        t
    }

    /// Before the process ends: everything to disk.
    pub fn shutdown(&mut self, now: Timestamp) {
        if let Some(p) = &mut self.proof
            && let Err(e) = p.sync()
        {
            tracing::error!("cannot write the proof-of-display log at shutdown: {e}");
        }
        // The state records how far the proof log reached (checked at the next start).
        if self.scheduler_unsaved || self.state_unsaved || self.store.state.proof_seq != self.proof_seq() {
            self.save(now);
        }
    }
}
