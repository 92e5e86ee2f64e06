//! What reaches the core from the broker: portal messages (verified, applied to a copy of the
//! state, persisted, then swapped in), receipts handed to the session, and the link's state.

use jiff::Timestamp;

use super::{Core, REFUSED_KEPT};

/// Refused messages logged one by one in a minute.
pub const REFUSALS_LOGGED: u32 = 20;
use crate::envelope::{Verified, verify};
use crate::ingest::{self, Receipt, ReceiptEvent, sha256_hex};

impl Core {
    /// A message from the broker. `Ok(receipts)`: the message is stored (or needs no storing) and
    /// may be acknowledged; publish the receipts. `Err`: it could not be written; nothing changed,
    /// do not acknowledge it, offer it again later.
    pub fn ingest(&mut self, envelope: &[u8], topic: &str, now: Timestamp) -> std::io::Result<Vec<Receipt>> {
        // Keys being retired leave the keyring when their time comes, for every kind of message.
        if !self.inbox.office.retired_keys.is_empty() {
            self.inbox.keys = self.inbox.office.keyring(&self.cfg.portal_keys, now);
        }
        if let Some(kind) = crate::office::Kind::of_topic(&self.cfg.mqtt.topic_prefix, topic) {
            return self.office_message(envelope, topic, kind, now);
        }
        // The state is copied only for a message that passed verification (junk costs no copy).
        let mut changed_state = None;
        let mut offset = None;
        let outcome = match verify(envelope, &self.inbox.keys) {
            Ok((msg, payload)) => {
                let next = changed_state.insert(self.storage.store.state.clone());
                offset = Some(now.duration_since(msg.issued_at()));
                match msg {
                    Verified::Alert {
                        alert,
                        key_id,
                        signature,
                    } => {
                        let o = crate::alert_ingest::apply_alert(
                            next,
                            &alert,
                            &self.cfg.alerts,
                            (&key_id, &signature),
                            (&sha256_hex(&payload), &sha256_hex(envelope)),
                            now,
                        );
                        // Exercises, tests and refusals reach the status too, not only receipts.
                        let verdict = o.receipts.iter().find(|r| r.event != ReceiptEvent::Accepted);
                        self.inbox.last_alert = Some(crate::status::LastAlert {
                            identifier: alert.identifier.clone(),
                            sender: alert.sender.clone(),
                            format: alert.format.into(),
                            status: alert.status.word().to_owned(),
                            msg_type: alert.msg_type.word().to_owned(),
                            at: Some(now),
                            event: verdict.map(|r| r.event),
                            reason: verdict.and_then(|r| r.reason.as_ref().map(ToString::to_string)),
                            reason_zh: verdict.and_then(|r| r.reason.as_ref().map(pinghu_playlists::Bilingual::zh)),
                        });
                        o
                    }
                    msg => ingest::apply(next, msg, &sha256_hex(&payload), &sha256_hex(envelope), now),
                }
            }
            Err(r) => {
                self.log_refusal(topic, &r.reason.to_string(), now);
                ingest::refused(&r, envelope, now)
            }
        };
        if offset.is_some() {
            self.planner.portal_offset = offset;
        }
        if !outcome.changed && outcome.receipts.is_empty() {
            return Ok(Vec::new()); // a redelivery of what is stored
        }
        // A message that changes nothing — junk, a forgery, a replay, an exact resend — is not
        // written: its receipt goes out at once, best effort, and goes into an announcement's
        // history in memory (on disk with the next lazy write). A flood of captured envelopes
        // sent again costs no disk.
        if !outcome.changed {
            self.storage.store.state.note_receipts(&outcome.receipts);
            if outcome.receipts.iter().any(|r| r.id.is_some()) {
                self.storage.writes.scheduler_unsaved = true;
            }
            self.note_refused(&outcome.receipts);
            return Ok(outcome.receipts);
        }
        let mut next = changed_state.unwrap_or_else(|| self.storage.store.state.clone());
        next.note_receipts(&outcome.receipts);
        next.outbox.extend(outcome.receipts.iter().cloned());
        next.proof_seq = self.storage.proof_seq();
        match self.storage.store.replace(next) {
            Ok(()) => {
                self.storage.wrote(now);
                self.note_refused(&outcome.receipts);
                Ok(outcome.receipts)
            }
            Err(e) => {
                self.storage
                    .failed("cannot persist a message (not acknowledged; offered again)", &e);
                Err(e)
            }
        }
    }

    /// Log a refused message: the first [`REFUSALS_LOGGED`] of each minute, then only how many
    /// more there were (a flood of junk would write a line each to a flash-backed journal; every
    /// refusal still has its receipt and counts in the status).
    fn log_refusal(&mut self, topic: &str, reason: &str, now: Timestamp) {
        let (since, logged, quiet) = &mut self.inbox.refusals_logged;
        if now.duration_since(*since) >= jiff::SignedDuration::from_mins(1) {
            if *quiet > 0 {
                tracing::warn!("{quiet} more messages were refused in the minute from {since} (not logged one by one)");
            }
            (*since, *logged, *quiet) = (now, 0, 0);
        }
        if *logged < REFUSALS_LOGGED {
            *logged += 1;
            tracing::warn!("rejected message on {topic}: {reason}");
            if *logged == REFUSALS_LOGGED {
                tracing::warn!("more refusals this minute are counted, not logged one by one");
            }
        } else {
            *quiet += 1;
        }
    }

    /// The last refusals, for the status.
    fn note_refused(&mut self, receipts: &[Receipt]) {
        for r in receipts.iter().filter(|r| r.event == ReceiptEvent::Rejected) {
            if self.inbox.refused.len() == REFUSED_KEPT {
                self.inbox.refused.pop_front();
            }
            self.inbox.refused.push_back(r.clone());
        }
    }

    /// The broker has a receipt: it leaves the outbox (on disk with the next write).
    pub fn published(&mut self, r: &Receipt) {
        if let Some(i) = self.storage.store.state.outbox.iter().position(|x| x == r) {
            self.storage.store.state.outbox.remove(i);
            self.storage.writes.scheduler_unsaved = true;
        }
    }

    pub fn set_mqtt(&mut self, link: crate::mqtt::BrokerLink) {
        self.health.broker = link;
    }
}
