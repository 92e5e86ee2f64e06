//! # pinghu-playlists
//!
//! Playlists and the scheduler.
