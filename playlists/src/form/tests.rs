//! The form against playlists written by hand, comments and all.

use super::*;

/// A clerk's playlist as a technician left it: comments everywhere, a campaign and defaults the
/// form does not show, an item with a key the form does not know.
const HAND: &str = r#"# 夷陵区政务服务中心 — 大屏节目单
# 改动前请先在控制台“检查”。

[defaults]
font_size = 16   # 12, 16, 24 or 32
effect = "auto"

# 早上的欢迎词
[[item]]
id = "welcome"
text = "欢迎来到夷陵区政务服务中心"   # 不要改这句
days = ["mon", "tue", "wed", "thu", "fri"]
time = "08:00-18:00"
workdays_only = true

[[item]]
id = "hotline"
text = "政务服务热线：12345"
priority = 2        # the form does not edit this
dwell_s = 8

[[brightness]]
time = "06:00-19:00"
level = 15

[power]
on = "06:30"
off = "23:30"
"#;

#[test]
fn a_hand_written_playlist_reads_as_a_form_with_the_lines_of_its_fields() {
    let f = read(HAND).unwrap();
    assert_eq!(f.items.len(), 2);
    let w = &f.items[0];
    assert_eq!(
        (w.source, w.id.as_str(), w.time.as_str()),
        (Some(0), "welcome", "08:00-18:00")
    );
    assert_eq!(w.days, ["mon", "tue", "wed", "thu", "fri"]);
    assert!(w.workdays_only && !w.days_off_only);
    assert_eq!(w.lines[""], 9, "the [[item]] header");
    assert_eq!(w.lines["text"], 11);
    assert_eq!(w.lines["time"], 13);
    let h = &f.items[1];
    assert_eq!(
        h.kept.iter().collect::<Vec<_>>(),
        [(&"priority".to_owned(), &"2".to_owned())]
    );
    assert_eq!(h.dwell_s, Some(8));
    assert_eq!(
        f.brightness,
        [FormBrightness {
            source: Some(0),
            time: "06:00-19:00".into(),
            level: 15,
            line: 22
        }]
    );
    assert_eq!(
        f.power.as_ref().map(|p| (p.on.as_str(), p.off.as_str())),
        Some(("06:30", "23:30"))
    );
    assert_eq!(f.elsewhere, ["defaults"]);
}

#[test]
fn the_form_written_back_unchanged_is_the_same_text_byte_for_byte() {
    let f = read(HAND).unwrap();
    assert_eq!(write(HAND, &f).unwrap(), HAND);
    // Through JSON, as the browser sends it back (the read-only parts do not travel).
    let json = serde_json::to_string(&f).unwrap();
    let back: Form = serde_json::from_str(&json).unwrap();
    assert_eq!(write(HAND, &back).unwrap(), HAND);
}

#[test]
fn an_edit_changes_its_field_only_and_keeps_every_comment() {
    let mut f = read(HAND).unwrap();
    f.items[0].time = "09:00-17:30".into();
    f.items[0].days = Vec::new();
    f.items[1].dwell_s = Some(12);
    let out = write(HAND, &f).unwrap();
    assert!(out.contains("time = \"09:00-17:30\"\n"), "{out}");
    assert!(!out.contains("days ="), "an emptied field goes (every day): {out}");
    assert!(out.contains("dwell_s = 12\n"), "{out}");
    for kept in [
        "# 夷陵区政务服务中心 — 大屏节目单",
        "# 早上的欢迎词\n[[item]]",
        "text = \"欢迎来到夷陵区政务服务中心\"   # 不要改这句",
        "priority = 2        # the form does not edit this",
        "font_size = 16   # 12, 16, 24 or 32",
    ] {
        assert!(out.contains(kept), "lost {kept:?} in {out}");
    }
    // The result is a playlist the checker takes, with the edit in it.
    let p = crate::parse(&out, "form.toml").unwrap();
    assert_eq!(p.items.len(), 2);
}

#[test]
fn a_changed_value_keeps_the_comment_after_it() {
    let mut f = read(HAND).unwrap();
    f.items[0].text = "欢迎您！".into();
    let out = write(HAND, &f).unwrap();
    assert!(out.contains("text = \"欢迎您！\"   # 不要改这句\n"), "{out}");
}

#[test]
fn items_added_removed_and_reordered_take_their_comments_with_them() {
    let mut f = read(HAND).unwrap();
    f.items.swap(0, 1);
    f.items.push(FormItem {
        id: "night".into(),
        text: "夜间施工，请绕行".into(),
        time: "22:00-06:00".into(),
        effect: "scroll-left".into(),
        ..FormItem::default()
    });
    let out = write(HAND, &f).unwrap();
    let hotline = out.find("id = \"hotline\"").unwrap();
    let welcome = out.find("# 早上的欢迎词").unwrap();
    let night = out.find("id = \"night\"").unwrap();
    assert!(hotline < welcome && welcome < night, "{out}");
    let p = crate::parse(&out, "form.toml").unwrap();
    assert_eq!(
        p.items.iter().map(|i| i.id.as_str()).collect::<Vec<_>>(),
        ["hotline", "welcome", "night"]
    );
    // Removing the last brightness window and the power times removes their tables.
    f.brightness.clear();
    f.power = None;
    let out = write(HAND, &f).unwrap();
    assert!(!out.contains("[[brightness]]") && !out.contains("[power]"), "{out}");
}

#[test]
fn what_the_form_cannot_show_is_said_and_kept() {
    // A time written as a list of windows: kept as written, listed, never rewritten.
    let text = "[[item]]\nid = \"a\"\ntext = \"x\"\ntime = [\"08:00-10:00\", \"14:00-16:00\"]\n";
    let mut f = read(text).unwrap();
    assert_eq!(f.items[0].kept["time"], "[\"08:00-10:00\", \"14:00-16:00\"]");
    // So is a daypart's name.
    let named = read("[[item]]\nid = \"a\"\ntext = \"x\"\ntime = \"morning\"\n").unwrap();
    assert_eq!(named.items[0].kept["time"], "\"morning\"");
    f.items[0].text = "y".into();
    let out = write(text, &f).unwrap();
    assert!(out.contains("time = [\"08:00-10:00\", \"14:00-16:00\"]"), "{out}");
    // Inline tables and broken TOML: a clear error that names the way out, in both languages.
    let inline = read("item = [{ id = \"a\", text = \"x\" }]\n").unwrap_err();
    assert_eq!(inline, FormError::Inline { key: "item".into() });
    assert!(inline.to_string().contains("TOML view") && inline.zh().contains("高级"));
    let broken = read("[[item]]\nid = \"a\ntext = 1\n").unwrap_err();
    assert!(matches!(broken, FormError::Unreadable { line: 2 }), "{broken:?}");
    // A form read from an older text naming an item that is gone.
    let mut stale = read(HAND).unwrap();
    stale.items[0].source = Some(9);
    assert_eq!(
        write(HAND, &stale).unwrap_err(),
        FormError::Stale { what: "item", index: 9 }
    );
    assert!(write(HAND, &stale).unwrap_err().to_string().contains("item 10 is not"));
    // Two entries of one table: refused, not mixed.
    let mut twice = read(HAND).unwrap();
    twice.items[1].source = Some(0);
    assert_eq!(
        write(HAND, &twice).unwrap_err(),
        FormError::Twice { what: "item", index: 0 }
    );
}

#[test]
fn an_empty_playlist_gets_its_first_item_from_the_form() {
    let f = Form {
        items: vec![FormItem {
            id: "first".into(),
            text: "你好".into(),
            days: vec!["sat".into(), "sun".into()],
            dwell_s: Some(6),
            font_size: Some(24),
            ..FormItem::default()
        }],
        power: Some(FormPower {
            on: "07:00".into(),
            off: "22:00".into(),
            line: 0,
        }),
        ..Form::default()
    };
    let out = write("# 空节目单\n", &f).unwrap();
    assert!(out.starts_with("# 空节目单\n"), "{out}");
    let p = crate::parse(&out, "form.toml").unwrap();
    assert_eq!(p.items[0].id, "first");
    assert_eq!(read(&out).unwrap().items[0].days, ["sat", "sun"]);
}

#[test]
fn a_change_to_a_field_the_form_holds_as_kept_is_refused_not_dropped() {
    let text = "[[item]]\nid = \"a\"\ntext = \"x\"\ntime = \"morning\"   # 上午\n";
    let mut f = read(text).unwrap();
    assert!(f.items[0].kept.contains_key("time"));
    // Sent back as read: nothing is refused and the daypart's name stays.
    assert_eq!(write(text, &f).unwrap(), text);
    // A client that changes it anyway is told, in both languages, where to make the change.
    f.items[0].time = "08:00-10:00".into();
    let e = write(text, &f).unwrap_err();
    assert_eq!(
        e,
        FormError::Kept {
            what: "item",
            index: 0,
            id: "a".into(),
            key: "time".into()
        }
    );
    assert!(e.to_string().contains("TOML view") && e.zh().contains("高级"), "{e}");
}

#[test]
fn a_long_playlist_reads_with_the_right_line_for_each_field() {
    // 10 000 items: each field's line comes from an index of line starts, not a scan per field.
    let mut text = String::from("# 很长的节目单\n");
    for i in 0..10_000 {
        text.push_str(&format!("\n[[item]]\nid = \"n{i}\"\ntext = \"第{i}条\"\n"));
    }
    let f = read(&text).unwrap();
    assert_eq!(f.items.len(), 10_000);
    let last = &f.items[9_999];
    assert_eq!(last.lines[""], 2 + 9_999 * 4 + 1);
    assert_eq!(last.lines["text"], 2 + 9_999 * 4 + 3);
    assert_eq!(write(&text, &f).unwrap(), text);
}

/// An operator's commercial playlist as written by hand: the government's rotation, then paid
/// campaigns with comments on their keys and spots, a daypart by name, a TOML date, a spot with
/// `reduce`, and a key of a campaign the form does not know.
const COMMERCIAL: &str = r#"# 夷陵广场大屏 — 商业时段
government_floor = 0.6   # 合同约定：政务内容不少于 60%

[dayparts]
evening = "18:00-22:00"

[[item]]
id = "welcome"
text = "欢迎来到夷陵广场"

# 农商银行：冬季存款（合同 YL-AD-2026-031）
[[campaign]]
id = "bank-winter"
advertiser = "夷陵农商银行"
contract = "YL-AD-2026-031"
start_date = 2026-12-01            # TOML 日期
end_date = "2026-12-31"
days = ["mon", "tue", "wed", "thu", "fri"]
hours = ["08:00-12:00", "evening"] # 上午和晚间
share = 0.15                       # 15%
max_per_hour = 70
separation_s = 20
dwell_s = 10

  # 第一条：文字
  [[campaign.item]]
  id = "bank-winter-1"
  text = "夷陵农商银行 冬季存款优惠 详询96568"

  # 第二条：图片
  [[campaign.item]]
  id = "bank-winter-2"
  image = "images/pinghu-sunrise.png"
  reduce = "dither"

# 柑橘节
[[campaign]]
id = "citrus"
advertiser = "宜昌柑橘协会"
contract = "YC-2026-12"
start_date = "2026-12-05"
end_date = "2026-12-20"
plays_per_day = 60   # 每天 60 次

  [[campaign.item]]
  id = "citrus-1"
  text = "宜昌柑橘节 12月20日 夷陵广场"
"#;

#[test]
fn a_commercial_playlist_reads_its_campaigns_spots_and_floor_with_their_lines() {
    let f = read(COMMERCIAL).unwrap();
    assert_eq!(f.government_floor, Some(0.6));
    assert_eq!(f.government_floor_line, 2);
    assert_eq!(f.elsewhere, ["dayparts"]);
    assert_eq!(f.campaigns.len(), 2);
    let b = &f.campaigns[0];
    assert_eq!(
        (b.source, b.id.as_str(), b.advertiser.as_str(), b.contract.as_str()),
        (Some(0), "bank-winter", "夷陵农商银行", "YL-AD-2026-031")
    );
    assert_eq!(
        (b.start_date.as_str(), b.end_date.as_str()),
        ("2026-12-01", "2026-12-31")
    );
    assert_eq!(b.hours, ["08:00-12:00", "evening"], "a daypart's name as written");
    assert_eq!((b.target.as_str(), b.amount), ("share", Some(0.15)));
    assert_eq!(
        (b.max_per_hour, b.separation_s, b.dwell_s),
        (Some(70), Some(20), Some(10))
    );
    assert!(b.kept.is_empty(), "{:?}", b.kept);
    assert_eq!(b.lines[""], 12);
    assert_eq!(b.lines["share"], 20);
    assert_eq!(b.spots.len(), 2);
    assert_eq!(
        (b.spots[0].source, b.spots[0].text.as_str()),
        (Some(0), "夷陵农商银行 冬季存款优惠 详询96568")
    );
    assert_eq!(b.spots[0].lines[""], 26);
    assert_eq!(b.spots[1].image, "images/pinghu-sunrise.png");
    assert_eq!(b.spots[1].kept["reduce"], "\"dither\"");
    let c = &f.campaigns[1];
    assert_eq!((c.target.as_str(), c.amount), ("plays_per_day", Some(60.0)));
    assert_eq!(c.lines["plays_per_day"], 43);
}

#[test]
fn a_commercial_playlist_written_back_unchanged_is_the_same_text_byte_for_byte() {
    let f = read(COMMERCIAL).unwrap();
    assert_eq!(write(COMMERCIAL, &f).unwrap(), COMMERCIAL);
    let back: Form = serde_json::from_str(&serde_json::to_string(&f).unwrap()).unwrap();
    assert_eq!(write(COMMERCIAL, &back).unwrap(), COMMERCIAL);
}

#[test]
fn a_target_and_a_spot_edited_change_their_lines_only() {
    let mut f = read(COMMERCIAL).unwrap();
    // Another kind of target takes the old one's place and comment.
    f.campaigns[0].target = "plays_per_hour".into();
    f.campaigns[0].amount = Some(12.0);
    f.campaigns[1].amount = Some(80.0);
    f.campaigns[0].spots[0].text = "夷陵农商银行 存款优惠".into();
    f.campaigns[0].start_date = "2026-12-02".into();
    f.campaigns[0].hours = vec!["09:00-12:00".into(), "evening".into()];
    f.government_floor = Some(0.5);
    let out = write(COMMERCIAL, &f).unwrap();
    assert!(
        out.contains("\nplays_per_hour = 12                       # 15%\nmax_per_hour"),
        "{out}"
    );
    assert!(!out.contains("share ="), "{out}");
    assert!(out.contains("plays_per_day = 80   # 每天 60 次\n"), "{out}");
    assert!(out.contains("  text = \"夷陵农商银行 存款优惠\"\n"), "{out}");
    assert!(
        out.contains("start_date = 2026-12-02            # TOML 日期\n"),
        "a date stays a date: {out}"
    );
    assert!(
        out.contains("hours = [\"09:00-12:00\", \"evening\"] # 上午和晚间\n"),
        "{out}"
    );
    assert!(out.contains("government_floor = 0.5   # 合同约定"), "{out}");
    // Nothing else moved: the same lines but the five edited.
    let diff = COMMERCIAL.lines().zip(out.lines()).filter(|(a, b)| a != b).count();
    assert_eq!((diff, COMMERCIAL.lines().count()), (6, out.lines().count()), "{out}");
    let p = crate::parse(&out, "form.toml").unwrap();
    assert_eq!(p.campaigns[0].target, crate::campaign::Target::PlaysPerHour(12));
    assert_eq!(p.campaigns[1].target, crate::campaign::Target::PlaysPerDay(80));
    // A share as the form sends it (the percentage's fraction) is written as written.
    let mut g = read(COMMERCIAL).unwrap();
    g.campaigns[1].target = "share".into();
    g.campaigns[1].amount = Some(0.07);
    let out = write(COMMERCIAL, &g).unwrap();
    assert!(out.contains("share = 0.07   # 每天 60 次\n"), "{out}");
}

#[test]
fn campaigns_and_spots_added_removed_and_reordered_take_their_comments_with_them() {
    let mut f = read(COMMERCIAL).unwrap();
    f.campaigns.swap(0, 1);
    // The bank's spots swapped; the citrus campaign gets a second spot.
    f.campaigns[1].spots.swap(0, 1);
    f.campaigns[0].spots.push(FormSpot {
        id: "citrus-2".into(),
        text: "柑橘节 现场品尝".into(),
        ..FormSpot::default()
    });
    f.campaigns.push(FormCampaign {
        id: "tea".into(),
        advertiser: "邓村绿茶".into(),
        contract: "DC-2026-7".into(),
        start_date: "2026-12-10".into(),
        end_date: "2026-12-24".into(),
        hours: vec!["10:00-11:00".into()],
        target: "plays_per_hour".into(),
        amount: Some(4.0),
        spots: vec![FormSpot {
            id: "tea-1".into(),
            text: "邓村绿茶 新茶上市".into(),
            ..FormSpot::default()
        }],
        ..FormCampaign::default()
    });
    let out = write(COMMERCIAL, &f).unwrap();
    let at = |s: &str| out.find(s).unwrap_or_else(|| panic!("no {s:?} in {out}"));
    assert!(at("# 柑橘节\n[[campaign]]\nid = \"citrus\"") < at("id = \"citrus-1\""));
    assert!(at("id = \"citrus-1\"") < at("id = \"citrus-2\""));
    assert!(at("id = \"citrus-2\"") < at("# 农商银行：冬季存款"));
    assert!(at("# 第二条：图片\n  [[campaign.item]]\n  id = \"bank-winter-2\"") < at("# 第一条：文字"));
    assert!(at("# 第一条：文字") < at("id = \"tea\""));
    assert!(out.contains("reduce = \"dither\""));
    let p = crate::parse(&out, "form.toml").unwrap();
    let ids = |c: &crate::campaign::Campaign| (c.id.clone(), c.items.iter().map(|i| i.id.clone()).collect::<Vec<_>>());
    assert_eq!(
        p.campaigns.iter().map(ids).collect::<Vec<_>>(),
        [
            ("citrus".to_owned(), vec!["citrus-1".to_owned(), "citrus-2".to_owned()]),
            (
                "bank-winter".to_owned(),
                vec!["bank-winter-2".to_owned(), "bank-winter-1".to_owned()]
            ),
            ("tea".to_owned(), vec!["tea-1".to_owned()]),
        ]
    );
    // Removing a spot and a campaign removes their tables and their comments.
    let mut g = read(COMMERCIAL).unwrap();
    g.campaigns.remove(1);
    g.campaigns[0].spots.remove(1);
    g.government_floor = None;
    let out = write(COMMERCIAL, &g).unwrap();
    for gone in ["# 柑橘节", "citrus", "# 第二条：图片", "reduce", "government_floor"] {
        assert!(!out.contains(gone), "{gone:?} left in {out}");
    }
    assert!(out.starts_with("# 夷陵广场大屏 — 商业时段\n"), "{out}");
    crate::parse(&out, "form.toml").unwrap();
}

#[test]
fn a_first_campaign_and_floor_go_into_a_playlist_of_items_and_keep_its_opening_comment() {
    let mut f = read(HAND).unwrap();
    f.government_floor = Some(0.7);
    f.campaigns.push(FormCampaign {
        id: "bank".into(),
        advertiser: "夷陵农商银行".into(),
        contract: "YL-1".into(),
        start_date: "2026-12-01".into(),
        end_date: "2026-12-31".into(),
        target: "plays_per_day".into(),
        amount: Some(20.0),
        spots: vec![FormSpot {
            id: "bank-1".into(),
            text: "存款优惠".into(),
            ..FormSpot::default()
        }],
        ..FormCampaign::default()
    });
    let out = write(HAND, &f).unwrap();
    assert!(
        out.starts_with(
            "# 夷陵区政务服务中心 — 大屏节目单\n# 改动前请先在控制台“检查”。\ngovernment_floor = 0.7\n\n[defaults]"
        ),
        "{out}"
    );
    assert!(out.ends_with("[[campaign]]\nid = \"bank\"\nadvertiser = \"夷陵农商银行\"\ncontract = \"YL-1\"\nstart_date = \"2026-12-01\"\nend_date = \"2026-12-31\"\nplays_per_day = 20\n\n[[campaign.item]]\nid = \"bank-1\"\ntext = \"存款优惠\"\n"), "{out}");
    let p = crate::parse(&out, "form.toml").unwrap();
    assert_eq!((p.campaigns.len(), p.government_floor), (1, 0.7));
}

#[test]
fn a_campaigns_kept_fields_are_refused_and_inline_campaigns_said() {
    // Two targets (the checker refuses that): both kept, and a change to the target refused.
    let text = "[[campaign]]\nid = \"a\"\nshare = 0.1\nplays_per_day = 5\nhours = 8\n\n[[campaign.item]]\nid = \"a1\"\ntext = 3\n";
    let mut f = read(text).unwrap();
    let c = &f.campaigns[0];
    assert_eq!(c.kept.keys().collect::<Vec<_>>(), ["hours", "plays_per_day", "share"]);
    assert_eq!(f.campaigns[0].spots[0].kept["text"], "3");
    assert_eq!(write(text, &f).unwrap(), text, "sent back as read: kept");
    f.campaigns[0].amount = Some(0.2);
    f.campaigns[0].target = "share".into();
    let e = write(text, &f).unwrap_err();
    assert_eq!(
        e,
        FormError::Kept {
            what: "campaign",
            index: 0,
            id: "a".into(),
            key: "share".into()
        }
    );
    assert!(e.to_string().starts_with("campaign 1 (`a`): `share`"), "{e}");
    assert!(
        e.zh().starts_with("第 1 个广告投放（a）") && e.zh().contains("高级"),
        "{}",
        e.zh()
    );
    let mut g = read(text).unwrap();
    g.campaigns[0].hours = vec!["08:00-09:00".into()];
    assert!(matches!(write(text, &g), Err(FormError::Kept { key, .. }) if key == "hours"));
    let mut s = read(text).unwrap();
    s.campaigns[0].spots[0].text = "文字".into();
    let e = write(text, &s).unwrap_err();
    assert_eq!(
        e,
        FormError::Kept {
            what: "spot",
            index: 0,
            id: "a1".into(),
            key: "text".into()
        }
    );
    assert!(e.zh().contains("广告内容"), "{}", e.zh());
    // A floor written as no number is kept for the TOML view, and listed.
    let odd = "government_floor = \"half\"\n";
    let mut h = read(odd).unwrap();
    assert_eq!(
        (h.government_floor, h.elsewhere.as_slice()),
        (None, ["government_floor".to_owned()].as_slice())
    );
    h.government_floor = Some(0.5);
    assert!(matches!(write(odd, &h), Err(FormError::Kept { key, .. }) if key == "government_floor"));
    // Inline campaigns or spots: a clear error naming the way out.
    let inline = read("campaign = [{ id = \"a\" }]\n").unwrap_err();
    assert_eq!(inline, FormError::Inline { key: "campaign".into() });
    let spots = read("[[campaign]]\nid = \"a\"\nitem = [{ id = \"a1\", text = \"x\" }]\n").unwrap_err();
    assert_eq!(
        spots,
        FormError::Inline {
            key: "campaign.item".into()
        }
    );
    assert!(spots.zh().contains("[[campaign.item]]") && spots.zh().contains("高级"));
    // A spot of a campaign read before that is gone.
    let mut stale = read(COMMERCIAL).unwrap();
    stale.campaigns[1].spots[0].source = Some(4);
    assert_eq!(
        write(COMMERCIAL, &stale).unwrap_err(),
        FormError::Stale { what: "spot", index: 4 }
    );
}

#[test]
fn a_booking_problem_is_at_its_campaigns_header_and_names_the_field_that_fixes_it() {
    use crate::Bilingual as _;
    let mut f = read(COMMERCIAL).unwrap();
    f.campaigns[1].target = "plays_per_hour".into();
    f.campaigns[1].amount = Some(2000.0);
    let out = write(COMMERCIAL, &f).unwrap();
    let p = crate::parse(&out, "form.toml").unwrap();
    let booked = crate::check_bookings(&p, &crate::calendar::Calendar::builtin(), &|i| i.style.dwell_s);
    assert!(!booked.is_empty());
    let citrus = &read(&out).unwrap().campaigns[1];
    for d in &booked {
        assert!(matches!(d.problem, crate::Problem::Overbooked { .. }), "{d}");
        assert_eq!(d.problem.field(), Some("target"), "{}", d.problem);
        assert!([12, citrus.lines[""]].contains(&d.line), "{d}");
        assert!(d.problem.zh().contains("citrus"), "{}", d.problem.zh());
    }
}

/// 10 000 items, as a long playlist a clerk edits through the form.
fn long_playlist() -> String {
    let mut text = String::from("# 很长的节目单\n");
    for i in 0..10_000 {
        text.push_str(&format!(
            "\n[[item]]\nid = \"n{i}\"\ntext = \"第{i}条\"  # 第{i}条的注释\n"
        ));
    }
    text
}

#[test]
fn an_edit_sent_as_what_changed_rewrites_only_that_item() {
    let text = long_playlist();
    let mut changed = read(&text).unwrap().items.swap_remove(5_000);
    changed.text = "改过的第5000条".into();
    let edit: FormEdit = serde_json::from_value(serde_json::json!({
        "items": [{"same": [0, 4_999]}, {"form": changed}, {"same": [5_001, 9_999]}],
    }))
    .unwrap();
    let new = apply(&text, &edit).unwrap();
    assert_eq!(new, text.replace("\"第5000条\"", "\"改过的第5000条\""));
    // The stretch that changed is the edit's size, in the browser's UTF-16 units.
    let (at, remove, insert) = splice(&text, &new);
    assert_eq!(insert, "改过的");
    assert_eq!(remove, 0);
    let head = &new[..new.find("改过的").unwrap()];
    assert_eq!(at, head.encode_utf16().count());
}

#[test]
fn an_edit_removes_moves_and_adds_items_by_runs() {
    let text = "[[item]]\nid = \"a\"\ntext = \"甲\"\n\n[[item]]\nid = \"b\"\ntext = \"乙\"\n\n[[item]]\nid = \"c\"\ntext = \"丙\"\n";
    let added = FormItem {
        id: "d".into(),
        text: "丁".into(),
        ..FormItem::default()
    };
    // c first, a, then a new one; b removed.
    let edit = FormEdit {
        items: Some(vec![Run::Same([2, 2]), Run::Same([0, 0]), Run::Form(added)]),
        ..FormEdit::default()
    };
    let f = read(&apply(text, &edit).unwrap()).unwrap();
    let ids: Vec<&str> = f.items.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(ids, ["c", "a", "d"]);
    // Settings left out stay; one sent is written.
    let edit = FormEdit {
        power: Some(Some(FormPower {
            on: "06:30".into(),
            off: "23:30".into(),
            line: 0,
        })),
        ..FormEdit::default()
    };
    let f = read(&apply(text, &edit).unwrap()).unwrap();
    assert_eq!(f.items.len(), 3);
    assert_eq!(f.power.unwrap().off, "23:30");
}

#[test]
fn an_edit_naming_an_item_twice_or_past_the_end_is_refused_before_it_grows() {
    let text = "[[item]]\nid = \"a\"\ntext = \"甲\"\n";
    let twice = FormEdit {
        items: Some(vec![Run::Same([0, 0]); 1_000]),
        ..FormEdit::default()
    };
    assert_eq!(apply(text, &twice), Err(FormError::Twice { what: "item", index: 0 }));
    let past = FormEdit {
        items: Some(vec![Run::Same([0, usize::MAX - 1])]),
        ..FormEdit::default()
    };
    assert_eq!(apply(text, &past), Err(FormError::Stale { what: "item", index: 1 }));
    let backwards = FormEdit {
        items: Some(vec![Run::Same([1, 0])]),
        ..FormEdit::default()
    };
    assert!(matches!(apply(text, &backwards), Err(FormError::Stale { .. })));
}

#[test]
fn a_splice_counts_in_utf16_and_stays_on_character_boundaries() {
    assert_eq!(splice("", ""), (0, 0, ""));
    assert_eq!(splice("ab", "abc"), (2, 0, "c"));
    assert_eq!(splice("abc", "ab"), (2, 1, ""));
    // 甲 and 乙 share their first UTF-8 byte; 𝄞 is two UTF-16 units.
    assert_eq!(splice("𝄞甲x", "𝄞乙x"), (2, 1, "乙"));
    assert_eq!(splice("aXa", "aa"), (1, 1, ""));
}
