//! The scheduler: a pure, deterministic step function of (playlist, announcements, state, now)
//! to what the board should show. No clock is read here; the daemon passes `now` and keeps the
//! returned state (persisting it, so the rotation survives a restart).

use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use crate::calendar::Calendar;
use crate::model::{Color, Effect, Item, Playlist, Style, minute_of_day, weekday_number};

mod urgent;

/// Priority of a portal announcement (docs/mqtt.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Priority {
    Normal,
    Urgent,
    Emergency,
}

/// A verified, accepted announcement as the scheduler sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Announcement {
    pub id: String,
    pub revision: u64,
    pub priority: Priority,
    pub title: String,
    pub body: String,
    pub valid_from: Option<Timestamp>,
    pub valid_until: Option<Timestamp>,
    pub issued_at: Timestamp,
    #[serde(default)]
    pub font_size: Option<u8>,
    #[serde(default)]
    pub color: Option<Color>,
    #[serde(default)]
    pub effect: Option<Effect>,
    /// Warnings only: how severe (4 Extreme, 3 Severe, 2 Moderate, 1 Minor, 0 Unknown). Within
    /// a layer only the most severe warnings rotate; portal announcements always do.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<u8>,
}

impl Announcement {
    /// Shown at `now`: `valid_from <= now < valid_until`.
    pub fn is_live(&self, now: Timestamp) -> bool {
        self.valid_from.is_none_or(|f| f <= now) && self.valid_until.is_none_or(|u| now < u)
    }
    /// Has expired by `now`.
    pub fn is_expired(&self, now: Timestamp) -> bool {
        self.valid_until.is_some_and(|u| now >= u)
    }
}

/// What a piece of content is.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum ContentKey {
    Item { id: String },
    Announcement { id: String, revision: u64 },
}

impl std::fmt::Display for ContentKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Item { id } => write!(f, "item {id}"),
            Self::Announcement { id, revision } => write!(f, "announcement {id} r{revision}"),
        }
    }
}

/// Something to put on the board.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Content {
    pub key: ContentKey,
    pub title: Option<String>,
    pub text: String,
    /// A picture instead of text (items only): its path and whether to threshold it.
    pub image: Option<(String, bool)>,
    pub style: Style,
    pub priority: Option<Priority>,
}

/// Which layer the board is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Layer {
    /// Nothing to show.
    Blank,
    /// The operators' rotation (with normal announcements).
    Rotation,
    /// Urgent announcements have taken over.
    Urgent,
    /// Emergency announcements have taken over (power and brightness overridden).
    Emergency,
}

/// The answer for one instant.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Plan {
    pub at: Timestamp,
    pub layer: Layer,
    pub showing: Option<Showing>,
    /// Keys of the entries the current layer rotates through, in order.
    pub rotation: Vec<ContentKey>,
    pub brightness: u8,
    pub power: bool,
    pub clock_trusted: bool,
    /// When to call [`Scheduler::step`] next (a page ends, a window or an announcement starts or ends).
    pub next_change: Timestamp,
}

/// The content on the board and which page of it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Showing {
    pub content: Content,
    /// 0-based page index and the number of pages.
    pub page: u32,
    pub pages: u32,
    pub since: Timestamp,
    pub page_ends: Timestamp,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct Cursor {
    key: Option<ContentKey>,
    index: usize,
    started: Option<Timestamp>,
}

/// Scheduler state: where each rotation is, and when items with `every` last played.
/// Serialisable so the daemon can persist it and resume the rotation after a restart.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scheduler {
    normal: Cursor,
    urgent: Cursor,
    urgent_since: Option<Timestamp>,
    /// The urgent layer's notices shown in this takeover, where its rotation resumes after a new
    /// one, and since when a new one waits for the next page change (`schedule/urgent.rs`).
    #[serde(default)]
    urgent_shown: BTreeSet<ContentKey>,
    #[serde(default)]
    urgent_resume: Option<ContentKey>,
    #[serde(default)]
    urgent_new_since: Option<Timestamp>,
    last_played: BTreeMap<String, Timestamp>,
    /// Campaigns' counters and the spot on the glass.
    #[serde(default)]
    pub pacing: crate::pacing::Pacing,
}

/// Whether the clock can be trusted, and why not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "kebab-case")]
pub enum ClockTrust {
    Trusted,
    /// The clock says a time before this software was built.
    BeforeBuild,
    /// The clock is this far from the portal's (seconds, positive = ahead).
    FarFromPortal {
        offset_s: i64,
    },
}

impl std::fmt::Display for ClockTrust {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Trusted => write!(f, "trusted"),
            Self::BeforeBuild => write!(f, "it says a time before this software was built"),
            Self::FarFromPortal { offset_s } => write!(
                f,
                "it is {} s {} the portal's",
                offset_s.unsigned_abs(),
                if *offset_s < 0 { "behind" } else { "ahead of" }
            ),
        }
    }
}

/// Judge the clock: it is wrong if it is before `not_before` (the build time), or if it is
/// more than `tolerance` away from the portal's clock (`portal_offset` = ours minus theirs).
pub fn clock_trust(
    now: Timestamp,
    not_before: Timestamp,
    portal_offset: Option<SignedDuration>,
    tolerance: SignedDuration,
) -> ClockTrust {
    if now < not_before {
        return ClockTrust::BeforeBuild;
    }
    match portal_offset {
        Some(off) if off.abs() > tolerance => ClockTrust::FarFromPortal {
            offset_s: off.as_secs(),
        },
        _ => ClockTrust::Trusted,
    }
}

/// Everything the scheduler looks at besides its own state and `now`.
#[derive(Debug, Clone, Copy)]
pub struct Inputs<'a> {
    pub playlist: &'a Playlist,
    pub calendar: &'a Calendar,
    pub tz: &'a TimeZone,
    pub announcements: &'a [Announcement],
    pub clock_trusted: bool,
}

/// Whether `item`'s conditions hold at civil `date` and minute `m`.
pub fn item_holds(item: &Item, date: Date, m: u16, calendar: &Calendar, clock_trusted: bool) -> bool {
    if !clock_trusted {
        return item.is_always_on();
    }
    let day_ok = |day: Date| {
        (item.days.is_empty() || item.days.contains(&weekday_number(day.weekday())))
            && (item.dates.is_empty() || item.dates.iter().any(|(a, b)| *a <= day && day <= *b))
            && (!item.workdays_only || calendar.is_workday(day))
            && (!item.days_off_only || !calendar.is_workday(day))
    };
    if item.windows.is_empty() {
        return day_ok(date);
    }
    item.windows.iter().any(|w| match w.contains(m) {
        // The part after midnight of a window that crosses it belongs to the day it started.
        Some(true) => date.yesterday().is_ok_and(day_ok),
        Some(false) => day_ok(date),
        None => false,
    })
}

/// What an item shows on `today` (its text with its [`crate::fields`] filled in, and style), as
/// the scheduler hands it to the renderer.
pub fn item_content(item: &Item, today: Date) -> Content {
    Content {
        key: ContentKey::Item { id: item.id.clone() },
        title: None,
        text: crate::fields::fill(&item.text, today).into_owned(),
        image: item.image.clone().map(|p| (p, item.threshold)),
        style: item.style,
        priority: None,
    }
}

/// What an announcement shows, with the playlist's defaults for what it does not say.
pub fn announcement_content(a: &Announcement, defaults: Style) -> Content {
    let style = Style {
        font_size: a.font_size.unwrap_or(defaults.font_size),
        color: a.color.unwrap_or(defaults.color),
        effect: a.effect.unwrap_or(defaults.effect),
        dwell_s: defaults.dwell_s,
    };
    Content {
        key: ContentKey::Announcement {
            id: a.id.clone(),
            revision: a.revision,
        },
        title: (!a.title.is_empty()).then(|| a.title.clone()),
        text: a.body.clone(),
        image: None,
        style,
        priority: Some(a.priority),
    }
}

/// Live announcements of the urgent layer: emergencies if any, else urgent ones; of the warnings
/// among them only the most severe; most recent first (they rotate).
fn urgent_layer(anns: &[Announcement], now: Timestamp) -> (Layer, Vec<&Announcement>) {
    let live: Vec<&Announcement> = anns
        .iter()
        .filter(|a| a.priority >= Priority::Urgent && a.is_live(now))
        .collect();
    let top = live.iter().map(|a| a.priority).max();
    let mut layer: Vec<&Announcement> = live.into_iter().filter(|a| Some(a.priority) == top).collect();
    let most_severe = layer.iter().filter_map(|a| a.severity).max();
    layer.retain(|a| a.severity.is_none() || a.severity == most_severe);
    layer.sort_by(|a, b| (b.issued_at, &b.id).cmp(&(a.issued_at, &a.id)));
    match top {
        Some(Priority::Emergency) => (Layer::Emergency, layer),
        Some(_) => (Layer::Urgent, layer),
        None => (Layer::Rotation, layer),
    }
}

impl Scheduler {
    pub fn new() -> Self {
        Self::default()
    }

    /// The operators' rotation at `now`: eligible items and live normal announcements, by
    /// priority (higher first), items in file order, announcements oldest first.
    pub fn rotation(&self, inp: &Inputs<'_>, now: Timestamp) -> Vec<Content> {
        let zoned = now.to_zoned(inp.tz.clone());
        let (date, m) = (zoned.date(), minute_of_day(zoned.time()));
        let mut entries: Vec<(i32, usize, Content)> = Vec::new();
        for (i, item) in inp.playlist.items.iter().enumerate() {
            if !item_holds(item, date, m, inp.calendar, inp.clock_trusted) {
                continue;
            }
            let current = matches!(&self.normal.key, Some(ContentKey::Item { id }) if *id == item.id);
            if let (Some(every), Some(last), false) = (item.every_min, self.last_played.get(&item.id), current)
                && now.duration_since(*last) < SignedDuration::from_mins(i64::from(every))
            {
                continue;
            }
            entries.push((item.priority, i, item_content(item, date)));
        }
        let mut normal: Vec<&Announcement> = inp
            .announcements
            .iter()
            .filter(|a| a.priority == Priority::Normal && a.is_live(now))
            .collect();
        normal.sort_by(|a, b| (a.issued_at, &a.id).cmp(&(b.issued_at, &b.id)));
        let base = inp.playlist.items.len();
        for (j, a) in normal.into_iter().enumerate() {
            entries.push((0, base + j, announcement_content(a, inp.playlist.defaults)));
        }
        entries.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        entries.into_iter().map(|(_, _, c)| c).collect()
    }

    /// What to show at `now`. `pages` tells how many pages a content renders to (at least 1).
    pub fn step(&mut self, inp: &Inputs<'_>, now: Timestamp, pages: &dyn Fn(&Content) -> u32) -> Plan {
        let zoned = now.to_zoned(inp.tz.clone());
        let m = minute_of_day(zoned.time());
        let (layer, urgent) = urgent_layer(inp.announcements, now);
        let p = inp.playlist;
        let emergency = layer == Layer::Emergency;
        let power = !inp.clock_trusted || emergency || p.power_on_at(m);
        let spot_len = |i: &Item| spot_len(i, zoned.date(), pages);
        self.pacing.roll(p, zoned.date(), zoned.hour(), &spot_len);
        self.pacing.accrue(p, inp.calendar, inp.tz, now);

        let (layer, showing, list) = if urgent.is_empty() && power {
            if self.urgent_since.take().is_some() {
                // The takeover ended: restart the interrupted item from its first page, at once.
                self.normal.started = Some(now);
                self.end_takeover();
            }
            let list = self.rotation(inp, now);
            let showing = self.rotation_step(inp, &list, now, zoned.date(), pages);
            let layer = if showing.is_some() {
                Layer::Rotation
            } else {
                Layer::Blank
            };
            (layer, showing, list)
        } else if urgent.is_empty() {
            // Dark by the power schedule: a spot on the glass is cut short; the rotation keeps
            // its cadence underneath (it is what shows when the power comes back).
            self.pacing.interrupt(p, now);
            let list = self.rotation(inp, now);
            let showing = advance(&mut self.normal, &list, now, pages);
            let layer = if showing.is_some() {
                Layer::Rotation
            } else {
                Layer::Blank
            };
            (layer, showing, list)
        } else {
            self.pacing.interrupt(p, now);
            self.urgent_since.get_or_insert(now);
            let list: Vec<Content> = urgent
                .iter()
                .map(|a| announcement_content(a, inp.playlist.defaults))
                .collect();
            let showing = self.urgent_advance(&list, now, pages);
            (layer, showing, list)
        };
        self.pacing
            .set_accruing(power && inp.clock_trusted && matches!(layer, Layer::Rotation | Layer::Blank));
        if let Some(Showing {
            content: Content {
                key: ContentKey::Item { id },
                ..
            },
            page: 0,
            since,
            ..
        }) = &showing
            && *since == now
        {
            self.last_played.insert(id.clone(), now);
        }

        let brightness = if !inp.clock_trusted || emergency {
            p.max_brightness()
        } else {
            p.brightness_at(m)
        };

        // Wake at the next page end, minute boundary (windows) or announcement edge.
        let next_minute = zoned
            .start_of_day()
            .ok()
            .and_then(|d| d.checked_add(SignedDuration::from_mins(i64::from(m) + 1)).ok())
            .map_or(now + SignedDuration::from_secs(60), |z| z.timestamp());
        let mut next = next_minute;
        if let Some(s) = &showing {
            next = next.min(s.page_ends);
        } else if layer == Layer::Blank
            && let Some(free) = self.pacing.next_free(now)
        {
            // An empty rotation has no boundaries of its own: a spot held back by its
            // advertiser's separation may start as soon as that ends.
            next = next.min(free);
        }
        for a in inp.announcements {
            for t in [a.valid_from, a.valid_until].into_iter().flatten() {
                if t > now {
                    next = next.min(t);
                }
            }
        }
        Plan {
            at: now,
            layer,
            showing,
            rotation: list.iter().map(|c| c.key.clone()).collect(),
            brightness,
            power,
            clock_trusted: inp.clock_trusted,
            next_change: next,
        }
    }

    /// The rotation at `now` (on the board's date `today`): the government entries in turn, with a
    /// campaign's spot between two of them when pacing says one is due ([`crate::pacing`]).
    fn rotation_step(
        &mut self,
        inp: &Inputs<'_>,
        list: &[Content],
        now: Timestamp,
        today: Date,
        pages: &dyn Fn(&Content) -> u32,
    ) -> Option<Showing> {
        let p = inp.playlist;
        let spot_len = |i: &Item| spot_len(i, today, pages);
        let len_of = |c: &Content| dwell(c) * i32::try_from(pages(c).max(1)).unwrap_or(i32::MAX);
        // Where the current entry ends (`None`: it is still on).
        let spot = self.pacing.spot.clone();
        let on_spot = spot
            .as_ref()
            .is_some_and(|s| matches!(&self.normal.key, Some(ContentKey::Item { id }) if *id == s.item));
        let ended = if let (true, Some(s)) = (on_spot, &spot) {
            match p.spot(&s.item) {
                Some((_, item)) if now < s.ends() && s.started <= now => {
                    // The spot keeps the text it started with (its length was counted for it).
                    let day = s.started.to_zoned(inp.tz.clone()).date();
                    return Some(showing_at(item_content(item, day), s.started, now, pages));
                }
                // Its time is up, or the playlist no longer has it.
                _ => {
                    self.pacing.spot = None;
                    Some(if now < s.ends() { now } else { s.ends() })
                }
            }
        } else {
            let pos = self
                .normal
                .key
                .as_ref()
                .and_then(|k| list.iter().position(|c| &c.key == k));
            match (pos, self.normal.started) {
                (Some(i), Some(s)) if s <= now && now < s + len_of(&list[i]) => None,
                (Some(i), Some(s)) if s <= now => Some(s + len_of(&list[i])),
                _ => Some(now),
            }
        };
        if on_spot {
            // The government entry after the spot is the one at the cursor's index.
            if let Some(end) = ended {
                let start = next_start(end, now);
                if let Some(shown) = self.play_spot(inp, list, now, start, self.normal.index, &spot_len, pages) {
                    return Some(shown);
                }
                if list.is_empty() {
                    self.normal.key = None;
                    self.normal.started = None;
                    return None;
                }
                let idx = self.normal.index % list.len();
                self.normal = Cursor {
                    key: Some(list[idx].key.clone()),
                    index: idx,
                    started: Some(start),
                };
            }
        } else if let Some(end) = ended
            && inp.clock_trusted
        {
            let start = next_start(end, now);
            let pos = self
                .normal
                .key
                .as_ref()
                .and_then(|k| list.iter().position(|c| &c.key == k));
            let next = match pos {
                Some(i) => i + 1,
                None if self.normal.key.is_some() => self.normal.index,
                None => 0,
            };
            if let Some(shown) = self.play_spot(inp, list, now, start, next, &spot_len, pages) {
                return Some(shown);
            }
        }
        advance(&mut self.normal, list, now, pages)
    }

    #[allow(clippy::too_many_arguments)]
    fn play_spot(
        &mut self,
        inp: &Inputs<'_>,
        list: &[Content],
        now: Timestamp,
        start: Timestamp,
        next_index: usize,
        spot_len: &dyn Fn(&Item) -> u32,
        pages: &dyn Fn(&Content) -> u32,
    ) -> Option<Showing> {
        let z = start.to_zoned(inp.tz.clone());
        // The longest wait for the next boundary: the rotation's longest entry (or a spot's), or
        // the next minute when the rotation is empty (the scheduler looks again then).
        let len_of = |c: &Content| {
            u32::try_from(dwell(c).as_secs())
                .unwrap_or(u32::MAX)
                .saturating_mul(pages(c).max(1))
        };
        let spots = inp.playlist.campaigns.iter().flat_map(|c| &c.items).map(spot_len);
        let last_call_s = if list.is_empty() {
            60
        } else {
            list.iter().map(len_of).chain(spots).max().unwrap_or(60)
        };
        let (ci, ii) = self.pacing.pick(
            inp.playlist,
            inp.calendar,
            z.date(),
            minute_of_day(z.time()),
            u32::try_from(z.second()).unwrap_or(0),
            start,
            last_call_s,
            spot_len,
        )?;
        let item = &inp.playlist.campaigns[ci].items[ii];
        self.normal = Cursor {
            key: Some(ContentKey::Item { id: item.id.clone() }),
            index: next_index,
            started: Some(start),
        };
        Some(showing_at(item_content(item, z.date()), start, now, pages))
    }
}

/// When the next entry starts after one that ended at `end`: at `end`, keeping the cadence, when
/// we are on time; else now.
fn next_start(end: Timestamp, now: Timestamp) -> Timestamp {
    if now.duration_since(end) < SignedDuration::from_secs(2) {
        end
    } else {
        now
    }
}

/// Seconds a spot stays on the glass on `today`: its dwell time for each page.
pub fn spot_len(item: &Item, today: Date, pages: &dyn Fn(&Content) -> u32) -> u32 {
    item.style.dwell_s.max(1) * pages(&item_content(item, today)).max(1)
}

fn showing_at(content: Content, started: Timestamp, now: Timestamp, pages: &dyn Fn(&Content) -> u32) -> Showing {
    let n = pages(&content).max(1);
    let d = dwell(&content);
    let elapsed = now.duration_since(started);
    let page = u32::try_from(elapsed.as_secs() / d.as_secs().max(1))
        .unwrap_or(0)
        .min(n - 1);
    let page_ends = started + d * i32::try_from(page + 1).unwrap_or(i32::MAX);
    Showing {
        content,
        page,
        pages: n,
        since: started,
        page_ends,
    }
}

fn dwell(c: &Content) -> SignedDuration {
    SignedDuration::from_secs(i64::from(c.style.dwell_s.max(1)))
}

fn advance(cur: &mut Cursor, list: &[Content], now: Timestamp, pages: &dyn Fn(&Content) -> u32) -> Option<Showing> {
    if list.is_empty() {
        *cur = Cursor {
            key: None,
            index: cur.index,
            started: None,
        };
        return None;
    }
    let len_of = |c: &Content| dwell(c) * i32::try_from(pages(c).max(1)).unwrap_or(i32::MAX);
    let pos = cur.key.as_ref().and_then(|k| list.iter().position(|c| &c.key == k));
    let (idx, started) = match (pos, cur.started) {
        (Some(i), Some(s)) if now < s + len_of(&list[i]) && s <= now => (i, s),
        (Some(i), Some(s)) if s <= now => {
            // Its time is up: the next entry, keeping the cadence when we are on time.
            let end = s + len_of(&list[i]);
            let next = (i + 1) % list.len();
            let start = next_start(end, now);
            (next, start)
        }
        (Some(i), _) => (i, now),
        // The entry left the rotation (window closed, expired): continue at the place it had.
        (None, _) if cur.key.is_some() => (cur.index % list.len(), now),
        (None, _) => (0, now),
    };
    *cur = Cursor {
        key: Some(list[idx].key.clone()),
        index: idx,
        started: Some(started),
    };
    Some(showing_at(list[idx].clone(), started, now, pages))
}

/// One change in a [`timeline`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimelineEntry {
    pub at: jiff::Zoned,
    /// Item ids in rotation from this moment.
    pub rotation: Vec<String>,
    pub brightness: u8,
    pub power: bool,
}

/// Every change of the rotation, brightness and power from `from` for `hours`, minute by minute
/// (windows are minute-aligned).
pub fn timeline(
    playlist: &Playlist,
    calendar: &Calendar,
    tz: &TimeZone,
    from: Timestamp,
    hours: u32,
) -> Vec<TimelineEntry> {
    let mut out: Vec<TimelineEntry> = Vec::new();
    let start = from.to_zoned(tz.clone());
    let start_minute = start.timestamp().as_second().div_euclid(60) * 60;
    for k in 0..i64::from(hours) * 60 {
        let t = Timestamp::from_second(start_minute + k * 60).unwrap_or(from);
        let z = t.to_zoned(tz.clone());
        let (date, m) = (z.date(), minute_of_day(z.time()));
        let rotation: Vec<String> = playlist
            .items
            .iter()
            .filter(|i| item_holds(i, date, m, calendar, true))
            .map(|i| i.id.clone())
            .collect();
        let entry = TimelineEntry {
            at: z,
            rotation,
            brightness: playlist.brightness_at(m),
            power: playlist.power_on_at(m),
        };
        let changed = out
            .last()
            .is_none_or(|l| l.rotation != entry.rotation || l.brightness != entry.brightness || l.power != entry.power);
        if changed {
            out.push(entry);
        }
    }
    out
}
