//! `pinghu report plays | verify` and `pinghu board keygen`: play reports for the operator and
//! the advertiser, built from the proof-of-display log, and the offline check of a board's signed
//! daily report (docs/campaigns.md).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use jiff::Timestamp;
use jiff::civil::Date;

use crate::cli::Outcome;
use crate::daemon::{proof, report};

/// How a report is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    Table,
    Csv,
    Json,
}

impl ReportFormat {
    /// The report in this format.
    fn print(self, r: &report::PlaysReport) -> Result<String> {
        Ok(match self {
            ReportFormat::Table => report::to_table(r),
            ReportFormat::Csv => report::to_csv(r),
            ReportFormat::Json => serde_json::to_string_pretty(r)? + "\n",
        })
    }
}

/// What a report needs of the log: the verdict on its chain, the verified entries `window` keeps,
/// the screen, and the time of the latest entry. Read a line at a time.
struct Log {
    chain: proof::Report,
    entries: Vec<proof::Entry>,
    /// The entry with the number asked for (a signed report's chain head).
    head: Option<proof::Entry>,
    /// The number of the newest verified entry.
    last_seq: u64,
    screen: Option<String>,
    latest: Option<Timestamp>,
}

fn read_log(data_dir: Option<PathBuf>, mut window: report::Window, head: Option<u64>) -> Result<Log> {
    let (mut screen, mut latest, mut head_entry, mut last_seq) = (None, None::<Timestamp>, None, 0);
    let chain = proof::for_each_verified_in(&crate::cli::log::source(data_dir, None)?, |_, e, _| {
        screen.get_or_insert_with(|| e.screen.clone());
        latest = latest.max(e.time());
        if Some(e.seq) == head {
            head_entry = Some(e.clone());
        }
        last_seq = last_seq.max(e.seq);
        window.push(e);
    })?;
    Ok(Log {
        chain,
        head: head_entry,
        last_seq,
        entries: window.into_entries(),
        screen,
        latest,
    })
}

#[derive(Debug, clap::Subcommand)]
pub enum ReportCommand {
    /// Plays, seconds on the glass and delivery against target per campaign; interrupted spots and gaps listed
    Plays(PlaysArgs),
    /// Check a board's signed daily report offline: signature, sums, and with --data-dir every play against the log (exit 1 naming what fails)
    Verify {
        /// The signed report (JSON, as the board publishes it)
        file: PathBuf,
        /// The board's public key (base64, as in its status), or a file holding it
        #[arg(long, value_name = "KEY")]
        board_key: String,
        /// The proof-of-display log to check the report against
        #[arg(long, value_name = "DIR")]
        data_dir: Option<PathBuf>,
        /// Output format
        #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
        format: ReportFormat,
    },
}

impl ReportCommand {
    pub fn run(self) -> Result<std::process::ExitCode> {
        Ok(match self {
            ReportCommand::Plays(a) => plays(a)?,
            ReportCommand::Verify {
                file,
                board_key,
                data_dir,
                format,
            } => verify(&file, &board_key, data_dir, format)?,
        }
        .print())
    }
}

#[derive(Debug, clap::Subcommand)]
pub enum BoardCommand {
    /// Make the board's key pair (mode 600); the daemon makes DATA_DIR/board-key.json itself when none is configured
    Keygen {
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        #[arg(long, default_value = "board")]
        key_id: String,
    },
}

impl BoardCommand {
    pub fn run(self) -> Result<std::process::ExitCode> {
        match self {
            BoardCommand::Keygen { out, key_id } => Ok(keygen(&out, &key_id)?.print()),
        }
    }
}

/// `pinghu report plays`: which days, which campaign, from which log, against which playlist.
#[derive(Debug, clap::Args)]
pub struct PlaysArgs {
    /// First day (YYYY-MM-DD, board time)
    #[arg(long, value_name = "D")]
    pub from: Date,
    /// Last day, included
    #[arg(long, value_name = "D")]
    pub to: Date,
    /// Only this campaign
    #[arg(long, value_name = "ID")]
    pub campaign: Option<String>,
    #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
    pub format: ReportFormat,
    /// The daemon's data directory (its proof-of-display log)
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// The playlist whose campaigns give the targets
    #[arg(long, value_name = "FILE")]
    pub playlist: Option<PathBuf>,
    /// Extra holiday calendar (TOML)
    #[arg(long, value_name = "FILE")]
    pub calendar: Option<PathBuf>,
    /// Time zone of the days (IANA name); default the playlist's, else Asia/Shanghai
    #[arg(long)]
    pub tz: Option<String>,
}

/// `pinghu report plays`.
pub fn plays(r: PlaysArgs) -> Result<Outcome> {
    if r.to < r.from {
        bail!("--to {} is before --from {}", r.to, r.from);
    }
    let playlist = r.playlist.as_deref().map(pinghu_playlists::load).transpose()?;
    let cal = crate::cli::playlist::calendar(r.calendar.as_deref())?;
    let zone_name =
        r.tz.as_deref()
            .or(playlist.as_ref().and_then(|p| p.timezone.as_deref()))
            .unwrap_or(crate::cli::playlist::DEFAULT_TZ);
    let tz = jiff::tz::TimeZone::get(zone_name)
        .with_context(|| format!("unknown time zone {zone_name:?} (use an IANA name such as Asia/Shanghai)"))?;
    if let (Some(c), Some(p)) = (&r.campaign, &playlist)
        && !p.campaigns.iter().any(|x| x.id == *c)
    {
        bail!(
            "the playlist has no campaign {c:?} (it has {})",
            p.campaigns.iter().map(|c| c.id.as_str()).collect::<Vec<_>>().join(", ")
        );
    }
    // Everything in the log counts, even when this computer's clock is behind the board's.
    let log = read_log(r.data_dir, report::Window::new(r.from, r.to, &tz, Timestamp::MAX), None)?;
    let cutoff = log
        .latest
        .map_or_else(Timestamp::now, |last| last.max(Timestamp::now()));
    let built = report::build(
        log.screen.as_deref().unwrap_or("?"),
        &log.entries,
        report::Chain::of(&log.chain),
        r.from,
        r.to,
        &tz,
        cutoff,
        r.campaign.as_deref(),
        playlist.as_ref().map(|p| report::Targets {
            playlist: p,
            calendar: &cal,
        }),
    );
    let mut stdout = r.format.print(&built)?;
    if r.format == ReportFormat::Table && playlist.is_none() {
        stdout.push_str("\n(no targets: give --playlist FILE to compare with the campaigns' targets)\n");
    }
    let mut o = Outcome {
        stdout,
        ..Outcome::default()
    };
    if !built.chain.intact {
        let _ = writeln!(
            o.stderr,
            "warning: the proof-of-display log is damaged; only entries before the damage are counted (see `pinghu log verify`)"
        );
    }
    Ok(o)
}

/// A board key given on the command line: the base64 public key, or a file holding it (or the
/// key pair file of `pinghu board keygen`).
fn board_key(arg: &str) -> Result<String> {
    let p = Path::new(arg);
    if !p.exists() {
        return Ok(arg.trim().to_owned());
    }
    let text = std::fs::read_to_string(p).with_context(|| format!("cannot read {}", p.display()))?;
    if let Ok(v) = serde_json::from_str::<serde_json::Value>(&text)
        && let Some(k) = v["public"].as_str()
    {
        return Ok(k.to_owned());
    }
    Ok(text.trim().to_owned())
}

/// `pinghu report verify`.
pub fn verify(file: &Path, key: &str, data_dir: Option<PathBuf>, format: ReportFormat) -> Result<Outcome> {
    let signed = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let key = board_key(key)?;
    let log = match data_dir {
        // Only the report's own days are kept from the log (a report that cannot be read has
        // none, and fails below with the reason).
        Some(d) => Some(read_log(
            Some(d),
            report::window_of(&signed).unwrap_or_else(report::Window::empty),
            report::head_of(&signed).map(|(seq, _)| seq),
        )?),
        None => None,
    };
    let mut o = Outcome::default();
    let result = report::verify(
        &signed,
        &key,
        log.as_ref()
            .map(|l| (l.entries.as_slice(), report::Chain::of(&l.chain))),
    );
    // The log still reaches the head the board recorded in the report (named whatever else
    // fails: it says the log was cut or rewritten after the report was signed).
    let head = log
        .as_ref()
        .zip(report::head_of(&signed))
        .and_then(|(l, (seq, hash))| report::check_head((seq, &hash), l.head.as_ref(), l.last_seq));
    let result = match (result, head) {
        (Ok(_), Some(e)) => Err(vec![e]),
        (Err(mut errors), Some(e)) => {
            errors.push(e);
            Err(errors)
        }
        (r, None) => r,
    };
    match result {
        Ok(r) => {
            let _ = writeln!(
                o.stdout,
                "{}: signature good (board {}), sums consistent{}",
                file.display(),
                r.screen,
                if log.is_some() {
                    ", every play matches the log"
                } else {
                    " (give --data-dir DIR to check it against the log too)"
                }
            );
            o.stdout.push_str(&format.print(&r)?);
        }
        Err(errors) => {
            for e in &errors {
                let _ = writeln!(o.stderr, "error: {e}");
            }
            let _ = writeln!(
                o.stderr,
                "{}: NOT verified ({} problem(s))",
                file.display(),
                errors.len()
            );
            o.failed = true;
        }
    }
    Ok(o)
}

/// `pinghu board keygen`: the board's own key pair, which signs its daily play reports.
pub fn keygen(out: &Path, key_id: &str) -> Result<Outcome> {
    let public = crate::daemon::envelope::KeyPair::create(out, key_id, false)
        .map_err(anyhow::Error::msg)?
        .public;
    let mut o = Outcome::default();
    let _ = writeln!(
        o.stdout,
        "board key written to {} (keep it on the board's computer)\nset in the daemon's configuration: board_key = \"{}\"\n\
         give advertisers the public key, to verify reports: {public}",
        out.display(),
        out.display()
    );
    Ok(o)
}
