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
//! The layout is the 5th generation's; 6th-generation cards split a program into a `P`
//! parameter file and a `D` data file whose layout is not public, so Pinghu sends this layout
//! to both and lists it among the things to confirm on a real card.

use serde::{Deserialize, Serialize};

use crate::bytes::{Reader, len_u16, len_u32, put_u16, put_u32};
use crate::error::{EncodeError, PacketError};
use crate::fontcard::{FileName, parse_name, put_name};
use crate::graphic::Page;

/// File type of a program.
pub const FILE_TYPE_PROGRAM: u8 = 0;

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
    pub areas: Vec<ProgramArea>,
}

impl ProgramFile {
    /// A program that plays all day, every day, for ever.
    pub fn always(name: &str, areas: Vec<ProgramArea>) -> Self {
        Self {
            name: name.to_owned(),
            priority: 0,
            play_times: 1,
            week: 0xFF,
            areas,
        }
    }

    /// The file's bytes, CRC-32 at the end.
    pub fn to_bytes(&self) -> Result<Vec<u8>, EncodeError> {
        let mut out = vec![FILE_TYPE_PROGRAM];
        put_name(&mut out, &self.name)?;
        out.extend_from_slice(&[0, self.priority, self.play_times]);
        put_u16(&mut out, 0); // time span: play by play_times
        out.push(self.week);
        // Life span: from the beginning of time to for ever (year FFFF).
        out.extend_from_slice(&[0xFF, 0xFF, 0x01, 0x01, 0xFF, 0xFF, 0x12, 0x31]);
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

    /// Read a program file, checking its CRC-32.
    pub fn parse(bytes: &[u8]) -> Result<Self, PacketError> {
        if bytes.len() < 4 {
            return Err(PacketError::Short {
                what: "program file",
                offset: 0,
                needed: 4,
                available: bytes.len(),
            });
        }
        let (body, crc) = bytes.split_at(bytes.len() - 4);
        let want = u32::from_le_bytes([crc[0], crc[1], crc[2], crc[3]]);
        let got = crate::crc32(body);
        if want != got {
            return Err(PacketError::Invalid {
                what: "program file",
                detail: format!("CRC-32 is {got:#010x}, the file says {want:#010x}"),
            });
        }
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
        r.take(8)?;
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
                let mut p = Page {
                    style: a.u8()?,
                    display_mode: a.u8()?,
                    clear_mode: a.u8()?,
                    speed: a.u8()?,
                    stay_time: a.u16()?,
                    repeat: a.u8()?,
                    valid_len: a.u16()?,
                    reserved: a.take(4)?.to_vec(),
                    data: Vec::new(),
                };
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
}
