//! Applying verified portal messages to the store: acceptance, replays, supersession,
//! revocation and expiry, each producing the receipts the portal sees (docs/mqtt.md). Pure
//! functions of (state, message, now): the daemon applies them to a copy of the state, persists
//! the copy, and only then swaps it in and acknowledges.

use jiff::Timestamp;
use serde::Serialize;

use crate::envelope::{Refusal, Verified, peek_id};
use crate::reason::Reason;
use crate::store::{AnnState, Record, State};

/// What a receipt says happened (docs/mqtt.md, "Receipts"): the one list of these words.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, serde::Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum ReceiptEvent {
    /// Stored; it will show when its time and the schedule say.
    Accepted,
    /// Refused, with the reason (never stored).
    Rejected,
    /// The card acknowledged the first frame showing it.
    Displayed,
    /// Its `valid_until` passed.
    Expired,
    /// Taken off by a revocation.
    Revoked,
    /// Replaced by a newer revision.
    Superseded,
    /// Not shown until the portal issues a new revision (the board restored an older state).
    Suspended,
    /// The exact bytes are held already (a redelivery or a resend).
    Held,
    /// A warning's update (announcements say `superseded`).
    Updated,
    /// A warning's cancellation (announcements say `revoked`).
    Cancelled,
    /// A warning's Cancel for a warning this board never had: nothing to take off, but
    /// remembered, so the warning never shows if it arrives later.
    Ignored,
    /// An office push (calendar, playlist, picture, keys) took effect.
    Applied,
    /// A word a newer version wrote (in a state file read by an older one): kept, never sent.
    #[serde(other)]
    Unknown,
}

impl ReceiptEvent {
    /// The word on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Accepted => "accepted",
            Self::Rejected => "rejected",
            Self::Displayed => "displayed",
            Self::Expired => "expired",
            Self::Revoked => "revoked",
            Self::Superseded => "superseded",
            Self::Suspended => "suspended",
            Self::Held => "held",
            Self::Updated => "updated",
            Self::Cancelled => "cancelled",
            Self::Ignored => "ignored",
            Self::Applied => "applied",
            Self::Unknown => "unknown",
        }
    }
}

impl std::fmt::Display for ReceiptEvent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Comparing with the word on the wire (a receipt read back as JSON, a test's expectation).
impl PartialEq<&str> for ReceiptEvent {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// One receipt event. On the wire (and in the state file's outbox) its `reason` is the English
/// words, `reason_zh` the Chinese and `reason_code` the reason's stable name, all from the typed
/// [`Reason`]; read back, a reason is the words it was written with ([`Reason::Recorded`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(into = "wire::Receipt", from = "wire::Receipt")]
pub struct Receipt {
    pub id: Option<String>,
    pub revision: Option<u64>,
    pub event: ReceiptEvent,
    pub at: String,
    pub reason: Option<Reason>,
    pub frame_sha256: Option<String>,
    /// `rejected` only: SHA-256 of the exact bytes received, so the portal can tell which of its
    /// messages was refused even when nothing in it could be trusted.
    pub envelope_sha256: Option<String>,
    /// `rejected` only, when the signature did not verify: what the payload claims (unverified).
    pub claimed_id: Option<String>,
    pub claimed_revision: Option<u64>,
    /// Warnings: the message's own `identifier` and `sender`, so the issuer can match the
    /// receipt (`id` names the warning's chain on this board).
    pub identifier: Option<String>,
    pub sender: Option<String>,
}

/// The receipt as JSON (docs/mqtt.md).
mod wire {
    use serde::{Deserialize, Serialize};

    use super::{Reason, ReceiptEvent};

    #[derive(Serialize, Deserialize)]
    pub(super) struct Receipt {
        id: Option<String>,
        revision: Option<u64>,
        event: ReceiptEvent,
        at: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason_zh: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason_code: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        frame_sha256: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        envelope_sha256: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        claimed_id: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        claimed_revision: Option<u64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        identifier: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        sender: Option<String>,
    }

    impl From<super::Receipt> for Receipt {
        fn from(r: super::Receipt) -> Self {
            use pinghu_playlists::Bilingual as _;
            Self {
                reason: r.reason.as_ref().map(ToString::to_string),
                reason_zh: r.reason.as_ref().map(Reason::zh),
                reason_code: r.reason.as_ref().map(|w| w.code().to_owned()),
                id: r.id,
                revision: r.revision,
                event: r.event,
                at: r.at,
                frame_sha256: r.frame_sha256,
                envelope_sha256: r.envelope_sha256,
                claimed_id: r.claimed_id,
                claimed_revision: r.claimed_revision,
                identifier: r.identifier,
                sender: r.sender,
            }
        }
    }

    impl From<Receipt> for super::Receipt {
        fn from(r: Receipt) -> Self {
            Self {
                reason: r.reason.map(|en| Reason::Recorded {
                    code: r.reason_code.unwrap_or_default(),
                    en,
                    zh: r.reason_zh,
                }),
                id: r.id,
                revision: r.revision,
                event: r.event,
                at: r.at,
                frame_sha256: r.frame_sha256,
                envelope_sha256: r.envelope_sha256,
                claimed_id: r.claimed_id,
                claimed_revision: r.claimed_revision,
                identifier: r.identifier,
                sender: r.sender,
            }
        }
    }
}

impl std::fmt::Display for Receipt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.event)?;
        match (&self.id, self.revision, &self.claimed_id) {
            (Some(id), Some(r), _) => write!(f, " {id} r{r}")?,
            (Some(id), None, _) => write!(f, " {id}")?,
            (None, _, Some(c)) => write!(
                f,
                " (claims {c}{}, unverified)",
                self.claimed_revision.map(|r| format!(" r{r}")).unwrap_or_default()
            )?,
            _ => {}
        }
        if let Some(h) = &self.envelope_sha256 {
            write!(f, " envelope {}", &h[..h.len().min(12)])?;
        }
        if let Some(r) = &self.reason {
            write!(f, ": {r}")?;
        }
        Ok(())
    }
}

impl Receipt {
    pub fn new(id: Option<&str>, revision: Option<u64>, event: ReceiptEvent, now: Timestamp) -> Self {
        Self {
            id: id.map(str::to_owned),
            revision,
            event,
            at: now.to_string(),
            reason: None,
            frame_sha256: None,
            envelope_sha256: None,
            claimed_id: None,
            claimed_revision: None,
            identifier: None,
            sender: None,
        }
    }
    pub fn with_reason(mut self, r: impl Into<Reason>) -> Self {
        self.reason = Some(r.into());
        self
    }
}

/// What applying a message did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub receipts: Vec<Receipt>,
    /// The state changed and must be saved before the message is acknowledged.
    pub changed: bool,
}

/// SHA-256 (hex) of bytes.
/// Lowercase hex SHA-256: the one way the daemon names bytes (envelopes, files, frames, chains).
pub fn sha256_hex(b: &[u8]) -> String {
    use sha2::Digest as _;
    pinghu_protocol::to_hex(&sha2::Sha256::digest(b))
}

/// A message the envelope check refused: the receipt names the exact bytes received, and the
/// id only when the signature verified (otherwise what the payload claims, marked unverified).
pub fn refused(r: &Refusal, envelope: &[u8], now: Timestamp) -> Outcome {
    // A warning's payload is XML, not an announcement: its identifier and sender, not an id.
    let (id, rev) = match r.alert {
        Some(_) => (None, None),
        None => r.payload.as_deref().map(peek_id).unwrap_or_default(),
    };
    let mut receipt = Receipt::new(None, None, ReceiptEvent::Rejected, now).with_reason(r.reason.clone());
    if r.signed {
        receipt.id = id;
        receipt.revision = rev;
    } else {
        receipt.claimed_id = id;
        receipt.claimed_revision = rev;
    }
    if let Some((identifier, sender)) = &r.alert {
        receipt.identifier.clone_from(identifier);
        receipt.sender.clone_from(sender);
    }
    receipt.envelope_sha256 = Some(sha256_hex(envelope));
    Outcome {
        receipts: vec![receipt],
        changed: false,
    }
}

/// A refused message.
pub fn rejected(r: Reason, id: Option<&str>, revision: Option<u64>, now: Timestamp) -> Outcome {
    Outcome {
        receipts: vec![Receipt::new(id, revision, ReceiptEvent::Rejected, now).with_reason(r)],
        changed: false,
    }
}

impl Receipt {
    /// The answer to a message that changed nothing (`rejected`, `held`): not kept in the
    /// outbox, sent best effort (docs/durability.md).
    pub fn is_best_effort(&self) -> bool {
        matches!(self.event, ReceiptEvent::Rejected | ReceiptEvent::Held)
    }
}

/// A broker's redelivery, or the portal's resend, of exactly what is stored: nothing changes, and
/// a `held` receipt says the board has it (so a sender that missed the `accepted` receipt learns
/// it need not send again).
pub fn held(id: &str, rec: &crate::store::Record, now: Timestamp) -> Outcome {
    Outcome {
        receipts: vec![
            Receipt::new(Some(id), Some(rec.announcement.revision), ReceiptEvent::Held, now).with_reason(
                Reason::AlreadyHeld {
                    accepted_at: rec.accepted_at,
                    state: rec.state,
                },
            ),
        ],
        changed: false,
    }
}

/// Apply a verified message. `payload_sha256` tells a broker's redelivery or a resend (identical
/// bytes: nothing changes, a `held` receipt) from a replay (refused with a receipt).
///
/// `envelope_sha256` (of the bytes received) goes into every `rejected` and `held` receipt.
pub fn apply(state: &mut State, msg: Verified, payload_sha256: &str, envelope_sha256: &str, now: Timestamp) -> Outcome {
    let mut o = apply_inner(state, msg, payload_sha256, now);
    for r in &mut o.receipts {
        if r.is_best_effort() {
            r.envelope_sha256 = Some(envelope_sha256.to_owned());
        }
    }
    o
}

fn apply_inner(state: &mut State, msg: Verified, payload_sha256: &str, now: Timestamp) -> Outcome {
    let (id, rev) = {
        let (i, r) = msg.id_revision();
        (i.to_owned(), r)
    };
    let seen = state.revisions.get(&id).copied();
    let is_revoke = matches!(msg, Verified::Revoke { .. });
    if let Some(rec) = state.announcements.get(&id)
        && rec.announcement.revision == rev
        && rec.payload_sha256 == payload_sha256
    {
        return held(&id, rec, now);
    }
    // The revocation that set the highest revision, sent again byte for byte.
    if seen == Some(rev) && state.revoke_sha256.get(&id).is_some_and(|s| s == payload_sha256) {
        return Outcome {
            receipts: vec![
                Receipt::new(Some(&id), Some(rev), ReceiptEvent::Held, now)
                    .with_reason(Reason::RevocationHeld { id: id.clone() }),
            ],
            changed: false,
        };
    }
    let issued = msg.issued_at();
    if let Some(h) = state.replay_horizon
        && issued < h
    {
        return rejected(Reason::BeforeHorizon { issued, horizon: h }, Some(&id), Some(rev), now);
    }
    if seen.is_none()
        && let Some(f) = state.forgotten_before
        && issued <= f
    {
        return rejected(Reason::Forgotten { issued, floor: f }, Some(&id), Some(rev), now);
    }
    if let Some(s) = seen
        && rev <= s
    {
        return rejected(
            Reason::Replay {
                id: id.clone(),
                revision: rev,
                seen: s,
            },
            Some(&id),
            Some(rev),
            now,
        );
    }
    let mut receipts = Vec::new();
    match msg {
        Verified::Publish {
            announcement,
            key_id,
            signature,
            approved_by,
        } => {
            if announcement.is_expired(now) {
                return rejected(
                    Reason::Expired {
                        valid_until: announcement.valid_until,
                    },
                    Some(&id),
                    Some(rev),
                    now,
                );
            }
            if let Some(old) = state.announcements.get_mut(&id)
                && old.state == AnnState::Active
            {
                old.state = AnnState::Superseded;
                receipts.push(
                    Receipt::new(
                        Some(&id),
                        Some(old.announcement.revision),
                        ReceiptEvent::Superseded,
                        now,
                    )
                    .with_reason(Reason::ReplacedBy { revision: rev }),
                );
            }
            // The history is the id's, across revisions.
            let history = state
                .announcements
                .get(&id)
                .map(|o| o.history.clone())
                .unwrap_or_default();
            state.announcements.insert(
                id.clone(),
                Record {
                    announcement,
                    state: AnnState::Active,
                    key_id,
                    signature,
                    payload_sha256: payload_sha256.to_owned(),
                    accepted_at: now,
                    displayed: None,
                    approved_by,
                    alert: None,
                    history,
                },
            );
            receipts.insert(0, Receipt::new(Some(&id), Some(rev), ReceiptEvent::Accepted, now));
        }
        Verified::Alert { .. } => {
            // Warnings are chained and judged by `apply_alert`, which hands on a Publish or Revoke.
            return rejected(Reason::Misrouted, Some(&id), None, now);
        }
        Verified::Revoke { .. } => {
            state.revoke_sha256.insert(id.clone(), payload_sha256.to_owned());
            receipts.push(Receipt::new(Some(&id), Some(rev), ReceiptEvent::Accepted, now));
            match state.announcements.get_mut(&id) {
                Some(rec) if rec.state == AnnState::Active => {
                    rec.state = AnnState::Revoked;
                    receipts.push(Receipt::new(
                        Some(&id),
                        Some(rec.announcement.revision),
                        ReceiptEvent::Revoked,
                        now,
                    ));
                }
                Some(rec) => receipts.push(
                    Receipt::new(Some(&id), Some(rec.announcement.revision), ReceiptEvent::Revoked, now)
                        .with_reason(Reason::AlreadyInState { state: rec.state }),
                ),
                None => receipts.push(
                    Receipt::new(Some(&id), Some(rev), ReceiptEvent::Revoked, now)
                        .with_reason(Reason::RevokedBeforeReceived),
                ),
            }
        }
    }
    if !is_revoke {
        state.revoke_sha256.remove(&id);
    }
    state.revision_issued.insert(id.clone(), issued);
    state.revisions.insert(id, rev);
    Outcome {
        receipts,
        changed: true,
    }
}

#[cfg(test)]
pub mod tests {
    use super::*;
    use pinghu_playlists::{Announcement, Priority};

    /// A verified notice `id` of revision `rev`, issued at `issued`, valid until `until`.
    pub fn notice(id: &str, rev: u64, issued: &str, until: Option<&str>) -> Verified {
        Verified::Publish {
            announcement: Announcement {
                id: id.into(),
                revision: rev,
                priority: Priority::Normal,
                title: String::new(),
                body: "内容".into(),
                valid_from: None,
                valid_until: until.map(|u| u.parse().unwrap()),
                issued_at: issued.parse().unwrap(),
                font_size: None,
                color: None,
                effect: None,
                severity: None,
            },
            key_id: "k".into(),
            signature: "s".into(),
            approved_by: None,
        }
    }

    fn ann(rev: u64, until: Option<&str>) -> Verified {
        notice("a", rev, "2026-11-28T00:00:00Z", until)
    }

    fn ap(s: &mut State, m: Verified, sha: &str, now: Timestamp) -> Outcome {
        apply(s, m, sha, "envelope-hash", now)
    }

    fn events(o: &Outcome) -> Vec<&str> {
        o.receipts.iter().map(|r| r.event.as_str()).collect()
    }

    #[test]
    fn accept_redeliver_replay_supersede_revoke_expire() {
        let now: Timestamp = "2026-11-28T01:00:00Z".parse().unwrap();
        let mut s = State::default();
        let o = ap(&mut s, ann(1, None), "h1", now);
        assert_eq!(events(&o), ["accepted"]);
        // Redelivery of the same bytes: nothing changes; the board says it holds it.
        let o = ap(&mut s, ann(1, None), "h1", now);
        assert_eq!((events(&o), o.changed), (vec!["held"], false));
        assert!(
            o.receipts[0]
                .reason
                .as_ref()
                .unwrap()
                .to_string()
                .starts_with("already held"),
            "{o:?}"
        );
        // Same revision, other bytes: a replay.
        let o = ap(&mut s, ann(1, None), "h2", now);
        assert_eq!(events(&o), ["rejected"]);
        assert!(o.receipts[0].reason.as_ref().unwrap().to_string().contains("replay"));
        // Newer revision supersedes.
        let o = ap(&mut s, ann(2, Some("2026-11-28T02:00:00Z")), "h3", now);
        assert_eq!(events(&o), ["accepted", "superseded"]);
        assert_eq!(o.receipts[1].revision, Some(1));
        // Lower revision afterwards: replay.
        assert_eq!(events(&ap(&mut s, ann(1, None), "h4", now)), ["rejected"]);
        // Expiry at the exact second.
        assert!(crate::retention::expire(&mut s, "2026-11-28T01:59:59Z".parse().unwrap()).is_empty());
        assert_eq!(
            crate::retention::expire(&mut s, "2026-11-28T02:00:00Z".parse().unwrap())[0].event,
            "expired"
        );
        // An expired publish is refused.
        let late: Timestamp = "2026-11-28T03:00:00Z".parse().unwrap();
        let o = ap(&mut s, ann(3, Some("2026-11-28T02:30:00Z")), "h5", late);
        assert!(
            o.receipts[0]
                .reason
                .as_ref()
                .unwrap()
                .to_string()
                .starts_with("expired")
        );
        // Revoke.
        ap(&mut s, ann(4, None), "h6", late);
        let o = ap(
            &mut s,
            Verified::Revoke {
                id: "a".into(),
                revision: 5,
                key_id: "k".into(),
                signature: "s".into(),
                issued_at: late,
            },
            "h7",
            late,
        );
        assert_eq!(events(&o), ["accepted", "revoked"]);
        assert!(s.active().is_empty());
        // The same revocation again, byte for byte (a portal's --confirm resend): held, not a
        // replay; other bytes with its revision are still a replay.
        let revoke = || Verified::Revoke {
            id: "a".into(),
            revision: 5,
            key_id: "k".into(),
            signature: "s".into(),
            issued_at: late,
        };
        let o = ap(&mut s, revoke(), "h7", late);
        assert_eq!((events(&o), o.changed), (vec!["held"], false));
        assert!(
            o.receipts[0]
                .reason
                .as_ref()
                .unwrap()
                .to_string()
                .contains("revocation"),
            "{o:?}"
        );
        assert_eq!(events(&ap(&mut s, revoke(), "h7-other", late)), ["rejected"]);
        // Replayed publish after the revoke: refused.
        assert_eq!(events(&ap(&mut s, ann(5, None), "h8", late)), ["rejected"]);
        // A month later the revoked record is forgotten, but replays are still refused.
        assert_eq!(
            crate::retention::prune(&mut s, late + jiff::SignedDuration::from_hours(24 * 29)),
            0
        );
        assert_eq!(
            crate::retention::prune(&mut s, late + jiff::SignedDuration::from_hours(24 * 31)),
            1
        );
        assert!(s.announcements.is_empty());
        assert_eq!(events(&ap(&mut s, ann(5, None), "h9", late)), ["rejected"]);
    }

    #[test]
    fn every_rejection_names_the_envelope_and_only_a_verified_id() {
        let now: Timestamp = "2026-11-28T01:00:00Z".parse().unwrap();
        let mut s = State::default();
        ap(&mut s, ann(2, None), "h1", now);
        let o = ap(&mut s, ann(1, None), "h2", now);
        assert_eq!(o.receipts[0].envelope_sha256.as_deref(), Some("envelope-hash"));
        assert_eq!(o.receipts[0].id.as_deref(), Some("a"));
        let payload = br#"{"id":"yl-9","revision":4}"#.to_vec();
        let unsigned = Refusal {
            reason: crate::envelope::Rejection::Forged { key_id: "k".into() },
            payload: Some(payload.clone()),
            signed: false,
            alert: None,
        };
        let r = &refused(&unsigned, b"the bytes", now).receipts[0];
        assert_eq!(r.id, None, "an unverified id is never reported as the id");
        // Logged with Display: no Some(..), the hash shortened.
        let text = r.to_string();
        assert!(
            text.starts_with("rejected (claims yl-9 r4, unverified) envelope "),
            "{text}"
        );
        assert!(
            text.contains(": signature does not verify") && !text.contains("Some("),
            "{text}"
        );
        assert_eq!((r.claimed_id.as_deref(), r.claimed_revision), (Some("yl-9"), Some(4)));
        assert_eq!(r.envelope_sha256.as_deref(), Some(sha256_hex(b"the bytes").as_str()));
        let json = serde_json::to_value(r).unwrap();
        assert_eq!(json["claimed_id"], "yl-9");
        assert!(json["id"].is_null());
        let signed = Refusal {
            signed: true,
            ..unsigned
        };
        let r = &refused(&signed, b"the bytes", now).receipts[0];
        assert_eq!((r.id.as_deref(), r.claimed_id.as_deref()), (Some("yl-9"), None));
    }

    #[test]
    fn after_a_restore_messages_issued_before_the_horizon_are_refused() {
        let now: Timestamp = "2026-11-28T01:00:00Z".parse().unwrap();
        let mut s = State::default();
        ap(&mut s, ann(1, None), "h1", now);
        // Restored from an older generation at 02:00 (ann() is issued at 00:00).
        s.replay_horizon = Some("2026-11-28T02:00:00Z".parse().unwrap());
        let later: Timestamp = "2026-11-28T03:00:00Z".parse().unwrap();
        // The stored bytes again: a redelivery, harmless.
        assert_eq!(events(&ap(&mut s, ann(1, None), "h1", later)), ["held"]);
        // A higher revision issued before the horizon might be one the lost state had revoked.
        let o = ap(&mut s, ann(2, None), "h2", later);
        assert_eq!(events(&o), ["rejected"]);
        assert!(
            o.receipts[0]
                .reason
                .as_ref()
                .unwrap()
                .to_string()
                .contains("new revision"),
            "{o:?}"
        );
        // Issued after the horizon: accepted.
        let Verified::Publish {
            mut announcement,
            key_id,
            signature,
            approved_by,
        } = ann(3, None)
        else {
            unreachable!()
        };
        announcement.issued_at = "2026-11-28T02:30:00Z".parse().unwrap();
        let o = ap(
            &mut s,
            Verified::Publish {
                announcement,
                key_id,
                signature,
                approved_by,
            },
            "h3",
            later,
        );
        assert_eq!(events(&o), ["accepted", "superseded"]);
    }
}
