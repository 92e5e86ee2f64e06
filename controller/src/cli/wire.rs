//! `pinghu wire`: decode captured bytes into frames and fields, and encode the same JSON back
//! (the decoding itself is [`crate::card::wire`]).

use anyhow::Result;

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
