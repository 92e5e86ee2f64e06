//! `pinghu playlist check|timeline`: validate playlists (here, with the booking check and the
//! pictures judged against the board) and show what the board will do (`plan.rs`).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use pinghu_playlists::{Calendar, Playlist, PlaylistError, load};
use serde_json::json;

mod plan;
pub use plan::{
    CampaignPlan, DayPlan, HourPlan, TimelineArgs, parse_from, plan_day, render_timeline, time_zone, timeline_command,
};

/// A board to judge pictures against: width, height, colours.
pub type Board = (u32, u32, pinghu_fonts::ColorMode);

/// Default time zone of the board.
pub const DEFAULT_TZ: &str = "Asia/Shanghai";

/// The built-in calendar, extended with `extra` (a holidays TOML file) when given.
pub fn calendar(extra: Option<&Path>) -> Result<Calendar> {
    let mut cal = Calendar::builtin();
    if let Some(p) = extra {
        let text = std::fs::read_to_string(p).with_context(|| format!("cannot read calendar {}", p.display()))?;
        cal.extend_from_str(&text, &p.display().to_string())?;
    }
    Ok(cal)
}

/// The outcome of `check` for one file.
#[derive(Debug)]
pub struct Checked {
    pub ok: bool,
    pub text: String,
    pub json: serde_json::Value,
}

fn summary(p: &Playlist) -> String {
    let power = p.power.map_or_else(
        || "power always on".to_string(),
        |pw| {
            format!(
                "power {:02}:{:02}-{:02}:{:02}",
                pw.on / 60,
                pw.on % 60,
                pw.off / 60,
                pw.off % 60
            )
        },
    );
    let campaigns = if p.campaigns.is_empty() {
        String::new()
    } else {
        format!(
            ", {} with {} (government floor {})",
            count(p.campaigns.len(), "campaign"),
            count(p.campaigns.iter().map(|c| c.items.len()).sum::<usize>(), "spot"),
            p.government_floor
        )
    };
    format!(
        "{}, {}, {power}{campaigns}",
        count(p.items.len(), "item"),
        count(p.brightness.len(), "brightness window")
    )
}

/// `n` things, in the singular for one.
pub(super) fn count(n: usize, thing: &str) -> String {
    if n == 1 {
        format!("1 {thing}")
    } else {
        format!("{n} {thing}s")
    }
}

/// The pictures of a playlist's image items: each must read (an error at the item's line), and
/// with a board size each is judged for how it will look there (warnings); braces in a text that
/// are no field, and with a board characters no font has, are warnings too.
fn check_items(path: &Path, p: &Playlist, board: Option<Board>) -> (Vec<String>, Vec<String>) {
    let (mut errors, mut warnings) = (Vec::new(), Vec::new());
    let dir = path.parent().unwrap_or(Path::new("."));
    for item in p.all_items() {
        let Some(file) = &item.image else { continue };
        let at = format!("{}:{}:1", path.display(), item.line);
        match (pinghu_fonts::picture::load(&dir.join(file)), board) {
            (Err(e), _) => errors.push(format!("{at}: item {}: image {file:?}: {e}", item.id)),
            (Ok(img), Some((w, h, colors))) => {
                let reduce = pinghu_fonts::picture::Reduce::threshold_if(item.threshold);
                for w in pinghu_fonts::picture::to_frame(&img, w, h, colors, reduce).warnings {
                    warnings.push(format!("{at}: warning: item {}: image {file:?}: {w}", item.id));
                }
            }
            (Ok(_), None) => {}
        }
    }
    // Braces that are no field are shown as written (the console warns alike).
    for item in p.all_items() {
        for w in pinghu_playlists::fields::item_problems(item) {
            warnings.push(format!("{}:{}:1: warning: {w}", path.display(), item.line));
        }
    }
    // Characters no font has, as the board's renderer would draw them (the console warns alike).
    if let Some(b) = board {
        let mut r = board_renderer(path, b);
        for item in p.all_items() {
            if let Some(w) = r.missing_glyphs_warning(item) {
                warnings.push(format!("{}:{}:1: warning: {w}", path.display(), item.line));
            }
        }
    }
    (errors, warnings)
}

/// A renderer for `board`, finding a playlist's pictures beside the playlist file.
fn board_renderer(path: &Path, (w, h, colors): Board) -> crate::daemon::board::Renderer {
    let mut r = crate::daemon::board::Renderer::new(w, h, colors, None);
    r.image_dir = Some(path.parent().unwrap_or(Path::new(".")).to_path_buf());
    r
}

/// The booking check of the campaigns: spots as long as `board` shows them, or one page each.
fn bookings(path: &Path, p: &Playlist, cal: &Calendar, board: Option<Board>) -> Vec<pinghu_playlists::Diagnostic> {
    match board {
        Some(b) => board_renderer(path, b).check_bookings(p, cal),
        None => pinghu_playlists::check_bookings(p, cal, &|i| i.style.dwell_s),
    }
}

/// `--board WxH` with `--colors`.
pub fn board(arg: Option<&str>, colors: pinghu_fonts::ColorMode) -> Result<Option<Board>> {
    let Some(b) = arg else { return Ok(None) };
    let (w, h) = b
        .split_once('x')
        .and_then(|(w, h)| Some((w.parse::<u32>().ok()?, h.parse::<u32>().ok()?)))
        .with_context(|| format!("--board {b:?} must be WIDTHxHEIGHT in pixels, e.g. 128x32"))?;
    if let Some(problem) = pinghu_protocol::board_size_problem(w, h) {
        anyhow::bail!("--board {b}: {problem}");
    }
    Ok(Some((w, h, colors)))
}

pub fn check(path: &Path, cal: &Calendar, now: Timestamp) -> Checked {
    check_for(path, cal, now, None)
}

/// [`check`], with pictures judged for `board` when given.
pub fn check_for(path: &Path, cal: &Calendar, now: Timestamp, board: Option<Board>) -> Checked {
    match load(path) {
        Ok(p) => {
            let (mut errors, image_warnings) = check_items(path, &p, board);
            if errors.is_empty() {
                errors.extend(bookings(path, &p, cal, board).iter().map(ToString::to_string));
            }
            if !errors.is_empty() {
                let mut text = String::new();
                for e in &errors {
                    let _ = writeln!(text, "{e}");
                }
                let _ = writeln!(
                    text,
                    "{}: refused: {} problem(s); fix them and check again",
                    path.display(),
                    errors.len()
                );
                return Checked {
                    ok: false,
                    text,
                    json: json!({"file": path.display().to_string(), "ok": false, "errors": errors}),
                };
            }
            let mut text = format!("{}: ok, {}\n", path.display(), summary(&p));
            for w in &image_warnings {
                let _ = writeln!(text, "{w}");
            }
            let mut notes = Vec::new();
            if !p.campaigns.is_empty() && board.is_none() {
                notes.push(
                    "campaigns were booked with one page per spot; give --board WxH to count the pages as the board shows them"
                        .to_string(),
                );
            }
            if p.items.iter().any(|i| i.workdays_only || i.days_off_only) {
                let year = now.to_zoned(TimeZone::UTC).year();
                for y in [year, year + 1] {
                    if !cal.covers(y) {
                        notes.push(format!(
                            "the holiday calendar has no official data for {y}: workdays_only/days_off_only treat it as Monday-Friday \
                             until you add the year (--calendar FILE, format of playlists/data/holidays-cn.toml)"
                        ));
                    }
                }
            }
            for n in &notes {
                let _ = writeln!(text, "{}: note: {n}", path.display());
            }
            Checked {
                ok: true,
                text,
                json: json!({"file": path.display().to_string(), "ok": true, "items": p.items.len(),
                             "brightness_windows": p.brightness.len(), "power": p.power, "notes": notes,
                             "warnings": image_warnings}),
            }
        }
        Err(e) => {
            let text = match &e {
                PlaylistError::Invalid(d) => {
                    let mut s = String::new();
                    for x in d {
                        let _ = writeln!(s, "{x}");
                    }
                    let _ = writeln!(
                        s,
                        "{}: refused: {} problem(s); fix them and check again",
                        path.display(),
                        d.len()
                    );
                    s
                }
                other => format!("{other}\n"),
            };
            Checked {
                ok: false,
                text,
                json: json!({"file": path.display().to_string(), "ok": false, "errors": e.diagnostics(), "error": e.to_string()}),
            }
        }
    }
}

#[derive(Debug, clap::Subcommand)]
pub enum PlaylistCommand {
    /// Validate playlists: a one-line summary each, or every problem as FILE:LINE:COL: message (exit 1)
    Check {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Extra holiday calendar (TOML, format of playlists/data/holidays-cn.toml)
        #[arg(long, value_name = "FILE")]
        calendar: Option<PathBuf>,
        /// Judge the items for this board, WIDTHxHEIGHT (e.g. 128x32): pictures too small, too busy or too dark, characters no font has
        #[arg(long, value_name = "WxH")]
        board: Option<String>,
        /// The board's LEDs, with --board
        #[arg(long, default_value = "red-green", value_parser = crate::cli::args::colors())]
        colors: pinghu_fonts::ColorMode,
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
    /// Every change of what shows, brightness and power over a span of time; with --date, the
    /// campaigns' planned plays per hour against their targets
    Timeline(TimelineArgs),
}

impl PlaylistCommand {
    pub fn run(self) -> Result<ExitCode> {
        match self {
            PlaylistCommand::Check {
                files,
                calendar,
                board: size,
                colors,
                json,
            } => check_command(&files, calendar.as_deref(), json, board(size.as_deref(), colors)?),
            PlaylistCommand::Timeline(a) => timeline_command(&a),
        }
    }
}

/// `pinghu playlist check`: check each file; exit 1 when any has errors.
pub fn check_command(
    files: &[PathBuf],
    calendar_file: Option<&Path>,
    json: bool,
    board: Option<Board>,
) -> Result<ExitCode> {
    let cal = calendar(calendar_file)?;
    let now = Timestamp::now();
    let results: Vec<_> = files.iter().map(|f| check_for(f, &cal, now, board)).collect();
    let ok = results.iter().all(|r| r.ok);
    if json {
        let v: Vec<_> = results.iter().map(|r| r.json.clone()).collect();
        println!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        for r in &results {
            if r.ok {
                print!("{}", r.text);
            } else {
                eprint!("{}", r.text);
            }
        }
    }
    Ok(crate::cli::exit_code(!ok))
}
