//! An item (or a campaign's spot): its text or picture, when it shows, its style; and keeping
//! it only when it had no problems and its id is new.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use toml::Spanned;
use toml::de::DeTable;

use super::Ctx;
use super::MAX_TEXT_CHARS;
use super::keys::{ITEM_KEYS, unknown_key};
use super::values::{Val, as_bool, as_days, as_id, as_int, as_str, as_strs, sorted};
use crate::calendar::parse_date_range;
use crate::model::{Color, Effect, FONT_SIZES, Item, Style, TimeWindow};
use crate::problem::{IdOf, Problem, Section};

pub(super) fn style_key(c: &mut Ctx<'_>, style: &mut Style, key: &str, v: &Val<'_>) -> bool {
    match key {
        "font_size" => {
            if let Some(n) = as_int(c, key, v) {
                if FONT_SIZES.iter().any(|s| i64::from(*s) == n) {
                    style.font_size = n as u8;
                } else {
                    c.err(&v.span(), Problem::FontSize { size: n });
                }
            }
        }
        "color" => {
            if let Some(s) = as_str(c, key, v) {
                match Color::parse(s) {
                    Some(col) => style.color = col,
                    None => c.err(&v.span(), Problem::UnknownColor { value: s.to_owned() }),
                }
            }
        }
        "effect" => {
            if let Some(s) = as_str(c, key, v) {
                match Effect::parse(s) {
                    Some(e) => style.effect = e,
                    None => c.err(&v.span(), Problem::UnknownEffect { value: s.to_owned() }),
                }
            }
        }
        "dwell_s" => {
            if let Some(n) = as_int(c, key, v) {
                if (1..=3600).contains(&n) {
                    style.dwell_s = n as u32;
                } else {
                    c.err(&v.span(), Problem::DwellRange { n });
                }
            }
        }
        _ => return false,
    }
    true
}

pub(super) fn windows(c: &mut Ctx<'_>, v: &Val<'_>, dayparts: &BTreeMap<String, TimeWindow>) -> Vec<TimeWindow> {
    let mut out = Vec::new();
    for (s, span) in as_strs(c, "time", v) {
        if let Some(w) = dayparts.get(s) {
            out.push(*w);
            continue;
        }
        match TimeWindow::parse(s) {
            Ok(w) => out.push(w),
            Err(problem) if !s.contains(':') && !dayparts.is_empty() => c.err(
                &span,
                Problem::TimeOrDaypart {
                    problem,
                    dayparts: dayparts.keys().cloned().collect(),
                },
            ),
            Err(m) => c.err(&span, Problem::Time(m)),
        }
    }
    out
}

pub(super) fn parse_item(
    c: &mut Ctx<'_>,
    t: &Spanned<&DeTable<'_>>,
    defaults: Style,
    dayparts: &BTreeMap<String, TimeWindow>,
) -> (Item, std::ops::Range<usize>, bool) {
    let (line, _) = c.pos(t.span().start);
    let before = c.diags.len();
    let mut item = Item {
        id: String::new(),
        text: String::new(),
        image: None,
        threshold: false,
        days: BTreeSet::new(),
        windows: Vec::new(),
        dates: Vec::new(),
        workdays_only: false,
        days_off_only: false,
        priority: 0,
        every_min: None,
        style: defaults,
        line,
    };
    let mut id_span = t.span();
    for (k, v) in sorted(t.get_ref()) {
        let key = k.get_ref().as_ref();
        match key {
            "id" => {
                if let Some(s) = as_id(c, IdOf::Item, key, v) {
                    item.id = s;
                    id_span = v.span();
                }
            }
            "image" => {
                if let Some(s) = as_str(c, key, v) {
                    let lower = s.to_ascii_lowercase();
                    if [".png", ".jpg", ".jpeg", ".bmp"].iter().any(|e| lower.ends_with(e)) {
                        item.image = Some(s.to_owned());
                    } else {
                        c.err(&v.span(), Problem::ImageKind { image: s.to_owned() });
                    }
                }
            }
            "reduce" => {
                if let Some(s) = as_str(c, key, v) {
                    match s {
                        "dither" => item.threshold = false,
                        "threshold" => item.threshold = true,
                        _ => c.err(&v.span(), Problem::Reduce { value: s.to_owned() }),
                    }
                }
            }
            "text" => {
                if let Some(s) = as_str(c, key, v) {
                    let n = s.chars().count();
                    if s.trim().is_empty() {
                        c.err(&v.span(), Problem::TextEmpty);
                    } else if n > MAX_TEXT_CHARS {
                        c.err(&v.span(), Problem::TextTooLong { n, max: MAX_TEXT_CHARS });
                    }
                    if let Some((at, ch)) = control_character(s) {
                        c.err(
                            &v.span(),
                            Problem::TextControl {
                                code: u32::from(ch),
                                at,
                            },
                        );
                    }
                    item.text = s.to_owned();
                }
            }
            "days" => as_days(c, key, v, &mut item.days),
            "time" => item.windows = windows(c, v, dayparts),
            "dates" => {
                for (s, span) in as_strs(c, key, v) {
                    match parse_date_range(s) {
                        Ok(r) => item.dates.push(r),
                        Err(m) => c.err(&span, Problem::Dates(m)),
                    }
                }
            }
            "workdays_only" => item.workdays_only = as_bool(c, key, v).unwrap_or(false),
            "days_off_only" => item.days_off_only = as_bool(c, key, v).unwrap_or(false),
            "priority" => {
                if let Some(n) = as_int(c, key, v) {
                    match i32::try_from(n) {
                        Ok(p) if (-100..=100).contains(&p) => item.priority = p,
                        _ => c.err(&v.span(), Problem::PriorityRange { n }),
                    }
                }
            }
            "every" => {
                if let Some(n) = as_int(c, key, v) {
                    if (1..=1440).contains(&n) {
                        item.every_min = Some(n as u32);
                    } else {
                        c.err(&v.span(), Problem::EveryRange { n });
                    }
                }
            }
            _ => {
                if !style_key(c, &mut item.style, key, v) {
                    unknown_key(c, k, Section::Item, &ITEM_KEYS);
                }
            }
        }
    }
    if item.workdays_only && item.days_off_only {
        c.err(&t.span(), Problem::WorkdaysAndDaysOff);
    }
    if !t.get_ref().contains_key("id") {
        c.err(&t.span(), Problem::ItemNeedsId);
    }
    match (t.get_ref().contains_key("text"), t.get_ref().contains_key("image")) {
        (false, false) => c.err(&t.span(), Problem::ItemNeedsText),
        (true, true) => c.err(&t.span(), Problem::ItemTextAndImage),
        _ => {}
    }
    let ok = c.diags.len() == before;
    (item, id_span, ok)
}

/// Keep a parsed item (or spot) in `items` when it had no problems; an id used before, by an
/// item or a spot, is an error at the second one.
pub(super) fn keep_item(
    c: &mut Ctx<'_>,
    seen_ids: &mut HashMap<String, usize>,
    (item, id_span, ok): (Item, std::ops::Range<usize>, bool),
    items: &mut Vec<Item>,
) {
    if item.id.is_empty() {
        return;
    }
    if let Some(first) = seen_ids.get(&item.id) {
        c.err(
            &id_span,
            Problem::DuplicateItem {
                id: item.id.clone(),
                first_line: *first,
            },
        );
    } else {
        seen_ids.insert(item.id.clone(), item.line);
        if ok {
            items.push(item);
        }
    }
}

/// The first character of `text` the board cannot show, with its place (from 1): a control
/// character other than a line break (`\n`, `\r`) or a tab, which the renderer breaks a line at
/// and spaces at (`pinghu_fonts::typeset`).
fn control_character(text: &str) -> Option<(usize, char)> {
    text.chars()
        .enumerate()
        .find(|&(_, ch)| ch.is_control() && !matches!(ch, '\n' | '\r' | '\t'))
        .map(|(i, ch)| (i + 1, ch))
}
