//! What the checker finds wrong in a playlist, as typed values: [`Problem`] and the families it
//! nests ([`TimeProblem`], [`FieldProblem`], [`Booking`]). Each variant writes itself in English
//! (`Display`, what the command line prints) and in Chinese ([`Bilingual::zh`], what the console
//! shows), both in the same match arm of [`Problem::words`], so that the two cannot drift apart and
//! nobody has to read an English sentence back to translate it.

mod booking;
mod form;
mod time;
mod words;

use std::fmt;

pub use booking::{Booking, FloorPart, Hour, SeparationPart};
pub use form::label_zh;
pub use time::{FieldProblem, TimeProblem};

/// A message in both of the system's languages: English (`Display`) and Chinese.
pub trait Bilingual: fmt::Display {
    /// The same message in Chinese.
    fn zh(&self) -> String;

    /// The key of its table a fix goes to, for a problem placed at the table's header line (the
    /// booking check's, at its campaign): `target`, `max_per_hour` or `separation_s`. The
    /// console's form shows the problem at that field.
    fn field(&self) -> Option<&'static str> {
        None
    }

    /// The same message in Chinese as the console's form shows it at a field, in a clerk's
    /// words: the field named by its label as the form shows it ([`label_zh`]), values in the
    /// form's units (a share and the government floor in percent), no key of the TOML, no
    /// backticks, no line or column. The TOML view keeps [`Bilingual::zh`]. By default the two
    /// are the same: a message that names no key of the playlist reads the same in both views.
    fn form_zh(&self) -> String {
        self.zh()
    }
}

/// A message already written in both languages where it was made, from its typed value: for
/// documents that carry both (the status's texts and their `_zh` twins).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Said {
    pub en: String,
    pub zh: String,
}

impl Said {
    /// `m` in both languages.
    pub fn of(m: &(impl Bilingual + ?Sized)) -> Self {
        Self {
            en: m.to_string(),
            zh: m.zh(),
        }
    }
}

impl fmt::Display for Said {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.en)
    }
}

impl Bilingual for Said {
    fn zh(&self) -> String {
        self.zh.clone()
    }
}

/// The two languages a message is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    Zh,
}

impl Lang {
    /// `en` in English, `zh` in Chinese: the two forms of one message, side by side.
    pub fn pick(self, en: impl FnOnce() -> String, zh: impl FnOnce() -> String) -> String {
        match self {
            Self::En => en(),
            Self::Zh => zh(),
        }
    }
}

/// The kind of a TOML value, as a message names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    String,
    Integer,
    Float,
    Boolean,
    DateTime,
    Array,
    Table,
}

impl ValueKind {
    fn words(self, lang: Lang) -> &'static str {
        let (en, zh) = match self {
            Self::String => ("a string", "字符串"),
            Self::Integer => ("an integer", "整数"),
            Self::Float => ("a float", "小数"),
            Self::Boolean => ("a boolean", "布尔值"),
            Self::DateTime => ("a date-time", "日期时间"),
            Self::Array => ("an array", "数组"),
            Self::Table => ("a table", "表"),
        };
        if lang == Lang::Zh { zh } else { en }
    }
}

/// What a key's value should have been.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wanted {
    String,
    Integer,
    Boolean,
    StringOrStrings,
    /// A number such as 0.2.
    Number,
    Table,
    /// A date such as "2026-12-01".
    Date,
}

/// Where a key sits in the playlist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    /// The top level of the file.
    Top,
    Defaults,
    Item,
    Brightness,
    Power,
    Campaign,
}

impl Section {
    fn words(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Self::Top, Lang::En) => "the playlist",
            (Self::Top, Lang::Zh) => "节目单顶层",
            (Self::Defaults, _) => "[defaults]",
            (Self::Item, _) => "[[item]]",
            (Self::Brightness, _) => "[[brightness]]",
            (Self::Power, _) => "[power]",
            (Self::Campaign, _) => "[[campaign]]",
        }
    }
}

/// What the message about an unknown key suggests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyHint {
    /// A known key a short edit away.
    DidYouMean(&'static str),
    /// The keys the section knows.
    Known(Vec<&'static str>),
}

/// What an id names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdOf {
    Item,
    Campaign,
}

/// A fraction out of its range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fraction {
    GovernmentFloor,
    Share,
}

/// One problem in a playlist (its position is the [`crate::Diagnostic`]'s).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Problem {
    /// The TOML parser refused the text. `detail` is the parser's own description (English, from
    /// the `toml` crate), shown as it is on the command line; `near` is the text at the error's
    /// span, from the source; `expected` the tokens the parser would have taken there (from its
    /// structured error, e.g. `]`). The Chinese says these, never the parser's English.
    TomlSyntax {
        detail: String,
        near: Option<String>,
        expected: Vec<&'static str>,
    },
    WrongType {
        key: String,
        wanted: Wanted,
        found: ValueKind,
    },
    /// `key` must be an array of tables (`entries`: one of its entries is not a table).
    NotTables {
        key: String,
        entries: bool,
        found: ValueKind,
    },
    TooLarge {
        key: String,
    },
    BadId {
        of: IdOf,
        id: String,
    },
    NotADay {
        value: String,
    },
    FractionRange(Fraction),
    UnknownKey {
        key: String,
        section: Section,
        hint: KeyHint,
    },
    FontSize {
        size: i64,
    },
    UnknownColor {
        value: String,
    },
    UnknownEffect {
        value: String,
    },
    DwellRange {
        n: i64,
    },
    Time(TimeProblem),
    /// A time that is no window and no known daypart.
    TimeOrDaypart {
        problem: TimeProblem,
        dayparts: Vec<String>,
    },
    Daypart {
        name: String,
        problem: TimeProblem,
    },
    Dates(TimeProblem),
    UnknownTimeZone {
        name: String,
    },
    DefaultBrightness {
        n: i64,
    },
    BrightnessLevel {
        n: i64,
    },
    BrightnessNeeds {
        key: &'static str,
    },
    BrightnessOverlap {
        window: String,
        other: String,
        line: usize,
    },
    PowerNotTable,
    PowerSameTime,
    PowerNeedsOn,
    PowerNeedsOff,
    ImageKind {
        image: String,
    },
    Reduce {
        value: String,
    },
    TextEmpty,
    TextTooLong {
        n: usize,
        max: usize,
    },
    /// An item's text holds a control character the board cannot show (NUL, a bell, an escape
    /// …): `at` is its place in the text, counted in characters from 1. Line breaks (`\n`, and
    /// `\r\n`) and tabs are allowed: the renderer breaks the line at one and spaces at the other.
    TextControl {
        code: u32,
        at: usize,
    },
    PriorityRange {
        n: i64,
    },
    EveryRange {
        n: i64,
    },
    WorkdaysAndDaysOff,
    ItemNeedsId,
    ItemNeedsText,
    ItemTextAndImage,
    DuplicateItem {
        id: String,
        first_line: usize,
    },
    DuplicateCampaign {
        id: String,
        first_line: usize,
    },
    NotADate {
        key: String,
        text: String,
    },
    CountRange {
        key: String,
        n: i64,
        max: i64,
    },
    NameLength {
        key: String,
    },
    SeparationRange {
        n: i64,
    },
    CampaignNeeds {
        key: &'static str,
        example: &'static str,
    },
    EndBeforeStart {
        end: jiff::civil::Date,
        start: jiff::civil::Date,
    },
    CampaignNeedsTarget,
    CampaignTargets,
    PlaysOverMax {
        n: u32,
        max: u32,
    },
    SpotForbidden {
        key: &'static str,
    },
    CampaignNeedsSpot,
    /// The campaigns cannot all be played as booked (`more` hours like it, the last on a date).
    Overbooked {
        booking: Booking,
        more: u32,
        last: jiff::civil::Date,
    },
    /// Something in an item's text looks like a field and is none: shown as written.
    Field {
        item: String,
        problem: FieldProblem,
    },
    /// The holiday calendar lacks a year the playlist's workdays_only/days_off_only need.
    CalendarMissingYear {
        year: i16,
    },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.words(Lang::En))
    }
}

impl Bilingual for Problem {
    fn zh(&self) -> String {
        self.words(Lang::Zh)
    }

    /// For a problem placed at a table's header line: the key of the table a fix goes to. The
    /// booking check's, at its campaign (`target`, `max_per_hour`, `separation_s`), and a key
    /// that is missing, whose field in the form is where it is filled in (`id`, `text`,
    /// `advertiser`, …, `target` for a campaign without one).
    fn field(&self) -> Option<&'static str> {
        match self {
            Problem::Overbooked { booking, .. } => Some(match booking {
                Booking::MaxPerHour { .. } => "max_per_hour",
                Booking::Separation { .. } => "separation_s",
                Booking::Window { .. } | Booking::Floor { .. } => "target",
            }),
            Problem::ItemNeedsId => Some("id"),
            Problem::ItemNeedsText | Problem::ItemTextAndImage => Some("text"),
            Problem::CampaignNeeds { key, .. } => Some(*key),
            Problem::CampaignNeedsTarget => Some("target"),
            Problem::WorkdaysAndDaysOff => Some("workdays_only"),
            _ => None,
        }
    }

    fn form_zh(&self) -> String {
        self.form_words_zh()
    }
}

#[cfg(test)]
mod tests;
