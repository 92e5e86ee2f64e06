//! Why an envelope is refused: each reason in English (`Display`, the `rejected` receipt's
//! `reason` on MQTT) and in Chinese (the console), side by side in one match arm.

use pinghu_playlists::Bilingual;
use pinghu_playlists::problem::Lang;

use super::{MAX_ANNOUNCEMENT, MAX_BODY, MAX_ENVELOPE, MAX_TITLE};

/// Why an envelope was refused. `detail` fields are a parser's own words (serde, base64, the
/// warning reader): in the English only.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Rejection {
    EnvelopeTooLarge {
        bytes: usize,
    },
    NotAnEnvelope {
        detail: String,
    },
    PayloadBase64 {
        detail: String,
    },
    UnknownKey {
        key_id: String,
    },
    SignatureBase64 {
        detail: String,
    },
    /// Not a signature of the key's kind at all.
    SignatureShape {
        detail: &'static str,
    },
    Forged {
        key_id: String,
    },
    UnknownContentType {
        content_type: String,
    },
    /// A warning's document that the reader refused (malformed XML, a missing element …), of
    /// `content_type`.
    AlertDocument {
        content_type: String,
        problem: Box<crate::alerts::CapProblem>,
    },
    AnnouncementTooLarge {
        bytes: usize,
    },
    PayloadNotUtf8,
    PayloadJson {
        detail: String,
    },
    BadId {
        id: String,
    },
    ZeroRevision,
    Time {
        field: &'static str,
        value: String,
    },
    Action {
        action: String,
    },
    Priority {
        priority: String,
    },
    PriorityMissing,
    BodyMissing,
    BodyEmpty,
    BodyTooLong {
        n: usize,
    },
    TitleTooLong {
        n: usize,
    },
    ValidityOrder,
    FontSize {
        size: u8,
    },
    Color {
        color: String,
    },
    Effect {
        effect: String,
    },
}

impl Rejection {
    /// A stable name of the reason, for machines (`reason_code` in a receipt, docs/mqtt.md).
    pub fn code(&self) -> &'static str {
        match self {
            Self::EnvelopeTooLarge { .. } => "envelope_too_large",
            Self::NotAnEnvelope { .. } => "not_an_envelope",
            Self::PayloadBase64 { .. } => "payload_base64",
            Self::UnknownKey { .. } => "unknown_key",
            Self::SignatureBase64 { .. } | Self::SignatureShape { .. } => "signature_malformed",
            Self::Forged { .. } => "signature_invalid",
            Self::UnknownContentType { .. } => "unknown_content_type",
            Self::AlertDocument { .. } => "alert_malformed",
            Self::AnnouncementTooLarge { .. } => "announcement_too_large",
            Self::PayloadNotUtf8 | Self::PayloadJson { .. } => "payload_malformed",
            Self::BadId { .. }
            | Self::ZeroRevision
            | Self::Time { .. }
            | Self::Action { .. }
            | Self::Priority { .. }
            | Self::PriorityMissing
            | Self::BodyMissing
            | Self::BodyEmpty
            | Self::BodyTooLong { .. }
            | Self::TitleTooLong { .. }
            | Self::ValidityOrder
            | Self::FontSize { .. }
            | Self::Color { .. }
            | Self::Effect { .. } => "payload_invalid",
        }
    }

    /// The reason in `lang`.
    pub fn words(&self, lang: Lang) -> String {
        let p = |en: String, zh: String| lang.pick(|| en, || zh);
        match self {
            Self::EnvelopeTooLarge { bytes } => p(
                format!(
                    "envelope is {bytes} bytes, more than the {} KiB limit",
                    MAX_ENVELOPE / 1024
                ),
                format!("消息信封有 {bytes} 字节，超过 {} KiB 的上限", MAX_ENVELOPE / 1024),
            ),
            Self::NotAnEnvelope { detail } => p(
                format!("not an envelope: {detail} (expected {{\"key_id\", \"payload\", \"signature\"}})"),
                "不是有效的消息信封：应为含 key_id、payload、signature 的 JSON".to_owned(),
            ),
            Self::PayloadBase64 { detail } => p(
                format!("payload is not standard base64: {detail}"),
                "消息内容（payload）不是标准 Base64 编码".to_owned(),
            ),
            Self::UnknownKey { key_id } => p(
                format!("unknown key_id {key_id:?}: add the portal's public key to the configuration"),
                format!("未知的密钥 {key_id:?}：请在配置中添加门户的公钥"),
            ),
            Self::SignatureBase64 { detail } => p(
                format!("signature is not standard base64: {detail}"),
                "签名不是标准 Base64 编码".to_owned(),
            ),
            Self::SignatureShape { detail } => p((*detail).to_owned(), "签名格式不对，不是该密钥类型的签名".to_owned()),
            Self::Forged { key_id } => p(
                format!("signature does not verify with key {key_id:?}: forged, altered or signed with another key"),
                format!("签名验证失败（密钥 {key_id:?}）：消息被伪造、篡改，或用其他密钥签名"),
            ),
            Self::UnknownContentType { content_type } => p(
                format!(
                    "content_type {content_type:?} is not known: application/cap+xml, application/gbt35965+xml, or \
                     none for an announcement"
                ),
                format!("未知的内容类型 {content_type:?}：预警应为 CAP 或 GB/T 35965.1 格式，公告不带内容类型"),
            ),
            Self::AlertDocument { content_type, problem } => p(format!("{content_type}: {problem}"), problem.zh()),
            Self::AnnouncementTooLarge { bytes } => p(
                format!(
                    "the announcement is {bytes} bytes, more than the {} KiB limit",
                    MAX_ANNOUNCEMENT / 1024
                ),
                format!("公告有 {bytes} 字节，超过 {} KiB 的上限", MAX_ANNOUNCEMENT / 1024),
            ),
            Self::PayloadNotUtf8 => p("payload is not UTF-8".to_owned(), "公告内容不是 UTF-8 文本".to_owned()),
            Self::PayloadJson { detail } => p(
                format!("payload: {detail}"),
                "公告内容不是有效的 JSON，或缺少字段、含有未知字段".to_owned(),
            ),
            Self::BadId { id } => p(
                format!("id {id:?} must be 1-64 characters of A-Z a-z 0-9 . _ -"),
                format!("公告编号 {id:?} 应为 1 到 64 个字母、数字或 . _ -"),
            ),
            Self::ZeroRevision => p(
                "revision must be a positive integer".to_owned(),
                "版本号（revision）应为正整数".to_owned(),
            ),
            Self::Time { field, value } => p(
                format!("{field} {value:?} is not an RFC 3339 time with an offset (e.g. 2026-11-28T08:00:00+08:00)"),
                format!("{field} {value:?} 不是带时区的时间（例如 2026-11-28T08:00:00+08:00）"),
            ),
            Self::Action { action } => p(
                format!("action {action:?} must be publish or revoke"),
                format!("操作 {action:?} 无效：应为 publish（发布）或 revoke（撤回）"),
            ),
            Self::Priority { priority } => p(
                format!("priority {priority:?} must be normal, urgent or emergency"),
                format!("优先级 {priority:?} 无效：应为 normal、urgent 或 emergency"),
            ),
            Self::PriorityMissing => p(
                "priority is missing (normal, urgent or emergency)".to_owned(),
                "缺少优先级（normal、urgent 或 emergency）".to_owned(),
            ),
            Self::BodyMissing => p("body is missing".to_owned(), "缺少公告正文".to_owned()),
            Self::BodyEmpty => p("body is empty".to_owned(), "公告正文为空".to_owned()),
            Self::BodyTooLong { n } => p(
                format!("body has {n} characters, more than {MAX_BODY}"),
                format!("公告正文有 {n} 个字符，超过上限 {MAX_BODY}"),
            ),
            Self::TitleTooLong { n } => p(
                format!("title has {n} characters, more than {MAX_TITLE}"),
                format!("公告标题有 {n} 个字符，超过上限 {MAX_TITLE}"),
            ),
            Self::ValidityOrder => p(
                "valid_until is not after valid_from".to_owned(),
                "有效期的结束时间（valid_until）不晚于开始时间（valid_from）".to_owned(),
            ),
            Self::FontSize { size } => p(
                format!(
                    "style.font_size {size} must be {}",
                    pinghu_protocol::style::font_sizes_text()
                ),
                {
                    let sizes: Vec<String> = pinghu_protocol::style::FONT_SIZES.iter().map(u32::to_string).collect();
                    format!("字号 {size} 无效：应为 {} 之一", sizes.join("、"))
                },
            ),
            Self::Color { color } => p(
                format!("style.color {color:?} must be red, green or yellow"),
                format!("颜色 {color:?} 无效：应为 red（红）、green（绿）或 yellow（黄）"),
            ),
            Self::Effect { effect } => p(
                format!("style.effect {effect:?} is not an effect"),
                format!("显示效果 {effect:?} 无效"),
            ),
        }
    }
}

impl std::fmt::Display for Rejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.words(Lang::En))
    }
}

impl std::error::Error for Rejection {}

impl Bilingual for Rejection {
    fn zh(&self) -> String {
        self.words(Lang::Zh)
    }
}
