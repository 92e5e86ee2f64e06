//! The playlist as a form: what the console's form editor shows and changes, read from and
//! written back into the TOML text with `toml_edit`, so the file's comments, blank lines, key
//! order and everything the form does not show (`[defaults]`, dayparts, keys it does not know)
//! stay as they were. Hand edits and form edits mix: the text stays the one truth, and what the
//! form writes is checked by the same checker as a hand edit.
//!
//! Sans-IO: text in, text out. A field is written only when its value changed, and keeps the
//! comment after it; a field emptied is removed (the playlist's default applies). Items, the
//! brightness schedule, campaigns and their spots are matched to the file's tables by `source`,
//! their index in the file when the form was read, so a reordered, removed or added item,
//! campaign or spot moves its own comments with it (a campaign moves with its spots).

use std::collections::BTreeMap;
use std::ops::Range;

use serde::{Deserialize, Serialize};
use thiserror::Error;
use toml_edit::{Array, DocumentMut, Item, Table, Value};

mod campaign;
mod edit;
pub use campaign::{FormCampaign, FormSpot, TARGETS};
pub use edit::{FormEdit, Run, apply, splice};

/// The playlist's items, brightness schedule, power times, campaigns and government floor as
/// the form edits them.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Form {
    pub items: Vec<FormItem>,
    #[serde(default)]
    pub brightness: Vec<FormBrightness>,
    #[serde(default)]
    pub power: Option<FormPower>,
    /// Paid campaigns and their spots (docs/campaigns.md).
    #[serde(default)]
    pub campaigns: Vec<FormCampaign>,
    /// The share of every hour kept for government content; `None`: the default (0.5).
    #[serde(default)]
    pub government_floor: Option<f64>,
    /// The line of `government_floor`, when written. Read-only.
    #[serde(default, skip_deserializing)]
    pub government_floor_line: usize,
    /// What else the file holds that only the TOML view edits (`defaults`, `dayparts`, …);
    /// read-only, kept as written.
    #[serde(default, skip_deserializing)]
    pub elsewhere: Vec<String>,
}

/// One `[[item]]` of the rotation.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct FormItem {
    /// Its index among the file's `[[item]]`s when the form was read; `None`: a new item.
    pub source: Option<usize>,
    pub id: String,
    /// What it shows: a text (with date fields) or a picture beside the playlist.
    pub text: String,
    pub image: String,
    /// `mon` … `sun`; empty: every day.
    pub days: Vec<String>,
    /// `08:00-18:00`; empty: all day.
    pub time: String,
    /// `2026-12-01..2026-12-31`; empty: every date.
    pub dates: String,
    pub workdays_only: bool,
    pub days_off_only: bool,
    /// Empty or `None`: the playlist's `[defaults]`.
    pub font_size: Option<u8>,
    pub color: String,
    pub effect: String,
    pub dwell_s: Option<u32>,
    /// Keys of this item the form does not edit, or holds in a shape it does not show, with
    /// their values as written (kept so). Read-only.
    #[serde(skip_deserializing)]
    pub kept: BTreeMap<String, String>,
    /// The line of the item's `[[item]]` header (`""`) and of each key, so the checker's
    /// problems can be shown at their field. Read-only.
    #[serde(skip_deserializing)]
    pub lines: BTreeMap<String, usize>,
}

/// One `[[brightness]]` window.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct FormBrightness {
    pub source: Option<usize>,
    /// `06:00-19:00`.
    pub time: String,
    /// 0 to 15.
    pub level: u8,
    #[serde(skip_deserializing)]
    pub line: usize,
}

/// The `[power]` times: when the board is switched on and off.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct FormPower {
    /// `06:30`.
    pub on: String,
    /// `23:30`.
    pub off: String,
    #[serde(skip_deserializing)]
    pub line: usize,
}

/// Why the form cannot read or write a playlist text.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum FormError {
    /// The text is not TOML at all: the form cannot show it.
    #[error(
        "line {line}: the playlist is not valid TOML, so the form cannot show it; correct it in the TOML view (高级)"
    )]
    Unreadable { line: usize },
    /// `item`, `brightness`, `power`, `campaign` or `campaign.item` is written in a shape the
    /// form does not edit (an inline array or table).
    #[error("`{key}` is written inline; the form edits only `[[{key}]]` tables: edit it in the TOML view (高级)")]
    Inline { key: String },
    /// A form names a table of the file that is not there (the text changed since it was read).
    #[error("{what} {} is not in the playlist any more: read the form again", index + 1)]
    Stale { what: &'static str, index: usize },
    /// A form changes a field the file writes in a shape the form does not show (a daypart's
    /// name for `time`, a computed value): the change would otherwise be dropped unseen. `what`:
    /// `item`, `campaign`, `spot` (`index` among its campaign's spots) or `playlist` (a top-level
    /// key).
    #[error(
        "{what} {} (`{id}`): `{key}` is written in a shape the form does not edit, so the form cannot change it; edit it in the TOML view (高级)",
        index + 1
    )]
    Kept {
        what: &'static str,
        index: usize,
        id: String,
        key: String,
    },
    /// Two entries of a form name the same table of the file.
    #[error("two {what}s of the form come from the same one of the playlist ({}): read the form again", index + 1)]
    Twice { what: &'static str, index: usize },
}

impl FormError {
    /// The same in Chinese.
    pub fn zh(&self) -> String {
        match self {
            FormError::Unreadable { line } => {
                format!("第 {line} 行：节目单不是有效的 TOML，表单无法显示；请在“高级”中改正")
            }
            FormError::Inline { key } => {
                format!("“{key}”写成了行内形式，表单只编辑 [[{key}]] 表：请在“高级”中修改")
            }
            FormError::Stale { what, index } => {
                format!("第 {} 个{}已不在节目单中：请重新读取表单", index + 1, what_zh(what))
            }
            FormError::Kept { what, index, id, key } => format!(
                "第 {} 个{}（{id}）的“{key}”写法表单无法编辑，表单不能修改它：请在“高级”中修改",
                index + 1,
                what_zh(what)
            ),
            FormError::Twice { what, index } => {
                let what = what_zh(what);
                format!(
                    "表单中有两处来自节目单的同一个{what}（第 {} 个）：请重新读取表单",
                    index + 1
                )
            }
        }
    }
}

/// What a part of the form is called in Chinese.
fn what_zh(what: &str) -> &str {
    match what {
        "item" => "节目",
        "brightness" => "亮度时段",
        "campaign" => "广告投放",
        "spot" => "广告内容",
        "playlist" => "节目单设置",
        _ => what,
    }
}

/// The keys of an item the form edits.
pub const ITEM_KEYS: [&str; 12] = [
    "id",
    "text",
    "image",
    "days",
    "time",
    "dates",
    "workdays_only",
    "days_off_only",
    "font_size",
    "color",
    "effect",
    "dwell_s",
];

/// Top-level keys the form shows.
const FORM_TABLES: [&str; 5] = ["item", "brightness", "power", "campaign", "government_floor"];

/// Read a playlist text as a form.
pub fn read(text: &str) -> Result<Form, FormError> {
    let doc = toml_edit::Document::parse(text).map_err(|e| FormError::Unreadable {
        line: e.span().map_or(1, |s| line_of(text, s.start)),
    })?;
    // Where each line starts, so a field's line is a binary search, not a scan of the text
    // before it (a playlist of 10 000 items has 100 000 fields).
    let starts: Vec<usize> = std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let line = |span: Option<Range<usize>>| span.map_or(0, |s| starts.partition_point(|&b| b <= s.start));
    let root = doc.as_table();
    let floor = root.get("government_floor");
    let mut form = Form {
        elsewhere: root
            .iter()
            .map(|(k, _)| k.to_owned())
            // A floor that is not a number is kept as written, for the TOML view.
            .filter(|k| !FORM_TABLES.contains(&k.as_str()) || (k == "government_floor" && floor_of(root).is_none()))
            .collect(),
        government_floor: floor_of(root),
        government_floor_line: floor
            .and_then(|_| root.get_key_value("government_floor"))
            .map_or(0, |(k, _)| line(k.span())),
        ..Form::default()
    };
    for (i, t) in tables(root, "item")?.into_iter().enumerate() {
        let mut item = read_item(t);
        item.source = Some(i);
        item.lines = lines_of(t, &line);
        form.items.push(item);
    }
    for (i, t) in tables(root, "brightness")?.into_iter().enumerate() {
        form.brightness.push(FormBrightness {
            source: Some(i),
            time: string(t, "time"),
            level: t
                .get("level")
                .and_then(Item::as_integer)
                .and_then(|l| u8::try_from(l).ok())
                .unwrap_or(0),
            line: line(t.span()),
        });
    }
    for (i, t) in tables(root, "campaign")?.into_iter().enumerate() {
        let mut c = campaign::read_campaign(t);
        c.source = Some(i);
        c.lines = lines_of(t, &line);
        for (j, st) in spot_tables(t)?.into_iter().enumerate() {
            let mut spot = campaign::read_spot(st);
            spot.source = Some(j);
            spot.lines = lines_of(st, &line);
            c.spots.push(spot);
        }
        form.campaigns.push(c);
    }
    form.power = match root.get("power") {
        None => None,
        Some(Item::Table(t)) => Some(FormPower {
            on: string(t, "on"),
            off: string(t, "off"),
            line: line(t.span()),
        }),
        Some(_) => return Err(FormError::Inline { key: "power".into() }),
    };
    Ok(form)
}

/// Write `form` into `text`: only what changed is rewritten, everything else stays as written.
pub fn write(text: &str, form: &Form) -> Result<String, FormError> {
    let mut doc: DocumentMut = text.parse().map_err(|e: toml_edit::TomlError| FormError::Unreadable {
        line: e.span().map_or(1, |s| line_of(text, s.start)),
    })?;
    // Comments in a file with no table yet belong before the first one the form adds.
    let was_empty = doc.as_table().is_empty();
    let root = doc.as_table_mut();
    let old_items: Vec<Table> = tables(root, "item")?.into_iter().cloned().collect();
    once(form.items.iter().map(|i| i.source), "item")?;
    once(form.brightness.iter().map(|b| b.source), "brightness")?;
    let mut items = Vec::new();
    for (index, f) in form.items.iter().enumerate() {
        let mut t = match f.source {
            Some(i) => old_items
                .get(i)
                .cloned()
                .ok_or(FormError::Stale { what: "item", index: i })?,
            None => Table::new(),
        };
        write_item(&mut t, f).map_err(|key| FormError::Kept {
            what: "item",
            index,
            id: f.id.clone(),
            key: key.to_owned(),
        })?;
        items.push(t);
    }
    place(root, &old_items, &mut items);
    set_tables(root, "item", items);

    let old: Vec<Table> = tables(root, "brightness")?.into_iter().cloned().collect();
    let mut windows = Vec::new();
    for b in &form.brightness {
        let mut t = match b.source {
            Some(i) => old.get(i).cloned().ok_or(FormError::Stale {
                what: "brightness",
                index: i,
            })?,
            None => Table::new(),
        };
        set_string(&mut t, "time", &b.time);
        set(&mut t, "level", Some(i64::from(b.level).into()));
        windows.push(t);
    }
    place(root, &old, &mut windows);
    set_tables(root, "brightness", windows);

    // Campaigns, each with its spots (matched among its own): a campaign moves with its spots.
    let old: Vec<Table> = tables(root, "campaign")?.into_iter().cloned().collect();
    once(form.campaigns.iter().map(|c| c.source), "campaign")?;
    let mut campaigns = Vec::new();
    for (index, f) in form.campaigns.iter().enumerate() {
        let mut t = match f.source {
            Some(i) => old.get(i).cloned().ok_or(FormError::Stale {
                what: "campaign",
                index: i,
            })?,
            None => Table::new(),
        };
        let old_spots: Vec<Table> = spot_tables(&t)?.into_iter().cloned().collect();
        once(f.spots.iter().map(|s| s.source), "spot")?;
        campaign::write_campaign(&mut t, f).map_err(|key| FormError::Kept {
            what: "campaign",
            index,
            id: f.id.clone(),
            key,
        })?;
        let mut spots = Vec::new();
        for (j, s) in f.spots.iter().enumerate() {
            let mut st = match s.source {
                Some(i) => old_spots
                    .get(i)
                    .cloned()
                    .ok_or(FormError::Stale { what: "spot", index: i })?,
                None => Table::new(),
            };
            campaign::write_spot(&mut st, s).map_err(|key| FormError::Kept {
                what: "spot",
                index: j,
                id: s.id.clone(),
                key,
            })?;
            spots.push(st);
        }
        set_tables(&mut t, "item", spots);
        campaigns.push(t);
    }
    place_with_spots(root, &old, &mut campaigns)?;
    set_tables(root, "campaign", campaigns);

    let floor = floor_of(root);
    if form.government_floor != floor {
        if floor.is_none() && root.contains_key("government_floor") {
            return Err(FormError::Kept {
                what: "playlist",
                index: 0,
                id: String::new(),
                key: "government_floor".into(),
            });
        }
        let first_key = !root.iter().any(|(_, v)| v.is_value());
        let was_first = root
            .iter()
            .find(|(_, v)| v.is_value())
            .is_some_and(|(k, _)| k == "government_floor");
        if form.government_floor.is_none() && was_first {
            // The file's opening comment stays: it goes to what now comes first.
            let lead = root
                .key("government_floor")
                .and_then(|k| k.leaf_decor().prefix())
                .and_then(|p| p.as_str())
                .unwrap_or_default()
                .to_owned();
            root.remove("government_floor");
            lead_comment_from(root, &lead);
        } else {
            set(root, "government_floor", form.government_floor.map(Value::from));
        }
        if first_key && floor.is_none() {
            lead_comment_to(root, "government_floor");
        }
    }

    match &form.power {
        Some(p) if !(p.on.is_empty() && p.off.is_empty()) => {
            let Item::Table(t) = root.entry("power").or_insert_with(|| Item::Table(Table::new())) else {
                return Err(FormError::Inline { key: "power".into() });
            };
            set_string(t, "on", &p.on);
            set_string(t, "off", &p.off);
        }
        _ => {
            root.remove("power");
        }
    }
    if was_empty && !doc.as_table().is_empty() {
        let lead = doc.trailing().as_str().unwrap_or_default().to_owned();
        doc.set_trailing("");
        let first = doc.as_table_mut().iter_mut().find_map(|(_, item)| match item {
            Item::ArrayOfTables(a) => a.get_mut(0),
            Item::Table(t) => Some(t),
            _ => None,
        });
        if let Some(t) = first {
            t.decor_mut().set_prefix(lead);
        }
    }
    Ok(doc.to_string())
}

/// Give the tables of a list, in their new order, the places in the file the old ones held: a
/// moved table takes its comments to its new place; a table added goes after the last one of
/// its list (the file's later tables move down), or at the end of a list that had none.
fn place(root: &mut Table, old: &[Table], new: &mut [Table]) {
    let mut places: Vec<isize> = old.iter().filter_map(Table::position).collect();
    places.sort_unstable();
    let Some(&last) = places.last() else {
        for t in new.iter_mut() {
            t.set_position(None);
        }
        return;
    };
    let extra = new.len().saturating_sub(places.len());
    if extra > 0 {
        shift_after(root, last, extra as isize);
        places.extend((1..=extra as isize).map(|k| last + k));
    }
    for (t, p) in new.iter_mut().zip(places) {
        t.set_position(Some(p));
    }
}

/// [`place`] for campaigns: the places their tables and their spots' held, in the new order a
/// campaign then its spots, so each spot stays under its own campaign.
fn place_with_spots(root: &mut Table, old: &[Table], new: &mut [Table]) -> Result<(), FormError> {
    let mut places: Vec<isize> = Vec::new();
    for t in old {
        places.extend(t.position());
        places.extend(spot_tables(t)?.into_iter().filter_map(Table::position));
    }
    places.sort_unstable();
    let count: usize = new
        .iter()
        .map(|t| {
            1 + t
                .get("item")
                .and_then(Item::as_array_of_tables)
                .map_or(0, toml_edit::ArrayOfTables::len)
        })
        .sum();
    let mut given: Vec<Option<isize>> = vec![None; count];
    if let Some(&last) = places.last() {
        let extra = count.saturating_sub(places.len());
        if extra > 0 {
            shift_after(root, last, extra as isize);
            places.extend((1..=extra as isize).map(|k| last + k));
        }
        given = places.into_iter().take(count).map(Some).collect();
    }
    let mut next = given.into_iter();
    for t in new.iter_mut() {
        t.set_position(next.next().flatten());
        if let Some(Item::ArrayOfTables(a)) = t.get_mut("item") {
            for s in a.iter_mut() {
                s.set_position(next.next().flatten());
            }
        }
    }
    Ok(())
}

/// The first table of the file, by place.
fn first_table(root: &mut Table) -> Option<&mut Table> {
    let mut firsts: Vec<(isize, String)> = Vec::new();
    for (k, item) in root.iter() {
        match item {
            Item::Table(t) => firsts.extend(t.position().map(|p| (p, k.to_owned()))),
            Item::ArrayOfTables(a) => {
                firsts.extend(a.iter().next().and_then(Table::position).map(|p| (p, k.to_owned())));
            }
            _ => {}
        }
    }
    let (_, name) = firsts.into_iter().min()?;
    match root.get_mut(&name)? {
        Item::Table(t) => Some(t),
        Item::ArrayOfTables(a) => a.get_mut(0),
        _ => None,
    }
}

/// The opening comment `lead` of a removed first key goes before what now comes first.
fn lead_comment_from(root: &mut Table, lead: &str) {
    if lead.trim().is_empty() {
        return;
    }
    let first_key = root.iter().find(|(_, v)| v.is_value()).map(|(k, _)| k.to_owned());
    if let Some(k) = first_key {
        if let Some(mut key) = root.key_mut(&k) {
            let old = key
                .leaf_decor()
                .prefix()
                .and_then(|p| p.as_str())
                .unwrap_or_default()
                .to_owned();
            key.leaf_decor_mut().set_prefix(format!("{lead}{old}"));
        }
    } else if let Some(t) = first_table(root) {
        let old = t
            .decor()
            .prefix()
            .and_then(|p| p.as_str())
            .unwrap_or_default()
            .to_owned();
        t.decor_mut().set_prefix(format!("{lead}{old}"));
    }
}

/// A first top-level key takes the file's opening comment (up to its first blank line) from the
/// first table, so the comment stays at the top.
fn lead_comment_to(root: &mut Table, key: &str) {
    let Some(table) = first_table(root) else {
        return;
    };
    let prefix = table
        .decor()
        .prefix()
        .and_then(|p| p.as_str())
        .unwrap_or_default()
        .to_owned();
    let Some(at) = prefix.find("\n\n") else {
        return;
    };
    let (head, rest) = prefix.split_at(at + 1);
    table.decor_mut().set_prefix(rest.to_owned());
    if let Some(mut k) = root.key_mut(key) {
        k.leaf_decor_mut().set_prefix(head.to_owned());
    }
}

/// Move every table of the file placed after `after` down by `by`.
fn shift_after(t: &mut Table, after: isize, by: isize) {
    if let Some(p) = t.position().filter(|&p| p > after) {
        t.set_position(Some(p + by));
    }
    for (_, item) in t.iter_mut() {
        match item {
            Item::Table(child) => shift_after(child, after, by),
            Item::ArrayOfTables(a) => {
                for child in a.iter_mut() {
                    shift_after(child, after, by);
                }
            }
            _ => {}
        }
    }
}

/// `Err` when two entries name the same table of the file (their edits would be mixed).
fn once(sources: impl Iterator<Item = Option<usize>>, what: &'static str) -> Result<(), FormError> {
    let mut seen = std::collections::BTreeSet::new();
    for i in sources.flatten() {
        if !seen.insert(i) {
            return Err(FormError::Twice { what, index: i });
        }
    }
    Ok(())
}

/// The 1-based line of byte `at`.
fn line_of(text: &str, at: usize) -> usize {
    text.get(..at).unwrap_or(text).matches('\n').count() + 1
}

/// The `government_floor` when it is written as a number.
fn floor_of(root: &Table) -> Option<f64> {
    let v = root.get("government_floor")?;
    v.as_float().or_else(|| v.as_integer().map(|i| i as f64))
}

/// The line of a table's header (`""`) and of each of its keys.
fn lines_of(t: &Table, line: &dyn Fn(Option<Range<usize>>) -> usize) -> BTreeMap<String, usize> {
    let mut lines = BTreeMap::from([(String::new(), line(t.span()))]);
    for (k, _) in t {
        if let Some((key, _)) = t.get_key_value(k) {
            lines.insert(k.to_owned(), line(key.span()));
        }
    }
    lines
}

/// A campaign's `[[campaign.item]]` spots.
fn spot_tables(campaign: &Table) -> Result<Vec<&Table>, FormError> {
    match campaign.get("item") {
        None => Ok(Vec::new()),
        Some(Item::ArrayOfTables(a)) => Ok(a.iter().collect()),
        Some(_) => Err(FormError::Inline {
            key: "campaign.item".into(),
        }),
    }
}

/// A value as the file writes it (a table's whole text), for what the form keeps.
fn written(item: &Item) -> String {
    item.as_value()
        .map_or_else(|| item.to_string(), |v| v.to_string().trim().to_owned())
}

/// The `[[key]]` tables of `root` (none when absent).
fn tables<'a>(root: &'a Table, key: &str) -> Result<Vec<&'a Table>, FormError> {
    match root.get(key) {
        None => Ok(Vec::new()),
        Some(Item::ArrayOfTables(a)) => Ok(a.iter().collect()),
        Some(_) => Err(FormError::Inline { key: key.to_owned() }),
    }
}

/// Replace the `[[key]]` tables (removing the key when there are none).
fn set_tables(root: &mut Table, key: &str, list: Vec<Table>) {
    if list.is_empty() {
        root.remove(key);
    } else {
        let mut a = toml_edit::ArrayOfTables::new();
        for t in list {
            a.push(t);
        }
        root.insert(key, Item::ArrayOfTables(a));
    }
}

fn string(t: &Table, key: &str) -> String {
    t.get(key).and_then(Item::as_str).unwrap_or_default().to_owned()
}

fn read_item(t: &Table) -> FormItem {
    let mut kept: BTreeMap<String, String> = t
        .iter()
        .filter(|(k, _)| !ITEM_KEYS.contains(k))
        .map(|(k, v)| (k.to_owned(), written(v)))
        .collect();
    // A key the form edits but written in a shape it does not show is kept as written too.
    let mut shape = |key: &str, ok: bool| {
        if let Some(v) = t.get(key).filter(|_| !ok) {
            kept.insert(key.to_owned(), written(v));
        }
    };
    for key in ["id", "text", "image", "dates", "color", "effect"] {
        shape(key, t.get(key).is_some_and(Item::is_str));
    }
    // Hours the form shows as two times: `HH:MM-HH:MM` (not a daypart's name, not a list).
    shape("time", t.get("time").and_then(Item::as_str).is_some_and(is_window));
    let days = t.get("days").and_then(Item::as_array).and_then(|a| {
        a.iter()
            .map(|v| v.as_str().map(str::to_owned))
            .collect::<Option<Vec<_>>>()
    });
    shape("days", days.is_some());
    let int = |key: &str| t.get(key).and_then(Item::as_integer);
    let font_size = int("font_size").and_then(|v| u8::try_from(v).ok());
    shape("font_size", font_size.is_some());
    let dwell_s = int("dwell_s").and_then(|v| u32::try_from(v).ok());
    shape("dwell_s", dwell_s.is_some());
    let flag = |key: &str| t.get(key).and_then(Item::as_bool);
    shape("workdays_only", flag("workdays_only").is_some());
    shape("days_off_only", flag("days_off_only").is_some());
    FormItem {
        source: None,
        id: string(t, "id"),
        text: string(t, "text"),
        image: string(t, "image"),
        days: days.unwrap_or_default(),
        time: string(t, "time"),
        dates: string(t, "dates"),
        workdays_only: flag("workdays_only").unwrap_or(false),
        days_off_only: flag("days_off_only").unwrap_or(false),
        font_size,
        color: string(t, "color"),
        effect: string(t, "effect"),
        dwell_s,
        kept,
        lines: BTreeMap::new(),
    }
}

/// Write the form's fields into an item's table: a field whose value is what the table already
/// says is left alone (with its formatting). `Err(key)`: the form changes a field it holds as
/// kept (written in a shape it does not show), which it must not touch.
fn write_item(t: &mut Table, f: &FormItem) -> Result<(), &'static str> {
    let old = read_item(t);
    let changed = [
        ("id", old.id != f.id),
        ("text", old.text != f.text),
        ("image", old.image != f.image),
        ("days", old.days != f.days),
        ("time", old.time != f.time),
        ("dates", old.dates != f.dates),
        ("color", old.color != f.color),
        ("effect", old.effect != f.effect),
        ("workdays_only", old.workdays_only != f.workdays_only),
        ("days_off_only", old.days_off_only != f.days_off_only),
        ("font_size", old.font_size != f.font_size),
        ("dwell_s", old.dwell_s != f.dwell_s),
    ];
    if let Some((key, _)) = changed.iter().find(|(k, c)| *c && old.kept.contains_key(*k)) {
        return Err(key);
    }
    if old.id != f.id {
        set_string(t, "id", &f.id);
    }
    if old.text != f.text {
        set_string(t, "text", &f.text);
    }
    if old.image != f.image {
        set_string(t, "image", &f.image);
    }
    if old.days != f.days {
        let days = (!f.days.is_empty()).then(|| Value::Array(f.days.iter().map(String::as_str).collect::<Array>()));
        set(t, "days", days);
    }
    for (key, old, new) in [
        ("time", &old.time, &f.time),
        ("dates", &old.dates, &f.dates),
        ("color", &old.color, &f.color),
        ("effect", &old.effect, &f.effect),
    ] {
        if old != new {
            set_string(t, key, new);
        }
    }
    for (key, old, new) in [
        ("workdays_only", old.workdays_only, f.workdays_only),
        ("days_off_only", old.days_off_only, f.days_off_only),
    ] {
        if old != new {
            set(t, key, new.then(|| true.into()));
        }
    }
    if old.font_size != f.font_size {
        set(t, "font_size", f.font_size.map(|v| i64::from(v).into()));
    }
    if old.dwell_s != f.dwell_s {
        set(t, "dwell_s", f.dwell_s.map(|v| i64::from(v).into()));
    }
    Ok(())
}

/// `08:00-18:00`.
fn is_window(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 11
        && b[2] == b':'
        && b[5] == b'-'
        && b[8] == b':'
        && [0, 1, 3, 4, 6, 7, 9, 10].iter().all(|&i| b[i].is_ascii_digit())
}

fn set_string(t: &mut Table, key: &str, v: &str) {
    set(t, key, (!v.is_empty()).then(|| v.into()));
}

/// Set `key` to `v` (keeping the comment after the old value), or remove it when `None`.
fn set(t: &mut Table, key: &str, v: Option<Value>) {
    match v {
        None => {
            t.remove(key);
        }
        Some(mut v) => match t.get_mut(key) {
            // In place: the key keeps its indent and the comments before it.
            Some(old) => {
                if let Some(o) = old.as_value() {
                    *v.decor_mut() = o.decor().clone();
                }
                *old = Item::Value(v);
            }
            None => {
                t.insert(key, Item::Value(v));
            }
        },
    }
}

#[cfg(test)]
mod tests;
