//! The portal's side of the wire: publish (and collect receipts), publish over MQTT 5 with the
//! message expiry, publish retained.

use std::time::Duration;

use rumqttc::{AsyncClient, Event, Incoming, MqttOptions, Outgoing, QoS};
use serde_json::json;

use super::{Matcher, Target, topic_for};
use crate::daemon::envelope::Envelope;

/// Publish `envelope` QoS 1 and wait for the broker's PUBACK; then, if `wait_receipts` is set,
/// collect this message's receipts from `screen` for that long: those naming the announcement's
/// id, and the refusals (`rejected`) whose `envelope_sha256` is the hash of exactly the bytes sent
/// (a refusal of another message with the same id is not this one's).
pub async fn publish(
    broker: &str,
    prefix: &str,
    target: &Target,
    envelope: &Envelope,
    username: Option<(&str, &str)>,
    wait_receipts: Option<(String, Duration)>,
) -> Result<Vec<serde_json::Value>, String> {
    let (id, host, port) = crate::cli::mqtt_endpoint(broker, "portal publish", "pinghu-portal")?;
    let topic = topic_for(prefix, target, envelope);
    let mut o = MqttOptions::new(id, host, port);
    o.set_keep_alive(Duration::from_secs(10));
    o.set_max_packet_size(1024 * 1024, 1024 * 1024);
    if let Some((u, p)) = username {
        o.set_credentials(u, p);
    }
    let (client, mut el) = AsyncClient::new(o, 16);
    let body = serde_json::to_vec(envelope).map_err(|e| e.to_string())?;
    let matcher = Matcher::of(envelope, &body);
    let mut receipts = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let mut subscribed = wait_receipts.is_none();
    let mut published = false;
    let mut acked = false;
    let mut receipt_deadline = None;
    loop {
        let until = receipt_deadline.unwrap_or(deadline);
        let ev = match tokio::time::timeout_at(until, el.poll()).await {
            Ok(Ok(ev)) => ev,
            Ok(Err(e)) => return Err(format!("mqtt://{broker}: {e} (is the broker running?)")),
            Err(_) if acked => return Ok(receipts),
            Err(_) => return Err(format!("no PUBACK from {broker} within 10 s")),
        };
        match ev {
            Event::Incoming(Incoming::ConnAck(_)) => {
                if let Some((screen, _)) = &wait_receipts {
                    client
                        .subscribe(format!("{prefix}/screens/{screen}/receipts"), QoS::AtLeastOnce)
                        .await
                        .map_err(|e| e.to_string())?;
                } else {
                    client
                        .publish(topic.clone(), QoS::AtLeastOnce, false, body.clone())
                        .await
                        .map_err(|e| e.to_string())?;
                    published = true;
                }
            }
            Event::Incoming(Incoming::SubAck(_)) if !subscribed => {
                subscribed = true;
                client
                    .publish(topic.clone(), QoS::AtLeastOnce, false, body.clone())
                    .await
                    .map_err(|e| e.to_string())?;
                published = true;
            }
            Event::Incoming(Incoming::PubAck(_)) if published && !acked => {
                acked = true;
                match &wait_receipts {
                    Some((_, d)) => receipt_deadline = Some(tokio::time::Instant::now() + *d),
                    None => {
                        let _ = client.disconnect().await;
                        return Ok(receipts);
                    }
                }
            }
            Event::Incoming(Incoming::Publish(p)) => {
                let v: serde_json::Value = serde_json::from_slice(&p.payload).unwrap_or(json!(null));
                if matcher.is_ours(&v) {
                    receipts.push(v);
                }
            }
            Event::Outgoing(Outgoing::Disconnect) => return Ok(receipts),
            _ => {}
        }
    }
}

/// Seconds until `valid_until` of an announcement's payload, for MQTT 5's message expiry
/// interval: a notice that can no longer be shown dies in the brokers' queues instead of
/// arriving late. `Ok(None)` without `valid_until`; an error when it has passed.
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

/// Publish `envelope` QoS 1 over MQTT 5: the message expiry interval from `valid_until`, the
/// content type and the `key_id` as properties. Returns the expiry interval set.
pub async fn publish_v5(
    broker: &str,
    prefix: &str,
    target: &Target,
    envelope: &Envelope,
) -> Result<Option<u32>, String> {
    use rumqttc::v5::mqttbytes::QoS as QoS5;
    use rumqttc::v5::mqttbytes::v5::{Packet, PublishProperties};
    use rumqttc::v5::{AsyncClient as Client5, Event as Event5, MqttOptions as Options5};
    let (id, host, port) = crate::cli::mqtt_endpoint(broker, "portal publish", "pinghu-portal")?;
    let topic = topic_for(prefix, target, envelope);
    let expiry = if envelope.content_type.is_none() {
        expiry_interval(envelope, jiff::Timestamp::now())?
    } else {
        None
    };
    let props = PublishProperties {
        message_expiry_interval: expiry,
        content_type: Some(
            envelope
                .content_type
                .clone()
                .unwrap_or_else(|| "application/vnd.pinghu.announcement+json".into()),
        ),
        user_properties: vec![("key_id".into(), envelope.key_id.clone())],
        ..PublishProperties::default()
    };
    let mut o = Options5::new(id, host, port);
    o.set_keep_alive(Duration::from_secs(10));
    let (client, mut el) = Client5::new(o, 16);
    let body = serde_json::to_vec(envelope).map_err(|e| e.to_string())?;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let ev = match tokio::time::timeout_at(deadline, el.poll()).await {
            Ok(Ok(ev)) => ev,
            Ok(Err(e)) => {
                return Err(format!(
                    "{broker}: {e} (is the broker running, and does it speak MQTT 5?)"
                ));
            }
            Err(_) => return Err(format!("no PUBACK from {broker} within 10 s")),
        };
        match ev {
            Event5::Incoming(Packet::ConnAck(_)) => client
                .publish_with_properties(topic.clone(), QoS5::AtLeastOnce, false, body.clone(), props.clone())
                .await
                .map_err(|e| e.to_string())?,
            Event5::Incoming(Packet::PubAck(_)) => {
                let _ = client.disconnect().await;
                return Ok(expiry);
            }
            _ => {}
        }
    }
}

/// Publish `envelope` QoS 1, retained, on `topic`, and wait for the broker's PUBACK.
pub async fn publish_retained(broker: &str, topic: &str, envelope: &Envelope) -> Result<(), String> {
    let (id, host, port) = crate::cli::mqtt_endpoint(broker, "portal push", "pinghu-portal")?;
    let mut o = MqttOptions::new(id, host, port);
    o.set_keep_alive(Duration::from_secs(10));
    o.set_max_packet_size(1024 * 1024, 1024 * 1024);
    let (client, mut el) = AsyncClient::new(o, 16);
    let body = serde_json::to_vec(envelope).map_err(|e| e.to_string())?;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let ev = match tokio::time::timeout_at(deadline, el.poll()).await {
            Ok(Ok(ev)) => ev,
            Ok(Err(e)) => return Err(format!("{broker}: {e} (is the broker running?)")),
            Err(_) => return Err(format!("no PUBACK from {broker} within 10 s")),
        };
        match ev {
            Event::Incoming(Incoming::ConnAck(_)) => client
                .publish(topic, QoS::AtLeastOnce, true, body.clone())
                .await
                .map_err(|e| e.to_string())?,
            Event::Incoming(Incoming::PubAck(_)) => {
                let _ = client.disconnect().await;
                return Ok(());
            }
            _ => {}
        }
    }
}
