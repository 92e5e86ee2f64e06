//! The board's frame buffer: runtime width and height, 1 bit per pixel (mono) or 2 (red and
//! green; yellow = both), drawable with embedded-graphics, exportable as an LED-look PNG, a
//! plain PNG or ASCII art, and convertible to and from the protocol crate's page bitmaps.

use embedded_graphics::Pixel;
use embedded_graphics::pixelcolor::{BinaryColor, PixelColor};
use embedded_graphics::prelude::{DrawTarget, OriginDimensions, Size};
use pinghu_protocol::bitmap::{GREEN, LedBitmap, RED};

/// The state of one LED pixel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum LedColor {
    #[default]
    Off,
    Red,
    Green,
    Yellow,
}

impl PixelColor for LedColor {
    type Raw = ();
}

impl From<BinaryColor> for LedColor {
    fn from(c: BinaryColor) -> Self {
        if c.is_on() { Self::Red } else { Self::Off }
    }
}

impl LedColor {
    /// Red and green LED bits (protocol bitmap convention: bit 0 red, bit 1 green).
    pub fn bits(self) -> u8 {
        match self {
            Self::Off => 0,
            Self::Red => RED,
            Self::Green => GREEN,
            Self::Yellow => RED | GREEN,
        }
    }
    pub fn from_bits(b: u8) -> Self {
        match b & 3 {
            0 => Self::Off,
            1 => Self::Red,
            2 => Self::Green,
            _ => Self::Yellow,
        }
    }
}

/// Mono (single-colour, usually red) or red-green (dual-colour) board.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ColorMode {
    Mono,
    RedGreen,
}

impl ColorMode {
    pub const ALL: [Self; 2] = [Self::Mono, Self::RedGreen];
    pub fn name(self) -> &'static str {
        match self {
            Self::Mono => "mono",
            Self::RedGreen => "red-green",
        }
    }
}

/// A frame of LED states.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Frame {
    width: u32,
    height: u32,
    mode: ColorMode,
    red: Vec<u8>,
    green: Vec<u8>,
}

impl Frame {
    /// An all-dark frame.
    pub fn new(width: u32, height: u32, mode: ColorMode) -> Self {
        let n = (width as usize * height as usize).div_ceil(8);
        Self {
            width,
            height,
            mode,
            red: vec![0; n],
            green: if mode == ColorMode::RedGreen {
                vec![0; n]
            } else {
                Vec::new()
            },
        }
    }
    pub fn width(&self) -> u32 {
        self.width
    }
    pub fn height(&self) -> u32 {
        self.height
    }
    pub fn mode(&self) -> ColorMode {
        self.mode
    }

    fn at(&self, x: u32, y: u32) -> Option<(usize, u8)> {
        (x < self.width && y < self.height).then(|| {
            let i = y as usize * self.width as usize + x as usize;
            (i / 8, 0x80 >> (i % 8))
        })
    }

    /// The LED at (x, y); `Off` outside.
    pub fn get(&self, x: u32, y: u32) -> LedColor {
        let Some((i, m)) = self.at(x, y) else {
            return LedColor::Off;
        };
        let r = self.red[i] & m != 0;
        let g = self.mode == ColorMode::RedGreen && self.green[i] & m != 0;
        match (r, g) {
            (false, false) => LedColor::Off,
            (true, false) => LedColor::Red,
            (false, true) => LedColor::Green,
            (true, true) => LedColor::Yellow,
        }
    }

    /// Set the LED at (x, y); outside is ignored. On a mono board any colour lights the LED.
    pub fn set(&mut self, x: u32, y: u32, c: LedColor) {
        let Some((i, m)) = self.at(x, y) else { return };
        let bits = match self.mode {
            ColorMode::Mono => u8::from(c != LedColor::Off),
            ColorMode::RedGreen => c.bits(),
        };
        if bits & RED != 0 {
            self.red[i] |= m;
        } else {
            self.red[i] &= !m;
        }
        if self.mode == ColorMode::RedGreen {
            if bits & GREEN != 0 {
                self.green[i] |= m;
            } else {
                self.green[i] &= !m;
            }
        }
    }

    /// Number of lit LEDs.
    pub fn lit(&self) -> usize {
        let mut n = 0;
        for y in 0..self.height {
            for x in 0..self.width {
                n += usize::from(self.get(x, y) != LedColor::Off);
            }
        }
        n
    }

    /// Copy `src` into this frame with its top-left at (dx, dy) (clipped).
    pub fn blit(&mut self, src: &Frame, dx: i64, dy: i64) {
        for y in 0..src.height {
            for x in 0..src.width {
                let (tx, ty) = (i64::from(x) + dx, i64::from(y) + dy);
                if tx >= 0 && ty >= 0 {
                    self.set(tx as u32, ty as u32, src.get(x, y));
                }
            }
        }
    }

    /// A `w` × `h` window of this frame at (x, y); outside is dark.
    pub fn crop(&self, x: u32, y: u32, w: u32, h: u32) -> Frame {
        let mut f = Frame::new(w, h, self.mode);
        f.blit(self, -i64::from(x), -i64::from(y));
        f
    }

    /// The frame as the protocol crate's page bitmap (lossless).
    pub fn to_led_bitmap(&self) -> LedBitmap {
        let mut b = LedBitmap::new(self.width, self.height);
        for y in 0..self.height {
            for x in 0..self.width {
                b.set(x, y, self.get(x, y).bits());
            }
        }
        b
    }

    /// A frame from a protocol page bitmap.
    pub fn from_led_bitmap(b: &LedBitmap, mode: ColorMode) -> Frame {
        let mut f = Frame::new(b.width, b.height, mode);
        for y in 0..b.height {
            for x in 0..b.width {
                f.set(x, y, LedColor::from_bits(b.get(x, y)));
            }
        }
        f
    }

    /// Canonical bytes of the bitmap (mode, size, then the planes), e.g. for hashing what is shown.
    pub fn canonical_bytes(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(9 + self.red.len() + self.green.len());
        v.push(u8::from(self.mode == ColorMode::RedGreen));
        v.extend_from_slice(&self.width.to_le_bytes());
        v.extend_from_slice(&self.height.to_le_bytes());
        v.extend_from_slice(&self.red);
        v.extend_from_slice(&self.green);
        v
    }

    /// SHA-256 of [`Frame::canonical_bytes`], lowercase hex: how receipts and the simulator name
    /// what is on the glass.
    pub fn sha256(&self) -> String {
        use sha2::Digest as _;
        pinghu_protocol::to_hex(&sha2::Sha256::digest(self.canonical_bytes()))
    }

    /// ASCII art: `#` red (or lit on mono), `G` green, `Y` yellow, `.` dark.
    pub fn to_ascii(&self) -> String {
        let mut s = String::with_capacity(((self.width + 1) * self.height) as usize);
        for y in 0..self.height {
            for x in 0..self.width {
                s.push(match self.get(x, y) {
                    LedColor::Off => '.',
                    LedColor::Red => '#',
                    LedColor::Green => 'G',
                    LedColor::Yellow => 'Y',
                });
            }
            s.push('\n');
        }
        s
    }

    /// A plain image, one pixel per LED.
    pub fn to_plain_image(&self) -> image::RgbImage {
        image::RgbImage::from_fn(self.width, self.height, |x, y| {
            image::Rgb(led_rgb(self.get(x, y), true))
        })
    }

    /// The board as a person sees it: round LEDs on a dark background, `scale` px per LED.
    pub fn to_led_image(&self, scale: u32) -> image::RgbImage {
        let scale = scale.max(2);
        let mut img = image::RgbImage::from_pixel(self.width * scale, self.height * scale, image::Rgb([12, 12, 14]));
        let r = scale as f32 * 0.42;
        let c = (scale as f32 - 1.0) / 2.0;
        let dark = match self.mode {
            ColorMode::Mono => [40, 14, 12],
            ColorMode::RedGreen => [30, 24, 12],
        };
        for y in 0..self.height {
            for x in 0..self.width {
                let v = self.get(x, y);
                let rgb = if v == LedColor::Off { dark } else { led_rgb(v, false) };
                for py in 0..scale {
                    for px in 0..scale {
                        let (dx, dy) = (px as f32 - c, py as f32 - c);
                        if dx * dx + dy * dy <= r * r {
                            img.put_pixel(x * scale + px, y * scale + py, image::Rgb(rgb));
                        }
                    }
                }
            }
        }
        img
    }

    /// Write the LED-look PNG.
    pub fn save_led_png(&self, path: &std::path::Path, scale: u32) -> Result<(), image::ImageError> {
        self.to_led_image(scale).save(path)
    }
}

fn led_rgb(c: LedColor, plain: bool) -> [u8; 3] {
    match (c, plain) {
        (LedColor::Off, _) => [0, 0, 0],
        (LedColor::Red, _) => [255, 40, 24],
        (LedColor::Green, _) => [40, 240, 64],
        (LedColor::Yellow, _) => [255, 210, 40],
    }
}

impl OriginDimensions for Frame {
    fn size(&self) -> Size {
        Size::new(self.width, self.height)
    }
}

impl DrawTarget for Frame {
    type Color = LedColor;
    type Error = std::convert::Infallible;

    fn draw_iter<I>(&mut self, pixels: I) -> Result<(), Self::Error>
    where
        I: IntoIterator<Item = Pixel<Self::Color>>,
    {
        for Pixel(p, c) in pixels {
            if p.x >= 0 && p.y >= 0 {
                self.set(p.x as u32, p.y as u32, c);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use embedded_graphics::prelude::*;
    use embedded_graphics::primitives::{PrimitiveStyle, Rectangle};

    #[test]
    fn draws_with_embedded_graphics() {
        let mut f = Frame::new(6, 3, ColorMode::RedGreen);
        Rectangle::new(Point::new(1, 0), Size::new(4, 3))
            .into_styled(PrimitiveStyle::with_stroke(LedColor::Green, 1))
            .draw(&mut f)
            .unwrap();
        f.set(0, 1, LedColor::Yellow);
        f.set(5, 1, LedColor::Red);
        assert_eq!(f.to_ascii(), ".GGGG.\nYG..G#\n.GGGG.\n");
    }

    #[test]
    fn mono_ignores_colour() {
        let mut f = Frame::new(3, 1, ColorMode::Mono);
        f.set(0, 0, LedColor::Green);
        f.set(2, 0, LedColor::Yellow);
        assert_eq!(f.to_ascii(), "#.#\n");
    }

    #[test]
    fn protocol_bitmap_roundtrip() {
        let mut f = Frame::new(13, 5, ColorMode::RedGreen);
        for (i, c) in [LedColor::Red, LedColor::Green, LedColor::Yellow]
            .into_iter()
            .enumerate()
        {
            f.set(i as u32 * 4, i as u32, c);
        }
        let b = f.to_led_bitmap();
        assert_eq!(Frame::from_led_bitmap(&b, ColorMode::RedGreen), f);
        for fmt in [
            pinghu_protocol::bitmap::PixelFormat::Bx5RedGreen,
            pinghu_protocol::bitmap::PixelFormat::Bx6RedGreen,
        ] {
            let packed = pinghu_protocol::bitmap::pack(fmt, 3, &b);
            let back = pinghu_protocol::bitmap::unpack(fmt, 3, 13, 5, &packed).unwrap();
            assert_eq!(Frame::from_led_bitmap(&back, ColorMode::RedGreen), f);
        }
    }

    #[test]
    fn led_png_has_round_dots() {
        let mut f = Frame::new(2, 1, ColorMode::Mono);
        f.set(0, 0, LedColor::Red);
        let img = f.to_led_image(10);
        assert_eq!(img.dimensions(), (20, 10));
        assert_eq!(img.get_pixel(5, 5).0, [255, 40, 24]); // centre of the lit LED
        assert_eq!(img.get_pixel(0, 0).0, [12, 12, 14]); // corner between dots is background
        assert_eq!(img.get_pixel(15, 5).0, [40, 14, 12]); // dark LED
    }
}
