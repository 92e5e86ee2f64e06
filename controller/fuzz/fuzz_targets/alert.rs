//! Warning documents: any bytes either read as a CAP or GB/T 35965.1 warning, which is then judged
//! for a board in 夷陵区, or are refused with a reason; nothing panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pinghu::alerts::{AlertConfig, Format, read};

fuzz_target!(|data: &[u8]| {
    let board = AlertConfig {
        geocodes: vec!["420506".into()],
        location: Some((30.77, 111.33)),
        ..AlertConfig::default()
    };
    for format in [Format::Cap, Format::Gbt35965] {
        match read(data, format) {
            Ok(alert) => {
                let _ = board.judge(&alert, "alert-fuzz", 1);
            }
            Err(e) => assert!(!e.problem.is_empty()),
        }
    }
});
