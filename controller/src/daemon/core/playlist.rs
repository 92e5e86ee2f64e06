//! The core's playlist and calendar: read at start, the playlist file watched and reloaded when it
//! changes (a bad file is refused and the old one kept), the calendar built from its sources.

use std::path::{Path, PathBuf};

use pinghu_playlists::{Calendar, Playlist};

use super::{Core, SAMPLE_PLAYLIST};
use crate::daemon::config::Config;
use crate::daemon::ingest::sha256_hex;

/// The playlist file's text (read once), its SHA-256 and its modification time.
pub(super) fn read_playlist(
    p: &Path,
) -> Result<(String, String, Option<std::time::SystemTime>), pinghu_playlists::PlaylistError> {
    let mtime = std::fs::metadata(p).and_then(|m| m.modified()).ok();
    let text = std::fs::read_to_string(p).map_err(|e| pinghu_playlists::PlaylistError::Read {
        path: p.display().to_string(),
        reason: e.to_string(),
    })?;
    let sha = sha256_hex(text.as_bytes());
    Ok((text, sha, mtime))
}

/// The playlist at start, with its file's SHA-256 and modification time (none for the sample).
type Loaded = (Playlist, Option<String>, Option<std::time::SystemTime>);

pub(super) fn load_playlist(path: Option<&PathBuf>) -> Result<Loaded, String> {
    match path {
        Some(p) => {
            let (text, sha, mtime) = read_playlist(p).map_err(|e| e.to_string())?;
            let pl = pinghu_playlists::parse(&text, &p.display().to_string()).map_err(|e| e.to_string())?;
            Ok((pl, Some(sha), mtime))
        }
        None => pinghu_playlists::parse(SAMPLE_PLAYLIST, "built-in sample playlist")
            .map(|p| (p, None, None))
            .map_err(|e| e.to_string()),
    }
}

/// The holiday calendar: the built-in one, the configured file, and what the office pushed.
pub(super) fn calendar(cfg: &Config, pushed: Option<&str>) -> Result<Calendar, String> {
    let mut cal = Calendar::builtin();
    if let Some(c) = &cfg.calendar {
        let text = std::fs::read_to_string(c).map_err(|e| format!("{}: {e}", c.display()))?;
        cal.extend_from_str(&text, &c.display().to_string())
            .map_err(|e| e.to_string())?;
    }
    if let Some(text) = pushed {
        cal.extend_from_str(text, "the pushed calendar")
            .map_err(|e| e.to_string())?;
    }
    Ok(cal)
}

impl Core {
    /// Reload the playlist file when it changed; a bad file is refused and the old one kept.
    pub(super) fn watch_playlist(&mut self) -> bool {
        let Some(p) = self.cfg.playlist.clone() else {
            return false;
        };
        let mtime = std::fs::metadata(&p).and_then(|m| m.modified()).ok();
        if mtime == self.playlist_mtime {
            return false;
        }
        self.playlist_mtime = mtime;
        let loaded = read_playlist(&p).and_then(|(text, sha, _)| {
            self.playlist_sha = Some(sha);
            let pl = pinghu_playlists::parse(&text, &p.display().to_string())?;
            let overbooked = self.renderer.check_bookings(&pl, &self.calendar);
            if overbooked.is_empty() {
                Ok(pl)
            } else {
                Err(pinghu_playlists::PlaylistError::Invalid(overbooked))
            }
        });
        match loaded {
            Ok(pl) => {
                tracing::info!("playlist {} reloaded: {} items", p.display(), pl.items.len());
                self.playlist = pl;
                self.playlist_error = None;
            }
            Err(e) => {
                tracing::error!("playlist {} refused, the previous one keeps running:\n{e}", p.display());
                self.playlist_error = Some(e.to_string());
            }
        }
        true
    }
}
