//! Logging on stderr for every subcommand: text for people (colours only on a terminal), or one
//! JSON object per line for journald and log shippers, including panics and the final error.
//! Levels come from `RUST_LOG` as plain `target=level` directives (no regular expressions: the
//! cabinet's binary carries no regex engine for its log filter).

use tracing_subscriber::filter::Targets;

/// The `--log-format` choices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// The levels to log: `RUST_LOG` when set (`level` and `target=level` directives, comma-separated,
/// e.g. `info,pinghu_daemon::driver=debug`), else `default`. A `RUST_LOG` that does not parse is
/// reported and ignored.
pub fn filter(default: &str) -> Targets {
    let fallback = || {
        default
            .parse()
            .unwrap_or_else(|_| Targets::new().with_default(tracing::Level::INFO))
    };
    match std::env::var("RUST_LOG") {
        Ok(v) if !v.trim().is_empty() => v.parse().unwrap_or_else(|e| {
            eprintln!("RUST_LOG={v:?} is not understood ({e}): use e.g. info or warn,pinghu=debug");
            fallback()
        }),
        _ => fallback(),
    }
}

/// The second of the last line of the embedded broker let through.
static BROKER_LINE_AT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// The embedded broker (rumqttd) logs each failed accept in its loop: out of file descriptors,
/// that is millions of lines a minute. Its lines are let through at most once a second (a dynamic
/// filter: a plain `filter_fn` decides once per call site and caches it).
fn not_a_flood(meta: &tracing::Metadata<'_>) -> bool {
    if !meta.is_event() || !meta.target().starts_with("rumqttd") {
        return true;
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    BROKER_LINE_AT.swap(now, std::sync::atomic::Ordering::Relaxed) != now
}

/// Set up tracing with `default` levels (RUST_LOG overrides them).
pub fn init(default: &str, format: LogFormat) {
    use std::io::IsTerminal as _;
    use tracing_subscriber::layer::SubscriberExt as _;
    use tracing_subscriber::util::SubscriberInitExt as _;
    let ansi = std::io::stderr().is_terminal();
    let registry =
        tracing_subscriber::registry()
            .with(filter(default))
            .with(tracing_subscriber::filter::dynamic_filter_fn(|meta, _| {
                not_a_flood(meta)
            }));
    let _ = match format {
        LogFormat::Text => registry
            .with(
                tracing_subscriber::fmt::layer()
                    .with_writer(std::io::stderr)
                    .with_ansi(ansi),
            )
            .try_init(),
        LogFormat::Json => {
            // A panic is one JSON line too (with its backtrace as a field), so a log shipper
            // never meets a line it cannot parse.
            std::panic::set_hook(Box::new(|info| {
                let thread = std::thread::current().name().unwrap_or("unnamed").to_owned();
                let backtrace = std::backtrace::Backtrace::capture().to_string();
                eprintln!(
                    "{}",
                    serde_json::json!({"timestamp": jiff::Timestamp::now().to_string(), "level": "ERROR",
                        "message": format!("thread '{thread}' panicked: {info}"), "target": "panic",
                        "backtrace": backtrace})
                );
            }));
            registry
                .with(
                    tracing_subscriber::fmt::layer()
                        .json()
                        .flatten_event(true)
                        .with_writer(std::io::stderr),
                )
                .try_init()
        }
    };
}

/// Report the error a subcommand ended with.
pub fn report_error(e: &anyhow::Error, format: LogFormat) {
    match format {
        LogFormat::Text => eprintln!("error: {e:#}"),
        LogFormat::Json => eprintln!(
            "{}",
            serde_json::json!({"timestamp": jiff::Timestamp::now().to_string(), "level": "ERROR",
                               "message": format!("{e:#}"), "target": "pinghu"})
        ),
    }
}
