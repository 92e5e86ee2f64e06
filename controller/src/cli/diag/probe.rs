//! `pinghu diag probe`: find the card — on which serial port, at which speed, speaking which
//! protocol — or list the serial ports when no device is given.

use std::fmt::Write as _;
use std::time::Duration;

use serde_json::json;

use super::connect::link;
use super::{DiagOptions, Report};
use crate::card::client::{DriverError, try_protocols};
use crate::card::device::{DeviceUrl, PROBE_BAUDS};

pub(super) async fn probe(opts: &DiagOptions) -> Result<Report, DriverError> {
    let Some(url) = &opts.device else {
        let ports = serialport::available_ports().unwrap_or_default();
        let names: Vec<String> = ports.iter().map(|p| p.port_name.clone()).collect();
        let stable: Vec<Option<String>> = names
            .iter()
            .map(|n| stable_name(std::path::Path::new(BY_ID), n))
            .collect();
        let text = if names.is_empty() {
            "no serial ports found: plug in the USB-RS485 adapter (dmesg shows its name), or give --device\n"
                .to_string()
        } else {
            let mut t = String::from("serial ports:\n");
            for (n, s) in names.iter().zip(&stable) {
                let _ = match s {
                    Some(s) => writeln!(t, "  {n}  (always the same adapter: {s})"),
                    None => writeln!(t, "  {n}"),
                };
            }
            let first = stable[0].as_ref().unwrap_or(&names[0]);
            let _ = writeln!(t, "probe one with: pinghu diag --device serial://{first}  probe");
            if stable.iter().any(Option::is_some) {
                t.push_str(
                    "(a /dev/serial/by-id name stays the same when the adapter is plugged in again or another \
                     one is added, while ttyUSB numbers can change: use it in the daemon's [device] url)\n",
                );
            }
            t
        };
        return Ok(Report {
            text,
            json: json!({"ports": names, "by_id": stable}),
        });
    };
    let wait = opts.timeout.min(Duration::from_millis(800));
    let mut tried = Vec::new();
    let found = match url {
        DeviceUrl::Tcp { .. } => {
            let mut l = link(url, opts).await?;
            tried.push(url.to_string());
            try_protocols(&mut l, wait).await?
        }
        DeviceUrl::Serial { baud, .. } => {
            // The configured speed first, then the usual ones.
            let mut bauds = vec![*baud];
            bauds.extend(PROBE_BAUDS.iter().filter(|b| **b != *baud));
            let mut hit = None;
            for b in bauds {
                let u = url.with_baud(b);
                tried.push(u.to_string());
                let mut l = link(&u, opts).await?;
                if let Some(mut f) = try_protocols(&mut l, wait).await? {
                    f.baud = Some(b);
                    hit = Some(f);
                    break;
                }
            }
            hit
        }
    };
    match found {
        Some(f) => {
            let mut text = format!("{} answers", f.protocol);
            match f.address {
                Some(a) => {
                    let _ = write!(text, " at address {a}");
                }
                // Only the 0xF0 wildcard ping was answered, and its header echoes the wildcard.
                None => text.push_str(" to the wildcard ping (its address is unknown: this firmware does not answer the control header's ping, which carries it; the factory default is 1)"),
            }
            if let Some(b) = f.baud {
                let _ = write!(text, ", {b} baud");
            }
            if let Some(d) = &f.device_type {
                let _ = write!(text, " (device {d})");
            }
            text.push('\n');
            if let Some(i) = &f.info {
                let _ = writeln!(
                    text,
                    "board: {}x{} px, {}, firmware {}, brightness {}/15, power {}",
                    i.width,
                    i.height,
                    i.color_name(),
                    i.firmware_text(),
                    i.brightness,
                    if i.power == 1 { "on" } else { "off" }
                );
            }
            let _ = writeln!(
                text,
                "use: pinghu diag --device {} --protocol {} --address {} status",
                f.baud.map_or_else(|| url.to_string(), |b| url.with_baud(b).to_string()),
                f.protocol,
                f.address.unwrap_or(1)
            );
            Ok(Report {
                text,
                json: json!({"found": f, "tried": tried}),
            })
        }
        None => Err(DriverError::Invalid(format!(
            "nothing answered on {} in any protocol (font card, graphic, 5M1){}: check the cable and power; on RS-485 swap A and B",
            tried.join(", "),
            if matches!(url, DeviceUrl::Serial { .. }) {
                " at 9600-115200 baud"
            } else {
                ""
            }
        ))),
    }
}

/// Where udev keeps the stable names of serial adapters (by vendor, model and serial number).
const BY_ID: &str = "/dev/serial/by-id";

/// The stable `/dev/serial/by-id/…` name of serial port `port`, if udev made one.
fn stable_name(dir: &std::path::Path, port: &str) -> Option<String> {
    let target = std::fs::canonicalize(port).ok()?;
    std::fs::read_dir(dir)
        .ok()?
        .filter_map(Result::ok)
        .find(|e| std::fs::canonicalize(e.path()).is_ok_and(|t| t == target))
        .map(|e| e.path().display().to_string())
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_port_is_named_by_its_stable_link() {
        let dir = tempfile::tempdir().unwrap();
        let port = dir.path().join("ttyUSB0");
        std::fs::write(&port, b"").unwrap();
        let by_id = dir.path().join("by-id");
        std::fs::create_dir(&by_id).unwrap();
        let link = by_id.join("usb-FTDI_FT232R_USB_UART_A50285BI-if00-port0");
        std::os::unix::fs::symlink("../ttyUSB0", &link).unwrap();
        let name = super::stable_name(&by_id, port.to_str().unwrap());
        assert_eq!(name, Some(link.display().to_string()));
        assert_eq!(super::stable_name(&by_id, "/nonexistent/ttyUSB9"), None);
        assert_eq!(
            super::stable_name(&dir.path().join("none"), port.to_str().unwrap()),
            None
        );
    }
}
