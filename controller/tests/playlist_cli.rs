//! `pinghu playlist` as an operator runs it.

use std::process::Command;

fn pinghu(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_pinghu")).args(args).output().unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

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
        out.contains("minimal.toml: ok, 1 items, 0 brightness windows, power always on"),
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
}

#[test]
fn timeline_bad_from_is_explained() {
    let (code, _, err) = pinghu(&["playlist", "timeline", &example("minimal.toml"), "--from", "tomorrow"]);
    assert_eq!(code, 1);
    assert!(err.contains("--from \"tomorrow\" is not a time"), "{err}");
}
