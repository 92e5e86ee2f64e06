//! `pinghu playlist timeline`: what the board will do on a day, hour by hour, and the planned
//! plays of each campaign against its target.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use pinghu_playlists::{Calendar, Playlist, timeline};
use serde_json::json;

use super::{Board, DEFAULT_TZ, board_renderer, calendar};
/// `HH:00-HH:00`, the hour starting at `h`.
fn hour_label(h: u16) -> String {
    format!("{h:02}:00-{:02}:00", h + 1)
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
    // The scheduler itself over the day: spots that ran their length, by the hour they started.
    let delivered = pinghu_playlists::delivery::deliver_day(p, cal, tz, d, &pages)?;
    let (counts, secs) = (&delivered.plays, delivered.spot_s);
    let len = |i: &pinghu_playlists::Item| pinghu_playlists::schedule::spot_len(i, d, &pages);
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
        "{} — {} from {} ({})\n",
        p.origin,
        super::count(hours as usize, "hour"),
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

/// `pinghu playlist timeline`: which playlist, over what span (or which day's campaigns), for
/// which board.
#[derive(Debug, clap::Args)]
pub struct TimelineArgs {
    /// The playlist (TOML)
    pub file: PathBuf,
    /// Plan this day's campaigns (YYYY-MM-DD): plays per campaign and hour, against the targets
    #[arg(long, value_name = "D", conflicts_with_all = ["from", "hours"])]
    pub date: Option<jiff::civil::Date>,
    /// With --date: count pages as this board shows them, WIDTHxHEIGHT (default one page per spot)
    #[arg(long, value_name = "WxH")]
    pub board: Option<String>,
    /// The board's LEDs, with --board
    #[arg(long, default_value = "red-green", value_parser = crate::cli::args::colors())]
    pub colors: pinghu_fonts::ColorMode,
    /// Start: RFC 3339, a local date-time (2026-11-30T08:00) or a date; default now
    #[arg(long, value_name = "T")]
    pub from: Option<String>,
    /// How many hours to show
    #[arg(long, default_value_t = 48)]
    pub hours: u32,
    /// Time zone (IANA name); default the playlist's, else Asia/Shanghai
    #[arg(long)]
    pub tz: Option<String>,
    /// Extra holiday calendar (TOML)
    #[arg(long, value_name = "FILE")]
    pub calendar: Option<PathBuf>,
    /// Print JSON
    #[arg(long)]
    pub json: bool,
}

/// `pinghu playlist timeline`: what shows when, hour by hour.
pub fn timeline_command(r: &TimelineArgs) -> Result<ExitCode> {
    let board = super::board(r.board.as_deref(), r.colors)?;
    let cal = calendar(r.calendar.as_deref())?;
    let p = pinghu_playlists::load(&r.file)?;
    let zone = time_zone(r.tz.as_deref(), &p)?;
    if let Some(d) = r.date {
        let plan = plan_day(&r.file, &p, &cal, &zone, d, board)?;
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
