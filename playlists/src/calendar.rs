//! The official holiday and make-up-workday (调休) calendar.
//!
//! The data for the years known at build time is compiled in (`data/holidays-cn.toml`); more
//! years are added from a file of the same format without a rebuild ([`Calendar::extend_from_str`]).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use jiff::civil::{Date, Weekday};
use serde::Deserialize;

use crate::error::CalendarError;
use crate::problem::TimeProblem;

/// The compiled-in calendar data.
pub const BUILTIN: &str = include_str!("../data/holidays-cn.toml");

/// What kind of day a date is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DayKind {
    /// An ordinary working day (Monday-Friday, not a holiday).
    Workday,
    /// An ordinary weekend day.
    Weekend,
    /// A public holiday or a day off swapped around one.
    Holiday,
    /// A weekend day that is worked (调休上班).
    MakeUpWorkday,
}

impl DayKind {
    pub fn is_workday(self) -> bool {
        matches!(self, Self::Workday | Self::MakeUpWorkday)
    }
}

/// Holidays and make-up workdays by date, and the years the data covers.
#[derive(Debug, Clone, Default)]
pub struct Calendar {
    days: HashMap<Date, DayKind>,
    years: BTreeSet<i16>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct YearData {
    #[serde(default)]
    #[allow(dead_code)]
    source: Option<String>,
    #[serde(default)]
    holidays: Vec<String>,
    #[serde(default)]
    workdays: Vec<String>,
}

/// Parse `"2026-01-04"` or an inclusive range `"2026-02-15..2026-02-23"`.
pub fn parse_date_range(s: &str) -> Result<(Date, Date), TimeProblem> {
    let parse = |t: &str| -> Result<Date, TimeProblem> {
        t.trim()
            .parse::<Date>()
            .map_err(|_| TimeProblem::NotADate { text: t.to_owned() })
    };
    match s.split_once("..") {
        Some((a, b)) => {
            let (a, b) = (parse(a)?, parse(b)?);
            if b < a {
                return Err(TimeProblem::RangeBackwards { text: s.to_owned() });
            }
            Ok((a, b))
        }
        None => {
            let d = parse(s)?;
            Ok((d, d))
        }
    }
}

impl Calendar {
    /// The compiled-in calendar.
    pub fn builtin() -> Self {
        let mut c = Self::default();
        c.extend_from_str(BUILTIN, "built-in holidays-cn.toml")
            .expect("the built-in calendar is valid");
        c
    }

    /// Add (or replace) the years in `text`, a TOML file in the format of `holidays-cn.toml`.
    pub fn extend_from_str(&mut self, text: &str, origin: &str) -> Result<(), CalendarError> {
        let data: BTreeMap<String, YearData> = toml::from_str(text).map_err(|e| CalendarError::Parse {
            origin: origin.to_owned(),
            message: e.to_string(),
        })?;
        for (year, y) in data {
            let year_n: i16 = year.parse().map_err(|_| CalendarError::NotAYear {
                origin: origin.to_owned(),
                table: year.clone(),
            })?;
            self.days.retain(|d, _| d.year() != year_n);
            for (list, kind) in [(&y.holidays, DayKind::Holiday), (&y.workdays, DayKind::MakeUpWorkday)] {
                for entry in list {
                    let (a, b) = parse_date_range(entry).map_err(|problem| CalendarError::Entry {
                        origin: origin.to_owned(),
                        year: year.clone(),
                        problem,
                    })?;
                    if a.year() != year_n || b.year() != year_n {
                        return Err(CalendarError::OutsideYear {
                            origin: origin.to_owned(),
                            year: year.clone(),
                            entry: entry.clone(),
                        });
                    }
                    let mut d = a;
                    while d <= b {
                        if let Some(prev) = self.days.insert(d, kind)
                            && prev != kind
                        {
                            return Err(CalendarError::Both {
                                origin: origin.to_owned(),
                                date: d,
                            });
                        }
                        d = d.tomorrow().map_err(|_| CalendarError::EndOfTime {
                            origin: origin.to_owned(),
                            date: d,
                        })?;
                    }
                }
            }
            self.years.insert(year_n);
        }
        Ok(())
    }

    /// Whether the official data covers `year`.
    pub fn covers(&self, year: i16) -> bool {
        self.years.contains(&year)
    }

    /// The years a board needs official data for on `today` and has none: this year, and from
    /// December on (when the State Council has published it) the next. Without it,
    /// `workdays_only` and `days_off_only` take Monday to Friday for workdays, holidays included.
    pub fn missing_years(&self, today: Date) -> Vec<i16> {
        let next = (today.month() == 12).then(|| today.year() + 1);
        std::iter::once(today.year())
            .chain(next)
            .filter(|y| !self.covers(*y))
            .collect()
    }

    /// Years the data covers.
    pub fn years(&self) -> impl Iterator<Item = i16> + '_ {
        self.years.iter().copied()
    }

    /// The kind of `date`. For a year the data does not cover, Monday-Friday are workdays.
    pub fn kind(&self, date: Date) -> DayKind {
        if let Some(k) = self.days.get(&date) {
            return *k;
        }
        match date.weekday() {
            Weekday::Saturday | Weekday::Sunday => DayKind::Weekend,
            _ => DayKind::Workday,
        }
    }

    /// `true` on working days, following the official calendar.
    pub fn is_workday(&self, date: Date) -> bool {
        self.kind(date).is_workday()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn builtin_knows_2025_and_2026() {
        let c = Calendar::builtin();
        assert!(c.covers(2025) && c.covers(2026));
        assert!(!c.covers(2027));
        // December asks for next year's notice; earlier months only for their own year.
        assert_eq!(c.missing_years(jiff::civil::date(2026, 11, 30)), Vec::<i16>::new());
        assert_eq!(c.missing_years(jiff::civil::date(2026, 12, 1)), [2027]);
        assert_eq!(c.missing_years(jiff::civil::date(2027, 3, 1)), [2027]);
        // 2026-02-14 is a Saturday worked before the Spring Festival.
        assert_eq!(c.kind(date(2026, 2, 14)), DayKind::MakeUpWorkday);
        assert!(c.is_workday(date(2026, 2, 14)));
        // 2026-02-16 is a Monday inside the Spring Festival.
        assert_eq!(c.kind(date(2026, 2, 16)), DayKind::Holiday);
        assert!(!c.is_workday(date(2026, 2, 16)));
        // An ordinary Monday and Saturday.
        assert_eq!(c.kind(date(2026, 11, 30)), DayKind::Workday);
        assert_eq!(c.kind(date(2026, 11, 28)), DayKind::Weekend);
        // National Day 2025 spans 8 days including Mid-Autumn.
        assert_eq!(c.kind(date(2025, 10, 8)), DayKind::Holiday);
        assert_eq!(c.kind(date(2025, 10, 11)), DayKind::MakeUpWorkday);
    }

    #[test]
    fn a_user_file_adds_a_year() {
        let mut c = Calendar::builtin();
        c.extend_from_str(
            "[2027]\nholidays = [\"2027-01-01\"]\nworkdays = [\"2027-01-09\"]\n",
            "my.toml",
        )
        .unwrap();
        assert!(c.covers(2027));
        assert_eq!(c.kind(date(2027, 1, 1)), DayKind::Holiday);
        assert_eq!(c.kind(date(2027, 1, 9)), DayKind::MakeUpWorkday);
    }

    #[test]
    fn bad_files_are_refused_with_the_reason() {
        let mut c = Calendar::default();
        let e = c
            .extend_from_str("[2027]\nholidays = [\"2026-01-01\"]\n", "x.toml")
            .unwrap_err();
        assert_eq!(e.to_string(), "x.toml: [2027]: \"2026-01-01\" is outside 2027");
        let e = c
            .extend_from_str("[2027]\nholidays = [\"2027-13-01\"]\n", "x.toml")
            .unwrap_err();
        assert!(e.to_string().contains("is not a date"), "{e}");
        let e = c.extend_from_str("[2027]\nholiday = []\n", "x.toml").unwrap_err();
        assert!(e.to_string().contains("unknown field"), "{e}");
    }
}
