//! The style words shared by the playlists, the portal's messages, the renderer and the card:
//! how text enters the board ([`Effect`]), how the card animates a page ([`Motion`], with its
//! codes in both protocols) and the text colour ([`TextColor`], with its font-card code). Defined
//! once, here, with their names; the playlists, the fonts crate, the command line, the driver and
//! the simulator all use these.

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

impl Effect {
    /// How the card animates pages of this effect. `Auto` is resolved by the renderer before
    /// anything is sent; sent unresolved, it is static.
    pub fn motion(self) -> Motion {
        match self {
            Self::ScrollLeft => Motion::MoveLeft,
            Self::ScrollUp => Motion::MoveUp,
            Self::Flash => Motion::Flash,
            Self::Typewriter => Motion::QuickType,
            Self::Static | Self::Auto => Motion::Static,
        }
    }
}

/// How the card brings a page onto the glass: the display modes of both protocols (docs/protocol.md
/// B.4 for graphic pages, C.4 for font-card text), as one vocabulary with each protocol's code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Motion {
    /// The card picks an effect (graphic cards only).
    Random,
    Static,
    QuickType,
    MoveLeft,
    MoveRight,
    MoveUp,
    MoveDown,
    /// Graphic cards only.
    Flash,
}

impl Motion {
    pub const ALL: [Self; 8] = [
        Self::Random,
        Self::Static,
        Self::QuickType,
        Self::MoveLeft,
        Self::MoveRight,
        Self::MoveUp,
        Self::MoveDown,
        Self::Flash,
    ];

    /// The words `pinghu wire decode` prints.
    pub fn name(self) -> &'static str {
        match self {
            Self::Random => "random",
            Self::Static => "static",
            Self::QuickType => "quick type-out",
            Self::MoveLeft => "move left",
            Self::MoveRight => "move right",
            Self::MoveUp => "move up",
            Self::MoveDown => "move down",
            Self::Flash => "flash",
        }
    }

    /// The page DisplayMode of the graphic protocol (B.4, B.7).
    pub fn graphic_code(self) -> u8 {
        match self {
            Self::Random => 0x00,
            Self::Static => 0x01,
            Self::QuickType => 0x02,
            Self::MoveLeft => 0x03,
            Self::MoveUp => 0x05,
            Self::Flash => 0x07,
            Self::MoveRight => 0x25,
            Self::MoveDown => 0x27,
        }
    }

    /// The text DispMode of font cards (C.4), which have neither random nor flash: those are
    /// sent as static.
    pub fn font_code(self) -> u8 {
        match self {
            Self::Random | Self::Static | Self::Flash => 0x01,
            Self::QuickType => 0x02,
            Self::MoveLeft => 0x03,
            Self::MoveRight => 0x04,
            Self::MoveUp => 0x05,
            Self::MoveDown => 0x06,
        }
    }

    /// The motion of a graphic DisplayMode code, if it is one.
    pub fn from_graphic_code(code: u8) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.graphic_code() == code)
    }

    /// The motion of a font-card DispMode code, if it is one.
    pub fn from_font_code(code: u8) -> Option<Self> {
        Self::ALL
            .into_iter()
            .filter(|m| !matches!(m, Self::Random | Self::Flash))
            .find(|m| m.font_code() == code)
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

    #[test]
    fn motion_codes_are_the_documented_ones() {
        // docs/protocol.md B.4 (graphic pages) and C.4 (font-card text), as literal bytes.
        let graphic = [
            (0x00, "random"),
            (0x01, "static"),
            (0x02, "quick type-out"),
            (0x03, "move left"),
            (0x05, "move up"),
            (0x07, "flash"),
            (0x25, "move right"),
            (0x27, "move down"),
        ];
        for (code, name) in graphic {
            assert_eq!(Motion::from_graphic_code(code).map(Motion::name), Some(name));
            assert_eq!(Motion::from_graphic_code(code).map(Motion::graphic_code), Some(code));
        }
        let font = [
            (1, "static"),
            (2, "quick type-out"),
            (3, "move left"),
            (4, "move right"),
            (5, "move up"),
            (6, "move down"),
        ];
        for (code, name) in font {
            assert_eq!(Motion::from_font_code(code).map(Motion::name), Some(name));
        }
        assert_eq!(Motion::from_font_code(0), None);
        assert_eq!(Motion::from_font_code(7), None);
        assert_eq!(Motion::Flash.font_code(), 1, "font cards have no flash");
        assert_eq!(Effect::ScrollLeft.motion().graphic_code(), 0x03);
        assert_eq!(Effect::Typewriter.motion().font_code(), 0x02);
        assert_eq!(Effect::Auto.motion(), Motion::Static);
    }
}
