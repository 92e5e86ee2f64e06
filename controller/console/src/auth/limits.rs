//! The limit on failed sign-ins: per name and address, and per address whatever the names, counted
//! before a password is hashed (taken back when it was right) and remembered for a bounded number
//! of addresses.

use std::net::IpAddr;
use std::time::Instant;

use super::{Auth, Failures, LOGIN_FAILURES, LOGIN_FAILURES_PER_ADDRESS, LOGIN_TRACKED, LOGIN_WINDOW, login_key};

impl Auth {
    /// Whether sign-ins as `name` from `ip` are refused for now: too many recent failures for
    /// that name from that address, or from that address in all.
    pub fn limited(&self, ip: IpAddr, name: &str) -> bool {
        let key = login_key(ip);
        let mut f = self.failures.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let Some(list) = f.get_mut(&key) else {
            return false;
        };
        list.retain(|(t, _)| t.elapsed() < LOGIN_WINDOW);
        let limited = Self::over(list, name);
        if list.is_empty() {
            f.remove(&key);
        }
        limited
    }

    pub(super) fn over(list: &[(Instant, String)], name: &str) -> bool {
        list.len() >= LOGIN_FAILURES_PER_ADDRESS || list.iter().filter(|(_, n)| n == name).count() >= LOGIN_FAILURES
    }

    /// Count a failed sign-in as `name` from `ip`, remembering at most [`LOGIN_TRACKED`] addresses.
    pub(super) fn failed(&self, ip: IpAddr, name: &str) {
        let mut f = self.failures.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        Self::count(&mut f, login_key(ip), name);
    }

    /// Count a sign-in from `ip` as failed before its password is checked, unless `ip` is
    /// limited already (`false`): a crowd of guesses sent at once gets as many checks as the
    /// limit allows, not one each. [`Auth::login`] takes it back when the password is right.
    pub(super) fn attempt(&self, ip: IpAddr, name: &str) -> bool {
        let key = login_key(ip);
        let mut f = self.failures.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(list) = f.get_mut(&key) {
            list.retain(|(t, _)| t.elapsed() < LOGIN_WINDOW);
            if Self::over(list, name) {
                return false;
            }
        }
        Self::count(&mut f, key, name);
        true
    }

    /// A sign-in counted by [`Auth::attempt`] succeeded: it is no failure.
    pub(super) fn forgive(&self, ip: IpAddr, name: &str) {
        let key = login_key(ip);
        let mut f = self.failures.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(list) = f.get_mut(&key) {
            if let Some(i) = list.iter().rposition(|(_, n)| n == name) {
                list.remove(i);
            }
            if list.is_empty() {
                f.remove(&key);
            }
        }
    }

    pub(super) fn count(f: &mut Failures, key: IpAddr, name: &str) {
        if f.len() >= LOGIN_TRACKED && !f.contains_key(&key) {
            f.retain(|_, list| {
                list.retain(|(t, _)| t.elapsed() < LOGIN_WINDOW);
                !list.is_empty()
            });
            while f.len() >= LOGIN_TRACKED {
                let oldest = f
                    .iter()
                    .min_by_key(|(_, list)| list.last().map(|(t, _)| *t))
                    .map(|(k, _)| *k);
                match oldest {
                    Some(k) => f.remove(&k),
                    None => break,
                };
            }
        }
        // (A name is kept to 64 bytes: a guessed name is no way to grow the daemon's memory.)
        let name: String = name.chars().take(64).collect();
        f.entry(key).or_default().push((Instant::now(), name));
    }

    /// How many addresses have failed sign-ins remembered.
    #[cfg(test)]
    pub(super) fn tracked(&self) -> usize {
        self.failures
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .len()
    }
}
