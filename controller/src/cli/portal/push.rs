//! `pinghu portal push`: the office's signed, retained messages to every board.

use super::publish_retained;
use crate::daemon::envelope::KeyPair;

/// What `pinghu portal push` sends.
#[derive(Debug)]
pub struct PushRequest {
    pub broker: crate::cli::broker::Broker,
    pub topic_prefix: String,
    pub key: std::path::PathBuf,
    pub revision: u64,
    pub kind: crate::daemon::office::Kind,
    /// The calendar or playlist TOML, the keys JSON (`{"add": {...}, "retire": {...}}`), or a
    /// picture (PNG, JPEG, BMP), sent under its file name; with `remove`, the picture's name.
    pub file: std::path::PathBuf,
    /// Remove the picture named `file` from the boards.
    pub remove: bool,
    pub screen: Option<String>,
    pub group: Option<String>,
}

/// `pinghu portal push`: sign an office message (calendar, playlist, keys, picture) and publish
/// it, retained, where every board (or the screen or group) takes it.
pub fn push_command(r: PushRequest) -> anyhow::Result<std::process::ExitCode> {
    use crate::daemon::office::{Kind, Message};
    use base64::Engine as _;
    let bytes = if r.remove {
        Vec::new()
    } else {
        std::fs::read(&r.file).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", r.file.display()))?
    };
    let name = r.file.display().to_string();
    let text = match r.kind {
        Kind::Picture => String::new(),
        _ => String::from_utf8(bytes.clone()).map_err(|_| anyhow::anyhow!("{name} is not UTF-8 text"))?,
    };
    let mut message = Message {
        revision: r.revision,
        issued_at: jiff::Timestamp::now(),
        toml: None,
        add: std::collections::BTreeMap::new(),
        retire: std::collections::BTreeMap::new(),
        name: None,
        data: None,
        remove: false,
    };
    let to = |what: &str| match (&r.screen, &r.group) {
        (Some(s), _) => Ok(format!("{}/screens/{s}/{what}", r.topic_prefix)),
        (None, Some(g)) => Ok(format!("{}/groups/{g}/{what}", r.topic_prefix)),
        (None, None) => Err(anyhow::anyhow!(
            "a {} goes to --screen NAME or --group NAME",
            r.kind.name()
        )),
    };
    // The boards refuse what does not check: say so here, before it travels.
    let topic = match r.kind {
        Kind::Picture => {
            let file = r
                .file
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default()
                .to_owned();
            if let Some(p) = crate::daemon::core::picture_name_problem(&file) {
                anyhow::bail!("{p}: rename the file");
            }
            if r.remove {
                message.remove = true;
                let topic = to(&format!("pictures/{file}"))?;
                message.name = Some(file);
                return publish(&r, &message, &topic);
            }
            if bytes.len() > crate::daemon::core::MAX_PICTURE_BYTES {
                anyhow::bail!(
                    "{name} is {} MB: boards take pictures up to {} MB",
                    bytes.len() / 1_000_000,
                    crate::daemon::core::MAX_PICTURE_BYTES / 1_000_000
                );
            }
            pinghu_fonts::picture::decode(&bytes).map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
            message.data = Some(base64::engine::general_purpose::STANDARD.encode(&bytes));
            let topic = to(&format!("pictures/{file}"))?;
            message.name = Some(file);
            topic
        }
        Kind::Calendar => {
            pinghu_playlists::Calendar::builtin().extend_from_str(&text, &name)?;
            message.toml = Some(text);
            format!("{}/calendar", r.topic_prefix)
        }
        Kind::Playlist => {
            pinghu_playlists::parse(&text, &name)?;
            message.toml = Some(text);
            to("playlist")?
        }
        Kind::Keys => {
            #[derive(serde::Deserialize)]
            #[serde(deny_unknown_fields)]
            struct Keys {
                #[serde(default)]
                add: std::collections::BTreeMap<String, String>,
                #[serde(default)]
                retire: std::collections::BTreeMap<String, jiff::Timestamp>,
            }
            let k: Keys = serde_json::from_str(&text).map_err(|e| {
                anyhow::anyhow!(
                    "{name}: {e} (expected {{\"add\": {{\"portal-2027\": \"BASE64\"}}, \"retire\": {{\"portal-2026\": \"2027-01-31T00:00:00+08:00\"}}}})"
                )
            })?;
            let mut check = crate::daemon::envelope::Keyring::default();
            for (id, key) in &k.add {
                check.add(id, key).map_err(anyhow::Error::msg)?;
            }
            message.add = k.add;
            message.retire = k.retire;
            format!("{}/keys", r.topic_prefix)
        }
    };
    publish(&r, &message, &topic)
}

/// Sign `message` with the request's key and publish it, retained, on `topic`.
fn publish(
    r: &PushRequest,
    message: &crate::daemon::office::Message,
    topic: &str,
) -> anyhow::Result<std::process::ExitCode> {
    let key_text =
        std::fs::read_to_string(&r.key).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", r.key.display()))?;
    let kp: KeyPair = serde_json::from_str(&key_text)
        .map_err(|e| anyhow::anyhow!("{} is not a key file from `pinghu portal keygen`: {e}", r.key.display()))?;
    let env = crate::daemon::office::sign(r.kind, message, &kp.key_id, &kp.secret).map_err(anyhow::Error::msg)?;
    let rt = crate::cli::run::runtime()?;
    rt.block_on(publish_retained(&r.broker, topic, &env))
        .map_err(anyhow::Error::msg)?;
    println!(
        "pushed the {}{} revision {} to {topic} (retained; PUBACK received)",
        r.kind.name(),
        if message.remove { " removal" } else { "" },
        r.revision
    );
    Ok(std::process::ExitCode::SUCCESS)
}
