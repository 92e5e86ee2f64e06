//! A day of paid campaigns through the daemon's core on a paused clock: the card's
//! acknowledgements go into the proof-of-display log, an urgent notice cuts a spot short, the
//! power schedule darkens the board, and after midnight the board signs the day's play report.
//! The report verifies offline (library and `pinghu report verify`), and changing one number in
//! it, or one line of the log, makes verification fail and name what.

mod common;
use common::pinghu;

use std::path::Path;

use base64::Engine as _;
use jiff::{SignedDuration, Timestamp};
use pinghu::daemon::board::{Desired, MAIN_AREA, URGENT_AREA};
use pinghu::daemon::config::Config;
use pinghu::daemon::core::Core;
use pinghu::daemon::disk::Disk;
use pinghu::daemon::driver::DriverEvent;
use pinghu::daemon::report::{self, VerifyError};

const PLAYLIST: &str = r#"
timezone = "Asia/Shanghai"
government_floor = 0.5

[power]
on = "06:00"
off = "23:00"

[[item]]
id = "welcome"
text = "欢迎来到夷陵区政务服务中心"
dwell_s = 10

[[item]]
id = "hotline"
text = "12345政务服务便民热线"
dwell_s = 10

[[campaign]]
id = "bank"
advertiser = "夷陵农商银行"
contract = "YL-AD-2026-031"
start_date = "2026-12-07"
end_date = "2026-12-07"
hours = "10:00-12:00"
share = 0.2

  [[campaign.item]]
  id = "bank-1"
  text = "冬季存款优惠"
  dwell_s = 10

[[campaign]]
id = "citrus"
advertiser = "宜昌柑橘协会"
contract = "YL-AD-2026-044"
start_date = "2026-12-07"
end_date = "2026-12-07"
hours = "10:00-12:00"
plays_per_day = 20
separation_s = 60

  [[campaign.item]]
  id = "citrus-1"
  text = "宜昌蜜桔节"
  dwell_s = 8
"#;

/// Local Yiling time on Monday 2026-12-07 (or the next day for hours ≥ 24).
fn local(h: i64, m: i64) -> Timestamp {
    "2026-12-07T00:00:00+08:00".parse::<Timestamp>().unwrap() + SignedDuration::from_mins(h * 60 + m)
}

fn config(dir: &Path, portal_public: &str) -> Config {
    std::fs::write(dir.join("ads.toml"), PLAYLIST).unwrap();
    let text = format!(
        "data_dir = \"data\"\nplaylist = \"ads.toml\"\n\n[screen]\nid = \"yiling-1\"\nwidth = 128\nheight = 32\ncolors = \"red-green\"\n\n\
         [device]\nurl = \"tcp://127.0.0.1:9\"\nprotocol = \"bx-6e\"\n\n[mqtt]\nurl = \"mqtt://127.0.0.1:9\"\n\n\
         [portal_keys]\nportal-2026 = \"{portal_public}\"\n"
    );
    Config::parse(&text, &dir.join("pinghu.toml")).unwrap()
}

/// The card's side: acknowledge what the core wants on the glass, as the driver reports it.
#[derive(Default)]
struct Card {
    main: Option<String>,
    urgent: Option<String>,
    power: Option<bool>,
}

impl Card {
    fn follow(&mut self, core: &mut Core, d: &Desired, now: Timestamp) {
        if self.power != Some(d.power) {
            if self.power.is_some() || !d.power {
                core.driver_event(DriverEvent::Power { on: d.power }, now);
            }
            self.power = Some(d.power);
        }
        if !d.power {
            return;
        }
        let id = |a: &pinghu::daemon::board::AreaContent| format!("{}{}", a.key, a.first_frame_sha256());
        match (&d.urgent, &self.urgent) {
            (Some(u), s) if s.as_deref() != Some(id(u).as_str()) => {
                self.urgent = Some(id(u));
                let ev = DriverEvent::Shown {
                    key: u.key.clone(),
                    area: URGENT_AREA,
                    layer: d.layer,
                    frame_sha256: u.first_frame_sha256(),
                    at: now,
                };
                core.driver_event(ev, now);
            }
            (None, Some(_)) => {
                self.urgent = None;
                core.driver_event(DriverEvent::Cleared { area: URGENT_AREA }, now);
            }
            _ => {}
        }
        if let Some(m) = &d.main
            && self.main.as_deref() != Some(id(m).as_str())
        {
            self.main = Some(id(m));
            if d.urgent.is_none() {
                let ev = DriverEvent::Shown {
                    key: m.key.clone(),
                    area: MAIN_AREA,
                    layer: d.layer,
                    frame_sha256: m.first_frame_sha256(),
                    at: now,
                };
                core.driver_event(ev, now);
            }
        }
    }
}

/// docs/examples/verify_report.py, written from docs/reports.md alone, on a report and (with
/// `log`) the board's log: (exit code, stdout and stderr). Debian's python3, where .ci/run
/// installs python3-cryptography.
fn python_verify(report: &Path, board_key: &str, log: Option<&Path>) -> (i32, String) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/examples/verify_report.py");
    let mut cmd = std::process::Command::new("/usr/bin/python3");
    // No __pycache__ left in the repository's docs.
    cmd.env("PYTHONDONTWRITEBYTECODE", "1")
        .arg(script)
        .arg(report)
        .args(["--board-key", board_key]);
    if let Some(dir) = log {
        cmd.arg("--log-dir").arg(dir);
    }
    let out = cmd
        .output()
        .expect("python3 runs (.ci/run installs python3-cryptography)");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
    )
}

fn urgent_notice(secret: &str, at: Timestamp) -> Vec<u8> {
    let payload = serde_json::json!({"id": "road-closed", "revision": 1, "action": "publish", "priority": "urgent",
        "body": "夷陵大道临时交通管制", "issued_at": at.to_string(),
        "valid_until": (at + SignedDuration::from_mins(10)).to_string()});
    let env = pinghu::daemon::envelope::sign(payload.to_string().as_bytes(), "portal-2026", secret).unwrap();
    serde_json::to_vec(&env).unwrap()
}

/// Run the core from `from` to `to`, following each step; publish the urgent notice the first
/// time a spot is on the glass after `urgent_after`.
fn run(core: &mut Core, card: &mut Card, from: Timestamp, to: Timestamp, urgent: Option<(&str, Timestamp)>) -> bool {
    let mut now = from;
    let mut sent = false;
    while now < to {
        let step = core.step(now);
        card.follow(core, &step.desired, now);
        if let Some((secret, after)) = urgent
            && !sent
            && now >= after
            && step
                .desired
                .main
                .as_ref()
                .is_some_and(|m| m.key.to_string().starts_with("item citrus"))
        {
            // Two seconds into the spot: it is cut short.
            let t = now + SignedDuration::from_secs(2);
            core.ingest(&urgent_notice(secret, t), "pinghu/v1/screens/yiling-1/announcements", t)
                .unwrap();
            let step = core.step(t);
            card.follow(core, &step.desired, t);
            sent = true;
            now = t;
            continue;
        }
        now = step.next.max(now + SignedDuration::from_millis(500)).min(to);
    }
    sent
}

#[test]
fn a_day_of_campaigns_is_reported_signed_and_verified_and_tampering_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let (secret, public) = pinghu::daemon::envelope::keygen().unwrap();
    let mut daemon = Core::open(config(dir.path(), &public), Disk::new(), local(9, 55)).unwrap();
    let mut card = Card::default();
    assert!(run(
        &mut daemon,
        &mut card,
        local(9, 55),
        local(12, 5),
        Some((&secret, local(10, 30)))
    ));
    // The evening: the power schedule darkens the board at 23:00.
    run(&mut daemon, &mut card, local(22, 58), local(23, 2), None);
    // After midnight (and the few minutes a last spot needs), the day's report is made.
    run(&mut daemon, &mut card, local(24, 4), local(24, 7), None);
    let status = daemon.status(local(24, 7));
    let board_key = status.reports.board_key.clone().unwrap().public;
    assert_eq!(status.reports.last, Some(jiff::civil::date(2026, 12, 7)), "{status:?}");
    let data = dir.path().join("data");
    let file = data.join("reports/plays-2026-12-07.signed.json");
    let signed = std::fs::read(&file).unwrap();
    // Only this day: the board's log began on it, so the day before has nothing to account for.
    let published: Vec<String> = std::iter::from_fn(|| daemon.take_report()).collect();
    assert_eq!(published.len(), 1);
    assert_eq!(published[0].as_bytes(), signed.as_slice());
    assert!(!data.join("reports/plays-2026-12-06.signed.json").exists());

    // It verifies, alone and against the log.
    let mut all = Vec::new();
    let chain =
        pinghu::daemon::proof::for_each_verified(&pinghu::daemon::proof::segments(&data), |e, _| all.push(e.clone()))
            .unwrap();
    let r = report::verify(&signed, &board_key, None).unwrap();
    report::verify(&signed, &board_key, Some((&all, report::Chain::of(&chain)))).unwrap();
    assert!(r.chain.intact);
    // The report's own days are all it needs of the log (a window of it), and the same report
    // follows from them, for that day and the ones around it.
    let mut window = report::window_of(&signed).unwrap();
    for e in &all {
        window.push(e);
    }
    let kept = window.into_entries();
    assert_eq!(
        report::verify(&signed, &board_key, Some((&kept, report::Chain::of(&chain)))).unwrap(),
        r
    );
    let tz = jiff::tz::TimeZone::get("Asia/Shanghai").unwrap();
    for (from, to, part) in [
        ("2026-12-06", "2026-12-06", true),
        ("2026-12-07", "2026-12-08", false),
        ("2026-12-08", "2026-12-08", true),
    ] {
        let (from, to) = (from.parse().unwrap(), to.parse().unwrap());
        let cutoff = local(24, 7);
        let mut w = report::Window::new(from, to, &tz, cutoff);
        for e in &all {
            w.push(e);
        }
        let build = |entries: &[pinghu::daemon::proof::Entry]| {
            report::build(
                "s",
                entries,
                report::Chain::of(&chain),
                from,
                to,
                &tz,
                cutoff,
                None,
                None,
            )
        };
        let kept = w.into_entries();
        assert!(
            !part || kept.len() < all.len(),
            "{from}: {} of {}",
            kept.len(),
            all.len()
        );
        assert_eq!(build(&kept), build(&all), "{from}..={to}");
    }
    println!("{}", report::to_table(&r));
    let bank = r.campaigns.iter().find(|c| c.campaign == "bank").unwrap();
    let citrus = r.campaigns.iter().find(|c| c.campaign == "citrus").unwrap();
    assert_eq!(bank.advertiser.as_deref(), Some("夷陵农商银行"));
    // The share: 20 % of the rotation's time in the window, within one spot.
    let want = bank.target_seconds.unwrap();
    assert!((bank.seconds as f64 - want).abs() <= 10.0, "{bank:?}");
    assert!((97.0..=103.0).contains(&bank.delivered_pct.unwrap()), "{bank:?}");
    // The interrupted spot is listed with what cut it, and not counted; the day still made 20.
    assert_eq!(citrus.interrupted, 1, "{citrus:?}");
    let cut = r.interrupted.iter().find(|i| i.campaign == "citrus").unwrap();
    assert!(
        cut.by.contains("announcement road-closed") && cut.by.contains("urgent"),
        "{cut:?}"
    );
    assert_eq!(citrus.plays, 20, "{citrus:?}");
    assert_eq!(citrus.seconds, 20 * 8);
    assert_eq!(citrus.target_plays, Some(20.0));
    // The power schedule's dark board is a gap.
    assert!(
        r.gaps.iter().any(|g| g.kind == "dark" && g.note == "power off"),
        "{:?}",
        r.gaps
    );

    // The command line says the same.
    let key_arg = board_key.clone();
    let verify_with_log = || {
        pinghu(&[
            "report",
            "verify",
            file.to_str().unwrap(),
            "--board-key",
            &key_arg,
            "--data-dir",
            data.to_str().unwrap(),
        ])
    };
    let (code, out, err) = verify_with_log();
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("signature good (board yiling-1), sums consistent, every play matches the log"),
        "{out}"
    );
    // So does a verifier written from docs/reports.md alone, in another language.
    let (code, out) = python_verify(&file, &key_arg, Some(&data));
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("signature good, sums consistent, every number matches the log: screen yiling-1"),
        "{out}"
    );
    // The log cut back after the report was signed (its head and what followed gone, as a
    // deleted log begun again or a cut one would be): every play still matches, but the log no
    // longer reaches the head the board signed.
    let seg = data.join("proof-of-display.jsonl");
    let whole = std::fs::read_to_string(&seg).unwrap();
    let head = r.chain.entries;
    assert!(r.plays.iter().all(|p| p.seq < head));
    let cut: String = whole
        .lines()
        .filter(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["seq"]
                .as_u64()
                .unwrap()
                < head
        })
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&seg, &cut).unwrap();
    let (code, _, err) = verify_with_log();
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains(&format!(
            "when the report was signed the log reached entry {head}; it now ends at entry {}",
            head - 1
        )),
        "{err}"
    );
    let (code, out) = python_verify(&file, &key_arg, Some(&data));
    assert_eq!(code, 1, "{out}");
    assert!(out.contains(&format!("the log's entry {head} had hash")), "{out}");
    std::fs::write(&seg, &whole).unwrap();
    let (code, out, err) = pinghu(&[
        "report",
        "plays",
        "--from",
        "2026-12-07",
        "--to",
        "2026-12-07",
        "--data-dir",
        data.to_str().unwrap(),
        "--playlist",
        dir.path().join("ads.toml").to_str().unwrap(),
        "--format",
        "csv",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("\"yiling-1\",2026-12-07,2026-12-07,\"citrus\",\"宜昌柑橘协会\",\"YL-AD-2026-044\",\"plays_per_day 20\",20,160,1,20,,100,true"),
        "{out}"
    );

    // One number changed in the report: the signature fails, and the sums name the campaign.
    let mut env: serde_json::Value = serde_json::from_slice(&signed).unwrap();
    let b64 = base64::engine::general_purpose::STANDARD;
    let mut payload: serde_json::Value =
        serde_json::from_slice(&b64.decode(env["payload"].as_str().unwrap()).unwrap()).unwrap();
    let i = payload["campaigns"]
        .as_array()
        .unwrap()
        .iter()
        .position(|c| c["campaign"] == "citrus")
        .unwrap();
    payload["campaigns"][i]["plays"] = 21.into();
    env["payload"] = b64.encode(serde_json::to_vec_pretty(&payload).unwrap()).into();
    let forged = serde_json::to_vec(&env).unwrap();
    let errors = report::verify(&forged, &board_key, None).unwrap_err();
    assert!(
        errors.iter().any(|e| matches!(e, VerifyError::Signature { .. })),
        "{errors:?}"
    );
    assert!(
        errors.iter().any(|e| e.to_string()
            == "the report contradicts itself: campaign citrus: the total says 21 plays but 20 are listed"),
        "{errors:?}"
    );
    let forged_file = dir.path().join("forged.json");
    std::fs::write(&forged_file, &forged).unwrap();
    let (code, _, err) = pinghu(&[
        "report",
        "verify",
        forged_file.to_str().unwrap(),
        "--board-key",
        &key_arg,
    ]);
    assert_eq!(code, 1);
    assert!(
        err.contains("the signature does not verify with the board key"),
        "{err}"
    );
    assert!(
        err.contains("campaign citrus: the total says 21 plays but 20 are listed"),
        "{err}"
    );
    let (code, out) = python_verify(&forged_file, &key_arg, None);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("the signature does not verify with the board key"),
        "{out}"
    );
    assert!(
        out.contains("campaign citrus: the total says 21 plays but 20 are listed"),
        "{out}"
    );

    // One line of the log changed (a spot moved by a minute): the chain breaks there, and the
    // report's plays from that entry on are named as missing from the trusted log.
    let seg = data.join("proof-of-display.jsonl");
    let text = std::fs::read_to_string(&seg).unwrap();
    let first_play = r.plays.iter().find(|p| p.campaign == "bank").unwrap();
    let edited: String = text
        .lines()
        .map(|l| {
            if l.contains(&format!("\"seq\":{},", first_play.seq)) {
                l.replacen(&first_play.at, &first_play.at.replace(":0", ":1"), 1)
            } else {
                l.to_owned()
            }
        })
        .map(|l| l + "\n")
        .collect();
    assert_ne!(edited, text);
    std::fs::write(&seg, edited).unwrap();
    let (code, _, err) = verify_with_log();
    assert_eq!(code, 1);
    assert!(
        err.contains(&format!(
            "play of bank at {}: the log has no entry {}",
            first_play.at, first_play.seq
        )),
        "{err}"
    );
    let (code, out) = python_verify(&file, &key_arg, Some(&data));
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("hash mismatch: the entry was altered"), "{out}");
    assert!(
        out.contains(&format!(
            "play of bank at {}: the trusted log has no entry {}",
            first_play.at, first_play.seq
        )),
        "{out}"
    );
}

#[test]
fn days_a_stopped_daemon_missed_get_signed_reports_when_it_starts_again() {
    let dir = tempfile::tempdir().unwrap();
    let (_, public) = pinghu::daemon::envelope::keygen().unwrap();
    let mut daemon = Core::open(config(dir.path(), &public), Disk::new(), local(9, 55)).unwrap();
    let mut card = Card::default();
    run(&mut daemon, &mut card, local(9, 55), local(11, 0), None);
    // A power cut at 11:00 (no shutdown), the cabinet back 8 s later with a card that lost its
    // state: the start is an outage in the log and in Monday's report.
    drop(daemon);
    let back = local(11, 0) + SignedDuration::from_secs(8);
    let mut daemon = Core::open(config(dir.path(), &public), Disk::new(), back).unwrap();
    let mut card = Card::default();
    run(&mut daemon, &mut card, back, local(12, 5), None);
    // The evening's power-off, then the daemon stops (the cabinet loses power) until Thursday.
    run(&mut daemon, &mut card, local(22, 58), local(23, 2), None);
    daemon.shutdown(local(23, 2));
    drop(daemon);
    let thursday = local(3 * 24 + 8, 0);
    let mut daemon = Core::open(config(dir.path(), &public), Disk::new(), thursday).unwrap();
    let _ = daemon.step(thursday);
    let data = dir.path().join("data");
    let key = daemon.status(thursday).reports.board_key.unwrap().public;
    // Monday (its plays), and Tuesday and Wednesday, which the daemon did not see end: every day
    // has a signed report, published oldest first so the retained one is the newest.
    let mut published = Vec::new();
    while let Some(body) = daemon.take_report() {
        published.push(body);
    }
    let days: Vec<String> = published
        .iter()
        .map(|b| report::verify(b.as_bytes(), &key, None).unwrap().from.to_string())
        .collect();
    assert_eq!(days, ["2026-12-07", "2026-12-08", "2026-12-09"]);
    for d in &days {
        assert!(data.join(format!("reports/plays-{d}.signed.json")).exists());
    }
    // Each verifies against the log with the verifier written from docs/reports.md.
    for d in &days {
        let (code, out) = python_verify(&data.join(format!("reports/plays-{d}.signed.json")), &key, Some(&data));
        assert_eq!(code, 0, "{d}: {out}");
    }
    let monday = report::verify(published[0].as_bytes(), &key, None).unwrap();
    assert!(monday.campaigns.iter().any(|c| c.plays > 0), "{monday:?}");
    let outage = monday
        .gaps
        .iter()
        .find(|g| g.kind == "outage")
        .expect("the power cut is a gap");
    assert_eq!(outage.at, back.to_string(), "{:?}", monday.gaps);
    assert!(
        outage
            .since
            .as_ref()
            .is_some_and(|s| s.parse::<Timestamp>().unwrap() <= local(11, 0)),
        "{outage:?}"
    );
    // The board went dark by its schedule at 23:00 and nothing was logged after: the days after
    // are dark all day, which the report says, with no plays.
    let tuesday = report::verify(published[1].as_bytes(), &key, None).unwrap();
    assert!(tuesday.plays.is_empty());
    assert_eq!(tuesday.gaps.len(), 1, "{:?}", tuesday.gaps);
    assert_eq!(tuesday.gaps[0].kind, "dark");
    assert!(
        tuesday.gaps[0]
            .note
            .starts_with("dark all day as far as the log shows (power off at"),
        "{:?}",
        tuesday.gaps
    );
    assert_eq!(
        daemon.status(thursday).reports.last,
        Some(jiff::civil::date(2026, 12, 9))
    );
    // Started again the same day: nothing is made twice.
    daemon.shutdown(thursday);
    drop(daemon);
    let mut daemon = Core::open(config(dir.path(), &public), Disk::new(), thursday).unwrap();
    let _ = daemon.step(thursday);
    let again: Vec<String> = std::iter::from_fn(|| daemon.take_report()).collect();
    assert_eq!(again, [published[2].clone()], "only the newest, published again");
}

#[test]
fn a_day_without_any_entry_is_an_unlogged_gap() {
    let tz = jiff::tz::TimeZone::get("Asia/Shanghai").unwrap();
    let d: jiff::civil::Date = "2026-12-08".parse().unwrap();
    let r = report::build(
        "yiling-1",
        &[],
        report::Chain::of(&pinghu::daemon::proof::Report::default()),
        d,
        d,
        &tz,
        local(3 * 24, 0),
        None,
        None,
    );
    assert_eq!(r.gaps.len(), 1);
    assert_eq!(r.gaps[0].kind, "unlogged");
    assert!(r.gaps[0].note.contains("the daemon was not running"), "{:?}", r.gaps);
}

/// A daemon that cannot open its proof log at start (here a folder stands where the file was)
/// marks its start when the retry opens it, before what it showed meanwhile: the stop before it
/// is an outage all the same.
#[test]
fn a_log_opened_late_still_gets_the_start_of_the_daemon() {
    let dir = tempfile::tempdir().unwrap();
    let (_, public) = pinghu::daemon::envelope::keygen().unwrap();
    let mut daemon = Core::open(config(dir.path(), &public), Disk::new(), local(9, 55)).unwrap();
    let mut card = Card::default();
    run(&mut daemon, &mut card, local(9, 55), local(10, 5), None);
    daemon.shutdown(local(10, 5));
    drop(daemon);
    let data = dir.path().join("data");
    let log = data.join("proof-of-display.jsonl");
    let aside = dir.path().join("log-aside.jsonl");
    std::fs::rename(&log, &aside).unwrap();
    std::fs::create_dir(&log).unwrap();
    let back = local(10, 10);
    let mut daemon = Core::open(config(dir.path(), &public), Disk::new(), back).unwrap();
    let mut card = Card::default();
    run(&mut daemon, &mut card, back, back + SignedDuration::from_secs(5), None);
    std::fs::remove_dir(&log).unwrap();
    std::fs::rename(&aside, &log).unwrap();
    // The housekeeping's retry, 10 s after the failed open.
    daemon.tick(back + SignedDuration::from_secs(10));
    run(
        &mut daemon,
        &mut card,
        back + SignedDuration::from_secs(10),
        local(10, 12),
        None,
    );
    daemon.tick(local(10, 12));
    let entries: Vec<serde_json::Value> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let start = entries
        .iter()
        .position(|e| e["kind"] == "start")
        .unwrap_or_else(|| panic!("a start entry once the log opened: {entries:#?}"));
    assert_eq!(entries[start]["at"], back.to_string());
    assert!(
        entries[start + 1..].iter().all(|e| e["kind"] != "start"),
        "one start entry"
    );
    assert!(entries.len() > start + 1, "what was shown meanwhile follows the start");
    let chain = pinghu::daemon::proof::verify_files(&pinghu::daemon::proof::segments(&data)).unwrap();
    assert!(chain.problems().is_empty(), "{:?}", chain.problems());
}
