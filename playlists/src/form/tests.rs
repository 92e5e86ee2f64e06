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
