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
pub use refused::{
    BodyProblem, BytesBody, Fault, JsonBody, Missing, Needs, QueryArgs, QueryProblem, Refused, TextBody,
};
mod serve;
pub use serve::{ConsoleError, run, serve, start, tls_acceptor};
pub mod timeline;
pub mod words;

use std::sync::Arc;

use axum::Router;
use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode, header};
use tokio::sync::broadcast;

use crate::auth::{Auth, Role, TokenRefused};
use pinghu_daemon::CoreHandle;

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
            guard_headers(unrouted(r), secure)
        }))
}

/// The router's own empty answers (no route, a method the route does not take) as the console's
/// JSON refusal, the `Allow` header kept.
fn unrouted(r: axum::response::Response) -> axum::response::Response {
    use axum::response::IntoResponse as _;
    if r.headers().contains_key(header::CONTENT_TYPE) {
        return r;
    }
    let refused = match r.status() {
        StatusCode::NOT_FOUND => Refused::NotFound(Missing::Address),
        StatusCode::METHOD_NOT_ALLOWED => Refused::Method,
        _ => return r,
    };
    let mut answer = refused.into_response();
    if let Some(allow) = r.headers().get(header::ALLOW) {
        answer.headers_mut().insert(header::ALLOW, allow.clone());
    }
    answer
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
