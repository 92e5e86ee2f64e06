//! Page bitmap packing for the graphic protocol (docs/protocol.md B.5 and B.7), both directions.
//!
//! A [`LedBitmap`] holds one byte per pixel: bit 0 = red LED on, bit 1 = green LED on (yellow
//! = both). Mono boards only have the red bit. The packed layouts:
//!
//! * **BX-5E** ([`PixelFormat::Bx5Mono`], [`PixelFormat::Bx5RedGreen`]): row-major, MSB first,
//!   **0 = LED on**, rows padded with 1s to whole bytes at the area's absolute x (an area at
//!   x = 35 starts its first byte with three padding bits `111xxxxx`). Dual colour interleaves
//!   a red byte and a green byte for every 8 pixels.
//! * **BX-6E** ([`PixelFormat::Bx6Mono`], [`PixelFormat::Bx6RedGreen`]): the whole red plane,
//!   then the whole green plane; 32-bit words, pixel (0,0) in bit 31, each word sent most
//!   significant byte first (as the vendor's SDK writes them), 0 = on, rows padded with 1s to
//!   32-pixel boundaries at the absolute x.
//! * **BX-6Q** ([`PixelFormat::Rgb888`]): R, G, B bytes per pixel, row-major, no padding.
//! * **BX-5Q** ([`PixelFormat::Rgb565`]): 2 bytes per pixel, little-endian [inferred].

use serde::{Deserialize, Serialize};

use crate::error::BitmapError;

/// Red LED bit of a [`LedBitmap`] pixel.
pub const RED: u8 = 0b01;
/// Green LED bit of a [`LedBitmap`] pixel.
pub const GREEN: u8 = 0b10;
/// Both LEDs.
pub const YELLOW: u8 = RED | GREEN;

/// A page as LED states, one byte per pixel, row-major.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedBitmap {
    pub width: u32,
    pub height: u32,
    pub pixels: Vec<u8>,
}

impl LedBitmap {
    /// All LEDs off.
    pub fn new(width: u32, height: u32) -> Self {
        Self {
            width,
            height,
            pixels: vec![0; (width * height) as usize],
        }
    }
    /// LED bits at (x, y); 0 outside.
    pub fn get(&self, x: u32, y: u32) -> u8 {
        if x < self.width && y < self.height {
            self.pixels[(y * self.width + x) as usize]
        } else {
            0
        }
    }
    /// Set LED bits at (x, y); ignored outside.
    pub fn set(&mut self, x: u32, y: u32, v: u8) {
        if x < self.width && y < self.height {
            self.pixels[(y * self.width + x) as usize] = v & YELLOW;
        }
    }
}

/// The packed pixel layouts of the card families.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PixelFormat {
    Bx5Mono,
    Bx5RedGreen,
    Bx6Mono,
    Bx6RedGreen,
    Rgb888,
    Rgb565,
}

impl PixelFormat {
    /// The page format of a BX-5E/6E card: its generation's layout, mono or red-green.
    pub fn graphic(generation: crate::graphic::Generation, red_green: bool) -> Self {
        use crate::graphic::Generation::{Gen5, Gen6};
        match (generation, red_green) {
            (Gen5, false) => Self::Bx5Mono,
            (Gen5, true) => Self::Bx5RedGreen,
            (Gen6, false) => Self::Bx6Mono,
            (Gen6, true) => Self::Bx6RedGreen,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Bx5Mono => "bx-5e mono",
            Self::Bx5RedGreen => "bx-5e red-green",
            Self::Bx6Mono => "bx-6e mono",
            Self::Bx6RedGreen => "bx-6e red-green",
            Self::Rgb888 => "rgb888",
            Self::Rgb565 => "rgb565",
        }
    }

    /// Packed bytes of a `width` × `height` area whose left edge is at absolute `x`.
    pub fn packed_len(self, x: u32, width: u32, height: u32) -> usize {
        let (w, h) = (width as usize, height as usize);
        match self {
            Self::Bx5Mono => row_bytes5(x, width) * h,
            Self::Bx5RedGreen => 2 * row_bytes5(x, width) * h,
            Self::Bx6Mono => 4 * row_words6(x, width) * h,
            Self::Bx6RedGreen => 8 * row_words6(x, width) * h,
            Self::Rgb888 => 3 * w * h,
            Self::Rgb565 => 2 * w * h,
        }
    }
}

fn row_bytes5(x: u32, width: u32) -> usize {
    ((x % 8 + width) as usize).div_ceil(8)
}

fn row_words6(x: u32, width: u32) -> usize {
    ((x % 32 + width) as usize).div_ceil(32)
}

/// One colour plane of a page: `height` rows of `stride` bytes, most significant bit first,
/// **1 = LED on**. Bits past `width` in a row must be 0 (the padding the card wants is added by
/// [`pack_planes`]). This is how a renderer holds a page, so packing needs no per-pixel pass.
#[derive(Debug, Clone, Copy)]
pub struct Plane<'a> {
    pub width: u32,
    pub height: u32,
    pub stride: usize,
    pub bits: &'a [u8],
}

impl<'a> Plane<'a> {
    /// The pixel bytes of row `y` (`ceil(width / 8)` of them).
    fn row(&self, y: u32) -> &'a [u8] {
        let at = y as usize * self.stride;
        &self.bits[at..at + (self.width as usize).div_ceil(8)]
    }
}

/// The bytes of `row` shifted right by `lead` bits (`lead` < 32), `n` bytes in all, zero-filled.
fn shifted(row: &[u8], lead: u32, n: usize) -> impl Iterator<Item = u8> + '_ {
    let (skip, sh) = ((lead / 8) as usize, lead % 8);
    (0..n).map(move |j| {
        let Some(k) = j.checked_sub(skip) else {
            return 0;
        };
        let cur = row.get(k).copied().unwrap_or(0);
        if sh == 0 {
            return cur;
        }
        let prev = k.checked_sub(1).and_then(|p| row.get(p)).copied().unwrap_or(0);
        (cur >> sh) | (prev << (8 - sh))
    })
}

/// Pack a page held as colour planes for an area whose left edge is at absolute `x`, appending
/// to `out` (no other allocation). A mono format lights a pixel that is on in either plane;
/// `green` is `None` on mono boards. Both planes have the same size.
pub fn pack_planes(format: PixelFormat, x: u32, red: Plane<'_>, green: Option<Plane<'_>>, out: &mut Vec<u8>) {
    let (w, h) = (red.width, red.height);
    out.reserve(format.packed_len(x, w, h));
    let empty: &[u8] = &[];
    let green_row = |y: u32| green.map_or(empty, |g| g.row(y));
    match format {
        PixelFormat::Bx5Mono | PixelFormat::Bx5RedGreen => {
            let (lead, n) = (x % 8, row_bytes5(x, w));
            for y in 0..h {
                let (r, g) = (red.row(y), green_row(y));
                if format == PixelFormat::Bx5Mono && lead == 0 && g.is_empty() {
                    // The common case, a straight copy: rows padded with 1s, 0 = on.
                    out.extend(r.iter().map(|b| !b));
                    out.extend(std::iter::repeat_n(0xFF, n - r.len()));
                } else if format == PixelFormat::Bx5Mono {
                    out.extend(shifted(r, lead, n).zip(shifted(g, lead, n)).map(|(a, b)| !(a | b)));
                } else {
                    // A red byte and a green byte for every 8 pixels.
                    for (a, b) in shifted(r, lead, n).zip(shifted(g, lead, n)) {
                        out.extend_from_slice(&[!a, !b]);
                    }
                }
            }
        }
        PixelFormat::Bx6Mono | PixelFormat::Bx6RedGreen => {
            let (lead, n) = (x % 32, 4 * row_words6(x, w));
            // The whole red plane, then the whole green plane (mono: one plane of both).
            let word = |bytes: &mut dyn Iterator<Item = u8>, out: &mut Vec<u8>| {
                let mut b = [0u8; 4];
                while let Some(first) = bytes.next() {
                    b[0] = first;
                    for slot in &mut b[1..] {
                        *slot = bytes.next().unwrap_or(0);
                    }
                    // 32 pixels to a word, pixel 0 in bit 31, MSB first, 0 = on.
                    out.extend_from_slice(&(!u32::from_be_bytes(b)).to_be_bytes());
                }
            };
            if format == PixelFormat::Bx6Mono {
                for y in 0..h {
                    let (r, g) = (red.row(y), green_row(y));
                    word(
                        &mut shifted(r, lead, n).zip(shifted(g, lead, n)).map(|(a, b)| a | b),
                        out,
                    );
                }
            } else {
                for y in 0..h {
                    word(&mut shifted(red.row(y), lead, n), out);
                }
                for y in 0..h {
                    word(&mut shifted(green_row(y), lead, n), out);
                }
            }
        }
        PixelFormat::Rgb888 | PixelFormat::Rgb565 => {
            for y in 0..h {
                let (r, g) = (red.row(y), green_row(y));
                for c in 0..w as usize {
                    let m = 0x80 >> (c % 8);
                    let on_r = r[c / 8] & m != 0;
                    let on_g = g.get(c / 8).is_some_and(|b| b & m != 0);
                    if format == PixelFormat::Rgb888 {
                        out.extend_from_slice(&[if on_r { 255 } else { 0 }, if on_g { 255 } else { 0 }, 0]);
                    } else {
                        let v: u16 = if on_r { 0xF800 } else { 0 } | if on_g { 0x07E0 } else { 0 };
                        out.extend_from_slice(&v.to_le_bytes());
                    }
                }
            }
        }
    }
}

/// The red and green planes of a [`LedBitmap`], rows padded to bytes.
fn planes_of(bmp: &LedBitmap) -> (usize, Vec<u8>, Vec<u8>) {
    let stride = (bmp.width as usize).div_ceil(8);
    let mut red = vec![0u8; stride * bmp.height as usize];
    let mut green = red.clone();
    for y in 0..bmp.height {
        for x in 0..bmp.width {
            let v = bmp.get(x, y);
            let (i, m) = (y as usize * stride + x as usize / 8, 0x80 >> (x % 8));
            if v & RED != 0 {
                red[i] |= m;
            }
            if v & GREEN != 0 {
                green[i] |= m;
            }
        }
    }
    (stride, red, green)
}

/// Pack a page for an area whose left edge is at absolute `x` (through [`pack_planes`]).
pub fn pack(format: PixelFormat, x: u32, bmp: &LedBitmap) -> Vec<u8> {
    let (stride, red, green) = planes_of(bmp);
    let plane = |bits| Plane {
        width: bmp.width,
        height: bmp.height,
        stride,
        bits,
    };
    let mut out = Vec::new();
    pack_planes(format, x, plane(&red), Some(plane(&green)), &mut out);
    out
}

/// Unpack page bytes of a `width` × `height` area at absolute `x`. Padding bits are ignored;
/// full-colour pixels count as lit where a channel is at least half on.
pub fn unpack(format: PixelFormat, x: u32, width: u32, height: u32, bytes: &[u8]) -> Result<LedBitmap, BitmapError> {
    let expected = format.packed_len(x, width, height);
    if bytes.len() != expected {
        return Err(BitmapError::Length {
            format: format.name(),
            width,
            height,
            x,
            expected,
            got: bytes.len(),
        });
    }
    let mut bmp = LedBitmap::new(width, height);
    match format {
        PixelFormat::Bx5Mono | PixelFormat::Bx5RedGreen => {
            let planes: &[u8] = if format == PixelFormat::Bx5Mono {
                &[RED]
            } else {
                &[RED, GREEN]
            };
            let lead = x % 8;
            let nbytes = row_bytes5(x, width);
            let row_len = nbytes * planes.len();
            for y in 0..height {
                for c in 0..width {
                    let p = (lead + c) as usize;
                    for (k, &plane) in planes.iter().enumerate() {
                        let b = bytes[y as usize * row_len + (p / 8) * planes.len() + k];
                        if b & (0x80 >> (p % 8)) == 0 {
                            let v = bmp.get(c, y) | plane;
                            bmp.set(c, y, v);
                        }
                    }
                }
            }
        }
        PixelFormat::Bx6Mono | PixelFormat::Bx6RedGreen => {
            let planes: &[u8] = if format == PixelFormat::Bx6Mono {
                &[RED]
            } else {
                &[RED, GREEN]
            };
            let lead = x % 32;
            let nwords = row_words6(x, width);
            let plane_len = nwords * 4 * height as usize;
            for (k, &plane) in planes.iter().enumerate() {
                for y in 0..height {
                    for c in 0..width {
                        let p = (lead + c) as usize;
                        let at = k * plane_len + (y as usize * nwords + p / 32) * 4;
                        let word = u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]);
                        if word & (0x8000_0000 >> (p % 32)) == 0 {
                            let v = bmp.get(c, y) | plane;
                            bmp.set(c, y, v);
                        }
                    }
                }
            }
        }
        PixelFormat::Rgb888 => {
            for (i, px) in bytes.chunks(3).enumerate() {
                bmp.pixels[i] = (u8::from(px[0] >= 128) * RED) | (u8::from(px[1] >= 128) * GREEN);
            }
        }
        PixelFormat::Rgb565 => {
            for (i, px) in bytes.chunks(2).enumerate() {
                let v = u16::from_le_bytes([px[0], px[1]]);
                bmp.pixels[i] = (u8::from((v >> 11) >= 16) * RED) | (u8::from(((v >> 5) & 0x3F) >= 32) * GREEN);
            }
        }
    }
    Ok(bmp)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bmp(w: u32, h: u32, lit: &[(u32, u32, u8)]) -> LedBitmap {
        let mut b = LedBitmap::new(w, h);
        for &(x, y, v) in lit {
            b.set(x, y, v);
        }
        b
    }

    #[test]
    fn bx5_mono_worked_example() {
        // 8x1, pixels 0 and 7 lit -> 0 bits are on: 0111 1110.
        let b = bmp(8, 1, &[(0, 0, RED), (7, 0, RED)]);
        assert_eq!(pack(PixelFormat::Bx5Mono, 0, &b), [0x7E]);
        assert_eq!(
            pack(
                PixelFormat::Bx5RedGreen,
                0,
                &bmp(8, 1, &[(0, 0, YELLOW), (7, 0, YELLOW)])
            ),
            [0x7E, 0x7E]
        );
    }

    #[test]
    fn bx5_red_green_interleaves_per_group() {
        // 16x1: pixel 0 red, pixel 8 green.
        let b = bmp(16, 1, &[(0, 0, RED), (8, 0, GREEN)]);
        assert_eq!(pack(PixelFormat::Bx5RedGreen, 0, &b), [0x7F, 0xFF, 0xFF, 0x7F]);
    }

    #[test]
    fn bx5_padding_at_x35() {
        // x = 35: three padding bits, then pixels. 5 wide: fits one byte, low bits padded.
        let b = bmp(5, 1, &[(0, 0, RED)]);
        // bits: 1 1 1 [0 1 1 1 1] -> 1110 1111
        assert_eq!(pack(PixelFormat::Bx5Mono, 35, &b), [0b1110_1111]);
        let all = bmp(
            6,
            1,
            &[
                (0, 0, RED),
                (1, 0, RED),
                (2, 0, RED),
                (3, 0, RED),
                (4, 0, RED),
                (5, 0, RED),
            ],
        );
        // 3 pad + 6 = 9 bits -> 2 bytes: 111 00000 | 0 1111111
        assert_eq!(pack(PixelFormat::Bx5Mono, 35, &all), [0b1110_0000, 0b0111_1111]);
    }

    #[test]
    fn bx6_planes_and_words() {
        // The vendor SDK's own vector (docs/protocol.md G.5): a 32x1 row with only x = 0 red is
        // `7F FF FF FF`; the green plane follows (x = 31 green: `FF FF FF FE`).
        let b = bmp(32, 1, &[(0, 0, RED), (31, 0, GREEN)]);
        assert_eq!(
            pack(PixelFormat::Bx6RedGreen, 0, &b),
            [0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFE]
        );
        // x = 35 pads 3 bits in the first word.
        let p = pack(PixelFormat::Bx6Mono, 35, &bmp(2, 1, &[(0, 0, RED)]));
        assert_eq!(u32::from_be_bytes([p[0], p[1], p[2], p[3]]), 0xEFFF_FFFF);
    }

    #[test]
    fn rgb888_order() {
        let b = bmp(2, 1, &[(0, 0, RED), (1, 0, YELLOW)]);
        assert_eq!(pack(PixelFormat::Rgb888, 3, &b), [255, 0, 0, 255, 255, 0]);
    }

    #[test]
    fn wrong_length_is_an_error_with_numbers() {
        let e = unpack(PixelFormat::Bx5Mono, 0, 16, 2, &[0; 3]).unwrap_err();
        assert_eq!(e.to_string(), "bx-5e mono bitmap of 16x2 at x=0 needs 4 bytes, got 3");
    }

    /// The per-pixel packer this module used to have: an independent oracle for `pack_planes`.
    fn pack_per_pixel(format: PixelFormat, x: u32, bmp: &LedBitmap) -> Vec<u8> {
        let (w, h) = (bmp.width, bmp.height);
        let mut out = Vec::with_capacity(format.packed_len(x, w, h));
        match format {
            PixelFormat::Bx5Mono | PixelFormat::Bx5RedGreen => {
                let planes: &[u8] = if format == PixelFormat::Bx5Mono {
                    &[YELLOW]
                } else {
                    &[RED, GREEN]
                };
                let lead = x % 8;
                let nbytes = row_bytes5(x, w);
                for y in 0..h {
                    for byte in 0..nbytes {
                        for &plane in planes {
                            let mut v = 0xFFu8;
                            for bit in 0..8u32 {
                                let p = byte as u32 * 8 + bit;
                                if p >= lead && p - lead < w && bmp.get(p - lead, y) & plane != 0 {
                                    v &= !(0x80 >> bit);
                                }
                            }
                            out.push(v);
                        }
                    }
                }
            }
            PixelFormat::Bx6Mono | PixelFormat::Bx6RedGreen => {
                let planes: &[u8] = if format == PixelFormat::Bx6Mono {
                    &[YELLOW]
                } else {
                    &[RED, GREEN]
                };
                let lead = x % 32;
                let nwords = row_words6(x, w);
                for &plane in planes {
                    for y in 0..h {
                        for word in 0..nwords {
                            let mut v = u32::MAX;
                            for bit in 0..32u32 {
                                let p = word as u32 * 32 + bit;
                                if p >= lead && p - lead < w && bmp.get(p - lead, y) & plane != 0 {
                                    v &= !(0x8000_0000 >> bit);
                                }
                            }
                            out.extend_from_slice(&v.to_be_bytes());
                        }
                    }
                }
            }
            PixelFormat::Rgb888 => {
                for &p in &bmp.pixels {
                    out.extend_from_slice(&[
                        if p & RED != 0 { 255 } else { 0 },
                        if p & GREEN != 0 { 255 } else { 0 },
                        0,
                    ]);
                }
            }
            PixelFormat::Rgb565 => {
                for &p in &bmp.pixels {
                    let v: u16 = if p & RED != 0 { 0xF800 } else { 0 } | if p & GREEN != 0 { 0x07E0 } else { 0 };
                    out.extend_from_slice(&v.to_le_bytes());
                }
            }
        }
        out
    }

    proptest::proptest! {
        #[test]
        fn packing_planes_matches_the_per_pixel_oracle(w in 1u32..80, h in 1u32..4, x in 0u32..100, seed in proptest::collection::vec(0u8..4, 1..400)) {
            let mut b = LedBitmap::new(w, h);
            for (i, p) in b.pixels.iter_mut().enumerate() { *p = seed[i % seed.len()]; }
            for f in [PixelFormat::Bx5Mono, PixelFormat::Bx5RedGreen, PixelFormat::Bx6Mono, PixelFormat::Bx6RedGreen, PixelFormat::Rgb888, PixelFormat::Rgb565] {
                proptest::prop_assert_eq!(pack(f, x, &b), pack_per_pixel(f, x, &b), "{:?} at x={}", f, x);
            }
        }

        #[test]
        fn pack_unpack_roundtrip(w in 1u32..70, h in 1u32..5, x in 0u32..100, seed in proptest::collection::vec(0u8..4, 350)) {
            let mut b = LedBitmap::new(w, h);
            for (i, p) in b.pixels.iter_mut().enumerate() { *p = seed[i % seed.len()]; }
            for f in [PixelFormat::Bx5RedGreen, PixelFormat::Bx6RedGreen, PixelFormat::Rgb888, PixelFormat::Rgb565] {
                let packed = pack(f, x, &b);
                proptest::prop_assert_eq!(packed.len(), f.packed_len(x, w, h));
                proptest::prop_assert_eq!(&unpack(f, x, w, h, &packed).unwrap(), &b);
            }
            let mono: Vec<u8> = b.pixels.iter().map(|p| u8::from(*p != 0)).collect();
            let mb = LedBitmap { width: w, height: h, pixels: mono };
            for f in [PixelFormat::Bx5Mono, PixelFormat::Bx6Mono] {
                proptest::prop_assert_eq!(&unpack(f, x, w, h, &pack(f, x, &mb)).unwrap(), &mb);
            }
        }
    }
}
