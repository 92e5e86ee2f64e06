//! The shipped mosquitto access control (`controller/examples/broker/`): each board reads only its
//! own topics and its groups', and writes only its own status, receipts and reports; the portal
//! alone writes announcements. A real `pinghu run` works under it, and one with the wrong password
//! is told what to check.
//!
//! mosquitto drops a publish the ACL refuses (MQTT 3.1.1 has no way to say so), so each "never
//! arrives" is proved by a later message on the same path that does arrive.

use std::path::Path;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use pinghu_tests::shipped::broker_conf;
use pinghu_tests::{Daemon, Sim, free_port, keygen, run_mosquitto};

/// A client logged in as `user`, subscribed to `filters`, collecting (topic, payload).
struct Client {
    client: rumqttc::Client,
    got: Arc<Mutex<Vec<(String, String)>>>,
}

impl Client {
    fn connect(port: u16, user: &str, pass: &str, filters: &[&str]) -> Client {
        let mut o = rumqttc::MqttOptions::new(format!("{user}-test-{}", free_port()), "127.0.0.1", port);
        o.set_credentials(user, pass);
        o.set_keep_alive(Duration::from_secs(5));
        let (client, mut conn) = rumqttc::Client::new(o, 64);
        let got = Arc::new(Mutex::new(Vec::new()));
        let g = Arc::clone(&got);
        let subscribed = Arc::new(Mutex::new(0usize));
        let s = Arc::clone(&subscribed);
        let c = client.clone();
        let filters: Vec<String> = filters.iter().map(|f| (*f).to_owned()).collect();
        let wanted = filters.clone();
        std::thread::spawn(move || {
            let filters = wanted;
            for ev in conn.iter() {
                match ev {
                    Ok(rumqttc::Event::Incoming(rumqttc::Incoming::ConnAck(_))) => {
                        for f in &filters {
                            let _ = c.subscribe(f.clone(), rumqttc::QoS::AtLeastOnce);
                        }
                        if filters.is_empty() {
                            *s.lock().unwrap() = usize::MAX;
                        }
                    }
                    Ok(rumqttc::Event::Incoming(rumqttc::Incoming::SubAck(_))) => *s.lock().unwrap() += 1,
                    Ok(rumqttc::Event::Incoming(rumqttc::Incoming::Publish(p))) => g
                        .lock()
                        .unwrap()
                        .push((p.topic.clone(), String::from_utf8_lossy(&p.payload).into_owned())),
                    Ok(_) => {}
                    Err(_) => std::thread::sleep(Duration::from_millis(100)),
                }
            }
        });
        let want = filters.len();
        let deadline = Instant::now() + Duration::from_secs(10);
        while *subscribed.lock().unwrap() < want.max(1) {
            assert!(Instant::now() < deadline, "{user} could not subscribe");
            std::thread::sleep(Duration::from_millis(20));
        }
        Client { client, got }
    }

    fn publish(&self, topic: &str, body: &str) {
        self.client
            .publish(topic, rumqttc::QoS::AtLeastOnce, false, body.as_bytes().to_vec())
            .unwrap();
    }

    fn wait_for(&self, topic: &str, body: &str) -> Vec<(String, String)> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let got = self.got.lock().unwrap().clone();
            if got.iter().any(|(t, b)| t == topic && b == body) {
                return got;
            }
            assert!(Instant::now() < deadline, "never got {body} on {topic}: {got:?}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

#[test]
fn boards_see_their_own_and_their_groups_topics_and_only_the_portal_writes_announcements() {
    let dir = tempfile::tempdir().unwrap();
    let boards = dir.path().join("boards.txt");
    std::fs::write(&boards, "board-a yiling-all\nboard-b xiaoxita\n").unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../controller/examples/broker/make-acl.sh");
    let out = Command::new("bash")
        .arg(&script)
        .arg(&boards)
        .arg(dir.path().join("acl"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let passwords = std::fs::read_to_string(dir.path().join("acl/passwords.txt")).unwrap();
    let pass = |user: &str| {
        passwords
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{user} ")))
            .unwrap()
            .to_owned()
    };
    // The shipped configuration: boards on one listener, the office on the other.
    let (port, office) = (free_port(), free_port());
    let conf = dir.path().join("mosquitto.conf");
    std::fs::write(&conf, broker_conf(port, office, &dir.path().join("acl"), dir.path())).unwrap();
    let mut broker = run_mosquitto(&conf, port);

    let portal = Client::connect(office, "portal", &pass("portal"), &["pinghu/v1/screens/+/receipts"]);
    let a = Client::connect(
        port,
        "board-a",
        &pass("board-a"),
        &[
            "pinghu/v1/screens/board-a/announcements",
            "pinghu/v1/groups/yiling-all/announcements",
            // Not its own: the broker grants the subscription but delivers nothing.
            "pinghu/v1/screens/board-b/announcements",
            "pinghu/v1/groups/xiaoxita/announcements",
        ],
    );
    let b = Client::connect(
        port,
        "board-b",
        &pass("board-b"),
        &["pinghu/v1/screens/board-b/announcements"],
    );

    // Board A cannot publish a receipt as board B; its own arrives, after which B's would have.
    a.publish("pinghu/v1/screens/board-b/receipts", "forged by a");
    a.publish("pinghu/v1/screens/board-a/receipts", "a's own");
    let got = portal.wait_for("pinghu/v1/screens/board-a/receipts", "a's own");
    assert!(!got.iter().any(|(_, b)| b == "forged by a"), "{got:?}");

    // Board A cannot write an announcement for board B; the portal's, sent after, arrives.
    a.publish("pinghu/v1/screens/board-b/announcements", "forged notice");
    portal.publish("pinghu/v1/screens/board-b/announcements", "portal notice");
    let got = b.wait_for("pinghu/v1/screens/board-b/announcements", "portal notice");
    assert!(!got.iter().any(|(_, m)| m == "forged notice"), "{got:?}");

    // Board A reads its own topics and its group's, not B's nor B's group's: the last one sent
    // is its own, so everything before it has been delivered, or never will be.
    portal.publish("pinghu/v1/screens/board-b/announcements", "for b");
    portal.publish("pinghu/v1/groups/xiaoxita/announcements", "for b's group");
    portal.publish("pinghu/v1/groups/yiling-all/announcements", "for a's group");
    portal.publish("pinghu/v1/screens/board-a/announcements", "for a");
    let got = a.wait_for("pinghu/v1/screens/board-a/announcements", "for a");
    let bodies: Vec<&str> = got.iter().map(|(_, b)| b.as_str()).collect();
    assert_eq!(bodies, ["for a's group", "for a"], "{got:?}");

    // A real daemon logs in as board-a and works under the ACL: its status reaches the portal.
    let status = Client::connect(office, "portal", &pass("portal"), &["pinghu/v1/screens/+/status"]);
    let sim = Sim::start_bx6e_128x32();
    let (portal_key, public) = keygen(dir.path(), "portal-key");
    std::fs::write(dir.path().join("a-password.txt"), pass("board-a")).unwrap();
    std::fs::write(
        dir.path().join("board-a.toml"),
        format!(
            "data_dir = \"data-a\"\n\n[screen]\nid = \"board-a\"\nwidth = 128\nheight = 32\ngroups = [\"yiling-all\"]\n\n\
             [device]\nurl = \"{}\"\nprotocol = \"bx-6e\"\n\n[mqtt]\nurl = \"mqtt://127.0.0.1:{port}\"\nusername = \"board-a\"\n\
             password_file = \"a-password.txt\"\n\n[portal_keys]\nportal-2026 = \"{public}\"\n",
            sim.tcp_url()
        ),
    )
    .unwrap();
    let _daemon = Daemon::start(&dir.path().join("board-a.toml"));
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let got = status.got.lock().unwrap().clone();
        if got
            .iter()
            .any(|(t, b)| t == "pinghu/v1/screens/board-a/status" && b.contains("\"mqtt\":\"connected\""))
        {
            break;
        }
        assert!(Instant::now() < deadline, "the daemon's status never arrived: {got:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
    // The portal's own tool logs in as the portal: its notice reaches board-a, whose receipts come
    // back through the ACL to the portal.
    std::fs::write(dir.path().join("portal-password.txt"), pass("portal")).unwrap();
    let now = jiff::Timestamp::now();
    let notice = serde_json::json!({"id": "acl-1", "revision": 1, "action": "publish", "priority": "urgent",
        "body": "门户发布", "issued_at": now.to_string(),
        "valid_until": (now + jiff::SignedDuration::from_mins(10)).to_string()});
    let password_file = dir.path().join("portal-password.txt");
    let login = [
        "--username",
        "portal",
        "--password-file",
        password_file.to_str().unwrap(),
        "--wait",
        "4",
    ];
    let (code, out, err) = pinghu_tests::portal_publish(
        &format!("mqtt://127.0.0.1:{office}"),
        "board-a",
        &notice,
        &portal_key,
        &login,
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        out.lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .any(|r| r["id"] == "acl-1" && r["event"] == "accepted"),
        "{out}"
    );
    // A board with the wrong password (over MQTT 5 this time): its log says what to check.
    std::fs::write(dir.path().join("b-password.txt"), "not-the-password").unwrap();
    std::fs::write(
        dir.path().join("board-b.toml"),
        format!(
            "data_dir = \"data-b\"\n\n[screen]\nid = \"board-b\"\nwidth = 128\nheight = 32\n\n\
             [device]\nurl = \"tcp://127.0.0.1:{}\"\nprotocol = \"bx-6e\"\n\n[mqtt]\nurl = \"mqtt://127.0.0.1:{port}\"\n\
             username = \"board-b\"\npassword_file = \"b-password.txt\"\nversion = \"5\"\n\n[portal_keys]\nportal-2026 = \"{public}\"\n",
            free_port()
        ),
    )
    .unwrap();
    let refused = Daemon::start(&dir.path().join("board-b.toml"));
    let deadline = Instant::now() + Duration::from_secs(30);
    while !refused
        .log_text()
        .contains("the broker refused the login: check mqtt.username")
    {
        assert!(
            Instant::now() < deadline,
            "no advice in the log:\n{}",
            refused.log_text()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = broker.kill();
    let _ = broker.wait();
}

/// Whether the broker at `port` refuses a login as `login` (anonymous when none): its CONNACK
/// says so, or it accepts.
fn refused(port: u16, login: Option<(&str, &str)>) -> bool {
    let mut o = rumqttc::MqttOptions::new(format!("probe-{}", free_port()), "127.0.0.1", port);
    if let Some((u, p)) = login {
        o.set_credentials(u, p);
    }
    let (_client, mut conn) = rumqttc::Client::new(o, 8);
    for ev in conn.iter().take(8) {
        match ev {
            Ok(rumqttc::Event::Incoming(rumqttc::Incoming::ConnAck(_))) => return false,
            Err(rumqttc::ConnectionError::ConnectionRefused(_)) => return true,
            Ok(_) => {}
            Err(e) => panic!("the broker at {port} neither took nor refused the login: {e}"),
        }
    }
    panic!("the broker at {port} never answered the login")
}

/// Connect once as `user` with the client id `id`, and stay until the broker closes the
/// connection (never reconnecting). Returns when the broker has accepted it.
fn connect_once(port: u16, user: &str, pass: &str, id: &str) -> std::thread::JoinHandle<()> {
    let mut o = rumqttc::MqttOptions::new(id, "127.0.0.1", port);
    o.set_credentials(user, pass);
    let (client, mut conn) = rumqttc::Client::new(o, 8);
    let (tx, rx) = std::sync::mpsc::channel();
    let handle = std::thread::spawn(move || {
        let _client = client;
        for ev in conn.iter() {
            match ev {
                Ok(rumqttc::Event::Incoming(rumqttc::Incoming::ConnAck(_))) => {
                    let _ = tx.send(());
                }
                Ok(_) => {}
                Err(_) => return,
            }
        }
    });
    rx.recv_timeout(Duration::from_secs(10))
        .unwrap_or_else(|_| panic!("{user} could not connect as {id}"));
    handle
}

/// Wait until `daemon`'s log, past its first `from` bytes, says the broker link dropped.
fn wait_link_lost(daemon: &Daemon, from: usize, who: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !daemon.log_text()[from..].contains("retrying in") {
        assert!(
            Instant::now() < deadline,
            "{who} never lost its link:\n{}",
            daemon.log_text()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_bridged_pair_takes_no_forged_receipt_or_status_and_ties_each_session_to_its_login() {
    use pinghu_tests::Collector;
    use pinghu_tests::fleet::{Brokers, Fleet, Publisher, Receipts, group_topic, notice};

    // The shipped pair: mosquitto.conf on both, bridge.conf on the county. Three boards run
    // (board-000 and board-002 on the county broker, board-001 on the township's, whose receipts
    // come up through the bridge); board-003 has a login and no daemon: a cabinet someone opened.
    let brokers = Brokers::start_shipped(4);
    let logins = brokers.logins.clone().expect("logins");
    let pw = |user: &str| logins.password(user);
    let (county, township) = (&brokers.county, &brokers.township);
    let portal_pw = pw("portal");
    let portal = Some(("portal", portal_pw.as_str()));
    let receipts = Receipts::start_as(county.office(), portal);
    let statuses = Collector::start_as(county.office(), "pinghu/v1/screens/+/status", portal);
    let fleet = Fleet::start(3, &brokers);
    fleet.wait_ready(&statuses, 60);

    // No anonymous login anywhere, and a board's login only on the boards' listener.
    for (what, port) in [
        ("county, boards", county.port),
        ("county, office", county.office()),
        ("township, boards", township.port),
        ("township, office", township.office()),
    ] {
        assert!(refused(port, None), "an anonymous client got in ({what})");
    }
    let board3 = pw("board-003");
    assert!(refused(township.office(), Some(("board-003", &board3))));
    assert!(refused(county.office(), Some(("board-003", &board3))));

    // Forged receipts and statuses, by board-003, through either broker, for a board on either.
    // Its own receipt, sent after them on the same connection, reaches the portal: the forged
    // ones would have arrived before it.
    let forged_receipt =
        |screen: &str| format!(r#"{{"event":"displayed","id":"forged","forged":true,"screen":"{screen}"}}"#);
    let forged_status = |screen: &str| format!(r#"{{"online":false,"forged":true,"screen":"{screen}"}}"#);
    for (at, port) in [("township", township.port), ("county", county.port)] {
        let forger = Client::connect(port, "board-003", &board3, &[]);
        for victim in ["board-000", "board-001", "board-002"] {
            forger.publish(&format!("pinghu/v1/screens/{victim}/receipts"), &forged_receipt(victim));
            forger.publish(&format!("pinghu/v1/screens/{victim}/status"), &forged_status(victim));
        }
        let marker = format!("marker-{at}");
        forger.publish(
            "pinghu/v1/screens/board-003/receipts",
            &format!(r#"{{"event":"marker","id":"{marker}"}}"#),
        );
        receipts
            .collector
            .wait(&format!("board-003's own receipt through the {at} broker"), 20, |m| {
                m["id"] == marker.as_str()
            });
        let reached: Vec<_> = (receipts.collector.all().into_iter())
            .chain(statuses.all())
            .filter(|m| m["forged"] == true)
            .collect();
        assert!(
            reached.is_empty(),
            "forged through the {at} broker, reached the portal: {reached:?}"
        );
    }

    // The bridge, logged in as itself, carries the portal's notice down and the receipts up.
    let mut publisher = Publisher::connect_as(county.office(), brokers.portal());
    let wait_displayed = |id: &str| {
        let deadline = Instant::now() + Duration::from_secs(30);
        while receipts.of("displayed", id).len() < 3 {
            assert!(
                Instant::now() < deadline,
                "{id}: displayed on {:?}",
                receipts.of("displayed", id)
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    };
    publisher.publish(&group_topic(), fleet.sign(&notice("bridged-1", "经网桥发布")));
    wait_displayed("bridged-1");

    // Board-000's login, with board-002's client id: the broker knows it as board-000, so it
    // takes board-000's own session (its daemon's link drops), never board-002's.
    let logs: Vec<usize> = fleet.boards.iter().map(|b| b.daemon.log_text().len()).collect();
    let mark = statuses.mark();
    let impostor = connect_once(county.port, "board-000", &pw("board-000"), "pinghu-board-002");
    wait_link_lost(&fleet.boards[0].daemon, logs[0], "board-000");
    // Board-000's daemon takes its session back (closing the impostor's connection), subscribes
    // and says so in a status naming the loss; what was queued meanwhile went with the impostor's
    // clean session, so the notice comes after.
    impostor.join().expect("the impostor's thread");
    statuses.wait_after(mark, "board-000 connected again", 30, |s| {
        s["screen"] == "board-000" && s["mqtt"] == "connected" && s["broker"]["last_error"].is_string()
    });
    publisher.publish(&group_topic(), fleet.sign(&notice("bridged-2", "会话属于登录名")));
    wait_displayed("bridged-2");
    let board2 = fleet.boards[2].daemon.log_text();
    assert!(
        !board2[logs[2]..].contains("retrying in") && !board2[logs[2]..].contains("client id"),
        "board-002 lost its link to a client with board-000's login:\n{board2}"
    );
}
