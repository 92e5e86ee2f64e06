//! The audit log of the operators' console: one JSON line per change made through it (a
//! playlist saved or restored, and later the technicians' power, brightness and test patterns),
//! saying who, when and what, each line carrying the SHA-256 of the previous one so that removing
//! or editing a line breaks the chain. `pinghu log verify` checks it beside the proof log.
//!
//! Each entry is written and fsynced before the change it records is reported done.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::disk::Disk;

/// The file, in the data directory.
pub const FILE: &str = "audit.jsonl";
const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One change. `hash` = SHA-256 over the entry serialised with `hash` empty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub seq: u64,
    pub at: String,
    /// The console user (or `token:NAME` for an API token).
    pub who: String,
    /// What was done: `playlist.save`, `playlist.restore`, ….
    pub action: String,
    /// What changed (for a playlist: the new version's hash and a unified diff).
    pub detail: serde_json::Value,
    pub prev: String,
    pub hash: String,
}

fn hash_of(e: &AuditEntry) -> String {
    let mut c = e.clone();
    c.hash = String::new();
    let bytes = serde_json::to_vec(&c).unwrap_or_default();
    crate::ingest::sha256_hex(&bytes)
}

/// The audit log of a data directory.
#[derive(Debug)]
pub struct AuditLog {
    path: PathBuf,
    disk: Disk,
}

/// What verifying the log found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditReport {
    pub entries: u64,
    /// The first broken line (1-based) and why.
    pub problem: Option<(usize, String)>,
}

impl AuditLog {
    pub fn new(dir: &Path, disk: Disk) -> Self {
        Self {
            path: dir.join(FILE),
            disk,
        }
    }

    /// Append an entry chained to the last one, and fsync it.
    pub fn append(
        &self,
        at: jiff::Timestamp,
        who: &str,
        action: &str,
        detail: serde_json::Value,
    ) -> std::io::Result<AuditEntry> {
        let bytes = std::fs::read(&self.path).or_else(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                Ok(Vec::new())
            } else {
                Err(e)
            }
        })?;
        let report = verify_bytes(&bytes);
        if let Some((line, why)) = &report.problem {
            // Never chain onto a damaged log: that would hide the damage.
            return Err(std::io::Error::other(format!(
                "the audit log {} is damaged at line {line} ({why}): keep it as evidence, move it aside, and a new log starts",
                self.path.display()
            )));
        }
        let prev = last_hash(&bytes).unwrap_or_else(|| GENESIS.to_owned());
        let mut e = AuditEntry {
            seq: report.entries + 1,
            at: at.to_string(),
            who: who.to_owned(),
            action: action.to_owned(),
            detail,
            prev,
            hash: String::new(),
        };
        e.hash = hash_of(&e);
        let mut line = serde_json::to_vec(&e).map_err(std::io::Error::other)?;
        line.push(b'\n');
        let mut f = self.disk.open_append(&self.path)?;
        self.disk.write_all(&mut f, &line)?;
        self.disk.sync(&f)?;
        Ok(e)
    }

    /// The last `n` entries, newest first, and what verifying the whole chain found (the log is
    /// small: one line per change made through the console).
    pub fn recent(&self, n: usize) -> std::io::Result<(Vec<AuditEntry>, AuditReport)> {
        let bytes = match std::fs::read(&self.path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(e),
        };
        let report = verify_bytes(&bytes);
        let entries = String::from_utf8_lossy(&bytes)
            .lines()
            .rev()
            .filter_map(|l| serde_json::from_str::<AuditEntry>(l).ok())
            .take(n)
            .collect();
        Ok((entries, report))
    }

    /// Verify the chain.
    pub fn verify(&self) -> std::io::Result<AuditReport> {
        match std::fs::read(&self.path) {
            Ok(b) => Ok(verify_bytes(&b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(AuditReport {
                entries: 0,
                problem: None,
            }),
            Err(e) => Err(e),
        }
    }
}

fn last_hash(bytes: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(bytes).ok()?;
    let last = text.lines().rev().find(|l| !l.trim().is_empty())?;
    serde_json::from_str::<AuditEntry>(last).ok().map(|e| e.hash)
}

/// Verify the chain in `bytes` (the contents of an audit log).
pub fn verify_bytes(bytes: &[u8]) -> AuditReport {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return AuditReport {
            entries: 0,
            problem: Some((1, "not UTF-8".into())),
        };
    };
    let mut prev = GENESIS.to_owned();
    let mut n = 0u64;
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let fail = |why: &str| AuditReport {
            entries: n,
            problem: Some((i + 1, why.to_owned())),
        };
        let Ok(e) = serde_json::from_str::<AuditEntry>(line) else {
            return fail("not an audit entry");
        };
        if e.prev != prev {
            return fail("does not chain to the line before (a line was removed, reordered or edited)");
        }
        if e.hash != hash_of(&e) {
            return fail("its hash does not match its contents (the line was edited)");
        }
        if e.seq != n + 1 {
            return fail("its sequence number is out of order");
        }
        prev = e.hash;
        n += 1;
    }
    AuditReport {
        entries: n,
        problem: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_chain_and_an_edit_is_found() {
        let dir = tempfile::tempdir().unwrap();
        let log = AuditLog::new(dir.path(), Disk::new());
        let t = jiff::Timestamp::UNIX_EPOCH;
        log.append(t, "li", "playlist.save", serde_json::json!({"sha256": "a"}))
            .unwrap();
        log.append(t, "wang", "playlist.restore", serde_json::json!({"sha256": "b"}))
            .unwrap();
        assert_eq!(
            log.verify().unwrap(),
            AuditReport {
                entries: 2,
                problem: None
            }
        );
        let text = std::fs::read_to_string(dir.path().join(FILE)).unwrap();
        std::fs::write(dir.path().join(FILE), text.replace("\"wang\"", "\"zhao\"")).unwrap();
        let r = log.verify().unwrap();
        assert_eq!(r.entries, 1);
        assert_eq!(r.problem.unwrap().0, 2);
        // The console's view: newest first, with the verdict on the whole chain.
        let (recent, report) = log.recent(1).unwrap();
        assert_eq!((recent.len(), recent[0].who.as_str()), (1, "zhao"));
        assert_eq!(report.problem.unwrap().0, 2);
        // A damaged log is not chained onto.
        assert!(log.append(t, "li", "x", serde_json::json!(null)).is_err());
    }
}
