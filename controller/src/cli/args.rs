//! Typed values of the command line: clap parses and validates them (a wrong value is a usage
//! error listing the possible ones), and each maps to the library's own type in one place.

use std::time::Duration;

use clap::ValueEnum;
use pinghu_fonts::{Align, ColorMode, Effect, TextColor, VAlign};

use crate::card::device::Protocol;

/// `--color`: the text colour on dual-colour boards.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorArg {
    Red,
    Green,
    Yellow,
}

impl From<ColorArg> for TextColor {
    fn from(c: ColorArg) -> Self {
        match c {
            ColorArg::Red => Self::Red,
            ColorArg::Green => Self::Green,
            ColorArg::Yellow => Self::Yellow,
        }
    }
}

/// `--colors`: the board's LEDs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorsArg {
    Mono,
    RedGreen,
}

impl From<ColorsArg> for ColorMode {
    fn from(c: ColorsArg) -> Self {
        match c {
            ColorsArg::Mono => Self::Mono,
            ColorsArg::RedGreen => Self::RedGreen,
        }
    }
}

/// `--align`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AlignArg {
    /// Centre a single line, left-align the rest
    Auto,
    Left,
    #[value(alias = "centre")]
    Center,
    Right,
}

impl From<AlignArg> for Align {
    fn from(a: AlignArg) -> Self {
        match a {
            AlignArg::Auto => Self::Auto,
            AlignArg::Left => Self::Left,
            AlignArg::Center => Self::Center,
            AlignArg::Right => Self::Right,
        }
    }
}

/// `--valign`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum VAlignArg {
    Top,
    Middle,
    Bottom,
}

impl From<VAlignArg> for VAlign {
    fn from(a: VAlignArg) -> Self {
        match a {
            VAlignArg::Top => Self::Top,
            VAlignArg::Middle => Self::Middle,
            VAlignArg::Bottom => Self::Bottom,
        }
    }
}

/// `--effect`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EffectArg {
    /// Static when it fits one page; else scrolling on one-line boards, paging on others
    Auto,
    Static,
    ScrollLeft,
    ScrollUp,
    Flash,
    Typewriter,
}

impl From<EffectArg> for Effect {
    fn from(e: EffectArg) -> Self {
        match e {
            EffectArg::Auto => Self::Auto,
            EffectArg::Static => Self::Static,
            EffectArg::ScrollLeft => Self::ScrollLeft,
            EffectArg::ScrollUp => Self::ScrollUp,
            EffectArg::Flash => Self::Flash,
            EffectArg::Typewriter => Self::Typewriter,
        }
    }
}

/// `--protocol`: a card model, or `auto` to ask the card.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProtocolArg {
    /// Ask the card
    Auto,
    #[value(name = "bx-5e")]
    Bx5e,
    #[value(name = "bx-6e")]
    Bx6e,
    #[value(name = "bx-5k")]
    Bx5k,
    #[value(name = "bx-6k")]
    Bx6k,
}

impl ProtocolArg {
    /// The model, or `None` for `auto`.
    pub fn model(self) -> Option<Protocol> {
        match self {
            Self::Auto => None,
            Self::Bx5e => Some(Protocol::Bx5e),
            Self::Bx6e => Some(Protocol::Bx6e),
            Self::Bx5k => Some(Protocol::Bx5k),
            Self::Bx6k => Some(Protocol::Bx6k),
        }
    }
}

/// `on` or `off`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OnOff {
    On,
    Off,
}

/// `pinghu log export --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// The log's own lines, every segment in order
    Jsonl,
    Csv,
}

/// A duration such as `2s`, `500ms` or `1.5s` (a bare number is seconds).
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let bad = || format!("{s:?} is not a duration: use e.g. 2s or 500ms");
    let (num, unit) = s
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .map_or((s, "s"), |i| s.split_at(i));
    let v: f64 = num.parse().map_err(|_| bad())?;
    let secs = match unit {
        "ms" => v / 1000.0,
        "s" => v,
        _ => return Err(bad()),
    };
    Duration::try_from_secs_f64(secs).map_err(|_| bad())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_protocol_names() {
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("2"), Ok(Duration::from_secs(2)));
        assert!(parse_duration("2min").unwrap_err().contains("e.g. 2s"));
        assert!(parse_duration("1e999").is_err());
        // The CLI names are the codec's model names: one vocabulary.
        for m in Protocol::ALL {
            let arg = ProtocolArg::from_str(m.name(), false).unwrap();
            assert_eq!(arg.model(), Some(m));
        }
        assert_eq!(ColorsArg::from_str("red-green", false), Ok(ColorsArg::RedGreen));
        assert_eq!(AlignArg::from_str("centre", false), Ok(AlignArg::Center));
    }
}
