//! The proof-of-display log after months on the board: what `pinghu log verify`, `pinghu report
//! plays` for one day and `pinghu log export` cost in time and peak memory, on the real binary,
//! beside `sha256sum` of the same files in the same run (the least that reading and hashing every
//! byte costs); and the daemon's start (the log opened, the older segments checked in the
//! background). The log is written by the daemon's own writer: segments, rotation, the chain.
//!
//! `cargo bench -p pinghu-tests --bench proof_log [-- --days 90]` (about 8 000 entries a day, the
//! sample playlist's pace: 90 days are about 330 MB).

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use pinghu::daemon::disk::Disk;
use pinghu::daemon::proof::{Entry, ProofLog, segments};

/// Run a command to its end: (seconds, peak KiB, success).
fn measure(cmd: &mut Command) -> (f64, u64, bool) {
    let t0 = Instant::now();
    let mut child = cmd.stdout(Stdio::null()).stderr(Stdio::null()).spawn().expect("spawn");
    let mut peak = 0;
    loop {
        peak = peak.max(pinghu_tests::proc_status_kib(child.id(), "VmHWM"));
        if let Some(status) = child.try_wait().expect("wait") {
            return (t0.elapsed().as_secs_f64(), peak, status.success());
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn main() {
    let days = pinghu_tests::bench_arg("--days", 90);
    let pinghu = pinghu_tests::bin("pinghu");
    let dir = tempfile::tempdir().expect("tempdir");
    let start: jiff::Timestamp = "2026-01-01T00:00:00Z".parse().expect("time");
    let (mut log, _) = ProofLog::open(dir.path(), Disk::new(), "yiling-pinghu", start).expect("open");
    let t0 = Instant::now();
    let n = days * 8000;
    for i in 0..n {
        let at = start + jiff::SignedDuration::from_millis(10_700 * i as i64);
        let (content, layer) = match i % 10 {
            0 => ("announcement yl-2026-0042 r1", "urgent"),
            3 | 7 => ("item spot-hb-bank", "rotation"),
            _ => ("item welcome", "rotation"),
        };
        let mut e = Entry::shown(
            at.to_string(),
            "yiling-pinghu".into(),
            content.into(),
            layer.into(),
            format!("{:064x}", i % 97),
        );
        if i % 10 == 0 {
            e.key_id = Some("portal-2026".into());
            e.signature =
                Some("3Z4KpdljbTbk5LToUik7LY/8xDEWCtoV7N+njsTyojnYLSsvOX87T8boyWcex9rrv42eNKiQHs1Csn7hFLwEDA==".into());
        } else if content.starts_with("item spot") {
            e.campaign = Some("hb-bank-2026".into());
            e.planned_s = Some(10);
        }
        log.append(e).expect("append");
        if i % 50_000 == 0 {
            log.sync().expect("sync");
        }
    }
    log.sync().expect("sync");
    drop(log);
    let segs = segments(dir.path());
    let bytes: u64 = segs.iter().map(|p| std::fs::metadata(p).map_or(0, |m| m.len())).sum();
    let mib = bytes as f64 / (1024.0 * 1024.0);
    println!(
        "proof log: {days} days, {n} entries, {mib:.0} MiB in {} segments (written in {:.1} s)",
        segs.len(),
        t0.elapsed().as_secs_f64()
    );

    // The daemon's start: the log opened (the last segment read), then the older ones checked in
    // the background.
    let t = Instant::now();
    let (mut log, findings) = ProofLog::open(dir.path(), Disk::new(), "yiling-pinghu", start).expect("open");
    let opened = t.elapsed().as_secs_f64();
    let found = log.finish_check(start);
    let checked = t.elapsed().as_secs_f64();
    assert!(findings.is_empty() && found.is_empty(), "{findings:?} {found:?}");
    drop(log);
    println!(
        "daemon start: the log open in {:.1} ms (its last segment read); the {} older segments checked in the background in {checked:.2} s",
        opened * 1000.0,
        segs.len() - 1
    );

    let (peer_s, peer_kib, ok) = measure(Command::new("sha256sum").args(&segs));
    assert!(ok, "sha256sum failed");
    println!(
        "peer: sha256sum of every segment: {peer_s:.2} s, peak {:.1} MiB",
        peer_kib as f64 / 1024.0
    );
    let data = dir.path().to_str().expect("utf-8 path").to_owned();
    let middle = (start + jiff::SignedDuration::from_hours(24 * days as i64 / 2))
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date()
        .to_string();
    for (what, args) in [
        ("log verify", vec!["log", "verify", "--data-dir", &data]),
        (
            "report plays, one day",
            vec![
                "report",
                "plays",
                "--from",
                &middle,
                "--to",
                &middle,
                "--data-dir",
                &data,
                "--tz",
                "UTC",
            ],
        ),
        (
            "log export --format csv",
            vec!["log", "export", "--data-dir", &data, "--format", "csv"],
        ),
    ] {
        let (s, kib, ok) = measure(Command::new(&pinghu).args(&args));
        assert!(ok, "pinghu {args:?} failed");
        println!(
            "pinghu {what}: {s:.2} s ({:.1}x sha256sum), {:.0} MB/s, peak {:.1} MiB for a {mib:.0} MiB log",
            s / peer_s,
            bytes as f64 / 1e6 / s,
            kib as f64 / 1024.0
        );
    }
}
