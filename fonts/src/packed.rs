//! The compressed glyph store compiled into the binary (`PHZ1`), made at build time by
//! `fonts/build.rs` from the generator's `PHF1` files in `fonts/data/`.
//!
//! The generator's format keeps every glyph uncompressed behind a 12-byte index entry (7.2 MB
//! for the four sizes). Here the index is deflated as a whole and the glyph bitmaps in blocks of
//! [`BLOCK`] glyphs, so a block is inflated the first time one of its glyphs is drawn and kept
//! from then on; a daemon that shows notices touches a few dozen blocks. Layout, little-endian:
//!
//! ```text
//! "PHZ1" | size u8 | baseline u8 | reserved u16 | count u32 | index_len u32 | blocks u32
//! deflate(index: count × (code point u32, advance u8), sorted by code point)   index_len bytes
//! block ends: blocks × u32 (end offset of each compressed block in the block area)
//! block area: deflate(bitmaps of glyphs k·BLOCK .. (k+1)·BLOCK), one stream per block
//! ```
//!
//! A glyph bitmap is `size` rows of `ceil(advance / 8)` bytes, MSB first (as in `PHF1`).
//!
//! This file is also compiled into the build script (`#[path]`), so the writer and the reader are
//! one piece of code.

/// Glyphs per compressed block.
pub const BLOCK: usize = 128;
/// Magic of the compressed store.
pub const MAGIC: &[u8; 4] = b"PHZ1";
const HEADER: usize = 20;
const PHF_HEADER: usize = 12;
const PHF_ENTRY: usize = 12;

fn u32_at(d: &[u8], at: usize) -> Option<u32> {
    d.get(at..at + 4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// Convert the generator's `PHF1` font into `PHZ1`.
pub fn compress_phf1(phf: &[u8]) -> Result<Vec<u8>, String> {
    if phf.get(..4) != Some(b"PHF1") {
        return Err("not a PHF1 font (bad magic)".into());
    }
    let (size, baseline) = (phf[4], phf[5]);
    let count = u32_at(phf, 8).ok_or("cut short")? as usize;
    let bits_at = PHF_HEADER + count * PHF_ENTRY;
    let mut index = Vec::with_capacity(count * 5);
    let mut glyphs: Vec<&[u8]> = Vec::with_capacity(count);
    for i in 0..count {
        let e = PHF_HEADER + i * PHF_ENTRY;
        let cp = u32_at(phf, e).ok_or("index cut short")?;
        let offset = u32_at(phf, e + 4).ok_or("index cut short")? as usize;
        let width = phf[e + 8];
        let len = usize::from(width).div_ceil(8) * usize::from(size);
        let at = bits_at + offset;
        glyphs.push(phf.get(at..at + len).ok_or("glyph bitmap cut short")?);
        index.extend_from_slice(&cp.to_le_bytes());
        index.push(width);
    }
    let index = miniz_oxide::deflate::compress_to_vec(&index, 9);
    let mut ends = Vec::new();
    let mut area = Vec::new();
    for block in glyphs.chunks(BLOCK) {
        area.extend_from_slice(&miniz_oxide::deflate::compress_to_vec(&block.concat(), 9));
        ends.extend_from_slice(&(area.len() as u32).to_le_bytes());
    }
    let mut out = Vec::with_capacity(HEADER + index.len() + ends.len() + area.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&[size, baseline, 0, 0]);
    out.extend_from_slice(&(count as u32).to_le_bytes());
    out.extend_from_slice(&(index.len() as u32).to_le_bytes());
    out.extend_from_slice(&(ends.len() as u32 / 4).to_le_bytes());
    out.extend_from_slice(&index);
    out.extend_from_slice(&ends);
    out.extend_from_slice(&area);
    Ok(out)
}

/// A `PHZ1` store, opened: the index inflated, blocks inflated on first use.
#[derive(Debug)]
pub struct Packed {
    pub size: u32,
    pub baseline: u32,
    /// Code points, sorted.
    codes: Vec<u32>,
    widths: Vec<u8>,
    /// Offset of each glyph's bitmap inside its inflated block.
    offsets: Vec<u32>,
    /// Glyph number + 1 of each Basic Multilingual Plane character (0: none): one array lookup
    /// instead of a binary search for nearly every character a notice has.
    bmp: Box<[u16]>,
    /// Compressed blocks, and each one inflated on first use.
    blocks: Vec<&'static [u8]>,
    inflated: Vec<std::sync::OnceLock<Box<[u8]>>>,
}

impl Packed {
    /// Open a store (the index is inflated now; glyph blocks when first drawn).
    pub fn open(data: &'static [u8]) -> Result<Self, String> {
        if data.len() < HEADER || &data[..4] != MAGIC {
            return Err("not a PHZ1 glyph store (bad magic)".into());
        }
        let (size, baseline) = (u32::from(data[4]), u32::from(data[5]));
        let count = u32_at(data, 8).ok_or("cut short")? as usize;
        let index_len = u32_at(data, 12).ok_or("cut short")? as usize;
        let nblocks = u32_at(data, 16).ok_or("cut short")? as usize;
        let index_at = HEADER;
        let ends_at = index_at + index_len;
        let area_at = ends_at + 4 * nblocks;
        let index = data.get(index_at..ends_at).ok_or("index cut short")?;
        let index =
            miniz_oxide::inflate::decompress_to_vec(index).map_err(|e| format!("index does not inflate: {e:?}"))?;
        if index.len() != count * 5 || nblocks != count.div_ceil(BLOCK) {
            return Err(format!(
                "index of {count} glyphs has {} bytes in {nblocks} blocks",
                index.len()
            ));
        }
        let (mut codes, mut widths, mut offsets) = (
            Vec::with_capacity(count),
            Vec::with_capacity(count),
            Vec::with_capacity(count),
        );
        let mut bmp = vec![0u16; 0x1_0000].into_boxed_slice();
        let mut offset = 0u32;
        for (i, e) in index.chunks_exact(5).enumerate() {
            if i % BLOCK == 0 {
                offset = 0;
            }
            let cp = u32::from_le_bytes([e[0], e[1], e[2], e[3]]);
            if codes.last().is_some_and(|&last| last >= cp) {
                return Err(format!("index is not sorted at glyph {i}"));
            }
            if let (Some(slot), Ok(n)) = (bmp.get_mut(cp as usize), u16::try_from(i + 1)) {
                *slot = n;
            }
            codes.push(cp);
            widths.push(e[4]);
            offsets.push(offset);
            offset += (u32::from(e[4]).div_ceil(8)) * size;
        }
        let mut blocks = Vec::with_capacity(nblocks);
        let mut start = 0usize;
        for k in 0..nblocks {
            let end = u32_at(data, ends_at + 4 * k).ok_or("block table cut short")? as usize;
            blocks.push(data.get(area_at + start..area_at + end).ok_or("block cut short")?);
            start = end;
        }
        Ok(Self {
            size,
            baseline,
            codes,
            widths,
            offsets,
            bmp,
            inflated: (0..nblocks).map(|_| std::sync::OnceLock::new()).collect(),
            blocks,
        })
    }

    pub fn len(&self) -> usize {
        self.codes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.codes.is_empty()
    }

    /// Every code point, sorted.
    pub fn codes(&self) -> &[u32] {
        &self.codes
    }

    fn find(&self, cp: u32) -> Option<usize> {
        match self.bmp.get(cp as usize) {
            Some(&n) => (n as usize).checked_sub(1),
            None => self.codes.binary_search(&cp).ok(),
        }
    }

    /// Advance of `cp`, if the store has it: from the index alone (measuring text inflates no
    /// block).
    pub fn advance(&self, cp: u32) -> Option<u32> {
        self.find(cp).map(|i| u32::from(self.widths[i]))
    }

    /// Advance and bitmap of `cp`, if the store has it.
    pub fn glyph(&self, cp: u32) -> Option<(u32, &[u8])> {
        let i = self.find(cp)?;
        let k = i / BLOCK;
        let block = self.inflated[k].get_or_init(|| {
            // The store was checked when the binary was built; a block that does not inflate
            // would be a build fault, and draws as missing characters instead of panicking.
            miniz_oxide::inflate::decompress_to_vec(self.blocks[k])
                .unwrap_or_default()
                .into_boxed_slice()
        });
        let width = u32::from(self.widths[i]);
        let at = self.offsets[i] as usize;
        let len = (width.div_ceil(8) * self.size) as usize;
        block.get(at..at + len).map(|bits| (width, bits))
    }
}
