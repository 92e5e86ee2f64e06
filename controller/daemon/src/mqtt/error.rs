//! What can go wrong on the broker link before the network: a request the link did not take, and
//! the TLS set-up. Each error holds its cause in its message (and not again as a `source`, so a
//! chain printed with `{:#}` says it once).

use std::path::PathBuf;

use thiserror::Error;

/// The broker link did not take a publish, subscription or acknowledgement. (rumqttc's errors
/// hold the refused request, so they are boxed.)
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum RequestError {
    /// rumqttc's request queue (MQTT 3.1.1) refused it.
    #[error(
        "the MQTT request queue did not take it ({0}): it is full, or the link's event loop has stopped (it is \
         tried again; if this repeats, restart the daemon)"
    )]
    V311(Box<rumqttc::ClientError>),
    /// rumqttc's request queue (MQTT 5) refused it.
    #[error(
        "the MQTT 5 request queue did not take it ({0}): it is full, or the link's event loop has stopped (it is \
         tried again; if this repeats, restart the daemon)"
    )]
    V5(Box<rumqttc::v5::ClientError>),
    /// A receipt that does not serialise: a bug, never the sender's fault.
    #[error("cannot write the receipt as JSON ({0}); please report this as a bug")]
    Json(serde_json::Error),
}

/// The TLS set-up for `mqtts://` could not be made from the files given.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum TlsError {
    #[error("mqtts:// needs mqtt.ca_file (the broker's CA certificate, PEM)")]
    NoCaFile,
    #[error("cannot read {what} {}: {error}", path.display())]
    Read {
        what: &'static str,
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("the CA file {}: {error} (PEM certificates)", path.display())]
    CaPem {
        path: PathBuf,
        error: rustls::pki_types::pem::Error,
    },
    #[error("the CA file {}: {error}", path.display())]
    CaRefused { path: PathBuf, error: rustls::Error },
    #[error("the CA file {} holds no PEM certificate (-----BEGIN CERTIFICATE-----)", path.display())]
    NoCertificate { path: PathBuf },
    #[error("the client certificate {}: {error} (PEM)", path.display())]
    ClientCertificate {
        path: PathBuf,
        error: rustls::pki_types::pem::Error,
    },
    #[error("the client key {}: {error} (a PEM private key)", path.display())]
    ClientKey {
        path: PathBuf,
        error: rustls::pki_types::pem::Error,
    },
    #[error("the client certificate and key: {0}")]
    ClientAuth(rustls::Error),
}
