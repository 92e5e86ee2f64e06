//! How the command-line tools (`portal publish|cap|push`, `fleet status`) reach a broker: the
//! URL, `mqtt://` or `mqtts://`, a login, and for TLS the broker's CA and an optional client
//! certificate, as the daemon's `[mqtt]` table has them. A production broker with the shipped ACL
//! lets only the portal's login write announcements, so the portal's tools log in.

use std::path::PathBuf;
use std::time::Duration;

use rumqttc::Transport;

/// A broker and how to log in to it.
#[derive(Debug, Clone, Default)]
pub struct Broker {
    /// `mqtt://HOST:PORT` or `mqtts://HOST:PORT`.
    pub url: String,
    pub username: Option<String>,
    pub password: Option<String>,
    /// The broker's CA certificate (PEM), for `mqtts://`.
    pub ca_file: Option<PathBuf>,
    /// A client certificate and its key (PEM), for brokers that ask for one.
    pub client_cert: Option<(PathBuf, PathBuf)>,
}

/// What a client needs to connect: its id, where, and how.
pub(crate) struct Endpoint {
    pub id: String,
    pub host: String,
    pub port: u16,
    transport: Option<Transport>,
    credentials: Option<(String, String)>,
}

impl Broker {
    /// A broker on a plain URL with no login (the embedded demo broker).
    pub fn plain(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            ..Self::default()
        }
    }

    /// The endpoint for the command `what`, with a client id of its own (`{name}-NNNNNNNNN`, so
    /// two runs never take each other's session). An error says which option is missing.
    pub(crate) fn endpoint(&self, what: &str, name: &str) -> anyhow::Result<Endpoint> {
        let (host, port, tls) = crate::daemon::config::parse_mqtt_url(&self.url)?;
        let transport = match (tls, &self.ca_file) {
            (true, Some(ca)) => Some(crate::daemon::mqtt::tls_transport(
                ca,
                self.client_cert.as_ref().map(|(c, k)| (c.as_path(), k.as_path())),
            )?),
            (true, None) => {
                return Err(anyhow::anyhow!(
                    "{what}: {} is mqtts://: give --ca-file (the broker's CA certificate, PEM)",
                    self.url
                ));
            }
            (false, _) if self.ca_file.is_some() || self.client_cert.is_some() => {
                return Err(anyhow::anyhow!(
                    "{what}: --ca-file and --client-cert are for TLS: write the broker as mqtts://HOST:PORT"
                ));
            }
            (false, _) => None,
        };
        Ok(Endpoint {
            id: format!("{name}-{}", jiff::Timestamp::now().as_nanosecond() % 1_000_000_000),
            host,
            port,
            transport,
            credentials: self
                .username
                .clone()
                .map(|u| (u, self.password.clone().unwrap_or_default())),
        })
    }
}

/// The largest message the tools send: a pushed picture of `MAX_PICTURE_BYTES`, base64 twice.
const MAX_OUT: usize = 16 * 1024 * 1024;

impl Endpoint {
    /// MQTT 3.1.1 options for this endpoint.
    pub(crate) fn options(self) -> rumqttc::MqttOptions {
        let mut o = rumqttc::MqttOptions::new(self.id, self.host, self.port);
        o.set_keep_alive(Duration::from_secs(10));
        // Out: up to a pushed picture of 8 MB, base64 in the payload and again in the envelope.
        o.set_max_packet_size(1024 * 1024, MAX_OUT);
        if let Some((u, p)) = self.credentials {
            o.set_credentials(u, p);
        }
        if let Some(t) = self.transport {
            o.set_transport(t);
        }
        o
    }

    /// MQTT 5 options for this endpoint.
    pub(crate) fn options_v5(self) -> rumqttc::v5::MqttOptions {
        let mut o = rumqttc::v5::MqttOptions::new(self.id, self.host, self.port);
        o.set_keep_alive(Duration::from_secs(10));
        o.set_max_packet_size(Some(1024 * 1024));
        if let Some((u, p)) = self.credentials {
            o.set_credentials(u, p);
        }
        if let Some(t) = self.transport {
            o.set_transport(t);
        }
        o
    }
}

/// What to do when the broker refuses the login.
pub(crate) const LOGIN_HINT: &str = "the broker refused the login: check --username and --password-file (or \
                                     PINGHU_MQTT_PASSWORD) against the broker's password file and ACL";
