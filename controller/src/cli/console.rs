//! `pinghu console adduser | deluser | token [--revoke] | totp-reset`: manage the console's users
//! file.

use std::io::BufRead as _;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context as _, Result};

use crate::console::auth::{Role, Users};

#[derive(Debug, clap::Subcommand)]
pub enum ConsoleCommand {
    /// Add a console user, or change a user's role and password (password: first line of stdin);
    /// a new password ends the user's browser sessions
    Adduser {
        /// The user name (a-z, 0-9, -)
        name: String,
        #[arg(long, value_enum)]
        role: Role,
        /// The users file (the configuration's console.users_file)
        #[arg(long, value_name = "FILE", default_value = "console-users.toml")]
        users: std::path::PathBuf,
    },
    /// A new API token for a user, for scripts (Authorization: Bearer TOKEN); printed once
    Token {
        /// The user name
        name: String,
        /// Instead: forget every API token of the user (scripts using them get 401)
        #[arg(long)]
        revoke: bool,
        /// The users file (the configuration's console.users_file)
        #[arg(long, value_name = "FILE", default_value = "console-users.toml")]
        users: std::path::PathBuf,
    },
    /// Remove a console user: their API tokens stop working and their browser sessions end (a
    /// running daemon notices within 2 s)
    Deluser {
        /// The user name
        name: String,
        /// The users file (the configuration's console.users_file)
        #[arg(long, value_name = "FILE", default_value = "console-users.toml")]
        users: std::path::PathBuf,
    },
    /// Turn off a user's two-step sign-in (TOTP), for when the phone is lost and no other admin
    /// can reset it in the browser: the user signs in with the password alone and sets it up
    /// again on the users page (a running daemon notices within 2 s and logs it)
    #[command(name = "totp-reset")]
    TotpReset {
        /// The user name
        name: String,
        /// The users file (the configuration's console.users_file)
        #[arg(long, value_name = "FILE", default_value = "console-users.toml")]
        users: std::path::PathBuf,
    },
}

impl ConsoleCommand {
    /// Run a `pinghu console` subcommand.
    pub fn run(self) -> Result<ExitCode> {
        match self {
            ConsoleCommand::Adduser { name, role, users } => adduser(&users, &name, role),
            ConsoleCommand::Token {
                name,
                revoke: false,
                users,
            } => token(&users, &name),
            ConsoleCommand::Token {
                name,
                revoke: true,
                users,
            } => {
                let mut u = Users::load(&users)?;
                let n = u.revoke_tokens(&name)?;
                u.save(&users)?;
                println!("{n} API token(s) of {name} revoked in {}", users.display());
                Ok(ExitCode::SUCCESS)
            }
            ConsoleCommand::TotpReset { name, users } => {
                let mut u = Users::load(&users)?;
                u.reset_totp(&name)?;
                u.save(&users)?;
                println!(
                    "two-step sign-in of {name} turned off in {}: they sign in with the password and can set it up again",
                    users.display()
                );
                Ok(ExitCode::SUCCESS)
            }
            ConsoleCommand::Deluser { name, users } => {
                let mut u = Users::load(&users)?;
                u.remove_user(&name)?;
                u.save(&users)?;
                println!("{name} removed from {}: their tokens and sessions end", users.display());
                Ok(ExitCode::SUCCESS)
            }
        }
    }
}

/// Add a user (or change their role and password); the password is the first line of standard
/// input (typed at a prompt, or piped by a script).
pub fn adduser(users_file: &Path, name: &str, role: Role) -> Result<ExitCode> {
    if !crate::daemon::config::valid_name(name) {
        anyhow::bail!("user name {name:?}: use 1 to 32 of a-z, 0-9 and -");
    }
    if std::io::IsTerminal::is_terminal(&std::io::stdin()) {
        eprint!("password for {name} (at least 8 characters): ");
    }
    let mut password = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut password)
        .context("cannot read the password from standard input")?;
    let password = password.trim_end_matches(['\r', '\n']);
    let mut users = Users::load(users_file)?;
    users.set_user(name, role, password)?;
    users.save(users_file)?;
    println!("{name} ({}) saved in {}", role.name(), users_file.display());
    Ok(ExitCode::SUCCESS)
}

/// A new API token for `name`, printed once (only its hash is kept).
pub fn token(users_file: &Path, name: &str) -> Result<ExitCode> {
    let mut users = Users::load(users_file)?;
    let token = users.new_token(name)?;
    users.save(users_file)?;
    println!("{token}");
    eprintln!("use it as: Authorization: Bearer TOKEN (shown once; it is kept only as a hash)");
    Ok(ExitCode::SUCCESS)
}
