//! The status document the daemon publishes (retained) and the console shows (docs/mqtt.md).

use jiff::Timestamp;
use serde_json::json;

use super::Core;
use crate::daemon::proof::ProofLog;
use crate::daemon::store::AnnState;

impl Core {
    /// The status document (docs/mqtt.md).
    pub fn status(&self, now: Timestamp) -> serde_json::Value {
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
        json!({
            "online": true,
            "screen": self.cfg.screen,
            "groups": self.cfg.groups,
            "version": env!("CARGO_PKG_VERSION"),
            "device": self.health.device,
            "mqtt": if self.health.broker.connected { "connected" } else { "reconnecting" },
            "broker": {
                "protocol": self.cfg.mqtt.version.name(),
                "client_id": self.cfg.mqtt.client_id,
                "session_present": self.health.broker.session_present,
                "session_expiry_s": self.health.broker.session_expiry_s,
                "last_error": self.health.broker.last_error,
                "client_id_conflict": self.health.broker.client_id_conflict.map(|t| t.to_string()),
                // Messages received and not acknowledged yet: waiting for the disk, or for room
                // to send their acknowledgement. Non-zero for long: the board cannot keep up.
                "intake_backlog": self.health.broker.backlog,
                "receipts_dropped": self.health.broker.receipts_dropped,
            },
            "showing": self.health.showing,
            "layer": self.health.plan_layer,
            "brightness": self.health.brightness,
            "power": if self.health.power { "on" } else { "off" },
            "override": {
                "brightness": self.planner.overrides.brightness.map(|(b, until)| json!({"level": b, "until": until.to_string()})),
                "power": self.planner.overrides.power.map(|(p, until)| json!({"on": p, "until": until.to_string()})),
            },
            "clock": {"daemon": now.to_string(), "card": self.health.device.card_time, "drift_s": self.health.device.drift_s,
                      "trusted": self.planner.clock == pinghu_playlists::ClockTrust::Trusted, "check": self.planner.clock},
            "queue": {"announcements": s.announcements.len(), "active": active, "urgent": urgent},
            "alerts": {
                "active": s.announcements.values().filter(|r| r.state == AnnState::Active && r.announcement.severity.is_some()).count(),
                "default_lifetime": format!("{:#}", self.cfg.alerts.default_lifetime),
                "geocodes": self.cfg.alerts.geocodes, "location": self.cfg.alerts.location,
                "show_exercises": self.cfg.alerts.show_exercises,
                "last": self.inbox.last_alert,
            },
            "reports": self.reports_status(),
            "office": self.office_status(now),
            "playlist": {"origin": self.playlist.current.origin, "items": self.playlist.current.items.len(), "error": self.playlist.error},
            "config_problems": self.health.config_problems,
            "console": self.cfg.console.as_ref().map(|c| json!({"listen": c.listen.to_string(), "error": self.health.console_error})),
            "storage": {
                "ok": storage_ok,
                "write_error": self.storage.writes.error,
                "state_recovery": self.storage.store.recovery,
                "replay_horizon": s.replay_horizon.map(|t| t.to_string()),
                "revisions_kept": s.revisions.len(),
                "forgotten_before": s.forgotten_before.map(|t| t.to_string()),
                "proof_log": self.storage.proof_findings,
                "proof_entries": proof.map(ProofLog::seq),
                "proof_head": proof.map(|p| { let (seq, hash) = p.head(); json!({"seq": seq, "hash": hash}) }),
                "proof_pending": proof.map_or(self.storage.proof_backlog.len(), ProofLog::pending),
                "proof_dropped": proof.map(|p| p.dropped),
                "disk": self.storage.space.map(|s| json!({"free_bytes": s.free_bytes, "total_bytes": s.total_bytes, "low": s.low()})),
            },
        })
    }
}
