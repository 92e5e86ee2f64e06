//! MQTT over TLS with a client certificate and a username/password: mosquitto with a TLS
//! listener (certificates made by openssl for the test), the daemon connecting with `mqtts://`.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use pinghu_tests::{Collector, Daemon, Sim, free_port, pinghu};

fn sh(dir: &Path, cmd: &str) {
    let out = Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .current_dir(dir)
        .output()
        .expect("sh");
    assert!(out.status.success(), "{cmd}: {}", String::from_utf8_lossy(&out.stderr));
}

fn certificates(dir: &Path) {
    sh(
        dir,
        "openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 -subj /CN=pinghu-test-ca 2>/dev/null",
    );
    for (name, cn) in [("server", "127.0.0.1"), ("client", "pinghu")] {
        sh(
            dir,
            &format!(
                "openssl req -newkey rsa:2048 -nodes -keyout {name}.key -out {name}.csr -subj /CN={cn} 2>/dev/null"
            ),
        );
        std::fs::write(
            dir.join(format!("{name}.ext")),
            "subjectAltName=IP:127.0.0.1,DNS:localhost\n",
        )
        .unwrap();
        sh(
            dir,
            &format!(
                "openssl x509 -req -in {name}.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out {name}.pem -days 2 -extfile {name}.ext 2>/dev/null"
            ),
        );
    }
}

#[test]
fn mqtts_with_client_certificate_and_password_over_both_mqtt_versions() {
    let Ok(mosq) = ["/usr/sbin/mosquitto", "/usr/bin/mosquitto"]
        .into_iter()
        .find(|p| Path::new(p).exists())
        .ok_or(())
    else {
        panic!("mosquitto is not installed (apt-get install mosquitto)");
    };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    certificates(d);
    std::fs::write(d.join("secret.txt"), "s3cret-Pa55\n").unwrap();
    let passwd = d.join("passwd");
    std::fs::write(&passwd, "").unwrap();
    sh(d, "mosquitto_passwd -b passwd pinghu s3cret-Pa55");
    let (tls_port, plain_port) = (free_port(), free_port());
    let conf = format!(
        "per_listener_settings true\nuser root\n\
         listener {tls_port} 127.0.0.1\ncafile {0}/ca.pem\ncertfile {0}/server.pem\nkeyfile {0}/server.key\nrequire_certificate true\n\
         allow_anonymous false\npassword_file {0}/passwd\n\
         listener {plain_port} 127.0.0.1\nallow_anonymous true\n",
        d.display()
    );
    std::fs::write(d.join("mosquitto.conf"), conf).unwrap();
    let mut broker = Command::new(mosq)
        .arg("-c")
        .arg(d.join("mosquitto.conf"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", plain_port)).is_err() {
        assert!(Instant::now() < deadline, "mosquitto did not start");
        std::thread::sleep(Duration::from_millis(30));
    }

    let sim = Sim::start(&[
        "--protocol",
        "bx-6e",
        "--width",
        "64",
        "--height",
        "16",
        "--colors",
        "mono",
    ]);
    let key = d.join("portal.json");
    assert_eq!(pinghu(&["portal", "keygen", "--out", key.to_str().unwrap()]).0, 0);
    let public = serde_json::from_str::<serde_json::Value>(&std::fs::read_to_string(&key).unwrap()).unwrap()["public"]
        .as_str()
        .unwrap()
        .to_owned();
    std::fs::write(d.join("playlist.toml"), "[[item]]\nid = \"w\"\ntext = \"安全\"\n").unwrap();
    std::fs::write(
        d.join("pinghu.toml"),
        format!(
            "data_dir = \"data\"\nplaylist = \"playlist.toml\"\n[screen]\nid = \"tls-board\"\nwidth = 64\nheight = 16\n\
             [device]\nurl = \"{}\"\nprotocol = \"bx-6e\"\n\
             [mqtt]\nurl = \"mqtts://127.0.0.1:{tls_port}\"\nclient_id = \"pinghu-tls\"\nusername = \"pinghu\"\npassword_file = \"secret.txt\"\n\
             ca_file = \"ca.pem\"\nclient_cert = \"client.pem\"\nclient_key = \"client.key\"\n[portal_keys]\nportal-2026 = \"{public}\"\n",
            sim.tcp_url()
        ),
    )
    .unwrap();
    let seen = Collector::start(plain_port, "pinghu/v1/screens/tls-board/#");
    let daemon = Daemon::start(&d.join("pinghu.toml"));
    seen.wait("the daemon online over TLS", 20, |m| m["mqtt"] == "connected");
    let now = jiff::Timestamp::now();
    let publish = |id: &str, body: &str| {
        let payload = d.join(format!("{id}.json"));
        std::fs::write(
            &payload,
            serde_json::json!({"id": id, "revision": 1, "action": "publish", "priority": "urgent", "body": body,
                                "issued_at": now.to_string(), "valid_until": (now + jiff::SignedDuration::from_mins(5)).to_string()})
            .to_string(),
        )
        .unwrap();
        let (code, _, err) = pinghu(&[
            "portal",
            "publish",
            "--broker",
            &format!("mqtt://127.0.0.1:{plain_port}"),
            "--screen",
            "tls-board",
            "--payload",
            payload.to_str().unwrap(),
            "--key",
            key.to_str().unwrap(),
        ]);
        assert_eq!(code, 0, "{err}");
    };
    publish("tls-1", "加密通道");
    seen.wait("displayed", 15, |m| m["id"] == "tls-1" && m["event"] == "displayed");
    assert!(
        !daemon.log_text().contains("s3cret-Pa55"),
        "the password leaked into the log"
    );
    // The same over MQTT 5: the same TLS transport, the same login.
    drop(daemon);
    let config = std::fs::read_to_string(d.join("pinghu.toml")).unwrap();
    std::fs::write(
        d.join("pinghu.toml"),
        config.replace(
            "client_id = \"pinghu-tls\"\n",
            "client_id = \"pinghu-tls\"\nversion = \"5\"\n",
        ),
    )
    .unwrap();
    let daemon = Daemon::start(&d.join("pinghu.toml"));
    seen.wait("the daemon online over TLS and MQTT 5", 20, |m| {
        m["mqtt"] == "connected" && m["broker"]["protocol"] == "5"
    });
    // The portal's tool over the same TLS listener, with its certificate and login, over MQTT 5,
    // collecting the board's receipts through it.
    let payload = d.join("tls-2.json");
    std::fs::write(
        &payload,
        serde_json::json!({"id": "tls-2", "revision": 1, "action": "publish", "priority": "urgent", "body": "加密通道五",
                            "issued_at": now.to_string(), "valid_until": (now + jiff::SignedDuration::from_mins(5)).to_string()})
        .to_string(),
    )
    .unwrap();
    let file = |n: &str| d.join(n).to_str().unwrap().to_owned();
    let tls_url = format!("mqtts://127.0.0.1:{tls_port}");
    // `pinghu portal publish` of tls-2 over TLS, with `login` (the CA, certificate and user).
    let publish_tls = |login: &[String]| {
        let mut args = vec![
            "portal".to_owned(),
            "publish".to_owned(),
            "--broker".to_owned(),
            tls_url.clone(),
            "--screen".to_owned(),
            "tls-board".to_owned(),
            "--payload".to_owned(),
            file("tls-2.json"),
            "--key".to_owned(),
            key.to_str().unwrap().to_owned(),
        ];
        args.extend_from_slice(login);
        pinghu(&args.iter().map(String::as_str).collect::<Vec<_>>())
    };
    let (ca, cert, client_key) = (file("ca.pem"), file("client.pem"), file("client.key"));
    let login = |password: &str| -> Vec<String> {
        [
            "--ca-file",
            &ca,
            "--client-cert",
            &cert,
            "--client-key",
            &client_key,
            "--username",
            "pinghu",
            "--password-file",
            password,
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect()
    };
    // A wrong password is named as such.
    std::fs::write(d.join("wrong.txt"), "not-it\n").unwrap();
    let (code, _, err) = publish_tls(&login(&file("wrong.txt")));
    assert_eq!(code, 1);
    assert!(
        err.contains("the broker refused the login: check --username and --password-file"),
        "{err}"
    );
    // mqtts:// without the CA is refused before connecting, saying what to give.
    let (code, _, err) = publish_tls(&[]);
    assert_eq!(code, 1);
    assert!(err.contains("give --ca-file"), "{err}");
    let mut ok = login(&file("secret.txt"));
    ok.extend(["--mqtt5", "--wait", "5"].map(str::to_owned));
    let (code, out, err) = publish_tls(&ok);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("published announcement tls-2 r1 over MQTT 5"), "{out}");
    assert!(
        out.lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .any(|r| r["id"] == "tls-2" && r["event"] == "accepted"),
        "{out}"
    );
    seen.wait("displayed over MQTT 5", 15, |m| {
        m["id"] == "tls-2" && m["event"] == "displayed"
    });
    assert!(!daemon.log_text().contains("s3cret-Pa55"));
    let _ = broker.kill();
    let _ = broker.wait();
}
