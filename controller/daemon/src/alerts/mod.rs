//! Emergency warnings (docs/alerts.md): CAP 1.2 and the national format of GB/T 35965.1, parsed
//! without trusting the document, judged against the board's area and thresholds, and turned
//! into what the board shows. Sans-IO: bytes and `now` in, decisions out.

pub mod cap;
pub mod events;
pub mod geo;
pub mod rules;
mod words;
pub mod xml;

pub use cap::{Alert, CapProblem, Format, ReadError, read};
pub use rules::{AlertConfig, Judgement, NotShown};
pub use xml::XmlError;
