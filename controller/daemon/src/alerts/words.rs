//! Why a warning's document was refused, in Chinese beside the English of each typed problem
//! ([`XmlError`], [`CapProblem`]): a receipt's `reason_zh` and the console's announcements page
//! say what is wrong and where, not only that something is.

use pinghu_playlists::Bilingual;

use super::xml::{MAX_DEPTH, MAX_DOCUMENT, MAX_ELEMENTS};
use super::{CapProblem, XmlError};

/// The advice every refusal of a warning's document ends with: the board cannot mend it.
const ASK: &str = "请联系预警发布系统";

impl Bilingual for XmlError {
    fn zh(&self) -> String {
        let what = match self {
            Self::TooLarge { size } => {
                format!("预警文档有 {size} 字节，超过 {} KiB 的上限", MAX_DOCUMENT / 1024)
            }
            Self::Malformed { at, .. } => format!("预警文档在第 {at} 字节处不是有效的 XML"),
            Self::DocType => "预警文档带有 DOCTYPE：为安全起见，不接受文档类型定义和实体".to_owned(),
            Self::TooManyElements => format!("预警文档的元素超过 {MAX_ELEMENTS} 个"),
            Self::TooDeep => format!("预警文档的嵌套超过 {MAX_DEPTH} 层"),
            Self::TwoRoots => "预警文档有不止一个根元素".to_owned(),
            Self::UnopenedClose => "预警文档关闭了一个从未打开的元素".to_owned(),
            Self::Entity(name) => {
                format!("预警文档使用了实体 &{name};：只允许 &lt; &gt; &amp; &quot; &apos; 和字符引用")
            }
            Self::Unclosed(name) => format!("预警文档在 <{name}> 内部就结束了（缺少结束标签）"),
            Self::NoRoot => "预警文档没有根元素（内容为空？）".to_owned(),
            Self::NotUtf8(at) => {
                format!("预警文档在第 {at} 字节处不是有效的 UTF-8（请在 XML 声明中写明编码，如 encoding=\"GB18030\"）")
            }
            Self::UnknownEncoding(name) => format!("预警文档声明了未知的编码 {name:?}"),
            Self::NotValidIn(encoding) => format!("预警文档不是有效的 {encoding} 编码"),
        };
        format!("{what}：{ASK}")
    }
}

impl Bilingual for CapProblem {
    fn zh(&self) -> String {
        let what = match self {
            Self::Xml(e) => return e.zh(),
            Self::Root(name) => format!("预警文档的根元素是 <{name}>，不是 <alert>"),
            Self::Time { field, text } => format!(
                "<{field}> 的 {text:?} 不是带时区的时间（应如 2026-11-29T08:00:00+08:00 或 2026-11-29 08:00:00+08:00）"
            ),
            Self::Missing(field) => format!("预警文档缺少 <{field}>"),
            Self::Unknown { what, value } => format!("<{what}> 的值 {value:?} 不是规定的取值"),
            Self::PolygonPoints(text) => format!("<polygon> 的 {text:?} 不是“纬度,经度”坐标的列表"),
            Self::PolygonShape(n) => format!("<polygon> 至少要有 4 个点，且首尾相同；现在只有 {n} 个"),
            Self::Circle(text) => format!("<circle> 的 {text:?} 不是“纬度,经度 半径公里”"),
            Self::Geocode => "<geocode> 既没有 valueName/value，也没有区划代码".to_owned(),
            Self::NoEvent => "<info> 既没有 <event> 也没有 <eventType>".to_owned(),
            Self::Identifier(text) => format!("<identifier> 的 {text:?} 含有空格、逗号或标记"),
            Self::NoSenderNorIssuer => "预警文档缺少 <sender>，其标识也不以 14 位发布单位代码开头".to_owned(),
            Self::NoInfo => "预警文档没有 <info> 段".to_owned(),
            Self::CancelWithoutReferences => "解除消息缺少 <references>，无法知道要撤下哪条预警".to_owned(),
        };
        format!("{what}：{ASK}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each problem says what is wrong in Chinese, with the element or value it concerns, and
    /// never the English sentence.
    #[test]
    fn every_document_problem_says_what_and_where_in_chinese() {
        let all = [
            CapProblem::Xml(XmlError::TooLarge { size: 300_000 }),
            CapProblem::Xml(XmlError::Malformed {
                at: 17,
                detail: "unclosed tag".into(),
            }),
            CapProblem::Xml(XmlError::DocType),
            CapProblem::Xml(XmlError::TooManyElements),
            CapProblem::Xml(XmlError::TooDeep),
            CapProblem::Xml(XmlError::TwoRoots),
            CapProblem::Xml(XmlError::UnopenedClose),
            CapProblem::Xml(XmlError::Entity("lol".into())),
            CapProblem::Xml(XmlError::Unclosed("info".into())),
            CapProblem::Xml(XmlError::NoRoot),
            CapProblem::Xml(XmlError::NotUtf8(9)),
            CapProblem::Xml(XmlError::UnknownEncoding("KOI8".into())),
            CapProblem::Xml(XmlError::NotValidIn("GB18030")),
            CapProblem::Root("html".into()),
            CapProblem::Time {
                field: "sent",
                text: "yesterday".into(),
            },
            CapProblem::Missing("identifier"),
            CapProblem::Unknown {
                what: "severity",
                value: "Huge".into(),
            },
            CapProblem::PolygonPoints("a b".into()),
            CapProblem::PolygonShape(2),
            CapProblem::Circle("x".into()),
            CapProblem::Geocode,
            CapProblem::NoEvent,
            CapProblem::Identifier("a b".into()),
            CapProblem::NoSenderNorIssuer,
            CapProblem::NoInfo,
            CapProblem::CancelWithoutReferences,
        ];
        for p in all {
            let zh = p.zh();
            assert!(zh.ends_with(ASK), "{zh}");
            assert!(zh.contains("预警") || zh.contains('<'), "{zh}");
            assert!(!zh.contains(&p.to_string()), "the Chinese repeats the English: {zh}");
        }
        let missing = CapProblem::Missing("identifier").zh();
        assert!(missing.contains("<identifier>"), "{missing}");
        let at = CapProblem::Xml(XmlError::Malformed {
            at: 17,
            detail: "x".into(),
        })
        .zh();
        assert!(at.contains("第 17 字节"), "{at}");
    }
}
