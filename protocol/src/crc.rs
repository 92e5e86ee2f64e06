//! CRC-16/ARC, the checksum of the Onbon frames (docs/protocol.md A.2), and CRC-32 (IEEE), the
//! checksum of program files in flash (docs/protocol.md Part D).
//!
//! Polynomial 0x8005 processed reflected (0xA001), init 0, no final xor. It covers the
//! unescaped packet header and data field; it is sent little-endian.

const fn make_table() -> [u16; 256] {
    let mut table = [0u16; 256];
    let mut i = 0;
    while i < 256 {
        let mut crc = i as u16;
        let mut bit = 0;
        while bit < 8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xA001 } else { crc >> 1 };
            bit += 1;
        }
        table[i] = crc;
        i += 1;
    }
    table
}

static TABLE: [u16; 256] = make_table();

/// CRC-16/ARC of `bytes`.
///
/// ```
/// assert_eq!(pinghu_protocol::crc16(b"123456789"), 0xBB3D);
/// ```
pub fn crc16(bytes: &[u8]) -> u16 {
    crc16_update(0, bytes)
}

/// CRC-32 (IEEE 802.3: reflected 0xEDB88320, init and final xor all ones) of `bytes`.
///
/// ```
/// assert_eq!(pinghu_protocol::crc32(b"123456789"), 0xCBF4_3926);
/// ```
pub fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc = (crc >> 8) ^ TABLE32[usize::from((crc as u8) ^ b)];
    }
    !crc
}

/// The file CRC of 6th-generation cards (docs/protocol.md G.6): the same reflected polynomial
/// 0xEDB88320 as [`crc32`], but **initial value 0 and no final XOR**. It ends every program file
/// (`D` and `P`), stored little-endian, and is the CRC field of the file's `A1 02`.
///
/// ```
/// // The P000 the vendor's SDK wrote (G.6) ends with 6C B0 2A 13 = 0x132AB06C.
/// let p000 = pinghu_protocol::from_hex(
///     "0050303030000001050000000000000000000000ffffff12079920123100000001330000000000000000c0\
///      0040000000650000000000000001001a0000000002000a900101c0000000000000000000000e000000000c0000",
/// ).unwrap();
/// assert_eq!(pinghu_protocol::file_crc32(&p000), 0x132A_B06C);
/// ```
pub fn file_crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0u32;
    for &b in bytes {
        crc = (crc >> 8) ^ TABLE32[usize::from((crc as u8) ^ b)];
    }
    crc
}

const fn make_table32() -> [u32; 256] {
    let mut table = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut crc = i as u32;
        let mut bit = 0;
        while bit < 8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
            bit += 1;
        }
        table[i] = crc;
        i += 1;
    }
    table
}

static TABLE32: [u32; 256] = make_table32();

/// Continue a CRC-16/ARC over more bytes.
pub fn crc16_update(mut crc: u16, bytes: &[u8]) -> u16 {
    for &b in bytes {
        crc = (crc >> 8) ^ TABLE[usize::from((crc ^ u16::from(b)) as u8)];
    }
    crc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_value() {
        assert_eq!(crc16(b"123456789"), 0xBB3D);
    }

    #[test]
    fn table_starts_like_the_manual() {
        assert_eq!(&TABLE[..4], &[0x0000, 0xC0C1, 0xC181, 0x0140]);
    }

    #[test]
    fn font_card_ping_example() {
        // LK ping frame: header (14) + data (5), pre-escape.
        let bytes = [
            0x01, 0x00, 0x00, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xFE, 0x02, 0x05, 0x00, 0xA2, 0x00, 0x01, 0x00,
            0x00,
        ];
        assert_eq!(crc16(&bytes), 0xF868);
    }

    #[test]
    fn incremental_equals_whole() {
        let data = b"pinghu \xa5\x5a board";
        let (a, b) = data.split_at(5);
        assert_eq!(crc16_update(crc16(a), b), crc16(data));
    }
}
