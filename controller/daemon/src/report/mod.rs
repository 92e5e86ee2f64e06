//! Play reports: what each campaign's spots did on the glass, built from the proof-of-display
//! log alone, so that anyone holding the log can build the same numbers (docs/campaigns.md).
//!
//! A spot is an entry with a `campaign` and `planned_s`. It **played** when the next entry of the
//! log (whatever it is) came at least `planned_s` later (less one second of link latency): nothing
//! replaced it before its time. Otherwise it was **interrupted**, by what that next entry says: an
//! urgent or emergency notice, the glass going dark, a repair of the log (a power cut), or other
//! content. Targets come from the playlist when one is given: plays for `plays_per_*` campaigns,
//! seconds for `share` campaigns (the share of the time the log shows the rotation on the glass in
//! the campaign's window).
//!
//! The daily report is signed by the board's own Ed25519 key, in the same envelope the portal
//! uses (`payload` = the report's JSON bytes), and [`verify`] checks it offline: the signature,
//! the report's own sums, and, with the log at hand, every play against the log's entries and
//! every total against the numbers rebuilt from the log.
//!
//! Here the report is built; `format.rs` prints it (table, CSV), `signed.rs` signs and verifies it.

mod format;
mod signed;
#[cfg(test)]
mod tests;
mod window;

pub use format::{to_csv, to_table};
pub use signed::{VerifyError, check_head, head_of, sign, verify, window_of};
pub use window::Window;

use std::collections::BTreeMap;

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use pinghu_playlists::{Calendar, Playlist, Target};
use serde::{Deserialize, Serialize};

use crate::proof::{Entry, Report as ChainReport};

/// The content type of a signed play report's envelope.
pub const CONTENT_TYPE: &str = "application/vnd.pinghu.plays+json";

/// A spot that played in full.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Play {
    pub campaign: String,
    pub item: String,
    pub at: String,
    pub seconds: u32,
    pub seq: u64,
    pub hash: String,
}

/// A spot cut short.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Interrupted {
    pub campaign: String,
    pub item: String,
    pub at: String,
    /// Seconds it was on the glass, of `planned_s`.
    pub seconds: u32,
    pub planned_s: u32,
    /// What cut it short.
    pub by: String,
    pub seq: u64,
    pub hash: String,
}

/// A gap in what the log can prove: the glass dark, the log repaired, an outage (the daemon not
/// running), or a day without entries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gap {
    pub at: String,
    pub kind: String,
    pub note: String,
    pub seq: u64,
    /// An outage: the time of the last entry before it (the gap runs from there to `at`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<String>,
}

/// The `kind` of a gap for a daemon's start after a stop.
pub const OUTAGE: &str = "outage";

/// The gap a start entry marks, from the entry before it (`prev`).
fn outage(e: &Entry, prev: Option<&Entry>) -> Gap {
    let note = match prev {
        Some(p) => format!(
            "the daemon was not running from {} (entry {}) to {}: a shutdown, a crash or a power cut; nothing shown then \
             is proven",
            p.at, p.seq, e.at
        ),
        None => format!(
            "the daemon started at {} after a stop; nothing shown before it is proven",
            e.at
        ),
    };
    Gap {
        at: e.at.clone(),
        kind: OUTAGE.to_owned(),
        note,
        seq: e.seq,
        since: prev.map(|p| p.at.clone()),
    }
}

/// One campaign's totals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CampaignTotal {
    pub campaign: String,
    #[serde(default)]
    pub advertiser: Option<String>,
    #[serde(default)]
    pub contract: Option<String>,
    /// The target as the playlist says it (`share 0.15`, `plays_per_day 60` …).
    #[serde(default)]
    pub target: Option<String>,
    pub plays: u32,
    pub seconds: u64,
    pub interrupted: u32,
    /// What the target asks of the period: plays, or seconds for a share.
    #[serde(default)]
    pub target_plays: Option<f64>,
    #[serde(default)]
    pub target_seconds: Option<f64>,
    /// Delivered against the target, percent.
    #[serde(default)]
    pub delivered_pct: Option<f64>,
}

/// What verifying the log's chain found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Chain {
    pub intact: bool,
    pub entries: u64,
    pub repairs: usize,
    pub problems: Vec<String>,
    pub last_hash: String,
}

impl Chain {
    pub fn of(r: &ChainReport) -> Self {
        Self {
            intact: r.problems().is_empty(),
            entries: r.entries,
            repairs: r.repairs().len(),
            problems: r.problems().iter().map(ToString::to_string).collect(),
            last_hash: r.last_hash.clone(),
        }
    }
}

/// A play report for a period of whole days.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlaysReport {
    pub screen: String,
    pub from: Date,
    pub to: Date,
    pub timezone: String,
    /// Entries after this instant were not looked at (the end of the period, or now).
    pub cutoff: String,
    pub chain: Chain,
    /// The first and last entries of the period (seq, hash).
    pub first_entry: Option<(u64, String)>,
    pub last_entry: Option<(u64, String)>,
    pub campaigns: Vec<CampaignTotal>,
    pub plays: Vec<Play>,
    pub interrupted: Vec<Interrupted>,
    pub gaps: Vec<Gap>,
}

/// One second of slack for the link: an acknowledgement comes a little after the send.
const SLACK: SignedDuration = SignedDuration::from_secs(1);

fn item_of(e: &Entry) -> String {
    e.content.strip_prefix("item ").unwrap_or(&e.content).to_owned()
}

fn cut_by(next: Option<&Entry>) -> String {
    match next {
        None => "on the glass at the report's cut-off: not yet proven to have run its length".into(),
        Some(n) if n.kind.as_deref() == Some(crate::proof::DARK) => {
            format!("the board went dark ({})", n.content)
        }
        Some(n) if n.is_repair() => format!("the log was repaired: {}", n.note.as_deref().unwrap_or("")),
        Some(n) if n.kind.as_deref() == Some(crate::proof::STARTED) => format!(
            "the daemon stopped (a shutdown, a crash or a power cut) and started again at {}: not proven to have run its length",
            n.at
        ),
        Some(n) if n.layer == "urgent" || n.layer == "emergency" => format!("{} ({})", n.content, n.layer),
        Some(n) => format!("{} replaced it early (a playlist change?)", n.content),
    }
}

/// What the playlist says a report should compare against.
#[derive(Debug, Clone, Copy)]
pub struct Targets<'a> {
    pub playlist: &'a Playlist,
    pub calendar: &'a Calendar,
}

/// Build the report of `from..=to` (days in `tz`) from verified `entries`, looking at nothing
/// after `cutoff`.
#[allow(clippy::too_many_arguments)]
pub fn build(
    screen: &str,
    entries: &[Entry],
    chain: Chain,
    from: Date,
    to: Date,
    tz: &TimeZone,
    cutoff: Timestamp,
    campaign: Option<&str>,
    targets: Option<Targets<'_>>,
) -> PlaysReport {
    let window = Window::new(from, to, tz, cutoff);
    let entries: Vec<(&Entry, Timestamp)> = entries
        .iter()
        .filter_map(|e| e.time().map(|t| (e, t)))
        .filter(|(_, t)| *t <= cutoff)
        .collect();
    let in_period = |t: Timestamp| window.contains(t);
    let wanted = |c: &str| campaign.is_none_or(|x| x == c);
    let mut plays = Vec::new();
    let mut interrupted = Vec::new();
    let mut gaps = Vec::new();
    let (mut first_entry, mut last_entry) = (None, None);
    for (i, (e, t)) in entries.iter().enumerate() {
        if !in_period(*t) {
            continue;
        }
        first_entry.get_or_insert((e.seq, e.hash.clone()));
        last_entry = Some((e.seq, e.hash.clone()));
        if e.kind.as_deref() == Some(crate::proof::STARTED) {
            gaps.push(outage(
                e,
                i.checked_sub(1).and_then(|j| entries.get(j)).map(|(p, _)| *p),
            ));
            continue;
        }
        if e.is_repair() || e.kind.as_deref() == Some(crate::proof::DARK) {
            gaps.push(Gap {
                at: e.at.clone(),
                kind: e.kind.clone().unwrap_or_default(),
                note: e.note.clone().unwrap_or_else(|| e.content.clone()),
                seq: e.seq,
                since: None,
            });
            continue;
        }
        let (Some(c), Some(planned)) = (&e.campaign, e.planned_s) else {
            continue;
        };
        if !wanted(c) {
            continue;
        }
        // Evidence that it ran its length: the next entry, written while the daemon kept
        // running, came at least `planned_s` later. No next entry, or a start after a stop or a
        // repair, proves nothing about how long it stayed on.
        let next = entries.get(i + 1);
        let until = next.map_or(cutoff, |(_, nt)| *nt);
        let on = until.duration_since(*t);
        let planned_d = SignedDuration::from_secs(i64::from(planned));
        let proven = next.is_some_and(|(n, _)| !n.is_outage());
        if proven && on + SLACK >= planned_d {
            plays.push(Play {
                campaign: c.clone(),
                item: item_of(e),
                at: e.at.clone(),
                seconds: planned,
                seq: e.seq,
                hash: e.hash.clone(),
            });
        } else {
            interrupted.push(Interrupted {
                campaign: c.clone(),
                item: item_of(e),
                at: e.at.clone(),
                // Proven seconds only: after a stop nothing is.
                seconds: if proven {
                    u32::try_from(on.as_secs().max(0)).unwrap_or(0)
                } else {
                    0
                },
                planned_s: planned,
                by: cut_by(next.map(|(n, _)| *n)),
                seq: e.seq,
                hash: e.hash.clone(),
            });
        }
    }
    let mut totals: BTreeMap<String, CampaignTotal> = BTreeMap::new();
    let blank = |id: &str| CampaignTotal {
        campaign: id.to_owned(),
        advertiser: None,
        contract: None,
        target: None,
        plays: 0,
        seconds: 0,
        interrupted: 0,
        target_plays: None,
        target_seconds: None,
        delivered_pct: None,
    };
    for p in &plays {
        let t = totals.entry(p.campaign.clone()).or_insert_with(|| blank(&p.campaign));
        t.plays += 1;
        t.seconds += u64::from(p.seconds);
    }
    for p in &interrupted {
        totals
            .entry(p.campaign.clone())
            .or_insert_with(|| blank(&p.campaign))
            .interrupted += 1;
    }
    if let Some(tg) = targets {
        let rotation = rotation_intervals(&entries);
        // Spot lengths as the log recorded them, else one page of dwell time.
        let mut len_seen: BTreeMap<String, u32> = BTreeMap::new();
        for (e, _) in &entries {
            if let Some(p) = e.planned_s {
                len_seen.insert(item_of(e), p);
            }
        }
        let len = |i: &pinghu_playlists::Item| len_seen.get(&i.id).copied().unwrap_or(i.style.dwell_s);
        // The period's days, and what every campaign needs on each of them.
        let mut days = Vec::new();
        let mut day = from;
        while day <= to {
            days.push((
                day,
                pinghu_playlists::campaign::day_needs(tg.playlist, tg.calendar, day, &len),
            ));
            match day.tomorrow() {
                Ok(d) => day = d,
                Err(_) => break,
            }
        }
        for c in tg.playlist.campaigns.iter().filter(|c| wanted(&c.id)) {
            let mut target_plays = 0.0;
            let mut window_rotation_s = 0.0;
            for (day, needs) in &days {
                target_plays += needs
                    .iter()
                    .flatten()
                    .filter(|n| n.campaign == c.id)
                    .map(|n| n.plays)
                    .sum::<f64>();
                let midnight = day.to_zoned(tz.clone()).map_or(window.start, |z| z.timestamp());
                for (a, b) in c.minutes(*day, tg.calendar, tg.playlist) {
                    let ws = midnight + SignedDuration::from_mins(i64::from(a));
                    let we = (midnight + SignedDuration::from_mins(i64::from(b))).min(window.end);
                    window_rotation_s += overlap(&rotation, ws, we);
                }
            }
            let t = totals.entry(c.id.clone()).or_insert_with(|| blank(&c.id));
            t.advertiser = Some(c.advertiser.clone());
            t.contract = Some(c.contract.clone());
            t.target = Some(c.target.to_string());
            match c.target {
                Target::Share(s) => {
                    let want = s * window_rotation_s;
                    t.target_seconds = Some(want.round());
                    t.delivered_pct = (want > 0.0).then(|| round1(100.0 * t.seconds as f64 / want));
                }
                Target::PlaysPerDay(_) | Target::PlaysPerHour(_) => {
                    t.target_plays = Some((target_plays * 10.0).round() / 10.0);
                    t.delivered_pct = (target_plays > 0.0).then(|| round1(100.0 * f64::from(t.plays) / target_plays));
                }
            }
        }
    }
    silent_days(&entries, from, to, tz, window.end, &mut gaps);
    PlaysReport {
        screen: screen.to_owned(),
        from,
        to,
        timezone: tz.iana_name().unwrap_or("UTC").to_owned(),
        cutoff: cutoff.to_string(),
        chain,
        first_entry,
        last_entry,
        campaigns: totals.into_values().collect(),
        plays,
        interrupted,
        gaps,
    }
}

/// The kind of gap for a day with no entry in the log at all.
pub const UNLOGGED: &str = "unlogged";

/// Days of the period without a single entry: dark all day when the last entry before them is a
/// power-off, otherwise unlogged (the daemon was not running: nothing on the glass is proven).
fn silent_days(
    entries: &[(&Entry, Timestamp)],
    from: Date,
    to: Date,
    tz: &TimeZone,
    end: Timestamp,
    gaps: &mut Vec<Gap>,
) {
    let mut day = from;
    while day <= to {
        let Ok(start) = day.to_zoned(tz.clone()).map(|z| z.timestamp()) else {
            break;
        };
        if start >= end {
            break;
        }
        let next = day
            .tomorrow()
            .ok()
            .and_then(|d| d.to_zoned(tz.clone()).ok())
            .map_or(Timestamp::MAX, |z| z.timestamp());
        if !entries.iter().any(|(_, t)| start <= *t && *t < next) {
            let before = entries.iter().rev().find(|(_, t)| *t < start);
            let gap = match before {
                Some((e, _)) if e.kind.as_deref() == Some(crate::proof::DARK) => Gap {
                    at: start.to_string(),
                    kind: crate::proof::DARK.to_owned(),
                    note: format!(
                        "dark all day as far as the log shows (power off at {}, no entry since)",
                        e.at
                    ),
                    seq: e.seq,
                    since: None,
                },
                _ => Gap {
                    at: start.to_string(),
                    kind: UNLOGGED.to_owned(),
                    note: "no entry in the proof-of-display log all day: the daemon was not running, so nothing \
                           shown is proven"
                        .to_owned(),
                    seq: before.map_or(0, |(e, _)| e.seq),
                    since: None,
                },
            };
            gaps.push(gap);
        }
        match day.tomorrow() {
            Ok(d) => day = d,
            Err(_) => break,
        }
    }
    gaps.sort_by_key(|g| g.at.parse::<Timestamp>().ok());
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// Stretches in which the log shows the rotation on the lit glass. The stretch before an outage
/// (a start after a stop, a repair) is not: when the glass went dark in it is unknown.
fn rotation_intervals(entries: &[(&Entry, Timestamp)]) -> Vec<(Timestamp, Timestamp)> {
    entries
        .windows(2)
        .filter(|w| w[0].0.kind.is_none() && w[0].0.layer == "rotation" && !w[1].0.is_outage())
        .map(|w| (w[0].1, w[1].1))
        .collect()
}

fn overlap(intervals: &[(Timestamp, Timestamp)], a: Timestamp, b: Timestamp) -> f64 {
    intervals
        .iter()
        .map(|(s, e)| {
            let (s, e) = ((*s).max(a), (*e).min(b));
            if s < e { e.duration_since(s).as_secs_f64() } else { 0.0 }
        })
        .sum()
}
