//! Emergency warnings without a broker: the fixtures (modelled on the CAP 1.2 specification's
//! examples, and a 夷陵区 rainstorm warning in CAP and in the national format) read and judged;
//! chains of Alert, Update and Cancel in every order of arrival; hostile documents; SM2 keys.

use jiff::{SignedDuration, Timestamp};
use pinghu::alerts::cap::{Format, MsgType, Severity, Status, Urgency};
use pinghu::alerts::{AlertConfig, Judgement, read};
use pinghu::daemon::alert_ingest::apply_alert;
use pinghu::daemon::envelope::{Keyring, Verified, keygen_sm2, sign, verify};
use pinghu::daemon::store::{AnnState, State};
use pinghu_playlists::{Color, Priority};
use proptest::strategy::Strategy as _;

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/tests/alerts/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn yiling() -> AlertConfig {
    AlertConfig {
        geocodes: vec!["420506".into()],
        location: Some((30.77, 111.33)),
        ..AlertConfig::default()
    }
}

#[test]
fn the_specifications_examples_are_read() {
    let t = read(&fixture("oasis-thunderstorm.xml"), Format::Cap).unwrap();
    assert_eq!(
        (t.identifier.as_str(), t.sender.as_str()),
        ("KSTO1055887203", "KSTO@NWS.NOAA.GOV")
    );
    assert_eq!(t.sent, "2003-06-17T21:57:00Z".parse::<Timestamp>().unwrap());
    assert_eq!((t.status, t.msg_type), (Status::Actual, MsgType::Alert));
    let i = &t.infos[0];
    assert_eq!((i.severity, i.urgency), (Severity::Severe, Urgency::Immediate));
    assert_eq!(i.areas[0].polygons[0].len(), 5);
    assert_eq!(i.areas[0].geocodes[0], ("SAME".into(), "006109".into()));

    let q = read(&fixture("oasis-earthquake.xml"), Format::Cap).unwrap();
    assert_eq!(q.msg_type, MsgType::Update);
    assert_eq!(q.references[0].identifier, "TRI13970876.1");
    assert_eq!(q.references[0].sender.as_deref(), Some("trinet@caltech.edu"));
    assert_eq!(q.infos[0].areas[0].circles[0], ((32.9525, -115.5527), 0.0));

    let a = read(&fixture("oasis-amber.xml"), Format::Cap).unwrap();
    assert_eq!(a.infos[0].event, "Child Abduction", "cap:-prefixed elements");
    // None of them is for a board in 夷陵区.
    for alert in [&t, &a] {
        match yiling().judge(alert, "x", 1) {
            Judgement::Refuse(why) => assert!(why.to_string().starts_with("not our area"), "{why}"),
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn a_rainstorm_warning_in_both_formats_and_two_languages() {
    let cap = read(&fixture("yiling-rainstorm.cap.xml"), Format::Cap).unwrap();
    let gbt = read(&fixture("yiling-rainstorm.gbt.xml"), Format::Gbt35965).unwrap();
    assert_eq!(gbt.sender, "42050641600000", "the issuer code of the identifier");
    assert_eq!(gbt.sent, cap.sent, "sendTime in the national time form");
    assert_eq!(gbt.infos[0].severity, Severity::Extreme, "红色");
    assert_eq!(gbt.infos[0].event_code.as_deref(), Some("11B03"));
    for alert in [&cap, &gbt] {
        let Judgement::Show(a, _) = yiling().judge(alert, "alert-1", 7) else {
            panic!()
        };
        assert_eq!(a.title, "暴雨红色预警");
        assert!(
            a.body.starts_with("宜昌市气象台发布暴雨红色预警信号 停止户外作业"),
            "{}",
            a.body
        );
        assert_eq!((a.priority, a.color), (Priority::Emergency, Some(Color::Red)));
        assert_eq!(a.valid_until, Some("2026-07-01T10:00:00Z".parse().unwrap()));
    }
    // An English board picks the English block.
    let english = AlertConfig {
        languages: vec!["en".into()],
        ..yiling()
    };
    let Judgement::Show(a, _) = english.judge(&cap, "alert-1", 7) else {
        panic!()
    };
    assert_eq!(a.body, "Red rainstorm warning for Yiling District");
    // The city's code matches a board in the district; another district's does not.
    let doc = String::from_utf8(fixture("yiling-rainstorm.gbt.xml")).unwrap();
    let city = read(
        doc.replace("<geocode>420506", "<geocode>420500").as_bytes(),
        Format::Gbt35965,
    )
    .unwrap();
    assert!(matches!(yiling().judge(&city, "a", 1), Judgement::Show(..)));
    let other = read(
        doc.replace("<geocode>420506", "<geocode>420502").as_bytes(),
        Format::Gbt35965,
    )
    .unwrap();
    assert!(matches!(yiling().judge(&other, "a", 1), Judgement::Refuse(_)));
}

/// A CAP message of the chain `REF0 → …`: `n` is its number, `kind` its type, `refs` the
/// earlier numbers it references.
fn chain_msg(n: u32, kind: &str, refs: &[u32], extra: &str) -> Vec<u8> {
    let sent = |k: u32| format!("2026-07-01T06:{:02}:00+08:00", k * 10);
    let references = if refs.is_empty() {
        String::new()
    } else {
        let r: Vec<String> = refs.iter().map(|k| format!("hbqx,YL-{k},{}", sent(*k))).collect();
        format!("<references>{}</references>", r.join(" "))
    };
    let info = if kind == "Cancel" {
        String::new()
    } else {
        format!(
            "<info><language>zh-CN</language><event>暴雨</event><urgency>Immediate</urgency><severity>Severe</severity>\
             <certainty>Likely</certainty><expires>2026-07-01T20:00:00+08:00</expires><headline>第{n}次发布 {extra}</headline>\
             <area><areaDesc>夷陵区</areaDesc><geocode><valueName>GB/T 2260</valueName><value>420506</value></geocode></area></info>"
        )
    };
    format!(
        "<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\"><identifier>YL-{n}</identifier><sender>hbqx</sender>\
         <sent>{}</sent><status>Actual</status><msgType>{kind}</msgType><scope>Public</scope>{references}{info}</alert>",
        sent(n)
    )
    .into_bytes()
}

fn deliver(state: &mut State, doc: &[u8]) -> Vec<(String, Option<String>)> {
    deliver_at(state, doc, "2026-07-01T07:00:00+08:00".parse().unwrap())
}

fn deliver_at(state: &mut State, doc: &[u8], now: Timestamp) -> Vec<(String, Option<String>)> {
    let alert = read(doc, Format::Cap).unwrap();
    let sha = pinghu::daemon::ingest::sha256_hex(doc);
    apply_alert(state, &alert, &yiling(), ("portal", "sig"), (&sha, &sha), now)
        .receipts
        .into_iter()
        .map(|r| (r.event.to_string(), r.reason.as_ref().map(ToString::to_string)))
        .collect()
}

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

#[test]
fn alert_update_update_cancel_in_order() {
    let mut s = State::default();
    let msgs = [
        chain_msg(1, "Alert", &[], ""),
        chain_msg(2, "Update", &[1], "加强"),
        chain_msg(3, "Update", &[1, 2], "继续"),
        chain_msg(4, "Cancel", &[1, 2, 3], ""),
    ];
    assert_eq!(deliver(&mut s, &msgs[0])[0].0, "accepted");
    let r = deliver(&mut s, &msgs[1]);
    assert_eq!(
        r.iter().map(|x| x.0.as_str()).collect::<Vec<_>>(),
        ["accepted", "updated"]
    );
    assert_eq!(s.announcements.len(), 1, "replaced in place");
    assert!(summary(&s)[0].3.contains("第2次发布"));
    deliver(&mut s, &msgs[2]);
    let r = deliver(&mut s, &msgs[3]);
    assert_eq!(
        r.iter().map(|x| x.0.as_str()).collect::<Vec<_>>(),
        ["accepted", "cancelled"]
    );
    assert_eq!(summary(&s)[0].2, AnnState::Revoked);
    // A late original after the cancel never shows; the same message again is a duplicate.
    let r = deliver(&mut s, &msgs[0]);
    assert_eq!(r[0].0, "rejected");
    assert!(r[0].1.as_deref().unwrap().starts_with("duplicate"), "{r:?}");
    let mut fresh = State::default();
    deliver(&mut fresh, &msgs[3]);
    let r = deliver(&mut fresh, &msgs[0]);
    assert_eq!(r[0].0, "rejected");
    assert!(
        r[0].1.as_deref().unwrap().contains("was cancelled"),
        "the cancel's tombstone refuses it: {r:?}"
    );
    assert!(fresh.announcements.is_empty());
}

#[test]
fn a_finished_chain_is_forgotten_after_a_month_and_a_late_copy_still_never_shows() {
    let mut s = State::default();
    for (n, kind, refs) in [
        (1, "Alert", &[][..]),
        (2, "Update", &[1][..]),
        (3, "Cancel", &[1, 2][..]),
    ] {
        deliver(&mut s, &chain_msg(n, kind, refs, ""));
    }
    assert_eq!(s.alert_keys.len(), 3);
    let t0: Timestamp = "2026-07-01T07:00:00+08:00".parse().unwrap();
    assert_eq!(
        pinghu::daemon::retention::prune(&mut s, t0 + SignedDuration::from_hours(24 * 29)),
        0
    );
    assert_eq!(s.alert_keys.len(), 3, "kept while the cancelled warning is remembered");
    let later = t0 + SignedDuration::from_hours(24 * 31);
    assert_eq!(pinghu::daemon::retention::prune(&mut s, later), 1);
    assert!(
        s.alert_keys.is_empty(),
        "the state does not grow with every warning ever received"
    );
    // A copy of the original arriving now: the same chain, its revision a replay; never shown.
    let r = deliver_at(&mut s, &chain_msg(1, "Alert", &[], ""), later);
    assert_eq!(r[0].0, "rejected", "{r:?}");
    assert!(s.active().is_empty());
}

proptest::proptest! {
    #[test]
    fn every_order_of_a_four_message_chain_ends_as_in_order(order in proptest::sample::subsequence(vec![0usize, 1, 2, 3], 4).prop_shuffle()) {
        let msgs = [
            chain_msg(1, "Alert", &[], ""),
            chain_msg(2, "Update", &[1], "加强"),
            chain_msg(3, "Update", &[1, 2], "继续"),
            chain_msg(4, "Update", &[1, 2, 3], "最终"),
        ];
        let mut in_order = State::default();
        for m in &msgs {
            deliver(&mut in_order, m);
        }
        let mut shuffled = State::default();
        for i in &order {
            deliver(&mut shuffled, &msgs[*i]);
        }
        proptest::prop_assert_eq!(summary(&shuffled), summary(&in_order));
        proptest::prop_assert!(summary(&in_order)[0].3.contains("第4次发布"));
    }
}

#[test]
fn every_order_of_a_chain_ending_in_a_cancel_ends_cancelled() {
    let msgs = [
        chain_msg(1, "Alert", &[], ""),
        chain_msg(2, "Update", &[1], "加强"),
        chain_msg(3, "Update", &[1, 2], "继续"),
        chain_msg(4, "Cancel", &[1, 2, 3], ""),
    ];
    let mut perms = vec![vec![0usize, 1, 2, 3]];
    // All 24 orders (Heap's algorithm would do; 4! is small enough to enumerate by hand).
    let mut all = Vec::new();
    for a in 0..4 {
        for b in 0..4 {
            for c in 0..4 {
                for d in 0..4 {
                    let p = vec![a, b, c, d];
                    let mut q = p.clone();
                    q.sort_unstable();
                    if q == [0, 1, 2, 3] {
                        all.push(p);
                    }
                }
            }
        }
    }
    perms.extend(all);
    for p in perms {
        let mut s = State::default();
        for i in &p {
            deliver(&mut s, &msgs[*i]);
        }
        let sum = summary(&s);
        assert!(
            sum.is_empty() || (sum.len() == 1 && sum[0].2 == AnnState::Revoked),
            "order {p:?}: {sum:?}"
        );
        assert!(
            s.announcements.values().all(|r| r.state != AnnState::Active),
            "order {p:?}"
        );
    }
}

#[test]
fn status_scope_and_thresholds_decide_before_the_glass() {
    let doc = String::from_utf8(fixture("yiling-rainstorm.cap.xml")).unwrap();
    let judge = |d: &str, cfg: &AlertConfig| cfg.judge(&read(d.as_bytes(), Format::Cap).unwrap(), "a", 1);
    let why = |j: Judgement| match j {
        Judgement::Refuse(w) => w.to_string(),
        other => panic!("{other:?}"),
    };
    let exercise = doc.replace("<status>Actual", "<status>Exercise");
    assert!(why(judge(&exercise, &yiling())).starts_with("exercise"));
    let shown = AlertConfig {
        show_exercises: true,
        ..yiling()
    };
    let Judgement::Show(a, _) = judge(&exercise, &shown) else {
        panic!()
    };
    assert!(a.title.starts_with("演练 "));
    assert!(why(judge(&doc.replace("<status>Actual", "<status>Draft"), &yiling())).starts_with("draft"));
    assert!(why(judge(&doc.replace("<scope>Public", "<scope>Restricted"), &yiling())).contains("only Public"));
    let strict = AlertConfig {
        min_severity: Severity::Extreme,
        ..yiling()
    };
    let minor = doc.replace("<severity>Extreme", "<severity>Minor");
    assert!(why(judge(&minor, &strict)).starts_with("below threshold"));
    let sure = AlertConfig {
        min_certainty: pinghu::alerts::cap::Certainty::Observed,
        ..yiling()
    };
    assert!(
        why(judge(&doc, &sure)).starts_with("below threshold"),
        "Likely is below Observed"
    );
    let unsure = doc.replace("<certainty>Likely</certainty>", "");
    assert!(
        matches!(judge(&unsure, &sure), Judgement::Show(..)),
        "no certainty sent: not held back"
    );
    // No <expires>: the configured lifetime.
    let open = doc.replace("<expires>2026-07-01T18:00:00+08:00</expires>", "");
    let Judgement::Show(a, _) = judge(&open, &yiling()) else {
        panic!()
    };
    assert_eq!(
        a.valid_until,
        Some("2026-07-01T06:00:00+08:00".parse::<Timestamp>().unwrap() + SignedDuration::from_hours(6))
    );
    // A polygon just out of reach of the board, and no code: not ours.
    let far = doc
        .replace(
            "<geocode><valueName>GB/T 2260</valueName><value>420506</value></geocode>",
            "",
        )
        .replace(
            "30.60,111.10 30.60,111.60 31.10,111.60 31.10,111.10 30.60,111.10",
            "30.60,111.34 30.60,111.60 31.10,111.60 31.10,111.34 30.60,111.34",
        );
    assert!(why(judge(&far, &yiling())).starts_with("not our area"));
    let near = far.replace("111.34", "111.32");
    assert!(matches!(judge(&near, &yiling()), Judgement::Show(..)), "just in");
    // A circle 5 km east of the board: a radius just over reaches it, just under does not.
    let centre = (30.77, 111.33 + 5.0 / (111.32 * 30.77f64.to_radians().cos()));
    let d = pinghu::alerts::rules::distance_km((30.77, 111.33), centre);
    assert!((d - 5.0).abs() < 0.01, "{d}");
    let circle = |r: f64| {
        far.replace(
            "<polygon>30.60,111.34 30.60,111.60 31.10,111.60 31.10,111.34 30.60,111.34</polygon>",
            &format!("<circle>{},{} {r}</circle>", centre.0, centre.1),
        )
    };
    assert!(
        matches!(judge(&circle(5.05), &yiling()), Judgement::Show(..)),
        "just in"
    );
    assert!(
        why(judge(&circle(4.95), &yiling())).starts_with("not our area"),
        "just out"
    );
}

#[test]
fn hostile_documents_are_refused_with_reasons() {
    for (doc, why) in [
        ("<alert><identifier>x".to_owned(), "ends inside"),
        (
            "<?xml version=\"1.0\"?><!DOCTYPE a [<!ENTITY a \"aaaa\"><!ENTITY b \"&a;&a;&a;\">]><alert>&b;</alert>"
                .to_owned(),
            "DOCTYPE",
        ),
        ("<alert>".to_owned() + &"<x>".repeat(10_000), "deeper"),
        ("x".repeat(10 * 1024 * 1024), "KiB limit"),
        ("<notcap/>".to_owned(), "not <alert>"),
    ] {
        let e = read(doc.as_bytes(), Format::Cap).unwrap_err().to_string();
        assert!(e.contains(why), "{why}: {e}");
    }
}

#[test]
fn an_sm2_signed_warning_is_accepted_and_a_forged_one_refused() {
    let (secret, public) = keygen_sm2().unwrap();
    let mut keys = Keyring::default();
    keys.add("hbqx-sm2", &public).unwrap();
    let doc = fixture("yiling-rainstorm.gbt.xml");
    let mut env = sign(&doc, "hbqx-sm2", &secret).unwrap();
    env.content_type = Some("application/gbt35965+xml".into());
    let bytes = serde_json::to_vec(&env).unwrap();
    let (v, payload) = verify(&bytes, &keys).unwrap();
    assert_eq!(payload, doc, "the signature is over the exact XML bytes");
    assert!(matches!(v, Verified::Alert { .. }));
    // The same document altered by one byte: refused.
    let mut forged = env.clone();
    let mut altered = doc.clone();
    let i = altered.len() / 2;
    altered[i] ^= 1;
    forged.payload = base64_encode(&altered);
    let r = verify(&serde_json::to_vec(&forged).unwrap(), &keys).unwrap_err();
    assert!(
        r.reason.to_string().contains("does not verify with key \"hbqx-sm2\""),
        "{}",
        r.reason
    );
    // An unknown content type is named.
    let mut odd = env;
    odd.content_type = Some("text/xml".into());
    let r = verify(&serde_json::to_vec(&odd).unwrap(), &keys).unwrap_err();
    assert!(
        r.reason.to_string().contains("content_type \"text/xml\" is not known"),
        "{}",
        r.reason
    );
    let refused = keys.clone().add("bad", "sm2:AAAA").unwrap_err();
    assert!(
        matches!(&refused, pinghu::daemon::envelope::KeyError::Sm2Public { key_id } if key_id == "bad"),
        "{refused:?}"
    );
    assert!(refused.to_string().contains("not an SM2 public key"), "{refused}");
}

fn base64_encode(b: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(b)
}
