//! What the operators' console asks of the core: the glass as the card acknowledged it, the
//! announcements, and the playlist — read, checked, saved (atomically, every version kept, each
//! change in the audit log) and restored.

use std::path::PathBuf;

use jiff::Timestamp;
use pinghu_fonts::Frame;
use pinghu_playlists::{Calendar, Diagnostic, Problem};
use serde::Serialize;
use serde_json::json;

use super::{Core, SAMPLE_PLAYLIST};
use crate::board::{MAIN_AREA, Renderer, URGENT_AREA};
use crate::config::Config;
use crate::findings::Finding;
use crate::ingest::sha256_hex;

/// What [`Core::examine`] found: the playlist when nothing refuses it, errors, warnings.
#[derive(Debug)]
pub struct Examined {
    pub playlist: Option<pinghu_playlists::Playlist>,
    pub errors: Vec<Diagnostic<Finding>>,
    pub warnings: Vec<Diagnostic<Finding>>,
}

impl Examined {
    fn refused(errors: &[Diagnostic]) -> Self {
        Self {
            playlist: None,
            errors: errors.iter().cloned().map(Finding::at_place_of).collect(),
            warnings: Vec::new(),
        }
    }
}

/// Where saved playlist versions are kept, in the data directory.
pub const HISTORY_DIR: &str = "playlist-history";

/// One saved version of the playlist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct PlaylistHistory {
    pub at: String,
    pub who: String,
    pub sha256: String,
    /// `initial` (what ran before the console's first save), `outside` (the file as edited by
    /// hand, kept when the console next saved over it), `save`, `restore` or `push`.
    pub action: String,
    /// The file holding this version, in the history folder.
    pub file: String,
    /// The version this one replaced on the board (its SHA-256, kept in the history too): what
    /// an undo of this change restores. `None` for an `initial` entry and in older indexes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replaced: Option<String>,
}

/// A week of the running playlist, for the console's timeline.
#[derive(Debug, Clone)]
pub struct Week {
    pub entries: Vec<pinghu_playlists::TimelineEntry>,
    pub days: Vec<(jiff::civil::Date, pinghu_playlists::DayKind)>,
    pub items: Vec<String>,
}

/// The time the audit log's diff of a save may take on the core thread (issue #30).
const AUDIT_DIFF_TIME: std::time::Duration = std::time::Duration::from_millis(100);

/// Why a playlist was not saved.
#[derive(Debug)]
pub enum SaveError {
    /// The playlist has problems (nothing changed).
    Invalid(Vec<Diagnostic<Finding>>),
    /// The daemon has no playlist file to write, or the disk refused (nothing changed).
    Failed(SaveFailure),
}

/// Why a playlist that checked could not be saved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SaveFailure {
    #[error("the daemon runs the built-in sample playlist: set `playlist = \"FILE\"` in its configuration to edit one")]
    NoFile,
    /// The disk refused the history, the audit log or the file: the system's words.
    #[error("the playlist was not saved: {detail}")]
    Disk { detail: String },
}

impl pinghu_playlists::Bilingual for SaveFailure {
    fn zh(&self) -> String {
        match self {
            Self::NoFile => {
                "未保存：本屏运行的是内置示例节目单，请在配置中设置 playlist = \"文件\" 后再编辑".to_owned()
            }
            Self::Disk { .. } => "未保存：无法写入磁盘（请检查磁盘空间和权限后重试）".to_owned(),
        }
    }
}

impl Core {
    /// The glass as the card acknowledged it: the urgent area's first page while one shows,
    /// else the rotation's; dark before anything was acknowledged, and dark while the board is
    /// switched off (by the playlist's power times or a technician).
    pub fn glass(&self) -> Frame {
        if !self.health.power {
            return Frame::new(self.cfg.width, self.cfg.height, self.cfg.colors);
        }
        self.health.glass[usize::from(URGENT_AREA)]
            .clone()
            .or_else(|| self.health.glass[usize::from(MAIN_AREA)].clone())
            .unwrap_or_else(|| Frame::new(self.cfg.width, self.cfg.height, self.cfg.colors))
    }

    /// The card acknowledged the first page of `area`, named by its hash.
    pub(super) fn acknowledged(&mut self, area: u8, frame_sha256: &str) {
        let content = if area == URGENT_AREA {
            &self.planner.desired.urgent
        } else {
            &self.planner.desired.main
        };
        if let Some(f) = content
            .as_ref()
            .filter(|c| c.first_frame_sha256() == frame_sha256)
            .and_then(|c| c.pages.first())
            && let Some(slot) = self.health.glass.get_mut(usize::from(area))
        {
            *slot = Some(f.clone());
        }
    }

    /// The card no longer shows `area`.
    pub(super) fn area_cleared(&mut self, area: u8) {
        if let Some(slot) = self.health.glass.get_mut(usize::from(area)) {
            *slot = None;
        }
    }

    /// The board's time zone (the console shows times in it).
    /// The proof-log segments holding entries from `from` to `to` and whether the whole chain
    /// verified (see `ProofLog::segments_between`); `None`: read every segment from the start.
    pub fn proof_segments(&self, from: Timestamp, to: Timestamp) -> Option<(Vec<PathBuf>, bool)> {
        let p = self.storage.proof.as_ref()?;
        let segs = p.segments_between(from, to)?;
        Some((segs, p.verdict().problems().is_empty()))
    }

    pub fn time_zone(&self) -> &jiff::tz::TimeZone {
        &self.planner.tz
    }

    /// Page `n` (from 0) of announcement `id` as the board shows it.
    pub fn announcement_page(&mut self, id: &str, n: usize) -> Option<pinghu_fonts::Frame> {
        let rec = self.storage.store.state.announcements.get(id)?;
        let content = pinghu_playlists::announcement_content(&rec.announcement, self.playlist.current.defaults);
        self.planner.renderer.render(&content).pages.get(n).cloned()
    }

    /// [`examine`] for this board.
    pub fn examine(&mut self, text: &str, now: Timestamp) -> Examined {
        examine(
            &self.cfg,
            &mut self.planner.renderer,
            &self.planner.calendar,
            &self.planner.tz,
            text,
            now,
        )
    }

    /// The running playlist over the 7 days from today's midnight (board time): every change of the
    /// rotation, brightness and power; the kind of each day (holiday, make-up workday …); the item ids.
    pub fn week(&self, now: Timestamp) -> Week {
        let today = now.to_zoned(self.planner.tz.clone()).date();
        let start = today.to_zoned(self.planner.tz.clone()).map_or(now, |z| z.timestamp());
        Week {
            entries: pinghu_playlists::timeline(
                &self.playlist.current,
                &self.planner.calendar,
                &self.planner.tz,
                start,
                7 * 24,
            ),
            days: (0..7)
                .filter_map(|k| today.checked_add(jiff::Span::new().days(k)).ok())
                .map(|d| (d, self.planner.calendar.kind(d)))
                .collect(),
            items: self.playlist.current.items.iter().map(|i| i.id.clone()).collect(),
        }
    }

    /// The console's audit view: the last `n` changes, newest first, and the chain's verdict.
    pub fn audit_recent(
        &self,
        n: usize,
    ) -> std::io::Result<(Vec<crate::audit::AuditEntry>, crate::audit::AuditReport)> {
        self.audit.recent(n)
    }

    /// The playlist the daemon runs, as text.
    pub fn playlist_text(&self) -> String {
        match &self.cfg.playlist {
            Some(p) => std::fs::read_to_string(p).unwrap_or_default(),
            None => SAMPLE_PLAYLIST.to_owned(),
        }
    }

    fn history_dir(&self) -> PathBuf {
        self.cfg.data_dir.join(HISTORY_DIR)
    }

    /// The saved versions, newest first.
    pub fn playlist_history(&self) -> Vec<PlaylistHistory> {
        let index = std::fs::read_to_string(self.history_dir().join("index.jsonl")).unwrap_or_default();
        let mut v: Vec<PlaylistHistory> = index.lines().filter_map(|l| serde_json::from_str(l).ok()).collect();
        v.reverse();
        v
    }

    /// The text of a saved version.
    pub fn playlist_version(&self, sha256: &str) -> Option<String> {
        let h = self.playlist_history().into_iter().find(|h| h.sha256 == sha256)?;
        std::fs::read_to_string(self.history_dir().join(h.file)).ok()
    }

    /// Check `text`, then write it atomically as the playlist, keep the version, record the change
    /// in the audit log, and run it at once. Nothing changes when any step fails. Returns the
    /// version, and the warnings of [`Core::examine`] (saved all the same).
    pub fn save_playlist(
        &mut self,
        text: &str,
        who: &str,
        action: &str,
        now: Timestamp,
    ) -> Result<(PlaylistHistory, Vec<Diagnostic<Finding>>), SaveError> {
        let Some(path) = self.cfg.playlist.clone() else {
            return Err(SaveError::Failed(SaveFailure::NoFile));
        };
        // The same examination as the console's check: what it refuses is never saved.
        let examined = self.examine(text, now);
        let Some(mut playlist) = examined.playlist else {
            return Err(SaveError::Invalid(examined.errors));
        };
        // Named for its file, as one read from it is (the status's `playlist.origin`).
        playlist.origin = path.display().to_string();
        let before = self.playlist_text();
        let before_sha = sha256_hex(before.as_bytes());
        let dir = self.history_dir();
        // What runs now is kept as a version before it is replaced, unless it already is the
        // newest one (an edit of the file by hand, or the text before the console's first save),
        // so every change can be undone from the history.
        let history = self.playlist_history();
        let first = history.is_empty();
        let kept_already = history.first().is_some_and(|h| h.sha256 == before_sha);
        let disk = self.storage.disk.for_purpose(crate::disk::Purpose::Other);
        // A version: its text in the history folder, then its line in the index.
        let keep =
            |text: &str, who: &str, action: &str, replaced: Option<String>| -> std::io::Result<PlaylistHistory> {
                let sha256 = sha256_hex(text.as_bytes());
                let file = format!("{}-{}.toml", crate::disk::file_stamp(now), &sha256[..12]);
                disk.write_atomic(&dir.join(&file), text.as_bytes())?;
                let entry = PlaylistHistory {
                    at: now.to_string(),
                    who: who.to_owned(),
                    sha256,
                    action: action.to_owned(),
                    file,
                    replaced,
                };
                let mut line = serde_json::to_vec(&entry).map_err(std::io::Error::other)?;
                line.push(b'\n');
                let mut f = disk.open_append(&dir.join("index.jsonl"))?;
                disk.write_all(&mut f, &line)?;
                disk.sync(&f)?;
                Ok(entry)
            };
        let write = || -> std::io::Result<PlaylistHistory> {
            std::fs::create_dir_all(&dir)?;
            if !kept_already {
                // The version that ran before this save, so it can be restored: the file as it
                // was before the console's first save, or as someone edited it by hand since.
                if first {
                    keep(&before, "(before the console)", "initial", None)?;
                } else {
                    keep(&before, "(edited outside the console)", "outside", None)?;
                }
            }
            let entry = keep(text, who, action, Some(before_sha.clone()))?;
            let sha = entry.sha256.clone();
            // The diff of a rewrite of a long playlist (the sample replaced by 10 000 items) took
            // the core thread 4 s: past its time, the diff is still right, only less minimal.
            let diff = similar::TextDiff::configure()
                .timeout(AUDIT_DIFF_TIME)
                .diff_lines(before.as_str(), text)
                .unified_diff()
                .header("before", "after")
                .to_string();
            self.audit.append(
                now,
                who,
                &format!("playlist.{action}"),
                json!({"sha256": sha, "diff": diff}),
            )?;
            disk.write_atomic(&path, text.as_bytes())?;
            Ok(entry)
        };
        let entry = write().map_err(|e| SaveError::Failed(SaveFailure::Disk { detail: e.to_string() }))?;
        let (done, n) = (super::playlist::done(action), playlist.items.len());
        tracing::info!("playlist {} {done} by {who} ({n} items)", path.display());
        self.playlist.current = playlist;
        self.playlist.error = None;
        self.playlist.mtime = std::fs::metadata(&path).and_then(|m| m.modified()).ok();
        self.playlist.sha = Some(sha256_hex(text.as_bytes()));
        self.keep_good_playlist(text);
        Ok((entry, examined.warnings))
    }
}

/// What the console's check and its save find in a playlist, for this board: what `pinghu
/// playlist check --board WxH` finds. Errors: it does not parse, a picture cannot be read,
/// the campaigns are overbooked. Warnings: a picture that will not look good on these LEDs,
/// characters no font has (they show as boxes), a year the holiday calendar lacks when the
/// playlist counts workdays.
pub fn examine(
    cfg: &Config,
    renderer: &mut Renderer,
    calendar: &Calendar,
    tz: &jiff::tz::TimeZone,
    text: &str,
    now: Timestamp,
) -> Examined {
    let at = |line: usize, problem: Finding| Diagnostic {
        file: "playlist".into(),
        line,
        col: 1,
        problem,
    };
    let playlist = match pinghu_playlists::parse(text, "playlist") {
        Ok(p) => p,
        Err(e) => return Examined::refused(e.diagnostics()),
    };
    let dir = renderer.image_dir.clone().unwrap_or_default();
    let beside = cfg.playlist.clone().unwrap_or_else(|| dir.join("playlist.toml"));
    let (mut errors, mut warnings) = (Vec::new(), Vec::new());
    for item in playlist.all_items() {
        if let Some(f) = &item.image {
            match pinghu_fonts::picture::load(&dir.join(f)) {
                // A picture that cannot be read would leave the board dark: refused at its line.
                Err(error) => errors.push(at(
                    item.line,
                    Finding::PictureUnreadable {
                        image: f.clone(),
                        error,
                        beside: beside.display().to_string(),
                    },
                )),
                Ok(img) => {
                    let reduce = pinghu_fonts::picture::Reduce::threshold_if(item.threshold);
                    let p = pinghu_fonts::picture::to_frame(&img, cfg.width, cfg.height, cfg.colors, reduce);
                    warnings.extend(p.warnings.into_iter().map(|warning| {
                        let picture = Finding::Picture {
                            item: item.id.clone(),
                            image: f.clone(),
                            warning,
                        };
                        at(item.line, picture)
                    }));
                }
            }
        } else if let Some(w) = renderer.missing_glyphs_warning(item) {
            warnings.push(at(item.line, w));
        }
        for w in pinghu_playlists::fields::item_problems(item) {
            warnings.push(at(item.line, w.into()));
        }
    }
    if errors.is_empty() {
        errors = renderer
            .check_bookings(&playlist, calendar)
            .into_iter()
            .map(Finding::at_place_of)
            .collect();
    }
    if playlist.uses_calendar() {
        let today = now.to_zoned(tz.clone()).date();
        for y in calendar.missing_years(today) {
            warnings.push(at(1, Problem::CalendarMissingYear { year: y }.into()));
        }
    }
    Examined {
        playlist: errors.is_empty().then_some(playlist),
        errors,
        warnings,
    }
}
