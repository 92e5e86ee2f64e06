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
    /// The calendar or playlist TOML, or the keys JSON (`{"add": {...}, "retire": {...}}`).
    pub file: std::path::PathBuf,
    pub screen: Option<String>,
    pub group: Option<String>,
}

/// `pinghu portal push`: sign an office message (calendar, playlist, keys) and publish it,
/// retained, where every board (or the screen or group) takes it.
pub fn push_command(r: PushRequest) -> anyhow::Result<std::process::ExitCode> {
    use crate::daemon::office::{Kind, Message};
    let text =
        std::fs::read_to_string(&r.file).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", r.file.display()))?;
    let name = r.file.display().to_string();
    let mut message = Message {
        revision: r.revision,
        issued_at: jiff::Timestamp::now(),
        toml: None,
        add: std::collections::BTreeMap::new(),
        retire: std::collections::BTreeMap::new(),
    };
    // The boards refuse what does not check: say so here, before it travels.
    let topic = match r.kind {
        Kind::Calendar => {
            pinghu_playlists::Calendar::builtin().extend_from_str(&text, &name)?;
            message.toml = Some(text);
            format!("{}/calendar", r.topic_prefix)
        }
        Kind::Playlist => {
            pinghu_playlists::parse(&text, &name)?;
            message.toml = Some(text);
            match (r.screen, r.group) {
                (Some(s), _) => format!("{}/screens/{s}/playlist", r.topic_prefix),
                (None, Some(g)) => format!("{}/groups/{g}/playlist", r.topic_prefix),
                (None, None) => anyhow::bail!("a playlist goes to --screen NAME or --group NAME"),
            }
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
    let key_text =
        std::fs::read_to_string(&r.key).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", r.key.display()))?;
    let kp: KeyPair = serde_json::from_str(&key_text)
        .map_err(|e| anyhow::anyhow!("{} is not a key file from `pinghu portal keygen`: {e}", r.key.display()))?;
    let env = crate::daemon::office::sign(r.kind, &message, &kp.key_id, &kp.secret).map_err(anyhow::Error::msg)?;
    let rt = crate::cli::run::runtime()?;
    rt.block_on(publish_retained(&r.broker, &topic, &env))
        .map_err(anyhow::Error::msg)?;
    println!(
        "pushed the {} revision {} to {topic} (retained; PUBACK received)",
        r.kind.name(),
        r.revision
    );
    Ok(std::process::ExitCode::SUCCESS)
}
