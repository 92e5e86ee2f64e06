//! `pinghu portal keygen | sign | publish | cap | push`: the portal's side, for testing and for
//! the portal's developers (any language can do the same: Ed25519, or SM2 with SM3, over the
//! exact payload bytes, base64). The wire is in `mqtt.rs`, the office's retained messages in
//! `push.rs`, delivery confirmation in [`crate::cli::confirm`].

mod args;
pub(crate) mod link;
mod mqtt;
mod push;

use std::path::Path;
use std::time::Duration;

use crate::daemon::envelope::{Envelope, sign};

pub use args::{AlertFormat, Algorithm, CapArgs, PortalCommand, PublishArgs, PushArgs, SendArgs};
pub use link::expiry_interval;
pub use mqtt::{Published, publish, publish_retained};

/// Where to publish.
#[derive(Debug, Clone)]
pub enum Target {
    Screen(String),
    Group(String),
}

/// The topic leaf of an envelope: warnings go to `alerts`, announcements to `announcements`.
pub(crate) fn kind_of(envelope: &Envelope) -> &'static str {
    if envelope.content_type.is_some() {
        "alerts"
    } else {
        "announcements"
    }
}

/// Where an envelope goes: warnings to …/alerts, announcements to …/announcements.
pub(crate) fn topic_for(prefix: &str, target: &Target, envelope: &Envelope) -> String {
    let kind = kind_of(envelope);
    match target {
        Target::Screen(s) => format!("{prefix}/screens/{s}/{kind}"),
        Target::Group(g) => format!("{prefix}/groups/{g}/{kind}"),
    }
}

/// Tells this message's receipts from others: those naming the announcement's id (or the
/// warning's identifier), and the refusals and `held` receipts whose `envelope_sha256` is the hash
/// of exactly the bytes sent (a refusal of another message with the same id is not this one's).
#[derive(Debug, Clone)]
pub(crate) struct Matcher {
    envelope_sha256: String,
    payload_id: Option<String>,
    identifier: Option<String>,
}

impl Matcher {
    pub(crate) fn of(envelope: &Envelope, body: &[u8]) -> Self {
        use base64::Engine as _;
        let p = base64::engine::general_purpose::STANDARD
            .decode(&envelope.payload)
            .unwrap_or_default();
        let (payload_id, identifier) = match envelope
            .content_type
            .as_deref()
            .and_then(crate::alerts::Format::from_content_type)
        {
            Some(f) => (None, crate::alerts::read(&p, f).ok().map(|a| a.identifier)),
            None => (crate::daemon::envelope::peek_id(&p).0, None),
        };
        Self {
            envelope_sha256: crate::daemon::ingest::sha256_hex(body),
            payload_id,
            identifier,
        }
    }

    pub(crate) fn is_ours(&self, v: &serde_json::Value) -> bool {
        match v["envelope_sha256"].as_str() {
            Some(h) => h == self.envelope_sha256,
            None if self.identifier.is_some() => v["identifier"].as_str() == self.identifier.as_deref(),
            None => v["id"].is_string() && v["id"].as_str() == self.payload_id.as_deref(),
        }
    }
}

pub use crate::daemon::envelope::DEMO_KEY_ID;

pub use crate::daemon::envelope::KeyPair;

/// Sign a payload with a key file written by `keygen`.
pub fn sign_with_file(payload: &[u8], key_file: &std::path::Path) -> anyhow::Result<Envelope> {
    serde_json::from_slice::<serde_json::Value>(payload)
        .map_err(|e| anyhow::anyhow!("the payload is not JSON: {e}"))?;
    sign_bytes_with_file(payload, key_file)
}

/// Sign any bytes (a warning's XML) with a key file written by `keygen`.
pub fn sign_bytes_with_file(payload: &[u8], key_file: &std::path::Path) -> anyhow::Result<Envelope> {
    let text =
        std::fs::read_to_string(key_file).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", key_file.display()))?;
    let kp: KeyPair = serde_json::from_str(&text).map_err(|e| {
        anyhow::anyhow!(
            "{} is not a key file from `pinghu portal keygen`: {e}",
            key_file.display()
        )
    })?;
    Ok(sign(payload, &kp.key_id, &kp.secret)?)
}

/// `pinghu portal keygen`: a new key pair; the secret to `out` (never overwritten), the public
/// half printed as the daemon's configuration line.
pub fn keygen_command(key_id: &str, out: &Path, sm2: bool) -> anyhow::Result<std::process::ExitCode> {
    let public = KeyPair::create(out, key_id, sm2)?.public;
    println!("secret key written to {} (keep it on the portal)", out.display());
    println!("add to the daemon's configuration:\n[portal_keys]\n{key_id} = \"{public}\"");
    Ok(std::process::ExitCode::SUCCESS)
}

/// `pinghu portal sign`: print the envelope of a payload file (or `-`).
pub fn sign_command(key: &Path, payload: &str) -> anyhow::Result<std::process::ExitCode> {
    let bytes = crate::cli::read_file_or_stdin(payload)?;
    let env = sign_with_file(&bytes, key)?;
    println!("{}", serde_json::to_string(&env)?);
    Ok(std::process::ExitCode::SUCCESS)
}

/// Where to publish (`--screen` or `--group`), and how long to wait for the screen's receipts.
fn target_and_wait(
    screen: Option<String>,
    group: Option<String>,
    wait: Option<u64>,
) -> anyhow::Result<(Target, Option<(String, Duration)>)> {
    let wait = match (wait, &screen) {
        (Some(secs), Some(s)) => Some((s.clone(), Duration::from_secs(secs))),
        (Some(_), None) => anyhow::bail!("--wait needs --screen (receipts come per screen)"),
        _ => None,
    };
    let target = match (screen, group) {
        (Some(s), _) => Target::Screen(s),
        (None, Some(g)) => Target::Group(g),
        (None, None) => anyhow::bail!("give --screen NAME or --group NAME"),
    };
    Ok((target, wait))
}

/// Where a message goes, over which protocol, and what the tool waits for.
#[derive(Debug, Clone)]
pub struct Sending {
    pub broker: crate::cli::broker::Broker,
    pub topic_prefix: String,
    pub screen: Option<String>,
    pub group: Option<String>,
    /// Publish over MQTT 5 (an announcement's message expiry from `valid_until`, the content
    /// type and `key_id` as properties).
    pub mqtt5: bool,
    /// Seconds to collect receipts for (needs `screen`).
    pub wait: Option<u64>,
    /// Confirm delivery: the time each board has to answer, and how many times to send again.
    pub confirm: Option<(Duration, u32)>,
}

impl Sending {
    /// Publish `env` as asked; `what` names it in the first line printed. Exit 1 when a delivery
    /// confirmation finds a board without it.
    fn send(self, env: &Envelope, what: &str) -> anyhow::Result<std::process::ExitCode> {
        let (target, wait) = target_and_wait(self.screen, self.group, self.wait)?;
        let rt = crate::cli::run::runtime()?;
        if let Some((each, resends)) = self.confirm {
            println!("publishing {what}");
            let rows = rt.block_on(crate::cli::confirm::publish_confirmed(
                &self.broker,
                &self.topic_prefix,
                &target,
                env,
                self.mqtt5,
                each,
                resends,
            ))?;
            print!("{}", crate::cli::confirm::table(&rows));
            return Ok(crate::cli::exit_code(!crate::cli::confirm::all_confirmed(&rows)));
        }
        let sent = rt.block_on(publish(
            &self.broker,
            &self.topic_prefix,
            &target,
            env,
            self.mqtt5,
            wait,
        ))?;
        let over = match (self.mqtt5, sent.expiry_s) {
            (true, Some(s)) => format!(" over MQTT 5, expiring in the brokers' queues in {s} s"),
            (true, None) => " over MQTT 5".into(),
            (false, _) => String::new(),
        };
        println!("published {what}{over} (PUBACK received)");
        for r in sent.receipts {
            println!("{r}");
        }
        Ok(std::process::ExitCode::SUCCESS)
    }
}

impl PublishArgs {
    /// `pinghu portal publish`: publish QoS 1, print the PUBACK and the receipts waited for.
    pub fn run(self) -> anyhow::Result<std::process::ExitCode> {
        use anyhow::{Context as _, bail};
        let send = self.send.get()?;
        let env: Envelope = match (self.envelope, self.payload, self.key) {
            (Some(f), _, _) => {
                let text =
                    String::from_utf8(crate::cli::read_file_or_stdin(&f)?).context("the envelope is not UTF-8")?;
                serde_json::from_str(&text).context("not an envelope (key_id, payload, signature)")?
            }
            (None, Some(p), Some(k)) => sign_with_file(&crate::cli::read_file_or_stdin(&p)?, &k)?,
            _ => bail!("give --envelope FILE, or --payload FILE with --key FILE"),
        };
        let payload = {
            use base64::Engine as _;
            base64::engine::general_purpose::STANDARD
                .decode(&env.payload)
                .unwrap_or_default()
        };
        let v: serde_json::Value = serde_json::from_slice(&payload).unwrap_or_default();
        let kind = if v["action"] == "revoke" {
            "revocation of"
        } else {
            "announcement"
        };
        let what = match (v["id"].as_str(), v["revision"].as_u64()) {
            (Some(id), Some(rev)) => format!("{kind} {id} r{rev}"),
            (Some(id), None) => format!("{kind} {id}"),
            _ => "the envelope".to_owned(),
        };
        send.send(&env, &what)
    }
}

impl CapArgs {
    /// `pinghu portal cap`: check a warning document, sign its exact bytes and publish it on the
    /// screen's or group's alerts topic.
    pub fn run(self) -> anyhow::Result<std::process::ExitCode> {
        let send = self.send.get()?;
        let format = self.format.format();
        let bytes = crate::cli::read_file_or_stdin(&self.file)?;
        // The board refuses what does not read: say so here, before it travels.
        let alert = crate::alerts::read(&bytes, format).map_err(|e| anyhow::anyhow!("{}: {e}", self.file))?;
        let mut env = sign_bytes_with_file(&bytes, &self.key)?;
        env.content_type = Some(
            match format {
                crate::alerts::Format::Cap => "application/cap+xml",
                crate::alerts::Format::Gbt35965 => "application/gbt35965+xml",
            }
            .into(),
        );
        let what = format!("{} {} from {}", alert.msg_type.word(), alert.identifier, alert.sender);
        send.send(&env, &what)
    }
}
