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

mod connect;

pub use connect::{connect, tls_transport};

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

/// What to do about a refused connection, in the words of whoever configured it, and what to
/// add to any other failure.
#[derive(Debug)]
pub struct Hints {
    pub login: &'static str,
    pub client_id: &'static str,
    pub version: &'static str,
    /// The same three in Chinese.
    pub login_zh: &'static str,
    pub client_id_zh: &'static str,
    pub version_zh: &'static str,
    /// Added to other failures under MQTT 3.1.1 and MQTT 5.
    pub other: (&'static str, &'static str),
}

/// The daemon's: its configuration's keys.
pub const DAEMON_HINTS: Hints = Hints {
    login: "the broker refused the login: check mqtt.username and mqtt.password (or password_file), and the \
            broker's password file and ACL for this board",
    client_id: "the broker refused the client id: check mqtt.client_id (or the broker's rules for ids)",
    version: "the broker does not speak MQTT 5: set mqtt.version = \"3.1.1\", or upgrade the broker (mosquitto \
              speaks MQTT 5 from 1.6)",
    login_zh: "消息服务器拒绝了登录：请检查 mqtt.username 和 mqtt.password（或 password_file），以及服务器上\
               此屏的密码文件和 ACL",
    client_id_zh: "消息服务器拒绝了 client id：请检查 mqtt.client_id（或服务器对 id 的规则）",
    version_zh: "消息服务器不支持 MQTT 5：请设置 mqtt.version = \"3.1.1\"，或升级服务器（mosquitto 从 1.6 起支持 \
                 MQTT 5）",
    other: ("", ""),
};

/// A lost connection in Chinese, from the kind of the error (its English is the library's).
fn lost_zh(io: Option<std::io::ErrorKind>, timeout: bool, tls: bool, aborted: bool) -> String {
    match (io, timeout, tls, aborted) {
        (Some(kind), ..) => format!("与消息服务器的连接出错：{}", pinghu_protocol::words::io_error_zh(kind)),
        (None, true, ..) => "连接消息服务器超时：请检查网络和 mqtt.host".to_owned(),
        (None, _, true, _) => "与消息服务器的 TLS 连接失败：请检查证书和 mqtt 的 TLS 设置".to_owned(),
        (None, _, _, true) => "消息服务器关闭了连接".to_owned(),
        _ => "与消息服务器的连接中断".to_owned(),
    }
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
    ) -> Result<(), String> {
        let body = serde_json::to_string(receipt).map_err(|e| e.to_string())?;
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
    ) -> Result<(), String> {
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
    ) -> Result<(), String> {
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
    ) -> Result<(), String> {
        lock(&self.tracker).queued.push_back(tag);
        let r = self.publish_inner(topic, retain, payload, props).await;
        if r.is_err() {
            // It never entered the queue.
            lock(&self.tracker).queued.pop_back();
        }
        r
    }

    async fn publish_inner(&self, topic: &str, retain: bool, payload: Vec<u8>, props: &Props) -> Result<(), String> {
        match &self.inner {
            Inner::V311(c) => c
                .publish(topic, QoS::AtLeastOnce, retain, payload)
                .await
                .map_err(|e| e.to_string()),
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
                    .map_err(|e| e.to_string())
            }
        }
    }

    /// Subscribe to `filter` at QoS 1, waiting for room in the request queue.
    pub async fn subscribe(&self, filter: &str) -> Result<(), String> {
        match &self.inner {
            Inner::V311(c) => c.subscribe(filter, QoS::AtLeastOnce).await.map_err(|e| e.to_string()),
            Inner::V5(c) => c
                .subscribe(filter, v5::mqttbytes::QoS::AtLeastOnce)
                .await
                .map_err(|e| e.to_string()),
        }
    }

    pub(super) fn try_subscribe(&self, topic: &str) -> Result<(), String> {
        match &self.inner {
            Inner::V311(c) => c.try_subscribe(topic, QoS::AtLeastOnce).map_err(|e| e.to_string()),
            Inner::V5(c) => c
                .try_subscribe(topic, v5::mqttbytes::QoS::AtLeastOnce)
                .map_err(|e| e.to_string()),
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
    pub(super) fn try_ack(&self, d: Delivery) -> Result<(), String> {
        match &self.inner {
            Inner::V311(c) => {
                let qos = match d.qos {
                    0 => return Ok(()),
                    1 => QoS::AtLeastOnce,
                    _ => QoS::ExactlyOnce,
                };
                let mut p = rumqttc::Publish::new("", qos, Vec::new());
                p.pkid = d.pkid;
                c.try_ack(&p).map_err(|e| e.to_string())
            }
            Inner::V5(c) => {
                let qos = match d.qos {
                    0 => return Ok(()),
                    1 => v5::mqttbytes::QoS::AtLeastOnce,
                    _ => v5::mqttbytes::QoS::ExactlyOnce,
                };
                let mut p = p5::Publish::new("", qos, Vec::new(), None);
                p.pkid = d.pkid;
                c.try_ack(&p).map_err(|e| e.to_string())
            }
        }
    }

    pub async fn disconnect(&self) {
        let _ = match &self.inner {
            Inner::V311(c) => c.disconnect().await.map_err(|e| e.to_string()),
            Inner::V5(c) => c.disconnect().await.map_err(|e| e.to_string()),
        };
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

/// An MQTT 3.1.1 loss, with a refused connection explained.
fn lost_v311(e: rumqttc::ConnectionError, hints: &Hints) -> Happening {
    use rumqttc::ConnectReturnCode as C;
    let why = if matches!(
        e,
        rumqttc::ConnectionError::MqttState(rumqttc::StateError::ConnectionAborted)
    ) {
        Loss::ClosedByBroker
    } else {
        Loss::Other
    };
    let hint = match &e {
        rumqttc::ConnectionError::ConnectionRefused(C::BadUserNamePassword | C::NotAuthorized) => {
            Some((hints.login, hints.login_zh))
        }
        rumqttc::ConnectionError::ConnectionRefused(C::BadClientId) => Some((hints.client_id, hints.client_id_zh)),
        _ => None,
    };
    let zh = lost_zh(
        match &e {
            rumqttc::ConnectionError::Io(io) => Some(io.kind()),
            _ => None,
        },
        matches!(e, rumqttc::ConnectionError::NetworkTimeout),
        matches!(e, rumqttc::ConnectionError::Tls(_)),
        why == Loss::ClosedByBroker,
    );
    Happening::Lost {
        reason: hint.map_or_else(
            || Said {
                en: format!("{e}{}", hints.other.0),
                zh,
            },
            |(h, h_zh)| Said {
                en: format!("{e}: {h}"),
                zh: h_zh.to_owned(),
            },
        ),
        why,
    }
}

/// An MQTT 5 loss, with the broker's DISCONNECT 0x8E (session taken over) recognised and a
/// refused connection explained.
fn lost_v5(e: v5::ConnectionError, hints: &Hints) -> Happening {
    use p5::ConnectReturnCode as C;
    let hint = match &e {
        v5::ConnectionError::ConnectionRefused(C::BadUserNamePassword | C::NotAuthorized | C::Banned) => {
            Some((hints.login, hints.login_zh))
        }
        v5::ConnectionError::ConnectionRefused(C::BadClientId | C::ClientIdentifierNotValid) => {
            Some((hints.client_id, hints.client_id_zh))
        }
        v5::ConnectionError::ConnectionRefused(C::RefusedProtocolVersion | C::UnsupportedProtocolVersion) => {
            Some((hints.version, hints.version_zh))
        }
        _ => None,
    };
    if let Some((h, zh)) = hint {
        return Happening::Lost {
            reason: Said {
                en: format!("{e}: {h}"),
                zh: zh.to_owned(),
            },
            why: Loss::Other,
        };
    }
    let zh = |aborted: bool| {
        lost_zh(
            match &e {
                v5::ConnectionError::Io(io) => Some(io.kind()),
                _ => None,
            },
            matches!(e, v5::ConnectionError::Timeout(_)),
            matches!(e, v5::ConnectionError::Tls(_)),
            aborted,
        )
    };
    match e {
        v5::ConnectionError::MqttState(v5::StateError::ServerDisconnect {
            reason_code: p5::DisconnectReasonCode::SessionTakenOver,
            ..
        }) => Happening::Lost {
            reason: Said {
                en: "the broker says another client connected with this board's client id and took its session".into(),
                zh: "消息服务器说另一个使用此屏 client id 的客户端连上并接管了会话".into(),
            },
            why: Loss::TakenOver,
        },
        v5::ConnectionError::MqttState(v5::StateError::ConnectionAborted) => Happening::Lost {
            reason: Said {
                en: e.to_string(),
                zh: zh(true),
            },
            why: Loss::ClosedByBroker,
        },
        _ => Happening::Lost {
            reason: Said {
                zh: zh(false),
                en: format!("{e}{}", hints.other.1),
            },
            why: Loss::Other,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lost_v5_daemon(e: v5::ConnectionError) -> Happening {
        lost_v5(e, &DAEMON_HINTS)
    }

    fn lost_v311_daemon(e: rumqttc::ConnectionError) -> Happening {
        lost_v311(e, &DAEMON_HINTS)
    }

    #[test]
    fn a_disconnect_0x8e_is_read_as_taken_over() {
        let e = v5::ConnectionError::MqttState(v5::StateError::ServerDisconnect {
            reason_code: p5::DisconnectReasonCode::SessionTakenOver,
            reason_string: None,
        });
        assert!(matches!(
            lost_v5(e, &DAEMON_HINTS),
            Happening::Lost {
                why: Loss::TakenOver,
                ..
            }
        ));
        let e = v5::ConnectionError::MqttState(v5::StateError::ConnectionAborted);
        assert!(matches!(
            lost_v5(e, &DAEMON_HINTS),
            Happening::Lost {
                why: Loss::ClosedByBroker,
                ..
            }
        ));
        let e = v5::ConnectionError::MqttState(v5::StateError::AwaitPingResp);
        assert!(matches!(
            lost_v5(e, &DAEMON_HINTS),
            Happening::Lost { why: Loss::Other, .. }
        ));
    }

    #[test]
    fn a_refused_connection_says_what_to_check() {
        let reason = |h: Happening| match h {
            Happening::Lost { reason, .. } => reason.en,
            _ => String::new(),
        };
        let r = reason(lost_v5_daemon(v5::ConnectionError::ConnectionRefused(
            p5::ConnectReturnCode::UnsupportedProtocolVersion,
        )));
        assert!(r.contains("set mqtt.version = \"3.1.1\""), "{r}");
        let r = reason(lost_v5_daemon(v5::ConnectionError::ConnectionRefused(
            p5::ConnectReturnCode::NotAuthorized,
        )));
        assert!(r.contains("check mqtt.username"), "{r}");
        let r = reason(lost_v311_daemon(rumqttc::ConnectionError::ConnectionRefused(
            rumqttc::ConnectReturnCode::BadUserNamePassword,
        )));
        assert!(r.contains("check mqtt.username"), "{r}");
    }
}
