//! Making the link from the daemon's configuration: the options of either protocol version
//! (persistent session, manual acknowledgements, the last will, the largest packet taken) and the
//! TLS transport, which the command-line tools share.

use std::time::Duration;

use rumqttc::v5;
use rumqttc::v5::mqttbytes::v5 as p5;
use rumqttc::{LastWill, MqttOptions, QoS, TlsConfiguration, Transport};

use super::{Client, Connection, DAEMON_HINTS};
use crate::config::{Config, MqttVersion};
use crate::mqtt::TlsError;

/// Take in whatever a broker can deliver — MQTT's largest packet, 256 MiB — so that an oversized
/// message is refused with a receipt naming its size, and acknowledged: a packet rumqttc could
/// not read would drop the connection, the broker would deliver it again at every reconnect, and
/// nothing behind it would ever be taken (one 40 MB message silenced a board so). Above
/// [`crate::envelope::MAX_MESSAGE`] a message is refused by its size as it arrives
/// (`Happening::Oversized`), never copied or hashed, so reading it does not hold up the link; it
/// costs its size in memory for that moment. The shipped broker configuration caps messages at
/// 16 MiB (`message_size_limit`, docs/mqtt.md), so none ever reaches a board.
const MAX_IN: usize = 260 * 1024 * 1024;

/// The client and its event loop for the configured broker and protocol version.
pub fn connect(cfg: &Config, will: Vec<u8>) -> Result<(Client, Connection), TlsError> {
    let m = &cfg.mqtt;
    let transport = if m.tls { Some(tls_transport_of(cfg)?) } else { None };
    let credentials = m
        .username
        .as_ref()
        .map(|u| (u.clone(), m.password.clone().unwrap_or_default()));
    match m.version {
        MqttVersion::V311 => {
            let mut o = MqttOptions::new(m.client_id.clone(), m.host.clone(), m.port);
            o.set_keep_alive(Duration::from_secs(15));
            o.set_clean_session(false);
            o.set_manual_acks(true);
            o.set_max_packet_size(MAX_IN, 1024 * 1024);
            o.set_last_will(LastWill::new(cfg.status_topic(), will, QoS::AtLeastOnce, true));
            if let Some((u, pw)) = credentials {
                o.set_credentials(u, pw);
            }
            if let Some(t) = transport {
                o.set_transport(t);
            }
            Ok(Client::v311(o, 256, &DAEMON_HINTS))
        }
        MqttVersion::V5 { session_expiry_s } => {
            let mut o = v5::MqttOptions::new(m.client_id.clone(), m.host.clone(), m.port);
            o.set_keep_alive(Duration::from_secs(15));
            o.set_clean_start(false);
            o.set_session_expiry_interval(Some(session_expiry_s));
            o.set_manual_acks(true);
            o.set_max_packet_size(Some(MAX_IN as u32));
            // As under 3.1.1 (rumqttc's default there). Left unset, rumqttc's MQTT 5 state keeps a
            // slot for 65,535 publishes in flight: 14 MiB per daemon for nothing.
            o.set_outgoing_inflight_upper_limit(100);
            let props = p5::LastWillProperties {
                delay_interval: None,
                payload_format_indicator: Some(1),
                message_expiry_interval: None,
                content_type: Some("application/json".into()),
                response_topic: None,
                correlation_data: None,
                user_properties: Vec::new(),
            };
            o.set_last_will(p5::LastWill::new(
                cfg.status_topic(),
                will,
                v5::mqttbytes::QoS::AtLeastOnce,
                true,
                Some(props),
            ));
            if let Some((u, pw)) = credentials {
                o.set_credentials(u, pw);
            }
            if let Some(t) = transport {
                o.set_transport(t);
            }
            Ok(Client::v5(o, 256, &DAEMON_HINTS))
        }
    }
}

fn tls_transport_of(cfg: &Config) -> Result<Transport, TlsError> {
    let m = &cfg.mqtt;
    let Some(ca) = &m.ca_file else {
        return Err(TlsError::NoCaFile);
    };
    tls_transport(ca, m.client_cert.as_ref().map(|(c, k)| (c.as_path(), k.as_path())))
}

/// A TLS transport trusting the CA in `ca` (PEM), with a client certificate and key when given:
/// the daemon's, and the command-line tools'.
pub fn tls_transport(
    ca: &std::path::Path,
    client: Option<(&std::path::Path, &std::path::Path)>,
) -> Result<Transport, TlsError> {
    use rustls::pki_types::pem::PemObject as _;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let _ = rustls::crypto::ring::default_provider().install_default();
    let read = |p: &std::path::Path, what: &'static str| {
        std::fs::read(p).map_err(|error| TlsError::Read {
            what,
            path: p.to_owned(),
            error,
        })
    };
    // Our own rustls configuration, its PEM read by rustls itself: rumqttc's `Simple` set-up
    // would read it with the unmaintained rustls-pemfile (RUSTSEC-2025-0134).
    let ca_path = ca;
    let ca = read(ca_path, "the CA file")?;
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(&ca) {
        let cert = cert.map_err(|error| TlsError::CaPem {
            path: ca_path.to_owned(),
            error,
        })?;
        roots.add(cert).map_err(|error| TlsError::CaRefused {
            path: ca_path.to_owned(),
            error,
        })?;
    }
    if roots.is_empty() {
        return Err(TlsError::NoCertificate {
            path: ca_path.to_owned(),
        });
    }
    let builder = rustls::ClientConfig::builder().with_root_certificates(roots);
    let config = match client {
        Some((c, k)) => {
            let certs = CertificateDer::pem_slice_iter(&read(c, "the client certificate")?)
                .collect::<Result<Vec<_>, _>>()
                .map_err(|error| TlsError::ClientCertificate {
                    path: c.to_owned(),
                    error,
                })?;
            let key =
                PrivateKeyDer::from_pem_slice(&read(k, "the client key")?).map_err(|error| TlsError::ClientKey {
                    path: k.to_owned(),
                    error,
                })?;
            builder
                .with_client_auth_cert(certs, key)
                .map_err(TlsError::ClientAuth)?
        }
        None => builder.with_no_client_auth(),
    };
    Ok(Transport::tls_with_config(TlsConfiguration::Rustls(
        std::sync::Arc::new(config),
    )))
}
