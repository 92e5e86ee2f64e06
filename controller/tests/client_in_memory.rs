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
        .pages_packet(0, 0, 0, &[(page(), 1, 300)], ColorMode::RedGreen)
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
    assert_eq!(r.seen.lock().unwrap().frames, 4, "the request and 3 retries");
    // Four 800 ms timeouts and three backoff delays, all on the paused clock.
    assert!(start.elapsed() >= Duration::from_millis(3200), "{:?}", start.elapsed());
}

#[tokio::test(start_paused = true)]
async fn a_refusal_that_retrying_cannot_fix_is_reported_at_once() {
    let mut r = rig("");
    // A page for an area far outside the 64x16 board: the card refuses it.
    let p = r
        .client
        .pages_packet(0, 200, 0, &[(page(), 1, 300)], ColorMode::RedGreen)
        .unwrap();
    let e = r.client.send(&p).await.unwrap_err();
    assert!(
        matches!(e, pinghu::card::client::DriverError::Link(LinkError::Nack { .. })),
        "{e}"
    );
    assert_eq!(r.seen.lock().unwrap().frames, 1, "not retried");
}
