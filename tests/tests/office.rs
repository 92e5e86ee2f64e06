//! What the office sends every board at once, end to end on the bridged brokers: a signed holiday
//! calendar (2027, once for the county), a pushed playlist (applied, then a refused one that keeps
//! the old one running and reaches the sender as a receipt; a local edit and a push do not fight),
//! a picture that arrives after the playlist showing it, and a portal key rotation with a grace
//! period.

use std::time::{Duration, Instant};

use pinghu_tests::fleet::{Brokers, Fleet, Publisher, Receipts, group_topic};
use pinghu_tests::{Collector, Daemon, pinghu, pinghu_stdin};

const BOARDS: usize = 3;

/// The latest retained status of each board satisfies `pred`.
fn wait_all(statuses: &Collector, fleet: &Fleet, what: &str, pred: impl Fn(&serde_json::Value) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let all = statuses.all();
        let ok = fleet.boards.iter().all(|b| {
            all.iter()
                .rev()
                .find(|m| m["screen"] == b.screen.as_str())
                .is_some_and(&pred)
        });
        if ok {
            return;
        }
        assert!(Instant::now() < deadline, "not every board shows {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn wait_receipts(receipts: &Receipts, event: &str, id: &str, n: usize) -> Vec<serde_json::Value> {
    wait_for(receipts, &format!("{event} {id}"), n, |r| {
        r["event"] == event && r["id"] == id
    })
}

/// Wait until `n` distinct receipts satisfy `pred`, and return them.
fn wait_for(
    receipts: &Receipts,
    what: &str,
    n: usize,
    pred: impl Fn(&serde_json::Value) -> bool,
) -> Vec<serde_json::Value> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let got: Vec<serde_json::Value> = receipts.distinct().into_iter().filter(&pred).collect();
        if got.len() >= n {
            return got;
        }
        assert!(Instant::now() < deadline, "{what}: {} of {n} receipts", got.len());
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A 24-bit BMP of `w`x`h` pseudo-random pixels (nothing compresses it).
fn noise_bmp(w: u32, h: u32) -> Vec<u8> {
    let row = (w * 3).div_ceil(4) * 4;
    let size = 54 + row * h;
    let mut b = Vec::with_capacity(size as usize);
    b.extend_from_slice(b"BM");
    b.extend_from_slice(&size.to_le_bytes());
    b.extend_from_slice(&[0, 0, 0, 0]);
    b.extend_from_slice(&54u32.to_le_bytes());
    b.extend_from_slice(&40u32.to_le_bytes());
    b.extend_from_slice(&w.to_le_bytes());
    b.extend_from_slice(&h.to_le_bytes());
    b.extend_from_slice(&1u16.to_le_bytes());
    b.extend_from_slice(&24u16.to_le_bytes());
    b.extend_from_slice(&[0; 24]);
    let mut x = 0x9e37_79b9_u32;
    for _ in 0..row * h {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        b.push(x as u8);
    }
    b
}

fn push(broker: &str, key: &str, revision: u64, what: &str, file: &std::path::Path, extra: &[&str]) {
    let rev = revision.to_string();
    let mut args = vec![
        "portal",
        "push",
        "--broker",
        broker,
        "--key",
        key,
        "--revision",
        &rev,
        what,
        file.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let (code, out, err) = pinghu(&args);
    assert_eq!(code, 0, "{out}{err}");
}

#[test]
fn the_office_sends_a_calendar_a_playlist_and_new_keys_to_every_board() {
    let brokers = Brokers::start();
    let receipts = Receipts::start(brokers.county.port);
    let statuses = Collector::start(brokers.county.port, "pinghu/v1/screens/+/status");
    let mut fleet = Fleet::start(BOARDS, &brokers);
    fleet.wait_ready(&statuses, 60);
    let county = brokers.county.url();
    let key = fleet.key.to_str().unwrap().to_owned();
    let dir = fleet.dir.path().to_path_buf();

    // 2027, once for the whole county (dates of the State Council's kind; a test fixture).
    let cal = dir.join("holidays-2027.toml");
    std::fs::write(
        &cal,
        "[2027]\nholidays = [\"2027-01-01\", \"2027-02-06..2027-02-13\"]\nworkdays = [\"2027-02-14\"]\n",
    )
    .unwrap();
    push(&county, &key, 1, "--calendar", &cal, &[]);
    wait_receipts(&receipts, "applied", "calendar", BOARDS);
    wait_all(&statuses, &fleet, "the 2027 calendar", |s| {
        s["office"]["calendar"]["revision"] == 1
            && s["office"]["calendar"]["years"]
                .as_array()
                .is_some_and(|y| y.contains(&2027.into()))
    });
    // An older revision is refused, and says why.
    std::fs::write(&cal, "[2027]\nholidays = [\"2027-01-01\"]\n").unwrap();
    push(&county, &key, 1, "--calendar", &cal, &[]);
    let refused = wait_receipts(&receipts, "rejected", "calendar", BOARDS);
    assert!(
        refused[0]["reason"]
            .as_str()
            .unwrap()
            .contains("is not newer than revision 1"),
        "{refused:?}"
    );
    // The Chinese says the same from the same typed error, not only that it was refused.
    assert!(
        refused[0]["reason_zh"].as_str().unwrap().contains("不比")
            && refused[0]["reason_zh"].as_str().unwrap().contains("节假日日历"),
        "{refused:?}"
    );

    // A playlist to the group: every board runs it.
    let good = dir.join("pushed.toml");
    std::fs::write(
        &good,
        "[defaults]\ndwell_s = 1\n\n[[item]]\nid = \"pushed\"\ntext = \"夷陵区政务公开 推送节目\"\n",
    )
    .unwrap();
    push(&county, &key, 1, "--playlist", &good, &["--group", "yiling-all"]);
    wait_receipts(&receipts, "applied", "playlist", BOARDS);
    wait_all(&statuses, &fleet, "the pushed playlist", |s| {
        s["office"]["playlist"]["revision"] == 1 && s["showing"]["content"] == "item pushed"
    });
    // The log line was written before the receipt went out; it says what happened in English.
    let log = fleet.boards[0].daemon.log_text();
    assert!(log.contains("pushed by portal ("), "the push is logged as such:\n{log}");
    // One the boards cannot run (its picture is not on them): refused, the old one keeps running.
    let bad = dir.join("bad.toml");
    std::fs::write(&bad, "[[item]]\nid = \"logo\"\nimage = \"images/logo.png\"\n").unwrap();
    push(&county, &key, 2, "--playlist", &bad, &["--group", "yiling-all"]);
    let refused = wait_receipts(&receipts, "rejected", "playlist", BOARDS);
    assert!(
        refused[0]["reason"].as_str().unwrap().contains("images/logo.png"),
        "{refused:?}"
    );
    let zh = refused[0]["reason_zh"].as_str().unwrap();
    assert!(
        zh.starts_with("推送的节目单未通过检查") && zh.contains("images/logo.png"),
        "{zh}"
    );
    wait_all(&statuses, &fleet, "the old playlist still", |s| {
        s["office"]["playlist"]["revision"] == 1 && s["showing"]["content"] == "item pushed"
    });

    // An advertiser's spot with its picture. The playlist comes first (retained messages arrive in
    // no set order anyway): refused for the missing picture; the picture then comes to every
    // board, and the playlist is tried again and runs.
    let spot = dir.join("spot.toml");
    std::fs::write(
        &spot,
        "[defaults]\ndwell_s = 1\n\n[[item]]\nid = \"spot\"\nimage = \"sunrise.png\"\n",
    )
    .unwrap();
    push(&county, &key, 3, "--playlist", &spot, &["--group", "yiling-all"]);
    wait_for(&receipts, "the spot's playlist refused for its picture", BOARDS, |r| {
        r["event"] == "rejected" && r["reason"].as_str().is_some_and(|t| t.contains("sunrise.png"))
    });
    let picture = dir.join("sunrise.png");
    std::fs::copy(
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../playlists/examples/images/pinghu-sunrise.png"
        ),
        &picture,
    )
    .unwrap();
    push(&county, &key, 1, "--picture", &picture, &["--group", "yiling-all"]);
    wait_receipts(&receipts, "applied", "picture:sunrise.png", BOARDS);
    wait_all(&statuses, &fleet, "the spot with its picture", |s| {
        s["office"]["playlist"]["revision"] == 3
            && s["office"]["pictures"]["sunrise.png"] == 1
            && s["showing"]["content"] == "item spot"
    });
    for b in &fleet.boards {
        assert_eq!(
            std::fs::read(dir.join(&b.screen).join("sunrise.png")).unwrap(),
            std::fs::read(&picture).unwrap()
        );
    }
    // A photograph-sized picture (a 1.2 MB BMP of noise) travels too, to one screen.
    let big = dir.join("big.bmp");
    std::fs::write(&big, noise_bmp(640, 640)).unwrap();
    let screen0 = fleet.boards[0].screen.clone();
    push(&county, &key, 1, "--picture", &big, &["--screen", &screen0]);
    wait_receipts(&receipts, "applied", "picture:big.bmp", 1);
    assert_eq!(
        std::fs::read(dir.join(&screen0).join("big.bmp")).unwrap(),
        std::fs::read(&big).unwrap()
    );
    // Not a picture, or not a picture's name: the tool refuses before anything travels.
    let notes = dir.join("notes.txt");
    std::fs::write(&notes, "x").unwrap();
    let (code, _, err) = pinghu(&[
        "portal",
        "push",
        "--broker",
        &county,
        "--key",
        &key,
        "--revision",
        "1",
        "--picture",
        notes.to_str().unwrap(),
        "--group",
        "yiling-all",
    ]);
    assert_eq!(code, 1);
    assert!(
        err.contains("is not a picture name") && err.contains("rename the file"),
        "{err}"
    );

    // The campaign ends. The office pushes the removal of its picture before the playlist that
    // stops showing it (retained messages come in no set order anyway): refused while the spot
    // shows it, it waits, and the boards apply it by themselves once the new playlist runs.
    let name = std::path::Path::new("sunrise.png");
    push(&county, &key, 2, "--remove-picture", name, &["--group", "yiling-all"]);
    wait_for(
        &receipts,
        "the removal of a shown picture refused, waiting",
        BOARDS,
        |r| {
            r["id"] == "picture:sunrise.png"
                && r["event"] == "rejected"
                && r["reason"].as_str().is_some_and(|t| {
                    t.contains("the running playlist shows sunrise.png (item spot)")
                        && t.contains("removes it by itself once the running playlist no longer shows it")
                })
        },
    );
    assert!(dir.join(&fleet.boards[0].screen).join("sunrise.png").exists());
    push(&county, &key, 4, "--playlist", &good, &["--group", "yiling-all"]);
    wait_for(&receipts, "the picture removed everywhere", BOARDS, |r| {
        r["id"] == "picture:sunrise.png" && r["event"] == "applied" && r["revision"] == 2
    });
    wait_all(&statuses, &fleet, "the playlist without the picture", |s| {
        s["office"]["playlist"]["revision"] == 4
    });
    for b in &fleet.boards {
        assert!(!dir.join(&b.screen).join("sunrise.png").exists(), "{}", b.screen);
    }

    // A local edit on board-000 stands, and the status says it replaced the push; a restart
    // (the retained pushes come again) does not undo it.
    let screen = fleet.boards[0].screen.clone();
    let local = dir.join(&screen).join("playlist.toml");
    std::fs::write(
        &local,
        "[defaults]\ndwell_s = 1\n\n[[item]]\nid = \"local\"\ntext = \"本地修改\"\n",
    )
    .unwrap();
    let board0 = |s: &serde_json::Value| s["screen"] == screen.as_str();
    statuses.wait("the local edit on board-000", 30, |s| {
        board0(s) && s["office"]["playlist"]["local_edit"] == true && s["showing"]["content"] == "item local"
    });
    let before = receipts.distinct().len();
    fleet.boards[0].daemon.kill9();
    let config = fleet.boards[0].config.clone();
    let restarted = Instant::now();
    fleet.boards[0].daemon = Daemon::start(&config);
    // A status of the new daemon (arrived after the restart) that has shown something since.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let all = statuses.all();
        let times = statuses.arrived.lock().unwrap().clone();
        let back = all.iter().zip(times).any(|(s, t)| {
            t > restarted && board0(s) && s["mqtt"] == "connected" && s["showing"]["content"] == "item local"
        });
        if back {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "board-000 did not come back with its local edit"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_secs(2));
    let after: Vec<serde_json::Value> = receipts.distinct().into_iter().skip(before).collect();
    assert!(
        after
            .iter()
            .all(|r| r["event"] != "rejected" && r["event"] != "applied"),
        "a retained push was applied or refused again: {after:?}"
    );

    // Key rotation: portal-2027 added, portal-2026 retired after a grace period, signed with 2026.
    let (code, _, err) = pinghu(&[
        "portal",
        "keygen",
        "--key-id",
        "portal-2027",
        "--out",
        dir.join("k27.json").to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let k27: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(dir.join("k27.json")).unwrap()).unwrap();
    let retire_at = jiff::Timestamp::now() + jiff::SignedDuration::from_secs(6);
    let rotation = dir.join("rotation.json");
    std::fs::write(
        &rotation,
        serde_json::json!({"add": {"portal-2027": k27["public"]}, "retire": {"portal-2026": retire_at.to_string()}})
            .to_string(),
    )
    .unwrap();
    push(&county, &key, 1, "--keys", &rotation, &[]);
    wait_receipts(&receipts, "applied", "keys", BOARDS);
    let mut portal = Publisher::connect(brokers.county.port);
    let notice = |id: &str| {
        let now = jiff::Timestamp::now();
        serde_json::json!({"id": id, "revision": 1, "action": "publish", "priority": "normal", "body": "新密钥签发的通知",
            "issued_at": now.to_string(), "valid_until": (now + jiff::SignedDuration::from_mins(10)).to_string()})
    };
    let sign = |k: &str, payload: &serde_json::Value| {
        let (code, out, err) = pinghu_stdin(&["portal", "sign", "--key", k, "--payload", "-"], &payload.to_string());
        assert_eq!(code, 0, "{err}");
        out.trim().as_bytes().to_vec()
    };
    let k27_file = dir.join("k27.json");
    portal.publish(&group_topic(), sign(k27_file.to_str().unwrap(), &notice("new-key")));
    wait_receipts(&receipts, "accepted", "new-key", BOARDS);
    // During the grace period the old key still works; after it, not.
    portal.publish(&group_topic(), sign(&key, &notice("old-key-in-grace")));
    wait_receipts(&receipts, "accepted", "old-key-in-grace", BOARDS);
    while jiff::Timestamp::now() < retire_at + jiff::SignedDuration::from_secs(1) {
        std::thread::sleep(Duration::from_millis(200));
    }
    portal.publish(&group_topic(), sign(&key, &notice("old-key-retired")));
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let rejected = receipts
            .distinct()
            .into_iter()
            .filter(|r| r["event"] == "rejected" && r["claimed_id"] == "old-key-retired")
            .count();
        if rejected >= BOARDS {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the retired key was not refused everywhere ({rejected})"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    wait_all(&statuses, &fleet, "the rotation", |s| {
        s["office"]["keys"]["in_force"] == serde_json::json!(["portal-2027"])
    });
}
