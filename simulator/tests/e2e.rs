//! The real `pinghu-sim` process, driven over TCP and over its pseudo-terminal with frames from
//! the protocol crate; replies, `state.json` and `screen.png` checked.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use pinghu_fonts::{ColorMode, Frame, LedColor};
use pinghu_protocol::bitmap::{PixelFormat, pack};
use pinghu_protocol::fontcard::{
    FontBody, FontCommand, FontHeader, FontPacket, ReplyData, ScreenParams, TextArea, TextAreas,
};
use pinghu_protocol::graphic::{
    AreaUpdate, DynamicArea, Generation, GraphicBody, GraphicCommand, GraphicHeader, GraphicPacket, Page,
};
use pinghu_protocol::{CardTime, Decoder, ErrorCode, Packet};

struct Sim {
    child: Child,
    tcp: Option<String>,
    serial: Option<String>,
    dir: tempfile::TempDir,
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(args: &[&str]) -> Sim {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_pinghu-sim"))
        .args(["--listen", "127.0.0.1:0", "--headless", "--snapshot-dir"])
        .arg(dir.path())
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let (mut tcp, mut serial) = (None, None);
    while let Some(Ok(l)) = lines.next() {
        if let Some(a) = l.strip_prefix("listening tcp ") {
            tcp = Some(a.to_string());
        } else if let Some(p) = l.strip_prefix("listening serial ") {
            serial = Some(p.to_string());
        } else if l.starts_with("snapshots ") {
            break;
        }
    }
    Sim {
        child,
        tcp,
        serial,
        dir,
    }
}

fn exchange<S: Read + Write>(s: &mut S, p: &Packet, wait: Duration) -> Option<Packet> {
    s.write_all(&p.to_wire().unwrap()).unwrap();
    read_reply(s, wait)
}

fn read_reply<S: Read>(s: &mut S, wait: Duration) -> Option<Packet> {
    let mut d = Decoder::new();
    let deadline = Instant::now() + wait;
    let mut buf = [0u8; 1024];
    while Instant::now() < deadline {
        match s.read(&mut buf) {
            Ok(0) => return None,
            Ok(n) => {
                d.feed(&buf[..n]);
                if let Ok(Some(raw)) = d.decode() {
                    return Some(Packet::parse(&raw.bytes).unwrap());
                }
            }
            Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {}
            Err(_) => return None,
        }
    }
    None
}

fn connect(sim: &Sim) -> TcpStream {
    let s = TcpStream::connect(sim.tcp.as_deref().unwrap()).unwrap();
    s.set_read_timeout(Some(Duration::from_millis(50))).unwrap();
    s
}

fn state(sim: &Sim) -> serde_json::Value {
    let text = std::fs::read_to_string(sim.dir.path().join("state.json")).unwrap_or_default();
    serde_json::from_str(&text).unwrap_or(serde_json::Value::Null)
}

fn wait_state(sim: &Sim, what: &str, pred: impl Fn(&serde_json::Value) -> bool) -> serde_json::Value {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let s = state(sim);
        if pred(&s) {
            return s;
        }
        assert!(Instant::now() < deadline, "state.json never showed {what}: {s:#}");
        std::thread::sleep(Duration::from_millis(30));
    }
}

fn gh() -> GraphicHeader {
    GraphicHeader::to_card(1, 0x0274)
}

fn graphic_reply(p: &Packet) -> &pinghu_protocol::graphic::GraphicReply {
    match p {
        Packet::Graphic(GraphicPacket {
            body: GraphicBody::Reply(r),
            ..
        }) => r,
        other => panic!("not a graphic reply: {other:?}"),
    }
}

fn test_frame() -> Frame {
    let mut f = Frame::new(64, 16, ColorMode::RedGreen);
    for x in 0..64 {
        f.set(x, 0, LedColor::Red);
        f.set(x, 15, LedColor::Green);
    }
    for y in 0..16 {
        f.set(y * 4 % 64, y, LedColor::Yellow);
    }
    f
}

fn update(frame: &Frame, x: u16, display_mode: u8) -> Packet {
    let data = pack(PixelFormat::Bx6RedGreen, u32::from(x), &frame.to_led_bitmap());
    let w = frame.width() as u16;
    let area = DynamicArea::new(
        0,
        x,
        0,
        w,
        frame.height() as u16,
        Generation::Gen6,
        vec![Page::new(display_mode, 0, 500, w, Generation::Gen6, data)],
    );
    Packet::Graphic(GraphicPacket::request(
        gh(),
        true,
        GraphicCommand::UpdateAreas(AreaUpdate {
            generation: Generation::Gen6,
            areas: vec![area],
        }),
    ))
}

#[test]
fn graphic_card_over_tcp_shows_what_it_was_sent() {
    let sim = start(&[
        "--protocol",
        "bx-6e",
        "--width",
        "64",
        "--height",
        "16",
        "--colors",
        "red-green",
        "--scale",
        "4",
    ]);
    let mut s = connect(&sim);
    let ping = Packet::Graphic(GraphicPacket::request(gh(), true, GraphicCommand::Ping));
    let r = exchange(&mut s, &ping, Duration::from_secs(5)).expect("ping answered");
    assert!(graphic_reply(&r).is_ack());
    let frame = test_frame();
    let r = exchange(&mut s, &update(&frame, 0, 1), Duration::from_secs(5)).expect("update answered");
    assert!(graphic_reply(&r).is_ack(), "{r:?}");
    let st = wait_state(&sim, "the frame", |s| s["frame_sha256"] == frame.sha256());
    assert_eq!(st["areas"][0]["width"], 64);
    assert_eq!(st["frames_received"], 2);
    // screen.png: LED centres carry the frame's colours.
    let img = image::open(sim.dir.path().join("screen.png")).unwrap().to_rgb8();
    assert_eq!(img.dimensions(), (64 * 4, 16 * 4));
    for y in 0..16 {
        for x in 0..64 {
            let p = img.get_pixel(x * 4 + 1, y * 4 + 1).0;
            let want = match frame.get(x, y) {
                LedColor::Off => None,
                LedColor::Red => Some([255, 40, 24]),
                LedColor::Green => Some([40, 240, 64]),
                LedColor::Yellow => Some([255, 210, 40]),
            };
            match want {
                Some(c) => assert_eq!(p, c, "LED ({x},{y})"),
                None => assert!(p[0] < 60 && p[1] < 60, "LED ({x},{y}) should be dark: {p:?}"),
            }
        }
    }
}

#[test]
fn graphic_card_nacks_and_stays_quiet_as_a_card_does() {
    let sim = start(&["--protocol", "bx-6e", "--width", "64", "--height", "16"]);
    let mut s = connect(&sim);
    // An area outside the screen.
    let r = exchange(&mut s, &update(&test_frame(), 8, 1), Duration::from_secs(5)).expect("answered");
    assert_eq!(graphic_reply(&r).error, ErrorCode::SCREEN_PARA);
    assert!(graphic_reply(&r).is_nack());
    // An unknown command.
    let unk = Packet::Graphic(GraphicPacket::request(
        gh(),
        true,
        GraphicCommand::Unknown {
            group: 0xA2,
            cmd: 0x55,
            params: vec![],
            why: None,
        },
    ));
    assert_eq!(
        graphic_reply(&exchange(&mut s, &unk, Duration::from_secs(5)).unwrap()).error,
        ErrorCode::NO_COMMAND
    );
    // A CRC error in the request.
    let mut bad = Packet::Graphic(GraphicPacket::request(gh(), true, GraphicCommand::Ping))
        .to_wire()
        .unwrap();
    let n = bad.len();
    bad[n - 3] ^= 0x10;
    s.write_all(&bad).unwrap();
    let r = read_reply(&mut s, Duration::from_secs(5)).expect("CRC NACK");
    assert_eq!(graphic_reply(&r).error, ErrorCode::CHECKSUM);
    // No reply when none is asked for, nor for another screen's address.
    let quiet = Packet::Graphic(GraphicPacket::request(gh(), false, GraphicCommand::Ping));
    assert!(exchange(&mut s, &quiet, Duration::from_millis(400)).is_none());
    let other = Packet::Graphic(GraphicPacket::request(
        GraphicHeader::to_card(7, 0x0274),
        true,
        GraphicCommand::Ping,
    ));
    assert!(exchange(&mut s, &other, Duration::from_millis(400)).is_none());
    // Too many areas for the card.
    for id in 0..33u8 {
        let mut p = update(&Frame::new(8, 8, ColorMode::RedGreen), 0, 1);
        if let Packet::Graphic(GraphicPacket {
            body: GraphicBody::Request(req),
            ..
        }) = &mut p
            && let GraphicCommand::UpdateAreas(u) = &mut req.command
        {
            u.areas[0].id = id;
        }
        let r = exchange(&mut s, &p, Duration::from_secs(5)).unwrap();
        assert_eq!(graphic_reply(&r).is_ack(), id < 32, "area {id}");
        if id == 32 {
            assert_eq!(graphic_reply(&r).error, ErrorCode::MEMORY_VOLUME);
        }
    }
    let st = wait_state(&sim, "errors", |s| s["errors"].as_array().is_some_and(|e| e.len() >= 4));
    assert!(st["last_error"].as_str().unwrap().contains("33 areas"), "{st:#}");
}

#[test]
fn clients_one_after_another_and_brightness() {
    let sim = start(&[
        "--protocol",
        "bx-5e",
        "--width",
        "32",
        "--height",
        "16",
        "--colors",
        "mono",
    ]);
    for level in [3u8, 9] {
        let mut s = connect(&sim);
        let set = Packet::Graphic(GraphicPacket::request(
            GraphicHeader::to_card(1, 0x0254),
            true,
            GraphicCommand::SetBrightness(pinghu_protocol::graphic::Brightness::manual(level)),
        ));
        assert!(graphic_reply(&exchange(&mut s, &set, Duration::from_secs(5)).unwrap()).is_ack());
        let q = Packet::Graphic(GraphicPacket::request(
            GraphicHeader::to_card(1, 0x0254),
            true,
            GraphicCommand::QueryBrightness { params: vec![] },
        ));
        let r = exchange(&mut s, &q, Duration::from_secs(5)).unwrap();
        assert_eq!(graphic_reply(&r).brightness().map(|b| b.2), Some(level));
    }
    wait_state(&sim, "brightness 9", |s| s["brightness"] == 9);
}

fn fh() -> FontHeader {
    FontHeader::to_card(1, 0xFE)
}

fn font_reply(p: &Packet) -> &pinghu_protocol::fontcard::FontReply {
    match p {
        Packet::FontCard(FontPacket {
            body: FontBody::Reply(r),
            ..
        }) => r,
        other => panic!("not a font-card reply: {other:?}"),
    }
}

fn open_serial(path: &str, baud: u32) -> Box<dyn serialport::SerialPort> {
    serialport::new(path, baud)
        .timeout(Duration::from_millis(50))
        .open()
        .unwrap()
}

#[test]
fn font_card_over_the_pseudo_terminal() {
    let sim = start(&[
        "--protocol",
        "bx-5k",
        "--width",
        "64",
        "--height",
        "32",
        "--colors",
        "mono",
        "--pty",
    ]);
    let path = sim.serial.clone().expect("serial path printed");
    let mut port = open_serial(&path, 57600);
    let t = CardTime {
        year: 2026,
        month: 11,
        day: 28,
        hour: 9,
        minute: 30,
        second: 0,
        weekday: 6,
    };
    let r = exchange(
        &mut port,
        &Packet::FontCard(FontPacket::request(fh(), true, FontCommand::TimeSync { time: t })),
        Duration::from_secs(5),
    )
    .unwrap();
    assert!(font_reply(&r).is_ack());
    // A text area 8 units (64 px) wide on a 5K card, green via \C2, 16 px via \FO000.
    let mut area = TextArea::new(0, 0, 0, 8, 32, "\\FO000\\C2夷陵区欢迎您");
    area.display_mode = 1;
    let send = Packet::FontCard(FontPacket::request(
        fh(),
        true,
        FontCommand::DynamicAreas(TextAreas {
            delete_all: false,
            delete: vec![],
            areas: vec![area],
        }),
    ));
    assert!(font_reply(&exchange(&mut port, &send, Duration::from_secs(5)).unwrap()).is_ack());
    let st = wait_state(&sim, "the text area", |s| s["areas"][0]["text"] == "夷陵区欢迎您");
    assert_eq!(st["areas"][0]["width"], 64);
    assert!(st["lit"].as_u64().unwrap() > 50);
    // Status: power, time, areas.
    let r = exchange(
        &mut port,
        &Packet::FontCard(FontPacket::request(fh(), true, FontCommand::StatusQuery)),
        Duration::from_secs(5),
    )
    .unwrap();
    let ReplyData::Status { status } = &font_reply(&r).data else {
        panic!("no status in {r:?}")
    };
    assert_eq!(status.power, 1);
    assert_eq!(status.areas, [0]);
    assert_eq!(
        (status.time.year, status.time.month, status.time.day, status.time.hour),
        (2026, 11, 28, 9)
    );
    // Power off, then the glass is dark.
    let off = Packet::FontCard(FontPacket::request(fh(), true, FontCommand::Power { state: 2 }));
    assert!(font_reply(&exchange(&mut port, &off, Duration::from_secs(5)).unwrap()).is_ack());
    wait_state(&sim, "power off", |s| s["power"] == "off" && s["lit"] == 0);
    // A bad date is refused by name.
    let bad = CardTime { month: 13, ..t };
    let r = exchange(
        &mut port,
        &Packet::FontCard(FontPacket::request(fh(), true, FontCommand::TimeSync { time: bad })),
        Duration::from_secs(5),
    )
    .unwrap();
    assert_eq!(font_reply(&r).error, ErrorCode::DATE_TIME_FORMAT);
}

#[test]
fn screen_parameter_file_changes_size_and_address() {
    let sim = start(&[
        "--protocol",
        "bx-6k",
        "--width",
        "64",
        "--height",
        "32",
        "--colors",
        "mono",
    ]);
    let mut s = connect(&sim);
    let file = ScreenParams {
        file_type: 1,
        name: "C000".into(),
        controller_name: "LED00001".into(),
        address: 2,
        baud_code: 2,
        width: 128,
        height: 80,
        color: 1,
        rest: vec![0; 19],
    }
    .to_bytes()
    .unwrap();
    let start = Packet::FontCard(FontPacket::request(
        fh(),
        true,
        FontCommand::StartWriteFile {
            overwrite: 1,
            name: "C000".into(),
            length: 46,
        },
    ));
    // A size no board has (the wire allows 65535 a side) is refused like a card refuses it,
    // instead of allocating gigabytes of glass.
    let huge = ScreenParams::parse(&file).map(|mut p| {
        p.width = 60_000;
        p.to_bytes().unwrap()
    });
    assert!(font_reply(&exchange(&mut s, &start, Duration::from_secs(5)).unwrap()).is_ack());
    let block = |data: Vec<u8>| {
        Packet::FontCard(FontPacket::request(
            fh(),
            true,
            FontCommand::WriteFileBlock {
                name: "C000".into(),
                last: 1,
                block: 0,
                offset: 0,
                data,
            },
        ))
    };
    assert_eq!(
        font_reply(&exchange(&mut s, &block(huge.unwrap()), Duration::from_secs(5)).unwrap()).error,
        ErrorCode::SCREEN_PARA
    );
    assert!(font_reply(&exchange(&mut s, &start, Duration::from_secs(5)).unwrap()).is_ack());
    // Block 1 first is a block-number error.
    let wrong = Packet::FontCard(FontPacket::request(
        fh(),
        true,
        FontCommand::WriteFileBlock {
            name: "C000".into(),
            last: 1,
            block: 1,
            offset: 0,
            data: file.clone(),
        },
    ));
    assert_eq!(
        font_reply(&exchange(&mut s, &wrong, Duration::from_secs(5)).unwrap()).error,
        ErrorCode::FILE_BLOCK_NUM
    );
    assert!(font_reply(&exchange(&mut s, &block(file), Duration::from_secs(5)).unwrap()).is_ack());
    wait_state(&sim, "128x80 at address 2", |s| {
        s["width"] == 128 && s["height"] == 80 && s["address"] == 2
    });
    // Address 1 is now another screen: no answer; address 2 answers.
    let ping1 = Packet::FontCard(FontPacket::request(
        FontHeader::to_card(1, 0xFE),
        true,
        FontCommand::Ping,
    ));
    assert!(exchange(&mut s, &ping1, Duration::from_millis(400)).is_none());
    let ping2 = Packet::FontCard(FontPacket::request(
        FontHeader::to_card(2, 0xFE),
        true,
        FontCommand::Ping,
    ));
    assert!(exchange(&mut s, &ping2, Duration::from_secs(5)).is_some());
}

#[test]
fn wrong_baud_rate_is_garbage_to_the_card() {
    let sim = start(&[
        "--protocol",
        "bx-5k",
        "--width",
        "64",
        "--height",
        "16",
        "--pty",
        "--baud",
        "9600",
    ]);
    let path = sim.serial.clone().unwrap();
    let ping = Packet::FontCard(FontPacket::request(fh(), true, FontCommand::Ping));
    let mut fast = open_serial(&path, 57600);
    assert!(exchange(&mut fast, &ping, Duration::from_millis(500)).is_none());
    drop(fast);
    wait_state(&sim, "the speed error", |s| {
        s["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("57600 baud ignored"))
    });
    let mut slow = open_serial(&path, 9600);
    assert!(exchange(&mut slow, &ping, Duration::from_secs(5)).is_some());
}

#[test]
fn injected_faults_and_the_byte_record() {
    let rec_dir = tempfile::tempdir().unwrap();
    let rec = rec_dir.path().join("bytes.log");
    let sim = start(&[
        "--protocol",
        "bx-6e",
        "--width",
        "32",
        "--height",
        "16",
        "--fault",
        "drop#1,busy#2,corrupt#3,close#4",
        "--record",
        rec.to_str().unwrap(),
    ]);
    let mut s = connect(&sim);
    let ping = Packet::Graphic(GraphicPacket::request(gh(), true, GraphicCommand::Ping));
    // 1: the reply is dropped.
    assert!(exchange(&mut s, &ping, Duration::from_millis(500)).is_none());
    // 2: the card is busy.
    let r = exchange(&mut s, &ping, Duration::from_secs(5)).unwrap();
    assert_eq!(graphic_reply(&r).error, ErrorCode::BUSY);
    // 3: the reply arrives corrupted: the host's decoder sees a CRC error.
    s.write_all(&ping.to_wire().unwrap()).unwrap();
    let mut d = Decoder::new();
    let mut buf = [0u8; 256];
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut got_error = false;
    while Instant::now() < deadline && !got_error {
        if let Ok(n) = s.read(&mut buf) {
            d.feed(&buf[..n]);
            got_error = matches!(d.decode(), Err(pinghu_protocol::FrameError::Checksum { .. }));
        }
    }
    assert!(got_error, "corrupted reply");
    // 4: the connection is closed; a new client is served normally.
    s.write_all(&ping.to_wire().unwrap()).unwrap();
    assert!(read_reply(&mut s, Duration::from_secs(2)).is_none());
    let mut s2 = connect(&sim);
    assert!(graphic_reply(&exchange(&mut s2, &ping, Duration::from_secs(5)).unwrap()).is_ack());
    // Every byte is in the record, in and out, with timestamps.
    let log = std::fs::read_to_string(&rec).unwrap();
    let ins = log.lines().filter(|l| l.split(' ').nth(1) == Some("in")).count();
    let outs = log.lines().filter(|l| l.split(' ').nth(1) == Some("out")).count();
    assert!(ins >= 5 && outs >= 3, "{log}");
    assert!(
        log.lines().all(|l| l
            .split(' ')
            .next()
            .is_some_and(|t| t.parse::<jiff::Timestamp>().is_ok())),
        "{log}"
    );
}
