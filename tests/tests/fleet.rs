//! Twenty boards on two bridged brokers (the CI size of `cargo bench -p pinghu-tests --bench
//! fleet`), half of them speaking MQTT 5 and half MQTT 3.1.1: one signed urgent notice to the group reaches every board; then the township broker
//! goes down (SIGTERM, as systemd stops it) while a stream of notices flows, and comes back. Every
//! board converges: every notice accepted once and displayed once, nothing lost. (A SIGKILL can
//! cost mosquitto the last second of its state, whatever its clients do: the bench measures that
//! case, docs/scale.md explains it.)

use std::time::{Duration, Instant};

use pinghu_tests::fleet::{Brokers, Fleet, Publisher, Receipts, group_topic, notice};
use pinghu_tests::{Collector, pinghu};

const BOARDS: usize = 20;

#[test]
fn a_group_notice_reaches_every_board_and_a_falling_broker_loses_nothing() {
    let mut brokers = Brokers::start();
    let receipts = Receipts::start(brokers.county.port);
    // The same receipts as the township broker sees them: a failure says which broker lost them.
    let township_receipts = Receipts::start(brokers.township.port);
    let statuses = Collector::start(brokers.county.port, "pinghu/v1/screens/+/status");
    let mut fleet = Fleet::start(BOARDS, &brokers);
    fleet.wait_ready(&statuses, 120);
    // Half the boards speak MQTT 5, half MQTT 3.1.1, on both brokers.
    let speaking = |v: &str| {
        statuses
            .all()
            .iter()
            .filter(|s| s["broker"]["protocol"] == v)
            .filter_map(|s| s["screen"].as_str().map(str::to_owned))
            .collect::<std::collections::BTreeSet<_>>()
            .len()
    };
    assert_eq!((speaking("5"), speaking("3.1.1")), (BOARDS / 2, BOARDS / 2));
    let mut portal = Publisher::connect(brokers.county.port);

    // One notice to the group, on the county broker: all boards display it.
    portal.publish(&group_topic(), fleet.sign(&notice("flood-1", "夷陵区防汛紧急通知")));
    let deadline = Instant::now() + Duration::from_secs(60);
    while receipts.of("displayed", "flood-1").len() < BOARDS {
        assert!(
            Instant::now() < deadline,
            "displayed on {} of {BOARDS} boards",
            receipts.of("displayed", "flood-1").len()
        );
        std::thread::sleep(Duration::from_millis(50));
    }

    // A stream of notices; the township broker goes down after the third and returns after the sixth.
    let ids: Vec<String> = (1..=8).map(|k| format!("stream-{k}")).collect();
    for (k, id) in ids.iter().enumerate() {
        portal.publish(&group_topic(), fleet.sign(&notice(id, &format!("第{}号通知", k + 1))));
        if k == 2 {
            brokers.township.stop();
        }
        if k == 5 {
            std::thread::sleep(Duration::from_secs(2));
            brokers.township.restart();
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    let deadline = Instant::now() + Duration::from_secs(150);
    loop {
        let missing: Vec<(String, usize)> = ids
            .iter()
            .map(|id| (id.clone(), receipts.of("displayed", id).len()))
            .filter(|(_, n)| *n < BOARDS)
            .collect();
        if missing.is_empty() {
            break;
        }
        if Instant::now() >= deadline {
            // What the township's boards did, and what the brokers saw, for whoever reads the failure.
            let proof =
                std::fs::read_to_string(fleet.boards[1].data.join("proof-of-display.jsonl")).unwrap_or_default();
            let on_township: Vec<(String, usize)> = ids
                .iter()
                .map(|id| (id.clone(), township_receipts.of("displayed", id).len()))
                .collect();
            panic!(
                "not displayed everywhere: {missing:?}\nthe township broker saw: {on_township:?}\nboard-001's proof log has {} entries; its log:\n{}\n\
                 township broker:\n{}\ncounty broker:\n{}",
                proof.lines().count(),
                fleet.boards[1].daemon.log_text(),
                brokers.township.log_tail(40),
                brokers.county.log_tail(40)
            );
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    // Once each: one accepted and one displayed receipt per board and notice (a redelivered
    // message is a duplicate, not a second acceptance).
    let distinct = receipts.distinct();
    for id in ids.iter().chain(std::iter::once(&"flood-1".to_string())) {
        for event in ["accepted", "displayed"] {
            let mut per_board = std::collections::BTreeMap::<String, usize>::new();
            for r in distinct
                .iter()
                .filter(|r| r["id"] == id.as_str() && r["event"] == event)
            {
                *per_board
                    .entry(r["_topic"].as_str().unwrap_or("?").to_owned())
                    .or_default() += 1;
            }
            assert_eq!(per_board.len(), BOARDS, "{event} {id}: {per_board:?}");
            assert!(
                per_board.values().all(|n| *n == 1),
                "{event} {id} more than once: {per_board:?}"
            );
        }
    }
    // The fleet at a glance, from the county broker: every board online, nothing to do.
    let county = brokers.county.url();
    let status = |args: &[&str]| {
        let mut a = vec!["fleet", "status", "--broker", county.as_str(), "--group", "yiling-all"];
        a.extend_from_slice(args);
        pinghu(&a)
    };
    let (code, out, err) = status(&["--json"]);
    assert_eq!(code, 0, "{out}{err}");
    let rows: Vec<serde_json::Value> = serde_json::from_str(&out).unwrap();
    assert_eq!(rows.len(), BOARDS);
    assert!(
        rows.iter().all(|r| r["state"] == "online" && r["link"] == "up"),
        "{out}"
    );
    // A board that dies (SIGKILL): its last will marks it offline, and the table says so.
    fleet.boards[3].daemon.kill9();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (code, out, _) = status(&[]);
        if code == 1 && out.contains("board-003") && out.contains("offline") {
            assert!(out.contains(&format!("{BOARDS} boards, 1 need attention")), "{out}");
            break;
        }
        assert!(Instant::now() < deadline, "board-003 never showed offline:\n{out}");
        std::thread::sleep(Duration::from_millis(500));
    }
    let township = fleet.boards.iter().filter(|b| b.on_township).count();
    println!("{BOARDS} boards ({township} on the township broker): every notice displayed once on every board");
}
