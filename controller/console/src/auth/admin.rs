//! Users managed in the browser by an admin: a typed change, applied to the users file on disk
//! (the one truth, which `pinghu console adduser` also writes) and then to the users in memory,
//! so a disabled or removed user, or one given a new password, loses their sessions at once.

use serde::{Deserialize, Serialize};

use std::net::IpAddr;
use std::time::Instant;

use super::users::{AuthError, Role, UserTotp};
use super::{Auth, ENROL_LIFE, NewSecret, totp};

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
#[derive(Debug, Clone, PartialEq, Eq)]
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
    /// Signs in with a code after the password.
    pub totp: bool,
}

/// A change to two-step sign-in (TOTP), by an admin: their own set-up (a new secret, then its
/// first code), turning their own off (with a current code), or another user's reset.
#[derive(Clone, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum TotpChange {
    /// A new secret for yourself, shown as a QR code; nothing changes until it is confirmed.
    Begin,
    /// The first code of the new secret: from now on you sign in with a code.
    Confirm { code: String },
    /// Your own two-step sign-in turned off, with a current code.
    Disable { code: String },
    /// Another user's two-step sign-in turned off (they lost their phone).
    Reset { name: String },
}

/// Never a code.
impl std::fmt::Debug for TotpChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TotpChange::Begin => f.write_str("totp begin"),
            TotpChange::Confirm { .. } => f.write_str("totp confirm"),
            TotpChange::Disable { .. } => f.write_str("totp disable"),
            TotpChange::Reset { name } => write!(f, "totp reset {name}"),
        }
    }
}

/// A set-up begun: what the authenticator app is given (shown once, never logged).
#[derive(Clone, Serialize)]
pub struct TotpEnrolment {
    /// Base32, for typing into the app by hand.
    pub secret: String,
    /// `otpauth://totp/Pinghu:NAME?secret=…&issuer=Pinghu`
    pub uri: String,
    /// The URI as a QR code, an SVG picture.
    pub qr_svg: String,
}

impl std::fmt::Debug for TotpEnrolment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TotpEnrolment")
    }
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
                totp: u.totp.is_some(),
            })
            .collect()
    }

    /// Apply an admin's change (`by`: who makes it) to the users file, then to the users in
    /// memory. Blocking (a password hash, a file write): call it off the async workers. Nothing
    /// changes when it fails.
    pub fn change_users(&self, by: &str, change: &UserChange) -> Result<UserChanged, AuthError> {
        self.save_users_with(|users| Self::change(users, by, change))
    }

    fn change(users: &mut super::Users, by: &str, change: &UserChange) -> Result<UserChanged, AuthError> {
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
        Ok(answer)
    }

    /// Begin setting up two-step sign-in for `name` (the caller themself): a new secret from the
    /// system's generator, kept in memory for [`ENROL_LIFE`] until its first code confirms it.
    pub fn totp_begin(&self, name: &str) -> Result<TotpEnrolment, AuthError> {
        {
            let users = self.users();
            let u = users
                .users
                .iter()
                .find(|u| u.name == name)
                .ok_or_else(|| AuthError::NoUser(name.to_owned()))?;
            if u.totp.is_some() {
                return Err(AuthError::TotpOn(name.to_owned()));
            }
        }
        let key =
            totp::new_secret().map_err(|e| AuthError::Hash(format!("the system's random generator failed: {e}")))?;
        let secret = totp::base32(&key);
        let uri = totp::otpauth_uri(name, &secret);
        let qr_svg = totp::qr_svg(&uri).unwrap_or_default();
        let mut e = self.enrolling.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        e.retain(|_, (_, t)| t.elapsed() < ENROL_LIFE);
        e.insert(name.to_owned(), (NewSecret(key), Instant::now()));
        Ok(TotpEnrolment { secret, uri, qr_svg })
    }

    /// Check the first code of the secret `name` is setting up (counted as a sign-in from `ip`
    /// before it is checked); its step, for [`Auth::totp_enable`]. Changes nothing.
    pub fn totp_check_new(&self, ip: IpAddr, name: &str, code: &str) -> Result<u64, AuthError> {
        let key = {
            let e = self.enrolling.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            e.get(name)
                .filter(|(_, t)| t.elapsed() < ENROL_LIFE)
                .map(|(k, _)| k.0.clone())
                .ok_or(AuthError::TotpNotBegun)?
        };
        self.counted(ip, name, || totp::check(&key, code, totp::unix_now(), 0))
    }

    /// Check a current code of `name`'s two-step sign-in (counted as a sign-in from `ip`; the
    /// code is used up); its step.
    pub fn totp_check(&self, ip: IpAddr, name: &str, code: &str) -> Result<u64, AuthError> {
        if !self.users().users.iter().any(|u| u.name == name && u.totp.is_some()) {
            return Err(AuthError::TotpOff(name.to_owned()));
        }
        self.counted(ip, name, || self.use_code(name, None, code))
    }

    /// A code check counted as a sign-in: refused unchecked when limited, taken back when right.
    fn counted(&self, ip: IpAddr, name: &str, check: impl FnOnce() -> Option<u64>) -> Result<u64, AuthError> {
        if self.codes_limited(name) || !self.attempt(ip, name) {
            return Err(AuthError::CodeLimited);
        }
        match check() {
            Some(step) => {
                self.forgive(ip, name);
                Ok(step)
            }
            None => {
                self.code_failed(name);
                Err(AuthError::WrongCode)
            }
        }
    }

    /// Turn on the secret `name` set up, its first code taken at `step` (from
    /// [`Auth::totp_check_new`]). Blocking (the users file).
    pub fn totp_enable(&self, name: &str, step: u64) -> Result<(), AuthError> {
        let key = self
            .enrolling
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(name)
            .map(|(k, _)| k.0)
            .ok_or(AuthError::TotpNotBegun)?;
        self.save_users_with(|users| {
            let u = users.user_mut(name)?;
            if u.totp.is_some() {
                return Err(AuthError::TotpOn(name.to_owned()));
            }
            u.totp = Some(UserTotp {
                secret: totp::base32(&key),
                last_step: step,
            });
            Ok(())
        })
    }

    /// Turn off the two-step sign-in of `name`: `by` themself after [`Auth::totp_check`], or
    /// another admin's reset (`by` is not `name`). Blocking (the users file).
    pub fn totp_off(&self, name: &str) -> Result<(), AuthError> {
        self.save_users_with(|users| users.reset_totp(name))
    }
}
