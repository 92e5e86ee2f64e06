//! Campaigns (`[[campaign]]`) and their spots (`[[campaign.item]]`) as the form edits them:
//! what an operator selling board time sets (docs/campaigns.md), read from and written into the
//! text by the same rules as items: only what changed is written, a field in a shape the form
//! does not show is kept and a change to it refused.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use toml_edit::{Array, Item, Key, Table, Value};

use super::{set, set_string, string, written};
// The keys of a campaign the form edits (`item`: its spots) are every key the parser knows.
use crate::parse::CAMPAIGN_KEYS;

/// The targets a campaign can buy; it names one.
pub const TARGETS: [&str; 3] = ["share", "plays_per_day", "plays_per_hour"];

/// The keys of a spot the form edits; the rest (`reduce`, style keys) are kept as written.
const SPOT_KEYS: [&str; 3] = ["id", "text", "image"];

/// One `[[campaign]]`: who pays, when, what it bought, and its spots.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct FormCampaign {
    /// Its index among the file's `[[campaign]]`s when the form was read; `None`: a new one.
    pub source: Option<usize>,
    pub id: String,
    pub advertiser: String,
    pub contract: String,
    /// `2026-12-01` (inclusive); a TOML date in the file reads the same and stays a date.
    pub start_date: String,
    pub end_date: String,
    /// `mon` … `sun`; empty: every day.
    pub days: Vec<String>,
    pub workdays_only: bool,
    /// Windows (`08:00-12:00`) and dayparts' names as written; empty: all day.
    pub hours: Vec<String>,
    /// `share`, `plays_per_day` or `plays_per_hour`; empty: none written yet.
    pub target: String,
    /// The target's number: the fraction for a share (`0.15`), plays for the others.
    pub amount: Option<f64>,
    pub max_per_hour: Option<u32>,
    pub separation_s: Option<u32>,
    /// Style of its spots; empty or `None`: the playlist's `[defaults]`.
    pub font_size: Option<u8>,
    pub color: String,
    pub effect: String,
    pub dwell_s: Option<u32>,
    pub spots: Vec<FormSpot>,
    /// Keys the form does not edit, or holds in a shape it does not show, as written. Read-only.
    #[serde(skip_deserializing)]
    pub kept: BTreeMap<String, String>,
    /// The line of the `[[campaign]]` header (`""`) and of each key. Read-only.
    #[serde(skip_deserializing)]
    pub lines: BTreeMap<String, usize>,
}

/// One `[[campaign.item]]`: a text or a picture, played in turn with the campaign's others.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct FormSpot {
    /// Its index among its campaign's spots when the form was read; `None`: a new one.
    pub source: Option<usize>,
    pub id: String,
    pub text: String,
    pub image: String,
    /// `reduce`, style keys and anything else: kept as written. Read-only.
    #[serde(skip_deserializing)]
    pub kept: BTreeMap<String, String>,
    #[serde(skip_deserializing)]
    pub lines: BTreeMap<String, usize>,
}

/// `Item` as a number (an integer reads as one too).
fn number(item: &Item) -> Option<f64> {
    item.as_float().or_else(|| item.as_integer().map(|i| i as f64))
}

/// A date as the form shows it: a string as written, or a TOML date (`2026-12-01`).
fn date(t: &Table, key: &str) -> Option<String> {
    let item = t.get(key)?;
    item.as_str().map(str::to_owned).or_else(|| {
        item.as_datetime()
            .filter(|d| d.time.is_none() && d.offset.is_none())
            .and_then(|d| d.date)
            .map(|d| d.to_string())
    })
}

/// The strings of a string or a list of strings.
fn strings(item: &Item) -> Option<Vec<String>> {
    if let Some(s) = item.as_str() {
        return Some(vec![s.to_owned()]);
    }
    item.as_array()?.iter().map(|v| v.as_str().map(str::to_owned)).collect()
}

pub(super) fn read_campaign(t: &Table) -> FormCampaign {
    let mut kept: BTreeMap<String, String> = t
        .iter()
        .filter(|(k, _)| !CAMPAIGN_KEYS.contains(k))
        .map(|(k, v)| (k.to_owned(), written(v)))
        .collect();
    let mut shape = |key: &str, ok: bool| {
        if let Some(v) = t.get(key).filter(|_| !ok) {
            kept.insert(key.to_owned(), written(v));
        }
    };
    for key in ["id", "advertiser", "contract", "color", "effect"] {
        shape(key, t.get(key).is_some_and(Item::is_str));
    }
    let (start_date, end_date) = (date(t, "start_date"), date(t, "end_date"));
    shape("start_date", start_date.is_some());
    shape("end_date", end_date.is_some());
    let days = t.get("days").and_then(Item::as_array).and_then(|a| {
        a.iter()
            .map(|v| v.as_str().map(str::to_owned))
            .collect::<Option<Vec<_>>>()
    });
    shape("days", days.is_some());
    let hours = t.get("hours").and_then(strings);
    shape("hours", hours.is_some());
    let workdays_only = t.get("workdays_only").and_then(Item::as_bool);
    shape("workdays_only", workdays_only.is_some());
    let int = |key: &str| t.get(key).and_then(Item::as_integer);
    let font_size = int("font_size").and_then(|v| u8::try_from(v).ok());
    shape("font_size", font_size.is_some());
    let count = |key: &str| int(key).and_then(|v| u32::try_from(v).ok());
    let (max_per_hour, separation_s, dwell_s) = (count("max_per_hour"), count("separation_s"), count("dwell_s"));
    shape("max_per_hour", max_per_hour.is_some());
    shape("separation_s", separation_s.is_some());
    shape("dwell_s", dwell_s.is_some());
    // One target, a number. Two or more written (the checker refuses that), or one not a
    // number: kept as written, for the TOML view to sort out.
    let targets: Vec<&str> = TARGETS.into_iter().filter(|k| t.contains_key(k)).collect();
    let (target, amount) = match targets.as_slice() {
        [one] if t.get(one).and_then(number).is_some() => (one.to_string(), t.get(one).and_then(number)),
        _ => {
            for key in &targets {
                shape(key, false);
            }
            (String::new(), None)
        }
    };
    FormCampaign {
        source: None,
        id: string(t, "id"),
        advertiser: string(t, "advertiser"),
        contract: string(t, "contract"),
        start_date: start_date.unwrap_or_default(),
        end_date: end_date.unwrap_or_default(),
        days: days.unwrap_or_default(),
        workdays_only: workdays_only.unwrap_or(false),
        hours: hours.unwrap_or_default(),
        target,
        amount,
        max_per_hour,
        separation_s,
        font_size,
        color: string(t, "color"),
        effect: string(t, "effect"),
        dwell_s,
        spots: Vec::new(),
        kept,
        lines: BTreeMap::new(),
    }
}

pub(super) fn read_spot(t: &Table) -> FormSpot {
    let mut kept: BTreeMap<String, String> = t
        .iter()
        .filter(|(k, _)| !SPOT_KEYS.contains(k))
        .map(|(k, v)| (k.to_owned(), written(v)))
        .collect();
    for key in SPOT_KEYS {
        if let Some(v) = t.get(key).filter(|v| !v.is_str()) {
            kept.insert(key.to_owned(), written(v));
        }
    }
    FormSpot {
        source: None,
        id: string(t, "id"),
        text: string(t, "text"),
        image: string(t, "image"),
        kept,
        lines: BTreeMap::new(),
    }
}

/// Write a spot's fields into its table. `Err(key)`: a change to a field held as kept.
pub(super) fn write_spot(t: &mut Table, f: &FormSpot) -> Result<(), String> {
    let old = read_spot(t);
    for (key, old, new) in [
        ("id", &old.id, &f.id),
        ("text", &old.text, &f.text),
        ("image", &old.image, &f.image),
    ] {
        if old != new {
            if t.get(key).is_some_and(|v| !v.is_str()) {
                return Err(key.to_owned());
            }
            set_string(t, key, new);
        }
    }
    Ok(())
}

/// A number as the file writes it: an integer when it is one (plays), else a float.
fn amount_value(target: &str, n: f64) -> Value {
    if target != "share" && n.fract() == 0.0 && n.abs() < 1e15 {
        (n as i64).into()
    } else {
        n.into()
    }
}

/// Write a campaign's own fields (not its spots) into its table: a field whose value is what the
/// table says is left alone. `Err(key)`: the form changes a field it holds as kept.
pub(super) fn write_campaign(t: &mut Table, f: &FormCampaign) -> Result<(), String> {
    let old = read_campaign(t);
    let target_changed = old.target != f.target || old.amount != f.amount;
    let changed = [
        ("id", old.id != f.id),
        ("advertiser", old.advertiser != f.advertiser),
        ("contract", old.contract != f.contract),
        ("start_date", old.start_date != f.start_date),
        ("end_date", old.end_date != f.end_date),
        ("days", old.days != f.days),
        ("workdays_only", old.workdays_only != f.workdays_only),
        ("hours", old.hours != f.hours),
        ("max_per_hour", old.max_per_hour != f.max_per_hour),
        ("separation_s", old.separation_s != f.separation_s),
        ("font_size", old.font_size != f.font_size),
        ("color", old.color != f.color),
        ("effect", old.effect != f.effect),
        ("dwell_s", old.dwell_s != f.dwell_s),
        ("share", target_changed),
        ("plays_per_day", target_changed),
        ("plays_per_hour", target_changed),
    ];
    if let Some((key, _)) = changed.iter().find(|(k, c)| *c && old.kept.contains_key(*k)) {
        return Err((*key).to_owned());
    }
    for (key, old, new) in [
        ("id", &old.id, &f.id),
        ("advertiser", &old.advertiser, &f.advertiser),
        ("contract", &old.contract, &f.contract),
        ("color", &old.color, &f.color),
        ("effect", &old.effect, &f.effect),
    ] {
        if old != new {
            set_string(t, key, new);
        }
    }
    for (key, old, new) in [
        ("start_date", &old.start_date, &f.start_date),
        ("end_date", &old.end_date, &f.end_date),
    ] {
        if old != new {
            // A date written as a TOML date stays one.
            let as_date = t.get(key).is_some_and(|v| v.as_datetime().is_some());
            let v = match new.parse::<toml_edit::Datetime>() {
                Ok(d) if as_date => Some(Value::from(d)),
                _ => (!new.is_empty()).then(|| new.as_str().into()),
            };
            set(t, key, v);
        }
    }
    if old.days != f.days {
        let days = (!f.days.is_empty()).then(|| Value::Array(f.days.iter().map(String::as_str).collect::<Array>()));
        set(t, "days", days);
    }
    if old.workdays_only != f.workdays_only {
        set(t, "workdays_only", f.workdays_only.then(|| true.into()));
    }
    if old.hours != f.hours {
        // One window stays a string unless the file had a list; more are a list.
        let listed = t.get("hours").is_some_and(Item::is_array);
        let v = match f.hours.as_slice() {
            [] => None,
            [one] if !listed => Some(one.as_str().into()),
            many => Some(Value::Array(many.iter().map(String::as_str).collect::<Array>())),
        };
        set(t, "hours", v);
    }
    for (key, old, new) in [
        ("max_per_hour", old.max_per_hour, f.max_per_hour),
        ("separation_s", old.separation_s, f.separation_s),
        ("dwell_s", old.dwell_s, f.dwell_s),
    ] {
        if old != new {
            set(t, key, new.map(|v| i64::from(v).into()));
        }
    }
    if old.font_size != f.font_size {
        set(t, "font_size", f.font_size.map(|v| i64::from(v).into()));
    }
    if target_changed {
        let new = match (f.target.as_str(), f.amount) {
            (k, Some(n)) if TARGETS.contains(&k) => Some((k, amount_value(k, n))),
            _ => None,
        };
        match new {
            None => {
                if !old.target.is_empty() {
                    t.remove(&old.target);
                }
            }
            Some((key, v)) if old.target == key || old.target.is_empty() => set(t, key, Some(v)),
            // Another kind of target: in the old one's place, with its comment.
            Some((key, v)) => replace_key(t, &old.target, key, v),
        }
    }
    Ok(())
}

/// Put `new = v` where `old` was, keeping the old key's place, the comments before it and the
/// one after its value.
fn replace_key(t: &mut Table, old: &str, new: &str, mut v: Value) {
    let keys: Vec<String> = t.iter().map(|(k, _)| k.to_owned()).collect();
    let pairs: Vec<(Key, Item)> = keys
        .iter()
        .filter_map(|k| t.get_key_value(k))
        .map(|(k, i)| (k.clone(), i.clone()))
        .collect();
    t.clear();
    for (key, item) in pairs {
        if key.get() == old {
            let mut k = Key::new(new);
            *k.leaf_decor_mut() = key.leaf_decor().clone();
            if let Some(o) = item.as_value() {
                *v.decor_mut() = o.decor().clone();
            }
            t.insert_formatted(&k, Item::Value(v.clone()));
        } else {
            t.insert_formatted(&key, item);
        }
    }
}
