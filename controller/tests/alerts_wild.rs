//! Warnings as real platforms send them (issue #31), without a broker: the national format with
//! several `<info>` blocks, 12-digit area codes, empty shapes and code-only event types; Updates
//! without references; Cancels of warnings never had; refusals while reading that name the
//! message; and chains whose messages reference only the one before, delivered in every order.

use pinghu::alerts::cap::{Format, Severity};
use pinghu::alerts::{AlertConfig, Judgement, read};
use pinghu::daemon::alert_ingest::apply_alert;
use pinghu::daemon::envelope::{Keyring, keygen, sign, verify};
use pinghu::daemon::ingest::{refused, sha256_hex};
use pinghu::daemon::store::{AnnState, State};
use pinghu_playlists::Color;
use proptest::strategy::Strategy as _;

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!("{}/tests/alerts/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

/// A board in 夷陵区, configured with `code`.
fn board(code: &str) -> AlertConfig {
    AlertConfig {
        geocodes: vec![code.into()],
        ..AlertConfig::default()
    }
}

fn shown(cfg: &AlertConfig, doc: &str) -> pinghu_playlists::Announcement {
    match cfg.judge(&read(doc.as_bytes(), Format::Gbt35965).unwrap(), "a", 1) {
        Judgement::Show(a, notes) => {
            assert!(notes.is_empty(), "{notes:?}");
            *a
        }
        other => panic!("{other:?}"),
    }
}

fn refused_why(cfg: &AlertConfig, doc: &str) -> String {
    match cfg.judge(&read(doc.as_bytes(), Format::Gbt35965).unwrap(), "a", 1) {
        Judgement::Refuse(why) => why.to_string(),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_city_warning_with_a_block_per_county_shows_the_most_severe_block_for_this_board() {
    let doc = fixture("yichang-rainstorm-counties.gbt.xml");
    let alert = read(doc.as_bytes(), Format::Gbt35965).unwrap();
    assert_eq!(alert.sender, "42050041600000", "the issuer code of the identifier");
    assert_eq!(alert.infos.len(), 3);
    for info in &alert.infos {
        let area = &info.areas[0];
        assert!(
            area.polygons.is_empty() && area.circles.is_empty(),
            "empty shapes are absent: {area:?}"
        );
        assert_eq!((info.event.as_str(), info.event_code.as_deref()), ("", Some("11B03")));
    }
    // 夷陵区: the city's yellow block and its own orange one apply; orange is the more severe.
    let a = shown(&board("420506"), &doc);
    assert_eq!(a.title, "暴雨橙色预警", "named from the code, not 11B03橙色预警");
    assert!(a.body.starts_with("夷陵区发布暴雨橙色预警信号"), "{}", a.body);
    assert_eq!(a.color, Some(Color::Yellow));
    // 当阳市: its red block; 西陵区: only the city's yellow one.
    let a = shown(&board("420582"), &doc);
    assert_eq!((a.title.as_str(), a.color), ("暴雨红色预警", Some(Color::Red)));
    let a = shown(&board("420502"), &doc);
    assert_eq!(a.title, "暴雨黄色预警");
    assert!(a.body.starts_with("宜昌市气象台发布暴雨黄色预警信号"), "{}", a.body);
    // Another city: no block is for it, and the refusal names every area judged.
    let why = refused_why(&board("420602"), &doc);
    assert_eq!(
        why,
        "not our area: 宜昌市、当阳市、夷陵区 does not include this board (alerts.geocodes, alerts.location)"
    );
    // A block for this board that is below the thresholds does not hide another that is not.
    let strict = AlertConfig {
        min_severity: Severity::Severe,
        ..board("420506")
    };
    assert_eq!(shown(&strict, &doc).title, "暴雨橙色预警");
    let stricter = AlertConfig {
        min_severity: Severity::Extreme,
        ..board("420506")
    };
    assert!(
        refused_why(&stricter, &doc).starts_with("below threshold: Severe / Immediate / Likely"),
        "the most severe block for this board is the one named"
    );
}

#[test]
fn area_codes_of_six_nine_and_twelve_digits_match_in_the_message_and_the_configuration() {
    let doc = fixture("yichang-rainstorm-counties.gbt.xml");
    let only_province = doc
        .replace("420500000000", "420000000000")
        .replace("420506000000", "420599000000");
    // The case: a whole-province code and a board configured with its county.
    assert_eq!(shown(&board("420506"), &only_province).title, "暴雨黄色预警");
    // A board configured with its township (9 or 12 digits) is inside the county and the city.
    for cfg in ["420506100", "420506100000"] {
        assert_eq!(shown(&board(cfg), &doc).title, "暴雨橙色预警", "{cfg}");
    }
    // A warning for one township of 夷陵区 is not for a board that knows only its county, and is
    // for a board in that township, whichever length either code has.
    let township = doc
        .replace("420500000000", "420599000000")
        .replace("420506000000", "420506100");
    assert!(refused_why(&board("420506"), &township).starts_with("not our area"));
    assert!(refused_why(&board("420506101000"), &township).starts_with("not our area"));
    assert_eq!(shown(&board("420506100000"), &township).title, "暴雨橙色预警");
    assert_eq!(shown(&board("420506100201"), &township).title, "暴雨橙色预警");
}

const AT: &str = "2026-07-01T06:00:00+08:00";

fn deliver(state: &mut State, cfg: &AlertConfig, doc: &str, format: Format) -> Vec<(String, Option<String>)> {
    let alert = read(doc.as_bytes(), format).unwrap();
    let sha = sha256_hex(doc.as_bytes());
    apply_alert(state, &alert, cfg, ("portal", "sig"), (&sha, &sha), AT.parse().unwrap())
        .receipts
        .into_iter()
        .map(|r| (r.event.to_string(), r.reason.as_ref().map(ToString::to_string)))
        .collect()
}

#[test]
fn an_event_code_not_in_the_table_shows_as_the_code_and_the_receipt_says_so() {
    // 11B58: well-formed, but past the platform numbers this board's table confirms.
    let doc = fixture("yichang-rainstorm-counties.gbt.xml").replace("11B03", "11B58");
    let mut s = State::default();
    let r = deliver(&mut s, &board("420506"), &doc, Format::Gbt35965);
    assert_eq!(r[0].0, "accepted");
    assert_eq!(
        r[0].1.as_deref(),
        Some(
            "event type \"11B58\" is not in this board's GB/T 35561 table and the message has no <event>: the board \
             shows the code (send <event> with the name)"
        )
    );
    assert_eq!(s.active()[0].title, "11B58橙色预警");
    // With <event> text the text is shown, and nothing needs saying.
    let named = doc.replace(
        "<eventType>11B58</eventType>",
        "<eventType>11B58</eventType><event>强降雨</event>",
    );
    let a = shown(&board("420506"), &named);
    assert_eq!(a.title, "强降雨橙色预警");
}

#[test]
fn code_only_warnings_of_every_category_show_the_events_name_and_say_nothing_of_it() {
    let doc = fixture("yiling-landslide.gbt.xml");
    let alert = read(doc.as_bytes(), Format::Gbt35965).unwrap();
    assert_eq!(
        (alert.infos[0].event.as_str(), alert.infos[0].event_code.as_deref()),
        ("", Some("11D01"))
    );
    let mut s = State::default();
    let r = deliver(&mut s, &board("420506"), &doc, Format::Gbt35965);
    assert_eq!(r[0].0, "accepted");
    assert!(
        r[0].1.as_deref().is_none_or(|why| !why.contains("GB/T 35561")),
        "a code in the table needs no word in the receipt: {r:?}"
    );
    assert_eq!(
        s.active()[0].title,
        "滑坡橙色预警",
        "named from the code, not 11D01橙色预警"
    );
    // The same message with the codes of other classes and categories.
    for (code, title) in [
        ("11D00", "地质灾害橙色预警"),
        ("11D02", "泥石流橙色预警"),
        ("11G01", "境内森林火灾橙色预警"),
        ("11G05", "境内草原火灾橙色预警"),
        ("11A51", "山洪灾害橙色预警"),
        ("11B37", "地质灾害气象风险橙色预警"),
        ("12D02", "危险化学品泄漏事故橙色预警"),
        ("13A02", "霍乱流行橙色预警"),
        ("14F01", "袭击公共聚集场所橙色预警"),
    ] {
        let a = shown(&board("420506"), &doc.replace("11D01", code));
        assert_eq!(a.title, title, "{code}");
    }
    // A CAP <eventCode> carrying the code names the event the same way.
    let cap = doc.replace(
        "<eventType>11D01</eventType>",
        "<eventCode><valueName>GB/T 35561</valueName><value>11G01</value></eventCode>",
    );
    assert_eq!(shown(&board("420506"), &cap).title, "境内森林火灾橙色预警");
}

#[test]
fn an_update_without_references_is_judged_as_a_new_warning() {
    let doc = fixture("yichang-rainstorm-counties.gbt.xml").replace("<msgType>Alert", "<msgType>Update");
    let mut s = State::default();
    let r = deliver(&mut s, &board("420506"), &doc, Format::Gbt35965);
    assert_eq!(
        r[0],
        (
            "accepted".to_owned(),
            Some("an Update that references nothing: judged as a new warning".to_owned())
        )
    );
    assert_eq!(s.active().len(), 1);
    // Judged like any other: not for a board elsewhere, and the receipt says both.
    let mut elsewhere = State::default();
    let r = deliver(&mut elsewhere, &board("420602"), &doc, Format::Gbt35965);
    assert_eq!(r[0].0, "rejected");
    let why = r[0].1.as_deref().unwrap();
    assert!(
        why.starts_with("an Update that references nothing: judged as a new warning; not our area: "),
        "{why}"
    );
}

#[test]
fn a_cancel_of_a_warning_never_had_is_ignored_and_refuses_the_warning_arriving_later() {
    let alert = fixture("yichang-rainstorm-counties.gbt.xml");
    let cancel = alert
        .replace("_07</identifier>", "_08</identifier>")
        .replace("<sendTime>2026-07-01 05:30:00", "<sendTime>2026-07-01 05:50:00")
        .replace(
            "<msgType>Alert</msgType>",
            "<msgType>Cancel</msgType><references>42050041600000_20260701053000_07</references>",
        );
    let cfg = board("420506");
    let mut s = State::default();
    let r = deliver(&mut s, &cfg, &cancel, Format::Gbt35965);
    assert_eq!(r.len(), 1, "{r:?}");
    assert_eq!(r[0].0, "ignored");
    assert_eq!(
        r[0].1.as_deref(),
        Some(
            "a Cancel of a warning this board has not received (42050041600000_20260701053000_07): nothing to take \
             off; kept, so the warning never shows if it arrives later"
        )
    );
    let r = deliver(&mut s, &cfg, &alert, Format::Gbt35965);
    assert_eq!(r[0].0, "rejected");
    assert!(r[0].1.as_deref().unwrap().contains("was cancelled"), "{r:?}");
    assert!(s.active().is_empty());
    // The tombstone outlives the pruning of finished warnings while it is recent.
    let mut pruned = State::default();
    deliver(&mut pruned, &cfg, &cancel, Format::Gbt35965);
    pinghu::daemon::retention::prune(&mut pruned, "2026-07-20T00:00:00+08:00".parse().unwrap());
    let r = deliver(&mut pruned, &cfg, &alert, Format::Gbt35965);
    assert_eq!(r[0].0, "rejected", "{r:?}");
    assert!(pruned.active().is_empty());
}

#[test]
fn a_refusal_while_reading_names_the_message_when_it_could_be_read() {
    let (secret, public) = keygen().unwrap();
    let mut keys = Keyring::default();
    keys.add("hbqx", &public).unwrap();
    let bad = fixture("yichang-rainstorm-counties.gbt.xml").replacen("<severity>Yellow", "<severity>紫色", 1);
    let mut env = sign(bad.as_bytes(), "hbqx", &secret).unwrap();
    env.content_type = Some("application/gbt35965+xml".into());
    let bytes = serde_json::to_vec(&env).unwrap();
    let refusal = verify(&bytes, &keys).unwrap_err();
    let receipt = &refused(&refusal, &bytes, AT.parse().unwrap()).receipts[0];
    assert_eq!(receipt.event, "rejected");
    assert_eq!(
        receipt.reason.as_ref().map(ToString::to_string).as_deref(),
        Some("application/gbt35965+xml: <severity> \"紫色\" is not a known value")
    );
    assert_eq!(receipt.identifier.as_deref(), Some("42050041600000_20260701053000_07"));
    assert_eq!(receipt.sender.as_deref(), Some("42050041600000"), "the issuer code");
    assert_eq!((receipt.id.as_deref(), receipt.claimed_id.as_deref()), (None, None));
    // Nothing to name when the document is not XML at all.
    let mut junk = sign(b"<alert><identifier>x", "hbqx", &secret).unwrap();
    junk.content_type = Some("application/cap+xml".into());
    let bytes = serde_json::to_vec(&junk).unwrap();
    let receipt = &refused(&verify(&bytes, &keys).unwrap_err(), &bytes, AT.parse().unwrap()).receipts[0];
    assert_eq!((receipt.identifier.as_deref(), receipt.sender.as_deref()), (None, None));
}

/// Message `n` (1-based) of a chain of `len`: the first an Alert, the last `last` (`Update` or
/// `Cancel`), the others Updates. `one_back`: each references only the one before, in the
/// national format's bare form; otherwise each references all earlier ones, in CAP's form.
fn chain_msg(n: usize, len: usize, last: &str, one_back: bool) -> (String, Format) {
    let kind = match n {
        1 => "Alert",
        n if n == len => last,
        _ => "Update",
    };
    let ident = |k: usize| format!("42050641600000_202607010{k}0000_01");
    let info = if kind == "Cancel" {
        String::new()
    } else {
        format!(
            "<info><language>zh-CN</language><eventType>11B03</eventType><urgency>Immediate</urgency>\
             <severity>橙色</severity><certainty>Likely</certainty><expires>2026-07-01 20:00:00+08:00</expires>\
             <headline>第{n}次发布</headline><area><areaDesc>夷陵区</areaDesc><polygon/>\
             <geocode>420506000000</geocode></area></info>"
        )
    };
    if one_back {
        let refs = if n == 1 {
            String::new()
        } else {
            format!("<references>{}</references>", ident(n - 1))
        };
        let doc = format!(
            "<alert><identifier>{}</identifier><sendTime>2026-07-01 0{n}:00:00+08:00</sendTime><status>Actual</status>\
             <msgType>{kind}</msgType><scope>Public</scope>{refs}{info}</alert>",
            ident(n)
        );
        (doc, Format::Gbt35965)
    } else {
        let refs: Vec<String> = (1..n)
            .map(|k| format!("42050641600000,{},2026-07-01T0{k}:00:00+08:00", ident(k)))
            .collect();
        let refs = if refs.is_empty() {
            String::new()
        } else {
            format!("<references>{}</references>", refs.join(" "))
        };
        let doc = format!(
            "<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\"><identifier>{}</identifier>\
             <sender>42050641600000</sender><sent>2026-07-01T0{n}:00:00+08:00</sent><status>Actual</status>\
             <msgType>{kind}</msgType><scope>Public</scope>{refs}{}</alert>",
            ident(n),
            info.replace("<polygon/>", "")
                .replace(
                    "<geocode>420506000000</geocode>",
                    "<geocode><valueName>GB/T 2260</valueName><value>420506000000</value></geocode>"
                )
                .replace("2026-07-01 20:00:00+08:00", "2026-07-01T20:00:00+08:00")
        );
        (doc, Format::Cap)
    }
}

/// What the store holds: (id, revision, state, body) of every announcement.
fn summary(s: &State) -> Vec<(String, u64, AnnState, String)> {
    s.announcements
        .values()
        .map(|r| {
            (
                r.announcement.id.clone(),
                r.announcement.revision,
                r.state,
                r.announcement.body.clone(),
            )
        })
        .collect()
}

/// Deliver the chain of `len` in `order` (indices, repeats allowed) and check the end state
/// against delivery in order.
fn check_order(len: usize, last: &str, one_back: bool, order: &[usize]) {
    let cfg = board("420506");
    let msgs: Vec<(String, Format)> = (1..=len).map(|n| chain_msg(n, len, last, one_back)).collect();
    let mut in_order = State::default();
    for (doc, f) in &msgs {
        deliver(&mut in_order, &cfg, doc, *f);
    }
    let mut s = State::default();
    let what = format!("{len} messages, last {last}, one_back {one_back}, order {order:?}");
    let mut cancelled = false;
    for i in order {
        let (doc, f) = &msgs[*i];
        let receipts = deliver(&mut s, &cfg, doc, *f);
        // Once the Cancel is in, a warning that a late message joins to its chain is cancelled,
        // never `updated` for the join (a platform counting `cancelled` receipts must see each
        // warning the Cancel ended). Exact for chains whose messages name every earlier one (the
        // Cancel is joined to all of them when it arrives); the one-back order of the outside try
        // is the test below.
        if cancelled && !one_back {
            let joined_as_update = |(event, why): &(String, Option<String>)| {
                matches!(event.as_str(), "superseded" | "updated")
                    && why.as_deref().is_some_and(|w| w.contains("joined it"))
            };
            assert!(!receipts.iter().any(joined_as_update), "{what}: {receipts:?}");
        }
        cancelled |= last == "Cancel" && *i == len - 1;
    }
    if last == "Cancel" {
        assert!(
            s.active().is_empty(),
            "cancelled, whatever the order: {what}\n{:?}",
            summary(&s)
        );
        // The chain is over: a new message referencing any of its messages never shows.
        let (late, f) = chain_msg(len + 1, len + 2, "Update", one_back);
        // One-back: it names the chain's first message, not its last.
        let late = late.replace(
            &format!("_202607010{len}0000_01</references>"),
            "_20260701010000_01</references>",
        );
        let r = deliver(&mut s, &cfg, &late, f);
        assert_eq!(r[0].0, "rejected", "{what}: {r:?}");
        assert!(s.active().is_empty(), "{what}");
    } else {
        assert_eq!(summary(&s), summary(&in_order), "{what}");
        let active = s.active();
        assert_eq!(active.len(), 1, "{what}");
        assert!(
            active[0].body.starts_with(&format!("第{len}次发布")),
            "the newest shows: {what}"
        );
        assert_eq!(active[0].title, "暴雨橙色预警");
    }
}

#[test]
fn a_warning_joined_to_a_cancelled_chain_is_said_cancelled_not_updated() {
    // From an outside try: A, then C (refs B), the Cancel (refs C), then B (refs A). B joins A
    // to the cancelled chain: A comes off as cancelled, by the Cancel.
    let cfg = board("420506");
    let msgs: Vec<(String, Format)> = (1..=4).map(|n| chain_msg(n, 4, "Cancel", true)).collect();
    let mut s = State::default();
    for i in [0, 2, 3] {
        deliver(&mut s, &cfg, &msgs[i].0, msgs[i].1);
    }
    assert_eq!(s.active().len(), 1, "A shows until B joins it to the cancelled chain");
    let r = deliver(&mut s, &cfg, &msgs[1].0, msgs[1].1);
    assert_eq!(r[0].0, "rejected", "{r:?}");
    let taken_off: Vec<&(String, Option<String>)> = r.iter().skip(1).collect();
    assert_eq!(taken_off.len(), 1, "{r:?}");
    assert_eq!(taken_off[0].0, "cancelled", "{r:?}");
    assert!(
        taken_off[0].1.as_deref().is_some_and(|w| w.contains("20260701040000")),
        "{r:?}"
    );
    assert!(s.active().is_empty());
}

fn permutations(n: usize) -> Vec<Vec<usize>> {
    if n == 0 {
        return vec![Vec::new()];
    }
    let mut out = Vec::new();
    for p in permutations(n - 1) {
        for at in 0..=p.len() {
            let mut q = p.clone();
            q.insert(at, n - 1);
            out.push(q);
        }
    }
    out
}

#[test]
fn every_order_of_every_chain_of_up_to_six_messages_ends_as_in_order() {
    let mut runs = 0;
    for len in 1..=6 {
        let perms = permutations(len);
        for one_back in [true, false] {
            for last in ["Update", "Cancel"] {
                if len == 1 && last == "Cancel" {
                    continue; // a chain's first message is its Alert
                }
                for p in &perms {
                    check_order(len, last, one_back, p);
                    runs += 1;
                }
            }
        }
    }
    assert_eq!(
        runs,
        2 * (1 + 2 * (2 + 6 + 24 + 120 + 720)),
        "every permutation was delivered"
    );
}

proptest::proptest! {
    /// Any order, with any message delivered again (a broker's redelivery, a relay's repeat).
    #[test]
    fn any_order_with_repeats_ends_as_in_order(
        len in 2usize..=6,
        one_back in proptest::bool::ANY,
        cancel in proptest::bool::ANY,
        order in proptest::collection::vec(0usize..6, 1..12),
        seed in proptest::sample::subsequence((0usize..6).collect::<Vec<_>>(), 6).prop_shuffle(),
    ) {
        // Every message at least once, in the shuffled order, then the repeats.
        let mut all: Vec<usize> = seed.into_iter().filter(|i| *i < len).collect();
        all.extend(order.into_iter().map(|i| i % len));
        check_order(len, if cancel { "Cancel" } else { "Update" }, one_back, &all);
    }
}
