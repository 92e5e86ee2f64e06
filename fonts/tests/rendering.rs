//! Rendering as a reader sees it: glyph patterns at each size, line breaking, paging, effects,
//! colours, missing characters, and pages of a real government report.

use pinghu_fonts::typeset::{NO_LINE_END, NO_LINE_START, Placed, break_lines, line_width};
use pinghu_fonts::{
    Align, BitmapFont, ColorMode, Effect, FontSet, LedColor, RenderError, RenderOptions, TextColor, VAlign, render,
};

fn fonts(size: u32) -> FontSet<'static> {
    FontSet::builtin(size).unwrap()
}

fn glyph_ascii(ch: char, size: u32) -> String {
    let g = BitmapFont::builtin(size).unwrap().glyph(ch).unwrap();
    let mut s = String::new();
    for y in 0..g.height {
        for x in 0..g.width {
            s.push(if g.pixel(x, y) { '#' } else { '.' });
        }
        s.push('\n');
    }
    s
}

#[test]
fn glyph_one_at_16px() {
    // 一: a single horizontal stroke across the cell, nothing else.
    let a = glyph_ascii('一', 16);
    let inked: Vec<usize> = a
        .lines()
        .enumerate()
        .filter(|(_, l)| l.contains('#'))
        .map(|(i, _)| i)
        .collect();
    assert!(inked.len() <= 2 && (6..=10).contains(&inked[0]), "{a}");
    let row = a.lines().nth(inked[0]).unwrap();
    assert!(row.matches('#').count() >= 13, "{a}");
}

#[test]
fn glyph_patterns_at_each_size() {
    for size in [12, 16, 24, 32] {
        insta::assert_snapshot!(format!("yi_{size}"), glyph_ascii('夷', size));
        insta::assert_snapshot!(format!("kou_{size}"), glyph_ascii('口', size));
        insta::assert_snapshot!(
            format!("latin_{size}"),
            format!("{}\n{}", glyph_ascii('A', size), glyph_ascii('8', size))
        );
    }
}

#[test]
fn kou_is_a_closed_box_at_every_size() {
    // 口 must read as a box: some row has ink at both sides with a gap between, and the top and
    // bottom strokes are long.
    for size in [12, 16, 24, 32] {
        let a = glyph_ascii('口', size);
        let rows: Vec<&str> = a.lines().collect();
        let long: Vec<usize> = rows
            .iter()
            .enumerate()
            .filter(|(_, r)| r.matches('#').count() >= size as usize / 2)
            .map(|(i, _)| i)
            .collect();
        assert!(
            long.len() >= 2 && long.last().unwrap() - long[0] >= size as usize / 3,
            "{size}px\n{a}"
        );
        assert!(
            rows.iter()
                .any(|r| r.trim_matches('.').contains("#.") && r.trim_matches('.').contains(".#")),
            "{size}px\n{a}"
        );
    }
}

fn lines(text: &str, size: u32, width: u32) -> Vec<String> {
    break_lines(text, &fonts(size), width)
}

#[test]
fn closing_punctuation_never_starts_a_line() {
    // 6 characters per line at 16 px on 96 px: the comma would start line 2; it stays with 修.
    assert_eq!(lines("因管网维修，停水", 16, 80), ["因管网维", "修，停水"]);
    assert_eq!(lines("请提前储水。谢谢", 16, 80), ["请提前储", "水。谢谢"]);
    assert_eq!(lines("请提前储水。谢谢", 16, 96), ["请提前储水。", "谢谢"]);
    // A space before punctuation is no way around the rule (the two commas take 12 px: the first
    // is compressed against the second, the second at the line end).
    assert_eq!(lines("夷夷 ，，", 12, 48), ["夷夷 ，，"]);
    assert_eq!(lines("夷夷 ，，", 12, 36), ["夷", "夷 ，，"]);
    // A run longer than a line breaks where the rules allow: not before the comma.
    assert_eq!(lines("（夷陵区，，", 16, 48), ["（夷陵", "区，，"]);
    // Only a run of punctuation longer than a line breaks the rule, because it must.
    // (Compressed, the commas take 8 px each: four fit after 夷 on 48 px, three on 40.)
    assert_eq!(lines("夷，，，，", 16, 48), ["夷，，，，"]);
    assert_eq!(lines("夷，，，，", 16, 40), ["夷，，，", "，"]);
    // Found by the property test: what is carried to the next line must fit with what follows.
    for l in lines("1 ，，，，", 12, 36) {
        assert!(line_width(&fonts(12), &l) <= 36, "{l:?}");
    }
    // A closing quote after a full stop stays too.
    assert_eq!(lines("他说“好的。”然后", 16, 80), ["他说“好", "的。”然后"]);
}

#[test]
fn punctuation_gives_up_its_blank_half_at_line_ends_and_between_marks() {
    let f = fonts(16);
    // A full stop at a line end takes half a cell, so a line may hold it where a whole cell
    // would overflow: 5 characters and 。 on 88 px.
    assert_eq!(lines("请提前储水。谢谢", 16, 88), ["请提前储水。", "谢谢"]);
    // ：“ — the colon gives up its blank right half; the closing quote at the end gives up its own.
    assert_eq!(line_width(&f, "他说：“好”"), 16 + 16 + 8 + 16 + 16 + 8);
    // An opening bracket at a line start starts flush: 【 is inked from column 11 of its cell and
    // shows from column 3, where a plain character (夷) starts too.
    let mut o = RenderOptions::new(128, 16);
    o.align = Align::Left;
    let first_ink = |text: &str| {
        let page = &render(text, &f, &o).unwrap().pages[0];
        (0..128)
            .find(|&x| (0..16).any(|y| page.get(x, y) != LedColor::Off))
            .unwrap()
    };
    assert_eq!(first_ink("【暴雨红色预警】"), 3);
    assert!(first_ink("夷陵区") <= 3);
    // Centred, a line ending in 。 sits in the middle of its ink, not of its blank.
    o.align = Align::Center;
    let r = render("请储水。", &f, &o).unwrap();
    let ink: Vec<u32> = (0..128)
        .filter(|&x| (0..16).any(|y| r.pages[0].get(x, y) != LedColor::Off))
        .collect();
    let (left, right) = (ink[0], 127 - ink[ink.len() - 1]);
    assert!(left.abs_diff(right) <= 3, "left margin {left}, right margin {right}");
}

#[test]
fn opening_punctuation_never_ends_a_line() {
    assert_eq!(lines("详见《夷陵区通知》", 16, 48), ["详见", "《夷陵", "区通", "知》"]);
    assert_eq!(lines("地址（小溪塔）", 16, 48), ["地址", "（小溪", "塔）"]);
}

#[test]
fn dashes_and_ellipses_stay_whole() {
    assert_eq!(lines("等等……好的", 16, 48), ["等", "等……", "好的"]);
    assert_eq!(lines("夷陵——三峡", 16, 64), ["夷陵——", "三峡"]);
    assert_eq!(lines("夷陵——三峡", 16, 48), ["夷", "陵——", "三峡"]);
}

#[test]
fn latin_words_and_numbers_are_not_split() {
    // "18:00" does not fit after 至 on a 64 px line at 16 px, so it moves down whole.
    assert_eq!(lines("8:00至18:00", 16, 64), ["8:00至", "18:00"]);
    assert_eq!(lines("请拨打12345热线", 16, 80), ["请拨打", "12345热线"]);
    // Half-width digits are narrower than hanzi.
    assert!(fonts(16).measure("12345") < 5 * 16);
    // Longer than a line: split by character.
    let l = lines("号码1234567890123456789", 16, 64);
    assert!(l.len() >= 3, "{l:?}");
    assert!(l.iter().all(|x| line_width(&fonts(16), x) <= 64), "{l:?}");
    assert_eq!(l.concat(), "号码1234567890123456789");
}

#[test]
fn explicit_newlines_are_kept() {
    assert_eq!(lines("通知\n停水", 16, 160), ["通知", "停水"]);
    assert_eq!(lines("一\n\n二", 16, 160), ["一", "", "二"]);
    assert_eq!(lines("one two three", 16, 40), ["one", "two", "three"]);
    assert_eq!(lines("one two three", 16, 64), ["one two", "three"]);
}

#[test]
fn paging_alignment_and_dwell() {
    let mut o = RenderOptions::new(64, 32);
    o.align = Align::Center;
    let r = render("夷陵区", &fonts(16), &o).unwrap();
    assert_eq!(r.pages.len(), 1);
    assert_eq!(r.effect, Effect::Static);
    let p = &r.pages[0];
    // 48 px of text centred in 64: columns 0-7 and 56-63 dark; middle vertical alignment: rows
    // 0-7 and 24-31 dark.
    for y in 0..32 {
        for x in (0..8).chain(56..64) {
            assert_eq!(p.get(x, y), LedColor::Off);
        }
    }
    assert!((0..8).all(|y| (0..64).all(|x| p.get(x, y) == LedColor::Off)));
    assert!((24..32).all(|y| (0..64).all(|x| p.get(x, y) == LedColor::Off)));
    assert!(r.dwell_s[0] >= 3);
    o.align = Align::Right;
    o.valign = VAlign::Top;
    let r = render("夷陵区", &fonts(16), &o).unwrap();
    assert!((0..64).all(|y| (0..16).all(|x| r.pages[0].get(x, y % 32) == LedColor::Off)));
    assert!((0..16).any(|y| r.pages[0].get(63, y) != LedColor::Off || r.pages[0].get(62, y) != LedColor::Off));
}

#[test]
fn auto_effect_scrolls_on_one_line_boards_and_pages_otherwise() {
    let text = "夷陵区政务服务中心欢迎您，办事请取号。";
    let one_line = render(text, &fonts(16), &RenderOptions::new(64, 16)).unwrap();
    assert_eq!(one_line.effect, Effect::ScrollLeft);
    let strip = line_width(&fonts(16), text);
    assert_eq!(one_line.pages.len() as u32, strip.div_ceil(64));
    let paged = render(text, &fonts(16), &RenderOptions::new(64, 32)).unwrap();
    assert_eq!(paged.effect, Effect::Static);
    assert_eq!(paged.pages.len(), 3);
    assert_eq!(paged.lines.concat().concat(), text);
    let mut o = RenderOptions::new(64, 32);
    o.effect = Effect::ScrollUp;
    assert_eq!(render(text, &fonts(16), &o).unwrap().effect, Effect::ScrollUp);
}

#[test]
fn colours_on_dual_and_mono_boards() {
    let mut o = RenderOptions::new(32, 16);
    o.mode = ColorMode::RedGreen;
    o.color = TextColor::Yellow;
    let r = render("夷", &fonts(16), &o).unwrap();
    let lit: Vec<LedColor> = (0..16)
        .flat_map(|y| (0..32).map(move |x| (x, y)))
        .map(|(x, y)| r.pages[0].get(x, y))
        .filter(|c| *c != LedColor::Off)
        .collect();
    assert!(!lit.is_empty() && lit.iter().all(|c| *c == LedColor::Yellow));
    o.mode = ColorMode::Mono;
    o.color = TextColor::Green;
    let r = render("夷", &fonts(16), &o).unwrap();
    assert!(r.pages[0].to_ascii().contains('#'));
    assert!(!r.pages[0].to_ascii().contains('G'));
}

#[test]
fn missing_characters_are_boxed_and_reported() {
    // U+2000B (𠀋) is in CJK Extension B, which no built-in font carries.
    let r = render("𠀋夷", &fonts(16), &RenderOptions::new(32, 16)).unwrap();
    assert_eq!(r.missing, ['𠀋']);
    let page = &r.pages[0];
    // The box: the cell's outline one pixel in (x 1..=14, y 1..=14) is lit.
    for i in 1..=14 {
        assert_ne!(page.get(i, 1), LedColor::Off);
        assert_ne!(page.get(1, i), LedColor::Off);
        assert_ne!(page.get(14, i), LedColor::Off);
    }
    assert_eq!(page.get(7, 7), LedColor::Off);
}

#[test]
fn fallback_font_fills_gaps_and_says_so() {
    let mut hex = String::from("2000B:");
    for row in 0..16 {
        hex.push_str(if row % 4 == 0 { "FFFF" } else { "8001" });
    }
    let uni = BitmapFont::from_unifont_hex(&hex).unwrap();
    let set = FontSet {
        primary: BitmapFont::builtin(32).unwrap(),
        fallback: Some(&uni),
    };
    let r = render("𠀋", &set, &RenderOptions::new(32, 32)).unwrap();
    assert!(r.missing.is_empty());
    assert_eq!(r.substituted, ['𠀋']);
    // Scaled ×2: rows 0-1 full.
    assert!((0..32).all(|x| r.pages[0].get(x, 0) != LedColor::Off && r.pages[0].get(x, 1) != LedColor::Off));
}

#[test]
fn impossible_requests_are_explained() {
    let f32 = fonts(32);
    assert_eq!(
        render("字", &f32, &RenderOptions::new(64, 16)).unwrap_err(),
        RenderError::FontTooTall { size: 32, height: 16 }
    );
    assert_eq!(
        render("字", &f32, &RenderOptions::new(64, 16)).unwrap_err().to_string(),
        "a 32 px font does not fit a board 16 px high: use a font of at most 16 px"
    );
    assert_eq!(
        render("字", &f32, &RenderOptions::new(0, 32)).unwrap_err(),
        RenderError::BoardSize { width: 0, height: 32 }
    );
    // A mistyped size is refused before anything is allocated for it.
    let e = render("字", &f32, &RenderOptions::new(100_000, 100_000)).unwrap_err();
    assert_eq!(
        e,
        RenderError::BoardSize {
            width: 100_000,
            height: 100_000
        }
    );
    assert!(e.to_string().contains("at most 4096x1024 pixels"), "{e}");
    assert_eq!(
        render("字", &f32, &RenderOptions::new(16, 32)).unwrap_err(),
        RenderError::TooNarrow { size: 32, width: 16 }
    );
    assert_eq!(
        render(" \n", &f32, &RenderOptions::new(64, 32)).unwrap_err(),
        RenderError::Empty
    );
    let long = "字".repeat(2001);
    assert!(matches!(
        render(&long, &f32, &RenderOptions::new(64, 32)),
        Err(RenderError::TooLong { chars: 2001, .. })
    ));
}

/// The first 600 characters of the repository's own corpus of realistic notices.
fn notices() -> String {
    let text = include_str!("data/notices.txt");
    text.chars().take(600).collect()
}

#[test]
fn notice_corpus_pages() {
    let text = notices();
    let mut o = RenderOptions::new(128, 32);
    o.effect = Effect::Static;
    let r = render(&text, &fonts(16), &o).unwrap();
    assert!(r.missing.is_empty(), "missing {:?}", r.missing);
    let listing: String = r
        .lines
        .iter()
        .enumerate()
        .map(|(i, p)| format!("page {}: {}\n", i + 1, p.join(" | ")))
        .collect();
    insta::assert_snapshot!("notices_16px_128x32_lines", listing);
    let first: String = r
        .pages
        .iter()
        .take(2)
        .map(pinghu_fonts::Frame::to_ascii)
        .collect::<Vec<_>>()
        .join("\n");
    insta::assert_snapshot!("notices_16px_128x32_first_pages", first);
    let mut o24 = RenderOptions::new(192, 48);
    o24.font_size = 24;
    o24.effect = Effect::Static;
    let r24 = render(&text, &fonts(24), &o24).unwrap();
    let listing: String = r24
        .lines
        .iter()
        .enumerate()
        .map(|(i, p)| format!("page {}: {}\n", i + 1, p.join(" | ")))
        .collect();
    insta::assert_snapshot!("notices_24px_192x48_lines", listing);
}

mod property {
    use super::*;
    use proptest::prelude::*;

    const ALPHABET: &str = "夷陵区政务服务中心停水通知，。、；：？！（）《》“”——……12345 8:00 abc";

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]
        #[test]
        fn lines_fit_keep_every_character_and_follow_the_rules(
            picks in proptest::collection::vec(0usize..60, 1..80),
            width_chars in 3u32..12,
            size in proptest::sample::select(vec![12u32, 16, 24, 32]),
        ) {
            let chars: Vec<char> = ALPHABET.chars().collect();
            let text: String = picks.iter().map(|i| chars[i % chars.len()]).collect();
            let f = fonts(size);
            let width = width_chars * size;
            let ls = break_lines(&text, &f, width);
            for l in &ls {
                prop_assert!(line_width(&f, l) <= width, "{l:?} wider than {width}");
                // Compression only gives up blank: placed, no glyph's ink reaches outside the
                // line or into its neighbour's.
                let mut x = 0i64;
                let mut ink_end = i64::MIN;
                for p in Placed::new(f, l) {
                    let at = x - i64::from(p.cut_left);
                    let (mut lo, mut hi) = (i64::MAX, i64::MIN);
                    f.draw_char(p.ch, |px, _| {
                        lo = lo.min(at + i64::from(px));
                        hi = hi.max(at + i64::from(px));
                    });
                    if lo <= hi {
                        prop_assert!(lo > ink_end && lo >= 0 && hi < i64::from(width), "{:?} in {l:?}: ink {lo}..={hi} after {ink_end}", p.ch);
                        ink_end = hi;
                    }
                    x += i64::from(p.advance);
                }
            }
            // Nothing lost: only spaces may disappear at wrapped line ends.
            let joined: String = ls.concat().chars().filter(|c| *c != ' ').collect();
            let orig: String = text.chars().filter(|c| *c != ' ').collect();
            prop_assert_eq!(joined, orig);
            // Kinsoku, unless a single unbreakable run was longer than a line.
            for pair in ls.windows(2) {
                let (a, b) = (&pair[0], &pair[1]);
                // A violation is only acceptable where line `a` offered no allowed break at all.
                let ac: Vec<char> = a.chars().collect();
                // (A space before closing punctuation is no break opportunity: judge by what follows it.)
                let next = |i: usize| ac[i..].iter().copied().find(|c| *c != ' ').or_else(|| b.chars().next()).unwrap_or(' ');
                let forced = !(1..ac.len()).any(|i| pinghu_fonts::typeset::break_allowed(ac[i - 1], next(i)));
                if let Some(first) = b.chars().next() {
                    prop_assert!(forced || !NO_LINE_START.contains(first), "{b:?} starts with {first} after {a:?}");
                }
                if let Some(last) = a.chars().last() {
                    prop_assert!(forced || !NO_LINE_END.contains(last), "{a:?} ends with {last}");
                }
            }
        }
    }
}
