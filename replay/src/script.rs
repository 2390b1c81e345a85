//! The CRM's side of a capture as scripts: per agent, its requests (with the answers the
//! connector gave) and the events it received, in the order they happened, each step with its
//! gap to the step before. Requests without an agent (heartbeats, version queries) form the
//! `system` track.

use std::collections::BTreeMap;

use capture::{Capture, Hop};
use ici::{Dialect, Expect, Message, Request};

/// One step of an agent's script.
#[derive(Debug, Clone)]
pub enum Step {
    /// Send this request; the connector answered `answer` (a body) in the recording.
    Request {
        /// Where the request is in the capture (`file:line`), for findings.
        place: String,
        /// Its operation, which picks the content type, SOAPAction and reply to decode.
        op: ici::Operation,
        /// The request as the dialect read it; its user goes into the dialect's user header, if it
        /// has one.
        request: Request,
        /// The recorded body, sent again with the live ids, the replay's sink URL and the password
        /// put in.
        body: String,
        /// The recorded HTTP headers, names in lower case.
        headers: Vec<(String, String)>,
        /// The recorded answer's body; `None` when the recording has no answer or an error.
        answer: Option<String>,
    },
    /// The connector sent this event.
    Event {
        /// Where the event is in the capture (`file:line`), for findings.
        place: String,
        /// Its operation: a live event must be of the same one to answer it.
        op: ici::Operation,
        /// The event as the dialect read it: its call and session ids are mapped to the live ones.
        event: Box<ici::Event>,
        /// The recorded body, compared with the live event's.
        body: String,
    },
}

impl Step {
    /// Where the step is in the capture (`file:line`).
    pub fn place(&self) -> &str {
        match self {
            Step::Request { place, .. } | Step::Event { place, .. } => place,
        }
    }
}

/// One agent's steps, each with its gap (seconds) to the one before.
#[derive(Debug, Clone, Default)]
pub struct Track {
    /// The steps in recorded order, each with its gap in seconds (0 for the first).
    pub steps: Vec<(f64, Step)>,
}

/// The whole capture, by agent (`""` for the system track).
#[derive(Debug, Clone, Default)]
pub struct Script {
    /// One track per agent user, played concurrently; `""` holds requests without an agent.
    pub tracks: BTreeMap<String, Track>,
    /// Sink URLs the recorded CRM subscribed with: replaced by the replay's own.
    pub sink_urls: Vec<String>,
    /// Messages the dialect did not read: the replay cannot play what it does not understand.
    pub unreadable: Vec<String>,
}

impl Script {
    /// How many requests the tracks hold, all agents together.
    pub fn requests(&self) -> usize {
        self.count(|s| matches!(s, Step::Request { .. }))
    }

    /// How many recorded events the tracks hold, all agents together.
    pub fn events(&self) -> usize {
        self.count(|s| matches!(s, Step::Event { .. }))
    }

    fn count(&self, f: impl Fn(&Step) -> bool) -> usize {
        self.tracks
            .values()
            .flat_map(|t| &t.steps)
            .filter(|(_, s)| f(s))
            .count()
    }
}

/// Builds the scripts of `captures` in dialect `d`.
pub fn build(d: &Dialect, captures: &[Capture]) -> Script {
    let mut script = Script::default();
    let mut timed: BTreeMap<String, Vec<(f64, Step)>> = BTreeMap::new();
    for c in captures {
        for ex in c.exchanges() {
            let place = format!("{}:{}", c.path.display(), ex.line);
            let t = capture::message::parse_time(&ex.request.t).unwrap_or_default();
            let body = String::from_utf8_lossy(&ex.request.body_bytes()).into_owned();
            match (
                ex.request.hop,
                d.decode_as(body.as_bytes(), Expect::Message),
            ) {
                (Hop::Requests, Ok(Message::Request(request))) => {
                    if let Request::UserSubscribe { sink_url, .. }
                    | Request::ContainerSubscribe { sink_url, .. }
                    | Request::UserUnsubscribe { sink_url, .. }
                    | Request::ContainerUnsubscribe { sink_url, .. } = &request
                        && !script.sink_urls.contains(sink_url)
                    {
                        script.sink_urls.push(sink_url.clone());
                    }
                    let agent = request.user().unwrap_or_default().to_owned();
                    let answer = ex
                        .response
                        .filter(|(_, r)| r.error.is_none())
                        .map(|(_, r)| String::from_utf8_lossy(&r.body_bytes()).into_owned());
                    timed.entry(agent).or_default().push((
                        t,
                        Step::Request {
                            place,
                            op: request.operation(),
                            request,
                            body,
                            headers: ex.request.headers.clone(),
                            answer,
                        },
                    ));
                }
                (Hop::Events, Ok(Message::Event(event))) => {
                    let agent = event.body.user().to_owned();
                    timed.entry(agent).or_default().push((
                        t,
                        Step::Event {
                            place,
                            op: event.body.operation(),
                            event: Box::new(event),
                            body,
                        },
                    ));
                }
                (_, Ok(_)) => script.unreadable.push(format!(
                    "{place}: not a {} of dialect {}",
                    hop_word(ex.request.hop),
                    d.name()
                )),
                (_, Err(e)) => script.unreadable.push(format!("{place}: {e}")),
            }
        }
    }
    for (agent, mut steps) in timed {
        steps.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut previous = steps.first().map_or(0.0, |s| s.0);
        let track = Track {
            steps: steps
                .into_iter()
                .map(|(t, s)| {
                    let gap = (t - previous).max(0.0);
                    previous = t;
                    (gap, s)
                })
                .collect(),
        };
        script.tracks.insert(agent, track);
    }
    script
}

fn hop_word(hop: Hop) -> &'static str {
    match hop {
        Hop::Requests => "request",
        Hop::Events => "event",
    }
}
