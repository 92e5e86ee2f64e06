//! Warnings into the store (docs/alerts.md, "Chains"). A warning and its updates and cancel form
//! a chain; on the board the chain is one announcement whose id names the chain and whose
//! revision is the `sent` time (milliseconds) of the message that last changed it:
//!
//! * an Update replaces the warning in place at once (a newer revision of the same id);
//! * a Cancel takes it off (a revoke of that revision);
//! * a late original, or an older update, after a newer message is refused by the revision rule,
//!   which is the tombstone: the id's highest revision is kept after the warning is gone;
//! * a message seen again (`sender`, `identifier`) is a duplicate.
//!
//! Messages are matched by sender and identifier, never by `sent` (real chains quote it
//! imprecisely). The chain is the one of the earliest message among the message itself and those
//! it references, looked up in what was seen before; so a chain whose messages reference all
//! earlier ones resolves to the same warning in any order of arrival.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::alerts::{Alert, AlertConfig, Judgement, cap::MsgType};
use crate::envelope::Verified;
use crate::ingest::{self, Outcome, ReceiptEvent};
use crate::store::{AnnState, State};

/// A warning message seen before.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Known {
    /// The chain's announcement id.
    pub chain: String,
    /// When the message was sent, when known (a reference may not say).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sent: Option<Timestamp>,
}

/// `sender,identifier`.
pub fn key(sender: &str, identifier: &str) -> String {
    format!("{sender},{identifier}")
}

/// The announcement id of the chain that starts with the message `key`.
pub fn chain_id(key: &str) -> String {
    format!("alert-{}", &ingest::sha256_hex(key.as_bytes())[..16])
}

/// The chain `alert` belongs to, and every key it names (its own first).
fn resolve(alert: &Alert, known: &BTreeMap<String, Known>) -> (String, Vec<(String, Option<Timestamp>)>) {
    let mut keys = vec![(key(&alert.sender, &alert.identifier), Some(alert.sent))];
    for r in &alert.references {
        // The national format's bare references name the same sender.
        let sender = r.sender.as_deref().unwrap_or(&alert.sender);
        keys.push((key(sender, &r.identifier), r.sent));
    }
    // The earliest message named; a reference of unknown time counts as earlier than any known
    // (it was referenced, so it came before), in the order listed.
    let best = keys
        .iter()
        .enumerate()
        .map(|(i, (k, sent))| {
            let k_known = known.get(k);
            let chain = k_known.map_or_else(|| chain_id(k), |kn| kn.chain.clone());
            let when = k_known.and_then(|kn| kn.sent).or(*sent);
            (when.map_or(i64::MIN, Timestamp::as_millisecond), i, chain)
        })
        .min_by_key(|(when, i, _)| (*when, *i))
        .map(|(_, _, chain)| chain)
        .unwrap_or_default();
    (best, keys)
}

/// What to do with a judged message.
enum Step {
    /// Hand on to the announcement store; with the reason an update ends the warning here.
    Apply(Box<Verified>, Option<String>),
    Reject(String),
}

/// Apply a verified warning message: judge it for this board, chain it, and store it as the
/// chain's announcement. Receipts carry the chain's `id`, the message's `identifier` and
/// `sender`, and say `updated` and `cancelled` where announcements say superseded and revoked.
pub fn apply_alert(
    state: &mut State,
    alert: &Alert,
    cfg: &AlertConfig,
    (key_id, signature): (&str, &str),
    (payload_sha256, envelope_sha256): (&str, &str),
    now: Timestamp,
) -> Outcome {
    let (chain, keys) = resolve(alert, &state.alert_keys);
    let own = &keys[0].0;
    let revision = u64::try_from(alert.sent.as_millisecond()).unwrap_or(1).max(1);
    let stored = state.announcements.get(&chain);
    if let Some(r) = stored
        && r.payload_sha256 == payload_sha256
    {
        // The broker's redelivery (or a resend) of what is stored.
        let mut o = ingest::held(&chain, r, now);
        for x in &mut o.receipts {
            x.identifier = Some(alert.identifier.clone());
            x.sender = Some(alert.sender.clone());
            x.envelope_sha256 = Some(envelope_sha256.to_owned());
        }
        return o;
    }
    let mut outcome = if state.alert_keys.get(own).is_some_and(|k| k.sent.is_some()) {
        ingest::rejected(
            &crate::envelope::Rejection(format!(
                "duplicate: {} {} was received before",
                alert.sender, alert.identifier
            )),
            Some(&chain),
            Some(revision),
            now,
        )
    } else {
        let active = stored.is_some_and(|r| r.state == AnnState::Active);
        let revoke = || Verified::Revoke {
            id: chain.clone(),
            revision,
            key_id: key_id.to_owned(),
            signature: signature.to_owned(),
            issued_at: alert.sent,
        };
        let step = match cfg.judge(alert, &chain, revision) {
            Judgement::Show(announcement) => Step::Apply(
                Box::new(Verified::Publish {
                    announcement: *announcement,
                    key_id: key_id.to_owned(),
                    signature: signature.to_owned(),
                    approved_by: alert
                        .infos
                        .first()
                        .and_then(|i| i.sender_name.clone())
                        .or_else(|| Some(alert.sender.clone())),
                }),
                None,
            ),
            Judgement::Cancel => Step::Apply(Box::new(revoke()), None),
            // An update that takes a shown warning out of this board's area or thresholds ends it here.
            Judgement::Refuse(reason) if active && alert.msg_type == MsgType::Update => {
                Step::Apply(Box::new(revoke()), Some(reason))
            }
            Judgement::Refuse(reason) => Step::Reject(reason),
        };
        match step {
            Step::Apply(m, why) => {
                let publish = matches!(*m, Verified::Publish { .. });
                let mut o = ingest::apply(state, *m, payload_sha256, envelope_sha256, now);
                if publish
                    && let Some(rec) = state.announcements.get_mut(&chain)
                    && rec.announcement.revision == revision
                {
                    rec.alert = Some((alert.sender.clone(), alert.identifier.clone()));
                }
                if let Some(why) = why {
                    for r in &mut o.receipts {
                        if r.event == ReceiptEvent::Revoked && r.reason.is_none() {
                            r.reason = Some(format!("the update takes it off this board: {why}"));
                        }
                    }
                }
                o
            }
            Step::Reject(reason) => {
                let mut o = ingest::rejected(&crate::envelope::Rejection(reason), Some(&chain), Some(revision), now);
                if let Some(r) = o.receipts.first_mut() {
                    r.envelope_sha256 = Some(envelope_sha256.to_owned());
                }
                o
            }
        }
    };
    for r in &mut outcome.receipts {
        r.identifier = Some(alert.identifier.clone());
        r.sender = Some(alert.sender.clone());
        match r.event {
            ReceiptEvent::Superseded => r.event = ReceiptEvent::Updated,
            ReceiptEvent::Revoked => r.event = ReceiptEvent::Cancelled,
            ReceiptEvent::Rejected => {
                if let Some(reason) = &mut r.reason
                    && reason.starts_with("replay:")
                {
                    *reason = format!(
                        "an older message of this warning arrived after a newer one (sent {}): never shown",
                        alert.sent
                    );
                }
            }
            _ => {}
        }
    }
    // Remember every key this message names, so later messages find the chain; only the message
    // itself is known to have arrived (a key with a time is a duplicate when it comes again).
    for (i, (k, sent)) in keys.into_iter().enumerate() {
        let entry = state.alert_keys.entry(k).or_insert(Known {
            chain: chain.clone(),
            sent: None,
        });
        if i == 0 {
            entry.sent = sent;
        }
    }
    outcome.changed = true;
    outcome
}
