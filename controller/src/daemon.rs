//! The daemon (`pinghu run`): MQTT ingestion → verification → durable store → scheduler →
//! renderer → driver → card, with receipts, retained status and the proof-of-display log.
//!
//! Tasks, connected by channels:
//! * **mqtt**: the rumqttc event loop (persistent session, QoS 1, manual acks). Each message is
//!   verified, applied to the store, **written to disk, then acknowledged**. Reconnects with
//!   exponential backoff and jitter; the board keeps showing what it has meanwhile.
//! * **scheduler**: wakes when the plan says (a page ends, a window opens, a notice expires),
//!   when a message arrives, or every 2 s to look at the playlist file; runs the pure scheduler,
//!   renders, hands the desired board to the driver through a `watch` channel, and persists its
//!   own state so a restart resumes the rotation where it was.
//! * **driver** ([`crate::driver`]): the card link.
//! * **events**: what the driver reports → `displayed` receipts, proof log, status.
//! * **publisher**: receipts and the retained status (on change and every 30 s).

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use jiff::Timestamp;
use pinghu_playlists::{Calendar, ContentKey, Inputs, Layer, Playlist};
use rumqttc::{AsyncClient, Event, Incoming, LastWill, MqttOptions, QoS, TlsConfiguration, Transport};
use serde_json::json;
use sha2::{Digest, Sha256};
use thiserror::Error;
use tokio::sync::{Notify, mpsc, watch};

use crate::board::{Desired, Renderer};
use crate::config::Config;
use crate::driver::{DriverConfig, DriverEvent};
use crate::envelope::{Keyring, peek_id, verify};
use crate::ingest::{self, Receipt};
use crate::proof::{Entry, ProofLog};
use crate::store::Store;

/// Software older than this date cannot be running now: a clock before it is wrong.
pub const NOT_BEFORE: &str = "2026-11-01T00:00:00Z";

/// The daemon could not start.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum DaemonError {
    #[error("data directory {path}: {reason}")]
    Store { path: String, reason: String },
    #[error("playlist: {0}")]
    Playlist(String),
    #[error("holiday calendar: {0}")]
    Calendar(String),
    #[error("mqtt: {0}")]
    Mqtt(String),
    #[error("font: {0}")]
    Font(String),
    #[error("proof-of-display log: {0}")]
    Proof(String),
}

/// Link state for the status topic.
#[derive(Debug, Clone, Default, serde::Serialize)]
struct DeviceStatus {
    url: String,
    protocol: Option<String>,
    link: &'static str,
    last_error: Option<String>,
    card_time: Option<String>,
    drift_s: Option<i64>,
}

struct Core {
    cfg: Config,
    store: Store,
    proof: ProofLog,
    playlist: Playlist,
    playlist_path: Option<PathBuf>,
    playlist_mtime: Option<std::time::SystemTime>,
    playlist_error: Option<String>,
    calendar: Calendar,
    tz: jiff::tz::TimeZone,
    renderer: Renderer,
    device: DeviceStatus,
    showing: serde_json::Value,
    plan_layer: Layer,
    brightness: u8,
    power: bool,
    mqtt_connected: bool,
    /// Our clock minus the issue time of the latest verified message.
    portal_offset: Option<jiff::SignedDuration>,
    clock: pinghu_playlists::ClockTrust,
}

/// How far behind the portal our clock may be before it is not trusted.
pub const PORTAL_TOLERANCE: jiff::SignedDuration = jiff::SignedDuration::from_mins(10);

/// Judge the clock: before the build date, or the portal issuing messages in our future.
fn judge_clock(now: Timestamp, portal_offset: Option<jiff::SignedDuration>) -> pinghu_playlists::ClockTrust {
    let not_before = NOT_BEFORE.parse::<Timestamp>().unwrap_or(now);
    // A message issued long ago says nothing about our clock; one issued "in the future" does.
    let behind = portal_offset.filter(jiff::SignedDuration::is_negative);
    pinghu_playlists::clock_trust(now, not_before, behind, PORTAL_TOLERANCE)
}

/// Shared between the tasks.
struct Shared {
    core: Mutex<Core>,
    wake: Notify,
    status_dirty: Notify,
    receipts: mpsc::UnboundedSender<Receipt>,
}

fn sha256_hex(b: &[u8]) -> String {
    Sha256::digest(b).iter().map(|x| format!("{x:02x}")).collect()
}

/// The built-in sample playlist (used when none is configured).
pub const SAMPLE_PLAYLIST: &str = include_str!("../../playlists/examples/government-service-center.toml");

fn load_playlist(path: Option<&PathBuf>) -> Result<(Playlist, Option<std::time::SystemTime>), String> {
    match path {
        Some(p) => {
            let pl = pinghu_playlists::load(p).map_err(|e| e.to_string())?;
            Ok((pl, std::fs::metadata(p).and_then(|m| m.modified()).ok()))
        }
        None => pinghu_playlists::parse(SAMPLE_PLAYLIST, "built-in sample playlist")
            .map(|p| (p, None))
            .map_err(|e| e.to_string()),
    }
}

impl Core {
    fn status(&self) -> serde_json::Value {
        let now = Timestamp::now();
        let active = self
            .store
            .state
            .announcements
            .values()
            .filter(|r| r.state == crate::store::AnnState::Active)
            .count();
        let urgent = self
            .store
            .state
            .announcements
            .values()
            .filter(|r| {
                r.state == crate::store::AnnState::Active
                    && r.announcement.priority >= pinghu_playlists::Priority::Urgent
            })
            .count();
        json!({
            "online": true,
            "screen": self.cfg.screen,
            "version": env!("CARGO_PKG_VERSION"),
            "device": self.device,
            "mqtt": if self.mqtt_connected { "connected" } else { "reconnecting" },
            "showing": self.showing,
            "layer": self.plan_layer,
            "brightness": self.brightness,
            "power": if self.power { "on" } else { "off" },
            "clock": {"daemon": now.to_string(), "card": self.device.card_time, "drift_s": self.device.drift_s,
                      "trusted": self.clock == pinghu_playlists::ClockTrust::Trusted, "check": self.clock},
            "queue": {"announcements": self.store.state.announcements.len(), "active": active, "urgent": urgent},
            "playlist": {"origin": self.playlist.origin, "items": self.playlist.items.len(), "error": self.playlist_error},
        })
    }

    /// Reload the playlist file when it changed; a bad file is refused and the old one kept.
    fn watch_playlist(&mut self) -> bool {
        let Some(p) = &self.playlist_path else { return false };
        let mtime = std::fs::metadata(p).and_then(|m| m.modified()).ok();
        if mtime == self.playlist_mtime {
            return false;
        }
        self.playlist_mtime = mtime;
        match pinghu_playlists::load(p) {
            Ok(pl) => {
                tracing::info!("playlist {} reloaded: {} items", p.display(), pl.items.len());
                self.playlist = pl;
                self.playlist_error = None;
            }
            Err(e) => {
                tracing::error!("playlist {} refused, the previous one keeps running:\n{e}", p.display());
                self.playlist_error = Some(e.to_string());
            }
        }
        true
    }
}

/// Messages for the publisher.
enum Outgoing {
    Receipt(Receipt),
}

fn mqtt_options(cfg: &Config, will: Vec<u8>) -> Result<MqttOptions, DaemonError> {
    let m = &cfg.mqtt;
    let mut o = MqttOptions::new(m.client_id.clone(), m.host.clone(), m.port);
    o.set_keep_alive(Duration::from_secs(15));
    o.set_clean_session(false);
    o.set_manual_acks(true);
    o.set_max_packet_size(256 * 1024, 256 * 1024);
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

async fn mqtt_loop(
    shared: Arc<Shared>,
    cfg: Config,
    client: AsyncClient,
    mut eventloop: rumqttc::EventLoop,
    keys: Keyring,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut backoff = Duration::from_millis(250);
    loop {
        let ev = tokio::select! {
            ev = eventloop.poll() => ev,
            _ = shutdown.changed() => return,
        };
        match ev {
            Ok(Event::Incoming(Incoming::ConnAck(ack))) => {
                backoff = Duration::from_millis(250);
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
                shared.core.lock().expect("core").mqtt_connected = true;
                shared.status_dirty.notify_one();
            }
            Ok(Event::Incoming(Incoming::Publish(p))) => {
                let now = Timestamp::now();
                let mut core = shared.core.lock().expect("core");
                let outcome = match verify(&p.payload, &keys) {
                    Ok((msg, payload)) => {
                        let issued = match &msg {
                            crate::envelope::Verified::Publish { announcement, .. } => announcement.issued_at,
                            crate::envelope::Verified::Revoke { issued_at, .. } => *issued_at,
                        };
                        core.portal_offset = Some(now.duration_since(issued));
                        let sha = sha256_hex(&payload);
                        ingest::apply(&mut core.store.state, msg, &sha, now)
                    }
                    Err((r, payload)) => {
                        let (id, rev) = payload.as_deref().map(peek_id).unwrap_or_default();
                        tracing::warn!("rejected message on {}: {r}", p.topic);
                        ingest::rejected(&r, id.as_deref(), rev, now)
                    }
                };
                if outcome.changed || !outcome.receipts.is_empty() {
                    // The change and its receipts reach the disk together, before the ack.
                    core.store.state.outbox.extend(outcome.receipts.iter().cloned());
                    if let Err(e) = core.store.save() {
                        tracing::error!(
                            "cannot persist ({e}); the message stays unacknowledged and will be redelivered"
                        );
                        let n = core.store.state.outbox.len() - outcome.receipts.len();
                        core.store.state.outbox.truncate(n);
                        continue;
                    }
                }
                drop(core);
                if let Err(e) = client.try_ack(&p) {
                    tracing::warn!("cannot acknowledge (the broker will redeliver; it is deduplicated): {e}");
                }
                for r in outcome.receipts {
                    tracing::info!(
                        "receipt {} {:?} r{:?}{}",
                        r.event,
                        r.id,
                        r.revision,
                        r.reason.as_deref().map(|x| format!(": {x}")).unwrap_or_default()
                    );
                    let _ = shared.receipts.send(r);
                }
                shared.wake.notify_one();
            }
            Ok(_) => {}
            Err(e) => {
                {
                    let mut core = shared.core.lock().expect("core");
                    if core.mqtt_connected {
                        core.mqtt_connected = false;
                        shared.status_dirty.notify_one();
                    }
                }
                let jitter =
                    Duration::from_millis(u64::from(Timestamp::now().subsec_nanosecond().unsigned_abs() % 300));
                tracing::warn!("mqtt: {e}; retrying in {:?}", backoff + jitter);
                tokio::select! {
                    () = tokio::time::sleep(backoff + jitter) => {}
                    _ = shutdown.changed() => return,
                }
                backoff = (backoff * 2).min(Duration::from_secs(30));
            }
        }
    }
}

async fn publisher(
    shared: Arc<Shared>,
    cfg: Config,
    client: AsyncClient,
    mut rx: mpsc::UnboundedReceiver<Receipt>,
    mut shutdown: watch::Receiver<bool>,
) {
    let receipts = cfg.receipts_topic();
    let status = cfg.status_topic();
    let mut last_status = String::new();
    let mut tick = tokio::time::interval(Duration::from_secs(30));
    loop {
        let msg = tokio::select! {
            r = rx.recv() => match r { Some(r) => Some(Outgoing::Receipt(r)), None => return },
            () = shared.status_dirty.notified() => None,
            _ = tick.tick() => { last_status.clear(); None }
            _ = shutdown.changed() => {
                let mut s = shared.core.lock().expect("core").status();
                s["online"] = json!(false);
                let _ = client.publish(status.clone(), QoS::AtLeastOnce, true, s.to_string()).await;
                let _ = client.disconnect().await;
                return;
            }
        };
        if let Some(Outgoing::Receipt(r)) = msg {
            let body = serde_json::to_string(&r).unwrap_or_default();
            match client.publish(receipts.clone(), QoS::AtLeastOnce, false, body).await {
                Ok(()) => {
                    // Handed to the MQTT session; the removal reaches the disk with the next save.
                    let mut core = shared.core.lock().expect("core");
                    if let Some(i) = core.store.state.outbox.iter().position(|x| *x == r) {
                        core.store.state.outbox.remove(i);
                    }
                }
                Err(e) => tracing::error!("cannot queue a receipt (it stays in the outbox): {e}"),
            }
        }
        let s = shared.core.lock().expect("core").status();
        let mut cmp = s.clone();
        cmp["clock"]["daemon"] = json!(null);
        let key = cmp.to_string();
        if key != last_status {
            last_status = key;
            let _ = client
                .publish(status.clone(), QoS::AtLeastOnce, true, s.to_string())
                .await;
        }
    }
}

fn scheduler_step(shared: &Shared, desired_tx: &watch::Sender<Desired>) -> Timestamp {
    let now = Timestamp::now();
    let mut core = shared.core.lock().expect("core");
    let mut dirty = core.watch_playlist();
    if dirty {
        shared.status_dirty.notify_one();
    }
    if ingest::prune(&mut core.store.state, now) > 0 {
        dirty = true;
    }
    let expired = ingest::expire(&mut core.store.state, now);
    if !expired.is_empty() {
        dirty = true;
        core.store.state.outbox.extend(expired.iter().cloned());
        for r in expired {
            let _ = shared.receipts.send(r);
        }
    }
    let anns = core.store.state.active();
    let clock = judge_clock(now, core.portal_offset);
    if clock != core.clock {
        if clock != pinghu_playlists::ClockTrust::Trusted {
            tracing::warn!("the clock cannot be trusted ({clock:?}): date-bound items are suspended");
        }
        core.clock = clock;
        shared.status_dirty.notify_one();
    }
    let trusted = clock == pinghu_playlists::ClockTrust::Trusted;
    let core = &mut *core;
    let inputs = Inputs {
        playlist: &core.playlist,
        calendar: &core.calendar,
        tz: &core.tz,
        announcements: &anns,
        clock_trusted: trusted,
    };
    let before = core.store.state.scheduler.clone();
    let renderer = std::cell::RefCell::new(&mut core.renderer);
    let pages = |c: &pinghu_playlists::Content| renderer.borrow_mut().render(c).pages.len() as u32;
    let plan = core.store.state.scheduler.step(&inputs, now, &pages);
    let desired = renderer.borrow_mut().desired(&plan);
    if core.store.state.scheduler != before || dirty {
        // The rotation position survives a restart.
        if let Err(e) = core.store.save() {
            tracing::error!("cannot save the scheduler state: {e}");
        }
    }
    if core.plan_layer != plan.layer || core.brightness != plan.brightness || core.power != plan.power {
        core.plan_layer = plan.layer;
        core.brightness = plan.brightness;
        core.power = plan.power;
        shared.status_dirty.notify_one();
    }
    desired_tx.send_if_modified(|d| {
        if *d == desired {
            false
        } else {
            *d = desired;
            true
        }
    });
    plan.next_change
}

async fn scheduler_loop(shared: Arc<Shared>, desired_tx: watch::Sender<Desired>, mut shutdown: watch::Receiver<bool>) {
    loop {
        let next = scheduler_step(&shared, &desired_tx);
        let wait = next
            .duration_since(Timestamp::now())
            .clamp(jiff::SignedDuration::from_millis(5), jiff::SignedDuration::from_secs(2));
        tokio::select! {
            () = tokio::time::sleep(wait.unsigned_abs()) => {}
            () = shared.wake.notified() => {}
            _ = shutdown.changed() => return,
        }
    }
}

async fn events_loop(shared: Arc<Shared>, mut rx: mpsc::UnboundedReceiver<DriverEvent>) {
    while let Some(ev) = rx.recv().await {
        let mut core = shared.core.lock().expect("core");
        match ev {
            DriverEvent::Link { up, protocol, error } => {
                core.device.link = if up { "up" } else { "down" };
                if let Some(p) = protocol {
                    core.device.protocol = Some(p.name().into());
                }
                if let Some(e) = error {
                    tracing::warn!("card link: {e}");
                    core.device.last_error = Some(e);
                }
            }
            DriverEvent::Clock {
                card_time,
                drift_s,
                synced,
            } => {
                if let Some(d) = drift_s {
                    tracing::info!("card clock drift {d} s{}", if synced { ", synchronised" } else { "" });
                }
                core.device.card_time = card_time;
                core.device.drift_s = if synced { Some(0) } else { drift_s };
            }
            DriverEvent::Refused { what, error } => {
                tracing::error!("{what}: {error}");
                core.device.last_error = Some(error);
            }
            DriverEvent::Shown {
                key,
                area,
                layer,
                frame_sha256,
                at,
            } => {
                let (mut key_id, mut signature) = (None, None);
                if let ContentKey::Announcement { id, revision } = &key {
                    let mut first = false;
                    if let Some(rec) = core
                        .store
                        .state
                        .announcements
                        .get_mut(id)
                        .filter(|r| r.announcement.revision == *revision)
                    {
                        key_id = Some(rec.key_id.clone());
                        signature = Some(rec.signature.clone());
                        if rec.displayed.is_none() {
                            rec.displayed = Some(frame_sha256.clone());
                            first = true;
                        }
                    }
                    if first {
                        let mut r = Receipt::new(Some(id), Some(*revision), "displayed", at);
                        r.frame_sha256 = Some(frame_sha256.clone());
                        core.store.state.outbox.push(r.clone());
                        if let Err(e) = core.store.save() {
                            tracing::error!("cannot save: {e}");
                        }
                        let _ = shared.receipts.send(r);
                    }
                }
                let screen = core.cfg.screen.clone();
                let entry = Entry {
                    seq: 0,
                    at: at.to_string(),
                    screen,
                    content: key.to_string(),
                    layer: format!("{layer:?}").to_lowercase(),
                    frame_sha256: frame_sha256.clone(),
                    key_id,
                    signature,
                    prev: String::new(),
                    hash: String::new(),
                };
                if let Err(e) = core.proof.append(entry) {
                    tracing::error!("cannot append to the proof-of-display log: {e}");
                }
                core.showing = json!({"content": key.to_string(), "area": area, "layer": layer, "frame_sha256": frame_sha256, "since": at.to_string()});
            }
        }
        drop(core);
        shared.status_dirty.notify_one();
    }
}

/// Run the daemon until `shutdown` turns true. The store and the last plan are restored from disk
/// before the network is touched, so the board shows the right thing as soon as the card answers.
pub async fn run(cfg: Config, shutdown: watch::Receiver<bool>) -> Result<(), DaemonError> {
    let store = Store::open(&cfg.data_dir).map_err(|e| DaemonError::Store {
        path: cfg.data_dir.display().to_string(),
        reason: e.to_string(),
    })?;
    let proof = ProofLog::open(&cfg.data_dir).map_err(|e| DaemonError::Proof(e.to_string()))?;
    let (playlist, mtime) = load_playlist(cfg.playlist.as_ref()).map_err(DaemonError::Playlist)?;
    let mut calendar = Calendar::builtin();
    if let Some(c) = &cfg.calendar {
        let text = std::fs::read_to_string(c).map_err(|e| DaemonError::Calendar(format!("{}: {e}", c.display())))?;
        calendar
            .extend_from_str(&text, &c.display().to_string())
            .map_err(|e| DaemonError::Calendar(e.to_string()))?;
    }
    let tz = jiff::tz::TimeZone::get(&cfg.timezone).map_err(|e| DaemonError::Playlist(e.to_string()))?;
    let fallback = match &cfg.fallback_font {
        Some(p) => Some(pinghu_fonts::BitmapFont::load(p).map_err(|e| DaemonError::Font(e.to_string()))?),
        None => None,
    };
    let mut renderer = Renderer::new(cfg.width, cfg.height, cfg.colors, fallback);
    for (size, path) in &cfg.fonts {
        let f = pinghu_fonts::BitmapFont::load(path).map_err(|e| DaemonError::Font(e.to_string()))?;
        if f.size() != *size {
            return Err(DaemonError::Font(format!(
                "{} is a {} px font, configured for {size} px",
                path.display(),
                f.size()
            )));
        }
        tracing::info!("{size} px text uses {} ({} glyphs)", f.name(), f.len());
        renderer.override_font(f);
    }
    tracing::info!(
        "screen {} {}x{}: {} announcements restored, playlist {} ({} items)",
        cfg.screen,
        cfg.width,
        cfg.height,
        store.state.announcements.len(),
        playlist.origin,
        playlist.items.len()
    );
    let (receipts_tx, receipts_rx) = mpsc::unbounded_channel();
    let shared = Arc::new(Shared {
        core: Mutex::new(Core {
            renderer,
            device: DeviceStatus {
                url: cfg.device.to_string(),
                link: "connecting",
                ..DeviceStatus::default()
            },
            cfg: cfg.clone(),
            store,
            proof,
            playlist,
            playlist_path: cfg.playlist.clone(),
            playlist_mtime: mtime,
            playlist_error: None,
            calendar,
            tz,
            showing: serde_json::Value::Null,
            plan_layer: Layer::Blank,
            brightness: 15,
            power: true,
            mqtt_connected: false,
            portal_offset: None,
            clock: pinghu_playlists::ClockTrust::Trusted,
        }),
        wake: Notify::new(),
        status_dirty: Notify::new(),
        receipts: receipts_tx,
    });

    // Receipts a crash kept from the broker go out again.
    for r in shared.core.lock().expect("core").store.state.outbox.clone() {
        let _ = shared.receipts.send(r);
    }
    // The board first: the desired state is computed from disk before MQTT connects.
    let (desired_tx, desired_rx) = watch::channel(Desired::default());
    scheduler_step(&shared, &desired_tx);
    let (ev_tx, ev_rx) = mpsc::unbounded_channel();
    let dcfg = DriverConfig {
        url: cfg.device.clone(),
        protocol: cfg.protocol,
        address: cfg.address,
        timeout: cfg.timeout,
        retries: cfg.retries,
        colors: cfg.colors,
        width: cfg.width,
        height: cfg.height,
    };
    let mut tasks = Vec::new();
    tasks.push(tokio::spawn(crate::driver::run(
        dcfg,
        desired_rx,
        ev_tx,
        shutdown.clone(),
    )));
    tasks.push(tokio::spawn(events_loop(Arc::clone(&shared), ev_rx)));
    tasks.push(tokio::spawn(scheduler_loop(
        Arc::clone(&shared),
        desired_tx,
        shutdown.clone(),
    )));

    let will = json!({"online": false, "screen": cfg.screen, "version": env!("CARGO_PKG_VERSION")})
        .to_string()
        .into_bytes();
    let opts = mqtt_options(&cfg, will)?;
    let (client, eventloop) = AsyncClient::new(opts, 256);
    tasks.push(tokio::spawn(mqtt_loop(
        Arc::clone(&shared),
        cfg.clone(),
        client.clone(),
        eventloop,
        cfg.keyring(),
        shutdown.clone(),
    )));
    tasks.push(tokio::spawn(publisher(
        Arc::clone(&shared),
        cfg.clone(),
        client,
        receipts_rx,
        shutdown.clone(),
    )));
    let mut sd = shutdown.clone();
    let _ = sd.wait_for(|s| *s).await;
    for t in tasks {
        let _ = tokio::time::timeout(Duration::from_secs(3), t).await;
    }
    tracing::info!("stopped");
    Ok(())
}
