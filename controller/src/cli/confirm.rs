//! `pinghu portal publish|cap --confirm SECONDS`: publish, then make sure every board addressed
//! has the message, sending it again to each board that has not said so.
//!
//! A broker that falls hard (SIGKILL, a power cut) can lose what it took in its last moments: a
//! notice queued for a board, or the board's `accepted` receipt on its way back (docs/scale.md).
//! QoS 1 cannot help with that; the sender can. The boards addressed are read from their retained
//! statuses (a group's members say they are in it); after the publish, a board that has sent no
//! receipt for this message within the confirmation time gets it again on its own screen topic,
//! up to `--resend` times. Boards deduplicate, so a copy they hold already only brings a `held`
//! receipt, which is the confirmation the sender missed.
//!
//! [`Tracker`] is the bookkeeping, without I/O; [`publish_confirmed`] drives it over MQTT.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

use serde::Serialize;
use serde_json::Value;

use crate::cli::broker::Broker;
use crate::cli::portal::link::{Link, properties};
use crate::cli::portal::{Matcher, Target};
use crate::daemon::envelope::Envelope;
use crate::daemon::mqtt::Happening;
use crate::daemon::status::Status;

/// Receipts that answer "does the board have it?".
const ANSWERS: [&str; 4] = ["accepted", "held", "rejected", "displayed"];

/// One board's line of the confirmation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Confirmation {
    pub screen: String,
    /// `online`, `offline` (its retained status says so) or `unknown` (no status on this broker).
    pub board: &'static str,
    /// How many times the message went out to it (the first publish included).
    pub sends: u32,
    /// `accepted`, `held`, `rejected`, `displayed`, or none.
    pub answer: Option<String>,
    pub reason: Option<String>,
}

/// Which boards are addressed and what each has answered.
#[derive(Debug, Clone, Default)]
pub struct Tracker {
    boards: BTreeMap<String, Confirmation>,
}

impl Tracker {
    /// The boards `target` addresses, from the retained statuses (screen → status document).
    pub fn new(target: &Target, statuses: &BTreeMap<String, Status>) -> anyhow::Result<Self> {
        let online = |s: Option<&Status>| match s.map(|s| s.online) {
            Some(true) => "online",
            Some(false) => "offline",
            None => "unknown",
        };
        let screens: Vec<String> = match target {
            Target::Screen(s) => vec![s.clone()],
            Target::Group(g) => statuses
                .iter()
                .filter(|(_, s)| s.in_group(g))
                .map(|(k, _)| k.clone())
                .collect(),
        };
        if screens.is_empty() {
            let Target::Group(g) = target else {
                unreachable!("a screen target names one board")
            };
            return Err(anyhow::anyhow!(
                "no board on this broker says it is in group {g:?} (no retained status lists it): nothing to confirm; \
                 check the group's name, or publish without --confirm"
            ));
        }
        let boards = screens
            .into_iter()
            .map(|s| {
                let c = Confirmation {
                    screen: s.clone(),
                    board: online(statuses.get(&s)),
                    sends: 1,
                    answer: None,
                    reason: None,
                };
                (s, c)
            })
            .collect();
        Ok(Self { boards })
    }

    /// A board's status changed while we wait.
    pub fn status(&mut self, screen: &str, status: &Status) {
        if let Some(c) = self.boards.get_mut(screen) {
            c.board = if status.online { "online" } else { "offline" };
        }
    }

    /// A receipt of this message from `screen`. The first answer stands, except that `displayed`
    /// says more than `accepted` or `held`.
    pub fn receipt(&mut self, screen: &str, r: &Value) {
        let Some(c) = self.boards.get_mut(screen) else {
            return;
        };
        let Some(event) = r["event"].as_str().filter(|e| ANSWERS.contains(e)) else {
            return;
        };
        if c.answer.is_none() || (event == "displayed" && c.answer.as_deref() != Some("rejected")) {
            c.answer = Some(event.to_owned());
            c.reason = r["reason"].as_str().map(str::to_owned);
        }
    }

    /// Every board has answered.
    pub fn done(&self) -> bool {
        self.boards.values().all(|c| c.answer.is_some())
    }

    /// The boards to send to again (those without an answer), counted as sent.
    pub fn resend(&mut self) -> Vec<String> {
        self.boards
            .values_mut()
            .filter(|c| c.answer.is_none())
            .map(|c| {
                c.sends += 1;
                c.screen.clone()
            })
            .collect()
    }

    pub fn rows(&self) -> Vec<Confirmation> {
        self.boards.values().cloned().collect()
    }
}

/// Every board has it (`accepted`, `held` or `displayed`).
pub fn all_confirmed(rows: &[Confirmation]) -> bool {
    rows.iter()
        .all(|c| matches!(c.answer.as_deref(), Some("accepted" | "held" | "displayed")))
}

/// The table for people.
pub fn table(rows: &[Confirmation]) -> String {
    let mut s = format!("{:<20} {:<8} {:>5}  {}\n", "screen", "board", "sends", "answer");
    for c in rows {
        let answer = match (&c.answer, &c.reason) {
            (Some(a), Some(r)) if a == "rejected" => format!("rejected: {r}"),
            (Some(a), _) => a.clone(),
            (None, _) if c.board == "offline" => "none yet: offline, the copies wait in its session".to_owned(),
            (None, _) => "NONE".to_owned(),
        };
        let _ = writeln!(s, "{:<20} {:<8} {:>5}  {answer}", c.screen, c.board, c.sends);
    }
    let ok = rows
        .iter()
        .filter(|c| matches!(c.answer.as_deref(), Some("accepted" | "held" | "displayed")))
        .count();
    let _ = writeln!(s, "{ok} of {} boards confirmed", rows.len());
    s
}

/// How long to gather the retained statuses after subscribing: they come at once, so a pause
/// this long after the last one means all are in.
const SETTLE: Duration = Duration::from_millis(500);

/// Publish `envelope` to `target` (over MQTT 5 when `mqtt5`), then confirm every addressed board
/// has it, resending to the silent ones every `confirm` up to `resends` times.
pub async fn publish_confirmed(
    broker: &Broker,
    prefix: &str,
    target: &Target,
    envelope: &Envelope,
    mqtt5: bool,
    confirm: Duration,
    resends: u32,
) -> anyhow::Result<Vec<Confirmation>> {
    let props = properties(envelope, jiff::Timestamp::now(), mqtt5)?;
    let mut link = Link::new(broker, "portal publish --confirm", mqtt5, 64)?;
    let body = serde_json::to_vec(envelope)?;
    let matcher = Matcher::of(envelope, &body);
    let kind = crate::cli::portal::kind_of(envelope);
    let status_filter = format!("{prefix}/screens/+/status");
    let receipts_filter = format!("{prefix}/screens/+/receipts");
    let screen_of = |topic: &str, leaf: &str| {
        topic
            .strip_prefix(&format!("{prefix}/screens/"))
            .and_then(|t| t.strip_suffix(&format!("/{leaf}")))
            .map(str::to_owned)
    };
    let mut statuses = BTreeMap::new();
    let mut subacks = 0;
    let mut tracker: Option<Tracker> = None;
    let mut round = 0;
    let connect_by = tokio::time::Instant::now() + Duration::from_secs(10);
    let mut deadline = connect_by;
    loop {
        let got = match tokio::time::timeout_at(deadline, link.next()).await {
            Ok(got) => Some(got?),
            Err(_) => None,
        };
        match got {
            Some(Happening::Connected { .. }) => {
                for f in [&status_filter, &receipts_filter] {
                    link.client.subscribe(f).await?;
                }
            }
            Some(Happening::Subscribed) => {
                subacks += 1;
                if subacks == 2 {
                    deadline = tokio::time::Instant::now() + SETTLE;
                }
            }
            Some(Happening::Message { topic, payload, .. }) => {
                if let Some(s) = screen_of(&topic, "status") {
                    // What is not a status document says nothing about the board.
                    let status = Status::from_json(&payload);
                    match (tracker.as_mut(), status) {
                        (Some(t), Ok(v)) => t.status(&s, &v),
                        (Some(_), Err(_)) => {}
                        (None, v) => {
                            if let Ok(v) = v {
                                statuses.insert(s, v);
                            }
                            deadline = tokio::time::Instant::now() + SETTLE;
                        }
                    }
                } else if let Ok(v) = serde_json::from_slice::<Value>(&payload)
                    && let (Some(s), Some(t)) = (screen_of(&topic, "receipts"), tracker.as_mut())
                    && matcher.is_ours(&v)
                {
                    t.receipt(&s, &v);
                    if t.done() {
                        link.client.disconnect().await;
                        return Ok(t.rows());
                    }
                }
            }
            Some(_) => {}
            // A deadline: connected and settled, a round over, or never connected.
            None if subacks < 2 => return Err(anyhow::anyhow!("{}: no connection within 10 s", broker.url)),
            None => {
                let to_send = match tracker.as_mut() {
                    None => {
                        // The statuses are in: the boards addressed, and the first publish.
                        tracker = Some(Tracker::new(target, &statuses)?);
                        vec![crate::cli::portal::topic_for(prefix, target, envelope)]
                    }
                    Some(t) if round < resends => {
                        round += 1;
                        t.resend()
                            .into_iter()
                            .map(|s| format!("{prefix}/screens/{s}/{kind}"))
                            .collect()
                    }
                    Some(t) => {
                        link.client.disconnect().await;
                        return Ok(t.rows());
                    }
                };
                for topic in to_send {
                    link.client.publish_with(&topic, false, body.as_slice(), &props).await?;
                }
                deadline = tokio::time::Instant::now() + confirm;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn status(online: bool, group: &str) -> Status {
        Status {
            online,
            groups: vec![group.to_owned()],
            ..Status::default()
        }
    }

    fn statuses() -> BTreeMap<String, Status> {
        BTreeMap::from([
            ("a".to_owned(), status(true, "yiling-all")),
            ("b".to_owned(), status(false, "yiling-all")),
            ("c".to_owned(), status(true, "elsewhere")),
        ])
    }

    #[test]
    fn a_group_is_its_members_and_each_answer_counts_once() {
        let mut t = Tracker::new(&Target::Group("yiling-all".into()), &statuses()).unwrap();
        assert_eq!(
            t.rows()
                .iter()
                .map(|c| (c.screen.as_str(), c.board))
                .collect::<Vec<_>>(),
            [("a", "online"), ("b", "offline")]
        );
        t.receipt("a", &json!({"event": "accepted"}));
        t.receipt("c", &json!({"event": "accepted"}));
        t.receipt("b", &json!({"event": "expired"}));
        assert!(!t.done());
        assert_eq!(t.resend(), ["b"]);
        t.status("b", &status(true, "yiling-all"));
        t.receipt("b", &json!({"event": "held", "reason": "already held"}));
        t.receipt("a", &json!({"event": "displayed"}));
        assert!(t.done());
        let rows = t.rows();
        assert_eq!(
            rows.iter()
                .map(|c| (c.answer.as_deref(), c.sends, c.board))
                .collect::<Vec<_>>(),
            [(Some("displayed"), 1, "online"), (Some("held"), 2, "online")]
        );
        assert!(all_confirmed(&rows));
        assert!(table(&rows).contains("2 of 2 boards confirmed"));
    }

    #[test]
    fn a_refusal_is_an_answer_but_not_a_confirmation() {
        let mut t = Tracker::new(&Target::Screen("a".into()), &BTreeMap::new()).unwrap();
        assert_eq!(t.rows()[0].board, "unknown");
        t.receipt(
            "a",
            &json!({"event": "rejected", "reason": "expired: valid_until has passed"}),
        );
        t.receipt("a", &json!({"event": "displayed"}));
        assert!(t.done());
        assert!(!all_confirmed(&t.rows()));
        assert!(table(&t.rows()).contains("rejected: expired"));
    }

    #[test]
    fn an_unknown_group_is_an_error_that_says_what_to_check() {
        let e = Tracker::new(&Target::Group("yiling-al".into()), &statuses()).unwrap_err();
        assert!(
            e.to_string()
                .contains("no board on this broker says it is in group \"yiling-al\""),
            "{e}"
        );
    }
}
