//! The broker link for either protocol version: [`Client`] (publish, subscribe, acknowledge) and
//! [`Connection`] (the event loop, read as [`Happening`]s), made by [`connect`] from the daemon's
//! configuration, or by [`Client::v311`]/[`Client::v5`] from options (the command-line tools).
//! A refused connection is explained in the words of whoever configured it ([`Hints`]).
//! Everything version-specific of rumqttc stays in this module (and `connect.rs` beneath it).

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use pinghu_playlists::problem::Said;
use rumqttc::v5;
use rumqttc::v5::mqttbytes::v5 as p5;
use rumqttc::{AsyncClient, Event, Incoming, MqttOptions, QoS};

use super::RequestError;

mod connect;
mod loss;

pub use connect::{connect, tls_transport};
pub use loss::{DAEMON_HINTS, Hints};
use loss::{lost_v5, lost_v311};

/// The sending half of the broker link, for either protocol version.
#[derive(Debug, Clone)]
pub struct Client {
    inner: Inner,
    /// What each QoS 1 publish was, until the broker acknowledges it.
    tracker: Arc<Mutex<Tracker>>,
}

#[derive(Debug, Clone)]
enum Inner {
    V311(AsyncClient),
    V5(v5::AsyncClient),
}

/// What a publish carries, told back when the broker acknowledges it (`Happening::Acked`): a
/// receipt leaves the durable outbox only then, not when it is queued in memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tag {
    Receipt(Box<crate::ingest::Receipt>),
    Other,
}

/// The publishes in flight, by what they carry. Publishes enter rumqttc's request queue in the
/// order they are tagged (one task publishes), and rumqttc numbers them in that order, so the
/// n-th packet id it reports sending is the n-th tag; a packet id it sends again after a
/// reconnect keeps its tag.
#[derive(Debug, Default)]
struct Tracker {
    queued: VecDeque<Tag>,
    inflight: HashMap<u16, Tag>,
    /// Receipts on their way to the publishing task, not yet queued.
    coming: usize,
}

impl Tracker {
    fn sent(&mut self, pkid: u16) {
        tracing::trace!(
            "publish {pkid} sent ({} queued, {} in flight, {} coming)",
            self.queued.len(),
            self.inflight.len(),
            self.coming
        );
        if pkid != 0 && !self.inflight.contains_key(&pkid) {
            let tag = self.queued.pop_front().unwrap_or(Tag::Other);
            self.inflight.insert(pkid, tag);
        }
    }

    fn acked(&mut self, pkid: u16) -> Option<Tag> {
        self.inflight.remove(&pkid)
    }
}

fn lock(t: &Mutex<Tracker>) -> std::sync::MutexGuard<'_, Tracker> {
    // Held only to push or pop one entry, never across an await.
    t.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// What acknowledging a received message needs: its packet id and QoS (not its payload, so a
/// backlog of acknowledgements costs a few bytes each).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delivery {
    pkid: u16,
    /// 0, 1 or 2.
    qos: u8,
}

#[cfg(test)]
impl Delivery {
    /// A QoS 1 delivery with this packet id, for the session's tests.
    pub(super) fn qos1(pkid: u16) -> Self {
        Delivery { pkid, qos: 1 }
    }
}

/// What one turn of the event loop brought.
#[derive(Debug)]
pub enum Happening {
    Connected {
        session_present: bool,
        session_expiry_s: Option<u32>,
    },
    Message {
        topic: String,
        payload: Vec<u8>,
        delivery: Delivery,
    },
    /// A message larger than any topic takes ([`crate::envelope::MAX_MESSAGE`]), not
    /// copied: it is refused by its size.
    Oversized {
        topic: String,
        size: usize,
        delivery: Delivery,
    },
    /// The broker's SUBACK.
    Subscribed,
    /// The broker's PUBACK of a QoS 1 publish, with what the publish carried.
    Acked(Option<Tag>),
    /// The client's own DISCONNECT went out.
    Disconnected,
    Nothing,
    /// The link dropped.
    Lost {
        /// Why, in both languages.
        reason: Said,
        why: Loss,
    },
}

/// How the link dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Loss {
    /// The broker said another client took the session (MQTT 5, DISCONNECT 0x8E).
    TakenOver,
    /// The broker closed the connection in order (end of stream), saying nothing.
    ClosedByBroker,
    /// Anything else: a network fault, a timeout, a refused connection.
    Other,
}

/// `TCP_NODELAY` on the broker's socket (plain or under TLS; rumqttc leaves it off). A receipt or
/// an acknowledgement is one small write; with Nagle's algorithm it waited for the broker's
/// delayed ACK of the write before it, 40 ms on every receipt (issue #32).
fn no_delay(mut n: rumqttc::NetworkOptions) -> rumqttc::NetworkOptions {
    n.set_tcp_nodelay(true);
    n
}

#[cfg(test)]
mod nodelay_tests;

/// The receiving half of the broker link (the event loop), for either protocol version.
pub struct Connection {
    events: Events,
    hints: &'static Hints,
    tracker: Arc<Mutex<Tracker>>,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Connection")
    }
}

enum Events {
    V311(Box<rumqttc::EventLoop>),
    V5(Box<v5::EventLoop>),
}

/// What the properties of a QoS 1 publish say under MQTT 5 (ignored under 3.1.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Props {
    pub content_type: String,
    /// The message expiry interval: the brokers drop the message after this many seconds.
    pub expiry_s: Option<u32>,
    /// The signing key's id, as a user property.
    pub key_id: Option<String>,
}

impl Client {
    /// An MQTT 3.1.1 client and its event loop from `options`.
    pub fn v311(options: MqttOptions, capacity: usize, hints: &'static Hints) -> (Client, Connection) {
        let (c, mut el) = AsyncClient::new(options, capacity);
        el.set_network_options(no_delay(el.network_options()));
        Self::pair(Inner::V311(c), Events::V311(Box::new(el)), hints)
    }

    /// An MQTT 5 client and its event loop from `options`.
    pub fn v5(mut options: v5::MqttOptions, capacity: usize, hints: &'static Hints) -> (Client, Connection) {
        options.set_network_options(no_delay(options.network_options()));
        let (c, el) = v5::AsyncClient::new(options, capacity);
        Self::pair(Inner::V5(c), Events::V5(Box::new(el)), hints)
    }

    fn pair(inner: Inner, events: Events, hints: &'static Hints) -> (Client, Connection) {
        let tracker = Arc::new(Mutex::new(Tracker::default()));
        let conn = Connection {
            events,
            hints,
            tracker: Arc::clone(&tracker),
        };
        (Client { inner, tracker }, conn)
    }

    /// Publish a receipt at QoS 1; the broker's acknowledgement comes back as
    /// `Happening::Acked(Some(Tag::Receipt(..)))`.
    pub async fn publish_receipt(
        &self,
        topic: &str,
        receipt: &crate::ingest::Receipt,
        content_type: &str,
    ) -> Result<(), RequestError> {
        let body = serde_json::to_string(receipt).map_err(RequestError::Json)?;
        let props = Props {
            content_type: content_type.to_owned(),
            expiry_s: None,
            key_id: None,
        };
        let r = self
            .publish_tagged(
                topic,
                false,
                body.into_bytes(),
                &props,
                Tag::Receipt(Box::new(receipt.clone())),
            )
            .await;
        let mut t = lock(&self.tracker);
        t.coming = t.coming.saturating_sub(1);
        r
    }

    /// Publish at QoS 1. Under MQTT 5 the message carries `content_type`.
    pub async fn publish(
        &self,
        topic: &str,
        retain: bool,
        payload: impl Into<Vec<u8>>,
        content_type: &str,
    ) -> Result<(), RequestError> {
        let props = Props {
            content_type: content_type.to_owned(),
            expiry_s: None,
            key_id: None,
        };
        self.publish_with(topic, retain, payload, &props).await
    }

    /// Publish at QoS 1; under MQTT 5 with `props`.
    pub async fn publish_with(
        &self,
        topic: &str,
        retain: bool,
        payload: impl Into<Vec<u8>>,
        props: &Props,
    ) -> Result<(), RequestError> {
        self.publish_tagged(topic, retain, payload.into(), props, Tag::Other)
            .await
    }

    async fn publish_tagged(
        &self,
        topic: &str,
        retain: bool,
        payload: Vec<u8>,
        props: &Props,
        tag: Tag,
    ) -> Result<(), RequestError> {
        lock(&self.tracker).queued.push_back(tag);
        let r = self.publish_inner(topic, retain, payload, props).await;
        if r.is_err() {
            // It never entered the queue.
            lock(&self.tracker).queued.pop_back();
        }
        r
    }

    async fn publish_inner(
        &self,
        topic: &str,
        retain: bool,
        payload: Vec<u8>,
        props: &Props,
    ) -> Result<(), RequestError> {
        match &self.inner {
            Inner::V311(c) => c
                .publish(topic, QoS::AtLeastOnce, retain, payload)
                .await
                .map_err(|e| RequestError::V311(Box::new(e))),
            Inner::V5(c) => {
                let props = p5::PublishProperties {
                    content_type: Some(props.content_type.clone()),
                    // UTF-8 text: every document published here is JSON.
                    payload_format_indicator: Some(1),
                    message_expiry_interval: props.expiry_s,
                    user_properties: props.key_id.iter().map(|k| ("key_id".to_owned(), k.clone())).collect(),
                    ..Default::default()
                };
                c.publish_with_properties(topic, v5::mqttbytes::QoS::AtLeastOnce, retain, payload, props)
                    .await
                    .map_err(|e| RequestError::V5(Box::new(e)))
            }
        }
    }

    /// Subscribe to `filter` at QoS 1, waiting for room in the request queue.
    pub async fn subscribe(&self, filter: &str) -> Result<(), RequestError> {
        match &self.inner {
            Inner::V311(c) => c
                .subscribe(filter, QoS::AtLeastOnce)
                .await
                .map_err(|e| RequestError::V311(Box::new(e))),
            Inner::V5(c) => c
                .subscribe(filter, v5::mqttbytes::QoS::AtLeastOnce)
                .await
                .map_err(|e| RequestError::V5(Box::new(e))),
        }
    }

    pub(super) fn try_subscribe(&self, topic: &str) -> Result<(), RequestError> {
        match &self.inner {
            Inner::V311(c) => c
                .try_subscribe(topic, QoS::AtLeastOnce)
                .map_err(|e| RequestError::V311(Box::new(e))),
            Inner::V5(c) => c
                .try_subscribe(topic, v5::mqttbytes::QoS::AtLeastOnce)
                .map_err(|e| RequestError::V5(Box::new(e))),
        }
    }

    /// Publishes not yet handed to the network (waiting for room in rumqttc's request queue, or
    /// in it).
    pub fn publishes_waiting(&self) -> usize {
        let t = lock(&self.tracker);
        t.queued.len() + t.coming
    }

    /// `n` receipts are on their way to [`Client::publish_receipt`].
    pub fn receipts_coming(&self, n: usize) {
        lock(&self.tracker).coming += n;
    }

    /// Queue the acknowledgement of `d` if there is room in the request queue (the caller keeps
    /// it and tries again after the next poll when there is not: an acknowledgement is delayed,
    /// never dropped).
    pub(super) fn try_ack(&self, d: Delivery) -> Result<(), RequestError> {
        match &self.inner {
            Inner::V311(c) => {
                let qos = match d.qos {
                    0 => return Ok(()),
                    1 => QoS::AtLeastOnce,
                    _ => QoS::ExactlyOnce,
                };
                let mut p = rumqttc::Publish::new("", qos, Vec::new());
                p.pkid = d.pkid;
                c.try_ack(&p).map_err(|e| RequestError::V311(Box::new(e)))
            }
            Inner::V5(c) => {
                let qos = match d.qos {
                    0 => return Ok(()),
                    1 => v5::mqttbytes::QoS::AtLeastOnce,
                    _ => v5::mqttbytes::QoS::ExactlyOnce,
                };
                let mut p = p5::Publish::new("", qos, Vec::new(), None);
                p.pkid = d.pkid;
                c.try_ack(&p).map_err(|e| RequestError::V5(Box::new(e)))
            }
        }
    }

    pub async fn disconnect(&self) {
        // Whether the request reached the event loop does not matter: the link is going.
        match &self.inner {
            Inner::V311(c) => drop(c.disconnect().await),
            Inner::V5(c) => drop(c.disconnect().await),
        }
    }
}

impl Connection {
    pub async fn poll(&mut self) -> Happening {
        let hints = self.hints;
        match &mut self.events {
            Events::V311(el) => match el.poll().await {
                Ok(Event::Incoming(Incoming::ConnAck(ack))) => Happening::Connected {
                    session_present: ack.session_present,
                    session_expiry_s: None,
                },
                Ok(Event::Incoming(Incoming::Publish(p))) => {
                    let delivery = Delivery {
                        pkid: p.pkid,
                        qos: p.qos as u8,
                    };
                    if p.payload.len() > crate::envelope::MAX_MESSAGE {
                        Happening::Oversized {
                            topic: p.topic,
                            size: p.payload.len(),
                            delivery,
                        }
                    } else {
                        Happening::Message {
                            delivery,
                            topic: p.topic,
                            payload: p.payload.to_vec(),
                        }
                    }
                }
                Ok(Event::Incoming(Incoming::SubAck(_))) => Happening::Subscribed,
                Ok(Event::Incoming(Incoming::PubAck(a))) => Happening::Acked(lock(&self.tracker).acked(a.pkid)),
                Ok(Event::Outgoing(rumqttc::Outgoing::Publish(pkid))) => {
                    lock(&self.tracker).sent(pkid);
                    Happening::Nothing
                }
                Ok(Event::Outgoing(rumqttc::Outgoing::Disconnect)) => Happening::Disconnected,
                Ok(_) => Happening::Nothing,
                Err(e) => lost_v311(e, hints),
            },
            Events::V5(el) => match el.poll().await {
                Ok(v5::Event::Incoming(p5::Packet::ConnAck(ack))) => Happening::Connected {
                    session_present: ack.session_present,
                    session_expiry_s: ack.properties.and_then(|p| p.session_expiry_interval),
                },
                Ok(v5::Event::Incoming(p5::Packet::Publish(p))) => {
                    let delivery = Delivery {
                        pkid: p.pkid,
                        qos: p.qos as u8,
                    };
                    let topic = String::from_utf8_lossy(&p.topic).into_owned();
                    if p.payload.len() > crate::envelope::MAX_MESSAGE {
                        Happening::Oversized {
                            topic,
                            size: p.payload.len(),
                            delivery,
                        }
                    } else {
                        Happening::Message {
                            delivery,
                            topic,
                            payload: p.payload.to_vec(),
                        }
                    }
                }
                Ok(v5::Event::Incoming(p5::Packet::SubAck(_))) => Happening::Subscribed,
                Ok(v5::Event::Incoming(p5::Packet::PubAck(a))) => Happening::Acked(lock(&self.tracker).acked(a.pkid)),
                Ok(v5::Event::Outgoing(rumqttc::Outgoing::Publish(pkid))) => {
                    lock(&self.tracker).sent(pkid);
                    Happening::Nothing
                }
                Ok(v5::Event::Outgoing(rumqttc::Outgoing::Disconnect)) => Happening::Disconnected,
                Ok(_) => Happening::Nothing,
                Err(e) => lost_v5(e, hints),
            },
        }
    }
}
