//! The announcements page: what the daemon holds and what it refused, newest first, with each
//! one's pages and receipts; searchable by id, title and text.

use axum::extract::{Query, State};
use axum::response::Response;
use maud::html;
use serde::Deserialize;

use pinghu_daemon::core::{Listed, Question};

use super::{PageCtx, page, with_lang};
use crate::AppState;
use crate::words::{Lang, ann_state_word, priority_word, receipt_word, short_time, t};

#[derive(Debug, Deserialize)]
pub(super) struct SearchQuery {
    #[serde(default)]
    q: String,
}

pub(super) async fn announcements(
    State(s): State<AppState>,
    PageCtx { c, l, q }: PageCtx,
    Query(search): Query<SearchQuery>,
) -> Response {
    let Ok(list) = s.core.ask(Question::Announcements).await else {
        return crate::Refused::Stopping.page();
    };
    let tz = s.core.time_zone();
    let when = |t: Option<&jiff::Timestamp>| t.map_or_else(|| "—".to_owned(), |t| short_time(&t.to_string(), tz));
    let shown: Vec<_> = list.iter().filter(|a| a.matches(&search.q)).collect();
    let body = html! {
        h1 { (t(l, "announcements")) }
        p.note { (t(l, "readonly")) " " (t(l, "times_in")) " " (tz.iana_name().unwrap_or("UTC")) }
        form.search method="get" action="/announcements" {
            input #search type="search" name="q" value=(search.q) placeholder=(t(l, "search"));
            @if !search.q.is_empty() { " " a href="/announcements" { (t(l, "search_clear")) } }
        }
        @if shown.is_empty() {
            p #no-match { (if list.is_empty() { t(l, "no_announcements") } else { t(l, "no_match") }) }
        }
        table #announcements {
            tr { th { "ID" } th { (t(l, "state")) } th { (t(l, "text")) } th { (t(l, "valid")) } th { (t(l, "key")) } th { (t(l, "approver")) } th { (t(l, "displayed")) } }
            @for a in &shown {
                @let id = a.id().unwrap_or("");
                @let find = search_text(a);
                @match a {
                    Listed::Held(a) => {
                        tr data-id=(id) data-search=(find) {
                            td { (id) " r" (a.revision) }
                            td { (ann_state_word(l, a.state)) " · " (priority_word(l, a.priority)) }
                            td { strong { (a.title) } br; (a.body) }
                            td {
                                time datetime=(a.valid_from.map(|t| t.to_string()).unwrap_or_default()) { (when(a.valid_from.as_ref())) }
                                " → "
                                time datetime=(a.valid_until.map(|t| t.to_string()).unwrap_or_default()) { (when(a.valid_until.as_ref())) }
                            }
                            td { (a.key_id) }
                            td { (a.approved_by.as_deref().unwrap_or("—")) }
                            td { (a.displayed.as_deref().map_or("—", |s| &s[..12.min(s.len())])) }
                        }
                        tr.detail data-id=(id) data-search=(find) {
                            td colspan="7" {
                                div.pages {
                                    @for n in 1..=a.pages {
                                        img loading="lazy" alt=(format!("{} {n}", t(l, "page")))
                                            src=(format!("/api/v1/announcements/{id}/pages/{n}"));
                                    }
                                }
                                ol.history {
                                    @for h in &a.history {
                                        li {
                                            time datetime=(h.at) { (short_time(&h.at, tz)) } " "
                                            strong { (receipt_word(l, &h.event)) }
                                            @if let Some(r) = h.revision { " r" (r) }
                                            @if let Some(why) = history_reason(l, h) { " — " (why) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                    Listed::Refused(r) => {
                        tr data-id=(id) data-search=(find) {
                            td { (id) @if let Some(n) = r.revision { " r" (n) } }
                            td { (t(l, "refused")) }
                            td {
                                (t(l, "refused")) ": " (if l == Lang::Zh { &r.reason_zh } else { &r.reason })
                                @if !r.verified { " " em { (t(l, "unverified")) } }
                            }
                            td { time datetime=(r.at) { (short_time(&r.at, tz)) } }
                            td { "—" } td { "—" } td { "—" }
                        }
                    }
                }
            }
        }
    };
    with_lang(&q, page(l, Some(&c), t(l, "announcements"), &body))
}

/// What the announcements page's search box looks in, lower-cased: the id, the title and the
/// text (a refusal's reason). The same fields as [`Listed::matches`], which filters on the server.
fn search_text(a: &Listed) -> String {
    match a {
        Listed::Held(h) => format!("{}\n{}\n{}", h.id, h.title, h.body),
        Listed::Refused(r) => format!("{}\n{}\n{}", r.id.as_deref().unwrap_or(""), r.reason, r.reason_zh),
    }
    .to_lowercase()
}

/// A receipt's reason in the page's language: the Chinese written with it from its typed value
/// (an entry an older version wrote has only the English).
fn history_reason(l: Lang, h: &pinghu_daemon::store::HistoryEntry) -> Option<&str> {
    match l {
        Lang::Zh => h.reason_zh.as_deref().or(h.reason.as_deref()),
        Lang::En => h.reason.as_deref(),
    }
}
