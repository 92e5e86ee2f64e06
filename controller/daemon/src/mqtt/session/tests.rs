//! The MQTT loop's decisions on a virtual clock: a burst, a failing disk for minutes, a full
//! request queue, a flood of junk, outages and a shared client id, each in microseconds.

use std::time::Duration;

use pinghu_playlists::problem::Said;
use tokio::time::Instant;

use super::{Action, MAX_BEST_EFFORT, MAX_WAITING, Session};
use crate::ingest::{Receipt, ReceiptEvent};
use crate::mqtt::link::{Delivery, Happening, Loss};
use crate::mqtt::{RECONNECT_MAX, TAKEN_OVER_PAUSE};

fn session() -> (Session, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let text = "data_dir = \"data\"\n\n[screen]\nid = \"s1\"\nwidth = 64\nheight = 16\ncolors = \"mono\"\n\n\
                [device]\nurl = \"tcp://127.0.0.1:9\"\nprotocol = \"bx-6e\"\n\n[mqtt]\nurl = \"mqtt://127.0.0.1:9\"\n";
    let cfg = crate::config::Config::parse(text, &dir.path().join("pinghu.toml")).unwrap();
    (Session::new(&cfg), dir)
}

fn message(n: u16) -> Happening {
    Happening::Message {
        topic: "pinghu/v1/screens/s1/announcements".into(),
        payload: format!("message {n}").into_bytes(),
        delivery: Delivery::qos1(n),
    }
}

fn accepted(n: u16) -> Receipt {
    Receipt::new(
        Some(&format!("n{n}")),
        Some(1),
        ReceiptEvent::Accepted,
        jiff::Timestamp::now(),
    )
}

fn rejected() -> Receipt {
    Receipt::new(None, None, ReceiptEvent::Rejected, jiff::Timestamp::now()).with_reason(
        crate::reason::Reason::Envelope(crate::envelope::Rejection::PayloadNotUtf8),
    )
}

fn lost(why: Loss) -> Happening {
    Happening::Lost {
        reason: Said {
            en: "connection refused".into(),
            zh: "连接被拒绝".into(),
        },
        why,
    }
}

/// Everything the session wants done now, with `waiting` publishes in the request queue.
fn drain(s: &mut Session, waiting: usize, now: Instant) -> Vec<Action> {
    std::iter::from_fn(|| s.poll(waiting, now)).collect()
}

/// What a message's payload says it is ("message 3" → 3).
fn payload_no(payload: &[u8]) -> u16 {
    std::str::from_utf8(payload)
        .unwrap()
        .trim_start_matches("message ")
        .parse()
        .unwrap()
}

#[test]
fn a_connect_subscribes_and_reports_and_messages_are_stored_then_acknowledged_in_order() {
    let (mut s, _d) = session();
    let t0 = Instant::now();
    s.handle(
        Happening::Connected {
            session_present: false,
            session_expiry_s: None,
        },
        t0,
    );
    let first = drain(&mut s, 0, t0);
    assert!(
        matches!(&first[0], Action::Subscribe(t) if t.contains("s1")),
        "{first:?}"
    );
    assert!(
        matches!(first.last(), Some(Action::Report(l)) if l.connected),
        "{first:?}"
    );

    for n in 1..=3 {
        s.handle(message(n), t0);
    }
    // One message at a time goes to the core, in the order they came; each stored one's receipt
    // is queued at once, and the acknowledgements wait until the broker has the receipts (they
    // share the request queue: a board that cannot answer slows the broker down).
    let mut log = Vec::new();
    let mut queued = 0;
    loop {
        match s.poll(queued, t0) {
            Some(Action::Store { payload, .. }) => {
                let n = payload_no(&payload);
                assert!(s.poll(queued, t0).is_none_or(|a| !matches!(a, Action::Store { .. })));
                log.push(format!("store {n}"));
                s.stored(Ok(vec![accepted(n)]), queued, t0);
            }
            Some(Action::Send(r)) => {
                queued += 1;
                log.push(format!("send {}", r.id.unwrap()));
            }
            Some(Action::Ack(d)) => log.push(format!("{d:?}")),
            Some(other) => panic!("{other:?}"),
            None if queued > 0 => {
                queued = 0;
                log.push("published".into());
            }
            None => break,
        }
    }
    let ack = |n| format!("{:?}", Delivery::qos1(n));
    assert_eq!(
        log,
        [
            "store 1".into(),
            "send n1".into(),
            "store 2".into(),
            "send n2".into(),
            "store 3".into(),
            "send n3".into(),
            "published".into(),
            ack(1),
            ack(2),
            ack(3)
        ]
    );
}

#[test]
fn a_disk_that_fails_for_ten_minutes_loses_nothing_backs_off_to_30_s_and_keeps_the_order() {
    let (mut s, _d) = session();
    let t0 = Instant::now();
    for n in 1..=5 {
        s.handle(message(n), t0);
    }
    let mut now = t0;
    let mut tries = 0;
    let mut longest = Duration::ZERO;
    // The disk refuses every write for ten minutes.
    while now < t0 + Duration::from_secs(600) {
        let actions = drain(&mut s, 0, now);
        let stores: Vec<_> = actions
            .iter()
            .filter_map(|a| match a {
                Action::Store { payload, .. } => Some(payload_no(payload)),
                _ => None,
            })
            .collect();
        assert!(
            !actions.iter().any(|a| matches!(a, Action::Ack(_) | Action::Send(_))),
            "{actions:?}"
        );
        if let [first] = stores[..] {
            assert_eq!(first, 1, "the first message is tried first, always");
            tries += 1;
            s.stored(Err(std::io::Error::other("No space left on device")), 0, now);
        }
        let next = s.poll_timeout().expect("a retry is planned while messages wait");
        longest = longest.max(next - now);
        now = next;
    }
    assert!(longest <= Duration::from_secs(30), "{longest:?}");
    assert!(longest >= Duration::from_secs(15), "backoff did not grow: {longest:?}");
    assert!((20..=80).contains(&tries), "{tries} tries in ten minutes");
    // The status said messages pile up? Five is below the first order of magnitude: no.
    assert_eq!(s.link().backlog, 0);

    // The disk is back: all five, in order, then their acknowledgements in order.
    let mut order = Vec::new();
    let mut acks = Vec::new();
    while let Some(a) = s.poll(0, now) {
        match a {
            Action::Store { payload, .. } => {
                let n = payload_no(&payload);
                order.push(n);
                s.stored(Ok(vec![accepted(n)]), 0, now);
            }
            Action::Ack(d) => acks.push(d),
            _ => {}
        }
    }
    assert_eq!(order, [1, 2, 3, 4, 5]);
    assert_eq!(acks, (1..=5).map(Delivery::qos1).collect::<Vec<_>>());
    assert_eq!(s.poll_timeout(), None, "nothing waits any more");
}

#[test]
fn memory_is_bounded_while_the_disk_fails_and_the_status_says_how_much_waits() {
    let (mut s, _d) = session();
    let t0 = Instant::now();
    s.handle(message(0), t0);
    assert!(matches!(s.poll(0, t0), Some(Action::Store { .. })));
    s.stored(Err(std::io::Error::other("read-only file system")), 0, t0);
    for n in 1..200 {
        s.handle(message(n), t0);
    }
    assert_eq!(s.waiting.len(), MAX_WAITING, "the rest stay with the broker");
    let reports: Vec<_> = drain(&mut s, 0, t0)
        .into_iter()
        .filter_map(|a| match a {
            Action::Report(l) => Some(l.backlog),
            _ => None,
        })
        .collect();
    assert_eq!(reports, [64]);
    // The link drops: the broker sends them all again on the next connect; nothing is held.
    s.handle(lost(Loss::Other), t0);
    let after = drain(&mut s, 0, t0);
    assert!(after.iter().any(|a| matches!(a, Action::Pause(_))), "{after:?}");
    assert!(s.waiting.is_empty() && s.acks.is_empty());
    assert_eq!(s.poll_timeout(), None);
}

#[test]
fn an_acknowledgement_that_finds_the_queue_full_waits_first_in_line_and_is_never_dropped() {
    let (mut s, _d) = session();
    let t0 = Instant::now();
    for n in 1..=2 {
        s.handle(message(n), t0);
        assert!(matches!(s.poll(0, t0), Some(Action::Store { .. })));
        s.stored(Ok(Vec::new()), 0, t0);
    }
    let Some(Action::Ack(d)) = s.poll(0, t0) else { panic!() };
    assert_eq!(d, Delivery::qos1(1));
    s.ack_refused(d);
    // Not tried again in a busy loop: only after the link brought something.
    assert!(s.poll(0, t0).is_none());
    s.handle(Happening::Nothing, t0);
    let acks: Vec<_> = drain(&mut s, 0, t0)
        .into_iter()
        .filter_map(|a| match a {
            Action::Ack(d) => Some(d),
            _ => None,
        })
        .collect();
    assert_eq!(acks, [Delivery::qos1(1), Delivery::qos1(2)]);
}

#[test]
fn a_flood_of_junk_is_answered_best_effort_and_counted_while_real_receipts_always_go() {
    let (mut s, _d) = session();
    let t0 = Instant::now();
    s.handle(message(1), t0);
    assert!(matches!(s.poll(0, t0), Some(Action::Store { .. })));
    // The queue is full of receipts already: junk's answers are counted, an acceptance goes.
    s.stored(
        Ok(vec![rejected(), rejected(), accepted(1), rejected()]),
        MAX_BEST_EFFORT,
        t0,
    );
    let sent: Vec<_> = drain(&mut s, MAX_BEST_EFFORT, t0)
        .into_iter()
        .filter_map(|a| match a {
            Action::Send(r) => Some(r.event),
            _ => None,
        })
        .collect();
    assert_eq!(sent, [ReceiptEvent::Accepted]);
    assert_eq!(s.link().receipts_dropped, 2, "3 dropped, said by its power of two");
}

#[test]
fn outages_back_off_to_30_s_and_a_shared_client_id_pauses_10_s_and_is_reported() {
    let (mut s, _d) = session();
    let mut now = Instant::now();
    let mut longest = Duration::ZERO;
    for _ in 0..20 {
        s.handle(lost(Loss::Other), now);
        let pause = drain(&mut s, 0, now)
            .into_iter()
            .find_map(|a| match a {
                Action::Pause(d) => Some(d),
                _ => None,
            })
            .unwrap();
        longest = longest.max(pause);
        now += pause;
    }
    assert!(
        longest > Duration::from_secs(8) && longest <= RECONNECT_MAX,
        "{longest:?}"
    );
    assert!(!s.link().connected);
    assert_eq!(s.link().last_error_zh.as_deref(), Some("连接被拒绝"));

    // The broker says another client took the session: a fixed pause, and the status names it.
    s.handle(
        Happening::Connected {
            session_present: true,
            session_expiry_s: None,
        },
        now,
    );
    drain(&mut s, 0, now);
    s.handle(lost(Loss::TakenOver), now);
    let actions = drain(&mut s, 0, now);
    assert!(
        actions
            .iter()
            .any(|a| matches!(a, Action::Pause(d) if *d == TAKEN_OVER_PAUSE)),
        "{actions:?}"
    );
    let report = actions
        .iter()
        .find_map(|a| match a {
            Action::Report(l) => Some(l),
            _ => None,
        })
        .unwrap();
    assert!(report.client_id_conflict.is_some() && !report.connected);
    assert!(
        report.last_error.as_deref().unwrap().contains("client id"),
        "{report:?}"
    );
}

#[test]
fn an_oversized_message_is_refused_at_once_unless_it_would_overtake_a_waiting_one() {
    let (mut s, _d) = session();
    let t0 = Instant::now();
    let big = |n| Happening::Oversized {
        topic: "pinghu/v1/screens/s1/announcements".into(),
        size: 9 << 20,
        delivery: Delivery::qos1(n),
    };
    s.handle(big(7), t0);
    let actions = drain(&mut s, 0, t0);
    assert!(
        matches!(&actions[0], Action::Send(r) if r.event == ReceiptEvent::Rejected
            && r.reason.as_ref().is_some_and(|w| w.to_string().contains("message_size_limit"))),
        "{actions:?}"
    );
    assert!(matches!(actions[1], Action::Ack(d) if d == Delivery::qos1(7)));
    // Behind a message the disk has not taken, it is let go for the broker to send again.
    s.handle(message(1), t0);
    assert!(matches!(s.poll(0, t0), Some(Action::Store { .. })));
    s.stored(Err(std::io::Error::other("disk full")), 0, t0);
    s.handle(big(8), t0);
    assert!(drain(&mut s, 0, t0).is_empty());
}
