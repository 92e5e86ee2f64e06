//! The inline escapes of font-card text (docs/protocol.md C.4), written by the driver and read by
//! the simulator through this one module:
//!
//! * `\C1`, `\C2`, `\C3`: red, green, yellow (the first colour escape wins);
//! * `\F` + four ASCII characters — language (`O` Chinese), encoding (`0` GB2312), family (`0`) and
//!   size (`0` = 16 px, `1` = 24 px, `2` = 32 px) — selects a font, as captured from real cards:
//!   `\FO000`;
//! * `\n`: a new line.

use crate::style::TextColor;

/// Font-card text taken apart: what a reader sees, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StyledText {
    pub text: String,
    /// Pixel height of the card's font: 16, 24 or 32.
    pub size: u32,
    pub color: TextColor,
}

/// The font sizes a font card has, and their digit in `\F`.
const SIZES: [(u32, char); 3] = [(16, '0'), (24, '1'), (32, '2')];

/// The colour's code in `\C` (1 red, 2 green, 3 yellow).
pub fn color_code(c: TextColor) -> u8 {
    match c {
        TextColor::Red => 1,
        TextColor::Green => 2,
        TextColor::Yellow => 3,
    }
}

/// The card's font for a wanted size: the largest it has that is no larger (16 px at least).
pub fn card_font_size(px: u32) -> u32 {
    SIZES.iter().rev().map(|s| s.0).find(|s| *s <= px).unwrap_or(16)
}

/// `text` with the escapes that select `color` and the card font for `size` px in front.
pub fn compose(text: &str, size: u32, color: TextColor) -> String {
    let size = card_font_size(size);
    let digit = SIZES.iter().find(|s| s.0 == size).map_or('0', |s| s.1);
    format!("\\C{}\\FO00{digit}{text}", color_code(color))
}

/// Take the escapes out of font-card text: the text as shown, its font size and colour (16 px
/// red when the text does not say). Unknown escapes stay in the text as typed.
pub fn parse(raw: &str) -> StyledText {
    let mut text = String::with_capacity(raw.len());
    let (mut size, mut color) = (None, None);
    let chars: Vec<char> = raw.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '\\' && i + 1 < chars.len() {
            match chars[i + 1] {
                'C' if chars.get(i + 2).is_some_and(char::is_ascii_digit) => {
                    color.get_or_insert(match chars[i + 2] {
                        '2' => TextColor::Green,
                        '3' => TextColor::Yellow,
                        _ => TextColor::Red,
                    });
                    i += 3;
                    continue;
                }
                'F' if i + 5 < chars.len() => {
                    let digit = chars[i + 5];
                    size.get_or_insert(SIZES.iter().find(|s| s.1 == digit).map_or(16, |s| s.0));
                    i += 6;
                    continue;
                }
                'n' => {
                    text.push('\n');
                    i += 2;
                    continue;
                }
                _ => {}
            }
        }
        text.push(chars[i]);
        i += 1;
    }
    StyledText {
        text,
        size: size.unwrap_or(16),
        color: color.unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn as_captured_from_real_cards() {
        assert_eq!(compose("停水", 16, TextColor::Red), "\\C1\\FO000停水");
        assert_eq!(compose("停水", 32, TextColor::Yellow), "\\C3\\FO002停水");
        // A card has no 12 px font: the smallest it has.
        assert_eq!(compose("x", 12, TextColor::Green), "\\C2\\FO000x");
        let p = parse("\\C2\\FO001夷陵\\n区\\C1");
        assert_eq!((p.text.as_str(), p.size, p.color), ("夷陵\n区", 24, TextColor::Green));
        assert_eq!(parse("plain \\x").text, "plain \\x");
    }

    proptest::proptest! {
        #[test]
        fn parse_reads_what_compose_writes(text in "[^\\\\]{0,20}", size in 12u32..40, c in 0usize..3) {
            let color = TextColor::ALL[c];
            let p = parse(&compose(&text, size, color));
            proptest::prop_assert_eq!(p, StyledText { text, size: card_font_size(size), color });
        }
    }
}
