//! Link-time settings for the `pinghu` binary.
//!
//! The daemon is a position-independent executable, so at start the dynamic loader rewrites every
//! pointer in its read-only data (vtables, string tables): about 40,000 relative relocations, 0.9
//! MiB of `.rela.dyn` that it reads and keeps resident. With `-z pack-relative-relocs` (GNU ld ≥
//! 2.38, glibc ≥ 2.36, both in Debian 12) the linker writes them as a DT_RELR bitmap of a few
//! kilobytes instead; the binary stays position-independent (ASLR unchanged) and the daemon's
//! resident memory is smaller by that much (README, "Benchmarks"). Set `PINGHU_NO_RELR=1` to link
//! without it on an older toolchain.

fn main() {
    println!("cargo:rerun-if-env-changed=PINGHU_NO_RELR");
    let linux_gnu = std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux")
        && std::env::var("CARGO_CFG_TARGET_ENV").as_deref() == Ok("gnu");
    if linux_gnu && std::env::var_os("PINGHU_NO_RELR").is_none() {
        println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    }
}
