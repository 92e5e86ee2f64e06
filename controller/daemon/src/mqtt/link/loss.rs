//! A lost connection, explained: what rumqttc's error means (a refused login, client id or
//! protocol version; a broker that closed the link; a session taken over), in the words of
//! whoever configured the link ([`Hints`]), in English and Chinese.

use rumqttc::v5;
use rumqttc::v5::mqttbytes::v5 as p5;

use pinghu_playlists::problem::Said;

use super::{Happening, Loss};

/// What to do about a refused connection, in the words of whoever configured it, and what to
/// add to any other failure.
#[derive(Debug)]
pub struct Hints {
    pub login: &'static str,
    pub client_id: &'static str,
    pub version: &'static str,
    /// The same three in Chinese.
    pub login_zh: &'static str,
    pub client_id_zh: &'static str,
    pub version_zh: &'static str,
    /// Added to other failures under MQTT 3.1.1 and MQTT 5.
    pub other: (&'static str, &'static str),
}

/// The daemon's: its configuration's keys.
pub const DAEMON_HINTS: Hints = Hints {
    login: "the broker refused the login: check mqtt.username and mqtt.password (or password_file), and the \
            broker's password file and ACL for this board",
    client_id: "the broker refused the client id: check mqtt.client_id (or the broker's rules for ids)",
    version: "the broker does not speak MQTT 5: set mqtt.version = \"3.1.1\", or upgrade the broker (mosquitto \
              speaks MQTT 5 from 1.6)",
    login_zh: "消息服务器拒绝了登录：请检查 mqtt.username 和 mqtt.password（或 password_file），以及服务器上\
               此屏的密码文件和 ACL",
    client_id_zh: "消息服务器拒绝了 client id：请检查 mqtt.client_id（或服务器对 id 的规则）",
    version_zh: "消息服务器不支持 MQTT 5：请设置 mqtt.version = \"3.1.1\"，或升级服务器（mosquitto 从 1.6 起支持 \
                 MQTT 5）",
    other: ("", ""),
};

/// A lost connection in Chinese, from the kind of the error (its English is the library's).
fn lost_zh(io: Option<std::io::ErrorKind>, timeout: bool, tls: bool, aborted: bool) -> String {
    match (io, timeout, tls, aborted) {
        (Some(kind), ..) => format!("与消息服务器的连接出错：{}", pinghu_protocol::words::io_error_zh(kind)),
        (None, true, ..) => "连接消息服务器超时：请检查网络和 mqtt.host".to_owned(),
        (None, _, true, _) => "与消息服务器的 TLS 连接失败：请检查证书和 mqtt 的 TLS 设置".to_owned(),
        (None, _, _, true) => "消息服务器关闭了连接".to_owned(),
        _ => "与消息服务器的连接中断".to_owned(),
    }
}

/// An MQTT 3.1.1 loss, with a refused connection explained.
pub(super) fn lost_v311(e: rumqttc::ConnectionError, hints: &Hints) -> Happening {
    use rumqttc::ConnectReturnCode as C;
    let why = if matches!(
        e,
        rumqttc::ConnectionError::MqttState(rumqttc::StateError::ConnectionAborted)
    ) {
        Loss::ClosedByBroker
    } else {
        Loss::Other
    };
    let hint = match &e {
        rumqttc::ConnectionError::ConnectionRefused(C::BadUserNamePassword | C::NotAuthorized) => {
            Some((hints.login, hints.login_zh))
        }
        rumqttc::ConnectionError::ConnectionRefused(C::BadClientId) => Some((hints.client_id, hints.client_id_zh)),
        _ => None,
    };
    let zh = lost_zh(
        match &e {
            rumqttc::ConnectionError::Io(io) => Some(io.kind()),
            _ => None,
        },
        matches!(e, rumqttc::ConnectionError::NetworkTimeout),
        matches!(e, rumqttc::ConnectionError::Tls(_)),
        why == Loss::ClosedByBroker,
    );
    Happening::Lost {
        reason: hint.map_or_else(
            || Said {
                en: format!("{e}{}", hints.other.0),
                zh,
            },
            |(h, h_zh)| Said {
                en: format!("{e}: {h}"),
                zh: h_zh.to_owned(),
            },
        ),
        why,
    }
}

/// An MQTT 5 loss, with the broker's DISCONNECT 0x8E (session taken over) recognised and a
/// refused connection explained.
pub(super) fn lost_v5(e: v5::ConnectionError, hints: &Hints) -> Happening {
    use p5::ConnectReturnCode as C;
    let hint = match &e {
        v5::ConnectionError::ConnectionRefused(C::BadUserNamePassword | C::NotAuthorized | C::Banned) => {
            Some((hints.login, hints.login_zh))
        }
        v5::ConnectionError::ConnectionRefused(C::BadClientId | C::ClientIdentifierNotValid) => {
            Some((hints.client_id, hints.client_id_zh))
        }
        v5::ConnectionError::ConnectionRefused(C::RefusedProtocolVersion | C::UnsupportedProtocolVersion) => {
            Some((hints.version, hints.version_zh))
        }
        _ => None,
    };
    if let Some((h, zh)) = hint {
        return Happening::Lost {
            reason: Said {
                en: format!("{e}: {h}"),
                zh: zh.to_owned(),
            },
            why: Loss::Other,
        };
    }
    let zh = |aborted: bool| {
        lost_zh(
            match &e {
                v5::ConnectionError::Io(io) => Some(io.kind()),
                _ => None,
            },
            matches!(e, v5::ConnectionError::Timeout(_)),
            matches!(e, v5::ConnectionError::Tls(_)),
            aborted,
        )
    };
    match e {
        v5::ConnectionError::MqttState(v5::StateError::ServerDisconnect {
            reason_code: p5::DisconnectReasonCode::SessionTakenOver,
            ..
        }) => Happening::Lost {
            reason: Said {
                en: "the broker says another client connected with this board's client id and took its session".into(),
                zh: "消息服务器说另一个使用此屏 client id 的客户端连上并接管了会话".into(),
            },
            why: Loss::TakenOver,
        },
        v5::ConnectionError::MqttState(v5::StateError::ConnectionAborted) => Happening::Lost {
            reason: Said {
                en: e.to_string(),
                zh: zh(true),
            },
            why: Loss::ClosedByBroker,
        },
        _ => Happening::Lost {
            reason: Said {
                zh: zh(false),
                en: format!("{e}{}", hints.other.1),
            },
            why: Loss::Other,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lost_v5_daemon(e: v5::ConnectionError) -> Happening {
        lost_v5(e, &DAEMON_HINTS)
    }

    fn lost_v311_daemon(e: rumqttc::ConnectionError) -> Happening {
        lost_v311(e, &DAEMON_HINTS)
    }

    #[test]
    fn a_disconnect_0x8e_is_read_as_taken_over() {
        let e = v5::ConnectionError::MqttState(v5::StateError::ServerDisconnect {
            reason_code: p5::DisconnectReasonCode::SessionTakenOver,
            reason_string: None,
        });
        assert!(matches!(
            lost_v5(e, &DAEMON_HINTS),
            Happening::Lost {
                why: Loss::TakenOver,
                ..
            }
        ));
        let e = v5::ConnectionError::MqttState(v5::StateError::ConnectionAborted);
        assert!(matches!(
            lost_v5(e, &DAEMON_HINTS),
            Happening::Lost {
                why: Loss::ClosedByBroker,
                ..
            }
        ));
        let e = v5::ConnectionError::MqttState(v5::StateError::AwaitPingResp);
        assert!(matches!(
            lost_v5(e, &DAEMON_HINTS),
            Happening::Lost { why: Loss::Other, .. }
        ));
    }

    #[test]
    fn a_refused_connection_says_what_to_check() {
        let reason = |h: Happening| match h {
            Happening::Lost { reason, .. } => reason.en,
            _ => String::new(),
        };
        let r = reason(lost_v5_daemon(v5::ConnectionError::ConnectionRefused(
            p5::ConnectReturnCode::UnsupportedProtocolVersion,
        )));
        assert!(r.contains("set mqtt.version = \"3.1.1\""), "{r}");
        let r = reason(lost_v5_daemon(v5::ConnectionError::ConnectionRefused(
            p5::ConnectReturnCode::NotAuthorized,
        )));
        assert!(r.contains("check mqtt.username"), "{r}");
        let r = reason(lost_v311_daemon(rumqttc::ConnectionError::ConnectionRefused(
            rumqttc::ConnectReturnCode::BadUserNamePassword,
        )));
        assert!(r.contains("check mqtt.username"), "{r}");
    }
}
