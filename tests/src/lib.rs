//! # pinghu-tests
//!
//! End-to-end tests across process boundaries: the real `pinghu` and `pinghu-sim` binaries, real
//! TCP sockets on `127.0.0.1:0`, real pseudo-terminals, a real MQTT broker. This library holds the
//! helpers: finding (or building) the binaries, starting the simulator and reading its
//! `state.json`, running `pinghu` and capturing its output.

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

/// Path of a workspace binary, building the binaries once if a lone `cargo test -p pinghu-tests`
/// did not.
pub fn bin(name: &str) -> PathBuf {
    static BUILT: OnceLock<()> = OnceLock::new();
    let path = target_dir().join(name);
    if !path.exists() {
        BUILT.get_or_init(|| {
            let status = Command::new(env!("CARGO"))
                .args(["build", "-p", "pinghu", "-p", "pinghu-simulator", "--bins"])
                .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
                .status()
                .expect("cargo build");
            assert!(status.success(), "building the binaries failed");
        });
    }
    assert!(path.exists(), "{} was not built", path.display());
    path
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
    pub fn start(args: &[&str]) -> Sim {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut child = Command::new(bin("pinghu-sim"))
            .args(["--listen", "127.0.0.1:0", "--headless", "--snapshot-dir"])
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
pub fn pinghu(args: &[&str]) -> (i32, String, String) {
    let Output { status, stdout, stderr } = Command::new(bin("pinghu")).args(args).output().expect("run pinghu");
    (
        status.code().unwrap_or(-1),
        String::from_utf8_lossy(&stdout).into_owned(),
        String::from_utf8_lossy(&stderr).into_owned(),
    )
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
