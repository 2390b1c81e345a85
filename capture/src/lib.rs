//! # capture: what a real SAP CRM and a real connector said to each other
//!
//! crmsim meets real peers without a specification of their wire: it records what they say
//! (`crmsim record`, or a simulator in discovery mode with `--record`), learns a dialect from it
//! (`crmsim dialect learn`) and replays it as a regression test (`crmsim replay`). All of them
//! read and write one format, defined here: **JSON Lines**, one HTTP message per line, a
//! request and its answer tied by an exchange number ([`message`]).
//!
//! - [`message`]: the line types (a header line, then one line per message);
//! - [`writer`]: writes lines from a bounded queue on its own thread, so a slow disk or a
//!   full one never holds the traffic up; what it could not write is counted, not hidden;
//! - [`reader`]: reads a capture back, every error located at `file:line`;
//! - [`redact`]: takes secrets out of what is written (passwords in login strings,
//!   `Authorization`, elements a dialect marks secret);
//! - [`har`]: the same exchanges as HAR 1.2, for browser tools;
//! - [`tally`]: which operations were seen, by path, `SOAPAction` and body element.
//!
//! No network I/O happens here, and nothing here knows a dialect: callers say which names are
//! secret and which operations are known.

#![warn(missing_docs)]

pub mod har;
pub mod message;
pub mod reader;
pub mod redact;
pub mod tally;
pub mod writer;

pub use message::{Direction, Header, Hop, Line, Message, TlsInfo};
pub use reader::{Capture, ReadError};
pub use redact::Redactor;
pub use tally::{OpKey, Tally};
pub use writer::{CaptureWriter, WriterStats};
