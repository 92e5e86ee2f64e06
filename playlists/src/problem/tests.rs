//! Each family of problems in English and in Chinese, and a corpus of broken playlists whose
//! every problem reads in Chinese with no English sentence left in it.

use super::*;
use crate::{Calendar, check_bookings, parse};

fn problems(text: &str) -> Vec<Problem> {
    match parse(text, "playlist") {
        Ok(p) => check_bookings(&p, &Calendar::builtin(), &|i| i.style.dwell_s)
            .into_iter()
            .map(|d| d.problem)
            .collect(),
        Err(e) => e.diagnostics().iter().map(|d| d.problem.clone()).collect(),
    }
}

fn first(text: &str) -> (String, String) {
    let p = problems(text).into_iter().next().expect("a problem");
    (p.to_string(), p.zh())
}

#[test]
fn values_of_the_wrong_kind() {
    assert_eq!(
        first("[[item]]\nid = \"a\"\ntext = \"x\"\ndwell_s = \"8\"\n"),
        (
            "`dwell_s` must be an integer, not a string".to_owned(),
            "`dwell_s` 应为整数，而不是字符串".to_owned()
        )
    );
    assert_eq!(first("item = 1\n").1, "`item` 应为表数组（[[item]]），而不是整数");
}

#[test]
fn unknown_keys() {
    assert_eq!(
        first("[[item]]\nid = \"a\"\ntext = \"x\"\ncolour = \"red\"\n"),
        (
            "unknown key `colour` in [[item]] (did you mean `color`?)".to_owned(),
            "[[item]]中没有 `colour` 这个键（是否想写 `color`？）".to_owned()
        )
    );
    let (en, zh) = first("colour = 1\n[[item]]\nid = \"a\"\ntext = \"x\"\n");
    assert!(
        en.starts_with("unknown key `colour` in the playlist (known keys: defaults, item"),
        "{en}"
    );
    assert!(
        zh.starts_with("节目单顶层中没有 `colour` 这个键（可用的键：defaults, item"),
        "{zh}"
    );
}

#[test]
fn times_and_dayparts() {
    assert_eq!(
        first("[[item]]\nid = \"a\"\ntext = \"x\"\ntime = \"08:00-25:00\"\n"),
        (
            "\"25:00\" is not a time of day (00:00 to 23:59, or 24:00 as an end)".to_owned(),
            "\"25:00\" 不是一天中的时刻（00:00 到 23:59，结束时间可为 24:00）".to_owned()
        )
    );
    assert_eq!(
        first("[dayparts]\nlunch = \"12:00\"\n[[item]]\nid = \"a\"\ntext = \"x\"\n"),
        (
            "daypart `lunch`: time window \"12:00\" must look like \"08:00-18:00\"".to_owned(),
            "时段 `lunch`：时间段 \"12:00\" 应形如 \"08:00-18:00\"".to_owned()
        )
    );
}

#[test]
fn items_and_campaigns() {
    assert_eq!(
        first("[[item]]\nid = \"a\"\ntext = \"\"\n"),
        ("item text is empty".to_owned(), "节目项文字为空".to_owned())
    );
    let (en, zh) = first(
        "[[item]]\nid = \"a\"\ntext = \"x\"\n[[campaign]]\nid = \"c\"\nadvertiser = \"Z\"\ncontract = \"K\"\n\
         start_date = \"2026-12-01\"\nend_date = \"2026-12-02\"\nplays_per_day = 2400\nmax_per_hour = 4\n\
         [[campaign.item]]\nid = \"s\"\ntext = \"x\"\n",
    );
    assert!(
        en.starts_with("campaign \"c\" is overbooked on 2026-12-01 (Tue) 00:00-01:00: its target needs"),
        "{en}"
    );
    assert!(
        zh.starts_with("广告活动 \"c\" 在 2026-12-01（周二）00:00-01:00 超订：目标需要该小时播放"),
        "{zh}"
    );
    assert!(
        en.contains("more hour(s) like it") && zh.contains("个小时同样如此"),
        "{en}\n{zh}"
    );
}

#[test]
fn a_control_character_in_an_item_text_is_refused_at_its_place_and_line_breaks_are_kept() {
    // A NUL, written as TOML's escape, five characters into the text.
    let text = "[[item]]\nid = \"a\"\ntext = \"停水通知\\u0000今天\"\n";
    let e = parse(text, "p.toml").unwrap_err();
    let d = &e.diagnostics()[0];
    assert_eq!((d.line, d.col), (3, 8), "{d:?}");
    assert_eq!(d.problem, Problem::TextControl { code: 0, at: 5 });
    assert_eq!(
        d.problem.to_string(),
        "item text has the control character U+0000 at character 5, which the board cannot show: remove it \
         (line breaks and tabs are fine)"
    );
    assert_eq!(
        d.problem.zh(),
        "节目项文字第 5 个字符是控制字符 U+0000，显示屏无法显示：请删除它（换行和制表符可以保留）"
    );
    // The escape character and a C1 control are refused too, in a campaign's spot as well.
    assert_eq!(
        problems("[[item]]\nid = \"a\"\ntext = \"x\\u001b[31m\"\n"),
        [Problem::TextControl { code: 0x1b, at: 2 }]
    );
    assert!(
        problems("[[item]]\nid = \"a\"\ntext = \"\u{85}x\"\n").contains(&Problem::TextControl { code: 0x85, at: 1 })
    );
    // Line breaks (in a multi-line string, as escapes, Windows' CRLF) and tabs still parse: the
    // renderer breaks the line at a newline and spaces at a tab.
    for ok in [
        "[[item]]\nid = \"a\"\ntext = \"\"\"\n第一行\n第二行\"\"\"\n",
        "[[item]]\nid = \"a\"\ntext = \"第一行\\n第二行\\r\\n第三行\\t完\"\n",
        "[[item]]\nid = \"a\"\ntext = \"名称\t地点\"\n",
    ] {
        assert!(parse(ok, "p.toml").is_ok(), "{ok}");
    }
}

#[test]
fn fields_and_the_calendar() {
    let p = Problem::Field {
        item: "a".into(),
        problem: crate::fields::problems("{days_until:明年}").remove(0),
    };
    assert_eq!(
        p.to_string(),
        "item a: {days_until:明年} is shown as written: \"明年\" is not a date (write {days_until:2027-06-07})"
    );
    assert_eq!(
        p.zh(),
        "节目项 a：{days_until:明年} 将按原样显示：\"明年\" 不是日期（应写作 {days_until:2027-06-07}）"
    );
    let y = Problem::CalendarMissingYear { year: 2027 };
    assert!(
        y.to_string()
            .starts_with("the holiday calendar has no official data for 2027:")
    );
    assert!(y.zh().starts_with("节假日日历中没有 2027 年的官方数据"));
}

#[test]
fn the_toml_parser_is_named_by_place_not_by_its_english() {
    let text = "[[item]]\nid = \"a\"\ntext = \"x\"\ndays = [\"mon\", \"tue\"\n";
    let e = parse(text, "p.toml").unwrap_err();
    let d = &e.diagnostics()[0];
    assert!(d.problem.to_string().starts_with("TOML syntax: "), "{}", d.problem);
    assert!(d.problem.zh().starts_with("TOML 语法错误"), "{}", d.problem.zh());
    assert!(d.line >= 4, "{d}");
    // What the parser expected there comes from its structure, not from its English.
    let e = parse("[[item]]\nid = \"a\"\ntext = \"x\"\n[[item\n", "p.toml").unwrap_err();
    let zh = e.diagnostics()[0].problem.zh();
    assert!(zh.contains("应为 `]]`"), "{zh}");
    let e = parse("[[item]]\nid = \"a\" text = \"x\"\n", "p.toml").unwrap_err();
    let zh = e.diagnostics()[0].problem.zh();
    assert!(zh.ends_with("应为 换行、`#`"), "{zh}");
}

/// Words of the checker's English outside quoted values and the TOML parser's own message.
fn english_left(zh: &str) -> bool {
    let mut bare = String::new();
    let mut quote = None;
    for ch in zh.chars() {
        match (quote, ch) {
            (None, '"' | '`') => quote = Some(ch),
            (Some(q), c) if c == q => quote = None,
            (None, c) => bare.push(c),
            _ => {}
        }
    }
    [
        " is ",
        " must ",
        " needs ",
        " not ",
        "expected",
        " more than ",
        "invalid",
        "unclosed",
        "missing",
        "key ",
        "between",
        " or ",
    ]
    .iter()
    .any(|w| bare.contains(w))
}

/// Broken playlists, each with at least one problem: every family of the checker's messages.
const CORPUS: &[&str] = &[
    "[[item]]\nid = \"a\"\ntext = \"x\"\ntime = \"25:00-26:00\"\n",
    "[[item]]\nid = \"a\"\ntext = \"x\"\ncolour = \"red\"\n",
    "[[item]]\nid = \"a\"\ntext = \"x\"\nfrobnicate = 1\n",
    "[[item]]\nid = \"a\"\ntext = \"x\"\ndwell_s = \"8\"\n",
    "[[item]]\nid = \"a\"\ntext = \"x\"\ndwell_s = 0\n",
    "[[item]]\nid = \"a b\"\ntext = \"x\"\n",
    "[[item]]\nid = \"a\"\ntext = \"\"\n",
    "[[item]]\nid = \"a\"\ntext = \"a\\u0000b\"\n",
    "[[item]]\ntext = \"x\"\n",
    "[[item]]\nid = \"a\"\n",
    "[[item]]\nid = \"a\"\ntext = \"x\"\nimage = \"a.png\"\n",
    "[[item]]\nid = \"a\"\ntext = \"x\"\n[[item]]\nid = \"a\"\ntext = \"y\"\n",
    "[[item]]\nid = \"a\"\ntext = \"x\"\ncolor = \"purple\"\neffect = \"spin\"\nfont_size = 13\n",
    "[[item]]\nid = \"a\"\ntext = \"x\"\ndays = [\"mon\", \"someday\"]\n",
    "[[item]]\nid = \"a\"\ntext = \"x\"\ndates = [\"2026-13-01\"]\n",
    "[[item]]\nid = \"a\"\ntext = \"x\"\ntime = \"08:00-08:00\"\n",
    "[[item]]\nid = \"a\"\ntext = \"x\"\ntime = \"8\"\n",
    "[[item]]\nid = \"a\"\ntext = \"x\"\ntime = \"breakfast\"\n[dayparts]\nlunch = \"12:00-14:00\"\n",
    "[[item]]\nid = \"a\"\ntext = \"x\"\nworkdays_only = true\ndays_off_only = true\n",
    "[[item]]\nid = \"a\"\ntext = \"x\"\nevery = 0\npriority = 500\n",
    "[[item]]\nid = \"a\"\ntext = \"x\"\nimage = \"a.gif\"\n",
    "[[item]]\nid = \"a\"\nimage = \"a.png\"\nreduce = \"blur\"\n",
    "timezone = \"Mars/Olympus\"\n[[item]]\nid = \"a\"\ntext = \"x\"\n",
    "defaults = 3\n[[item]]\nid = \"a\"\ntext = \"x\"\n",
    "[defaults]\nbrightness = 20\n[[item]]\nid = \"a\"\ntext = \"x\"\n",
    "[dayparts]\nlunch = \"noon\"\n[[item]]\nid = \"a\"\ntext = \"x\"\n",
    "[[brightness]]\ntime = \"08:00-12:00\"\n[[brightness]]\ntime = \"10:00-14:00\"\nlevel = 30\n[[item]]\nid = \"a\"\ntext = \"x\"\n",
    "[power]\non = \"06:00\"\noff = \"06:00\"\n[[item]]\nid = \"a\"\ntext = \"x\"\n",
    "[power]\non = \"06:00\"\n[[item]]\nid = \"a\"\ntext = \"x\"\n",
    "power = 1\n[[item]]\nid = \"a\"\ntext = \"x\"\n",
    "item = 1\n",
    "[[item]]\nid = \"a\"\ntext = \"x\"\n[[item\n",
    // The TOML parser's own messages.
    "[[item]]\nid \"a\"\n",
    "[[item]]\nid = \"a\ntext = \"x\"\n",
    "[[item]]\nid = \"a\"\ntext = \"x\"\ndays = [\"mon\", \"tue\"\n",
    "[defaults\n",
    "[[item]]\nid = \"a\"\nid = \"b\"\n",
    "[[item]]\nid = \"a\"\ntext = \"x\"\nworkdays_only = tru\n",
    "[[item]]\nid = \"a\" text = \"x\"\n",
    "[[item]]\nid = a\n",
    "[[item]]\nid = \"a\"\ntext = \"x\"\ndwell_s = 1__0\n",
    "[[item]]\nid = \"a\"\ntext = \"\\q\"\n",
    "[[item]]\nid = 'a\n",
    "[[item]]\nid = \"a\"\ntext = \"x\"\ndwell_s = 08\n",
    "[[item]]\nid = \"a\"\ntext = \"x\"\ndates = [2026-13-01]\n",
    "[[item]]\n= 1\n",
    "[[item]]\nid = \"a\"\ntext = \"x\"\nstyle = {color = \"red\"\n",
    "[[item]]\nid = \"a\"\ntext = \"x\"\n[[campaign]]\nid = \"c\"\n",
    "[[item]]\nid = \"a\"\ntext = \"x\"\n[[campaign]]\nid = \"c\"\nadvertiser = \"Z\"\nstart_date = \"2026-12-10\"\nend_date = \"2026-12-01\"\nshare = 0.1\nplays_per_day = 3\nseparation_s = -1\n[[campaign.item]]\nid = \"s\"\ntext = \"x\"\ntime = \"08:00-09:00\"\n",
    "[[item]]\nid = \"a\"\ntext = \"x\"\n[[campaign]]\nid = \"c\"\nadvertiser = \"Z\"\nstart_date = \"2026-12-01\"\nend_date = \"2026-12-31\"\nplays_per_hour = 600\nmax_per_hour = 4\n[[campaign.item]]\nid = \"s\"\ntext = \"x\"\n",
    "[[item]]\nid = \"a\"\ntext = \"x\"\n[[campaign]]\nid = \"c\"\nadvertiser = \"Z\"\nstart_date = \"2026-12-01\"\nend_date = \"2026-12-31\"\nplays_per_hour = 300\n[[campaign.item]]\nid = \"s\"\ntext = \"x\"\n",
    "[[item]]\nid = \"a\"\ntext = \"x\"\nworkdays_only = \"yes\"\n",
    "[[item]]\nid = \"a\"\ntext = \"x\"\ndays = 3\n",
    "colour = 1\n[[item]]\nid = \"a\"\ntext = \"x\"\n",
    "[[brightness]]\ntime = \"08:00-12:00\"\nlevel = 5\n[[brightness]]\ntime = \"10:00-14:00\"\nlevel = 6\n[[brightness]]\nlevel = 3\n[[item]]\nid = \"a\"\ntext = \"x\"\n",
    "[power]\noff = \"23:00\"\n[[item]]\nid = \"a\"\ntext = \"x\"\n",
    "[[item]]\nid = \"a\"\ntext = \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"\n",
    "[[item]]\nid = \"a\"\ntext = \"x\"\n[[campaign]]\nid = \"c\"\nadvertiser = \"Z\"\ncontract = \"K\"\nstart_date = \"2026-12-01\"\nend_date = \"2026-12-02\"\nshare = \"much\"\n[[campaign.item]]\nid = \"s\"\ntext = \"x\"\n",
    "[[item]]\nid = \"a\"\ntext = \"x\"\n[[campaign]]\nid = \"c\"\nadvertiser = \"\"\ncontract = \"K\"\nstart_date = \"2026-12-01\"\nend_date = \"2026-12-02\"\nplays_per_day = 0\n[[campaign.item]]\nid = \"s\"\ntext = \"x\"\n",
    "[[item]]\nid = \"a\"\ntext = \"x\"\n[[campaign]]\nid = \"c\"\nadvertiser = \"Z\"\ncontract = \"K\"\nstart_date = 5\nend_date = \"2026-12-02T08:00\"\nshare = 0.1\n[[campaign.item]]\nid = \"s\"\ntext = \"x\"\n",
    "[[item]]\nid = \"a\"\ntext = \"x\"\n[[campaign]]\nid = \"c\"\nadvertiser = \"Z\"\ncontract = \"K\"\nstart_date = \"2026-12-01\"\nend_date = \"2026-12-02\"\nshare = 0.1\n[[campaign.item]]\nid = \"s\"\ntext = \"x\"\n[[campaign]]\nid = \"c\"\nadvertiser = \"Z\"\ncontract = \"K\"\nstart_date = \"2026-12-01\"\nend_date = \"2026-12-02\"\nshare = 0.1\n[[campaign.item]]\nid = \"t\"\ntext = \"x\"\n",
    // Overbooked: more than max_per_hour, past the government floor, and one advertiser's
    // separation.
    "[[item]]\nid = \"a\"\ntext = \"x\"\n[[campaign]]\nid = \"c\"\nadvertiser = \"Z\"\ncontract = \"K\"\nstart_date = \"2026-12-01\"\nend_date = \"2026-12-02\"\nplays_per_day = 2400\nmax_per_hour = 4\n[[campaign.item]]\nid = \"s\"\ntext = \"x\"\n",
    "[[item]]\nid = \"a\"\ntext = \"x\"\n[[campaign]]\nid = \"c\"\nadvertiser = \"Z\"\ncontract = \"K\"\nstart_date = \"2026-12-01\"\nend_date = \"2026-12-02\"\nplays_per_hour = 400\nseparation_s = 30\n[[campaign.item]]\nid = \"s\"\ntext = \"x\"\n",
];

/// Every message a broken playlist of this corpus brings has a Chinese form: a new message in
/// the checker fails here until it is added above.
#[test]
fn every_problem_of_a_corpus_of_broken_playlists_reads_in_chinese() {
    let corpus = CORPUS;
    let mut untranslated = Vec::new();
    for text in corpus {
        let found = problems(text);
        assert!(!found.is_empty(), "no problem for:\n{text}");
        for p in found {
            let zh = p.zh();
            if english_left(&zh) {
                untranslated.push(format!("{p}\n  -> {zh}"));
            }
        }
    }
    assert!(
        untranslated.is_empty(),
        "Chinese with English left in it:\n{}",
        untranslated.join("\n")
    );
}

/// Every key the playlist knows, as the parser lists them: none may show in the form's words.
fn toml_keys() -> impl Iterator<Item = &'static str> {
    use crate::parse::keys::{BRIGHTNESS_KEYS, CAMPAIGN_KEYS, DEFAULT_KEYS, ITEM_KEYS, POWER_KEYS, TOP_KEYS};
    TOP_KEYS
        .into_iter()
        .chain(ITEM_KEYS)
        .chain(CAMPAIGN_KEYS)
        .chain(DEFAULT_KEYS)
        .chain(BRIGHTNESS_KEYS)
        .chain(POWER_KEYS)
}

/// What in `words` speaks TOML: a backtick, a table's brackets, `key = value`, a position
/// (第 N 行) or a key of the playlist outside a quoted value.
fn toml_left(words: &str) -> Option<String> {
    let mut bare = String::new();
    let mut quote = None;
    for ch in words.chars() {
        match (quote, ch) {
            (None, '“') => quote = Some('”'),
            (None, '"') => quote = Some('"'),
            (Some(q), c) if c == q => quote = None,
            (None, c) => bare.push(c),
            _ => {}
        }
    }
    for mark in ["`", "[["] {
        if bare.contains(mark) {
            return Some(mark.to_owned());
        }
    }
    // A line (第 3 行) or `key = value`: a number before 行, a name before =.
    let cs: Vec<char> = bare.chars().filter(|c| *c != ' ').collect();
    for w in cs.windows(2) {
        if (w[0].is_ascii_digit() && w[1] == '行') || ((w[0].is_ascii_alphabetic() || w[0] == '_') && w[1] == '=') {
            return Some(w.iter().collect());
        }
    }
    bare.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .find(|w| toml_keys().any(|k| k == *w))
        .map(str::to_owned)
}

/// A problem of every variant, as the checker makes them or built by hand where no playlist of
/// the corpus brings it.
fn every_variant() -> Vec<Problem> {
    use jiff::civil::date;
    let mut all: Vec<Problem> = CORPUS.iter().flat_map(|t| problems(t)).collect();
    let when = Hour {
        date: date(2026, 12, 1),
        hour: 8,
    };
    let part = FloorPart {
        campaign: "c".into(),
        target: Some(crate::Target::Share(0.3)),
        plays: 12.0,
        spot_s: 8.0,
        seconds: 96.0,
    };
    let overbooked = |booking| Problem::Overbooked {
        booking,
        more: 3,
        last: date(2026, 12, 2),
    };
    all.extend([
        Problem::WrongType {
            key: "government_floor".into(),
            wanted: Wanted::Number,
            found: ValueKind::String,
        },
        Problem::TooLarge { key: "dwell_s".into() },
        Problem::FractionRange(Fraction::GovernmentFloor),
        Problem::FractionRange(Fraction::Share),
        Problem::UnknownEffect { value: "spin".into() },
        Problem::UnknownKey {
            key: "plays".into(),
            section: Section::Campaign,
            hint: KeyHint::DidYouMean("plays_per_day"),
        },
        Problem::BrightnessNeeds { key: "level" },
        Problem::PowerNeedsOff,
        Problem::NotADate {
            key: "start_date".into(),
            text: "明天".into(),
        },
        Problem::CountRange {
            key: "plays_per_day".into(),
            n: 0,
            max: 86_400,
        },
        Problem::NameLength {
            key: "advertiser".into(),
        },
        Problem::SeparationRange { n: -1 },
        Problem::CampaignNeeds {
            key: "advertiser",
            example: "\"夷陵农商银行\"",
        },
        Problem::EndBeforeStart {
            end: date(2026, 12, 1),
            start: date(2026, 12, 10),
        },
        Problem::CampaignNeedsTarget,
        Problem::CampaignTargets,
        Problem::PlaysOverMax { n: 6, max: 4 },
        Problem::SpotForbidden { key: "hours" },
        Problem::CampaignNeedsSpot,
        Problem::DuplicateCampaign {
            id: "c".into(),
            first_line: 4,
        },
        Problem::BadId {
            of: IdOf::Campaign,
            id: "c d".into(),
        },
        Problem::Field {
            item: "a".into(),
            problem: crate::fields::problems("{datum}").remove(0),
        },
        Problem::CalendarMissingYear { year: 2031 },
        Problem::UnknownTimeZone { name: "Mars".into() },
        Problem::PriorityRange { n: 500 },
        Problem::Reduce { value: "blur".into() },
        overbooked(Booking::MaxPerHour {
            campaign: "c".into(),
            when,
            plays: 6.5,
            max: 4,
        }),
        overbooked(Booking::Separation {
            advertiser: "Z".into(),
            when,
            seconds: 4000.0,
            window_s: 3600.0,
            edge_s: 40.0,
            parts: vec![SeparationPart {
                campaign: "c".into(),
                plays: 12.0,
                spot_s: 8.0,
                separation_s: 300,
                wait_s: 320,
            }],
        }),
        overbooked(Booking::Window {
            campaign: "c".into(),
            when,
            wanted_s: 4000.0,
            window_s: 3600.0,
            parts: vec![part.clone()],
        }),
        overbooked(Booking::Floor {
            when,
            wanted_s: 2000.0,
            floor: 0.5,
            cap_s: 1800.0,
            parts: vec![part],
        }),
    ]);
    all
}

/// Every problem the form can show reads in a clerk's words there: no backtick, no key of the
/// TOML, no position; and in Chinese (no English sentence left in it).
#[test]
fn every_problem_reads_in_the_forms_words_at_its_field() {
    let mut speaks_toml = Vec::new();
    for p in every_variant() {
        let form = p.form_zh();
        if let Some(what) = toml_left(&form) {
            speaks_toml.push(format!("{p}\n  -> {form}  ({what})"));
        }
        if english_left(&form) {
            speaks_toml.push(format!("{p}\n  -> {form}  (English)"));
        }
    }
    assert!(
        speaks_toml.is_empty(),
        "the form's words still speak TOML:\n{}",
        speaks_toml.join("\n")
    );
}

#[test]
fn the_form_names_fields_by_their_labels_and_the_floor_in_percent() {
    let dwell = Problem::DwellRange { n: 0 };
    assert_eq!(
        dwell.zh(),
        "dwell_s 0 应为 1 到 3600 秒",
        "the TOML view keeps its words"
    );
    assert_eq!(dwell.form_zh(), "停留时间 0 秒不可用：应为 1 到 3600 秒");
    assert_eq!(
        toml_left(&dwell.zh()).as_deref(),
        Some("dwell_s"),
        "the test sees TOML's words"
    );
    let floor = Problem::FractionRange(Fraction::GovernmentFloor).form_zh();
    assert_eq!(floor, "政务内容每小时至少占的比例应不小于 0% 且小于 100%（如 50%）");
    assert_eq!(
        Problem::CampaignNeeds {
            key: "advertiser",
            example: "\"夷陵农商银行\""
        }
        .form_zh(),
        "请填写广告主（如 夷陵农商银行）"
    );
    // A share in a booking's numbers is a percentage, as the form shows it.
    let p = problems(
        "[[item]]\nid = \"a\"\ntext = \"x\"\ngovernment_floor = 0.5\n[[campaign]]\nid = \"c\"\nadvertiser = \"Z\"\n\
         contract = \"K\"\nstart_date = \"2026-12-01\"\nend_date = \"2026-12-02\"\nshare = 0.6\n[[campaign.item]]\nid = \"s\"\ntext = \"x\"\n",
    );
    let booked = p.iter().find(|p| matches!(p, Problem::Overbooked { .. }));
    if let Some(b) = booked {
        let f = b.form_zh();
        assert!(f.contains("时间占比 60%") && f.contains("50%"), "{f}");
    }
    assert!(
        every_variant()
            .iter()
            .any(|p| p.form_zh().contains("政务内容每小时至少占 50%")),
        "the floor in percent"
    );
}

#[test]
fn a_missing_key_is_shown_at_the_field_that_fills_it_in() {
    let cases = [
        ("[[item]]\ntext = \"x\"\n", Problem::ItemNeedsId, "id"),
        ("[[item]]\nid = \"a\"\n", Problem::ItemNeedsText, "text"),
    ];
    for (text, problem, field) in cases {
        let found = problems(text);
        assert!(found.contains(&problem), "{found:?}");
        assert_eq!(problem.field(), Some(field));
    }
    let c = problems("[[item]]\nid = \"a\"\ntext = \"x\"\n[[campaign]]\nid = \"c\"\n");
    for key in ["advertiser", "contract", "start_date", "end_date"] {
        assert!(
            c.iter()
                .any(|p| matches!(p, Problem::CampaignNeeds { key: k, .. } if *k == key) && p.field() == Some(key)),
            "{key}: {c:?}"
        );
    }
    assert!(
        c.iter()
            .any(|p| p == &Problem::CampaignNeedsTarget && p.field() == Some("target"))
    );
}
