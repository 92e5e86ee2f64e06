//! The proof-of-display log's tests: chains, repairs, segments, a full disk.

use super::*;

fn entry(content: &str) -> Entry {
    Entry::shown(
        "2026-11-28T01:00:00Z".into(),
        "s".into(),
        content.into(),
        "rotation".into(),
        "ab".into(),
    )
}

fn now() -> jiff::Timestamp {
    "2026-11-29T03:00:00Z".parse().unwrap()
}

/// Open, and wait for the check of the older segments (as a daemon's status has it a moment
/// after the start).
fn open(dir: &Path) -> (ProofLog, Vec<Finding>) {
    let (mut log, mut findings) = ProofLog::open(dir, Disk::new(), "s", now()).unwrap();
    findings.extend(log.finish_check(now()));
    (log, findings)
}

fn write(dir: &Path, items: &[&str]) -> ProofLog {
    let (mut log, _) = open(dir);
    for c in items {
        log.append(entry(c)).unwrap();
    }
    log.sync().unwrap();
    log
}

#[test]
fn the_log_began_with_its_first_entry() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(began(dir.path()), None, "no log");
    let (log, _) = open(dir.path());
    drop(log);
    assert_eq!(began(dir.path()), None, "opened, nothing written");
    drop(write(dir.path(), &["item a", "item b"]));
    assert_eq!(began(dir.path()), Some("2026-11-28T01:00:00Z".parse().unwrap()));
    // A first line damaged: it began at some time unknown, not never.
    let first = segment_path(dir.path(), 1);
    let text = std::fs::read_to_string(&first).unwrap();
    std::fs::write(&first, text.replacen('{', "#", 1)).unwrap();
    assert_eq!(began(dir.path()), Some(jiff::Timestamp::MIN));
}

#[test]
fn chain_verifies_and_detects_tampering() {
    let dir = tempfile::tempdir().unwrap();
    let log = write(dir.path(), &["item a", "announcement x r1", "item b"]);
    assert_eq!(verify_dir(dir.path()).unwrap().entries, 3);
    drop(log);
    // Reopen and continue the chain.
    let log = write(dir.path(), &["item c"]);
    let r = verify_dir(dir.path()).unwrap();
    assert_eq!((r.entries, r.problems().len()), (4, 0));
    let text = std::fs::read_to_string(log.path()).unwrap();
    let edited = text.replacen("announcement x r1", "announcement y r1", 1);
    std::fs::write(log.path(), &edited).unwrap();
    let r = verify_dir(dir.path()).unwrap();
    assert!(r.problems()[0].message.contains("hash mismatch"));
    assert_eq!(r.problems()[0].line, 2);
    let lines: Vec<&str> = text.lines().collect();
    std::fs::write(log.path(), [lines[0], lines[2], lines[3]].join("\n")).unwrap();
    let r = verify_dir(dir.path()).unwrap();
    let e = r.problems()[0];
    assert_eq!(e.line, 2);
    assert!(e.message.contains("missing or repeated"), "{e}");
    assert!(!e.torn);
}

#[test]
fn entries_written_before_this_version_still_verify() {
    // An entry as the previous version wrote it (no kind, no note).
    let dir = tempfile::tempdir().unwrap();
    let mut e = seal(entry("item a"), GENESIS, 0);
    let old = serde_json::to_string(&e).unwrap();
    assert!(!old.contains("kind") && !old.contains("note"));
    e.kind = None;
    std::fs::write(dir.path().join(FIRST_SEGMENT), old + "\n").unwrap();
    assert_eq!(verify_dir(dir.path()).unwrap().entries, 1);
}

#[test]
fn a_torn_last_line_is_cut_recorded_and_the_log_goes_on() {
    for tail in [
        &b"{\"seq\":4,\"at\":\"2026-11-"[..],
        &[0u8; 300][..],
        b"{\"seq\":4}\n\0\0\0",
    ] {
        let dir = tempfile::tempdir().unwrap();
        drop(write(dir.path(), &["item a", "item b", "item c"]));
        let path = dir.path().join(FIRST_SEGMENT);
        let mut bytes = std::fs::read(&path).unwrap();
        bytes.extend_from_slice(tail);
        std::fs::write(&path, &bytes).unwrap();
        let before = verify_dir(dir.path()).unwrap();
        assert!(before.problems()[0].torn, "{:?}", before.problems());

        let (mut log, findings) = open(dir.path());
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].kind, "repaired");
        assert!(
            findings[0].message.contains(&format!("{} bytes", tail.len())),
            "{findings:?}"
        );
        log.append(entry("item d")).unwrap();
        log.sync().unwrap();
        let r = verify_dir(dir.path()).unwrap();
        assert!(r.problems().is_empty(), "{:?}", r.problems());
        assert_eq!(r.entries, 5, "3 kept, the repair, then the new entry");
        assert_eq!(r.repairs().len(), 1);
        assert_eq!(r.repairs()[0].1, 4);
        let moved: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .filter_map(|e| {
                let n = e.unwrap().file_name().to_string_lossy().into_owned();
                n.starts_with("proof-of-display.torn-").then_some(n)
            })
            .collect();
        assert_eq!(moved.len(), 1);
        assert_eq!(std::fs::read(dir.path().join(&moved[0])).unwrap(), tail);
    }
}

#[test]
fn damage_inside_is_kept_reported_and_the_chain_continues_in_a_new_segment() {
    let dir = tempfile::tempdir().unwrap();
    drop(write(dir.path(), &["item a", "item b", "item c", "item d"]));
    let path = dir.path().join(FIRST_SEGMENT);
    let text = std::fs::read_to_string(&path).unwrap();
    let damaged = text.replacen("item b", "item X", 1);
    std::fs::write(&path, &damaged).unwrap();

    let (mut log, findings) = open(dir.path());
    assert_eq!(findings[0].kind, "damaged");
    assert!(
        findings[0].message.contains("proof-of-display.jsonl:2: hash mismatch"),
        "{findings:?}"
    );
    assert_eq!(log.path(), segment_path(dir.path(), 2));
    log.append(entry("item e")).unwrap();
    log.sync().unwrap();
    drop(log);
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        damaged,
        "the evidence is untouched"
    );

    let r = verify_dir(dir.path()).unwrap();
    assert_eq!(r.segments.len(), 2);
    assert_eq!(r.problems().len(), 1, "the damage stays visible");
    assert_eq!(r.problems()[0].line, 2);
    assert_eq!(r.segments[1].entries, 2, "the repair entry, then item e");
    assert!(
        r.segments[1].problem.is_none(),
        "segment 2 chains to entry 1, the last good one"
    );
    // Reopening reports the damage again but needs no new segment.
    let (log, findings) = open(dir.path());
    assert_eq!(findings.len(), 1);
    assert_eq!(log.path(), segment_path(dir.path(), 2));
}

#[test]
fn a_long_log_goes_on_in_segments_and_reads_back_whole() {
    let dir = tempfile::tempdir().unwrap();
    let (mut log, _) = open(dir.path());
    log.rotate_at = 1000;
    for i in 0..20 {
        log.append(entry(&format!("item {i}"))).unwrap();
    }
    log.sync().unwrap();
    let first = std::fs::metadata(dir.path().join(FIRST_SEGMENT)).unwrap().len();
    assert!(
        (1000..1400).contains(&first),
        "a segment ends after the entry that fills it: {first}"
    );
    let r = verify_dir(dir.path()).unwrap();
    assert!(r.segments.len() >= 5, "{} segments", r.segments.len());
    assert_eq!((r.entries, r.problems().len()), (20, 0), "{:?}", r.problems());
    let mut seen = Vec::new();
    for_each_verified(&segments(dir.path()), |e, line| {
        assert_eq!(serde_json::from_slice::<Entry>(line).unwrap(), *e);
        seen.push(e.content.clone());
    })
    .unwrap();
    assert_eq!(seen.len(), 20);
    assert_eq!(seen[19], "item 19");
    let last = log.path().to_path_buf();
    drop(log);
    // Reopened, the log goes on in its last segment; a torn line there is cut from it alone.
    let mut bytes = std::fs::read(&last).unwrap();
    bytes.extend_from_slice(b"{\"seq\":21,\"at");
    std::fs::write(&last, &bytes).unwrap();
    let (mut log, findings) = open(dir.path());
    assert_eq!(findings[0].kind, "repaired", "{findings:?}");
    assert_eq!(log.path(), last);
    log.append(entry("item 20")).unwrap();
    log.sync().unwrap();
    let r = verify_dir(dir.path()).unwrap();
    assert_eq!((r.entries, r.problems().len()), (22, 0), "{:?}", r.problems());
    assert_eq!(std::fs::metadata(dir.path().join(FIRST_SEGMENT)).unwrap().len(), first);
}

#[test]
fn the_daemon_reads_only_the_recent_segments_of_an_intact_log() {
    let dir = tempfile::tempdir().unwrap();
    let t0: jiff::Timestamp = "2026-11-01T00:00:00Z".parse().unwrap();
    let hour = |i: i64| t0 + jiff::SignedDuration::from_hours(i);
    let (mut log, _) = open(dir.path());
    log.rotate_at = 600;
    for i in 0..30 {
        let mut e = entry(&format!("item {i}"));
        e.at = hour(i).to_string();
        log.append(e).unwrap();
    }
    log.sync().unwrap();
    let all = segments(dir.path());
    let check = |log: &ProofLog| {
        let v = log.verdict();
        assert_eq!((v.entries, v.problems().len()), (30, 0));
        assert_eq!(v.last_hash, verify_dir(dir.path()).unwrap().last_hash);
        let recent = log.segments_since(hour(20)).unwrap();
        assert!(
            recent.len() < all.len() && recent.len() >= 2,
            "{} of {}",
            recent.len(),
            all.len()
        );
        let mut seen = Vec::new();
        let r = for_each_verified_from(&recent, |e, _| seen.push(e.content.clone())).unwrap();
        assert!(r.problems().is_empty(), "{:?}", r.problems());
        assert_eq!(r.last_hash, v.last_hash);
        let first: usize = seen[0].trim_start_matches("item ").parse().unwrap();
        assert!(first < 20, "the entry before 20:00 is there: {seen:?}");
        assert_eq!(seen.last().map(String::as_str), Some("item 29"));
        // A day's view: the segments from before 05:00 to the first one reaching 10:00.
        let day = log.segments_between(hour(5), hour(10)).unwrap();
        assert!(day.len() < recent.len().max(all.len()) && !day.is_empty(), "{day:?}");
        let mut seen = Vec::new();
        for_each_verified_from(&day, |e, _| seen.push(e.at.parse::<jiff::Timestamp>().unwrap())).unwrap();
        assert!(
            seen.first().unwrap() < &hour(5) && seen.last().unwrap() >= &hour(10),
            "{seen:?}"
        );
        assert!(seen.len() < 30);
    };
    check(&log);
    drop(log);
    // Reopened, the start reads only the last segment; the older ones are checked in the
    // background, and until that is done every reading starts from the beginning.
    let (mut log, findings) = ProofLog::open(dir.path(), Disk::new(), "s", now()).unwrap();
    assert!(findings.is_empty());
    assert!(log.segments_since(hour(20)).is_none(), "not checked yet");
    let found = loop {
        if let Some(f) = log.poll_check(now()) {
            break f;
        }
        std::thread::sleep(std::time::Duration::from_millis(1));
    };
    assert!(found.is_empty(), "{found:?}");
    check(&log);
    drop(log);
    // Damage in an older segment: found by the check, reported, and the log goes on in a new
    // segment chained to the last good entry; readings start from the beginning again.
    let text = std::fs::read_to_string(&all[1]).unwrap();
    let entries_before = text.lines().count();
    std::fs::write(&all[1], text.replacen("\"item ", "\"item X", 1)).unwrap();
    let (mut log, findings) = open(dir.path());
    assert_eq!(findings[0].kind, "damaged", "{findings:?}");
    assert!(
        findings[0]
            .message
            .contains("proof-of-display.2.jsonl:1: hash mismatch"),
        "{findings:?}"
    );
    assert!(log.segments_since(hour(20)).is_none());
    assert!(!log.verdict().problems().is_empty());
    assert_eq!(log.path(), segment_path(dir.path(), all.len() + 1));
    log.append(entry("item after")).unwrap();
    log.sync().unwrap();
    drop(log);
    let r = verify_dir(dir.path()).unwrap();
    let last = r.segments.last().unwrap();
    assert!(
        last.problem.is_none(),
        "the new segment chains to the last good entry: {r:?}"
    );
    assert_eq!(last.entries, 2);
    assert!(entries_before > 0);
    // Opened again: the same damage is reported, and no further segment is needed.
    let (log, findings) = open(dir.path());
    assert_eq!(findings.len(), r.problems().len(), "{findings:?}");
    assert_eq!(log.path(), segment_path(dir.path(), all.len() + 1));
}

#[test]
fn a_crash_just_after_a_rotation_leaves_a_log_that_goes_on() {
    for last in [&b""[..], &b"{\"seq\":4,\"at"[..]] {
        let dir = tempfile::tempdir().unwrap();
        drop(write(dir.path(), &["item a", "item b", "item c"]));
        // The next segment was created (and maybe half an entry written) when the power went.
        std::fs::write(segment_path(dir.path(), 2), last).unwrap();
        let (mut log, findings) = open(dir.path());
        assert_eq!(findings.len(), usize::from(!last.is_empty()), "{findings:?}");
        assert_eq!(log.path(), segment_path(dir.path(), 2));
        log.append(entry("item d")).unwrap();
        log.sync().unwrap();
        let r = verify_dir(dir.path()).unwrap();
        assert!(r.problems().is_empty(), "{:?}", r.problems());
        assert_eq!(
            r.entries,
            4 + u64::from(!last.is_empty()),
            "a repair entry when a line was cut"
        );
    }
}

#[test]
fn an_endless_line_is_damage_not_a_memory_hog() {
    let dir = tempfile::tempdir().unwrap();
    drop(write(dir.path(), &["item a"]));
    let path = dir.path().join(FIRST_SEGMENT);
    let mut bytes = std::fs::read(&path).unwrap();
    bytes.extend(std::iter::repeat_n(b'x', 200_000));
    bytes.push(b'\n');
    bytes.extend_from_slice(&std::fs::read(&path).unwrap());
    std::fs::write(&path, &bytes).unwrap();
    let r = verify_dir(dir.path()).unwrap();
    let p = r.problems()[0];
    assert_eq!(p.line, 2);
    assert!(p.message.contains("more than 65536 bytes") && !p.torn, "{p}");
}

#[test]
fn a_full_disk_keeps_entries_queued_and_never_leaves_a_partial_line() {
    let dir = tempfile::tempdir().unwrap();
    let disk = Disk::new();
    let (mut log, _) = ProofLog::open(dir.path(), disk.clone(), "s", now()).unwrap();
    log.append(entry("item a")).unwrap();
    disk.fail(0, u64::MAX, crate::disk::ENOSPC);
    assert!(log.append(entry("item b")).is_err());
    assert!(log.append(entry("item c")).is_err());
    assert!(log.sync().is_err());
    assert_eq!(log.pending(), 2);
    disk.heal();
    log.sync().unwrap();
    assert_eq!(log.pending(), 0);
    let r = verify_dir(dir.path()).unwrap();
    assert_eq!((r.entries, r.problems().len()), (3, 0));
}
