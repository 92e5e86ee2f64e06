//! Pinghu's own requests against the ones Onbon's 6th-generation SDK sent for the same
//! operations (docs/protocol.md, "What the vendor's SDK sends"). The card client runs for real
//! over an in-memory pipe to the simulator's card model, every frame it writes is recorded, and
//! each is compared with the SDK's bytes once these fields are normalised (set equal in both):
//!
//! | field | why it differs |
//! |---|---|
//! | control header `seq` (bytes 10-11) | a fresh even number per request, from a different start |
//! | control header `random` (byte 15) | one random byte per session |
//! | the D000 `A1 02` CRC | it covers the SDK's bitmap, whose bytes the capture does not hold |
//!
//! The header's XOR and body CRC-16 follow from the fields and are recomputed by the encoder.
//! The clock request is made for the SDK's own moment (2026-12-07 02:58:15, China time), so
//! nothing in it is normalised.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use pinghu::card::client::{CardClient, try_protocols};
use pinghu::card::device::CardModel;
use pinghu::card::link::Link;
use pinghu_fonts::ColorMode;
use pinghu_protocol::control::{ControlBody, ControlCommand};
use pinghu_protocol::graphic::{Generation, Page};
use pinghu_protocol::program::{ProgramArea, ProgramFile};
use pinghu_protocol::{Decoder, Packet, from_hex, to_hex_spaced};
use pinghu_simulator::card::{Card, CardConfig};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _, DuplexStream};

const VECTORS: &str = include_str!("../../protocol/tests/data/sdk6-requests.txt");

fn vector(name: &str) -> Vec<u8> {
    let line = VECTORS
        .lines()
        .find(|l| l.split_once(' ').is_some_and(|(n, _)| n == name))
        .unwrap_or_else(|| panic!("no vector {name}"));
    from_hex(line.split_once(' ').unwrap().1).unwrap()
}

/// Serve the card model on `io`, keeping the wire bytes of every frame the host wrote.
async fn serve(mut io: DuplexStream, card: Arc<Mutex<Card>>, frames: Arc<Mutex<Vec<Vec<u8>>>>) {
    let mut decoder = Decoder::new();
    let mut buf = [0u8; 8192];
    let mut pending: Vec<u8> = Vec::new();
    loop {
        let n = match io.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        decoder.feed(&buf[..n]);
        pending.extend_from_slice(&buf[..n]);
        while let Ok(Some(raw)) = decoder.decode() {
            // The frame's own bytes: from its head to the end of its tails.
            let end = pending.len() - decoder.pending().len();
            let start = pending[..end].iter().position(|b| *b == 0xA5).unwrap_or(0);
            frames.lock().unwrap().push(pending[start..end].to_vec());
            pending.drain(..end);
            let reply = card.lock().unwrap().handle(Ok(raw), jiff::Timestamp::now());
            if let Some(r) = reply
                && io.write_all(&r.to_wire().unwrap()).await.is_err()
            {
                return;
            }
        }
    }
}

fn sdk_program() -> ProgramFile {
    // The program of the capture: one 192x64 red-green page, display mode 02, speed 0A,
    // 4 s, starting 12-07 (the SDK writes the day it ran).
    let page = Page::new(2, 0x0A, 400, 192, Generation::Gen6, vec![0xFF; 3072]);
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

/// The packet with the normalised fields set to fixed values.
fn normalised(wire: &[u8]) -> Packet {
    let mut d = Decoder::new();
    d.feed(wire);
    let raw = d.decode().unwrap().unwrap();
    let mut p = Packet::from_raw(&raw).unwrap();
    if let Packet::Control(c) = &mut p {
        c.header.seq = 0;
        c.header.random = 0;
        if let ControlBody::Request(r) = &mut c.body
            && let ControlCommand::StartWriteFile { name, crc32, .. } = &mut r.command
            && name == "D000"
        {
            *crc32 = 0;
        }
    }
    p
}

#[tokio::test(start_paused = true)]
async fn pinghus_requests_equal_the_sdks_once_normalised() {
    let card = Arc::new(Mutex::new(Card::new(CardConfig {
        model: CardModel::Bx6e,
        width: 192,
        height: 64,
        colors: ColorMode::RedGreen,
        address: 1,
        control_header: true,
    })));
    let frames = Arc::new(Mutex::new(Vec::new()));
    let (host, device) = tokio::io::duplex(256 * 1024);
    tokio::spawn(serve(device, Arc::clone(&card), Arc::clone(&frames)));
    let mut link = Link::new(Box::new(host), Duration::from_millis(500));

    // Each operation, and the frame of it to compare (the last frame it wrote with that code).
    let take = |code: (u8, u8), from: usize| -> Vec<u8> {
        let f = frames.lock().unwrap();
        f[from..]
            .iter()
            .rev()
            .find(|w| {
                let mut d = Decoder::new();
                d.feed(w);
                Packet::from_raw(&d.decode().unwrap().unwrap()).unwrap().code() == code
            })
            .cloned()
            .unwrap_or_else(|| panic!("no {code:02x?} frame"))
    };
    let mut mine: Vec<(&str, Vec<u8>)> = Vec::new();

    // Discovery: the wildcard ping, as `pinghu diag probe` sends it.
    let found = try_protocols(&mut link, Duration::from_millis(300))
        .await
        .unwrap()
        .unwrap();
    assert_eq!((found.protocol.as_str(), found.address), ("bx-6e", Some(1)));
    mine.push(("ping-wildcard", take((0xA2, 0x00), 0)));
    link.retries = 0;
    let mut c = CardClient::new(link, CardModel::Bx6e, 1);
    let mark = || frames.lock().unwrap().len();

    let m = mark();
    c.controller_status().await.unwrap().unwrap();
    mine.push(("status", take((0xA2, 0x0F), m)));
    let m = mark();
    c.power(false).await.unwrap();
    mine.push(("power-off", take((0xA2, 0x05), m)));
    let m = mark();
    c.power(true).await.unwrap();
    mine.push(("power-on", take((0xA2, 0x05), m)));
    let m = mark();
    let sdk_moment: jiff::Timestamp = "2026-12-07T02:58:15+08:00".parse().unwrap();
    c.time_sync(sdk_moment).await.unwrap();
    mine.push(("clock", take((0xA2, 0x02), m)));
    let m = mark();
    c.brightness(&[7]).await.unwrap();
    mine.push(("brightness", take((0xA2, 0x07), m)));
    let m = mark();
    c.clear().await.unwrap();
    mine.push(("delete-dynamic", take((0xA7, 0x01), m)));
    let m = mark();
    let written = c.write_program(&sdk_program()).await.unwrap();
    assert_eq!(written, 0x0C11 + 92);
    {
        let f = frames.lock().unwrap();
        let starts: Vec<Vec<u8>> = f[m..]
            .iter()
            .filter(|w| {
                let mut d = Decoder::new();
                d.feed(w);
                Packet::from_raw(&d.decode().unwrap().unwrap()).unwrap().code() == (0xA1, 0x02)
            })
            .cloned()
            .collect();
        assert_eq!(starts.len(), 2, "D000 then P000");
        mine.push(("start-write-d000", starts[0].clone()));
        mine.push(("start-write-p000", starts[1].clone()));
    }
    mine.push(("write-p000", take((0xA1, 0x03), m)));
    let m = mark();
    c.delete_program(&sdk_program()).await.unwrap();
    mine.push(("delete-program", take((0xA1, 0x01), m)));

    let mut checked = 0;
    for (name, wire) in &mine {
        let want = normalised(&vector(name));
        let got = normalised(wire);
        assert_eq!(
            to_hex_spaced(&got.to_wire().unwrap()),
            to_hex_spaced(&want.to_wire().unwrap()),
            "{name}: Pinghu's request differs from the SDK's"
        );
        checked += 1;
    }
    // Every operation of the capture was compared.
    let all = VECTORS
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .count();
    assert_eq!(checked, all);
    // The upload went in the SDK's order: A1 08, A1 12, D000, P000, A1 09.
    let order: Vec<(u8, u8)> = frames.lock().unwrap()[..]
        .iter()
        .map(|w| {
            let mut d = Decoder::new();
            d.feed(w);
            Packet::from_raw(&d.decode().unwrap().unwrap()).unwrap().code()
        })
        .filter(|c| c.0 == 0xA1)
        .collect();
    let want: Vec<(u8, u8)> = [(0xA1, 0x08), (0xA1, 0x12), (0xA1, 0x02)]
        .into_iter()
        .chain(std::iter::repeat_n((0xA1, 0x03), 4))
        .chain([(0xA1, 0x02), (0xA1, 0x03), (0xA1, 0x09), (0xA1, 0x01)])
        .collect();
    assert_eq!(order, want);
    // Each control request took a fresh even sequence number.
    let seqs: Vec<u16> = frames.lock().unwrap()[..]
        .iter()
        .filter_map(|w| {
            let mut d = Decoder::new();
            d.feed(w);
            match Packet::from_raw(&d.decode().unwrap().unwrap()).unwrap() {
                Packet::Control(c) => Some(c.header.seq),
                _ => None,
            }
        })
        .collect();
    assert!(seqs.iter().all(|s| s % 2 == 0 && *s != 0 && *s < 0x8000), "{seqs:?}");
    let mut unique = seqs[1..].to_vec();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(
        unique.len(),
        seqs.len() - 1,
        "a sequence number was used twice: {seqs:?}"
    );
}
