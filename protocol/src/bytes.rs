//! Little helpers: a bounds-checked little-endian reader, hex text, and serde adapters that
//! show byte blocks as hex strings in JSON.

use crate::error::{EncodeError, PacketError};

/// Bounds-checked little-endian cursor over a packet.
#[derive(Debug)]
pub(crate) struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    what: &'static str,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(buf: &'a [u8], what: &'static str) -> Self {
        Self { buf, pos: 0, what }
    }
    pub(crate) fn pos(&self) -> usize {
        self.pos
    }
    pub(crate) fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }
    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8], PacketError> {
        if self.remaining() < n {
            return Err(PacketError::Short {
                what: self.what,
                offset: self.pos,
                needed: n,
                available: self.remaining(),
            });
        }
        let s = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }
    pub(crate) fn rest(&mut self) -> &'a [u8] {
        let s = &self.buf[self.pos..];
        self.pos = self.buf.len();
        s
    }
    pub(crate) fn u8(&mut self) -> Result<u8, PacketError> {
        Ok(self.take(1)?[0])
    }
    pub(crate) fn u16(&mut self) -> Result<u16, PacketError> {
        let b = self.take(2)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }
    pub(crate) fn u32(&mut self) -> Result<u32, PacketError> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    pub(crate) fn array<const N: usize>(&mut self) -> Result<[u8; N], PacketError> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }
    /// Fails unless every byte was consumed.
    pub(crate) fn finish(&self) -> Result<(), PacketError> {
        if self.remaining() == 0 {
            Ok(())
        } else {
            Err(PacketError::Invalid {
                what: self.what,
                detail: format!(
                    "{} unexpected bytes after the last field at offset {}",
                    self.remaining(),
                    self.pos
                ),
            })
        }
    }
}

/// How a command's parameters came out: a command the codec knows, or one it keeps as bytes
/// (`None`: not known; `Some(why)`: known, but its fields did not parse).
pub(crate) enum Parsed<T> {
    Known(T),
    Unknown(Option<String>),
}

/// Parse a command's parameters with `f` (`Ok(None)` for a command it does not know); every
/// byte must be consumed. One rule for every protocol: what does not parse is kept, with why.
pub(crate) fn command<T>(
    params: &[u8],
    what: &'static str,
    f: impl FnOnce(&mut Reader<'_>) -> Result<Option<T>, PacketError>,
) -> Parsed<T> {
    let mut r = Reader::new(params, what);
    match f(&mut r).and_then(|c| r.finish().map(|()| c)) {
        Ok(Some(c)) => Parsed::Known(c),
        Ok(None) => Parsed::Unknown(None),
        Err(e) => Parsed::Unknown(Some(e.to_string())),
    }
}

pub(crate) fn put_u16(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_le_bytes());
}
pub(crate) fn put_u32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

/// Length of a field as a `u16`, or an error naming it.
pub(crate) fn len_u16(field: &'static str, n: usize) -> Result<u16, EncodeError> {
    u16::try_from(n).map_err(|_| EncodeError::TooLarge {
        field,
        value: n as u64,
        bits: 16,
        max: u16::MAX.into(),
    })
}
/// Length of a field as a `u32`, or an error naming it.
pub(crate) fn len_u32(field: &'static str, n: usize) -> Result<u32, EncodeError> {
    u32::try_from(n).map_err(|_| EncodeError::TooLarge {
        field,
        value: n as u64,
        bits: 32,
        max: u32::MAX.into(),
    })
}
/// Length of a field as a `u8`, or an error naming it.
pub(crate) fn len_u8(field: &'static str, n: usize) -> Result<u8, EncodeError> {
    u8::try_from(n).map_err(|_| EncodeError::TooLarge {
        field,
        value: n as u64,
        bits: 8,
        max: u8::MAX.into(),
    })
}

/// Lowercase hex, no separators.
pub fn to_hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// Lowercase hex with a space between bytes, as captures are usually printed.
pub fn to_hex_spaced(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut s = String::with_capacity(bytes.len() * 3);
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 {
            s.push(' ');
        }
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// Parse hex text; white space anywhere and an optional `0x` before a byte are allowed.
pub fn from_hex(text: &str) -> Result<Vec<u8>, String> {
    let mut digits = Vec::with_capacity(text.len());
    // Two spaces for the two characters of "0x", so positions still point into `text`.
    let cleaned = text.replace("0x", "  ").replace("0X", "  ");
    for (i, c) in cleaned.chars().enumerate() {
        if c.is_whitespace() || c == ',' || c == ':' {
            continue;
        }
        let v = c
            .to_digit(16)
            .ok_or_else(|| format!("{c:?} at character {} is not a hex digit", i + 1))?;
        digits.push(v as u8);
    }
    if digits.len() % 2 != 0 {
        return Err(format!(
            "odd number of hex digits ({}): a byte is missing a digit",
            digits.len()
        ));
    }
    Ok(digits.chunks(2).map(|p| (p[0] << 4) | p[1]).collect())
}

/// serde adapter: `Vec<u8>` as a hex string.
pub(crate) mod hex_vec {
    use serde::{Deserialize, Deserializer, Serializer};
    pub(crate) fn serialize<S: Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::to_hex(v))
    }
    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let s = String::deserialize(d)?;
        super::from_hex(&s).map_err(serde::de::Error::custom)
    }
}

/// serde adapter: `[u8; N]` as a hex string.
pub(crate) mod hex_array {
    use serde::{Deserialize, Deserializer, Serializer};
    pub(crate) fn serialize<S: Serializer, const N: usize>(v: &[u8; N], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::to_hex(v))
    }
    pub(crate) fn deserialize<'de, D: Deserializer<'de>, const N: usize>(d: D) -> Result<[u8; N], D::Error> {
        let s = String::deserialize(d)?;
        let v = super::from_hex(&s).map_err(serde::de::Error::custom)?;
        <[u8; N]>::try_from(v.as_slice())
            .map_err(|_| serde::de::Error::custom(format!("expected {N} bytes of hex, got {}", v.len())))
    }
}

/// serde adapter: `Option<Vec<u8>>` as an optional hex string.
pub(crate) mod hex_opt {
    use serde::{Deserialize, Deserializer, Serializer};
    #[allow(clippy::ref_option)]
    pub(crate) fn serialize<S: Serializer>(v: &Option<Vec<u8>>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(v) => s.serialize_str(&super::to_hex(v)),
            None => s.serialize_none(),
        }
    }
    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<u8>>, D::Error> {
        Option::<String>::deserialize(d)?
            .map(|s| super::from_hex(&s).map_err(serde::de::Error::custom))
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn hex_errors_point_at_the_character_typed() {
        // "0x" is removed before parsing; positions still count the characters as typed.
        assert_eq!(
            super::from_hex("0x12 0x3g").unwrap_err(),
            "'g' at character 9 is not a hex digit"
        );
        assert_eq!(
            super::from_hex("a5 字").unwrap_err(),
            "'字' at character 4 is not a hex digit"
        );
    }

    use super::*;

    #[test]
    fn hex_accepts_spaces_newlines_and_prefixes() {
        assert_eq!(from_hex("a5 A5\n0x5a,01").unwrap(), [0xA5, 0xA5, 0x5A, 0x01]);
        assert!(from_hex("a5 5").unwrap_err().contains("odd number"));
        assert!(from_hex("zz").unwrap_err().contains("not a hex digit"));
        assert_eq!(to_hex_spaced(&[1, 0xab]), "01 ab");
    }
}
