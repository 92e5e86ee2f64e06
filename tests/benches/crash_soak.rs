//! Crash soak: hundreds of seeded SIGKILLs (a third of them followed by a torn proof-log line, as
//! a power cut leaves it; a third killed again while catching up; a quarter with a revocation
//! sent twice) while signed announcements stream in through mosquitto into a real `pinghu run`
//! driving a real `pinghu-sim`. Prints what was lost, what was accepted or displayed twice, and
//! the receipts the broker never saw.
//!
//! `cargo build --release && cargo bench -p pinghu-tests --bench crash_soak [-- --rounds 300 --seed 42]`
//!
//! Replay one failure with the printed seed (`--seed`); the round that failed is in the output.

use std::time::Instant;

use pinghu_tests::crash::{CrashRig, seed_from_env};

fn arg(name: &str) -> Option<u64> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
}

fn main() {
    let rounds = arg("--rounds").unwrap_or(300) as usize;
    let seed = arg("--seed").unwrap_or_else(seed_from_env);
    println!("crash soak: {rounds} rounds, seed={seed} (replay with --seed {seed})");
    let t0 = Instant::now();
    let mut rig = CrashRig::new(seed, "normal");
    let mut cuts = 0;
    for n in 0..rounds {
        let kp = rig.round(n);
        cuts += usize::from(kp.power_cut);
        if n % 25 == 0 || n + 1 == rounds {
            println!(
                "round {n}: {kp}; {} announcements so far, {:.0} s",
                rig.published.len(),
                t0.elapsed().as_secs_f64()
            );
        }
    }
    let lost = rig.missing();
    let duplicated = rig.duplicated("accepted");
    let displayed_twice = rig.duplicated("displayed");
    let receipts_lost = rig.wait_receipts(60);
    let catch_up_kills = rig.history.iter().filter(|h| h.contains("into the catch-up")).count();
    let (code, out, _) = rig.verify_log();
    let repairs = out.matches("repaired:").count();
    println!(
        "rounds={rounds} kills={} power_cuts={cuts} torn_lines={} announcements={} revocations_sent_twice={} lost={} \
         duplicated={} displayed_twice={} receipts_lost={} proof_log_repairs={repairs} log_verify={} elapsed_s={:.0}",
        rounds + catch_up_kills,
        rig.torn,
        rig.published.len(),
        rig.revoked.len(),
        lost.len(),
        duplicated.len(),
        displayed_twice.len(),
        receipts_lost.len(),
        if code == 0 { "ok" } else { "FAILED" },
        t0.elapsed().as_secs_f64()
    );
    if !lost.is_empty()
        || !duplicated.is_empty()
        || !displayed_twice.is_empty()
        || !receipts_lost.is_empty()
        || code != 0
    {
        println!(
            "lost: {lost:?}\nduplicated: {duplicated:?}\ndisplayed twice: {displayed_twice:?}\nreceipts lost: \
             {receipts_lost:?}\n{out}\n{}",
            rig.report()
        );
        std::process::exit(1);
    }
}
