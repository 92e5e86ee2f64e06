//! The front ends around the card model: byte sessions (TCP, pseudo-terminal) with fault
//! injection and recording, and the snapshot writer (`screen.png`, `state.json`).

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use jiff::Timestamp;
use pinghu_protocol::{Decoder, ErrorCode, to_hex_spaced};
use serialport::SerialPort as _;

use crate::card::Card;
use crate::faults::{Fault, FaultPlan};

/// Appends every byte in and out, with timestamps, in a format `pinghu wire decode` reads:
/// `2026-11-28T08:00:00.123456Z in a5 a5 …` (`in` = host to card, `out` = card to host).
#[derive(Debug)]
pub struct Recorder {
    file: std::fs::File,
}

impl Recorder {
    pub fn create(path: &Path) -> std::io::Result<Self> {
        Ok(Self {
            file: std::fs::OpenOptions::new().create(true).append(true).open(path)?,
        })
    }
    pub fn record(&mut self, dir: &str, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        let _ = writeln!(self.file, "{} {dir} {}", Timestamp::now(), to_hex_spaced(bytes));
        let _ = self.file.flush();
    }
}

/// What the front ends share.
#[derive(Debug)]
pub struct Shared {
    pub card: Mutex<Card>,
    pub faults: Mutex<FaultPlan>,
    pub recorder: Option<Mutex<Recorder>>,
    pub shutdown: Arc<AtomicBool>,
    /// Required line speed on the serial port (bytes at another speed are garbage to a UART).
    pub baud: u32,
    /// Log connections and faults on stderr.
    pub verbose: bool,
    /// Where the card's flash is kept (`--flash-dir`).
    pub flash_dir: Option<PathBuf>,
}

impl Shared {
    fn log(&self, msg: &str) {
        if self.verbose {
            eprintln!("pinghu-sim: {msg}");
        }
    }
    fn record(&self, dir: &str, bytes: &[u8]) {
        if let Some(r) = &self.recorder {
            r.lock().expect("recorder lock").record(dir, bytes);
        }
    }
}

/// What a session should do after handling input.
enum After {
    Continue,
    Close,
}

/// One connection's decoder; turns incoming bytes into replies, applying faults.
#[derive(Debug, Default)]
pub struct Session {
    decoder: Decoder,
}

impl Session {
    fn handle<W: Write>(&mut self, shared: &Shared, bytes: &[u8], out: &mut W) -> std::io::Result<After> {
        shared.record("in", bytes);
        self.decoder.feed(bytes);
        loop {
            let frame = match self.decoder.decode() {
                Ok(None) => return Ok(After::Continue),
                Ok(Some(raw)) => Ok(raw),
                Err(e) => Err(e),
            };
            let fault = shared.faults.lock().expect("faults lock").next_fault();
            if let Some(f) = fault {
                shared.log(&format!("fault injected: {f:?}"));
            }
            let now = Timestamp::now();
            let reply = {
                let mut card = shared.card.lock().expect("card lock");
                let flash_before = card.flash.generation;
                let reply = if fault == Some(Fault::Busy) {
                    Some(card.nack(ErrorCode::BUSY))
                } else {
                    card.handle(frame, now)
                };
                // Flash is written before the card acknowledges, as a real card does.
                if let Some(dir) = &shared.flash_dir
                    && card.flash.generation != flash_before
                    && let Err(e) = crate::flash::save(dir, &card.flash)
                {
                    shared.log(&format!("cannot keep the flash in {}: {e}", dir.display()));
                }
                reply
            };
            let Some(reply) = reply else { continue };
            let mut wire = match reply.to_wire() {
                Ok(w) => w,
                Err(e) => {
                    shared.log(&format!("cannot encode reply: {e}"));
                    continue;
                }
            };
            match fault {
                Some(Fault::Drop) => continue,
                Some(Fault::Close) => return Ok(After::Close),
                Some(Fault::Corrupt) => {
                    let i = wire.len() / 2;
                    wire[i] ^= 0x01;
                    if matches!(wire[i], 0xA5 | 0x5A | 0xA6 | 0x5B) {
                        wire[i] ^= 0x03;
                    }
                }
                Some(Fault::Delay(ms)) => std::thread::sleep(Duration::from_millis(ms)),
                Some(Fault::Stall) => {
                    let half = wire.len() / 2;
                    shared.record("out", &wire[..half]);
                    out.write_all(&wire[..half])?;
                    out.flush()?;
                    std::thread::sleep(Duration::from_secs(5));
                    continue;
                }
                Some(Fault::Busy) | None => {}
            }
            // Recorded before it is sent, so the record is complete when the host has the reply.
            shared.record("out", &wire);
            out.write_all(&wire)?;
            out.flush()?;
        }
    }
}

/// How long a TCP client may stay silent before the card closes its connection.
pub const IDLE_CLOSE: Duration = Duration::from_secs(120);

/// Serve TCP clients one after another (as a real card does) until shutdown; a client silent
/// for [`IDLE_CLOSE`] is closed.
pub fn serve_tcp(listener: std::net::TcpListener, shared: Arc<Shared>) {
    listener.set_nonblocking(true).expect("non-blocking listener");
    while !shared.shutdown.load(Ordering::Relaxed) {
        match listener.accept() {
            Ok((mut stream, peer)) => {
                shared.log(&format!("tcp client {peer} connected"));
                let _ = stream.set_nonblocking(false);
                let _ = stream.set_read_timeout(Some(Duration::from_millis(100)));
                let mut session = Session::default();
                let mut buf = [0u8; 4096];
                let mut heard = std::time::Instant::now();
                while !shared.shutdown.load(Ordering::Relaxed) {
                    match stream.read(&mut buf) {
                        Ok(0) => break,
                        Ok(n) => {
                            heard = std::time::Instant::now();
                            match session.handle(&shared, &buf[..n], &mut stream) {
                                Ok(After::Continue) => {}
                                Ok(After::Close) | Err(_) => break,
                            }
                        }
                        Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {
                            // A client silent this long (a half-open connection, a crashed host)
                            // does not keep the card from the next one.
                            if heard.elapsed() >= IDLE_CLOSE {
                                shared.log(&format!(
                                    "tcp client {peer} silent for {} s: closed",
                                    IDLE_CLOSE.as_secs()
                                ));
                                break;
                            }
                        }
                        Err(_) => break,
                    }
                }
                shared.log(&format!("tcp client {peer} disconnected"));
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(e) => {
                shared.log(&format!("accept failed: {e}"));
                std::thread::sleep(Duration::from_millis(100));
            }
        }
    }
}

/// A pseudo-terminal pair: the simulator keeps the master and the slave open; clients open
/// the slave's path like a USB-serial adapter.
pub struct Pty {
    master: serialport::TTYPort,
    slave: serialport::TTYPort,
    pub path: String,
}

impl std::fmt::Debug for Pty {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pty").field("path", &self.path).finish_non_exhaustive()
    }
}

impl Pty {
    pub fn open() -> Result<Self, serialport::Error> {
        let (mut master, slave) = serialport::TTYPort::pair()?;
        master.set_timeout(Duration::from_millis(100))?;
        let path = slave.name().unwrap_or_default();
        Ok(Self { master, slave, path })
    }
}

/// Serve the pseudo-terminal until shutdown. Bytes sent at a speed other than `shared.baud`
/// are what a UART would see: garbage, ignored (and noted in the card's errors).
pub fn serve_pty(mut pty: Pty, shared: Arc<Shared>) {
    let mut session = Session::default();
    let mut buf = [0u8; 4096];
    let mut wrong_speed_noted = false;
    while !shared.shutdown.load(Ordering::Relaxed) {
        match pty.master.read(&mut buf) {
            Ok(0) => std::thread::sleep(Duration::from_millis(20)),
            Ok(n) => {
                let speed = pty.slave.baud_rate().unwrap_or(shared.baud);
                if speed != shared.baud {
                    shared.record("in", &buf[..n]);
                    if !wrong_speed_noted {
                        let mut card = shared.card.lock().expect("card lock");
                        card.errors.push(format!(
                            "{n} bytes at {speed} baud ignored: the card's port runs at {} baud",
                            shared.baud
                        ));
                        card.version += 1;
                        wrong_speed_noted = true;
                    }
                    session = Session::default();
                    continue;
                }
                wrong_speed_noted = false;
                if let Ok(After::Close) = session.handle(&shared, &buf[..n], &mut pty.master) {
                    session = Session::default();
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut || e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(_) => std::thread::sleep(Duration::from_millis(50)),
        }
    }
}

/// Write `bytes` to `path` atomically (temporary file in the same folder, then rename).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension(format!("tmp-{}", std::process::id()));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}

/// Keep `screen.png` and `state.json` in `dir` up to date until shutdown.
pub fn snapshots(dir: PathBuf, shared: Arc<Shared>, scale: u32) {
    let mut last: Option<(u64, String)> = None;
    loop {
        let stop = shared.shutdown.load(Ordering::Relaxed);
        let now = Timestamp::now();
        let (version, screen, state) = {
            let card = shared.card.lock().expect("card lock");
            (card.version, card.settled_screen(now), card.state_json(now))
        };
        let key = (version, screen.sha256());
        if last.as_ref() != Some(&key) {
            let mut png = Vec::new();
            let img = screen.to_led_image(scale);
            let ok = image::DynamicImage::ImageRgb8(img)
                .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
                .is_ok()
                && write_atomic(&dir.join("screen.png"), &png).is_ok()
                && write_atomic(
                    &dir.join("state.json"),
                    serde_json::to_string_pretty(&state).unwrap_or_default().as_bytes(),
                )
                .is_ok();
            if ok {
                last = Some(key);
            } else {
                shared.log(&format!("cannot write snapshots to {}", dir.display()));
            }
        }
        if stop {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}
