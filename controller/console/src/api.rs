//! The console's JSON API (`/api/v1`, documented in docs/console.md) and its live events.

use std::convert::Infallible;
use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::{AppState, Caller, Refused};

mod card;
mod held;
mod playlist;
mod users;

pub use held::Held;
use pinghu_daemon::core::{Change, MAX_PICTURE_BYTES, PictureError, Question};
pub use playlist::{check, errors_json};
use playlist::{
    check_playlist, form, form_apply, form_read, history, may_edit, playlist, preview, restore, save_playlist, version,
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/api/v1/status", get(status))
        .route("/api/v1/board.png", get(board_png))
        .route("/api/v1/announcements", get(announcements))
        .route("/api/v1/announcements/:id/pages/:n", get(announcement_page))
        .route("/api/v1/playlist", get(playlist).put(save_playlist))
        .route("/api/v1/playlist/check", post(check_playlist))
        .route("/api/v1/playlist/preview", post(preview))
        .route("/api/v1/playlist/form", get(form).post(form_apply))
        .route("/api/v1/playlist/form/read", post(form_read))
        .route("/api/v1/users", get(users::users).post(users::change_user))
        .route("/api/v1/users/totp", post(users::totp))
        .route("/api/v1/playlist/history", get(history))
        .route("/api/v1/playlist/history/:sha256", get(version))
        .route("/api/v1/playlist/restore/:sha256", post(restore))
        .route("/api/v1/pictures", get(pictures))
        .route(
            "/api/v1/pictures/:name",
            axum::routing::put(upload_picture)
                .delete(delete_picture)
                // Room for a picture of the largest size taken, so a larger one gets our message.
                .layer(axum::extract::DefaultBodyLimit::max(MAX_PICTURE_BYTES * 2)),
        )
        .route("/api/v1/pictures/:name/board.png", get(picture_png))
        .route("/api/v1/audit", get(audit_log))
        .route("/api/v1/proof", get(proof))
        .route("/api/v1/events", get(events))
        .route("/api/v1/card/ping", post(card::ping))
        .route("/api/v1/card/trace", get(card::trace))
        .route("/api/v1/card/pattern", post(card::pattern))
        .route(
            "/api/v1/card/override",
            post(card::set_override).delete(card::clear_override),
        )
}

fn gone() -> Response {
    Refused::Stopping.into_response()
}

/// `?scale=`: `default` when absent, refused outside `min..=max` (a silent clamp would hand a
/// script another size than it asked for).
fn scale(asked: Option<u32>, default: u32, min: u32, max: u32) -> Result<u32, Refused> {
    match asked {
        None => Ok(default),
        Some(n) if (min..=max).contains(&n) => Ok(n),
        Some(_) => Err(Refused::Query(crate::QueryProblem::Scale { min, max })),
    }
}

async fn status(State(s): State<AppState>, _: Caller) -> Response {
    match s.core.status().await {
        Ok(v) => Json(v).into_response(),
        Err(_) => gone(),
    }
}

#[derive(Debug, Deserialize)]
struct Scale {
    scale: Option<u32>,
}

/// The glass as acknowledged, as the simulator's LED-look PNG.
async fn board_png(State(s): State<AppState>, _: Caller, crate::QueryArgs(q): crate::QueryArgs<Scale>) -> Response {
    let Ok(frame) = s.core.ask(Question::Glass).await else {
        return gone();
    };
    match scale(q.scale, 4, 2, 16) {
        Ok(n) => led_png(frame, n, true).await,
        Err(r) => r.into_response(),
    }
}

/// `frame` as the simulator's LED-look PNG at `scale`; `fresh`: never cached (it changes under
/// its address).
async fn led_png(frame: pinghu_fonts::Frame, scale: u32, fresh: bool) -> Response {
    // PNG encoding is CPU work: off the async workers.
    match tokio::task::spawn_blocking(move || frame.led_png(scale)).await {
        Ok(Ok(bytes)) if fresh => (
            [(header::CONTENT_TYPE, "image/png"), (header::CACHE_CONTROL, "no-store")],
            bytes,
        )
            .into_response(),
        Ok(Ok(bytes)) => ([(header::CONTENT_TYPE, "image/png")], bytes).into_response(),
        _ => Refused::Fault(crate::Fault::Draw).into_response(),
    }
}

async fn announcements(State(s): State<AppState>, _: Caller) -> Response {
    match s.core.ask(Question::Announcements).await {
        Ok(v) => Json(v).into_response(),
        Err(_) => gone(),
    }
}

/// Page `n` (from 1) of an announcement as the board shows it, LED look (`?scale=N`).
async fn announcement_page(
    State(s): State<AppState>,
    _: Caller,
    axum::extract::Path((id, n)): axum::extract::Path<(String, String)>,
    crate::QueryArgs(q): crate::QueryArgs<Scale>,
) -> Response {
    // A page that is not a number is not there either (not axum's plain-text refusal).
    let Ok(n) = n.parse::<usize>() else {
        return Refused::NotFound(crate::Missing::AnnouncementPage).into_response();
    };
    let page = s
        .core
        .ask(|reply| Question::AnnouncementPage {
            id,
            page: n.saturating_sub(1),
            reply,
        })
        .await;
    let frame = match page {
        Ok(Some(f)) if n >= 1 => f,
        Ok(_) => return Refused::NotFound(crate::Missing::AnnouncementPage).into_response(),
        Err(_) => return gone(),
    };
    match scale(q.scale, 3, 2, 16) {
        Ok(n) => led_png(frame, n, false).await,
        Err(r) => r.into_response(),
    }
}

fn picture_refused(e: &PictureError) -> Response {
    use pinghu_playlists::Bilingual as _;
    let code = match e {
        PictureError::BadName { .. }
        | PictureError::TooLarge { .. }
        | PictureError::Unreadable { .. }
        | PictureError::Misnamed { .. } => StatusCode::UNPROCESSABLE_ENTITY,
        PictureError::NotFound { .. } => StatusCode::NOT_FOUND,
        PictureError::InUse { .. } | PictureError::NoFolder | PictureError::Disk { .. } => StatusCode::CONFLICT,
    };
    (
        code,
        Json(json!({"ok": false, "error": e.to_string(), "error_zh": e.zh()})),
    )
        .into_response()
}

/// The pictures beside the playlist, with the items that show each.
async fn pictures(State(s): State<AppState>, _: Caller) -> Response {
    match s.core.ask(Question::Pictures).await {
        Ok(Ok(v)) => Json(v).into_response(),
        Ok(Err(e)) => picture_refused(&e),
        Err(_) => gone(),
    }
}

/// Store the body (PNG, JPEG or BMP) as the picture `name` beside the playlist.
async fn upload_picture(
    State(s): State<AppState>,
    caller: Caller,
    Path(name): Path<String>,
    crate::BytesBody(body): crate::BytesBody,
) -> Response {
    if let Err(r) = may_edit(&caller) {
        return r.into_response();
    }
    let who = caller.who();
    let change = |reply| Change::SavePicture {
        name,
        bytes: body.to_vec(),
        who,
        reply,
    };
    match s.core.change(change).await {
        Ok(Ok(saved)) => {
            let mut v = json!({"ok": true});
            if let (Some(o), Ok(Value::Object(p))) = (v.as_object_mut(), serde_json::to_value(&saved)) {
                o.extend(p);
            }
            Json(v).into_response()
        }
        Ok(Err(e)) => picture_refused(&e),
        Err(_) => gone(),
    }
}

async fn delete_picture(State(s): State<AppState>, caller: Caller, Path(name): Path<String>) -> Response {
    if let Err(r) = may_edit(&caller) {
        return r.into_response();
    }
    let who = caller.who();
    match s.core.change(|reply| Change::DeletePicture { name, who, reply }).await {
        Ok(Ok(())) => Json(json!({"ok": true})).into_response(),
        Ok(Err(e)) => picture_refused(&e),
        Err(_) => gone(),
    }
}

/// A picture as this board shows it, LED look (`?scale=N`).
async fn picture_png(
    State(s): State<AppState>,
    _: Caller,
    Path(name): Path<String>,
    crate::QueryArgs(q): crate::QueryArgs<Scale>,
) -> Response {
    let frame = match s.core.ask(|reply| Question::PictureFrame { name, reply }).await {
        Ok(Ok(f)) => f,
        Ok(Err(e)) => return picture_refused(&e),
        Err(_) => return gone(),
    };
    match scale(q.scale, 2, 1, 16) {
        Ok(n) => led_png(frame, n, true).await,
        Err(r) => r.into_response(),
    }
}

#[derive(Debug, Deserialize)]
struct Limit {
    limit: Option<usize>,
}

/// The audit log as the console shows it: the last changes (`?limit=N`, default 100, at most
/// 1000), newest first, and whether the whole chain verifies.
async fn audit_log(State(s): State<AppState>, _: Caller, crate::QueryArgs(q): crate::QueryArgs<Limit>) -> Response {
    let n = q.limit.unwrap_or(100).clamp(1, 1000);
    match s.core.ask(|reply| Question::AuditRecent { n, reply }).await {
        Ok(Ok((recent, report))) => Json(json!({
            "chain_ok": report.problem.is_none(),
            "entries": report.entries,
            "problem": report.problem.map(|(line, why)| json!({"line": line, "reason": why})),
            "recent": recent,
        }))
        .into_response(),
        Ok(Err(e)) => Refused::Fault(crate::Fault::AuditLog { detail: e.to_string() }).into_response(),
        Err(_) => gone(),
    }
}

#[derive(Debug, Deserialize)]
struct ProofQuery {
    date: Option<String>,
    format: Option<String>,
}

/// Proof-of-display entries of a day in the board's time zone (an operator's day, not UTC's) that verify,
/// with the chain's verification.
async fn proof(State(s): State<AppState>, _: Caller, crate::QueryArgs(q): crate::QueryArgs<ProofQuery>) -> Response {
    let (dir, tz) = (s.core.data_dir().to_owned(), s.core.time_zone().clone());
    let date = match q.date.as_deref() {
        None => jiff::Timestamp::now().to_zoned(tz.clone()).date(),
        Some(d) => match d.parse::<jiff::civil::Date>() {
            Ok(d) => d,
            Err(_) => return Refused::Query(crate::QueryProblem::Date).into_response(),
        },
    };
    let day = date
        .to_zoned(tz.clone())
        .and_then(|start| Ok((start.timestamp(), start.tomorrow()?.timestamp())));
    let Ok((from, to)) = day else {
        return Refused::Query(crate::QueryProblem::DateOutOfRange).into_response();
    };
    let zone = tz.iana_name().unwrap_or("UTC").to_owned();
    let csv = match q.format.as_deref() {
        None | Some("json") => false,
        Some("csv") => true,
        Some(_) => return Refused::Query(crate::QueryProblem::Format).into_response(),
    };
    // Of an intact log that the daemon has checked, only the day's segments are read.
    let Ok(known) = s.core.ask(|reply| Question::ProofSegments { from, to, reply }).await else {
        return gone();
    };
    // Reading and verifying the log is file I/O: off the async workers.
    let r = tokio::task::spawn_blocking(move || -> std::io::Result<(Value, String)> {
        // A line at a time: the day's entries are all that is held, however long the log.
        let mut entries = Vec::new();
        let mut keep = |e: &pinghu_daemon::proof::Entry, _: &[u8]| {
            if e.time().is_some_and(|t| from <= t && t < to) {
                entries.push(e.clone());
            }
        };
        let chain_ok = match known {
            Some((segs, intact)) => pinghu_daemon::proof::for_each_verified_from(&segs, &mut keep)
                .map(|r| intact && r.problems().is_empty())?,
            None => {
                pinghu_daemon::proof::for_each_verified_in(&pinghu_daemon::proof::layout(&dir), |_, e, l| keep(e, l))?
                    .problems()
                    .is_empty()
            }
        };
        let text = pinghu_daemon::proof::to_csv(&entries);
        Ok((
            json!({"date": date.to_string(), "time_zone": zone, "chain_ok": chain_ok, "entries": entries}),
            text,
        ))
    })
    .await;
    match r {
        Ok(Ok((_, text))) if csv => ([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], text).into_response(),
        Ok(Ok((v, _))) => Json(v).into_response(),
        _ => Refused::Fault(crate::Fault::ProofLog).into_response(),
    }
}

/// Server-sent events: `status` (the status document) at once, on every change and every 10 s;
/// `frame` when the card acknowledges a page or an area is cleared; `receipt` for every receipt.
async fn events(
    State(s): State<AppState>,
    _: Caller,
) -> Sse<impl futures_util::Stream<Item = Result<Event, Infallible>>> {
    let rx = s.live.subscribe();
    let first = Some(r#"{"type":"status"}"#.to_owned());
    let stream = futures_util::stream::unfold((rx, s.core.clone(), first), |(mut rx, core, first)| async move {
        let msg = match first {
            Some(m) => m,
            None => {
                let m = tokio::select! {
                    m = rx.recv() => m,
                    () = tokio::time::sleep(Duration::from_secs(10)) => Ok(r#"{"type":"status"}"#.to_owned()),
                };
                match m {
                    Ok(m) => m,
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => r#"{"type":"status"}"#.to_owned(),
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
                }
            }
        };
        let kind = serde_json::from_str::<Value>(&msg)
            .ok()
            .and_then(|v| v["type"].as_str().map(str::to_owned))
            .unwrap_or_default();
        let event = if kind == "status" {
            let v = core.status().await.ok()?;
            Event::default().event("status").data(v.to_value().to_string())
        } else {
            Event::default().event(kind).data(msg)
        };
        Some((Ok(event), (rx, core, None)))
    });
    Sse::new(stream).keep_alive(KeepAlive::default())
}
