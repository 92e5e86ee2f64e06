//! Warnings into the store (docs/alerts.md, "Chains"). A warning and its updates and cancel form
//! a chain; on the board the chain is one announcement whose id names the chain and whose
//! revision is the `sent` time (milliseconds) of the message that last changed it:
//!
//! * a message belongs to the chain of any message it names, itself or a reference, and one that
//!   names two chains joins them ([`chain`]);
//! * the newest `sent` of a live chain is what shows: an Update replaces the warning in place at
//!   once (a newer revision of the same id), and an older message arriving after a newer one is
//!   refused by the revision rule;
//! * a Cancel ends the chain whatever arrives after it, in any order: what shows is taken off,
//!   and every later message of the chain is refused. A Cancel of a warning the board never had
//!   is `ignored`, and remembered, so the warning never shows if it arrives later;
//! * a newer message judged not for this board (area, thresholds) ends the warning here;
//! * a message seen again (`sender`, `identifier`) is a duplicate, or `held` when it is the same
//!   bytes.
//!
//! Messages are matched by sender and identifier, never by `sent` (real chains quote it
//! imprecisely). An Ack or Error carries no warning and joins no chain.

pub mod chain;

use jiff::Timestamp;

pub use chain::{Known, chain_id, key};

use crate::alerts::cap::{MsgType, Status};
use crate::alerts::{Alert, AlertConfig, Judgement};
use crate::envelope::Verified;
use crate::ingest::{self, Outcome, Receipt, ReceiptEvent};
use crate::reason::Reason;
use crate::store::{AnnState, State};

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
    let own = key(&alert.sender, &alert.identifier);
    let revision = u64::try_from(alert.sent.as_millisecond()).unwrap_or(1).max(1);
    let mut outcome = if let Some(kn) = state.alert_keys.get(&own).filter(|k| k.sent.is_some()) {
        again(state, alert, &kn.chain.clone(), revision, payload_sha256, now)
    } else if matches!(alert.msg_type, MsgType::Ack | MsgType::Error)
        || matches!(alert.status, Status::Draft | Status::System)
    {
        // No warning in it: judged, answered, and kept out of every chain.
        let id = chain_id(&own);
        let why = match cfg.judge(alert, &id, revision) {
            Judgement::Refuse(why) => why,
            _ => crate::alerts::NotShown::NoWarning {
                msg_type: alert.msg_type.word(),
            },
        };
        ingest::rejected(Reason::NotShown(why), Some(&id), Some(revision), now)
    } else {
        let refs: Vec<String> = alert
            .references
            .iter()
            // The national format's bare references name the same sender.
            .map(|r| key(r.sender.as_deref().unwrap_or(&alert.sender), &r.identifier))
            .filter(|k| *k != own)
            .collect();
        let (id, joined) = chain::join(state, (&own, alert.sent), &refs, now);
        let mut o = decide(
            state,
            alert,
            cfg,
            &id,
            revision,
            (key_id, signature),
            payload_sha256,
            now,
        );
        if let Some(kn) = state.alert_keys.get_mut(&own) {
            kn.sent = Some(alert.sent);
            kn.cancel = alert.msg_type == MsgType::Cancel;
        }
        // The message's own answer first; then what joining its chain took off.
        o.receipts.extend(joined);
        o
    };
    for r in &mut outcome.receipts {
        r.identifier = Some(alert.identifier.clone());
        r.sender = Some(alert.sender.clone());
        if r.is_best_effort() {
            r.envelope_sha256 = Some(envelope_sha256.to_owned());
        }
        match r.event {
            ReceiptEvent::Superseded => r.event = ReceiptEvent::Updated,
            ReceiptEvent::Revoked => r.event = ReceiptEvent::Cancelled,
            ReceiptEvent::Rejected => {
                if let Some(reason) = &mut r.reason
                    && matches!(reason, Reason::Replay { .. })
                {
                    *reason = Reason::LateOlder { sent: alert.sent };
                }
            }
            _ => {}
        }
    }
    if alert.msg_type == MsgType::Update
        && alert.references.is_empty()
        && let Some(first) = outcome.receipts.first_mut()
    {
        first.reason = Some(Reason::UnreferencedUpdate {
            then: first.reason.take().map(Box::new),
        });
    }
    outcome.changed = true;
    outcome
}

/// A message whose own key arrived before: the same bytes are `held`, other bytes a duplicate.
fn again(state: &State, alert: &Alert, id: &str, revision: u64, payload_sha256: &str, now: Timestamp) -> Outcome {
    if let Some(rec) = state.announcements.get(id)
        && rec.payload_sha256 == payload_sha256
    {
        return ingest::held(id, rec, now);
    }
    if state.revoke_sha256.get(id).is_some_and(|s| s == payload_sha256) {
        return Outcome {
            receipts: vec![
                Receipt::new(Some(id), Some(revision), ReceiptEvent::Held, now).with_reason(Reason::CancelHeld),
            ],
            changed: false,
        };
    }
    ingest::rejected(
        Reason::Duplicate {
            sender: alert.sender.clone(),
            identifier: alert.identifier.clone(),
        },
        Some(id),
        Some(revision),
        now,
    )
}

/// What the message does to its chain `id`.
#[allow(clippy::too_many_arguments)]
fn decide(
    state: &mut State,
    alert: &Alert,
    cfg: &AlertConfig,
    id: &str,
    revision: u64,
    (key_id, signature): (&str, &str),
    payload_sha256: &str,
    now: Timestamp,
) -> Outcome {
    let mut receipts = Vec::new();
    if let Some(by) = chain::cancelled_by(state, id) {
        // Whatever arrives after a Cancel: a warning that shows now (joined to the chain by this
        // message) is taken off, and the message itself never shows.
        if let Some(rec) = state.announcements.get_mut(id)
            && rec.state == AnnState::Active
        {
            rec.state = AnnState::Revoked;
            receipts.push(
                Receipt::new(Some(id), Some(rec.announcement.revision), ReceiptEvent::Revoked, now)
                    .with_reason(Reason::Cancelled { by: by.clone() }),
            );
        }
        receipts.insert(
            0,
            Receipt::new(Some(id), Some(revision), ReceiptEvent::Rejected, now)
                .with_reason(Reason::CancelledNeverShows { by: by.clone() }),
        );
        return Outcome {
            receipts,
            changed: true,
        };
    }
    let newest = |state: &mut State| {
        let seen = state.revisions.entry(id.to_owned()).or_insert(revision);
        *seen = (*seen).max(revision);
        let issued = state.revision_issued.entry(id.to_owned()).or_insert(alert.sent);
        *issued = (*issued).max(alert.sent);
    };
    match cfg.judge(alert, id, revision) {
        Judgement::Show(announcement, notes) => {
            let approved_by = alert
                .infos
                .first()
                .and_then(|i| i.sender_name.clone())
                .or_else(|| Some(alert.sender.clone()));
            let msg = Verified::Publish {
                announcement: *announcement,
                key_id: key_id.to_owned(),
                signature: signature.to_owned(),
                approved_by,
            };
            let mut o = ingest::apply(state, msg, payload_sha256, "", now);
            if let Some(rec) = state.announcements.get_mut(id)
                && rec.announcement.revision == revision
            {
                rec.alert = Some((alert.sender.clone(), alert.identifier.clone()));
            }
            if let Some(first) = o.receipts.first_mut().filter(|r| r.event == ReceiptEvent::Accepted)
                && !notes.is_empty()
            {
                first.reason = Some(Reason::Notes(notes));
            }
            o
        }
        Judgement::Cancel => {
            let had = state.announcements.get_mut(id);
            let event = if had.is_some() {
                ReceiptEvent::Accepted
            } else {
                ReceiptEvent::Ignored
            };
            let mut first = Receipt::new(Some(id), Some(revision), event, now);
            match had {
                Some(rec) if rec.state == AnnState::Active => {
                    rec.state = AnnState::Revoked;
                    receipts.push(Receipt::new(
                        Some(id),
                        Some(rec.announcement.revision),
                        ReceiptEvent::Revoked,
                        now,
                    ));
                }
                Some(rec) => receipts.push(
                    Receipt::new(Some(id), Some(rec.announcement.revision), ReceiptEvent::Revoked, now)
                        .with_reason(Reason::AlreadyInState { state: rec.state }),
                ),
                None => {
                    let names = alert.references.iter().map(|r| r.identifier.clone()).collect();
                    first = first.with_reason(Reason::CancelUnknown { names });
                }
            }
            state.revoke_sha256.insert(id.to_owned(), payload_sha256.to_owned());
            newest(state);
            receipts.insert(0, first);
            Outcome {
                receipts,
                changed: true,
            }
        }
        Judgement::Refuse(why) => {
            // The newest word of the chain says it is not for this board: what shows goes, and
            // an older message arriving later does not show either.
            // A warning that starts a chain of its own and is refused leaves nothing to remember
            // (the revision memory would grow with every warning for other districts).
            let chained = !alert.references.is_empty() || state.revisions.contains_key(id);
            let newer = chained && state.revisions.get(id).is_none_or(|seen| revision > *seen);
            if newer {
                newest(state);
                if let Some(rec) = state.announcements.get_mut(id)
                    && rec.state == AnnState::Active
                {
                    rec.state = AnnState::Revoked;
                    receipts.push(
                        Receipt::new(Some(id), Some(rec.announcement.revision), ReceiptEvent::Revoked, now)
                            .with_reason(Reason::TakenOffByUpdate(why.clone())),
                    );
                }
            }
            receipts.insert(
                0,
                Receipt::new(Some(id), Some(revision), ReceiptEvent::Rejected, now).with_reason(Reason::NotShown(why)),
            );
            Outcome {
                receipts,
                changed: true,
            }
        }
    }
}
