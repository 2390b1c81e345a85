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
    /// Messages in the capture: requests, events and answers, the skipped ones included.
    pub messages: usize,
    /// Messages that read as what they should be.
    pub decoded: usize,
    /// Answers not checked: the recorder made them itself (the peer was unreachable), they had
    /// no body, or their request did not read. A part of `messages`.
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
        // Counted before it may be skipped: `skipped` is a part of `messages`, so the messages
        // checked are `messages - skipped` (an error answer counted only as skipped made the
        // summary under-count, or go below zero).
        report.messages += 1;
        if response.error.is_some() || body.is_empty() {
            report.skipped += 1;
            continue;
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A logon the connector never answered (the recorder answered 502 itself).
    const UNANSWERED: &str = r#"{"type":"capture","format":1,"writer":"crmsim record","crmsim_version":"0.1.0","started":"2026-12-07T17:49:33.339650Z","redacted":true,"notes":["requests: 127.0.0.2:0 → https://connector.crmsim.test:43897","events: 127.0.0.2:33785 → https://crm.crmsim.test:33785"]}
{"type": "message", "t": "2026-12-07T17:49:33.460560Z", "hop": "requests", "dir": "request", "exchange": 1, "conn": 4, "peer": "127.0.0.1:43930", "tls": {"version": "TLSv1.3", "resumed": false}, "method": "POST", "path": "/ici", "headers": [["content-type", "text/xml; charset=UTF-8"], ["soapaction", "\"urn:IciUserInterface#logon\""], ["accept", "*/*"], ["host", "connector.crmsim.test:35435"], ["content-length", "304"]], "body": "<?xml version=\"1.0\" encoding=\"UTF-8\"?><soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\"><soapenv:Body><usr:logon xmlns:usr=\"urn:IciUserInterface\"><user>AGENT00006</user><login>10006;***;30006;p</login><language>EN</language></usr:logon></soapenv:Body></soapenv:Envelope>", "redacted": ["login password in <login>"]}
{"type": "message", "t": "2026-12-07T17:49:33.473501Z", "hop": "requests", "dir": "response", "exchange": 1, "status": 502, "headers": [], "error": "the connector was unreachable"}
"#;

    #[test]
    fn an_answer_the_recorder_made_is_counted_as_a_skipped_message() {
        let capture = Capture::parse(std::path::Path::new("c.jsonl"), UNANSWERED.as_bytes())
            .unwrap_or_else(|e| panic!("{e}"));
        let mut report = Report::default();
        check(&ici::Dialect::builtin(), &capture, &mut report);
        assert!(report.ok(), "{:?}", report.failures);
        // Two messages, one of them skipped: the one checked (the request) read.
        assert_eq!((report.messages, report.skipped, report.decoded), (2, 1, 1));
    }
}
