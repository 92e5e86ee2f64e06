//! `pinghu wire`: decode captured bytes into frames and fields, and encode the same JSON back
//! (the decoding itself is [`crate::card::wire`]).

use anyhow::Result;
use clap::Subcommand;

pub use crate::card::wire::{Decoded, decode, encode};

/// `pinghu wire decode`: exit 1 when any frame does not decode.
pub fn decode_command(hex: &str, json: bool) -> Result<std::process::ExitCode> {
    let input = crate::cli::read_input(hex)?;
    let (decoded, warnings) = decode(&input, json)?;
    print!("{}", decoded.output);
    for w in warnings {
        eprintln!("error: {w}");
    }
    Ok(crate::cli::exit_code(decoded.failures > 0))
}

/// `pinghu wire encode`: the frames of a JSON description (a file, or `-` for stdin).
pub fn encode_command(json_file: Option<&str>, stdin: Option<&str>) -> Result<std::process::ExitCode> {
    use anyhow::Context as _;
    let text = match (json_file, stdin) {
        (Some("-"), _) | (None, Some("-")) => crate::cli::read_input("-")?,
        (Some(path), _) => std::fs::read_to_string(path).with_context(|| format!("cannot read {path}"))?,
        (None, Some(other)) => anyhow::bail!("unexpected argument {other:?}: use --json FILE or - for stdin"),
        (None, None) => anyhow::bail!("nothing to encode: use --json FILE or - for stdin"),
    };
    print!("{}", encode(&text)?);
    Ok(std::process::ExitCode::SUCCESS)
}

#[derive(Debug, Subcommand)]
pub enum WireCommand {
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

impl WireCommand {
    pub fn run(self) -> Result<std::process::ExitCode> {
        match self {
            WireCommand::Decode { json, hex } => decode_command(&hex, json),
            WireCommand::Encode { json_file, stdin } => encode_command(json_file.as_deref(), stdin.as_deref()),
        }
    }
}
