//! What the command-line tests of this package share.

use std::process::Command;

/// Run this build's `pinghu` with `args`: (exit code, stdout, stderr).
pub fn pinghu(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_pinghu")).args(args).output().unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}
