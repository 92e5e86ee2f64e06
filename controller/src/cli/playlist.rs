//! `pinghu playlist check|timeline`: validate playlists and show what the board will do.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use pinghu_playlists::{Calendar, Playlist, PlaylistError, load, timeline};
use serde_json::json;

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
            ", {} campaigns with {} spots (government floor {})",
            p.campaigns.len(),
            p.campaigns.iter().map(|c| c.items.len()).sum::<usize>(),
            p.government_floor
        )
    };
    format!(
        "{} items, {} brightness windows, {power}{campaigns}",
        p.items.len(),
        p.brightness.len()
    )
}

/// Validate one playlist file.
/// The pictures of a playlist's image items: each must read (an error at the item's line), and
/// with a board size each is judged for how it will look there (warnings).
fn check_images(path: &Path, p: &Playlist, board: Option<Board>) -> (Vec<String>, Vec<String>) {
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
    (errors, warnings)
}

/// A renderer for `board`, finding a playlist's pictures beside the playlist file.
fn board_renderer(path: &Path, (w, h, colors): Board) -> crate::daemon::board::Renderer {
    let mut r = crate::daemon::board::Renderer::new(w, h, colors, None);
    r.image_dir = Some(path.parent().unwrap_or(Path::new(".")).to_path_buf());
    r
}

/// `HH:00-HH:00`, the hour starting at `h`.
fn hour_label(h: u16) -> String {
    format!("{h:02}:00-{:02}:00", h + 1)
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
        .filter(|(w, h)| *w > 0 && *h > 0 && *w <= 4096 && *h <= 4096)
        .with_context(|| format!("--board {b:?} must be WIDTHxHEIGHT in pixels, e.g. 128x32"))?;
    Ok(Some((w, h, colors)))
}

/// One campaign's plan for one hour.
#[derive(Debug, serde::Serialize)]
pub struct HourPlan {
    pub hour: String,
    pub planned: u32,
    /// The target's plays in that hour (fractional: an even spread).
    pub target: f64,
}

/// One campaign's plan for a day.
#[derive(Debug, serde::Serialize)]
pub struct CampaignPlan {
    pub campaign: String,
    pub advertiser: String,
    pub target: String,
    pub hours: Vec<HourPlan>,
    pub planned: u32,
    pub wanted: f64,
}

/// A day's plan for every campaign, from the scheduler itself run over the day (no notices).
#[derive(Debug, serde::Serialize)]
pub struct DayPlan {
    pub file: String,
    pub date: jiff::civil::Date,
    pub day: pinghu_playlists::DayKind,
    pub campaigns: Vec<CampaignPlan>,
    /// Seconds of spots in each hour, and what the government floor allows.
    pub spot_s: Vec<(String, u32, f64)>,
}

impl DayPlan {
    fn to_text(&self) -> String {
        let mut out = format!(
            "{} — campaigns planned on {} ({:?}); planned / target plays\n",
            self.file,
            self.date.strftime("%a %Y-%m-%d"),
            self.day
        );
        if self.campaigns.is_empty() {
            out.push_str("  no campaign plays that day\n");
            return out;
        }
        let _ = write!(out, "{:<13}", "hour");
        for c in &self.campaigns {
            let _ = write!(out, "{:>20}", c.campaign);
        }
        let _ = writeln!(out, "{:>16}", "spots s / room");
        for (h, (label, secs, room)) in self.spot_s.iter().enumerate() {
            let cells: Vec<&HourPlan> = self.campaigns.iter().map(|c| &c.hours[h]).collect();
            if *secs == 0 && cells.iter().all(|c| c.target == 0.0) {
                continue;
            }
            let _ = write!(out, "{label:<13}");
            for c in cells {
                let cell = if c.target == 0.0 && c.planned == 0 {
                    "-".to_string()
                } else {
                    format!("{} / {:.1}", c.planned, c.target)
                };
                let _ = write!(out, "{cell:>20}");
            }
            let _ = writeln!(out, "{:>16}", format!("{secs} / {room:.0}"));
        }
        let _ = write!(out, "{:<13}", "day");
        for c in &self.campaigns {
            let _ = write!(out, "{:>20}", format!("{} / {:.0}", c.planned, c.wanted));
        }
        out.push('\n');
        for c in &self.campaigns {
            let _ = writeln!(
                out,
                "  {}: {} ({}), {}",
                c.campaign,
                c.advertiser,
                c.target,
                if f64::from(c.planned) + 0.5 >= c.wanted {
                    "on target".to_string()
                } else {
                    format!("{:.0} plays short", c.wanted - f64::from(c.planned))
                }
            );
        }
        out
    }
}

/// Run the scheduler over day `d` and count each campaign's spots per hour.
pub fn plan_day(
    path: &Path,
    p: &Playlist,
    cal: &Calendar,
    tz: &TimeZone,
    d: jiff::civil::Date,
    board: Option<Board>,
) -> Result<DayPlan> {
    let renderer = std::cell::RefCell::new(board.map(|b| board_renderer(path, b)));
    // The renderer caches what it rendered, so asking again is cheap.
    let pages = |c: &pinghu_playlists::Content| {
        renderer
            .borrow_mut()
            .as_mut()
            .map_or(1, |r| u32::try_from(r.render(c).pages.len().max(1)).unwrap_or(1))
    };
    let start = d.to_zoned(tz.clone())?.timestamp();
    let end = d.tomorrow()?.to_zoned(tz.clone())?.timestamp();
    let inputs = pinghu_playlists::Inputs {
        playlist: p,
        calendar: cal,
        tz,
        announcements: &[],
        clock_trusted: true,
    };
    let mut sched = pinghu_playlists::Scheduler::new();
    let mut counts: std::collections::BTreeMap<(String, i8), u32> = std::collections::BTreeMap::new();
    let mut secs = [0u32; 24];
    let mut now = start;
    let mut last: Option<(String, Timestamp)> = None;
    while now < end {
        let plan = sched.step(&inputs, now, &pages);
        if let Some(s) = &plan.showing
            && let pinghu_playlists::ContentKey::Item { id } = &s.content.key
            && let Some((c, item)) = p.spot(id)
            && last.as_ref() != Some(&(id.clone(), s.since))
            && plan.power
        {
            last = Some((id.clone(), s.since));
            let h = s.since.to_zoned(tz.clone()).hour();
            *counts.entry((c.id.clone(), h)).or_default() += 1;
            secs[h as usize] += pinghu_playlists::schedule::spot_len(item, &pages);
        }
        now = plan.next_change.max(now + jiff::SignedDuration::from_millis(1));
    }
    let len = |i: &pinghu_playlists::Item| pinghu_playlists::schedule::spot_len(i, &pages);
    let needs = pinghu_playlists::campaign::day_needs(p, cal, d, &len);
    let campaigns = p
        .campaigns
        .iter()
        .filter(|c| needs.iter().flatten().any(|n| n.campaign == c.id))
        .map(|c| {
            let hours: Vec<HourPlan> = (0..24i8)
                .map(|h| HourPlan {
                    hour: hour_label(h.unsigned_abs().into()),
                    planned: counts.get(&(c.id.clone(), h)).copied().unwrap_or(0),
                    target: needs[h as usize]
                        .iter()
                        .find(|n| n.campaign == c.id)
                        .map_or(0.0, |n| n.plays),
                })
                .collect();
            CampaignPlan {
                campaign: c.id.clone(),
                advertiser: c.advertiser.clone(),
                target: c.target.to_string(),
                planned: hours.iter().map(|h| h.planned).sum(),
                wanted: hours.iter().map(|h| h.target).sum(),
                hours,
            }
        })
        .collect();
    Ok(DayPlan {
        file: path.display().to_string(),
        date: d,
        day: cal.kind(d),
        campaigns,
        spot_s: (0..24u16)
            .map(|h| {
                (
                    hour_label(h),
                    secs[h as usize],
                    pinghu_playlists::campaign::hour_capacity_s(p, h * 60),
                )
            })
            .collect(),
    })
}

/// A board to judge pictures against: width, height, colours.
pub type Board = (u32, u32, pinghu_fonts::ColorMode);

pub fn check(path: &Path, cal: &Calendar, now: Timestamp) -> Checked {
    check_for(path, cal, now, None)
}

/// [`check`], with pictures judged for `board` when given.
pub fn check_for(path: &Path, cal: &Calendar, now: Timestamp, board: Option<Board>) -> Checked {
    match load(path) {
        Ok(p) => {
            let (mut errors, image_warnings) = check_images(path, &p, board);
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

/// Parse `--from`: RFC 3339 with offset, a civil date-time, or a date (civil ones in `tz`).
pub fn parse_from(s: &str, tz: &TimeZone) -> Result<Timestamp> {
    if let Ok(t) = s.parse::<Timestamp>() {
        return Ok(t);
    }
    if let Ok(dt) = s.parse::<jiff::civil::DateTime>() {
        return Ok(dt.to_zoned(tz.clone())?.timestamp());
    }
    if let Ok(d) = s.parse::<jiff::civil::Date>() {
        return Ok(d.to_zoned(tz.clone())?.timestamp());
    }
    bail!(
        "--from {s:?} is not a time: use RFC 3339 (2026-11-30T08:00:00+08:00), a local date-time (2026-11-30T08:00) or a date (2026-11-30)"
    )
}

/// The board's time zone: `--tz`, else the playlist's, else Asia/Shanghai.
pub fn time_zone(flag: Option<&str>, playlist: &Playlist) -> Result<TimeZone> {
    let name = flag.or(playlist.timezone.as_deref()).unwrap_or(DEFAULT_TZ);
    TimeZone::get(name).with_context(|| format!("unknown time zone {name:?} (use an IANA name such as Asia/Shanghai)"))
}

/// Render the timeline as text or JSON.
pub fn render_timeline(
    p: &Playlist,
    cal: &Calendar,
    tz: &TimeZone,
    from: Timestamp,
    hours: u32,
    json_out: bool,
) -> Result<String> {
    if hours == 0 || hours > 24 * 366 {
        bail!("--hours {hours} must be 1 to 8784");
    }
    let tl = timeline(p, cal, tz, from, hours);
    if json_out {
        let v: Vec<_> = tl
            .iter()
            .map(|e| {
                let day = cal.kind(e.at.date());
                json!({"at": e.at.timestamp().to_string(), "local": e.at.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string(),
                       "day": day, "rotation": e.rotation, "brightness": e.brightness, "power": if e.power {"on"} else {"off"}})
            })
            .collect();
        return Ok(serde_json::to_string_pretty(&v)? + "\n");
    }
    let mut out = format!(
        "{} — {} hours from {} ({})\n",
        p.origin,
        hours,
        from.to_zoned(tz.clone()).strftime("%Y-%m-%d %H:%M"),
        tz.iana_name().unwrap_or("local")
    );
    let mut last_day = None;
    for e in &tl {
        let d = e.at.date();
        if last_day != Some(d) {
            let kind = match cal.kind(d) {
                pinghu_playlists::DayKind::Workday => "workday",
                pinghu_playlists::DayKind::Weekend => "weekend",
                pinghu_playlists::DayKind::Holiday => "public holiday",
                pinghu_playlists::DayKind::MakeUpWorkday => "make-up workday (调休)",
            };
            let _ = writeln!(out, "{} {kind}", e.at.strftime("%a %Y-%m-%d"));
            last_day = Some(d);
        }
        let shows = if e.rotation.is_empty() {
            "(blank)".to_string()
        } else {
            e.rotation.join(", ")
        };
        let _ = writeln!(
            out,
            "  {}  power {:<3}  brightness {:>2}  {shows}",
            e.at.strftime("%H:%M"),
            if e.power { "on" } else { "off" },
            e.brightness
        );
    }
    Ok(out)
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

/// What `pinghu playlist timeline` shows.
#[derive(Debug)]
pub struct TimelineRequest {
    pub file: PathBuf,
    /// Plan this day's campaigns instead.
    pub date: Option<jiff::civil::Date>,
    pub board: Option<Board>,
    pub from: Option<String>,
    pub hours: u32,
    pub tz: Option<String>,
    pub calendar: Option<PathBuf>,
    pub json: bool,
}

/// `pinghu playlist timeline`: what shows when, hour by hour.
pub fn timeline_command(r: &TimelineRequest) -> Result<ExitCode> {
    let cal = calendar(r.calendar.as_deref())?;
    let p = pinghu_playlists::load(&r.file)?;
    let zone = time_zone(r.tz.as_deref(), &p)?;
    if let Some(d) = r.date {
        let plan = plan_day(&r.file, &p, &cal, &zone, d, r.board)?;
        print!(
            "{}",
            if r.json {
                serde_json::to_string_pretty(&plan)? + "\n"
            } else {
                plan.to_text()
            }
        );
        return Ok(ExitCode::SUCCESS);
    }
    let start = match &r.from {
        Some(s) => parse_from(s, &zone)?,
        None => Timestamp::now(),
    };
    print!("{}", render_timeline(&p, &cal, &zone, start, r.hours, r.json)?);
    Ok(ExitCode::SUCCESS)
}
