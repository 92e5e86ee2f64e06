//! `pinghu run --config FILE --check`: what a technician runs before restarting the daemon.

mod common;
use common::pinghu;

const PUBLIC: &str = "Zh3dZXbzxkS14TOZ9W6eHC4W/guhmFv0NdDN+ffn59A=";

fn config(extra_top: &str, extra_end: &str) -> String {
    format!(
        "data_dir = \"data/board\"\nplaylist = \"playlist.toml\"\n{extra_top}\n[screen]\nid = \"yiling-pinghu\"\n\
         width = 192\nheight = 64\ncolors = \"red-green\"\ngroups = [\"yiling-all\"]\n\n[device]\n\
         url = \"tcp://192.0.2.10:5005\"\nprotocol = \"bx-6e\"\n\n[mqtt]\nurl = \"mqtt://127.0.0.1:1883\"\n\
         client_id = \"pinghu-yiling\"\n\n[portal_keys]\nportal-2026 = \"{PUBLIC}\"\n{extra_end}"
    )
}

#[test]
fn a_good_configuration_is_summed_up_and_passes() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::copy(
        format!(
            "{}/../playlists/examples/government-service-center.toml",
            env!("CARGO_MANIFEST_DIR")
        ),
        d.join("playlist.toml"),
    )
    .unwrap();
    std::fs::write(d.join("pinghu.toml"), config("", "")).unwrap();
    let (code, out, err) = pinghu(&["run", "--config", d.join("pinghu.toml").to_str().unwrap(), "--check"]);
    assert_eq!(code, 0, "{out}{err}");
    for line in [
        "  screen       yiling-pinghu, 192x64 red-green, groups yiling-all",
        "  card         tcp://192.0.2.10:5005 (bx-6e, address 1)",
        "  broker       mqtt://127.0.0.1:1883 (MQTT 3.1.1, client id pinghu-yiling)",
        "  portal keys  portal-2026",
        "  console      off (no [console])",
        "data/board/board-key.json (made at the first start)",
    ] {
        assert!(out.contains(line), "{line:?} in\n{out}");
    }
    assert!(out.contains("playlist.toml: 5 items, 0 campaigns"), "{out}");
    assert!(out.contains("/data/board (made at the first start), "), "{out}");
    assert!(out.contains(": 0 error(s), "), "{out}");
    // A check writes nothing: the daemon makes the data folder, not the check.
    assert!(!d.join("data").exists());
}

#[test]
fn every_mistake_is_named_at_once_and_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // A playlist with a bad time at line 4 and a picture that is not there.
    std::fs::write(
        d.join("playlist.toml"),
        "[[item]]\nid = \"a\"\ntext = \"夷陵\"\ntime = \"25:00-26:00\"\n",
    )
    .unwrap();
    std::fs::write(d.join("holidays.toml"), "[2027]\nholidays = [\"2027-02-30\"]\n").unwrap();
    std::fs::write(d.join("console.pem"), "not a certificate").unwrap();
    std::fs::write(d.join("console.key"), "not a key").unwrap();
    std::fs::write(d.join("board.json"), "{\"key_id\": \"board-1\"").unwrap();
    let text = config(
        "calendar = \"holidays.toml\"\nboard_key = \"board.json\"\n[fonts]\n12 = \"wqy12.bdf\"\n",
        "[console]\nlisten = \"127.0.0.1:8080\"\ncert_file = \"console.pem\"\nkey_file = \"console.key\"\n",
    )
    .replace("tcp://192.0.2.10:5005", "serial:///dev/ttyUSB-not-plugged?baud=57600");
    std::fs::write(d.join("pinghu.toml"), text).unwrap();
    let (code, out, err) = pinghu(&["run", "--config", d.join("pinghu.toml").to_str().unwrap(), "--check"]);
    assert_eq!(code, 1, "{out}{err}");
    let p = d.display();
    for needle in [
        format!("error: holiday calendar: {p}/holidays.toml"),
        format!("error: fonts.12: cannot read font {p}/wqy12.bdf"),
        format!("error: {p}/playlist.toml:4:"),
        "error: console: ".to_owned(),
        format!("error: board_key {p}/board.json: not a key file"),
        "warning: /dev/ttyUSB-not-plugged is not there now: is the adapter plugged in?".to_owned(),
        "warning: the console has no users: add one with `pinghu console adduser NAME --role admin".to_owned(),
        "playlist.toml: refused (the daemon would run its last good copy, or announcements only)".to_owned(),
    ] {
        assert!(out.contains(&needle), "{needle:?} in\n{out}");
    }
    // (A third warning when the machine's own disk is nearly full: that is the check at work.)
    let disk_full = usize::from(out.contains("the disk is nearly full"));
    assert!(
        out.contains(&format!(": 5 error(s), {} warning(s)", 2 + disk_full)),
        "{out}"
    );
    assert!(!d.join("data").exists());

    // A configuration that does not parse: its own error, at its line.
    std::fs::write(d.join("broken.toml"), "data_dir = \"d\"\n[screen]\nwidth = \"192\"\n").unwrap();
    let (code, out, _) = pinghu(&["run", "--config", d.join("broken.toml").to_str().unwrap(), "--check"]);
    assert_eq!(code, 1);
    assert!(out.contains("error: ") && out.contains("line 3"), "{out}");
    // For scripts: the same findings as JSON.
    let (code, out, _) = pinghu(&[
        "run",
        "--config",
        d.join("pinghu.toml").to_str().unwrap(),
        "--check",
        "--json",
    ]);
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        (v["ok"].as_bool(), v["errors"].as_array().map(Vec::len)),
        (Some(false), Some(5))
    );
    assert_eq!(
        v["summary"]["screen"],
        "yiling-pinghu, 192x64 red-green, groups yiling-all"
    );
    // --check needs --config.
    let (code, _, err) = pinghu(&["run", "--check"]);
    assert_eq!(code, 2);
    assert!(err.contains("--config"), "{err}");
}

/// Issue #32, point 5: on a fresh install the data folder does not exist yet, and the check is
/// run from the configuration's folder with a relative path: the folder will be made at the first
/// start, which is not an error. A data_dir that cannot be made (a file stands where a parent
/// folder should be) still is.
#[test]
fn a_data_dir_made_at_the_first_start_passes_and_one_that_cannot_be_made_fails() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::copy(
        format!(
            "{}/../playlists/examples/government-service-center.toml",
            env!("CARGO_MANIFEST_DIR")
        ),
        d.join("playlist.toml"),
    )
    .unwrap();
    let check = |data_dir: &str| {
        let text = config("", "").replace("data_dir = \"data/board\"", &format!("data_dir = \"{data_dir}\""));
        std::fs::write(d.join("pinghu.toml"), text).unwrap();
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_pinghu"))
            .args(["run", "--config", "pinghu.toml", "--check"])
            .current_dir(d)
            .output()
            .unwrap();
        (
            out.status.code().unwrap(),
            String::from_utf8(out.stdout).unwrap() + &String::from_utf8(out.stderr).unwrap(),
        )
    };
    let (code, out) = check("data");
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("data (made at the first start)"), "{out}");
    assert!(!out.contains("not writable"), "{out}");
    assert!(!d.join("data").exists(), "a check writes nothing");

    std::fs::write(d.join("blocker"), "a file where a folder should be").unwrap();
    let (code, out) = check("blocker/data");
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("data_dir blocker/data: ")
            && out.contains("blocker is a file, so the folder cannot be made there"),
        "{out}"
    );
}

#[test]
fn a_check_with_a_data_folder_and_no_configuration_is_refused_and_starts_nothing() {
    // `--check --data-dir DIR` once started a second daemon on a live one's folder: clap let the
    // conflicting `--data-dir` stand in for the `--config` that `--check` requires.
    let d = tempfile::tempdir().unwrap();
    let dir = d.path().join("live");
    let (code, out, err) = pinghu(&["run", "--check", "--data-dir", dir.to_str().unwrap()]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("--check") && err.contains("--data-dir"), "{err}");
    assert!(!dir.exists(), "nothing was made in the data folder");
}
