//! What the office sends to every board at once, signed with a portal key, retained on the
//! broker (docs/mqtt.md, "Office messages"):
//! * the holiday calendar on `pinghu/v1/calendar` (next year's State Council notice, once for the
//!   whole county);
//! * a playlist on `pinghu/v1/screens/{screen}/playlist` or `pinghu/v1/groups/{group}/playlist`;
//! * portal key rotation on `pinghu/v1/keys`, signed with a key the board already trusts;
//! * a picture a playlist shows, on `pinghu/v1/screens/{screen}/pictures/{name}` or
//!   `pinghu/v1/groups/{group}/pictures/{name}` (one revision per name).
//!
//! Each is the portal's envelope (`key_id`, `payload`, `signature`, `content_type`) around a JSON
//! payload with a `revision` (higher replaces lower; the same one again is a redelivery) and an
//! `issued_at`. This module is pure: it opens and checks a message; the core applies it.

use std::collections::BTreeMap;

use base64::Engine as _;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::envelope::{Envelope, KeyError, Keyring};

/// What an office message carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Calendar,
    Playlist,
    Keys,
    Picture,
}

impl Kind {
    /// The envelope's `content_type` for this kind.
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Calendar => "application/vnd.pinghu.calendar+json",
            Self::Playlist => "application/vnd.pinghu.playlist+json",
            Self::Keys => "application/vnd.pinghu.keys+json",
            Self::Picture => "application/vnd.pinghu.picture+json",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Calendar => "calendar",
            Self::Playlist => "playlist",
            Self::Keys => "keys",
            Self::Picture => "picture",
        }
    }

    /// The kind a topic carries, if it is an office topic (`prefix` is e.g. `pinghu/v1`).
    pub fn of_topic(prefix: &str, topic: &str) -> Option<Self> {
        let rest = topic.strip_prefix(prefix)?.strip_prefix('/')?;
        match rest.split('/').collect::<Vec<_>>().as_slice() {
            ["calendar"] => Some(Self::Calendar),
            ["keys"] => Some(Self::Keys),
            ["screens" | "groups", _, "playlist"] => Some(Self::Playlist),
            ["screens" | "groups", _, "pictures", _] => Some(Self::Picture),
            _ => None,
        }
    }
}

/// The picture name a pictures topic ends with (`…/pictures/{name}`).
pub fn picture_of_topic(topic: &str) -> Option<&str> {
    let (rest, name) = topic.rsplit_once('/')?;
    rest.ends_with("/pictures").then_some(name)
}

/// The payload of an office message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Message {
    /// Higher replaces lower, per kind.
    pub revision: u64,
    pub issued_at: Timestamp,
    /// Calendar: a holiday table in the format of `playlists/data/holidays-cn.toml`. Playlist: the
    /// playlist's TOML.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub toml: Option<String>,
    /// Keys: new portal keys, by key id (base64 Ed25519, or `sm2:` and the SEC1 point).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub add: BTreeMap<String, String>,
    /// Keys: key ids the board stops trusting at the given time (the grace period ends).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub retire: BTreeMap<String, Timestamp>,
    /// Picture: its file name (the topic's last level), beside the board's playlist.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Picture: the file (PNG, JPEG or BMP), standard base64.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<String>,
    /// Picture: remove it from the boards (instead of `data`), unless a playlist there shows it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub remove: bool,
}

/// An office message whose signature verified.
#[derive(Debug, Clone, PartialEq)]
pub struct Opened {
    pub kind: Kind,
    pub message: Message,
    pub key_id: String,
    /// SHA-256 of the payload.
    pub sha256: String,
}

/// Why an office message is refused (its receipt's reason): what is wrong and what to do.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OfficeError {
    #[error("not an envelope ({0}): sign it with `pinghu portal push`")]
    NotAnEnvelope(serde_json::Error),
    #[error("content_type {found:?} on a {} topic: it must be {:?}", kind.name(), kind.content_type())]
    ContentType { found: String, kind: Kind },
    #[error("payload is not standard base64: {0}")]
    Base64(base64::DecodeError),
    #[error("signature does not verify with key {0:?} (unknown, retired, or not the signer's)")]
    Signature(String),
    #[error("the {} payload is not valid: {error}", kind.name())]
    Payload { kind: Kind, error: serde_json::Error },
    #[error("a {} message needs `toml`", .0.name())]
    NeedsToml(Kind),
    #[error("a keys message needs `add` or `retire`")]
    KeysNeedAddOrRetire,
    #[error("a picture message needs `name`, and `data` or `remove: true`")]
    PictureNeedsNameAndData,
    #[error("the picture's data is not standard base64: {0}")]
    PictureData(base64::DecodeError),
    #[error("the rotation would retire every portal key: add the new key in the same message")]
    RetiresEveryKey,
    #[error("the picture is named {name:?} but came on {topic}: publish it on …/pictures/{name}")]
    PictureOnOtherTopic { name: String, topic: String },
    #[error(
        "revision {revision} is not newer than revision {applied} applied at {applied_at}: give the new {} a \
         higher revision",
        kind.name()
    )]
    NotNewer {
        revision: u64,
        applied: u64,
        applied_at: Timestamp,
        kind: Kind,
    },
}

/// Open an office message from `topic`: the envelope, its content type for the topic, the
/// signature with `keys`, and the payload. Errors say what is wrong and what to do.
pub fn open(bytes: &[u8], kind: Kind, keys: &Keyring) -> Result<Opened, OfficeError> {
    let env: Envelope = serde_json::from_slice(bytes).map_err(OfficeError::NotAnEnvelope)?;
    if env.content_type.as_deref() != Some(kind.content_type()) {
        return Err(OfficeError::ContentType {
            found: env.content_type.unwrap_or_default(),
            kind,
        });
    }
    let payload = base64::engine::general_purpose::STANDARD
        .decode(env.payload.as_bytes())
        .map_err(OfficeError::Base64)?;
    if !keys.verify_bytes(&env.key_id, &payload, &env.signature) {
        return Err(OfficeError::Signature(env.key_id));
    }
    let message: Message = serde_json::from_slice(&payload).map_err(|error| OfficeError::Payload { kind, error })?;
    match kind {
        Kind::Calendar | Kind::Playlist if message.toml.is_none() => {
            return Err(OfficeError::NeedsToml(kind));
        }
        Kind::Keys if message.add.is_empty() && message.retire.is_empty() => {
            return Err(OfficeError::KeysNeedAddOrRetire);
        }
        Kind::Picture if message.name.is_none() || message.data.is_some() == message.remove => {
            return Err(OfficeError::PictureNeedsNameAndData);
        }
        _ => {}
    }
    Ok(Opened {
        kind,
        message,
        key_id: env.key_id,
        sha256: crate::ingest::sha256_hex(&payload),
    })
}

/// What the board applied last, per kind, kept in `DATA_DIR/office.json`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Applied {
    #[serde(default)]
    pub calendar: Option<Record>,
    #[serde(default)]
    pub playlist: Option<Record>,
    #[serde(default)]
    pub keys: Option<Record>,
    /// Portal keys added by rotation, by key id.
    #[serde(default)]
    pub added_keys: BTreeMap<String, String>,
    /// Key ids retired by rotation, and from when.
    #[serde(default)]
    pub retired_keys: BTreeMap<String, Timestamp>,
    /// The last refused message of each kind (SHA-256 of its payload), so that its retained
    /// redelivery at every reconnect is not refused (and reported) again. Pictures by
    /// `picture:NAME`.
    #[serde(default)]
    pub refused: BTreeMap<String, String>,
    /// Pictures applied, by name.
    #[serde(default)]
    pub pictures: BTreeMap<String, Record>,
    /// The last pushed playlist refused (its envelope), tried again when a picture arrives: the
    /// broker delivers retained messages in no set order, so a playlist may come before the
    /// pictures it shows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refused_playlist: Option<String>,
    /// Picture removals refused while the running playlist showed the picture (their envelopes,
    /// by picture name), applied by themselves once it no longer does: a new playlist and the
    /// removal of what it stopped showing are pushed together, and arrive in no set order.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub refused_removals: BTreeMap<String, String>,
}

/// One applied office message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    pub revision: u64,
    pub sha256: String,
    pub issued_at: Timestamp,
    pub applied_at: Timestamp,
    pub key_id: String,
    /// Calendar: the table, applied again at every start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub toml: Option<String>,
    /// Playlist: SHA-256 of the text written, to tell a later local edit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text_sha256: Option<String>,
}

/// The file of [`Applied`].
pub const FILE: &str = "office.json";

impl Applied {
    /// What was applied of `o`'s kind (for a picture, of its name).
    pub fn get(&self, o: &Opened) -> Option<&Record> {
        match o.kind {
            Kind::Calendar => self.calendar.as_ref(),
            Kind::Playlist => self.playlist.as_ref(),
            Kind::Keys => self.keys.as_ref(),
            Kind::Picture => self.pictures.get(o.message.name.as_deref()?),
        }
    }

    pub fn set(&mut self, o: &Opened, r: Record) {
        match o.kind {
            Kind::Calendar => self.calendar = Some(r),
            Kind::Playlist => self.playlist = Some(r),
            Kind::Keys => self.keys = Some(r),
            Kind::Picture => {
                self.pictures.insert(o.message.name.clone().unwrap_or_default(), r);
            }
        }
    }

    /// Whether `o` is new (`Ok(true)`), a redelivery of what was applied (`Ok(false)`), or older
    /// than it (`Err`).
    pub fn is_new(&self, o: &Opened) -> Result<bool, OfficeError> {
        match self.get(o) {
            None => Ok(true),
            Some(r) if o.message.revision > r.revision => Ok(true),
            Some(r) if o.message.revision == r.revision && o.sha256 == r.sha256 => Ok(false),
            Some(r) => Err(OfficeError::NotNewer {
                revision: o.message.revision,
                applied: r.revision,
                applied_at: r.applied_at,
                kind: o.kind,
            }),
        }
    }

    /// The portal keys in force at `now`: the configuration's and the added ones, less the retired.
    pub fn keyring(&self, configured: &BTreeMap<String, String>, now: Timestamp) -> Keyring {
        let mut ring = Keyring::default();
        for (id, k) in configured.iter().chain(&self.added_keys) {
            if self.retired_keys.get(id).is_some_and(|t| now >= *t) {
                continue;
            }
            let _ = ring.add(id, k);
        }
        ring
    }
}

/// Sign an office message (for `pinghu portal push` and tests).
pub fn sign(kind: Kind, message: &Message, key_id: &str, secret: &str) -> Result<Envelope, KeyError> {
    // (A message of strings, numbers and lists always serialises.)
    let payload = serde_json::to_vec(message).unwrap_or_default();
    let mut env = crate::envelope::sign(&payload, key_id, secret)?;
    env.content_type = Some(kind.content_type().into());
    Ok(env)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topics_name_their_kind() {
        let p = "pinghu/v1";
        assert_eq!(Kind::of_topic(p, "pinghu/v1/calendar"), Some(Kind::Calendar));
        assert_eq!(Kind::of_topic(p, "pinghu/v1/keys"), Some(Kind::Keys));
        assert_eq!(Kind::of_topic(p, "pinghu/v1/screens/a/playlist"), Some(Kind::Playlist));
        assert_eq!(
            Kind::of_topic(p, "pinghu/v1/groups/yiling-all/playlist"),
            Some(Kind::Playlist)
        );
        assert_eq!(Kind::of_topic(p, "pinghu/v1/screens/a/announcements"), None);
        assert_eq!(
            Kind::of_topic(p, "pinghu/v1/groups/yiling-all/pictures/ad.png"),
            Some(Kind::Picture)
        );
        assert_eq!(
            picture_of_topic("pinghu/v1/groups/yiling-all/pictures/ad.png"),
            Some("ad.png")
        );
        assert_eq!(picture_of_topic("pinghu/v1/screens/a/playlist"), None);
    }

    #[test]
    fn signed_messages_open_and_forgeries_do_not() {
        let (secret, public) = crate::envelope::keygen().unwrap();
        let mut ring = Keyring::default();
        ring.add("portal-2026", &public).unwrap();
        let m = Message {
            revision: 1,
            issued_at: "2026-12-20T02:00:00Z".parse().unwrap(),
            toml: Some("[2027]\nholidays = [\"2027-01-01\"]\n".into()),
            add: BTreeMap::new(),
            retire: BTreeMap::new(),
            name: None,
            data: None,
            remove: false,
        };
        let env = sign(Kind::Calendar, &m, "portal-2026", &secret).unwrap();
        let bytes = serde_json::to_vec(&env).unwrap();
        let o = open(&bytes, Kind::Calendar, &ring).unwrap();
        assert_eq!(o.message, m);
        assert!(
            open(&bytes, Kind::Playlist, &ring)
                .unwrap_err()
                .to_string()
                .contains("content_type")
        );
        let mut forged = env.clone();
        forged.payload = base64::engine::general_purpose::STANDARD.encode(b"{\"revision\":9}");
        let e = open(&serde_json::to_vec(&forged).unwrap(), Kind::Calendar, &ring).unwrap_err();
        assert!(matches!(e, OfficeError::Signature(_)), "{e}");
        assert!(e.to_string().contains("signature does not verify"), "{e}");
        let mut applied = Applied::default();
        assert!(matches!(applied.is_new(&o), Ok(true)));
        applied.set(
            &o,
            Record {
                revision: 1,
                sha256: o.sha256.clone(),
                issued_at: m.issued_at,
                applied_at: m.issued_at,
                key_id: "portal-2026".into(),
                toml: None,
                text_sha256: None,
            },
        );
        assert!(matches!(applied.is_new(&o), Ok(false)));
        let mut other = o.clone();
        other.sha256 = "x".into();
        assert!(applied.is_new(&other).unwrap_err().to_string().contains("not newer"));
    }

    #[test]
    fn a_picture_message_carries_its_file_or_its_removal_never_both() {
        let (secret, public) = crate::envelope::keygen().unwrap();
        let mut ring = Keyring::default();
        ring.add("portal-2026", &public).unwrap();
        let picture = |data: Option<&str>, remove: bool| {
            let m = Message {
                revision: 1,
                issued_at: "2026-12-20T02:00:00Z".parse().unwrap(),
                toml: None,
                add: BTreeMap::new(),
                retire: BTreeMap::new(),
                name: Some("ad.png".into()),
                data: data.map(str::to_owned),
                remove,
            };
            let env = sign(Kind::Picture, &m, "portal-2026", &secret).unwrap();
            open(&serde_json::to_vec(&env).unwrap(), Kind::Picture, &ring)
        };
        assert!(picture(Some("iVBORw0KGgo="), false).is_ok());
        assert!(picture(None, true).is_ok_and(|o| o.message.remove));
        for bad in [picture(None, false), picture(Some("iVBORw0KGgo="), true)] {
            assert!(
                bad.unwrap_err()
                    .to_string()
                    .contains("needs `name`, and `data` or `remove: true`")
            );
        }
    }
}
