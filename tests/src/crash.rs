//! The crash harness: a real mosquitto, a real `pinghu-sim` and a real `pinghu run`, killed with
//! SIGKILL at seeded points while signed announcements stream in, optionally followed by a
//! "power cut" that tears the last line of the proof-of-display log, sometimes killed again while
//! it catches up on what was queued meanwhile, with revocations sent twice (the portal's
//! `--confirm` resend). After every restart the daemon must hold every announcement the broker
//! accepted, and have accepted each exactly once; at the end every one has its receipts at the
//! broker ([`CrashRig::receipts_missing`]).
//!
//! Every choice comes from one seed, printed first, so a failure can be replayed:
//! `PINGHU_CRASH_SEED=1234 cargo test -p pinghu-tests --test daemon kill_9`, or
//! `cargo bench -p pinghu-tests --bench crash_soak -- --seed 1234`.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::{Collector, Daemon, Mosquitto, Sim, pinghu};

/// SplitMix64: a small, seedable generator (no dependency, same sequence everywhere).
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `lo..hi` (`hi > lo`).
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next_u64() % (hi - lo)
    }
}

/// The seed to use: `PINGHU_CRASH_SEED`, or one from the clock.
pub fn seed_from_env() -> u64 {
    std::env::var("PINGHU_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(1, |d| d.as_nanos() as u64)
        })
}

/// Where one round kills the daemon.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KillPoint {
    /// Announcements published in the round.
    pub messages: usize,
    /// SIGKILL right after publishing this many of them (the rest follow while it is down).
    pub after: usize,
    /// Milliseconds between that publish and the kill.
    pub delay_ms: u64,
    /// Then tear the proof log's last line at a random byte, as a power cut would.
    pub power_cut: bool,
    /// After the restart, kill it again this many milliseconds after it came online, while it
    /// catches up on the queue (and start it once more).
    pub catch_up_kill: Option<u64>,
    /// Revoke an earlier announcement, sending the revocation twice.
    pub revoke: bool,
}

impl std::fmt::Display for KillPoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "kill -9 {} ms after message {} of {}{}",
            self.delay_ms,
            self.after,
            self.messages,
            if self.power_cut { ", then a power cut" } else { "" }
        )?;
        if let Some(ms) = self.catch_up_kill {
            write!(f, ", again {ms} ms into the catch-up")?;
        }
        if self.revoke {
            write!(f, ", a revocation sent twice")?;
        }
        Ok(())
    }
}

/// The rig and everything it has published.
#[derive(Debug)]
pub struct CrashRig {
    pub seed: u64,
    rng: Rng,
    priority: &'static str,
    broker: Mosquitto,
    _sim: Sim,
    pub dir: tempfile::TempDir,
    key: PathBuf,
    pub receipts: Collector,
    daemon: Option<Daemon>,
    /// Ids the broker accepted (PUBACK), in order.
    pub published: Vec<String>,
    /// Ids revoked (revision 2), each revocation sent twice.
    pub revoked: Vec<String>,
    /// What each round did, for the failure message.
    pub history: Vec<String>,
    /// Proof-log lines torn by simulated power cuts.
    pub torn: usize,
}

const PLAYLIST: &str = "[defaults]\ndwell_s = 2\nfont_size = 16\n\n[[item]]\nid = \"welcome\"\ntext = \"欢迎\"\n";

impl CrashRig {
    /// Start broker, simulator and daemon. `priority` of the announcements: `urgent` ones are
    /// displayed within seconds; `normal` ones join the rotation (for long soaks).
    pub fn new(seed: u64, priority: &'static str) -> Self {
        let broker = Mosquitto::start();
        let sim = Sim::start_bx6e_128x32();
        let dir = tempfile::tempdir().expect("temp dir");
        let (key, public) = crate::keygen(dir.path(), "portal");
        std::fs::write(dir.path().join("playlist.toml"), PLAYLIST).expect("playlist");
        let config = format!(
            "data_dir = \"data\"\nplaylist = \"playlist.toml\"\n\n[screen]\nid = \"crash-board\"\nwidth = 128\nheight = 32\ncolors = \"red-green\"\n\n\
             [device]\nurl = \"{}\"\nprotocol = \"bx-6e\"\ntimeout_ms = 800\nretries = 3\n\n[mqtt]\nurl = \"{}\"\nclient_id = \"pinghu-crash-{}\"\n\n\
             [portal_keys]\nportal-2026 = \"{}\"\n",
            sim.tcp_url(),
            broker.url(),
            broker.port,
            public
        );
        std::fs::write(dir.path().join("pinghu.toml"), config).expect("config");
        let receipts = Collector::start(broker.port, "pinghu/v1/screens/crash-board/#");
        let mut rig = Self {
            seed,
            rng: Rng::new(seed),
            priority,
            broker,
            _sim: sim,
            dir,
            key,
            receipts,
            daemon: None,
            published: Vec::new(),
            revoked: Vec::new(),
            history: Vec::new(),
            torn: 0,
        };
        rig.start_daemon();
        rig
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// Start the daemon and wait for a fresh `online` status.
    pub fn start_daemon(&mut self) {
        let seen = self.receipts.all().len();
        self.daemon = Some(Daemon::start(&self.dir.path().join("pinghu.toml")));
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let all = self.receipts.all();
            if all[seen.min(all.len())..].iter().any(|m| {
                m["_topic"] == "pinghu/v1/screens/crash-board/status" && m["online"] == true && m["mqtt"] == "connected"
            }) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "the daemon did not come online:\n{}",
                self.report()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The daemon's log and the rounds so far, for failure messages.
    pub fn report(&self) -> String {
        format!(
            "seed={} (replay: PINGHU_CRASH_SEED={})\n{}\n--- daemon log ---\n{}",
            self.seed,
            self.seed,
            self.history.join("\n"),
            self.daemon.as_ref().map(Daemon::log_text).unwrap_or_default()
        )
    }

    /// Revoke `id` (revision 2) and send the very same bytes again, as `portal publish
    /// --confirm` does when a receipt is late: the board must answer `held`, never a refusal.
    fn revoke_twice(&mut self, id: &str) {
        let payload = serde_json::json!({
            "id": id, "revision": 2, "action": "revoke", "issued_at": jiff::Timestamp::now().to_string(),
        });
        for _ in 0..2 {
            let (code, _, err) = crate::portal_publish(&self.broker.url(), "crash-board", &payload, &self.key, &[]);
            assert_eq!(code, 0, "publish failed: {err}\n{}", self.report());
        }
        self.revoked.push(id.to_owned());
    }

    fn publish(&mut self, id: &str) {
        let now = jiff::Timestamp::now();
        let payload = serde_json::json!({
            "id": id, "revision": 1, "action": "publish", "priority": self.priority, "title": "",
            "body": format!("通知 {id}"),
            "valid_from": (now - jiff::SignedDuration::from_secs(60)).to_string(),
            "valid_until": (now + jiff::SignedDuration::from_secs(1800)).to_string(),
            "issued_at": now.to_string(),
        });
        let (code, _, err) = crate::portal_publish(&self.broker.url(), "crash-board", &payload, &self.key, &[]);
        assert_eq!(code, 0, "publish failed: {err}\n{}", self.report());
        self.published.push(id.to_owned());
    }

    /// Tear the last line of the proof log's last segment at a random byte. Returns whether
    /// there was a line to tear.
    fn power_cut(&mut self) -> bool {
        let segment = |n: usize| {
            if n == 1 {
                self.data().join("proof-of-display.jsonl")
            } else {
                self.data().join(format!("proof-of-display.{n}.jsonl"))
            }
        };
        let Some(seg) = (1..=1000).map(segment).take_while(|p| p.exists()).last() else {
            return false;
        };
        let bytes = std::fs::read(&seg).expect("proof log");
        let body = bytes.strip_suffix(b"\n").unwrap_or(&bytes);
        let start = body.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
        let len = body.len() - start;
        if len < 2 {
            return false;
        }
        let keep = start + self.rng.range(1, len as u64) as usize;
        let f = std::fs::OpenOptions::new()
            .write(true)
            .open(&seg)
            .expect("open proof log");
        f.set_len(keep as u64).expect("truncate");
        true
    }

    /// One round: publish a few announcements, SIGKILL the daemon at the seeded point (maybe
    /// tear the proof log), publish the rest while it is down, restart it, and wait until it holds
    /// every announcement published so far.
    pub fn round(&mut self, n: usize) -> KillPoint {
        let messages = self.rng.range(2, 6) as usize;
        let kp = KillPoint {
            messages,
            after: self.rng.range(0, messages as u64 + 1) as usize,
            delay_ms: self.rng.range(0, 60),
            power_cut: self.rng.range(0, 3) == 0,
            catch_up_kill: (self.rng.range(0, 3) == 0).then(|| self.rng.range(0, 150)),
            revoke: self.rng.range(0, 4) == 0,
        };
        self.history.push(format!("round {n}: {kp}"));
        for i in 0..messages {
            if i == kp.after {
                self.kill(kp);
            }
            self.publish(&format!("r{n}-m{i}"));
        }
        if kp.after == messages {
            self.kill(kp);
        }
        // A revocation of an earlier notice, sent twice, while the daemon is down or up.
        if kp.revoke
            && let Some(id) = self.published.iter().find(|id| !self.revoked.contains(id)).cloned()
        {
            self.revoke_twice(&id);
        }
        self.start_daemon();
        if let Some(ms) = kp.catch_up_kill {
            std::thread::sleep(Duration::from_millis(ms));
            self.kill_now();
            self.start_daemon();
        }
        self.wait_all_stored();
        kp
    }

    /// SIGKILL the daemon now.
    pub fn kill_now(&mut self) {
        if let Some(d) = self.daemon.as_mut() {
            d.kill9();
        }
    }

    fn kill(&mut self, kp: KillPoint) {
        std::thread::sleep(Duration::from_millis(kp.delay_ms));
        if let Some(d) = self.daemon.as_mut() {
            d.kill9();
        }
        if kp.power_cut && self.power_cut() {
            self.torn += 1;
        }
    }

    /// The revisions the daemon's `state.json` holds.
    pub fn stored(&self) -> serde_json::Value {
        let text = std::fs::read_to_string(self.data().join("state.json")).unwrap_or_default();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
        v["state"]["revisions"].clone()
    }

    /// Ids published (or revoked) but not (yet) stored at that revision.
    pub fn missing(&self) -> Vec<String> {
        let stored = self.stored();
        self.published
            .iter()
            .filter(|id| stored[id.as_str()] != if self.revoked.contains(id) { 2 } else { 1 })
            .cloned()
            .collect()
    }

    /// What the broker has not (yet) seen a receipt for: `accepted` of every notice, `revoked`
    /// of every revocation; and any refusal of a revocation's resend (it must be `held`).
    pub fn receipts_missing(&self) -> Vec<String> {
        let all = self.receipts.all();
        let has = |id: &str, event: &str| all.iter().any(|m| m["id"] == id && m["event"] == event);
        let mut missing: Vec<String> = self
            .published
            .iter()
            .filter(|id| !has(id, "accepted"))
            .map(|id| format!("accepted {id}"))
            .collect();
        missing.extend(
            self.revoked
                .iter()
                .filter(|id| !has(id, "revoked"))
                .map(|id| format!("revoked {id}")),
        );
        missing.extend(
            all.iter()
                .filter(|m| {
                    m["event"] == "rejected" && m["id"].as_str().is_some_and(|id| self.revoked.iter().any(|r| r == id))
                })
                .map(|m| format!("a revocation's resend refused: {m}")),
        );
        missing
    }

    /// Wait up to `secs` until [`CrashRig::receipts_missing`] is empty; what is still missing.
    pub fn wait_receipts(&self, secs: u64) -> Vec<String> {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let missing = self.receipts_missing();
            if missing.is_empty() || Instant::now() >= deadline {
                return missing;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn wait_all_stored(&self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while !self.missing().is_empty() {
            assert!(
                Instant::now() < deadline,
                "lost after the restart: {:?}\n{}",
                self.missing(),
                self.report()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Ids with more than one distinct time for `event` (receipts themselves are at least once:
    /// the same receipt may arrive twice, but never two different acceptances or displays).
    pub fn duplicated(&self, event: &str) -> Vec<String> {
        let all = self.receipts.all();
        self.published
            .iter()
            .filter(|id| {
                // Per revision: a revoked notice is accepted twice, as revisions 1 and 2.
                let mut times: Vec<(u64, &str)> = all
                    .iter()
                    .filter(|m| m["id"] == id.as_str() && m["event"] == event)
                    .filter_map(|m| Some((m["revision"].as_u64()?, m["at"].as_str()?)))
                    .collect();
                times.sort_unstable();
                times.dedup();
                times.windows(2).any(|w| w[0].0 == w[1].0)
            })
            .cloned()
            .collect()
    }

    /// `pinghu log verify` on the data directory: (exit code, stdout, stderr).
    pub fn verify_log(&self) -> (i32, String, String) {
        pinghu(&["log", "verify", "--data-dir", self.data().to_str().expect("utf-8 path")])
    }
}
