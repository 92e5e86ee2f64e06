//! # pinghu-tests
//!
//! End-to-end tests across process boundaries: the real `pinghu` and `pinghu-sim` binaries, real
//! TCP sockets on `127.0.0.1:0`, real pseudo-terminals, a real MQTT broker. This library holds the
//! helpers: the binaries (built and located by cargo), starting the simulator and reading its
//! `state.json`, running `pinghu` and capturing its output.

pub mod console;
pub mod crash;
pub mod fleet;
pub mod shipped;

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// `target/<profile>/` of this build.
pub fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    // target/debug/deps/<test> -> target/debug
    exe.parent().and_then(Path::parent).expect("target dir").to_path_buf()
}

/// Path of a workspace binary (`pinghu`, `pinghu-sim`), never a stale one.
///
/// Cargo sets `CARGO_BIN_EXE_<name>` only for the binaries of the test's own package, and these
/// belong to two other packages (`pinghu`, `pinghu-simulator`). So, once per test process, cargo
/// itself is asked to build the workspace's binaries, in this test's profile and target folder,
/// and says where they are (`--message-format=json`, the `executable` of each artifact): whether
/// a binary is up to date is cargo's judgement (its fingerprints of every source, feature and
/// flag), not a comparison of file times, and the path run is the one cargo reports. After a
/// `cargo test --workspace` the build finds everything fresh and costs about a second; after an
/// edit and a lone `cargo test -p pinghu-tests`, it builds what changed.
pub fn bin(name: &str) -> PathBuf {
    built()
        .get(name)
        .unwrap_or_else(|| panic!("cargo built no binary named {name} (it built {:?})", built().keys()))
        .clone()
}

/// The workspace's binaries, by name, as cargo built them for this test process.
fn built() -> &'static HashMap<String, PathBuf> {
    static BUILT: OnceLock<HashMap<String, PathBuf>> = OnceLock::new();
    BUILT.get_or_init(|| {
        let dir = target_dir();
        // target/debug is the dev profile's folder, target/release the release and bench
        // profiles' (benches are built with `bench`, which is `release`); any other is its own.
        let profile = match dir.file_name().and_then(|n| n.to_str()) {
            Some("debug") | None => "dev",
            Some(other) => other,
        };
        let out = Command::new(env!("CARGO"))
            // `--examples` selects no target (the workspace has none) but, as under `cargo test`,
            // turns on the features the dev-dependencies ask for: the binaries are then the very
            // ones `cargo test --workspace` built, not a second build with other features.
            .args(["build", "--quiet", "--workspace", "--bins", "--examples"])
            .args(["--message-format=json-render-diagnostics", "--profile", profile])
            .arg("--target-dir")
            .arg(dir.parent().expect("the target folder"))
            .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
            .stderr(Stdio::inherit())
            .output()
            .expect("run cargo build");
        assert!(out.status.success(), "building the workspace's binaries failed (above)");
        let mut bins = HashMap::new();
        for line in out.stdout.split(|b| *b == b'\n') {
            let Ok(m) = serde_json::from_slice::<serde_json::Value>(line) else {
                continue;
            };
            if m["reason"] == "compiler-artifact"
                && let (Some(name), Some(exe)) = (m["target"]["name"].as_str(), m["executable"].as_str())
            {
                bins.insert(name.to_owned(), PathBuf::from(exe));
            }
        }
        bins
    })
}

/// A running `pinghu-sim`, killed on drop.
#[derive(Debug)]
pub struct Sim {
    pub child: Child,
    pub tcp: Option<String>,
    pub serial: Option<String>,
    pub dir: tempfile::TempDir,
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Sim {
    /// Start the simulator headless on a free port with a snapshot folder; `args` add to that.
    /// The usual board of the end-to-end tests: a BX-6E, 128x32, red-green, on TCP.
    pub fn start_bx6e_128x32() -> Sim {
        Self::start_bx6e_128x32_with(&[])
    }

    /// The usual board with more arguments (`--pty`, `--flash-dir DIR` …).
    pub fn start_bx6e_128x32_with(extra: &[&str]) -> Sim {
        let mut args = vec![
            "--protocol",
            "bx-6e",
            "--width",
            "128",
            "--height",
            "32",
            "--colors",
            "red-green",
        ];
        args.extend_from_slice(extra);
        Self::start(&args)
    }

    pub fn start(args: &[&str]) -> Sim {
        Self::start_at("127.0.0.1:0", args)
    }

    /// Start the simulator listening on `listen` (`ADDR:PORT`): a card powered up again where
    /// the daemon looks for it.
    pub fn start_at(listen: &str, args: &[&str]) -> Sim {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut child = Command::new(bin("pinghu-sim"))
            .args(["--listen", listen, "--headless", "--snapshot-dir"])
            .arg(dir.path())
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start pinghu-sim");
        let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let (mut tcp, mut serial) = (None, None);
        while let Some(Ok(l)) = lines.next() {
            if let Some(a) = l.strip_prefix("listening tcp ") {
                tcp = Some(a.to_owned());
            } else if let Some(p) = l.strip_prefix("listening serial ") {
                serial = Some(p.to_owned());
            } else if l.starts_with("snapshots ") {
                break;
            }
        }
        Sim {
            child,
            tcp,
            serial,
            dir,
        }
    }

    /// `tcp://ADDR` of the simulator.
    pub fn tcp_url(&self) -> String {
        format!("tcp://{}", self.tcp.as_deref().expect("tcp endpoint"))
    }

    /// `serial://PATH?baud=B` of the simulator's pseudo-terminal.
    pub fn serial_url(&self, baud: u32) -> String {
        format!(
            "serial://{}?baud={baud}",
            self.serial.as_deref().expect("serial endpoint")
        )
    }

    /// The current `state.json` (Null while it is being replaced).
    pub fn state(&self) -> serde_json::Value {
        std::fs::read_to_string(self.dir.path().join("state.json"))
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or(serde_json::Value::Null)
    }

    /// Wait until `state.json` satisfies `pred` (10 s at most), then return it.
    pub fn wait_state(&self, what: &str, pred: impl Fn(&serde_json::Value) -> bool) -> serde_json::Value {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let s = self.state();
            if pred(&s) {
                return s;
            }
            assert!(Instant::now() < deadline, "state.json never showed {what}: {s:#}");
            std::thread::sleep(Duration::from_millis(30));
        }
    }
}

/// Run `pinghu` with `args`; returns (exit code, stdout, stderr).
/// SIGTERM, as systemd stops a service, and wait for the process to end.
pub fn terminate(child: &mut Child) -> std::io::Result<std::process::ExitStatus> {
    Command::new("kill").args(["-TERM", &child.id().to_string()]).status()?;
    child.wait()
}

pub fn pinghu(args: &[&str]) -> (i32, String, String) {
    let Output { status, stdout, stderr } = Command::new(bin("pinghu")).args(args).output().expect("run pinghu");
    (
        status.code().unwrap_or(-1),
        String::from_utf8_lossy(&stdout).into_owned(),
        String::from_utf8_lossy(&stderr).into_owned(),
    )
}

/// Make a portal key pair (`pinghu portal keygen`, key id `portal-2026`) in `dir`: the secret
/// key file and the public key for the daemon's configuration.
pub fn keygen(dir: &Path, name: &str) -> (PathBuf, String) {
    let path = dir.join(format!("{name}.json"));
    let (code, _, err) = pinghu(&[
        "portal",
        "keygen",
        "--key-id",
        "portal-2026",
        "--out",
        path.to_str().expect("utf-8 path"),
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("key file")).expect("key json");
    (path, v["public"].as_str().expect("public key").to_owned())
}

/// `pinghu portal publish` of a payload signed with `key` to `screen` on `broker_url`, with
/// `extra` arguments (e.g. `--wait 3`): (exit code, stdout, stderr).
pub fn portal_publish(
    broker_url: &str,
    screen: &str,
    payload: &serde_json::Value,
    key: &Path,
    extra: &[&str],
) -> (i32, String, String) {
    let file = key.with_file_name(format!("payload-{}.json", free_port()));
    std::fs::write(&file, payload.to_string()).expect("payload file");
    let mut args = vec![
        "portal",
        "publish",
        "--broker",
        broker_url,
        "--screen",
        screen,
        "--payload",
        file.to_str().expect("utf-8 path"),
        "--key",
        key.to_str().expect("utf-8 path"),
    ];
    args.extend_from_slice(extra);
    let out = pinghu(&args);
    let _ = std::fs::remove_file(&file);
    out
}

/// Run `pinghu` with `stdin` fed in.
pub fn pinghu_stdin(args: &[&str], stdin: &str) -> (i32, String, String) {
    use std::io::Write as _;
    let mut child = Command::new(bin("pinghu"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run pinghu");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write stdin");
    let out = child.wait_with_output().expect("wait");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A bench's numeric option `--name N` from its command line, or `default`.
pub fn bench_arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A memory figure of a running process from `/proc/PID/status`, in KiB: `VmRSS` (resident now)
/// or `VmHWM` (the peak so far); 0 when the process is gone.
pub fn proc_status_kib(pid: u32, key: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find(|l| l.strip_prefix(key).is_some_and(|r| r.starts_with(':')))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// A free TCP port on loopback.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

fn wait_port(port: u16, secs: u64) -> bool {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while Instant::now() < deadline {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(30));
    }
    false
}

/// Start mosquitto with the configuration `conf`, and wait until it listens on `port`.
pub fn run_mosquitto(conf: &Path, port: u16) -> Child {
    let child = Command::new(Mosquitto::binary())
        .arg("-c")
        .arg(conf)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start mosquitto (apt-get install mosquitto)");
    assert!(wait_port(port, 10), "mosquitto did not start on {port}");
    child
}

/// A private mosquitto on a free loopback port, with persistence in its own folder.
#[derive(Debug)]
pub struct Mosquitto {
    child: Option<Child>,
    pub port: u16,
    dir: tempfile::TempDir,
}

impl Mosquitto {
    /// Start mosquitto (Debian's; `.ci/run` installs it).
    pub fn start() -> Mosquitto {
        Mosquitto::start_with("")
    }

    /// Start mosquitto with `extra` lines in its configuration.
    pub fn start_with(extra: &str) -> Mosquitto {
        let dir = tempfile::tempdir().expect("temp dir");
        let port = free_port();
        std::fs::write(dir.path().join("extra.conf"), extra).expect("write extra.conf");
        let mut m = Mosquitto { child: None, port, dir };
        m.restart();
        m
    }

    fn binary() -> PathBuf {
        for p in ["/usr/sbin/mosquitto", "/usr/bin/mosquitto", "/usr/local/sbin/mosquitto"] {
            if Path::new(p).exists() {
                return PathBuf::from(p);
            }
        }
        PathBuf::from("mosquitto")
    }

    /// Stop it (SIGTERM, so it saves its state) and start it again on the same port.
    pub fn restart(&mut self) {
        self.stop();
        let conf = self.dir.path().join("mosquitto.conf");
        std::fs::write(
            &conf,
            format!(
                "listener {} 127.0.0.1\nallow_anonymous true\nuser root\npersistence true\npersistence_location {}/\nautosave_interval 1\n{}",
                self.port,
                self.dir.path().display(),
                std::fs::read_to_string(self.dir.path().join("extra.conf")).unwrap_or_default()
            ),
        )
        .expect("write mosquitto.conf");
        self.child = Some(run_mosquitto(&conf, self.port));
    }

    /// Stop it gracefully.
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = terminate(&mut c);
        }
    }

    pub fn url(&self) -> String {
        format!("mqtt://127.0.0.1:{}", self.port)
    }
}

impl Drop for Mosquitto {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// Publish every payload at QoS 1 on `topic` (broker at 127.0.0.1:`port`) and wait until the
/// broker has taken them all.
pub fn publish_all(port: u16, topic: &str, payloads: Vec<Vec<u8>>) {
    let mut o = rumqttc::MqttOptions::new(format!("publish-all-{}", free_port()), "127.0.0.1", port);
    o.set_max_packet_size(64 * 1024 * 1024, 64 * 1024 * 1024);
    o.set_inflight(100);
    let (client, mut conn) = rumqttc::Client::new(o, 200);
    let n = payloads.len();
    let topic = topic.to_owned();
    let sender = std::thread::spawn(move || {
        for p in payloads {
            client
                .publish(topic.clone(), rumqttc::QoS::AtLeastOnce, false, p)
                .expect("queue a publish");
        }
        client
    });
    let mut acked = 0;
    for ev in conn.iter() {
        match ev {
            Ok(rumqttc::Event::Incoming(rumqttc::Incoming::PubAck(_))) => {
                acked += 1;
                if acked == n {
                    break;
                }
            }
            Ok(_) => {}
            Err(e) => panic!("publishing failed after {acked} of {n}: {e}"),
        }
    }
    let client = sender.join().expect("the publishing thread");
    let _ = client.disconnect();
}

/// Collects every message on a topic filter, in a background thread.
#[derive(Debug, Clone)]
pub struct Collector {
    pub messages: std::sync::Arc<std::sync::Mutex<Vec<serde_json::Value>>>,
    /// When each message arrived (same order).
    pub arrived: std::sync::Arc<std::sync::Mutex<Vec<Instant>>>,
}

impl Collector {
    /// Subscribe to `filter` (several, comma-separated) on the broker at 127.0.0.1:`port`.
    pub fn start(port: u16, filter: &str) -> Collector {
        Collector::start_as(port, filter, None)
    }

    /// The same, logged in as `login` (user, password).
    pub fn start_as(port: u16, filter: &str, login: Option<(&str, &str)>) -> Collector {
        let login = login.map(|(u, p)| (u.to_owned(), p.to_owned()));
        let messages = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let arrived = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let m = std::sync::Arc::clone(&messages);
        let times = std::sync::Arc::clone(&arrived);
        let filter = filter.to_owned();
        let ready = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let r = std::sync::Arc::clone(&ready);
        std::thread::spawn(move || {
            let id = format!("collector-{}-{}", std::process::id(), free_port());
            let mut o = rumqttc::MqttOptions::new(id, "127.0.0.1", port);
            o.set_keep_alive(Duration::from_secs(5));
            // A persistent session: what arrives while the broker restarts is kept for us.
            o.set_clean_session(false);
            // Whatever the topics carry (tests publish oversized junk on purpose).
            o.set_max_packet_size(32 * 1024 * 1024, 64 * 1024);
            if let Some((u, p)) = login {
                o.set_credentials(u, p);
            }
            let (client, mut conn) = rumqttc::Client::new(o, 64);
            for ev in conn.iter() {
                match ev {
                    Ok(rumqttc::Event::Incoming(rumqttc::Incoming::ConnAck(_))) => {
                        // Several filters, comma-separated.
                        for f in filter.split(',') {
                            let _ = client.subscribe(f.to_owned(), rumqttc::QoS::AtLeastOnce);
                        }
                    }
                    Ok(rumqttc::Event::Incoming(rumqttc::Incoming::SubAck(_))) => {
                        r.store(true, std::sync::atomic::Ordering::SeqCst);
                    }
                    Ok(rumqttc::Event::Incoming(rumqttc::Incoming::Publish(p))) => {
                        let mut v: serde_json::Value =
                            serde_json::from_slice(&p.payload).unwrap_or(serde_json::Value::Null);
                        v["_topic"] = serde_json::Value::String(p.topic.clone());
                        v["_retain"] = serde_json::Value::Bool(p.retain);
                        let mut all = m.lock().expect("lock");
                        all.push(v);
                        times.lock().expect("lock").push(Instant::now());
                    }
                    Ok(_) => {}
                    Err(_) => std::thread::sleep(Duration::from_millis(200)),
                }
            }
        });
        let deadline = Instant::now() + Duration::from_secs(10);
        while !ready.load(std::sync::atomic::Ordering::SeqCst) {
            assert!(Instant::now() < deadline, "collector could not subscribe");
            std::thread::sleep(Duration::from_millis(20));
        }
        Collector { messages, arrived }
    }

    /// A snapshot of what arrived.
    pub fn all(&self) -> Vec<serde_json::Value> {
        self.messages.lock().expect("lock").clone()
    }

    /// How many messages have arrived so far (a mark for [`Collector::wait_after`]).
    pub fn mark(&self) -> usize {
        self.messages.lock().expect("lock").len()
    }

    /// Wait until some message satisfies `pred`.
    pub fn wait(&self, what: &str, secs: u64, pred: impl Fn(&serde_json::Value) -> bool) -> serde_json::Value {
        self.wait_after(0, what, secs, pred)
    }

    /// Wait until some message that arrived after the first `mark` satisfies `pred`.
    pub fn wait_after(
        &self,
        mark: usize,
        what: &str,
        secs: u64,
        pred: impl Fn(&serde_json::Value) -> bool,
    ) -> serde_json::Value {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            if let Some(v) = self.all().into_iter().skip(mark).find(&pred) {
                return v;
            }
            assert!(
                Instant::now() < deadline,
                "never received {what}; got {:#?}",
                self.all()
            );
            std::thread::sleep(Duration::from_millis(30));
        }
    }
}

/// A running `pinghu run --config`, killed on drop; its stderr goes to `log`.
#[derive(Debug)]
pub struct Daemon {
    pub child: Child,
    pub config: PathBuf,
    pub log: PathBuf,
}

impl Daemon {
    pub fn start(config: &Path) -> Daemon {
        let log = config.with_extension("log");
        let err = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)
            .expect("log file");
        let child = Command::new(bin("pinghu"))
            .args(["run", "--config"])
            .arg(config)
            .env("RUST_LOG", "info,rumqttc=warn")
            .stdout(Stdio::null())
            .stderr(err)
            .spawn()
            .expect("start pinghu run");
        Daemon {
            child,
            config: config.to_path_buf(),
            log,
        }
    }

    /// SIGKILL, like a power cut.
    pub fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM, as systemd stops it: it publishes its last status and disconnects cleanly.
    /// Returns whether it exited with success.
    pub fn stop(&mut self) -> bool {
        terminate(&mut self.child).is_ok_and(|s| s.success())
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
