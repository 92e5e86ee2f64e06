//! The keys each section knows, and the problem for one it does not (with the nearest known
//! key when it is a likely typo).

use toml::Spanned;

use super::Ctx;
use crate::problem::{KeyHint, Problem, Section};

pub(super) fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            cur.push((prev[j] + usize::from(ca != *cb)).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

pub(super) fn unknown_key(
    c: &mut Ctx<'_>,
    key: &Spanned<std::borrow::Cow<'_, str>>,
    section: Section,
    known: &[&'static str],
) {
    let k = key.get_ref();
    let hint = known
        .iter()
        .map(|n| (edit_distance(k, n), *n))
        .filter(|(d, _)| *d <= 2)
        .min()
        .map_or_else(|| KeyHint::Known(known.to_vec()), |(_, n)| KeyHint::DidYouMean(n));
    c.err(
        &key.span(),
        Problem::UnknownKey {
            key: k.to_string(),
            section,
            hint,
        },
    );
}

pub(crate) const TOP_KEYS: [&str; 8] = [
    "defaults",
    "item",
    "brightness",
    "power",
    "dayparts",
    "timezone",
    "campaign",
    "government_floor",
];
pub(crate) const CAMPAIGN_KEYS: [&str; 18] = [
    "id",
    "advertiser",
    "contract",
    "start_date",
    "end_date",
    "days",
    "workdays_only",
    "hours",
    "share",
    "plays_per_day",
    "plays_per_hour",
    "max_per_hour",
    "separation_s",
    "item",
    "font_size",
    "color",
    "effect",
    "dwell_s",
];
/// Keys of an item that a campaign's spot takes from its campaign instead.
pub(super) const SPOT_FORBIDDEN: [&str; 7] = [
    "days",
    "time",
    "dates",
    "workdays_only",
    "days_off_only",
    "priority",
    "every",
];
pub(crate) const DEFAULT_KEYS: [&str; 5] = ["font_size", "color", "effect", "dwell_s", "brightness"];
/// Keys of a `[[brightness]]` entry.
pub(crate) const BRIGHTNESS_KEYS: [&str; 2] = ["time", "level"];
/// Keys of the `[power]` table.
pub(crate) const POWER_KEYS: [&str; 2] = ["on", "off"];
pub(crate) const ITEM_KEYS: [&str; 15] = [
    "id",
    "text",
    "image",
    "reduce",
    "days",
    "time",
    "dates",
    "workdays_only",
    "days_off_only",
    "priority",
    "every",
    "font_size",
    "color",
    "effect",
    "dwell_s",
];
