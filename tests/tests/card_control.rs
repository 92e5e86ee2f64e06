//! The card's own controls end to end (docs/protocol.md Part D): `pinghu diag` against the real
//! `pinghu-sim` over TCP and a pseudo-terminal, and the daemon's flash fallback program through
//! kill -9, a simulator restart on the same flash, and the daemon's return.

use std::time::{Duration, Instant};

use pinghu_tests::{Collector, Daemon, Mosquitto, Sim, keygen, pinghu};

fn diag(device: &str, args: &[&str]) -> (i32, String, String) {
    let mut a = vec!["diag", "--device", device, "--protocol", "bx-6e", "--timeout", "1s"];
    a.extend_from_slice(args);
    pinghu(&a)
}

fn json(out: &str) -> serde_json::Value {
    serde_json::from_str(out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}"))
}

/// Power, clock, the brightness table and the card's size, over one link.
fn controls_work_over(sim: &Sim, device: &str) {
    let (code, out, err) = diag(device, &["power", "off"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "screen off\n");
    let s = sim.wait_state("power off", |s| s["power"] == "off");
    assert_eq!(s["showing"], "blank");
    let (code, _, err) = diag(device, &["power", "on"]);
    assert_eq!(code, 0, "{err}");
    sim.wait_state("power on", |s| s["power"] == "on");

    let (code, out, err) = diag(device, &["--json", "time-sync"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        json(&out)["drift_after_s"].as_i64().map(i64::abs).map(|d| d <= 2),
        Some(true),
        "{out}"
    );
    let card_time: jiff::Timestamp = sim.state()["card_time"].as_str().unwrap().parse().unwrap();
    assert!(card_time.duration_since(jiff::Timestamp::now()).as_secs().abs() <= 2);

    // A day's table from a playlist: dim at night, bright by day, followed by the card's clock.
    let dir = tempfile::tempdir().unwrap();
    let playlist = dir.path().join("p.toml");
    std::fs::write(
        &playlist,
        "[defaults]\nbrightness = 3\n\n[[brightness]]\ntime = \"07:00-19:00\"\nlevel = 12\n\n[[item]]\nid = \"a\"\ntext = \"欢迎\"\n",
    )
    .unwrap();
    let (code, _, err) = diag(device, &["brightness", "--schedule", playlist.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let s = sim.wait_state("the brightness table", |s| s["brightness_table"].is_array());
    let table: Vec<u64> = serde_json::from_value(s["brightness_table"].clone()).unwrap();
    assert_eq!(table.len(), 48);
    assert_eq!((table[0], table[14], table[37], table[38]), (3, 12, 12, 3));

    // The card tells its size: status, probe, and a test pattern with no --width/--height.
    let (code, out, err) = diag(device, &["--json", "status"]);
    assert_eq!(code, 0, "{err}");
    let st = json(&out);
    assert_eq!(
        (st["info"]["width"].as_u64(), st["info"]["height"].as_u64()),
        (Some(128), Some(32))
    );
    assert_eq!(st["power"], true);
    let (code, out, err) = diag(device, &["probe"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("board: 128x32 px, red-green"), "{out}");
    let (code, out, err) = diag(device, &["test-pattern", "checkerboard"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("on the 128x32 board"), "{out}");
    let s = sim.wait_state("the pattern", |s| s["lit"].as_u64() == Some(128 * 32 / 2));
    assert_eq!(s["showing"], "dynamic");
}

#[test]
fn diagnostics_drive_power_clock_brightness_and_size_over_tcp() {
    let sim = Sim::start_bx6e_128x32();
    controls_work_over(&sim, &sim.tcp_url());
}

#[test]
fn diagnostics_drive_power_clock_brightness_and_size_over_a_serial_line() {
    let sim = Sim::start_bx6e_128x32_with(&["--pty", "--no-tcp"]);
    controls_work_over(&sim, &sim.serial_url(57600));
}

#[test]
fn older_firmware_without_the_control_header_says_so() {
    let sim = Sim::start(&["--protocol", "bx-6e", "--no-control-header"]);
    let (code, _, err) = diag(&sim.tcp_url(), &["power", "off"]);
    assert_eq!(code, 1);
    assert!(err.contains("power is not available on bx-6e cards"), "{err}");
    assert!(err.contains("ignores the control header (older firmware)"), "{err}");
    let (code, _, err) = diag(&sim.tcp_url(), &["test-pattern", "grid"]);
    assert_eq!(code, 1);
    assert!(err.contains("give --width and --height"), "{err}");
}

fn config(dir: &std::path::Path, device: &str, broker: &Mosquitto, public: &str) {
    std::fs::write(
        dir.join("playlist.toml"),
        "[defaults]\ndwell_s = 2\nfont_size = 16\n\n[[item]]\nid = \"welcome\"\ntext = \"平湖公告\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("pinghu.toml"),
        format!(
            "data_dir = \"data\"\nplaylist = \"playlist.toml\"\n\n[screen]\nid = \"flash-board\"\nwidth = 128\nheight = 32\n\
             colors = \"red-green\"\n\n[device]\nurl = \"{device}\"\nprotocol = \"bx-6e\"\ntimeout_ms = 800\n\
             fallback_after_s = 3\n\n[fallback]\ntext = \"夷陵区人民政府 欢迎您\"\n\n[mqtt]\nurl = \"{}\"\n\
             client_id = \"pinghu-flash-{}\"\n\n[portal_keys]\nportal-2026 = \"{public}\"\n",
            broker.url(),
            broker.port
        ),
    )
    .unwrap();
}

fn sim_on(flash: &std::path::Path) -> Sim {
    Sim::start_bx6e_128x32_with(&["--flash-dir", flash.to_str().unwrap()])
}

fn erases(s: &serde_json::Value) -> u64 {
    s["flash"]["files"]
        .as_array()
        .and_then(|f| f.iter().find(|f| f["name"] == "P000"))
        .and_then(|f| f["erase_count"].as_u64())
        .unwrap_or(0)
}

#[test]
fn the_flash_program_takes_over_when_the_daemon_dies_and_after_a_power_cut() {
    let broker = Mosquitto::start();
    let dir = tempfile::tempdir().unwrap();
    let flash = dir.path().join("flash");
    let (_, public) = keygen(dir.path(), "portal");
    let sim = sim_on(&flash);
    config(dir.path(), &sim.tcp_url(), &broker, &public);
    let first_status = Collector::start(broker.port, "pinghu/v1/screens/flash-board/status");
    let mut daemon = Daemon::start(&dir.path().join("pinghu.toml"));

    // Live content in a RunMode-2 area, and the fallback program written once.
    let live = sim.wait_state("live content and the program in flash", |s| {
        s["showing"] == "dynamic" && erases(s) == 1 && s["areas"][0]["run_mode"] == 2
    });
    let timeout = live["areas"][0]["timeout_s"].as_u64().unwrap();
    let live_glass = live["frame_sha256"].as_str().unwrap().to_owned();
    assert!(
        timeout <= 5,
        "fallback_after_s = 3 gives a short timeout, not {timeout}"
    );

    // The daemon has recorded the write (DATA_DIR/flash.json, then the status says so): the
    // card took all of the program's files, and the upload ended.
    first_status.wait("the flash write recorded", 20, |m| m["device"]["flash"]["writes"] == 1);
    // kill -9: the card falls back to its flash program within the timeout (+ 2 s).
    daemon.kill9();
    let killed = Instant::now();
    let deadline = Duration::from_secs(timeout + 2);
    let program = loop {
        let s = sim.state();
        if s["showing"] == "program" {
            break s;
        }
        assert!(
            killed.elapsed() < deadline,
            "no program {} s after kill -9: {s:#}",
            timeout + 2
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(program["lit"].as_u64().unwrap() > 50, "the program lights the board");
    // A 6th-generation card keeps it as D000 (the bitmaps) and P000, each ending with the file
    // CRC of the vendor's SDK: reflected 0xEDB88320, initial value 0, no final XOR
    // (docs/protocol.md). Checked here on the bytes the simulator stored, with a CRC written
    // bit by bit in this test, not the codec's table.
    let crc = |bytes: &[u8]| {
        let mut c = 0u32;
        for &b in bytes {
            c ^= u32::from(b);
            for _ in 0..8 {
                c = if c & 1 == 1 { (c >> 1) ^ 0xEDB8_8320 } else { c >> 1 };
            }
        }
        c
    };
    let names: Vec<&str> = program["flash"]["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["name"].as_str())
        .collect();
    assert_eq!(names, ["D000", "P000"], "{:#}", program["flash"]);
    let d = std::fs::read(flash.join("files/D000")).unwrap();
    let p = std::fs::read(flash.join("files/P000")).unwrap();
    for (name, f) in [("D000", &d), ("P000", &p)] {
        let (body, tail) = f.split_at(f.len() - 4);
        assert_eq!(crc(body).to_le_bytes(), tail, "{name}'s file CRC");
    }
    assert_eq!(&d[..5], b"\x09D000", "type 9, program data");
    assert_eq!(&p[..5], b"\x00P000", "type 0, program");
    // 128x32 red-green: two planes of 32 rows of four 32-pixel words a page, the first at
    // D000's byte 13, named in P000 as offset 14 (the SDK's "plus one").
    let page_len = 2 * 32 * 16;
    assert_eq!((d.len() - 13 - 4) % page_len, 0, "whole pages in D000");
    // The first page descriptor's DataOffset sits at byte 80 of a one-area P file.
    assert_eq!(
        p[80..84],
        14u32.to_le_bytes(),
        "the first page starts at D000's byte 13"
    );
    let program_glass = program["frame_sha256"].as_str().unwrap().to_owned();
    assert_ne!(program_glass, live_glass);

    // A power cut: the card restarts on the same flash, with no host at all.
    drop(sim);
    let sim = sim_on(&flash);
    let s = sim.wait_state("the program after a power cut", |s| s["showing"] == "program");
    assert_eq!(s["frame_sha256"], program_glass.as_str());
    assert_eq!(s["program"], "P000");

    // The daemon comes back: live content again, and the unchanged program is not rewritten.
    config(dir.path(), &sim.tcp_url(), &broker, &public);
    let status = Collector::start(broker.port, "pinghu/v1/screens/flash-board/status");
    let daemon = Daemon::start(&dir.path().join("pinghu.toml"));
    let s = sim.wait_state("live content again", |s| s["showing"] == "dynamic");
    assert_eq!(s["frame_sha256"], live_glass.as_str());
    // The new daemon checked the card's program and decided: nothing to write.
    let st = status.wait("the flash decision", 20, |m| {
        m["online"] == true && m["device"]["flash"].is_object()
    });
    assert_eq!(st["device"]["flash"]["writes"], 1, "{}", daemon.log_text());
    assert_eq!(st["device"]["card"]["size_matches"], true);
    assert_eq!(erases(&sim.state()), 1, "no second flash write");
    let record: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("data/flash.json")).unwrap()).unwrap();
    assert_eq!(record["writes"], 1);
}
