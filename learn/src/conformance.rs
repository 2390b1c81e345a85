//! A dialect held to a capture: every captured request, event and answer decoded with it, and
//! each that does not read listed with where it is and why. An integrator runs it on a learned
//! dialect before trusting it, and on a new capture to see whether a system changed its wire.

use capture::{Capture, Direction, Hop};
use ici::{Dialect, Expect, Message};
use serde::Serialize;

/// One captured message the dialect does not read.
#[derive(Debug, Clone, Serialize)]
pub struct Failure {
    /// `file:line`.
    pub place: String,
    /// The hop the exchange came on.
    pub hop: Hop,
    /// Whether the request (or event) or its answer did not read.
    pub dir: Direction,
    /// Why: the decoder's error, what the message read as instead, or a header that is wrong.
    pub why: String,
}

/// What the check found.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    /// Messages checked: requests, events, and answers with a body.
    pub messages: usize,
    /// Messages that read as what they should be.
    pub decoded: usize,
    /// Answers the recorder made itself (the peer was unreachable) or that had no body: not
    /// the peers' words, not checked.
    pub skipped: usize,
    /// Every message that did not read, with why.
    pub failures: Vec<Failure>,
}

impl Report {
    /// No message failed.
    pub fn ok(&self) -> bool {
        self.failures.is_empty()
    }
}

/// Decodes every message of `capture` with `d`.
pub fn check(d: &Dialect, capture: &Capture, report: &mut Report) {
    for ex in capture.exchanges() {
        let place = format!("{}:{}", capture.path.display(), ex.line);
        report.messages += 1;
        let expect = match ex.request.hop {
            Hop::Requests | Hop::Events => Expect::Message,
        };
        let op = match d.decode_as(&ex.request.body_bytes(), expect) {
            Ok(Message::Request(r)) if ex.request.hop == Hop::Requests => {
                report.decoded += 1;
                Some(r.operation())
            }
            Ok(Message::Event(e)) if ex.request.hop == Hop::Events => {
                report.decoded += 1;
                Some(e.body.operation())
            }
            Ok(other) => {
                report.failures.push(Failure {
                    place: place.clone(),
                    hop: ex.request.hop,
                    dir: Direction::Request,
                    why: format!(
                        "reads as {}, not a {}",
                        describe(&other),
                        expected(ex.request.hop)
                    ),
                });
                None
            }
            Err(e) => {
                report.failures.push(Failure {
                    place: place.clone(),
                    hop: ex.request.hop,
                    dir: Direction::Request,
                    why: e.to_string(),
                });
                None
            }
        };
        if let Some(op) = op {
            let header = |name: &str| ex.request.header(name);
            if let Err(why) = d.check_headers(op, header("content-type"), header("soapaction")) {
                report.failures.push(Failure {
                    place: place.clone(),
                    hop: ex.request.hop,
                    dir: Direction::Request,
                    why,
                });
            }
        }
        let Some((line, response)) = ex.response else {
            continue;
        };
        let body = response.body_bytes();
        if response.error.is_some() || body.is_empty() {
            report.skipped += 1;
            continue;
        }
        report.messages += 1;
        let Some(op) = op else {
            report.skipped += 1;
            continue;
        };
        match d.decode_as(&body, Expect::Reply(op)) {
            Ok(_) => report.decoded += 1,
            Err(e) => report.failures.push(Failure {
                place: format!("{}:{line}", capture.path.display()),
                hop: ex.request.hop,
                dir: Direction::Response,
                why: format!("the answer to {}: {e}", op.key()),
            }),
        }
    }
}

fn expected(hop: Hop) -> &'static str {
    match hop {
        Hop::Requests => "request",
        Hop::Events => "event",
    }
}

fn describe(m: &Message) -> String {
    match m {
        Message::Request(r) => format!("request {}", r.operation().key()),
        Message::Response(r) => format!("response {}", r.operation().key()),
        Message::Event(e) => format!("event {}", e.body.operation().key()),
        Message::EventAck(op) => format!("acknowledgement of {}", op.key()),
        Message::Fault(_) => "a fault".to_owned(),
    }
}
