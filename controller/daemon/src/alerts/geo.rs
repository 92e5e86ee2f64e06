//! Places: GB/T 2260 administrative division codes and the shapes of CAP areas.
//!
//! **Codes.** GB/T 2260 names a province with 2 digits, a city with 4 and a county with 6
//! (`420506` 夷陵区, its city `420500` 宜昌市, its province `420000` 湖北省); national warning
//! messages extend it to townships (9 digits) and villages (12: 2+2+2+3+3). Trailing zeros of a
//! level mean "the whole of" the level above: `420000000000` is all of 湖北省, `420506000000` all
//! of 夷陵区. A code *covers* another when the second lies within it: its significant digits
//! (the code without its whole-of zeros, level by level) begin the other's.

/// The digits that say which place a 6-, 9- or 12-digit code names, its whole-of zeros dropped
/// level by level (`420500` → `4205`, `420506100000` → `420506100`); `None` for a code of another
/// shape, or one that is zeros throughout.
fn significant(code: &str) -> Option<&str> {
    let code = code.trim();
    if !matches!(code.len(), 6 | 9 | 12) || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // The levels end after 2, 4, 6, 9 and 12 digits.
    let mut end = code.len();
    for level in [12, 9, 6, 4, 2] {
        if level < end && code[level..end].bytes().all(|b| b == b'0') {
            end = level;
        }
    }
    // `end` is the last level whose digits are not all zeros after it; a code of zeros names nothing.
    (!code[..end].bytes().all(|b| b == b'0')).then(|| &code[..end])
}

/// Whether the GB/T 2260 code `area` covers the place `board` (the same place, or one inside
/// it). Either may have 6, 9 or 12 digits. A code of another shape covers nothing.
pub fn covers(area: &str, board: &str) -> bool {
    match (significant(area), significant(board)) {
        (Some(a), Some(b)) => b.starts_with(a),
        _ => false,
    }
}

/// Whether a text is a GB/T 2260 code this board can use (6, 9 or 12 digits, not all zeros).
pub fn is_division_code(code: &str) -> bool {
    significant(code).is_some()
}

/// Whether `p` lies inside `polygon` (even-odd rule on latitude/longitude).
pub fn in_polygon(p: (f64, f64), polygon: &[(f64, f64)]) -> bool {
    let mut inside = false;
    let mut j = polygon.len().saturating_sub(1);
    for i in 0..polygon.len() {
        let (yi, xi) = polygon[i];
        let (yj, xj) = polygon[j];
        if (yi > p.0) != (yj > p.0) && p.1 < (xj - xi) * (p.0 - yi) / (yj - yi) + xi {
            inside = !inside;
        }
        j = i;
    }
    inside
}

/// Great-circle distance in kilometres.
pub fn distance_km(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (la1, lo1, la2, lo2) = (a.0.to_radians(), a.1.to_radians(), b.0.to_radians(), b.1.to_radians());
    let h = ((la2 - la1) / 2.0).sin().powi(2) + la1.cos() * la2.cos() * ((lo2 - lo1) / 2.0).sin().powi(2);
    2.0 * 6371.0088 * h.sqrt().asin()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_covers_itself_and_what_lies_inside_it_at_every_length() {
        // 湖北省, 宜昌市, 夷陵区 in 6 and 12 digits; a township of 夷陵区 in 9 and 12.
        let province = ["420000", "420000000", "420000000000"];
        let city = ["420500", "420500000", "420500000000"];
        let county = ["420506", "420506000", "420506000000"];
        let township = ["420506100", "420506100000"];
        for board in county.iter().chain(&township) {
            for area in province.iter().chain(&city).chain(&county) {
                assert!(covers(area, board), "{area} covers {board}");
            }
        }
        for area in &township {
            for board in &township {
                assert!(covers(area, board), "{area} covers {board}");
            }
            // A township's warning is not for a board configured for the whole county.
            for board in &county {
                assert!(!covers(area, board), "{area} does not cover {board}");
            }
        }
        // Neighbours at every level.
        assert!(!covers("420502", "420506"), "another district of 宜昌市");
        assert!(!covers("420502000000", "420506000000"));
        assert!(!covers("420600000000", "420506"), "another city");
        assert!(!covers("430000000000", "420506100000"), "another province");
        assert!(!covers("420506101000", "420506100000"), "another township");
        assert!(
            !covers("420506100201", "420506100000"),
            "a village does not cover its township"
        );
        assert!(covers("420506100000", "420506100201"), "its township covers a village");
    }

    #[test]
    fn codes_of_other_shapes_cover_nothing() {
        for odd in [
            "4205",
            "4205060",
            "42050610000",
            "000000",
            "000000000000",
            "42O506",
            " ",
            "",
        ] {
            assert!(!covers(odd, "420506"), "{odd:?}");
            assert!(!covers("420000", odd), "{odd:?}");
            assert!(!is_division_code(odd), "{odd:?}");
        }
        assert!(covers(" 420000 ", "420506"), "spaces around a code are not part of it");
    }

    #[test]
    fn shapes_contain_points_just_in_and_just_out() {
        // A square around 夷陵区's centre (30.77 N, 111.33 E), 0.1° a side.
        let sq = [
            (30.72, 111.28),
            (30.72, 111.38),
            (30.82, 111.38),
            (30.82, 111.28),
            (30.72, 111.28),
        ];
        assert!(in_polygon((30.77, 111.33), &sq));
        assert!(in_polygon((30.7201, 111.33), &sq));
        assert!(!in_polygon((30.7199, 111.33), &sq));
        assert!(!in_polygon((30.77, 111.3801), &sq));
        // 1° of latitude is about 111.2 km.
        let d = distance_km((30.0, 111.0), (31.0, 111.0));
        assert!((d - 111.2).abs() < 0.2, "{d}");
    }
}
