//! The message contract's size limits (docs/mqtt.md), one home for every layer that judges a
//! message: the envelope (announcements, office pushes), the warning rules, the broker link and
//! the portal tools.

/// The largest message any topic takes: an office push of an 8 MB picture, base64 in its payload
/// and again in its envelope (about 15 MB). A larger one is refused where it arrives, before it
/// is copied or hashed, so that reading it never holds up the broker link; the shipped broker
/// configuration sets `message_size_limit` to it.
pub const MAX_MESSAGE: usize = 16 * 1024 * 1024;
/// Longest body, in characters (an announcement's, or a warning's text as shown).
pub const MAX_BODY: usize = 2000;
/// Longest title, in characters.
pub const MAX_TITLE: usize = 64;
