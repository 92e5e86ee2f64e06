//! The console's costs, on the real `pinghu run` (embedded default: broker, simulated board,
//! console):
//! * memory: the daemon's RSS before the console's first request and after a workload (pages,
//!   status, board PNGs, live-event clients), and the difference (target: the console adds at
//!   most 3 MiB);
//! * `GET /api/v1/status` on loopback, a new connection per request: p50, p99 (target p99 < 2 ms);
//! * the live view: from the card's acknowledgement of a frame (its time in the event) to the
//!   server-sent event reaching a client, for urgent notices published on MQTT;
//! * the abuse battery of issue #30 (previews of a 1.9 MB playlist, picture bombs, 30 wrong
//!   passwords at once, 300 idle sockets): the daemon's RSS after each part (target: at most
//!   16 MiB more than before it);
//! * a long playlist (issue #30, `--items 10000`): the time and size of its check, save, form
//!   reading, one form edit, the check and preview of the edit by its base, and the preview;
//!   `--only-long 1` runs this part alone.
//!
//! `cargo build --release && cargo bench -p pinghu-tests --bench console [-- --requests 2000 --notices 20 --items 10000]`

use std::io::{BufRead as _, BufReader, Write as _};
use std::time::{Duration, Instant};

use pinghu_tests::console::{ConsoleRig, request};

fn rss_kib(pid: u32) -> f64 {
    pinghu_tests::proc_status_kib(pid, "VmRSS") as f64
}

fn pct(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(f64::total_cmp);
    v[((v.len() as f64 - 1.0) * p / 100.0).round() as usize]
}

/// A live-event client: yields the latency of each `frame` event (now − the acknowledgement time
/// the event carries).
fn sse_client(url: &str, token: &str, tx: std::sync::mpsc::Sender<f64>) {
    let host = url.trim_start_matches("http://").to_owned();
    let token = token.to_owned();
    std::thread::spawn(move || {
        let mut s = std::net::TcpStream::connect(&host).expect("connect");
        let req = format!("GET /api/v1/events HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n\r\n");
        s.write_all(req.as_bytes()).expect("send");
        let mut event = String::new();
        for line in BufReader::new(s).lines() {
            let Ok(line) = line else { return };
            if let Some(e) = line.strip_prefix("event: ") {
                e.clone_into(&mut event);
            } else if let Some(d) = line.strip_prefix("data: ")
                && event == "frame"
            {
                let now = jiff::Timestamp::now();
                let v: serde_json::Value = serde_json::from_str(d).unwrap_or_default();
                if let Some(at) = v["at"].as_str().and_then(|t| t.parse::<jiff::Timestamp>().ok()) {
                    let ms = now.duration_since(at).as_secs_f64() * 1000.0;
                    if tx.send(ms).is_err() {
                        return;
                    }
                }
            }
        }
    });
}

/// The long playlist's figures: each request's time and the sizes sent and answered.
fn long_playlist(rig: &ConsoleRig, n: usize) {
    use pinghu_tests::console::{edit_item, long_playlist};
    let text = long_playlist(n);
    let timed = |what: &str, method: &str, path: &str, body: &str| {
        let t0 = Instant::now();
        let r = rig.api(method, path, body);
        let ms = t0.elapsed().as_secs_f64() * 1000.0;
        assert_eq!(r.status, 200, "{what}: {}", r.text());
        println!(
            "  {what}: {ms:.0} ms, sent {} bytes, answered {} bytes",
            body.len(),
            r.body.len()
        );
        r
    };
    println!("a playlist of {n} items ({} bytes):", text.len());
    timed("check", "POST", "/api/v1/playlist/check", &text);
    timed("first save (over the sample)", "PUT", "/api/v1/playlist", &text);
    let read = timed(
        "form read (GET /api/v1/playlist/form)",
        "GET",
        "/api/v1/playlist/form",
        "",
    )
    .json();
    let base = read["base"].as_str().unwrap_or_default().to_owned();
    let t0 = Instant::now();
    let (body, r) = edit_item(rig, &base, &read["form"], n / 2, "第一条改过的通知");
    println!(
        "  form edit of one item: {:.0} ms, sent {} bytes, answered {} bytes",
        t0.elapsed().as_secs_f64() * 1000.0,
        body.len(),
        r.body.len()
    );
    let v = r.json();
    let new_base = v["base"].as_str().unwrap_or_default().to_owned();
    let new = pinghu_tests::console::splice(&text, &v["splice"]);
    timed(
        "check by base",
        "POST",
        &format!("/api/v1/playlist/check?base={new_base}"),
        "",
    );
    timed(
        "preview of the edited item by base",
        "POST",
        &format!("/api/v1/playlist/preview?base={new_base}&from={}&count=1", n / 2),
        "",
    );
    timed("preview (the first window)", "POST", "/api/v1/playlist/preview", &new);
    timed("save after the edit", "PUT", "/api/v1/playlist", &new);
}

fn main() {
    let (items, only_long) = (
        pinghu_tests::bench_arg("--items", 10_000),
        pinghu_tests::bench_arg("--only-long", 0),
    );
    if only_long == 1 {
        let rig = ConsoleRig::start();
        std::thread::sleep(Duration::from_secs(3));
        long_playlist(&rig, items);
        return;
    }
    let (requests, notices) = (
        pinghu_tests::bench_arg("--requests", 2000),
        pinghu_tests::bench_arg("--notices", 20),
    );
    let rig = ConsoleRig::start();
    let pid = rig.child.id();
    // Let the daemon settle (first frames on the board, the broker connected).
    std::thread::sleep(Duration::from_secs(3));
    let idle = rss_kib(pid);

    // Status latency.
    let mut lat = Vec::with_capacity(requests);
    for _ in 0..requests {
        let t0 = Instant::now();
        let r = rig.api("GET", "/api/v1/status", "");
        lat.push(t0.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(r.status, 200);
    }
    let (p50, p99) = (pct(&mut lat, 50.0), pct(&mut lat, 99.0));
    println!(
        "console GET /api/v1/status, n={requests}, new connection each: p50={p50:.2} ms p99={p99:.2} ms (target p99 < 2 ms)"
    );

    // Pages and pictures, as operators' browsers would load them.
    for _ in 0..50 {
        for path in [
            "/api/v1/board.png?scale=4",
            "/api/v1/announcements",
            "/api/v1/playlist",
            "/api/v1/playlist/history",
        ] {
            assert_eq!(rig.api("GET", path, "").status, 200, "{path}");
        }
        let page = request(&rig.url, "GET", "/login", &[], "");
        assert_eq!(page.status, 200);
    }

    // Live events: five clients, urgent notices published on MQTT.
    let (tx, rx) = std::sync::mpsc::channel();
    for _ in 0..5 {
        sse_client(&rig.url, &rig.token, tx.clone());
    }
    std::thread::sleep(Duration::from_millis(500));
    let broker = format!("mqtt://127.0.0.1:{}", rig.broker_port);
    let key = rig.path("demo-key.json");
    let mut live = Vec::new();
    for i in 0..notices {
        let now = jiff::Timestamp::now();
        let p = serde_json::json!({"id": format!("bench-{i}"), "revision": 1, "action": "publish", "priority": "urgent",
            "title": "测试", "body": format!("第{i}条"), "issued_at": now.to_string(),
            "valid_until": (now + jiff::SignedDuration::from_mins(5)).to_string()});
        let (code, _, err) = pinghu_tests::portal_publish(&broker, "demo", &p, &key, &[]);
        assert_eq!(code, 0, "{err}");
        // Each client sees the frame of this notice (and, later, the rotation's return).
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut got = 0;
        while got < 5 && Instant::now() < deadline {
            if let Ok(ms) = rx.recv_timeout(Duration::from_millis(200)) {
                live.push(ms);
                got += 1;
            }
        }
    }
    let n = live.len();
    let (l50, l99) = (pct(&mut live, 50.0), pct(&mut live, 99.0));
    println!(
        "console live view: card acknowledgement -> server-sent event at the client, n={n}: p50={l50:.2} ms p99={l99:.2} ms"
    );

    let loaded = rss_kib(pid);
    println!(
        "daemon RSS: {:.1} MiB before the console's first request, {:.1} MiB after the workload: the console added {:.2} MiB (target <= 3 MiB)",
        idle / 1024.0,
        loaded / 1024.0,
        (loaded - idle) / 1024.0
    );

    long_playlist(&rig, items);

    let m = pinghu_tests::console::abuse_battery(&rig);
    let mib = |k: u64| k as f64 / 1024.0;
    println!(
        "abuse battery, daemon RSS: {:.1} MiB before; after 3 previews of a 1.9 MB playlist {:.1}, picture bombs {:.1}, \
         30 wrong passwords at once {:.1}, 300 idle sockets {:.1}: {:+.1} MiB (target <= +16 MiB)",
        mib(m.before),
        mib(m.previews),
        mib(m.pictures),
        mib(m.passwords),
        mib(m.idle),
        mib(m.idle.max(m.passwords).max(m.pictures).max(m.previews)) - mib(m.before)
    );
}
