//! The `pinghu` command: parses arguments and calls the library. Exit 0 on success, 1 on a
//! failure it explains, 2 on bad usage (clap).

use std::io::Read as _;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "pinghu",
    version,
    about = "Pinghu (平湖): drives the Yiling District LED announcement board"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Decode and encode Onbon BX wire frames (captures, traces, hand-made frames)
    #[command(subcommand)]
    Wire(WireCommand),
    /// Validate playlists and show what the board will show, when
    #[command(subcommand)]
    Playlist(PlaylistCommand),
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

fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Playlist(PlaylistCommand::Check {
            files,
            calendar,
            json,
        }) => {
            let cal = pinghu::playlist::calendar(calendar.as_deref())?;
            let now = jiff::Timestamp::now();
            let results: Vec<_> = files
                .iter()
                .map(|f| pinghu::playlist::check(f, &cal, now))
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
            Ok(if ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Command::Playlist(PlaylistCommand::Timeline {
            file,
            from,
            hours,
            tz,
            calendar,
            json,
        }) => {
            let cal = pinghu::playlist::calendar(calendar.as_deref())?;
            let p = pinghu_playlists::load(&file)?;
            let zone = pinghu::playlist::time_zone(tz.as_deref(), &p)?;
            let start = match from {
                Some(s) => pinghu::playlist::parse_from(&s, &zone)?,
                None => jiff::Timestamp::now(),
            };
            print!(
                "{}",
                pinghu::playlist::render_timeline(&p, &cal, &zone, start, hours, json)?
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Wire(WireCommand::Decode { json, hex }) => {
            let input = read_input(&hex)?;
            let (decoded, warnings) = pinghu::wire::decode(&input, json)?;
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
                (Some(path), _) => {
                    std::fs::read_to_string(path).with_context(|| format!("cannot read {path}"))?
                }
                (None, Some(other)) => {
                    anyhow::bail!("unexpected argument {other:?}: use --json FILE or - for stdin")
                }
                (None, None) => anyhow::bail!("nothing to encode: use --json FILE or - for stdin"),
            };
            print!("{}", pinghu::wire::encode(&text)?);
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}
