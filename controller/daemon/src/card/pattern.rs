//! Test patterns a technician puts on the board to check every LED, colour and module
//! (`pinghu diag test-pattern`, the console's diagnostics, the daemon's pattern command): beside
//! the card client, the one layer all of them sit on.

use pinghu_fonts::{ColorMode, Effect, FontSet, Frame, LedColor, RenderOptions};

use crate::card::client::DriverError;

/// Test patterns a technician can put on the board.
pub const PATTERNS: [&str; 11] = [
    "all-on",
    "all-off",
    "red",
    "green",
    "yellow",
    "checkerboard",
    "stripes",
    "h-stripes",
    "grid",
    "moving-bar",
    "text",
];

/// A test pattern as frames (several for `moving-bar`).
pub fn pattern(name: &str, w: u32, h: u32, colors: ColorMode, module: (u32, u32)) -> Result<Vec<Frame>, DriverError> {
    let mut f = Frame::new(w, h, colors);
    let fill = |f: &mut Frame, pick: &dyn Fn(u32, u32) -> LedColor| {
        for y in 0..h {
            for x in 0..w {
                f.set(x, y, pick(x, y));
            }
        }
    };
    match name {
        "all-on" => fill(&mut f, &|_, _| LedColor::Yellow),
        "all-off" => {}
        "red" => fill(&mut f, &|_, _| LedColor::Red),
        "green" => fill(&mut f, &|_, _| LedColor::Green),
        "yellow" => fill(&mut f, &|_, _| LedColor::Yellow),
        "checkerboard" => fill(&mut f, &|x, y| {
            if (x + y) % 2 == 0 { LedColor::Red } else { LedColor::Off }
        }),
        "stripes" => fill(&mut f, &|x, _| if x % 2 == 0 { LedColor::Red } else { LedColor::Off }),
        "h-stripes" => fill(&mut f, &|_, y| if y % 2 == 0 { LedColor::Red } else { LedColor::Off }),
        "grid" => {
            let (mw, mh) = (module.0.max(1), module.1.max(1));
            fill(&mut f, &|x, y| {
                if x % mw == 0 || y % mh == 0 || x + 1 == w || y + 1 == h {
                    LedColor::Red
                } else {
                    LedColor::Off
                }
            });
        }
        "moving-bar" => {
            return Ok((0..h)
                .map(|row| {
                    let mut p = Frame::new(w, h, colors);
                    for x in 0..w {
                        p.set(x, row, LedColor::Yellow);
                    }
                    p
                })
                .collect());
        }
        "text" => {
            let size = pinghu_protocol::style::largest_font_size(h);
            let fonts = FontSet::builtin(size).expect("built-in size");
            let mut o = RenderOptions::new(w, h);
            o.font_size = size;
            o.mode = colors;
            o.effect = Effect::Static;
            let r = pinghu_fonts::render("夷陵区 LED 显示屏测试 0123456789", &fonts, &o)
                .map_err(|e| DriverError::Invalid(e.to_string()))?;
            return Ok(r.pages);
        }
        other => {
            return Err(DriverError::Invalid(format!(
                "unknown test pattern {other:?} (use {})",
                PATTERNS.join(", ")
            )));
        }
    }
    Ok(vec![f])
}
