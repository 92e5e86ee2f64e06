//! The simulator against the requests Onbon's own 6th-generation SDK sent (docs/protocol.md,
//! "What the vendor's SDK sends"), not against Pinghu's: every answer is matched the way the SDK
//! matches it (addresses swapped, the wildcard echoed, the sequence plus 0x8000), the SDK's own
//! P000 is accepted beside a D000 and shown exactly as its bitmap says, and the SDK's delete
//! removes both files.

use jiff::Timestamp;
use pinghu_fonts::{ColorMode, Frame, LedColor};
use pinghu_protocol::bitmap::PixelFormat;
use pinghu_protocol::control::{ControlBody, ControlCommand, ControlHeader, ControlPacket, ReplyData};
use pinghu_protocol::graphic::Generation;
use pinghu_protocol::program::{ProgramArea, ProgramFile};
use pinghu_protocol::{Decoder, Packet, from_hex};
use pinghu_simulator::card::{Card, CardConfig, CardModel};

const VECTORS: &str = include_str!("../../protocol/tests/data/sdk6-requests.txt");

fn vector(name: &str) -> Vec<u8> {
    let line = VECTORS
        .lines()
        .find(|l| l.split_once(' ').is_some_and(|(n, _)| n == name))
        .unwrap_or_else(|| panic!("no vector {name}"));
    from_hex(line.split_once(' ').unwrap().1).unwrap()
}

fn card() -> Card {
    // The card the capture was made against: a BX-6E 192x64 red-green at address 1.
    Card::new(CardConfig {
        model: CardModel::Bx6e,
        width: 192,
        height: 64,
        colors: ColorMode::RedGreen,
        address: 1,
        control_header: true,
    })
}

/// Feed `wire` to the card; the answer's wire bytes and its decoded packet.
fn exchange(card: &mut Card, wire: &[u8], now: Timestamp) -> (Vec<u8>, Packet) {
    let mut d = Decoder::new();
    d.feed(wire);
    let reply = card.handle(Ok(d.decode().unwrap().unwrap()), now).expect("an answer");
    let bytes = reply.to_wire().unwrap();
    // Decoded again from its bytes, as the SDK would read them.
    let mut d = Decoder::new();
    d.feed(&bytes);
    let back = Packet::from_raw(&d.decode().unwrap().unwrap()).unwrap();
    (bytes, back)
}

/// G.1, read off the raw request and answer bytes (unescaped header fields), not our types.
fn assert_answers(name: &str, request: &[u8], answer: &[u8]) {
    let unescape = |w: &[u8]| {
        let mut d = Decoder::new();
        d.feed(w);
        d.decode().unwrap().unwrap().bytes
    };
    let (q, a) = (unescape(request), unescape(answer));
    let le = |b: &[u8], i: usize| u16::from_le_bytes([b[i], b[i + 1]]);
    assert_eq!(le(&a, 0), le(&q, 2), "{name}: reply dst = request src");
    assert_eq!(
        le(&a, 2),
        le(&q, 0),
        "{name}: reply src = request dst (wildcard echoed)"
    );
    assert_eq!(a[4], q[4], "{name}: same header version");
    if q[4] == 0x07 {
        assert_eq!(le(&a, 10), le(&q, 10).wrapping_add(0x8000), "{name}: sequence + 0x8000");
    }
    // The SDK accepts one or two tails; the card echoes the request's.
    let tails = |w: &[u8]| w.iter().rev().take_while(|b| **b == 0x5A).count();
    assert_eq!(tails(answer), tails(request), "{name}: tails");
}

fn control_reply(p: &Packet) -> &pinghu_protocol::control::ControlReply {
    match p {
        Packet::Control(ControlPacket {
            body: ControlBody::Reply(r),
            ..
        }) => r,
        other => panic!("not a control reply: {other:?}"),
    }
}

/// A request with Pinghu's codec for what the capture holds only as names (G.6's upload steps).
fn request(cmd: ControlCommand, seq: u16) -> Vec<u8> {
    let mut h = ControlHeader::to_card(Generation::Gen6, 1, 0x0274);
    h.seq = seq;
    ControlPacket::request(h, true, cmd).to_wire().unwrap()
}

#[test]
fn every_sdk_request_is_answered_as_the_sdk_matches_answers() {
    let mut c = card();
    let now = Timestamp::now();
    for name in [
        "ping-wildcard",
        "status",
        "power-off",
        "power-on",
        "clock",
        "brightness",
        "delete-dynamic",
    ] {
        let q = vector(name);
        let (a, p) = exchange(&mut c, &q, now);
        assert_answers(name, &q, &a);
        assert!(!p.is_nack(), "{name}: {p:?}");
    }
    // The answers carry what the SDK reads: 31 bytes of ping data with the card's own address
    // and type, 33 bytes of status.
    let (_, ping) = exchange(&mut c, &vector("ping-wildcard"), now);
    let r = control_reply(&ping);
    let info = r.ping_info().unwrap();
    assert_eq!(
        (info.address, info.controller_type, info.width, info.height, info.color),
        (1, 0x0274, 192, 64, 3)
    );
    let ReplyData::Ping { .. } = &r.data else { panic!() };
    let mut bytes = Vec::new();
    let p = Packet::Control(ControlPacket {
        header: ControlHeader::to_card(Generation::Gen6, 1, 1),
        body: ControlBody::Reply(r.clone()),
        tails: 1,
    });
    bytes.extend_from_slice(&p.to_bytes().unwrap()[28..]);
    assert_eq!(u16::from_le_bytes([bytes[7], bytes[8]]), 31, "ping data length");
    let (_, status) = exchange(&mut c, &vector("status"), now);
    let s = control_reply(&status).controller_status().unwrap();
    assert!(s.sensors.is_some(), "33 bytes: sensors and test button");
    // The clock the SDK set (2026-12-07 02:58:15, China time) is the card's clock now.
    assert_eq!(s.time.to_string()[..16], *"2026-12-07 02:58");
    // Brightness manual 8 (level byte 07).
    assert_eq!(s.brightness, 7);
}

#[test]
fn the_sdks_program_files_are_stored_shown_and_deleted_together() {
    let mut c = card();
    let now = Timestamp::now();
    // A bitmap with something in each plane and at the corners.
    let mut f = Frame::new(192, 64, ColorMode::RedGreen);
    for (x, y, col) in [
        (0, 0, LedColor::Red),
        (191, 0, LedColor::Green),
        (5, 63, LedColor::Yellow),
        (100, 30, LedColor::Red),
    ] {
        f.set(x, y, col);
    }
    for x in 40..80 {
        f.set(x, 10, LedColor::Green);
    }
    let bitmap = f.pack(PixelFormat::Bx6RedGreen, 0);
    assert_eq!(bitmap.len(), 3072, "the SDK's P000 names 3072 bytes of bitmap");
    // D000 as the G.6 layout says (written by Pinghu's codec: the capture holds only its A1 02).
    let page = pinghu_protocol::graphic::Page::new(2, 0x0A, 400, 192, Generation::Gen6, bitmap);
    let d = ProgramFile::always(
        "P000",
        vec![ProgramArea {
            x: 0,
            y: 0,
            width: 192,
            height: 64,
            pages: vec![page],
        }],
    )
    .to_gen6()
    .unwrap()
    .data;
    let crc = u32::from_le_bytes(d[d.len() - 4..].try_into().unwrap());
    let mut seq = 0x2000;
    let mut send = |c: &mut Card, cmd: ControlCommand| {
        seq += 2;
        let q = request(cmd, seq);
        let (a, p) = exchange(c, &q, now);
        assert_answers("upload step", &q, &a);
        p
    };
    for cmd in [
        ControlCommand::StartTransfer,
        ControlCommand::StartWriteFile {
            name: "D000".into(),
            file_type: 9,
            length: d.len() as u32,
            overwrite: 1,
            crc32: crc,
        },
    ] {
        assert!(!send(&mut c, cmd).is_nack());
    }
    for (i, block) in d.chunks(1024).enumerate() {
        let p = send(
            &mut c,
            ControlCommand::WriteFileBlock {
                name: "D000".into(),
                last: u8::from((i + 1) * 1024 >= d.len()),
                offset: (i * 1024) as u32,
                data: block.to_vec(),
            },
        );
        assert!(!p.is_nack(), "{p:?}");
    }
    // Now the SDK's own A1 02 and A1 03 for P000, byte for byte.
    for name in ["start-write-p000", "write-p000"] {
        let q = vector(name);
        let (a, p) = exchange(&mut c, &q, now);
        assert_answers(name, &q, &a);
        assert!(!p.is_nack(), "{name}: {p:?} ({:?})", c.errors);
    }
    assert!(!send(&mut c, ControlCommand::EndTransfer).is_nack());
    // The directory lists both files with their CRCs, as the SDK reads it (A1 06 then A1 07).
    let p = send(
        &mut c,
        ControlCommand::StartReadDirectory {
            file_type: 0xFF,
            dir_size: 5,
        },
    );
    assert_eq!(control_reply(&p).data, ReplyData::DirectorySize { count: 2 });
    let p = send(&mut c, ControlCommand::ReadDirectoryBlock { offset: 0 });
    let ReplyData::DirectoryBlock { last, files, .. } = &control_reply(&p).data else {
        panic!("{p:?}")
    };
    assert_eq!(*last, 1);
    let listed: Vec<_> = files.iter().map(|f| (f.name.as_str(), f.file_type, f.length)).collect();
    assert_eq!(listed, [("D000", 9, d.len() as u32), ("P000", 0, 92)]);
    assert_eq!(files[1].crc32, 0x132A_B06C);
    // With no dynamic area, the program shows, exactly as the bitmap says.
    assert_eq!(c.showing(now), "program");
    assert_eq!(c.settled_screen(now), f);
    // The SDK's delete takes both files; the glass goes blank.
    let q = vector("delete-program");
    let (a, p) = exchange(&mut c, &q, now);
    assert_answers("delete-program", &q, &a);
    assert!(!p.is_nack());
    assert!(
        c.flash.files.is_empty(),
        "{:?}",
        c.flash.files.keys().collect::<Vec<_>>()
    );
    assert_eq!(c.showing(now), "blank");
}

#[test]
fn a_program_the_card_cannot_use_is_refused_with_the_reason() {
    let mut c = card();
    let now = Timestamp::now();
    // The SDK's P000 without its D000: refused, and the card says to write D000 first.
    let (_, p) = exchange(&mut c, &vector("start-write-p000"), now);
    assert!(!p.is_nack());
    let (_, p) = exchange(&mut c, &vector("write-p000"), now);
    assert!(p.is_nack());
    assert_eq!(p.error_code(), pinghu_protocol::ErrorCode::FILE_NOT_EXIST);
    assert!(c.errors.last().unwrap().contains("D000"), "{:?}", c.errors);
    // A program file with the 5th generation's IEEE CRC, as Pinghu used to write it.
    let old = ProgramFile::always("P000", vec![]).to_bytes().unwrap();
    let mut seq = 0x3000;
    for cmd in [
        ControlCommand::StartWriteFile {
            name: "P000".into(),
            file_type: 0,
            length: old.len() as u32,
            overwrite: 1,
            crc32: pinghu_protocol::crc32(&old),
        },
        ControlCommand::WriteFileBlock {
            name: "P000".into(),
            last: 1,
            offset: 0,
            data: old.clone(),
        },
    ] {
        seq += 2;
        let (_, p) = exchange(&mut c, &request(cmd, seq), now);
        if seq == 0x3004 {
            assert_eq!(p.error_code(), pinghu_protocol::ErrorCode::FILE_CRC16);
        }
    }
    assert!(c.flash.files.is_empty());
}

#[test]
fn the_card_checks_a_file_before_it_takes_it_and_a_block_sent_twice_is_taken_once() {
    use pinghu_protocol::ErrorCode;
    let mut c = card();
    let now = Timestamp::now();
    let mut seq = 0x4000;
    let mut send = |c: &mut Card, cmd: ControlCommand| {
        seq += 2;
        exchange(c, &request(cmd, seq), now).1
    };
    let start = |name: &str, file_type: u8, length: u32, overwrite: u8| ControlCommand::StartWriteFile {
        name: name.into(),
        file_type,
        length,
        overwrite,
        crc32: 0,
    };
    // A name that is no card's (it would be a path on a file system), a type the name does not
    // have, more than the flash holds.
    for (cmd, code) in [
        (start("D/x/", 9, 10, 1), ErrorCode::FILE_NAME),
        (start("D000", 7, 10, 1), ErrorCode::FILE_TYPE),
        (start("D000", 9, u32::MAX, 1), ErrorCode::MEMORY_VOLUME),
    ] {
        let p = send(&mut c, cmd.clone());
        assert_eq!(p.error_code(), code, "{cmd:?}");
    }
    // A file of another type ends with its file CRC too, and is taken.
    let mut i000 = b"\x07I000hello".to_vec();
    let crc = pinghu_protocol::file_crc32(&i000);
    i000.extend_from_slice(&crc.to_le_bytes());
    let p = send(
        &mut c,
        ControlCommand::StartWriteFile {
            name: "I000".into(),
            file_type: 7,
            length: i000.len() as u32,
            overwrite: 1,
            crc32: crc,
        },
    );
    assert!(!p.is_nack(), "{p:?}");
    let block = |data: &[u8], offset: u32, last: u8| ControlCommand::WriteFileBlock {
        name: "I000".into(),
        last,
        offset,
        data: data.to_vec(),
    };
    assert!(!send(&mut c, block(&i000[..6], 0, 0)).is_nack());
    // Its ACK was lost; the host sends the same block again: taken, nothing changes.
    assert!(!send(&mut c, block(&i000[..6], 0, 0)).is_nack());
    let p = send(&mut c, block(&i000[6..], 6, 1));
    assert!(!p.is_nack(), "{p:?} {:?}", c.errors);
    assert_eq!(c.flash.files["I000"].data, i000);
    // Not to be overwritten: refused as existing.
    let p = send(&mut c, start("I000", 7, 10, 0));
    assert_eq!(p.error_code(), ErrorCode::FILE_EXIST);
    // A known command with fields that do not parse: ERR_COMMAND_PARA, not "no such command".
    let p = send(
        &mut c,
        ControlCommand::Unknown {
            group: 0xA2,
            cmd: 0x0D,
            data: vec![1],
            why: None,
        },
    );
    assert_eq!(p.error_code(), ErrorCode::COMMAND_PARA);
}
