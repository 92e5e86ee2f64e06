//! The users file: users with roles, passwords as argon2id hashes and API tokens as SHA-256
//! hashes; and the password check a sign-in makes.

use std::path::Path;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use serde::{Deserialize, Serialize};

use pinghu_daemon::ingest::sha256_hex;

/// Why an API token opens nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenRefused {
    /// No user holds it (never issued, or revoked).
    Unknown,
    /// Its user is disabled.
    Disabled { name: String },
}

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
    /// Cannot sign in or use a token (kept, to be enabled again).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub disabled: bool,
    /// Two-step sign-in (TOTP): a code from an authenticator app after the password.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub totp: Option<UserTotp>,
}

/// A user's TOTP secret and the last step a code was accepted for (a code works once, also
/// across a restart). Kept as the secret itself (a code is computed from it), in the users file
/// that only its owner reads.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserTotp {
    /// Base32 (RFC 4648, no padding), as the authenticator app was given it.
    pub secret: String,
    #[serde(default)]
    pub last_step: u64,
}

/// Never the secret.
impl std::fmt::Debug for UserTotp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TOTP (last step {})", self.last_step)
    }
}

impl UserTotp {
    /// The secret's bytes; `None` when the file holds no base32 there (a hand edit gone wrong).
    pub fn key(&self) -> Option<Vec<u8>> {
        super::totp::from_base32(&self.secret).filter(|k| !k.is_empty())
    }
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
    ShortPassword,
    #[error(
        "this password is too easy to guess (a common word, a name, a date or a pattern): use a longer one, \
         three or four unrelated words with a number, say"
    )]
    WeakPassword,
    #[error("cannot hash the password: {0}")]
    Hash(String),
    #[error("user name {0:?}: use 1 to 32 of a-z, 0-9 and -")]
    BadName(String),
    #[error("{0} is the last admin who can sign in: make another user admin first")]
    LastAdmin(String),
    #[error("you cannot {0} your own account: ask another admin")]
    Yourself(&'static str),
    #[error("there is already a user {0}: change their role or password instead")]
    Exists(String),
    #[error(
        "that code is wrong or was used already: type the 6 digits your authenticator app shows now \
         (each code works once; check the phone's clock if it keeps failing)"
    )]
    WrongCode,
    #[error("too many wrong codes: try again in five minutes")]
    CodeLimited,
    #[error("the two-step set-up is no longer waiting (it lasts 10 minutes): start it again and scan the new QR code")]
    TotpNotBegun,
    #[error("{0} uses two-step sign-in already: turn it off (with a current code) before setting up another phone")]
    TotpOn(String),
    #[error("{0} does not use two-step sign-in")]
    TotpOff(String),
    #[error(
        "you cannot reset your own two-step sign-in: turn it off with a current code, or ask another admin \
         (or run `pinghu console totp-reset` on the cabinet)"
    )]
    TotpResetYourself,
    #[error("two-step sign-in is set up for yourself only: {0} sets it up when signed in")]
    TotpNotYours(String),
}

impl AuthError {
    /// The same in Chinese, for the console's users page.
    pub fn zh(&self) -> String {
        match self {
            AuthError::Read { path, reason } => format!("无法读取控制台用户文件 {path}：{reason}"),
            AuthError::Invalid { path, reason } => format!("控制台用户文件 {path} 无效：{reason}"),
            AuthError::Write { path, reason } => format!("无法写入控制台用户文件 {path}：{reason}（什么也没改）"),
            AuthError::NoUser(n) => format!("没有用户 {n}"),
            AuthError::ShortPassword => "密码至少需要 8 个字符".into(),
            AuthError::WeakPassword => {
                "密码太容易被猜到（常见词、姓名、日期或规律）：请用更长的密码，例如三四个不相关的词加一个数字".into()
            }
            AuthError::Hash(e) => format!("无法计算密码的哈希：{e}"),
            AuthError::BadName(n) => format!("用户名 {n:?}：请用 1 到 32 个小写字母、数字或 -"),
            AuthError::LastAdmin(n) => format!("{n} 是最后一个可登录的管理员：请先把另一个用户设为管理员"),
            AuthError::Exists(n) => format!("已有用户 {n}：请改其角色或密码"),
            AuthError::WrongCode => {
                "验证码错误或已用过：请输入身份验证器应用当前显示的 6 位数字（每个验证码只能用一次；若一直失败，请检查手机时间）".into()
            }
            AuthError::CodeLimited => "验证码错误次数过多，请五分钟后再试。".into(),
            AuthError::TotpNotBegun => "两步验证的设置已失效（有效 10 分钟）：请重新开始并扫描新的二维码".into(),
            AuthError::TotpOn(n) => format!("{n} 已启用两步验证：如需换手机，请先用当前验证码关闭"),
            AuthError::TotpOff(n) => format!("{n} 未启用两步验证"),
            AuthError::TotpResetYourself => {
                "不能重置自己的两步验证：请用当前验证码关闭，或请另一位管理员操作（也可在机柜上运行 pinghu console totp-reset）".into()
            }
            AuthError::TotpNotYours(n) => format!("两步验证只能为自己设置：请 {n} 登录后自行设置"),
            AuthError::Yourself(what) => {
                let what = match *what {
                    "disable" => "停用",
                    "remove" => "删除",
                    "demote" => "降低角色于",
                    "revoke the tokens of" => "撤销令牌于",
                    other => other,
                };
                format!("不能{what}自己的账号：请让另一位管理员操作")
            }
        }
    }
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
        pinghu_daemon::disk::Disk::new()
            .write_secret(path, text.as_bytes())
            .map_err(|e| err(&e))
    }

    /// Add a user, or change an existing user's role and password.
    pub fn set_user(&mut self, name: &str, role: Role, password: &str) -> Result<(), AuthError> {
        let hash = hash_password(name, password)?;
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
                disabled: false,
                totp: None,
            }),
        }
        Ok(())
    }

    /// A new password for `name` (their browser sessions end; their API tokens stay).
    pub fn set_password(&mut self, name: &str, password: &str) -> Result<(), AuthError> {
        let hash = hash_password(name, password)?;
        self.user_mut(name)?.password = hash;
        Ok(())
    }

    /// A new role for `name`, refused when it would leave no admin who can sign in.
    pub fn set_role(&mut self, name: &str, role: Role) -> Result<(), AuthError> {
        self.user_mut(name)?.role = role;
        self.keeps_an_admin(name)
    }

    /// Disable `name` (no sign-in, no token, their sessions end) or enable them again; refused
    /// when it would leave no admin who can sign in.
    pub fn set_disabled(&mut self, name: &str, disabled: bool) -> Result<(), AuthError> {
        self.user_mut(name)?.disabled = disabled;
        self.keeps_an_admin(name)
    }

    /// `Err` when no enabled admin is left (after a change to `name`).
    pub fn keeps_an_admin(&self, name: &str) -> Result<(), AuthError> {
        if self.users.iter().any(|u| u.role == Role::Admin && !u.disabled) {
            Ok(())
        } else {
            Err(AuthError::LastAdmin(name.to_owned()))
        }
    }

    pub(super) fn user_mut(&mut self, name: &str) -> Result<&mut User, AuthError> {
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

    /// Turn off the two-step sign-in of `name` (the phone was lost, or they turned it off with
    /// a current code): their password alone signs them in again.
    pub fn reset_totp(&mut self, name: &str) -> Result<(), AuthError> {
        let u = self.user_mut(name)?;
        if u.totp.take().is_none() {
            return Err(AuthError::TotpOff(name.to_owned()));
        }
        Ok(())
    }

    /// Forget every API token of `name`; how many there were.
    pub fn revoke_tokens(&mut self, name: &str) -> Result<usize, AuthError> {
        let u = self.user_mut(name)?;
        Ok(std::mem::take(&mut u.tokens).len())
    }

    /// The user whose password this is (a disabled user has none).
    pub fn check_password(&self, name: &str, password: &str) -> Option<&User> {
        let u = self.users.iter().find(|u| u.name == name && !u.disabled)?;
        verify_password(&u.password, password).then_some(u)
    }

    /// The user an API token belongs to (a disabled user's tokens do not work).
    pub fn check_token(&self, token: &str) -> Option<&User> {
        self.token_user(token).ok()
    }

    /// The user an API token belongs to, or why it opens nothing.
    pub fn token_user(&self, token: &str) -> Result<&User, TokenRefused> {
        let h = sha256_hex(token.as_bytes());
        match self.users.iter().find(|u| u.tokens.contains(&h)) {
            None => Err(TokenRefused::Unknown),
            Some(u) if u.disabled => Err(TokenRefused::Disabled { name: u.name.clone() }),
            Some(u) => Ok(u),
        }
    }
}

/// The words a password must not lean on: the product's and the district's names.
const OUR_WORDS: [&str; 6] = ["pinghu", "yiling", "console", "admin", "password", "led"];

/// Refuse a password shorter than 8 characters, or one a guesser would find within about 10^10
/// tries (zxcvbn's score under 3: a common word, a name, a keyboard walk, `password` and the like),
/// the user's own name and the product's words counted as known.
pub fn check_strength(name: &str, password: &str) -> Result<(), AuthError> {
    if password.chars().count() < 8 {
        return Err(AuthError::ShortPassword);
    }
    // The name as written, joined up (`zhang-san` is typed `zhangsan` in a password) and in parts.
    let joined: String = name.chars().filter(char::is_ascii_alphanumeric).collect();
    let mut known: Vec<&str> = OUR_WORDS.to_vec();
    known.push(name);
    known.push(&joined);
    known.extend(name.split(|c: char| !c.is_ascii_alphanumeric()).filter(|p| p.len() > 1));
    if u8::from(zxcvbn::zxcvbn(password, &known).score()) < 3 {
        return Err(AuthError::WeakPassword);
    }
    Ok(())
}

/// An argon2id PHC string of `password`, refused when it is too weak.
fn hash_password(name: &str, password: &str) -> Result<String, AuthError> {
    check_strength(name, password)?;
    let mut raw = [0u8; 16];
    getrandom::fill(&mut raw).map_err(|e| AuthError::Hash(e.to_string()))?;
    let salt = SaltString::encode_b64(&raw).map_err(|e| AuthError::Hash(e.to_string()))?;
    Ok(argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| AuthError::Hash(e.to_string()))?
        .to_string())
}

/// Whether `password` matches the argon2id PHC string `phc` (a few milliseconds on purpose).
pub(super) fn verify_password(phc: &str, password: &str) -> bool {
    PasswordHash::new(phc).ok().is_some_and(|h| {
        argon2::Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// The hash a sign-in with an unknown name is checked against, so it costs what a known name
/// costs and the answer's time does not tell which names exist (made once, of a random
/// password nobody knows).
pub(super) fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| {
        let mut raw = [0u8; 32];
        let _ = getrandom::fill(&mut raw);
        let Ok(salt) = SaltString::encode_b64(&raw[..16]) else {
            return String::new();
        };
        argon2::Argon2::default()
            .hash_password(&raw[16..], &salt)
            .map(|h| h.to_string())
            .unwrap_or_default()
    })
}
