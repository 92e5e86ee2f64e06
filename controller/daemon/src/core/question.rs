//! The console's questions to the core, as types: each names what it reads and the type of its
//! answer, which comes back on the question's own channel. A question never re-plans the board
//! and never announces a status change ([`Core::answer`]); the ones that draw pages use the
//! renderer's caches, which is why answering takes `&mut Core`.

use std::path::PathBuf;

use jiff::Timestamp;
use tokio::sync::oneshot;

use pinghu_playlists::Diagnostic;

use crate::audit::{AuditEntry, AuditReport};

use super::{Core, Examined, PictureError, PictureFile, PlaylistHistory, PreviewWindow, Week, views::Listed};

/// Where a question's answer goes.
pub type Reply<T> = oneshot::Sender<T>;

/// What the console may ask the core.
#[derive(Debug)]
#[non_exhaustive]
pub enum Question {
    /// The glass as the card acknowledged it (dark before anything was).
    Glass(Reply<pinghu_fonts::Frame>),
    /// Every announcement held and every message refused, newest first.
    Announcements(Reply<Vec<Listed>>),
    /// Page `page` (from 0) of announcement `id` as the board shows it.
    AnnouncementPage {
        id: String,
        page: usize,
        reply: Reply<Option<pinghu_fonts::Frame>>,
    },
    /// The playlist the daemon runs, as text.
    PlaylistText(Reply<String>),
    /// A playlist text checked as a save would check it (nothing is kept).
    Examine { text: String, reply: Reply<Examined> },
    /// A playlist text's items drawn as the board would show them today (within
    /// [`super::MAX_PREVIEW_PAGES`]), or why it cannot be read.
    Preview {
        text: String,
        /// The window of items drawn: `from`, at most `count` (and [`super::MAX_PREVIEW_ITEMS`]).
        from: usize,
        count: usize,
        /// The window's items and how many the playlist has.
        reply: Reply<Result<PreviewWindow, Vec<Diagnostic>>>,
    },
    /// The running playlist over the coming week.
    Week(Reply<Week>),
    /// The saved versions of the playlist, newest first.
    PlaylistHistory(Reply<Vec<PlaylistHistory>>),
    /// The text of a saved version, by its SHA-256.
    PlaylistVersion {
        sha256: String,
        reply: Reply<Option<String>>,
    },
    /// The pictures beside the playlist.
    Pictures(Reply<Result<Vec<PictureFile>, PictureError>>),
    /// A picture as the board shows it (cached per file version).
    PictureFrame {
        name: String,
        reply: Reply<Result<pinghu_fonts::Frame, PictureError>>,
    },
    /// The last `n` entries of the audit log, newest first, and the chain's verdict.
    AuditRecent {
        n: usize,
        reply: Reply<std::io::Result<(Vec<AuditEntry>, AuditReport)>>,
    },
    /// The proof-log segments holding `from`..`to`, and whether the whole chain verified.
    ProofSegments {
        from: Timestamp,
        to: Timestamp,
        reply: Reply<Option<(Vec<PathBuf>, bool)>>,
    },
}

impl Core {
    /// Answer a question. Nothing the board shows changes and no status goes out: a page view is
    /// not a change. An answer nobody waits for any more is dropped.
    pub fn answer(&mut self, question: Question, now: Timestamp) {
        match question {
            Question::Glass(reply) => drop(reply.send(self.glass())),
            Question::Announcements(reply) => drop(reply.send(self.announcements())),
            Question::AnnouncementPage { id, page, reply } => drop(reply.send(self.announcement_page(&id, page))),
            Question::PlaylistText(reply) => drop(reply.send(self.playlist_text())),
            Question::Examine { text, reply } => drop(reply.send(self.examine(&text, now))),
            Question::Preview {
                text,
                from,
                count,
                reply,
            } => drop(reply.send(self.preview(&text, now, from, count))),
            Question::Week(reply) => drop(reply.send(self.week(now))),
            Question::PlaylistHistory(reply) => drop(reply.send(self.playlist_history())),
            Question::PlaylistVersion { sha256, reply } => drop(reply.send(self.playlist_version(&sha256))),
            Question::Pictures(reply) => drop(reply.send(self.pictures())),
            Question::PictureFrame { name, reply } => drop(reply.send(self.picture_frame(&name))),
            Question::AuditRecent { n, reply } => drop(reply.send(self.audit_recent(n))),
            Question::ProofSegments { from, to, reply } => drop(reply.send(self.proof_segments(from, to))),
        }
    }
}
