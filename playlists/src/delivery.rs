//! What the scheduler delivers on a day with no notices: the scheduler itself is run over the
//! day, and each campaign's spots that stayed on the lit glass for their whole length are counted
//! in the hour they started. `pinghu playlist timeline --date` shows it against the targets, and
//! the booking check is held to it (what the check accepts, this delivers: `tests/booking.rs`).

use std::collections::BTreeMap;

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

use crate::calendar::Calendar;
use crate::model::Playlist;
use crate::schedule::{Content, ContentKey, Inputs, Layer, Scheduler, spot_len};

/// One day's delivered spots.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Delivery {
    /// Complete plays of each campaign in each hour of the day (board time), by start.
    pub plays: BTreeMap<(String, i8), u32>,
    /// Seconds of complete spots that started in each hour.
    pub spot_s: [u32; 24],
    /// Seconds of each campaign's complete spots over the day.
    pub seconds: BTreeMap<String, u32>,
    /// Spots that started but were cut short (by the power schedule or the day's end).
    pub cut: u32,
}

impl Delivery {
    /// A campaign's complete plays over the day.
    pub fn day(&self, campaign: &str) -> u32 {
        self.plays
            .iter()
            .filter(|((c, _), _)| c == campaign)
            .map(|(_, n)| n)
            .sum()
    }
}

/// Run the scheduler over `date` in `tz` with no announcements and count the spots that ran
/// their length. `pages` says how many pages a content renders to.
///
/// # Errors
/// When the day cannot be placed in the time zone (out of jiff's range).
pub fn deliver_day(
    playlist: &Playlist,
    calendar: &Calendar,
    tz: &TimeZone,
    date: Date,
    pages: &dyn Fn(&Content) -> u32,
) -> Result<Delivery, jiff::Error> {
    let start = date.to_zoned(tz.clone())?.timestamp();
    let end = date.tomorrow()?.to_zoned(tz.clone())?.timestamp();
    // Run on past midnight so a spot started before it can finish (it still counts for `date`).
    let run_until = end + SignedDuration::from_mins(10);
    let inputs = Inputs {
        playlist,
        calendar,
        tz,
        announcements: &[],
        clock_trusted: true,
    };
    let mut sched = Scheduler::new();
    // (item, since) -> seconds on the lit glass in the rotation.
    let mut on: BTreeMap<(String, Timestamp), f64> = BTreeMap::new();
    let mut now = start;
    while now < run_until {
        let plan = sched.step(&inputs, now, pages);
        let next = plan.next_change.max(now + SignedDuration::from_millis(1));
        if let Some(s) = &plan.showing
            && let ContentKey::Item { id } = &s.content.key
            && plan.power
            && plan.layer == Layer::Rotation
            && s.since < end
            && playlist.spot(id).is_some()
        {
            *on.entry((id.clone(), s.since)).or_default() += next.duration_since(now).as_secs_f64();
        }
        now = next;
    }
    let mut out = Delivery::default();
    for ((id, since), secs) in on {
        let Some((c, item)) = playlist.spot(&id) else { continue };
        let len = spot_len(item, since.to_zoned(tz.clone()).date(), pages);
        if secs + 1e-6 < f64::from(len) {
            out.cut += 1;
            continue;
        }
        let h = since.to_zoned(tz.clone()).hour();
        *out.plays.entry((c.id.clone(), h)).or_default() += 1;
        *out.seconds.entry(c.id.clone()).or_default() += len;
        if let Some(s) = out.spot_s.get_mut(usize::from(h.unsigned_abs())) {
            *s += len;
        }
    }
    Ok(out)
}
