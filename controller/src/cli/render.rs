//! `pinghu render`: typeset text, or fit a picture, into the pages the board would show.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use pinghu_fonts::{Align, BitmapFont, ColorMode, Effect, FontSet, RenderOptions, TextColor, VAlign, render};
use serde_json::json;

pub use crate::cli::Outcome;

#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("input").required(true).args(["text", "file", "image"])))]
#[command(group(clap::ArgGroup::new("output").required(true).multiple(true).args(["out", "ascii", "json"])))]
pub struct RenderArgs {
    /// The text to render
    #[arg(long)]
    pub text: Option<String>,
    /// A picture (PNG, JPEG or BMP) to fit to the board instead of text
    #[arg(long, value_name = "FILE", conflicts_with_all = ["text", "file"])]
    pub image: Option<PathBuf>,
    /// How a picture is reduced to the LEDs: dither (photographs) or threshold (logos, line art)
    #[arg(long, default_value = "dither", value_parser = ["dither", "threshold"])]
    pub reduce: String,
    /// Read the text from a UTF-8 file (- for standard input)
    #[arg(long, value_name = "FILE")]
    pub file: Option<String>,
    /// Board width in pixels
    #[arg(long, value_parser = crate::cli::args::width())]
    pub width: u32,
    /// Board height in pixels
    #[arg(long, value_parser = crate::cli::args::height())]
    pub height: u32,
    /// Font size: 12, 16, 24 or 32
    #[arg(long, default_value_t = 16)]
    pub font_size: u32,
    /// Text colour (dual-colour boards; mono boards ignore it)
    #[arg(long, default_value = "red", value_parser = crate::cli::args::color())]
    pub color: TextColor,
    /// The board's LEDs
    #[arg(long, default_value = "mono", value_parser = crate::cli::args::colors())]
    pub colors: ColorMode,
    /// Horizontal alignment (auto: centre a single line, left-align the rest)
    #[arg(long, default_value = "auto", value_parser = crate::cli::args::align())]
    pub align: Align,
    /// Vertical alignment
    #[arg(long, default_value = "middle", value_parser = crate::cli::args::valign())]
    pub valign: VAlign,
    /// How the pages change (auto: static when it fits one page)
    #[arg(long, default_value = "auto", value_parser = crate::cli::args::effect())]
    pub effect: Effect,
    /// Extra pixels between lines
    #[arg(long, default_value_t = 0)]
    pub line_spacing: u32,
    /// Seconds per page (default: from reading speed)
    #[arg(long, default_value_t = 0)]
    pub dwell: u32,
    /// A GNU Unifont .hex file for characters the built-in fonts lack
    #[arg(long, value_name = "FILE")]
    pub fallback_font: Option<PathBuf>,
    /// Use this BDF font instead of the built-in one (e.g. pcf2bdf wenquanyi_9pt.pcf for 12 px)
    #[arg(long, value_name = "FILE")]
    pub font: Option<PathBuf>,
    /// Write page-001.png, page-002.png … (LED look) into this folder
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Print the pages as ASCII art
    #[arg(long)]
    pub ascii: bool,
    /// Print a JSON summary (pages, missing, font_size, width, height, …)
    #[arg(long)]
    pub json: bool,
    /// Exit 1 when a character has no glyph (or a picture will not look good)
    #[arg(long)]
    pub strict: bool,
    /// Pixels per LED in the PNG files (1-32)
    #[arg(long, default_value_t = 8, value_parser = crate::cli::args::scale())]
    pub scale: u32,
}

impl RenderArgs {
    /// Render the text (or fit the picture) and write or print the pages.
    pub fn run(self) -> Result<ExitCode> {
        if let Some(image) = &self.image {
            let reduce = pinghu_fonts::picture::Reduce::parse(&self.reduce).unwrap_or_default();
            return Ok(self::image(
                image,
                (self.width, self.height, self.colors),
                reduce,
                self.out.as_deref(),
                (self.ascii, self.json, self.strict, self.scale),
            )?
            .print());
        }
        let text = match (&self.text, self.file.as_deref()) {
            (Some(t), _) => t.clone(),
            (None, Some("-")) => crate::cli::read_input("-")?,
            (None, Some(f)) => std::fs::read_to_string(f)
                .with_context(|| format!("cannot read {f} (the text must be a UTF-8 file)"))?,
            (None, None) => bail!("give --text TEXT or --file FILE"),
        };
        Ok(typeset(&self, &text)?.print())
    }

    /// The renderer's options these arguments ask for.
    fn options(&self) -> RenderOptions {
        let mut options = RenderOptions::new(self.width, self.height);
        options.font_size = self.font_size;
        options.color = self.color;
        options.mode = self.colors;
        options.align = self.align;
        options.valign = self.valign;
        options.effect = self.effect;
        options.line_spacing = self.line_spacing;
        options.dwell_s = self.dwell;
        options
    }
}

/// Typeset `text` and write or print the pages.
fn typeset(req: &RenderArgs, text: &str) -> Result<Outcome> {
    let options = req.options();
    let size = options.font_size;
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
    let fallback = match &req.fallback_font {
        Some(p) => Some(BitmapFont::load(p)?),
        None => None,
    };
    let fonts = FontSet {
        primary,
        fallback: fallback.as_ref(),
    };
    let r = render(text, &fonts, &options)?;
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
            "width": options.width,
            "height": options.height,
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
            options.width,
            options.height,
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
            if req.fallback_font.is_none() {
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
