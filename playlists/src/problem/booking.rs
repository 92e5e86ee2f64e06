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
    /// An advertiser's spots and their separation need more than the hour.
    Separation {
        advertiser: String,
        when: Hour,
        seconds: f64,
        campaigns: Vec<String>,
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
                campaigns,
            } => {
                let when = when.words(lang);
                let ids = campaigns.join(", ");
                lang.pick(
                    || format!(
                        "advertiser {advertiser:?} is overbooked on {when}: its spots and their separation_s need {seconds:.0} s \
                         of the hour's 3600 s ({ids}); lower the targets or separation_s"
                    ),
                    || format!(
                        "广告主 {advertiser:?} 在 {when} 超订：其广告连同 separation_s 需要该小时 3600 秒中的 {seconds:.0} 秒（{ids}）；请降低目标或 separation_s"
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
                let parts: Vec<String> = parts
                    .iter()
                    .map(|p| {
                        let (c, t) = (&p.campaign, target_words(p.target));
                        let (plays, spot, secs) = (p.plays, p.spot_s, p.seconds);
                        lang.pick(
                            || format!("{c} ({t}: {plays:.1} plays of {spot:.0} s = {secs:.0} s)"),
                            || format!("{c}（{t}：{plays:.1} 次 × {spot:.0} 秒 = {secs:.0} 秒）"),
                        )
                    })
                    .collect();
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
