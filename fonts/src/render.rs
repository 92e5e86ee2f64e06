//! From text to the pages a board shows: line breaking, alignment, paging, effects, colours,
//! dwell times, and the list of characters no font has.

use serde::{Deserialize, Serialize};

use crate::error::RenderError;
use crate::font::FontSet;
use crate::frame::{ColorMode, Frame, LedColor};
use crate::typeset::break_lines;
pub use pinghu_protocol::style::{Effect, TextColor};

/// The LED colour a text colour lights.
pub fn led(c: TextColor) -> LedColor {
    match c {
        TextColor::Red => LedColor::Red,
        TextColor::Green => LedColor::Green,
        TextColor::Yellow => LedColor::Yellow,
    }
}

/// Longest text accepted (as for portal announcements).
pub const MAX_CHARS: usize = 2000;

/// Horizontal alignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Align {
    /// Centre text that fits on one line, left-align the rest.
    #[default]
    Auto,
    Left,
    Center,
    Right,
}

/// Vertical alignment of the lines on a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum VAlign {
    Top,
    #[default]
    Middle,
    Bottom,
}

impl Align {
    pub const ALL: [Self; 4] = [Self::Auto, Self::Left, Self::Center, Self::Right];
    pub fn name(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::Left => "left",
            Self::Center => "center",
            Self::Right => "right",
        }
    }
}

impl VAlign {
    pub const ALL: [Self; 3] = [Self::Top, Self::Middle, Self::Bottom];
    pub fn name(self) -> &'static str {
        match self {
            Self::Top => "top",
            Self::Middle => "middle",
            Self::Bottom => "bottom",
        }
    }
}

/// What to render and for which board.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RenderOptions {
    pub width: u32,
    pub height: u32,
    pub mode: ColorMode,
    pub font_size: u32,
    pub color: TextColor,
    pub align: Align,
    pub valign: VAlign,
    pub effect: Effect,
    /// Extra pixels between lines.
    pub line_spacing: u32,
    /// Seconds per page; 0 derives it from reading speed.
    pub dwell_s: u32,
}

impl RenderOptions {
    /// Defaults for a board: 16 px red text, automatic alignment and effect.
    pub fn new(width: u32, height: u32) -> Self {
        Self {
            width,
            height,
            mode: ColorMode::Mono,
            font_size: 16,
            color: TextColor::Red,
            align: Align::Auto,
            valign: VAlign::Middle,
            effect: Effect::Auto,
            line_spacing: 0,
            dwell_s: 0,
        }
    }
}

/// The pages of one text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub pages: Vec<Frame>,
    /// The effect chosen (never `Auto`).
    pub effect: Effect,
    /// Seconds each page stays.
    pub dwell_s: Vec<u32>,
    /// Text of each line, page by page (what a reader sees).
    pub lines: Vec<Vec<String>>,
    /// Characters no font has, drawn as boxes; in order of first appearance.
    pub missing: Vec<char>,
    /// Characters drawn from the fallback font.
    pub substituted: Vec<char>,
}

/// Reading speed used for dwell times: characters per second, plus a fixed pause.
pub const READ_CHARS_PER_S: u32 = 4;

fn dwell_for(chars: usize) -> u32 {
    (2 + chars as u32 / READ_CHARS_PER_S).clamp(3, 30)
}

fn draw_line(frame: &mut Frame, fonts: &FontSet<'_>, text: &str, x0: i64, y0: i64, color: LedColor) {
    let mut x = x0;
    for ch in text.chars() {
        fonts.draw_char(ch, |px, py| {
            let (tx, ty) = (x + i64::from(px), y0 + i64::from(py));
            if tx >= 0 && ty >= 0 {
                frame.set(tx as u32, ty as u32, color);
            }
        });
        x += i64::from(fonts.advance(ch));
    }
}

/// Typeset `text` into pages for the board described by `opt`.
pub fn render(text: &str, fonts: &FontSet<'_>, opt: &RenderOptions) -> Result<Rendered, RenderError> {
    let size = fonts.size();
    if opt.width == 0 || opt.height == 0 {
        return Err(RenderError::ZeroSize {
            width: opt.width,
            height: opt.height,
        });
    }
    if size > opt.height {
        return Err(RenderError::FontTooTall {
            size,
            height: opt.height,
        });
    }
    if size > opt.width {
        return Err(RenderError::TooNarrow { size, width: opt.width });
    }
    let chars = text.chars().count();
    if chars > MAX_CHARS {
        return Err(RenderError::TooLong { chars, max: MAX_CHARS });
    }
    if text.trim().is_empty() {
        return Err(RenderError::Empty);
    }
    let mut missing = Vec::new();
    let mut substituted = Vec::new();
    for c in text.chars().filter(|c| !c.is_control()) {
        match fonts.source(c) {
            crate::font::Source::Missing if !missing.contains(&c) => missing.push(c),
            crate::font::Source::Fallback(_) if !substituted.contains(&c) => substituted.push(c),
            _ => {}
        }
    }
    let color = led(opt.color);
    let line_h = size + opt.line_spacing;
    let per_page = ((opt.height + opt.line_spacing) / line_h).max(1) as usize;

    let one_line: String = text
        .split('\n')
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let lines = break_lines(text.trim_end(), fonts, opt.width);
    let effect = match opt.effect {
        Effect::Auto if lines.len() <= per_page => Effect::Static,
        Effect::Auto if per_page == 1 => Effect::ScrollLeft,
        Effect::Auto => Effect::Static,
        e => e,
    };

    if effect == Effect::ScrollLeft {
        // One strip of text, cut into board-wide pages that the card scrolls through.
        let strip_w = fonts.measure(&one_line).max(1);
        let y = (opt.height - size) / 2;
        let mut strip = Frame::new(strip_w, opt.height, opt.mode);
        draw_line(&mut strip, fonts, &one_line, 0, i64::from(y), color);
        let n = strip_w.div_ceil(opt.width);
        let pages: Vec<Frame> = (0..n)
            .map(|i| strip.crop(i * opt.width, 0, opt.width, opt.height))
            .collect();
        // Scrolling speed of a typical card: about 32 px per second.
        let per = if opt.dwell_s > 0 {
            opt.dwell_s
        } else {
            (opt.width / 32).max(1)
        };
        return Ok(Rendered {
            dwell_s: vec![per; pages.len()],
            lines: vec![vec![one_line]; 1],
            pages,
            effect,
            missing,
            substituted,
        });
    }

    let center_single = opt.align == Align::Auto && lines.len() == 1;
    let mut pages = Vec::new();
    let mut page_lines = Vec::new();
    let mut dwell = Vec::new();
    for chunk in lines.chunks(per_page) {
        let mut f = Frame::new(opt.width, opt.height, opt.mode);
        let block_h = chunk.len() as u32 * size + (chunk.len() as u32 - 1) * opt.line_spacing;
        let top = match opt.valign {
            VAlign::Top => 0,
            VAlign::Middle => (opt.height - block_h) / 2,
            VAlign::Bottom => opt.height - block_h,
        };
        for (i, l) in chunk.iter().enumerate() {
            let w = fonts.measure(l);
            let x = match opt.align {
                Align::Left => 0,
                Align::Auto if !center_single => 0,
                Align::Center | Align::Auto => (opt.width.saturating_sub(w)) / 2,
                Align::Right => opt.width.saturating_sub(w),
            };
            draw_line(
                &mut f,
                fonts,
                l,
                i64::from(x),
                i64::from(top + i as u32 * line_h),
                color,
            );
        }
        let n_chars: usize = chunk
            .iter()
            .map(|l| l.chars().filter(|c| !c.is_whitespace()).count())
            .sum();
        dwell.push(if opt.dwell_s > 0 {
            opt.dwell_s
        } else {
            dwell_for(n_chars)
        });
        pages.push(f);
        page_lines.push(chunk.to_vec());
    }
    Ok(Rendered {
        pages,
        effect,
        dwell_s: dwell,
        lines: page_lines,
        missing,
        substituted,
    })
}
