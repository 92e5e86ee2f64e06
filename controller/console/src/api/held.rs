//! The texts the form edits against, held by the console under their SHA-256 (a `base`): the
//! browser sends a long playlist's text once, then only what each edit changed, and checks and
//! previews it by its base. Bounded: at most [`MAX_TEXTS`] texts and [`MAX_BYTES`] together, the
//! least recently used forgotten first; a base forgotten (or from before a restart) is refused
//! with [`BaseGone`], and the browser sends its text again.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;
use thiserror::Error;

use pinghu_daemon::ingest::sha256_hex;

/// The most texts held at once.
pub const MAX_TEXTS: usize = 16;
/// The most bytes of text held at once (eight playlists of the 2 MiB a request may carry).
pub const MAX_BYTES: usize = 16 * 1024 * 1024;

/// Texts by their SHA-256, most recently used last.
#[derive(Debug, Default)]
pub struct Held {
    texts: Mutex<VecDeque<(String, Arc<str>)>>,
}

/// A base the console does not hold (any more): the browser sends its text again.
#[derive(Debug, Error, PartialEq, Eq)]
#[error(
    "the text this edit was made against ({}…) is not held by the console any more (forgotten for newer ones, or a restart): send the text again",
    base.chars().take(12).collect::<String>()
)]
pub struct BaseGone {
    pub base: String,
}

impl BaseGone {
    /// The same in Chinese.
    pub fn zh(&self) -> String {
        let base: String = self.base.chars().take(12).collect();
        format!(
            "控制台已不再保存这次修改所依据的节目单文本（{base}…；已被较新的文本替换，或控制台重启过）：请重新提交节目单文本"
        )
    }
}

impl IntoResponse for BaseGone {
    /// 409, with `"base_gone": true` so the browser knows to send the text again.
    fn into_response(self) -> Response {
        let body = json!({"ok": false, "base_gone": true, "error": self.to_string(), "error_zh": self.zh()});
        (StatusCode::CONFLICT, Json(body)).into_response()
    }
}

impl Held {
    /// Hold `text`: its base.
    pub fn keep(&self, text: &str) -> String {
        let base = sha256_hex(text.as_bytes());
        let mut texts = self.texts.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(at) = texts.iter().position(|(b, _)| *b == base) {
            if let Some(e) = texts.remove(at) {
                texts.push_back(e);
            }
            return base;
        }
        texts.push_back((base.clone(), Arc::from(text)));
        let mut bytes: usize = texts.iter().map(|(_, t)| t.len()).sum();
        // The newest stays even when it alone passes the bytes (a request is at most 2 MiB).
        while texts.len() > 1 && (texts.len() > MAX_TEXTS || bytes > MAX_BYTES) {
            if let Some((_, t)) = texts.pop_front() {
                bytes -= t.len();
            }
        }
        base
    }

    /// The text held as `base`.
    pub fn get(&self, base: &str) -> Result<Arc<str>, BaseGone> {
        let mut texts = self.texts.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let at = texts
            .iter()
            .position(|(b, _)| b == base)
            .ok_or_else(|| BaseGone { base: base.to_owned() })?;
        let e = texts.remove(at).ok_or_else(|| BaseGone { base: base.to_owned() })?;
        let text = Arc::clone(&e.1);
        texts.push_back(e);
        Ok(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_held_texts_stay_within_their_count_and_bytes_oldest_forgotten_first() {
        let held = Held::default();
        let first = held.keep("first");
        for i in 0..MAX_TEXTS - 1 {
            held.keep(&format!("text {i}"));
        }
        // Used again: the most recent, so not the next forgotten.
        assert_eq!(&*held.get(&first).unwrap(), "first");
        let second = sha256_hex(b"text 0");
        held.keep("one more");
        assert!(held.get(&first).is_ok());
        let gone = held.get(&second).unwrap_err();
        // A base is what a caller sent: any characters, never sliced inside one.
        assert!(
            held.get("夷陵区政务服务中心节目单")
                .unwrap_err()
                .to_string()
                .contains("夷陵区")
        );
        assert!(gone.to_string().contains("send the text again") && gone.zh().contains("重新提交"));

        let big = "x".repeat(MAX_BYTES / 2 + 1);
        let a = held.keep(&big);
        let b = held.keep(&big.replace('x', "y"));
        assert!(held.get(&a).is_err(), "two halves and a byte do not fit");
        assert!(held.get(&b).is_ok());
        let texts = held.texts.lock().unwrap();
        assert!(texts.iter().map(|(_, t)| t.len()).sum::<usize>() <= MAX_BYTES);
    }
}
