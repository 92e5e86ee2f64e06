//! Time-based one-time passwords (TOTP, RFC 6238) for the console's second sign-in step: HOTP
//! (RFC 4226: HMAC-SHA1, dynamic truncation) over 30-second steps, 6 digits, one step either side
//! accepted for a phone's clock; the secret in base32 (RFC 4648, no padding) as authenticator apps
//! take it, and the enrolment's `otpauth://` URI and QR code.

use hmac::{Hmac, KeyInit as _, Mac as _};
use sha1::Sha1;

/// Seconds per step.
pub const STEP: u64 = 30;
/// Digits of a code.
pub const DIGITS: u32 = 6;
/// Bytes of a secret (160 bits, the HMAC-SHA1 output size RFC 4226 recommends).
pub const SECRET_BYTES: usize = 20;
/// The issuer an authenticator app shows beside the account.
pub const ISSUER: &str = "Pinghu";

const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// `bytes` in base32 (RFC 4648 alphabet, no padding).
pub fn base32(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    let (mut acc, mut bits) = (0u32, 0u32);
    for &b in bytes {
        acc = (acc << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(ALPHABET[((acc >> bits) & 31) as usize]));
        }
        acc &= (1 << bits) - 1;
    }
    if bits > 0 {
        out.push(char::from(ALPHABET[((acc << (5 - bits)) & 31) as usize]));
    }
    out
}

/// The bytes of a base32 text: either case, spaces and padding ignored; `None` for a letter
/// outside the alphabet.
pub fn from_base32(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 5 / 8);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in text.trim_end_matches('=').chars().filter(|c| !c.is_whitespace()) {
        let v = ALPHABET.iter().position(|&a| char::from(a) == c.to_ascii_uppercase())? as u32;
        acc = (acc << 5) | v;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
        acc &= (1 << bits) - 1;
    }
    Some(out)
}

/// The HOTP value (RFC 4226) of `key` at `counter`, `digits` long (6 to 9).
pub fn hotp(key: &[u8], counter: u64, digits: u32) -> u32 {
    // HMAC takes a key of any length: the error cannot happen, and a code nobody can type is
    // the answer if it did.
    let Ok(mut mac) = Hmac::<Sha1>::new_from_slice(key) else {
        return u32::MAX;
    };
    mac.update(&counter.to_be_bytes());
    let h = mac.finalize().into_bytes();
    // Dynamic truncation: the low nibble of the last byte picks four bytes, top bit cleared.
    let at = usize::from(h[h.len() - 1] & 0x0f);
    let bin = u32::from_be_bytes([h[at] & 0x7f, h[at + 1], h[at + 2], h[at + 3]]);
    bin % 10u32.pow(digits.clamp(1, 9))
}

/// The step of a Unix time.
pub fn step_at(unix_secs: u64) -> u64 {
    unix_secs / STEP
}

/// The 6-digit code of `key` at step `step`, with its leading zeros.
pub fn code(key: &[u8], step: u64) -> String {
    format!("{:06}", hotp(key, step, DIGITS))
}

/// The step whose code `typed` is (spaces ignored), among the step of `unix_secs` and one either
/// side, later than `used` (the last step a code of this key was accepted for: a code works once,
/// and an older one never); `None` otherwise.
pub fn check(key: &[u8], typed: &str, unix_secs: u64, used: u64) -> Option<u64> {
    let typed: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
    if typed.len() != DIGITS as usize || !typed.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let now = step_at(unix_secs);
    [now, now.saturating_sub(1), now + 1]
        .into_iter()
        .filter(|&s| s > used)
        .find(|&s| same(code(key, s).as_bytes(), typed.as_bytes()))
}

/// Compare without stopping at the first difference (how long it takes tells nothing).
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |d, (x, y)| d | (x ^ y)) == 0
}

/// The seconds since 1970 now.
pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// A new secret from the operating system's generator.
pub fn new_secret() -> Result<Vec<u8>, getrandom::Error> {
    let mut b = vec![0u8; SECRET_BYTES];
    getrandom::fill(&mut b)?;
    Ok(b)
}

/// The enrolment URI an authenticator app reads (Key Uri Format): issuer Pinghu, account `name`
/// (user names are a-z, 0-9 and -, nothing to escape).
pub fn otpauth_uri(name: &str, secret_b32: &str) -> String {
    format!("otpauth://totp/{ISSUER}:{name}?secret={secret_b32}&issuer={ISSUER}")
}

/// `text` as a QR code in SVG (black on white, with its quiet zone); `None` when it is too long
/// for one (an enrolment URI never is).
pub fn qr_svg(text: &str) -> Option<String> {
    let qr = qrcode::QrCode::new(text.as_bytes()).ok()?;
    let svg = qr
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(220, 220)
        .build();
    // Without the XML declaration: it is shown inside a page, as a data: picture.
    Some(match svg.find("<svg") {
        Some(i) => svg[i..].to_owned(),
        None => svg,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 4226 Appendix D: the HOTP values of the secret "12345678901234567890" for counters 0 to 9.
    #[test]
    fn hotp_gives_the_rfc_4226_values() {
        let key = b"12345678901234567890";
        let want = [
            755_224, 287_082, 359_152, 969_429, 338_314, 254_676, 287_922, 162_583, 399_871, 520_489,
        ];
        for (counter, want) in want.into_iter().enumerate() {
            assert_eq!(hotp(key, counter as u64, 6), want, "counter {counter}");
        }
    }

    /// RFC 6238 Appendix B, the SHA-1 column (8 digits).
    #[test]
    fn totp_gives_the_rfc_6238_sha1_values() {
        let key = b"12345678901234567890";
        for (t, want) in [
            (59u64, 94_287_082u32),
            (1_111_111_109, 7_081_804),
            (1_111_111_111, 14_050_471),
            (1_234_567_890, 89_005_924),
            (2_000_000_000, 69_279_037),
            (20_000_000_000, 65_353_130),
        ] {
            assert_eq!(hotp(key, step_at(t), 8), want, "T = {t}");
        }
        // Six digits are the last six of those, leading zeros kept.
        assert_eq!(code(key, step_at(59)), "287082");
        assert_eq!(code(key, step_at(1_111_111_109)), "081804");
    }

    #[test]
    fn a_code_is_taken_one_step_either_side_and_only_once() {
        let key = b"12345678901234567890";
        let t = 1_111_111_109;
        let now = step_at(t);
        assert_eq!(check(key, &code(key, now), t, 0), Some(now));
        assert_eq!(check(key, &code(key, now - 1), t, 0), Some(now - 1));
        assert_eq!(check(key, &code(key, now + 1), t, 0), Some(now + 1));
        assert_eq!(check(key, &code(key, now - 2), t, 0), None, "a minute old");
        assert_eq!(check(key, &code(key, now + 2), t, 0), None);
        // Used once, the same code (or an older one) is refused.
        assert_eq!(check(key, &code(key, now), t, now), None);
        assert_eq!(check(key, &code(key, now - 1), t, now), None);
        assert_eq!(check(key, &code(key, now + 1), t, now), Some(now + 1));
        // As a person types it: spaces are fine; letters, other lengths and nothing are not.
        let c = code(key, now);
        assert_eq!(check(key, &format!(" {} {} ", &c[..3], &c[3..]), t, 0), Some(now));
        for bad in ["", "12345", "1234567", "abcdef", "１２３４５６", "081804\u{0}"] {
            assert_eq!(check(key, bad, t, 0), None, "{bad:?}");
        }
    }

    /// RFC 4648 section 10, without the padding.
    #[test]
    fn base32_gives_the_rfc_4648_values_and_reads_them_back() {
        for (raw, b32) in [
            ("", ""),
            ("f", "MY"),
            ("fo", "MZXQ"),
            ("foo", "MZXW6"),
            ("foob", "MZXW6YQ"),
            ("fooba", "MZXW6YTB"),
            ("foobar", "MZXW6YTBOI"),
        ] {
            assert_eq!(base32(raw.as_bytes()), b32);
            assert_eq!(from_base32(b32).as_deref(), Some(raw.as_bytes()));
        }
        assert_eq!(base32(b"12345678901234567890"), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        // As people copy it: lower case, groups, padding.
        assert_eq!(from_base32("mzxw 6ytb oi======").as_deref(), Some(&b"foobar"[..]));
        assert_eq!(from_base32("MZXW1"), None, "1 is not in the alphabet");
        let secret = new_secret().unwrap();
        assert_eq!(from_base32(&base32(&secret)), Some(secret));
    }

    #[test]
    fn the_enrolment_uri_and_its_qr_code() {
        let uri = otpauth_uri("li-wei", "GEZDGNBV");
        assert_eq!(uri, "otpauth://totp/Pinghu:li-wei?secret=GEZDGNBV&issuer=Pinghu");
        let svg = qr_svg(&uri).unwrap();
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"), "{svg}");
    }
}
