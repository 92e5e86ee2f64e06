//! What the controller's own check of a playlist finds beyond the checker's [`Problem`]s: pictures
//! that cannot be read or will not look good on this board, characters no font has. Each writes
//! itself in English (`Display`, for `pinghu playlist check` and the log) and in Chinese
//! ([`Bilingual::zh`], for the console), side by side.

use std::fmt;

use pinghu_fonts::picture::{PictureError, PictureWarning};
use pinghu_playlists::problem::Lang;
use pinghu_playlists::{Bilingual, Diagnostic, Problem};

/// One finding of the console's check (`daemon::core::examine`) at a line of the playlist.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Finding {
    /// The playlist checker's problem.
    Playlist(Problem),
    /// An item's picture cannot be read; pictures go beside `beside` (the playlist's file).
    PictureUnreadable {
        image: String,
        error: PictureError,
        beside: String,
    },
    /// An item's picture will not look good on this board.
    Picture {
        item: String,
        image: String,
        warning: PictureWarning,
    },
    /// Characters of an item's text that no font has: each shows as a box.
    MissingGlyphs { item: String, chars: String },
}

impl Finding {
    /// The finding in `lang`.
    pub fn words(&self, lang: Lang) -> String {
        match self {
            Self::Playlist(p) => p.words(lang),
            Self::PictureUnreadable { image, error, beside } => lang.pick(
                || format!("image {image:?}: {error} (pictures go beside {beside})"),
                || format!("图片 {image:?}：{}（图片应放在 {beside} 所在的文件夹）", error.zh()),
            ),
            Self::Picture { item, image, warning } => lang.pick(
                || format!("item {item}: image {image:?}: {warning}"),
                || format!("节目项 {item}：图片 {image:?}：{}", warning.zh()),
            ),
            Self::MissingGlyphs { item, chars } => lang.pick(
                || format!("item {item}: no font has {chars}: the board shows a box for each"),
                || format!("节目项 {item}：字库中没有「{chars}」，屏上每个这样的字都显示为方框"),
            ),
        }
    }
}

impl Finding {
    /// The checker's diagnostic as a finding of the console's check, at the same place.
    pub fn at_place_of(d: Diagnostic) -> Diagnostic<Self> {
        Diagnostic {
            file: d.file,
            line: d.line,
            col: d.col,
            problem: Self::Playlist(d.problem),
        }
    }
}

impl From<Problem> for Finding {
    fn from(p: Problem) -> Self {
        Self::Playlist(p)
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.words(Lang::En))
    }
}

impl Bilingual for Finding {
    fn zh(&self) -> String {
        self.words(Lang::Zh)
    }

    fn field(&self) -> Option<&'static str> {
        match self {
            Self::Playlist(p) => p.field(),
            _ => None,
        }
    }

    /// The checker's problem in the form's words; the others name no key of the playlist and
    /// read the same in both views.
    fn form_zh(&self) -> String {
        match self {
            Self::Playlist(p) => p.form_zh(),
            _ => self.zh(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn findings_read_in_english_and_chinese() {
        let f = Finding::MissingGlyphs {
            item: "a".into(),
            chars: "𠀋".into(),
        };
        assert_eq!(f.to_string(), "item a: no font has 𠀋: the board shows a box for each");
        assert_eq!(f.zh(), "节目项 a：字库中没有「𠀋」，屏上每个这样的字都显示为方框");
        let p = Finding::Picture {
            item: "logo".into(),
            image: "logo.png".into(),
            warning: PictureWarning::NearlyDark,
        };
        assert!(
            p.to_string().starts_with("item logo: image \"logo.png\": nearly dark"),
            "{p}"
        );
        assert!(
            p.zh().starts_with("节目项 logo：图片 \"logo.png\"：几乎全黑"),
            "{}",
            p.zh()
        );
        let e = Finding::PictureUnreadable {
            image: "a.png".into(),
            error: pinghu_fonts::picture::load(std::path::Path::new("/nonexistent/a.png")).unwrap_err(),
            beside: "/srv/pl.toml".into(),
        };
        assert_eq!(
            e.zh(),
            "图片 \"a.png\"：无法读取：文件或文件夹不存在（图片应放在 /srv/pl.toml 所在的文件夹）"
        );
    }
}
