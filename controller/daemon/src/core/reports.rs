//! The daily play report: built from the proof-of-display log after each local midnight, signed
//! with the board's key, kept in `DATA_DIR/reports/` and handed to the publisher (retained on the
//! reports topic). See [`crate::report`].

use jiff::{SignedDuration, Timestamp};

use super::Core;
use crate::report;

/// How long after midnight the day's report is made: the last spot of the day ends first.
pub const REPORT_DELAY: SignedDuration = SignedDuration::from_mins(5);
/// A report that could not be made is tried again this often.
pub const REPORT_RETRY: SignedDuration = SignedDuration::from_mins(10);

/// A daemon that was stopped makes the reports it missed, back this many days at most.
pub const CATCH_UP_DAYS: i64 = 31;

/// The first day whose report a starting daemon should make: the day after the newest report on
/// disk, or, on a board that never made one, the day its proof-of-display log began (the days
/// before it the board did not exist to account for); never before [`CATCH_UP_DAYS`] ago. `None`:
/// nothing to report yet (a new board's first day).
fn first_missing_day(
    data_dir: &std::path::Path,
    yesterday: jiff::civil::Date,
    tz: &jiff::tz::TimeZone,
) -> Option<jiff::civil::Date> {
    let newest = std::fs::read_dir(data_dir.join(REPORTS_DIR))
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            name.strip_prefix("plays-")?
                .strip_suffix(".signed.json")?
                .parse::<jiff::civil::Date>()
                .ok()
        })
        .filter(|d| *d <= yesterday)
        .max();
    let floor = yesterday
        .checked_sub(jiff::Span::new().days(CATCH_UP_DAYS - 1))
        .unwrap_or(yesterday);
    let first = match newest {
        // (Yesterday's made already: the caller publishes it again, the topic keeps one.)
        Some(newest) => newest.tomorrow().unwrap_or(yesterday).min(yesterday),
        // A log whose oldest part was archived began long ago (its reports were made then), one
        // whose first line is damaged at a time unknown: from yesterday, as before either.
        None => match crate::proof::began(data_dir)? {
            began if began == Timestamp::MIN => yesterday,
            began => began.to_zoned(tz.clone()).date(),
        },
    };
    (first <= yesterday).then_some(first.max(floor))
}

/// The verified proof-of-display log: its chain and its entries.
type Log = (report::Chain, Vec<crate::proof::Entry>);

/// The folder of the signed reports.
pub const REPORTS_DIR: &str = "reports";

/// The file of day `d`'s signed report.
pub fn report_file(data_dir: &std::path::Path, d: jiff::civil::Date) -> std::path::PathBuf {
    data_dir.join(REPORTS_DIR).join(format!("plays-{d}.signed.json"))
}

impl Core {
    /// Make yesterday's report when it is due and not yet made, and those of the days before it
    /// that a stopped daemon missed (back to the day after the newest report on disk, at most
    /// [`CATCH_UP_DAYS`]): an advertiser's month has a signed report for every day, the days the
    /// board was dark included (no plays, and the gap).
    pub(super) fn daily_report(&mut self, now: Timestamp) {
        let zoned = now.to_zoned(self.planner.tz.clone());
        let Ok(yesterday) = zoned.date().yesterday() else {
            return;
        };
        if self.reports.done == Some(yesterday) || self.reports.retry_at.is_some_and(|t| now < t) {
            return;
        }
        let due = zoned.start_of_day().map_or(now, |z| z.timestamp()) + REPORT_DELAY;
        if now < due {
            return;
        }
        let first = match self.reports.done {
            Some(d) => d.tomorrow().unwrap_or(yesterday),
            None => match first_missing_day(&self.cfg.data_dir, yesterday, &self.planner.tz) {
                Some(d) => d,
                None => {
                    // The board began today: its first report is tomorrow's, for today.
                    self.reports.done = Some(yesterday);
                    return;
                }
            },
        }
        .min(yesterday);
        let mut d = first;
        let mut log: Option<Log> = None;
        loop {
            let path = report_file(&self.cfg.data_dir, d);
            if path.exists() {
                if d == yesterday && self.reports.last.is_none() {
                    // The last one made, published again at start (the topic keeps one, retained).
                    self.reports.outbox.extend(std::fs::read_to_string(&path).ok());
                    self.reports.last = Some(d);
                }
            } else {
                // The log is read once, for the first day that needs it.
                let made = match log.as_ref() {
                    Some(l) => self.write_report(d, now, l),
                    None => self.read_log(d, yesterday).and_then(|l| {
                        let body = self.write_report(d, now, &l)?;
                        log = Some(l);
                        Ok(body)
                    }),
                };
                match made {
                    Ok(body) => {
                        if d == yesterday {
                            tracing::info!("play report for {d} written to {}", path.display());
                        } else {
                            tracing::warn!(
                                "play report for {d}, a day the daemon was not running at its end, written to {}",
                                path.display()
                            );
                        }
                        self.reports.last = Some(d);
                        self.reports.outbox.push_back(body);
                        self.reports.error = None;
                    }
                    Err(e) => {
                        tracing::error!("the play report for {d} cannot be made (tried again in 10 minutes): {e}");
                        self.reports.error = Some(e.to_string());
                        self.reports.retry_at = Some(now + REPORT_RETRY);
                        return;
                    }
                }
            }
            self.reports.done = Some(d);
            match d.tomorrow() {
                Ok(next) if next <= yesterday => d = next,
                _ => break,
            }
        }
    }

    /// The proof-of-display log, verified, with the entries of days `from..=to` (read once, a
    /// line at a time, for all the days being reported).
    fn read_log(&mut self, from: jiff::civil::Date, to: jiff::civil::Date) -> Result<Log, ReportError> {
        if let Some(p) = self.storage.proof.as_mut() {
            // Everything appended so far is in the files we are about to read.
            let _ = p.sync();
        }
        let mut window = report::Window::new(from, to, &self.planner.tz, Timestamp::MAX);
        let since = window
            .start()
            .checked_sub(jiff::SignedDuration::from_hours(24))
            .unwrap_or(Timestamp::MIN);
        let mut push = |e: &crate::proof::Entry, _: &[u8]| window.push(e);
        // The daemon verified the log when it opened it and is its only writer: of an intact log
        // it reads only the segments of the days reported (a day, not years, every night). A
        // damaged one is read from the start, as `pinghu log verify` reads it.
        let recent = self
            .storage
            .proof
            .as_ref()
            .and_then(|p| p.segments_since(since).map(|segs| (p.verdict(), segs)));
        let chain = match recent {
            Some((verdict, segs)) => crate::proof::for_each_verified_from(&segs, push).map(|_| verdict),
            None => crate::proof::for_each_verified_in(&crate::proof::layout(&self.cfg.data_dir), |_, e, l| {
                push(e, l);
            }),
        }
        .map_err(ReportError::ProofLog)?;
        Ok((report::Chain::of(&chain), window.into_entries()))
    }

    fn write_report(
        &self,
        d: jiff::civil::Date,
        now: Timestamp,
        (chain, entries): &Log,
    ) -> Result<String, ReportError> {
        let key = self.board_key.as_ref().map_err(|e| ReportError::NoKey(e.to_string()))?;
        let r = report::build(
            &self.cfg.screen,
            entries,
            chain.clone(),
            d,
            d,
            &self.planner.tz,
            now,
            None,
            Some(report::Targets {
                playlist: &self.playlist.current,
                calendar: &self.planner.calendar,
            }),
        );
        let env = report::sign(&r, &key.key_id, &key.secret).map_err(ReportError::Sign)?;
        let body = serde_json::to_string_pretty(&env).map_err(ReportError::Json)?;
        let path = report_file(&self.cfg.data_dir, d);
        let disk = self.storage.disk.for_purpose(crate::disk::Purpose::Other);
        std::fs::create_dir_all(path.parent().unwrap_or(&self.cfg.data_dir))
            .and_then(|()| disk.write_atomic(&path, body.as_bytes()))
            .map_err(|error| ReportError::Write { path, error })?;
        Ok(body)
    }

    /// The next signed report waiting to be published, oldest first (the publisher takes them).
    pub fn take_report(&mut self) -> Option<String> {
        self.reports.outbox.pop_front()
    }

    /// The publisher could not hand it to the MQTT session: keep it first for the next try.
    pub fn return_report(&mut self, body: String) {
        self.reports.outbox.push_front(body);
    }

    /// The board's public key and the reports, for the status.
    pub(super) fn reports_status(&self) -> crate::status::Reports {
        crate::status::Reports {
            board_key: self.board_key.as_ref().ok().map(|k| crate::status::BoardKey {
                key_id: k.key_id.clone(),
                public: k.public.clone(),
            }),
            board_key_error: self.board_key.as_ref().err().map(ToString::to_string),
            last: self.reports.last,
            error: self.reports.error.clone(),
        }
    }
}

/// Why the daily play report could not be made (it is tried again in 10 minutes; the status
/// says why meanwhile).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub(super) enum ReportError {
    #[error("the proof-of-display log: {0}")]
    ProofLog(std::io::Error),
    /// The board's key could not be read or made (its own error says why and what to do).
    #[error("no board key: {0}")]
    NoKey(String),
    #[error("cannot sign the report with the board's key: {0}")]
    Sign(crate::envelope::KeyError),
    #[error("cannot write the report as JSON ({0}); please report this as a bug")]
    Json(serde_json::Error),
    #[error("cannot write {}: {error}", path.display())]
    Write {
        path: std::path::PathBuf,
        error: std::io::Error,
    },
}

/// What the core knows about its daily reports.
#[derive(Debug, Default)]
pub(super) struct Reports {
    /// The last day whose report exists.
    pub done: Option<jiff::civil::Date>,
    /// The last day reported (for the status).
    pub last: Option<jiff::civil::Date>,
    /// Signed reports to publish, oldest first.
    pub outbox: std::collections::VecDeque<String>,
    pub error: Option<String>,
    pub retry_at: Option<Timestamp>,
}
