//! The console's users in the API, for admins: the list, and typed changes (add, role,
//! password, disable, enable, remove, a new token, tokens revoked), each written to the audit
//! log before it is made.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use pinghu_daemon::core::Change;

use super::gone;
use crate::auth::{Role, UserChange};
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

/// One change to the users; `{"ok": true, "done": "done"}` or `{"ok": true, "done": "token",
/// "token"}` (shown once); 422 `{"ok": false, "error", "error_zh"}` when refused (nothing changed).
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
        Ok(Ok(answer)) => {
            let mut v = serde_json::to_value(answer).unwrap_or_default();
            v["ok"] = true.into();
            Json(v).into_response()
        }
        Ok(Err(e)) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(json!({"ok": false, "error": e.to_string(), "error_zh": e.zh()})),
        )
            .into_response(),
        Err(_) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            "the change stopped half way: nothing was saved",
        )
            .into_response(),
    }
}
