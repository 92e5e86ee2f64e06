//! The style words shared by the playlists, the portal's messages, the renderer and the card:
//! how text enters the board ([`Effect`]) and its colour ([`TextColor`]). Defined once, here,
//! with their names; the playlists, the fonts crate and the command line all use these.

use serde::{Deserialize, Serialize};

/// The text sizes, in pixels, that the board's fonts come in (the built-in fonts, and the sizes a
/// playlist or the portal may ask for), smallest first.
pub const FONT_SIZES: [u32; 4] = [12, 16, 24, 32];

/// Whether `px` is one of [`FONT_SIZES`].
pub fn is_font_size(px: u32) -> bool {
    FONT_SIZES.contains(&px)
}

/// The largest font size no larger than `limit` (the smallest size when none is).
pub fn largest_font_size(limit: u32) -> u32 {
    FONT_SIZES
        .iter()
        .rev()
        .copied()
        .find(|s| *s <= limit)
        .unwrap_or(FONT_SIZES[0])
}

/// The sizes as words for messages: "12, 16, 24 or 32".
pub fn font_sizes_text() -> String {
    let n = FONT_SIZES.len();
    let head: Vec<String> = FONT_SIZES[..n - 1].iter().map(u32::to_string).collect();
    format!("{} or {}", head.join(", "), FONT_SIZES[n - 1])
}

/// How pages enter the board (the card animates; the renderer produces the pages).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Effect {
    /// Static when the text fits one page; otherwise scrolling on one-line boards, paging on others.
    #[default]
    Auto,
    Static,
    ScrollLeft,
    ScrollUp,
    Flash,
    Typewriter,
}

impl Effect {
    /// Every effect, in the order the CLI lists them.
    pub const ALL: [Self; 6] = [
        Self::Auto,
        Self::Static,
        Self::ScrollLeft,
        Self::ScrollUp,
        Self::Flash,
        Self::Typewriter,
    ];
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "auto" => Self::Auto,
            "static" => Self::Static,
            "scroll-left" => Self::ScrollLeft,
            "scroll-up" => Self::ScrollUp,
            "flash" => Self::Flash,
            "typewriter" => Self::Typewriter,
            _ => return None,
        })
    }
    pub fn name(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::Static => "static",
            Self::ScrollLeft => "scroll-left",
            Self::ScrollUp => "scroll-up",
            Self::Flash => "flash",
            Self::Typewriter => "typewriter",
        }
    }
}

/// Text colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum TextColor {
    #[default]
    Red,
    Green,
    Yellow,
}

impl TextColor {
    pub const ALL: [Self; 3] = [Self::Red, Self::Green, Self::Yellow];
    pub fn name(self) -> &'static str {
        match self {
            Self::Red => "red",
            Self::Green => "green",
            Self::Yellow => "yellow",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "red" => Self::Red,
            "green" => Self::Green,
            "yellow" => Self::Yellow,
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn font_sizes() {
        assert_eq!(font_sizes_text(), "12, 16, 24 or 32");
        assert_eq!(largest_font_size(20), 16);
        assert_eq!(largest_font_size(100), 32);
        assert_eq!(largest_font_size(8), 12);
        assert!(is_font_size(24) && !is_font_size(20));
        for e in Effect::ALL {
            assert_eq!(Effect::parse(e.name()), Some(e));
        }
        for c in TextColor::ALL {
            assert_eq!(TextColor::parse(c.name()), Some(c));
        }
    }
}
