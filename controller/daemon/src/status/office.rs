//! The office's part of the [`super::Status`] document: what the office sent and the board
//! applied (calendar, pushed playlist, keys, pictures).

use std::collections::BTreeMap;

use jiff::Timestamp;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::ingest::ReceiptEvent;

/// What the office sent and the board applied.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Office {
    pub calendar: CalendarApplied,
    pub playlist: PlaylistApplied,
    /// Pushed pictures: name → revision.
    pub pictures: BTreeMap<String, u64>,
    /// Picture removals waiting for the playlist to stop showing them.
    pub removals_waiting: Vec<String>,
    pub keys: KeysApplied,
    /// The last office message's outcome.
    pub last: Option<LastOffice>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct CalendarApplied {
    pub revision: Option<u64>,
    pub applied_at: Option<Timestamp>,
    /// The years the calendar covers.
    pub years: Vec<i16>,
    /// The years the playlist needs and the calendar lacks; `null` when none.
    pub missing: Option<Vec<i16>>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct PlaylistApplied {
    pub revision: Option<u64>,
    pub applied_at: Option<Timestamp>,
    /// A local edit stands over the pushed playlist; `null` without a pushed one.
    pub local_edit: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct KeysApplied {
    pub revision: Option<u64>,
    pub in_force: Vec<String>,
    /// Key id → when it stops being trusted.
    pub retiring: BTreeMap<String, Timestamp>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct LastOffice {
    pub kind: OfficeKind,
    pub event: Option<ReceiptEvent>,
    pub revision: Option<u64>,
    pub reason: Option<String>,
    /// `reason` in Chinese.
    pub reason_zh: Option<String>,
    pub at: Option<Timestamp>,
}

/// What an office message carries.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum OfficeKind {
    Calendar,
    Playlist,
    Keys,
    Picture,
    #[default]
    #[serde(other)]
    #[schemars(skip)]
    Unknown,
}

impl From<crate::office::Kind> for OfficeKind {
    fn from(k: crate::office::Kind) -> Self {
        match k {
            crate::office::Kind::Calendar => Self::Calendar,
            crate::office::Kind::Playlist => Self::Playlist,
            crate::office::Kind::Keys => Self::Keys,
            crate::office::Kind::Picture => Self::Picture,
        }
    }
}
