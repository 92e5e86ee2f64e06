//! Who may use the console: users with roles in a TOML file beside the configuration (passwords
//! as argon2id hashes, API tokens as SHA-256 hashes), browser sessions with a CSRF token each, and
//! a per-address limit on failed logins.
//!
//! Sessions outlive a restart of the daemon (systemd's after a crash, or the technician's after
//! an update): they are kept in `DATA_DIR/console-sessions.json` (mode 0600), written when one
//! begins or ends and, for the idle clock, at most every [`SESSIONS_SAVE_INTERVAL`]. The file holds
//! only the SHA-256 of each session id (a copy of the file opens no session) and of the password
//! hash it was opened under (a new password still ends it).

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::{Duration, Instant};

use jiff::Timestamp;

use pinghu_daemon::ingest::sha256_hex;
use serde::{Deserialize, Serialize};

mod admin;
mod file_changes;
mod limits;
pub mod totp;
mod two_step;
mod users;

pub use admin::{TotpChange, TotpEnrolment, UserChange, UserChanged, UserRow};
pub use file_changes::{FileChange, file_changes};
pub use users::{AuthError, Role, TokenRefused, User, UserTotp, Users, random_token};
use users::{decoy_hash, verify_password};

/// A signed-in browser.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Session {
    pub user: String,
    /// The user's role now (a changed role applies to sessions already open).
    pub role: Role,
    pub csrf: String,
    expires: Timestamp,
    /// SHA-256 of the user's password hash at sign-in: a new password (or a removed user) ends
    /// the session.
    stamp: String,
}

/// How long a session lasts without use.
pub const SESSION_IDLE: Duration = Duration::from_secs(8 * 3600);
/// Failed logins allowed per address and user name in [`LOGIN_WINDOW`] (one clerk's typos do not
/// lock out the others behind the same office address).
pub const LOGIN_FAILURES: usize = 5;
/// Failed logins allowed per address in [`LOGIN_WINDOW`], whatever the names.
pub const LOGIN_FAILURES_PER_ADDRESS: usize = 20;
pub const LOGIN_WINDOW: Duration = Duration::from_secs(300);
/// Addresses whose failed sign-ins are remembered at most: past it, those whose last failure is
/// oldest are forgotten first, so a flood from many addresses cannot grow the daemon's memory.
pub const LOGIN_TRACKED: usize = 4096;

/// Recent failed sign-ins by address: when, and as which name.
type Failures = HashMap<IpAddr, Vec<(Instant, String)>>;

/// Why the sessions file was not written (it is tried again with the next change).
#[derive(Debug, thiserror::Error)]
enum SessionsNotSaved {
    #[error("cannot write them as JSON ({0}); please report this as a bug")]
    Json(serde_json::Error),
    #[error("cannot write {}: {error}", path.display())]
    Write {
        path: std::path::PathBuf,
        error: std::io::Error,
    },
}

/// A password that was right: a session, or for a user with two-step sign-in the token of the
/// second step (the code), which lasts [`PENDING_LIFE`].
#[derive(Debug)]
pub enum SignedIn {
    Open(String, Session),
    NeedsCode { pending: String },
}

/// How long the second step of a sign-in waits for its code.
pub const PENDING_LIFE: Duration = Duration::from_secs(300);
/// Wrong codes one second step takes before its password must be typed again.
pub const PENDING_TRIES: u8 = 5;
/// Wrong codes for one user in [`LOGIN_WINDOW`], from all addresses together, before codes for
/// that user are refused for a while: someone who has the password cannot spread their guesses
/// of the code over many addresses.
pub const CODE_FAILURES: usize = 10;
/// How long a set-up of two-step sign-in waits for its first code.
pub const ENROL_LIFE: Duration = Duration::from_secs(600);

/// A TOTP secret being set up (its `Debug` shows nothing of it).
struct NewSecret(Vec<u8>);

impl std::fmt::Debug for NewSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewSecret")
    }
}

/// The second step of a sign-in: whose, under which password, until when.
#[derive(Debug)]
struct Pending {
    user: String,
    stamp: String,
    expires: Instant,
    tries: u8,
}

/// Why the code of a sign-in's second step was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeRefused {
    /// A wrong or used code (the user's, for the audit log); the second step may be tried again.
    Wrong(String),
    /// Too many failures lately (for this user from this address, from this address, or for
    /// this user from anywhere): not even checked.
    Limited(String),
    /// No such second step waiting (it expired, or took its tries): sign in again.
    Expired,
}

/// Why a sign-in was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignInRefused {
    /// A wrong name or password.
    Wrong,
    /// Too many failures from this address (for this name, or in all) lately: not even checked.
    Limited,
}

/// Sign-ins hashing at once at most: each costs a CPU for some milliseconds, and the board's
/// work must never wait behind a crowd of them.
pub const MAX_HASHING: usize = 2;

/// The address a sign-in is counted against: an IPv4 address, or an IPv6 address's /64 (one
/// network hands out a whole /64, so counting single IPv6 addresses would limit nothing).
pub(crate) fn login_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => IpAddr::V6(std::net::Ipv6Addr::from(u128::from(v6) & !u128::from(u64::MAX))),
    }
}
/// The sessions file in the data directory.
pub const SESSIONS_FILE: &str = "console-sessions.json";
/// How often the idle clocks of sessions in use reach the disk (a session begun or ended is
/// written at once). A crash can cost a session at most this much of its idle time.
pub const SESSIONS_SAVE_INTERVAL: Duration = Duration::from_secs(600);

/// What the sessions file holds, by the SHA-256 of each session id.
#[derive(Debug, Default, Serialize, Deserialize)]
struct SessionsFile {
    sessions: HashMap<String, Session>,
}

/// Whether the sessions in memory differ from the file: not at all, by idle clocks only, or by
/// a session begun or ended.
const CLEAN: u8 = 0;
const USED: u8 = 1;
const CHANGED: u8 = 2;

/// When a session used now ends unless used again.
fn idle_end() -> Timestamp {
    Timestamp::now() + jiff::SignedDuration::try_from(SESSION_IDLE).unwrap_or(jiff::SignedDuration::from_hours(8))
}

/// Users, sessions and the login limiter, shared by the console's handlers. The locks are held
/// for map lookups only, never across I/O or an await (the sessions file is written by
/// [`Auth::save_sessions`], off the async workers).
#[derive(Debug)]
pub struct Auth {
    pub users_file: PathBuf,
    users: Mutex<Users>,
    /// Modification time of the users file when last read.
    users_mtime: Mutex<Option<std::time::SystemTime>>,
    /// By the SHA-256 of the session id.
    sessions: Mutex<HashMap<String, Session>>,
    sessions_file: Option<PathBuf>,
    sessions_dirty: AtomicU8,
    sessions_saved: Mutex<Instant>,
    failures: Mutex<Failures>,
    /// Permits for password hashing ([`MAX_HASHING`]): the sign-in page takes one before it
    /// hashes.
    pub hashing: tokio::sync::Semaphore,
    /// Second steps of sign-ins waiting for their code, by the SHA-256 of their token.
    pending: Mutex<HashMap<String, Pending>>,
    /// Wrong codes by user, from every address.
    code_failures: Mutex<HashMap<String, Vec<Instant>>>,
    /// Set-ups of two-step sign-in waiting for their first code: the new secret, by user.
    enrolling: Mutex<HashMap<String, (NewSecret, Instant)>>,
    /// Held while the users file is read, changed and written (two changes at once would
    /// otherwise lose one). Taken before the users' lock, never after it.
    file_lock: Mutex<()>,
}

impl Auth {
    /// Users from `users_file`; sessions kept in `sessions_file` when given (read now: the
    /// sessions still open when the daemon stopped), in memory only otherwise.
    pub fn new(users_file: PathBuf, users: Users, sessions_file: Option<PathBuf>) -> Self {
        let mtime = std::fs::metadata(&users_file).and_then(|m| m.modified()).ok();
        let now = Timestamp::now();
        let sessions = sessions_file
            .as_deref()
            .map(|p| match std::fs::read_to_string(p) {
                Ok(text) => match serde_json::from_str::<SessionsFile>(&text) {
                    Ok(f) => f.sessions.into_iter().filter(|(_, s)| s.expires > now).collect(),
                    Err(e) => {
                        tracing::warn!("{} is damaged ({e}): everyone signs in again", p.display());
                        HashMap::new()
                    }
                },
                Err(_) => HashMap::new(),
            })
            .unwrap_or_default();
        Self {
            users_file,
            users: Mutex::new(users),
            users_mtime: Mutex::new(mtime),
            sessions: Mutex::new(sessions),
            sessions_file,
            sessions_dirty: AtomicU8::new(CLEAN),
            sessions_saved: Mutex::new(Instant::now()),
            failures: Mutex::new(HashMap::new()),
            hashing: tokio::sync::Semaphore::new(MAX_HASHING),
            pending: Mutex::new(HashMap::new()),
            code_failures: Mutex::new(HashMap::new()),
            enrolling: Mutex::new(HashMap::new()),
            file_lock: Mutex::new(()),
        }
    }

    /// Whether the users file names nobody (nobody can sign in).
    pub fn no_users(&self) -> bool {
        self.users().users.is_empty()
    }

    /// Write the sessions file when a session began or ended, or (idle clocks only) when the
    /// last write is [`SESSIONS_SAVE_INTERVAL`] old, or when `now_anyway` (shutdown). Blocking
    /// file I/O: call it off the async workers. A failure is logged; sessions live on in memory.
    pub fn save_sessions(&self, now_anyway: bool) {
        let Some(path) = &self.sessions_file else { return };
        let dirty = self.sessions_dirty.load(Ordering::SeqCst);
        let due = match dirty {
            CLEAN => false,
            USED => {
                now_anyway
                    || self
                        .sessions_saved
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .elapsed()
                        >= SESSIONS_SAVE_INTERVAL
            }
            _ => true,
        };
        if !due {
            return;
        }
        self.sessions_dirty.store(CLEAN, Ordering::SeqCst);
        let now = Timestamp::now();
        let text = {
            let mut s = self.sessions.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            s.retain(|_, v| v.expires > now);
            serde_json::to_vec(&SessionsFile { sessions: s.clone() })
        };
        let written = text.map_err(SessionsNotSaved::Json).and_then(|t| {
            pinghu_daemon::disk::Disk::new()
                .write_secret(path, &t)
                .map_err(|error| SessionsNotSaved::Write {
                    path: path.clone(),
                    error,
                })
        });
        match written {
            Ok(()) => {
                *self
                    .sessions_saved
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner) = Instant::now();
            }
            Err(e) => {
                // Tried again with the next change.
                self.sessions_dirty.fetch_max(dirty, Ordering::SeqCst);
                tracing::warn!("console sessions not saved ({e}): a restart would sign everyone out");
            }
        }
    }

    /// Read the users file again if it changed (`pinghu console adduser` while the daemon runs).
    /// Blocking file I/O: call it off the async workers. A file that does not parse is reported
    /// and the users already known stay.
    pub fn reload_if_changed(&self) -> Vec<FileChange> {
        let mtime = std::fs::metadata(&self.users_file).and_then(|m| m.modified()).ok();
        let mut known = self
            .users_mtime
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if *known == mtime {
            return Vec::new();
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
                let changes = file_changes(&self.users(), &u);
                self.replace_users(u);
                changes
            }
            Err(e) => {
                tracing::error!("{e}; the console keeps the users it had");
                Vec::new()
            }
        }
    }

    fn users(&self) -> std::sync::MutexGuard<'_, Users> {
        self.users.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The users as the file now says, keeping for each TOTP secret the latest step a code was
    /// accepted for (one accepted a moment ago may not be in the file yet: it still works once
    /// only). A two-step sign-in turned off in the file (`pinghu console totp-reset`) is logged.
    fn replace_users(&self, mut new: Users) {
        let mut old = self.users();
        for u in &mut new.users {
            let before = old.users.iter().find(|o| o.name == u.name);
            match (&mut u.totp, before.and_then(|o| o.totp.as_ref())) {
                (Some(t), Some(o)) if t.secret == o.secret => t.last_step = t.last_step.max(o.last_step),
                (None, Some(_)) => tracing::warn!("two-step sign-in of console user {} turned off", u.name),
                _ => {}
            }
        }
        *old = new;
    }

    /// Read the users file, apply `f`, write it and take it as the users (with
    /// [`Auth::replace_users`]); nothing changes when `f` or the write fails. Blocking.
    fn save_users_with<T>(&self, f: impl FnOnce(&mut Users) -> Result<T, AuthError>) -> Result<T, AuthError> {
        let _file = self.file_lock.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut users = Users::load(&self.users_file)?;
        let answer = f(&mut users)?;
        users.save(&self.users_file)?;
        let mtime = std::fs::metadata(&self.users_file).and_then(|m| m.modified()).ok();
        self.replace_users(users);
        *self
            .users_mtime
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = mtime;
        Ok(answer)
    }

    /// Check a password; on success a new session (id, session). A user with two-step sign-in
    /// gets none here: see [`Auth::sign_in`].
    pub fn login(&self, ip: IpAddr, name: &str, password: &str) -> Option<(String, Session)> {
        match self.sign_in(ip, name, password) {
            Ok(SignedIn::Open(id, s)) => Some((id, s)),
            _ => None,
        }
    }

    /// Check a password: a session, or for a user with two-step sign-in the second step's token
    /// ([`Auth::second_step`] takes it with the code); or why the sign-in was refused.
    pub fn sign_in(&self, ip: IpAddr, name: &str, password: &str) -> Result<SignedIn, SignInRefused> {
        self.login_checked(ip, name, password, verify_password)
    }

    /// [`Auth::login`] with the password check given. The users' lock is held only to copy the
    /// user's hash: the check (milliseconds on purpose) runs with no lock held, so requests
    /// that look at sessions or tokens never wait for it; an unknown name is checked against a
    /// decoy hash, so it takes as long as a known one.
    fn login_checked(
        &self,
        ip: IpAddr,
        name: &str,
        password: &str,
        check: impl FnOnce(&str, &str) -> bool,
    ) -> Result<SignedIn, SignInRefused> {
        // Counted before the check, so guesses sent at once are limited as one after another.
        if !self.attempt(ip, name) {
            return Err(SignInRefused::Limited);
        }
        let user = self.users().users.iter().find(|u| u.name == name).cloned();
        let phc: &str = match &user {
            Some(u) => &u.password,
            None => decoy_hash(),
        };
        let good = check(phc, password);
        match user {
            Some(u) if good && u.totp.is_some() => {
                // The password was right; the code is counted on its own, in the second step.
                self.forgive(ip, name);
                let pending = random_token().map_err(|_| SignInRefused::Wrong)?;
                let mut p = self.pending.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                p.retain(|_, v| v.expires > Instant::now());
                if p.len() >= LOGIN_TRACKED {
                    // Only someone who knows passwords gets here: still, memory stays bounded.
                    let oldest = p.iter().min_by_key(|(_, v)| v.expires).map(|(k, _)| k.clone());
                    if let Some(k) = oldest {
                        p.remove(&k);
                    }
                }
                p.insert(
                    sha256_hex(pending.as_bytes()),
                    Pending {
                        user: u.name,
                        stamp: sha256_hex(u.password.as_bytes()),
                        expires: Instant::now() + PENDING_LIFE,
                        tries: 0,
                    },
                );
                Ok(SignedIn::NeedsCode { pending })
            }
            Some(u) if good => {
                self.forgive(ip, name);
                let (id, s) = self.new_session(u.name, u.role).ok_or(SignInRefused::Wrong)?;
                Ok(SignedIn::Open(id, s))
            }
            _ => Err(SignInRefused::Wrong),
        }
    }

    /// Sign in with an API token (how the embedded default's admin token opens the console).
    pub fn login_with_token(&self, ip: IpAddr, token: &str) -> Option<(String, Session)> {
        let Ok((name, role)) = self.token(token) else {
            self.failed(ip, "");
            return None;
        };
        self.new_session(name, role)
    }

    fn new_session(&self, user: String, role: Role) -> Option<(String, Session)> {
        let id = random_token().ok()?;
        let stamp = sha256_hex(self.users().users.iter().find(|u| u.name == user)?.password.as_bytes());
        let s = Session {
            user,
            role,
            csrf: random_token().ok()?,
            expires: idle_end(),
            stamp,
        };
        self.sessions
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(sha256_hex(id.as_bytes()), s.clone());
        self.sessions_dirty.store(CHANGED, Ordering::SeqCst);
        Some((id, s))
    }

    pub fn logout(&self, id: &str) {
        self.sessions
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(&sha256_hex(id.as_bytes()));
        self.sessions_dirty.store(CHANGED, Ordering::SeqCst);
    }

    /// The live session with this id (its idle time restarts), with the user's role as the users
    /// file says now. A user removed, or given a new password, since signing in has no session.
    pub fn session(&self, id: &str) -> Option<Session> {
        // Lock order: the sessions, then the users (nothing takes them the other way round).
        let mut s = self.sessions.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let now = Timestamp::now();
        s.retain(|_, v| v.expires > now);
        let key = sha256_hex(id.as_bytes());
        let v = s.get_mut(&key)?;
        let role = self
            .users()
            .users
            .iter()
            .find(|u| u.name == v.user && !u.disabled && sha256_hex(u.password.as_bytes()) == v.stamp)
            .map(|u| u.role);
        let Some(role) = role else {
            s.remove(&key);
            self.sessions_dirty.store(CHANGED, Ordering::SeqCst);
            return None;
        };
        v.role = role;
        v.expires = idle_end();
        let _ = self
            .sessions_dirty
            .compare_exchange(CLEAN, USED, Ordering::SeqCst, Ordering::SeqCst);
        Some(v.clone())
    }

    /// The user of an API token: (name, role), or why it opens nothing.
    pub fn token(&self, token: &str) -> Result<(String, Role), TokenRefused> {
        self.users().token_user(token).map(|u| (u.name.clone(), u.role))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sign_in_hashes_with_no_lock_held_and_an_unknown_name_costs_a_hash_too() {
        let mut u = Users::default();
        u.set_user("li", Role::Operator, "copper-meadow-violin-58").unwrap();
        let auth = Auth::new(PathBuf::from("/nonexistent/users.toml"), u, None);
        let ip: IpAddr = "192.0.2.9".parse().unwrap();
        let mut checked = Vec::new();
        let mut check = |phc: &str, pw: &str| {
            // While the hash is checked, the users and the sessions are free for others.
            assert!(auth.users.try_lock().is_ok(), "the users' lock is held while hashing");
            assert!(
                auth.sessions.try_lock().is_ok(),
                "the sessions' lock is held while hashing"
            );
            checked.push(phc.to_owned());
            verify_password(phc, pw)
        };
        assert!(
            auth.login_checked(ip, "li", "copper-meadow-violin-58", &mut check)
                .is_ok()
        );
        assert!(auth.login_checked(ip, "li", "wrong", &mut check).is_err());
        // A name nobody has is checked against a real argon2id hash all the same.
        assert!(
            auth.login_checked(ip, "nobody", "copper-meadow-violin-58", &mut check)
                .is_err()
        );
        assert_eq!(checked.len(), 3);
        assert!(checked[2].starts_with("$argon2id$"), "{}", checked[2]);
        assert_ne!(checked[2], checked[0]);
        assert_eq!(auth.hashing.available_permits(), MAX_HASHING);
    }

    #[test]
    fn passwords_tokens_and_the_login_limit() {
        let mut u = Users::default();
        assert!(matches!(
            u.set_user("li", Role::Operator, "short"),
            Err(AuthError::ShortPassword)
        ));
        // Long enough but guessed at once: common words, the board's own names, the user's name,
        // keyboard walks, dates.
        for weak in [
            "password",
            "password123",
            "yiling2026",
            "li123456",
            "qwertyuiop",
            "2026-12-07",
        ] {
            assert!(
                matches!(u.set_user("li", Role::Operator, weak), Err(AuthError::WeakPassword)),
                "{weak} was taken"
            );
        }
        // A name with a separator is known joined up and in parts too.
        for weak in ["zhangsan2026", "ZhangSan@2026"] {
            assert!(
                matches!(
                    u.set_user("zhang-san", Role::Operator, weak),
                    Err(AuthError::WeakPassword)
                ),
                "{weak} was taken for zhang-san"
            );
        }
        assert!(u.users.is_empty(), "a refused password adds nobody");
        u.set_user("li", Role::Operator, "copper-meadow-violin-58").unwrap();
        assert!(u.users[0].password.starts_with("$argon2id$"));
        assert!(u.check_password("li", "copper-meadow-violin-58").is_some());
        assert!(u.check_password("li", "wrong horse!").is_none());
        let t = u.new_token("li").unwrap();
        assert_eq!(u.check_token(&t).map(|u| u.role), Some(Role::Operator));
        assert!(u.check_token("not-a-token").is_none());
        assert!(!u.users[0].tokens.contains(&t), "only the hash is kept");

        let auth = Auth::new(PathBuf::from("unused"), u, None);
        let ip: IpAddr = "192.0.2.7".parse().unwrap();
        for _ in 0..LOGIN_FAILURES {
            assert!(!auth.limited(ip, "li"));
            assert!(auth.login(ip, "li", "guess guess").is_none());
        }
        assert!(auth.limited(ip, "li"));
        assert!(!auth.limited("192.0.2.8".parse().unwrap(), "li"), "per address");
        assert!(!auth.limited(ip, "wang"), "one clerk's typos do not lock out another");
        // IPv6: per /64, the block one network hands out.
        for i in 0..LOGIN_FAILURES {
            assert!(
                auth.login(format!("2001:db8:1:2::{i:x}").parse().unwrap(), "li", "guess guess")
                    .is_none()
            );
        }
        assert!(auth.limited("2001:db8:1:2:ffff::1".parse().unwrap(), "li"));
        assert!(!auth.limited("2001:db8:1:3::1".parse().unwrap(), "li"));
        let (id, s) = auth
            .login("192.0.2.8".parse().unwrap(), "li", "copper-meadow-violin-58")
            .unwrap();
        assert_eq!(auth.session(&id).unwrap().csrf, s.csrf);
        auth.logout(&id);
        assert!(auth.session(&id).is_none());
    }

    #[test]
    fn guesses_sent_at_once_get_only_as_many_checks_as_the_limit_allows() {
        let mut u = Users::default();
        u.set_user("li", Role::Operator, "copper-meadow-violin-58").unwrap();
        let auth = std::sync::Arc::new(Auth::new(PathBuf::from("unused"), u, None));
        let ip: IpAddr = "192.0.2.9".parse().unwrap();
        let checked = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let start = std::sync::Arc::new(std::sync::Barrier::new(30));
        let guesses: Vec<_> = (0..30)
            .map(|_| {
                let (auth, checked, start) = (auth.clone(), checked.clone(), start.clone());
                std::thread::spawn(move || {
                    start.wait();
                    auth.login_checked(ip, "li", "guess guess", |_, _| {
                        checked.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        // As long as argon2 takes: the others arrive meanwhile.
                        std::thread::sleep(std::time::Duration::from_millis(30));
                        false
                    })
                })
            })
            .collect::<Vec<_>>()
            .into_iter()
            .map(|t| t.join().unwrap())
            .collect();
        assert_eq!(checked.load(std::sync::atomic::Ordering::SeqCst), LOGIN_FAILURES);
        let limited = guesses
            .iter()
            .filter(|g| matches!(g, Err(SignInRefused::Limited)))
            .count();
        assert_eq!(limited, 30 - LOGIN_FAILURES);
        // The right password from a fresh address is not held against anyone.
        let other: IpAddr = "192.0.2.10".parse().unwrap();
        assert!(auth.login(other, "li", "copper-meadow-violin-58").is_some());
        assert!(!auth.limited(other, "li"), "a good sign-in counts as no failure");
    }

    #[test]
    fn a_flood_of_addresses_cannot_grow_the_login_limits_memory() {
        let auth = Auth::new(PathBuf::from("unused"), Users::default(), None);
        // Asking costs nothing: only failures are remembered.
        for i in 0..10_000u32 {
            assert!(!auth.limited(IpAddr::V4(i.into()), "li"));
        }
        assert_eq!(auth.tracked(), 0);
        for i in 0..(LOGIN_TRACKED as u32 + 1000) {
            auth.failed(IpAddr::V4(i.into()), "li");
        }
        assert_eq!(auth.tracked(), LOGIN_TRACKED);
        // The newest are kept: the last address still counts its failure.
        let last = IpAddr::V4((LOGIN_TRACKED as u32 + 999).into());
        for _ in 1..LOGIN_FAILURES {
            auth.failed(last, "li");
        }
        assert!(auth.limited(last, "li"));
    }

    #[test]
    fn sessions_outlive_a_restart_but_not_a_new_password_or_a_sign_out() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join(SESSIONS_FILE);
        let mut u = Users::default();
        u.set_user("li", Role::Operator, "copper-meadow-violin-58").unwrap();
        u.set_user("wang", Role::Viewer, "lantern-pebble-harbor-73").unwrap();
        let ip: IpAddr = "192.0.2.7".parse().unwrap();
        let auth = Auth::new(PathBuf::from("unused"), u.clone(), Some(file.clone()));
        let (li, li_session) = auth.login(ip, "li", "copper-meadow-violin-58").unwrap();
        let (wang, _) = auth.login(ip, "wang", "lantern-pebble-harbor-73").unwrap();
        auth.save_sessions(false);
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(
            !text.contains(&li) && !text.contains("$argon2id$"),
            "no usable secret on disk"
        );
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&file).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        // Use alone (the idle clock) is not written at once.
        auth.session(&li).unwrap();
        let before = std::fs::read(&file).unwrap();
        auth.save_sessions(false);
        assert_eq!(std::fs::read(&file).unwrap(), before);

        // A restart: the same sessions, the same CSRF tokens.
        let auth = Auth::new(PathBuf::from("unused"), u.clone(), Some(file.clone()));
        assert_eq!(auth.session(&li).map(|s| s.csrf), Some(li_session.csrf));
        assert!(auth.session(&wang).is_some());
        // A sign-out is kept; a new password ends the session, also across a restart.
        auth.logout(&wang);
        auth.save_sessions(false);
        u.set_user("li", Role::Operator, "granite-otter-canvas-19").unwrap();
        let auth = Auth::new(PathBuf::from("unused"), u, Some(file.clone()));
        assert!(auth.session(&wang).is_none());
        assert!(auth.session(&li).is_none());
        // A damaged file: everyone signs in again, nothing worse.
        std::fs::write(&file, "{not json").unwrap();
        let auth = Auth::new(PathBuf::from("unused"), Users::default(), Some(file));
        assert!(auth.session(&li).is_none());
    }

    #[test]
    fn a_user_with_two_step_sign_in_needs_a_code_that_works_once() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("users.toml");
        let mut u = Users::default();
        u.set_user("li", Role::Admin, "copper-meadow-violin-58").unwrap();
        let key = b"12345678901234567890".to_vec();
        u.users[0].totp = Some(UserTotp {
            secret: totp::base32(&key),
            last_step: 0,
        });
        u.save(&file).unwrap();
        let auth = Auth::new(file.clone(), u, None);
        let ip: IpAddr = "192.0.2.7".parse().unwrap();
        // The password alone opens no session, and `login` says no.
        assert!(auth.login(ip, "li", "copper-meadow-violin-58").is_none());
        let Ok(SignedIn::NeedsCode { pending }) = auth.sign_in(ip, "li", "copper-meadow-violin-58") else {
            panic!("no second step");
        };
        assert_eq!(
            auth.second_step(ip, "not-a-token", "000000").err(),
            Some(CodeRefused::Expired)
        );
        let now = totp::step_at(totp::unix_now());
        let wrong = if totp::code(&key, now) == "000000" {
            "111111"
        } else {
            "000000"
        };
        assert_eq!(
            auth.second_step(ip, &pending, wrong).err(),
            Some(CodeRefused::Wrong("li".into()))
        );
        let code = totp::code(&key, now);
        let (id, s) = auth.second_step(ip, &pending, &code).unwrap();
        assert_eq!(s.user, "li");
        assert!(auth.session(&id).is_some());
        // The step is used: the same code is refused, also after a restart (the file keeps it).
        let Ok(SignedIn::NeedsCode { pending }) = auth.sign_in(ip, "li", "copper-meadow-violin-58") else {
            panic!("no second step");
        };
        assert!(matches!(
            auth.second_step(ip, &pending, &code),
            Err(CodeRefused::Wrong(_))
        ));
        let again = Auth::new(file.clone(), Users::load(&file).unwrap(), None);
        assert!(
            std::fs::read_to_string(&file)
                .unwrap()
                .contains(&format!("last_step = {now}"))
        );
        let Ok(SignedIn::NeedsCode { pending }) = again.sign_in(ip, "li", "copper-meadow-violin-58") else {
            panic!("no second step");
        };
        assert!(matches!(
            again.second_step(ip, &pending, &code),
            Err(CodeRefused::Wrong(_))
        ));
        // Wrong codes count as failed sign-ins: five for the name at this address, then limited.
        for _ in 0..4 {
            let _ = again.second_step(ip, &pending, wrong);
        }
        assert!(again.limited(ip, "li"));
        assert!(matches!(
            again.second_step(ip, &pending, &code),
            Err(CodeRefused::Limited(_) | CodeRefused::Expired)
        ));
    }

    #[test]
    fn an_admin_sets_up_two_step_sign_in_and_turns_it_off_with_a_fresh_code() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("users.toml");
        let mut u = Users::default();
        u.set_user("li", Role::Admin, "copper-meadow-violin-58").unwrap();
        u.set_user("wang", Role::Admin, "lantern-pebble-harbor-73").unwrap();
        u.save(&file).unwrap();
        let auth = Auth::new(file.clone(), u, None);
        let ip: IpAddr = "192.0.2.7".parse().unwrap();
        assert!(matches!(
            auth.totp_check_new(ip, "li", "123456"),
            Err(AuthError::TotpNotBegun)
        ));
        let e = auth.totp_begin("li").unwrap();
        assert!(!format!("{e:?}").contains(&e.secret), "a secret in a log line");
        let key = totp::from_base32(&e.secret).unwrap();
        let now = totp::step_at(totp::unix_now());
        let step = auth.totp_check_new(ip, "li", &totp::code(&key, now)).unwrap();
        // Checked, not yet on; then on.
        assert!(!auth.user_list()[0].totp);
        auth.totp_enable("li", step).unwrap();
        assert!(auth.user_list()[0].totp);
        assert!(matches!(auth.totp_begin("li"), Err(AuthError::TotpOn(_))));
        assert!(matches!(auth.totp_enable("li", step), Err(AuthError::TotpNotBegun)));
        // Turning it off needs a code not used yet.
        assert!(matches!(
            auth.totp_check(ip, "li", &totp::code(&key, now)),
            Err(AuthError::WrongCode)
        ));
        auth.totp_check(ip, "li", &totp::code(&key, now + 1)).unwrap();
        auth.totp_off("li").unwrap();
        assert!(!auth.user_list()[0].totp);
        assert!(!std::fs::read_to_string(&file).unwrap().contains("secret"));
        assert!(matches!(auth.totp_off("li"), Err(AuthError::TotpOff(_))));
        assert!(matches!(
            auth.totp_check(ip, "wang", "123456"),
            Err(AuthError::TotpOff(_))
        ));
    }
}
