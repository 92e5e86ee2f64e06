//! The control header of 5th/6th-generation graphic cards (docs/protocol.md Part D): version
//! `0x05` (27 bytes, BX-5E/5M/5A and the BX-5M1) or `0x07` (28 bytes, BX-6E/6Q).
//! Power, clock, brightness, status, the card's size, and the file system (program files in
//! flash) live under this header; dynamic areas stay under the `0xF0` header of [`crate::graphic`].
//!
//! ```text
//! A5 × 8 | escape( header | XOR8(header) | body ) | 5A (5A)
//! gen 5:  dst(2) src(2) 05 type(1) device(2) phy(1) rsv(1) seq(2) rsv(1) frame_max(1) enc(1) rand(1)
//!         secret(6) body_len(2) crc16(body)(2) | xor
//! gen 6:  dst(2) src(2) 07 type(1) device(2) phy(1) options(1) seq(2) frame_max(2) enc(1) rand(1)
//!         secret(6) body_len(2) crc16(body)(2) rsv(1) | xor      (as the vendor's SDK writes it)
//! request body: RtnReq(1) | group(1) | cmd(1) | DataLen(2) | data
//! reply body:   Reserved(1) | group(1) | cmd(1) | Status(2) | Error(2) | DataLen(2) | data
//! ```
//!
//! The frame carries no trailing CRC: the header's XOR byte guards the header and the CRC-16 in
//! the header guards the body, so [`crate::Decoder`] checks those two for frames whose version
//! byte says "control" and reports which one failed. Replies are told from requests by the
//! command code (`A0 xx` ACK/NACK, or a command with bit 7 set such as `A2 80`, `A2 8F`).
//!
//! A card answers with the request's addresses swapped (a wildcard destination echoed as it
//! came) and the request's sequence number plus `0x8000` ([`ControlHeader::reply_from`]); that is
//! how a host tells the answer to its request from a late one ([`ControlHeader::answers`]). The
//! card's own address and model are in its ping data ([`PingInfo`]), never in a reply header
//! (docs/protocol.md G.1).

use serde::{Deserialize, Serialize};

use crate::bytes::{Reader, hex_array, hex_vec, len_u16, put_u16, put_u32};
use crate::codes::{CardTime, ErrorCode};
use crate::error::{EncodeError, PacketError};
use crate::fontcard::{FileName, PowerSlot, parse_name, put_name, read_slots, write_slots};
use crate::graphic::{Brightness, Generation};

/// Version byte of the 5th-generation control header.
pub const VERSION_GEN5: u8 = 0x05;
/// Version byte of the 6th-generation control header (as the vendor's SDK writes it).
pub const VERSION_GEN6: u8 = 0x07;
/// Header length including the XOR byte, 5th generation.
pub const HEADER_LEN_GEN5: usize = 27;
/// Header length including the XOR byte, 6th generation.
pub const HEADER_LEN_GEN6: usize = 28;
/// `encryptionType` for plain frames.
pub const PLAIN: u8 = 0x96;
/// `frameLenMax` the vendor's 6th-generation SDK writes: 0x190 × 16 bytes of receive buffer.
pub const FRAME_MAX_GEN6: u16 = 0x0190;
/// What a card adds to a request's sequence number in its reply.
pub const REPLY_SEQ: u16 = 0x8000;
/// Power state byte of `A2 05`.
pub const POWER_ON: u8 = 0x01;
pub const POWER_OFF: u8 = 0x00;

/// The header length a version byte implies, when it is a control version.
pub fn header_len(version: u8) -> Option<usize> {
    match version {
        VERSION_GEN5 => Some(HEADER_LEN_GEN5),
        VERSION_GEN6 => Some(HEADER_LEN_GEN6),
        _ => None,
    }
}

/// Whether `bytes` (unescaped, from the first byte after the `A5` head up to the tail) have the
/// shape of a control frame: a control version at byte 4 and a body length that accounts for
/// every byte after the header.
pub fn is_control_frame(bytes: &[u8]) -> bool {
    let Some(h) = bytes.get(4).copied().and_then(header_len) else {
        return false;
    };
    bytes.len() >= h && usize::from(u16::from_le_bytes([bytes[22], bytes[23]])) == bytes.len() - h
}

/// What is wrong with a control frame's checks: `(which, expected, got)`, `which` being
/// `"header"` (the XOR byte) or `"body"` (the CRC-16 in the header).
pub fn check(bytes: &[u8]) -> Result<(), (&'static str, u16, u16)> {
    let h = header_len(bytes[4]).unwrap_or(HEADER_LEN_GEN5);
    let xor = bytes[..h - 1].iter().fold(0u8, |a, b| a ^ b);
    if xor != bytes[h - 1] {
        return Err(("header", xor.into(), bytes[h - 1].into()));
    }
    let crc = crate::crc16(&bytes[h..]);
    let got = u16::from_le_bytes([bytes[24], bytes[25]]);
    if crc != got {
        return Err(("body", crc, got));
    }
    Ok(())
}

/// The control header; the version byte, body length, body CRC and XOR are implied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ControlHeader {
    /// `gen5` (version 05, 27 bytes) or `gen6` (version 07, 28 bytes).
    pub generation: Generation,
    pub dst: u16,
    pub src: u16,
    #[serde(default)]
    pub protocol_type: u8,
    /// Card model code (`0x0254` BX-5E2, `0x0052` BX-5M1, …).
    pub device_type: u16,
    /// `01` in every capture.
    #[serde(default = "one")]
    pub phy_type: u8,
    /// Byte 9: reserved on gen 5, an options byte on gen 6 (one bit adds a barcode; unsupported).
    #[serde(default)]
    pub options: u8,
    /// Message sequence number; cards echo what they are sent.
    #[serde(default)]
    pub seq: u16,
    /// Byte 12 on gen 5 (`00` in captures); absent on gen 6.
    #[serde(default)]
    pub reserved: u8,
    /// Largest frame the sender takes, in units of 16 bytes (`0x90` in captures).
    #[serde(default = "frame_max")]
    pub frame_len_max: u16,
    /// `0x96` = plain.
    #[serde(default = "plain")]
    pub encryption: u8,
    #[serde(default)]
    pub random: u8,
    #[serde(with = "hex_array", default)]
    pub secret: [u8; 6],
    /// The reserved byte before the XOR on gen 6 (`00` from the vendor's SDK).
    #[serde(default)]
    pub reserved_tail: u8,
}

fn one() -> u8 {
    1
}
fn frame_max() -> u16 {
    0x90
}
fn plain() -> u8 {
    PLAIN
}

impl ControlHeader {
    /// A host-to-card header. On the 6th generation it is the header the vendor's SDK writes
    /// (docs/protocol.md G.2: protocol type 01, frame max 0x0190); on the 5th, the header of the
    /// BX-5M1 captures (type 00, frame max 0x90). The caller sets `seq` (a fresh even number per
    /// request) and `random` (one byte per session).
    pub fn to_card(generation: Generation, dst: u16, device_type: u16) -> Self {
        let gen6 = generation == Generation::Gen6;
        Self {
            generation,
            dst,
            src: crate::graphic::HOST_ADDRESS,
            protocol_type: u8::from(gen6),
            device_type,
            phy_type: 1,
            options: 0,
            seq: 0,
            reserved: 0,
            frame_len_max: if gen6 { FRAME_MAX_GEN6 } else { frame_max() },
            encryption: PLAIN,
            random: 0,
            secret: [0; 6],
            reserved_tail: 0,
        }
    }

    /// The card's reply header to a request carrying `self`: addresses swapped (the wildcard
    /// echoed), the sequence number plus `0x8000` (docs/protocol.md G.1).
    pub fn reply_from(&self, own_device: u16) -> Self {
        Self {
            dst: self.src,
            src: self.dst,
            device_type: own_device,
            seq: self.seq.wrapping_add(REPLY_SEQ),
            ..self.clone()
        }
    }

    /// Whether a reply carrying `self` answers the request that carried `request`: addresses
    /// swapped and the sequence number plus `0x8000`, as the vendor's SDK checks. A reply from
    /// the card's own address to a wildcard request, or one that echoes the sequence unchanged
    /// (no 5th-generation reply has been captured), is taken too; a reply to an earlier request
    /// carries an earlier sequence number and is not.
    pub fn answers(&self, request: &Self) -> bool {
        self.dst == request.src
            && (self.src == request.dst || crate::graphic::is_wildcard(request.dst))
            && (self.seq == request.seq.wrapping_add(REPLY_SEQ) || self.seq == request.seq)
    }

    /// Header length including the XOR byte.
    pub fn len(&self) -> usize {
        match self.generation {
            Generation::Gen5 => HEADER_LEN_GEN5,
            Generation::Gen6 => HEADER_LEN_GEN6,
        }
    }

    /// Never empty; here for the `len` convention.
    pub fn is_empty(&self) -> bool {
        false
    }

    fn parse(b: &[u8]) -> Self {
        let gen6 = b[4] == VERSION_GEN6;
        Self {
            generation: if gen6 { Generation::Gen6 } else { Generation::Gen5 },
            dst: u16::from_le_bytes([b[0], b[1]]),
            src: u16::from_le_bytes([b[2], b[3]]),
            protocol_type: b[5],
            device_type: u16::from_le_bytes([b[6], b[7]]),
            phy_type: b[8],
            options: b[9],
            seq: u16::from_le_bytes([b[10], b[11]]),
            reserved: if gen6 { 0 } else { b[12] },
            frame_len_max: if gen6 {
                u16::from_le_bytes([b[12], b[13]])
            } else {
                b[13].into()
            },
            encryption: b[14],
            random: b[15],
            secret: [b[16], b[17], b[18], b[19], b[20], b[21]],
            reserved_tail: if gen6 { b[26] } else { 0 },
        }
    }

    fn write(&self, body: &[u8], out: &mut Vec<u8>) -> Result<(), EncodeError> {
        let start = out.len();
        put_u16(out, self.dst);
        put_u16(out, self.src);
        let gen6 = self.generation == Generation::Gen6;
        out.push(if gen6 { VERSION_GEN6 } else { VERSION_GEN5 });
        out.extend_from_slice(&[self.protocol_type]);
        put_u16(out, self.device_type);
        out.extend_from_slice(&[self.phy_type, self.options]);
        put_u16(out, self.seq);
        if gen6 {
            put_u16(out, self.frame_len_max);
        } else {
            let max = u8::try_from(self.frame_len_max).map_err(|_| EncodeError::TooLarge {
                field: "frame_len_max",
                value: self.frame_len_max.into(),
                bits: 8,
                max: 255,
            })?;
            out.extend_from_slice(&[self.reserved, max]);
        }
        out.extend_from_slice(&[self.encryption, self.random]);
        out.extend_from_slice(&self.secret);
        put_u16(out, len_u16("control body", body.len())?);
        put_u16(out, crate::crc16(body));
        if gen6 {
            out.push(self.reserved_tail);
        }
        let xor = out[start..].iter().fold(0u8, |a, b| a ^ b);
        out.push(xor);
        Ok(())
    }
}

/// Commands under the control header. Unknown or unparseable ones keep their bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "kebab-case")]
#[non_exhaustive]
pub enum ControlCommand {
    /// `A2 00` ping; the card answers `A2 80` with its model, size and state.
    Ping,
    /// `A2 02` set the card's clock (BCD, year low byte first, weekday 1-7).
    SetClock { time: CardTime },
    /// `A2 05` screen on (`01`) or off (`00`): the LED modules' power.
    Power { state: u8 },
    /// `A2 06` timed on/off: per window the on and off time, BCD `hh mm`.
    TimedPower { slots: Vec<PowerSlot> },
    /// `A2 07` brightness: manual, 48 half-hour slots, or the light sensor.
    SetBrightness(Brightness),
    /// `A2 08` cancel timed on/off.
    CancelTimedPower,
    /// `A2 0F` controller status; the card answers `A2 8F`.
    Status,
    /// `A2 19` light-sensor brightness query (answered `A2 99`).
    QueryBrightness,
    /// `A1 01` delete files.
    DeleteFiles { names: Vec<FileName> },
    /// `A1 02` start writing a file: name, type (`0` program), length, overwrite, CRC-32 of the file.
    StartWriteFile {
        name: FileName,
        file_type: u8,
        length: u32,
        overwrite: u8,
        crc32: u32,
    },
    /// `A1 03` one block of the file being written.
    WriteFileBlock {
        name: FileName,
        last: u8,
        offset: u32,
        #[serde(with = "hex_vec")]
        data: Vec<u8>,
    },
    /// `A1 04` start reading a file (answered `A1 84` with its size and CRC).
    StartReadFile { name: FileName },
    /// `A1 05` read a block of it from `offset` (answered `A1 85`).
    ReadFileBlock { name: FileName, offset: u32 },
    /// `A1 06` start reading the directory: files of `file_type` (`FF` all), `dir_size` entries
    /// a block (answered `A1 86` with the number of files).
    StartReadDirectory { file_type: u8, dir_size: u8 },
    /// `A1 07` read the directory from entry `offset` (answered `A1 87`).
    ReadDirectoryBlock { offset: u16 },
    /// `A1 08` start a file transfer session.
    StartTransfer,
    /// `A1 09` end it: the card takes the new files into use.
    EndTransfer,
    /// `A1 0D` start reading a fixed file such as the screen parameters `C000` (answered `A1 8D`).
    StartReadFixedFile { name: FileName },
    /// `A1 0E` read a block of a fixed file (answered `A1 8E`).
    ReadFixedFileBlock { name: FileName, offset: u32 },
    /// `A1 12` memory volume (answered `A1 92`: total and free bytes).
    MemoryVolume,
    /// `A2 04` which firmware runs (answered `A2 84`).
    FirmwareStatus,
    /// `A2 0A` the controller's id (answered `A2 8A`).
    ControllerId,
    /// `A2 0D` lock or unlock the screen (`locked` 1/0), kept over a power cut when `nonvolatile`.
    ScreenLock { nonvolatile: u8, locked: u8 },
    /// Any other group/command, or one whose fields did not parse (`why` says why).
    Unknown {
        group: u8,
        cmd: u8,
        #[serde(with = "hex_vec")]
        data: Vec<u8>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        why: Option<String>,
    },
}

impl ControlCommand {
    /// `(group, cmd)` on the wire.
    pub fn code(&self) -> (u8, u8) {
        match self {
            Self::Ping => (0xA2, 0x00),
            Self::SetClock { .. } => (0xA2, 0x02),
            Self::Power { .. } => (0xA2, 0x05),
            Self::TimedPower { .. } => (0xA2, 0x06),
            Self::SetBrightness(_) => (0xA2, 0x07),
            Self::CancelTimedPower => (0xA2, 0x08),
            Self::Status => (0xA2, 0x0F),
            Self::QueryBrightness => (0xA2, 0x19),
            Self::DeleteFiles { .. } => (0xA1, 0x01),
            Self::StartWriteFile { .. } => (0xA1, 0x02),
            Self::WriteFileBlock { .. } => (0xA1, 0x03),
            Self::StartReadFile { .. } => (0xA1, 0x04),
            Self::ReadFileBlock { .. } => (0xA1, 0x05),
            Self::StartReadDirectory { .. } => (0xA1, 0x06),
            Self::ReadDirectoryBlock { .. } => (0xA1, 0x07),
            Self::StartTransfer => (0xA1, 0x08),
            Self::EndTransfer => (0xA1, 0x09),
            Self::StartReadFixedFile { .. } => (0xA1, 0x0D),
            Self::ReadFixedFileBlock { .. } => (0xA1, 0x0E),
            Self::MemoryVolume => (0xA1, 0x12),
            Self::FirmwareStatus => (0xA2, 0x04),
            Self::ControllerId => (0xA2, 0x0A),
            Self::ScreenLock { .. } => (0xA2, 0x0D),
            Self::Unknown { group, cmd, .. } => (*group, *cmd),
        }
    }

    /// A short name for logs.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Ping => "ping",
            Self::SetClock { .. } => "set-clock",
            Self::Power { .. } => "power",
            Self::TimedPower { .. } => "timed-power",
            Self::SetBrightness(_) => "set-brightness",
            Self::CancelTimedPower => "cancel-timed-power",
            Self::Status => "status",
            Self::QueryBrightness => "query-brightness",
            Self::DeleteFiles { .. } => "delete-files",
            Self::StartWriteFile { .. } => "start-write-file",
            Self::WriteFileBlock { .. } => "write-file-block",
            Self::StartReadFile { .. } => "start-read-file",
            Self::ReadFileBlock { .. } => "read-file-block",
            Self::StartReadDirectory { .. } => "start-read-directory",
            Self::ReadDirectoryBlock { .. } => "read-directory-block",
            Self::StartTransfer => "start-transfer",
            Self::EndTransfer => "end-transfer",
            Self::StartReadFixedFile { .. } => "start-read-fixed-file",
            Self::ReadFixedFileBlock { .. } => "read-fixed-file-block",
            Self::MemoryVolume => "memory-volume",
            Self::FirmwareStatus => "firmware-status",
            Self::ControllerId => "controller-id",
            Self::ScreenLock { .. } => "screen-lock",
            Self::Unknown { .. } => "unknown",
        }
    }

    fn write_data(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        match self {
            Self::Ping
            | Self::CancelTimedPower
            | Self::Status
            | Self::QueryBrightness
            | Self::StartTransfer
            | Self::EndTransfer
            | Self::MemoryVolume
            | Self::FirmwareStatus
            | Self::ControllerId => {}
            Self::StartReadFile { name } | Self::StartReadFixedFile { name } => put_name(out, name)?,
            Self::ReadFileBlock { name, offset } | Self::ReadFixedFileBlock { name, offset } => {
                put_name(out, name)?;
                put_u32(out, *offset);
            }
            Self::StartReadDirectory { file_type, dir_size } => out.extend_from_slice(&[*file_type, *dir_size]),
            Self::ReadDirectoryBlock { offset } => put_u16(out, *offset),
            Self::ScreenLock { nonvolatile, locked } => out.extend_from_slice(&[*nonvolatile, *locked]),
            Self::SetClock { time } => out.extend_from_slice(&time.to_bcd()),
            Self::Power { state } => out.push(*state),
            Self::TimedPower { slots } => write_slots(slots, out)?,
            Self::SetBrightness(b) => b.write_data(out)?,
            Self::DeleteFiles { names } => {
                put_u16(out, len_u16("file count", names.len())?);
                for n in names {
                    put_name(out, n)?;
                }
            }
            Self::StartWriteFile {
                name,
                file_type,
                length,
                overwrite,
                crc32,
            } => {
                put_name(out, name)?;
                out.push(*file_type);
                put_u32(out, *length);
                out.push(*overwrite);
                put_u32(out, *crc32);
            }
            Self::WriteFileBlock {
                name,
                last,
                offset,
                data,
            } => {
                put_name(out, name)?;
                out.push(*last);
                put_u32(out, *offset);
                out.extend_from_slice(data);
            }
            Self::Unknown { data, .. } => out.extend_from_slice(data),
        }
        Ok(())
    }

    fn parse(group: u8, cmd: u8, data: &[u8]) -> Self {
        let parsed = crate::bytes::command(data, "control command", |r| {
            Ok(Some(match (group, cmd) {
                (0xA2, 0x00) => Self::Ping,
                (0xA2, 0x02) => Self::SetClock {
                    time: CardTime::from_bcd(&r.array()?)?,
                },
                (0xA2, 0x05) => Self::Power { state: r.u8()? },
                (0xA2, 0x06) => Self::TimedPower { slots: read_slots(r)? },
                (0xA2, 0x07) => Self::SetBrightness(Brightness::parse_data(r)?),
                (0xA2, 0x08) => Self::CancelTimedPower,
                (0xA2, 0x0F) => Self::Status,
                (0xA2, 0x19) => Self::QueryBrightness,
                (0xA1, 0x01) => {
                    let n = r.u16()?;
                    let mut names = Vec::new();
                    for _ in 0..n {
                        names.push(parse_name(r.take(4)?)?);
                    }
                    Self::DeleteFiles { names }
                }
                (0xA1, 0x02) => Self::StartWriteFile {
                    name: parse_name(r.take(4)?)?,
                    file_type: r.u8()?,
                    length: r.u32()?,
                    overwrite: r.u8()?,
                    crc32: r.u32()?,
                },
                (0xA1, 0x03) => Self::WriteFileBlock {
                    name: parse_name(r.take(4)?)?,
                    last: r.u8()?,
                    offset: r.u32()?,
                    data: r.rest().to_vec(),
                },
                (0xA1, 0x04) => Self::StartReadFile {
                    name: parse_name(r.take(4)?)?,
                },
                (0xA1, 0x05) => Self::ReadFileBlock {
                    name: parse_name(r.take(4)?)?,
                    offset: r.u32()?,
                },
                (0xA1, 0x06) => Self::StartReadDirectory {
                    file_type: r.u8()?,
                    dir_size: r.u8()?,
                },
                (0xA1, 0x07) => Self::ReadDirectoryBlock { offset: r.u16()? },
                (0xA1, 0x08) => Self::StartTransfer,
                (0xA1, 0x09) => Self::EndTransfer,
                (0xA1, 0x0D) => Self::StartReadFixedFile {
                    name: parse_name(r.take(4)?)?,
                },
                (0xA1, 0x0E) => Self::ReadFixedFileBlock {
                    name: parse_name(r.take(4)?)?,
                    offset: r.u32()?,
                },
                (0xA1, 0x12) => Self::MemoryVolume,
                (0xA2, 0x04) => Self::FirmwareStatus,
                (0xA2, 0x0A) => Self::ControllerId,
                (0xA2, 0x0D) => Self::ScreenLock {
                    nonvolatile: r.u8()?,
                    locked: r.u8()?,
                },
                _ => return Ok(None),
            }))
        });
        match parsed {
            crate::bytes::Parsed::Known(c) => c,
            crate::bytes::Parsed::Unknown(why) => Self::Unknown {
                group,
                cmd,
                data: data.to_vec(),
                why,
            },
        }
    }
}

/// A host-to-card request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ControlRequest {
    /// RtnReq: `01` asks for a reply.
    pub reply: u8,
    #[serde(flatten)]
    pub command: ControlCommand,
}

/// The `A2 80` answer to a ping: who the card is and what it drives (SDK `Ping_data`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PingInfo {
    /// Controller type, e.g. `0x0254` BX-5E2.
    pub controller_type: u16,
    /// Firmware version, 8 bytes (ASCII on the cards seen).
    #[serde(with = "hex_array")]
    pub firmware: [u8; 8],
    /// `01` when the card holds a screen-parameter file, `00` when it runs on defaults.
    pub screen_params: u8,
    pub address: u16,
    /// Baud-rate code.
    pub baud: u8,
    pub width: u16,
    pub height: u16,
    /// `1` mono, `3` red-green, `7` three colours, `255` full colour.
    pub color: u8,
    pub brightness: u8,
    /// `1` on, `0` off.
    pub power: u8,
    pub scan_config: u16,
    /// The 8 bytes that complete the 31-byte answer of 6th-generation cards (docs/protocol.md
    /// G.7); `None` when the card sent fewer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scan: Option<PingScan>,
    /// Anything after (newer firmware adds a barcode and web names), kept as sent.
    #[serde(with = "hex_vec", default)]
    pub rest: Vec<u8>,
}

/// The end of a 6th-generation ping answer: how the modules are scanned and packed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PingScan {
    pub rows_per_channel: u8,
    pub gray_flag: u8,
    pub unit_width: u16,
    /// `0` RGB888, `1` RGB565.
    pub color_codec: u8,
    pub udp_package_mode: u8,
    pub package_mode: u8,
    /// `1` when a barcode follows.
    pub barcode_flag: u8,
}

impl PingScan {
    const LEN: usize = 8;

    fn parse(r: &mut Reader<'_>) -> Result<Self, PacketError> {
        Ok(Self {
            rows_per_channel: r.u8()?,
            gray_flag: r.u8()?,
            unit_width: r.u16()?,
            color_codec: r.u8()?,
            udp_package_mode: r.u8()?,
            package_mode: r.u8()?,
            barcode_flag: r.u8()?,
        })
    }

    fn write(self, out: &mut Vec<u8>) {
        out.extend_from_slice(&[self.rows_per_channel, self.gray_flag]);
        put_u16(out, self.unit_width);
        out.extend_from_slice(&[
            self.color_codec,
            self.udp_package_mode,
            self.package_mode,
            self.barcode_flag,
        ]);
    }
}

impl PingInfo {
    /// The firmware version as text (printable ASCII, trailing NULs and spaces dropped).
    pub fn firmware_text(&self) -> String {
        let s: String = self
            .firmware
            .iter()
            .map(|&b| if b.is_ascii_graphic() { b as char } else { ' ' })
            .collect();
        s.trim().to_owned()
    }

    /// The colour type in words.
    pub fn color_name(&self) -> &'static str {
        match self.color {
            1 => "mono",
            3 => "red-green",
            7 => "three-colour",
            255 => "full-colour",
            _ => "unknown",
        }
    }

    /// The colour code for a number of LED colours per pixel (mono 1, red-green 3).
    pub fn color_code(red_green: bool) -> u8 {
        if red_green { 3 } else { 1 }
    }

    fn parse(data: &[u8]) -> Result<Self, PacketError> {
        let mut r = Reader::new(data, "ping reply");
        Ok(Self {
            controller_type: r.u16()?,
            firmware: r.array()?,
            screen_params: r.u8()?,
            address: r.u16()?,
            baud: r.u8()?,
            width: r.u16()?,
            height: r.u16()?,
            color: r.u8()?,
            brightness: r.u8()?,
            power: r.u8()?,
            scan_config: r.u16()?,
            scan: if r.remaining() >= PingScan::LEN {
                Some(PingScan::parse(&mut r)?)
            } else {
                None
            },
            rest: r.rest().to_vec(),
        })
    }

    fn write(&self, out: &mut Vec<u8>) {
        put_u16(out, self.controller_type);
        out.extend_from_slice(&self.firmware);
        out.push(self.screen_params);
        put_u16(out, self.address);
        out.push(self.baud);
        put_u16(out, self.width);
        put_u16(out, self.height);
        out.extend_from_slice(&[self.color, self.brightness, self.power]);
        put_u16(out, self.scan_config);
        if let Some(scan) = self.scan {
            scan.write(out);
        }
        out.extend_from_slice(&self.rest);
    }
}

/// The `A2 8F` answer to a status query (SDK `ControllerStatus_G56`; a BX-5M1 capture sends the
/// first 32 bytes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ControllerStatus {
    /// Bit 0: `1` on, `0` off.
    pub power: u8,
    /// `1` when a timed on/off schedule is set.
    pub timed_power: u8,
    /// `0` manual, `1` timed (48 slots), `2` sensor.
    pub brightness_mode: u8,
    pub brightness: u8,
    /// Programs stored in flash.
    pub program_count: u16,
    /// Name of the program showing (4 bytes).
    #[serde(with = "hex_array")]
    pub current_program: [u8; 4],
    pub screen_lock: u8,
    pub program_lock: u8,
    pub running_mode: u8,
    /// `1` when the real-time clock runs.
    pub rtc_ok: u8,
    /// The card's clock (BCD on the wire, as `A2 02` sets it).
    pub time: CardTime,
    /// The sensors and the test button that complete the 33-byte answer of 6th-generation
    /// cards (docs/protocol.md G.7); `None` when the card sent fewer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sensors: Option<StatusSensors>,
    /// Anything after (newer firmware adds a customer id and a barcode), kept as sent.
    #[serde(with = "hex_vec", default)]
    pub rest: Vec<u8>,
}

/// A temperature as a status answer carries it: a sign byte (`0` above zero) and tenths of a
/// degree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Temperature {
    pub sign: u8,
    pub tenths: u16,
}

impl Temperature {
    /// Degrees Celsius.
    pub fn celsius(self) -> f64 {
        let v = f64::from(self.tenths) / 10.0;
        if self.sign == 0 { v } else { -v }
    }
}

/// The sensor part of a 6th-generation status answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct StatusSensors {
    pub temperature1: Temperature,
    pub temperature2: Temperature,
    /// Relative humidity in tenths of a percent.
    pub humidity_tenths: u16,
    /// Noise in tenths of a decibel.
    pub noise_tenths: u16,
    pub test_button: u8,
}

impl StatusSensors {
    const LEN: usize = 11;

    fn parse(r: &mut Reader<'_>) -> Result<Self, PacketError> {
        let mut t = || -> Result<Temperature, PacketError> {
            Ok(Temperature {
                sign: r.u8()?,
                tenths: r.u16()?,
            })
        };
        let (temperature1, temperature2) = (t()?, t()?);
        Ok(Self {
            temperature1,
            temperature2,
            humidity_tenths: r.u16()?,
            noise_tenths: r.u16()?,
            test_button: r.u8()?,
        })
    }

    fn write(&self, out: &mut Vec<u8>) {
        for t in [self.temperature1, self.temperature2] {
            out.push(t.sign);
            put_u16(out, t.tenths);
        }
        put_u16(out, self.humidity_tenths);
        put_u16(out, self.noise_tenths);
        out.push(self.test_button);
    }
}

impl ControllerStatus {
    fn parse(data: &[u8]) -> Result<Self, PacketError> {
        let mut r = Reader::new(data, "status reply");
        Ok(Self {
            power: r.u8()?,
            timed_power: r.u8()?,
            brightness_mode: r.u8()?,
            brightness: r.u8()?,
            program_count: r.u16()?,
            current_program: r.array()?,
            screen_lock: r.u8()?,
            program_lock: r.u8()?,
            running_mode: r.u8()?,
            rtc_ok: r.u8()?,
            time: CardTime::from_bcd(&r.array()?)?,
            sensors: if r.remaining() >= StatusSensors::LEN {
                Some(StatusSensors::parse(&mut r)?)
            } else {
                None
            },
            rest: r.rest().to_vec(),
        })
    }

    fn write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&[self.power, self.timed_power, self.brightness_mode, self.brightness]);
        put_u16(out, self.program_count);
        out.extend_from_slice(&self.current_program);
        out.extend_from_slice(&[self.screen_lock, self.program_lock, self.running_mode, self.rtc_ok]);
        out.extend_from_slice(&self.time.to_bcd());
        if let Some(sensors) = &self.sensors {
            sensors.write(out);
        }
        out.extend_from_slice(&self.rest);
    }
}

/// One file in a directory answer (`A1 87`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirectoryEntry {
    pub name: FileName,
    /// `0` program (`P`), `1` screen parameters, `9` program data (`D`), … (docs/protocol.md G.6).
    pub file_type: u8,
    pub length: u32,
    /// The file's CRC-32 as stored (for programs, [`crate::file_crc32`]).
    pub crc32: u32,
}

/// What a reply carries, typed where the layout is known.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "data_kind", rename_all = "kebab-case")]
pub enum ReplyData {
    /// `A2 80`.
    Ping { info: PingInfo },
    /// `A2 8F`.
    Status { controller: ControllerStatus },
    /// `A1 86`: how many files the directory read will list.
    DirectorySize { count: u16 },
    /// `A1 87`: a block of the directory; `offset` is where the next block starts.
    DirectoryBlock {
        last: u8,
        offset: u16,
        files: Vec<DirectoryEntry>,
    },
    /// `A1 84` / `A1 8D`: the file about to be read.
    FileInfo { name: FileName, size: u32, crc32: u32 },
    /// `A1 85` / `A1 8E`: a block of it.
    FileBlock {
        last: u8,
        name: FileName,
        offset: u32,
        #[serde(with = "hex_vec")]
        bytes: Vec<u8>,
    },
    /// `A1 92`: the card's flash, in bytes.
    MemoryVolume { total: u32, available: u32 },
    /// `A2 84`: the firmware that runs (ASCII fields as sent).
    Firmware {
        #[serde(with = "hex_array")]
        name: [u8; 4],
        #[serde(with = "hex_array")]
        version: [u8; 8],
        #[serde(with = "hex_vec")]
        built: Vec<u8>,
    },
    /// `A2 8A`: the controller id (16 bytes on 6th-generation firmware, 8 on older).
    ControllerId {
        #[serde(with = "hex_vec")]
        id: Vec<u8>,
    },
    /// Anything else (ACK/NACK carry nothing), or a body that did not parse.
    Raw {
        #[serde(with = "hex_vec", default)]
        data: Vec<u8>,
    },
}

impl ReplyData {
    fn parse(group: u8, cmd: u8, data: &[u8]) -> Option<Self> {
        let mut r = Reader::new(data, "reply data");
        let typed = match (group, cmd) {
            (0xA2, 0x80) => Self::Ping {
                info: PingInfo::parse(data).ok()?,
            },
            (0xA2, 0x8F) => Self::Status {
                controller: ControllerStatus::parse(data).ok()?,
            },
            (0xA1, 0x86) => Self::DirectorySize { count: r.u16().ok()? },
            (0xA1, 0x87) => {
                let last = r.u8().ok()?;
                let offset = r.u16().ok()?;
                let n = r.u16().ok()?;
                let mut files = Vec::new();
                for _ in 0..n {
                    files.push(DirectoryEntry {
                        name: parse_name(r.take(4).ok()?).ok()?,
                        file_type: r.u8().ok()?,
                        length: r.u32().ok()?,
                        crc32: r.u32().ok()?,
                    });
                }
                Self::DirectoryBlock { last, offset, files }
            }
            (0xA1, 0x84 | 0x8D) => Self::FileInfo {
                name: parse_name(r.take(4).ok()?).ok()?,
                size: r.u32().ok()?,
                crc32: r.u32().ok()?,
            },
            (0xA1, 0x85 | 0x8E) => Self::FileBlock {
                last: r.u8().ok()?,
                name: parse_name(r.take(4).ok()?).ok()?,
                offset: r.u32().ok()?,
                bytes: r.rest().to_vec(),
            },
            (0xA1, 0x92) => Self::MemoryVolume {
                total: r.u32().ok()?,
                available: r.u32().ok()?,
            },
            (0xA2, 0x84) => Self::Firmware {
                name: r.array().ok()?,
                version: r.array().ok()?,
                built: r.rest().to_vec(),
            },
            (0xA2, 0x8A) => Self::ControllerId { id: r.rest().to_vec() },
            _ => return None,
        };
        // Only a layout that gives back every byte as it came is typed (a longer answer, or a
        // name that is not 4 ASCII characters, stays raw).
        let mut probe = Vec::new();
        typed.write(&mut probe).ok()?;
        (probe == data).then_some(typed)
    }

    fn write(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        match self {
            Self::Ping { info } => info.write(out),
            Self::Status { controller } => controller.write(out),
            Self::DirectorySize { count } => put_u16(out, *count),
            Self::DirectoryBlock { last, offset, files } => {
                out.push(*last);
                put_u16(out, *offset);
                put_u16(out, len_u16("directory entries", files.len())?);
                for f in files {
                    put_name(out, &f.name)?;
                    out.push(f.file_type);
                    put_u32(out, f.length);
                    put_u32(out, f.crc32);
                }
            }
            Self::FileInfo { name, size, crc32 } => {
                put_name(out, name)?;
                put_u32(out, *size);
                put_u32(out, *crc32);
            }
            Self::FileBlock {
                last,
                name,
                offset,
                bytes,
            } => {
                out.push(*last);
                put_name(out, name)?;
                put_u32(out, *offset);
                out.extend_from_slice(bytes);
            }
            Self::MemoryVolume { total, available } => {
                put_u32(out, *total);
                put_u32(out, *available);
            }
            Self::Firmware { name, version, built } => {
                out.extend_from_slice(name);
                out.extend_from_slice(version);
                out.extend_from_slice(built);
            }
            Self::ControllerId { id } => out.extend_from_slice(id),
            Self::Raw { data } => out.extend_from_slice(data),
        }
        Ok(())
    }
}

/// A card-to-host reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ControlReply {
    #[serde(default)]
    pub reserved: u8,
    pub group: u8,
    pub cmd: u8,
    /// Bit 0 set on a NACK.
    pub status: u16,
    pub error: ErrorCode,
    #[serde(flatten)]
    pub data: ReplyData,
}

impl ControlReply {
    fn simple(group: u8, cmd: u8, status: u16, error: ErrorCode, data: ReplyData) -> Self {
        Self {
            reserved: 0,
            group,
            cmd,
            status,
            error,
            data,
        }
    }
    pub fn ack() -> Self {
        Self::simple(0xA0, 0x00, 0, ErrorCode::NONE, ReplyData::Raw { data: vec![] })
    }
    pub fn nack(error: ErrorCode) -> Self {
        Self::simple(0xA0, 0x01, 1, error, ReplyData::Raw { data: vec![] })
    }
    pub fn ping(info: PingInfo) -> Self {
        Self::simple(0xA2, 0x80, 0, ErrorCode::NONE, ReplyData::Ping { info })
    }
    pub fn status(controller: ControllerStatus) -> Self {
        Self::simple(0xA2, 0x8F, 0, ErrorCode::NONE, ReplyData::Status { controller })
    }
    /// The answer to a request `(group, cmd)` carrying `data`: the command with bit 7 set.
    pub fn answer(group: u8, cmd: u8, data: ReplyData) -> Self {
        Self::simple(group, cmd | 0x80, 0, ErrorCode::NONE, data)
    }
    /// The card refused the request.
    pub fn is_nack(&self) -> bool {
        (self.group == 0xA0 && self.cmd == 0x01) || self.status & 1 == 1
    }
    pub fn ping_info(&self) -> Option<&PingInfo> {
        match &self.data {
            ReplyData::Ping { info } => Some(info),
            _ => None,
        }
    }
    pub fn controller_status(&self) -> Option<&ControllerStatus> {
        match &self.data {
            ReplyData::Status { controller } => Some(controller),
            _ => None,
        }
    }

    fn write(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        let mut data = Vec::new();
        self.data.write(&mut data)?;
        out.extend_from_slice(&[self.reserved, self.group, self.cmd]);
        put_u16(out, self.status);
        put_u16(out, self.error.0);
        put_u16(out, len_u16("reply data", data.len())?);
        out.extend_from_slice(&data);
        Ok(())
    }

    fn parse(body: &[u8]) -> Result<Self, PacketError> {
        let mut r = Reader::new(body, "control reply");
        let reserved = r.u8()?;
        let group = r.u8()?;
        let cmd = r.u8()?;
        let status = r.u16()?;
        let error = ErrorCode(r.u16()?);
        let n = r.u16()?;
        let data = r.take(n.into())?;
        r.finish()?;
        let typed = ReplyData::parse(group, cmd, data);
        Ok(Self {
            reserved,
            group,
            cmd,
            status,
            error,
            data: typed.unwrap_or_else(|| ReplyData::Raw { data: data.to_vec() }),
        })
    }
}

/// Request or reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ControlBody {
    Request(ControlRequest),
    Reply(ControlReply),
}

/// A whole control-header packet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ControlPacket {
    pub header: ControlHeader,
    #[serde(flatten)]
    pub body: ControlBody,
    /// How many `5A` tail bytes the frame ends with (the BX-5M1 sends two).
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub tails: u8,
}

#[allow(clippy::trivially_copy_pass_by_ref)]
fn is_one(v: &u8) -> bool {
    *v == 1
}

impl ControlPacket {
    /// A request from the host. A 6th-generation request ends with two `5A` tails, as the
    /// vendor's SDK sends it; a 5th-generation one with one.
    pub fn request(header: ControlHeader, reply: bool, command: ControlCommand) -> Self {
        let tails = if header.generation == Generation::Gen6 { 2 } else { 1 };
        Self {
            header,
            body: ControlBody::Request(ControlRequest {
                reply: u8::from(reply),
                command,
            }),
            tails,
        }
    }

    /// Header, XOR and body, unescaped.
    pub fn to_bytes(&self) -> Result<Vec<u8>, EncodeError> {
        let mut body = Vec::new();
        match &self.body {
            ControlBody::Request(req) => {
                let (g, c) = req.command.code();
                body.extend_from_slice(&[req.reply, g, c]);
                let mut data = Vec::new();
                req.command.write_data(&mut data)?;
                put_u16(&mut body, len_u16("command data", data.len())?);
                body.extend_from_slice(&data);
            }
            ControlBody::Reply(rep) => rep.write(&mut body)?,
        }
        let mut out = Vec::with_capacity(self.header.len() + body.len());
        self.header.write(&body, &mut out)?;
        out.extend_from_slice(&body);
        Ok(out)
    }

    /// The complete frame: `A5 × 8`, escaped header and body, the tail.
    pub fn to_wire(&self) -> Result<Vec<u8>, EncodeError> {
        let bytes = self.to_bytes()?;
        let mut out = vec![crate::phy::HEAD; crate::phy::HEAD_LEN];
        crate::phy::escape_into(&bytes, &mut out);
        out.extend(std::iter::repeat_n(crate::phy::TAIL, usize::from(self.tails.max(1))));
        Ok(out)
    }

    /// Parse header and body (checks already done by the decoder).
    pub(crate) fn parse(bytes: &[u8]) -> Result<Self, PacketError> {
        let h = header_len(bytes[4]).unwrap_or(HEADER_LEN_GEN5);
        let header = ControlHeader::parse(bytes);
        let body = &bytes[h..];
        if body.len() < 3 {
            return Err(PacketError::Short {
                what: "control body",
                offset: h,
                needed: 3,
                available: body.len(),
            });
        }
        let (group, cmd) = (body[1], body[2]);
        let body = if group == 0xA0 || cmd & 0x80 != 0 {
            ControlBody::Reply(ControlReply::parse(body)?)
        } else {
            let mut r = Reader::new(body, "control request");
            let reply = r.u8()?;
            r.take(2)?;
            let n = r.u16()?;
            let data = r.take(n.into())?;
            r.finish()?;
            ControlBody::Request(ControlRequest {
                reply,
                command: ControlCommand::parse(group, cmd, data),
            })
        };
        Ok(Self { header, body, tails: 1 })
    }

    /// The reply, when this is one.
    pub fn reply(&self) -> Option<&ControlReply> {
        match &self.body {
            ControlBody::Reply(r) => Some(r),
            ControlBody::Request(_) => None,
        }
    }

    /// `(group, cmd)` of the request or reply.
    pub fn code(&self) -> (u8, u8) {
        match &self.body {
            ControlBody::Request(r) => r.command.code(),
            ControlBody::Reply(r) => (r.group, r.cmd),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Decoder, from_hex, to_hex_spaced};

    /// Four frames a BX-5M1 owner captured (docs/protocol.md Part D): ping, status, on, off.
    const CAPTURES: [&str; 4] = [
        "a5a5a5a5a5a5a5a5 feff0080 0500 feff 0100 0259 0090 9672 000000000000 0500 1e78 c8 01a2000000 5a5a",
        "a5a5a5a5a5a5a5a5 01000080 0500 5200 0100 326c 0090 965d 000000000000 0500 2e7b 82 01a20f0000 5a5a",
        "a5a5a5a5a5a5a5a5 01000080 0500 5200 0100 6a58 0090 9602 000000000000 0600 68c4 4b 01a2050100 01 5a5a",
        "a5a5a5a5a5a5a5a5 01000080 0500 5200 0100 6e58 0090 9676 000000000000 0600 a904 3a 01a2050100 00 5a5a",
    ];

    fn decode_one(wire: &[u8]) -> ControlPacket {
        let mut d = Decoder::new();
        d.feed(wire);
        let raw = d.decode().unwrap().unwrap();
        assert!(d.pending().is_empty());
        match crate::Packet::from_raw(&raw).unwrap() {
            crate::Packet::Control(c) => c,
            other => panic!("not a control packet: {other:?}"),
        }
    }

    #[test]
    fn captured_frames_round_trip_byte_for_byte() {
        let names = ["ping", "status", "power", "power"];
        for (hex, name) in CAPTURES.iter().zip(names) {
            let wire = from_hex(hex).unwrap();
            let p = decode_one(&wire);
            assert_eq!(p.tails, 2);
            let ControlBody::Request(r) = &p.body else { panic!() };
            assert_eq!(r.command.name(), name, "{hex}");
            assert_eq!(to_hex_spaced(&p.to_wire().unwrap()), to_hex_spaced(&wire));
            // And through JSON, as `pinghu wire decode --json | pinghu wire encode -` does.
            let json = serde_json::to_string(&crate::Packet::Control(p.clone())).unwrap();
            let back: crate::Packet = serde_json::from_str(&json).unwrap();
            assert_eq!(back.to_wire().unwrap(), wire);
        }
        let on = decode_one(&from_hex(CAPTURES[2]).unwrap());
        assert_eq!(
            on.body,
            ControlBody::Request(ControlRequest {
                reply: 1,
                command: ControlCommand::Power { state: POWER_ON }
            })
        );
    }

    #[test]
    fn clock_body_matches_the_capture() {
        let time = CardTime {
            year: 2023,
            month: 12,
            day: 1,
            hour: 21,
            minute: 1,
            second: 37,
            weekday: 5,
        };
        let p = ControlPacket::request(
            ControlHeader::to_card(Generation::Gen5, 1, 0x0052),
            true,
            ControlCommand::SetClock { time },
        );
        let bytes = p.to_bytes().unwrap();
        assert_eq!(to_hex_spaced(&bytes[27..]), "01 a2 02 08 00 23 20 12 01 21 01 37 05");
        let back = decode_one(&p.to_wire().unwrap());
        assert_eq!(back, p);
    }

    #[test]
    fn bad_header_xor_and_body_crc_are_named() {
        let wire = from_hex(CAPTURES[1]).unwrap();
        let mut bad = wire.clone();
        bad[8 + 26] ^= 0xFF; // the XOR byte
        let mut d = Decoder::new();
        d.feed(&bad);
        let e = d.decode().unwrap_err();
        assert_eq!(
            e.to_string(),
            "control header check failed in frame at offset 0: the XOR of the header bytes is 0x82, the frame says 0x7d"
        );
        let mut bad = wire;
        let n = bad.len();
        bad[n - 3] ^= 0x01; // a body byte
        let mut d = Decoder::new();
        d.feed(&bad);
        let e = d.decode().unwrap_err().to_string();
        assert!(
            e.starts_with("control body CRC mismatch in frame at offset 0: expected 0x"),
            "{e}"
        );
    }

    #[test]
    fn every_command_and_reply_round_trips_in_both_generations() {
        let time = CardTime {
            year: 2026,
            month: 11,
            day: 29,
            hour: 8,
            minute: 0,
            second: 5,
            weekday: 7,
        };
        let commands = vec![
            ControlCommand::Ping,
            ControlCommand::SetClock { time },
            ControlCommand::Power { state: POWER_OFF },
            ControlCommand::TimedPower {
                slots: vec![PowerSlot {
                    on: (6, 30),
                    off: (22, 0),
                }],
            },
            ControlCommand::SetBrightness(Brightness::Timed {
                levels: (0..48).map(|i| (i % 16) as u8).collect(),
            }),
            ControlCommand::CancelTimedPower,
            ControlCommand::Status,
            ControlCommand::QueryBrightness,
            ControlCommand::DeleteFiles {
                names: vec!["P000".into()],
            },
            ControlCommand::StartWriteFile {
                name: "P000".into(),
                file_type: 0,
                length: 300,
                overwrite: 1,
                crc32: 0xDEAD_BEEF,
            },
            ControlCommand::WriteFileBlock {
                name: "P000".into(),
                last: 1,
                offset: 0,
                data: vec![0xA5, 0x5A, 1, 2],
            },
            ControlCommand::StartTransfer,
            ControlCommand::EndTransfer,
        ];
        for generation in [Generation::Gen5, Generation::Gen6] {
            for c in &commands {
                let p = ControlPacket::request(ControlHeader::to_card(generation, 1, 0x0274), true, c.clone());
                assert_eq!(decode_one(&p.to_wire().unwrap()), p, "{c:?}");
            }
            let info = PingInfo {
                controller_type: 0x0274,
                firmware: *b"6.1.0.0 ",
                screen_params: 1,
                address: 1,
                baud: 2,
                width: 128,
                height: 32,
                color: 3,
                brightness: 15,
                power: 1,
                scan_config: 0,
                scan: Some(PingScan {
                    rows_per_channel: 16,
                    unit_width: 64,
                    ..PingScan::default()
                }),
                rest: vec![],
            };
            let status = ControllerStatus {
                power: 1,
                timed_power: 0,
                brightness_mode: 1,
                brightness: 9,
                program_count: 1,
                current_program: *b"P000",
                screen_lock: 0,
                program_lock: 0,
                running_mode: 0,
                rtc_ok: 1,
                time,
                sensors: Some(StatusSensors {
                    temperature1: Temperature { sign: 1, tenths: 52 },
                    humidity_tenths: 655,
                    ..StatusSensors::default()
                }),
                rest: vec![],
            };
            let header = ControlHeader::to_card(generation, 1, 0x0274).reply_from(0x0274);
            for reply in [
                ControlReply::ack(),
                ControlReply::nack(ErrorCode::BUSY),
                ControlReply::ping(info.clone()),
                ControlReply::status(status.clone()),
            ] {
                let p = ControlPacket {
                    header: header.clone(),
                    body: ControlBody::Reply(reply),
                    tails: 1,
                };
                assert_eq!(decode_one(&p.to_wire().unwrap()), p);
            }
        }
    }
}
