//! What the board should show, as the driver needs it: rendered pages per dynamic area, the
//! brightness and the power state. Built from the scheduler's plan; compared by content so only
//! what changed is sent.

use std::collections::HashMap;

use pinghu_fonts::{BitmapFont, ColorMode, Effect, FontSet, Frame, RenderOptions, TextColor};
use pinghu_playlists::{Content, ContentKey, Layer, Plan};

/// Dynamic area of the rotation.
pub const MAIN_AREA: u8 = 0;
/// Dynamic area of urgent and emergency notices (drawn over the rotation).
pub const URGENT_AREA: u8 = 1;

/// One area's content, rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AreaContent {
    pub key: ContentKey,
    pub text: String,
    pub color: TextColor,
    pub font_size: u32,
    pub effect: Effect,
    pub pages: Vec<Frame>,
    pub dwell_s: Vec<u32>,
    /// Characters no font has (drawn as boxes).
    pub missing: Vec<char>,
}

impl AreaContent {
    /// SHA-256 of the first page: what a receipt names.
    pub fn first_frame_sha256(&self) -> String {
        self.pages.first().map(Frame::sha256).unwrap_or_default()
    }
}

/// The desired board.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Desired {
    pub power: bool,
    pub brightness: u8,
    /// The day's 48 half-hour levels, sent once for the card to follow by its own clock; `None`
    /// while a fixed level rules (a technician's override, an emergency, an untrusted clock).
    pub brightness_table: Option<Vec<u8>>,
    /// What the card shows from flash when the host is gone (graphic cards).
    pub fallback: Option<AreaContent>,
    /// The playlist's daily on/off window (minutes of the day), given to the card so it switches
    /// itself when the host is gone.
    pub power_window: Option<(u16, u16)>,
    pub layer: Layer,
    /// The rotation's content; `None` while a takeover holds it paused (the card keeps it).
    pub main: Option<AreaContent>,
    pub urgent: Option<AreaContent>,
    /// Nothing to show at all.
    pub blank: bool,
}

impl Default for Desired {
    fn default() -> Self {
        Self {
            power: true,
            brightness: 15,
            brightness_table: None,
            fallback: None,
            power_window: None,
            layer: Layer::Blank,
            main: None,
            urgent: None,
            blank: true,
        }
    }
}

/// The text a content shows: an announcement's title in 【】 before its body.
pub fn display_text(c: &Content) -> String {
    match &c.title {
        Some(t) if !t.is_empty() => format!("【{t}】{}", c.text),
        _ => c.text.clone(),
    }
}

/// Renders contents for one board, caching by content.
#[derive(Debug)]
pub struct Renderer {
    pub width: u32,
    pub height: u32,
    pub colors: ColorMode,
    fallback: Option<BitmapFont>,
    /// Fonts replacing the built-in ones, by size.
    overrides: HashMap<u32, BitmapFont>,
    /// Where an item's `image` is looked for (the playlist's folder).
    pub image_dir: Option<std::path::PathBuf>,
    cache: HashMap<(ContentKey, String), AreaContent>,
}

impl Renderer {
    pub fn new(width: u32, height: u32, colors: ColorMode, fallback: Option<BitmapFont>) -> Self {
        Self {
            width,
            height,
            colors,
            fallback,
            overrides: HashMap::new(),
            image_dir: None,
            cache: HashMap::new(),
        }
    }

    /// Seconds an item stays on the glass: its dwell time for each page it renders to (on the day
    /// its fields read widest, as the booking check counts every day).
    pub fn spot_len(&mut self, item: &pinghu_playlists::Item) -> u32 {
        let content = pinghu_playlists::item_content(item, pinghu_playlists::fields::WIDEST_DAY);
        let pages = self.render(&content).pages.len().max(1);
        item.style.dwell_s.max(1) * u32::try_from(pages).unwrap_or(u32::MAX)
    }

    /// The booking check of `playlist`'s campaigns with spots as long as this board shows them.
    pub fn check_bookings(
        &mut self,
        playlist: &pinghu_playlists::Playlist,
        calendar: &pinghu_playlists::Calendar,
    ) -> Vec<pinghu_playlists::Diagnostic> {
        if playlist.campaigns.is_empty() {
            return Vec::new();
        }
        let cell = std::cell::RefCell::new(self);
        pinghu_playlists::check_bookings(playlist, calendar, &|i| cell.borrow_mut().spot_len(i))
    }

    /// The warning for a text item with characters no font has (they show as boxes), as
    /// `pinghu playlist check --board` and the console both give it; `None` when every one is there.
    pub fn missing_glyphs_warning(&mut self, item: &pinghu_playlists::Item) -> Option<crate::findings::Finding> {
        if item.image.is_some() {
            return None;
        }
        let missing: String = self
            .render(&pinghu_playlists::item_content(
                item,
                pinghu_playlists::fields::WIDEST_DAY,
            ))
            .missing
            .into_iter()
            .collect();
        (!missing.is_empty()).then(|| crate::findings::Finding::MissingGlyphs {
            item: item.id.clone(),
            chars: missing,
        })
    }

    /// Forget what was drawn (a picture file changed under its name).
    pub fn clear_cache(&mut self) {
        self.cache.clear();
    }

    /// Use `font` instead of the built-in font of its size.
    pub fn override_font(&mut self, font: BitmapFont) {
        self.cache.clear();
        self.overrides.insert(font.size(), font);
    }

    /// A picture item: the picture fitted to the board, one page; a picture that cannot be read
    /// shows nothing (dark) and is logged (`pinghu playlist check` names it first).
    fn picture(&self, c: &Content, (file, threshold): (&str, bool)) -> AreaContent {
        let path = self.image_dir.as_deref().map_or_else(|| file.into(), |d| d.join(file));
        let reduce = pinghu_fonts::picture::Reduce::threshold_if(threshold);
        let frame = match pinghu_fonts::picture::load(&path) {
            Ok(img) => {
                let p = pinghu_fonts::picture::to_frame(&img, self.width, self.height, self.colors, reduce);
                for w in &p.warnings {
                    tracing::warn!("{}: {}: {w}", c.key, path.display());
                }
                p.frame
            }
            Err(e) => {
                tracing::error!("{}: cannot show {}: {e}", c.key, path.display());
                Frame::new(self.width, self.height, self.colors)
            }
        };
        AreaContent {
            key: c.key.clone(),
            text: format!("[{file}]"),
            color: c.style.color,
            font_size: u32::from(c.style.font_size),
            effect: Effect::Static,
            pages: vec![frame],
            dwell_s: vec![c.style.dwell_s.max(1)],
            missing: vec![],
        }
    }

    /// Render (or fetch) a content.
    pub fn render(&mut self, c: &Content) -> AreaContent {
        let text = display_text(c);
        let key = match &c.image {
            Some((file, threshold)) => (c.key.clone(), format!("image|{file}|{threshold}")),
            None => (c.key.clone(), format!("{text}|{:?}", c.style)),
        };
        if let Some(hit) = self.cache.get(&key) {
            return hit.clone();
        }
        if self.cache.len() > 256 {
            self.cache.clear();
        }
        let a = match &c.image {
            Some((file, threshold)) => self.picture(c, (file, *threshold)),
            None => self.text(c, text),
        };
        self.cache.insert(key, a.clone());
        a
    }

    /// A text content typeset for the board.
    fn text(&self, c: &Content, text: String) -> AreaContent {
        // The playlists' style words are the renderer's: the codec defines them once.
        let (color, effect) = (c.style.color, c.style.effect);
        // The largest size that fits the board, no larger than asked.
        let size =
            pinghu_protocol::style::largest_font_size(u32::from(c.style.font_size).min(self.height).min(self.width));
        let primary = match self.overrides.get(&size) {
            Some(f) => f,
            None => BitmapFont::builtin(size).expect("built-in font"),
        };
        let fonts = FontSet {
            primary,
            fallback: self.fallback.as_ref(),
        };
        let mut o = RenderOptions::new(self.width, self.height);
        o.mode = self.colors;
        o.font_size = size;
        o.color = color;
        o.effect = effect;
        o.dwell_s = c.style.dwell_s;
        let r = match pinghu_fonts::render(&text, &fonts, &o) {
            Ok(r) => r,
            Err(e) => {
                // Too long or empty: show what can be shown and say so; never drop silently.
                tracing::warn!("cannot render {}: {e}", c.key);
                let clipped: String = text.chars().take(pinghu_fonts::render::MAX_CHARS).collect();
                pinghu_fonts::render(&clipped, &fonts, &o).unwrap_or_else(|_| pinghu_fonts::Rendered {
                    pages: vec![Frame::new(self.width, self.height, self.colors)],
                    effect: Effect::Static,
                    dwell_s: vec![c.style.dwell_s.max(1)],
                    lines: vec![],
                    missing: vec![],
                    substituted: vec![],
                })
            }
        };
        if !r.missing.is_empty() {
            tracing::warn!(
                "{}: no font has {}; shown as boxes",
                c.key,
                r.missing
                    .iter()
                    .map(|ch| format!("{ch} (U+{:04X})", u32::from(*ch)))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        AreaContent {
            key: c.key.clone(),
            text,
            color,
            font_size: size,
            effect: r.effect,
            pages: r.pages,
            dwell_s: r.dwell_s,
            missing: r.missing,
        }
    }

    /// The desired board for a plan.
    pub fn desired(&mut self, plan: &Plan) -> Desired {
        let shown = plan.showing.as_ref().map(|s| self.render(&s.content));
        let (main, urgent) = match plan.layer {
            Layer::Urgent | Layer::Emergency => (None, shown),
            Layer::Rotation | Layer::Blank => (shown, None),
        };
        Desired {
            power: plan.power,
            brightness: plan.brightness,
            brightness_table: None,
            fallback: None,
            power_window: None,
            layer: plan.layer,
            blank: main.is_none() && urgent.is_none() && plan.layer == Layer::Blank,
            main,
            urgent,
        }
    }
}
