//! Helpers for the console tests: a `pinghu run` on the embedded default (broker, simulated board,
//! console with its admin token) and a minimal HTTP/1.1 client over `std::net`.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::bin;

/// A daemon on the embedded default with its console.
#[derive(Debug)]
pub struct ConsoleRig {
    pub child: Child,
    pub dir: tempfile::TempDir,
    /// `http://127.0.0.1:PORT`
    pub url: String,
    pub broker_port: u16,
    pub token: String,
}

impl ConsoleRig {
    pub fn start() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let (child, url, broker_port) = Self::spawn(dir.path());
        let token = std::fs::read_to_string(dir.path().join("console-token"))
            .expect("the admin token")
            .trim()
            .to_owned();
        Self {
            child,
            dir,
            url,
            broker_port,
            token,
        }
    }

    /// Stop the daemon as systemd does (SIGTERM) and start it again on the same data directory.
    pub fn restart(&mut self) {
        crate::terminate(&mut self.child).expect("stop pinghu run");
        let _ = std::fs::remove_file(self.path("console-address"));
        let (child, url, broker_port) = Self::spawn(self.dir.path());
        (self.child, self.url, self.broker_port) = (child, url, broker_port);
    }

    /// `pinghu run --data-dir DIR`: the child, the console's URL and the broker's port.
    fn spawn(dir: &std::path::Path) -> (Child, String, u16) {
        let mut child = Command::new(bin("pinghu"))
            .args(["run", "--console-port", "0", "--data-dir"])
            .arg(dir)
            .env("RUST_LOG", "warn")
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .expect("start pinghu run");
        let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
        let banner = lines.next().and_then(Result::ok).unwrap_or_default();
        let broker_port = broker_port(&banner);
        std::thread::spawn(move || for _ in lines {});
        (child, console_address(dir), broker_port)
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// The simulated board's glass hash (its `state.json` snapshot).
    pub fn glass(&self) -> String {
        let st: serde_json::Value = std::fs::read_to_string(self.path("board/state.json"))
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or_default();
        st["frame_sha256"].as_str().unwrap_or_default().to_owned()
    }

    /// Wait until the glass hash satisfies `pred`.
    pub fn wait_glass(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let g = self.glass();
            if pred(&g) {
                return g;
            }
            assert!(Instant::now() < deadline, "the board never showed {what} (glass {g})");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// An API request with the admin token.
    pub fn api(&self, method: &str, path: &str, body: impl AsRef<[u8]>) -> Response {
        request(
            &self.url,
            method,
            path,
            &[("Authorization", &format!("Bearer {}", self.token))],
            body,
        )
    }
}

impl Drop for ConsoleRig {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The embedded broker's port, from `pinghu run`'s first line without `--config`.
pub fn broker_port(banner: &str) -> u16 {
    banner
        .split("mqtt://127.0.0.1:")
        .nth(1)
        .and_then(|r| r.split(',').next())
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("no broker in the banner: {banner}"))
}

/// The console's URL once the daemon with data folder `dir` has written it (20 s at most).
pub fn console_address(dir: &std::path::Path) -> String {
    let address = dir.join("console-address");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok(a) = std::fs::read_to_string(&address)
            && !a.trim().is_empty()
        {
            return a.trim().to_owned();
        }
        assert!(Instant::now() < deadline, "the console did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// An HTTP response.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    /// The cookie `name` this response sets, as `name=value` for a `Cookie` header.
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case("set-cookie"))
            .filter_map(|(_, v)| v.split(';').next())
            .find(|c| c.strip_prefix(name).is_some_and(|r| r.starts_with('=')))
            .map(str::to_owned)
    }
}

/// The value of hidden field `name` in a page's form.
pub fn hidden(page: &str, name: &str) -> String {
    page.split(&format!("name=\"{name}\" value=\""))
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap_or_else(|| panic!("no {name} in {page}"))
        .to_owned()
}

/// One HTTP/1.1 request (`Connection: close`), enough for the console's API.
pub fn request(base: &str, method: &str, path: &str, headers: &[(&str, &str)], body: impl AsRef<[u8]>) -> Response {
    let body = body.as_ref();
    let host = base.trim_start_matches("http://");
    let mut s = TcpStream::connect(host).expect("connect to the console");
    // (A preview of its whole page budget takes seconds in a debug build on a busy machine.)
    s.set_read_timeout(Some(Duration::from_secs(60))).expect("timeout");
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).expect("send");
    s.write_all(body).expect("send body");
    // Read the head, then as much body as it announces (a server may keep the connection open
    // despite `Connection: close`, as chromedriver does).
    let mut raw = Vec::new();
    let mut buf = [0u8; 8192];
    let split = loop {
        if let Some(i) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        let n = s.read(&mut buf).expect("read the response");
        assert!(n > 0, "the connection closed before the response head");
        raw.extend_from_slice(&buf[..n]);
    };
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status: u16 = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|c| c.parse().ok())
        .expect("a status line");
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let find = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    let mut body = raw[split + 4..].to_vec();
    let chunked = find("transfer-encoding").is_some_and(|v| v.contains("chunked"));
    if let Some(len) = find("content-length").and_then(|v| v.parse::<usize>().ok()) {
        while body.len() < len {
            let n = s.read(&mut buf).expect("read the body");
            if n == 0 {
                break;
            }
            body.extend_from_slice(&buf[..n]);
        }
        body.truncate(len);
    } else if chunked {
        while !body.windows(5).any(|w| w == b"0\r\n\r\n") {
            let n = s.read(&mut buf).expect("read the body");
            if n == 0 {
                break;
            }
            body.extend_from_slice(&buf[..n]);
        }
        body = dechunk(&body);
    } else {
        s.read_to_end(&mut body).expect("read the body");
    }
    Response { status, headers, body }
}

fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(i) = b.windows(2).position(|w| w == b"\r\n") {
        let n = usize::from_str_radix(String::from_utf8_lossy(&b[..i]).trim(), 16).unwrap_or(0);
        if n == 0 {
            break;
        }
        out.extend_from_slice(&b[i + 2..i + 2 + n]);
        b = &b[i + 2 + n + 2..];
    }
    out
}

/// The sign-in form's CSRF cookie and token, as a browser gets them with the page.
pub fn login_page(url: &str) -> (String, String) {
    let page = request(url, "GET", "/login", &[], "");
    let cookie = page.cookie("pinghu_login").expect("the sign-in form's cookie");
    (cookie, hidden(&page.text(), "csrf"))
}

/// Post the sign-in form (`body` plus the form's token): the response.
pub fn post_login(url: &str, body: &str) -> Response {
    let (cookie, csrf) = login_page(url);
    post_sign_in(url, &cookie, &format!("{body}&csrf={csrf}"))
}

/// Post `body` (form-encoded) to `/login` with the sign-in form's cookie.
pub fn post_sign_in(url: &str, cookie: &str, body: &str) -> Response {
    request(
        url,
        "POST",
        "/login",
        &[
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Cookie", cookie),
        ],
        body,
    )
}

/// The daemon's resident memory after each part of the abuse battery, in KiB.
#[derive(Debug, Clone, Copy)]
pub struct Abused {
    pub before: u64,
    /// After three previews of a 1.9 MB playlist (every item long: thousands of pages unless capped).
    pub previews: u64,
    /// After an 8192x8192 PNG (small on disk) refused, a 4096x4096 one accepted and its board
    /// picture fetched 20 times.
    pub pictures: u64,
    /// After 30 wrong passwords at once.
    pub passwords: u64,
    /// After 300 connections that never send a request, held for 12 s (past the console's read
    /// timeout), then closed.
    pub idle: u64,
}

/// What a hostile or careless browser can send the console (issue #30's battery), each part
/// answered before the next; the daemon's RSS after each. The console must keep answering.
pub fn abuse_battery(rig: &ConsoleRig) -> Abused {
    let pid = rig.child.id();
    let rss = || crate::proc_status_kib(pid, "VmRSS");
    let before = rss();

    // 1. Previews of a 1.9 MB playlist: 700 items of 900 characters each.
    let long: String = (0..700)
        .map(|i| {
            format!(
                "[[item]]\nid = \"long{i}\"\ntext = \"{}\"\n\n",
                "夷陵区政务服务中心通知".repeat(90)
            )
        })
        .collect();
    assert!(long.len() > 1_900_000, "{}", long.len());
    for _ in 0..3 {
        let r = rig.api("POST", "/api/v1/playlist/preview", &long);
        assert!(r.status == 200 || r.status == 413, "preview: {} {}", r.status, r.text());
    }
    let previews = rss();

    // 2. Pictures: a decompression bomb refused, a large picture accepted and shown many times.
    let png = |side: u32| {
        let mut out = std::io::Cursor::new(Vec::new());
        image::GrayImage::new(side, side)
            .write_to(&mut out, image::ImageFormat::Png)
            .expect("encode a PNG");
        out.into_inner()
    };
    let bomb = rig.api("PUT", "/api/v1/pictures/bomb.png", png(8192));
    assert_eq!(bomb.status, 422, "the 8192x8192 picture: {}", bomb.text());
    let big = rig.api("PUT", "/api/v1/pictures/big.png", png(4096));
    assert_eq!(big.status, 200, "the 4096x4096 picture: {}", big.text());
    for _ in 0..20 {
        let r = rig.api("GET", "/api/v1/pictures/big.png/board.png?scale=4", "");
        assert_eq!(r.status, 200);
    }
    let pictures = rss();

    // 3. Thirty wrong passwords at once, for a name that exists and names that do not.
    std::thread::scope(|s| {
        for i in 0..30 {
            let url = rig.url.clone();
            s.spawn(move || {
                let name = if i % 2 == 0 { "admin" } else { "nobody" };
                let r = post_login(&url, &format!("name={name}&password=wrong-{i}"));
                assert!(r.status >= 400, "a wrong password was let in: {}", r.status);
            });
        }
    });
    let passwords = rss();

    // 4. Idle connections past the console's read timeout.
    let addr = rig.url.trim_start_matches("http://").to_owned();
    let idle: Vec<TcpStream> = (0..300).filter_map(|_| TcpStream::connect(&addr).ok()).collect();
    std::thread::sleep(Duration::from_secs(12));
    drop(idle);
    let health = request(&rig.url, "GET", "/healthz", &[], "");
    assert_eq!(health.text(), "ok", "the console answers after the battery");
    Abused {
        before,
        previews,
        pictures,
        passwords,
        idle: rss(),
    }
}

/// A playlist of `n` items as a district writes them (an id, a notice, weekdays, office hours):
/// 10 000 of them are about 1.5 MB, under the 2 MiB a save may carry.
pub fn long_playlist(n: usize) -> String {
    let mut text = String::from("# 夷陵区政务服务中心 — 很长的节目单\n");
    for i in 0..n {
        text.push_str(&format!(
            "\n[[item]]\nid = \"notice-{i}\"\ntext = \"第{i}号通知：夷陵区政务服务中心今天照常办公\"\ndays = [\"mon\", \"tue\", \"wed\", \"thu\", \"fri\"]\ntime = \"08:00-18:00\"\n"
        ));
    }
    text
}

/// `text` with the console's splice (`{"at", "remove", "insert"}`, in UTF-16 units as a browser
/// counts) made, as the form's script makes it.
pub fn splice(text: &str, splice: &serde_json::Value) -> String {
    let units: Vec<u16> = text.encode_utf16().collect();
    let n = |k: &str| usize::try_from(splice[k].as_u64().expect("a number")).expect("fits");
    let (at, remove) = (n("at"), n("remove"));
    let mut out = String::from_utf16(&units[..at]).expect("a character boundary");
    out.push_str(splice["insert"].as_str().expect("the text inserted"));
    out.push_str(&String::from_utf16(&units[at + remove..]).expect("a character boundary"));
    out
}

/// One form edit of a long playlist through the API as the form's script sends it: item
/// `index` gets `text`; the request, the answer and the new text.
pub fn edit_item(
    rig: &ConsoleRig,
    base: &str,
    form: &serde_json::Value,
    index: usize,
    text: &str,
) -> (String, Response) {
    let mut item = form["items"][index].clone();
    item["text"] = text.into();
    // What the form only reads is not sent.
    if let Some(o) = item.as_object_mut() {
        o.remove("lines");
        o.remove("kept");
    }
    let last = form["items"].as_array().map_or(0, Vec::len) - 1;
    let mut runs = Vec::new();
    if index > 0 {
        runs.push(serde_json::json!({"same": [0, index - 1]}));
    }
    runs.push(serde_json::json!({"form": item}));
    if index < last {
        runs.push(serde_json::json!({"same": [index + 1, last]}));
    }
    let body = serde_json::json!({"base": base, "edit": {"items": runs}}).to_string();
    let r = request(
        &rig.url,
        "POST",
        "/api/v1/playlist/form",
        &[
            ("Authorization", &format!("Bearer {}", rig.token)),
            ("Content-Type", "application/json"),
        ],
        &body,
    );
    (body, r)
}
