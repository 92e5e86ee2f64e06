//! Requests the console refuses or cannot answer: who is asking (sign-in, API tokens, roles, the
//! Origin and CSRF checks), what the body is (axum's own rejections of a body, read by their
//! type), what the query asks, what is not there, and the console's own faults. Each is a typed
//! value that says itself in English and in Chinese, and answers as the API's JSON error:
//! `{"ok": false, "error", "error_zh"}`.

use axum::extract::rejection::{BytesRejection, FailedToBufferBody, JsonRejection, StringRejection};
use axum::extract::{FromRequest, Request};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

use crate::auth::Role;
use crate::words::{Lang, role_word};

/// A request refused: 401 (not signed in), 403 (role too weak, another site, a bad CSRF token),
/// or axum's status for a body it could not take (400, 413, 415, 422).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// No session and no API token.
    NotSignedIn,
    /// An API token no user has.
    UnknownToken,
    /// An API token of a user an admin disabled.
    UserDisabled { name: String },
    /// The caller's role `has` may not do what `needs` names.
    NeedsRole { needs: Needs, has: Role },
    /// A change sent from a page of another site (its Origin is not this console's Host).
    OtherSite,
    /// A browser's change without its session's CSRF token.
    Csrf,
    /// The body is not what the request takes; `detail` is axum's words (for English readers and
    /// the logs: a JSON parser's position, a missing field).
    Body { problem: BodyProblem, detail: String },
    /// `PUT /api/v1/playlist` takes the playlist's TOML text, and JSON was sent (415).
    PlaylistIsToml,
    /// A query value the request cannot take (400).
    Query(QueryProblem),
    /// No test pattern of this name (400).
    NoPattern { name: String },
    /// Nothing at this address (404).
    NotFound(Missing),
    /// The address does not take this method (405; the `Allow` header names those it takes).
    Method,
    /// The daemon is stopping (503): nothing more is answered.
    Stopping,
    /// The caller's address holds as many connections as one address may (429).
    TooManyConnections,
    /// The console failed at its own work (500): its fault, not the request's.
    Fault(Fault),
}

/// A query value out of what the request takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryProblem {
    /// `?scale=` outside `min..=max`.
    Scale { min: u32, max: u32 },
    /// `?date=` not a date `YYYY-MM-DD`.
    Date,
    /// `?date=` a date the board's time zone cannot place.
    DateOutOfRange,
    /// A query value of the wrong kind (a word where a number goes, a number too large).
    Unreadable,
    /// `?count=` above what one request may ask for.
    Count { max: usize },
    /// `?format=` other than `json` or `csv`.
    Format,
}

/// What a 404 did not find.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Missing {
    /// A playlist version by its SHA-256.
    PlaylistVersion,
    /// An announcement, or a page of it.
    AnnouncementPage,
    /// No page or API at this address.
    Address,
}

/// What the console failed to do on its own side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Drawing an image of the board, a page or a picture, or the preview.
    Draw,
    /// Decoding the card's trace.
    Trace,
    /// Reading the audit log (the system's words).
    AuditLog { detail: String },
    /// Reading the proof-of-display log.
    ProofLog,
    /// A change that stopped half way (nothing was saved).
    HalfDone,
    /// The system's random generator.
    Random,
}

/// What a refused request needed a stronger role for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Needs {
    /// Editing, saving and restoring playlists and pictures: operator or admin.
    Playlists,
    /// The card's own controls: technician or admin.
    Card,
    /// Managing users and tokens: admin.
    Users,
}

impl Needs {
    /// The roles that may.
    pub fn roles(self) -> &'static [Role] {
        match self {
            Self::Playlists => &[Role::Operator, Role::Admin],
            Self::Card => &[Role::Technician, Role::Admin],
            Self::Users => &[Role::Admin],
        }
    }
}

/// Why a request's body was not taken, from the type of axum's rejection (never its text).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyProblem {
    /// Larger than the route takes (413).
    TooLarge,
    /// JSON was sent without `Content-Type: application/json` (415).
    NotJsonContentType,
    /// Not JSON at all: a syntax error (400).
    JsonSyntax,
    /// JSON, but not the fields and values the request takes (422).
    JsonShape,
    /// Not UTF-8 text (400).
    NotUtf8,
    /// The body could not be read (the connection broke, 400).
    Unreadable,
}

impl BodyProblem {
    fn of_buffer(r: &FailedToBufferBody) -> Self {
        match r {
            FailedToBufferBody::LengthLimitError(_) => Self::TooLarge,
            _ => Self::Unreadable,
        }
    }

    fn of_bytes(r: &BytesRejection) -> Self {
        match r {
            BytesRejection::FailedToBufferBody(b) => Self::of_buffer(b),
            _ => Self::Unreadable,
        }
    }

    fn of_json(r: &JsonRejection) -> Self {
        match r {
            JsonRejection::JsonDataError(_) => Self::JsonShape,
            JsonRejection::JsonSyntaxError(_) => Self::JsonSyntax,
            JsonRejection::MissingJsonContentType(_) => Self::NotJsonContentType,
            JsonRejection::BytesRejection(b) => Self::of_bytes(b),
            _ => Self::Unreadable,
        }
    }

    fn of_string(r: &StringRejection) -> Self {
        match r {
            StringRejection::FailedToBufferBody(b) => Self::of_buffer(b),
            StringRejection::InvalidUtf8(_) => Self::NotUtf8,
            _ => Self::Unreadable,
        }
    }
}

impl Refused {
    /// The HTTP status it answers with.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::NotSignedIn | Self::UnknownToken | Self::UserDisabled { .. } => StatusCode::UNAUTHORIZED,
            Self::NeedsRole { .. } | Self::OtherSite | Self::Csrf => StatusCode::FORBIDDEN,
            Self::PlaylistIsToml => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Query(_) | Self::NoPattern { .. } => StatusCode::BAD_REQUEST,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Stopping => StatusCode::SERVICE_UNAVAILABLE,
            Self::Method => StatusCode::METHOD_NOT_ALLOWED,
            Self::TooManyConnections => StatusCode::TOO_MANY_REQUESTS,
            Self::Fault(_) => StatusCode::INTERNAL_SERVER_ERROR,
            Self::Body { problem, .. } => match problem {
                BodyProblem::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
                BodyProblem::NotJsonContentType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
                BodyProblem::JsonShape => StatusCode::UNPROCESSABLE_ENTITY,
                BodyProblem::JsonSyntax | BodyProblem::NotUtf8 | BodyProblem::Unreadable => StatusCode::BAD_REQUEST,
            },
        }
    }

    /// The refusal in `l`: English and Chinese side by side.
    pub fn words(&self, l: Lang) -> String {
        let zh = l == Lang::Zh;
        match self {
            Self::NotSignedIn if zh => {
                "未登录或登录已过期：请在 /login 登录（脚本请发送 Authorization: Bearer 令牌）".to_owned()
            }
            Self::NotSignedIn => {
                "sign in at /login, or send Authorization: Bearer TOKEN (pinghu console token NAME)".to_owned()
            }
            Self::UnknownToken if zh => "API 令牌无效：没有用户持有此令牌（可能已被撤销）".to_owned(),
            Self::UnknownToken => "unknown API token".to_owned(),
            Self::UserDisabled { name } if zh => {
                format!("API 令牌属于已停用的用户 {name}：请联系管理员重新启用该用户")
            }
            Self::UserDisabled { name } => {
                format!("the API token belongs to {name}, a disabled user: ask an admin to enable the user again")
            }
            Self::NeedsRole { needs, has } => {
                let roles: Vec<&str> = needs.roles().iter().map(|r| role_word(l, *r)).collect();
                let has = role_word(l, *has);
                if zh {
                    let what = match needs {
                        Needs::Playlists => "编辑节目单",
                        Needs::Card => "操作控制卡",
                        Needs::Users => "管理用户",
                    };
                    format!("{what}需要{}角色（您的角色是{has}）：请联系管理员", roles.join("或"))
                } else {
                    let what = match needs {
                        Needs::Playlists => "editing playlists",
                        Needs::Card => "the card's controls",
                        Needs::Users => "managing users",
                    };
                    let need = if *needs == Needs::Card { "need" } else { "needs" };
                    format!("{what} {need} the {} role (you are {has})", roles.join(" or "))
                }
            }
            Self::OtherSite if zh => "请求来自其他网站的页面（Origin 不是本控制台）：请使用控制台自己的页面".to_owned(),
            Self::OtherSite => "a change sent from a page of another site (its Origin is not this console): use the \
                                console's own pages"
                .to_owned(),
            Self::Csrf if zh => "页面已过期（CSRF 令牌缺失或不正确）：请刷新页面后重试".to_owned(),
            Self::Csrf => "missing or wrong CSRF token: reload the page and try again".to_owned(),
            Self::Body { problem, detail } => {
                let (en, zh_words) = match problem {
                    BodyProblem::TooLarge => (
                        "the request's body is larger than the console takes (2 MiB; a picture 8 MB): scale a \
                         picture down first; for a long playlist, edit it in the TOML view (高级), which sends the text \
                         alone, or remove items",
                        "提交的内容超过控制台的上限（2 MiB；图片 8 MB）：图片请先缩小；节目单很长时请在“高级”中编辑（只提交文字），或删去一些节目",
                    ),
                    BodyProblem::NotJsonContentType => (
                        "the request's body must be JSON, sent with Content-Type: application/json",
                        "提交的内容应为 JSON，并带有 Content-Type: application/json",
                    ),
                    BodyProblem::JsonSyntax => ("the request's body is not valid JSON", "提交的内容不是有效的 JSON"),
                    BodyProblem::JsonShape => (
                        "the request's JSON lacks a field or has a value of the wrong kind",
                        "提交的 JSON 缺少字段，或字段的值类型不对",
                    ),
                    BodyProblem::NotUtf8 => ("the request's body is not UTF-8 text", "提交的内容不是 UTF-8 文本"),
                    BodyProblem::Unreadable => ("the request's body could not be read", "无法读取提交的内容：请重试"),
                };
                if zh {
                    zh_words.to_owned()
                } else {
                    format!("{en} ({detail})")
                }
            }
            Self::PlaylistIsToml if zh => {
                "节目单应以 TOML 文本提交（Content-Type: text/plain），而不是 JSON：表单的修改请发往 /api/v1/playlist/form"
                    .to_owned()
            }
            Self::PlaylistIsToml => "the playlist is saved as its TOML text (Content-Type: text/plain), not JSON: \
                                     send a form's edits to /api/v1/playlist/form"
                .to_owned(),
            Self::Query(q) => match (q, zh) {
                (QueryProblem::Scale { min, max }, true) => format!("scale 应为 {min} 到 {max} 的整数"),
                (QueryProblem::Scale { min, max }, false) => format!("scale must be a whole number from {min} to {max}"),
                (QueryProblem::Date, true) => "date 应为“年-月-日”形式的日期，如 2026-12-08".to_owned(),
                (QueryProblem::Date, false) => "date must be YYYY-MM-DD, such as 2026-12-08".to_owned(),
                (QueryProblem::DateOutOfRange, true) => "date 超出了可用的日期范围".to_owned(),
                (QueryProblem::DateOutOfRange, false) => "date is out of range".to_owned(),
                (QueryProblem::Count { max }, true) => format!("count 应不超过 {max}：更多的节目请分几次预览（用 from）"),
                (QueryProblem::Count { max }, false) => {
                    format!("count must be at most {max}: preview more items a window at a time (with from)")
                }
                (QueryProblem::Format, true) => "format 应为 json 或 csv".to_owned(),
                (QueryProblem::Format, false) => "format must be json or csv".to_owned(),
                (QueryProblem::Unreadable, true) => {
                    "网址中 ? 之后的参数有误（例如应为数字的地方写了文字，或数字太大）".to_owned()
                }
                (QueryProblem::Unreadable, false) => {
                    "a query value (after ? in the address) is of the wrong kind: a word where a number goes, or a \
                     number too large"
                        .to_owned()
                }
            },
            Self::NoPattern { name } => {
                let names = pinghu_daemon::card::pattern::PATTERNS.join(", ");
                if zh {
                    format!("没有名为 {name:?} 的测试图案：可用 {}", names.replace(", ", "、"))
                } else {
                    format!("no pattern {name:?}: use one of {names}")
                }
            }
            Self::NotFound(Missing::PlaylistVersion) if zh => "没有这个节目单版本：历史版本见 /api/v1/playlist/history".to_owned(),
            Self::NotFound(Missing::PlaylistVersion) => "no such version: see /api/v1/playlist/history".to_owned(),
            Self::NotFound(Missing::AnnouncementPage) if zh => {
                "没有这条公告或这一页：公告及其页数见 /api/v1/announcements".to_owned()
            }
            Self::NotFound(Missing::AnnouncementPage) => {
                "no such announcement or page: GET /api/v1/announcements lists the ids and their page counts".to_owned()
            }
            Self::TooManyConnections if zh => {
                "您的地址打开的连接过多：请关闭一些控制台页面后重试".to_owned()
            }
            Self::TooManyConnections => {
                "your address holds too many connections to the console: close some of its pages and try again"
                    .to_owned()
            }
            Self::NotFound(Missing::Address) if zh => "没有这个地址：请从控制台的页面进入（API 地址以 /api/v1/ 开头）".to_owned(),
            Self::NotFound(Missing::Address) => {
                "nothing at this address: start from the console's pages (the API is under /api/v1/, docs/console.md)"
                    .to_owned()
            }
            Self::Method if zh => "此地址不接受这种请求方法（可用的方法见 Allow 响应头）".to_owned(),
            Self::Method => "this address does not take this method (the Allow header names those it takes)".to_owned(),
            Self::Stopping if zh => "守护进程正在停止：请稍候刷新页面（systemd 会重新启动它）".to_owned(),
            Self::Stopping => "the daemon is stopping: reload in a moment (systemd starts it again)".to_owned(),
            Self::Fault(f) => {
                let (en, zh_words) = match f {
                    Fault::Draw => ("cannot draw the image".to_owned(), "无法绘制图像".to_owned()),
                    Fault::Trace => ("cannot decode the trace".to_owned(), "无法解码通信记录".to_owned()),
                    Fault::AuditLog { detail } => {
                        (format!("cannot read the audit log: {detail}"), "无法读取审计日志".to_owned())
                    }
                    Fault::ProofLog => (
                        "cannot read the proof-of-display log".to_owned(),
                        "无法读取播放证明日志".to_owned(),
                    ),
                    Fault::HalfDone => (
                        "the change stopped half way: nothing was saved".to_owned(),
                        "操作中途停止：没有保存任何更改".to_owned(),
                    ),
                    Fault::Random => (
                        "the system's random generator failed".to_owned(),
                        "系统随机数生成失败".to_owned(),
                    ),
                };
                if zh {
                    format!("{zh_words}：这是控制台的故障，请重试；如仍失败请报告")
                } else {
                    format!("{en}: a fault of the console; try again, and report it if it stays")
                }
            }
        }
    }

    /// The refusal as plain text, Chinese then English: for a page's address, where a browser
    /// shows the body as it is.
    pub fn page(&self) -> Response {
        (
            self.status(),
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            format!("{}\n{}\n", self.words(Lang::Zh), self.words(Lang::En)),
        )
            .into_response()
    }
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.words(Lang::En))
    }
}

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        let body = serde_json::json!({"ok": false, "error": self.to_string(), "error_zh": self.words(Lang::Zh)});
        (
            self.status(),
            [(header::CONTENT_TYPE, "application/json")],
            body.to_string(),
        )
            .into_response()
    }
}

/// A JSON body (as axum's [`axum::Json`]), refused as the console's JSON error.
#[derive(Debug)]
pub struct JsonBody<T>(pub T);

#[axum::async_trait]
impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonBody<T> {
    type Rejection = Refused;

    async fn from_request(req: Request, state: &S) -> Result<Self, Refused> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(Self(v)),
            Err(r) => Err(Refused::Body {
                problem: BodyProblem::of_json(&r),
                detail: r.body_text(),
            }),
        }
    }
}

/// Query values (as axum's [`axum::extract::Query`]), refused as the console's JSON error.
#[derive(Debug)]
pub struct QueryArgs<T>(pub T);

#[axum::async_trait]
impl<T: DeserializeOwned, S: Send + Sync> axum::extract::FromRequestParts<S> for QueryArgs<T> {
    type Rejection = Refused;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &S) -> Result<Self, Refused> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(Self(v)),
            Err(_) => Err(Refused::Query(QueryProblem::Unreadable)),
        }
    }
}

/// A text body (as a `String`), refused as the console's JSON error.
#[derive(Debug)]
pub struct TextBody(pub String);

#[axum::async_trait]
impl<S: Send + Sync> FromRequest<S> for TextBody {
    type Rejection = Refused;

    async fn from_request(req: Request, state: &S) -> Result<Self, Refused> {
        match String::from_request(req, state).await {
            Ok(v) => Ok(Self(v)),
            Err(r) => Err(Refused::Body {
                problem: BodyProblem::of_string(&r),
                detail: r.body_text(),
            }),
        }
    }
}

/// A body of bytes, refused as the console's JSON error.
#[derive(Debug)]
pub struct BytesBody(pub axum::body::Bytes);

#[axum::async_trait]
impl<S: Send + Sync> FromRequest<S> for BytesBody {
    type Rejection = Refused;

    async fn from_request(req: Request, state: &S) -> Result<Self, Refused> {
        match axum::body::Bytes::from_request(req, state).await {
            Ok(v) => Ok(Self(v)),
            Err(r) => Err(Refused::Body {
                problem: BodyProblem::of_bytes(&r),
                detail: r.body_text(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every refusal says itself in Chinese with no English sentence in it, and a role refusal
    /// names the roles that may.
    #[test]
    fn every_refusal_reads_in_chinese() {
        let all = [
            Refused::NotSignedIn,
            Refused::UnknownToken,
            Refused::UserDisabled { name: "li".into() },
            Refused::NeedsRole {
                needs: Needs::Playlists,
                has: Role::Viewer,
            },
            Refused::NeedsRole {
                needs: Needs::Card,
                has: Role::Operator,
            },
            Refused::NeedsRole {
                needs: Needs::Users,
                has: Role::Technician,
            },
            Refused::OtherSite,
            Refused::Csrf,
            Refused::PlaylistIsToml,
            Refused::Query(QueryProblem::Scale { min: 2, max: 16 }),
            Refused::Query(QueryProblem::Date),
            Refused::Query(QueryProblem::DateOutOfRange),
            Refused::Query(QueryProblem::Unreadable),
            Refused::Query(QueryProblem::Count { max: 200 }),
            Refused::Query(QueryProblem::Format),
            Refused::NoPattern { name: "x".into() },
            Refused::NotFound(Missing::PlaylistVersion),
            Refused::NotFound(Missing::AnnouncementPage),
            Refused::Stopping,
            Refused::NotFound(Missing::Address),
            Refused::Method,
            Refused::TooManyConnections,
            Refused::Fault(Fault::Draw),
            Refused::Fault(Fault::Trace),
            Refused::Fault(Fault::AuditLog {
                detail: "Permission denied".into(),
            }),
            Refused::Fault(Fault::ProofLog),
            Refused::Fault(Fault::HalfDone),
            Refused::Fault(Fault::Random),
        ]
        .into_iter()
        .chain(
            [
                BodyProblem::TooLarge,
                BodyProblem::NotJsonContentType,
                BodyProblem::JsonSyntax,
                BodyProblem::JsonShape,
                BodyProblem::NotUtf8,
                BodyProblem::Unreadable,
            ]
            .map(|problem| Refused::Body {
                problem,
                detail: "Failed to parse the request body as JSON: expected value at line 1 column 1".into(),
            }),
        );
        for r in all {
            let zh = r.words(Lang::Zh);
            let english = zh.split(|c: char| !c.is_ascii_alphabetic()).filter(|w| w.len() > 3);
            let left: Vec<&str> = english
                .filter(|w| {
                    ![
                        "login",
                        "Authorization",
                        "Bearer",
                        "Origin",
                        "JSON",
                        "Content",
                        "Type",
                        "application",
                        "json",
                        "CSRF",
                        "TOML",
                        "text",
                        "plain",
                        "playlist",
                        "form",
                        "history",
                        "announcements",
                        "scale",
                        "date",
                        "systemd",
                        "Allow",
                        "count",
                        "from",
                        "format",
                        "json",
                        "csv",
                        "api",
                    ]
                    .contains(w)
                        && !pinghu_daemon::card::pattern::PATTERNS.iter().any(|p| p.contains(*w))
                })
                .collect();
            assert!(left.is_empty(), "{r}: {zh}");
        }
        let r = Refused::NeedsRole {
            needs: Needs::Playlists,
            has: Role::Viewer,
        };
        assert_eq!(
            r.to_string(),
            "editing playlists needs the operator or admin role (you are viewer)"
        );
        assert_eq!(
            r.words(Lang::Zh),
            "编辑节目单需要操作员或管理员角色（您的角色是查看者）：请联系管理员"
        );
    }
}
