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
    /// Typeset text into the pages the board would show (PNG files or ASCII art)
    Render(RenderArgs),
    /// Validate playlists and show what the board will show, when
    #[command(subcommand)]
    Playlist(PlaylistCommand),
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
    /// red, green or yellow (dual-colour boards; mono boards ignore it)
    #[arg(long, default_value = "red")]
    color: String,
    /// mono or red-green
    #[arg(long, default_value = "mono")]
    colors: String,
    /// auto (centre a single line), left, center, right
    #[arg(long, default_value = "auto")]
    align: String,
    /// top, middle, bottom
    #[arg(long, default_value = "middle")]
    valign: String,
    /// auto, static, scroll-left, scroll-up, flash, typewriter
    #[arg(long, default_value = "auto")]
    effect: String,
    /// Extra pixels between lines
    #[arg(long, default_value_t = 0)]
    line_spacing: u32,
    /// Seconds per page (default: from reading speed)
    #[arg(long, default_value_t = 0)]
    dwell: u32,
    /// A GNU Unifont .hex file for characters the built-in fonts lack
    #[arg(long, value_name = "FILE")]
    fallback_font: Option<std::path::PathBuf>,
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
    options.color = pinghu::render::parse_color(&a.color)?;
    options.mode = pinghu::render::parse_mode(&a.colors)?;
    options.align = pinghu::render::parse_align(&a.align)?;
    options.valign = pinghu::render::parse_valign(&a.valign)?;
    options.effect = pinghu::render::parse_effect(&a.effect)?;
    options.line_spacing = a.line_spacing;
    options.dwell_s = a.dwell;
    let req = pinghu::render::Request {
        text,
        options,
        out: a.out,
        ascii: a.ascii,
        json: a.json,
        strict: a.strict,
        fallback: a.fallback_font,
        scale: a.scale,
    };
    let outcome = pinghu::render::run(&req)?;
    print!("{}", outcome.stdout);
    eprint!("{}", outcome.stderr);
    Ok(if outcome.failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Render(a) => render(a),
        Command::Playlist(PlaylistCommand::Check { files, calendar, json }) => {
            let cal = pinghu::playlist::calendar(calendar.as_deref())?;
            let now = jiff::Timestamp::now();
            let results: Vec<_> = files.iter().map(|f| pinghu::playlist::check(f, &cal, now)).collect();
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
                (Some(path), _) => std::fs::read_to_string(path).with_context(|| format!("cannot read {path}"))?,
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
