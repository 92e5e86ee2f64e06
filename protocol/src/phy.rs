//! PHY0 framing shared by every protocol (docs/protocol.md A.1): a head of `A5` bytes, the escaped
//! packet (header, data field, CRC), and one `5A` tail. Frames of the control header (Part D)
//! carry their checks in the header instead of a trailing CRC; the decoder knows both.
//!
//! ```text
//! +---------+-------------------------------------------+------+
//! | A5 × 8  | escape( header | data | CRC16 LE )         |  5A  |
//! +---------+-------------------------------------------+------+
//!   A5 -> A6 02    A6 -> A6 01    5A -> 5B 02    5B -> 5B 01
//! ```
//!
//! [`Decoder`] is a streaming, sans-IO receiver: feed it byte chunks as they arrive and pull
//! out [`RawPacket`]s. Partial input is "need more" (`Ok(None)`), garbage between frames is
//! skipped and reported, and a bad escape or CRC is an error that names the stream offset and
//! the values; the decoder then carries on with the next frame.

use crate::crc::crc16;
use crate::error::FrameError;

/// Frame head byte; any run of it starts a frame.
pub const HEAD: u8 = 0xA5;
/// Frame tail byte.
pub const TAIL: u8 = 0x5A;
/// How many head bytes an encoder sends (the wake-up preamble).
pub const HEAD_LEN: usize = 8;
/// Longest escaped frame the decoder buffers before it gives up on a missing tail.
pub const MAX_FRAME: usize = 4 * 1024 * 1024;

/// Escape the packet bytes (header, data and CRC) for the wire.
pub fn escape_into(raw: &[u8], out: &mut Vec<u8>) {
    for &b in raw {
        match b {
            0xA5 => out.extend_from_slice(&[0xA6, 0x02]),
            0xA6 => out.extend_from_slice(&[0xA6, 0x01]),
            0x5A => out.extend_from_slice(&[0x5B, 0x02]),
            0x5B => out.extend_from_slice(&[0x5B, 0x01]),
            _ => out.push(b),
        }
    }
}

/// Undo [`escape_into`]. `base` is the stream offset of `escaped[0]`, used in errors.
pub fn unescape(escaped: &[u8], base: u64) -> Result<Vec<u8>, FrameError> {
    let mut out = Vec::with_capacity(escaped.len());
    let mut i = 0;
    while i < escaped.len() {
        let b = escaped[i];
        if b == 0xA6 || b == 0x5B {
            let offset = base + i as u64;
            let Some(&next) = escaped.get(i + 1) else {
                return Err(FrameError::BadEscape {
                    offset,
                    first: b,
                    second: None,
                });
            };
            out.push(match (b, next) {
                (0xA6, 0x01) => 0xA6,
                (0xA6, 0x02) => 0xA5,
                (0x5B, 0x01) => 0x5B,
                (0x5B, 0x02) => 0x5A,
                _ => {
                    return Err(FrameError::BadEscape {
                        offset,
                        first: b,
                        second: Some(next),
                    });
                }
            });
            i += 2;
        } else {
            out.push(b);
            i += 1;
        }
    }
    Ok(out)
}

/// Wrap an unescaped packet (header + data field, without CRC) into a PHY0 frame.
pub fn wrap(packet: &[u8], out: &mut Vec<u8>) {
    let crc = crc16(packet);
    out.extend_from_slice(&[HEAD; HEAD_LEN]);
    escape_into(packet, out);
    escape_into(&crc.to_le_bytes(), out);
    out.push(TAIL);
}

/// One packet taken off the wire: unescaped header + data field, CRC checked and removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawPacket {
    /// Header and data field, unescaped, without the CRC.
    pub bytes: Vec<u8>,
    /// Stream offset of the first head byte of this frame.
    pub offset: u64,
    /// Bytes before the frame that were not part of any frame (line noise, stray tails).
    pub skipped: Vec<u8>,
    /// How many `5A` bytes ended the frame (one; two from the BX-5M1).
    pub tails: usize,
}

/// Streaming PHY0 decoder. Owns a buffer; never reads a clock or a socket.
#[derive(Debug, Default)]
pub struct Decoder {
    buf: Vec<u8>,
    /// Stream offset of `buf[0]`.
    base: u64,
}

impl Decoder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Append received bytes.
    pub fn feed(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// Bytes buffered but not yet decoded (a partial frame, or garbage waiting for a head).
    pub fn pending(&self) -> &[u8] {
        &self.buf
    }

    /// Stream offset of the next byte to be decoded.
    pub fn offset(&self) -> u64 {
        self.base
    }

    fn consume(&mut self, n: usize) {
        self.buf.drain(..n);
        self.base += n as u64;
    }

    /// The next complete frame: `Ok(Some)`, `Ok(None)` when more bytes are needed, or an error
    /// for a frame that was complete but bad (the bad frame is consumed; call again).
    pub fn decode(&mut self) -> Result<Option<RawPacket>, FrameError> {
        // Skip everything before the first head byte.
        let Some(start) = self.buf.iter().position(|&b| b == HEAD) else {
            // Nothing that could start a frame; keep the bytes so `skipped` can report them
            // once a frame arrives, but do not grow without bound.
            if self.buf.len() > MAX_FRAME {
                let n = self.buf.len();
                let offset = self.base;
                self.consume(n);
                return Err(FrameError::Garbage { offset, len: n });
            }
            return Ok(None);
        };
        let mut body = start;
        while body < self.buf.len() && self.buf[body] == HEAD {
            body += 1;
        }
        if body == self.buf.len() {
            return Ok(None);
        }
        // Look for the tail, or a new head that means this frame lost its tail.
        let Some(rel) = self.buf[body..].iter().position(|&b| b == TAIL || b == HEAD) else {
            if self.buf.len() - start > MAX_FRAME {
                let offset = self.base + start as u64;
                self.consume(self.buf.len());
                return Err(FrameError::TooLong {
                    offset,
                    limit: MAX_FRAME,
                });
            }
            return Ok(None);
        };
        let end = body + rel;
        let frame_offset = self.base + start as u64;
        // What this frame ends in, judged before anything is consumed: when it is an error, the
        // stray bytes before the frame are reported first, on their own, so none go unreported.
        let stray = |d: &mut Self| {
            let offset = d.base;
            let bytes = d.buf[..start].to_vec();
            d.consume(start);
            Err(FrameError::Stray { offset, bytes })
        };
        if self.buf[end] == HEAD {
            if start > 0 {
                return stray(self);
            }
            // A head inside a frame can only mean the previous tail was lost.
            let len = end - start;
            self.consume(end);
            return Err(FrameError::Truncated {
                offset: frame_offset,
                len,
            });
        }
        let body_base = self.base + body as u64;
        let result = unescape(&self.buf[body..end], body_base).and_then(|mut bytes| {
            if bytes.len() < 2 {
                return Err(FrameError::TooShort {
                    offset: frame_offset,
                    len: bytes.len(),
                });
            }
            // The control header of 5th/6th-gen cards has no trailing CRC: its own XOR and
            // body CRC are checked instead (docs/protocol.md Part D).
            if crate::control::is_control_frame(&bytes) {
                return match crate::control::check(&bytes) {
                    Ok(()) => Ok(bytes),
                    Err(("header", expected, got)) => Err(FrameError::ControlHeader {
                        offset: frame_offset,
                        expected: expected as u8,
                        got: got as u8,
                    }),
                    Err((_, expected, got)) => Err(FrameError::ControlBody {
                        offset: frame_offset,
                        expected,
                        got,
                    }),
                };
            }
            let crc_at = bytes.len() - 2;
            let got = u16::from_le_bytes([bytes[crc_at], bytes[crc_at + 1]]);
            bytes.truncate(crc_at);
            let expected = crc16(&bytes);
            if got != expected {
                return Err(FrameError::Checksum {
                    offset: frame_offset,
                    expected,
                    got,
                });
            }
            Ok(bytes)
        });
        if result.is_err() && start > 0 {
            return stray(self);
        }
        let skipped = self.buf[..start].to_vec();
        // Swallow extra tail bytes some firmware sends (docs/protocol.md A.1 receiver notes).
        let mut next = end + 1;
        while next < self.buf.len() && self.buf[next] == TAIL {
            next += 1;
        }
        let tails = next - end;
        self.consume(next);
        let bytes = result?;
        Ok(Some(RawPacket {
            bytes,
            offset: frame_offset,
            skipped,
            tails,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn escaped(raw: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        escape_into(raw, &mut out);
        out
    }

    #[test]
    fn vendor_escape_vectors() {
        // BxFrameWrapperTest (MIT): raw A5 5A -> A6 02 5B 02.
        assert_eq!(escaped(&[0xA5, 0x5A]), [0xA6, 0x02, 0x5B, 0x02]);
        // raw A5 A6 00 5B 00 5A
        assert_eq!(
            escaped(&[0xA5, 0xA6, 0x00, 0x5B, 0x00, 0x5A]),
            [0xA6, 0x02, 0xA6, 0x01, 0x00, 0x5B, 0x01, 0x00, 0x5B, 0x02]
        );
    }

    #[test]
    fn bad_escape_names_offset_and_bytes() {
        let err = unescape(&[0x01, 0xA6, 0x07], 100).unwrap_err();
        assert_eq!(
            err,
            FrameError::BadEscape {
                offset: 101,
                first: 0xA6,
                second: Some(0x07)
            }
        );
        assert_eq!(
            err.to_string(),
            "bad escape at offset 101: 0xa6 followed by 0x07 (only 01 or 02 may follow)"
        );
    }

    fn frame(packet: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        wrap(packet, &mut out);
        out
    }

    #[test]
    fn decodes_byte_by_byte() {
        let wire = frame(&[1, 2, 0xA5, 0x5A, 3]);
        let mut d = Decoder::new();
        for (i, b) in wire.iter().enumerate() {
            d.feed(&[*b]);
            let got = d.decode().unwrap();
            if i + 1 < wire.len() {
                assert_eq!(got, None, "byte {i}");
            } else {
                assert_eq!(got.unwrap().bytes, [1, 2, 0xA5, 0x5A, 3]);
            }
        }
    }

    #[test]
    fn resyncs_after_garbage_and_reports_it() {
        let mut wire = vec![0x00, 0x13, 0x37];
        wire.extend(frame(&[9, 9, 9]));
        wire.extend(frame(&[7]));
        let mut d = Decoder::new();
        d.feed(&wire);
        let first = d.decode().unwrap().unwrap();
        assert_eq!(first.skipped, [0x00, 0x13, 0x37]);
        assert_eq!(first.offset, 3);
        let second = d.decode().unwrap().unwrap();
        assert_eq!(second.bytes, [7]);
        assert!(second.skipped.is_empty());
        assert_eq!(d.decode().unwrap(), None);
    }

    #[test]
    fn crc_mismatch_is_reported_then_decoding_continues() {
        let mut bad = frame(&[1, 2, 3]);
        let n = bad.len();
        bad[n - 2] ^= 0x01; // flip a CRC bit
        bad.extend(frame(&[4]));
        let mut d = Decoder::new();
        d.feed(&bad);
        match d.decode() {
            Err(FrameError::Checksum {
                offset: 0,
                expected,
                got,
            }) => assert_ne!(expected, got),
            other => panic!("unexpected {other:?}"),
        }
        assert_eq!(d.decode().unwrap().unwrap().bytes, [4]);
    }

    #[test]
    fn lost_tail_is_truncation_and_next_frame_survives() {
        let mut wire = frame(&[1, 2, 3]);
        wire.pop(); // drop the tail
        wire.extend(frame(&[5]));
        let mut d = Decoder::new();
        d.feed(&wire);
        assert!(matches!(d.decode(), Err(FrameError::Truncated { offset: 0, .. })));
        assert_eq!(d.decode().unwrap().unwrap().bytes, [5]);
    }

    #[test]
    fn stray_bytes_before_a_bad_frame_are_reported_not_dropped() {
        // Garbage, then a frame that lost its tail, then garbage, then a frame with a bad CRC.
        let mut wire = vec![0x00, 0x13];
        let mut cut = frame(&[1, 2, 3]);
        cut.pop();
        wire.extend(&cut);
        wire.extend(frame(&[5]));
        let at_second = wire.len() as u64;
        wire.extend([0x77]);
        let mut bad = frame(&[4]);
        let n = bad.len();
        bad[n - 2] ^= 1;
        wire.extend(&bad);
        let mut d = Decoder::new();
        d.feed(&wire);
        assert_eq!(
            d.decode(),
            Err(FrameError::Stray {
                offset: 0,
                bytes: vec![0x00, 0x13]
            })
        );
        assert!(matches!(d.decode(), Err(FrameError::Truncated { offset: 2, .. })));
        assert_eq!(d.decode().unwrap().unwrap().bytes, [5]);
        assert_eq!(
            d.decode(),
            Err(FrameError::Stray {
                offset: at_second,
                bytes: vec![0x77]
            })
        );
        assert!(matches!(d.decode(), Err(FrameError::Checksum { .. })));
        assert_eq!(d.decode(), Ok(None));
    }

    #[test]
    fn extra_tails_are_swallowed() {
        let mut wire = frame(&[1]);
        wire.extend([TAIL, TAIL]);
        wire.extend(frame(&[2]));
        let mut d = Decoder::new();
        d.feed(&wire);
        assert_eq!(d.decode().unwrap().unwrap().bytes, [1]);
        let second = d.decode().unwrap().unwrap();
        assert_eq!(second.bytes, [2]);
        assert!(second.skipped.is_empty());
    }

    #[test]
    fn empty_and_head_only_need_more() {
        let mut d = Decoder::new();
        assert_eq!(d.decode().unwrap(), None);
        d.feed(&[HEAD; 5]);
        assert_eq!(d.decode().unwrap(), None);
    }

    proptest::proptest! {
        #[test]
        fn roundtrip_any_packet(packet in proptest::collection::vec(proptest::num::u8::ANY, 0..300),
                                split in 0usize..400) {
            let wire = frame(&packet);
            let mut d = Decoder::new();
            let split = split.min(wire.len());
            d.feed(&wire[..split]);
            let early = d.decode();
            d.feed(&wire[split..]);
            let got = match early {
                Ok(Some(p)) => p,
                _ => d.decode().unwrap().unwrap(),
            };
            proptest::prop_assert_eq!(got.bytes, packet);
        }

        #[test]
        fn never_panics_on_noise(noise in proptest::collection::vec(proptest::num::u8::ANY, 0..600)) {
            let mut d = Decoder::new();
            d.feed(&noise);
            for _ in 0..700 {
                if let Ok(None) = d.decode() {
                    break;
                }
            }
        }
    }
}
