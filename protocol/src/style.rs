//! The style words shared by the playlists, the portal's messages, the renderer and the card:
//! how text enters the board ([`Effect`]) and its colour ([`TextColor`]). Defined once, here,
//! with their names; the playlists, the fonts crate and the command line all use these.

use serde::{Deserialize, Serialize};

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
