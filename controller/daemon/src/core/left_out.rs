//! Configured files the daemon left out, why, and what applies instead: the status's
//! `config_problems`, in English and in Chinese (`config_problems_zh`), from typed values.

use std::fmt;

use pinghu_fonts::FontError;
use pinghu_playlists::problem::Lang;
use pinghu_playlists::{Bilingual, CalendarError};

/// Why the configured holiday file cannot be used.
#[derive(Debug, Clone, PartialEq)]
pub enum CalendarFileProblem {
    Unreadable {
        path: String,
        kind: std::io::ErrorKind,
        detail: String,
    },
    Invalid(CalendarError),
}

impl CalendarFileProblem {
    fn words(&self, lang: Lang) -> String {
        match self {
            Self::Unreadable { path, kind, detail } => lang.pick(
                || format!("holiday calendar {path}: {detail}"),
                || format!("节假日表 {path}：{}", pinghu_protocol::words::io_error_zh(*kind)),
            ),
            Self::Invalid(e) => lang.pick(
                || format!("holiday calendar: {e}"),
                || format!("节假日表有误：{}", e.zh()),
            ),
        }
    }
}

impl fmt::Display for CalendarFileProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.words(Lang::En))
    }
}

/// A configured file left out.
#[derive(Debug, Clone, PartialEq)]
pub enum ConfigProblem {
    /// The holiday file: the built-in calendar applies.
    Calendar(CalendarFileProblem),
    /// The fallback font: characters the built-in fonts lack show as boxes.
    FallbackFont { path: String, error: FontError },
    /// `fonts.SIZE` names a font of another size: the built-in one is used.
    FontSize { size: u32, path: String, actual: u32 },
    /// `fonts.SIZE` cannot be used: the built-in one is used.
    Font { size: u32, error: FontError },
}

impl ConfigProblem {
    fn words(&self, lang: Lang) -> String {
        match self {
            Self::Calendar(p) => {
                let p = p.words(lang);
                lang.pick(
                    || format!("{p}; the built-in calendar applies"),
                    || format!("{p}；使用内置的节假日表"),
                )
            }
            Self::FallbackFont { path, error } => lang.pick(
                || format!("fallback_font {path}: {error}; characters the built-in fonts lack show as boxes"),
                || {
                    format!(
                        "备用字体 fallback_font {path} 无法使用：{}；内置字体缺少的字显示为方框",
                        error.zh()
                    )
                },
            ),
            Self::FontSize { size, path, actual } => lang.pick(
                || format!("fonts.{size}: {path} is a {actual} px font; the built-in {size} px font is used"),
                || format!("fonts.{size}：{path} 是 {actual} 像素的字体；使用内置的 {size} 像素字体"),
            ),
            Self::Font { size, error } => lang.pick(
                || format!("fonts.{size}: {error}; the built-in {size} px font is used"),
                || format!("fonts.{size}：{}；使用内置的 {size} 像素字体", error.zh()),
            ),
        }
    }
}

impl fmt::Display for ConfigProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.words(Lang::En))
    }
}

impl Bilingual for ConfigProblem {
    fn zh(&self) -> String {
        self.words(Lang::Zh)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configured_files_left_out_read_in_english_and_chinese() {
        let e = std::fs::read("/nonexistent/holidays.toml").unwrap_err();
        let c = ConfigProblem::Calendar(CalendarFileProblem::Unreadable {
            path: "/etc/pinghu/holidays.toml".into(),
            kind: e.kind(),
            detail: e.to_string(),
        });
        assert_eq!(
            c.to_string(),
            "holiday calendar /etc/pinghu/holidays.toml: No such file or directory (os error 2); the built-in calendar applies"
        );
        assert_eq!(
            c.zh(),
            "节假日表 /etc/pinghu/holidays.toml：文件或文件夹不存在；使用内置的节假日表"
        );
        let f = ConfigProblem::FallbackFont {
            path: "/srv/unifont.hex".into(),
            error: pinghu_fonts::BitmapFont::load(std::path::Path::new("/srv/unifont.hex")).unwrap_err(),
        };
        assert_eq!(
            f.zh(),
            "备用字体 fallback_font /srv/unifont.hex 无法使用：无法读取字体 /srv/unifont.hex：文件或文件夹不存在；内置字体缺少的字显示为方框"
        );
        let s = ConfigProblem::FontSize {
            size: 12,
            path: "/srv/wqy.bdf".into(),
            actual: 13,
        };
        assert_eq!(
            s.to_string(),
            "fonts.12: /srv/wqy.bdf is a 13 px font; the built-in 12 px font is used"
        );
        assert_eq!(
            s.zh(),
            "fonts.12：/srv/wqy.bdf 是 13 像素的字体；使用内置的 12 像素字体"
        );
    }
}
