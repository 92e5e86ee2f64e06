//! The pictures a playlist shows (`image = "FILE"`), kept in the playlist's folder, as the console
//! manages them: listed, uploaded (checked, written atomically, audited), previewed for this board
//! and removed when nothing shows them. An operator no longer needs a shell on the cabinet to put
//! an advertiser's picture on the board.

use std::path::PathBuf;

use jiff::Timestamp;
use serde::Serialize;
use serde_json::json;

use super::Core;
use crate::ingest::sha256_hex;

/// The largest picture file the console takes (a photograph from a phone fits; the board shows a
/// few thousand LEDs).
pub const MAX_PICTURE_BYTES: usize = 8 * 1024 * 1024;

/// One picture in the playlist's folder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PictureFile {
    pub name: String,
    pub bytes: u64,
    /// When it was last written (RFC 3339).
    pub modified: Option<String>,
    /// The ids of the running playlist's items that show it.
    pub used_by: Vec<String>,
    /// The office asked to remove it while the playlist showed it: it goes once no item does.
    pub removal_waiting: bool,
}

/// A picture that was stored.
#[derive(Debug, Clone, Serialize)]
pub struct PictureSaved {
    pub name: String,
    pub width: u32,
    pub height: u32,
    pub sha256: String,
    /// How it will look on this board (too small, too much detail …), as `pinghu playlist check`
    /// would say.
    pub warnings: Vec<String>,
    /// The same warnings in Chinese, for the console.
    pub warnings_zh: Vec<String>,
    /// It replaced a picture of the same name (the board shows the new one at once).
    pub replaced: bool,
}

/// Why a picture was not stored, shown, or removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PictureError {
    /// Not a name a picture may have (nothing changed).
    BadName {
        name: String,
    },
    /// Larger than [`MAX_PICTURE_BYTES`] (nothing changed).
    TooLarge {
        name: String,
        bytes: usize,
    },
    /// Not a PNG, JPEG or BMP that can be read, or too many pixels (nothing changed): `why`
    /// says which, in both languages.
    Unreadable {
        name: String,
        why: pinghu_fonts::picture::PictureError,
    },
    /// Its bytes are a picture of another kind than its name says (`is`: "PNG", "JPEG" or
    /// "BMP"; `rename`: the name it should have) (nothing changed).
    Misnamed {
        name: String,
        is: &'static str,
        rename: String,
    },
    NotFound {
        name: String,
    },
    /// The running playlist shows it: these items.
    InUse {
        name: String,
        items: Vec<String>,
    },
    /// The daemon runs the built-in sample playlist: there is no folder for pictures.
    NoFolder,
    /// The disk refused: the picture was not `done` (`kind` is what the system said, `detail` its
    /// words, for the logs).
    Disk {
        name: String,
        done: Done,
        kind: std::io::ErrorKind,
        detail: String,
    },
}

/// What the disk was to do with a picture.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Done {
    Stored,
    Removed,
    Listed,
}

impl PictureError {
    fn disk(name: String, done: Done, e: &std::io::Error) -> Self {
        Self::Disk {
            name,
            done,
            kind: e.kind(),
            detail: e.to_string(),
        }
    }
}

impl std::fmt::Display for PictureError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::BadName { name } => write!(
                f,
                "{name:?} is not a picture name: use up to 64 letters (Chinese too), digits, . _ - ending in .png, \
                 .jpg, .jpeg or .bmp (e.g. 春节海报.png or spring-sale.png)"
            ),
            Self::TooLarge { name, bytes } => write!(
                f,
                "{name} is {} MB: boards take pictures up to {} MB (a board shows a few thousand LEDs; scale it down \
                 first)",
                bytes / 1_000_000,
                MAX_PICTURE_BYTES / 1_000_000
            ),
            Self::Unreadable { name, why } => write!(f, "{name}: {why}"),
            Self::Misnamed { name, is, rename } => write!(
                f,
                "{name} is a {is} picture, not what its name says: name it {rename} (other tools go by the name)"
            ),
            Self::NotFound { name } => write!(f, "no picture {name}: see /api/v1/pictures"),
            Self::InUse { name, items } => write!(
                f,
                "the running playlist shows {name} (item {}): remove it from the playlist first",
                items.join(", ")
            ),
            Self::NoFolder => f.write_str(
                "the daemon runs the built-in sample playlist: set `playlist = \"FILE\"` in its configuration; \
                 pictures go beside that file",
            ),
            Self::Disk { name, done, detail, .. } => {
                let done = match done {
                    Done::Stored => "stored",
                    Done::Removed => "removed",
                    Done::Listed => "listed",
                };
                write!(f, "{name} was not {done}: {detail}")
            }
        }
    }
}

impl pinghu_playlists::Bilingual for PictureError {
    fn zh(&self) -> String {
        match self {
            Self::BadName { name } => format!(
                "{name:?} 不能用作图片名：请用最多 64 个字符的汉字、字母、数字或 . _ -，以 .png、.jpg、.jpeg 或 .bmp 结尾\
                 （例如 春节海报.png）"
            ),
            Self::TooLarge { name, bytes } => format!(
                "{name} 有 {} MB：大屏图片最大 {} MB（大屏只有几千个灯点，请先缩小图片）",
                bytes / 1_000_000,
                MAX_PICTURE_BYTES / 1_000_000
            ),
            Self::Unreadable { name, why } => format!("{name} 无法使用：{}", why.zh()),
            Self::Misnamed { name, is, rename } => {
                format!("{name} 实际是 {is} 图片，与文件名的后缀不符：请改名为 {rename}（其他软件按后缀识别图片）")
            }
            Self::NotFound { name } => format!("没有图片 {name}"),
            Self::InUse { name, items } => {
                format!(
                    "正在运行的节目单显示 {name}（节目 {}）：请先从节目单中移除",
                    items.join("、")
                )
            }
            Self::NoFolder => {
                "守护进程运行的是内置示例节目单：请在配置中设置 playlist = \"文件\"，图片放在该文件旁".into()
            }
            Self::Disk { name, done, kind, .. } => {
                let done = match done {
                    Done::Stored => "保存",
                    Done::Removed => "删除",
                    Done::Listed => "列出",
                };
                format!("{name} 未能{done}：{}", pinghu_protocol::words::io_error_zh(*kind))
            }
        }
    }
}

/// The kind of picture `bytes` are, by their first bytes, with the name endings that kind
/// takes (PNG's signature, JPEG's start-of-image marker, BMP's `BM`).
fn kind_of(bytes: &[u8]) -> Option<(&'static str, &'static [&'static str])> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(("PNG", &[".png"]))
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(("JPEG", &[".jpg", ".jpeg"]))
    } else if bytes.starts_with(b"BM") {
        Some(("BMP", &[".bmp"]))
    } else {
        None
    }
}

/// A picture whose bytes are another kind than its name's ending says.
fn misnamed(name: &str, bytes: &[u8]) -> Option<PictureError> {
    let (is, endings) = kind_of(bytes)?;
    let lower = name.to_lowercase();
    if endings.iter().any(|e| lower.ends_with(e)) {
        return None;
    }
    let stem = name.rsplit_once('.').map_or(name, |(stem, _)| stem);
    Some(PictureError::Misnamed {
        name: name.to_owned(),
        is,
        rename: format!("{stem}{}", endings[0]),
    })
}

/// A picture's file name: 1 to 64 letters (any script: 春节海报.png), digits, `.`, `_` and `-`,
/// not starting with a dot, ending in `.png`, `.jpg`, `.jpeg` or `.bmp` (any case). Nothing else
/// can be named: no folders, no spaces, no daemon files.
pub fn picture_name_problem(name: &str) -> Option<PictureError> {
    let ok_chars = name
        .chars()
        .all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-'));
    let lower = name.to_lowercase();
    let ok_ext = [".png", ".jpg", ".jpeg", ".bmp"].iter().any(|e| lower.ends_with(e));
    let chars = name.chars().count();
    if (5..=64).contains(&chars) && ok_chars && !name.starts_with('.') && ok_ext {
        None
    } else {
        Some(PictureError::BadName { name: name.to_owned() })
    }
}

impl Core {
    /// Where the playlist's pictures are (its folder), or why there is none.
    fn pictures_dir(&self) -> Result<PathBuf, PictureError> {
        match (&self.cfg.playlist, &self.planner.renderer.image_dir) {
            (Some(_), Some(dir)) => Ok(dir.clone()),
            _ => Err(PictureError::NoFolder),
        }
    }

    pub(super) fn used_by(&self, name: &str) -> Vec<String> {
        self.playlist
            .current
            .all_items()
            .filter(|i| i.image.as_deref() == Some(name))
            .map(|i| i.id.clone())
            .collect()
    }

    /// The pictures in the playlist's folder, by name.
    pub fn pictures(&self) -> Result<Vec<PictureFile>, PictureError> {
        let dir = self.pictures_dir()?;
        let entries =
            std::fs::read_dir(&dir).map_err(|e| PictureError::disk(dir.display().to_string(), Done::Listed, &e))?;
        let mut v: Vec<PictureFile> = entries
            .filter_map(Result::ok)
            .filter_map(|e| {
                let name = e.file_name().into_string().ok()?;
                let meta = e.metadata().ok().filter(std::fs::Metadata::is_file)?;
                picture_name_problem(&name).is_none().then(|| PictureFile {
                    used_by: self.used_by(&name),
                    removal_waiting: self.inbox.office.refused_removals.contains_key(&name),
                    bytes: meta.len(),
                    modified: meta
                        .modified()
                        .ok()
                        .and_then(|t| Timestamp::try_from(t).ok())
                        .map(|t| t.to_string()),
                    name,
                })
            })
            .collect();
        v.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(v)
    }

    /// Store a picture under `name` in the playlist's folder: checked (a name, a PNG, JPEG or BMP
    /// that decodes, at most [`MAX_PICTURE_BYTES`]), written atomically, in the audit log. An
    /// item that shows a picture of that name shows the new one at once.
    pub fn save_picture(
        &mut self,
        name: &str,
        bytes: &[u8],
        who: &str,
        now: Timestamp,
    ) -> Result<PictureSaved, PictureError> {
        if let Some(p) = picture_name_problem(name) {
            return Err(p);
        }
        if bytes.len() > MAX_PICTURE_BYTES {
            return Err(PictureError::TooLarge {
                name: name.to_owned(),
                bytes: bytes.len(),
            });
        }
        let img = pinghu_fonts::picture::decode(bytes).map_err(|why| PictureError::Unreadable {
            name: name.to_owned(),
            why,
        })?;
        if let Some(e) = misnamed(name, bytes) {
            return Err(e);
        }
        let dir = self.pictures_dir()?;
        let path = dir.join(name);
        let replaced = path.exists();
        let sha256 = sha256_hex(bytes);
        // As a playlist save: the audit log first (no change it does not hold), then the file.
        let disk = self.storage.disk.for_purpose(crate::disk::Purpose::Other);
        self.audit
            .append(
                now,
                who,
                "picture.upload",
                json!({"name": name, "sha256": sha256, "bytes": bytes.len(), "replaced": replaced}),
            )
            .and_then(|_| disk.write_atomic(&path, bytes))
            .map_err(|e| PictureError::disk(name.to_owned(), Done::Stored, &e))?;
        // Items showing this picture are drawn again.
        self.planner.renderer.clear_cache();
        let fitted = pinghu_fonts::picture::to_frame(
            &img,
            self.cfg.width,
            self.cfg.height,
            self.cfg.colors,
            pinghu_fonts::picture::Reduce::Dither,
        );
        tracing::info!("picture {name} ({} bytes) stored by {who}", bytes.len());
        Ok(PictureSaved {
            name: name.to_owned(),
            width: img.width(),
            height: img.height(),
            sha256,
            warnings: fitted.warnings.iter().map(ToString::to_string).collect(),
            warnings_zh: fitted
                .warnings
                .iter()
                .map(pinghu_fonts::picture::PictureWarning::zh)
                .collect(),
            replaced,
        })
    }

    /// The file of the picture `name`, which must be there.
    fn existing_picture(&self, name: &str) -> Result<PathBuf, PictureError> {
        if let Some(p) = picture_name_problem(name) {
            return Err(p);
        }
        let path = self.pictures_dir()?.join(name);
        if path.is_file() {
            Ok(path)
        } else {
            Err(PictureError::NotFound { name: name.to_owned() })
        }
    }

    /// A picture as this board would show it (fitted, reduced to its LEDs): the frame.
    pub fn picture_frame(&mut self, name: &str) -> Result<pinghu_fonts::Frame, PictureError> {
        let path = self.existing_picture(name)?;
        // As the items that show it reduce it (threshold when one of them says so).
        let threshold = self
            .playlist
            .current
            .all_items()
            .any(|i| i.image.as_deref() == Some(name) && i.threshold);
        // Drawn once per version of the file: decoding a large picture takes the core's thread
        // for a while, and viewers ask for it with every page.
        let stamp = std::fs::metadata(&path)
            .map(|m| (m.len(), m.modified().ok()))
            .unwrap_or_default();
        let key = (name.to_owned(), threshold);
        if let Some((s, frame)) = self.planner.picture_frames.get(&key)
            && *s == stamp
        {
            return Ok(frame.clone());
        }
        let img = pinghu_fonts::picture::load(&path).map_err(|why| PictureError::Unreadable {
            name: name.to_owned(),
            why,
        })?;
        let reduce = pinghu_fonts::picture::Reduce::threshold_if(threshold);
        let frame =
            pinghu_fonts::picture::to_frame(&img, self.cfg.width, self.cfg.height, self.cfg.colors, reduce).frame;
        if self.planner.picture_frames.len() >= super::parts::PICTURE_FRAMES_KEPT {
            self.planner.picture_frames.clear();
        }
        self.planner.picture_frames.insert(key, (stamp, frame.clone()));
        Ok(frame)
    }

    /// Remove a picture nothing in the running playlist shows (in the audit log).
    pub fn delete_picture(&mut self, name: &str, who: &str, now: Timestamp) -> Result<(), PictureError> {
        let path = self.existing_picture(name)?;
        let users = self.used_by(name);
        if !users.is_empty() {
            return Err(PictureError::InUse {
                name: name.to_owned(),
                items: users,
            });
        }
        self.audit
            .append(now, who, "picture.delete", json!({"name": name}))
            .and_then(|_| std::fs::remove_file(&path))
            .map_err(|e| PictureError::disk(name.to_owned(), Done::Removed, &e))?;
        tracing::info!("picture {name} removed by {who}");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pinghu_playlists::Bilingual as _;

    #[test]
    fn picture_names_are_plain_file_names_of_pictures() {
        for ok in [
            "a.png",
            "spring-sale_2027.JPG",
            "x.jpeg",
            "logo.bmp",
            "春节海报.png",
            "图.png",
        ] {
            assert_eq!(picture_name_problem(ok), None, "{ok}");
        }
        for bad in [
            "",
            ".png",
            "../state.json",
            "a/b.png",
            "state.json",
            "playlist.toml",
            "a b.png",
            "春节 海报.png",
            "图／片.png",
            &format!("{}.png", "a".repeat(61)),
            &format!("{}.png", "图".repeat(61)),
        ] {
            assert!(picture_name_problem(bad).is_some(), "{bad}");
        }
    }

    /// A picture that does not decode is named in Chinese by what went wrong, never with the
    /// decoder's English inside the sentence (which the English, for the logs, keeps).
    #[test]
    fn an_unreadable_picture_and_a_refusing_disk_are_said_in_chinese_by_their_kind() {
        use pinghu_playlists::Bilingual as _;
        let why = pinghu_fonts::picture::decode(b"GIF89a not really").unwrap_err();
        let e = PictureError::Unreadable {
            name: "海报.gif.png".into(),
            why: why.clone(),
        };
        assert_eq!(e.to_string(), format!("海报.gif.png: {why}"));
        assert_eq!(
            e.zh(),
            "海报.gif.png 无法使用：这是 GIF 图片，大屏只接受 PNG、JPEG 或 BMP：请另存为其中一种格式后再上传"
        );
        let full = std::io::Error::from(std::io::ErrorKind::StorageFull);
        let e = PictureError::disk("a.png".into(), Done::Stored, &full);
        assert!(e.to_string().starts_with("a.png was not stored: "), "{e}");
        assert_eq!(e.zh(), "a.png 未能保存：磁盘已满");
    }

    /// A picture whose bytes are another kind than its name says is refused with the name it
    /// should have; one whose name agrees, or whose kind is not known by its first bytes, is not.
    #[test]
    fn a_png_named_jpg_is_refused_with_the_name_it_should_have() {
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
        let jpeg = [0xFF, 0xD8, 0xFF, 0xE0, 0, 16];
        let e = misnamed("春节海报.jpg", png).expect("a PNG named .jpg");
        assert_eq!(
            e,
            PictureError::Misnamed {
                name: "春节海报.jpg".into(),
                is: "PNG",
                rename: "春节海报.png".into()
            }
        );
        assert!(e.zh().contains("请改名为 春节海报.png"), "{}", e.zh());
        assert!(e.to_string().contains("name it 春节海报.png"), "{e}");
        let e = misnamed("sale.PNG", &jpeg).expect("a JPEG named .PNG");
        assert!(e.to_string().contains("name it sale.jpg"), "{e}");
        assert_eq!(misnamed("sale.BMP", b"BM\0\0"), None);
        assert_eq!(misnamed("sale.jpeg", &jpeg), None);
        assert_eq!(misnamed("a.png", png), None);
        assert_eq!(
            misnamed("a.png", b"GIF89a"),
            None,
            "not a kind it knows: the decoder says what it is"
        );
    }
}
