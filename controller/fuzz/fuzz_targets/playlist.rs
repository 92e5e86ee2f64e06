//! The playlist parser: any text either parses into a playlist or is refused with diagnostics
//! (`FILE:LINE:COL`); nothing panics. A playlist that parses is scheduled for a day, minute by
//! minute, with the built-in calendar.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match pinghu_playlists::parse(text, "fuzz.toml") {
        Ok(p) => {
            let cal = pinghu_playlists::Calendar::builtin();
            let tz = jiff::tz::TimeZone::get("Asia/Shanghai").expect("the zone");
            let start: jiff::Timestamp = "2026-12-01T00:00:00Z".parse().expect("a time");
            let _ = pinghu_playlists::timeline(&p, &cal, &tz, start, 24);
        }
        Err(e) => {
            let text = e.to_string();
            assert!(!text.is_empty());
        }
    }
});
