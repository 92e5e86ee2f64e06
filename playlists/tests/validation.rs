//! A bad playlist is refused as a whole with `FILE:LINE:COL: message` for every problem.

use pinghu_playlists::{PlaylistError, load, parse};

fn errors(src: &str) -> Vec<String> {
    match parse(src, "p.toml") {
        Err(PlaylistError::Invalid(d)) => d.iter().map(ToString::to_string).collect(),
        other => panic!("expected errors, got {other:?}"),
    }
}

#[test]
fn examples_pass() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut n = 0;
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "toml") {
            let pl = load(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            assert!(!pl.items.is_empty());
            n += 1;
        }
    }
    assert!(n >= 3);
}

#[test]
fn every_problem_is_reported_with_its_position() {
    let src = r#"[defaults]
font_size = 20
colour = "red"

[[item]]
id = "a"
text = "一"
time = "18:00-18:00"

[[item]]
id = "a"
text = "二"
days = ["mon", "funday"]

[[item]]
text = "三"
time = "25:00-26:00"
dates = "2026-12-31..2026-12-01"

[[brightness]]
time = "06:00-20:00"
level = 16

[[brightness]]
time = "19:00-07:00"
level = 3

[[brightness]]
time = "05:00-06:30"
level = 5

[power]
on = "6:30"
"#;
    let e = errors(src);
    let want = [
        "p.toml:2:13: font_size 20 is not available (use 12, 16, 24 or 32)",
        "p.toml:3:1: unknown key `colour` in [defaults] (did you mean `color`?)",
        "p.toml:8:8: time window \"18:00-18:00\" is empty (start equals end)",
        "p.toml:11:6: duplicate item id \"a\" (first used on line 5)",
        "p.toml:13:16: \"funday\" is not a day (use mon, tue, wed, thu, fri, sat, sun)",
        "p.toml:15:1: [[item]] needs an `id` (e.g. id = \"welcome\")",
        "p.toml:17:8: \"25:00\" is not a time of day (00:00 to 23:59)",
        "p.toml:18:9: range \"2026-12-31..2026-12-01\" ends before it starts (dates look like \"2026-12-01..2026-12-31\")",
        "p.toml:22:9: brightness level 16 is out of range (0 to 15)",
        "p.toml:29:8: brightness window 05:00-06:30 overlaps 19:00-07:00 (line 25); make them meet end to start",
        "p.toml:32:1: [power] needs `off` (e.g. off = \"23:30\")",
    ];
    for w in want {
        assert!(e.iter().any(|x| x == w), "missing {w:?} in\n{}", e.join("\n"));
    }
    // "6:30" is accepted as a time (hour without leading zero); only `off` is missing.
    assert_eq!(e.len(), want.len(), "{}", e.join("\n"));
}

#[test]
fn overlapping_brightness_windows_are_refused() {
    let e = errors(
        "[[brightness]]\ntime = \"06:00-20:00\"\nlevel = 15\n[[brightness]]\ntime = \"19:00-07:00\"\nlevel = 3\n",
    );
    assert_eq!(
        e,
        ["p.toml:5:8: brightness window 19:00-07:00 overlaps 06:00-20:00 (line 2); make them meet end to start"]
    );
}

#[test]
fn syntax_errors_have_positions_and_nothing_panics() {
    let e = errors("[[item]\nid = \"x\"\n");
    assert!(e[0].starts_with("p.toml:1:"), "{e:?}");
    assert!(e[0].contains("TOML syntax"), "{e:?}");
    let e = errors("item = 3\n");
    assert_eq!(
        e,
        ["p.toml:1:8: `item` must be an array of tables ([[item]]), not an integer"]
    );
    let e = errors("[[item]]\nid = \"x\"\ntext = \"\"\nevery = 0\npriority = 1000\nworkdays_only = \"yes\"\n");
    assert_eq!(
        e,
        [
            "p.toml:3:8: item text is empty",
            "p.toml:4:9: every = 0: minutes between plays must be 1 to 1440",
            "p.toml:5:12: priority 1000 must be -100 to 100",
            "p.toml:6:17: `workdays_only` must be true or false, not a string",
        ]
    );
}

#[test]
fn unknown_daypart_lists_the_known_ones() {
    let e = errors("[dayparts]\nmorning = \"08:00-12:00\"\n[[item]]\nid = \"x\"\ntext = \"y\"\ntime = \"evening\"\n");
    assert_eq!(e.len(), 1);
    assert!(e[0].contains("or name a daypart (morning)"), "{e:?}");
}

#[test]
fn unreadable_file_is_a_clear_error() {
    let e = load(std::path::Path::new("/nonexistent/p.toml")).unwrap_err();
    assert!(e.to_string().starts_with("cannot read /nonexistent/p.toml:"), "{e}");
}

proptest::proptest! {
    #[test]
    fn parser_never_panics(src in "[\\[\\]a-z=\" \n0-9:.,-]{0,200}") {
        let _ = parse(&src, "fuzz.toml");
    }
}
