//! Sending events to the CRM: ordered per agent, over a bounded set of connections, with retries
//! and accounting.
//!
//! The IC WebClient must see an agent's events in the order they happened (alerting before
//! connected), so each event gets the agent's next sequence number while the ACD is locked, and
//! all of one agent's events travel through the same *lane*. A lane is one sender task with one
//! connection at a time (HTTP/1.1 without pipelining), delivering its events one after another;
//! agents are spread over a fixed number of lanes per CRM. That bounds the connections a
//! connector opens to a CRM, as a real connector's pool does: 10,000 agents must not mean
//! 10,000 TLS connections.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use ici::{Event, EventBody, Message};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use transport::{ClientOptions, Gate, LinkSnapshot, SoapClient};

use crate::acd::EventOutlet;
use crate::clock::rfc3339_now;
use crate::metrics::ConnectorMetrics;

/// How events are delivered.
#[derive(Clone)]
pub struct EventDelivery {
    /// Client settings (TLS, connection mode, timeouts, host overrides).
    pub client: ClientOptions,
    /// `TpiDllParameter=SSL PROXY=<ip>:<port>`: dial this address instead of the sink's host and
    /// port, while still verifying the sink host's certificate name (the static proxy route).
    pub proxy_route: Option<SocketAddr>,
    /// Extra attempts after a failed delivery before the event is given up and counted failed.
    pub retries: u32,
    /// Wait before a retry, times the attempt number (1×, 2×, 3×…).
    pub retry_backoff: Duration,
    /// Lanes (connections) per CRM; each agent's events use one of them, in order.
    pub lanes: usize,
}

/// One event waiting in its lane.
struct Outgoing {
    user: String,
    session: Option<String>,
    sequence: u64,
    at: Instant,
    timestamp: String,
    body: EventBody,
}

/// The [`EventOutlet`] of a running connector.
pub struct StreamOutlet {
    /// Last sequence number per (agent, sink, session).
    sequences: HashMap<(String, String, Option<String>), u64>,
    /// Lanes per sink URL.
    lanes: HashMap<String, Vec<mpsc::UnboundedSender<Outgoing>>>,
    shared: Arc<Senders>,
}

/// What every lane shares.
pub struct Senders {
    delivery: EventDelivery,
    dialect: Arc<ici::Dialect>,
    clients: Mutex<HashMap<String, SoapClient>>,
    metrics: Arc<ConnectorMetrics>,
    gate: Gate,
    tasks: TaskTracker,
    /// Cancelled when the connector is killed: queued events die with it.
    cancel: CancellationToken,
}

impl StreamOutlet {
    /// An outlet with no lanes yet: a sink's lanes start with its first event. `cancel` stops them
    /// all, with whatever they still hold.
    pub fn new(
        delivery: EventDelivery,
        dialect: Arc<ici::Dialect>,
        metrics: Arc<ConnectorMetrics>,
        gate: Gate,
        tasks: TaskTracker,
        cancel: CancellationToken,
    ) -> StreamOutlet {
        StreamOutlet {
            sequences: HashMap::new(),
            lanes: HashMap::new(),
            shared: Arc::new(Senders {
                delivery,
                dialect,
                clients: Mutex::new(HashMap::new()),
                metrics,
                gate,
                tasks,
                cancel,
            }),
        }
    }

    /// What the lanes share, kept by the connector to read the event clients' link statistics.
    pub fn senders(&self) -> Arc<Senders> {
        self.shared.clone()
    }

    /// The lane of `user` towards `sink`, starting the sink's lanes on first use.
    fn lane(&mut self, sink: &str, user: &str) -> &mpsc::UnboundedSender<Outgoing> {
        let count = self.shared.delivery.lanes.max(1);
        let lanes = self.lanes.entry(sink.to_owned()).or_insert_with(|| {
            (0..count)
                .map(|lane| {
                    let (tx, rx) = mpsc::unbounded_channel();
                    let shared = self.shared.clone();
                    let task = format!("{} lane {lane} to {sink}", shared.delivery.client.name);
                    let sink = sink.to_owned();
                    self.shared.tasks.spawn(tasks::named(task, async move {
                        shared.run_lane(rx, sink).await
                    }));
                    tx
                })
                .collect()
        });
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        user.hash(&mut hasher);
        &lanes[(hasher.finish() % lanes.len() as u64) as usize]
    }
}

impl EventOutlet for StreamOutlet {
    fn send(
        &mut self,
        sink: &str,
        user: &str,
        session: Option<&str>,
        body: EventBody,
        at: Instant,
    ) {
        // Each session of an agent numbers its events from 1.
        let sequence = self
            .sequences
            .entry((user.to_owned(), sink.to_owned(), session.map(str::to_owned)))
            .or_insert(0);
        *sequence += 1;
        let outgoing = Outgoing {
            user: user.to_owned(),
            session: session.map(str::to_owned),
            sequence: *sequence,
            at,
            timestamp: rfc3339_now(),
            body,
        };
        let op = outgoing.body.operation();
        if self.lane(sink, user).send(outgoing).is_err() {
            self.shared.metrics.event_failed(op);
            self.shared.metrics.errors.record(
                "event.lane-closed",
                format!("event for {user} dropped: its sender stopped"),
            );
        }
    }

    fn close(&mut self, user: &str) {
        // A new session starts its sequence at 1 again.
        self.sequences.retain(|(u, _, _), _| u != user);
    }
}

impl Senders {
    /// Client and URL for a sink: the sink itself, or the static proxy route to it.
    fn client_for(&self, sink: &str) -> Result<(SoapClient, String), String> {
        let mut url = reqwest::Url::parse(sink)
            .map_err(|e| format!("sink URL {sink:?} is not a URL: {e}"))?;
        let host = url
            .host_str()
            .ok_or_else(|| format!("sink URL {sink:?} has no host"))?
            .to_owned();
        let mut options = self.delivery.client.clone();
        let key = match self.delivery.proxy_route {
            Some(route) => {
                url.set_port(Some(route.port()))
                    .map_err(|()| format!("sink URL {sink:?} cannot take a port"))?;
                options.resolve.push((host.clone(), route));
                options.name = format!("{} (via static route {route})", options.name);
                host
            }
            None => String::new(),
        };
        let mut clients = match self.clients.lock() {
            Ok(c) => c,
            Err(poisoned) => poisoned.into_inner(),
        };
        if let Some(client) = clients.get(&key) {
            return Ok((client.clone(), url.to_string()));
        }
        let client = SoapClient::new(options).map_err(|e| e.to_string())?;
        clients.insert(key, client.clone());
        Ok((client, url.to_string()))
    }

    /// Connections and handshakes of every event client.
    pub fn link_stats(&self) -> LinkSnapshot {
        let clients = match self.clients.lock() {
            Ok(c) => c,
            Err(poisoned) => poisoned.into_inner(),
        };
        let mut total = LinkSnapshot::default();
        for client in clients.values() {
            total.merge(&client.stats());
        }
        total
    }

    async fn run_lane(&self, mut rx: mpsc::UnboundedReceiver<Outgoing>, sink: String) {
        let target = self.client_for(&sink);
        loop {
            let out = tokio::select! {
                _ = self.cancel.cancelled() => return,
                out = rx.recv() => match out {
                    Some(out) => out,
                    None => return,
                },
            };
            self.gate.wait().await;
            match &target {
                Ok((client, url)) => {
                    tokio::select! {
                        _ = self.cancel.cancelled() => return,
                        _ = self.deliver(client, url, out) => {}
                    }
                }
                Err(why) => {
                    self.metrics.event_failed(out.body.operation());
                    self.metrics.errors.record(
                        "event.sink",
                        format!("events for {} cannot be sent: {why}", out.user),
                    );
                }
            }
        }
    }

    async fn deliver(&self, client: &SoapClient, url: &str, out: Outgoing) {
        let op = out.body.operation();
        let user = out.user;
        let sequence = out.sequence;
        let event = Event {
            sequence: Some(sequence),
            session: out.session,
            timestamp: Some(out.timestamp),
            body: out.body,
        };
        let d = &self.dialect;
        let xml = match d.encode_event(&event) {
            Ok(xml) => Bytes::from(xml),
            Err(e) => {
                self.metrics.event_failed(op);
                self.metrics
                    .errors
                    .record("event.unsupported", format!("{} for {user}: {e}", op.key()));
                return;
            }
        };
        let mut attempt = 0;
        loop {
            let sent = client
                .post(url, d.content_type(op), d.soap_action(op), xml.clone(), &[])
                .await;
            match sent {
                Ok(reply) => {
                    self.acknowledged(&reply, op, url, &user, sequence, out.at);
                    return;
                }
                Err(e) if attempt < self.delivery.retries => {
                    attempt += 1;
                    self.metrics.event_retried();
                    tracing::debug!(error = %e, attempt, "event delivery failed; retrying");
                    tokio::time::sleep(self.delivery.retry_backoff * attempt).await;
                }
                Err(e) => {
                    self.metrics.event_failed(op);
                    self.metrics.errors.record(
                        &format!("event.delivery.{}", e.key()),
                        format!(
                            "{} #{} for {user} not delivered after {} attempts: {e}",
                            op.key(),
                            sequence,
                            attempt + 1
                        ),
                    );
                    return;
                }
            }
        }
    }

    /// Reads the CRM's answer to one event.
    fn acknowledged(
        &self,
        reply: &transport::Reply,
        op: ici::Operation,
        url: &str,
        user: &str,
        sequence: u64,
        at: Instant,
    ) {
        match self.dialect.decode_as(&reply.body, ici::Expect::Reply(op)) {
            Ok(Message::EventAck(acked)) if acked == op && reply.status == 200 => {
                self.metrics.event_delivered(op);
                let now = Instant::now();
                self.metrics.latency.record(op.key(), now - at);
                self.metrics.timeline.count("events", now, 1);
                self.metrics.timeline.latency("event", now, now - at);
            }
            Ok(Message::Fault(fault)) => {
                self.metrics.event_refused(op);
                self.metrics.errors.record(
                    "event.refused",
                    format!("{url} refused {} #{sequence} for {user}: {fault}", op.key()),
                );
            }
            Ok(other) => {
                self.metrics.event_refused(op);
                self.metrics.errors.record(
                    "event.bad-ack",
                    format!(
                        "{url} answered {} for {user} with {other:?} instead of its acknowledgement",
                        op.key()
                    ),
                );
            }
            Err(e) => {
                self.metrics.event_refused(op);
                self.metrics.errors.record(
                    "event.bad-ack",
                    format!(
                        "{url} answered {} for {user} with a body that does not read in dialect {} (dialect mismatch?): {e}",
                        op.key(),
                        self.dialect.name()
                    ),
                );
            }
        }
    }
}
