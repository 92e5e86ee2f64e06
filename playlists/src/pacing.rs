//! Pacing: which campaign's spot, if any, plays at a boundary of the rotation.
//!
//! The model is a deficit round-robin over the day (docs/campaigns.md explains it with numbers):
//! * a `share` campaign earns credit at its share of every second the board spends in the
//!   rotation inside its window (not during urgent takeovers, not while dark), and plays when
//!   its credit is positive; each play spends the spot's length. It starts each day half a spot
//!   in debt, so that a day's error is at most half a spot either way;
//! * a `plays_per_day` or `plays_per_hour` campaign has an even schedule over the day's window
//!   minutes (play *k* falls due at (k + ½)/N of the way through) and plays when it is behind it,
//!   so plays lost to an interruption are made up later the same day;
//! * of the due campaigns the one furthest behind plays, unless `max_per_hour`, the advertiser's
//!   `separation_s`, or the hour's room left by `government_floor` holds it back.
//!
//! A spot is counted when it starts; one that an urgent or emergency takeover (or the power
//! schedule) cuts short is refunded, so it is made up, and the proof-of-display report lists it
//! as interrupted.

use std::collections::BTreeMap;

use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use crate::calendar::Calendar;
use crate::campaign::{Campaign, Target, covered_before, hour_capacity_s, total};
use crate::model::{Item, Playlist};

/// A campaign's counters for the day and hour.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CampaignCount {
    pub plays_day: u32,
    pub plays_hour: u32,
    /// `share` campaigns: credit in microseconds on the glass (fine enough that frequent steps
    /// lose nothing to rounding).
    pub credit_us: i64,
    /// The next of its spots to play.
    pub next_item: usize,
}

/// The spot on the glass.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Spot {
    pub campaign: String,
    pub item: String,
    pub started: Timestamp,
    pub len_s: u32,
    /// When its advertiser could play before this spot (restored if it is cut short).
    advertiser_was_free: Option<Timestamp>,
}

impl Spot {
    pub fn ends(&self) -> Timestamp {
        self.started + SignedDuration::from_secs(i64::from(self.len_s))
    }
}

/// The pacing state (part of the scheduler's persisted state).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pacing {
    day: Option<Date>,
    hour: Option<i8>,
    pub counts: BTreeMap<String, CampaignCount>,
    /// Seconds of spots started in the current clock hour.
    pub spot_s_hour: u32,
    /// When each advertiser may start a spot again (`separation_s` after its last one ends).
    advertiser_free: BTreeMap<String, Timestamp>,
    last_accrual: Option<Timestamp>,
    /// Whether the board was in the rotation, lit, since `last_accrual`.
    accruing: bool,
    pub spot: Option<Spot>,
}

/// A gap between two steps longer than this is time the daemon was not running: it earns nothing.
const MAX_ACCRUAL_GAP: SignedDuration = SignedDuration::from_secs(120);

/// Average spot length of a campaign, seconds.
fn avg_len(c: &Campaign, spot_len: &dyn Fn(&Item) -> u32) -> i64 {
    let n = c.items.len().max(1) as i64;
    c.items.iter().map(|i| i64::from(spot_len(i).max(1))).sum::<i64>() / n
}

impl Pacing {
    /// Start a new day or hour: the counters restart (shortfalls are not carried across days).
    pub fn roll(&mut self, playlist: &Playlist, date: Date, hour: i8, spot_len: &dyn Fn(&Item) -> u32) {
        if self.day != Some(date) {
            self.day = Some(date);
            self.hour = None;
            self.counts
                .retain(|id, _| playlist.campaigns.iter().any(|c| c.id == *id));
            for c in &playlist.campaigns {
                let e = self.counts.entry(c.id.clone()).or_default();
                e.plays_day = 0;
                e.credit_us = -avg_len(c, spot_len) * 500_000;
            }
        }
        if self.hour != Some(hour) {
            self.hour = Some(hour);
            self.spot_s_hour = 0;
            for e in self.counts.values_mut() {
                e.plays_hour = 0;
            }
        }
    }

    /// Earn `share` credit for the time since the last step, if the board was in the rotation.
    pub fn accrue(&mut self, playlist: &Playlist, calendar: &Calendar, tz: &jiff::tz::TimeZone, now: Timestamp) {
        if let Some(last) = self.last_accrual
            && self.accruing
            && last < now
            && now.duration_since(last) <= MAX_ACCRUAL_GAP
        {
            let z = last.to_zoned(tz.clone());
            let m = crate::model::minute_of_day(z.time());
            let dt_us = now.duration_since(last).as_micros() as i64;
            for c in &playlist.campaigns {
                let Target::Share(s) = c.target else { continue };
                let holds = c
                    .minutes(z.date(), calendar, playlist)
                    .iter()
                    .any(|(a, b)| *a <= m && m < *b);
                if holds && let Some(e) = self.counts.get_mut(&c.id) {
                    e.credit_us += (s * dt_us as f64).round() as i64;
                }
            }
        }
        self.last_accrual = Some(now);
    }

    /// The next instant after `now` at which an advertiser held back by its separation may play
    /// again: a blank board looks again then, not only at the next minute.
    pub fn next_free(&self, now: Timestamp) -> Option<Timestamp> {
        self.advertiser_free.values().filter(|t| **t > now).min().copied()
    }

    /// Whether the time until the next step counts for `share` campaigns.
    pub fn set_accruing(&mut self, on: bool) {
        self.accruing = on;
    }

    /// The spot on the glass was cut short at `now` (a takeover, the power schedule): refund it.
    /// Returns whether there was one.
    pub fn interrupt(&mut self, playlist: &Playlist, now: Timestamp) -> bool {
        let Some(spot) = self.spot.take() else { return false };
        if now >= spot.ends() {
            return false;
        }
        if let Some(e) = self.counts.get_mut(&spot.campaign) {
            e.plays_day = e.plays_day.saturating_sub(1);
            e.plays_hour = e.plays_hour.saturating_sub(1);
            e.credit_us += i64::from(spot.len_s) * 1_000_000;
        }
        self.spot_s_hour = self.spot_s_hour.saturating_sub(spot.len_s);
        // The advertiser's separation counts from spots that played, not from this one.
        if let Some(adv) = playlist
            .campaigns
            .iter()
            .find(|c| c.id == spot.campaign)
            .map(|c| c.advertiser.clone())
        {
            match spot.advertiser_was_free {
                Some(t) => {
                    self.advertiser_free.insert(adv, t);
                }
                None => {
                    self.advertiser_free.remove(&adv);
                }
            }
        }
        true
    }

    /// The campaign whose spot plays at `now`, if one is due and allowed; counts it.
    ///
    /// `last_call_s` is the longest the scheduler may wait for the next boundary (the longest
    /// entry of the rotation, or a minute when it is empty). When a campaign's window closes
    /// sooner than that, this boundary may be its last: it is then due for what it will have
    /// earned by the window's end, so the end of a window is not lost to a long entry.
    #[allow(clippy::too_many_arguments)]
    pub fn pick(
        &mut self,
        playlist: &Playlist,
        calendar: &Calendar,
        date: Date,
        m: u16,
        second_of_minute: u32,
        now: Timestamp,
        last_call_s: u32,
        spot_len: &dyn Fn(&Item) -> u32,
    ) -> Option<(usize, usize)> {
        let hour_start = m - m % 60;
        let room = hour_capacity_s(playlist, hour_start);
        let mut best: Option<(bool, f64, usize, usize, u32)> = None;
        for (ci, c) in playlist.campaigns.iter().enumerate() {
            if c.items.is_empty() {
                continue;
            }
            let ranges = c.minutes(date, calendar, playlist);
            if !ranges.iter().any(|(a, b)| *a <= m && m < *b) {
                continue;
            }
            let count = self.counts.get(&c.id).cloned().unwrap_or_default();
            let ii = count.next_item % c.items.len();
            let len = spot_len(&c.items[ii]).max(1);
            if c.max_per_hour.is_some_and(|max| count.plays_hour >= max)
                || self.advertiser_free.get(&c.advertiser).is_some_and(|t| now < *t)
                || f64::from(self.spot_s_hour + len) > room + 1e-9
            {
                continue;
            }
            // How far behind its even schedule the campaign is, in plays.
            let elapsed = f64::from(covered_before(&ranges, m)) + f64::from(second_of_minute) / 60.0;
            // The last call: when the window range we are in closes before the next boundary may
            // come and what is owed by then could still be played, the campaign is looked at as
            // of the range's end (what it will have earned, or be due, by then).
            let left_s = ranges
                .iter()
                .find(|(a, b)| *a <= m && m < *b)
                .map_or(0.0, |(_, b)| f64::from(b - m) * 60.0 - f64::from(second_of_minute));
            // Waiting may also let another of the advertiser's spots start, which keeps this one
            // off for that spot and its separation.
            let blocked_s = playlist
                .campaigns
                .iter()
                .filter(|d| d.advertiser == c.advertiser && d.id != c.id)
                .flat_map(|d| {
                    d.items
                        .iter()
                        .map(move |i| spot_len(i).max(1).saturating_add(d.separation_s))
                })
                .max()
                .unwrap_or(0);
            let horizon_s = f64::from(last_call_s) + f64::from(blocked_s);
            let last_call = |owed_s: f64| left_s <= horizon_s + owed_s.max(0.0);
            let len_f = f64::from(len);
            let behind = match c.target {
                Target::Share(s) => {
                    let now_s = count.credit_us as f64 / 1e6;
                    let end_s = now_s + s * left_s;
                    let closing = last_call(end_s);
                    let credit = if closing { end_s } else { now_s };
                    (closing, credit / len_f, credit >= 0.0)
                }
                Target::PlaysPerDay(_) | Target::PlaysPerHour(_) => {
                    let expected = |elapsed: f64| match c.target {
                        Target::PlaysPerDay(n) => f64::from(n) * elapsed / f64::from(total(&ranges).max(1)),
                        Target::PlaysPerHour(n) => f64::from(n) * elapsed / 60.0,
                        Target::Share(_) => 0.0,
                    };
                    let done = f64::from(count.plays_day);
                    let at_end = expected(elapsed + left_s / 60.0) - done;
                    let closing = last_call(at_end * len_f);
                    let b = if closing { at_end } else { expected(elapsed) - done };
                    let room = match c.target {
                        Target::PlaysPerDay(n) => count.plays_day < n,
                        _ => true,
                    };
                    (closing, b, room && b >= 0.5)
                }
            };
            // A campaign whose window is closing goes first, then the one furthest behind.
            let (closing, behind, due) = behind;
            if due && best.as_ref().is_none_or(|(c, b, ..)| (closing, behind) > (*c, *b)) {
                best = Some((closing, behind, ci, ii, len));
            }
        }
        let (_, _, ci, ii, len) = best?;
        let c = &playlist.campaigns[ci];
        let e = self.counts.entry(c.id.clone()).or_default();
        e.plays_day += 1;
        e.plays_hour += 1;
        e.credit_us -= i64::from(len) * 1_000_000;
        e.next_item = (ii + 1) % c.items.len();
        self.spot_s_hour += len;
        let spot = Spot {
            campaign: c.id.clone(),
            item: c.items[ii].id.clone(),
            started: now,
            len_s: len,
            advertiser_was_free: self.advertiser_free.get(&c.advertiser).copied(),
        };
        self.advertiser_free.insert(
            c.advertiser.clone(),
            spot.ends() + SignedDuration::from_secs(i64::from(c.separation_s)),
        );
        self.spot = Some(spot);
        Some((ci, ii))
    }
}
