//! Each [`Problem`] as the console's form shows it at a field ([`Bilingual::form_zh`]): a clerk
//! reads the field's label as the form shows it, values in the form's units, and never a key of
//! the TOML, a backtick or a position. The TOML view (高级) keeps [`Problem::words`].
//!
//! [`Bilingual::form_zh`]: super::Bilingual::form_zh

use super::{Bilingual as _, Fraction, KeyHint, Problem, Section, ValueKind, Wanted};

/// A key of the playlist as the console's form labels its field (without the unit the form
/// writes after some of them, as in 停留时间（秒）). `None` for a key the playlist does not know.
pub fn label_zh(key: &str) -> Option<&'static str> {
    Some(match key {
        "id" => "编号",
        "text" => "文字",
        "image" => "图片",
        "days" => "星期",
        "time" => "时段",
        "dates" => "日期",
        "workdays_only" => "仅工作日",
        "days_off_only" => "仅休息日",
        "font_size" => "字号",
        "color" => "颜色",
        "effect" => "效果",
        "dwell_s" => "停留时间",
        "priority" => "优先级",
        "every" => "播放间隔",
        "reduce" => "图片处理",
        "advertiser" => "广告主",
        "contract" => "合同号",
        "start_date" => "开始日期",
        "end_date" => "结束日期",
        "hours" => "播放时段",
        "target" => "投放目标",
        "share" => "时间占比",
        "plays_per_day" => "每天播放次数",
        "plays_per_hour" => "每小时播放次数",
        "max_per_hour" => "每小时最多播放次数",
        "separation_s" => "同一广告主间隔",
        "government_floor" => "政务内容每小时至少占的比例",
        "brightness" => "亮度",
        "level" => "亮度",
        "power" => "开关屏时间",
        "on" => "开屏时间",
        "off" => "关屏时间",
        "timezone" => "时区",
        "defaults" => "默认样式",
        "dayparts" => "时段名称",
        "item" => "节目",
        "campaign" => "广告投放",
        "campaign.item" => "广告内容",
        _ => return None,
    })
}

/// A key's label, or "这一项设置" for a key the form has no field for.
fn label(key: &str) -> &'static str {
    label_zh(key).unwrap_or("这一项设置")
}

/// A fraction in percent, as the form shows it (0.5 → 50%).
pub(super) fn percent(f: f64) -> String {
    format!("{}%", (f * 10_000.0).round() / 100.0)
}

/// What a field should have held, in a clerk's words.
fn wanted_zh(w: Wanted) -> &'static str {
    match w {
        Wanted::String | Wanted::StringOrStrings => "文字",
        Wanted::Integer => "整数",
        Wanted::Boolean => "“是”或“否”",
        Wanted::Number => "数字",
        Wanted::Table => "一组设置",
        Wanted::Date => "日期（如 2026-12-01）",
    }
}

/// What it held instead.
fn found_zh(k: ValueKind) -> &'static str {
    match k {
        ValueKind::String => "文字",
        ValueKind::Integer => "整数",
        ValueKind::Float => "小数",
        ValueKind::Boolean => "“是”或“否”",
        ValueKind::DateTime => "日期时间",
        ValueKind::Array => "列表",
        ValueKind::Table => "一组设置",
    }
}

/// Where an unknown key sits, as the form names it.
fn section_zh(s: Section) -> &'static str {
    match s {
        Section::Top => "节目单",
        Section::Defaults => "默认样式",
        Section::Item => "这个节目",
        Section::Brightness => "亮度设置",
        Section::Power => "开关屏时间",
        Section::Campaign => "这个广告投放",
    }
}

impl Problem {
    /// The problem as the console's form shows it, in Chinese (see the module's comment).
    pub(super) fn form_words_zh(&self) -> String {
        const ADVANCED: &str = "请在“高级”中修改";
        match self {
            Self::TomlSyntax { .. } => format!("节目单的写法有误，表单无法读取：{ADVANCED}（出错的行已标出）"),
            Self::WrongType { key, wanted, found } => {
                format!("{}应为{}，而现在是{}", label(key), wanted_zh(*wanted), found_zh(*found))
            }
            Self::NotTables { key, .. } => format!("{}的写法有误，表单无法显示：{ADVANCED}", label(key)),
            Self::TooLarge { key } => format!("{}的数值太大", label(key)),
            Self::BadId { id, .. } => format!("编号“{id}”不可用：应为 1 到 64 个英文字母、数字或 . _ -"),
            Self::NotADay { value } => format!("“{value}”不是星期几：请在星期中勾选"),
            Self::FractionRange(Fraction::GovernmentFloor) => {
                format!("{}应不小于 0% 且小于 100%（如 50%）", label("government_floor"))
            }
            Self::FractionRange(Fraction::Share) => {
                format!(
                    "{}应大于 0% 且小于 100%（如 20%，即屏幕时间的五分之一）",
                    label("share")
                )
            }
            Self::UnknownKey { key, section, hint } => {
                let at = section_zh(*section);
                match hint {
                    KeyHint::DidYouMean(n) => format!(
                        "{at}有一项表单不认识的设置“{key}”（是否想写{}？）：{ADVANCED}",
                        label_zh(n).map_or_else(|| format!("“{n}”"), |l| format!("“{l}”"))
                    ),
                    KeyHint::Known(_) => format!("{at}有一项表单不认识的设置“{key}”：{ADVANCED}"),
                }
            }
            Self::FontSize { size } => {
                let all = pinghu_protocol::style::FONT_SIZES.map(|s| s.to_string());
                format!("字号 {size} 不可用：请在字号中选择（{}）", all.join("、"))
            }
            Self::UnknownColor { value } => format!("颜色“{value}”不可用：请在颜色中选择"),
            Self::UnknownEffect { value } => format!("效果“{value}”不可用：请在效果中选择"),
            Self::DwellRange { n } => format!("{} {n} 秒不可用：应为 1 到 3600 秒", label("dwell_s")),
            Self::Time(p) => p.zh(),
            Self::TimeOrDaypart { problem, .. } => problem.zh(),
            Self::Daypart { name, problem } => format!("时段名称“{name}”：{}", problem.zh()),
            Self::Dates(p) => p.zh(),
            Self::UnknownTimeZone { name } => format!("时区“{name}”不认识：{ADVANCED}（如 Asia/Shanghai）"),
            Self::DefaultBrightness { n } | Self::BrightnessLevel { n } => format!("亮度 {n} 超出范围（0 到 15）"),
            Self::BrightnessNeeds { key } => {
                let what = if *key == "time" { "时段" } else { "亮度" };
                format!("这条亮度设置缺少{what}")
            }
            Self::BrightnessOverlap { window, other, .. } => {
                format!("亮度时段 {window} 与 {other} 重叠：请让一个时段在另一个开始时结束")
            }
            Self::PowerNotTable => format!("{}的写法有误：{ADVANCED}", label("power")),
            Self::PowerSameTime => "开屏时间与关屏时间相同".to_owned(),
            Self::PowerNeedsOn => format!("请填写{}（如 06:30）", label("on")),
            Self::PowerNeedsOff => format!("请填写{}（如 23:30）", label("off")),
            Self::ImageKind { image } => format!("图片“{image}”应为 .png、.jpg 或 .bmp 文件"),
            Self::Reduce { value } => {
                format!("图片处理方式“{value}”不认识：{ADVANCED}（照片写 dither，标志和线条图写 threshold）")
            }
            Self::TextEmpty => "文字为空：请填写要显示的内容".to_owned(),
            Self::TextTooLong { n, max } => format!("文字有 {n} 个字，超过上限 {max} 个"),
            Self::TextControl { code, at } => {
                format!("文字第 {at} 个字符是控制字符 U+{code:04X}，显示屏无法显示：请删除它（换行和制表符可以保留）")
            }
            Self::PriorityRange { n } => format!("{} {n} 应在 -100 到 100 之间：{ADVANCED}", label("priority")),
            Self::EveryRange { n } => format!("{} {n} 分钟不可用：应为 1 到 1440 分钟", label("every")),
            Self::WorkdaysAndDaysOff => "不能同时勾选“仅工作日”和“仅休息日”".to_owned(),
            Self::ItemNeedsId => "请填写编号（如 welcome）".to_owned(),
            Self::ItemNeedsText => "请填写要显示的文字，或选择一张图片".to_owned(),
            Self::ItemTextAndImage => "文字和图片只能选一个".to_owned(),
            Self::DuplicateItem { id, .. } => format!("编号“{id}”已被另一个节目使用：请换一个编号"),
            Self::DuplicateCampaign { id, .. } => format!("编号“{id}”已被另一个广告投放使用：请换一个编号"),
            Self::NotADate { key, text } => format!("{}“{text}”不是日期（如 2026-12-01）", label(key)),
            Self::CountRange { key, n, max } => format!("{} {n} 不可用：应为 1 到 {max}", label(key)),
            Self::NameLength { key } => format!("{}应为 1 到 200 个字", label(key)),
            Self::SeparationRange { n } => {
                format!("{} {n} 秒不可用：应为 0 到 86400 秒", label("separation_s"))
            }
            Self::CampaignNeeds { key, example } => {
                format!("请填写{}（如 {}）", label(key), example.trim_matches('"'))
            }
            Self::EndBeforeStart { end, start } => {
                format!("{} {end} 早于{} {start}", label("end_date"), label("start_date"))
            }
            Self::CampaignNeedsTarget => format!(
                "请选择{}并填写数量：{}、{}或{}",
                label("target"),
                label("share"),
                label("plays_per_day"),
                label("plays_per_hour")
            ),
            Self::CampaignTargets => format!(
                "{}只能有一个：{}、{}或{}选其一，{ADVANCED}",
                label("target"),
                label("share"),
                label("plays_per_day"),
                label("plays_per_hour")
            ),
            Self::PlaysOverMax { n, max } => {
                format!("{} {n} 大于{} {max}", label("plays_per_hour"), label("max_per_hour"))
            }
            Self::SpotForbidden { key } => format!(
                "广告内容不能单独设置{}：它在广告投放的播放时段内播放（{ADVANCED}，在广告投放上设置星期和播放时段）",
                label(key)
            ),
            Self::CampaignNeedsSpot => "至少需要一条广告内容：请点“＋ 添加广告内容”".to_owned(),
            Self::Overbooked { booking, more, last } => {
                let b = booking.form_zh();
                match more {
                    0 => b,
                    _ => format!("{b}（另有 {more} 个小时同样如此，最后一个在 {last}）"),
                }
            }
            Self::Field { problem, .. } => problem.zh(),
            Self::CalendarMissingYear { .. } => self.zh(),
        }
    }
}
