//! The link to a card: a byte stream (TCP or serial) with the protocol codec on top — send a
//! request, wait for the reply with a timeout, retry on timeouts, bad replies and NACK BUSY with
//! backoff, record every byte. Used by the diagnostics and by the daemon's driver.

use std::io::Write as _;
use std::path::Path;
use std::time::Duration;

use pinghu_protocol::{Decoder, ErrorCode, FrameError, Packet, to_hex_spaced};
use thiserror::Error;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::time::Instant;

use crate::card::device::DeviceUrl;

/// A byte stream to a card.
pub trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

/// Why talking to the card failed. A NACK (the card said no) is kept apart from the link failing.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum LinkError {
    #[error("cannot open {url}: {reason}{}", with_hint(&.hint.en()))]
    Open {
        url: String,
        reason: OpenReason,
        hint: OpenHint,
    },
    #[error("no reply within {ms} ms (check the baud rate, the screen address and the cable; try `pinghu diag probe`)")]
    Timeout { ms: u128 },
    #[error("the card refused the request: {code}")]
    Nack { code: ErrorCode },
    #[error("the reply was damaged: {0} (line noise, or the wrong baud rate)")]
    BadReply(FrameError),
    #[error("received {len} bytes that are not Onbon frames ({sample}): wrong baud rate or protocol?")]
    Garbage { len: usize, sample: String },
    #[error("the card closed the connection")]
    Closed,
    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
}

fn with_hint(h: &str) -> String {
    if h.is_empty() { String::new() } else { format!(" ({h})") }
}

/// Why a link could not be opened (in Chinese: `card::words`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpenReason {
    /// The system refused (`detail`: its words, `kind` their meaning).
    Io {
        kind: std::io::ErrorKind,
        detail: String,
    },
    NoConnectionWithin {
        ms: u128,
    },
    /// The serial port could not be opened (`detail`: the serial library's words).
    Serial {
        detail: String,
    },
}

impl std::fmt::Display for OpenReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Io { detail, .. } | Self::Serial { detail } => f.write_str(detail),
            Self::NoConnectionWithin { ms } => write!(f, "no connection within {ms} ms"),
        }
    }
}

/// What to check when a link cannot be opened (in both languages: `card::words`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpenHint {
    None,
    NothingListens,
    CheckCable,
    Dialout,
    /// The serial port is held by this process.
    BusyBy(String),
    Busy,
    NoSuchPort,
}

impl LinkError {
    /// Worth trying again (the link, not the request, failed; or the card was busy).
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Timeout { .. } | Self::BadReply(_) | Self::Garbage { .. })
            || matches!(self, Self::Nack { code } if code.is_retryable())
    }
}

/// A frame in a few words, for the trace: its command and addresses.
fn describe(p: &Packet) -> String {
    let (g, c) = p.code();
    match p {
        Packet::Control(c2) => format!(
            "{g:02X} {c:02X} from {:#06x} to {:#06x}, sequence {:#06x}",
            c2.header.src, c2.header.dst, c2.header.seq
        ),
        Packet::Graphic(g2) => format!("{g:02X} {c:02X} from {:#06x} to {:#06x}", g2.header.src, g2.header.dst),
        Packet::FontCard(_) => format!("{g:02X} {c:02X}"),
    }
}

/// Which process holds a device node open, from /proc (Linux).
pub fn port_holder(path: &str) -> Option<String> {
    let target = std::fs::canonicalize(path).ok()?;
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let pid = entry.file_name().to_string_lossy().into_owned();
        if !pid.chars().all(|c| c.is_ascii_digit()) || pid == std::process::id().to_string() {
            continue;
        }
        let Ok(fds) = std::fs::read_dir(entry.path().join("fd")) else {
            continue;
        };
        for fd in fds.flatten() {
            if std::fs::read_link(fd.path()).ok().as_deref() == Some(target.as_path()) {
                let comm = std::fs::read_to_string(entry.path().join("comm")).unwrap_or_default();
                return Some(format!("{} (pid {pid})", comm.trim()));
            }
        }
    }
    None
}

/// Open the byte stream to `url`, with errors that say what to do.
pub async fn open(url: &DeviceUrl, connect_timeout: Duration) -> Result<Box<dyn Io>, LinkError> {
    match url {
        DeviceUrl::Tcp { host, port } => {
            let addr = format!("{host}:{port}");
            match tokio::time::timeout(connect_timeout, tokio::net::TcpStream::connect(&addr)).await {
                Ok(Ok(s)) => {
                    let _ = s.set_nodelay(true);
                    Ok(Box::new(s))
                }
                Ok(Err(e)) => {
                    let hint = match e.kind() {
                        std::io::ErrorKind::ConnectionRefused => OpenHint::NothingListens,
                        _ => OpenHint::CheckCable,
                    };
                    Err(LinkError::Open {
                        url: url.to_string(),
                        reason: OpenReason::Io {
                            kind: e.kind(),
                            detail: e.to_string(),
                        },
                        hint,
                    })
                }
                Err(_) => Err(LinkError::Open {
                    url: url.to_string(),
                    reason: OpenReason::NoConnectionWithin {
                        ms: connect_timeout.as_millis(),
                    },
                    hint: OpenHint::CheckCable,
                }),
            }
        }
        DeviceUrl::Serial { path, baud } => {
            let builder = tokio_serial::new(path, *baud)
                .data_bits(tokio_serial::DataBits::Eight)
                .parity(tokio_serial::Parity::None)
                .stop_bits(tokio_serial::StopBits::One);
            match tokio_serial::SerialStream::open(&builder) {
                Ok(s) => Ok(Box::new(s)),
                Err(e) => {
                    let text = e.to_string();
                    let lower = text.to_lowercase();
                    let hint = if lower.contains("permission denied") {
                        OpenHint::Dialout
                    } else if lower.contains("busy") || lower.contains("exclusive lock") {
                        // Walking /proc is blocking file I/O: off the async workers.
                        let p = path.clone();
                        let holder = tokio::task::spawn_blocking(move || port_holder(&p))
                            .await
                            .ok()
                            .flatten();
                        holder.map_or(OpenHint::Busy, OpenHint::BusyBy)
                    } else if lower.contains("no such file") || lower.contains("not found") {
                        OpenHint::NoSuchPort
                    } else {
                        OpenHint::None
                    };
                    Err(LinkError::Open {
                        url: url.to_string(),
                        reason: OpenReason::Serial { detail: text },
                        hint,
                    })
                }
            }
        }
    }
}

/// One line of the byte trace: `TIMESTAMP in|out HEX` (`in` = to the card), as `pinghu wire
/// decode` reads it.
pub fn trace_line(dir: &str, bytes: &[u8]) -> String {
    format!("{} {dir} {}", jiff::Timestamp::now(), to_hex_spaced(bytes))
}

/// Receives every trace line as it happens.
pub type TraceSink = Box<dyn FnMut(&str) + Send>;

/// The last lines a link traced (`trace_line` format), shared with whoever shows them: the
/// console's technicians read the daemon's recent exchanges with the card here.
#[derive(Debug, Clone, Default)]
pub struct TraceRing(std::sync::Arc<std::sync::Mutex<std::collections::VecDeque<String>>>);

impl TraceRing {
    /// Lines kept.
    pub const LEN: usize = 200;

    pub fn push(&self, line: &str) {
        // Held only to push or copy, never across an await.
        let mut q = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if q.len() == Self::LEN {
            q.pop_front();
        }
        q.push_back(line.to_owned());
    }

    /// The lines, oldest first.
    pub fn lines(&self) -> Vec<String> {
        let q = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        q.iter().cloned().collect()
    }

    /// A sink for [`Link::on_trace`].
    pub fn sink(&self) -> TraceSink {
        let ring = self.clone();
        Box::new(move |l: &str| ring.push(l))
    }
}

/// A link to one card.
pub struct Link {
    io: Box<dyn Io>,
    decoder: Decoder,
    pub timeout: Duration,
    pub retries: u32,
    /// Whether silence (a timeout) is retried too; BUSY and damaged replies always are. Off
    /// while finding out which header a card answers, where silence is an answer.
    pub retry_silence: bool,
    trace_file: Option<std::fs::File>,
    /// Called with every trace line (for `diag trace`'s live output).
    pub on_trace: Option<TraceSink>,
}

impl std::fmt::Debug for Link {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Link")
            .field("timeout", &self.timeout)
            .field("retries", &self.retries)
            .finish_non_exhaustive()
    }
}

impl Link {
    pub fn new(io: Box<dyn Io>, timeout: Duration) -> Self {
        Self {
            io,
            decoder: Decoder::new(),
            timeout,
            retries: 2,
            retry_silence: true,
            trace_file: None,
            on_trace: None,
        }
    }

    /// Append every byte to `path` as well.
    pub fn trace_to(&mut self, path: &Path) -> std::io::Result<()> {
        self.trace_file = Some(std::fs::OpenOptions::new().create(true).append(true).open(path)?);
        Ok(())
    }

    fn trace(&mut self, dir: &str, bytes: &[u8]) {
        if bytes.is_empty() || (self.trace_file.is_none() && self.on_trace.is_none()) {
            return;
        }
        let line = trace_line(dir, bytes);
        if let Some(f) = &mut self.trace_file {
            let _ = writeln!(f, "{line}");
        }
        if let Some(cb) = &mut self.on_trace {
            cb(&line);
        }
    }

    /// Write raw bytes.
    pub async fn send_raw(&mut self, bytes: &[u8]) -> Result<(), LinkError> {
        self.trace("in", bytes);
        self.io.write_all(bytes).await?;
        self.io.flush().await?;
        Ok(())
    }

    /// Wait for the next frame from the card.
    pub async fn recv(&mut self, wait: Duration) -> Result<Packet, LinkError> {
        let deadline = Instant::now() + wait;
        let mut buf = [0u8; 2048];
        let mut garbage = Vec::new();
        loop {
            match self.decoder.decode() {
                Ok(Some(raw)) => {
                    match Packet::from_raw(&raw) {
                        Ok(p) => return Ok(p),
                        Err(_) => garbage.extend_from_slice(&raw.bytes),
                    }
                    continue;
                }
                Ok(None) => {}
                Err(
                    e @ (FrameError::Checksum { .. }
                    | FrameError::BadEscape { .. }
                    | FrameError::ControlHeader { .. }
                    | FrameError::ControlBody { .. }),
                ) => {
                    return Err(LinkError::BadReply(e));
                }
                Err(_) => continue,
            }
            let read = tokio::time::timeout_at(deadline, self.io.read(&mut buf)).await;
            match read {
                Ok(Ok(0)) => return Err(LinkError::Closed),
                Ok(Ok(n)) => {
                    self.trace("out", &buf[..n]);
                    self.decoder.feed(&buf[..n]);
                }
                Ok(Err(e)) => return Err(e.into()),
                Err(_) => {
                    let pending = self.decoder.pending().to_vec();
                    garbage.extend_from_slice(&pending);
                    if !garbage.is_empty() && !garbage.contains(&0xA5) {
                        self.decoder = Decoder::new();
                        return Err(LinkError::Garbage {
                            len: garbage.len(),
                            sample: to_hex_spaced(&garbage[..garbage.len().min(16)]),
                        });
                    }
                    return Err(LinkError::Timeout { ms: wait.as_millis() });
                }
            }
        }
    }

    /// Send a request once; its reply (if it asks for one), or why there is none.
    pub async fn request_once(&mut self, p: &Packet) -> Result<Option<Packet>, LinkError> {
        // A late reply to an earlier request must not be taken for this one's.
        self.decoder = Decoder::new();
        let wire = p
            .to_wire()
            .map_err(|e| LinkError::Io(std::io::Error::new(std::io::ErrorKind::InvalidInput, e.to_string())))?;
        self.send_raw(&wire).await?;
        if !p.expects_reply() {
            return Ok(None);
        }
        // A frame that does not answer this request (a late reply to an earlier one, by its
        // addresses or sequence number) is passed over, within the same deadline.
        let deadline = Instant::now() + self.timeout;
        let reply = loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let reply = match self.recv(left).await {
                Err(LinkError::Timeout { .. }) => {
                    return Err(LinkError::Timeout {
                        ms: self.timeout.as_millis(),
                    });
                }
                other => other?,
            };
            if reply.answers(p) {
                break reply;
            }
            tracing::debug!(
                "passed over a frame that does not answer this request: {}",
                describe(&reply)
            );
        };
        if reply.is_nack() {
            let code = reply.error_code();
            return Err(LinkError::Nack { code });
        }
        Ok(Some(reply))
    }

    /// Send a request, retrying transient failures (timeouts, damaged replies, NACK BUSY) with
    /// exponential backoff.
    pub async fn request(&mut self, p: &Packet) -> Result<Option<Packet>, LinkError> {
        let mut attempt = 0;
        let mut backoff = crate::backoff::Backoff::new(Duration::from_millis(200), Duration::from_secs(5));
        loop {
            match self.request_once(p).await {
                Err(e)
                    if e.is_transient()
                        && attempt < self.retries
                        && (self.retry_silence || !matches!(e, LinkError::Timeout { .. })) =>
                {
                    attempt += 1;
                    tokio::time::sleep(backoff.next_delay()).await;
                }
                other => return other,
            }
        }
    }

    /// Send bytes in chunks, calling `progress(sent, total)` after each; `stop` ends early.
    pub async fn send_chunked(
        &mut self,
        bytes: &[u8],
        chunk: usize,
        progress: &mut dyn FnMut(usize, usize),
        stop: &std::sync::atomic::AtomicBool,
    ) -> Result<bool, LinkError> {
        self.trace("in", bytes);
        for (i, c) in bytes.chunks(chunk.max(1)).enumerate() {
            if stop.load(std::sync::atomic::Ordering::Relaxed) {
                return Ok(false);
            }
            self.io.write_all(c).await?;
            self.io.flush().await?;
            progress(((i + 1) * chunk).min(bytes.len()), bytes.len());
        }
        Ok(true)
    }
}
