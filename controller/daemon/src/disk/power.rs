//! A power cut, modelled for tests: what survives one is what was fsynced. Of a file, the bytes
//! it had at its last fsync; of a folder, the names it had at its last fsync (a rename, a new
//! file or a link is not on the disk until its folder is synced). The pessimistic outcome of
//! every write the kernel had not yet been told to keep: it is lost whole.
//!
//! [`super::Disk::record_power`] starts a model of a folder; every operation the daemon makes
//! through its `Disk` is applied to it after it succeeds on the real file system; and
//! [`super::Disk::cut_power`] rewrites the folder as the cut would leave it, for the next start.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs::File;
use std::os::fd::{AsRawFd as _, RawFd};
use std::path::{Path, PathBuf};

/// One file's content: as the running system sees it, and as the disk holds it.
#[derive(Debug, Default, Clone)]
struct Node {
    data: Vec<u8>,
    synced: Vec<u8>,
}

/// The files below one folder, as the system sees them and as a power cut would leave them.
#[derive(Debug, Default)]
pub(super) struct Model {
    nodes: Vec<Node>,
    /// Names as the running system sees them.
    names: BTreeMap<PathBuf, usize>,
    /// Names as the disk holds them (as of each folder's last fsync).
    durable: BTreeMap<PathBuf, usize>,
    /// Open files by descriptor.
    open: HashMap<RawFd, usize>,
}

impl Model {
    /// Every file already below `dir`, taken as safely on the disk.
    pub(super) fn of(dir: &Path) -> std::io::Result<Self> {
        let mut m = Self::default();
        let mut todo = vec![dir.to_path_buf()];
        while let Some(d) = todo.pop() {
            let Ok(entries) = std::fs::read_dir(&d) else { continue };
            for e in entries {
                let e = e?;
                let path = e.path();
                if e.file_type()?.is_dir() {
                    todo.push(path);
                } else {
                    let data = std::fs::read(&path)?;
                    m.nodes.push(Node {
                        synced: data.clone(),
                        data,
                    });
                    m.names.insert(path.clone(), m.nodes.len() - 1);
                    m.durable.insert(path, m.nodes.len() - 1);
                }
            }
        }
        Ok(m)
    }

    fn fresh(&mut self) -> usize {
        self.nodes.push(Node::default());
        self.nodes.len() - 1
    }

    /// `File::create`: the file of that name emptied, or a new one.
    pub(super) fn created(&mut self, path: &Path, f: &File) {
        let n = match self.names.get(path) {
            Some(&n) => {
                self.nodes[n].data.clear();
                n
            }
            None => {
                let n = self.fresh();
                self.names.insert(path.to_path_buf(), n);
                n
            }
        };
        self.open.insert(f.as_raw_fd(), n);
    }

    /// A new file where the old name was removed first.
    pub(super) fn created_new(&mut self, path: &Path, f: &File) {
        let n = self.fresh();
        self.names.insert(path.to_path_buf(), n);
        self.open.insert(f.as_raw_fd(), n);
    }

    /// Opened for appending (created when missing).
    pub(super) fn opened_append(&mut self, path: &Path, f: &File) {
        let n = match self.names.get(path) {
            Some(&n) => n,
            None => {
                let n = self.fresh();
                self.names.insert(path.to_path_buf(), n);
                n
            }
        };
        self.open.insert(f.as_raw_fd(), n);
    }

    pub(super) fn wrote(&mut self, f: &File, bytes: &[u8]) {
        if let Some(&n) = self.open.get(&f.as_raw_fd()) {
            self.nodes[n].data.extend_from_slice(bytes);
        }
    }

    pub(super) fn truncated(&mut self, f: &File, len: u64) {
        if let Some(&n) = self.open.get(&f.as_raw_fd()) {
            // Only ever shortened here (a partial line undone).
            self.nodes[n].data.truncate(usize::try_from(len).unwrap_or(usize::MAX));
        }
    }

    pub(super) fn synced(&mut self, f: &File) {
        if let Some(&n) = self.open.get(&f.as_raw_fd()) {
            self.nodes[n].synced = self.nodes[n].data.clone();
        }
    }

    /// A folder's fsync: its names, as the system sees them now, are on the disk.
    pub(super) fn synced_dir(&mut self, dir: &Path) {
        let in_dir = |p: &PathBuf| p.parent() == Some(dir);
        let gone: Vec<PathBuf> = self
            .durable
            .keys()
            .filter(|p| in_dir(p) && !self.names.contains_key(*p))
            .cloned()
            .collect();
        for p in gone {
            self.durable.remove(&p);
        }
        for (p, &n) in self.names.iter().filter(|(p, _)| in_dir(p)) {
            self.durable.insert(p.clone(), n);
        }
    }

    pub(super) fn renamed(&mut self, from: &Path, to: &Path) {
        if let Some(n) = self.names.remove(from) {
            self.names.insert(to.to_path_buf(), n);
        }
    }

    pub(super) fn linked(&mut self, from: &Path, to: &Path) {
        if let Some(&n) = self.names.get(from) {
            self.names.insert(to.to_path_buf(), n);
        }
    }

    /// Leave on the real file system what the cut leaves: every durable name with its synced
    /// bytes, and no file the disk never held. Files the model never saw are left alone.
    pub(super) fn apply(&self) -> std::io::Result<()> {
        let all: BTreeSet<&PathBuf> = self.names.keys().chain(self.durable.keys()).collect();
        // Every name first removed: two names may share a file (a hard link), and writing one
        // would write the other.
        for p in &all {
            match std::fs::remove_file(p) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
                _ => {}
            }
        }
        for (p, &n) in &self.durable {
            if let Some(parent) = p.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(p, &self.nodes[n].synced)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::disk::Disk;

    #[test]
    fn a_cut_keeps_what_was_synced_and_the_names_of_synced_folders() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(d.join("old"), b"before").unwrap();
        let disk = Disk::new();
        disk.record_power(d).unwrap();
        let (state, prev) = (d.join("state.json"), d.join("state.prev.json"));
        // Replaced atomically (temp file, fsync, rename, folder fsync): the new content stays.
        disk.write_atomic(&state, b"one").unwrap();
        disk.replace(&state, b"two", Some(&prev)).unwrap();
        // Appended and fsynced, then appended again without an fsync: the tail is lost.
        let mut f = disk.open_append(&d.join("log")).unwrap();
        disk.write_all(&mut f, b"a\n").unwrap();
        disk.sync(&f).unwrap();
        disk.sync_dir(d).unwrap();
        disk.write_all(&mut f, b"b\n").unwrap();
        // A new file fsynced, but not its folder: its name is lost.
        let mut g = disk.create(&d.join("orphan")).unwrap();
        disk.write_all(&mut g, b"x").unwrap();
        disk.sync(&g).unwrap();
        // Replaced again keeping the previous generation (a hard link, then renames), cut before
        // the folder's fsync: the generations stay as they were (the names share a file while
        // the system runs; the cut must not write one through the other).
        let mut h = disk.create(&d.join("state.tmp")).unwrap();
        disk.write_all(&mut h, b"three").unwrap();
        disk.sync(&h).unwrap();
        disk.hard_link(&state, &d.join("state.prev.tmp")).unwrap();
        disk.rename(&d.join("state.prev.tmp"), &prev).unwrap();
        disk.rename(&d.join("state.tmp"), &state).unwrap();
        // Renamed without a folder fsync: the old name is still what the disk has.
        disk.rename(&d.join("old"), &d.join("new")).unwrap();
        disk.cut_power().unwrap();
        assert_eq!(std::fs::read(&state).unwrap(), b"two");
        assert_eq!(std::fs::read(&prev).unwrap(), b"one");
        assert_eq!(std::fs::read(d.join("log")).unwrap(), b"a\n");
        assert!(!d.join("orphan").exists());
        assert!(!d.join("new").exists());
        assert_eq!(std::fs::read(d.join("old")).unwrap(), b"before");
        assert!(!d.join("state.tmp").exists() && !d.join("state.prev.tmp").exists());
        // After the cut the disk refuses every operation, as a machine without power would.
        assert!(disk.write_atomic(&state, b"four").is_err());
    }
}
