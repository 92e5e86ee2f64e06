//! The `pinghu` command: parses arguments and calls the library. Exit 0 on success, 1 on a
//! failure it explains, 2 on bad usage (clap).

use std::io::Read as _;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use pinghu::cli::args::{ExportFormat, OnOff, ProtocolChoice, parse_duration};
use pinghu_fonts::{Align, ColorMode, Effect, TextColor, VAlign};

#[derive(Debug, Parser)]
#[command(
    name = "pinghu",
    version,
    about = "Pinghu (平湖): drives the Yiling District LED announcement board"
)]
struct Cli {
    /// Log format on stderr: text (colours only on a terminal) or json (one object per line, for
    /// journald and log shippers). RUST_LOG sets the levels.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// The daemon (--config FILE). Without --config, the default build runs on an embedded broker, simulated board, sample playlist and demo key
    Run {
        /// Configuration file (see controller/examples/pinghu.toml)
        #[arg(long, value_name = "FILE")]
        config: Option<std::path::PathBuf>,
        /// Data directory for the embedded default (default ~/.local/share/pinghu)
        #[arg(long, value_name = "DIR", conflicts_with = "config")]
        data_dir: Option<std::path::PathBuf>,
    },
    /// The whole chain in one go: broker, simulated board, daemon, playlist, an urgent notice and its revocation
    #[cfg(feature = "embedded")]
    Demo {
        /// Keep the demo's data here (default: a fresh temporary folder)
        #[arg(long, value_name = "DIR")]
        data_dir: Option<std::path::PathBuf>,
    },
    /// The portal's side: key pairs, signing, publishing
    #[command(subcommand)]
    Portal(PortalCommand),
    /// The proof-of-display log: check its hash chain, export it for an auditor
    #[command(subcommand)]
    Log(LogCommand),
    /// Decode and encode Onbon BX wire frames (captures, traces, hand-made frames)
    #[command(subcommand)]
    Wire(WireCommand),
    /// Typeset text into the pages the board would show (PNG files or ASCII art)
    Render(RenderArgs),
    /// Validate playlists and show what the board will show, when
    #[command(subcommand)]
    Playlist(PlaylistCommand),
    /// Field diagnostics at the cabinet: probe, ping, status, time, brightness, power, patterns, traces
    Diag(DiagArgs),
}

#[derive(Debug, clap::Args)]
struct DiagArgs {
    /// The card: tcp://HOST:PORT (default port 5005) or serial:///dev/ttyUSB0?baud=57600
    #[arg(long, global = true)]
    device: Option<String>,
    /// The card's protocol, or auto (ask the card)
    #[arg(long, default_value = "auto", value_parser = pinghu::cli::args::protocol(), global = true)]
    protocol: ProtocolChoice,
    /// Screen address (屏号)
    #[arg(long, default_value_t = 1, global = true)]
    address: u16,
    /// How long to wait for each reply, e.g. 2s or 500ms
    #[arg(long, default_value = "2s", value_parser = parse_duration, global = true)]
    timeout: std::time::Duration,
    /// Board width in pixels (for patterns and text)
    #[arg(long, global = true)]
    width: Option<u32>,
    /// Board height in pixels
    #[arg(long, global = true)]
    height: Option<u32>,
    /// The board's LEDs
    #[arg(long, default_value = "red-green", value_parser = pinghu::cli::args::colors(), global = true)]
    colors: ColorMode,
    /// Also append every byte sent and received to this file
    #[arg(long, value_name = "FILE", global = true)]
    trace_file: Option<std::path::PathBuf>,
    /// Print JSON
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: DiagSub,
}

#[derive(Debug, Subcommand)]
enum DiagSub {
    /// Find what answers: on serial every usual baud rate and protocol; without --device, list serial ports
    Probe,
    /// Is the card there? (round-trip time)
    Ping,
    /// Power, brightness, card time and drift, areas, model
    Status,
    /// Set the card's clock to this computer's
    TimeSync,
    /// Set brightness 0-15, or a day's table from a playlist's [[brightness]] windows
    Brightness {
        level: Option<u8>,
        #[arg(long, value_name = "PLAYLIST")]
        schedule: Option<std::path::PathBuf>,
    },
    /// Screen on or off
    Power {
        #[arg(value_enum)]
        state: OnOff,
    },
    /// Remove everything from the board
    Clear,
    /// Put a test pattern on the board: all-on, all-off, red, green, yellow, checkerboard, stripes, h-stripes, grid, moving-bar, text
    TestPattern {
        name: String,
        /// Module size for the grid pattern, e.g. 32x16 or 64x32
        #[arg(long, default_value = "32x16")]
        module: String,
    },
    /// Show a text (rendered for graphic cards, sent as text to font cards)
    SendText {
        text: String,
        #[arg(long, default_value_t = 16)]
        font_size: u32,
        #[arg(long, default_value = "red", value_parser = pinghu::cli::args::color())]
        color: TextColor,
        #[arg(long, default_value = "auto", value_parser = pinghu::cli::args::effect())]
        effect: Effect,
    },
    /// Ping and query status with every byte shown, decoded, and saved for `pinghu wire decode`
    Trace {
        /// Where to save the trace (default pinghu-trace-<time>.log)
        #[arg(long)]
        file: Option<std::path::PathBuf>,
    },
}

#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("input").required(true).args(["text", "file"])))]
#[command(group(clap::ArgGroup::new("output").required(true).multiple(true).args(["out", "ascii", "json"])))]
struct RenderArgs {
    /// The text to render
    #[arg(long)]
    text: Option<String>,
    /// Read the text from a UTF-8 file (- for standard input)
    #[arg(long, value_name = "FILE")]
    file: Option<String>,
    /// Board width in pixels
    #[arg(long)]
    width: u32,
    /// Board height in pixels
    #[arg(long)]
    height: u32,
    /// Font size: 12, 16, 24 or 32
    #[arg(long, default_value_t = 16)]
    font_size: u32,
    /// Text colour (dual-colour boards; mono boards ignore it)
    #[arg(long, default_value = "red", value_parser = pinghu::cli::args::color())]
    color: TextColor,
    /// The board's LEDs
    #[arg(long, default_value = "mono", value_parser = pinghu::cli::args::colors())]
    colors: ColorMode,
    /// Horizontal alignment (auto: centre a single line, left-align the rest)
    #[arg(long, default_value = "auto", value_parser = pinghu::cli::args::align())]
    align: Align,
    /// Vertical alignment
    #[arg(long, default_value = "middle", value_parser = pinghu::cli::args::valign())]
    valign: VAlign,
    /// How the pages change (auto: static when it fits one page)
    #[arg(long, default_value = "auto", value_parser = pinghu::cli::args::effect())]
    effect: Effect,
    /// Extra pixels between lines
    #[arg(long, default_value_t = 0)]
    line_spacing: u32,
    /// Seconds per page (default: from reading speed)
    #[arg(long, default_value_t = 0)]
    dwell: u32,
    /// A GNU Unifont .hex file for characters the built-in fonts lack
    #[arg(long, value_name = "FILE")]
    fallback_font: Option<std::path::PathBuf>,
    /// Use this BDF font instead of the built-in one (e.g. pcf2bdf wenquanyi_9pt.pcf for 12 px)
    #[arg(long, value_name = "FILE")]
    font: Option<std::path::PathBuf>,
    /// Write page-001.png, page-002.png … (LED look) into this folder
    #[arg(long, value_name = "DIR")]
    out: Option<std::path::PathBuf>,
    /// Print the pages as ASCII art
    #[arg(long)]
    ascii: bool,
    /// Print a JSON summary (pages, missing, font_size, width, height, …)
    #[arg(long)]
    json: bool,
    /// Exit 1 when a character has no glyph
    #[arg(long)]
    strict: bool,
    /// Pixels per LED in the PNG files
    #[arg(long, default_value_t = 8)]
    scale: u32,
}

#[derive(Debug, Subcommand)]
enum PlaylistCommand {
    /// Validate playlists: a one-line summary each, or every problem as FILE:LINE:COL: message (exit 1)
    Check {
        #[arg(required = true)]
        files: Vec<std::path::PathBuf>,
        /// Extra holiday calendar (TOML, format of playlists/data/holidays-cn.toml)
        #[arg(long, value_name = "FILE")]
        calendar: Option<std::path::PathBuf>,
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
    /// Every change of what shows, brightness and power over a span of time
    Timeline {
        file: std::path::PathBuf,
        /// Start: RFC 3339, a local date-time (2026-11-30T08:00) or a date; default now
        #[arg(long, value_name = "T")]
        from: Option<String>,
        /// How many hours to show
        #[arg(long, default_value_t = 48)]
        hours: u32,
        /// Time zone (IANA name); default the playlist's, else Asia/Shanghai
        #[arg(long)]
        tz: Option<String>,
        /// Extra holiday calendar (TOML)
        #[arg(long, value_name = "FILE")]
        calendar: Option<std::path::PathBuf>,
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
enum PortalCommand {
    /// Make an Ed25519 key pair: the secret to --out (mode 600), the public key printed for the daemon's config
    Keygen {
        #[arg(long, default_value = "portal-2026")]
        key_id: String,
        #[arg(long, value_name = "FILE")]
        out: std::path::PathBuf,
    },
    /// Sign a payload (JSON file, or - for stdin) into an envelope printed on stdout
    Sign {
        #[arg(long, value_name = "FILE")]
        key: std::path::PathBuf,
        #[arg(long, value_name = "FILE")]
        payload: String,
    },
    /// Publish an envelope (or sign a payload and publish it) to a screen or a group, QoS 1
    Publish {
        /// mqtt://HOST:PORT
        #[arg(long)]
        broker: String,
        #[arg(long, conflicts_with = "group", required_unless_present = "group")]
        screen: Option<String>,
        #[arg(long)]
        group: Option<String>,
        /// A signed envelope (JSON file or -)
        #[arg(long, value_name = "FILE", conflicts_with = "payload")]
        envelope: Option<String>,
        /// A payload to sign with --key
        #[arg(long, value_name = "FILE", requires = "key")]
        payload: Option<String>,
        #[arg(long, value_name = "FILE")]
        key: Option<std::path::PathBuf>,
        #[arg(long, default_value = "pinghu/v1")]
        topic_prefix: String,
        /// Wait this many seconds for the screen's receipts and print them (needs --screen)
        #[arg(long, value_name = "SECONDS")]
        wait: Option<u64>,
    },
}

#[derive(Debug, Subcommand)]
enum LogCommand {
    /// Check the hash chain of every segment: repairs are listed, damage exits 1 naming the line
    Verify {
        #[arg(long, value_name = "DIR", conflicts_with = "file")]
        data_dir: Option<std::path::PathBuf>,
        #[arg(long, value_name = "FILE")]
        file: Option<std::path::PathBuf>,
    },
    /// Export the log, all segments, as JSON lines or CSV (refused when the chain is damaged)
    Export {
        #[arg(long, value_name = "DIR", conflicts_with = "file")]
        data_dir: Option<std::path::PathBuf>,
        #[arg(long, value_name = "FILE")]
        file: Option<std::path::PathBuf>,
        #[arg(long, value_enum, default_value_t = ExportFormat::Jsonl)]
        format: ExportFormat,
        /// Write here instead of stdout
        #[arg(long, value_name = "FILE")]
        out: Option<std::path::PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
enum WireCommand {
    /// Decode captured bytes (hex, spaces and newlines allowed) into frames and named fields
    ///
    /// Several frames may follow each other; garbage between them is reported. A bad CRC or
    /// escape is an error naming the offset and the values (exit 1).
    Decode {
        /// Print JSON (an array of packets) that `pinghu wire encode` turns back into the bytes
        #[arg(long)]
        json: bool,
        /// Hex bytes, or - to read them from standard input
        hex: String,
    },
    /// Encode the JSON that `decode --json` prints (edited or not) back to hex, one frame per line
    Encode {
        /// JSON file to read, or - for standard input
        #[arg(long = "json", value_name = "FILE")]
        json_file: Option<String>,
        /// Same as --json -: read JSON from standard input
        #[arg(value_name = "-")]
        stdin: Option<String>,
    },
}

fn read_input(arg: &str) -> Result<String> {
    if arg == "-" {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .context("cannot read standard input")?;
        Ok(s)
    } else {
        Ok(arg.to_owned())
    }
}

fn render(a: RenderArgs) -> Result<ExitCode> {
    let text = match (&a.text, a.file.as_deref()) {
        (Some(t), _) => t.clone(),
        (None, Some(f)) => {
            if f == "-" {
                read_input("-")?
            } else {
                std::fs::read_to_string(f)
                    .with_context(|| format!("cannot read {f} (the text must be a UTF-8 file)"))?
            }
        }
        (None, None) => unreachable!("clap requires --text or --file"),
    };
    let mut options = pinghu_fonts::RenderOptions::new(a.width, a.height);
    options.font_size = a.font_size;
    options.color = a.color;
    options.mode = a.colors;
    options.align = a.align;
    options.valign = a.valign;
    options.effect = a.effect;
    options.line_spacing = a.line_spacing;
    options.dwell_s = a.dwell;
    let req = pinghu::cli::render::Request {
        text,
        options,
        out: a.out,
        ascii: a.ascii,
        json: a.json,
        strict: a.strict,
        fallback: a.fallback_font,
        font: a.font,
        scale: a.scale,
    };
    let outcome = pinghu::cli::render::run(&req)?;
    print!("{}", outcome.stdout);
    eprint!("{}", outcome.stderr);
    Ok(if outcome.failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn diag(a: DiagArgs) -> Result<ExitCode> {
    use pinghu::cli::diag::{DiagCommand, DiagOptions};
    let opts = DiagOptions {
        device: a
            .device
            .as_deref()
            .map(pinghu::card::device::DeviceUrl::parse)
            .transpose()?,
        protocol: a.protocol.0,
        address: a.address,
        timeout: a.timeout,
        trace: a.trace_file,
        width: a.width,
        height: a.height,
        colors: a.colors,
        progress: !a.json && std::io::IsTerminal::is_terminal(&std::io::stderr()),
    };
    let cmd = match a.command {
        DiagSub::Probe => DiagCommand::Probe,
        DiagSub::Ping => DiagCommand::Ping,
        DiagSub::Status => DiagCommand::Status,
        DiagSub::TimeSync => DiagCommand::TimeSync,
        DiagSub::Brightness { level, schedule } => {
            if level.is_some_and(|l| l > 15) {
                bail!("brightness {} is out of range: use 0 to 15", level.unwrap_or(0));
            }
            DiagCommand::Brightness { level, schedule }
        }
        DiagSub::Power { state } => DiagCommand::Power { on: state == OnOff::On },
        DiagSub::Clear => DiagCommand::Clear,
        DiagSub::TestPattern { name, module } => {
            let (w, h) = module.split_once('x').context("--module looks like 32x16")?;
            DiagCommand::TestPattern {
                name,
                module: (
                    w.parse().context("--module width")?,
                    h.parse().context("--module height")?,
                ),
            }
        }
        DiagSub::SendText {
            text,
            font_size,
            color,
            effect,
        } => DiagCommand::SendText {
            text,
            font_size,
            color,
            effect,
        },
        DiagSub::Trace { file } => DiagCommand::Trace { file },
    };
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    match rt.block_on(pinghu::cli::diag::run(&opts, &cmd, jiff::Timestamp::now())) {
        Ok(report) => {
            if a.json {
                println!("{}", serde_json::to_string_pretty(&report.json)?);
            } else {
                print!("{}", report.text);
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            if a.json {
                println!("{}", serde_json::json!({"ok": false, "error": e.to_string()}));
            }
            eprintln!("error: {e}");
            Ok(ExitCode::from(1))
        }
    }
}

fn init_logging(default: &str, format: LogFormat) {
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

fn runtime() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?)
}

fn run_daemon(
    config: Option<std::path::PathBuf>,
    data_dir: Option<std::path::PathBuf>,
    log_format: LogFormat,
) -> Result<ExitCode> {
    // The embedded broker's own chatter (accepts, subscriptions, clean disconnects) is INFO.
    init_logging("info,rumqttd=warn", log_format);
    let rt = runtime()?;
    rt.block_on(async {
        let (tx, rx) = tokio::sync::watch::channel(false);
        #[cfg(feature = "embedded")]
        let _embedded;
        let cfg = match config {
            Some(path) => pinghu::daemon::config::Config::load(&path)?,
            #[cfg(feature = "embedded")]
            None => {
                let dir = data_dir.unwrap_or_else(pinghu::daemon::config::default_data_dir);
                let e = pinghu::daemon::embedded::start(&dir).map_err(anyhow::Error::msg)?;
                eprintln!(
                    "pinghu: no --config: embedded MQTT broker on mqtt://127.0.0.1:{}, simulated board on tcp://{} (snapshots in {}), \
                     demo key {} in {}",
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
                let _ = data_dir;
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
        pinghu::daemon::run(cfg, rx).await?;
        Ok(ExitCode::SUCCESS)
    })
}

fn portal(cmd: PortalCommand) -> Result<ExitCode> {
    match cmd {
        PortalCommand::Keygen { key_id, out } => {
            if out.exists() {
                bail!("{} exists: refusing to overwrite a secret key", out.display());
            }
            let (secret, public) = pinghu::daemon::envelope::keygen().map_err(anyhow::Error::msg)?;
            let kp = pinghu::cli::portal::KeyPair {
                key_id: key_id.clone(),
                secret,
                public: public.clone(),
            };
            pinghu::cli::portal::write_secret(&out, &serde_json::to_vec_pretty(&kp)?).map_err(anyhow::Error::msg)?;
            println!("secret key written to {} (keep it on the portal)", out.display());
            println!("add to the daemon's configuration:\n[portal_keys]\n{key_id} = \"{public}\"");
            Ok(ExitCode::SUCCESS)
        }
        PortalCommand::Sign { key, payload } => {
            let bytes = if payload == "-" {
                read_input("-")?.into_bytes()
            } else {
                std::fs::read(&payload).with_context(|| format!("cannot read {payload}"))?
            };
            let env = pinghu::cli::portal::sign_with_file(&bytes, &key).map_err(anyhow::Error::msg)?;
            println!("{}", serde_json::to_string(&env)?);
            Ok(ExitCode::SUCCESS)
        }
        PortalCommand::Publish {
            broker,
            screen,
            group,
            envelope,
            payload,
            key,
            topic_prefix,
            wait,
        } => {
            let env: pinghu::daemon::envelope::Envelope = match (envelope, payload, key) {
                (Some(f), _, _) => {
                    let text = if f == "-" {
                        read_input("-")?
                    } else {
                        std::fs::read_to_string(&f).with_context(|| format!("cannot read {f}"))?
                    };
                    serde_json::from_str(&text).context("not an envelope (key_id, payload, signature)")?
                }
                (None, Some(p), Some(k)) => {
                    let bytes = if p == "-" {
                        read_input("-")?.into_bytes()
                    } else {
                        std::fs::read(&p).with_context(|| format!("cannot read {p}"))?
                    };
                    pinghu::cli::portal::sign_with_file(&bytes, &k).map_err(anyhow::Error::msg)?
                }
                _ => bail!("give --envelope FILE, or --payload FILE with --key FILE"),
            };
            let target = match (screen.clone(), group) {
                (Some(s), _) => pinghu::cli::portal::Target::Screen(s),
                (None, Some(g)) => pinghu::cli::portal::Target::Group(g),
                (None, None) => unreachable!("clap requires one"),
            };
            let wait = match (wait, &screen) {
                (Some(secs), Some(s)) => Some((s.clone(), std::time::Duration::from_secs(secs))),
                (Some(_), None) => bail!("--wait needs --screen (receipts come per screen)"),
                _ => None,
            };
            let rt = runtime()?;
            let receipts = rt
                .block_on(pinghu::cli::portal::publish(
                    &broker,
                    &topic_prefix,
                    &target,
                    &env,
                    None,
                    wait,
                ))
                .map_err(anyhow::Error::msg)?;
            println!("published (PUBACK received)");
            for r in receipts {
                println!("{r}");
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn log(cmd: LogCommand) -> Result<ExitCode> {
    let out = match cmd {
        LogCommand::Verify { data_dir, file } => pinghu::cli::log::verify(data_dir, file)?,
        LogCommand::Export {
            data_dir,
            file,
            format,
            out,
        } => pinghu::cli::log::export(data_dir, file, format, out.as_deref())?,
    };
    print!("{}", out.stdout);
    eprint!("{}", out.stderr);
    Ok(if out.failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Run { config, data_dir } => run_daemon(config, data_dir, cli.log_format),
        #[cfg(feature = "embedded")]
        Command::Demo { data_dir } => {
            init_logging("warn,rumqttd=off", cli.log_format);
            let rt = runtime()?;
            rt.block_on(pinghu::cli::demo::run(data_dir, &|s: &str| {
                use std::io::Write as _;
                print!("{s}");
                let _ = std::io::stdout().flush();
            }))
            .map_err(anyhow::Error::msg)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Portal(c) => portal(c),
        Command::Log(c) => log(c),
        Command::Diag(a) => diag(a),
        Command::Render(a) => render(a),
        Command::Playlist(PlaylistCommand::Check { files, calendar, json }) => {
            let cal = pinghu::cli::playlist::calendar(calendar.as_deref())?;
            let now = jiff::Timestamp::now();
            let results: Vec<_> = files
                .iter()
                .map(|f| pinghu::cli::playlist::check(f, &cal, now))
                .collect();
            let ok = results.iter().all(|r| r.ok);
            if json {
                let v: Vec<_> = results.iter().map(|r| r.json.clone()).collect();
                println!("{}", serde_json::to_string_pretty(&v)?);
            } else {
                for r in &results {
                    if r.ok {
                        print!("{}", r.text);
                    } else {
                        eprint!("{}", r.text);
                    }
                }
            }
            Ok(if ok { ExitCode::SUCCESS } else { ExitCode::from(1) })
        }
        Command::Playlist(PlaylistCommand::Timeline {
            file,
            from,
            hours,
            tz,
            calendar,
            json,
        }) => {
            let cal = pinghu::cli::playlist::calendar(calendar.as_deref())?;
            let p = pinghu_playlists::load(&file)?;
            let zone = pinghu::cli::playlist::time_zone(tz.as_deref(), &p)?;
            let start = match from {
                Some(s) => pinghu::cli::playlist::parse_from(&s, &zone)?,
                None => jiff::Timestamp::now(),
            };
            print!(
                "{}",
                pinghu::cli::playlist::render_timeline(&p, &cal, &zone, start, hours, json)?
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Wire(WireCommand::Decode { json, hex }) => {
            let input = read_input(&hex)?;
            let (decoded, warnings) = pinghu::cli::wire::decode(&input, json)?;
            print!("{}", decoded.output);
            for w in warnings {
                eprintln!("error: {w}");
            }
            Ok(if decoded.failures > 0 {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
        Command::Wire(WireCommand::Encode { json_file, stdin }) => {
            let text = match (json_file.as_deref(), stdin.as_deref()) {
                (Some("-"), _) | (None, Some("-")) => read_input("-")?,
                (Some(path), _) => std::fs::read_to_string(path).with_context(|| format!("cannot read {path}"))?,
                (None, Some(other)) => {
                    anyhow::bail!("unexpected argument {other:?}: use --json FILE or - for stdin")
                }
                (None, None) => anyhow::bail!("nothing to encode: use --json FILE or - for stdin"),
            };
            print!("{}", pinghu::cli::wire::encode(&text)?);
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let format = cli.log_format;
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            match format {
                LogFormat::Text => eprintln!("error: {e:#}"),
                LogFormat::Json => eprintln!(
                    "{}",
                    serde_json::json!({"timestamp": jiff::Timestamp::now().to_string(), "level": "ERROR",
                                       "message": format!("{e:#}"), "target": "pinghu"})
                ),
            }
            ExitCode::from(1)
        }
    }
}
