//! Errors of the fonts layer.

use thiserror::Error;

/// A font file could not be used.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum FontError {
    #[error("cannot read font {path}: {reason}")]
    Read { path: String, reason: String },
    #[error("bad font data: {0}")]
    Format(String),
}

/// A render request that cannot be met.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum RenderError {
    /// Empty, or larger than any board Pinghu drives (`pinghu_protocol::board_size_problem`).
    #[error("{}", pinghu_protocol::board_size_problem(*width, *height).unwrap_or_default())]
    BoardSize { width: u32, height: u32 },
    #[error("no {size} px font: use {}", pinghu_protocol::style::font_sizes_text())]
    NoFont { size: u32 },
    #[error("a {size} px font does not fit a board {height} px high: use a font of at most {height} px")]
    FontTooTall { size: u32, height: u32 },
    #[error("a board {width} px wide cannot hold one {size} px character: use a smaller font or a wider board")]
    TooNarrow { size: u32, width: u32 },
    #[error("the text has {chars} characters, more than the limit of {max}: shorten it or split it")]
    TooLong { chars: usize, max: usize },
    #[error("there is no text to render")]
    Empty,
}
