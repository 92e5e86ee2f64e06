//! The signed play report: the board signs the report's JSON bytes with its own Ed25519 key, in
//! the portal's envelope; [`verify`] checks the signature, the report's own sums and, with the
//! log at hand, every play and total against it.

use std::collections::BTreeMap;

use base64::Engine as _;
use jiff::Timestamp;
use jiff::tz::TimeZone;

use super::{CONTENT_TYPE, Chain, Play, PlaysReport, build};
use crate::envelope::{Envelope, KeyError};
use crate::proof::Entry;

/// Sign a report with the board's secret key (from `pinghu board keygen`).
pub fn sign(r: &PlaysReport, key_id: &str, secret: &str) -> Result<Envelope, KeyError> {
    // (A report of strings, numbers and lists always serialises.)
    let bytes = serde_json::to_vec_pretty(r).unwrap_or_default();
    let mut env = crate::envelope::sign(&bytes, key_id, secret)?;
    env.content_type = Some(CONTENT_TYPE.into());
    Ok(env)
}

/// The part of a log a signed report speaks of, read from the report before it is verified (so
/// [`verify`] needs only those entries); `None` when it cannot be read (verify says why).
pub fn window_of(signed: &[u8]) -> Option<super::Window> {
    let env: Envelope = serde_json::from_slice(signed).ok()?;
    let payload = base64::engine::general_purpose::STANDARD.decode(&env.payload).ok()?;
    let r: PlaysReport = serde_json::from_slice(&payload).ok()?;
    let tz = TimeZone::get(&r.timezone).unwrap_or(TimeZone::UTC);
    Some(super::Window::new(
        r.from,
        r.to,
        &tz,
        r.cutoff.parse().unwrap_or(Timestamp::MAX),
    ))
}

/// The chain head a signed report recorded when it was made (entry number and hash), read before
/// it is verified, so the log reader can keep that one entry; `None` when it cannot be read or
/// the log was empty then.
pub fn head_of(signed: &[u8]) -> Option<(u64, String)> {
    let env: Envelope = serde_json::from_slice(signed).ok()?;
    let payload = base64::engine::general_purpose::STANDARD.decode(&env.payload).ok()?;
    let r: PlaysReport = serde_json::from_slice(&payload).ok()?;
    (r.chain.entries > 0).then_some((r.chain.entries, r.chain.last_hash))
}

/// The log still reaches the head a report recorded (`(number, hash)`, from [`head_of`]): its
/// entry of that number has that hash. `head` is the log's entry with that number (`None`: the log has no such entry),
/// `log_entries` the log's entry count now. A log cut, deleted and begun again, or rewritten
/// after the report was signed fails here, whoever holds the report.
pub fn check_head((want, hash): (u64, &str), head: Option<&Entry>, log_entries: u64) -> Option<VerifyError> {
    if want == 0 {
        return None;
    }
    match head {
        None if log_entries < want => Some(VerifyError::Log(format!(
            "when the report was signed the log reached entry {want}; it now ends at entry {log_entries}:              entries were cut or the log was deleted and begun again since"
        ))),
        None => Some(VerifyError::Log(format!(
            "the report's chain head, entry {want}, is not in the log (a damaged or archived part?)"
        ))),
        Some(e) if e.hash != hash => Some(VerifyError::Log(format!(
            "when the report was signed the log's entry {want} had hash {hash}; it now has {}: the log was              rewritten since",
            e.hash
        ))),
        Some(_) => None,
    }
}

/// Why a signed report does not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    #[error("not a signed play report: {0}")]
    Format(String),
    #[error(
        "the signature does not verify with the board key {key}: the report was changed after the board signed it, or another board signed it"
    )]
    Signature { key: String },
    #[error("the report contradicts itself: {0}")]
    Inconsistent(String),
    #[error("the report does not match the log: {0}")]
    Log(String),
}

/// Check a signed report: its signature with `board_key` (base64 Ed25519 public key), its own
/// sums, and, given the log's verified entries, every play and total against the log.
pub fn verify(signed: &[u8], board_key: &str, log: Option<(&[Entry], Chain)>) -> Result<PlaysReport, Vec<VerifyError>> {
    let env: Envelope = serde_json::from_slice(signed).map_err(|e| {
        vec![VerifyError::Format(format!(
            "{e} (expected the JSON envelope the board published)"
        ))]
    })?;
    let mut keys = crate::envelope::Keyring::default();
    keys.add(&env.key_id, board_key)
        .map_err(|e| vec![VerifyError::Format(format!("--board-key: {e}"))])?;
    let payload = base64::engine::general_purpose::STANDARD
        .decode(&env.payload)
        .map_err(|e| vec![VerifyError::Format(format!("payload is not base64: {e}"))])?;
    let mut errors = Vec::new();
    if !keys.verify_bytes(&env.key_id, &payload, &env.signature) {
        errors.push(VerifyError::Signature {
            key: env.key_id.clone(),
        });
    }
    let r: PlaysReport = serde_json::from_slice(&payload)
        .map_err(|e| vec![VerifyError::Format(format!("the payload is not a play report: {e}"))])?;
    for c in &r.campaigns {
        let plays: Vec<&Play> = r.plays.iter().filter(|p| p.campaign == c.campaign).collect();
        let secs: u64 = plays.iter().map(|p| u64::from(p.seconds)).sum();
        let cut = r.interrupted.iter().filter(|p| p.campaign == c.campaign).count();
        if plays.len() != c.plays as usize {
            errors.push(VerifyError::Inconsistent(format!(
                "campaign {}: the total says {} plays but {} are listed",
                c.campaign,
                c.plays,
                plays.len()
            )));
        }
        if secs != c.seconds {
            errors.push(VerifyError::Inconsistent(format!(
                "campaign {}: the total says {} s but the listed plays add up to {secs} s",
                c.campaign, c.seconds
            )));
        }
        if cut != c.interrupted as usize {
            errors.push(VerifyError::Inconsistent(format!(
                "campaign {}: the total says {} interrupted but {cut} are listed",
                c.campaign, c.interrupted
            )));
        }
    }
    if let Some((entries, chain)) = log {
        let by_seq: BTreeMap<u64, &Entry> = entries.iter().map(|e| (e.seq, e)).collect();
        let check = |seq: u64, hash: &str, at: &str, what: &str, errors: &mut Vec<VerifyError>| match by_seq.get(&seq) {
            None => errors.push(VerifyError::Log(format!("{what} at {at}: the log has no entry {seq}"))),
            Some(e) if e.hash != hash => errors.push(VerifyError::Log(format!(
                "{what} at {at}: the log's entry {seq} has hash {}, the report says {hash}",
                e.hash
            ))),
            Some(e) if e.at != at => errors.push(VerifyError::Log(format!(
                "{what}: the log's entry {seq} is at {}, the report says {at}",
                e.at
            ))),
            Some(_) => {}
        };
        for p in &r.plays {
            check(p.seq, &p.hash, &p.at, &format!("play of {}", p.campaign), &mut errors);
        }
        for p in &r.interrupted {
            check(
                p.seq,
                &p.hash,
                &p.at,
                &format!("interrupted spot of {}", p.campaign),
                &mut errors,
            );
        }
        // The numbers again, from the log alone.
        let tz = TimeZone::get(&r.timezone).unwrap_or(TimeZone::UTC);
        let cutoff = r.cutoff.parse().unwrap_or(Timestamp::MAX);
        let again = build(&r.screen, entries, chain, r.from, r.to, &tz, cutoff, None, None);
        for c in &r.campaigns {
            let (plays, secs, cut) = again
                .campaigns
                .iter()
                .find(|x| x.campaign == c.campaign)
                .map_or((0, 0, 0), |x| (x.plays, x.seconds, x.interrupted));
            if (plays, secs, cut) != (c.plays, c.seconds, c.interrupted) {
                errors.push(VerifyError::Log(format!(
                    "campaign {}: the report says {} plays, {} s, {} interrupted; the log shows {plays} plays, {secs} s, {cut} interrupted",
                    c.campaign, c.plays, c.seconds, c.interrupted
                )));
            }
        }
        for c in again
            .campaigns
            .iter()
            .filter(|x| !r.campaigns.iter().any(|c| c.campaign == x.campaign))
        {
            errors.push(VerifyError::Log(format!(
                "campaign {}: the log shows {} plays the report leaves out",
                c.campaign, c.plays
            )));
        }
        if again.first_entry != r.first_entry || again.last_entry != r.last_entry {
            errors.push(VerifyError::Log(format!(
                "the period's entries run {:?} to {:?} in the log, {:?} to {:?} in the report",
                again.first_entry.as_ref().map(|e| e.0),
                again.last_entry.as_ref().map(|e| e.0),
                r.first_entry.as_ref().map(|e| e.0),
                r.last_entry.as_ref().map(|e| e.0)
            )));
        }
    }
    if errors.is_empty() { Ok(r) } else { Err(errors) }
}
