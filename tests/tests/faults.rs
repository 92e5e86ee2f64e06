//! Promises that hold under outside faults (docs/durability.md, "Under outside faults"), tried
//! with real mosquitto and the real daemon: a burst of junk slows intake but never makes the
//! board deaf; receipts survive kills while the daemon catches up; a full disk keeps the broker
//! link and says so in the status; a message larger than the daemon reads is refused with a
//! receipt and taken off the queue; the shipped broker configuration caps what reaches a board.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use pinghu_tests::{Collector, Daemon, Mosquitto, Sim, free_port, keygen, pinghu, publish_all};

const SCREEN: &str = "fault-board";

struct Board {
    broker: Mosquitto,
    _sim: Sim,
    dir: tempfile::TempDir,
    key: PathBuf,
    receipts: Collector,
}

impl Board {
    fn new(broker_conf: &str) -> Board {
        let broker = Mosquitto::start_with(broker_conf);
        let sim = Sim::start_bx6e_128x32();
        let dir = tempfile::tempdir().unwrap();
        let (key, public) = keygen(dir.path(), "portal");
        std::fs::write(
            dir.path().join("playlist.toml"),
            "[defaults]\ndwell_s = 2\nfont_size = 16\n\n[[item]]\nid = \"welcome\"\ntext = \"欢迎\"\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("pinghu.toml"),
            format!(
                "data_dir = \"data\"\nplaylist = \"playlist.toml\"\n\n[screen]\nid = \"{SCREEN}\"\nwidth = 128\nheight = 32\n\
                 colors = \"red-green\"\n\n[device]\nurl = \"{}\"\nprotocol = \"bx-6e\"\ntimeout_ms = 800\n\n[mqtt]\nurl = \"{}\"\n\
                 client_id = \"pinghu-fault-{}\"\n\n[portal_keys]\nportal-2026 = \"{public}\"\n",
                sim.tcp_url(),
                broker.url(),
                broker.port
            ),
        )
        .unwrap();
        // What the board says: its receipts and status (not the announcements topic, where the
        // tests publish junk and giants).
        let receipts = Collector::start(
            broker.port,
            &format!("pinghu/v1/screens/{SCREEN}/receipts,pinghu/v1/screens/{SCREEN}/status"),
        );
        Board {
            broker,
            _sim: sim,
            dir,
            key,
            receipts,
        }
    }

    fn config(&self) -> PathBuf {
        self.dir.path().join("pinghu.toml")
    }

    fn start(&self) -> Daemon {
        let mark = self.receipts.mark();
        let d = Daemon::start(&self.config());
        self.receipts.wait_after(mark, "the daemon online", 30, |m| {
            m["_topic"].as_str().is_some_and(|t| t.ends_with("/status"))
                && m["online"] == true
                && m["mqtt"] == "connected"
        });
        d
    }

    /// A signed envelope for a notice `id`, as the portal makes it.
    fn envelope(&self, id: &str) -> Vec<u8> {
        let now = jiff::Timestamp::now();
        let payload = serde_json::json!({
            "id": id, "revision": 1, "action": "publish", "priority": "normal", "title": "", "body": format!("通知 {id}"),
            "valid_until": (now + jiff::SignedDuration::from_hours(2)).to_string(),
            "issued_at": now.to_string(), "approved_by": "区电子政务办公室"
        });
        let file = self.dir.path().join(format!("payload-{id}.json"));
        std::fs::write(&file, payload.to_string()).unwrap();
        let (code, out, err) = pinghu(&[
            "portal",
            "sign",
            "--key",
            self.key.to_str().unwrap(),
            "--payload",
            file.to_str().unwrap(),
        ]);
        assert_eq!(code, 0, "{err}");
        out.trim().as_bytes().to_vec()
    }

    fn topic() -> String {
        format!("pinghu/v1/screens/{SCREEN}/announcements")
    }

    /// The receipt events seen for `id`.
    fn events(&self, id: &str) -> Vec<String> {
        self.receipts
            .all()
            .iter()
            .filter(|m| m["id"] == id)
            .filter_map(|m| m["event"].as_str().map(str::to_owned))
            .collect()
    }

    fn wait_until(&self, what: &str, secs: u64, done: impl Fn(&Board) -> bool, log: &dyn Fn() -> String) {
        let deadline = Instant::now() + Duration::from_secs(secs);
        while !done(self) {
            assert!(Instant::now() < deadline, "{what} within {secs} s\n{}", log());
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

#[test]
fn a_burst_of_junk_slows_intake_but_never_makes_the_board_deaf() {
    // The broker queues without limit for the board while it is away, as the report that found
    // the fault had it.
    let b = Board::new("max_queued_messages 0\n");
    let mut daemon = b.start();
    daemon.kill9();
    let valid: Vec<(String, Vec<u8>)> = (0..60)
        .map(|i| {
            let id = format!("burst-{i}");
            let e = b.envelope(&id);
            (id, e)
        })
        .collect();
    let mut all = Vec::new();
    for i in 0..3000 {
        all.push(format!("junk {i}: not an envelope").into_bytes());
        if i % 50 == 49 {
            all.push(valid[i / 50].1.clone());
        }
    }
    publish_all(b.broker.port, &Board::topic(), all);
    let daemon = Daemon::start(&b.config());
    b.wait_until(
        "every valid notice accepted behind 3,000 junk messages",
        300,
        |b| valid.iter().all(|(id, _)| b.events(id).iter().any(|e| e == "accepted")),
        &|| {
            let missing: Vec<_> = valid
                .iter()
                .filter(|(id, _)| !b.events(id).iter().any(|e| e == "accepted"))
                .map(|(id, _)| id.clone())
                .collect();
            let state = std::fs::read_to_string(b.dir.path().join("data/state.json")).unwrap_or_default();
            let outbox = serde_json::from_str::<serde_json::Value>(&state)
                .ok()
                .map(|v| v["outbox"].as_array().map_or(0, Vec::len));
            format!(
                "missing {missing:?}; state.json {} bytes, outbox {outbox:?}; {} receipts seen\n{}",
                state.len(),
                b.receipts.all().len(),
                daemon.log_text()
            )
        },
    );
    // Junk is refused best effort: each answered, or, under the flood, counted in the status.
    let all = b.receipts.all();
    let rejected = all.iter().filter(|m| m["event"] == "rejected").count();
    let dropped = all
        .iter()
        .filter_map(|m| m["broker"]["receipts_dropped"].as_u64())
        .max()
        .unwrap_or(0);
    assert!(
        rejected >= 3000 || dropped > 0,
        "{rejected} refusals answered and none counted as dropped"
    );
    assert!(
        !daemon.log_text().contains("cannot acknowledge"),
        "{}",
        daemon.log_text()
    );
    // The journal is not flooded: a few refusals a minute one by one, the rest as a count.
    let logged = daemon.log_text().matches("rejected message on").count();
    assert!(
        (1..=2 * pinghu::daemon::core::REFUSALS_LOGGED as usize).contains(&logged),
        "{logged} refusals logged one by one for 3,000 junk messages"
    );
}

#[test]
fn receipts_survive_kills_while_the_daemon_catches_up() {
    let b = Board::new("");
    let mut daemon = b.start();
    let mut ids = Vec::new();
    for round in 0..6 {
        daemon.kill9();
        let batch: Vec<(String, Vec<u8>)> = (0..12)
            .map(|k| {
                let id = format!("catch-{round}-{k}");
                let e = b.envelope(&id);
                (id, e)
            })
            .collect();
        let payloads: Vec<Vec<u8>> = batch.iter().map(|(_, e)| e.clone()).collect();
        publish_all(b.broker.port, &Board::topic(), payloads);
        daemon = Daemon::start(&b.config());
        // Killed again once it has answered a few (1 to 6, varying by round).
        let want = 1 + round % 6;
        b.wait_until(
            "some accepted receipts",
            60,
            |b| {
                batch
                    .iter()
                    .filter(|(id, _)| b.events(id).iter().any(|e| e == "accepted"))
                    .count()
                    >= want
            },
            &|| daemon.log_text(),
        );
        ids.extend(batch.into_iter().map(|(id, _)| id));
    }
    daemon.kill9();
    let daemon = b.start();
    // Every notice the board took is answered at the broker: accepted (from the outbox it kept),
    // or held (the broker sent it again because it was not acknowledged).
    b.wait_until(
        "a receipt for every notice",
        90,
        |b| {
            ids.iter()
                .all(|id| b.events(id).iter().any(|e| e == "accepted" || e == "held"))
        },
        &|| {
            let missing: Vec<_> = ids.iter().filter(|id| b.events(id).is_empty()).collect();
            format!("no receipt for {missing:?}\n{}", daemon.log_text())
        },
    );
}

#[test]
fn a_message_larger_than_anything_allowed_is_refused_and_the_next_one_is_taken() {
    // mosquitto's default lets a 40 MB message through to the board.
    let b = Board::new("");
    let daemon = b.start();
    let giant = vec![b'x'; 40 * 1024 * 1024];
    let after = b.envelope("after-giant");
    publish_all(b.broker.port, &Board::topic(), vec![giant, after]);
    b.wait_until(
        "the notice behind the giant message accepted",
        60,
        |b| b.events("after-giant").iter().any(|e| e == "accepted"),
        &|| daemon.log_text(),
    );
    let refused = b.receipts.all().into_iter().find(|m| m["event"] == "rejected").unwrap();
    let reason = refused["reason"].as_str().unwrap();
    assert!(reason.contains("41943040 bytes"), "{reason}");
}

#[test]
fn the_shipped_broker_configuration_caps_messages_at_what_the_contract_allows() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let shipped = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../controller/examples/broker/mosquitto.conf"),
    )
    .unwrap();
    // Run as shipped, on a loopback port and a private folder, without the logins (password
    // files, ACL, per-listener settings, user names as client ids).
    let conf: String = shipped
        .lines()
        .filter(|l| !l.starts_with("listener") && !l.starts_with("password_file") && !l.starts_with("acl_file"))
        .filter(|l| !l.starts_with("persistence_location") && !l.starts_with("allow_anonymous"))
        .filter(|l| !l.starts_with("per_listener_settings") && !l.starts_with("use_username_as_clientid"))
        .map(|l| format!("{l}\n"))
        .chain([format!(
            "listener {port} 127.0.0.1\nallow_anonymous true\nuser root\npersistence_location {}/\n",
            dir.path().display()
        )])
        .collect();
    let path = dir.path().join("mosquitto.conf");
    std::fs::write(&path, conf).unwrap();
    let mut broker = pinghu_tests::run_mosquitto(&path, port);
    let seen = Collector::start(port, "cap/#");
    // The largest message the contract allows (a 8 MB picture, about 15 MB as an envelope)
    // passes; one over 16 MiB does not.
    publish_all(port, "cap/big", vec![vec![b'a'; 17 * 1024 * 1024]]);
    publish_all(port, "cap/ok", vec![vec![b'b'; 15 * 1024 * 1024]]);
    publish_all(port, "cap/after", vec![b"{}".to_vec()]);
    seen.wait("the message after", 20, |m| m["_topic"] == "cap/after");
    let topics: Vec<String> = seen
        .all()
        .iter()
        .filter_map(|m| m["_topic"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(
        topics,
        ["cap/ok", "cap/after"],
        "the 17 MiB message is dropped by the broker"
    );
    let _ = broker.kill();
    let _ = broker.wait();
}

#[test]
fn a_full_disk_keeps_the_broker_link_says_so_and_loses_nothing() {
    use pinghu::daemon::disk::{Disk, ENOSPC};
    let b = Board::new("");
    let cfg = pinghu::daemon::config::Config::load(&b.config()).unwrap();
    let disk = Disk::new();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let daemon = rt.spawn(pinghu::daemon::run_on(cfg, disk.clone(), stopped, None));
    let status = |m: &serde_json::Value| m["_topic"].as_str().is_some_and(|t| t.ends_with("/status"));
    b.receipts.wait("the daemon online", 30, |m| {
        status(m) && m["online"] == true && m["mqtt"] == "connected"
    });

    // The disk fills; a notice arrives.
    disk.fail(0, u64::MAX, ENOSPC);
    let full = Instant::now();
    let mark = b.receipts.mark();
    publish_all(b.broker.port, &Board::topic(), vec![b.envelope("while-full")]);
    // The status says so at once, over the same link.
    b.receipts.wait_after(mark, "storage.ok false", 30, |m| {
        status(m) && m["storage"]["ok"] == false && m["mqtt"] == "connected"
    });
    // The broker drops a client that stops polling after 1.5 keep-alives (22 s). The daemon's
    // own status comes again after its 30 s period: the link lived through it, with no last will
    // (`online: false`) published for the board in between.
    let again = b
        .receipts
        .wait_after(mark, "the periodic status 30 s into the full disk", 60, |m| {
            status(m) && m["storage"]["ok"] == false && full.elapsed() >= Duration::from_secs(29)
        });
    assert_eq!(again["online"], true);
    let wills = b.receipts.all()[mark..]
        .iter()
        .filter(|m| status(m) && m["online"] == false)
        .count();
    assert_eq!(wills, 0, "the broker never declared the board gone");
    assert!(
        b.events("while-full").is_empty(),
        "nothing is accepted that was not stored"
    );

    // Room again: the notice is stored, answered once, and the status is well.
    disk.heal();
    b.wait_until(
        "the notice accepted once the disk has room",
        60,
        |b| b.events("while-full").iter().any(|e| e == "accepted"),
        &String::new,
    );
    b.receipts
        .wait_after(mark, "storage.ok true", 60, |m| status(m) && m["storage"]["ok"] == true);
    let accepted = b.events("while-full").iter().filter(|e| *e == "accepted").count();
    assert_eq!(accepted, 1);
    stop.send(true).unwrap();
    rt.block_on(daemon).unwrap().unwrap();
}
