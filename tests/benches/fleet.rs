//! A county's fleet on a broker cluster: N real `pinghu run` daemons (default 100), half on a
//! county broker and half on a township broker bridged to it (on each, half of them speaking
//! MQTT 5 and half MQTT 3.1.1), with N simulated cards in one
//! `pinghu-sim --boards N`. Prints:
//! * the time from one signed urgent notice published to the group on the county broker until
//!   each board's `displayed` receipt arrives back there: p50, p99, max (over `--notices` notices);
//! * the peer in the same session: one bare MQTT message over the same bridge (county → township),
//!   and the ratio;
//! * memory per daemon (RSS) and the whole fleet's CPU while idle;
//! * convergence after the township broker is killed mid-stream and restarted, and what
//!   `pinghu portal publish --confirm` (the same bytes again, to the group) then finds and resends.
//!
//! `cargo bench -p pinghu-tests --bench fleet [-- --boards 100 --notices 5]` (release binaries;
//! needs mosquitto).

use std::time::{Duration, Instant};

use pinghu_tests::Collector;
use pinghu_tests::fleet::{Brokers, Fleet, Publisher, Receipts, cpu_ticks, group_topic, notice, percentile, rss_kib};

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// Wait until `id` is displayed on `n` boards; the arrival instants.
fn displayed(receipts: &Receipts, id: &str, n: usize, secs: u64) -> Vec<Instant> {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        let got = receipts.of("displayed", id);
        if got.len() >= n {
            return got.into_iter().map(|(_, t)| t).collect();
        }
        assert!(
            Instant::now() < deadline,
            "{id}: displayed on {} of {n} boards",
            got.len()
        );
        std::thread::sleep(Duration::from_millis(2));
    }
}

fn main() {
    let n = pinghu_tests::bench_arg("--boards", 100);
    let notices = pinghu_tests::bench_arg("--notices", 5);
    let mut brokers = Brokers::start();
    let receipts = Receipts::start(brokers.county.port);
    let statuses = Collector::start(brokers.county.port, "pinghu/v1/screens/+/status");
    let started = Instant::now();
    let fleet = Fleet::start(n, &brokers);
    fleet.wait_ready(&statuses, 600);
    println!(
        "{n} boards up in {:.1} s ({} on the township broker)",
        started.elapsed().as_secs_f64(),
        fleet.boards.iter().filter(|b| b.on_township).count()
    );

    // Idle: memory per daemon, CPU of the fleet (daemons, simulator, brokers are separate processes;
    // the daemons are what a cabinet runs).
    std::thread::sleep(Duration::from_secs(5));
    let pids: Vec<u32> = fleet.boards.iter().map(|b| b.daemon.child.id()).collect();
    let before: u64 = pids.iter().map(|p| cpu_ticks(*p)).sum();
    let window = Duration::from_secs(10);
    std::thread::sleep(window);
    let after: u64 = pids.iter().map(|p| cpu_ticks(*p)).sum();
    let ticks_per_s = 100.0; // USER_HZ on Linux
    let cpu = (after - before) as f64 / ticks_per_s / window.as_secs_f64() * 100.0;
    let mut rss: Vec<u64> = pids.iter().map(|p| rss_kib(*p)).collect();
    rss.sort_unstable();
    let total: u64 = rss.iter().sum();
    println!(
        "memory per daemon (RSS): median {:.1} MiB, max {:.1} MiB; all {n}: {:.0} MiB",
        rss[rss.len() / 2] as f64 / 1024.0,
        rss[rss.len() - 1] as f64 / 1024.0,
        total as f64 / 1024.0
    );
    println!(
        "idle CPU of the {n} daemons: {cpu:.1} % of one core ({:.2} % each)",
        cpu / n as f64
    );

    // One notice to the group, several times: publish → every board's displayed receipt.
    let mut portal = Publisher::connect(brokers.county.port);
    let mut lat = Vec::new();
    for k in 0..notices {
        let id = format!("bench-{k}");
        let env = fleet.sign(&notice(&id, "夷陵区防汛紧急通知：请注意安全"));
        let t0 = Instant::now();
        portal.publish(&group_topic(), env);
        let got = displayed(&receipts, &id, n, 120);
        lat.extend(got.iter().map(|t| t.duration_since(t0)));
        // Revoked, so the next one takes over from the rotation too (a newer urgent notice waits
        // for the page on the glass to end: the urgent layer rotates).
        let revoke = serde_json::json!({"id": id, "revision": 2, "action": "revoke",
            "issued_at": jiff::Timestamp::now().to_string()});
        portal.publish(&group_topic(), fleet.sign(&revoke));
        let deadline = Instant::now() + Duration::from_secs(60);
        while receipts.of("revoked", &id).len() < n {
            assert!(Instant::now() < deadline, "{id} was not revoked everywhere");
            std::thread::sleep(Duration::from_millis(10));
        }
        std::thread::sleep(Duration::from_secs(2));
    }
    lat.sort();
    let (p50, p99, max) = (percentile(&lat, 0.5), percentile(&lat, 0.99), lat[lat.len() - 1]);

    // The peer: one bare MQTT message county → township over the same bridge.
    let far = Collector::start(brokers.township.port, "pinghu/v1/bench/hop");
    let mut bare = Vec::new();
    for k in 0..50 {
        let t0 = Instant::now();
        portal.publish("pinghu/v1/bench/hop", format!("{{\"k\":{k}}}").into_bytes());
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let arrived = far.arrived.lock().expect("lock").len();
            if arrived > k {
                bare.push(far.arrived.lock().expect("lock")[k].duration_since(t0));
                break;
            }
            assert!(Instant::now() < deadline, "the bare hop never arrived");
            std::thread::sleep(Duration::from_micros(200));
        }
    }
    bare.sort();
    let bare50 = percentile(&bare, 0.5);
    println!(
        "group notice → displayed on all {n} boards ({} samples): p50 {}, p99 {}, max {}",
        lat.len(),
        ms(p50),
        ms(p99),
        ms(max)
    );
    println!(
        "peer, one bare MQTT message over the same bridge: p50 {}, p99 {}; the fleet's p50 is {:.1}× it",
        ms(bare50),
        ms(percentile(&bare, 0.99)),
        p50.as_secs_f64() / bare50.as_secs_f64().max(1e-9)
    );

    // The township broker falls mid-stream and comes back: time until every board has every notice.
    let ids: Vec<String> = (0..6).map(|k| format!("fault-{k}")).collect();
    // The exact bytes sent: a resend must be the same message, or boards refuse it as a replay.
    let mut sent = Vec::new();
    let t0 = Instant::now();
    for (k, id) in ids.iter().enumerate() {
        let env = fleet.sign(&notice(id, "第二号通知"));
        sent.push(env.clone());
        portal.publish(&group_topic(), env);
        if k == 1 {
            brokers.township.kill9();
        }
        if k == 3 {
            std::thread::sleep(Duration::from_secs(2));
            brokers.township.restart();
        }
        std::thread::sleep(Duration::from_millis(300));
    }
    // mosquitto keeps a snapshot every second: a SIGKILL can lose what it took in its last second
    // (sessions of boards that just connected, receipts not yet forwarded). Count, do not assume.
    let missing =
        |receipts: &Receipts| -> usize { ids.iter().map(|id| n - receipts.of("displayed", id).len().min(n)).sum() };
    let deadline = Instant::now() + Duration::from_secs(60);
    while missing(&receipts) > 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let lost = missing(&receipts);
    if lost == 0 {
        println!(
            "township broker SIGKILLed mid-stream and restarted: all {} notices displayed on all {n} boards {:.1} s after the first",
            ids.len(),
            t0.elapsed().as_secs_f64()
        );
    } else {
        println!(
            "township broker SIGKILLed mid-stream and restarted: {lost} of {} displayed receipts missing after 60 s \
             (what mosquitto lost with its last second; see docs/scale.md)",
            ids.len() * n
        );
    }
    // What a portal does about it: confirm delivery, resending the same bytes to silent boards
    // (run every time: where nothing was lost, every board answers `held`).
    let t1 = Instant::now();
    let county = brokers.county.url();
    let mut resends = 0;
    for (id, env) in ids.iter().zip(&sent) {
        let file = fleet.dir.path().join(format!("{id}.envelope.json"));
        std::fs::write(&file, env).expect("envelope file");
        let (code, out, err) = pinghu_tests::pinghu(&[
            "portal",
            "publish",
            "--broker",
            &county,
            "--group",
            pinghu_tests::fleet::GROUP,
            "--envelope",
            file.to_str().expect("utf-8"),
            "--confirm",
            "10",
        ]);
        // One line per board: screen, board state, sends, answer.
        resends += out
            .lines()
            .filter(|l| l.starts_with("board-") && l.split_whitespace().nth(2).is_some_and(|s| s != "1"))
            .count();
        if code != 0 {
            println!("portal publish --confirm {id}: exit {code}\n{out}{err}");
        }
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    while missing(&receipts) > 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    println!(
        "then `portal publish --confirm` for each notice: {} displayed receipts missing ({resends} boards needed a resend), {:.1} s",
        missing(&receipts),
        t1.elapsed().as_secs_f64()
    );
}
