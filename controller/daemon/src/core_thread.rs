//! The thread that owns the [`Core`] (`pinghu-core`), and the [`CoreHandle`] through which the
//! async tasks and the console talk to it: commands in, receipts, the desired board, status
//! changes and live events out. Blocking work (fsyncs, file reads, rendering) happens here, never
//! on the runtime.

use jiff::Timestamp;
use thiserror::Error;
use tokio::sync::{Notify, broadcast, mpsc, oneshot, watch};

use crate::board::Desired;
use crate::core::{Core, Input};
use crate::driver::DriverEvent;
use crate::ingest::Receipt;

/// Messages to the core thread.
#[derive(Debug)]
pub enum Command {
    /// A message from the broker; the reply says whether it is stored (then acknowledge it).
    Ingest {
        /// Shared, so a message the disk cannot take yet is offered again without a copy.
        payload: std::sync::Arc<[u8]>,
        topic: String,
        reply: oneshot::Sender<std::io::Result<Vec<Receipt>>>,
    },
    Driver(DriverEvent),
    /// A receipt was handed to the MQTT session.
    Published(Receipt),
    /// The broker link changed (connected, lost, session state).
    Mqtt(crate::mqtt::BrokerLink),
    Status(oneshot::Sender<crate::status::Status>),
    /// Take the signed play report waiting to be published (a read: nothing is re-planned).
    TakeReport(oneshot::Sender<Option<String>>),
    /// A change the console asks for, typed: it says what it changes.
    Change(crate::core::Change),
    /// A question the console asks: nothing is re-planned, no status goes out.
    Ask(crate::core::Question),
    /// Write everything and stop.
    Shutdown(oneshot::Sender<()>),
}

/// The core thread's handle.
#[derive(Debug, Clone)]
pub struct CoreHandle {
    pub(super) tx: std::sync::mpsc::Sender<Command>,
    /// What the core was opened with and never changes: no question needed.
    pub(super) fixed: std::sync::Arc<Fixed>,
}

/// The facts of a running core that do not change while it runs.
#[derive(Debug)]
pub(super) struct Fixed {
    pub(super) time_zone: jiff::tz::TimeZone,
    pub(super) data_dir: std::path::PathBuf,
}

impl Fixed {
    pub(super) fn of(core: &Core) -> std::sync::Arc<Self> {
        std::sync::Arc::new(Fixed {
            time_zone: core.time_zone().clone(),
            data_dir: core.config().data_dir.clone(),
        })
    }
}

/// The core thread has stopped.
#[derive(Debug, Error)]
#[error("the core thread has stopped")]
pub struct CoreGone;

impl CoreHandle {
    pub fn send(&self, c: Command) -> Result<(), CoreGone> {
        self.tx.send(c).map_err(|_| CoreGone)
    }

    pub async fn status(&self) -> Result<crate::status::Status, CoreGone> {
        let (tx, rx) = oneshot::channel();
        self.send(Command::Status(tx))?;
        rx.await.map_err(|_| CoreGone)
    }

    /// The signed play report waiting to be published, if any.
    pub async fn take_report(&self) -> Result<Option<String>, CoreGone> {
        let (tx, rx) = oneshot::channel();
        self.send(Command::TakeReport(tx))?;
        rx.await.map_err(|_| CoreGone)
    }

    /// The board's time zone (the console shows times in it).
    pub fn time_zone(&self) -> &jiff::tz::TimeZone {
        &self.fixed.time_zone
    }

    /// The daemon's data folder (the proof log is read from it off the core thread).
    pub fn data_dir(&self) -> &std::path::Path {
        &self.fixed.data_dir
    }

    /// Ask the core a question and wait for its answer: `question` builds the question around
    /// the channel its answer comes back on. Nothing is re-planned and no status goes out.
    pub async fn ask<T: Send + 'static>(
        &self,
        question: impl FnOnce(oneshot::Sender<T>) -> crate::core::Question,
    ) -> Result<T, CoreGone> {
        let (tx, rx) = oneshot::channel();
        self.send(Command::Ask(question(tx)))?;
        rx.await.map_err(|_| CoreGone)
    }

    /// Ask the core for a change and wait for its answer: `change` builds the change around the
    /// channel its answer comes back on. What the change touched is planned again or announced.
    pub async fn change<T: Send + 'static>(
        &self,
        change: impl FnOnce(oneshot::Sender<T>) -> crate::core::Change,
    ) -> Result<T, CoreGone> {
        let (tx, rx) = oneshot::channel();
        self.send(Command::Change(change(tx)))?;
        rx.await.map_err(|_| CoreGone)
    }

    /// A change whose answer nobody waits for (the status's words, a report back in line).
    pub fn tell(&self, change: crate::core::Change) -> Result<(), CoreGone> {
        self.send(Command::Change(change))
    }

    pub async fn ingest(
        &self,
        payload: std::sync::Arc<[u8]>,
        topic: String,
    ) -> Result<std::io::Result<Vec<Receipt>>, CoreGone> {
        let (reply, rx) = oneshot::channel();
        self.send(Command::Ingest { payload, topic, reply })?;
        rx.await.map_err(|_| CoreGone)
    }
}

/// Sends on drop, so the supervisor learns that the core thread ended, and whether it panicked.
pub(super) struct ExitSignal(pub(super) Option<oneshot::Sender<bool>>);

impl Drop for ExitSignal {
    fn drop(&mut self) {
        if let Some(tx) = self.0.take() {
            let _ = tx.send(std::thread::panicking());
        }
    }
}

/// Where the core thread sends what it produces. Fields drop in order: the exit signal goes first,
/// so the supervisor learns of a core panic before the driver sees its channel close.
pub(super) struct Outputs {
    pub(super) _exit: ExitSignal,
    pub(super) desired: watch::Sender<Desired>,
    pub(super) receipts: mpsc::UnboundedSender<Receipt>,
    pub(super) status_dirty: std::sync::Arc<Notify>,
    /// Live events for the console (JSON: `frame`, `receipt`, `status`).
    pub(super) live: broadcast::Sender<String>,
}

impl Outputs {
    /// Hand on everything the core decided, in the order it decided it.
    fn flush(&self, core: &mut Core) {
        while let Some(r) = core.poll_receipt() {
            let _ = self.receipts.send(r);
        }
        while let Some(event) = core.poll_live() {
            let _ = self.live.send(serde_json::to_string(&event).unwrap_or_default());
        }
        if let Some(d) = core.poll_desired() {
            self.desired.send_replace(d);
        }
        if core.poll_status_changed() {
            self.status_dirty.notify_one();
        }
    }
}

/// The core thread: a thin driver of the core's sans-IO interface (`daemon::core::coordinator`).
/// Commands in, decisions out; it sleeps until the core's next timeout or the next command.
pub(super) fn core_thread(mut core: Core, rx: std::sync::mpsc::Receiver<Command>, out: Outputs) {
    #[cfg(debug_assertions)]
    let panic_after = super::debug_fault("core");
    loop {
        let now = Timestamp::now();
        #[cfg(debug_assertions)]
        assert!(
            panic_after.is_none_or(|t| now < t),
            "PINGHU_DEBUG_PANIC=core: a panic injected for the supervision test"
        );
        core.handle_timeout(now);
        out.flush(&mut core);
        let wait = core
            .poll_timeout(now)
            .duration_since(Timestamp::now())
            .clamp(jiff::SignedDuration::from_millis(5), jiff::SignedDuration::from_secs(2));
        let cmd = match rx.recv_timeout(wait.unsigned_abs()) {
            Ok(c) => c,
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => continue,
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                core.shutdown(Timestamp::now());
                return;
            }
        };
        let now = Timestamp::now();
        match cmd {
            Command::Ingest { payload, topic, reply } => {
                let answer = core.handle_message(&payload, &topic, now);
                // The console hears the answer no later than the broker does.
                out.flush(&mut core);
                let _ = reply.send(answer);
            }
            Command::Driver(ev) => core.handle(Input::Driver(ev), now),
            Command::Published(r) => core.handle(Input::Published(r), now),
            Command::Mqtt(link) => core.handle(Input::Mqtt(link), now),
            Command::Status(reply) => {
                let _ = reply.send(core.status(now));
            }
            Command::TakeReport(reply) => {
                let _ = reply.send(core.take_report());
            }
            Command::Change(change) => core.handle(Input::Change(change), now),
            Command::Ask(q) => core.answer(q, now),
            Command::Shutdown(reply) => {
                core.shutdown(now);
                let _ = reply.send(());
                return;
            }
        }
        out.flush(&mut core);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::ReceiptEvent;

    #[tokio::test]
    async fn a_question_announces_nothing_a_change_does_and_every_receipt_reaches_the_live_stream() {
        let dir = tempfile::tempdir().unwrap();
        let text = "data_dir = \"data\"\n\n[screen]\nid = \"q\"\nwidth = 64\nheight = 16\ncolors = \"mono\"\n\n\
                    [device]\nurl = \"tcp://127.0.0.1:9\"\nprotocol = \"bx-6e\"\n\n[mqtt]\nurl = \"mqtt://127.0.0.1:9\"\n";
        let cfg = crate::config::Config::parse(text, &dir.path().join("pinghu.toml")).unwrap();
        let core = Core::open(cfg, crate::disk::Disk::new(), Timestamp::now()).unwrap();
        let fixed = Fixed::of(&core);
        let (tx, rx) = std::sync::mpsc::channel();
        let (exit_tx, _exit_rx) = oneshot::channel();
        let (receipts, _receipts_rx) = mpsc::unbounded_channel();
        let (live, mut live_rx) = broadcast::channel(64);
        let out = Outputs {
            _exit: ExitSignal(Some(exit_tx)),
            desired: watch::channel(Desired::default()).0,
            receipts,
            status_dirty: std::sync::Arc::new(Notify::new()),
            live,
        };
        let thread = std::thread::spawn(move || core_thread(core, rx, out));
        let handle = CoreHandle { tx, fixed };
        // A change first: its status event is out once the question after it is answered (the
        // core takes commands in order, and announces a change after running it).
        handle.tell(crate::core::Change::ConsoleError(None)).unwrap();
        handle.ask(crate::core::Question::PlaylistText).await.unwrap();
        let mut statuses = 0;
        while let Ok(e) = live_rx.try_recv() {
            statuses += usize::from(e.contains("\"status\""));
        }
        assert_eq!(statuses, 1, "a change announced {statuses} status changes");
        for _ in 0..20 {
            assert_eq!(handle.time_zone().iana_name(), Some("Asia/Shanghai"));
            let list = handle.ask(crate::core::Question::Announcements).await.unwrap();
            assert!(list.is_empty(), "{list:?}");
            let glass = handle.ask(crate::core::Question::Glass).await.unwrap();
            assert_eq!((glass.width(), glass.height()), (64, 16));
        }
        // Then one more change, and the question that proves it is announced.
        handle.tell(crate::core::Change::ConsoleError(None)).unwrap();
        handle.ask(crate::core::Question::PlaylistText).await.unwrap();
        let mut statuses = 0;
        while let Ok(e) = live_rx.try_recv() {
            statuses += usize::from(e.contains("\"status\""));
        }
        assert_eq!(
            statuses, 1,
            "40 questions and one change announced {statuses} status changes"
        );
        // The answer to a broker message reaches the live stream too (the console shows it).
        let answer = handle
            .ingest(
                std::sync::Arc::from(&b"not an envelope"[..]),
                "pinghu/v1/screens/q/announcements".into(),
            )
            .await
            .unwrap()
            .unwrap();
        assert_eq!(answer[0].event, ReceiptEvent::Rejected);
        let live = live_rx.try_recv().unwrap();
        assert!(live.contains("\"receipt\"") && live.contains("\"rejected\""), "{live}");
        drop(handle);
        thread.join().unwrap();
    }
}
