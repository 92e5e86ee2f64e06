//! The console's changes to the core, as typed commands: each says what it changes, and what
//! the core must do after it (plan the board again, or only announce a new status). The
//! console's questions are typed too ([`super::Question`]), and change nothing.

use jiff::Timestamp;
use tokio::sync::oneshot;

use pinghu_playlists::Diagnostic;

use crate::findings::Finding;

use super::{Core, Overrides, PictureError, PictureSaved, PlaylistHistory, SaveError};

/// What a playlist save answers: the version kept and the warnings, or why it was refused.
pub type Saved = Result<(PlaylistHistory, Vec<Diagnostic<Finding>>), SaveError>;

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
        reply: oneshot::Sender<Result<Overrides, String>>,
    },
    /// The playlist's brightness and power again.
    ClearOverride {
        who: String,
        reply: oneshot::Sender<Result<(), String>>,
    },
    /// A card operation, in the audit log only (the card's own state is not the core's).
    AuditCard {
        who: String,
        action: &'static str,
        detail: serde_json::Value,
        reply: oneshot::Sender<Result<(), String>>,
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
