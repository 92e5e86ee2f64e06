//! The graphic dynamic-area protocol, header version `0xF0` (BX-5E/5Q/6E/6Q; docs/protocol.md Part B).
//!
//! ```text
//! header (16 bytes, little-endian)
//! +-------+-------+-----+-----+----------+----------+---------+
//! | dst 2 | src 2 | F0  | r 1 | device 2 | reserved4| datalen4|
//! +-------+-------+-----+-----+----------+----------+---------+
//! request data:  RtnReq(1) | CmdGroup(1) | Cmd(1) | DataLen(2) | data
//! reply data:    Reserved(1) | CmdGroup(1) | Cmd(1) | Status(2) | Error(2) | DataLen(2) | Data
//! ```
//!
//! The two bytes after `Cmd` count the data that follows, little-endian (the manuals call them
//! "reserved"; the vendor's 6th-generation SDK fills them with the length, docs/protocol.md G.4).
//! A frame whose length bytes say something else (the newer BX-6Q reference writes `00 00`)
//! keeps what they said in [`GraphicRequest::declared_len`], so it encodes back byte for byte.
//!
//! The host renders every pixel; the card shows page bitmaps in dynamic areas (`A7 00`).

use serde::{Deserialize, Serialize};

use crate::bytes::{Reader, hex_array, hex_vec, len_u8, len_u16, len_u32, put_u16, put_u32};
use crate::codes::ErrorCode;
use crate::error::{EncodeError, PacketError};

/// Header version byte of this protocol.
pub const VERSION: u8 = 0xF0;
/// Header length.
pub const HEADER_LEN: usize = 16;
/// Source address of a PC.
pub const HOST_ADDRESS: u16 = 0x8000;
/// Wildcard destination and device type of the manual's ping.
pub const WILDCARD: u16 = 0xFFFE;
/// The other wildcard address (the BX-6Q reference's default).
pub const BROADCAST: u16 = 0xFFFF;

/// Whether `address` is one of the two wildcards.
pub fn is_wildcard(address: u16) -> bool {
    address == WILDCARD || address == BROADCAST
}

/// The 16-byte header (the version byte and the data length are implied).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GraphicHeader {
    /// Screen address (屏号); `0xFFFF`/`0xFFFE` are wildcards.
    pub dst: u16,
    /// Sender address; `0x8000` for a PC.
    pub src: u16,
    /// Byte 5, `00` in the manual.
    #[serde(default)]
    pub reserved: u8,
    /// Card model code (see [`crate::graphic_device_name`]).
    pub device_type: u16,
    /// Bytes 8..12, zero in the manual, kept as found.
    #[serde(with = "hex_array", default)]
    pub reserved2: [u8; 4],
}

impl GraphicHeader {
    /// A host-to-card header.
    pub fn to_card(dst: u16, device_type: u16) -> Self {
        Self {
            dst,
            src: HOST_ADDRESS,
            reserved: 0,
            device_type,
            reserved2: [0; 4],
        }
    }

    /// The header of the card's reply to a request carrying `self` (addresses swapped; a
    /// wildcard destination is answered from `own_address`).
    ///
    /// A card swaps the request's addresses: the reply goes to the request's source and comes
    /// from the request's destination, the wildcard `FE FF` echoed as it came (docs/protocol.md
    /// G.1). The card's own address is in its ping data, never in a reply header.
    pub fn reply_from(&self, own_device: u16) -> Self {
        Self {
            dst: self.src,
            src: self.dst,
            reserved: 0,
            device_type: own_device,
            reserved2: [0; 4],
        }
    }

    /// Whether a reply carrying `self` answers a request that carried `request`: the addresses
    /// swapped (G.1). A reply from the card's own address to a wildcard request is taken too,
    /// as older firmware may answer so.
    pub fn answers(&self, request: &Self) -> bool {
        self.dst == request.src && (self.src == request.dst || is_wildcard(request.dst))
    }

    pub(crate) fn parse(b: &[u8]) -> Self {
        Self {
            dst: u16::from_le_bytes([b[0], b[1]]),
            src: u16::from_le_bytes([b[2], b[3]]),
            reserved: b[5],
            device_type: u16::from_le_bytes([b[6], b[7]]),
            reserved2: [b[8], b[9], b[10], b[11]],
        }
    }

    pub(crate) fn write(&self, data_len: u32, out: &mut Vec<u8>) {
        put_u16(out, self.dst);
        put_u16(out, self.src);
        out.push(VERSION);
        out.push(self.reserved);
        put_u16(out, self.device_type);
        out.extend_from_slice(&self.reserved2);
        put_u32(out, data_len);
    }
}

/// A host-to-card request: `RtnReq | CmdGroup | Cmd | DataLen(2) | data`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GraphicRequest {
    /// RtnReq: `01` asks the card to reply (ping needs it), `00` asks for no reply.
    pub reply: u8,
    /// What the two length bytes said, when it was not the data's length (`None`: they hold the
    /// length, as the vendor's SDK writes it and as Pinghu does). An `Unknown` command keeps the
    /// two bytes in its `params`, so this stays `None` for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub declared_len: Option<u16>,
    #[serde(flatten)]
    pub command: GraphicCommand,
}

/// Which `A7 00` layout: the 5th generation (BX-5E/5Q) puts page pixels inline, the 6th
/// (BX-6E/6Q) adds an area count and a separate pixel block with offsets (docs/protocol.md B.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Generation {
    Gen5,
    Gen6,
}

/// Commands of the graphic protocol. Unknown or unparseable ones keep their bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "kebab-case")]
#[non_exhaustive]
pub enum GraphicCommand {
    /// `A2 00` ping: no data.
    Ping,
    /// `A2 07` set brightness: `Mode(1) | 48 bytes` (the length is 0x31).
    SetBrightness(Brightness),
    /// `A2 19` brightness query (data kept as sent); the card answers `A2 99`.
    QueryBrightness {
        #[serde(with = "hex_vec", default)]
        params: Vec<u8>,
    },
    /// `A7 00` update dynamic areas with pages of bitmaps.
    UpdateAreas(AreaUpdate),
    /// `A7 01` delete dynamic areas: `Count(1) | Ids` (`FF` = all, no ids).
    DeleteAreas {
        /// `true` sends count `FF` (delete every area).
        all: bool,
        #[serde(default)]
        ids: Vec<u8>,
    },
    /// Any other group/command, or one whose fields did not parse (`why` says why). `params`
    /// is everything after `Cmd`, the two length bytes included.
    Unknown {
        group: u8,
        cmd: u8,
        #[serde(with = "hex_vec")]
        params: Vec<u8>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        why: Option<String>,
    },
}

/// `A2 07` brightness payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "kebab-case")]
pub enum Brightness {
    /// Mode `00`: one level for the whole day (the 48 slots all hold it).
    Manual { levels: Vec<u8> },
    /// Mode `01`: 48 half-hour slots from 00:00, each `0..=15`.
    Timed { levels: Vec<u8> },
    /// Modes `02`/`03`: light sensor, 16 lux thresholds and 16 levels.
    Sensor {
        code: u8,
        thresholds: Vec<u16>,
        levels: Vec<u8>,
    },
}

impl Brightness {
    /// One level all day.
    pub fn manual(level: u8) -> Self {
        Self::Manual {
            levels: vec![level.min(15); 48],
        }
    }
    /// The level in force at half-hour slot `slot` (0 = 00:00-00:30), for manual and timed.
    pub fn level_at(&self, slot: usize) -> Option<u8> {
        match self {
            Self::Manual { levels } | Self::Timed { levels } => levels.get(slot).copied(),
            Self::Sensor { .. } => None,
        }
    }
    /// `Mode(1) | 48 bytes`, without the length in front.
    pub(crate) fn parse_data(r: &mut Reader<'_>) -> Result<Self, PacketError> {
        let mode = r.u8()?;
        let body = r.take(48)?;
        Ok(match mode {
            0 => Self::Manual { levels: body.to_vec() },
            1 => Self::Timed { levels: body.to_vec() },
            2 | 3 => Self::Sensor {
                code: mode,
                thresholds: body[..32].chunks(2).map(|c| u16::from_le_bytes([c[0], c[1]])).collect(),
                levels: body[32..].to_vec(),
            },
            m => {
                return Err(PacketError::Invalid {
                    what: "brightness",
                    detail: format!("unknown mode {m:#04x}"),
                });
            }
        })
    }
    /// `Mode(1) | 48 bytes`.
    pub(crate) fn write_data(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        let check = |name: &'static str, n: usize, want: usize| {
            if n == want {
                Ok(())
            } else {
                Err(EncodeError::Invalid {
                    what: "brightness",
                    detail: format!("{name} needs {want} values, got {n}"),
                })
            }
        };
        match self {
            Self::Manual { levels } | Self::Timed { levels } => {
                check("levels", levels.len(), 48)?;
                out.push(u8::from(matches!(self, Self::Timed { .. })));
                out.extend_from_slice(levels);
            }
            Self::Sensor {
                code,
                thresholds,
                levels,
            } => {
                check("thresholds", thresholds.len(), 16)?;
                check("levels", levels.len(), 16)?;
                out.push(*code);
                for t in thresholds {
                    put_u16(out, *t);
                }
                out.extend_from_slice(levels);
            }
        }
        Ok(())
    }
}

/// `A7 00` update dynamic areas.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AreaUpdate {
    pub generation: Generation,
    /// 5th gen carries exactly one area.
    pub areas: Vec<DynamicArea>,
}

/// One dynamic area with its pages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DynamicArea {
    /// Area id (5E-class cards take 4 areas, 6th gen 32).
    pub id: u8,
    /// RunMode 0-4 (see [`crate::run_mode_name`]).
    pub run_mode: u8,
    /// Seconds before RunMode 2/3 act.
    pub timeout_s: u16,
    /// RelateAllPro: 1 = show with every program.
    pub relate_all_programs: u8,
    /// Program serials this area belongs to (RelateProSerial).
    #[serde(default)]
    pub related_programs: Vec<u16>,
    /// ImmePlay: 0 with programs, 1 only this area, 2 after the last program.
    pub immediate_play: u8,
    #[serde(with = "hex_array", default)]
    pub reserved: [u8; 4],
    /// AreaType, `0x10` for a picture area.
    pub area_type: u8,
    /// Position and size in pixels.
    pub x: u16,
    pub y: u16,
    pub width: u16,
    pub height: u16,
    /// AreaFFlag; when non-zero, `border` holds the 6 + N border bytes.
    pub border_flag: u8,
    #[serde(with = "hex_vec", default)]
    pub border: Vec<u8>,
    /// 6th-gen-only fields; `None` on 5th gen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gen6: Option<Gen6AreaFields>,
    pub pages: Vec<Page>,
}

/// The fields the 6th-gen layout adds to an area.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Gen6AreaFields {
    pub background: u8,
    pub transparency: u8,
    pub area_equal: u8,
    pub sound_flag: u8,
    /// Sound parameters after SoundFlag (as in C.4: person/repeat, volume, speed, [len, data]).
    #[serde(with = "hex_vec", default)]
    pub sound: Vec<u8>,
    #[serde(with = "hex_array", default)]
    pub reserved: [u8; 5],
}

/// One page of an area: display parameters and its packed bitmap.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page {
    /// PageStyle, `0`.
    #[serde(default)]
    pub style: u8,
    /// DisplayMode (see [`crate::graphic_display_mode_name`]); `01` static.
    pub display_mode: u8,
    pub clear_mode: u8,
    /// 0 fastest.
    pub speed: u8,
    /// StayTime in units of 10 ms.
    pub stay_time: u16,
    pub repeat: u8,
    /// ValidLen (the SDK writes the width).
    pub valid_len: u16,
    /// Reserved bytes (4 on 5th gen, 9 on 6th), kept as found.
    #[serde(with = "hex_vec", default)]
    pub reserved: Vec<u8>,
    /// The packed page bitmap (see [`crate::bitmap`]).
    #[serde(with = "hex_vec")]
    pub data: Vec<u8>,
}

impl Page {
    /// A page with the usual values: style 0, repeat 1, valid length = width.
    pub fn new(display_mode: u8, speed: u8, stay_time: u16, width: u16, generation: Generation, data: Vec<u8>) -> Self {
        let reserved = match generation {
            Generation::Gen5 => vec![0; 4],
            Generation::Gen6 => vec![0; 9],
        };
        Self {
            style: 0,
            display_mode,
            clear_mode: 0,
            speed,
            stay_time,
            repeat: 1,
            valid_len: width,
            reserved,
            data,
        }
    }
}

impl DynamicArea {
    /// An area with the usual values: picture type, shown alone, no border, no sound.
    pub fn new(id: u8, x: u16, y: u16, width: u16, height: u16, generation: Generation, pages: Vec<Page>) -> Self {
        Self {
            id,
            run_mode: 0,
            timeout_s: 0,
            relate_all_programs: 1,
            related_programs: Vec::new(),
            immediate_play: 1,
            reserved: [0; 4],
            area_type: 0x10,
            x,
            y,
            width,
            height,
            border_flag: 0,
            border: Vec::new(),
            gen6: (generation == Generation::Gen6).then(Gen6AreaFields::default),
            pages,
        }
    }

    /// Parameters from AreaId to AreaFFlag's border bytes (shared by both generations).
    fn write_head(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        out.push(self.id);
        out.push(self.run_mode);
        put_u16(out, self.timeout_s);
        out.push(self.relate_all_programs);
        put_u16(out, len_u16("related_programs", self.related_programs.len())?);
        for p in &self.related_programs {
            put_u16(out, *p);
        }
        out.push(self.immediate_play);
        out.extend_from_slice(&self.reserved);
        out.push(self.area_type);
        put_u16(out, self.x);
        put_u16(out, self.y);
        put_u16(out, self.width);
        put_u16(out, self.height);
        out.push(self.border_flag);
        if (self.border_flag == 0) != self.border.is_empty() {
            return Err(EncodeError::Invalid {
                what: "area border",
                detail: "border bytes must be present exactly when border_flag is non-zero".into(),
            });
        }
        out.extend_from_slice(&self.border);
        Ok(())
    }

    fn parse_head(r: &mut Reader<'_>) -> Result<Self, PacketError> {
        let id = r.u8()?;
        let run_mode = r.u8()?;
        let timeout_s = r.u16()?;
        let relate_all_programs = r.u8()?;
        let n = r.u16()?;
        let related_programs = (0..n).map(|_| r.u16()).collect::<Result<_, _>>()?;
        Ok(Self {
            id,
            run_mode,
            timeout_s,
            relate_all_programs,
            related_programs,
            immediate_play: r.u8()?,
            reserved: r.array()?,
            area_type: r.u8()?,
            x: r.u16()?,
            y: r.u16()?,
            width: r.u16()?,
            height: r.u16()?,
            border_flag: r.u8()?,
            border: Vec::new(),
            gen6: None,
            pages: Vec::new(),
        })
    }
}

fn check_reserved(len: usize, generation: Generation) -> Result<(), EncodeError> {
    let want = match generation {
        Generation::Gen5 => 4,
        Generation::Gen6 => 9,
    };
    if len == want {
        Ok(())
    } else {
        Err(EncodeError::Invalid {
            what: "page",
            detail: format!("reserved must be {want} bytes on {generation:?}, got {len}"),
        })
    }
}

fn sound_len(flag: u8, bytes: &[u8]) -> usize {
    match flag {
        1 => 3,
        2 if bytes.len() >= 7 => 7 + u32::from_le_bytes([bytes[3], bytes[4], bytes[5], bytes[6]]) as usize,
        _ => 0,
    }
}

impl AreaUpdate {
    fn write(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        match self.generation {
            Generation::Gen5 => {
                let [area] = self.areas.as_slice() else {
                    return Err(EncodeError::Invalid {
                        what: "5th-gen area update",
                        detail: format!("carries exactly one area, got {}", self.areas.len()),
                    });
                };
                let mut body = Vec::new();
                area.write_head(&mut body)?;
                if area.gen6.is_some() {
                    return Err(EncodeError::Invalid {
                        what: "5th-gen area",
                        detail: "has 6th-gen fields (gen6)".into(),
                    });
                }
                put_u16(&mut body, len_u16("page count", area.pages.len())?);
                for p in &area.pages {
                    check_reserved(p.reserved.len(), Generation::Gen5)?;
                    put_u32(&mut body, len_u32("page data", 13 + p.data.len())?);
                    write_page_fields(p, &mut body);
                    body.extend_from_slice(&p.data);
                }
                put_u32(out, len_u32("area data", body.len())?);
                out.extend_from_slice(&body);
            }
            Generation::Gen6 => {
                put_u16(out, len_u16("area count", self.areas.len())?);
                for area in &self.areas {
                    let Some(g6) = &area.gen6 else {
                        return Err(EncodeError::Invalid {
                            what: "6th-gen area",
                            detail: "gen6 fields are missing".into(),
                        });
                    };
                    let mut params = Vec::new();
                    area.write_head(&mut params)?;
                    params.extend_from_slice(&[g6.background, g6.transparency, g6.area_equal, g6.sound_flag]);
                    params.extend_from_slice(&g6.sound);
                    params.extend_from_slice(&g6.reserved);
                    put_u16(&mut params, len_u16("page count", area.pages.len())?);
                    let mut offset = 0usize;
                    for p in &area.pages {
                        check_reserved(p.reserved.len(), Generation::Gen6)?;
                        put_u32(&mut params, 26);
                        write_page_fields(p, &mut params);
                        put_u32(&mut params, len_u32("page offset", offset)?);
                        put_u32(&mut params, len_u32("page data", p.data.len())?);
                        offset += p.data.len();
                    }
                    put_u32(out, len_u32("area data", params.len())?);
                    out.extend_from_slice(&params);
                    for p in &area.pages {
                        out.extend_from_slice(&p.data);
                    }
                }
            }
        }
        Ok(())
    }

    fn parse(r: &mut Reader<'_>, generation: Generation) -> Result<Self, PacketError> {
        let invalid = |detail: String| PacketError::Invalid {
            what: "area update",
            detail,
        };
        match generation {
            Generation::Gen5 => {
                let area_len = r.u32()? as usize;
                let start = r.pos();
                let mut area = DynamicArea::parse_head(r)?;
                if area.border_flag != 0 {
                    return Err(invalid(
                        "5th-gen area borders are not decoded (border length unknown)".into(),
                    ));
                }
                let n = r.u16()?;
                for _ in 0..n {
                    let len = r.u32()? as usize;
                    if len < 13 {
                        return Err(invalid(format!(
                            "PageDataLen {len} is shorter than the 13 parameter bytes"
                        )));
                    }
                    let mut p = read_page_fields(r, 4)?;
                    p.data = r.take(len - 13)?.to_vec();
                    area.pages.push(p);
                }
                if r.pos() - start != area_len {
                    return Err(invalid(format!(
                        "AreaDataLen says {area_len}, the area has {}",
                        r.pos() - start
                    )));
                }
                r.finish()?;
                Ok(Self {
                    generation,
                    areas: vec![area],
                })
            }
            Generation::Gen6 => {
                let count = r.u16()?;
                let mut areas = Vec::new();
                for _ in 0..count {
                    let area_len = r.u32()? as usize;
                    let start = r.pos();
                    let mut area = DynamicArea::parse_head(r)?;
                    let n_rel = area.related_programs.len();
                    // Fixed bytes of the parameter block: 33 + 2·RelateProNum + 30·PageNum.
                    // Border and sound fill what AreaDataLen leaves over.
                    let mut g6 = Gen6AreaFields::default();
                    if area.border_flag != 0 {
                        // The border's UnitData length is not self-describing; keep such
                        // frames as raw bytes rather than guess.
                        return Err(invalid(
                            "6th-gen area borders are not decoded (border length unknown)".into(),
                        ));
                    }
                    g6.background = r.u8()?;
                    g6.transparency = r.u8()?;
                    g6.area_equal = r.u8()?;
                    g6.sound_flag = r.u8()?;
                    // Sound fields follow C.4: 3 bytes for flag 1, 7 + length for flag 2.
                    let snd = match g6.sound_flag {
                        0 => 0,
                        1 => 3,
                        2 => {
                            let hdr = r.take(7)?;
                            g6.sound.extend_from_slice(hdr);
                            sound_len(2, hdr) - 7
                        }
                        f => return Err(invalid(format!("unknown SoundFlag {f:#04x}"))),
                    };
                    g6.sound.extend_from_slice(r.take(snd)?);
                    g6.reserved = r.array()?;
                    let n = r.u16()?;
                    let mut lens = Vec::new();
                    for _ in 0..n {
                        let pdl = r.u32()?;
                        if pdl != 26 {
                            return Err(invalid(format!("6th-gen PageDataLen is {pdl}, expected 26")));
                        }
                        let p = read_page_fields(r, 9)?;
                        let off = r.u32()? as usize;
                        let len = r.u32()? as usize;
                        lens.push((off, len));
                        area.pages.push(p);
                    }
                    let used = r.pos() - start;
                    if used != area_len {
                        return Err(invalid(format!(
                            "AreaDataLen says {area_len}, the parameters take {used}"
                        )));
                    }
                    debug_assert_eq!(used, 33 + 2 * n_rel + g6.sound.len() + 30 * usize::from(n));
                    let total: usize = lens.iter().map(|(_, l)| l).sum();
                    let block = r.take(total)?;
                    let mut expect = 0;
                    for (p, (off, len)) in area.pages.iter_mut().zip(&lens) {
                        if *off != expect {
                            return Err(invalid(format!(
                                "page DataOffset {off}, expected {expect} (pages not contiguous)"
                            )));
                        }
                        p.data = block[*off..*off + *len].to_vec();
                        expect += len;
                    }
                    area.gen6 = Some(g6);
                    areas.push(area);
                }
                r.finish()?;
                Ok(Self { generation, areas })
            }
        }
    }
}

fn write_page_fields(p: &Page, out: &mut Vec<u8>) {
    out.extend_from_slice(&[p.style, p.display_mode, p.clear_mode, p.speed]);
    put_u16(out, p.stay_time);
    out.push(p.repeat);
    put_u16(out, p.valid_len);
    out.extend_from_slice(&p.reserved);
}

/// A page's fields up to its reserved bytes (`reserved` of them), without its data.
pub(crate) fn read_page_fields(r: &mut Reader<'_>, reserved: usize) -> Result<Page, PacketError> {
    Ok(Page {
        style: r.u8()?,
        display_mode: r.u8()?,
        clear_mode: r.u8()?,
        speed: r.u8()?,
        stay_time: r.u16()?,
        repeat: r.u8()?,
        valid_len: r.u16()?,
        reserved: r.take(reserved)?.to_vec(),
        data: Vec::new(),
    })
}

impl GraphicCommand {
    /// `(CmdGroup, Cmd)` on the wire.
    pub fn code(&self) -> (u8, u8) {
        match self {
            Self::Ping => (0xA2, 0x00),
            Self::SetBrightness(_) => (0xA2, 0x07),
            Self::QueryBrightness { .. } => (0xA2, 0x19),
            Self::UpdateAreas(_) => (0xA7, 0x00),
            Self::DeleteAreas { .. } => (0xA7, 0x01),
            Self::Unknown { group, cmd, .. } => (*group, *cmd),
        }
    }

    /// A short name for logs.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Ping => "ping",
            Self::SetBrightness(_) => "set-brightness",
            Self::QueryBrightness { .. } => "query-brightness",
            Self::UpdateAreas(_) => "update-areas",
            Self::DeleteAreas { .. } => "delete-areas",
            Self::Unknown { .. } => "unknown",
        }
    }

    /// The data after the two length bytes (for `Unknown`: everything after `Cmd`).
    fn write_params(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        match self {
            Self::Ping => {}
            Self::SetBrightness(b) => b.write_data(out)?,
            Self::QueryBrightness { params } | Self::Unknown { params, .. } => {
                out.extend_from_slice(params);
            }
            Self::UpdateAreas(u) => u.write(out)?,
            Self::DeleteAreas { all, ids } => {
                if *all {
                    out.push(0xFF);
                } else {
                    let n = len_u8("delete count", ids.len())?;
                    if n == 0xFF {
                        return Err(EncodeError::Invalid {
                            what: "delete areas",
                            detail: "255 ids collides with the FF = all code".into(),
                        });
                    }
                    out.push(n);
                    out.extend_from_slice(ids);
                }
            }
        }
        Ok(())
    }

    /// Whether the codec knows `(group, cmd)` (and so reads the length bytes in front of its data).
    fn known(group: u8, cmd: u8) -> bool {
        matches!((group, cmd), (0xA2, 0x00 | 0x07 | 0x19) | (0xA7, 0x00 | 0x01))
    }

    /// Parse `params` (everything after `Cmd`) for `(group, cmd)`: the two length bytes, then the
    /// data. Anything that does not fit becomes `Unknown` with the reason. Returns what the length
    /// bytes said when that was not the data's length.
    fn parse(group: u8, cmd: u8, params: &[u8], device_type: u16) -> (Self, Option<u16>) {
        let unknown = |why: Option<String>| Self::Unknown {
            group,
            cmd,
            params: params.to_vec(),
            why,
        };
        if !Self::known(group, cmd) {
            return (unknown(None), None);
        }
        let Some((len, data)) = params.split_first_chunk::<2>() else {
            return (
                unknown(Some(format!(
                    "{} bytes after the command code; the two length bytes are missing",
                    params.len()
                ))),
                None,
            );
        };
        let declared = u16::from_le_bytes(*len);
        let declared = (declared != data.len() as u16).then_some(declared);
        let parsed = crate::bytes::command(data, "graphic command", |r| {
            Ok(Some(match (group, cmd) {
                (0xA2, 0x00) => Self::Ping,
                (0xA2, 0x07) => Self::SetBrightness(Brightness::parse_data(r)?),
                (0xA2, 0x19) => Self::QueryBrightness {
                    params: r.rest().to_vec(),
                },
                (0xA7, 0x00) => {
                    // The layout is told by the card generation; for wildcard device types try
                    // the one that fits the bytes.
                    let order = match generation_of(device_type) {
                        Some(Generation::Gen5) => [Generation::Gen5, Generation::Gen6],
                        _ => [Generation::Gen6, Generation::Gen5],
                    };
                    let first = AreaUpdate::parse(&mut Reader::new(data, "area update"), order[0]);
                    let update = first.or_else(|e| {
                        AreaUpdate::parse(&mut Reader::new(data, "area update"), order[1]).map_err(|_| e)
                    })?;
                    r.rest(); // parsed on its own reader, above
                    Self::UpdateAreas(update)
                }
                (0xA7, 0x01) => {
                    let n = r.u8()?;
                    if n == 0xFF {
                        Self::DeleteAreas {
                            all: true,
                            ids: Vec::new(),
                        }
                    } else {
                        Self::DeleteAreas {
                            all: false,
                            ids: r.take(n.into())?.to_vec(),
                        }
                    }
                }
                _ => return Ok(None),
            }))
        });
        match parsed {
            crate::bytes::Parsed::Known(c) => (c, declared),
            crate::bytes::Parsed::Unknown(why) => (unknown(why), None),
        }
    }
}

/// The generation a device-type code belongs to, when it tells.
pub fn generation_of(device_type: u16) -> Option<Generation> {
    match device_type & 0xFF {
        0x54 | 0x56 => Some(Generation::Gen5),
        0x66 | 0x74 => Some(Generation::Gen6),
        _ => None,
    }
}

/// A card-to-host reply: `Reserved | CmdGroup | Cmd | Status(2) | Error(2) | DataLen(2) | Data`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GraphicReply {
    #[serde(default)]
    pub reserved: u8,
    /// `A0` for ACK/NACK; `A2` for the brightness report.
    pub group: u8,
    /// `00` ACK, `01` NACK, `99` brightness report.
    pub cmd: u8,
    /// Status register; bit 0 set on a NACK.
    pub status: u16,
    pub error: ErrorCode,
    #[serde(with = "hex_vec", default)]
    pub data: Vec<u8>,
}

impl GraphicReply {
    pub fn ack() -> Self {
        Self {
            reserved: 0,
            group: 0xA0,
            cmd: 0x00,
            status: 0,
            error: ErrorCode::NONE,
            data: Vec::new(),
        }
    }
    pub fn nack(error: ErrorCode) -> Self {
        Self {
            reserved: 0,
            group: 0xA0,
            cmd: 0x01,
            status: 1,
            error,
            data: Vec::new(),
        }
    }
    /// The `A2 99` answer to a brightness query.
    pub fn brightness_report(value: u32, mode: u8, brightness: u8) -> Self {
        let mut data = value.to_le_bytes().to_vec();
        data.extend_from_slice(&[mode, brightness, 0]);
        Self {
            reserved: 0,
            group: 0xA2,
            cmd: 0x99,
            status: 0,
            error: ErrorCode::NONE,
            data,
        }
    }
    /// The card accepted the request.
    pub fn is_ack(&self) -> bool {
        !self.is_nack()
    }
    /// The card refused the request (`A0 01` or status bit 0).
    pub fn is_nack(&self) -> bool {
        (self.group == 0xA0 && self.cmd == 0x01) || self.status & 1 == 1
    }
    /// `(value, mode, brightness)` of an `A2 99` brightness report.
    pub fn brightness(&self) -> Option<(u32, u8, u8)> {
        (self.group == 0xA2 && self.cmd == 0x99 && self.data.len() >= 6).then(|| {
            (
                u32::from_le_bytes([self.data[0], self.data[1], self.data[2], self.data[3]]),
                self.data[4],
                self.data[5],
            )
        })
    }
    pub(crate) fn write(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        out.extend_from_slice(&[self.reserved, self.group, self.cmd]);
        put_u16(out, self.status);
        put_u16(out, self.error.0);
        put_u16(out, len_u16("reply data", self.data.len())?);
        out.extend_from_slice(&self.data);
        Ok(())
    }
    pub(crate) fn parse(data: &[u8]) -> Result<Self, PacketError> {
        let mut r = Reader::new(data, "graphic reply");
        let reserved = r.u8()?;
        let group = r.u8()?;
        let cmd = r.u8()?;
        let status = r.u16()?;
        let error = ErrorCode(r.u16()?);
        let n = r.u16()?;
        let data = r.take(n.into())?.to_vec();
        r.finish()?;
        Ok(Self {
            reserved,
            group,
            cmd,
            status,
            error,
            data,
        })
    }
}

/// Request or reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GraphicBody {
    Request(GraphicRequest),
    Reply(GraphicReply),
}

/// A whole graphic-protocol packet (header and data field).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GraphicPacket {
    pub header: GraphicHeader,
    #[serde(flatten)]
    pub body: GraphicBody,
    /// How many `5A` tail bytes the frame ends with (the vendor's 6th-generation SDK sends two).
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub tails: u8,
}

pub(crate) fn one() -> u8 {
    1
}

#[allow(clippy::trivially_copy_pass_by_ref)]
pub(crate) fn is_one(v: &u8) -> bool {
    *v == 1
}

impl GraphicPacket {
    /// A request from the host.
    pub fn request(header: GraphicHeader, reply: bool, command: GraphicCommand) -> Self {
        Self {
            header,
            body: GraphicBody::Request(GraphicRequest {
                reply: u8::from(reply),
                declared_len: None,
                command,
            }),
            tails: 1,
        }
    }

    /// The same packet ending with `tails` `5A` bytes.
    pub fn with_tails(mut self, tails: u8) -> Self {
        self.tails = tails.max(1);
        self
    }

    /// Unescaped header + data field (no CRC).
    pub fn to_bytes(&self) -> Result<Vec<u8>, EncodeError> {
        let mut data = Vec::new();
        match &self.body {
            GraphicBody::Request(req) => {
                let (g, c) = req.command.code();
                data.extend_from_slice(&[req.reply, g, c]);
                let mut params = Vec::new();
                req.command.write_params(&mut params)?;
                if !matches!(req.command, GraphicCommand::Unknown { .. }) {
                    // The data's length; above 65,535 bytes its low 16 bits, as a 2-byte field
                    // holds it (the card frames by the header's 4-byte DataLen).
                    let len = req.declared_len.unwrap_or(params.len() as u16);
                    put_u16(&mut data, len);
                }
                data.extend_from_slice(&params);
            }
            GraphicBody::Reply(rep) => rep.write(&mut data)?,
        }
        let mut out = Vec::with_capacity(HEADER_LEN + data.len());
        self.header.write(len_u32("data field", data.len())?, &mut out);
        out.extend_from_slice(&data);
        Ok(out)
    }

    /// Parse header + data field. The caller has checked the version byte and data length.
    pub(crate) fn parse(bytes: &[u8]) -> Result<Self, PacketError> {
        let header = GraphicHeader::parse(&bytes[..HEADER_LEN]);
        let data = &bytes[HEADER_LEN..];
        if data.len() < 3 {
            return Err(PacketError::Short {
                what: "graphic data field",
                offset: HEADER_LEN,
                needed: 3,
                available: data.len(),
            });
        }
        // Requests start RtnReq, group; replies start reserved, A0 (or A2 99 for brightness).
        let is_reply = data[1] == 0xA0 || (data[1] == 0xA2 && data[2] == 0x99);
        let body = if is_reply {
            GraphicBody::Reply(GraphicReply::parse(data)?)
        } else {
            let (command, declared_len) = GraphicCommand::parse(data[1], data[2], &data[3..], header.device_type);
            GraphicBody::Request(GraphicRequest {
                reply: data[0],
                declared_len,
                command,
            })
        };
        Ok(Self { header, body, tails: 1 })
    }
}
