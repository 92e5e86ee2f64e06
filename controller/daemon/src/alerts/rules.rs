//! Whether a warning is for this board, and how it shows (docs/alerts.md gives the reasons).

use jiff::{SignedDuration, Timestamp};
use pinghu_playlists::{Announcement, Color, Priority};

use super::cap::{Alert, Area, Certainty, GB2260, Info, MsgType, Scope, Severity, Status, Urgency};
use super::events::EventType;
use super::geo;

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

pub use super::geo::{distance_km, in_polygon};

/// What to do with a message.
#[derive(Debug, Clone, PartialEq)]
pub enum Judgement {
    /// Show it (Alert, Update): the announcement the board shows, and what its receipt should
    /// say about how it was read.
    Show(Box<Announcement>, Vec<Note>),
    /// Take the referenced warning off (Cancel).
    Cancel,
    /// Not for the glass, with the reason for the receipt.
    Refuse(String),
}

/// Something the receipt of a shown warning says about how the board read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Note {
    /// The event was named by a GB/T 35561 code this board's table does not have, and no
    /// `<event>` text: the board shows the code.
    UnknownEventCode(String),
}

impl std::fmt::Display for Note {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::UnknownEventCode(code) => write!(
                f,
                "event type {code:?} is not in this board's GB/T 35561 table and the message has no <event>: \
                 the board shows the code (send <event> with the name)"
            ),
        }
    }
}

/// The event's name for the board: the message's `<event>` text, else the name of its GB/T 35561
/// code, else the code itself (with a note).
fn event_name(info: &Info) -> (String, Option<Note>) {
    let text = info.event.trim();
    let code = info.event_code.as_deref().map(str::trim);
    // Some feeds put the code in <event> too.
    let by_code = |c: &str| EventType::from_code(c).map(|e| e.title_zh().to_owned());
    if !text.is_empty() {
        return (by_code(text).unwrap_or_else(|| text.to_owned()), None);
    }
    match code {
        Some(c) => match by_code(c) {
            Some(name) => (name, None),
            None => (c.to_owned(), Some(Note::UnknownEventCode(c.to_owned()))),
        },
        None => (String::new(), None),
    }
}

impl AlertConfig {
    /// Whether an area is the board's: a geocode covering one of the board's (GB/T 2260 codes of
    /// 6, 9 or 12 digits, `geo::covers`) or a `NAME=VALUE` of the board, or a shape that contains
    /// the board's location. `None`: the area says nothing this board can check.
    fn area_matches(&self, a: &Area) -> Option<bool> {
        let mine = || self.geocodes.iter().filter(|g| !g.contains('='));
        let mut decided = None;
        for (name, value) in &a.geocodes {
            let hit = if self.geocodes.iter().any(|g| g == &format!("{name}={value}")) {
                true
            } else if name == GB2260 || name.contains("2260") || name.eq_ignore_ascii_case("admincode") {
                mine().any(|m| geo::covers(value, m))
            } else {
                continue;
            };
            decided = Some(decided.unwrap_or(false) || hit);
        }
        if let Some(here) = self.location {
            for p in &a.polygons {
                decided = Some(decided.unwrap_or(false) || geo::in_polygon(here, p));
            }
            for (centre, r) in &a.circles {
                decided = Some(decided.unwrap_or(false) || geo::distance_km(here, *centre) <= *r);
            }
        }
        decided
    }

    /// The `info` blocks in the board's best language that any block has (`languages` in
    /// order); when none has one of them, those in the language of the first block.
    pub fn candidates<'a>(&self, infos: &'a [Info]) -> Vec<&'a Info> {
        let speaks = |i: &Info, want: &str| {
            i.language.eq_ignore_ascii_case(want)
                || i.language
                    .split('-')
                    .next()
                    .is_some_and(|l| l.eq_ignore_ascii_case(want))
        };
        for want in &self.languages {
            let v: Vec<&Info> = infos.iter().filter(|i| speaks(i, want)).collect();
            if !v.is_empty() {
                return v;
            }
        }
        infos
            .first()
            .map(|first| {
                infos
                    .iter()
                    .filter(|i| i.language.eq_ignore_ascii_case(&first.language))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Why `info` is held back by the thresholds, if it is.
    fn below_threshold(&self, info: &Info) -> Option<String> {
        // An urgency or certainty the issuer did not know (or did not send, as national feeds may
        // not) does not hold a warning back; the severity, which sets its level, always counts.
        let urgency_low = info.urgency != Urgency::Unknown && info.urgency > self.min_urgency;
        let certainty_low = info.certainty != Certainty::Unknown && info.certainty > self.min_certainty;
        (info.severity > self.min_severity || urgency_low || certainty_low).then(|| {
            format!(
                "below threshold: {} / {} / {} (alerts.min_severity, min_urgency, min_certainty)",
                info.severity.word(),
                info.urgency.word(),
                info.certainty.word()
            )
        })
    }

    /// The one `info` to show: of the blocks in the board's language whose area includes the
    /// board and which pass the thresholds, the most severe (then the most urgent, the surest,
    /// the first). Otherwise why none: the area when no block's area includes the board, else
    /// the thresholds of the most severe block that is for this board.
    pub fn choose<'a>(&self, infos: &'a [Info]) -> Result<&'a Info, String> {
        let candidates = self.candidates(infos);
        if candidates.is_empty() {
            return Err("no <info> block".into());
        }
        let rank = |(n, i): &(usize, &Info)| (i.severity, i.urgency, i.certainty, *n);
        let ours: Vec<(usize, &Info)> = candidates
            .iter()
            .copied()
            .enumerate()
            .filter(|(_, i)| i.areas.iter().any(|a| self.area_matches(a) == Some(true)))
            .collect();
        if ours.is_empty() {
            // An area this board cannot check (other code systems, no location configured) does
            // not match either.
            let names: Vec<&str> = candidates
                .iter()
                .flat_map(|i| &i.areas)
                .map(|a| a.desc.as_str())
                .filter(|d| !d.is_empty())
                .collect();
            return Err(if names.is_empty() {
                "not our area: the warning names no area this board can check".to_owned()
            } else {
                format!(
                    "not our area: {} does not include this board (alerts.geocodes, alerts.location)",
                    names.join("、")
                )
            });
        }
        let shown = ours
            .iter()
            .filter(|(_, i)| self.below_threshold(i).is_none())
            .min_by_key(|x| rank(x));
        match shown {
            Some((_, i)) => Ok(i),
            None => Err(ours
                .iter()
                .min_by_key(|x| rank(x))
                .and_then(|(_, i)| self.below_threshold(i))
                .unwrap_or_default()),
        }
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
        match self.choose(&alert.infos) {
            Ok(info) => {
                let expires = info.expires.unwrap_or(alert.sent + self.default_lifetime);
                let (event, note) = event_name(info);
                let a = Self::announcement(alert, info, &event, (id, revision), expires);
                Judgement::Show(Box::new(a), note.into_iter().collect())
            }
            Err(why) => Judgement::Refuse(why),
        }
    }

    fn announcement(
        alert: &Alert,
        info: &Info,
        event: &str,
        (id, revision): (&str, u64),
        expires: Timestamp,
    ) -> Announcement {
        let emergency = matches!(info.severity, Severity::Extreme | Severity::Severe)
            && matches!(info.urgency, Urgency::Immediate | Urgency::Expected);
        let color = match info.severity {
            Severity::Extreme | Severity::Unknown => Color::Red,
            Severity::Severe | Severity::Moderate => Color::Yellow,
            Severity::Minor => Color::Green,
        };
        let mut title = event.to_owned();
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
            event.clone_into(&mut body);
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
