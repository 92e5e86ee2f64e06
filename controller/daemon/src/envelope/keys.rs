//! Keys and signatures: the portal's public keys by `key_id` (Ed25519, or SM2 with SM3), checking
//! a signature over exact bytes, and the signing side (key pairs, keygen, sign).

use std::collections::BTreeMap;
use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};

use super::{Envelope, SM2_DISTID};

/// A key that cannot be read, made, written or used; each says which key and what it should be.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    #[error("portal key {key_id:?}: the SM2 key after sm2: is neither base64 nor hex")]
    Sm2Encoding { key_id: String },
    #[error("portal key {key_id:?} is not an SM2 public key (SEC1, 65 bytes uncompressed or 33 compressed)")]
    Sm2Public { key_id: String },
    #[error("portal key {key_id:?} is not base64: {reason} (an SM2 key starts with sm2:)")]
    PublicBase64 {
        key_id: String,
        reason: base64::DecodeError,
    },
    #[error("portal key {key_id:?} must be 32 bytes (an Ed25519 public key)")]
    PublicLength { key_id: String },
    #[error("portal key {key_id:?} is not a valid Ed25519 key: {reason}")]
    Ed25519Public {
        key_id: String,
        reason: ed25519_dalek::SignatureError,
    },
    #[error("{path} is not a key file: {reason}")]
    NotAKeyFile { path: String, reason: serde_json::Error },
    #[error("{path} exists: refusing to overwrite a secret key")]
    Exists { path: String },
    #[error("cannot write {path}: {reason}")]
    Write { path: String, reason: std::io::Error },
    #[error("no randomness from the system: {0}")]
    Randomness(getrandom::Error),
    #[error("SM2 secret key is not base64: {0}")]
    Sm2SecretBase64(base64::DecodeError),
    #[error("SM2 secret key must be 32 bytes, a scalar below the curve order")]
    Sm2Secret,
    #[error("secret key is not base64: {0}")]
    SecretBase64(base64::DecodeError),
    #[error("secret key must be 32 bytes (an Ed25519 seed)")]
    SecretLength,
}

#[derive(Debug, Clone)]
pub(super) enum PublicKey {
    Ed25519(VerifyingKey),
    Sm2(Box<sm2::dsa::VerifyingKey>),
}

/// Portal public keys by `key_id`.
#[derive(Debug, Clone, Default)]
pub struct Keyring {
    pub(super) keys: BTreeMap<String, PublicKey>,
}

impl Keyring {
    /// Add a key: base64 of an Ed25519 key's 32 bytes, or `sm2:` and base64 (or hex) of an SM2
    /// key's SEC1 point (65 bytes uncompressed, or 33 compressed).
    pub fn add(&mut self, key_id: &str, public: &str) -> Result<(), KeyError> {
        if let Some(sm2_key) = public.trim().strip_prefix("sm2:") {
            let bytes = B64
                .decode(sm2_key)
                .or_else(|_| pinghu_protocol::from_hex(sm2_key))
                .map_err(|_| KeyError::Sm2Encoding { key_id: key_id.into() })?;
            let key = sm2::dsa::VerifyingKey::from_sec1_bytes(SM2_DISTID, &bytes)
                .map_err(|_| KeyError::Sm2Public { key_id: key_id.into() })?;
            self.keys.insert(key_id.to_owned(), PublicKey::Sm2(Box::new(key)));
            return Ok(());
        }
        let bytes = B64.decode(public.trim()).map_err(|reason| KeyError::PublicBase64 {
            key_id: key_id.into(),
            reason,
        })?;
        let arr: [u8; 32] = bytes
            .try_into()
            .map_err(|_| KeyError::PublicLength { key_id: key_id.into() })?;
        let key = VerifyingKey::from_bytes(&arr).map_err(|reason| KeyError::Ed25519Public {
            key_id: key_id.into(),
            reason,
        })?;
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
pub(super) enum SigError {
    /// Not a signature of the key's kind at all.
    Shape(&'static str),
    /// A signature, but not of these bytes by this key.
    Forged,
}

pub(super) fn check_signature(key: &PublicKey, payload: &[u8], sig_bytes: &[u8]) -> Result<(), SigError> {
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

/// A key pair as `pinghu portal keygen` and `pinghu board keygen` write it (and the demo key in
/// the data directory).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct KeyPair {
    pub key_id: String,
    pub secret: String,
    pub public: String,
}

impl KeyPair {
    /// Load `path`, or create a new pair there (readable by the owner only), written through
    /// `disk` (the daemon's own, so its faults and a power cut apply to the key as to the rest).
    pub fn load_or_create(path: &Path, key_id: &str, disk: &crate::disk::Disk) -> Result<Self, KeyError> {
        if let Ok(text) = std::fs::read_to_string(path) {
            return serde_json::from_str(&text).map_err(|reason| KeyError::NotAKeyFile {
                path: path.display().to_string(),
                reason,
            });
        }
        let kp = Self::generate(key_id, false)?;
        kp.write(path, disk)?;
        Ok(kp)
    }

    /// A new pair (Ed25519, or SM2) written to `path`, which must not exist: a secret key is
    /// never overwritten.
    pub fn create(path: &Path, key_id: &str, sm2: bool) -> Result<Self, KeyError> {
        if path.exists() {
            return Err(KeyError::Exists {
                path: path.display().to_string(),
            });
        }
        let kp = Self::generate(key_id, sm2)?;
        kp.write(path, &crate::disk::Disk::new())?;
        Ok(kp)
    }

    fn generate(key_id: &str, sm2: bool) -> Result<Self, KeyError> {
        let (secret, public) = if sm2 { keygen_sm2()? } else { keygen()? };
        Ok(Self {
            key_id: key_id.to_owned(),
            secret,
            public,
        })
    }

    fn write(&self, path: &Path, disk: &crate::disk::Disk) -> Result<(), KeyError> {
        // (A struct of three strings always serialises.)
        let bytes = serde_json::to_vec_pretty(self).unwrap_or_default();
        disk.write_secret(path, &bytes).map_err(|reason| KeyError::Write {
            path: path.display().to_string(),
            reason,
        })
    }
}

/// A new Ed25519 key pair: (secret key base64, public key base64).
pub fn keygen() -> Result<(String, String), KeyError> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(KeyError::Randomness)?;
    let sk = SigningKey::from_bytes(&seed);
    Ok((B64.encode(sk.to_bytes()), B64.encode(sk.verifying_key().to_bytes())))
}

/// A new SM2 key pair: (`sm2:` and the secret scalar base64, `sm2:` and the public SEC1 point
/// base64).
pub fn keygen_sm2() -> Result<(String, String), KeyError> {
    loop {
        let mut secret = [0u8; 32];
        getrandom::fill(&mut secret).map_err(KeyError::Randomness)?;
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
pub fn sign(payload: &[u8], key_id: &str, secret: &str) -> Result<Envelope, KeyError> {
    if let Some(s) = secret.trim().strip_prefix("sm2:") {
        use sm2::dsa::signature::Signer as _;
        let bytes = B64.decode(s).map_err(KeyError::Sm2SecretBase64)?;
        let sk = sm2::dsa::SigningKey::from_slice(SM2_DISTID, &bytes).map_err(|_| KeyError::Sm2Secret)?;
        let sig: sm2::dsa::Signature = sk.sign(payload);
        return Ok(Envelope {
            key_id: key_id.to_owned(),
            payload: B64.encode(payload),
            signature: B64.encode(sig.to_bytes()),
            content_type: None,
        });
    }
    let bytes = B64.decode(secret.trim()).map_err(KeyError::SecretBase64)?;
    let arr: [u8; 32] = bytes.try_into().map_err(|_| KeyError::SecretLength)?;
    let sk = SigningKey::from_bytes(&arr);
    Ok(Envelope {
        key_id: key_id.to_owned(),
        payload: B64.encode(payload),
        signature: B64.encode(sk.sign(payload).to_bytes()),
        content_type: None,
    })
}
