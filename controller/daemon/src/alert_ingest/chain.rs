//! Which chain a warning message belongs to, and joining chains that turn out to be one.
//!
//! Every message the board has seen, and every message one of them references, is a *key*
//! (`sender,identifier`) in `State::alert_keys`, marked with its chain. A message's chain is the
//! chain of any key it names — itself or a reference: a reference to any message of a chain is a
//! reference to the chain. A message that names keys of two chains (a late middle message of a
//! chain whose messages each reference only the one before) joins them into one.
//!
//! A chain's id does not depend on the order its messages arrived in: it is derived from its
//! earliest key, the one sent first among those that arrived, a key only referenced so far
//! counting as earlier than all of them (it was referenced, so it came before), ties by the key
//! itself. When a chain grows an earlier key or joins another, its announcement moves to the new
//! id with its revision memory, and of two live warnings joined the older is dropped.

use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::ingest::{self, Receipt, ReceiptEvent};
use crate::store::{AnnState, State};

/// A warning message seen, or referenced by one seen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Known {
    /// The chain's announcement id.
    pub chain: String,
    /// When the message was sent, once it arrived (a key only referenced so far has none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sent: Option<Timestamp>,
    /// The message is a Cancel that arrived: its chain is over, whatever arrives after.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub cancel: bool,
}

/// `sender,identifier`.
pub fn key(sender: &str, identifier: &str) -> String {
    format!("{sender},{identifier}")
}

/// The announcement id of the chain whose earliest key is `key`.
pub fn chain_id(key: &str) -> String {
    format!("alert-{}", &ingest::sha256_hex(key.as_bytes())[..16])
}

/// The chain that `keys` (a message's own key first, with its `sent`, then its references) lead
/// to, joining the chains they name, and the receipts of warnings that joining took off. Every
/// key is then known, in that chain; the message's own key is not yet marked as arrived.
pub fn join(state: &mut State, own: (&str, Timestamp), refs: &[String], now: Timestamp) -> (String, Vec<Receipt>) {
    let named: Vec<&str> = std::iter::once(own.0).chain(refs.iter().map(String::as_str)).collect();
    let chains: BTreeSet<String> = named
        .iter()
        .filter_map(|k| state.alert_keys.get(*k).map(|kn| kn.chain.clone()))
        .collect();
    let mut members: BTreeMap<String, Option<Timestamp>> = state
        .alert_keys
        .iter()
        .filter(|(_, kn)| chains.contains(&kn.chain))
        .map(|(k, kn)| (k.clone(), kn.sent))
        .collect();
    for k in &named {
        members.entry((*k).to_owned()).or_insert(None);
    }
    members.insert(own.0.to_owned(), Some(own.1));
    let earliest = members
        .iter()
        .min_by_key(|(k, sent)| (sent.map_or(i64::MIN, Timestamp::as_millisecond), (*k).clone()))
        .map(|(k, _)| k.clone())
        .unwrap_or_default();
    let id = chain_id(&earliest);
    // A Cancel in any of the chains joined ends the joined one: what it takes off is cancelled.
    let cancel = state
        .alert_keys
        .iter()
        .find(|(_, kn)| chains.contains(&kn.chain) && kn.cancel)
        .map(|(k, _)| k.clone());
    let receipts = gather(state, &chains, &id, cancel.as_deref(), now);
    for k in members.keys() {
        state
            .alert_keys
            .entry(k.clone())
            .or_insert_with(|| Known {
                chain: id.clone(),
                sent: None,
                cancel: false,
            })
            .chain
            .clone_from(&id);
    }
    (id, receipts)
}

/// Whether the chain `id` was cancelled, and by which message.
pub fn cancelled_by(state: &State, id: &str) -> Option<String> {
    state
        .alert_keys
        .iter()
        .find(|(_, kn)| kn.chain == id && kn.cancel)
        .map(|(k, _)| k.clone())
}

/// Move the announcements and revision memory of `chains` to `id`: the newest revision stays,
/// an older live one is taken off (`superseded`, which warnings call `updated`), or, when one of
/// the chains was cancelled (by the message `cancel`), taken off as cancelled (`revoked`).
fn gather(
    state: &mut State,
    chains: &BTreeSet<String>,
    id: &str,
    cancel: Option<&str>,
    now: Timestamp,
) -> Vec<Receipt> {
    let mut receipts = Vec::new();
    let moving: Vec<&String> = chains.iter().filter(|c| c.as_str() != id).collect();
    if moving.is_empty() {
        return receipts;
    }
    for old in moving {
        if let Some(rev) = state.revisions.remove(old) {
            let r = state.revisions.entry(id.to_owned()).or_insert(rev);
            *r = (*r).max(rev);
        }
        if let Some(t) = state.revision_issued.remove(old) {
            let r = state.revision_issued.entry(id.to_owned()).or_insert(t);
            *r = (*r).max(t);
        }
        if let Some(sha) = state.revoke_sha256.remove(old) {
            state.revoke_sha256.entry(id.to_owned()).or_insert(sha);
        }
        let Some(mut rec) = state.announcements.remove(old) else {
            continue;
        };
        let keep_new = state
            .announcements
            .get(id)
            .is_none_or(|cur| cur.announcement.revision < rec.announcement.revision);
        let (mut gone, gone_id) = if keep_new {
            id.clone_into(&mut rec.announcement.id);
            let previous = state.announcements.insert(id.to_owned(), rec);
            (previous, id.to_owned())
        } else {
            (Some(rec), old.clone())
        };
        if let Some(g) = gone.as_mut()
            && g.state == AnnState::Active
        {
            let (state_now, event, reason) = match cancel {
                Some(by) => (
                    AnnState::Revoked,
                    ReceiptEvent::Revoked,
                    crate::reason::Reason::Cancelled { by: by.to_owned() },
                ),
                None => (
                    AnnState::Superseded,
                    ReceiptEvent::Superseded,
                    crate::reason::Reason::JoinedTo { id: id.to_string() },
                ),
            };
            g.state = state_now;
            receipts.push(Receipt::new(Some(&gone_id), Some(g.announcement.revision), event, now).with_reason(reason));
        }
    }
    receipts
}
