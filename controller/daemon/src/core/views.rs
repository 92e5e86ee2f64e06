//! What the console lists, as types: the announcements the daemon holds and the messages it
//! refused. The JSON API serialises these; the console's pages read their fields (no string
//! paths into a JSON document).

use jiff::Timestamp;
use serde::Serialize;

use pinghu_playlists::Priority;

use crate::ingest::Receipt;
use crate::store::{AnnState, HistoryEntry};

use super::Core;

/// One row of the announcements list: a message held, or one refused.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum Listed {
    Held(Held),
    Refused(Refused),
}

impl Listed {
    /// The announcement's id (a refused message's claimed one when its signature failed).
    pub fn id(&self) -> Option<&str> {
        match self {
            Listed::Held(h) => Some(&h.id),
            Listed::Refused(r) => r.id.as_deref(),
        }
    }

    /// Does `query` (any case) occur in the id, the title or the text (a refusal's reason)?
    /// An empty query matches everything.
    pub fn matches(&self, query: &str) -> bool {
        let q = query.trim().to_lowercase();
        if q.is_empty() {
            return true;
        }
        let hit = |s: &str| s.to_lowercase().contains(&q);
        match self {
            Listed::Held(h) => hit(&h.id) || hit(&h.title) || hit(&h.body),
            Listed::Refused(r) => r.id.as_deref().is_some_and(hit) || hit(&r.reason) || hit(&r.reason_zh),
        }
    }
}

/// An announcement the daemon holds: its state, text, validity, key and approver, what reached
/// the glass, its receipts, and how many pages it takes on this board.
#[derive(Debug, Clone, Serialize)]
pub struct Held {
    pub id: String,
    pub revision: u64,
    pub state: AnnState,
    pub priority: Priority,
    pub title: String,
    pub body: String,
    pub issued_at: Timestamp,
    pub valid_from: Option<Timestamp>,
    pub valid_until: Option<Timestamp>,
    pub key_id: String,
    pub approved_by: Option<String>,
    pub accepted_at: Timestamp,
    /// The frame the card acknowledged showing it (SHA-256), once it did.
    pub displayed: Option<String>,
    pub history: Vec<HistoryEntry>,
    pub pages: usize,
}

/// A message refused: its id when the signature held, else what it claimed (unverified).
#[derive(Debug, Clone, Serialize)]
pub struct Refused {
    pub id: Option<String>,
    pub revision: Option<u64>,
    pub state: RefusedState,
    /// The signature verified, so `id` and `revision` are the portal's own.
    pub verified: bool,
    /// Why, in English (the receipt's `reason`) and in Chinese, and the reason's stable name.
    pub reason: String,
    pub reason_zh: String,
    pub reason_code: String,
    pub at: String,
    pub envelope_sha256: Option<String>,
    /// Always 0: nothing of a refused message is drawn.
    pub pages: usize,
    /// Always empty: a refused message has no history on this board.
    pub history: [HistoryEntry; 0],
}

/// The `state` of a refused row (`"refused"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RefusedState {
    Refused,
}

impl Refused {
    fn from_receipt(r: &Receipt) -> Self {
        Refused {
            id: r.id.clone().or_else(|| r.claimed_id.clone()),
            revision: r.revision.or(r.claimed_revision),
            state: RefusedState::Refused,
            verified: r.id.is_some(),
            reason: r.reason.as_ref().map(ToString::to_string).unwrap_or_default(),
            reason_zh: r
                .reason
                .as_ref()
                .map(pinghu_playlists::Bilingual::zh)
                .unwrap_or_default(),
            reason_code: r.reason.as_ref().map(|w| w.code().to_owned()).unwrap_or_default(),
            at: r.at.clone(),
            envelope_sha256: r.envelope_sha256.clone(),
            pages: 0,
            history: [],
        }
    }
}

impl Core {
    /// Every announcement the daemon holds, newest first, then the refused messages, newest
    /// first. Counting pages renders, so this needs the renderer (and its caches).
    pub fn announcements(&mut self) -> Vec<Listed> {
        let mut list: Vec<_> = self.storage.store.state.announcements.values().collect();
        list.sort_by_key(|r| std::cmp::Reverse(r.accepted_at));
        let defaults = self.playlist.current.defaults;
        let renderer = &mut self.planner.renderer;
        let held = list.iter().map(|r| {
            let a = &r.announcement;
            let pages = renderer
                .render(&pinghu_playlists::announcement_content(a, defaults))
                .pages
                .len();
            Listed::Held(Held {
                id: a.id.clone(),
                revision: a.revision,
                state: r.state,
                priority: a.priority,
                title: a.title.clone(),
                body: a.body.clone(),
                issued_at: a.issued_at,
                valid_from: a.valid_from,
                valid_until: a.valid_until,
                key_id: r.key_id.clone(),
                approved_by: r.approved_by.clone(),
                accepted_at: r.accepted_at,
                displayed: r.displayed.clone(),
                history: r.history.clone(),
                pages,
            })
        });
        let held: Vec<_> = held.collect();
        let refused = self
            .inbox
            .refused
            .iter()
            .rev()
            .map(|r| Listed::Refused(Refused::from_receipt(r)));
        held.into_iter().chain(refused).collect()
    }
}
