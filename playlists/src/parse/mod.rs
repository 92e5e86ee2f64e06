//! TOML → [`Playlist`], collecting every problem with its `FILE:LINE:COL` rather than
//! stopping at the first.
//!
//! One module per job: `syntax` (the parser's own errors), `values` (one value read as what its
//! key wants), `keys` (the keys each section knows), `settings` (defaults, dayparts, time zone,
//! floor), `item`, `campaign`, and `board` (brightness windows and power); this file walks the
//! document and puts the playlist together.

use std::collections::HashMap;

use toml::de::DeTable;

use crate::error::{Diagnostic, PlaylistError};
use crate::model::Playlist;
use crate::problem::Problem;

mod board;
mod campaign;
mod item;
pub(crate) mod keys;
mod settings;
mod syntax;
mod values;

pub(crate) use keys::CAMPAIGN_KEYS;

/// Longest item text, as for portal announcements.
pub const MAX_TEXT_CHARS: usize = 2000;

/// The file being read and the problems found so far.
struct Ctx<'a> {
    file: &'a str,
    src: &'a str,
    /// Where each line starts, so a position's line is a binary search: counting the newlines
    /// before each item's header made a check of 10 000 items take seconds (issue #30).
    starts: Vec<usize>,
    diags: Vec<Diagnostic>,
}

impl Ctx<'_> {
    fn pos(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.src.len());
        let line = self.starts.partition_point(|&b| b <= offset);
        let start = self.starts.get(line.saturating_sub(1)).copied().unwrap_or(0);
        let col = self.src.get(start..offset).map_or(0, |l| l.chars().count()) + 1;
        (line, col)
    }
    fn err(&mut self, span: &std::ops::Range<usize>, problem: Problem) {
        let (line, col) = self.pos(span.start);
        self.diags.push(Diagnostic {
            file: self.file.to_owned(),
            line,
            col,
            problem,
        });
    }
}

/// Parse and validate a playlist. `file` names it in messages.
pub fn parse(src: &str, file: &str) -> Result<Playlist, PlaylistError> {
    let mut c = Ctx {
        file,
        src,
        starts: std::iter::once(0)
            .chain(src.match_indices('\n').map(|(i, _)| i + 1))
            .collect(),
        diags: Vec::new(),
    };
    let (root, errors) = DeTable::parse_recoverable(src);
    if !errors.is_empty() {
        syntax::report(&mut c, src, &errors);
        return Err(PlaylistError::Invalid(c.diags));
    }
    let root = root.into_inner();
    // Defaults and dayparts first: items refer to them.
    let settings = settings::read(&mut c, &root);

    let mut items = Vec::new();
    let mut brightness = Vec::new();
    let mut power = None;
    let mut seen_ids: HashMap<String, usize> = HashMap::new();
    let mut campaigns = Vec::new();
    let mut campaign_ids: HashMap<String, usize> = HashMap::new();

    for (k, v) in values::sorted(&root) {
        match k.get_ref().as_ref() {
            "item" => {
                for t in values::tables(&mut c, "item", v) {
                    let parsed = item::parse_item(&mut c, &t, settings.defaults, &settings.dayparts);
                    item::keep_item(&mut c, &mut seen_ids, parsed, &mut items);
                }
            }
            "campaign" => {
                for t in values::tables(&mut c, "campaign", v) {
                    let (line, _) = c.pos(t.span().start);
                    let camp =
                        campaign::parse_campaign(&mut c, &t, settings.defaults, &settings.dayparts, &mut seen_ids);
                    if let Some(camp) = camp {
                        if let Some(first) = campaign_ids.get(&camp.id) {
                            let span = t.span();
                            c.err(
                                &span,
                                Problem::DuplicateCampaign {
                                    id: camp.id.clone(),
                                    first_line: *first,
                                },
                            );
                        } else {
                            campaign_ids.insert(camp.id.clone(), line);
                            campaigns.push(camp);
                        }
                    }
                }
            }
            "brightness" => board::brightness(&mut c, v, &settings.dayparts, &mut brightness),
            "power" => {
                if let Some(p) = board::power(&mut c, v) {
                    power = Some(p);
                }
            }
            _ => {}
        }
    }
    board::overlaps(&mut c, &brightness);

    if c.diags.is_empty() {
        Ok(Playlist {
            origin: file.to_owned(),
            defaults: settings.defaults,
            items,
            brightness: brightness.into_iter().map(|(b, _)| b).collect(),
            default_brightness: settings.default_brightness,
            power,
            timezone: settings.timezone,
            campaigns,
            government_floor: settings.government_floor,
        })
    } else {
        c.diags.sort_by_key(|d| (d.line, d.col));
        Err(PlaylistError::Invalid(c.diags))
    }
}

/// Read and parse a playlist file.
pub fn load(path: &std::path::Path) -> Result<Playlist, PlaylistError> {
    let src = std::fs::read_to_string(path).map_err(|e| PlaylistError::read(path, &e))?;
    parse(&src, &path.display().to_string())
}
