//! The portal's signed envelope (docs/mqtt.md): verification of the signature (Ed25519, or SM2
//! with SM3 for keys configured as `sm2:`) over the exact payload bytes, then of the payload: an
//! announcement (JSON) or, by `content_type`, a warning in CAP or GB/T 35965.1 XML. Everything that
//! fails is a [`Rejection`] with a reason a person can act on. Also the portal's side: key pairs
//! and signing.

use std::collections::BTreeMap;
use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use jiff::Timestamp;
use pinghu_playlists::{Announcement, Color, Effect, Priority};
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Largest envelope accepted (a warning document may be up to 256 KiB before base64).
pub const MAX_ENVELOPE: usize = 512 * 1024;
/// Largest announcement payload accepted.
pub const MAX_ANNOUNCEMENT: usize = 64 * 1024;
/// The distinguishing identifier SM2 signatures use (the GM/T 0009 default).
pub const SM2_DISTID: &str = "1234567812345678";
/// Longest body and title, in characters.
pub const MAX_BODY: usize = 2000;
pub const MAX_TITLE: usize = 64;

/// Why an envelope was refused. The text goes into the `rejected` receipt.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{0}")]
pub struct Rejection(pub String);

fn reject(s: impl Into<String>) -> Rejection {
    Rejection(s.into())
}

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
    /// A warning message (CAP or GB/T 35965.1), judged and chained by [`crate::daemon::ingest::apply_alert`].
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
#[derive(Debug, Clone)]
enum PublicKey {
    Ed25519(VerifyingKey),
    Sm2(Box<sm2::dsa::VerifyingKey>),
}

/// Portal public keys by `key_id`.
#[derive(Debug, Clone, Default)]
pub struct Keyring {
    keys: BTreeMap<String, PublicKey>,
}

impl Keyring {
    /// Add a key: base64 of an Ed25519 key's 32 bytes, or `sm2:` and base64 (or hex) of an SM2
    /// key's SEC1 point (65 bytes uncompressed, or 33 compressed).
    pub fn add(&mut self, key_id: &str, public: &str) -> Result<(), String> {
        if let Some(sm2_key) = public.trim().strip_prefix("sm2:") {
            let bytes = B64
                .decode(sm2_key)
                .or_else(|_| pinghu_protocol::from_hex(sm2_key))
                .map_err(|_| format!("portal key {key_id:?}: the SM2 key after sm2: is neither base64 nor hex"))?;
            let key = sm2::dsa::VerifyingKey::from_sec1_bytes(SM2_DISTID, &bytes).map_err(|_| {
                format!("portal key {key_id:?} is not an SM2 public key (SEC1, 65 bytes uncompressed or 33 compressed)")
            })?;
            self.keys.insert(key_id.to_owned(), PublicKey::Sm2(Box::new(key)));
            return Ok(());
        }
        let bytes = B64
            .decode(public.trim())
            .map_err(|e| format!("portal key {key_id:?} is not base64: {e} (an SM2 key starts with sm2:)"))?;
        let arr: [u8; 32] = bytes
            .try_into()
            .map_err(|_| format!("portal key {key_id:?} must be 32 bytes (an Ed25519 public key)"))?;
        let key = VerifyingKey::from_bytes(&arr)
            .map_err(|e| format!("portal key {key_id:?} is not a valid Ed25519 key: {e}"))?;
        self.keys.insert(key_id.to_owned(), PublicKey::Ed25519(key));
        Ok(())
    }
    pub fn len(&self) -> usize {
        self.keys.len()
    }
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

/// Why a signature is not good.
enum SigError {
    /// Not a signature of the key's kind at all.
    Shape(&'static str),
    /// A signature, but not of these bytes by this key.
    Forged,
}

fn check_signature(key: &PublicKey, payload: &[u8], sig_bytes: &[u8]) -> Result<(), SigError> {
    match key {
        PublicKey::Ed25519(key) => {
            let sig_arr: [u8; 64] = sig_bytes
                .try_into()
                .map_err(|_| SigError::Shape("signature must be 64 bytes (Ed25519)"))?;
            key.verify_strict(payload, &Signature::from_bytes(&sig_arr))
                .map_err(|_| SigError::Forged)
        }
        PublicKey::Sm2(key) => {
            use sm2::dsa::signature::Verifier as _;
            // 64 bytes r‖s, or the DER form many Chinese platforms send.
            let sig = sm2::dsa::Signature::from_slice(sig_bytes)
                .or_else(|_| sm2::dsa::DerSignature::try_from(sig_bytes).and_then(sm2::dsa::Signature::try_from))
                .map_err(|_| SigError::Shape("signature must be an SM2 signature: 64 bytes r‖s, or DER"))?;
            key.verify(payload, &sig).map_err(|_| SigError::Forged)
        }
    }
}

impl Keyring {
    /// Whether `signature` (base64) is `key_id`'s signature of exactly `payload`.
    pub fn verify_bytes(&self, key_id: &str, payload: &[u8], signature: &str) -> bool {
        let Some(key) = self.keys.get(key_id) else { return false };
        B64.decode(signature.trim().as_bytes())
            .is_ok_and(|sig| check_signature(key, payload, &sig).is_ok())
    }
}

fn valid_id(id: &str) -> bool {
    (1..=64).contains(&id.len()) && id.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
}

fn time(field: &str, s: &str) -> Result<Timestamp, Rejection> {
    s.parse::<Timestamp>().map_err(|_| {
        reject(format!(
            "{field} {s:?} is not an RFC 3339 time with an offset (e.g. 2026-11-28T08:00:00+08:00)"
        ))
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
}

impl Refusal {
    fn new(reason: Rejection) -> Self {
        Self {
            reason,
            payload: None,
            signed: false,
        }
    }
}

/// Verify an envelope: size, JSON shape, key, signature over the exact payload bytes, then the
/// payload's rules.
pub fn verify(bytes: &[u8], keys: &Keyring) -> Result<(Verified, Vec<u8>), Refusal> {
    if bytes.len() > MAX_ENVELOPE {
        return Err(Refusal::new(reject(format!(
            "envelope is {} bytes, more than the {} KiB limit",
            bytes.len(),
            MAX_ENVELOPE / 1024
        ))));
    }
    let env: Envelope = serde_json::from_slice(bytes).map_err(|e| {
        Refusal::new(reject(format!(
            "not an envelope: {e} (expected {{\"key_id\", \"payload\", \"signature\"}})"
        )))
    })?;
    let payload = B64
        .decode(env.payload.as_bytes())
        .map_err(|e| Refusal::new(reject(format!("payload is not standard base64: {e}"))))?;
    let unsigned = |reason: Rejection| Refusal {
        reason,
        payload: Some(payload.clone()),
        signed: false,
    };
    let key = keys.keys.get(&env.key_id).ok_or_else(|| {
        unsigned(reject(format!(
            "unknown key_id {:?}: add the portal's public key to the configuration",
            env.key_id
        )))
    })?;
    let sig_bytes = B64
        .decode(env.signature.as_bytes())
        .map_err(|e| unsigned(reject(format!("signature is not standard base64: {e}"))))?;
    let forged = || {
        unsigned(reject(format!(
            "signature does not verify with key {:?}: forged, altered or signed with another key",
            env.key_id
        )))
    };
    match check_signature(key, &payload, &sig_bytes) {
        Ok(()) => {}
        Err(SigError::Forged) => return Err(forged()),
        Err(SigError::Shape(why)) => return Err(unsigned(reject(why))),
    }
    if let Some(t) = &env.content_type {
        let Some(format) = crate::alerts::Format::from_content_type(t) else {
            return Err(Refusal {
                reason: reject(format!(
                    "content_type {t:?} is not known: application/cap+xml, application/gbt35965+xml, or none for an announcement"
                )),
                payload: Some(payload.clone()),
                signed: true,
            });
        };
        let alert = crate::alerts::read(&payload, format).map_err(|e| Refusal {
            reason: reject(format!("{t}: {e}")),
            payload: Some(payload.clone()),
            signed: true,
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
            reason: reject(format!(
                "the announcement is {} bytes, more than the {} KiB limit",
                payload.len(),
                MAX_ANNOUNCEMENT / 1024
            )),
            payload: Some(payload.clone()),
            signed: true,
        });
    }
    let checked = check_payload(&payload, &env).map_err(|reason| Refusal {
        reason,
        payload: Some(payload.clone()),
        signed: true,
    })?;
    Ok((checked, payload))
}

fn check_payload(payload: &[u8], env: &Envelope) -> Result<Verified, Rejection> {
    let text = std::str::from_utf8(payload).map_err(|_| reject("payload is not UTF-8"))?;
    let p: Payload = serde_json::from_str(text).map_err(|e| reject(format!("payload: {e}")))?;
    if !valid_id(&p.id) {
        return Err(reject(format!(
            "id {:?} must be 1-64 characters of A-Z a-z 0-9 . _ -",
            p.id
        )));
    }
    if p.revision == 0 {
        return Err(reject("revision must be a positive integer"));
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
        other => return Err(reject(format!("action {other:?} must be publish or revoke"))),
    }
    let priority = match p.priority.as_deref() {
        Some("normal") => Priority::Normal,
        Some("urgent") => Priority::Urgent,
        Some("emergency") => Priority::Emergency,
        Some(other) => {
            return Err(reject(format!(
                "priority {other:?} must be normal, urgent or emergency"
            )));
        }
        None => return Err(reject("priority is missing (normal, urgent or emergency)")),
    };
    let body = p.body.clone().ok_or_else(|| reject("body is missing"))?;
    if body.trim().is_empty() {
        return Err(reject("body is empty"));
    }
    let n = body.chars().count();
    if n > MAX_BODY {
        return Err(reject(format!("body has {n} characters, more than {MAX_BODY}")));
    }
    let title = p.title.clone().unwrap_or_default();
    let nt = title.chars().count();
    if nt > MAX_TITLE {
        return Err(reject(format!("title has {nt} characters, more than {MAX_TITLE}")));
    }
    let valid_from = p.valid_from.as_deref().map(|s| time("valid_from", s)).transpose()?;
    let valid_until = p.valid_until.as_deref().map(|s| time("valid_until", s)).transpose()?;
    if let (Some(f), Some(u)) = (valid_from, valid_until)
        && u <= f
    {
        return Err(reject("valid_until is not after valid_from"));
    }
    let style = p.style.clone().unwrap_or_default();
    let font_size = match style.font_size {
        None => None,
        Some(s) if pinghu_protocol::style::is_font_size(u32::from(s)) => Some(s),
        Some(s) => {
            return Err(reject(format!(
                "style.font_size {s} must be {}",
                pinghu_protocol::style::font_sizes_text()
            )));
        }
    };
    let color = match style.color.as_deref() {
        None => None,
        Some(c) => {
            Some(Color::parse(c).ok_or_else(|| reject(format!("style.color {c:?} must be red, green or yellow")))?)
        }
    };
    let effect = match style.effect.as_deref() {
        None => None,
        Some(e) => Some(Effect::parse(e).ok_or_else(|| reject(format!("style.effect {e:?} is not an effect")))?),
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

/// A key pair as `pinghu portal keygen` and `pinghu board keygen` write it (and the demo key in
/// the data directory).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct KeyPair {
    pub key_id: String,
    pub secret: String,
    pub public: String,
}

impl KeyPair {
    /// Load `path`, or create a new pair there (readable by the owner only).
    pub fn load_or_create(path: &Path, key_id: &str) -> Result<Self, String> {
        if let Ok(text) = std::fs::read_to_string(path) {
            return serde_json::from_str(&text).map_err(|e| format!("{} is not a key file: {e}", path.display()));
        }
        let (secret, public) = keygen()?;
        let kp = Self {
            key_id: key_id.to_owned(),
            secret,
            public,
        };
        write_secret(path, &serde_json::to_vec_pretty(&kp).map_err(|e| e.to_string())?)?;
        Ok(kp)
    }
}

/// Write a file only its owner can read.
pub fn write_secret(path: &Path, bytes: &[u8]) -> Result<(), String> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .write(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    f.write_all(bytes)
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// A new Ed25519 key pair: (secret key base64, public key base64).
pub fn keygen() -> Result<(String, String), String> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| format!("no randomness from the system: {e}"))?;
    let sk = SigningKey::from_bytes(&seed);
    Ok((B64.encode(sk.to_bytes()), B64.encode(sk.verifying_key().to_bytes())))
}

/// A new SM2 key pair: (`sm2:` and the secret scalar base64, `sm2:` and the public SEC1 point
/// base64).
pub fn keygen_sm2() -> Result<(String, String), String> {
    loop {
        let mut secret = [0u8; 32];
        getrandom::fill(&mut secret).map_err(|e| format!("no randomness from the system: {e}"))?;
        // A value outside 1..n-1 (vanishingly rare) is drawn again.
        if let Ok(sk) = sm2::dsa::SigningKey::from_slice(SM2_DISTID, &secret) {
            let public = sk.verifying_key().to_sec1_bytes();
            return Ok((
                format!("sm2:{}", B64.encode(secret)),
                format!("sm2:{}", B64.encode(&public)),
            ));
        }
    }
}

/// Sign `payload` bytes into an envelope with a secret from [`keygen`] or [`keygen_sm2`].
pub fn sign(payload: &[u8], key_id: &str, secret: &str) -> Result<Envelope, String> {
    if let Some(s) = secret.trim().strip_prefix("sm2:") {
        use sm2::dsa::signature::Signer as _;
        let bytes = B64
            .decode(s)
            .map_err(|e| format!("SM2 secret key is not base64: {e}"))?;
        let sk = sm2::dsa::SigningKey::from_slice(SM2_DISTID, &bytes)
            .map_err(|_| "SM2 secret key must be 32 bytes, a scalar below the curve order".to_string())?;
        let sig: sm2::dsa::Signature = sk.sign(payload);
        return Ok(Envelope {
            key_id: key_id.to_owned(),
            payload: B64.encode(payload),
            signature: B64.encode(sig.to_bytes()),
            content_type: None,
        });
    }
    let bytes = B64
        .decode(secret.trim())
        .map_err(|e| format!("secret key is not base64: {e}"))?;
    let arr: [u8; 32] = bytes
        .try_into()
        .map_err(|_| "secret key must be 32 bytes (an Ed25519 seed)".to_string())?;
    let sk = SigningKey::from_bytes(&arr);
    Ok(Envelope {
        key_id: key_id.to_owned(),
        payload: B64.encode(payload),
        signature: B64.encode(sk.sign(payload).to_bytes()),
        content_type: None,
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
        assert!(verify(&forged, &k).unwrap_err().reason.0.contains("does not verify"));
        let mut env = sign(PAYLOAD.as_bytes(), "portal-2026", &sk).unwrap();
        env.payload = B64.encode(PAYLOAD.replace("停水", "停电"));
        assert!(
            verify(&serde_json::to_vec(&env).unwrap(), &k)
                .unwrap_err()
                .reason
                .0
                .contains("does not verify")
        );
        let unknown = serde_json::to_vec(&sign(PAYLOAD.as_bytes(), "other", &sk).unwrap()).unwrap();
        assert!(
            verify(&unknown, &k)
                .unwrap_err()
                .reason
                .0
                .contains("unknown key_id \"other\"")
        );
        assert!(verify(b"{}", &k).unwrap_err().reason.0.contains("not an envelope"));
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
            assert!(r.reason.0.contains(why), "{why}: {}", r.reason.0);
            assert!(
                r.signed && r.payload.is_some(),
                "a signed payload is kept for the receipt"
            );
        }
        let long = PAYLOAD.replace("请居民提前储水。", &"水".repeat(2001));
        let env = serde_json::to_vec(&sign(long.as_bytes(), "portal-2026", &sk).unwrap()).unwrap();
        assert!(verify(&env, &k).unwrap_err().reason.0.contains("more than 2000"));
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
