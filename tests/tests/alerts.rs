//! Emergency warnings end to end: `pinghu portal cap` signs CAP and GB/T 35965.1 documents with
//! an SM2 key and publishes them through mosquitto to the real `pinghu run`, which drives the
//! real `pinghu-sim`; receipts come back on MQTT.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use jiff::{SignedDuration, Timestamp};
use pinghu_tests::{Collector, Daemon, Mosquitto, Sim, keygen, pinghu};

struct Rig {
    broker: Mosquitto,
    sim: Sim,
    dir: tempfile::TempDir,
    sm2_key: PathBuf,
    other_key: PathBuf,
    receipts: Collector,
    daemon: Daemon,
}

fn sm2_keygen(dir: &Path, name: &str, key_id: &str) -> (PathBuf, String) {
    let path = dir.join(format!("{name}.json"));
    let (code, out, err) = pinghu(&[
        "portal",
        "keygen",
        "--algorithm",
        "sm2",
        "--key-id",
        key_id,
        "--out",
        path.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains(&format!("{key_id} = \"sm2:")), "{out}");
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    (path, v["public"].as_str().unwrap().to_owned())
}

impl Rig {
    fn start() -> Rig {
        let broker = Mosquitto::start();
        let sim = Sim::start_bx6e_128x32();
        let dir = tempfile::tempdir().unwrap();
        let (sm2_key, sm2_public) = sm2_keygen(dir.path(), "hbqx", "hbqx-sm2");
        let (other_key, _) = sm2_keygen(dir.path(), "other", "hbqx-sm2");
        let (_, ed_public) = keygen(dir.path(), "portal");
        std::fs::write(
            dir.path().join("playlist.toml"),
            "[defaults]\ndwell_s = 2\nfont_size = 16\n\n[[item]]\nid = \"welcome\"\ntext = \"欢迎\"\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("pinghu.toml"),
            format!(
                "data_dir = \"data\"\nplaylist = \"playlist.toml\"\n\n[screen]\nid = \"yiling-board\"\nwidth = 128\nheight = 32\n\
                 colors = \"red-green\"\n\n[device]\nurl = \"{}\"\nprotocol = \"bx-6e\"\ntimeout_ms = 800\n\n\
                 [alerts]\ngeocodes = [\"420506\"]\nlocation = [30.77, 111.33]\n\n[mqtt]\nurl = \"{}\"\n\
                 client_id = \"pinghu-alerts-{}\"\n\n[portal_keys]\nportal-2026 = \"{ed_public}\"\nhbqx-sm2 = \"{sm2_public}\"\n",
                sim.tcp_url(),
                broker.url(),
                broker.port
            ),
        )
        .unwrap();
        let receipts = Collector::start(broker.port, "pinghu/v1/screens/yiling-board/#");
        let daemon = Daemon::start(&dir.path().join("pinghu.toml"));
        receipts.wait("the daemon online", 20, |m| {
            m["_topic"] == "pinghu/v1/screens/yiling-board/status" && m["online"] == true && m["mqtt"] == "connected"
        });
        Rig {
            broker,
            sim,
            dir,
            sm2_key,
            other_key,
            receipts,
            daemon,
        }
    }

    fn cap(&self, doc: &str, format: &str, key: &Path) {
        let file = self
            .dir
            .path()
            .join(format!("alert-{}.xml", Timestamp::now().as_nanosecond()));
        std::fs::write(&file, doc).unwrap();
        let (code, out, err) = pinghu(&[
            "portal",
            "cap",
            "--broker",
            &self.broker.url(),
            "--screen",
            "yiling-board",
            "--file",
            file.to_str().unwrap(),
            "--key",
            key.to_str().unwrap(),
            "--format",
            format,
        ]);
        assert_eq!(code, 0, "{out}{err}");
    }

    fn receipt(&self, identifier: &str, event: &str) -> serde_json::Value {
        self.receipts.wait(&format!("{event} for {identifier}"), 15, |m| {
            m["identifier"] == identifier && m["event"] == event
        })
    }
}

/// A CAP message about the 夷陵区 rainstorm: number `n` of its chain, `kind`, referencing `refs`.
fn cap(n: u32, kind: &str, refs: &[u32], headline: &str, expires: Timestamp) -> String {
    let sent = |k: u32| {
        (Timestamp::now() - SignedDuration::from_mins(i64::from(10 - k)))
            .strftime("%Y-%m-%dT%H:%M:%S+00:00")
            .to_string()
    };
    let references = refs
        .iter()
        .map(|k| format!("hbqx,YL-RAIN-{k},{}", sent(*k)))
        .collect::<Vec<_>>()
        .join(" ");
    let references = if refs.is_empty() {
        String::new()
    } else {
        format!("<references>{references}</references>")
    };
    let info = if kind == "Cancel" {
        String::new()
    } else {
        format!(
            "<info><language>zh-CN</language><event>暴雨</event><urgency>Immediate</urgency><severity>Extreme</severity>\
             <certainty>Likely</certainty><expires>{}</expires><senderName>宜昌市气象台</senderName><headline>{headline}</headline>\
             <instruction>远离河道</instruction><area><areaDesc>夷陵区</areaDesc><geocode><valueName>GB/T 2260</valueName>\
             <value>420506</value></geocode></area></info>",
            expires.strftime("%Y-%m-%dT%H:%M:%S+00:00")
        )
    };
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n<cap:alert xmlns:cap=\"urn:oasis:names:tc:emergency:cap:1.2\">\
         <cap:identifier>YL-RAIN-{n}</cap:identifier><cap:sender>hbqx</cap:sender><cap:sent>{}</cap:sent>\
         <cap:status>Actual</cap:status><cap:msgType>{kind}</cap:msgType><cap:scope>Public</cap:scope>{}{}</cap:alert>",
        sent(n),
        references
            .replace("<references>", "<cap:references>")
            .replace("</references>", "</cap:references>"),
        info.replace('<', "<cap:").replace("<cap:/", "</cap:")
    )
}

fn urgent_area(s: &serde_json::Value) -> bool {
    s["areas"].as_array().is_some_and(|a| a.iter().any(|x| x["id"] == 1))
}

#[test]
fn a_warning_takes_over_is_updated_in_place_and_cancelled() {
    let rig = Rig::start();
    let later = Timestamp::now() + SignedDuration::from_mins(30);
    rig.cap(&cap(1, "Alert", &[], "暴雨红色预警信号", later), "cap", &rig.sm2_key);
    let accepted = rig.receipt("YL-RAIN-1", "accepted");
    assert_eq!(accepted["sender"], "hbqx");
    let chain = accepted["id"].as_str().unwrap().to_owned();
    let shown = rig.receipt("YL-RAIN-1", "displayed");
    let first = shown["frame_sha256"].as_str().unwrap().to_owned();
    let s = rig.sim.wait_state("the warning on the glass", |s| {
        urgent_area(s) && s["frame_sha256"] == first.as_str()
    });
    assert!(s["lit"].as_u64().unwrap() > 100);

    // The update replaces it at once, under the same chain.
    rig.cap(&cap(2, "Update", &[1], "更新：雨势加强", later), "cap", &rig.sm2_key);
    let updated = rig.receipt("YL-RAIN-2", "updated");
    assert_eq!(updated["id"], chain.as_str());
    let shown = rig.receipt("YL-RAIN-2", "displayed");
    assert_ne!(shown["frame_sha256"], first.as_str());

    // A forged copy of an update (another SM2 key under the same id) is refused.
    rig.cap(&cap(3, "Update", &[1, 2], "伪造", later), "cap", &rig.other_key);
    let refused = rig.receipts.wait("the forged update refused", 15, |m| {
        m["event"] == "rejected" && m["id"].is_null()
    });
    assert!(
        refused["reason"].as_str().unwrap().contains("does not verify"),
        "{refused}"
    );

    // The cancel takes it off; the rotation is back.
    rig.cap(&cap(4, "Cancel", &[1, 2], "", later), "cap", &rig.sm2_key);
    let cancelled = rig.receipt("YL-RAIN-4", "cancelled");
    assert_eq!(cancelled["id"], chain.as_str());
    rig.sim.wait_state("the warning gone", |s| {
        !urgent_area(s) && s["lit"].as_u64().unwrap_or(0) > 0
    });
    // The original, late, never shows again.
    rig.cap(&cap(1, "Alert", &[], "暴雨红色预警信号", later), "cap", &rig.sm2_key);
    let late = rig.receipts.wait("the late original refused", 15, |m| {
        m["identifier"] == "YL-RAIN-1" && m["event"] == "rejected"
    });
    assert!(late["reason"].as_str().unwrap().starts_with("duplicate"), "{late}");
    // An exercise: a receipt and the status, never the glass.
    let drill = cap(5, "Alert", &[], "演练", later)
        .replace("YL-RAIN-5", "YL-DRILL-5")
        .replace("<cap:status>Actual", "<cap:status>Exercise");
    rig.cap(&drill, "cap", &rig.sm2_key);
    let r = rig.receipt("YL-DRILL-5", "rejected");
    assert!(r["reason"].as_str().unwrap().starts_with("exercise"), "{r}");
    let status = rig.receipts.wait("the exercise on the status", 15, |m| {
        m["alerts"]["last"]["identifier"] == "YL-DRILL-5"
    });
    assert_eq!(status["alerts"]["last"]["status"], "Exercise");
    assert!(!urgent_area(&rig.sim.state()));
}

#[test]
fn a_national_format_warning_expires_by_the_boards_clock_while_the_broker_is_down() {
    let mut rig = Rig::start();
    let now = Timestamp::now();
    let doc = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><alert><identifier>42050641600000_{}_01</identifier>\
         <sendTime>{}</sendTime><status>Actual</status><msgType>Alert</msgType><scope>Public</scope><info>\
         <eventType>11B03</eventType><event>暴雨</event><urgency>Immediate</urgency><severity>橙色</severity>\
         <certainty>Likely</certainty><expires>{}</expires><headline>暴雨橙色预警</headline>\
         <area><areaDesc>宜昌市</areaDesc><geocode>420500</geocode></area></info></alert>",
        now.strftime("%Y%m%d%H%M%S"),
        now.to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::offset(8)))
            .strftime("%Y-%m-%d %H:%M:%S%:z"),
        (now + SignedDuration::from_secs(8))
            .to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::offset(8)))
            .strftime("%Y-%m-%d %H:%M:%S%:z")
    );
    rig.cap(&doc, "gbt35965", &rig.sm2_key);
    let id = format!("42050641600000_{}_01", now.strftime("%Y%m%d%H%M%S"));
    let accepted = rig.receipt(&id, "accepted");
    assert_eq!(
        accepted["sender"], "42050641600000",
        "the issuer code of the identifier"
    );
    rig.receipt(&id, "displayed");
    rig.sim.wait_state("the warning on the glass", urgent_area);
    // The broker goes away; the board's own clock ends the warning at its time.
    rig.broker.stop();
    let deadline = Instant::now() + Duration::from_secs(20);
    while urgent_area(&rig.sim.state()) {
        assert!(
            Instant::now() < deadline,
            "the warning outlived its expiry without the broker"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    // Its time is whole seconds: `now` + 8 s, rounded down.
    assert!(
        Timestamp::now() >= now + SignedDuration::from_secs(7),
        "not before its time"
    );
    rig.broker.restart();
    rig.receipt(&id, "expired");
}

/// Publish raw bytes on the board's alerts topic, QoS 1, as any client of the broker could.
fn publish_raw(port: u16, bytes: Vec<u8>) {
    let mut o = rumqttc::MqttOptions::new(format!("raw-{}", pinghu_tests::free_port()), "127.0.0.1", port);
    o.set_max_packet_size(32 * 1024 * 1024, 32 * 1024 * 1024);
    let (client, mut conn) = rumqttc::Client::new(o, 4);
    client
        .publish(
            "pinghu/v1/screens/yiling-board/alerts",
            rumqttc::QoS::AtLeastOnce,
            false,
            bytes,
        )
        .unwrap();
    for ev in conn.iter() {
        match ev {
            Ok(rumqttc::Event::Incoming(rumqttc::Incoming::PubAck(_))) => break,
            Ok(_) => {}
            Err(e) => panic!("publish failed: {e}"),
        }
    }
    let _ = client.disconnect();
}

#[test]
fn junk_and_a_10_mb_message_are_refused_and_the_daemon_carries_on() {
    let rig = Rig::start();
    let refusals = |rig: &Rig| {
        rig.receipts
            .all()
            .into_iter()
            .filter(|m| m["event"] == "rejected")
            .filter_map(|m| m["reason"].as_str().map(str::to_owned))
            .collect::<Vec<_>>()
    };
    publish_raw(rig.broker.port, b"<alert><identifier>no envelope".to_vec());
    let big = format!(
        "{{\"key_id\":\"hbqx-sm2\",\"payload\":\"{}\",\"signature\":\"\"}}",
        "A".repeat(10 * 1024 * 1024)
    );
    publish_raw(rig.broker.port, big.into_bytes());
    let deadline = Instant::now() + Duration::from_secs(20);
    while refusals(&rig).len() < 2 {
        assert!(
            Instant::now() < deadline,
            "refusals: {:?}\n{}",
            refusals(&rig),
            rig.daemon.log_text()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let r = refusals(&rig);
    assert!(r.iter().any(|x| x.starts_with("not an envelope")), "{r:?}");
    assert!(r.iter().any(|x| x.contains("more than the 512 KiB limit")), "{r:?}");
    // Unharmed: the next warning goes through.
    rig.cap(
        &cap(
            1,
            "Alert",
            &[],
            "暴雨红色预警信号",
            Timestamp::now() + SignedDuration::from_mins(30),
        ),
        "cap",
        &rig.sm2_key,
    );
    rig.receipt("YL-RAIN-1", "displayed");
    rig.sim.wait_state("the warning on the glass", urgent_area);
}

/// `t` as the national format writes times.
fn national_time(t: Timestamp) -> String {
    t.to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::offset(8)))
        .strftime("%Y-%m-%d %H:%M:%S%:z")
        .to_string()
}

/// A national-format message from 宜昌市气象台 as city observatories send them: `id` (after the
/// issuer code), sent `ago` minutes before now, of `kind`, referencing `refs` (bare identifiers);
/// unless a Cancel, one `<info>` for the city (yellow) and one per county it raises (当阳市 red,
/// 夷陵区 orange), 12-digit area codes with empty shapes beside them, the event named by `event`
/// (`<eventType>11B03</eventType>` alone, as many do).
fn national(id: &str, ago: i64, kind: &str, refs: &[&str], event: &str, headline: &str) -> String {
    let now = Timestamp::now();
    let sent = national_time(now - SignedDuration::from_mins(ago));
    let expires = national_time(now + SignedDuration::from_mins(30));
    let block = |level: &str, urgency: &str, name: &str, code: &str| {
        format!(
            "<info><language>zh-CN</language>{event}<urgency>{urgency}</urgency><severity>{level}</severity>\
             <certainty>Likely</certainty><expires>{expires}</expires><senderName>宜昌市气象台</senderName>\
             <headline>{name}{headline}</headline><instruction>远离河道、山体</instruction>\
             <area><areaDesc>{name}</areaDesc><polygon/><circle/><geocode>{code}</geocode></area></info>"
        )
    };
    let infos = if kind == "Cancel" {
        String::new()
    } else {
        [
            block("黄色", "Expected", "宜昌市", "420500000000"),
            block("红色", "Immediate", "当阳市", "420582000000"),
            block("橙色", "Immediate", "夷陵区", "420506000000"),
        ]
        .concat()
    };
    let refs = if refs.is_empty() {
        String::new()
    } else {
        let ids: Vec<String> = refs.iter().map(|r| format!("42050041600000_{r}")).collect();
        format!("<references>{}</references>", ids.join(" "))
    };
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n<alert><identifier>42050041600000_{id}</identifier>\
         <sendTime>{sent}</sendTime><status>Actual</status><msgType>{kind}</msgType><scope>Public</scope>\
         {refs}{infos}</alert>"
    )
}

#[test]
fn national_warnings_as_platforms_send_them_through_the_daemon() {
    let rig = Rig::start();
    let code_only = "<eventType>11B03</eventType>";
    let full = |id: &str| format!("42050041600000_{id}");

    // A city warning with a block per county, 12-digit codes, empty shapes and only the event's
    // code: the board in 夷陵区 shows its county's orange block.
    rig.cap(
        &national("W1", 9, "Alert", &[], code_only, "暴雨预警"),
        "gbt35965",
        &rig.sm2_key,
    );
    let accepted = rig.receipt(&full("W1"), "accepted");
    assert!(accepted["reason"].is_null(), "11B03 is in the table: {accepted}");
    let by_code = rig.receipt(&full("W1"), "displayed")["frame_sha256"]
        .as_str()
        .unwrap()
        .to_owned();
    rig.sim.wait_state("the code-only warning on the glass", |s| {
        urgent_area(s) && s["frame_sha256"] == by_code.as_str()
    });
    rig.cap(&national("W1C", 8, "Cancel", &["W1"], "", ""), "gbt35965", &rig.sm2_key);
    rig.receipt(&full("W1C"), "cancelled");
    rig.sim.wait_state("the warning gone", |s| !urgent_area(s));
    // The same warning with <event>暴雨</event> draws the very same frame: the code was named 暴雨.
    let named = "<eventType>11B03</eventType><event>暴雨</event>";
    rig.cap(
        &national("W2", 7, "Alert", &[], named, "暴雨预警"),
        "gbt35965",
        &rig.sm2_key,
    );
    let by_name = rig.receipt(&full("W2"), "displayed");
    assert_eq!(
        by_name["frame_sha256"],
        by_code.as_str(),
        "【暴雨橙色预警】, not 【11B03橙色预警】"
    );
    rig.cap(&national("W2C", 6, "Cancel", &["W2"], "", ""), "gbt35965", &rig.sm2_key);
    rig.receipt(&full("W2C"), "cancelled");

    // A chain whose messages reference only the one before, delivered A, B, Cancel, C: the
    // Cancel names a message not yet seen (`ignored`, remembered); C then joins the chain and the
    // Cancel ends it: the warning leaves the glass.
    rig.cap(
        &national("A", 5, "Alert", &[], code_only, "暴雨预警"),
        "gbt35965",
        &rig.sm2_key,
    );
    rig.receipt(&full("A"), "displayed");
    rig.cap(
        &national("B", 4, "Update", &["A"], code_only, "暴雨加强"),
        "gbt35965",
        &rig.sm2_key,
    );
    rig.receipt(&full("B"), "updated");
    rig.receipt(&full("B"), "displayed");
    rig.cap(&national("D", 2, "Cancel", &["C"], "", ""), "gbt35965", &rig.sm2_key);
    let ignored = rig.receipt(&full("D"), "ignored");
    assert!(
        ignored["reason"]
            .as_str()
            .unwrap()
            .contains("never shows if it arrives later"),
        "{ignored}"
    );
    // B still shows: the board cannot know D ends it yet. (The simulator's snapshot is written
    // after the card's own work, so it may lag the receipt by a moment: waited for, not sampled.)
    rig.sim.wait_state("B still on the glass", urgent_area);
    rig.cap(
        &national("C", 3, "Update", &["B"], code_only, "暴雨持续"),
        "gbt35965",
        &rig.sm2_key,
    );
    let refused = rig.receipt(&full("C"), "rejected");
    assert!(
        refused["reason"].as_str().unwrap().contains("was cancelled"),
        "{refused}"
    );
    let cancelled = rig.receipt(&full("C"), "cancelled");
    assert_eq!(cancelled["id"], refused["id"], "one chain");
    rig.sim
        .wait_state("the cancelled chain off the glass", |s| !urgent_area(s));

    // An Update without references is a new warning, and its receipt says so.
    rig.cap(
        &national("U", 1, "Update", &[], code_only, "暴雨预警"),
        "gbt35965",
        &rig.sm2_key,
    );
    let u = rig.receipt(&full("U"), "accepted");
    assert_eq!(
        u["reason"],
        "an Update that references nothing: judged as a new warning"
    );
    rig.receipt(&full("U"), "displayed");

    // A document refused while it is read names the message in its receipt.
    let bad = national("X", 1, "Alert", &[], code_only, "暴雨预警").replacen("<severity>黄色", "<severity>紫色", 1);
    let key: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&rig.sm2_key).unwrap()).unwrap();
    let mut env = pinghu::daemon::envelope::sign(
        bad.as_bytes(),
        key["key_id"].as_str().unwrap(),
        key["secret"].as_str().unwrap(),
    )
    .unwrap();
    env.content_type = Some("application/gbt35965+xml".into());
    publish_raw(rig.broker.port, serde_json::to_vec(&env).unwrap());
    let r = rig.receipt(&full("X"), "rejected");
    assert_eq!(r["sender"], "42050041600000");
    assert!(r["reason"].as_str().unwrap().contains("紫色"), "{r}");
}
