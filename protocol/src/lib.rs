//! # pinghu-protocol
//!
//! A sans-IO codec for the wire protocols of Onbon BX LED controller cards, the controllers of
//! most Chinese single- and dual-colour text boards. No sockets, no clock, no async: pure
//! functions over bytes, usable from the daemon (host side) and the simulator (card side).
//!
//! * [`phy`]: the shared PHY0 framing (`A5 × 8 | escaped packet + CRC | 5A`), escaping, and a
//!   streaming [`Decoder`] that takes arbitrary chunks, resynchronises on garbage and reports
//!   what it skipped.
//! * [`crc16()`], CRC-16/ARC of both protocols.
//! * [`graphic`]: the graphic dynamic-area protocol, version `0xF0` (BX-5E/6E/5Q/6Q): ping,
//!   brightness, `A7 00` area updates in the 5th- and 6th-generation layouts, `A7 01` delete.
//! * [`fontcard`]: the font-card protocol, version `0x02` (BX-5K/6K): ping, status, time sync,
//!   power, clear, `A3 06` text areas (GBK text with `\C`/`\F` escapes), file writes.
//! * [`control`]: the control header (version `0x05`/`0x07`) of the same graphic cards: ping with
//!   the card's size, clock, power, brightness, status, and the file system for programs in flash.
//! * [`program`]: program files (`P`) that a card keeps in flash and shows when no host drives it.
//! * [`bitmap`]: page bitmap packing for each card family, both directions.
//! * [`escapes`]: the inline escapes of font-card text (colour, font, new line), both directions.
//! * [`Packet`]: any of the three headers, recognised from the header; [`decode_all`] for captures.
//!
//! Odd but legal values seen on real cards (non-zero reserved bytes, ProcessMode `2D`, a
//! barcode in the font-card header) are decoded and kept, so a decoded frame encodes back to
//! the same bytes. Commands the codec does not know, or whose fields do not parse, decode as
//! `Unknown` with their bytes and the reason.
//!
//! ```
//! use pinghu_protocol::{Packet, graphic::{GraphicCommand, GraphicHeader, GraphicPacket, WILDCARD}};
//!
//! // The vendor's own example: a wildcard ping in the graphic protocol.
//! let ping = Packet::Graphic(GraphicPacket::request(
//!     GraphicHeader::to_card(WILDCARD, WILDCARD),
//!     true,
//!     GraphicCommand::Ping,
//! ));
//! let wire = ping.to_wire().unwrap();
//! assert_eq!(pinghu_protocol::to_hex(&wire),
//!     "a5a5a5a5a5a5a5a5feff0080f000feff00000000050000000" .to_owned() + "1a2000000c6865a");
//!
//! // Decode it back, fed in two arbitrary chunks.
//! let mut decoder = pinghu_protocol::Decoder::new();
//! decoder.feed(&wire[..10]);
//! assert!(decoder.decode().unwrap().is_none()); // need more bytes
//! decoder.feed(&wire[10..]);
//! let raw = decoder.decode().unwrap().unwrap();
//! assert_eq!(Packet::parse(&raw.bytes).unwrap(), ping);
//! ```

pub mod bitmap;
mod bytes;
mod codes;
pub mod control;
mod crc;
pub mod error;
pub mod escapes;
pub mod fontcard;
pub mod graphic;
mod model;
mod packet;
pub mod phy;
pub mod program;
pub mod style;
pub mod words;

pub use bytes::{from_hex, to_hex, to_hex_spaced};
pub use codes::{
    CardTime, ErrorCode, font_device_name, font_display_mode_name, graphic_device_name, graphic_display_mode_name,
    run_mode_name,
};
pub use crc::{crc16, crc16_update, crc32, file_crc32};
pub use error::{BitmapError, EncodeError, FrameError, PacketError};
pub use model::{CardModel, MAX_BOARD_HEIGHT, MAX_BOARD_WIDTH, board_size_problem};
pub use packet::{DecodeError, Found, Packet, ProtocolFamily, classify, decode_all};
pub use phy::{Decoder, RawPacket};
