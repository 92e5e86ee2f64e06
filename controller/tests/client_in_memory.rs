//! The card client and its link, sans-IO: the simulator's card model answers over an in-memory
//! `tokio::io::duplex` pipe, faults come from the simulator's seeded fault plan, and time is
//! paused (`start_paused`), so retries, BUSY, damaged replies and timeouts are tested in
//! milliseconds and deterministically, without processes or sleeps.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use pinghu::card::client::CardClient;
use pinghu::card::device::CardModel;
use pinghu::card::link::{Link, LinkError};
use pinghu_fonts::{ColorMode, Frame};
use pinghu_protocol::{Decoder, ErrorCode};
use pinghu_simulator::card::{Card, CardConfig};
use pinghu_simulator::faults::{Fault, FaultPlan};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _, DuplexStream};

/// What the in-memory card saw.
#[derive(Debug, Default)]
struct Seen {
    frames: usize,
    faults: Vec<Fault>,
}

/// Serve `card` on `io` until the client hangs up, applying `faults` to each exchange as
/// `pinghu-sim` does (a delay is a tokio sleep, so paused time skips it).
async fn serve(mut io: DuplexStream, card: Arc<Mutex<Card>>, mut faults: FaultPlan, seen: Arc<Mutex<Seen>>) {
    let mut decoder = Decoder::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = match io.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        decoder.feed(&buf[..n]);
        loop {
            let frame = match decoder.decode() {
                Ok(None) => break,
                Ok(Some(raw)) => Ok(raw),
                Err(e) => Err(e),
            };
            let fault = faults.next_fault();
            let reply = {
                let mut c = card.lock().unwrap();
                let mut s = seen.lock().unwrap();
                s.frames += 1;
                s.faults.extend(fault);
                if fault == Some(Fault::Busy) {
                    Some(c.nack(ErrorCode::BUSY))
                } else {
                    c.handle(frame, jiff::Timestamp::now())
                }
            };
            let Some(reply) = reply else { continue };
            let mut wire = reply.to_wire().unwrap();
            match fault {
                Some(Fault::Drop | Fault::Stall) => continue,
                Some(Fault::Close) => return,
                Some(Fault::Corrupt) => {
                    let i = wire.len() / 2;
                    wire[i] ^= 0x01;
                    if matches!(wire[i], 0xA5 | 0x5A | 0xA6 | 0x5B) {
                        wire[i] ^= 0x03;
                    }
                }
                Some(Fault::Delay(ms)) => tokio::time::sleep(Duration::from_millis(ms)).await,
                Some(Fault::Busy) | None => {}
            }
            if io.write_all(&wire).await.is_err() {
                return;
            }
        }
    }
}

struct Rig {
    client: CardClient,
    card: Arc<Mutex<Card>>,
    seen: Arc<Mutex<Seen>>,
}

fn rig(faults: &str) -> Rig {
    let card = Arc::new(Mutex::new(Card::new(CardConfig {
        model: CardModel::Bx6e,
        width: 64,
        height: 16,
        colors: ColorMode::RedGreen,
        address: 1,
        control_header: true,
    })));
    let seen = Arc::new(Mutex::new(Seen::default()));
    let (host, device) = tokio::io::duplex(64 * 1024);
    let plan = FaultPlan::parse(faults, 7).unwrap();
    tokio::spawn(serve(device, Arc::clone(&card), plan, Arc::clone(&seen)));
    let mut link = Link::new(Box::new(host), Duration::from_millis(800));
    link.retries = 3;
    Rig {
        client: CardClient::new(link, CardModel::Bx6e, 1),
        card,
        seen,
    }
}

fn page() -> Frame {
    let mut f = Frame::new(64, 16, ColorMode::RedGreen);
    for x in 0..64 {
        f.set(x, 7, pinghu_fonts::LedColor::Red);
    }
    f
}

#[tokio::test(start_paused = true)]
async fn pages_reach_the_card_model() {
    let mut r = rig("");
    r.client.ping().await.unwrap();
    let p = r
        .client
        .pages_packet(0, (0, 0), &[(page(), 1, 300)], ColorMode::RedGreen, None)
        .unwrap();
    r.client.send(&p).await.unwrap();
    let card = r.card.lock().unwrap();
    assert_eq!(card.areas.len(), 1);
    assert_eq!(card.screen(jiff::Timestamp::now()).sha256(), page().sha256());
}

#[tokio::test(start_paused = true)]
async fn busy_twice_is_retried_with_backoff_and_succeeds() {
    let mut r = rig("busy#1,busy#2");
    let start = tokio::time::Instant::now();
    r.client.ping().await.unwrap();
    let seen = r.seen.lock().unwrap();
    assert_eq!(seen.frames, 3, "two BUSY replies, then the answer");
    assert_eq!(seen.faults, [Fault::Busy, Fault::Busy]);
    // Two backoff delays (200 ms then 400 ms steps, with jitter in their upper halves) passed on
    // the paused clock, not on the wall clock.
    let waited = start.elapsed();
    assert!(
        waited >= Duration::from_millis(300) && waited <= Duration::from_millis(600),
        "{waited:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_damaged_reply_is_retried() {
    let mut r = rig("corrupt#1");
    r.client.ping().await.unwrap();
    assert_eq!(r.seen.lock().unwrap().frames, 2);
}

#[tokio::test(start_paused = true)]
async fn a_silent_card_times_out_after_every_retry() {
    let mut r = rig("drop");
    let start = tokio::time::Instant::now();
    let e = r.client.ping().await.unwrap_err();
    assert!(
        matches!(e, pinghu::card::client::DriverError::Link(LinkError::Timeout { .. })),
        "{e}"
    );
    // Under the control header, then under 0xF0: silent under both, which is no reply (not a
    // refusal, and nothing is remembered about the headers).
    assert_eq!(r.seen.lock().unwrap().frames, 2, "one ping under each header");
    assert!(start.elapsed() >= Duration::from_millis(1600), "{:?}", start.elapsed());
    // Once the card has answered under a header, silence there is retried as the link's
    // retries say: the request and 3 retries.
    let mut r = rig("drop#2,drop#3,drop#4");
    r.client.ping().await.unwrap();
    let before = r.seen.lock().unwrap().frames;
    r.client.ping().await.unwrap();
    assert_eq!(r.seen.lock().unwrap().frames - before, 4, "the request and 3 retries");
}

#[tokio::test(start_paused = true)]
async fn a_refusal_that_retrying_cannot_fix_is_reported_at_once() {
    let mut r = rig("");
    // A page for an area far outside the 64x16 board: the card refuses it.
    let p = r
        .client
        .pages_packet(0, (200, 0), &[(page(), 1, 300)], ColorMode::RedGreen, None)
        .unwrap();
    let e = r.client.send(&p).await.unwrap_err();
    assert!(
        matches!(e, pinghu::card::client::DriverError::Link(LinkError::Nack { .. })),
        "{e}"
    );
    assert_eq!(r.seen.lock().unwrap().frames, 1, "not retried");
}

// ---------------------------------------------------------------------------------------------
// The daemon's driver task, sans-IO: each (re)connect opens a new in-memory pipe to the same card
// model, so reconnection and reconciliation are tested on paused time.

mod driver {
    use super::*;
    use pinghu::daemon::board::{AreaContent, Desired, MAIN_AREA, URGENT_AREA};
    use pinghu::daemon::driver::{DriverConfig, DriverEvent, run_on};
    use pinghu_playlists::{ContentKey, Layer};
    use tokio::sync::{mpsc, watch};

    struct DriverRig {
        card: Arc<Mutex<Card>>,
        seen: Arc<Mutex<Seen>>,
        desired: watch::Sender<Desired>,
        events: mpsc::UnboundedReceiver<DriverEvent>,
        _shutdown: watch::Sender<bool>,
    }

    fn card() -> Card {
        Card::new(CardConfig {
            model: CardModel::Bx6e,
            width: 64,
            height: 16,
            colors: ColorMode::RedGreen,
            address: 1,
            control_header: true,
        })
    }

    /// A driver on a BX-6E 64x16 card model; the first connection has the faults `first`.
    fn start(first: &str, want: Desired) -> DriverRig {
        start_with(card(), |_| {}, first, want)
    }

    /// A driver on `card`, with `tweak` applied to its configuration.
    fn start_with(card: Card, tweak: impl FnOnce(&mut DriverConfig), first: &str, want: Desired) -> DriverRig {
        let card = Arc::new(Mutex::new(card));
        let seen = Arc::new(Mutex::new(Seen::default()));
        let mut plans = vec![FaultPlan::parse(first, 7).unwrap()];
        let (c, s) = (Arc::clone(&card), Arc::clone(&seen));
        let open_io = move || {
            let (host, device) = tokio::io::duplex(64 * 1024);
            let plan = plans.pop().unwrap_or_else(|| FaultPlan::parse("", 7).unwrap());
            tokio::spawn(serve(device, Arc::clone(&c), plan, Arc::clone(&s)));
            async move { Ok(Box::new(host) as Box<dyn pinghu::card::link::Io>) }
        };
        let cfg = DriverConfig {
            url: pinghu::card::device::DeviceUrl::parse("tcp://127.0.0.1:1").unwrap(),
            protocol: Some(CardModel::Bx6e),
            address: 1,
            timeout: Duration::from_millis(500),
            retries: 2,
            colors: ColorMode::RedGreen,
            width: 64,
            height: 16,
            fallback_after_s: 0,
            flash: pinghu::daemon::fallback::FlashRecord::default(),
            max_flash_writes_per_day: 4,
            trace: None,
        };
        let mut cfg = cfg;
        tweak(&mut cfg);
        let (desired, desired_rx) = watch::channel(want);
        let (ev_tx, events) = mpsc::unbounded_channel();
        let (shutdown, shutdown_rx) = watch::channel(false);
        let (_requests, requests_rx) = mpsc::channel(4);
        tokio::spawn(run_on(cfg, open_io, desired_rx, ev_tx, requests_rx, shutdown_rx));
        DriverRig {
            card,
            seen,
            desired,
            events,
            _shutdown: shutdown,
        }
    }

    fn content(id: &str, frame: Frame) -> AreaContent {
        AreaContent {
            key: ContentKey::Item { id: id.into() },
            text: id.into(),
            color: pinghu_fonts::TextColor::Red,
            font_size: 16,
            effect: pinghu_fonts::Effect::Static,
            pages: vec![frame],
            dwell_s: vec![5],
            missing: vec![],
        }
    }

    fn rotation(main: AreaContent) -> Desired {
        Desired {
            layer: Layer::Rotation,
            main: Some(main),
            blank: false,
            ..Desired::default()
        }
    }

    /// The next event that `pick` accepts (the others are skipped).
    async fn next<T>(r: &mut DriverRig, mut pick: impl FnMut(&DriverEvent) -> Option<T>) -> T {
        loop {
            let e = r.events.recv().await.expect("the driver runs");
            if let Some(t) = pick(&e) {
                return t;
            }
        }
    }

    fn shown(e: &DriverEvent) -> Option<(u8, String)> {
        match e {
            DriverEvent::Shown { area, frame_sha256, .. } => Some((*area, frame_sha256.clone())),
            _ => None,
        }
    }

    fn glass(r: &DriverRig) -> String {
        r.card.lock().unwrap().screen(jiff::Timestamp::now()).sha256()
    }

    #[tokio::test(start_paused = true)]
    async fn a_rebooted_card_is_cleared_and_sent_the_whole_board_again() {
        // The 9th exchange (the keep-alive ping after 30 quiet seconds) finds the card gone.
        let mut r = start("close#9", rotation(content("notice", page())));
        assert_eq!(next(&mut r, shown).await, (MAIN_AREA, page().sha256()));
        assert_eq!(glass(&r), page().sha256());
        let frames = r.seen.lock().unwrap().frames;
        assert_eq!(
            frames, 8,
            "the card's ping, its status and clock, clear, its timed power, power, brightness, the area: nothing else"
        );
        // The card loses power: its dynamic areas are gone, and the link drops at the ping.
        *r.card.lock().unwrap() = card();
        let down = next(&mut r, |e| match e {
            DriverEvent::Link { up: false, error, .. } => error.clone(),
            _ => None,
        })
        .await;
        assert!(!down.en.is_empty() && !down.zh.is_empty());
        assert!(
            next(&mut r, |e| matches!(e, DriverEvent::Link { up: true, .. })
                .then_some(true))
            .await
        );
        // Reconciled: the same board again, without anyone asking.
        assert_eq!(next(&mut r, shown).await, (MAIN_AREA, page().sha256()));
        assert_eq!(glass(&r), page().sha256());
    }

    #[tokio::test(start_paused = true)]
    async fn an_urgent_notice_takes_over_and_its_end_uncovers_the_rotation() {
        let mut r = start("", rotation(content("notice", page())));
        next(&mut r, shown).await;
        let mut urgent = Frame::new(64, 16, ColorMode::RedGreen);
        for y in 0..16 {
            urgent.set(3, y, pinghu_fonts::LedColor::Yellow);
        }
        let mut d = rotation(content("notice", page()));
        d.layer = Layer::Urgent;
        d.urgent = Some(content("urgent", urgent.clone()));
        r.desired.send(d.clone()).unwrap();
        assert_eq!(next(&mut r, shown).await, (URGENT_AREA, urgent.sha256()));
        let before = r.seen.lock().unwrap().frames;
        // The rotation underneath is unchanged: only the urgent area was sent.
        assert_eq!(before, 9);
        d.urgent = None;
        d.layer = Layer::Rotation;
        r.desired.send(d).unwrap();
        // Wait until the card has only the rotation's area again (the driver deletes the urgent
        // area; paused time lets the exchange finish without a wall-clock wait).
        while r.card.lock().unwrap().areas.len() != 1 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert_eq!(glass(&r), page().sha256());
        assert_eq!(r.seen.lock().unwrap().frames, before + 1, "one delete, no resend");
    }

    #[tokio::test(start_paused = true)]
    async fn a_board_the_card_refuses_is_reported_and_not_sent_again_until_it_changes() {
        // A page twice the card's size: the card refuses the area (a configuration mistake).
        let mut r = start("", rotation(content("big", Frame::new(128, 32, ColorMode::RedGreen))));
        let err = next(&mut r, |e| match e {
            DriverEvent::Refused { error, .. } => Some(error.clone()),
            _ => None,
        })
        .await;
        assert!(
            err.en.contains("screen.width") && err.zh.contains("screen.width"),
            "{err}"
        );
        let at_refusal = r.seen.lock().unwrap().frames;
        // Two keep-alive periods on the paused clock: two pings, no retransmission.
        tokio::time::sleep(Duration::from_secs(65)).await;
        assert_eq!(r.seen.lock().unwrap().frames, at_refusal + 2);
        // A corrected board goes out at once.
        r.desired.send(rotation(content("fixed", page()))).unwrap();
        assert_eq!(next(&mut r, shown).await, (MAIN_AREA, page().sha256()));
    }

    fn flash_event(e: &DriverEvent) -> Option<(bool, pinghu::daemon::fallback::FlashRecord, Option<String>)> {
        match e {
            DriverEvent::Flash { record, wrote, note } => Some((*wrote, record.clone(), note.clone())),
            _ => None,
        }
    }

    fn with_fallback(mut d: Desired, text: &str, frame: Frame) -> Desired {
        d.fallback = Some(content(text, frame));
        d
    }

    #[tokio::test(start_paused = true)]
    async fn power_and_brightness_use_the_cards_own_controls() {
        let mut d = rotation(content("notice", page()));
        d.brightness_table = Some((0..48).map(|s| if (14..38).contains(&s) { 15 } else { 4 }).collect());
        d.power_window = Some((6 * 60 + 30, 22 * 60));
        let mut r = start("", d.clone());
        next(&mut r, shown).await;
        {
            let c = r.card.lock().unwrap();
            assert_eq!(
                c.brightness_table.as_ref(),
                d.brightness_table.as_ref(),
                "the day's table, once"
            );
            assert_eq!(
                c.timed_power,
                [pinghu_protocol::fontcard::PowerSlot {
                    on: (6, 30),
                    off: (22, 0)
                }],
                "the card holds the day's on/off window for when the host is gone"
            );
        }
        // Night: the LED modules switch off (A2 05); the areas stay on the card.
        d.power = false;
        r.desired.send(d.clone()).unwrap();
        while r.card.lock().unwrap().power {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let c = r.card.lock().unwrap();
        assert_eq!(c.areas.len(), 1, "power off is not a clear");
        assert_eq!(c.showing(jiff::Timestamp::now()), "blank");
    }

    #[tokio::test(start_paused = true)]
    async fn older_firmware_falls_back_to_clearing_and_host_side_clock() {
        let mut old = card();
        old.config.control_header = false;
        let mut d = rotation(content("notice", page()));
        let mut r = start_with(old, |_| {}, "", d.clone());
        let info = next(&mut r, |e| match e {
            DriverEvent::Card { info, .. } => Some(info.clone()),
            _ => None,
        })
        .await;
        assert_eq!(info, None, "no control header, no size from the card");
        let synced = next(&mut r, |e| match e {
            DriverEvent::Clock { synced, .. } => Some(*synced),
            _ => None,
        })
        .await;
        assert!(!synced);
        next(&mut r, shown).await;
        d.power = false;
        r.desired.send(d).unwrap();
        let cleared = next(&mut r, |e| match e {
            DriverEvent::Cleared { area } => Some(*area),
            _ => None,
        })
        .await;
        assert_eq!(cleared, MAIN_AREA);
        assert!(r.card.lock().unwrap().areas.is_empty(), "dark by clearing");
    }

    #[tokio::test(start_paused = true)]
    async fn the_fallback_program_is_written_once_and_shows_when_the_host_goes_quiet() {
        let mut program = Frame::new(64, 16, ColorMode::RedGreen);
        for x in 0..64 {
            program.set(x, 8, pinghu_fonts::LedColor::Green);
        }
        let d = with_fallback(rotation(content("notice", page())), "welcome", program.clone());
        let mut r = start_with(card(), |c| c.fallback_after_s = 4, "", d.clone());
        let (wrote, record, _) = next(&mut r, flash_event).await;
        assert!(wrote);
        assert_eq!(record.writes, 1);
        let now = jiff::Timestamp::now();
        {
            let c = r.card.lock().unwrap();
            assert_eq!(c.flash.files["P000"].erases, 1);
            let area = &c.areas[&MAIN_AREA];
            assert_eq!(
                (area.run_mode, area.timeout_s),
                (2, 7),
                "RunMode 2: refreshed after one 5 s cycle"
            );
            assert_eq!(c.showing(now), "dynamic");
            // Without the host, the area times out and the card shows its flash program.
            let later = now + jiff::SignedDuration::from_secs(8);
            assert_eq!(c.showing(later), "program");
            assert_eq!(c.settled_screen(later).sha256(), program.sha256());
        }
        // The driver refreshes the area before its timeout (paused time runs on).
        let frames = r.seen.lock().unwrap().frames;
        tokio::time::sleep(Duration::from_secs(6)).await;
        assert!(r.seen.lock().unwrap().frames > frames, "the area was sent again");
        // The same fallback on every change of the board: no flash write.
        for i in 0..100 {
            let mut again = d.clone();
            again.brightness = (i % 15) as u8;
            r.desired.send(again).unwrap();
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        assert_eq!(r.card.lock().unwrap().flash.files["P000"].erases, 1);
        // A changed fallback is written again.
        r.desired
            .send(with_fallback(rotation(content("notice", page())), "changed", page()))
            .unwrap();
        let (wrote, record, _) = next(&mut r, flash_event).await;
        assert!(wrote && record.writes == 2);
        assert_eq!(r.card.lock().unwrap().flash.files["P000"].erases, 2);
    }

    #[tokio::test(start_paused = true)]
    async fn a_known_program_is_not_rewritten_after_a_restart_and_the_limit_holds() {
        let mut program = Frame::new(64, 16, ColorMode::RedGreen);
        program.set(1, 1, pinghu_fonts::LedColor::Red);
        let d = with_fallback(rotation(content("notice", page())), "welcome", program);
        // First daemon: writes the program.
        let mut first = start("", d.clone());
        let (_, record, _) = next(&mut first, flash_event).await;
        let flash = first.card.lock().unwrap().flash.clone();
        // A restarted daemon with the record, on the same card: nothing written.
        let mut c = card();
        c.flash = flash;
        c.reload_program(jiff::Timestamp::now());
        let rec = record.clone();
        let mut second = start_with(c, move |cfg| cfg.flash = rec, "", d.clone());
        let (wrote, _, note) = next(&mut second, flash_event).await;
        assert!(!wrote && note.is_none());
        assert_eq!(second.card.lock().unwrap().flash.files["P000"].erases, 1);
        // A daemon whose day's writes are used up leaves the card's program alone and says why.
        let mut spent = record;
        spent.program_sha256 = Some("something else".into());
        spent.writes_today = 4;
        let mut third = start_with(card(), move |cfg| cfg.flash = spent, "", d);
        let (wrote, _, note) = next(&mut third, flash_event).await;
        assert!(!wrote);
        assert!(note.unwrap().contains("max_writes_per_day"));
        assert!(third.card.lock().unwrap().flash.files.is_empty());
    }
}

#[tokio::test(start_paused = true)]
async fn a_stalled_reply_is_not_a_refusal_for_ever() {
    // The card's identity ping (request 1) is answered; its first power request under the
    // control header (request 2) stalls, as on a flaky link.
    let mut r = rig("stall#2");
    let e = r.client.power(false).await.unwrap_err();
    assert!(
        matches!(e, pinghu::card::client::DriverError::Unsupported { .. }),
        "silent under the control header, refused under 0xF0: {e}"
    );
    // Within five minutes the verdict holds, and nothing is sent for it.
    let before = r.seen.lock().unwrap().frames;
    assert!(r.client.power(false).await.is_err());
    assert_eq!(r.seen.lock().unwrap().frames, before);
    // Then the control header is tried again, and the card takes the command.
    tokio::time::advance(pinghu::card::control::RETEST_SILENCE + Duration::from_secs(1)).await;
    r.client.power(false).await.unwrap();
    assert!(!r.card.lock().unwrap().power);
}
