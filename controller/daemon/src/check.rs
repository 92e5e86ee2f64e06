//! `pinghu run --config FILE --check`: what the daemon would start with, read without starting
//! it (like `nginx -t`). It reads the configuration and every file it names (playlist with its
//! pictures, holiday file, fonts, keys, certificates, the console's users) and writes nothing.
//!
//! Since the daemon starts despite a bad playlist, holiday file or font (docs/durability.md),
//! this is where a technician sees such mistakes before a restart rather than in the status
//! after it. Errors are what the daemon would refuse or leave out; warnings are what it would
//! run with but should not (characters no font has, no console users, a serial adapter that is
//! not plugged in).

use std::path::Path;

use jiff::Timestamp;

use crate::card::device::DeviceUrl;
use crate::config::Config;
use crate::core::{Prepared, examine, prepare};

/// What the check found.
#[derive(Debug, Default)]
pub struct Report {
    /// What the daemon would run with, `(what, how)`, in the order a technician reads it.
    pub summary: Vec<(&'static str, String)>,
    pub errors: Vec<String>,
    pub warnings: Vec<String>,
}

impl Report {
    pub fn ok(&self) -> bool {
        self.errors.is_empty()
    }
}

/// Check the configuration at `path` and everything it names, as of `now`; `front` checks what
/// the front end beside the daemon needs (`console::check`: the daemon knows no console).
pub fn check(path: &Path, now: Timestamp, front: &dyn Fn(&Config, &mut Report)) -> Report {
    let mut r = Report::default();
    let cfg = match Config::load(path) {
        Ok(c) => c,
        Err(e) => {
            r.errors.push(e.to_string());
            return r;
        }
    };
    r.summary.push((
        "screen",
        format!(
            "{}, {}x{} {}{}",
            cfg.screen,
            cfg.width,
            cfg.height,
            cfg.colors.name(),
            if cfg.groups.is_empty() {
                String::new()
            } else {
                format!(", groups {}", cfg.groups.join(", "))
            }
        ),
    ));
    card(&cfg, &mut r);
    broker(&cfg, &mut r);
    let keys: Vec<&str> = cfg.portal_keys.keys().map(String::as_str).collect();
    if keys.is_empty() {
        r.warnings.push(
            "[portal_keys] is empty: every announcement will be refused (add the portal's public key, \
             from `pinghu portal keygen`)"
                .into(),
        );
    }
    r.summary.push((
        "portal keys",
        if keys.is_empty() {
            "none".into()
        } else {
            keys.join(", ")
        },
    ));
    let tz = jiff::tz::TimeZone::get(&cfg.timezone).unwrap_or(jiff::tz::TimeZone::UTC);
    let Prepared {
        calendar,
        mut renderer,
        problems,
        ..
    } = prepare(&cfg);
    r.errors.extend(problems.iter().map(ToString::to_string));
    let years: Vec<i16> = calendar.years().collect();
    r.summary.push((
        "calendar",
        format!(
            "{}{}",
            match (years.first(), years.last()) {
                (Some(a), Some(b)) => format!("holidays {a}-{b}"),
                _ => "no holiday data".into(),
            },
            cfg.calendar
                .as_ref()
                .map_or_else(String::new, |c| format!(" (with {})", c.display()))
        ),
    ));
    match &cfg.playlist {
        None => r.summary.push(("playlist", "the built-in sample".into())),
        Some(p) => match std::fs::read_to_string(p) {
            Err(e) => r.errors.push(format!(
                "playlist {}: {e} (the daemon would run its last good copy, or announcements only)",
                p.display()
            )),
            Ok(text) => {
                let found = examine(&cfg, &mut renderer, &calendar, &tz, &text, now);
                let at = |d: &pinghu_playlists::Diagnostic<crate::findings::Finding>| {
                    format!("{}:{}:{}: {}", p.display(), d.line, d.col, d.problem)
                };
                r.errors.extend(found.errors.iter().map(at));
                r.warnings.extend(found.warnings.iter().map(at));
                r.summary.push((
                    "playlist",
                    match &found.playlist {
                        Some(pl) => format!(
                            "{}: {} items, {} campaigns",
                            p.display(),
                            pl.items.len(),
                            pl.campaigns.len()
                        ),
                        None => format!(
                            "{}: refused (the daemon would run its last good copy, or announcements only)",
                            p.display()
                        ),
                    },
                ));
            }
        },
    }
    board_key(&cfg, &mut r);
    front(&cfg, &mut r);
    data(&cfg, &mut r);
    r
}

/// The board's own key, which signs its daily play reports (made at the first start when absent).
fn board_key(cfg: &Config, r: &mut Report) {
    let p = &cfg.board_key;
    let how = match std::fs::read_to_string(p) {
        Ok(text) => match serde_json::from_str::<crate::envelope::KeyPair>(&text) {
            Ok(k) => format!("{} ({})", k.key_id, p.display()),
            Err(e) => {
                r.errors.push(format!(
                    "board_key {}: not a key file ({e}); the daemon would sign no play reports                      (`pinghu board keygen` makes one)",
                    p.display()
                ));
                format!("unusable ({})", p.display())
            }
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => format!("{} (made at the first start)", p.display()),
        Err(e) => {
            r.errors.push(format!("board_key {}: {e}", p.display()));
            format!("unreadable ({})", p.display())
        }
    };
    r.summary.push(("board key", how));
}

fn card(cfg: &Config, r: &mut Report) {
    let protocol = cfg.protocol.map_or("auto", |p| p.name());
    r.summary
        .push(("card", format!("{} ({protocol}, address {})", cfg.device, cfg.address)));
    if let DeviceUrl::Serial { path, .. } = &cfg.device
        && !Path::new(path).exists()
    {
        r.warnings.push(format!(
            "{path} is not there now: is the adapter plugged in? (`pinghu diag probe` lists serial ports; \
             /dev/serial/by-id names stay the same across reboots)"
        ));
    }
}

fn broker(cfg: &Config, r: &mut Report) {
    let m = &cfg.mqtt;
    r.summary.push((
        "broker",
        format!(
            "{}://{}:{} (MQTT {}, client id {})",
            if m.tls { "mqtts" } else { "mqtt" },
            m.host,
            m.port,
            m.version.name(),
            m.client_id
        ),
    ));
    if m.tls {
        if let Some(ca) = &m.ca_file {
            pem_certificates(ca, "mqtt.ca_file", r);
        }
        if let Some((cert, key)) = &m.client_cert {
            pem_certificates(cert, "mqtt.client_cert", r);
            pem_key(key, "mqtt.client_key", r);
        }
    }
}

fn pem_certificates(path: &Path, what: &str, r: &mut Report) {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject as _;
    match CertificateDer::pem_file_iter(path).map(Iterator::collect::<Result<Vec<_>, _>>) {
        Ok(Ok(certs)) if !certs.is_empty() => {}
        Ok(Ok(_)) => r
            .errors
            .push(format!("{what} {}: no PEM certificate in it", path.display())),
        Ok(Err(e)) | Err(e) => r.errors.push(format!("{what} {}: {e}", path.display())),
    }
}

fn pem_key(path: &Path, what: &str, r: &mut Report) {
    use rustls::pki_types::PrivateKeyDer;
    use rustls::pki_types::pem::PemObject as _;
    if let Err(e) = PrivateKeyDer::from_pem_file(path) {
        r.errors
            .push(format!("{what} {}: {e} (a PEM private key)", path.display()));
    }
}

fn data(cfg: &Config, r: &mut Report) {
    let dir = &cfg.data_dir;
    // The daemon makes the folder: then its nearest existing parent must take it. A relative
    // path (a configuration read from the current folder) has the current folder as its last
    // parent, not the empty path.
    let absolute = std::path::absolute(dir).unwrap_or_else(|_| dir.clone());
    let existing = absolute.ancestors().find(|a| a.exists()).unwrap_or(&absolute);
    if !existing.is_dir() {
        r.errors.push(format!(
            "data_dir {}: {} is a file, so the folder cannot be made there; the daemon could not start \
             (point data_dir at a folder, or move the file)",
            dir.display(),
            existing.display()
        ));
    } else if let Err(e) = rustix::fs::access(existing, rustix::fs::Access::WRITE_OK) {
        r.errors.push(format!(
            "data_dir {}: {} is not writable for this user ({e}); the daemon could not start \
             (make the folder and give it to the daemon's user, or choose another data_dir)",
            dir.display(),
            existing.display()
        ));
    }
    let space = crate::disk::space(existing);
    if space.is_some_and(|s| s.low()) {
        r.warnings.push(format!(
            "data_dir {}: the disk is nearly full (pinghu log archive moves old proof-of-display segments off)",
            dir.display()
        ));
    }
    r.summary.push((
        "data",
        format!(
            "{}{}{}",
            dir.display(),
            if dir.exists() { "" } else { " (made at the first start)" },
            space.map_or_else(String::new, |s| format!(", {} MB free", s.free_bytes / 1_000_000))
        ),
    ));
}
