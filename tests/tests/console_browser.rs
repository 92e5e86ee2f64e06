//! The console in a real browser: Debian's headless Chromium, driven over the W3C WebDriver
//! protocol (chromedriver) from Rust with `fantoccini`, against the real `pinghu run` with its
//! simulated board. Screenshots go to the test's output folder (`target/tmp/console-browser/`).

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use pinghu_tests::console::ConsoleRig;
use pinghu_tests::{free_port, pinghu};
use serde_json::{Value, json};

const ALWAYS: &str = "[[item]]\nid = \"hello\"\ntext = \"夷陵区欢迎您\"\ncolor = \"green\"\n";

/// A chromedriver and one headless Chromium session.
struct Browser {
    driver: Child,
    client: Client,
}

impl Browser {
    /// Sign in on the console's form with the rig's admin token, and land on the board page.
    async fn sign_in_with_token(&self, rig: &ConsoleRig) {
        self.go(&format!("{}/login", rig.url)).await;
        self.type_into("input[name=token]", &rig.token).await;
        self.click("form.login button").await;
        self.wait("the board page", 10, "location.pathname === '/board'").await;
    }

    async fn start() -> Self {
        let port = free_port();
        let driver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver (Debian's chromium-driver; .ci/run installs it)");
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not start");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let caps = json!({"browserName": "chrome", "goog:chromeOptions": {
            "binary": "/usr/bin/chromium",
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1200,900",
                     "--lang=zh-CN"]}});
        let Value::Object(caps) = caps else { unreachable!() };
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .expect("a browser session");
        Self { driver, client }
    }

    async fn go(&self, url: &str) {
        self.client.goto(url).await.expect("navigate");
    }

    async fn js(&self, script: &str, args: Vec<Value>) -> Value {
        self.client.execute(script, args).await.expect("run the script")
    }

    async fn click(&self, css: &str) {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no {css}: {e}"))
            .click()
            .await
            .expect("click");
    }

    /// Put `text` in the playlist editor, as typing it would (the editor hears an input event).
    async fn set_playlist(&self, text: &str) {
        self.js(
            "const t = document.getElementById('playlist'); t.value = arguments[0]; t.dispatchEvent(new Event('input'));",
            vec![json!(text)],
        )
        .await;
    }

    async fn type_into(&self, css: &str, text: &str) {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no {css}: {e}"))
            .send_keys(text)
            .await
            .expect("type");
    }

    /// Wait until `script` (a JavaScript expression) is truthy; its value.
    async fn wait(&self, what: &str, secs: u64, script: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let v = self.js(&format!("return {script};"), vec![]).await;
            if !(v.is_null() || v == json!(false) || v == json!("")) {
                return v;
            }
            assert!(Instant::now() < deadline, "the page never showed {what}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn screenshot(&self, name: &str) -> std::path::PathBuf {
        let png = self.client.screenshot().await.expect("a screenshot");
        let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("console-browser");
        std::fs::create_dir_all(&dir).expect("output folder");
        let path = dir.join(name);
        std::fs::write(&path, png).expect("write the screenshot");
        path
    }

    async fn close(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// The rig's waits poll files and sleep: off the runtime's workers.
fn blocking<T>(f: impl FnOnce() -> T) -> T {
    tokio::task::block_in_place(f)
}

fn publish(rig: &ConsoleRig, payload: &Value) {
    let broker = format!("mqtt://127.0.0.1:{}", rig.broker_port);
    let (code, _, err) = pinghu_tests::portal_publish(&broker, "demo", payload, &rig.path("demo-key.json"), &[]);
    assert_eq!(code, 0, "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_edits_the_playlist_and_watches_the_board_in_a_browser() {
    let rig = blocking(ConsoleRig::start);
    let b = Browser::start().await;

    // Sign in (the embedded default's admin token).
    b.sign_in_with_token(&rig).await;

    // Break the playlist in the TOML view (高级): the error is listed at its line, in the
    // checker's words, and the line is marked.
    b.go(&format!("{}/playlist", rig.url)).await;
    b.wait("the form", 10, "document.querySelectorAll('#items .card').length")
        .await;
    b.click("#tab-toml").await;
    b.wait("the TOML view", 10, "!document.getElementById('toml-view').hidden")
        .await;
    let broken = ALWAYS.replace("text = ", "time = \"25:00-26:00\"\ntext = ");
    b.set_playlist(&broken).await;
    b.click("#check").await;
    let err = b
        .wait(
            "the error",
            10,
            "document.querySelector('#problems li[data-line]')?.textContent",
        )
        .await;
    assert!(err.as_str().unwrap().starts_with("3:"), "{err}");
    // In the page's language: the checker's message written in Chinese.
    assert!(err.as_str().unwrap().contains("不是一天中的时刻"), "{err}");
    assert!(
        b.js(
            "return document.getElementById('gutter').textContent.includes('▶3');",
            vec![]
        )
        .await
            == json!(true)
    );
    b.screenshot("1-playlist-error.png").await;

    // A character no font has: checked, it passes with a warning at the item's line, in Chinese.
    b.set_playlist(&ALWAYS.replace("夷陵区欢迎您", "夷陵区欢迎您𠀋")).await;
    b.click("#check").await;
    let warning = b
        .wait(
            "the warning",
            10,
            "document.querySelector('#problems li.warn')?.textContent",
        )
        .await;
    assert!(warning.as_str().unwrap().contains("字库中没有「𠀋」"), "{warning}");
    let ok = b
        .js("return document.querySelector('#problems li.ok')?.textContent;", vec![])
        .await;
    assert_eq!(
        ok,
        json!("可以保存，请留意以下提醒："),
        "a warning does not stop a save"
    );
    b.screenshot("1-playlist-warning.png").await;

    // Fix it and save: the simulated card's glass changes to it.
    let before = blocking(|| rig.glass());
    b.set_playlist(ALWAYS).await;
    b.click("#preview-button").await;
    b.wait(
        "the item's preview",
        10,
        "document.querySelector('#preview img.page')?.naturalWidth > 0",
    )
    .await;
    b.screenshot("2-playlist-preview.png").await;
    b.click("#save").await;
    let saved = blocking(|| rig.wait_glass("the saved playlist", |g| !g.is_empty() && g != before));
    b.wait(
        "the saved version in the history",
        10,
        "document.querySelectorAll('#history tr').length >= 2 && \
         ['初始', '保存'].every(w => document.getElementById('history').textContent.includes(w))",
    )
    .await;

    // The live view: an urgent notice published on MQTT shows within 2 s, and goes when revoked.
    b.go(&format!("{}/board", rig.url)).await;
    b.wait(
        "the rotation",
        10,
        "document.getElementById('frame-sha').textContent.includes('节目 hello')",
    )
    .await;
    let now = jiff::Timestamp::now();
    let urgent = json!({"id": "yl-web-1", "revision": 1, "action": "publish", "priority": "urgent", "title": "停水通知",
        "body": "今日小溪塔街道停水", "issued_at": now.to_string(), "approved_by": "区电子政务办公室",
        "valid_until": (now + jiff::SignedDuration::from_mins(10)).to_string()});
    let t0 = Instant::now();
    blocking(|| publish(&rig, &urgent));
    b.wait(
        "the urgent notice",
        10,
        "document.getElementById('frame-sha').textContent.includes('公告 yl-web-1')",
    )
    .await;
    let seen = t0.elapsed();
    assert!(seen < Duration::from_secs(2), "the live view took {seen:?}");
    b.wait(
        "the new glass",
        5,
        "document.getElementById('glass').complete && document.getElementById('glass').naturalWidth > 0",
    )
    .await;
    // The status in the operator's words: the urgent layer, the link up.
    b.wait(
        "the layer and link in Chinese",
        5,
        "document.querySelector('[data-field=\"layer\"]').textContent === '紧急' && \
         document.querySelector('[data-field=\"device.link\"]').textContent === '正常'",
    )
    .await;
    // The data disk's free space, in megabytes.
    let free = b
        .js(
            "return document.querySelector('[data-field=\"storage.disk.free_bytes\"]').textContent;",
            vec![],
        )
        .await;
    assert!(free.as_str().unwrap().ends_with(" MB"), "{free}");
    let shot = b.screenshot("3-board-urgent.png").await;
    assert!(std::fs::metadata(&shot).unwrap().len() > 1000);
    let revoke =
        json!({"id": "yl-web-1", "revision": 2, "action": "revoke", "issued_at": jiff::Timestamp::now().to_string()});
    blocking(|| publish(&rig, &revoke));
    b.wait(
        "the rotation again",
        10,
        "document.getElementById('frame-sha').textContent.includes('节目 hello')",
    )
    .await;
    blocking(|| rig.wait_glass("the rotation on the card again", |g| g == saved));

    // The announcement's receipts and pages, as an operator reviews them.
    b.go(&format!("{}/announcements", rig.url)).await;
    b.wait(
        "the announcement's pages",
        10,
        "[...document.querySelectorAll('.pages img')].some(i => i.complete && i.naturalWidth > 0)",
    )
    .await;
    b.wait(
        "its receipt history",
        5,
        "document.querySelector('ol.history').textContent.includes('已撤回')",
    )
    .await;
    b.screenshot("5-announcements.png").await;

    // History: restore the version from before the console.
    b.go(&format!("{}/playlist", rig.url)).await;
    b.js(
        "window.confirm = () => true; const rows = document.querySelectorAll('#history button.restore'); rows[rows.length - 1].click();",
        vec![],
    )
    .await;
    blocking(|| rig.wait_glass("the restored sample playlist", |g| g != saved));
    b.screenshot("4-history.png").await;

    // Proof of display: today's entries in the board's time, the chain intact.
    b.go(&format!("{}/proof", rig.url)).await;
    b.wait(
        "today's proof entries",
        10,
        "document.querySelectorAll('#proof tr').length > 1 && document.getElementById('proof-chain').textContent.includes('完整')",
    )
    .await;
    let first_time = b
        .js(
            "return document.querySelector('#proof tr:nth-child(2) td:nth-child(2)').textContent;",
            vec![],
        )
        .await;
    let today = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::get("Asia/Shanghai").unwrap())
        .strftime("%Y/%m/%d")
        .to_string();
    assert!(
        first_time.as_str().is_some_and(|t| t.starts_with(&today)),
        "{first_time} is not a time of {today} in Beijing"
    );
    // Every kind of content is named in Chinese: 节目, 公告, 无内容 (for a blank board), none left in English.
    let untranslated = b
        .js(
            "return Array.from(document.querySelectorAll('#proof td:nth-child(3)'))\
             .map(td => td.textContent).filter(t => /^[a-z]+( |$)/.test(t));",
            vec![],
        )
        .await;
    assert_eq!(untranslated, json!([]), "proof entries whose kind is not in Chinese");
    b.screenshot("6-proof.png").await;

    // The audit log holds the sign-in and both changes, and verifies.
    let data_dir = rig.dir.path().to_str().unwrap().to_owned();
    let (code, out, err) = blocking(|| pinghu(&["log", "verify", "--data-dir", &data_dir]));
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("audit.jsonl: 3 entries, chain intact"), "{out}");
    let audit = std::fs::read_to_string(rig.path("audit.jsonl")).unwrap();
    assert!(audit.contains("\"console.sign_in\""), "{audit}");
    assert!(audit.contains("\"playlist.save\"") && audit.contains("\"playlist.restore\""));
    assert!(
        audit.contains("\"who\":\"admin\""),
        "a browser session's changes name the user"
    );

    // An advertiser's picture, chosen in the browser's file dialog and uploaded: listed with how
    // this board shows it, and in the audit log.
    b.go(&format!("{}/playlist", rig.url)).await;
    let file = std::fs::canonicalize(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../playlists/examples/images/pinghu-sunrise.png"
    ))
    .unwrap();
    b.type_into("#picture-file", file.to_str().unwrap()).await;
    b.click("#upload").await;
    let said = b
        .wait(
            "the uploaded picture",
            10,
            "document.querySelector('#pictures tr[data-name=\"pinghu-sunrise.png\"] img.picture')?.naturalWidth > 0 \
             && document.getElementById('picture-result').textContent",
        )
        .await;
    assert!(
        said.as_str().unwrap().starts_with("已上传： pinghu-sunrise.png ("),
        "{said}"
    );
    assert!(rig.path("pinghu-sunrise.png").exists());
    b.js("document.getElementById('pictures').scrollIntoView();", vec![])
        .await;
    b.screenshot("8-pictures.png").await;

    // The audit log in the browser: every change, newest first, the playlist's diff, the chain.
    b.go(&format!("{}/audit", rig.url)).await;
    let actions = b
        .js(
            "return [...document.querySelectorAll('#audit tr[data-action]')].map(r => r.dataset.action);",
            vec![],
        )
        .await;
    assert_eq!(
        actions,
        json!(["picture.upload", "playlist.restore", "playlist.save", "console.sign_in"]),
        "newest first"
    );
    let chain = b
        .js("return document.getElementById('audit-chain').textContent;", vec![])
        .await;
    assert!(chain.as_str().unwrap().contains("✔ 完整"), "{chain}");
    b.click("#audit tr[data-action='playlist.save'] details summary").await;
    let diff = b
        .js(
            "return document.querySelector('#audit tr[data-action=\"playlist.save\"] pre.diff').textContent;",
            vec![],
        )
        .await;
    assert!(diff.as_str().unwrap().contains("+id = \"hello\""), "{diff}");
    b.screenshot("9-audit.png").await;
    // On a phone (the duty officer away from a desk) every page fits the screen's width: the
    // header wraps, wide tables and the week scroll inside themselves, the editor keeps its lines.
    b.client.set_window_size(390, 844).await.expect("a phone-sized window");
    for page in ["/board", "/announcements", "/playlist", "/proof", "/audit"] {
        b.go(&format!("{}{page}", rig.url)).await;
        let (page_width, window) = (
            b.js("return document.documentElement.scrollWidth;", vec![]).await,
            b.js("return document.documentElement.clientWidth;", vec![]).await,
        );
        if page_width.as_u64() > window.as_u64() {
            b.screenshot("10-phone-too-wide.png").await;
            let widest = b
                .js(
                    "let w = null; document.querySelectorAll('body *').forEach(e => { const r = e.getBoundingClientRect(); \
                     if (r.right > document.documentElement.clientWidth && (!w || r.right > w[1])) w = [e.outerHTML.slice(0, 120), r.right]; }); return w;",
                    vec![],
                )
                .await;
            panic!("{page} is {page_width} px wide in a {window} px window; widest: {widest}");
        }
        if page == "/board" {
            b.screenshot("10-phone-board.png").await;
        }
        if page == "/playlist" {
            // A line longer than the editor scrolls rather than wraps, so the line numbers
            // beside it (and the errors marked by them) stay on their lines.
            b.click("#tab-toml").await;
            b.set_playlist(&ALWAYS.replace("夷陵区欢迎您", &"夷陵区欢迎您".repeat(20)))
                .await;
            let scrolls = b
                .js(
                    "const t = document.getElementById('playlist'); return t.scrollWidth > t.clientWidth;",
                    vec![],
                )
                .await;
            assert_eq!(scrolls, json!(true), "the editor wraps its long line");
        }
    }
    b.client
        .set_window_size(1200, 900)
        .await
        .expect("the desk-sized window again");

    // The picture on the board, then the office asks for its removal: refused while the item
    // shows it, it waits, and the playlist page says so beside the item.
    let with_picture = format!("{ALWAYS}\n[[item]]\nid = \"sunrise\"\nimage = \"pinghu-sunrise.png\"\n");
    let saved = blocking(|| rig.api("PUT", "/api/v1/playlist", &with_picture));
    assert_eq!(saved.status, 200, "{}", saved.text());
    let (code, out, err) = pinghu(&[
        "portal",
        "push",
        "--broker",
        &format!("mqtt://127.0.0.1:{}", rig.broker_port),
        "--key",
        rig.path("demo-key.json").to_str().unwrap(),
        "--revision",
        "1",
        "--remove-picture",
        "pinghu-sunrise.png",
        "--screen",
        "demo",
    ]);
    assert_eq!(code, 0, "{out}{err}");
    let waiting = blocking(|| {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let s = rig.api("GET", "/api/v1/status", "").json();
            if s["office"]["removals_waiting"] == json!(["pinghu-sunrise.png"]) {
                return s;
            }
            assert!(Instant::now() < deadline, "the removal never waited: {}", s["office"]);
            std::thread::sleep(Duration::from_millis(100));
        }
    });
    assert!(
        waiting["office"]["last"]["reason"]
            .as_str()
            .is_some_and(|r| r.contains("removes it by itself"))
    );
    b.go(&format!("{}/playlist", rig.url)).await;
    let note = b
        .wait(
            "the waiting removal beside the picture",
            10,
            "document.querySelector('#pictures tr[data-name=\"pinghu-sunrise.png\"] .removal-waiting')?.textContent",
        )
        .await;
    assert_eq!(note, json!("办公室已要求删除：节目单不再使用后自动删除"));
    let used = b
        .js(
            "return document.querySelector('#pictures tr[data-name=\"pinghu-sunrise.png\"] td:nth-child(4)').textContent;",
            vec![],
        )
        .await;
    assert!(used.as_str().unwrap().starts_with("sunrise"), "{used}");
    b.js("document.getElementById('pictures').scrollIntoView();", vec![])
        .await;
    b.screenshot("8-pictures-removal-waiting.png").await;

    // A hand edit of the playlist file with a typo: refused, and the board page says where and
    // what runs meanwhile.
    let file = rig.path("playlist.toml");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, format!("{text}\n[[item]]\nid = \"typo\"\ntext = \"未闭合\n")).unwrap();
    b.go(&format!("{}/board", rig.url)).await;
    let shown = b
        .wait(
            "the playlist file's error",
            10,
            "document.querySelector('[data-field=\"playlist.error\"]').textContent.includes('playlist.toml:')",
        )
        .await;
    assert!(shown.as_bool().unwrap());
    let cell = b
        .js(
            "return document.querySelector('[data-field=\"playlist.error\"]').textContent;",
            vec![],
        )
        .await;
    let lines = text.lines().count() + 4;
    assert!(
        cell.as_str().unwrap().contains(&format!("playlist.toml:{lines}:")),
        "{cell} names line {lines}"
    );
    // In the operator's language, and what runs meanwhile.
    assert!(
        cell.as_str().unwrap().starts_with("节目单有 1 处问题：")
            && cell.as_str().unwrap().contains("改好之前，继续播放原来的节目单"),
        "{cell}"
    );
    b.js(
        "document.querySelector('[data-field=\"playlist.error\"]').scrollIntoView();",
        vec![],
    )
    .await;
    b.screenshot("7-board-playlist-error.png").await;
    b.close().await;
}

/// Set a form field as a clerk's input would (the page hears the event it listens for).
async fn set_field(b: &Browser, css: &str, value: &str, event: &str) {
    let found = b
        .js(
            "const e = document.querySelector(arguments[0]); if (!e) return false; e.value = arguments[1]; \
             e.dispatchEvent(new Event(arguments[2])); return true;",
            vec![json!(css), json!(value), json!(event)],
        )
        .await;
    assert_eq!(found, json!(true), "no {css}");
}

/// What the board shows now (`item NAME`, …), from the status.
fn showing(rig: &ConsoleRig) -> String {
    rig.api("GET", "/api/v1/status", "").json()["showing"]["content"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clerk_adds_an_item_with_a_window_in_the_form_and_sees_it_on_the_board_without_typing_toml() {
    let rig = blocking(ConsoleRig::start);
    let b = Browser::start().await;
    b.client.set_window_size(1366, 768).await.expect("a desk-sized window");
    b.sign_in_with_token(&rig).await;

    // The playlist page opens on the form: one card per item, in Chinese.
    b.go(&format!("{}/playlist", rig.url)).await;
    let cards = b
        .wait(
            "the form's items",
            10,
            "document.querySelectorAll('#items .card').length",
        )
        .await;
    let cards = cards.as_u64().unwrap();
    assert!(cards >= 1);
    assert_eq!(
        b.js("return document.getElementById('toml-view').hidden;", vec![])
            .await,
        json!(true),
        "TOML is behind 高级, not the first thing a clerk sees"
    );
    let labels = b
        .js("return document.querySelector('#items .card').textContent;", vec![])
        .await;
    for word in ["编号", "文字", "星期", "时段", "日期", "字号", "颜色", "效果", "停留"] {
        assert!(labels.as_str().unwrap().contains(word), "{word} missing from {labels}");
    }
    // The buttons are on the first screen, not below the fold.
    let bottom = b
        .js(
            "return document.getElementById('save').getBoundingClientRect().bottom <= window.innerHeight;",
            vec![],
        )
        .await;
    assert_eq!(bottom, json!(true), "保存 is below the fold");
    b.screenshot("11-form.png").await;

    // Remove asks first; answered no, nothing goes.
    b.js("window.confirm = m => { window.asked = m; return false; };", vec![])
        .await;
    b.click("#items .card .remove-item").await;
    let asked = b.js("return window.asked;", vec![]).await;
    assert!(asked.as_str().unwrap().contains("确定删除"), "{asked}");
    assert_eq!(
        b.js("return document.querySelectorAll('#items .card').length;", vec![])
            .await,
        json!(cards)
    );

    // Add an item: its sample text is selected, so what the clerk types replaces it.
    b.click("#add-item").await;
    let last = format!("#items .card[data-index=\"{cards}\"]");
    b.wait(
        "the new item's sample text selected",
        10,
        "(t => t === document.activeElement && t.selectionStart === 0 && t.selectionEnd === t.value.length && t.value.length > 0)\
         (document.querySelector('#items .card:last-of-type textarea[data-key=text]'))",
    )
    .await;
    b.client
        .active_element()
        .await
        .expect("the focused text")
        .send_keys("停水")
        .await
        .expect("type");
    let typed = b
        .js(
            &format!("return document.querySelector('{last} textarea[data-key=text]').value;"),
            vec![],
        )
        .await;
    assert_eq!(typed, json!("停水"), "typing replaced the sample");
    // A greeting with the date field, shown all day, scrolling; the card's title follows its id.
    set_field(&b, &format!("{last} input[data-key=id]"), "greeting", "input").await;
    set_field(
        &b,
        &format!("{last} textarea[data-key=text]"),
        "今天是{date}，欢迎来办事",
        "input",
    )
    .await;
    set_field(&b, &format!("{last} input[data-key=time]"), "00:00", "change").await;
    set_field(&b, &format!("{last} input[data-key=time] ~ input"), "23:59", "change").await;
    set_field(&b, &format!("{last} select[data-key=effect]"), "scroll-left", "change").await;
    let title = b
        .js(
            &format!("return document.querySelector('{last} h3').textContent;"),
            vec![],
        )
        .await;
    assert!(title.as_str().unwrap().contains("greeting"), "{title}");
    // The form wrote it into the text, which the checker passed; no TOML was typed.
    let text = b
        .wait(
            "the item in the text",
            10,
            "(t => t.includes('id = \"greeting\"') && t.includes('time = \"00:00-23:59\"') && t)(document.getElementById('playlist').value)",
        )
        .await;
    assert!(text.as_str().unwrap().contains("effect = \"scroll-left\""), "{text}");
    b.wait("the check's word", 10, "document.querySelector('#problems li.ok')")
        .await;

    // A mistake is shown at its field: an id another item has.
    let first_id = b
        .js(
            "return document.querySelector('#items .card input[data-key=id]').value;",
            vec![],
        )
        .await;
    set_field(
        &b,
        &format!("{last} input[data-key=id]"),
        first_id.as_str().unwrap(),
        "input",
    )
    .await;
    let at_field = b
        .wait(
            "the error at the id",
            10,
            &format!("document.querySelector('{last} [data-slot=id] .field-error')?.textContent"),
        )
        .await;
    assert!(
        at_field
            .as_str()
            .unwrap()
            .chars()
            .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
        "in Chinese: {at_field}"
    );
    b.screenshot("12-form-error.png").await;
    set_field(&b, &format!("{last} input[data-key=id]"), "greeting", "input").await;
    b.wait(
        "the error gone",
        10,
        &format!("!document.querySelector('{last} .field-error') && document.querySelector('#problems li.ok')"),
    )
    .await;

    // A dwell out of range reads at its field in the form's words (its label, no TOML key), and a
    // save tried meanwhile says first that nothing was saved. The card drops the pages it showed
    // before the edit rather than keep showing them.
    b.wait(
        "the card's pages",
        10,
        &format!("!!document.querySelector('{last} .card-preview img')"),
    )
    .await;
    set_field(&b, &format!("{last} input[data-key=dwell_s]"), "0", "input").await;
    b.wait(
        "the stale pages gone from the card with a problem",
        10,
        &format!("!document.querySelector('{last} .card-preview img')"),
    )
    .await;
    let dwell = b
        .wait(
            "the error at the dwell",
            10,
            &format!("document.querySelector('{last} [data-slot=dwell_s] .field-error')?.textContent"),
        )
        .await;
    let dwell = dwell.as_str().unwrap();
    assert!(
        dwell.contains("停留时间") && !dwell.contains("dwell_s") && !dwell.contains('`'),
        "{dwell}"
    );
    let listed = b
        .js(
            "return [...document.querySelectorAll('#problems li')].map(li => li.textContent).join('\\n');",
            vec![],
        )
        .await;
    assert!(
        listed.as_str().unwrap().contains("停留时间") && !listed.as_str().unwrap().contains("dwell_s"),
        "the list in the form's words too: {listed}"
    );
    b.click("#save").await;
    let refused = b
        .wait(
            "the refused save",
            10,
            "document.querySelector('#problems li.not-saved')?.textContent",
        )
        .await;
    assert!(refused.as_str().unwrap().starts_with("未保存："), "{refused}");
    assert!(
        b.js(
            &format!("return !!document.querySelector('{last} [data-slot=dwell_s] .field-error');"),
            vec![]
        )
        .await
            == json!(true),
        "the problem stays at its field"
    );
    b.js(
        &format!("document.querySelector('{last} [data-slot=dwell_s]').scrollIntoView({{block: 'center'}});"),
        vec![],
    )
    .await;
    b.screenshot("12b-form-refused-save.png").await;
    let running = rig.api("GET", "/api/v1/playlist", "").text();
    assert!(!running.contains("dwell_s = 0"), "nothing saved: {running}");
    // In the TOML view, the checker's own words with their line.
    b.click("#tab-toml").await;
    b.wait(
        "the TOML words",
        10,
        "[...document.querySelectorAll('#problems li')].some(li => li.textContent.includes('dwell_s'))",
    )
    .await;
    b.click("#tab-form").await;
    b.wait(
        "the form again",
        10,
        &format!("document.querySelector('{last} input[data-key=dwell_s]')"),
    )
    .await;
    set_field(&b, &format!("{last} input[data-key=dwell_s]"), "", "input").await;
    b.wait(
        "the dwell's error gone",
        10,
        &format!("!document.querySelector('{last} .field-error') && document.querySelector('#problems li.ok')"),
    )
    .await;

    // Only the greeting on the board: the other items removed (confirmed), then preview and save.
    b.js("window.confirm = () => true;", vec![]).await;
    for _ in 0..cards {
        b.click("#items .card .remove-item").await;
    }
    b.click("#preview-button").await;
    b.wait(
        "the greeting's pages in its card",
        10,
        "document.querySelector('#items .card .card-preview img')?.naturalWidth > 0",
    )
    .await;
    b.screenshot("13-form-preview.png").await;
    b.click("#save").await;
    let shown = blocking(|| {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let s = showing(&rig);
            if s == "item greeting" || Instant::now() > deadline {
                return s;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    });
    assert_eq!(shown, "item greeting");
    // The page came back with the new version in its history and said it was saved.
    b.wait(
        "the saved word after the reload",
        10,
        "document.querySelector('#problems li.ok') && document.getElementById('history').textContent.includes('保存')",
    )
    .await;
    let saved = rig.api("GET", "/api/v1/playlist", "").text();
    assert!(saved.contains("今天是{date}，欢迎来办事"), "{saved}");

    // A save can be undone from the message that says it was saved (asked first), and the undo
    // undone the same way: the board goes back and forth with it.
    let wait_showing = |greeting: bool| {
        let rig = &rig;
        blocking(move || {
            let deadline = Instant::now() + Duration::from_secs(20);
            loop {
                let s = showing(rig);
                if (s == "item greeting") == greeting || Instant::now() > deadline {
                    return s;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        })
    };
    b.js("window.confirm = m => { window.asked = m; return true; };", vec![])
        .await;
    b.click("#undo-save").await;
    let back = wait_showing(false);
    assert_ne!(back, "item greeting", "the undo put the old playlist back");
    assert!(!rig.api("GET", "/api/v1/playlist", "").text().contains("欢迎来办事"));
    b.wait(
        "the undone save said, with its own undo",
        10,
        "document.querySelector('#problems li.ok #undo-save') && document.querySelector('#history tr td:nth-child(3)')?.textContent === '恢复'",
    )
    .await;
    b.js("window.confirm = () => true;", vec![]).await;
    b.click("#undo-save").await;
    assert_eq!(wait_showing(true), "item greeting");
    b.wait(
        "the page back after the redo",
        10,
        "document.querySelector('#problems li.ok #undo-save') !== null",
    )
    .await;

    // A session that ends mid-edit: the save says so, the edit waits in the browser, and is
    // offered back after signing in again.
    b.wait(
        "the form again",
        10,
        "document.querySelectorAll('#items .card').length === 1",
    )
    .await;
    set_field(&b, "#items .card textarea[data-key=text]", "下午三点停水", "input").await;
    b.wait(
        "the edit in the text",
        10,
        "document.getElementById('playlist').value.includes('下午三点停水')",
    )
    .await;
    b.client.delete_all_cookies().await.expect("forget the session");
    b.click("#save").await;
    let said = b
        .wait(
            "the reason",
            10,
            "(t => t?.startsWith('未保存') && t)(document.querySelector('#problems li.error')?.textContent)",
        )
        .await;
    assert!(said.as_str().unwrap().starts_with("未保存：登录已过期"), "{said}");
    b.sign_in_with_token(&rig).await;
    b.go(&format!("{}/playlist", rig.url)).await;
    b.wait(
        "the offer of the kept edit",
        10,
        "!document.getElementById('draft').hidden",
    )
    .await;
    b.click("#draft-restore").await;
    b.wait(
        "the kept edit back in the form",
        10,
        "document.querySelector('#items .card textarea[data-key=text]')?.value === '下午三点停水'",
    )
    .await;

    // The board page: a clerk's summary first, the technician's rows behind 详细. Switching the
    // board off asks first; then the live image is dark and the page says until when.
    b.go(&format!("{}/board", rig.url)).await;
    b.wait(
        "the summary",
        10,
        "document.querySelector('#summary td[data-field=\"showing.content\"]')?.textContent.includes('greeting')",
    )
    .await;
    assert_eq!(
        b.js("return document.getElementById('details').open;", vec![]).await,
        json!(false),
        "the technician's rows are folded"
    );
    let lit = "return new Promise(done => { const i = new Image(); i.onload = () => { const c = document.createElement('canvas'); \
               c.width = i.width; c.height = i.height; const g = c.getContext('2d'); g.drawImage(i, 0, 0); \
               const d = g.getImageData(0, 0, c.width, c.height).data; let n = 0; \
               for (let k = 0; k < d.length; k += 4) if (Math.max(d[k], d[k + 1]) > 180) n++; done(n); }; \
               i.src = document.getElementById('glass').src; });";
    b.wait("a lit glass", 10, "document.getElementById('glass').complete")
        .await;
    let before = b.js(lit, vec![]).await;
    assert!(
        before.as_u64().unwrap() > 0,
        "the glass shows nothing lit before: {before}"
    );
    b.js("window.confirm = m => { window.asked = m; return false; };", vec![])
        .await;
    b.click("#power-off").await;
    assert!(
        b.js("return window.asked;", vec![])
            .await
            .as_str()
            .unwrap()
            .contains("确定关屏")
    );
    b.js("window.confirm = () => true;", vec![]).await;
    b.click("#power-off").await;
    let note = b
        .wait(
            "the override's end",
            15,
            "!document.getElementById('override-row').hidden && document.getElementById('override-note').textContent",
        )
        .await;
    assert!(note.as_str().unwrap().contains("已临时关屏，至"), "{note}");
    let dark = b
        .wait(
            "a dark glass",
            15,
            &format!("(async () => {{ {lit} }})().then(n => n === 0)"),
        )
        .await;
    assert_eq!(dark, json!(true));
    b.screenshot("15-board-off.png").await;
    // Switched off by mistake: the message offers the undo.
    b.click("#undo-power-off").await;
    b.wait(
        "the override gone",
        15,
        "document.getElementById('override-row').hidden",
    )
    .await;

    // On a phone: the form fits the width and its buttons stay in reach.
    b.client.set_window_size(390, 844).await.expect("a phone-sized window");
    b.go(&format!("{}/playlist", rig.url)).await;
    b.wait(
        "the form on a phone",
        10,
        "document.querySelectorAll('#items .card').length",
    )
    .await;
    let (page_width, window) = (
        b.js("return document.documentElement.scrollWidth;", vec![]).await,
        b.js("return document.documentElement.clientWidth;", vec![]).await,
    );
    assert!(
        page_width.as_u64() <= window.as_u64(),
        "the form is {page_width} px wide in {window} px"
    );
    let reach = b
        .js(
            "return document.getElementById('save').getBoundingClientRect().bottom <= window.innerHeight;",
            vec![],
        )
        .await;
    assert_eq!(reach, json!(true), "保存 out of reach on a phone");
    b.screenshot("14-form-phone.png").await;
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_scans_the_qr_code_for_two_step_sign_in_and_signs_in_with_a_code() {
    use pinghu::console::auth::totp;
    let rig = blocking(ConsoleRig::start);
    let added = blocking(|| {
        pinghu_tests::console::request(
            &rig.url,
            "POST",
            "/api/v1/users",
            &[
                ("Authorization", &format!("Bearer {}", rig.token)),
                ("Content-Type", "application/json"),
            ],
            json!({"action": "add", "name": "zhou", "role": "admin", "password": "orchard-kettle-42"}).to_string(),
        )
    });
    assert_eq!(added.status, 200, "{}", added.text());
    let b = Browser::start().await;
    b.client.set_window_size(1366, 768).await.expect("a desk-sized window");
    let sign_in = async |b: &Browser| {
        b.go(&format!("{}/login", rig.url)).await;
        b.type_into("input[name=name]", "zhou").await;
        b.type_into("input[name=password]", "orchard-kettle-42").await;
        b.click("form.login button").await;
    };
    sign_in(&b).await;
    b.wait("the board page", 10, "location.pathname === '/board'").await;

    // The users page: her own row offers the set-up; it shows a QR code and the key.
    b.go(&format!("{}/users", rig.url)).await;
    b.click("tr[data-name=zhou] button[data-action=totp_begin]").await;
    b.wait(
        "the QR code",
        10,
        "!document.getElementById('totp-setup').hidden && document.getElementById('totp-qr').naturalWidth > 0",
    )
    .await;
    let secret = b
        .js("return document.getElementById('totp-secret').textContent;", vec![])
        .await;
    let secret: String = secret.as_str().unwrap().split_whitespace().collect();
    let uri = b
        .js(
            "return document.getElementById('totp-uri').getAttribute('href');",
            vec![],
        )
        .await;
    assert_eq!(
        uri,
        json!(format!("otpauth://totp/Pinghu:zhou?secret={secret}&issuer=Pinghu"))
    );
    let fits = "document.documentElement.scrollWidth <= document.documentElement.clientWidth";
    assert_eq!(b.js(&format!("return {fits};"), vec![]).await, json!(true));
    b.screenshot("16-totp-setup.png").await;
    // On a phone the QR code and the code field fit the width.
    b.client.set_window_size(390, 844).await.expect("a phone-sized window");
    let qr_fits = b
        .js(
            "const r = document.getElementById('totp-qr').getBoundingClientRect(); return r.left >= 0 && r.right <= document.documentElement.clientWidth;",
            vec![],
        )
        .await;
    assert_eq!(qr_fits, json!(true), "the QR code is cut off on a phone");
    b.js("document.getElementById('totp-setup').scrollIntoView();", vec![])
        .await;
    b.screenshot("16-totp-setup-phone.png").await;
    b.client.set_window_size(1366, 768).await.expect("a desk-sized window");

    // The code the phone shows confirms it; the row then says it is on.
    let key = totp::from_base32(&secret).expect("a base32 key");
    let confirmed_at = totp::step_at(totp::unix_now());
    b.type_into("#totp-confirm input[name=code]", &totp::code(&key, confirmed_at))
        .await;
    b.click("#totp-confirm button").await;
    b.wait(
        "the set-up confirmed",
        10,
        "document.getElementById('user-result').className === 'ok'",
    )
    .await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let state = b
        .wait(
            "two-step sign-in on",
            10,
            "document.querySelector('tr[data-name=zhou] td.totp')?.textContent",
        )
        .await;
    assert_eq!(state, json!("已启用"));
    assert_eq!(
        b.js(
            "return !!document.querySelector('tr[data-name=zhou] button[data-action=totp_disable]');",
            vec![]
        )
        .await,
        json!(true)
    );

    // Signed out and in again: the password, then the code (the next one: each works once).
    b.click("header form button").await;
    b.wait("the sign-in page", 10, "location.pathname === '/login'").await;
    sign_in(&b).await;
    b.wait(
        "the code step",
        10,
        "document.querySelector('#code-form input[name=code]')",
    )
    .await;
    assert_eq!(b.js(&format!("return {fits};"), vec![]).await, json!(true));
    b.screenshot("17-totp-code.png").await;
    b.client.set_window_size(390, 844).await.expect("a phone-sized window");
    assert_eq!(b.js(&format!("return {fits};"), vec![]).await, json!(true));
    b.screenshot("17-totp-code-phone.png").await;
    b.type_into("#code-form input[name=code]", &totp::code(&key, confirmed_at + 1))
        .await;
    b.click("#code-form button").await;
    b.wait("the board page", 10, "location.pathname === '/board'").await;
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_books_a_campaign_in_the_form_sees_an_impossible_target_at_its_field_and_saves_it() {
    let rig = blocking(ConsoleRig::start);
    let b = Browser::start().await;
    b.client.set_window_size(1366, 768).await.expect("a desk-sized window");
    b.sign_in_with_token(&rig).await;
    b.go(&format!("{}/playlist", rig.url)).await;
    b.wait(
        "the form's items",
        10,
        "document.querySelectorAll('#items .card').length",
    )
    .await;

    // A campaign added in the form, with one text spot and a target of plays a day: no TOML typed.
    // Below the sticky row of buttons until scrolled to, as an operator would.
    b.js(
        "document.getElementById('add-campaign').scrollIntoView({block: 'center'});",
        vec![],
    )
    .await;
    b.click("#add-campaign").await;
    let camp = "#campaigns .campaign[data-campaign=\"0\"]";
    b.wait("the new campaign", 10, &format!("document.querySelector('{camp}')"))
        .await;
    let labels = b
        .js(&format!("return document.querySelector('{camp}').textContent;"), vec![])
        .await;
    for word in [
        "广告主",
        "合同号",
        "开始日期",
        "结束日期",
        "播放时段",
        "投放目标",
        "每小时最多",
        "广告内容",
    ] {
        assert!(labels.as_str().unwrap().contains(word), "{word} missing from {labels}");
    }
    let today = jiff::Zoned::now().date().to_string();
    for (key, value, event) in [
        ("id", "bank", "input"),
        ("advertiser", "夷陵农商银行", "input"),
        ("contract", "YL-AD-2026-031", "input"),
        ("start_date", today.as_str(), "change"),
        ("end_date", today.as_str(), "change"),
        ("target", "plays_per_day", "change"),
    ] {
        set_field(&b, &format!("{camp} [data-key={key}]"), value, event).await;
    }
    // An impossible target: 8000 spots of 8 s a day (333 an hour, 2667 s) are more than the
    // government floor leaves of each hour (1800 s).
    set_field(&b, &format!("{camp} input[data-key=amount]"), "8000", "input").await;
    set_field(
        &b,
        &format!("{camp} .spot[data-spot=\"0\"] textarea[data-key=text]"),
        "夷陵农商银行 冬季存款优惠",
        "input",
    )
    .await;
    let at_target = b
        .wait(
            "the booking problem at the target",
            20,
            &format!("document.querySelector('{camp} [data-slot=target] .field-error')?.textContent"),
        )
        .await;
    let at_target = at_target.as_str().unwrap();
    assert!(
        at_target.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)) && at_target.contains("bank"),
        "in Chinese, naming the campaign: {at_target}"
    );
    assert_eq!(
        b.js(
            &format!("return document.querySelector('{camp} select[data-key=target]').classList.contains('bad');"),
            vec![]
        )
        .await,
        json!(true)
    );
    b.js(
        &format!("document.querySelector('{camp} [data-slot=target]').scrollIntoView({{block: 'center'}});"),
        vec![],
    )
    .await;
    b.screenshot("16-campaign-overbooked.png").await;

    // Fixed: 60 plays a day fit. The problem goes; the spot's live preview is in its card.
    set_field(&b, &format!("{camp} input[data-key=amount]"), "60", "input").await;
    b.wait(
        "the problem gone",
        20,
        &format!("!document.querySelector('{camp} .field-error') && document.querySelector('#problems li.ok')"),
    )
    .await;
    b.wait(
        "the spot's preview in its card",
        20,
        &format!("document.querySelector('{camp} .spot .card-preview img')?.naturalWidth > 0"),
    )
    .await;
    let text = b.js("return document.getElementById('playlist').value;", vec![]).await;
    let text = text.as_str().unwrap();
    assert!(
        text.contains("[[campaign]]\nid = \"bank\"")
            && text.contains("plays_per_day = 60")
            && text.contains("[[campaign.item]]"),
        "{text}"
    );
    b.screenshot("17-campaign-form.png").await;

    b.click("#save").await;
    b.wait(
        "the saved word after the reload",
        15,
        "document.querySelector('#problems li.ok') && document.getElementById('history').textContent.includes('保存')",
    )
    .await;
    let saved = rig.api("GET", "/api/v1/playlist", "").text();
    let p = pinghu_playlists::parse(&saved, "saved.toml").unwrap_or_else(|e| panic!("{e}\n{saved}"));
    assert_eq!(p.campaigns.len(), 1, "{saved}");
    let c = &p.campaigns[0];
    assert_eq!((c.id.as_str(), c.advertiser.as_str()), ("bank", "夷陵农商银行"));
    assert_eq!(c.target, pinghu_playlists::campaign::Target::PlaysPerDay(60));
    assert_eq!(c.items[0].text, "夷陵农商银行 冬季存款优惠");

    // After the reload the campaign is in the form again, read from the saved text.
    b.wait(
        "the saved campaign in the form",
        10,
        &format!("document.querySelector('{camp} input[data-key=advertiser]')?.value === '夷陵农商银行'"),
    )
    .await;
    // On a phone: the campaign's card fits the width.
    b.client.set_window_size(390, 844).await.expect("a phone-sized window");
    b.go(&format!("{}/playlist", rig.url)).await;
    b.wait(
        "the campaign on a phone",
        10,
        &format!("document.querySelector('{camp}')"),
    )
    .await;
    let (page_width, window) = (
        b.js("return document.documentElement.scrollWidth;", vec![]).await,
        b.js("return document.documentElement.clientWidth;", vec![]).await,
    );
    assert!(
        page_width.as_u64() <= window.as_u64(),
        "the form is {page_width} px wide in {window} px"
    );
    b.js(
        &format!("document.querySelector('{camp}').scrollIntoView({{block: 'start'}});"),
        vec![],
    )
    .await;
    b.screenshot("18-campaign-phone.png").await;
    b.close().await;
}
