//! Named codes shared by both protocols: card error codes, BCD card time, device types and
//! display modes.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::PacketError;

/// A card's error register (docs/protocol.md C.2 and B.3). Known codes serialise by name
/// (`"ERR_CHECKSUM"`), unknown ones as their number; both forms are accepted back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ErrorCode(pub u16);

const ERROR_NAMES: [(&str, &str); 30] = [
    ("ERR_NO", "no error"),
    ("ERR_OUTOFGROUP", "command group error"),
    ("ERR_NOCMD", "command not found"),
    ("ERR_BUSY", "controller busy"),
    ("ERR_MEMORYVOLUME", "out of memory volume"),
    ("ERR_CHECKSUM", "CRC16 checksum error"),
    ("ERR_FILENOTEXIST", "file does not exist"),
    ("ERR_FLASH", "flash access error"),
    ("ERR_FILE_DOWNLOAD", "file download error"),
    ("ERR_FILE_NAME", "file name error"),
    ("ERR_FILE_TYPE", "file type error"),
    ("ERR_FILE_CRC16", "file CRC16 error"),
    ("ERR_FONT_NOT_EXIST", "font library does not exist"),
    ("ERR_FIRMWARE_TYPE", "firmware type error"),
    ("ERR_DATE_TIME_FORMAT", "date/time format error"),
    ("ERR_FILE_EXIST", "file exists"),
    ("ERR_FILE_BLOCK_NUM", "file block number error"),
    ("ERR_CONTROLLER_TYPE", "controller type error"),
    ("ERR_SCREEN_PARA", "screen parameter error"),
    ("ERR_CONTROLLER_ID", "controller id error"),
    // 20-29: the 6th generation's additions (docs/protocol.md G.6).
    ("ERR_USER_SECRET", "user password error"),
    ("ERR_OLD_SECRET", "old password error"),
    ("ERR_PHY1_NO_SECRET", "the card has a password the frame does not carry"),
    ("ERR_PHY1_SECRET", "the frame's password does not match"),
    ("ERR_RTC", "real-time clock error"),
    ("ERR_COMMAND_PARA", "command parameter error"),
    ("ERR_CASCADE", "cascade error"),
    ("ERR_NO_BATTLE_AREA", "no battle area"),
    ("ERR_NO_TIME_AREA", "no time area"),
    ("ERR_FPGA", "FPGA communication error"),
];

impl ErrorCode {
    pub const NONE: Self = Self(0);
    pub const OUT_OF_GROUP: Self = Self(1);
    pub const NO_COMMAND: Self = Self(2);
    pub const BUSY: Self = Self(3);
    pub const MEMORY_VOLUME: Self = Self(4);
    pub const CHECKSUM: Self = Self(5);
    pub const FILE_NOT_EXIST: Self = Self(6);
    pub const FILE_DOWNLOAD: Self = Self(8);
    pub const FILE_NAME: Self = Self(9);
    pub const FILE_TYPE: Self = Self(0x0A);
    pub const FILE_CRC16: Self = Self(0x0B);
    pub const FONT_NOT_EXIST: Self = Self(0x0C);
    pub const DATE_TIME_FORMAT: Self = Self(0x0E);
    pub const FILE_EXIST: Self = Self(0x0F);
    pub const FILE_BLOCK_NUM: Self = Self(0x10);
    pub const CONTROLLER_TYPE: Self = Self(17);
    pub const SCREEN_PARA: Self = Self(18);
    pub const CONTROLLER_ID: Self = Self(19);
    pub const COMMAND_PARA: Self = Self(25);

    /// The vendor's name, e.g. `ERR_BUSY`.
    pub fn name(self) -> Option<&'static str> {
        ERROR_NAMES.get(usize::from(self.0)).map(|(n, _)| *n)
    }
    /// What the code means in words.
    pub fn meaning(self) -> Option<&'static str> {
        ERROR_NAMES.get(usize::from(self.0)).map(|(_, m)| *m)
    }
    /// Worth sending the same request again (the card was busy).
    pub fn is_retryable(self) -> bool {
        self == Self::BUSY
    }
    fn from_name(name: &str) -> Option<Self> {
        ERROR_NAMES
            .iter()
            .position(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|i| Self(i as u16))
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.name(), self.meaning()) {
            (Some(n), Some(m)) => write!(f, "{n} ({}: {m})", self.0),
            _ => write!(f, "unknown error code {}", self.0),
        }
    }
}

impl Serialize for ErrorCode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.name() {
            Some(n) => s.serialize_str(n),
            None => s.serialize_u16(self.0),
        }
    }
}

impl<'de> Deserialize<'de> for ErrorCode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Repr {
            Num(u16),
            Name(String),
        }
        match Repr::deserialize(d)? {
            Repr::Num(n) => Ok(Self(n)),
            Repr::Name(s) => Self::from_name(&s).ok_or_else(|| {
                serde::de::Error::custom(format!("unknown error code name {s:?} (use ERR_… or a number)"))
            }),
        }
    }
}

/// A card's clock as the font-card protocol carries it: 8 bytes of BCD, year little-endian
/// (2024 -> `24 20`), month, day, hour, minute, second, weekday (1 = Monday … 7 = Sunday).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardTime {
    pub year: u16,
    pub month: u8,
    pub day: u8,
    pub hour: u8,
    pub minute: u8,
    pub second: u8,
    pub weekday: u8,
}

fn bcd(v: u8) -> Option<u8> {
    let (hi, lo) = (v >> 4, v & 0x0F);
    (hi < 10 && lo < 10).then_some(hi * 10 + lo)
}

fn to_bcd(v: u8) -> u8 {
    ((v / 10) << 4) | (v % 10)
}

impl CardTime {
    /// Decode the 8 BCD bytes; an invalid BCD digit is an error naming the byte.
    pub fn from_bcd(b: &[u8; 8]) -> Result<Self, PacketError> {
        let d = |i: usize| {
            bcd(b[i]).ok_or_else(|| PacketError::Invalid {
                what: "card time",
                detail: format!("byte {i} is {:#04x}, not a BCD number", b[i]),
            })
        };
        Ok(Self {
            year: u16::from(d(1)?) * 100 + u16::from(d(0)?),
            month: d(2)?,
            day: d(3)?,
            hour: d(4)?,
            minute: d(5)?,
            second: d(6)?,
            weekday: d(7)?,
        })
    }

    /// The civil time of `t` at a fixed UTC offset (the cards keep local time; Yiling is +8).
    pub fn from_timestamp(t: jiff::Timestamp, utc_offset_hours: i8) -> Self {
        let z = t.to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::offset(utc_offset_hours)));
        Self {
            year: z.year() as u16,
            month: z.month() as u8,
            day: z.day() as u8,
            hour: z.hour() as u8,
            minute: z.minute() as u8,
            second: z.second() as u8,
            weekday: z.weekday().to_monday_one_offset() as u8,
        }
    }

    /// The instant this card time names at a fixed UTC offset, if it is a real date and time.
    pub fn to_timestamp(self, utc_offset_hours: i8) -> Option<jiff::Timestamp> {
        jiff::civil::DateTime::new(
            i16::try_from(self.year).ok()?,
            i8::try_from(self.month).ok()?,
            i8::try_from(self.day).ok()?,
            i8::try_from(self.hour).ok()?,
            i8::try_from(self.minute).ok()?,
            i8::try_from(self.second).ok()?,
            0,
        )
        .ok()?
        .to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::offset(utc_offset_hours)))
        .ok()
        .map(|z| z.timestamp())
    }

    /// The 8 BCD bytes. Fields are taken modulo their decimal width.
    pub fn to_bcd(&self) -> [u8; 8] {
        let y = self.year % 10_000;
        [
            to_bcd((y % 100) as u8),
            to_bcd((y / 100) as u8),
            to_bcd(self.month % 100),
            to_bcd(self.day % 100),
            to_bcd(self.hour % 100),
            to_bcd(self.minute % 100),
            to_bcd(self.second % 100),
            to_bcd(self.weekday % 100),
        ]
    }
}

impl std::fmt::Display for CardTime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02} (weekday {})",
            self.year, self.month, self.day, self.hour, self.minute, self.second, self.weekday
        )
    }
}

/// Model name of a graphic (0xF0) card's 16-bit device type (docs/protocol.md B.2).
pub fn graphic_device_name(code: u16) -> Option<&'static str> {
    Some(match code {
        0xFFFE | 0xFFFF => "any (wildcard)",
        0x0154 => "BX-5E1",
        0x0254 => "BX-5E2",
        0x0354 => "BX-5E3",
        0x1056 => "BX-5Q0+",
        0x1156 => "BX-5Q1+",
        0x1256 => "BX-5Q2+",
        0x0066 => "BX-6Q0",
        0x0166 => "BX-6Q1",
        0x0266 => "BX-6Q2",
        0x0366 => "BX-6Q3",
        0x0466 => "BX-6Q2L",
        0x0566 => "BX-6Q3L",
        0x0174 => "BX-6E1",
        0x0274 => "BX-6E2",
        0x0374 => "BX-6E3",
        0x0474 => "BX-6E1X",
        0x0574 => "BX-6E2X",
        _ => return None,
    })
}

/// Model name of a font card's 8-bit device type (docs/protocol.md C.1).
pub fn font_device_name(code: u8) -> Option<&'static str> {
    Some(match code {
        0xFE => "any (wildcard)",
        0x51 => "BX-5K1",
        0x58 => "BX-5K2",
        0x54 => "BX-5MK1",
        0x53 => "BX-5MK2",
        0x5C => "BX-5K1Q-YY",
        0x61 => "BX-6K1",
        0x62 => "BX-6K2",
        0x63 => "BX-6K3",
        0x64 => "BX-6K1-YY",
        0x65 => "BX-6K2-YY",
        0x66 => "BX-6K3-YY",
        0x67 => "BX-6K1-4G",
        0x68 => "BX-6K2-4G",
        _ => return None,
    })
}

/// Name of a graphic-protocol page DisplayMode (docs/protocol.md B.4, B.7).
pub fn graphic_display_mode_name(code: u8) -> Option<&'static str> {
    crate::style::Motion::from_graphic_code(code).map(crate::style::Motion::name)
}

/// Name of a font-card text DispMode (docs/protocol.md C.4).
pub fn font_display_mode_name(code: u8) -> Option<&'static str> {
    crate::style::Motion::from_font_code(code).map(crate::style::Motion::name)
}

/// Name of an area RunMode (docs/protocol.md C.4, shared by B.4).
pub fn run_mode_name(code: u8) -> Option<&'static str> {
    Some(match code {
        0 => "loop",
        1 => "stop on last page",
        2 => "loop, blank after timeout without update",
        3 => "loop, keep last page after timeout",
        4 => "play once, then blank",
        5 => "play once, blank after N updates",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_names_roundtrip_through_json() {
        let j = serde_json::to_string(&ErrorCode::CHECKSUM).unwrap();
        assert_eq!(j, "\"ERR_CHECKSUM\"");
        assert_eq!(serde_json::from_str::<ErrorCode>(&j).unwrap(), ErrorCode::CHECKSUM);
        assert_eq!(serde_json::to_string(&ErrorCode(300)).unwrap(), "300");
        assert_eq!(serde_json::from_str::<ErrorCode>("3").unwrap(), ErrorCode::BUSY);
        assert_eq!(ErrorCode::BUSY.to_string(), "ERR_BUSY (3: controller busy)");
        assert_eq!(ErrorCode(19).name(), Some("ERR_CONTROLLER_ID"));
    }

    #[test]
    fn bcd_time() {
        // 2024-07-09 13:05:59, Tuesday
        let bytes = [0x24, 0x20, 0x07, 0x09, 0x13, 0x05, 0x59, 0x02];
        let t = CardTime::from_bcd(&bytes).unwrap();
        assert_eq!(
            (t.year, t.month, t.day, t.hour, t.minute, t.second, t.weekday),
            (2024, 7, 9, 13, 5, 59, 2)
        );
        assert_eq!(t.to_bcd(), bytes);
        let bad = [0x2A, 0x20, 1, 1, 0, 0, 0, 1];
        assert!(
            CardTime::from_bcd(&bad)
                .unwrap_err()
                .to_string()
                .contains("byte 0 is 0x2a")
        );
    }
}
