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
                reserved: [0; 2],
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
