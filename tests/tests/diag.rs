//! `pinghu diag` against the real `pinghu-sim`, over TCP and over its pseudo-terminal, for every
//! command and the failure paths.

use pinghu_tests::{Sim, pinghu, pinghu_stdin};

fn diag(url: &str, rest: &[&str]) -> (i32, String, String) {
    let mut a = vec!["diag", "--device", url, "--timeout", "700ms"];
    a.extend_from_slice(rest);
    pinghu(&a)
}

#[test]
fn probe_finds_each_protocol_over_tcp() {
    for proto in ["bx-5e", "bx-6e", "bx-5k", "bx-6k"] {
        let sim = Sim::start(&["--protocol", proto, "--width", "64", "--height", "16", "--address", "3"]);
        let (code, out, err) = diag(&sim.tcp_url(), &["--json", "probe"]);
        assert_eq!(code, 0, "{proto}: {err}");
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["found"]["protocol"], proto, "{out}");
        assert_eq!(v["found"]["address"], 3);
    }
}

#[test]
fn probe_finds_the_baud_rate_on_the_serial_port() {
    let sim = Sim::start(&[
        "--protocol",
        "bx-6k",
        "--width",
        "64",
        "--height",
        "16",
        "--pty",
        "--baud",
        "38400",
    ]);
    let (code, out, err) = diag(&sim.serial_url(9600), &["probe"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("bx-6k answers at address 1, 38400 baud"), "{out}");
}

#[test]
fn font_card_commands() {
    let sim = Sim::start(&[
        "--protocol",
        "bx-5k",
        "--width",
        "64",
        "--height",
        "16",
        "--colors",
        "mono",
        "--pty",
    ]);
    let url = sim.serial_url(57600);
    let (code, out, err) = diag(&url, &["ping"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("bx-5k card at address 1 answered in"), "{out}");
    let (code, out, _) = diag(&url, &["--json", "status"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["power"], true);
    assert!(v["drift_s"].as_i64().unwrap().abs() <= 2, "{v}");
    assert_eq!(diag(&url, &["time-sync"]).0, 0);
    let (code, out, _) = diag(
        &url,
        &[
            "--width",
            "64",
            "--height",
            "16",
            "send-text",
            "夷陵区",
            "--color",
            "green",
        ],
    );
    assert_eq!(code, 0, "{out}");
    sim.wait_state("the text", |s| s["areas"][0]["text"] == "夷陵区");
    assert_eq!(diag(&url, &["power", "off"]).0, 0);
    sim.wait_state("power off", |s| s["power"] == "off");
    assert_eq!(diag(&url, &["power", "on"]).0, 0);
    assert_eq!(diag(&url, &["clear"]).0, 0);
    sim.wait_state("no areas", |s| {
        s["power"] == "on" && s["areas"].as_array().is_some_and(Vec::is_empty)
    });
    // What font cards cannot do is refused with the reason.
    let (code, _, err) = diag(
        &url,
        &["--width", "64", "--height", "16", "test-pattern", "checkerboard"],
    );
    assert_eq!(code, 1);
    assert!(err.contains("not available on bx-5k cards"), "{err}");
    let (code, _, err) = diag(&url, &["brightness", "5"]);
    assert_eq!(code, 1);
    assert!(err.contains("no public brightness opcode"), "{err}");
}

#[test]
fn graphic_card_commands() {
    let sim = Sim::start(&[
        "--protocol",
        "bx-6e",
        "--width",
        "32",
        "--height",
        "16",
        "--colors",
        "red-green",
    ]);
    let url = sim.tcp_url();
    let size = ["--width", "32", "--height", "16"];
    let run = |rest: &[&str]| {
        let mut a = size.to_vec();
        a.extend_from_slice(rest);
        diag(&url, &a)
    };
    assert_eq!(run(&["test-pattern", "all-on"]).0, 0);
    sim.wait_state("all on", |s| s["lit"] == 512);
    assert_eq!(run(&["test-pattern", "checkerboard"]).0, 0);
    sim.wait_state("checkerboard", |s| s["lit"] == 256);
    let (code, out, _) = run(&["test-pattern", "grid", "--module", "16x8"]);
    assert_eq!(code, 0, "{out}");
    // Grid lines at x = 0, 16, 31 and y = 0, 8, 15: 3 columns × 16 + 3 rows × 32 - 9 crossings.
    sim.wait_state("grid", |s| s["lit"] == 3 * 16 + 3 * 32 - 9);
    let (code, out, _) = run(&["test-pattern", "moving-bar"]);
    assert_eq!(code, 0);
    assert!(out.contains("16 pages"), "{out}");
    // Mistyped values are usage errors, named before the card is touched.
    let (code, _, err) = run(&["test-pattern", "rainbow"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("invalid value 'rainbow'") && err.contains("possible values: all-on, all-off"),
        "{err}"
    );
    let (code, _, err) = run(&["test-pattern", "grid", "--module", "32by16"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("\"32by16\" is not a module size: use WIDTHxHEIGHT"),
        "{err}"
    );
    let (code, _, err) = run(&["brightness", "16"]);
    assert_eq!(code, 2);
    assert!(err.contains("16 is not in 0..=15"), "{err}");
    assert_eq!(run(&["send-text", "平湖", "--color", "yellow"]).0, 0);
    sim.wait_state("text", |s| s["lit"].as_u64().is_some_and(|n| n > 20 && n < 512));
    assert_eq!(run(&["brightness", "5"]).0, 0);
    sim.wait_state("brightness 5", |s| s["brightness"] == 5);
    let playlist = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../playlists/examples/government-service-center.toml"
    );
    let (code, out, err) = run(&["brightness", "--schedule", playlist]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("brightness table set"), "{out}");
    sim.wait_state("a 48-slot table", |s| {
        s["brightness_table"]
            .as_array()
            .is_some_and(|t| t.len() == 48 && t[0] == 3 && t[20] == 15)
    });
    let (code, out, _) = diag(&url, &["status"]);
    assert_eq!(code, 0);
    assert!(out.contains("card: bx-6e (BX-6E2) at address 1"), "{out}");
    assert_eq!(diag(&url, &["clear"]).0, 0);
    sim.wait_state("dark", |s| s["lit"] == 0);
    // The clock goes through the control header (older firmware: tests/tests/card_control.rs).
    let (code, out, err) = diag(&url, &["time-sync"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("card clock set"), "{out}");
}

#[test]
fn trace_is_saved_and_decodes_again() {
    let sim = Sim::start(&["--protocol", "bx-6k", "--width", "64", "--height", "16"]);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("trace.log");
    let (code, out, err) = diag(&sim.tcp_url(), &["trace", "--file", file.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("request ping (A2 00)") && out.contains("request status-query (A1 02)"),
        "{out}"
    );
    let saved = std::fs::read_to_string(&file).unwrap();
    let (code, decoded, err) = pinghu_stdin(&["wire", "decode", "-"], &saved);
    assert_eq!(code, 0, "{err}");
    // The protocol probe's ping, the ping and the status query are all answered; the status
    // report's fields are decoded by name.
    assert!(decoded.matches("reply ACK").count() >= 2, "{decoded}");
    assert!(decoded.contains("power: 1 (on)"), "{decoded}");
}

#[test]
fn failures_say_what_to_try() {
    // Nothing listening.
    let (code, _, err) = diag("tcp://127.0.0.1:1", &["ping"]);
    assert_eq!(code, 1);
    assert!(err.contains("nothing listens there"), "{err}");
    // A serial port that does not exist.
    let (code, _, err) = diag("serial:///dev/ttyUSB97", &["ping"]);
    assert_eq!(code, 1);
    assert!(err.contains("no such port") || err.contains("No such file"), "{err}");
    // The wrong screen address: the card stays silent.
    let sim = Sim::start(&[
        "--protocol",
        "bx-6e",
        "--width",
        "32",
        "--height",
        "16",
        "--address",
        "2",
    ]);
    let (code, _, err) = diag(&sim.tcp_url(), &["--protocol", "bx-6e", "--address", "5", "ping"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("no reply within 700 ms (check the baud rate, the screen address and the cable"),
        "{err}"
    );
    // The card answers with an error code: by name.
    let (code, _, err) = diag(
        &sim.tcp_url(),
        &[
            "--protocol",
            "bx-6e",
            "--address",
            "2",
            "--width",
            "64",
            "--height",
            "16",
            "test-pattern",
            "all-on",
        ],
    );
    assert_eq!(code, 1);
    assert!(err.contains("ERR_SCREEN_PARA"), "{err}");
    // Bad usage is exit 2.
    assert_eq!(pinghu(&["diag", "--device", &sim.tcp_url(), "power", "maybe"]).0, 2);
    assert_eq!(diag("udp://x", &["ping"]).0, 1);
}

#[test]
fn retries_through_injected_faults() {
    // BUSY once and a dropped reply once: ping retries and succeeds.
    let sim = Sim::start(&[
        "--protocol",
        "bx-6e",
        "--width",
        "32",
        "--height",
        "16",
        "--fault",
        "busy#1,drop#2",
    ]);
    let (code, out, err) = diag(&sim.tcp_url(), &["--protocol", "bx-6e", "ping"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("answered"), "{out}");
    // A card that never answers: the failure names the fix.
    let dead = Sim::start(&[
        "--protocol",
        "bx-6e",
        "--width",
        "32",
        "--height",
        "16",
        "--fault",
        "drop",
    ]);
    let (code, _, err) = diag(&dead.tcp_url(), &["--protocol", "bx-6e", "--json", "ping"]);
    assert_eq!(code, 1);
    assert!(err.contains("no reply within"), "{err}");
}

#[test]
fn slow_serial_upload_goes_out_in_chunks() {
    // At 9600 baud a 16-page moving bar takes about 2 s on the wire: it is sent in chunks (with a
    // progress bar on a terminal) and still acknowledged as one frame.
    let sim = Sim::start(&[
        "--protocol",
        "bx-6e",
        "--width",
        "64",
        "--height",
        "16",
        "--colors",
        "mono",
        "--pty",
        "--baud",
        "9600",
    ]);
    let (code, out, err) = diag(
        &sim.serial_url(9600),
        &[
            "--protocol",
            "bx-6e",
            "--colors",
            "mono",
            "--width",
            "64",
            "--height",
            "16",
            "test-pattern",
            "moving-bar",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("16 pages"), "{out}");
    sim.wait_state("16 pages", |s| s["areas"][0]["pages"] == 16);
}

#[test]
fn a_busy_port_names_the_process_holding_it() {
    let sim = Sim::start(&["--protocol", "bx-5k", "--width", "64", "--height", "16", "--pty"]);
    let path = sim.serial.clone().unwrap();
    // Hold the port exclusively, as another program would.
    let _held = serialport::new(&path, 57600).open_native().expect("open the pty");
    let (code, _, err) = diag(&format!("serial://{path}?baud=57600"), &["ping"]);
    assert_eq!(code, 1);
    let me = std::fs::read_to_string("/proc/self/comm").unwrap();
    assert!(err.contains("the port is busy"), "{err}");
    assert!(
        err.contains(me.trim()) && err.contains(&format!("pid {}", std::process::id())),
        "{err}"
    );
}
