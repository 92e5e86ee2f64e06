//! `pinghu diag`: field diagnostics at the cabinet, with no network but the cable to the card.
//! Every command works over TCP or serial, prints what it found in words (or JSON), and when it
//! fails says what to try.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use pinghu_fonts::{ColorMode, Effect, FontSet, Frame, RenderOptions, TextColor};
use pinghu_protocol::style::Motion;
use serde_json::json;

use crate::cli::args::OnOff;

use crate::card::client::DriverError;
use crate::card::device::{CardModel, DeviceUrl};

mod connect;
mod probe;

use connect::{client, size, upload};

pub use crate::card::pattern::{PATTERNS, pattern};

#[derive(Debug, clap::Args)]
pub struct DiagArgs {
    /// The card: tcp://HOST:PORT (default port 5005) or serial:///dev/ttyUSB0?baud=57600
    #[arg(long, global = true)]
    pub device: Option<String>,
    /// The card's protocol, or auto (ask the card)
    #[arg(long, default_value = "auto", value_parser = crate::cli::args::protocol(), global = true)]
    pub protocol: crate::cli::args::ProtocolChoice,
    /// Screen address (屏号)
    #[arg(long, default_value_t = 1, global = true)]
    pub address: u16,
    /// How long to wait for each reply, e.g. 2s or 500ms
    #[arg(long, default_value = "2s", value_parser = crate::cli::args::parse_duration, global = true)]
    pub timeout: Duration,
    /// Board width in pixels (for patterns and text; graphic cards report their own)
    #[arg(long, global = true, value_parser = crate::cli::args::width())]
    pub width: Option<u32>,
    /// Board height in pixels
    #[arg(long, global = true, value_parser = crate::cli::args::height())]
    pub height: Option<u32>,
    /// The board's LEDs
    #[arg(long, default_value = "red-green", value_parser = crate::cli::args::colors(), global = true)]
    pub colors: ColorMode,
    /// Also append every byte sent and received to this file
    #[arg(long, value_name = "FILE", global = true)]
    pub trace_file: Option<PathBuf>,
    /// Print JSON
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: DiagCommand,
}

impl DiagArgs {
    /// Run the diag command on the card these arguments name.
    pub fn run(self) -> anyhow::Result<std::process::ExitCode> {
        let opts = DiagOptions {
            device: self.device.as_deref().map(DeviceUrl::parse).transpose()?,
            protocol: self.protocol.0,
            address: self.address,
            timeout: self.timeout,
            trace: self.trace_file,
            width: self.width,
            height: self.height,
            colors: self.colors,
            progress: !self.json && std::io::IsTerminal::is_terminal(&std::io::stderr()),
        };
        command(&opts, &self.command, self.json)
    }
}

/// Options shared by every diag command.
#[derive(Debug, Clone)]
pub struct DiagOptions {
    pub device: Option<DeviceUrl>,
    /// `None` = auto-detect.
    pub protocol: Option<CardModel>,
    pub address: u16,
    pub timeout: Duration,
    pub trace: Option<PathBuf>,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub colors: ColorMode,
    /// Show a progress bar for slow uploads.
    pub progress: bool,
}

/// A diag command: the subcommands of `pinghu diag`, parsed by clap straight into their types.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum DiagCommand {
    /// Find what answers: on serial every usual baud rate and protocol; without --device, list serial ports
    Probe,
    /// Is the card there? (round-trip time)
    Ping,
    /// Power, brightness, card time and drift, size, firmware, programs in flash, areas, model
    Status,
    /// Set the card's clock to this computer's (graphic cards: A2 02 under the control header)
    TimeSync,
    /// Set brightness 0-15, or a day's table from a playlist's [[brightness]] windows, which the
    /// card then follows by its own clock (48 half-hour slots)
    Brightness {
        #[arg(value_parser = clap::value_parser!(u8).range(0..=15))]
        level: Option<u8>,
        #[arg(long, value_name = "PLAYLIST")]
        schedule: Option<PathBuf>,
    },
    /// Switch the LED modules on or off (graphic cards: A2 05 under the control header)
    Power {
        #[arg(value_enum)]
        state: OnOff,
    },
    /// Remove everything from the board
    Clear,
    /// Put a test pattern on the board
    /// (the size is the card's own unless --width/--height say otherwise)
    TestPattern {
        /// The pattern
        #[arg(value_parser = clap::builder::PossibleValuesParser::new(crate::cli::diag::PATTERNS))]
        name: String,
        /// Module size for the grid pattern, e.g. 32x16 or 64x32
        #[arg(long, default_value = "32x16", value_parser = crate::cli::args::module())]
        module: (u32, u32),
    },
    /// Show a text (rendered for graphic cards, sent as text to font cards)
    SendText {
        /// The text, as it should read on the board
        text: String,
        /// Font size: 12, 16, 24 or 32
        #[arg(long, default_value_t = 16)]
        font_size: u32,
        /// Text colour
        #[arg(long, default_value = "red", value_parser = crate::cli::args::color())]
        color: TextColor,
        /// How the text enters the board
        #[arg(long, default_value = "auto", value_parser = crate::cli::args::effect())]
        effect: Effect,
    },
    /// Ping and query status with every byte shown, decoded, and saved for `pinghu wire decode`
    Trace {
        /// Where to save the trace (default pinghu-trace-<time>.log)
        #[arg(long)]
        file: Option<PathBuf>,
    },
}

/// What a command found: words for people, JSON for scripts.
#[derive(Debug, Clone)]
pub struct Report {
    pub text: String,
    pub json: serde_json::Value,
}

/// Run one diag command.
pub async fn run(opts: &DiagOptions, cmd: &DiagCommand, now: Timestamp) -> Result<Report, DriverError> {
    match cmd {
        DiagCommand::Probe => probe::probe(opts).await,
        DiagCommand::Ping => {
            let mut c = client(opts).await?;
            let t0 = std::time::Instant::now();
            c.ping().await?;
            let ms = t0.elapsed().as_millis();
            Ok(Report {
                text: format!("{} card at address {} answered in {ms} ms\n", c.protocol, c.address),
                json: json!({"ok": true, "protocol": c.protocol, "address": c.address, "rtt_ms": ms}),
            })
        }
        DiagCommand::Status => {
            let mut c = client(opts).await?;
            let s = c.status(now).await?;
            let mut text = format!("card: {} ({}) at address {}\n", s.protocol, s.device_type, s.address);
            if let Some(p) = s.power {
                let _ = writeln!(text, "power: {}", if p { "on" } else { "off" });
            }
            if let Some(b) = s.brightness {
                let _ = writeln!(text, "brightness: {b}/15");
            }
            if let (Some(t), Some(d)) = (&s.card_time, s.drift_s) {
                let _ = writeln!(
                    text,
                    "card time: {t}, {} this computer by {} s{}",
                    if d >= 0 { "ahead of" } else { "behind" },
                    d.abs(),
                    if d.abs() > 60 { " (run time-sync)" } else { "" }
                );
            }
            if let Some(i) = &s.info {
                let _ = writeln!(
                    text,
                    "board: {}x{} px, {}; firmware {}",
                    i.width,
                    i.height,
                    i.color_name(),
                    i.firmware_text()
                );
            }
            if let Some(n) = s.programs {
                let _ = writeln!(text, "programs in flash: {n}");
            }
            if let Some(a) = &s.areas {
                let _ = writeln!(
                    text,
                    "dynamic areas: {}",
                    if a.is_empty() {
                        "none".to_string()
                    } else {
                        format!("{a:?}")
                    }
                );
            }
            if s.power.is_none() {
                let _ = writeln!(
                    text,
                    "(this card does not answer the control header: older firmware reports only its address, model and brightness)"
                );
            }
            Ok(Report {
                text,
                json: serde_json::to_value(&s).unwrap_or_default(),
            })
        }
        DiagCommand::TimeSync => {
            let mut c = client(opts).await?;
            let before = c.status(now).await.ok().and_then(|s| s.drift_s);
            c.time_sync(Timestamp::now()).await?;
            let after = c.status(Timestamp::now()).await.ok().and_then(|s| s.drift_s);
            Ok(Report {
                text: format!(
                    "card clock set to this computer's time{}{}\n",
                    before.map_or_else(String::new, |d| format!("; drift was {d} s")),
                    after.map_or_else(String::new, |d| format!(", now {d} s"))
                ),
                json: json!({"ok": true, "drift_before_s": before, "drift_after_s": after}),
            })
        }
        DiagCommand::Brightness { level, schedule } => {
            let mut c = client(opts).await?;
            let levels: Vec<u8> = match (level, schedule) {
                (Some(l), None) => vec![*l],
                (None, Some(path)) => {
                    let p = pinghu_playlists::load(path).map_err(|e| DriverError::Invalid(e.to_string()))?;
                    (0..48).map(|slot| p.brightness_at(slot * 30)).collect()
                }
                _ => {
                    return Err(DriverError::Invalid(
                        "give a LEVEL (0-15) or --schedule PLAYLIST".into(),
                    ));
                }
            };
            c.brightness(&levels).await?;
            let text = if levels.len() == 1 {
                format!("brightness set to {}/15\n", levels[0])
            } else {
                format!("brightness table set (48 half-hour slots): {levels:?}\n")
            };
            Ok(Report {
                text,
                json: json!({"ok": true, "levels": levels}),
            })
        }
        DiagCommand::Power { state } => {
            let on = *state == OnOff::On;
            let mut c = client(opts).await?;
            c.power(on).await?;
            Ok(Report {
                text: format!("screen {}\n", if on { "on" } else { "off" }),
                json: json!({"ok": true, "power": if on {"on"} else {"off"}}),
            })
        }
        DiagCommand::Clear => {
            let mut c = client(opts).await?;
            c.clear().await?;
            // Clearing removes the dynamic areas; a program in the card's flash (the board's
            // fallback) shows then, and is said so rather than called a cleared board.
            let programs = if c.protocol.is_graphic() {
                c.controller_status().await.ok().flatten().map(|s| s.program_count)
            } else {
                None
            };
            let text = match programs {
                Some(n) if n > 0 => format!(
                    "dynamic areas cleared; the card's flash program shows now ({n} in flash: the board's fallback, \
                     written by `pinghu run`)\n"
                ),
                _ => "board cleared\n".to_owned(),
            };
            Ok(Report {
                text,
                json: json!({"ok": true, "flash_programs": programs}),
            })
        }
        DiagCommand::TestPattern { name, module } => {
            let mut c = client(opts).await?;
            if !c.protocol.is_graphic() {
                return match name.as_str() {
                    "all-off" => {
                        c.clear().await?;
                        Ok(Report {
                            text: "board cleared (all off)\n".into(),
                            json: json!({"ok": true, "pattern": name}),
                        })
                    }
                    "text" => {
                        let (w, h) = size(&mut c, opts).await?;
                        let p = c.text_packet(
                            0,
                            (w, h),
                            "夷陵区LED显示屏测试0123456789",
                            (16, TextColor::Red),
                            Motion::Static,
                        )?;
                        upload(&mut c, opts, &p).await?;
                        Ok(Report {
                            text: "text sample sent\n".into(),
                            json: json!({"ok": true, "pattern": name}),
                        })
                    }
                    _ => Err(DriverError::Unsupported {
                        op: crate::card::words::Feature::BitmapTestPatterns,
                        protocol: c.protocol,
                        hint: crate::card::words::Unavailable::FontCardsDrawOnlyText,
                    }),
                };
            }
            let (w, h) = size(&mut c, opts).await?;
            let frames = pattern(name, w, h, opts.colors, *module)?;
            let stay = if name == "moving-bar" { 30 } else { 1000 };
            let pages: Vec<(Frame, u8, u16)> = frames.into_iter().map(|f| (f, 0x01, stay)).collect();
            let n = pages.len();
            let p = c.pages_packet(0, (0, 0), &pages, opts.colors, None)?;
            upload(&mut c, opts, &p).await?;
            Ok(Report {
                text: format!(
                    "test pattern {name} on the {w}x{h} board ({n} page{})\n",
                    if n == 1 { "" } else { "s" }
                ),
                json: json!({"ok": true, "pattern": name, "pages": n, "width": w, "height": h}),
            })
        }
        DiagCommand::SendText {
            text,
            font_size,
            color,
            effect,
        } => {
            let mut c = client(opts).await?;
            let (w, h) = size(&mut c, opts).await?;
            if c.protocol.is_graphic() {
                let fonts = FontSet::builtin(*font_size).ok_or_else(|| {
                    DriverError::Invalid(format!(
                        "no {font_size} px font: use {}",
                        pinghu_protocol::style::font_sizes_text()
                    ))
                })?;
                let mut o = RenderOptions::new(w, h);
                o.font_size = *font_size;
                o.color = *color;
                o.mode = opts.colors;
                o.effect = *effect;
                let r = pinghu_fonts::render(text, &fonts, &o).map_err(|e| DriverError::Invalid(e.to_string()))?;
                let mode = r.effect.motion().graphic_code();
                let pages: Vec<(Frame, u8, u16)> = r
                    .pages
                    .iter()
                    .zip(&r.dwell_s)
                    .map(|(f, d)| (f.clone(), mode, (*d * 100) as u16))
                    .collect();
                let p = c.pages_packet(0, (0, 0), &pages, opts.colors, None)?;
                upload(&mut c, opts, &p).await?;
                let missing: Vec<String> = r.missing.iter().map(ToString::to_string).collect();
                let mut t = format!("sent {} page(s), effect {}\n", pages.len(), r.effect.name());
                if !missing.is_empty() {
                    let _ = writeln!(t, "warning: no font has {}: shown as boxes", missing.join(" "));
                }
                Ok(Report {
                    text: t,
                    json: json!({"ok": true, "pages": pages.len(), "missing": missing}),
                })
            } else {
                let p = c.text_packet(0, (w, h), text, (*font_size, *color), effect.motion())?;
                upload(&mut c, opts, &p).await?;
                Ok(Report {
                    text: "text sent; the card draws it with its own fonts\n".into(),
                    json: json!({"ok": true}),
                })
            }
        }
        DiagCommand::Trace { file } => {
            let path = file
                .clone()
                .unwrap_or_else(|| PathBuf::from(format!("pinghu-trace-{}.log", now.as_second())));
            let mut o = opts.clone();
            o.trace = Some(path.clone());
            let lines = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
            let mut c = client(&o).await?;
            let sink = Arc::clone(&lines);
            c.link.on_trace = Some(Box::new(move |l: &str| {
                sink.lock().expect("trace lock").push(l.to_owned());
            }));
            let ping = c.ping().await.map(|_| ());
            let status = c.status(Timestamp::now()).await;
            let record = lines.lock().expect("trace lock").join("\n");
            let (decoded, _) =
                crate::card::wire::decode(&record, false).map_err(|e| DriverError::Invalid(e.to_string()))?;
            let mut text = String::new();
            for l in lines.lock().expect("trace lock").iter() {
                let _ = writeln!(text, "{l}");
            }
            text.push('\n');
            text.push_str(&decoded.output);
            let _ = writeln!(
                text,
                "\nping: {}",
                ping.as_ref().map_or_else(ToString::to_string, |()| "ok".into())
            );
            let _ = writeln!(
                text,
                "status: {}",
                status.as_ref().map_or_else(ToString::to_string, |s| format!("{s:?}"))
            );
            let _ = writeln!(
                text,
                "saved to {} (read it again with: pinghu wire decode - < {})",
                path.display(),
                path.display()
            );
            Ok(Report {
                text,
                json: json!({"file": path.display().to_string(), "frames": decoded.frames, "ping": ping.is_ok(), "status": status.ok()}),
            })
        }
    }
}

/// `pinghu diag …`: run `cmd` and print its report (as JSON with `json`); exit 1 on failure.
pub fn command(opts: &DiagOptions, cmd: &DiagCommand, json: bool) -> anyhow::Result<std::process::ExitCode> {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    match rt.block_on(run(opts, cmd, Timestamp::now())) {
        Ok(report) => {
            if json {
                println!("{}", serde_json::to_string_pretty(&report.json)?);
            } else {
                print!("{}", report.text);
            }
            Ok(std::process::ExitCode::SUCCESS)
        }
        Err(e) => {
            if json {
                println!("{}", json!({"ok": false, "error": e.to_string()}));
            }
            eprintln!("error: {e}");
            Ok(std::process::ExitCode::from(1))
        }
    }
}
