//! Reaching the card for a diag command: its URL, the link (with an optional byte trace), the
//! protocol settled, the board's size, and uploads with a progress bar.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use pinghu_protocol::Packet;

use super::DiagOptions;
use crate::card::client::{CardClient, DriverError, try_protocols};
use crate::card::device::{CardModel, DeviceUrl};
use crate::card::link::{Link, open};

pub(super) fn device(opts: &DiagOptions) -> Result<&DeviceUrl, DriverError> {
    opts.device.as_ref().ok_or_else(|| {
        DriverError::Invalid("this command needs --device tcp://HOST:PORT or serial:///dev/ttyUSB0?baud=57600".into())
    })
}

pub(super) async fn link(url: &DeviceUrl, opts: &DiagOptions) -> Result<Link, DriverError> {
    let io = open(url, opts.timeout.max(Duration::from_secs(2))).await?;
    let mut link = Link::new(io, opts.timeout);
    if let Some(t) = &opts.trace {
        link.trace_to(t)
            .map_err(|e| DriverError::Invalid(format!("cannot write the trace {}: {e}", t.display())))?;
    }
    Ok(link)
}

/// Connect and settle the protocol (`auto` = probe at the configured speed).
pub(super) async fn client(opts: &DiagOptions) -> Result<CardClient, DriverError> {
    let url = device(opts)?;
    let mut l = link(url, opts).await?;
    let protocol = match opts.protocol {
        Some(p) => p,
        None => {
            let wait = opts.timeout.min(Duration::from_millis(800));
            let found = try_protocols(&mut l, wait).await?.ok_or_else(|| {
                DriverError::Invalid(format!(
                    "no card answered on {url} (try `pinghu diag --device {url} probe`)"
                ))
            })?;
            CardModel::parse(&found.protocol).ok_or_else(|| {
                DriverError::Invalid(format!(
                    "a {} card answered; pinghu does not drive that variant yet",
                    found.protocol
                ))
            })?
        }
    };
    l.timeout = opts.timeout;
    l.retries = 2;
    Ok(CardClient::new(l, protocol, opts.address))
}

/// The board's size: `--width`/`--height` when given, else what a graphic card reports.
pub(super) async fn size(c: &mut CardClient, opts: &DiagOptions) -> Result<(u32, u32), DriverError> {
    if let (Some(w), Some(h)) = (opts.width, opts.height)
        && w > 0
        && h > 0
    {
        return Ok((w, h));
    }
    match c.card_info().await? {
        Some(i) if i.width > 0 && i.height > 0 => {
            let (w, h) = (u32::from(i.width), u32::from(i.height));
            match pinghu_protocol::board_size_problem(w, h) {
                Some(problem) => Err(DriverError::Invalid(format!(
                    "the card reports {problem}; give --width and --height of the board"
                ))),
                None => Ok((w, h)),
            }
        }
        _ => Err(DriverError::Invalid(
            "give --width and --height of the board in pixels (this card does not report its size)".into(),
        )),
    }
}

/// Send a packet, with a progress bar when it takes more than a second on the wire; Ctrl-C
/// stops between chunks.
pub(super) async fn upload(c: &mut CardClient, opts: &DiagOptions, p: &Packet) -> Result<(), DriverError> {
    let wire = p.to_wire().map_err(|e| DriverError::Invalid(e.to_string()))?;
    let baud = match &opts.device {
        Some(DeviceUrl::Serial { baud, .. }) => *baud,
        _ => 0,
    };
    if baud == 0 || CardClient::wire_time(wire.len(), baud) <= Duration::from_secs(1) {
        return c.send(p).await;
    }
    let stop = Arc::new(AtomicBool::new(false));
    let s2 = Arc::clone(&stop);
    let watcher = tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            s2.store(true, Ordering::Relaxed);
        }
    });
    let bar = if opts.progress {
        let b = indicatif::ProgressBar::new(wire.len() as u64);
        b.set_style(
            indicatif::ProgressStyle::with_template(
                "uploading {bar:40} {bytes}/{total_bytes} ({eta} left, Ctrl-C stops)",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        Some(b)
    } else {
        None
    };
    let chunk = (baud as usize / 10 / 10).max(64); // about 100 ms a chunk
    let done = c
        .link
        .send_chunked(
            &wire,
            chunk,
            &mut |sent, _| {
                if let Some(b) = &bar {
                    b.set_position(sent as u64);
                }
            },
            &stop,
        )
        .await?;
    watcher.abort();
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    if !done {
        return Err(DriverError::Invalid(
            "upload interrupted: the card drops the partial frame and keeps showing what it had".into(),
        ));
    }
    let t = c.link.timeout;
    let reply = c.link.recv(t).await?;
    if reply.is_nack() {
        return Err(DriverError::Unexpected(format!(
            "the card refused the upload: {reply:?}"
        )));
    }
    Ok(())
}
