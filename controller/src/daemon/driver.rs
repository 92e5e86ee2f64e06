//! The driver task: one per board. It keeps a link to the card open (reopening it with backoff
//! when it drops), and makes the card show the [`Desired`] board, sending only what changed.
//! After every (re)connect it clears the card and sends the whole desired state, so no stale area
//! survives and the board is never left blank by mistake.

use std::time::Duration;

use jiff::Timestamp;
use pinghu_playlists::{ContentKey, Layer};
use tokio::sync::{mpsc, watch};

use crate::card::client::{CardClient, DriverError, try_protocols};
use crate::card::device::{CardModel, DeviceUrl};
use crate::card::link::{Io, Link, LinkError, open};
use crate::daemon::board::{AreaContent, Desired, MAIN_AREA, URGENT_AREA};

/// What the driver needs to know.
#[derive(Debug, Clone)]
pub struct DriverConfig {
    pub url: DeviceUrl,
    pub protocol: Option<CardModel>,
    pub address: u16,
    pub timeout: Duration,
    pub retries: u32,
    pub colors: pinghu_fonts::ColorMode,
    pub width: u32,
    pub height: u32,
}

/// What the driver reports.
#[derive(Debug, Clone, PartialEq)]
pub enum DriverEvent {
    /// The link came up (with the protocol in use) or went down (with the reason).
    Link {
        up: bool,
        protocol: Option<CardModel>,
        error: Option<String>,
    },
    /// The card acknowledged the first frame of `key` in `area`.
    Shown {
        key: ContentKey,
        area: u8,
        layer: Layer,
        frame_sha256: String,
        at: Timestamp,
    },
    /// The card's clock and its drift from ours, after a sync.
    Clock {
        card_time: Option<String>,
        drift_s: Option<i64>,
        synced: bool,
    },
    /// The card refused something (kept apart from link failures).
    Refused { what: String, error: String },
    /// The card acknowledged that `area` is gone (an urgent notice ended).
    Cleared { area: u8 },
}

/// What a technician asks of the card through the console, answered in words.
#[derive(Debug)]
pub struct CardRequest {
    pub op: CardOp,
    pub reply: tokio::sync::oneshot::Sender<Result<String, String>>,
}

/// The card operations a technician can run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CardOp {
    Ping,
    /// A test pattern (`pinghu diag test-pattern` names) on the whole board, until the next
    /// reconciliation (a change of the desired board, or the keep-alive within 30 s).
    Pattern(String),
}

async fn card_request(
    c: &mut CardClient,
    cfg: &DriverConfig,
    op: &CardOp,
    sent: &mut Sent,
) -> Result<String, DriverError> {
    match op {
        CardOp::Ping => {
            let t0 = tokio::time::Instant::now();
            c.ping().await?;
            Ok(format!(
                "the {} card answered in {} ms",
                c.protocol.name(),
                t0.elapsed().as_millis()
            ))
        }
        CardOp::Pattern(name) => {
            if !c.protocol.is_graphic() {
                return Err(DriverError::Invalid("test patterns need a graphic card".into()));
            }
            let frames = crate::cli::diag::pattern(name, cfg.width, cfg.height, cfg.colors, (32, 16))?;
            let mode = pinghu_protocol::style::Motion::Static.graphic_code();
            let pages: Vec<_> = frames.into_iter().map(|f| (f, mode, 100)).collect();
            let p = c.pages_packet(MAIN_AREA, 0, 0, &pages, cfg.colors)?;
            c.clear().await?;
            // Whatever the card showed is gone: the next reconciliation sends the whole board.
            *sent = Sent::default();
            c.send(&p).await?;
            Ok(format!(
                "test pattern {name} on the board; the board returns within 30 s"
            ))
        }
    }
}

#[derive(Debug, Default)]
struct Sent {
    power: Option<bool>,
    brightness: Option<u8>,
    main: Option<(ContentKey, String)>,
    urgent: Option<(ContentKey, String)>,
}

fn id_of(a: &AreaContent) -> (ContentKey, String) {
    (a.key.clone(), a.first_frame_sha256() + &a.pages.len().to_string())
}

async fn send_area(c: &mut CardClient, cfg: &DriverConfig, area: u8, a: &AreaContent) -> Result<(), DriverError> {
    let p = if c.protocol.is_graphic() {
        let mode = a.effect.motion().graphic_code();
        let pages: Vec<_> = a
            .pages
            .iter()
            .zip(&a.dwell_s)
            .map(|(f, d)| (f.clone(), mode, u16::try_from(d * 100).unwrap_or(u16::MAX)))
            .collect();
        c.pages_packet(area, 0, 0, &pages, cfg.colors)?
    } else {
        c.text_packet(
            area,
            (cfg.width, cfg.height),
            &a.text,
            (a.font_size, a.color),
            a.effect.motion(),
        )?
    };
    c.send(&p).await
}

async fn reconcile(
    c: &mut CardClient,
    cfg: &DriverConfig,
    d: &Desired,
    sent: &mut Sent,
    events: &mpsc::UnboundedSender<DriverEvent>,
) -> Result<(), DriverError> {
    if sent.power != Some(d.power) {
        if c.protocol.is_graphic() {
            if !d.power {
                // No public power opcode: a dark board is a board without areas.
                c.clear().await?;
                sent.main = None;
                sent.urgent = None;
                for area in [MAIN_AREA, URGENT_AREA] {
                    let _ = events.send(DriverEvent::Cleared { area });
                }
            }
        } else {
            c.power(d.power).await?;
        }
        sent.power = Some(d.power);
    }
    if !d.power {
        return Ok(());
    }
    if c.protocol.is_graphic() && sent.brightness != Some(d.brightness) {
        c.brightness(&[d.brightness]).await?;
        sent.brightness = Some(d.brightness);
    }
    // The urgent area first: it must reach the glass as fast as the link allows, and when it
    // goes the rotation underneath is visible again at once.
    match (&d.urgent, &sent.urgent) {
        (Some(u), s) if s.as_ref() != Some(&id_of(u)) => {
            send_area(c, cfg, URGENT_AREA, u).await?;
            sent.urgent = Some(id_of(u));
            let _ = events.send(DriverEvent::Shown {
                key: u.key.clone(),
                area: URGENT_AREA,
                layer: d.layer,
                frame_sha256: u.first_frame_sha256(),
                at: Timestamp::now(),
            });
        }
        (None, Some(_)) => {
            c.delete_area(URGENT_AREA).await?;
            sent.urgent = None;
            let _ = events.send(DriverEvent::Cleared { area: URGENT_AREA });
        }
        _ => {}
    }
    match (&d.main, &sent.main) {
        (Some(m), s) if s.as_ref() != Some(&id_of(m)) => {
            send_area(c, cfg, MAIN_AREA, m).await?;
            sent.main = Some(id_of(m));
            if d.urgent.is_none() {
                let _ = events.send(DriverEvent::Shown {
                    key: m.key.clone(),
                    area: MAIN_AREA,
                    layer: d.layer,
                    frame_sha256: m.first_frame_sha256(),
                    at: Timestamp::now(),
                });
            }
        }
        (None, Some(_)) if d.blank => {
            c.delete_area(MAIN_AREA).await?;
            sent.main = None;
            let _ = events.send(DriverEvent::Cleared { area: MAIN_AREA });
        }
        _ => {}
    }
    Ok(())
}

async fn connect<F>(cfg: &DriverConfig, open_io: &mut impl FnMut() -> F) -> Result<CardClient, DriverError>
where
    F: Future<Output = Result<Box<dyn Io>, LinkError>>,
{
    let io = open_io().await?;
    let mut link = Link::new(io, cfg.timeout);
    let protocol = match cfg.protocol {
        Some(p) => p,
        None => {
            let found = try_protocols(&mut link, cfg.timeout.min(Duration::from_millis(800)))
                .await?
                .ok_or(DriverError::Link(LinkError::Timeout {
                    ms: cfg.timeout.as_millis(),
                }))?;
            CardModel::parse(&found.protocol).ok_or_else(|| {
                DriverError::Invalid(format!("a {} card answered; it is not supported", found.protocol))
            })?
        }
    };
    link.timeout = cfg.timeout;
    link.retries = cfg.retries;
    Ok(CardClient::new(link, protocol, cfg.address))
}

/// Run until `shutdown` turns true, on the link that `cfg.url` names.
pub async fn run(
    cfg: DriverConfig,
    desired: watch::Receiver<Desired>,
    events: mpsc::UnboundedSender<DriverEvent>,
    requests: mpsc::Receiver<CardRequest>,
    shutdown: watch::Receiver<bool>,
) {
    let url = cfg.url.clone();
    let connect_timeout = cfg.timeout.max(Duration::from_secs(2));
    run_on(cfg, || open(&url, connect_timeout), desired, events, requests, shutdown).await;
}

/// Run until `shutdown` turns true, opening each link with `open_io` (a serial port or TCP
/// socket in the daemon; an in-memory pipe to the simulator's card model in tests).
pub async fn run_on<F>(
    cfg: DriverConfig,
    mut open_io: impl FnMut() -> F,
    mut desired: watch::Receiver<Desired>,
    events: mpsc::UnboundedSender<DriverEvent>,
    mut requests: mpsc::Receiver<CardRequest>,
    mut shutdown: watch::Receiver<bool>,
) where
    F: Future<Output = Result<Box<dyn Io>, LinkError>>,
{
    let mut backoff = crate::backoff::Backoff::new(Duration::from_millis(200), Duration::from_secs(30));
    let mut last_sync: Option<Timestamp> = None;
    'outer: while !*shutdown.borrow() {
        let mut c = match connect(&cfg, &mut open_io).await {
            Ok(c) => c,
            Err(e) => {
                let _ = events.send(DriverEvent::Link {
                    up: false,
                    protocol: None,
                    error: Some(e.to_string()),
                });
                tokio::select! {
                    () = tokio::time::sleep(backoff.next_delay()) => {}
                    _ = shutdown.changed() => break 'outer,
                }
                continue;
            }
        };
        let _ = events.send(DriverEvent::Link {
            up: true,
            protocol: Some(c.protocol),
            error: None,
        });
        // The card's state is unknown after a (re)connect: clear it and send everything.
        let mut sent = Sent::default();
        let fresh = async {
            if !c.protocol.is_graphic()
                && last_sync.is_none_or(|t| Timestamp::now().duration_since(t) > jiff::SignedDuration::from_hours(24))
            {
                let before = c.status(Timestamp::now()).await.ok();
                c.time_sync(Timestamp::now()).await?;
                last_sync = Some(Timestamp::now());
                let _ = events.send(DriverEvent::Clock {
                    card_time: before.as_ref().and_then(|s| s.card_time.clone()),
                    drift_s: before.and_then(|s| s.drift_s),
                    synced: true,
                });
            }
            c.clear().await
        };
        if let Err(e) = fresh.await {
            let _ = events.send(DriverEvent::Link {
                up: false,
                protocol: Some(c.protocol),
                error: Some(e.to_string()),
            });
            tokio::select! {
                () = tokio::time::sleep(backoff.next_delay()) => {}
                _ = shutdown.changed() => break 'outer,
            }
            continue;
        }
        backoff.reset();
        // A board the card refused, not sent again until it changes (or the link is reopened).
        let mut refused: Option<Desired> = None;
        // A technician's test pattern stays until then, or until the desired board changes.
        let mut hold: Option<tokio::time::Instant> = None;
        loop {
            let d = desired.borrow_and_update().clone();
            let pattern_showing = hold.is_some_and(|t| tokio::time::Instant::now() < t);
            let outcome = if refused.as_ref() == Some(&d) || pattern_showing {
                Ok(())
            } else {
                reconcile(&mut c, &cfg, &d, &mut sent, &events).await
            };
            match outcome {
                Ok(()) => {}
                Err(DriverError::Link(LinkError::Nack { code })) if !code.is_retryable() => {
                    let hint = if code == pinghu_protocol::ErrorCode::FILE_DOWNLOAD
                        || code == pinghu_protocol::ErrorCode::SCREEN_PARA
                    {
                        " (check screen.width, screen.height, screen.colors and device.protocol against the card)"
                    } else {
                        ""
                    };
                    let _ = events.send(DriverEvent::Refused {
                        what: format!("{:?} board update", d.layer),
                        error: format!("the card refused: {code}{hint}"),
                    });
                    // Do not hammer the card with the same refused frame; wait for a change.
                    refused = Some(d);
                }
                Err(e @ (DriverError::Unsupported { .. } | DriverError::Invalid(_) | DriverError::Unexpected(_))) => {
                    let _ = events.send(DriverEvent::Refused {
                        what: format!("{:?} board update", d.layer),
                        error: e.to_string(),
                    });
                    refused = Some(d);
                }
                Err(e) => {
                    let _ = events.send(DriverEvent::Link {
                        up: false,
                        protocol: Some(c.protocol),
                        error: Some(e.to_string()),
                    });
                    continue 'outer;
                }
            }
            tokio::select! {
                r = desired.changed() => {
                    if r.is_err() { break 'outer }
                    hold = None;
                }
                Some(req) = requests.recv() => {
                    let r = card_request(&mut c, &cfg, &req.op, &mut sent).await;
                    if r.is_ok() && matches!(req.op, CardOp::Pattern(_)) {
                        hold = Some(tokio::time::Instant::now() + Duration::from_secs(30));
                    }
                    let failed_link = matches!(&r, Err(DriverError::Link(_)));
                    let _ = req.reply.send(r.map_err(|e| e.to_string()));
                    if failed_link {
                        continue 'outer;
                    }
                }
                () = tokio::time::sleep(Duration::from_secs(30)) => {
                    // Keep-alive: a link that died quietly is found and reopened.
                    if let Err(e) = c.ping().await {
                        let _ = events.send(DriverEvent::Link { up: false, protocol: Some(c.protocol), error: Some(e.to_string()) });
                        continue 'outer;
                    }
                    if !c.protocol.is_graphic() && last_sync.is_none_or(|t| Timestamp::now().duration_since(t) > jiff::SignedDuration::from_hours(24)) {
                        let before = c.status(Timestamp::now()).await.ok();
                        let synced = c.time_sync(Timestamp::now()).await.is_ok();
                        if synced {
                            last_sync = Some(Timestamp::now());
                        }
                        let _ = events.send(DriverEvent::Clock {
                            card_time: before.as_ref().and_then(|s| s.card_time.clone()),
                            drift_s: before.and_then(|s| s.drift_s),
                            synced,
                        });
                    }
                }
                _ = shutdown.changed() => break 'outer,
            }
        }
    }
}
