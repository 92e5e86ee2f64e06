//! From text to the pages a board shows: line breaking, alignment, paging, effects, colours,
//! dwell times, and the list of characters no font has.

use serde::{Deserialize, Serialize};

use crate::error::RenderError;
use crate::font::{FontSet, Source};
use crate::frame::{ColorMode, Frame, LedColor};
use crate::typeset::{LineBreaker, Place, Placed, line_width, shown};
pub use pinghu_protocol::style::{Effect, TextColor};
use std::ops::Range;

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

/// Draw a placed character with its cell's top-left at (x, y). Glyphs of the primary font
/// go a row at a time into the frame's packed rows; scaled fallback glyphs and the box of a
/// missing character are rare and go pixel by pixel.
fn draw_char(frame: &mut Frame, fonts: &FontSet<'_>, p: &Place<'_>, x: i64, y: i64, color: LedColor) {
    match p.source {
        Source::Primary(g) => frame.or_glyph(x, y, g.bits(), g.width, g.height, color),
        _ => fonts.draw_char(p.ch, |px, py| {
            let (tx, ty) = (x + i64::from(px), y + i64::from(py));
            if tx >= 0 && ty >= 0 {
                frame.set(tx as u32, ty as u32, color);
            }
        }),
    }
}

/// Typeset `text` into pages for the board described by `opt`.
pub fn render(text: &str, fonts: &FontSet<'_>, opt: &RenderOptions) -> Result<Rendered, RenderError> {
    let mut t = Typesetter::new(*fonts, *opt)?;
    let (mut pages, mut dwell_s, mut lines) = (Vec::new(), Vec::new(), Vec::new());
    let effect = t.typeset(text, |page| {
        pages.push(page.frame.clone());
        dwell_s.push(page.dwell_s);
        // A scrolling text is one line over all its pages.
        if page.effect != Effect::ScrollLeft || lines.is_empty() {
            lines.push(page.lines().collect());
        }
    })?;
    Ok(Rendered {
        pages,
        effect,
        dwell_s,
        lines,
        missing: t.missing().to_vec(),
        substituted: t.substituted().to_vec(),
    })
}

/// One page, as [`Typesetter::typeset`] hands it over.
#[derive(Debug, Clone, Copy)]
pub struct Page<'a> {
    /// Page number, from 0.
    pub index: usize,
    pub frame: &'a Frame,
    pub dwell_s: u32,
    /// The effect chosen for the whole text (never `Auto`).
    pub effect: Effect,
    text: &'a str,
    lines: &'a [Range<usize>],
}

impl<'a> Page<'a> {
    /// The text of each line on the page (wrapped lines show tabs as spaces; a scrolling text
    /// is its one line as written).
    pub fn lines(&self) -> impl Iterator<Item = String> + 'a {
        let (text, scroll) = (self.text, self.effect == Effect::ScrollLeft);
        self.lines.iter().map(move |r| {
            text[r.clone()]
                .chars()
                .map(|c| if scroll { c } else { shown(c) })
                .collect()
        })
    }
}

/// The renderer, with its buffers: [`render`] in a form that reuses its page frame, lines and
/// lists from one text to the next, so that once warm it typesets and draws without allocating.
/// Glyphs are drawn a row at a time into the frame's packed rows.
#[derive(Debug)]
pub struct Typesetter<'f> {
    fonts: FontSet<'f>,
    opt: RenderOptions,
    breaker: LineBreaker,
    page: Frame,
    one_line: String,
    /// The one line of a scrolling text (a slice, as pages' lines are).
    one_range: Vec<Range<usize>>,
    missing: Vec<char>,
    substituted: Vec<char>,
    glyphs: usize,
}

impl<'f> Typesetter<'f> {
    /// A typesetter for the board described by `opt`; refuses sizes that cannot work.
    pub fn new(fonts: FontSet<'f>, opt: RenderOptions) -> Result<Self, RenderError> {
        let size = fonts.size();
        if pinghu_protocol::board_size_problem(opt.width, opt.height).is_some() {
            return Err(RenderError::BoardSize {
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
        Ok(Self {
            fonts,
            opt,
            breaker: LineBreaker::default(),
            page: Frame::new(opt.width, opt.height, opt.mode),
            one_line: String::new(),
            one_range: Vec::with_capacity(1),
            missing: Vec::new(),
            substituted: Vec::new(),
            glyphs: 0,
        })
    }

    /// Characters of the last text that no font has (drawn as boxes), in order of appearance.
    pub fn missing(&self) -> &[char] {
        &self.missing
    }

    /// Characters (other than spaces) drawn for the last text.
    pub fn glyphs_drawn(&self) -> usize {
        self.glyphs
    }

    /// Characters of the last text drawn from the fallback font.
    pub fn substituted(&self) -> &[char] {
        &self.substituted
    }

    /// Typeset `text` and hand each page to `on_page`, in order; returns the effect chosen.
    pub fn typeset(&mut self, text: &str, mut on_page: impl FnMut(Page<'_>)) -> Result<Effect, RenderError> {
        let chars = text.chars().count();
        if chars > MAX_CHARS {
            return Err(RenderError::TooLong { chars, max: MAX_CHARS });
        }
        if text.trim().is_empty() {
            return Err(RenderError::Empty);
        }
        let (fonts, opt) = (self.fonts, self.opt);
        let size = fonts.size();
        self.missing.clear();
        self.substituted.clear();
        self.glyphs = 0;
        for c in text.chars().filter(|c| !c.is_control()) {
            match fonts.source(c) {
                Source::Missing if !self.missing.contains(&c) => self.missing.push(c),
                Source::Fallback(_) if !self.substituted.contains(&c) => self.substituted.push(c),
                _ => {}
            }
        }
        let color = led(opt.color);
        let line_h = size + opt.line_spacing;
        let per_page = ((opt.height + opt.line_spacing) / line_h).max(1) as usize;
        let body = text.trim_end();
        self.breaker.break_lines(body, &fonts, opt.width);
        let lines = self.breaker.lines();
        let effect = match opt.effect {
            Effect::Auto if lines.len() <= per_page => Effect::Static,
            Effect::Auto if per_page == 1 => Effect::ScrollLeft,
            Effect::Auto => Effect::Static,
            e => e,
        };

        if effect == Effect::ScrollLeft {
            // One strip of text, cut into board-wide pages that the card scrolls through.
            self.one_line.clear();
            for l in text.split('\n').map(str::trim).filter(|l| !l.is_empty()) {
                if !self.one_line.is_empty() {
                    self.one_line.push(' ');
                }
                self.one_line.push_str(l);
            }
            let one = self.one_line.as_str();
            self.one_range.clear();
            self.one_range.push(0..one.len());
            let strip_w = line_width(&fonts, one).max(1);
            let y = i64::from((opt.height - size) / 2);
            let n = strip_w.div_ceil(opt.width);
            // Scrolling speed of a typical card: about 32 px per second.
            let per = if opt.dwell_s > 0 {
                opt.dwell_s
            } else {
                (opt.width / 32).max(1)
            };
            // Each page draws the characters that reach into it; `from` is the first character
            // (byte offset, x) not wholly on an earlier page.
            let mut from = (0usize, 0i64);
            for index in 0..n as usize {
                let x0 = index as i64 * i64::from(opt.width);
                let x1 = x0 + i64::from(opt.width);
                self.page.reset(opt.width, opt.height, opt.mode);
                let (start, mut x) = from;
                // The strip is one line: its characters placed from the first, resumed here.
                for p in Placed::resume(fonts, one, start) {
                    if x >= x1 {
                        break;
                    }
                    draw_char(&mut self.page, &fonts, &p, x - x0 - i64::from(p.cut_left), y, color);
                    let adv = i64::from(p.advance);
                    if x + adv <= x1 {
                        self.glyphs += usize::from(!p.ch.is_whitespace());
                        from = (p.at + p.ch.len_utf8(), x + adv);
                    }
                    x += adv;
                }
                on_page(Page {
                    index,
                    frame: &self.page,
                    dwell_s: per,
                    effect,
                    text: one,
                    lines: &self.one_range,
                });
            }
            return Ok(effect);
        }

        let center_single = opt.align == Align::Auto && lines.len() == 1;
        for (index, chunk) in lines.chunks(per_page).enumerate() {
            self.page.reset(opt.width, opt.height, opt.mode);
            let block_h = chunk.len() as u32 * size + (chunk.len() as u32 - 1) * opt.line_spacing;
            let top = match opt.valign {
                VAlign::Top => 0,
                VAlign::Middle => (opt.height - block_h) / 2,
                VAlign::Bottom => opt.height - block_h,
            };
            let mut n_chars = 0usize;
            for (i, r) in chunk.iter().enumerate() {
                let l = &body[r.clone()];
                let w = || line_width(&fonts, l);
                let x = match opt.align {
                    Align::Left => 0,
                    Align::Auto if !center_single => 0,
                    Align::Center | Align::Auto => (opt.width.saturating_sub(w())) / 2,
                    Align::Right => opt.width.saturating_sub(w()),
                };
                let mut x = i64::from(x);
                let y = i64::from(top + i as u32 * line_h);
                for p in Placed::new(fonts, l) {
                    n_chars += usize::from(!p.ch.is_whitespace());
                    self.glyphs += usize::from(!p.ch.is_whitespace());
                    draw_char(&mut self.page, &fonts, &p, x - i64::from(p.cut_left), y, color);
                    x += i64::from(p.advance);
                }
            }
            on_page(Page {
                index,
                frame: &self.page,
                dwell_s: if opt.dwell_s > 0 {
                    opt.dwell_s
                } else {
                    dwell_for(n_chars)
                },
                effect,
                text: body,
                lines: chunk,
            });
        }
        Ok(effect)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The renderer as it was first written, a pixel at a time into a strip that is then
    /// cropped: the oracle that the row-blitting, buffer-reusing [`Typesetter`] must match bit
    /// for bit.
    #[allow(clippy::pedantic)]
    mod reference {
        use super::super::*;
        use crate::typeset::{Placed, break_lines, line_width};

        fn draw_line(frame: &mut Frame, fonts: &FontSet<'_>, text: &str, x0: i64, y0: i64, color: LedColor) {
            let mut x = x0;
            for p in Placed::new(*fonts, text) {
                let gx = x - i64::from(p.cut_left);
                fonts.draw_char(p.ch, |px, py| {
                    let (tx, ty) = (gx + i64::from(px), y0 + i64::from(py));
                    if tx >= 0 && ty >= 0 {
                        frame.set(tx as u32, ty as u32, color);
                    }
                });
                x += i64::from(p.advance);
            }
        }

        /// Typeset `text` into pages for the board described by `opt`.
        pub(super) fn render(text: &str, fonts: &FontSet<'_>, opt: &RenderOptions) -> Result<Rendered, RenderError> {
            let size = fonts.size();
            if pinghu_protocol::board_size_problem(opt.width, opt.height).is_some() {
                return Err(RenderError::BoardSize {
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
                    Source::Missing if !missing.contains(&c) => missing.push(c),
                    Source::Fallback(_) if !substituted.contains(&c) => substituted.push(c),
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
                let strip_w = line_width(fonts, &one_line).max(1);
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
                    let w = line_width(fonts, l);
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
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(400))]
        #[test]
        fn pages_match_the_pixel_by_pixel_reference(
            picks in proptest::collection::vec(0usize..200, 1..90),
            size in proptest::sample::select(vec![12u32, 16, 24, 32]),
            wide in 1u32..9, high in 1u32..4, extra_w in 0u32..13, extra_h in 0u32..9,
            effect in proptest::sample::select(Effect::ALL.to_vec()),
            align in proptest::sample::select(Align::ALL.to_vec()),
            valign in proptest::sample::select(VAlign::ALL.to_vec()),
            rg: bool, colour in proptest::sample::select(TextColor::ALL.to_vec()), spacing in 0u32..3,
        ) {
            const ALPHABET: &str = "夷陵区政务服务中心停水通知，。、；：？！（）《》“”——……12345 8:00 abc \t\n,.()%www.gov.cn\u{1}𠀀é";
            let chars: Vec<char> = ALPHABET.chars().collect();
            let text: String = picks.iter().map(|i| chars[i % chars.len()]).collect();
            let fonts = FontSet::builtin(size).unwrap();
            let mut opt = RenderOptions::new(size * wide + extra_w, size * high + extra_h);
            (opt.effect, opt.align, opt.valign, opt.color, opt.line_spacing) = (effect, align, valign, colour, spacing);
            opt.mode = if rg { ColorMode::RedGreen } else { ColorMode::Mono };
            let ours = render(&text, &fonts, &opt);
            let theirs = reference::render(&text, &fonts, &opt);
            proptest::prop_assert_eq!(ours, theirs, "{:?}", text);
        }
    }
}
