//! The proof-of-display log: one JSON line per thing the card acknowledged showing, each entry
//! carrying the SHA-256 of the previous entry, so removing or editing a line breaks the chain.
//! `pinghu log verify` checks it; `pinghu log export` writes it for an auditor.

use std::io::{BufRead, Write as _};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// One entry. `hash` = SHA-256 over the entry serialised with `hash` empty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub seq: u64,
    pub at: String,
    pub screen: String,
    /// `item ID` or `announcement ID rREV`.
    pub content: String,
    pub layer: String,
    pub frame_sha256: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
    pub prev: String,
    pub hash: String,
}

fn hash_of(e: &Entry) -> String {
    let mut c = e.clone();
    c.hash = String::new();
    let bytes = serde_json::to_vec(&c).unwrap_or_default();
    Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// The genesis `prev`.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// An open, append-only log.
#[derive(Debug)]
pub struct ProofLog {
    path: PathBuf,
    last: String,
    seq: u64,
}

/// Why a log does not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}:{line}: {message}")]
pub struct ChainError {
    pub path: String,
    pub line: usize,
    pub message: String,
}

/// Check the chain; returns the number of entries and the last hash.
pub fn verify(path: &Path) -> Result<(u64, String), ChainError> {
    let err = |line: usize, m: String| ChainError {
        path: path.display().to_string(),
        line,
        message: m,
    };
    let f = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((0, GENESIS.into())),
        Err(e) => return Err(err(0, e.to_string())),
    };
    let mut prev = GENESIS.to_string();
    let mut n = 0u64;
    for (i, line) in std::io::BufReader::new(f).lines().enumerate() {
        let line = line.map_err(|e| err(i + 1, e.to_string()))?;
        if line.trim().is_empty() {
            continue;
        }
        let e: Entry = serde_json::from_str(&line).map_err(|e| err(i + 1, format!("not a log entry: {e}")))?;
        if e.seq != n + 1 {
            return Err(err(
                i + 1,
                format!("sequence {} after {n}: an entry is missing or repeated", e.seq),
            ));
        }
        if e.prev != prev {
            return Err(err(
                i + 1,
                "does not chain to the entry before it (edited, removed or reordered)".into(),
            ));
        }
        let h = hash_of(&e);
        if h != e.hash {
            return Err(err(
                i + 1,
                format!("hash mismatch: the entry was altered (expected {h})"),
            ));
        }
        prev = e.hash;
        n = e.seq;
    }
    Ok((n, prev))
}

impl ProofLog {
    /// Open the log in `dir`, checking the chain so far (a broken chain is reported, and a new
    /// segment is not appended to it).
    pub fn open(dir: &Path) -> Result<Self, ChainError> {
        let path = dir.join("proof-of-display.jsonl");
        let (seq, last) = verify(&path)?;
        Ok(Self { path, last, seq })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Append an entry durably; fills in `seq`, `prev` and `hash`.
    pub fn append(&mut self, mut e: Entry) -> std::io::Result<Entry> {
        e.seq = self.seq + 1;
        e.prev.clone_from(&self.last);
        e.hash = String::new();
        e.hash = hash_of(&e);
        let mut line = serde_json::to_vec(&e).map_err(std::io::Error::other)?;
        line.push(b'\n');
        let mut f = std::fs::OpenOptions::new().create(true).append(true).open(&self.path)?;
        f.write_all(&line)?;
        f.sync_all()?;
        self.seq = e.seq;
        self.last.clone_from(&e.hash);
        Ok(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(content: &str) -> Entry {
        Entry {
            seq: 0,
            at: "2026-11-28T01:00:00Z".into(),
            screen: "s".into(),
            content: content.into(),
            layer: "rotation".into(),
            frame_sha256: "ab".into(),
            key_id: None,
            signature: None,
            prev: String::new(),
            hash: String::new(),
        }
    }

    #[test]
    fn chain_verifies_and_detects_tampering() {
        let dir = tempfile::tempdir().unwrap();
        let mut log = ProofLog::open(dir.path()).unwrap();
        for c in ["item a", "announcement x r1", "item b"] {
            log.append(entry(c)).unwrap();
        }
        assert_eq!(verify(log.path()).unwrap().0, 3);
        // Reopen and continue the chain.
        let mut log = ProofLog::open(dir.path()).unwrap();
        log.append(entry("item c")).unwrap();
        assert_eq!(verify(log.path()).unwrap().0, 4);
        let text = std::fs::read_to_string(log.path()).unwrap();
        let edited = text.replacen("announcement x r1", "announcement y r1", 1);
        std::fs::write(log.path(), &edited).unwrap();
        assert!(verify(log.path()).unwrap_err().message.contains("hash mismatch"));
        let lines: Vec<&str> = text.lines().collect();
        std::fs::write(log.path(), [lines[0], lines[2], lines[3]].join("\n")).unwrap();
        let e = verify(log.path()).unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.message.contains("missing or repeated"), "{e}");
    }
}
