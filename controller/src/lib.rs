//! # pinghu (controller)
//!
//! The command line of Pinghu, the controller between the Yiling District portal and its LED
//! announcement board: the `pinghu` binary and its subcommands. The layers below it are crates of
//! their own, re-exported here under their old names — the card and the daemon
//! (`pinghu-daemon`, as [`card`] and [`daemon`]) and the web console (`pinghu-console`, as
//! [`console`]) — so an import that runs upward does not compile. The layers follow the data:
//!
//! * [`card`]: talking to the board's controller card, shared by the diagnostics and the daemon:
//!   [`card::device`] (URLs, models), [`card::link`] (the byte link: timeouts, retries, traces),
//!   [`card::client`] (card operations in either protocol).
//! * [`daemon`]: `pinghu run`. [`daemon::core`] owns all state on one thread (every method
//!   given `now`); [`daemon::envelope`] and [`daemon::ingest`] judge the portal's messages;
//!   [`daemon::store`], [`daemon::proof`] and [`daemon::disk`] keep what must survive a crash
//!   (see `docs/durability.md`); [`daemon::board`] and [`daemon::driver`] put it on the card;
//!   [`daemon::config`] is the validated configuration; the module itself wires the async tasks
//!   and supervises them.
//! * [`cli`]: the other subcommands (`wire`, `render`, `playlist`, `diag`, `portal`, `log`,
//!   `demo`) and the typed values of the command line ([`cli::args`]). `main.rs` only parses
//!   arguments and dispatches.
//! * [`backoff`]: the one retry policy (exponential, with jitter); [`limits`]: the message
//!   contract's sizes, for every layer that judges a message.
//!
//! Layers run one way: [`card`] ← [`daemon`] ← [`console`] ← [`cli`] ([`alerts`] and
//! [`limits`] beneath the daemon), held by the crate boundaries.
//!
//! ```
//! // A playlist check, as `pinghu playlist check` runs it.
//! let cal = pinghu_playlists::Calendar::builtin();
//! let now: jiff::Timestamp = "2026-12-01T02:00:00Z".parse().unwrap();
//! let report = pinghu::cli::playlist::check(
//!     std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../playlists/examples/minimal.toml")),
//!     &cal,
//!     now,
//! );
//! assert!(report.ok, "{}", report.text);
//! ```

pub mod cli;

pub use pinghu_console as console;
pub use pinghu_daemon as daemon;
pub use pinghu_daemon::{alerts, backoff, card, limits};
