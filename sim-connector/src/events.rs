//! Sending events to the CRM: one ordered stream per agent and sink, retries, and accounting.
//!
//! The IC WebClient must see an agent's events in the order they happened (alerting before
//! connected), so each agent's events go through one queue with one sender task, and carry a
//! sequence number the CRM checks. Events enter the queue while the ACD is locked, in state-change
//! order; the sender tasks do the network work outside the lock.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

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
    pub retry_backoff: Duration,
}

/// One event waiting in its stream.
struct Outgoing {
    sequence: u64,
    at: Instant,
    timestamp: String,
    body: EventBody,
}

struct Stream {
    sequence: u64,
    tx: mpsc::UnboundedSender<Outgoing>,
}

/// The [`EventOutlet`] of a running connector.
pub struct StreamOutlet {
    streams: HashMap<(String, String), Stream>,
    shared: Arc<Senders>,
}

/// What every sender task shares.
pub struct Senders {
    delivery: EventDelivery,
    clients: Mutex<HashMap<String, SoapClient>>,
    metrics: Arc<ConnectorMetrics>,
    gate: Gate,
    tasks: TaskTracker,
    /// Cancelled when the connector is killed: queued events die with it.
    cancel: CancellationToken,
}

impl StreamOutlet {
    pub fn new(
        delivery: EventDelivery,
        metrics: Arc<ConnectorMetrics>,
        gate: Gate,
        tasks: TaskTracker,
        cancel: CancellationToken,
    ) -> StreamOutlet {
        StreamOutlet {
            streams: HashMap::new(),
            shared: Arc::new(Senders {
                delivery,
                clients: Mutex::new(HashMap::new()),
                metrics,
                gate,
                tasks,
                cancel,
            }),
        }
    }

    pub fn senders(&self) -> Arc<Senders> {
        self.shared.clone()
    }
}

impl EventOutlet for StreamOutlet {
    fn send(&mut self, sink: &str, user: &str, body: EventBody, at: Instant) {
        let key = (user.to_owned(), sink.to_owned());
        let stream = match self.streams.get_mut(&key) {
            Some(stream) if !stream.tx.is_closed() => stream,
            _ => {
                let (tx, rx) = mpsc::unbounded_channel();
                let shared = self.shared.clone();
                let sink = sink.to_owned();
                let user_name = user.to_owned();
                self.shared
                    .tasks
                    .spawn(async move { shared.run_stream(rx, sink, user_name).await });
                self.streams
                    .entry(key)
                    .insert_entry(Stream { sequence: 0, tx })
                    .into_mut()
            }
        };
        stream.sequence += 1;
        let outgoing = Outgoing {
            sequence: stream.sequence,
            at,
            timestamp: rfc3339_now(),
            body,
        };
        if stream.tx.send(outgoing).is_err() {
            self.shared.metrics.event_failed();
            self.shared.metrics.errors.record(
                "event.stream-closed",
                format!("event for {user} dropped: its sender stopped"),
            );
        }
    }

    fn close(&mut self, user: &str) {
        // Dropping the senders lets each stream task finish what is queued, then end.
        self.streams.retain(|(u, _), _| u != user);
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

    async fn run_stream(
        &self,
        mut rx: mpsc::UnboundedReceiver<Outgoing>,
        sink: String,
        user: String,
    ) {
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
                        _ = self.deliver(client, url, &user, out) => {}
                    }
                }
                Err(why) => {
                    self.metrics.event_failed();
                    self.metrics.errors.record(
                        "event.sink",
                        format!("events for {user} cannot be sent: {why}"),
                    );
                }
            }
        }
    }

    async fn deliver(&self, client: &SoapClient, url: &str, user: &str, out: Outgoing) {
        let op = out.body.operation();
        let event = Event {
            sequence: out.sequence,
            timestamp: out.timestamp,
            body: out.body,
        };
        let xml = ici::encode_event(&event);
        let action = op.soap_action();
        let mut attempt = 0;
        loop {
            match client.post(url, &action, xml.clone(), &[]).await {
                Ok(reply) => {
                    match ici::decode(&reply.body) {
                        Ok(Message::EventAck(acked)) if acked == op && reply.status == 200 => {
                            self.metrics.event_delivered();
                            let now = Instant::now();
                            self.metrics.latency.record(op.key(), now - out.at);
                            self.metrics.timeline.count("events", now, 1);
                            self.metrics.timeline.latency("event", now, now - out.at);
                        }
                        Ok(Message::Fault(fault)) => {
                            self.metrics.event_refused();
                            self.metrics.errors.record(
                                "event.refused",
                                format!(
                                    "{url} refused {} #{} for {user}: {fault}",
                                    op.key(),
                                    event.sequence
                                ),
                            );
                        }
                        Ok(other) => {
                            self.metrics.event_refused();
                            self.metrics.errors.record(
                                "event.bad-ack",
                                format!("{url} answered {} for {user} with {other:?} instead of its acknowledgement", op.key()),
                            );
                        }
                        Err(e) => {
                            self.metrics.event_refused();
                            self.metrics.errors.record(
                                "event.bad-ack",
                                format!(
                                    "{url} answered {} for {user} with an unreadable body: {e}",
                                    op.key()
                                ),
                            );
                        }
                    }
                    return;
                }
                Err(e) if attempt < self.delivery.retries => {
                    attempt += 1;
                    self.metrics.event_retried();
                    tracing::debug!(error = %e, attempt, "event delivery failed; retrying");
                    tokio::time::sleep(self.delivery.retry_backoff * attempt).await;
                }
                Err(e) => {
                    self.metrics.event_failed();
                    self.metrics.errors.record(
                        &format!("event.delivery.{}", e.key()),
                        format!(
                            "{} #{} for {user} not delivered after {} attempts: {e}",
                            op.key(),
                            event.sequence,
                            attempt + 1
                        ),
                    );
                    return;
                }
            }
        }
    }
}
