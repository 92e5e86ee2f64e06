//! The BX-5M1 header variant (version `0x05`, docs/protocol.md Part D), as far as probing needs it:
//! build its status request and recognise an answer in that format.
//!
//! ```text
//! A5 × 8 | header (26) | XOR8(header) | body | 5A 5A
//! header: dst(2) src(2) ver 05 type 00 device(2)=0052 phy 01 00 seq(2) 00 90 enc 96 rand(1)
//!         secret(6) body_len(2) crc16(body)(2)
//! body:   RtnReq | Grp | Cmd | DataLen(2) | data        (status: 01 A2 0F 00 00)
//! ```
//! No escaping was observed in the captures, so none is applied.

use crate::crc::crc16;

/// The "get status" request of a BX-5M1 card.
pub fn status_request(dst: u16, seq: u16) -> Vec<u8> {
    let body = [0x01, 0xA2, 0x0F, 0x00, 0x00];
    let mut header = Vec::with_capacity(26);
    header.extend_from_slice(&dst.to_le_bytes());
    header.extend_from_slice(&0x8000u16.to_le_bytes());
    header.extend_from_slice(&[0x05, 0x00, 0x52, 0x00, 0x01, 0x00]);
    header.extend_from_slice(&seq.to_le_bytes());
    header.extend_from_slice(&[0x00, 0x90, 0x96, 0x00]);
    header.extend_from_slice(&[0; 6]);
    header.extend_from_slice(&(body.len() as u16).to_le_bytes());
    header.extend_from_slice(&crc16(&body).to_le_bytes());
    let xor = header.iter().fold(0u8, |a, b| a ^ b);
    let mut out = vec![0xA5; 8];
    out.extend_from_slice(&header);
    out.push(xor);
    out.extend_from_slice(&body);
    out.extend_from_slice(&[0x5A, 0x5A]);
    out
}

/// Whether `bytes` hold a frame in the 5M1 format (head, a version-5 header with a matching
/// XOR, a body whose CRC matches, and the tail).
pub fn looks_like_frame(bytes: &[u8]) -> bool {
    let Some(start) = bytes.iter().position(|&b| b != 0xA5).filter(|&s| s > 0) else {
        return false;
    };
    let b = &bytes[start..];
    if b.len() < 27 + 2 || b[4] != 0x05 {
        return false;
    }
    let header = &b[..26];
    if header.iter().fold(0u8, |a, x| a ^ x) != b[26] {
        return false;
    }
    let len = usize::from(u16::from_le_bytes([header[22], header[23]]));
    let crc = u16::from_le_bytes([header[24], header[25]]);
    b.len() >= 27 + len && crc16(&b[27..27 + len]) == crc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_is_well_formed() {
        let f = status_request(0x0001, 7);
        assert_eq!(&f[..8], &[0xA5; 8]);
        assert_eq!(f[8 + 4], 0x05);
        assert_eq!(&f[f.len() - 7..f.len() - 2], &[0x01, 0xA2, 0x0F, 0x00, 0x00]);
        assert!(looks_like_frame(&f));
        let mut bad = f.clone();
        bad[10] ^= 1;
        assert!(!looks_like_frame(&bad));
        assert!(!looks_like_frame(&[0xA5, 0x01]));
    }
}
