//! An embedded-graphics text renderer for the bitmap fonts, so `Text::new("夷陵区", …)` works
//! on any `DrawTarget`, including [`crate::Frame`].

use embedded_graphics::Pixel;
use embedded_graphics::pixelcolor::PixelColor;
use embedded_graphics::prelude::{DrawTarget, Point, Size};
use embedded_graphics::primitives::Rectangle;
use embedded_graphics::text::Baseline;
use embedded_graphics::text::renderer::{TextMetrics, TextRenderer};

use crate::font::FontSet;

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
            let mut pixels = Vec::new();
            self.fonts.draw_char(ch, |px, py| {
                pixels.push(Pixel(Point::new(x + px as i32, top + py as i32), self.color));
            });
            target.draw_iter(pixels)?;
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
