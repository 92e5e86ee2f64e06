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
//! **Years of log.** A segment holds about [`ROTATE_AT`] bytes, then the chain goes on in the next
//! one. Opening reads only the last segment (from the anchor its first entry gives); the older
//! ones are checked from the start of the chain in a background thread, whose verdict
//! [`ProofLog::poll_check`] hands over (damage found there is handled as above). Every reader
//! goes a line at a time.
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
    ARCHIVED, ArchiveRecord, Archived, CSV_HEADER, ChainError, DARK, Entry, FIRST_SEGMENT, Finding, GENESIS, Layout,
    MAX_SEGMENTS, REPAIRED, Report, Segment, began, csv_row, for_each_verified, for_each_verified_from,
    for_each_verified_in, layout, segment_path, segments, to_csv, verify_dir, verify_files,
};
use chain::{line_of, scan, seal};

/// An open, append-only log.
#[derive(Debug)]
pub struct ProofLog {
    dir: PathBuf,
    disk: Disk,
    screen: String,
    path: PathBuf,
    /// The number of the segment being written (1 = `proof-of-display.jsonl`).
    index: usize,
    /// Start the next segment once this one holds this many bytes.
    rotate_at: u64,
    /// What reading the log at open found, segment by segment (with the repairs made then).
    opened: Vec<Segment>,
    /// The newest entry time of each segment, in order (the last one grows as entries are added).
    latest: Vec<Option<jiff::Timestamp>>,
    /// The check of the segments before the one read at open, while it runs.
    checking: Option<Checking>,
    file: Option<File>,
    len: u64,
    last: String,
    seq: u64,
    /// Entries known to be on the disk (fsynced): what the state may record as the log's reach.
    durable: u64,
    /// Written since the last fsync.
    dirty: bool,
    /// Entries not yet written (the disk refused them).
    pending: VecDeque<Entry>,
    /// A failed write could not be undone: reopen (and repair) before writing again.
    broken: bool,
    /// Entries dropped because the queue was full.
    pub dropped: u64,
}

/// The background check of the segments before the last: their verdict from the start of the
/// chain and the newest entry time of each.
type Checked = (Report, Vec<Option<jiff::Timestamp>>);

/// A background check of the older segments, running.
#[derive(Debug)]
struct Checking {
    paths: Vec<PathBuf>,
    /// The number of the first of `paths`.
    first: usize,
    /// The (hash, seq) the segment read at open continues from.
    anchor: (String, u64),
    rx: std::sync::mpsc::Receiver<std::io::Result<Checked>>,
}

impl Checking {
    fn start(paths: Vec<PathBuf>, first: usize, from: (String, u64), anchor: (String, u64)) -> std::io::Result<Self> {
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

fn report_ok(segs: &[Segment]) -> bool {
    segs.iter().all(|s| s.problem.is_none())
}

/// Most entries kept in memory while the disk refuses writes.
pub const MAX_PENDING: usize = 10_000;

/// A segment holds about this many bytes, then the log continues in the next one
/// (`proof-of-display.N.jsonl`, its first entry chained to the last of the one before). With the
/// sample playlist that is about three days; it bounds what a repair after a power cut rewrites
/// and what is read whole, however many years the log covers.
pub const ROTATE_AT: u64 = 16 * 1024 * 1024;

impl ProofLog {
    /// Open the log in `dir`, repairing a torn last line and continuing after damage (see the
    /// module documentation). Only an I/O error (an unreadable file, a failing disk) is an error.
    pub fn open(dir: &Path, disk: Disk, screen: &str, now: jiff::Timestamp) -> std::io::Result<(Self, Vec<Finding>)> {
        let disk = disk.for_purpose(crate::daemon::disk::Purpose::Proof);
        let mut findings = Vec::new();
        // Segment numbers start after those archived (`pinghu log archive`), and the chain from
        // the last archived entry; `latest` is kept by segment number.
        let Layout {
            first,
            start,
            segments: segs,
            ..
        } = layout(dir);
        let (mut prev, mut seq) = start.clone();
        let mut path = segment_path(dir, first);
        let mut newline = false;
        let mut index = first;
        let mut scanned = Vec::new();
        let mut latest = vec![None; first - 1];
        // The segments before the last are checked in the background (`poll_check`), so the
        // start does not grow with the log: the last one is read here, from an anchor.
        let mut from = 0;
        let mut checking = None;
        if let [sealed @ .., current] = segs.as_slice()
            && !sealed.is_empty()
            && let Some((p, q)) = chain::anchor(current, sealed.last())
        {
            (prev, seq, from) = (p.clone(), q, sealed.len());
            latest.resize(first - 1 + sealed.len(), None);
            checking = Some(Checking::start(sealed.to_vec(), first, start, (p, q))?);
        }
        for (i, seg_path) in segs.iter().enumerate().skip(from) {
            // A line at a time: a log of years is read in the memory of one entry.
            let reader = std::io::BufReader::with_capacity(1 << 16, File::open(seg_path)?);
            let mut newest = None::<jiff::Timestamp>;
            let mut seg = scan(seg_path, reader, &mut prev, &mut seq, &mut |e, _| {
                newest = newest.max(e.time());
            })?;
            latest.push(newest);
            let last = i + 1 == segs.len();
            path.clone_from(seg_path);
            index = first + i;
            let Some(problem) = seg.problem.clone() else {
                newline = last && seg.unterminated;
                scanned.push(seg);
                continue;
            };
            let name = seg_path.file_name().unwrap_or_default().to_string_lossy().into_owned();
            if problem.torn && last {
                // Segments are at most ROTATE_AT (plus one entry), so this one fits in memory (a log
                // written before segments rotated is read whole this once).
                let bytes = std::fs::read(seg_path)?;
                let tail = &bytes[seg.good_len.min(bytes.len())..];
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
                seg.problem = None;
                seg.entries += 1;
                seg.repairs.push((problem.line, note.clone()));
                scanned.push(seg);
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
                scanned.push(seg);
                if last {
                    let next = segment_path(dir, first + i + 1);
                    let note = format!(
                        "damage at {name}:{} ({}); the chain continues here from entry {seq}, the last good one",
                        problem.line, problem.message
                    );
                    let entry = seal(Entry::repaired(now, screen, note.clone()), &prev, seq);
                    disk.write_atomic(&next, &line_of(&entry))?;
                    prev.clone_from(&entry.hash);
                    seq = entry.seq;
                    scanned.push(Segment {
                        path: next.clone(),
                        entries: 1,
                        repairs: vec![(1, note)],
                        ..Segment::default()
                    });
                    latest.push(Some(now));
                    path = next;
                    index = first + i + 1;
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
            index,
            rotate_at: ROTATE_AT,
            opened: scanned,
            latest,
            checking,
            last: prev,
            seq,
            durable: seq,
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

    /// Start new segments at this size instead of [`ROTATE_AT`] (tests and benches that need
    /// many segments quickly).
    #[doc(hidden)]
    pub fn set_rotate_at(&mut self, bytes: u64) {
        self.rotate_at = bytes;
    }

    /// The verdict on the whole chain without reading it again: what the daemon found when it
    /// opened the log, and everything it appended since (it is the log's only writer).
    pub fn verdict(&self) -> Report {
        Report {
            segments: self.opened.clone(),
            entries: self.seq,
            last_hash: self.last.clone(),
        }
    }

    /// The segments that can hold entries from `since` on, in order: every segment whose newest
    /// entry is that late, and the one before them (its last entry says what was on at `since`).
    /// `None` before the background check has passed, or when the chain is damaged: then only a
    /// reading from the start counts entries as `pinghu log verify` does.
    pub fn segments_since(&self, since: jiff::Timestamp) -> Option<Vec<PathBuf>> {
        self.segments_around(since, None)
    }

    /// The segments that can hold entries from `from` to `to`, in order (as
    /// [`ProofLog::segments_since`], ending with the first segment whose newest entry is `to` or
    /// later): for a day's view of a long log. `None` as there.
    pub fn segments_between(&self, from: jiff::Timestamp, to: jiff::Timestamp) -> Option<Vec<PathBuf>> {
        self.segments_around(from, Some(to))
    }

    fn segments_around(&self, from: jiff::Timestamp, to: Option<jiff::Timestamp>) -> Option<Vec<PathBuf>> {
        if self.checking.is_some() || self.opened.iter().any(|s| s.problem.is_some()) {
            return None;
        }
        let Layout { first, segments, .. } = layout(&self.dir);
        // `latest` is kept by segment number; segments are numbered from the first after those
        // archived.
        let newest = |i: usize| self.latest.get(first - 1 + i).copied().flatten();
        let start = (0..segments.len())
            .rev()
            .find(|&i| newest(i).is_some_and(|t| t < from))
            .unwrap_or(0);
        let end = to
            .and_then(|to| (start..segments.len()).find(|&i| newest(i).is_some_and(|t| t >= to)))
            .map_or(segments.len(), |e| e + 1);
        Some(segments[start..end].to_vec())
    }

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

    /// Go on in a new segment whose first entry, a `repaired` one, chains to `hash`/`seq`.
    fn continue_from(&mut self, hash: &str, seq: u64, now: jiff::Timestamp, note: String) -> std::io::Result<()> {
        self.sync()?;
        hash.clone_into(&mut self.last);
        self.seq = seq;
        self.rotate()?;
        self.pending
            .push_front(Entry::repaired(now, &self.screen, note.clone()));
        self.opened.push(Segment {
            path: self.path.clone(),
            entries: 1,
            repairs: vec![(1, note)],
            ..Segment::default()
        });
        self.drain()
    }

    /// The segment being written.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Entries so far.
    pub fn seq(&self) -> u64 {
        self.seq
    }

    /// Entries fsynced: a power cut keeps at least these. The state records this as the log's
    /// reach, so a shorter log at the next start is a loss, never a group commit's normal window.
    pub fn durable_seq(&self) -> u64 {
        self.durable
    }

    /// The chain's head: the number and hash of the newest entry written (published in the
    /// status, so a log rewritten or cut afterwards no longer reaches a head someone holds).
    pub fn head(&self) -> (u64, &str) {
        (self.seq, &self.last)
    }

    /// Mark in the chain, at once and durably, that entries are missing before this point (the
    /// state recorded more than the log holds): `log verify` and every report then count a repair
    /// here instead of a chain that looks whole.
    pub fn mark_gap(&mut self, now: jiff::Timestamp, note: String) -> std::io::Result<()> {
        self.append(chain::Entry::repaired(now, &self.screen.clone(), note))?;
        self.sync()
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
            if self.len >= self.rotate_at && self.index < MAX_SEGMENTS {
                self.rotate()?;
            }
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
            if self.latest.len() < self.index {
                self.latest.resize(self.index, None);
            }
            let slot = &mut self.latest[self.index - 1];
            *slot = (*slot).max(sealed.time());
            self.seq = sealed.seq;
            self.last = sealed.hash;
            self.dirty = true;
            self.pending.pop_front();
        }
        Ok(())
    }

    /// Close the full segment (fsynced) and continue in the next one.
    fn rotate(&mut self) -> std::io::Result<()> {
        if self.dirty
            && let Some(f) = &self.file
        {
            self.disk.sync(f)?;
            self.dirty = false;
        }
        self.durable = self.seq;
        let next = segment_path(&self.dir, self.index + 1);
        let file = self.disk.open_append(&next)?;
        // The new file's name must survive a power cut as surely as its lines.
        self.disk.sync_dir(&self.dir)?;
        tracing::info!(
            "proof-of-display log continues in {} ({} bytes in {})",
            next.display(),
            self.len,
            self.path.display()
        );
        self.file = Some(file);
        self.len = 0;
        self.path = next;
        self.index += 1;
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
        if !self.dirty {
            self.durable = self.seq;
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

    /// Open, and wait for the check of the older segments (as a daemon's status has it a moment
    /// after the start).
    fn open(dir: &Path) -> (ProofLog, Vec<Finding>) {
        let (mut log, mut findings) = ProofLog::open(dir, Disk::new(), "s", now()).unwrap();
        findings.extend(log.finish_check(now()));
        (log, findings)
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
    fn the_log_began_with_its_first_entry() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(began(dir.path()), None, "no log");
        let (log, _) = open(dir.path());
        drop(log);
        assert_eq!(began(dir.path()), None, "opened, nothing written");
        drop(write(dir.path(), &["item a", "item b"]));
        assert_eq!(began(dir.path()), Some("2026-11-28T01:00:00Z".parse().unwrap()));
        // A first line damaged: it began at some time unknown, not never.
        let first = segment_path(dir.path(), 1);
        let text = std::fs::read_to_string(&first).unwrap();
        std::fs::write(&first, text.replacen('{', "#", 1)).unwrap();
        assert_eq!(began(dir.path()), Some(jiff::Timestamp::MIN));
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
    fn a_long_log_goes_on_in_segments_and_reads_back_whole() {
        let dir = tempfile::tempdir().unwrap();
        let (mut log, _) = open(dir.path());
        log.rotate_at = 1000;
        for i in 0..20 {
            log.append(entry(&format!("item {i}"))).unwrap();
        }
        log.sync().unwrap();
        let first = std::fs::metadata(dir.path().join(FIRST_SEGMENT)).unwrap().len();
        assert!(
            (1000..1400).contains(&first),
            "a segment ends after the entry that fills it: {first}"
        );
        let r = verify_dir(dir.path()).unwrap();
        assert!(r.segments.len() >= 5, "{} segments", r.segments.len());
        assert_eq!((r.entries, r.problems().len()), (20, 0), "{:?}", r.problems());
        let mut seen = Vec::new();
        for_each_verified(&segments(dir.path()), |e, line| {
            assert_eq!(serde_json::from_slice::<Entry>(line).unwrap(), *e);
            seen.push(e.content.clone());
        })
        .unwrap();
        assert_eq!(seen.len(), 20);
        assert_eq!(seen[19], "item 19");
        let last = log.path().to_path_buf();
        drop(log);
        // Reopened, the log goes on in its last segment; a torn line there is cut from it alone.
        let mut bytes = std::fs::read(&last).unwrap();
        bytes.extend_from_slice(b"{\"seq\":21,\"at");
        std::fs::write(&last, &bytes).unwrap();
        let (mut log, findings) = open(dir.path());
        assert_eq!(findings[0].kind, "repaired", "{findings:?}");
        assert_eq!(log.path(), last);
        log.append(entry("item 20")).unwrap();
        log.sync().unwrap();
        let r = verify_dir(dir.path()).unwrap();
        assert_eq!((r.entries, r.problems().len()), (22, 0), "{:?}", r.problems());
        assert_eq!(std::fs::metadata(dir.path().join(FIRST_SEGMENT)).unwrap().len(), first);
    }

    #[test]
    fn the_daemon_reads_only_the_recent_segments_of_an_intact_log() {
        let dir = tempfile::tempdir().unwrap();
        let t0: jiff::Timestamp = "2026-11-01T00:00:00Z".parse().unwrap();
        let hour = |i: i64| t0 + jiff::SignedDuration::from_hours(i);
        let (mut log, _) = open(dir.path());
        log.rotate_at = 600;
        for i in 0..30 {
            let mut e = entry(&format!("item {i}"));
            e.at = hour(i).to_string();
            log.append(e).unwrap();
        }
        log.sync().unwrap();
        let all = segments(dir.path());
        let check = |log: &ProofLog| {
            let v = log.verdict();
            assert_eq!((v.entries, v.problems().len()), (30, 0));
            assert_eq!(v.last_hash, verify_dir(dir.path()).unwrap().last_hash);
            let recent = log.segments_since(hour(20)).unwrap();
            assert!(
                recent.len() < all.len() && recent.len() >= 2,
                "{} of {}",
                recent.len(),
                all.len()
            );
            let mut seen = Vec::new();
            let r = for_each_verified_from(&recent, |e, _| seen.push(e.content.clone())).unwrap();
            assert!(r.problems().is_empty(), "{:?}", r.problems());
            assert_eq!(r.last_hash, v.last_hash);
            let first: usize = seen[0].trim_start_matches("item ").parse().unwrap();
            assert!(first < 20, "the entry before 20:00 is there: {seen:?}");
            assert_eq!(seen.last().map(String::as_str), Some("item 29"));
            // A day's view: the segments from before 05:00 to the first one reaching 10:00.
            let day = log.segments_between(hour(5), hour(10)).unwrap();
            assert!(day.len() < recent.len().max(all.len()) && !day.is_empty(), "{day:?}");
            let mut seen = Vec::new();
            for_each_verified_from(&day, |e, _| seen.push(e.at.parse::<jiff::Timestamp>().unwrap())).unwrap();
            assert!(
                seen.first().unwrap() < &hour(5) && seen.last().unwrap() >= &hour(10),
                "{seen:?}"
            );
            assert!(seen.len() < 30);
        };
        check(&log);
        drop(log);
        // Reopened, the start reads only the last segment; the older ones are checked in the
        // background, and until that is done every reading starts from the beginning.
        let (mut log, findings) = ProofLog::open(dir.path(), Disk::new(), "s", now()).unwrap();
        assert!(findings.is_empty());
        assert!(log.segments_since(hour(20)).is_none(), "not checked yet");
        let found = loop {
            if let Some(f) = log.poll_check(now()) {
                break f;
            }
            std::thread::sleep(std::time::Duration::from_millis(1));
        };
        assert!(found.is_empty(), "{found:?}");
        check(&log);
        drop(log);
        // Damage in an older segment: found by the check, reported, and the log goes on in a new
        // segment chained to the last good entry; readings start from the beginning again.
        let text = std::fs::read_to_string(&all[1]).unwrap();
        let entries_before = text.lines().count();
        std::fs::write(&all[1], text.replacen("\"item ", "\"item X", 1)).unwrap();
        let (mut log, findings) = open(dir.path());
        assert_eq!(findings[0].kind, "damaged", "{findings:?}");
        assert!(
            findings[0]
                .message
                .contains("proof-of-display.2.jsonl:1: hash mismatch"),
            "{findings:?}"
        );
        assert!(log.segments_since(hour(20)).is_none());
        assert!(!log.verdict().problems().is_empty());
        assert_eq!(log.path(), segment_path(dir.path(), all.len() + 1));
        log.append(entry("item after")).unwrap();
        log.sync().unwrap();
        drop(log);
        let r = verify_dir(dir.path()).unwrap();
        let last = r.segments.last().unwrap();
        assert!(
            last.problem.is_none(),
            "the new segment chains to the last good entry: {r:?}"
        );
        assert_eq!(last.entries, 2);
        assert!(entries_before > 0);
        // Opened again: the same damage is reported, and no further segment is needed.
        let (log, findings) = open(dir.path());
        assert_eq!(findings.len(), r.problems().len(), "{findings:?}");
        assert_eq!(log.path(), segment_path(dir.path(), all.len() + 1));
    }

    #[test]
    fn a_crash_just_after_a_rotation_leaves_a_log_that_goes_on() {
        for last in [&b""[..], &b"{\"seq\":4,\"at"[..]] {
            let dir = tempfile::tempdir().unwrap();
            drop(write(dir.path(), &["item a", "item b", "item c"]));
            // The next segment was created (and maybe half an entry written) when the power went.
            std::fs::write(segment_path(dir.path(), 2), last).unwrap();
            let (mut log, findings) = open(dir.path());
            assert_eq!(findings.len(), usize::from(!last.is_empty()), "{findings:?}");
            assert_eq!(log.path(), segment_path(dir.path(), 2));
            log.append(entry("item d")).unwrap();
            log.sync().unwrap();
            let r = verify_dir(dir.path()).unwrap();
            assert!(r.problems().is_empty(), "{:?}", r.problems());
            assert_eq!(
                r.entries,
                4 + u64::from(!last.is_empty()),
                "a repair entry when a line was cut"
            );
        }
    }

    #[test]
    fn an_endless_line_is_damage_not_a_memory_hog() {
        let dir = tempfile::tempdir().unwrap();
        drop(write(dir.path(), &["item a"]));
        let path = dir.path().join(FIRST_SEGMENT);
        let mut bytes = std::fs::read(&path).unwrap();
        bytes.extend(std::iter::repeat_n(b'x', 200_000));
        bytes.push(b'\n');
        bytes.extend_from_slice(&std::fs::read(&path).unwrap());
        std::fs::write(&path, &bytes).unwrap();
        let r = verify_dir(dir.path()).unwrap();
        let p = r.problems()[0];
        assert_eq!(p.line, 2);
        assert!(p.message.contains("more than 65536 bytes") && !p.torn, "{p}");
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
