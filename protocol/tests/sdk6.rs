//! The requests Onbon's own 6th-generation SDK sent (docs/protocol.md, "What the vendor's SDK
//! sends"): each decodes to its named, typed fields and encodes back byte for byte, through the
//! typed value and through JSON (as `pinghu wire decode --json | pinghu wire encode -` does).

use pinghu_protocol::control::{ControlBody, ControlCommand, ControlPacket};
use pinghu_protocol::graphic::{Brightness, Generation, GraphicBody, GraphicCommand};
use pinghu_protocol::{CardTime, Packet, decode_all, from_hex, to_hex};

const VECTORS: &str = include_str!("data/sdk6-requests.txt");

fn vectors() -> Vec<(&'static str, Vec<u8>)> {
    VECTORS
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let (name, hex) = l.split_once(' ').unwrap();
            (name, from_hex(hex).unwrap())
        })
        .collect()
}

fn decode(wire: &[u8]) -> Packet {
    let (found, rest) = decode_all(wire);
    assert!(rest.is_empty(), "left over: {rest:02x?}");
    assert_eq!(found.len(), 1);
    found.into_iter().next().unwrap().result.unwrap()
}

fn control(p: &Packet) -> (&ControlPacket, &ControlCommand) {
    let Packet::Control(c) = p else {
        panic!("not a control packet: {p:?}")
    };
    let ControlBody::Request(r) = &c.body else {
        panic!("not a request")
    };
    assert_eq!(r.reply, 1);
    (c, &r.command)
}

#[test]
fn every_sdk_request_round_trips_byte_for_byte_and_through_json() {
    let all = vectors();
    assert_eq!(all.len(), 11);
    for (name, wire) in &all {
        let p = decode(wire);
        assert_eq!(to_hex(&p.to_wire().unwrap()), to_hex(wire), "{name}");
        let json = serde_json::to_string_pretty(&p).unwrap();
        assert!(!json.contains("\"unknown\""), "{name} decodes as unknown: {json}");
        let back: Packet = serde_json::from_str(&json).unwrap();
        assert_eq!(back, p, "{name}: {json}");
        assert_eq!(to_hex(&back.to_wire().unwrap()), to_hex(wire), "{name} through JSON");
    }
}

#[test]
fn every_sdk_request_decodes_to_its_named_fields() {
    for (name, wire) in vectors() {
        let p = decode(&wire);
        if name == "delete-dynamic" {
            // The only 0xF0 frame: A7 01 with the data's length in bytes 3-4 (G.4), two tails.
            let Packet::Graphic(g) = &p else { panic!("{p:?}") };
            let GraphicBody::Request(r) = &g.body else { panic!() };
            assert_eq!(r.declared_len, None, "bytes 3-4 hold the data's length");
            assert_eq!(r.command, GraphicCommand::DeleteAreas { all: true, ids: vec![] });
            assert_eq!(
                (g.header.dst, g.header.src, g.header.device_type, g.tails),
                (1, 0x8000, 0x0274, 2)
            );
            continue;
        }
        let (c, cmd) = control(&p);
        // The header as the SDK writes it (G.2).
        let h = &c.header;
        assert_eq!(h.generation, Generation::Gen6, "{name}");
        assert_eq!(
            (h.src, h.protocol_type, h.phy_type, h.options),
            (0x8000, 1, 1, 0),
            "{name}"
        );
        assert_eq!(
            (h.frame_len_max, h.encryption, h.secret),
            (0x0190, 0x96, [0; 6]),
            "{name}"
        );
        assert!(
            h.seq % 2 == 0 && h.seq != 0 && h.seq < 0x8000,
            "{name}: seq {:#06x}",
            h.seq
        );
        assert_eq!(c.tails, 2, "{name}");
        if name == "ping-wildcard" {
            assert_eq!((h.dst, h.device_type), (0xFFFE, 0xFFFE));
        } else {
            assert_eq!((h.dst, h.device_type), (1, 0x0274), "{name}");
        }
        let expected = match name {
            "ping-wildcard" => ControlCommand::Ping,
            "status" => ControlCommand::Status,
            "power-off" => ControlCommand::Power { state: 0 },
            "power-on" => ControlCommand::Power { state: 1 },
            "clock" => ControlCommand::SetClock {
                time: CardTime {
                    year: 2026,
                    month: 12,
                    day: 7,
                    hour: 2,
                    minute: 58,
                    second: 15,
                    weekday: 1,
                },
            },
            "brightness" => ControlCommand::SetBrightness(Brightness::Manual { levels: vec![7; 48] }),
            "delete-program" => ControlCommand::DeleteFiles {
                names: vec!["P000".into(), "D000".into()],
            },
            "start-write-d000" => ControlCommand::StartWriteFile {
                name: "D000".into(),
                file_type: 9,
                length: 0x0C11,
                overwrite: 1,
                crc32: 0x46FF_C097,
            },
            "start-write-p000" => ControlCommand::StartWriteFile {
                name: "P000".into(),
                file_type: 0,
                length: 92,
                overwrite: 1,
                crc32: 0x132A_B06C,
            },
            "write-p000" => {
                let ControlCommand::WriteFileBlock { data, .. } = cmd else {
                    panic!("{cmd:?}")
                };
                // The block carries the whole P000, whose last four bytes are its file CRC.
                let (body, crc) = data.split_at(data.len() - 4);
                assert_eq!(pinghu_protocol::file_crc32(body).to_le_bytes(), crc);
                ControlCommand::WriteFileBlock {
                    name: "P000".into(),
                    last: 1,
                    offset: 0,
                    data: data.clone(),
                }
            }
            other => panic!("no expectation for {other}"),
        };
        assert_eq!(cmd, &expected, "{name}");
    }
}

#[test]
fn the_sdks_program_upload_names_every_step() {
    // The steps around an upload that the capture holds only as names and short bodies (G.6):
    // each is a named command, and each answer the simulator gives has typed fields.
    for (hex, name) in [
        ("01a1080000", "start-transfer"),
        ("01a1060200 0005", "start-read-directory"),
        ("01a1070200 0000", "read-directory-block"),
        ("01a1120000", "memory-volume"),
        ("01a10d0400 43303030", "start-read-fixed-file"),
        ("01a2040000", "firmware-status"),
        ("01a20a0000", "controller-id"),
        ("01a20d0200 0001", "screen-lock"),
        ("01a1090000", "end-transfer"),
    ] {
        let body = from_hex(hex).unwrap();
        let p = ControlPacket::request(
            pinghu_protocol::control::ControlHeader::to_card(Generation::Gen6, 1, 0x0274),
            true,
            ControlCommand::Ping,
        );
        // Build the frame around the body by hand, as another implementation would.
        let bytes = p.to_bytes().unwrap();
        let mut raw = bytes[..28].to_vec();
        raw[22..24].copy_from_slice(&(body.len() as u16).to_le_bytes());
        raw[24..26].copy_from_slice(&pinghu_protocol::crc16(&body).to_le_bytes());
        raw[27] = raw[..27].iter().fold(0, |a, b| a ^ b);
        raw.extend_from_slice(&body);
        let mut wire = vec![0xA5; 8];
        pinghu_protocol::phy::escape_into(&raw, &mut wire);
        wire.push(0x5A);
        let decoded = decode(&wire);
        let (_, cmd) = control(&decoded);
        assert_eq!(cmd.name(), name, "{hex}");
        assert_eq!(decoded.to_wire().unwrap(), wire, "{name}");
        let json = serde_json::to_string(&decoded).unwrap();
        assert_eq!(serde_json::from_str::<Packet>(&json).unwrap(), decoded);
    }
}
