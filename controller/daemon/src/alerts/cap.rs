//! A warning message, read from CAP 1.2 or from the national format of GB/T 35965.1 into one model
//! (docs/alerts.md lists every element and value accepted, and where the formats differ).

use jiff::Timestamp;
use serde::Serialize;

use super::xml::{Element, XmlError, parse};

/// Which format a message came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// OASIS CAP 1.2, `application/cap+xml`.
    Cap,
    /// GB/T 35965.1-2018, `application/gbt35965+xml`.
    Gbt35965,
}

impl Format {
    /// From an envelope's `content_type`.
    pub fn from_content_type(t: &str) -> Option<Self> {
        match t {
            "application/cap+xml" => Some(Self::Cap),
            "application/gbt35965+xml" => Some(Self::Gbt35965),
            _ => None,
        }
    }
}

macro_rules! ordered_enum {
    ($(#[$m:meta])* $name:ident { $($v:ident = [$($w:literal),*]),* $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
        pub enum $name { $($v),* }
        impl $name {
            /// From a CAP value or one of its national spellings (case-insensitive).
            pub fn parse(s: &str) -> Option<Self> {
                let s = s.trim();
                $( if s.eq_ignore_ascii_case(stringify!($v)) $(|| s == $w)* { return Some(Self::$v); } )*
                None
            }
            /// The CAP word.
            pub fn word(self) -> &'static str {
                match self { $(Self::$v => stringify!($v)),* }
            }
        }
    };
}

ordered_enum!(
    /// `status`.
    Status { Actual = ["实际"], Exercise = ["演练", "演习"], System = ["系统"], Test = ["测试"], Draft = ["草稿"] }
);
ordered_enum!(
    /// `msgType`.
    MsgType { Alert = ["首次", "发布"], Update = ["更新"], Cancel = ["撤销", "解除"], Ack = ["确认"], Error = ["错误"] }
);
ordered_enum!(
    /// `scope`.
    Scope { Public = ["公开"], Restricted = ["限制"], Private = ["私有"] }
);
ordered_enum!(
    /// `urgency`, most urgent first.
    Urgency { Immediate = ["立即"], Expected = ["预期"], Future = ["未来"], Past = ["过去"], Unknown = ["未知"] }
);
ordered_enum!(
    /// `severity`, most severe first; the national colour levels map onto it.
    Severity {
        Extreme = ["红色", "红", "Red", "red", "RED", "特别严重", "Ⅰ级", "I级"],
        Severe = ["橙色", "橙", "Orange", "orange", "ORANGE", "严重", "Ⅱ级", "II级"],
        Moderate = ["黄色", "黄", "Yellow", "yellow", "YELLOW", "较重", "Ⅲ级", "III级"],
        Minor = ["蓝色", "蓝", "Blue", "blue", "BLUE", "一般", "Ⅳ级", "IV级"],
        Unknown = ["未知"],
    }
);
ordered_enum!(
    /// `certainty`, surest first.
    Certainty { Observed = ["已发生"], Likely = ["很可能"], Possible = ["可能"], Unlikely = ["不太可能"], Unknown = ["未知"] }
);

impl Severity {
    /// The national warning level's colour word.
    pub fn level(self) -> Option<&'static str> {
        match self {
            Self::Extreme => Some("红色"),
            Self::Severe => Some("橙色"),
            Self::Moderate => Some("黄色"),
            Self::Minor => Some("蓝色"),
            Self::Unknown => None,
        }
    }
}

/// An earlier message this one refers to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reference {
    /// Absent in the national format's bare references.
    pub sender: Option<String>,
    pub identifier: String,
    pub sent: Option<Timestamp>,
}

/// A place: its description, shapes (latitude, longitude in WGS 84 degrees) and codes.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Area {
    pub desc: String,
    pub polygons: Vec<Vec<(f64, f64)>>,
    /// Centre and radius in kilometres.
    pub circles: Vec<((f64, f64), f64)>,
    /// `(valueName, value)`; the national format's bare codes have the name `GB/T 2260`.
    pub geocodes: Vec<(String, String)>,
}

/// One `info` block: the warning in one language.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Info {
    pub language: String,
    /// The `<event>` text; empty when the message names its event by code only.
    pub event: String,
    /// The national `eventType` code (GB/T 35561), when given.
    pub event_code: Option<String>,
    pub urgency: Urgency,
    pub severity: Severity,
    pub certainty: Certainty,
    pub effective: Option<Timestamp>,
    pub onset: Option<Timestamp>,
    pub expires: Option<Timestamp>,
    pub sender_name: Option<String>,
    pub headline: Option<String>,
    pub description: Option<String>,
    pub instruction: Option<String>,
    pub areas: Vec<Area>,
}

/// A warning message.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Alert {
    pub format: Format,
    pub identifier: String,
    pub sender: String,
    pub sent: Timestamp,
    pub status: Status,
    pub msg_type: MsgType,
    pub scope: Scope,
    pub references: Vec<Reference>,
    pub infos: Vec<Info>,
}

/// GB/T 2260 code name used for the national format's bare geocodes.
pub const GB2260: &str = "GB/T 2260";

/// What is wrong with a warning's document, and where (a rejected receipt gives it as the reason).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CapProblem {
    #[error(transparent)]
    Xml(#[from] XmlError),
    #[error("the root element is <{0}>, not <alert>")]
    Root(String),
    #[error("{field} {text:?} is not a time with an offset (2026-11-29T08:00:00+08:00 or 2026-11-29 08:00:00+08:00)")]
    Time { field: &'static str, text: String },
    #[error("<{0}> is missing")]
    Missing(&'static str),
    #[error("<{what}> {value:?} is not a known value")]
    Unknown { what: &'static str, value: String },
    #[error("<polygon> {0:?} is not a list of lat,lon pairs")]
    PolygonPoints(String),
    #[error("<polygon> needs at least 4 points, the first repeated last; it has {0}")]
    PolygonShape(usize),
    #[error("<circle> {0:?} is not \"lat,lon radius_km\"")]
    Circle(String),
    #[error("<geocode> has neither valueName/value nor a bare code")]
    Geocode,
    #[error("<info> has neither <event> nor <eventType>")]
    NoEvent,
    #[error("<identifier> {0:?} has spaces, commas or markup")]
    Identifier(String),
    #[error("<sender> is missing and the identifier does not start with a 14-digit issuer code")]
    NoSenderNorIssuer,
    #[error("the message has no <info> block")]
    NoInfo,
    #[error("a Cancel needs <references> to the message it takes off")]
    CancelWithoutReferences,
}

/// `<what>` holds a word that is not one of its values.
fn unknown(e: &Element, what: &'static str) -> CapProblem {
    CapProblem::Unknown {
        what,
        value: e.text_of(&[what]).unwrap_or_default().to_owned(),
    }
}

/// A CAP or national time: RFC 3339 (`-00:00` accepted as UTC) or `YYYY-MM-DD hh:mm:ss+08:00`.
pub fn time(field: &'static str, s: &str) -> Result<Timestamp, CapProblem> {
    let t = s.trim();
    let mut fixed = t.replacen(' ', "T", 1);
    if let Some(stem) = fixed.strip_suffix("-00:00") {
        fixed = format!("{stem}Z");
    }
    fixed.parse::<Timestamp>().map_err(|_| CapProblem::Time {
        field,
        text: t.to_owned(),
    })
}

fn need<'a>(e: &'a Element, names: &[&str], what: &'static str) -> Result<&'a str, CapProblem> {
    e.text_of(names).ok_or(CapProblem::Missing(what))
}

fn word<T>(
    e: &Element,
    names: &[&str],
    what: &'static str,
    parse: impl Fn(&str) -> Option<T>,
) -> Result<T, CapProblem> {
    let v = need(e, names, what)?;
    parse(v).ok_or_else(|| CapProblem::Unknown {
        what,
        value: v.to_owned(),
    })
}

fn opt_time(e: &Element, names: &[&str], what: &'static str) -> Result<Option<Timestamp>, CapProblem> {
    e.text_of(names).map(|s| time(what, s)).transpose()
}

/// The 14-digit issuer code at the start of a national identifier (`ZZZZZZDDDUUUXX_…`).
pub fn issuer_code(identifier: &str) -> Option<&str> {
    let code = identifier.get(..14)?;
    code.bytes().all(|b| b.is_ascii_digit()).then_some(code)
}

fn references(text: &str) -> Vec<Reference> {
    let mut out = Vec::new();
    for item in text.split_whitespace() {
        let parts: Vec<&str> = item.split(',').collect();
        match parts.as_slice() {
            [sender, identifier, sent] => out.push(Reference {
                sender: Some((*sender).to_owned()),
                identifier: (*identifier).to_owned(),
                sent: time("references", sent).ok(),
            }),
            // The national format lists bare identifiers, space- or comma-separated.
            ids => out.extend(ids.iter().filter(|s| !s.is_empty()).map(|id| Reference {
                sender: None,
                identifier: (*id).to_owned(),
                sent: None,
            })),
        }
    }
    out
}

fn point(s: &str) -> Option<(f64, f64)> {
    let (lat, lon) = s.split_once(',')?;
    let (lat, lon) = (lat.trim().parse::<f64>().ok()?, lon.trim().parse::<f64>().ok()?);
    ((-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon)).then_some((lat, lon))
}

fn area(e: &Element) -> Result<Area, CapProblem> {
    let mut a = Area {
        desc: e.text_of(&["areaDesc"]).unwrap_or_default().to_owned(),
        ..Area::default()
    };
    // An empty shape (`<polygon/>`, `<circle></circle>`), as national documents carry beside their
    // codes, is absent, not malformed.
    for p in e.all("polygon").filter(|p| !p.text.is_empty()) {
        let pts: Option<Vec<_>> = p.text.split_whitespace().map(point).collect();
        let pts = pts.ok_or_else(|| CapProblem::PolygonPoints(p.text.clone()))?;
        if pts.len() < 4 || pts.first() != pts.last() {
            return Err(CapProblem::PolygonShape(pts.len()));
        }
        a.polygons.push(pts);
    }
    for c in e.all("circle").filter(|c| !c.text.is_empty()) {
        let parsed = c
            .text
            .split_once(' ')
            .and_then(|(p, r)| Some((point(p)?, r.trim().parse::<f64>().ok()?)));
        let (centre, radius) = parsed
            .filter(|(_, r)| r.is_finite() && *r >= 0.0)
            .ok_or_else(|| CapProblem::Circle(c.text.clone()))?;
        a.circles.push((centre, radius));
    }
    for g in e.all("geocode") {
        match (g.text_of(&["valueName"]), g.text_of(&["value"])) {
            (Some(n), Some(v)) => a.geocodes.push((n.to_owned(), v.to_owned())),
            // A bare code: the national format's administrative division.
            _ if !g.text.is_empty() => {
                for code in g.text.split([' ', ',']).filter(|s| !s.is_empty()) {
                    a.geocodes.push((GB2260.to_owned(), code.to_owned()));
                }
            }
            _ => return Err(CapProblem::Geocode),
        }
    }
    Ok(a)
}

/// The GB/T 35561 code: the national `<eventType>`, or a CAP `<eventCode>` whose value has the
/// code's shape.
fn event_code(e: &Element) -> Option<String> {
    e.text_of(&["eventType"]).map(str::to_owned).or_else(|| {
        e.all("eventCode")
            .filter_map(|c| c.text_of(&["value"]))
            .find(|v| super::events::is_code(v))
            .map(str::to_owned)
    })
}

fn info(e: &Element) -> Result<Info, CapProblem> {
    if e.text_of(&["event"]).is_none() && event_code(e).is_none() {
        return Err(CapProblem::NoEvent);
    }
    Ok(Info {
        language: e.text_of(&["language"]).unwrap_or("en-US").to_owned(),
        event: e.text_of(&["event"]).unwrap_or_default().to_owned(),
        event_code: event_code(e),
        urgency: e
            .text_of(&["urgency"])
            .map_or(Some(Urgency::Unknown), Urgency::parse)
            .ok_or_else(|| unknown(e, "urgency"))?,
        severity: word(e, &["severity"], "severity", Severity::parse)?,
        certainty: e
            .text_of(&["certainty"])
            .map_or(Some(Certainty::Unknown), Certainty::parse)
            .ok_or_else(|| unknown(e, "certainty"))?,
        effective: opt_time(e, &["effective"], "effective")?,
        onset: opt_time(e, &["onset"], "onset")?,
        expires: opt_time(e, &["expires"], "expires")?,
        sender_name: e.text_of(&["senderName"]).map(str::to_owned),
        headline: e.text_of(&["headline"]).map(str::to_owned),
        description: e.text_of(&["description"]).map(str::to_owned),
        instruction: e.text_of(&["instruction"]).map(str::to_owned),
        areas: e.all("area").map(area).collect::<Result<_, _>>()?,
    })
}

/// Why a document could not be read as a warning, with what of it could be read: the receipt
/// carries the message's `identifier` and `sender` whenever they were found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{problem}")]
pub struct ReadError {
    /// What is wrong, and where.
    pub problem: CapProblem,
    pub identifier: Option<String>,
    pub sender: Option<String>,
}

impl ReadError {
    fn bare(problem: CapProblem) -> Self {
        Self {
            problem,
            identifier: None,
            sender: None,
        }
    }
}

/// Read a warning message of `format` from its XML bytes.
pub fn read(bytes: &[u8], format: Format) -> Result<Alert, ReadError> {
    let mut root = parse(bytes).map_err(|e| ReadError::bare(e.into()))?;
    // Some national feeds wrap the alert in an outer element.
    if root.name != "alert"
        && let Some(inner) = root.children.iter().find(|c| c.name == "alert")
    {
        root = inner.clone();
    }
    if root.name != "alert" {
        return Err(ReadError::bare(CapProblem::Root(root.name)));
    }
    // What names the message, read first, so a refusal of the rest can say which message it was.
    let identifier = root.text_of(&["identifier"]).map(str::to_owned);
    let sender = root
        .text_of(&["sender"])
        .or_else(|| {
            (format == Format::Gbt35965)
                .then(|| identifier.as_deref().and_then(issuer_code))
                .flatten()
        })
        .map(str::to_owned);
    read_alert(&root, format).map_err(|problem| ReadError {
        problem,
        identifier,
        sender,
    })
}

fn read_alert(root: &Element, format: Format) -> Result<Alert, CapProblem> {
    let identifier = need(root, &["identifier"], "identifier")?.to_owned();
    if identifier
        .chars()
        .any(|c| c.is_whitespace() || c == ',' || c == '<' || c == '&')
    {
        return Err(CapProblem::Identifier(identifier));
    }
    let sender = match root.text_of(&["sender"]) {
        Some(s) => s.to_owned(),
        None if format == Format::Gbt35965 => issuer_code(&identifier)
            .ok_or(CapProblem::NoSenderNorIssuer)?
            .to_owned(),
        None => return Err(CapProblem::Missing("sender")),
    };
    let sent = time("sent", need(root, &["sent", "sendTime"], "sent")?)?;
    let alert = Alert {
        format,
        identifier,
        sender,
        sent,
        status: word(root, &["status"], "status", Status::parse)?,
        msg_type: word(root, &["msgType"], "msgType", MsgType::parse)?,
        scope: root
            .text_of(&["scope"])
            .map_or(Some(Scope::Public), Scope::parse)
            .ok_or_else(|| unknown(root, "scope"))?,
        references: root.text_of(&["references"]).map(references).unwrap_or_default(),
        infos: root.all("info").map(info).collect::<Result<_, _>>()?,
    };
    if alert.infos.is_empty() && alert.msg_type != MsgType::Cancel {
        return Err(CapProblem::NoInfo);
    }
    // An Update without references is judged as a new warning (docs/alerts.md); a Cancel without
    // them names nothing to take off.
    if alert.msg_type == MsgType::Cancel && alert.references.is_empty() {
        return Err(CapProblem::CancelWithoutReferences);
    }
    Ok(alert)
}
