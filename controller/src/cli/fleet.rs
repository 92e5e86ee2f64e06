//! `pinghu fleet status`: every board's retained status from the broker, as a table (or JSON),
//! once or live. A board whose status is older than twice its 30-second interval is **stale**
//! even when no last will said it went offline; a board dark by its power schedule is not a fault.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

use anyhow::Result;
use jiff::Timestamp;
use serde::Serialize;

use crate::cli::portal::link::Link as MqttLink;
use crate::daemon::mqtt::Happening;
use crate::daemon::status::{Link, MqttState, Power, Status, StatusError};

/// Boards publish their status at least this often.
pub const STATUS_INTERVAL: jiff::SignedDuration = jiff::SignedDuration::from_secs(30);

/// A client id conflict this recent is a fault (the daemons meet again every 10 s while it lasts).
const CONFLICT_RECENT: jiff::SignedDuration = jiff::SignedDuration::from_secs(5 * 60);

/// One board's line.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    pub screen: String,
    /// `online`, `offline` (its last will, or a clean stop), `stale` (no news for 2 intervals) or
    /// `unreadable` (what it published is not a status document).
    pub state: &'static str,
    pub showing: String,
    pub link: String,
    pub last_error: Option<String>,
    /// The MQTT version the board speaks ("3.1.1" or "5").
    pub mqtt: Option<String>,
    pub drift_s: Option<i64>,
    pub brightness: Option<u64>,
    /// `on`, `off (schedule)`, or `off`.
    pub power: String,
    /// The proof log and the state files are healthy.
    pub storage_ok: Option<bool>,
    pub age_s: Option<i64>,
    /// What needs a person: empty when all is well.
    pub faults: Vec<String>,
}

/// The rows of `statuses` (the latest retained status of each board, or why it could not be
/// read), in screen order, for boards in `group` when given. An unreadable status is a fault.
pub fn rows(statuses: &BTreeMap<String, Result<Status, StatusError>>, group: Option<&str>, now: Timestamp) -> Vec<Row> {
    statuses
        .iter()
        .filter(|(_, s)| group.is_none_or(|g| s.as_ref().is_ok_and(|s| s.in_group(g))))
        .map(|(screen, s)| match s {
            Ok(s) => row(screen, s, now),
            Err(e) => Row {
                screen: screen.clone(),
                state: "unreadable",
                showing: String::new(),
                link: "?".to_owned(),
                last_error: None,
                mqtt: None,
                drift_s: None,
                brightness: None,
                power: "?".to_owned(),
                storage_ok: None,
                age_s: None,
                faults: vec![format!("unreadable status: {e}")],
            },
        })
        .collect()
}

/// One board's row.
fn row(screen: &str, s: &Status, now: Timestamp) -> Row {
    let age = s.at().map(|t| now.duration_since(t));
    let state = if !s.online {
        "offline"
    } else if age.is_none_or(|a| a > STATUS_INTERVAL * 2) {
        "stale"
    } else {
        "online"
    };
    let power = match s.power {
        Power::On => "on".to_owned(),
        // The schedule's night: the plan itself says so; not a fault.
        Power::Off if s.overrides.power.is_none() => "off (schedule)".to_owned(),
        Power::Off => "off (technician)".to_owned(),
        Power::Unknown => "?".to_owned(),
    };
    let link = s.device.link;
    // A last will says nothing about storage.
    let storage_ok = s.is_report().then_some(s.storage.ok);
    let mut faults = Vec::new();
    match state {
        "offline" => faults.push("offline".to_owned()),
        "stale" => faults.push(format!(
            "no status for {}",
            age.map_or("ever".to_owned(), |a| format!("{} s", a.as_secs()))
        )),
        _ => {}
    }
    if state == "online" && link != Link::Up {
        faults.push(format!("card link {}", link.word()));
    }
    if storage_ok == Some(false) {
        faults.push("storage".to_owned());
    }
    if s.mqtt == MqttState::Reconnecting {
        faults.push("mqtt reconnecting".to_owned());
    }
    // Two daemons with one client id knock each other off every few seconds; each says when it
    // last happened.
    if let Some(t) = s.broker.client_id_conflict
        && now.duration_since(t) < CONFLICT_RECENT
    {
        let id = if s.broker.client_id.is_empty() {
            "?"
        } else {
            &s.broker.client_id
        };
        faults.push(format!("client id {id} shared with another client"));
    }
    if let Some(d) = s.storage.disk.as_ref().filter(|d| d.low) {
        faults.push(format!(
            "disk nearly full ({} MB free of {} MB)",
            d.free_bytes / 1_000_000,
            d.total_bytes / 1_000_000
        ));
    }
    if s.device.card.as_ref().is_some_and(|c| !c.size_matches) {
        faults.push("size mismatch".to_owned());
    }
    // A playlist file with errors: the board runs the previous one (or the last good copy, or
    // nothing but announcements after a restart).
    if s.playlist.error.is_some() {
        faults.push("playlist refused".to_owned());
    }
    if s.console.as_ref().is_some_and(|c| c.error.is_some()) {
        faults.push("console down".to_owned());
    }
    if !s.config_problems.is_empty() {
        faults.push(format!("{} configured file(s) left out", s.config_problems.len()));
    }
    if let Some(years) = s.office.calendar.missing.as_ref().filter(|y| !y.is_empty()) {
        let years: Vec<String> = years.iter().map(ToString::to_string).collect();
        faults.push(format!(
            "no holiday data for {} (pinghu portal push --calendar)",
            years.join(", ")
        ));
    }
    Row {
        screen: screen.to_owned(),
        state,
        showing: s.showing.as_ref().map_or_else(
            || format!("({})", if s.is_report() { s.layer.word() } else { "" }),
            |sh| sh.content.clone(),
        ),
        link: link.word().to_owned(),
        last_error: s.device.last_error.clone(),
        mqtt: Some(s.broker.protocol.clone()).filter(|p| !p.is_empty()),
        drift_s: s.device.drift_s,
        brightness: s.is_report().then_some(u64::from(s.brightness)),
        power,
        storage_ok,
        age_s: age.map(|a| a.as_secs()),
        faults,
    }
}

/// The table for people.
pub fn table(rows: &[Row]) -> String {
    let mut s = format!(
        "{:<20} {:<8} {:<28} {:<6} {:>6} {:>4} {:<16} {:<8} {}\n",
        "screen", "state", "showing", "link", "drift", "brt", "power", "storage", "faults"
    );
    for r in rows {
        let _ = writeln!(
            s,
            "{:<20} {:<8} {:<28} {:<6} {:>6} {:>4} {:<16} {:<8} {}",
            r.screen,
            r.state,
            r.showing.chars().take(28).collect::<String>(),
            r.link,
            r.drift_s.map_or("-".into(), |d| format!("{d} s")),
            r.brightness.map_or("-".into(), |b| b.to_string()),
            r.power,
            match r.storage_ok {
                Some(true) => "ok",
                Some(false) => "FAULT",
                None => "?",
            },
            if r.faults.is_empty() {
                "-".to_owned()
            } else {
                r.faults.join("; ")
            }
        );
    }
    let bad = rows.iter().filter(|r| !r.faults.is_empty()).count();
    let _ = writeln!(s, "{} boards, {} need attention", rows.len(), bad);
    s
}

#[derive(Debug, clap::Subcommand)]
pub enum FleetCommand {
    /// Every board's status: online, stale (silent for 2 intervals) or offline, what shows, link, drift, power, storage (exit 1 when any needs attention)
    Status(StatusArgs),
}

impl FleetCommand {
    pub fn run(self) -> Result<std::process::ExitCode> {
        match self {
            FleetCommand::Status(a) => a.run(),
        }
    }
}

/// `pinghu fleet status`: which broker, which boards, printed how.
#[derive(Debug, clap::Args)]
pub struct StatusArgs {
    #[command(flatten)]
    pub broker: crate::cli::commands::BrokerArgs,
    /// Only the boards in this group
    #[arg(long)]
    pub group: Option<String>,
    /// Print JSON
    #[arg(long)]
    pub json: bool,
    /// Keep running, drawing the table again every 2 s
    #[arg(long)]
    pub watch: bool,
    #[arg(long, default_value = "pinghu/v1")]
    pub topic_prefix: String,
}

impl StatusArgs {
    /// Read every board's retained status and print the table (or JSON), once or every 2 s.
    pub fn run(self) -> Result<std::process::ExitCode> {
        let StatusArgs {
            broker,
            group,
            json,
            watch,
            topic_prefix,
        } = self;
        let broker = broker.get()?;
        status(&broker, &topic_prefix, group.as_deref(), json, watch)
    }
}

/// `pinghu fleet status` on `broker`.
fn status(
    broker: &crate::cli::broker::Broker,
    topic_prefix: &str,
    group: Option<&str>,
    json: bool,
    watch: bool,
) -> Result<std::process::ExitCode> {
    let mut link = MqttLink::new(broker, "fleet status", false, 64)?;
    let rt = crate::cli::run::runtime()?;
    rt.block_on(async move {
        let mut statuses: BTreeMap<String, Result<Status, StatusError>> = BTreeMap::new();
        let topic = format!("{topic_prefix}/screens/+/status");
        // Retained statuses come at once after the subscription; a quiet second ends the read.
        let mut quiet_until = tokio::time::Instant::now() + Duration::from_secs(10);
        let mut subscribed = false;
        let mut next_print = tokio::time::Instant::now() + Duration::from_secs(2);
        loop {
            let until = if watch { next_print } else { quiet_until };
            match tokio::time::timeout_at(until, link.next()).await {
                Ok(Ok(Happening::Connected { .. })) => {
                    link.client.subscribe(&topic).await?;
                }
                Ok(Ok(Happening::Subscribed)) => {
                    subscribed = true;
                    quiet_until = tokio::time::Instant::now() + Duration::from_secs(1);
                }
                Ok(Ok(Happening::Message { topic, payload, .. })) => {
                    // An empty retained message clears a board's status.
                    if let Some(s) = topic.split('/').rev().nth(1) {
                        if payload.is_empty() {
                            statuses.remove(s);
                        } else {
                            statuses.insert(s.to_owned(), Status::from_json(&payload));
                        }
                    }
                    quiet_until = tokio::time::Instant::now() + Duration::from_millis(500);
                }
                Ok(Ok(_)) => {}
                Ok(Err(e)) => anyhow::bail!("{e}"),
                Err(_) if !subscribed => anyhow::bail!("{}: no answer within 10 s", broker.url),
                Err(_) => {
                    let rows = rows(&statuses, group, Timestamp::now());
                    let text = if json {
                        serde_json::to_string_pretty(&rows)? + "\n"
                    } else {
                        table(&rows)
                    };
                    if watch {
                        // Clear the terminal and draw again.
                        print!("\x1b[2J\x1b[H{text}");
                        next_print = tokio::time::Instant::now() + Duration::from_secs(2);
                    } else {
                        print!("{text}");
                        link.client.disconnect().await;
                        let bad = rows.iter().any(|r| !r.faults.is_empty());
                        return Ok(crate::cli::exit_code(bad));
                    }
                }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    /// Other boards' statuses, as they come off the broker (partial documents read too).
    fn read(m: BTreeMap<String, Value>) -> BTreeMap<String, Result<Status, StatusError>> {
        m.into_iter()
            .map(|(k, v)| (k, serde_json::from_value(v).map_err(StatusError::from)))
            .collect()
    }

    fn status(online: bool, at: &str, power: &str, link: &str) -> Value {
        json!({"online": online, "groups": ["yiling-all"], "clock": {"daemon": at}, "power": power, "layer": "rotation",
               "override": {"power": null}, "device": {"link": link, "drift_s": 0}, "storage": {"ok": true},
               "mqtt": "connected", "showing": {"content": "item welcome"}, "brightness": 15})
    }

    #[test]
    fn stale_offline_and_scheduled_darkness() {
        let now: Timestamp = "2026-12-04T12:00:00Z".parse().unwrap();
        let mut m = BTreeMap::new();
        m.insert("a".into(), status(true, "2026-12-04T11:59:50Z", "on", "up"));
        // Silent for 61 s, and no last will: stale.
        m.insert("b".into(), status(true, "2026-12-04T11:58:59Z", "on", "up"));
        m.insert("c".into(), status(false, "2026-12-04T11:59:59Z", "on", "up"));
        // Dark by the schedule: not a fault.
        m.insert("d".into(), status(true, "2026-12-04T11:59:59Z", "off", "up"));
        m.insert("e".into(), status(true, "2026-12-04T11:59:59Z", "on", "down"));
        let m = read(m);
        let r = rows(&m, None, now);
        let by = |s: &str| r.iter().find(|x| x.screen == s).unwrap();
        assert_eq!((by("a").state, by("a").faults.len()), ("online", 0));
        assert_eq!(by("b").state, "stale");
        assert_eq!(by("b").faults, ["no status for 61 s"]);
        assert_eq!(by("c").state, "offline");
        assert_eq!((by("d").power.as_str(), by("d").faults.len()), ("off (schedule)", 0));
        assert_eq!(by("e").faults, ["card link down"]);
        assert_eq!(rows(&m, Some("elsewhere"), now).len(), 0);
        assert!(table(&r).contains("5 boards, 3 need attention"));
        // Another client took its session two minutes ago: a fault; an hour ago: history.
        let mut h = status(true, "2026-12-04T11:59:59Z", "on", "up");
        h["office"] = json!({"calendar": {"missing": [2027]}});
        let r = rows(&read(BTreeMap::from([("h".to_owned(), h)])), None, now);
        assert_eq!(
            r[0].faults,
            ["no holiday data for 2027 (pinghu portal push --calendar)"]
        );
        let mut k = status(true, "2026-12-04T11:59:59Z", "on", "up");
        k["storage"]["disk"] = json!({"free_bytes": 300_000_000u64, "total_bytes": 8_000_000_000u64, "low": true});
        let r = rows(&read(BTreeMap::from([("k".to_owned(), k)])), None, now);
        assert_eq!(r[0].faults, ["disk nearly full (300 MB free of 8000 MB)"]);
        let mut p = status(true, "2026-12-04T11:59:59Z", "on", "up");
        p["playlist"] = json!({"error": "playlist.toml:4:11: …", "items": 1});
        p["config_problems"] = json!(["fonts.12: …", "holiday calendar: …"]);
        p["console"] = json!({"listen": "127.0.0.1:8080", "error": "the console cannot listen on …"});
        let r = rows(&read(BTreeMap::from([("p".to_owned(), p)])), None, now);
        assert_eq!(
            r[0].faults,
            ["playlist refused", "console down", "2 configured file(s) left out"]
        );
        let mut f = status(true, "2026-12-04T11:59:59Z", "on", "up");
        f["broker"] = json!({"protocol": "5", "client_id": "pinghu-f", "client_id_conflict": "2026-12-04T11:58:00Z"});
        let mut g = f.clone();
        g["broker"]["client_id_conflict"] = json!("2026-12-04T11:00:00Z");
        let m = BTreeMap::from([("f".to_owned(), f), ("g".to_owned(), g)]);
        let r = rows(&read(m), None, now);
        assert_eq!(r[0].faults, ["client id pinghu-f shared with another client"]);
        assert_eq!(r[0].mqtt.as_deref(), Some("5"));
        assert!(r[1].faults.is_empty());
        // What is not a status document is a fault of its own, never a crash.
        let m = BTreeMap::from([("j".to_owned(), json!({"online": "yes"}))]);
        let r = rows(&read(m), None, now);
        assert_eq!(r[0].state, "unreadable");
        assert!(r[0].faults[0].starts_with("unreadable status: "), "{:?}", r[0].faults);
    }
}
