//! The console's words in its two languages: the pages' strings ([`t`]), receipt events, the
//! states and priorities of announcements, and times as an operator reads them (the board's time
//! zone). The form editor's words are in `words/form.rs`.

mod form;
pub use form::form_words;

/// The page language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

/// A string in the page's language.
pub fn t(l: Lang, key: &str) -> &'static str {
    let (zh, en) = match key {
        "title" => ("平湖 LED 公告屏控制台", "Pinghu LED board console"),
        "board" => ("屏幕", "Board"),
        "announcements" => ("公告", "Announcements"),
        "playlist" => ("节目单", "Playlist"),
        "proof" => ("播出记录", "Proof of display"),
        "signin" => ("登录", "Sign in"),
        "signout" => ("退出", "Sign out"),
        "user" => ("用户名", "User"),
        "password" => ("密码", "Password"),
        "token" => ("或 API 令牌", "or API token"),
        "bad_login" => ("用户名或密码错误。", "Wrong user or password."),
        "expired" => ("登录表单已过期，请重试。", "The sign-in form expired: try again."),
        "two_step" => ("两步验证", "Two-step sign-in"),
        "code_hint" => (
            "请打开手机上的身份验证器应用，输入“Pinghu”下显示的 6 位验证码。",
            "Open the authenticator app on your phone and type the 6-digit code it shows under “Pinghu”.",
        ),
        "code" => ("验证码", "Code"),
        "verify_code" => ("验证", "Verify"),
        "back_to_sign_in" => ("返回登录", "Back to sign-in"),
        "bad_code" => (
            "验证码错误或已用过，请输入应用当前显示的验证码。",
            "Wrong or already used code: type the one the app shows now.",
        ),
        "bad_code_again" => (
            "验证码错误次数过多：请重新输入用户名和密码。",
            "Too many wrong codes: sign in with your password again.",
        ),
        "code_expired" => (
            "验证步骤已过期（5 分钟）：请重新输入用户名和密码。",
            "The code step expired (5 minutes): sign in with your password again.",
        ),
        "limited" => (
            "失败次数过多，请五分钟后再试。",
            "Too many failed sign-ins: try again in five minutes.",
        ),
        "live" => ("卡确认的实时画面", "The glass as the card acknowledged it, live"),
        "link" => ("连接", "Link"),
        "layer" => ("层", "Layer"),
        "brightness" => ("亮度", "Brightness"),
        "power" => ("电源", "Power"),
        "clock" => ("时钟偏差（秒）", "Clock drift (s)"),
        "queue" => ("队列", "Queue"),
        "last_error" => ("最近错误", "Last error"),
        "broker" => ("消息服务器", "Broker"),
        "mqtt_version" => ("MQTT 版本", "MQTT version"),
        "broker_error" => ("服务器连接最近错误", "Broker link, last error"),
        "tech" => ("技术员操作", "Technician"),
        "ping" => ("测试连接", "Ping the card"),
        "pattern" => ("显示测试图", "Show test pattern"),
        "set" => ("设置（一小时）", "Set (one hour)"),
        "off" => ("关屏（一小时）", "Off (one hour)"),
        "on" => ("开屏（一小时）", "On (one hour)"),
        "resume" => ("恢复节目单控制", "Back to the playlist"),
        "check" => ("检查", "Check"),
        "save" => ("保存并生效", "Save and apply"),
        "history" => ("历史版本", "History"),
        "week" => ("未来七天", "The next 7 days"),
        "holiday" => ("休", "holiday"),
        "makeup" => ("班", "make-up workday"),
        "dark" => ("关屏", "board off"),
        "preview" => ("预览（与屏幕显示一致）", "Preview (as the board shows it)"),
        "fields_hint" => (
            "文字中可用日期字段，每天自动更新：{date} 当天日期（如 2026年12月4日），{weekday} 星期几（如 星期五），{days_until:2027-06-07} 距该日的天数。",
            "Date fields in a text, filled in each day: {date} the day's date (e.g. 2026年12月4日), {weekday} the day of the week (e.g. 星期五), {days_until:2027-06-07} the days left until then.",
        ),
        "restore" => ("恢复此版本", "Restore this version"),
        "undo_off" => ("撤销（开屏）", "Undo (switch back on)"),
        "undo_save" => ("撤销这次保存", "Undo this save"),
        "confirm_undo" => (
            "撤销这次保存，恢复保存前的节目单？屏幕会立即更新。",
            "Undo this save and bring back the playlist from before it? The board changes at once.",
        ),
        "saved" => ("已保存，屏幕已更新。", "Saved: the board runs it now."),
        "restored" => (
            "已恢复为所选版本，屏幕已更新。",
            "Restored: the board runs that version now.",
        ),
        "ok" => ("没有问题。", "No problems."),
        "ok_warned" => ("可以保存，请留意以下提醒：", "Can be saved; mind these warnings:"),
        "saved_warned" => (
            "已保存，屏幕已更新；请留意以下提醒：",
            "Saved: the board runs it now; mind these warnings:",
        ),
        "state" => ("状态", "State"),
        "text" => ("内容", "Text"),
        "valid" => ("有效期", "Valid"),
        "key" => ("签名密钥", "Key"),
        "displayed" => ("已上屏", "Displayed"),
        "approver" => ("审批人", "Approved by"),
        "search" => ("搜索编号、标题或正文", "Search id, title or text"),
        "search_clear" => ("显示全部", "Show all"),
        "form_view" => ("表单", "Form"),
        "toml_view" => ("高级（TOML）", "Advanced (TOML)"),
        "add_item" => ("＋ 添加节目", "+ Add an item"),
        "add_brightness" => ("＋ 添加亮度时段", "+ Add a brightness window"),
        "power_times" => ("开关屏时间", "Power on and off"),
        "campaigns" => ("广告投放", "Campaigns"),
        "campaigns_hint" => (
            "广告只在政务节目之间播放；紧急通知会中断广告，被中断的一次不计入并在当天补播。",
            "Spots play only between government entries; an urgent notice cuts a spot, which is not counted and is made up that day.",
        ),
        "add_campaign" => ("＋ 添加广告投放", "+ Add a campaign"),
        "government_floor" => ("政务内容每小时至少占", "Government content keeps at least"),
        "floor_unit" => ("%（默认 50%）", "% of every hour (default 50 %)"),
        "power_on" => ("开屏", "On"),
        "power_off" => ("关屏", "Off"),
        "draft_found" => (
            "本浏览器中有一份未保存的节目单修改。",
            "This browser holds an unsaved edit of the playlist.",
        ),
        "draft_restore" => ("恢复", "Restore"),
        "draft_drop" => ("丢弃", "Discard"),
        "unsaved" => ("● 有未保存的修改", "● Unsaved changes"),
        "users" => ("用户", "Users"),
        "showing" => ("正在显示", "Showing"),
        "override" => ("临时设置", "Override"),
        "override_off" => ("已临时关屏", "switched off"),
        "override_on" => ("已临时开屏", "switched on"),
        "override_brightness" => ("临时亮度", "brightness"),
        "until" => ("至", "until"),
        "details" => ("详细（技术信息）", "Details (for technicians)"),
        "confirm_delete_picture" => ("确定删除这张图片吗？", "Remove this picture?"),
        "confirm_off" => (
            "确定关屏一小时吗？大屏将变黑，一小时后自动恢复节目单（可随时点“恢复节目单控制”）。",
            "Switch the board off for an hour? It goes dark and returns to the playlist after an hour (or when you resume).",
        ),
        "admins_only" => ("只有管理员可以管理用户。", "Only admins manage users."),
        "roles_hint" => (
            "角色：查看者只能查看；操作员编辑节目单；技术员操作控制卡（测试、亮度、开关屏）；管理员可做全部操作并管理用户。每次更改都记入审计记录。",
            "Roles: viewers look; operators edit the playlist; technicians use the card's controls; admins do everything and manage users. Every change is in the audit log.",
        ),
        "confirm_remove_user" => (
            "确定删除此用户吗？其令牌和登录会话将立即失效。",
            "Remove this user? Their tokens and sessions end at once.",
        ),
        "confirm_disable_user" => (
            "确定停用此用户吗？其登录会话和令牌将立即失效（可再启用）。",
            "Disable this user? Their sessions and tokens stop at once (they can be enabled again).",
        ),
        "ask_password" => (
            "新密码（至少 8 个字符；该用户的登录会话将结束）：",
            "New password (at least 8 characters; their sessions end):",
        ),
        "token_once" => (
            "新的 API 令牌（只显示这一次，请立即复制保存）：",
            "The new API token (shown this once: copy it now):",
        ),
        "done" => ("已完成。", "Done."),
        "yourself_other_admin" => (
            "您自己的角色、停用和删除须由另一位管理员操作",
            "Your own role, state and account are changed by another admin",
        ),
        "role" => ("角色", "Role"),
        "tokens" => ("API 令牌", "API tokens"),
        "you" => ("（您）", "(you)"),
        "disabled" => ("已停用", "disabled"),
        "enabled" => ("正常", "active"),
        "reset_password" => ("重置密码", "Reset password"),
        "new_token" => ("签发令牌", "New token"),
        "revoke_tokens" => ("撤销令牌", "Revoke tokens"),
        "enable" => ("启用", "Enable"),
        "disable" => ("停用", "Disable"),
        "add_user" => ("添加用户", "Add a user"),
        "totp_on" => ("已启用", "on"),
        "totp_off" => ("未启用", "off"),
        "totp_begin" => ("设置两步验证", "Set up two-step sign-in"),
        "totp_disable" => ("关闭两步验证", "Turn off two-step sign-in"),
        "totp_reset" => ("重置两步验证", "Reset two-step sign-in"),
        "totp_ask_code" => (
            "请输入身份验证器应用当前显示的 6 位验证码以关闭两步验证：",
            "Type the 6-digit code your authenticator app shows now to turn two-step sign-in off:",
        ),
        "totp_confirm_reset" => (
            "确定重置此用户的两步验证吗？该用户之后只凭密码即可登录，可重新设置。",
            "Reset this user's two-step sign-in? They sign in with the password alone until they set it up again.",
        ),
        "totp_setup" => ("设置两步验证", "Set up two-step sign-in"),
        "totp_step_app" => (
            "在手机上安装身份验证器应用（如 Google Authenticator、Microsoft Authenticator 或 FreeOTP）。",
            "Install an authenticator app on your phone (Google Authenticator, Microsoft Authenticator or FreeOTP, say).",
        ),
        "totp_step_scan" => (
            "在应用中添加账号，扫描下方二维码（或手动输入密钥）。",
            "Add an account in the app and scan the QR code below (or type the key).",
        ),
        "totp_step_code" => (
            "输入应用显示的 6 位验证码并确认。确认后，每次登录都需在密码后输入验证码。",
            "Type the 6-digit code the app shows and confirm. From then on, every sign-in asks for a code after the password.",
        ),
        "totp_qr_alt" => ("两步验证二维码", "QR code for two-step sign-in"),
        "totp_manual" => (
            "无法扫描？手动输入此密钥（基于时间，6 位）：",
            "Cannot scan? Type this key (time-based, 6 digits):",
        ),
        "totp_open_app" => (
            "在本机的验证器应用中打开",
            "Open in an authenticator app on this device",
        ),
        "totp_confirm" => ("确认启用", "Confirm and turn on"),
        "add" => ("添加", "Add"),
        "confirm_restore" => (
            "确定恢复此版本吗？大屏将立即改为显示它（当前版本仍保留在历史中）。",
            "Restore this version? The board switches to it at once (the current one stays in the history).",
        ),
        "no_match" => ("没有符合搜索的公告。", "No announcement matches the search."),
        "no_announcements" => ("还没有收到公告。", "No announcement has arrived yet."),
        "date" => ("日期", "Date"),
        "verify" => ("校验链", "Chain"),
        "export" => ("导出 CSV", "Export CSV"),
        "page" => ("页", "page"),
        "card_size" => ("控制卡报告的尺寸", "Size the card reports"),
        "size_warning" => ("尺寸核对", "Size check"),
        "flash_writes" => ("备用节目写入次数", "Fallback program writes"),
        "last_warning" => ("最近预警", "Latest warning"),
        "calendar_missing" => ("缺少节假日安排的年份", "Years without holiday data"),
        "audit" => ("审计记录", "Audit log"),
        "audit_note" => (
            "经控制台（及上级推送）所做的每项修改，最新的在前；哈希链防止删改。",
            "Every change made through the console (and pushed by the office), newest first; a hash chain keeps it from being edited.",
        ),
        "who" => ("操作人", "Who"),
        "what" => ("操作", "What"),
        "detail" => ("内容", "Detail"),
        "diff" => ("改动", "Changes"),
        "pictures" => ("图片", "Pictures"),
        "pictures_hint" => (
            "图片放在节目单旁边；在节目单表单中给节目选择图片即可显示。预览即本屏显示效果。",
            "Pictures live beside the playlist; choose one for an item in the playlist form to show it. The preview is how this board shows it.",
        ),
        "file" => ("文件", "File"),
        "on_board" => ("屏上效果", "On the board"),
        "used_by" => ("使用它的节目", "Shown by"),
        "unused" => ("未使用", "not shown"),
        "removal_waiting" => (
            "办公室已要求删除：节目单不再使用后自动删除",
            "the office asked to remove it: it goes once the playlist no longer shows it",
        ),
        "upload" => ("上传", "Upload"),
        "delete" => ("删除", "Delete"),
        "uploaded" => ("已上传：", "Uploaded:"),
        "playlist_error" => ("节目单文件的错误", "Playlist file errors"),
        "config_problems" => ("未能使用的配置文件", "Configured files left out"),
        "disk_free" => ("数据盘可用空间", "Data disk free"),
        "trace" => ("最近通信字节", "Recent bytes"),
        "refused" => ("已拒绝", "Refused"),
        "times_in" => ("时间为屏幕所在时区：", "Times are the board's:"),
        "chain_ok" => ("✔ 完整", "✔ intact"),
        "chain_damaged" => (
            "✘ 已损坏（用 pinghu log verify 查看哪一行）",
            "✘ damaged (pinghu log verify names the line)",
        ),
        "proof_heads" => ("序号,时间,内容,层,画面", "#,time,content,layer,frame"),
        "unverified" => (
            "（签名未通过，编号未经验证）",
            "(signature failed: the id is unverified)",
        ),
        "readonly" => (
            "公告属于门户网站：此处不能修改或撤回。",
            "Announcements belong to the portal: they cannot be edited or revoked here.",
        ),
        _ => ("?", "?"),
    };
    if l == Lang::Zh { zh } else { en }
}

/// `2026-11-29T05:02:09.83Z` → `2026-11-29 13:02:09` in the board's time zone (Asia/Shanghai).
pub fn short_time(t: &str, tz: &jiff::tz::TimeZone) -> String {
    match t.parse::<jiff::Timestamp>() {
        Ok(ts) => ts.to_zoned(tz.clone()).strftime("%Y-%m-%d %H:%M:%S").to_string(),
        Err(_) => t.to_owned(),
    }
}

/// What made a playlist version, in the console's language.
pub fn state_word(l: Lang, word: &str) -> &str {
    let (zh, en) = match word {
        // What made a playlist version, and who.
        "(before the console)" => ("（控制台启用前）", "(before the console)"),
        "portal" => ("上级门户", "the portal"),
        "(users file)" => ("（机柜上的命令行或手工编辑）", "(the command line or a hand edit)"),
        "save" => ("保存", "saved"),
        "restore" => ("恢复", "restored"),
        "push" => ("推送", "pushed"),
        "initial" => ("初始", "initial"),
        "(edited outside the console)" => ("（控制台外修改）", "(edited outside the console)"),
        "outside" => ("控制台外修改", "edited outside"),
        other => (other, other),
    };
    if l == Lang::Zh { zh } else { en }
}

/// A console role in the console's language.
pub fn role_word(l: Lang, r: crate::auth::Role) -> &'static str {
    use crate::auth::Role;
    let (zh, en) = match r {
        Role::Viewer => ("查看者", "viewer"),
        Role::Operator => ("操作员", "operator"),
        Role::Technician => ("技术员", "technician"),
        Role::Admin => ("管理员", "admin"),
    };
    if l == Lang::Zh { zh } else { en }
}

/// An announcement's state in the console's language.
pub fn ann_state_word(l: Lang, s: pinghu_daemon::store::AnnState) -> &'static str {
    use pinghu_daemon::store::AnnState;
    let (zh, en) = match s {
        AnnState::Active => ("生效中", "active"),
        AnnState::Expired => ("已过期", "expired"),
        AnnState::Revoked => ("已撤回", "revoked"),
        AnnState::Superseded => ("已被新版本取代", "superseded"),
        AnnState::Suspended => ("已暂停", "suspended"),
    };
    if l == Lang::Zh { zh } else { en }
}

/// An announcement's priority in the console's language.
pub fn priority_word(l: Lang, p: pinghu_playlists::Priority) -> &'static str {
    use pinghu_playlists::Priority;
    let (zh, en) = match p {
        Priority::Normal => ("普通", "normal"),
        Priority::Urgent => ("紧急", "urgent"),
        Priority::Emergency => ("特急", "emergency"),
    };
    if l == Lang::Zh { zh } else { en }
}

/// A receipt's event in the console's language.
pub fn receipt_word(l: Lang, event: &str) -> &str {
    let (zh, en) = match event {
        "accepted" => ("已接收", "accepted"),
        "rejected" => ("已拒绝", "rejected"),
        "displayed" => ("已上屏", "displayed"),
        "expired" => ("已过期", "expired"),
        "revoked" => ("已撤回", "revoked"),
        "superseded" => ("已被新版本取代", "superseded"),
        "suspended" => ("已暂停", "suspended"),
        "held" => ("已持有（重复送达）", "held (delivered again)"),
        "updated" => ("已更新", "updated"),
        "cancelled" => ("已解除", "cancelled"),
        "ignored" => ("已忽略（未收到该预警）", "ignored (warning never received)"),
        other => (other, other),
    };
    if l == Lang::Zh { zh } else { en }
}

/// The status document's words (`device.link`, `layer`, `power`, `mqtt`, and the kind of content
/// shown) in the page's language, as JSON for the script that fills the live board and the proof
/// table.
pub fn status_words(l: Lang) -> String {
    let pairs: &[(&str, &str, &str)] = &[
        ("up", "正常", "up"),
        ("down", "断开", "down"),
        ("connecting", "连接中", "connecting"),
        ("connected", "已连接", "connected"),
        ("reconnecting", "重连中", "reconnecting"),
        ("on", "开", "on"),
        ("off", "关", "off"),
        ("blank", "无内容", "blank"),
        ("rotation", "轮播", "rotation"),
        ("urgent", "紧急", "urgent"),
        ("emergency", "特急", "emergency"),
        // What is on the glass: `item ID`, `announcement ID rN` (the word before the id).
        ("item", "节目", "item"),
        ("announcement", "公告", "announcement"),
    ];
    let map: serde_json::Map<String, serde_json::Value> = pairs
        .iter()
        .map(|(k, zh, en)| {
            (
                (*k).to_owned(),
                serde_json::Value::from(if l == Lang::Zh { *zh } else { *en }),
            )
        })
        .collect();
    serde_json::Value::Object(map).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The form's words for a problem name a field by its label (`pinghu_playlists::problem::
    /// label_zh`): the form shows that label, with its unit after it where it has one.
    #[test]
    fn the_forms_labels_are_the_ones_its_problems_name() {
        let w: serde_json::Value = serde_json::from_str(&form_words(Lang::Zh)).expect("JSON");
        let campaign = [
            "advertiser",
            "contract",
            "start_date",
            "end_date",
            "hours",
            "target",
            "share",
            "plays_per_day",
            "plays_per_hour",
            "max_per_hour",
            "separation_s",
        ];
        for key in pinghu_playlists::form::ITEM_KEYS.into_iter().chain(campaign) {
            let shown = w[key].as_str().unwrap_or_else(|| panic!("no form word for {key}"));
            let label = pinghu_playlists::problem::label_zh(key).expect("a label");
            assert!(
                shown.starts_with(label),
                "{key}: the form shows {shown:?}, its problems say {label:?}"
            );
        }
        let floor = pinghu_playlists::problem::label_zh("government_floor").expect("a label");
        assert!(floor.starts_with(t(Lang::Zh, "government_floor")), "{floor}");
    }
}
