//! The card models Pinghu speaks to, by the names users write (`bx-5e`, `bx-6e`, `bx-5k`,
//! `bx-6k`): which protocol family each uses and what it reports about itself.

use serde::{Deserialize, Serialize};

/// The widest board Pinghu drives, in pixels.
pub const MAX_BOARD_WIDTH: u32 = 4096;
/// The tallest board Pinghu drives, in pixels.
pub const MAX_BOARD_HEIGHT: u32 = 1024;

/// Why a board size cannot be used, or `None` when it can: both sides at least 1 pixel, at most
/// [`MAX_BOARD_WIDTH`] × [`MAX_BOARD_HEIGHT`].
///
/// The wire allows 65 535 pixels a side, but the text boards of this card family are a few
/// hundred pixels across, and a frame of the wire's largest size would take gigabytes. So every
/// place a size comes in — `--width`/`--height`, `--board`, the daemon's `[screen]`, a card's
/// ping reply, a font card's `C000` screen parameters — asks here, and says the same thing.
pub fn board_size_problem(width: u32, height: u32) -> Option<String> {
    if width == 0 || height == 0 {
        Some(format!(
            "the board size {width}x{height} is empty: width and height must be at least 1 pixel"
        ))
    } else if width > MAX_BOARD_WIDTH || height > MAX_BOARD_HEIGHT {
        Some(format!(
            "the board size {width}x{height} is larger than Pinghu drives: at most \
             {MAX_BOARD_WIDTH}x{MAX_BOARD_HEIGHT} pixels (is a number mistyped?)"
        ))
    } else {
        None
    }
}

/// A card model (and so its protocol).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CardModel {
    /// Graphic card, 5th-generation `A7 00` layout (BX-5E).
    Bx5e,
    /// Graphic card, 6th-generation layout (BX-6E).
    Bx6e,
    /// Font card; X and width in units of 8 pixels (BX-5K).
    Bx5k,
    /// Font card; pixel units (BX-6K).
    Bx6k,
}

impl CardModel {
    /// All models, in the order probing tries them.
    pub const ALL: [Self; 4] = [Self::Bx5k, Self::Bx6k, Self::Bx5e, Self::Bx6e];

    /// `bx-5e` → `Bx5e`; `None` for anything else.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.name() == s)
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Bx5e => "bx-5e",
            Self::Bx6e => "bx-6e",
            Self::Bx5k => "bx-5k",
            Self::Bx6k => "bx-6k",
        }
    }

    /// Graphic protocol (0xF0) rather than font card (0x02).
    pub fn is_graphic(self) -> bool {
        matches!(self, Self::Bx5e | Self::Bx6e)
    }

    /// The device-type code such a card reports (and a host may address graphic cards with):
    /// BX-5E2, BX-6E2, BX-5K1, BX-6K2.
    pub fn device_type(self) -> u16 {
        match self {
            Self::Bx5e => 0x0254,
            Self::Bx6e => 0x0274,
            Self::Bx5k => 0x0051,
            Self::Bx6k => 0x0062,
        }
    }

    /// A text area's X or width in pixels, in the units the card counts them (docs/protocol.md
    /// C.4): bytes of 8 pixels on 5K cards (rounded up), pixels on 6K cards.
    pub fn to_area_units(self, px: u32) -> u16 {
        let v = if self == Self::Bx5k { px.div_ceil(8) } else { px };
        u16::try_from(v).unwrap_or(u16::MAX)
    }

    /// A text area's X or width as the card reads it, in pixels: 5K cards count bytes of 8
    /// pixels unless bit 15 is set (then pixels); 6K cards count pixels (bit 15 ignored).
    pub fn area_units_to_px(self, v: u16) -> u32 {
        if self == Self::Bx5k && v & 0x8000 == 0 {
            u32::from(v) * 8
        } else {
            u32::from(v & 0x7FFF)
        }
    }

    /// Most dynamic areas the card keeps (docs/protocol.md C.4: 4 on 5th gen, 32 on 6th).
    pub fn max_areas(self) -> usize {
        match self {
            Self::Bx5e | Self::Bx5k => 4,
            Self::Bx6e | Self::Bx6k => 32,
        }
    }
}

impl std::fmt::Display for CardModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_area_units_round_trip() {
        assert_eq!(CardModel::Bx5k.to_area_units(100), 13);
        assert_eq!(CardModel::Bx5k.area_units_to_px(13), 104);
        assert_eq!(CardModel::Bx5k.area_units_to_px(0x8000 | 0x64), 100);
        assert_eq!(CardModel::Bx6k.to_area_units(100), 100);
        assert_eq!(CardModel::Bx6k.area_units_to_px(100), 100);
        for m in CardModel::ALL {
            for px in [0, 8, 64, 128, 192] {
                assert_eq!(m.area_units_to_px(m.to_area_units(px)), px, "{m:?} {px}");
            }
        }
    }

    #[test]
    fn board_sizes_have_one_limit() {
        assert_eq!(board_size_problem(192, 64), None);
        assert_eq!(board_size_problem(MAX_BOARD_WIDTH, MAX_BOARD_HEIGHT), None);
        assert!(board_size_problem(0, 32).unwrap().contains("empty"));
        let e = board_size_problem(100_000, 64).unwrap();
        assert!(e.contains("100000x64") && e.contains("at most 4096x1024"), "{e}");
        assert!(board_size_problem(192, MAX_BOARD_HEIGHT + 1).is_some());
    }
}
