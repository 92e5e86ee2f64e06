//! The portal's side of the wire, over MQTT 3.1.1 or 5 ([`super::link`]): publish (and collect
//! receipts), publish retained.

use std::time::Duration;

use serde_json::json;

use super::link::{Link, properties};
use super::{Matcher, Target, topic_for};
use crate::cli::broker::Broker;
use crate::daemon::envelope::Envelope;
use crate::daemon::mqtt::Happening;

/// What a publish brought back.
#[derive(Debug, Default)]
pub struct Published {
    /// The message expiry interval set (MQTT 5, an announcement with `valid_until`).
    pub expiry_s: Option<u32>,
    /// The receipts collected.
    pub receipts: Vec<serde_json::Value>,
}

/// Publish `envelope` QoS 1 and wait for the broker's PUBACK; then, if `wait_receipts` is set,
/// collect this message's receipts from `screen` for that long: those naming the announcement's
/// id, and the refusals (`rejected`) whose `envelope_sha256` is the hash of exactly the bytes sent
/// (a refusal of another message with the same id is not this one's). Over MQTT 5 the message
/// carries the expiry interval from `valid_until`, the content type and the `key_id`.
pub async fn publish(
    broker: &Broker,
    prefix: &str,
    target: &Target,
    envelope: &Envelope,
    mqtt5: bool,
    wait_receipts: Option<(String, Duration)>,
) -> anyhow::Result<Published> {
    let props = properties(envelope, jiff::Timestamp::now(), mqtt5)?;
    let body = serde_json::to_vec(envelope)?;
    // Refused here, by name, rather than by the client's packet limit as if the broker were down.
    if body.len() > crate::daemon::envelope::MAX_MESSAGE {
        return Err(anyhow::anyhow!(
            "the signed message is {} bytes, more than the {} MiB any topic takes (docs/mqtt.md): boards refuse it \
             and the shipped broker configuration drops it; make the body or the picture smaller",
            body.len(),
            crate::daemon::envelope::MAX_MESSAGE / (1024 * 1024)
        ));
    }
    let mut link = Link::new(broker, "portal publish", mqtt5, 16)?;
    let topic = topic_for(prefix, target, envelope);
    let matcher = Matcher::of(envelope, &body);
    let mut out = Published {
        expiry_s: props.expiry_s,
        receipts: Vec::new(),
    };
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let mut subscribed = wait_receipts.is_none();
    let mut published = false;
    let mut acked = false;
    let mut receipt_deadline = None;
    loop {
        let until = receipt_deadline.unwrap_or(deadline);
        let got = match tokio::time::timeout_at(until, link.next()).await {
            Ok(got) => got?,
            Err(_) if acked => {
                link.client.disconnect().await;
                return Ok(out);
            }
            Err(_) => return Err(anyhow::anyhow!("no PUBACK from {} within 10 s", broker.url)),
        };
        match got {
            Happening::Connected { .. } => {
                if let Some((screen, _)) = &wait_receipts {
                    link.client
                        .subscribe(&format!("{prefix}/screens/{screen}/receipts"))
                        .await?;
                } else {
                    link.client.publish_with(&topic, false, body.as_slice(), &props).await?;
                    published = true;
                }
            }
            Happening::Subscribed if !subscribed => {
                subscribed = true;
                link.client.publish_with(&topic, false, body.as_slice(), &props).await?;
                published = true;
            }
            Happening::Acked(_) if published && !acked => {
                acked = true;
                match &wait_receipts {
                    Some((_, d)) => receipt_deadline = Some(tokio::time::Instant::now() + *d),
                    None => {
                        link.client.disconnect().await;
                        return Ok(out);
                    }
                }
            }
            Happening::Message { payload, .. } => {
                let v: serde_json::Value = serde_json::from_slice(&payload).unwrap_or(json!(null));
                if matcher.is_ours(&v) {
                    out.receipts.push(v);
                }
            }
            Happening::Disconnected => return Ok(out),
            _ => {}
        }
    }
}

/// Publish `envelope` QoS 1, retained, on `topic`, and wait for the broker's PUBACK.
pub async fn publish_retained(broker: &Broker, topic: &str, envelope: &Envelope) -> anyhow::Result<()> {
    let props = properties(envelope, jiff::Timestamp::now(), false)?;
    let mut link = Link::new(broker, "portal push", false, 16)?;
    let body = serde_json::to_vec(envelope)?;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let got = tokio::time::timeout_at(deadline, link.next())
            .await
            .map_err(|_| anyhow::anyhow!("no PUBACK from {} within 10 s", broker.url))??;
        match got {
            Happening::Connected { .. } => link.client.publish_with(topic, true, body.as_slice(), &props).await?,
            Happening::Acked(_) => {
                link.client.disconnect().await;
                return Ok(());
            }
            _ => {}
        }
    }
}
