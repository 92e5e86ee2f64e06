//! Typed values of the command line. clap parses and validates them with the vocabulary of the
//! types themselves (a wrong value is a usage error listing the possible ones): effects, colours
//! and alignment are the fonts crate's own types, card models the codec's; nothing is mirrored
//! here, so the command line cannot drift from what the renderer and the codec know.

use std::time::Duration;

use clap::ValueEnum;
use clap::builder::{PossibleValuesParser, TypedValueParser};
use pinghu_fonts::{Align, ColorMode, Effect, TextColor, VAlign};

use crate::card::device::CardModel;

/// A parser for a type whose values are `all`, named by `name`.
fn named<T: Copy + Send + Sync + 'static>(
    all: &'static [T],
    name: fn(T) -> &'static str,
) -> impl TypedValueParser<Value = T> {
    PossibleValuesParser::new(all.iter().map(|v| name(*v))).map(move |s| {
        all.iter().copied().find(|v| name(*v) == s).unwrap_or(all[0]) // clap only passes listed names
    })
}

/// `--effect`: how the pages change.
pub fn effect() -> impl TypedValueParser<Value = Effect> {
    named(&Effect::ALL, Effect::name)
}

/// `--color`: the text colour on dual-colour boards.
pub fn color() -> impl TypedValueParser<Value = TextColor> {
    named(&TextColor::ALL, TextColor::name)
}

/// `--colors`: the board's LEDs.
pub fn colors() -> impl TypedValueParser<Value = ColorMode> {
    named(&ColorMode::ALL, ColorMode::name)
}

/// `--align`.
pub fn align() -> impl TypedValueParser<Value = Align> {
    named(&Align::ALL, Align::name)
}

/// `--valign`.
pub fn valign() -> impl TypedValueParser<Value = VAlign> {
    named(&VAlign::ALL, VAlign::name)
}

/// `--width` of a board: 1 to the codec's limit (`pinghu_protocol::MAX_BOARD_WIDTH`), so a
/// mistyped size is a usage error instead of gigabytes of frame.
pub fn width() -> clap::builder::RangedI64ValueParser<u32> {
    clap::value_parser!(u32).range(1..=i64::from(pinghu_protocol::MAX_BOARD_WIDTH))
}

/// `--height` of a board: 1 to `pinghu_protocol::MAX_BOARD_HEIGHT`.
pub fn height() -> clap::builder::RangedI64ValueParser<u32> {
    clap::value_parser!(u32).range(1..=i64::from(pinghu_protocol::MAX_BOARD_HEIGHT))
}

/// `--module WxH`: the size of one LED module, e.g. 32x16.
pub fn module() -> impl TypedValueParser<Value = (u32, u32)> {
    clap::builder::NonEmptyStringValueParser::new().try_map(|s: String| {
        let size = |v: &str| v.parse::<u32>().ok().filter(|n| (1..=1024).contains(n));
        s.split_once('x')
            .and_then(|(w, h)| Some((size(w)?, size(h)?)))
            .ok_or_else(|| format!("{s:?} is not a module size: use WIDTHxHEIGHT in pixels, e.g. 32x16 or 64x32"))
    })
}

/// `--scale`: pixels per LED in the PNG files, 1 to 32.
pub fn scale() -> clap::builder::RangedI64ValueParser<u32> {
    clap::value_parser!(u32).range(1..=32)
}

/// A `--protocol` choice: a card model, or `None` for `auto` (ask the card).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProtocolChoice(pub Option<CardModel>);

/// `--protocol`: `auto` or one of the codec's model names.
pub fn protocol() -> impl TypedValueParser<Value = ProtocolChoice> {
    PossibleValuesParser::new(std::iter::once("auto").chain(CardModel::ALL.iter().map(|m| m.name())))
        .map(|s| ProtocolChoice(CardModel::parse(&s)))
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
    let bad = || format!("{s:?} is not a duration: use e.g. 2s, 500ms or 1m30s");
    // A bare number is seconds; anything else is jiff's friendly format (`2s`, `500ms`,
    // `1m 30s`, `2 minutes`) or ISO 8601 (`PT2S`).
    if let Ok(secs) = s.trim().parse::<f64>() {
        return Duration::try_from_secs_f64(secs).map_err(|_| bad());
    }
    let d: jiff::SignedDuration = s.trim().parse().map_err(|_| bad())?;
    Duration::try_from(d).map_err(|_| format!("{s:?} is negative: a duration is at least 0 s"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse<P: TypedValueParser>(p: &P, s: &str) -> Result<P::Value, clap::Error> {
        let cmd = clap::Command::new("t");
        p.parse_ref(&cmd, None, std::ffi::OsStr::new(s))
    }

    #[test]
    fn values_come_from_the_types_own_vocabulary() {
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("2"), Ok(Duration::from_secs(2)));
        assert_eq!(parse_duration("2min"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("1m 30s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("PT0.25S"), Ok(Duration::from_millis(250)));
        assert!(parse_duration("2 parsecs").unwrap_err().contains("e.g. 2s"));
        assert!(parse_duration("-2s").unwrap_err().contains("negative"));
        assert!(parse_duration("1e999").is_err());
        for m in CardModel::ALL {
            assert_eq!(parse(&protocol(), m.name()).unwrap(), ProtocolChoice(Some(m)));
        }
        assert_eq!(parse(&protocol(), "auto").unwrap(), ProtocolChoice(None));
        assert!(parse(&protocol(), "bx-9").is_err());
        for e in Effect::ALL {
            assert_eq!(parse(&effect(), e.name()).unwrap(), e);
            assert_eq!(Effect::parse(e.name()), Some(e));
        }
        assert_eq!(parse(&colors(), "red-green").unwrap(), ColorMode::RedGreen);
        assert_eq!(parse(&color(), "yellow").unwrap(), TextColor::Yellow);
        assert!(parse(&color(), "blue").is_err());
        assert_eq!(parse(&valign(), "bottom").unwrap(), VAlign::Bottom);
        assert_eq!(parse(&align(), "center").unwrap(), Align::Center);
        assert_eq!(parse(&width(), "192").unwrap(), 192);
        assert_eq!(parse(&height(), "1024").unwrap(), 1024);
        assert!(parse(&width(), "0").is_err());
        assert!(parse(&width(), "100000").unwrap_err().to_string().contains("1..=4096"));
        assert!(parse(&height(), "1025").is_err());
        assert!(parse(&scale(), "33").is_err());
    }
}
