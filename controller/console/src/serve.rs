//! Serving the console: its listener, TLS and connection limits (a cap on connections, header,
//! idle and request timeouts), and the task the daemon's runtime supervises.

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::sync::{broadcast, watch};

use axum::Router;
use pinghu_daemon::CoreHandle;
use pinghu_daemon::core::Change;

use crate::auth::{self, Auth};
use crate::{AppState, hosts, router};

/// Why the console could not start or stopped; each says what to change.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConsoleError {
    #[error("console.cert_file {path}: {reason} (a PEM certificate chain)")]
    Certificate { path: String, reason: String },
    #[error("console.key_file {path}: {reason} (a PEM private key)")]
    Key { path: String, reason: String },
    #[error("the console's certificate and key do not fit together: {0}")]
    Mismatch(String),
    #[error("the console cannot listen on {addr}: {reason} (change console.listen)")]
    Listen { addr: SocketAddr, reason: String },
    #[error("{0}")]
    Users(String),
    #[error("the daemon's core has stopped")]
    CoreGone,
    #[error("a console task ended unexpectedly: {0}")]
    Task(String),
}

impl From<pinghu_daemon::CoreGone> for ConsoleError {
    fn from(_: pinghu_daemon::CoreGone) -> Self {
        Self::CoreGone
    }
}

impl From<tokio::task::JoinError> for ConsoleError {
    fn from(e: tokio::task::JoinError) -> Self {
        Self::Task(e.to_string())
    }
}

/// The TLS acceptor of a certificate chain and key (PEM files).
pub fn tls_acceptor(cert: &std::path::Path, key: &std::path::Path) -> Result<tokio_rustls::TlsAcceptor, ConsoleError> {
    use rustls::pki_types::pem::PemObject as _;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let _ = rustls::crypto::ring::default_provider().install_default();
    let certs = CertificateDer::pem_file_iter(cert)
        .and_then(Iterator::collect::<Result<Vec<_>, _>>)
        .map_err(|e| ConsoleError::Certificate {
            path: cert.display().to_string(),
            reason: e.to_string(),
        })?;
    let key = PrivateKeyDer::from_pem_file(key).map_err(|e| ConsoleError::Key {
        path: key.display().to_string(),
        reason: e.to_string(),
    })?;
    let config = rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| ConsoleError::Mismatch(e.to_string()))?;
    Ok(tokio_rustls::TlsAcceptor::from(Arc::new(config)))
}

/// The most connections the console holds open at once (every tab keeps one for its live events).
/// More wait in the system's queue until one closes: a crowd of idle sockets cannot take the
/// daemon's file descriptors, which its state, its log and its broker link need.
pub const MAX_CONNECTIONS: usize = 128;

/// The most of them one address holds (an IPv6 client counts by its /64): a client that opens
/// connections and never finishes a request, or keeps live views open, cannot take them all
/// and shut out the clerks at other addresses. Enough for a handful of clerks behind one
/// office address, each with a few tabs; more are answered 429 and closed at once.
pub const MAX_PER_ADDRESS: usize = 48;

/// Open connections by address.
#[derive(Debug, Default)]
struct PerAddress(std::sync::Mutex<std::collections::HashMap<std::net::IpAddr, usize>>);

/// One connection counted for its address until it closes.
#[derive(Debug)]
struct AddressSlot {
    counts: Arc<PerAddress>,
    key: std::net::IpAddr,
}

impl PerAddress {
    /// A slot for a connection from `ip`, or none when its address holds [`MAX_PER_ADDRESS`].
    /// The map has at most one entry per open connection, so it is bounded by the cap.
    fn take(self: &Arc<Self>, ip: std::net::IpAddr) -> Option<AddressSlot> {
        let key = crate::auth::login_key(ip);
        let mut m = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let n = m.entry(key).or_insert(0);
        if *n >= MAX_PER_ADDRESS {
            return None;
        }
        *n += 1;
        Some(AddressSlot {
            counts: Arc::clone(self),
            key,
        })
    }
}

impl Drop for AddressSlot {
    fn drop(&mut self) {
        let mut m = self.counts.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(n) = m.get_mut(&self.key) {
            *n -= 1;
            if *n == 0 {
                m.remove(&self.key);
            }
        }
    }
}

/// What a connection over its address's share is told before it is closed: the console's JSON
/// refusal, in one write that fits the socket's buffer.
fn too_many_answer() -> Vec<u8> {
    let r = crate::Refused::TooManyConnections;
    let body = serde_json::json!({"ok": false, "error": r.to_string(),
        "error_zh": r.words(crate::words::Lang::Zh)})
    .to_string();
    format!(
        "HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// A client has this long to send a request's headers (and a TLS client its handshake), on a new
/// connection as between the requests of a kept-alive one; then the connection is closed.
pub const HEADER_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// Serve HTTP/1.1 (HTTPS with `acceptor`): each connection in a task of its own, at most
/// [`MAX_CONNECTIONS`] at once and [`MAX_PER_ADDRESS`] from one address, each closed when its
/// client is silent for [`HEADER_TIMEOUT`],
/// until `shutdown` (open connections finish on their own).
async fn serve_connections(
    listener: tokio::net::TcpListener,
    acceptor: Option<tokio_rustls::TlsAcceptor>,
    app: Router,
    mut shutdown: watch::Receiver<bool>,
) -> Result<(), ConsoleError> {
    use tower_service::Service as _;
    let slots = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
    let per_address = Arc::new(PerAddress::default());
    let mut make = app.into_make_service_with_connect_info::<SocketAddr>();
    loop {
        if *shutdown.borrow() {
            return Ok(());
        }
        // A free slot first, then the next connection: beyond the cap, clients wait in the
        // listen queue rather than holding a descriptor here.
        let accepted = tokio::select! {
            a = async {
                let slot = Arc::clone(&slots).acquire_owned().await;
                (slot, listener.accept().await)
            } => Some(a),
            r = shutdown.changed() => {
                if r.is_err() {
                    return Ok(());
                }
                None
            }
        };
        let (slot, (tcp, addr)) = match accepted {
            None => continue,
            Some((Ok(slot), Ok(a))) => (slot, a),
            Some((Err(_), _)) => return Ok(()),
            Some((Ok(_), Err(e))) => {
                // Out of descriptors (EMFILE) or a connection reset before it was taken: wait a
                // little rather than spin on an error that repeats.
                tracing::warn!("console: cannot accept a connection: {e}");
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                continue;
            }
        };
        let Some(mine) = per_address.take(addr.ip()) else {
            // Best effort and never waiting: the answer fits the socket's empty send buffer.
            let _ = tcp.try_write(&too_many_answer());
            tracing::debug!("console: {addr} holds {MAX_PER_ADDRESS} connections already: refused");
            continue;
        };
        let Ok(svc) = make.call(addr).await;
        let acceptor = acceptor.clone();
        tokio::spawn(async move {
            let _slot = (slot, mine);
            let svc = hyper_util::service::TowerToHyperService::new(svc);
            let mut http = hyper::server::conn::http1::Builder::new();
            http.timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(HEADER_TIMEOUT);
            let served = match acceptor {
                Some(acceptor) => {
                    let tls = match tokio::time::timeout(HEADER_TIMEOUT, acceptor.accept(tcp)).await {
                        Ok(Ok(t)) => t,
                        Ok(Err(e)) => return tracing::debug!("console: TLS handshake with {addr} failed: {e}"),
                        Err(_) => return tracing::debug!("console: TLS handshake with {addr} timed out"),
                    };
                    http.serve_connection(hyper_util::rt::TokioIo::new(tls), svc)
                        .with_upgrades()
                        .await
                }
                None => {
                    http.serve_connection(hyper_util::rt::TokioIo::new(tcp), svc)
                        .with_upgrades()
                        .await
                }
            };
            if let Err(e) = served {
                tracing::debug!("console: connection from {addr}: {e}");
            }
        });
    }
}

/// Serve the console on `listener` until `shutdown` turns true (HTTPS with `tls`).
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    tls: Option<tokio_rustls::TlsAcceptor>,
    shutdown: watch::Receiver<bool>,
) -> Result<(), ConsoleError> {
    // Users added while the daemon runs can sign in within 2 s (run beside the server, so a
    // failure of either ends this task and the daemon's supervisor sees it).
    // Sessions begun or ended reach the disk within 2 s too.
    // An edit of the users file made outside the console (the command line on the cabinet, a
    // hand edit) goes to the audit log when it is read, as the console's own changes do.
    let auth = Arc::clone(&state.auth);
    let last = Arc::clone(&state.auth);
    let core = state.core.clone();
    let reload = async move {
        loop {
            tokio::time::sleep(std::time::Duration::from_secs(2)).await;
            let a = Arc::clone(&auth);
            let changes = tokio::task::spawn_blocking(move || {
                let changes = a.reload_if_changed();
                a.save_sessions(false);
                changes
            })
            .await
            .unwrap_or_default();
            if changes.is_empty() {
                continue;
            }
            let detail = serde_json::json!({"changes": changes});
            let audited = core
                .change(|reply| Change::AuditUsers {
                    who: "(users file)".to_owned(),
                    action: "console.users.file",
                    detail,
                    reply,
                })
                .await;
            if let Ok(Err(e)) = audited {
                tracing::error!("the users file's changes could not be written to the audit log: {e}");
            }
        }
    };
    let served = tokio::select! {
        r = serve_connections(listener, tls, router(state), shutdown) => r,
        () = reload => Ok(()),
    };
    // The sessions' idle clocks as they are at a stop.
    let _ = tokio::task::spawn_blocking(move || last.save_sessions(true)).await;
    served
}

/// How often a console that could not start (its port taken, its certificate or users file
/// unreadable) tries again.
pub const RETRY: std::time::Duration = std::time::Duration::from_secs(5);

/// The console for the daemon's lifetime. One that cannot start is reported (log, the status's
/// `console.error`) and tried again every [`RETRY`]: the board never waits for its console.
pub async fn run(
    c: pinghu_daemon::config::ConsoleConfig,
    cfg: pinghu_daemon::config::Config,
    core: CoreHandle,
    live: broadcast::Sender<String>,
    card: (
        tokio::sync::mpsc::Sender<pinghu_daemon::driver::CardRequest>,
        pinghu_daemon::card::link::TraceRing,
    ),
    mut shutdown: watch::Receiver<bool>,
) -> Result<(), ConsoleError> {
    let mut failed: Option<ConsoleError> = None;
    loop {
        match start(&c, &cfg, core.clone(), live.clone(), card.clone(), shutdown.clone()).await {
            Ok(serve) => {
                if failed.is_some() {
                    tracing::info!("the console started after all");
                    core.tell(Change::ConsoleError(None))?;
                }
                return serve.await;
            }
            Err(e) => {
                if failed.as_ref() != Some(&e) {
                    tracing::error!(
                        "{e}; the board runs on without the console, which tries again every {} s",
                        RETRY.as_secs()
                    );
                    core.tell(Change::ConsoleError(Some(e.to_string())))?;
                }
                failed = Some(e);
                tokio::select! {
                    _ = shutdown.wait_for(|s| *s) => return Ok(()),
                    () = tokio::time::sleep(RETRY) => {}
                }
            }
        }
    }
}

/// Bind the console's address, load its users and certificate, and say where it is (the log,
/// and `DATA_DIR/console-address`); the returned future serves it until `shutdown`.
pub async fn start(
    c: &pinghu_daemon::config::ConsoleConfig,
    cfg: &pinghu_daemon::config::Config,
    core: CoreHandle,
    live: broadcast::Sender<String>,
    (card, trace): (
        tokio::sync::mpsc::Sender<pinghu_daemon::driver::CardRequest>,
        pinghu_daemon::card::link::TraceRing,
    ),
    shutdown: watch::Receiver<bool>,
) -> Result<impl std::future::Future<Output = Result<(), ConsoleError>> + use<>, ConsoleError> {
    let listen = |e: std::io::Error| ConsoleError::Listen {
        addr: c.listen,
        reason: e.to_string(),
    };
    let listener = tokio::net::TcpListener::bind(c.listen).await.map_err(listen)?;
    let addr = listener.local_addr().map_err(listen)?;
    let (users_file, sessions_file) = (c.users_file.clone(), cfg.data_dir.join(auth::SESSIONS_FILE));
    // The users, and the sessions still open when the daemon stopped: files, read off the runtime.
    let auth = tokio::task::spawn_blocking(move || {
        auth::Users::load(&users_file).map(|users| Auth::new(users_file, users, Some(sessions_file)))
    })
    .await?
    .map_err(|e| ConsoleError::Users(e.to_string()))?;
    if auth.no_users() {
        tracing::warn!(
            "the console has no users yet: add one with `pinghu console adduser NAME --role admin --users {}`",
            c.users_file.display()
        );
    }
    let tls = match &c.tls {
        Some((cert, key)) => {
            let (cert, key) = (cert.clone(), key.clone());
            Some(tokio::task::spawn_blocking(move || tls_acceptor(&cert, &key)).await??)
        }
        None => None,
    };
    if c.insecure_http && tls.is_none() {
        tracing::warn!(
            "the console serves plain HTTP on {addr} (console.insecure_http = true): passwords cross the network unencrypted"
        );
    }
    let scheme = if tls.is_some() { "https" } else { "http" };
    tracing::info!("console {scheme}://{addr}");
    let note = cfg.data_dir.join("console-address");
    let _ = tokio::fs::write(&note, format!("{scheme}://{addr}\n")).await;
    let state = AppState {
        core,
        auth: Arc::new(auth),
        live,
        card,
        trace,
        screen: cfg.screen.clone(),
        secure: tls.is_some(),
        hosts: Arc::new(hosts::HostRule::new(addr, &c.hosts)),
        held: Arc::default(),
    };
    Ok(serve(listener, state, tls, shutdown))
}
