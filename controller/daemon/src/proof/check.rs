//! The background check of a log's older segments: started at open on its own thread, so a
//! board with years of log starts at once; its verdict is taken by [`ProofLog::poll_check`], and
//! damage it finds continues the chain in a new segment, as damage found at open does.

use std::path::PathBuf;

use super::chain::{self, ChainError, Report};
use super::{Finding, ProofLog, report_ok, segment_path};

/// The background check of the segments before the last: their verdict from the start of the
/// chain and the newest entry time of each.
pub(super) type Checked = (Report, Vec<Option<jiff::Timestamp>>);

/// A background check of the older segments, running.
#[derive(Debug)]
pub(super) struct Checking {
    paths: Vec<PathBuf>,
    /// The number of the first of `paths`.
    first: usize,
    /// The (hash, seq) the segment read at open continues from.
    anchor: (String, u64),
    rx: std::sync::mpsc::Receiver<std::io::Result<Checked>>,
}

impl Checking {
    pub(super) fn start(
        paths: Vec<PathBuf>,
        first: usize,
        from: (String, u64),
        anchor: (String, u64),
    ) -> std::io::Result<Self> {
        let (tx, rx) = std::sync::mpsc::channel();
        let todo = paths.clone();
        std::thread::Builder::new().name("proof-check".into()).spawn(move || {
            let mut latest = Vec::with_capacity(todo.len());
            let r = chain::verify_with_latest(&todo, from, &mut latest).map(|r| (r, latest));
            let _ = tx.send(r);
        })?;
        Ok(Self {
            paths,
            first,
            anchor,
            rx,
        })
    }
}

impl ProofLog {
    /// The result of the background check of the older segments, once it is done (`None` before,
    /// and after it was taken): what it found, for the log and the status. When the segment read
    /// at open does not continue the checked chain (damage in an older segment, or a link broken
    /// between them), the log goes on in a new segment whose `repaired` entry chains to the last
    /// good entry, as for damage found at open.
    pub fn poll_check(&mut self, now: jiff::Timestamp) -> Option<Vec<Finding>> {
        let result = match self.checking.as_ref()?.rx.try_recv() {
            Ok(r) => r,
            Err(std::sync::mpsc::TryRecvError::Empty) => return None,
            Err(std::sync::mpsc::TryRecvError::Disconnected) => {
                Err(std::io::Error::other("the check of the older segments stopped"))
            }
        };
        let checking = self.checking.take()?;
        Some(self.checked(checking, result, now))
    }

    /// [`ProofLog::poll_check`], waiting for the check to end (tests, and tools that need the
    /// verdict now).
    pub fn finish_check(&mut self, now: jiff::Timestamp) -> Vec<Finding> {
        let Some(checking) = self.checking.take() else {
            return Vec::new();
        };
        let result = checking
            .rx
            .recv()
            .unwrap_or_else(|_| Err(std::io::Error::other("the check of the older segments stopped")));
        self.checked(checking, result, now)
    }

    fn checked(&mut self, c: Checking, result: std::io::Result<Checked>, now: jiff::Timestamp) -> Vec<Finding> {
        let (report, latest) = match result {
            Ok(r) => r,
            Err(e) => {
                let message = format!("the older segments of the log cannot be read: {e}");
                tracing::error!("proof-of-display log: {message}");
                return vec![Finding {
                    kind: "damaged",
                    message,
                }];
            }
        };
        let mut findings = Vec::new();
        for p in report.problems() {
            let message = format!(
                "{p}: the log was changed after it was written (tampering or disk corruption); entries from that \
                 line on are not trusted"
            );
            tracing::error!("proof-of-display log damaged: {message}");
            findings.push(Finding {
                kind: "damaged",
                message,
            });
        }
        for (slot, t) in self.latest.iter_mut().skip(c.first - 1).zip(latest) {
            *slot = t;
        }
        let (good_hash, good_seq) = (report.last_hash.clone(), report.entries);
        let mut segs = report.segments;
        segs.append(&mut self.opened);
        self.opened = segs;
        if (good_hash.as_str(), good_seq) != (c.anchor.0.as_str(), c.anchor.1) {
            let at = c.first + c.paths.len();
            let name = segment_path(&self.dir, at)
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            if report_ok(&self.opened[..c.paths.len()]) {
                let message = format!(
                    "{name}:1: does not chain to the entry before it (edited, removed or reordered): the log was \
                     changed after it was written"
                );
                tracing::error!("proof-of-display log damaged: {message}");
                findings.push(Finding {
                    kind: "damaged",
                    message,
                });
            }
            if let Some(seg) = self.opened.get_mut(c.paths.len()) {
                seg.problem.get_or_insert(ChainError {
                    path: segment_path(&self.dir, at).display().to_string(),
                    line: 1,
                    message: "does not chain to the entry before it (edited, removed or reordered)".into(),
                    torn: false,
                });
            }
            let note =
                format!("damage before {name}; the chain continues here from entry {good_seq}, the last good one");
            if let Err(e) = self.continue_from(&good_hash, good_seq, now, note) {
                tracing::error!("proof-of-display log: cannot start a new segment after the damage: {e}");
            }
        }
        findings
    }
}
