//! The `pinghu` command: parses the command line (its clap types are in
//! `pinghu::cli::commands`) and dispatches to the library's `cli` modules (one per subcommand).
//! Exit 0 on success, 1 on a failure it explains, 2 on bad usage (clap).

use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::Parser as _;
use pinghu::card::device::DeviceUrl;
use pinghu::cli;
use pinghu::cli::commands::{
    AlertFormat, Algorithm, BoardCommand, Cli, Command, DiagArgs, FleetCommand, LogCommand, PlaylistCommand,
    PortalCommand, RenderArgs, ReportCommand, WireCommand,
};

fn render(a: RenderArgs) -> Result<ExitCode> {
    if let Some(image) = &a.image {
        let reduce = pinghu_fonts::picture::Reduce::parse(&a.reduce).unwrap_or_default();
        return Ok(cli::render::image(
            image,
            (a.width, a.height, a.colors),
            reduce,
            a.out.as_deref(),
            (a.ascii, a.json, a.strict, a.scale),
        )?
        .print());
    }
    let text = match (a.text, a.file.as_deref()) {
        (Some(t), _) => t,
        (None, Some("-")) => cli::read_input("-")?,
        (None, Some(f)) => {
            std::fs::read_to_string(f).with_context(|| format!("cannot read {f} (the text must be a UTF-8 file)"))?
        }
        (None, None) => bail!("give --text TEXT or --file FILE"),
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
    let req = cli::render::Request {
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
    Ok(cli::render::run(&req)?.print())
}

fn diag(a: DiagArgs) -> Result<ExitCode> {
    use cli::diag::DiagOptions;
    let opts = DiagOptions {
        device: a.device.as_deref().map(DeviceUrl::parse).transpose()?,
        protocol: a.protocol.0,
        address: a.address,
        timeout: a.timeout,
        trace: a.trace_file,
        width: a.width,
        height: a.height,
        colors: a.colors,
        progress: !a.json && std::io::IsTerminal::is_terminal(&std::io::stderr()),
    };
    cli::diag::command(&opts, &a.command, a.json)
}

fn dispatch(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Run {
            config: Some(config),
            check: true,
            json,
            ..
        } => Ok(cli::run::check(&config, json)),
        Command::Run { config, data_dir, .. } => cli::run::daemon(config, data_dir, cli.log_format),
        #[cfg(feature = "embedded")]
        Command::Demo { data_dir } => cli::run::demo(data_dir, cli.log_format),
        Command::Portal(PortalCommand::Keygen { key_id, out, algorithm }) => {
            cli::portal::keygen_command(&key_id, &out, algorithm == Algorithm::Sm2)
        }
        Command::Portal(PortalCommand::Cap {
            file,
            key,
            format,
            send,
        }) => cli::portal::cap_command(cli::portal::CapRequest {
            send: send.get()?,
            file,
            key,
            format: match format {
                AlertFormat::Cap => pinghu::alerts::Format::Cap,
                AlertFormat::Gbt35965 => pinghu::alerts::Format::Gbt35965,
            },
        }),
        Command::Portal(PortalCommand::Push {
            broker,
            key,
            revision,
            calendar,
            playlist,
            keys,
            picture,
            remove_picture,
            screen,
            group,
            topic_prefix,
        }) => {
            use pinghu::daemon::office::Kind;
            let remove = remove_picture.is_some();
            let (kind, file) = match (calendar, playlist, keys, picture.or(remove_picture.map(Into::into))) {
                (Some(f), ..) => (Kind::Calendar, f),
                (_, Some(f), ..) => (Kind::Playlist, f),
                (_, _, Some(f), _) => (Kind::Keys, f),
                (.., Some(f)) => (Kind::Picture, f),
                _ => anyhow::bail!(
                    "give --calendar FILE, --playlist FILE, --keys FILE, --picture FILE or --remove-picture NAME"
                ),
            };
            cli::portal::push_command(cli::portal::PushRequest {
                broker: broker.get()?,
                topic_prefix,
                key,
                revision,
                kind,
                file,
                remove,
                screen,
                group,
            })
        }
        Command::Portal(PortalCommand::Sign { key, payload }) => cli::portal::sign_command(&key, &payload),
        Command::Portal(PortalCommand::Publish {
            envelope,
            payload,
            key,
            send,
        }) => cli::portal::publish_command(cli::portal::PublishRequest {
            send: send.get()?,
            envelope,
            payload,
            key,
        }),
        Command::Log(LogCommand::Verify { data_dir, file }) => Ok(cli::log::verify(data_dir, file)?.print()),
        Command::Log(LogCommand::Export {
            data_dir,
            file,
            format,
            out,
        }) => Ok(cli::log::export(data_dir, file, format, out.as_deref())?.print()),
        Command::Log(LogCommand::Archive {
            before,
            to,
            data_dir,
            tz,
        }) => Ok(cli::log::archive(data_dir, before, &tz, &to)?.print()),
        Command::Report(ReportCommand::Plays {
            from,
            to,
            campaign,
            format,
            data_dir,
            playlist,
            calendar,
            tz,
        }) => Ok(cli::report::plays(cli::report::PlaysRequest {
            from,
            to,
            campaign,
            format,
            data_dir,
            playlist,
            calendar,
            tz,
        })?
        .print()),
        Command::Report(ReportCommand::Verify {
            file,
            board_key,
            data_dir,
            format,
        }) => Ok(cli::report::verify(&file, &board_key, data_dir, format)?.print()),
        Command::Board(BoardCommand::Keygen { out, key_id }) => Ok(cli::report::keygen(&out, &key_id)?.print()),
        Command::Fleet(FleetCommand::Status {
            broker,
            group,
            json,
            watch,
            topic_prefix,
        }) => cli::fleet::status_command(cli::fleet::StatusRequest {
            broker: broker.get()?,
            topic_prefix,
            group,
            json,
            watch,
        }),
        Command::Diag(a) => diag(a),
        Command::Console(c) => cli::console::command(c),
        Command::Render(a) => render(a),
        Command::Playlist(PlaylistCommand::Check {
            files,
            calendar,
            board,
            colors,
            json,
        }) => {
            let board = cli::playlist::board(board.as_deref(), colors)?;
            cli::playlist::check_command(&files, calendar.as_deref(), json, board)
        }
        Command::Playlist(PlaylistCommand::Timeline {
            file,
            date,
            board,
            colors,
            from,
            hours,
            tz,
            calendar,
            json,
        }) => cli::playlist::timeline_command(&cli::playlist::TimelineRequest {
            file,
            date,
            board: cli::playlist::board(board.as_deref(), colors)?,
            from,
            hours,
            tz,
            calendar,
            json,
        }),
        Command::Wire(WireCommand::Decode { json, hex }) => cli::wire::decode_command(&hex, json),
        Command::Wire(WireCommand::Encode { json_file, stdin }) => {
            cli::wire::encode_command(json_file.as_deref(), stdin.as_deref())
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let format = cli.log_format;
    dispatch(cli).unwrap_or_else(|e| {
        cli::logging::report_error(&e, format);
        ExitCode::from(1)
    })
}
