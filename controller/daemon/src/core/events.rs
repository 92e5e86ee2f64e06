//! What the driver reports, applied to the core: link and clock state for the status, and each
//! acknowledged frame turned into a `displayed` receipt and a proof-of-display entry.

use jiff::Timestamp;
use pinghu_playlists::{Bilingual as _, ContentKey, Layer};

use super::Core;
use crate::board::{MAIN_AREA, URGENT_AREA};
use crate::driver::DriverEvent;
use crate::ingest::{Receipt, ReceiptEvent};
use crate::proof::Entry;
use crate::status::{Card, Flash, Link, Showing};

impl Core {
    /// Something the driver reported. Returns receipts to publish (`displayed`).
    pub fn driver_event(&mut self, ev: DriverEvent, now: Timestamp) -> Vec<Receipt> {
        match ev {
            DriverEvent::Link { up, protocol, error } => {
                self.health.device.link = if up { Link::Up } else { Link::Down };
                if let Some(p) = protocol {
                    self.health.device.protocol = Some(p.name().into());
                }
                if let Some(e) = error {
                    tracing::warn!("card link: {e}");
                    self.health.device.last_error_zh = Some(e.zh);
                    self.health.device.last_error = Some(e.en);
                }
                Vec::new()
            }
            DriverEvent::Clock {
                card_time,
                drift_s,
                synced,
            } => {
                if let Some(d) = drift_s {
                    tracing::info!("card clock drift {d} s{}", if synced { ", synchronised" } else { "" });
                }
                self.health.device.card_time = card_time;
                self.health.device.drift_s = if synced { Some(0) } else { drift_s };
                Vec::new()
            }
            DriverEvent::Card { info, power_control } => {
                self.health.device.power_control = Some(power_control);
                self.health.device.card = info.map(|i| {
                    let (w, h) = (u32::from(i.width), u32::from(i.height));
                    let matches = (w, h) == (self.cfg.width, self.cfg.height);
                    let size = SizeMismatch {
                        card: (w, h),
                        config: (self.cfg.width, self.cfg.height),
                    };
                    if !matches {
                        tracing::warn!(
                            "the card drives a {w}x{h} board, the configuration says {}x{}",
                            self.cfg.width,
                            self.cfg.height
                        );
                    }
                    Card {
                        model: pinghu_protocol::graphic_device_name(i.controller_type).map(str::to_owned),
                        firmware: i.firmware_text(),
                        width: w,
                        height: h,
                        size: format!("{w}x{h}"),
                        colors: i.color_name().to_owned(),
                        size_matches: matches,
                        size_warning: (!matches).then(|| size.to_string()),
                        size_warning_zh: (!matches).then(|| size.zh()),
                    }
                });
                Vec::new()
            }
            DriverEvent::Flash { record, wrote, note } => {
                if let Some(n) = &note {
                    tracing::warn!("{n}");
                }
                if wrote {
                    let path = self.cfg.data_dir.join(crate::fallback::RECORD_FILE);
                    let bytes = serde_json::to_vec_pretty(&record).unwrap_or_default();
                    if let Err(e) = self.storage.disk.write_atomic(&path, &bytes) {
                        self.storage.failed("the flash write count", &e);
                    }
                }
                self.health.device.flash = Some(Flash {
                    program_sha256: record.program_sha256,
                    writes: record.writes,
                    writes_today: record.writes_today,
                    last_write: record.last_write,
                    note,
                });
                Vec::new()
            }
            DriverEvent::Refused { what, error } => {
                tracing::error!("{what}: {error}");
                self.health.device.last_error_zh = Some(error.zh);
                self.health.device.last_error = Some(error.en);
                Vec::new()
            }
            DriverEvent::Shown {
                key,
                area,
                layer,
                frame_sha256,
                at,
            } => {
                self.acknowledged(area, &frame_sha256);
                self.shown(&key, area, layer, frame_sha256, at, now)
            }
            DriverEvent::Power { on: false } => {
                self.went_dark("power off", now);
                Vec::new()
            }
            DriverEvent::Power { on: true } => {
                // Lit again: what the card kept in the main area is on the glass (no urgent
                // notice: that would have been sent after the power).
                let main_glass = self.health.glass[usize::from(MAIN_AREA)].as_ref();
                let kept = self
                    .planner
                    .desired
                    .main
                    .as_ref()
                    .filter(|m| self.health.dark && main_glass.is_some() && m.pages.first() == main_glass)
                    .map(|m| (m.key.clone(), m.first_frame_sha256()));
                match kept {
                    Some((key, sha)) => self.shown(&key, MAIN_AREA, Layer::Rotation, sha, now, now),
                    None => Vec::new(),
                }
            }
            DriverEvent::Cleared { area } => {
                self.area_cleared(area);
                if area == MAIN_AREA && self.health.glass[usize::from(URGENT_AREA)].is_none() {
                    self.went_dark("blank", now);
                }
                // The urgent area is gone: the rotation underneath is on the glass again. The card
                // kept it (nothing is resent), so this is its proof of display.
                let main_glass = self.health.glass[usize::from(MAIN_AREA)].as_ref();
                let uncovered = (area == URGENT_AREA)
                    .then_some(self.planner.desired.main.as_ref())
                    .flatten()
                    .filter(|m| main_glass.is_some() && m.pages.first() == main_glass)
                    .map(|m| (m.key.clone(), m.first_frame_sha256()));
                match uncovered {
                    Some((key, sha)) => self.shown(&key, MAIN_AREA, Layer::Rotation, sha, now, now),
                    None => Vec::new(),
                }
            }
        }
    }

    /// The glass went dark: one `dark` entry in the proof log (a spot on the glass ends here),
    /// and the status stops naming what was shown last (the card is on its flash program, or off).
    fn went_dark(&mut self, how: &str, now: Timestamp) {
        self.health.showing = None;
        if self.health.dark {
            return;
        }
        self.health.dark = true;
        self.storage.append_proof(Entry::dark(now, &self.cfg.screen, how));
    }

    fn shown(
        &mut self,
        key: &ContentKey,
        area: u8,
        layer: Layer,
        frame_sha256: String,
        at: Timestamp,
        now: Timestamp,
    ) -> Vec<Receipt> {
        let mut receipts = Vec::new();
        let mut entry = Entry::shown(
            at.to_string(),
            self.cfg.screen.clone(),
            key.to_string(),
            format!("{layer:?}").to_lowercase(),
            frame_sha256.clone(),
        );
        let first_display = match key {
            ContentKey::Announcement { id, revision } => {
                match self
                    .storage
                    .store
                    .state
                    .announcements
                    .get(id)
                    .filter(|r| r.announcement.revision == *revision)
                {
                    Some(rec) => {
                        entry.key_id = Some(rec.key_id.clone());
                        entry.signature = Some(rec.signature.clone());
                        rec.displayed.is_none()
                    }
                    None => false,
                }
            }
            ContentKey::Item { .. } => false,
        };
        // A campaign's spot: which campaign, and how long it was to stay.
        if let ContentKey::Item { id } = key
            && let Some((c, _)) = self.playlist.current.spot(id)
        {
            entry.campaign = Some(c.id.clone());
            entry.planned_s = self
                .planner
                .desired
                .main
                .as_ref()
                .filter(|m| m.key == *key)
                .map(|m| m.dwell_s.iter().sum());
        }
        self.health.dark = false;
        // The proof entry first, then the state that records the first display, then its
        // receipt: a state never claims a display its proof log cannot show.
        self.storage.append_proof(entry);
        if first_display
            && let ContentKey::Announcement { id, revision } = key
            && let Some(rec) = self.storage.store.state.announcements.get_mut(id)
        {
            rec.displayed = Some(frame_sha256.clone());
            let mut r = Receipt::new(Some(id), Some(*revision), ReceiptEvent::Displayed, at);
            r.frame_sha256 = Some(frame_sha256.clone());
            if let Some((sender, identifier)) = &rec.alert {
                r.sender = Some(sender.clone());
                r.identifier = Some(identifier.clone());
            }
            self.storage.store.state.outbox.push(r.clone());
            self.storage.store.state.note_receipts(std::slice::from_ref(&r));
            self.storage.save(now);
            // Said only once it is on disk: a `displayed` the disk did not take would be said
            // again, with another time, after a restart (it goes out after the next successful
            // write, from `Core::step`).
            if self.storage.on_disk() {
                receipts.push(r);
            } else {
                self.storage.writes.unsaved_receipts.push(r);
            }
        }
        self.health.showing = Some(Showing {
            content: key.to_string(),
            area,
            layer: layer.into(),
            frame_sha256,
            since: Some(at),
        });
        receipts
    }
}

/// The card drives a board of another size than the configuration says: the status's
/// `device.card.size_warning`, in English and in Chinese.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SizeMismatch {
    pub card: (u32, u32),
    pub config: (u32, u32),
}

impl std::fmt::Display for SizeMismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ((w, h), (cw, ch)) = (self.card, self.config);
        write!(
            f,
            "the card reports {w}x{h} px but screen.width/height say {cw}x{ch}: fix the configuration or the card's \
             screen parameters"
        )
    }
}

impl pinghu_playlists::Bilingual for SizeMismatch {
    fn zh(&self) -> String {
        let ((w, h), (cw, ch)) = (self.card, self.config);
        format!("控制卡报告屏幕为 {w}x{h} 像素，配置中 screen.width/height 为 {cw}x{ch}：请改正配置或控制卡的屏幕参数")
    }
}
