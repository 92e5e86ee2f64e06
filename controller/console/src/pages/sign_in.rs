//! Signing in and out of the console: the sign-in form (with its own cookie against a forged
//! cross-site sign-in), the password or token check off the async workers, the session cookie.

use std::net::{IpAddr, SocketAddr};

use axum::Form;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use serde::Deserialize;

use pinghu_daemon::core::Change;

use super::{LangQuery, lang, page, with_lang};
use crate::auth::{CodeRefused, SignedIn};
use crate::words::{Lang, t};
use crate::{AppState, SESSION_COOKIE, cookie};

pub(super) async fn login_page(Query(q): Query<LangQuery>, headers: HeaderMap) -> Response {
    login_form(lang(&q, &headers), None, &q)
}

/// The cookie of the sign-in form's CSRF token (the form carries the same value).
const LOGIN_COOKIE: &str = "pinghu_login";

fn login_form(l: Lang, error: Option<&str>, q: &LangQuery) -> Response {
    with_login_cookie(l, q, |csrf| {
        html! {
        h1 { (t(l, "signin")) }
        @if let Some(e) = error { p.error role="alert" { (e) } }
        form.login method="post" action="/login" {
            input type="hidden" name="csrf" value=(csrf);
            label { (t(l, "user")) input name="name" autocomplete="username"; }
            label { (t(l, "password")) input name="password" type="password" autocomplete="current-password"; }
            label { (t(l, "token")) input name="token" type="password"; }
            button type="submit" { (t(l, "signin")) }
        }
        }
    })
}

/// The second step of a sign-in: the code of the user's authenticator app, for the token of the
/// password's step.
fn code_form(l: Lang, pending: &str, error: Option<&str>, q: &LangQuery) -> Response {
    with_login_cookie(l, q, |csrf| {
        html! {
            h1 { (t(l, "two_step")) }
            @if let Some(e) = error { p.error role="alert" { (e) } }
            p.note { (t(l, "code_hint")) }
            form.login #code-form method="post" action="/login" {
                input type="hidden" name="csrf" value=(csrf);
                input type="hidden" name="pending" value=(pending);
                label { (t(l, "code")) input name="code" inputmode="numeric" autocomplete="one-time-code"
                    pattern="[0-9 ]{6,7}" maxlength="7" required autofocus; }
                button type="submit" { (t(l, "verify_code")) }
            }
            p { a href="/login" { (t(l, "back_to_sign_in")) } }
        }
    })
}

/// A sign-in page (`body` given the form's token) with the cookie of its token.
fn with_login_cookie(l: Lang, q: &LangQuery, body: impl FnOnce(&str) -> maud::Markup) -> Response {
    let Ok(csrf) = crate::auth::random_token() else {
        return crate::Refused::Fault(crate::Fault::Random).page();
    };
    let body = body(&csrf);
    let mut r = with_lang(q, page(l, None, t(l, "signin"), &body));
    if let Ok(v) = format!("{LOGIN_COOKIE}={csrf}; Path=/login; HttpOnly; SameSite=Strict").parse() {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    token: String,
    /// The form's CSRF token (the same as its cookie).
    #[serde(default)]
    csrf: String,
    /// The second step's token, with its code.
    #[serde(default)]
    pending: String,
    #[serde(default)]
    code: String,
}

pub(super) async fn login(
    State(s): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Response {
    let q = LangQuery { lang: None };
    let l = lang(&q, &headers);
    let ip = addr.ip();
    // The form must come from our own sign-in page (a forged cross-site sign-in has no cookie).
    if f.csrf.is_empty() || cookie(&headers, LOGIN_COOKIE) != Some(f.csrf.as_str()) {
        let mut r = login_form(l, Some(t(l, "expired")), &q);
        *r.status_mut() = StatusCode::FORBIDDEN;
        return r;
    }
    if !f.pending.is_empty() {
        return second_step(&s, ip, l, &q, f).await;
    }
    let name = if f.token.trim().is_empty() {
        f.name.clone()
    } else {
        String::new()
    };
    if s.auth.limited(ip, &name) {
        let mut r = login_form(l, Some(t(l, "limited")), &q);
        *r.status_mut() = StatusCode::TOO_MANY_REQUESTS;
        return r;
    }
    let auth = std::sync::Arc::clone(&s.auth);
    // argon2 takes its time on purpose: off the async workers, and at most MAX_HASHING at once
    // (a crowd of sign-ins waits here, not in front of the board's own work).
    let Ok(_permit) = s.auth.hashing.acquire().await else {
        return login_form(l, Some(t(l, "bad_login")), &q);
    };
    let session = tokio::task::spawn_blocking(move || {
        if f.token.trim().is_empty() {
            auth.sign_in(ip, &f.name, &f.password)
        } else {
            auth.login_with_token(ip, f.token.trim())
                .map(|(id, s)| SignedIn::Open(id, s))
                .ok_or(crate::auth::SignInRefused::Wrong)
        }
    })
    .await
    .unwrap_or(Err(crate::auth::SignInRefused::Wrong));
    // Sign-ins and lock-outs go to the audit log (a lock-out once, when a failure reaches it).
    let audit = |who: String, locked: bool| {
        let _ = s.core.tell(Change::SignIn {
            who,
            address: ip,
            locked,
        });
    };
    match &session {
        Ok(SignedIn::Open(_, opened)) => audit(opened.user.clone(), false),
        Ok(SignedIn::NeedsCode { .. }) => {}
        Err(crate::auth::SignInRefused::Wrong) if s.auth.limited(ip, &name) => audit(name.clone(), true),
        Err(_) => {}
    }
    match session {
        Err(crate::auth::SignInRefused::Limited) => {
            let mut r = login_form(l, Some(t(l, "limited")), &q);
            *r.status_mut() = StatusCode::TOO_MANY_REQUESTS;
            r
        }
        Ok(SignedIn::Open(id, _)) => signed_in(&s, &id),
        Ok(SignedIn::NeedsCode { pending }) => code_form(l, &pending, None, &q),
        Err(crate::auth::SignInRefused::Wrong) => {
            let mut r = login_form(l, Some(t(l, "bad_login")), &q);
            *r.status_mut() = StatusCode::UNAUTHORIZED;
            r
        }
    }
}

/// The session's cookie, and on to the board.
fn signed_in(s: &AppState, id: &str) -> Response {
    let mut r = Redirect::to("/board").into_response();
    let secure = if s.secure { "; Secure" } else { "" };
    if let Ok(v) = format!("{SESSION_COOKIE}={id}; Path=/; HttpOnly; SameSite=Strict{secure}").parse() {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    r
}

/// The code of a sign-in's second step. A wrong code counts as a failed sign-in and goes to the
/// audit log (`console.totp.failed`, never the code); the form comes back while the step waits.
async fn second_step(s: &AppState, ip: IpAddr, l: Lang, q: &LangQuery, f: LoginForm) -> Response {
    let auth = std::sync::Arc::clone(&s.auth);
    let pending = f.pending.clone();
    // (The code's check is short; a right one writes the users file.)
    let checked = tokio::task::spawn_blocking(move || auth.second_step(ip, &f.pending, &f.code))
        .await
        .unwrap_or(Err(CodeRefused::Expired));
    match checked {
        Ok((id, opened)) => {
            let _ = s.core.tell(Change::SignIn {
                who: opened.user,
                address: ip,
                locked: false,
            });
            signed_in(s, &id)
        }
        Err(CodeRefused::Wrong(user)) => {
            let audited = s
                .core
                .change(|reply| Change::AuditUsers {
                    who: user.clone(),
                    action: "console.totp.failed",
                    detail: serde_json::json!({"user": user, "address": ip.to_string()}),
                    reply,
                })
                .await;
            if !matches!(audited, Ok(Ok(()))) {
                tracing::error!("cannot write a wrong TOTP code of {user} to the audit log");
            }
            if s.auth.limited(ip, &user) {
                let _ = s.core.tell(Change::SignIn {
                    who: user,
                    address: ip,
                    locked: true,
                });
            }
            let mut r = if s.auth.pending_user(&pending).is_some() {
                code_form(l, &pending, Some(t(l, "bad_code")), q)
            } else {
                login_form(l, Some(t(l, "bad_code_again")), q)
            };
            *r.status_mut() = StatusCode::UNAUTHORIZED;
            r
        }
        Err(CodeRefused::Limited(_)) => {
            let mut r = login_form(l, Some(t(l, "limited")), q);
            *r.status_mut() = StatusCode::TOO_MANY_REQUESTS;
            r
        }
        Err(CodeRefused::Expired) => {
            let mut r = login_form(l, Some(t(l, "code_expired")), q);
            *r.status_mut() = StatusCode::UNAUTHORIZED;
            r
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct LogoutForm {
    #[serde(default)]
    csrf: String,
}

pub(super) async fn logout(State(s): State<AppState>, headers: HeaderMap, Form(f): Form<LogoutForm>) -> Response {
    if let Some(id) = cookie(&headers, SESSION_COOKIE) {
        // Only the session's own page can sign it out.
        if s.auth.session(id).is_some_and(|sess| sess.csrf == f.csrf) {
            s.auth.logout(id);
        } else {
            return crate::Refused::Csrf.page();
        }
    }
    let mut r = Redirect::to("/login").into_response();
    if let Ok(v) = format!("{SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict").parse() {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    r
}
