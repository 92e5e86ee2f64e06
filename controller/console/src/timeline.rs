//! The playlist's coming week as an SVG: one row per day (holidays and make-up workdays marked),
//! the hours across, a bar for each stretch of the rotation striped with the colour of each item
//! that takes turns in it (so an item sharing the hours with others is seen), and the board's dark
//! hours greyed.

use std::fmt::Write as _;

use pinghu_playlists::DayKind;

use crate::words::{Lang, t};
use pinghu_daemon::core::Week;

const LEFT: f64 = 150.0;
const HOUR: f64 = 30.0;
const ROW: f64 = 30.0;
const TOP: f64 = 24.0;
/// At most this many stripes in a stretch and names in its tooltip: the rest is one grey stripe
/// and a count. Without a bound a playlist of 10 000 items drew 10 000 stripes per stretch, each
/// titled with every id: gigabytes of SVG for one page view.
const MAX_STRIPES: usize = 12;
/// At most this many items in the legend; the rest is a count.
const MAX_LEGEND: usize = 48;

fn colour(i: usize) -> &'static str {
    [
        "#2e7d32", "#c62828", "#1565c0", "#f9a825", "#6a1b9a", "#00838f", "#ef6c00", "#5d4037",
    ][i % 8]
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The SVG of a week.
pub fn week_svg(w: &Week, l: Lang) -> String {
    // Room on the right for half of the last hour label ("24:00", centred on the last line).
    let width = LEFT + 24.0 * HOUR + 24.0;
    let legend = w.items.len().min(MAX_LEGEND + 1);
    let height = TOP + ROW * w.days.len() as f64 + 40.0 + 20.0 * (legend.div_ceil(4)) as f64;
    let index: std::collections::HashMap<&str, usize> =
        w.items.iter().enumerate().map(|(i, id)| (id.as_str(), i)).collect();
    let mut s = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" id="week" width="{width}" height="{height}" font-size="12" font-family="sans-serif">"#
    );
    for h in (0..=24).step_by(3) {
        let x = LEFT + f64::from(h) * HOUR;
        let _ = write!(
            s,
            r##"<text x="{x}" y="14" text-anchor="middle">{h:02}:00</text><line x1="{x}" y1="{TOP}" x2="{x}" y2="{}" stroke="#bbb"/>"##,
            TOP + ROW * w.days.len() as f64
        );
    }
    // Stretches: from each change to the next (or the end of the week).
    // The week ends 7 days after its first moment (today's midnight).
    let end = w
        .entries
        .first()
        .map(|e| e.at.timestamp() + jiff::SignedDuration::from_hours(24 * 7));
    for (row, (date, kind)) in w.days.iter().enumerate() {
        let y = TOP + ROW * row as f64;
        let (mark, fill) = match kind {
            DayKind::Holiday => (t(l, "holiday"), "#fde0dc"),
            DayKind::MakeUpWorkday => (t(l, "makeup"), "#fff3c4"),
            DayKind::Weekend => ("", "#eeeeee"),
            DayKind::Workday => ("", "#ffffff"),
        };
        let _ = write!(
            s,
            r#"<rect class="day {kind:?}" x="0" y="{y}" width="{width}" height="{ROW}" fill="{fill}"/><text x="6" y="{}">{} {} {}</text>"#,
            y + 19.0,
            date,
            weekday(*date, l),
            esc(mark)
        );
        for (k, e) in w.entries.iter().enumerate() {
            let from = e.at.clone();
            let to = w.entries.get(k + 1).map(|n| n.at.timestamp()).or(end);
            let Some(to) = to else { continue };
            if from.date() > *date {
                continue;
            }
            let day_start = date.to_zoned(from.time_zone().clone()).map(|z| z.timestamp()).ok();
            let Some(day_start) = day_start else { continue };
            let day_end = day_start + jiff::SignedDuration::from_hours(24);
            let (a, b) = (from.timestamp().max(day_start), to.min(day_end));
            if b <= a {
                continue;
            }
            let x0 = LEFT + a.duration_since(day_start).as_secs_f64() / 3600.0 * HOUR;
            let x1 = LEFT + b.duration_since(day_start).as_secs_f64() / 3600.0 * HOUR;
            // One stripe per item taking turns (a dark stretch is one grey bar).
            let (fills, title): (Vec<&str>, String) = if !e.power {
                (vec!["#555"], t(l, "dark").to_owned())
            } else if e.rotation.is_empty() {
                continue;
            } else {
                let shown = e.rotation.len().min(MAX_STRIPES);
                let mut fills: Vec<&str> = e.rotation[..shown]
                    .iter()
                    .map(|id| colour(index.get(id.as_str()).copied().unwrap_or(0)))
                    .collect();
                let mut title = e.rotation[..shown].join(", ");
                if e.rotation.len() > shown {
                    // The rest, counted: one grey stripe.
                    fills.pop();
                    fills.push("#999");
                    let _ = write!(title, " … +{}", e.rotation.len() - shown);
                }
                (fills, title)
            };
            let stripe = (ROW - 10.0) / fills.len() as f64;
            for (j, fill) in fills.iter().enumerate() {
                let _ = write!(
                    s,
                    r#"<rect class="slot" x="{x0:.1}" y="{:.1}" width="{:.1}" height="{stripe:.1}" fill="{fill}"><title>{} {}–{} · {} {}</title></rect>"#,
                    y + 5.0 + stripe * j as f64,
                    (x1 - x0).max(1.0),
                    date,
                    from.strftime("%H:%M"),
                    b.to_zoned(from.time_zone().clone()).strftime("%H:%M"),
                    esc(&title),
                    e.brightness
                );
            }
        }
    }
    let y0 = TOP + ROW * w.days.len() as f64 + 24.0;
    if w.items.len() > MAX_LEGEND {
        let i = MAX_LEGEND;
        let (x, y) = (10.0 + 230.0 * (i % 4) as f64, y0 + 20.0 * (i / 4) as f64);
        let _ = write!(s, r#"<text x="{x}" y="{y}">… +{}</text>"#, w.items.len() - MAX_LEGEND);
    }
    for (i, id) in w.items.iter().enumerate().take(MAX_LEGEND) {
        let (x, y) = (10.0 + 230.0 * (i % 4) as f64, y0 + 20.0 * (i / 4) as f64);
        let _ = write!(
            s,
            r#"<rect x="{x}" y="{}" width="12" height="12" fill="{}"/><text x="{}" y="{y}">{}</text>"#,
            y - 10.0,
            colour(i),
            x + 16.0,
            esc(id)
        );
    }
    s.push_str("</svg>");
    s
}

fn weekday(d: jiff::civil::Date, l: Lang) -> &'static str {
    let k = d.weekday().to_monday_zero_offset() as usize;
    if l == Lang::Zh {
        ["周一", "周二", "周三", "周四", "周五", "周六", "周日"][k]
    } else {
        ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][k]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_that_take_turns_each_show_in_the_stretch() {
        let playlist = pinghu_playlists::parse(
            "[[item]]\nid = \"hello\"\ntext = \"你好\"\n\n[[item]]\nid = \"sunrise\"\ntext = \"日出\"\n\n\
             [[item]]\nid = \"evening\"\ntext = \"晚上\"\ntime = \"18:00-22:00\"\n",
            "pl.toml",
        )
        .unwrap();
        let calendar = pinghu_playlists::Calendar::builtin();
        let tz = jiff::tz::TimeZone::get("Asia/Shanghai").unwrap();
        let today: jiff::civil::Date = "2026-12-07".parse().unwrap();
        let start = today.to_zoned(tz.clone()).unwrap().timestamp();
        let week = Week {
            entries: pinghu_playlists::timeline(&playlist, &calendar, &tz, start, 24),
            days: vec![(today, calendar.kind(today))],
            items: playlist.items.iter().map(|i| i.id.clone()).collect(),
        };
        let svg = week_svg(&week, Lang::En);
        // All day the first two share the board, from 18:00 to 22:00 all three: every item's
        // colour is in the day's bars, the evening one only in its hours.
        let slots: Vec<&str> = svg
            .split("<rect class=\"slot\"")
            .skip(1)
            .filter_map(|r| r.split("</rect>").next())
            .collect();
        for (i, id) in ["hello", "sunrise", "evening"].iter().enumerate() {
            assert!(
                slots.iter().any(|r| r.contains(&format!("fill=\"{}\"", colour(i)))),
                "{id} has no stripe:\n{svg}"
            );
        }
        let evening: Vec<&&str> = slots.iter().filter(|r| r.contains(colour(2))).collect();
        assert!(evening.iter().all(|r| r.contains("18:00–22:00")), "{evening:?}");
    }

    #[test]
    fn a_playlist_of_ten_thousand_items_draws_a_week_of_bounded_size() {
        // All 10 000 take turns all week: each stretch gets at most MAX_STRIPES stripes and a
        // count, the legend MAX_LEGEND names and a count (the unbounded SVG took the daemon to
        // 23 GB on one page view).
        let text: String = (0..10_000)
            .map(|i| format!("[[item]]\nid = \"n{i}\"\ntext = \"第{i}条\"\n\n"))
            .collect();
        let playlist = pinghu_playlists::parse(&text, "pl.toml").unwrap();
        let calendar = pinghu_playlists::Calendar::builtin();
        let tz = jiff::tz::TimeZone::get("Asia/Shanghai").unwrap();
        let today: jiff::civil::Date = "2026-12-07".parse().unwrap();
        let start = today.to_zoned(tz.clone()).unwrap().timestamp();
        let week = Week {
            entries: pinghu_playlists::timeline(&playlist, &calendar, &tz, start, 7 * 24),
            days: (0..7)
                .map(|k| today.checked_add(jiff::Span::new().days(k)).unwrap())
                .map(|d| (d, calendar.kind(d)))
                .collect(),
            items: playlist.items.iter().map(|i| i.id.clone()).collect(),
        };
        let svg = week_svg(&week, Lang::Zh);
        assert!(svg.len() < 200_000, "{} bytes", svg.len());
        assert!(svg.contains("… +9988"), "the stretch counts the rest");
        assert!(svg.contains("… +9952"), "the legend counts the rest");
    }
}
