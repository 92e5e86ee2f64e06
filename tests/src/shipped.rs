//! The shipped broker configuration (`controller/examples/broker/`), run as it is but for where
//! it listens and keeps its files: each change is checked to have happened, so an edited example
//! breaks the tests that run it instead of being left untested.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The example folder.
pub fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../controller/examples/broker")
}

fn replace(text: &str, from: &str, to: &str, file: &str) -> String {
    assert!(
        text.contains(from),
        "{file} no longer has \"{from}\": update tests/src/shipped.rs with it"
    );
    text.replace(from, to)
}

/// `mosquitto.conf` with its boards' listener on `port`, its office's on `office`, the files of
/// make-acl.sh in `acl` and its database and log in `dir`.
pub fn broker_conf(port: u16, office: u16, acl: &Path, dir: &Path) -> String {
    let file = "mosquitto.conf";
    let text = std::fs::read_to_string(examples().join(file)).expect("the shipped mosquitto.conf");
    let text = replace(&text, "listener 8883\n", &format!("listener {port} 127.0.0.1\n"), file);
    let text = replace(
        &text,
        "listener 8884\n",
        &format!("listener {office} 127.0.0.1\n"),
        file,
    );
    let text = replace(&text, "/etc/mosquitto/pinghu/", &format!("{}/", acl.display()), file);
    let mut text = replace(
        &text,
        "persistence_location /var/lib/mosquitto/",
        &format!("persistence_location {}/", dir.display()),
        file,
    );
    // Started as root in CI: keep root, so the persistence folder stays writable; and a log for
    // a failing test to show.
    text.push_str(&format!(
        "\nuser root\nlog_dest file {}/mosquitto.log\nlog_type error\nlog_type warning\nlog_type notice\n\
         log_type information\n",
        dir.display()
    ));
    text
}

/// `bridge.conf` to the township's office listener on `office`, with the bridge's password.
pub fn bridge_conf(office: u16, password: &str) -> String {
    let file = "bridge.conf";
    let text = std::fs::read_to_string(examples().join(file)).expect("the shipped bridge.conf");
    let text = replace(
        &text,
        "address township.example:8884",
        &format!("address 127.0.0.1:{office}"),
        file,
    );
    format!(
        "\n{}",
        replace(
            &text,
            "remote_password CHANGE-ME",
            &format!("remote_password {password}"),
            file
        )
    )
}

/// What make-acl.sh made: the ACL, the password files, and every password.
#[derive(Debug, Clone)]
pub struct Logins {
    pub dir: PathBuf,
    passwords: Vec<(String, String)>,
}

impl Logins {
    /// Run make-acl.sh for `screens`, all in `group`, into `dir`.
    pub fn make(screens: &[String], group: &str, dir: &Path) -> Logins {
        let list = dir.with_extension("boards.txt");
        let lines: String = screens.iter().map(|s| format!("{s} {group}\n")).collect();
        std::fs::write(&list, lines).expect("the list of boards");
        let out = Command::new("bash")
            .arg(examples().join("make-acl.sh"))
            .arg(&list)
            .arg(dir)
            .output()
            .expect("run make-acl.sh");
        assert!(
            out.status.success(),
            "make-acl.sh: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = std::fs::read_to_string(dir.join("passwords.txt")).expect("passwords.txt");
        let passwords = text
            .lines()
            .filter_map(|l| l.split_once(' '))
            .map(|(u, p)| (u.to_owned(), p.to_owned()))
            .collect();
        Logins {
            dir: dir.to_path_buf(),
            passwords,
        }
    }

    /// The password of `user`.
    pub fn password(&self, user: &str) -> String {
        let found = self.passwords.iter().find(|(u, _)| u == user);
        found.map_or_else(|| panic!("make-acl.sh made no password for {user}"), |(_, p)| p.clone())
    }
}
