//! Times, windows and dates that do not parse, and fields of an item's text that are none.

use super::Lang;

/// A time, a time window or a date that does not parse.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TimeProblem {
    /// No `-` between start and end.
    WindowShape {
        text: String,
    },
    /// Start equals end.
    WindowEmpty {
        text: String,
    },
    /// No `:` in the time.
    NoColon {
        text: String,
    },
    /// Hours or minutes that are no number.
    NotHhmm {
        text: String,
    },
    /// Out of the day (`end`: 24:00 was allowed there).
    OutOfDay {
        text: String,
        end: bool,
    },
    NotADate {
        text: String,
    },
    /// A date range whose end is before its start.
    RangeBackwards {
        text: String,
    },
}

impl TimeProblem {
    /// The message in `lang`.
    pub fn words(&self, lang: Lang) -> String {
        match self {
            Self::WindowShape { text } => lang.pick(
                || format!("time window {text:?} must look like \"08:00-18:00\""),
                || format!("时间段 {text:?} 应形如 \"08:00-18:00\""),
            ),
            Self::WindowEmpty { text } => lang.pick(
                || format!("time window {text:?} is empty (start equals end)"),
                || format!("时间段 {text:?} 为空（开始等于结束）"),
            ),
            Self::NoColon { text } => lang.pick(
                || format!("{text:?} is not a time (expected HH:MM, e.g. \"08:30\")"),
                || format!("{text:?} 不是时刻（应为 HH:MM，如 \"08:30\"）"),
            ),
            Self::NotHhmm { text } => lang.pick(
                || format!("{text:?} is not a time (expected HH:MM)"),
                || format!("{text:?} 不是时刻（应为 HH:MM）"),
            ),
            Self::OutOfDay { text, end: true } => lang.pick(
                || format!("{text:?} is not a time of day (00:00 to 23:59, or 24:00 as an end)"),
                || format!("{text:?} 不是一天中的时刻（00:00 到 23:59，结束时间可为 24:00）"),
            ),
            Self::OutOfDay { text, end: false } => lang.pick(
                || format!("{text:?} is not a time of day (00:00 to 23:59)"),
                || format!("{text:?} 不是一天中的时刻（00:00 到 23:59）"),
            ),
            Self::NotADate { text } => lang.pick(
                || format!("{text:?} is not a date (expected YYYY-MM-DD)"),
                || format!("{text:?} 不是日期（应为 YYYY-MM-DD）"),
            ),
            Self::RangeBackwards { text } => lang.pick(
                || format!("range {text:?} ends before it starts"),
                || format!("日期范围 {text:?} 的结束早于开始"),
            ),
        }
    }
}

impl std::fmt::Display for TimeProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.words(Lang::En))
    }
}

impl super::Bilingual for TimeProblem {
    fn zh(&self) -> String {
        self.words(Lang::Zh)
    }
}

impl std::error::Error for TimeProblem {}

/// Something in an item's text that looks like a field (`{…}`) and is none: it is shown as
/// written (`crate::fields`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FieldProblem {
    /// `written` (braces and all) names no field.
    Unknown { written: String },
    /// `{days_until:…}` with no date in it.
    NotADate { written: String, date: String },
}

impl FieldProblem {
    /// The message in `lang`.
    pub fn words(&self, lang: Lang) -> String {
        match self {
            Self::Unknown { written } => lang.pick(
                || {
                    format!(
                        "{written} is shown as written: the fields are {{date}}, {{weekday}} and \
                         {{days_until:YYYY-MM-DD}} (write {{{{ and }}}} for a brace)"
                    )
                },
                || {
                    format!(
                        "{written} 将按原样显示：可用的字段为 {{date}}、{{weekday}} 和 {{days_until:YYYY-MM-DD}}\
                         （花括号本身请写作 {{{{ 和 }}}}）"
                    )
                },
            ),
            Self::NotADate { written, date } => lang.pick(
                || format!("{written} is shown as written: {date:?} is not a date (write {{days_until:2027-06-07}})"),
                || format!("{written} 将按原样显示：{date:?} 不是日期（应写作 {{days_until:2027-06-07}}）"),
            ),
        }
    }
}

impl std::fmt::Display for FieldProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.words(Lang::En))
    }
}

impl super::Bilingual for FieldProblem {
    fn zh(&self) -> String {
        self.words(Lang::Zh)
    }
}
