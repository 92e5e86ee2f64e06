//! Where the log's segments are: their file names, the record of segments archived off the board,
//! and the layout of a data folder's log (`pinghu log verify`, `archive`, the daemon at start).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::chain::GENESIS;

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

/// The file that says which segments `pinghu log archive` moved off the board, and where the
/// chain of those left continues from.
pub const ARCHIVED: &str = "proof-of-display.archived.json";

/// What [`ARCHIVED`] holds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Archived {
    /// The number of the first segment still here.
    pub next_segment: usize,
    /// The last archived entry, which the first entry here chains to.
    pub seq: u64,
    pub hash: String,
    /// Every archiving, oldest first.
    pub archives: Vec<ArchiveRecord>,
}

/// One `pinghu log archive`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArchiveRecord {
    pub at: String,
    /// Where the segments went.
    pub to: String,
    /// Segment numbers, `first-last`.
    pub segments: String,
    /// Entry numbers, `first-last`.
    pub entries: String,
}

/// What `dir`'s [`ARCHIVED`] says, if anything was archived.
fn archived(dir: &Path) -> Option<Archived> {
    serde_json::from_slice(&std::fs::read(dir.join(ARCHIVED)).ok()?).ok()
}

/// Where the log in a folder lies, read at one moment so that its parts agree even while
/// `pinghu log archive` runs.
#[derive(Debug, Clone)]
pub struct Layout {
    /// The number of the first segment: 1, or the first after those archived.
    pub first: usize,
    /// Where the chain continues from: the genesis, or the last archived entry (hash, seq).
    pub start: (String, u64),
    pub archived: Option<Archived>,
    /// The segments, in order (none for a new log).
    pub segments: Vec<PathBuf>,
}

/// The [`Layout`] of the log in `dir`. Should the archive record be unreadable, the log starts at
/// the lowest segment file present.
pub fn layout(dir: &Path) -> Layout {
    let archived = archived(dir);
    let first = match &archived {
        Some(a) => a.next_segment.max(1),
        None if segment_path(dir, 1).exists() || !dir.join(ARCHIVED).exists() => 1,
        None => std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .filter_map(Result::ok)
            .filter_map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                name.strip_prefix("proof-of-display.")?
                    .strip_suffix(".jsonl")?
                    .parse::<usize>()
                    .ok()
            })
            .min()
            .unwrap_or(1),
    };
    let start = archived
        .as_ref()
        .map_or_else(|| (GENESIS.to_owned(), 0), |a| (a.hash.clone(), a.seq));
    let segments = (first..=MAX_SEGMENTS)
        .map(|n| segment_path(dir, n))
        .take_while(|p| p.exists())
        .collect();
    Layout {
        first,
        start,
        archived,
        segments,
    }
}

/// The segments in `dir`, in order (none for a new log).
pub fn segments(dir: &Path) -> Vec<PathBuf> {
    layout(dir).segments
}
