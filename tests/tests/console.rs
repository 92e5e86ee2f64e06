//! The operators' console over real HTTP, against the real `pinghu run` on the embedded default
//! (its broker, simulated board and admin token): authentication, CSRF, the login limit, the
//! playlist's check / save / history / restore reaching the glass, the audit log, the API.

use pinghu_tests::console::{ConsoleRig, request};
use pinghu_tests::pinghu;

const ALWAYS: &str = "[[item]]\nid = \"hello\"\ntext = \"夷陵区欢迎您\"\ncolor = \"green\"\n";
const OTHER: &str = "[[item]]\nid = \"notice\"\ntext = \"办事请取号\"\ncolor = \"yellow\"\n";

#[test]
fn without_a_session_or_token_the_api_answers_401_and_health_needs_none() {
    let rig = ConsoleRig::start();
    assert_eq!(request(&rig.url, "GET", "/healthz", &[], "").text(), "ok");
    for path in [
        "/api/v1/status",
        "/api/v1/playlist",
        "/api/v1/board.png",
        "/api/v1/announcements",
    ] {
        assert_eq!(request(&rig.url, "GET", path, &[], "").status, 401, "{path}");
    }
    let forged = request(
        &rig.url,
        "GET",
        "/api/v1/status",
        &[("Authorization", "Bearer 00ff")],
        "",
    );
    assert_eq!(forged.status, 401);
    // Pages send a browser to the sign-in page.
    let page = request(&rig.url, "GET", "/board", &[], "");
    assert_eq!((page.status, page.header("location")), (303, Some("/login")));
    // With the token: the same document as the retained MQTT status, and the glass as a PNG.
    let status = rig.api("GET", "/api/v1/status", "").json();
    assert_eq!(status["screen"], "demo");
    let png = rig.api("GET", "/api/v1/board.png?scale=3", "");
    assert_eq!(png.header("content-type"), Some("image/png"));
    assert_eq!(&png.body[1..4], b"PNG");
}

#[test]
fn a_playlist_is_checked_at_its_lines_saved_live_kept_and_restored_with_an_audit_trail() {
    let rig = ConsoleRig::start();
    // A broken playlist: the error names the line and column, and nothing changes.
    let broken = ALWAYS.replace("text = ", "time = \"25:00-26:00\"\ntext = ");
    let check = rig.api("POST", "/api/v1/playlist/check", &broken).json();
    assert_eq!(check["ok"], false);
    assert_eq!(check["errors"][0]["line"], 3, "{check}");
    assert!(check["errors"][0]["message"].as_str().unwrap().contains("25:00"));
    let refused = rig.api("PUT", "/api/v1/playlist", &broken);
    assert_eq!(refused.status, 422, "{}", refused.text());
    assert_eq!(refused.json()["errors"][0]["line"], 3);

    // Saved: the simulated card's glass changes to it.
    let saved = rig.api("PUT", "/api/v1/playlist", ALWAYS);
    assert_eq!(saved.status, 200, "{}", saved.text());
    let first = shown(&rig, "item hello");
    assert_eq!(rig.api("GET", "/api/v1/playlist", "").text(), ALWAYS);
    assert_eq!(std::fs::read_to_string(rig.path("playlist.toml")).unwrap(), ALWAYS);

    let saved = rig.api("PUT", "/api/v1/playlist", OTHER);
    assert_eq!(saved.status, 200, "{}", saved.text());
    let second = shown(&rig, "item notice");

    // History: the version before the console, then both saves, newest first.
    let history = rig.api("GET", "/api/v1/playlist/history", "").json();
    let actions: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["save", "save", "initial"]);
    let previous = history[1]["sha256"].as_str().unwrap().to_owned();
    assert_eq!(
        rig.api("GET", &format!("/api/v1/playlist/history/{previous}"), "")
            .text(),
        ALWAYS
    );
    let restored = rig.api("POST", &format!("/api/v1/playlist/restore/{previous}"), "");
    assert_eq!(restored.status, 200, "{}", restored.text());
    assert_eq!(shown(&rig, "item hello"), first);
    assert_ne!(first, second);

    // The audit log holds the three changes, with who and a diff, and verifies.
    let audit = std::fs::read_to_string(rig.path("audit.jsonl")).unwrap();
    let entries: Vec<serde_json::Value> = audit.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let acts: Vec<&str> = entries.iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(acts, ["playlist.save", "playlist.save", "playlist.restore"]);
    assert!(entries.iter().all(|e| e["who"] == "token:admin"));
    assert!(
        entries[1]["detail"]["diff"]
            .as_str()
            .unwrap()
            .contains("+text = \"办事请取号\"")
    );
    let data_dir = rig.dir.path().to_str().unwrap().to_owned();
    let (code, out, err) = pinghu(&["log", "verify", "--data-dir", &data_dir]);
    assert!(out.contains("audit.jsonl: 3 entries, chain intact"), "{out}{err}");
    assert_eq!(code, 0, "{out}{err}");
    // An edited audit line is found.
    std::fs::write(rig.path("audit.jsonl"), audit.replace("token:admin", "token:nobody")).unwrap();
    let (code, out, err) = pinghu(&["log", "verify", "--data-dir", &data_dir]);
    assert_eq!(code, 1, "{out}");
    assert!(err.contains("audit.jsonl:1"), "{err}");
}

/// Wait until the daemon reports `content` acknowledged, and the simulated card's glass shows
/// that very frame; its hash.
fn shown(rig: &ConsoleRig, content: &str) -> String {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    let sha = loop {
        let s = rig.api("GET", "/api/v1/status", "").json();
        if s["showing"]["content"] == content {
            break s["showing"]["frame_sha256"].as_str().unwrap().to_owned();
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{content} never shown: {}",
            s["showing"]
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    rig.wait_glass(content, |g| g == sha)
}

/// Sign in with a form; the session cookie.
fn sign_in(url: &str, body: &str) -> (u16, Option<String>) {
    let r = request(
        url,
        "POST",
        "/login",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        body,
    );
    let cookie = r
        .header("set-cookie")
        .and_then(|c| c.split(';').next())
        .map(str::to_owned)
        .filter(|c| c.starts_with("pinghu_session=") && c.len() > "pinghu_session=".len());
    (r.status, cookie)
}

#[test]
fn browser_sessions_need_the_csrf_token_and_wrong_passwords_are_limited() {
    let rig = ConsoleRig::start();
    // An operator, added with the command line.
    let users = rig.path("console-users.toml");
    let (code, _, err) = pinghu_tests::pinghu_stdin(
        &[
            "console",
            "adduser",
            "li-wei",
            "--role",
            "operator",
            "--users",
            users.to_str().unwrap(),
        ],
        "correct horse battery\n",
    );
    assert_eq!(code, 0, "{err}");
    // The daemon read its users at start: use the admin's token to sign in a browser.
    let (status, cookie) = sign_in(&rig.url, &format!("token={}", rig.token));
    assert_eq!(status, 303);
    let cookie = cookie.expect("a session cookie");
    let set = request(
        &rig.url,
        "POST",
        "/login",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        &format!("token={}", rig.token),
    );
    let flags = set.header("set-cookie").unwrap_or_default().to_owned();
    assert!(
        flags.contains("HttpOnly") && flags.contains("SameSite=Strict"),
        "{flags}"
    );
    // The page carries the session's CSRF token.
    let page = request(&rig.url, "GET", "/playlist", &[("Cookie", &cookie)], "").text();
    let csrf = page
        .split("name=\"csrf-token\" content=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("a CSRF token in the page")
        .to_owned();
    // A change with the session but without (or with a forged) CSRF token is refused.
    let no = request(&rig.url, "PUT", "/api/v1/playlist", &[("Cookie", &cookie)], ALWAYS);
    assert_eq!(no.status, 403, "{}", no.text());
    let forged = request(
        &rig.url,
        "PUT",
        "/api/v1/playlist",
        &[("Cookie", &cookie), ("X-CSRF-Token", "0123")],
        ALWAYS,
    );
    assert_eq!(forged.status, 403);
    let ok = request(
        &rig.url,
        "PUT",
        "/api/v1/playlist",
        &[("Cookie", &cookie), ("X-CSRF-Token", &csrf)],
        ALWAYS,
    );
    assert_eq!(ok.status, 200, "{}", ok.text());
    // Reads need no CSRF token.
    assert_eq!(
        request(&rig.url, "GET", "/api/v1/status", &[("Cookie", &cookie)], "").status,
        200
    );

    // Five wrong passwords, then even the right one is refused for a while.
    for _ in 0..5 {
        assert_eq!(sign_in(&rig.url, "name=admin&password=wrong-password").0, 401);
    }
    let limited = request(
        &rig.url,
        "POST",
        "/login",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        &format!("token={}", rig.token),
    );
    assert_eq!(limited.status, 429, "{}", limited.text());
}
