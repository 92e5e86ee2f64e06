//! The form editor's words: its labels, choices and messages in the page's language, as JSON
//! for the script that builds the form.

use super::Lang;

/// The form editor's words, as JSON for the script that builds the form (its labels, choices
/// and messages in the page's language).
pub fn form_words(l: Lang) -> String {
    let pairs: &[(&str, &str, &str)] = &[
        ("item", "节目", "Item"),
        ("id", "编号", "Id"),
        ("text", "文字", "Text"),
        ("image", "图片", "Picture"),
        ("shows", "显示", "Shows"),
        ("days", "星期", "Days"),
        ("every_day", "每天", "every day"),
        ("time", "时段", "Hours"),
        ("all_day", "全天", "all day"),
        ("dates", "日期", "Dates"),
        ("every_date", "不限", "any date"),
        (
            "workdays_only",
            "仅工作日（按法定节假日调休）",
            "Workdays only (official calendar)",
        ),
        ("days_off_only", "仅休息日", "Days off only"),
        ("font_size", "字号", "Size"),
        ("color", "颜色", "Colour"),
        ("effect", "效果", "Effect"),
        ("dwell_s", "停留时间（秒）", "Dwell (s)"),
        ("default", "默认", "default"),
        ("red", "红", "red"),
        ("green", "绿", "green"),
        ("yellow", "黄", "yellow"),
        ("auto", "自动", "auto"),
        ("static", "静止", "static"),
        ("scroll-left", "向左滚动", "scroll left"),
        ("scroll-up", "向上滚动", "scroll up"),
        ("flash", "闪烁", "flash"),
        ("typewriter", "打字", "typewriter"),
        ("up", "上移", "Up"),
        ("down", "下移", "Down"),
        ("remove", "删除", "Remove"),
        (
            "confirm_remove",
            "确定删除这个节目吗？（保存前仍可恢复）",
            "Remove this item? (Nothing is saved until you save.)",
        ),
        (
            "kept",
            "其他设置保持原样（在“高级”中编辑）：",
            "Other settings kept as written (edit them in Advanced): ",
        ),
        (
            "elsewhere",
            "节目单中还有表单不显示的部分，保持原样（在“高级”中编辑）：",
            "The playlist also has parts the form does not show, kept as written (Advanced): ",
        ),
        ("new_item", "新节目", "new item"),
        // What the form does not edit, named for a clerk.
        ("k_timezone", "时区", "time zone"),
        ("k_defaults", "默认样式", "defaults"),
        ("k_dayparts", "时段名称", "named hours"),
        ("k_campaign", "广告投放", "campaigns"),
        ("k_government_floor", "政务内容下限", "government floor"),
        ("k_time", "时段", "hours"),
        ("k_priority", "优先级", "priority"),
        ("k_every", "播放间隔", "every"),
        ("k_reduce", "图片处理", "picture reduction"),
        ("level", "亮度（0–15）", "Level (0–15)"),
        // Campaigns: paid time as an operator sells it (docs/campaigns.md).
        ("campaign", "广告投放", "Campaign"),
        ("advertiser", "广告主", "Advertiser"),
        ("contract", "合同号", "Contract"),
        ("start_date", "开始日期", "Start"),
        ("end_date", "结束日期", "End"),
        ("hours", "播放时段", "Hours"),
        ("add_window", "＋ 时段", "+ Window"),
        (
            "daypart",
            "（命名时段，在“高级”中修改）",
            "(a named daypart: edit it in Advanced)",
        ),
        ("target", "投放目标", "Target"),
        ("share", "时间占比（%）", "Share of time (%)"),
        ("plays_per_day", "每天播放次数", "Plays per day"),
        ("plays_per_hour", "每小时播放次数", "Plays per hour"),
        ("choose_target", "（选择目标）", "(choose a target)"),
        ("max_per_hour", "每小时最多播放次数", "At most per hour"),
        ("separation_s", "同一广告主间隔（秒）", "Separation (s)"),
        ("spot_style", "广告内容样式", "Spot style"),
        ("spot", "广告内容", "Spot"),
        ("add_spot", "＋ 添加广告内容", "+ Add a spot"),
        ("new_spot", "新广告内容", "new spot"),
        (
            "confirm_remove_campaign",
            "确定删除这个广告投放及其全部广告内容吗？（保存前仍可恢复）",
            "Remove this campaign and all its spots? (Nothing is saved until you save.)",
        ),
        (
            "confirm_remove_spot",
            "确定删除这条广告内容吗？（保存前仍可恢复）",
            "Remove this spot? (Nothing is saved until you save.)",
        ),
        ("k_hours", "播放时段", "hours"),
        ("k_share", "时间占比", "share"),
        ("k_plays_per_day", "每天播放次数", "plays per day"),
        ("k_plays_per_hour", "每小时播放次数", "plays per hour"),
        (
            "fields_hint",
            "文字中可写 {date}（日期）、{weekday}（星期）、{days_until:2027-06-07}（倒计时天数）。",
            "Text may hold {date}, {weekday} and {days_until:2027-06-07}.",
        ),
        ("no_picture", "（选择图片）", "(choose a picture)"),
        ("unsaved", "有未保存的修改", "Unsaved changes"),
        (
            "session_ended",
            "登录已过期，修改仍留在本浏览器中：请重新登录，然后选择“恢复”。",
            "Your session ended; the edit is kept in this browser: sign in again and choose Restore.",
        ),
        (
            "too_large",
            "节目单太大：请删去一些节目，或在“高级”中编辑后保存。",
            "The playlist is too large: remove some items, or edit it in Advanced and save.",
        ),
        ("failed", "请求失败：", "The request failed: "),
        // A refused save says first that nothing was saved, then why and what to do.
        ("not_saved", "未保存：", "Not saved: "),
        (
            "fix_then_save",
            "节目单有下面的问题，屏幕仍显示原来的节目。请按提示在标红的地方修改，然后再点“保存”。",
            "the playlist has the problems below; the board still shows the old one. Fix them where marked, then save again.",
        ),
        (
            "offline",
            "无法连接控制台：请检查网络后重试，修改仍留在本浏览器中。",
            "The console cannot be reached: check the network and try again; the edit is kept in this browser.",
        ),
    ];
    let map: serde_json::Map<String, serde_json::Value> = pairs
        .iter()
        .map(|(k, zh, en)| ((*k).to_owned(), (if l == Lang::Zh { *zh } else { *en }).into()))
        .collect();
    serde_json::Value::Object(map).to_string()
}
