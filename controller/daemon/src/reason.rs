//! Why a receipt says what it says: [`Reason`], each reason with its arguments, in English
//! (`Display`: the receipt's `reason` on MQTT, a contract, docs/mqtt.md) and in Chinese (the
//! console's announcements page), side by side in one match arm; and a stable `code` for
//! machines (`reason_code`). A reason read back from the state file (a receipt waiting in the
//! outbox) is the words it was written with, [`Reason::Recorded`]: nobody parses them.

use jiff::Timestamp;
use pinghu_playlists::Bilingual;
use pinghu_playlists::problem::{Lang, Said};

use crate::alerts::NotShown;
use crate::alerts::rules::Note;
use crate::envelope::Rejection;
use crate::store::AnnState;

/// Why a receipt says what it says. Two reasons are equal when they say the same: the same
/// `code` and the same English words, so a reason read back from the state file
/// ([`Reason::Recorded`]) equals the typed one it was written from.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Reason {
    /// The envelope or its payload was refused.
    Envelope(Rejection),
    /// Issued before the board had to recover its state: it cannot tell it from a replay.
    BeforeHorizon { issued: Timestamp, horizon: Timestamp },
    /// Issued at or before the revisions this board has forgotten.
    Forgotten { issued: Timestamp, floor: Timestamp },
    /// A revision not newer than one already received.
    Replay { id: String, revision: u64, seen: u64 },
    /// Its `valid_until` has passed.
    Expired { valid_until: Option<Timestamp> },
    /// A warning reached the announcement path (a bug).
    Misrouted,
    /// The exact message is held already.
    AlreadyHeld { accepted_at: Timestamp, state: AnnState },
    /// The exact revocation of `id` was accepted already.
    RevocationHeld { id: String },
    /// Replaced by a newer revision.
    ReplacedBy { revision: u64 },
    /// A revocation of something no longer showing.
    AlreadyInState { state: AnnState },
    /// A revocation of an id not received yet.
    RevokedBeforeReceived,
    /// Suspended: the board restored its state from an older copy.
    Restored,
    /// A message larger than any topic takes.
    Oversized { size: usize },
    /// A warning's older message arrived after a newer one.
    LateOlder { sent: Timestamp },
    /// An Update that references nothing, judged as a new warning; then what else it says.
    UnreferencedUpdate { then: Option<Box<Reason>> },
    /// A warning's message received before, with other bytes.
    Duplicate { sender: String, identifier: String },
    /// The exact Cancel was accepted already.
    CancelHeld,
    /// The warning was cancelled (`by`: the Cancel's sender and identifier): taken off.
    Cancelled { by: String },
    /// A message of a cancelled warning: never shown.
    CancelledNeverShows { by: String },
    /// A Cancel of a warning never received (`names`: what it references).
    CancelUnknown { names: Vec<String> },
    /// A warning not for this board's glass.
    NotShown(NotShown),
    /// An update of a warning takes it off this board, for this reason.
    TakenOffByUpdate(NotShown),
    /// A message joined this warning to warning `id`, whose newer message shows instead.
    JoinedTo { id: String },
    /// How the board read a shown warning.
    Notes(Vec<Note>),
    /// An office message refused (calendar, playlist, picture, keys): the words its typed
    /// error wrote in both languages.
    Office(Said),
    /// A reason read back from the state file: the words it was written with (`zh` is absent
    /// when an older version wrote it).
    Recorded {
        code: String,
        en: String,
        zh: Option<String>,
    },
}

impl PartialEq for Reason {
    fn eq(&self, other: &Self) -> bool {
        self.code() == other.code() && self.to_string() == other.to_string()
    }
}

impl Eq for Reason {}

impl Reason {
    /// A stable name of the reason for machines (`reason_code`, docs/mqtt.md).
    pub fn code(&self) -> &str {
        match self {
            Self::Envelope(r) => r.code(),
            Self::BeforeHorizon { .. } => "before_recovery",
            Self::Forgotten { .. } => "forgotten",
            Self::Replay { .. } => "replay",
            Self::Expired { .. } => "expired",
            Self::Misrouted => "misrouted",
            Self::AlreadyHeld { .. } | Self::RevocationHeld { .. } | Self::CancelHeld => "already_held",
            Self::ReplacedBy { .. } => "replaced",
            Self::AlreadyInState { .. } => "already_off",
            Self::RevokedBeforeReceived => "revoked_before_received",
            Self::Restored => "restored_state",
            Self::Oversized { .. } => "too_large",
            Self::LateOlder { .. } => "late_older_message",
            Self::UnreferencedUpdate { .. } => "update_without_references",
            Self::Duplicate { .. } => "duplicate",
            Self::Cancelled { .. } | Self::CancelledNeverShows { .. } => "cancelled",
            Self::CancelUnknown { .. } => "cancel_of_unknown",
            Self::NotShown(n) | Self::TakenOffByUpdate(n) => match n {
                NotShown::Exercise { .. } => "exercise",
                NotShown::Ignored { .. } => "ignored_status",
                NotShown::Scope { .. } => "not_public",
                NotShown::NoWarning { .. } => "no_warning",
                NotShown::NoInfo => "no_info",
                NotShown::NotOurArea { .. } => "not_our_area",
                NotShown::BelowThreshold { .. } => "below_threshold",
            },
            Self::JoinedTo { .. } => "joined",
            Self::Notes(_) => "notes",
            Self::Office(_) => "office",
            Self::Recorded { code, .. } => code,
        }
    }

    /// The reason in `lang`.
    pub fn words(&self, lang: Lang) -> String {
        let p = |en: String, zh: String| lang.pick(|| en, || zh);
        match self {
            Self::Envelope(r) => r.words(lang),
            Self::BeforeHorizon { issued, horizon } => p(
                format!(
                    "issued at {issued}, before {horizon}, when this board had to recover its state (from an older \
                     copy, or empty after losing it): it cannot tell this message from a replay; issue it again \
                     with a new revision"
                ),
                format!(
                    "签发于 {issued}，早于本屏恢复状态的时间 {horizon}（从旧副本恢复，或丢失后从空白开始）：无法区分它与重放的旧消息；请以新版本号重新签发"
                ),
            ),
            Self::Forgotten { issued, floor } => p(
                format!(
                    "issued at {issued}, not after {floor}: this board has forgotten the revisions of messages issued \
                     that long ago (it keeps an id's revision for a year after its issue) and cannot tell this one \
                     from a replay; issue it again"
                ),
                format!(
                    "签发于 {issued}，不晚于 {floor}：本屏已不再记得这么早签发的消息版本（每个编号的版本只保留一年），无法区分它与重放的旧消息；请重新签发"
                ),
            ),
            Self::Replay { id, revision, seen } => p(
                format!("replay: revision {revision} of {id} is not newer than revision {seen} already received"),
                format!("重放：{id} 的版本 {revision} 不比已收到的版本 {seen} 新"),
            ),
            Self::Expired { valid_until } => {
                let until = valid_until.map(|t| t.to_string()).unwrap_or_default();
                p(
                    format!("expired: valid_until {until} has passed"),
                    format!("已过期：有效期已于 {until} 结束"),
                )
            }
            Self::Misrouted => p(
                "a warning reached the announcement path".to_owned(),
                "预警消息被当作公告处理（程序错误，请报告）".to_owned(),
            ),
            Self::AlreadyHeld { accepted_at, state } => p(
                format!(
                    "already held: this exact message was accepted at {accepted_at}, and is {} now",
                    state_en(*state)
                ),
                format!("已持有：同一条消息已于 {accepted_at} 接收，现在{}", state_zh(*state)),
            ),
            Self::RevocationHeld { id } => p(
                format!("already held: this exact revocation of {id} was accepted"),
                format!("已持有：对 {id} 的同一撤回消息已接收"),
            ),
            Self::ReplacedBy { revision } => p(
                format!("replaced by revision {revision}"),
                format!("已被版本 {revision} 取代"),
            ),
            Self::AlreadyInState { state } => p(
                format!("it was already {}", state_en(*state)),
                format!("它此前已{}", state_zh(*state)),
            ),
            Self::RevokedBeforeReceived => p(
                "not received yet: revisions up to this one will be refused".to_owned(),
                "尚未收到该公告：此版本及更早的版本今后都会被拒绝".to_owned(),
            ),
            Self::Restored => p(
                "this board restored its state from an older copy and cannot tell whether it was revoked or replaced \
                 since: issue a new revision to show it again"
                    .to_owned(),
                "本屏从旧副本恢复了状态，无法确定此公告之后是否被撤回或取代：请签发新版本以重新显示".to_owned(),
            ),
            Self::Oversized { size } => p(
                format!(
                    "the message is {size} bytes, more than the {} MiB any topic takes (the broker's \
                     message_size_limit should stop such messages: docs/mqtt.md)",
                    crate::envelope::MAX_MESSAGE / (1024 * 1024)
                ),
                format!(
                    "消息有 {size} 字节，超过 {} MiB 的上限",
                    crate::envelope::MAX_MESSAGE / (1024 * 1024)
                ),
            ),
            Self::LateOlder { sent } => p(
                format!("an older message of this warning arrived after a newer one (sent {sent}): never shown"),
                format!("此预警的旧消息（发送于 {sent}）晚于新消息到达：不会显示"),
            ),
            Self::UnreferencedUpdate { then } => {
                let head = p(
                    "an Update that references nothing: judged as a new warning".to_owned(),
                    "更新消息未引用任何消息：按新预警处理".to_owned(),
                );
                match then {
                    Some(r) => format!("{head}{}{}", if lang == Lang::Zh { "；" } else { "; " }, r.words(lang)),
                    None => head,
                }
            }
            Self::Duplicate { sender, identifier } => p(
                format!("duplicate: {sender} {identifier} was received before"),
                format!("重复：{sender} {identifier} 此前已收到"),
            ),
            Self::CancelHeld => p(
                "already held: this exact cancel was accepted".to_owned(),
                "已持有：同一条解除消息已接收".to_owned(),
            ),
            Self::Cancelled { by } => p(
                format!("the warning was cancelled ({by})"),
                format!("预警已解除（{by}）"),
            ),
            Self::CancelledNeverShows { by } => p(
                format!("the warning was cancelled ({by}): nothing of it shows again"),
                format!("预警已解除（{by}）：其任何消息都不会再显示"),
            ),
            Self::CancelUnknown { names } => p(
                format!(
                    "a Cancel of a warning this board has not received ({}): nothing to take off; kept, so the \
                     warning never shows if it arrives later",
                    names.join(" ")
                ),
                format!(
                    "解除的预警本屏未曾收到（{}）：无需撤下；已记下，该预警之后到达也不会显示",
                    names.join(" ")
                ),
            ),
            Self::NotShown(n) => not_shown(n, lang),
            Self::TakenOffByUpdate(n) => p(
                format!("the update takes it off this board: {}", not_shown(n, Lang::En)),
                format!("更新消息使它从本屏撤下：{}", not_shown(n, Lang::Zh)),
            ),
            Self::JoinedTo { id } => p(
                format!("a message joined it to warning {id}, whose newer message shows instead"),
                format!("一条消息将它并入预警 {id}，改为显示该预警的较新消息"),
            ),
            Self::Notes(notes) => {
                let said: Vec<String> = notes.iter().map(|n| note(n, lang)).collect();
                said.join(if lang == Lang::Zh { "；" } else { "; " })
            }
            Self::Office(said) => p(said.en.clone(), said.zh.clone()),
            Self::Recorded { en, zh, .. } => match (lang, zh) {
                (Lang::Zh, Some(zh)) => zh.clone(),
                _ => en.clone(),
            },
        }
    }
}

fn state_en(s: AnnState) -> &'static str {
    match s {
        AnnState::Active => "active",
        AnnState::Expired => "expired",
        AnnState::Revoked => "revoked",
        AnnState::Superseded => "superseded",
        AnnState::Suspended => "suspended",
    }
}

fn state_zh(s: AnnState) -> &'static str {
    match s {
        AnnState::Active => "正在生效",
        AnnState::Expired => "已过期",
        AnnState::Revoked => "已撤回",
        AnnState::Superseded => "已被取代",
        AnnState::Suspended => "已暂停",
    }
}

fn not_shown(n: &NotShown, lang: Lang) -> String {
    let p = |en: String, zh: String| lang.pick(|| en, || zh);
    match n {
        NotShown::Exercise { status } => p(
            format!(
                "{}: an exercise or test, not shown (alerts.show_exercises = true shows them, marked 演练)",
                status.to_lowercase()
            ),
            "演练或测试消息，不显示（配置 alerts.show_exercises = true 可显示，并标注“演练”）".to_owned(),
        ),
        NotShown::Ignored { status } => p(
            format!("{}: ignored", status.to_lowercase()),
            "草稿或系统消息，已忽略".to_owned(),
        ),
        NotShown::Scope { scope } => p(
            format!("scope {scope}: only Public warnings reach the glass"),
            "非公开预警：只有公开（Public）的预警才会显示".to_owned(),
        ),
        NotShown::NoWarning { msg_type } => p(
            format!("{msg_type}: carries no warning"),
            "确认或错误消息，不含预警内容".to_owned(),
        ),
        NotShown::NoInfo => p("no <info> block".to_owned(), "消息中没有预警信息块（<info>）".to_owned()),
        NotShown::NotOurArea { areas } if areas.is_empty() => p(
            "not our area: the warning names no area this board can check".to_owned(),
            "不在本屏区域：预警未写明本屏能判断的区域".to_owned(),
        ),
        NotShown::NotOurArea { areas } => p(
            format!(
                "not our area: {} does not include this board (alerts.geocodes, alerts.location)",
                areas.join("、")
            ),
            format!("不在本屏区域：{} 不包括本屏所在地（见配置 alerts.geocodes、alerts.location）", areas.join("、")),
        ),
        NotShown::BelowThreshold {
            severity,
            urgency,
            certainty,
        } => p(
            format!(
                "below threshold: {severity} / {urgency} / {certainty} (alerts.min_severity, min_urgency, min_certainty)"
            ),
            "低于显示门槛：预警的严重程度、紧急程度或确定程度不够（见配置 alerts.min_severity、min_urgency、min_certainty）"
                .to_owned(),
        ),
    }
}

/// The English of why a warning does not show (what its receipt says).
impl std::fmt::Display for NotShown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&not_shown(self, Lang::En))
    }
}

fn note(n: &Note, lang: Lang) -> String {
    match n {
        Note::UnknownEventCode(code) => lang.pick(
            || n.to_string(),
            || format!("事件类型代码 {code:?} 不在本屏的 GB/T 35561 代码表中，消息也没有事件名称：屏上显示该代码"),
        ),
    }
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.words(Lang::En))
    }
}

impl Bilingual for Reason {
    fn zh(&self) -> String {
        self.words(Lang::Zh)
    }
}

impl From<Rejection> for Reason {
    fn from(r: Rejection) -> Self {
        Self::Envelope(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::{Receipt, ReceiptEvent};

    /// Every reason reads in Chinese with no English sentence left in it (names, codes and
    /// configuration keys aside), and a receipt's JSON keeps `reason` in English beside
    /// `reason_zh` and `reason_code`, read back as the words it was written with.
    #[test]
    fn every_reason_reads_in_chinese_and_the_receipt_keeps_its_english() {
        let t: Timestamp = "2026-12-07T08:00:00Z".parse().unwrap();
        let area = NotShown::NotOurArea {
            areas: vec!["夷陵区".into()],
        };
        let all = [
            Reason::Envelope(Rejection::Forged { key_id: "k".into() }),
            Reason::Envelope(Rejection::PayloadJson {
                detail: "expected value at line 1 column 1".into(),
            }),
            Reason::Envelope(Rejection::AlertDocument {
                content_type: "application/cap+xml".into(),
                problem: Box::new(crate::alerts::CapProblem::Missing("identifier")),
            }),
            Reason::Envelope(Rejection::AnnouncementTooLarge { bytes: 70_000 }),
            Reason::BeforeHorizon { issued: t, horizon: t },
            Reason::Forgotten { issued: t, floor: t },
            Reason::Replay {
                id: "a".into(),
                revision: 1,
                seen: 2,
            },
            Reason::Expired { valid_until: Some(t) },
            Reason::AlreadyHeld {
                accepted_at: t,
                state: AnnState::Active,
            },
            Reason::RevokedBeforeReceived,
            Reason::Restored,
            Reason::Oversized { size: 9_000_000 },
            Reason::UnreferencedUpdate {
                then: Some(Box::new(Reason::NotShown(area.clone()))),
            },
            Reason::NotShown(NotShown::Scope { scope: "Private" }),
            Reason::NotShown(NotShown::BelowThreshold {
                severity: "Minor",
                urgency: "Future",
                certainty: "Unlikely",
            }),
            Reason::TakenOffByUpdate(area),
            Reason::Notes(vec![Note::UnknownEventCode("11B99".into())]),
        ];
        let allowed = [
            "valid_until",
            "alerts",
            "show_exercises",
            "true",
            "geocodes",
            "location",
            "min_severity",
            "min_urgency",
            "min_certainty",
            "info",
            "Public",
            "revision",
            "valid_from",
            "GB",
            "MiB",
            "KiB",
            "JSON",
            "XML",
            "CAP",
        ];
        for r in &all {
            let zh = r.zh();
            // A warning document's element names (<identifier>) are the document's own words.
            let mut bare = String::new();
            let mut in_tag = false;
            for c in zh.chars() {
                match c {
                    '<' => in_tag = true,
                    '>' => in_tag = false,
                    c if !in_tag => bare.push(c),
                    _ => {}
                }
            }
            let left: Vec<&str> = bare
                .split(|c: char| !c.is_ascii_alphabetic() && c != '_')
                .filter(|w| w.len() > 2 && !allowed.contains(w))
                .collect();
            assert!(left.is_empty(), "{r}\n -> {zh}: {left:?}");
        }
        // A warning's document refused: the Chinese names what is wrong in it, as the English does.
        let doc = Reason::Envelope(Rejection::AlertDocument {
            content_type: "application/cap+xml".into(),
            problem: Box::new(crate::alerts::CapProblem::Missing("identifier")),
        });
        assert_eq!(doc.to_string(), "application/cap+xml: <identifier> is missing");
        assert_eq!(doc.zh(), "预警文档缺少 <identifier>：请联系预警发布系统");
        let r = Receipt::new(Some("a"), Some(1), ReceiptEvent::Rejected, t).with_reason(Reason::Replay {
            id: "a".into(),
            revision: 1,
            seen: 2,
        });
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(
            json["reason"],
            "replay: revision 1 of a is not newer than revision 2 already received"
        );
        assert_eq!(json["reason_zh"], "重放：a 的版本 1 不比已收到的版本 2 新");
        assert_eq!(json["reason_code"], "replay");
        let back: Receipt = serde_json::from_value(json).unwrap();
        // Read back, the receipt is the one written: its reason says the same words.
        assert_eq!(back, r);
        assert!(matches!(back.reason, Some(Reason::Recorded { .. })));
        assert_ne!(
            back.reason,
            Some(Reason::Replay {
                id: "a".into(),
                revision: 1,
                seen: 3
            })
        );
        assert_eq!(back.reason.unwrap().zh(), "重放：a 的版本 1 不比已收到的版本 2 新");
    }
}
