//! The `[mqtt]` table: where the broker is, how to log in, which protocol version to speak.

use std::path::PathBuf;

use serde::Deserialize;
use thiserror::Error;

/// What is wrong with the `[mqtt]` table.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum MqttConfigError {
    #[error(transparent)]
    Url(#[from] UrlError),
    #[error("mqtt.password_file {}: {error}", path.display())]
    PasswordFile { path: PathBuf, error: std::io::Error },
    #[error("give mqtt.password or mqtt.password_file, not both")]
    TwoPasswords,
    #[error(
        "mqtt.session_expiry_s needs mqtt.version = \"5\" (under MQTT 3.1.1 the broker's own setting decides how \
         long a session lives, e.g. mosquitto's persistent_client_expiration)"
    )]
    SessionExpiryNeeds5,
    #[error(
        "mqtt.session_expiry_s = 0 would drop the board's queue at every disconnect: give the seconds the broker \
         should keep it (default 604800, a week)"
    )]
    SessionExpiryZero,
    #[error("mqtt.version {0:?} is not one the daemon speaks: use \"3.1.1\" or \"5\"")]
    Version(String),
    #[error("mqtt.client_cert and mqtt.client_key go together")]
    CertWithoutKey,
}

/// A broker URL that is not `mqtt://HOST[:PORT]` or `mqtts://HOST[:PORT]`.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum UrlError {
    #[error("mqtt url {0:?} must start with mqtt:// or mqtts://")]
    Scheme(String),
    #[error("mqtt url {0:?}: the port is not a number")]
    Port(String),
    #[error("mqtt url {0:?} has no host")]
    NoHost(String),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawMqtt {
    url: String,
    client_id: Option<String>,
    username: Option<String>,
    password: Option<String>,
    password_file: Option<PathBuf>,
    ca_file: Option<PathBuf>,
    client_cert: Option<PathBuf>,
    client_key: Option<PathBuf>,
    #[serde(default = "default_prefix")]
    topic_prefix: String,
    /// `"3.1.1"` (the default) or `"5"` (also written as the number 5).
    version: Option<toml::Value>,
    /// MQTT 5: how long the broker keeps the board's session and queue while it is away.
    session_expiry_s: Option<u32>,
}

fn default_prefix() -> String {
    "pinghu/v1".into()
}

/// Where the broker is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MqttConfig {
    pub host: String,
    pub port: u16,
    pub tls: bool,
    pub client_id: String,
    pub username: Option<String>,
    /// Never logged or printed.
    pub password: Option<String>,
    pub ca_file: Option<PathBuf>,
    pub client_cert: Option<(PathBuf, PathBuf)>,
    pub topic_prefix: String,
    pub version: MqttVersion,
}

/// The MQTT protocol version the daemon speaks to its broker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MqttVersion {
    /// MQTT 3.1.1: a persistent session lives as long as the broker's own setting says.
    V311,
    /// MQTT 5, asking the broker to keep the session (and its queue) this many seconds after the
    /// board disconnects; `u32::MAX` means never expire.
    V5 { session_expiry_s: u32 },
}

impl MqttVersion {
    /// A week: a board away longer than that (a cabinet without power over a holiday) starts
    /// afresh, with the retained messages (calendar, playlist, keys) and the portal's re-sends.
    pub const DEFAULT_SESSION_EXPIRY_S: u32 = 7 * 24 * 3600;

    /// "3.1.1" or "5", as in the configuration and the status.
    pub fn name(self) -> &'static str {
        match self {
            MqttVersion::V311 => "3.1.1",
            MqttVersion::V5 { .. } => "5",
        }
    }

    fn parse(version: Option<&toml::Value>, session_expiry_s: Option<u32>) -> Result<Self, MqttConfigError> {
        let version = match version {
            None => "3.1.1".to_owned(),
            Some(toml::Value::String(s)) => s.clone(),
            Some(v) => v.to_string(),
        };
        match (version.as_str(), session_expiry_s) {
            ("3.1.1", None) => Ok(MqttVersion::V311),
            ("3.1.1", Some(_)) => Err(MqttConfigError::SessionExpiryNeeds5),
            ("5", Some(0)) => Err(MqttConfigError::SessionExpiryZero),
            ("5", s) => Ok(MqttVersion::V5 {
                session_expiry_s: s.unwrap_or(Self::DEFAULT_SESSION_EXPIRY_S),
            }),
            (v, _) => Err(MqttConfigError::Version(v.to_owned())),
        }
    }
}

impl RawMqtt {
    /// Validate the table; `rel` makes a configured path relative to the configuration's folder.
    pub(super) fn validate(
        self,
        screen: &str,
        rel: &dyn Fn(&PathBuf) -> PathBuf,
    ) -> Result<MqttConfig, MqttConfigError> {
        let (host, port, tls) = parse_mqtt_url(&self.url)?;
        let password = match (&self.password, &self.password_file) {
            (Some(pw), None) => Some(pw.clone()),
            (None, Some(f)) => Some(
                std::fs::read_to_string(rel(f))
                    .map_err(|error| MqttConfigError::PasswordFile { path: rel(f), error })?
                    .trim()
                    .to_owned(),
            ),
            (None, None) => None,
            (Some(_), Some(_)) => return Err(MqttConfigError::TwoPasswords),
        };
        let version = MqttVersion::parse(self.version.as_ref(), self.session_expiry_s)?;
        let client_cert = match (&self.client_cert, &self.client_key) {
            (Some(c), Some(k)) => Some((rel(c), rel(k))),
            (None, None) => None,
            _ => return Err(MqttConfigError::CertWithoutKey),
        };
        Ok(MqttConfig {
            host,
            port,
            tls,
            client_id: self.client_id.unwrap_or_else(|| format!("pinghu-{screen}")),
            username: self.username,
            password,
            ca_file: self.ca_file.as_ref().map(rel),
            client_cert,
            topic_prefix: self.topic_prefix.trim_end_matches('/').to_owned(),
            version,
        })
    }
}

/// Parse `mqtt://host:port` or `mqtts://host:port`.
pub fn parse_mqtt_url(url: &str) -> Result<(String, u16, bool), UrlError> {
    let (tls, rest) = if let Some(r) = url.strip_prefix("mqtts://") {
        (true, r)
    } else if let Some(r) = url.strip_prefix("mqtt://") {
        (false, r)
    } else {
        return Err(UrlError::Scheme(url.to_owned()));
    };
    let rest = rest.trim_end_matches('/');
    let (host, port) = match rest.rsplit_once(':') {
        Some((h, p)) => (h, p.parse().map_err(|_| UrlError::Port(url.to_owned()))?),
        None => (rest, if tls { 8883 } else { 1883 }),
    };
    if host.is_empty() {
        return Err(UrlError::NoHost(url.to_owned()));
    }
    Ok((host.to_owned(), port, tls))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use std::path::Path;

    #[test]
    fn the_version_and_the_session_expiry() {
        let base = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/pinghu.toml")).unwrap();
        let e = |text: &str| {
            Config::parse(
                &base.replace("[mqtt]\n", &format!("[mqtt]\n{text}\n")),
                Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/pinghu.toml")),
            )
            .map(|c| c.mqtt.version)
            .map_err(|e| e.to_string())
        };
        assert_eq!(e(""), Ok(MqttVersion::V311));
        assert_eq!(
            e("version = 5"),
            Ok(MqttVersion::V5 {
                session_expiry_s: 604_800
            })
        );
        assert_eq!(
            e("version = \"5\"\nsession_expiry_s = 3600"),
            Ok(MqttVersion::V5 { session_expiry_s: 3600 })
        );
        assert!(e("version = \"6\"").unwrap_err().contains("use \"3.1.1\" or \"5\""));
        assert!(
            e("session_expiry_s = 60")
                .unwrap_err()
                .contains("needs mqtt.version = \"5\"")
        );
        assert!(
            e("version = 5\nsession_expiry_s = 0")
                .unwrap_err()
                .contains("drop the board's queue")
        );
    }
}
