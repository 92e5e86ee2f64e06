//! Why an office message (calendar, playlist, picture, keys) was refused, in Chinese beside the
//! English of each typed error: the `rejected` receipt's `reason_zh` and the console say what the
//! portal must change, not only that something was refused.

use pinghu_playlists::Bilingual;

use crate::envelope::KeyError;
use crate::office::{Kind, OfficeError};

/// The kind of office message, as a clerk names it.
pub fn kind_zh(kind: Kind) -> &'static str {
    match kind {
        Kind::Calendar => "节假日日历",
        Kind::Playlist => "节目单",
        Kind::Keys => "密钥",
        Kind::Picture => "图片",
    }
}

impl Bilingual for OfficeError {
    fn zh(&self) -> String {
        match self {
            Self::NotAnEnvelope(_) => "不是签名信封：请用 `pinghu portal push` 签名后发布".to_owned(),
            Self::ContentType { found, kind } => format!(
                "{}主题上的内容类型是 {found:?}，应为 {:?}",
                kind_zh(*kind),
                kind.content_type()
            ),
            Self::Base64(_) => "消息内容不是标准的 base64 编码".to_owned(),
            Self::Signature(key) => {
                format!("签名无法用密钥 {key:?} 验证（密钥未知、已停用，或不是签名者的密钥）")
            }
            Self::Payload { kind, .. } => format!("{}消息的内容格式不正确", kind_zh(*kind)),
            Self::NeedsToml(kind) => format!("{}消息缺少 `toml` 字段", kind_zh(*kind)),
            Self::KeysNeedAddOrRetire => "密钥消息需要 `add` 或 `retire` 字段".to_owned(),
            Self::PictureNeedsNameAndData => "图片消息需要 `name`，以及 `data` 或 `remove: true`".to_owned(),
            Self::PictureData(_) => "图片消息的 `data` 不是标准的 base64 编码".to_owned(),
            Self::RetiresEveryKey => "这次轮换会停用所有门户密钥：请在同一条消息中添加新密钥".to_owned(),
            Self::PictureOnOtherTopic { name, topic } => {
                format!("图片名为 {name:?}，却发布在 {topic}：请发布到 …/pictures/{name}")
            }
            Self::NotNewer {
                revision,
                applied,
                applied_at,
                kind,
            } => format!(
                "版本 {revision} 不比 {applied_at} 已应用的版本 {applied} 新：新的{}请使用更高的版本号",
                kind_zh(*kind)
            ),
        }
    }
}

impl Bilingual for KeyError {
    fn zh(&self) -> String {
        match self {
            Self::Sm2Encoding { key_id } => format!("门户密钥 {key_id:?}：sm2: 之后的内容既不是 base64 也不是十六进制"),
            Self::Sm2Public { key_id } => {
                format!("门户密钥 {key_id:?} 不是 SM2 公钥（应为 SEC1 格式，非压缩 65 字节或压缩 33 字节）")
            }
            Self::PublicBase64 { key_id, .. } => {
                format!("门户密钥 {key_id:?} 不是 base64 编码（SM2 密钥应以 sm2: 开头）")
            }
            Self::PublicLength { key_id } => format!("门户密钥 {key_id:?} 应为 32 字节（Ed25519 公钥）"),
            Self::Ed25519Public { key_id, .. } => format!("门户密钥 {key_id:?} 不是有效的 Ed25519 公钥"),
            Self::NotAKeyFile { path, .. } => format!("{path} 不是密钥文件"),
            Self::Exists { path } => format!("{path} 已存在：不会覆盖私钥"),
            Self::Write { path, reason } => format!("无法写入 {path}：{reason}"),
            Self::Randomness(_) => "系统随机数不可用：请检查系统后重试".to_owned(),
            Self::Sm2SecretBase64(_) => "SM2 私钥不是 base64 编码".to_owned(),
            Self::Sm2Secret => "SM2 私钥应为 32 字节，且小于曲线的阶".to_owned(),
            Self::SecretBase64(_) => "私钥不是 base64 编码".to_owned(),
            Self::SecretLength => "私钥应为 32 字节（Ed25519 种子）".to_owned(),
        }
    }
}
