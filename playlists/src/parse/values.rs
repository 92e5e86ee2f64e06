//! Reading one TOML value as what a key wants (a string, a count, a date, a fraction, an id,
//! days of the week, tables), reporting a value of the wrong kind or out of range at its place.

use std::collections::BTreeSet;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::Ctx;
use crate::model::parse_weekday;
use crate::problem::{Fraction, IdOf, Problem, ValueKind, Wanted};

pub(super) type Val<'i> = Spanned<DeValue<'i>>;

pub(super) fn type_name(v: &DeValue<'_>) -> ValueKind {
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
pub(super) fn wrong(key: &str, wanted: Wanted, found: &DeValue<'_>) -> Problem {
    Problem::WrongType {
        key: key.to_owned(),
        wanted,
        found: type_name(found),
    }
}

pub(super) fn as_str<'v>(c: &mut Ctx<'_>, key: &str, v: &'v Val<'_>) -> Option<&'v str> {
    if let DeValue::String(s) = v.get_ref() {
        Some(s)
    } else {
        c.err(&v.span(), wrong(key, Wanted::String, v.get_ref()));
        None
    }
}

pub(super) fn as_int(c: &mut Ctx<'_>, key: &str, v: &Val<'_>) -> Option<i64> {
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

pub(super) fn as_bool(c: &mut Ctx<'_>, key: &str, v: &Val<'_>) -> Option<bool> {
    if let DeValue::Boolean(b) = v.get_ref() {
        Some(*b)
    } else {
        c.err(&v.span(), wrong(key, Wanted::Boolean, v.get_ref()));
        None
    }
}

/// A string, or an array of strings; each with its span.
pub(super) fn as_strs<'v>(c: &mut Ctx<'_>, key: &str, v: &'v Val<'_>) -> Vec<(&'v str, std::ops::Range<usize>)> {
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
pub(super) fn as_id(c: &mut Ctx<'_>, of: IdOf, key: &str, v: &Val<'_>) -> Option<String> {
    let s = as_str(c, key, v)?;
    if s.is_empty() || s.len() > 64 || !s.chars().all(|ch| ch.is_ascii_alphanumeric() || "._-".contains(ch)) {
        c.err(&v.span(), Problem::BadId { of, id: s.to_owned() });
    }
    Some(s.to_owned())
}

/// Days of the week (`mon` … `sun`) into `days`.
pub(super) fn as_days(c: &mut Ctx<'_>, key: &str, v: &Val<'_>, days: &mut BTreeSet<u8>) {
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
pub(super) fn as_fraction(
    c: &mut Ctx<'_>,
    key: &str,
    v: &Val<'_>,
    ok: impl Fn(f64) -> bool,
    which: Fraction,
) -> Option<f64> {
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

pub(super) fn sorted<'t, 'i>(t: &'t DeTable<'i>) -> Vec<(&'t Spanned<std::borrow::Cow<'i, str>>, &'t Val<'i>)> {
    let mut v: Vec<_> = t.iter().collect();
    v.sort_by_key(|(k, _)| k.span().start);
    v
}

pub(super) fn tables<'v, 'i>(c: &mut Ctx<'_>, key: &str, v: &'v Val<'i>) -> Vec<Spanned<&'v DeTable<'i>>> {
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

pub(super) fn as_date(c: &mut Ctx<'_>, key: &str, v: &Val<'_>) -> Option<jiff::civil::Date> {
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

pub(super) fn as_count(c: &mut Ctx<'_>, key: &str, v: &Val<'_>, max: i64) -> Option<u32> {
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
