//! `pinghu run --check`'s look at the console.

use crate::{auth, tls_acceptor};

/// `pinghu run --check`'s look at the console: its certificate and key, its users. (The daemon's
/// own check does not know the console; `cli::run` adds this.)
pub fn check(cfg: &pinghu_daemon::config::Config, r: &mut pinghu_daemon::check::Report) {
    let Some(c) = &cfg.console else {
        r.summary.push(("console", "off (no [console])".into()));
        return;
    };
    let scheme = if c.tls.is_some() { "https" } else { "http" };
    if let Some((cert, key)) = &c.tls
        && let Err(e) = tls_acceptor(cert, key)
    {
        r.errors.push(format!("console: {e}"));
    }
    let users = match auth::Users::load(&c.users_file) {
        Ok(u) => u.users.len(),
        Err(e) => {
            r.errors.push(format!("console: {e}"));
            0
        }
    };
    if c.tls.is_none() && !c.listen.ip().is_loopback() {
        // Allowed only with insecure_http (else the configuration is refused), but said every
        // time: passwords and session cookies cross the network in clear.
        r.warnings.push(format!(
            "the console serves plain HTTP on {}, a network address: passwords and session cookies cross the \
             network unencrypted; give it cert_file and key_file (HTTPS), or listen on 127.0.0.1 behind an HTTPS proxy",
            c.listen
        ));
    }
    if !c.listen.ip().is_loopback() && c.hosts.is_empty() {
        r.warnings.push(format!(
            "the console on {} answers to any name: set console.hosts = [\"NAME\"] to the names its users type, \
             so a page of another site cannot reach it through a name of its own (DNS rebinding)",
            c.listen
        ));
    }
    if users == 0 {
        r.warnings.push(format!(
            "the console has no users: add one with `pinghu console adduser NAME --role admin --users {}`",
            c.users_file.display()
        ));
    }
    r.summary.push((
        "console",
        format!("{scheme}://{}, {users} user(s) in {}", c.listen, c.users_file.display()),
    ));
}
