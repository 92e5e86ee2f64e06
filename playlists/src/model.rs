//! The playlist model: what operators write in TOML (docs/playlists.md), validated.

use std::collections::BTreeSet;

use jiff::civil::{Date, Time, Weekday};
use serde::Serialize;

use crate::problem::TimeProblem;

/// Font sizes the board's fonts come in.
pub use pinghu_protocol::style::FONT_SIZES;

/// LED colour of text, and how text enters and leaves the board: the codec's style words (one
/// definition for the playlists, the portal's messages, the renderer and the command line).
pub use pinghu_protocol::style::{Effect, TextColor as Color};

/// How a piece of content should look; the daemon may adapt it to fit the board.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Style {
    pub font_size: u8,
    pub color: Color,
    pub effect: Effect,
    /// Seconds per page (0 for announcements: derive from reading speed).
    pub dwell_s: u32,
}

impl Default for Style {
    fn default() -> Self {
        Self {
            font_size: 16,
            color: Color::Red,
            effect: Effect::Auto,
            dwell_s: 10,
        }
    }
}

/// A daily time window `start-end`; `end <= start` crosses midnight. `24:00` is allowed as an end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct TimeWindow {
    /// Minutes since midnight.
    pub start: u16,
    /// Minutes since midnight, 1..=1440.
    pub end: u16,
}

impl TimeWindow {
    /// The whole day.
    pub const ALL_DAY: Self = Self { start: 0, end: 1440 };

    /// Parse `"08:00-18:00"`; errors say what is wrong.
    pub fn parse(s: &str) -> Result<Self, TimeProblem> {
        let (a, b) = s
            .split_once('-')
            .ok_or_else(|| TimeProblem::WindowShape { text: s.to_owned() })?;
        let start = parse_hhmm(a.trim(), false)?;
        let end = parse_hhmm(b.trim(), true)?;
        if start == end || (start == 0 && end == 1440) && a.trim() == b.trim() {
            return Err(TimeProblem::WindowEmpty { text: s.to_owned() });
        }
        Ok(Self { start, end })
    }

    /// Crosses midnight.
    pub fn crosses_midnight(self) -> bool {
        self.end <= self.start
    }

    /// Whether minute-of-day `m` is inside, and if so whether it is in the part after
    /// midnight (which belongs to the previous day's window).
    pub fn contains(self, m: u16) -> Option<bool> {
        if self.crosses_midnight() {
            if m >= self.start {
                Some(false)
            } else if m < self.end {
                Some(true)
            } else {
                None
            }
        } else {
            (m >= self.start && m < self.end).then_some(false)
        }
    }

    /// Minutes of the day covered, as half-open ranges within 0..1440.
    pub fn ranges(self) -> Vec<(u16, u16)> {
        if self.crosses_midnight() {
            let mut v = vec![(self.start, 1440)];
            if self.end > 0 {
                v.push((0, self.end));
            }
            v
        } else {
            vec![(self.start, self.end)]
        }
    }
}

impl std::fmt::Display for TimeWindow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:02}:{:02}-{:02}:{:02}",
            self.start / 60,
            self.start % 60,
            self.end / 60,
            self.end % 60
        )
    }
}

/// Parse `HH:MM` into minutes since midnight; `24:00` only as an end.
pub fn parse_hhmm(s: &str, allow_24: bool) -> Result<u16, TimeProblem> {
    let text = || s.to_owned();
    let (h, m) = s.split_once(':').ok_or_else(|| TimeProblem::NoColon { text: text() })?;
    let h: u16 = h.parse().map_err(|_| TimeProblem::NotHhmm { text: text() })?;
    let m: u16 = m.parse().map_err(|_| TimeProblem::NotHhmm { text: text() })?;
    if m > 59 || h > 24 || (h == 24 && (m != 0 || !allow_24)) {
        return Err(TimeProblem::OutOfDay {
            text: text(),
            end: allow_24,
        });
    }
    Ok(h * 60 + m)
}

/// An entry in the operators' rotation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Item {
    pub id: String,
    pub text: String,
    /// A picture (PNG, JPEG, BMP) shown instead of text, relative to the playlist's folder.
    pub image: Option<String>,
    /// Reduce the picture by a threshold rather than error diffusion.
    pub threshold: bool,
    /// Days of the week; empty = every day.
    pub days: BTreeSet<u8>,
    /// Windows of the day; empty = all day.
    pub windows: Vec<TimeWindow>,
    /// Inclusive date ranges; empty = any date.
    pub dates: Vec<(Date, Date)>,
    pub workdays_only: bool,
    /// Only on official holidays and weekends (e.g. a weekend opening-hours notice).
    pub days_off_only: bool,
    /// Higher plays earlier in the rotation; default 0.
    pub priority: i32,
    /// Play at most once per this many minutes.
    pub every_min: Option<u32>,
    pub style: Style,
    /// Line (1-based) of the item in its file, for messages.
    pub line: usize,
}

impl Item {
    /// True when the item has no date or time condition at all and no date in its text (it shows
    /// even when the clock cannot be trusted).
    pub fn is_always_on(&self) -> bool {
        !crate::fields::has_fields(&self.text)
            && self.days.is_empty()
            && self.windows.is_empty()
            && self.dates.is_empty()
            && !self.workdays_only
            && !self.days_off_only
    }
}

/// Day-of-week number used in [`Item::days`]: Monday = 1 … Sunday = 7.
pub fn weekday_number(w: Weekday) -> u8 {
    w.to_monday_one_offset() as u8
}

/// Parse `mon`…`sun` (also full English names).
pub fn parse_weekday(s: &str) -> Option<u8> {
    let s = s.to_ascii_lowercase();
    let names = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    let long = [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ];
    names
        .iter()
        .position(|n| *n == s)
        .or_else(|| long.iter().position(|n| *n == s))
        .map(|i| i as u8 + 1)
}

/// A brightness window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct BrightnessWindow {
    pub window: TimeWindow,
    /// 0..=15.
    pub level: u8,
}

/// Daily power schedule: the board is off from `off` until `on`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PowerSchedule {
    pub on: u16,
    pub off: u16,
}

impl PowerSchedule {
    /// Whether the board is on at minute-of-day `m`.
    pub fn is_on(self, m: u16) -> bool {
        TimeWindow {
            start: self.on,
            end: self.off,
        }
        .contains(m)
        .is_some()
    }
}

/// A validated playlist.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Playlist {
    /// Where it came from (file name), for messages.
    pub origin: String,
    pub defaults: Style,
    pub items: Vec<Item>,
    pub brightness: Vec<BrightnessWindow>,
    /// Level outside every brightness window (default 15).
    pub default_brightness: u8,
    pub power: Option<PowerSchedule>,
    /// IANA time zone name, when the playlist sets one.
    pub timezone: Option<String>,
    /// Paid campaigns, whose spots play between the rotation's entries (docs/campaigns.md).
    pub campaigns: Vec<crate::campaign::Campaign>,
    /// The share of every hour that stays with government content (0 to 1).
    pub government_floor: f64,
}

impl Playlist {
    /// A playlist with nothing in it, named `origin` in messages: what a board runs when its
    /// playlist file is refused and no good copy is left (announcements and warnings still show).
    pub fn empty(origin: &str) -> Self {
        Self {
            origin: origin.to_owned(),
            defaults: Style::default(),
            items: Vec::new(),
            brightness: Vec::new(),
            default_brightness: 15,
            power: None,
            timezone: None,
            campaigns: Vec::new(),
            government_floor: crate::campaign::DEFAULT_GOVERNMENT_FLOOR,
        }
    }

    /// Whether anything here follows the official calendar (`workdays_only`, `days_off_only`).
    pub fn uses_calendar(&self) -> bool {
        self.all_items().any(|i| i.workdays_only || i.days_off_only) || self.campaigns.iter().any(|c| c.workdays_only)
    }

    /// The rotation's items, then every campaign's spots.
    pub fn all_items(&self) -> impl Iterator<Item = &Item> {
        self.items
            .iter()
            .chain(self.campaigns.iter().flat_map(|c| c.items.iter()))
    }

    /// A campaign's spot by its id, with its campaign.
    pub fn spot(&self, id: &str) -> Option<(&crate::campaign::Campaign, &Item)> {
        self.campaigns
            .iter()
            .find_map(|c| c.items.iter().find(|i| i.id == id).map(|i| (c, i)))
    }

    /// The brightness schedule's level at minute-of-day `m`.
    pub fn brightness_at(&self, m: u16) -> u8 {
        self.brightness
            .iter()
            .find(|b| b.window.contains(m).is_some())
            .map_or(self.default_brightness, |b| b.level)
    }

    /// Highest level of the schedule (used when the clock cannot be trusted).
    pub fn max_brightness(&self) -> u8 {
        self.brightness
            .iter()
            .map(|b| b.level)
            .chain([self.default_brightness])
            .max()
            .unwrap_or(15)
    }

    /// Whether the power schedule has the board on at minute-of-day `m`.
    pub fn power_on_at(&self, m: u16) -> bool {
        self.power.is_none_or(|p| p.is_on(m))
    }

    /// Every minute-of-day where some window starts or ends (for timelines and wake-ups).
    pub fn boundaries(&self) -> BTreeSet<u16> {
        let mut s = BTreeSet::from([0]);
        for w in self
            .items
            .iter()
            .flat_map(|i| i.windows.iter())
            .chain(self.brightness.iter().map(|b| &b.window))
        {
            s.insert(w.start);
            s.insert(w.end % 1440);
        }
        if let Some(p) = self.power {
            s.insert(p.on);
            s.insert(p.off);
        }
        s
    }
}

/// Minutes since midnight of a civil time.
pub fn minute_of_day(t: Time) -> u16 {
    t.hour() as u16 * 60 + t.minute() as u16
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_empty_playlist_is_what_an_empty_file_gives() {
        assert_eq!(Playlist::empty("x"), crate::parse("", "x").unwrap());
    }

    #[test]
    fn windows() {
        let w = TimeWindow::parse("22:00-06:00").unwrap();
        assert!(w.crosses_midnight());
        assert_eq!(w.contains(23 * 60), Some(false));
        assert_eq!(w.contains(5 * 60 + 59), Some(true));
        assert_eq!(w.contains(6 * 60), None);
        assert_eq!(w.contains(21 * 60 + 59), None);
        let d = TimeWindow::parse("08:00-24:00").unwrap();
        assert_eq!(d.contains(23 * 60 + 59), Some(false));
        assert!(
            TimeWindow::parse("08:00-08:00")
                .unwrap_err()
                .to_string()
                .contains("empty")
        );
        assert!(TimeWindow::parse("8-9").unwrap_err().to_string().contains("not a time"));
        assert!(
            TimeWindow::parse("24:00-06:00")
                .unwrap_err()
                .to_string()
                .contains("not a time of day")
        );
        assert!(TimeWindow::parse("07:60-08:00").is_err());
        assert_eq!(TimeWindow::parse("00:00-24:00").unwrap(), TimeWindow::ALL_DAY);
    }

    #[test]
    fn power() {
        let p = PowerSchedule {
            on: 6 * 60 + 30,
            off: 23 * 60 + 30,
        };
        assert!(p.is_on(12 * 60));
        assert!(!p.is_on(23 * 60 + 30));
        assert!(!p.is_on(3 * 60));
        assert!(p.is_on(6 * 60 + 30));
    }
}
