//! Out of the box: `pinghu run` with no configuration (the in-process rumqttd broker and a
//! simulated board) and `pinghu demo`.

use std::time::{Duration, Instant};

use pinghu_tests::console::ConsoleRig;
use pinghu_tests::{Collector, pinghu};

#[test]
fn run_without_config_uses_the_embedded_broker_and_board() {
    // The embedded default, with its console (the helper reads the broker's port from the banner).
    let mut rig = ConsoleRig::start();
    let port = rig.broker_port;
    let dir = &rig.dir;
    let receipts = Collector::start(port, "pinghu/v1/screens/demo/#");
    receipts.wait("the daemon online", 20, |m| m["mqtt"] == "connected");
    // Sign with the demo key the daemon made, publish to the embedded broker.
    let payload = dir.path().join("p.json");
    let now = jiff::Timestamp::now();
    std::fs::write(
        &payload,
        serde_json::json!({"id": "emb-1", "revision": 1, "action": "publish", "priority": "urgent", "title": "测试", "body": "内置代理",
                            "issued_at": now.to_string(), "valid_until": (now + jiff::SignedDuration::from_mins(5)).to_string()})
        .to_string(),
    )
    .unwrap();
    let key = dir.path().join("demo-key.json");
    let (code, _, err) = pinghu(&[
        "portal",
        "publish",
        "--broker",
        &format!("mqtt://127.0.0.1:{port}"),
        "--screen",
        "demo",
        "--payload",
        payload.to_str().unwrap(),
        "--key",
        key.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let shown = receipts.wait("displayed", 15, |m| m["id"] == "emb-1" && m["event"] == "displayed");
    // The simulated board's snapshot shows that frame.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let st: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.path().join("board/state.json")).unwrap_or_default())
                .unwrap_or_default();
        if st["frame_sha256"] == shown["frame_sha256"] {
            break;
        }
        assert!(Instant::now() < deadline, "board never showed it: {st}");
        std::thread::sleep(Duration::from_millis(50));
    }
    let status = pinghu_tests::terminate(&mut rig.child).unwrap();
    assert!(status.success(), "SIGTERM is a clean stop");
}

#[test]
fn demo_shows_the_whole_chain() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) = pinghu(&["demo", "--data-dir", dir.path().to_str().unwrap()]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("1. The sample playlist is on the board"), "{out}");
    assert!(
        out.contains("console http://127.0.0.1:"),
        "the demo says where its console is: {out}"
    );
    assert!(
        out.contains("2. A signed urgent notice from the portal takes over at once"),
        "{out}"
    );
    assert!(out.contains("receipts: accepted, displayed"), "{out}");
    assert!(out.contains("3. The portal revokes it; the rotation resumes"), "{out}");
    assert!(
        out.contains("4. A signed CAP warning for 夷陵区 (暴雨红色预警) takes over the board"),
        "{out}"
    );
    assert!(out.contains("5. The bureau cancels it; the rotation resumes"), "{out}");
    assert!(out.contains("receipts: accepted, cancelled"), "{out}");
    for f in [
        "1-playlist.png",
        "2-urgent.png",
        "3-resumed.png",
        "4-warning.png",
        "5-cancelled.png",
    ] {
        assert!(dir.path().join(f).exists(), "{f}");
    }
    let (code, out, _) = pinghu(&["log", "verify", "--data-dir", dir.path().to_str().unwrap()]);
    assert_eq!(code, 0);
    assert!(out.contains("chain intact"), "{out}");
    let (code, csv, _) = pinghu(&[
        "log",
        "export",
        "--data-dir",
        dir.path().to_str().unwrap(),
        "--format",
        "csv",
    ]);
    assert_eq!(code, 0);
    assert!(csv.starts_with("seq,at,screen,content"), "{csv}");
    assert!(csv.contains("announcement yl-demo-0001 r1"), "{csv}");
}

#[test]
fn the_embedded_default_serves_its_console_on_one_fixed_port_and_says_when_it_is_taken() {
    // The documented port: a bookmark made yesterday works today.
    let dir = tempfile::tempdir().unwrap();
    let mut first = std::process::Command::new(pinghu_tests::bin("pinghu"))
        .args(["run", "--data-dir"])
        .arg(dir.path())
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    assert_eq!(
        pinghu_tests::console::console_address(dir.path()),
        "http://127.0.0.1:8047"
    );
    // A second one on the same machine is told why it cannot start, and what to do.
    let other = tempfile::tempdir().unwrap();
    let (code, _, err) = pinghu(&["run", "--data-dir", other.path().to_str().unwrap()]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("127.0.0.1:8047 is taken") && err.contains("--console-port"),
        "{err}"
    );
    let status = pinghu_tests::terminate(&mut first).unwrap();
    assert!(status.success());
}

/// `pinghu run` on the embedded default under a shell's `ulimit` line: the child, and its
/// stderr's lines as they come.
/// A child process killed when dropped: a failing assertion does not leave a daemon behind
/// (one left out of descriptors spins in the broker's accept loop).
struct Killed(std::process::Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn run_limited(ulimit: &str, dir: &std::path::Path) -> (Killed, std::sync::mpsc::Receiver<String>) {
    use std::io::BufRead as _;
    let mut child = std::process::Command::new("bash")
        .arg("-c")
        .arg(format!(
            "{ulimit} && exec \"$0\" run --console-port 0 --data-dir \"$1\"",
        ))
        .arg(pinghu_tests::bin("pinghu"))
        .arg(dir)
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let lines = std::io::BufReader::new(child.stderr.take().unwrap()).lines();
    let child = Killed(child);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for l in lines.map_while(Result::ok) {
            if tx.send(l).is_err() {
                break;
            }
        }
    });
    (child, rx)
}

#[test]
fn a_low_soft_limit_of_open_files_is_raised_and_a_broker_out_of_descriptors_does_not_flood_the_log() {
    // A shell (or systemd) that starts it with a soft limit of 256 under a higher hard one: the
    // daemon raises the soft limit to the hard one.
    let dir = tempfile::tempdir().unwrap();
    let (mut child, lines) = run_limited("ulimit -S -n 256", dir.path());
    let banner = lines.recv_timeout(Duration::from_secs(20)).expect("the banner");
    assert!(banner.contains("embedded MQTT broker"), "{banner}");
    let limits = std::fs::read_to_string(format!("/proc/{}/limits", child.0.id())).unwrap();
    let open = limits
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .unwrap()
        .to_owned();
    let numbers: Vec<&str> = open.split_whitespace().skip(3).take(2).collect();
    assert_eq!(numbers[0], numbers[1], "soft limit not raised to the hard one: {open}");
    assert_ne!(numbers[0], "256", "{open}");
    pinghu_tests::terminate(&mut child.0).unwrap();

    // With only 200 descriptors in all, 300 clients at the broker's door: it cannot accept them,
    // and says so at most once a second (it used to say it millions of times a minute).
    let dir = tempfile::tempdir().unwrap();
    let (mut child, lines) = run_limited("ulimit -n 200", dir.path());
    let banner = lines.recv_timeout(Duration::from_secs(20)).expect("the banner");
    let port = pinghu_tests::console::broker_port(&banner);
    let crowd: Vec<std::net::TcpStream> = (0..300)
        .filter_map(|_| std::net::TcpStream::connect(("127.0.0.1", port)).ok())
        .collect();
    // The broker's first complaint starts the count; then three seconds of its log.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let l = lines
            .recv_timeout(Duration::from_secs(20))
            .expect("the broker to say it cannot accept");
        if l.contains("rumqttd") {
            break;
        }
        assert!(Instant::now() < deadline, "the broker never complained");
    }
    let window = Instant::now() + Duration::from_secs(3);
    let mut broker_lines = 0;
    let mut all = 0;
    while let Some(left) = window.checked_duration_since(Instant::now()) {
        match lines.recv_timeout(left) {
            Ok(l) => {
                all += 1;
                broker_lines += usize::from(l.contains("rumqttd"));
            }
            Err(_) => break,
        }
    }
    assert!(broker_lines <= 4, "{broker_lines} broker lines in 3 s");
    assert!(all < 200, "{all} log lines in 3 s");
    drop(crowd);
    pinghu_tests::terminate(&mut child.0).unwrap();
}
