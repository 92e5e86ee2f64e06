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
use crate::problem::{Booking, FloorPart, Hour, Problem, SeparationPart};
use crate::schedule::item_holds;

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

/// Where spots can start in one clock hour: between the rotation's entries (and after other
/// advertisers' spots), so a separation lasts until the first boundary at or after its end.
#[derive(Debug)]
struct Boundaries {
    /// The one rotation of the hour in its order, when nothing else can come between its
    /// entries (no other advertiser's spot, no `every` item, the same entries all hour).
    fixed: Option<Vec<u32>>,
    /// Otherwise: the longest entry that can follow a spot, and the greatest common divisor of
    /// every entry's length (boundaries fall on its multiples after a spot ends).
    longest: u32,
    step: u32,
}

fn gcd(a: u32, b: u32) -> u32 {
    if b == 0 { a } else { gcd(b, a % b) }
}

impl Boundaries {
    fn of_hour(
        playlist: &Playlist,
        calendar: &Calendar,
        date: Date,
        hour: u16,
        advertiser: &str,
        needs: &[Need],
        spot_len: &dyn Fn(&Item) -> u32,
    ) -> Self {
        let mut order: Vec<&Item> = playlist.items.iter().collect();
        order.sort_by_key(|i| std::cmp::Reverse(i.priority));
        let mut rotations: Vec<Vec<u32>> = Vec::new();
        let mut every = false;
        for m in hour * 60..hour * 60 + 60 {
            let list: Vec<u32> = order
                .iter()
                .filter(|i| item_holds(i, date, m, calendar, true))
                .map(|i| {
                    every |= i.every_min.is_some();
                    spot_len(i).max(1)
                })
                .collect();
            if !rotations.contains(&list) {
                rotations.push(list);
            }
        }
        let others: Vec<u32> = needs
            .iter()
            .filter_map(|n| playlist.campaigns.iter().find(|c| c.id == n.campaign))
            .filter(|c| c.advertiser != advertiser)
            .flat_map(|c| c.items.iter().map(|i| spot_len(i).max(1)))
            .collect();
        let empty = rotations.iter().any(Vec::is_empty);
        if rotations.len() == 1 && !every && others.is_empty() && !empty {
            return Self {
                fixed: rotations.pop(),
                longest: 0,
                step: 1,
            };
        }
        // An empty rotation shows nothing: the scheduler looks again at the next minute.
        let lens = rotations.iter().flatten().chain(&others).copied();
        let (longest, step) = if empty {
            (60, 1)
        } else {
            lens.fold((0, 0), |(l, g), x| (l.max(x), gcd(g, x)))
        };
        Self {
            fixed: None,
            longest,
            step: step.max(1),
        }
    }

    /// The longest a spot's separation of `sep` seconds keeps its advertiser off the glass:
    /// until the first boundary at least `sep` after the spot ends.
    fn wait(&self, sep: u32) -> u32 {
        match &self.fixed {
            Some(list) => (0..list.len())
                .map(|i| {
                    let mut sum = 0;
                    for len in list.iter().cycle().skip(i) {
                        if sum >= sep {
                            break;
                        }
                        sum += len;
                    }
                    sum
                })
                .max()
                .unwrap_or(sep),
            // The last boundary before `sep` is at most `sep` rounded up to the step, less a step;
            // the entry starting there ends at most `longest` later.
            None => (sep.div_ceil(self.step) * self.step - self.step + self.longest).max(sep),
        }
    }
}

/// A campaign, what it needs in an hour, and its minutes in that hour.
type InWindow<'a> = (&'a Campaign, &'a Need, Vec<(u16, u16)>);

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
            // Spots play only inside their campaign's window, spread evenly over it. In each
            // campaign's window its spots and the part of the others' that falls in it must fit;
            // so must its advertiser's, each followed by the wait for its separation (spots start
            // only between the rotation's entries).
            let hour_range = [(hour * 60, hour * 60 + 60)];
            let parts: Vec<InWindow<'_>> = needs
                .iter()
                .filter_map(|n| {
                    let c = playlist.campaigns.iter().find(|c| c.id == n.campaign)?;
                    Some((c, n, intersect(&c.minutes(date, calendar, playlist), &hour_range)))
                })
                .collect();
            let mut boundaries: BTreeMap<&str, Boundaries> = BTreeMap::new();
            let mut waits: Vec<u32> = Vec::with_capacity(parts.len());
            for (c, ..) in &parts {
                waits.push(if c.separation_s == 0 {
                    0
                } else {
                    boundaries
                        .entry(c.advertiser.as_str())
                        .or_insert_with(|| {
                            Boundaries::of_hour(playlist, calendar, date, hour, &c.advertiser, &needs, spot_len)
                        })
                        .wait(c.separation_s)
                });
            }
            for (c, _, win) in &parts {
                let window_s = f64::from(total(win)) * 60.0;
                // Each campaign's part of this window: its plays times the share of its own
                // window (in the hour) that overlaps this one.
                let overlap =
                    |other: &[(u16, u16)]| f64::from(total(&intersect(other, win))) / f64::from(total(other).max(1));
                // Another campaign's spots are spread over its own window, but whole, and its
                // window may close in this one (its last call): this window can hold one of its
                // spots more than its even share.
                let plays_in = |d: &Campaign, n: &Need, w: &[(u16, u16)]| {
                    let f = overlap(w);
                    if f <= 0.0 {
                        0.0
                    } else if d.id == c.id {
                        n.plays * f
                    } else {
                        (n.plays * f + 1.0).min(n.plays)
                    }
                };
                let in_window: Vec<FloorPart> = parts
                    .iter()
                    .map(|(d, n, w)| (d, n, plays_in(d, n, w)))
                    .filter(|(.., p)| *p > 0.0)
                    .map(|(d, n, plays)| FloorPart {
                        campaign: d.id.clone(),
                        target: Some(d.target),
                        plays,
                        spot_s: n.spot_s,
                        seconds: plays * n.spot_s,
                    })
                    .collect();
                let wanted_s: f64 = in_window.iter().map(|p| p.seconds).sum();
                if wanted_s > window_s + 1e-6 {
                    note(format!("window {}", c.id), c.line, date, &|| Booking::Window {
                        campaign: c.id.clone(),
                        when,
                        wanted_s,
                        window_s,
                        parts: in_window.clone(),
                    });
                    continue;
                }
                let own: Vec<SeparationPart> = parts
                    .iter()
                    .zip(&waits)
                    .filter(|((d, ..), _)| d.advertiser == c.advertiser)
                    .map(|((d, n, w), wait)| SeparationPart {
                        campaign: d.id.clone(),
                        plays: plays_in(d, n, w),
                        spot_s: n.spot_s,
                        separation_s: d.separation_s,
                        wait_s: *wait,
                    })
                    .filter(|p| p.plays > 0.0)
                    .collect();
                // One of the advertiser's other campaigns' spots and its wait may be on as the
                // window closes, and this campaign cannot make up what it is owed then: that
                // much of the window is kept free.
                let edge_s = parts
                    .iter()
                    .zip(&waits)
                    .filter(|((d, _, w), _)| d.advertiser == c.advertiser && d.id != c.id && overlap(w) > 0.0)
                    .map(|((_, n, _), wait)| n.spot_s + f64::from(*wait))
                    .fold(0.0, f64::max);
                let seconds: f64 = own
                    .iter()
                    .map(|p| p.plays * (p.spot_s + f64::from(p.wait_s)))
                    .sum::<f64>()
                    + edge_s;
                if seconds > window_s + 1e-6 {
                    note(format!("sep {}", c.advertiser), c.line, date, &|| Booking::Separation {
                        advertiser: c.advertiser.clone(),
                        when,
                        seconds,
                        window_s,
                        edge_s,
                        parts: own.clone(),
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
