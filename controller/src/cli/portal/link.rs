//! The portal tools' broker link, for MQTT 3.1.1 or MQTT 5: the daemon's own link
//! (`daemon::mqtt::link`), connected from the tools' options and explaining failures in their
//! words, and the properties an envelope earns under MQTT 5. Publishing, waiting for receipts and
//! confirming delivery work the same over either version.

use crate::cli::broker::{Broker, LOGIN_HINT};
use crate::daemon::envelope::Envelope;
use crate::daemon::mqtt::{Client, Connection, Happening, Hints, Props};

/// The MQTT 5 properties of a published envelope: the content type, the `key_id`, and for an
/// announcement when `expiring` the seconds until its `valid_until` (a notice that can no longer
/// be shown dies in the brokers' queues instead of arriving late; an error when it has passed).
pub(crate) fn properties(envelope: &Envelope, now: jiff::Timestamp, expiring: bool) -> anyhow::Result<Props> {
    let expiry_s = if expiring && envelope.content_type.is_none() {
        expiry_interval(envelope, now)?
    } else {
        // A warning's expiry is its own `expires`, which the board enforces.
        None
    };
    Ok(Props {
        expiry_s,
        content_type: envelope
            .content_type
            .clone()
            .unwrap_or_else(|| "application/vnd.pinghu.announcement+json".into()),
        key_id: Some(envelope.key_id.clone()),
    })
}

/// Seconds until `valid_until` of an announcement's payload, for MQTT 5's message expiry
/// interval. `Ok(None)` without `valid_until`; an error when it has passed.
pub fn expiry_interval(envelope: &Envelope, now: jiff::Timestamp) -> anyhow::Result<Option<u32>> {
    use base64::Engine as _;
    let payload = base64::engine::general_purpose::STANDARD
        .decode(&envelope.payload)
        .map_err(|e| anyhow::anyhow!("payload is not base64: {e}"))?;
    let v: serde_json::Value = serde_json::from_slice(&payload).unwrap_or(serde_json::Value::Null);
    let Some(until) = v["valid_until"].as_str() else {
        return Ok(None);
    };
    let until: jiff::Timestamp = until
        .parse()
        .map_err(|_| anyhow::anyhow!("valid_until {until:?} is not an RFC 3339 time"))?;
    let secs = until.duration_since(now).as_secs();
    if secs <= 0 {
        return Err(anyhow::anyhow!(
            "valid_until {until} has passed: the notice would never show"
        ));
    }
    Ok(Some(u32::try_from(secs).unwrap_or(u32::MAX)))
}

/// How the tools explain a refused or failed connection: their own options.
static TOOL_HINTS: Hints = Hints {
    login: LOGIN_HINT,
    client_id: "the broker refused the client id (the tools make one of their own: check the broker's rules for ids)",
    version: "the broker does not speak MQTT 5: publish without --mqtt5",
    login_zh: "消息服务器拒绝了登录：请对照服务器的密码文件和 ACL 检查 --username 和 --password-file（或 PINGHU_MQTT_PASSWORD）",
    client_id_zh: "消息服务器拒绝了 client id（工具会自己生成一个：请检查服务器对 id 的规则）",
    version_zh: "消息服务器不支持 MQTT 5：请去掉 --mqtt5 再发布",
    other: (
        " (is the broker running?)",
        " (is the broker running, and does it speak MQTT 5? Without --mqtt5 the tools speak 3.1.1)",
    ),
};

/// A connection of the portal tools to a broker: the daemon's link, with the tools' words.
pub(crate) struct Link {
    pub client: Client,
    events: Connection,
    broker: String,
}

impl std::fmt::Debug for Link {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Link")
            .field("broker", &self.broker)
            .finish_non_exhaustive()
    }
}

impl Link {
    /// A link to `broker` for the command `what`; it connects on the first [`Link::next`].
    pub(crate) fn new(broker: &Broker, what: &str, mqtt5: bool, capacity: usize) -> anyhow::Result<Self> {
        // `pinghu-portal-…`, `pinghu-fleet-…`: the tool is named in the broker's log.
        let name = format!("pinghu-{}", what.split_whitespace().next().unwrap_or("tool"));
        let end = broker.endpoint(what, &name)?;
        let (client, events) = if mqtt5 {
            Client::v5(end.options_v5(), capacity, &TOOL_HINTS)
        } else {
            Client::v311(end.options(), capacity, &TOOL_HINTS)
        };
        Ok(Self {
            client,
            events,
            broker: broker.url.clone(),
        })
    }

    /// The next event; a lost link is an error that says what failed and what to check.
    pub(crate) async fn next(&mut self) -> anyhow::Result<Happening> {
        match self.events.poll().await {
            Happening::Lost { reason, .. } => Err(anyhow::anyhow!("{}: {reason}", self.broker)),
            h => Ok(h),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn envelope(payload: &serde_json::Value, content_type: Option<&str>) -> Envelope {
        let (secret, _) = crate::daemon::envelope::keygen().unwrap();
        let mut e = crate::daemon::envelope::sign(payload.to_string().as_bytes(), "k1", &secret).unwrap();
        e.content_type = content_type.map(str::to_owned);
        e
    }

    #[test]
    fn an_announcement_expires_at_its_valid_until_and_a_warning_by_its_own_expires() {
        let now: jiff::Timestamp = "2026-12-04T08:00:00Z".parse().unwrap();
        let notice = envelope(
            &serde_json::json!({"id": "a", "valid_until": "2026-12-04T09:00:00Z"}),
            None,
        );
        let p = properties(&notice, now, true).unwrap();
        assert_eq!(p.expiry_s, Some(3600));
        assert_eq!(p.content_type, "application/vnd.pinghu.announcement+json");
        assert_eq!(p.key_id.as_deref(), Some("k1"));
        // Without an expiry asked for (MQTT 3.1.1, retained office messages), none is set, and a
        // passed valid_until is the board's to refuse.
        let late: jiff::Timestamp = "2026-12-05T00:00:00Z".parse().unwrap();
        assert_eq!(properties(&notice, late, false).unwrap().expiry_s, None);
        let e = properties(&notice, late, true).unwrap_err();
        assert!(e.to_string().contains("has passed: the notice would never show"), "{e}");
        let warning = envelope(&serde_json::json!({}), Some("application/cap+xml"));
        let p = properties(&warning, now, true).unwrap();
        assert_eq!((p.expiry_s, p.content_type.as_str()), (None, "application/cap+xml"));
    }
}
