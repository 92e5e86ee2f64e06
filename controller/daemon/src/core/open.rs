//! Opening the core: the store and the proof log (repairing what a power cut left, marking a
//! gap), the playlist, the holiday calendar, the fonts and the board's key; and [`prepare`], what
//! the daemon reads from the files its configuration names (shared with `pinghu run --check`).

use super::left_out::ConfigProblem;
use std::path::Path;

use jiff::Timestamp;
use pinghu_playlists::{Calendar, Layer};

use super::playlist::{self, calendar};
use super::{Core, CoreError, reports};
use crate::audit::AuditLog;
use crate::board::{Desired, Renderer};
use crate::config::Config;
use crate::disk::Disk;
use crate::ingest::sha256_hex;
use crate::proof::{Finding, ProofLog};
use crate::store::Store;

/// What the daemon builds from the files its configuration names, reading only: the holiday
/// file, the calendar, the renderer with its fonts, and what had to be left out (a file that
/// cannot be used never stops the board: the built-in one applies). Shared by [`Core::open`]
/// and `pinghu run --check`.
#[derive(Debug)]
pub struct Prepared {
    pub calendar_file: Option<(std::path::PathBuf, String)>,
    pub calendar: Calendar,
    pub renderer: Renderer,
    /// Each file left out, why, and what applies instead.
    pub problems: Vec<ConfigProblem>,
}

/// Read what `cfg` names into a [`Prepared`]; never fails (what cannot be used is in `problems`).
pub fn prepare(cfg: &Config) -> Prepared {
    let mut problems = Vec::new();
    let calendar_file = playlist::calendar_file(cfg).unwrap_or_else(|e| {
        problems.push(ConfigProblem::Calendar(e));
        None
    });
    let calendar = calendar(calendar_file.as_ref(), None).unwrap_or_else(|_| Calendar::builtin());
    let fallback = cfg.fallback_font.as_ref().and_then(|p| {
        pinghu_fonts::BitmapFont::load(p)
            .inspect_err(|e| {
                problems.push(ConfigProblem::FallbackFont {
                    path: p.display().to_string(),
                    error: e.clone(),
                });
            })
            .ok()
    });
    let mut renderer = Renderer::new(cfg.width, cfg.height, cfg.colors, fallback);
    // Pictures in the playlist are found beside it.
    renderer.image_dir = cfg.playlist.as_ref().and_then(|p| p.parent()).map(Path::to_path_buf);
    for (size, path) in &cfg.fonts {
        match pinghu_fonts::BitmapFont::load(path) {
            Ok(f) if f.size() == *size => {
                tracing::info!("{size} px text uses {} ({} glyphs)", f.name(), f.len());
                renderer.override_font(f);
            }
            Ok(f) => problems.push(ConfigProblem::FontSize {
                size: *size,
                path: path.display().to_string(),
                actual: f.size(),
            }),
            Err(error) => problems.push(ConfigProblem::Font { size: *size, error }),
        }
    }
    Prepared {
        calendar_file,
        calendar,
        renderer,
        problems,
    }
}

impl Core {
    /// Open the store and the proof log (repairing what a power cut left), load the playlist,
    /// calendar and fonts. Damaged files never stop the daemon; they are reported in the status.
    pub fn open(cfg: Config, disk: Disk, now: Timestamp) -> Result<Self, CoreError> {
        let disk_for_audit = disk.for_purpose(crate::disk::Purpose::Other);
        let mut store = Store::open(&cfg.data_dir, disk.clone(), now).map_err(|e| CoreError::Store {
            path: cfg.data_dir.display().to_string(),
            reason: e.to_string(),
        })?;
        let (proof, proof_findings) = match ProofLog::open(&cfg.data_dir, disk.clone(), &cfg.screen, now) {
            Ok((mut log, mut findings)) => {
                // The state says how far the log reached (fsynced) when it was last written.
                let recorded = store.state.proof_seq;
                // A damaged log is reported as such (its entries after the damage are there,
                // only untrusted): not also as missing.
                let damaged = findings.iter().any(|f| f.kind == "damaged");
                if log.seq() < recorded && !damaged {
                    let message = format!(
                        "the proof-of-display log has {} entries, but the state written last recorded {recorded}: \
                         entries {} to {recorded} are missing (lost in a power cut before they reached the disk, or \
                         the log was cut, deleted or replaced); `pinghu log verify` checks what is left",
                        log.seq(),
                        log.seq() + 1
                    );
                    tracing::error!("{message}");
                    // The gap goes into the chain itself, and the state learns the log's new
                    // reach, so the next start does not find (and mark) it again.
                    let note = format!("entries {} to {recorded} are missing", log.seq() + 1);
                    match log.mark_gap(now, note) {
                        Ok(()) => {
                            store.state.proof_seq = log.durable_seq();
                            if let Err(e) = store.save() {
                                tracing::error!("cannot write the state after marking the gap: {e}");
                            }
                        }
                        Err(e) => tracing::error!("cannot mark the gap in the proof-of-display log: {e}"),
                    }
                    findings.push(Finding {
                        kind: "missing",
                        message,
                    });
                }
                // The stop before this start is an outage in the chain: a spot that was on the
                // glass then is not proven to have run its length, and reports list the gap.
                if let Err(e) = log.mark_start(now) {
                    tracing::error!("cannot mark the daemon's start in the proof-of-display log: {e}");
                }
                (Some(log), findings)
            }
            Err(e) => {
                tracing::error!(
                    "cannot open the proof-of-display log ({e}); the board runs on, entries wait in memory, \
                     retrying every 10 s"
                );
                (
                    None,
                    vec![Finding {
                        kind: "unavailable",
                        message: format!("cannot open the proof-of-display log: {e}"),
                    }],
                )
            }
        };
        let tz = jiff::tz::TimeZone::get(&cfg.timezone).map_err(|e| CoreError::TimeZone(e.to_string()))?;
        let Prepared {
            calendar_file,
            calendar,
            mut renderer,
            problems: config_problems,
        } = prepare(&cfg);
        for p in &config_problems {
            tracing::error!("{p}");
        }
        let start = playlist::start_playlist(&cfg, &mut renderer, &calendar);
        let board_key =
            crate::envelope::KeyPair::load_or_create(&cfg.board_key, &format!("board-{}", cfg.screen), &disk)
                .inspect_err(|e| tracing::error!("no board key, so no signed play reports: {e}"));
        let fallback = cfg.fallback.as_ref().map(|f| {
            renderer.render(&pinghu_playlists::Content {
                key: pinghu_playlists::ContentKey::Item { id: "fallback".into() },
                title: None,
                text: f.text.clone(),
                image: None,
                style: pinghu_playlists::Style {
                    effect: pinghu_fonts::Effect::Static,
                    ..pinghu_playlists::Style::default()
                },
                priority: None,
            })
        });
        tracing::info!(
            "screen {} {}x{}: {} announcements restored, playlist {} ({} items)",
            cfg.screen,
            cfg.width,
            cfg.height,
            store.state.announcements.len(),
            start.playlist.origin,
            start.playlist.items.len()
        );
        let storage = super::storage::Storage {
            data_dir: cfg.data_dir.clone(),
            screen: cfg.screen.clone(),
            // The first state file of a new board could not be written: retried as any write.
            writes: super::storage::Writes::new(now, !cfg.data_dir.join(crate::store::STATE_FILE).exists()),
            disk,
            store,
            start_unmarked: proof.is_none().then_some(now),
            proof,
            proof_findings,
            proof_backlog: Vec::new(),
            last_proof_open: now,
            last_proof_sync: now,
            space: None,
            last_space_check: None,
        };
        let planner = super::parts::Planner {
            calendar,
            calendar_file,
            calendar_missing_logged: None,
            tz,
            renderer,
            overrides: super::parts::Overrides::default(),
            fallback,
            desired: Desired::default(),
            clock: pinghu_playlists::ClockTrust::Trusted,
            portal_offset: None,
            picture_frames: std::collections::HashMap::new(),
        };
        let playlist = super::parts::PlaylistFile {
            current: start.playlist,
            mtime: start.mtime,
            read_at: None,
            sha: start.sha,
            error: start.error,
            last_good_sha: std::fs::read(cfg.data_dir.join(playlist::LAST_GOOD))
                .ok()
                .map(|b| sha256_hex(&b)),
        };
        let inbox = super::parts::Inbox {
            keys: cfg.keyring(),
            refused: std::collections::VecDeque::new(),
            refusals_logged: (now, 0, 0),
            last_alert: None,
            office: crate::office::Applied::default(),
            office_last: None,
        };
        let health = super::parts::Health {
            device: crate::status::Device {
                url: cfg.device.to_string(),
                link: crate::status::Link::Connecting,
                ..crate::status::Device::default()
            },
            showing: None,
            plan_layer: Layer::Blank,
            brightness: 15,
            power: true,
            broker: crate::mqtt::BrokerLink::default(),
            config_problems,
            console_error: None,
            glass: [None, None],
            dark: false,
        };
        let mut core = Self {
            storage,
            planner,
            playlist,
            inbox,
            health,
            board_key,
            reports: reports::Reports::default(),
            audit: AuditLog::new(&cfg.data_dir, disk_for_audit),
            out: super::coordinator::Outgoing::default(),
            cfg,
        };
        if let Some(text) = start.accepted {
            core.keep_good_playlist(&text);
        }
        core.load_office(now);
        Ok(core)
    }
}
