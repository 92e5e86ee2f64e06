//! `pinghu render`: typeset text, or fit a picture, into the pages the board would show.

use std::fmt::Write as _;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use pinghu_fonts::{BitmapFont, FontSet, RenderOptions, render};
use serde_json::json;

pub use crate::cli::Outcome;

/// A validated render request.
#[derive(Debug, Clone)]
pub struct Request {
    pub text: String,
    pub options: RenderOptions,
    pub out: Option<PathBuf>,
    pub ascii: bool,
    pub json: bool,
    pub strict: bool,
    pub fallback: Option<PathBuf>,
    /// A BDF (or Unifont .hex) font used instead of the built-in one.
    pub font: Option<PathBuf>,
    pub scale: u32,
}

/// Render and write or print the pages.
pub fn run(req: &Request) -> Result<Outcome> {
    let size = req.options.font_size;
    let loaded = match &req.font {
        Some(p) => {
            let f = BitmapFont::load(p)?;
            if f.size() != size {
                bail!(
                    "{} is a {} px font: use --font-size {}",
                    p.display(),
                    f.size(),
                    f.size()
                );
            }
            Some(f)
        }
        None => None,
    };
    let primary = match &loaded {
        Some(f) => f,
        None => {
            BitmapFont::builtin(size).with_context(|| format!("no {size} px font: use --font-size 12, 16, 24 or 32"))?
        }
    };
    let fallback = match &req.fallback {
        Some(p) => Some(BitmapFont::load(p)?),
        None => None,
    };
    let fonts = FontSet {
        primary,
        fallback: fallback.as_ref(),
    };
    let r = render(&req.text, &fonts, &req.options)?;
    let mut stdout = String::new();
    let mut stderr = String::new();
    let mut files = Vec::new();
    if let Some(dir) = &req.out {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        for (i, p) in r.pages.iter().enumerate() {
            let path = dir.join(format!("page-{:03}.png", i + 1));
            p.save_led_png(&path, req.scale)
                .with_context(|| format!("cannot write {}", path.display()))?;
            files.push(path.display().to_string());
        }
    }
    let missing: Vec<String> = r.missing.iter().map(ToString::to_string).collect();
    if req.json {
        let v = json!({
            "pages": r.pages.len(),
            "missing": missing,
            "missing_codepoints": r.missing.iter().map(|c| format!("U+{:04X}", *c as u32)).collect::<Vec<_>>(),
            "substituted": r.substituted.iter().map(ToString::to_string).collect::<Vec<_>>(),
            "font_size": size,
            "width": req.options.width,
            "height": req.options.height,
            "effect": r.effect.name(),
            "dwell_s": r.dwell_s,
            "lines": r.lines,
            "files": files,
            "ascii": if req.ascii { r.pages.iter().map(pinghu_fonts::Frame::to_ascii).collect::<Vec<_>>() } else { Vec::new() },
        });
        stdout = serde_json::to_string_pretty(&v)? + "\n";
    } else {
        if req.ascii {
            for (i, p) in r.pages.iter().enumerate() {
                let _ = writeln!(stdout, "page {}/{} ({} s)", i + 1, r.pages.len(), r.dwell_s[i]);
                stdout.push_str(&p.to_ascii());
            }
        }
        let _ = writeln!(
            stdout,
            "{} page(s), {} px font, {}x{}, effect {}{}",
            r.pages.len(),
            size,
            req.options.width,
            req.options.height,
            r.effect.name(),
            if files.is_empty() {
                String::new()
            } else {
                format!(
                    ", written to {}",
                    req.out.as_ref().map(|d| d.display().to_string()).unwrap_or_default()
                )
            }
        );
    }
    if !r.missing.is_empty() {
        let list: Vec<String> = r.missing.iter().map(|c| format!("{c} (U+{:04X})", *c as u32)).collect();
        let _ = writeln!(
            stderr,
            "warning: no font has {}: drawn as boxes. Replace them{}",
            list.join(", "),
            if req.fallback.is_none() {
                ", or add a fallback font (--fallback-font /usr/share/unifont/unifont.hex)"
            } else {
                ""
            }
        );
    }
    Ok(Outcome {
        stdout,
        stderr,
        failed: req.strict && !r.missing.is_empty(),
    })
}

/// `pinghu render --image FILE`: the picture as the board shows it, with what may be wrong.
pub fn image(
    file: &std::path::Path,
    (width, height, mode): (u32, u32, pinghu_fonts::ColorMode),
    reduce: pinghu_fonts::picture::Reduce,
    out: Option<&std::path::Path>,
    (ascii, json, strict, scale): (bool, bool, bool, u32),
) -> Result<Outcome> {
    let img = pinghu_fonts::picture::load(file).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    let p = pinghu_fonts::picture::to_frame(&img, width, height, mode, reduce);
    let mut o = Outcome::default();
    let mut files = Vec::new();
    if let Some(dir) = out {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let path = dir.join("page-001.png");
        p.frame
            .save_led_png(&path, scale)
            .with_context(|| format!("cannot write {}", path.display()))?;
        files.push(path.display().to_string());
    }
    if json {
        o.stdout = serde_json::to_string_pretty(&json!({
            "pages": 1, "width": width, "height": height, "source": [img.width(), img.height()],
            "lit": p.frame.lit(), "warnings": p.warnings.iter().map(ToString::to_string).collect::<Vec<_>>(), "files": files,
        }))? + "\n";
    } else {
        if ascii {
            o.stdout.push_str(&p.frame.to_ascii());
        }
        let _ = writeln!(
            o.stdout,
            "1 page, {}x{} picture fitted to {width}x{height}, {} LEDs lit{}",
            img.width(),
            img.height(),
            p.frame.lit(),
            files.first().map(|f| format!(", written to {f}")).unwrap_or_default()
        );
    }
    for w in &p.warnings {
        let _ = writeln!(o.stderr, "warning: {}: {w}", file.display());
    }
    o.failed = strict && !p.warnings.is_empty();
    Ok(o)
}
