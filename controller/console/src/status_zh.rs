//! The daemon's status in Chinese, for the console's board page. The status document is the same
//! for MQTT, the API and the console, and its free texts are English (as the log and the command
//! line are); the console adds a `_zh` twin beside each one it shows ([`with_zh`]): the refused
//! playlist's report (`playlist.error_zh`), the configured files left out (`config_problems_zh`),
//! the card's size warning and the card's and the broker's last errors. Each message form is
//! matched against an English template, its values carried over and translated themselves when
//! they are messages the console knows (an OS error inside a font error, say); a form with no
//! template stays English.

use serde_json::Value;

use super::diagnostics_zh::{values, values_where, zh};

/// The status as the console shows it: the daemon's document, with a Chinese twin (`…_zh`) beside
/// each free text the board page shows.
pub fn with_zh(mut v: Value) -> Value {
    if let Some(e) = v["playlist"]["error"].as_str() {
        v["playlist"]["error_zh"] = playlist_error_zh(e).into();
    }
    if let Some(list) = v["config_problems"].as_array() {
        let zh: Vec<Value> = list
            .iter()
            .map(|p| p.as_str().map_or_else(|| p.clone(), |p| problem_zh(p).into()))
            .collect();
        v["config_problems_zh"] = zh.into();
    }
    for (section, key) in [("device", "last_error"), ("broker", "last_error")] {
        if let Some(e) = v[section][key].as_str() {
            v[section][format!("{key}_zh")] = problem_zh(e).into();
        }
    }
    if let Some(w) = v["device"]["card"]["size_warning"].as_str() {
        v["device"]["card"]["size_warning_zh"] = problem_zh(w).into();
    }
    v
}

/// The lines of the status's `playlist.error` that are not checker messages: what the daemon
/// says about a refused file and what runs meanwhile (`daemon::core::playlist`).
const STATUS_LINES: &[(&str, &str)] = &[
    ("{} problem(s) in the playlist:", "节目单有 {0} 处问题："),
    (
        "the previous playlist ({}, {} items) keeps running until {} is fixed",
        "在 {2} 改好之前，继续播放原来的节目单（{0}，{1} 项）",
    ),
    (
        "the board runs the last good copy ({}, accepted {}, {} items) until {} is fixed",
        "在 {3} 改好之前，屏幕播放上次通过检查的副本（{0}，{1} 通过，{2} 项）",
    ),
    (
        "the board runs the last good copy ({}, {} items) until {} is fixed",
        "在 {2} 改好之前，屏幕播放上次通过检查的副本（{0}，{1} 项）",
    ),
    (
        "there is no last good copy, so only announcements and warnings show until {} is fixed",
        "没有上次通过检查的副本：在 {0} 改好之前，屏幕只显示公告和预警",
    ),
    (
        "the last good copy {} cannot be used either ({}), so only announcements and warnings show until {} is fixed",
        "上次通过检查的副本 {0} 也无法使用（{1}）：在 {2} 改好之前，屏幕只显示公告和预警",
    ),
];

/// The status's `playlist.error` in Chinese, line by line: the daemon's own lines by template,
/// each `FILE:LINE:COLUMN: message` with its message as the editor shows it.
pub fn playlist_error_zh(error: &str) -> String {
    error
        .lines()
        .map(|line| {
            for (en, zh) in STATUS_LINES {
                if let Some(vals) = values(en, line) {
                    let mut out = (*zh).to_owned();
                    for (i, v) in vals.iter().enumerate() {
                        // (A reason among the values is a problem the console may know.)
                        out = out.replace(&format!("{{{i}}}"), &problem_zh(v));
                    }
                    return out;
                }
            }
            // FILE:LINE:COLUMN: message (the file may hold colons of its own: split at the
            // first ": " after two numbers).
            let mut parts = line.splitn(2, ": ");
            match (parts.next(), parts.next()) {
                (Some(at), Some(msg)) if at.rsplitn(3, ':').take(2).all(|n| n.parse::<u32>().is_ok()) => {
                    format!("{at}: {}", zh(msg))
                }
                _ => zh(line),
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// What the daemon says about files it left out, the card and the links (`daemon::core::prepare`,
/// `daemon::core::events`, `card::link`, `daemon::mqtt`), and the system's words inside them.
const PROBLEMS: &[(&str, &str)] = &[
    // Configured files left out, and what applies instead.
    ("{}; the built-in calendar applies", "{0}；使用内置的节假日表"),
    (
        "fallback_font {}: {}; characters the built-in fonts lack show as boxes",
        "备用字体 fallback_font {0} 无法使用：{1}；内置字体缺少的字显示为方框",
    ),
    (
        "fonts.{}: {} is a {} px font; the built-in {} px font is used",
        "fonts.{0}：{1} 是 {2} 像素的字体；使用内置的 {3} 像素字体",
    ),
    (
        "fonts.{}: {}; the built-in {} px font is used",
        "fonts.{0}：{1}；使用内置的 {2} 像素字体",
    ),
    ("holiday calendar {}: {}", "节假日表 {0}：{1}"),
    ("holiday calendar: {}", "节假日表有误：{0}"),
    ("cannot read font {}: {}", "无法读取字体 {0}：{1}"),
    ("bad font data: {}", "字体数据有误：{0}"),
    // The card.
    (
        "the card reports {}x{} px but screen.width/height say {}x{}: fix the configuration or the card's screen parameters",
        "控制卡报告屏幕为 {0}x{1} 像素，配置中 screen.width/height 为 {2}x{3}：请改正配置或控制卡的屏幕参数",
    ),
    ("cannot open {}: {} ({})", "无法连接 {0}：{1}（{2}）"),
    ("cannot open {}: {}", "无法连接 {0}：{1}"),
    (
        "nothing listens there: is the card powered, the IP right, the port 5005?",
        "该地址没有服务在监听：控制卡是否通电？IP 是否正确？端口是否为 5005？",
    ),
    (
        "check the network cable and the card's IP address",
        "请检查网线和控制卡的 IP 地址",
    ),
    ("no connection within {} ms", "{0} 毫秒内未能建立连接"),
    (
        "add the user to the dialout group: sudo usermod -aG dialout $USER, then log in again",
        "请把用户加入 dialout 组：sudo usermod -aG dialout $USER，然后重新登录",
    ),
    ("the port is busy: {} holds it", "串口正被占用：{0} 占用着它"),
    (
        "the port is busy: another program holds it (fuser -v PORT shows which)",
        "串口正被另一个程序占用（fuser -v 串口 可查看是哪个）",
    ),
    (
        "no such port: is the USB adapter plugged in? `pinghu diag probe` lists the ports",
        "没有这个串口：USB 转接器插好了吗？`pinghu diag probe` 会列出可用的串口",
    ),
    (
        "no reply within {} ms (check the baud rate, the screen address and the cable; try `pinghu diag probe`)",
        "{0} 毫秒内没有应答（请检查波特率、屏号和线缆；可运行 `pinghu diag probe`）",
    ),
    ("the card refused the request: {}", "控制卡拒绝了请求：{0}"),
    (
        "the reply was damaged: {} (line noise, or the wrong baud rate)",
        "应答已损坏：{0}（线路干扰，或波特率不对）",
    ),
    (
        "received {} bytes that are not Onbon frames ({}): wrong baud rate or protocol?",
        "收到 {0} 字节，不是仰邦协议的帧（{1}）：波特率或协议不对？",
    ),
    ("the card closed the connection", "控制卡关闭了连接"),
    ("i/o error: {}", "输入输出错误：{0}"),
    (
        "the card answered something unexpected: {}",
        "控制卡的应答出乎意料：{0}",
    ),
    ("{} is not available on {} cards: {}", "{1} 控制卡不支持{0}：{2}"),
    ("ping", "联络"),
    ("status", "状态查询"),
    ("power", "电源开关"),
    ("timed power", "定时开关机"),
    ("time-sync", "校时"),
    ("brightness", "亮度"),
    ("program files", "节目文件"),
    ("bitmap pages", "点阵图页面"),
    ("card-drawn text", "由控制卡排版的文字"),
    (
        "font cards have no public brightness opcode; set it with LedshowTW",
        "字库卡没有公开的亮度指令：请用 LedshowTW 设置",
    ),
    (
        "font cards draw text themselves: send text",
        "字库卡自己排版文字：请发送文字",
    ),
    (
        "graphic cards show bitmaps: render the text",
        "图文卡显示点阵图：请先把文字排成图",
    ),
    (
        "font cards take these commands in their own protocol",
        "字库卡用自己的协议接收这些指令",
    ),
    (
        "the card ignores the control header (older firmware) and refused the 0xF0 form",
        "控制卡不理会控制帧头（固件较旧），0xF0 形式也被拒绝",
    ),
    ("the card refused it under both headers", "两种帧头下控制卡都拒绝了"),
    (
        "the card refused it earlier on this connection",
        "控制卡在此连接上已拒绝过",
    ),
    // The broker.
    (
        "session taken over by another client with client id {}",
        "会话被另一个使用相同 client id（{0}）的客户端接管",
    ),
    (
        "connection closed by the broker {} times within a minute: client id {} may be in use elsewhere",
        "一分钟内被消息服务器断开 {0} 次：client id {1} 可能在别处也在使用",
    ),
    // The system's words.
    ("No such file or directory (os error 2)", "文件或文件夹不存在"),
    ("Permission denied (os error 13)", "没有访问权限"),
    ("Is a directory (os error 21)", "这是一个文件夹，不是文件"),
    ("Connection refused (os error 111)", "连接被拒绝"),
    ("Connection reset by peer (os error 104)", "连接被对方重置"),
    ("Connection timed out (os error 110)", "连接超时"),
    ("No route to host (os error 113)", "无法到达主机"),
    ("Network is unreachable (os error 101)", "网络不可达"),
    ("Broken pipe (os error 32)", "连接已断开"),
    ("Device or resource busy (os error 16)", "设备正忙"),
    ("No space left on device (os error 28)", "磁盘已满"),
    ("Input/output error (os error 5)", "读写出错（磁盘或设备故障）"),
];

/// A status problem in Chinese; the English as it is when its form is not known. Values that are
/// messages themselves are translated too (`depth` bounds the nesting).
pub fn problem_zh(msg: &str) -> String {
    fn go(msg: &str, depth: u8) -> Option<String> {
        if depth == 0 {
            return None;
        }
        // The template that leaves the least to its values: the most specific one. A value is
        // never cut inside parentheses (a reason's own "(os error 2)" stays with it).
        let balanced = |v: &str| {
            let mut depth = 0i32;
            v.chars().all(|c| {
                depth += match c {
                    '(' => 1,
                    ')' => -1,
                    _ => 0,
                };
                depth >= 0
            }) && depth == 0
        };
        let (zh, vals) = PROBLEMS
            .iter()
            .filter_map(|(en, zh)| values_where(en, msg, balanced).map(|v| (en.len() - 2 * v.len(), zh, v)))
            .max_by_key(|(literal, _, _)| *literal)
            .map(|(_, zh, v)| (zh, v))?;
        let mut out = (*zh).to_owned();
        for (i, v) in vals.iter().enumerate() {
            out = out.replace(
                &format!("{{{i}}}"),
                &go(v, depth - 1).unwrap_or_else(|| (*v).to_owned()),
            );
        }
        Some(out)
    }
    go(msg, 4).unwrap_or_else(|| msg.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_playlist_in_the_status_reads_in_chinese() {
        let e = "1 problem(s) in the playlist:\n/srv/pl.toml:4:8: \"25:00\" is not a time of day (00:00 to 23:59, or \
                 24:00 as an end)\nthe board runs the last good copy (/var/lib/pinghu/playlist.last-good.toml, accepted \
                 2026-12-04T10:00:00Z, 5 items) until /srv/pl.toml is fixed";
        assert_eq!(
            playlist_error_zh(e),
            "节目单有 1 处问题：\n/srv/pl.toml:4:8: \"25:00\" 不是一天中的时刻（00:00 到 23:59，结束时间可为 24:00）\n\
             在 /srv/pl.toml 改好之前，屏幕播放上次通过检查的副本（/var/lib/pinghu/playlist.last-good.toml，\
             2026-12-04T10:00:00Z 通过，5 项）"
        );
        assert_eq!(
            playlist_error_zh("the previous playlist (pl.toml, 3 items) keeps running until pl.toml is fixed"),
            "在 pl.toml 改好之前，继续播放原来的节目单（pl.toml，3 项）"
        );
    }

    #[test]
    fn configured_files_left_out_read_in_chinese_with_the_systems_words() {
        assert_eq!(
            problem_zh(
                "holiday calendar /etc/pinghu/holidays.toml: No such file or directory (os error 2); the built-in calendar applies"
            ),
            "节假日表 /etc/pinghu/holidays.toml：文件或文件夹不存在；使用内置的节假日表"
        );
        assert_eq!(
            problem_zh(
                "fallback_font /srv/unifont.hex: cannot read font /srv/unifont.hex: Permission denied (os error 13); \
                 characters the built-in fonts lack show as boxes"
            ),
            "备用字体 fallback_font /srv/unifont.hex 无法使用：无法读取字体 /srv/unifont.hex：没有访问权限；内置字体缺少的字显示为方框"
        );
        assert_eq!(
            problem_zh("fonts.12: /srv/wqy.bdf is a 13 px font; the built-in 12 px font is used"),
            "fonts.12：/srv/wqy.bdf 是 13 像素的字体；使用内置的 12 像素字体"
        );
        // A form the console does not know stays English.
        assert_eq!(problem_zh("something new"), "something new");
    }

    #[test]
    fn the_cards_and_the_brokers_errors_read_in_chinese() {
        assert_eq!(
            problem_zh(
                "cannot open tcp://192.168.1.50:5005: Connection refused (os error 111) (nothing listens there: is the \
                 card powered, the IP right, the port 5005?)"
            ),
            "无法连接 tcp://192.168.1.50:5005：连接被拒绝（该地址没有服务在监听：控制卡是否通电？IP 是否正确？端口是否为 5005？）"
        );
        assert_eq!(
            problem_zh(
                "no reply within 2000 ms (check the baud rate, the screen address and the cable; try `pinghu diag probe`)"
            ),
            "2000 毫秒内没有应答（请检查波特率、屏号和线缆；可运行 `pinghu diag probe`）"
        );
        assert_eq!(
            problem_zh(
                "the card reports 192x64 px but screen.width/height say 128x32: fix the configuration or the card's \
                 screen parameters"
            ),
            "控制卡报告屏幕为 192x64 像素，配置中 screen.width/height 为 128x32：请改正配置或控制卡的屏幕参数"
        );
        assert_eq!(
            problem_zh("power is not available on bx-5k cards: font cards take these commands in their own protocol"),
            "bx-5k 控制卡不支持电源开关：字库卡用自己的协议接收这些指令"
        );
        assert_eq!(
            problem_zh("session taken over by another client with client id \"pinghu-a\""),
            "会话被另一个使用相同 client id（\"pinghu-a\"）的客户端接管"
        );
    }

    #[test]
    fn the_status_gets_chinese_twins_beside_its_texts() {
        let v = with_zh(serde_json::json!({
            "config_problems": ["fonts.16: bad font data: no glyphs; the built-in 16 px font is used"],
            "device": {"last_error": "the card closed the connection", "card": {"size_warning": null}},
            "broker": {"last_error": null},
            "playlist": {"error": null},
        }));
        assert_eq!(
            v["config_problems_zh"][0],
            "fonts.16：字体数据有误：no glyphs；使用内置的 16 像素字体"
        );
        assert_eq!(v["device"]["last_error_zh"], "控制卡关闭了连接");
        assert!(v["broker"].get("last_error_zh").is_none());
        assert!(v["playlist"].get("error_zh").is_none());
    }
}
