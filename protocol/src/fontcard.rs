//! The font-card protocol, header version `0x02` (BX-5K/6K; docs/protocol.md Part C). The card draws
//! text from its built-in fonts; the host sends GB2312/GBK text with inline escapes.
//!
//! ```text
//! header (14 bytes, little-endian; 30 with the optional barcode)
//! +-------+-------+-----------+--------+[barcode 16]+-------+---------+--------+----+---------+
//! | dst 2 | src 2 | reserved 3| option |            | check | display | device | 02 | datalen2|
//! +-------+-------+-----------+--------+------------+-------+---------+--------+----+---------+
//! request data:  CmdGroup | Cmd | RespFlag | Reserved(2) | params
//! reply data:    CmdGroup(A0) | Cmd(00 ACK, 01 NACK) | Error | Reserved(2) | data
//! ```

use serde::{Deserialize, Serialize};

use crate::bytes::{Reader, hex_array, hex_opt, hex_vec, len_u8, len_u16, len_u32, put_u16, put_u32};
use crate::codes::{CardTime, ErrorCode};
use crate::error::{EncodeError, PacketError};

/// Header version byte of this protocol.
pub const VERSION: u8 = 0x02;
/// Header length without the barcode.
pub const HEADER_LEN: usize = 14;
/// Header length with the 16-byte barcode.
pub const HEADER_LEN_BARCODE: usize = 30;
/// RespFlag: the card must reply.
pub const REPLY: u8 = 0x01;
/// RespFlag: no reply.
pub const NO_REPLY: u8 = 0x02;

/// The font-card header (version byte and data length implied).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FontHeader {
    /// Screen address (屏号); default `0x0001`, `0xFFFE`/`0xFFFF` broadcast.
    pub dst: u16,
    /// `0x8000` for a PC.
    pub src: u16,
    #[serde(with = "hex_array", default)]
    pub reserved: [u8; 3],
    /// Barcode (option byte `01`); `None` when the option byte is `00`.
    #[serde(with = "hex_opt", default, skip_serializing_if = "Option::is_none")]
    pub barcode: Option<Vec<u8>>,
    /// CheckMode, `00` in every capture.
    #[serde(default)]
    pub check_mode: u8,
    /// DisplayMode, `00` = normal.
    #[serde(default)]
    pub display_mode: u8,
    /// Card model (see [`crate::font_device_name`]); `FE` = any.
    pub device_type: u8,
}

impl FontHeader {
    /// A host-to-card header.
    pub fn to_card(dst: u16, device_type: u8) -> Self {
        Self {
            dst,
            src: 0x8000,
            reserved: [0; 3],
            barcode: None,
            check_mode: 0,
            display_mode: 0,
            device_type,
        }
    }

    /// The header of the card's reply (addresses swapped).
    pub fn reply_from(&self, own_address: u16, own_device: u8) -> Self {
        Self {
            dst: self.src,
            src: own_address,
            device_type: own_device,
            ..Self::to_card(0, 0)
        }
    }

    /// Parse a header; returns it and its length.
    pub(crate) fn parse(b: &[u8]) -> Result<(Self, usize), PacketError> {
        let mut r = Reader::new(b, "font-card header");
        let dst = r.u16()?;
        let src = r.u16()?;
        let reserved = r.array()?;
        let option = r.u8()?;
        let barcode = match option {
            0 => None,
            1 => Some(r.take(16)?.to_vec()),
            o => {
                return Err(PacketError::Invalid {
                    what: "font-card header",
                    detail: format!("option byte {o:#04x} (00 or 01)"),
                });
            }
        };
        let check_mode = r.u8()?;
        let display_mode = r.u8()?;
        let device_type = r.u8()?;
        let _version = r.u8()?;
        let _len = r.u16()?;
        Ok((
            Self {
                dst,
                src,
                reserved,
                barcode,
                check_mode,
                display_mode,
                device_type,
            },
            r.pos(),
        ))
    }

    pub(crate) fn write(&self, data_len: u16, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        put_u16(out, self.dst);
        put_u16(out, self.src);
        out.extend_from_slice(&self.reserved);
        match &self.barcode {
            None => out.push(0),
            Some(b) if b.len() == 16 => {
                out.push(1);
                out.extend_from_slice(b);
            }
            Some(b) => {
                return Err(EncodeError::Invalid {
                    what: "barcode",
                    detail: format!("must be 16 bytes, got {}", b.len()),
                });
            }
        }
        out.extend_from_slice(&[self.check_mode, self.display_mode, self.device_type, VERSION]);
        put_u16(out, data_len);
        Ok(())
    }
}

/// A 4-character file name such as `C000` (screen parameters) or `P000` (a program).
pub type FileName = String;

pub(crate) fn parse_name(b: &[u8]) -> Result<FileName, PacketError> {
    if b.iter().all(u8::is_ascii_graphic) {
        Ok(String::from_utf8_lossy(b).into_owned())
    } else {
        Err(PacketError::Invalid {
            what: "file name",
            detail: format!("{b:02x?} is not 4 printable ASCII characters"),
        })
    }
}

pub(crate) fn put_name(out: &mut Vec<u8>, name: &str) -> Result<(), EncodeError> {
    if name.len() != 4 || !name.bytes().all(|c| c.is_ascii_graphic()) {
        return Err(EncodeError::Invalid {
            what: "file name",
            detail: format!("{name:?} must be 4 printable ASCII characters"),
        });
    }
    out.extend_from_slice(name.as_bytes());
    Ok(())
}

/// A host-to-card request: `CmdGroup | Cmd | RespFlag | Reserved(2) | params`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FontRequest {
    /// RespFlag: `01` reply, `02` no reply.
    pub reply: u8,
    /// The two bytes after RespFlag. For `A3 06` the first is the ProcessMode (0 keep areas,
    /// 1 clear and re-initialise; vendor software sends `2D`), kept as found.
    #[serde(with = "hex_array", default)]
    pub reserved: [u8; 2],
    #[serde(flatten)]
    pub command: FontCommand,
}

/// Commands of the font-card protocol (docs/protocol.md C.3). Unknown or unparseable ones keep their bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "kebab-case")]
#[non_exhaustive]
pub enum FontCommand {
    /// `A1 00` format the file system.
    FormatFs,
    /// `A1 01` delete files: `count(2) | name(4) × count`.
    DeleteFiles { names: Vec<FileName> },
    /// `A1 02` controller status query; answered by an ACK carrying a [`StatusReport`].
    StatusQuery,
    /// `A1 05` start writing a file: `overwrite(1) | name(4) | length(4)`.
    StartWriteFile { overwrite: u8, name: FileName, length: u32 },
    /// `A1 06` write a file block: `name(4) | last(1) | block(2) | len(2) | offset(4) | data`.
    WriteFileBlock {
        name: FileName,
        last: u8,
        block: u16,
        offset: u32,
        #[serde(with = "hex_vec")]
        data: Vec<u8>,
    },
    /// `A2 00` ping.
    Ping,
    /// `A2 01` system reset.
    Reset,
    /// `A2 03` set the card's clock.
    TimeSync { time: CardTime },
    /// `A3 00` force the screen on (`01`) or off (`02`).
    Power { state: u8 },
    /// `A3 01` timed on/off: per group on-time and off-time as BCD `hh mm`.
    TimedPower { slots: Vec<PowerSlot> },
    /// `A3 04` lock or unlock a program.
    LockProgram { save_mode: u8, lock: u8, name: FileName },
    /// `A3 06` send/update dynamic text areas.
    DynamicAreas(TextAreas),
    /// `A3 08` cancel timed on/off.
    CancelTimedPower,
    /// `A3 10` clear the screen.
    Clear,
    /// Any other group/command, or one whose fields did not parse (`why` says why).
    Unknown {
        group: u8,
        cmd: u8,
        #[serde(with = "hex_vec")]
        params: Vec<u8>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        why: Option<String>,
    },
}

/// Power state byte of `A3 00` and the status report.
pub const POWER_ON: u8 = 0x01;
/// Power state byte of `A3 00` and the status report.
pub const POWER_OFF: u8 = 0x02;

/// One timed on/off group, times as `(hour, minute)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PowerSlot {
    pub on: (u8, u8),
    pub off: (u8, u8),
}

/// `A3 06` payload: areas to delete, then areas to (re)define.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TextAreas {
    /// Delete count `FF`: every area (no ids follow) [inferred from vendor notes].
    #[serde(default)]
    pub delete_all: bool,
    #[serde(default)]
    pub delete: Vec<u8>,
    pub areas: Vec<TextArea>,
}

/// One text area (docs/protocol.md C.4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TextArea {
    /// Type, `00`.
    #[serde(default)]
    pub area_type: u8,
    /// X and width: units of 8 pixels on 5K cards (bit 15 set = pixels), pixels on 6K.
    pub x: u16,
    pub y: u16,
    pub width: u16,
    pub height: u16,
    /// DynId, the area's id.
    pub id: u8,
    pub line_spacing: u8,
    /// RunMode 0-5 (see [`crate::run_mode_name`]).
    pub run_mode: u8,
    /// Seconds (counts for RunMode 5).
    pub timeout: u16,
    /// SoundMode 0 none, 1 speak the text, 2 speak `sound.data`.
    #[serde(default)]
    pub sound_mode: u8,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sound: Option<Sound>,
    /// Extension bytes after ExtCount (one TypeSetting byte when ExtCount is 1).
    #[serde(with = "hex_vec", default)]
    pub ext: Vec<u8>,
    /// bits 0-1 horizontal (00 left, 01 right, 10 centre), bits 2-3 vertical (00 top, 01 bottom, 10 centre).
    pub align: u8,
    /// 01 single line, 02 multi-line.
    pub single_line: u8,
    /// 01 manual line breaks, 02 auto wrap.
    pub new_line: u8,
    /// DispMode (see [`crate::font_display_mode_name`]).
    pub display_mode: u8,
    pub exit_mode: u8,
    /// 0 fastest … 18 slowest.
    pub speed: u8,
    /// Units of 0.5 s.
    pub stay_time: u8,
    /// The text, decoded from GBK; escapes such as `\C2` and `\FO000` kept as typed.
    #[serde(flatten)]
    pub text: AreaText,
}

/// Sound parameters of a text area.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sound {
    /// Bits 0-3 speaker voice, bits 4-7 repeat count.
    pub person_repeat: u8,
    pub volume: u8,
    pub speed: u8,
    /// SoundMode 2 only: GBK bytes to speak.
    #[serde(with = "hex_opt", default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Vec<u8>>,
}

/// Area text: decoded to UTF-8 when the GBK bytes round-trip exactly, else raw bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum AreaText {
    Text {
        text: String,
    },
    Raw {
        #[serde(with = "hex_vec")]
        text_hex: Vec<u8>,
    },
}

impl AreaText {
    /// Decode GBK bytes; bytes that would not come back identically stay raw.
    pub fn from_gbk(bytes: &[u8]) -> Self {
        let (text, _, had_errors) = encoding_rs::GBK.decode(bytes);
        if !had_errors && encode_gbk(&text).is_ok_and(|back| back == bytes) {
            return Self::Text {
                text: text.into_owned(),
            };
        }
        Self::Raw {
            text_hex: bytes.to_vec(),
        }
    }

    /// The bytes on the wire.
    pub fn to_gbk(&self) -> Result<Vec<u8>, EncodeError> {
        match self {
            Self::Text { text } => encode_gbk(text),
            Self::Raw { text_hex } => Ok(text_hex.clone()),
        }
    }

    /// The text as UTF-8 (lossy for raw bytes).
    pub fn to_text(&self) -> String {
        match self {
            Self::Text { text } => text.clone(),
            Self::Raw { text_hex } => encoding_rs::GBK.decode(text_hex).0.into_owned(),
        }
    }
}

/// Encode text as GBK, naming the first character GBK lacks.
pub fn encode_gbk(text: &str) -> Result<Vec<u8>, EncodeError> {
    let (bytes, _, had_errors) = encoding_rs::GBK.encode(text);
    if had_errors {
        let bad = text
            .chars()
            .find(|c| encoding_rs::GBK.encode(&c.to_string()).2)
            .unwrap_or(char::REPLACEMENT_CHARACTER);
        return Err(EncodeError::NotGbk {
            ch: bad,
            code: bad as u32,
        });
    }
    Ok(bytes.into_owned())
}

impl TextArea {
    /// A text area with the usual values: multi-line, auto wrap, left/top, static, loop.
    pub fn new(id: u8, x: u16, y: u16, width: u16, height: u16, text: &str) -> Self {
        Self {
            area_type: 0,
            x,
            y,
            width,
            height,
            id,
            line_spacing: 0,
            run_mode: 0,
            timeout: 0,
            sound_mode: 0,
            sound: None,
            ext: Vec::new(),
            align: 0,
            single_line: 0x02,
            new_line: 0x02,
            display_mode: 0x01,
            exit_mode: 0,
            speed: 0,
            stay_time: 10,
            text: AreaText::Text { text: text.to_owned() },
        }
    }

    fn write(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        out.push(self.area_type);
        for v in [self.x, self.y, self.width, self.height] {
            put_u16(out, v);
        }
        out.extend_from_slice(&[self.id, self.line_spacing, self.run_mode]);
        put_u16(out, self.timeout);
        out.push(self.sound_mode);
        match (self.sound_mode, &self.sound) {
            (0, None) => {}
            (1, Some(s @ Sound { data: None, .. })) => {
                out.extend_from_slice(&[s.person_repeat, s.volume, s.speed]);
            }
            (2, Some(s @ Sound { data: Some(d), .. })) => {
                out.extend_from_slice(&[s.person_repeat, s.volume, s.speed]);
                put_u32(out, len_u32("sound data", d.len())?);
                out.extend_from_slice(d);
            }
            (m, _) => {
                return Err(EncodeError::Invalid {
                    what: "text area sound",
                    detail: format!("sound_mode {m} needs: 0 no sound, 1 sound without data, 2 sound with data"),
                });
            }
        }
        out.push(len_u8("ext count", self.ext.len())?);
        out.extend_from_slice(&self.ext);
        out.extend_from_slice(&[
            self.align,
            self.single_line,
            self.new_line,
            self.display_mode,
            self.exit_mode,
            self.speed,
            self.stay_time,
        ]);
        let text = self.text.to_gbk()?;
        put_u32(out, len_u32("text", text.len())?);
        out.extend_from_slice(&text);
        Ok(())
    }

    fn parse(r: &mut Reader<'_>) -> Result<Self, PacketError> {
        let area_type = r.u8()?;
        let (x, y, width, height) = (r.u16()?, r.u16()?, r.u16()?, r.u16()?);
        let (id, line_spacing, run_mode) = (r.u8()?, r.u8()?, r.u8()?);
        let timeout = r.u16()?;
        let sound_mode = r.u8()?;
        let sound = match sound_mode {
            0 => None,
            1 | 2 => {
                let [person_repeat, volume, speed] = r.array()?;
                let data = if sound_mode == 2 {
                    let n = r.u32()? as usize;
                    Some(r.take(n)?.to_vec())
                } else {
                    None
                };
                Some(Sound {
                    person_repeat,
                    volume,
                    speed,
                    data,
                })
            }
            m => {
                return Err(PacketError::Invalid {
                    what: "text area",
                    detail: format!("unknown SoundMode {m:#04x}"),
                });
            }
        };
        let n_ext = r.u8()?;
        let ext = r.take(n_ext.into())?.to_vec();
        let [align, single_line, new_line, display_mode, exit_mode, speed, stay_time] = r.array()?;
        let n = r.u32()? as usize;
        let text = AreaText::from_gbk(r.take(n)?);
        Ok(Self {
            area_type,
            x,
            y,
            width,
            height,
            id,
            line_spacing,
            run_mode,
            timeout,
            sound_mode,
            sound,
            ext,
            align,
            single_line,
            new_line,
            display_mode,
            exit_mode,
            speed,
            stay_time,
            text,
        })
    }
}

/// Timed on/off windows as both protocols send them: a count, then per window the on and off
/// time as BCD `hh mm`.
pub(crate) fn read_slots(r: &mut Reader<'_>) -> Result<Vec<PowerSlot>, PacketError> {
    let n = r.u8()?;
    let mut slots = Vec::new();
    for _ in 0..n {
        let on = from_bcd_hm(r.take(2)?)?;
        let off = from_bcd_hm(r.take(2)?)?;
        slots.push(PowerSlot { on, off });
    }
    Ok(slots)
}

pub(crate) fn write_slots(slots: &[PowerSlot], out: &mut Vec<u8>) -> Result<(), EncodeError> {
    out.push(len_u8("power window count", slots.len())?);
    for s in slots {
        out.extend_from_slice(&bcd_hm(s.on.0, s.on.1));
        out.extend_from_slice(&bcd_hm(s.off.0, s.off.1));
    }
    Ok(())
}

pub(crate) fn bcd_hm(h: u8, m: u8) -> [u8; 2] {
    [((h / 10) << 4) | (h % 10), ((m / 10) << 4) | (m % 10)]
}

pub(crate) fn from_bcd_hm(b: &[u8]) -> Result<(u8, u8), PacketError> {
    let d = |v: u8| {
        let (hi, lo) = (v >> 4, v & 0xF);
        if hi < 10 && lo < 10 {
            Ok(hi * 10 + lo)
        } else {
            Err(PacketError::Invalid {
                what: "timed power",
                detail: format!("{v:#04x} is not BCD"),
            })
        }
    };
    Ok((d(b[0])?, d(b[1])?))
}

impl FontCommand {
    /// `(CmdGroup, Cmd)` on the wire.
    pub fn code(&self) -> (u8, u8) {
        match self {
            Self::FormatFs => (0xA1, 0x00),
            Self::DeleteFiles { .. } => (0xA1, 0x01),
            Self::StatusQuery => (0xA1, 0x02),
            Self::StartWriteFile { .. } => (0xA1, 0x05),
            Self::WriteFileBlock { .. } => (0xA1, 0x06),
            Self::Ping => (0xA2, 0x00),
            Self::Reset => (0xA2, 0x01),
            Self::TimeSync { .. } => (0xA2, 0x03),
            Self::Power { .. } => (0xA3, 0x00),
            Self::TimedPower { .. } => (0xA3, 0x01),
            Self::LockProgram { .. } => (0xA3, 0x04),
            Self::DynamicAreas(_) => (0xA3, 0x06),
            Self::CancelTimedPower => (0xA3, 0x08),
            Self::Clear => (0xA3, 0x10),
            Self::Unknown { group, cmd, .. } => (*group, *cmd),
        }
    }

    /// A short name for logs.
    pub fn name(&self) -> &'static str {
        match self {
            Self::FormatFs => "format-fs",
            Self::DeleteFiles { .. } => "delete-files",
            Self::StatusQuery => "status-query",
            Self::StartWriteFile { .. } => "start-write-file",
            Self::WriteFileBlock { .. } => "write-file-block",
            Self::Ping => "ping",
            Self::Reset => "reset",
            Self::TimeSync { .. } => "time-sync",
            Self::Power { .. } => "power",
            Self::TimedPower { .. } => "timed-power",
            Self::LockProgram { .. } => "lock-program",
            Self::DynamicAreas(_) => "dynamic-areas",
            Self::CancelTimedPower => "cancel-timed-power",
            Self::Clear => "clear",
            Self::Unknown { .. } => "unknown",
        }
    }

    fn write_params(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        match self {
            Self::FormatFs | Self::StatusQuery | Self::Ping | Self::Reset | Self::CancelTimedPower | Self::Clear => {}
            Self::DeleteFiles { names } => {
                put_u16(out, len_u16("file count", names.len())?);
                for n in names {
                    put_name(out, n)?;
                }
            }
            Self::StartWriteFile {
                overwrite,
                name,
                length,
            } => {
                out.push(*overwrite);
                put_name(out, name)?;
                put_u32(out, *length);
            }
            Self::WriteFileBlock {
                name,
                last,
                block,
                offset,
                data,
            } => {
                put_name(out, name)?;
                out.push(*last);
                put_u16(out, *block);
                put_u16(out, len_u16("file block", data.len())?);
                put_u32(out, *offset);
                out.extend_from_slice(data);
            }
            Self::TimeSync { time } => out.extend_from_slice(&time.to_bcd()),
            Self::Power { state } => out.push(*state),
            Self::TimedPower { slots } => write_slots(slots, out)?,
            Self::LockProgram { save_mode, lock, name } => {
                out.extend_from_slice(&[*save_mode, *lock]);
                put_name(out, name)?;
            }
            Self::DynamicAreas(t) => {
                if t.delete_all {
                    out.push(0xFF);
                } else {
                    out.push(len_u8("delete count", t.delete.len())?);
                    out.extend_from_slice(&t.delete);
                }
                out.push(len_u8("area count", t.areas.len())?);
                for a in &t.areas {
                    let mut area = Vec::new();
                    a.write(&mut area)?;
                    put_u16(out, len_u16("area length", area.len())?);
                    out.extend_from_slice(&area);
                }
            }
            Self::Unknown { params, .. } => out.extend_from_slice(params),
        }
        Ok(())
    }

    fn parse(group: u8, cmd: u8, params: &[u8]) -> Self {
        let parsed = crate::bytes::command(params, "font-card command", |r| {
            Ok(Some(match (group, cmd) {
                (0xA1, 0x00) => Self::FormatFs,
                (0xA1, 0x01) => {
                    let n = r.u16()?;
                    Self::DeleteFiles {
                        names: (0..n).map(|_| parse_name(r.take(4)?)).collect::<Result<_, _>>()?,
                    }
                }
                (0xA1, 0x02) => Self::StatusQuery,
                (0xA1, 0x05) => Self::StartWriteFile {
                    overwrite: r.u8()?,
                    name: parse_name(r.take(4)?)?,
                    length: r.u32()?,
                },
                (0xA1, 0x06) => {
                    let name = parse_name(r.take(4)?)?;
                    let last = r.u8()?;
                    let block = r.u16()?;
                    let len = r.u16()?;
                    let offset = r.u32()?;
                    Self::WriteFileBlock {
                        name,
                        last,
                        block,
                        offset,
                        data: r.take(len.into())?.to_vec(),
                    }
                }
                (0xA2, 0x00) => Self::Ping,
                (0xA2, 0x01) => Self::Reset,
                (0xA2, 0x03) => Self::TimeSync {
                    time: CardTime::from_bcd(&r.array()?)?,
                },
                (0xA3, 0x00) => Self::Power { state: r.u8()? },
                (0xA3, 0x01) => Self::TimedPower { slots: read_slots(r)? },
                (0xA3, 0x04) => Self::LockProgram {
                    save_mode: r.u8()?,
                    lock: r.u8()?,
                    name: parse_name(r.take(4)?)?,
                },
                (0xA3, 0x06) => {
                    let n_del = r.u8()?;
                    let (delete_all, delete) = if n_del == 0xFF {
                        (true, Vec::new())
                    } else {
                        (false, r.take(n_del.into())?.to_vec())
                    };
                    let n = r.u8()?;
                    let mut areas = Vec::new();
                    for i in 0..n {
                        let len = r.u16()?;
                        let mut ar = Reader::new(r.take(len.into())?, "text area");
                        let area = TextArea::parse(&mut ar)?;
                        ar.finish().map_err(|e| PacketError::Invalid {
                            what: "text area",
                            detail: format!("area {i}: {e}"),
                        })?;
                        areas.push(area);
                    }
                    Self::DynamicAreas(TextAreas {
                        delete_all,
                        delete,
                        areas,
                    })
                }
                (0xA3, 0x08) => Self::CancelTimedPower,
                (0xA3, 0x10) => Self::Clear,
                _ => return Ok(None),
            }))
        });
        match parsed {
            crate::bytes::Parsed::Known(c) => c,
            crate::bytes::Parsed::Unknown(why) => Self::Unknown {
                group,
                cmd,
                params: params.to_vec(),
                why,
            },
        }
    }
}

/// The card's answer to `A1 02` (docs/protocol.md C.3), carried in an ACK's data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusReport {
    /// `01` on, `02` off.
    pub power: u8,
    pub brightness: u8,
    pub time: CardTime,
    pub program_count: u8,
    /// Current program name, 4 bytes.
    #[serde(with = "hex_array")]
    pub program: [u8; 4],
    pub special_dynamic: u8,
    pub special_pages: u8,
    /// Ids of the dynamic areas defined.
    pub areas: Vec<u8>,
    #[serde(with = "hex_array")]
    pub barcode: [u8; 16],
    #[serde(with = "hex_array")]
    pub network_id: [u8; 12],
}

impl StatusReport {
    pub fn to_bytes(&self) -> Result<Vec<u8>, EncodeError> {
        let mut out = vec![self.power, self.brightness];
        out.extend_from_slice(&self.time.to_bcd());
        out.push(self.program_count);
        out.extend_from_slice(&self.program);
        out.extend_from_slice(&[
            self.special_dynamic,
            self.special_pages,
            len_u8("area count", self.areas.len())?,
        ]);
        out.extend_from_slice(&self.areas);
        out.extend_from_slice(&self.barcode);
        out.extend_from_slice(&self.network_id);
        Ok(out)
    }

    pub fn parse(b: &[u8]) -> Result<Self, PacketError> {
        let mut r = Reader::new(b, "status report");
        let power = r.u8()?;
        let brightness = r.u8()?;
        let time = CardTime::from_bcd(&r.array()?)?;
        let program_count = r.u8()?;
        let program = r.array()?;
        let special_dynamic = r.u8()?;
        let special_pages = r.u8()?;
        let n = r.u8()?;
        let areas = r.take(n.into())?.to_vec();
        let s = Self {
            power,
            brightness,
            time,
            program_count,
            program,
            special_dynamic,
            special_pages,
            areas,
            barcode: r.array()?,
            network_id: r.array()?,
        };
        r.finish()?;
        Ok(s)
    }
}

/// A card-to-host reply: `A0 | 00 ACK / 01 NACK | Error | Reserved(2) | data`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FontReply {
    pub group: u8,
    pub cmd: u8,
    pub error: ErrorCode,
    #[serde(with = "hex_array", default)]
    pub reserved: [u8; 2],
    #[serde(flatten)]
    pub data: ReplyData,
}

/// What follows a reply's fixed bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ReplyData {
    /// A status report (the answer to `A1 02`).
    Status { status: StatusReport },
    /// Anything else, raw (usually empty).
    Raw {
        #[serde(with = "hex_vec", default)]
        data: Vec<u8>,
    },
}

impl FontReply {
    pub fn ack() -> Self {
        Self {
            group: 0xA0,
            cmd: 0x00,
            error: ErrorCode::NONE,
            reserved: [0; 2],
            data: ReplyData::Raw { data: Vec::new() },
        }
    }
    pub fn nack(error: ErrorCode) -> Self {
        Self {
            cmd: 0x01,
            error,
            ..Self::ack()
        }
    }
    pub fn status(report: StatusReport) -> Self {
        Self {
            data: ReplyData::Status { status: report },
            ..Self::ack()
        }
    }
    pub fn is_nack(&self) -> bool {
        self.cmd == 0x01 || self.error != ErrorCode::NONE
    }
    pub fn is_ack(&self) -> bool {
        !self.is_nack()
    }
}

/// Request or reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FontBody {
    Request(FontRequest),
    Reply(FontReply),
}

/// A whole font-card packet (header and data field).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FontPacket {
    pub header: FontHeader,
    #[serde(flatten)]
    pub body: FontBody,
}

impl FontPacket {
    /// A request from the host.
    pub fn request(header: FontHeader, reply: bool, command: FontCommand) -> Self {
        Self {
            header,
            body: FontBody::Request(FontRequest {
                reply: if reply { REPLY } else { NO_REPLY },
                reserved: [0; 2],
                command,
            }),
        }
    }

    /// Unescaped header + data field (no CRC).
    pub fn to_bytes(&self) -> Result<Vec<u8>, EncodeError> {
        let mut data = Vec::new();
        match &self.body {
            FontBody::Request(req) => {
                let (g, c) = req.command.code();
                data.extend_from_slice(&[g, c, req.reply, req.reserved[0], req.reserved[1]]);
                req.command.write_params(&mut data)?;
            }
            FontBody::Reply(rep) => {
                let code = u8::try_from(rep.error.0).map_err(|_| EncodeError::TooLarge {
                    field: "error",
                    value: rep.error.0.into(),
                    bits: 8,
                    max: 255,
                })?;
                data.extend_from_slice(&[rep.group, rep.cmd, code, rep.reserved[0], rep.reserved[1]]);
                match &rep.data {
                    ReplyData::Status { status } => data.extend_from_slice(&status.to_bytes()?),
                    ReplyData::Raw { data: d } => data.extend_from_slice(d),
                }
            }
        }
        let mut out = Vec::with_capacity(HEADER_LEN + data.len());
        self.header.write(len_u16("data field", data.len())?, &mut out)?;
        out.extend_from_slice(&data);
        Ok(out)
    }

    pub(crate) fn parse(bytes: &[u8]) -> Result<Self, PacketError> {
        let (header, hlen) = FontHeader::parse(bytes)?;
        let data = &bytes[hlen..];
        if data.len() < 5 {
            return Err(PacketError::Short {
                what: "font-card data field",
                offset: hlen,
                needed: 5,
                available: data.len(),
            });
        }
        let body = if data[0] == 0xA0 {
            let rest = &data[5..];
            let parsed = if rest.is_empty() {
                None
            } else {
                StatusReport::parse(rest).ok()
            };
            FontBody::Reply(FontReply {
                group: data[0],
                cmd: data[1],
                error: ErrorCode(data[2].into()),
                reserved: [data[3], data[4]],
                data: match parsed {
                    Some(status) => ReplyData::Status { status },
                    None => ReplyData::Raw { data: rest.to_vec() },
                },
            })
        } else {
            FontBody::Request(FontRequest {
                reply: data[2],
                reserved: [data[3], data[4]],
                command: FontCommand::parse(data[0], data[1], &data[5..]),
            })
        };
        Ok(Self { header, body })
    }
}

/// The 46-byte screen-parameter file `C000` (docs/protocol.md C.5), as far as it is understood.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScreenParams {
    pub file_type: u8,
    pub name: FileName,
    pub controller_name: String,
    pub address: u16,
    /// Baud-rate code [inferred meaning].
    pub baud_code: u8,
    pub width: u16,
    pub height: u16,
    /// Colour code (`01` seen for a single-colour board).
    pub color: u8,
    /// Bytes 25..44, not yet understood, kept as found.
    #[serde(with = "hex_vec")]
    pub rest: Vec<u8>,
}

impl ScreenParams {
    /// Length of the file.
    pub const LEN: usize = 46;

    /// Parse the file; its trailing CRC-16/ARC must match.
    pub fn parse(b: &[u8]) -> Result<Self, PacketError> {
        if b.len() != Self::LEN {
            return Err(PacketError::Invalid {
                what: "screen parameter file",
                detail: format!("{} bytes, expected 46", b.len()),
            });
        }
        let crc = u16::from_le_bytes([b[44], b[45]]);
        let want = crate::crc16(&b[..44]);
        if crc != want {
            return Err(PacketError::Invalid {
                what: "screen parameter file",
                detail: format!("file CRC mismatch: expected {want:#06x}, got {crc:#06x}"),
            });
        }
        let mut r = Reader::new(&b[..44], "screen parameter file");
        let file_type = r.u8()?;
        let name = parse_name(r.take(4)?)?;
        let _len = r.u32()?;
        let controller_name = String::from_utf8_lossy(r.take(8)?).into_owned();
        Ok(Self {
            file_type,
            name,
            controller_name,
            address: r.u16()?,
            baud_code: r.u8()?,
            width: r.u16()?,
            height: r.u16()?,
            color: r.u8()?,
            rest: r.rest().to_vec(),
        })
    }

    /// The 46 file bytes with their CRC.
    pub fn to_bytes(&self) -> Result<Vec<u8>, EncodeError> {
        let mut out = vec![self.file_type];
        put_name(&mut out, &self.name)?;
        put_u32(&mut out, Self::LEN as u32);
        let mut cname = self.controller_name.as_bytes().to_vec();
        cname.resize(8, 0);
        out.extend_from_slice(&cname);
        put_u16(&mut out, self.address);
        out.push(self.baud_code);
        put_u16(&mut out, self.width);
        put_u16(&mut out, self.height);
        out.push(self.color);
        if self.rest.len() != 19 {
            return Err(EncodeError::Invalid {
                what: "screen parameter file",
                detail: format!("rest must be 19 bytes, got {}", self.rest.len()),
            });
        }
        out.extend_from_slice(&self.rest);
        let crc = crate::crc16(&out);
        put_u16(&mut out, crc);
        Ok(out)
    }
}
