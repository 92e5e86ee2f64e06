//! Pictures on the board: a PNG, JPEG or BMP scaled to fit the board (aspect kept, centred) and
//! reduced to what its LEDs can show — lit or dark on mono boards (a threshold, or error
//! diffusion for photographs), red, green, yellow or dark on red-green boards (each of the red and
//! green channels diffused on its own: those four colours are every pair of them). Pictures that
//! cannot be shown well are named with a reason, for `pinghu playlist check` and `pinghu render`.

use image::imageops::FilterType;
use image::{DynamicImage, RgbImage};

use crate::frame::{ColorMode, Frame, LedColor};

/// How a picture is reduced to the board's colours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Reduce {
    /// Floyd–Steinberg error diffusion: tones become patterns (photographs).
    #[default]
    Dither,
    /// Each channel lit at half brightness or more (logos, text, line art).
    Threshold,
}

impl Reduce {
    /// `Threshold` when `yes`, else `Dither` (a playlist item's `reduce = "threshold"`).
    pub fn threshold_if(yes: bool) -> Self {
        if yes { Self::Threshold } else { Self::Dither }
    }

    /// `dither` or `threshold`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "dither" => Some(Self::Dither),
            "threshold" => Some(Self::Threshold),
            _ => None,
        }
    }
}

/// A picture made into a board page, with what may be wrong with it.
#[derive(Debug, Clone, PartialEq)]
pub struct Picture {
    pub frame: Frame,
    /// Reasons it will not look good (too small, too busy, nearly dark).
    pub warnings: Vec<PictureWarning>,
}

/// Why a picture will not look good on the board; in English (`Display`) and Chinese
/// ([`PictureWarning::zh`]).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum PictureWarning {
    /// Enlarged `scale` times from `w`×`h` for the `board_w`×`board_h` board.
    TooSmall {
        w: u32,
        h: u32,
        scale: f64,
        board_w: u32,
        board_h: u32,
    },
    /// Under 1 % of the LEDs light up.
    NearlyDark,
    /// `percent` of neighbouring LEDs differ.
    TooBusy { percent: f64 },
}

impl PictureWarning {
    fn at_least(&self) -> (f64, f64) {
        match self {
            Self::TooSmall { board_w, board_h, .. } => {
                ((f64::from(*board_w) / 2.0).ceil(), (f64::from(*board_h) / 2.0).ceil())
            }
            _ => (0.0, 0.0),
        }
    }

    /// The warning in Chinese.
    pub fn zh(&self) -> String {
        match self {
            Self::TooSmall {
                w,
                h,
                scale,
                board_w,
                board_h,
            } => {
                let (aw, ah) = self.at_least();
                format!(
                    "太小：{w}x{h} 像素要放大 {scale:.1} 倍才能铺满 {board_w}x{board_h} 的屏，会显得粗糙；请提供至少 {aw}x{ah} 像素的图片"
                )
            }
            Self::NearlyDark => "几乎全黑：亮起的 LED 不到 1%（图片太暗或对比度不够）".to_owned(),
            Self::TooBusy { percent } => format!(
                "细节太多，超出屏的点距：{percent:.0}% 的相邻 LED 明暗不同，远看像噪点；请简化图片，或改用 threshold"
            ),
        }
    }
}

impl std::fmt::Display for PictureWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::TooSmall {
                w,
                h,
                scale,
                board_w,
                board_h,
            } => {
                let (aw, ah) = self.at_least();
                write!(
                    f,
                    "too small: {w}x{h} px is enlarged {scale:.1} times for the {board_w}x{board_h} board and will look \
                     blocky; give at least {aw}x{ah} px"
                )
            }
            Self::NearlyDark => {
                f.write_str("nearly dark: under 1 % of the LEDs light up (a dark picture, or one without contrast)")
            }
            Self::TooBusy { percent } => write!(
                f,
                "too much detail for the board's pitch: {percent:.0} % of neighbouring LEDs differ, which reads as noise \
                 at a distance; simplify the picture or use threshold"
            ),
        }
    }
}

/// Why a picture file cannot be used; in English (`Display`) and Chinese ([`PictureError::zh`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PictureError {
    /// The file cannot be read (`detail`: the system's words, `kind` their meaning).
    #[error("cannot read it: {detail}")]
    Unreadable { kind: std::io::ErrorKind, detail: String },
    /// The bytes are no picture the board takes: `failure` is what went wrong, said in both
    /// languages; `detail` the decoder's own words, for the logs only.
    #[error("{failure}: {detail}")]
    NotAPicture { failure: DecodeFailure, detail: String },
    #[error(
        "the picture is {w}x{h} pixels, more than {MAX_PICTURE_SIDE} a side: scale it down to a few times the \
         board's size first"
    )]
    TooLarge { w: u32, h: u32 },
}

/// What kind of failure the decoder met, from the `image` crate's error type (never its text).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecodeFailure {
    /// Another format than PNG, JPEG or BMP: `format` names it when the decoder knew it (`GIF`).
    Format { format: Option<String> },
    /// A PNG, JPEG or BMP in a colour layout the decoder does not take (16-bit CMYK, say).
    Layout,
    /// The file breaks off before its end (cut short in a download or a copy).
    Truncated,
    /// The file's data is damaged, or not what its format says.
    Corrupt,
    /// Decoding it would take more memory than a picture may (too many pixels).
    TooManyPixels,
}

impl DecodeFailure {
    /// The kind of `e`, by its type.
    fn of(e: &image::ImageError) -> Self {
        use image::ImageError as E;
        use image::error::{ImageFormatHint, LimitErrorKind, UnsupportedErrorKind};
        match e {
            E::Unsupported(u) => match u.kind() {
                UnsupportedErrorKind::Format(ImageFormatHint::Exact(f)) => Self::Format {
                    format: f.extensions_str().first().map(|x| x.to_ascii_uppercase()),
                },
                UnsupportedErrorKind::Format(_) => Self::Format { format: None },
                _ => Self::Layout,
            },
            E::Limits(l) => match l.kind() {
                LimitErrorKind::DimensionError | LimitErrorKind::InsufficientMemory => Self::TooManyPixels,
                _ => Self::Corrupt,
            },
            E::IoError(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => Self::Truncated,
            _ => Self::Corrupt,
        }
    }

    /// In Chinese, with what to do.
    pub fn zh(&self) -> String {
        match self {
            Self::Format { format: Some(f) } => {
                format!("这是 {f} 图片，大屏只接受 PNG、JPEG 或 BMP：请另存为其中一种格式后再上传")
            }
            Self::Format { format: None } => "不是 PNG、JPEG 或 BMP 图片：请上传这三种格式之一".to_owned(),
            Self::Layout => "图片的颜色格式不受支持（例如 16 位或 CMYK）：请另存为普通的 PNG 或 JPEG".to_owned(),
            Self::Truncated => "图片文件不完整（下载或复制时被截断）：请重新导出或重新上传".to_owned(),
            Self::Corrupt => "图片文件已损坏，无法解码：请重新导出后上传".to_owned(),
            Self::TooManyPixels => "图片像素太多，解码所需内存超出上限：请先缩小图片".to_owned(),
        }
    }
}

impl std::fmt::Display for DecodeFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Format { format: Some(x) } => write!(f, "not a PNG, JPEG or BMP picture but {x}"),
            Self::Format { format: None } => f.write_str("not a PNG, JPEG or BMP picture"),
            Self::Layout => f.write_str("a colour layout the decoder does not take"),
            Self::Truncated => f.write_str("the picture file is cut short"),
            Self::Corrupt => f.write_str("the picture file is damaged"),
            Self::TooManyPixels => f.write_str("too many pixels to decode"),
        }
    }
}

impl PictureError {
    fn unreadable(e: &std::io::Error) -> Self {
        Self::Unreadable {
            kind: e.kind(),
            detail: e.to_string(),
        }
    }

    fn undecodable(e: &image::ImageError) -> Self {
        Self::NotAPicture {
            failure: DecodeFailure::of(e),
            detail: e.to_string(),
        }
    }

    /// The error in Chinese (the system's and the decoder's English left out: what they mean
    /// is said instead).
    pub fn zh(&self) -> String {
        match self {
            Self::Unreadable { kind, .. } => format!("无法读取：{}", pinghu_protocol::words::io_error_zh(*kind)),
            Self::NotAPicture { failure, .. } => failure.zh(),
            Self::TooLarge { w, h } => {
                format!("图片为 {w}x{h} 像素，边长超过 {MAX_PICTURE_SIDE}：请先缩小到屏幕尺寸的几倍以内")
            }
        }
    }
}

/// The largest picture decoded, a side in pixels: far beyond any board (pictures are scaled down
/// to one), and small enough that a hostile file cannot make the daemon allocate gigabytes.
pub const MAX_PICTURE_SIDE: u32 = 4096;

/// Decode a picture file's bytes (PNG, JPEG or BMP), at most [`MAX_PICTURE_SIDE`] a side.
pub fn decode(bytes: &[u8]) -> Result<DynamicImage, PictureError> {
    let bad = |e: image::ImageError| PictureError::undecodable(&e);
    let reader = image::ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| PictureError::unreadable(&e))?;
    let (w, h) = reader.into_dimensions().map_err(bad)?;
    if w > MAX_PICTURE_SIDE || h > MAX_PICTURE_SIDE {
        return Err(PictureError::TooLarge { w, h });
    }
    let mut reader = image::ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| PictureError::unreadable(&e))?;
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_PICTURE_SIDE);
    limits.max_image_height = Some(MAX_PICTURE_SIDE);
    limits.max_alloc = Some(512 * 1024 * 1024);
    reader.limits(limits);
    reader.decode().map_err(bad)
}

/// Read and decode a picture file.
pub fn load(path: &std::path::Path) -> Result<DynamicImage, PictureError> {
    decode(&std::fs::read(path).map_err(|e| PictureError::unreadable(&e))?)
}

/// Scale `img` to fit `width` × `height` (aspect kept, centred on dark) and reduce it.
pub fn to_frame(img: &DynamicImage, width: u32, height: u32, mode: ColorMode, reduce: Reduce) -> Picture {
    let (sw, sh) = (img.width().max(1), img.height().max(1));
    let scale = f64::min(f64::from(width) / f64::from(sw), f64::from(height) / f64::from(sh));
    let (w, h) = (
        ((f64::from(sw) * scale).round() as u32).clamp(1, width),
        ((f64::from(sh) * scale).round() as u32).clamp(1, height),
    );
    let scaled: RgbImage = img.resize_exact(w, h, FilterType::Triangle).to_rgb8();
    let (ox, oy) = ((width - w) / 2, (height - h) / 2);
    let mut frame = Frame::new(width, height, mode);
    // Error diffusion per channel: red and green (mono: the luminance in the red channel).
    let channels = if mode == ColorMode::RedGreen { 2 } else { 1 };
    let mut err = vec![vec![0f32; (w * h) as usize]; channels];
    for y in 0..h {
        for x in 0..w {
            let i = (y * w + x) as usize;
            let p = scaled.get_pixel(x, y).0;
            let values = if mode == ColorMode::RedGreen {
                [f32::from(p[0]), f32::from(p[1])]
            } else {
                let l = 0.299 * f32::from(p[0]) + 0.587 * f32::from(p[1]) + 0.114 * f32::from(p[2]);
                [l, 0.0]
            };
            let mut on = [false; 2];
            for c in 0..channels {
                let v = values[c] + err[c][i];
                on[c] = v >= 128.0;
                if reduce == Reduce::Dither {
                    let e = v - if on[c] { 255.0 } else { 0.0 };
                    let mut spread = |dx: i64, dy: i64, k: f32| {
                        let (nx, ny) = (i64::from(x) + dx, i64::from(y) + dy);
                        if nx >= 0 && ny >= 0 && nx < i64::from(w) && ny < i64::from(h) {
                            err[c][(ny * i64::from(w) + nx) as usize] += e * k;
                        }
                    };
                    spread(1, 0, 7.0 / 16.0);
                    spread(-1, 1, 3.0 / 16.0);
                    spread(0, 1, 5.0 / 16.0);
                    spread(1, 1, 1.0 / 16.0);
                }
            }
            let colour = match (on[0], on[1] && channels == 2) {
                (true, true) => LedColor::Yellow,
                (true, false) => LedColor::Red,
                (false, true) => LedColor::Green,
                (false, false) => LedColor::Off,
            };
            if colour != LedColor::Off {
                frame.set(ox + x, oy + y, colour);
            }
        }
    }
    let mut warnings = Vec::new();
    if scale > 2.0 {
        warnings.push(PictureWarning::TooSmall {
            w: sw,
            h: sh,
            scale,
            board_w: width,
            board_h: height,
        });
    }
    let lit = frame.lit();
    let area = (width * height) as usize;
    if lit * 100 < area {
        warnings.push(PictureWarning::NearlyDark);
    }
    // Busy: neighbours that differ, left-right and up-down, over the picture's own area.
    let mut changes = 0usize;
    for y in oy..oy + h {
        for x in ox..ox + w {
            let c = frame.get(x, y);
            if x + 1 < ox + w && frame.get(x + 1, y) != c {
                changes += 1;
            }
            if y + 1 < oy + h && frame.get(x, y + 1) != c {
                changes += 1;
            }
        }
    }
    let busy = changes as f64 / (2.0 * f64::from(w) * f64::from(h)).max(1.0);
    if busy > 0.45 {
        warnings.push(PictureWarning::TooBusy { percent: busy * 100.0 });
    }
    Picture { frame, warnings }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn solid(w: u32, h: u32, rgb: [u8; 3]) -> DynamicImage {
        DynamicImage::ImageRgb8(RgbImage::from_pixel(w, h, image::Rgb(rgb)))
    }

    #[test]
    fn red_green_boards_get_their_four_colours() {
        for (rgb, want) in [
            ([255, 0, 0], LedColor::Red),
            ([0, 255, 0], LedColor::Green),
            ([255, 220, 0], LedColor::Yellow),
            ([0, 0, 40], LedColor::Off),
        ] {
            let p = to_frame(&solid(64, 32, rgb), 64, 32, ColorMode::RedGreen, Reduce::Threshold);
            assert_eq!(p.frame.get(10, 10), want, "{rgb:?}");
        }
    }

    #[test]
    fn a_grey_dithers_to_about_its_share_of_lit_leds_and_a_threshold_does_not() {
        let grey = solid(128, 32, [64, 64, 64]);
        let d = to_frame(&grey, 128, 32, ColorMode::Mono, Reduce::Dither);
        let share = d.frame.lit() as f64 / (128.0 * 32.0);
        assert!((share - 0.25).abs() < 0.03, "{share}");
        assert!(
            d.warnings.iter().any(|w| w.to_string().starts_with("too much detail")),
            "{:?}",
            d.warnings
        );
        let t = to_frame(&grey, 128, 32, ColorMode::Mono, Reduce::Threshold);
        assert_eq!(t.frame.lit(), 0);
        assert!(t.warnings.iter().any(|w| w.to_string().starts_with("nearly dark")));
    }

    #[test]
    fn aspect_is_kept_and_small_pictures_are_named() {
        // A square picture on a 128x32 board: 32x32, centred.
        let p = to_frame(
            &solid(8, 8, [255, 255, 255]),
            128,
            32,
            ColorMode::Mono,
            Reduce::Threshold,
        );
        assert_eq!(p.frame.lit(), 32 * 32);
        assert_eq!(p.frame.get(48, 0), LedColor::Red);
        assert_eq!(p.frame.get(47, 0), LedColor::Off);
        assert!(
            p.warnings[0]
                .to_string()
                .starts_with("too small: 8x8 px is enlarged 4.0"),
            "{:?}",
            p.warnings
        );
        let big = to_frame(
            &solid(256, 64, [255, 255, 255]),
            128,
            32,
            ColorMode::Mono,
            Reduce::Threshold,
        );
        assert!(big.warnings.is_empty(), "{:?}", big.warnings);
    }

    #[test]
    fn warnings_read_in_english_and_chinese() {
        let w = PictureWarning::TooSmall {
            w: 8,
            h: 8,
            scale: 4.0,
            board_w: 64,
            board_h: 32,
        };
        assert_eq!(
            w.to_string(),
            "too small: 8x8 px is enlarged 4.0 times for the 64x32 board and will look blocky; give at least 32x16 px"
        );
        assert_eq!(
            w.zh(),
            "太小：8x8 像素要放大 4.0 倍才能铺满 64x32 的屏，会显得粗糙；请提供至少 32x16 像素的图片"
        );
        assert!(PictureWarning::NearlyDark.zh().starts_with("几乎全黑"));
        assert!(
            PictureWarning::TooBusy { percent: 51.0 }
                .zh()
                .starts_with("细节太多，超出屏的点距：51%")
        );
    }

    #[test]
    fn junk_is_refused_with_a_reason() {
        let junk = decode(b"GIF89a not really").unwrap_err();
        assert!(junk.to_string().starts_with("not a PNG, JPEG or BMP picture"), "{junk}");
        assert_eq!(
            junk.zh(),
            "这是 GIF 图片，大屏只接受 PNG、JPEG 或 BMP：请另存为其中一种格式后再上传"
        );
        let none = decode(b"just some text").unwrap_err();
        assert_eq!(none.zh(), "不是 PNG、JPEG 或 BMP 图片：请上传这三种格式之一");
        let missing = load(std::path::Path::new("/nonexistent/logo.png")).unwrap_err();
        assert!(missing.to_string().starts_with("cannot read it: "), "{missing}");
        assert_eq!(missing.zh(), "无法读取：文件或文件夹不存在");
        // A picture larger than any board needs is refused from its header, before decoding.
        let mut png = Vec::new();
        solid(MAX_PICTURE_SIDE + 1, 1, [9, 9, 9])
            .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
            .unwrap();
        let e = decode(&png).unwrap_err().to_string();
        assert!(e.contains("4097x1 pixels") && e.contains("scale it down"), "{e}");
        assert!(
            decode(&png)
                .unwrap_err()
                .zh()
                .starts_with("图片为 4097x1 像素，边长超过 4096")
        );
        let mut ok = Vec::new();
        solid(640, 10, [9, 9, 9])
            .write_to(&mut std::io::Cursor::new(&mut ok), image::ImageFormat::Png)
            .unwrap();
        assert_eq!(decode(&ok).unwrap().width(), 640);
    }

    /// A PNG cut short and one with damaged data: each has its kind in Chinese, and the Chinese
    /// keeps none of the decoder's English (which stays in `detail` for the logs).
    #[test]
    fn a_picture_that_does_not_decode_says_why_in_chinese_by_its_kind() {
        let mut png = Vec::new();
        solid(300, 200, [200, 10, 90])
            .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
            .unwrap();
        let cut = decode(&png[..png.len() / 2]).unwrap_err();
        let PictureError::NotAPicture { failure, detail } = &cut else {
            panic!("{cut:?}")
        };
        assert_eq!(*failure, DecodeFailure::Truncated, "{detail}");
        assert!(!detail.is_empty());
        assert_eq!(cut.zh(), "图片文件不完整（下载或复制时被截断）：请重新导出或重新上传");
        // The image data scrambled behind an intact header and chunk lengths.
        let mut damaged = png.clone();
        let data = png.windows(4).position(|w| w == b"IDAT").unwrap() + 4;
        for b in &mut damaged[data..data + 40] {
            *b ^= 0x5a;
        }
        let e = decode(&damaged).unwrap_err();
        assert!(
            matches!(
                &e,
                PictureError::NotAPicture {
                    failure: DecodeFailure::Corrupt,
                    ..
                }
            ),
            "{e:?}"
        );
        assert_eq!(e.zh(), "图片文件已损坏，无法解码：请重新导出后上传");
        for e in [cut, e] {
            assert!(!e.zh().chars().any(|c| c.is_ascii_lowercase()), "{}", e.zh());
        }
    }
}
