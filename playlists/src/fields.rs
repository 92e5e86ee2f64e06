//! Fields in an item's text that the board fills in for the day it shows it, as Chinese boards
//! commonly greet with the date or count down to an event:
//!
//! | field | shows (on Friday 2026-12-04) |
//! |---|---|
//! | `{date}` | `2026年12月4日` |
//! | `{weekday}` | `星期五` |
//! | `{days_until:2027-06-07}` | `185` (whole days from today; `0` on and after that day) |
//!
//! `{{` and `}}` are a literal brace. Anything else in braces is left as written, so a text
//! that was valid before fields existed shows as it did; [`problems`] names such text for
//! `pinghu playlist check` and the console, as warnings. Only the operators' items are filled:
//! an announcement is the portal's signed text and is shown exactly as signed.
//!
//! The fields follow the board's local date, so the scheduler fills them when it builds an
//! entry ([`crate::item_content`]); an item with fields does not show while the clock cannot be
//! trusted (a wrong date on a government board is worse than none).

use std::borrow::Cow;
use std::fmt::Write as _;

use jiff::civil::Date;

use crate::problem::FieldProblem;

/// A day whose fields read widest (`2026年12月31日`): where a check counts an item's pages for
/// every day at once (the booking check, missing glyphs), it counts them for this one, so no day
/// needs more pages than were counted.
pub const WIDEST_DAY: Date = Date::constant(2026, 12, 31);

const WEEKDAYS: [&str; 7] = ["星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日"];

/// One piece of a text: literal, or a field.
enum Piece<'a> {
    Text(&'a str),
    Field(Field),
    /// `{…}` that is no field: kept as written.
    Unknown(&'a str),
}

enum Field {
    Date,
    Weekday,
    DaysUntil(Date),
}

/// Split `text` into pieces; `f` sees each in order.
fn pieces<'a>(text: &'a str, mut f: impl FnMut(Piece<'a>)) {
    let mut rest = text;
    while let Some(i) = rest.find(['{', '}']) {
        if i > 0 {
            f(Piece::Text(&rest[..i]));
        }
        let tail = &rest[i..];
        if let Some(after) = tail.strip_prefix("{{") {
            f(Piece::Text("{"));
            rest = after;
        } else if let Some(after) = tail.strip_prefix("}}").or_else(|| tail.strip_prefix('}')) {
            f(Piece::Text("}"));
            rest = after;
        } else {
            match tail.find('}') {
                Some(end) => {
                    let inner = &tail[1..end];
                    f(match field(inner) {
                        Some(fl) => Piece::Field(fl),
                        None => Piece::Unknown(&tail[..=end]),
                    });
                    rest = &tail[end + 1..];
                }
                None => {
                    f(Piece::Text(tail));
                    rest = "";
                }
            }
        }
    }
    if !rest.is_empty() {
        f(Piece::Text(rest));
    }
}

fn field(inner: &str) -> Option<Field> {
    match inner.trim() {
        "date" => Some(Field::Date),
        "weekday" => Some(Field::Weekday),
        other => other
            .strip_prefix("days_until:")
            .and_then(|d| d.trim().parse::<Date>().ok())
            .map(Field::DaysUntil),
    }
}

/// True when `text` has a field or a doubled brace, i.e. when [`fill`] changes it.
pub fn has_fields(text: &str) -> bool {
    let mut any = false;
    if text.contains("{{") || text.contains("}}") {
        return true;
    }
    pieces(text, |p| any |= matches!(p, Piece::Field(_)));
    any
}

/// `text` with its fields filled in for `today` (the board's local date).
pub fn fill(text: &str, today: Date) -> Cow<'_, str> {
    if !has_fields(text) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    pieces(text, |p| match p {
        Piece::Text(s) | Piece::Unknown(s) => out.push_str(s),
        Piece::Field(Field::Date) => {
            let _ = write!(out, "{}年{}月{}日", today.year(), today.month(), today.day());
        }
        Piece::Field(Field::Weekday) => {
            out.push_str(WEEKDAYS[usize::from(today.weekday().to_monday_zero_offset().unsigned_abs())]);
        }
        Piece::Field(Field::DaysUntil(d)) => {
            let days = today.until(d).map_or(0, |s| s.get_days()).max(0);
            let _ = write!(out, "{days}");
        }
    });
    Cow::Owned(out)
}

/// [`problems`] of an item's text as the checker reports them, for `pinghu playlist check` and
/// the console alike.
pub fn item_problems(item: &crate::Item) -> Vec<crate::Problem> {
    problems(&item.text)
        .into_iter()
        .map(|problem| crate::Problem::Field {
            item: item.id.clone(),
            problem,
        })
        .collect()
}

/// What in `text` looks like a field but is none (shown as written), as warnings.
pub fn problems(text: &str) -> Vec<FieldProblem> {
    let mut found = Vec::new();
    pieces(text, |p| {
        if let Piece::Unknown(s) = p {
            let inner = &s[1..s.len() - 1];
            found.push(match inner.trim().strip_prefix("days_until:") {
                Some(d) => FieldProblem::NotADate {
                    written: s.to_owned(),
                    date: d.trim().to_owned(),
                },
                None => FieldProblem::Unknown { written: s.to_owned() },
            });
        }
    });
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn fields_are_filled_for_the_day() {
        let fri = date(2026, 12, 4);
        assert_eq!(fill("今天是{date}，{weekday}", fri), "今天是2026年12月4日，星期五");
        assert_eq!(fill("{weekday}", date(2026, 12, 6)), "星期日");
        assert_eq!(fill("距高考还有{days_until:2027-06-07}天", fri), "距高考还有185天");
        assert_eq!(fill("{days_until:2026-12-04}", fri), "0");
        assert_eq!(
            fill("{days_until:2026-01-01}", fri),
            "0",
            "a day gone by counts 0, never negative"
        );
        assert_eq!(fill("{ date }", fri), "2026年12月4日");
    }

    #[test]
    fn other_braces_are_kept_as_written() {
        let d = date(2026, 12, 4);
        for s in [
            "没有字段",
            "{name}",
            "{days_until:2027-13-01}",
            "a } b",
            "{unclosed",
            "{}",
            "【通知】",
        ] {
            assert_eq!(fill(s, d), s);
            assert!(matches!(fill(s, d), Cow::Borrowed(_)), "{s}");
        }
        assert_eq!(fill("{{date}} = {date}", d), "{date} = 2026年12月4日");
        assert_eq!(fill("}}", d), "}");
    }

    #[test]
    fn what_is_no_field_is_named() {
        assert!(problems("今天是{date}，{weekday}").is_empty());
        let p = problems("{weekdy} {days_until:明年}");
        assert_eq!(p.len(), 2, "{p:?}");
        assert!(
            p[0].to_string()
                .starts_with("{weekdy} is shown as written: the fields are {date}, {weekday}"),
            "{}",
            p[0]
        );
        assert!(p[1].to_string().contains("\"明年\" is not a date"), "{}", p[1]);
        assert!(problems("{{weekdy}}").is_empty(), "an escaped brace is no field");
    }
}
