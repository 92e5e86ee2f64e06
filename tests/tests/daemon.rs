//! The daemon end to end: real mosquitto, the real `pinghu run` process, the real `pinghu-sim`
//! over TCP and over a pseudo-terminal, the portal tools publishing signed envelopes.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use pinghu_tests::{Collector, Daemon, Mosquitto, Sim, keygen, pinghu, portal_publish};

struct Rig {
    broker: Mosquitto,
    sim: Sim,
    dir: tempfile::TempDir,
    key: PathBuf,
    receipts: Collector,
    daemon: Option<Daemon>,
}

const PLAYLIST: &str = "[defaults]\ndwell_s = 2\nfont_size = 16\n\n[[item]]\nid = \"welcome\"\ntext = \"欢迎\"\n";

impl Rig {
    fn new(sim_args: &[&str], serial: bool) -> Rig {
        Rig::with_mqtt(sim_args, serial, "")
    }

    /// A rig whose daemon has `mqtt` lines added to its `[mqtt]` table.
    fn with_mqtt(sim_args: &[&str], serial: bool, mqtt: &str) -> Rig {
        let broker = Mosquitto::start();
        let mut args = vec!["--width", "128", "--height", "32", "--colors", "red-green"];
        args.extend_from_slice(sim_args);
        let sim = Sim::start(&args);
        let dir = tempfile::tempdir().unwrap();
        let (key, public) = keygen(dir.path(), "portal");
        std::fs::write(dir.path().join("playlist.toml"), PLAYLIST).unwrap();
        let (device, protocol) = if serial {
            (
                sim.serial_url(57600),
                sim_args
                    .iter()
                    .position(|a| *a == "--protocol")
                    .map_or("bx-6k", |i| sim_args[i + 1]),
            )
        } else {
            (
                sim.tcp_url(),
                sim_args
                    .iter()
                    .position(|a| *a == "--protocol")
                    .map_or("bx-6e", |i| sim_args[i + 1]),
            )
        };
        let config = format!(
            "data_dir = \"data\"\nplaylist = \"playlist.toml\"\n\n[screen]\nid = \"test-board\"\nwidth = 128\nheight = 32\ncolors = \"red-green\"\ngroups = [\"all-boards\"]\n\n\
             [device]\nurl = \"{device}\"\nprotocol = \"{protocol}\"\ntimeout_ms = 800\nretries = 3\n\n[mqtt]\nurl = \"{}\"\nclient_id = \"pinghu-test-{}\"\n{mqtt}\n\n\
             [portal_keys]\nportal-2026 = \"{public}\"\n",
            broker.url(),
            broker.port
        );
        std::fs::write(dir.path().join("pinghu.toml"), config).unwrap();
        let receipts = Collector::start(broker.port, "pinghu/v1/screens/test-board/#");
        let mut rig = Rig {
            broker,
            sim,
            dir,
            key,
            receipts,
            daemon: None,
        };
        rig.start_daemon();
        rig
    }

    fn start_daemon(&mut self) {
        self.daemon = Some(Daemon::start(&self.dir.path().join("pinghu.toml")));
        // Online and subscribed: the retained status says so.
        self.receipts.wait("the daemon online", 20, |m| {
            m["_topic"] == "pinghu/v1/screens/test-board/status" && m["online"] == true && m["mqtt"] == "connected"
        });
    }

    fn log(&self) -> String {
        self.daemon.as_ref().map(Daemon::log_text).unwrap_or_default()
    }

    fn publish_with(&self, payload: &serde_json::Value, key: &Path) -> i32 {
        let (code, _, err) = portal_publish(&self.broker.url(), "test-board", payload, key, &[]);
        assert_eq!(code, 0, "publish failed: {err}");
        code
    }

    fn publish(&self, payload: &serde_json::Value) {
        self.publish_with(payload, &self.key);
    }

    fn receipt(&self, id: &str, event: &str, secs: u64) -> serde_json::Value {
        let r = self.receipts.wait(&format!("{event} receipt for {id}"), secs, |m| {
            m["id"] == id && m["event"] == event
        });
        assert!(r["_topic"].as_str().unwrap().ends_with("/receipts"));
        r
    }

    fn count(&self, id: &str, event: &str) -> usize {
        self.receipts
            .all()
            .iter()
            .filter(|m| m["id"] == id && m["event"] == event)
            .count()
    }
}

fn payload(id: &str, rev: u64, priority: &str, body: &str, valid_s: i64) -> serde_json::Value {
    let now = jiff::Timestamp::now();
    serde_json::json!({
        "id": id, "revision": rev, "action": "publish", "priority": priority, "title": "", "body": body,
        "valid_from": (now - jiff::SignedDuration::from_secs(60)).to_string(),
        "valid_until": (now + jiff::SignedDuration::from_secs(valid_s)).to_string(),
        "issued_at": now.to_string(), "approved_by": "区电子政务办公室"
    })
}

fn revoke(id: &str, rev: u64) -> serde_json::Value {
    serde_json::json!({"id": id, "revision": rev, "action": "revoke", "issued_at": jiff::Timestamp::now().to_string()})
}

fn has_urgent_area(s: &serde_json::Value) -> bool {
    s["areas"].as_array().is_some_and(|a| a.iter().any(|x| x["id"] == 1))
}

#[test]
fn urgent_notice_reaches_the_glass_with_a_displayed_receipt() {
    let rig = Rig::new(&["--protocol", "bx-6e"], false);
    rig.sim.wait_state("the playlist item", |s| {
        s["areas"][0]["pages"] == 1 && s["lit"].as_u64().unwrap_or(0) > 0
    });
    let before = rig.sim.state()["frame_sha256"].clone();
    rig.publish(&payload("yl-1", 1, "urgent", "停水通知", 600));
    rig.receipt("yl-1", "accepted", 10);
    let shown = rig.receipt("yl-1", "displayed", 10);
    let sha = shown["frame_sha256"].as_str().unwrap().to_owned();
    let st = rig
        .sim
        .wait_state("the notice's frame", |s| s["frame_sha256"] == sha.as_str());
    assert_ne!(st["frame_sha256"], before);
    assert!(has_urgent_area(&st));
    // Status: what is on the board, retained.
    rig.receipts.wait("status showing the notice", 10, |m| {
        m["showing"]["content"] == "announcement yl-1 r1"
    });
    // A newcomer gets it retained.
    let late = Collector::start(rig.broker.port, "pinghu/v1/screens/test-board/status");
    let status = late.wait("the retained status", 10, |m| m["_retain"] == true);
    assert_eq!(status["showing"]["content"], "announcement yl-1 r1");
    assert_eq!(status["showing"]["frame_sha256"], sha.as_str());
    assert_eq!(status["device"]["link"], "up");
    assert_eq!(status["queue"]["urgent"], 1);
    // The proof-of-display log holds it, with the signature, and its chain verifies.
    let data = rig.dir.path().join("data");
    let (code, out, err) = pinghu(&["log", "verify", "--data-dir", data.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("chain intact"), "{out}");
    let log = std::fs::read_to_string(data.join("proof-of-display.jsonl")).unwrap();
    assert!(
        log.lines()
            .any(|l| l.contains("announcement yl-1 r1") && l.contains(&sha) && l.contains("\"signature\"")),
        "{log}"
    );
}

#[test]
fn bad_messages_are_rejected_with_reasons_and_never_shown() {
    let rig = Rig::new(&["--protocol", "bx-6e"], false);
    let (other_key, _) = keygen(rig.dir.path(), "forger");
    // A good one first, so a replay has something to replay.
    rig.publish(&payload("ok-1", 2, "normal", "正常通知", 600));
    rig.receipt("ok-1", "accepted", 10);
    rig.publish_with(&payload("forged-1", 1, "urgent", "伪造", 600), &other_key);
    rig.publish(&payload("ok-1", 1, "urgent", "重放", 600));
    rig.publish(&payload("late-1", 1, "urgent", "过期", -10));
    let mut bad = payload("bad-1", 1, "urgent", "格式错误", 600);
    bad["priority"] = serde_json::json!("loud");
    rig.publish(&bad);
    // Unsigned: raw JSON straight to the topic.
    let raw = rig.dir.path().join("raw.json");
    std::fs::write(
        &raw,
        r#"{"key_id":"portal-2026","payload":"bm90IHNpZ25lZA==","signature":"AAAA"}"#,
    )
    .unwrap();
    let (code, _, err) = pinghu(&[
        "portal",
        "publish",
        "--broker",
        &rig.broker.url(),
        "--screen",
        "test-board",
        "--envelope",
        raw.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let reasons: Vec<(String, String)> = {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let r: Vec<_> = rig
                .receipts
                .all()
                .into_iter()
                .filter(|m| m["event"] == "rejected")
                .collect();
            if r.len() >= 5 || Instant::now() > deadline {
                break r
                    .iter()
                    .map(|m| {
                        (
                            m["id"].as_str().unwrap_or("?").to_owned(),
                            m["reason"].as_str().unwrap_or("").to_owned(),
                        )
                    })
                    .collect();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    };
    let find = |id: &str, why: &str| reasons.iter().any(|(i, r)| (i == id || id == "?") && r.contains(why));
    assert!(find("?", "does not verify"), "forged: {reasons:?}");
    // The forged one names the bytes received and what it claims, never an id.
    let forged = rig
        .receipts
        .all()
        .into_iter()
        .find(|m| m["event"] == "rejected" && m["claimed_id"] == "forged-1")
        .expect("a receipt with claimed_id");
    assert!(forged["id"].is_null(), "{forged}");
    assert_eq!(forged["claimed_revision"], 1);
    assert_eq!(forged["envelope_sha256"].as_str().map(str::len), Some(64));
    assert!(find("ok-1", "replay"), "replay: {reasons:?}");
    assert!(find("late-1", "expired"), "expired: {reasons:?}");
    assert!(find("bad-1", "priority \"loud\""), "malformed: {reasons:?}");
    assert!(find("?", "signature must be 64 bytes"), "unsigned: {reasons:?}");
    // Nothing of them reached the glass: every one was decided (its receipt is above), and the
    // board still shows no urgent area.
    assert!(!has_urgent_area(&rig.sim.state()), "a rejected notice was shown");
    // `portal publish --wait` picks out the refusal of exactly its message by the envelope hash,
    // though the daemon could not trust the id inside it.
    let (code, out, err) = portal_publish(
        &rig.broker.url(),
        "test-board",
        &payload("forged-2", 1, "urgent", "伪造", 600),
        &other_key,
        &["--wait", "3"],
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("\"claimed_id\":\"forged-2\"") && out.contains("does not verify"),
        "{out}"
    );
    assert!(
        !out.contains("forged-1"),
        "another message's refusal is not this one's: {out}"
    );
    assert_eq!(
        rig.count("forged-1", "accepted") + rig.count("late-1", "accepted") + rig.count("bad-1", "accepted"),
        0
    );
}

#[test]
fn revoke_takes_it_off_and_the_rotation_resumes() {
    let rig = Rig::new(&["--protocol", "bx-6e"], false);
    let item = rig
        .sim
        .wait_state("the playlist item", |s| s["lit"].as_u64().unwrap_or(0) > 0)["frame_sha256"]
        .clone();
    rig.publish(&payload("yl-2", 1, "urgent", "紧急通知", 600));
    rig.receipt("yl-2", "displayed", 10);
    rig.sim.wait_state("the urgent area", has_urgent_area);
    rig.publish(&revoke("yl-2", 2));
    rig.receipt("yl-2", "revoked", 10);
    let st = rig.sim.wait_state("the rotation again", |s| !has_urgent_area(s));
    assert_eq!(st["frame_sha256"], item, "the interrupted item is back");
    // A replay of the revoked notice stays off: refused (the receipt decides it), nothing shown.
    rig.publish(&payload("yl-2", 1, "urgent", "紧急通知", 600));
    rig.receipts.wait("the replay's refusal", 10, |m| {
        m["id"] == "yl-2" && m["event"] == "rejected" && m["reason"].as_str().is_some_and(|r| r.contains("replay"))
    });
    assert!(!has_urgent_area(&rig.sim.state()));
}

#[test]
fn expiry_takes_it_off_at_its_time() {
    let rig = Rig::new(&["--protocol", "bx-6e"], false);
    rig.publish(&payload("short-1", 1, "urgent", "短时通知", 6));
    rig.receipt("short-1", "displayed", 10);
    let exp = rig.receipt("short-1", "expired", 10);
    assert!(exp["at"].is_string());
    rig.sim.wait_state("the urgent area gone", |s| !has_urgent_area(s));
}

#[test]
fn kill_9_at_seeded_points_and_a_power_cut_lose_nothing_and_show_nothing_twice() {
    // The seed is printed first; replay a failure with PINGHU_CRASH_SEED=<seed>.
    let seed = pinghu_tests::crash::seed_from_env();
    println!("seed={seed}");
    let mut rig = pinghu_tests::crash::CrashRig::new(seed, "urgent");
    for n in 0..2 {
        let kp = rig.round(n);
        println!("round {n}: {kp}");
    }
    // Urgent ones rotate (2 s each): wait until each was displayed. Receipts are at least once
    // (QoS 1, and an outbox re-sent after a crash), so a copy may arrive twice; but each
    // announcement was accepted once and first displayed once: one distinct time each.
    // (A revoked one may have been taken off before it was shown.)
    for id in rig.published.clone().into_iter().filter(|id| !rig.revoked.contains(id)) {
        rig.receipts
            .wait(&format!("displayed {id} ({})", rig.report()), 60, |m| {
                m["id"] == id.as_str() && m["event"] == "displayed"
            });
    }
    for event in ["accepted", "displayed"] {
        let dup = rig.duplicated(event);
        assert!(dup.is_empty(), "{event} twice: {dup:?}\n{}", rig.report());
    }
    // Every receipt reached the broker (kills while catching up included), and a revocation
    // sent twice was never refused.
    let missing = rig.wait_receipts(30);
    assert!(
        missing.is_empty(),
        "receipts missing at the broker: {missing:?}\n{}",
        rig.report()
    );
    // A torn proof-log line was repaired, not fatal: the chain verifies and shows the cut.
    let (code, out, err) = rig.verify_log();
    assert_eq!(code, 0, "{out}{err}\n{}", rig.report());
    assert!(out.matches("repaired:").count() >= rig.torn, "{out}\n{}", rig.report());
}

#[test]
fn a_torn_proof_log_line_no_longer_stops_the_daemon() {
    // Deterministic: a power cut during an append always leaves a torn last line here.
    let mut rig = pinghu_tests::crash::CrashRig::new(7, "urgent");
    let data = rig.dir.path().join("data");
    rig.receipts.wait("a first proof entry", 20, |m| {
        m["storage"]["proof_entries"].as_u64() >= Some(1)
    });
    // Kill first (so the daemon does not append after the torn bytes), then tear.
    let seen = rig.receipts.all().len();
    rig.kill_now();
    let log = data.join("proof-of-display.jsonl");
    let mut bytes = std::fs::read(&log).unwrap();
    bytes.extend_from_slice(br#"{"seq":99,"at":"2026-11-2"#);
    std::fs::write(&log, &bytes).unwrap();
    rig.start_daemon();
    let status = rig.receipts.wait("a status reporting the repair", 20, |m| {
        m["storage"]["proof_log"][0]["kind"] == "repaired"
    });
    assert_eq!(status["storage"]["ok"], false);
    assert!(rig.receipts.all().len() > seen);
    let (code, out, err) = rig.verify_log();
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("repaired: 25 bytes of an unfinished entry"), "{out}");
}

#[test]
fn broker_restart_is_survived() {
    let mut rig = Rig::new(&["--protocol", "bx-6e"], false);
    rig.broker.restart();
    let receipts = Collector::start(rig.broker.port, "pinghu/v1/screens/test-board/receipts");
    // Published while the daemon may still be reconnecting: mosquitto keeps it for the
    // daemon's persistent session (saved across the restart).
    let deadline = Instant::now() + Duration::from_secs(40);
    rig.publish(&payload("after-restart", 1, "urgent", "重启后", 600));
    while !receipts
        .all()
        .iter()
        .any(|m| m["id"] == "after-restart" && m["event"] == "displayed")
    {
        assert!(
            Instant::now() < deadline,
            "no displayed receipt after the broker restart:\n{}",
            rig.log()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    rig.sim.wait_state("the notice", has_urgent_area);
}

#[test]
fn the_board_converges_through_simulator_faults() {
    let rig = Rig::new(
        &[
            "--protocol",
            "bx-6e",
            "--fault",
            "drop@0.25,corrupt@0.15,close#5",
            "--seed",
            "7",
        ],
        false,
    );
    rig.publish(&payload("faulty-1", 1, "urgent", "故障测试", 600));
    let shown = rig.receipt("faulty-1", "displayed", 40);
    let sha = shown["frame_sha256"].as_str().unwrap().to_owned();
    rig.sim
        .wait_state("the notice despite faults", |s| s["frame_sha256"] == sha.as_str());
}

#[test]
fn font_card_over_a_pseudo_terminal() {
    let rig = Rig::new(&["--protocol", "bx-6k", "--pty"], true);
    rig.sim
        .wait_state("the playlist text", |s| s["areas"][0]["text"] == "欢迎");
    rig.publish(&payload("pty-1", 1, "urgent", "串口通知", 600));
    rig.receipt("pty-1", "displayed", 15);
    let st = rig.sim.wait_state("the notice's text", |s| {
        s["areas"]
            .as_array()
            .is_some_and(|a| a.iter().any(|x| x["text"] == "串口通知"))
    });
    assert!(st["lit"].as_u64().unwrap() > 0);
    // The card's clock was synchronised at start.
    let status = rig
        .receipts
        .wait("status with the card clock", 10, |m| m["device"]["drift_s"].is_number());
    assert!(status["device"]["drift_s"].as_i64().unwrap().abs() <= 2);
}

#[test]
fn playlist_edits_are_picked_up_and_bad_ones_refused() {
    let rig = Rig::new(&["--protocol", "bx-6e"], false);
    let first = rig.sim.wait_state("the item", |s| s["lit"].as_u64().unwrap_or(0) > 0)["frame_sha256"].clone();
    let path = rig.dir.path().join("playlist.toml");
    std::thread::sleep(Duration::from_millis(1100)); // a new modification time
    std::fs::write(&path, PLAYLIST.replace("欢迎", "夷陵区欢迎您")).unwrap();
    let second = rig.sim.wait_state("the edited item", |s| {
        s["frame_sha256"] != first && s["lit"].as_u64().unwrap_or(0) > 0
    })["frame_sha256"]
        .clone();
    std::thread::sleep(Duration::from_millis(1100));
    std::fs::write(&path, "[[item]]\nid = \"x\"\ntext = \"坏\"\ntime = \"25:00-26:00\"\n").unwrap();
    let status = rig.receipts.wait("the refusal in the status", 10, |m| {
        m["playlist"]["error"].as_str().is_some_and(|e| e.contains("25:00"))
    });
    assert!(
        status["playlist"]["error"]
            .as_str()
            .unwrap()
            .contains("playlist.toml:4:8"),
        "{status}"
    );
    // The same in Chinese, written by the daemon beside it (the console shows it as it is).
    let zh = status["playlist"]["error_zh"].as_str().unwrap_or_default();
    assert!(
        zh.contains("playlist.toml:4:8: \"25:00\" 不是一天中的时刻") && zh.contains("继续播放原来的节目单"),
        "{status}"
    );
    // The refusal above is the daemon's decision; the board still shows the previous playlist.
    assert_eq!(
        rig.sim.state()["frame_sha256"],
        second,
        "the previous playlist keeps running"
    );

    // A playlist that follows the official calendar: the status names the years the calendar
    // lacks on this date (this one, and in December the next), and the log says what to do.
    let today = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::get("Asia/Shanghai").unwrap())
        .date();
    let missing = pinghu_playlists::Calendar::builtin().missing_years(today);
    std::thread::sleep(Duration::from_millis(1100));
    std::fs::write(
        &path,
        PLAYLIST.replace("text = \"欢迎\"", "text = \"工作日欢迎\"\nworkdays_only = true"),
    )
    .unwrap();
    if missing.is_empty() {
        // The compiled-in calendar covers the days ahead: nothing to report (the logic is
        // unit-tested in playlists/src/calendar.rs).
        return;
    }
    let st = rig.receipts.wait("the missing years in the status", 10, |m| {
        m["office"]["calendar"]["missing"] == serde_json::json!(missing)
    });
    assert!(st["playlist"]["error"].is_null(), "{st}");
    assert!(
        rig.log().contains("the holiday calendar has no official data for"),
        "{}",
        rig.log()
    );
}

#[test]
fn a_clock_behind_the_portal_is_not_trusted() {
    let rig = Rig::new(&["--protocol", "bx-6e"], false);
    let mut p = payload("future-1", 1, "normal", "时钟测试", 86_400);
    p["issued_at"] = serde_json::json!((jiff::Timestamp::now() + jiff::SignedDuration::from_hours(2)).to_string());
    rig.publish(&p);
    rig.receipt("future-1", "accepted", 10);
    let st = rig.receipts.wait("an untrusted clock in the status", 10, |m| {
        m["clock"]["trusted"] == false
    });
    assert_eq!(st["clock"]["check"]["state"], "far-from-portal", "{st}");
    // Always-on items and announcements keep showing.
    rig.sim
        .wait_state("something on the board", |s| s["lit"].as_u64().unwrap_or(0) > 0);
}

#[test]
fn a_panic_in_a_task_or_in_the_core_ends_the_process_non_zero_for_systemd() {
    // Debug builds honour PINGHU_DEBUG_PANIC=TASK@SECONDS (a test hook; release builds have none).
    let mut rig = Rig::new(&["--protocol", "bx-6e"], false);
    drop(rig.daemon.take()); // one daemon per data directory and client id
    for (task, expect) in [("core", "the core thread panicked"), ("driver", "a task panicked")] {
        let log = rig.dir.path().join(format!("panic-{task}.log"));
        // The second run logs JSON, as for journald or a log shipper: every line is an object.
        let json = task == "driver";
        let mut child = std::process::Command::new(pinghu_tests::bin("pinghu"))
            .args(if json { &["--log-format", "json"][..] } else { &[] })
            .args(["run", "--config"])
            .arg(rig.dir.path().join("pinghu.toml"))
            .env("PINGHU_DEBUG_PANIC", format!("{task}@1"))
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        let status = loop {
            if let Some(s) = child.try_wait().unwrap() {
                break s;
            }
            assert!(
                Instant::now() < deadline,
                "{task}: the process kept running after the panic"
            );
            std::thread::sleep(Duration::from_millis(50));
        };
        let text = std::fs::read_to_string(&log).unwrap();
        assert_eq!(status.code(), Some(1), "{task}: {status:?}\n{text}");
        assert!(text.contains(expect), "{task}: {text}");
        assert!(text.contains("systemd restarts it"), "{text}");
        assert!(
            !text.contains('\u{1b}'),
            "no colour codes when stderr is a file: {text}"
        );
        if json {
            for line in text.lines().filter(|l| !l.trim().is_empty()) {
                let v: serde_json::Value =
                    serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
                assert!(v["level"].is_string() && v["message"].is_string(), "{line}");
            }
        }
    }
}

#[test]
fn over_mqtt5_a_stale_notice_dies_in_the_brokers_queue() {
    let mut rig = Rig::new(&[], false);
    // The board is away (its session, and queue, stay at the broker).
    rig.daemon.as_mut().unwrap().kill9();
    let (code, out, err) = portal_publish(
        &rig.broker.url(),
        "test-board",
        &payload("stale", 1, "urgent", "两秒后过时的通知", 2),
        &rig.key,
        &["--mqtt5"],
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("published announcement stale r1 over MQTT 5, expiring in the brokers' queues in"),
        "{out}"
    );
    std::thread::sleep(std::time::Duration::from_millis(3500));
    let (code, _, err) = portal_publish(
        &rig.broker.url(),
        "test-board",
        &payload("fresh", 1, "urgent", "新通知", 600),
        &rig.key,
        &["--mqtt5"],
    );
    assert_eq!(code, 0, "{err}");
    // A notice already past its time is refused before it travels.
    let (code, _, err) = portal_publish(
        &rig.broker.url(),
        "test-board",
        &payload("late", 1, "urgent", "已过时", -5),
        &rig.key,
        &["--mqtt5"],
    );
    assert_eq!(code, 1);
    assert!(err.contains("has passed: the notice would never show"), "{err}");
    rig.start_daemon();
    // The broker delivers a session's queue in order: once the fresh one is accepted, the stale
    // one would have come before it. It never came: no receipt of any kind names it.
    rig.receipt("fresh", "accepted", 30);
    let stale: Vec<serde_json::Value> = rig.receipts.all().into_iter().filter(|m| m["id"] == "stale").collect();
    assert!(stale.is_empty(), "{stale:?}");
    // The portal's tool collects receipts over MQTT 5 too.
    let (code, out, err) = portal_publish(
        &rig.broker.url(),
        "test-board",
        &payload("waited", 1, "urgent", "等回执的通知", 600),
        &rig.key,
        &["--mqtt5", "--wait", "3"],
    );
    assert_eq!(code, 0, "{err}");
    let receipts: Vec<serde_json::Value> = out.lines().filter_map(|l| serde_json::from_str(l).ok()).collect();
    assert!(
        receipts.iter().any(|r| r["id"] == "waited" && r["event"] == "accepted"),
        "{out}"
    );
}

fn is_status(m: &serde_json::Value) -> bool {
    m["_topic"] == "pinghu/v1/screens/test-board/status" && m["online"] == true
}

#[test]
fn over_mqtt5_the_broker_keeps_the_boards_queue_while_it_is_away() {
    let mut rig = Rig::with_mqtt(&[], false, "version = \"5\"\nsession_expiry_s = 3600");
    let first = rig.receipts.wait("a status over MQTT 5", 10, |m| {
        is_status(m) && m["mqtt"] == "connected" && m["broker"]["protocol"] == "5"
    });
    assert_eq!(first["broker"]["session_expiry_s"], 3600, "{first}");
    assert_eq!(first["broker"]["client_id"], format!("pinghu-test-{}", rig.broker.port));
    // A clean stop: the daemon says goodbye, its session stays at the broker.
    assert!(rig.daemon.as_mut().unwrap().stop(), "SIGTERM is a clean stop");
    rig.publish(&payload("away", 1, "urgent", "离线期间发布的通知", 600));
    let mark = rig.receipts.mark();
    rig.start_daemon();
    rig.receipt("away", "accepted", 20);
    rig.receipt("away", "displayed", 20);
    let st = rig.receipts.wait_after(mark, "a status after the restart", 10, |m| {
        is_status(m) && m["mqtt"] == "connected"
    });
    assert_eq!(st["broker"]["session_present"], true, "{st}");
    assert!(rig.log().contains("over MQTT 5"), "{}", rig.log());
}

#[test]
fn over_mqtt5_a_session_past_its_expiry_is_gone_and_the_status_says_so() {
    let mut rig = Rig::with_mqtt(&[], false, "version = 5\nsession_expiry_s = 1");
    rig.receipts.wait("a status over MQTT 5", 10, |m| {
        is_status(m) && m["broker"]["session_expiry_s"] == 1
    });
    assert!(rig.daemon.as_mut().unwrap().stop());
    rig.publish(&payload("lost", 1, "urgent", "会话过期后丢失的通知", 600));
    // Longer than the session's expiry: the broker drops the session and what it queued.
    std::thread::sleep(Duration::from_millis(2500));
    let mark = rig.receipts.mark();
    rig.start_daemon();
    let st = rig.receipts.wait_after(mark, "a status after the restart", 10, |m| {
        is_status(m) && m["mqtt"] == "connected"
    });
    assert_eq!(st["broker"]["session_present"], false, "{st}");
    // The board is subscribed again: a new notice arrives. The lost one, queued before, would
    // have come first; it never came.
    rig.publish(&payload("after", 1, "urgent", "新通知", 600));
    rig.receipt("after", "accepted", 20);
    assert_eq!(rig.count("lost", "accepted"), 0);
}

#[test]
fn two_daemons_sharing_a_client_id_are_told_and_the_board_comes_back() {
    let rig = Rig::new(&[], false);
    let client_id = format!("pinghu-test-{}", rig.broker.port);
    // A copied configuration: a second cabinet's daemon, its own board and data, the same id.
    let sim = Sim::start(&["--width", "128", "--height", "32", "--protocol", "bx-6e"]);
    let config = std::fs::read_to_string(rig.dir.path().join("pinghu.toml"))
        .unwrap()
        .replace("data_dir = \"data\"", "data_dir = \"data-2\"")
        .replace("id = \"test-board\"", "id = \"test-board-2\"")
        .replace(&rig.sim.tcp_url(), &sim.tcp_url());
    let second_config = rig.dir.path().join("second.toml");
    std::fs::write(&second_config, config).unwrap();
    let mut second = Daemon::start(&second_config);
    // Neither can know which of them is wrong; both say what is going on, and pause instead of
    // knocking each other off many times a second.
    let deadline = Instant::now() + Duration::from_secs(60);
    let told = |log: &str| log.contains(&format!("another client may be using the client id {client_id:?}"));
    while !(told(&rig.log()) && told(&second.log_text())) {
        assert!(
            Instant::now() < deadline,
            "not told:\nfirst: {}\nsecond: {}",
            rig.log(),
            second.log_text()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(rig.log().contains("Each board needs its own"), "{}", rig.log());
    // The copy is taken away; the first board comes back and its status says what happened.
    let mark = rig.receipts.mark();
    assert!(second.stop());
    let st = rig.receipts.wait_after(mark, "the board back online", 30, |m| {
        is_status(m) && m["mqtt"] == "connected" && m["broker"]["last_error"].is_string()
    });
    let err = st["broker"]["last_error"].as_str().unwrap();
    assert!(err.contains("may be in use elsewhere"), "{st}");
    assert_eq!(st["broker"]["protocol"], "3.1.1");
    assert!(st["broker"]["client_id_conflict"].is_string(), "{st}");
    // The fleet view names it as a fault for the next minutes.
    let (code, out, _) = pinghu(&["fleet", "status", "--broker", &rig.broker.url()]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.lines()
            .any(|l| l.starts_with("test-board ") && l.contains(&format!("client id {client_id} shared"))),
        "{out}"
    );
    // And it works: a notice reaches it.
    rig.publish(&payload("back", 1, "urgent", "恢复后的通知", 600));
    rig.receipt("back", "displayed", 20);
}

#[test]
fn confirmed_delivery_resends_a_copy_the_broker_lost_and_a_board_that_holds_it_says_so() {
    let mut rig = Rig::with_mqtt(&[], false, "version = \"5\"\nsession_expiry_s = 1");
    let url = rig.broker.url();
    let key = rig.key.to_str().unwrap().to_owned();
    let write = |name: &str, v: &serde_json::Value| {
        let f = rig.dir.path().join(name);
        std::fs::write(&f, v.to_string()).unwrap();
        f.to_str().unwrap().to_owned()
    };
    // The board already holds this notice: confirming it to the group again brings `held`, the
    // answer a sender who missed the `accepted` receipt needs.
    let notice = payload("confirm-1", 1, "urgent", "确认送达的通知", 600);
    rig.publish(&notice);
    let first = write("confirm-1.json", &notice);
    rig.receipt("confirm-1", "accepted", 10);
    let (code, out, err) = pinghu(&[
        "portal",
        "publish",
        "--broker",
        &url,
        "--group",
        "all-boards",
        "--payload",
        &first,
        "--key",
        &key,
        "--confirm",
        "5",
    ]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.lines()
            .any(|l| l.starts_with("test-board ") && l.ends_with(" held")),
        "{out}"
    );
    assert!(out.contains("1 of 1 boards confirmed"), "{out}");
    assert_eq!(rig.count("confirm-1", "accepted"), 1, "held, not accepted twice");

    // The board is away and the broker forgets its session (expiry 1 s): the copy queued for it
    // is lost, as a broker's last second is at a SIGKILL. The confirmation sends it again.
    assert!(rig.daemon.as_mut().unwrap().stop());
    std::thread::sleep(Duration::from_millis(2500));
    let second = write("confirm-2.json", &payload("confirm-2", 1, "urgent", "补发的通知", 600));
    let mark = rig.receipts.mark();
    let portal = std::process::Command::new(pinghu_tests::bin("pinghu"))
        .args([
            "portal",
            "publish",
            "--broker",
            &url,
            "--screen",
            "test-board",
            "--payload",
            &second,
            "--key",
            &key,
            "--confirm",
            "3",
            "--resend",
            "5",
            // Confirmation works over either protocol version.
            "--mqtt5",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    rig.receipts.wait_after(mark, "the first copy on the broker", 15, |m| {
        m["_topic"] == "pinghu/v1/screens/test-board/announcements"
    });
    rig.start_daemon();
    let done = portal.wait_with_output().unwrap();
    let out = String::from_utf8_lossy(&done.stdout);
    assert!(done.status.success(), "{out}{}", String::from_utf8_lossy(&done.stderr));
    let row = out.lines().find(|l| l.starts_with("test-board ")).unwrap();
    let sends: u32 = row.split_whitespace().nth(2).unwrap().parse().unwrap();
    assert!(sends >= 2, "{out}");
    assert!(row.ends_with(" accepted") || row.ends_with(" displayed"), "{out}");
    rig.receipt("confirm-2", "displayed", 20);
    assert_eq!(rig.count("confirm-2", "accepted"), 1);
}

/// The portal example in Python (docs/examples/portal_publish.py): another language, another MQTT
/// client and Ed25519 library, only the contract of docs/mqtt.md in common with the daemon.
#[test]
fn a_portal_in_python_follows_the_documented_contract() {
    let rig = Rig::new(&["--protocol", "bx-6e"], false);
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/examples/portal_publish.py");
    let python = |payload: &serde_json::Value, key: &Path| {
        let file = rig.dir.path().join("notice.json");
        std::fs::write(&file, serde_json::to_vec(payload).unwrap()).unwrap();
        // Debian's python3, where .ci/run installs python3-cryptography and python3-paho-mqtt.
        let out = std::process::Command::new("/usr/bin/python3")
            // No __pycache__ left in the repository's docs.
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .arg(&script)
            .args(["--broker", &rig.broker.url(), "--screen", "test-board", "--wait", "20"])
            .arg("--key")
            .arg(key)
            .arg("--payload")
            .arg(&file)
            .output()
            .expect("python3 runs (.ci/run installs python3-cryptography and python3-paho-mqtt)");
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, out, err) = python(&payload("yl-py-1", 1, "urgent", "Python 门户发布的通知", 600), &rig.key);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("test-board: accepted"), "{out}");
    assert!(out.contains("test-board: displayed"), "{out}");
    // The daemon saw the same message the script reports: its displayed receipt and the glass.
    let shown = rig.receipt("yl-py-1", "displayed", 10);
    let sha = shown["frame_sha256"].as_str().unwrap().to_owned();
    assert!(out.contains(&sha), "{out}");
    rig.sim
        .wait_state("the Python portal's notice", |s| s["frame_sha256"] == sha.as_str());
    // Signed with a key the board does not have under that id: refused, and the script finds
    // the refusal by the envelope's hash (the board trusts no id inside it).
    let (stranger, _) = keygen(rig.dir.path(), "stranger");
    let (code, out, err) = python(&payload("yl-py-2", 1, "urgent", "伪造", 600), &stranger);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("test-board: rejected"), "{out}");
    assert_eq!(rig.count("yl-py-2", "accepted"), 0);
}
