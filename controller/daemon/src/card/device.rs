//! Device addresses and protocols as users write them: `tcp://HOST:PORT`,
//! `serial:///dev/ttyUSB0?baud=57600`, and `bx-5e|bx-6e|bx-5k|bx-6k|auto`.

use std::fmt;

use thiserror::Error;

/// Onbon's default TCP port.
pub const DEFAULT_PORT: u16 = 5005;
/// The usual serial speed of these cards.
pub const DEFAULT_BAUD: u32 = 57600;
/// Serial speeds to try when probing.
pub const PROBE_BAUDS: [u32; 5] = [9600, 19200, 38400, 57600, 115_200];

/// Where the card is.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum DeviceUrl {
    Tcp { host: String, port: u16 },
    Serial { path: String, baud: u32 },
}

/// A device URL or protocol name that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum DeviceError {
    #[error("bad device URL {url:?}: {why} (use tcp://HOST:PORT or serial:///dev/ttyUSB0?baud=57600)")]
    Url { url: String, why: String },
    #[error("unknown protocol {0:?} (use bx-5e, bx-6e, bx-5k, bx-6k or auto)")]
    Protocol(String),
}

impl DeviceUrl {
    pub fn parse(url: &str) -> Result<Self, DeviceError> {
        let bad = |why: &str| DeviceError::Url {
            url: url.to_owned(),
            why: why.to_owned(),
        };
        if let Some(rest) = url.strip_prefix("tcp://") {
            let rest = rest.trim_end_matches('/');
            let (host, port) = match rest.rsplit_once(':') {
                Some((h, p)) => (h, p.parse::<u16>().map_err(|_| bad("the port is not a number"))?),
                None => (rest, DEFAULT_PORT),
            };
            if host.is_empty() {
                return Err(bad("no host"));
            }
            Ok(Self::Tcp {
                host: host.trim_matches(['[', ']']).to_owned(),
                port,
            })
        } else if let Some(rest) = url.strip_prefix("serial://") {
            let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
            if !path.starts_with('/') {
                return Err(bad("the serial path must be absolute, e.g. serial:///dev/ttyUSB0"));
            }
            let mut speed = DEFAULT_BAUD;
            for kv in query.split('&').filter(|s| !s.is_empty()) {
                match kv.split_once('=') {
                    Some(("baud", v)) => speed = v.parse().map_err(|_| bad("baud is not a number"))?,
                    _ => return Err(bad(&format!("unknown option {kv:?} (only baud=N)"))),
                }
            }
            Ok(Self::Serial {
                path: path.to_owned(),
                baud: speed,
            })
        } else {
            Err(bad("unknown scheme"))
        }
    }

    /// The same port at another speed.
    pub fn with_baud(&self, baud: u32) -> Self {
        match self {
            Self::Serial { path, .. } => Self::Serial {
                path: path.clone(),
                baud,
            },
            other @ Self::Tcp { .. } => other.clone(),
        }
    }
}

impl fmt::Display for DeviceUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Tcp { host, port } => write!(f, "tcp://{host}:{port}"),
            Self::Serial { path, baud } => write!(f, "serial://{path}?baud={baud}"),
        }
    }
}

/// The protocol a card speaks, by model name.
pub use pinghu_protocol::CardModel;

/// Parse a `--protocol` value: a model name, or `auto` (`None`: ask the card).
pub fn parse_protocol(s: &str) -> Result<Option<CardModel>, DeviceError> {
    if s == "auto" {
        return Ok(None);
    }
    CardModel::parse(s)
        .map(Some)
        .ok_or_else(|| DeviceError::Protocol(s.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(
            DeviceUrl::parse("tcp://10.0.0.5:5005").unwrap(),
            DeviceUrl::Tcp {
                host: "10.0.0.5".into(),
                port: 5005
            }
        );
        assert_eq!(
            DeviceUrl::parse("tcp://card").unwrap(),
            DeviceUrl::Tcp {
                host: "card".into(),
                port: 5005
            }
        );
        assert_eq!(
            DeviceUrl::parse("serial:///dev/ttyUSB0?baud=9600").unwrap(),
            DeviceUrl::Serial {
                path: "/dev/ttyUSB0".into(),
                baud: 9600
            }
        );
        assert_eq!(
            DeviceUrl::parse("serial:///dev/ttyS0").unwrap().to_string(),
            "serial:///dev/ttyS0?baud=57600"
        );
        assert!(
            DeviceUrl::parse("udp://x")
                .unwrap_err()
                .to_string()
                .contains("use tcp://HOST:PORT")
        );
        assert!(
            DeviceUrl::parse("serial://ttyUSB0")
                .unwrap_err()
                .to_string()
                .contains("absolute")
        );
        assert!(
            DeviceUrl::parse("serial:///dev/x?speed=1")
                .unwrap_err()
                .to_string()
                .contains("only baud=N")
        );
        assert_eq!(parse_protocol("auto").unwrap(), None);
        assert!(parse_protocol("bx-9").is_err());
        assert_eq!(parse_protocol("bx-6k").unwrap(), Some(CardModel::Bx6k));
    }
}
