//! The board's own hours: `[[brightness]]` windows (which may not overlap) and `[power]`.

use std::collections::BTreeMap;
use std::ops::Range;

use toml::de::DeValue;

use super::Ctx;
use super::keys::{BRIGHTNESS_KEYS, POWER_KEYS, unknown_key};
use super::values::{Val, as_int, as_str, sorted, tables};
use crate::model::{BrightnessWindow, PowerSchedule, TimeWindow, parse_hhmm};
use crate::problem::{Problem, Section};

/// The `[[brightness]]` tables of `v`, each kept with the span of its window.
pub(super) fn brightness(
    c: &mut Ctx<'_>,
    v: &Val<'_>,
    dayparts: &BTreeMap<String, TimeWindow>,
    out: &mut Vec<(BrightnessWindow, Range<usize>)>,
) {
    for t in tables(c, "brightness", v) {
        let (mut window, mut level) = (None, None);
        for (bk, bv) in sorted(t.get_ref()) {
            match bk.get_ref().as_ref() {
                "time" => {
                    if let Some(s) = as_str(c, "time", bv) {
                        let w = dayparts.get(s).copied().map_or_else(|| TimeWindow::parse(s), Ok);
                        match w {
                            Ok(w) => window = Some((w, bv.span())),
                            Err(m) => c.err(&bv.span(), Problem::Time(m)),
                        }
                    }
                }
                "level" => {
                    if let Some(n) = as_int(c, "level", bv) {
                        if (0..=15).contains(&n) {
                            level = Some(n as u8);
                        } else {
                            c.err(&bv.span(), Problem::BrightnessLevel { n });
                        }
                    }
                }
                _ => unknown_key(c, bk, Section::Brightness, &BRIGHTNESS_KEYS),
            }
        }
        let missing = |c: &mut Ctx<'_>, key: &'static str| {
            c.err(&t.span(), Problem::BrightnessNeeds { key });
        };
        match (window, level) {
            (Some((w, span)), Some(l)) => out.push((BrightnessWindow { window: w, level: l }, span)),
            (None, _) if !t.get_ref().contains_key("time") => missing(c, "time"),
            (_, None) if !t.get_ref().contains_key("level") => missing(c, "level"),
            _ => {}
        }
    }
}

/// Brightness windows may not overlap: which level would win is a guess. Each overlap is an error
/// at the later window.
pub(super) fn overlaps(c: &mut Ctx<'_>, brightness: &[(BrightnessWindow, Range<usize>)]) {
    for i in 0..brightness.len() {
        for j in 0..i {
            let (a, b) = (brightness[j].0.window, brightness[i].0.window);
            let overlap = a
                .ranges()
                .iter()
                .any(|(s1, e1)| b.ranges().iter().any(|(s2, e2)| s1 < e2 && s2 < e1));
            if overlap {
                let (line, _) = c.pos(brightness[j].1.start);
                let span = brightness[i].1.clone();
                c.err(
                    &span,
                    Problem::BrightnessOverlap {
                        window: b.to_string(),
                        other: a.to_string(),
                        line,
                    },
                );
            }
        }
    }
}

/// The `[power]` table: when the board turns on and off (both, and not the same minute).
pub(super) fn power(c: &mut Ctx<'_>, v: &Val<'_>) -> Option<PowerSchedule> {
    let DeValue::Table(t) = v.get_ref() else {
        c.err(&v.span(), Problem::PowerNotTable);
        return None;
    };
    let (mut on, mut off) = (None, None);
    for (pk, pv) in sorted(t) {
        let slot = match pk.get_ref().as_ref() {
            "on" => &mut on,
            "off" => &mut off,
            _ => {
                unknown_key(c, pk, Section::Power, &POWER_KEYS);
                continue;
            }
        };
        if let Some(s) = as_str(c, pk.get_ref(), pv) {
            match parse_hhmm(s, false) {
                Ok(m) => *slot = Some(m),
                Err(m) => c.err(&pv.span(), Problem::Time(m)),
            }
        }
    }
    match (on, off) {
        (Some(on), Some(off)) if on == off => {
            c.err(&v.span(), Problem::PowerSameTime);
        }
        (Some(on), Some(off)) => return Some(PowerSchedule { on, off }),
        (None, _) if !t.contains_key("on") => {
            c.err(&v.span(), Problem::PowerNeedsOn);
        }
        (_, None) if !t.contains_key("off") => {
            c.err(&v.span(), Problem::PowerNeedsOff);
        }
        _ => {}
    }
    None
}
