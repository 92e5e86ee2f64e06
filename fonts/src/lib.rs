//! # pinghu-fonts
//!
//! Chinese text for LED boards: CJK bitmap fonts at 12, 16, 24 and 32 px, a typesetter that
//! follows Chinese line-breaking rules, and the board [`Frame`].
//!
//! * [`font`]: the compiled-in fonts, rasterised from Noto Sans CJK SC (OFL-1.1) by the committed
//!   generator `fonts/generator/make_fonts.py` — every GB2312 character and the whole CJK Unified
//!   Ideographs block — plus run-time loading of GNU Unifont `.hex` as a fallback for rare
//!   characters. The glyphs are stored compressed ([`packed`]) and inflated block by block on
//!   first use.
//! * [`typeset`]: line breaking (no closing punctuation at a line start, no opening punctuation at
//!   a line end, Latin words and numbers kept whole, explicit newlines kept) and punctuation
//!   compression (a mark gives up the blank half of its cell at a line start or end, and between
//!   two marks).
//! * [`render()`]: alignment, paging, effects, dwell times; characters no font has are drawn as a
//!   box **and** listed in [`Rendered::missing`], never dropped.
//! * [`Frame`]: 1 or 2 bits per pixel, an embedded-graphics `DrawTarget`, LED-look and plain PNG,
//!   ASCII art, lossless conversion to and from the protocol crate's page bitmaps.
//! * [`CjkTextStyle`]: an embedded-graphics text renderer over the fonts.
//! * [`picture`]: PNG, JPEG and BMP pictures scaled to the board and reduced to its LEDs
//!   (threshold or error diffusion; red, green, yellow on red-green boards), with warnings for
//!   pictures that will not look good.
//!
//! ```
//! use pinghu_fonts::{FontSet, RenderOptions, render};
//!
//! let fonts = FontSet::builtin(16).unwrap();
//! let pages = render("停水通知：请居民提前储水。", &fonts, &RenderOptions::new(112, 32)).unwrap();
//! assert_eq!(pages.pages.len(), 1);
//! // 7 characters per line; the full stop stays with the character before it.
//! assert_eq!(pages.lines[0], ["停水通知：请居", "民提前储水。"]);
//! assert!(pages.missing.is_empty());
//! ```

pub mod error;
pub mod font;
pub mod frame;
pub mod packed;
pub mod picture;
pub mod render;
pub mod style;
pub mod typeset;

pub use error::{FontError, RenderError};
pub use font::{BitmapFont, FontSet, SIZES};
pub use frame::{ColorMode, Frame, LedColor};
pub use render::{Align, Effect, Page, RenderOptions, Rendered, TextColor, Typesetter, VAlign, render};
pub use style::CjkTextStyle;
