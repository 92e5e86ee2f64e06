//! The daemon (`pinghu run`): MQTT ingestion → verification → durable store → scheduler →
//! renderer → driver → card, with receipts, retained status and the proof-of-display log.
//!
//! The state lives in one place, the [`Core`], owned by its own OS thread (`pinghu-core`). That
//! thread does all the blocking and CPU-heavy work: file reads and fsyncs, playlist parsing,
//! rendering. The async tasks only move messages, so nothing blocks the runtime and no lock is
//! held across I/O (there are no locks to hold):
//! * **mqtt**: the rumqttc event loop (persistent session, QoS 1, manual acks). Each message goes
//!   to the core, which verifies it, applies it to a copy of the state and **writes it to disk**;
//!   only then is it acknowledged. When the write fails (a full disk), the same message is offered
//!   again with backoff until it is stored. Reconnects with exponential backoff and jitter.
//! * **core** (a thread): wakes when the plan says (a page ends, a window opens, a notice
//!   expires), when a message arrives, every 2 s to look at the playlist file, and for its
//!   housekeeping (proof-log group commit, lazy writes); hands the desired board to the driver
//!   through a `watch` channel.
//! * **driver** ([`crate::driver`]): the card link; what it reports (`displayed`, the link,
//!   the card's clock) goes straight to the core thread's queue.
//! * **publisher**: receipts and the retained status (on change and every 30 s).
//!
//! **Supervision**: if any task or the core thread panics or ends while the daemon is not
//! shutting down, [`run`] flushes what it can and returns an error, so the process exits non-zero
//! and systemd (`Restart=always` in the shipped unit) starts it again.

pub mod alert_ingest;
pub mod alerts;
pub mod audit;
pub mod backoff;
pub mod board;
pub mod card;
pub mod check;
pub mod config;
pub mod core;
mod core_thread;
pub mod disk;
pub mod driver;
pub mod envelope;
pub mod fallback;
pub mod findings;
pub mod ingest;
pub mod limits;
pub mod mqtt;
pub mod office;
mod office_words;
pub mod proof;
mod publisher;
pub mod reason;
pub mod report;
pub mod retention;
pub mod status;
pub mod store;

use std::time::Duration;

use jiff::Timestamp;
use thiserror::Error;
use tokio::sync::{Notify, broadcast, mpsc, oneshot, watch};
use tokio::task::JoinSet;

use crate::board::Desired;
use crate::config::Config;
use crate::core::{Core, CoreError};
use crate::disk::Disk;
use crate::driver::DriverConfig;

pub use core_thread::{Command, CoreGone, CoreHandle};
use core_thread::{ExitSignal, Outputs, core_thread};

/// The daemon could not start, or stopped on a failure.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum DaemonError {
    #[error(transparent)]
    Core(#[from] CoreError),
    #[error("mqtt: {0}")]
    Tls(mqtt::TlsError),
    #[error("{0} (the process exits so that systemd restarts it)")]
    Stopped(Failure),
}

// By hand, not `#[from]`: the cause is in the message already, and a `source` would print it a
// second time in a chain (`{:#}`, as the command line reports errors).
impl From<mqtt::TlsError> for DaemonError {
    fn from(e: mqtt::TlsError) -> Self {
        DaemonError::Tls(e)
    }
}

impl From<Failure> for DaemonError {
    fn from(e: Failure) -> Self {
        DaemonError::Stopped(e)
    }
}

/// Why one of the daemon's tasks (or its front end) stopped with an error.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum TaskError {
    #[error(transparent)]
    CoreGone(#[from] CoreGone),
    #[error("the receipt channel closed")]
    ReceiptsClosed,
    /// A front end's own failure (the console's), in its words.
    #[error(transparent)]
    FrontEnd(Box<dyn std::error::Error + Send + Sync>),
}

/// What ended the daemon before it was asked to stop: a task or the core thread that failed,
/// panicked or ended; or the start that could not be made.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum Failure {
    #[error("the {0} task ended unexpectedly")]
    Ended(&'static str),
    #[error("the {task} task failed: {error}")]
    Failed { task: &'static str, error: TaskError },
    #[error("a task panicked: {0}")]
    Panicked(String),
    #[error("a task was cancelled: {0}")]
    Cancelled(tokio::task::JoinError),
    #[error("the core thread panicked")]
    CorePanicked,
    #[error("the core thread ended unexpectedly")]
    CoreEnded,
    #[error("opening the store: {0}")]
    Opening(tokio::task::JoinError),
    #[error("cannot start the core thread: {0}")]
    CoreThread(std::io::Error),
}

impl Failure {
    /// A panic is a failure even during a shutdown.
    fn is_panic(&self) -> bool {
        matches!(self, Failure::Panicked(_) | Failure::CorePanicked)
    }
}

/// A task's name and how it ended.
pub type TaskResult = (&'static str, Result<(), TaskError>);

/// Test hook (debug builds only): `PINGHU_DEBUG_PANIC=TASK@SECONDS` makes `TASK` panic that many
/// seconds after start, to prove that supervision ends the process.
#[cfg(debug_assertions)]
pub fn debug_fault(task: &str) -> Option<Timestamp> {
    let v = std::env::var("PINGHU_DEBUG_PANIC").ok()?;
    let (t, secs) = v.split_once('@')?;
    (t == task).then(|| Timestamp::now() + jiff::SignedDuration::from_secs(secs.parse().unwrap_or(0)))
}

/// A panic injected into a task for the supervision test (`PINGHU_DEBUG_PANIC=TASK@SECONDS`, debug
/// builds only); pending forever otherwise.
async fn injected_panic(task: &'static str) {
    #[cfg(not(debug_assertions))]
    let _ = task;
    #[cfg(debug_assertions)]
    if let Some(at) = debug_fault(task) {
        tokio::time::sleep(at.duration_since(Timestamp::now()).unsigned_abs()).await;
        panic!("PINGHU_DEBUG_PANIC={task}: a panic injected for the supervision test");
    }
    std::future::pending::<()>().await;
}

/// Wait until `shutdown` turns true (`Ok`) or until any task ends or panics first (`Err`,
/// naming it). Tasks are `(name, result)`; a task that returns while the daemon is not shutting
/// down is a failure even when it returns `Ok`, since every task is meant to run until shutdown.
pub async fn supervise(
    tasks: &mut JoinSet<TaskResult>,
    core_exit: &mut oneshot::Receiver<bool>,
    shutdown: &mut watch::Receiver<bool>,
) -> Result<(), Failure> {
    let failure = tokio::select! {
        _ = shutdown.wait_for(|s| *s) => return Ok(()),
        Some(res) = tasks.join_next() => match res {
            Ok((name, Ok(()))) => Failure::Ended(name),
            Ok((task, Err(error))) => Failure::Failed { task, error },
            Err(e) if e.is_panic() => {
                let msg = e.into_panic();
                let text = msg.downcast_ref::<String>().cloned()
                    .or_else(|| msg.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                    .unwrap_or_default();
                Failure::Panicked(text)
            }
            Err(e) => Failure::Cancelled(e),
        },
        r = &mut *core_exit => match r {
            Ok(true) => Failure::CorePanicked,
            _ => Failure::CoreEnded,
        },
    };
    // A task that ended because the core thread did: name the cause.
    let failure = match core_exit.try_recv() {
        Ok(true) => Failure::CorePanicked,
        Ok(false) => Failure::CoreEnded,
        Err(_) => failure,
    };
    // A task that stopped because shutdown was requested is no failure.
    if *shutdown.borrow() && !failure.is_panic() {
        return Ok(());
    }
    Err(failure)
}

/// What the daemon hands a front end that runs beside it (the operators' console, which
/// `cli::run` wires in: the daemon itself knows no front end).
#[derive(Debug)]
pub struct Wiring {
    pub cfg: Config,
    /// Questions and commands to the core.
    pub core: CoreHandle,
    /// The live events (status, receipts, the card's acknowledgements).
    pub live: broadcast::Sender<String>,
    /// The technician's card operations, and the card's recent exchanges.
    pub card: mpsc::Sender<crate::driver::CardRequest>,
    pub trace: crate::card::link::TraceRing,
    pub shutdown: watch::Receiver<bool>,
}

/// A front end: its task's name, and how it starts from the daemon's [`Wiring`]. It runs under
/// the daemon's supervision, like the daemon's own tasks.
pub type FrontEnd = (
    &'static str,
    Box<
        dyn FnOnce(Wiring) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), TaskError>> + Send>> + Send,
    >,
);

/// Run the daemon until `shutdown` turns true, with `front` (the console) beside it. The store
/// and the last plan are restored from disk before the network is touched, so the board shows
/// the right thing as soon as the card answers.
pub async fn run(cfg: Config, shutdown: watch::Receiver<bool>, front: Option<FrontEnd>) -> Result<(), DaemonError> {
    run_on(cfg, Disk::new(), shutdown, front).await
}

/// [`run`] with every write going through `disk` (tests make it fail on purpose: a full disk).
pub async fn run_on(
    cfg: Config,
    disk: Disk,
    shutdown: watch::Receiver<bool>,
    front: Option<FrontEnd>,
) -> Result<(), DaemonError> {
    let will = serde_json::to_vec(&status::LastWill {
        online: false,
        screen: &cfg.screen,
        groups: &cfg.groups,
        version: env!("CARGO_PKG_VERSION"),
    })
    .unwrap_or_default();
    // Files are read off the runtime: the store, the proof log, the playlist, fonts, certificates.
    let (core, (client, connection)) = {
        let cfg = cfg.clone();
        tokio::task::spawn_blocking(move || -> Result<_, DaemonError> {
            let link = mqtt::connect(&cfg, will)?;
            Ok((Core::open(cfg, disk, Timestamp::now())?, link))
        })
        .await
        .map_err(Failure::Opening)??
    };
    let (receipts_tx, receipts_rx) = mpsc::unbounded_channel();
    // Receipts a crash kept from the broker go out again.
    for r in core.outbox() {
        let _ = receipts_tx.send(r);
    }
    let (desired_tx, desired_rx) = watch::channel(Desired::default());
    let status_dirty = std::sync::Arc::new(Notify::new());
    let (cmd_tx, cmd_rx) = std::sync::mpsc::channel();
    let handle = CoreHandle {
        tx: cmd_tx,
        fixed: core_thread::Fixed::of(&core),
    };
    let (exit_tx, mut core_exit) = oneshot::channel();
    let (live, _) = broadcast::channel(64);
    let outputs = Outputs {
        _exit: ExitSignal(Some(exit_tx)),
        desired: desired_tx,
        receipts: receipts_tx.clone(),
        status_dirty: std::sync::Arc::clone(&status_dirty),
        live: live.clone(),
    };
    let core_thread = std::thread::Builder::new()
        .name("pinghu-core".into())
        .spawn(move || core_thread(core, cmd_rx, outputs))
        .map_err(Failure::CoreThread)?;

    let (card_tx, card_rx) = mpsc::channel(8);
    let trace = crate::card::link::TraceRing::default();
    let dcfg = DriverConfig {
        url: cfg.device.clone(),
        protocol: cfg.protocol,
        address: cfg.address,
        timeout: cfg.timeout,
        retries: cfg.retries,
        colors: cfg.colors,
        width: cfg.width,
        height: cfg.height,
        fallback_after_s: cfg.fallback_after_s,
        flash: crate::fallback::FlashRecord::load(&cfg.data_dir),
        max_flash_writes_per_day: cfg.fallback.as_ref().map_or(0, |f| f.max_writes_per_day),
        trace: Some(trace.clone()),
    };
    let mut tasks = JoinSet::new();
    {
        let shutdown = shutdown.clone();
        let h = handle.clone();
        let events = crate::driver::Events::new(move |ev| {
            let _ = h.send(Command::Driver(ev));
        });
        tasks.spawn(async move {
            tokio::select! {
                () = crate::driver::run(dcfg, desired_rx, events, card_rx, shutdown) => {}
                () = injected_panic("driver") => {}
            }
            ("driver", Ok(()))
        });
    }
    {
        let (h, c, cl, sd) = (handle.clone(), cfg.clone(), client.clone(), shutdown.clone());
        tasks.spawn(async move {
            let r = mqtt::mqtt_loop(h, c, cl, connection, receipts_tx, sd).await;
            ("mqtt", r.map_err(TaskError::from))
        });
    }
    {
        let (h, c, sd) = (handle.clone(), cfg.clone(), shutdown.clone());
        tasks.spawn(async move {
            (
                "publisher",
                publisher::publisher(h, c, client, receipts_rx, status_dirty, sd).await,
            )
        });
    }

    if let Some((name, start)) = front {
        let wiring = Wiring {
            cfg: cfg.clone(),
            core: handle.clone(),
            live: live.clone(),
            card: card_tx,
            trace,
            shutdown: shutdown.clone(),
        };
        tasks.spawn(async move { (name, start(wiring).await) });
    }

    let mut sd = shutdown.clone();
    let verdict = supervise(&mut tasks, &mut core_exit, &mut sd).await;
    if let Err(why) = &verdict {
        tracing::error!("{why}: stopping so that the service manager restarts the daemon");
    }
    // Let the tasks finish (they watch `shutdown`; after a failure they are aborted), then write
    // everything down.
    if verdict.is_ok() {
        let _ = tokio::time::timeout(Duration::from_secs(3), async {
            while tasks.join_next().await.is_some() {}
        })
        .await;
    }
    tasks.abort_all();
    let (tx, rx) = oneshot::channel();
    if handle.send(Command::Shutdown(tx)).is_ok() {
        let _ = tokio::time::timeout(Duration::from_secs(5), rx).await;
    }
    drop(handle);
    if verdict.is_ok() {
        let _ = tokio::task::spawn_blocking(move || core_thread.join()).await;
        tracing::info!("stopped");
    }
    Ok(verdict?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn supervision_reports_a_panicking_or_finished_task_and_a_dead_core() {
        let (_sd_tx, mut sd) = watch::channel(false);
        let (_keep, mut core_exit) = oneshot::channel::<bool>();
        let mut tasks: JoinSet<TaskResult> = JoinSet::new();
        tasks.spawn(async { std::future::pending().await });
        tasks.spawn(async {
            tokio::task::yield_now().await;
            panic!("boom in a task")
        });
        let e = supervise(&mut tasks, &mut core_exit, &mut sd).await.unwrap_err();
        assert!(e.to_string().contains("panicked: boom in a task"), "{e}");

        tasks.spawn(async { ("publisher", Ok(())) });
        let e = supervise(&mut tasks, &mut core_exit, &mut sd).await.unwrap_err();
        assert_eq!(e.to_string(), "the publisher task ended unexpectedly");

        // A thread that panics while holding a lock: the lock is poisoned, and the supervisor
        // still learns of it, through the exit signal the thread drops while unwinding.
        let (exit_tx, mut core_exit) = oneshot::channel();
        let lock = std::sync::Arc::new(std::sync::Mutex::new(0));
        let l2 = std::sync::Arc::clone(&lock);
        let t = std::thread::spawn(move || {
            let _signal = ExitSignal(Some(exit_tx));
            let _g = l2.lock().unwrap();
            panic!("core panic");
        });
        let e = supervise(&mut tasks, &mut core_exit, &mut sd).await.unwrap_err();
        assert_eq!(e.to_string(), "the core thread panicked");
        assert!(t.join().is_err());
        assert!(lock.is_poisoned());

        // A requested shutdown is not a failure.
        let (sd_tx, mut sd) = watch::channel(false);
        let (_keep, mut core_exit) = oneshot::channel::<bool>();
        sd_tx.send(true).unwrap();
        assert!(supervise(&mut tasks, &mut core_exit, &mut sd).await.is_ok());
    }
}
