//! Rendering throughput on the repository's notice corpus (`fonts/tests/data/notices.txt`), against
//! the Pillow peer (`tests/peers/pillow_render.py`) in the same run, printed as a ratio of glyphs
//! per second, with the allocations per page of the steady state.
//!
//! `cargo bench -p pinghu-fonts --bench render [-- --sizes 16,24,32 --repeat 200 --rounds 5]`
//!
//! Each side times `--rounds` rounds of passes and keeps its fastest round (the least disturbed
//! by the rest of the machine; a round of Pinghu's is `--repeat` passes, about 50 ms, and of the
//! peer's 10 passes).
//!
//! Board per size: 12 full-width characters by 2 lines (192x32 at 16 px, 288x48 at 24 px, 384x64
//! at 32 px), mono. Both sides do the same work per pass: wrap the whole corpus, cut it into
//! pages, draw each page and pack it into the BX-5E mono page format. The peer runs two methods,
//! `ImageDraw.text` and pasting cached glyph cells, and reports the faster. It needs its virtual
//! environment: `bash tests/peers/setup.sh` (set PINGHU_PEER_PYTHON to use another interpreter).

use std::hint::black_box;
use std::process::Command;
use std::time::Instant;

use pinghu_fonts::{Effect, FontSet, RenderOptions, Typesetter};
use pinghu_protocol::bitmap::PixelFormat;

fn arg<'a>(args: &'a [String], name: &str, default: &'a str) -> &'a str {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map_or(default, String::as_str)
}

/// Pages, glyphs and packed bytes of one pass over the corpus.
fn pass(t: &mut Typesetter<'_>, pieces: &[&str], packed: &mut Vec<u8>) -> (usize, usize, usize) {
    let (mut pages, mut glyphs, mut bytes) = (0, 0, 0);
    for p in pieces {
        t.typeset(p, |page| {
            packed.clear();
            page.frame.pack_into(PixelFormat::Bx5Mono, 0, packed);
            bytes += black_box(&packed).len();
            pages += 1;
        })
        .expect("renders");
        glyphs += t.glyphs_drawn();
    }
    (pages, glyphs, bytes)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let repeat: usize = arg(&args, "--repeat", "200").parse().expect("--repeat N");
    let rounds: usize = arg(&args, "--rounds", "5").parse().expect("--rounds N");
    let sizes: Vec<u32> = arg(&args, "--sizes", "16,24,32")
        .split(',')
        .map(|s| s.parse().expect("--sizes 16,24,32"))
        .collect();
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let text = include_str!("../tests/data/notices.txt");
    // An announcement is at most 2000 characters: each paragraph is one text.
    let pieces: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let python = std::env::var("PINGHU_PEER_PYTHON").unwrap_or_else(|_| {
        let tmp = std::env::var("TMPDIR").unwrap_or_else(|_| "/tmp".into());
        format!("{tmp}/pinghu-peers-venv/bin/python")
    });
    let mut summary = Vec::new();
    for size in sizes {
        let (width, height) = (size * 12, size * 2);
        let fonts = FontSet::builtin(size).expect("font size 12, 16, 24 or 32");
        let mut opt = RenderOptions::new(width, height);
        opt.font_size = size;
        opt.effect = Effect::Static;
        let mut t = Typesetter::new(fonts, opt).expect("board fits the font");
        let mut packed = Vec::new();
        pass(&mut t, &pieces, &mut packed); // warm up: glyph blocks inflated, buffers grown
        let allocs = allocation_counter::measure(|| {
            black_box(pass(&mut t, &pieces, &mut packed));
        });
        // The fastest of `rounds` rounds (every round does the same work).
        let (mut pages, mut glyphs, mut dt) = (0, 0, f64::INFINITY);
        for _ in 0..rounds.max(1) {
            let t0 = Instant::now();
            (pages, glyphs) = (0, 0);
            for _ in 0..repeat {
                let (p, g, _) = pass(&mut t, &pieces, &mut packed);
                pages += p;
                glyphs += g;
            }
            dt = dt.min(t0.elapsed().as_secs_f64());
        }
        let per_pass = pages / repeat;
        let ours = glyphs as f64 / dt;
        println!(
            "pinghu {width}x{height} {size}px: repeat={repeat} pages={pages} glyphs={glyphs} elapsed_s={dt:.3} (fastest of {rounds} rounds)"
        );
        println!(
            "pinghu {width}x{height} {size}px: pages_per_s={:.0} glyphs_per_s={ours:.0} allocations_per_page={:.2} (one pass: {} allocations, {} pages)",
            pages as f64 / dt,
            allocs.count_total as f64 / per_pass as f64,
            allocs.count_total,
            per_pass
        );
        let peer = Command::new(&python)
            .arg(format!("{root}/tests/peers/pillow_render.py"))
            .args(["--width", &width.to_string(), "--height", &height.to_string()])
            .args([
                "--font-size",
                &size.to_string(),
                "--repeat",
                &repeat.clamp(1, 10).to_string(),
                "--rounds",
                &rounds.to_string(),
            ])
            .output();
        match peer {
            Ok(out) if out.status.success() => {
                let stdout = String::from_utf8_lossy(&out.stdout);
                for line in stdout.lines() {
                    println!("peer {line}");
                }
                let theirs: f64 = stdout
                    .lines()
                    .last()
                    .unwrap_or_default()
                    .split_whitespace()
                    .find_map(|kv| kv.strip_prefix("glyphs_per_s="))
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(f64::NAN);
                let ratio = ours / theirs;
                println!("ratio pinghu/pillow glyphs_per_s at {size}px = {ratio:.1}");
                summary.push(format!("{size}px {ratio:.1}x"));
            }
            Ok(out) => println!(
                "peer failed: {}",
                String::from_utf8_lossy(&out.stderr).lines().last().unwrap_or_default()
            ),
            Err(e) => println!("peer not run ({python}: {e}); run `bash tests/peers/setup.sh` first"),
        }
    }
    if !summary.is_empty() {
        println!(
            "summary: pinghu vs the faster Pillow method, glyphs per second: {}",
            summary.join(", ")
        );
    }
}
