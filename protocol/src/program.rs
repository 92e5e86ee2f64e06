//! Program files (`P`, file type 0) that 5th/6th-generation graphic cards keep in flash and show
//! whenever no dynamic area is showing: at power-on, and when the host stops refreshing its
//! dynamic areas (docs/protocol.md Part D). Pinghu writes one as the board's fallback.
//!
//! ```text
//! type(1)=00 | name(4) | style(1) | priority(1) | play_times(1) | time_span(2) | week(1)
//! | start year(2) month day | end year(2) month day            (BCD; year FFFF = for ever)
//! | period_count(1) + count × 6 BCD | frame(1) | pro_t_flag(1) | area_count(1)
//! | per area: len(4) | type(1)=00 x(2) y(2) w(2) h(2) frame(1) page_count(2)
//! |           per page: data_len(4) style display clear speed stay(2) repeat valid_len(2) rsv(4) bitmap
//! | CRC-32 of everything before (4)
//! ```
//!
//! That is the 5th generation's layout, ending with the IEEE CRC-32. A 6th-generation card keeps
//! a program as two files, written as the vendor's SDK writes them (docs/protocol.md G.6) by
//! [`ProgramFile::to_gen6`]:
//!
//! ```text
//! D (type 9): 09 | name 'D…'(4) | 00 × 8 | every page's bitmap, back to back | CRC(4)
//! P (type 0): 00 | name 'P…'(4) | style | priority | play_times | time_span(2)=5 | special(1)
//!             | 00 × 7 | speed_adjust(2, big-endian) | week | start FFFF MM DD | end 2099-12-31
//!             | period_count(1)=0 | frame(1)=0 | pro_t_flag(1) | area_count(1)
//!             | per area: len(4) | type(1)=00 x y w h(2 each) frame(1) background(1)
//!             |   transparency(1)=65 area_equal(1) sound(1) 00 × 5 | page_count(2)
//!             |   per page (30): 26(4) style display clear speed stay(2) repeat valid_len(2)
//!             |                  00 × 9 | offset of its bitmap in D, plus one (4) | length(4)
//!             | CRC(4)
//! ```
//!
//! Both files end with the 6th generation's file CRC ([`crate::file_crc32`]: initial value 0,
//! no final XOR); a program is deleted by deleting both.

use serde::{Deserialize, Serialize};

use crate::bytes::{Reader, len_u16, len_u32, put_u16, put_u32};
use crate::error::{EncodeError, PacketError};
use crate::fontcard::{FileName, parse_name, put_name};
use crate::graphic::{Page, read_page_fields};

/// File type of a program (the `P` file).
pub const FILE_TYPE_PROGRAM: u8 = 0;
/// File type of a 6th-generation program's data file (the `D` file with the bitmaps).
pub const FILE_TYPE_PROGRAM_DATA: u8 = 9;
/// Length of a `D` file's head: type, name, 8 reserved bytes.
const DATA_HEAD_LEN: usize = 13;
/// A page's DataOffset is its bitmap's position in the `D` file plus one: the first bitmap,
/// at byte 13, is at offset 14 (as the vendor's SDK writes it).
const DATA_OFFSET_BIAS: usize = 1;
/// `timeSpan` as the vendor's SDK writes it.
const SDK_TIME_SPAN: u16 = 5;
/// `transparency` as the vendor's SDK writes it.
const SDK_TRANSPARENCY: u8 = 0x65;
/// The last day of a program's life span, as the vendor's SDK writes it: 2099-12-31 (BCD).
const SDK_END: [u8; 4] = [0x99, 0x20, 0x12, 0x31];

/// The file type a card's file name implies, by its first letter (the vendor's SDK: P 0, C 1,
/// S 2, L 3, F 4, O 5, G 6, I 7, A 8, D 9, Y 10, E 11, V 12); `0xFF` for any other.
pub fn file_type_of(name: &str) -> u8 {
    match name.as_bytes().first() {
        Some(b'P') => FILE_TYPE_PROGRAM,
        Some(b'C') => 1,
        Some(b'S') => 2,
        Some(b'L') => 3,
        Some(b'F') => 4,
        Some(b'O') => 5,
        Some(b'G') => 6,
        Some(b'I') => 7,
        Some(b'A') => 8,
        Some(b'D') => FILE_TYPE_PROGRAM_DATA,
        Some(b'Y') => 10,
        Some(b'E') => 11,
        Some(b'V') => 12,
        _ => 0xFF,
    }
}

/// A 6th-generation program: the `D` file with the bitmaps and the `P` file that shows them.
/// Upload the `D` file first (docs/protocol.md G.6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gen6Files {
    pub data_name: FileName,
    pub data: Vec<u8>,
    pub params_name: FileName,
    pub params: Vec<u8>,
}

fn bcd(v: u8) -> u8 {
    ((v / 10) << 4) | (v % 10)
}

fn invalid(what: &'static str, detail: String) -> PacketError {
    PacketError::Invalid { what, detail }
}

/// Split off and check the CRC at the end of a file.
fn check_crc<'a>(bytes: &'a [u8], what: &'static str, crc: fn(&[u8]) -> u32) -> Result<&'a [u8], PacketError> {
    if bytes.len() < 4 {
        return Err(PacketError::Short {
            what,
            offset: 0,
            needed: 4,
            available: bytes.len(),
        });
    }
    let (body, tail) = bytes.split_at(bytes.len() - 4);
    let want = u32::from_le_bytes([tail[0], tail[1], tail[2], tail[3]]);
    let got = crc(body);
    if want == got {
        Ok(body)
    } else {
        Err(invalid(
            what,
            format!("CRC-32 is {got:#010x}, the file says {want:#010x}"),
        ))
    }
}

/// One rectangle of a program with its pages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProgramArea {
    pub x: u16,
    pub y: u16,
    pub width: u16,
    pub height: u16,
    /// Page bitmaps in the card's pixel format, with the same fields as a 5th-gen dynamic page.
    pub pages: Vec<Page>,
}

/// A program file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProgramFile {
    /// 4 characters, e.g. `P000`.
    pub name: FileName,
    pub priority: u8,
    /// How often it plays before the next program (1).
    pub play_times: u8,
    /// Days of the week it plays, bit 0 Monday; `FF` every day.
    pub week: u8,
    /// The month and day its life span starts (the year is `FFFF`, "any"). A fixed date, so the
    /// file — and the flash — does not change from one day to the next.
    #[serde(default = "new_year")]
    pub start_month_day: (u8, u8),
    pub areas: Vec<ProgramArea>,
}

fn new_year() -> (u8, u8) {
    (1, 1)
}

impl ProgramFile {
    /// A program that plays all day, every day, for ever.
    pub fn always(name: &str, areas: Vec<ProgramArea>) -> Self {
        Self {
            name: name.to_owned(),
            priority: 0,
            play_times: 1,
            week: 0xFF,
            start_month_day: new_year(),
            areas,
        }
    }

    /// The name of the 6th generation's data file: `P000` → `D000`.
    pub fn data_name(&self) -> FileName {
        Self::data_name_for(&self.name)
    }

    /// The data file's name for program `name`: `P000` → `D000`.
    pub fn data_name_for(name: &str) -> FileName {
        let mut data = String::from("D");
        data.extend(name.chars().skip(1));
        data
    }

    fn start(&self) -> [u8; 4] {
        let (m, d) = self.start_month_day;
        [0xFF, 0xFF, bcd(m), bcd(d)]
    }

    /// The two files of a 6th-generation program.
    pub fn to_gen6(&self) -> Result<Gen6Files, EncodeError> {
        let data_name = self.data_name();
        let mut data = vec![FILE_TYPE_PROGRAM_DATA];
        put_name(&mut data, &data_name)?;
        data.extend_from_slice(&[0; 8]);
        let mut p = vec![FILE_TYPE_PROGRAM];
        put_name(&mut p, &self.name)?;
        p.extend_from_slice(&[0, self.priority, self.play_times]);
        put_u16(&mut p, SDK_TIME_SPAN);
        p.extend_from_slice(&[0; 8]); // special flag, 7 reserved
        p.extend_from_slice(&[0, 0]); // speed adjust (big-endian)
        p.push(self.week);
        p.extend_from_slice(&self.start());
        p.extend_from_slice(&SDK_END);
        p.extend_from_slice(&[0, 0, 0]); // no play periods, no frame, pro_t_flag
        p.push(crate::bytes::len_u8("area count", self.areas.len())?);
        for a in &self.areas {
            let mut area = vec![0u8];
            for v in [a.x, a.y, a.width, a.height] {
                put_u16(&mut area, v);
            }
            // No frame, no background, the SDK's transparency, not equal-split, no sound, 5 reserved.
            area.extend_from_slice(&[0, 0, SDK_TRANSPARENCY, 0, 0, 0, 0, 0, 0, 0]);
            put_u16(&mut area, len_u16("page count", a.pages.len())?);
            for pg in &a.pages {
                put_u32(&mut area, 26);
                area.extend_from_slice(&[pg.style, pg.display_mode, pg.clear_mode, pg.speed]);
                put_u16(&mut area, pg.stay_time);
                area.push(pg.repeat);
                put_u16(&mut area, pg.valid_len);
                let mut rsv = pg.reserved.clone();
                rsv.resize(9, 0);
                area.extend_from_slice(&rsv);
                put_u32(&mut area, len_u32("page offset", data.len() + DATA_OFFSET_BIAS)?);
                put_u32(&mut area, len_u32("page data", pg.data.len())?);
                data.extend_from_slice(&pg.data);
            }
            put_u32(&mut p, len_u32("area", area.len())?);
            p.extend_from_slice(&area);
        }
        for file in [&mut data, &mut p] {
            let crc = crate::file_crc32(file);
            put_u32(file, crc);
        }
        Ok(Gen6Files {
            data_name,
            data,
            params_name: self.name.clone(),
            params: p,
        })
    }

    /// Read a 6th-generation program from its `P` and `D` files, checking both CRCs and that
    /// every page's bitmap lies inside the `D` file.
    pub fn parse_gen6(params: &[u8], data: &[u8]) -> Result<Self, PacketError> {
        let pbody = check_crc(params, "program file", crate::file_crc32)?;
        let dbody = check_crc(data, "program data file", crate::file_crc32)?;
        if dbody.len() < DATA_HEAD_LEN || dbody[0] != FILE_TYPE_PROGRAM_DATA {
            return Err(invalid(
                "program data file",
                format!(
                    "a D file starts with type 9 and is at least {DATA_HEAD_LEN} bytes long; this one starts with {:?} and has {}",
                    dbody.first(),
                    dbody.len()
                ),
            ));
        }
        let mut r = Reader::new(pbody, "program file");
        let file_type = r.u8()?;
        if file_type != FILE_TYPE_PROGRAM {
            return Err(invalid(
                "program file",
                format!("file type {file_type}, a program is 0"),
            ));
        }
        let name = parse_name(r.take(4)?)?;
        let _style = r.u8()?;
        let priority = r.u8()?;
        let play_times = r.u8()?;
        let _span = r.u16()?;
        r.take(10)?; // special flag, 7 reserved, speed adjust
        let week = r.u8()?;
        let start = r.take(4)?;
        let from_bcd = |b: u8| (b >> 4) * 10 + (b & 0x0F);
        let start_month_day = (from_bcd(start[2]), from_bcd(start[3]));
        r.take(4)?; // end
        let periods = r.u8()?;
        r.take(usize::from(periods) * 6)?;
        if r.u8()? != 0 {
            return Err(invalid("program file", "screen frames are not decoded".into()));
        }
        let _flag = r.u8()?;
        let n = r.u8()?;
        let mut areas = Vec::new();
        for i in 0..n {
            let len = r.u32()?;
            let mut a = Reader::new(r.take(len as usize)?, "program area");
            let kind = a.u8()?;
            if kind != 0 {
                return Err(invalid(
                    "program area",
                    format!(
                        "area {} is of type {kind}; only text/picture areas (0) are decoded",
                        i + 1
                    ),
                ));
            }
            let (x, y, width, height) = (a.u16()?, a.u16()?, a.u16()?, a.u16()?);
            let frame = a.u8()?;
            let _background = a.u8()?;
            let _transparency = a.u8()?;
            let _equal = a.u8()?;
            let sound = a.u8()?;
            if frame != 0 || sound != 0 {
                return Err(invalid(
                    "program area",
                    format!("area {} has a frame or sound, which are not decoded", i + 1),
                ));
            }
            a.take(5)?;
            let count = a.u16()?;
            let mut pages = Vec::new();
            for k in 0..count {
                let pdl = a.u32()?;
                if pdl != 26 {
                    return Err(invalid("program page", format!("PageDataLen is {pdl}, expected 26")));
                }
                let mut p = read_page_fields(&mut a, 9)?;
                let (off, len) = (a.u32()? as usize, a.u32()? as usize);
                let at = off.checked_sub(DATA_OFFSET_BIAS).filter(|at| *at >= DATA_HEAD_LEN);
                let Some(bytes) = at.and_then(|at| dbody.get(at..at.checked_add(len)?)) else {
                    return Err(invalid(
                        "program page",
                        format!(
                            "area {} page {}: offset {off} and length {len} lie outside the D file's {} bitmap bytes                              (offsets count from {} for the first bitmap)",
                            i + 1,
                            k + 1,
                            dbody.len() - DATA_HEAD_LEN,
                            DATA_HEAD_LEN + DATA_OFFSET_BIAS
                        ),
                    ));
                };
                p.data = bytes.to_vec();
                pages.push(p);
            }
            a.finish()?;
            areas.push(ProgramArea {
                x,
                y,
                width,
                height,
                pages,
            });
        }
        r.finish()?;
        Ok(Self {
            name,
            priority,
            play_times,
            week,
            start_month_day,
            areas,
        })
    }

    /// The file's bytes, CRC-32 at the end.
    pub fn to_bytes(&self) -> Result<Vec<u8>, EncodeError> {
        let mut out = vec![FILE_TYPE_PROGRAM];
        put_name(&mut out, &self.name)?;
        out.extend_from_slice(&[0, self.priority, self.play_times]);
        put_u16(&mut out, 0); // time span: play by play_times
        out.push(self.week);
        // Life span: from the beginning of time to for ever (year FFFF).
        out.extend_from_slice(&self.start());
        out.extend_from_slice(&[0xFF, 0xFF, 0x12, 0x31]);
        out.push(0); // no play periods: all day
        out.push(0); // no frame
        out.push(0); // pro_t_flag
        out.push(crate::bytes::len_u8("area count", self.areas.len())?);
        for a in &self.areas {
            let mut area = vec![0u8];
            for v in [a.x, a.y, a.width, a.height] {
                put_u16(&mut area, v);
            }
            area.push(0); // no frame
            put_u16(&mut area, len_u16("page count", a.pages.len())?);
            for p in &a.pages {
                put_u32(&mut area, len_u32("page data", p.data.len())?);
                area.extend_from_slice(&[p.style, p.display_mode, p.clear_mode, p.speed]);
                put_u16(&mut area, p.stay_time);
                area.push(p.repeat);
                put_u16(&mut area, p.valid_len);
                let mut rsv = p.reserved.clone();
                rsv.resize(4, 0);
                area.extend_from_slice(&rsv);
                area.extend_from_slice(&p.data);
            }
            put_u32(&mut out, len_u32("area", area.len())?);
            out.extend_from_slice(&area);
        }
        let crc = crate::crc32(&out);
        put_u32(&mut out, crc);
        Ok(out)
    }

    /// Read a 5th-generation program file, checking its CRC-32.
    pub fn parse(bytes: &[u8]) -> Result<Self, PacketError> {
        let body = check_crc(bytes, "program file", crate::crc32)?;
        let mut r = Reader::new(body, "program file");
        let file_type = r.u8()?;
        if file_type != FILE_TYPE_PROGRAM {
            return Err(PacketError::Invalid {
                what: "program file",
                detail: format!("file type {file_type}, a program is 0"),
            });
        }
        let name = parse_name(r.take(4)?)?;
        let _style = r.u8()?;
        let priority = r.u8()?;
        let play_times = r.u8()?;
        let _span = r.u16()?;
        let week = r.u8()?;
        let start = r.take(4)?;
        let from_bcd = |b: u8| (b >> 4) * 10 + (b & 0x0F);
        let start_month_day = (from_bcd(start[2]), from_bcd(start[3]));
        r.take(4)?;
        let periods = r.u8()?;
        r.take(usize::from(periods) * 6)?;
        let _frame = r.u8()?;
        let _flag = r.u8()?;
        let n = r.u8()?;
        let mut areas = Vec::new();
        for _ in 0..n {
            let len = r.u32()?;
            let mut a = Reader::new(r.take(len as usize)?, "program area");
            let _kind = a.u8()?;
            let (x, y, width, height) = (a.u16()?, a.u16()?, a.u16()?, a.u16()?);
            let _frame = a.u8()?;
            let count = a.u16()?;
            let mut pages = Vec::new();
            for _ in 0..count {
                let data_len = a.u32()?;
                let mut p = read_page_fields(&mut a, 4)?;
                p.data = a.take(data_len as usize)?.to_vec();
                pages.push(p);
            }
            a.finish()?;
            areas.push(ProgramArea {
                x,
                y,
                width,
                height,
                pages,
            });
        }
        r.finish()?;
        Ok(Self {
            name,
            priority,
            play_times,
            week,
            start_month_day,
            areas,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graphic::Generation;

    #[test]
    fn round_trips_and_checks_its_crc() {
        let page = Page::new(1, 2, 300, 64, Generation::Gen5, vec![0xAA; 64 * 16 / 8]);
        let p = ProgramFile::always(
            "P000",
            vec![ProgramArea {
                x: 0,
                y: 0,
                width: 64,
                height: 16,
                pages: vec![page.clone(), page],
            }],
        );
        let bytes = p.to_bytes().unwrap();
        assert_eq!(ProgramFile::parse(&bytes).unwrap(), p);
        let mut bad = bytes.clone();
        bad[20] ^= 1;
        assert!(ProgramFile::parse(&bad).unwrap_err().to_string().contains("CRC-32"));
        assert!(ProgramFile::parse(&bytes[..3]).is_err());
    }

    /// The P000 the vendor's SDK wrote for one 192x64 red-green page (docs/protocol.md G.6),
    /// with the start date it wrote (12-07, the day of the capture).
    const SDK_P000: &str = "0050303030000001050000000000000000000000ffffff12079920123100000001330000000000000000c00040000000650000000000000001001a0000000002000a900101c0000000000000000000000e000000000c00006cb02a13";

    fn sdk_like() -> ProgramFile {
        let mut page = Page::new(2, 0x0A, 400, 192, Generation::Gen6, vec![0x5A; 3072]);
        page.clear_mode = 0;
        let mut p = ProgramFile::always(
            "P000",
            vec![ProgramArea {
                x: 0,
                y: 0,
                width: 192,
                height: 64,
                pages: vec![page],
            }],
        );
        p.start_month_day = (12, 7);
        p
    }

    #[test]
    fn gen6_p_file_is_the_sdks_byte_for_byte() {
        let files = sdk_like().to_gen6().unwrap();
        assert_eq!(crate::to_hex(&files.params), SDK_P000);
        assert_eq!(files.data_name, "D000");
        // D000: 09 'D000' 00×8, the bitmap at byte 13, the file CRC (13 + 3072 + 4 = 0x0C11).
        assert_eq!(&files.data[..13], b"\x09D000\0\0\0\0\0\0\0\0");
        assert_eq!(files.data.len(), 0x0C11);
        assert_eq!(&files.data[13..13 + 3072], &[0x5A; 3072][..]);
        let crc = crate::file_crc32(&files.data[..files.data.len() - 4]);
        assert_eq!(&files.data[files.data.len() - 4..], &crc.to_le_bytes());
        assert_eq!(ProgramFile::parse_gen6(&files.params, &files.data).unwrap(), sdk_like());
    }

    #[test]
    fn gen6_files_are_checked() {
        let files = sdk_like().to_gen6().unwrap();
        let mut bad = files.data.clone();
        bad[20] ^= 1;
        let e = ProgramFile::parse_gen6(&files.params, &bad).unwrap_err().to_string();
        assert!(e.contains("program data file") && e.contains("CRC-32"), "{e}");
        // A D file too short for the page the P file names.
        let mut short = files.data[..100].to_vec();
        let crc = crate::file_crc32(&short);
        short.extend_from_slice(&crc.to_le_bytes());
        let e = ProgramFile::parse_gen6(&files.params, &short).unwrap_err().to_string();
        assert!(e.contains("outside the D file"), "{e}");
        // The 5th generation's CRC is not the 6th's.
        let mut ieee = files.params[..files.params.len() - 4].to_vec();
        let crc = crate::crc32(&ieee);
        ieee.extend_from_slice(&crc.to_le_bytes());
        assert!(ProgramFile::parse_gen6(&ieee, &files.data).is_err());
    }
}
