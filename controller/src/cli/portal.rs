//! `pinghu portal keygen | sign | publish`: the portal's side, for testing and for the portal's
//! developers (any language can do the same: Ed25519 over the exact payload bytes, base64).

use std::path::Path;
use std::time::Duration;

use rumqttc::{AsyncClient, Event, Incoming, MqttOptions, Outgoing, QoS};
use serde_json::json;

use crate::daemon::config::parse_mqtt_url;
use crate::daemon::envelope::{Envelope, sign};

/// Where to publish.
#[derive(Debug, Clone)]
pub enum Target {
    Screen(String),
    Group(String),
}

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
    let (host, port, tls) = parse_mqtt_url(broker)?;
    if tls {
        return Err(
            "portal publish speaks plain mqtt:// only; use a broker listener on loopback or mosquitto_pub for TLS"
                .into(),
        );
    }
    let topic = match target {
        Target::Screen(s) => format!("{prefix}/screens/{s}/announcements"),
        Target::Group(g) => format!("{prefix}/groups/{g}/announcements"),
    };
    let id = format!(
        "pinghu-portal-{}",
        jiff::Timestamp::now().as_nanosecond() % 1_000_000_000
    );
    let mut o = MqttOptions::new(id, host, port);
    o.set_keep_alive(Duration::from_secs(10));
    o.set_max_packet_size(256 * 1024, 256 * 1024);
    if let Some((u, p)) = username {
        o.set_credentials(u, p);
    }
    let (client, mut el) = AsyncClient::new(o, 16);
    let body = serde_json::to_vec(envelope).map_err(|e| e.to_string())?;
    let payload_id = {
        use base64::Engine as _;
        let p = base64::engine::general_purpose::STANDARD
            .decode(&envelope.payload)
            .unwrap_or_default();
        crate::daemon::envelope::peek_id(&p).0
    };
    let envelope_sha256 = crate::daemon::ingest::sha256_hex(&body);
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
                let ours = match v["envelope_sha256"].as_str() {
                    Some(h) => h == envelope_sha256,
                    None => v["id"].is_string() && v["id"].as_str() == payload_id.as_deref(),
                };
                if ours {
                    receipts.push(v);
                }
            }
            Event::Outgoing(Outgoing::Disconnect) => return Ok(receipts),
            _ => {}
        }
    }
}

/// Key id of the demo key pair.
pub const DEMO_KEY_ID: &str = "demo";

/// A portal key pair as `pinghu portal keygen` writes it (and the demo key in the data directory).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct KeyPair {
    pub key_id: String,
    pub secret: String,
    pub public: String,
}

impl KeyPair {
    /// Load `path`, or create a new pair there (readable by the owner only).
    pub fn load_or_create(path: &Path, key_id: &str) -> Result<Self, String> {
        if let Ok(text) = std::fs::read_to_string(path) {
            return serde_json::from_str(&text).map_err(|e| format!("{} is not a key file: {e}", path.display()));
        }
        let (secret, public) = crate::daemon::envelope::keygen()?;
        let kp = Self {
            key_id: key_id.to_owned(),
            secret,
            public,
        };
        write_secret(path, &serde_json::to_vec_pretty(&kp).map_err(|e| e.to_string())?)?;
        Ok(kp)
    }
}

/// Write a file only its owner can read.
pub fn write_secret(path: &Path, bytes: &[u8]) -> Result<(), String> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .write(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    f.write_all(bytes)
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// Sign a payload with a key file written by `keygen`.
pub fn sign_with_file(payload: &[u8], key_file: &std::path::Path) -> Result<Envelope, String> {
    let text = std::fs::read_to_string(key_file).map_err(|e| format!("cannot read {}: {e}", key_file.display()))?;
    let kp: KeyPair = serde_json::from_str(&text).map_err(|e| {
        format!(
            "{} is not a key file from `pinghu portal keygen`: {e}",
            key_file.display()
        )
    })?;
    serde_json::from_slice::<serde_json::Value>(payload).map_err(|e| format!("the payload is not JSON: {e}"))?;
    sign(payload, &kp.key_id, &kp.secret)
}
