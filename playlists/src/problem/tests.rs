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

/// Every message a broken playlist of this corpus brings has a Chinese form: a new message in
/// the checker fails here until it is added above.
#[test]
fn every_problem_of_a_corpus_of_broken_playlists_reads_in_chinese() {
    let corpus = [
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
