//! The core's storage part: the state file, the proof-of-display log and what has not reached the
//! disk yet. The order of writes is its promise (docs/durability.md): the proof entries first,
//! then the state that counts them, then the receipts that claim either ([`Storage::on_disk`]).

use jiff::{SignedDuration, Timestamp};

use super::{
    PROOF_REOPEN_INTERVAL, PROOF_SYNC_INTERVAL, RETRY_INTERVAL, SCHEDULER_SAVE_INTERVAL, SPACE_CHECK_INTERVAL,
};
use crate::disk::{Disk, Space};
use crate::ingest::Receipt;
use crate::proof::{Entry, Finding, ProofLog};
use crate::store::Store;

/// The disk: the state file, the proof-of-display log, and its free space.
#[derive(Debug)]
pub(super) struct Storage {
    /// The data folder and the screen's id, as configured.
    pub(super) data_dir: std::path::PathBuf,
    pub(super) screen: String,
    pub(super) disk: Disk,
    pub(super) store: Store,
    pub(super) proof: Option<ProofLog>,
    pub(super) proof_findings: Vec<Finding>,
    /// Proof entries waiting while the log cannot be opened.
    pub(super) proof_backlog: Vec<Entry>,
    /// When the daemon started, while the log it could not open then has no start entry yet.
    pub(super) start_unmarked: Option<Timestamp>,
    pub(super) last_proof_open: Timestamp,
    pub(super) last_proof_sync: Timestamp,
    /// The data directory's file system, asked every minute.
    pub(super) space: Option<Space>,
    pub(super) last_space_check: Option<Timestamp>,
    pub(super) writes: Writes,
}

/// What has not reached the disk yet, and why.
#[derive(Debug)]
pub(super) struct Writes {
    /// A change that must reach the disk has not (the write failed): retried every second.
    pub(super) state_unsaved: bool,
    /// Receipts whose change has not reached the disk yet (it was full): sent after the next
    /// successful write.
    pub(super) unsaved_receipts: Vec<Receipt>,
    /// The rotation position changed, or receipts left the outbox, since the last write.
    pub(super) scheduler_unsaved: bool,
    pub(super) last_save: Timestamp,
    pub(super) last_retry: Timestamp,
    /// The latest failed write, cleared by the next successful one.
    pub(super) error: Option<String>,
}

impl Writes {
    pub(super) fn new(now: Timestamp, state_unsaved: bool) -> Self {
        Self {
            state_unsaved,
            unsaved_receipts: Vec::new(),
            scheduler_unsaved: false,
            last_save: now,
            last_retry: now,
            error: None,
        }
    }
}

impl Storage {
    /// Everything changed so far is on the disk: the state, and the proof entries behind it
    /// (a receipt that claims either waits until then).
    pub(super) fn on_disk(&self) -> bool {
        !self.writes.state_unsaved && self.proof.as_ref().is_none_or(|p| !p.needs_sync())
    }

    /// The proof log's reach as the state records it: the entries fsynced.
    pub(super) fn proof_seq(&self) -> u64 {
        self.proof
            .as_ref()
            .map_or(self.store.state.proof_seq, ProofLog::durable_seq)
    }

    pub(super) fn wrote(&mut self, now: Timestamp) {
        self.writes.last_save = now;
        self.writes.state_unsaved = false;
        self.writes.scheduler_unsaved = false;
        if let Some(e) = self.writes.error.take() {
            tracing::info!("the disk accepts writes again (after: {e})");
        }
    }

    pub(super) fn failed(&mut self, what: &str, e: &std::io::Error) {
        let msg = format!("{what}: {e}");
        if self.writes.error.as_deref() != Some(msg.as_str()) {
            tracing::error!("{msg}");
        }
        self.writes.error = Some(msg);
    }

    /// Report a failed proof-log write (the entries stay queued in the log).
    pub(super) fn proof_result(&mut self, r: std::io::Result<()>) {
        if let Err(e) = r {
            let pending = self.proof.as_ref().map_or(0, ProofLog::pending);
            self.failed(
                &format!("cannot write to the proof-of-display log ({pending} entries wait in memory)"),
                &e,
            );
        }
    }

    /// Save the current state now; on failure remember to retry.
    pub(super) fn save(&mut self, now: Timestamp) {
        self.writes.last_retry = now;
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
                self.writes.state_unsaved = true;
                self.failed("cannot write the state (retrying every second)", &e);
            }
        }
    }

    /// Housekeeping, called at least once a second: fsync the proof log (group commit), retry a
    /// failed write, write the rotation position when a minute has passed.
    pub(super) fn tick(&mut self, now: Timestamp) {
        if self.proof.is_none() && now.duration_since(self.last_proof_open) >= PROOF_REOPEN_INTERVAL {
            self.last_proof_open = now;
            if let Ok((mut log, findings)) = ProofLog::open(&self.data_dir, self.disk.clone(), &self.screen, now) {
                tracing::info!("the proof-of-display log is open again");
                // The stop before this daemon's start goes into the chain before what it showed since.
                if let Some(started) = self.start_unmarked.take()
                    && let Err(e) = log.mark_start(started)
                {
                    tracing::error!("cannot mark the daemon's start in the proof-of-display log: {e}");
                }
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
            self.space = crate::disk::space(&self.data_dir);
            match self.space {
                Some(s) if s.low() && !was_low => tracing::warn!(
                    "the disk of {} is nearly full: {} MB free of {} MB; move old proof-of-display segments off \
                     the board (pinghu log archive --before DATE --to DIR) before writes fail",
                    self.data_dir.display(),
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
        if self.writes.state_unsaved && now.duration_since(self.writes.last_retry) >= RETRY_INTERVAL
            || self.writes.scheduler_unsaved && now.duration_since(self.writes.last_save) >= SCHEDULER_SAVE_INTERVAL
        {
            self.save(now);
        }
    }

    /// When [`Core::tick`] has work next.
    pub(super) fn next_tick(&self, now: Timestamp) -> Timestamp {
        let mut t = now + SignedDuration::from_hours(1);
        if self.proof.as_ref().is_some_and(ProofLog::needs_sync) {
            t = t.min(self.last_proof_sync + PROOF_SYNC_INTERVAL);
        }
        if self.writes.state_unsaved {
            t = t.min(self.writes.last_retry + RETRY_INTERVAL);
        }
        if self.writes.scheduler_unsaved {
            t = t.min(self.writes.last_save + SCHEDULER_SAVE_INTERVAL);
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
    pub(super) fn shutdown(&mut self, now: Timestamp) {
        if let Some(p) = &mut self.proof
            && let Err(e) = p.sync()
        {
            tracing::error!("cannot write the proof-of-display log at shutdown: {e}");
        }
        // The state records how far the proof log reached (checked at the next start).
        if self.writes.scheduler_unsaved || self.writes.state_unsaved || self.store.state.proof_seq != self.proof_seq()
        {
            self.save(now);
        }
    }
    pub(super) fn append_proof(&mut self, entry: Entry) {
        match &mut self.proof {
            Some(proof) => {
                let r = proof.append(entry);
                self.proof_result(r);
            }
            None if self.proof_backlog.len() < crate::proof::MAX_PENDING => self.proof_backlog.push(entry),
            None => {}
        }
    }
}
