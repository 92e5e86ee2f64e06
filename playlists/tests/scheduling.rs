//! The scheduler's rules, each with an injected clock (docs/playlists.md, issue 4).

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use pinghu_playlists::{
    Announcement, Calendar, ClockTrust, ContentKey, Inputs, Layer, Playlist, Priority, Scheduler, clock_trust, load,
    parse, timeline,
};

fn example(name: &str) -> Playlist {
    load(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("examples")
            .join(name),
    )
    .unwrap()
}

fn shanghai() -> TimeZone {
    TimeZone::get("Asia/Shanghai").unwrap()
}

/// A local Yiling time.
fn at(s: &str) -> Timestamp {
    format!("{s}+08:00[Asia/Shanghai]")
        .parse::<jiff::Zoned>()
        .unwrap()
        .timestamp()
}

fn showing_id(p: &pinghu_playlists::Plan) -> Option<String> {
    p.showing.as_ref().map(|s| match &s.content.key {
        ContentKey::Item { id } | ContentKey::Announcement { id, .. } => id.clone(),
    })
}

fn step(pl: &Playlist, anns: &[Announcement], sched: &mut Scheduler, now: Timestamp) -> pinghu_playlists::Plan {
    step_trusting(pl, anns, sched, now, true)
}

/// [`step`] with a clock that is trusted or not.
fn step_trusting(
    pl: &Playlist,
    anns: &[Announcement],
    sched: &mut Scheduler,
    now: Timestamp,
    clock_trusted: bool,
) -> pinghu_playlists::Plan {
    let cal = Calendar::builtin();
    let tz = shanghai();
    let inp = Inputs {
        playlist: pl,
        calendar: &cal,
        tz: &tz,
        announcements: anns,
        clock_trusted,
    };
    sched.step(&inp, now, &|_| 1)
}

fn rotation_ids(p: &pinghu_playlists::Plan) -> Vec<String> {
    p.rotation.iter().map(ToString::to_string).collect()
}

fn ann(id: &str, priority: Priority, from: Timestamp, until: Timestamp) -> Announcement {
    Announcement {
        id: id.into(),
        revision: 1,
        priority,
        title: "通知".into(),
        body: format!("{id} 内容"),
        valid_from: Some(from),
        valid_until: Some(until),
        issued_at: from,
        font_size: None,
        color: None,
        effect: None,
        severity: None,
    }
}

#[test]
fn midnight_crossing_window_belongs_to_the_night_it_started() {
    let pl = example("night-works.toml");
    let mut s = Scheduler::new();
    // Friday 2026-12-04 23:00: Friday night works.
    assert_eq!(
        rotation_ids(&step(&pl, &[], &mut s, at("2026-12-04T23:00:00"))),
        ["item roadworks"]
    );
    // Saturday 02:00 is still Friday night.
    assert_eq!(
        rotation_ids(&step(&pl, &[], &mut s, at("2026-12-05T02:00:00"))),
        ["item roadworks"]
    );
    // Saturday 23:00 and Monday 02:00 (Sunday night) are not weekday nights.
    assert!(rotation_ids(&step(&pl, &[], &mut s, at("2026-12-05T23:00:00"))).is_empty());
    assert!(rotation_ids(&step(&pl, &[], &mut s, at("2026-12-07T02:00:00"))).is_empty());
    // Window end is exclusive: 06:00 Saturday is greeting time.
    assert_eq!(
        rotation_ids(&step(&pl, &[], &mut s, at("2026-12-05T06:00:00"))),
        ["item greeting"]
    );
    // The dates bound is inclusive: Thursday 2026-12-31 22:00 yes, Friday 2027-01-01 22:00 no.
    assert_eq!(
        rotation_ids(&step(&pl, &[], &mut s, at("2026-12-31T22:00:00"))),
        ["item roadworks"]
    );
    assert!(rotation_ids(&step(&pl, &[], &mut s, at("2027-01-01T22:00:00"))).is_empty());
    // ...and 2027-01-01 05:00 still belongs to the night of Thursday 12-31, which is in range.
    assert_eq!(
        rotation_ids(&step(&pl, &[], &mut s, at("2027-01-01T05:00:00"))),
        ["item roadworks"]
    );
}

#[test]
fn holidays_and_make_up_workdays() {
    let pl = example("government-service-center.toml");
    let mut s = Scheduler::new();
    // Saturday 2026-02-14 is a make-up workday: the working-hours greeting shows.
    let p = step(&pl, &[], &mut s, at("2026-02-14T09:00:00"));
    assert!(
        rotation_ids(&p).contains(&"item welcome".to_string()),
        "{:?}",
        rotation_ids(&p)
    );
    assert!(!rotation_ids(&p).contains(&"item closed".to_string()));
    // Monday 2026-02-16 is in the Spring Festival: closed notice, no greeting.
    let p = step(&pl, &[], &mut s, at("2026-02-16T09:00:00"));
    assert!(rotation_ids(&p).contains(&"item closed".to_string()));
    assert!(!rotation_ids(&p).contains(&"item welcome".to_string()));
    // Lunch break on a working day.
    let p = step(&pl, &[], &mut s, at("2026-11-30T12:30:00"));
    assert!(rotation_ids(&p).contains(&"item lunch".to_string()));
    assert!(!rotation_ids(&p).contains(&"item welcome".to_string()));
}

fn three_items() -> Playlist {
    parse(
        "[defaults]\ndwell_s = 10\n[[item]]\nid = \"a\"\ntext = \"甲\"\n[[item]]\nid = \"b\"\ntext = \"乙\"\n[[item]]\nid = \"c\"\ntext = \"丙\"\n",
        "three.toml",
    )
    .unwrap()
}

#[test]
fn rotation_plays_in_file_order_each_for_its_dwell() {
    let pl = three_items();
    let mut s = Scheduler::new();
    let t0 = at("2026-11-30T09:00:00");
    let ids: Vec<_> = (0..7)
        .map(|k| showing_id(&step(&pl, &[], &mut s, t0 + SignedDuration::from_secs(k * 5))).unwrap())
        .collect();
    assert_eq!(ids, ["a", "a", "b", "b", "c", "c", "a"]);
}

#[test]
fn urgent_preempts_at_once_and_rotation_resumes_at_the_interrupted_item() {
    let pl = three_items();
    let mut s = Scheduler::new();
    let t0 = at("2026-11-30T09:00:00");
    let sec = |n: i64| t0 + SignedDuration::from_secs(n);
    assert_eq!(showing_id(&step(&pl, &[], &mut s, sec(0))).unwrap(), "a");
    assert_eq!(showing_id(&step(&pl, &[], &mut s, sec(10))).unwrap(), "b");
    // 5 s into b, an urgent notice valid for 45 s arrives.
    let u = ann("yl-urgent", Priority::Urgent, sec(15), sec(60));
    let p = step(&pl, std::slice::from_ref(&u), &mut s, sec(15));
    assert_eq!(p.layer, Layer::Urgent);
    assert_eq!(showing_id(&p).unwrap(), "yl-urgent");
    // It holds (no alternation with normal content) until it expires...
    for k in [16, 30, 45, 59] {
        let p = step(&pl, std::slice::from_ref(&u), &mut s, sec(k));
        assert_eq!(showing_id(&p).unwrap(), "yl-urgent", "at +{k}s");
        assert_eq!(p.rotation.len(), 1);
    }
    // ...the plan asks to be woken exactly at expiry...
    let p = step(&pl, std::slice::from_ref(&u), &mut s, sec(59));
    assert!(p.next_change <= sec(60));
    // ...and at the exact second it expires, b is back on its first page: no blank gap.
    let p = step(&pl, std::slice::from_ref(&u), &mut s, sec(60));
    assert_eq!(p.layer, Layer::Rotation);
    let sh = p.showing.unwrap();
    assert_eq!(sh.content.key, ContentKey::Item { id: "b".into() });
    assert_eq!((sh.page, sh.since), (0, sec(60)));
    assert_eq!(
        showing_id(&step(&pl, std::slice::from_ref(&u), &mut s, sec(70))).unwrap(),
        "c"
    );
}

#[test]
fn several_urgent_rotate_among_themselves_and_emergency_outranks_them() {
    let pl = three_items();
    let mut s = Scheduler::new();
    let t0 = at("2026-11-30T09:00:00");
    let sec = |n: i64| t0 + SignedDuration::from_secs(n);
    let u1 = ann("u1", Priority::Urgent, sec(0), sec(3600));
    let u2 = ann("u2", Priority::Urgent, sec(1), sec(3600));
    let anns = [u1.clone(), u2.clone()];
    let seen: Vec<_> = (0..4)
        .map(|k| showing_id(&step(&pl, &anns, &mut s, sec(k * 10))).unwrap())
        .collect();
    assert_eq!(seen, ["u1", "u2", "u1", "u2"]);
    let e = ann("e1", Priority::Emergency, sec(40), sec(100));
    let anns = [u1, u2, e];
    let p = step(&pl, &anns, &mut s, sec(40));
    assert_eq!(p.layer, Layer::Emergency);
    assert_eq!(rotation_ids(&p), ["announcement e1 r1"]);
}

#[test]
fn revocation_takes_the_notice_off_and_resumes() {
    let pl = three_items();
    let mut s = Scheduler::new();
    let t0 = at("2026-11-30T09:00:00");
    let sec = |n: i64| t0 + SignedDuration::from_secs(n);
    step(&pl, &[], &mut s, sec(0));
    let u = ann("u", Priority::Urgent, sec(0), sec(3600));
    assert_eq!(
        showing_id(&step(&pl, std::slice::from_ref(&u), &mut s, sec(3))).unwrap(),
        "u"
    );
    // Revoked: the daemon stops passing it.
    let p = step(&pl, &[], &mut s, sec(20));
    assert_eq!(showing_id(&p).unwrap(), "a");
    assert_eq!(p.showing.unwrap().since, sec(20));
}

#[test]
fn emergency_overrides_power_off_and_night_brightness() {
    let pl = example("government-service-center.toml");
    let mut s = Scheduler::new();
    let night = at("2026-11-30T23:45:00");
    let p = step(&pl, &[], &mut s, night);
    assert!(!p.power);
    assert_eq!(p.brightness, 3);
    let u = ann("u", Priority::Urgent, night, night + SignedDuration::from_hours(1));
    let p = step(&pl, std::slice::from_ref(&u), &mut s, night);
    assert!(!p.power, "urgent does not override power-off");
    let e = ann("e", Priority::Emergency, night, night + SignedDuration::from_hours(1));
    let p = step(&pl, std::slice::from_ref(&e), &mut s, night);
    assert!(p.power);
    assert_eq!(p.brightness, 15);
    assert_eq!(showing_id(&p).unwrap(), "e");
}

#[test]
fn expiry_and_start_at_the_exact_second() {
    let pl = three_items();
    let t = at("2026-11-30T10:00:00");
    let a = ann("n", Priority::Normal, t, t + SignedDuration::from_secs(30));
    assert!(!a.is_live(t - SignedDuration::from_nanos(1)));
    assert!(a.is_live(t));
    assert!(a.is_live(t + SignedDuration::from_millis(29_999)));
    assert!(!a.is_live(t + SignedDuration::from_secs(30)));
    let mut s = Scheduler::new();
    // Normal announcements join the rotation after the items.
    let p = step(&pl, std::slice::from_ref(&a), &mut s, t);
    assert_eq!(rotation_ids(&p), ["item a", "item b", "item c", "announcement n r1"]);
    let p = step(&pl, std::slice::from_ref(&a), &mut s, t + SignedDuration::from_secs(30));
    assert_eq!(rotation_ids(&p), ["item a", "item b", "item c"]);
    // A future announcement is woken for exactly at its start.
    let later = ann(
        "l",
        Priority::Urgent,
        t + SignedDuration::from_secs(7),
        t + SignedDuration::from_secs(99),
    );
    let p = step(
        &pl,
        std::slice::from_ref(&later),
        &mut s,
        t + SignedDuration::from_secs(1),
    );
    assert_eq!(p.next_change, t + SignedDuration::from_secs(7));
}

#[test]
fn untrusted_clock_keeps_always_on_items_and_the_urgent_layer() {
    let pl = example("government-service-center.toml");
    let cal = Calendar::builtin();
    let tz = shanghai();
    let now = at("2026-11-30T09:00:00");
    let u = ann("u", Priority::Urgent, now, now + SignedDuration::from_hours(1));
    let mut s = Scheduler::new();
    let inp = Inputs {
        playlist: &pl,
        calendar: &cal,
        tz: &tz,
        announcements: &[],
        clock_trusted: false,
    };
    let p = s.step(&inp, now, &|_| 1);
    assert_eq!(rotation_ids(&p), ["item hotline"], "only the always-on item");
    assert!(p.power);
    assert_eq!(p.brightness, 15);
    assert!(!p.clock_trusted);
    let anns = [u];
    let inp = Inputs {
        announcements: &anns,
        ..inp
    };
    assert_eq!(showing_id(&s.step(&inp, now, &|_| 1)).unwrap(), "u");

    let build = at("2026-11-01T00:00:00");
    assert_eq!(
        clock_trust(at("2000-01-01T00:00:00"), build, None, SignedDuration::from_mins(5)),
        ClockTrust::BeforeBuild
    );
    assert_eq!(
        clock_trust(
            now,
            build,
            Some(SignedDuration::from_secs(30)),
            SignedDuration::from_mins(5)
        ),
        ClockTrust::Trusted
    );
    assert_eq!(
        clock_trust(
            now,
            build,
            Some(SignedDuration::from_hours(-2)),
            SignedDuration::from_mins(5)
        ),
        ClockTrust::FarFromPortal { offset_s: -7200 }
    );
}

#[test]
fn every_limits_how_often_an_item_plays() {
    let pl = parse(
        "[defaults]\ndwell_s = 10\n[[item]]\nid = \"a\"\ntext = \"甲\"\n[[item]]\nid = \"hot\"\ntext = \"热线\"\nevery = 1\n",
        "e.toml",
    )
    .unwrap();
    let mut s = Scheduler::new();
    let t0 = at("2026-11-30T09:00:00");
    let ids: Vec<_> = (0..9)
        .map(|k| showing_id(&step(&pl, &[], &mut s, t0 + SignedDuration::from_secs(k * 10))).unwrap())
        .collect();
    // hot plays, then waits a minute before it is eligible again.
    assert_eq!(ids, ["a", "hot", "a", "a", "a", "a", "a", "hot", "a"]);
}

#[test]
fn pages_each_get_their_dwell() {
    let pl = three_items();
    let cal = Calendar::builtin();
    let tz = shanghai();
    let inp = Inputs {
        playlist: &pl,
        calendar: &cal,
        tz: &tz,
        announcements: &[],
        clock_trusted: true,
    };
    let mut s = Scheduler::new();
    let t0 = at("2026-11-30T09:00:00");
    let pages = |c: &pinghu_playlists::Content| if c.text == "甲" { 3 } else { 1 };
    let seq: Vec<_> = (0..5)
        .map(|k| {
            let p = s.step(&inp, t0 + SignedDuration::from_secs(k * 10), &pages);
            let sh = p.showing.unwrap();
            format!("{}:{}", sh.content.text, sh.page)
        })
        .collect();
    assert_eq!(seq, ["甲:0", "甲:1", "甲:2", "乙:0", "丙:0"]);
}

#[test]
fn state_survives_a_restart() {
    let pl = three_items();
    let mut s = Scheduler::new();
    let t0 = at("2026-11-30T09:00:00");
    step(&pl, &[], &mut s, t0);
    step(&pl, &[], &mut s, t0 + SignedDuration::from_secs(12));
    let saved = serde_json::to_string(&s).unwrap();
    let mut restored: Scheduler = serde_json::from_str(&saved).unwrap();
    let p = step(&pl, &[], &mut restored, t0 + SignedDuration::from_secs(15));
    assert_eq!(showing_id(&p).unwrap(), "b");
}

#[test]
fn time_zone_is_configurable() {
    let pl = parse(
        "[[item]]\nid = \"x\"\ntext = \"早\"\ntime = \"08:00-09:00\"\n",
        "tz.toml",
    )
    .unwrap();
    let cal = Calendar::builtin();
    let now: Timestamp = "2026-11-30T00:30:00Z".parse().unwrap(); // 08:30 in Shanghai, 00:30 UTC
    for (tz, shown) in [(shanghai(), true), (TimeZone::UTC, false)] {
        let inp = Inputs {
            playlist: &pl,
            calendar: &cal,
            tz: &tz,
            announcements: &[],
            clock_trusted: true,
        };
        assert_eq!(Scheduler::new().step(&inp, now, &|_| 1).showing.is_some(), shown);
    }
}

#[test]
fn timeline_of_a_working_day() {
    let pl = example("government-service-center.toml");
    let cal = Calendar::builtin();
    let tl = timeline(&pl, &cal, &shanghai(), at("2026-11-30T00:00:00"), 24);
    let lines: Vec<String> = tl
        .iter()
        .map(|e| {
            format!(
                "{} {} b{} {}",
                e.at.strftime("%H:%M"),
                e.rotation.join(","),
                e.brightness,
                if e.power { "on" } else { "off" }
            )
        })
        .collect();
    assert_eq!(
        lines,
        [
            "00:00 hotline b3 off",
            "06:00 hotline b15 off",
            "06:30 hotline b15 on",
            "08:30 welcome,hours,hotline b15 on",
            "12:00 lunch,hotline b15 on",
            "14:00 welcome,hours,hotline b15 on",
            "17:30 hours,hotline b8 on",
            "22:00 hotline b3 on",
            "23:30 hotline b3 off",
        ]
    );
}

mod property {
    use super::*;
    use proptest::prelude::*;

    /// An independent reading of the rules, written from docs/playlists.md, not from the crate.
    fn oracle(item: &pinghu_playlists::Item, z: &jiff::Zoned, cal: &Calendar) -> bool {
        let m = z.hour() as u16 * 60 + z.minute() as u16;
        let date = z.date();
        let mut days = Vec::new();
        if item.windows.is_empty() {
            days.push(date);
        }
        for w in &item.windows {
            let (s, e) = (w.start, w.end);
            if s < e && s <= m && m < e {
                days.push(date);
            }
            if e <= s && m >= s {
                days.push(date);
            }
            if e <= s && m < e {
                days.push(date.yesterday().unwrap());
            }
        }
        days.iter().any(|d| {
            let wd = d.weekday().to_monday_one_offset() as u8;
            (item.days.is_empty() || item.days.contains(&wd))
                && (item.dates.is_empty() || item.dates.iter().any(|(a, b)| a <= d && d <= b))
                && (!item.workdays_only || cal.is_workday(*d))
        })
    }

    fn arb_item(i: usize) -> impl Strategy<Value = String> {
        (
            proptest::option::of((0u16..24, 0u16..60, 0u16..24, 0u16..60)),
            proptest::collection::btree_set(0usize..7, 0..4),
            proptest::option::of((1u8..28, 0u8..20)),
            any::<bool>(),
        )
            .prop_map(move |(win, days, dates, wd)| {
                let names = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
                let mut s = format!("[[item]]\nid = \"i{i}\"\ntext = \"条目{i}\"\n");
                if let Some((h1, m1, h2, m2)) = win
                    && (h1, m1) != (h2, m2)
                {
                    s += &format!("time = \"{h1:02}:{m1:02}-{h2:02}:{m2:02}\"\n");
                }
                if !days.is_empty() {
                    let d: Vec<String> = days.iter().map(|d| format!("\"{}\"", names[*d])).collect();
                    s += &format!("days = [{}]\n", d.join(", "));
                }
                if let Some((d, len)) = dates {
                    s += &format!("dates = \"2026-12-{d:02}..2026-12-{:02}\"\n", (d + len).min(31));
                }
                if wd {
                    s += "workdays_only = true\n";
                }
                s
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]
        #[test]
        fn only_items_whose_windows_hold_are_shown(
            items in proptest::collection::vec(0usize..1, 1..6).prop_flat_map(|v| {
                v.iter().enumerate().map(|(i, _)| arb_item(i)).collect::<Vec<_>>()
            }),
            offsets in proptest::collection::vec(0i64..(40 * 86_400), 1..8),
        ) {
            let pl = parse(&items.concat(), "prop.toml").unwrap();
            let cal = Calendar::builtin();
            let tz = shanghai();
            let inp = Inputs { playlist: &pl, calendar: &cal, tz: &tz, announcements: &[], clock_trusted: true };
            let mut s = Scheduler::new();
            let base = at("2026-11-25T00:00:00");
            let mut times: Vec<i64> = offsets;
            times.sort_unstable();
            for off in times {
                let now = base + SignedDuration::from_secs(off);
                let z = now.to_zoned(tz.clone());
                let plan = s.step(&inp, now, &|_| 1);
                let holds: Vec<String> = pl.items.iter().filter(|i| oracle(i, &z, &cal)).map(|i| i.id.clone()).collect();
                for k in &plan.rotation {
                    let ContentKey::Item { id } = k else { panic!() };
                    prop_assert!(holds.contains(id), "{id} shown at {z} but does not hold");
                }
                if let Some(sh) = &plan.showing {
                    let ContentKey::Item { id } = &sh.content.key else { panic!() };
                    prop_assert!(holds.contains(id));
                }
                prop_assert_eq!(plan.showing.is_some(), !holds.is_empty());
            }
        }
    }
}

#[test]
fn warnings_rotate_most_severe_first_most_recent_first_and_share_the_top_layer() {
    let pl = example("government-service-center.toml");
    let t0 = at("2026-12-04T10:00:00");
    let until = at("2026-12-04T18:00:00");
    let warn = |id: &str, priority, severity: u8, issued_min: i64| {
        let mut a = ann(id, priority, t0, until);
        a.severity = Some(severity);
        a.issued_at = t0 + jiff::SignedDuration::from_mins(issued_min);
        a
    };
    // Two Severe warnings and a Moderate one, all urgent: the Moderate one waits.
    let anns = [
        warn("severe-old", Priority::Urgent, 3, 0),
        warn("moderate", Priority::Urgent, 2, 5),
        warn("severe-new", Priority::Urgent, 3, 10),
    ];
    let mut s = Scheduler::new();
    let first = step(&pl, &anns, &mut s, t0 + jiff::SignedDuration::from_mins(20));
    assert_eq!(first.layer, Layer::Urgent);
    assert_eq!(showing_id(&first).as_deref(), Some("severe-new"), "most recent first");
    let mut seen = std::collections::BTreeSet::new();
    let mut now = t0 + jiff::SignedDuration::from_mins(20);
    for _ in 0..6 {
        let p = step(&pl, &anns, &mut s, now);
        seen.insert(showing_id(&p).unwrap());
        now = p.next_change;
    }
    assert_eq!(
        seen.into_iter().collect::<Vec<_>>(),
        ["severe-new", "severe-old"],
        "equals rotate"
    );
    // An Extreme warning and the portal's emergency notice share the top layer; a newer one leads.
    let mut notice = ann("portal-emergency", Priority::Emergency, t0, until);
    notice.issued_at = t0 + jiff::SignedDuration::from_mins(30);
    let anns = [
        warn("extreme", Priority::Emergency, 4, 25),
        notice,
        warn("severe-new", Priority::Urgent, 3, 10),
    ];
    let mut s = Scheduler::new();
    let p = step(&pl, &anns, &mut s, t0 + jiff::SignedDuration::from_mins(40));
    assert_eq!(p.layer, Layer::Emergency);
    assert_eq!(showing_id(&p).as_deref(), Some("portal-emergency"));
    let mut seen = std::collections::BTreeSet::new();
    let mut now = t0 + jiff::SignedDuration::from_mins(40);
    for _ in 0..6 {
        let p = step(&pl, &anns, &mut s, now);
        seen.insert(showing_id(&p).unwrap());
        now = p.next_change;
    }
    assert_eq!(seen.into_iter().collect::<Vec<_>>(), ["extreme", "portal-emergency"]);
}

#[test]
fn an_items_date_fields_follow_the_boards_day_and_wait_for_a_trusted_clock() {
    let pl = parse(
        "[[item]]\nid = \"today\"\ntext = \"今天是{date}，{weekday}\"\n\n\
         [[item]]\nid = \"exam\"\ntext = \"距高考还有{days_until:2027-06-07}天\"\n",
        "fields.toml",
    )
    .unwrap();
    let mut s = Scheduler::new();
    let text = |p: &pinghu_playlists::Plan| p.showing.as_ref().unwrap().content.text.clone();
    // Friday night in Yiling (Friday afternoon in UTC: the board's day counts), 10 s per item.
    let p = step(&pl, &[], &mut s, at("2026-12-04T23:59:40"));
    assert_eq!(text(&p), "今天是2026年12月4日，星期五");
    let p = step(&pl, &[], &mut s, p.next_change);
    assert_eq!(text(&p), "距高考还有185天");
    assert_eq!(p.next_change, at("2026-12-05T00:00:00"));
    // From midnight the same items read the new day.
    let p = step(&pl, &[], &mut s, p.next_change);
    assert_eq!(text(&p), "今天是2026年12月5日，星期六");
    let p = step(&pl, &[], &mut s, p.next_change);
    assert_eq!(text(&p), "距高考还有184天");

    // A wrong date is worse than none: while the clock is not trusted, neither shows.
    let p = step_trusting(&pl, &[], &mut Scheduler::new(), at("2026-12-04T12:00:00"), false);
    assert!(p.rotation.is_empty() && p.showing.is_none(), "{:?}", p.rotation);
}

#[test]
fn the_sample_playlist_shows_something_at_every_hour_of_the_year() {
    // What `pinghu run` and `pinghu demo` start with: a newcomer may try them at midnight, on a
    // weekend or on a holiday, and the demo waits for the board to light up.
    let pl = example("sample.toml");
    let mut s = Scheduler::new();
    let mut now = at("2026-01-01T00:30:00");
    while now < at("2027-01-01T00:00:00") {
        let p = step(&pl, &[], &mut s, now);
        assert!(p.power && p.showing.is_some(), "the sample shows nothing at {now}");
        now += SignedDuration::from_mins(97);
    }
}
