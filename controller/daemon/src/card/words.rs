//! The card layer's errors in Chinese: what a card cannot do and why, and the words of
//! [`LinkError`] and [`DriverError`], each written from the typed error (never from its English).

use std::fmt;

use pinghu_playlists::Bilingual;
use pinghu_protocol::words::io_error_zh;

use crate::card::client::DriverError;
use crate::card::link::{LinkError, OpenHint, OpenReason};

/// Something asked of a card.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Feature {
    Ping,
    Status,
    Power,
    TimedPower,
    TimeSync,
    Brightness,
    ProgramFiles,
    MemoryVolume,
    BitmapPages,
    CardText,
    BitmapTestPatterns,
}

impl Feature {
    fn words(self) -> (&'static str, &'static str) {
        match self {
            Self::Ping => ("ping", "联络"),
            Self::Status => ("status", "状态查询"),
            Self::Power => ("power", "电源开关"),
            Self::TimedPower => ("timed power", "定时开关机"),
            Self::TimeSync => ("time-sync", "校时"),
            Self::Brightness => ("brightness", "亮度"),
            Self::ProgramFiles => ("program files", "节目文件"),
            Self::MemoryVolume => ("memory volume", "存储空间查询"),
            Self::BitmapPages => ("bitmap pages", "点阵图页面"),
            Self::CardText => ("card-drawn text", "由控制卡排版的文字"),
            Self::BitmapTestPatterns => ("bitmap test patterns", "点阵测试图案"),
        }
    }

    /// The feature in Chinese.
    pub fn zh(self) -> &'static str {
        self.words().1
    }
}

impl fmt::Display for Feature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.words().0)
    }
}

/// Why a card cannot do a [`Feature`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unavailable {
    NoBrightnessOpcode,
    FontCardsDrawText,
    FontCardsDrawOnlyText,
    GraphicCardsShowBitmaps,
    FontCardProtocol,
    IgnoresControlHeader,
    RefusedUnderBothHeaders,
    RefusedEarlier,
}

impl Unavailable {
    fn words(self) -> (&'static str, &'static str) {
        match self {
            Self::NoBrightnessOpcode => (
                "font cards have no public brightness opcode; set it with LedshowTW",
                "字库卡没有公开的亮度指令：请用 LedshowTW 设置",
            ),
            Self::FontCardsDrawText => (
                "font cards draw text themselves: send text",
                "字库卡自己排版文字：请发送文字",
            ),
            Self::FontCardsDrawOnlyText => (
                "font cards draw only text: use test-pattern text or all-off",
                "字库卡只能显示文字：请用 text 或 all-off 测试图案",
            ),
            Self::GraphicCardsShowBitmaps => (
                "graphic cards show bitmaps: render the text",
                "图文卡显示点阵图：请先把文字排成图",
            ),
            Self::FontCardProtocol => (
                "font cards take these commands in their own protocol",
                "字库卡用自己的协议接收这些指令",
            ),
            Self::IgnoresControlHeader => (
                "the card ignores the control header (older firmware) and refused the 0xF0 form",
                "控制卡不理会控制帧头（固件较旧），0xF0 形式也被拒绝",
            ),
            Self::RefusedUnderBothHeaders => ("the card refused it under both headers", "两种帧头下控制卡都拒绝了"),
            Self::RefusedEarlier => (
                "the card refused it earlier on this connection (tried again within the hour)",
                "控制卡在此连接上已拒绝过（一小时内会再试）",
            ),
        }
    }

    /// The reason in Chinese.
    pub fn zh(self) -> &'static str {
        self.words().1
    }
}

impl fmt::Display for Unavailable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.words().0)
    }
}

impl OpenHint {
    /// The hint in English (empty for none).
    pub fn en(&self) -> String {
        match self {
            Self::None => String::new(),
            Self::NothingListens => "nothing listens there: is the card powered, the IP right, the port 5005?".into(),
            Self::CheckCable => "check the network cable and the card's IP address".into(),
            Self::Dialout => {
                "add the user to the dialout group: sudo usermod -aG dialout $USER, then log in again".into()
            }
            Self::BusyBy(p) => format!("the port is busy: {p} holds it"),
            Self::Busy => "the port is busy: another program holds it (fuser -v PORT shows which)".into(),
            Self::NoSuchPort => {
                "no such port: is the USB adapter plugged in? `pinghu diag probe` lists the ports".into()
            }
        }
    }

    /// The hint in Chinese (empty for none).
    pub fn zh(&self) -> String {
        match self {
            Self::None => String::new(),
            Self::NothingListens => "该地址没有服务在监听：控制卡是否通电？IP 是否正确？端口是否为 5005？".into(),
            Self::CheckCable => "请检查网线和控制卡的 IP 地址".into(),
            Self::Dialout => "请把用户加入 dialout 组：sudo usermod -aG dialout $USER，然后重新登录".into(),
            Self::BusyBy(p) => format!("串口正被占用：{p} 占用着它"),
            Self::Busy => "串口正被另一个程序占用（fuser -v 串口 可查看是哪个）".into(),
            Self::NoSuchPort => "没有这个串口：USB 转接器插好了吗？`pinghu diag probe` 会列出可用的串口".into(),
        }
    }
}

impl OpenReason {
    /// The reason in Chinese.
    pub fn zh(&self) -> String {
        match self {
            Self::Io { kind, .. } => io_error_zh(*kind).to_owned(),
            Self::NoConnectionWithin { ms } => format!("{ms} 毫秒内未能建立连接"),
            Self::Serial { .. } => "无法打开串口".to_owned(),
        }
    }
}

impl Bilingual for LinkError {
    fn zh(&self) -> String {
        match self {
            Self::Open { url, reason, hint } => match hint.zh() {
                h if h.is_empty() => format!("无法连接 {url}：{}", reason.zh()),
                h => format!("无法连接 {url}：{}（{h}）", reason.zh()),
            },
            Self::Timeout { ms } => {
                format!("{ms} 毫秒内没有应答（请检查波特率、屏号和线缆；可运行 `pinghu diag probe`）")
            }
            Self::Nack { code } => match code.name() {
                Some(n) => format!("控制卡拒绝了请求：{n}（错误码 {}）", code.0),
                None => format!("控制卡拒绝了请求：未知错误码 {}", code.0),
            },
            Self::BadReply(_) => "应答已损坏（线路干扰，或波特率不对）".to_owned(),
            Self::Garbage { len, sample } => {
                format!("收到 {len} 字节，不是仰邦协议的帧（{sample}）：波特率或协议不对？")
            }
            Self::Closed => "控制卡关闭了连接".to_owned(),
            Self::Io(e) => format!("输入输出错误：{}", io_error_zh(e.kind())),
        }
    }
}

impl Bilingual for DriverError {
    fn zh(&self) -> String {
        match self {
            Self::Link(e) => e.zh(),
            Self::Unsupported { op, protocol, hint } => format!("{protocol} 控制卡不支持{}：{}", op.zh(), hint.zh()),
            Self::Unexpected(_) => {
                "控制卡的应答出乎意料（请核对 device.protocol 与控制卡型号；可运行 `pinghu diag probe`）".to_owned()
            }
            Self::Invalid(_) => "要发给控制卡的内容不符合它的要求（请核对 screen 配置与控制卡型号）".to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cards_errors_read_in_chinese() {
        let e = LinkError::Open {
            url: "tcp://192.168.1.50:5005".into(),
            reason: OpenReason::Io {
                kind: std::io::ErrorKind::ConnectionRefused,
                detail: "Connection refused (os error 111)".into(),
            },
            hint: OpenHint::NothingListens,
        };
        assert_eq!(
            e.to_string(),
            "cannot open tcp://192.168.1.50:5005: Connection refused (os error 111) (nothing listens there: is the \
             card powered, the IP right, the port 5005?)"
        );
        assert_eq!(
            e.zh(),
            "无法连接 tcp://192.168.1.50:5005：连接被拒绝（该地址没有服务在监听：控制卡是否通电？IP 是否正确？端口是否为 5005？）"
        );
        assert_eq!(
            LinkError::Timeout { ms: 2000 }.zh(),
            "2000 毫秒内没有应答（请检查波特率、屏号和线缆；可运行 `pinghu diag probe`）"
        );
        let u = DriverError::Unsupported {
            op: Feature::Power,
            protocol: crate::card::device::CardModel::Bx5k,
            hint: Unavailable::FontCardProtocol,
        };
        assert_eq!(
            u.to_string(),
            "power is not available on bx-5k cards: font cards take these commands in their own protocol"
        );
        assert_eq!(u.zh(), "bx-5k 控制卡不支持电源开关：字库卡用自己的协议接收这些指令");
    }
}
