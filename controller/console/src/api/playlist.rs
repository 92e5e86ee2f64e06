//! The playlist in the API: the running text, the check and the preview of a text, saves,
//! the version history and restores, and the form editor's reading and writing of a text.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use pinghu_daemon::core::{Change, Question, SaveError};
use pinghu_playlists::form::{self, Form, FormEdit, FormError};

use super::gone;
use crate::{AppState, Caller, JsonBody, Needs, Refused, TextBody};

pub(super) async fn playlist(State(s): State<AppState>, _: Caller) -> Response {
    match s.core.ask(Question::PlaylistText).await {
        Ok(t) => ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], t).into_response(),
        Err(_) => gone(),
    }
}

/// Playlist problems as the API reports them: `[{"line", "column", "message", "message_zh",
/// "message_form_zh"}]` (`message_zh`: the same in Chinese, for the TOML editor;
/// `message_form_zh`: in Chinese as the form shows it at a field, with the field's label and no
/// key of the TOML), and `"field"` for a problem at a table's header that a key of it fixes (the
/// booking check's, at its campaign: `target`, `max_per_hour`, `separation_s`; a missing key:
/// `id`, `text`, `advertiser`, …).
pub fn errors_json<P: pinghu_playlists::Bilingual>(d: &[pinghu_playlists::Diagnostic<P>]) -> Vec<Value> {
    d.iter()
        .map(|d| {
            let mut v = json!({"line": d.line, "column": d.col, "message": d.problem.to_string(),
                   "message_zh": d.problem.zh(), "message_form_zh": d.problem.form_zh()});
            if let Some(f) = d.problem.field() {
                v["field"] = f.into();
            }
            v
        })
        .collect()
}

/// The check result, as `pinghu playlist check` sees it.
pub fn check(text: &str) -> Value {
    match pinghu_playlists::parse(text, "playlist") {
        Ok(p) => json!({"ok": true, "errors": [], "warnings": [], "items": p.items.len()}),
        Err(e) => {
            let errors = errors_json(e.diagnostics());
            let errors = if errors.is_empty() {
                vec![json!({"line": 1, "column": 1, "message": e.to_string(),
                            "message_zh": pinghu_playlists::Bilingual::zh(&e)})]
            } else {
                errors
            };
            json!({"ok": false, "errors": errors, "warnings": []})
        }
    }
}

/// The console's check of a playlist text: `pinghu playlist check`'s rules, and the booking
/// check of its campaigns with spots as long as this board shows them.
pub(super) async fn check_playlist(
    State(s): State<AppState>,
    _: Caller,
    crate::QueryArgs(q): crate::QueryArgs<Based>,
    TextBody(body): TextBody,
) -> Response {
    let body = match q.text(&s, body) {
        Ok(t) => t,
        Err(gone) => return gone.into_response(),
    };
    let Ok(f) = s.core.ask(|reply| Question::Examine { text: body, reply }).await else {
        return gone();
    };
    let mut v = json!({
        "ok": f.errors.is_empty(),
        "errors": errors_json(&f.errors),
        "warnings": errors_json(&f.warnings),
    });
    if let Some(p) = &f.playlist {
        v["items"] = p.items.len().into();
    }
    Json(v).into_response()
}

/// What a check or a preview reads: the body, or with `?base=SHA256` a text the form holds (the
/// body empty), so a form edit of a long playlist is checked without sending it again.
#[derive(Debug, Deserialize)]
pub(super) struct Based {
    base: Option<String>,
    /// A preview's window of items: the first (from 0) …
    from: Option<usize>,
    /// … and how many (at most `MAX_PREVIEW_ITEMS`, which is also the default).
    count: Option<usize>,
}

impl Based {
    fn text(&self, s: &AppState, body: String) -> Result<String, super::held::BaseGone> {
        match &self.base {
            Some(b) => Ok(s.held.get(b)?.to_string()),
            None => Ok(body),
        }
    }
}

/// The pages of a window of the items (`?from=N&count=M`; by default the first
/// `MAX_PREVIEW_ITEMS`) as the board will show them (PNG, LED look, as data URLs), or the
/// errors: `total` says how many items the playlist has.
pub(super) async fn preview(
    State(s): State<AppState>,
    _: Caller,
    crate::QueryArgs(q): crate::QueryArgs<Based>,
    TextBody(body): TextBody,
) -> Response {
    let body = match q.text(&s, body) {
        Ok(t) => t,
        Err(gone) => return gone.into_response(),
    };
    let max = pinghu_daemon::core::MAX_PREVIEW_ITEMS;
    let (from, count) = (q.from.unwrap_or(0), q.count.unwrap_or(max));
    if count > max {
        return Refused::Query(crate::QueryProblem::Count { max }).into_response();
    }
    let Ok(r) = s
        .core
        .ask(|reply| Question::Preview {
            text: body,
            from,
            count,
            reply,
        })
        .await
    else {
        return gone();
    };
    let (items, total) = match r {
        Ok(w) => (w.items, w.total),
        Err(d) => {
            let errors = errors_json(&d);
            return (
                StatusCode::UNPROCESSABLE_ENTITY,
                Json(json!({"ok": false, "errors": errors})),
            )
                .into_response();
        }
    };
    // Where the page budget stopped the drawing, as a warning at that item.
    let cut = pinghu_daemon::core::preview_cut(&items).map(|c| {
        use pinghu_playlists::Bilingual as _;
        json!({"line": c.line, "column": 1, "message": c.to_string(), "message_zh": c.zh()})
    });
    // PNG encoding is CPU work: off the async workers.
    let v = tokio::task::spawn_blocking(move || {
        use base64::Engine as _;
        let list: Vec<Value> = items
            .iter()
            .map(|p| {
                let pages: Vec<String> = p
                    .pages
                    .iter()
                    .filter_map(|f| f.led_png(3).ok())
                    .map(|png| {
                        format!(
                            "data:image/png;base64,{}",
                            base64::engine::general_purpose::STANDARD.encode(png)
                        )
                    })
                    .collect();
                json!({"id": p.id, "line": p.line, "text": p.text, "effect": p.effect, "dwell_s": p.dwell_s,
                       "missing": p.missing, "pages": pages, "cut": p.cut})
            })
            .collect();
        json!({"ok": true, "items": list, "from": from, "total": total,
               "warnings": cut.into_iter().collect::<Vec<_>>()})
    })
    .await;
    match v {
        Ok(v) => Json(v).into_response(),
        Err(_) => Refused::Fault(crate::Fault::Draw).into_response(),
    }
}

pub(super) fn may_edit(c: &Caller) -> Result<(), Refused> {
    if c.role.edits_playlists() {
        Ok(())
    } else {
        Err(Refused::NeedsRole {
            needs: Needs::Playlists,
            has: c.role,
        })
    }
}

pub(super) async fn save(s: &AppState, who: String, text: String, action: &'static str) -> Response {
    let r = s
        .core
        .change(|reply| Change::SavePlaylist {
            text,
            who,
            action,
            reply,
        })
        .await;
    match r {
        Err(_) => gone(),
        Ok(Ok((v, warnings))) => {
            Json(json!({"ok": true, "version": v, "warnings": errors_json(&warnings)})).into_response()
        }
        Ok(Err(SaveError::Invalid(d))) => {
            let errors = errors_json(&d);
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                Json(json!({"ok": false, "errors": errors, "warnings": []})),
            )
                .into_response()
        }
        Ok(Err(SaveError::Failed(why))) => (
            StatusCode::CONFLICT,
            Json(
                json!({"ok": false, "errors": [{"line": 1, "column": 1, "message": why.to_string(),
                        "message_zh": pinghu_playlists::Bilingual::zh(&why)}], "warnings": []}),
            ),
        )
            .into_response(),
    }
}

pub(super) async fn save_playlist(
    State(s): State<AppState>,
    caller: Caller,
    headers: axum::http::HeaderMap,
    TextBody(body): TextBody,
) -> Response {
    if let Err(r) = may_edit(&caller) {
        return r.into_response();
    }
    // JSON (a script sending the form's or another tool's shape) would be read as TOML and
    // refused line by line: say what the address takes instead. A TOML text sent with a JSON
    // content type (as some HTTP clients do by default) is still taken: it is not JSON.
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.trim_start().to_ascii_lowercase().starts_with("application/json"));
    if json && serde_json::from_str::<serde::de::IgnoredAny>(&body).is_ok() {
        return Refused::PlaylistIsToml.into_response();
    }
    // An empty body is a slip (a script's empty variable, a form posted blank), not a playlist:
    // saved, it would blank the board and its last good copy.
    if body.trim().is_empty() {
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(json!({"ok": false, "errors": [{"line": 1, "column": 1,
                "message": "the playlist is empty: nothing was saved (send the whole playlist text; to show nothing, keep a comment saying why)",
                "message_zh": "节目单为空：未保存（请提交完整的节目单；若要大屏不显示内容，请保留一行注释说明原因）"}],
                "warnings": []})),
        )
            .into_response();
    }
    save(&s, caller.who(), body, "save").await
}

pub(super) async fn history(State(s): State<AppState>, _: Caller) -> Response {
    match s.core.ask(Question::PlaylistHistory).await {
        Ok(v) => Json(v).into_response(),
        Err(_) => gone(),
    }
}

pub(super) async fn version(State(s): State<AppState>, _: Caller, Path(sha): Path<String>) -> Response {
    match s
        .core
        .ask(|reply| Question::PlaylistVersion { sha256: sha, reply })
        .await
    {
        Ok(Some(t)) => ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], t).into_response(),
        Ok(None) => Refused::NotFound(crate::Missing::PlaylistVersion).into_response(),
        Err(_) => gone(),
    }
}

pub(super) async fn restore(State(s): State<AppState>, caller: Caller, Path(sha): Path<String>) -> Response {
    if let Err(r) = may_edit(&caller) {
        return r.into_response();
    }
    let text = match s
        .core
        .ask(|reply| Question::PlaylistVersion { sha256: sha, reply })
        .await
    {
        Ok(Some(t)) => t,
        Ok(None) => return Refused::NotFound(crate::Missing::PlaylistVersion).into_response(),
        Err(_) => return gone(),
    };
    save(&s, caller.who(), text, "restore").await
}

/// A form's reading of a text: `{"ok": true, "base", "text", "form"}` (`base`: the text held
/// for edits; `text` left out when `echo` is false), or why the form cannot show it
/// (`422 {"ok": false, "error", "error_zh"}`: the TOML view can).
fn form_answer(held: &super::Held, text: String, read: Result<Form, FormError>, echo: bool) -> Response {
    match read {
        Ok(f) => {
            let base = held.keep(&text);
            let mut v = json!({"ok": true, "base": base, "form": f});
            if echo {
                v["text"] = text.into();
            }
            Json(v).into_response()
        }
        Err(e) => form_refused(&e),
    }
}

fn form_refused(e: &FormError) -> Response {
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        Json(json!({"ok": false, "error": e.to_string(), "error_zh": e.zh()})),
    )
        .into_response()
}

/// The running playlist as the form editor shows it: its items, brightness and power, with the
/// line of each field.
pub(super) async fn form(State(s): State<AppState>, _: Caller) -> Response {
    let Ok(text) = s.core.ask(Question::PlaylistText).await else {
        return gone();
    };
    // Reading a long playlist as a form is CPU work: off the async workers.
    off_workers(move || {
        let read = form::read(&text);
        form_answer(&s.held, text, read, true)
    })
    .await
}

/// A text (the body, TOML) read as a form and held for edits: `{"ok", "base", "form"}`. How the
/// browser hands a text to the form (a page's first reading, the TOML view's edits, a draft
/// offered back, a base the console forgot) without the JSON escaping of `{"text"}`.
pub(super) async fn form_read(State(s): State<AppState>, _: Caller, TextBody(text): TextBody) -> Response {
    off_workers(move || {
        let read = form::read(&text);
        form_answer(&s.held, text, read, false)
    })
    .await
}

/// Run `f` on the blocking pool: a form of thousands of items takes long enough to stall the
/// console's and the MQTT link's tasks if it ran on an async worker.
async fn off_workers(f: impl FnOnce() -> Response + Send + 'static) -> Response {
    tokio::task::spawn_blocking(f).await.unwrap_or_else(|_| {
        let error = "the form could not be read: this is a fault of the console, try again and report it if it stays";
        let error_zh = "表单读取失败：这是控制台的故障，请重试；如仍失败请报告";
        let body = json!({"ok": false, "error": error, "error_zh": error_zh});
        (StatusCode::INTERNAL_SERVER_ERROR, Json(body)).into_response()
    })
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FormApply {
    /// The text the form was read from (the browser's copy, which may hold unsaved edits) …
    text: Option<String>,
    /// … and the whole form to write into it; `None`: only read the text as a form.
    form: Option<Form>,
    /// Or: a text the console holds (its SHA-256, from an earlier answer) …
    base: Option<String>,
    /// … and what the edit changed in its form.
    edit: Option<FormEdit>,
}

/// The form written into a text (nothing is saved: the browser checks, previews and saves the
/// text as a hand edit would be). `{"text", "form"?}`: the new text and its form, whole.
/// `{"base", "edit"}`: the edit written into the held text; the answer is as small as the edit:
/// the new `base`, the `splice` that makes the new text of the old (`at`, `remove`, in UTF-16
/// units as a browser counts, and `insert`), how the lines after it moved (`shift`: lines past
/// `after` move by `by`), and the form's entries whose lines are in the splice (`items` by
/// `index`, with `lines` and `kept`; campaigns, brightness and the floor's line whole).
pub(super) async fn form_apply(State(s): State<AppState>, _: Caller, JsonBody(a): JsonBody<FormApply>) -> Response {
    if let (Some(base), Some(edit)) = (&a.base, &a.edit) {
        let text = match s.held.get(base) {
            Ok(t) => t,
            Err(gone) => return gone.into_response(),
        };
        let edit = edit.clone();
        return off_workers(move || match form::apply(&text, &edit) {
            Ok(new) => edited(&s.held, &text, new),
            Err(e) => form_refused(&e),
        })
        .await;
    }
    let Some(text) = a.text else {
        let e = "send `text` (and `form`), or `base` and `edit`";
        let zh = "请提交 text（以及 form），或 base 和 edit";
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(json!({"ok": false, "error": e, "error_zh": zh})),
        )
            .into_response();
    };
    off_workers(move || {
        let Some(f) = a.form else {
            let read = form::read(&text);
            return form_answer(&s.held, text, read, true);
        };
        match form::write(&text, &f) {
            Ok(text) => {
                let read = form::read(&text);
                form_answer(&s.held, text, read, true)
            }
            Err(e) => form_refused(&e),
        }
    })
    .await
}

/// The answer to an edit of `old` that made `new`: the splice and the entries in it.
fn edited(held: &super::Held, old: &str, new: String) -> Response {
    let f = match form::read(&new) {
        Ok(f) => f,
        Err(e) => return form_refused(&e),
    };
    let (at, remove, insert) = form::splice(old, &new);
    // The lines the splice covers, in the old text and the new (1-based).
    let line_at = |t: &str, u16_at: usize| {
        let mut units = 0;
        let mut line = 1;
        for c in t.chars() {
            if units >= u16_at {
                break;
            }
            units += c.len_utf16();
            line += usize::from(c == '\n');
        }
        line
    };
    let first = line_at(old, at);
    let old_last = line_at(old, at + remove);
    let new_last = line_at(&new, at + insert.encode_utf16().count());
    let touched =
        |lines: &std::collections::BTreeMap<String, usize>| lines.values().any(|&l| (first..=new_last).contains(&l));
    let items: Vec<Value> = f
        .items
        .iter()
        .enumerate()
        .filter(|(_, it)| touched(&it.lines))
        .map(|(i, it)| json!({"index": i, "lines": it.lines, "kept": it.kept}))
        .collect();
    let base = held.keep(&new);
    Json(json!({
        "ok": true,
        "base": base,
        "splice": {"at": at, "remove": remove, "insert": insert},
        "shift": {"after": old_last, "by": i64::try_from(new_last).unwrap_or(0) - i64::try_from(old_last).unwrap_or(0)},
        "form": {
            "items": items,
            "item_count": f.items.len(),
            "campaigns": f.campaigns,
            "brightness": f.brightness,
            "government_floor_line": f.government_floor_line,
            "elsewhere": f.elsewhere,
        },
    }))
    .into_response()
}
