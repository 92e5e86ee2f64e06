//! Chinese line breaking (GB/T 15834 punctuation rules, as typesetters apply them):
//!
//! * closing punctuation (，。、；：？！）」』》】… and the like) never starts a line: it is kept
//!   with the character before it;
//! * opening punctuation (（「『《【“‘ …) never ends a line: it is kept with the character after it;
//! * the two halves of —— and …… are never separated;
//! * a run of Latin letters, digits and ASCII symbols (`8:00`, `12345`, `www.yiling.gov.cn`) is
//!   not split unless it is longer than a line;
//! * explicit newlines are kept; spaces at the start or end of a wrapped line disappear;
//! * full-width punctuation gives up the blank half of its cell where typesetters compress it
//!   (GB/T 15834 and the W3C's *Requirements for Chinese Text Layout*, 3.1.6): an opening
//!   bracket or quote at a line start (【暴雨红色预警】 starts flush), a closing mark at a line end
//!   (so a line may take one more character when only that half would overflow, and centred lines
//!   sit in the middle), and the first of two marks in a row (：“ ，“ 。」 ）（). Which half is blank
//!   is read from the glyph itself: a mark is compressed only where its ink leaves that half
//!   empty, so a font that centres ？ and ！ keeps them whole. [`Placed`] says where each
//!   character of a line goes; the line breaker and the renderer both use it.

use std::ops::Range;

use crate::font::{FontSet, Source};

/// Characters that may not start a line.
pub const NO_LINE_START: &str = "，。、；：？！）」』》】〕〉〗〙〛”’…—·‥％℃°′″,.;:?!)]}%～々ゝゞ";
/// Characters that may not end a line.
pub const NO_LINE_END: &str = "（「『《【〔〈〖〘〚“‘([{￥$＄";

/// The characters of `s`, sorted, as a table made at compile time (so that a look-up is a binary
/// search, and the lists above stay the one place the rules are written).
const fn sorted<const N: usize>(s: &str) -> [char; N] {
    let b = s.as_bytes();
    let mut out = ['\0'; N];
    let (mut i, mut n) = (0, 0);
    while i < b.len() {
        // UTF-8: the length of a character from its first byte.
        let (len, first) = match b[i] {
            0x00..=0x7F => (1, b[i] as u32),
            0xC0..=0xDF => (2, (b[i] & 0x1F) as u32),
            0xE0..=0xEF => (3, (b[i] & 0x0F) as u32),
            _ => (4, (b[i] & 0x07) as u32),
        };
        let mut code = first;
        let mut k = 1;
        while k < len {
            code = (code << 6) | (b[i + k] & 0x3F) as u32;
            k += 1;
        }
        out[n] = match char::from_u32(code) {
            Some(c) => c,
            None => panic!("not UTF-8"),
        };
        n += 1;
        i += len;
    }
    assert!(n == N, "the table's length is the list's character count");
    // Insertion sort: the lists are short, and this runs once, in the compiler.
    let mut j = 1;
    while j < N {
        let mut k = j;
        while k > 0 && (out[k - 1] as u32) > (out[k] as u32) {
            let t = out[k - 1];
            out[k - 1] = out[k];
            out[k] = t;
            k -= 1;
        }
        j += 1;
    }
    out
}

/// The number of characters of `s`, at compile time.
const fn char_count(s: &str) -> usize {
    let b = s.as_bytes();
    let (mut i, mut n) = (0, 0);
    while i < b.len() {
        // Every byte but a continuation byte starts a character.
        if b[i] & 0xC0 != 0x80 {
            n += 1;
        }
        i += 1;
    }
    n
}

static CLOSING: [char; char_count(NO_LINE_START)] = sorted(NO_LINE_START);
static OPENING: [char; char_count(NO_LINE_END)] = sorted(NO_LINE_END);

/// Most characters are ideographs or ASCII letters and digits, which are neither opening nor
/// closing punctuation: answer those without searching the lists.
#[inline]
fn plain(c: char) -> bool {
    c.is_ascii_alphanumeric() || ('\u{4E00}'..='\u{9FFF}').contains(&c)
}
fn is_closing(c: char) -> bool {
    !plain(c) && CLOSING.binary_search(&c).is_ok()
}
fn is_opening(c: char) -> bool {
    !plain(c) && OPENING.binary_search(&c).is_ok()
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

/// Full-width punctuation (the marks whose blank half may be compressed).
fn is_punct(c: char) -> bool {
    !plain(c) && !c.is_ascii() && (CLOSING.binary_search(&c).is_ok() || OPENING.binary_search(&c).is_ok())
}

/// The blank halves of a full-width punctuation mark's cell that may be compressed, in pixels:
/// (left, right), from the primary font ([`crate::BitmapFont::blank_halves`]); nothing for other
/// characters and for marks drawn from the fallback font.
pub fn blank_halves(fonts: &FontSet<'_>, c: char) -> (u32, u32) {
    if plain(c) || c.is_ascii() {
        return (0, 0);
    }
    fonts.primary.blank_halves(c)
}

/// Pixels compressed between two neighbouring characters `a` and `b` of a line: the blank right
/// half of a closing mark before another mark, or else the blank left half of an opening mark
/// after a mark.
pub fn pair_cut(fonts: &FontSet<'_>, a: char, b: char) -> u32 {
    if !is_punct(a) || !is_punct(b) {
        return 0;
    }
    match blank_halves(fonts, a) {
        (_, 0) => blank_halves(fonts, b).0,
        (_, right) => right,
    }
}

/// One character of a line, placed: its glyph is drawn `cut_left` pixels left of the pen, and
/// the pen then moves on by `advance`.
#[derive(Debug, Clone, Copy)]
pub struct Place<'f> {
    /// Byte offset of the character in the line.
    pub at: usize,
    /// The character as drawn (a tab is a space).
    pub ch: char,
    /// Where its glyph comes from.
    pub source: Source<'f>,
    pub cut_left: u32,
    pub advance: u32,
}

/// The characters of one line (as it will be shown: its first character starts the line, its
/// last ends it), placed with punctuation compressed. The sum of the advances is the line's width.
#[derive(Debug, Clone)]
pub struct Placed<'s, 'f> {
    fonts: FontSet<'f>,
    chars: std::iter::Peekable<std::str::CharIndices<'s>>,
    /// Byte offset of `chars` in the line.
    base: usize,
    /// The character before the next one, and its blank halves.
    prev: Option<(char, (u32, u32))>,
}

impl<'s, 'f> Placed<'s, 'f> {
    pub fn new(fonts: FontSet<'f>, line: &'s str) -> Self {
        Self::resume(fonts, line, 0)
    }

    /// The characters of `line` from byte offset `at` on (a character boundary), placed as in
    /// the whole line: what [`Placed::new`] gives from there, without walking the part before.
    pub fn resume(fonts: FontSet<'f>, line: &'s str, at: usize) -> Self {
        let at = (0..=at.min(line.len()))
            .rev()
            .find(|&i| line.is_char_boundary(i))
            .unwrap_or(0);
        let prev = line[..at].chars().next_back().map(|c| {
            let c = shown(c);
            (c, blank_halves(&fonts, c))
        });
        Self {
            fonts,
            chars: line[at..].char_indices().peekable(),
            base: at,
            prev,
        }
    }
}

impl<'f> Iterator for Placed<'_, 'f> {
    type Item = Place<'f>;

    fn next(&mut self) -> Option<Place<'f>> {
        let fonts = &self.fonts;
        let (at, c) = self.chars.next()?;
        let at = self.base + at;
        let ch = shown(c);
        let halves = blank_halves(fonts, ch);
        // (Most characters have no blank half: nothing to look at around them.)
        let cut_left = match self.prev {
            _ if halves.0 == 0 => 0,
            None => halves.0,
            Some((a, (_, 0))) if is_punct(a) => halves.0,
            Some(_) => 0,
        };
        let cut_right = match self.chars.peek() {
            _ if halves.1 == 0 => 0,
            None => halves.1,
            Some(&(_, b)) if is_punct(b) => halves.1,
            Some(_) => 0,
        };
        self.prev = Some((ch, halves));
        let source = fonts.source(ch);
        Some(Place {
            at,
            ch,
            source,
            cut_left,
            advance: fonts.advance_of(ch, source) - cut_left - cut_right,
        })
    }
}

/// Width of `s` set as a whole line, punctuation compressed.
pub fn line_width(fonts: &FontSet<'_>, s: &str) -> u32 {
    Placed::new(*fonts, s).map(|p| p.advance).sum()
}

/// Width of a source range in the middle of a line (tabs as spaces): marks inside it compressed
/// against each other, but neither end compressed.
fn measure(fonts: &FontSet<'_>, s: &str) -> u32 {
    // The mark just before, if the character before was one.
    let mut mark: Option<char> = None;
    let mut w = 0;
    for c in s.chars().map(shown) {
        w += fonts.advance(c);
        if is_punct(c) {
            if let Some(a) = mark {
                w -= pair_cut(fonts, a, c);
            }
            mark = Some(c);
        } else {
            mark = None;
        }
    }
    w
}

/// What joining `b` to a line that ends in `last` (`None`: an empty line) saves.
fn join_cut(fonts: &FontSet<'_>, last: Option<char>, b: char) -> u32 {
    match last {
        None => blank_halves(fonts, b).0,
        Some(a) => pair_cut(fonts, a, b),
    }
}

/// What ending a line with `c` saves.
fn end_cut(fonts: &FontSet<'_>, c: char) -> u32 {
    blank_halves(fonts, c).1
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

    /// Break `text` into lines no wider than `width` pixels (see [`LineBreaker::lines`]), as
    /// [`line_width`] measures them.
    pub fn break_lines(&mut self, text: &str, fonts: &FontSet<'_>, width: u32) {
        atom_spans(text, &mut self.atoms);
        let lines = &mut self.lines;
        lines.clear();
        // The line being built, as a range of `text` (empty: nothing yet), and its width as if
        // it went on (its start compressed, its end not: what ending it saves is added at the
        // check that decides where it ends).
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
        let last = |line: &Range<usize>| text[line.clone()].chars().next_back().map(shown);
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
                    let t = &text[r.clone()];
                    let (first, end) = match (t.chars().next(), t.chars().next_back()) {
                        (Some(f), Some(e)) => (shown(f), end_cut(fonts, shown(e))),
                        _ => continue,
                    };
                    let tw = measure(fonts, t);
                    let joined = w + tw - join_cut(fonts, last(&line), first);
                    if joined - end <= width {
                        append(&mut line, r);
                        w = joined;
                        continue;
                    }
                    if trim_end(&text[line.clone()]).is_empty() {
                        line = 0..0;
                        w = 0;
                    } else {
                        finish(&mut line, &mut w, lines);
                    }
                    let alone = tw - join_cut(fonts, None, first);
                    if alone - end <= width {
                        line = r.clone();
                        w = alone;
                        continue;
                    }
                    // Longer than a line: split it, at the last place the rules allow.
                    for (i, c) in t.char_indices() {
                        let at = r.start + i;
                        let c = shown(c);
                        let (cw, end) = (fonts.advance(c), end_cut(fonts, c));
                        let fits = |line: &Range<usize>, w: u32| w + cw - join_cut(fonts, last(line), c) - end <= width;
                        if !fits(&line, w) && line.start != line.end {
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
                            if let Some(f) = text[line.clone()].chars().next() {
                                w -= join_cut(fonts, None, shown(f));
                            }
                            if !fits(&line, w) && line.start != line.end {
                                // The carried-over part and this character still do not fit.
                                finish(&mut line, &mut w, lines);
                            }
                        }
                        w = w + cw - join_cut(fonts, last(&line), c);
                        append(&mut line, &(at..at + c.len_utf8()));
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

        /// Break text into lines no wider than `width` pixels: every candidate line measured
        /// from scratch, as a whole line, with [`crate::typeset::line_width`].
        pub(super) fn break_lines(text: &str, fonts: &FontSet<'_>, width: u32) -> Vec<String> {
            let fits = |line: &str, more: &str| crate::typeset::line_width(fonts, &format!("{line}{more}")) <= width;
            let mut lines = Vec::new();
            let mut line = String::new();
            let finish = |line: &mut String, lines: &mut Vec<String>| {
                lines.push(line.trim_end_matches(' ').to_string());
                line.clear();
            };
            for atom in atoms(text) {
                match atom {
                    Atom::Newline => finish(&mut line, &mut lines),
                    Atom::Space(s) => {
                        if !line.is_empty() {
                            if fits(&line, &s) {
                                line.push_str(&s);
                            } else {
                                finish(&mut line, &mut lines);
                            }
                        }
                    }
                    Atom::Text(t) => {
                        if fits(&line, &t) {
                            line.push_str(&t);
                            continue;
                        }
                        if line.trim_end_matches(' ').is_empty() {
                            line.clear();
                        } else {
                            finish(&mut line, &mut lines);
                        }
                        if fits("", &t) {
                            line.push_str(&t);
                        } else {
                            // Longer than a line: split it, at the last place the rules allow.
                            for c in t.chars() {
                                if !fits(&line, &c.to_string()) && !line.is_empty() {
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
                                    finish(&mut line, &mut lines);
                                    // Spaces at the start of a wrapped line disappear.
                                    tail.trim_start_matches(' ').clone_into(&mut line);
                                    if !fits(&line, &c.to_string()) && !line.is_empty() {
                                        // The carried-over part and this character still do not fit.
                                        finish(&mut line, &mut lines);
                                    }
                                }
                                line.push(c);
                            }
                        }
                    }
                }
            }
            if !line.is_empty() || lines.is_empty() {
                finish(&mut line, &mut lines);
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
    fn the_lookup_tables_hold_the_lists() {
        assert_eq!(CLOSING.len(), NO_LINE_START.chars().count());
        assert_eq!(OPENING.len(), NO_LINE_END.chars().count());
        assert!(CLOSING.is_sorted() && OPENING.is_sorted());
        for c in NO_LINE_START.chars() {
            assert!(is_closing(c) && !is_opening(c), "{c}");
        }
        for c in NO_LINE_END.chars() {
            assert!(is_opening(c) && !is_closing(c), "{c}");
        }
        assert!(!is_closing('夷') && !is_opening('a') && !is_closing(' '));
    }

    #[test]
    fn a_mark_gives_up_only_a_half_its_glyph_leaves_blank() {
        // 16x16 glyphs, every row alike: a centred ？, a 。 and a 」 inked on the left, a 「 on
        // the right, and a full 夷.
        let glyph = |c: char, row: u16| format!("{:04X}:{}\n", u32::from(c), format!("{row:04X}").repeat(16));
        let hex = [
            ('？', 0x0180),
            ('。', 0x6000),
            ('」', 0x4000),
            ('「', 0x0006),
            ('夷', 0xFFFF),
        ]
        .map(|(c, r)| glyph(c, r))
        .concat();
        let font = crate::BitmapFont::from_unifont_hex(&hex).unwrap();
        let f = FontSet {
            primary: &font,
            fallback: None,
        };
        assert_eq!(blank_halves(&f, '？'), (0, 0));
        assert_eq!(blank_halves(&f, '。'), (0, 8));
        assert_eq!(blank_halves(&f, '「'), (8, 0));
        assert_eq!(blank_halves(&f, '夷'), (0, 0));
        // Line start and line end.
        assert_eq!(line_width(&f, "「夷。"), 8 + 16 + 8);
        assert_eq!(line_width(&f, "夷？"), 32);
        // Two marks in a row: the first gives up its blank right half if it has one, else the
        // second its blank left half.
        assert_eq!(line_width(&f, "夷。「夷"), 16 + 8 + 16 + 16);
        assert_eq!(line_width(&f, "夷？「夷"), 16 + 16 + 8 + 16);
        assert_eq!(line_width(&f, "夷。」夷"), 16 + 8 + 16 + 16);
        // Not before or after a character that is not punctuation.
        assert_eq!(line_width(&f, "夷。夷"), 48);
        let placed: Vec<(char, u32, u32)> = Placed::new(f, "「夷？「夷。")
            .map(|p| (p.ch, p.cut_left, p.advance))
            .collect();
        assert_eq!(
            placed,
            [
                ('「', 8, 8),
                ('夷', 0, 16),
                ('？', 0, 16),
                ('「', 8, 8),
                ('夷', 0, 16),
                ('。', 0, 8)
            ]
        );
        // Resumed part-way, the places are those of the whole line.
        let whole: Vec<(usize, u32, u32)> = Placed::new(f, "「夷？「夷。")
            .map(|p| (p.at, p.cut_left, p.advance))
            .collect();
        for (k, &(at, _, _)) in whole.iter().enumerate() {
            let resumed: Vec<(usize, u32, u32)> = Placed::resume(f, "「夷？「夷。", at)
                .map(|p| (p.at, p.cut_left, p.advance))
                .collect();
            assert_eq!(resumed, whole[k..]);
        }
        // The breaker measures the same way: 「夷。 fits in 32 px.
        assert_eq!(break_lines("「夷。「夷。", &f, 32), ["「夷。", "「夷。"]);
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
