//! The card model with an injected clock: run modes, timeouts, pages and brightness tables.

use jiff::{SignedDuration, Timestamp};
use pinghu_fonts::{ColorMode, Frame, LedColor};
use pinghu_protocol::bitmap::{PixelFormat, pack};
use pinghu_protocol::graphic::{
    AreaUpdate, Brightness, DynamicArea, Generation, GraphicCommand, GraphicHeader, GraphicPacket, Page,
};
use pinghu_protocol::{Decoder, Packet};
use pinghu_simulator::card::{Card, CardConfig, CardModel};

fn card() -> Card {
    Card::new(CardConfig {
        model: CardModel::Bx6e,
        width: 16,
        height: 8,
        colors: ColorMode::Mono,
        address: 1,
        control_header: true,
    })
}

fn send(card: &mut Card, cmd: GraphicCommand, now: Timestamp) -> Packet {
    let p = Packet::Graphic(GraphicPacket::request(GraphicHeader::to_card(1, 0x0274), true, cmd));
    let mut d = Decoder::new();
    d.feed(&p.to_wire().unwrap());
    card.handle(Ok(d.decode().unwrap().unwrap()), now).expect("a reply")
}

fn page(lit_x: u32, stay_10ms: u16) -> Page {
    let mut f = Frame::new(16, 8, ColorMode::Mono);
    f.set(lit_x, 0, LedColor::Red);
    Page::new(
        1,
        0,
        stay_10ms,
        16,
        Generation::Gen6,
        pack(PixelFormat::Bx6Mono, 0, &f.to_led_bitmap()),
    )
}

fn area(run_mode: u8, timeout_s: u16, pages: Vec<Page>) -> GraphicCommand {
    let mut a = DynamicArea::new(0, 0, 0, 16, 8, Generation::Gen6, pages);
    a.run_mode = run_mode;
    a.timeout_s = timeout_s;
    GraphicCommand::UpdateAreas(AreaUpdate {
        generation: Generation::Gen6,
        areas: vec![a],
    })
}

fn lit_column(card: &Card, now: Timestamp) -> Option<u32> {
    let s = card.screen(now);
    (0..16).find(|x| s.get(*x, 0) != LedColor::Off)
}

#[test]
fn pages_rotate_by_stay_time() {
    let mut c = card();
    let t0: Timestamp = "2026-11-28T00:00:00Z".parse().unwrap();
    assert!(!send(&mut c, area(0, 0, vec![page(1, 100), page(2, 200)]), t0).is_nack());
    let at = |ms: i64| t0 + SignedDuration::from_millis(ms);
    assert_eq!(lit_column(&c, at(0)), Some(1));
    assert_eq!(lit_column(&c, at(999)), Some(1));
    assert_eq!(lit_column(&c, at(1000)), Some(2));
    assert_eq!(lit_column(&c, at(2999)), Some(2));
    assert_eq!(lit_column(&c, at(3000)), Some(1), "loops");
}

#[test]
fn run_modes_and_timeouts() {
    let t0: Timestamp = "2026-11-28T00:00:00Z".parse().unwrap();
    let at = |s: i64| t0 + SignedDuration::from_secs(s);
    // 2: loop, blank when not refreshed within the timeout.
    let mut c = card();
    send(&mut c, area(2, 5, vec![page(3, 100)]), t0);
    assert_eq!(lit_column(&c, at(4)), Some(3));
    assert_eq!(lit_column(&c, at(6)), None);
    // A refresh restarts the timeout.
    send(&mut c, area(2, 5, vec![page(3, 100)]), at(6));
    assert_eq!(lit_column(&c, at(10)), Some(3));
    // 3: keep the last page after the timeout.
    let mut c = card();
    send(&mut c, area(3, 5, vec![page(1, 100), page(2, 100)]), t0);
    assert_eq!(lit_column(&c, at(60)), Some(2));
    // 4: play once, then blank.
    let mut c = card();
    send(&mut c, area(4, 0, vec![page(1, 100), page(2, 100)]), t0);
    assert_eq!(lit_column(&c, at(1)), Some(2));
    assert_eq!(lit_column(&c, at(3)), None);
    // 1: stop on the last page.
    let mut c = card();
    send(&mut c, area(1, 0, vec![page(1, 100), page(2, 100)]), t0);
    assert_eq!(lit_column(&c, at(30)), Some(2));
}

#[test]
fn move_left_enters_from_the_right() {
    let mut c = card();
    let t0: Timestamp = "2026-11-28T00:00:00Z".parse().unwrap();
    let mut p = page(0, 100);
    p.display_mode = 0x03;
    send(&mut c, area(0, 0, vec![p]), t0);
    // Halfway through the entry the pixel at x = 0 of the page is near the middle.
    let mid = lit_column(&c, t0 + SignedDuration::from_millis(150)).unwrap();
    assert!((6..=10).contains(&mid), "{mid}");
    assert_eq!(lit_column(&c, t0 + SignedDuration::from_millis(400)), Some(0));
}

#[test]
fn timed_brightness_table_follows_the_card_clock() {
    let mut c = card();
    let mut levels = vec![2u8; 48];
    levels[16..38].fill(14); // 08:00-19:00 bright
    // 02:00 UTC = 10:00 in Yiling.
    let t: Timestamp = "2026-11-28T02:00:00Z".parse().unwrap();
    assert!(
        !send(
            &mut c,
            GraphicCommand::SetBrightness(Brightness::Timed { levels: levels.clone() }),
            t
        )
        .is_nack()
    );
    assert_eq!(c.brightness, 14);
    assert_eq!(c.brightness_table.as_deref(), Some(levels.as_slice()));
    // Later that day the card dims by itself: 15:00 UTC = 23:00 local.
    let night: Timestamp = "2026-11-28T15:00:00Z".parse().unwrap();
    assert_eq!(c.brightness_at(night), 2);
    assert_eq!(c.brightness_at(t), 14);
}

fn control(card: &mut Card, cmd: pinghu_protocol::control::ControlCommand, now: Timestamp) -> Packet {
    use pinghu_protocol::control::{ControlHeader, ControlPacket};
    let p = Packet::Control(ControlPacket::request(
        ControlHeader::to_card(Generation::Gen6, 1, 0x0274),
        true,
        cmd,
    ));
    let mut d = Decoder::new();
    d.feed(&p.to_wire().unwrap());
    card.handle(Ok(d.decode().unwrap().unwrap()), now).expect("a reply")
}

/// Beijing time on 2026-11-29 at `hh:mm`.
fn beijing(hh: i8, mm: i8) -> Timestamp {
    jiff::civil::date(2026, 11, 29)
        .at(hh, mm, 0, 0)
        .to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::offset(8)))
        .unwrap()
        .timestamp()
}

#[test]
fn timed_power_follows_the_cards_clock_and_a_later_command_wins() {
    use pinghu_protocol::control::ControlCommand;
    use pinghu_protocol::fontcard::PowerSlot;
    let mut c = card();
    let slots = vec![PowerSlot {
        on: (6, 30),
        off: (22, 0),
    }];
    assert!(!control(&mut c, ControlCommand::TimedPower { slots }, beijing(12, 0)).is_nack());
    assert!(c.power_at(beijing(21, 59)));
    assert!(!c.power_at(beijing(22, 1)), "off at 22:00 by the card's own clock");
    assert!(!c.power_at(beijing(23, 59)));
    // An emergency at 23:30: the host switches it on; that command outranks the 22:00 event.
    control(&mut c, ControlCommand::Power { state: 1 }, beijing(23, 30));
    assert!(c.power_at(beijing(23, 31)));
    // … and it stays on until the next transition, 06:30 (on) and then 22:00 (off).
    assert!(c.power_at(beijing(23, 59) + SignedDuration::from_hours(12)));
    assert!(!c.power_at(beijing(22, 5) + SignedDuration::from_hours(24)));
    // The card's clock decides: a card 2 hours fast switches off at 20:00 host time.
    let mut fast = card();
    fast.clock_offset = SignedDuration::from_hours(2);
    control(
        &mut fast,
        ControlCommand::TimedPower {
            slots: vec![PowerSlot {
                on: (6, 30),
                off: (22, 0),
            }],
        },
        beijing(12, 0),
    );
    assert!(!fast.power_at(beijing(20, 1)));
    control(&mut fast, ControlCommand::CancelTimedPower, beijing(20, 2));
    assert!(
        fast.power_at(beijing(20, 3)),
        "cancelled: the last command (on, at start) holds"
    );
}
