//! Which names the console answers to. A page of another site can make a browser send requests
//! to the console by pointing its own name at the console's address (DNS rebinding); such a
//! request carries that other name in `Host`. The console answers only to its IP addresses,
//! `localhost` when it listens on loopback, and the names configured in `console.hosts`.

use std::net::{IpAddr, SocketAddr};

/// The `Host` names the console answers to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostRule {
    loopback: bool,
    names: Vec<String>,
}

impl HostRule {
    pub fn new(listen: SocketAddr, names: &[String]) -> Self {
        HostRule {
            loopback: listen.ip().is_loopback(),
            names: names.iter().map(|n| n.trim().to_ascii_lowercase()).collect(),
        }
    }

    /// Whether a request with this `Host` header is answered. An IP address is (it cannot be
    /// pointed elsewhere); a name must be one of the console's.
    pub fn allows(&self, host: &str) -> bool {
        let name = host_name(host).to_ascii_lowercase();
        if name.parse::<IpAddr>().is_ok() {
            return true;
        }
        if self.names.contains(&name) {
            return true;
        }
        if self.loopback {
            name == "localhost"
        } else {
            // A console on the network with no names configured answers to any (`--check`
            // warns about it).
            self.names.is_empty()
        }
    }
}

/// `Host` without its port: `example.org:8443` → `example.org`, `[::1]:80` → `::1`.
fn host_name(host: &str) -> &str {
    let host = host.trim();
    if let Some(rest) = host.strip_prefix('[') {
        return rest.split(']').next().unwrap_or_default();
    }
    match host.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => host,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_loopback_console_answers_to_its_addresses_and_localhost_only() {
        let r = HostRule::new("127.0.0.1:8047".parse().unwrap(), &[]);
        for ok in [
            "127.0.0.1:8047",
            "localhost:8047",
            "LOCALHOST",
            "[::1]:8047",
            "127.0.0.1",
        ] {
            assert!(r.allows(ok), "{ok}");
        }
        for bad in ["evil.example:8047", "evil.example", "localhost.evil.example:8047", ""] {
            assert!(!r.allows(bad), "{bad}");
        }
    }

    #[test]
    fn a_network_console_answers_to_its_configured_names() {
        let names = ["Screen.Yiling.gov.cn".to_owned()];
        let r = HostRule::new("0.0.0.0:8443".parse().unwrap(), &names);
        assert!(r.allows("screen.yiling.gov.cn:8443") && r.allows("10.0.0.5:8443"));
        assert!(!r.allows("evil.example:8443") && !r.allows("localhost:8443"));
        let any = HostRule::new("0.0.0.0:8443".parse().unwrap(), &[]);
        assert!(any.allows("whatever.example"));
    }
}
