//! The core's playlist and calendar: read at start, the playlist file watched and reloaded when it
//! changes (a bad file is refused and the old one kept), the calendar built from its sources.
//!
//! **A bad file never keeps the board dark.** Every playlist the board accepts from its file is
//! also kept in the data folder ([`LAST_GOOD`], written only when it changes). A start whose
//! playlist file is refused (a typo saved before a reboot, a truncated copy, a picture gone) runs
//! that copy, or with none an empty rotation (announcements, warnings and the flash program
//! still show), says so in the status's `playlist.error`, and takes the file as soon as it is
//! fixed. A holiday file or a font that cannot be read is left out the same way: the built-in
//! one runs, and the status's `config_problems` names it.

use std::path::{Path, PathBuf};

use jiff::Timestamp;
use pinghu_playlists::{Calendar, Playlist, PlaylistError};

use super::left_out::CalendarFileProblem;
use super::refusal::{CopyProblem, Instead, Refusal};
use super::{Core, SAMPLE_PLAYLIST};
use crate::board::Renderer;
use crate::config::Config;
use crate::disk::Purpose;
use crate::ingest::sha256_hex;

/// How coarse a file's modification time may be (FAT's 2 s; others are finer).
const MTIME_TICK: std::time::Duration = std::time::Duration::from_secs(2);
/// The playlist file's text (read once), its SHA-256 and its modification time.
pub(super) fn read_playlist(
    p: &Path,
) -> Result<(String, String, Option<std::time::SystemTime>), pinghu_playlists::PlaylistError> {
    let mtime = std::fs::metadata(p).and_then(|m| m.modified()).ok();
    let text = std::fs::read_to_string(p).map_err(|e| pinghu_playlists::PlaylistError::read(p, &e))?;
    let sha = sha256_hex(text.as_bytes());
    Ok((text, sha, mtime))
}

/// The file in the data folder that keeps the last playlist the board accepted from its file.
pub const LAST_GOOD: &str = "playlist.last-good.toml";

/// The playlist at start.
pub(super) struct Start {
    pub playlist: Playlist,
    /// The playlist file's SHA-256 and modification time, as read (none for the sample).
    pub sha: Option<String>,
    pub mtime: Option<std::time::SystemTime>,
    /// The file's text when it was accepted (to keep as the last good copy).
    pub accepted: Option<String>,
    /// Why the file was refused, and what runs instead.
    pub error: Option<Refusal>,
}

/// Parse a playlist and check its bookings (campaigns that cannot all be met are refused).
fn accept(text: &str, origin: &str, renderer: &mut Renderer, cal: &Calendar) -> Result<Playlist, PlaylistError> {
    let pl = pinghu_playlists::parse(text, origin)?;
    let overbooked = renderer.check_bookings(&pl, cal);
    if overbooked.is_empty() {
        Ok(pl)
    } else {
        Err(PlaylistError::Invalid(overbooked))
    }
}

/// The playlist to start with: the configured file; when it is refused, the last good copy in
/// `data_dir`; with none, an empty rotation. Never fails.
pub(super) fn start_playlist(cfg: &Config, renderer: &mut Renderer, cal: &Calendar) -> Start {
    let Some(p) = &cfg.playlist else {
        let playlist = accept(SAMPLE_PLAYLIST, "built-in sample playlist", renderer, cal)
            .unwrap_or_else(|e| unreachable_sample(&e));
        return Start {
            playlist,
            sha: None,
            mtime: None,
            accepted: None,
            error: None,
        };
    };
    let (read, sha, mtime) = match read_playlist(p) {
        Ok((text, sha, mtime)) => (Ok(text), Some(sha), mtime),
        Err(e) => (Err(e), None, None),
    };
    let refused =
        match read.and_then(|text| accept(&text, &p.display().to_string(), renderer, cal).map(|pl| (pl, text))) {
            Ok((playlist, text)) => {
                return Start {
                    playlist,
                    sha,
                    mtime,
                    accepted: Some(text),
                    error: None,
                };
            }
            Err(e) => e,
        };
    let copy = cfg.data_dir.join(LAST_GOOD);
    let (playlist, instead) = match std::fs::read_to_string(&copy)
        .map_err(|e| CopyProblem::Unreadable {
            kind: e.kind(),
            detail: e.to_string(),
        })
        .and_then(|text| accept(&text, &copy.display().to_string(), renderer, cal).map_err(CopyProblem::Refused))
    {
        Ok(pl) => {
            let accepted = std::fs::metadata(&copy)
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| Timestamp::try_from(t).ok())
                .map(|t| t.round(jiff::Unit::Second).unwrap_or(t));
            let items = pl.items.len();
            (
                pl,
                Instead::LastGood {
                    path: copy.display().to_string(),
                    accepted,
                    items,
                },
            )
        }
        Err(why) => {
            let instead = if copy.exists() {
                Instead::CopyUnusable {
                    path: copy.display().to_string(),
                    why,
                }
            } else {
                Instead::NoCopy
            };
            (Playlist::empty("none: the playlist file was refused"), instead)
        }
    };
    let error = Refusal {
        error: refused,
        file: p.display().to_string(),
        instead,
    };
    tracing::error!("playlist {} refused at start: {error}", p.display());
    Start {
        playlist,
        sha,
        mtime,
        accepted: None,
        error: Some(error),
    }
}

fn unreachable_sample(e: &PlaylistError) -> Playlist {
    // The sample is compiled in and checked by a test; should it ever fail, run empty.
    tracing::error!("the built-in sample playlist is refused: {e}");
    Playlist::empty("none: the built-in sample was refused")
}

/// The configured holiday file's text, read once at start. One that cannot be read or parsed is
/// left out (the built-in calendar and what the office pushed still apply): `Err` says why.
pub(super) fn calendar_file(cfg: &Config) -> Result<Option<(PathBuf, String)>, CalendarFileProblem> {
    let Some(c) = &cfg.calendar else {
        return Ok(None);
    };
    let text = std::fs::read_to_string(c).map_err(|e| CalendarFileProblem::Unreadable {
        path: c.display().to_string(),
        kind: e.kind(),
        detail: e.to_string(),
    })?;
    Calendar::builtin()
        .extend_from_str(&text, &c.display().to_string())
        .map_err(CalendarFileProblem::Invalid)?;
    Ok(Some((c.clone(), text)))
}

/// The holiday calendar: the built-in one, the configured file (already checked by
/// [`calendar_file`]), and what the office pushed.
pub(super) fn calendar(
    file: Option<&(PathBuf, String)>,
    pushed: Option<&str>,
) -> Result<Calendar, pinghu_playlists::CalendarError> {
    let mut cal = Calendar::builtin();
    if let Some((path, text)) = file {
        cal.extend_from_str(text, &path.display().to_string())?;
    }
    if let Some(text) = pushed {
        cal.extend_from_str(text, "the pushed calendar")?;
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
        // A file system's clock ticks coarsely (2 s on FAT, a timer tick elsewhere): a second
        // save within one tick leaves the time as it was. So a file read less than a tick after
        // its modification time is read again, and compared by content, until a reading comes
        // later than that.
        let settled = mtime.is_none_or(|m| self.playlist.read_at.is_some_and(|r| r >= m + MTIME_TICK));
        if mtime == self.playlist.mtime && settled {
            return false;
        }
        self.playlist.mtime = mtime;
        self.playlist.read_at = Some(std::time::SystemTime::now());
        let read = read_playlist(&p);
        if let Ok((_, sha, _)) = &read
            && self.playlist.sha.as_ref() == Some(sha)
        {
            return false; // touched, or read again: the same content
        }
        let loaded = read.and_then(|(text, sha, _)| {
            self.playlist.sha = Some(sha);
            accept(
                &text,
                &p.display().to_string(),
                &mut self.planner.renderer,
                &self.planner.calendar,
            )
            .map(|pl| (pl, text))
        });
        match loaded {
            Ok((pl, text)) => {
                tracing::info!("playlist {} reloaded: {} items", p.display(), pl.items.len());
                self.playlist.current = pl;
                self.playlist.error = None;
                self.keep_good_playlist(&text);
            }
            Err(e) => {
                tracing::error!("playlist {} refused, the previous one keeps running:\n{e}", p.display());
                self.playlist.error = Some(Refusal {
                    error: e,
                    file: p.display().to_string(),
                    instead: Instead::Previous {
                        origin: self.playlist.current.origin.clone(),
                        items: self.playlist.current.items.len(),
                    },
                });
            }
        }
        true
    }

    /// Keep `text`, a playlist the board just accepted from its file, as the last good copy
    /// (written only when it changed: the data folder may be an SD card). A failure is logged;
    /// the playlist runs anyway.
    pub(super) fn keep_good_playlist(&mut self, text: &str) {
        let sha = sha256_hex(text.as_bytes());
        if self.playlist.last_good_sha.as_deref() == Some(sha.as_str()) {
            return;
        }
        let path = self.cfg.data_dir.join(LAST_GOOD);
        match self
            .storage
            .disk
            .for_purpose(Purpose::Other)
            .write_atomic(&path, text.as_bytes())
        {
            Ok(()) => self.playlist.last_good_sha = Some(sha),
            Err(e) => tracing::warn!("cannot keep the last good playlist in {}: {e}", path.display()),
        }
    }
}

/// What a playlist save did, in the past tense, for the log: `save` → `saved`, `push` →
/// `pushed` (an English past tense is not always the word plus `d`).
pub(super) fn done(action: &str) -> &str {
    match action {
        "save" => "saved",
        "restore" => "restored",
        "push" => "pushed",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_log_says_what_was_done_in_english() {
        assert_eq!(super::done("push"), "pushed");
        assert_eq!(super::done("save"), "saved");
        assert_eq!(super::done("restore"), "restored");
    }
}
