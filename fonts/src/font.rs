//! Bitmap fonts: the compiled-in Noto Sans CJK SC rasterisations (12, 16, 24, 32 px; OFL-1.1) and
//! fonts loaded at run time (GNU Unifont `.hex`, e.g. Debian's `/usr/share/unifont/unifont.hex`)
//! as a fallback for rare characters.
//!
//! The compiled-in fonts are stored compressed ([`crate::packed`]): a font's index is inflated
//! the first time the font is used (about a millisecond), each block of glyphs the first time
//! one of them is drawn. Lookup is one array access for the Basic Multilingual Plane, a binary
//! search beyond it, or a hash map for loaded fonts.

use std::collections::HashMap;

use crate::error::FontError;

use crate::packed::Packed;

// The generator's fonts (data/*.phf), compressed by build.rs (see `packed`).
static NOTO_12: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/noto-sc-12.phz"));
static NOTO_16: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/noto-sc-16.phz"));
static NOTO_24: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/noto-sc-24.phz"));
static NOTO_32: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/noto-sc-32.phz"));

/// Font sizes with compiled-in fonts.
pub const SIZES: [u32; 4] = pinghu_protocol::style::FONT_SIZES;
/// The largest glyph cell a run-time font may have, in pixels (a board line is at most 32 px
/// tall; this leaves room without letting a damaged file ask for huge cells).
pub const MAX_GLYPH: i32 = 256;

/// One glyph: `height` rows of `stride` bytes, MSB first.
#[derive(Debug, Clone, Copy)]
pub struct Glyph<'a> {
    pub width: u32,
    pub height: u32,
    bits: &'a [u8],
}

impl<'a> Glyph<'a> {
    /// The whole bitmap: `height` rows of `ceil(width / 8)` bytes, MSB first.
    pub fn bits(&self) -> &'a [u8] {
        self.bits
    }

    /// Row `y` of the glyph: `ceil(width / 8)` bytes, MSB first (empty below the glyph).
    pub fn row(&self, y: u32) -> &'a [u8] {
        let stride = self.width.div_ceil(8) as usize;
        self.bits
            .get(y as usize * stride..(y as usize + 1) * stride)
            .unwrap_or(&[])
    }

    /// The blank half of a full-width cell of `size` px: for an opening mark its left half, for
    /// a closing one its right half, as (left, right) pixels, when the glyph has no ink there.
    fn blank_half(&self, size: u32, opening: bool) -> (u32, u32) {
        let stride = self.width.div_ceil(8) as usize;
        if self.width != size || stride == 0 || stride > 8 {
            return (0, 0);
        }
        // The inked columns, one bit each (column 0 the most significant of `stride` bytes).
        let mut ink = 0u64;
        for row in self.bits.chunks_exact(stride) {
            ink |= row.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
        }
        if ink == 0 {
            return (0, 0);
        }
        let bits = stride as u32 * 8;
        let first = ink.leading_zeros() - (64 - bits);
        let last = bits - 1 - ink.trailing_zeros();
        let half = size / 2;
        match opening {
            true if first >= half => (half, 0),
            false if last < size - half => (0, half),
            _ => (0, 0),
        }
    }

    /// Whether the pixel at (x, y) is inked.
    pub fn pixel(&self, x: u32, y: u32) -> bool {
        if x >= self.width || y >= self.height {
            return false;
        }
        let stride = self.width.div_ceil(8);
        self.bits
            .get((y * stride + x / 8) as usize)
            .is_some_and(|b| b & (0x80 >> (x % 8)) != 0)
    }
}

#[derive(Debug)]
enum Store {
    Packed(Packed),
    Map(HashMap<char, (u32, Vec<u8>)>),
}

/// A bitmap font of one pixel height.
#[derive(Debug)]
pub struct BitmapFont {
    name: String,
    size: u32,
    baseline: u32,
    store: Store,
    /// The blank halves of its full-width punctuation marks (see [`BitmapFont::blank_halves`]),
    /// worked out from the glyphs on first use.
    punct: std::sync::OnceLock<Vec<(char, u8, u8)>>,
}

impl BitmapFont {
    /// The compiled-in font of `size` px (12, 16, 24 or 32), opened on first use.
    pub fn builtin(size: u32) -> Option<&'static BitmapFont> {
        use std::sync::OnceLock;
        static FONTS: [OnceLock<BitmapFont>; 4] = [const { OnceLock::new() }; 4];
        let k = SIZES.iter().position(|s| *s == size)?;
        let data = [NOTO_12, NOTO_16, NOTO_24, NOTO_32][k];
        Some(FONTS[k].get_or_init(|| Self::from_packed(data).expect("compiled-in font data is valid")))
    }

    /// Open a compressed glyph store (`PHZ1`, see [`crate::packed`]).
    pub fn from_packed(data: &'static [u8]) -> Result<Self, FontError> {
        let packed = Packed::open(data).map_err(FontError::Format)?;
        Ok(Self {
            name: format!("Noto Sans CJK SC {}px (Pinghu bitmap)", packed.size),
            size: packed.size,
            baseline: packed.baseline,
            store: Store::Packed(packed),
            punct: std::sync::OnceLock::new(),
        })
    }

    /// Load GNU Unifont's `.hex` format (`XXXX:` + 32 or 64 hex digits, 8x16 or 16x16).
    pub fn from_unifont_hex(text: &str) -> Result<Self, FontError> {
        let mut map = HashMap::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let bad = || FontError::Format(format!("unifont hex line {}: expected XXXX:HEX", n + 1));
            let (cp, hex) = line.split_once(':').ok_or_else(bad)?;
            if !hex.is_ascii() {
                return Err(FontError::Format(format!(
                    "unifont hex line {}: the bitmap has a character that is not a hex digit",
                    n + 1
                )));
            }
            let cp = u32::from_str_radix(cp, 16).map_err(|_| bad())?;
            let Some(ch) = char::from_u32(cp) else {
                continue;
            };
            let width = match hex.len() {
                32 => 8,
                64 => 16,
                _ => continue, // wider glyphs (rare) are not used on a board
            };
            let bytes = (0..hex.len() / 2)
                .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16))
                .collect::<Result<Vec<u8>, _>>()
                .map_err(|_| bad())?;
            map.insert(ch, (width, bytes));
        }
        if map.is_empty() {
            return Err(FontError::Format("no glyphs found in the unifont hex file".into()));
        }
        Ok(Self {
            name: "GNU Unifont 16px".into(),
            size: 16,
            baseline: 14,
            store: Store::Map(map),
            punct: std::sync::OnceLock::new(),
        })
    }

    /// Parse a BDF font (Unicode-encoded, e.g. `pcf2bdf wenquanyi_9pt.pcf`): each glyph is placed
    /// in a cell as tall as the font (ascent + descent), its advance as wide, on the font's baseline.
    pub fn from_bdf(text: &str) -> Result<Self, FontError> {
        let bad = |line: usize, what: &str| FontError::Format(format!("BDF line {line}: {what}"));
        let (mut ascent, mut descent, mut pixel_size) = (None::<i32>, None::<i32>, None::<i32>);
        let mut name = String::from("BDF font");
        let mut map = HashMap::new();
        let mut lines = text.lines().enumerate();
        // Numbers are bounded so that no arithmetic on them can overflow and no cell is huge.
        let num = |v: Option<&str>, line: usize, what: &str| -> Result<i32, FontError> {
            v.and_then(|x| x.parse::<i32>().ok())
                .filter(|n| n.abs() <= 1 << 20)
                .ok_or_else(|| bad(line + 1, what))
        };
        // The cell (height, ascent) is fixed by the first glyph; every glyph is cut to it.
        let mut cell: Option<(i32, i32)> = None;
        while let Some((i, line)) = lines.next() {
            let mut w = line.split_whitespace();
            let key = w.next();
            if cell.is_some() && matches!(key, Some("FONT_ASCENT" | "FONT_DESCENT" | "PIXEL_SIZE")) {
                return Err(bad(
                    i + 1,
                    "FONT_ASCENT, FONT_DESCENT and PIXEL_SIZE must come before the glyphs",
                ));
            }
            match key {
                Some("FONT") => name = w.collect::<Vec<_>>().join(" "),
                Some("FONT_ASCENT") => ascent = Some(num(w.next(), i, "FONT_ASCENT needs a number")?),
                Some("FONT_DESCENT") => descent = Some(num(w.next(), i, "FONT_DESCENT needs a number")?),
                Some("PIXEL_SIZE") => pixel_size = Some(num(w.next(), i, "PIXEL_SIZE needs a number")?),
                Some("STARTCHAR") => {
                    let (Some(a), Some(d)) = (ascent, descent) else {
                        return Err(bad(i + 1, "FONT_ASCENT and FONT_DESCENT must come before the glyphs"));
                    };
                    // The cell is PIXEL_SIZE tall when given (fonts often add line spacing to
                    // ascent + descent), with the baseline where it divides the cell likewise.
                    let height = pixel_size.filter(|p| *p > 0).unwrap_or(a + d);
                    if !(1..=MAX_GLYPH).contains(&height) || a.abs() > MAX_GLYPH || d.abs() > MAX_GLYPH {
                        return Err(bad(
                            i + 1,
                            &format!("the font is {height} px tall (ascent {a}, descent {d}); at most {MAX_GLYPH} px"),
                        ));
                    }
                    let asc = if a + d > 0 {
                        (f64::from(height * a) / f64::from(a + d)).round() as i32
                    } else {
                        a
                    };
                    cell = Some((height, asc));
                    let (mut code, mut dwidth, mut bbx) = (None, None, None);
                    let mut rows: Vec<Vec<u8>> = Vec::new();
                    let mut in_bitmap = false;
                    for (j, l) in lines.by_ref() {
                        let mut f = l.split_whitespace();
                        match f.next() {
                            Some("ENCODING") => code = Some(num(f.next(), j, "ENCODING needs a number")?),
                            Some("DWIDTH") => dwidth = Some(num(f.next(), j, "DWIDTH needs a number")?),
                            Some("BBX") => {
                                let v: Vec<i32> = f.filter_map(|x| x.parse().ok()).collect();
                                if v.len() != 4 {
                                    return Err(bad(j + 1, "BBX needs 4 numbers"));
                                }
                                bbx = Some((v[0], v[1], v[2], v[3]));
                            }
                            Some("BITMAP") => in_bitmap = true,
                            Some("ENDCHAR") => break,
                            Some(hex) if in_bitmap => {
                                // One bit per pixel, most significant first, any width.
                                let row = hex
                                    .chars()
                                    .map(|c| c.to_digit(16).map(|d| d as u8))
                                    .collect::<Option<Vec<u8>>>()
                                    .ok_or_else(|| bad(j + 1, "bitmap row is not hex"))?;
                                rows.push(row);
                            }
                            _ => {}
                        }
                    }
                    let (Some(code), Some(dw), Some((bw, bh, bx, by))) = (code, dwidth, bbx) else {
                        continue;
                    };
                    let Some(ch) = u32::try_from(code).ok().and_then(char::from_u32) else {
                        continue;
                    };
                    if !(0..=MAX_GLYPH).contains(&dw)
                        || !(0..=MAX_GLYPH).contains(&bw)
                        || !(0..=MAX_GLYPH).contains(&bh)
                    {
                        return Err(FontError::Format(format!(
                            "BDF glyph U+{:04X}: {dw}x{bh} px (box {bw} wide) is larger than {MAX_GLYPH} px",
                            u32::from(ch)
                        )));
                    }
                    if bx.abs() > MAX_GLYPH || by.abs() > MAX_GLYPH {
                        return Err(FontError::Format(format!(
                            "BDF glyph U+{:04X}: offset {bx},{by} is out of range",
                            u32::from(ch)
                        )));
                    }
                    let width = dw.max(1) as u32;
                    let stride = width.div_ceil(8) as usize;
                    let mut bits = vec![0u8; stride * height.max(1) as usize];
                    for (r, row) in rows.iter().enumerate().take(bh.max(0) as usize) {
                        let y = asc - (by + bh) + r as i32;
                        for c in 0..bw.min(row.len() as i32 * 4) {
                            let nibble = row[c as usize / 4];
                            if nibble & (0x8 >> (c % 4)) != 0 {
                                let x = bx + c;
                                if x >= 0 && (x as u32) < width && y >= 0 && y < height {
                                    bits[y as usize * stride + x as usize / 8] |= 0x80 >> (x % 8);
                                }
                            }
                        }
                    }
                    map.insert(ch, (width, bits));
                }
                _ => {}
            }
        }
        let (a, d) = match (ascent, descent) {
            (Some(a), Some(d)) if a + d > 0 => (a, d),
            _ => return Err(FontError::Format("BDF font without FONT_ASCENT/FONT_DESCENT".into())),
        };
        if map.is_empty() {
            return Err(FontError::Format("no Unicode-encoded glyphs in the BDF font".into()));
        }
        // `cell` is set: there is at least one glyph.
        let (size, baseline) = cell.unwrap_or((a + d, a));
        Ok(Self {
            name,
            size: size as u32,
            baseline: baseline.max(0) as u32,
            store: Store::Map(map),
            punct: std::sync::OnceLock::new(),
        })
    }

    /// Load a BDF file.
    pub fn load_bdf(path: &std::path::Path) -> Result<Self, FontError> {
        let text = std::fs::read_to_string(path).map_err(|e| FontError::read(path, &e))?;
        Self::from_bdf(&text)
    }

    /// Load a font file by its extension: `.bdf` or Unifont `.hex`.
    pub fn load(path: &std::path::Path) -> Result<Self, FontError> {
        match path.extension().and_then(|e| e.to_str()) {
            Some("bdf") => Self::load_bdf(path),
            Some("hex") => Self::load_unifont_hex(path),
            _ => Err(FontError::Format(format!(
                "{}: use a .bdf font (convert PCF with pcf2bdf) or a GNU Unifont .hex file",
                path.display()
            ))),
        }
    }

    /// Load a Unifont `.hex` file.
    pub fn load_unifont_hex(path: &std::path::Path) -> Result<Self, FontError> {
        let text = std::fs::read_to_string(path).map_err(|e| FontError::read(path, &e))?;
        Self::from_unifont_hex(&text)
    }

    pub fn name(&self) -> &str {
        &self.name
    }
    /// Pixel height of every glyph.
    pub fn size(&self) -> u32 {
        self.size
    }
    /// Row of the baseline, counted from the top of the cell.
    pub fn baseline(&self) -> u32 {
        self.baseline
    }

    /// Number of glyphs.
    pub fn len(&self) -> usize {
        match &self.store {
            Store::Packed(p) => p.len(),
            Store::Map(m) => m.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The glyph of `ch`, if the font has it.
    pub fn glyph(&self, ch: char) -> Option<Glyph<'_>> {
        match &self.store {
            Store::Packed(p) => p.glyph(ch as u32).map(|(width, bits)| Glyph {
                width,
                height: self.size,
                bits,
            }),
            Store::Map(m) => m.get(&ch).map(|(w, b)| Glyph {
                width: *w,
                height: self.size,
                bits: b,
            }),
        }
    }

    /// The blank halves of the cell of punctuation mark `ch` that typesetting may compress, in
    /// pixels: (left, right). The left half of an opening mark (【「“…) and the right half of a
    /// closing one (，。」】…), each only where the glyph has no ink; nothing for characters that
    /// are not full-width punctuation or that the font lacks. One table per font, made on first use.
    pub fn blank_halves(&self, ch: char) -> (u32, u32) {
        use crate::typeset::{NO_LINE_END, NO_LINE_START};
        let table = self.punct.get_or_init(|| {
            let marks = NO_LINE_END
                .chars()
                .map(|c| (c, true))
                .chain(NO_LINE_START.chars().map(|c| (c, false)));
            let mut table: Vec<(char, u8, u8)> = marks
                .filter(|(c, _)| !c.is_ascii())
                .filter_map(|(c, opening)| {
                    let (left, right) = self.glyph(c).map_or((0, 0), |g| g.blank_half(self.size, opening));
                    (left + right > 0).then_some((c, left as u8, right as u8))
                })
                .collect();
            table.sort_unstable();
            table
        });
        table
            .binary_search_by_key(&ch, |e| e.0)
            .map_or((0, 0), |i| (u32::from(table[i].1), u32::from(table[i].2)))
    }

    /// The advance of `ch`, if the font has it (without reaching for its bitmap).
    pub fn advance(&self, ch: char) -> Option<u32> {
        match &self.store {
            Store::Packed(p) => p.advance(ch as u32),
            Store::Map(m) => m.get(&ch).map(|(w, _)| *w),
        }
    }

    /// Every character the font has (for coverage checks).
    pub fn chars(&self) -> Vec<char> {
        match &self.store {
            Store::Packed(p) => p.codes().iter().filter_map(|&c| char::from_u32(c)).collect(),
            Store::Map(m) => {
                let mut v: Vec<char> = m.keys().copied().collect();
                v.sort_unstable();
                v
            }
        }
    }
}

/// The fonts a board uses: the compiled-in font of one size, and an optional fallback (drawn
/// scaled to the size) for characters it lacks.
#[derive(Debug, Clone, Copy)]
pub struct FontSet<'a> {
    pub primary: &'a BitmapFont,
    pub fallback: Option<&'a BitmapFont>,
}

/// Where a character's pixels come from.
#[derive(Debug, Clone, Copy)]
pub enum Source<'a> {
    Primary(Glyph<'a>),
    /// A fallback glyph drawn scaled to the primary size.
    Fallback(Glyph<'a>),
    /// No font has it: a replacement box.
    Missing,
}

/// Full-width characters take a square cell: East Asian Wide and Fullwidth, and the ambiguous
/// ones (Greek, Cyrillic, symbols), which Chinese fonts draw full-width (Unicode's East Asian
/// Width in its East Asian context, from `unicode-width`).
pub fn is_wide(ch: char) -> bool {
    unicode_width::UnicodeWidthChar::width_cjk(ch) == Some(2)
}

impl<'a> FontSet<'a> {
    /// The compiled-in font of `size`, without fallback.
    pub fn builtin(size: u32) -> Option<FontSet<'static>> {
        BitmapFont::builtin(size).map(|primary| FontSet {
            primary,
            fallback: None,
        })
    }

    pub fn size(&self) -> u32 {
        self.primary.size
    }

    /// Where `ch` is drawn from.
    pub fn source(&self, ch: char) -> Source<'a> {
        if let Some(g) = self.primary.glyph(ch) {
            return Source::Primary(g);
        }
        if let Some(g) = self.fallback.and_then(|f| f.glyph(ch)) {
            return Source::Fallback(g);
        }
        Source::Missing
    }

    /// Advance width of `ch` in pixels.
    pub fn advance(&self, ch: char) -> u32 {
        // Nearly always the primary font's: its index says, with no bitmap to inflate.
        match self.primary.advance(ch) {
            Some(w) => w,
            None => self.advance_of(ch, self.source(ch)),
        }
    }

    /// Advance width of `ch` drawn from `source` (what [`FontSet::source`] said for it).
    pub fn advance_of(&self, ch: char, source: Source<'_>) -> u32 {
        let size = self.primary.size;
        match source {
            Source::Primary(g) => g.width,
            Source::Fallback(g) => (g.width * size).div_ceil(g.height),
            Source::Missing => {
                if is_wide(ch) {
                    size
                } else {
                    size / 2
                }
            }
        }
    }

    /// Width of a string.
    pub fn measure(&self, s: &str) -> u32 {
        s.chars().map(|c| self.advance(c)).sum()
    }

    /// Call `plot(x, y)` for every inked pixel of `ch` drawn with its cell's top-left at (0, 0);
    /// a missing character is a visible box.
    pub fn draw_char(&self, ch: char, mut plot: impl FnMut(u32, u32)) {
        let size = self.primary.size;
        match self.source(ch) {
            Source::Primary(g) => {
                for y in 0..g.height {
                    for x in 0..g.width {
                        if g.pixel(x, y) {
                            plot(x, y);
                        }
                    }
                }
            }
            Source::Fallback(g) => {
                let w = (g.width * size).div_ceil(g.height);
                for y in 0..size {
                    for x in 0..w {
                        if g.pixel(x * g.height / size, y * g.height / size) {
                            plot(x, y);
                        }
                    }
                }
            }
            Source::Missing => {
                let w = self.advance(ch);
                let (x0, y0, x1, y1) = (1, 1, w.saturating_sub(2), size.saturating_sub(2));
                for x in x0..=x1 {
                    plot(x, y0);
                    plot(x, y1);
                }
                for y in y0..=y1 {
                    plot(x0, y);
                    plot(x1, y);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_fonts_cover_gb2312_hanzi() {
        // Every GB2312 hanzi: rows B0-F7 (level 1 and 2), decoded through the protocol's GBK codec.
        for size in SIZES {
            let f = BitmapFont::builtin(size).unwrap();
            assert_eq!(f.size(), size);
            let mut n = 0;
            for hi in 0xB0u8..=0xF7 {
                for lo in 0xA1u8..=0xFE {
                    if hi == 0xD7 && lo > 0xF9 {
                        continue; // D7FA-D7FE are unassigned
                    }
                    let text = pinghu_protocol::fontcard::AreaText::from_gbk(&[hi, lo]).to_text();
                    let ch = text.chars().next().unwrap();
                    assert!(f.glyph(ch).is_some(), "{size}px lacks {ch} (U+{:04X})", ch as u32);
                    n += 1;
                }
            }
            assert_eq!(n, 6763);
        }
    }

    #[test]
    fn punctuation_and_fullwidth() {
        for size in SIZES {
            let f = BitmapFont::builtin(size).unwrap();
            for ch in "，。、；：？！“”‘’（）《》【】…—·　％℃「」『』ＡＢ１２ abcXYZ0123456789".chars()
            {
                assert!(f.glyph(ch).is_some(), "{size}px lacks {ch:?}");
            }
            assert_eq!(f.glyph('国').unwrap().width, size);
            assert!(f.glyph('i').unwrap().width < size);
        }
    }

    #[test]
    fn bdf_glyphs_sit_on_the_baseline() {
        // A 12 px font (ascent 10, descent 2) with a 4x3 glyph for 'A' at x=1 sitting on the
        // baseline, and a full-width 口 box.
        let bdf = "STARTFONT 2.1\nFONT test-12\nSIZE 12 75 75\nFONTBOUNDINGBOX 12 12 0 -2\nSTARTPROPERTIES 2\nFONT_ASCENT 10\nFONT_DESCENT 2\nENDPROPERTIES\nCHARS 2\n\
                   STARTCHAR A\nENCODING 65\nSWIDTH 500 0\nDWIDTH 6 0\nBBX 4 3 1 0\nBITMAP\n60\n90\nF0\nENDCHAR\n\
                   STARTCHAR kou\nENCODING 21475\nDWIDTH 12 0\nBBX 10 10 1 -1\nBITMAP\nFFC0\n8040\n8040\n8040\n8040\n8040\n8040\n8040\n8040\nFFC0\nENDCHAR\nENDFONT\n";
        let f = BitmapFont::from_bdf(bdf).unwrap();
        assert_eq!((f.size(), f.baseline(), f.len()), (12, 10, 2));
        let a = f.glyph('A').unwrap();
        assert_eq!(a.width, 6);
        // Rows 7..=9 (baseline 10, height 3); columns 1..=4.
        assert!(a.pixel(2, 7) && a.pixel(3, 7) && !a.pixel(1, 7));
        assert!(a.pixel(1, 9) && a.pixel(4, 9) && !a.pixel(5, 9));
        assert!(!(0..6).any(|x| a.pixel(x, 6) || a.pixel(x, 10)));
        let k = f.glyph('口').unwrap();
        assert!(k.pixel(1, 1) && k.pixel(10, 1) && k.pixel(1, 10) && !k.pixel(5, 5));
        assert!(BitmapFont::from_bdf("STARTFONT 2.1\nENDFONT\n").is_err());
        // PIXEL_SIZE 12 with ascent 12 + descent 3 (line spacing built in, as WenQuanYi has it):
        // a 12-row cell with the baseline at row 10.
        let spaced = bdf.replace(
            "FONT_ASCENT 10\nFONT_DESCENT 2",
            "PIXEL_SIZE 12\nFONT_ASCENT 12\nFONT_DESCENT 3",
        );
        let f = BitmapFont::from_bdf(&spaced).unwrap();
        assert_eq!((f.size(), f.baseline()), (12, 10));
        assert!(f.glyph('A').unwrap().pixel(1, 9));
        assert!(
            BitmapFont::load(std::path::Path::new("x.ttf"))
                .unwrap_err()
                .to_string()
                .contains("pcf2bdf")
        );
    }

    #[test]
    fn unifont_hex_loads_and_scales() {
        // U+4E00 一 as a 16x16 glyph: one horizontal bar on row 7.
        let mut hex = String::from("4E00:");
        for row in 0..16 {
            hex.push_str(if row == 7 { "7FFE" } else { "0000" });
        }
        hex.push('\n');
        let uni = BitmapFont::from_unifont_hex(&hex).unwrap();
        let g = uni.glyph('一').unwrap();
        assert!(g.pixel(1, 7) && !g.pixel(0, 7) && !g.pixel(1, 6));
        // Drawn at 32 px via a font without it: doubled.
        let set = FontSet {
            primary: BitmapFont::builtin(32).unwrap(),
            fallback: Some(&uni),
        };
        assert!(matches!(set.source('\u{4E00}'), Source::Primary(_)));
        assert!(matches!(set.source('\u{2000B}'), Source::Missing));
        assert!(BitmapFont::from_unifont_hex("zz").is_err());
    }

    #[test]
    fn damaged_font_files_are_errors_never_panics() {
        // A Unifont line with non-ASCII bytes where the hex digits belong (byte slicing used to
        // cut a character in half).
        let line = format!("4E00:{}", "字".repeat(32).chars().take(21).collect::<String>() + "0");
        let e = BitmapFont::from_unifont_hex(&line).unwrap_err();
        assert!(e.to_string().contains("line 1"), "{e}");
        // A BDF glyph 40 px wide (its rows have 10 hex digits): drawn, not an overflow.
        let wide = "STARTFONT 2.1\nFONT_ASCENT 14\nFONT_DESCENT 2\nSTARTCHAR w\nENCODING 87\nDWIDTH 40 0\nBBX 40 1 0 0\n\
                    BITMAP\nFFFFFFFFFF\nENDCHAR\nENDFONT\n";
        let f = BitmapFont::from_bdf(wide).unwrap();
        let w = f.glyph('W').unwrap();
        assert!(w.pixel(0, 13) && w.pixel(39, 13));
        // Absurd sizes are refused with the reason, instead of asking for gigabytes.
        let huge = wide.replace("DWIDTH 40 0", "DWIDTH 2000 0");
        assert!(
            BitmapFont::from_bdf(&huge)
                .unwrap_err()
                .to_string()
                .contains("larger than 256")
        );
        let tall = wide.replace("FONT_ASCENT 14", "FONT_ASCENT 999999");
        assert!(
            BitmapFont::from_bdf(&tall)
                .unwrap_err()
                .to_string()
                .contains("at most 256 px")
        );
        let overflow = wide.replace("FONT_ASCENT 14", "FONT_ASCENT 99999999999");
        assert!(BitmapFont::from_bdf(&overflow).is_err());
        // Found by the fuzzer: the font's height changed after the first glyph, so glyph bitmaps
        // and the font disagreed on the cell and drawing read out of bounds.
        let moved = wide.replace("ENDCHAR\n", "ENDCHAR\nFONT_ASCENT 70\n");
        let e = BitmapFont::from_bdf(&moved).unwrap_err();
        assert!(e.to_string().contains("must come before the glyphs"), "{e}");
    }
}
