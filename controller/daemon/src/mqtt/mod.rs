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
//! `link.rs` holds the two protocol versions behind one client; `takeover.rs` tells a shared
//! client id from other losses.

mod error;
mod link;
mod takeover;

use pinghu_playlists::problem::Said;
use std::collections::VecDeque;
use std::time::Duration;

use tokio::sync::{mpsc, watch};

pub use error::{RequestError, TlsError};
pub use link::{Client, Connection, Delivery, Happening, Hints, Props, Tag, connect, tls_transport};
use takeover::{AfterLoss, TakeoverWatch};

use crate::backoff::Backoff;
use crate::config::{Config, MqttVersion};
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

/// Messages kept in memory while the disk cannot take them; beyond, a message is left
/// unacknowledged (the broker sends it again after the next connect), so memory stays bounded.
pub const MAX_WAITING: usize = 64;

/// Receipts waiting to go out beyond which the answer to a message that changed nothing
/// (`rejected`, `held`) is counted rather than sent.
const MAX_BEST_EFFORT: usize = 1024;

/// Messages received and not yet acknowledged, in order: those the disk has not taken yet, and
/// the acknowledgements of stored ones that wait for room in the request queue.
#[derive(Default)]
struct Intake {
    /// Received, not stored yet (the disk failed): tried again in order.
    waiting: VecDeque<(String, std::sync::Arc<[u8]>, Delivery)>,
    /// Stored, acknowledgement not queued yet.
    acks: VecDeque<Delivery>,
    /// When to try the disk again.
    retry_at: Option<tokio::time::Instant>,
    backoff: Option<Backoff>,
    /// Answers to messages that changed nothing not sent because receipts could not go out
    /// fast enough.
    dropped: u64,
}

impl Intake {
    /// Queue what acknowledgements fit, oldest first — once every receipt and status is on its
    /// way: acknowledgements and publishes share rumqttc's request queue, and acknowledgements,
    /// queued without waiting, would otherwise take every free place while receipts piled up in
    /// the outbox (a burst taken in at full speed, its answers minutes late, every save of the
    /// state larger). Held acknowledgements fill the broker's in-flight window, the broker stops
    /// sending, and intake slows to what the board can answer.
    fn flush_acks(&mut self, client: &Client) {
        let waiting = client.publishes_waiting();
        if waiting > 0 {
            tracing::trace!("{} acknowledgements wait behind {waiting} publishes", self.acks.len());
            return;
        }
        while let Some(d) = self.acks.front() {
            if client.try_ack(*d).is_err() {
                break;
            }
            self.acks.pop_front();
        }
    }

    /// Store waiting messages in order, until one fails (then back off) or none is left.
    async fn store_waiting(
        &mut self,
        core: &CoreHandle,
        client: &Client,
        receipts: &mpsc::UnboundedSender<Receipt>,
    ) -> Result<(), CoreGone> {
        while let Some((topic, payload, _)) = self.waiting.front() {
            match core.ingest(std::sync::Arc::clone(payload), topic.clone()).await? {
                Ok(out) => {
                    if let Some((_, _, d)) = self.waiting.pop_front() {
                        self.acks.push_back(d);
                    }
                    self.backoff = None;
                    self.retry_at = None;
                    // A message that changed nothing is answered best effort: under a flood whose
                    // answers cannot go out as fast as it comes in, the excess is counted, not queued.
                    let (keep, drop): (Vec<Receipt>, Vec<Receipt>) = out
                        .into_iter()
                        .partition(|r| !r.is_best_effort() || client.publishes_waiting() < MAX_BEST_EFFORT);
                    if !drop.is_empty() {
                        self.dropped += drop.len() as u64;
                        if self.dropped.is_power_of_two() {
                            tracing::warn!(
                                "{} messages that changed nothing not answered: they come faster than receipts go out",
                                self.dropped
                            );
                        }
                    }
                    client.receipts_coming(keep.len());
                    for r in keep {
                        // A refusal is logged once, where it is judged; its receipt only at debug.
                        if r.is_best_effort() {
                            tracing::debug!("receipt {r}");
                        } else {
                            tracing::info!("receipt {r}");
                        }
                        let _ = receipts.send(r);
                    }
                }
                Err(e) => {
                    let delay = self
                        .backoff
                        .get_or_insert_with(|| Backoff::new(Duration::from_secs(1), Duration::from_secs(30)))
                        .next_delay();
                    tracing::error!(
                        "the message on {topic} cannot be stored ({e}); it and {} behind it stay unacknowledged, \
                         trying again in {} ms",
                        self.waiting.len() - 1,
                        delay.as_millis()
                    );
                    self.retry_at = Some(tokio::time::Instant::now() + delay);
                    return Ok(());
                }
            }
        }
        Ok(())
    }

    /// A message from the broker: stored now if nothing waits before it.
    async fn take(
        &mut self,
        topic: String,
        payload: Vec<u8>,
        delivery: Delivery,
        core: &CoreHandle,
        client: &Client,
        receipts: &mpsc::UnboundedSender<Receipt>,
    ) -> Result<(), CoreGone> {
        if self.waiting.len() >= MAX_WAITING {
            tracing::warn!(
                "{MAX_WAITING} messages already wait for the disk: the one on {topic} is left unacknowledged, \
                 for the broker to send again"
            );
            return Ok(());
        }
        self.waiting.push_back((topic, payload.into(), delivery));
        if self.retry_at.is_none() {
            self.store_waiting(core, client, receipts).await?;
        }
        Ok(())
    }

    /// How many messages are received and not acknowledged, rounded down to a power of 8; fewer
    /// than 8 is 0. Every message is briefly one: reported, each would change the status twice,
    /// and each change costs the core thread a status document while the message waits (the
    /// latency bench's notices took 2 ms longer, 30 ms longer in the tail).
    fn backlog(&self) -> usize {
        backlog_word(self.waiting.len() + self.acks.len())
    }

    /// A message refused without the core (too large to read): acknowledged in its turn, its
    /// receipt sent best effort.
    fn refuse_at_once(
        &mut self,
        delivery: Delivery,
        receipt: Receipt,
        client: &Client,
        receipts: &mpsc::UnboundedSender<Receipt>,
    ) {
        if self.waiting.is_empty() {
            self.acks.push_back(delivery);
        } else {
            // Behind messages waiting for the disk: its acknowledgement must not overtake theirs.
            // It is let go and the broker sends it again; refused again then.
            return;
        }
        client.receipts_coming(1);
        let _ = receipts.send(receipt);
    }

    /// The link dropped: the broker sends every unacknowledged message again on the next
    /// connect (the session is persistent), so what waits here is let go.
    fn lost(&mut self) {
        self.waiting.clear();
        self.acks.clear();
        self.retry_at = None;
    }
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
    let mut reconnect = Reconnect::default();
    let mut link = BrokerLink::default();
    let mut watch = TakeoverWatch::default();
    let mut intake = Intake::default();
    loop {
        intake.flush_acks(&client);
        // The status says when messages pile up (reported by order of magnitude, not each one).
        let backlog = intake.backlog();
        let dropped = if intake.dropped == 0 {
            0
        } else {
            1 << intake.dropped.ilog2()
        };
        if backlog != link.backlog || dropped != link.receipts_dropped {
            link.backlog = backlog;
            link.receipts_dropped = dropped;
            core.send(Command::Mqtt(link.clone()))?;
        }
        let retry_at = intake.retry_at;
        let ev = tokio::select! {
            ev = conn.poll() => ev,
            () = sleep_until(retry_at) => {
                intake.retry_at = None;
                intake.store_waiting(&core, &client, &receipts).await?;
                continue;
            }
            _ = shutdown.changed() => return Ok(()),
        };
        match ev {
            Happening::Connected {
                session_present,
                session_expiry_s,
            } => {
                reconnect.connected(tokio::time::Instant::now());
                watch.connected();
                let asked = match cfg.mqtt.version {
                    MqttVersion::V5 { session_expiry_s } => Some(session_expiry_s),
                    MqttVersion::V311 => None,
                };
                let granted = session_expiry_s.or(asked);
                tracing::info!(
                    "connected to mqtt://{}:{} over MQTT {} as {:?} (session present: {session_present}{})",
                    cfg.mqtt.host,
                    cfg.mqtt.port,
                    cfg.mqtt.version.name(),
                    cfg.mqtt.client_id,
                    granted.map(|s| format!(", kept {s} s while away")).unwrap_or_default()
                );
                if let (Some(a), Some(g)) = (asked, granted)
                    && g < a
                {
                    tracing::warn!(
                        "the broker keeps this board's session only {g} s while it is away (asked for {a} s): \
                         notices sent during a longer outage are lost unless the portal sends them again; raise \
                         the broker's maximum session expiry"
                    );
                }
                if link.session_present.is_some() && !session_present {
                    tracing::warn!(
                        "the broker had no session for this board: what was sent while it was away is lost (retained \
                         messages still arrive)"
                    );
                }
                for t in cfg.announcement_topics() {
                    if let Err(e) = client.try_subscribe(&t) {
                        tracing::error!("cannot subscribe to {t}: {e}");
                    }
                }
                link.connected = true;
                link.session_present = Some(session_present);
                link.session_expiry_s = granted;
                core.send(Command::Mqtt(link.clone()))?;
            }
            Happening::Message {
                topic,
                payload,
                delivery,
            } => {
                intake.take(topic, payload, delivery, &core, &client, &receipts).await?;
            }
            // Refused by its size where it arrives: never copied, hashed or written, and answered
            // at once, so reading it does not hold up the link (nor does the broker send it again).
            Happening::Oversized { topic, size, delivery } => {
                let reason = format!(
                    "the message is {size} bytes, more than the {} MiB any topic takes (the broker's \
                     message_size_limit should stop such messages: docs/mqtt.md)",
                    crate::envelope::MAX_MESSAGE / (1024 * 1024)
                );
                tracing::warn!("refused a message on {topic}: {reason}");
                intake.refuse_at_once(
                    delivery,
                    Receipt::new(
                        None,
                        None,
                        crate::ingest::ReceiptEvent::Rejected,
                        jiff::Timestamp::now(),
                    )
                    .with_reason(reason),
                    &client,
                    &receipts,
                );
            }
            // The broker has the receipt: it leaves the outbox (on disk with the next write).
            Happening::Acked(Some(Tag::Receipt(r))) => {
                core.send(Command::Published(*r))?;
            }
            Happening::Nothing | Happening::Subscribed | Happening::Acked(_) | Happening::Disconnected => {}
            Happening::Lost { reason, why } => {
                intake.lost();
                let id = &cfg.mqtt.client_id;
                let verdict = watch.lost(tokio::time::Instant::now(), why);
                let conflict = verdict != AfterLoss::Retry;
                let (delay, error) = match verdict {
                    AfterLoss::TakenOver { certain } => {
                        let what = if certain {
                            format!("{reason}: two daemons (or a daemon and a test client) use the client id {id:?}")
                        } else {
                            format!(
                                "the broker closed this board's connection {} times within a minute: another client \
                                 may be using the client id {id:?} (or the broker is restarting, or refuses this \
                                 board; its log says which)",
                                watch.closes.len()
                            )
                        };
                        tracing::error!(
                            "{what}. Each board needs its own, or they take the session, and the queued notices, \
                             from each other (set mqtt.client_id; docs/mqtt.md). Trying again in {} s",
                            TAKEN_OVER_PAUSE.as_secs()
                        );
                        let n = watch.closes.len();
                        let error = if certain {
                            Said {
                                en: format!("session taken over by another client with client id {id:?}"),
                                zh: format!("会话被另一个使用相同 client id（{id:?}）的客户端接管"),
                            }
                        } else {
                            Said {
                                en: format!(
                                    "connection closed by the broker {n} times within a minute: client id {id:?} may be in use elsewhere"
                                ),
                                zh: format!("一分钟内被消息服务器断开 {n} 次：client id {id:?} 可能在别处也在使用"),
                            }
                        };
                        link.client_id_conflict = Some(jiff::Timestamp::now());
                        (TAKEN_OVER_PAUSE, error)
                    }
                    AfterLoss::Retry => {
                        let delay = reconnect.lost(tokio::time::Instant::now());
                        tracing::warn!("mqtt: {reason}; retrying in {} ms", delay.as_millis());
                        (delay, reason)
                    }
                };
                if link.connected || conflict || link.last_error.as_deref() != Some(error.en.as_str()) {
                    link.connected = false;
                    link.last_error = Some(error.en);
                    link.last_error_zh = Some(error.zh);
                    core.send(Command::Mqtt(link.clone()))?;
                }
                tokio::select! {
                    () = tokio::time::sleep(delay) => {}
                    _ = shutdown.changed() => return Ok(()),
                }
            }
        }
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
