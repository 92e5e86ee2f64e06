//! Event types by their GB/T 35561-2017 code (突发事件分类与编码, "classification and coding of
//! emergencies"), the code national warning messages carry in `<eventType>`.
//!
//! **What the code is.** Five characters: the category (门类) as a digit, `1` natural disasters
//! (自然灾害), `2` accidents (事故灾难), `3` public health events (公共卫生事件), `4` social safety
//! events (社会安全事件); then the class and sub-class; the last two digits name the event.
//! `11B03` is a rainstorm (暴雨): a natural disaster, class `11B`, the meteorological events.
//!
//! **Source and licence.** The standard is published by SAC and is not freely distributed; this
//! table is not copied from it. It is written for Pinghu (same licence as the rest of the
//! repository) from the codes national warning platforms put into the messages they send: the
//! meteorological events, class `11B`, which are most of what a street board receives. It is to
//! be checked against the standard's text when a copy is at hand; a code whose name was not
//! certain is left out rather than guessed. For a code not in the table the board shows the
//! message's own `<event>` text, or the code itself when the message has none, and the receipt
//! says the code is not in this table. Adding a confirmed code is one line below and one
//! assertion in the tests.

use std::fmt;

use pinghu_playlists::Bilingual;

/// The four categories (门类) of GB/T 35561, by the code's first digit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Category {
    /// `1…`: 自然灾害.
    Natural,
    /// `2…`: 事故灾难.
    Accident,
    /// `3…`: 公共卫生事件.
    PublicHealth,
    /// `4…`: 社会安全事件.
    SocialSafety,
}

impl Category {
    /// The category of a code, by its first digit; `None` for a code of another shape.
    pub fn of(code: &str) -> Option<Self> {
        if !is_code(code) {
            return None;
        }
        match code.as_bytes()[0] {
            b'1' => Some(Self::Natural),
            b'2' => Some(Self::Accident),
            b'3' => Some(Self::PublicHealth),
            b'4' => Some(Self::SocialSafety),
            _ => None,
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Natural => "natural disaster",
            Self::Accident => "accident",
            Self::PublicHealth => "public health event",
            Self::SocialSafety => "social safety event",
        })
    }
}

impl Bilingual for Category {
    fn zh(&self) -> String {
        match self {
            Self::Natural => "自然灾害",
            Self::Accident => "事故灾难",
            Self::PublicHealth => "公共卫生事件",
            Self::SocialSafety => "社会安全事件",
        }
        .to_owned()
    }
}

/// Whether `code` has the standard's shape: a digit 1-4, a digit, a capital letter, two digits.
pub fn is_code(code: &str) -> bool {
    let b = code.as_bytes();
    b.len() == 5
        && (b'1'..=b'4').contains(&b[0])
        && b[1].is_ascii_digit()
        && b[2].is_ascii_uppercase()
        && b[3].is_ascii_digit()
        && b[4].is_ascii_digit()
}

macro_rules! events {
    ($($(#[$m:meta])* $v:ident = $code:literal, $zh:literal, $en:literal;)*) => {
        /// An event type of the table (see the module's note on its source).
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum EventType { $($(#[$m])* $v),* }

        impl EventType {
            /// Every entry, in code order.
            pub const ALL: &[Self] = &[$(Self::$v),*];

            /// The entry for `code` (as sent: `11B03`), if the table has it.
            pub fn from_code(code: &str) -> Option<Self> {
                match code.trim() {
                    $($code => Some(Self::$v),)*
                    _ => None,
                }
            }

            /// Its code.
            pub fn code(self) -> &'static str {
                match self { $(Self::$v => $code),* }
            }
        }

        impl fmt::Display for EventType {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(match self { $(Self::$v => $en),* })
            }
        }

        impl Bilingual for EventType {
            fn zh(&self) -> String {
                match self { $(Self::$v => $zh),* }.to_owned()
            }
        }
    };
}

events! {
    Typhoon = "11B01", "台风", "typhoon";
    Rainstorm = "11B03", "暴雨", "rainstorm";
    Snowstorm = "11B04", "暴雪", "snowstorm";
    ColdWave = "11B05", "寒潮", "cold wave";
    Gale = "11B06", "大风", "gale";
    Sandstorm = "11B07", "沙尘暴", "sandstorm";
    Heat = "11B09", "高温", "heat";
    Lightning = "11B14", "雷电", "lightning";
    Hail = "11B15", "冰雹", "hail";
    Frost = "11B16", "霜冻", "frost";
    Fog = "11B17", "大雾", "heavy fog";
    Haze = "11B19", "霾", "haze";
    ThunderstormGale = "11B20", "雷雨大风", "thunderstorm and gale";
    RoadIcing = "11B21", "道路结冰", "road icing";
    Drought = "11B22", "干旱", "drought";
}

impl EventType {
    /// Its category (all entries so far are natural disasters; the code says).
    pub fn category(self) -> Category {
        Category::of(self.code()).unwrap_or(Category::Natural)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_meteorological_codes_name_their_events() {
        for (code, zh, en) in [
            ("11B01", "台风", "typhoon"),
            ("11B03", "暴雨", "rainstorm"),
            ("11B04", "暴雪", "snowstorm"),
            ("11B05", "寒潮", "cold wave"),
            ("11B06", "大风", "gale"),
            ("11B07", "沙尘暴", "sandstorm"),
            ("11B09", "高温", "heat"),
            ("11B14", "雷电", "lightning"),
            ("11B15", "冰雹", "hail"),
            ("11B16", "霜冻", "frost"),
            ("11B17", "大雾", "heavy fog"),
            ("11B19", "霾", "haze"),
            ("11B20", "雷雨大风", "thunderstorm and gale"),
            ("11B21", "道路结冰", "road icing"),
            ("11B22", "干旱", "drought"),
        ] {
            let e = EventType::from_code(code).unwrap_or_else(|| panic!("{code} is in the table"));
            assert_eq!((e.zh().as_str(), e.to_string().as_str()), (zh, en), "{code}");
            assert_eq!(e.code(), code);
            assert_eq!(e.category(), Category::Natural);
        }
        assert_eq!(EventType::ALL.len(), 15, "every entry is asserted above");
        assert_eq!(
            EventType::from_code(" 11B03\n"),
            Some(EventType::Rainstorm),
            "as sent, spaces and all"
        );
    }

    #[test]
    fn codes_not_in_the_table_are_not_guessed() {
        // Well-formed codes whose names this table does not confirm: no entry, however close.
        for code in ["11B02", "11B08", "11B99", "11A01", "12A01"] {
            assert_eq!(EventType::from_code(code), None, "{code}");
        }
        for code in ["11b03", "1B03", "11B003", "51B03", "", "暴雨"] {
            assert!(!is_code(code), "{code:?} is not a GB/T 35561 code");
            assert_eq!(EventType::from_code(code), None);
        }
    }

    #[test]
    fn each_category_is_told_by_the_first_digit() {
        for (code, cat, zh) in [
            ("11B03", Category::Natural, "自然灾害"),
            ("21A01", Category::Accident, "事故灾难"),
            ("31A01", Category::PublicHealth, "公共卫生事件"),
            ("41A01", Category::SocialSafety, "社会安全事件"),
        ] {
            assert_eq!(Category::of(code), Some(cat), "{code}");
            assert_eq!(cat.zh(), zh);
        }
        assert_eq!(Category::of("51A01"), None);
        assert_eq!(Category::of("11B0"), None);
    }
}
