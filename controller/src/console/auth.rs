//! Who may use the console: users with roles in a TOML file beside the configuration (passwords
//! as argon2id hashes, API tokens as SHA-256 hashes), browser sessions with a CSRF token each, and
//! a per-address limit on failed logins.

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::daemon::ingest::sha256_hex;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use serde::{Deserialize, Serialize};

/// What a user may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Look at everything, change nothing.
    Viewer,
    /// Edit, save and restore playlists.
    Operator,
    /// The card's own controls: ping, test patterns, brightness, power.
    Technician,
    /// Everything.
    Admin,
}

impl Role {
    pub fn name(self) -> &'static str {
        match self {
            Self::Viewer => "viewer",
            Self::Operator => "operator",
            Self::Technician => "technician",
            Self::Admin => "admin",
        }
    }
    /// May change the playlist.
    pub fn edits_playlists(self) -> bool {
        matches!(self, Self::Operator | Self::Admin)
    }
    /// May use the card's own controls.
    pub fn controls_the_card(self) -> bool {
        matches!(self, Self::Technician | Self::Admin)
    }
}

/// One console user.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct User {
    pub name: String,
    pub role: Role,
    /// argon2id PHC string.
    pub password: String,
    /// SHA-256 (hex) of each API token; the tokens themselves are shown once.
    #[serde(default)]
    pub tokens: Vec<String>,
}

/// The users file.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Users {
    #[serde(default, rename = "user")]
    pub users: Vec<User>,
}

/// The users file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("cannot read the console users file {path}: {reason}")]
    Read { path: String, reason: String },
    #[error("the console users file {path} is not valid: {reason} (manage it with `pinghu console adduser`)")]
    Invalid { path: String, reason: String },
    #[error("cannot write the console users file {path}: {reason}")]
    Write { path: String, reason: String },
    #[error("no console user {0}: add one with `pinghu console adduser {0} --role operator`")]
    NoUser(String),
    #[error("a password must have at least 8 characters")]
    WeakPassword,
    #[error("cannot hash the password: {0}")]
    Hash(String),
}

/// A random value for session ids, CSRF tokens and API tokens (256 bits, hex), from the
/// operating system's generator; an error when it fails (never a weak token).
pub fn random_token() -> Result<String, AuthError> {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).map_err(|e| AuthError::Hash(format!("the system's random generator failed: {e}")))?;
    Ok(pinghu_protocol::to_hex(&b))
}

impl Users {
    /// Read the users file; a missing file is no users.
    pub fn load(path: &Path) -> Result<Self, AuthError> {
        match std::fs::read_to_string(path) {
            Ok(t) => toml::from_str(&t).map_err(|e| AuthError::Invalid {
                path: path.display().to_string(),
                reason: e.to_string(),
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(e) => Err(AuthError::Read {
                path: path.display().to_string(),
                reason: e.to_string(),
            }),
        }
    }

    /// Write the users file atomically, readable by its owner only.
    pub fn save(&self, path: &Path) -> Result<(), AuthError> {
        let err = |e: &dyn std::fmt::Display| AuthError::Write {
            path: path.display().to_string(),
            reason: e.to_string(),
        };
        let text = toml::to_string_pretty(self).map_err(|e| err(&e))?;
        crate::cli::portal::write_secret(path, text.as_bytes()).map_err(|e| err(&e))
    }

    /// Add a user, or change an existing user's role and password.
    pub fn set_user(&mut self, name: &str, role: Role, password: &str) -> Result<(), AuthError> {
        if password.chars().count() < 8 {
            return Err(AuthError::WeakPassword);
        }
        let mut raw = [0u8; 16];
        getrandom::fill(&mut raw).map_err(|e| AuthError::Hash(e.to_string()))?;
        let salt = SaltString::encode_b64(&raw).map_err(|e| AuthError::Hash(e.to_string()))?;
        let hash = argon2::Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map_err(|e| AuthError::Hash(e.to_string()))?
            .to_string();
        match self.users.iter_mut().find(|u| u.name == name) {
            Some(u) => {
                u.role = role;
                u.password = hash;
            }
            None => self.users.push(User {
                name: name.to_owned(),
                role,
                password: hash,
                tokens: Vec::new(),
            }),
        }
        Ok(())
    }

    fn user_mut(&mut self, name: &str) -> Result<&mut User, AuthError> {
        self.users
            .iter_mut()
            .find(|u| u.name == name)
            .ok_or_else(|| AuthError::NoUser(name.to_owned()))
    }

    /// A new API token for `name`: returned once, only its hash is kept.
    pub fn new_token(&mut self, name: &str) -> Result<String, AuthError> {
        let u = self.user_mut(name)?;
        let token = random_token()?;
        u.tokens.push(sha256_hex(token.as_bytes()));
        Ok(token)
    }

    /// Remove a user, with their API tokens.
    pub fn remove_user(&mut self, name: &str) -> Result<(), AuthError> {
        let before = self.users.len();
        self.users.retain(|u| u.name != name);
        if self.users.len() == before {
            return Err(AuthError::NoUser(name.to_owned()));
        }
        Ok(())
    }

    /// Forget every API token of `name`; how many there were.
    pub fn revoke_tokens(&mut self, name: &str) -> Result<usize, AuthError> {
        let u = self.user_mut(name)?;
        Ok(std::mem::take(&mut u.tokens).len())
    }

    /// The user whose password this is.
    pub fn check_password(&self, name: &str, password: &str) -> Option<&User> {
        let u = self.users.iter().find(|u| u.name == name)?;
        let hash = PasswordHash::new(&u.password).ok()?;
        argon2::Argon2::default()
            .verify_password(password.as_bytes(), &hash)
            .ok()
            .map(|()| u)
    }

    /// The user an API token belongs to.
    pub fn check_token(&self, token: &str) -> Option<&User> {
        let h = sha256_hex(token.as_bytes());
        self.users.iter().find(|u| u.tokens.contains(&h))
    }
}

/// A signed-in browser.
#[derive(Debug, Clone)]
pub struct Session {
    pub user: String,
    /// The user's role now (a changed role applies to sessions already open).
    pub role: Role,
    pub csrf: String,
    expires: Instant,
    /// The user's password hash at sign-in: a new password (or a removed user) ends the session.
    stamp: String,
}

/// How long a session lasts without use.
pub const SESSION_IDLE: Duration = Duration::from_secs(8 * 3600);
/// Failed logins allowed per address in [`LOGIN_WINDOW`].
pub const LOGIN_FAILURES: usize = 5;
pub const LOGIN_WINDOW: Duration = Duration::from_secs(300);

/// Users, sessions and the login limiter, shared by the console's handlers. The locks are held
/// for map lookups only, never across I/O or an await.
#[derive(Debug)]
pub struct Auth {
    pub users_file: PathBuf,
    users: Mutex<Users>,
    /// Modification time of the users file when last read.
    users_mtime: Mutex<Option<std::time::SystemTime>>,
    sessions: Mutex<HashMap<String, Session>>,
    failures: Mutex<HashMap<IpAddr, Vec<Instant>>>,
}

impl Auth {
    pub fn new(users_file: PathBuf, users: Users) -> Self {
        let mtime = std::fs::metadata(&users_file).and_then(|m| m.modified()).ok();
        Self {
            users_file,
            users: Mutex::new(users),
            users_mtime: Mutex::new(mtime),
            sessions: Mutex::new(HashMap::new()),
            failures: Mutex::new(HashMap::new()),
        }
    }

    /// Read the users file again if it changed (`pinghu console adduser` while the daemon runs).
    /// Blocking file I/O: call it off the async workers. A file that does not parse is reported
    /// and the users already known stay.
    pub fn reload_if_changed(&self) {
        let mtime = std::fs::metadata(&self.users_file).and_then(|m| m.modified()).ok();
        let mut known = self
            .users_mtime
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if *known == mtime {
            return;
        }
        *known = mtime;
        drop(known);
        match Users::load(&self.users_file) {
            Ok(u) => {
                tracing::info!(
                    "console users reloaded from {} ({})",
                    self.users_file.display(),
                    u.users.len()
                );
                *self.users() = u;
            }
            Err(e) => tracing::error!("{e}; the console keeps the users it had"),
        }
    }

    fn users(&self) -> std::sync::MutexGuard<'_, Users> {
        self.users.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Whether `ip` has too many recent failed logins.
    pub fn limited(&self, ip: IpAddr) -> bool {
        let mut f = self.failures.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let list = f.entry(ip).or_default();
        list.retain(|t| t.elapsed() < LOGIN_WINDOW);
        list.len() >= LOGIN_FAILURES
    }

    /// Count a failed sign-in from `ip`.
    fn failed(&self, ip: IpAddr) {
        let mut f = self.failures.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        f.entry(ip).or_default().push(Instant::now());
    }

    /// Check a password; on success a new session (id, session).
    pub fn login(&self, ip: IpAddr, name: &str, password: &str) -> Option<(String, Session)> {
        // Hashing takes a few milliseconds on purpose: it runs off the async workers (see the
        // caller), under this lock only for the lookup.
        let user = self.users().check_password(name, password).cloned();
        let Some(u) = user else {
            self.failed(ip);
            return None;
        };
        self.new_session(u.name, u.role)
    }

    /// Sign in with an API token (how the embedded default's admin token opens the console).
    pub fn login_with_token(&self, ip: IpAddr, token: &str) -> Option<(String, Session)> {
        let Some((name, role)) = self.token(token) else {
            self.failed(ip);
            return None;
        };
        self.new_session(name, role)
    }

    fn new_session(&self, user: String, role: Role) -> Option<(String, Session)> {
        let id = random_token().ok()?;
        let stamp = self.users().users.iter().find(|u| u.name == user)?.password.clone();
        let s = Session {
            user,
            role,
            csrf: random_token().ok()?,
            expires: Instant::now() + SESSION_IDLE,
            stamp,
        };
        self.sessions
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(id.clone(), s.clone());
        Some((id, s))
    }

    pub fn logout(&self, id: &str) {
        self.sessions
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(id);
    }

    /// The live session with this id (its idle time restarts), with the user's role as the users
    /// file says now. A user removed, or given a new password, since signing in has no session.
    pub fn session(&self, id: &str) -> Option<Session> {
        // Lock order: the sessions, then the users (nothing takes them the other way round).
        let mut s = self.sessions.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        s.retain(|_, v| v.expires > Instant::now());
        let v = s.get_mut(id)?;
        let role = self
            .users()
            .users
            .iter()
            .find(|u| u.name == v.user && u.password == v.stamp)
            .map(|u| u.role);
        let Some(role) = role else {
            s.remove(id);
            return None;
        };
        v.role = role;
        v.expires = Instant::now() + SESSION_IDLE;
        Some(v.clone())
    }

    /// The user of an API token: (name, role).
    pub fn token(&self, token: &str) -> Option<(String, Role)> {
        self.users().check_token(token).map(|u| (u.name.clone(), u.role))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_tokens_and_the_login_limit() {
        let mut u = Users::default();
        assert!(matches!(
            u.set_user("li", Role::Operator, "short"),
            Err(AuthError::WeakPassword)
        ));
        u.set_user("li", Role::Operator, "correct horse").unwrap();
        assert!(u.users[0].password.starts_with("$argon2id$"));
        assert!(u.check_password("li", "correct horse").is_some());
        assert!(u.check_password("li", "wrong horse!").is_none());
        let t = u.new_token("li").unwrap();
        assert_eq!(u.check_token(&t).map(|u| u.role), Some(Role::Operator));
        assert!(u.check_token("not-a-token").is_none());
        assert!(!u.users[0].tokens.contains(&t), "only the hash is kept");

        let auth = Auth::new(PathBuf::from("unused"), u);
        let ip: IpAddr = "192.0.2.7".parse().unwrap();
        for _ in 0..LOGIN_FAILURES {
            assert!(!auth.limited(ip));
            assert!(auth.login(ip, "li", "guess guess").is_none());
        }
        assert!(auth.limited(ip));
        assert!(!auth.limited("192.0.2.8".parse().unwrap()), "per address");
        let (id, s) = auth.login("192.0.2.8".parse().unwrap(), "li", "correct horse").unwrap();
        assert_eq!(auth.session(&id).unwrap().csrf, s.csrf);
        auth.logout(&id);
        assert!(auth.session(&id).is_none());
    }
}
