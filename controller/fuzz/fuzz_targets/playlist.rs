//! The playlist parser: any text either parses into a playlist or is refused with diagnostics
//! (`FILE:LINE:COL`); nothing panics. A playlist that parses is scheduled for a day, minute by
//! minute, with the built-in calendar, and its items' date fields are filled in and judged.
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
            for item in p.all_items() {
                for day in [jiff::civil::date(2026, 12, 4), jiff::civil::date(9999, 12, 31)] {
                    let _ = pinghu_playlists::fields::fill(&item.text, day);
                }
                let _ = pinghu_playlists::fields::problems(&item.text);
            }
        }
        Err(e) => {
            let text = e.to_string();
            assert!(!text.is_empty());
        }
    }
});
