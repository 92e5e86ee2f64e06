//! The status document: what a board publishes, retained, on `…/screens/{screen}/status`, and
//! what its console serves (docs/mqtt.md, "Status"; the JSON Schema is `docs/status.schema.json`).
//!
//! One type for the writer and every reader: the daemon builds it ([`crate::core::Core::status`]),
//! `pinghu fleet status` and `pinghu portal … --confirm` read other boards' statuses with it, the
//! console serves it, and the tests read its fields.
//!
//! Reading is tolerant, because a reader meets boards older and newer than itself: every field has
//! a default when it is missing (the last will carries only `online`, `screen`, `groups` and
//! `version`), unknown fields are ignored, and a word this reader does not know reads as
//! `Unknown` (never written by a daemon). A document that is not a status at all is an error
//! ([`Status::from_json`]), never a panic.

mod office;
mod sections;

use jiff::Timestamp;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use office::{CalendarApplied, KeysApplied, LastOffice, Office, OfficeKind, PlaylistApplied};
pub use sections::{
    AlertFormat, Alerts, BoardKey, Broker, Card, Clock, ClockCheck, Console, Device, Disk, Flash, LastAlert, Layer,
    Link, MqttState, Override, OverrideBrightness, OverridePower, PlaylistStatus, Power, PowerControl, ProofFinding,
    ProofHead, Queue, Reports, Showing, Storage,
};

/// The status document (docs/mqtt.md, "Status").
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
#[schemars(title = "Pinghu board status")]
pub struct Status {
    /// `false` in the last will and in the status published on a clean stop.
    pub online: bool,
    pub screen: String,
    /// The board's groups.
    pub groups: Vec<String>,
    /// The daemon's version.
    pub version: String,
    /// The card: the link, its clock, what it says about itself, its flash program.
    pub device: Device,
    pub mqtt: MqttState,
    /// The board's MQTT session.
    pub broker: Broker,
    /// What the card acknowledged last; `null` until it acknowledged something.
    pub showing: Option<Showing>,
    pub layer: Layer,
    /// 0 to 15.
    pub brightness: u8,
    pub power: Power,
    /// A technician's brightness and power, over the playlist's, until a time.
    #[serde(rename = "override")]
    pub overrides: Override,
    pub clock: Clock,
    pub queue: Queue,
    pub alerts: Alerts,
    pub reports: Reports,
    /// What the office sent and the board applied.
    pub office: Office,
    pub playlist: PlaylistStatus,
    /// Files the configuration names that the daemon started without, each with what applies
    /// instead; empty when all is well.
    pub config_problems: Vec<String>,
    /// `config_problems` in Chinese, one for one.
    pub config_problems_zh: Vec<String>,
    /// With a console configured, its address and why it could not start.
    pub console: Option<Console>,
    pub storage: Storage,
}

/// The last will, set at connect: what the broker publishes, retained, when the board vanishes.
/// A reader reads it as a [`Status`] (the rest defaults).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LastWill<'a> {
    pub online: bool,
    pub screen: &'a str,
    pub groups: &'a [String],
    pub version: &'a str,
}

/// A payload on a status topic that is not a status document.
#[derive(Debug, thiserror::Error)]
#[error("not a status document: {0}")]
pub struct StatusError(#[from] serde_json::Error);

impl Status {
    /// A status document as published (the JSON bytes of a retained message).
    pub fn from_json(bytes: &[u8]) -> Result<Self, StatusError> {
        Ok(serde_json::from_slice(bytes)?)
    }

    /// The document as JSON (the exact form published).
    pub fn to_value(&self) -> serde_json::Value {
        // Every field is a plain string, number, map or list: this cannot fail.
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }

    /// Whether this is a running daemon's report rather than a last will (which carries only
    /// `online`, `screen`, `groups` and `version`): it says the daemon's time.
    pub fn is_report(&self) -> bool {
        self.clock.daemon.is_some()
    }

    /// When the daemon published it (`clock.daemon`).
    pub fn at(&self) -> Option<Timestamp> {
        self.clock.daemon
    }

    /// Whether the board lists `group` among its groups.
    pub fn in_group(&self, group: &str) -> bool {
        self.groups.iter().any(|g| g == group)
    }

    /// The JSON Schema of the document, as committed in `docs/status.schema.json`.
    pub fn schema_json() -> String {
        let mut schema = schemars::schema_for!(Status).to_value();
        // The defaults are the reader's tolerance, not part of what a daemon writes.
        drop_defaults(&mut schema);
        serde_json::to_string_pretty(&schema).unwrap_or_default() + "\n"
    }
}

/// Remove the `default` keywords of a schema (the keys of `properties` are field names, kept).
fn drop_defaults(schema: &mut serde_json::Value) {
    match schema {
        serde_json::Value::Object(map) => {
            map.remove("default");
            for (key, value) in map.iter_mut() {
                if key == "properties" || key == "$defs" {
                    if let serde_json::Value::Object(fields) = value {
                        fields.values_mut().for_each(drop_defaults);
                    }
                } else {
                    drop_defaults(value);
                }
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(drop_defaults),
        _ => {}
    }
}

#[cfg(test)]
mod tests;
