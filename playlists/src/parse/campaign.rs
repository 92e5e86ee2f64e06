//! A paid campaign: who pays, its dates and hours, its one target, and its spots.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use toml::Spanned;
use toml::de::DeTable;

use super::Ctx;
use super::item::{keep_item, parse_item, style_key, windows};
use super::keys::{CAMPAIGN_KEYS, SPOT_FORBIDDEN, unknown_key};
use super::values::{as_bool, as_count, as_date, as_days, as_fraction, as_id, as_int, as_str, sorted, tables};
use crate::campaign::Campaign;
use crate::model::{Style, TimeWindow};
use crate::problem::{Fraction, IdOf, Problem, Section};

pub(super) fn parse_campaign(
    c: &mut Ctx<'_>,
    t: &Spanned<&DeTable<'_>>,
    defaults: Style,
    dayparts: &BTreeMap<String, TimeWindow>,
    seen_ids: &mut HashMap<String, usize>,
) -> Option<Campaign> {
    let (line, _) = c.pos(t.span().start);
    let before = c.diags.len();
    let mut id = String::new();
    let (mut advertiser, mut contract) = (String::new(), String::new());
    let (mut start_date, mut end_date) = (None, None);
    let mut days = BTreeSet::new();
    let mut workdays_only = false;
    let mut hours = Vec::new();
    let mut targets: Vec<(crate::campaign::Target, std::ops::Range<usize>)> = Vec::new();
    let mut max_per_hour = None;
    let mut separation_s = 0;
    let mut style = defaults;
    let mut spot_tables = Vec::new();
    for (k, v) in sorted(t.get_ref()) {
        let key = k.get_ref().as_ref();
        match key {
            "id" => {
                if let Some(s) = as_id(c, IdOf::Campaign, key, v) {
                    id = s;
                }
            }
            "advertiser" | "contract" => {
                if let Some(s) = as_str(c, key, v) {
                    if s.trim().is_empty() || s.chars().count() > 200 {
                        c.err(&v.span(), Problem::NameLength { key: key.to_owned() });
                    }
                    let slot = if key == "advertiser" {
                        &mut advertiser
                    } else {
                        &mut contract
                    };
                    s.trim().clone_into(slot);
                }
            }
            "start_date" => start_date = as_date(c, key, v).map(|d| (d, v.span())),
            "end_date" => end_date = as_date(c, key, v).map(|d| (d, v.span())),
            "days" => as_days(c, key, v, &mut days),
            "workdays_only" => workdays_only = as_bool(c, key, v).unwrap_or(false),
            "hours" => hours = windows(c, v, dayparts),
            "share" => {
                let ok = |f: f64| f > 0.0 && f < 1.0;
                if let Some(f) = as_fraction(c, key, v, ok, Fraction::Share) {
                    targets.push((crate::campaign::Target::Share(f), v.span()));
                }
            }
            "plays_per_day" => {
                if let Some(n) = as_count(c, key, v, 86_400) {
                    targets.push((crate::campaign::Target::PlaysPerDay(n), v.span()));
                }
            }
            "plays_per_hour" => {
                if let Some(n) = as_count(c, key, v, 3_600) {
                    targets.push((crate::campaign::Target::PlaysPerHour(n), v.span()));
                }
            }
            "max_per_hour" => max_per_hour = as_count(c, key, v, 3_600),
            "separation_s" => {
                if let Some(n) = as_int(c, key, v) {
                    if (0..=86_400).contains(&n) {
                        separation_s = n as u32;
                    } else {
                        c.err(&v.span(), Problem::SeparationRange { n });
                    }
                }
            }
            "item" => spot_tables = tables(c, "campaign.item", v),
            _ => {
                if !style_key(c, &mut style, key, v) {
                    unknown_key(c, k, Section::Campaign, &CAMPAIGN_KEYS);
                }
            }
        }
    }
    let need = |c: &mut Ctx<'_>, key: &'static str, example: &'static str| {
        c.err(&t.span(), Problem::CampaignNeeds { key, example });
    };
    for (key, example) in [
        ("id", "\"bank-winter\""),
        ("advertiser", "\"夷陵农商银行\""),
        ("contract", "\"YL-AD-2026-031\""),
        ("start_date", "\"2026-12-01\""),
        ("end_date", "\"2026-12-31\""),
    ] {
        if !t.get_ref().contains_key(key) {
            need(c, key, example);
        }
    }
    if let (Some((a, _)), Some((b, span))) = (&start_date, &end_date)
        && b < a
    {
        c.err(&span.clone(), Problem::EndBeforeStart { end: *b, start: *a });
    }
    // A target written with a wrong value has its own message: it is not also missing.
    let written = ["share", "plays_per_day", "plays_per_hour"]
        .iter()
        .any(|k| t.get_ref().contains_key(*k));
    match targets.len() {
        0 if !written => c.err(&t.span(), Problem::CampaignNeedsTarget),
        0 => {}
        1 => {}
        _ => {
            let span = targets[1].1.clone();
            c.err(&span, Problem::CampaignTargets);
        }
    }
    if let (Some(max), Some((crate::campaign::Target::PlaysPerHour(n), span))) = (max_per_hour, targets.first())
        && *n > max
    {
        c.err(span, Problem::PlaysOverMax { n: *n, max });
    }
    let mut items = Vec::new();
    for st in &spot_tables {
        for key in SPOT_FORBIDDEN {
            if let Some((k, _)) = st.get_ref().get_key_value(key) {
                c.err(&k.span(), Problem::SpotForbidden { key });
            }
        }
        let parsed = parse_item(c, st, style, dayparts);
        keep_item(c, seen_ids, parsed, &mut items);
    }
    if spot_tables.is_empty() {
        c.err(&t.span(), Problem::CampaignNeedsSpot);
    }
    if c.diags.len() != before {
        return None;
    }
    Some(Campaign {
        id,
        advertiser,
        contract,
        start_date: start_date?.0,
        end_date: end_date?.0,
        days,
        workdays_only,
        hours,
        target: targets.first()?.0,
        max_per_hour,
        separation_s,
        items,
        line,
    })
}
