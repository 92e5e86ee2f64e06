//! The console's pages, rendered on the server: sign-in, the board (live), announcements, the
//! playlist editor with its history, and the proof of display. Chinese by default, English with
//! `?lang=en` (remembered in a cookie). The pages call the JSON API with the session's CSRF token.

use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use maud::{DOCTYPE, Markup, PreEscaped, html};
use serde::Deserialize;

use pinghu_daemon::core::Question;

use crate::words::{Lang, short_time, state_word, status_words, t};
use crate::{AppState, Caller, cookie};

mod announcements;
mod sign_in;
mod users;

use announcements::announcements;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(|| async { Redirect::to("/board") }))
        .route("/login", get(sign_in::login_page).post(sign_in::login))
        .route("/logout", axum::routing::post(sign_in::logout))
        .route("/board", get(board))
        .route("/announcements", get(announcements))
        .route("/playlist", get(playlist))
        .route("/proof", get(proof))
        .route("/audit", get(audit))
        .route("/users", get(users::users))
        .route(
            "/console.js",
            get(|| async { ([(header::CONTENT_TYPE, "text/javascript")], SCRIPT) }),
        )
}

#[derive(Debug, Default, Deserialize)]
pub struct LangQuery {
    lang: Option<String>,
}

fn lang(q: &LangQuery, headers: &HeaderMap) -> Lang {
    match q.lang.as_deref().or_else(|| cookie(headers, "pinghu_lang")) {
        Some("en") => Lang::En,
        _ => Lang::Zh,
    }
}

fn page(l: Lang, caller: Option<&Caller>, title: &str, body: &Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang=(if l == Lang::Zh { "zh-CN" } else { "en" }) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                @if let Some(c) = caller {
                    @if let Some(csrf) = &c.csrf { meta name="csrf-token" content=(csrf); }
                }
                title { (title) " · " (t(l, "title")) }
                style { (PreEscaped(STYLE)) }
                script src="/console.js" defer {}
            }
            body {
                header {
                    strong { (t(l, "title")) }
                    @if let Some(c) = caller {
                        nav {
                            a href="/board" { (t(l, "board")) }
                            a href="/announcements" { (t(l, "announcements")) }
                            a href="/playlist" { (t(l, "playlist")) }
                            a href="/proof" { (t(l, "proof")) }
                            a href="/audit" { (t(l, "audit")) }
                            @if c.role == crate::auth::Role::Admin { a href="/users" { (t(l, "users")) } }
                        }
                        span.who { (c.name) "（" (crate::words::role_word(l, c.role)) "）" }
                        form method="post" action="/logout" {
                            @if let Some(csrf) = &c.csrf { input type="hidden" name="csrf" value=(csrf); }
                            button type="submit" { (t(l, "signout")) }
                        }
                    }
                    span.lang { a href="?lang=zh" { "中文" } " | " a href="?lang=en" { "English" } }
                }
                main data-words=(status_words(l)) { (body) }
            }
        }
    }
}

/// Remember the language chosen with `?lang=`.
fn with_lang(q: &LangQuery, m: Markup) -> Response {
    let mut r = m.into_response();
    if let Some(l) = q.lang.as_deref().filter(|l| matches!(*l, "en" | "zh"))
        && let Ok(v) = format!("pinghu_lang={l}; Path=/; SameSite=Strict").parse()
    {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    r
}

/// A signed-in page request: the caller and the page language (a browser without a session is
/// sent to the sign-in page).
#[derive(Debug)]
pub struct PageCtx {
    c: Caller,
    l: Lang,
    q: LangQuery,
}

#[axum::async_trait]
impl axum::extract::FromRequestParts<AppState> for PageCtx {
    type Rejection = Redirect;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &AppState) -> Result<Self, Redirect> {
        let c = Caller::from_request_parts(parts, state)
            .await
            .map_err(|_| Redirect::to("/login"))?;
        let q = Query::<LangQuery>::from_request_parts(parts, state)
            .await
            .map_or(LangQuery { lang: None }, |Query(q)| q);
        let l = lang(&q, &parts.headers);
        Ok(Self { c, l, q })
    }
}

async fn board(State(s): State<AppState>, PageCtx { c, l, q }: PageCtx) -> Response {
    let zone = s.core.time_zone().iana_name().unwrap_or("UTC").to_owned();
    let body = html! {
        h1 { (t(l, "board")) }
        p { (t(l, "live")) }
        img #glass src="/api/v1/board.png?scale=4" alt=(t(l, "board"));
        // What a clerk needs first: is it working, what shows, is anything wrong.
        table #summary {
            tr { th { (t(l, "link")) } td data-field="device.link" {} }
            tr { th { (t(l, "showing")) } td data-field="showing.content" data-format="content" {} }
            tr { th { (t(l, "power")) } td data-field="power" {} }
            tr { th { (t(l, "brightness")) } td data-field="brightness" {} }
            tr #override-row hidden { th { (t(l, "override")) } td #override-note data-power-off=(t(l, "override_off"))
                data-power-on=(t(l, "override_on")) data-brightness=(t(l, "override_brightness")) data-until=(t(l, "until")) data-zone=(zone) {} }
            tr { th { (t(l, "playlist_error")) } td.problem data-field="playlist.error" {} }
            tr { th { (t(l, "last_error")) } td data-field="device.last_error" {} }
        }
        details #details {
        summary { (t(l, "details")) }
        table #device {
            tr { th { (t(l, "link")) } td data-field="device.link" {} }
            tr { th { (t(l, "layer")) } td data-field="layer" {} }
            tr { th { (t(l, "brightness")) } td data-field="brightness" {} }
            tr { th { (t(l, "power")) } td data-field="power" {} }
            tr { th { (t(l, "clock")) } td data-field="clock.drift_s" {} }
            tr { th { (t(l, "queue")) } td data-field="queue.active" {} }
            tr { th { (t(l, "last_error")) } td data-field="device.last_error" {} }
            tr { th { (t(l, "card_size")) } td data-field="device.card.size" {} }
            tr { th { (t(l, "size_warning")) } td data-field="device.card.size_warning" {} }
            tr { th { (t(l, "flash_writes")) } td data-field="device.flash.writes" {} }
            tr { th { (t(l, "last_warning")) } td data-field="alerts.last.identifier" {} }
            tr { th { (t(l, "calendar_missing")) } td data-field="office.calendar.missing" {} }
            tr { th { (t(l, "playlist_error")) } td.problem data-field="playlist.error" {} }
            tr { th { (t(l, "config_problems")) } td.problem data-field="config_problems" {} }
            tr { th { (t(l, "disk_free")) } td data-field="storage.disk.free_bytes" data-format="mb" {} }
            tr { th { (t(l, "broker")) } td data-field="mqtt" {} }
            tr { th { (t(l, "mqtt_version")) } td data-field="broker.protocol" {} }
            tr { th { (t(l, "broker_error")) } td data-field="broker.last_error" {} }
        }
        p #frame-sha {}
        }
        @if c.role.controls_the_card() {
            h2 { (t(l, "tech")) }
            div #tech {
                button #ping type="button" { (t(l, "ping")) }
                " "
                select #pattern { @for p in pinghu_daemon::card::pattern::PATTERNS { option value=(p) { (pattern_word(l, p)) } } }
                button #show-pattern type="button" { (t(l, "pattern")) }
                " "
                label { (t(l, "brightness")) " " input #level type="number" min="0" max="15" value="15"; }
                button #set-brightness type="button" { (t(l, "set")) }
                " "
                button #power-off type="button" data-confirm=(t(l, "confirm_off")) data-undo=(t(l, "undo_off")) { (t(l, "off")) }
                button #power-on type="button" { (t(l, "on")) }
                button #resume type="button" { (t(l, "resume")) }
                " "
                button #trace type="button" { (t(l, "trace")) }
                p #tech-result role="status" {}
                pre #trace-out hidden {}
            }
        }
    };
    with_lang(&q, page(l, Some(&c), t(l, "board"), &body))
}

async fn playlist(State(s): State<AppState>, PageCtx { c, l, q }: PageCtx) -> Response {
    let core = &s.core;
    let asked = async {
        Ok::<_, pinghu_daemon::CoreGone>((
            core.ask(Question::PlaylistText).await?,
            core.ask(Question::PlaylistHistory).await?,
            core.ask(Question::Week).await?,
            core.ask(Question::Pictures).await?,
        ))
    };
    let Ok((text, history, week, pictures)) = asked.await else {
        return crate::Refused::Stopping.page();
    };
    let tz = core.time_zone().clone();
    let body = html! {
        h1 { (t(l, "playlist")) }
        div.tabs role="tablist" {
            button #tab-form type="button" role="tab" aria-selected="true" { (t(l, "form_view")) }
            button #tab-toml type="button" role="tab" aria-selected="false" { (t(l, "toml_view")) }
        }
        p #draft.note hidden { (t(l, "draft_found")) " " button #draft-restore type="button" { (t(l, "draft_restore")) }
            " " button #draft-drop type="button" { (t(l, "draft_drop")) } }
        section #form-view data-words=(crate::words::form_words(l)) data-edits=(c.role.edits_playlists())
            data-pictures=(pictures.as_ref().map(|p| p.iter().map(|f| f.name.as_str()).collect::<Vec<_>>().join("\n")).unwrap_or_default()) {
            p.note #form-note {}
            div #items {}
            fieldset #brightness-set { legend { (t(l, "brightness")) } div #brightness-rows {}
                @if c.role.edits_playlists() { button #add-brightness type="button" { (t(l, "add_brightness")) } } }
            fieldset #power-set { legend { (t(l, "power_times")) }
                label { (t(l, "power_on")) " " input #power-on type="time"; }
                " " label { (t(l, "power_off")) " " input #power-off type="time"; } }
            fieldset #campaign-set { legend { (t(l, "campaigns")) }
                p.note { (t(l, "campaigns_hint")) }
                div #floor-row.row { label { (t(l, "government_floor")) " "
                    input #government-floor type="number" min="0" max="100" step="1" style="width:5em"; " " (t(l, "floor_unit")) }
                    span data-slot="government_floor" {} }
                div #campaigns {}
                @if c.role.edits_playlists() { button #add-campaign type="button" { (t(l, "add_campaign")) } } }
        }
        div.editor #toml-view hidden {
            pre #gutter aria-hidden="true" {}
            textarea #playlist spellcheck="false" wrap="off" rows="18" { (text) }
        }
        div.actions.sticky {
            @if c.role.edits_playlists() { button #add-item type="button" { (t(l, "add_item")) } " " }
            button #check type="button" { (t(l, "check")) }
            button #preview-button type="button" { (t(l, "preview")) }
            @if c.role.edits_playlists() { button #save type="button" { (t(l, "save")) } }
            span #dirty.dirty hidden { (t(l, "unsaved")) }
        }
        p.note #fields-hint { (t(l, "fields_hint")) }
        ul #problems data-ok=(t(l, "ok")) data-saved=(t(l, "saved")) data-restored=(t(l, "restored")) data-ok-warned=(t(l, "ok_warned"))
            data-saved-warned=(t(l, "saved_warned")) data-undo=(t(l, "undo_save"))
            data-confirm-undo=(t(l, "confirm_undo")) {}
        div #preview {}
        h2 { (t(l, "pictures")) }
        @match &pictures {
            Err(e) => { p.note { (e.to_string()) } }
            Ok(list) => {
                p.note { (t(l, "pictures_hint")) }
                table #pictures data-unused=(t(l, "unused")) data-delete=(t(l, "delete")) data-confirm-delete=(t(l, "confirm_delete_picture"))
                    data-removal-waiting=(t(l, "removal_waiting")) data-edits=(c.role.edits_playlists()) {
                    tr { th { (t(l, "file")) } th { (t(l, "on_board")) } th { "KB" } th { (t(l, "used_by")) } th {} }
                    @for f in list {
                        tr data-name=(f.name) {
                            td { (f.name) }
                            td { img.picture src={"/api/v1/pictures/" (f.name) "/board.png?scale=2"} alt=(f.name); }
                            td { (f.bytes.div_ceil(1024)) }
                            td { @if f.used_by.is_empty() { (t(l, "unused")) } @else { (f.used_by.join(", ")) }
                                @if f.removal_waiting { br; span.removal-waiting { (t(l, "removal_waiting")) } } }
                            td { @if c.role.edits_playlists() && f.used_by.is_empty() {
                                button.delete-picture type="button" data-name=(f.name) { (t(l, "delete")) } } }
                        }
                    }
                }
                @if c.role.edits_playlists() {
                    div.actions {
                        input #picture-file type="file" accept=".png,.jpg,.jpeg,.bmp,image/png,image/jpeg,image/bmp";
                        " "
                        button #upload type="button" { (t(l, "upload")) }
                    }
                }
                p #picture-result role="status" data-uploaded=(t(l, "uploaded")) {}
            }
        }
        h2 { (t(l, "week")) }
        div.scroll { (PreEscaped(crate::timeline::week_svg(&week, l))) }
        h2 { (t(l, "history")) }
        table #history {
            @for h in &history {
                tr {
                    td { time datetime=(h.at) { (short_time(&h.at, &tz)) } } td { (state_word(l, &h.who)) } td { (state_word(l, &h.action)) }
                    td.sha { (h.sha256.get(..12).unwrap_or(&h.sha256)) }
                    td { @if c.role.edits_playlists() { button.restore type="button" data-sha=(h.sha256) data-confirm=(t(l, "confirm_restore")) { (t(l, "restore")) } } }
                }
            }
        }
    };
    with_lang(&q, page(l, Some(&c), t(l, "playlist"), &body))
}

async fn proof(State(s): State<AppState>, PageCtx { c, l, q }: PageCtx) -> Response {
    let tz = s.core.time_zone().clone();
    let today = jiff::Timestamp::now().to_zoned(tz.clone()).date().to_string();
    let body = html! {
        h1 { (t(l, "proof")) }
        label { (t(l, "date")) " " input #proof-date type="date" value=(today); }
        " " a #proof-csv href={ "/api/v1/proof?format=csv&date=" (today) } { (t(l, "export")) }
        p { (t(l, "verify")) ": " span #proof-chain data-ok=(t(l, "chain_ok")) data-damaged=(t(l, "chain_damaged")) {} }
        p.note { (t(l, "times_in")) " " (tz.iana_name().unwrap_or("UTC")) }
        // In a scrolling box of its own: the script fills it after the page is laid out, and a
        // wide row must scroll inside it, never widen a phone's page.
        div.scroll {
            table #proof data-lang=(if l == Lang::Zh { "zh-CN" } else { "en" })
                data-heads=(t(l, "proof_heads")) {}
        }
    };
    with_lang(&q, page(l, Some(&c), t(l, "proof"), &body))
}

/// The audit log: who changed what through the console (or the office, as `portal`), newest
/// first, with playlist diffs, and whether the chain verifies.
async fn audit(State(s): State<AppState>, PageCtx { c, l, q }: PageCtx) -> Response {
    let Ok(found) = s.core.ask(|reply| Question::AuditRecent { n: 200, reply }).await else {
        return crate::Refused::Stopping.page();
    };
    let tz = s.core.time_zone().clone();
    let body = html! {
        h1 { (t(l, "audit")) }
        @match &found {
            Err(e) => { p.error { (e.to_string()) } }
            Ok((recent, report)) => {
                p #audit-chain {
                    (t(l, "verify")) ": "
                    @match &report.problem {
                        None => { (t(l, "chain_ok")) " · " (report.entries) }
                        Some((line, why)) => { span.error { (t(l, "chain_damaged")) " — " (line) ": " (why) } }
                    }
                }
                p.note { (t(l, "audit_note")) " " (t(l, "times_in")) " " (tz.iana_name().unwrap_or("UTC")) }
                table #audit {
                    tr { th { "#" } th { (t(l, "date")) } th { (t(l, "who")) } th { (t(l, "what")) } th { (t(l, "detail")) } }
                    @for e in recent {
                        tr data-action=(e.action) {
                            td { (e.seq) }
                            td { time datetime=(e.at) { (short_time(&e.at, &tz)) } }
                            td { (state_word(l, &e.who)) }
                            td { (action_word(l, &e.action)) }
                            td {
                                @if let Ok(changes) = serde_json::from_value::<Vec<crate::auth::FileChange>>(e.detail["changes"].clone()) {
                                    (changes.iter().map(|c| c.words(l)).collect::<Vec<_>>().join(if l == Lang::Zh { "；" } else { "; " }))
                                } @else if let Some(diff) = e.detail["diff"].as_str() {
                                    (e.detail["sha256"].as_str().and_then(|h| h.get(..12)).unwrap_or(""))
                                    details { summary { (t(l, "diff")) } pre.diff { (diff) } }
                                } @else {
                                    (detail_text(l, &e.detail, &tz))
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    with_lang(&q, page(l, Some(&c), t(l, "audit"), &body))
}

/// An audit entry's detail in a line, in the page's language: `key: value · …`, hashes shortened
/// to 12 characters, times in the board's zone, fields with no value left out.
fn detail_text(l: Lang, v: &serde_json::Value, tz: &jiff::tz::TimeZone) -> String {
    use serde_json::Value;
    let zh = l == Lang::Zh;
    let key = |k: &str| -> String {
        let (z, e) = match k {
            "name" => ("名称", "name"),
            "sha256" => ("SHA-256", "sha256"),
            "bytes" => ("字节", "bytes"),
            "replaced" => ("替换同名图片", "replaced"),
            "brightness" => ("亮度", "brightness"),
            "power" => ("电源", "power"),
            "until" => ("至", "until"),
            "address" => ("来源地址", "address"),
            other => (other, other),
        };
        (if zh { z } else { e }).to_owned()
    };
    let value = |k: &str, v: &Value| match v {
        Value::Bool(b) => match (zh, b) {
            (true, true) => "是".to_owned(),
            (true, false) => "否".to_owned(),
            (false, true) => "yes".to_owned(),
            (false, false) => "no".to_owned(),
        },
        Value::String(s) if s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit()) => s[..12].to_owned(),
        Value::String(s) if k == "until" => short_time(s, tz),
        Value::String(s) if k == "power" && zh => match s.as_str() {
            "on" => "开".to_owned(),
            "off" => "关".to_owned(),
            other => other.to_owned(),
        },
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    match v {
        Value::Object(o) => o
            .iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, v)| format!("{}: {}", key(k), value(k, v)))
            .collect::<Vec<_>>()
            .join(" · "),
        Value::Null => String::new(),
        other => value("", other),
    }
}

/// A test pattern's name in the page's language; the Chinese one keeps the name `pinghu diag
/// test-pattern` takes, so a technician knows it at the cabinet too.
fn pattern_word(l: Lang, p: &str) -> String {
    let zh = match p {
        "all-on" => "全亮",
        "all-off" => "全灭",
        "red" => "全红",
        "green" => "全绿",
        "yellow" => "全黄",
        "checkerboard" => "棋盘格",
        "stripes" => "竖条纹",
        "h-stripes" => "横条纹",
        "grid" => "模组网格",
        "moving-bar" => "移动光条",
        "text" => "文字",
        _ => return p.to_owned(),
    };
    if l == Lang::Zh {
        format!("{zh} {p}")
    } else {
        p.to_owned()
    }
}

/// An audit action in the page's language.
fn action_word(l: Lang, action: &str) -> &str {
    let (zh, en) = match action {
        "playlist.save" => ("保存节目单", "playlist saved"),
        "playlist.restore" => ("恢复节目单版本", "playlist restored"),
        "playlist.push" => ("上级推送节目单", "playlist pushed"),
        "picture.upload" => ("上传图片", "picture uploaded"),
        "picture.delete" => ("删除图片", "picture removed"),
        "card.ping" => ("测试连接", "card pinged"),
        "card.pattern" => ("显示测试图", "test pattern"),
        "card.override" => ("临时亮度/开关屏", "brightness or power set"),
        "card.override.clear" => ("恢复节目单控制", "back to the playlist"),
        "console.sign_in" => ("登录控制台", "signed in"),
        "console.sign_in.locked" => ("登录失败过多，暂时锁定", "locked out after failed sign-ins"),
        "console.user.add" => ("添加用户", "user added"),
        "console.user.role" => ("更改用户角色", "user's role changed"),
        "console.user.password" => ("重置用户密码", "user's password reset"),
        "console.user.disable" => ("停用用户", "user disabled"),
        "console.user.enable" => ("启用用户", "user enabled"),
        "console.user.remove" => ("删除用户", "user removed"),
        "console.token.new" => ("签发 API 令牌", "API token issued"),
        "console.token.revoke" => ("撤销 API 令牌", "API tokens revoked"),
        "console.users.file" => ("在控制台外修改用户文件", "users file edited outside the console"),
        other => (other, other),
    };
    if l == Lang::Zh { zh } else { en }
}

const STYLE: &str = include_str!("console.css");

const SCRIPT: &str = include_str!("console.js");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_audit_detail_reads_in_the_page_language() {
        let tz = jiff::tz::TimeZone::get("Asia/Shanghai").unwrap();
        let upload =
            serde_json::json!({"name": "sunrise.png", "sha256": "ab".repeat(32), "bytes": 575, "replaced": false});
        assert_eq!(
            detail_text(Lang::Zh, &upload, &tz),
            "名称: sunrise.png · SHA-256: abababababab · 字节: 575 · 替换同名图片: 否"
        );
        assert_eq!(
            detail_text(Lang::En, &upload, &tz),
            "name: sunrise.png · sha256: abababababab · bytes: 575 · replaced: no"
        );
        // A power override: no brightness given, the time in the board's zone.
        let power = serde_json::json!({"brightness": null, "power": "off", "until": "2026-12-04T15:00:00Z"});
        assert_eq!(detail_text(Lang::Zh, &power, &tz), "电源: 关 · 至: 2026-12-04 23:00:00");
        assert_eq!(
            detail_text(Lang::En, &power, &tz),
            "power: off · until: 2026-12-04 23:00:00"
        );
        assert_eq!(detail_text(Lang::Zh, &serde_json::Value::Null, &tz), "");
    }

    #[test]
    fn the_editors_hint_names_fields_the_board_fills_in() {
        let day = jiff::civil::date(2026, 12, 4);
        for l in [Lang::Zh, Lang::En] {
            let hint = t(l, "fields_hint");
            for field in ["{date}", "{weekday}", "{days_until:2027-06-07}"] {
                assert!(hint.contains(field), "{hint}");
                assert_ne!(pinghu_playlists::fields::fill(field, day), field, "{field} is no field");
            }
            assert!(hint.contains("2026年12月4日") && hint.contains("星期五"), "{hint}");
        }
    }

    #[test]
    fn every_test_pattern_has_a_chinese_name() {
        for p in pinghu_daemon::card::pattern::PATTERNS {
            let zh = pattern_word(Lang::Zh, p);
            assert!(
                zh.ends_with(p) && zh.len() > p.len() + 1,
                "{p} has no Chinese name: {zh}"
            );
            assert_eq!(pattern_word(Lang::En, p), p);
        }
    }
}
