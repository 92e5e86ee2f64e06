//! The daemon's latency from MQTT publish to the card's acknowledgement of the frame, over loopback
//! TCP to `pinghu-sim`, for urgent and normal notices; then its memory (RSS) and idle CPU. The
//! peer (`tests/peers/mqtt_latency.py`: one MQTT hop through mosquitto) runs in the same session
//! and the ratio is printed.
//!
//! `cargo bench -p pinghu-tests --bench latency [-- --count 50]` (runs the release binaries,
//! which cargo brings up to date first; needs mosquitto; the peer needs
//! `bash tests/peers/setup.sh`).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use pinghu_tests::{Collector, Daemon, Mosquitto, Sim};

fn pinghu_bin() -> PathBuf {
    pinghu_tests::bin("pinghu")
}

fn run(args: &[&str]) -> String {
    let out = Command::new(pinghu_bin()).args(args).output().expect("run pinghu");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn pct(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(f64::total_cmp);
    let i = ((p / 100.0) * (v.len() as f64 - 1.0)).round() as usize;
    v[i.min(v.len() - 1)]
}

fn proc_field(pid: u32, file: &str, key: &str) -> Option<String> {
    std::fs::read_to_string(format!("/proc/{pid}/{file}"))
        .ok()?
        .lines()
        .find(|l| l.starts_with(key))
        .map(str::to_owned)
}

fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after = stat.rsplit(") ").next().unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    f.get(11).and_then(|u| u.parse::<u64>().ok()).unwrap_or(0)
        + f.get(12).and_then(|s| s.parse::<u64>().ok()).unwrap_or(0)
}

fn sign(dir: &Path, key: &Path, name: &str, payload: &serde_json::Value) -> Vec<u8> {
    let p = dir.join(format!("{name}.json"));
    std::fs::write(&p, payload.to_string()).unwrap();
    run(&[
        "portal",
        "sign",
        "--key",
        key.to_str().unwrap(),
        "--payload",
        p.to_str().unwrap(),
    ])
    .trim()
    .as_bytes()
    .to_vec()
}

fn measure(priority: &str, n: usize, dir: &Path, key: &Path, broker: u16, receipts: &Collector) -> (Vec<f64>, usize) {
    let now = jiff::Timestamp::now();
    let mut envs = Vec::new();
    for i in 0..n {
        let id = format!("{priority}-{i}");
        let p = serde_json::json!({"id": id, "revision": 1, "action": "publish", "priority": priority, "title": "通知",
            "body": "因管网维修，今日停水，请提前储水。", "issued_at": now.to_string(),
            "valid_until": (now + jiff::SignedDuration::from_hours(1)).to_string()});
        let r = serde_json::json!({"id": id, "revision": 2, "action": "revoke", "issued_at": now.to_string()});
        envs.push((
            id.clone(),
            sign(dir, key, &format!("{id}-p"), &p),
            sign(dir, key, &format!("{id}-r"), &r),
        ));
    }
    let mut o = rumqttc::MqttOptions::new(format!("bench-pub-{priority}"), "127.0.0.1", broker);
    o.set_keep_alive(Duration::from_secs(10));
    o.set_max_packet_size(256 * 1024, 256 * 1024);
    let (client, mut conn) = rumqttc::Client::new(o, 64);
    std::thread::spawn(move || for _ in conn.iter() {});
    let topic = "pinghu/v1/screens/bench/announcements";
    let mut lat = Vec::new();
    let mut bytes = 0;
    for (id, publish, revoke) in envs {
        let t0 = jiff::Timestamp::now();
        client
            .publish(topic, rumqttc::QoS::AtLeastOnce, false, publish)
            .unwrap();
        let shown = receipts.wait(&format!("{id} displayed"), 20, |m| {
            m["id"] == id.as_str() && m["event"] == "displayed"
        });
        let at: jiff::Timestamp = shown["at"].as_str().unwrap().parse().unwrap();
        lat.push(at.duration_since(t0).as_secs_f64() * 1000.0);
        bytes = bytes.max(shown["frame_sha256"].as_str().map_or(0, str::len));
        client.publish(topic, rumqttc::QoS::AtLeastOnce, false, revoke).unwrap();
        receipts.wait(&format!("{id} revoked"), 20, |m| {
            m["id"] == id.as_str() && m["event"] == "revoked"
        });
        std::thread::sleep(Duration::from_millis(30));
    }
    (lat, bytes)
}

fn main() {
    let n = pinghu_tests::bench_arg("--count", 40);
    let broker = Mosquitto::start();
    let sim = Sim::start_bx6e_128x32();
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("key.json");
    run(&["portal", "keygen", "--out", key.to_str().unwrap()]);
    let public = serde_json::from_str::<serde_json::Value>(&std::fs::read_to_string(&key).unwrap()).unwrap()["public"]
        .as_str()
        .unwrap()
        .to_owned();
    // A playlist whose only item is out of its dates: the rotation is empty, so a normal notice
    // shows as soon as it arrives (as an urgent one always does).
    std::fs::write(
        dir.path().join("playlist.toml"),
        "[defaults]\ndwell_s = 5\n[[item]]\nid = \"old\"\ntext = \"旧\"\ndates = \"2025-01-01..2025-01-02\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("pinghu.toml"),
        format!(
            "data_dir = \"data\"\nplaylist = \"playlist.toml\"\n[screen]\nid = \"bench\"\nwidth = 128\nheight = 32\ncolors = \"red-green\"\n\
             [device]\nurl = \"{}\"\nprotocol = \"bx-6e\"\n[mqtt]\nurl = \"{}\"\nclient_id = \"pinghu-bench\"\n[portal_keys]\nportal-2026 = \"{public}\"\n",
            sim.tcp_url(),
            broker.url()
        ),
    )
    .unwrap();
    let receipts = Collector::start(broker.port, "pinghu/v1/screens/bench/#");
    let mut daemon = Daemon::start(&dir.path().join("pinghu.toml"));
    let _ = &mut daemon;
    receipts.wait("the daemon online", 20, |m| m["mqtt"] == "connected");
    let pid = daemon.child.id();
    println!("daemon: {} (pid {pid})", pinghu_bin().display());

    // One frame: 128x32 red-green BX-6E page = 2 planes x 32 rows x 4 words x 4 bytes = 1024 bytes
    // of pixels, about 1.1 KB on the wire: 0.2 ms at 57600 baud... over TCP loopback, nothing.
    let mut results = Vec::new();
    for priority in ["urgent", "normal"] {
        let (mut lat, _) = measure(priority, n, dir.path(), &key, broker.port, &receipts);
        let (p50, p99) = (pct(&mut lat, 50.0), pct(&mut lat, 99.0));
        println!(
            "pinghu {priority}: publish -> card ACK of the frame, n={n}: p50={p50:.2} ms p99={p99:.2} ms (target p99 < 50 ms; frame ~1.1 KB, TCP loopback)"
        );
        results.push((priority, p50, p99));
    }

    // Memory and idle CPU.
    let rss = proc_field(pid, "status", "VmRSS:").unwrap_or_default();
    let rss_kb: f64 = rss
        .split_whitespace()
        .nth(1)
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0);
    println!("daemon RSS: {:.1} MiB (target < 20 MiB)", rss_kb / 1024.0);
    std::thread::sleep(Duration::from_secs(2));
    let (t0, c0) = (Instant::now(), cpu_ticks(pid));
    std::thread::sleep(Duration::from_secs(10));
    let (dt, dc) = (t0.elapsed().as_secs_f64(), cpu_ticks(pid) - c0);
    // Linux clock ticks are 100 per second on this platform.
    println!(
        "daemon idle CPU: {:.2} % over {dt:.0} s (target < 1 %)",
        dc as f64 / 100.0 / dt * 100.0
    );

    let python = std::env::var("PINGHU_PEER_PYTHON").unwrap_or_else(|_| {
        format!(
            "{}/pinghu-peers-venv/bin/python",
            std::env::var("TMPDIR").unwrap_or_else(|_| "/tmp".into())
        )
    });
    let peer = Command::new(&python)
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/peers/mqtt_latency.py"))
        .args(["--count", "300", "--warmup", "30"])
        .output();
    match peer {
        Ok(out) if out.status.success() => {
            let text = String::from_utf8_lossy(&out.stdout);
            let last = text.lines().last().unwrap_or_default().to_owned();
            println!("peer (paho-mqtt through mosquitto, one hop): {last}");
            let get = |k: &str| {
                last.split_whitespace()
                    .find_map(|kv| kv.strip_prefix(k))
                    .and_then(|v| v.parse::<f64>().ok())
                    .unwrap_or(f64::NAN)
            };
            let (pp50, pp99) = (get("p50_ms="), get("p99_ms="));
            for (priority, p50, p99) in results {
                println!(
                    "ratio pinghu/peer ({priority}): p50 {:.1}x, p99 {:.1}x (pinghu adds verification, fsync, rendering and the card round trip)",
                    p50 / pp50,
                    p99 / pp99
                );
            }
        }
        Ok(out) => println!(
            "peer failed: {}",
            String::from_utf8_lossy(&out.stderr).lines().last().unwrap_or_default()
        ),
        Err(e) => println!("peer not run ({python}: {e}); run `bash tests/peers/setup.sh` first"),
    }
}
