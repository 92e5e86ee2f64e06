//! The chain itself: entries, their hashes, and reading the segment files back (what
//! `pinghu log verify` and the log's own start-up both use).

use std::io::BufRead;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use super::layout::{
    ARCHIVED, ArchiveRecord, Archived, FIRST_SEGMENT, Layout, MAX_SEGMENTS, layout, segment_path, segments,
};

/// The genesis `prev`.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One entry. `hash` = SHA-256 over the entry serialised with `hash` empty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub seq: u64,
    pub at: String,
    pub screen: String,
    /// Absent: the card showed `content`. `repaired`: the log itself was repaired (see `note`).
    /// `dark`: the glass went dark (`content` says how: `power off`, `blank`). `start`: the
    /// daemon started after a stop (a shutdown, a crash or a power cut): from the entry before it
    /// to this one nothing is proven (`note` says from when).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// `item ID` or `announcement ID rREV`.
    pub content: String,
    pub layer: String,
    pub frame_sha256: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// A campaign's spot: the campaign's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub campaign: Option<String>,
    /// A campaign's spot: the seconds it was to stay (dwell time for each page).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub planned_s: Option<u32>,
    pub prev: String,
    pub hash: String,
}

/// The `kind` of an entry recording a repair of the log.
pub const REPAIRED: &str = "repaired";
/// The `kind` of an entry recording that the glass went dark.
pub const DARK: &str = "dark";
/// The `kind` of the entry a daemon writes when it starts on a log that has entries: what the
/// board did between the entry before it and this one is not proven (an outage).
pub const STARTED: &str = "start";

impl Entry {
    /// An entry for content the card showed (`seq`, `prev` and `hash` are filled in on append).
    pub fn shown(at: String, screen: String, content: String, layer: String, frame_sha256: String) -> Self {
        Self {
            seq: 0,
            at,
            screen,
            kind: None,
            content,
            layer,
            frame_sha256,
            key_id: None,
            signature: None,
            note: None,
            campaign: None,
            planned_s: None,
            prev: String::new(),
            hash: String::new(),
        }
    }

    pub fn repaired(at: jiff::Timestamp, screen: &str, note: String) -> Self {
        let mut e = Self::shown(
            at.to_string(),
            screen.into(),
            "repair".into(),
            "-".into(),
            String::new(),
        );
        e.kind = Some(REPAIRED.into());
        e.note = Some(note);
        e
    }

    /// The glass went dark: `how` is `power off` or `blank`.
    pub fn dark(at: jiff::Timestamp, screen: &str, how: &str) -> Self {
        let mut e = Self::shown(at.to_string(), screen.into(), how.into(), "-".into(), String::new());
        e.kind = Some(DARK.into());
        e
    }

    /// The daemon started at `at`; `since` is the time of the log's entry before this one.
    pub fn started(at: jiff::Timestamp, screen: &str, since: Option<jiff::Timestamp>) -> Self {
        let mut e = Self::shown(
            at.to_string(),
            screen.into(),
            "daemon start".into(),
            "-".into(),
            String::new(),
        );
        e.kind = Some(STARTED.into());
        e.note = Some(match since {
            Some(t) => format!(
                "the daemon started; nothing on the glass is proven from {t} (the entry before this one) until now: \
                 it was stopped, crashed or lost power"
            ),
            None => "the daemon started".to_owned(),
        });
        e
    }

    /// An entry after which nothing shown is proven until the next entry: the log repaired, or
    /// the daemon started after a stop.
    pub fn is_outage(&self) -> bool {
        matches!(self.kind.as_deref(), Some(REPAIRED | STARTED))
    }

    /// When it was written (`at`), if that parses.
    pub fn time(&self) -> Option<jiff::Timestamp> {
        self.at.parse().ok()
    }

    pub fn is_repair(&self) -> bool {
        self.kind.as_deref() == Some(REPAIRED)
    }
}

pub(super) fn hash_of(e: &Entry) -> String {
    let mut c = e.clone();
    c.hash = String::new();
    let bytes = serde_json::to_vec(&c).unwrap_or_default();
    crate::ingest::sha256_hex(&bytes)
}

pub(super) fn seal(mut e: Entry, prev: &str, seq: u64) -> Entry {
    e.seq = seq + 1;
    prev.clone_into(&mut e.prev);
    e.hash = String::new();
    e.hash = hash_of(&e);
    e
}

pub(super) fn line_of(e: &Entry) -> Vec<u8> {
    let mut line = serde_json::to_vec(e).unwrap_or_default();
    line.push(b'\n');
    line
}

/// Why a log does not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}:{line}: {message}")]
pub struct ChainError {
    pub path: String,
    pub line: usize,
    pub message: String,
    /// Only unfinished or unreadable lines follow: what a power cut during an append leaves.
    pub torn: bool,
}

/// What reading one segment found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Segment {
    pub path: PathBuf,
    /// Entries that verify, up to the first problem.
    pub entries: u64,
    /// `repaired` entries: (line, note).
    pub repairs: Vec<(usize, String)>,
    pub problem: Option<ChainError>,
    /// Bytes of the verified prefix.
    pub(super) good_len: usize,
    /// The last verified line lacks its newline.
    pub(super) unterminated: bool,
}

/// The longest line read as an entry; a longer one (damage, or not a log at all) is a problem,
/// read past without holding it in memory.
const MAX_LINE: usize = 64 * 1024;

/// One line of `r` into `buf` (without its newline), at most [`MAX_LINE`] bytes kept: (bytes
/// consumed, ended by a newline, too long). `(0, ..)` at the end.
fn next_line(r: &mut impl BufRead, buf: &mut Vec<u8>) -> std::io::Result<(usize, bool, bool)> {
    buf.clear();
    let (mut used, mut long) = (0, false);
    loop {
        let chunk = r.fill_buf()?;
        if chunk.is_empty() {
            return Ok((used, false, long));
        }
        let (take, done) = match chunk.iter().position(|b| *b == b'\n') {
            Some(i) => (i + 1, true),
            None => (chunk.len(), false),
        };
        let body = if done { &chunk[..take - 1] } else { &chunk[..take] };
        if buf.len() + body.len() <= MAX_LINE {
            buf.extend_from_slice(body);
        } else {
            long = true;
        }
        r.consume(take);
        used += take;
        if done {
            return Ok((used, true, long));
        }
    }
}

/// Read one segment from `r` a line at a time, verifying the chain from `prev`/`seq` (both
/// advanced over what verifies), up to the first problem. Every verified entry goes to `each`
/// with its line. Memory is one line, however long the log.
pub(super) fn scan(
    path: &Path,
    mut r: impl BufRead,
    prev: &mut String,
    seq: &mut u64,
    each: &mut dyn FnMut(&Entry, &[u8]),
) -> std::io::Result<Segment> {
    let mut seg = Segment {
        path: path.to_path_buf(),
        ..Segment::default()
    };
    let mut buf = Vec::new();
    let (mut offset, mut line) = (0usize, 0usize);
    loop {
        let (used, terminated, long) = next_line(&mut r, &mut buf)?;
        if used == 0 {
            return Ok(seg);
        }
        offset += used;
        line += 1;
        if !long && buf.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let problem = |message: String, torn: bool| ChainError {
            path: path.display().to_string(),
            line,
            message,
            torn,
        };
        let parsed = if long {
            Err(Unreadable::TooLong)
        } else {
            serde_json::from_slice::<Entry>(&buf).map_err(Unreadable::NotJson)
        };
        let entry = match parsed {
            Ok(entry) => entry,
            Err(err) => {
                let shown: String = String::from_utf8_lossy(&buf[..buf.len().min(40)]).into_owned();
                // Only unreadable lines after it: what a power cut during an append leaves.
                let mut later_entry = false;
                let mut rest = Vec::new();
                loop {
                    let (used, _, long) = next_line(&mut r, &mut rest)?;
                    if used == 0 {
                        break;
                    }
                    if !long && serde_json::from_slice::<Entry>(&rest).is_ok() {
                        later_entry = true;
                        break;
                    }
                }
                seg.problem = Some(problem(format!("not a log entry ({err}): {shown:?}"), !later_entry));
                return Ok(seg);
            }
        };
        let message = if entry.seq != *seq + 1 {
            Some(format!(
                "sequence {} after {}: an entry is missing or repeated",
                entry.seq, *seq
            ))
        } else if entry.prev != *prev {
            Some("does not chain to the entry before it (edited, removed or reordered)".to_owned())
        } else {
            let h = hash_of(&entry);
            (h != entry.hash).then(|| format!("hash mismatch: the entry was altered (expected {h})"))
        };
        if let Some(m) = message {
            seg.problem = Some(problem(m, false));
            return Ok(seg);
        }
        if entry.is_repair() {
            seg.repairs.push((line, entry.note.clone().unwrap_or_default()));
        }
        prev.clone_from(&entry.hash);
        *seq = entry.seq;
        seg.entries += 1;
        seg.good_len = offset;
        seg.unterminated = !terminated;
        each(&entry, &buf);
    }
}

/// The verdict on a whole log.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    pub segments: Vec<Segment>,
    /// Verified entries, repairs included.
    pub entries: u64,
    pub last_hash: String,
}

impl Report {
    /// Problems found (damage, or a torn line not yet repaired).
    pub fn problems(&self) -> Vec<&ChainError> {
        self.segments.iter().filter_map(|s| s.problem.as_ref()).collect()
    }

    pub fn repairs(&self) -> Vec<(&Path, usize, &str)> {
        self.segments
            .iter()
            .flat_map(|s| s.repairs.iter().map(|(l, n)| (s.path.as_path(), *l, n.as_str())))
            .collect()
    }
}

/// Verify segment files in order: each one's chain continues from the last verified entry of the
/// one before (for a damaged segment: the entry before the damage). Read a line at a time.
pub fn verify_files(paths: &[PathBuf]) -> std::io::Result<Report> {
    for_each_verified(paths, |_, _| {})
}

/// [`verify_files`], giving every entry that verifies, with its line, to `each`, in log order:
/// the way to read a log of any length in the memory of one entry.
pub fn for_each_verified(paths: &[PathBuf], mut each: impl FnMut(&Entry, &[u8])) -> std::io::Result<Report> {
    scan_all(paths, GENESIS.to_owned(), 0, &mut |_, e, line| each(e, line))
}

/// Verify `paths` from `start` (hash, seq), noting the newest entry time of each segment in
/// `latest` (by position in `paths`).
pub(super) fn verify_with_latest(
    paths: &[PathBuf],
    start: (String, u64),
    latest: &mut Vec<Option<jiff::Timestamp>>,
) -> std::io::Result<Report> {
    latest.clear();
    latest.resize(paths.len(), None);
    scan_all(paths, start.0, start.1, &mut |i, e, _| {
        if let Some(slot) = latest.get_mut(i) {
            *slot = (*slot).max(e.time());
        }
    })
}

/// Where segment `current` continues the chain from: its first entry's `prev` and `seq - 1`, or,
/// when it has no readable first entry (new, or torn at once), the last entry of `before`.
pub(super) fn anchor(current: &Path, before: Option<&PathBuf>) -> Option<(String, u64)> {
    use std::io::{Read as _, Seek as _};
    if let Some(e) = first_entry(current) {
        return Some((e.prev, e.seq.checked_sub(1)?));
    }
    let mut f = std::fs::File::open(before?).ok()?;
    let len = f.metadata().ok()?.len();
    f.seek(std::io::SeekFrom::Start(len.saturating_sub(MAX_LINE as u64 * 2)))
        .ok()?;
    let mut tail = Vec::new();
    f.read_to_end(&mut tail).ok()?;
    let last = tail
        .split(|b| *b == b'\n')
        .rev()
        .find_map(|l| serde_json::from_slice::<Entry>(l).ok())?;
    Some((last.hash, last.seq))
}

/// When the log in `dir` began, as far as its files tell: the time of its first entry;
/// `Timestamp::MIN` when its oldest part was archived (it began before what is left) or its first
/// line cannot be read (damage: it began at some time unknown); `None` while nothing has been
/// written.
pub fn began(dir: &Path) -> Option<jiff::Timestamp> {
    let l = layout(dir);
    if l.archived.is_some() || l.first > 1 {
        return Some(jiff::Timestamp::MIN);
    }
    let first = l.segments.first()?;
    if std::fs::metadata(first).map_or(true, |m| m.len() == 0) {
        return None;
    }
    Some(
        first_entry(first)
            .and_then(|e| e.time())
            .unwrap_or(jiff::Timestamp::MIN),
    )
}

/// The first line of `path`, when it is an entry.
fn first_entry(path: &Path) -> Option<Entry> {
    let mut line = Vec::new();
    next_line(&mut std::io::BufReader::new(std::fs::File::open(path).ok()?), &mut line).ok()?;
    serde_json::from_slice(&line).ok()
}

/// [`for_each_verified`] from a segment in the middle of the log: the first entry of `paths` is
/// taken as the anchor (its `prev` and `seq` are trusted), and the chain is verified from there.
/// For a reader that knows the part before is intact (the daemon, which verified it when it opened
/// the log and has been its only writer since).
pub fn for_each_verified_from(paths: &[PathBuf], mut each: impl FnMut(&Entry, &[u8])) -> std::io::Result<Report> {
    match paths.first().and_then(|p| first_entry(p)) {
        Some(a) => scan_all(paths, a.prev, a.seq.saturating_sub(1), &mut |_, e, line| each(e, line)),
        None => for_each_verified(paths, each),
    }
}

/// Verify `paths` in order from `prev`/`seq`, a line at a time, giving each verified entry (with
/// its segment's index and its line) to `each`.
fn scan_all(
    paths: &[PathBuf],
    mut prev: String,
    mut seq: u64,
    each: &mut dyn FnMut(usize, &Entry, &[u8]),
) -> std::io::Result<Report> {
    let mut report = Report::default();
    for (i, p) in paths.iter().enumerate() {
        let named = |e: std::io::Error| std::io::Error::new(e.kind(), format!("cannot read {}: {e}", p.display()));
        let file = std::fs::File::open(p).map_err(named)?;
        let reader = std::io::BufReader::with_capacity(1 << 16, file);
        let seg = scan(p, reader, &mut prev, &mut seq, &mut |e, line| each(i, e, line)).map_err(named)?;
        report.segments.push(seg);
    }
    report.entries = seq;
    report.last_hash = prev;
    Ok(report)
}

/// Verify every segment of the log in `dir`, from where its chain starts.
pub fn verify_dir(dir: &Path) -> std::io::Result<Report> {
    for_each_verified_in(&layout(dir), |_, _, _| {})
}

/// [`for_each_verified`] over a log's [`Layout`], from where its chain starts (the genesis, or
/// the last archived entry), with each entry's segment number.
pub fn for_each_verified_in(l: &Layout, mut each: impl FnMut(usize, &Entry, &[u8])) -> std::io::Result<Report> {
    let first = l.first;
    scan_all(&l.segments, l.start.0.clone(), l.start.1, &mut |i, e, line| {
        each(first + i, e, line);
    })
}

/// A problem found when opening the log, for the daemon's log and status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// `repaired` (a torn line was cut and recorded) or `damaged` (damage inside the log).
    pub kind: &'static str,
    pub message: String,
}

/// The header line of [`to_csv`].
pub const CSV_HEADER: &str = "seq,at,screen,content,layer,frame_sha256,key_id,prev,hash,kind,note,campaign,planned_s\n";

/// One entry as a line of [`to_csv`], text fields quoted.
pub fn csv_row(e: &Entry) -> String {
    let q = |v: &str| format!("\"{}\"", v.replace('"', "\"\""));
    format!(
        "{},{},{},{},{},{},{},{},{},{},{},{},{}\n",
        e.seq,
        q(&e.at),
        q(&e.screen),
        q(&e.content),
        q(&e.layer),
        e.frame_sha256,
        q(e.key_id.as_deref().unwrap_or("")),
        e.prev,
        e.hash,
        e.kind.as_deref().unwrap_or("shown"),
        q(e.note.as_deref().unwrap_or("")),
        q(e.campaign.as_deref().unwrap_or("")),
        e.planned_s.map_or(String::new(), |s| s.to_string())
    )
}

/// Entries as CSV for an auditor (`pinghu log export --format csv`, the console's export): a
/// header line, then one row per entry.
pub fn to_csv<'a>(entries: impl IntoIterator<Item = &'a Entry>) -> String {
    let mut s = String::from(CSV_HEADER);
    for e in entries {
        s.push_str(&csv_row(e));
    }
    s
}
/// Why a line of the log is not an entry.
#[derive(Debug, thiserror::Error)]
enum Unreadable {
    #[error("a line of more than {MAX_LINE} bytes")]
    TooLong,
    #[error("{0}")]
    NotJson(serde_json::Error),
}
