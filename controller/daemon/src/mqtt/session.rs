//! The MQTT loop's decisions, sans-IO: what to do with each [`Happening`] of the broker link and
//! when. The loop in `mqtt/mod.rs` only performs the [`Action`]s this hands out (subscribe, store
//! through the core, acknowledge, send a receipt, report the link, pause) and feeds back what
//! came of them; the clock is an argument, so the tests drive hours of outages and a failing
//! disk with a virtual one.
//!
//! What it guarantees:
//! * a message is acknowledged only after the core stored it, and acknowledgements go in the
//!   order the messages came; an acknowledgement that finds no room waits, it is never dropped;
//! * acknowledgements wait while receipts are on their way (they share rumqttc's request queue):
//!   held acknowledgements fill the broker's in-flight window and intake slows to what the board
//!   can answer;
//! * a message the disk cannot take waits with those behind it (at most [`MAX_WAITING`]) and is
//!   tried again with backoff; beyond, the broker keeps it;
//! * the answer to a message that changed nothing is sent best effort: past
//!   [`MAX_BEST_EFFORT`] receipts waiting it is counted, not queued;
//! * reconnection backs off with jitter; a board whose client id another client uses pauses.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use pinghu_playlists::problem::Said;
use tokio::time::Instant;

use super::link::{Delivery, Happening, Tag};
use super::takeover::{AfterLoss, TakeoverWatch};
use super::{BrokerLink, Reconnect, TAKEN_OVER_PAUSE, backlog_word};
use crate::backoff::Backoff;
use crate::config::{Config, MqttVersion};
use crate::ingest::{Receipt, ReceiptEvent};

/// Messages kept in memory while the disk cannot take them; beyond, a message is left
/// unacknowledged (the broker sends it again after the next connect), so memory stays bounded.
pub const MAX_WAITING: usize = 64;

/// Receipts waiting to go out beyond which the answer to a message that changed nothing
/// (`rejected`, `held`) is counted rather than sent.
pub(super) const MAX_BEST_EFFORT: usize = 1024;

/// What the loop must do next.
#[derive(Debug)]
pub(super) enum Action {
    /// Subscribe to a topic (after a connect).
    Subscribe(String),
    /// Hand a message to the core to store; then call [`Session::stored`] with its answer.
    Store { topic: String, payload: Arc<[u8]> },
    /// Acknowledge a stored message; if the request queue is full, [`Session::ack_refused`].
    Ack(Delivery),
    /// Publish a receipt.
    Send(Receipt),
    /// Tell the core how the link looks (for the status).
    Report(BrokerLink),
    /// The broker has this receipt: it leaves the durable outbox.
    Published(Receipt),
    /// Wait this long before polling the link again (reconnection backoff).
    Pause(Duration),
}

/// What the configuration says about the link.
#[derive(Debug)]
struct Setup {
    client_id: String,
    /// `mqtt://host:port over MQTT 5`, for the log.
    endpoint: String,
    /// MQTT 5: the session expiry asked for.
    asked_expiry_s: Option<u32>,
    topics: Vec<String>,
}

/// The MQTT link's state and decisions.
#[derive(Debug)]
pub(super) struct Session {
    setup: Setup,
    reconnect: Reconnect,
    watch: TakeoverWatch,
    link: BrokerLink,
    /// Received, not stored yet, in order; the first is with the core while `storing`.
    waiting: VecDeque<(String, Arc<[u8]>, Delivery)>,
    storing: bool,
    /// Stored, acknowledgement not queued yet; `acks_blocked`: the queue was full, wait for the
    /// next happening before trying again.
    acks: VecDeque<Delivery>,
    acks_blocked: bool,
    /// When to try the disk again, and how the delay grows.
    retry: Option<(Instant, Backoff)>,
    /// Answers to messages that changed nothing not sent because receipts could not go out
    /// fast enough.
    dropped: u64,
    actions: VecDeque<Action>,
}

impl Session {
    pub(super) fn new(cfg: &Config) -> Self {
        Session {
            setup: Setup {
                client_id: cfg.mqtt.client_id.clone(),
                endpoint: format!(
                    "mqtt://{}:{} over MQTT {}",
                    cfg.mqtt.host,
                    cfg.mqtt.port,
                    cfg.mqtt.version.name()
                ),
                asked_expiry_s: match cfg.mqtt.version {
                    MqttVersion::V5 { session_expiry_s } => Some(session_expiry_s),
                    MqttVersion::V311 => None,
                },
                topics: cfg.announcement_topics(),
            },
            reconnect: Reconnect::default(),
            watch: TakeoverWatch::default(),
            link: BrokerLink::default(),
            waiting: VecDeque::new(),
            storing: false,
            acks: VecDeque::new(),
            acks_blocked: false,
            retry: None,
            dropped: 0,
            actions: VecDeque::new(),
        }
    }

    /// What the link brought at `now`.
    pub(super) fn handle(&mut self, happening: Happening, now: Instant) {
        self.acks_blocked = false;
        match happening {
            Happening::Connected {
                session_present,
                session_expiry_s,
            } => self.connected(session_present, session_expiry_s, now),
            Happening::Message {
                topic,
                payload,
                delivery,
            } => {
                if self.waiting.len() >= MAX_WAITING {
                    tracing::warn!(
                        "{MAX_WAITING} messages already wait for the disk: the one on {topic} is left \
                         unacknowledged, for the broker to send again"
                    );
                    return;
                }
                self.waiting.push_back((topic, payload.into(), delivery));
            }
            // Refused by its size where it arrives: never copied, hashed or written, and answered
            // at once, so reading it does not hold up the link (nor does the broker send it again).
            Happening::Oversized { topic, size, delivery } => {
                let reason = crate::reason::Reason::Oversized { size };
                tracing::warn!("refused a message on {topic}: {reason}");
                // Behind messages waiting for the disk its acknowledgement must not overtake
                // theirs: it is let go, the broker sends it again, and it is refused again then.
                if self.waiting.is_empty() {
                    self.acks.push_back(delivery);
                    let at = jiff::Timestamp::now();
                    self.actions.push_back(Action::Send(
                        Receipt::new(None, None, ReceiptEvent::Rejected, at).with_reason(reason),
                    ));
                }
            }
            Happening::Acked(Some(Tag::Receipt(r))) => self.actions.push_back(Action::Published(*r)),
            Happening::Nothing | Happening::Subscribed | Happening::Acked(_) | Happening::Disconnected => {}
            Happening::Lost { reason, why } => {
                // The broker sends every unacknowledged message again on the next connect (the
                // session is persistent), so what waits here is let go.
                self.waiting.clear();
                self.storing = false;
                self.acks.clear();
                self.retry = None;
                let verdict = self.watch.lost(now, why);
                let conflict = verdict != AfterLoss::Retry;
                let (delay, error) = match verdict {
                    AfterLoss::TakenOver { certain } => (TAKEN_OVER_PAUSE, self.taken_over(certain, &reason)),
                    AfterLoss::Retry => {
                        let delay = self.reconnect.lost(now);
                        tracing::warn!("mqtt: {reason}; retrying in {} ms", delay.as_millis());
                        (delay, reason)
                    }
                };
                if self.link.connected || conflict || self.link.last_error.as_deref() != Some(error.en.as_str()) {
                    self.link.connected = false;
                    self.link.last_error = Some(error.en);
                    self.link.last_error_zh = Some(error.zh);
                    self.actions.push_back(Action::Report(self.link.clone()));
                }
                self.actions.push_back(Action::Pause(delay));
            }
        }
    }

    fn connected(&mut self, session_present: bool, session_expiry_s: Option<u32>, now: Instant) {
        self.reconnect.connected(now);
        self.watch.connected();
        let granted = session_expiry_s.or(self.setup.asked_expiry_s);
        tracing::info!(
            "connected to {} as {:?} (session present: {session_present}{})",
            self.setup.endpoint,
            self.setup.client_id,
            granted.map(|s| format!(", kept {s} s while away")).unwrap_or_default()
        );
        if let (Some(a), Some(g)) = (self.setup.asked_expiry_s, granted)
            && g < a
        {
            tracing::warn!(
                "the broker keeps this board's session only {g} s while it is away (asked for {a} s): notices \
                 sent during a longer outage are lost unless the portal sends them again; raise the broker's \
                 maximum session expiry"
            );
        }
        if self.link.session_present.is_some() && !session_present {
            tracing::warn!(
                "the broker had no session for this board: what was sent while it was away is lost (retained \
                 messages still arrive)"
            );
        }
        self.actions
            .extend(self.setup.topics.iter().cloned().map(Action::Subscribe));
        self.link.connected = true;
        self.link.session_present = Some(session_present);
        self.link.session_expiry_s = granted;
        self.actions.push_back(Action::Report(self.link.clone()));
    }

    /// Another client (most likely) uses this board's client id: say so, in both languages.
    fn taken_over(&mut self, certain: bool, reason: &Said) -> Said {
        let id = &self.setup.client_id;
        let n = self.watch.closes.len();
        let what = if certain {
            format!("{reason}: two daemons (or a daemon and a test client) use the client id {id:?}")
        } else {
            format!(
                "the broker closed this board's connection {n} times within a minute: another client may be \
                 using the client id {id:?} (or the broker is restarting, or refuses this board; its log says which)"
            )
        };
        tracing::error!(
            "{what}. Each board needs its own, or they take the session, and the queued notices, from each \
             other (set mqtt.client_id; docs/mqtt.md). Trying again in {} s",
            TAKEN_OVER_PAUSE.as_secs()
        );
        self.link.client_id_conflict = Some(jiff::Timestamp::now());
        if certain {
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
        }
    }

    /// The next thing to do, given how many publishes wait in the request queue; `None`: poll
    /// the link (or wait for [`Session::poll_timeout`]).
    pub(super) fn poll(&mut self, publishes_waiting: usize, now: Instant) -> Option<Action> {
        if let Some(a) = self.actions.pop_front() {
            return Some(a);
        }
        // The status says when messages pile up, by order of magnitude, not each one.
        let backlog = backlog_word(self.waiting.len() + self.acks.len());
        let dropped = if self.dropped == 0 {
            0
        } else {
            1 << self.dropped.ilog2()
        };
        if backlog != self.link.backlog || dropped != self.link.receipts_dropped {
            self.link.backlog = backlog;
            self.link.receipts_dropped = dropped;
            return Some(Action::Report(self.link.clone()));
        }
        if !self.storing
            && self.retry.as_ref().is_none_or(|(at, _)| *at <= now)
            && let Some((topic, payload, _)) = self.waiting.front()
        {
            self.storing = true;
            return Some(Action::Store {
                topic: topic.clone(),
                payload: Arc::clone(payload),
            });
        }
        if publishes_waiting == 0 && !self.acks_blocked {
            return self.acks.pop_front().map(Action::Ack);
        }
        if !self.acks.is_empty() {
            tracing::trace!(
                "{} acknowledgements wait behind {publishes_waiting} publishes",
                self.acks.len()
            );
        }
        None
    }

    /// The request queue had no room for this acknowledgement: first in line again, tried after
    /// the next happening.
    pub(super) fn ack_refused(&mut self, d: Delivery) {
        self.acks.push_front(d);
        self.acks_blocked = true;
    }

    /// The core's answer to [`Action::Store`]: `Ok`, stored (acknowledge it, send its receipts);
    /// `Err`, the disk did not take it (it and those behind it wait, tried again with backoff).
    pub(super) fn stored(&mut self, answer: std::io::Result<Vec<Receipt>>, publishes_waiting: usize, now: Instant) {
        self.storing = false;
        match answer {
            Ok(receipts) => {
                if let Some((_, _, d)) = self.waiting.pop_front() {
                    self.acks.push_back(d);
                }
                self.retry = None;
                let mut queued = publishes_waiting;
                for r in receipts {
                    if r.is_best_effort() && queued >= MAX_BEST_EFFORT {
                        self.dropped += 1;
                        if self.dropped.is_power_of_two() {
                            tracing::warn!(
                                "{} messages that changed nothing not answered: they come faster than receipts go out",
                                self.dropped
                            );
                        }
                        continue;
                    }
                    // A refusal is logged once, where it is judged; its receipt only at debug.
                    if r.is_best_effort() {
                        tracing::debug!("receipt {r}");
                    } else {
                        tracing::info!("receipt {r}");
                    }
                    queued += 1;
                    self.actions.push_back(Action::Send(r));
                }
            }
            Err(e) => {
                let (_, backoff) = self
                    .retry
                    .get_or_insert_with(|| (now, Backoff::new(Duration::from_secs(1), Duration::from_secs(30))));
                let delay = backoff.next_delay();
                let behind = self.waiting.len().saturating_sub(1);
                let topic = self.waiting.front().map_or("", |w| w.0.as_str());
                tracing::error!(
                    "the message on {topic} cannot be stored ({e}); it and {behind} behind it stay \
                     unacknowledged, trying again in {} ms",
                    delay.as_millis()
                );
                if let Some((at, _)) = &mut self.retry {
                    *at = now + delay;
                }
            }
        }
    }

    /// When the loop must come back without a happening: the next try of the disk.
    pub(super) fn poll_timeout(&self) -> Option<Instant> {
        self.retry
            .as_ref()
            .filter(|_| !self.storing && !self.waiting.is_empty())
            .map(|(at, _)| *at)
    }

    /// The link as the status sees it.
    #[cfg(test)]
    pub(super) fn link(&self) -> &BrokerLink {
        &self.link
    }
}

#[cfg(test)]
mod tests;
