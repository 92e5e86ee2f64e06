//! The second step of a sign-in with TOTP: the pending sign-in a right password opens, its code
//! (each works once, even across a restart), and the limit on wrong codes per user.

use std::net::IpAddr;
use std::time::Instant;

use pinghu_daemon::ingest::sha256_hex;

use super::{Auth, CODE_FAILURES, CodeRefused, LOGIN_WINDOW, PENDING_TRIES, Session, totp};

impl Auth {
    /// Whether a second step with this token is waiting (the sign-in page shows the code form
    /// again after a wrong code only while it is).
    pub fn pending_user(&self, pending: &str) -> Option<String> {
        let p = self.pending.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        p.get(&sha256_hex(pending.as_bytes()))
            .filter(|v| v.expires > Instant::now())
            .map(|v| v.user.clone())
    }

    /// The second step of a sign-in: the code of the user's authenticator app, for the token
    /// [`Auth::sign_in`] gave. Counted as a sign-in before it is checked (per address and name,
    /// per address, and per user from all addresses); a code works once. On success a session,
    /// and the step used is written to the users file (blocking: call it off the async workers).
    pub fn second_step(&self, ip: IpAddr, pending: &str, code: &str) -> Result<(String, Session), CodeRefused> {
        let key = sha256_hex(pending.as_bytes());
        let (user, stamp) = {
            let mut p = self.pending.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            p.retain(|_, v| v.expires > Instant::now());
            let v = p.get(&key).ok_or(CodeRefused::Expired)?;
            (v.user.clone(), v.stamp.clone())
        };
        if self.codes_limited(&user) || !self.attempt(ip, &user) {
            return Err(CodeRefused::Limited(user));
        }
        match self.use_code(&user, Some(&stamp), code) {
            Some(step) => {
                self.pending
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .remove(&key);
                self.forgive(ip, &user);
                self.save_step(&user, step);
                let role = self.users().users.iter().find(|u| u.name == user).map(|u| u.role);
                let role = role.ok_or(CodeRefused::Expired)?;
                self.new_session(user, role).ok_or(CodeRefused::Expired)
            }
            None => {
                self.code_failed(&user);
                let mut p = self.pending.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                if let Some(v) = p.get_mut(&key) {
                    v.tries += 1;
                    if v.tries >= PENDING_TRIES {
                        p.remove(&key);
                    }
                }
                Err(CodeRefused::Wrong(user))
            }
        }
    }

    /// Check `code` against the TOTP secret of `user` (enabled, and when `stamp` is given still
    /// under the same password) and take its step as used, under the users' lock so that the
    /// same code sent twice at once works once; the step, or `None`.
    pub(super) fn use_code(&self, user: &str, stamp: Option<&str>, code: &str) -> Option<u64> {
        let mut users = self.users();
        let u = users
            .users
            .iter_mut()
            .find(|u| u.name == user && !u.disabled && stamp.is_none_or(|s| sha256_hex(u.password.as_bytes()) == s))?;
        let t = u.totp.as_mut()?;
        let step = totp::check(&t.key()?, code, totp::unix_now(), t.last_step)?;
        t.last_step = step;
        Some(step)
    }

    /// Write the step a code of `user` was accepted for to the users file (a restart does not
    /// take it again). A failure is logged: until a restart, memory refuses the code anyway.
    pub(super) fn save_step(&self, user: &str, step: u64) {
        let saved = self.save_users_with(|users| {
            if let Some(t) = users.user_mut(user)?.totp.as_mut() {
                t.last_step = t.last_step.max(step);
            }
            Ok(())
        });
        if let Err(e) = saved {
            tracing::warn!(
                "the used TOTP step of {user} is not saved ({e}): a restart within a minute would take its code again"
            );
        }
    }

    /// Whether codes for `user` are refused for now ([`CODE_FAILURES`] from all addresses).
    pub(super) fn codes_limited(&self, user: &str) -> bool {
        let mut f = self
            .code_failures
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f.retain(|_, v| {
            v.retain(|t| t.elapsed() < LOGIN_WINDOW);
            !v.is_empty()
        });
        f.get(user).is_some_and(|v| v.len() >= CODE_FAILURES)
    }

    /// Count a wrong code for `user` (names are users that exist: the map stays small).
    pub(super) fn code_failed(&self, user: &str) {
        self.code_failures
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .entry(user.to_owned())
            .or_default()
            .push(Instant::now());
    }
}
