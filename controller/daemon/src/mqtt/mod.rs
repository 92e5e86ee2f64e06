//! The daemon's **mqtt** task: the rumqttc event loop (persistent session, QoS 1, manual acks).
//! Each message goes to the core, which verifies it, applies it to a copy of the state and writes
//! it to disk; only then is it acknowledged. The loop never stops polling the broker:
//!
//! * an acknowledgement that finds rumqttc's request queue full waits, in order, and goes after
//!   the next poll — it is delayed, never dropped (a dropped one leaves the broker waiting for
//!   it, and a broker that keeps its in-flight window full sends nothing more: a deaf board);
//! * a message the disk cannot take yet waits, with the ones behind it, and is tried again with
//!   backoff while the link stays up and the status says `storage.ok: false`; past
//!   [`MAX_WAITING`] messages the rest are left unacknowledged for the broker to send again;
//! * a receipt leaves the durable outbox when the broker acknowledges it (`Happening::Acked`),
//!   not when it is queued in memory;
//! * the broker connection reconnects with exponential backoff and jitter.
//!
//! The daemon speaks MQTT 3.1.1 or MQTT 5 (`mqtt.version`). `Client` and `Connection` hide
//! which, so the rest of the daemon publishes, subscribes and acknowledges the same way. Under
//! MQTT 5 the daemon asks for a session expiry interval (the broker keeps the board's queue that
//! long while it is away), labels what it publishes with a content type, and recognises the
//! broker's "session taken over" (another client with the same client id) to say so and back off.

//!
//! `session.rs` makes every decision of the loop, sans-IO (tested with a virtual clock);
//! `link.rs` holds the two protocol versions behind one client; `takeover.rs` tells a shared
//! client id from other losses.

mod error;
mod link;
mod session;
mod takeover;

use std::time::Duration;

use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

pub use error::{RequestError, TlsError};
pub use link::{Client, Connection, Delivery, Happening, Hints, Props, Tag, connect, tls_transport};
pub use session::MAX_WAITING;
use session::{Action, Session};

use crate::backoff::Backoff;
use crate::config::Config;
use crate::ingest::Receipt;
use crate::{Command, CoreGone, CoreHandle};

/// What the broker link looks like, for the status (`broker`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BrokerLink {
    pub connected: bool,
    /// Whether the broker still had the board's session at the last connect.
    pub session_present: Option<bool>,
    /// MQTT 5: the session expiry the broker granted (it may lower what was asked).
    pub session_expiry_s: Option<u32>,
    /// The last reason the link dropped, in words.
    pub last_error: Option<String>,
    /// `last_error` in Chinese, written with it from the typed error.
    pub last_error_zh: Option<String>,
    /// When another client last took (or most likely took) the board's session.
    pub client_id_conflict: Option<jiff::Timestamp>,
    /// Messages received and not acknowledged yet (waiting for the disk or for room to send
    /// their acknowledgement), as last reported: 0, or the order of magnitude (1, 8, 64, …).
    pub backlog: usize,
    /// Answers to messages that changed nothing (junk, replays, resends) not sent because receipts
    /// could not go out as fast as they came, as last reported (by powers of two).
    pub receipts_dropped: u64,
}

/// The longest step between reconnection attempts.
const RECONNECT_MAX: Duration = Duration::from_secs(30);
/// The longest step in the first minutes of an outage of a link that was healthy.
const RECONNECT_MAX_YOUNG: Duration = Duration::from_secs(8);
/// How long a link must have been up to count as healthy.
const HEALTHY: Duration = Duration::from_secs(60);
/// How long an outage counts as young.
const YOUNG_OUTAGE: Duration = Duration::from_secs(120);

/// When to try the broker again (sans-IO: the caller gives the time). Exponential backoff with
/// jitter from 250 ms to 30 s; but a link that was healthy (up for a minute) comes back quickly
/// after a broker restart: in the first two minutes of its outage the step stops at 8 s.
#[derive(Debug)]
struct Reconnect {
    backoff: Backoff,
    up_since: Option<tokio::time::Instant>,
    down_since: Option<tokio::time::Instant>,
}

impl Default for Reconnect {
    fn default() -> Self {
        Self {
            backoff: Backoff::new(Duration::from_millis(250), RECONNECT_MAX),
            up_since: None,
            down_since: None,
        }
    }
}

impl Reconnect {
    fn connected(&mut self, now: tokio::time::Instant) {
        self.backoff = Backoff::new(Duration::from_millis(250), RECONNECT_MAX);
        self.up_since = Some(now);
        self.down_since = None;
    }

    /// The link dropped, or an attempt failed: how long to wait before the next attempt.
    fn lost(&mut self, now: tokio::time::Instant) -> Duration {
        if self.down_since.is_none() {
            self.down_since = Some(now);
            if self.up_since.is_some_and(|t| now.duration_since(t) >= HEALTHY) {
                self.backoff.set_max(RECONNECT_MAX_YOUNG);
            }
        }
        if self.down_since.is_some_and(|t| now.duration_since(t) >= YOUNG_OUTAGE) {
            self.backoff.set_max(RECONNECT_MAX);
        }
        self.up_since = None;
        self.backoff.next_delay()
    }
}

/// Sleep until `at`, or for ever when there is nothing to wait for.
async fn sleep_until(at: Option<tokio::time::Instant>) {
    match at {
        Some(t) => tokio::time::sleep_until(t).await,
        None => std::future::pending().await,
    }
}

/// A backlog as the status says it: 0 under 8, else its power of 8 (8, 64, 512, …).
fn backlog_word(n: usize) -> usize {
    if n < 8 { 0 } else { 1 << (3 * (n.ilog2() / 3)) }
}

/// How long to stay away after another client took the board's session: long enough that the
/// two do not knock each other off many times a second, short enough to come back once the
/// other one is gone.
const TAKEN_OVER_PAUSE: Duration = Duration::from_secs(10);

pub(super) async fn mqtt_loop(
    core: CoreHandle,
    cfg: Config,
    client: Client,
    mut conn: Connection,
    receipts: mpsc::UnboundedSender<Receipt>,
    mut shutdown: watch::Receiver<bool>,
) -> Result<(), CoreGone> {
    let mut session = Session::new(&cfg);
    loop {
        // Do what the session decided, then wait for the link (or the next try of the disk).
        while let Some(action) = session.poll(client.publishes_waiting(), Instant::now()) {
            match action {
                Action::Subscribe(t) => {
                    if let Err(e) = client.try_subscribe(&t) {
                        tracing::error!("cannot subscribe to {t}: {e}");
                    }
                }
                Action::Store { topic, payload } => {
                    let answer = core.ingest(payload, topic).await?;
                    session.stored(answer, client.publishes_waiting(), Instant::now());
                }
                Action::Ack(d) => {
                    if client.try_ack(d).is_err() {
                        session.ack_refused(d);
                    }
                }
                Action::Send(r) => {
                    client.receipts_coming(1);
                    let _ = receipts.send(r);
                }
                Action::Report(link) => core.send(Command::Mqtt(link))?,
                Action::Published(r) => core.send(Command::Published(r))?,
                Action::Pause(delay) => tokio::select! {
                    () = tokio::time::sleep(delay) => {}
                    _ = shutdown.changed() => return Ok(()),
                },
            }
        }
        let happening = tokio::select! {
            h = conn.poll() => h,
            () = sleep_until(session.poll_timeout()) => continue,
            _ = shutdown.changed() => return Ok(()),
        };
        session.handle(happening, Instant::now());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_in_passing_is_no_backlog_a_pile_is_said_by_its_order() {
        // One or a few messages in flight are every message's passing state: not a change of
        // the status (each would cost a status document on the core thread).
        assert_eq!((0..8).map(backlog_word).collect::<Vec<_>>(), [0; 8]);
        assert_eq!([8, 63, 64, 511, 512, 5000].map(backlog_word), [8, 8, 64, 64, 512, 4096]);
    }

    #[test]
    fn a_healthy_link_comes_back_within_8_s_early_in_an_outage_and_backs_off_to_30_s_later() {
        let t0 = tokio::time::Instant::now();
        let at = |s: u64| t0 + Duration::from_secs(s);
        let mut r = Reconnect::default();
        r.connected(at(0));
        // Up for ten minutes, then the broker restarts: attempts every 8 s at most.
        let mut now = 600.0;
        let mut worst = Duration::ZERO;
        while now < 600.0 + 110.0 {
            let d = r.lost(t0 + Duration::from_secs_f64(now));
            worst = worst.max(d);
            now += d.as_secs_f64();
        }
        assert!(worst <= RECONNECT_MAX_YOUNG, "{worst:?}");
        // Two minutes into the outage, the steps grow to the usual 30 s.
        let mut later = Duration::ZERO;
        for _ in 0..10 {
            let d = r.lost(t0 + Duration::from_secs_f64(now));
            later = later.max(d);
            now += d.as_secs_f64();
        }
        assert!(later > RECONNECT_MAX_YOUNG && later <= RECONNECT_MAX, "{later:?}");
        // A link that flaps (up for seconds) keeps the usual backoff from the start.
        let mut r = Reconnect::default();
        r.connected(at(0));
        let mut steps = Duration::ZERO;
        for k in 0..10 {
            steps = steps.max(r.lost(at(5 + k)));
        }
        assert!(steps > RECONNECT_MAX_YOUNG, "{steps:?}");
    }
}
