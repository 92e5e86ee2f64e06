//! The board's fallback when the host is gone (docs/protocol.md Part D, docs/durability.md):
//! a program in the card's flash that the card shows whenever no dynamic area does.
//!
//! * The program is one `P000` file on 5th-generation cards; on the 6th, `D000` (the bitmaps)
//!   and `P000` in the layout the vendor's SDK writes, uploaded in its order (docs/protocol.md).
//! * Live content goes into dynamic areas with RunMode 2 ("stop after timeout"); the driver
//!   refreshes them before the timeout. When the daemon, its computer or the network dies, the
//!   areas time out and the card shows its flash program; after a power cut it starts on it.
//! * Flash wears out (about 100,000 erase cycles), so the program is written once, again only
//!   when its content changes (or the card lost it), and at most `max_writes_per_day` times a
//!   day. Every write is counted in `DATA_DIR/flash.json` and in the status.

use jiff::Timestamp;
use pinghu_fonts::ColorMode;
use pinghu_protocol::bitmap::PixelFormat;
use pinghu_protocol::graphic::{Generation, Page};
use pinghu_protocol::program::{ProgramArea, ProgramFile};
use serde::{Deserialize, Serialize};

use crate::board::AreaContent;
use crate::card::client::{CardClient, DriverError};
use crate::card::control::program_files;
use crate::card::device::CardModel;
use crate::driver::{DriverConfig, DriverEvent};
use crate::ingest::sha256_hex;

/// The program's file name.
pub const PROGRAM_NAME: &str = "P000";
/// The file that keeps the write count.
pub const RECORD_FILE: &str = "flash.json";

/// What the daemon wrote into the card's flash, kept across restarts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlashRecord {
    /// SHA-256 of the program file last written.
    pub program_sha256: Option<String>,
    /// Every program write since the record began.
    pub writes: u64,
    pub last_write: Option<String>,
    /// The day (`YYYY-MM-DD`, UTC) of `writes_today`.
    #[serde(default)]
    pub day: String,
    #[serde(default)]
    pub writes_today: u32,
}

impl FlashRecord {
    /// Read the record (an empty one when the file is missing or damaged: the worst case is one
    /// extra write).
    pub fn load(data_dir: &std::path::Path) -> Self {
        std::fs::read(data_dir.join(RECORD_FILE))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default()
    }

    /// Whether another write is allowed at `now`.
    pub fn may_write(&self, now: Timestamp, max_per_day: u32) -> bool {
        self.day != day(now) || self.writes_today < max_per_day
    }

    /// Count a write of the program with `sha256`.
    pub fn wrote(&mut self, sha256: String, now: Timestamp) {
        let today = day(now);
        if self.day != today {
            self.day = today;
            self.writes_today = 0;
        }
        self.writes_today += 1;
        self.writes += 1;
        self.program_sha256 = Some(sha256);
        self.last_write = Some(now.to_string());
    }
}

fn day(t: Timestamp) -> String {
    t.to_zoned(jiff::tz::TimeZone::UTC).date().to_string()
}

/// The program file that shows `content` on the whole board, in the card's pixel format.
pub fn program(content: &AreaContent, model: CardModel, colors: ColorMode) -> ProgramFile {
    let generation = if model == CardModel::Bx6e {
        Generation::Gen6
    } else {
        Generation::Gen5
    };
    let format = PixelFormat::graphic(generation, colors == ColorMode::RedGreen);
    let (w, h) = content.pages.first().map_or((0, 0), |f| (f.width(), f.height()));
    let mode = content.effect.motion().graphic_code();
    let pages = content
        .pages
        .iter()
        .zip(&content.dwell_s)
        .map(|(f, d)| {
            Page::new(
                mode,
                2,
                u16::try_from(d * 100).unwrap_or(u16::MAX),
                w as u16,
                generation,
                f.pack(format, 0),
            )
        })
        .collect();
    ProgramFile::always(
        PROGRAM_NAME,
        vec![ProgramArea {
            x: 0,
            y: 0,
            width: w as u16,
            height: h as u16,
            pages,
        }],
    )
}

/// How a dynamic area is kept alive: its RunMode-2 timeout, and how often the driver resends it.
/// The refresh lands on whole page cycles where it can (so a long rotation item is not cut short
/// on the glass), and the timeout leaves half the configured time as a margin after it.
pub fn keep_alive(fallback_after_s: u16, cycle_s: u32) -> Option<(u16, u32)> {
    if fallback_after_s == 0 {
        return None;
    }
    let half = u32::from(fallback_after_s).div_ceil(2).max(1);
    let cycle = cycle_s.max(1);
    let refresh = half.div_ceil(cycle) * cycle;
    let timeout = u16::try_from(refresh + half).unwrap_or(u16::MAX);
    Some((timeout, refresh))
}

/// Make sure the card's flash holds the program for `content`: write it when it differs from
/// what was last written, or the card reports no program (it was replaced or formatted), within
/// the day's write limit. Reports what happened as a [`DriverEvent::Flash`].
pub async fn ensure_program(
    c: &mut CardClient,
    cfg: &DriverConfig,
    content: &AreaContent,
    record: &mut FlashRecord,
    events: &crate::driver::Events,
) -> Result<(), DriverError> {
    let program = program(content, c.protocol, cfg.colors);
    // What goes to the card: one P file (5th generation), or D000 and P000 (6th).
    let bytes: Vec<u8> = program_files(&program, c.protocol)?
        .into_iter()
        .flat_map(|f| f.bytes)
        .collect();
    let sha = sha256_hex(&bytes);
    let on_card = match c.controller_status().await? {
        Some(s) => Some(s.program_count > 0),
        None => None,
    };
    if record.program_sha256.as_deref() == Some(&sha) && on_card != Some(false) {
        events.send(DriverEvent::Flash {
            record: record.clone(),
            wrote: false,
            note: None,
        });
        return Ok(());
    }
    let now = Timestamp::now();
    if !record.may_write(now, cfg.max_flash_writes_per_day) {
        events.send(DriverEvent::Flash {
            record: record.clone(),
            wrote: false,
            note: Some(format!(
                "the fallback program changed but {} flash writes today is the limit \
                 (fallback.max_writes_per_day): written tomorrow",
                record.writes_today
            )),
        });
        return Ok(());
    }
    match c.write_program(&program).await {
        Ok(_) => {
            record.wrote(sha, now);
            tracing::info!("fallback program written to the card's flash (write {})", record.writes);
            events.send(DriverEvent::Flash {
                record: record.clone(),
                wrote: true,
                note: None,
            });
            Ok(())
        }
        // The card cannot or will not take it: said in the status, not tried again on this
        // connection (the board itself is unaffected).
        Err(e @ (DriverError::Unsupported { .. } | DriverError::Link(crate::card::link::LinkError::Nack { .. }))) => {
            events.send(DriverEvent::Flash {
                record: record.clone(),
                wrote: false,
                note: Some(format!("no fallback program: {e}")),
            });
            Ok(())
        }
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_are_counted_and_limited_per_day() {
        let t = Timestamp::from_second(1_800_000_000).unwrap();
        let mut r = FlashRecord::default();
        assert!(r.may_write(t, 2));
        r.wrote("a".into(), t);
        r.wrote("b".into(), t);
        assert!(!r.may_write(t, 2));
        assert!(r.may_write(t + jiff::SignedDuration::from_hours(24), 2));
        assert_eq!(r.writes, 2);
        assert_eq!(r.program_sha256.as_deref(), Some("b"));
    }

    #[test]
    fn keep_alive_refreshes_on_whole_cycles_before_the_timeout() {
        assert_eq!(keep_alive(0, 10), None);
        assert_eq!(keep_alive(60, 10), Some((60, 30)));
        // A 40 s rotation item: refreshed after one whole cycle, timeout 30 s later.
        assert_eq!(keep_alive(60, 40), Some((70, 40)));
        assert_eq!(keep_alive(4, 1), Some((4, 2)));
        for (f, c) in [(1, 1), (7, 3), (60, 7), (600, 45)] {
            let (t, r) = keep_alive(f, c).unwrap();
            assert!(u32::from(t) > r && r % c == 0, "{f} {c}");
        }
    }
}
