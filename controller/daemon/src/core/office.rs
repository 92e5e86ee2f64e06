//! Office messages applied to the board: the holiday calendar, a pushed playlist, portal key
//! rotation ([`crate::office`]). Each is verified, checked against what was applied last
//! (a retained redelivery is a no-op, an older revision is refused), written to
//! `DATA_DIR/office.json`, then applied; the outcome is a receipt (`applied`, or `rejected` with
//! the reason) and a line of the status.
//!
//! **Precedence of playlists**: the last writer wins. A pushed playlist is written into the
//! board's playlist file (kept in the console's history as a version by `portal`) once per
//! revision; a later local edit (the file, or the console) stands until the office pushes a
//! newer revision, and the status says `local_edit: true` meanwhile, so neither side is silent.

use base64::Engine as _;
use jiff::Timestamp;
use pinghu_playlists::Bilingual;
use pinghu_playlists::problem::Said;

use super::{Core, SaveError};
use crate::ingest::{Receipt, ReceiptEvent, sha256_hex};
use crate::office::{self, Applied, Kind, Opened, Record};
use crate::status;

/// Why an office message was refused.
#[derive(Debug)]
struct Refusal {
    reason: crate::reason::Reason,
    /// Whether the board tries it again by itself, and when.
    retry: Retry,
}

/// When a refused office message is tried again without the office sending it again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Retry {
    /// Refused for its revision, its signature or a disk error: for good.
    No,
    /// A pushed playlist that did not check on this board: when a picture arrives (it may show it).
    WhenAPictureArrives,
    /// A picture removal while the running playlist shows the picture: when it no longer does.
    WhenThePlaylistDropsIt,
}

/// The typed errors an office message meets on its way, each said as its receipt's reason
/// (the receipt carries text).
macro_rules! refusal_from {
    ($($e:ty),*) => {$(
        impl From<$e> for Refusal {
            fn from(e: $e) -> Self {
                Self {
                    reason: crate::reason::Reason::Office(Said::of(&e)),
                    retry: Retry::No,
                }
            }
        }
    )*};
}

refusal_from!(
    office::OfficeError,
    pinghu_playlists::CalendarError,
    super::PictureError,
    crate::envelope::KeyError,
    WriteError,
    super::SaveFailure
);

/// The record of what the office sent could not be written.
#[derive(Debug, thiserror::Error)]
enum WriteError {
    #[error("cannot write the office record as JSON ({0}); please report this as a bug")]
    Json(serde_json::Error),
    #[error("cannot write {}: {error} (the message stays unapplied)", path.display())]
    Disk {
        path: std::path::PathBuf,
        error: std::io::Error,
    },
}

impl pinghu_playlists::Bilingual for WriteError {
    fn zh(&self) -> String {
        match self {
            Self::Json(_) => "无法把推送记录写成 JSON：这是程序错误，请报告".to_owned(),
            Self::Disk { path, .. } => format!("无法写入 {}：消息暂未应用（请检查磁盘空间和权限）", path.display()),
        }
    }
}

impl Core {
    /// Load what the office sent before (calendar, keys) at start.
    pub(super) fn load_office(&mut self, now: Timestamp) {
        let path = self.cfg.data_dir.join(office::FILE);
        let Ok(text) = std::fs::read_to_string(&path) else {
            return;
        };
        match serde_json::from_str::<Applied>(&text) {
            Ok(a) => {
                if let Some(t) = a.calendar.as_ref().and_then(|r| r.toml.clone()) {
                    match super::calendar(self.planner.calendar_file.as_ref(), Some(&t)) {
                        Ok(c) => self.planner.calendar = c,
                        Err(e) => tracing::error!("the pushed calendar in {} no longer applies: {e}", path.display()),
                    }
                }
                self.inbox.keys = a.keyring(&self.cfg.portal_keys, now);
                self.inbox.office = a;
            }
            Err(e) => tracing::error!(
                "{} is damaged ({e}); the office's calendar and keys apply again when it sends them",
                path.display()
            ),
        }
    }

    /// An office message from the broker. `Err` only when its receipt could not be stored.
    pub(super) fn office_message(
        &mut self,
        envelope: &[u8],
        topic: &str,
        kind: Kind,
        now: Timestamp,
    ) -> std::io::Result<Vec<Receipt>> {
        // What the receipt is about: the kind, and for a picture its name (from the topic).
        let about = match kind {
            Kind::Picture => format!("picture:{}", office::picture_of_topic(topic).unwrap_or_default()),
            _ => kind.name().to_owned(),
        };
        let opened = office::open(envelope, kind, &self.inbox.keys).and_then(|o| match kind {
            Kind::Picture if o.message.name.as_deref() != office::picture_of_topic(topic) => {
                Err(office::OfficeError::PictureOnOtherTopic {
                    name: o.message.name.clone().unwrap_or_default(),
                    topic: topic.to_owned(),
                })
            }
            _ => Ok(o),
        });
        let sha = opened.as_ref().map(|o| o.sha256.clone()).ok();
        if sha.is_some() && self.inbox.office.refused.get(&about) == sha.as_ref() {
            return Ok(Vec::new()); // the refused message again, retained: refused once is enough
        }
        let outcome = opened.map_err(Refusal::from).and_then(|o| {
            let revision = o.message.revision;
            self.apply_office(o, now).map(|applied| (revision, applied))
        });
        if let (Err(refusal), Some(sha)) = (&outcome, sha) {
            let mut next = self.inbox.office.clone();
            next.refused.insert(about.clone(), sha);
            // A playlist that did not check (a picture it shows may still come), or a removal of
            // a picture still shown: kept to be tried again.
            let kept = String::from_utf8_lossy(envelope).into_owned();
            match refusal.retry {
                Retry::WhenAPictureArrives => next.refused_playlist = Some(kept),
                Retry::WhenThePlaylistDropsIt => {
                    let name = office::picture_of_topic(topic).unwrap_or_default().to_owned();
                    next.refused_removals.insert(name, kept);
                }
                Retry::No => {}
            }
            if self.write_office(&next).is_ok() {
                self.inbox.office = next;
            }
        }
        let mut receipts = Vec::new();
        let receipt = match outcome {
            Ok((_, false)) => return Ok(Vec::new()), // a redelivery of what was applied
            Ok((revision, true)) => {
                tracing::info!("the office's {about} revision {revision} applied");
                Receipt::new(Some(&about), Some(revision), ReceiptEvent::Applied, now)
            }
            Err(Refusal { reason, .. }) => {
                tracing::warn!("the office's {about} refused: {reason}");
                let mut r = Receipt::new(Some(&about), None, ReceiptEvent::Rejected, now);
                r.reason = Some(reason);
                r.envelope_sha256 = Some(sha256_hex(envelope));
                r
            }
        };
        self.inbox.office_last = Some(crate::status::LastOffice {
            kind: kind.into(),
            event: Some(receipt.event),
            revision: receipt.revision,
            reason: receipt.reason.as_ref().map(ToString::to_string),
            reason_zh: receipt.reason.as_ref().map(Bilingual::zh),
            at: Some(now),
        });
        let applied_picture = kind == Kind::Picture && receipt.event == ReceiptEvent::Applied;
        let mut next = self.storage.store.state.clone();
        next.outbox.push(receipt.clone());
        next.proof_seq = self.storage.proof_seq();
        self.storage.store.replace(next)?;
        self.storage.wrote(now);
        receipts.push(receipt);
        // A pushed playlist refused before the picture it shows arrived: try it again.
        if applied_picture && let Some(env) = self.inbox.office.refused_playlist.clone() {
            let mut next = self.inbox.office.clone();
            next.refused.remove(Kind::Playlist.name());
            next.refused_playlist = None;
            if self.write_office(&next).is_ok() {
                self.inbox.office = next;
                tracing::info!("a picture arrived: the refused pushed playlist is tried again");
                receipts.extend(self.office_message(env.as_bytes(), topic, Kind::Playlist, now)?);
            }
        }
        Ok(receipts)
    }

    /// Picture removals that waited for the running playlist to stop showing their picture, tried
    /// again now that it does (called at every step: a pushed playlist, a console save or an
    /// edited file may have dropped it). The receipts to publish.
    pub(super) fn retry_removals(&mut self, now: Timestamp) -> Vec<Receipt> {
        let ready: Vec<(String, String)> = self
            .inbox
            .office
            .refused_removals
            .iter()
            .filter(|(name, _)| self.used_by(name).is_empty())
            .map(|(n, e)| (n.clone(), e.clone()))
            .collect();
        let mut receipts = Vec::new();
        for (name, envelope) in ready {
            let mut next = self.inbox.office.clone();
            next.refused_removals.remove(&name);
            next.refused.remove(&format!("picture:{name}"));
            if self.write_office(&next).is_err() {
                break; // tried again at the next step
            }
            self.inbox.office = next;
            tracing::info!("the running playlist no longer shows {name}: the office's removal is applied");
            let topic = format!(
                "{}/screens/{}/pictures/{name}",
                self.cfg.mqtt.topic_prefix, self.cfg.screen
            );
            match self.office_message(envelope.as_bytes(), &topic, Kind::Picture, now) {
                Ok(r) => receipts.extend(r),
                Err(e) => self.storage.failed("the receipt of a picture removal", &e),
            }
        }
        receipts
    }

    /// Apply a verified message: `Ok(false)` for a redelivery, `Ok(true)` when applied.
    fn apply_office(&mut self, o: Opened, now: Timestamp) -> Result<bool, Refusal> {
        if !self.inbox.office.is_new(&o)? {
            return Ok(false);
        }
        let mut next = self.inbox.office.clone();
        let mut record = Record {
            revision: o.message.revision,
            sha256: o.sha256.clone(),
            issued_at: o.message.issued_at,
            applied_at: now,
            key_id: o.key_id.clone(),
            toml: None,
            text_sha256: None,
        };
        match o.kind {
            Kind::Calendar => {
                let text = o.message.toml.clone().unwrap_or_default();
                let cal = super::calendar(self.planner.calendar_file.as_ref(), Some(&text))?;
                record.toml = Some(text);
                next.set(&o, record);
                self.write_office(&next)?;
                self.planner.calendar = cal;
            }
            Kind::Playlist => {
                let text = o.message.toml.clone().unwrap_or_default();
                self.save_playlist(&text, "portal", "push", now).map_err(|e| match e {
                    SaveError::Invalid(d) => Refusal {
                        reason: crate::reason::Reason::Office(Said {
                            en: format!(
                                "the playlist is refused, the previous one keeps running: {}",
                                d.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
                            ),
                            zh: format!(
                                "推送的节目单未通过检查，继续运行原节目单：{}",
                                d.iter()
                                    .map(|d| format!("第 {} 行：{}", d.line, d.problem.zh()))
                                    .collect::<Vec<_>>()
                                    .join("；")
                            ),
                        }),
                        retry: Retry::WhenAPictureArrives,
                    },
                    SaveError::Failed(m) => m.into(),
                })?;
                // Were this write to fail, the redelivery saves the same text again: no harm.
                record.text_sha256 = Some(sha256_hex(text.as_bytes()));
                next.set(&o, record);
                next.refused_playlist = None;
                self.write_office(&next)?;
            }
            Kind::Picture if o.message.remove => {
                let name = o.message.name.clone().unwrap_or_default();
                match self.delete_picture(&name, "portal", now) {
                    // Gone already (removed from the console, or never sent here): done all the same.
                    Ok(()) | Err(crate::core::PictureError::NotFound { .. }) => {}
                    Err(m @ crate::core::PictureError::InUse { .. }) => {
                        return Err(Refusal {
                            reason: crate::reason::Reason::Office(Said {
                                en: format!(
                                    "{m}; the board removes it by itself once the running playlist no longer shows it"
                                ),
                                zh: format!("{}；本屏运行的节目单不再使用它后会自动删除", m.zh()),
                            }),
                            retry: Retry::WhenThePlaylistDropsIt,
                        });
                    }
                    Err(e) => return Err(e.into()),
                }
                next.refused_removals.remove(&name);
                next.set(&o, record);
                self.write_office(&next)?;
            }
            Kind::Picture => {
                let name = o.message.name.clone().unwrap_or_default();
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(o.message.data.as_deref().unwrap_or_default().as_bytes())
                    .map_err(office::OfficeError::PictureData)?;
                self.save_picture(&name, &bytes, "portal", now)?;
                // Sent again after its removal: the office changed its mind, the removal waits no more.
                next.refused_removals.remove(&name);
                next.set(&o, record);
                self.write_office(&next)?;
            }
            Kind::Keys => {
                let mut check = crate::envelope::Keyring::default();
                for (id, k) in &o.message.add {
                    check.add(id, k)?;
                }
                next.added_keys.extend(o.message.add.clone());
                next.retired_keys.extend(o.message.retire.clone());
                let known: Vec<&String> = self.cfg.portal_keys.keys().chain(next.added_keys.keys()).collect();
                if known.iter().all(|id| next.retired_keys.contains_key(*id)) {
                    return Err(office::OfficeError::RetiresEveryKey.into());
                }
                next.set(&o, record);
                self.write_office(&next)?;
                self.inbox.keys = next.keyring(&self.cfg.portal_keys, now);
            }
        }
        self.inbox.office = next;
        Ok(true)
    }

    fn write_office(&self, a: &Applied) -> Result<(), WriteError> {
        let path = self.cfg.data_dir.join(office::FILE);
        let bytes = serde_json::to_vec_pretty(a).map_err(WriteError::Json)?;
        self.storage
            .disk
            .write_atomic(&path, &bytes)
            .map_err(|error| WriteError::Disk { path, error })
    }

    /// The years the playlist needs holiday data for and the calendar lacks (this one, and from
    /// December the next); `None` when none, or when nothing follows the calendar.
    pub(super) fn calendar_missing(&self, now: Timestamp) -> Option<Vec<i16>> {
        self.playlist
            .current
            .uses_calendar()
            .then(|| {
                self.planner
                    .calendar
                    .missing_years(now.to_zoned(self.planner.tz.clone()).date())
            })
            .filter(|m| !m.is_empty())
    }

    /// The office's messages as the status shows them.
    pub(super) fn office_status(&self, now: Timestamp) -> status::Office {
        let a = &self.inbox.office;
        let pushed_sha = a.playlist.as_ref().and_then(|r| r.text_sha256.clone());
        status::Office {
            calendar: status::CalendarApplied {
                revision: a.calendar.as_ref().map(|r| r.revision),
                applied_at: a.calendar.as_ref().map(|r| r.applied_at),
                years: self.planner.calendar.years().collect(),
                missing: self.calendar_missing(now),
            },
            playlist: status::PlaylistApplied {
                revision: a.playlist.as_ref().map(|r| r.revision),
                applied_at: a.playlist.as_ref().map(|r| r.applied_at),
                local_edit: pushed_sha.map(|s| self.playlist.sha.as_ref() != Some(&s)),
            },
            pictures: a.pictures.iter().map(|(n, r)| (n.clone(), r.revision)).collect(),
            // Removals waiting for the playlist to stop showing their picture.
            removals_waiting: a.refused_removals.keys().cloned().collect(),
            keys: status::KeysApplied {
                revision: a.keys.as_ref().map(|r| r.revision),
                in_force: (self.cfg.portal_keys.keys().chain(a.added_keys.keys()))
                    .filter(|id| a.retired_keys.get(*id).is_none_or(|t| now < *t))
                    .cloned()
                    .collect(),
                retiring: a.retired_keys.clone(),
            },
            last: self.inbox.office_last.clone(),
        }
    }
}
