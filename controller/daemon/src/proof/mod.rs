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

use crate::disk::Disk;

mod chain;
mod check;
mod layout;

pub use chain::{
    ARCHIVED, ArchiveRecord, Archived, CSV_HEADER, ChainError, DARK, Entry, FIRST_SEGMENT, Finding, GENESIS, Layout,
    MAX_SEGMENTS, REPAIRED, Report, STARTED, Segment, began, csv_row, for_each_verified, for_each_verified_from,
    for_each_verified_in, layout, segment_path, segments, to_csv, verify_dir, verify_files,
};
use chain::{line_of, scan, seal};
use check::Checking;

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
        let disk = disk.for_purpose(crate::disk::Purpose::Proof);
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
                    crate::disk::file_stamp(now),
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

    /// Mark in the chain, at once and durably, that the daemon starts on a log that has entries:
    /// from its last entry until now the board is not proven to have shown anything, and a spot
    /// on the glass then is not proven to have run its length (docs/reports.md, *Outages*).
    pub fn mark_start(&mut self, now: jiff::Timestamp) -> std::io::Result<()> {
        if self.seq == 0 {
            return Ok(());
        }
        let since = self.latest.iter().flatten().max().copied();
        self.append(chain::Entry::started(now, &self.screen.clone(), since))?;
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
mod tests;
