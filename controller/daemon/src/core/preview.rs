//! The console's preview: a window of a playlist's items drawn exactly as the board would show
//! them today, within a budget of pages, so a reply is as large as the window asked for.

use jiff::Timestamp;

use pinghu_fonts::Frame;
use pinghu_playlists::Diagnostic;

use super::Core;

/// One item's pages, for the console's preview.
#[derive(Debug, Clone)]
pub struct Preview {
    pub id: String,
    pub line: usize,
    /// The text as the board shows it today (date fields filled in); empty for a picture.
    pub text: String,
    pub pages: Vec<Frame>,
    pub dwell_s: Vec<u32>,
    pub effect: &'static str,
    pub missing: String,
    /// Not drawn: the preview's page budget ([`MAX_PREVIEW_PAGES`]) was spent on the items before.
    pub cut: bool,
}

/// The most pages one preview draws. A preview renders on the core thread and its pages travel as
/// images in one reply: a playlist of a thousand long items would take the board's thread for
/// seconds and the daemon's memory by the gigabyte. The board itself shows every item. 120 pages
/// made a reply of 15 MB (a page is about 110 KB as the LED look's PNG, in base64): 30 keep it
/// near 4 MB, and the form asks for the window of items a clerk edits (issue #30).
pub const MAX_PREVIEW_PAGES: usize = 30;

/// A preview's window of items, and how many items the playlist has.
#[derive(Debug, Clone)]
pub struct PreviewWindow {
    pub items: Vec<Preview>,
    pub total: usize,
}

/// The most items one preview lists (a window of the playlist's items, `from` on): the form asks
/// for the items it shows, not the 10 000 of a long playlist.
pub const MAX_PREVIEW_ITEMS: usize = 200;

/// The preview stopped drawing at its page budget, before `first_left` (at `line`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreviewCut {
    pub first_left: String,
    pub line: usize,
}

impl std::fmt::Display for PreviewCut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the preview draws the first {MAX_PREVIEW_PAGES} pages: items from `{}` on are not drawn here (the board \
             shows them all)",
            self.first_left
        )
    }
}

impl pinghu_playlists::Bilingual for PreviewCut {
    fn zh(&self) -> String {
        format!(
            "预览只画前 {MAX_PREVIEW_PAGES} 页：从 `{}` 起的节目这里不再画出（屏幕上照常全部播放）",
            self.first_left
        )
    }
}

/// Where a preview stopped drawing, if it did.
pub fn preview_cut(items: &[Preview]) -> Option<PreviewCut> {
    items.iter().find(|p| p.cut).map(|p| PreviewCut {
        first_left: p.id.clone(),
        line: p.line,
    })
}

impl Core {
    /// The items `from` to `from + count` (of every item, spots included, in the file's order)
    /// of a playlist rendered exactly as the board would show them today (`now` in the board's
    /// zone, for the date fields): (id, its pages, seconds per page, effect, characters no font
    /// has), within [`MAX_PREVIEW_PAGES`]; and how many items the playlist has. Only the items
    /// asked for are drawn or listed, so a reply is as large as the window, not the playlist.
    /// `Err` with the problems when it does not parse.
    pub fn preview(
        &mut self,
        text: &str,
        now: Timestamp,
        from: usize,
        count: usize,
    ) -> Result<PreviewWindow, Vec<Diagnostic>> {
        let p = match pinghu_playlists::parse(text, "playlist") {
            Ok(p) => p,
            Err(e) => return Err(e.diagnostics().to_vec()),
        };
        let today = now.to_zoned(self.planner.tz.clone()).date();
        let mut drawn = 0;
        let total = p.all_items().count();
        let window = p
            .all_items()
            .skip(from)
            .take(count.min(MAX_PREVIEW_ITEMS))
            .map(|item| {
                if drawn >= MAX_PREVIEW_PAGES {
                    return Preview {
                        id: item.id.clone(),
                        line: item.line,
                        text: String::new(),
                        pages: Vec::new(),
                        dwell_s: Vec::new(),
                        effect: item.style.effect.name(),
                        missing: String::new(),
                        cut: true,
                    };
                }
                let a = self
                    .planner
                    .renderer
                    .render(&pinghu_playlists::item_content(item, today));
                Preview {
                    id: item.id.clone(),
                    line: item.line,
                    text: if item.image.is_some() {
                        String::new()
                    } else {
                        a.text.clone()
                    },
                    pages: {
                        // The last item drawn may pass the budget by its own pages, no more.
                        drawn += a.pages.len();
                        a.pages
                    },
                    dwell_s: a.dwell_s,
                    effect: a.effect.name(),
                    missing: a.missing.iter().collect(),
                    cut: false,
                }
            })
            .collect();
        Ok(PreviewWindow { items: window, total })
    }
}
