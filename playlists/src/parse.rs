//! TOML → [`Playlist`], collecting every problem with its `FILE:LINE:COL` rather than
//! stopping at the first.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::calendar::parse_date_range;
use crate::campaign::Campaign;
use crate::error::{Diagnostic, PlaylistError};
use crate::model::{
    BrightnessWindow, Color, Effect, FONT_SIZES, Item, Playlist, PowerSchedule, Style, TimeWindow, parse_hhmm,
    parse_weekday,
};
use crate::problem::{Fraction, IdOf, KeyHint, Problem, Section, ValueKind, Wanted};

/// Longest item text, as for portal announcements.
pub const MAX_TEXT_CHARS: usize = 2000;

struct Ctx<'a> {
    file: &'a str,
    src: &'a str,
    diags: Vec<Diagnostic>,
}

impl Ctx<'_> {
    fn pos(&self, offset: usize) -> (usize, usize) {
        let before = &self.src[..offset.min(self.src.len())];
        let line = before.matches('\n').count() + 1;
        let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        (line, col)
    }
    fn err(&mut self, span: &std::ops::Range<usize>, problem: Problem) {
        let (line, col) = self.pos(span.start);
        self.diags.push(Diagnostic {
            file: self.file.to_owned(),
            line,
            col,
            problem,
        });
    }
}

type Val<'i> = Spanned<DeValue<'i>>;

fn type_name(v: &DeValue<'_>) -> ValueKind {
    match v {
        DeValue::String(_) => ValueKind::String,
        DeValue::Integer(_) => ValueKind::Integer,
        DeValue::Float(_) => ValueKind::Float,
        DeValue::Boolean(_) => ValueKind::Boolean,
        DeValue::Datetime(_) => ValueKind::DateTime,
        DeValue::Array(_) => ValueKind::Array,
        DeValue::Table(_) => ValueKind::Table,
    }
}

/// `key` holds `found` where `wanted` belongs.
fn wrong(key: &str, wanted: Wanted, found: &DeValue<'_>) -> Problem {
    Problem::WrongType {
        key: key.to_owned(),
        wanted,
        found: type_name(found),
    }
}

fn as_str<'v>(c: &mut Ctx<'_>, key: &str, v: &'v Val<'_>) -> Option<&'v str> {
    if let DeValue::String(s) = v.get_ref() {
        Some(s)
    } else {
        c.err(&v.span(), wrong(key, Wanted::String, v.get_ref()));
        None
    }
}

fn as_int(c: &mut Ctx<'_>, key: &str, v: &Val<'_>) -> Option<i64> {
    if let DeValue::Integer(i) = v.get_ref() {
        let parsed = i64::from_str_radix(&i.as_str().replace('_', ""), i.radix()).ok();
        if parsed.is_none() {
            c.err(&v.span(), Problem::TooLarge { key: key.to_owned() });
        }
        parsed
    } else {
        c.err(&v.span(), wrong(key, Wanted::Integer, v.get_ref()));
        None
    }
}

fn as_bool(c: &mut Ctx<'_>, key: &str, v: &Val<'_>) -> Option<bool> {
    if let DeValue::Boolean(b) = v.get_ref() {
        Some(*b)
    } else {
        c.err(&v.span(), wrong(key, Wanted::Boolean, v.get_ref()));
        None
    }
}

/// A string, or an array of strings; each with its span.
fn as_strs<'v>(c: &mut Ctx<'_>, key: &str, v: &'v Val<'_>) -> Vec<(&'v str, std::ops::Range<usize>)> {
    match v.get_ref() {
        DeValue::String(s) => vec![(&**s, v.span())],
        DeValue::Array(a) => a
            .iter()
            .filter_map(|x| as_str(c, key, x).map(|s| (s, x.span())))
            .collect(),
        other => {
            c.err(&v.span(), wrong(key, Wanted::StringOrStrings, other));
            Vec::new()
        }
    }
}

/// An id (of an item or a campaign): 1-64 characters of A-Z a-z 0-9 . _ -.
fn as_id(c: &mut Ctx<'_>, of: IdOf, key: &str, v: &Val<'_>) -> Option<String> {
    let s = as_str(c, key, v)?;
    if s.is_empty() || s.len() > 64 || !s.chars().all(|ch| ch.is_ascii_alphanumeric() || "._-".contains(ch)) {
        c.err(&v.span(), Problem::BadId { of, id: s.to_owned() });
    }
    Some(s.to_owned())
}

/// Days of the week (`mon` … `sun`) into `days`.
fn as_days(c: &mut Ctx<'_>, key: &str, v: &Val<'_>, days: &mut BTreeSet<u8>) {
    for (s, span) in as_strs(c, key, v) {
        match parse_weekday(s) {
            Some(d) => {
                days.insert(d);
            }
            None => c.err(&span, Problem::NotADay { value: s.to_owned() }),
        }
    }
}

/// A fraction: a TOML float (or integer) for which `ok` holds, else the problem `which`.
fn as_fraction(c: &mut Ctx<'_>, key: &str, v: &Val<'_>, ok: impl Fn(f64) -> bool, which: Fraction) -> Option<f64> {
    let f = match v.get_ref() {
        DeValue::Float(f) => f.as_str().parse::<f64>().ok(),
        DeValue::Integer(_) => as_int(c, key, v).map(|i| i as f64),
        other => {
            c.err(&v.span(), wrong(key, Wanted::Number, other));
            return None;
        }
    };
    match f {
        Some(f) if ok(f) => Some(f),
        _ => {
            c.err(&v.span(), Problem::FractionRange(which));
            None
        }
    }
}

fn edit_distance(a: &str, b: &str) -> usize {
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

fn unknown_key(c: &mut Ctx<'_>, key: &Spanned<std::borrow::Cow<'_, str>>, section: Section, known: &[&'static str]) {
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

fn sorted<'t, 'i>(t: &'t DeTable<'i>) -> Vec<(&'t Spanned<std::borrow::Cow<'i, str>>, &'t Val<'i>)> {
    let mut v: Vec<_> = t.iter().collect();
    v.sort_by_key(|(k, _)| k.span().start);
    v
}

fn style_key(c: &mut Ctx<'_>, style: &mut Style, key: &str, v: &Val<'_>) -> bool {
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

fn windows(c: &mut Ctx<'_>, v: &Val<'_>, dayparts: &BTreeMap<String, TimeWindow>) -> Vec<TimeWindow> {
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

const TOP_KEYS: [&str; 8] = [
    "defaults",
    "item",
    "brightness",
    "power",
    "dayparts",
    "timezone",
    "campaign",
    "government_floor",
];
const CAMPAIGN_KEYS: [&str; 18] = [
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
const SPOT_FORBIDDEN: [&str; 7] = [
    "days",
    "time",
    "dates",
    "workdays_only",
    "days_off_only",
    "priority",
    "every",
];
const DEFAULT_KEYS: [&str; 5] = ["font_size", "color", "effect", "dwell_s", "brightness"];
const ITEM_KEYS: [&str; 15] = [
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

/// The tokens the TOML parser expected at each of its errors (by the offset it points at): the
/// literal ones (`]`, `=`, a quote) of its structured errors, which read the same in any language.
fn toml_expected(src: &str) -> HashMap<usize, Vec<&'static str>> {
    let tokens = toml_parser::Source::new(src).lex().into_vec();
    let mut errors: Vec<toml_parser::ParseError> = Vec::new();
    toml_parser::parser::parse_document(&tokens, &mut (), &mut errors);
    errors
        .iter()
        .filter_map(|e| {
            let at = e.unexpected()?.start();
            let literals: Vec<&'static str> = e
                .expected()?
                .iter()
                .filter_map(|x| match x {
                    toml_parser::Expected::Literal(l) => Some(*l),
                    _ => None,
                })
                .collect();
            (!literals.is_empty()).then_some((at, literals))
        })
        .collect()
}

/// Parse and validate a playlist. `file` names it in messages.
pub fn parse(src: &str, file: &str) -> Result<Playlist, PlaylistError> {
    let mut c = Ctx {
        file,
        src,
        diags: Vec::new(),
    };
    let (root, errors) = DeTable::parse_recoverable(src);
    let expected = if errors.is_empty() {
        HashMap::new()
    } else {
        toml_expected(src)
    };
    for e in &errors {
        let span = e.span().unwrap_or(0..0);
        // The parser's description stays as it wrote it, for the English; the text it points at
        // is taken from the source by its span, and what it expected there from its structure.
        let near = src.get(span.clone()).filter(|t| !t.is_empty()).map(str::to_owned);
        c.err(
            &span,
            Problem::TomlSyntax {
                detail: e.message().trim().to_owned(),
                near,
                expected: expected.get(&span.start).cloned().unwrap_or_default(),
            },
        );
    }
    if !errors.is_empty() {
        return Err(PlaylistError::Invalid(c.diags));
    }
    let root = root.into_inner();
    let mut defaults = Style::default();
    let mut default_brightness = 15u8;
    let mut dayparts = BTreeMap::new();
    let mut timezone = None;
    let mut government_floor = crate::campaign::DEFAULT_GOVERNMENT_FLOOR;

    // Defaults and dayparts first: items refer to them.
    for (k, v) in sorted(&root) {
        match (k.get_ref().as_ref(), v.get_ref()) {
            ("defaults", DeValue::Table(t)) => {
                for (dk, dv) in sorted(t) {
                    let name = dk.get_ref().as_ref();
                    if name == "brightness" {
                        if let Some(n) = as_int(&mut c, name, dv) {
                            if (0..=15).contains(&n) {
                                default_brightness = n as u8;
                            } else {
                                c.err(&dv.span(), Problem::DefaultBrightness { n });
                            }
                        }
                    } else if !style_key(&mut c, &mut defaults, name, dv) {
                        unknown_key(&mut c, dk, Section::Defaults, &DEFAULT_KEYS);
                    }
                }
            }
            ("dayparts", DeValue::Table(t)) => {
                for (dk, dv) in sorted(t) {
                    if let Some(s) = as_str(&mut c, dk.get_ref(), dv) {
                        match TimeWindow::parse(s) {
                            Ok(w) => {
                                dayparts.insert(dk.get_ref().to_string(), w);
                            }
                            Err(problem) => c.err(
                                &dv.span(),
                                Problem::Daypart {
                                    name: dk.get_ref().to_string(),
                                    problem,
                                },
                            ),
                        }
                    }
                }
            }
            ("timezone", _) => {
                if let Some(s) = as_str(&mut c, "timezone", v) {
                    match jiff::tz::TimeZone::get(s) {
                        Ok(_) => timezone = Some(s.to_owned()),
                        Err(_) => c.err(&v.span(), Problem::UnknownTimeZone { name: s.to_owned() }),
                    }
                }
            }
            ("government_floor", _) => {
                let why = Fraction::GovernmentFloor;
                if let Some(f) = as_fraction(&mut c, "government_floor", v, |f| (0.0..1.0).contains(&f), why) {
                    government_floor = f;
                }
            }
            ("defaults" | "dayparts", other) => c.err(&v.span(), wrong(k.get_ref(), Wanted::Table, other)),
            ("item" | "brightness" | "power" | "campaign", _) => {}
            _ => unknown_key(&mut c, k, Section::Top, &TOP_KEYS),
        }
    }

    let mut items = Vec::new();
    let mut brightness: Vec<(BrightnessWindow, std::ops::Range<usize>)> = Vec::new();
    let mut power = None;
    let mut seen_ids: HashMap<String, usize> = HashMap::new();
    let mut campaigns = Vec::new();
    let mut campaign_ids: HashMap<String, usize> = HashMap::new();

    for (k, v) in sorted(&root) {
        match k.get_ref().as_ref() {
            "item" => {
                for t in tables(&mut c, "item", v) {
                    let parsed = parse_item(&mut c, &t, defaults, &dayparts);
                    keep_item(&mut c, &mut seen_ids, parsed, &mut items);
                }
            }
            "campaign" => {
                for t in tables(&mut c, "campaign", v) {
                    let (line, _) = c.pos(t.span().start);
                    let camp = parse_campaign(&mut c, &t, defaults, &dayparts, &mut seen_ids);
                    if let Some(camp) = camp {
                        if let Some(first) = campaign_ids.get(&camp.id) {
                            let span = t.span();
                            c.err(
                                &span,
                                Problem::DuplicateCampaign {
                                    id: camp.id.clone(),
                                    first_line: *first,
                                },
                            );
                        } else {
                            campaign_ids.insert(camp.id.clone(), line);
                            campaigns.push(camp);
                        }
                    }
                }
            }
            "brightness" => {
                for t in tables(&mut c, "brightness", v) {
                    let (mut window, mut level) = (None, None);
                    for (bk, bv) in sorted(t.get_ref()) {
                        match bk.get_ref().as_ref() {
                            "time" => {
                                if let Some(s) = as_str(&mut c, "time", bv) {
                                    let w = dayparts.get(s).copied().map_or_else(|| TimeWindow::parse(s), Ok);
                                    match w {
                                        Ok(w) => window = Some((w, bv.span())),
                                        Err(m) => c.err(&bv.span(), Problem::Time(m)),
                                    }
                                }
                            }
                            "level" => {
                                if let Some(n) = as_int(&mut c, "level", bv) {
                                    if (0..=15).contains(&n) {
                                        level = Some(n as u8);
                                    } else {
                                        c.err(&bv.span(), Problem::BrightnessLevel { n });
                                    }
                                }
                            }
                            _ => unknown_key(&mut c, bk, Section::Brightness, &["time", "level"]),
                        }
                    }
                    let missing = |c: &mut Ctx<'_>, key: &'static str| {
                        c.err(&t.span(), Problem::BrightnessNeeds { key });
                    };
                    match (window, level) {
                        (Some((w, span)), Some(l)) => brightness.push((BrightnessWindow { window: w, level: l }, span)),
                        (None, _) if !t.get_ref().contains_key("time") => missing(&mut c, "time"),
                        (_, None) if !t.get_ref().contains_key("level") => missing(&mut c, "level"),
                        _ => {}
                    }
                }
            }
            "power" => {
                let DeValue::Table(t) = v.get_ref() else {
                    c.err(&v.span(), Problem::PowerNotTable);
                    continue;
                };
                let (mut on, mut off) = (None, None);
                for (pk, pv) in sorted(t) {
                    let slot = match pk.get_ref().as_ref() {
                        "on" => &mut on,
                        "off" => &mut off,
                        _ => {
                            unknown_key(&mut c, pk, Section::Power, &["on", "off"]);
                            continue;
                        }
                    };
                    if let Some(s) = as_str(&mut c, pk.get_ref(), pv) {
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
                    (Some(on), Some(off)) => power = Some(PowerSchedule { on, off }),
                    (None, _) if !t.contains_key("on") => {
                        c.err(&v.span(), Problem::PowerNeedsOn);
                    }
                    (_, None) if !t.contains_key("off") => {
                        c.err(&v.span(), Problem::PowerNeedsOff);
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }

    // Brightness windows may not overlap: which level would win is a guess.
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

    if c.diags.is_empty() {
        Ok(Playlist {
            origin: file.to_owned(),
            defaults,
            items,
            brightness: brightness.into_iter().map(|(b, _)| b).collect(),
            default_brightness,
            power,
            timezone,
            campaigns,
            government_floor,
        })
    } else {
        c.diags.sort_by_key(|d| (d.line, d.col));
        Err(PlaylistError::Invalid(c.diags))
    }
}

fn tables<'v, 'i>(c: &mut Ctx<'_>, key: &str, v: &'v Val<'i>) -> Vec<Spanned<&'v DeTable<'i>>> {
    match v.get_ref() {
        DeValue::Array(a) => a
            .iter()
            .filter_map(|x| match x.get_ref() {
                DeValue::Table(t) => Some(Spanned::new(x.span(), t)),
                other => {
                    c.err(
                        &x.span(),
                        Problem::NotTables {
                            key: key.to_owned(),
                            entries: true,
                            found: type_name(other),
                        },
                    );
                    None
                }
            })
            .collect(),
        other => {
            c.err(
                &v.span(),
                Problem::NotTables {
                    key: key.to_owned(),
                    entries: false,
                    found: type_name(other),
                },
            );
            Vec::new()
        }
    }
}

fn parse_item(
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

fn as_date(c: &mut Ctx<'_>, key: &str, v: &Val<'_>) -> Option<jiff::civil::Date> {
    let text = match v.get_ref() {
        DeValue::String(s) => s.to_string(),
        DeValue::Datetime(d) => d.to_string(),
        other => {
            c.err(&v.span(), wrong(key, Wanted::Date, other));
            return None;
        }
    };
    match text.parse::<jiff::civil::Date>() {
        Ok(d) if !text.contains('T') && !text.contains(' ') => Some(d),
        _ => {
            c.err(
                &v.span(),
                Problem::NotADate {
                    key: key.to_owned(),
                    text,
                },
            );
            None
        }
    }
}

fn as_count(c: &mut Ctx<'_>, key: &str, v: &Val<'_>, max: i64) -> Option<u32> {
    let n = as_int(c, key, v)?;
    if (1..=max).contains(&n) {
        Some(n as u32)
    } else {
        c.err(
            &v.span(),
            Problem::CountRange {
                key: key.to_owned(),
                n,
                max,
            },
        );
        None
    }
}

/// Keep a parsed item (or spot) in `items` when it had no problems; an id used before, by an
/// item or a spot, is an error at the second one.
fn keep_item(
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

fn parse_campaign(
    c: &mut Ctx<'_>,
    t: &Spanned<&DeTable<'_>>,
    defaults: Style,
    dayparts: &BTreeMap<String, TimeWindow>,
    seen_ids: &mut HashMap<String, usize>,
) -> Option<Campaign> {
    let (line, _) = c.pos(t.span().start);
    let before = c.diags.len();
    let mut id = String::new();
    let (mut advertiser, mut contract) = (String::new(), String::new());
    let (mut start_date, mut end_date) = (None, None);
    let mut days = BTreeSet::new();
    let mut workdays_only = false;
    let mut hours = Vec::new();
    let mut targets: Vec<(crate::campaign::Target, std::ops::Range<usize>)> = Vec::new();
    let mut max_per_hour = None;
    let mut separation_s = 0;
    let mut style = defaults;
    let mut spot_tables = Vec::new();
    for (k, v) in sorted(t.get_ref()) {
        let key = k.get_ref().as_ref();
        match key {
            "id" => {
                if let Some(s) = as_id(c, IdOf::Campaign, key, v) {
                    id = s;
                }
            }
            "advertiser" | "contract" => {
                if let Some(s) = as_str(c, key, v) {
                    if s.trim().is_empty() || s.chars().count() > 200 {
                        c.err(&v.span(), Problem::NameLength { key: key.to_owned() });
                    }
                    let slot = if key == "advertiser" {
                        &mut advertiser
                    } else {
                        &mut contract
                    };
                    s.trim().clone_into(slot);
                }
            }
            "start_date" => start_date = as_date(c, key, v).map(|d| (d, v.span())),
            "end_date" => end_date = as_date(c, key, v).map(|d| (d, v.span())),
            "days" => as_days(c, key, v, &mut days),
            "workdays_only" => workdays_only = as_bool(c, key, v).unwrap_or(false),
            "hours" => hours = windows(c, v, dayparts),
            "share" => {
                let ok = |f: f64| f > 0.0 && f < 1.0;
                if let Some(f) = as_fraction(c, key, v, ok, Fraction::Share) {
                    targets.push((crate::campaign::Target::Share(f), v.span()));
                }
            }
            "plays_per_day" => {
                if let Some(n) = as_count(c, key, v, 86_400) {
                    targets.push((crate::campaign::Target::PlaysPerDay(n), v.span()));
                }
            }
            "plays_per_hour" => {
                if let Some(n) = as_count(c, key, v, 3_600) {
                    targets.push((crate::campaign::Target::PlaysPerHour(n), v.span()));
                }
            }
            "max_per_hour" => max_per_hour = as_count(c, key, v, 3_600),
            "separation_s" => {
                if let Some(n) = as_int(c, key, v) {
                    if (0..=86_400).contains(&n) {
                        separation_s = n as u32;
                    } else {
                        c.err(&v.span(), Problem::SeparationRange { n });
                    }
                }
            }
            "item" => spot_tables = tables(c, "campaign.item", v),
            _ => {
                if !style_key(c, &mut style, key, v) {
                    unknown_key(c, k, Section::Campaign, &CAMPAIGN_KEYS);
                }
            }
        }
    }
    let need = |c: &mut Ctx<'_>, key: &'static str, example: &'static str| {
        c.err(&t.span(), Problem::CampaignNeeds { key, example });
    };
    for (key, example) in [
        ("id", "\"bank-winter\""),
        ("advertiser", "\"夷陵农商银行\""),
        ("contract", "\"YL-AD-2026-031\""),
        ("start_date", "\"2026-12-01\""),
        ("end_date", "\"2026-12-31\""),
    ] {
        if !t.get_ref().contains_key(key) {
            need(c, key, example);
        }
    }
    if let (Some((a, _)), Some((b, span))) = (&start_date, &end_date)
        && b < a
    {
        c.err(&span.clone(), Problem::EndBeforeStart { end: *b, start: *a });
    }
    // A target written with a wrong value has its own message: it is not also missing.
    let written = ["share", "plays_per_day", "plays_per_hour"]
        .iter()
        .any(|k| t.get_ref().contains_key(*k));
    match targets.len() {
        0 if !written => c.err(&t.span(), Problem::CampaignNeedsTarget),
        0 => {}
        1 => {}
        _ => {
            let span = targets[1].1.clone();
            c.err(&span, Problem::CampaignTargets);
        }
    }
    if let (Some(max), Some((crate::campaign::Target::PlaysPerHour(n), span))) = (max_per_hour, targets.first())
        && *n > max
    {
        c.err(span, Problem::PlaysOverMax { n: *n, max });
    }
    let mut items = Vec::new();
    for st in &spot_tables {
        for key in SPOT_FORBIDDEN {
            if let Some((k, _)) = st.get_ref().get_key_value(key) {
                c.err(&k.span(), Problem::SpotForbidden { key });
            }
        }
        let parsed = parse_item(c, st, style, dayparts);
        keep_item(c, seen_ids, parsed, &mut items);
    }
    if spot_tables.is_empty() {
        c.err(&t.span(), Problem::CampaignNeedsSpot);
    }
    if c.diags.len() != before {
        return None;
    }
    Some(Campaign {
        id,
        advertiser,
        contract,
        start_date: start_date?.0,
        end_date: end_date?.0,
        days,
        workdays_only,
        hours,
        target: targets.first()?.0,
        max_per_hour,
        separation_s,
        items,
        line,
    })
}

/// Read and parse a playlist file.
pub fn load(path: &std::path::Path) -> Result<Playlist, PlaylistError> {
    let src = std::fs::read_to_string(path).map_err(|e| PlaylistError::read(path, &e))?;
    parse(&src, &path.display().to_string())
}
