//! The scripts played over the network: a client to the connector, an event sink of its own,
//! one task per agent, ids correlated as they come.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use ici::{Dialect, Event, EventBody, Expect, Message};
use tokio::sync::mpsc;
use transport::{ClientOptions, ClientTls, ConnectionMode, HttpServer, ServerOptions, SoapClient};

use crate::compare::compare;
use crate::outcome::{Finding, Outcome, Problem, TrackOutcome};
use crate::script::{Script, Step, Track};

/// How to replay.
pub struct PlayOptions {
    /// The connector's ICI endpoint URL (the dialect's path when it has none).
    pub against: String,
    /// The dialect the capture speaks: reads its messages and the live ones, paths and headers.
    pub dialect: Arc<Dialect>,
    /// The CRM's certificate towards the connector; `None`: plain HTTP.
    pub client_tls: Option<ClientTls>,
    /// The sink's TLS (the CRM's certificate, trusting the connector's CA).
    pub sink_tls: Option<Arc<rustls::ServerConfig>>,
    /// Where the replay's event sink listens (port 0: any free one).
    pub sink_listen: SocketAddr,
    /// The sink URL given to the connector; `{port}` becomes the bound port.
    pub sink_url: String,
    /// Host names dialled at these addresses while TLS still verifies the name (`--resolve`).
    pub resolve: Vec<(String, SocketAddr)>,
    /// 2.0 plays twice as fast as recorded.
    pub speed: f64,
    /// How long to wait for each recorded event.
    pub event_timeout: Duration,
    /// Put back into login strings where the capture masked the password.
    pub password: Option<String>,
}

/// An event as it came: read in the dialect, or (when its values do not read) only known by
/// its body element, so that the difference can still be shown.
struct Live {
    event: Option<Event>,
    op: ici::Operation,
    body: String,
}

type Inbox = mpsc::UnboundedReceiver<Live>;

struct Sink {
    dialect: Arc<Dialect>,
    inboxes: HashMap<String, mpsc::UnboundedSender<Live>>,
}

async fn receive(State(sink): State<Arc<Sink>>, _headers: HeaderMap, body: Bytes) -> Response {
    let d = &sink.dialect;
    let reply = |status: StatusCode, xml: String| {
        (status, [("content-type", d.reply_content_type())], xml).into_response()
    };
    let text = String::from_utf8_lossy(&body).into_owned();
    let (live, agent) = match d.decode_as(&body, Expect::Message) {
        Ok(Message::Event(event)) => {
            let agent = event.body.user().to_owned();
            let op = event.body.operation();
            (
                Live {
                    event: Some(event),
                    op,
                    body: text,
                },
                Some(agent),
            )
        }
        Ok(_) => return reply(StatusCode::BAD_REQUEST, "not an event".into()),
        Err(e) => {
            // A known event whose values do not read (another vocabulary word, a new
            // attribute): still the agent's, by the user it names, and still compared.
            let element = learn::tree::parse(&text).and_then(|s| s.body);
            let op = element
                .as_ref()
                .and_then(|b| d.message_operation(&b.ns, &b.local))
                .filter(|op| op.is_event());
            let agent = sink
                .inboxes
                .keys()
                .find(|u| {
                    !u.is_empty()
                        && (text.contains(&format!(">{u}<")) || text.contains(&format!("\"{u}\"")))
                })
                .cloned();
            match (op, agent) {
                (Some(op), Some(agent)) => (
                    Live {
                        event: None,
                        op,
                        body: text,
                    },
                    Some(agent),
                ),
                _ => {
                    let fault = ici::Fault::client(e.ici_error(), e.to_string());
                    let status = StatusCode::from_u16(d.fault_status(&fault))
                        .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                    return reply(status, d.encode_fault(&fault));
                }
            }
        }
    };
    let op = live.op;
    if let Some(tx) = agent.and_then(|a| sink.inboxes.get(&a)) {
        let _ = tx.send(live);
    }
    match d.encode_event_ack(op) {
        Ok(xml) => reply(StatusCode::OK, xml),
        Err(e) => reply(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    }
}

/// The replay could not start.
#[derive(Debug, thiserror::Error)]
pub enum PlayError {
    /// The client towards the connector could not be built (its TLS or resolve settings).
    #[error("{0}")]
    Client(#[from] transport::client::ClientBuildError),
    /// The event sink could not listen on its address.
    #[error("the event sink: {0}")]
    Sink(#[from] std::io::Error),
}

/// Plays `script`; returns what differed.
pub async fn play(script: &Script, options: PlayOptions) -> Result<Outcome, PlayError> {
    let started = Instant::now();
    let d = options.dialect.clone();
    let mut inboxes = HashMap::new();
    let mut receivers = HashMap::new();
    for agent in script.tracks.keys() {
        let (tx, rx) = mpsc::unbounded_channel();
        inboxes.insert(agent.clone(), tx);
        receivers.insert(agent.clone(), rx);
    }
    let sink = Arc::new(Sink {
        dialect: d.clone(),
        inboxes,
    });
    let router = axum::Router::new()
        .route(d.event_path(), axum::routing::post(receive))
        .with_state(sink);
    let server = HttpServer::bind(
        options.sink_listen,
        router,
        ServerOptions::new("replay sink", options.sink_tls.clone()),
    )
    .await?;
    let sink_url = options
        .sink_url
        .replace("{port}", &server.local_addr().port().to_string());
    let mut client_options = ClientOptions::new(
        "replay → connector",
        options.client_tls.clone(),
        ConnectionMode::KeepAlive,
    );
    client_options.resolve = options.resolve.clone();
    let client = Arc::new(SoapClient::new(client_options)?);
    let url = endpoint(&options.against, d.connector_path());
    let shared = Arc::new(Shared {
        client,
        url,
        dialect: d,
        sink_url,
        recorded_sinks: script.sink_urls.clone(),
        speed: options.speed.max(0.01),
        event_timeout: options.event_timeout,
        password: options.password,
    });
    let mut tasks = Vec::new();
    for (agent, track) in &script.tracks {
        let Some(rx) = receivers.remove(agent) else {
            continue;
        };
        let (shared, track, agent) = (shared.clone(), track.clone(), agent.clone());
        tasks.push(tokio::spawn(tasks::named(
            format!("replay of {agent}"),
            async move { play_track(&shared, &agent, &track, rx).await },
        )));
    }
    let mut tracks = Vec::new();
    for t in tasks {
        if let Ok(outcome) = t.await {
            tracks.push(outcome);
        }
    }
    server.shutdown(Duration::from_secs(2)).await;
    Ok(Outcome {
        against: options.against,
        tracks,
        unreadable: script.unreadable.clone(),
        duration_s: started.elapsed().as_secs_f64(),
    })
}

/// The endpoint: the URL as given, or with the dialect's path when it names none.
fn endpoint(url: &str, path: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    if rest.find('/').is_some_and(|i| rest.len() > i + 1) {
        url.to_owned()
    } else {
        format!("{}{path}", url.trim_end_matches('/'))
    }
}

struct Shared {
    client: Arc<SoapClient>,
    url: String,
    dialect: Arc<Dialect>,
    sink_url: String,
    recorded_sinks: Vec<String>,
    speed: f64,
    event_timeout: Duration,
    password: Option<String>,
}

/// Recorded ids → live ones, learned as the connector assigns them.
#[derive(Default)]
struct Ids {
    map: HashMap<String, String>,
}

impl Ids {
    fn learn(&mut self, recorded: &str, live: &str) {
        if !recorded.is_empty() && recorded != live {
            self.map.insert(recorded.to_owned(), live.to_owned());
        }
    }

    fn live_for(&self, recorded: &str) -> Option<&str> {
        self.map.get(recorded).map(String::as_str)
    }

    fn is_bound(&self, live: &str) -> bool {
        self.map.values().any(|v| v == live)
    }

    /// `body` with every recorded id written as a whole value replaced by the live one.
    fn substitute(&self, body: &str) -> String {
        let mut out = body.to_owned();
        for (rec, live) in &self.map {
            for (open, close) in [(">", "<"), ("\"", "\""), ("'", "'")] {
                out = out.replace(
                    &format!("{open}{rec}{close}"),
                    &format!("{open}{live}{close}"),
                );
            }
        }
        out
    }
}

fn live_call(l: &Live) -> Option<&str> {
    l.event.as_ref().and_then(call_of)
}

/// The ids of an event that tie it to a call (call id, item id).
fn call_of(e: &Event) -> Option<&str> {
    match &e.body {
        EventBody::CallChanged(c) => Some(&c.call_id),
        EventBody::ContainerChanged { item_id, .. } => Some(item_id),
        EventBody::UserChanged { .. } => None,
    }
}

async fn play_track(shared: &Shared, agent: &str, track: &Track, mut inbox: Inbox) -> TrackOutcome {
    let d = &shared.dialect;
    let started = tokio::time::Instant::now();
    let mut outcome = TrackOutcome {
        agent: if agent.is_empty() {
            "system".into()
        } else {
            agent.to_owned()
        },
        ..TrackOutcome::default()
    };
    let mut ids = Ids::default();
    let mut pending: VecDeque<Live> = VecDeque::new();
    for (gap, step) in &track.steps {
        let wait = Duration::from_secs_f64((gap / shared.speed).min(3600.0));
        tokio::time::sleep(wait).await;
        if outcome.diverged_at.is_none() && matches!(step, Step::Request { .. }) {
            while let Ok(live) = inbox.try_recv() {
                pending.push_back(live);
            }
            // A call the connector offered that no recorded step took: the agent now has a
            // call its recorded self never had.
            if pending.iter().any(|l| {
                l.op == ici::Operation::CallChanged
                    && live_call(l).is_some_and(|c| !ids.is_bound(c))
            }) {
                outcome.diverged_at = Some(step.place().to_owned());
            }
        }
        let judged = outcome.diverged_at.is_none();
        if !judged {
            outcome.unjudged += 1;
        }
        let findings_before = outcome.findings.len();
        let same_before = outcome.same;
        match step {
            Step::Request {
                place,
                op,
                request,
                body,
                answer,
                ..
            } => {
                outcome.requests += 1;
                let mut live = ids.substitute(body);
                for recorded in &shared.recorded_sinks {
                    live = live.replace(recorded, &shared.sink_url);
                }
                if let Some(password) = &shared.password {
                    live = live.replace(
                        &format!(";{};", capture::redact::MASK),
                        &format!(";{password};"),
                    );
                }
                let user_header: Vec<(&str, &str)> = match (d.user_header(), request.user()) {
                    (Some(h), Some(u)) => vec![(h, u)],
                    _ => Vec::new(),
                };
                let sent = shared
                    .client
                    .post(
                        &shared.url,
                        d.content_type(*op),
                        d.soap_action(*op),
                        live,
                        &user_header,
                    )
                    .await;
                let what = op.key().to_owned();
                match sent {
                    Err(e) => outcome.findings.push(Finding {
                        place: place.clone(),
                        what,
                        problem: Problem::Failed {
                            error: e.to_string(),
                        },
                    }),
                    Ok(reply) => {
                        let live_text = String::from_utf8_lossy(&reply.body).into_owned();
                        if let Some(recorded) = answer {
                            learn_reply(d, *op, recorded, &reply.body, &mut ids);
                            let differences = compare(recorded, &live_text);
                            if differences.is_empty() {
                                outcome.same += 1;
                            } else {
                                outcome.findings.push(Finding {
                                    place: place.clone(),
                                    what,
                                    problem: Problem::Different { differences },
                                });
                            }
                        } else {
                            outcome.same += 1;
                        }
                    }
                }
            }
            Step::Event {
                place,
                op,
                event,
                body,
            } => {
                outcome.events += 1;
                let deadline = Instant::now() + shared.event_timeout;
                let found = next_event(&mut pending, &mut inbox, *op, event, &ids, deadline).await;
                match found {
                    Some(live) => {
                        if let (Some(r), Some(l)) = (call_of(event), live_call(&live)) {
                            ids.learn(r, l);
                        }
                        if let (Some(r), Some(l)) = (
                            &event.session,
                            live.event.as_ref().and_then(|e| e.session.as_ref()),
                        ) {
                            ids.learn(r, l);
                        }
                        let differences = compare(body, &live.body);
                        if differences.is_empty() {
                            outcome.same += 1;
                        } else {
                            outcome.findings.push(Finding {
                                place: place.clone(),
                                what: op.key().to_owned(),
                                problem: Problem::Different { differences },
                            });
                        }
                    }
                    None => outcome.findings.push(Finding {
                        place: place.clone(),
                        what: op.key().to_owned(),
                        problem: Problem::Missing {
                            waited_s: shared.event_timeout.as_secs_f64(),
                        },
                    }),
                }
            }
        }
        if !judged {
            // Played, not judged: the step's result says nothing of the connector's release.
            outcome.findings.truncate(findings_before);
            outcome.same = same_before;
        }
    }
    // What else came in a moment after the last step: noted, not judged.
    tokio::time::sleep(Duration::from_millis(200)).await;
    while let Ok(live) = inbox.try_recv() {
        pending.push_back(live);
    }
    outcome.extra_events = pending
        .iter()
        .map(|l| match live_call(l) {
            Some(c) => format!("{} ({c})", l.op.key()),
            None => l.op.key().to_owned(),
        })
        .collect();
    outcome.duration_s = started.elapsed().as_secs_f64();
    outcome
}

/// The live event that answers the recorded `expected`: the same kind and, when it is tied to
/// a call, the call the recorded one is mapped to (or a call no recorded one is mapped to yet).
async fn next_event(
    pending: &mut VecDeque<Live>,
    inbox: &mut Inbox,
    op: ici::Operation,
    expected: &Event,
    ids: &Ids,
    deadline: Instant,
) -> Option<Live> {
    let fits = |l: &Live| {
        if l.op != op {
            return false;
        }
        // An event that did not read is taken for the next one of its kind.
        let Some(e) = &l.event else { return true };
        match (call_of(expected), call_of(e)) {
            (Some(rec), Some(live)) => match ids.live_for(rec) {
                Some(mapped) => mapped == live,
                None => !ids.is_bound(live),
            },
            _ => true,
        }
    };
    if let Some(i) = pending.iter().position(fits) {
        return pending.remove(i);
    }
    loop {
        let left = deadline.checked_duration_since(Instant::now())?;
        match tokio::time::timeout(left, inbox.recv()).await {
            Ok(Some(live)) => {
                if fits(&live) {
                    return Some(live);
                }
                pending.push_back(live);
            }
            Ok(None) | Err(_) => return None,
        }
    }
}

/// Ids an answer brings: the session of a logon, the call of a makeCall.
fn learn_reply(d: &Dialect, op: ici::Operation, recorded: &str, live: &[u8], ids: &mut Ids) {
    let (Ok(Message::Response(r)), Ok(Message::Response(l))) = (
        d.decode_as(recorded.as_bytes(), Expect::Reply(op)),
        d.decode_as(live, Expect::Reply(op)),
    ) else {
        return;
    };
    match (r, l) {
        (ici::Response::Logon { session: a }, ici::Response::Logon { session: b }) => {
            ids.learn(&a, &b)
        }
        (ici::Response::MakeCall { call_id: a }, ici::Response::MakeCall { call_id: b }) => {
            ids.learn(&a, &b)
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_replaced_only_as_whole_values() {
        let mut ids = Ids::default();
        ids.learn("c-1", "live-9");
        let body = r#"<a callRef="c-1"><b>c-1</b><c>c-12</c></a>"#;
        assert_eq!(
            ids.substitute(body),
            r#"<a callRef="live-9"><b>live-9</b><c>c-12</c></a>"#
        );
        assert_eq!(endpoint("https://c:8443", "/ici"), "https://c:8443/ici");
        assert_eq!(endpoint("https://c:8443/x/y", "/ici"), "https://c:8443/x/y");
    }
}
