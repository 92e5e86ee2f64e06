//! `pinghu-sim`: parses arguments, starts the front ends, waits for SIGINT/SIGTERM.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use anyhow::{Context, Result, bail};
use clap::Parser;
use pinghu_simulator::card::{Card, CardConfig, CardModel};
use pinghu_simulator::faults::FaultPlan;
use pinghu_simulator::server::{self, Pty, Recorder, Shared};

#[derive(Debug, Parser)]
#[command(
    name = "pinghu-sim",
    version,
    about = "An Onbon BX LED controller card in software (TCP, serial pseudo-terminal, window or PNG snapshots)"
)]
struct Args {
    /// Card protocol: bx-5e, bx-6e (graphic), bx-5k, bx-6k (font card)
    #[arg(long, default_value = "bx-6e")]
    protocol: String,
    /// Board width in pixels
    #[arg(long, default_value_t = 128)]
    width: u32,
    /// Board height in pixels
    #[arg(long, default_value_t = 32)]
    height: u32,
    /// mono or red-green
    #[arg(long, default_value = "red-green")]
    colors: String,
    /// Screen address (屏号); frames for other addresses are ignored
    #[arg(long, default_value_t = 1)]
    address: u16,
    /// TCP address to listen on (port 0 picks a free port)
    #[arg(long, default_value = "127.0.0.1:5005")]
    listen: String,
    /// Do not listen on TCP
    #[arg(long)]
    no_tcp: bool,
    /// Also serve a serial port on a pseudo-terminal (its path is printed)
    #[arg(long)]
    pty: bool,
    /// The serial port's speed; bytes sent at another speed are ignored as garbage
    #[arg(long, default_value_t = 57600)]
    baud: u32,
    /// Show the board in a desktop window
    #[arg(long, conflicts_with = "headless")]
    window: bool,
    /// No window (the default when there is no display)
    #[arg(long)]
    headless: bool,
    /// Keep screen.png and state.json here, updated after every change
    #[arg(long, value_name = "DIR")]
    snapshot_dir: Option<PathBuf>,
    /// Pixels per LED in screen.png and the window (1-32)
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=32))]
    scale: u32,
    /// Faults to inject: drop, corrupt, delay=MS, busy, close, stall, each with @RATE or #N (e.g. "drop@0.1,close#5")
    #[arg(long, value_name = "SPEC")]
    fault: Option<String>,
    /// Seed for --fault rates
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Keep the card's flash (program files, erase counts) in this folder, so it survives a
    /// restart as flash survives a power cut; the program in it shows at start
    #[arg(long, value_name = "DIR")]
    flash_dir: Option<PathBuf>,
    /// Model older firmware that answers only the 0xF0 header, not the control header
    #[arg(long)]
    no_control_header: bool,
    /// Append every byte in and out, with timestamps, to this file (readable by `pinghu wire decode`)
    #[arg(long, value_name = "FILE")]
    record: Option<PathBuf>,
    /// Serve this many independent cards, each on its own TCP port (from --listen's port up, or
    /// free ports with port 0), printed as `board I listening tcp ADDR`; snapshots go to
    /// DIR/board-I. For fleet tests: one process instead of N.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=1000))]
    boards: u32,
}

fn run(a: Args) -> Result<ExitCode> {
    let model = CardModel::parse(&a.protocol)
        .with_context(|| format!("unknown --protocol {:?} (use bx-5e, bx-6e, bx-5k, bx-6k)", a.protocol))?;
    let colors = match a.colors.as_str() {
        "mono" => pinghu_fonts::ColorMode::Mono,
        "red-green" => pinghu_fonts::ColorMode::RedGreen,
        other => bail!("unknown --colors {other:?} (use mono or red-green)"),
    };
    if let Some(problem) = pinghu_protocol::board_size_problem(a.width, a.height) {
        bail!("--width/--height: {problem}");
    }
    let faults = match &a.fault {
        Some(spec) => FaultPlan::parse(spec, a.seed).map_err(anyhow::Error::msg)?,
        None => FaultPlan::none(),
    };
    let recorder = match &a.record {
        Some(p) => Some(Mutex::new(
            Recorder::create(p).with_context(|| format!("cannot write {}", p.display()))?,
        )),
        None => None,
    };
    let shutdown = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(sig, Arc::clone(&shutdown)).context("cannot install signal handlers")?;
    }
    if a.boards > 1 {
        if a.pty || a.window || a.no_tcp || a.record.is_some() || a.flash_dir.is_some() {
            bail!("--boards serves cards on TCP only: drop --pty, --window, --no-tcp, --record and --flash-dir");
        }
        return serve_boards(&a, model, colors, faults, &shutdown);
    }
    let mut card = Card::new(CardConfig {
        model,
        width: a.width,
        height: a.height,
        colors,
        address: a.address,
        control_header: !a.no_control_header,
    });
    if let Some(dir) = &a.flash_dir {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create --flash-dir {}", dir.display()))?;
        card.flash = pinghu_simulator::flash::load(dir)
            .with_context(|| format!("cannot read the flash in {}", dir.display()))?;
        card.reload_program(jiff::Timestamp::now());
    }
    let shared = Arc::new(Shared {
        card: Mutex::new(card),
        faults: Mutex::new(faults),
        recorder,
        shutdown: Arc::clone(&shutdown),
        baud: a.baud,
        verbose: true,
        flash_dir: a.flash_dir.clone(),
    });

    let mut threads = Vec::new();
    let mut out = std::io::stdout();
    if !a.no_tcp {
        let listener = std::net::TcpListener::bind(&a.listen)
            .with_context(|| format!("cannot listen on {} (in use? try --listen 127.0.0.1:0)", a.listen))?;
        writeln!(out, "listening tcp {}", listener.local_addr()?)?;
        let s = Arc::clone(&shared);
        threads.push(std::thread::spawn(move || server::serve_tcp(listener, s)));
    }
    if a.pty {
        let pty = Pty::open().context("cannot open a pseudo-terminal")?;
        writeln!(out, "listening serial {}", pty.path)?;
        let s = Arc::clone(&shared);
        threads.push(std::thread::spawn(move || server::serve_pty(pty, s)));
    }
    if let Some(dir) = a.snapshot_dir.clone() {
        std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
        writeln!(out, "snapshots {}", dir.display())?;
        let s = Arc::clone(&shared);
        let scale = a.scale;
        threads.push(std::thread::spawn(move || server::snapshots(dir, s, scale)));
    }
    out.flush()?;
    if a.no_tcp && !a.pty {
        bail!("nothing to serve: drop --no-tcp or add --pty");
    }

    let has_display = std::env::var_os("DISPLAY").is_some() || std::env::var_os("WAYLAND_DISPLAY").is_some();
    let want_window = a.window || (!a.headless && has_display && a.snapshot_dir.is_none());
    if want_window {
        #[cfg(feature = "window")]
        {
            if let Err(e) = pinghu_simulator::window::run(&shared, a.scale) {
                if a.window {
                    shutdown.store(true, Ordering::Relaxed);
                    bail!("{e}");
                }
                eprintln!("pinghu-sim: {e}; running headless");
            }
        }
        #[cfg(not(feature = "window"))]
        if a.window {
            bail!("this pinghu-sim was built without the `window` feature");
        }
    }
    Ok(wait_and_join(&shutdown, threads))
}

/// `--boards N`: N cards, each with its own listener, state and snapshots, in this one process.
fn serve_boards(
    a: &Args,
    model: CardModel,
    colors: pinghu_fonts::ColorMode,
    faults: FaultPlan,
    shutdown: &Arc<AtomicBool>,
) -> Result<ExitCode> {
    let base: std::net::SocketAddr = a
        .listen
        .parse()
        .with_context(|| format!("--listen {:?} must be IP:PORT with --boards", a.listen))?;
    let mut threads = Vec::new();
    let mut out = std::io::stdout();
    for i in 0..a.boards {
        let card = Card::new(CardConfig {
            model,
            width: a.width,
            height: a.height,
            colors,
            address: a.address,
            control_header: !a.no_control_header,
        });
        let shared = Arc::new(Shared {
            card: Mutex::new(card),
            faults: Mutex::new(faults.clone()),
            recorder: None,
            shutdown: Arc::clone(shutdown),
            baud: a.baud,
            verbose: false,
            flash_dir: None,
        });
        let mut addr = base;
        if base.port() != 0 {
            let port = u16::try_from(u32::from(base.port()) + i).context("--boards runs past port 65535")?;
            addr.set_port(port);
        }
        let listener = std::net::TcpListener::bind(addr)
            .with_context(|| format!("cannot listen on {addr} (in use? try --listen 127.0.0.1:0)"))?;
        writeln!(out, "board {i} listening tcp {}", listener.local_addr()?)?;
        let s = Arc::clone(&shared);
        threads.push(std::thread::spawn(move || server::serve_tcp(listener, s)));
        if let Some(dir) = &a.snapshot_dir {
            let dir = dir.join(format!("board-{i}"));
            std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
            let s = Arc::clone(&shared);
            let scale = a.scale;
            threads.push(std::thread::spawn(move || server::snapshots(dir, s, scale)));
        }
    }
    writeln!(out, "boards {}", a.boards)?;
    out.flush()?;
    Ok(wait_and_join(shutdown, threads))
}

/// Serve until SIGINT/SIGTERM, then let the threads finish.
fn wait_and_join(shutdown: &AtomicBool, threads: Vec<std::thread::JoinHandle<()>>) -> ExitCode {
    while !shutdown.load(Ordering::Relaxed) {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    for t in threads {
        let _ = t.join();
    }
    eprintln!("pinghu-sim: stopped");
    ExitCode::SUCCESS
}

fn main() -> ExitCode {
    match run(Args::parse()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}
