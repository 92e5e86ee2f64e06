//! The daemon's **mqtt** task: the rumqttc event loop (persistent session, QoS 1, manual acks).
//! Each message goes to the core, which verifies it, applies it to a copy of the state and writes
//! it to disk; only then is it acknowledged. A failing disk is retried with backoff until the
//! message is stored; the broker connection reconnects with exponential backoff and jitter.

use std::time::Duration;

use rumqttc::{AsyncClient, Event, Incoming, LastWill, MqttOptions, QoS, TlsConfiguration, Transport};
use tokio::sync::{mpsc, watch};

use crate::backoff::Backoff;
use crate::daemon::config::Config;
use crate::daemon::ingest::Receipt;
use crate::daemon::{Command, CoreGone, CoreHandle, DaemonError};

pub(super) fn mqtt_options(cfg: &Config, will: Vec<u8>) -> Result<MqttOptions, DaemonError> {
    let m = &cfg.mqtt;
    let mut o = MqttOptions::new(m.client_id.clone(), m.host.clone(), m.port);
    o.set_keep_alive(Duration::from_secs(15));
    o.set_clean_session(false);
    o.set_manual_acks(true);
    // Take in what anyone can publish (up to 32 MiB) so an oversized message is refused with a
    // receipt and acknowledged: a packet rumqttc could not read would drop the connection, and
    // the broker would redeliver it forever, holding up every message behind it. Brokers should
    // also cap it (mosquitto: message_size_limit).
    o.set_max_packet_size(32 * 1024 * 1024, 1024 * 1024);
    o.set_last_will(LastWill::new(cfg.status_topic(), will, QoS::AtLeastOnce, true));
    if let Some(u) = &m.username {
        o.set_credentials(u.clone(), m.password.clone().unwrap_or_default());
    }
    if m.tls {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let ca = match &m.ca_file {
            Some(p) => std::fs::read(p)
                .map_err(|e| DaemonError::Mqtt(format!("cannot read the CA file {}: {e}", p.display())))?,
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
        o.set_transport(Transport::tls_with_config(TlsConfiguration::Simple {
            ca,
            alpn: None,
            client_auth,
        }));
    }
    Ok(o)
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

pub(super) async fn mqtt_loop(
    core: CoreHandle,
    cfg: Config,
    client: AsyncClient,
    mut eventloop: rumqttc::EventLoop,
    receipts: mpsc::UnboundedSender<Receipt>,
    mut shutdown: watch::Receiver<bool>,
) -> Result<(), String> {
    let mut backoff = Backoff::new(Duration::from_millis(250), Duration::from_secs(30));
    let mut connected = false;
    loop {
        let ev = tokio::select! {
            ev = eventloop.poll() => ev,
            _ = shutdown.changed() => return Ok(()),
        };
        match ev {
            Ok(Event::Incoming(Incoming::ConnAck(ack))) => {
                backoff.reset();
                tracing::info!(
                    "connected to mqtt://{}:{} (session present: {})",
                    cfg.mqtt.host,
                    cfg.mqtt.port,
                    ack.session_present
                );
                for t in cfg.announcement_topics() {
                    if let Err(e) = client.try_subscribe(t.clone(), QoS::AtLeastOnce) {
                        tracing::error!("cannot subscribe to {t}: {e}");
                    }
                }
                connected = true;
                core.send(Command::Mqtt(true)).map_err(|e| e.to_string())?;
            }
            Ok(Event::Incoming(Incoming::Publish(p))) => {
                let Some(out) = store_message(&core, &p.payload, &p.topic, &mut shutdown)
                    .await
                    .map_err(|e| e.to_string())?
                else {
                    return Ok(());
                };
                if let Err(e) = client.try_ack(&p) {
                    tracing::warn!("cannot acknowledge (the broker will redeliver; it is deduplicated): {e}");
                }
                for r in out {
                    tracing::info!("receipt {r}");
                    let _ = receipts.send(r);
                }
            }
            Ok(_) => {}
            Err(e) => {
                if connected {
                    connected = false;
                    core.send(Command::Mqtt(false)).map_err(|e| e.to_string())?;
                }
                let delay = backoff.next_delay();
                tracing::warn!("mqtt: {e}; retrying in {} ms", delay.as_millis());
                tokio::select! {
                    () = tokio::time::sleep(delay) => {}
                    _ = shutdown.changed() => return Ok(()),
                }
            }
        }
    }
}
