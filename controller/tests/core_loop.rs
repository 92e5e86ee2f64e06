//! The core's loop as a sans-IO state machine, driven with a virtual clock and no thread,
//! channel or process: messages and driver reports go in through `handle_message` and `handle`,
//! time through `handle_timeout`, and what the core decided comes out of `poll_*`. The clock jumps
//! from one `poll_timeout` to the next, so two hours of a board's life take milliseconds.

use std::path::Path;

use jiff::{SignedDuration, Timestamp};
use pinghu::daemon::config::Config;
use pinghu::daemon::core::{Change, Core, Frame, Input, Live, PLAYLIST_WATCH};
use pinghu::daemon::disk::Disk;
use pinghu::daemon::driver::DriverEvent;
use pinghu::daemon::ingest::{Receipt, ReceiptEvent};
use pinghu_playlists::{ContentKey, Layer};

const T0: &str = "2026-12-01T02:00:00Z"; // 10:00 on a Tuesday in Yiling
const TOPIC: &str = "pinghu/v1/screens/loop-board/announcements";

fn t(offset_s: i64) -> Timestamp {
    T0.parse::<Timestamp>().unwrap() + SignedDuration::from_secs(offset_s)
}

struct Portal {
    secret: String,
    public: String,
}

impl Portal {
    fn new() -> Self {
        let (secret, public) = pinghu::daemon::envelope::keygen().unwrap();
        Self { secret, public }
    }

    fn urgent(&self, id: &str, valid_for_s: i64) -> Vec<u8> {
        let payload = serde_json::json!({"id": id, "revision": 1, "action": "publish", "priority": "urgent",
            "title": "停水通知", "body": "今晚22时起东山大道停水", "issued_at": t(-5).to_string(),
            "valid_until": t(valid_for_s).to_string()});
        let env = pinghu::daemon::envelope::sign(payload.to_string().as_bytes(), "portal-2026", &self.secret).unwrap();
        serde_json::to_vec(&env).unwrap()
    }
}

fn open(dir: &Path, portal: &Portal) -> Core {
    let text = format!(
        "data_dir = \"data\"\n\n[screen]\nid = \"loop-board\"\nwidth = 128\nheight = 32\ncolors = \"red-green\"\n\n\
         [device]\nurl = \"tcp://127.0.0.1:9\"\nprotocol = \"bx-6e\"\n\n[mqtt]\nurl = \"mqtt://127.0.0.1:9\"\n\n\
         [portal_keys]\nportal-2026 = \"{}\"\n",
        portal.public
    );
    let cfg = Config::parse(&text, &dir.join("pinghu.toml")).unwrap();
    Core::open(cfg, Disk::new(), t(0)).unwrap()
}

fn drain_live(core: &mut Core) -> Vec<Live> {
    std::iter::from_fn(|| core.poll_live()).collect()
}

fn drain_receipts(core: &mut Core) -> Vec<Receipt> {
    std::iter::from_fn(|| core.poll_receipt()).collect()
}

#[test]
fn an_urgent_notice_is_planned_shown_receipted_and_expires_on_a_virtual_clock() {
    let dir = tempfile::tempdir().unwrap();
    let portal = Portal::new();
    let mut core = open(dir.path(), &portal);

    // At start the core wants to plan at once, and then has a board for the driver.
    assert_eq!(core.poll_timeout(t(0)), t(0));
    core.handle_timeout(t(0));
    let first = core.poll_desired().expect("the first plan is a board to show");
    assert!(first.urgent.is_none());
    assert!(core.poll_desired().is_none(), "a board is handed over once per change");
    assert!(core.poll_status_changed());
    let next = core.poll_timeout(t(0));
    assert!(next > t(0) && next <= t(0) + PLAYLIST_WATCH, "{next}");

    // Nothing changed: running the timer again plans an equal board, which is not handed over.
    core.handle_timeout(next);
    assert!(core.poll_desired().is_none());

    // A message: its answer comes back with it (the MQTT task publishes it with the message's
    // acknowledgement), reaches the live stream, and makes the core plan again at once.
    let now = t(1);
    let answer = core.handle_message(&portal.urgent("water", 7200), TOPIC, now).unwrap();
    assert_eq!(answer.len(), 1);
    assert_eq!(answer[0].event, ReceiptEvent::Accepted);
    assert!(drain_receipts(&mut core).is_empty(), "answers are not published twice");
    assert_eq!(
        drain_live(&mut core),
        vec![
            Live::Receipt {
                receipt: Box::new(answer[0].clone())
            },
            Live::Status
        ]
    );
    assert_eq!(core.poll_timeout(now), now, "a stored message is planned at once");
    core.handle_timeout(now);
    let board = core.poll_desired().expect("the notice changes the board");
    let urgent = board.urgent.as_ref().expect("an urgent notice takes the urgent area");
    assert_eq!(
        urgent.key,
        ContentKey::Announcement {
            id: "water".into(),
            revision: 1
        }
    );
    assert!(urgent.text.contains("停水通知"), "{}", urgent.text);

    // The card acknowledges its first page: one `displayed` receipt to publish, and the console
    // hears the receipt, then the frame, then that the status changed.
    let sha = urgent.first_frame_sha256();
    let now = t(2);
    core.handle(
        Input::Driver(DriverEvent::Shown {
            key: urgent.key.clone(),
            area: 1,
            layer: Layer::Urgent,
            frame_sha256: sha.clone(),
            at: now,
        }),
        now,
    );
    let displayed = drain_receipts(&mut core);
    assert_eq!(displayed.len(), 1);
    assert_eq!(displayed[0].event, ReceiptEvent::Displayed);
    assert_eq!(displayed[0].frame_sha256.as_deref(), Some(sha.as_str()));
    assert_eq!(
        drain_live(&mut core),
        vec![
            Live::Receipt {
                receipt: Box::new(displayed[0].clone())
            },
            Live::Frame(Frame::Shown {
                area: 1,
                frame_sha256: sha,
                at: now.to_string()
            }),
            Live::Status,
        ]
    );
    let sent = [answer[0].clone(), displayed[0].clone()];
    assert_eq!(
        core.state().outbox,
        sent,
        "receipts wait in the outbox until the broker has them"
    );
    for r in sent {
        core.handle(Input::Published(r), now);
    }
    assert!(core.state().outbox.is_empty());

    // A question changes nothing and plans nothing; a change says what it touches: the status's
    // words are announced and plan nothing, an override plans the board at once.
    let planned = core.poll_timeout(now);
    let _ = core.status(now);
    assert_eq!(core.poll_timeout(now), planned);
    assert!(drain_live(&mut core).is_empty());
    core.handle(
        Input::Change(Change::ConsoleError(Some("port 8080 is taken".into()))),
        now,
    );
    assert_eq!(core.poll_timeout(now), planned, "the status's words plan nothing");
    assert_eq!(drain_live(&mut core), vec![Live::Status]);
    let (reply, mut answer) = tokio::sync::oneshot::channel();
    let dim = Change::SetOverride {
        brightness: Some(3),
        power: None,
        minutes: 60,
        who: "tech".into(),
        reply,
    };
    core.handle(Input::Change(dim), now);
    assert_eq!(answer.try_recv().unwrap().unwrap().brightness.map(|(b, _)| b), Some(3));
    assert_eq!(core.poll_timeout(now), now, "an override plans the board at once");
    assert_eq!(drain_live(&mut core), vec![Live::Status]);
    core.handle_timeout(now);
    assert_eq!(core.poll_desired().map(|d| d.brightness), Some(3));
    let (reply, _answer) = tokio::sync::oneshot::channel();
    core.handle(
        Input::Change(Change::ClearOverride {
            who: "tech".into(),
            reply,
        }),
        now,
    );
    let _ = drain_live(&mut core);

    // Two hours on the virtual clock, jumping from one timeout to the next: the notice expires
    // at its `valid_until`, not before, its receipt goes out once, and the urgent area empties.
    let mut now = now;
    let mut wakeups = 0;
    let expired = loop {
        core.handle_timeout(now);
        if let Some(d) = core.poll_desired() {
            assert!(
                d.urgent.is_none() || now < t(7200),
                "the notice was still wanted at {now}"
            );
        }
        let receipts = drain_receipts(&mut core);
        if let Some(r) = receipts.iter().find(|r| r.event == ReceiptEvent::Expired) {
            break (now, r.clone(), receipts.len());
        }
        assert!(now < t(7300), "no expiry by {now}");
        let next = core.poll_timeout(now);
        assert!(next > now, "the timeout did not move on from {now}");
        assert!(
            next <= now + PLAYLIST_WATCH,
            "the playlist file went unwatched from {now} to {next}"
        );
        now = next;
        wakeups += 1;
    };
    let (at, receipt, count) = expired;
    assert!(at >= t(7200) && at <= t(7200) + PLAYLIST_WATCH, "expired at {at}");
    assert_eq!(receipt.id.as_deref(), Some("water"));
    assert_eq!(count, 1, "one receipt at expiry");
    assert!(
        wakeups >= 3600,
        "{wakeups} wake-ups in two hours: the playlist is watched every 2 s"
    );
    assert!(
        core.poll_desired().is_none_or(|d| d.urgent.is_none()),
        "the urgent area empties when the notice expires"
    );
}

#[test]
fn the_status_stops_naming_content_once_the_card_cleared_its_areas() {
    // A playlist of one item is shown, then the playlist loses its items: the driver clears the
    // main area (the card falls back to its flash program), and the status must not go on
    // saying the item is on the glass.
    let dir = tempfile::tempdir().unwrap();
    let portal = Portal::new();
    let mut core = open(dir.path(), &portal);
    let now = t(0);
    let key = ContentKey::Item { id: "today".into() };
    core.handle(
        Input::Driver(DriverEvent::Shown {
            key: key.clone(),
            area: 0,
            layer: Layer::Rotation,
            frame_sha256: "ab".repeat(32),
            at: now,
        }),
        now,
    );
    let showing = core.status(now).showing.expect("the item is on the glass");
    assert_eq!(showing.content, "item today");
    let now = t(5);
    core.handle(Input::Driver(DriverEvent::Cleared { area: 0 }), now);
    assert_eq!(core.status(now).showing, None, "nothing of ours is on the glass");
    // Power off says the same; shown again, it is named again.
    core.handle(
        Input::Driver(DriverEvent::Shown {
            key,
            area: 0,
            layer: Layer::Rotation,
            frame_sha256: "cd".repeat(32),
            at: t(6),
        }),
        t(6),
    );
    assert!(core.status(t(6)).showing.is_some());
    core.handle(Input::Driver(DriverEvent::Power { on: false }), t(7));
    assert_eq!(core.status(t(7)).showing, None);
}
