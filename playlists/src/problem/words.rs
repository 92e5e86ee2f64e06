//! Each [`Problem`] in English and in Chinese, the two forms side by side in one match arm.

use super::{Fraction, IdOf, KeyHint, Lang, Problem, ValueKind, Wanted};

impl Problem {
    /// The message in `lang`.
    pub fn words(&self, lang: Lang) -> String {
        use Lang::{En, Zh};
        let k = |kind: ValueKind| kind.words(lang);
        match self {
            Self::TomlSyntax { detail, near, expected } => lang.pick(
                || format!("TOML syntax: {detail}"),
                || {
                    let at = match near {
                        Some(n) if !n.trim().is_empty() => format!("{n:?} 处"),
                        _ => "这里".to_owned(),
                    };
                    if expected.is_empty() {
                        format!(
                            "TOML 语法错误：{at}不符合 TOML 写法（请检查引号、括号和 `=`，以及同一个表中有没有重复的键）"
                        )
                    } else {
                        let want: Vec<String> = expected.iter().map(|t| token_zh(t)).collect();
                        format!("TOML 语法错误：{at}应为 {}", want.join("、"))
                    }
                },
            ),
            Self::WrongType { key, wanted, found } => {
                let found = k(*found);
                match (wanted, lang) {
                    (Wanted::String, En) => format!("`{key}` must be a string, not {found}"),
                    (Wanted::String, Zh) => format!("`{key}` 应为字符串，而不是{found}"),
                    (Wanted::Integer, En) => format!("`{key}` must be an integer, not {found}"),
                    (Wanted::Integer, Zh) => format!("`{key}` 应为整数，而不是{found}"),
                    (Wanted::Boolean, En) => format!("`{key}` must be true or false, not {found}"),
                    (Wanted::Boolean, Zh) => format!("`{key}` 应为 true 或 false，而不是{found}"),
                    (Wanted::StringOrStrings, En) => {
                        format!("`{key}` must be a string or an array of strings, not {found}")
                    }
                    (Wanted::StringOrStrings, Zh) => format!("`{key}` 应为字符串或字符串数组，而不是{found}"),
                    (Wanted::Number, En) => format!("`{key}` must be a number such as 0.2, not {found}"),
                    (Wanted::Number, Zh) => format!("`{key}` 应为数字（如 0.2），而不是{found}"),
                    (Wanted::Table, En) => format!("`{key}` must be a table, not {found}"),
                    (Wanted::Table, Zh) => format!("`{key}` 应为表，而不是{found}"),
                    (Wanted::Date, En) => format!("`{key}` must be a date such as \"2026-12-01\", not {found}"),
                    (Wanted::Date, Zh) => format!("`{key}` 应为日期（如 \"2026-12-01\"），而不是{found}"),
                }
            }
            Self::NotTables { key, entries, found } => {
                let found = k(*found);
                match (entries, lang) {
                    (false, En) => format!("`{key}` must be an array of tables ([[{key}]]), not {found}"),
                    (false, Zh) => format!("`{key}` 应为表数组（[[{key}]]），而不是{found}"),
                    (true, En) => format!("`{key}` entries must be tables ([[{key}]]), not {found}"),
                    (true, Zh) => format!("`{key}` 的每一项应为表（[[{key}]]），而不是{found}"),
                }
            }
            Self::TooLarge { key } => lang.pick(|| format!("`{key}` is too large"), || format!("`{key}` 的值太大")),
            Self::BadId { of, id } => match (of, lang) {
                (IdOf::Item, En) => format!("item id {id:?} must be 1-64 characters of A-Z a-z 0-9 . _ -"),
                (IdOf::Item, Zh) => format!("节目项 id {id:?} 应为 1 到 64 个字符，只能用 A-Z a-z 0-9 . _ -"),
                (IdOf::Campaign, En) => format!("campaign id {id:?} must be 1-64 characters of A-Z a-z 0-9 . _ -"),
                (IdOf::Campaign, Zh) => format!("广告活动 id {id:?} 应为 1 到 64 个字符，只能用 A-Z a-z 0-9 . _ -"),
            },
            Self::NotADay { value } => lang.pick(
                || format!("{value:?} is not a day (use mon, tue, wed, thu, fri, sat, sun)"),
                || format!("{value:?} 不是星期几（请用 mon、tue、wed、thu、fri、sat、sun）"),
            ),
            Self::FractionRange(Fraction::GovernmentFloor) => lang.pick(
                || "government_floor must be at least 0 and below 1 (the share of every hour kept for government content, e.g. 0.5)".to_owned(),
                || "government_floor 应不小于 0 且小于 1（每小时留给政府信息的比例，如 0.5）".to_owned(),
            ),
            Self::FractionRange(Fraction::Share) => lang.pick(
                || "share must be above 0 and below 1 (0.2 = a fifth of the board's time)".to_owned(),
                || "share 应大于 0 且小于 1（0.2 即屏幕时间的五分之一）".to_owned(),
            ),
            Self::UnknownKey { key, section, hint } => {
                let section = section.words(lang);
                match (hint, lang) {
                    (KeyHint::DidYouMean(n), En) => format!("unknown key `{key}` in {section} (did you mean `{n}`?)"),
                    (KeyHint::DidYouMean(n), Zh) => format!("{section}中没有 `{key}` 这个键（是否想写 `{n}`？）"),
                    (KeyHint::Known(list), En) => {
                        format!("unknown key `{key}` in {section} (known keys: {})", list.join(", "))
                    }
                    (KeyHint::Known(list), Zh) => {
                        format!("{section}中没有 `{key}` 这个键（可用的键：{}）", list.join(", "))
                    }
                }
            }
            Self::FontSize { size } => {
                let sizes = pinghu_protocol::style::font_sizes_text();
                let all = pinghu_protocol::style::FONT_SIZES.map(|s| s.to_string());
                let (last, head) = all.split_last().unwrap_or((&all[0], &[]));
                let sizes_zh = format!("{} 或 {last}", head.join("、"));
                lang.pick(
                    || format!("font_size {size} is not available (use {sizes})"),
                    || format!("字号 {size} 不可用（可用：{sizes_zh}）"),
                )
            }
            Self::UnknownColor { value } => {
                let all = crate::Color::ALL.map(crate::Color::name).join(", ");
                lang.pick(
                    || format!("unknown color {value:?} (use {all})"),
                    || format!("未知颜色 {value:?}（可用：{}）", all.replace(", ", "、")),
                )
            }
            Self::UnknownEffect { value } => {
                let all = crate::Effect::ALL.map(crate::Effect::name).join(", ");
                lang.pick(
                    || format!("unknown effect {value:?} (use {all})"),
                    || format!("未知效果 {value:?}（可用：{}）", all.replace(", ", "、")),
                )
            }
            Self::DwellRange { n } => lang.pick(
                || format!("dwell_s {n} must be 1 to 3600 seconds"),
                || format!("dwell_s {n} 应为 1 到 3600 秒"),
            ),
            Self::Time(p) => p.words(lang),
            Self::TimeOrDaypart { problem, dayparts } => {
                let p = problem.words(lang);
                let names = dayparts.join(", ");
                lang.pick(
                    || format!("{p}; or name a daypart ({names})"),
                    || format!("{p}；或写一个时段名（{names}）"),
                )
            }
            Self::Daypart { name, problem } => {
                let p = problem.words(lang);
                lang.pick(|| format!("daypart `{name}`: {p}"), || format!("时段 `{name}`：{p}"))
            }
            Self::Dates(problem) => {
                let p = problem.words(lang);
                lang.pick(
                    || format!("{p} (dates look like \"2026-12-01..2026-12-31\")"),
                    || format!("{p}（日期形如 \"2026-12-01..2026-12-31\"）"),
                )
            }
            Self::UnknownTimeZone { name } => lang.pick(
                || format!("unknown time zone {name:?} (use an IANA name such as \"Asia/Shanghai\")"),
                || format!("未知时区 {name:?}（请用 IANA 名称，如 \"Asia/Shanghai\"）"),
            ),
            Self::DefaultBrightness { n } => lang.pick(
                || format!("brightness {n} is out of range (0 to 15)"),
                || format!("亮度 {n} 超出范围（0 到 15）"),
            ),
            Self::BrightnessLevel { n } => lang.pick(
                || format!("brightness level {n} is out of range (0 to 15)"),
                || format!("亮度级别 {n} 超出范围（0 到 15）"),
            ),
            Self::BrightnessNeeds { key } => lang.pick(
                || format!("[[brightness]] needs `{key}`"),
                || format!("[[brightness]] 缺少 `{key}`"),
            ),
            Self::BrightnessOverlap { window, other, line } => lang.pick(
                || format!("brightness window {window} overlaps {other} (line {line}); make them meet end to start"),
                || format!("亮度时段 {window} 与第 {line} 行的 {other} 重叠；请让它们首尾相接"),
            ),
            Self::PowerNotTable => lang.pick(
                || "`power` must be a table with `on` and `off`".to_owned(),
                || "`power` 应为含 `on` 和 `off` 的表".to_owned(),
            ),
            Self::PowerSameTime => lang.pick(
                || "[power] `on` and `off` are the same time".to_owned(),
                || "[power] 的 `on` 与 `off` 时间相同".to_owned(),
            ),
            Self::PowerNeedsOn => lang.pick(
                || "[power] needs `on` (e.g. on = \"06:30\")".to_owned(),
                || "[power] 缺少 `on`（如 on = \"06:30\"）".to_owned(),
            ),
            Self::PowerNeedsOff => lang.pick(
                || "[power] needs `off` (e.g. off = \"23:30\")".to_owned(),
                || "[power] 缺少 `off`（如 off = \"23:30\"）".to_owned(),
            ),
            Self::ImageKind { image } => lang.pick(
                || format!("image {image:?} must be a .png, .jpg or .bmp file (relative to the playlist's folder)"),
                || format!("image {image:?} 应为 .png、.jpg 或 .bmp 文件（相对于节目单所在文件夹）"),
            ),
            Self::Reduce { value } => lang.pick(
                || format!("reduce {value:?} must be dither (photographs) or threshold (logos, line art)"),
                || format!("reduce {value:?} 应为 dither（照片）或 threshold（标志、线条图）"),
            ),
            Self::TextEmpty => lang.pick(|| "item text is empty".to_owned(), || "节目项文字为空".to_owned()),
            Self::TextTooLong { n, max } => lang.pick(
                || format!("item text has {n} characters, more than {max}"),
                || format!("节目项文字有 {n} 个字符，超过上限 {max}"),
            ),
            Self::TextControl { code, at } => lang.pick(
                || {
                    format!(
                        "item text has the control character U+{code:04X} at character {at}, which the board cannot \
                         show: remove it (line breaks and tabs are fine)"
                    )
                },
                || format!("节目项文字第 {at} 个字符是控制字符 U+{code:04X}，显示屏无法显示：请删除它（换行和制表符可以保留）"),
            ),
            Self::PriorityRange { n } => lang.pick(
                || format!("priority {n} must be -100 to 100"),
                || format!("priority {n} 应在 -100 到 100 之间"),
            ),
            Self::EveryRange { n } => lang.pick(
                || format!("every = {n}: minutes between plays must be 1 to 1440"),
                || format!("every = {n}：两次播放的间隔应为 1 到 1440 分钟"),
            ),
            Self::WorkdaysAndDaysOff => lang.pick(
                || "an item cannot be both workdays_only and days_off_only".to_owned(),
                || "节目项不能同时设置 workdays_only 和 days_off_only".to_owned(),
            ),
            Self::ItemNeedsId => lang.pick(
                || "[[item]] needs an `id` (e.g. id = \"welcome\")".to_owned(),
                || "[[item]] 缺少 `id`（如 id = \"welcome\"）".to_owned(),
            ),
            Self::ItemNeedsText => lang.pick(
                || "[[item]] needs a `text` (or an `image`)".to_owned(),
                || "[[item]] 缺少 `text`（或 `image`）".to_owned(),
            ),
            Self::ItemTextAndImage => lang.pick(
                || "[[item]] has a `text` and an `image`: give one".to_owned(),
                || "[[item]] 同时有 `text` 和 `image`：只能给一个".to_owned(),
            ),
            Self::DuplicateItem { id, first_line } => lang.pick(
                || format!("duplicate item id {id:?} (first used on line {first_line})"),
                || format!("节目项 id {id:?} 重复（第 {first_line} 行已用过）"),
            ),
            Self::DuplicateCampaign { id, first_line } => lang.pick(
                || format!("duplicate campaign id {id:?} (first used on line {first_line})"),
                || format!("广告活动 id {id:?} 重复（第 {first_line} 行已用过）"),
            ),
            Self::NotADate { key, text } => lang.pick(
                || format!("`{key}` {text:?} is not a date (expected YYYY-MM-DD, e.g. \"2026-12-01\")"),
                || format!("`{key}` {text:?} 不是日期（应为 YYYY-MM-DD，如 \"2026-12-01\"）"),
            ),
            Self::CountRange { key, n, max } => {
                lang.pick(|| format!("{key} = {n} must be 1 to {max}"), || format!("{key} = {n} 应为 1 到 {max}"))
            }
            Self::NameLength { key } => lang.pick(
                || format!("`{key}` must be 1 to 200 characters"),
                || format!("`{key}` 应为 1 到 200 个字符"),
            ),
            Self::SeparationRange { n } => lang.pick(
                || format!("separation_s = {n} must be 0 to 86400 seconds"),
                || format!("separation_s = {n} 应为 0 到 86400 秒"),
            ),
            Self::CampaignNeeds { key, example } => lang.pick(
                || format!("[[campaign]] needs `{key}` (e.g. {key} = {example})"),
                || format!("[[campaign]] 缺少 `{key}`（如 {key} = {example}）"),
            ),
            Self::EndBeforeStart { end, start } => lang.pick(
                || format!("end_date {end} is before start_date {start}"),
                || format!("end_date {end} 早于 start_date {start}"),
            ),
            Self::CampaignNeedsTarget => lang.pick(
                || "[[campaign]] needs one target: share = 0.2, plays_per_day = 120 or plays_per_hour = 6".to_owned(),
                || "[[campaign]] 需要一个目标：share = 0.2、plays_per_day = 120 或 plays_per_hour = 6".to_owned(),
            ),
            Self::CampaignTargets => lang.pick(
                || "a campaign has one target: give share, plays_per_day or plays_per_hour, not several".to_owned(),
                || "一个广告活动只有一个目标：share、plays_per_day 或 plays_per_hour，不能同时给出几个".to_owned(),
            ),
            Self::PlaysOverMax { n, max } => lang.pick(
                || format!("plays_per_hour = {n} is more than max_per_hour = {max}"),
                || format!("plays_per_hour = {n} 大于 max_per_hour = {max}"),
            ),
            Self::SpotForbidden { key } => lang.pick(
                || format!("`{key}` cannot be set on a campaign's item: it plays in the campaign's window (set days, hours, workdays_only on the [[campaign]])"),
                || format!("广告活动的节目项不能设置 `{key}`：它在活动的时间窗内播放（请在 [[campaign]] 上设置 days、hours、workdays_only）"),
            ),
            Self::CampaignNeedsSpot => lang.pick(
                || "[[campaign]] needs at least one spot: a [[campaign.item]] with an id and a text or an image".to_owned(),
                || "[[campaign]] 至少需要一条广告：一个带 id 和 text 或 image 的 [[campaign.item]]".to_owned(),
            ),
            Self::Overbooked { booking, more, last } => {
                let b = booking.words(lang);
                match (more, lang) {
                    (0, _) => b,
                    (_, En) => format!("{b} (and {more} more hour(s) like it, the last on {last})"),
                    (_, Zh) => format!("{b}（另有 {more} 个小时同样如此，最后一个在 {last}）"),
                }
            }
            Self::Field { item, problem } => {
                let p = problem.words(lang);
                lang.pick(|| format!("item {item}: {p}"), || format!("节目项 {item}：{p}"))
            }
            Self::CalendarMissingYear { year } => lang.pick(
                || format!(
                    "the holiday calendar has no official data for {year}: workdays_only and days_off_only count \
                     Monday to Friday as workdays until the office sends it (pinghu portal push --calendar)"
                ),
                // A clerk reads this on every check: what it means for the board, and that nothing
                // is asked of them (the command is the office technicians').
                || format!(
                    "节假日日历中没有 {year} 年的官方数据：在区政务办下发国务院放假通知之前，“仅工作日”与“仅休息日”按周一至周五为工作日计算。\
                     您无需操作；如需提前更新，请联系区政务办技术人员"
                ),
            ),
        }
    }
}

/// A token the TOML parser expected, as the Chinese names it: white space by name, the rest as
/// written.
fn token_zh(t: &str) -> String {
    match t {
        "\n" | "\r\n" => "换行".to_owned(),
        "\t" => "制表符".to_owned(),
        " " => "空格".to_owned(),
        t => format!("`{t}`"),
    }
}
