//! The daemon's configuration (documented in `controller/examples/pinghu.toml`): one TOML file, validated in one place
//! (the `[mqtt]` table in `mqtt.rs`, `[alerts]` in `alerts.rs`). `examples/pinghu.toml` is the commented example.

mod alerts;
mod mqtt;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use thiserror::Error;

use crate::card::device::{CardModel, DeviceUrl};
pub use alerts::AlertsConfigError;
use alerts::RawAlerts;
use mqtt::RawMqtt;
pub use mqtt::{MqttConfig, MqttConfigError, MqttVersion, UrlError, parse_mqtt_url};

/// A configuration that cannot be used.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ConfigError {
    #[error("cannot read {path}: {reason}")]
    Read { path: String, reason: String },
    #[error("{path}: {message}")]
    Invalid { path: String, message: String },
    #[error("{path}: {error}")]
    Mqtt { path: String, error: MqttConfigError },
    #[error("{path}: {error}")]
    Alerts { path: String, error: AlertsConfigError },
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    screen: RawScreen,
    device: RawDevice,
    mqtt: RawMqtt,
    #[serde(default)]
    portal_keys: BTreeMap<String, String>,
    playlist: Option<PathBuf>,
    calendar: Option<PathBuf>,
    data_dir: PathBuf,
    /// The board's own key pair, which signs its daily play reports (default DATA_DIR/board-key.json).
    board_key: Option<PathBuf>,
    #[serde(default = "default_tz")]
    timezone: String,
    /// A Unifont .hex (or BDF) file for characters the built-in fonts lack.
    fallback_font: Option<PathBuf>,
    /// Bitmap fonts (BDF) used instead of the built-in ones, by pixel size.
    #[serde(default)]
    fonts: BTreeMap<String, PathBuf>,
    console: Option<RawConsole>,
    #[serde(default)]
    fallback: RawFallback,
    #[serde(default)]
    alerts: RawAlerts,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConsole {
    #[serde(default = "default_console_listen")]
    listen: String,
    users_file: Option<PathBuf>,
    #[serde(default)]
    insecure_http: bool,
    cert_file: Option<PathBuf>,
    key_file: Option<PathBuf>,
    #[serde(default)]
    hosts: Vec<String>,
}

fn default_console_listen() -> String {
    "127.0.0.1:8080".into()
}

/// The operators' web console (`[console]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsoleConfig {
    pub listen: std::net::SocketAddr,
    /// Users and their roles (`pinghu console adduser`); default `console-users.toml` beside the
    /// configuration.
    pub users_file: PathBuf,
    /// Serve plain HTTP on a non-loopback address (said again in the log at every start).
    pub insecure_http: bool,
    /// HTTPS: the certificate chain and private key (PEM).
    pub tls: Option<(PathBuf, PathBuf)>,
    /// The names browsers reach it by (`Host`, without the port), beside its IP addresses and,
    /// on loopback, `localhost`: a request naming any other host is refused (DNS rebinding).
    /// Empty on a network address: any name (`--check` says so).
    pub hosts: Vec<String>,
}

fn default_tz() -> String {
    "Asia/Shanghai".into()
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScreen {
    id: String,
    width: u32,
    height: u32,
    #[serde(default = "default_colors")]
    colors: String,
    #[serde(default)]
    groups: Vec<String>,
}

fn default_colors() -> String {
    "mono".into()
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDevice {
    url: String,
    #[serde(default = "default_protocol")]
    protocol: String,
    #[serde(default = "one")]
    address: u16,
    #[serde(default = "default_timeout_ms")]
    timeout_ms: u64,
    #[serde(default = "default_retries")]
    retries: u32,
    #[serde(default = "default_fallback_after_s")]
    fallback_after_s: u16,
}

const fn default_fallback_after_s() -> u16 {
    60
}

/// `[fallback]`: the program the card keeps in flash for when the host is gone.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFallback {
    #[serde(default = "default_fallback_text")]
    text: String,
    #[serde(default = "default_max_writes")]
    max_writes_per_day: u32,
    #[serde(default = "yes")]
    enabled: bool,
}

impl Default for RawFallback {
    fn default() -> Self {
        Self {
            text: default_fallback_text(),
            max_writes_per_day: default_max_writes(),
            enabled: true,
        }
    }
}

fn default_fallback_text() -> String {
    "夷陵区人民政府 欢迎您".into()
}
const fn default_max_writes() -> u32 {
    4
}
const fn yes() -> bool {
    true
}

/// The fallback program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FallbackConfig {
    pub text: String,
    pub max_writes_per_day: u32,
}

fn default_protocol() -> String {
    "auto".into()
}
const fn one() -> u16 {
    1
}
const fn default_timeout_ms() -> u64 {
    2000
}
const fn default_retries() -> u32 {
    3
}

/// The validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub screen: String,
    pub width: u32,
    pub height: u32,
    pub colors: pinghu_fonts::ColorMode,
    pub groups: Vec<String>,
    pub device: DeviceUrl,
    pub protocol: Option<CardModel>,
    pub address: u16,
    pub timeout: Duration,
    pub retries: u32,
    /// Seconds without the host before the card shows its flash program (0 = never).
    pub fallback_after_s: u16,
    /// The flash program; `None` when `[fallback] enabled = false`.
    pub fallback: Option<FallbackConfig>,
    /// Which warnings are this board's.
    pub alerts: crate::alerts::AlertConfig,
    pub mqtt: MqttConfig,
    pub portal_keys: BTreeMap<String, String>,
    pub playlist: Option<PathBuf>,
    pub calendar: Option<PathBuf>,
    pub data_dir: PathBuf,
    /// The board's key pair file (`pinghu board keygen`); created there at first start if missing.
    pub board_key: PathBuf,
    pub timezone: String,
    pub fallback_font: Option<PathBuf>,
    /// BDF fonts replacing the built-in ones, by pixel size (12, 16, 24, 32).
    pub fonts: BTreeMap<u32, PathBuf>,
    /// The web console, when configured.
    pub console: Option<ConsoleConfig>,
}

/// `[a-z0-9-]{1,32}`, the screen and group names of the MQTT contract.
pub fn valid_name(s: &str) -> bool {
    (1..=32).contains(&s.len())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

impl Config {
    /// Read and validate a configuration file. Relative paths are relative to its folder.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Read {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        Self::parse(&text, path)
    }

    pub fn parse(text: &str, path: &Path) -> Result<Self, ConfigError> {
        let p = path.display().to_string();
        let invalid = |m: String| ConfigError::Invalid {
            path: p.clone(),
            message: m,
        };
        let raw: Raw = toml::from_str(text).map_err(|e| invalid(e.to_string()))?;
        let base = path.parent().unwrap_or(Path::new("."));
        let rel = |x: &PathBuf| if x.is_absolute() { x.clone() } else { base.join(x) };
        if !valid_name(&raw.screen.id) {
            return Err(invalid(format!(
                "screen.id {:?} must be 1-32 of a-z 0-9 -",
                raw.screen.id
            )));
        }
        for g in &raw.screen.groups {
            if !valid_name(g) {
                return Err(invalid(format!("screen.groups: {g:?} must be 1-32 of a-z 0-9 -")));
            }
        }
        if let Some(problem) = pinghu_protocol::board_size_problem(raw.screen.width, raw.screen.height) {
            return Err(invalid(format!("[screen] width and height: {problem}")));
        }
        let colors = match raw.screen.colors.as_str() {
            "mono" => pinghu_fonts::ColorMode::Mono,
            "red-green" => pinghu_fonts::ColorMode::RedGreen,
            c => return Err(invalid(format!("screen.colors {c:?} must be mono or red-green"))),
        };
        let device = DeviceUrl::parse(&raw.device.url).map_err(|e| invalid(e.to_string()))?;
        let protocol = crate::card::device::parse_protocol(&raw.device.protocol).map_err(|e| invalid(e.to_string()))?;
        let mqtt = raw
            .mqtt
            .validate(&raw.screen.id, &rel)
            .map_err(|error| ConfigError::Mqtt { path: p.clone(), error })?;
        if jiff::tz::TimeZone::get(&raw.timezone).is_err() {
            return Err(invalid(format!(
                "timezone {:?} is not an IANA time zone (e.g. Asia/Shanghai)",
                raw.timezone
            )));
        }
        let mut fonts = BTreeMap::new();
        for (size, path) in &raw.fonts {
            match size.parse::<u32>() {
                Ok(n) if pinghu_protocol::style::is_font_size(n) => {
                    fonts.insert(n, rel(path));
                }
                _ => {
                    return Err(invalid(format!(
                        "fonts: {size:?} is not a font size ({})",
                        pinghu_protocol::style::font_sizes_text()
                    )));
                }
            }
        }
        let mut ring = crate::envelope::Keyring::default();
        for (id, k) in &raw.portal_keys {
            ring.add(id, k).map_err(|e| invalid(e.to_string()))?;
        }
        let console = match &raw.console {
            None => None,
            Some(c) => {
                let listen: std::net::SocketAddr = c.listen.parse().map_err(|_| {
                    invalid(format!(
                        "console.listen {:?} is not an address: use e.g. \"127.0.0.1:8080\"",
                        c.listen
                    ))
                })?;
                let tls = match (&c.cert_file, &c.key_file) {
                    (Some(cert), Some(key)) => Some((rel(cert), rel(key))),
                    (None, None) => None,
                    _ => {
                        return Err(invalid(
                            "console: give both cert_file and key_file (PEM) for HTTPS".into(),
                        ));
                    }
                };
                if !listen.ip().is_loopback() && tls.is_none() && !c.insecure_http {
                    return Err(invalid(format!(
                        "console.listen {listen} is not a loopback address: give console.cert_file and console.key_file \
                         (HTTPS), or set console.insecure_http = true on a trusted network"
                    )));
                }
                Some(ConsoleConfig {
                    listen,
                    users_file: rel(c.users_file.as_ref().unwrap_or(&PathBuf::from("console-users.toml"))),
                    insecure_http: c.insecure_http,
                    tls,
                    hosts: c.hosts.iter().map(|h| h.trim().to_ascii_lowercase()).collect(),
                })
            }
        };
        Ok(Self {
            console,
            screen: raw.screen.id.clone(),
            width: raw.screen.width,
            height: raw.screen.height,
            colors,
            groups: raw.screen.groups,
            device,
            protocol,
            address: raw.device.address,
            timeout: Duration::from_millis(raw.device.timeout_ms.max(50)),
            retries: raw.device.retries,
            fallback_after_s: raw.device.fallback_after_s,
            alerts: raw
                .alerts
                .validate()
                .map_err(|error| ConfigError::Alerts { path: p.clone(), error })?,
            fallback: raw.fallback.enabled.then_some(()).map(|()| FallbackConfig {
                text: raw.fallback.text.clone(),
                max_writes_per_day: raw.fallback.max_writes_per_day,
            }),
            mqtt,
            portal_keys: raw.portal_keys,
            playlist: raw.playlist.as_ref().map(rel),
            calendar: raw.calendar.as_ref().map(rel),
            data_dir: rel(&raw.data_dir),
            board_key: raw
                .board_key
                .as_ref()
                .map_or_else(|| rel(&raw.data_dir).join("board-key.json"), rel),
            timezone: raw.timezone,
            fallback_font: raw.fallback_font.as_ref().map(rel),
            fonts,
        })
    }

    /// The portal keys as a keyring (validated at load).
    pub fn keyring(&self) -> crate::envelope::Keyring {
        let mut ring = crate::envelope::Keyring::default();
        for (id, k) in &self.portal_keys {
            let _ = ring.add(id, k);
        }
        ring
    }

    /// Topics this screen listens to: announcements, warnings and pushed playlists, its own and its
    /// groups'; the office's calendar and keys.
    pub fn announcement_topics(&self) -> Vec<String> {
        let p = &self.mqtt.topic_prefix;
        let mut t = Vec::new();
        for kind in ["announcements", "alerts", "playlist", "pictures/+"] {
            t.push(format!("{p}/screens/{}/{kind}", self.screen));
            t.extend(self.groups.iter().map(|g| format!("{p}/groups/{g}/{kind}")));
        }
        // What the office sends every board (crate::office).
        t.push(format!("{p}/calendar"));
        t.push(format!("{p}/keys"));
        t
    }
    pub fn status_topic(&self) -> String {
        format!("{}/screens/{}/status", self.mqtt.topic_prefix, self.screen)
    }
    /// Where the board publishes its signed daily play reports (retained: the last day's).
    pub fn reports_topic(&self) -> String {
        format!("{}/screens/{}/reports", self.mqtt.topic_prefix, self.screen)
    }
    pub fn receipts_topic(&self) -> String {
        format!("{}/screens/{}/receipts", self.mqtt.topic_prefix, self.screen)
    }
}

/// Default data directory: `$XDG_DATA_HOME/pinghu`, `~/.local/share/pinghu`, or `./pinghu-data`.
pub fn default_data_dir() -> PathBuf {
    if let Some(x) = std::env::var_os("XDG_DATA_HOME") {
        return PathBuf::from(x).join("pinghu");
    }
    if let Some(h) = std::env::var_os("HOME") {
        return PathBuf::from(h).join(".local/share/pinghu");
    }
    PathBuf::from("pinghu-data")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn example_config_is_valid() {
        let path = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/pinghu.toml"));
        let c = Config::load(path).unwrap();
        assert_eq!(c.screen, "yiling-pinghu");
        assert_eq!(
            c.announcement_topics(),
            [
                "pinghu/v1/screens/yiling-pinghu/announcements",
                "pinghu/v1/groups/yiling-all/announcements",
                "pinghu/v1/screens/yiling-pinghu/alerts",
                "pinghu/v1/groups/yiling-all/alerts",
                "pinghu/v1/screens/yiling-pinghu/playlist",
                "pinghu/v1/groups/yiling-all/playlist",
                "pinghu/v1/screens/yiling-pinghu/pictures/+",
                "pinghu/v1/groups/yiling-all/pictures/+",
                "pinghu/v1/calendar",
                "pinghu/v1/keys"
            ]
        );
        assert_eq!(c.alerts.geocodes, ["420506"]);
        assert!(c.mqtt.tls);
        assert_eq!(c.mqtt.port, 8883);
    }

    #[test]
    fn errors_name_the_field() {
        let base = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/pinghu.toml")).unwrap();
        let bad = base.replace("id = \"yiling-pinghu\"", "id = \"Yiling Pinghu\"");
        let e = Config::parse(&bad, Path::new("x.toml")).unwrap_err().to_string();
        assert!(e.contains("screen.id \"Yiling Pinghu\""), "{e}");
        let bad = base.replace("width = 192 ", "width = 19200 ");
        let e = Config::parse(&bad, Path::new("x.toml")).unwrap_err().to_string();
        assert!(
            e.contains("[screen] width and height: the board size 19200x64 is larger"),
            "{e}"
        );
        let bad = base.replace("mqtts://", "http://");
        assert!(
            Config::parse(&bad, Path::new("x.toml"))
                .unwrap_err()
                .to_string()
                .contains("must start with mqtt://")
        );
        assert_eq!(
            parse_mqtt_url("mqtt://localhost").unwrap(),
            ("localhost".into(), 1883, false)
        );
    }
}
