//! An embedded-graphics text renderer for the bitmap fonts, so `Text::new("夷陵区", …)` works
//! on any `DrawTarget`, including [`crate::Frame`].

use embedded_graphics::Pixel;
use embedded_graphics::pixelcolor::PixelColor;
use embedded_graphics::prelude::{DrawTarget, Point, Size};
use embedded_graphics::primitives::Rectangle;
use embedded_graphics::text::Baseline;
use embedded_graphics::text::renderer::{TextMetrics, TextRenderer};

use crate::font::{FontSet, Source};

/// Draw text in one colour with a [`FontSet`].
#[derive(Debug, Clone, Copy)]
pub struct CjkTextStyle<'a, C> {
    pub fonts: FontSet<'a>,
    pub color: C,
}

impl<'a, C: PixelColor> CjkTextStyle<'a, C> {
    pub fn new(fonts: FontSet<'a>, color: C) -> Self {
        Self { fonts, color }
    }

    fn top(&self, position: Point, baseline: Baseline) -> i32 {
        let size = self.fonts.size() as i32;
        let base = self.fonts.primary.baseline() as i32;
        match baseline {
            Baseline::Top => position.y,
            Baseline::Bottom => position.y - size + 1,
            Baseline::Middle => position.y - size / 2,
            Baseline::Alphabetic => position.y - base,
        }
    }
}

impl<C: PixelColor> TextRenderer for CjkTextStyle<'_, C> {
    type Color = C;

    fn draw_string<D: DrawTarget<Color = C>>(
        &self,
        text: &str,
        position: Point,
        baseline: Baseline,
        target: &mut D,
    ) -> Result<Point, D::Error> {
        let top = self.top(position, baseline);
        let mut x = position.x;
        for ch in text.chars() {
            // A glyph's inked pixels, straight from its rows (no buffer per character).
            let (origin, color) = (Point::new(x, top), self.color);
            let size = self.fonts.size();
            match self.fonts.source(ch) {
                Source::Primary(g) => {
                    let pixels = (0..g.height)
                        .flat_map(move |y| (0..g.width).map(move |x| (x, y)))
                        .filter(move |&(x, y)| g.pixel(x, y))
                        .map(move |(x, y)| Pixel(origin + Point::new(x as i32, y as i32), color));
                    target.draw_iter(pixels)?;
                }
                _ => {
                    // Scaled fallback glyphs and missing-character boxes are rare: drawn through
                    // the font set's pixel walk, in one small batch.
                    let mut pixels = Vec::with_capacity((size * size) as usize);
                    self.fonts.draw_char(ch, |px, py| {
                        pixels.push(Pixel(origin + Point::new(px as i32, py as i32), color));
                    });
                    target.draw_iter(pixels)?;
                }
            }
            x += self.fonts.advance(ch) as i32;
        }
        Ok(Point::new(x, position.y))
    }

    fn draw_whitespace<D: DrawTarget<Color = C>>(
        &self,
        width: u32,
        position: Point,
        _baseline: Baseline,
        _target: &mut D,
    ) -> Result<Point, D::Error> {
        Ok(position + Point::new(width as i32, 0))
    }

    fn measure_string(&self, text: &str, position: Point, baseline: Baseline) -> TextMetrics {
        let w = self.fonts.measure(text);
        let top = self.top(position, baseline);
        TextMetrics {
            bounding_box: Rectangle::new(Point::new(position.x, top), Size::new(w, self.fonts.size())),
            next_position: position + Point::new(w as i32, 0),
        }
    }

    fn line_height(&self) -> u32 {
        self.fonts.size()
    }
}
