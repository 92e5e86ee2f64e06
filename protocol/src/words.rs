//! Words every layer's messages share: the operating system's errors in Chinese, by their kind
//! (never by their English text), for the console's Chinese messages.

use std::io::ErrorKind;

/// What an I/O error of `kind` means, in Chinese.
pub fn io_error_zh(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::NotFound => "文件或文件夹不存在",
        ErrorKind::PermissionDenied => "没有访问权限",
        ErrorKind::IsADirectory => "这是一个文件夹，不是文件",
        ErrorKind::ConnectionRefused => "连接被拒绝",
        ErrorKind::ConnectionReset => "连接被对方重置",
        ErrorKind::ConnectionAborted => "连接被中止",
        ErrorKind::TimedOut => "连接超时",
        ErrorKind::HostUnreachable => "无法到达主机",
        ErrorKind::NetworkUnreachable => "网络不可达",
        ErrorKind::BrokenPipe => "连接已断开",
        ErrorKind::ResourceBusy => "设备正忙",
        ErrorKind::StorageFull => "磁盘已满",
        ErrorKind::InvalidData => "数据无效（不是 UTF-8 文本，或格式不对）",
        ErrorKind::UnexpectedEof => "数据不完整",
        ErrorKind::AddrInUse => "地址已被占用",
        ErrorKind::AddrNotAvailable => "地址不可用",
        _ => "读写出错（磁盘、设备或网络故障）",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_systems_errors_read_in_chinese_by_their_kind() {
        let e = std::fs::read("/nonexistent/pinghu").unwrap_err();
        assert_eq!(io_error_zh(e.kind()), "文件或文件夹不存在");
        assert_eq!(io_error_zh(ErrorKind::PermissionDenied), "没有访问权限");
    }
}
