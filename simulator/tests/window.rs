//! The desktop window: its picture (board + state panel), and a real window under Xvfb.

#![cfg(feature = "window")]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use pinghu_fonts::{ColorMode, Frame, LedColor};

#[test]
fn window_picture_has_the_board_and_the_state_panel() {
    let mut f = Frame::new(16, 4, ColorMode::RedGreen);
    f.set(0, 0, LedColor::Green);
    let (buf, w, h) =
        pinghu_simulator::window::compose(&f, &["电源 开".to_string(), "last error: none".to_string()], 10);
    assert_eq!(w, 480); // at least 480 wide; the 160 px board is centred
    assert!(h > 40 + 2 * 16);
    let x0 = (480 - 160) / 2;
    assert_eq!(buf[5 * w + x0 + 5], 0x0028_F040, "green LED centre");
    let panel = &buf[40 * w..];
    assert!(
        panel.iter().filter(|p| **p == 0x00D8_D8D0).count() > 50,
        "status text is drawn"
    );
}

#[test]
fn opens_a_real_window_under_xvfb() {
    let Ok(xvfb) = which("Xvfb") else {
        eprintln!("Xvfb is not installed (apt-get install xvfb); .ci/run installs it");
        return;
    };
    // Xvfb picks a free display and writes its number once it accepts clients (`-displayfd`):
    // no fixed display to collide on, and no guess at how long it takes to start.
    let mut x = Command::new(xvfb)
        .args(["-displayfd", "1", "-screen", "0", "800x600x24"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut number = String::new();
    BufReader::new(x.stdout.take().unwrap()).read_line(&mut number).unwrap();
    let display = format!(":{}", number.trim());
    let mut sim = Command::new(env!("CARGO_BIN_EXE_pinghu-sim"))
        .args([
            "--listen",
            "127.0.0.1:0",
            "--window",
            "--protocol",
            "bx-5e",
            "--width",
            "64",
            "--height",
            "16",
        ])
        .env("DISPLAY", &display)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(sim.stdout.take().unwrap()).lines();
    assert!(lines.next().unwrap().unwrap().starts_with("listening tcp "));
    std::thread::sleep(Duration::from_millis(1500));
    let still_running = sim.try_wait().unwrap().is_none();
    let _ = Command::new("kill").args(["-TERM", &sim.id().to_string()]).status();
    let status = sim.wait().unwrap();
    let mut err = String::new();
    std::io::Read::read_to_string(&mut sim.stderr.take().unwrap(), &mut err).unwrap();
    let _ = x.kill();
    let _ = x.wait();
    assert!(still_running, "the window closed by itself: {err}");
    assert!(status.success(), "SIGTERM is a clean shutdown: {err}");
    assert!(err.contains("stopped"), "{err}");
}

fn which(name: &str) -> Result<std::path::PathBuf, ()> {
    std::env::var_os("PATH")
        .and_then(|p| std::env::split_paths(&p).map(|d| d.join(name)).find(|p| p.exists()))
        .ok_or(())
}
