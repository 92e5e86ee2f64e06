//! The console's changes to the core, as typed commands: each says what it changes, and what
//! the core must do after it (plan the board again, or only announce a new status). The
//! console's questions are typed too ([`super::Question`]), and change nothing.

use jiff::Timestamp;
use serde_json::json;
use tokio::sync::oneshot;

use pinghu_playlists::Diagnostic;

use crate::findings::Finding;

use super::{Core, Overrides, PictureError, PictureSaved, PlaylistHistory, SaveError};

/// What a playlist save answers: the version kept and the warnings, or why it was refused.
pub type Saved = Result<(PlaylistHistory, Vec<Diagnostic<Finding>>), SaveError>;

/// Why a technician's change (an override of brightness or power, or a card operation) was not
/// done; the console shows it in either language.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CardChangeError {
    #[error("brightness is 0 to 15")]
    Brightness,
    #[error("minutes is 1 to 1440 (a day); the playlist's schedule takes over after")]
    Minutes,
    /// Every technician's change is audited first: unrecorded, it is not done.
    #[error("not done: the audit log cannot be written ({0})")]
    Audit(std::io::Error),
}

impl pinghu_playlists::Bilingual for CardChangeError {
    fn zh(&self) -> String {
        match self {
            CardChangeError::Brightness => "亮度为 0 到 15".into(),
            CardChangeError::Minutes => "分钟数为 1 到 1440（一天）；之后由节目单的时间表接管".into(),
            CardChangeError::Audit(e) => format!(
                "未执行：无法写入审计日志（{}）",
                pinghu_protocol::words::io_error_zh(e.kind())
            ),
        }
    }
}

/// A change the console asks of the core.
#[derive(Debug)]
#[non_exhaustive]
pub enum Change {
    /// A technician's brightness and power over the playlist's, for `minutes`.
    SetOverride {
        brightness: Option<u8>,
        power: Option<bool>,
        minutes: u32,
        who: String,
        reply: oneshot::Sender<Result<Overrides, CardChangeError>>,
    },
    /// The playlist's brightness and power again.
    ClearOverride {
        who: String,
        reply: oneshot::Sender<Result<(), CardChangeError>>,
    },
    /// A card operation, in the audit log only (the card's own state is not the core's).
    AuditCard {
        who: String,
        action: &'static str,
        detail: serde_json::Value,
        reply: oneshot::Sender<Result<(), CardChangeError>>,
    },
    /// A change to the console's users or tokens (`action`, `detail`: who and which role, never
    /// a secret), in the audit log before it is made.
    AuditUsers {
        who: String,
        action: &'static str,
        detail: serde_json::Value,
        reply: oneshot::Sender<std::io::Result<()>>,
    },
    /// A playlist saved (or an older version restored: `action`).
    SavePlaylist {
        text: String,
        who: String,
        action: &'static str,
        reply: oneshot::Sender<Saved>,
    },
    /// A picture uploaded beside the playlist.
    SavePicture {
        name: String,
        bytes: Vec<u8>,
        who: String,
        reply: oneshot::Sender<Result<PictureSaved, PictureError>>,
    },
    /// A picture no playlist item shows, removed.
    DeletePicture {
        name: String,
        who: String,
        reply: oneshot::Sender<Result<(), PictureError>>,
    },
    /// Someone signed in to the console (`locked`: a name was locked out at an address by its
    /// failures), for the audit log.
    SignIn {
        who: String,
        address: std::net::IpAddr,
        locked: bool,
    },
    /// The console could not start (`Some`, why), or started after all (`None`): the status only.
    ConsoleError(Option<String>),
    /// A play report the publisher could not hand to the broker: first in line again.
    ReturnReport(String),
}

/// What a change touched, so the core does no more than it needs after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Touched {
    /// What the board shows may differ: plan again (and the status changed).
    Board,
    /// Only the status changed.
    Status,
    /// Nothing anyone is told about (the audit log, the report queue).
    Nothing,
}

impl Core {
    /// Apply a console's change; the reply goes back on its channel.
    pub fn apply(&mut self, change: Change, now: Timestamp) -> Touched {
        match change {
            Change::SetOverride {
                brightness,
                power,
                minutes,
                who,
                reply,
            } => {
                let _ = reply.send(self.set_override(brightness, power, minutes, &who, now));
                Touched::Board
            }
            Change::ClearOverride { who, reply } => {
                let _ = reply.send(self.clear_override(&who, now));
                Touched::Board
            }
            Change::AuditCard {
                who,
                action,
                detail,
                reply,
            } => {
                let _ = reply.send(self.audit_card(&who, action, detail, now));
                Touched::Nothing
            }
            Change::AuditUsers {
                who,
                action,
                detail,
                reply,
            } => {
                let _ = reply.send(self.audit.append(now, &who, action, detail).map(|_| ()));
                Touched::Nothing
            }
            Change::SavePlaylist {
                text,
                who,
                action,
                reply,
            } => {
                let _ = reply.send(self.save_playlist(&text, &who, action, now));
                Touched::Board
            }
            Change::SavePicture {
                name,
                bytes,
                who,
                reply,
            } => {
                let _ = reply.send(self.save_picture(&name, &bytes, &who, now));
                Touched::Board
            }
            Change::DeletePicture { name, who, reply } => {
                let _ = reply.send(self.delete_picture(&name, &who, now));
                Touched::Board
            }
            Change::SignIn { who, address, locked } => {
                let action = if locked {
                    "console.sign_in.locked"
                } else {
                    "console.sign_in"
                };
                let detail = serde_json::json!({"address": address.to_string()});
                if let Err(e) = self.audit.append(now, &who, action, detail) {
                    tracing::error!("cannot write {action} of {who} to the audit log: {e}");
                }
                Touched::Nothing
            }
            Change::ConsoleError(e) => {
                self.set_console_error(e);
                Touched::Status
            }
            Change::ReturnReport(body) => {
                self.return_report(body);
                Touched::Nothing
            }
        }
    }
}

/// A technician's overrides and card operations, each recorded in the audit log before it is done.
impl Core {
    /// Set a technician's brightness (0-15) and/or power for `minutes`, recorded in the audit log.
    pub fn set_override(
        &mut self,
        brightness: Option<u8>,
        power: Option<bool>,
        minutes: u32,
        who: &str,
        now: Timestamp,
    ) -> Result<Overrides, CardChangeError> {
        if brightness.is_some_and(|b| b > 15) {
            return Err(CardChangeError::Brightness);
        }
        if !(1..=24 * 60).contains(&minutes) {
            return Err(CardChangeError::Minutes);
        }
        let until = now + jiff::SignedDuration::from_mins(i64::from(minutes));
        let mut next = self.planner.overrides.clone();
        if let Some(b) = brightness {
            next.brightness = Some((b, until));
        }
        if let Some(p) = power {
            next.power = Some((p, until));
        }
        self.audit
            .append(
                now,
                who,
                "card.override",
                json!({"brightness": brightness, "power": power, "until": until.to_string()}),
            )
            .map_err(CardChangeError::Audit)?;
        self.planner.overrides = next.clone();
        Ok(next)
    }

    /// Give brightness and power back to the playlist.
    pub fn clear_override(&mut self, who: &str, now: Timestamp) -> Result<(), CardChangeError> {
        self.audit
            .append(now, who, "card.override.clear", json!(null))
            .map_err(CardChangeError::Audit)?;
        self.planner.overrides = Overrides::default();
        Ok(())
    }

    /// Record a technician's card operation (ping, test pattern) in the audit log.
    pub fn audit_card(
        &self,
        who: &str,
        action: &str,
        detail: serde_json::Value,
        now: Timestamp,
    ) -> Result<(), CardChangeError> {
        self.audit
            .append(now, who, action, detail)
            .map(|_| ())
            .map_err(CardChangeError::Audit)
    }
}

#[cfg(test)]
mod tests {
    use pinghu_playlists::Bilingual as _;

    use super::CardChangeError;

    #[test]
    fn a_refused_card_change_says_why_in_both_languages() {
        let cases = [
            (CardChangeError::Brightness, "brightness is 0 to 15", "亮度为 0 到 15"),
            (
                CardChangeError::Minutes,
                "minutes is 1 to 1440 (a day); the playlist's schedule takes over after",
                "分钟数为 1 到 1440（一天）；之后由节目单的时间表接管",
            ),
            (
                CardChangeError::Audit(std::io::Error::from(std::io::ErrorKind::PermissionDenied)),
                "not done: the audit log cannot be written (permission denied)",
                "未执行：无法写入审计日志（没有访问权限）",
            ),
        ];
        for (e, en, zh) in cases {
            assert_eq!(e.to_string(), en);
            assert_eq!(e.zh(), zh);
        }
    }
}
