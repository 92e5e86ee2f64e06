//! Whole packets of either protocol: recognise which one a frame carries, decode it into typed
//! values, and encode typed values back to PHY0 wire bytes.

use serde::{Deserialize, Serialize};

use crate::control::{self, ControlBody, ControlPacket};
use crate::error::{EncodeError, FrameError, PacketError};
use crate::fontcard::{self, FontPacket};
use crate::graphic::{self, GraphicPacket};
use crate::phy::{Decoder, RawPacket, wrap};

/// A packet of either protocol.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "protocol", rename_all = "kebab-case")]
pub enum Packet {
    /// Graphic dynamic-area protocol, version `0xF0` (bx-5e, bx-6e, bx-5q, bx-6q).
    Graphic(GraphicPacket),
    /// Font-card protocol, version `0x02` (bx-5k, bx-6k).
    FontCard(FontPacket),
    /// Control header, version `0x05`/`0x07` (power, clock, status, files of bx-5e/6e).
    Control(ControlPacket),
}

/// Which protocol a packet's header says, judged by its version byte and length field.
pub fn classify(bytes: &[u8]) -> Option<ProtocolFamily> {
    let le16 = |i: usize| u16::from_le_bytes([bytes[i], bytes[i + 1]]) as usize;
    let le32 = |i: usize| u32::from_le_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]) as usize;
    if control::is_control_frame(bytes) {
        return Some(ProtocolFamily::Control);
    }
    if bytes.len() >= graphic::HEADER_LEN
        && bytes[4] == graphic::VERSION
        && le32(12) == bytes.len() - graphic::HEADER_LEN
    {
        return Some(ProtocolFamily::Graphic);
    }
    if bytes.len() >= fontcard::HEADER_LEN
        && bytes[7] == 0
        && bytes[11] == fontcard::VERSION
        && le16(12) == bytes.len() - fontcard::HEADER_LEN
    {
        return Some(ProtocolFamily::FontCard);
    }
    if bytes.len() >= fontcard::HEADER_LEN_BARCODE
        && bytes[7] == 1
        && bytes[27] == fontcard::VERSION
        && le16(28) == bytes.len() - fontcard::HEADER_LEN_BARCODE
    {
        return Some(ProtocolFamily::FontCard);
    }
    None
}

/// The two protocol families.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProtocolFamily {
    Graphic,
    FontCard,
    Control,
}

impl Packet {
    /// Decode an unescaped, CRC-checked packet (header + data field).
    pub fn parse(bytes: &[u8]) -> Result<Self, PacketError> {
        match classify(bytes) {
            Some(ProtocolFamily::Graphic) => GraphicPacket::parse(bytes).map(Self::Graphic),
            Some(ProtocolFamily::FontCard) => FontPacket::parse(bytes).map(Self::FontCard),
            Some(ProtocolFamily::Control) => ControlPacket::parse(bytes).map(Self::Control),
            None => Err(PacketError::UnknownProtocol {
                len: bytes.len(),
                start: crate::to_hex_spaced(&bytes[..bytes.len().min(16)]),
            }),
        }
    }

    /// Decode a frame the [`Decoder`] took off the wire, keeping how it ended (so a frame with
    /// two `5A` tails encodes back to the same bytes).
    pub fn from_raw(raw: &RawPacket) -> Result<Self, PacketError> {
        let mut p = Self::parse(&raw.bytes)?;
        let tails = u8::try_from(raw.tails.clamp(1, 255)).unwrap_or(1);
        match &mut p {
            Self::Control(c) => c.tails = tails,
            Self::Graphic(g) => g.tails = tails,
            Self::FontCard(_) => {}
        }
        Ok(p)
    }

    /// Unescaped header + data field (for control packets: header, XOR and body).
    pub fn to_bytes(&self) -> Result<Vec<u8>, EncodeError> {
        match self {
            Self::Graphic(p) => p.to_bytes(),
            Self::FontCard(p) => p.to_bytes(),
            Self::Control(p) => p.to_bytes(),
        }
    }

    /// The complete frame: `A5 × 8`, escaped packet and CRC, `5A` (control packets carry their
    /// checks in the header).
    pub fn to_wire(&self) -> Result<Vec<u8>, EncodeError> {
        if let Self::Control(c) = self {
            return c.to_wire();
        }
        let mut out = Vec::new();
        wrap(&self.to_bytes()?, &mut out);
        if let Self::Graphic(g) = self {
            out.extend(std::iter::repeat_n(crate::phy::TAIL, usize::from(g.tails.max(1)) - 1));
        }
        Ok(out)
    }

    /// The protocol family.
    pub fn family(&self) -> ProtocolFamily {
        match self {
            Self::Graphic(_) => ProtocolFamily::Graphic,
            Self::FontCard(_) => ProtocolFamily::FontCard,
            Self::Control(_) => ProtocolFamily::Control,
        }
    }

    /// Destination address.
    pub fn dst(&self) -> u16 {
        match self {
            Self::Graphic(p) => p.header.dst,
            Self::FontCard(p) => p.header.dst,
            Self::Control(p) => p.header.dst,
        }
    }

    /// `(CmdGroup, Cmd)` of the request or reply.
    pub fn code(&self) -> (u8, u8) {
        match self {
            Self::Graphic(GraphicPacket {
                body: graphic::GraphicBody::Request(r),
                ..
            }) => r.command.code(),
            Self::Graphic(GraphicPacket {
                body: graphic::GraphicBody::Reply(r),
                ..
            }) => (r.group, r.cmd),
            Self::FontCard(FontPacket {
                body: fontcard::FontBody::Request(r),
                ..
            }) => r.command.code(),
            Self::FontCard(FontPacket {
                body: fontcard::FontBody::Reply(r),
                ..
            }) => (r.group, r.cmd),
            Self::Control(c) => c.code(),
        }
    }

    /// `true` for a reply in which the card refuses the request.
    pub fn is_nack(&self) -> bool {
        match self {
            Self::Graphic(GraphicPacket {
                body: graphic::GraphicBody::Reply(r),
                ..
            }) => r.is_nack(),
            Self::FontCard(FontPacket {
                body: fontcard::FontBody::Reply(r),
                ..
            }) => r.is_nack(),
            Self::Control(ControlPacket {
                body: ControlBody::Reply(r),
                ..
            }) => r.is_nack(),
            _ => false,
        }
    }

    /// The error code of a reply (`ErrorCode::NONE` for requests and ACKs).
    pub fn error_code(&self) -> crate::ErrorCode {
        match self {
            Self::Graphic(GraphicPacket {
                body: graphic::GraphicBody::Reply(r),
                ..
            }) => r.error,
            Self::FontCard(FontPacket {
                body: fontcard::FontBody::Reply(r),
                ..
            }) => r.error,
            Self::Control(ControlPacket {
                body: ControlBody::Reply(r),
                ..
            }) => r.error,
            _ => crate::ErrorCode::NONE,
        }
    }

    /// `true` for a request the card answers (RtnReq set; font-card status queries always).
    pub fn expects_reply(&self) -> bool {
        match self {
            Self::Graphic(GraphicPacket {
                body: graphic::GraphicBody::Request(r),
                ..
            }) => r.reply == 1,
            Self::FontCard(FontPacket {
                body: fontcard::FontBody::Request(r),
                ..
            }) => r.reply == fontcard::REPLY || matches!(r.command, fontcard::FontCommand::StatusQuery),
            Self::Control(ControlPacket {
                body: ControlBody::Request(r),
                ..
            }) => r.reply == 1,
            _ => false,
        }
    }

    /// `true` for a card-to-host reply.
    pub fn is_reply(&self) -> bool {
        matches!(
            self,
            Self::Graphic(GraphicPacket {
                body: graphic::GraphicBody::Reply(_),
                ..
            }) | Self::FontCard(FontPacket {
                body: fontcard::FontBody::Reply(_),
                ..
            }) | Self::Control(ControlPacket {
                body: ControlBody::Reply(_),
                ..
            })
        )
    }

    /// Whether this reply answers `request` (docs/protocol.md G.1): the same protocol, the
    /// addresses swapped, and under the control header the request's sequence number plus
    /// `0x8000`. A reply to an earlier request (a late one) does not. Font-card replies carry
    /// no sequence and are taken as they come.
    pub fn answers(&self, request: &Packet) -> bool {
        if !self.is_reply() {
            return false;
        }
        match (self, request) {
            (Self::Graphic(r), Self::Graphic(q)) => r.header.answers(&q.header),
            (Self::Control(r), Self::Control(q)) => r.header.answers(&q.header),
            (Self::FontCard(_), Self::FontCard(_)) => true,
            // A card that could not read a control request's header may answer it with a 0xF0
            // NACK (CRC error) from its own address.
            (Self::Graphic(r), Self::Control(q)) => r.header.dst == q.header.src && self.is_nack(),
            _ => false,
        }
    }
}

/// One frame found in a byte stream: where it was, what was skipped before it, and either the
/// decoded packet or why it could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub offset: u64,
    pub skipped: Vec<u8>,
    pub result: Result<Packet, DecodeError>,
}

/// Why a frame in a stream was not decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    #[error(transparent)]
    Frame(#[from] FrameError),
    #[error(transparent)]
    Packet(#[from] PacketError),
}

/// Decode every frame in a complete capture. Trailing bytes that never formed a frame are
/// returned separately so nothing is silently dropped.
pub fn decode_all(bytes: &[u8]) -> (Vec<Found>, Vec<u8>) {
    let mut d = Decoder::new();
    d.feed(bytes);
    let mut found = Vec::new();
    loop {
        match d.decode() {
            Ok(Some(raw)) => {
                found.push(Found {
                    offset: raw.offset,
                    skipped: raw.skipped.clone(),
                    result: Packet::from_raw(&raw).map_err(DecodeError::from),
                });
            }
            Ok(None) => break,
            Err(e) => {
                let offset = match &e {
                    FrameError::BadEscape { offset, .. }
                    | FrameError::Checksum { offset, .. }
                    | FrameError::ControlHeader { offset, .. }
                    | FrameError::ControlBody { offset, .. }
                    | FrameError::Truncated { offset, .. }
                    | FrameError::TooShort { offset, .. }
                    | FrameError::TooLong { offset, .. }
                    | FrameError::Garbage { offset, .. }
                    | FrameError::Stray { offset, .. } => *offset,
                };
                found.push(Found {
                    offset,
                    skipped: Vec::new(),
                    result: Err(e.into()),
                });
            }
        }
    }
    (found, d.pending().to_vec())
}
