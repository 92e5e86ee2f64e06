//! The durable store: accepted announcements, the highest revision seen per id, which
//! announcements were displayed, and the scheduler's state. Every change is written to a new
//! file, fsynced, and renamed over the old one (then the folder is fsynced), so a crash at any
//! instant leaves either the old or the new state — and an announcement is acknowledged to the
//! broker only after it is on disk.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};

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
}

/// Everything the daemon must not lose.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct State {
    /// Latest accepted revision of each id.
    pub announcements: BTreeMap<String, Record>,
    /// Highest revision seen per id, revocations included (replays are refused against it).
    pub revisions: BTreeMap<String, u64>,
    pub scheduler: Scheduler,
    /// Receipts not yet handed to the broker: saved with the change they report, published
    /// after, and published again after a crash (receipts are at-least-once, like QoS 1).
    #[serde(default)]
    pub outbox: Vec<crate::ingest::Receipt>,
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

/// The state on disk.
#[derive(Debug)]
pub struct Store {
    dir: PathBuf,
    pub state: State,
}

fn fsync_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::File::open(dir)?.sync_all()
}

/// Write `bytes` to `path` durably and atomically.
pub fn write_durable(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let tmp = path.with_extension("tmp");
    {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path)?;
    fsync_dir(dir)
}

impl Store {
    /// Open (or create) the store in `dir`.
    pub fn open(dir: &Path) -> std::io::Result<Self> {
        std::fs::create_dir_all(dir)?;
        let path = dir.join("state.json");
        let state = match std::fs::read(&path) {
            Ok(b) => serde_json::from_slice(&b).map_err(|e| {
                std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!("{} is damaged ({e}); move it aside to start empty", path.display()),
                )
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => State::default(),
            Err(e) => return Err(e),
        };
        Ok(Self {
            dir: dir.to_path_buf(),
            state,
        })
    }

    /// Persist the current state (durably) before anything is acknowledged.
    pub fn save(&self) -> std::io::Result<()> {
        let bytes = serde_json::to_vec(&self.state).map_err(std::io::Error::other)?;
        write_durable(&self.dir.join("state.json"), &bytes)
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }
}
