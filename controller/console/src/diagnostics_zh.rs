//! The playlist checker's messages in Chinese, for the console's editor. The checker
//! (`pinghu-playlists`) writes English, as the command line does; the console is Chinese first,
//! so each message form is matched here against an English template and written again in Chinese,
//! the values it quotes carried over (and translated themselves when they are a message or a word
//! the console knows). A message with no template stays English: `tests` below check a corpus of
//! broken playlists so that a new message form in the checker shows up as a failing test.

/// (English template, Chinese template): `{}` in the English is a value; `{0}`, `{1}` … place
/// the values in the Chinese, in any order.
const TEMPLATES: &[(&str, &str)] = &[
    // Values of the wrong kind.
    ("`{}` must be a string, not {}", "`{0}` 应为字符串，而不是{1}"),
    ("`{}` is too large", "`{0}` 的值太大"),
    ("`{}` must be an integer, not {}", "`{0}` 应为整数，而不是{1}"),
    (
        "`{}` must be true or false, not {}",
        "`{0}` 应为 true 或 false，而不是{1}",
    ),
    (
        "`{}` must be a string or an array of strings, not {}",
        "`{0}` 应为字符串或字符串数组，而不是{1}",
    ),
    (
        "`{}` must be a number such as 0.2, not {}",
        "`{0}` 应为数字（如 0.2），而不是{1}",
    ),
    ("`{}` must be a table, not {}", "`{0}` 应为表，而不是{1}"),
    (
        "`{}` must be an array of tables ([[{}]]), not {}",
        "`{0}` 应为表数组（[[{1}]]），而不是{2}",
    ),
    (
        "`{}` must be a date such as \"2026-12-01\", not {}",
        "`{0}` 应为日期（如 \"2026-12-01\"），而不是{1}",
    ),
    (
        "`{}` {} is not a date (expected YYYY-MM-DD, e.g. \"2026-12-01\")",
        "`{0}` {1} 不是日期（应为 YYYY-MM-DD，如 \"2026-12-01\"）",
    ),
    ("`{}` must be 1 to 200 characters", "`{0}` 应为 1 到 200 个字符"),
    (
        "item id {} must be 1-64 characters of A-Z a-z 0-9 . _ -",
        "节目项 id {0} 应为 1 到 64 个字符，只能用 A-Z a-z 0-9 . _ -",
    ),
    (
        "campaign id {} must be 1-64 characters of A-Z a-z 0-9 . _ -",
        "广告活动 id {0} 应为 1 到 64 个字符，只能用 A-Z a-z 0-9 . _ -",
    ),
    ("{} = {} must be 1 to {}", "{0} = {1} 应为 1 到 {2}"),
    // Keys.
    (
        "unknown key `{}` in {} (did you mean `{}`?)",
        "{1}中没有 `{0}` 这个键（是否想写 `{2}`？）",
    ),
    (
        "unknown key `{}` in {} (known keys: {})",
        "{1}中没有 `{0}` 这个键（可用的键：{2}）",
    ),
    ("TOML syntax: {}", "TOML 语法错误：{0}"),
    // Style.
    ("unknown color {} (use {})", "未知颜色 {0}（可用：{1}）"),
    ("unknown effect {} (use {})", "未知效果 {0}（可用：{1}）"),
    (
        "font_size {} is not available (use {})",
        "font_size {0} 不可用（可用：{1}）",
    ),
    ("dwell_s {} must be 1 to 3600 seconds", "dwell_s {0} 应为 1 到 3600 秒"),
    (
        "reduce {} must be dither (photographs) or threshold (logos, line art)",
        "reduce {0} 应为 dither（照片）或 threshold（标志、线条图）",
    ),
    (
        "image {} must be a .png, .jpg or .bmp file (relative to the playlist's folder)",
        "image {0} 应为 .png、.jpg 或 .bmp 文件（相对于节目单所在文件夹）",
    ),
    // Pictures, read and judged for the board (errors and warnings of the console's check).
    (
        "image {}: {} (pictures go beside {})",
        "图片 {0}：{1}（图片应放在 {2} 所在的文件夹）",
    ),
    ("cannot read it: {}", "无法读取：{0}"),
    ("not a PNG, JPEG or BMP picture: {}", "不是 PNG、JPEG 或 BMP 图片：{0}"),
    (
        "the picture is {}x{} pixels, more than {} a side: scale it down to a few times the board's size first",
        "图片为 {0}x{1} 像素，边长超过 {2}：请先缩小到屏幕尺寸的几倍以内",
    ),
    ("item {}: image {}: {}", "节目项 {0}：图片 {1}：{2}"),
    (
        "too small: {}x{} px is enlarged {} times for the {}x{} board and will look blocky; give at least {}x{} px",
        "太小：{0}x{1} 像素要放大 {2} 倍才能铺满 {3}x{4} 的屏，会显得粗糙；请提供至少 {5}x{6} 像素的图片",
    ),
    (
        "nearly dark: under 1 % of the LEDs light up (a dark picture, or one without contrast)",
        "几乎全黑：亮起的 LED 不到 1%（图片太暗或对比度不够）",
    ),
    (
        "too much detail for the board's pitch: {} % of neighbouring LEDs differ, which reads as noise at a distance; simplify the picture or use threshold",
        "细节太多，超出屏的点距：{0}% 的相邻 LED 明暗不同，远看像噪点；请简化图片，或改用 threshold",
    ),
    (
        "item {}: no font has {}: the board shows a box for each",
        "节目项 {0}：字库中没有「{1}」，屏上每个这样的字都显示为方框",
    ),
    // Braces in an item's text that are no field (pinghu_playlists::fields).
    (
        "item {}: {} is shown as written: the fields are {date}, {weekday} and {days_until:YYYY-MM-DD} (write {{ and }} for a brace)",
        "节目项 {0}：{1} 将按原样显示：可用的字段为 {date}、{weekday} 和 {days_until:YYYY-MM-DD}（花括号本身请写作 {{ 和 }}）",
    ),
    (
        "item {}: {} is shown as written: {} is not a date (write {days_until:2027-06-07})",
        "节目项 {0}：{1} 将按原样显示：{2} 不是日期（应写作 {days_until:2027-06-07}）",
    ),
    (
        "the holiday calendar has no official data for {}: workdays_only and days_off_only count Monday to Friday as workdays until the office sends it (pinghu portal push --calendar)",
        "节假日日历中没有 {0} 年的官方数据：在主管部门下发之前，workdays_only 与 days_off_only 按周一至周五为工作日计算（pinghu portal push --calendar）",
    ),
    // Times and days.
    (
        "time window {} must look like \"08:00-18:00\"",
        "时间段 {0} 应形如 \"08:00-18:00\"",
    ),
    (
        "time window {} is empty (start equals end)",
        "时间段 {0} 为空（开始等于结束）",
    ),
    (
        "{} is not a time (expected HH:MM, e.g. \"08:30\")",
        "{0} 不是时刻（应为 HH:MM，如 \"08:30\"）",
    ),
    ("{} is not a time (expected HH:MM)", "{0} 不是时刻（应为 HH:MM）"),
    (
        "{} is not a date (expected YYYY-MM-DD)",
        "{0} 不是日期（应为 YYYY-MM-DD）",
    ),
    (
        "{} is not a time of day (00:00 to 23:59, or 24:00 as an end)",
        "{0} 不是一天中的时刻（00:00 到 23:59，结束时间可为 24:00）",
    ),
    (
        "{} is not a time of day (00:00 to 23:59)",
        "{0} 不是一天中的时刻（00:00 到 23:59）",
    ),
    ("{}; or name a daypart ({})", "{0}；或写一个时段名（{1}）"),
    ("daypart `{}`: {}", "时段 `{0}`：{1}"),
    (
        "{} is not a day (use mon, tue, wed, thu, fri, sat, sun)",
        "{0} 不是星期几（请用 mon、tue、wed、thu、fri、sat、sun）",
    ),
    (
        "{} (dates look like \"2026-12-01..2026-12-31\")",
        "{0}（日期形如 \"2026-12-01..2026-12-31\"）",
    ),
    (
        "unknown time zone {} (use an IANA name such as \"Asia/Shanghai\")",
        "未知时区 {0}（请用 IANA 名称，如 \"Asia/Shanghai\"）",
    ),
    (
        "every = {}: minutes between plays must be 1 to 1440",
        "every = {0}：两次播放的间隔应为 1 到 1440 分钟",
    ),
    ("priority {} must be -100 to 100", "priority {0} 应在 -100 到 100 之间"),
    // Brightness and power.
    (
        "brightness {} is out of range (0 to 15)",
        "亮度 {0} 超出范围（0 到 15）",
    ),
    (
        "brightness level {} is out of range (0 to 15)",
        "亮度级别 {0} 超出范围（0 到 15）",
    ),
    ("[[brightness]] needs `{}`", "[[brightness]] 缺少 `{0}`"),
    (
        "brightness window {} overlaps {} (line {}); make them meet end to start",
        "亮度时段 {0} 与第 {2} 行的 {1} 重叠；请让它们首尾相接",
    ),
    (
        "`power` must be a table with `on` and `off`",
        "`power` 应为含 `on` 和 `off` 的表",
    ),
    (
        "[power] `on` and `off` are the same time",
        "[power] 的 `on` 与 `off` 时间相同",
    ),
    (
        "[power] needs `on` (e.g. on = \"06:30\")",
        "[power] 缺少 `on`（如 on = \"06:30\"）",
    ),
    (
        "[power] needs `off` (e.g. off = \"23:30\")",
        "[power] 缺少 `off`（如 off = \"23:30\"）",
    ),
    // Items.
    ("item text is empty", "节目项文字为空"),
    (
        "item text has {} characters, more than {}",
        "节目项文字有 {0} 个字符，超过上限 {1}",
    ),
    (
        "an item cannot be both workdays_only and days_off_only",
        "节目项不能同时设置 workdays_only 和 days_off_only",
    ),
    (
        "[[item]] needs an `id` (e.g. id = \"welcome\")",
        "[[item]] 缺少 `id`（如 id = \"welcome\"）",
    ),
    (
        "[[item]] needs a `text` (or an `image`)",
        "[[item]] 缺少 `text`（或 `image`）",
    ),
    (
        "[[item]] has a `text` and an `image`: give one",
        "[[item]] 同时有 `text` 和 `image`：只能给一个",
    ),
    (
        "duplicate item id {} (first used on line {})",
        "节目项 id {0} 重复（第 {1} 行已用过）",
    ),
    // Campaigns.
    (
        "duplicate campaign id {} (first used on line {})",
        "广告活动 id {0} 重复（第 {1} 行已用过）",
    ),
    (
        "[[campaign]] needs `{}` (e.g. {} = {})",
        "[[campaign]] 缺少 `{0}`（如 {1} = {2}）",
    ),
    (
        "[[campaign]] needs one target: share = 0.2, plays_per_day = 120 or plays_per_hour = 6",
        "[[campaign]] 需要一个目标：share = 0.2、plays_per_day = 120 或 plays_per_hour = 6",
    ),
    (
        "a campaign has one target: give share, plays_per_day or plays_per_hour, not several",
        "一个广告活动只有一个目标：share、plays_per_day 或 plays_per_hour，不能同时给出几个",
    ),
    (
        "[[campaign]] needs at least one spot: a [[campaign.item]] with an id and a text or an image",
        "[[campaign]] 至少需要一条广告：一个带 id 和 text 或 image 的 [[campaign.item]]",
    ),
    (
        "end_date {} is before start_date {}",
        "end_date {0} 早于 start_date {1}",
    ),
    (
        "separation_s = {} must be 0 to 86400 seconds",
        "separation_s = {0} 应为 0 到 86400 秒",
    ),
    (
        "plays_per_hour = {} is more than max_per_hour = {}",
        "plays_per_hour = {0} 大于 max_per_hour = {1}",
    ),
    (
        "`{}` cannot be set on a campaign's item: it plays in the campaign's window (set days, hours, workdays_only on the [[campaign]])",
        "广告活动的节目项不能设置 `{0}`：它在活动的时间窗内播放（请在 [[campaign]] 上设置 days、hours、workdays_only）",
    ),
    (
        "campaign {} is overbooked on {}: its target needs {} plays in the hour but max_per_hour = {}; raise max_per_hour or lower the target",
        "广告活动 {0} 在 {1} 超订：目标需要该小时播放 {2} 次，但 max_per_hour = {3}；请提高 max_per_hour 或降低目标",
    ),
    (
        "advertiser {} is overbooked on {}: its spots and their separation_s need {} s of the hour's 3600 s ({}); lower the targets or separation_s",
        "广告主 {0} 在 {1} 超订：其广告连同 separation_s 需要该小时 3600 秒中的 {2} 秒（{3}）；请降低目标或 separation_s",
    ),
    (
        "overbooked on {}: the campaigns need {} s but the government floor {} leaves them {} s of the hour: {}; lower a target, shorten dwell_s or lower government_floor",
        "{0} 超订：广告活动需要 {1} 秒，但政府信息保底比例 {2} 只给它们留出该小时的 {3} 秒：{4}；请降低目标、缩短 dwell_s 或降低 government_floor",
    ),
    (
        "{} (and {} more hour(s) like it, the last on {})",
        "{0}（另有 {1} 个小时同样如此，最后一个在 {2}）",
    ),
];

/// Words the messages quote (value kinds, a section); never a key or a value of the playlist's,
/// which stay as written.
const WORDS: &[(&str, &str)] = &[
    ("a string", "字符串"),
    ("an integer", "整数"),
    ("a float", "小数"),
    ("a boolean", "布尔值"),
    ("a date-time", "日期时间"),
    ("an array", "数组"),
    ("a table", "表"),
    ("the playlist", "节目单顶层"),
];

/// Match `msg` against the English `template`: the values, or `None`.
pub(super) fn values<'m>(template: &str, msg: &'m str) -> Option<Vec<&'m str>> {
    values_where(template, msg, |_| true)
}

/// [`values`], taking only values that `fits` (the first way to cut `msg` where each one does).
pub(super) fn values_where<'m>(template: &str, msg: &'m str, fits: impl Fn(&str) -> bool) -> Option<Vec<&'m str>> {
    fn go<'m>(parts: &[&str], msg: &'m str, out: &mut Vec<&'m str>, fits: &dyn Fn(&str) -> bool) -> bool {
        let Some((first, rest)) = parts.split_first() else {
            return msg.is_empty();
        };
        let Some(after) = msg.strip_prefix(first) else {
            return false;
        };
        if rest.is_empty() {
            return after.is_empty();
        }
        // A value, then the next literal part (or the end).
        let next = rest[0];
        if next.is_empty() && rest.len() == 1 {
            if after.is_empty() || !fits(after) {
                return false;
            }
            out.push(after);
            return true;
        }
        for (at, _) in after.match_indices(next).filter(|(at, _)| *at > 0) {
            if !fits(&after[..at]) {
                continue;
            }
            let mark = out.len();
            out.push(&after[..at]);
            if go(rest, &after[at..], out, fits) {
                return true;
            }
            out.truncate(mark);
        }
        false
    }
    let parts: Vec<&str> = template.split("{}").collect();
    let mut out = Vec::new();
    go(&parts, msg, &mut out, &fits).then_some(out)
}

/// What the TOML parser (`toml_parser`, `toml_datetime`) says is wrong, before its `, expected …`.
const TOML_PROBLEMS: &[(&str, &str)] = &[
    ("`_` may only go between digits", "`_` 只能写在两个数字之间"),
    ("cannot recurse further; max recursion depth met", "嵌套太深"),
    ("recursion limit", "嵌套太深"),
    ("carriage return must be followed by newline", "回车符后必须紧跟换行"),
    ("duplicate key", "键重复"),
    ("extra `=`", "多了一个 `=`"),
    ("extra assignment between key-value pairs", "键值对之间多了赋值"),
    ("extra comma in array", "数组中多了逗号"),
    ("extra comma in inline table", "内联表中多了逗号"),
    ("integers with a radix cannot be signed", "带进制前缀的整数不能有正负号"),
    ("invalid comment character", "注释中有不允许的字符"),
    ("invalid inline table element", "内联表的元素无效"),
    ("invalid key-value pair", "键值对无效"),
    ("invalid unquoted key", "不带引号的键无效"),
    ("invalid key", "键无效"),
    ("invalid value", "值无效"),
    ("invalid table", "表头无效"),
    ("invalid string", "字符串无效"),
    ("invalid basic string", "字符串未结束或无效"),
    ("invalid multi-line basic string", "多行字符串未结束或无效"),
    ("invalid literal string", "字面量字符串未结束或无效"),
    ("invalid multi-line literal string", "多行字面量字符串未结束或无效"),
    ("invalid boolean", "布尔值无效"),
    ("invalid integer number", "整数无效"),
    ("invalid binary number", "二进制数无效"),
    ("invalid octal number", "八进制数无效"),
    ("invalid hexadecimal number", "十六进制数无效"),
    ("invalid float", "小数无效"),
    ("invalid exponent", "指数无效"),
    ("invalid fraction", "小数部分无效"),
    ("invalid mantissa", "尾数无效"),
    ("invalid datetime", "日期时间无效"),
    ("invalid date-time", "日期时间无效"),
    ("invalid date", "日期无效"),
    ("invalid time", "时间无效"),
    ("keys cannot be multi-line basic strings", "键不能是多行字符串"),
    ("keys cannot be multi-line literal strings", "键不能是多行字面量字符串"),
    ("key with no value", "键没有值"),
    ("missing array opening", "数组缺少 `[`"),
    ("missing assignment between key-value pairs", "键值对之间缺少 `=`"),
    ("missing comma between array elements", "数组元素之间缺少逗号"),
    ("missing comma between key-value pairs", "键值对之间缺少逗号"),
    ("missing comment start", "注释缺少 `#`"),
    ("missing escaped value", "转义符 `\\` 后缺少字符"),
    ("missing inline table opening", "内联表缺少 `{`"),
    ("missing key for inline table element", "内联表的元素缺少键"),
    ("missing opening quote", "缺少开头的引号"),
    ("missing table open", "表头缺少 `[`"),
    ("missing value for key", "键没有值"),
    ("missing value", "缺少值"),
    ("radix must be lowercase", "进制前缀必须小写"),
    ("redundant integer number prefix", "整数前缀多余"),
    ("redundant numeric sign", "正负号多余"),
    ("string values must be quoted", "字符串值必须加引号"),
    ("too few unicode value digits", "Unicode 转义的位数不够"),
    ("unclosed array", "数组没有结束"),
    ("unclosed array table", "表数组的表头没有结束"),
    ("unclosed inline table", "内联表没有结束"),
    ("unclosed table", "表头没有结束"),
    ("unexpected `=` in array", "数组中不应有 `=`"),
    (
        "unexpected content between comment and newline",
        "注释与换行之间有多余内容",
    ),
    ("unexpected content", "多余的内容"),
    ("unexpected key or value", "多余的键或值（一行只能写一个键值对）"),
    ("unexpected leading zero", "数字不能以 0 开头"),
    ("unexpected sign", "此处不应有正负号"),
    ("unquoted keys cannot be empty", "键不能为空"),
];

/// What the TOML parser says it expected there, word by word (symbols in backticks stay).
const TOML_EXPECTED: &[(&str, &str)] = &[
    ("newline", "换行"),
    ("letters", "字母"),
    ("numbers", "数字"),
    ("digits", "数字"),
    ("characters", "字符"),
    ("printable characters", "可打印字符"),
    ("non-double-quote visible characters", "双引号以外的可见字符"),
    ("non-single-quote characters", "单引号以外的字符"),
    ("non-single-quote visible characters", "单引号以外的可见字符"),
    ("key", "键"),
    ("value", "值"),
    ("basic string", "字符串"),
    ("literal string", "字面量字符串"),
    ("multi-line basic string", "多行字符串"),
    ("unicode hexadecimal value", "Unicode 十六进制值"),
    ("year", "年"),
    ("month", "月"),
    ("day", "日"),
    ("hour", "时"),
    ("minute", "分"),
    ("second", "秒"),
    ("hours", "时"),
    ("minutes", "分"),
    ("year or hour", "年或时"),
    ("offset", "时区偏移"),
    ("`T` between date and time", "日期与时间之间的 `T`"),
    ("a four-digit year (YYYY)", "四位数的年（YYYY）"),
    ("a two-digit month (MM)", "两位数的月（MM）"),
    ("a two-digit day (DD)", "两位数的日（DD）"),
    ("a two-digit hour (HH)", "两位数的时（HH）"),
    ("a two-digit minute (MM)", "两位数的分（MM）"),
    ("a two-digit second (SS)", "两位数的秒（SS）"),
];

/// An expected word of the TOML parser in Chinese: a known word, or `UNIT between A and B` (a
/// date or time field out of range); anything else as it is.
fn toml_expected(w: &str) -> String {
    if let Some((_, zh)) = TOML_EXPECTED.iter().find(|(en, _)| *en == w) {
        return (*zh).to_owned();
    }
    if let Some((unit, range)) = w.split_once(" between ")
        && let Some((a, b)) = range.split_once(" and ")
        && let Some((_, zh)) = TOML_EXPECTED.iter().find(|(en, _)| *en == unit)
    {
        return format!("{a} 到 {b} 之间的{zh}");
    }
    w.to_owned()
}

/// The TOML parser's own message (`PROBLEM, expected A, B`) in Chinese, when its problem is known.
fn toml_parser(msg: &str) -> Option<String> {
    let (problem, expected) = match msg.split_once(", expected ") {
        Some((p, e)) => (p, Some(e)),
        None => (msg, None),
    };
    let (_, zh) = TOML_PROBLEMS.iter().find(|(en, _)| *en == problem)?;
    Some(match expected {
        None => (*zh).to_owned(),
        Some("nothing") => format!("{zh}（此处不应再有内容）"),
        // What the parser would take there (a quoted string) is in the problem already.
        Some(_) if problem == "string values must be quoted" => format!("{zh}（如 id = \"a\"）"),
        Some(list) => {
            let words: Vec<String> = list.split(", ").map(toml_expected).collect();
            format!("{zh}，此处应为{}", words.join("、"))
        }
    })
}

/// A value the message quotes, in Chinese when it is a word or a message the console knows.
fn value(v: &str) -> String {
    WORDS
        .iter()
        .find(|(en, _)| *en == v)
        .map(|(_, zh)| (*zh).to_owned())
        .or_else(|| known(v))
        .or_else(|| toml_parser(v))
        .unwrap_or_else(|| v.to_owned())
}

/// `msg` in Chinese, if its form is known. When several forms fit, the most specific (the most
/// literal text) wins: "brightness level {}" over "brightness {}".
fn known(msg: &str) -> Option<String> {
    let (zh, vals) = TEMPLATES
        .iter()
        .filter_map(|(en, zh)| values(en, msg).map(|v| (en.len() - 2 * v.len(), zh, v)))
        .max_by_key(|(literal, _, _)| *literal)
        .map(|(_, zh, v)| (zh, v))?;
    let mut out = (*zh).to_owned();
    for (i, v) in vals.iter().enumerate() {
        out = out.replace(&format!("{{{i}}}"), &value(v));
    }
    Some(out)
}

/// A playlist message in Chinese; the English as it is when its form is not known.
pub fn zh(msg: &str) -> String {
    known(msg).unwrap_or_else(|| msg.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_carried_over_and_nested_messages_translated() {
        assert_eq!(
            zh("\"25:00\" is not a time of day (00:00 to 23:59, or 24:00 as an end)"),
            "\"25:00\" 不是一天中的时刻（00:00 到 23:59，结束时间可为 24:00）"
        );
        assert_eq!(
            zh("unknown key `colour` in [[item]] (did you mean `color`?)"),
            "[[item]]中没有 `colour` 这个键（是否想写 `color`？）"
        );
        assert_eq!(
            zh("`dwell_s` must be an integer, not a string"),
            "`dwell_s` 应为整数，而不是字符串"
        );
        assert_eq!(
            zh("daypart `lunch`: \"12:00\" is not a time (expected HH:MM)"),
            "时段 `lunch`：\"12:00\" 不是时刻（应为 HH:MM）"
        );
        // A form the console does not know stays as the checker wrote it.
        assert_eq!(zh("something new"), "something new");
        // The console's warnings.
        assert_eq!(
            zh(
                "item logo: image \"logo.png\": too small: 8x8 px is enlarged 4.0 times for the 64x32 board and will look blocky; give at least 32x16 px"
            ),
            "节目项 logo：图片 \"logo.png\"：太小：8x8 像素要放大 4.0 倍才能铺满 64x32 的屏，会显得粗糙；请提供至少 32x16 像素的图片"
        );
        for p in pinghu_playlists::fields::problems("{weekdy} {days_until:明年}") {
            let msg = format!("item a: {p}");
            assert!(zh(&msg).starts_with("节目项 a："), "{msg} has no Chinese form");
        }
        assert_eq!(
            zh(&format!(
                "item a: {}",
                pinghu_playlists::fields::problems("{days_until:明年}")[0]
            )),
            "节目项 a：{days_until:明年} 将按原样显示：\"明年\" 不是日期（应写作 {days_until:2027-06-07}）"
        );
        assert_eq!(
            zh("item a: no font has 𠀋: the board shows a box for each"),
            "节目项 a：字库中没有「𠀋」，屏上每个这样的字都显示为方框"
        );
        // The TOML parser's own words too.
        assert_eq!(
            zh("TOML syntax: unclosed array, expected `]`"),
            "TOML 语法错误：数组没有结束，此处应为`]`"
        );
        assert_eq!(
            zh("TOML syntax: unexpected key or value, expected newline, `#`"),
            "TOML 语法错误：多余的键或值（一行只能写一个键值对），此处应为换行、`#`"
        );
        assert_eq!(zh("TOML syntax: duplicate key"), "TOML 语法错误：键重复");
        assert_eq!(
            zh("TOML syntax: invalid date, expected month between 01 and 12"),
            "TOML 语法错误：日期无效，此处应为01 到 12 之间的月"
        );
        assert_eq!(
            zh("TOML syntax: `_` may only go between digits, expected nothing"),
            "TOML 语法错误：`_` 只能写在两个数字之间（此处不应再有内容）"
        );
    }

    /// Words of the checker's English outside quoted values and the TOML parser's own message.
    fn english_left(zh: &str) -> bool {
        let mut bare = String::new();
        let mut quote = None;
        for ch in zh.chars() {
            match (quote, ch) {
                (None, '"' | '`') => quote = Some(ch),
                (Some(q), c) if c == q => quote = None,
                (None, c) => bare.push(c),
                _ => {}
            }
        }
        [
            " is ",
            " must ",
            " needs ",
            " not ",
            "expected",
            " more than ",
            "invalid",
            "unclosed",
            "missing",
            "key ",
            "between",
        ]
        .iter()
        .any(|w| bare.contains(w))
    }

    /// Every message a broken playlist of this corpus brings has a Chinese form: a new message in
    /// the checker fails here until it is added above.
    #[test]
    fn every_message_of_a_corpus_of_broken_playlists_is_known() {
        let corpus = [
            "[[item]]\nid = \"a\"\ntext = \"x\"\ntime = \"25:00-26:00\"\n",
            "[[item]]\nid = \"a\"\ntext = \"x\"\ncolour = \"red\"\n",
            "[[item]]\nid = \"a\"\ntext = \"x\"\nfrobnicate = 1\n",
            "[[item]]\nid = \"a\"\ntext = \"x\"\ndwell_s = \"8\"\n",
            "[[item]]\nid = \"a\"\ntext = \"x\"\ndwell_s = 0\n",
            "[[item]]\nid = \"a b\"\ntext = \"x\"\n",
            "[[item]]\nid = \"a\"\ntext = \"\"\n",
            "[[item]]\ntext = \"x\"\n",
            "[[item]]\nid = \"a\"\n",
            "[[item]]\nid = \"a\"\ntext = \"x\"\nimage = \"a.png\"\n",
            "[[item]]\nid = \"a\"\ntext = \"x\"\n[[item]]\nid = \"a\"\ntext = \"y\"\n",
            "[[item]]\nid = \"a\"\ntext = \"x\"\ncolor = \"purple\"\neffect = \"spin\"\nfont_size = 13\n",
            "[[item]]\nid = \"a\"\ntext = \"x\"\ndays = [\"mon\", \"someday\"]\n",
            "[[item]]\nid = \"a\"\ntext = \"x\"\ndates = [\"2026-13-01\"]\n",
            "[[item]]\nid = \"a\"\ntext = \"x\"\ntime = \"08:00-08:00\"\n",
            "[[item]]\nid = \"a\"\ntext = \"x\"\ntime = \"8\"\n",
            "[[item]]\nid = \"a\"\ntext = \"x\"\ntime = \"breakfast\"\n[dayparts]\nlunch = \"12:00-14:00\"\n",
            "[[item]]\nid = \"a\"\ntext = \"x\"\nworkdays_only = true\ndays_off_only = true\n",
            "[[item]]\nid = \"a\"\ntext = \"x\"\nevery = 0\npriority = 500\n",
            "[[item]]\nid = \"a\"\ntext = \"x\"\nimage = \"a.gif\"\n",
            "[[item]]\nid = \"a\"\nimage = \"a.png\"\nreduce = \"blur\"\n",
            "timezone = \"Mars/Olympus\"\n[[item]]\nid = \"a\"\ntext = \"x\"\n",
            "defaults = 3\n[[item]]\nid = \"a\"\ntext = \"x\"\n",
            "[defaults]\nbrightness = 20\n[[item]]\nid = \"a\"\ntext = \"x\"\n",
            "[dayparts]\nlunch = \"noon\"\n[[item]]\nid = \"a\"\ntext = \"x\"\n",
            "[[brightness]]\ntime = \"08:00-12:00\"\n[[brightness]]\ntime = \"10:00-14:00\"\nlevel = 30\n[[item]]\nid = \"a\"\ntext = \"x\"\n",
            "[power]\non = \"06:00\"\noff = \"06:00\"\n[[item]]\nid = \"a\"\ntext = \"x\"\n",
            "[power]\non = \"06:00\"\n[[item]]\nid = \"a\"\ntext = \"x\"\n",
            "power = 1\n[[item]]\nid = \"a\"\ntext = \"x\"\n",
            "item = 1\n",
            "[[item]]\nid = \"a\"\ntext = \"x\"\n[[item\n",
            // The TOML parser's own messages.
            "[[item]]\nid \"a\"\n",
            "[[item]]\nid = \"a\ntext = \"x\"\n",
            "[[item]]\nid = \"a\"\ntext = \"x\"\ndays = [\"mon\", \"tue\"\n",
            "[defaults\n",
            "[[item]]\nid = \"a\"\nid = \"b\"\n",
            "[[item]]\nid = \"a\"\ntext = \"x\"\nworkdays_only = tru\n",
            "[[item]]\nid = \"a\" text = \"x\"\n",
            "[[item]]\nid = a\n",
            "[[item]]\nid = \"a\"\ntext = \"x\"\ndwell_s = 1__0\n",
            "[[item]]\nid = \"a\"\ntext = \"\\q\"\n",
            "[[item]]\nid = 'a\n",
            "[[item]]\nid = \"a\"\ntext = \"x\"\ndwell_s = 08\n",
            "[[item]]\nid = \"a\"\ntext = \"x\"\ndates = [2026-13-01]\n",
            "[[item]]\n= 1\n",
            "[[item]]\nid = \"a\"\ntext = \"x\"\nstyle = {color = \"red\"\n",
            "[[item]]\nid = \"a\"\ntext = \"x\"\n[[campaign]]\nid = \"c\"\n",
            "[[item]]\nid = \"a\"\ntext = \"x\"\n[[campaign]]\nid = \"c\"\nadvertiser = \"Z\"\nstart_date = \"2026-12-10\"\nend_date = \"2026-12-01\"\nshare = 0.1\nplays_per_day = 3\nseparation_s = -1\n[[campaign.item]]\nid = \"s\"\ntext = \"x\"\ntime = \"08:00-09:00\"\n",
            "[[item]]\nid = \"a\"\ntext = \"x\"\n[[campaign]]\nid = \"c\"\nadvertiser = \"Z\"\nstart_date = \"2026-12-01\"\nend_date = \"2026-12-31\"\nplays_per_hour = 600\nmax_per_hour = 4\n[[campaign.item]]\nid = \"s\"\ntext = \"x\"\n",
            "[[item]]\nid = \"a\"\ntext = \"x\"\n[[campaign]]\nid = \"c\"\nadvertiser = \"Z\"\nstart_date = \"2026-12-01\"\nend_date = \"2026-12-31\"\nplays_per_hour = 300\n[[campaign.item]]\nid = \"s\"\ntext = \"x\"\n",
            "[[item]]\nid = \"a\"\ntext = \"x\"\nworkdays_only = \"yes\"\n",
            "[[item]]\nid = \"a\"\ntext = \"x\"\ndays = 3\n",
            "colour = 1\n[[item]]\nid = \"a\"\ntext = \"x\"\n",
            "[[brightness]]\ntime = \"08:00-12:00\"\nlevel = 5\n[[brightness]]\ntime = \"10:00-14:00\"\nlevel = 6\n[[brightness]]\nlevel = 3\n[[item]]\nid = \"a\"\ntext = \"x\"\n",
            "[power]\noff = \"23:00\"\n[[item]]\nid = \"a\"\ntext = \"x\"\n",
            "[[item]]\nid = \"a\"\ntext = \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"\n",
            "[[item]]\nid = \"a\"\ntext = \"x\"\n[[campaign]]\nid = \"c\"\nadvertiser = \"Z\"\ncontract = \"K\"\nstart_date = \"2026-12-01\"\nend_date = \"2026-12-02\"\nshare = \"much\"\n[[campaign.item]]\nid = \"s\"\ntext = \"x\"\n",
            "[[item]]\nid = \"a\"\ntext = \"x\"\n[[campaign]]\nid = \"c\"\nadvertiser = \"\"\ncontract = \"K\"\nstart_date = \"2026-12-01\"\nend_date = \"2026-12-02\"\nplays_per_day = 0\n[[campaign.item]]\nid = \"s\"\ntext = \"x\"\n",
            "[[item]]\nid = \"a\"\ntext = \"x\"\n[[campaign]]\nid = \"c\"\nadvertiser = \"Z\"\ncontract = \"K\"\nstart_date = 5\nend_date = \"2026-12-02T08:00\"\nshare = 0.1\n[[campaign.item]]\nid = \"s\"\ntext = \"x\"\n",
            "[[item]]\nid = \"a\"\ntext = \"x\"\n[[campaign]]\nid = \"c\"\nadvertiser = \"Z\"\ncontract = \"K\"\nstart_date = \"2026-12-01\"\nend_date = \"2026-12-02\"\nshare = 0.1\n[[campaign.item]]\nid = \"s\"\ntext = \"x\"\n[[campaign]]\nid = \"c\"\nadvertiser = \"Z\"\ncontract = \"K\"\nstart_date = \"2026-12-01\"\nend_date = \"2026-12-02\"\nshare = 0.1\n[[campaign.item]]\nid = \"t\"\ntext = \"x\"\n",
            // Overbooked: more than max_per_hour, past the government floor, and one advertiser's
            // separation.
            "[[item]]\nid = \"a\"\ntext = \"x\"\n[[campaign]]\nid = \"c\"\nadvertiser = \"Z\"\ncontract = \"K\"\nstart_date = \"2026-12-01\"\nend_date = \"2026-12-02\"\nplays_per_day = 2400\nmax_per_hour = 4\n[[campaign.item]]\nid = \"s\"\ntext = \"x\"\n",
            "[[item]]\nid = \"a\"\ntext = \"x\"\n[[campaign]]\nid = \"c\"\nadvertiser = \"Z\"\ncontract = \"K\"\nstart_date = \"2026-12-01\"\nend_date = \"2026-12-02\"\nplays_per_hour = 400\nseparation_s = 30\n[[campaign.item]]\nid = \"s\"\ntext = \"x\"\n",
        ];
        let calendar = pinghu_playlists::Calendar::builtin();
        let mut unknown = Vec::new();
        for text in corpus {
            let mut messages: Vec<String> = crate::api::check(text)["errors"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|e| e["message"].as_str().map(str::to_owned))
                .collect();
            // The booking check of the campaigns, as the console runs it after the parse.
            if let Ok(p) = pinghu_playlists::parse(text, "playlist") {
                let booked = pinghu_playlists::check_bookings(&p, &calendar, &|i| i.style.dwell_s);
                messages.extend(booked.into_iter().map(|d| d.message));
            }
            assert!(!messages.is_empty(), "no error for:\n{text}");
            for m in messages {
                match known(&m) {
                    // English left over outside the values (a nested message without its form).
                    Some(z) if english_left(&z) => unknown.push(format!("{m}\n  -> {z}")),
                    Some(_) => {}
                    None => unknown.push(m),
                }
            }
        }
        assert!(
            unknown.is_empty(),
            "messages without a Chinese form:\n{}",
            unknown.join("\n")
        );
    }
}
