//! The daemon's core under faults, in memory and with an injected clock: a write failure
//! (ENOSPC, EIO) at every single write the daemon makes, damaged state files, and the flash-wear
//! budget of an idle hour. The files are real (a temporary folder); the failures are injected by
//! the daemon's own [`Disk`] layer, which every write goes through.

use std::collections::BTreeMap;
use std::path::Path;

use jiff::{SignedDuration, Timestamp};
use pinghu::daemon::config::Config;
use pinghu::daemon::core::Core;
use pinghu::daemon::disk::{Disk, EIO, ENOSPC};
use pinghu::daemon::driver::DriverEvent;
use pinghu::daemon::ingest::Receipt;
use pinghu::daemon::status::PowerControl;
use pinghu::daemon::store::{AnnState, Store};
use pinghu_playlists::{ContentKey, Layer};

const T0: &str = "2026-12-01T02:00:00Z"; // 10:00 on a Tuesday in Yiling

fn t(offset_s: i64) -> Timestamp {
    T0.parse::<Timestamp>().unwrap() + SignedDuration::from_secs(offset_s)
}

struct Portal {
    secret: String,
    other: String,
    public: String,
}

impl Portal {
    fn new() -> Self {
        let (secret, public) = pinghu::daemon::envelope::keygen().unwrap();
        let (other, _) = pinghu::daemon::envelope::keygen().unwrap();
        Self { secret, other, public }
    }

    fn envelope(&self, payload: &serde_json::Value, forged: bool) -> Vec<u8> {
        let key = if forged { &self.other } else { &self.secret };
        let env = pinghu::daemon::envelope::sign(payload.to_string().as_bytes(), "portal-2026", key).unwrap();
        serde_json::to_vec(&env).unwrap()
    }

    fn publish(&self, id: &str, rev: u64, priority: &str) -> Vec<u8> {
        self.envelope(
            &serde_json::json!({"id": id, "revision": rev, "action": "publish", "priority": priority,
                "body": format!("通知 {id} 第{rev}版"), "issued_at": t(-60).to_string(),
                "valid_until": t(7200).to_string()}),
            false,
        )
    }

    fn revoke(&self, id: &str, rev: u64) -> Vec<u8> {
        self.envelope(
            &serde_json::json!({"id": id, "revision": rev, "action": "revoke", "issued_at": t(-30).to_string()}),
            false,
        )
    }
}

fn config(dir: &Path, portal: &Portal) -> Config {
    let text = format!(
        "data_dir = \"data\"\n\n[screen]\nid = \"test-board\"\nwidth = 128\nheight = 32\ncolors = \"red-green\"\n\n\
         [device]\nurl = \"tcp://127.0.0.1:9\"\nprotocol = \"bx-6e\"\n\n[mqtt]\nurl = \"mqtt://127.0.0.1:9\"\n\n\
         [portal_keys]\nportal-2026 = \"{}\"\n",
        portal.public
    );
    Config::parse(&text, &dir.join("pinghu.toml")).unwrap()
}

fn shown(id: &str, rev: u64, at: Timestamp) -> DriverEvent {
    DriverEvent::Shown {
        key: ContentKey::Announcement {
            id: id.into(),
            revision: rev,
        },
        area: 1,
        layer: Layer::Urgent,
        frame_sha256: format!("frame-of-{id}-{rev}"),
        at,
    }
}

/// What a run ends with: receipts the daemon let the broker acknowledge (in order), the state's
/// announcements and revisions, and the outbox.
#[derive(Debug, Clone, PartialEq)]
struct Outcome {
    acked: Vec<Receipt>,
    announcements: BTreeMap<String, (u64, AnnState, bool)>,
    revisions: BTreeMap<String, u64>,
    outbox: Vec<Receipt>,
}

fn summary(s: &pinghu::daemon::store::State, acked: Vec<Receipt>) -> Outcome {
    Outcome {
        acked,
        announcements: s
            .announcements
            .iter()
            .map(|(k, r)| (k.clone(), (r.announcement.revision, r.state, r.displayed.is_some())))
            .collect(),
        revisions: s.revisions.clone(),
        outbox: s.outbox.clone(),
    }
}

/// The broker's side of a message: offered until the daemon stores it (it is only then
/// acknowledged), as mosquitto redelivers an unacknowledged message.
fn deliver(core: &mut Core, bytes: &[u8], now: Timestamp, acked: &mut Vec<Receipt>) {
    for _ in 0..20 {
        if let Ok(r) = core.ingest(bytes, "pinghu/v1/screens/test-board/announcements", now) {
            acked.extend(r);
            return;
        }
    }
    panic!("a message was never stored");
}

/// The scenario: accept, display, an urgent notice, a forgery, a revoke, a new revision, a
/// redelivery, group commit, a lazy scheduler write, shutdown.
fn scenario(dir: &Path, portal: &Portal, disk: &Disk) -> Outcome {
    let mut core = Core::open(config(dir, portal), disk.clone(), t(0)).unwrap();
    let mut acked = Vec::new();
    // A step's receipts go out too (a `displayed` the disk did not take waits for one).
    let step = |core: &mut Core, at: Timestamp, acked: &mut Vec<Receipt>| acked.extend(core.step(at).receipts);
    step(&mut core, t(0), &mut acked);
    deliver(&mut core, &portal.publish("a", 1, "normal"), t(1), &mut acked);
    step(&mut core, t(1), &mut acked);
    acked.extend(core.driver_event(shown("a", 1, t(2)), t(2)));
    deliver(&mut core, &portal.publish("b", 1, "urgent"), t(3), &mut acked);
    acked.extend(core.driver_event(shown("b", 1, t(3)), t(3)));
    deliver(
        &mut core,
        &portal.envelope(&serde_json::json!({"id": "c", "revision": 1}), true),
        t(4),
        &mut acked,
    );
    deliver(&mut core, &portal.revoke("b", 2), t(5), &mut acked);
    deliver(&mut core, &portal.publish("a", 2, "normal"), t(6), &mut acked);
    deliver(&mut core, &portal.publish("b", 1, "urgent"), t(7), &mut acked);
    core.tick(t(8));
    step(&mut core, t(8), &mut acked);
    acked.extend(core.driver_event(shown("a", 2, t(9)), t(9)));
    core.tick(t(10));
    step(&mut core, t(70), &mut acked);
    // Each tick retries a failed write once: enough of them for the longest failure tried.
    for s in 70..76 {
        core.tick(t(s));
    }
    step(&mut core, t(76), &mut acked);
    core.shutdown(t(80));
    summary(core.state(), acked)
}

/// The same receipts, whatever their order (a receipt held for the disk goes out later).
fn unordered(mut o: Outcome) -> Outcome {
    o.acked
        .sort_by_key(|r| (r.event, r.id.clone(), r.revision, r.at.clone()));
    o
}

#[test]
fn a_write_failure_at_every_write_loses_nothing_acknowledged_and_changes_nothing_else() {
    let portal = Portal::new();
    let clean_dir = tempfile::tempdir().unwrap();
    let clean_disk = Disk::new();
    let expected = scenario(clean_dir.path(), &portal, &clean_disk);
    let events: Vec<String> = expected
        .acked
        .iter()
        .map(|r| {
            format!(
                "{} {}",
                r.event,
                r.id.as_deref().or(r.claimed_id.as_deref()).unwrap_or("")
            )
        })
        .collect();
    assert_eq!(
        events,
        [
            "accepted a",
            "displayed a",
            "accepted b",
            "displayed b",
            "rejected c",
            "accepted b",
            "revoked b",
            "accepted a",
            "superseded a",
            "held b",
            "displayed a"
        ]
    );
    let ops = clean_disk.stats().ops;
    assert!(ops > 20, "the scenario writes ({ops} operations)");
    for (n, count) in (0..ops).flat_map(|n| [(n, 1), (n, 4)]) {
        let errno = if n % 2 == 0 { ENOSPC } else { EIO };
        let dir = tempfile::tempdir().unwrap();
        let disk = Disk::new();
        disk.fail(n, count, errno);
        let got = scenario(dir.path(), &portal, &disk);
        // Every receipt once, none missing: a `displayed` whose write failed goes out after the
        // next successful write, never before (so never twice).
        assert_eq!(
            unordered(got.clone()),
            unordered(expected.clone()),
            "operation {n} failing {count} time(s) with errno {errno}"
        );
        // What is on disk is what was acknowledged.
        let reopened = Store::open(&dir.path().join("data"), Disk::new(), t(90)).unwrap();
        assert!(reopened.recovery.is_empty(), "{:?}", reopened.recovery);
        assert_eq!(
            summary(&reopened.state, got.acked.clone()),
            got,
            "operation {n} ({count})"
        );
        // The proof log verifies and holds every entry, in order.
        let report = pinghu::daemon::proof::verify_dir(&dir.path().join("data")).unwrap();
        assert!(report.problems().is_empty(), "operation {n}: {:?}", report.problems());
        let clean = pinghu::daemon::proof::verify_dir(&clean_dir.path().join("data")).unwrap();
        assert_eq!(
            report.entries - report.repairs().len() as u64,
            clean.entries,
            "operation {n} ({count})"
        );
    }
}

#[test]
fn a_damaged_state_file_starts_from_the_previous_generation_and_refuses_what_it_cannot_judge() {
    let portal = Portal::new();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    {
        let mut core = Core::open(config(dir.path(), &portal), Disk::new(), t(0)).unwrap();
        let mut acked = Vec::new();
        deliver(&mut core, &portal.publish("a", 1, "urgent"), t(1), &mut acked);
        deliver(&mut core, &portal.revoke("a", 2), t(2), &mut acked);
        core.shutdown(t(3));
    }
    // Bit rot inside the newest generation: still valid JSON, but not what was written.
    let path = data.join("state.json");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("\"revoked\""));
    std::fs::write(&path, text.replacen("\"revoked\"", "\"active\"", 1)).unwrap();

    let mut core = Core::open(config(dir.path(), &portal), Disk::new(), t(100)).unwrap();
    let status = core.status(t(100));
    let recovery = status.storage.state_recovery.join("\n");
    assert!(recovery.contains("checksum mismatch"), "{recovery}");
    assert!(recovery.contains("previous generation"), "{recovery}");
    assert!(!status.storage.ok);
    // The previous generation had "a" r1 active: it may have been revoked since (it was), so it
    // is suspended, not shown, and the portal is told.
    assert_eq!(core.state().announcements["a"].state, AnnState::Suspended);
    assert!(core.state().active().is_empty());
    assert!(core.outbox().iter().any(|r| r.event == "suspended"));
    // The lost revoke is not accepted again from a replay of old messages; the rest is judged
    // against the horizon: a new revision issued after it is accepted.
    let mut acked = Vec::new();
    deliver(&mut core, &portal.revoke("a", 2), t(101), &mut acked);
    assert_eq!(acked[0].event, "rejected");
    assert!(acked[0].reason.as_ref().unwrap().to_string().contains("new revision"));
    let fresh = portal.envelope(
        &serde_json::json!({"id": "a", "revision": 3, "action": "publish", "priority": "urgent",
            "body": "更正后的通知", "issued_at": t(150).to_string()}),
        false,
    );
    acked.clear();
    deliver(&mut core, &fresh, t(151), &mut acked);
    assert_eq!(acked[0].event, "accepted");
    let moved: Vec<_> = std::fs::read_dir(&data)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("state.damaged-"))
        .collect();
    assert_eq!(moved.len(), 1, "the damaged file is kept for inspection");

    // Both generations unreadable (a truncated copy restored by hand): start empty, and refuse
    // anything issued before the recovery.
    drop(core);
    std::fs::write(data.join("state.json"), "{\"format\":2,\"sha").unwrap();
    std::fs::write(data.join("state.prev.json"), "").unwrap();
    let mut core = Core::open(config(dir.path(), &portal), Disk::new(), t(200)).unwrap();
    assert!(core.state().announcements.is_empty());
    assert!(
        core.status(t(200))
            .storage
            .state_recovery
            .iter()
            .any(|r| r.contains("started empty"))
    );
    acked.clear();
    deliver(&mut core, &fresh, t(201), &mut acked);
    assert_eq!(
        acked[0].event, "rejected",
        "issued before the recovery: cannot be told from a replay"
    );
}

#[test]
fn an_idle_hour_stays_within_the_flash_budget() {
    // The built-in sample playlist, a Tuesday morning, an urgent notice for part of the hour: the
    // scheduler steps at every page change and the card acknowledges each frame.
    let portal = Portal::new();
    let dir = tempfile::tempdir().unwrap();
    let disk = Disk::new();
    let mut core = Core::open(config(dir.path(), &portal), disk.clone(), t(0)).unwrap();
    let mut acked = Vec::new();
    deliver(&mut core, &portal.publish("n", 1, "normal"), t(0), &mut acked);
    let start = disk.stats();
    let (mut now, end) = (t(0), t(3600));
    let mut last: Option<pinghu::daemon::board::Desired> = None;
    let mut steps = 0;
    let mut frames = 0;
    while now < end {
        let step = core.step(now);
        steps += 1;
        if last.as_ref() != Some(&step.desired) {
            for area in [&step.desired.urgent, &step.desired.main].into_iter().flatten() {
                frames += 1;
                core.driver_event(
                    DriverEvent::Shown {
                        key: area.key.clone(),
                        area: 0,
                        layer: step.desired.layer,
                        frame_sha256: area.first_frame_sha256(),
                        at: now,
                    },
                    now,
                );
            }
            last = Some(step.desired.clone());
        }
        core.tick(now);
        // As the core thread does: wake for the plan or the housekeeping, at least every 2 s.
        now = step
            .next
            .min(core.next_tick(now))
            .clamp(now + SignedDuration::from_millis(5), now + SignedDuration::from_secs(2));
    }
    core.tick(end);
    let s = disk.stats();
    let (state_writes, state_syncs) = (s.state_writes - start.state_writes, s.state_syncs - start.state_syncs);
    let (proof_writes, proof_syncs) = (s.proof_writes - start.proof_writes, s.proof_syncs - start.proof_syncs);
    println!(
        "idle hour: {steps} scheduler steps, {frames} frames acknowledged; state.json {state_writes} writes \
         ({state_syncs} fsyncs); proof log {proof_writes} appends ({proof_syncs} fsyncs); {} bytes",
        s.bytes - start.bytes
    );
    assert!(frames >= 100, "the rotation ran ({frames} frames)");
    // The budget the README states: the state at most once a minute (plus the first displayed
    // receipt of the notice), the proof log one append per frame and at most one fsync a second.
    assert!(state_writes <= 62, "{state_writes} state writes in an idle hour");
    assert_eq!(state_syncs, 2 * state_writes, "one file and one folder fsync per write");
    assert_eq!(proof_writes, frames);
    assert!(proof_syncs <= frames.min(3600), "{proof_syncs} proof fsyncs");
}

/// The `pinghu` binary of this build: (exit code, stdout, stderr).
fn pinghu(args: &[&str]) -> (i32, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_pinghu"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn log_verify_lists_repairs_and_names_a_damaged_line() {
    let run = pinghu;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let entry = |c: &str| {
        pinghu::daemon::proof::Entry::shown(t(0).to_string(), "s".into(), c.into(), "rotation".into(), "ab".into())
    };
    let (mut log, _) = pinghu::daemon::proof::ProofLog::open(data, Disk::new(), "s", t(0)).unwrap();
    for c in ["item a", "item b", "item c"] {
        log.append(entry(c)).unwrap();
    }
    log.sync().unwrap();
    drop(log);
    let seg1 = data.join("proof-of-display.jsonl");
    // A power cut: half a line at the end. The daemon (here: opening the log) repairs it.
    let mut bytes = std::fs::read(&seg1).unwrap();
    bytes.extend_from_slice(b"{\"seq\":4,\"at\"");
    std::fs::write(&seg1, &bytes).unwrap();
    let d = data.to_str().unwrap();
    let (code, out, err) = run(&["log", "verify", "--data-dir", d]);
    assert_eq!(code, 1, "an unrepaired torn line is reported: {out}{err}");
    assert!(out.contains("unfinished line"), "{out}");
    drop(pinghu::daemon::proof::ProofLog::open(data, Disk::new(), "s", t(5)).unwrap());
    let (code, out, err) = run(&["log", "verify", "--data-dir", d]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("line 4: repaired: 13 bytes of an unfinished entry"),
        "{out}"
    );
    // Exported to a file: complete, or not there at all (never a half file named as the export).
    let export = dir.path().join("proof.jsonl");
    let (code, _, err) = run(&["log", "export", "--data-dir", d, "--out", export.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(std::fs::read(&export).unwrap(), std::fs::read(&seg1).unwrap());
    assert!(!dir.path().join("proof.jsonl.partial").exists());
    // Tampering: line 2 edited. Loud, with the line, exit 1; the daemon continues in segment 2.
    let text = std::fs::read_to_string(&seg1).unwrap();
    std::fs::write(&seg1, text.replacen("item b", "item B", 1)).unwrap();
    let (mut log, findings) = pinghu::daemon::proof::ProofLog::open(data, Disk::new(), "s", t(10)).unwrap();
    assert_eq!(findings[0].kind, "damaged");
    log.append(entry("item d")).unwrap();
    log.sync().unwrap();
    let (code, out, err) = run(&["log", "verify", "--data-dir", d]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(err.contains("proof-of-display.jsonl:2: hash mismatch"), "{err}");
    assert!(
        out.contains("proof-of-display.2.jsonl: 2 entries, chain intact"),
        "{out}"
    );
    let (code, _, err) = run(&["log", "export", "--data-dir", d]);
    assert_eq!(code, 1);
    assert!(err.contains("refusing to export a broken log"), "{err}");
}

#[test]
fn the_status_says_when_the_card_drives_another_size_and_counts_flash_writes() {
    let dir = tempfile::tempdir().unwrap();
    let portal = Portal::new();
    let mut core = Core::open(config(dir.path(), &portal), Disk::new(), t(0)).unwrap();
    let (w, h) = (core.config().width, core.config().height);
    let info = |width: u16, height: u16| pinghu_protocol::control::PingInfo {
        controller_type: 0x0274,
        firmware: *b"6.1.0.0 ",
        screen_params: 1,
        address: 1,
        baud: 0,
        width,
        height,
        color: 3,
        brightness: 15,
        power: 1,
        scan_config: 0,
        scan: None,
        rest: vec![],
    };
    core.driver_event(
        DriverEvent::Card {
            info: Some(info(w as u16, h as u16)),
            power_control: PowerControl::A205,
        },
        t(1),
    );
    assert!(core.status(t(1)).device.card.unwrap().size_matches);
    core.driver_event(
        DriverEvent::Card {
            info: Some(info(64, 16)),
            power_control: PowerControl::A205,
        },
        t(2),
    );
    let card = core.status(t(2)).device.card.unwrap();
    assert!(!card.size_matches);
    let warning = card.size_warning.as_deref().unwrap();
    assert!(
        warning.contains(&format!(
            "the card reports 64x16 px but screen.width/height say {w}x{h}"
        )),
        "{warning}"
    );
    assert_eq!(card.model.as_deref(), Some("BX-6E2"));

    // A flash write is counted, kept across a restart, and shown.
    let mut record = pinghu::daemon::fallback::FlashRecord::default();
    record.wrote("abc".into(), t(3));
    core.driver_event(
        DriverEvent::Flash {
            record: record.clone(),
            wrote: true,
            note: None,
        },
        t(3),
    );
    assert_eq!(core.status(t(3)).device.flash.unwrap().writes, 1);
    let data_dir = core.config().data_dir.clone();
    assert_eq!(pinghu::daemon::fallback::FlashRecord::load(&data_dir), record);
}

#[test]
fn damage_in_an_older_segment_reaches_the_status_after_the_background_check() {
    let dir = tempfile::tempdir().unwrap();
    let portal = Portal::new();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let (mut log, _) = pinghu::daemon::proof::ProofLog::open(&data, Disk::new(), "test-board", t(0)).unwrap();
    for c in ["item a", "item b", "item c"] {
        log.append(pinghu::daemon::proof::Entry::shown(
            t(0).to_string(),
            "test-board".into(),
            c.into(),
            "rotation".into(),
            "ab".into(),
        ))
        .unwrap();
    }
    log.sync().unwrap();
    drop(log);
    // Two segments, as rotation leaves them, then an edit in the older one.
    let seg1 = data.join("proof-of-display.jsonl");
    let text = std::fs::read_to_string(&seg1).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    std::fs::write(
        &seg1,
        format!("{}\n{}\n", lines[0], lines[1].replace("item b", "item B")),
    )
    .unwrap();
    std::fs::write(data.join("proof-of-display.2.jsonl"), format!("{}\n", lines[2])).unwrap();

    let mut core = Core::open(config(dir.path(), &portal), Disk::new(), t(10)).unwrap();
    // The start read only the last segment; the older one is checked in the background, and
    // what it finds reaches the status on the next ticks.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let found = loop {
        core.tick(t(10));
        let s = core.status(t(10));
        if !s.storage.proof_log.is_empty() {
            break s.storage.proof_log;
        }
        assert!(std::time::Instant::now() < deadline, "no finding: {s:?}");
        std::thread::sleep(std::time::Duration::from_millis(5));
    };
    assert_eq!(found[0].kind, "damaged");
    assert!(
        found[0].message.contains("proof-of-display.jsonl:2: hash mismatch"),
        "{found:?}"
    );
    assert!(!core.status(t(10)).storage.ok);
    // The disk's free space is in the status too, looked at by the tick.
    let disk = core.status(t(10)).storage.disk;
    assert!(
        disk.as_ref()
            .is_some_and(|d| d.free_bytes > 0 && d.total_bytes >= d.free_bytes),
        "{disk:?}"
    );
}

#[test]
fn old_segments_move_off_the_board_and_both_parts_verify() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let t0: Timestamp = "2026-11-01T02:00:00Z".parse().unwrap();
    let (mut log, _) = pinghu::daemon::proof::ProofLog::open(&data, Disk::new(), "s", t0).unwrap();
    log.set_rotate_at(600);
    // Ten days, three entries a day, a segment every two entries or so.
    for i in 0..30 {
        let at = t0 + SignedDuration::from_hours(8 * i);
        let e = pinghu::daemon::proof::Entry::shown(
            at.to_string(),
            "s".into(),
            format!("item {i}"),
            "rotation".into(),
            "ab".into(),
        );
        log.append(e).unwrap();
    }
    log.sync().unwrap();
    drop(log);
    let (d, arch, arch2) = (
        data.to_str().unwrap().to_owned(),
        dir.path().join("usb-1"),
        dir.path().join("usb-2"),
    );
    let segments_before = pinghu::daemon::proof::segments(&data).len();
    let archive = |before: &str, to: &std::path::Path| {
        pinghu(&[
            "log",
            "archive",
            "--data-dir",
            &d,
            "--before",
            before,
            "--to",
            to.to_str().unwrap(),
            "--tz",
            "UTC",
        ])
    };

    let (code, out, err) = archive("2026-11-05", &arch);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("archived segments 1-"), "{out}");
    let left = pinghu::daemon::proof::segments(&data);
    assert!(
        left.len() < segments_before && pinghu::daemon::proof::layout(&data).first > 1,
        "{left:?}"
    );
    // Nothing before the day stays; nothing from it on went.
    let mut kept = Vec::new();
    pinghu::daemon::proof::for_each_verified_in(&pinghu::daemon::proof::layout(&data), |_, e, _| {
        kept.push(e.at.parse::<Timestamp>().unwrap());
    })
    .unwrap();
    let day: Timestamp = "2026-11-05T00:00:00Z".parse().unwrap();
    assert!(
        kept.iter().filter(|t| **t < day).count() <= 2,
        "at most one segment's worth before the day: {kept:?}"
    );
    assert!(kept.contains(&(t0 + SignedDuration::from_hours(8 * 29))));
    // Both parts verify: here from the archived entry on, there from the first.
    let (code, out, err) = pinghu(&["log", "verify", "--data-dir", &d]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("segments 1-") && out.contains("the chain here continues after entry"),
        "{out}"
    );
    assert!(out.contains("30 entries in"), "{out}");
    let (code, out, err) = pinghu(&["log", "verify", "--data-dir", arch.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}{err}");
    // The daemon opens the rest and goes on.
    let (mut log, found) = pinghu::daemon::proof::ProofLog::open(&data, Disk::new(), "s", t(0)).unwrap();
    assert!(found.is_empty() && log.finish_check(t(0)).is_empty());
    log.append(pinghu::daemon::proof::Entry::shown(
        t(0).to_string(),
        "s".into(),
        "item 30".into(),
        "rotation".into(),
        "ab".into(),
    ))
    .unwrap();
    log.sync().unwrap();
    drop(log);
    assert_eq!(pinghu::daemon::proof::verify_dir(&data).unwrap().entries, 31);
    // A second archiving to another stick: that part verifies on its own too.
    let (code, out, err) = archive("2026-11-08", &arch2);
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) = pinghu(&["log", "verify", "--data-dir", arch2.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, _) = pinghu(&["log", "verify", "--data-dir", &d]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(out.matches("archived 2026").count(), 2, "{out}");
    // The export still starts where the chain here does.
    let (code, out, err) = pinghu(&["log", "export", "--data-dir", &d]);
    assert_eq!(code, 0, "{err}");
    assert!(out.lines().count() >= 5 && out.contains("item 30"), "{out}");
    // A run that stopped after its record (a crash): the next one removes what it left.
    std::fs::copy(arch.join("proof-of-display.jsonl"), data.join("proof-of-display.jsonl")).unwrap();
    let (code, out, err) = archive("2026-11-01", &arch);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("removed 1 segment(s) already archived"), "{out}");
    assert!(!data.join("proof-of-display.jsonl").exists());
    // Never into the data directory itself; nothing left to archive is said so.
    let (code, _, err) = pinghu(&["log", "archive", "--data-dir", &d, "--before", "2027-01-01", "--to", &d]);
    assert_eq!(code, 1);
    assert!(err.contains("is the data directory itself"), "{err}");
    let (code, out, _) = archive("2026-11-01", &arch);
    assert_eq!(code, 0);
    assert!(out.contains("nothing to archive: the oldest segment"), "{out}");
}

/// A configuration naming a playlist, a holiday file and a 12 px font beside it in `dir`.
fn config_with_files(dir: &Path, portal: &Portal) -> Config {
    let text = format!(
        "data_dir = \"data\"\nplaylist = \"playlist.toml\"\ncalendar = \"holidays.toml\"\n\n\
         [fonts]\n12 = \"wqy12.bdf\"\n\n[screen]\nid = \"test-board\"\nwidth = 128\nheight = 32\n\
         colors = \"red-green\"\n\n[device]\nurl = \"tcp://127.0.0.1:9\"\nprotocol = \"bx-6e\"\n\n\
         [mqtt]\nurl = \"mqtt://127.0.0.1:9\"\n\n[portal_keys]\nportal-2026 = \"{}\"\n",
        portal.public
    );
    Config::parse(&text, &dir.join("pinghu.toml")).unwrap()
}

const GOOD: &str = "[[item]]\nid = \"hours\"\ntext = \"办事大厅 8:30-17:00\"\n";

/// The rotation's text the board is given now.
fn rotation_text(core: &mut Core, now: Timestamp) -> Option<String> {
    core.step(now).desired.main.map(|m| m.text)
}

/// Write `text` as the playlist with a modification time `s` seconds on (the daemon looks at
/// the time, as an editor's save changes it).
fn edit_playlist(dir: &Path, text: &str, s: u64) {
    let p = dir.join("playlist.toml");
    std::fs::write(&p, text).unwrap();
    let f = std::fs::File::options().write(true).open(&p).unwrap();
    f.set_modified(std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_800_000_000 + s))
        .unwrap();
}

#[test]
fn a_second_save_within_the_file_times_tick_is_taken() {
    // Two saves within one tick of the file system's clock: the same modification time, the
    // same length. The second is taken all the same (by content), and a save that changes
    // nothing is not taken again.
    let dir = tempfile::tempdir().unwrap();
    let portal = Portal::new();
    let p = dir.path().join("playlist.toml");
    std::fs::write(&p, GOOD).unwrap();
    let stamp = std::fs::metadata(&p).unwrap().modified().unwrap();
    let mut core = Core::open(config_with_files(dir.path(), &portal), Disk::new(), t(0)).unwrap();
    assert_eq!(rotation_text(&mut core, t(1)).as_deref(), Some("办事大厅 8:30-17:00"));
    let second = GOOD.replace("8:30-17:00", "9:00-17:30");
    assert_eq!(second.len(), GOOD.len());
    std::fs::write(&p, &second).unwrap();
    std::fs::File::options()
        .write(true)
        .open(&p)
        .unwrap()
        .set_modified(stamp)
        .unwrap();
    assert_eq!(rotation_text(&mut core, t(2)).as_deref(), Some("办事大厅 9:00-17:30"));
    assert!(core.status(t(2)).playlist.error.is_none());
}

#[test]
fn a_broken_playlist_at_start_runs_the_last_good_copy_and_takes_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let portal = Portal::new();
    edit_playlist(dir.path(), GOOD, 0);
    let cfg = || config_with_files(dir.path(), &portal);
    let last_good = dir.path().join("data").join("playlist.last-good.toml");

    // A good start keeps the copy.
    let mut core = Core::open(cfg(), Disk::new(), t(0)).unwrap();
    assert_eq!(rotation_text(&mut core, t(0)).as_deref(), Some("办事大厅 8:30-17:00"));
    assert!(core.status(t(0)).playlist.error.is_none());
    assert_eq!(std::fs::read_to_string(&last_good).unwrap(), GOOD);
    core.shutdown(t(1));
    drop(core);

    // A typo saved, then a reboot: the board starts on the copy and says why.
    edit_playlist(dir.path(), &format!("{GOOD}dwell_s = \n"), 10);
    let mut core = Core::open(cfg(), Disk::new(), t(10)).unwrap();
    assert_eq!(rotation_text(&mut core, t(10)).as_deref(), Some("办事大厅 8:30-17:00"));
    let status = core.status(t(10));
    let error = status.playlist.error.as_deref().unwrap();
    assert!(error.contains("playlist.toml:4:"), "{error}");
    assert!(
        error.contains("the board runs the last good copy") && error.contains("1 items"),
        "{error}"
    );
    assert!(
        status.playlist.origin.ends_with("playlist.last-good.toml"),
        "{status:?}"
    );
    // Announcements go on as ever.
    let mut acked = Vec::new();
    deliver(&mut core, &portal.publish("storm", 1, "urgent"), t(11), &mut acked);
    assert!(core.step(t(11)).desired.urgent.is_some());
    deliver(&mut core, &portal.revoke("storm", 2), t(12), &mut acked);

    // Another bad edit while running: refused, and the status says what keeps running.
    edit_playlist(dir.path(), "[[item]]\nid = \"x\"\n", 15);
    core.step(t(15));
    let error = core.status(t(15)).playlist.error.unwrap();
    assert!(
        error.contains("playlist.last-good.toml, 1 items) keeps running until"),
        "{error}"
    );

    // The fix is taken at once and becomes the copy.
    let fixed = GOOD.replace("8:30", "9:00");
    edit_playlist(dir.path(), &fixed, 20);
    core.tick(t(20));
    assert_eq!(rotation_text(&mut core, t(20)).as_deref(), Some("办事大厅 9:00-17:00"));
    assert!(core.status(t(20)).playlist.error.is_none());
    assert_eq!(std::fs::read_to_string(&last_good).unwrap(), fixed);
    // A save from the console (or a push from the office) becomes the copy too.
    let saved = GOOD.replace("8:30", "8:00");
    let (first, _) = core.save_playlist(&saved, "admin", "save", t(21)).unwrap();
    assert_eq!(std::fs::read_to_string(&last_good).unwrap(), saved);
    // Every save can be undone: it names the version it replaced, and that version is in the
    // history — the text from before the console, or a hand edit made since the last save.
    let sha = |text: &str| pinghu::daemon::ingest::sha256_hex(text.as_bytes());
    assert_eq!(first.replaced, Some(sha(&fixed)));
    let by_hand = GOOD.replace("8:30", "7:30");
    edit_playlist(dir.path(), &by_hand, 22);
    core.tick(t(22));
    let again = GOOD.replace("8:30", "7:00");
    let (second, _) = core.save_playlist(&again, "admin", "save", t(23)).unwrap();
    assert_eq!(second.replaced, Some(sha(&by_hand)));
    let history = core.playlist_history();
    let actions: Vec<&str> = history.iter().map(|h| h.action.as_str()).collect();
    assert_eq!(actions, ["save", "outside", "save", "initial"], "newest first");
    assert_eq!(core.playlist_version(&sha(&by_hand)).as_deref(), Some(by_hand.as_str()));
    // A save over the newest version keeps no extra copy of it.
    let (third, _) = core.save_playlist(&saved, "admin", "save", t(24)).unwrap();
    assert_eq!(third.replaced, Some(sha(&again)));
    assert_eq!(core.playlist_history().len(), 5);
    core.shutdown(t(24));
    drop(core);

    // With no copy at all (a new board), the board starts with no rotation, and the
    // announcements still show; the copy that cannot be used is named.
    edit_playlist(dir.path(), "[[item]]\nid = \"x\"\n", 30);
    std::fs::write(&last_good, "not a playlist [").unwrap();
    let mut core = Core::open(cfg(), Disk::new(), t(30)).unwrap();
    let status = core.status(t(30));
    assert_eq!(status.playlist.items, 0);
    let error = status.playlist.error.as_deref().unwrap_or_default();
    assert!(
        error.contains("playlist.last-good.toml cannot be used either (")
            && error.contains("so only announcements and warnings show"),
        "{status:?}"
    );
    assert!(core.step(t(31)).desired.blank);
    deliver(&mut core, &portal.publish("flood", 1, "urgent"), t(32), &mut acked);
    let step = core.step(t(32));
    assert!(
        step.desired.main.is_none() && step.desired.urgent.is_some(),
        "{:?}",
        step.desired.layer
    );
}

#[test]
fn a_holiday_file_or_font_that_cannot_be_used_is_left_out_and_named() {
    let dir = tempfile::tempdir().unwrap();
    let portal = Portal::new();
    edit_playlist(dir.path(), GOOD, 0);
    std::fs::write(
        dir.path().join("holidays.toml"),
        "[2027]\nholidays = [\"2027-13-01\"]\n",
    )
    .unwrap();
    // No wqy12.bdf at all.
    let mut core = Core::open(config_with_files(dir.path(), &portal), Disk::new(), t(0)).unwrap();
    assert_eq!(rotation_text(&mut core, t(0)).as_deref(), Some("办事大厅 8:30-17:00"));
    let problems = core.status(t(0)).config_problems;
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(
        problems[0].contains("holidays.toml") && problems[0].ends_with("the built-in calendar applies"),
        "{problems:?}"
    );
    assert!(
        problems[1].starts_with("fonts.12: ")
            && problems[1].contains("wqy12.bdf")
            && problems[1].ends_with("the built-in 12 px font is used"),
        "{problems:?}"
    );
}

#[test]
fn a_first_display_the_disk_did_not_take_is_said_once_after_it_has_room() {
    let portal = Portal::new();
    let dir = tempfile::tempdir().unwrap();
    let disk = Disk::new();
    let mut acked = Vec::new();
    {
        let mut core = Core::open(config(dir.path(), &portal), disk.clone(), t(0)).unwrap();
        deliver(&mut core, &portal.publish("u", 1, "urgent"), t(1), &mut acked);
        core.step(t(1));
        // The disk is full when the notice reaches the glass: nothing is said yet.
        disk.fail(0, u64::MAX, ENOSPC);
        assert!(core.driver_event(shown("u", 1, t(2)), t(2)).is_empty());
        assert!(core.step(t(3)).receipts.is_empty());
        // A power cut now: the state on disk has no first display, and no receipt said one.
    }
    disk.heal();
    let mut core = Core::open(config(dir.path(), &portal), disk.clone(), t(10)).unwrap();
    core.step(t(10));
    let r = core.driver_event(shown("u", 1, t(11)), t(11));
    assert_eq!(r.len(), 1, "{r:?}");
    assert_eq!(
        (r[0].event.as_str(), r[0].at.as_str()),
        ("displayed", t(11).to_string().as_str())
    );
    // Shown again: not a first display.
    assert!(core.driver_event(shown("u", 1, t(12)), t(12)).is_empty());
    // And without a restart: full, then room again — the held receipt goes out once.
    disk.fail(0, u64::MAX, ENOSPC);
    deliver_when_healed(&mut core, &portal, &disk);
}

fn deliver_when_healed(core: &mut Core, portal: &Portal, disk: &Disk) {
    disk.heal();
    let mut acked = Vec::new();
    deliver(core, &portal.publish("v", 1, "urgent"), t(20), &mut acked);
    core.step(t(20));
    disk.fail(0, u64::MAX, ENOSPC);
    assert!(core.driver_event(shown("v", 1, t(21)), t(21)).is_empty());
    disk.heal();
    core.tick(t(23));
    let out = core.step(t(24)).receipts;
    let displayed: Vec<_> = out.iter().filter(|r| r.event == "displayed").collect();
    assert_eq!(displayed.len(), 1, "{out:?}");
    assert!(core.step(t(26)).receipts.iter().all(|r| r.event != "displayed"));
}

#[test]
fn a_board_that_lost_both_state_files_is_not_new_and_refuses_a_replay_of_what_it_revoked() {
    let portal = Portal::new();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let original = portal.publish("r1", 1, "urgent");
    {
        let mut core = Core::open(config(dir.path(), &portal), Disk::new(), t(0)).unwrap();
        let mut acked = Vec::new();
        deliver(&mut core, &original, t(1), &mut acked);
        deliver(&mut core, &portal.revoke("r1", 2), t(2), &mut acked);
        core.shutdown(t(3));
    }
    std::fs::remove_file(data.join("state.json")).unwrap();
    std::fs::remove_file(data.join("state.prev.json")).unwrap();
    // The board key beside them shows the board ran before.
    assert!(data.join("board-key.json").exists());
    let mut core = Core::open(config(dir.path(), &portal), Disk::new(), t(100)).unwrap();
    let status = core.status(t(100));
    let recovery = status.storage.state_recovery.join("\n");
    assert!(recovery.contains("not a new installation"), "{recovery}");
    assert!(!status.storage.ok);
    // An attacker replays the original publication: refused, never shown.
    let r = core
        .ingest(&original, "pinghu/v1/screens/test-board/announcements", t(101))
        .unwrap();
    assert_eq!(r[0].event, "rejected", "{r:?}");
    assert!(
        r[0].reason
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default()
            .contains("recover its state"),
        "{r:?}"
    );
    assert!(core.state().active().is_empty());
}

#[test]
fn a_new_board_killed_before_its_first_message_is_not_taken_for_one_that_lost_its_state() {
    // The first start writes the state at once: a proof log or key written after it can never
    // stand alone, so a kill -9 moments after the first display is not "state lost" (which would
    // refuse, as possible replays, the notices the broker still queues for the board).
    let portal = Portal::new();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    {
        let mut core = Core::open(config(dir.path(), &portal), Disk::new(), t(0)).unwrap();
        assert!(data.join("state.json").exists(), "the first start leaves no state file");
        // The board's key is beside it already: on its own it would say "this board ran before".
        assert!(data.join("board-key.json").exists());
        core.tick(t(1));
        core.step(t(1));
        // Killed: no shutdown, nothing more written.
    }
    let queued = portal.publish("q", 1, "urgent");
    let mut core = Core::open(config(dir.path(), &portal), Disk::new(), t(5)).unwrap();
    let status = core.status(t(5));
    assert!(status.storage.state_recovery.is_empty(), "{status:?}");
    assert!(status.storage.ok, "{status:?}");
    let r = core
        .ingest(&queued, "pinghu/v1/screens/test-board/announcements", t(6))
        .unwrap();
    assert_eq!(r[0].event, "accepted", "{r:?}");
}

#[test]
fn a_deleted_or_replaced_proof_log_is_noticed_at_start() {
    let portal = Portal::new();
    for damage in ["delete", "random", "cut", "edit"] {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        {
            let mut core = Core::open(config(dir.path(), &portal), Disk::new(), t(0)).unwrap();
            let mut acked = Vec::new();
            deliver(&mut core, &portal.publish("p", 1, "urgent"), t(1), &mut acked);
            core.step(t(1));
            core.driver_event(shown("p", 1, t(2)), t(2));
            core.driver_event(shown("p", 1, t(3)), t(3));
            core.shutdown(t(4));
        }
        let log = data.join(pinghu::daemon::proof::FIRST_SEGMENT);
        match damage {
            "delete" => std::fs::remove_file(&log).unwrap(),
            // Whole lines gone, as a power cut takes entries that were never fsynced: the file
            // itself verifies.
            "cut" => {
                let text = std::fs::read_to_string(&log).unwrap();
                let keep: Vec<&str> = text.lines().collect();
                std::fs::write(&log, format!("{}\n", keep[..keep.len() - 1].join("\n"))).unwrap();
                assert!(pinghu::daemon::proof::verify_dir(&data).unwrap().problems().is_empty());
            }
            // A line inside changed: the chain breaks there.
            "edit" => {
                let text = std::fs::read_to_string(&log).unwrap();
                let first = text.lines().next().unwrap();
                let edited = first.replacen("\"screen\":\"test-board\"", "\"screen\":\"test-boarD\"", 1);
                assert_ne!(first, edited);
                std::fs::write(&log, text.replacen(first, &edited, 1)).unwrap();
            }
            _ => std::fs::write(&log, (0..4000u32).map(|i| (i * 7919 % 251) as u8).collect::<Vec<_>>()).unwrap(),
        }
        let core = Core::open(config(dir.path(), &portal), Disk::new(), t(100)).unwrap();
        let status = core.status(t(100));
        assert!(!status.storage.ok, "{damage}");
        let findings = format!("{:?}", status.storage.proof_log);
        assert!(
            findings.contains("are missing") || findings.contains("damaged"),
            "{damage}: {findings}"
        );
        if damage == "edit" {
            // Reported as damage (what follows it is there, only untrusted), not also as missing.
            assert!(
                findings.contains("damaged") && !findings.contains("are missing"),
                "{findings}"
            );
            continue;
        }
        if damage == "random" {
            continue;
        }
        // The gap is in the chain for `log verify` and every later report, and the status
        // publishes the head the log now reaches.
        let report = pinghu::daemon::proof::verify_dir(&data).unwrap();
        assert!(report.problems().is_empty(), "{damage}: {:?}", report.problems());
        let repairs = report.repairs();
        assert_eq!(repairs.len(), 1, "{damage}: {repairs:?}");
        assert!(repairs[0].2.contains("are missing"), "{damage}: {repairs:?}");
        let head = status.storage.proof_head.clone().unwrap();
        assert_eq!(head.seq, report.entries, "{damage}");
        assert_eq!(head.hash, report.last_hash, "{damage}");
        drop(core);
        // Marked once: the next start finds the log as the state last recorded it.
        let core = Core::open(config(dir.path(), &portal), Disk::new(), t(200)).unwrap();
        let status = core.status(t(200));
        assert!(status.storage.proof_log.is_empty(), "{damage}: {status:?}");
    }
}

#[test]
fn a_flood_of_resends_and_replays_costs_no_disk_writes() {
    let portal = Portal::new();
    let dir = tempfile::tempdir().unwrap();
    let disk = Disk::new();
    let mut core = Core::open(config(dir.path(), &portal), disk.clone(), t(0)).unwrap();
    let notice = portal.publish("n", 1, "normal");
    let mut acked = Vec::new();
    deliver(&mut core, &notice, t(1), &mut acked);
    let before = disk.stats().ops;
    // A captured envelope sent a thousand times, and junk: answered, never written.
    for k in 0..1000 {
        let r = core
            .ingest(&notice, "pinghu/v1/screens/test-board/announcements", t(2))
            .unwrap();
        assert_eq!(r[0].event, "held", "{k}");
        let r = core
            .ingest(b"junk", "pinghu/v1/screens/test-board/announcements", t(2))
            .unwrap();
        assert_eq!(r[0].event, "rejected");
    }
    assert_eq!(disk.stats().ops, before, "no write for what changed nothing");
    // The notice's history notes the resends, on disk with the next lazy write.
    core.tick(t(2 + 61));
    assert!(disk.stats().ops > before);
    assert!(core.state().outbox.iter().all(|r| r.event != "held"));
}

/// One thing that happens to a board during the day of [`day`].
#[derive(Clone)]
enum Act {
    /// The broker offers a message (until it is acknowledged).
    Deliver(Vec<u8>),
    /// The card confirms it shows an announcement.
    Shown(&'static str, u64),
    /// The scheduler runs (and the housekeeping before it).
    Step,
}

/// A day of traffic, as `(seconds after 10:00, act)`: notices published, shown, replaced,
/// revoked and sent again, a forgery, an exact resend of a revocation, a replay of what was
/// revoked, the rotation running, a report made after midnight.
fn day(portal: &Portal) -> Vec<(i64, Act)> {
    let notice = |id: &str, rev: u64, priority: &str, at: i64| {
        portal.envelope(
            &serde_json::json!({"id": id, "revision": rev, "action": "publish", "priority": priority,
                "body": format!("通知 {id} 第{rev}版"), "issued_at": t(at - 5).to_string(),
                "valid_until": t(at + 30 * 3600).to_string()}),
            false,
        )
    };
    let revoke = |id: &str, rev: u64, at: i64| {
        portal.envelope(
            &serde_json::json!({"id": id, "revision": rev, "action": "revoke", "issued_at": t(at - 5).to_string()}),
            false,
        )
    };
    let h = 3600;
    let a1 = notice("a", 1, "normal", 10);
    let u1 = notice("u", 1, "urgent", 2 * h);
    let u_off = revoke("u", 2, 3 * h);
    vec![
        (0, Act::Step),
        (10, Act::Deliver(a1.clone())),
        (11, Act::Step),
        (12, Act::Shown("a", 1)),
        (70, Act::Step),
        (2 * h, Act::Deliver(u1.clone())),
        (2 * h + 1, Act::Shown("u", 1)),
        (2 * h + 2, Act::Deliver(u1.clone())),
        (
            2 * h + 3,
            Act::Deliver(portal.envelope(&serde_json::json!({"id": "f", "revision": 1}), true)),
        ),
        (2 * h + 60, Act::Shown("u", 1)),
        (3 * h, Act::Deliver(u_off.clone())),
        (3 * h + 1, Act::Deliver(u_off)),
        (3 * h + 2, Act::Deliver(u1)),
        (3 * h + 3, Act::Step),
        (5 * h, Act::Deliver(notice("b", 1, "normal", 5 * h))),
        (5 * h + 1, Act::Deliver(notice("a", 2, "normal", 5 * h + 1))),
        (5 * h + 2, Act::Step),
        (5 * h + 3, Act::Shown("a", 2)),
        (5 * h + 9, Act::Shown("b", 1)),
        (5 * h + 15, Act::Shown("a", 2)),
        (5 * h + 16, Act::Deliver(a1)),
        (8 * h, Act::Step),
        (8 * h + 1, Act::Deliver(notice("c", 1, "urgent", 8 * h + 1))),
        (8 * h + 2, Act::Shown("c", 1)),
        (8 * h + 3, Act::Deliver(revoke("c", 2, 8 * h + 3))),
        (8 * h + 4, Act::Step),
        // After midnight, local time: yesterday's play report is made.
        (14 * h + 10 * 60, Act::Step),
        (
            14 * h + 11 * 60,
            Act::Deliver(notice("d", 1, "normal", 14 * h + 11 * 60)),
        ),
        (14 * h + 11 * 60 + 1, Act::Shown("d", 1)),
        (20 * h, Act::Step),
    ]
}

/// What one act let out of the machine: receipts (the broker has them once the daemon publishes)
/// and, for a message, whether the broker got its acknowledgement.
fn act(core: &mut Core, a: &Act, now: Timestamp) -> (Vec<Receipt>, bool) {
    core.tick(now);
    match a {
        Act::Deliver(bytes) => match core.ingest(bytes, "pinghu/v1/screens/test-board/announcements", now) {
            Ok(r) => (r, true),
            Err(_) => (Vec::new(), false),
        },
        Act::Shown(id, rev) => (core.driver_event(shown(id, *rev, now), now), false),
        Act::Step => (core.step(now).receipts, false),
    }
}

#[test]
fn a_power_cut_at_every_write_fsync_and_rename_of_a_day_keeps_every_promise() {
    // As SQLite tests itself: the day runs once per operation the daemon makes on its disk, the
    // power failing at that operation; the disk then holds only what was fsynced (a folder's
    // names only as of its last fsync), the daemon starts again on it and the day goes on, the
    // broker offering again what it had no acknowledgement for.
    let portal = Portal::new();
    let script = day(&portal);
    let run = |cut_at: Option<u64>| {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let disk = Disk::new();
        disk.record_power(&data).unwrap();
        if let Some(n) = cut_at {
            disk.power_fails_at(n);
        }
        let mut out: Vec<Receipt> = Vec::new();
        let mut next = 0;
        // Before the cut: what each act let out, unless the power failed during it.
        if let Ok(mut core) = Core::open(config(dir.path(), &portal), disk.clone(), t(0))
            && !disk.power_failed()
        {
            for (at, a) in &script {
                let (receipts, _) = act(&mut core, a, t(*at));
                if disk.power_failed() {
                    break;
                }
                out.extend(receipts);
                next += 1;
            }
        }
        let ops = disk.stats().ops;
        let cut = disk.power_failed();
        disk.cut_power().unwrap();
        (dir, out, next, ops, cut)
    };
    let (clean_dir, clean, _, ops, _) = run(None);
    let clean_state = Store::open(&clean_dir.path().join("data"), Disk::new(), t(90_000))
        .unwrap()
        .state;
    let clean_outcome = summary(&clean_state, Vec::new()).announcements;
    let events: Vec<String> = clean.iter().map(ToString::to_string).collect();
    assert!(
        events.iter().filter(|e| e.starts_with("displayed")).count() >= 5,
        "{events:?}"
    );
    assert!(
        events.iter().any(|e| e.starts_with("held u r1")) && events.iter().any(|e| e.starts_with("held u r2")),
        "{events:?}"
    );
    assert!(ops > 100, "the day makes {ops} operations");
    let mut cuts = 0;
    for n in 0..ops {
        let (dir, before, next, _, cut) = run(Some(n));
        assert!(cut, "operation {n} was never reached");
        cuts += 1;
        let data = dir.path().join("data");
        let restart = t(script.get(next).map_or(80_000, |(at, _)| *at));
        let mut core = Core::open(config(dir.path(), &portal), Disk::new(), restart).unwrap();
        let status = core.status(restart);
        // The state is never harmed by a cut, and the proof log never lacks what the state counts.
        assert!(status.storage.state_recovery.is_empty(), "cut at {n}: {status:?}");
        assert!(status.storage.proof_log.is_empty(), "cut at {n}: {status:?}");
        let state = core.state().clone();
        // Every receipt that left the machine and was not best-effort is still owed (nothing
        // was acknowledged by the broker here), so none is lost.
        for r in before.iter().filter(|r| !r.is_best_effort()) {
            assert!(
                state.outbox.contains(r),
                "cut at {n}: {r} left the machine and is gone: {:?}",
                state.outbox
            );
        }
        // Every accepted or revoked revision is stored.
        for r in before.iter().filter(|r| r.event == "accepted" || r.event == "revoked") {
            let (id, rev) = (r.id.clone().unwrap(), r.revision.unwrap());
            assert!(
                state.revisions.get(&id).is_some_and(|&have| have >= rev),
                "cut at {n}: {r} lost"
            );
        }
        // Every display announced has its proof entry on the disk.
        let mut proof = Vec::new();
        let report = pinghu::daemon::proof::for_each_verified(&pinghu::daemon::proof::segments(&data), |e, _| {
            proof.push((e.content.clone(), e.at.clone()));
        })
        .unwrap();
        assert!(report.problems().is_empty(), "cut at {n}: {:?}", report.problems());
        for r in before.iter().filter(|r| r.event == "displayed") {
            let content = format!("announcement {} r{}", r.id.as_deref().unwrap(), r.revision.unwrap());
            assert!(
                proof.contains(&(content, r.at.clone())),
                "cut at {n}: {r} has no proof entry: {proof:?}"
            );
        }
        // The day goes on from the act the cut interrupted; the broker offers again what it had
        // no acknowledgement for (that act's message, if it was one).
        let mut after = Vec::new();
        for (at, a) in &script[next..] {
            after.extend(act(&mut core, a, t(*at)).0);
        }
        // A replay of what was revoked is never accepted or shown.
        let u1 = script.iter().find(|(at, _)| *at == 2 * 3600).unwrap();
        let (replayed, _) = act(&mut core, &u1.1, t(21 * 3600));
        assert!(
            replayed.iter().all(|r| r.event != "accepted"),
            "cut at {n}: {replayed:?}"
        );
        // The board ends the day as the one without a cut did.
        assert_eq!(
            summary(core.state(), Vec::new()).announcements,
            clean_outcome,
            "cut at {n}"
        );
        // Nothing is said to be displayed twice with different times; everything displayed in the
        // day without a cut is said once.
        let mut displayed: BTreeMap<(String, u64), std::collections::BTreeSet<String>> = BTreeMap::new();
        for r in before
            .iter()
            .chain(&after)
            .chain(&core.state().outbox)
            .filter(|r| r.event == "displayed")
        {
            displayed
                .entry((r.id.clone().unwrap(), r.revision.unwrap()))
                .or_default()
                .insert(r.at.clone());
        }
        for (k, times) in &displayed {
            assert_eq!(times.len(), 1, "cut at {n}: {k:?} displayed at {times:?}");
        }
        let clean_displayed: std::collections::BTreeSet<(String, u64)> = clean
            .iter()
            .filter(|r| r.event == "displayed")
            .map(|r| (r.id.clone().unwrap(), r.revision.unwrap()))
            .collect();
        assert_eq!(
            displayed.keys().cloned().collect::<std::collections::BTreeSet<_>>(),
            clean_displayed,
            "cut at {n}"
        );
    }
    println!("{cuts} power cuts, one at each of the day's {ops} disk operations: every promise held");
}
