//! Paid time on the board: campaigns, their windows and targets, the minutes they may play, and
//! the booking check that refuses a playlist whose targets cannot all be met (docs/campaigns.md).
//!
//! A campaign's spots play between the government rotation's entries, paced by
//! [`crate::pacing`]; government items and announcements come first (the urgent layers interrupt
//! spots, and `government_floor` keeps a share of every hour for government content).

use std::collections::{BTreeMap, BTreeSet};

use jiff::ToSpan;
use jiff::civil::Date;
use serde::Serialize;

use crate::calendar::Calendar;
use crate::error::Diagnostic;
use crate::model::{Item, Playlist, TimeWindow, weekday_number};
use crate::problem::{Booking, FloorPart, Hour, Problem};

/// What a campaign bought.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum Target {
    /// This fraction of the board's time in the campaign's window (0 < share < 1).
    Share(f64),
    /// This many plays on each day of the window, spread evenly over its hours.
    PlaysPerDay(u32),
    /// This many plays in each hour of the window.
    PlaysPerHour(u32),
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Share(s) => write!(f, "share {s}"),
            Self::PlaysPerDay(n) => write!(f, "plays_per_day {n}"),
            Self::PlaysPerHour(n) => write!(f, "plays_per_hour {n}"),
        }
    }
}

/// A paid campaign: who, when, how much, and its spots.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Campaign {
    pub id: String,
    pub advertiser: String,
    pub contract: String,
    /// Inclusive.
    pub start_date: Date,
    /// Inclusive.
    pub end_date: Date,
    /// Days of the week (Monday = 1); empty = every day.
    pub days: BTreeSet<u8>,
    pub workdays_only: bool,
    /// Hours of the day; empty = all day.
    pub hours: Vec<TimeWindow>,
    pub target: Target,
    pub max_per_hour: Option<u32>,
    /// Seconds between the end of one spot of this advertiser and the start of the next.
    pub separation_s: u32,
    /// The spots, played in turn. Their ids are unique among all items and spots.
    pub items: Vec<Item>,
    /// Line of the `[[campaign]]` in its file.
    pub line: usize,
}

/// Default `government_floor`: half of every hour stays with government content.
pub const DEFAULT_GOVERNMENT_FLOOR: f64 = 0.5;

/// Merge half-open minute ranges (sorted, non-overlapping result).
fn merge(mut v: Vec<(u16, u16)>) -> Vec<(u16, u16)> {
    v.retain(|(a, b)| a < b);
    v.sort_unstable();
    let mut out: Vec<(u16, u16)> = Vec::new();
    for (a, b) in v {
        match out.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => out.push((a, b)),
        }
    }
    out
}

fn intersect(a: &[(u16, u16)], b: &[(u16, u16)]) -> Vec<(u16, u16)> {
    let mut out = Vec::new();
    for (s1, e1) in a {
        for (s2, e2) in b {
            let (s, e) = ((*s1).max(*s2), (*e1).min(*e2));
            if s < e {
                out.push((s, e));
            }
        }
    }
    merge(out)
}

/// Minutes of the range list before minute `m` (may be fractional through `extra_s`).
pub(crate) fn covered_before(ranges: &[(u16, u16)], m: u16) -> u32 {
    ranges
        .iter()
        .map(|(s, e)| u32::from((*e).min(m).saturating_sub(*s)))
        .sum()
}

/// Total minutes of a range list.
pub(crate) fn total(ranges: &[(u16, u16)]) -> u32 {
    ranges.iter().map(|(s, e)| u32::from(e - s)).sum()
}

impl Campaign {
    fn day_ok(&self, day: Date, calendar: &Calendar) -> bool {
        self.start_date <= day
            && day <= self.end_date
            && (self.days.is_empty() || self.days.contains(&weekday_number(day.weekday())))
            && (!self.workdays_only || calendar.is_workday(day))
    }

    /// The minutes of `date` (half-open ranges) in which the campaign may play: its hours on
    /// its days (the part after midnight of a window that crosses it belongs to the day before),
    /// while the board's power schedule has it on.
    pub fn minutes(&self, date: Date, calendar: &Calendar, playlist: &Playlist) -> Vec<(u16, u16)> {
        let today = self.day_ok(date, calendar);
        let yesterday = date.yesterday().is_ok_and(|d| self.day_ok(d, calendar));
        let mut v = Vec::new();
        if self.hours.is_empty() {
            if today {
                v.push((0, 1440));
            }
        } else {
            for w in &self.hours {
                if w.crosses_midnight() {
                    if today {
                        v.push((w.start, 1440));
                    }
                    if yesterday {
                        v.push((0, w.end));
                    }
                } else if today {
                    v.push((w.start, w.end));
                }
            }
        }
        intersect(&merge(v), &power_minutes(playlist))
    }
}

/// Minutes of the day the board is on by the playlist's power schedule.
pub fn power_minutes(playlist: &Playlist) -> Vec<(u16, u16)> {
    match playlist.power {
        None => vec![(0, 1440)],
        Some(p) => merge(
            TimeWindow {
                start: p.on,
                end: p.off,
            }
            .ranges(),
        ),
    }
}

/// Seconds campaigns may take in the clock hour starting at minute `hour_start`: the hour's
/// powered-on minutes less the government floor.
pub fn hour_capacity_s(playlist: &Playlist, hour_start: u16) -> f64 {
    let on = intersect(&power_minutes(playlist), &[(hour_start, hour_start + 60)]);
    (1.0 - playlist.government_floor) * f64::from(total(&on)) * 60.0
}

/// What one campaign needs in one hour.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Need {
    pub campaign: String,
    /// Plays (fractional: an even spread).
    pub plays: f64,
    /// Seconds on the glass.
    pub seconds: f64,
    /// Seconds per spot (the average of its spots).
    pub spot_s: f64,
}

/// The plays and seconds each campaign needs in each clock hour of `date` (24 lists, one per
/// hour), given each spot's length on the glass (`spot_len`, seconds: dwell times pages).
pub fn day_needs(
    playlist: &Playlist,
    calendar: &Calendar,
    date: Date,
    spot_len: &dyn Fn(&Item) -> u32,
) -> Vec<Vec<Need>> {
    let mut out: Vec<Vec<Need>> = (0..24).map(|_| Vec::new()).collect();
    for c in playlist.campaigns.iter().filter(|c| !c.items.is_empty()) {
        let day = c.minutes(date, calendar, playlist);
        if day.is_empty() {
            continue;
        }
        let spot_s = c.items.iter().map(|i| f64::from(spot_len(i).max(1))).sum::<f64>() / c.items.len() as f64;
        for (hour, needs) in (0u16..).zip(out.iter_mut()) {
            let in_hour = f64::from(total(&intersect(&day, &[(hour * 60, hour * 60 + 60)])));
            if in_hour == 0.0 {
                continue;
            }
            let plays = match c.target {
                Target::Share(s) => s * in_hour * 60.0 / spot_s,
                Target::PlaysPerDay(n) => f64::from(n) * in_hour / f64::from(total(&day)),
                Target::PlaysPerHour(n) => f64::from(n) * in_hour / 60.0,
            };
            needs.push(Need {
                campaign: c.id.clone(),
                plays,
                seconds: plays * spot_s,
                spot_s,
            });
        }
    }
    out
}

/// Most days the booking check looks at.
pub const MAX_CHECK_DAYS: i32 = 3 * 366;

/// The booking check: every hour of every campaign day in which the targets cannot all be met,
/// given the spots' lengths, `max_per_hour`, `separation_s` and the government floor. One
/// diagnostic per kind of problem and campaign set, naming the first hour and how many more.
pub fn check_bookings(playlist: &Playlist, calendar: &Calendar, spot_len: &dyn Fn(&Item) -> u32) -> Vec<Diagnostic> {
    let Some(first) = playlist.campaigns.iter().map(|c| c.start_date).min() else {
        return Vec::new();
    };
    let last = playlist.campaigns.iter().map(|c| c.end_date).max().unwrap_or(first);
    let line_of = |id: &str| playlist.campaigns.iter().find(|c| c.id == id).map_or(1, |c| c.line);
    // (problem key) -> (first booking problem, line, more hours, last date)
    let mut found: BTreeMap<String, (Booking, usize, u32, Date)> = BTreeMap::new();
    let mut note = |key: String, line: usize, date: Date, problem: &dyn Fn() -> Booking| {
        found
            .entry(key)
            .and_modify(|e| {
                e.2 += 1;
                e.3 = date;
            })
            .or_insert_with(|| (problem(), line, 0, date));
    };
    let mut date = first;
    let mut n = 0;
    while date <= last && n < MAX_CHECK_DAYS {
        for (hour, needs) in (0u16..).zip(day_needs(playlist, calendar, date, spot_len)) {
            if needs.is_empty() {
                continue;
            }
            let when = Hour { date, hour };
            for need in &needs {
                let c = playlist.campaigns.iter().find(|c| c.id == need.campaign);
                if let Some(max) = c.and_then(|c| c.max_per_hour)
                    && need.plays > f64::from(max) + 1e-9
                {
                    note(format!("max {}", need.campaign), line_of(&need.campaign), date, &|| {
                        Booking::MaxPerHour {
                            campaign: need.campaign.clone(),
                            when,
                            plays: need.plays,
                            max,
                        }
                    });
                }
            }
            // One advertiser's spots in an hour, each followed by its separation.
            let mut by_advertiser: BTreeMap<&str, (f64, Vec<&str>)> = BTreeMap::new();
            for need in &needs {
                if let Some(c) = playlist.campaigns.iter().find(|c| c.id == need.campaign) {
                    let e = by_advertiser.entry(&c.advertiser).or_default();
                    e.0 += need.plays * (need.spot_s + f64::from(c.separation_s));
                    e.1.push(&c.id);
                }
            }
            for (adv, (secs, ids)) in &by_advertiser {
                if *secs > 3600.0 + 1e-6 {
                    note(format!("sep {adv}"), line_of(ids[0]), date, &|| Booking::Separation {
                        advertiser: (*adv).to_owned(),
                        when,
                        seconds: *secs,
                        campaigns: ids.iter().map(|s| (*s).to_owned()).collect(),
                    });
                }
            }
            let wanted_s: f64 = needs.iter().map(|n| n.seconds).sum();
            let cap = hour_capacity_s(playlist, hour * 60);
            if wanted_s > cap + 1e-6 {
                let ids: Vec<&str> = needs.iter().map(|n| n.campaign.as_str()).collect();
                note(format!("floor {}", ids.join(" ")), line_of(ids[0]), date, &|| {
                    let parts = needs
                        .iter()
                        .map(|n| FloorPart {
                            campaign: n.campaign.clone(),
                            target: playlist.campaigns.iter().find(|c| c.id == n.campaign).map(|c| c.target),
                            plays: n.plays,
                            spot_s: n.spot_s,
                            seconds: n.seconds,
                        })
                        .collect();
                    Booking::Floor {
                        when,
                        wanted_s,
                        floor: playlist.government_floor,
                        cap_s: cap,
                        parts,
                    }
                });
            }
        }
        date = match date.checked_add(1.day()) {
            Ok(d) => d,
            Err(_) => break,
        };
        n += 1;
    }
    found
        .into_values()
        .map(|(booking, line, more, last)| Diagnostic {
            file: playlist.origin.clone(),
            line,
            col: 1,
            problem: Problem::Overbooked { booking, more, last },
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert_eq!(merge(vec![(10, 20), (0, 5), (15, 30)]), vec![(0, 5), (10, 30)]);
        assert_eq!(
            intersect(&[(0, 100)], &[(50, 60), (90, 200)]),
            vec![(50, 60), (90, 100)]
        );
        assert_eq!(covered_before(&[(0, 10), (20, 30)], 25), 15);
    }
}
