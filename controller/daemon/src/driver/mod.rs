//! The driver task: one per board. It keeps a link to the card open (reopening it with backoff
//! when it drops), and makes the card show the [`Desired`] board, sending only what changed.
//! After every (re)connect it reads what the card says about itself, sets its clock (and daily
//! after), clears it and sends the whole desired state, so no stale area survives and the board is
//! never left blank by mistake. Power and the day's brightness table go through the card's own
//! controls; on graphic cards live areas are kept alive with RunMode 2 and the fallback program
//! in flash is checked ([`crate::fallback`]).

use std::time::Duration;

use jiff::Timestamp;
use pinghu_playlists::ContentKey;
use pinghu_playlists::problem::Said;
use tokio::sync::{mpsc, watch};

use crate::board::{AreaContent, Desired, MAIN_AREA, URGENT_AREA};
use crate::card::client::{CardClient, DriverError, try_protocols};
use crate::card::device::{CardModel, DeviceUrl};
use crate::card::link::{Io, Link, LinkError, TraceRing, open};
use crate::fallback::{FlashRecord, keep_alive};

mod events;
mod ops;

pub use events::{DriverEvent, Events};
pub use ops::{CardDone, CardOp, CardRequest};
use ops::{card_request, sync_clock};

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
    /// Seconds after the host goes quiet before the card shows its flash program (0 = never:
    /// dynamic areas stay until replaced).
    pub fallback_after_s: u16,
    /// What was written to the card's flash so far (`DATA_DIR/flash.json`).
    pub flash: FlashRecord,
    pub max_flash_writes_per_day: u32,
    /// Where the link's recent bytes go, for the console's technicians.
    pub trace: Option<TraceRing>,
}

#[derive(Debug, Default)]
struct Sent {
    power: Option<bool>,
    brightness: Option<u8>,
    brightness_table: Option<Vec<u8>>,
    main: Option<(ContentKey, String)>,
    urgent: Option<(ContentKey, String)>,
    /// When each area (main, urgent) must be sent again to keep it on the glass, and what it
    /// holds (the rotation stays on the card under an urgent notice, out of `Desired`).
    refresh: [Option<(tokio::time::Instant, AreaContent)>; 2],
    /// The card's LED power cannot be switched: darken by clearing the areas instead.
    no_power_opcode: bool,
    /// The daily on/off window the card was given (and whether it was given one at all).
    power_window: WindowSent,
}

/// What the card was told about its daily on/off window.
#[derive(Debug, Default, PartialEq, Eq)]
enum WindowSent {
    /// Nothing yet on this connection.
    #[default]
    Unknown,
    Cancelled,
    Window(u16, u16),
}

impl From<Option<(u16, u16)>> for WindowSent {
    fn from(w: Option<(u16, u16)>) -> Self {
        w.map_or(Self::Cancelled, |(on, off)| Self::Window(on, off))
    }
}

fn id_of(a: &AreaContent) -> (ContentKey, String) {
    (a.key.clone(), a.first_frame_sha256() + &a.pages.len().to_string())
}

/// Send `a` to `area`, kept alive by RunMode 2 when a fallback time is configured; returns when
/// it must be sent again.
async fn send_area(
    c: &mut CardClient,
    cfg: &DriverConfig,
    area: u8,
    a: &AreaContent,
) -> Result<Option<tokio::time::Instant>, DriverError> {
    if c.protocol.is_graphic() {
        let keep = keep_alive(cfg.fallback_after_s, a.dwell_s.iter().sum());
        let mode = a.effect.motion().graphic_code();
        let pages: Vec<_> = a
            .pages
            .iter()
            .zip(&a.dwell_s)
            .map(|(f, d)| (f.clone(), mode, u16::try_from(d * 100).unwrap_or(u16::MAX)))
            .collect();
        let p = c.pages_packet(area, (0, 0), &pages, cfg.colors, keep.map(|k| k.0))?;
        c.send(&p).await?;
        return Ok(
            keep.map(|(_, refresh)| tokio::time::Instant::now() + std::time::Duration::from_secs(u64::from(refresh)))
        );
    }
    let p = c.text_packet(
        area,
        (cfg.width, cfg.height),
        &a.text,
        (a.font_size, a.color),
        a.effect.motion(),
    )?;
    c.send(&p).await?;
    Ok(None)
}

async fn reconcile(
    c: &mut CardClient,
    cfg: &DriverConfig,
    d: &Desired,
    sent: &mut Sent,
    events: &Events,
) -> Result<(), DriverError> {
    if sent.power_window != WindowSent::from(d.power_window) {
        let slot = d.power_window.map(|(on, off)| pinghu_protocol::fontcard::PowerSlot {
            on: ((on / 60) as u8, (on % 60) as u8),
            off: (((off % 1440) / 60) as u8, (off % 60) as u8),
        });
        match c.timed_power(slot).await {
            // Cards without it still follow the live power commands while the host runs.
            Ok(()) | Err(DriverError::Unsupported { .. } | DriverError::Link(LinkError::Nack { .. })) => {}
            Err(e) => return Err(e),
        }
        sent.power_window = d.power_window.into();
    }
    if sent.power != Some(d.power) {
        if c.protocol.is_graphic() && !sent.no_power_opcode {
            // The LED modules' own power (A2 05); older firmware refuses it.
            if let Err(DriverError::Unsupported { .. }) = c.power(d.power).await {
                sent.no_power_opcode = true;
            }
        } else if !c.protocol.is_graphic() {
            c.power(d.power).await?;
        }
        if c.protocol.is_graphic() && sent.no_power_opcode && !d.power {
            // No power opcode: a dark board is a board without areas (and none kept alive).
            c.clear().await?;
            sent.main = None;
            sent.urgent = None;
            sent.refresh = [None, None];
            for area in [MAIN_AREA, URGENT_AREA] {
                events.send(DriverEvent::Cleared { area });
            }
        }
        if sent.power.is_some() || !d.power {
            events.send(DriverEvent::Power { on: d.power });
        }
        sent.power = Some(d.power);
    }
    if !d.power {
        return Ok(());
    }
    if c.protocol.is_graphic() {
        match &d.brightness_table {
            // The day's table: the card follows it by its own clock, with no traffic.
            Some(t) if sent.brightness_table.as_ref() != Some(t) => {
                c.brightness(t).await?;
                sent.brightness_table = Some(t.clone());
                sent.brightness = None;
            }
            Some(_) => {}
            None if sent.brightness != Some(d.brightness) => {
                c.brightness(&[d.brightness]).await?;
                sent.brightness = Some(d.brightness);
                sent.brightness_table = None;
            }
            None => {}
        }
    }
    // The urgent area first: it must reach the glass as fast as the link allows, and when it
    // goes the rotation underneath is visible again at once.
    match (&d.urgent, &sent.urgent) {
        (Some(u), s) if s.as_ref() != Some(&id_of(u)) => {
            sent.refresh[1] = send_area(c, cfg, URGENT_AREA, u).await?.map(|t| (t, u.clone()));
            sent.urgent = Some(id_of(u));
            events.send(DriverEvent::Shown {
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
            sent.refresh[1] = None;
            events.send(DriverEvent::Cleared { area: URGENT_AREA });
        }
        _ => {}
    }
    match (&d.main, &sent.main) {
        (Some(m), s) if s.as_ref() != Some(&id_of(m)) => {
            sent.refresh[0] = send_area(c, cfg, MAIN_AREA, m).await?.map(|t| (t, m.clone()));
            sent.main = Some(id_of(m));
            if d.urgent.is_none() {
                events.send(DriverEvent::Shown {
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
            sent.refresh[0] = None;
            events.send(DriverEvent::Cleared { area: MAIN_AREA });
        }
        _ => {}
    }
    Ok(())
}

/// Send again what is on the glass before its RunMode-2 timeout (no new receipt: the same
/// content stays).
async fn refresh(c: &mut CardClient, cfg: &DriverConfig, sent: &mut Sent) -> Result<(), DriverError> {
    let now = tokio::time::Instant::now();
    for (i, area) in [(0, MAIN_AREA), (1, URGENT_AREA)] {
        if let Some((due, a)) = sent.refresh[i].take() {
            sent.refresh[i] = if due <= now {
                send_area(c, cfg, area, &a).await?.map(|t| (t, a))
            } else {
                Some((due, a))
            };
        }
    }
    Ok(())
}

/// The next refresh due, if any.
fn next_refresh(sent: &Sent) -> Option<tokio::time::Instant> {
    sent.refresh.iter().flatten().map(|(t, _)| *t).min()
}

async fn connect<F>(cfg: &DriverConfig, open_io: &mut impl FnMut() -> F) -> Result<CardClient, DriverError>
where
    F: Future<Output = Result<Box<dyn Io>, LinkError>>,
{
    let io = open_io().await?;
    let mut link = Link::new(io, cfg.timeout);
    if let Some(ring) = &cfg.trace {
        link.on_trace = Some(ring.sink());
    }
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
    events: impl Into<Events>,
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
    events: impl Into<Events>,
    mut requests: mpsc::Receiver<CardRequest>,
    mut shutdown: watch::Receiver<bool>,
) where
    F: Future<Output = Result<Box<dyn Io>, LinkError>>,
{
    let events = events.into();
    let mut backoff = crate::backoff::Backoff::new(Duration::from_millis(200), Duration::from_secs(30));
    let mut last_sync: Option<Timestamp> = None;
    let mut flash = cfg.flash.clone();
    'outer: while !*shutdown.borrow() {
        let mut c = match connect(&cfg, &mut open_io).await {
            Ok(c) => c,
            Err(e) => {
                events.send(DriverEvent::Link {
                    up: false,
                    protocol: None,
                    error: Some(Said::of(&e)),
                });
                tokio::select! {
                    () = tokio::time::sleep(backoff.next_delay()) => {}
                    _ = shutdown.changed() => break 'outer,
                }
                continue;
            }
        };
        events.send(DriverEvent::Link {
            up: true,
            protocol: Some(c.protocol),
            error: None,
        });
        // The card's state is unknown after a (re)connect: clear it and send everything.
        let mut sent = Sent::default();
        // The fallback program checked on this connection (by its content).
        let mut ensured: Option<(ContentKey, String)> = None;
        let fresh = async {
            let info = c.card_info().await?;
            events.send(DriverEvent::Card {
                info,
                power_control: if c.protocol.is_graphic() {
                    crate::status::PowerControl::A205
                } else {
                    crate::status::PowerControl::A300
                },
            });
            sync_clock(&mut c, &events, &mut last_sync).await?;
            c.clear().await
        };
        if let Err(e) = fresh.await {
            events.send(DriverEvent::Link {
                up: false,
                protocol: Some(c.protocol),
                error: Some(Said::of(&e)),
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
            let outcome = match (outcome, &d.fallback) {
                (Ok(()), Some(fb)) if c.protocol.is_graphic() && ensured.as_ref() != Some(&id_of(fb)) => {
                    let r = crate::fallback::ensure_program(&mut c, &cfg, fb, &mut flash, &events).await;
                    if r.is_ok() {
                        ensured = Some(id_of(fb));
                    }
                    r
                }
                (o, _) => o,
            };
            match outcome {
                Ok(()) => {}
                Err(DriverError::Link(LinkError::Nack { code })) if !code.is_retryable() => {
                    let (hint, hint_zh) = if code == pinghu_protocol::ErrorCode::FILE_DOWNLOAD
                        || code == pinghu_protocol::ErrorCode::SCREEN_PARA
                    {
                        (
                            " (check screen.width, screen.height, screen.colors and device.protocol against the card)",
                            "（请对照控制卡核对 screen.width、screen.height、screen.colors 和 device.protocol）",
                        )
                    } else {
                        ("", "")
                    };
                    let error = Said {
                        en: format!("the card refused: {code}{hint}"),
                        zh: format!("控制卡拒绝了：{}{hint_zh}", code.name().unwrap_or("?")),
                    };
                    events.send(DriverEvent::Refused {
                        what: format!("{:?} board update", d.layer),
                        error,
                    });
                    // Do not hammer the card with the same refused frame; wait for a change.
                    refused = Some(d);
                }
                Err(e @ (DriverError::Unsupported { .. } | DriverError::Invalid(_) | DriverError::Unexpected(_))) => {
                    events.send(DriverEvent::Refused {
                        what: format!("{:?} board update", d.layer),
                        error: Said::of(&e),
                    });
                    refused = Some(d);
                }
                Err(e) => {
                    events.send(DriverEvent::Link {
                        up: false,
                        protocol: Some(c.protocol),
                        error: Some(Said::of(&e)),
                    });
                    continue 'outer;
                }
            }
            let far = tokio::time::Instant::now() + Duration::from_secs(3600);
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
                    let _ = req.reply.send(r);
                    if failed_link {
                        continue 'outer;
                    }
                }
                () = tokio::time::sleep_until(next_refresh(&sent).filter(|_| hold.is_none()).unwrap_or(far)) => {
                    // Keep the areas on the glass before their RunMode-2 timeout.
                    if let Err(e) = refresh(&mut c, &cfg, &mut sent).await {
                        events.send(DriverEvent::Link { up: false, protocol: Some(c.protocol), error: Some(Said::of(&e)) });
                        continue 'outer;
                    }
                }
                () = tokio::time::sleep(Duration::from_secs(30)) => {
                    // Keep-alive: a link that died quietly is found and reopened.
                    if let Err(e) = c.ping().await {
                        events.send(DriverEvent::Link { up: false, protocol: Some(c.protocol), error: Some(Said::of(&e)) });
                        continue 'outer;
                    }
                    if let Err(e) = sync_clock(&mut c, &events, &mut last_sync).await {
                        events.send(DriverEvent::Link { up: false, protocol: Some(c.protocol), error: Some(Said::of(&e)) });
                        continue 'outer;
                    }
                }
                _ = shutdown.changed() => break 'outer,
            }
        }
    }
}
