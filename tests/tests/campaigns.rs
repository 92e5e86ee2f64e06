//! Paid campaigns through the real `pinghu run`, the real `pinghu-sim` and mosquitto: spots
//! (text and a picture) reach the glass between government items and carry their campaign into
//! the proof-of-display log; the board publishes its signed daily play report, retained, and
//! `pinghu report verify` checks it against the board's public key from the status and the log.

use std::time::{Duration, Instant};

use pinghu_tests::{Collector, Daemon, Mosquitto, Sim, keygen, pinghu};

#[test]
fn spots_play_and_the_signed_daily_report_is_published_and_verifies() {
    let broker = Mosquitto::start();
    let sim = Sim::start_bx6e_128x32();
    let dir = tempfile::tempdir().unwrap();
    let (_, public) = keygen(dir.path(), "portal");
    std::fs::create_dir_all(dir.path().join("images")).unwrap();
    std::fs::copy(
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../playlists/examples/images/pinghu-sunrise.png"
        ),
        dir.path().join("images/sunrise.png"),
    )
    .unwrap();
    // A campaign running from yesterday to tomorrow, board time, all day.
    let tz = jiff::tz::TimeZone::get("Asia/Shanghai").unwrap();
    let now = jiff::Zoned::now().with_time_zone(tz.clone());
    let (yesterday, today) = (now.date().yesterday().unwrap(), now.date());
    let tomorrow = today.tomorrow().unwrap();
    let playlist = format!(
        "government_floor = 0.5\n\n[[item]]\nid = \"welcome\"\ntext = \"欢迎来到夷陵区\"\ndwell_s = 2\n\n\
         [[campaign]]\nid = \"ads\"\nadvertiser = \"夷陵农商银行\"\ncontract = \"YL-AD-1\"\nstart_date = \"{yesterday}\"\n\
         end_date = \"{tomorrow}\"\nshare = 0.4\n\n  [[campaign.item]]\n  id = \"ads-text\"\n  text = \"冬季存款优惠\"\n  dwell_s = 2\n\n\
           [[campaign.item]]\n  id = \"ads-picture\"\n  image = \"images/sunrise.png\"\n  dwell_s = 2\n"
    );
    std::fs::write(dir.path().join("ads.toml"), playlist).unwrap();
    std::fs::write(
        dir.path().join("pinghu.toml"),
        format!(
            "data_dir = \"data\"\nplaylist = \"ads.toml\"\n\n[screen]\nid = \"ads-board\"\nwidth = 128\nheight = 32\n\
             colors = \"red-green\"\n\n[device]\nurl = \"{}\"\nprotocol = \"bx-6e\"\n\n[mqtt]\nurl = \"{}\"\n\
             client_id = \"pinghu-ads-{}\"\n\n[portal_keys]\nportal-2026 = \"{public}\"\n",
            sim.tcp_url(),
            broker.url(),
            broker.port
        ),
    )
    .unwrap();
    // The board has been in service since yesterday evening, when its schedule switched it off:
    // its proof-of-display log began then (written with the daemon's own writer).
    let evening = yesterday.at(22, 0, 0, 0).to_zoned(tz.clone()).unwrap().timestamp();
    {
        use pinghu::daemon::{disk::Disk, proof};
        std::fs::create_dir_all(dir.path().join("data")).unwrap();
        let (mut log, _) = proof::ProofLog::open(&dir.path().join("data"), Disk::new(), "ads-board", evening).unwrap();
        log.append(proof::Entry::dark(evening, "ads-board", "power off"))
            .unwrap();
        log.sync().unwrap();
    }
    let topics = Collector::start(broker.port, "pinghu/v1/screens/ads-board/#");
    let _daemon = Daemon::start(&dir.path().join("pinghu.toml"));

    // Yesterday's report is made at the first start after 00:05 board time.
    let minutes = now.hour() as u64 * 60 + now.minute() as u64;
    let wait = 60 + if minutes < 6 { (6 - minutes) * 60 } else { 0 };
    let signed = topics.wait("the signed play report", wait, |m| {
        m["_topic"] == "pinghu/v1/screens/ads-board/reports"
    });
    assert_eq!(signed["content_type"], "application/vnd.pinghu.plays+json");
    let status = topics.wait("a status with the board key", 30, |m| {
        m["_topic"] == "pinghu/v1/screens/ads-board/status" && m["reports"]["board_key"]["public"].is_string()
    });
    let key = status["reports"]["board_key"]["public"].as_str().unwrap().to_owned();
    let mut body = signed.clone();
    for k in ["_topic", "_retain"] {
        body.as_object_mut().unwrap().remove(k);
    }
    let file = dir.path().join("report.json");
    std::fs::write(&file, body.to_string()).unwrap();
    let data = dir.path().join("data");
    let (code, out, err) = pinghu(&[
        "report",
        "verify",
        file.to_str().unwrap(),
        "--board-key",
        &key,
        "--data-dir",
        data.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains(&format!("play report, screen ads-board, {yesterday} to {yesterday}")),
        "{out}"
    );
    assert!(std::fs::read_to_string(data.join(format!("reports/plays-{yesterday}.signed.json"))).is_ok());
    // The verifier written from docs/reports.md alone checks the daemon's own file and its log.
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/examples/verify_report.py");
    let out = std::process::Command::new("/usr/bin/python3")
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .arg(script)
        .arg(data.join(format!("reports/plays-{yesterday}.signed.json")))
        .args(["--board-key", &key, "--log-dir"])
        .arg(&data)
        .output()
        .expect("python3 runs (.ci/run installs python3-cryptography)");
    let said = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{said}");
    assert!(
        said.contains("signature good, sums consistent, every number matches the log"),
        "{said}"
    );

    // Both spots, text and picture, reach the glass with their campaign in the proof log.
    let log = data.join("proof-of-display.jsonl");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        let spot = |id: &str| {
            text.lines()
                .any(|l| l.contains(&format!("\"content\":\"item {id}\"")) && l.contains("\"campaign\":\"ads\""))
        };
        if spot("ads-text") && spot("ads-picture") && text.contains("\"content\":\"item welcome\"") {
            break;
        }
        assert!(Instant::now() < deadline, "no spots in the proof log:\n{text}");
        std::thread::sleep(Duration::from_millis(200));
    }
    // Today's plays so far, with the target from the playlist.
    let (code, out, err) = pinghu(&[
        "report",
        "plays",
        "--from",
        &today.to_string(),
        "--to",
        &today.to_string(),
        "--data-dir",
        data.to_str().unwrap(),
        "--playlist",
        dir.path().join("ads.toml").to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    let r: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(r["chain"]["intact"].as_bool().unwrap(), "{r}");
    let ads = &r["campaigns"][0];
    assert_eq!(ads["campaign"], "ads");
    assert!(ads["plays"].as_u64().unwrap() >= 1, "{r}");
    assert_eq!(ads["advertiser"], "夷陵农商银行");
}

/// The entries of the proof log in `data`, parsed.
fn log_entries(data: &std::path::Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(data.join("proof-of-display.jsonl"))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

/// Wait (60 s at most) until the proof log has an entry after `after_seq` that `pred` takes.
fn wait_entry(
    data: &std::path::Path,
    what: &str,
    after_seq: u64,
    pred: impl Fn(&serde_json::Value) -> bool,
) -> serde_json::Value {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(e) = log_entries(data)
            .into_iter()
            .find(|e| e["seq"].as_u64().unwrap_or(0) > after_seq && pred(e))
        {
            return e;
        }
        assert!(Instant::now() < deadline, "no {what} in the proof log");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Issue #32, point 2: the daemon and the card lose power one second into a spot and come
/// back 8 s later. The spot is not counted (nothing proves it ran its 10 s), the daemon's start
/// is in the chain, the report lists the outage as a gap from the spot to the start, and the
/// outage is not time the share is measured against.
#[test]
fn a_power_cut_one_second_into_a_spot_is_an_outage_not_a_play() {
    let broker = Mosquitto::start();
    let sim = Sim::start_bx6e_128x32();
    let listen = sim.tcp.clone().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (_, public) = keygen(dir.path(), "portal");
    let tz = jiff::tz::TimeZone::get("Asia/Shanghai").unwrap();
    let today = jiff::Zoned::now().with_time_zone(tz.clone()).date();
    let (yesterday, tomorrow) = (today.yesterday().unwrap(), today.tomorrow().unwrap());
    let playlist = format!(
        "[[item]]\nid = \"welcome\"\ntext = \"欢迎来到夷陵区\"\ndwell_s = 2\n\n\
         [[campaign]]\nid = \"ads\"\nadvertiser = \"夷陵农商银行\"\ncontract = \"YL-AD-1\"\nstart_date = \"{yesterday}\"\n\
         end_date = \"{tomorrow}\"\nshare = 0.4\n\n  [[campaign.item]]\n  id = \"ads-text\"\n  text = \"冬季存款优惠\"\n  dwell_s = 10\n"
    );
    std::fs::write(dir.path().join("ads.toml"), playlist).unwrap();
    std::fs::write(
        dir.path().join("pinghu.toml"),
        format!(
            "data_dir = \"data\"\nplaylist = \"ads.toml\"\n\n[screen]\nid = \"cut-board\"\nwidth = 128\nheight = 32\n\
             colors = \"red-green\"\n\n[device]\nurl = \"tcp://{listen}\"\nprotocol = \"bx-6e\"\n\n[mqtt]\nurl = \"{}\"\n\
             client_id = \"pinghu-cut-{}\"\n\n[portal_keys]\nportal-2026 = \"{public}\"\n",
            broker.url(),
            broker.port
        ),
    )
    .unwrap();
    let data = dir.path().join("data");
    let mut daemon = Daemon::start(&dir.path().join("pinghu.toml"));
    let mut sim = sim;

    // A spot reaches the glass; one second into it, daemon and card lose power together.
    let spot = wait_entry(&data, "spot", 0, |e| e["campaign"] == "ads");
    let spot_at: jiff::Timestamp = spot["at"].as_str().unwrap().parse().unwrap();
    let spot_seq = spot["seq"].as_u64().unwrap();
    let one_second_in = spot_at + jiff::SignedDuration::from_secs(1);
    if let Ok(d) = Duration::try_from(one_second_in.duration_since(jiff::Timestamp::now())) {
        std::thread::sleep(d);
    }
    daemon.kill9();
    let _ = sim.child.kill();
    let _ = sim.child.wait();
    let last_before = log_entries(&data).last().cloned().unwrap();
    assert_eq!(
        last_before["seq"].as_u64(),
        Some(spot_seq),
        "the spot is the last entry before the cut"
    );

    // Both come back 8 s later, the card where it was.
    std::thread::sleep(Duration::from_secs(8));
    let _sim = Sim::start_at(
        &listen,
        &[
            "--protocol",
            "bx-6e",
            "--width",
            "128",
            "--height",
            "32",
            "--colors",
            "red-green",
        ],
    );
    let _daemon = Daemon::start(&dir.path().join("pinghu.toml"));
    let start = wait_entry(&data, "the daemon's start", spot_seq, |e| e["kind"] == "start");
    assert_eq!(
        start["seq"].as_u64(),
        Some(spot_seq + 1),
        "the start follows the spot in the chain"
    );
    // The board shows again after the start (the positive event the report needs).
    wait_entry(&data, "content after the start", spot_seq + 1, |e| e["kind"].is_null());

    let (code, out, err) = pinghu(&[
        "report",
        "plays",
        "--from",
        &yesterday.to_string(),
        "--to",
        &tomorrow.to_string(),
        "--data-dir",
        data.to_str().unwrap(),
        "--playlist",
        dir.path().join("ads.toml").to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    let r: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(r["chain"]["intact"].as_bool().unwrap(), "{r:#}");
    let seqs = |list: &serde_json::Value| -> Vec<u64> {
        list.as_array()
            .unwrap()
            .iter()
            .map(|p| p["seq"].as_u64().unwrap())
            .collect()
    };
    assert!(
        !seqs(&r["plays"]).contains(&spot_seq),
        "the cut spot is counted as played: {r:#}"
    );
    let cut = r["interrupted"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["seq"].as_u64() == Some(spot_seq))
        .unwrap_or_else(|| panic!("the cut spot is not listed as interrupted: {r:#}"));
    assert!(cut["by"].as_str().unwrap().contains("the daemon stopped"), "{cut}");
    let gap = r["gaps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["kind"] == "outage")
        .unwrap_or_else(|| panic!("no outage among the gaps: {r:#}"));
    assert_eq!(gap["since"], spot["at"], "{gap}");
    assert_eq!(gap["at"], start["at"], "{gap}");
    // The share is measured against the lit rotation the log proves: at most from the log's
    // first entry to the report's last, less the outage (from the spot to the start).
    let at_of = |seq: u64| -> jiff::Timestamp {
        let e = log_entries(&data)
            .into_iter()
            .find(|e| e["seq"].as_u64() == Some(seq))
            .unwrap();
        e["at"].as_str().unwrap().parse().unwrap()
    };
    let start_at: jiff::Timestamp = start["at"].as_str().unwrap().parse().unwrap();
    let outage_s = start_at.duration_since(spot_at).as_secs_f64();
    assert!(outage_s >= 8.0, "{outage_s}");
    let last_at = at_of(r["last_entry"][0].as_u64().unwrap());
    let lit_at_most = last_at.duration_since(at_of(1)).as_secs_f64() - outage_s;
    let ads = r["campaigns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["campaign"] == "ads")
        .unwrap();
    let target_s = ads["target_seconds"].as_f64().unwrap();
    assert!(
        target_s <= 0.4 * lit_at_most + 0.5,
        "the outage is measured as lit time: target {target_s} s of at most {lit_at_most} s lit: {r:#}"
    );
}
