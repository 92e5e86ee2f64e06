//! The chain itself: entries, their hashes, the segment files, and reading them back (what
//! `pinghu log verify` and the log's own start-up both use).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// One entry. `hash` = SHA-256 over the entry serialised with `hash` empty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub seq: u64,
    pub at: String,
    pub screen: String,
    /// Absent: the card showed `content`. `repaired`: the log itself was repaired (see `note`).
    /// `dark`: the glass went dark (`content` says how: `power off`, `blank`).
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

    pub(super) fn repaired(at: jiff::Timestamp, screen: &str, note: String) -> Self {
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

    pub fn is_repair(&self) -> bool {
        self.kind.as_deref() == Some(REPAIRED)
    }
}

pub(super) fn hash_of(e: &Entry) -> String {
    let mut c = e.clone();
    c.hash = String::new();
    let bytes = serde_json::to_vec(&c).unwrap_or_default();
    pinghu_protocol::to_hex(&Sha256::digest(&bytes))
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

/// The genesis `prev`.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";
/// The first segment's file name.
pub const FIRST_SEGMENT: &str = "proof-of-display.jsonl";

/// Most segments a log may have (each damage found starts one).
pub const MAX_SEGMENTS: usize = 10_000;

/// The path of segment `n` (1-based) in `dir`.
pub fn segment_path(dir: &Path, n: usize) -> PathBuf {
    if n <= 1 {
        dir.join(FIRST_SEGMENT)
    } else {
        dir.join(format!("proof-of-display.{n}.jsonl"))
    }
}

/// The segments in `dir`, in order (none for a new log).
pub fn segments(dir: &Path) -> Vec<PathBuf> {
    (1..=MAX_SEGMENTS)
        .map(|n| segment_path(dir, n))
        .take_while(|p| p.exists())
        .collect()
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

pub(super) fn scan(path: &Path, bytes: &[u8], prev: &mut String, seq: &mut u64) -> Segment {
    let mut seg = Segment {
        path: path.to_path_buf(),
        ..Segment::default()
    };
    let mut pieces = Vec::new();
    let mut start = 0;
    while start < bytes.len() {
        let end = bytes[start..].iter().position(|b| *b == b'\n').map(|i| start + i);
        let stop = end.unwrap_or(bytes.len());
        pieces.push((start, stop, end.is_some()));
        start = stop + 1;
    }
    let parse = |s: usize, e: usize| serde_json::from_slice::<Entry>(&bytes[s..e]);
    for (i, &(s, e, terminated)) in pieces.iter().enumerate() {
        let text = &bytes[s..e];
        if text.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let problem = |message: String, torn: bool| ChainError {
            path: path.display().to_string(),
            line: i + 1,
            message,
            torn,
        };
        let entry = match parse(s, e) {
            Ok(entry) => entry,
            Err(err) => {
                let later_entry = pieces[i + 1..].iter().any(|&(s, e, _)| parse(s, e).is_ok());
                let shown: String = String::from_utf8_lossy(&text[..text.len().min(40)]).into_owned();
                seg.problem = Some(problem(format!("not a log entry ({err}): {shown:?}"), !later_entry));
                return seg;
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
            return seg;
        }
        if entry.is_repair() {
            seg.repairs.push((i + 1, entry.note.clone().unwrap_or_default()));
        }
        prev.clone_from(&entry.hash);
        *seq = entry.seq;
        seg.entries += 1;
        seg.good_len = if terminated { e + 1 } else { e };
        seg.unterminated = !terminated;
    }
    seg
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
/// one before (for a damaged segment: the entry before the damage).
pub fn verify_files(paths: &[PathBuf]) -> std::io::Result<Report> {
    Ok(verify_contents(&read_segments(paths)?))
}

/// Read segment files, in order, each once: (path, bytes). An error names the file.
pub fn read_segments(paths: &[PathBuf]) -> std::io::Result<Vec<(PathBuf, Vec<u8>)>> {
    paths
        .iter()
        .map(|p| {
            std::fs::read(p)
                .map(|b| (p.clone(), b))
                .map_err(|e| std::io::Error::new(e.kind(), format!("cannot read {}: {e}", p.display())))
        })
        .collect()
}

/// [`verify_files`] on segments already read: (path, bytes), in order.
pub fn verify_contents(segments: &[(PathBuf, Vec<u8>)]) -> Report {
    let mut prev = GENESIS.to_owned();
    let mut seq = 0;
    let mut report = Report::default();
    for (p, bytes) in segments {
        report.segments.push(scan(p, bytes, &mut prev, &mut seq));
    }
    report.entries = seq;
    report.last_hash = prev;
    report
}

/// The entries of segments already read that verify (each segment up to its first problem),
/// with the verdict on the whole log.
pub fn verified_entries(segments: &[(PathBuf, Vec<u8>)]) -> (Report, Vec<Entry>) {
    let report = verify_contents(segments);
    let mut entries = Vec::new();
    for ((_, bytes), seg) in segments.iter().zip(&report.segments) {
        let good = usize::try_from(seg.entries).unwrap_or(usize::MAX);
        entries.extend(
            bytes
                .split(|b| *b == b'\n')
                .filter(|l| !l.iter().all(u8::is_ascii_whitespace))
                .take(good)
                .filter_map(|l| serde_json::from_slice::<Entry>(l).ok()),
        );
    }
    (report, entries)
}

/// Verify every segment of the log in `dir`.
pub fn verify_dir(dir: &Path) -> std::io::Result<Report> {
    verify_files(&segments(dir))
}

/// A problem found when opening the log, for the daemon's log and status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// `repaired` (a torn line was cut and recorded) or `damaged` (damage inside the log).
    pub kind: &'static str,
    pub message: String,
}

/// Entries as CSV for an auditor (`pinghu log export --format csv`, the console's export): a
/// header line, then one row per entry, text fields quoted.
pub fn to_csv<'a>(entries: impl IntoIterator<Item = &'a Entry>) -> String {
    use std::fmt::Write as _;
    let mut s =
        String::from("seq,at,screen,content,layer,frame_sha256,key_id,prev,hash,kind,note,campaign,planned_s\n");
    let q = |v: &str| format!("\"{}\"", v.replace('"', "\"\""));
    for e in entries {
        let _ = writeln!(
            s,
            "{},{},{},{},{},{},{},{},{},{},{},{},{}",
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
        );
    }
    s
}
