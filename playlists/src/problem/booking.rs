//! Campaigns that cannot all be played as booked (`crate::check_bookings`).

use jiff::civil::Date;

use super::Lang;
use crate::campaign::Target;

/// An hour of a day, as the booking check names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hour {
    pub date: Date,
    pub hour: u16,
}

impl Hour {
    fn words(self, lang: Lang) -> String {
        let (d, h) = (self.date, self.hour);
        lang.pick(
            || format!("{d} ({}) {h:02}:00-{:02}:00", d.strftime("%a"), h + 1),
            || {
                let day = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"]
                    [usize::from(d.weekday().to_monday_zero_offset().unsigned_abs())];
                format!("{d}（{day}）{h:02}:00-{:02}:00", h + 1)
            },
        )
    }
}

/// One campaign's part of an hour past the government floor.
#[derive(Debug, Clone, PartialEq)]
pub struct FloorPart {
    pub campaign: String,
    pub target: Option<Target>,
    pub plays: f64,
    pub spot_s: f64,
    pub seconds: f64,
}

/// One campaign's part of an advertiser's hour: its spots, and how long each keeps the
/// advertiser off the glass (`separation_s` rounded up to the rotation's boundaries).
#[derive(Debug, Clone, PartialEq)]
pub struct SeparationPart {
    pub campaign: String,
    pub plays: f64,
    pub spot_s: f64,
    pub separation_s: u32,
    pub wait_s: u32,
}

/// Why an hour is overbooked.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Booking {
    /// A campaign's target needs more plays in the hour than its `max_per_hour`.
    MaxPerHour {
        campaign: String,
        when: Hour,
        plays: f64,
        max: u32,
    },
    /// An advertiser's spots and the waits for their separation need more than its campaigns'
    /// windows have in the hour.
    Separation {
        advertiser: String,
        when: Hour,
        seconds: f64,
        /// Seconds of the hour in its campaigns' windows.
        window_s: f64,
        /// Seconds kept free at the window's end for another of its campaigns' spot and wait.
        edge_s: f64,
        parts: Vec<SeparationPart>,
    },
    /// The spots due in a campaign's window (its own and the overlapping part of the others')
    /// need more seconds than the window has in the hour.
    Window {
        campaign: String,
        when: Hour,
        wanted_s: f64,
        window_s: f64,
        parts: Vec<FloorPart>,
    },
    /// The campaigns need more than the government floor leaves them.
    Floor {
        when: Hour,
        wanted_s: f64,
        floor: f64,
        cap_s: f64,
        parts: Vec<FloorPart>,
    },
}

fn target_words(t: Option<Target>) -> String {
    // Keys and numbers as the playlist writes them: the same in both languages.
    t.map_or_else(String::new, |t| t.to_string())
}

fn floor_parts(parts: &[FloorPart], lang: Lang) -> Vec<String> {
    parts
        .iter()
        .map(|p| {
            let (c, t) = (&p.campaign, target_words(p.target));
            let (plays, spot, secs) = (p.plays, p.spot_s, p.seconds);
            lang.pick(
                || format!("{c} ({t}: {plays:.1} plays of {spot:.0} s = {secs:.0} s)"),
                || format!("{c}（{t}：{plays:.1} 次 × {spot:.0} 秒 = {secs:.0} 秒）"),
            )
        })
        .collect()
}

impl Booking {
    /// The message in `lang`.
    pub fn words(&self, lang: Lang) -> String {
        match self {
            Self::MaxPerHour {
                campaign,
                when,
                plays,
                max,
            } => {
                let when = when.words(lang);
                lang.pick(
                    || format!(
                        "campaign {campaign:?} is overbooked on {when}: its target needs {plays:.1} plays in the hour but \
                         max_per_hour = {max}; raise max_per_hour or lower the target"
                    ),
                    || format!(
                        "广告活动 {campaign:?} 在 {when} 超订：目标需要该小时播放 {plays:.1} 次，但 max_per_hour = {max}；请提高 max_per_hour 或降低目标"
                    ),
                )
            }
            Self::Separation {
                advertiser,
                when,
                seconds,
                window_s,
                edge_s,
                parts,
            } => {
                let when = when.words(lang);
                let edge = if *edge_s > 0.0 {
                    lang.pick(
                        || format!(", and {edge_s:.0} s for another of its spots and its wait that may be on as the window closes"),
                        || format!("，以及窗口结束时可能正在播放的另一条广告及其等待 {edge_s:.0} 秒"),
                    )
                } else {
                    String::new()
                };
                let parts: Vec<String> = parts
                    .iter()
                    .map(|p| {
                        let (c, plays, spot, sep, wait) = (&p.campaign, p.plays, p.spot_s, p.separation_s, p.wait_s);
                        lang.pick(
                            || format!("{c}: {plays:.1} plays of {spot:.0} s, separation_s = {sep} waits {wait} s"),
                            || format!("{c}：{plays:.1} 次 × {spot:.0} 秒，separation_s = {sep} 实际等待 {wait} 秒"),
                        )
                    })
                    .collect();
                lang.pick(
                    || format!(
                        "advertiser {advertiser:?} is overbooked on {when}: its spots and the waits for their separation \
                         need {seconds:.0} s of the {window_s:.0} s its window has in the hour ({}; spots start only \
                         between the rotation's entries, so a separation lasts until the next entry ends{edge}); lower the \
                         targets or separation_s, or widen hours",
                        parts.join("; ")
                    ),
                    || format!(
                        "广告主 {advertiser:?} 在 {when} 超订：其广告连同间隔等待需要 {seconds:.0} 秒，但其时段在该小时只有 {window_s:.0} 秒（{}；\
                         广告只在轮播条目之间开始，间隔要等到下一条目结束{edge}）；请降低目标或 separation_s，或放宽 hours",
                        parts.join("；")
                    ),
                )
            }
            Self::Window {
                campaign,
                when,
                wanted_s,
                window_s,
                parts,
            } => {
                let when = when.words(lang);
                let parts = floor_parts(parts, lang);
                lang.pick(
                    || format!(
                        "campaign {campaign:?} is overbooked on {when}: the spots due in its window need {wanted_s:.0} s \
                         but the window has {window_s:.0} s in the hour: {}; lower a target, shorten dwell_s or widen hours",
                        parts.join(", ")
                    ),
                    || format!(
                        "广告活动 {campaign:?} 在 {when} 超订：其时段内应播的广告需要 {wanted_s:.0} 秒，但该时段在该小时只有 {window_s:.0} 秒：{}；请降低目标、缩短 dwell_s 或放宽 hours",
                        parts.join("，")
                    ),
                )
            }
            Self::Floor {
                when,
                wanted_s,
                floor,
                cap_s,
                parts,
            } => {
                let when = when.words(lang);
                let parts = floor_parts(parts, lang);
                lang.pick(
                    || format!(
                        "overbooked on {when}: the campaigns need {wanted_s:.0} s but the government floor {floor} leaves them \
                         {cap_s:.0} s of the hour: {}; lower a target, shorten dwell_s or lower government_floor",
                        parts.join(", ")
                    ),
                    || format!(
                        "{when} 超订：广告活动需要 {wanted_s:.0} 秒，但政府信息保底比例 {floor} 只给它们留出该小时的 {cap_s:.0} 秒：{}；请降低目标、缩短 dwell_s 或降低 government_floor",
                        parts.join("，")
                    ),
                )
            }
        }
    }
}

/// A target as the form shows it: its label, and a share in percent.
fn target_form_zh(t: Option<Target>) -> String {
    use super::form::{label_zh, percent};
    let l = |k| label_zh(k).unwrap_or_default();
    match t {
        None => String::new(),
        Some(Target::Share(s)) => format!("{} {}", l("share"), percent(s)),
        Some(Target::PlaysPerDay(n)) => format!("{} {n}", l("plays_per_day")),
        Some(Target::PlaysPerHour(n)) => format!("{} {n}", l("plays_per_hour")),
    }
}

impl Booking {
    /// The message as the console's form shows it, at the field that fixes it: the fields by
    /// their labels, the government floor in percent, no key of the TOML.
    pub fn form_zh(&self) -> String {
        use super::form::{label_zh, percent};
        let l = |k| label_zh(k).unwrap_or_default();
        let floor_parts = |parts: &[FloorPart]| {
            parts
                .iter()
                .map(|p| {
                    let (c, t) = (&p.campaign, target_form_zh(p.target));
                    format!(
                        "“{c}”（{t}：{:.1} 次 × {:.0} 秒 = {:.0} 秒）",
                        p.plays, p.spot_s, p.seconds
                    )
                })
                .collect::<Vec<_>>()
                .join("，")
        };
        match self {
            Self::MaxPerHour {
                campaign,
                when,
                plays,
                max,
            } => format!(
                "广告投放“{campaign}”在 {} 超订：{}需要该小时播放 {plays:.1} 次，但{}为 {max}；请提高{}或降低{}",
                when.words(Lang::Zh),
                l("target"),
                l("max_per_hour"),
                l("max_per_hour"),
                l("target")
            ),
            Self::Separation {
                advertiser,
                when,
                seconds,
                window_s,
                edge_s,
                parts,
            } => {
                let edge = if *edge_s > 0.0 {
                    format!("，以及窗口结束时可能正在播放的另一条广告及其等待 {edge_s:.0} 秒")
                } else {
                    String::new()
                };
                let parts: Vec<String> = parts
                    .iter()
                    .map(|p| {
                        format!(
                            "“{}”：{:.1} 次 × {:.0} 秒，{} {} 秒实际等待 {} 秒",
                            p.campaign,
                            p.plays,
                            p.spot_s,
                            l("separation_s"),
                            p.separation_s,
                            p.wait_s
                        )
                    })
                    .collect();
                format!(
                    "广告主“{advertiser}”在 {} 超订：其广告连同间隔等待需要 {seconds:.0} 秒，但其播放时段在该小时只有 {window_s:.0} 秒（{}；\
                     广告只在轮播条目之间开始，间隔要等到下一条目结束{edge}）；请降低{}或{}，或放宽{}",
                    when.words(Lang::Zh),
                    parts.join("；"),
                    l("target"),
                    l("separation_s"),
                    l("hours")
                )
            }
            Self::Window {
                campaign,
                when,
                wanted_s,
                window_s,
                parts,
            } => format!(
                "广告投放“{campaign}”在 {} 超订：其播放时段内应播的广告需要 {wanted_s:.0} 秒，但该时段在该小时只有 {window_s:.0} 秒：{}；\
                 请降低{}、缩短{}或放宽{}",
                when.words(Lang::Zh),
                floor_parts(parts),
                l("target"),
                l("dwell_s"),
                l("hours")
            ),
            Self::Floor {
                when,
                wanted_s,
                floor,
                cap_s,
                parts,
            } => format!(
                "{} 超订：广告需要 {wanted_s:.0} 秒，但政务内容每小时至少占 {}，只给广告留出该小时的 {cap_s:.0} 秒：{}；\
                 请降低{}、缩短{}或降低{}",
                when.words(Lang::Zh),
                percent(*floor),
                floor_parts(parts),
                l("target"),
                l("dwell_s"),
                l("government_floor")
            ),
        }
    }
}
