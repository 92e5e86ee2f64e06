//! # pinghu-playlists
//!
//! What the board shows, when — provably. Operators write playlists in TOML (docs/playlists.md);
//! this crate parses and validates them (every problem reported as `FILE:LINE:COL: message`,
//! the playlist refused as a whole; each problem a typed [`Problem`] that writes itself in English
//! and in Chinese), holds the official Chinese holiday and make-up-workday
//! calendar ([`Calendar`]), and decides, as a pure function of its inputs and `now`, what the
//! board should show ([`Scheduler::step`]): the rotation, the urgent layer, brightness and power. Paid
//! campaigns ([`campaign`]) play between the rotation's entries, paced to their targets by [`pacing`];
//! [`check_bookings`] refuses targets that cannot all be met (docs/campaigns.md). An item's text
//! may carry [`fields`] (`{date}`, `{weekday}`, `{days_until:…}`) filled in for the day it shows.
//!
//! ```
//! use pinghu_playlists::{Calendar, Inputs, Scheduler, parse};
//!
//! let playlist = parse(r#"
//! [[item]]
//! id = "welcome"
//! text = "欢迎来到夷陵区政务服务中心"
//! time = "08:00-18:00"
//! workdays_only = true
//! "#, "board.toml").unwrap();
//! let calendar = Calendar::builtin();
//! let tz = jiff::tz::TimeZone::get("Asia/Shanghai").unwrap();
//! let inputs = Inputs { playlist: &playlist, calendar: &calendar, tz: &tz, announcements: &[], clock_trusted: true };
//!
//! // Monday 2026-11-30 09:00 in Yiling: a working day, inside the window.
//! let now: jiff::Timestamp = "2026-11-30T01:00:00Z".parse().unwrap();
//! let plan = Scheduler::new().step(&inputs, now, &|_| 1);
//! assert_eq!(plan.showing.unwrap().content.text, "欢迎来到夷陵区政务服务中心");
//!
//! // Saturday 2026-11-28: not a working day, nothing to show.
//! let sat: jiff::Timestamp = "2026-11-28T01:00:00Z".parse().unwrap();
//! assert!(Scheduler::new().step(&inputs, sat, &|_| 1).showing.is_none());
//! ```

pub mod calendar;
pub mod campaign;
pub mod delivery;
pub mod error;
pub mod fields;
pub mod form;
pub mod model;
pub mod pacing;
mod parse;
pub mod problem;
pub mod schedule;

pub use calendar::{Calendar, DayKind};
pub use campaign::{Campaign, Target, check_bookings};
pub use error::{CalendarError, Diagnostic, PlaylistError};
pub use model::{Color, Effect, Item, Playlist, Style, TimeWindow};
pub use parse::{MAX_TEXT_CHARS, load, parse};
pub use problem::{Bilingual, Problem};
pub use schedule::{
    Announcement, ClockTrust, Content, ContentKey, Inputs, Layer, Plan, Priority, Scheduler, Showing, TimelineEntry,
    announcement_content, clock_trust, item_content, item_holds, timeline,
};
