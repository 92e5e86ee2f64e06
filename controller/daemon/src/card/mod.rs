//! Talking to the board's controller card: device URLs and models, the byte link (TCP or serial,
//! timeouts, retries with backoff, byte traces) and card operations in either protocol, and graphic cards' own controls under the control header. Used by
//! `pinghu diag` and by the daemon's driver alike.

pub mod client;
pub mod control;
pub mod device;
mod discover;
pub mod link;
pub mod pattern;
pub mod wire;
pub mod words;
