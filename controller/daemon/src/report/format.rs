//! A play report for people (a table) and for spreadsheets (CSV).

use super::PlaysReport;

/// The report as a table for people.
pub fn to_table(r: &PlaysReport) -> String {
    use std::fmt::Write as _;
    let mut s = format!(
        "play report, screen {}, {} to {} ({}), entries up to {}\n",
        r.screen, r.from, r.to, r.timezone, r.cutoff
    );
    let _ = writeln!(
        s,
        "log: {} entries, {}{}",
        r.chain.entries,
        if r.chain.intact {
            "chain intact"
        } else {
            "CHAIN DAMAGED"
        },
        if r.chain.repairs > 0 {
            format!(", {} repair(s)", r.chain.repairs)
        } else {
            String::new()
        }
    );
    for p in &r.chain.problems {
        let _ = writeln!(s, "  {p}");
    }
    let _ = writeln!(
        s,
        "\n{:<20} {:<16} {:>7} {:>9} {:>12} {:>10} {:>9}",
        "campaign", "target", "plays", "seconds", "interrupted", "wanted", "delivered"
    );
    for c in &r.campaigns {
        let wanted = match (c.target_plays, c.target_seconds) {
            (Some(p), _) => format!("{p:.0} plays"),
            (_, Some(sec)) => format!("{sec:.0} s"),
            _ => "-".into(),
        };
        let _ = writeln!(
            s,
            "{:<20} {:<16} {:>7} {:>9} {:>12} {:>10} {:>9}",
            c.campaign,
            c.target.as_deref().unwrap_or("-"),
            c.plays,
            c.seconds,
            c.interrupted,
            wanted,
            c.delivered_pct.map_or("-".into(), |p| format!("{p:.1} %"))
        );
    }
    if !r.interrupted.is_empty() {
        let _ = writeln!(s, "\ninterrupted spots (not counted):");
        for i in &r.interrupted {
            let _ = writeln!(
                s,
                "  {} {} {} — {} of {} s, cut by {}",
                i.at, i.campaign, i.item, i.seconds, i.planned_s, i.by
            );
        }
    }
    if !r.gaps.is_empty() {
        let _ = writeln!(s, "\ngaps:");
        for g in &r.gaps {
            let _ = writeln!(s, "  {} {} (entry {}): {}", g.at, g.kind, g.seq, g.note);
        }
    }
    s
}

/// The report as CSV: one row per campaign.
pub fn to_csv(r: &PlaysReport) -> String {
    use std::fmt::Write as _;
    let q = |v: &str| format!("\"{}\"", v.replace('"', "\"\""));
    let mut s = String::from(
        "screen,from,to,campaign,advertiser,contract,target,plays,seconds,interrupted,target_plays,target_seconds,delivered_pct,chain_intact\n",
    );
    let opt = |v: Option<f64>| v.map_or(String::new(), |x| x.to_string());
    for c in &r.campaigns {
        let _ = writeln!(
            s,
            "{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
            q(&r.screen),
            r.from,
            r.to,
            q(&c.campaign),
            q(c.advertiser.as_deref().unwrap_or("")),
            q(c.contract.as_deref().unwrap_or("")),
            q(c.target.as_deref().unwrap_or("")),
            c.plays,
            c.seconds,
            c.interrupted,
            opt(c.target_plays),
            opt(c.target_seconds),
            opt(c.delivered_pct),
            r.chain.intact
        );
    }
    s
}
