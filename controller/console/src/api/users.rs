//! The console's users in the API, for admins: the list, and typed changes (add, role,
//! password, disable, enable, remove, a new token, tokens revoked), each written to the audit
//! log before it is made.

use axum::Json;
use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use pinghu_daemon::core::Change;

use super::gone;
use crate::auth::{AuthError, Role, TotpChange, UserChange, UserChanged};
use crate::{AppState, Caller, JsonBody, Needs, Refused};

fn admin(c: &Caller) -> Result<(), Refused> {
    if c.role == Role::Admin {
        Ok(())
    } else {
        Err(Refused::NeedsRole {
            needs: Needs::Users,
            has: c.role,
        })
    }
}

/// The users: name, role, disabled, how many API tokens.
pub(super) async fn users(State(s): State<AppState>, caller: Caller) -> Response {
    if let Err(r) = admin(&caller) {
        return r.into_response();
    }
    Json(s.auth.user_list()).into_response()
}

/// One change to the users; `{"ok": true}`, or `{"ok": true, "token"}` for a new token (shown
/// once); 422 `{"ok": false, "error", "error_zh"}` when refused (nothing changed).
pub(super) async fn change_user(
    State(s): State<AppState>,
    caller: Caller,
    JsonBody(change): JsonBody<UserChange>,
) -> Response {
    if let Err(r) = admin(&caller) {
        return r.into_response();
    }
    let audited = s
        .core
        .change(|reply| Change::AuditUsers {
            who: caller.name.clone(),
            action: change.action(),
            detail: change.detail(),
            reply,
        })
        .await;
    match audited {
        Err(_) => return gone(),
        Ok(Err(e)) => {
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                Json(
                    json!({"ok": false, "error": format!("not done: the audit log cannot be written ({e})"),
                            "error_zh": format!("未执行：无法写入审计日志（{e}）")}),
                ),
            )
                .into_response();
        }
        Ok(Ok(())) => {}
    }
    let auth = std::sync::Arc::clone(&s.auth);
    let by = caller.name.clone();
    let done = tokio::task::spawn_blocking(move || auth.change_users(&by, &change)).await;
    match done {
        Ok(Ok(UserChanged::Done)) => Json(json!({"ok": true})).into_response(),
        Ok(Ok(UserChanged::Token { token })) => Json(json!({"ok": true, "token": token})).into_response(),
        Ok(Err(e)) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(json!({"ok": false, "error": e.to_string(), "error_zh": e.zh()})),
        )
            .into_response(),
        Err(_) => Refused::Fault(crate::Fault::HalfDone).into_response(),
    }
}

/// A refused change: 422 with the reason in both languages (nothing changed); 429 when codes are
/// refused for a while.
fn refused(e: &AuthError) -> Response {
    let status = match e {
        AuthError::CodeLimited => StatusCode::TOO_MANY_REQUESTS,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    };
    (
        status,
        Json(json!({"ok": false, "error": e.to_string(), "error_zh": e.zh()})),
    )
        .into_response()
}

/// Write `action` about `user` to the audit log (never a secret or a code); `Err` the answer
/// when it cannot be written (then nothing is done).
async fn audit(s: &AppState, who: String, action: &'static str, detail: serde_json::Value) -> Result<(), Response> {
    match s
        .core
        .change(|reply| Change::AuditUsers {
            who,
            action,
            detail,
            reply,
        })
        .await
    {
        Err(_) => Err(gone()),
        Ok(Err(e)) => Err((
            StatusCode::INTERNAL_SERVER_ERROR,
            Json(
                json!({"ok": false, "error": format!("not done: the audit log cannot be written ({e})"),
                        "error_zh": format!("未执行：无法写入审计日志（{e}）")}),
            ),
        )
            .into_response()),
        Ok(Ok(())) => Ok(()),
    }
}

/// Run blocking auth work (a file write, an HMAC) off the async workers; its refusal as an
/// error, or the answer when the work stopped half way.
async fn blocking_raw<T: Send + 'static>(
    s: &AppState,
    f: impl FnOnce(&crate::auth::Auth) -> Result<T, AuthError> + Send + 'static,
) -> Result<Result<T, AuthError>, Response> {
    let auth = std::sync::Arc::clone(&s.auth);
    tokio::task::spawn_blocking(move || f(&auth))
        .await
        .map_err(|_| Refused::Fault(crate::Fault::HalfDone).into_response())
}

/// [`blocking_raw`], a refusal answered as 422.
async fn blocking<T: Send + 'static>(
    s: &AppState,
    f: impl FnOnce(&crate::auth::Auth) -> Result<T, AuthError> + Send + 'static,
) -> Result<T, Response> {
    blocking_raw(s, f).await?.map_err(|e| refused(&e))
}

/// A code checked: its step, or the answer (a wrong code audited as `console.totp.failed`,
/// with the address, never the code).
async fn code_checked(
    s: &AppState,
    who: &str,
    user: &str,
    ip: std::net::IpAddr,
    during: &str,
    f: impl FnOnce(&crate::auth::Auth) -> Result<u64, AuthError> + Send + 'static,
) -> Result<u64, Response> {
    match blocking_raw(s, f).await? {
        Ok(step) => Ok(step),
        Err(e) => {
            if matches!(e, AuthError::WrongCode) {
                let detail = json!({"user": user, "address": ip.to_string(), "during": during});
                audit(s, who.to_owned(), "console.totp.failed", detail).await?;
            }
            Err(refused(&e))
        }
    }
}

/// Two-step sign-in (TOTP) for admins: `begin` (a new secret for yourself: `{"ok": true,
/// "secret", "uri", "qr_svg"}`), `confirm` with its first `code`, `disable` your own with a
/// current `code`, `reset` another user's (`name`). Enabled, disabled, reset and wrong codes are
/// audited (`console.totp.enable`, `.disable`, `.reset`, `.failed`); a wrong code counts as a
/// failed sign-in from the caller's address.
pub(super) async fn totp(
    State(s): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    caller: Caller,
    JsonBody(change): JsonBody<TotpChange>,
) -> Response {
    if let Err(r) = admin(&caller) {
        return r.into_response();
    }
    let (me, ip) = (caller.name.clone(), addr.ip());
    let who = caller.who();
    let done = match change {
        TotpChange::Begin => {
            let name = me.clone();
            return match blocking(&s, move |a| a.totp_begin(&name)).await {
                Ok(e) => {
                    Json(json!({"ok": true, "secret": e.secret, "uri": e.uri, "qr_svg": e.qr_svg})).into_response()
                }
                Err(r) => r,
            };
        }
        TotpChange::Confirm { code } => {
            let name = me.clone();
            let step =
                match code_checked(&s, &who, &me, ip, "enable", move |a| a.totp_check_new(ip, &name, &code)).await {
                    Ok(step) => step,
                    Err(r) => return r,
                };
            if let Err(r) = audit(&s, who, "console.totp.enable", json!({"user": me})).await {
                return r;
            }
            blocking(&s, move |a| a.totp_enable(&me, step)).await
        }
        TotpChange::Disable { code } => {
            let name = me.clone();
            if let Err(r) = code_checked(&s, &who, &me, ip, "disable", move |a| a.totp_check(ip, &name, &code)).await {
                return r;
            }
            if let Err(r) = audit(&s, who, "console.totp.disable", json!({"user": me})).await {
                return r;
            }
            blocking(&s, move |a| a.totp_off(&me)).await
        }
        TotpChange::Reset { name } => {
            if !pinghu_daemon::config::valid_name(&name) {
                return refused(&AuthError::BadName(name));
            }
            if name == me {
                return refused(&AuthError::TotpResetYourself);
            }
            if let Err(r) = audit(&s, who, "console.totp.reset", json!({"user": name})).await {
                return r;
            }
            blocking(&s, move |a| a.totp_off(&name)).await
        }
    };
    match done {
        Ok(()) => Json(json!({"ok": true})).into_response(),
        Err(r) => r,
    }
}
