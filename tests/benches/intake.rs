//! Intake under a junk burst: the daemon takes a backlog queued for it by mosquitto — `--junk`
//! messages that are not envelopes with `--valid` signed notices among them — and the bench times
//! it until every valid notice is accepted, then prints the status's `broker` figures. The peer
//! (`tests/peers/mqtt_intake.py`: a plain paho-mqtt subscriber taking the same backlog from the
//! same broker) runs in the same session and the ratio is printed.
//!
//! `cargo build --release && cargo bench -p pinghu-tests --bench intake [-- --junk 8000 --valid 200]`
//! (uses the release binaries when they exist, else the debug ones; needs mosquitto; the peer
//! needs `bash tests/peers/setup.sh`).

use std::process::Command;
use std::time::{Duration, Instant};

use pinghu_tests::{Collector, Daemon, Mosquitto, Sim, bench_arg, keygen, pinghu, publish_all};

const SCREEN: &str = "intake-board";

fn main() {
    let junk = bench_arg("--junk", 8000);
    let valid = bench_arg("--valid", 200);
    let broker = Mosquitto::start_with("max_queued_messages 0\n");
    let sim = Sim::start_bx6e_128x32();
    let dir = tempfile::tempdir().unwrap();
    let (key, public) = keygen(dir.path(), "portal");
    std::fs::write(
        dir.path().join("playlist.toml"),
        "[[item]]\nid = \"w\"\ntext = \"欢迎\"\n",
    )
    .unwrap();
    let config = dir.path().join("pinghu.toml");
    std::fs::write(
        &config,
        format!(
            "data_dir = \"data\"\nplaylist = \"playlist.toml\"\n\n[screen]\nid = \"{SCREEN}\"\nwidth = 128\nheight = 32\n\
             colors = \"red-green\"\n\n[device]\nurl = \"{}\"\nprotocol = \"bx-6e\"\n\n[mqtt]\nurl = \"{}\"\n\
             client_id = \"{SCREEN}\"\n\n[portal_keys]\nportal-2026 = \"{public}\"\n",
            sim.tcp_url(),
            broker.url()
        ),
    )
    .unwrap();
    let seen = Collector::start(
        broker.port,
        &format!("pinghu/v1/screens/{SCREEN}/receipts,pinghu/v1/screens/{SCREEN}/status"),
    );
    let status = |m: &serde_json::Value| m["_topic"].as_str().is_some_and(|t| t.ends_with("/status"));
    // The daemon's session exists; then it is away while the backlog is queued.
    let mut daemon = Daemon::start(&config);
    seen.wait("the daemon online", 30, |m| status(m) && m["online"] == true);
    daemon.kill9();
    let topic = format!("pinghu/v1/screens/{SCREEN}/announcements");
    let now = jiff::Timestamp::now();
    let mut envelopes = Vec::new();
    for i in 0..valid {
        let payload = serde_json::json!({
            "id": format!("v{i}"), "revision": 1, "action": "publish", "priority": "normal", "title": "",
            "body": format!("通知 {i}"), "issued_at": now.to_string(),
            "valid_until": (now + jiff::SignedDuration::from_hours(2)).to_string(), "approved_by": "区政务办",
        });
        let file = dir.path().join("payload.json");
        std::fs::write(&file, payload.to_string()).unwrap();
        let (code, out, err) = pinghu(&[
            "portal",
            "sign",
            "--key",
            key.to_str().unwrap(),
            "--payload",
            file.to_str().unwrap(),
        ]);
        assert_eq!(code, 0, "{err}");
        envelopes.push(out.trim().as_bytes().to_vec());
    }
    let every = (junk / valid.max(1)).max(1);
    let mut backlog = Vec::new();
    let mut v = envelopes.into_iter();
    for i in 0..junk {
        backlog.push(format!("junk {i}: not an envelope").into_bytes());
        if i % every == every - 1 {
            backlog.extend(v.next());
        }
    }
    backlog.extend(v);
    let total = backlog.len();

    // The peer's session, then the same backlog for both.
    let python = std::env::var("PINGHU_PEER_PYTHON").unwrap_or_else(|_| {
        format!(
            "{}/pinghu-peers-venv/bin/python",
            std::env::var("TMPDIR").unwrap_or_else(|_| "/tmp".into())
        )
    });
    let peer_script = concat!(env!("CARGO_MANIFEST_DIR"), "/peers/mqtt_intake.py");
    let port = broker.port.to_string();
    let total_s = total.to_string();
    let peer_args = [
        "--port",
        port.as_str(),
        "--topic",
        topic.as_str(),
        "--client-id",
        "intake-peer",
        "--count",
        total_s.as_str(),
    ];
    let peer_ready = Command::new(&python)
        .arg(peer_script)
        .args(peer_args)
        .arg("--prepare")
        .status();
    publish_all(broker.port, &topic, backlog);

    let mark = seen.mark();
    let start = Instant::now();
    let daemon = Daemon::start(&config);
    let deadline = start + Duration::from_secs(900);
    loop {
        let accepted: std::collections::BTreeSet<String> = seen.all()[mark..]
            .iter()
            .filter(|m| m["event"] == "accepted")
            .filter_map(|m| m["id"].as_str().map(str::to_owned))
            .collect();
        if accepted.len() >= valid {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{} of {valid} accepted in 900 s\n{}",
            accepted.len(),
            daemon.log_text()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let secs = start.elapsed().as_secs_f64();
    let rate = total as f64 / secs;
    println!(
        "pinghu: {total} messages ({junk} junk, {valid} valid) taken in {secs:.1} s: {rate:.0} messages/s, every valid notice accepted"
    );
    std::thread::sleep(Duration::from_secs(2));
    if let Some(s) = seen.all().iter().rev().find(|m| status(m)) {
        println!(
            "status: broker.intake_backlog {}, broker.receipts_dropped {}",
            s["broker"]["intake_backlog"], s["broker"]["receipts_dropped"]
        );
    }
    let refusals = seen.all()[mark..].iter().filter(|m| m["event"] == "rejected").count();
    println!("refusals answered: {refusals} of {junk} (junk is answered best effort)");

    match peer_ready {
        Ok(s) if s.success() => {
            let out = Command::new(&python).arg(peer_script).args(peer_args).output();
            match out {
                Ok(o) if o.status.success() => {
                    let text = String::from_utf8_lossy(&o.stdout);
                    let last = text.lines().last().unwrap_or_default().to_owned();
                    println!("peer (paho-mqtt subscriber, the same backlog): {last}");
                    let peer_rate = last
                        .split_whitespace()
                        .find_map(|kv| kv.strip_prefix("messages_per_s="))
                        .and_then(|v| v.parse::<f64>().ok())
                        .unwrap_or(f64::NAN);
                    println!(
                        "ratio pinghu/peer: {:.2}x the peer's rate (pinghu verifies, answers and stores what it accepts)",
                        rate / peer_rate
                    );
                }
                Ok(o) => println!(
                    "peer failed: {}",
                    String::from_utf8_lossy(&o.stderr).lines().last().unwrap_or_default()
                ),
                Err(e) => println!("peer not run ({python}: {e}); run `bash tests/peers/setup.sh` first"),
            }
        }
        _ => println!("peer not run ({python}); run `bash tests/peers/setup.sh` first"),
    }
}
