//! # pinghu-simulator
//!
//! A BX controller card in software (`pinghu-sim`). Not implemented yet: this crate is a workspace
//! member so the layout is fixed; the simulator issue fills it.
