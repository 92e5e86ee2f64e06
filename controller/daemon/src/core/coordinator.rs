//! The core as a sans-IO state machine: inputs go in through [`Core::handle`],
//! [`Core::handle_message`] and [`Core::handle_timeout`], each with the time; what the core
//! decided comes out through `poll_*`, in the order it was decided. No thread, channel or clock
//! here: the core thread (`daemon::core_thread`) is a thin driver of this interface, and tests
//! drive it with a virtual clock (`controller/tests/core_loop.rs`).
//!
//! ```text
//!   handle(Input, now) ───────┐                 ┌──► poll_receipt()  receipts to publish
//!   handle_message(…, now) ───┼──►  Core  ──────┼──► poll_desired()  the board, when it changed
//!   handle_timeout(now) ──────┘                 ├──► poll_live()     the console's live events
//!                                               ├──► poll_status_changed()
//!                                               └──► poll_timeout()  when to call handle_timeout
//! ```

use std::collections::VecDeque;

use jiff::{SignedDuration, Timestamp};

use super::Core;
use crate::board::Desired;
use crate::driver::DriverEvent;
use crate::ingest::Receipt;
use crate::mqtt::BrokerLink;

/// How often the playlist file is looked at (the README promises edits live within 2 s): the
/// scheduler runs at least this often.
pub const PLAYLIST_WATCH: SignedDuration = SignedDuration::from_secs(2);

/// What happens to the core, besides broker messages and the passing of time.
#[derive(Debug)]
#[non_exhaustive]
pub enum Input {
    /// The driver reports (a frame acknowledged, the link, the card's clock, …).
    Driver(DriverEvent),
    /// A receipt was handed to the MQTT session: it leaves the outbox.
    Published(Receipt),
    /// The broker link changed (connected, lost, session state).
    Mqtt(BrokerLink),
    /// The console changes something (a playlist saved, an override set): what it touched is
    /// planned again or announced.
    Change(super::Change),
}

/// A live event for the console (`/api/v1/events`), as JSON: `{"type": "status"}`,
/// `{"type": "receipt", "receipt": …}`, `{"type": "frame", "area", "frame_sha256", "at"}` or
/// `{"type": "frame", "area", "cleared": true}`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Live {
    /// The status changed: read it again.
    Status,
    /// A receipt, whoever publishes it.
    Receipt { receipt: Box<Receipt> },
    /// The card acknowledged a page, or cleared an area.
    Frame(Frame),
}

/// What changed on the glass.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(untagged)]
pub enum Frame {
    Shown { area: u8, frame_sha256: String, at: String },
    Cleared { area: u8, cleared: bool },
}

/// What the core decided and has not been polled yet, and when it plans next.
#[derive(Debug, Default)]
pub(super) struct Outgoing {
    receipts: VecDeque<Receipt>,
    live: VecDeque<Live>,
    /// The board changed since it was last polled.
    desired_changed: bool,
    status_changed: bool,
    /// When the scheduler runs next (`None`: at once).
    next_step: Option<Timestamp>,
}

impl Core {
    /// Something happened (not a broker message, not time passing).
    pub fn handle(&mut self, input: Input, now: Timestamp) {
        match input {
            Input::Driver(ev) => {
                let frame = match &ev {
                    DriverEvent::Shown {
                        area, frame_sha256, at, ..
                    } => Some(Frame::Shown {
                        area: *area,
                        frame_sha256: frame_sha256.clone(),
                        at: at.to_string(),
                    }),
                    DriverEvent::Cleared { area } => Some(Frame::Cleared {
                        area: *area,
                        cleared: true,
                    }),
                    _ => None,
                };
                for r in self.driver_event(ev, now) {
                    self.emit(r);
                }
                if let Some(f) = frame {
                    self.out.live.push_back(Live::Frame(f));
                }
                self.changed();
            }
            Input::Published(r) => self.published(&r),
            Input::Mqtt(link) => {
                self.set_mqtt(link);
                self.changed();
            }
            Input::Change(change) => match self.apply(change, now) {
                super::Touched::Board => {
                    self.out.next_step = None;
                    self.changed();
                }
                super::Touched::Status => self.changed(),
                super::Touched::Nothing => {}
            },
        }
    }

    /// A message from the broker. `Ok(receipts)`: stored (or nothing to store), acknowledge it and
    /// publish these receipts with the acknowledgement (they reach the live stream too, not
    /// [`Core::poll_receipt`]). `Err`: the disk did not take it; do not acknowledge it.
    pub fn handle_message(&mut self, payload: &[u8], topic: &str, now: Timestamp) -> std::io::Result<Vec<Receipt>> {
        let r = self.ingest(payload, topic, now);
        if let Ok(answers) = &r {
            self.out.live.extend(answers.iter().map(|r| Live::Receipt {
                receipt: Box::new(r.clone()),
            }));
            if !answers.is_empty() {
                self.out.next_step = None;
            }
        }
        self.changed();
        r
    }

    /// Time has passed: plan the board when it is due (at least every [`PLAYLIST_WATCH`]), and do
    /// the storage's housekeeping.
    pub fn handle_timeout(&mut self, now: Timestamp) {
        if self.out.next_step.is_none_or(|t| now >= t) {
            let before = self.out.desired_changed;
            let step = self.step(now);
            for r in step.receipts {
                self.emit(r);
            }
            self.out.desired_changed = before || step.changed;
            self.out.status_changed = true;
            self.out.next_step = Some(step.next.min(now + PLAYLIST_WATCH));
        }
        self.tick(now);
    }

    /// When [`Core::handle_timeout`] has work next.
    pub fn poll_timeout(&self, now: Timestamp) -> Timestamp {
        self.out.next_step.unwrap_or(now).min(self.next_tick(now))
    }

    /// The next receipt to publish (expiries, `displayed`, …), oldest first.
    pub fn poll_receipt(&mut self) -> Option<Receipt> {
        self.out.receipts.pop_front()
    }

    /// The board to show, once after each change.
    pub fn poll_desired(&mut self) -> Option<Desired> {
        std::mem::take(&mut self.out.desired_changed).then(|| self.planner.desired.clone())
    }

    /// The next live event for the console.
    pub fn poll_live(&mut self) -> Option<Live> {
        self.out.live.pop_front()
    }

    /// Whether the status changed since this was last asked (publish it again).
    pub fn poll_status_changed(&mut self) -> bool {
        std::mem::take(&mut self.out.status_changed)
    }

    /// A receipt to publish; the console sees it at once.
    fn emit(&mut self, r: Receipt) {
        self.out.live.push_back(Live::Receipt {
            receipt: Box::new(r.clone()),
        });
        self.out.receipts.push_back(r);
    }

    /// The status changed: the console is told at once, the broker when the publisher runs.
    fn changed(&mut self) {
        self.out.status_changed = true;
        self.out.live.push_back(Live::Status);
    }
}
