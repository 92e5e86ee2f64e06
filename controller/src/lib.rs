//! # pinghu (controller)
//!
//! The daemon and command line of Pinghu, the controller between the Yiling District portal
//! and its LED announcement board. This crate holds the command implementations; `main.rs`
//! only parses arguments and dispatches.
//!
//! * [`wire`]: `pinghu wire decode|encode`, captured bytes to named fields and back, built on
//!   the `pinghu-protocol` codec.
//! * [`render`]: `pinghu render`, text to board pages with the `pinghu-fonts` typesetter.
//! * [`device`], [`link`], [`client`]: device URLs, the byte link with timeouts, retries and
//!   traces, and card operations in either protocol (shared by the diagnostics and the daemon).
//! * [`diag`]: `pinghu diag`, field diagnostics.
//! * [`playlist`]: `pinghu playlist check|timeline` on the `pinghu-playlists` scheduler.
//! * The daemon, `pinghu run`: [`daemon`] (async tasks, supervision) around [`core`] (all state,
//!   on one thread, every method given `now`), with [`ingest`], [`store`], [`proof`] and [`disk`]
//!   for what must survive a crash (see `docs/durability.md`), [`board`] and [`driver`] for the
//!   card.

pub mod args;
pub mod backoff;
pub mod board;
pub mod client;
pub mod config;
pub mod core;
pub mod daemon;
#[cfg(feature = "embedded")]
pub mod demo;
pub mod device;
pub mod diag;
pub mod disk;
pub mod driver;
#[cfg(feature = "embedded")]
pub mod embedded;
pub mod envelope;
pub mod ingest;
pub mod link;
pub mod playlist;
pub mod portal;
pub mod proof;
pub mod render;
pub mod store;
pub mod wire;
