//! The broker link's socket has `TCP_NODELAY`, under both protocol versions, plain and TLS. The
//! socket is rumqttc's, so it is found from outside: a listener takes the connection, and the
//! socket of this process whose local address is the listener's peer is the client's; its option
//! is read from a duplicate of its descriptor (`pidfd_getfd`, no unsafe code).

use std::net::SocketAddr;
use std::sync::Arc;

use rustix::process::{PidfdFlags, PidfdGetfdFlags, getpid, pidfd_getfd, pidfd_open};

use super::*;

/// Whether the socket of this process bound to `local` has `TCP_NODELAY`.
fn nodelay_of(local: SocketAddr) -> bool {
    let me = pidfd_open(getpid(), PidfdFlags::empty()).expect("pidfd_open on this process");
    for entry in std::fs::read_dir("/proc/self/fd").expect("/proc/self/fd") {
        let entry = entry.expect("an entry of /proc/self/fd");
        let Some(fd) = entry.file_name().to_str().and_then(|n| n.parse::<i32>().ok()) else {
            continue;
        };
        let is_socket = std::fs::read_link(entry.path()).is_ok_and(|l| l.to_string_lossy().starts_with("socket:"));
        if !is_socket {
            continue;
        }
        let Ok(dup) = pidfd_getfd(&me, fd, PidfdGetfdFlags::empty()) else {
            continue;
        };
        let bound = rustix::net::getsockname(&dup)
            .ok()
            .and_then(|a| SocketAddr::try_from(a).ok());
        if bound == Some(local) {
            return rustix::net::sockopt::tcp_nodelay(&dup).expect("getsockopt TCP_NODELAY");
        }
    }
    panic!("no socket of this process is bound to {local}");
}

/// Let `make` connect to a listener, and say whether its socket has `TCP_NODELAY`.
async fn nodelay_of_link(make: impl FnOnce(u16) -> (Client, Connection)) -> bool {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("address").port();
    let (_client, mut conn) = make(port);
    let polling = tokio::spawn(async move {
        loop {
            conn.poll().await;
        }
    });
    let (_stream, peer) = listener.accept().await.expect("the link connects");
    let on = nodelay_of(peer);
    polling.abort();
    on
}

fn tls() -> rumqttc::Transport {
    let _ = rustls::crypto::ring::default_provider().install_default();
    // No root is needed: the socket is looked at before the handshake could fail.
    let config = rustls::ClientConfig::builder()
        .with_root_certificates(rustls::RootCertStore::empty())
        .with_no_client_auth();
    rumqttc::Transport::tls_with_config(rumqttc::TlsConfiguration::Rustls(Arc::new(config)))
}

fn v311(port: u16, tls_on: bool) -> (Client, Connection) {
    let mut o = MqttOptions::new("nodelay-test", "127.0.0.1", port);
    if tls_on {
        o.set_transport(tls());
    }
    Client::v311(o, 8, &DAEMON_HINTS)
}

fn v5(port: u16, tls_on: bool) -> (Client, Connection) {
    let mut o = v5::MqttOptions::new("nodelay-test", "127.0.0.1", port);
    if tls_on {
        o.set_transport(tls());
    }
    Client::v5(o, 8, &DAEMON_HINTS)
}

#[tokio::test]
async fn the_link_sends_without_nagle_under_both_versions_plain_and_tls() {
    assert!(nodelay_of_link(|p| v311(p, false)).await, "MQTT 3.1.1, plain");
    assert!(nodelay_of_link(|p| v311(p, true)).await, "MQTT 3.1.1, TLS");
    assert!(nodelay_of_link(|p| v5(p, false)).await, "MQTT 5, plain");
    assert!(nodelay_of_link(|p| v5(p, true)).await, "MQTT 5, TLS");
}

#[test]
fn a_socket_without_the_option_is_seen_as_such() {
    // The observation itself: a plain std socket, Nagle on, reads false (so `true` above is real).
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let stream = std::net::TcpStream::connect(listener.local_addr().expect("address")).expect("connect");
    let local = stream.local_addr().expect("address");
    assert!(!nodelay_of(local));
    stream.set_nodelay(true).expect("set TCP_NODELAY");
    assert!(nodelay_of(local));
}
