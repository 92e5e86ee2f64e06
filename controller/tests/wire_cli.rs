//! `pinghu wire` as a user runs it: the real binary, hex in, JSON out, and back.

use std::io::Write as _;
use std::process::{Command, Stdio};

use pinghu_protocol::fontcard::{FontCommand, FontHeader, FontPacket, TextArea, TextAreas};
use pinghu_protocol::graphic::{
    AreaUpdate, DynamicArea, Generation, GraphicCommand, GraphicHeader, GraphicPacket, Page,
};
use pinghu_protocol::{CardTime, Packet, to_hex_spaced};

fn pinghu(args: &[&str], stdin: Option<&str>) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_pinghu"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(s) = stdin {
        child.stdin.take().unwrap().write_all(s.as_bytes()).unwrap();
    }
    drop(child.stdin.take());
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn frames() -> Vec<Packet> {
    let fh = FontHeader::to_card(1, 0x51);
    let gh = GraphicHeader::to_card(1, 0x0174);
    let mut area = TextArea::new(0, 0, 0, 16, 16, "\\C2欢迎来到夷陵区政务服务中心");
    area.display_mode = 3;
    vec![
        Packet::FontCard(FontPacket::request(fh.clone(), true, FontCommand::Ping)),
        Packet::FontCard(FontPacket::request(fh.clone(), true, FontCommand::StatusQuery)),
        Packet::FontCard(FontPacket::request(
            fh.clone(),
            true,
            FontCommand::TimeSync {
                time: CardTime {
                    year: 2026,
                    month: 11,
                    day: 28,
                    hour: 9,
                    minute: 0,
                    second: 0,
                    weekday: 6,
                },
            },
        )),
        Packet::FontCard(FontPacket::request(
            fh,
            false,
            FontCommand::DynamicAreas(TextAreas {
                delete_all: false,
                delete: vec![],
                areas: vec![area],
            }),
        )),
        Packet::Graphic(GraphicPacket::request(
            gh,
            true,
            GraphicCommand::UpdateAreas(AreaUpdate {
                generation: Generation::Gen6,
                areas: vec![DynamicArea::new(
                    1,
                    0,
                    0,
                    8,
                    1,
                    Generation::Gen6,
                    vec![Page::new(
                        1,
                        0,
                        100,
                        8,
                        Generation::Gen6,
                        vec![0x7E, 0xA5, 0x5A, 0xFF, 0xFF, 0xFF, 0xFF, 0x00],
                    )],
                )],
            }),
        )),
    ]
}

#[test]
fn decode_json_then_encode_reproduces_every_frame() {
    let mut all = String::new();
    for p in frames() {
        let hex = to_hex_spaced(&p.to_wire().unwrap());
        let (code, json, err) = pinghu(&["wire", "decode", "--json", &hex], None);
        assert_eq!(code, 0, "{err}");
        let (code, back, err) = pinghu(&["wire", "encode", "-"], Some(&json));
        assert_eq!(code, 0, "{err}");
        assert_eq!(back.trim(), hex);
        all.push_str(&hex);
        all.push('\n');
    }
    // All frames at once, from stdin, through a file.
    let (code, json, _) = pinghu(&["wire", "decode", "--json", "-"], Some(&all));
    assert_eq!(code, 0);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("frames.json");
    std::fs::write(&path, json).unwrap();
    let (code, back, _) = pinghu(&["wire", "encode", "--json", path.to_str().unwrap()], None);
    assert_eq!(code, 0);
    assert_eq!(back, all);
}

#[test]
fn human_decode_shows_text_in_utf8() {
    let hex = to_hex_spaced(&frames()[3].to_wire().unwrap());
    let (code, out, _) = pinghu(&["wire", "decode", &hex], None);
    assert_eq!(code, 0);
    assert!(out.contains("text: \"\\\\C2欢迎来到夷陵区政务服务中心\""), "{out}");
    assert!(out.contains("request dynamic-areas (A3 06)"), "{out}");
}

#[test]
fn bad_crc_exits_1_naming_offset_and_values() {
    let mut wire = frames()[0].to_wire().unwrap();
    let n = wire.len();
    wire[n - 3] ^= 0xFF;
    let (code, out, _) = pinghu(&["wire", "decode", &to_hex_spaced(&wire)], None);
    assert_eq!(code, 1);
    assert!(
        out.contains("checksum mismatch in frame at offset 0: expected"),
        "{out}"
    );
}

#[test]
fn bad_usage_exits_2() {
    let (code, _, err) = pinghu(&["wire", "frobnicate"], None);
    assert_eq!(code, 2, "{err}");
    let (code, _, err) = pinghu(&["wire", "decode", "xyz"], None);
    assert_eq!(code, 1);
    assert!(err.contains("not a hex digit"), "{err}");
}

/// The BX-5M1's published frames (docs/protocol.md Part D): ping, status, power on, power off.
const CONTROL_CAPTURES: [&str; 4] = [
    "a5 a5 a5 a5 a5 a5 a5 a5 fe ff 00 80 05 00 fe ff 01 00 02 59 00 90 96 72 00 00 00 00 00 00 05 00 1e 78 c8 01 a2 00 00 00 5a 5a",
    "a5 a5 a5 a5 a5 a5 a5 a5 01 00 00 80 05 00 52 00 01 00 32 6c 00 90 96 5d 00 00 00 00 00 00 05 00 2e 7b 82 01 a2 0f 00 00 5a 5a",
    "a5 a5 a5 a5 a5 a5 a5 a5 01 00 00 80 05 00 52 00 01 00 6a 58 00 90 96 02 00 00 00 00 00 00 06 00 68 c4 4b 01 a2 05 01 00 01 5a 5a",
    "a5 a5 a5 a5 a5 a5 a5 a5 01 00 00 80 05 00 52 00 01 00 6e 58 00 90 96 76 00 00 00 00 00 00 06 00 a9 04 3a 01 a2 05 01 00 00 5a 5a",
];

#[test]
fn control_header_frames_are_named_and_round_trip_byte_for_byte() {
    for hex in CONTROL_CAPTURES {
        let (code, json, err) = pinghu(&["wire", "decode", "--json", hex], None);
        assert_eq!(code, 0, "{err}");
        let (code, back, err) = pinghu(&["wire", "encode", "-"], Some(&json));
        assert_eq!(code, 0, "{err}");
        assert_eq!(back.trim(), hex);
    }
    let (code, out, _) = pinghu(&["wire", "decode", CONTROL_CAPTURES[2]], None);
    assert_eq!(code, 0);
    assert!(out.contains("control header (version 0x05"), "{out}");
    assert!(out.contains("request power (A2 05)"), "{out}");
    assert!(out.contains("state: 1 (on)"), "{out}");
}

#[test]
fn a_bad_control_header_xor_or_body_crc_is_named_not_taken_for_an_f0_crc() {
    let mut wire = pinghu_protocol::from_hex(CONTROL_CAPTURES[1]).unwrap();
    wire[8 + 26] ^= 0x10;
    let (code, out, _) = pinghu(&["wire", "decode", &to_hex_spaced(&wire)], None);
    assert_eq!(code, 1);
    assert!(
        out.contains(
            "control header check failed in frame at offset 0: the XOR of the header bytes is 0x82, the frame says 0x92"
        ),
        "{out}"
    );
    let mut wire = pinghu_protocol::from_hex(CONTROL_CAPTURES[3]).unwrap();
    let n = wire.len();
    wire[n - 3] = 0x02; // power state 00 -> 02: the body no longer matches its CRC
    let (code, out, _) = pinghu(&["wire", "decode", &to_hex_spaced(&wire)], None);
    assert_eq!(code, 1);
    assert!(out.contains("control body CRC mismatch in frame at offset 0"), "{out}");
    assert!(!out.contains("checksum mismatch"), "{out}");
}

/// The requests Onbon's 6th-generation SDK sent (docs/protocol.md, "What the vendor's SDK
/// sends") and the simulator's answers to them: every one decodes to a named command, and
/// `wire decode --json | wire encode` gives back the same bytes (the status answer's two
/// `status` fields and the second `5A` of 0xF0 frames were lost before).
#[test]
fn the_vendor_sdks_frames_and_the_answers_to_them_round_trip_through_json() {
    use pinghu_protocol::control::{ControlCommand, ControlHeader, ControlPacket};
    use pinghu_simulator::card::{Card, CardConfig, CardModel};
    let mut card = Card::new(CardConfig {
        model: CardModel::Bx6e,
        width: 192,
        height: 64,
        colors: pinghu_fonts::ColorMode::RedGreen,
        address: 1,
        control_header: true,
    });
    let mut all = String::new();
    for line in include_str!("../../protocol/tests/data/sdk6-requests.txt").lines() {
        let Some((_, hex)) = line.split_once(' ').filter(|_| !line.starts_with('#')) else {
            continue;
        };
        let wire = pinghu_protocol::from_hex(hex).unwrap();
        all.push_str(&to_hex_spaced(&wire));
        all.push('\n');
        let mut d = pinghu_protocol::Decoder::new();
        d.feed(&wire);
        let answer = card
            .handle(Ok(d.decode().unwrap().unwrap()), jiff::Timestamp::now())
            .unwrap();
        all.push_str(&to_hex_spaced(&answer.to_wire().unwrap()));
        all.push('\n');
    }
    let (code, json, err) = pinghu(&["wire", "decode", "--json", "-"], Some(&all));
    assert_eq!(code, 0, "{err}");
    assert!(!json.contains("\"unknown\""), "{json}");
    assert!(
        json.contains("\"controller\""),
        "the status answer's typed fields: {json}"
    );
    let (code, back, err) = pinghu(&["wire", "encode", "-"], Some(&json));
    assert_eq!(code, 0, "{err}");
    assert_eq!(back, all);
    // The human form names the maintenance commands the SDK uses around an upload.
    let read_dir = Packet::Control(ControlPacket::request(
        ControlHeader::to_card(Generation::Gen6, 1, 0x0274),
        true,
        ControlCommand::StartReadDirectory {
            file_type: 0xFF,
            dir_size: 15,
        },
    ));
    let (code, out, _) = pinghu(&["wire", "decode", &to_hex_spaced(&read_dir.to_wire().unwrap())], None);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("start-read-directory (A1 06)"), "{out}");
}
