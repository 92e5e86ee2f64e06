//! The portal tools' broker link, for MQTT 3.1.1 or MQTT 5: connect, subscribe, publish with the
//! properties an envelope earns under MQTT 5, and read what comes back as [`Got`]. Everything
//! version-specific of the portal's side of rumqttc stays in this file, so publishing, waiting
//! for receipts and confirming delivery work the same over either version.

use rumqttc::v5;
use rumqttc::v5::mqttbytes::v5 as p5;
use rumqttc::{AsyncClient, Event, Incoming, QoS};

use crate::cli::broker::{Broker, LOGIN_HINT};
use crate::daemon::envelope::Envelope;

/// What one turn of the event loop brought.
#[derive(Debug)]
pub(crate) enum Got {
    Connected,
    Subscribed,
    /// The broker's PUBACK of a QoS 1 publish.
    Acked,
    Message {
        topic: String,
        payload: Vec<u8>,
    },
    /// The client's own DISCONNECT went out.
    Disconnected,
    Other,
}

/// The MQTT 5 properties of a published envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Properties {
    /// Seconds until the announcement's `valid_until`: a notice that can no longer be shown dies
    /// in the brokers' queues instead of arriving late.
    pub expiry_s: Option<u32>,
    pub content_type: String,
    pub key_id: String,
}

impl Properties {
    /// The properties of `envelope` at `now`, with the expiry interval when `expiring` (an error
    /// then when its `valid_until` has passed: the notice would die in the broker).
    pub(crate) fn of(envelope: &Envelope, now: jiff::Timestamp, expiring: bool) -> Result<Self, String> {
        let expiry_s = if expiring && envelope.content_type.is_none() {
            expiry_interval(envelope, now)?
        } else {
            // A warning's expiry is its own `expires`, which the board enforces.
            None
        };
        Ok(Self {
            expiry_s,
            content_type: envelope
                .content_type
                .clone()
                .unwrap_or_else(|| "application/vnd.pinghu.announcement+json".into()),
            key_id: envelope.key_id.clone(),
        })
    }
}

/// Seconds until `valid_until` of an announcement's payload, for MQTT 5's message expiry
/// interval. `Ok(None)` without `valid_until`; an error when it has passed.
pub fn expiry_interval(envelope: &Envelope, now: jiff::Timestamp) -> Result<Option<u32>, String> {
    use base64::Engine as _;
    let payload = base64::engine::general_purpose::STANDARD
        .decode(&envelope.payload)
        .map_err(|e| format!("payload is not base64: {e}"))?;
    let v: serde_json::Value = serde_json::from_slice(&payload).unwrap_or(serde_json::Value::Null);
    let Some(until) = v["valid_until"].as_str() else {
        return Ok(None);
    };
    let until: jiff::Timestamp = until
        .parse()
        .map_err(|_| format!("valid_until {until:?} is not an RFC 3339 time"))?;
    let secs = until.duration_since(now).as_secs();
    if secs <= 0 {
        return Err(format!("valid_until {until} has passed: the notice would never show"));
    }
    Ok(Some(u32::try_from(secs).unwrap_or(u32::MAX)))
}

enum Client {
    V311(AsyncClient),
    V5(v5::AsyncClient),
}

enum Loop {
    V311(Box<rumqttc::EventLoop>),
    V5(Box<v5::EventLoop>),
}

/// A connection of the portal tools to a broker.
pub(crate) struct Link {
    client: Client,
    events: Loop,
    broker: String,
}

impl std::fmt::Debug for Link {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Link")
            .field("broker", &self.broker)
            .field("mqtt5", &self.is_v5())
            .finish_non_exhaustive()
    }
}

impl Link {
    /// A link to `broker` for the command `what`; it connects on the first [`Link::next`].
    pub(crate) fn new(broker: &Broker, what: &str, mqtt5: bool, capacity: usize) -> Result<Self, String> {
        // `pinghu-portal-…`, `pinghu-fleet-…`: the tool is named in the broker's log.
        let name = format!("pinghu-{}", what.split_whitespace().next().unwrap_or("tool"));
        let end = broker.endpoint(what, &name)?;
        let (client, events) = if mqtt5 {
            let (c, el) = v5::AsyncClient::new(end.options_v5(), capacity);
            (Client::V5(c), Loop::V5(Box::new(el)))
        } else {
            let (c, el) = AsyncClient::new(end.options(), capacity);
            (Client::V311(c), Loop::V311(Box::new(el)))
        };
        Ok(Self {
            client,
            events,
            broker: broker.url.clone(),
        })
    }

    pub(crate) fn is_v5(&self) -> bool {
        matches!(self.client, Client::V5(_))
    }

    /// The next event; an error says what failed and what to check.
    pub(crate) async fn next(&mut self) -> Result<Got, String> {
        let broker = &self.broker;
        match &mut self.events {
            Loop::V311(el) => match el.poll().await {
                Ok(Event::Incoming(Incoming::ConnAck(_))) => Ok(Got::Connected),
                Ok(Event::Incoming(Incoming::SubAck(_))) => Ok(Got::Subscribed),
                Ok(Event::Incoming(Incoming::PubAck(_))) => Ok(Got::Acked),
                Ok(Event::Incoming(Incoming::Publish(p))) => Ok(Got::Message {
                    topic: p.topic,
                    payload: p.payload.to_vec(),
                }),
                Ok(Event::Outgoing(rumqttc::Outgoing::Disconnect)) => Ok(Got::Disconnected),
                Ok(_) => Ok(Got::Other),
                Err(
                    e @ rumqttc::ConnectionError::ConnectionRefused(
                        rumqttc::ConnectReturnCode::BadUserNamePassword | rumqttc::ConnectReturnCode::NotAuthorized,
                    ),
                ) => Err(format!("{broker}: {e}: {LOGIN_HINT}")),
                Err(e) => Err(format!("{broker}: {e} (is the broker running?)")),
            },
            Loop::V5(el) => match el.poll().await {
                Ok(v5::Event::Incoming(p5::Packet::ConnAck(_))) => Ok(Got::Connected),
                Ok(v5::Event::Incoming(p5::Packet::SubAck(_))) => Ok(Got::Subscribed),
                Ok(v5::Event::Incoming(p5::Packet::PubAck(_))) => Ok(Got::Acked),
                Ok(v5::Event::Incoming(p5::Packet::Publish(p))) => Ok(Got::Message {
                    topic: String::from_utf8_lossy(&p.topic).into_owned(),
                    payload: p.payload.to_vec(),
                }),
                Ok(v5::Event::Outgoing(rumqttc::Outgoing::Disconnect)) => Ok(Got::Disconnected),
                Ok(_) => Ok(Got::Other),
                Err(
                    e @ v5::ConnectionError::ConnectionRefused(
                        p5::ConnectReturnCode::BadUserNamePassword
                        | p5::ConnectReturnCode::NotAuthorized
                        | p5::ConnectReturnCode::Banned,
                    ),
                ) => Err(format!("{broker}: {e}: {LOGIN_HINT}")),
                Err(e) => Err(format!(
                    "{broker}: {e} (is the broker running, and does it speak MQTT 5? Without --mqtt5 the \
                     tools speak 3.1.1)"
                )),
            },
        }
    }

    /// Subscribe to `filter` at QoS 1.
    pub(crate) async fn subscribe(&self, filter: &str) -> Result<(), String> {
        match &self.client {
            Client::V311(c) => c.subscribe(filter, QoS::AtLeastOnce).await.map_err(|e| e.to_string()),
            Client::V5(c) => c
                .subscribe(filter, v5::mqttbytes::QoS::AtLeastOnce)
                .await
                .map_err(|e| e.to_string()),
        }
    }

    /// Publish `body` at QoS 1 on `topic`; under MQTT 5 with `props`.
    pub(crate) async fn publish(
        &self,
        topic: &str,
        retain: bool,
        body: &[u8],
        props: &Properties,
    ) -> Result<(), String> {
        match &self.client {
            Client::V311(c) => c
                .publish(topic, QoS::AtLeastOnce, retain, body.to_vec())
                .await
                .map_err(|e| e.to_string()),
            Client::V5(c) => {
                let p = p5::PublishProperties {
                    message_expiry_interval: props.expiry_s,
                    content_type: Some(props.content_type.clone()),
                    user_properties: vec![("key_id".into(), props.key_id.clone())],
                    ..p5::PublishProperties::default()
                };
                c.publish_with_properties(topic, v5::mqttbytes::QoS::AtLeastOnce, retain, body.to_vec(), p)
                    .await
                    .map_err(|e| e.to_string())
            }
        }
    }

    /// Say goodbye to the broker (errors do not matter: the tool is done).
    pub(crate) async fn disconnect(&self) {
        match &self.client {
            Client::V311(c) => drop(c.disconnect().await),
            Client::V5(c) => drop(c.disconnect().await),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn envelope(payload: &serde_json::Value, content_type: Option<&str>) -> Envelope {
        let (secret, _) = crate::daemon::envelope::keygen().unwrap();
        let mut e = crate::daemon::envelope::sign(payload.to_string().as_bytes(), "k1", &secret).unwrap();
        e.content_type = content_type.map(str::to_owned);
        e
    }

    #[test]
    fn an_announcement_expires_at_its_valid_until_and_a_warning_by_its_own_expires() {
        let now: jiff::Timestamp = "2026-12-04T08:00:00Z".parse().unwrap();
        let notice = envelope(
            &serde_json::json!({"id": "a", "valid_until": "2026-12-04T09:00:00Z"}),
            None,
        );
        let p = Properties::of(&notice, now, true).unwrap();
        assert_eq!(p.expiry_s, Some(3600));
        assert_eq!(p.content_type, "application/vnd.pinghu.announcement+json");
        assert_eq!(p.key_id, "k1");
        // Without an expiry asked for (MQTT 3.1.1, retained office messages), none is set, and a
        // passed valid_until is the board's to refuse.
        let late: jiff::Timestamp = "2026-12-05T00:00:00Z".parse().unwrap();
        assert_eq!(Properties::of(&notice, late, false).unwrap().expiry_s, None);
        let e = Properties::of(&notice, late, true).unwrap_err();
        assert!(e.contains("has passed: the notice would never show"), "{e}");
        let warning = envelope(&serde_json::json!({}), Some("application/cap+xml"));
        let p = Properties::of(&warning, now, true).unwrap();
        assert_eq!((p.expiry_s, p.content_type.as_str()), (None, "application/cap+xml"));
    }
}
