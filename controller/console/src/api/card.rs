//! The technicians' card operations in the API: ping, the card's recent exchanges, test
//! patterns, and the brightness and power overrides; each checked against the caller's role and
//! written to the audit log before it is done.

use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::gone;
use crate::{AppState, Caller, JsonBody, Needs, Refused};
use pinghu_daemon::core::Change;

fn technician(c: &Caller) -> Result<(), Refused> {
    if c.role.controls_the_card() {
        Ok(())
    } else {
        Err(Refused::NeedsRole {
            needs: Needs::Card,
            has: c.role,
        })
    }
}

/// Ask the driver; 200 with its answer, 502 when the card failed.
async fn card_op(s: &AppState, op: pinghu_daemon::driver::CardOp) -> Response {
    let (reply, rx) = tokio::sync::oneshot::channel();
    if s.card
        .send(pinghu_daemon::driver::CardRequest { op, reply })
        .await
        .is_err()
    {
        return gone();
    }
    match tokio::time::timeout(Duration::from_secs(60), rx).await {
        Ok(Ok(Ok(done))) => {
            use pinghu_playlists::Bilingual as _;
            Json(json!({"ok": true, "message": done.to_string(), "message_zh": done.zh()})).into_response()
        }
        Ok(Ok(Err(e))) => refused(StatusCode::BAD_GATEWAY, &e),
        // The driver is between links (reconnecting): it answers once the card is back.
        _ => (
            StatusCode::GATEWAY_TIMEOUT,
            Json(
                json!({"ok": false, "error": "the card link is down; try again when the status says link up",
                        "error_zh": "与控制卡的连接已断开：请在状态显示“正常”后重试"}),
            ),
        )
            .into_response(),
    }
}

/// A technician's change the core did not make: why, in English and in Chinese.
fn refused(code: StatusCode, e: &(impl pinghu_playlists::Bilingual + ?Sized)) -> Response {
    (
        code,
        Json(json!({"ok": false, "error": e.to_string(), "error_zh": e.zh()})),
    )
        .into_response()
}

async fn audit(s: &AppState, who: String, action: &'static str, detail: Value) -> Result<(), Response> {
    let change = |reply| Change::AuditCard {
        who,
        action,
        detail,
        reply,
    };
    match s.core.change(change).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(refused(StatusCode::INTERNAL_SERVER_ERROR, &e)),
        Err(_) => Err(gone()),
    }
}

pub(super) async fn ping(State(s): State<AppState>, caller: Caller) -> Response {
    if let Err(r) = technician(&caller) {
        return r.into_response();
    }
    if let Err(r) = audit(&s, caller.who(), "card.ping", json!(null)).await {
        return r;
    }
    card_op(&s, pinghu_daemon::driver::CardOp::Ping).await
}

/// The driver's recent exchanges with the card (the last 200 lines), raw and decoded, as
/// `pinghu diag trace` shows them.
pub(super) async fn trace(State(s): State<AppState>, caller: Caller) -> Response {
    if let Err(r) = technician(&caller) {
        return r.into_response();
    }
    let lines = s.trace.lines();
    // Decoding is CPU work: off the async workers.
    let decoded = tokio::task::spawn_blocking(move || {
        let text = lines.join("\n");
        let decoded = if lines.is_empty() {
            String::new()
        } else {
            pinghu_daemon::card::wire::decode(&text, false).map_or_else(|e| e.to_string(), |(d, _)| d.output)
        };
        (lines, decoded)
    })
    .await;
    match decoded {
        Ok((lines, decoded)) => Json(json!({"lines": lines, "decoded": decoded})).into_response(),
        Err(_) => Refused::Fault(crate::Fault::Trace).into_response(),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct PatternBody {
    name: String,
}

pub(super) async fn pattern(State(s): State<AppState>, caller: Caller, JsonBody(b): JsonBody<PatternBody>) -> Response {
    if let Err(r) = technician(&caller) {
        return r.into_response();
    }
    if !pinghu_daemon::card::pattern::PATTERNS.contains(&b.name.as_str()) {
        return Refused::NoPattern { name: b.name }.into_response();
    }
    if let Err(r) = audit(&s, caller.who(), "card.pattern", json!({"name": b.name})).await {
        return r;
    }
    card_op(&s, pinghu_daemon::driver::CardOp::Pattern(b.name)).await
}

/// A misspelt field (`brightnes`) is refused, not ignored: a script must not believe a change
/// was made that was not.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct OverrideBody {
    brightness: Option<u8>,
    power: Option<bool>,
    /// How long; default an hour.
    minutes: Option<u32>,
}

pub(super) async fn set_override(
    State(s): State<AppState>,
    caller: Caller,
    JsonBody(b): JsonBody<OverrideBody>,
) -> Response {
    if let Err(r) = technician(&caller) {
        return r.into_response();
    }
    let who = caller.who();
    let r = s
        .core
        .change(|reply| Change::SetOverride {
            brightness: b.brightness,
            power: b.power,
            minutes: b.minutes.unwrap_or(60),
            who,
            reply,
        })
        .await;
    match r {
        Ok(Ok(o)) => Json(json!({"ok": true, "override": o})).into_response(),
        Ok(Err(e)) => refused(StatusCode::BAD_REQUEST, &e),
        Err(_) => gone(),
    }
}

pub(super) async fn clear_override(State(s): State<AppState>, caller: Caller) -> Response {
    if let Err(r) = technician(&caller) {
        return r.into_response();
    }
    let who = caller.who();
    match s.core.change(|reply| Change::ClearOverride { who, reply }).await {
        Ok(Ok(())) => Json(json!({"ok": true})).into_response(),
        Ok(Err(e)) => refused(StatusCode::INTERNAL_SERVER_ERROR, &e),
        Err(_) => gone(),
    }
}
