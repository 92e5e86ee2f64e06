//! The status document the daemon publishes (retained) and the console shows (docs/mqtt.md).

use jiff::Timestamp;
use serde_json::json;

use super::Core;
use crate::daemon::proof::ProofLog;
use crate::daemon::store::AnnState;

impl Core {
    /// The status document (docs/mqtt.md).
    pub fn status(&self, now: Timestamp) -> serde_json::Value {
        let s = &self.store.state;
        let active = s.announcements.values().filter(|r| r.state == AnnState::Active).count();
        let urgent = s
            .announcements
            .values()
            .filter(|r| r.state == AnnState::Active && r.announcement.priority >= pinghu_playlists::Priority::Urgent)
            .count();
        let proof = self.proof.as_ref();
        let storage_ok = self.write_error.is_none()
            && self.store.recovery.is_empty()
            && self.proof_findings.is_empty()
            && proof.is_some_and(|p| p.pending() == 0 && p.dropped == 0)
            && self.proof_backlog.is_empty();
        json!({
            "online": true,
            "screen": self.cfg.screen,
            "groups": self.cfg.groups,
            "version": env!("CARGO_PKG_VERSION"),
            "device": self.device,
            "mqtt": if self.broker.connected { "connected" } else { "reconnecting" },
            "broker": {
                "protocol": self.cfg.mqtt.version.name(),
                "client_id": self.cfg.mqtt.client_id,
                "session_present": self.broker.session_present,
                "session_expiry_s": self.broker.session_expiry_s,
                "last_error": self.broker.last_error,
                "last_error_zh": self.broker.last_error_zh,
                "client_id_conflict": self.broker.client_id_conflict.map(|t| t.to_string()),
                // Messages received and not acknowledged yet: waiting for the disk, or for room
                // to send their acknowledgement. Non-zero for long: the board cannot keep up.
                "intake_backlog": self.broker.backlog,
                "receipts_dropped": self.broker.receipts_dropped,
            },
            "showing": self.showing,
            "layer": self.plan_layer,
            "brightness": self.brightness,
            "power": if self.power { "on" } else { "off" },
            "override": {
                "brightness": self.overrides.brightness.map(|(b, until)| json!({"level": b, "until": until.to_string()})),
                "power": self.overrides.power.map(|(p, until)| json!({"on": p, "until": until.to_string()})),
            },
            "clock": {"daemon": now.to_string(), "card": self.device.card_time, "drift_s": self.device.drift_s,
                      "trusted": self.clock == pinghu_playlists::ClockTrust::Trusted, "check": self.clock},
            "queue": {"announcements": s.announcements.len(), "active": active, "urgent": urgent},
            "alerts": {
                "active": s.announcements.values().filter(|r| r.state == AnnState::Active && r.announcement.severity.is_some()).count(),
                "default_lifetime": format!("{:#}", self.cfg.alerts.default_lifetime),
                "geocodes": self.cfg.alerts.geocodes, "location": self.cfg.alerts.location,
                "show_exercises": self.cfg.alerts.show_exercises,
                "last": self.last_alert,
            },
            "reports": self.reports_status(),
            "office": self.office_status(now),
            "playlist": {"origin": self.playlist.origin, "items": self.playlist.items.len(),
                         "error": self.playlist_error.as_ref().map(ToString::to_string),
                         "error_zh": self.playlist_error.as_ref().map(pinghu_playlists::Bilingual::zh)},
            "config_problems": self.config_problems.iter().map(ToString::to_string).collect::<Vec<_>>(),
            "config_problems_zh": self.config_problems.iter().map(pinghu_playlists::Bilingual::zh).collect::<Vec<_>>(),
            "console": self.cfg.console.as_ref().map(|c| json!({"listen": c.listen.to_string(), "error": self.console_error})),
            "storage": {
                "ok": storage_ok,
                "write_error": self.write_error,
                "state_recovery": self.store.recovery,
                "replay_horizon": s.replay_horizon.map(|t| t.to_string()),
                "revisions_kept": s.revisions.len(),
                "forgotten_before": s.forgotten_before.map(|t| t.to_string()),
                "proof_log": self.proof_findings,
                "proof_entries": proof.map(ProofLog::seq),
                "proof_head": proof.map(|p| { let (seq, hash) = p.head(); json!({"seq": seq, "hash": hash}) }),
                "proof_pending": proof.map_or(self.proof_backlog.len(), ProofLog::pending),
                "proof_dropped": proof.map(|p| p.dropped),
                "disk": self.space.map(|s| json!({"free_bytes": s.free_bytes, "total_bytes": s.total_bytes, "low": s.low()})),
            },
        })
    }
}
