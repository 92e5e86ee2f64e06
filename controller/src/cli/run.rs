//! `pinghu run` (the daemon, with a configuration or on the embedded default) and `pinghu demo`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
#[cfg(not(feature = "embedded"))]
use anyhow::bail;

use crate::cli::logging::{self, LogFormat};

/// The embedded default's console port: one fixed address, so a bookmark keeps working
/// (`http://127.0.0.1:8047`; README, docs/console.md).
pub const CONSOLE_PORT: u16 = 8047;

/// `pinghu run`.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Configuration file (see controller/examples/pinghu.toml)
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Data directory for the embedded default (default ~/.local/share/pinghu)
    #[arg(long, value_name = "DIR", conflicts_with = "config")]
    pub data_dir: Option<PathBuf>,
    /// The embedded default's console port on 127.0.0.1 (0: any free port, said in the log)
    #[arg(long, value_name = "PORT", conflicts_with = "config", default_value_t = CONSOLE_PORT)]
    pub console_port: u16,
    /// Check the configuration and every file it names (playlist, pictures, holidays, fonts, keys, certificates, console users, data folder) without starting: what the daemon would run with, then every error and warning; exit 1 on an error
    // `conflicts_with` too: clap lets a conflicting `--data-dir` satisfy `requires`, and `--check
    // --data-dir DIR` started a second daemon on a live one's folder.
    #[arg(long, requires = "config", conflicts_with = "data_dir")]
    pub check: bool,
    /// With --check: print the findings as JSON (`ok`, `summary`, `errors`, `warnings`) for scripts
    #[arg(long, requires = "check")]
    pub json: bool,
}

impl RunArgs {
    /// The daemon until SIGINT or SIGTERM, or with `--check` the check of its configuration.
    pub fn run(self, log_format: LogFormat) -> Result<ExitCode> {
        match (self.config, self.check) {
            (Some(config), true) => Ok(check(&config, self.json)),
            (None, true) => anyhow::bail!(
                "--check checks a configuration: give it --config FILE (the embedded default has none to check)"
            ),
            (config, false) => {
                tune_allocator();
                daemon(config, self.data_dir, self.console_port, log_format)
            }
        }
    }
}

/// `pinghu demo`.
#[cfg(feature = "embedded")]
#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Keep the demo's data here (default: a fresh temporary folder)
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
}

#[cfg(feature = "embedded")]
impl DemoArgs {
    /// The whole chain on the embedded default, narrated on stdout.
    pub fn run(self, log_format: LogFormat) -> Result<ExitCode> {
        tune_allocator();
        demo(self.data_dir, log_format)
    }
}

/// glibc's allocator as a long-running daemon needs it (docs/scale.md, "Memory"): every block
/// of 128 KiB or more mapped on its own and given back when freed, and two arenas. By default
/// glibc raises that threshold to the largest block freed so far (up to 32 MiB), so a sign-in's
/// 19 MiB argon2 block or a decoded picture stays resident in each thread's arena after it is
/// freed: 30 wrong passwords and one 16-megapixel picture left the daemon 121 MiB larger; with
/// these settings 3 MiB (`previews_picture_bombs_…` in tests/tests/console.rs).
const MALLOC_TUNABLES: &str = "glibc.malloc.mmap_threshold=131072:glibc.malloc.arena_max=2";

/// Start again with [`MALLOC_TUNABLES`] in `GLIBC_TUNABLES` unless they are there (or the
/// environment sets a threshold of its own). glibc reads them only when a process starts, so the
/// daemon replaces itself once, before any thread: the same process id, arguments and
/// descriptors. Nothing happens on other C libraries, or when the replacement cannot start (the
/// daemon then runs on glibc's defaults).
fn tune_allocator() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        use std::os::unix::process::CommandExt as _;
        let current = std::env::var("GLIBC_TUNABLES").unwrap_or_default();
        if current.contains("glibc.malloc.mmap_threshold") {
            return;
        }
        let Ok(exe) = std::env::current_exe() else {
            return;
        };
        let tunables = match current.as_str() {
            "" => MALLOC_TUNABLES.to_owned(),
            _ => format!("{current}:{MALLOC_TUNABLES}"),
        };
        let mut args = std::env::args_os();
        let mut again = std::process::Command::new(exe);
        if let Some(arg0) = args.next() {
            again.arg0(arg0);
        }
        // `exec` returns only when it failed.
        let failed = again.args(args).env("GLIBC_TUNABLES", tunables).exec();
        eprintln!(
            "pinghu: running with glibc's default allocator settings (could not apply {MALLOC_TUNABLES}: {failed})"
        );
    }
}

/// The multi-threaded runtime the daemon and the MQTT clients run on.
pub fn runtime() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?)
}

/// Run the daemon until SIGINT or SIGTERM: with `config`, or on the embedded broker and
/// simulated board in `data_dir` (the default build only).
pub fn daemon(
    config: Option<PathBuf>,
    data_dir: Option<PathBuf>,
    console_port: u16,
    log_format: LogFormat,
) -> Result<ExitCode> {
    // The embedded broker's own chatter (accepts, subscriptions, clean disconnects) is INFO.
    logging::init("info,rumqttd=warn", log_format);
    raise_open_files();
    let rt = runtime()?;
    rt.block_on(async {
        let (tx, rx) = tokio::sync::watch::channel(false);
        #[cfg(feature = "embedded")]
        let _embedded;
        let cfg = match config {
            Some(path) => crate::daemon::config::Config::load(&path)?,
            #[cfg(feature = "embedded")]
            None => {
                let dir = data_dir.unwrap_or_else(crate::daemon::config::default_data_dir);
                let e = crate::cli::embedded::start(&dir, console_port)?;
                eprintln!(
                    "pinghu: no --config: embedded MQTT broker on mqtt://127.0.0.1:{}, simulated board on tcp://{} (snapshots in {}), \
                     demo key {} in {}; the console's address follows (its admin token is in console-token there)",
                    e.broker_port,
                    e.board.addr,
                    e.board.snapshots.display(),
                    e.keys.key_id,
                    dir.join("demo-key.json").display()
                );
                let c = e.config.clone();
                _embedded = e;
                c
            }
            #[cfg(not(feature = "embedded"))]
            None => {
                let _ = (data_dir, console_port);
                bail!(
                    "this is the lean build (no embedded broker or simulated board): give --config FILE \
                     (see controller/examples/pinghu.toml)"
                )
            }
        };
        tokio::spawn(async move {
            let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).expect("SIGTERM handler");
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            let _ = tx.send(true);
        });
        let front = console_front(&cfg);
        crate::daemon::run(cfg, rx, front).await?;
        Ok(ExitCode::SUCCESS)
    })
}

/// The operators' console, when the configuration has one, as the daemon's front end: the
/// runtime wires the two here (the daemon knows no console).
pub fn console_front(cfg: &crate::daemon::config::Config) -> Option<crate::daemon::FrontEnd> {
    let c = cfg.console.clone()?;
    Some((
        "console",
        Box::new(move |w: crate::daemon::Wiring| {
            Box::pin(async move {
                // The daemon's supervisor names the console's failure in its own words.
                crate::console::run(c, w.cfg, w.core, w.live, (w.card, w.trace), w.shutdown)
                    .await
                    .map_err(|e| crate::daemon::TaskError::FrontEnd(Box::new(e)))
            })
        }),
    ))
}

/// `pinghu run --config FILE --check`: what the daemon would run with, then every error and
/// warning (exit 1 on an error).
pub fn check(config: &std::path::Path, json: bool) -> ExitCode {
    let r = crate::daemon::check::check(config, jiff::Timestamp::now(), &crate::console::check);
    let code = if r.ok() { ExitCode::SUCCESS } else { ExitCode::FAILURE };
    if json {
        let summary: serde_json::Map<String, serde_json::Value> = r
            .summary
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone().into()))
            .collect();
        println!(
            "{:#}",
            serde_json::json!({"config": config.display().to_string(), "ok": r.ok(), "summary": summary,
                               "errors": r.errors, "warnings": r.warnings})
        );
        return code;
    }
    if !r.summary.is_empty() {
        println!("{}: the daemon would run with", config.display());
        let width = r.summary.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
        for (what, how) in &r.summary {
            println!("  {what:<width$}  {how}");
        }
    }
    for e in &r.errors {
        println!("error: {e}");
    }
    for w in &r.warnings {
        println!("warning: {w}");
    }
    println!(
        "{}: {} error(s), {} warning(s)",
        config.display(),
        r.errors.len(),
        r.warnings.len()
    );
    code
}

/// `pinghu demo`: the whole chain on the embedded default, narrated on stdout.
#[cfg(feature = "embedded")]
pub fn demo(data_dir: Option<PathBuf>, log_format: LogFormat) -> Result<ExitCode> {
    logging::init("warn,rumqttd=off", log_format);
    let rt = runtime()?;
    rt.block_on(crate::cli::demo::run(data_dir, &|s: &str| {
        use std::io::Write as _;
        print!("{s}");
        let _ = std::io::stdout().flush();
    }))?;
    Ok(ExitCode::SUCCESS)
}

/// Raise the soft limit of open files to the hard one. systemd (and many shells) start services
/// with a soft limit of 1024, which a crowd of idle console connections, the broker link, the
/// card, the state and log files together can reach; the hard limit (`LimitNOFILE` in the shipped
/// unit) is what the administrator allows. The console's connection cap stays well below it.
fn raise_open_files() {
    use rustix::process::{Resource, getrlimit, setrlimit};
    let limit = getrlimit(Resource::Nofile);
    if limit.current == limit.maximum {
        return;
    }
    let raised = rustix::process::Rlimit {
        current: limit.maximum,
        maximum: limit.maximum,
    };
    match setrlimit(Resource::Nofile, raised) {
        Ok(()) => tracing::info!(
            "open files: soft limit raised from {} to {}",
            limit.current.map_or_else(|| "unlimited".to_owned(), |n| n.to_string()),
            limit.maximum.map_or_else(|| "unlimited".to_owned(), |n| n.to_string())
        ),
        Err(e) => tracing::warn!(
            "cannot raise the limit of open files ({e}); it stays at {:?}",
            limit.current
        ),
    }
}
