//! Errors of the codec, one enum per layer: the byte framing ([`FrameError`]), the packet
//! structure ([`PacketError`]), encoding typed values ([`EncodeError`]) and bitmaps
//! ([`BitmapError`]). "The card said no" is not an error here: a NACK decodes as a reply.

use thiserror::Error;

/// The bytes on the wire do not form a valid frame.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum FrameError {
    #[error("bad escape at offset {offset}: {first:#04x} followed by {} (only 01 or 02 may follow)",
        .second.map_or_else(|| "the frame end".to_string(), |b| format!("{b:#04x}")))]
    BadEscape { offset: u64, first: u8, second: Option<u8> },
    #[error("checksum mismatch in frame at offset {offset}: expected {expected:#06x}, got {got:#06x}")]
    Checksum { offset: u64, expected: u16, got: u16 },
    #[error(
        "control header check failed in frame at offset {offset}: the XOR of the header bytes is {expected:#04x}, the frame says {got:#04x}"
    )]
    ControlHeader { offset: u64, expected: u8, got: u8 },
    #[error(
        "control body CRC mismatch in frame at offset {offset}: expected {expected:#06x} (CRC-16 of the body), the header says {got:#06x}"
    )]
    ControlBody { offset: u64, expected: u16, got: u16 },
    #[error("frame at offset {offset} lost its 5a tail: a new a5 head follows after {len} bytes")]
    Truncated { offset: u64, len: usize },
    #[error("frame at offset {offset} is too short ({len} bytes after unescaping; a CRC alone needs 2)")]
    TooShort { offset: u64, len: usize },
    #[error("frame at offset {offset} has no 5a tail within {limit} bytes")]
    TooLong { offset: u64, limit: usize },
    #[error("{len} bytes at offset {offset} contain no a5 frame head (wrong baud rate or not an Onbon card?)")]
    Garbage { offset: u64, len: usize },
    /// Bytes before a frame that turned out bad: reported on their own, before the frame's error.
    #[error("{} stray bytes at offset {offset} before the next frame: {}", .bytes.len(), crate::bytes::to_hex_spaced(.bytes))]
    Stray { offset: u64, bytes: Vec<u8> },
}

/// A frame with a valid CRC whose packet does not have a known structure.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum PacketError {
    #[error(
        "not an Onbon packet: neither the graphic header (version f0 at byte 4), the control header \
         (05 or 07 at byte 4) nor the font-card header (version 02 at byte 11) matches its length \
         ({len} bytes, starting {start})"
    )]
    UnknownProtocol { len: usize, start: String },
    #[error("{what} is cut short: needs {needed} bytes at offset {offset}, {available} left")]
    Short {
        what: &'static str,
        offset: usize,
        needed: usize,
        available: usize,
    },
    #[error("{what}: {detail}")]
    Invalid { what: &'static str, detail: String },
}

/// A typed value that cannot be put on the wire.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum EncodeError {
    #[error("{field} is {value}, more than the {bits}-bit field holds (max {max})")]
    TooLarge {
        field: &'static str,
        value: u64,
        bits: u32,
        max: u64,
    },
    #[error(
        "text cannot be encoded as GBK: {ch:?} (U+{code:04X}) has no GBK code; replace it or send the area as a bitmap"
    )]
    NotGbk { ch: char, code: u32 },
    #[error("bad hex in {field}: {detail}")]
    Hex { field: String, detail: String },
    #[error("{what}: {detail}")]
    Invalid { what: &'static str, detail: String },
}

/// Page bitmap bytes that do not match the declared size or format.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum BitmapError {
    #[error("{format} bitmap of {width}x{height} at x={x} needs {expected} bytes, got {got}")]
    Length {
        format: &'static str,
        width: u32,
        height: u32,
        x: u32,
        expected: usize,
        got: usize,
    },
    #[error("bitmap has {got} pixels, {width}x{height} needs {expected}")]
    Pixels {
        width: u32,
        height: u32,
        expected: usize,
        got: usize,
    },
}
