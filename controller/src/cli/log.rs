//! `pinghu log verify | export`: the proof-of-display log for a technician and an auditor. Every
//! segment is verified in order; repairs are listed, damage names its line and fails.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::cli::args::ExportFormat;
use crate::daemon::proof;

pub use crate::cli::Outcome;

/// The segment files to read: one file, or every segment of the data directory's log.
pub fn files(data_dir: Option<PathBuf>, file: Option<PathBuf>) -> Result<Vec<PathBuf>> {
    if let Some(f) = file {
        if !f.exists() {
            bail!("{} does not exist", f.display());
        }
        return Ok(vec![f]);
    }
    let dir = data_dir.unwrap_or_else(crate::daemon::config::default_data_dir);
    let segs = proof::segments(&dir);
    if segs.is_empty() {
        bail!(
            "no proof-of-display log in {} (give --data-dir DIR or --file FILE)",
            dir.display()
        );
    }
    Ok(segs)
}

/// `pinghu log verify`.
pub fn verify(data_dir: Option<PathBuf>, file: Option<PathBuf>) -> Result<Outcome> {
    let audit_dir = if file.is_none() {
        Some(data_dir.clone().unwrap_or_else(crate::daemon::config::default_data_dir))
    } else {
        None
    };
    let files = files(data_dir, file)?;
    let report = proof::verify_files(&files)?;
    let mut o = Outcome::default();
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
    let files = files(data_dir, file)?;
    let report = proof::verify_files(&files)?;
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
    let read = proof::for_each_verified(&files, |e, line| match format {
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
