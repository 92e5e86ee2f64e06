//! The operators' console: a web server inside the daemon (axum), with pages rendered on the
//! server (maud) and a little plain JavaScript, in Chinese with an English switch. The pages use
//! the same JSON API (`/api/v1`) that scripts can call with an API token.
//!
//! * `auth`: users, roles, sessions, CSRF tokens, the login limit;
//! * `api`: the JSON API and the live events (server-sent events);
//! * `pages`: the HTML pages; `words` their strings in both languages and times in the board's
//!   zone; `timeline` the playlist's week as SVG. The messages the pages show come in Chinese
//!   from where they are made: the playlist checker's typed problems (`message_zh`) and the
//!   status's `_zh` twins, written by the daemon from typed values.
//!
//! Every handler reaches the daemon's state through [`CoreHandle`]: reads and changes run on the
//! core thread, so the console never races the scheduler and holds no lock across I/O.

pub mod api;
mod check;
pub mod hosts;
pub use check::check;
pub mod auth;
pub mod pages;
mod refused;
pub use refused::{BodyProblem, BytesBody, JsonBody, Needs, Refused, TextBody};
pub mod timeline;
pub mod words;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode, header};
use tokio::sync::{broadcast, watch};

use crate::auth::{Auth, Role, TokenRefused};
use pinghu_daemon::CoreHandle;
use pinghu_daemon::core::Change;

/// The cookie of a browser session.
pub const SESSION_COOKIE: &str = "pinghu_session";

/// What every handler shares.
#[derive(Debug, Clone)]
pub struct AppState {
    pub core: CoreHandle,
    pub auth: Arc<Auth>,
    /// Live events from the core (JSON lines: frames, receipts, status changes).
    pub live: broadcast::Sender<String>,
    /// The driver, for the technicians' card operations.
    pub card: tokio::sync::mpsc::Sender<pinghu_daemon::driver::CardRequest>,
    /// The driver's recent exchanges with the card.
    pub trace: pinghu_daemon::card::link::TraceRing,
    pub screen: String,
    /// Served over HTTPS: cookies are `Secure`.
    pub secure: bool,
    /// The names it answers to.
    pub hosts: Arc<hosts::HostRule>,
    /// The texts the form edits against, by their SHA-256 (bounded).
    pub held: Arc<api::Held>,
}

impl FromRef<AppState> for Arc<Auth> {
    fn from_ref(s: &AppState) -> Self {
        Arc::clone(&s.auth)
    }
}

/// The signed-in caller of a request: a browser session or an API token.
#[derive(Debug, Clone)]
pub struct Caller {
    pub name: String,
    pub role: Role,
    /// The session's CSRF token (`None` for API tokens, which need none).
    pub csrf: Option<String>,
}

impl Caller {
    /// How the audit log names the caller.
    pub fn who(&self) -> String {
        if self.csrf.is_some() {
            self.name.clone()
        } else {
            format!("token:{}", self.name)
        }
    }
}

/// The value of cookie `name`.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

#[axum::async_trait]
impl<S> FromRequestParts<S> for Caller
where
    Arc<Auth>: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Refused;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let auth = Arc::<Auth>::from_ref(state);
        if let Some(token) = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
        {
            let (name, role) = auth.token(token.trim()).map_err(|e| match e {
                TokenRefused::Unknown => Refused::UnknownToken,
                TokenRefused::Disabled { name } => Refused::UserDisabled { name },
            })?;
            return Ok(Self { name, role, csrf: None });
        }
        let session = cookie(&parts.headers, SESSION_COOKIE)
            .and_then(|id| auth.session(id))
            .ok_or(Refused::NotSignedIn)?;
        // A browser's changes carry the session's CSRF token in a header: a page of another site
        // cannot read it, so it cannot forge the request. And a browser says where a request
        // comes from: a change sent from a page of another site (its Origin is not this
        // console's Host) is refused whatever it carries.
        if parts.method != Method::GET && parts.method != Method::HEAD {
            if let Some(origin) = parts.headers.get(axum::http::header::ORIGIN) {
                let host = parts
                    .headers
                    .get(axum::http::header::HOST)
                    .and_then(|h| h.to_str().ok());
                let from = origin.to_str().ok().and_then(|o| o.split_once("://")).map(|(_, a)| a);
                if from.is_none() || from != host {
                    return Err(Refused::OtherSite);
                }
            }
            let sent = parts.headers.get("x-csrf-token").and_then(|v| v.to_str().ok());
            if sent != Some(session.csrf.as_str()) {
                return Err(Refused::Csrf);
            }
        }
        Ok(Self {
            name: session.user,
            role: session.role,
            csrf: Some(session.csrf),
        })
    }
}

/// The console's routes.
pub fn router(state: AppState) -> Router {
    let secure = state.secure;
    let hosts = Arc::clone(&state.hosts);
    api::routes()
        .merge(pages::routes())
        .with_state(state)
        .layer(axum::middleware::from_fn(
            move |req: axum::extract::Request, next: axum::middleware::Next| {
                let hosts = Arc::clone(&hosts);
                async move {
                    let host = req
                        .headers()
                        .get(axum::http::header::HOST)
                        .and_then(|h| h.to_str().ok())
                        .unwrap_or_default()
                        .to_owned();
                    if hosts.allows(&host) {
                        next.run(req).await
                    } else {
                        use axum::response::IntoResponse as _;
                        (
                            StatusCode::MISDIRECTED_REQUEST,
                            format!(
                                "this console does not answer to the name {host:?}: use its address (or a name in \
                                 console.hosts)\n此控制台不接受名称 {host:?} 的访问：请使用其地址（或 console.hosts 中的名称）\n"
                            ),
                        )
                            .into_response()
                    }
                }
            },
        ))
        .layer(axum::middleware::map_response(move |r| async move {
            guard_headers(r, secure)
        }))
}

/// What a browser may do with the console's answers: scripts, styles, pictures and requests
/// from the console itself only (previews are `data:` pictures), never inside another site's
/// frame, no guessing of content types, no address sent to other sites, nothing kept in a shared
/// cache; under HTTPS, HTTPS only from then on (HSTS).
fn guard_headers(mut r: axum::response::Response, secure: bool) -> axum::response::Response {
    use axum::http::{HeaderValue, header};
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; \
             connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
        ),
    );
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if secure {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
        // Under HTTPS every cookie (the session's, the sign-in form's) is sent over HTTPS only.
        let cookies: Vec<HeaderValue> = h.get_all(header::SET_COOKIE).iter().cloned().collect();
        if !cookies.is_empty() {
            h.remove(header::SET_COOKIE);
            for c in cookies {
                let text = c.to_str().unwrap_or_default();
                let secured = if text.contains("; Secure") {
                    Some(c.clone())
                } else {
                    HeaderValue::from_str(&format!("{text}; Secure")).ok()
                };
                h.append(header::SET_COOKIE, secured.unwrap_or(c));
            }
        }
    }
    r
}

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

/// A client has this long to send a request's headers (and a TLS client its handshake), on a new
/// connection as between the requests of a kept-alive one; then the connection is closed.
pub const HEADER_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// Serve HTTP/1.1 (HTTPS with `acceptor`): each connection in a task of its own, at most
/// [`MAX_CONNECTIONS`] at once, each closed when its client is silent for [`HEADER_TIMEOUT`],
/// until `shutdown` (open connections finish on their own).
async fn serve_connections(
    listener: tokio::net::TcpListener,
    acceptor: Option<tokio_rustls::TlsAcceptor>,
    app: Router,
    mut shutdown: watch::Receiver<bool>,
) -> Result<(), ConsoleError> {
    use tower_service::Service as _;
    let slots = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
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
        let Ok(svc) = make.call(addr).await;
        let acceptor = acceptor.clone();
        tokio::spawn(async move {
            let _slot = slot;
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
    let auth = Arc::clone(&state.auth);
    let last = Arc::clone(&state.auth);
    let reload = async move {
        loop {
            tokio::time::sleep(std::time::Duration::from_secs(2)).await;
            let a = Arc::clone(&auth);
            let _ = tokio::task::spawn_blocking(move || {
                a.reload_if_changed();
                a.save_sessions(false);
            })
            .await;
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
