//! Errors of the fonts layer.

use thiserror::Error;

/// A font file could not be used.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum FontError {
    /// The file cannot be read (`reason`: the system's words, `kind` their meaning).
    #[error("cannot read font {path}: {reason}")]
    Read {
        path: String,
        kind: std::io::ErrorKind,
        reason: String,
    },
    #[error("bad font data: {0}")]
    Format(String),
}

impl FontError {
    /// A read error of the font file at `path`.
    pub fn read(path: &std::path::Path, e: &std::io::Error) -> Self {
        Self::Read {
            path: path.display().to_string(),
            kind: e.kind(),
            reason: e.to_string(),
        }
    }

    /// The error in Chinese (the data error's English detail is said in general words).
    pub fn zh(&self) -> String {
        match self {
            Self::Read { path, kind, .. } => {
                format!("无法读取字体 {path}：{}", pinghu_protocol::words::io_error_zh(*kind))
            }
            Self::Format(_) => {
                "字体数据有误：请用 .bdf 字体（PCF 可用 pcf2bdf 转换）或 GNU Unifont .hex 文件".to_owned()
            }
        }
    }
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
