//! What the driver does besides reconciling the board: a technician's card operations from the
//! console, and the daily clock sync.

use jiff::Timestamp;

use super::{DriverConfig, DriverEvent, Sent};
use crate::board::MAIN_AREA;
use crate::card::client::{CardClient, DriverError};

/// What a technician asks of the card through the console, answered in words (or the card's
/// error, which says itself in both languages).
#[derive(Debug)]
pub struct CardRequest {
    pub op: CardOp,
    pub reply: tokio::sync::oneshot::Sender<Result<CardDone, DriverError>>,
}

/// The card operations a technician can run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CardOp {
    Ping,
    /// A test pattern (`pinghu diag test-pattern` names) on the whole board, until the next
    /// reconciliation (a change of the desired board, or the keep-alive within 30 s).
    Pattern(String),
}

/// What a technician's card operation did, said in both languages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CardDone {
    /// The card answered a ping.
    Answered { card: &'static str, ms: u128 },
    /// A test pattern shows until the board's own content returns.
    Pattern { name: String },
}

impl std::fmt::Display for CardDone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Answered { card, ms } => write!(f, "the {card} card answered in {ms} ms"),
            Self::Pattern { name } => write!(f, "test pattern {name} on the board; the board returns within 30 s"),
        }
    }
}

impl pinghu_playlists::Bilingual for CardDone {
    fn zh(&self) -> String {
        match self {
            Self::Answered { card, ms } => format!("控制卡（{card}）在 {ms} 毫秒内应答"),
            Self::Pattern { name } => format!("测试图 {name} 已显示，大屏将在 30 秒内恢复正常内容"),
        }
    }
}

pub(super) async fn card_request(
    c: &mut CardClient,
    cfg: &DriverConfig,
    op: &CardOp,
    sent: &mut Sent,
) -> Result<CardDone, DriverError> {
    match op {
        CardOp::Ping => {
            let t0 = tokio::time::Instant::now();
            c.ping().await?;
            Ok(CardDone::Answered {
                card: c.protocol.name(),
                ms: t0.elapsed().as_millis(),
            })
        }
        CardOp::Pattern(name) => {
            if !c.protocol.is_graphic() {
                return Err(DriverError::Invalid("test patterns need a graphic card".into()));
            }
            let frames = crate::card::pattern::pattern(name, cfg.width, cfg.height, cfg.colors, (32, 16))?;
            let mode = pinghu_protocol::style::Motion::Static.graphic_code();
            let pages: Vec<_> = frames.into_iter().map(|f| (f, mode, 100)).collect();
            let p = c.pages_packet(MAIN_AREA, (0, 0), &pages, cfg.colors, None)?;
            c.clear().await?;
            // Whatever the card showed is gone: the next reconciliation sends the whole board.
            *sent = Sent::default();
            c.send(&p).await?;
            Ok(CardDone::Pattern { name: name.clone() })
        }
    }
}

/// Set the card's clock at start and then daily, reporting the drift found before.
pub(super) async fn sync_clock(
    c: &mut CardClient,
    events: &super::Events,
    last_sync: &mut Option<Timestamp>,
) -> Result<(), DriverError> {
    if last_sync.is_some_and(|t| Timestamp::now().duration_since(t) < jiff::SignedDuration::from_hours(24)) {
        return Ok(());
    }
    // The drift before the sync: graphic cards tell it in their controller status alone.
    let before = if c.protocol.is_graphic() {
        c.controller_status().await?.map(|s| {
            let t = s.time.to_timestamp(crate::card::client::CARD_UTC_OFFSET);
            (
                Some(s.time.to_string()),
                t.map(|t| t.duration_since(Timestamp::now()).as_secs()),
            )
        })
    } else {
        c.status(Timestamp::now()).await.ok().map(|s| (s.card_time, s.drift_s))
    };
    let synced = match c.time_sync(Timestamp::now()).await {
        Ok(()) => true,
        // Older graphic firmware has no clock command: the host schedules by its own clock.
        Err(DriverError::Unsupported { .. }) => false,
        Err(e) => return Err(e),
    };
    *last_sync = Some(Timestamp::now());
    let (card_time, drift_s) = before.unwrap_or_default();
    events.send(DriverEvent::Clock {
        card_time,
        drift_s,
        synced,
    });
    Ok(())
}
