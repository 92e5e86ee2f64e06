//! Every write the daemon makes to its data directory goes through a [`Disk`]: file creation,
//! writes, fsyncs, renames, links and truncations. One place to count them (the flash-wear budget
//! of a cabinet computer running from an SD card or eMMC) and one place to make them fail on
//! purpose, so tests can prove that a full or failing disk never loses what was acknowledged.
//!
//! A `Disk` is cheap to clone; clones share their counters and their fault plan.
//!
//! For tests it also models a power cut ([`Disk::record_power`], [`Disk::cut_power`]): what a
//! cut at any operation leaves on the disk, so a test can stop the world at every write, fsync
//! and rename and start again from what survived (`power.rs`).

use std::fs::File;
use std::io::Write as _;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU64, Ordering};

mod power;

/// `ENOSPC` (no space left on device).
pub const ENOSPC: i32 = 28;
/// `EIO` (input/output error).
pub const EIO: i32 = 5;

/// A time for a file name: `20261129T071300Z` (the damaged and torn files set aside are named so).
pub fn file_stamp(now: jiff::Timestamp) -> String {
    now.strftime("%Y%m%dT%H%M%SZ").to_string()
}

/// Free space at which the status warns: 5 % of the file system, and never less than this.
pub const LOW_FREE_MIN: u64 = 256 * 1024 * 1024;

/// The file system holding the data directory: what is free (for unprivileged writers) and its
/// size, in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Space {
    pub free_bytes: u64,
    pub total_bytes: u64,
}

impl Space {
    /// Under 5 % free, or under [`LOW_FREE_MIN`]: at the sample playlist's 3 to 5 MB of proof log
    /// a day that is two months and more of warning, time to make room (`pinghu log archive`).
    pub fn low(&self) -> bool {
        self.free_bytes < LOW_FREE_MIN.max(self.total_bytes / 20)
    }
}

/// The space of the file system holding `dir`; `None` when it cannot be asked.
pub fn space(dir: &Path) -> Option<Space> {
    let s = rustix::fs::statvfs(dir).ok()?;
    Some(Space {
        free_bytes: s.f_bavail.saturating_mul(s.f_frsize),
        total_bytes: s.f_blocks.saturating_mul(s.f_frsize),
    })
}

/// What a write is for, counted apart (the flash-wear budget is stated per purpose).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// `state.json` and its generations.
    State = 0,
    /// The proof-of-display log.
    Proof = 1,
    Other = 2,
}

#[derive(Debug)]
struct Inner {
    ops: AtomicU64,
    writes: AtomicU64,
    bytes: AtomicU64,
    syncs: AtomicU64,
    writes_by: [AtomicU64; 3],
    syncs_by: [AtomicU64; 3],
    fail_from: AtomicU64,
    fail_until: AtomicU64,
    errno: AtomicI32,
    /// A power-cut model is kept (tests only; never set by the daemon).
    recording: AtomicBool,
    model: std::sync::Mutex<Option<power::Model>>,
}

/// The daemon's handle on its data directory.
#[derive(Debug, Clone)]
pub struct Disk {
    inner: Arc<Inner>,
    purpose: Purpose,
}

impl Default for Disk {
    fn default() -> Self {
        Self {
            inner: Arc::new(Inner {
                ops: AtomicU64::new(0),
                writes: AtomicU64::new(0),
                bytes: AtomicU64::new(0),
                syncs: AtomicU64::new(0),
                writes_by: Default::default(),
                syncs_by: Default::default(),
                fail_from: AtomicU64::new(u64::MAX),
                fail_until: AtomicU64::new(u64::MAX),
                errno: AtomicI32::new(0),
                recording: AtomicBool::new(false),
                model: std::sync::Mutex::new(None),
            }),
            purpose: Purpose::Other,
        }
    }
}

/// What the disk has done so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct DiskStats {
    /// Every operation that changes the disk (create, write, fsync, rename, link, truncate).
    pub ops: u64,
    /// `write` calls.
    pub writes: u64,
    /// Bytes written.
    pub bytes: u64,
    /// fsync calls, on files and on folders.
    pub syncs: u64,
    /// `write` and fsync calls for `state.json`.
    pub state_writes: u64,
    pub state_syncs: u64,
    /// `write` and fsync calls for the proof-of-display log.
    pub proof_writes: u64,
    pub proof_syncs: u64,
}

impl Disk {
    pub fn new() -> Self {
        Self::default()
    }

    /// The same disk, counting its writes under `purpose`.
    pub fn for_purpose(&self, purpose: Purpose) -> Self {
        Self {
            inner: Arc::clone(&self.inner),
            purpose,
        }
    }

    pub fn stats(&self) -> DiskStats {
        let l = |a: &AtomicU64| a.load(Ordering::Relaxed);
        let i = &self.inner;
        DiskStats {
            ops: l(&i.ops),
            writes: l(&i.writes),
            bytes: l(&i.bytes),
            syncs: l(&i.syncs),
            state_writes: l(&i.writes_by[Purpose::State as usize]),
            state_syncs: l(&i.syncs_by[Purpose::State as usize]),
            proof_writes: l(&i.writes_by[Purpose::Proof as usize]),
            proof_syncs: l(&i.syncs_by[Purpose::Proof as usize]),
        }
    }

    /// Make operations `from..from + count` (counted from now, 0 = the next one) fail with the OS
    /// error `errno` (e.g. [`ENOSPC`], [`EIO`]). `count = u64::MAX` leaves the disk broken.
    pub fn fail(&self, from: u64, count: u64, errno: i32) {
        let now = self.inner.ops.load(Ordering::Relaxed);
        self.inner.errno.store(errno, Ordering::Relaxed);
        self.inner
            .fail_until
            .store(now.saturating_add(from).saturating_add(count), Ordering::Relaxed);
        self.inner.fail_from.store(now.saturating_add(from), Ordering::Relaxed);
    }

    /// Stop failing.
    pub fn heal(&self) {
        self.inner.fail_from.store(u64::MAX, Ordering::Relaxed);
    }

    /// Model a power cut from now on: the files below `dir` (taken as safely on the disk) and
    /// every operation after this, so [`Disk::cut_power`] can leave what a cut would.
    pub fn record_power(&self, dir: &Path) -> std::io::Result<()> {
        let model = power::Model::of(dir)?;
        *self
            .inner
            .model
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(model);
        self.inner.recording.store(true, Ordering::Relaxed);
        Ok(())
    }

    /// The power fails at operation `at` (counted from now, 0 = the next): it and every one
    /// after it fail with EIO and change nothing, as on a machine that has stopped.
    pub fn power_fails_at(&self, at: u64) {
        self.fail(at, u64::MAX, EIO);
    }

    /// Whether the power has failed (an operation was refused for it).
    pub fn power_failed(&self) -> bool {
        let i = &self.inner;
        i.fail_until.load(Ordering::Relaxed) == u64::MAX
            && i.ops.load(Ordering::Relaxed) > i.fail_from.load(Ordering::Relaxed)
    }

    /// The cut: rewrite the recorded folder as the power cut leaves it (only what was fsynced,
    /// only names whose folder was fsynced), and refuse every operation from now on.
    pub fn cut_power(&self) -> std::io::Result<()> {
        self.inner.recording.store(false, Ordering::Relaxed);
        self.fail(0, u64::MAX, EIO);
        let model = self
            .inner
            .model
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        model.map_or(Ok(()), |m| m.apply())
    }

    /// Apply a successful operation to the power-cut model, when one is kept.
    fn model(&self, f: impl FnOnce(&mut power::Model)) {
        if self.inner.recording.load(Ordering::Relaxed)
            && let Some(m) = self
                .inner
                .model
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .as_mut()
        {
            f(m);
        }
    }

    fn op(&self) -> std::io::Result<()> {
        let n = self.inner.ops.fetch_add(1, Ordering::Relaxed);
        let from = self.inner.fail_from.load(Ordering::Relaxed);
        if n >= from && n < self.inner.fail_until.load(Ordering::Relaxed) {
            return Err(std::io::Error::from_raw_os_error(
                self.inner.errno.load(Ordering::Relaxed),
            ));
        }
        Ok(())
    }

    /// Create (or truncate) a file for writing.
    pub fn create(&self, path: &Path) -> std::io::Result<File> {
        self.op()?;
        let f = File::create(path)?;
        self.model(|m| m.created(path, &f));
        Ok(f)
    }

    /// Create a new file only its owner can read and write (a leftover of that name is removed
    /// first, so the mode always applies).
    fn create_private(&self, path: &Path) -> std::io::Result<File> {
        use std::os::unix::fs::OpenOptionsExt as _;
        self.op()?;
        let _ = std::fs::remove_file(path);
        let f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)?;
        self.model(|m| m.created_new(path, &f));
        Ok(f)
    }

    /// Open a file for appending, creating it if needed.
    pub fn open_append(&self, path: &Path) -> std::io::Result<File> {
        self.op()?;
        let f = std::fs::OpenOptions::new().create(true).append(true).open(path)?;
        self.model(|m| m.opened_append(path, &f));
        Ok(f)
    }

    pub fn write_all(&self, f: &mut File, bytes: &[u8]) -> std::io::Result<()> {
        self.op()?;
        self.inner.writes.fetch_add(1, Ordering::Relaxed);
        self.inner.writes_by[self.purpose as usize].fetch_add(1, Ordering::Relaxed);
        self.inner.bytes.fetch_add(bytes.len() as u64, Ordering::Relaxed);
        f.write_all(bytes)?;
        self.model(|m| m.wrote(f, bytes));
        Ok(())
    }

    pub fn sync(&self, f: &File) -> std::io::Result<()> {
        self.op()?;
        self.inner.syncs.fetch_add(1, Ordering::Relaxed);
        self.inner.syncs_by[self.purpose as usize].fetch_add(1, Ordering::Relaxed);
        f.sync_all()?;
        self.model(|m| m.synced(f));
        Ok(())
    }

    /// fsync a folder, so the renames and creations in it survive a power cut.
    pub fn sync_dir(&self, dir: &Path) -> std::io::Result<()> {
        self.op()?;
        self.inner.syncs.fetch_add(1, Ordering::Relaxed);
        self.inner.syncs_by[self.purpose as usize].fetch_add(1, Ordering::Relaxed);
        File::open(dir)?.sync_all()?;
        self.model(|m| m.synced_dir(dir));
        Ok(())
    }

    pub fn rename(&self, from: &Path, to: &Path) -> std::io::Result<()> {
        self.op()?;
        std::fs::rename(from, to)?;
        self.model(|m| m.renamed(from, to));
        Ok(())
    }

    pub fn hard_link(&self, from: &Path, to: &Path) -> std::io::Result<()> {
        self.op()?;
        std::fs::hard_link(from, to)?;
        self.model(|m| m.linked(from, to));
        Ok(())
    }

    pub fn set_len(&self, f: &File, len: u64) -> std::io::Result<()> {
        self.op()?;
        f.set_len(len)?;
        self.model(|m| m.truncated(f, len));
        Ok(())
    }

    /// Write `bytes` to `path` atomically and durably: a temporary file, fsync, rename over
    /// `path`, fsync of the folder. A crash at any instant leaves the old or the new content.
    pub fn write_atomic(&self, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
        self.replace(path, bytes, None)
    }

    /// [`Disk::write_atomic`] for a secret (keys, the console's users and sessions): readable and
    /// writable by its owner only, from its first byte on.
    pub fn write_secret(&self, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
        self.write_through_temp(path, bytes, None, true)
    }

    /// [`Disk::write_atomic`], and when `previous` is given, the content `path` had becomes
    /// `previous` in the same step (a hard link: no data is copied). The one way the daemon
    /// replaces a file.
    pub fn replace(&self, path: &Path, bytes: &[u8], previous: Option<&Path>) -> std::io::Result<()> {
        self.write_through_temp(path, bytes, previous, false)
    }

    fn write_through_temp(
        &self,
        path: &Path,
        bytes: &[u8],
        previous: Option<&Path>,
        private: bool,
    ) -> std::io::Result<()> {
        // A bare file name lies in the current folder.
        let dir = path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let tmp = path.with_extension("tmp");
        let result = (|| {
            let mut f = if private {
                self.create_private(&tmp)?
            } else {
                self.create(&tmp)?
            };
            self.write_all(&mut f, bytes)?;
            self.sync(&f)?;
            if let Some(prev) = previous
                && path.exists()
            {
                let link = prev.with_extension("tmp");
                let _ = std::fs::remove_file(&link);
                self.hard_link(path, &link)?;
                self.rename(&link, prev)?;
            }
            self.rename(&tmp, path)
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        result?;
        self.sync_dir(dir)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_space_is_read_and_judged() {
        let dir = tempfile::tempdir().unwrap();
        let s = space(dir.path()).unwrap();
        assert!(s.total_bytes > 0 && s.free_bytes <= s.total_bytes, "{s:?}");
        assert!(space(Path::new("/nonexistent/pinghu")).is_none());
        let gib = 1024 * 1024 * 1024;
        assert!(
            Space {
                free_bytes: 300 << 20,
                total_bytes: 8 * gib
            }
            .low(),
            "under 5 %"
        );
        assert!(
            !Space {
                free_bytes: gib,
                total_bytes: 8 * gib
            }
            .low()
        );
        assert!(
            Space {
                free_bytes: 200 << 20,
                total_bytes: 2 * gib
            }
            .low(),
            "under 256 MiB"
        );
        assert!(
            !Space {
                free_bytes: 300 << 20,
                total_bytes: 2 * gib
            }
            .low()
        );
    }

    #[test]
    fn counts_and_fails_on_schedule() {
        let dir = tempfile::tempdir().unwrap();
        let disk = Disk::new();
        disk.write_atomic(&dir.path().join("a"), b"one").unwrap();
        let s = disk.stats();
        assert_eq!((s.writes, s.syncs, s.bytes), (1, 2, 3));
        // The third operation from now (the rename) fails once with ENOSPC.
        disk.fail(3, 1, ENOSPC);
        let e = disk.write_atomic(&dir.path().join("a"), b"two").unwrap_err();
        assert_eq!(e.raw_os_error(), Some(ENOSPC));
        assert_eq!(std::fs::read(dir.path().join("a")).unwrap(), b"one");
        assert!(!dir.path().join("a.tmp").exists(), "the temporary file is cleaned up");
        disk.write_atomic(&dir.path().join("a"), b"two").unwrap();
        assert_eq!(std::fs::read(dir.path().join("a")).unwrap(), b"two");
    }
}
