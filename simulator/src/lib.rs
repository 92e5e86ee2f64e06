//! # pinghu-simulator
//!
//! An Onbon BX controller card in software (`pinghu-sim`), so technicians and tests can drive
//! everything without hardware.
//!
//! * [`card`]: the sans-IO card model. It decodes requests with `pinghu-protocol` from the device
//!   side and answers as a card does (ACK, or NACK with the right error code; a reply only when
//!   asked), keeps dynamic areas with their pages, display modes, speeds, stay times and run
//!   modes, brightness, power, the card clock and the screen-parameter file, and composes what the
//!   glass shows at any instant. Frames for another address are ignored, as on an RS-485 bus.
//! * `control` (inside [`card`]): the control header of graphic cards — ping with the size, power,
//!   clock, the 48-slot brightness table applied by the card's clock, status, and program files.
//! * [`flash`]: the flash file system with erase counts, kept in a folder across restarts; the
//!   program in it shows whenever no dynamic area does (power-on, or the host went quiet).
//! * [`faults`]: seeded fault injection (drop, corrupt, delay, busy, close, stall).
//! * [`server`]: TCP and pseudo-terminal front ends (clients one after another), the byte
//!   recorder, and the headless snapshot writer (`screen.png`, `state.json`, written atomically).
//! * `window` (feature `window`): the desktop window.
//!
//! ```
//! use pinghu_protocol::{Decoder, Packet, fontcard::{FontCommand, FontHeader, FontPacket}};
//! use pinghu_simulator::card::{Card, CardConfig, CardModel};
//!
//! let mut card = Card::new(CardConfig { model: CardModel::Bx5k, width: 64, height: 16,
//!     colors: pinghu_fonts::ColorMode::Mono, address: 1, control_header: true });
//! let ping = Packet::FontCard(FontPacket::request(FontHeader::to_card(1, 0xFE), true, FontCommand::Ping));
//! let mut d = Decoder::new();
//! d.feed(&ping.to_wire().unwrap());
//! let reply = card.handle(Ok(d.decode().unwrap().unwrap()), jiff::Timestamp::now()).unwrap();
//! assert!(reply.is_reply() && !reply.is_nack());
//! ```

pub mod card;
mod control;
pub mod faults;
pub mod flash;
pub mod server;
#[cfg(feature = "window")]
pub mod window;
