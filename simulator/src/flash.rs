//! The card's flash file system: program files that survive power cuts, with the erase count
//! that wears flash out (about 100,000 cycles, docs/protocol.md Part D).
//!
//! [`Flash`] is plain memory inside the card model; [`load`] and [`save`] keep it in a folder
//! (`pinghu-sim --flash-dir DIR`) so it survives a restart of the simulator, as flash survives a
//! power cut. Layout: `DIR/files/NAME` holds each file, `DIR/flash.json` the erase counts.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

/// One file in flash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlashFile {
    pub data: Vec<u8>,
    /// How often this file's blocks were erased and written.
    pub erases: u64,
}

/// The card's flash.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Flash {
    pub files: BTreeMap<String, FlashFile>,
    /// Erases of files since deleted count here.
    pub erased_total: u64,
    /// Bumped on every change, so the front end knows when to save.
    pub generation: u64,
}

#[derive(Debug, Serialize, Deserialize)]
struct Counts {
    erased_total: u64,
    files: BTreeMap<String, u64>,
}

impl Flash {
    /// Write (erase and program) a file.
    pub fn write(&mut self, name: &str, data: Vec<u8>) {
        let f = self.files.entry(name.to_owned()).or_insert(FlashFile {
            data: Vec::new(),
            erases: 0,
        });
        f.data = data;
        f.erases += 1;
        self.erased_total += 1;
        self.generation += 1;
    }

    /// Delete a file (an erase too).
    pub fn delete(&mut self, name: &str) -> bool {
        let gone = self.files.remove(name).is_some();
        if gone {
            self.erased_total += 1;
            self.generation += 1;
        }
        gone
    }

    /// Program files (`P…`), in name order.
    pub fn programs(&self) -> impl Iterator<Item = (&String, &FlashFile)> {
        self.files.iter().filter(|(n, _)| n.starts_with('P'))
    }

    /// As `state.json` shows it.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "files": self.files.iter().map(|(n, f)| serde_json::json!({
                "name": n, "size": f.data.len(), "erase_count": f.erases,
            })).collect::<Vec<_>>(),
            "erase_count": self.erased_total,
        })
    }
}

/// Read the flash kept in `dir` (empty when the folder is new).
pub fn load(dir: &Path) -> std::io::Result<Flash> {
    let mut flash = Flash::default();
    let counts: Counts = match std::fs::read(dir.join("flash.json")) {
        Ok(b) => serde_json::from_slice(&b).map_err(|e| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!(
                    "{}: {e} (delete it to start with empty flash)",
                    dir.join("flash.json").display()
                ),
            )
        })?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(flash),
        Err(e) => return Err(e),
    };
    flash.erased_total = counts.erased_total;
    for (name, erases) in counts.files {
        if let Ok(data) = std::fs::read(dir.join("files").join(&name)) {
            flash.files.insert(name, FlashFile { data, erases });
        }
    }
    Ok(flash)
}

/// Keep `flash` in `dir`: every file, then the counts (each written atomically).
pub fn save(dir: &Path, flash: &Flash) -> std::io::Result<()> {
    let files = dir.join("files");
    std::fs::create_dir_all(&files)?;
    for (name, f) in &flash.files {
        let path = files.join(name);
        if std::fs::read(&path).ok().as_deref() != Some(&f.data[..]) {
            crate::server::write_atomic(&path, &f.data)?;
        }
    }
    for entry in std::fs::read_dir(&files)?.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !flash.files.contains_key(&name) && !name.contains(".tmp-") {
            std::fs::remove_file(entry.path())?;
        }
    }
    let counts = Counts {
        erased_total: flash.erased_total,
        files: flash.files.iter().map(|(n, f)| (n.clone(), f.erases)).collect(),
    };
    let json = serde_json::to_vec_pretty(&counts).map_err(std::io::Error::other)?;
    crate::server::write_atomic(&dir.join("flash.json"), &json)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn survives_a_restart_with_its_erase_counts() {
        let dir = std::env::temp_dir().join(format!("pinghu-flash-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let mut f = Flash::default();
        f.write("P000", vec![1, 2, 3]);
        f.write("P000", vec![4, 5]);
        f.write("P001", vec![6]);
        assert!(f.delete("P001"));
        save(&dir, &f).unwrap();
        let back = load(&dir).unwrap();
        assert_eq!(back.files, f.files);
        assert_eq!(back.files["P000"].erases, 2);
        assert_eq!(back.erased_total, 4);
        assert!(!dir.join("files/P001").exists());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
