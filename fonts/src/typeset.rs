//! Chinese line breaking (GB/T 15834 punctuation rules, as typesetters apply them):
//!
//! * closing punctuation (，。、；：？！）」』》】… and the like) never starts a line: it is kept
//!   with the character before it;
//! * opening punctuation (（「『《【“‘ …) never ends a line: it is kept with the character after it;
//! * the two halves of —— and …… are never separated;
//! * a run of Latin letters, digits and ASCII symbols (`8:00`, `12345`, `www.yiling.gov.cn`) is
//!   not split unless it is longer than a line;
//! * explicit newlines are kept; spaces at the start or end of a wrapped line disappear.

use std::ops::Range;

use crate::font::FontSet;

/// Characters that may not start a line.
pub const NO_LINE_START: &str = "，。、；：？！）」』》】〕〉〗〙〛”’…—·‥％℃°′″,.;:?!)]}%～々ゝゞ";
/// Characters that may not end a line.
pub const NO_LINE_END: &str = "（「『《【〔〈〖〘〚“‘([{￥$＄";

/// Most characters are ideographs or ASCII letters and digits, which are neither opening nor
/// closing punctuation: answer those without searching the lists.
fn plain(c: char) -> bool {
    c.is_ascii_alphanumeric() || ('\u{4E00}'..='\u{9FFF}').contains(&c)
}
fn is_closing(c: char) -> bool {
    !plain(c) && NO_LINE_START.contains(c)
}
fn is_opening(c: char) -> bool {
    !plain(c) && NO_LINE_END.contains(c)
}
fn is_word_char(c: char) -> bool {
    c.is_ascii_graphic()
}

/// Whether a line may break between `a` and `b`.
pub fn break_allowed(a: char, b: char) -> bool {
    let inside_word = a.is_ascii_alphanumeric() && b.is_ascii_alphanumeric();
    !(is_closing(b) || is_opening(a) || inside_word)
}

/// A tab is typeset as a space.
pub fn shown(c: char) -> char {
    if c == '\t' { ' ' } else { c }
}

fn is_space(c: char) -> bool {
    c == ' ' || c == '\t'
}

/// An unbreakable piece of text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Atom {
    Text(String),
    Space(String),
    Newline,
}

/// What an [`AtomSpan`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AtomKind {
    Text,
    Space,
    Newline,
}

/// An unbreakable piece of text as a byte range of the source (atoms never need to copy: a
/// glued atom is always a contiguous run of the source).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AtomSpan {
    pub kind: AtomKind,
    pub range: Range<usize>,
}

/// Cut text into atoms that lines may break between.
pub fn atoms(text: &str) -> Vec<Atom> {
    let mut spans = Vec::new();
    atom_spans(text, &mut spans);
    spans
        .into_iter()
        .map(|a| {
            let s = || text[a.range.clone()].chars().map(shown).collect();
            match a.kind {
                AtomKind::Text => Atom::Text(s()),
                AtomKind::Space => Atom::Space(s()),
                AtomKind::Newline => Atom::Newline,
            }
        })
        .collect()
}

/// Cut text into atoms, as byte ranges, into `out` (cleared first; no other allocation).
pub fn atom_spans(text: &str, out: &mut Vec<AtomSpan>) {
    out.clear();
    // Opening punctuation (and spaces after it) waiting for the atom it belongs to.
    let mut pending: Option<Range<usize>> = None;
    let mut it = text.char_indices().peekable();
    let push = |out: &mut Vec<AtomSpan>, kind, range| out.push(AtomSpan { kind, range });
    while let Some((i, c)) = it.next() {
        // Units: one CJK character, a Latin word, a space run, a newline.
        let (kind, unit) = if c == '\n' || c == '\r' {
            if c == '\r' && matches!(it.peek(), Some((_, '\n'))) {
                continue;
            }
            (AtomKind::Newline, i..i + 1)
        } else if is_space(c) {
            let mut end = i + 1;
            while let Some(&(j, n)) = it.peek() {
                if !is_space(n) {
                    break;
                }
                end = j + 1;
                it.next();
            }
            (AtomKind::Space, i..end)
        } else if is_word_char(c) {
            let mut end = i + 1;
            while let Some(&(j, n)) = it.peek() {
                if !is_word_char(n) {
                    break;
                }
                end = j + 1;
                it.next();
            }
            (AtomKind::Text, i..end)
        } else {
            (AtomKind::Text, i..i + c.len_utf8())
        };
        // Glue: closing punctuation to the atom before, opening punctuation to the atom after.
        match kind {
            AtomKind::Text => {
                let u = &text[unit.clone()];
                let all_opening = u.chars().all(is_opening);
                let glued_start = pending.as_ref().map_or(unit.start, |p| p.start);
                let had_pending = pending.is_some();
                let t = glued_start..unit.end;
                if all_opening {
                    pending = Some(t);
                    continue;
                }
                pending = None;
                let closing = !had_pending && is_closing(c);
                let n = out.len();
                // A space before closing punctuation is no break opportunity either.
                if closing && n >= 2 && out[n - 1].kind == AtomKind::Space && out[n - 2].kind == AtomKind::Text {
                    out.pop();
                    if let Some(prev) = out.last_mut() {
                        prev.range.end = t.end;
                    }
                    continue;
                }
                match out.last_mut() {
                    Some(prev) if closing && prev.kind == AtomKind::Text => prev.range.end = t.end,
                    _ => push(out, AtomKind::Text, t),
                }
            }
            AtomKind::Space if pending.is_some() => {
                if let Some(p) = pending.as_mut() {
                    p.end = unit.end;
                }
            }
            other => {
                if let Some(p) = pending.take() {
                    push(out, AtomKind::Text, p);
                }
                push(out, other, unit);
            }
        }
    }
    if let Some(p) = pending {
        push(out, AtomKind::Text, p);
    }
}

/// Break text into lines no wider than `width` pixels.
pub fn break_lines(text: &str, fonts: &FontSet<'_>, width: u32) -> Vec<String> {
    let mut b = LineBreaker::default();
    b.break_lines(text, fonts, width);
    b.lines()
        .iter()
        .map(|r| text[r.clone()].chars().map(shown).collect())
        .collect()
}

/// Line breaking into reusable buffers: once warm, breaking a text allocates nothing.
#[derive(Debug, Default, Clone)]
pub struct LineBreaker {
    atoms: Vec<AtomSpan>,
    lines: Vec<Range<usize>>,
}

/// Width of a source range, tabs as spaces.
fn measure(fonts: &FontSet<'_>, s: &str) -> u32 {
    s.chars().map(|c| fonts.advance(shown(c))).sum()
}

/// `s` without trailing spaces (and tabs, which are typeset as spaces).
fn trim_end(s: &str) -> &str {
    s.trim_end_matches(is_space)
}

impl LineBreaker {
    /// The lines of the last [`LineBreaker::break_lines`], as byte ranges of its text (tabs in
    /// them are shown as spaces).
    pub fn lines(&self) -> &[Range<usize>] {
        &self.lines
    }

    /// Break `text` into lines no wider than `width` pixels (see [`LineBreaker::lines`]).
    pub fn break_lines(&mut self, text: &str, fonts: &FontSet<'_>, width: u32) {
        atom_spans(text, &mut self.atoms);
        let lines = &mut self.lines;
        lines.clear();
        // The line being built, as a range of `text` (empty: nothing yet), and its width.
        let (mut line, mut w) = (0..0, 0u32);
        let finish = |line: &mut Range<usize>, w: &mut u32, lines: &mut Vec<Range<usize>>| {
            let kept = trim_end(&text[line.clone()]).len();
            lines.push(line.start..line.start + kept);
            *line = 0..0;
            *w = 0;
        };
        let append = |line: &mut Range<usize>, r: &Range<usize>| {
            if line.start == line.end {
                *line = r.clone();
            } else {
                line.end = r.end;
            }
        };
        for atom in &self.atoms {
            let r = &atom.range;
            match atom.kind {
                AtomKind::Newline => finish(&mut line, &mut w, lines),
                AtomKind::Space => {
                    if line.start != line.end {
                        let sw = measure(fonts, &text[r.clone()]);
                        if w + sw <= width {
                            append(&mut line, r);
                            w += sw;
                        } else {
                            finish(&mut line, &mut w, lines);
                        }
                    }
                }
                AtomKind::Text => {
                    let tw = measure(fonts, &text[r.clone()]);
                    if w + tw <= width {
                        append(&mut line, r);
                        w += tw;
                        continue;
                    }
                    if trim_end(&text[line.clone()]).is_empty() {
                        line = 0..0;
                        w = 0;
                    } else {
                        finish(&mut line, &mut w, lines);
                    }
                    if tw <= width {
                        line = r.clone();
                        w = tw;
                        continue;
                    }
                    // Longer than a line: split it, at the last place the rules allow.
                    for (i, c) in text[r.clone()].char_indices() {
                        let at = r.start + i;
                        let c = shown(c);
                        let cw = fonts.advance(c);
                        if w + cw > width && line.start != line.end {
                            let cur = &text[line.clone()];
                            // A break before spaces is judged by what follows the spaces.
                            let cut = cur.char_indices().rev().map(|(b, _)| b).filter(|&b| b > 0).find(|&b| {
                                let prev = shown(cur[..b].chars().next_back().unwrap_or(' '));
                                let next = cur[b..].chars().map(shown).find(|ch| *ch != ' ').unwrap_or(c);
                                break_allowed(prev, next)
                            });
                            let tail = match cut {
                                Some(b) => line.start + b..line.end,
                                None => line.end..line.end,
                            };
                            line.end = tail.start;
                            finish(&mut line, &mut w, lines);
                            // Spaces at the start of a wrapped line disappear.
                            let lead = text[tail.clone()].len() - text[tail.clone()].trim_start_matches(is_space).len();
                            line = tail.start + lead..tail.end;
                            w = measure(fonts, &text[line.clone()]);
                            if w + cw > width && line.start != line.end {
                                // The carried-over part and this character still do not fit.
                                finish(&mut line, &mut w, lines);
                            }
                        }
                        append(&mut line, &(at..at + c.len_utf8()));
                        w += cw;
                    }
                }
            }
        }
        if line.start != line.end || lines.is_empty() {
            finish(&mut line, &mut w, lines);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The line breaker as it was first written, on owned strings: the oracle that the
    /// allocation-free [`LineBreaker`] must agree with, line for line.
    #[allow(clippy::pedantic)]
    mod reference {
        use crate::font::FontSet;
        use crate::typeset::{Atom, NO_LINE_END, NO_LINE_START};

        fn is_closing(c: char) -> bool {
            NO_LINE_START.contains(c)
        }
        fn is_opening(c: char) -> bool {
            NO_LINE_END.contains(c)
        }
        fn is_word_char(c: char) -> bool {
            c.is_ascii_graphic()
        }

        /// Whether a line may break between `a` and `b`.
        fn break_allowed(a: char, b: char) -> bool {
            let inside_word = a.is_ascii_alphanumeric() && b.is_ascii_alphanumeric();
            !(is_closing(b) || is_opening(a) || inside_word)
        }

        /// Cut text into atoms that lines may break between.
        pub(super) fn atoms(text: &str) -> Vec<Atom> {
            // Units: one CJK character, a Latin word, a space run, a newline.
            let mut units: Vec<Atom> = Vec::new();
            let mut chars = text.chars().peekable();
            while let Some(c) = chars.next() {
                if c == '\n' {
                    units.push(Atom::Newline);
                } else if c == '\r' {
                    if chars.peek() != Some(&'\n') {
                        units.push(Atom::Newline);
                    }
                } else if c == ' ' || c == '\t' {
                    let mut s = String::from(' ');
                    while matches!(chars.peek(), Some(' ' | '\t')) {
                        chars.next();
                        s.push(' ');
                    }
                    units.push(Atom::Space(s));
                } else if is_word_char(c) {
                    let mut s = String::from(c);
                    while let Some(&n) = chars.peek() {
                        if is_word_char(n) {
                            s.push(n);
                            chars.next();
                        } else {
                            break;
                        }
                    }
                    units.push(Atom::Text(s));
                } else {
                    units.push(Atom::Text(c.to_string()));
                }
            }
            // Glue: closing punctuation to the atom before, opening punctuation to the atom after.
            let mut out: Vec<Atom> = Vec::new();
            let mut pending_open = String::new();
            for u in units {
                match u {
                    Atom::Text(t) => {
                        let first = t.chars().next().unwrap_or(' ');
                        let all_opening = t.chars().all(is_opening);
                        let t = std::mem::take(&mut pending_open) + &t;
                        if all_opening {
                            pending_open = t;
                            continue;
                        }
                        let closing = is_closing(first) && t.starts_with(first);
                        // A space before closing punctuation is no break opportunity either.
                        if closing
                            && matches!(out.last(), Some(Atom::Space(_)))
                            && matches!(out.iter().rev().nth(1), Some(Atom::Text(_)))
                        {
                            let Some(Atom::Space(sp)) = out.pop() else {
                                unreachable!()
                            };
                            if let Some(Atom::Text(prev)) = out.last_mut() {
                                prev.push_str(&sp);
                                prev.push_str(&t);
                            }
                            continue;
                        }
                        match out.last_mut() {
                            Some(Atom::Text(prev)) if closing => prev.push_str(&t),
                            _ => out.push(Atom::Text(t)),
                        }
                    }
                    Atom::Space(sp) if !pending_open.is_empty() => pending_open.push_str(&sp),
                    other => {
                        if !pending_open.is_empty() {
                            out.push(Atom::Text(std::mem::take(&mut pending_open)));
                        }
                        out.push(other);
                    }
                }
            }
            if !pending_open.is_empty() {
                out.push(Atom::Text(pending_open));
            }
            out
        }

        /// Break text into lines no wider than `width` pixels.
        pub(super) fn break_lines(text: &str, fonts: &FontSet<'_>, width: u32) -> Vec<String> {
            let mut lines = Vec::new();
            let mut line = String::new();
            let mut w = 0u32;
            let finish = |line: &mut String, w: &mut u32, lines: &mut Vec<String>| {
                lines.push(line.trim_end_matches(' ').to_string());
                line.clear();
                *w = 0;
            };
            for atom in atoms(text) {
                match atom {
                    Atom::Newline => finish(&mut line, &mut w, &mut lines),
                    Atom::Space(s) => {
                        if !line.is_empty() {
                            let sw = fonts.measure(&s);
                            if w + sw <= width {
                                line.push_str(&s);
                                w += sw;
                            } else {
                                finish(&mut line, &mut w, &mut lines);
                            }
                        }
                    }
                    Atom::Text(t) => {
                        let tw = fonts.measure(&t);
                        if w + tw <= width {
                            line.push_str(&t);
                            w += tw;
                            continue;
                        }
                        if line.trim_end_matches(' ').is_empty() {
                            line.clear();
                            w = 0;
                        } else {
                            finish(&mut line, &mut w, &mut lines);
                        }
                        if tw <= width {
                            line.push_str(&t);
                            w = tw;
                        } else {
                            // Longer than a line: split it, at the last place the rules allow.
                            for c in t.chars() {
                                let cw = fonts.advance(c);
                                if w + cw > width && !line.is_empty() {
                                    let chars: Vec<char> = line.chars().chain([c]).collect();
                                    // A break before spaces is judged by what follows the spaces.
                                    let cut = (1..chars.len() - 1).rev().find(|&i| {
                                        let next = chars[i..].iter().copied().find(|ch| *ch != ' ').unwrap_or(c);
                                        break_allowed(chars[i - 1], next)
                                    });
                                    let tail: String = match cut {
                                        Some(i) => chars[i..chars.len() - 1].iter().collect(),
                                        None => String::new(),
                                    };
                                    let keep = line.chars().count() - tail.chars().count();
                                    line = line.chars().take(keep).collect();
                                    finish(&mut line, &mut w, &mut lines);
                                    // Spaces at the start of a wrapped line disappear.
                                    tail.trim_start_matches(' ').clone_into(&mut line);
                                    w = fonts.measure(&line);
                                    if w + cw > width && !line.is_empty() {
                                        // The carried-over part and this character still do not fit.
                                        finish(&mut line, &mut w, &mut lines);
                                    }
                                }
                                line.push(c);
                                w += cw;
                            }
                        }
                    }
                }
            }
            if !line.is_empty() || lines.is_empty() {
                finish(&mut line, &mut w, &mut lines);
            }
            lines
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]
        #[test]
        fn the_allocation_free_breaker_agrees_with_the_reference(
            picks in proptest::collection::vec(0usize..200, 0..120),
            width_chars in 1u32..14,
            size in proptest::sample::select(vec![12u32, 16, 24, 32]),
        ) {
            const ALPHABET: &str = "夷陵区政务服务中心停水通知，。、；：？！（）《》“”「」【】——……12345 8:00 abc  \t\t\n\r\n\r ,.;:?!()[]{}%$￥ www.yiling.gov.cn\u{1}é𠀀";
            let chars: Vec<char> = ALPHABET.chars().collect();
            let text: String = picks.iter().map(|i| chars[i % chars.len()]).collect();
            let f = FontSet::builtin(size).unwrap();
            let width = width_chars * size / 2 + 1;
            proptest::prop_assert_eq!(break_lines(&text, &f, width), reference::break_lines(&text, &f, width), "{:?} at {}", text, width);
            proptest::prop_assert_eq!(atoms(&text), reference::atoms(&text));
        }
    }

    fn texts(s: &str) -> Vec<String> {
        atoms(s)
            .into_iter()
            .map(|a| match a {
                Atom::Text(t) => t,
                Atom::Space(_) => "␠".into(),
                Atom::Newline => "⏎".into(),
            })
            .collect()
    }

    #[test]
    fn punctuation_glues() {
        assert_eq!(texts("你好，世界。"), ["你", "好，", "世", "界。"]);
        assert_eq!(texts("请看《通知》。"), ["请", "看", "《通", "知》。"]);
        assert_eq!(texts("他说——好……"), ["他", "说——", "好……"]);
        assert_eq!(texts("“停水”"), ["“停", "水”"]);
    }

    #[test]
    fn latin_words_and_numbers_are_units() {
        assert_eq!(texts("8:00至18:00停水"), ["8:00", "至", "18:00", "停", "水"]);
        assert_eq!(texts("拨打12345热线"), ["拨", "打", "12345", "热", "线"]);
        assert_eq!(
            texts("see www.yiling.gov.cn now"),
            ["see", "␠", "www.yiling.gov.cn", "␠", "now"]
        );
        assert_eq!(texts("(AQI)"), ["(AQI)"]);
        assert_eq!(texts("一\n\n二"), ["一", "⏎", "⏎", "二"]);
    }
}
