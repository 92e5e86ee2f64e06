//! Event types by their GB/T 35561-2017 code (突发事件分类与编码, "classification and coding of
//! emergencies"), the code national warning messages carry in `<eventType>`.
//!
//! **What the code is.** Five characters: `1` (an emergency, 突发事件), the category (门类) as a
//! digit — `1` natural disasters (自然灾害), `2` accidents (事故灾难), `3` public health events
//! (公共卫生事件), `4` social safety events (社会安全事件) — then the class (大类) as a capital
//! letter and the event type as two digits; `00` names the class itself, `99` is its "other".
//! `11B03` is a rainstorm (暴雨): category 1, class `11B` 气象灾害. (Before this table the board
//! read the category from the first digit; it is the second.)
//!
//! **Where the table comes from.** The standard's text is sold by SAC and is not at hand. The
//! codes and names below are facts gathered from public material and written into Pinghu's own
//! table (same licence as the rest of the repository); no code or prose was copied.
//! - The standard's classification itself (its annex of codes for the four categories, classes
//!   and event types) is known here from one public transcription: a database table of an
//!   emergency-broadcast system that lists every code with its name. It is an OCR of the
//!   standard, with OCR slips that are corrected here where the right character is not in doubt
//!   (`11001`→`11G01`, `12800`→`12S00`, `13600`→`13G00`, `12099`→`12G99`, `14AI0`→`14A10`,
//!   `14BJ5`→`14B15`, 巾高温→高温, 翻车帮件→翻车事件, 大感染→人感染, 炭瘟→炭疽, 己→已, 狗猎→狩猎,
//!   and `按` restored in 按甲类管理).
//! - Category 1 is cross-checked against independent sources: a phone maker's disaster-warning
//!   centre (its code→name map for `11A01` `11A02` `11A51` `11B01`… `11C02` `11D01` `11D02` `11D99`
//!   `11E02` `11E06` `11G01` `11G05`, naming 滑坡事件, 天然地震事件, 境内森林火灾…), an early-warning
//!   front end listing the class names and event names of `11A`–`11F` in the standard's order,
//!   mock data of a warning platform (`11A03`–`11A05`, `11A51`), and CMA-platform clients that
//!   map `11B01`–`11B57` to names (two independent maps agree on every code they share).
//! - Class `11B` after `11B18`, and `11E06`, are not the standard's: the national early-warning
//!   platform (国家突发事件预警信息发布系统) numbers its own signal types on from the standard's
//!   (`11B19` 霾, `11B20` 雷雨大风, … `11B57` 道路冰雪). They are marked [`Origin::Platform`].
//! - Categories 2, 3 and 4 rest on the transcription alone, with `12A01` and `12A02` confirmed by
//!   an accident-report front end; their names are the standard's as transcribed.
//!
//! **Left out** because the transcription is garbled there and nothing else confirms them:
//! `11A10`/`11A55` (农村人畜饮水困难: the code is doubtful), `12S01`, `12T04`/`12T99`, `13A99`,
//! `13E11` (小反刍兽疫?), `13E12`; and every code of the standard's other parts (`2xxxx` hazard
//! sources, `3xxxx` protection targets), which are not event types. The transcription skips
//! `08` and `09` in classes `12Q` and `14A`; the table follows it.
//!
//! **Names on the glass.** Class `11B` carries the names the warning platforms use (台风, not the
//! standard's 台风事件), so a code-only rainstorm warning reads 【暴雨红色预警】; every other name
//! is the standard's. A code not in the table is never guessed: the board shows the message's
//! own `<event>` text, or the code itself when the message has none, and the receipt says the
//! code is not in this table (`rules::Note::UnknownEventCode`). Adding a confirmed code is one
//! line in `events/table.rs` and one assertion in the tests.

use std::fmt;

use pinghu_playlists::Bilingual;

mod table;

/// The four categories (门类) of GB/T 35561, by the code's second digit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Category {
    /// `11…`: 自然灾害.
    Natural,
    /// `12…`: 事故灾难.
    Accident,
    /// `13…`: 公共卫生事件.
    PublicHealth,
    /// `14…`: 社会安全事件.
    SocialSafety,
}

impl Category {
    /// The category of a code, by its second digit; `None` for a code of another shape.
    pub fn of(code: &str) -> Option<Self> {
        if !is_code(code) {
            return None;
        }
        match code.as_bytes()[1] {
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

/// Whether `code` has the standard's shape: `1`, a category digit 1-4, a capital letter, two
/// digits (`11B03`).
pub fn is_code(code: &str) -> bool {
    let b = code.as_bytes();
    b.len() == 5
        && b[0] == b'1'
        && (b'1'..=b'4').contains(&b[1])
        && b[2].is_ascii_uppercase()
        && b[3].is_ascii_digit()
        && b[4].is_ascii_digit()
}

/// Where an entry's code comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// GB/T 35561-2017 itself.
    Standard,
    /// The national early-warning platform's own types, numbered on from the standard's.
    Platform,
}

/// One line of the table.
#[derive(Debug, PartialEq, Eq)]
pub struct Entry {
    code: &'static str,
    zh: &'static str,
    en: Option<&'static str>,
    origin: Origin,
}

/// An event type of the table (see the module's note on its source): a class (`11D00` 地质灾害)
/// or an event type within one (`11D01` 滑坡事件).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventType(&'static Entry);

impl EventType {
    /// The entry for `code` (as sent: `11B03`, spaces around it allowed), if the table has it.
    /// Exact: `11b03` or `11B3` is not `11B03`.
    pub fn from_code(code: &str) -> Option<Self> {
        let code = code.trim();
        table::TABLE
            .binary_search_by(|e| e.code.cmp(code))
            .ok()
            .map(|i| Self(&table::TABLE[i]))
    }

    /// Every entry, in code order.
    pub fn all() -> impl Iterator<Item = Self> {
        table::TABLE.iter().map(Self)
    }

    /// Its code.
    pub fn code(self) -> &'static str {
        self.0.code
    }

    /// Whether the code is the standard's or the warning platform's.
    pub fn origin(self) -> Origin {
        self.0.origin
    }

    /// Its category, from the code.
    pub fn category(self) -> Category {
        // Every code of the table has the standard's shape (a test checks it).
        Category::of(self.code()).unwrap_or(Category::Natural)
    }

    /// The name a warning's title uses: the standard's name without its closing 事件, which
    /// reads as filler on a board (`11D01` 滑坡事件 → 【滑坡橙色预警】, as platforms write it).
    pub fn title_zh(self) -> &'static str {
        self.0
            .zh
            .strip_suffix("事件")
            .filter(|n| !n.is_empty())
            .unwrap_or(self.0.zh)
    }

    /// Whether this entry names a whole class (its code ends in `00`).
    pub fn is_class(self) -> bool {
        self.code().ends_with("00")
    }

    /// The class it belongs to (itself for a class), when the table has the class.
    pub fn class(self) -> Option<Self> {
        let c = self.code();
        Self::from_code(&format!("{}00", &c[..3]))
    }
}

impl fmt::Display for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.en {
            Some(en) => f.write_str(en),
            None => write!(f, "{} event {}", self.category(), self.code()),
        }
    }
}

impl Bilingual for EventType {
    fn zh(&self) -> String {
        self.0.zh.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `(code, name)` pairs, each checked against the table.
    fn names(pairs: &[(&str, &str)]) {
        for (code, zh) in pairs {
            let e = EventType::from_code(code).unwrap_or_else(|| panic!("{code} is in the table"));
            assert_eq!((e.code(), e.zh().as_str()), (*code, *zh));
        }
    }

    /// Every entry of `class` (its code's first three characters) in the table, in order.
    fn class_codes(class: &str) -> Vec<&'static str> {
        EventType::all()
            .map(EventType::code)
            .filter(|c| c.starts_with(class))
            .collect()
    }

    #[test]
    fn the_table_is_in_code_order_each_code_once_and_well_formed() {
        let codes: Vec<&str> = EventType::all().map(EventType::code).collect();
        assert!(codes.len() > 300, "{}", codes.len());
        for pair in codes.windows(2) {
            assert!(pair[0] < pair[1], "{} then {}: out of order or twice", pair[0], pair[1]);
        }
        for e in EventType::all() {
            assert!(is_code(e.code()), "{}", e.code());
            assert!(!e.zh().trim().is_empty() && e.zh().trim() == e.zh(), "{}", e.code());
            assert!(!e.zh().is_ascii(), "{}: a Chinese name", e.code());
            // Every type belongs to a class the table names, in the same category.
            let class = e
                .class()
                .unwrap_or_else(|| panic!("{}: its class is in the table", e.code()));
            assert!(class.is_class() && class.category() == e.category());
            assert!(!e.to_string().is_empty());
        }
        // Each name once within its class, so a name read back finds one code.
        let mut seen = std::collections::HashSet::new();
        for e in EventType::all() {
            assert!(seen.insert((&e.code()[..3], e.zh())), "{} {} twice", e.code(), e.zh());
        }
    }

    #[test]
    fn category_1_water_and_drought_11a() {
        names(&[
            ("11A00", "水旱灾害"),
            ("11A01", "洪水"),
            ("11A02", "内涝"),
            ("11A03", "水库重大险情"),
            ("11A04", "堤防重大险情"),
            ("11A05", "凌汛灾害"),
            ("11A51", "山洪灾害事件"),
            ("11A52", "农业干旱"),
            ("11A53", "城镇缺水"),
            ("11A54", "生态干旱"),
            ("11A99", "其他水旱灾害"),
        ]);
        assert_eq!(class_codes("11A").len(), 11);
    }

    #[test]
    fn category_1_meteorological_11b_standard_and_platform() {
        for (code, zh, en) in [
            ("11B01", "台风", "typhoon"),
            ("11B02", "龙卷风", "tornado"),
            ("11B03", "暴雨", "rainstorm"),
            ("11B04", "暴雪", "snowstorm"),
            ("11B05", "寒潮", "cold wave"),
            ("11B06", "大风", "gale"),
            ("11B07", "沙尘暴", "sandstorm"),
            ("11B08", "低温冻害", "freeze injury"),
            ("11B09", "高温", "heat"),
            ("11B14", "雷电", "lightning"),
            ("11B15", "冰雹", "hail"),
            ("11B16", "霜冻", "frost"),
            ("11B17", "大雾", "heavy fog"),
            ("11B18", "低空风切变", "low-level wind shear"),
        ] {
            let e = EventType::from_code(code).unwrap_or_else(|| panic!("{code}"));
            assert_eq!((e.zh().as_str(), e.to_string().as_str()), (zh, en), "{code}");
            assert_eq!((e.origin(), e.category()), (Origin::Standard, Category::Natural));
        }
        names(&[
            ("11B10", "热浪"),
            ("11B11", "干热风"),
            ("11B12", "下击暴流"),
            ("11B13", "雪崩"),
            ("11B99", "其他气象灾害"),
        ]);
        // The platform's own numbers after 11B18.
        for (code, zh) in [
            ("11B19", "霾"),
            ("11B20", "雷雨大风"),
            ("11B21", "道路结冰"),
            ("11B22", "干旱"),
            ("11B23", "海上大风"),
            ("11B25", "森林火险"),
            ("11B29", "重污染"),
            ("11B31", "强对流"),
            ("11B37", "地质灾害气象风险"),
            ("11B43", "雷暴"),
            ("11B57", "道路冰雪"),
        ] {
            names(&[(code, zh)]);
            assert_eq!(
                EventType::from_code(code).map(EventType::origin),
                Some(Origin::Platform)
            );
        }
        assert_eq!(class_codes("11B").len(), 1 + 57 + 1, "11B00, 01 to 57 and 99");
    }

    #[test]
    fn category_1_earthquake_geological_marine_biological_fire_11c_to_11g() {
        names(&[
            ("11C00", "地震灾害"),
            ("11C01", "人工地震事件"),
            ("11C02", "天然地震事件"),
            ("11C99", "其他地震灾害"),
            ("11D00", "地质灾害"),
            ("11D01", "滑坡事件"),
            ("11D02", "泥石流事件"),
            ("11D03", "山体崩塌事件"),
            ("11D04", "地面塌陷事件"),
            ("11D05", "地裂缝事件"),
            ("11D06", "地面沉降事件"),
            ("11D07", "火山喷发事件"),
            ("11D99", "其他地质灾害事件"),
            ("11E01", "海啸事件"),
            ("11E02", "风暴潮事件"),
            ("11E03", "海冰事件"),
            ("11E04", "巨浪事件"),
            ("11E05", "赤潮事件"),
            ("11E06", "海浪"),
            ("11F01", "农业病害事件"),
            ("11F02", "农业虫害事件"),
            ("11F12", "外来有害动植物威胁林业生产事件"),
            ("11G00", "森林草原火灾"),
            ("11G01", "境内森林火灾事件"),
            ("11G02", "跨境森林火灾事件"),
            ("11G05", "境内草原火灾事件"),
            ("11G08", "其他草原火灾事件"),
            ("11Y00", "其他自然灾害事件"),
        ]);
        assert_eq!(
            EventType::from_code("11E06").map(EventType::origin),
            Some(Origin::Platform)
        );
        for class in ["11C", "11D", "11E", "11F", "11G"] {
            for c in class_codes(class) {
                assert_eq!(Category::of(c), Some(Category::Natural), "{c}");
            }
        }
        assert_eq!(class_codes("11G").len(), 9);
    }

    #[test]
    fn category_2_accidents_12a_to_12y() {
        names(&[
            ("12A00", "煤矿事故"),
            ("12A01", "煤矿瓦斯事故"),
            ("12A02", "煤矿顶板事故"),
            ("12A07", "煤矿火灾事故"),
            ("12B04", "金属与非金属矿尾矿库垮坝事故"),
            ("12C01", "房屋建筑与市政工程施工安全事故"),
            ("12D00", "危险化学品事故"),
            ("12D01", "危险化学品爆炸事故"),
            ("12D02", "危险化学品泄漏事故"),
            ("12E03", "民用爆炸物爆炸事故"),
            ("12F00", "其他工矿商贸事故"),
            ("12G04", "高层民用建筑火灾"),
            ("12G99", "其他火灾事故"),
            ("12H01", "翻车事件"),
            ("12H05", "校车交通事故"),
            ("12J01", "船舶碰撞事故"),
            ("12K01", "列车脱轨事故"),
            ("12L05", "地铁、轻轨、单轨列车火灾、爆炸事故"),
            ("12M01", "坠机事件"),
            ("12N04", "电梯事故"),
            ("12P13", "建筑垮塌事故"),
            ("12Q01", "水域污染事件"),
            ("12Q04", "海上溢油事件"),
            ("12R05", "农业机械翻车事件"),
            ("12S00", "踩踏事件"),
            ("12S02", "校园踩踏事件"),
            ("12T01", "核设施事故"),
            ("12U00", "能源供应中断事故"),
            ("12Y00", "其他事故灾难"),
        ]);
        let classes: Vec<&str> = EventType::all()
            .filter(|e| e.category() == Category::Accident && e.is_class())
            .map(EventType::code)
            .collect();
        assert_eq!(
            classes.iter().map(|c| &c[2..3]).collect::<String>(),
            "ABCDEFGHJKLMNPQRSTUY",
            "the standard's letters, without I and O"
        );
    }

    #[test]
    fn category_3_public_health_13a_to_13y() {
        names(&[
            ("13A00", "传染病事件"),
            ("13A01", "鼠疫流行事件"),
            ("13A02", "霍乱流行事件"),
            ("13A04", "传染性非典型肺炎流行事件"),
            ("13A05", "人感染高致病性禽流感流行事件"),
            ("13B00", "食品药品安全事件"),
            ("13B03", "食品安全事件"),
            ("13C03", "非职业性一氧化碳中毒事件"),
            ("13D03", "医源性感染事件"),
            ("13E00", "动物疫情事件"),
            ("13E02", "口蹄疫"),
            ("13E10", "动物炭疽病"),
            ("13F00", "群体性不明原因疾病"),
            ("13G00", "其他严重影响公共健康和卫生安全事件"),
            ("13Y00", "其他公共卫生事件"),
        ]);
        for c in class_codes("13") {
            assert_eq!(Category::of(c), Some(Category::PublicHealth), "{c}");
        }
    }

    #[test]
    fn category_4_social_safety_14a_to_14y() {
        names(&[
            ("14A00", "群体性事件"),
            ("14A13", "阻断交通事件"),
            ("14B00", "刑事案件"),
            ("14B02", "爆炸案件"),
            ("14B15", "攻击破坏计算机网络案件"),
            ("14C00", "金融突发事件"),
            ("14D01", "粮食市场异常波动"),
            ("14E00", "民族和宗教事件"),
            ("14F00", "恐怖袭击事件"),
            ("14F01", "袭击公共聚集场所事件"),
            ("14F21", "劫持航空器事件"),
            ("14G00", "涉外事件"),
            ("14H00", "信息安全事件"),
            ("14H02", "针对公共互联网核心设备的网络攻击事件"),
            ("14Y00", "其他社会安全事件"),
            ("14Y01", "行政区划界限纠纷事件"),
        ]);
        for c in class_codes("14") {
            assert_eq!(Category::of(c), Some(Category::SocialSafety), "{c}");
        }
    }

    #[test]
    fn a_title_uses_the_name_without_its_closing_event_word() {
        let title = |c: &str| EventType::from_code(c).unwrap().title_zh();
        assert_eq!(title("11D01"), "滑坡");
        assert_eq!(title("11G01"), "境内森林火灾");
        assert_eq!(title("11B03"), "暴雨", "a name with no 事件 stays");
        assert_eq!(
            EventType::from_code("11D01").unwrap().zh(),
            "滑坡事件",
            "the table keeps the standard's name"
        );
    }

    #[test]
    fn lookups_are_exact_and_codes_not_in_the_table_are_not_guessed() {
        assert_eq!(
            EventType::from_code(" 11B03\n").map(EventType::code),
            Some("11B03"),
            "as sent"
        );
        // Well-formed codes this table does not have (left out as unconfirmed, platform numbers
        // past the last confirmed one, a class the standard does not have): no entry, however
        // close.
        for code in ["11A10", "11B58", "12S01", "13E11", "14A08", "11H01"] {
            assert_eq!(EventType::from_code(code), None, "{code}");
            assert!(is_code(code), "{code} has the shape");
        }
        for code in [
            "11b03",
            "1B03",
            "11B003",
            "21A01",
            "15A01",
            "11B3",
            "",
            "暴雨",
            "１１Ｂ０３",
        ] {
            assert!(!is_code(code), "{code:?} is not a GB/T 35561 event code");
            assert_eq!(EventType::from_code(code), None, "{code:?}");
        }
    }

    #[test]
    fn each_category_is_told_by_the_second_digit() {
        for (code, cat, zh) in [
            ("11B03", Category::Natural, "自然灾害"),
            ("12A01", Category::Accident, "事故灾难"),
            ("13A01", Category::PublicHealth, "公共卫生事件"),
            ("14A01", Category::SocialSafety, "社会安全事件"),
        ] {
            assert_eq!(Category::of(code), Some(cat), "{code}");
            assert_eq!(EventType::from_code(code).map(EventType::category), Some(cat));
            assert_eq!(cat.zh(), zh);
        }
        assert_eq!(Category::of("21A01"), None, "2xxxx are hazard sources, not events");
        assert_eq!(Category::of("15A01"), None);
        assert_eq!(Category::of("11B0"), None);
    }
}
