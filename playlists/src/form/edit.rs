//! A form edit sent as what changed, against the text the form was read from: the lists as runs
//! of the base's entries left as they were and the entries the form changed or added, and the
//! settings that changed. Its size is the edit's, not the playlist's: a playlist of 10 000 items
//! is edited with a request of a few hundred bytes.

use serde::{Deserialize, Deserializer, Serialize};

use super::{Form, FormBrightness, FormCampaign, FormError, FormItem, FormPower};

/// One part of an edited list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Run<T> {
    /// The base's entries `from` to `to` (both included, 0-based), unchanged, in their order.
    Same([usize; 2]),
    /// One entry as the form has it: changed (its `source` names the base's entry) or added
    /// (no `source`).
    Form(T),
}

/// What a form edit changed, against the base text: a list or setting left out is unchanged.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FormEdit {
    /// The items in their new order.
    pub items: Option<Vec<Run<FormItem>>>,
    /// The campaigns (each with all its spots) in their new order.
    pub campaigns: Option<Vec<Run<FormCampaign>>>,
    /// The brightness windows, all of them (a handful).
    pub brightness: Option<Vec<FormBrightness>>,
    /// The power times; `null`: none.
    #[serde(deserialize_with = "present")]
    pub power: Option<Option<FormPower>>,
    /// The government floor; `null`: the default.
    #[serde(deserialize_with = "present")]
    pub government_floor: Option<Option<f64>>,
}

/// A key that is there (`null` included) is `Some`.
fn present<'de, T: Deserialize<'de>, D: Deserializer<'de>>(d: D) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

impl FormEdit {
    /// The whole form this edit makes of `base` (the form read from the base text).
    pub fn expand(&self, mut base: Form) -> Result<Form, FormError> {
        if let Some(runs) = &self.items {
            base.items = expand(runs, &base.items, "item")?;
        }
        if let Some(runs) = &self.campaigns {
            base.campaigns = expand(runs, &base.campaigns, "campaign")?;
        }
        if let Some(b) = &self.brightness {
            base.brightness.clone_from(b);
        }
        if let Some(p) = &self.power {
            base.power.clone_from(p);
        }
        if let Some(g) = self.government_floor {
            base.government_floor = g;
        }
        Ok(base)
    }
}

/// The list `runs` makes of `base`. Each entry of the base is named at most once (by a run or a
/// changed entry's `source`), so the list never grows past the base and the entries sent.
fn expand<T: Clone + Sourced>(runs: &[Run<T>], base: &[T], what: &'static str) -> Result<Vec<T>, FormError> {
    let mut seen = vec![false; base.len()];
    let mut take = |i: usize| -> Result<(), FormError> {
        match seen.get_mut(i) {
            None => Err(FormError::Stale { what, index: i }),
            Some(true) => Err(FormError::Twice { what, index: i }),
            Some(s) => {
                *s = true;
                Ok(())
            }
        }
    };
    let mut out = Vec::new();
    for r in runs {
        match r {
            Run::Same([from, to]) => {
                if from > to {
                    return Err(FormError::Stale { what, index: *from });
                }
                for i in *from..=*to {
                    take(i)?;
                }
                out.extend_from_slice(&base[*from..=*to]);
            }
            Run::Form(t) => {
                if let Some(i) = t.source() {
                    take(i)?;
                }
                out.push(t.clone());
            }
        }
    }
    Ok(out)
}

/// An entry of a list that names the base's entry it comes from.
trait Sourced {
    fn source(&self) -> Option<usize>;
}

impl Sourced for FormItem {
    fn source(&self) -> Option<usize> {
        self.source
    }
}

impl Sourced for FormCampaign {
    fn source(&self) -> Option<usize> {
        self.source
    }
}

/// Write `edit` into `text` (the base it was made against): the new text.
pub fn apply(text: &str, edit: &FormEdit) -> Result<String, FormError> {
    let form = edit.expand(super::read(text)?)?;
    super::write(text, &form)
}

/// Where two texts differ, as the one stretch of `old` to replace (in UTF-16 code units, as a
/// browser's string counts): `(at, remove, insert)`. A form edit rewrites only what changed, so
/// the stretch is the edit's size, not the playlist's.
pub fn splice<'a>(old: &str, new: &'a str) -> (usize, usize, &'a str) {
    let prefix = old
        .char_indices()
        .zip(new.chars())
        .find(|((_, a), b)| a != b)
        .map_or(old.len().min(new.len()), |((i, _), _)| i);
    // Back to a character boundary of both (equal up to `prefix`, so the same one).
    let (o, n) = (&old[prefix..], &new[prefix..]);
    let suffix = o
        .chars()
        .rev()
        .zip(n.chars().rev())
        .take_while(|(a, b)| a == b)
        .map(|(a, _)| a.len_utf8())
        .sum::<usize>();
    let removed = &o[..o.len() - suffix];
    let inserted = &n[..n.len() - suffix];
    let u16s = |s: &str| s.encode_utf16().count();
    (u16s(&old[..prefix]), u16s(removed), inserted)
}
