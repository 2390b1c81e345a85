//! # replay: a capture as a regression test of a connector release
//!
//! A capture (`crmsim record`) holds what a real SAP CRM asked and what the connector answered
//! and sent. Replaying it plays the CRM's side again, agent by agent, in recorded order and
//! pacing, against a connector (the next release, a test system), with its own event sink,
//! and compares every answer and every event with the recording, structurally: elements,
//! attributes, the types of values and the words of vocabularies; ids and times are not
//! compared, since a new run assigns its own. Ids the connector assigns (sessions, calls)
//! are learned from its answers and events and put into later requests, as load tools'
//! correlation extractors do.
//!
//! - [`script`]: the capture as one script per agent (sans-I/O);
//! - [`compare`]: two messages compared, every difference with its path (sans-I/O);
//! - [`player`]: the script played over the network;
//! - [`outcome`]: what the replay found, as text, JSON and JUnit.

#![warn(missing_docs)]

pub mod compare;
pub mod outcome;
pub mod player;
pub mod script;

pub use outcome::Outcome;
pub use player::{PlayOptions, play};
pub use script::{Script, build};
