//! The playlist's settings, read before its items because items refer to them: `[defaults]`,
//! `[dayparts]`, `timezone` and `government_floor`; and a top-level key nobody knows.

use std::collections::BTreeMap;

use toml::de::{DeTable, DeValue};

use super::Ctx;
use super::item::style_key;
use super::keys::{DEFAULT_KEYS, TOP_KEYS, unknown_key};
use super::values::{as_fraction, as_int, as_str, sorted, wrong};
use crate::model::{Style, TimeWindow};
use crate::problem::{Fraction, Problem, Section, Wanted};

/// What the settings say, each at its default when the playlist does not set it.
pub(super) struct Settings {
    pub defaults: Style,
    pub default_brightness: u8,
    pub dayparts: BTreeMap<String, TimeWindow>,
    pub timezone: Option<String>,
    pub government_floor: f64,
}

/// The settings of the document `root`.
pub(super) fn read(c: &mut Ctx<'_>, root: &DeTable<'_>) -> Settings {
    let mut s = Settings {
        defaults: Style::default(),
        default_brightness: 15,
        dayparts: BTreeMap::new(),
        timezone: None,
        government_floor: crate::campaign::DEFAULT_GOVERNMENT_FLOOR,
    };
    for (k, v) in sorted(root) {
        match (k.get_ref().as_ref(), v.get_ref()) {
            ("defaults", DeValue::Table(t)) => {
                for (dk, dv) in sorted(t) {
                    let name = dk.get_ref().as_ref();
                    if name == "brightness" {
                        if let Some(n) = as_int(c, name, dv) {
                            if (0..=15).contains(&n) {
                                s.default_brightness = n as u8;
                            } else {
                                c.err(&dv.span(), Problem::DefaultBrightness { n });
                            }
                        }
                    } else if !style_key(c, &mut s.defaults, name, dv) {
                        unknown_key(c, dk, Section::Defaults, &DEFAULT_KEYS);
                    }
                }
            }
            ("dayparts", DeValue::Table(t)) => {
                for (dk, dv) in sorted(t) {
                    if let Some(text) = as_str(c, dk.get_ref(), dv) {
                        match TimeWindow::parse(text) {
                            Ok(w) => {
                                s.dayparts.insert(dk.get_ref().to_string(), w);
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
                if let Some(name) = as_str(c, "timezone", v) {
                    match jiff::tz::TimeZone::get(name) {
                        Ok(_) => s.timezone = Some(name.to_owned()),
                        Err(_) => c.err(&v.span(), Problem::UnknownTimeZone { name: name.to_owned() }),
                    }
                }
            }
            ("government_floor", _) => {
                let why = Fraction::GovernmentFloor;
                if let Some(f) = as_fraction(c, "government_floor", v, |f| (0.0..1.0).contains(&f), why) {
                    s.government_floor = f;
                }
            }
            ("defaults" | "dayparts", other) => c.err(&v.span(), wrong(k.get_ref(), Wanted::Table, other)),
            ("item" | "brightness" | "power" | "campaign", _) => {}
            _ => unknown_key(c, k, Section::Top, &TOP_KEYS),
        }
    }
    s
}
