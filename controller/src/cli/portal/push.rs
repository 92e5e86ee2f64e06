//! `pinghu portal push`: the office's signed, retained messages to every board.

use super::{PushArgs, publish_retained};
use crate::daemon::envelope::KeyPair;
use crate::daemon::office::Kind;

/// What one push sends: the kind of office message and its file (or, to remove a picture, its
/// name).
struct What {
    kind: Kind,
    /// The calendar or playlist TOML, the keys JSON (`{"add": {...}, "retire": {...}}`), or a
    /// picture (PNG, JPEG, BMP), sent under its file name; with `remove`, the picture's name.
    file: std::path::PathBuf,
    /// Remove the picture named `file` from the boards.
    remove: bool,
}

impl PushArgs {
    /// Which kind of message the arguments name, from which file.
    fn what(&self) -> anyhow::Result<What> {
        let remove = self.remove_picture.is_some();
        let picture = self.picture.clone().or(self.remove_picture.clone().map(Into::into));
        let (kind, file) = match (&self.calendar, &self.playlist, &self.keys, picture) {
            (Some(f), ..) => (Kind::Calendar, f.clone()),
            (_, Some(f), ..) => (Kind::Playlist, f.clone()),
            (_, _, Some(f), _) => (Kind::Keys, f.clone()),
            (.., Some(f)) => (Kind::Picture, f),
            _ => anyhow::bail!(
                "give --calendar FILE, --playlist FILE, --keys FILE, --picture FILE or --remove-picture NAME"
            ),
        };
        Ok(What { kind, file, remove })
    }

    /// `pinghu portal push`: sign an office message (calendar, playlist, keys, picture) and
    /// publish it, retained, where every board (or the screen or group) takes it.
    pub fn run(self) -> anyhow::Result<std::process::ExitCode> {
        let what = self.what()?;
        let broker = self.broker.get()?;
        push(&self, &broker, &what)
    }
}

/// Sign the office message and publish it.
fn push(r: &PushArgs, broker: &crate::cli::broker::Broker, w: &What) -> anyhow::Result<std::process::ExitCode> {
    use crate::daemon::office::Message;
    use base64::Engine as _;
    let bytes = if w.remove {
        Vec::new()
    } else {
        std::fs::read(&w.file).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", w.file.display()))?
    };
    let name = w.file.display().to_string();
    let text = match w.kind {
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
            w.kind.name()
        )),
    };
    // The boards refuse what does not check: say so here, before it travels.
    let topic = match w.kind {
        Kind::Picture => {
            let file = w
                .file
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default()
                .to_owned();
            if let Some(p) = crate::daemon::core::picture_name_problem(&file) {
                anyhow::bail!("{p}: rename the file");
            }
            if w.remove {
                message.remove = true;
                let topic = to(&format!("pictures/{file}"))?;
                message.name = Some(file);
                return publish(r, broker, w.kind, &message, &topic);
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
                check.add(id, key)?;
            }
            message.add = k.add;
            message.retire = k.retire;
            format!("{}/keys", r.topic_prefix)
        }
    };
    publish(r, broker, w.kind, &message, &topic)
}

/// Sign `message` with the request's key and publish it, retained, on `topic`.
fn publish(
    r: &PushArgs,
    broker: &crate::cli::broker::Broker,
    kind: Kind,
    message: &crate::daemon::office::Message,
    topic: &str,
) -> anyhow::Result<std::process::ExitCode> {
    let key_text =
        std::fs::read_to_string(&r.key).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", r.key.display()))?;
    let kp: KeyPair = serde_json::from_str(&key_text)
        .map_err(|e| anyhow::anyhow!("{} is not a key file from `pinghu portal keygen`: {e}", r.key.display()))?;
    let env = crate::daemon::office::sign(kind, message, &kp.key_id, &kp.secret)?;
    let rt = crate::cli::run::runtime()?;
    rt.block_on(publish_retained(broker, topic, &env))?;
    println!(
        "pushed the {}{} revision {} to {topic} (retained; PUBACK received)",
        kind.name(),
        if message.remove { " removal" } else { "" },
        r.revision
    );
    Ok(std::process::ExitCode::SUCCESS)
}
