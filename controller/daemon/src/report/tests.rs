//! The report's counting, sans IO: entries in, plays, interrupted spots, gaps and the time a
//! share is measured against out. A spot counts only with evidence that it ran its length (a
//! later entry written while the daemon kept running); a daemon's start after a stop is an
//! outage: a gap, and no lit rotation time.

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;

use super::{Chain, OUTAGE, PlaysReport, Targets, build};
use crate::proof::Entry;

const SCREEN: &str = "yiling-1";

fn at(hms: &str) -> Timestamp {
    format!("2026-12-07T{hms}+08:00").parse().unwrap()
}

fn item(seq: u64, hms: &str, id: &str) -> Entry {
    let mut e = Entry::shown(
        at(hms).to_string(),
        SCREEN.into(),
        format!("item {id}"),
        "rotation".into(),
        "ab".repeat(32),
    );
    e.seq = seq;
    e
}

fn spot(seq: u64, hms: &str, id: &str, campaign: &str, planned_s: u32) -> Entry {
    let mut e = item(seq, hms, id);
    e.campaign = Some(campaign.into());
    e.planned_s = Some(planned_s);
    e
}

fn started(seq: u64, hms: &str, since: &str) -> Entry {
    let mut e = Entry::started(at(hms), SCREEN, Some(at(since)));
    e.seq = seq;
    e
}

fn day() -> Date {
    "2026-12-07".parse().unwrap()
}

fn report(entries: &[Entry], cutoff: Timestamp, targets: Option<Targets<'_>>) -> PlaysReport {
    let chain = Chain {
        intact: true,
        entries: entries.len() as u64,
        repairs: 0,
        problems: Vec::new(),
        last_hash: String::new(),
    };
    let tz = TimeZone::get("Asia/Shanghai").unwrap();
    build(SCREEN, entries, chain, day(), day(), &tz, cutoff, None, targets)
}

#[test]
fn a_spot_followed_by_a_later_entry_played() {
    let log = [
        item(1, "10:00:00", "welcome"),
        spot(2, "10:00:10", "bank-1", "bank", 10),
        item(3, "10:00:20", "welcome"),
    ];
    let r = report(&log, at("12:00:00"), None);
    assert_eq!(r.plays.len(), 1);
    assert_eq!((r.plays[0].seq, r.plays[0].seconds), (2, 10));
    assert!(r.interrupted.is_empty() && r.gaps.is_empty(), "{r:#?}");
}

#[test]
fn a_spot_cut_by_a_stop_is_not_played_and_the_outage_is_a_gap() {
    // Killed one second into the spot, started again 8 s later: 9 s of its 10 pass before
    // the next entry, which is the start, so nothing proves it stayed on.
    let log = [
        item(1, "10:00:00", "welcome"),
        spot(2, "10:00:10", "bank-1", "bank", 10),
        started(3, "10:00:19", "10:00:10"),
        item(4, "10:00:21", "welcome"),
    ];
    let r = report(&log, at("12:00:00"), None);
    assert!(r.plays.is_empty(), "{r:#?}");
    assert_eq!(r.interrupted.len(), 1);
    let cut = &r.interrupted[0];
    assert_eq!((cut.seq, cut.seconds, cut.planned_s), (2, 0, 10));
    assert!(cut.by.contains("the daemon stopped"), "{}", cut.by);
    assert_eq!(r.gaps.len(), 1, "{r:#?}");
    let gap = &r.gaps[0];
    assert_eq!(gap.kind, OUTAGE);
    assert_eq!(gap.seq, 3);
    assert_eq!(gap.since.as_deref(), Some(at("10:00:10").to_string().as_str()));
    assert!(gap.note.contains("not running"), "{}", gap.note);
    let bank = &r.campaigns[0];
    assert_eq!((bank.plays, bank.seconds, bank.interrupted), (0, 0, 1));
}

#[test]
fn a_long_outage_after_a_spot_proves_nothing_either() {
    // The start came long after the spot's length: still no evidence it ran it.
    let log = [
        spot(1, "10:00:10", "bank-1", "bank", 10),
        started(2, "11:00:00", "10:00:10"),
    ];
    let r = report(&log, at("12:00:00"), None);
    assert!(r.plays.is_empty(), "{r:#?}");
    assert_eq!(r.interrupted.len(), 1);
}

#[test]
fn the_last_spot_before_a_stop_is_not_counted_however_long_ago() {
    let log = [item(1, "10:00:00", "welcome"), spot(2, "10:00:10", "bank-1", "bank", 4)];
    let r = report(&log, at("23:00:00"), None);
    assert!(r.plays.is_empty(), "{r:#?}");
    assert_eq!(r.interrupted.len(), 1);
    assert!(
        r.interrupted[0].by.contains("not yet proven"),
        "{}",
        r.interrupted[0].by
    );
}

#[test]
fn an_outage_is_not_time_a_share_is_measured_against() {
    let playlist = pinghu_playlists::parse(
        r#"
[[item]]
id = "welcome"
text = "欢迎"

[[campaign]]
id = "bank"
advertiser = "甲"
contract = "C1"
start_date = "2026-12-07"
end_date = "2026-12-07"
hours = "10:00-11:00"
share = 0.5
  [[campaign.item]]
  id = "bank-1"
  text = "广告"
"#,
        "ads.toml",
    )
    .unwrap();
    let calendar = pinghu_playlists::Calendar::builtin();
    let targets = Targets {
        playlist: &playlist,
        calendar: &calendar,
    };
    // 60 s of rotation before the stop at an unknown moment, 30 minutes of outage, then 60 s.
    let log = [
        item(1, "10:00:00", "welcome"),
        item(2, "10:01:00", "welcome"),
        started(3, "10:31:00", "10:01:00"),
        item(4, "10:31:00", "welcome"),
        item(5, "10:32:00", "welcome"),
        Entry::dark(at("10:33:00"), SCREEN, "power off"),
    ];
    let r = report(&log, at("12:00:00"), Some(targets));
    let bank = r.campaigns.iter().find(|c| c.campaign == "bank").unwrap();
    // Lit rotation proven: 10:00-10:01 and 10:31-10:33 = 180 s; the half-hour before the
    // start is not. Half of it is the target.
    assert_eq!(bank.target_seconds, Some(90.0), "{r:#?}");
    assert!(r.gaps.iter().any(|g| g.kind == OUTAGE && g.seq == 3), "{r:#?}");
}
