//! The daemon's **mqtt** task: the rumqttc event loop (persistent session, QoS 1, manual acks).
//! Each message goes to the core, which verifies it, applies it to a copy of the state and writes
//! it to disk; only then is it acknowledged. A failing disk is retried with backoff until the
//! message is stored; the broker connection reconnects with exponential backoff and jitter.
//!
//! The daemon speaks MQTT 3.1.1 or MQTT 5 (`mqtt.version`). [`Client`] and [`Connection`] hide
//! which, so the rest of the daemon publishes, subscribes and acknowledges the same way. Under
//! MQTT 5 the daemon asks for a session expiry interval (the broker keeps the board's queue that
//! long while it is away), labels what it publishes with a content type, and recognises the
//! broker's "session taken over" (another client with the same client id) to say so and back off.

use std::time::Duration;

use rumqttc::v5;
use rumqttc::v5::mqttbytes::v5 as p5;
use rumqttc::{AsyncClient, Event, Incoming, LastWill, MqttOptions, QoS, TlsConfiguration, Transport};
use tokio::sync::{mpsc, watch};

use crate::backoff::Backoff;
use crate::daemon::config::{Config, MqttVersion};
use crate::daemon::ingest::Receipt;
use crate::daemon::{Command, CoreGone, CoreHandle, DaemonError};

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
    /// When another client last took (or most likely took) the board's session.
    pub client_id_conflict: Option<jiff::Timestamp>,
}

/// The sending half of the broker link, for either protocol version.
#[derive(Debug, Clone)]
pub(super) enum Client {
    V311(AsyncClient),
    V5(v5::AsyncClient),
}

/// A received message's handle for its acknowledgement.
#[derive(Debug)]
enum Delivery {
    V311(Box<rumqttc::Publish>),
    V5(Box<p5::Publish>),
}

/// What one turn of the event loop brought.
enum Happening {
    Connected {
        session_present: bool,
        session_expiry_s: Option<u32>,
    },
    Message {
        topic: String,
        payload: Vec<u8>,
        delivery: Delivery,
    },
    Nothing,
    /// The link dropped.
    Lost {
        reason: String,
        why: Loss,
    },
}

/// How the link dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Loss {
    /// The broker said another client took the session (MQTT 5, DISCONNECT 0x8E).
    TakenOver,
    /// The broker closed the connection in order (end of stream), saying nothing.
    ClosedByBroker,
    /// Anything else: a network fault, a timeout, a refused connection.
    Other,
}

/// The receiving half of the broker link (the event loop), for either protocol version.
pub(super) enum Connection {
    V311(Box<rumqttc::EventLoop>),
    V5(Box<v5::EventLoop>),
}

impl Client {
    /// Publish at QoS 1. Under MQTT 5 the message carries `content_type`.
    pub(super) async fn publish(
        &self,
        topic: &str,
        retain: bool,
        payload: impl Into<Vec<u8>>,
        content_type: &str,
    ) -> Result<(), String> {
        let payload: Vec<u8> = payload.into();
        match self {
            Client::V311(c) => c
                .publish(topic, QoS::AtLeastOnce, retain, payload)
                .await
                .map_err(|e| e.to_string()),
            Client::V5(c) => {
                let props = p5::PublishProperties {
                    content_type: Some(content_type.to_owned()),
                    // UTF-8 text: every document the daemon publishes is JSON.
                    payload_format_indicator: Some(1),
                    ..Default::default()
                };
                c.publish_with_properties(topic, v5::mqttbytes::QoS::AtLeastOnce, retain, payload, props)
                    .await
                    .map_err(|e| e.to_string())
            }
        }
    }

    fn try_subscribe(&self, topic: &str) -> Result<(), String> {
        match self {
            Client::V311(c) => c.try_subscribe(topic, QoS::AtLeastOnce).map_err(|e| e.to_string()),
            Client::V5(c) => c
                .try_subscribe(topic, v5::mqttbytes::QoS::AtLeastOnce)
                .map_err(|e| e.to_string()),
        }
    }

    fn try_ack(&self, d: &Delivery) -> Result<(), String> {
        match (self, d) {
            (Client::V311(c), Delivery::V311(p)) => c.try_ack(p).map_err(|e| e.to_string()),
            (Client::V5(c), Delivery::V5(p)) => c.try_ack(p).map_err(|e| e.to_string()),
            _ => Err("a message from the other protocol version".into()),
        }
    }

    pub(super) async fn disconnect(&self) {
        let _ = match self {
            Client::V311(c) => c.disconnect().await.map_err(|e| e.to_string()),
            Client::V5(c) => c.disconnect().await.map_err(|e| e.to_string()),
        };
    }
}

impl Connection {
    async fn poll(&mut self) -> Happening {
        match self {
            Connection::V311(el) => match el.poll().await {
                Ok(Event::Incoming(Incoming::ConnAck(ack))) => Happening::Connected {
                    session_present: ack.session_present,
                    session_expiry_s: None,
                },
                Ok(Event::Incoming(Incoming::Publish(p))) => Happening::Message {
                    topic: p.topic.clone(),
                    payload: p.payload.to_vec(),
                    delivery: Delivery::V311(Box::new(p)),
                },
                Ok(_) => Happening::Nothing,
                Err(e) => Happening::Lost {
                    reason: e.to_string(),
                    why: if matches!(
                        e,
                        rumqttc::ConnectionError::MqttState(rumqttc::StateError::ConnectionAborted)
                    ) {
                        Loss::ClosedByBroker
                    } else {
                        Loss::Other
                    },
                },
            },
            Connection::V5(el) => match el.poll().await {
                Ok(v5::Event::Incoming(p5::Packet::ConnAck(ack))) => Happening::Connected {
                    session_present: ack.session_present,
                    session_expiry_s: ack.properties.and_then(|p| p.session_expiry_interval),
                },
                Ok(v5::Event::Incoming(p5::Packet::Publish(p))) => Happening::Message {
                    topic: String::from_utf8_lossy(&p.topic).into_owned(),
                    payload: p.payload.to_vec(),
                    delivery: Delivery::V5(Box::new(p)),
                },
                Ok(_) => Happening::Nothing,
                Err(e) => lost_v5(e),
            },
        }
    }
}

/// An MQTT 5 loss, with the broker's DISCONNECT 0x8E (session taken over) recognised.
fn lost_v5(e: v5::ConnectionError) -> Happening {
    match e {
        v5::ConnectionError::MqttState(v5::StateError::ServerDisconnect {
            reason_code: p5::DisconnectReasonCode::SessionTakenOver,
            ..
        }) => Happening::Lost {
            reason: "the broker says another client connected with this board's client id and took its session".into(),
            why: Loss::TakenOver,
        },
        v5::ConnectionError::MqttState(v5::StateError::ConnectionAborted) => Happening::Lost {
            reason: e.to_string(),
            why: Loss::ClosedByBroker,
        },
        e => Happening::Lost {
            reason: e.to_string(),
            why: Loss::Other,
        },
    }
}

/// Take in what anyone can publish (up to 32 MiB) so an oversized message is refused with a
/// receipt and acknowledged: a packet rumqttc could not read would drop the connection, and the
/// broker would redeliver it forever, holding up every message behind it. Brokers should also cap
/// it (mosquitto: message_size_limit). Under MQTT 5 the broker learns the limit from the CONNECT
/// and discards anything larger instead of sending it.
const MAX_IN: usize = 32 * 1024 * 1024;

/// The client and its event loop for the configured broker and protocol version.
pub(super) fn connect(cfg: &Config, will: Vec<u8>) -> Result<(Client, Connection), DaemonError> {
    let m = &cfg.mqtt;
    let transport = if m.tls { Some(tls_transport(cfg)?) } else { None };
    let credentials = m
        .username
        .as_ref()
        .map(|u| (u.clone(), m.password.clone().unwrap_or_default()));
    match m.version {
        MqttVersion::V311 => {
            let mut o = MqttOptions::new(m.client_id.clone(), m.host.clone(), m.port);
            o.set_keep_alive(Duration::from_secs(15));
            o.set_clean_session(false);
            o.set_manual_acks(true);
            o.set_max_packet_size(MAX_IN, 1024 * 1024);
            o.set_last_will(LastWill::new(cfg.status_topic(), will, QoS::AtLeastOnce, true));
            if let Some((u, pw)) = credentials {
                o.set_credentials(u, pw);
            }
            if let Some(t) = transport {
                o.set_transport(t);
            }
            let (c, el) = AsyncClient::new(o, 256);
            Ok((Client::V311(c), Connection::V311(Box::new(el))))
        }
        MqttVersion::V5 { session_expiry_s } => {
            let mut o = v5::MqttOptions::new(m.client_id.clone(), m.host.clone(), m.port);
            o.set_keep_alive(Duration::from_secs(15));
            o.set_clean_start(false);
            o.set_session_expiry_interval(Some(session_expiry_s));
            o.set_manual_acks(true);
            o.set_max_packet_size(Some(MAX_IN as u32));
            // As under 3.1.1 (rumqttc's default there). Left unset, rumqttc's MQTT 5 state keeps a
            // slot for 65,535 publishes in flight: 14 MiB per daemon for nothing.
            o.set_outgoing_inflight_upper_limit(100);
            let props = p5::LastWillProperties {
                delay_interval: None,
                payload_format_indicator: Some(1),
                message_expiry_interval: None,
                content_type: Some("application/json".into()),
                response_topic: None,
                correlation_data: None,
                user_properties: Vec::new(),
            };
            o.set_last_will(p5::LastWill::new(
                cfg.status_topic(),
                will,
                v5::mqttbytes::QoS::AtLeastOnce,
                true,
                Some(props),
            ));
            if let Some((u, pw)) = credentials {
                o.set_credentials(u, pw);
            }
            if let Some(t) = transport {
                o.set_transport(t);
            }
            let (c, el) = v5::AsyncClient::new(o, 256);
            Ok((Client::V5(c), Connection::V5(Box::new(el))))
        }
    }
}

fn tls_transport(cfg: &Config) -> Result<Transport, DaemonError> {
    let m = &cfg.mqtt;
    let _ = rustls::crypto::ring::default_provider().install_default();
    let ca = match &m.ca_file {
        Some(p) => {
            std::fs::read(p).map_err(|e| DaemonError::Mqtt(format!("cannot read the CA file {}: {e}", p.display())))?
        }
        None => {
            return Err(DaemonError::Mqtt(
                "mqtts:// needs mqtt.ca_file (the broker's CA certificate, PEM)".into(),
            ));
        }
    };
    let client_auth = match &m.client_cert {
        Some((c, k)) => Some((
            std::fs::read(c).map_err(|e| DaemonError::Mqtt(format!("cannot read {}: {e}", c.display())))?,
            std::fs::read(k).map_err(|e| DaemonError::Mqtt(format!("cannot read {}: {e}", k.display())))?,
        )),
        None => None,
    };
    Ok(Transport::tls_with_config(TlsConfiguration::Simple {
        ca,
        alpn: None,
        client_auth,
    }))
}

/// Hand one message to the core until it is stored (a failing disk is retried with backoff).
/// Returns the receipts, or `None` when the daemon is shutting down.
async fn store_message(
    core: &CoreHandle,
    payload: &[u8],
    topic: &str,
    shutdown: &mut watch::Receiver<bool>,
) -> Result<Option<Vec<Receipt>>, CoreGone> {
    let mut backoff = Backoff::new(Duration::from_secs(1), Duration::from_secs(30));
    loop {
        match core.ingest(payload.to_vec(), topic.to_owned()).await? {
            Ok(receipts) => return Ok(Some(receipts)),
            Err(e) => {
                let delay = backoff.next_delay();
                tracing::error!(
                    "the message on {topic} cannot be stored ({e}); it stays unacknowledged, trying again in {} ms",
                    delay.as_millis()
                );
                tokio::select! {
                    () = tokio::time::sleep(delay) => {}
                    _ = shutdown.changed() => return Ok(None),
                }
            }
        }
    }
}

/// How long to stay away after another client took the board's session: long enough that the
/// two do not knock each other off many times a second, short enough to come back once the
/// other one is gone.
const TAKEN_OVER_PAUSE: Duration = Duration::from_secs(10);

/// Closes of an established connection by the broker within this window are counted.
const CLOSES_WINDOW: Duration = Duration::from_secs(60);

/// This many in the window: most likely another client with the same id.
const CLOSES_SUSPECT: usize = 3;

/// Tells a session takeover from other losses. MQTT 5 brokers that follow the standard (EMQX,
/// HiveMQ, mosquitto from 2.0.15) say so with DISCONNECT 0x8E. MQTT 3.1.1 has no way to say it,
/// and older brokers just close the socket; two clients sharing an id then have their accepted
/// connections closed by the broker again and again, which a network fault (a reset, a timeout)
/// or one broker restart does not look like. So a run of orderly closes of accepted connections
/// is taken as the same sign, named as a suspicion. Sans-IO: it is given the times.
#[derive(Debug, Default)]
struct TakeoverWatch {
    connected: bool,
    closes: std::collections::VecDeque<tokio::time::Instant>,
}

/// What to do after a loss.
#[derive(Debug, PartialEq, Eq)]
enum AfterLoss {
    /// An ordinary loss: reconnect with backoff.
    Retry,
    /// Another client has (`certain`), or most likely has, the board's client id: say so, pause.
    TakenOver { certain: bool },
}

impl TakeoverWatch {
    fn connected(&mut self) {
        self.connected = true;
    }

    fn lost(&mut self, now: tokio::time::Instant, why: Loss) -> AfterLoss {
        let was_connected = std::mem::take(&mut self.connected);
        match why {
            Loss::TakenOver => return AfterLoss::TakenOver { certain: true },
            Loss::ClosedByBroker if was_connected => self.closes.push_back(now),
            _ => {}
        }
        while self
            .closes
            .front()
            .is_some_and(|t| now.duration_since(*t) > CLOSES_WINDOW)
        {
            self.closes.pop_front();
        }
        if why == Loss::ClosedByBroker && self.closes.len() >= CLOSES_SUSPECT {
            AfterLoss::TakenOver { certain: false }
        } else {
            AfterLoss::Retry
        }
    }
}

pub(super) async fn mqtt_loop(
    core: CoreHandle,
    cfg: Config,
    client: Client,
    mut conn: Connection,
    receipts: mpsc::UnboundedSender<Receipt>,
    mut shutdown: watch::Receiver<bool>,
) -> Result<(), String> {
    let mut backoff = Backoff::new(Duration::from_millis(250), Duration::from_secs(30));
    let mut link = BrokerLink::default();
    let mut watch = TakeoverWatch::default();
    loop {
        let ev = tokio::select! {
            ev = conn.poll() => ev,
            _ = shutdown.changed() => return Ok(()),
        };
        match ev {
            Happening::Connected {
                session_present,
                session_expiry_s,
            } => {
                backoff.reset();
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
                core.send(Command::Mqtt(link.clone())).map_err(|e| e.to_string())?;
            }
            Happening::Message {
                topic,
                payload,
                delivery,
            } => {
                let Some(out) = store_message(&core, &payload, &topic, &mut shutdown)
                    .await
                    .map_err(|e| e.to_string())?
                else {
                    return Ok(());
                };
                if let Err(e) = client.try_ack(&delivery) {
                    tracing::warn!("cannot acknowledge (the broker will redeliver; it is deduplicated): {e}");
                }
                for r in out {
                    tracing::info!("receipt {r}");
                    let _ = receipts.send(r);
                }
            }
            Happening::Nothing => {}
            Happening::Lost { reason, why } => {
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
                        let error = if certain {
                            format!("session taken over by another client with client id {id:?}")
                        } else {
                            format!(
                                "connection closed by the broker {} times within a minute: client id {id:?} may be in use elsewhere",
                                watch.closes.len()
                            )
                        };
                        link.client_id_conflict = Some(jiff::Timestamp::now());
                        (TAKEN_OVER_PAUSE, error)
                    }
                    AfterLoss::Retry => {
                        let delay = backoff.next_delay();
                        tracing::warn!("mqtt: {reason}; retrying in {} ms", delay.as_millis());
                        (delay, reason)
                    }
                };
                if link.connected || conflict || link.last_error.as_deref() != Some(error.as_str()) {
                    link.connected = false;
                    link.last_error = Some(error);
                    core.send(Command::Mqtt(link.clone())).map_err(|e| e.to_string())?;
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
    use tokio::time::Instant;

    #[test]
    fn a_run_of_closes_by_the_broker_is_a_suspected_takeover() {
        let mut w = TakeoverWatch::default();
        let mut t = Instant::now();
        for _ in 0..2 {
            w.connected();
            t += Duration::from_secs(10);
            assert_eq!(w.lost(t, Loss::ClosedByBroker), AfterLoss::Retry);
        }
        // Failed attempts and network faults neither add nor clear the evidence.
        assert_eq!(w.lost(t, Loss::ClosedByBroker), AfterLoss::Retry);
        w.connected();
        assert_eq!(w.lost(t, Loss::Other), AfterLoss::Retry);
        w.connected();
        t += Duration::from_secs(10);
        assert_eq!(w.lost(t, Loss::ClosedByBroker), AfterLoss::TakenOver { certain: false });
        // Closes older than the window are forgotten: a broker restarted now and then is not it.
        w.connected();
        t += Duration::from_secs(3600);
        assert_eq!(w.lost(t, Loss::ClosedByBroker), AfterLoss::Retry);
        assert_eq!(w.closes.len(), 1);
    }

    #[test]
    fn the_brokers_own_word_is_certain_at_once() {
        let mut w = TakeoverWatch::default();
        w.connected();
        assert_eq!(
            w.lost(Instant::now(), Loss::TakenOver),
            AfterLoss::TakenOver { certain: true }
        );
    }

    #[test]
    fn a_disconnect_0x8e_is_read_as_taken_over() {
        let e = v5::ConnectionError::MqttState(v5::StateError::ServerDisconnect {
            reason_code: p5::DisconnectReasonCode::SessionTakenOver,
            reason_string: None,
        });
        assert!(matches!(
            lost_v5(e),
            Happening::Lost {
                why: Loss::TakenOver,
                ..
            }
        ));
        let e = v5::ConnectionError::MqttState(v5::StateError::ConnectionAborted);
        assert!(matches!(
            lost_v5(e),
            Happening::Lost {
                why: Loss::ClosedByBroker,
                ..
            }
        ));
        let e = v5::ConnectionError::MqttState(v5::StateError::AwaitPingResp);
        assert!(matches!(lost_v5(e), Happening::Lost { why: Loss::Other, .. }));
    }
}
