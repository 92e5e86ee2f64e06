//! The desktop window: the board as LEDs, animated, with the card's state below it, drawn with
//! Pinghu's own fonts. minifb loads X11 or Wayland at run time, so nothing but a display is
//! needed (under CI, Xvfb).

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use jiff::Timestamp;
use pinghu_fonts::{FontSet, Frame};

use crate::server::Shared;

const PANEL_LINES: u32 = 4;
const FONT: u32 = 16;

/// Render the window's picture: the LED board scaled by `scale`, then a status panel.
pub fn compose(board: &Frame, status: &[String], scale: u32) -> (Vec<u32>, usize, usize) {
    let img = board.to_led_image(scale);
    let (bw, bh) = img.dimensions();
    let width = bw.max(480);
    let height = bh + PANEL_LINES * (FONT + 4) + 12;
    let mut buf = vec![0x0020_2024u32; (width * height) as usize];
    let x0 = (width - bw) / 2;
    for (x, y, p) in img.enumerate_pixels() {
        buf[((y * width) + x0 + x) as usize] = (u32::from(p[0]) << 16) | (u32::from(p[1]) << 8) | u32::from(p[2]);
    }
    let fonts = FontSet::builtin(FONT).expect("16 px font");
    for (i, line) in status.iter().take(PANEL_LINES as usize).enumerate() {
        let top = bh + 8 + i as u32 * (FONT + 4);
        let mut x = 8u32;
        for ch in line.chars() {
            let adv = fonts.advance(ch);
            if x + adv >= width {
                break;
            }
            fonts.draw_char(ch, |px, py| {
                let (tx, ty) = (x + px, top + py);
                if tx < width && ty < height {
                    buf[(ty * width + tx) as usize] = 0x00D8_D8D0;
                }
            });
            x += adv;
        }
    }
    (buf, width as usize, height as usize)
}

/// Status lines under the board.
pub fn status_lines(shared: &Shared, now: Timestamp) -> (Frame, Vec<String>) {
    let card = shared.card.lock().expect("card lock");
    let c = &card.config;
    let lines = vec![
        format!(
            "{} {}x{} 地址 {}  电源 {}  亮度 {}",
            c.model.name(),
            c.width,
            c.height,
            c.address,
            if card.power_at(now) { "开" } else { "关" },
            card.brightness_at(now)
        ),
        format!(
            "areas {}  frames {}  replies {}",
            card.areas.len(),
            card.frames_received,
            card.replies_sent
        ),
        format!(
            "card time {}",
            card.card_time(now)
                .to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::offset(8)))
                .strftime("%Y-%m-%d %H:%M:%S")
        ),
        format!("last error: {}", card.errors.last().map_or("none", String::as_str)),
    ];
    (card.screen(now), lines)
}

/// Run the window until it is closed or the simulator shuts down.
pub fn run(shared: &Arc<Shared>, scale: u32) -> Result<(), String> {
    let (board, lines) = status_lines(shared, Timestamp::now());
    let (_, w, h) = compose(&board, &lines, scale);
    let mut window = minifb::Window::new("pinghu-sim — 平湖 LED board", w, h, minifb::WindowOptions::default())
        .map_err(|e| format!("cannot open a window ({e}); is there a display? use --headless"))?;
    window.set_target_fps(30);
    while window.is_open() && !shared.shutdown.load(Ordering::Relaxed) {
        let (board, lines) = status_lines(shared, Timestamp::now());
        let (buf, bw, bh) = compose(&board, &lines, scale);
        if (bw, bh) != (w, h) {
            // The screen-parameter file changed the board size: reopen at the new size.
            return run(shared, scale);
        }
        window
            .update_with_buffer(&buf, bw, bh)
            .map_err(|e| format!("window update failed: {e}"))?;
        std::thread::sleep(Duration::from_millis(15));
    }
    shared.shutdown.store(true, Ordering::Relaxed);
    Ok(())
}
