//! Chinese line breaking (GB/T 15834 punctuation rules, as typesetters apply them):
//!
//! * closing punctuation (，。、；：？！）」』》】… and the like) never starts a line: it is kept
//!   with the character before it;
//! * opening punctuation (（「『《【“‘ …) never ends a line: it is kept with the character after it;
//! * the two halves of —— and …… are never separated;
//! * a run of Latin letters, digits and ASCII symbols (`8:00`, `12345`, `www.yiling.gov.cn`) is
//!   not split unless it is longer than a line;
//! * explicit newlines are kept; spaces at the start or end of a wrapped line disappear.

use crate::font::FontSet;

/// Characters that may not start a line.
pub const NO_LINE_START: &str = "，。、；：？！）」』》】〕〉〗〙〛”’…—·‥％℃°′″,.;:?!)]}%～々ゝゞ";
/// Characters that may not end a line.
pub const NO_LINE_END: &str = "（「『《【〔〈〖〘〚“‘([{￥$＄";

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
pub fn break_allowed(a: char, b: char) -> bool {
    let inside_word = a.is_ascii_alphanumeric() && b.is_ascii_alphanumeric();
    !(is_closing(b) || is_opening(a) || inside_word)
}

/// An unbreakable piece of text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Atom {
    Text(String),
    Space(String),
    Newline,
}

/// Cut text into atoms that lines may break between.
pub fn atoms(text: &str) -> Vec<Atom> {
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
pub fn break_lines(text: &str, fonts: &FontSet<'_>, width: u32) -> Vec<String> {
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

#[cfg(test)]
mod tests {
    use super::*;

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
