//! Captured card bytes as frames and fields, and the same JSON back to bytes: what `pinghu wire`,
//! `pinghu diag trace` and the console's card trace show. Beside the card client, beneath every
//! layer that shows a trace.

use std::fmt::Write as _;

use anyhow::{Context, Result, bail};
use pinghu_protocol::{Found, Packet, ProtocolFamily, decode_all, from_hex, to_hex_spaced};
use serde_json::Value;

/// What a decode produced: text for stdout, and whether any frame failed.
#[derive(Debug)]
pub struct Decoded {
    pub output: String,
    pub failures: usize,
    pub frames: usize,
}

/// Decode hex text into frames. Human output names every field; `json` prints an array of
/// packets that [`encode`] turns back into the same bytes. Problems (bad CRC, bad escapes,
/// garbage) are listed in `output` (human) or returned as warnings for stderr (JSON).
pub fn decode(input: &str, json: bool) -> Result<(Decoded, Vec<String>)> {
    let (found, rest) = match parse_record(input) {
        Some(lines) => decode_record(&lines),
        None => {
            let bytes = from_hex(input).map_err(|e| anyhow::anyhow!("input is not hex: {e}"))?;
            if bytes.is_empty() {
                bail!("no bytes to decode (pass hex such as \"a5 a5 … 5a\", or - to read stdin)");
            }
            let (found, rest) = decode_all(&bytes);
            (found.into_iter().map(|f| (None, f)).collect(), rest)
        }
    };
    let mut warnings = Vec::new();
    let mut out = String::new();
    let mut packets = Vec::new();
    let mut failures = 0;
    for (i, (label, f)) in found.iter().enumerate() {
        let at = label.as_ref().map_or_else(String::new, |l| format!(" [{l}]"));
        if !f.skipped.is_empty() {
            warnings.push(format!(
                "skipped {} bytes before the frame at offset {}{at}: {}",
                f.skipped.len(),
                f.offset,
                to_hex_spaced(&f.skipped)
            ));
        }
        match &f.result {
            Ok(p) => {
                packets.push(serde_json::to_value(p)?);
                if !json {
                    describe(i + 1, f, label.as_deref(), p, &mut out);
                }
            }
            Err(e) => {
                failures += 1;
                warnings.push(format!("frame {} at offset {}{at}: {e}", i + 1, f.offset));
            }
        }
    }
    if !rest.is_empty() {
        failures += 1;
        warnings.push(format!(
            "{} bytes at the end do not complete a frame (need a5 head … 5a tail): {}",
            rest.len(),
            to_hex_spaced(&rest[..rest.len().min(32)])
        ));
    }
    if found.is_empty() && rest.is_empty() {
        bail!("no frames found");
    }
    if json {
        out = serde_json::to_string_pretty(&Value::Array(packets))?;
        out.push('\n');
    } else {
        for w in &warnings {
            let _ = writeln!(out, "error: {w}");
        }
        warnings.clear();
    }
    let frames = found.len() - failures.min(found.len());
    Ok((
        Decoded {
            output: out,
            failures,
            frames,
        },
        warnings,
    ))
}

/// A line of a byte record (`pinghu-sim --record`, `pinghu diag trace`): time, direction, hex.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordLine {
    pub at: String,
    pub dir: String,
    pub bytes: Vec<u8>,
}

/// Recognise a byte record: every non-empty line is `TIMESTAMP in|out HEX`.
pub fn parse_record(text: &str) -> Option<Vec<RecordLine>> {
    let mut lines = Vec::new();
    for l in text.lines().filter(|l| !l.trim().is_empty()) {
        let mut parts = l.trim().splitn(3, ' ');
        let at = parts.next()?;
        let dir = parts.next()?;
        if at.parse::<jiff::Timestamp>().is_err() || !matches!(dir, "in" | "out") {
            return None;
        }
        let bytes = from_hex(parts.next().unwrap_or("")).ok()?;
        lines.push(RecordLine {
            at: at.to_owned(),
            dir: dir.to_owned(),
            bytes,
        });
    }
    (!lines.is_empty()).then_some(lines)
}

/// Decode each direction of a record with its own stream decoder, frames in time order.
fn decode_record(lines: &[RecordLine]) -> (Vec<(Option<String>, Found)>, Vec<u8>) {
    let mut decoders = [pinghu_protocol::Decoder::new(), pinghu_protocol::Decoder::new()];
    let mut found = Vec::new();
    for l in lines {
        let k = usize::from(l.dir == "out");
        let d = &mut decoders[k];
        d.feed(&l.bytes);
        loop {
            let label = Some(format!("{} {}", l.at, if k == 0 { "host→card" } else { "card→host" }));
            match d.decode() {
                Ok(Some(raw)) => found.push((
                    label,
                    Found {
                        offset: raw.offset,
                        skipped: raw.skipped.clone(),
                        result: Packet::from_raw(&raw).map_err(Into::into),
                    },
                )),
                Ok(None) => break,
                Err(e) => found.push((
                    label,
                    Found {
                        offset: d.offset(),
                        skipped: Vec::new(),
                        result: Err(e.into()),
                    },
                )),
            }
        }
    }
    let mut rest = decoders[0].pending().to_vec();
    rest.extend_from_slice(decoders[1].pending());
    (found, rest)
}

/// Encode the JSON that `decode --json` prints (one packet object or an array) to hex, one
/// frame per line.
pub fn encode(json: &str) -> Result<String> {
    let value: Value =
        serde_json::from_str(json).context("input is not JSON (expected what `pinghu wire decode --json` prints)")?;
    let items = match value {
        Value::Array(a) => a,
        v @ Value::Object(_) => vec![v],
        _ => bail!("expected a packet object or an array of them"),
    };
    let mut out = String::new();
    for (i, v) in items.into_iter().enumerate() {
        let p: Packet =
            serde_json::from_value(v).with_context(|| format!("packet {} does not match the packet schema", i + 1))?;
        let wire = p
            .to_wire()
            .with_context(|| format!("packet {} cannot be encoded", i + 1))?;
        out.push_str(&to_hex_spaced(&wire));
        out.push('\n');
    }
    Ok(out)
}

fn describe(n: usize, f: &Found, label: Option<&str>, p: &Packet, out: &mut String) {
    let v = serde_json::to_value(p).unwrap_or(Value::Null);
    let (proto, dir) = match p {
        Packet::Graphic(_) => (
            "graphic protocol (version 0xf0: bx-5e/6e/5q/6q)",
            if p.is_reply() { "reply" } else { "request" },
        ),
        Packet::FontCard(_) => (
            "font-card protocol (version 0x02: bx-5k/6k)",
            if p.is_reply() { "reply" } else { "request" },
        ),
        Packet::Control(c) => (
            match c.header.generation {
                pinghu_protocol::graphic::Generation::Gen5 => {
                    "control header (version 0x05: bx-5e/5m1 power, clock, brightness, status, files)"
                }
                pinghu_protocol::graphic::Generation::Gen6 => {
                    "control header (version 0x07: bx-6e power, clock, brightness, status, files)"
                }
            },
            if p.is_reply() { "reply" } else { "request" },
        ),
    };
    let body = &v[dir];
    let (g, c) = p.code();
    let title = if p.is_reply() {
        let what = match body.get("data_kind").and_then(Value::as_str) {
            _ if p.is_nack() => "NACK".to_owned(),
            Some(kind) if kind != "raw" => format!("{} answer", kind.replace('-', " ")),
            _ if g == 0xA0 => "ACK".to_owned(),
            _ => "answer".to_owned(),
        };
        format!("reply {what} ({g:02X} {c:02X})")
    } else {
        format!(
            "request {} ({g:02X} {c:02X})",
            body.get("command").and_then(Value::as_str).unwrap_or("?")
        )
    };
    let at = label.map_or_else(String::new, |l| format!(" [{l}]"));
    let _ = writeln!(out, "frame {n} at offset {}{at}: {proto}, {title}", f.offset);
    let _ = writeln!(out, "  header:");
    let graphic = p.family();
    walk(&v["header"], "header", 2, graphic, out);
    let _ = writeln!(out, "  {dir}:");
    walk(body, dir, 2, graphic, out);
}

fn annotate(key: &str, v: &Value, family: ProtocolFamily) -> Option<String> {
    let n = v.as_u64()?;
    let graphic = family != ProtocolFamily::FontCard;
    let s = match key {
        "device_type" | "controller_type" if graphic => {
            pinghu_protocol::graphic_device_name(n as u16).map(str::to_owned)
        }
        "device_type" => pinghu_protocol::font_device_name(n as u8).map(str::to_owned),
        "power" | "state" if family == ProtocolFamily::Control => match n {
            1 => Some("on".into()),
            0 => Some("off".into()),
            _ => None,
        },
        "color" if family == ProtocolFamily::Control => match n {
            1 => Some("mono".into()),
            3 => Some("red-green".into()),
            7 => Some("three colours".into()),
            255 => Some("full colour".into()),
            _ => None,
        },
        "run_mode" => pinghu_protocol::run_mode_name(n as u8).map(str::to_owned),
        "dst" | "src" => Some(format!("{n:#06x}")),
        "power" | "state" => match n {
            1 => Some("on".into()),
            2 => Some("off".into()),
            _ => None,
        },
        "reply" => match n {
            1 => Some("reply requested".into()),
            0 | 2 => Some("no reply".into()),
            _ => None,
        },
        _ => None,
    };
    s.map(|s| format!(" ({s})"))
}

fn walk(v: &Value, key: &str, depth: usize, graphic: ProtocolFamily, out: &mut String) {
    let pad = "  ".repeat(depth);
    match v {
        Value::Object(m) => {
            for (k, val) in m {
                match val {
                    Value::Object(_) => {
                        let _ = writeln!(out, "{pad}{k}:");
                        walk(val, k, depth + 1, graphic, out);
                    }
                    Value::Array(a) if a.iter().any(Value::is_object) => {
                        for (i, item) in a.iter().enumerate() {
                            let _ = writeln!(out, "{pad}{k}[{i}]:");
                            walk(item, k, depth + 1, graphic, out);
                        }
                    }
                    _ => {
                        let note = annotate(k, val, graphic).unwrap_or_default();
                        let shown = match val {
                            Value::String(s) if k == "data" && s.len() > 96 => {
                                format!("{}… ({} bytes)", &s[..96], s.len() / 2)
                            }
                            other => other.to_string(),
                        };
                        let _ = writeln!(out, "{pad}{k}: {shown}{note}");
                    }
                }
            }
        }
        other => {
            let _ = writeln!(out, "{pad}{key}: {other}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PING: &str =
        "a5 a5 a5 a5 a5 a5 a5 a5 fe ff 00 80 f0 00 fe ff 00 00 00 00 05 00 00 00 01 a2 00 00 00 c6 86 5a";

    #[test]
    fn json_roundtrip_of_the_vendor_ping() {
        let (d, warnings) = decode(PING, true).unwrap();
        assert!(warnings.is_empty());
        assert_eq!(d.failures, 0);
        assert_eq!(encode(&d.output).unwrap().trim(), PING);
    }

    #[test]
    fn human_output_names_fields() {
        let (d, _) = decode(&PING.replace(' ', ""), false).unwrap();
        assert!(d.output.contains("request ping (A2 00)"), "{}", d.output);
        assert!(d.output.contains("device_type: 65534 (any (wildcard))"), "{}", d.output);
    }

    #[test]
    fn crc_error_is_reported_with_offset_and_values() {
        let bad = PING.replace("c6 86", "c6 87");
        let (d, _) = decode(&bad, false).unwrap();
        assert_eq!(d.failures, 1);
        assert!(
            d.output
                .contains("checksum mismatch in frame at offset 0: expected 0x86c6, got 0x87c6"),
            "{}",
            d.output
        );
    }

    #[test]
    fn byte_records_decode_each_direction_in_time_order() {
        let rec = format!(
            "2026-11-28T00:00:00.100Z in {}\n2026-11-28T00:00:00.200Z out {}\n2026-11-28T00:00:00.300Z in {}\n",
            &PING[..30],
            "a5 a5 a5 a5 a5 a5 a5 a5 00 80 01 00 00 00 00 00 00 00 fe 02 05 00 a0 00 00 00 00 64 dc 5a",
            &PING[30..]
        );
        let (d, w) = decode(&rec, false).unwrap();
        assert!(w.is_empty(), "{w:?}");
        assert_eq!(d.frames, 2, "{}", d.output);
        let reply_at = d
            .output
            .find("[2026-11-28T00:00:00.200Z card→host]")
            .expect("reply labelled");
        let ping_at = d
            .output
            .find("[2026-11-28T00:00:00.300Z host→card]")
            .expect("ping labelled by the line that completed it");
        assert!(reply_at < ping_at, "{}", d.output);
    }

    #[test]
    fn encode_explains_schema_errors() {
        let e = encode(r#"{"protocol":"graphic","header":{"dst":1}}"#).unwrap_err();
        assert!(
            format!("{e:#}").contains("packet 1 does not match the packet schema"),
            "{e:#}"
        );
    }
}
