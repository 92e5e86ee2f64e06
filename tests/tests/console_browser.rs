//! The console in a real browser: Debian's headless Chromium, driven over the W3C WebDriver
//! protocol (chromedriver) from Rust, against the real `pinghu run` with its simulated board.
//! Screenshots go to the test's output folder (`target/tmp/console-browser/`).

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use pinghu_tests::console::{ConsoleRig, request};
use pinghu_tests::{free_port, pinghu};
use serde_json::{Value, json};

const ALWAYS: &str = "[[item]]\nid = \"hello\"\ntext = \"夷陵区欢迎您\"\ncolor = \"green\"\n";

/// A chromedriver and one headless Chromium session.
struct Browser {
    driver: Child,
    url: String,
    session: String,
}

impl Browser {
    fn start() -> Self {
        let port = free_port();
        let driver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver (Debian's chromium-driver; .ci/run installs it)");
        let url = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        let caps = json!({"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": {
            "binary": "/usr/bin/chromium",
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1200,900",
                     "--lang=zh-CN"]}}}});
        let r = request(
            &url,
            "POST",
            "/session",
            &[("Content-Type", "application/json")],
            &caps.to_string(),
        );
        let v = r.json();
        let session = v["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no browser session: {v}"))
            .to_owned();
        Self { driver, url, session }
    }

    fn call(&self, method: &str, path: &str, body: &Value) -> Value {
        let path = format!("/session/{}{path}", self.session);
        let r = request(
            &self.url,
            method,
            &path,
            &[("Content-Type", "application/json")],
            &body.to_string(),
        );
        let v = r.json();
        assert!(r.status < 300, "webdriver {method} {path}: {v}");
        v["value"].clone()
    }

    fn go(&self, url: &str) {
        self.call("POST", "/url", &json!({"url": url}));
    }

    fn js(&self, script: &str, args: &[Value]) -> Value {
        self.call("POST", "/execute/sync", &json!({"script": script, "args": args}))
    }

    fn find(&self, css: &str) -> String {
        let v = self.call("POST", "/element", &json!({"using": "css selector", "value": css}));
        v.as_object()
            .and_then(|o| o.values().next())
            .and_then(Value::as_str)
            .expect("an element id")
            .to_owned()
    }

    fn click(&self, css: &str) {
        let e = self.find(css);
        self.call("POST", &format!("/element/{e}/click"), &json!({}));
    }

    fn type_into(&self, css: &str, text: &str) {
        let e = self.find(css);
        self.call("POST", &format!("/element/{e}/value"), &json!({"text": text}));
    }

    /// Wait until `script` (a JavaScript expression) is truthy; its value.
    fn wait(&self, what: &str, secs: u64, script: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let v = self.js(&format!("return {script};"), &[]);
            if !(v.is_null() || v == json!(false) || v == json!("")) {
                return v;
            }
            assert!(Instant::now() < deadline, "the page never showed {what}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn screenshot(&self, name: &str) -> std::path::PathBuf {
        use base64::Engine as _;
        let v = self.call("GET", "/screenshot", &json!({}));
        let png = base64::engine::general_purpose::STANDARD
            .decode(v.as_str().expect("base64"))
            .expect("a PNG");
        let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("console-browser");
        std::fs::create_dir_all(&dir).expect("output folder");
        let path = dir.join(name);
        std::fs::write(&path, png).expect("write the screenshot");
        path
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = request(&self.url, "DELETE", &format!("/session/{}", self.session), &[], "");
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

fn publish(rig: &ConsoleRig, payload: &Value) {
    let broker = format!("mqtt://127.0.0.1:{}", rig.broker_port);
    let (code, _, err) = pinghu_tests::portal_publish(&broker, "demo", payload, &rig.path("demo-key.json"), &[]);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn an_operator_edits_the_playlist_and_watches_the_board_in_a_browser() {
    let rig = ConsoleRig::start();
    let b = Browser::start();

    // Sign in (the embedded default's admin token).
    b.go(&format!("{}/login", rig.url));
    b.type_into("input[name=token]", &rig.token);
    b.click("form.login button");
    b.wait("the board page", 10, "location.pathname === '/board'");

    // Break the playlist: the error is listed at its line and the line is marked.
    b.go(&format!("{}/playlist", rig.url));
    let broken = ALWAYS.replace("text = ", "time = \"25:00-26:00\"\ntext = ");
    b.js(
        "const t = document.getElementById('playlist'); t.value = arguments[0]; t.dispatchEvent(new Event('input'));",
        &[json!(broken)],
    );
    b.click("#check");
    let err = b.wait(
        "the error",
        10,
        "document.querySelector('#problems li[data-line]')?.textContent",
    );
    assert!(err.as_str().unwrap().starts_with("3:"), "{err}");
    assert!(
        b.js(
            "return document.getElementById('gutter').textContent.includes('▶3');",
            &[]
        ) == json!(true)
    );
    b.screenshot("1-playlist-error.png");

    // Fix it and save: the simulated card's glass changes to it.
    let before = rig.glass();
    b.js(
        "const t = document.getElementById('playlist'); t.value = arguments[0]; t.dispatchEvent(new Event('input'));",
        &[json!(ALWAYS)],
    );
    b.click("#preview-button");
    b.wait(
        "the item's preview",
        10,
        "document.querySelector('#preview img.page')?.naturalWidth > 0",
    );
    b.screenshot("2-playlist-preview.png");
    b.click("#save");
    let saved = rig.wait_glass("the saved playlist", |g| !g.is_empty() && g != before);
    b.wait(
        "the saved version in the history",
        10,
        "document.querySelectorAll('#history tr').length >= 2",
    );

    // The live view: an urgent notice published on MQTT shows within 2 s, and goes when revoked.
    b.go(&format!("{}/board", rig.url));
    b.wait(
        "the rotation",
        10,
        "document.getElementById('frame-sha').textContent.includes('item hello')",
    );
    let now = jiff::Timestamp::now();
    let urgent = json!({"id": "yl-web-1", "revision": 1, "action": "publish", "priority": "urgent", "title": "停水通知",
        "body": "今日小溪塔街道停水", "issued_at": now.to_string(), "approved_by": "区电子政务办公室",
        "valid_until": (now + jiff::SignedDuration::from_mins(10)).to_string()});
    let t0 = Instant::now();
    publish(&rig, &urgent);
    b.wait(
        "the urgent notice",
        10,
        "document.getElementById('frame-sha').textContent.includes('yl-web-1')",
    );
    let seen = t0.elapsed();
    assert!(seen < Duration::from_secs(2), "the live view took {seen:?}");
    b.wait(
        "the new glass",
        5,
        "document.getElementById('glass').complete && document.getElementById('glass').naturalWidth > 0",
    );
    let shot = b.screenshot("3-board-urgent.png");
    assert!(std::fs::metadata(&shot).unwrap().len() > 1000);
    let revoke =
        json!({"id": "yl-web-1", "revision": 2, "action": "revoke", "issued_at": jiff::Timestamp::now().to_string()});
    publish(&rig, &revoke);
    b.wait(
        "the rotation again",
        10,
        "document.getElementById('frame-sha').textContent.includes('item hello')",
    );
    rig.wait_glass("the rotation on the card again", |g| g == saved);

    // The announcement's receipts and pages, as an operator reviews them.
    b.go(&format!("{}/announcements", rig.url));
    b.wait(
        "the announcement's pages",
        10,
        "[...document.querySelectorAll('.pages img')].some(i => i.complete && i.naturalWidth > 0)",
    );
    b.wait(
        "its receipt history",
        5,
        "document.querySelector('ol.history').textContent.includes('已撤回')",
    );
    b.screenshot("5-announcements.png");

    // History: restore the version from before the console.
    b.go(&format!("{}/playlist", rig.url));
    b.js(
        "const rows = document.querySelectorAll('#history button.restore'); rows[rows.length - 1].click();",
        &[],
    );
    rig.wait_glass("the restored sample playlist", |g| g != saved);
    b.screenshot("4-history.png");

    // The audit log holds both changes and verifies.
    let data_dir = rig.dir.path().to_str().unwrap().to_owned();
    let (code, out, err) = pinghu(&["log", "verify", "--data-dir", &data_dir]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("audit.jsonl: 2 entries, chain intact"), "{out}");
    let audit = std::fs::read_to_string(rig.path("audit.jsonl")).unwrap();
    assert!(audit.contains("\"playlist.save\"") && audit.contains("\"playlist.restore\""));
    assert!(
        audit.contains("\"who\":\"admin\""),
        "a browser session's changes name the user"
    );
}
