//! The board's frame buffer: runtime width and height, 1 bit per pixel (mono) or 2 (red and
//! green; yellow = both), drawable with embedded-graphics, exportable as an LED-look PNG, a
//! plain PNG or ASCII art, and convertible to and from the protocol crate's page bitmaps.

use embedded_graphics::Pixel;
use embedded_graphics::pixelcolor::{BinaryColor, PixelColor};
use embedded_graphics::prelude::{Dimensions, DrawTarget, OriginDimensions, Size};
use embedded_graphics::primitives::Rectangle;
use pinghu_protocol::bitmap::{GREEN, LedBitmap, PixelFormat, Plane, RED, pack_planes};

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

/// A frame of LED states: one plane per LED colour (green only on red-green boards), each row
/// padded to whole bytes, most significant bit first, 1 = on. Bits past the width stay 0, so
/// equal frames have equal bytes. Glyph rows are OR-ed straight into these rows, and the planes
/// pack into any card format without a per-pixel pass ([`Frame::pack_into`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Frame {
    width: u32,
    height: u32,
    mode: ColorMode,
    stride: usize,
    red: Vec<u8>,
    green: Vec<u8>,
}

impl Frame {
    /// An all-dark frame.
    pub fn new(width: u32, height: u32, mode: ColorMode) -> Self {
        let mut f = Self {
            width: 0,
            height: 0,
            mode,
            stride: 0,
            red: Vec::new(),
            green: Vec::new(),
        };
        f.reset(width, height, mode);
        f
    }

    /// Make this frame an all-dark `width` × `height` frame, reusing its memory.
    pub fn reset(&mut self, width: u32, height: u32, mode: ColorMode) {
        let stride = (width as usize).div_ceil(8);
        let n = stride * height as usize;
        (self.width, self.height, self.mode, self.stride) = (width, height, mode, stride);
        self.red.clear();
        self.red.resize(n, 0);
        self.green.clear();
        if mode == ColorMode::RedGreen {
            self.green.resize(n, 0);
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
        (x < self.width && y < self.height).then(|| (y as usize * self.stride + x as usize / 8, 0x80 >> (x % 8)))
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

    /// The plane bits a colour lights on this frame: (red, green).
    fn lights(&self, c: LedColor) -> (bool, bool) {
        match self.mode {
            ColorMode::Mono => (c != LedColor::Off, false),
            ColorMode::RedGreen => (c.bits() & RED != 0, c.bits() & GREEN != 0),
        }
    }

    /// Set the LED at (x, y); outside is ignored. On a mono board any colour lights the LED.
    pub fn set(&mut self, x: u32, y: u32, c: LedColor) {
        let Some((i, m)) = self.at(x, y) else { return };
        let (r, g) = self.lights(c);
        if r {
            self.red[i] |= m;
        } else {
            self.red[i] &= !m;
        }
        if self.mode == ColorMode::RedGreen {
            if g {
                self.green[i] |= m;
            } else {
                self.green[i] &= !m;
            }
        }
    }

    /// Light the pixels of `bits` (MSB first, `width` of them) in row `y` from column `x` on,
    /// in colour `c`, clipped to the frame; pixels that are 0 in `bits` are left as they are.
    /// This is how glyphs are drawn: a row at a time, never a pixel at a time.
    pub fn or_row(&mut self, x: i64, y: i64, bits: &[u8], width: u32, c: LedColor) {
        if y < 0 || y >= i64::from(self.height) {
            return;
        }
        let (r, g) = self.lights(c);
        let at = y as usize * self.stride;
        let fw = i64::from(self.width);
        let put = |plane: &mut Vec<u8>| {
            let row = &mut plane[at..at + self.stride];
            for (k, &byte) in bits.iter().enumerate().take((width as usize).div_ceil(8)) {
                let px = x + 8 * k as i64;
                // Keep the glyph's own pixels only, then clip to the frame on both sides.
                let mut b = byte;
                let own = width as i64 - 8 * k as i64;
                if own < 8 {
                    b &= !(0xFFu8 >> own);
                }
                if px + 8 > fw {
                    let keep = fw - px;
                    if keep <= 0 {
                        break;
                    }
                    b &= !(0xFFu8 >> keep);
                }
                if b == 0 {
                    continue;
                }
                if px >= 0 {
                    let (i, sh) = ((px / 8) as usize, (px % 8) as u32);
                    row[i] |= b >> sh;
                    if sh > 0 && i + 1 < row.len() {
                        row[i + 1] |= b << (8 - sh);
                    }
                } else if px > -8 {
                    row[0] |= b << (-px) as u32;
                }
            }
        };
        if r {
            put(&mut self.red);
        }
        if g {
            put(&mut self.green);
        }
    }

    /// Light the inked pixels of a glyph (`height` rows of `ceil(width / 8)` bytes, MSB first)
    /// with its top-left at (x, y), clipped to the frame. A glyph wholly inside the frame (the
    /// usual case) goes a row at a time as one 64-bit OR per plane.
    pub fn or_glyph(&mut self, x: i64, y: i64, bits: &[u8], width: u32, height: u32, c: LedColor) {
        let gstride = (width as usize).div_ceil(8);
        let inside = x >= 0
            && y >= 0
            && x + i64::from(width) <= i64::from(self.width)
            && y + i64::from(height) <= i64::from(self.height)
            && (1..=56).contains(&width)
            && bits.len() >= gstride * height as usize;
        if !inside {
            for r in 0..height {
                let row = bits.get(r as usize * gstride..).unwrap_or(&[]);
                self.or_row(x, y + i64::from(r), row, width, c);
            }
            return;
        }
        let (r, g) = self.lights(c);
        let blit = Blit {
            stride: self.stride,
            row: y as usize,
            byte: x as usize / 8,
            shift: (x % 8) as u32,
            mask: u64::MAX << (64 - width),
            gstride,
            rows: height as usize,
        };
        if r {
            blit.onto(&mut self.red, bits);
        }
        if g {
            blit.onto(&mut self.green, bits);
        }
    }

    /// Number of lit LEDs.
    pub fn lit(&self) -> usize {
        if self.mode == ColorMode::Mono {
            return self.red.iter().map(|b| b.count_ones() as usize).sum();
        }
        self.red
            .iter()
            .zip(&self.green)
            .map(|(r, g)| (r | g).count_ones() as usize)
            .sum()
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

    /// The red plane (on a mono board: the lit LEDs), as the protocol crate packs it.
    pub fn red_plane(&self) -> Plane<'_> {
        self.plane(&self.red)
    }

    /// The green plane of a red-green board.
    pub fn green_plane(&self) -> Option<Plane<'_>> {
        (self.mode == ColorMode::RedGreen).then(|| self.plane(&self.green))
    }

    fn plane<'a>(&self, bits: &'a [u8]) -> Plane<'a> {
        Plane {
            width: self.width,
            height: self.height,
            stride: self.stride,
            bits,
        }
    }

    /// Append this frame packed in a card's page format for an area at absolute `x` (byte and
    /// word operations, no per-pixel pass, no allocation beyond `out`).
    pub fn pack_into(&self, format: PixelFormat, x: u32, out: &mut Vec<u8>) {
        pack_planes(format, x, self.red_plane(), self.green_plane(), out);
    }

    /// This frame packed in a card's page format for an area at absolute `x`.
    pub fn pack(&self, format: PixelFormat, x: u32) -> Vec<u8> {
        let mut out = Vec::new();
        self.pack_into(format, x, &mut out);
        out
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

    /// Canonical bytes of the bitmap (mode, size, then each plane as one run of `width × height`
    /// bits, rows not padded), e.g. for hashing what is shown. The layout predates the padded
    /// rows and is kept, so that hashes in existing receipts and proof logs stay comparable.
    pub fn canonical_bytes(&self) -> Vec<u8> {
        let n = (self.width as usize * self.height as usize).div_ceil(8);
        let planes = if self.mode == ColorMode::RedGreen { 2 } else { 1 };
        let mut v = Vec::with_capacity(9 + planes * n);
        v.push(u8::from(self.mode == ColorMode::RedGreen));
        v.extend_from_slice(&self.width.to_le_bytes());
        v.extend_from_slice(&self.height.to_le_bytes());
        for plane in [&self.red, &self.green].into_iter().take(planes) {
            let start = v.len();
            v.resize(start + n, 0);
            let out = &mut v[start..];
            let w = self.width as usize;
            for y in 0..self.height as usize {
                let row = &plane[y * self.stride..(y + 1) * self.stride];
                let bit0 = y * w;
                if bit0.is_multiple_of(8) {
                    // Byte-aligned row (always so when the width is a multiple of 8).
                    let len = w.div_ceil(8);
                    for (o, r) in out[bit0 / 8..bit0 / 8 + len].iter_mut().zip(row) {
                        *o |= r;
                    }
                } else {
                    let sh = (bit0 % 8) as u32;
                    for (k, &r) in row.iter().enumerate() {
                        let i = bit0 / 8 + k;
                        out[i] |= r >> sh;
                        if i + 1 < out.len() {
                            out[i + 1] |= r << (8 - sh);
                        }
                    }
                }
            }
        }
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

    /// The LED-look picture as PNG bytes.
    pub fn led_png(&self, scale: u32) -> Result<Vec<u8>, image::ImageError> {
        let mut out = std::io::Cursor::new(Vec::new());
        self.to_led_image(scale).write_to(&mut out, image::ImageFormat::Png)?;
        Ok(out.into_inner())
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

    /// Rectangles are filled a row of bytes at a time.
    fn fill_solid(&mut self, area: &Rectangle, color: Self::Color) -> Result<(), Self::Error> {
        let area = area.intersection(&self.bounding_box());
        let Some(br) = area.bottom_right() else {
            return Ok(());
        };
        let (x0, x1) = (area.top_left.x as usize, br.x as usize + 1);
        let (r, g) = self.lights(color);
        for y in area.top_left.y as usize..=br.y as usize {
            let at = y * self.stride;
            fill_span(&mut self.red[at..at + self.stride], x0, x1, r);
            if self.mode == ColorMode::RedGreen {
                fill_span(&mut self.green[at..at + self.stride], x0, x1, g);
            }
        }
        Ok(())
    }

    fn clear(&mut self, color: Self::Color) -> Result<(), Self::Error> {
        self.fill_solid(&self.bounding_box(), color)
    }
}

/// Where a glyph goes in a plane, for [`Frame::or_glyph`].
struct Blit {
    stride: usize,
    /// First row and first byte of the glyph's top-left pixel.
    row: usize,
    byte: usize,
    /// Bit of that pixel in its byte.
    shift: u32,
    /// The glyph's own pixels in a left-aligned 64-bit row.
    mask: u64,
    gstride: usize,
    rows: usize,
}

impl Blit {
    fn onto(&self, plane: &mut [u8], bits: &[u8]) {
        // Glyph rows of a known size load as one word (no copy loop).
        match self.gstride {
            1 => self.rows_of::<1>(plane, bits),
            2 => self.rows_of::<2>(plane, bits),
            3 => self.rows_of::<3>(plane, bits),
            4 => self.rows_of::<4>(plane, bits),
            5 => self.rows_of::<5>(plane, bits),
            6 => self.rows_of::<6>(plane, bits),
            _ => self.rows_of::<7>(plane, bits),
        }
    }

    fn rows_of<const G: usize>(&self, plane: &mut [u8], bits: &[u8]) {
        let Some(dst) = plane.get_mut(self.row * self.stride..) else {
            return;
        };
        for (dst, src) in dst
            .chunks_exact_mut(self.stride)
            .zip(bits.chunks_exact(G))
            .take(self.rows)
        {
            let mut b = [0u8; 8];
            for (d, s) in b.iter_mut().zip(src) {
                *d = *s;
            }
            let v = (u64::from_be_bytes(b) & self.mask) >> self.shift;
            // Up to 8 bytes of this row from the glyph's first byte on; the glyph is inside the
            // frame, so every lit bit of `v` falls in them.
            match dst.get_mut(self.byte..self.byte + 8) {
                Some(word) => {
                    let mut w = [0u8; 8];
                    w.copy_from_slice(word);
                    word.copy_from_slice(&(u64::from_be_bytes(w) | v).to_be_bytes());
                }
                None => {
                    for (k, d) in dst.iter_mut().skip(self.byte).enumerate() {
                        *d |= (v >> (56 - 8 * k)) as u8;
                    }
                }
            }
        }
    }
}

/// Set (`on`) or clear pixels `x0..x1` of a row.
fn fill_span(row: &mut [u8], x0: usize, x1: usize, on: bool) {
    let mut x = x0;
    while x < x1 {
        let (i, bit) = (x / 8, x % 8);
        if bit == 0 && x + 8 <= x1 {
            // Whole bytes in the middle of the span.
            row[i] = if on { 0xFF } else { 0 };
            x += 8;
            continue;
        }
        let m = 0x80u8 >> bit;
        if on {
            row[i] |= m;
        } else {
            row[i] &= !m;
        }
        x += 1;
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

    proptest::proptest! {
        /// Rows OR-ed in with clipping light exactly the pixels that setting them one by one
        /// would, and the canonical bytes keep the unpadded layout that hashes were made from.
        #[test]
        fn row_blits_match_pixels_and_hashes_keep_their_layout(
            w in 1u32..40, h in 1u32..5, x in -20i64..45, y in -2i64..6,
            gw in 1u32..25, bits in proptest::collection::vec(proptest::num::u8::ANY, 4),
            rg: bool, colour in 1u8..4,
        ) {
            let mode = if rg { ColorMode::RedGreen } else { ColorMode::Mono };
            let c = LedColor::from_bits(colour);
            let (mut fast, mut slow) = (Frame::new(w, h, mode), Frame::new(w, h, mode));
            fast.or_row(x, y, &bits, gw, c);
            for px in 0..gw.min(32) {
                let on = bits.get(px as usize / 8).is_some_and(|b| b & (0x80 >> (px % 8)) != 0);
                let (tx, ty) = (x + i64::from(px), y);
                if on && tx >= 0 && ty >= 0 {
                    slow.set(tx as u32, ty as u32, c);
                }
            }
            proptest::prop_assert_eq!(&fast, &slow);
            // The canonical layout: mode, width, height, then each plane as width × height bits.
            let mut old = vec![u8::from(rg)];
            old.extend_from_slice(&w.to_le_bytes());
            old.extend_from_slice(&h.to_le_bytes());
            let planes: &[u8] = if rg { &[RED, GREEN] } else { &[RED] };
            for &plane in planes {
                let mut bytes = vec![0u8; (w * h).div_ceil(8) as usize];
                for i in 0..w * h {
                    if fast.get(i % w, i / w).bits() & plane != 0 || (!rg && fast.get(i % w, i / w) != LedColor::Off) {
                        bytes[i as usize / 8] |= 0x80 >> (i % 8);
                    }
                }
                old.extend_from_slice(&bytes);
            }
            proptest::prop_assert_eq!(fast.canonical_bytes(), old);
        }
    }

    #[test]
    fn fill_solid_fills_rows_and_clips() {
        let mut f = Frame::new(21, 3, ColorMode::RedGreen);
        Rectangle::new(Point::new(2, 1), Size::new(30, 5))
            .into_styled(PrimitiveStyle::with_fill(LedColor::Yellow))
            .draw(&mut f)
            .unwrap();
        assert_eq!(f.lit(), 19 * 2);
        assert_eq!(f.get(1, 1), LedColor::Off);
        assert_eq!(f.get(20, 2), LedColor::Yellow);
        f.clear(LedColor::Off).unwrap();
        assert_eq!(f, Frame::new(21, 3, ColorMode::RedGreen));
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
