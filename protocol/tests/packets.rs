//! Packet-level vectors: published frames, frames built from the documented layouts, and the
//! property that every decodable packet encodes back to its own bytes.

use pinghu_protocol::fontcard::{
    AreaText, FontBody, FontCommand, FontHeader, FontPacket, FontReply, ReplyData, ScreenParams, StatusReport,
    TextArea, TextAreas,
};
use pinghu_protocol::graphic::{
    AreaUpdate, Brightness, DynamicArea, Generation, GraphicBody, GraphicCommand, GraphicHeader, GraphicPacket,
    GraphicReply, Page,
};
use pinghu_protocol::{CardTime, ErrorCode, Packet, decode_all, from_hex, to_hex};

fn one(wire_hex: &str) -> Packet {
    let (found, rest) = decode_all(&from_hex(wire_hex).unwrap());
    assert!(rest.is_empty(), "left over: {rest:02x?}");
    assert_eq!(found.len(), 1);
    found.into_iter().next().unwrap().result.unwrap()
}

fn roundtrip(p: &Packet) -> Packet {
    let wire = p.to_wire().unwrap();
    let back = one(&to_hex(&wire));
    assert_eq!(&back, p);
    // JSON too
    let json = serde_json::to_string(p).unwrap();
    let from_json: Packet = serde_json::from_str(&json).unwrap();
    assert_eq!(&from_json, p, "json: {json}");
    back
}

#[test]
fn vendor_graphic_ping() {
    // DOC5 §5.1.1: wildcard ping, the only vendor-published 0xF0 frame.
    let p = one("a5 a5 a5 a5 a5 a5 a5 a5 \
                 fe ff 00 80 f0 00 fe ff 00 00 00 00 05 00 00 00 \
                 01 a2 00 00 00 \
                 c6 86 5a");
    let Packet::Graphic(g) = &p else {
        panic!("not graphic: {p:?}")
    };
    assert_eq!(
        (g.header.dst, g.header.src, g.header.device_type),
        (0xFFFE, 0x8000, 0xFFFE)
    );
    let GraphicBody::Request(req) = &g.body else { panic!() };
    assert_eq!(req.reply, 1);
    assert_eq!(req.command, GraphicCommand::Ping);
    roundtrip(&p);
}

#[test]
fn font_card_ping_from_lk() {
    // dst 0001, src 8000, reserved 000000, option 00, check 00, display 00, device FE, ver 02,
    // len 0005 | A2 00 ping, 01 reply, 00 00 | CRC F868 LE.
    let p = one("a5a5a5a5a5a5a5a5 0100 0080 000000 00 00 00 fe 02 0500 a2 00 01 0000 68f8 5a");
    let Packet::FontCard(FontPacket {
        header,
        body: FontBody::Request(req),
    }) = &p
    else {
        panic!("{p:?}")
    };
    assert_eq!(header.dst, 1);
    assert_eq!(header.device_type, 0xFE);
    assert_eq!(req.command, FontCommand::Ping);
    assert_eq!(req.reply, 1);
    roundtrip(&p);
}

#[test]
fn font_card_ack_derived() {
    // docs/protocol.md C.2 derived ACK frame: dst 8000 src 0001 ... A0 00 00 00 00, CRC DC64.
    let p = one("a5a5a5a5a5a5a5a5 00 80 01 00 00 00 00 00 00 00 fe 02 05 00 a0 00 00 00 00 64 dc 5a");
    let Packet::FontCard(FontPacket {
        body: FontBody::Reply(r),
        ..
    }) = &p
    else {
        panic!("{p:?}")
    };
    assert!(r.is_ack());
    assert!(p.is_reply());
}

#[test]
fn font_card_nack_names_the_error() {
    let p = Packet::FontCard(FontPacket {
        header: FontHeader::to_card(0x8000, 0x51),
        body: FontBody::Reply(FontReply::nack(ErrorCode::FILE_BLOCK_NUM)),
    });
    let back = roundtrip(&p);
    let json = serde_json::to_value(&back).unwrap();
    assert_eq!(json["reply"]["error"], "ERR_FILE_BLOCK_NUM");
    let Packet::FontCard(FontPacket {
        body: FontBody::Reply(r),
        ..
    }) = back
    else {
        panic!()
    };
    assert!(r.is_nack());
    assert_eq!(r.error.to_string(), "ERR_FILE_BLOCK_NUM (16: file block number error)");
}

#[test]
fn text_area_with_escapes_and_odd_process_mode() {
    // A3 06 as vendor software sends it: ProcessMode 2D, no deletes, one area at y=12 h=12,
    // text with a font escape \FO000 and a colour escape \C2, GB2312-encoded.
    let mut area = TextArea::new(1, 0, 12, 8, 12, "\\FO000\\C2夷陵区停水通知，请提前储水。");
    area.run_mode = 2;
    area.timeout = 10;
    area.display_mode = 3;
    area.speed = 5;
    area.stay_time = 6;
    area.ext = vec![0x00];
    let p = Packet::FontCard(FontPacket {
        header: FontHeader::to_card(1, 0x51),
        body: FontBody::Request(pinghu_protocol::fontcard::FontRequest {
            reply: 2,
            reserved: [0x2D, 0x00],
            command: FontCommand::DynamicAreas(TextAreas {
                delete_all: false,
                delete: vec![],
                areas: vec![area],
            }),
        }),
    });
    let bytes = p.to_bytes().unwrap();
    // header (14) then: A3 06 | 02 | 2D 00 | del 00 | count 01 | area len (2) | type 00 | x 0000 | y 0c00 ...
    assert_eq!(&bytes[14..21], &[0xA3, 0x06, 0x02, 0x2D, 0x00, 0x00, 0x01]);
    assert_eq!(&bytes[23..32], &[0x00, 0x00, 0x00, 0x0C, 0x00, 0x08, 0x00, 0x0C, 0x00]);
    // The text is GB2312: 夷 = D2 C4, and the escapes are plain ASCII.
    let text_at = bytes.windows(6).position(|w| w == b"\\FO000").unwrap();
    assert_eq!(&bytes[text_at + 9..text_at + 11], &[0xD2, 0xC4]);
    let back = roundtrip(&p);
    let json = serde_json::to_value(&back).unwrap();
    assert_eq!(
        json["request"]["areas"][0]["text"],
        "\\FO000\\C2夷陵区停水通知，请提前储水。"
    );
    assert_eq!(json["request"]["reserved"], "2d00");
}

#[test]
fn text_area_with_sound_and_invalid_gbk_stays_raw() {
    let mut area = TextArea::new(2, 0x8000, 0, 0x8040, 16, "");
    area.sound_mode = 2;
    area.sound = Some(pinghu_protocol::fontcard::Sound {
        person_repeat: 0x13,
        volume: 5,
        speed: 5,
        data: Some(b"abc".to_vec()),
    });
    area.text = AreaText::Raw {
        text_hex: vec![0x81, 0x20, 0xFF],
    };
    let p = Packet::FontCard(FontPacket::request(
        FontHeader::to_card(1, 0x61),
        true,
        FontCommand::DynamicAreas(TextAreas {
            delete_all: true,
            delete: vec![],
            areas: vec![area],
        }),
    ));
    roundtrip(&p);
}

#[test]
fn unencodable_text_is_refused_with_the_character() {
    let p = Packet::FontCard(FontPacket::request(
        FontHeader::to_card(1, 0x61),
        true,
        FontCommand::DynamicAreas(TextAreas {
            delete_all: false,
            delete: vec![],
            areas: vec![TextArea::new(0, 0, 0, 8, 16, "A😀")],
        }),
    ));
    let e = p.to_bytes().unwrap_err().to_string();
    assert!(e.contains("U+1F600"), "{e}");
}

#[test]
fn status_query_and_report() {
    let q = Packet::FontCard(FontPacket::request(
        FontHeader::to_card(1, 0xFE),
        true,
        FontCommand::StatusQuery,
    ));
    assert_eq!(&q.to_bytes().unwrap()[14..], &[0xA1, 0x02, 0x01, 0x00, 0x00]);
    roundtrip(&q);
    let report = StatusReport {
        power: 1,
        brightness: 12,
        time: CardTime {
            year: 2026,
            month: 11,
            day: 28,
            hour: 8,
            minute: 30,
            second: 5,
            weekday: 6,
        },
        program_count: 0,
        program: *b"P000",
        special_dynamic: 0,
        special_pages: 0,
        areas: vec![0, 1],
        barcode: [0; 16],
        network_id: [0x20; 12],
    };
    let r = Packet::FontCard(FontPacket {
        header: FontHeader::to_card(0x8000, 0x51),
        body: FontBody::Reply(FontReply::status(report.clone())),
    });
    let back = roundtrip(&r);
    let Packet::FontCard(FontPacket {
        body: FontBody::Reply(FontReply {
            data: ReplyData::Status { status },
            ..
        }),
        ..
    }) = back
    else {
        panic!()
    };
    assert_eq!(status, report);
}

#[test]
fn time_sync_power_clear() {
    let t = CardTime {
        year: 2024,
        month: 7,
        day: 9,
        hour: 13,
        minute: 5,
        second: 59,
        weekday: 2,
    };
    let p = Packet::FontCard(FontPacket::request(
        FontHeader::to_card(1, 0xFE),
        true,
        FontCommand::TimeSync { time: t },
    ));
    assert_eq!(
        &p.to_bytes().unwrap()[19..],
        &[0x24, 0x20, 0x07, 0x09, 0x13, 0x05, 0x59, 0x02]
    );
    roundtrip(&p);
    for cmd in [
        FontCommand::Power { state: 2 },
        FontCommand::Clear,
        FontCommand::Reset,
        FontCommand::CancelTimedPower,
    ] {
        roundtrip(&Packet::FontCard(FontPacket::request(
            FontHeader::to_card(1, 0xFE),
            false,
            cmd,
        )));
    }
    let timed = FontCommand::TimedPower {
        slots: vec![pinghu_protocol::fontcard::PowerSlot {
            on: (6, 30),
            off: (23, 30),
        }],
    };
    let p = Packet::FontCard(FontPacket::request(FontHeader::to_card(1, 0xFE), true, timed));
    assert_eq!(&p.to_bytes().unwrap()[19..], &[0x01, 0x06, 0x30, 0x23, 0x30]);
    roundtrip(&p);
}

#[test]
fn screen_parameter_file_write() {
    let params = ScreenParams {
        file_type: 1,
        name: "C000".into(),
        controller_name: "LED00001".into(),
        address: 1,
        baud_code: 2,
        width: 128,
        height: 80,
        color: 1,
        rest: vec![0; 19],
    };
    let file = params.to_bytes().unwrap();
    assert_eq!(file.len(), 46);
    assert_eq!(&file[..5], &[0x01, b'C', b'0', b'0', b'0']);
    assert_eq!(&file[5..9], &[0x2E, 0, 0, 0]);
    assert_eq!(ScreenParams::parse(&file).unwrap(), params);
    let mut bad = file.clone();
    bad[20] ^= 1;
    assert!(
        ScreenParams::parse(&bad)
            .unwrap_err()
            .to_string()
            .contains("file CRC mismatch")
    );

    let start = Packet::FontCard(FontPacket::request(
        FontHeader::to_card(1, 0xFE),
        true,
        FontCommand::StartWriteFile {
            overwrite: 1,
            name: "C000".into(),
            length: 46,
        },
    ));
    // A1 05 | 01 | 00 00 | overwrite 01 | "C000" | length 2E 00 00 00
    assert_eq!(
        &start.to_bytes().unwrap()[14..],
        &[0xA1, 0x05, 0x01, 0, 0, 0x01, b'C', b'0', b'0', b'0', 0x2E, 0, 0, 0]
    );
    roundtrip(&start);
    let block = Packet::FontCard(FontPacket::request(
        FontHeader::to_card(1, 0xFE),
        true,
        FontCommand::WriteFileBlock {
            name: "C000".into(),
            last: 1,
            block: 0,
            offset: 0,
            data: file,
        },
    ));
    // A1 06 | 01 | 00 00 | "C000" | last 01 | block 0000 | len 2E00 | offset 00000000 | data
    assert_eq!(
        &block.to_bytes().unwrap()[14..33],
        &[
            0xA1, 0x06, 0x01, 0, 0, b'C', b'0', b'0', b'0', 0x01, 0, 0, 0x2E, 0, 0, 0, 0, 0, 0x01
        ]
    );
    roundtrip(&block);
}

fn gen_area(generation: Generation) -> DynamicArea {
    let bmp = {
        let mut b = pinghu_protocol::bitmap::LedBitmap::new(16, 2);
        b.set(0, 0, 1);
        b.set(15, 1, 3);
        b
    };
    let (fmt, x) = match generation {
        Generation::Gen5 => (pinghu_protocol::bitmap::PixelFormat::Bx5RedGreen, 0),
        Generation::Gen6 => (pinghu_protocol::bitmap::PixelFormat::Bx6RedGreen, 0),
    };
    let data = pinghu_protocol::bitmap::pack(fmt, x, &bmp);
    DynamicArea::new(
        0,
        x as u16,
        0,
        16,
        2,
        generation,
        vec![
            Page::new(1, 0, 300, 16, generation, data.clone()),
            Page::new(3, 2, 100, 16, generation, data),
        ],
    )
}

#[test]
fn area_update_gen6_layout() {
    let p = Packet::Graphic(GraphicPacket::request(
        GraphicHeader::to_card(1, 0x0174),
        true,
        GraphicCommand::UpdateAreas(AreaUpdate {
            generation: Generation::Gen6,
            areas: vec![gen_area(Generation::Gen6)],
        }),
    ));
    let b = p.to_bytes().unwrap();
    let d = &b[16..];
    // RtnReq 01 | A7 00 | DataLen = 2 + 4 + 93 + 32 = 131 | AreaNum 0100 | AreaDataLen = 33 + 30·2 = 93
    assert_eq!(&d[..11], &[0x01, 0xA7, 0x00, 131, 0, 0x01, 0x00, 93, 0, 0, 0]);
    // First page descriptor starts after the 33-2 = 31 area bytes and PageNum(2): PageDataLen 26.
    let pages = 11 + 31 + 2;
    assert_eq!(&d[pages..pages + 4], &[26, 0, 0, 0]);
    // DataOffset/DataLen of page 2: offset = len of page 1 = 2 planes × 2 rows × 4 bytes = 16.
    let second = pages + 30;
    assert_eq!(&d[second + 22..second + 30], &[16, 0, 0, 0, 16, 0, 0, 0]);
    assert_eq!(d.len(), 11 + 93 + 32);
    roundtrip(&p);
}

#[test]
fn area_update_gen5_layout() {
    let p = Packet::Graphic(GraphicPacket::request(
        GraphicHeader::to_card(1, 0x0254),
        true,
        GraphicCommand::UpdateAreas(AreaUpdate {
            generation: Generation::Gen5,
            areas: vec![gen_area(Generation::Gen5)],
        }),
    ));
    let b = p.to_bytes().unwrap();
    let d = &b[16..];
    // RtnReq | A7 00 | DataLen(2) | AreaDataLen(4) | AreaId ...   (no AreaNum on 5th gen)
    assert_eq!(&d[..5], &[0x01, 0xA7, 0x00, (d.len() - 5) as u8, 0]);
    assert_eq!(d[9], 0); // area id
    // Page 1: PageDataLen = 13 + 8 pixel bytes (16x2 dual-colour, 2 groups × 2 planes × 2 rows)
    let page = 9 + 22 + 2;
    assert_eq!(&d[page..page + 4], &[21, 0, 0, 0]);
    roundtrip(&p);
}

#[test]
fn brightness_and_delete() {
    let mut levels = vec![3u8; 48];
    levels[12..38].fill(15);
    for cmd in [
        GraphicCommand::SetBrightness(Brightness::manual(9)),
        GraphicCommand::SetBrightness(Brightness::Timed { levels }),
        GraphicCommand::SetBrightness(Brightness::Sensor {
            code: 2,
            thresholds: (1..=16).collect(),
            levels: (0..16).collect(),
        }),
        GraphicCommand::QueryBrightness { params: vec![] },
        GraphicCommand::DeleteAreas { all: true, ids: vec![] },
        GraphicCommand::DeleteAreas {
            all: false,
            ids: vec![1, 3],
        },
    ] {
        roundtrip(&Packet::Graphic(GraphicPacket::request(
            GraphicHeader::to_card(1, 0x0174),
            true,
            cmd,
        )));
    }
    // A7 01 delete all is `01 00 FF` after the command: the data's length, then FF (the vendor's
    // 6th-generation SDK, docs/protocol.md G.4 and G.8).
    let del = Packet::Graphic(GraphicPacket::request(
        GraphicHeader::to_card(0xFFFF, 0x0266),
        true,
        GraphicCommand::DeleteAreas { all: true, ids: vec![] },
    ));
    assert_eq!(&del.to_bytes().unwrap()[16..], &[0x01, 0xA7, 0x01, 0x01, 0x00, 0xFF]);
    // The BX-6Q reference writes `00 00` there: decoded, kept, encoded back as it was.
    let zero =
        pinghu_protocol::from_hex("a5a5a5a5a5a5a5a5 ffff 0080 f000 6602 00000000 06000000 01a7010000ff").unwrap();
    let mut wire = zero.clone();
    let crc = pinghu_protocol::crc16(&zero[8..]);
    wire.extend_from_slice(&crc.to_le_bytes());
    wire.push(0x5A);
    let p = one(&pinghu_protocol::to_hex(&wire));
    let Packet::Graphic(GraphicPacket {
        body: GraphicBody::Request(r),
        ..
    }) = &p
    else {
        panic!("{p:?}")
    };
    assert_eq!(r.declared_len, Some(0));
    assert_eq!(r.command, GraphicCommand::DeleteAreas { all: true, ids: vec![] });
    assert_eq!(p.to_wire().unwrap(), wire);
    // Manual brightness 9: DataLen 0x31, mode 0, 48 × 09.
    let b = Packet::Graphic(GraphicPacket::request(
        GraphicHeader::to_card(1, 0x0174),
        true,
        GraphicCommand::SetBrightness(Brightness::manual(9)),
    ))
    .to_bytes()
    .unwrap();
    assert_eq!(&b[16..22], &[0x01, 0xA2, 0x07, 0x31, 0x00, 0x00]);
    assert!(b[22..].iter().all(|&v| v == 9));
}

#[test]
fn graphic_replies() {
    for r in [
        GraphicReply::ack(),
        GraphicReply::nack(ErrorCode::CHECKSUM),
        GraphicReply::brightness_report(700, 1, 11),
    ] {
        let p = Packet::Graphic(GraphicPacket {
            header: GraphicHeader::to_card(0x8000, 0x0174),
            body: GraphicBody::Reply(r.clone()),
            tails: 1,
        });
        let back = roundtrip(&p);
        assert!(back.is_reply());
    }
    let nack = GraphicReply::nack(ErrorCode::CHECKSUM);
    assert!(nack.is_nack());
    assert_eq!(
        GraphicReply::brightness_report(700, 1, 11).brightness(),
        Some((700, 1, 11))
    );
    // Layout: reserved 00 | A0 01 | status 0100 | error 0500 | len 0000
    let p = Packet::Graphic(GraphicPacket {
        header: GraphicHeader::to_card(0x8000, 0x0174),
        body: GraphicBody::Reply(nack),
        tails: 1,
    });
    assert_eq!(
        &p.to_bytes().unwrap()[16..],
        &[0x00, 0xA0, 0x01, 0x01, 0x00, 0x05, 0x00, 0x00, 0x00]
    );
}

#[test]
fn unknown_command_and_bad_fields_keep_bytes() {
    // A font-card command nobody documented, and an A2 00 ping with a stray byte.
    for hex in [
        "a5a5a5a5a5a5a5a5 0100 0080 000000 00 00 00 fe 02 0700 a1 0b 01 0000 1234",
        "a5a5a5a5a5a5a5a5 0100 0080 000000 00 00 00 fe 02 0600 a2 00 01 0000 99",
    ] {
        let mut raw = from_hex(hex).unwrap();
        // add CRC + tail
        let crc = pinghu_protocol::crc16(&raw[8..]);
        raw.extend_from_slice(&crc.to_le_bytes());
        raw.push(0x5A);
        let p = one(&to_hex(&raw));
        let Packet::FontCard(FontPacket {
            body: FontBody::Request(req),
            ..
        }) = &p
        else {
            panic!()
        };
        assert!(matches!(req.command, FontCommand::Unknown { .. }), "{:?}", req.command);
        assert_eq!(p.to_wire().unwrap(), raw);
    }
}

#[test]
fn several_frames_with_garbage_between() {
    let a = Packet::FontCard(FontPacket::request(
        FontHeader::to_card(1, 0xFE),
        true,
        FontCommand::Ping,
    ))
    .to_wire()
    .unwrap();
    let b = Packet::Graphic(GraphicPacket::request(
        GraphicHeader::to_card(1, 0x0174),
        true,
        GraphicCommand::Ping,
    ))
    .to_wire()
    .unwrap();
    let mut stream = vec![0xFF, 0x00];
    stream.extend(&a);
    stream.extend([0x11]);
    stream.extend(&b);
    stream.extend([0xA5, 0xA5, 0x01]); // a partial frame at the end
    let (found, rest) = decode_all(&stream);
    assert_eq!(found.len(), 2);
    assert_eq!(found[0].skipped, [0xFF, 0x00]);
    assert_eq!(found[1].skipped, [0x11]);
    assert_eq!(rest, [0xA5, 0xA5, 0x01]);
}

#[test]
fn unknown_protocol_is_named() {
    let mut raw = vec![0xA5; 8];
    let body = [1u8, 2, 3, 4, 5];
    raw.extend(body);
    raw.extend(pinghu_protocol::crc16(&body).to_le_bytes());
    raw.push(0x5A);
    let (found, _) = decode_all(&raw);
    let e = found[0].result.as_ref().unwrap_err().to_string();
    assert!(e.contains("not an Onbon packet"), "{e}");
}

proptest::proptest! {
    /// Whatever a data field holds, a packet that decodes encodes back to the same bytes.
    #[test]
    fn decode_then_encode_is_identity_font(group in proptest::sample::select(vec![0xA0u8, 0xA1, 0xA2, 0xA3, 0x10]),
                                           cmd in proptest::sample::select(vec![0u8, 1, 2, 3, 4, 5, 6, 8, 0x10]),
                                           tail in proptest::collection::vec(proptest::num::u8::ANY, 0..120),
                                           dst in proptest::num::u16::ANY, res in proptest::num::u8::ANY) {
        let mut data = vec![group, cmd, 1, res, 0];
        data.extend(tail);
        let mut bytes = vec![];
        bytes.extend(dst.to_le_bytes());
        bytes.extend([0x00, 0x80, res, 0, 0, 0, 0, 0, 0xFE, 0x02]);
        bytes.extend((data.len() as u16).to_le_bytes());
        bytes.extend(&data);
        if let Ok(p) = Packet::parse(&bytes) {
            proptest::prop_assert_eq!(p.to_bytes().unwrap(), bytes);
        }
    }

    #[test]
    fn decode_then_encode_is_identity_graphic(group in proptest::sample::select(vec![0xA0u8, 0xA2, 0xA7]),
                                              cmd in proptest::sample::select(vec![0u8, 1, 7, 0x19, 0x99]),
                                              first in 0u8..2,
                                              tail in proptest::collection::vec(proptest::num::u8::ANY, 0..200),
                                              dev in proptest::sample::select(vec![0x0154u16, 0x0174, 0xFFFE])) {
        let mut data = vec![first, group, cmd];
        data.extend(tail);
        let mut bytes = vec![0x01, 0x00, 0x00, 0x80, 0xF0, 0x00];
        bytes.extend(dev.to_le_bytes());
        bytes.extend([0, 0, 0, 0]);
        bytes.extend((data.len() as u32).to_le_bytes());
        bytes.extend(&data);
        if let Ok(p) = Packet::parse(&bytes) {
            proptest::prop_assert_eq!(p.to_bytes().unwrap(), bytes);
        }
    }

    #[test]
    fn parse_never_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..200)) {
        let _ = Packet::parse(&bytes);
    }
}
