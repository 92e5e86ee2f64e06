//! The status document the daemon publishes (retained) and the console shows (docs/mqtt.md; the
//! type is [`crate::status::Status`]).

use jiff::Timestamp;

use super::Core;
use crate::proof::ProofLog;
use crate::status::{self, Status};
use crate::store::AnnState;

impl Core {
    /// The status document (docs/mqtt.md).
    pub fn status(&self, now: Timestamp) -> Status {
        let s = &self.storage.store.state;
        let active = s.announcements.values().filter(|r| r.state == AnnState::Active).count();
        let urgent = s
            .announcements
            .values()
            .filter(|r| r.state == AnnState::Active && r.announcement.priority >= pinghu_playlists::Priority::Urgent)
            .count();
        let proof = self.storage.proof.as_ref();
        let storage_ok = self.storage.writes.error.is_none()
            && self.storage.store.recovery.is_empty()
            && self.storage.proof_findings.is_empty()
            && proof.is_some_and(|p| p.pending() == 0 && p.dropped == 0)
            && self.storage.proof_backlog.is_empty();
        Status {
            online: true,
            screen: self.cfg.screen.clone(),
            groups: self.cfg.groups.clone(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
            device: self.health.device.clone(),
            mqtt: if self.health.broker.connected {
                status::MqttState::Connected
            } else {
                status::MqttState::Reconnecting
            },
            broker: status::Broker {
                protocol: self.cfg.mqtt.version.name().to_owned(),
                client_id: self.cfg.mqtt.client_id.clone(),
                session_present: self.health.broker.session_present,
                session_expiry_s: self.health.broker.session_expiry_s,
                last_error: self.health.broker.last_error.clone(),
                last_error_zh: self.health.broker.last_error_zh.clone(),
                client_id_conflict: self.health.broker.client_id_conflict,
                // Messages received and not acknowledged yet: waiting for the disk, or for room
                // to send their acknowledgement. Non-zero for long: the board cannot keep up.
                intake_backlog: self.health.broker.backlog as u64,
                receipts_dropped: self.health.broker.receipts_dropped,
            },
            showing: self.health.showing.clone(),
            layer: self.health.plan_layer.into(),
            brightness: self.health.brightness,
            power: self.health.power.into(),
            overrides: status::Override {
                brightness: (self.planner.overrides.brightness)
                    .map(|(level, until)| status::OverrideBrightness { level, until }),
                power: (self.planner.overrides.power).map(|(on, until)| status::OverridePower { on, until }),
            },
            clock: status::Clock {
                daemon: Some(now),
                card: self.health.device.card_time.clone(),
                drift_s: self.health.device.drift_s,
                trusted: self.planner.clock == pinghu_playlists::ClockTrust::Trusted,
                check: self.planner.clock.into(),
            },
            queue: status::Queue {
                announcements: s.announcements.len() as u64,
                active: active as u64,
                urgent: urgent as u64,
            },
            alerts: status::Alerts {
                active: s
                    .announcements
                    .values()
                    .filter(|r| r.state == AnnState::Active && r.announcement.severity.is_some())
                    .count() as u64,
                default_lifetime: format!("{:#}", self.cfg.alerts.default_lifetime),
                geocodes: self.cfg.alerts.geocodes.clone(),
                location: self.cfg.alerts.location,
                show_exercises: self.cfg.alerts.show_exercises,
                last: self.inbox.last_alert.clone(),
            },
            reports: self.reports_status(),
            office: self.office_status(now),
            playlist: status::PlaylistStatus {
                origin: self.playlist.current.origin.clone(),
                items: self.playlist.current.items.len() as u64,
                error: self.playlist.error.as_ref().map(ToString::to_string),
                error_zh: self.playlist.error.as_ref().map(pinghu_playlists::Bilingual::zh),
            },
            config_problems: self.health.config_problems.iter().map(ToString::to_string).collect(),
            config_problems_zh: self
                .health
                .config_problems
                .iter()
                .map(pinghu_playlists::Bilingual::zh)
                .collect(),
            console: self.cfg.console.as_ref().map(|c| status::Console {
                listen: c.listen.to_string(),
                error: self.health.console_error.clone(),
            }),
            storage: status::Storage {
                ok: storage_ok,
                write_error: self.storage.writes.error.clone(),
                state_recovery: self.storage.store.recovery.clone(),
                replay_horizon: s.replay_horizon,
                revisions_kept: s.revisions.len() as u64,
                forgotten_before: s.forgotten_before,
                proof_log: (self.storage.proof_findings.iter())
                    .map(|f| status::ProofFinding {
                        kind: f.kind.to_owned(),
                        message: f.message.clone(),
                    })
                    .collect(),
                proof_entries: proof.map(ProofLog::seq),
                proof_head: proof.map(|p| {
                    let (seq, hash) = p.head();
                    status::ProofHead {
                        seq,
                        hash: hash.to_owned(),
                    }
                }),
                proof_pending: proof.map_or(self.storage.proof_backlog.len(), ProofLog::pending) as u64,
                proof_dropped: proof.map(|p| p.dropped),
                disk: self.storage.space.map(|d| status::Disk {
                    free_bytes: d.free_bytes,
                    total_bytes: d.total_bytes,
                    low: d.low(),
                }),
            },
        }
    }
}
