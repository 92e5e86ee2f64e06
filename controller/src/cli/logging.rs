//! Logging on stderr for every subcommand: text for people (colours only on a terminal), or one
//! JSON object per line for journald and log shippers, including panics and the final error.

/// The `--log-format` choices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// Set up tracing with `default` levels (RUST_LOG overrides them).
pub fn init(default: &str, format: LogFormat) {
    use std::io::IsTerminal as _;
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    let _ = match format {
        LogFormat::Text => builder.try_init(),
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
            builder.json().flatten_event(true).try_init()
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
