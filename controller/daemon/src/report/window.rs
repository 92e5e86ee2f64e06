//! The entries of a log a report needs, read through a window of days.

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;

use crate::proof::Entry;

/// Collects the entries of a log that a report of `from..=to` needs: those in the period, after
/// each of them the next one (it tells how long the glass kept it), and the last one before the
/// period (what was on, or dark, when it began). Reading a log through a window keeps a report's
/// memory to its own days, however long the log is.
#[derive(Debug, Clone)]
pub struct Window {
    pub(super) start: Timestamp,
    pub(super) end: Timestamp,
    cutoff: Timestamp,
    after_inside: bool,
    kept: Vec<Entry>,
    /// The last entry before the period, with where it goes among `kept`.
    before: Option<(usize, Entry)>,
}

impl Window {
    /// Days `from..=to` in `tz`, nothing after `cutoff`.
    pub fn new(from: Date, to: Date, tz: &TimeZone, cutoff: Timestamp) -> Self {
        let start = from.to_zoned(tz.clone()).map_or(Timestamp::MIN, |z| z.timestamp());
        let end = to
            .tomorrow()
            .ok()
            .and_then(|d| d.to_zoned(tz.clone()).ok())
            .map_or(Timestamp::MAX, |z| z.timestamp())
            .min(cutoff);
        Self {
            start,
            end,
            cutoff,
            after_inside: false,
            kept: Vec::new(),
            before: None,
        }
    }

    /// When the period begins.
    pub fn start(&self) -> Timestamp {
        self.start
    }

    /// A window that keeps nothing.
    pub fn empty() -> Self {
        Self {
            start: Timestamp::MAX,
            end: Timestamp::MIN,
            cutoff: Timestamp::MIN,
            after_inside: false,
            kept: Vec::new(),
            before: None,
        }
    }

    /// Whether `t` is in the period.
    pub(super) fn contains(&self, t: Timestamp) -> bool {
        self.start <= t && t < self.end
    }

    /// Feed the log's verified entries, in order.
    pub fn push(&mut self, e: &Entry) {
        let Some(t) = e.time().filter(|t| *t <= self.cutoff) else {
            return;
        };
        let inside = self.contains(t);
        if inside || self.after_inside {
            self.kept.push(e.clone());
            if t < self.start {
                self.before = None;
            }
        } else if t < self.start {
            self.before = Some((self.kept.len(), e.clone()));
        }
        self.after_inside = inside;
    }

    /// The entries kept, in log order.
    pub fn into_entries(self) -> Vec<Entry> {
        let mut kept = self.kept;
        if let Some((i, e)) = self.before {
            kept.insert(i.min(kept.len()), e);
        }
        kept
    }
}
