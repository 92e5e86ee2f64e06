//! Fuzz the stream decoder and the packet parser: no input may panic, and every packet that
//! decodes must encode back to the same bytes.
//!
//! `cd protocol/fuzz && cargo fuzz run -s none decode` (stable Rust: `-s none` turns off the
//! sanitizer, which needs nightly).

#![no_main]

use libfuzzer_sys::fuzz_target;
use pinghu_protocol::{Decoder, Packet};

fuzz_target!(|data: &[u8]| {
    // The stream decoder, fed in two chunks.
    let mut d = Decoder::new();
    let split = data.first().map_or(0, |b| usize::from(*b)).min(data.len());
    d.feed(&data[..split]);
    let _ = d.decode();
    d.feed(&data[split..]);
    for _ in 0..64 {
        match d.decode() {
            Ok(None) => break,
            Ok(Some(raw)) => {
                if let Ok(p) = Packet::parse(&raw.bytes) {
                    assert_eq!(p.to_bytes().expect("a decoded packet encodes"), raw.bytes);
                }
            }
            Err(_) => {}
        }
    }
    // The parser on the raw bytes, as if they were an unescaped packet.
    if let Ok(p) = Packet::parse(data) {
        assert_eq!(p.to_bytes().expect("a decoded packet encodes"), data);
    }
});
