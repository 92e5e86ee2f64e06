//! Campaigns: the vocabulary, the booking check, and a simulated week of pacing on a paused
//! clock with random urgent interruptions (docs/campaigns.md).

use std::collections::BTreeMap;

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp, ToSpan};
use pinghu_playlists::{
    Announcement, Calendar, ContentKey, Inputs, Layer, Playlist, Priority, Scheduler, Target, check_bookings, load,
    parse,
};

fn example(name: &str) -> Playlist {
    load(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("examples")
            .join(name),
    )
    .unwrap()
}

fn tz() -> TimeZone {
    TimeZone::get("Asia/Shanghai").unwrap()
}

fn at(s: &str) -> Timestamp {
    format!("{s}+08:00[Asia/Shanghai]")
        .parse::<jiff::Zoned>()
        .unwrap()
        .timestamp()
}

/// A small deterministic generator (the test needs no crate for randomness).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }
}

/// One stretch of time with one thing on the glass.
#[derive(Debug, Clone)]
struct Stretch {
    from: Timestamp,
    to: Timestamp,
    layer: Layer,
    power: bool,
    /// (item id, since) of what showed.
    showing: Option<(String, Timestamp)>,
}

/// A spot that started, and how long it stayed on.
#[derive(Debug, Clone)]
struct Play {
    campaign: String,
    advertiser: String,
    start: Timestamp,
    on_s: i64,
    len_s: i64,
}

impl Play {
    fn complete(&self) -> bool {
        self.on_s >= self.len_s
    }
    fn end(&self) -> Timestamp {
        self.start + SignedDuration::from_secs(self.len_s)
    }
}

fn simulate(pl: &Playlist, from: Timestamp, days: i64, seed: u64) -> (Vec<Stretch>, Vec<Announcement>, Scheduler) {
    let cal = Calendar::builtin();
    let zone = tz();
    // About three urgent notices a day, 5 to 30 minutes each, at random times.
    let mut rng = Lcg(seed);
    let mut anns = Vec::new();
    for d in 0..days {
        for k in 0..3 {
            let start = from + SignedDuration::from_secs(d * 86_400 + rng.next(86_400) as i64);
            let len = SignedDuration::from_mins(5 + rng.next(26) as i64);
            anns.push(Announcement {
                id: format!("urgent-{d}-{k}"),
                revision: 1,
                priority: Priority::Urgent,
                title: "紧急通知".into(),
                body: "道路临时管制".into(),
                valid_from: Some(start),
                valid_until: Some(start + len),
                issued_at: start,
                font_size: None,
                color: None,
                effect: None,
                severity: None,
            });
        }
    }
    let inp = Inputs {
        playlist: pl,
        calendar: &cal,
        tz: &zone,
        announcements: &anns,
        clock_trusted: true,
    };
    let mut s = Scheduler::new();
    let end = from + SignedDuration::from_secs(days * 86_400);
    let mut now = from;
    let mut out: Vec<Stretch> = Vec::new();
    while now < end {
        let plan = s.step(&inp, now, &|_| 1);
        let next = plan.next_change.max(now + SignedDuration::from_millis(1)).min(end);
        out.push(Stretch {
            from: now,
            to: next,
            layer: plan.layer,
            power: plan.power,
            showing: plan.showing.as_ref().map(|sh| {
                let id = match &sh.content.key {
                    ContentKey::Item { id } | ContentKey::Announcement { id, .. } => id.clone(),
                };
                (id, sh.since)
            }),
        });
        now = next;
    }
    (out, anns, s)
}

/// The spots that started, each with how long it stayed on the lit glass in the rotation.
fn plays(pl: &Playlist, trace: &[Stretch]) -> Vec<Play> {
    let mut out: Vec<Play> = Vec::new();
    let mut current: Option<(String, Timestamp)> = None;
    for st in trace {
        let on = st.power && st.layer == Layer::Rotation;
        let key = st.showing.clone().filter(|_| on);
        if key != current {
            current.clone_from(&key);
            if let Some((id, since)) = &key
                && let Some((c, item)) = pl.spot(id)
            {
                out.push(Play {
                    campaign: c.id.clone(),
                    advertiser: c.advertiser.clone(),
                    start: *since,
                    on_s: 0,
                    len_s: i64::from(item.style.dwell_s),
                });
            }
        }
        if let (Some((id, since)), Some(last)) = (&key, out.last_mut())
            && pl.spot(id).is_some()
            && last.start == *since
        {
            last.on_s += st.to.duration_since(st.from).as_secs();
        }
    }
    out
}

/// Seconds of `trace` in which the board was lit in the rotation (or blank) and `holds` says the
/// campaign's window was open.
fn window_time(trace: &[Stretch], holds: &dyn Fn(Timestamp) -> bool) -> f64 {
    trace
        .iter()
        .filter(|s| s.power && matches!(s.layer, Layer::Rotation | Layer::Blank) && holds(s.from))
        .map(|s| s.to.duration_since(s.from).as_secs_f64())
        .sum()
}

#[test]
fn the_example_parses_with_its_campaigns() {
    let pl = example("commercial.toml");
    assert_eq!(pl.campaigns.len(), 3);
    assert!((pl.government_floor - 0.5).abs() < 1e-9);
    let bank = &pl.campaigns[0];
    assert_eq!(bank.advertiser, "夷陵农商银行");
    assert_eq!(bank.target, Target::Share(0.15));
    assert_eq!(bank.items.len(), 2);
    assert_eq!(bank.items[1].image.as_deref(), Some("images/pinghu-sunrise.png"));
    assert_eq!(pl.campaigns[1].target, Target::PlaysPerDay(60));
    assert_eq!(pl.campaigns[2].target, Target::PlaysPerHour(6));
    assert_eq!(pl.spot("citrus-1").map(|(c, _)| c.id.as_str()), Some("citrus-festival"));
    let d = check_bookings(&pl, &Calendar::builtin(), &|i| i.style.dwell_s);
    assert!(d.is_empty(), "{d:#?}");
}

#[test]
fn campaign_mistakes_are_named_at_their_place() {
    let src = r#"
[[item]]
id = "a"
text = "政务"

[[campaign]]
id = "x"
advertiser = "甲"
contract = "C1"
start_date = "2026-12-10"
end_date = "2026-12-01"
share = 0.2
plays_per_day = 5
hourz = "08:00-09:00"

  [[campaign.item]]
  id = "a"
  text = "广告"
  time = "08:00-09:00"

[[campaign]]
id = "y"
advertiser = "乙"
start_date = 2026-12-01
end_date = 2026-12-31
share = 1.5
"#;
    let e = parse(src, "ads.toml").unwrap_err().to_string();
    for needle in [
        "ads.toml:11:12: end_date 2026-12-01 is before start_date 2026-12-10",
        "ads.toml:13:17: a campaign has one target",
        "unknown key `hourz` in [[campaign]] (did you mean `hours`?)",
        "`time` cannot be set on a campaign's item",
        "duplicate item id \"a\" (first used on line 2)",
        "[[campaign]] needs `contract`",
        "share must be above 0 and below 1",
        "[[campaign]] needs at least one spot",
    ] {
        assert!(e.contains(needle), "missing {needle:?} in:\n{e}");
    }
}

#[test]
fn overbooking_is_refused_with_the_hour_and_the_numbers() {
    let src = r#"
government_floor = 0.6

[[item]]
id = "gov"
text = "政务公开"

[[campaign]]
id = "big"
advertiser = "甲"
contract = "C1"
start_date = "2026-12-07"
end_date = "2026-12-08"
hours = "10:00-12:00"
share = 0.3
  [[campaign.item]]
  id = "big-1"
  text = "广告一"
  dwell_s = 10

[[campaign]]
id = "many"
advertiser = "乙"
contract = "C2"
start_date = "2026-12-08"
end_date = "2026-12-08"
hours = "11:00-12:00"
plays_per_day = 60
max_per_hour = 50
separation_s = 50
  [[campaign.item]]
  id = "many-1"
  text = "广告二"
  dwell_s = 10
"#;
    let pl = parse(src, "ads.toml").unwrap();
    let d = check_bookings(&pl, &Calendar::builtin(), &|i| i.style.dwell_s);
    let text: Vec<String> = d.iter().map(ToString::to_string).collect();
    let all = text.join("\n");
    // 11:00-12:00 on the 8th: 0.3 × 3600 = 1080 s + 60 × 10 s = 600 s = 1680 s > 0.4 × 3600 = 1440 s.
    assert!(
        all.contains("overbooked on 2026-12-08 (Tue) 11:00-12:00: the campaigns need 1680 s but the government floor 0.6 leaves them 1440 s"),
        "{all}"
    );
    assert!(all.contains("big (share 0.3: 108.0 plays of 10 s = 1080 s)"), "{all}");
    assert!(
        all.contains("many (plays_per_day 60: 60.0 plays of 10 s = 600 s)"),
        "{all}"
    );
    assert!(all.contains("campaign \"many\" is overbooked on 2026-12-08 (Tue) 11:00-12:00: its target needs 60.0 plays in the hour but max_per_hour = 50"), "{all}");
    assert!(!all.contains("advertiser \"乙\""), "{all}");
    // 60 × (10 + 50) = 3600 s exactly fits: behind entries and spots of 10 s, a separation of
    // 50 s ends at a boundary. One more second waits for the next one, 60 s: 60 × 70 = 4200 s.
    let tighter = src.replace("separation_s = 50", "separation_s = 51");
    let d = check_bookings(&parse(&tighter, "ads.toml").unwrap(), &Calendar::builtin(), &|i| {
        i.style.dwell_s
    });
    assert!(
        d.iter().any(|x| x
            .problem
            .to_string()
            .contains("its spots and the waits for their separation need 4200 s of the 3600 s")
            && x.problem.to_string().contains("separation_s = 51 waits 60 s")),
        "{d:?}"
    );
    // The positions point at the campaign.
    assert!(
        text.iter()
            .all(|t| t.starts_with("ads.toml:8:1:") || t.starts_with("ads.toml:21:1:")),
        "{all}"
    );
    // 10:00-11:00 on both days alone fits (1080 s < 1440 s).
    assert!(!all.contains("10:00-11:00"), "{all}");
}

#[test]
fn a_week_of_pacing_meets_every_target_around_random_interruptions() {
    let pl = example("commercial.toml");
    let cal = Calendar::builtin();
    let zone = tz();
    let from = at("2026-12-07T00:00:00"); // a Monday
    let (trace, anns, sched) = simulate(&pl, from, 7, 2026);
    let plays = plays(&pl, &trace);
    assert!(
        plays.iter().any(|p| !p.complete()),
        "the interruptions cut some spot short"
    );
    let complete: Vec<&Play> = plays.iter().filter(|p| p.complete()).collect();
    let local = |t: Timestamp| t.to_zoned(zone.clone());
    let holds = |c: &pinghu_playlists::Campaign, t: Timestamp| {
        let z = local(t);
        let m = z.hour() as u16 * 60 + z.minute() as u16;
        c.minutes(z.date(), &cal, &pl).iter().any(|(a, b)| *a <= m && m < *b)
    };

    // The share campaign: its complete plays' seconds within ±2 % of its window's time.
    let bank = &pl.campaigns[0];
    let window = window_time(&trace, &|t| holds(bank, t));
    let delivered: i64 = complete.iter().filter(|p| p.campaign == bank.id).map(|p| p.len_s).sum();
    let want = 0.15 * window;
    println!(
        "bank-winter: {delivered} s delivered of {want:.0} s wanted ({:.2} % of the window)",
        100.0 * delivered as f64 / window
    );
    assert!(
        (delivered as f64 - want).abs() <= 0.02 * window,
        "{delivered} vs {want}"
    );

    // plays_per_day: exactly 60 on each working day, or a shortfall that an interruption in the
    // window explains; never more.
    let urgent_in = |c: &pinghu_playlists::Campaign, day: jiff::civil::Date| {
        anns.iter().any(|a| {
            let (s, e) = (a.valid_from.unwrap(), a.valid_until.unwrap());
            let mut t = s;
            let mut hit = false;
            while t < e {
                hit |= local(t).date() == day && holds(c, t);
                t += SignedDuration::from_mins(1);
            }
            hit
        })
    };
    for (ci, per_day) in [(1usize, 60u32), (2, 6 * 5)] {
        let c = &pl.campaigns[ci];
        for d in 0..7 {
            let day = local(from).date().checked_add(d.days()).unwrap();
            let n = complete
                .iter()
                .filter(|p| p.campaign == c.id && local(p.start).date() == day)
                .count() as u32;
            let open = c.minutes(day, &cal, &pl).iter().map(|(a, b)| b - a).sum::<u16>() > 0;
            let want = if open { per_day } else { 0 };
            println!("{} {day}: {n} of {want}", c.id);
            assert!(n <= want, "{} {day}: {n} plays, more than {want}", c.id);
            if n < want {
                assert!(
                    urgent_in(c, day),
                    "{} {day}: {n} of {want} with no interruption to explain it",
                    c.id
                );
                assert!(
                    want - n <= 2,
                    "{} {day}: a shortfall of {} is more than the interruption explains",
                    c.id,
                    want - n
                );
            }
        }
    }

    // max_per_hour and the government floor in every clock hour.
    let mut per_hour: BTreeMap<(String, jiff::civil::Date, i8), u32> = BTreeMap::new();
    let mut spot_s: BTreeMap<(jiff::civil::Date, i8), i64> = BTreeMap::new();
    for p in &complete {
        let z = local(p.start);
        *per_hour.entry((p.campaign.clone(), z.date(), z.hour())).or_default() += 1;
        *spot_s.entry((z.date(), z.hour())).or_default() += p.len_s;
    }
    for ((id, d, h), n) in &per_hour {
        let max = pl.campaigns.iter().find(|c| c.id == *id).unwrap().max_per_hour.unwrap();
        assert!(*n <= max, "{id} played {n} times at {d} {h}:00, max_per_hour is {max}");
    }
    for ((d, h), s) in &spot_s {
        assert!(*s <= 1800, "{d} {h}:00: {s} s of spots, more than the floor leaves");
    }

    // separation_s between one advertiser's spots that played.
    let citrus: Vec<&&Play> = complete.iter().filter(|p| p.advertiser == "宜昌柑橘协会").collect();
    for w in citrus.windows(2) {
        let gap = w[1].start.duration_since(w[0].end()).as_secs();
        assert!(
            gap >= 60,
            "citrus spots at {} and {} are {gap} s apart",
            w[0].start,
            w[1].start
        );
    }

    // An interrupted spot is not counted: the scheduler's own count for the last day agrees
    // with the spots that played in full.
    let last_day = local(from).date().checked_add(6.days()).unwrap();
    for c in &pl.campaigns {
        let n = complete
            .iter()
            .filter(|p| p.campaign == c.id && local(p.start).date() == last_day)
            .count() as u32;
        let counted = sched.pacing.counts.get(&c.id).map_or(0, |k| k.plays_day);
        assert_eq!(
            counted, n,
            "{}: the scheduler counted {counted}, {n} played in full",
            c.id
        );
    }
}

#[test]
fn a_spot_across_midnight_keeps_the_date_it_started_with() {
    let pl = parse(
        r#"
government_floor = 0.3

[defaults]
dwell_s = 25

[[item]]
id = "gov"
text = "政务公开"

[[campaign]]
id = "c"
advertiser = "甲"
contract = "C1"
start_date = "2026-12-01"
end_date = "2026-12-31"
share = 0.5

  [[campaign.item]]
  id = "ad"
  text = "{date}特惠"
"#,
        "ads.toml",
    )
    .unwrap();
    let (cal, tz) = (Calendar::builtin(), tz());
    let inp = Inputs {
        playlist: &pl,
        calendar: &cal,
        tz: &tz,
        announcements: &[],
        clock_trusted: true,
    };
    let midnight = at("2026-12-05T00:00:00");
    let mut straddled = 0;
    // Start at several phases, so that some spot is on the glass at midnight.
    for offset in (0..50).step_by(7) {
        let mut s = Scheduler::new();
        let mut now = at("2026-12-04T23:50:00") + jiff::SignedDuration::from_secs(offset);
        while now < at("2026-12-05T00:05:00") {
            let plan = s.step(&inp, now, &|_| 1);
            if let Some(sh) = &plan.showing
                && sh.content.key == (ContentKey::Item { id: "ad".into() })
            {
                let started = sh.since.to_zoned(tz.clone()).date();
                let want = format!("{}年{}月{}日特惠", started.year(), started.month(), started.day());
                assert_eq!(sh.content.text, want, "at {now}, a spot that started {}", sh.since);
                if sh.since < midnight && now >= midnight {
                    straddled += 1;
                }
            }
            now = plan.next_change.max(now + jiff::SignedDuration::from_millis(1));
        }
    }
    assert!(
        straddled > 0,
        "no spot was on the glass across midnight: the test proves nothing"
    );
}

/// Issue #32, point 4: a target with a wrong value is one problem with one message, at the
/// value; the campaign is not also told it has no target.
#[test]
fn a_wrong_target_value_gets_exactly_one_message() {
    let campaign = |target: &str| {
        format!(
            "[[item]]\nid = \"a\"\ntext = \"政务\"\n\n[[campaign]]\nid = \"x\"\nadvertiser = \"甲\"\ncontract = \"C1\"\n\
             start_date = \"2026-12-01\"\nend_date = \"2026-12-31\"\n{target}\n  [[campaign.item]]\n  id = \"x-1\"\n  text = \"广告\"\n"
        )
    };
    for (target, message) in [
        ("share = -0.2", "ads.toml:11:9: share must be above 0 and below 1"),
        ("share = 0", "ads.toml:11:9: share must be above 0 and below 1"),
        ("share = 1.5", "ads.toml:11:9: share must be above 0 and below 1"),
        ("share = \"20%\"", "ads.toml:11:9: "),
        (
            "plays_per_hour = 0",
            "ads.toml:11:18: plays_per_hour = 0 must be 1 to 3600",
        ),
        (
            "plays_per_day = 0",
            "ads.toml:11:17: plays_per_day = 0 must be 1 to 86400",
        ),
    ] {
        let err = parse(&campaign(target), "ads.toml").unwrap_err();
        let all: Vec<String> = err.diagnostics().iter().map(ToString::to_string).collect();
        assert_eq!(all.len(), 1, "{target}: {all:#?}");
        assert!(all[0].starts_with(message), "{target}: {all:#?}");
        assert!(!all[0].contains("needs one target"), "{target}: {all:#?}");
    }
    // With no target at all, that is the message, at the [[campaign]] line.
    let err = parse(&campaign(""), "ads.toml").unwrap_err();
    let all: Vec<String> = err.diagnostics().iter().map(ToString::to_string).collect();
    assert_eq!(all.len(), 1, "{all:#?}");
    assert!(all[0].starts_with("ads.toml:5:1:"), "{all:#?}");
}
