//! # pinghu-tests
//!
//! End-to-end tests across process boundaries (broker, daemon, simulator). Empty until those
//! parts exist; the protocol and CLI tests live beside their crates.
