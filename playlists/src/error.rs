//! Errors of the playlist layer.

use thiserror::Error;

use crate::problem::{Bilingual, Problem};

/// One problem in a playlist, at a position in its file. `P` is what is wrong: the checker's
/// [`Problem`], or what a layer above adds (the controller's check of pictures and fonts).
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic<P = Problem> {
    pub file: String,
    /// 1-based line and column (`column` in JSON, as in the console's API).
    pub line: usize,
    pub col: usize,
    pub problem: P,
}

impl<P: std::fmt::Display> std::fmt::Display for Diagnostic<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}: {}", self.file, self.line, self.col, self.problem)
    }
}

/// As JSON: `file`, `line`, `column`, `message` (English) and `message_zh` (Chinese).
impl<P: Bilingual> serde::Serialize for Diagnostic<P> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct as _;
        let mut st = s.serialize_struct("Diagnostic", 5)?;
        st.serialize_field("file", &self.file)?;
        st.serialize_field("line", &self.line)?;
        st.serialize_field("column", &self.col)?;
        st.serialize_field("message", &self.problem.to_string())?;
        st.serialize_field("message_zh", &self.problem.zh())?;
        st.end()
    }
}

/// A playlist was refused as a whole.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum PlaylistError {
    /// The file cannot be read (`reason`: the system's words, `kind` their meaning).
    #[error("cannot read {path}: {reason}")]
    Read {
        path: String,
        kind: std::io::ErrorKind,
        reason: String,
    },
    #[error("{} problem(s) in the playlist:\n{}", .0.len(), .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
    Invalid(Vec<Diagnostic>),
}

impl PlaylistError {
    /// The problems with positions (empty for a read error).
    pub fn diagnostics(&self) -> &[Diagnostic] {
        match self {
            Self::Invalid(d) => d,
            Self::Read { .. } => &[],
        }
    }

    /// A read error of the file at `path`.
    pub fn read(path: &std::path::Path, e: &std::io::Error) -> Self {
        Self::Read {
            path: path.display().to_string(),
            kind: e.kind(),
            reason: e.to_string(),
        }
    }
}

impl Bilingual for PlaylistError {
    fn zh(&self) -> String {
        match self {
            Self::Read { path, kind, .. } => {
                format!("无法读取 {path}：{}", pinghu_protocol::words::io_error_zh(*kind))
            }
            Self::Invalid(d) => {
                let lines: Vec<String> = d
                    .iter()
                    .map(|d| format!("{}:{}:{}: {}", d.file, d.line, d.col, d.problem.zh()))
                    .collect();
                format!("节目单有 {} 处问题：\n{}", d.len(), lines.join("\n"))
            }
        }
    }
}

/// The holiday calendar file is not usable.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum CalendarError {
    /// Not TOML of the calendar's form (`message`: the `toml` crate's words).
    #[error("{origin}: {message}")]
    Parse { origin: String, message: String },
    #[error("{origin}: table [{table}] is not a year")]
    NotAYear { origin: String, table: String },
    #[error("{origin}: [{year}]: {problem}")]
    Entry {
        origin: String,
        year: String,
        problem: crate::problem::TimeProblem,
    },
    #[error("{origin}: [{year}]: {entry:?} is outside {year}")]
    OutsideYear {
        origin: String,
        year: String,
        entry: String,
    },
    #[error("{origin}: {date} is listed both as a holiday and as a make-up workday")]
    Both { origin: String, date: jiff::civil::Date },
    /// A date past the end of time.
    #[error("{origin}: {date} has no day after it")]
    EndOfTime { origin: String, date: jiff::civil::Date },
}

impl Bilingual for CalendarError {
    fn zh(&self) -> String {
        match self {
            Self::Parse { origin, .. } => format!("{origin}：不是节假日表的 TOML 格式"),
            Self::NotAYear { origin, table } => format!("{origin}：表 [{table}] 不是年份"),
            Self::Entry { origin, year, problem } => format!("{origin}：[{year}]：{}", problem.zh()),
            Self::OutsideYear { origin, year, entry } => format!("{origin}：[{year}]：{entry:?} 不在 {year} 年内"),
            Self::Both { origin, date } => format!("{origin}：{date} 既列为假日，又列为调休上班日"),
            Self::EndOfTime { origin, date } => format!("{origin}：{date} 之后没有日期"),
        }
    }
}
