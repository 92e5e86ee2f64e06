//! What the store keeps, and for how long: announcements whose time is up are marked expired
//! ([`expire`]); finished ones leave the store after [`KEEP_FINISHED`] ([`prune`]); and the
//! revision memory that refuses replays forgets ids finished more than [`KEEP_REVISIONS`] ago
//! ([`forget_revisions`]), without ever letting a replay through.
//!
//! **Why forgetting is safe.** Each id's highest revision is kept with the time its sender
//! issued it. When ids are forgotten, `forgotten_before` rises to the latest such time, and a
//! message for an id the board does not remember is refused when it was issued at or before it
//! (`ingest::apply`). A replay of anything forgotten was issued at or before its id's highest
//! revision, so it is refused; what the rule costs is a genuine message issued more than a year
//! before it arrives, which the portal issues again. Both times are the sender's clock, so the
//! board's clock only decides *when* ids are forgotten, and that only while it is trusted.

use jiff::{SignedDuration, Timestamp};

use crate::ingest::Receipt;
use crate::store::{AnnState, State};

/// Mark announcements whose time is up as expired.
pub fn expire(state: &mut State, now: Timestamp) -> Vec<Receipt> {
    let mut out = Vec::new();
    for rec in state.announcements.values_mut() {
        if rec.state == AnnState::Active && rec.announcement.is_expired(now) {
            rec.state = AnnState::Expired;
            let mut r = Receipt::new(
                Some(&rec.announcement.id),
                Some(rec.announcement.revision),
                crate::ingest::ReceiptEvent::Expired,
                now,
            );
            if let Some((sender, identifier)) = &rec.alert {
                r.sender = Some(sender.clone());
                r.identifier = Some(identifier.clone());
            }
            out.push(r);
        }
    }
    out
}

/// How long finished announcements (expired, revoked, superseded) are kept in the store.
pub const KEEP_FINISHED: jiff::SignedDuration = jiff::SignedDuration::from_hours(24 * 30);

/// Forget finished announcements older than [`KEEP_FINISHED`], so the store does not grow without
/// bound. Their highest revisions stay, so replays are still refused. The warning messages known
/// to a forgotten chain go too, once sent more than [`KEEP_FINISHED`] ago: a late copy of one
/// resolves to the same chain id (it is derived from the earliest message named), its revision is
/// refused as a replay, and it has long expired anyway. Returns how many announcements went.
pub fn prune(state: &mut State, now: Timestamp) -> usize {
    let before = state.announcements.len();
    state
        .announcements
        .retain(|_, r| r.state == AnnState::Active || now.duration_since(r.accepted_at) < KEEP_FINISHED);
    let State {
        announcements,
        alert_keys,
        ..
    } = state;
    // A chain's keys stay together while any of its messages is recent (a Cancel's tombstone
    // included: the key of the warning it cancelled must keep leading to it).
    let recent: std::collections::BTreeSet<String> = alert_keys
        .values()
        .filter(|k| k.sent.is_some_and(|t| now.duration_since(t) < KEEP_FINISHED))
        .map(|k| k.chain.clone())
        .collect();
    alert_keys.retain(|_, k| announcements.contains_key(&k.chain) || recent.contains(&k.chain));
    before - state.announcements.len()
}

/// How long the revision memory keeps an id after it was last issued (and after its
/// announcement left the store).
pub const KEEP_REVISIONS: SignedDuration = SignedDuration::from_hours(24 * 365);

/// Forget the revisions of ids no longer in the store whose highest revision was issued more than
/// [`KEEP_REVISIONS`] before `now`, raising `forgotten_before` so that their replays stay refused.
/// Ids remembered from a state written before issue times were kept stay. Call it only while the
/// board's clock is trusted. Returns how many ids went.
pub fn forget_revisions(state: &mut State, now: Timestamp) -> usize {
    let cutoff = now - KEEP_REVISIONS;
    let State {
        announcements,
        revisions,
        revision_issued,
        revoke_sha256,
        forgotten_before,
        ..
    } = state;
    let forget: Vec<(String, Timestamp)> = revision_issued
        .iter()
        .filter(|(id, t)| **t < cutoff && !announcements.contains_key(*id))
        .map(|(id, t)| (id.clone(), *t))
        .collect();
    for (id, issued) in &forget {
        revisions.remove(id);
        revision_issued.remove(id);
        revoke_sha256.remove(id);
        *forgotten_before = Some(forgotten_before.map_or(*issued, |f| f.max(*issued)));
    }
    forget.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::envelope::Verified;
    use crate::ingest::apply;

    fn notice(id: &str, rev: u64, issued: &str, until: &str) -> Verified {
        crate::ingest::tests::notice(id, rev, issued, Some(until))
    }

    fn event(s: &mut State, m: Verified, now: &str) -> (String, Option<String>) {
        let r = apply(s, m, "sha", "env", now.parse().unwrap()).receipts.remove(0);
        (r.event.to_string(), r.reason.as_ref().map(ToString::to_string))
    }

    #[test]
    fn ids_finished_a_year_ago_are_forgotten_and_their_replays_still_refused() {
        let mut s = State::default();
        // Two notices in 2026, one in 2027; each valid for a day.
        let old = notice("old", 3, "2026-01-10T08:00:00Z", "2026-01-11T08:00:00Z");
        let mid = notice("mid", 1, "2026-06-01T08:00:00Z", "2026-06-02T08:00:00Z");
        assert_eq!(event(&mut s, old.clone(), "2026-01-10T08:00:01Z").0, "accepted");
        assert_eq!(event(&mut s, mid.clone(), "2026-06-01T08:00:01Z").0, "accepted");
        let december: Timestamp = "2026-12-01T00:00:00Z".parse().unwrap();
        expire(&mut s, december);
        prune(&mut s, december);
        assert!(s.announcements.is_empty());
        // Within the year nothing is forgotten.
        assert_eq!(forget_revisions(&mut s, december), 0);
        assert_eq!(s.revisions.len(), 2);
        // A year after it was issued, "old" goes; "mid" stays.
        let later: Timestamp = "2027-03-01T00:00:00Z".parse().unwrap();
        assert_eq!(forget_revisions(&mut s, later), 1);
        assert_eq!(s.revisions.keys().collect::<Vec<_>>(), ["mid"]);
        assert_eq!(s.forgotten_before, Some("2026-01-10T08:00:00Z".parse().unwrap()));
        // Its replay (or any message issued before it, for an id not remembered) is refused by
        // the floor, as the forgotten memory would have refused it: never silently accepted.
        let replay = notice("old", 3, "2026-01-10T08:00:00Z", "2028-01-01T00:00:00Z");
        let (e, why) = event(&mut s, replay, "2027-05-01T00:00:00Z");
        assert_eq!(e, "rejected");
        assert!(why.unwrap().contains("cannot tell this one from a replay"));
        // "mid" is still refused by its remembered revision.
        let (e, why) = event(
            &mut s,
            notice("mid", 1, "2026-06-01T08:00:00Z", "2028-01-01T00:00:00Z"),
            "2027-05-01T00:00:00Z",
        );
        assert_eq!(e, "rejected");
        assert!(why.unwrap().contains("replay"));
        // A fresh message, even for the forgotten id, is accepted.
        let fresh = notice("old", 1, "2027-05-01T00:00:00Z", "2027-05-02T00:00:00Z");
        assert_eq!(event(&mut s, fresh, "2027-05-01T00:00:01Z").0, "accepted");
    }

    #[test]
    fn an_id_still_in_the_store_or_without_an_issue_time_is_never_forgotten() {
        let mut s = State::default();
        // No valid_until: active for ever, so kept.
        let mut forever = notice("forever", 1, "2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z");
        if let Verified::Publish { announcement, .. } = &mut forever {
            announcement.valid_until = None;
        }
        assert_eq!(event(&mut s, forever, "2026-01-01T00:00:01Z").0, "accepted");
        // Remembered by a state written before issue times were kept.
        s.revisions.insert("legacy".into(), 7);
        assert_eq!(forget_revisions(&mut s, "2030-01-01T00:00:00Z".parse().unwrap()), 0);
        assert_eq!(s.revisions.len(), 2);
        assert_eq!(s.forgotten_before, None);
    }
}
