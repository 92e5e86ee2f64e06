//! Run-time font loading: BDF (first byte even) or GNU Unifont `.hex` (odd). Any bytes load or
//! are refused with a reason; nothing panics, and a font that loads draws every glyph it has
//! into a board frame, as a fallback and as the board's own font (typeset with its punctuation
//! compressed).
#![no_main]

use libfuzzer_sys::fuzz_target;
use pinghu_fonts::{BitmapFont, FontSet, RenderOptions, render};

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    let Ok(text) = std::str::from_utf8(rest) else { return };
    let font = if mode % 2 == 0 {
        BitmapFont::from_bdf(text)
    } else {
        BitmapFont::from_unifont_hex(text)
    };
    let Ok(font) = font else { return };
    let sample: String = text.chars().filter(|c| font.glyph(*c).is_some()).take(40).collect();
    if sample.trim().is_empty() {
        return;
    }
    let size = pinghu_fonts::SIZES
        .iter()
        .copied()
        .min_by_key(|s| s.abs_diff(font.size()))
        .unwrap_or(16);
    let Some(primary) = BitmapFont::builtin(size) else { return };
    let set = FontSet {
        primary,
        fallback: Some(&font),
    };
    let mut opt = RenderOptions::new(128, 32.max(size));
    opt.font_size = size;
    let _ = render(&sample, &set, &opt);
    // The loaded font as the board's own (`fonts.N` in the configuration): its punctuation is
    // compressed by what its glyphs leave blank, whatever their shapes.
    let own = FontSet {
        primary: &font,
        fallback: None,
    };
    let mut opt = RenderOptions::new(256, 64);
    opt.font_size = font.size();
    let _ = render(&sample, &own, &opt);
});
