//! The daemon's **mqtt** task: the rumqttc event loop (persistent session, QoS 1, manual acks).
//! Each message goes to the core, which verifies it, applies it to a copy of the state and writes
//! it to disk; only then is it acknowledged. A failing disk is retried with backoff until the
//! message is stored; the broker connection reconnects with exponential backoff and jitter.
//!
//! The daemon speaks MQTT 3.1.1 or MQTT 5 (`mqtt.version`). `Client` and `Connection` hide
//! which, so the rest of the daemon publishes, subscribes and acknowledges the same way. Under
//! MQTT 5 the daemon asks for a session expiry interval (the broker keeps the board's queue that
//! long while it is away), labels what it publishes with a content type, and recognises the
//! broker's "session taken over" (another client with the same client id) to say so and back off.

//!
//! `link.rs` holds the two protocol versions behind one client; `takeover.rs` tells a shared
//! client id from other losses.

mod link;
mod takeover;

use std::time::Duration;

use tokio::sync::{mpsc, watch};

pub(crate) use link::{Client, Connection, Happening, Hints, Props, connect, tls_transport};
use takeover::{AfterLoss, TakeoverWatch};

use crate::backoff::Backoff;
use crate::daemon::config::{Config, MqttVersion};
use crate::daemon::ingest::Receipt;
use crate::daemon::{Command, CoreGone, CoreHandle};

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
            Happening::Nothing | Happening::Subscribed | Happening::Acked | Happening::Disconnected => {}
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
