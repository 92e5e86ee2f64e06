//! Rendering throughput on the repository's notice corpus (`fonts/tests/data/notices.txt`), against
//! the Pillow peer (`tests/peers/pillow_render.py`) in the same run, printed as a ratio.
//!
//! `cargo bench -p pinghu-fonts --bench render [-- --width 192 --height 32 --font-size 16 --repeat 20]`
//!
//! Both sides do the same work per pass: wrap the whole text, cut it into pages, draw each page
//! and pack it into bytes (here: the BX-5E mono page format). The peer needs its virtual
//! environment: `bash tests/peers/setup.sh` (it prints where it is; set PINGHU_PEER_PYTHON to
//! use another interpreter).

use std::hint::black_box;
use std::process::Command;
use std::time::Instant;

use pinghu_fonts::{Effect, FontSet, RenderOptions, render};
use pinghu_protocol::bitmap::{PixelFormat, pack};

fn arg(args: &[String], name: &str, default: u32) -> u32 {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (width, height, size, repeat) = (
        arg(&args, "--width", 192),
        arg(&args, "--height", 32),
        arg(&args, "--font-size", 16),
        arg(&args, "--repeat", 20),
    );
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let text = include_str!("../tests/data/notices.txt");
    // render() takes at most 2000 characters (an announcement's limit): feed it line by line.
    let pieces: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let fonts = FontSet::builtin(size).expect("font size 12, 16, 24 or 32");
    let mut opt = RenderOptions::new(width, height);
    opt.font_size = size;
    opt.effect = Effect::Static;

    let pass = || {
        let (mut pages, mut glyphs, mut bytes) = (0usize, 0usize, 0usize);
        for p in &pieces {
            for chunk in p.chars().collect::<Vec<_>>().chunks(2000) {
                let s: String = chunk.iter().collect();
                let r = render(&s, &fonts, &opt).expect("renders");
                for f in &r.pages {
                    bytes += black_box(pack(PixelFormat::Bx5Mono, 0, &f.to_led_bitmap())).len();
                }
                pages += r.pages.len();
                glyphs += r
                    .lines
                    .iter()
                    .flatten()
                    .map(|l| l.chars().filter(|c| *c != ' ').count())
                    .sum::<usize>();
            }
        }
        (pages, glyphs, bytes)
    };
    let _ = pass(); // warm up
    let t0 = Instant::now();
    let (mut pages, mut glyphs) = (0, 0);
    for _ in 0..repeat {
        let (p, g, _) = pass();
        pages += p;
        glyphs += g;
    }
    let dt = t0.elapsed().as_secs_f64();
    let ours = pages as f64 / dt;
    println!(
        "pinghu: board {width}x{height} font {size}px repeat={repeat} pages={pages} glyphs={glyphs} elapsed_s={dt:.3}"
    );
    println!("pinghu: pages_per_s={ours:.1} glyphs_per_s={:.1}", glyphs as f64 / dt);

    let python = std::env::var("PINGHU_PEER_PYTHON").unwrap_or_else(|_| {
        let tmp = std::env::var("TMPDIR").unwrap_or_else(|_| "/tmp".into());
        format!("{tmp}/pinghu-peers-venv/bin/python")
    });
    let peer = Command::new(&python)
        .arg(format!("{root}/tests/peers/pillow_render.py"))
        .args([
            "--width",
            &width.to_string(),
            "--height",
            &height.to_string(),
            "--font-size",
            &size.to_string(),
        ])
        .args(["--repeat", &repeat.min(10).to_string()])
        .output();
    match peer {
        Ok(out) if out.status.success() => {
            let stdout = String::from_utf8_lossy(&out.stdout);
            let last = stdout.lines().last().unwrap_or_default();
            println!("peer (Pillow): {last}");
            let theirs: f64 = last
                .split_whitespace()
                .find_map(|kv| kv.strip_prefix("pages_per_s="))
                .and_then(|v| v.parse().ok())
                .unwrap_or(f64::NAN);
            println!("ratio pinghu/peer pages_per_s = {:.2}", ours / theirs);
        }
        Ok(out) => println!(
            "peer failed: {}",
            String::from_utf8_lossy(&out.stderr).lines().last().unwrap_or_default()
        ),
        Err(e) => {
            println!("peer not run ({python}: {e}); run `bash tests/peers/setup.sh` first");
        }
    }
}
