//! `pinghu log verify | export | archive`: the proof-of-display log for a technician and an
//! auditor. Every segment is verified in order; repairs are listed, damage names its line and
//! fails. Old segments can be moved off the board with the chain kept verifiable on both sides.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::Subcommand;

use crate::cli::args::ExportFormat;
use crate::daemon::proof;

pub use crate::cli::Outcome;

/// What to read of a log: one file (its chain from the genesis), or every segment of the data
/// directory's log, from where its chain starts.
pub fn source(data_dir: Option<PathBuf>, file: Option<PathBuf>) -> Result<proof::Layout> {
    if let Some(f) = file {
        if !f.exists() {
            bail!("{} does not exist", f.display());
        }
        return Ok(proof::Layout {
            first: 1,
            start: (proof::GENESIS.to_owned(), 0),
            archived: None,
            segments: vec![f],
        });
    }
    let dir = data_dir.unwrap_or_else(crate::daemon::config::default_data_dir);
    let l = proof::layout(&dir);
    if l.segments.is_empty() {
        bail!(
            "no proof-of-display log in {} (give --data-dir DIR or --file FILE)",
            dir.display()
        );
    }
    Ok(l)
}

/// `pinghu log verify`.
pub fn verify(data_dir: Option<PathBuf>, file: Option<PathBuf>) -> Result<Outcome> {
    let audit_dir = if file.is_none() {
        Some(data_dir.clone().unwrap_or_else(crate::daemon::config::default_data_dir))
    } else {
        None
    };
    let src = source(data_dir, file)?;
    let report = proof::for_each_verified_in(&src, |_, _, _| {})?;
    let mut o = Outcome::default();
    if let Some(a) = &src.archived {
        for r in &a.archives {
            let _ = writeln!(
                o.stdout,
                "archived {}: segments {} (entries {}) moved to {} (verify them there)",
                r.at, r.segments, r.entries, r.to
            );
        }
        let _ = writeln!(
            o.stdout,
            "the chain here continues after entry {} (hash {})",
            a.seq, a.hash
        );
    }
    for seg in &report.segments {
        let state = match &seg.problem {
            None => "chain intact".to_owned(),
            Some(p) if p.torn => "ends in an unfinished line (a power cut; `pinghu run` repairs it)".to_owned(),
            Some(_) => "DAMAGED".to_owned(),
        };
        let _ = writeln!(o.stdout, "{}: {} entries, {state}", seg.path.display(), seg.entries);
        for (line, note) in &seg.repairs {
            let _ = writeln!(o.stdout, "  line {line}: repaired: {note}");
        }
    }
    let problems = report.problems();
    let _ = writeln!(
        o.stdout,
        "{} entries in {} segment(s), {} repair(s), last hash {}",
        report.entries,
        report.segments.len(),
        report.repairs().len(),
        report.last_hash
    );
    for p in &problems {
        let _ = writeln!(o.stderr, "error: {p}");
    }
    o.failed = !problems.is_empty();
    // The console's audit log, when the data directory has one.
    if let Some(dir) = audit_dir.filter(|d| d.join(crate::daemon::audit::FILE).exists()) {
        let log = crate::daemon::audit::AuditLog::new(&dir, crate::daemon::disk::Disk::new());
        let r = log.verify()?;
        let path = dir.join(crate::daemon::audit::FILE);
        match &r.problem {
            None => {
                let _ = writeln!(o.stdout, "{}: {} entries, chain intact", path.display(), r.entries);
            }
            Some((line, why)) => {
                let _ = writeln!(o.stdout, "{}: {} entries, DAMAGED", path.display(), r.entries);
                let _ = writeln!(o.stderr, "error: {}:{line}: {why}", path.display());
                o.failed = true;
            }
        }
    }
    Ok(o)
}

/// `pinghu log export`: every segment, as the log's own JSON lines or as CSV, to `out` or stdout.
/// A damaged log is refused (see `verify`). The log is read twice, a line at a time (verified,
/// then written out), so a log of years needs the memory of one entry.
pub fn export(
    data_dir: Option<PathBuf>,
    file: Option<PathBuf>,
    format: ExportFormat,
    out: Option<&Path>,
) -> Result<Outcome> {
    use std::io::Write as _;
    let src = source(data_dir, file)?;
    let report = proof::for_each_verified_in(&src, |_, _, _| {})?;
    if let Some(p) = report.problems().first() {
        bail!("refusing to export a broken log: {p} (see `pinghu log verify`)");
    }
    // A file is written beside its name and renamed when complete: an auditor never gets half.
    let partial = out.map(|p| {
        let mut name = p.as_os_str().to_owned();
        name.push(".partial");
        PathBuf::from(name)
    });
    let sink: Box<dyn std::io::Write> = match (&partial, out) {
        (Some(path), Some(to)) => {
            Box::new(std::fs::File::create(path).with_context(|| format!("cannot write {}", to.display()))?)
        }
        _ => Box::new(std::io::stdout().lock()),
    };
    let mut w = std::io::BufWriter::new(sink);
    let mut failed = None;
    let mut write = |bytes: &[u8]| {
        if failed.is_none()
            && let Err(e) = w.write_all(bytes)
        {
            failed = Some(e);
        }
    };
    if format == ExportFormat::Csv {
        write(proof::CSV_HEADER.as_bytes());
    }
    let read = proof::for_each_verified_in(&src, |_, e, line| match format {
        ExportFormat::Csv => write(proof::csv_row(e).as_bytes()),
        ExportFormat::Jsonl => {
            write(line);
            write(b"\n");
        }
    });
    let done = read
        .map_err(anyhow::Error::from)
        .and_then(|_| failed.map_or(Ok(()), |e| Err(e.into())))
        .and_then(|()| w.flush().map_err(anyhow::Error::from))
        .and_then(|()| {
            drop(w);
            match (&partial, out) {
                (Some(from), Some(to)) => std::fs::rename(from, to).map_err(anyhow::Error::from),
                _ => Ok(()),
            }
        });
    if let Err(e) = done {
        if let Some(p) = &partial {
            let _ = std::fs::remove_file(p);
        }
        return Err(e.context("cannot write the export"));
    }
    Ok(Outcome::default())
}

/// `pinghu log archive`: move the segments whose every entry is before `before` (in `tz`) to `to`.
/// Never the last segment (the daemon writes it), never a damaged log. Each segment is copied,
/// fsynced and compared; then `proof-of-display.archived.json` here records where the chain now
/// starts (atomically); only then are the originals removed. A crash at any point leaves a log
/// that verifies, and running it again finishes the job.
pub fn archive(data_dir: Option<PathBuf>, before: jiff::civil::Date, tz: &str, to: &Path) -> Result<Outcome> {
    let dir = data_dir.unwrap_or_else(crate::daemon::config::default_data_dir);
    let zone = jiff::tz::TimeZone::get(tz)
        .with_context(|| format!("unknown time zone {tz:?} (use an IANA name such as Asia/Shanghai)"))?;
    let cutoff = before
        .to_zoned(zone)
        .with_context(|| format!("--before {before} is out of range"))?
        .timestamp();
    if std::fs::canonicalize(to).ok() == std::fs::canonicalize(&dir).ok() {
        bail!(
            "--to {} is the data directory itself: give another folder",
            to.display()
        );
    }
    let l = proof::layout(&dir);
    let (first, segs) = (l.first, &l.segments);
    let mut o = Outcome::default();
    // An earlier run stopped after its record was written (a crash, a pulled stick): the segments
    // it recorded as archived were copied and checked before; remove what is left of them.
    if l.archived.is_some() {
        let leftovers: Vec<PathBuf> = (1..first)
            .map(|n| proof::segment_path(&dir, n))
            .filter(|p| p.exists())
            .collect();
        for p in &leftovers {
            std::fs::remove_file(p).with_context(|| format!("cannot remove {}", p.display()))?;
        }
        if !leftovers.is_empty() {
            let _ = writeln!(
                o.stdout,
                "finished an earlier archiving: removed {} segment(s) already archived",
                leftovers.len()
            );
        }
    }
    if segs.is_empty() {
        bail!("no proof-of-display log in {} (give --data-dir DIR)", dir.display());
    }
    // Each segment's newest entry and last (seq, hash), from one verification of the whole log.
    let mut ends: Vec<(Option<jiff::Timestamp>, u64, String)> = vec![(None, 0, String::new()); segs.len()];
    let report = proof::for_each_verified_in(&l, |n, e, _| {
        let end = &mut ends[n - first];
        end.0 = end.0.max(e.time());
        end.1 = e.seq;
        end.2.clone_from(&e.hash);
    })?;
    if let Some(p) = report.problems().first() {
        bail!("refusing to archive a damaged log: {p} (see `pinghu log verify`)");
    }
    // Whole segments, oldest first, all of whose entries are older; never the one being written.
    let k = ends[..segs.len() - 1]
        .iter()
        .take_while(|(newest, _, _)| newest.is_some_and(|t| t < cutoff))
        .count();
    if k == 0 {
        let why = if segs.len() == 1 {
            "there is only the segment being written".to_owned()
        } else {
            format!(
                "the oldest segment, {}, has entries on or after {before}",
                segs[0].display()
            )
        };
        let _ = writeln!(o.stdout, "nothing to archive: {why}");
        return Ok(o);
    }
    std::fs::create_dir_all(to).with_context(|| format!("cannot create {}", to.display()))?;
    let disk = crate::daemon::disk::Disk::new();
    // The archive verifies on its own: when it does not begin at the first segment, it gets the
    // record of where its chain starts.
    if first > 1 && !proof::segment_path(to, first - 1).exists() && !to.join(proof::ARCHIVED).exists() {
        let start = l.archived.clone().unwrap_or_default();
        disk.write_atomic(&to.join(proof::ARCHIVED), &serde_json::to_vec_pretty(&start)?)?;
    }
    let mut bytes = 0u64;
    for seg in &segs[..k] {
        let name = seg.file_name().context("a segment without a name")?;
        let dest = to.join(name);
        if !dest.exists() {
            let tmp = to.join(format!("{}.partial", name.to_string_lossy()));
            let mut out = std::fs::File::create(&tmp).with_context(|| format!("cannot write {}", tmp.display()))?;
            std::io::copy(&mut std::fs::File::open(seg)?, &mut out)
                .and_then(|_| out.sync_all())
                .with_context(|| format!("cannot write {}", tmp.display()))?;
            std::fs::rename(&tmp, &dest)?;
        }
        if sha256_file(seg)? != sha256_file(&dest)? {
            bail!(
                "{} differs from {}: left in place (remove the copy in {} to archive again)",
                dest.display(),
                seg.display(),
                to.display()
            );
        }
        bytes += std::fs::metadata(seg)?.len();
    }
    disk.sync_dir(to)
        .with_context(|| format!("cannot sync {}", to.display()))?;
    let (from_seq, (_, last_seq, last_hash)) = (l.start.1 + 1, ends[k - 1].clone());
    let mut record = l.archived.clone().unwrap_or_default();
    record.next_segment = first + k;
    record.seq = last_seq;
    record.hash = last_hash;
    record.archives.push(proof::ArchiveRecord {
        at: jiff::Timestamp::now().to_string(),
        to: std::fs::canonicalize(to)
            .unwrap_or_else(|_| to.to_path_buf())
            .display()
            .to_string(),
        segments: format!("{first}-{}", first + k - 1),
        entries: format!("{from_seq}-{last_seq}"),
    });
    disk.write_atomic(&dir.join(proof::ARCHIVED), &serde_json::to_vec_pretty(&record)?)?;
    for seg in &segs[..k] {
        std::fs::remove_file(seg).with_context(|| format!("cannot remove {}", seg.display()))?;
    }
    disk.sync_dir(&dir)
        .with_context(|| format!("cannot sync {}", dir.display()))?;
    let _ = writeln!(
        o.stdout,
        "archived segments {first}-{} (entries {from_seq}-{last_seq}, {} MB, before {before}) to {}\n\
         check them there: pinghu log verify --data-dir {}\n\
         the log here continues after entry {last_seq}",
        first + k - 1,
        bytes / 1_000_000,
        to.display(),
        to.display()
    );
    Ok(o)
}

/// SHA-256 of a file, read in pieces.
fn sha256_file(path: &Path) -> Result<String> {
    use sha2::Digest as _;
    let mut h = sha2::Sha256::new();
    std::io::copy(&mut std::fs::File::open(path)?, &mut h)
        .with_context(|| format!("cannot read {}", path.display()))?;
    Ok(pinghu_protocol::to_hex(&h.finalize()))
}

#[derive(Debug, Subcommand)]
pub enum LogCommand {
    /// Check the hash chain of every segment: repairs are listed, damage exits 1 naming the line
    Verify {
        /// The board's data folder (the daemon's `data_dir`; default: the user's data folder,
        /// ~/.local/share/pinghu): every segment, archived parts listed
        #[arg(long, value_name = "DIR", conflicts_with = "file")]
        data_dir: Option<std::path::PathBuf>,
        /// One segment file alone, checked from the start of the chain
        #[arg(long, value_name = "FILE")]
        file: Option<std::path::PathBuf>,
    },
    /// Export the log, all segments, as JSON lines or CSV (refused when the chain is damaged)
    Export {
        /// The board's data folder (default: ~/.local/share/pinghu)
        #[arg(long, value_name = "DIR", conflicts_with = "file")]
        data_dir: Option<std::path::PathBuf>,
        /// One segment file alone
        #[arg(long, value_name = "FILE")]
        file: Option<std::path::PathBuf>,
        #[arg(long, value_enum, default_value_t = ExportFormat::Jsonl)]
        format: ExportFormat,
        /// Write here instead of stdout
        #[arg(long, value_name = "FILE")]
        out: Option<std::path::PathBuf>,
    },
    /// Move whole segments older than a day off the board (to an archive disk or a USB stick):
    /// copied, checked, recorded, then removed; both parts verify on their own
    Archive {
        /// Segments whose every entry is before this day (board time) go
        #[arg(long, value_name = "YYYY-MM-DD")]
        before: jiff::civil::Date,
        /// Where they go (created when missing; segments already there are checked, not copied again)
        #[arg(long, value_name = "DIR")]
        to: std::path::PathBuf,
        #[arg(long, value_name = "DIR")]
        data_dir: Option<std::path::PathBuf>,
        /// The board's time zone, for --before
        #[arg(long, default_value = "Asia/Shanghai")]
        tz: String,
    },
}

impl LogCommand {
    pub fn run(self) -> Result<std::process::ExitCode> {
        Ok(match self {
            LogCommand::Verify { data_dir, file } => verify(data_dir, file)?,
            LogCommand::Export {
                data_dir,
                file,
                format,
                out,
            } => export(data_dir, file, format, out.as_deref())?,
            LogCommand::Archive {
                before,
                to,
                data_dir,
                tz,
            } => archive(data_dir, before, &tz, &to)?,
        }
        .print())
    }
}
