//! Users managed in the browser by an admin: a typed change, applied to the users file on disk
//! (the one truth, which `pinghu console adduser` also writes) and then to the users in memory,
//! so a disabled or removed user, or one given a new password, loses their sessions at once.

use serde::{Deserialize, Serialize};

use super::Auth;
use super::users::{AuthError, Role, Users};

/// A change an admin makes to the console's users.
#[derive(Clone, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum UserChange {
    /// A new user with a role and a first password.
    Add {
        name: String,
        role: Role,
        password: String,
    },
    /// Another role.
    Role {
        name: String,
        role: Role,
    },
    /// A new password (their browser sessions end; API tokens stay).
    Password {
        name: String,
        password: String,
    },
    /// No sign-in, no token, sessions ended; kept, to be enabled again.
    Disable {
        name: String,
    },
    Enable {
        name: String,
    },
    /// Removed, with their tokens and sessions.
    Remove {
        name: String,
    },
    /// A new API token, shown once.
    NewToken {
        name: String,
    },
    /// Every API token of the user forgotten.
    RevokeTokens {
        name: String,
    },
}

/// What a change is and whom it is about; never the password.
impl std::fmt::Debug for UserChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.action(), self.name())
    }
}

impl UserChange {
    /// The user it is about.
    pub fn name(&self) -> &str {
        match self {
            UserChange::Add { name, .. }
            | UserChange::Role { name, .. }
            | UserChange::Password { name, .. }
            | UserChange::Disable { name }
            | UserChange::Enable { name }
            | UserChange::Remove { name }
            | UserChange::NewToken { name }
            | UserChange::RevokeTokens { name } => name,
        }
    }

    /// Its name in the audit log.
    pub fn action(&self) -> &'static str {
        match self {
            UserChange::Add { .. } => "console.user.add",
            UserChange::Role { .. } => "console.user.role",
            UserChange::Password { .. } => "console.user.password",
            UserChange::Disable { .. } => "console.user.disable",
            UserChange::Enable { .. } => "console.user.enable",
            UserChange::Remove { .. } => "console.user.remove",
            UserChange::NewToken { .. } => "console.token.new",
            UserChange::RevokeTokens { .. } => "console.token.revoke",
        }
    }

    /// What the audit log keeps of it (never a password or a token).
    pub fn detail(&self) -> serde_json::Value {
        match self {
            UserChange::Add { name, role, .. } | UserChange::Role { name, role } => {
                serde_json::json!({"user": name, "role": role.name()})
            }
            other => serde_json::json!({"user": other.name()}),
        }
    }
}

/// What a change answers: done, or the new token (shown once).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "done", rename_all = "snake_case")]
pub enum UserChanged {
    Done,
    Token { token: String },
}

/// A user as the users page lists them (no hashes).
#[derive(Debug, Clone, Serialize)]
pub struct UserRow {
    pub name: String,
    pub role: Role,
    pub disabled: bool,
    pub tokens: usize,
}

impl Auth {
    /// The users, for the users page.
    pub fn user_list(&self) -> Vec<UserRow> {
        self.users()
            .users
            .iter()
            .map(|u| UserRow {
                name: u.name.clone(),
                role: u.role,
                disabled: u.disabled,
                tokens: u.tokens.len(),
            })
            .collect()
    }

    /// Apply an admin's change (`by`: who makes it) to the users file, then to the users in
    /// memory. Blocking (a password hash, a file write): call it off the async workers. Nothing
    /// changes when it fails.
    pub fn change_users(&self, by: &str, change: &UserChange) -> Result<UserChanged, AuthError> {
        let mut users = Users::load(&self.users_file)?;
        let name = change.name();
        if !pinghu_daemon::config::valid_name(name) {
            return Err(AuthError::BadName(name.to_owned()));
        }
        let mine = name == by;
        let answer = match change {
            UserChange::Add { role, password, .. } => {
                if users.users.iter().any(|u| u.name == *name) {
                    // Adding a name that exists would silently reset it: say so instead.
                    return Err(AuthError::Exists(name.to_owned()));
                }
                users.set_user(name, *role, password)?;
                UserChanged::Done
            }
            UserChange::Role { role, .. } => {
                if mine && *role != Role::Admin {
                    return Err(AuthError::Yourself("demote"));
                }
                users.set_role(name, *role)?;
                UserChanged::Done
            }
            UserChange::Password { password, .. } => {
                users.set_password(name, password)?;
                UserChanged::Done
            }
            UserChange::Disable { .. } => {
                if mine {
                    return Err(AuthError::Yourself("disable"));
                }
                users.set_disabled(name, true)?;
                UserChanged::Done
            }
            UserChange::Enable { .. } => {
                users.set_disabled(name, false)?;
                UserChanged::Done
            }
            UserChange::Remove { .. } => {
                if mine {
                    return Err(AuthError::Yourself("remove"));
                }
                users.remove_user(name)?;
                users.keeps_an_admin(name)?;
                UserChanged::Done
            }
            UserChange::NewToken { .. } => UserChanged::Token {
                token: users.new_token(name)?,
            },
            UserChange::RevokeTokens { .. } => {
                // Your own tokens may be how you are signed in: revoked, you are locked out.
                if mine {
                    return Err(AuthError::Yourself("revoke the tokens of"));
                }
                users.revoke_tokens(name)?;
                UserChanged::Done
            }
        };
        users.save(&self.users_file)?;
        let mtime = std::fs::metadata(&self.users_file).and_then(|m| m.modified()).ok();
        *self.users() = users;
        *self
            .users_mtime
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = mtime;
        Ok(answer)
    }
}
