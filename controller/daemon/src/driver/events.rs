//! What the driver reports, and where its reports go.

use jiff::Timestamp;
use pinghu_playlists::problem::Said;
use pinghu_playlists::{ContentKey, Layer};
use pinghu_protocol::control::PingInfo;
use tokio::sync::mpsc;

use crate::card::device::CardModel;
use crate::fallback::FlashRecord;

/// Where the driver's reports go: straight to the core thread in the daemon (no task in between),
/// a channel in tests.
#[derive(Clone)]
pub struct Events(std::sync::Arc<dyn Fn(DriverEvent) + Send + Sync>);

impl Events {
    pub fn new(f: impl Fn(DriverEvent) + Send + Sync + 'static) -> Self {
        Self(std::sync::Arc::new(f))
    }

    /// Report `e` (whoever listens; a report nobody hears is dropped, as the daemon is ending).
    pub fn send(&self, e: DriverEvent) {
        (self.0)(e);
    }
}

impl std::fmt::Debug for Events {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Events")
    }
}

impl From<mpsc::UnboundedSender<DriverEvent>> for Events {
    fn from(tx: mpsc::UnboundedSender<DriverEvent>) -> Self {
        Self::new(move |e| {
            let _ = tx.send(e);
        })
    }
}

/// What the driver reports.
#[derive(Debug, Clone, PartialEq)]
pub enum DriverEvent {
    /// The link came up (with the protocol in use) or went down (with the reason).
    Link {
        up: bool,
        protocol: Option<CardModel>,
        error: Option<Said>,
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
    Refused { what: String, error: Said },
    /// The card acknowledged that `area` is gone (an urgent notice ended).
    Cleared { area: u8 },
    /// The card switched the LED power (or, without a power opcode, was darkened by clearing).
    Power { on: bool },
    /// What the card reported about itself after a (re)connect, and how its power is switched.
    Card {
        info: Option<PingInfo>,
        power_control: crate::status::PowerControl,
    },
    /// The flash program: written (`wrote`), current, or waiting (`note` says why).
    Flash {
        record: FlashRecord,
        wrote: bool,
        note: Option<String>,
    },
}
