//! Whether a warning is for this board, and how it shows (docs/alerts.md gives the reasons).

use jiff::{SignedDuration, Timestamp};
use pinghu_playlists::{Announcement, Color, Priority};

use super::cap::{Alert, Area, Certainty, GB2260, Info, MsgType, Scope, Severity, Status, Urgency};

/// `[alerts]` in the configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertConfig {
    /// The board's GB/T 2260 codes (its parents match too), or `NAME=VALUE` for other geocodes.
    pub geocodes: Vec<String>,
    /// The board's place, latitude and longitude (WGS 84).
    pub location: Option<(f64, f64)>,
    pub min_severity: Severity,
    pub min_urgency: Urgency,
    pub min_certainty: Certainty,
    /// Preferred languages, best first (`zh-CN`, `zh`, `en`).
    pub languages: Vec<String>,
    /// How long a warning without `expires` stays.
    pub default_lifetime: SignedDuration,
    /// Show `Exercise` and `Test` messages, marked 演练.
    pub show_exercises: bool,
}

impl Default for AlertConfig {
    fn default() -> Self {
        Self {
            geocodes: Vec::new(),
            location: None,
            min_severity: Severity::Minor,
            min_urgency: Urgency::Future,
            min_certainty: Certainty::Possible,
            languages: vec!["zh-CN".into(), "zh".into(), "en".into()],
            default_lifetime: SignedDuration::from_hours(6),
            show_exercises: false,
        }
    }
}

/// What to do with a message.
#[derive(Debug, Clone, PartialEq)]
pub enum Judgement {
    /// Show it (Alert, Update): the announcement the board shows.
    Show(Box<Announcement>),
    /// Take the referenced warning off (Cancel).
    Cancel,
    /// Not for the glass, with the reason for the receipt.
    Refuse(String),
}

/// The GB/T 2260 parents of a code: 420506 → 420500, 420000 (a 12-digit code also yields its
/// 9- and 6-digit prefixes).
fn with_parents(code: &str) -> Vec<String> {
    let mut out = vec![code.to_owned()];
    if code.len() >= 6 && code.bytes().all(|b| b.is_ascii_digit()) {
        let six = &code[..6];
        out.extend([six.to_owned(), format!("{}00", &six[..4]), format!("{}0000", &six[..2])]);
        if code.len() > 9 {
            out.push(code[..9].to_owned());
        }
    }
    out.sort();
    out.dedup();
    out
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

impl AlertConfig {
    /// Whether an area is the board's: a geocode of the board or its parents, or a shape that
    /// contains the board's location. `None`: the area says nothing this board can check.
    fn area_matches(&self, a: &Area) -> Option<bool> {
        let mine: Vec<String> = self
            .geocodes
            .iter()
            .filter(|g| !g.contains('='))
            .flat_map(|g| with_parents(g))
            .collect();
        let mut decided = None;
        for (name, value) in &a.geocodes {
            let hit = if self.geocodes.iter().any(|g| g == &format!("{name}={value}")) {
                true
            } else if name == GB2260 || name.contains("2260") || name.eq_ignore_ascii_case("admincode") {
                mine.iter().any(|m| m == value)
            } else {
                continue;
            };
            decided = Some(decided.unwrap_or(false) || hit);
        }
        if let Some(here) = self.location {
            for p in &a.polygons {
                decided = Some(decided.unwrap_or(false) || in_polygon(here, p));
            }
            for (centre, r) in &a.circles {
                decided = Some(decided.unwrap_or(false) || distance_km(here, *centre) <= *r);
            }
        }
        decided
    }

    /// The `info` block in the best preferred language, else the first.
    pub fn choose<'a>(&self, infos: &'a [Info]) -> Option<&'a Info> {
        self.languages
            .iter()
            .find_map(|want| {
                infos.iter().find(|i| {
                    i.language.eq_ignore_ascii_case(want)
                        || i.language
                            .split('-')
                            .next()
                            .is_some_and(|l| l.eq_ignore_ascii_case(want))
                })
            })
            .or_else(|| infos.first())
    }

    /// Judge `alert` for this board; the announcement it becomes has `id` and `revision`.
    pub fn judge(&self, alert: &Alert, id: &str, revision: u64) -> Judgement {
        match alert.status {
            Status::Actual => {}
            Status::Exercise | Status::Test if self.show_exercises => {}
            Status::Exercise | Status::Test => {
                return Judgement::Refuse(format!(
                    "{}: an exercise or test, not shown (alerts.show_exercises = true shows them, marked 演练)",
                    alert.status.word().to_lowercase()
                ));
            }
            Status::Draft | Status::System => {
                return Judgement::Refuse(format!("{}: ignored", alert.status.word().to_lowercase()));
            }
        }
        if alert.scope != Scope::Public {
            return Judgement::Refuse(format!(
                "scope {}: only Public warnings reach the glass",
                alert.scope.word()
            ));
        }
        match alert.msg_type {
            MsgType::Cancel => return Judgement::Cancel,
            MsgType::Ack | MsgType::Error => {
                return Judgement::Refuse(format!("{}: carries no warning", alert.msg_type.word()));
            }
            MsgType::Alert | MsgType::Update => {}
        }
        let Some(info) = self.choose(&alert.infos) else {
            return Judgement::Refuse("no <info> block".into());
        };
        // The area must match: a code of the board (or its parents) or a shape around it. An area
        // this board cannot check (other code systems, no location configured) does not match.
        if !info.areas.iter().any(|a| self.area_matches(a) == Some(true)) {
            let names: Vec<&str> = info.areas.iter().map(|a| a.desc.as_str()).collect();
            return Judgement::Refuse(if names.is_empty() {
                "not our area: the warning names no area".to_owned()
            } else {
                format!(
                    "not our area: {} does not include this board (alerts.geocodes, alerts.location)",
                    names.join("、")
                )
            });
        }
        // An urgency or certainty the issuer did not know (or did not send, as national feeds may
        // not) does not hold a warning back; the severity, which sets its level, always counts.
        let urgency_low = info.urgency != Urgency::Unknown && info.urgency > self.min_urgency;
        let certainty_low = info.certainty != Certainty::Unknown && info.certainty > self.min_certainty;
        if info.severity > self.min_severity || urgency_low || certainty_low {
            return Judgement::Refuse(format!(
                "below threshold: {} / {} / {} (alerts.min_severity, min_urgency, min_certainty)",
                info.severity.word(),
                info.urgency.word(),
                info.certainty.word()
            ));
        }
        let expires = info.expires.unwrap_or(alert.sent + self.default_lifetime);
        Judgement::Show(Box::new(Self::announcement(alert, info, id, revision, expires)))
    }

    fn announcement(alert: &Alert, info: &Info, id: &str, revision: u64, expires: Timestamp) -> Announcement {
        let emergency = matches!(info.severity, Severity::Extreme | Severity::Severe)
            && matches!(info.urgency, Urgency::Immediate | Urgency::Expected);
        let color = match info.severity {
            Severity::Extreme | Severity::Unknown => Color::Red,
            Severity::Severe | Severity::Moderate => Color::Yellow,
            Severity::Minor => Color::Green,
        };
        let mut title = info.event.clone();
        if let Some(level) = info.severity.level()
            && !title.contains(level)
        {
            title.push_str(level);
            if !title.ends_with("预警") && !title.ends_with("警报") {
                title.push_str("预警");
            }
        }
        if alert.status != Status::Actual {
            title = format!("演练 {title}");
        }
        let mut body = String::new();
        for part in [&info.headline, &info.instruction, &info.description]
            .into_iter()
            .flatten()
        {
            if !body.is_empty() {
                body.push(' ');
            }
            body.push_str(part.trim());
        }
        if body.is_empty() {
            body.clone_from(&info.event);
        }
        let body: String = body.chars().take(crate::limits::MAX_BODY).collect();
        let title: String = title.chars().take(crate::limits::MAX_TITLE).collect();
        Announcement {
            id: id.to_owned(),
            revision,
            priority: if emergency {
                Priority::Emergency
            } else {
                Priority::Urgent
            },
            title,
            body,
            valid_from: info.effective.or(Some(alert.sent)),
            valid_until: Some(expires),
            issued_at: alert.sent,
            font_size: None,
            color: Some(color),
            effect: None,
            severity: Some(match info.severity {
                Severity::Extreme => 4,
                Severity::Severe => 3,
                Severity::Moderate => 2,
                Severity::Minor => 1,
                Severity::Unknown => 0,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parents_follow_gbt_2260() {
        assert_eq!(with_parents("420506"), ["420000", "420500", "420506"]);
        assert_eq!(
            with_parents("420506100000"),
            ["420000", "420500", "420506", "420506100", "420506100000"]
        );
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
