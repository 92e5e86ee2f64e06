//! The compiled-in glyph data must be what the committed generator makes: the manifest records
//! the generator's hash and each data file's hash.

use sha2::{Digest, Sha256};

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn data_matches_manifest_and_generator() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let manifest: toml::Table = std::fs::read_to_string(dir.join("data/MANIFEST.toml"))
        .unwrap()
        .parse()
        .unwrap();
    let generator = std::fs::read(dir.join("generator/make_fonts.py")).unwrap();
    assert_eq!(
        manifest["generator_sha256"].as_str().unwrap(),
        sha256_hex(&generator),
        "fonts/generator/make_fonts.py changed: run it again to regenerate fonts/data (see its docstring)"
    );
    let fonts = manifest["font"].as_table().unwrap();
    assert_eq!(fonts.len(), 4);
    for (size, f) in fonts {
        let file = f["file"].as_str().unwrap();
        let data = std::fs::read(dir.join("data").join(file)).unwrap();
        assert_eq!(
            f["sha256"].as_str().unwrap(),
            sha256_hex(&data),
            "{file} was edited by hand or not regenerated"
        );
        let font = pinghu_fonts::BitmapFont::builtin(size.parse().unwrap()).unwrap();
        assert_eq!(font.len() as i64, f["glyphs"].as_integer().unwrap());
    }
    assert!(dir.join("licenses/OFL-1.1-NotoSansCJK.txt").exists());
}

/// The compressed store compiled into the binary holds exactly the generator's glyphs.
#[test]
fn compressed_store_is_lossless() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    for size in pinghu_fonts::SIZES {
        let phf = std::fs::read(dir.join(format!("data/noto-sc-{size}.phf"))).unwrap();
        let u32_at = |at: usize| u32::from_le_bytes(phf[at..at + 4].try_into().unwrap());
        let count = u32_at(8) as usize;
        let font = pinghu_fonts::BitmapFont::builtin(size).unwrap();
        assert_eq!(font.len(), count);
        for i in 0..count {
            let e = 12 + i * 12;
            let ch = char::from_u32(u32_at(e)).unwrap();
            let (offset, width) = (u32_at(e + 4) as usize, u32::from(phf[e + 8]));
            let at = 12 + count * 12 + offset;
            let bits = &phf[at..at + (width.div_ceil(8) * size) as usize];
            let g = font.glyph(ch).unwrap();
            assert_eq!(g.width, width, "{size}px {ch}");
            let stride = width.div_ceil(8) as usize;
            for y in 0..size {
                assert_eq!(
                    g.row(y),
                    &bits[y as usize * stride..][..stride],
                    "{size}px {ch} row {y}"
                );
            }
        }
    }
}
