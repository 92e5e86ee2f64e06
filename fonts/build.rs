//! Compress the generator's glyph files (`data/*.phf`) into the store compiled into the binary
//! (`PHZ1`, see `src/packed.rs`, which this script shares with the library).

#[allow(dead_code)]
#[path = "src/packed.rs"]
mod packed;

fn main() {
    let out = std::path::PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    for size in [12, 16, 24, 32] {
        let src = format!("data/noto-sc-{size}.phf");
        println!("cargo::rerun-if-changed={src}");
        let phf = std::fs::read(&src).unwrap_or_else(|e| panic!("{src}: {e}"));
        let phz = packed::compress_phf1(&phf).unwrap_or_else(|e| panic!("{src}: {e}"));
        std::fs::write(out.join(format!("noto-sc-{size}.phz")), phz).expect("write to OUT_DIR");
    }
    println!("cargo::rerun-if-changed=src/packed.rs");
}
