//! The durable store: accepted announcements, the highest revision seen per id, which
//! announcements were displayed, receipts not yet sent, and the scheduler's state.
//!
//! * **Atomic**: each save writes a new file, fsyncs it and renames it over `state.json` (then
//!   fsyncs the folder), so a crash at any instant leaves the old or the new state. An
//!   announcement is acknowledged to the broker only after the save returned.
//! * **All or nothing**: [`Store::replace`] persists a candidate state and swaps it in only when
//!   the write succeeded; a failed write (a full disk, an I/O error) leaves memory and disk as they
//!   were, so the broker's redelivery is judged against what is really stored.
//! * **Checked**: the file carries the SHA-256 of the state it holds, so bit rot or a truncated
//!   copy is detected instead of read as a smaller truth.
//! * **Two generations**: the previous state stays as `state.prev.json` (a hard link, no extra
//!   data written). A damaged `state.json` is moved aside and the daemon starts from the previous
//!   generation, or empty, and says so.
//! * **No silent replays**: a restored or empty state may have forgotten revisions it had
//!   acknowledged (a revoke, say). So the store sets a *replay horizon*: a message issued before
//!   the moment of recovery is refused unless it is the exact bytes already stored, and the
//!   portal is told to issue a new revision. See `docs/durability.md`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::disk::Disk;
use crate::ingest::sha256_hex;

use pinghu_playlists::{Announcement, Scheduler};
use serde::{Deserialize, Serialize};

/// Where an announcement stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AnnState {
    Active,
    Expired,
    Revoked,
    Superseded,
    /// Restored from an older generation of the state: it may have been revoked or replaced
    /// since, so it is not shown until the portal sends a new revision.
    Suspended,
}

/// One accepted announcement with its evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    pub announcement: Announcement,
    pub state: AnnState,
    pub key_id: String,
    pub signature: String,
    /// SHA-256 of the payload bytes (tells a redelivery from a replay).
    pub payload_sha256: String,
    pub accepted_at: jiff::Timestamp,
    /// Set once the card acknowledged a frame showing it.
    pub displayed: Option<String>,
    /// Who approved it at the portal (as the payload says).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approved_by: Option<String>,
    /// Warnings: the `sender` and `identifier` of the message this revision came from, for the
    /// receipts that follow (`displayed`, `expired`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alert: Option<(String, String)>,
    /// Every receipt sent about this id, oldest first (the last [`HISTORY_LEN`]), across revisions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<HistoryEntry>,
}

/// How many receipts an announcement's history keeps.
pub const HISTORY_LEN: usize = 64;

/// One receipt in an announcement's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub event: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision: Option<u64>,
    pub at: String,
    /// The receipt's reason in English, as sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The same reason in Chinese, written with it from its typed value (absent in entries an
    /// older version wrote).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason_zh: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frame_sha256: Option<String>,
}

#[allow(clippy::trivially_copy_pass_by_ref)]
fn is_zero(v: &u64) -> bool {
    *v == 0
}

impl State {
    /// Note receipts in the history of the announcements they are about.
    pub fn note_receipts(&mut self, receipts: &[crate::ingest::Receipt]) {
        for r in receipts {
            let Some(rec) = r.id.as_ref().and_then(|id| self.announcements.get_mut(id)) else {
                continue;
            };
            rec.history.push(HistoryEntry {
                event: r.event.to_string(),
                revision: r.revision,
                at: r.at.clone(),
                reason: r.reason.as_ref().map(ToString::to_string),
                reason_zh: r.reason.as_ref().map(pinghu_playlists::Bilingual::zh),
                frame_sha256: r.frame_sha256.clone(),
            });
            if rec.history.len() > HISTORY_LEN {
                let extra = rec.history.len() - HISTORY_LEN;
                rec.history.drain(..extra);
            }
        }
    }
}

/// Everything the daemon must not lose.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct State {
    /// Latest accepted revision of each id.
    pub announcements: BTreeMap<String, Record>,
    /// Highest revision seen per id, revocations included (replays are refused against it).
    pub revisions: BTreeMap<String, u64>,
    /// When each id's highest revision was issued (its sender's clock), so that ids finished long
    /// ago can be forgotten safely (`daemon::retention`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub revision_issued: BTreeMap<String, jiff::Timestamp>,
    /// The SHA-256 of the revocation that set an id's highest revision, so that the same bytes
    /// sent again (a broker's redelivery, a portal's `--confirm` resend) are `held`, not a replay.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub revoke_sha256: BTreeMap<String, String>,
    /// How many entries the proof-of-display log had when this state was written: at start, a
    /// log that has fewer lost entries (a power cut before they reached the disk, or a log cut,
    /// deleted or replaced), and the status says so.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub proof_seq: u64,
    /// The latest issue time among the forgotten ids: a message for an id not remembered that was
    /// issued at or before it is refused, as the forgotten revision might have refused it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forgotten_before: Option<jiff::Timestamp>,
    pub scheduler: Scheduler,
    /// Receipts not yet handed to the broker: saved with the change they report, published
    /// after, and published again after a crash (receipts are at-least-once, like QoS 1).
    #[serde(default)]
    pub outbox: Vec<crate::ingest::Receipt>,
    /// Set when the state was restored from an older generation (or lost): messages issued
    /// before it may be replays the lost state would have refused, and are refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replay_horizon: Option<jiff::Timestamp>,
    /// Every warning message seen (`sender,identifier`) and the chain it belongs to, so updates,
    /// cancels and late originals find their warning in any order of arrival.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub alert_keys: BTreeMap<String, crate::alert_ingest::Known>,
}

impl State {
    /// Announcements the scheduler should consider.
    pub fn active(&self) -> Vec<Announcement> {
        self.announcements
            .values()
            .filter(|r| r.state == AnnState::Active)
            .map(|r| r.announcement.clone())
            .collect()
    }
}

/// The state file.
pub const STATE_FILE: &str = "state.json";
/// The previous generation.
pub const PREVIOUS_FILE: &str = "state.prev.json";
const FORMAT: u32 = 2;

/// The bytes of `state.json`: `{"format":2,"sha256":…,"state":…}`, the hash over the state's bytes.
pub fn encode(state: &State) -> Vec<u8> {
    let inner = serde_json::to_string(state).unwrap_or_else(|_| "{}".into());
    format!(
        "{{\"format\":{FORMAT},\"sha256\":\"{}\",\"state\":{inner}}}\n",
        sha256_hex(inner.as_bytes())
    )
    .into_bytes()
}

#[derive(Deserialize)]
struct Wrapped<'a> {
    format: u32,
    sha256: String,
    #[serde(borrow)]
    state: &'a serde_json::value::RawValue,
}

/// Why a state file cannot be used (the store then falls back on the previous generation).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    #[error("the file is empty")]
    Empty,
    #[error("cannot read it: {0}")]
    Read(std::io::Error),
    #[error("not UTF-8 ({0})")]
    NotUtf8(std::str::Utf8Error),
    #[error("not a state file ({0})")]
    NotAState(serde_json::Error),
    #[error("format {0} is not known to this version (expected {FORMAT})")]
    Format(u32),
    #[error("checksum mismatch: the file says {said}, its content hashes to {actual}")]
    Checksum { said: String, actual: String },
    #[error("the state does not parse ({0})")]
    State(serde_json::Error),
}

/// Read `state.json` bytes: the checked format, or the unchecked one of earlier versions.
pub fn decode(bytes: &[u8]) -> Result<State, DecodeError> {
    if bytes.is_empty() {
        return Err(DecodeError::Empty);
    }
    let text = std::str::from_utf8(bytes).map_err(DecodeError::NotUtf8)?;
    if text.trim_start().starts_with("{\"format\"") {
        let w: Wrapped = serde_json::from_str(text).map_err(DecodeError::NotAState)?;
        if w.format != FORMAT {
            return Err(DecodeError::Format(w.format));
        }
        let actual = sha256_hex(w.state.get().as_bytes());
        if actual != w.sha256 {
            return Err(DecodeError::Checksum { said: w.sha256, actual });
        }
        serde_json::from_str(w.state.get()).map_err(DecodeError::State)
    } else {
        serde_json::from_str(text).map_err(DecodeError::NotAState)
    }
}

/// The state on disk, and what opening it found.
#[derive(Debug)]
pub struct Store {
    dir: PathBuf,
    disk: Disk,
    pub state: State,
    /// What had to be repaired when the store was opened (for the log and the status).
    pub recovery: Vec<String>,
}

/// What in `dir` shows that a board ran there before: a proof-of-display log with entries, or
/// the board's signing key.
fn history(dir: &Path) -> Option<String> {
    let proof = dir.join(crate::proof::FIRST_SEGMENT);
    if std::fs::metadata(&proof).is_ok_and(|m| m.len() > 0) {
        return Some(format!("its proof log {} has entries", proof.display()));
    }
    let key = dir.join("board-key.json");
    key.exists().then(|| format!("its key {} exists", key.display()))
}

impl Store {
    /// Open (or create) the store in `dir`. A damaged `state.json` never stops the daemon: it is
    /// moved aside and the previous generation (or an empty state) is used with a replay horizon
    /// at `now`; [`Store::recovery`] says what happened. Only an unreadable folder is an error.
    pub fn open(dir: &Path, disk: Disk, now: jiff::Timestamp) -> std::io::Result<Self> {
        std::fs::create_dir_all(dir)?;
        let path = dir.join(STATE_FILE);
        let prev = dir.join(PREVIOUS_FILE);
        let mut store = Self {
            dir: dir.to_path_buf(),
            disk: disk.for_purpose(crate::disk::Purpose::State),
            state: State::default(),
            recovery: Vec::new(),
        };
        let problem = match std::fs::read(&path) {
            Ok(b) => match decode(&b) {
                Ok(s) => {
                    store.state = s;
                    return Ok(store);
                }
                Err(e) => format!("{} is damaged: {e}", path.display()),
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if prev.exists() {
                    format!("{} is missing although {} exists", path.display(), prev.display())
                } else {
                    // A new installation — unless the folder shows this board ran before: then
                    // the state was lost, and what it had refused (a revoked notice's replay)
                    // must not be taken as new.
                    let Some(history) = history(dir) else {
                        // Written at once, before anything else lands in the folder: from now on
                        // a proof log or key without a state file means the state was lost.
                        if let Err(e) = store.save() {
                            tracing::warn!("cannot write the first state file {}: {e}", path.display());
                        }
                        return Ok(store);
                    };
                    format!(
                        "{} and {} are missing although this board has run before ({history}): the state was lost, \
                         this is not a new installation",
                        path.display(),
                        prev.display()
                    )
                }
            }
            Err(e) => format!("cannot read {}: {e}", path.display()),
        };
        tracing::error!("{problem}");
        store.recovery.push(problem);
        if path.exists() {
            let aside = dir.join(format!("state.damaged-{}.json", crate::disk::file_stamp(now)));
            match std::fs::rename(&path, &aside) {
                Ok(()) => store
                    .recovery
                    .push(format!("the damaged file was moved to {}", aside.display())),
                Err(e) => store.recovery.push(format!("cannot move the damaged file aside: {e}")),
            }
        }
        match std::fs::read(&prev).map_err(DecodeError::Read).and_then(|b| decode(&b)) {
            Ok(s) => {
                store.state = s;
                let mut suspended = 0;
                let before = store.state.outbox.len();
                for rec in store.state.announcements.values_mut() {
                    if rec.state == AnnState::Active {
                        rec.state = AnnState::Suspended;
                        suspended += 1;
                        store.state.outbox.push(
                            crate::ingest::Receipt::new(
                                Some(&rec.announcement.id),
                                Some(rec.announcement.revision),
                                crate::ingest::ReceiptEvent::Suspended,
                                now,
                            )
                            .with_reason(crate::reason::Reason::Restored),
                        );
                    }
                }
                let added = store.state.outbox[before..].to_vec();
                store.state.note_receipts(&added);
                store.recovery.push(format!(
                    "started from the previous generation {} ({} announcements; the {suspended} active ones are \
                     suspended until the portal issues new revisions)",
                    prev.display(),
                    store.state.announcements.len()
                ));
            }
            Err(e) => store.recovery.push(format!(
                "the previous generation {} is not usable either ({e}): started empty",
                prev.display()
            )),
        }
        store.state.replay_horizon = Some(store.state.replay_horizon.map_or(now, |h| h.max(now)));
        store.recovery.push(format!(
            "messages issued before {now} are refused unless already stored (they cannot be told from replays); \
             the portal must issue a new revision"
        ));
        for r in &store.recovery[1..] {
            tracing::warn!("{r}");
        }
        if let Err(e) = store.save() {
            store.recovery.push(format!("cannot write the recovered state: {e}"));
        }
        Ok(store)
    }

    /// Write `state` as the new generation; the current one becomes the previous generation.
    fn write(&self, state: &State) -> std::io::Result<()> {
        self.disk.replace(
            &self.dir.join(STATE_FILE),
            &encode(state),
            Some(&self.dir.join(PREVIOUS_FILE)),
        )
    }

    /// Persist the current state durably.
    pub fn save(&self) -> std::io::Result<()> {
        self.write(&self.state)
    }

    /// Persist `next` and make it the current state, or, when the write fails, change nothing.
    pub fn replace(&mut self, next: State) -> std::io::Result<()> {
        self.write(&next)?;
        self.state = next;
        Ok(())
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }
}
