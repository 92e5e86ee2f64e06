//! A county's boards on a broker cluster, for the fleet test and bench: two mosquitto brokers
//! bridged as a county broker and a township broker (configurations in `tests/fleet/`), one
//! `pinghu-sim --boards N` serving N cards, and N real `pinghu run` daemons, half on each broker.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::{Collector, Daemon, bin, free_port, keygen, pinghu_stdin, run_mosquitto, terminate};

/// One mosquitto of the cluster, started from a configuration template in `tests/fleet/`.
#[derive(Debug)]
pub struct Broker {
    child: Option<Child>,
    /// The boards' listener.
    pub port: u16,
    /// The office's listener (the portal, its tools, the bridge) of the shipped configuration;
    /// the test pair has one listener for all.
    pub office_port: Option<u16>,
    conf: PathBuf,
    pub dir: PathBuf,
}

impl Broker {
    fn start(template: &str, dir: &Path, peer_port: Option<u16>) -> Broker {
        let port = free_port();
        let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("fleet").join(template))
            .expect("broker template")
            .replace("{PORT}", &port.to_string())
            .replace("{DIR}", &dir.display().to_string())
            .replace("{TOWNSHIP_PORT}", &peer_port.map_or(String::new(), |p| p.to_string()));
        Broker::start_text(template, dir, port, None, &text)
    }

    fn start_text(name: &str, dir: &Path, port: u16, office_port: Option<u16>, text: &str) -> Broker {
        std::fs::create_dir_all(dir).expect("broker dir");
        let conf = dir.join(name);
        std::fs::write(&conf, text).expect("write broker configuration");
        let mut b = Broker {
            child: None,
            port,
            office_port,
            conf,
            dir: dir.to_path_buf(),
        };
        b.restart();
        b
    }

    /// Where the portal connects: the office's listener, or the only one.
    pub fn office(&self) -> u16 {
        self.office_port.unwrap_or(self.port)
    }

    /// Start it again on the same port, with what it persisted.
    pub fn restart(&mut self) {
        self.child = Some(run_mosquitto(&self.conf, self.port));
        if let Some(office) = self.office_port {
            assert!(crate::wait_port(office, 10), "mosquitto did not listen on {office}");
        }
    }

    /// SIGTERM: the broker goes down the way systemd stops it, writing its database first.
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = terminate(&mut c);
        }
    }

    /// SIGKILL: the broker falls, keeping only what it had written (mosquitto writes a snapshot
    /// every `autosave_interval`, so up to a second of sessions and messages is lost).
    pub fn kill9(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    pub fn url(&self) -> String {
        format!("mqtt://127.0.0.1:{}", self.port)
    }

    /// The broker's own log (its last `lines` lines).
    pub fn log_tail(&self, lines: usize) -> String {
        let text = std::fs::read_to_string(self.dir.join("mosquitto.log")).unwrap_or_default();
        let all: Vec<&str> = text.lines().filter(|l| !l.contains("Saving in-memory")).collect();
        all[all.len().saturating_sub(lines)..].join("\n")
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        self.kill9();
    }
}

/// The county broker and the township broker it bridges to.
#[derive(Debug)]
pub struct Brokers {
    pub county: Broker,
    pub township: Broker,
    /// The logins of the shipped configuration; none for the test pair (anonymous, loopback).
    pub logins: Option<crate::shipped::Logins>,
    _dir: tempfile::TempDir,
}

impl Brokers {
    /// The test pair (`tests/fleet/*.conf`): anonymous, one listener, for measurements.
    pub fn start() -> Brokers {
        let dir = tempfile::tempdir().expect("temp dir");
        let township = Broker::start("township.conf", &dir.path().join("township"), None);
        let county = Broker::start("county.conf", &dir.path().join("county"), Some(township.port));
        Brokers {
            county,
            township,
            logins: None,
            _dir: dir,
        }
    }

    /// The shipped pair (`controller/examples/broker/`: mosquitto.conf on both, bridge.conf on
    /// the county, make-acl.sh's files for `boards` boards of [`GROUP`] named as [`Fleet`] names
    /// them): every login checked, the bridge logged in as `bridge`.
    pub fn start_shipped(boards: usize) -> Brokers {
        use crate::shipped::{Logins, bridge_conf, broker_conf};
        let dir = tempfile::tempdir().expect("temp dir");
        let screens: Vec<String> = (0..boards).map(screen_of).collect();
        let logins = Logins::make(&screens, GROUP, &dir.path().join("acl"));
        let start = |name: &str, bridge_to: Option<u16>| {
            let (port, office) = (free_port(), free_port());
            let at = dir.path().join(name);
            let mut text = broker_conf(port, office, &logins.dir, &at);
            if let Some(peer) = bridge_to {
                text.push_str(&bridge_conf(peer, &logins.password("bridge")));
            }
            Broker::start_text("mosquitto.conf", &at, port, Some(office), &text)
        };
        let township = start("township", None);
        let county = start("county", Some(township.office()));
        Brokers {
            county,
            township,
            logins: Some(logins),
            _dir: dir,
        }
    }

    /// The portal's login, when the brokers ask for one.
    pub fn portal(&self) -> Option<(String, String)> {
        self.logins
            .as_ref()
            .map(|l| ("portal".to_owned(), l.password("portal")))
    }
}

/// The screen id of the `i`-th board.
pub fn screen_of(i: usize) -> String {
    format!("board-{i:03}")
}

/// One board: its daemon, its data directory, and which broker it uses.
#[derive(Debug)]
pub struct Board {
    pub screen: String,
    pub config: PathBuf,
    pub daemon: Daemon,
    pub data: PathBuf,
    pub on_township: bool,
}

/// N boards: one simulator process with N cards, N daemons.
#[derive(Debug)]
pub struct Fleet {
    sim: Child,
    pub boards: Vec<Board>,
    pub key: PathBuf,
    pub dir: tempfile::TempDir,
}

impl Drop for Fleet {
    fn drop(&mut self) {
        let _ = self.sim.kill();
        let _ = self.sim.wait();
    }
}

/// The group every board of the fleet is in.
pub const GROUP: &str = "yiling-all";

impl Fleet {
    /// Start `n` boards, even ones on the county broker and odd ones on the township broker.
    pub fn start(n: usize, brokers: &Brokers) -> Fleet {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut sim = Command::new(bin("pinghu-sim"))
            .args(["--boards", &n.to_string(), "--listen", "127.0.0.1:0", "--headless"])
            .args(["--protocol", "bx-6e", "--width", "128", "--height", "32"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start pinghu-sim --boards");
        let mut ports = Vec::new();
        {
            use std::io::BufRead as _;
            let out = sim.stdout.take().expect("stdout");
            for line in std::io::BufReader::new(out).lines() {
                let line = line.expect("simulator output");
                if let Some((_, addr)) = line.split_once(" listening tcp ") {
                    ports.push(addr.to_owned());
                } else if line.starts_with("boards ") {
                    break;
                }
            }
        }
        assert_eq!(ports.len(), n, "the simulator serves {n} cards");
        let (key, public) = keygen(dir.path(), "portal");
        // Announcements page every second, so a board rotates through many notices quickly.
        let playlist = "[defaults]\ndwell_s = 1\n\n[[item]]\nid = \"welcome\"\ntext = \"夷陵区欢迎您\"\n";
        let boards = ports
            .iter()
            .enumerate()
            .map(|(i, addr)| {
                let screen = screen_of(i);
                let on_township = i % 2 == 1;
                // Half the boards on each broker speak MQTT 5, the others MQTT 3.1.1: the two
                // meet in the brokers and across the bridge.
                let version = if (i / 2) % 2 == 1 { "5" } else { "3.1.1" };
                let broker = if on_township {
                    &brokers.township
                } else {
                    &brokers.county
                };
                let conf = dir.path().join(format!("{screen}.toml"));
                // Under the shipped configuration a board logs in as its screen id.
                let login = brokers.logins.as_ref().map_or(String::new(), |l| {
                    let file = dir.path().join(format!("{screen}.password"));
                    std::fs::write(&file, l.password(&screen)).expect("password file");
                    format!("username = \"{screen}\"\npassword_file = \"{}\"\n", file.display())
                });
                // Each board its own playlist file, in a folder of its own as on a real cabinet: a
                // pushed playlist is written into it, pushed pictures beside it.
                std::fs::create_dir_all(dir.path().join(&screen)).expect("the board's folder");
                std::fs::write(dir.path().join(&screen).join("playlist.toml"), playlist).expect("playlist");
                std::fs::write(
                    &conf,
                    format!(
                        "data_dir = \"data-{screen}\"\nplaylist = \"{screen}/playlist.toml\"\n\n[screen]\nid = \"{screen}\"\nwidth = 128\n\
                         height = 32\ncolors = \"red-green\"\ngroups = [\"{GROUP}\"]\n\n[device]\nurl = \"tcp://{addr}\"\n\
                         protocol = \"bx-6e\"\n\n[mqtt]\nurl = \"{}\"\nclient_id = \"pinghu-{screen}\"\nversion = \"{version}\"\n{login}\n\
                         [portal_keys]\nportal-2026 = \"{public}\"\n",
                        broker.url()
                    ),
                )
                .expect("daemon configuration");
                Board {
                    screen: screen.clone(),
                    config: conf.clone(),
                    daemon: Daemon::start(&conf),
                    data: dir.path().join(format!("data-{screen}")),
                    on_township,
                }
            })
            .collect();
        Fleet { sim, boards, key, dir }
    }

    /// The envelope of `payload` signed with the portal's key.
    pub fn sign(&self, payload: &serde_json::Value) -> Vec<u8> {
        let (code, out, err) = pinghu_stdin(
            &[
                "portal",
                "sign",
                "--key",
                self.key.to_str().expect("utf-8"),
                "--payload",
                "-",
            ],
            &payload.to_string(),
        );
        assert_eq!(code, 0, "{err}");
        out.trim().as_bytes().to_vec()
    }

    /// Wait until every board's retained status says it is connected to its broker and its card.
    pub fn wait_ready(&self, statuses: &Collector, secs: u64) {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let all = statuses.all();
            let ready = self
                .boards
                .iter()
                .filter(|b| {
                    all.iter()
                        .rev()
                        .find(|m| m["screen"] == b.screen.as_str())
                        .is_some_and(|m| m["mqtt"] == "connected" && m["device"]["link"] == "up" && m["online"] == true)
                })
                .count();
            if ready == self.boards.len() {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "only {ready} of {} boards came up",
                self.boards.len()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// An urgent notice to the whole group, valid for ten minutes.
pub fn notice(id: &str, body: &str) -> serde_json::Value {
    let now = jiff::Timestamp::now();
    serde_json::json!({"id": id, "revision": 1, "action": "publish", "priority": "urgent", "body": body,
        "issued_at": now.to_string(), "valid_until": (now + jiff::SignedDuration::from_mins(10)).to_string()})
}

/// The group's announcement topic.
pub fn group_topic() -> String {
    format!("pinghu/v1/groups/{GROUP}/announcements")
}

/// A QoS 1 publisher (the portal), whose publishes are counted when the broker acknowledges them.
pub struct Publisher {
    client: rumqttc::Client,
    acked: Arc<AtomicU64>,
    sent: u64,
}

impl std::fmt::Debug for Publisher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Publisher")
            .field("sent", &self.sent)
            .finish_non_exhaustive()
    }
}

impl Publisher {
    pub fn connect(port: u16) -> Publisher {
        Publisher::connect_as(port, None)
    }

    /// The same, logged in as `login` (user, password).
    pub fn connect_as(port: u16, login: Option<(String, String)>) -> Publisher {
        let mut o = rumqttc::MqttOptions::new(format!("portal-{}", free_port()), "127.0.0.1", port);
        o.set_keep_alive(Duration::from_secs(5));
        if let Some((u, p)) = login {
            o.set_credentials(u, p);
        }
        o.set_max_packet_size(1024 * 1024, 1024 * 1024);
        let (client, mut conn) = rumqttc::Client::new(o, 64);
        let acked = Arc::new(AtomicU64::new(0));
        let a = Arc::clone(&acked);
        std::thread::spawn(move || {
            for ev in conn.iter() {
                match ev {
                    Ok(rumqttc::Event::Incoming(rumqttc::Incoming::PubAck(_))) => {
                        a.fetch_add(1, Ordering::SeqCst);
                    }
                    Ok(_) => {}
                    Err(_) => std::thread::sleep(Duration::from_millis(100)),
                }
            }
        });
        Publisher { client, acked, sent: 0 }
    }

    /// Publish and wait for the broker's acknowledgement.
    pub fn publish(&mut self, topic: &str, bytes: Vec<u8>) {
        self.client
            .publish(topic, rumqttc::QoS::AtLeastOnce, false, bytes)
            .expect("publish");
        self.sent += 1;
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.acked.load(Ordering::SeqCst) < self.sent {
            assert!(Instant::now() < deadline, "the broker never acknowledged a publish");
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

/// Receipts from every board, as they arrive on the county broker.
#[derive(Debug, Clone)]
pub struct Receipts {
    pub collector: Collector,
}

impl Receipts {
    pub fn start(port: u16) -> Receipts {
        Receipts::start_as(port, None)
    }

    /// The same, logged in as `login` (user, password).
    pub fn start_as(port: u16, login: Option<(&str, &str)>) -> Receipts {
        Receipts {
            collector: Collector::start_as(port, "pinghu/v1/screens/+/receipts", login),
        }
    }

    /// The screens (from the topic) that sent `event` for `id`, with when each first arrived.
    pub fn of(&self, event: &str, id: &str) -> Vec<(String, Instant)> {
        let all = self.collector.messages.lock().expect("lock").clone();
        let times = self.collector.arrived.lock().expect("lock").clone();
        let mut out: Vec<(String, Instant)> = Vec::new();
        for (m, t) in all.iter().zip(times) {
            if m["event"] == event && m["id"] == id {
                let screen = m["_topic"]
                    .as_str()
                    .and_then(|t| t.split('/').nth(3))
                    .unwrap_or("?")
                    .to_owned();
                if !out.iter().any(|(s, _)| *s == screen) {
                    out.push((screen, t));
                }
            }
        }
        out
    }

    /// Every distinct receipt (duplicates in transport removed: QoS 1 is at least once).
    pub fn distinct(&self) -> Vec<serde_json::Value> {
        let mut out: Vec<serde_json::Value> = Vec::new();
        for m in self.collector.all() {
            let mut m = m;
            if let Some(o) = m.as_object_mut() {
                o.remove("_retain");
            }
            if !out.contains(&m) {
                out.push(m);
            }
        }
        out
    }
}

/// Resident memory of a process, KiB.
pub fn rss_kib(pid: u32) -> u64 {
    crate::proc_status_kib(pid, "VmRSS")
}

/// CPU time of a process so far (user + system), in clock ticks.
pub fn cpu_ticks(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| {
            let rest = s.rsplit_once(')')?.1;
            let f: Vec<&str> = rest.split_whitespace().collect();
            Some(f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?)
        })
        .unwrap_or(0)
}

/// Percentile of sorted durations.
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}
