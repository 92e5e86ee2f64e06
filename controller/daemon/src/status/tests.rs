use serde_json::json;

use super::*;

/// A status with every optional part present, as the daemon writes it.
fn full() -> Status {
    let t = |s: &str| s.parse::<Timestamp>().unwrap();
    Status {
        online: true,
        screen: "board-001".into(),
        groups: vec!["yiling-all".into()],
        version: "0.1.0".into(),
        device: Device {
            url: "sim:".into(),
            protocol: Some("sdk6".into()),
            link: Link::Up,
            last_error: None,
            last_error_zh: None,
            card_time: Some("2026-12-04 12:00:00".into()),
            drift_s: Some(0),
            card: Some(Card {
                model: Some("A3".into()),
                firmware: "1.0".into(),
                width: 128,
                height: 32,
                size: "128x32".into(),
                colors: "red".into(),
                size_matches: true,
                size_warning: None,
                size_warning_zh: None,
            }),
            power_control: Some(PowerControl::A205),
            flash: Some(Flash {
                writes: 1,
                ..Flash::default()
            }),
        },
        mqtt: MqttState::Connected,
        broker: Broker {
            protocol: "5".into(),
            client_id: "pinghu-board-001".into(),
            client_id_conflict: Some(t("2026-12-04T11:00:00Z")),
            ..Broker::default()
        },
        showing: Some(Showing {
            content: "item welcome".into(),
            area: 0,
            layer: Layer::Rotation,
            frame_sha256: "ab".into(),
            since: Some(t("2026-12-04T11:59:00Z")),
        }),
        layer: Layer::Rotation,
        brightness: 12,
        power: Power::On,
        overrides: Override {
            brightness: Some(OverrideBrightness {
                level: 3,
                until: t("2026-12-04T13:00:00Z"),
            }),
            power: None,
        },
        clock: Clock {
            daemon: Some(t("2026-12-04T12:00:00.5Z")),
            card: None,
            drift_s: None,
            trusted: false,
            check: ClockCheck::FarFromPortal { offset_s: -700 },
        },
        queue: Queue {
            announcements: 2,
            active: 1,
            urgent: 0,
        },
        alerts: Alerts {
            default_lifetime: "6h".into(),
            location: Some((30.7, 111.3)),
            ..Alerts::default()
        },
        reports: Reports {
            last: Some(jiff::civil::date(2026, 12, 3)),
            ..Reports::default()
        },
        office: Office {
            calendar: CalendarApplied {
                years: vec![2026],
                missing: Some(vec![2027]),
                ..CalendarApplied::default()
            },
            keys: KeysApplied {
                retiring: [("portal-2026".to_owned(), t("2027-01-31T00:00:00Z"))].into(),
                ..KeysApplied::default()
            },
            last: Some(LastOffice {
                kind: OfficeKind::Calendar,
                event: Some(ReceiptEvent::Applied),
                revision: Some(3),
                reason: None,
                reason_zh: None,
                at: Some(t("2026-12-04T10:00:00Z")),
            }),
            ..Office::default()
        },
        playlist: PlaylistStatus {
            origin: "playlist.toml".into(),
            items: 3,
            error: None,
            error_zh: None,
        },
        config_problems: vec![],
        config_problems_zh: vec![],
        console: Some(Console {
            listen: "127.0.0.1:8080".into(),
            error: None,
        }),
        storage: Storage {
            ok: true,
            proof_head: Some(ProofHead {
                seq: 4,
                hash: "cd".into(),
            }),
            disk: Some(Disk {
                free_bytes: 10,
                total_bytes: 20,
                low: false,
            }),
            ..Storage::default()
        },
    }
}

use crate::ingest::ReceiptEvent;

/// The wire form is the contract (docs/mqtt.md): the keys, their order and the shapes of the values
/// the document had when it was built by hand.
#[test]
fn the_wire_form_is_the_documented_one() {
    let v = full().to_value();
    let expected = json!({
        "online": true, "screen": "board-001", "groups": ["yiling-all"], "version": "0.1.0",
        "device": {"url": "sim:", "protocol": "sdk6", "link": "up", "last_error": null, "last_error_zh": null,
                   "card_time": "2026-12-04 12:00:00", "drift_s": 0,
                   "card": {"model": "A3", "firmware": "1.0", "width": 128, "height": 32, "size": "128x32",
                            "colors": "red", "size_matches": true, "size_warning": null, "size_warning_zh": null},
                   "power_control": "a2-05",
                   "flash": {"program_sha256": null, "writes": 1, "writes_today": 0, "last_write": null, "note": null}},
        "mqtt": "connected",
        "broker": {"protocol": "5", "client_id": "pinghu-board-001", "session_present": null, "session_expiry_s": null,
                   "last_error": null, "last_error_zh": null, "client_id_conflict": "2026-12-04T11:00:00Z", "intake_backlog": 0,
                   "receipts_dropped": 0},
        "showing": {"content": "item welcome", "area": 0, "layer": "rotation", "frame_sha256": "ab",
                    "since": "2026-12-04T11:59:00Z"},
        "layer": "rotation", "brightness": 12, "power": "on",
        "override": {"brightness": {"level": 3, "until": "2026-12-04T13:00:00Z"}, "power": null},
        "clock": {"daemon": "2026-12-04T12:00:00.5Z", "card": null, "drift_s": null, "trusted": false,
                  "check": {"state": "far-from-portal", "offset_s": -700}},
        "queue": {"announcements": 2, "active": 1, "urgent": 0},
        "alerts": {"active": 0, "default_lifetime": "6h", "geocodes": [], "location": [30.7, 111.3],
                   "show_exercises": false, "last": null},
        "reports": {"board_key": null, "board_key_error": null, "last": "2026-12-03", "error": null},
        "office": {"calendar": {"revision": null, "applied_at": null, "years": [2026], "missing": [2027]},
                   "playlist": {"revision": null, "applied_at": null, "local_edit": null},
                   "pictures": {}, "removals_waiting": [],
                   "keys": {"revision": null, "in_force": [], "retiring": {"portal-2026": "2027-01-31T00:00:00Z"}},
                   "last": {"kind": "calendar", "event": "applied", "revision": 3, "reason": null, "reason_zh": null,
                            "at": "2026-12-04T10:00:00Z"}},
        "playlist": {"origin": "playlist.toml", "items": 3, "error": null, "error_zh": null},
        "config_problems": [], "config_problems_zh": [],
        "console": {"listen": "127.0.0.1:8080", "error": null},
        "storage": {"ok": true, "write_error": null, "state_recovery": [], "replay_horizon": null,
                    "revisions_kept": 0, "forgotten_before": null, "proof_log": [], "proof_entries": null,
                    "proof_head": {"seq": 4, "hash": "cd"}, "proof_pending": 0, "proof_dropped": null,
                    "disk": {"free_bytes": 10, "total_bytes": 20, "low": false}},
    });
    // Byte for byte, key order included (serde_json keeps insertion order here).
    assert_eq!(v.to_string(), expected.to_string());
    // And it reads back as it was.
    assert_eq!(Status::from_json(v.to_string().as_bytes()).unwrap(), full());
    let check = |c: ClockCheck| serde_json::to_value(c).unwrap();
    assert_eq!(check(ClockCheck::Trusted), json!({"state": "trusted"}));
    assert_eq!(check(ClockCheck::BeforeBuild), json!({"state": "before-build"}));
}

#[test]
fn a_last_will_reads_as_an_offline_status() {
    let will = serde_json::to_vec(&LastWill {
        online: false,
        screen: "b",
        groups: &["g".to_owned()],
        version: "0.1.0",
    })
    .unwrap();
    assert_eq!(
        will,
        br#"{"online":false,"screen":"b","groups":["g"],"version":"0.1.0"}"#
    );
    let s = Status::from_json(&will).unwrap();
    assert!(!s.online && s.in_group("g") && !s.is_report());
    assert_eq!(
        (s.mqtt, s.power, s.device.link),
        (MqttState::Unknown, Power::Unknown, Link::Unknown)
    );
}

/// A newer board may say more, and words this reader does not know yet; an older one less.
#[test]
fn reading_is_tolerant_and_junk_is_an_error() {
    let s = Status::from_json(
        br#"{"online": true, "mqtt": "sleeping", "layer": "festival", "power": "dimmed",
             "clock": {"daemon": "2026-12-04T12:00:00Z", "check": {"state": "radio-synced"}},
             "device": {"link": "up", "new_field": 1}, "something_new": {"a": [1]}}"#,
    )
    .unwrap();
    assert_eq!(
        (s.mqtt, s.layer, s.power),
        (MqttState::Unknown, Layer::Unknown, Power::Unknown)
    );
    assert_eq!(s.clock.check, ClockCheck::Unknown);
    assert_eq!(s.device.link, Link::Up);
    assert!(s.is_report() && s.console.is_none() && s.storage.disk.is_none());
    for junk in [
        &b"not json"[..],
        b"[1, 2]",
        b"null",
        br#"{"online": "yes"}"#,
        br#"{"brightness": 300}"#,
    ] {
        assert!(Status::from_json(junk).is_err(), "{}", String::from_utf8_lossy(junk));
    }
}
