//! The portal's signed envelope (docs/mqtt.md): verification of the signature (Ed25519, or SM2
//! with SM3 for keys configured as `sm2:`) over the exact payload bytes, then of the payload: an
//! announcement (JSON) or, by `content_type`, a warning in CAP or GB/T 35965.1 XML. Everything that
//! fails is a [`Rejection`] with a reason a person can act on. Keys, signatures and the portal's
//! side (key pairs and signing) are in `keys.rs`.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use jiff::Timestamp;
use pinghu_playlists::{Announcement, Color, Effect, Priority};
use serde::{Deserialize, Serialize};

mod keys;

pub use keys::{KeyError, KeyPair, Keyring, keygen, keygen_sm2, sign};

/// Key id of the demo's own portal key pair (`pinghu demo`, `pinghu portal` against it).
pub const DEMO_KEY_ID: &str = "demo";
use keys::{SigError, check_signature};

/// Largest envelope accepted (a warning document may be up to 256 KiB before base64).
pub const MAX_ENVELOPE: usize = 512 * 1024;
/// Largest announcement payload accepted.
pub const MAX_ANNOUNCEMENT: usize = 64 * 1024;
/// The distinguishing identifier SM2 signatures use (the GM/T 0009 default).
pub const SM2_DISTID: &str = "1234567812345678";
pub use crate::limits::{MAX_BODY, MAX_MESSAGE, MAX_TITLE};

mod rejection;
pub use rejection::Rejection;

/// The envelope on the wire.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Envelope {
    pub key_id: String,
    pub payload: String,
    pub signature: String,
    /// Absent for an announcement; `application/cap+xml` or `application/gbt35965+xml` for a
    /// warning, whose payload is then the exact XML bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
}

/// The payload's optional style hints.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct StyleHint {
    #[serde(default)]
    pub effect: Option<String>,
    #[serde(default)]
    pub font_size: Option<u8>,
    #[serde(default)]
    pub color: Option<String>,
}

/// The payload as the portal writes it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Payload {
    pub id: String,
    pub revision: u64,
    pub action: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<String>,
    pub issued_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approved_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub style: Option<StyleHint>,
}

/// A verified message.
#[derive(Debug, Clone, PartialEq)]
pub enum Verified {
    Publish {
        announcement: Announcement,
        key_id: String,
        signature: String,
        approved_by: Option<String>,
    },
    Revoke {
        id: String,
        revision: u64,
        key_id: String,
        signature: String,
        issued_at: Timestamp,
    },
    /// A warning message (CAP or GB/T 35965.1), judged and chained by [`crate::alert_ingest::apply_alert`].
    Alert {
        alert: Box<crate::alerts::Alert>,
        key_id: String,
        signature: String,
    },
}

impl Verified {
    pub fn id_revision(&self) -> (&str, u64) {
        match self {
            Self::Publish { announcement, .. } => (&announcement.id, announcement.revision),
            Self::Revoke { id, revision, .. } => (id, *revision),
            Self::Alert { alert, .. } => (&alert.identifier, 0),
        }
    }

    /// When the sender issued it.
    pub fn issued_at(&self) -> Timestamp {
        match self {
            Self::Publish { announcement, .. } => announcement.issued_at,
            Self::Revoke { issued_at, .. } => *issued_at,
            Self::Alert { alert, .. } => alert.sent,
        }
    }
}

/// A portal public key: Ed25519, or SM2 (used with SM3).
fn valid_id(id: &str) -> bool {
    (1..=64).contains(&id.len()) && id.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
}

fn time(field: &'static str, s: &str) -> Result<Timestamp, Rejection> {
    s.parse::<Timestamp>().map_err(|_| Rejection::Time {
        field,
        value: s.to_owned(),
    })
}

/// Quick look at a payload's id and revision, for receipts (trusted only when the signature verified).
pub fn peek_id(payload: &[u8]) -> (Option<String>, Option<u64>) {
    let v: serde_json::Value = serde_json::from_slice(payload).unwrap_or_default();
    (v["id"].as_str().map(str::to_owned), v["revision"].as_u64())
}

/// A refused envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub reason: Rejection,
    /// The payload bytes, when the envelope held decodable ones.
    pub payload: Option<Vec<u8>>,
    /// The signature over `payload` verified, so its id and revision can be trusted.
    pub signed: bool,
    /// A warning refused while its document was read: its `identifier` and `sender`, as far as
    /// they could be read.
    pub alert: Option<(Option<String>, Option<String>)>,
}

impl Refusal {
    fn new(reason: Rejection) -> Self {
        Self {
            reason,
            payload: None,
            signed: false,
            alert: None,
        }
    }
}

/// Verify an envelope: size, JSON shape, key, signature over the exact payload bytes, then the
/// payload's rules.
pub fn verify(bytes: &[u8], keys: &Keyring) -> Result<(Verified, Vec<u8>), Refusal> {
    if bytes.len() > MAX_ENVELOPE {
        return Err(Refusal::new(Rejection::EnvelopeTooLarge { bytes: bytes.len() }));
    }
    let env: Envelope =
        serde_json::from_slice(bytes).map_err(|e| Refusal::new(Rejection::NotAnEnvelope { detail: e.to_string() }))?;
    let payload = B64
        .decode(env.payload.as_bytes())
        .map_err(|e| Refusal::new(Rejection::PayloadBase64 { detail: e.to_string() }))?;
    let unsigned = |reason: Rejection| Refusal {
        reason,
        payload: Some(payload.clone()),
        signed: false,
        alert: None,
    };
    let key = keys.keys.get(&env.key_id).ok_or_else(|| {
        unsigned(Rejection::UnknownKey {
            key_id: env.key_id.clone(),
        })
    })?;
    let sig_bytes = B64
        .decode(env.signature.as_bytes())
        .map_err(|e| unsigned(Rejection::SignatureBase64 { detail: e.to_string() }))?;
    let forged = || {
        unsigned(Rejection::Forged {
            key_id: env.key_id.clone(),
        })
    };
    match check_signature(key, &payload, &sig_bytes) {
        Ok(()) => {}
        Err(SigError::Forged) => return Err(forged()),
        Err(SigError::Shape(why)) => return Err(unsigned(Rejection::SignatureShape { detail: why })),
    }
    if let Some(t) = &env.content_type {
        let Some(format) = crate::alerts::Format::from_content_type(t) else {
            return Err(Refusal {
                reason: Rejection::UnknownContentType {
                    content_type: t.clone(),
                },
                payload: Some(payload.clone()),
                signed: true,
                alert: None,
            });
        };
        let alert = crate::alerts::read(&payload, format).map_err(|e| Refusal {
            reason: Rejection::AlertDocument {
                content_type: t.clone(),
                problem: Box::new(e.problem.clone()),
            },
            payload: Some(payload.clone()),
            signed: true,
            alert: Some((e.identifier, e.sender)),
        })?;
        return Ok((
            Verified::Alert {
                alert: Box::new(alert),
                key_id: env.key_id.clone(),
                signature: env.signature.clone(),
            },
            payload,
        ));
    }
    if payload.len() > MAX_ANNOUNCEMENT {
        return Err(Refusal {
            reason: Rejection::AnnouncementTooLarge { bytes: payload.len() },
            payload: Some(payload.clone()),
            signed: true,
            alert: None,
        });
    }
    let checked = check_payload(&payload, &env).map_err(|reason| Refusal {
        reason,
        payload: Some(payload.clone()),
        signed: true,
        alert: None,
    })?;
    Ok((checked, payload))
}

fn check_payload(payload: &[u8], env: &Envelope) -> Result<Verified, Rejection> {
    let text = std::str::from_utf8(payload).map_err(|_| Rejection::PayloadNotUtf8)?;
    let p: Payload = serde_json::from_str(text).map_err(|e| Rejection::PayloadJson { detail: e.to_string() })?;
    if !valid_id(&p.id) {
        return Err(Rejection::BadId { id: p.id.clone() });
    }
    if p.revision == 0 {
        return Err(Rejection::ZeroRevision);
    }
    let issued_at = time("issued_at", &p.issued_at)?;
    match p.action.as_str() {
        "revoke" => {
            return Ok(Verified::Revoke {
                id: p.id,
                revision: p.revision,
                key_id: env.key_id.clone(),
                signature: env.signature.clone(),
                issued_at,
            });
        }
        "publish" => {}
        other => {
            return Err(Rejection::Action {
                action: other.to_owned(),
            });
        }
    }
    let priority = match p.priority.as_deref() {
        Some("normal") => Priority::Normal,
        Some("urgent") => Priority::Urgent,
        Some("emergency") => Priority::Emergency,
        Some(other) => {
            return Err(Rejection::Priority {
                priority: other.to_owned(),
            });
        }
        None => return Err(Rejection::PriorityMissing),
    };
    let body = p.body.clone().ok_or(Rejection::BodyMissing)?;
    if body.trim().is_empty() {
        return Err(Rejection::BodyEmpty);
    }
    let n = body.chars().count();
    if n > MAX_BODY {
        return Err(Rejection::BodyTooLong { n });
    }
    let title = p.title.clone().unwrap_or_default();
    let nt = title.chars().count();
    if nt > MAX_TITLE {
        return Err(Rejection::TitleTooLong { n: nt });
    }
    let valid_from = p.valid_from.as_deref().map(|s| time("valid_from", s)).transpose()?;
    let valid_until = p.valid_until.as_deref().map(|s| time("valid_until", s)).transpose()?;
    if let (Some(f), Some(u)) = (valid_from, valid_until)
        && u <= f
    {
        return Err(Rejection::ValidityOrder);
    }
    let style = p.style.clone().unwrap_or_default();
    let font_size = match style.font_size {
        None => None,
        Some(s) if pinghu_protocol::style::is_font_size(u32::from(s)) => Some(s),
        Some(s) => {
            return Err(Rejection::FontSize { size: s });
        }
    };
    let color = match style.color.as_deref() {
        None => None,
        Some(c) => Some(Color::parse(c).ok_or_else(|| Rejection::Color { color: c.to_owned() })?),
    };
    let effect = match style.effect.as_deref() {
        None => None,
        Some(e) => Some(Effect::parse(e).ok_or_else(|| Rejection::Effect { effect: e.to_owned() })?),
    };
    Ok(Verified::Publish {
        announcement: Announcement {
            id: p.id,
            revision: p.revision,
            priority,
            title,
            body,
            valid_from,
            valid_until,
            issued_at,
            font_size,
            color,
            effect,
            severity: None,
        },
        key_id: env.key_id.clone(),
        signature: env.signature.clone(),
        approved_by: p.approved_by,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> (Keyring, String) {
        let (sk, pk) = keygen().unwrap();
        let mut k = Keyring::default();
        k.add("portal-2026", &pk).unwrap();
        (k, sk)
    }

    const PAYLOAD: &str = r#"{"id":"yl-2026-000123","revision":1,"action":"publish","priority":"urgent","title":"停水通知","body":"因管网维修，11月28日8:00至18:00小溪塔街道部分区域停水，请居民提前储水。","valid_from":"2026-11-28T07:00:00+08:00","valid_until":"2026-11-28T18:00:00+08:00","issued_at":"2026-11-27T16:30:00+08:00","approved_by":"区电子政务办公室","style":{"effect":"auto","font_size":16,"color":"red"}}"#;

    #[test]
    fn the_design_example_verifies() {
        let (k, sk) = keys();
        let env = serde_json::to_vec(&sign(PAYLOAD.as_bytes(), "portal-2026", &sk).unwrap()).unwrap();
        let (v, _) = verify(&env, &k).unwrap();
        let Verified::Publish { announcement: a, .. } = v else {
            panic!()
        };
        assert_eq!(
            (a.id.as_str(), a.revision, a.priority),
            ("yl-2026-000123", 1, Priority::Urgent)
        );
        assert_eq!(a.valid_until.unwrap().to_string(), "2026-11-28T10:00:00Z");
    }

    #[test]
    fn forgeries_and_bad_payloads_are_refused_with_reasons() {
        let (k, sk) = keys();
        let (other_sk, _) = keygen().unwrap();
        let forged = serde_json::to_vec(&sign(PAYLOAD.as_bytes(), "portal-2026", &other_sk).unwrap()).unwrap();
        assert!(
            verify(&forged, &k)
                .unwrap_err()
                .reason
                .to_string()
                .contains("does not verify")
        );
        let mut env = sign(PAYLOAD.as_bytes(), "portal-2026", &sk).unwrap();
        env.payload = B64.encode(PAYLOAD.replace("停水", "停电"));
        assert!(
            verify(&serde_json::to_vec(&env).unwrap(), &k)
                .unwrap_err()
                .reason
                .to_string()
                .contains("does not verify")
        );
        let unknown = serde_json::to_vec(&sign(PAYLOAD.as_bytes(), "other", &sk).unwrap()).unwrap();
        assert!(
            verify(&unknown, &k)
                .unwrap_err()
                .reason
                .to_string()
                .contains("unknown key_id \"other\"")
        );
        assert!(
            verify(b"{}", &k)
                .unwrap_err()
                .reason
                .to_string()
                .contains("not an envelope")
        );
        for (from, to, why) in [
            ("\"revision\":1", "\"revision\":0", "revision must be a positive"),
            ("\"urgent\"", "\"loud\"", "priority \"loud\""),
            ("yl-2026-000123", "bad id!", "id \"bad id!\""),
            (
                "2026-11-28T18:00:00+08:00",
                "2026-11-28T06:00:00+08:00",
                "valid_until is not after",
            ),
            ("\"font_size\":16", "\"font_size\":20", "font_size 20"),
            (
                "\"issued_at\":\"2026-11-27T16:30:00+08:00\"",
                "\"issued_at\":\"yesterday\"",
                "issued_at \"yesterday\"",
            ),
        ] {
            let p = PAYLOAD.replace(from, to);
            let env = serde_json::to_vec(&sign(p.as_bytes(), "portal-2026", &sk).unwrap()).unwrap();
            let r = verify(&env, &k).unwrap_err();
            assert!(r.reason.to_string().contains(why), "{why}: {}", r.reason);
            assert!(
                r.signed && r.payload.is_some(),
                "a signed payload is kept for the receipt"
            );
        }
        let long = PAYLOAD.replace("请居民提前储水。", &"水".repeat(2001));
        let env = serde_json::to_vec(&sign(long.as_bytes(), "portal-2026", &sk).unwrap()).unwrap();
        assert!(
            verify(&env, &k)
                .unwrap_err()
                .reason
                .to_string()
                .contains("more than 2000")
        );
    }

    #[test]
    fn revoke_needs_only_id_revision_issued_at() {
        let (k, sk) = keys();
        let p = r#"{"id":"yl-1","revision":2,"action":"revoke","issued_at":"2026-11-28T09:00:00+08:00"}"#;
        let env = serde_json::to_vec(&sign(p.as_bytes(), "portal-2026", &sk).unwrap()).unwrap();
        assert!(matches!(
            verify(&env, &k).unwrap().0,
            Verified::Revoke { revision: 2, .. }
        ));
    }
}
