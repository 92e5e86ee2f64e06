//! `pinghu playlist` as an operator runs it.

mod common;
use common::pinghu;

fn example(name: &str) -> String {
    format!("{}/../playlists/examples/{name}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn check_passes_the_examples_with_a_summary_each() {
    let (code, out, err) = pinghu(&[
        "playlist",
        "check",
        &example("minimal.toml"),
        &example("night-works.toml"),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("minimal.toml: ok, 1 item, 0 brightness windows, power always on"),
        "{out}"
    );
    assert!(
        out.contains("night-works.toml: ok, 2 items, 2 brightness windows"),
        "{out}"
    );
}

#[test]
fn check_refuses_a_bad_file_with_positions_and_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        "[[item]]\nid = \"x\"\ntext = \"y\"\ntime = \"9-5\"\n[[brightness]]\ntime = \"06:00-19:00\"\nlevel = 20\n",
    )
    .unwrap();
    let (code, out, err) = pinghu(&["playlist", "check", bad.to_str().unwrap(), &example("minimal.toml")]);
    assert_eq!(code, 1);
    let p = bad.display();
    assert!(err.contains(&format!("{p}:4:8: \"9\" is not a time")), "{err}");
    assert!(
        err.contains(&format!("{p}:7:9: brightness level 20 is out of range (0 to 15)")),
        "{err}"
    );
    assert!(
        out.contains("minimal.toml: ok"),
        "the good file is still reported: {out}"
    );
    let (code, json, _) = pinghu(&["playlist", "check", "--json", bad.to_str().unwrap()]);
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v[0]["errors"][0]["line"], 4);
    // The same field names as the console's POST /api/v1/playlist/check.
    assert!(v[0]["errors"][0]["column"].as_u64().is_some_and(|c| c >= 1), "{json}");
}

#[test]
fn timeline_shows_changes_with_day_kinds() {
    let (code, out, err) = pinghu(&[
        "playlist",
        "timeline",
        &example("government-service-center.toml"),
        "--from",
        "2026-02-14",
        "--hours",
        "72",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("government-service-center.toml — 72 hours from 2026-02-14 00:00"),
        "{out}"
    );
    assert!(out.contains("Sat 2026-02-14 make-up workday (调休)"), "{out}");
    assert!(out.contains("Mon 2026-02-16 public holiday"), "{out}");
    assert!(
        out.contains("  08:30  power on   brightness 15  welcome, hours, hotline"),
        "{out}"
    );
    let (code, json, _) = pinghu(&[
        "playlist",
        "timeline",
        &example("night-works.toml"),
        "--from",
        "2026-12-04T21:00:00+08:00",
        "--hours",
        "2",
        "--json",
    ]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v[0]["rotation"][0], "greeting");
    assert_eq!(v[1]["local"], "2026-12-04T22:00:00+08:00");
    assert_eq!(v[1]["rotation"][0], "roadworks");
    let (_, out, _) = pinghu(&["playlist", "timeline", &example("minimal.toml"), "--hours", "1"]);
    assert!(out.contains("minimal.toml — 1 hour from"), "{out}");
}

#[test]
fn timeline_bad_from_is_explained() {
    let (code, _, err) = pinghu(&["playlist", "timeline", &example("minimal.toml"), "--from", "tomorrow"]);
    assert_eq!(code, 1);
    assert!(err.contains("--from \"tomorrow\" is not a time"), "{err}");
}

#[test]
fn pictures_are_checked_at_their_line_and_judged_for_the_board() {
    let (code, out, err) = pinghu(&["playlist", "check", &example("with-picture.toml"), "--board", "128x32"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("with-picture.toml: ok, 3 items"), "{out}");
    // On a tiny board the same picture is too busy: a warning at the item's line, still ok.
    let (code, out, _) = pinghu(&["playlist", "check", &example("with-picture.toml"), "--board", "16x8"]);
    assert_eq!(code, 0);
    assert!(out.contains("with-picture.toml:13:1: warning: item sunrise"), "{out}");
    // A picture that is not there refuses the playlist, naming the line.
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("p.toml");
    std::fs::write(&p, "[[item]]\nid = \"a\"\nimage = \"nowhere.png\"\n").unwrap();
    let (code, _, err) = pinghu(&["playlist", "check", p.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(err.contains("p.toml:1:1: item a: image \"nowhere.png\""), "{err}");
    // A character no font has: a warning for the board, at the item's line, still ok.
    std::fs::write(&p, "[[item]]\nid = \"a\"\ntext = \"夷陵𠀋\"\n").unwrap();
    let (code, out, _) = pinghu(&["playlist", "check", p.to_str().unwrap(), "--board", "128x32"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("p.toml:1:1: warning: item a: no font has 𠀋: the board shows a box for each"),
        "{out}"
    );
    // Text and picture together, or a picture of another kind, are refused by the parser.
    std::fs::write(&p, "[[item]]\nid = \"a\"\ntext = \"x\"\nimage = \"a.png\"\n").unwrap();
    let (code, _, err) = pinghu(&["playlist", "check", p.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(err.contains("has a `text` and an `image`: give one"), "{err}");
    std::fs::write(&p, "[[item]]\nid = \"a\"\nimage = \"a.gif\"\n").unwrap();
    let (_, _, err) = pinghu(&["playlist", "check", p.to_str().unwrap()]);
    assert!(err.contains("must be a .png, .jpg or .bmp file"), "{err}");
}

#[test]
fn render_fits_a_picture_to_mono_and_red_green_boards() {
    let dir = tempfile::tempdir().unwrap();
    let picture = example("images/pinghu-sunrise.png");
    for (colors, reduce) in [("mono", "threshold"), ("red-green", "dither")] {
        let out_dir = dir.path().join(colors);
        let (code, out, err) = pinghu(&[
            "render",
            "--image",
            &picture,
            "--width",
            "128",
            "--height",
            "32",
            "--colors",
            colors,
            "--reduce",
            reduce,
            "--out",
            out_dir.to_str().unwrap(),
        ]);
        assert_eq!(code, 0, "{err}");
        assert!(out.starts_with("1 page, 96x48 picture fitted to 128x32"), "{out}");
        assert!(out_dir.join("page-001.png").exists());
    }
    let (code, _, err) = pinghu(&[
        "render",
        "--image",
        &example("minimal.toml"),
        "--width",
        "8",
        "--height",
        "8",
        "--ascii",
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("not a PNG, JPEG or BMP picture"), "{err}");
}

#[test]
fn a_commercial_playlist_is_booked_planned_and_refused_when_overbooked() {
    let (code, out, err) = pinghu(&["playlist", "check", "--board", "128x32", &example("commercial.toml")]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("3 campaigns with 4 spots (government floor 0.5)"), "{out}");

    // The day's plan comes from the scheduler itself: every target met on a working day.
    let (code, out, err) = pinghu(&[
        "playlist",
        "timeline",
        "--date",
        "2026-12-07",
        "--board",
        "128x32",
        "--json",
        &example("commercial.toml"),
    ]);
    assert_eq!(code, 0, "{err}");
    let plan: serde_json::Value = serde_json::from_str(&out).unwrap();
    for c in plan["campaigns"].as_array().unwrap() {
        let (planned, wanted) = (c["planned"].as_f64().unwrap(), c["wanted"].as_f64().unwrap());
        assert!((planned - wanted).abs() <= 1.0, "{c}");
        for h in c["hours"].as_array().unwrap() {
            assert!(
                (h["planned"].as_f64().unwrap() - h["target"].as_f64().unwrap()).abs() <= 1.5,
                "{h}"
            );
        }
    }
    // A Saturday: the working-day campaign does not play.
    let (_, out, _) = pinghu(&[
        "playlist",
        "timeline",
        "--date",
        "2026-12-12",
        &example("commercial.toml"),
    ]);
    assert!(!out.contains("citrus-festival"), "{out}");
    assert!(out.contains("bank-winter"), "{out}");

    // Overbooked: the hour and the numbers, exit 1.
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(example("commercial.toml"))
        .unwrap()
        .replace("share = 0.15", "share = 0.5")
        .replace("max_per_hour = 70", "max_per_hour = 200")
        .replace("separation_s = 20", "separation_s = 0");
    let f = dir.path().join("ads.toml");
    std::fs::write(&f, text).unwrap();
    std::fs::create_dir(dir.path().join("images")).unwrap();
    std::fs::copy(
        example("images/pinghu-sunrise.png"),
        dir.path().join("images/pinghu-sunrise.png"),
    )
    .unwrap();
    let (code, _, err) = pinghu(&["playlist", "check", "--board", "128x32", f.to_str().unwrap()]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("overbooked on 2026-12-01 (Tue) 09:00-10:00: the campaigns need"),
        "{err}"
    );
    assert!(
        err.contains("lower a target, shorten dwell_s or lower government_floor"),
        "{err}"
    );
}

#[test]
fn date_fields_pass_the_check_and_a_mistyped_one_is_a_warning_at_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("fields.toml");
    std::fs::write(
        &file,
        "[[item]]\nid = \"today\"\ntext = \"今天是{date}，{weekday}\"\n\n\
         [[item]]\nid = \"exam\"\ntext = \"距高考还有{days_until:2027-06-07}天，{weekdy}\"\n",
    )
    .unwrap();
    let (code, out, err) = pinghu(&["playlist", "check", file.to_str().unwrap()]);
    assert_eq!(code, 0, "a warning does not refuse the playlist: {out}{err}");
    let f = file.display();
    assert!(
        out.contains(&format!(
            "{f}:5:1: warning: item exam: {{weekdy}} is shown as written: the fields are {{date}}, {{weekday}} and"
        )),
        "{out}"
    );
    assert!(!out.contains("item today:"), "{out}");
}
