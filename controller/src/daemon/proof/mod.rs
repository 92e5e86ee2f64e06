//! The proof-of-display log: one JSON line per thing the card acknowledged showing, each entry
//! carrying the SHA-256 of the previous entry, so removing or editing a line breaks the chain.
//! `pinghu log verify` checks it; `pinghu log export` writes it for an auditor.
//!
//! **Damage never stops the board.** When the daemon opens the log:
//! * a **torn last line** (a power cut during an append: a partial line, or zeros) is moved aside
//!   to `proof-of-display.torn-TIME-SEQ.bin`, the intact prefix is kept, and a chained `repaired`
//!   entry records what was cut, so the gap is in the chain for everyone to see;
//! * **damage inside** (an edited, removed or reordered line; disk corruption) is left as
//!   evidence, reported at every start (log, status, `log verify`, naming the line), and the log
//!   continues in a new segment `proof-of-display.N.jsonl` whose first entry, a `repaired` entry,
//!   chains to the last good hash before the damage.
//!
//! **Group commit.** Entries are written at once (a process crash loses none) but fsynced at most
//! once a second by the caller ([`ProofLog::sync`]), so a power cut can cost about one second of
//! entries, which the torn-line repair then marks. An entry that cannot be written (a full disk)
//! stays queued in memory and is written, in order, when the disk accepts it again.

use std::collections::VecDeque;
use std::fs::File;
use std::path::{Path, PathBuf};

use crate::daemon::disk::Disk;

mod chain;

pub use chain::{
    ChainError, DARK, Entry, FIRST_SEGMENT, Finding, GENESIS, MAX_SEGMENTS, REPAIRED, Report, Segment, read_segments,
    segment_path, segments, to_csv, verified_entries, verify_contents, verify_dir, verify_files,
};
use chain::{line_of, scan, seal};

/// An open, append-only log.
#[derive(Debug)]
pub struct ProofLog {
    dir: PathBuf,
    disk: Disk,
    screen: String,
    path: PathBuf,
    file: Option<File>,
    len: u64,
    last: String,
    seq: u64,
    /// Written since the last fsync.
    dirty: bool,
    /// Entries not yet written (the disk refused them).
    pending: VecDeque<Entry>,
    /// A failed write could not be undone: reopen (and repair) before writing again.
    broken: bool,
    /// Entries dropped because the queue was full.
    pub dropped: u64,
}

/// Most entries kept in memory while the disk refuses writes.
pub const MAX_PENDING: usize = 10_000;

impl ProofLog {
    /// Open the log in `dir`, repairing a torn last line and continuing after damage (see the
    /// module documentation). Only an I/O error (an unreadable file, a failing disk) is an error.
    pub fn open(dir: &Path, disk: Disk, screen: &str, now: jiff::Timestamp) -> std::io::Result<(Self, Vec<Finding>)> {
        let disk = disk.for_purpose(crate::daemon::disk::Purpose::Proof);
        let mut findings = Vec::new();
        let segs = segments(dir);
        let mut prev = GENESIS.to_owned();
        let mut seq = 0u64;
        let mut path = segment_path(dir, 1);
        let mut newline = false;
        for (i, seg_path) in segs.iter().enumerate() {
            let bytes = std::fs::read(seg_path)?;
            let seg = scan(seg_path, &bytes, &mut prev, &mut seq);
            let last = i + 1 == segs.len();
            path.clone_from(seg_path);
            let Some(problem) = seg.problem.clone() else {
                newline = last && seg.unterminated;
                continue;
            };
            let name = seg_path.file_name().unwrap_or_default().to_string_lossy().into_owned();
            if problem.torn && last {
                let tail = &bytes[seg.good_len..];
                let aside = dir.join(format!(
                    "proof-of-display.torn-{}-{}.bin",
                    crate::daemon::disk::file_stamp(now),
                    seq + 1
                ));
                disk.write_atomic(&aside, tail)?;
                let note = format!(
                    "{} bytes of an unfinished entry at {name}:{} (a power cut during an append) were cut and moved to {}",
                    tail.len(),
                    problem.line,
                    aside.file_name().unwrap_or_default().to_string_lossy()
                );
                let entry = seal(Entry::repaired(now, screen, note.clone()), &prev, seq);
                let mut content = bytes[..seg.good_len].to_vec();
                if seg.unterminated {
                    content.push(b'\n');
                }
                content.extend_from_slice(&line_of(&entry));
                disk.write_atomic(seg_path, &content)?;
                prev.clone_from(&entry.hash);
                seq = entry.seq;
                tracing::warn!("proof-of-display log repaired: {note}");
                findings.push(Finding {
                    kind: "repaired",
                    message: note,
                });
            } else {
                let message = format!(
                    "{problem}: the log was changed after it was written (tampering or disk corruption); \
                     entries from that line on are not trusted"
                );
                tracing::error!("proof-of-display log damaged: {message}");
                findings.push(Finding {
                    kind: "damaged",
                    message: message.clone(),
                });
                if last {
                    let next = segment_path(dir, i + 2);
                    let note = format!(
                        "damage at {name}:{} ({}); the chain continues here from entry {seq}, the last good one",
                        problem.line, problem.message
                    );
                    let entry = seal(Entry::repaired(now, screen, note), &prev, seq);
                    disk.write_atomic(&next, &line_of(&entry))?;
                    prev.clone_from(&entry.hash);
                    seq = entry.seq;
                    path = next;
                }
            }
        }
        let file = disk.open_append(&path)?;
        let mut log = Self {
            dir: dir.to_path_buf(),
            disk,
            screen: screen.to_owned(),
            len: file.metadata()?.len(),
            file: Some(file),
            path,
            last: prev,
            seq,
            dirty: false,
            pending: VecDeque::new(),
            broken: false,
            dropped: 0,
        };
        if newline && let Some(f) = log.file.as_mut() {
            log.disk.write_all(f, b"\n")?;
            log.len += 1;
            log.dirty = true;
        }
        Ok((log, findings))
    }

    /// The segment being written.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Entries so far.
    pub fn seq(&self) -> u64 {
        self.seq
    }

    /// Entries waiting for the disk.
    pub fn pending(&self) -> usize {
        self.pending.len()
    }

    /// Something was written and not yet fsynced, or is waiting to be written.
    pub fn needs_sync(&self) -> bool {
        self.dirty || !self.pending.is_empty()
    }

    /// Queue an entry and write it (and any earlier ones the disk refused). Not fsynced: call
    /// [`ProofLog::sync`] at most once a second.
    pub fn append(&mut self, e: Entry) -> std::io::Result<()> {
        if self.pending.len() >= MAX_PENDING {
            self.pending.pop_front();
            self.dropped += 1;
        }
        self.pending.push_back(e);
        self.drain()
    }

    fn drain(&mut self) -> std::io::Result<()> {
        if self.broken {
            let (fresh, findings) = Self::open(&self.dir, self.disk.clone(), &self.screen, jiff::Timestamp::now())?;
            for f in findings {
                tracing::warn!("proof-of-display log: {}", f.message);
            }
            let pending = std::mem::take(&mut self.pending);
            let dropped = self.dropped;
            *self = fresh;
            self.pending = pending;
            self.dropped = dropped;
        }
        while let Some(e) = self.pending.front() {
            let sealed = seal(e.clone(), &self.last, self.seq);
            let line = line_of(&sealed);
            if self.file.is_none() {
                self.file = Some(self.disk.open_append(&self.path)?);
            }
            let Some(f) = self.file.as_mut() else { break };
            if let Err(err) = self.disk.write_all(f, &line) {
                // Undo a partial line, or repair it on the next attempt.
                if self.disk.set_len(f, self.len).is_err() {
                    self.broken = true;
                    self.file = None;
                }
                return Err(err);
            }
            self.len += line.len() as u64;
            self.seq = sealed.seq;
            self.last = sealed.hash;
            self.dirty = true;
            self.pending.pop_front();
        }
        Ok(())
    }

    /// Write what is queued and fsync what was written.
    pub fn sync(&mut self) -> std::io::Result<()> {
        self.drain()?;
        if self.dirty
            && let Some(f) = &self.file
        {
            self.disk.sync(f)?;
            self.dirty = false;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(content: &str) -> Entry {
        Entry::shown(
            "2026-11-28T01:00:00Z".into(),
            "s".into(),
            content.into(),
            "rotation".into(),
            "ab".into(),
        )
    }

    fn now() -> jiff::Timestamp {
        "2026-11-29T03:00:00Z".parse().unwrap()
    }

    fn open(dir: &Path) -> (ProofLog, Vec<Finding>) {
        ProofLog::open(dir, Disk::new(), "s", now()).unwrap()
    }

    fn write(dir: &Path, items: &[&str]) -> ProofLog {
        let (mut log, _) = open(dir);
        for c in items {
            log.append(entry(c)).unwrap();
        }
        log.sync().unwrap();
        log
    }

    #[test]
    fn chain_verifies_and_detects_tampering() {
        let dir = tempfile::tempdir().unwrap();
        let log = write(dir.path(), &["item a", "announcement x r1", "item b"]);
        assert_eq!(verify_dir(dir.path()).unwrap().entries, 3);
        drop(log);
        // Reopen and continue the chain.
        let log = write(dir.path(), &["item c"]);
        let r = verify_dir(dir.path()).unwrap();
        assert_eq!((r.entries, r.problems().len()), (4, 0));
        let text = std::fs::read_to_string(log.path()).unwrap();
        let edited = text.replacen("announcement x r1", "announcement y r1", 1);
        std::fs::write(log.path(), &edited).unwrap();
        let r = verify_dir(dir.path()).unwrap();
        assert!(r.problems()[0].message.contains("hash mismatch"));
        assert_eq!(r.problems()[0].line, 2);
        let lines: Vec<&str> = text.lines().collect();
        std::fs::write(log.path(), [lines[0], lines[2], lines[3]].join("\n")).unwrap();
        let r = verify_dir(dir.path()).unwrap();
        let e = r.problems()[0];
        assert_eq!(e.line, 2);
        assert!(e.message.contains("missing or repeated"), "{e}");
        assert!(!e.torn);
    }

    #[test]
    fn entries_written_before_this_version_still_verify() {
        // An entry as the previous version wrote it (no kind, no note).
        let dir = tempfile::tempdir().unwrap();
        let mut e = seal(entry("item a"), GENESIS, 0);
        let old = serde_json::to_string(&e).unwrap();
        assert!(!old.contains("kind") && !old.contains("note"));
        e.kind = None;
        std::fs::write(dir.path().join(FIRST_SEGMENT), old + "\n").unwrap();
        assert_eq!(verify_dir(dir.path()).unwrap().entries, 1);
    }

    #[test]
    fn a_torn_last_line_is_cut_recorded_and_the_log_goes_on() {
        for tail in [
            &b"{\"seq\":4,\"at\":\"2026-11-"[..],
            &[0u8; 300][..],
            b"{\"seq\":4}\n\0\0\0",
        ] {
            let dir = tempfile::tempdir().unwrap();
            drop(write(dir.path(), &["item a", "item b", "item c"]));
            let path = dir.path().join(FIRST_SEGMENT);
            let mut bytes = std::fs::read(&path).unwrap();
            bytes.extend_from_slice(tail);
            std::fs::write(&path, &bytes).unwrap();
            let before = verify_dir(dir.path()).unwrap();
            assert!(before.problems()[0].torn, "{:?}", before.problems());

            let (mut log, findings) = open(dir.path());
            assert_eq!(findings.len(), 1);
            assert_eq!(findings[0].kind, "repaired");
            assert!(
                findings[0].message.contains(&format!("{} bytes", tail.len())),
                "{findings:?}"
            );
            log.append(entry("item d")).unwrap();
            log.sync().unwrap();
            let r = verify_dir(dir.path()).unwrap();
            assert!(r.problems().is_empty(), "{:?}", r.problems());
            assert_eq!(r.entries, 5, "3 kept, the repair, then the new entry");
            assert_eq!(r.repairs().len(), 1);
            assert_eq!(r.repairs()[0].1, 4);
            let moved: Vec<_> = std::fs::read_dir(dir.path())
                .unwrap()
                .filter_map(|e| {
                    let n = e.unwrap().file_name().to_string_lossy().into_owned();
                    n.starts_with("proof-of-display.torn-").then_some(n)
                })
                .collect();
            assert_eq!(moved.len(), 1);
            assert_eq!(std::fs::read(dir.path().join(&moved[0])).unwrap(), tail);
        }
    }

    #[test]
    fn damage_inside_is_kept_reported_and_the_chain_continues_in_a_new_segment() {
        let dir = tempfile::tempdir().unwrap();
        drop(write(dir.path(), &["item a", "item b", "item c", "item d"]));
        let path = dir.path().join(FIRST_SEGMENT);
        let text = std::fs::read_to_string(&path).unwrap();
        let damaged = text.replacen("item b", "item X", 1);
        std::fs::write(&path, &damaged).unwrap();

        let (mut log, findings) = open(dir.path());
        assert_eq!(findings[0].kind, "damaged");
        assert!(
            findings[0].message.contains("proof-of-display.jsonl:2: hash mismatch"),
            "{findings:?}"
        );
        assert_eq!(log.path(), segment_path(dir.path(), 2));
        log.append(entry("item e")).unwrap();
        log.sync().unwrap();
        drop(log);
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            damaged,
            "the evidence is untouched"
        );

        let r = verify_dir(dir.path()).unwrap();
        assert_eq!(r.segments.len(), 2);
        assert_eq!(r.problems().len(), 1, "the damage stays visible");
        assert_eq!(r.problems()[0].line, 2);
        assert_eq!(r.segments[1].entries, 2, "the repair entry, then item e");
        assert!(
            r.segments[1].problem.is_none(),
            "segment 2 chains to entry 1, the last good one"
        );
        // Reopening reports the damage again but needs no new segment.
        let (log, findings) = open(dir.path());
        assert_eq!(findings.len(), 1);
        assert_eq!(log.path(), segment_path(dir.path(), 2));
    }

    #[test]
    fn a_full_disk_keeps_entries_queued_and_never_leaves_a_partial_line() {
        let dir = tempfile::tempdir().unwrap();
        let disk = Disk::new();
        let (mut log, _) = ProofLog::open(dir.path(), disk.clone(), "s", now()).unwrap();
        log.append(entry("item a")).unwrap();
        disk.fail(0, u64::MAX, crate::daemon::disk::ENOSPC);
        assert!(log.append(entry("item b")).is_err());
        assert!(log.append(entry("item c")).is_err());
        assert!(log.sync().is_err());
        assert_eq!(log.pending(), 2);
        disk.heal();
        log.sync().unwrap();
        assert_eq!(log.pending(), 0);
        let r = verify_dir(dir.path()).unwrap();
        assert_eq!((r.entries, r.problems().len()), (3, 0));
    }
}
