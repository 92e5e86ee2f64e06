//! What an edit of the users file made outside the console changed: the command line's
//! `adduser`, `deluser`, `token` and `totp-reset` on the cabinet, or a hand edit. The daemon is
//! the one writer of the audit log; when it reloads the file it writes these there, so a change
//! made at the cabinet is in the hash chain as a change made in the browser is (never a secret:
//! names, roles, counts).

use serde::{Deserialize, Serialize};

use super::{Role, Users};
use crate::words::{Lang, role_word};

/// One change to one user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum FileChange {
    Added {
        user: String,
        role: Role,
    },
    Removed {
        user: String,
    },
    Role {
        user: String,
        from: Role,
        to: Role,
    },
    Password {
        user: String,
    },
    Disabled {
        user: String,
    },
    Enabled {
        user: String,
    },
    /// The set of API tokens changed (a new token, or tokens revoked): the counts.
    Tokens {
        user: String,
        from: usize,
        to: usize,
    },
    TotpOn {
        user: String,
    },
    TotpOff {
        user: String,
    },
}

impl FileChange {
    /// The change in `l`, as the audit page shows it.
    pub fn words(&self, l: Lang) -> String {
        let zh = l == Lang::Zh;
        match self {
            Self::Added { user, role } if zh => format!("添加用户 {user}（{}）", role_word(l, *role)),
            Self::Added { user, role } => format!("{user} added ({})", role_word(l, *role)),
            Self::Removed { user } if zh => format!("删除用户 {user}"),
            Self::Removed { user } => format!("{user} removed"),
            Self::Role { user, from, to } if zh => {
                format!("{user} 的角色由{}改为{}", role_word(l, *from), role_word(l, *to))
            }
            Self::Role { user, from, to } => {
                format!("{user}'s role {} → {}", role_word(l, *from), role_word(l, *to))
            }
            Self::Password { user } if zh => format!("{user} 的密码已更改"),
            Self::Password { user } => format!("{user}'s password changed"),
            Self::Disabled { user } if zh => format!("停用 {user}"),
            Self::Disabled { user } => format!("{user} disabled"),
            Self::Enabled { user } if zh => format!("启用 {user}"),
            Self::Enabled { user } => format!("{user} enabled"),
            Self::Tokens { user, from, to } if zh => format!("{user} 的 API 令牌：{from} 个 → {to} 个"),
            Self::Tokens { user, from, to } => format!("{user}'s API tokens: {from} → {to}"),
            Self::TotpOn { user } if zh => format!("{user} 设置了两步登录"),
            Self::TotpOn { user } => format!("{user}'s two-step sign-in set up"),
            Self::TotpOff { user } if zh => format!("关闭 {user} 的两步登录"),
            Self::TotpOff { user } => format!("{user}'s two-step sign-in turned off"),
        }
    }
}

/// The changes from `old` to `new`, user by user in `new`'s order, then the removed ones.
pub fn file_changes(old: &Users, new: &Users) -> Vec<FileChange> {
    let mut out = Vec::new();
    for u in &new.users {
        let user = || u.name.clone();
        let Some(o) = old.users.iter().find(|o| o.name == u.name) else {
            out.push(FileChange::Added {
                user: user(),
                role: u.role,
            });
            continue;
        };
        if o.role != u.role {
            out.push(FileChange::Role {
                user: user(),
                from: o.role,
                to: u.role,
            });
        }
        if o.password != u.password {
            out.push(FileChange::Password { user: user() });
        }
        match (o.disabled, u.disabled) {
            (false, true) => out.push(FileChange::Disabled { user: user() }),
            (true, false) => out.push(FileChange::Enabled { user: user() }),
            _ => {}
        }
        if o.tokens != u.tokens {
            out.push(FileChange::Tokens {
                user: user(),
                from: o.tokens.len(),
                to: u.tokens.len(),
            });
        }
        match (&o.totp, &u.totp) {
            (Some(_), None) => out.push(FileChange::TotpOff { user: user() }),
            (None, Some(_)) => out.push(FileChange::TotpOn { user: user() }),
            (Some(a), Some(b)) if a.secret != b.secret => out.push(FileChange::TotpOn { user: user() }),
            _ => {}
        }
    }
    for o in &old.users {
        if !new.users.iter().any(|u| u.name == o.name) {
            out.push(FileChange::Removed { user: o.name.clone() });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::{User, UserTotp};

    fn user(name: &str, role: Role) -> User {
        User {
            name: name.into(),
            role,
            password: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
            tokens: vec![],
            disabled: false,
            totp: None,
        }
    }

    /// Each kind of edit is named once, by user, and nothing changed says nothing.
    #[test]
    fn each_edit_of_the_file_is_named_by_user_without_secrets() {
        let mut li = user("li", Role::Admin);
        li.totp = Some(UserTotp {
            secret: "JBSWY3DPEHPK3PXP".into(),
            last_step: 7,
        });
        let old = Users {
            users: vec![li.clone(), user("chen", Role::Operator), user("zhao", Role::Viewer)],
        };
        assert_eq!(file_changes(&old, &old), vec![]);
        let mut new = old.clone();
        new.users[0].totp = None;
        new.users[1].role = Role::Technician;
        new.users[1].tokens.push("ab".repeat(32));
        new.users[1].password = "$argon2id$other".into();
        new.users[1].disabled = true;
        new.users.remove(2);
        new.users.push(user("wang", Role::Viewer));
        let changes = file_changes(&old, &new);
        assert_eq!(
            changes,
            vec![
                FileChange::TotpOff { user: "li".into() },
                FileChange::Role {
                    user: "chen".into(),
                    from: Role::Operator,
                    to: Role::Technician
                },
                FileChange::Password { user: "chen".into() },
                FileChange::Disabled { user: "chen".into() },
                FileChange::Tokens {
                    user: "chen".into(),
                    from: 0,
                    to: 1
                },
                FileChange::Added {
                    user: "wang".into(),
                    role: Role::Viewer
                },
                FileChange::Removed { user: "zhao".into() },
            ]
        );
        let json = serde_json::to_string(&changes).unwrap();
        assert!(
            json.contains(r#"{"change":"role","user":"chen","from":"operator","to":"technician"}"#),
            "{json}"
        );
        assert!(
            !json.contains("argon2") && !json.contains("JBSW") && !json.contains("abab"),
            "{json}"
        );
    }
}
