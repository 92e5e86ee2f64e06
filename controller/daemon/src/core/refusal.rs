//! Why the playlist file was refused and what the board runs meanwhile: the status's
//! `playlist.error`, in English and in Chinese (`playlist.error_zh`), from typed values.

use std::fmt;

use jiff::Timestamp;
use pinghu_playlists::problem::Lang;
use pinghu_playlists::{Bilingual, PlaylistError};

/// The playlist file `file` was refused (`error`); `instead` runs until it is fixed.
#[derive(Debug, Clone, PartialEq)]
pub struct Refusal {
    pub error: PlaylistError,
    pub file: String,
    pub instead: Instead,
}

/// What runs while the playlist file is refused.
#[derive(Debug, Clone, PartialEq)]
pub enum Instead {
    /// The playlist that ran before the file changed.
    Previous { origin: String, items: usize },
    /// The last good copy in the data folder (at start).
    LastGood {
        path: String,
        accepted: Option<Timestamp>,
        items: usize,
    },
    /// No copy: announcements and warnings only.
    NoCopy,
    /// A copy that cannot be used either: announcements and warnings only.
    CopyUnusable { path: String, why: CopyProblem },
}

/// Why the last good copy cannot be used.
#[derive(Debug, Clone, PartialEq)]
pub enum CopyProblem {
    Unreadable { kind: std::io::ErrorKind, detail: String },
    Refused(PlaylistError),
}

impl CopyProblem {
    fn words(&self, lang: Lang) -> String {
        match self {
            Self::Unreadable { kind, detail } => lang.pick(
                || detail.clone(),
                || pinghu_protocol::words::io_error_zh(*kind).to_owned(),
            ),
            Self::Refused(e) => lang.pick(|| e.to_string(), || e.zh()),
        }
    }
}

impl Refusal {
    fn words(&self, lang: Lang) -> String {
        let error = lang.pick(|| self.error.to_string(), || self.error.zh());
        let file = &self.file;
        let instead = match &self.instead {
            Instead::Previous { origin, items } => lang.pick(
                || format!("the previous playlist ({origin}, {items} items) keeps running until {file} is fixed"),
                || format!("在 {file} 改好之前，继续播放原来的节目单（{origin}，{items} 项）"),
            ),
            Instead::LastGood { path, accepted, items } => match accepted {
                Some(t) => lang.pick(
                    || format!("the board runs the last good copy ({path}, accepted {t}, {items} items) until {file} is fixed"),
                    || format!("在 {file} 改好之前，屏幕播放上次通过检查的副本（{path}，{t} 通过，{items} 项）"),
                ),
                None => lang.pick(
                    || format!("the board runs the last good copy ({path}, {items} items) until {file} is fixed"),
                    || format!("在 {file} 改好之前，屏幕播放上次通过检查的副本（{path}，{items} 项）"),
                ),
            },
            Instead::NoCopy => lang.pick(
                || format!(
                    "there is no last good copy, so only announcements and warnings show until {file} is fixed"
                ),
                || format!("没有上次通过检查的副本：在 {file} 改好之前，屏幕只显示公告和预警"),
            ),
            Instead::CopyUnusable { path, why } => {
                let why = why.words(lang);
                lang.pick(
                    || format!(
                        "the last good copy {path} cannot be used either ({why}), so only announcements and \
                         warnings show until {file} is fixed"
                    ),
                    || format!("上次通过检查的副本 {path} 也无法使用（{why}）：在 {file} 改好之前，屏幕只显示公告和预警"),
                )
            }
        };
        format!("{error}\n{instead}")
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.words(Lang::En))
    }
}

impl Bilingual for Refusal {
    fn zh(&self) -> String {
        self.words(Lang::Zh)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_playlist_reads_in_english_and_chinese() {
        let error = pinghu_playlists::parse(
            "[[item]]\nid = \"a\"\ntext = \"x\"\ntime = \"08:00-25:00\"\n",
            "/srv/pl.toml",
        )
        .unwrap_err();
        let r = Refusal {
            error,
            file: "/srv/pl.toml".into(),
            instead: Instead::LastGood {
                path: "/var/lib/pinghu/playlist.last-good.toml".into(),
                accepted: Some("2026-12-04T10:00:00Z".parse().unwrap()),
                items: 5,
            },
        };
        assert_eq!(
            r.to_string(),
            "1 problem(s) in the playlist:\n/srv/pl.toml:4:8: \"25:00\" is not a time of day (00:00 to 23:59, or \
             24:00 as an end)\nthe board runs the last good copy (/var/lib/pinghu/playlist.last-good.toml, accepted \
             2026-12-04T10:00:00Z, 5 items) until /srv/pl.toml is fixed"
        );
        assert_eq!(
            r.zh(),
            "节目单有 1 处问题：\n/srv/pl.toml:4:8: \"25:00\" 不是一天中的时刻（00:00 到 23:59，结束时间可为 24:00）\n\
             在 /srv/pl.toml 改好之前，屏幕播放上次通过检查的副本（/var/lib/pinghu/playlist.last-good.toml，\
             2026-12-04T10:00:00Z 通过，5 项）"
        );
        let previous = Refusal {
            instead: Instead::Previous {
                origin: "pl.toml".into(),
                items: 3,
            },
            ..r
        };
        assert!(
            previous
                .zh()
                .ends_with("在 /srv/pl.toml 改好之前，继续播放原来的节目单（pl.toml，3 项）")
        );
    }
}
