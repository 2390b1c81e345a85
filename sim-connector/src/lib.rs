//! # sim-connector: a simulated CRMConnectorSAP
//!
//! The connector side of ICI: an HTTP(S) server that SAP CRM sends requests to, a contact-center
//! model behind it (calls arriving on a queue, routed to the longest-idle ready agent, alerting,
//! answered, talked, hung up, wrapped up), and an event sender that reports every state change to
//! the CRM's event sink, in order, with a client certificate.
//!
//! - [`acd`]: the contact center as a pure state machine (tested without sockets);
//! - `service`: the ICI endpoint (decode, check, dispatch, encode);
//! - [`events`]: ordered event streams per agent, retries, the static proxy route;
//! - [`arrivals`]: the open-model call generator;
//! - `timers`: all ACD timers in one delay queue;
//! - [`metrics`]: what the connector measured.
//!
//! [`Connector`] ties them together and is what the harness and `crmsim serve connector` run.

#![warn(missing_docs)]

pub mod acd;
pub mod arrivals;
mod clock;
pub mod events;
pub mod metrics;
mod service;
mod timers;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use acd::{Acd, AcdConfig, AcdConfigError, AcdCounters, AcdSnapshot};
use arrivals::{ArrivalConfig, Generator};
use events::{EventDelivery, Senders, StreamOutlet};
use metrics::{ConnectorMetrics, EventCounts};
use stats::{ErrorEntry, LatencySummary};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use transport::{Gate, HttpServer, LinkSnapshot, ServerOptions};

/// Everything a connector needs to run.
#[derive(Clone)]
pub struct ConnectorConfig {
    /// `connector`, `connector-a`, `connector-b`: names logs, errors and ids.
    pub name: String,
    /// Address the ICI endpoint binds in [`Connector::start`]; [`Connector::start_on`] ignores it.
    pub listen: SocketAddr,
    /// Path of the ICI endpoint (usually the dialect's [`ici::Dialect::connector_path`]).
    pub path: String,
    /// `Some` when `TpiDllParameter` says SSL: the server side of the connector's certificate.
    pub tls: Option<Arc<rustls::ServerConfig>>,
    /// How events reach the CRMs' sinks: client, static proxy route, retries, lanes.
    pub events: EventDelivery,
    /// The contact center's rules.
    pub acd: AcdConfig,
    /// The connector's own call generator (idle until [`Connector::set_call_rate`]).
    pub arrivals: ArrivalConfig,
    /// The wire dialect the connector speaks, on its endpoint and to the CRMs' sinks.
    pub dialect: Arc<ici::Dialect>,
    /// The endpoint's connection limit and timeouts.
    pub server_limits: transport::ServerLimits,
    /// Sees every request and answer at the endpoint (discovery mode's recording).
    pub server_tap: Option<Arc<dyn transport::Tap>>,
    /// What a request the dialect does not know is answered.
    pub unknown: ici::UnknownAnswer,
}

/// The connector could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The ACD configuration is unusable.
    #[error("{name}: {source}")]
    Config {
        /// The connector's name.
        name: String,
        /// What is wrong with the configuration.
        #[source]
        source: AcdConfigError,
    },
    /// The listen address could not be bound, or the endpoint not started on it.
    #[error("{0}")]
    Listen(#[from] std::io::Error),
}

/// State shared by the endpoint, the timers, the generator and the event senders.
pub(crate) struct Shared {
    name: String,
    acd: Arc<Mutex<Acd>>,
    timers: timers::Timers,
    metrics: Arc<ConnectorMetrics>,
    late_tolerance: Duration,
    dialect: Arc<ici::Dialect>,
    unknown: ici::UnknownAnswer,
}

impl Shared {
    /// Offers a call that arrived (was meant to arrive) at `intended`. With `require_agents`,
    /// a connector without logged-on agents does not take it and returns `None`.
    fn take_call(&self, intended: Instant, require_agents: bool) -> Option<String> {
        let now = Instant::now();
        let (id, timers) = {
            let mut acd = lock(&self.acd);
            // A killed side takes nothing more: its final account is already taken, and a
            // call offered now would be in no report.
            if acd.is_dead() || (require_agents && acd.logged_on() == 0) {
                return None;
            }
            let id = acd.offer_call(intended, now);
            (id, acd.take_timers())
        };
        self.timers.arm(timers);
        self.metrics.timeline.count("calls.offered", intended, 1);
        Some(id)
    }

    /// The connector's own generator offers a call; how late it woke counts as its lateness.
    pub(crate) fn generate_call(&self, intended: Instant, require_agents: bool) {
        if self.take_call(intended, require_agents).is_none() {
            return;
        }
        let lateness = Instant::now().saturating_duration_since(intended);
        self.metrics.latency.record("arrival.lateness", lateness);
        if lateness > self.late_tolerance {
            self.metrics.late_arrival();
        }
    }
}

/// A handle through which a contact center in front of several connector sides hands calls to
/// this connector (the harness's in-process contact center holds one per side).
#[derive(Clone)]
pub struct CallDesk {
    shared: Arc<Shared>,
}

impl CallDesk {
    /// Offers a call that arrived at `intended` (the caller's patience counts from then).
    /// `None` when no agent is logged on here: the call must go elsewhere or wait.
    pub fn offer(&self, intended: Instant) -> Option<String> {
        self.shared.take_call(intended, true)
    }

    /// Which connector this desk belongs to.
    pub fn name(&self) -> &str {
        &self.shared.name
    }
}

/// A running connector.
pub struct Connector {
    name: String,
    shared: Arc<Shared>,
    server: HttpServer,
    senders: Arc<Senders>,
    rate: watch::Sender<f64>,
    gate: Gate,
    tasks: TaskTracker,
    cancel: CancellationToken,
}

/// What a killed connector took with it, so that the run accounts for it.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct Killed {
    /// Why it was killed (`connector-a killed`); also the drop reason of its calls.
    pub reason: String,
    /// Calls active at the kill, ended as dropped with `reason`.
    pub dropped_calls: Vec<String>,
    /// Events queued at the kill: never sent, or sent and never acknowledged.
    pub events_lost: u64,
}

/// Everything the connector counted, for the report.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct ConnectorReport {
    /// The connector's name (`connector-a`).
    pub name: String,
    /// The contact center at report time: counters, agents, queue, calls not yet ended.
    pub acd: AcdSnapshot,
    /// Events acknowledged, failed, retried and refused.
    pub events: EventCounts,
    /// Set when the connector was killed: what died with it.
    pub killed: Option<Killed>,
    /// Calls the connector's own generator offered more than `late_tolerance` after their intended
    /// time (it fell behind); calls handed in through a [`CallDesk`] are not judged.
    pub late_arrivals: u64,
    /// Incoming request connections (this connector as TLS server).
    pub requests_link: LinkSnapshot,
    /// Outgoing event connections (this connector as TLS client).
    pub events_link: LinkSnapshot,
    /// Latency percentiles in ms by key: `server.<operation>` (decoding and handling a request),
    /// `event.<name>` (state change to the CRM's acknowledgement), `arrival.lateness`.
    #[serde(rename = "latency_ms")]
    pub latency: std::collections::BTreeMap<String, LatencySummary>,
    /// Errors by kind (`event.refused`, `event.delivery.<kind>`, `request.refused`…): count and
    /// first message.
    pub errors: Vec<ErrorEntry>,
}

impl Connector {
    /// Binds `config.listen` and starts (see [`Connector::start_on`]).
    pub async fn start(config: ConnectorConfig) -> Result<Connector, StartError> {
        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .map_err(|e| {
                std::io::Error::new(
                    e.kind(),
                    format!("{}: cannot listen on {}: {e}", config.name, config.listen),
                )
            })?;
        Connector::start_on(listener, config).await
    }

    /// Starts the endpoint on a bound listener, the timers and the (idle) call generator.
    /// Binding first lets a harness learn every address before anything starts.
    pub async fn start_on(
        listener: tokio::net::TcpListener,
        config: ConnectorConfig,
    ) -> Result<Connector, StartError> {
        let started = Instant::now();
        let metrics = Arc::new(ConnectorMetrics::new(started));
        let gate = Gate::default();
        let tasks = TaskTracker::new();
        let cancel = CancellationToken::new();
        let outlet = StreamOutlet::new(
            config.events.clone(),
            config.dialect.clone(),
            metrics.clone(),
            gate.clone(),
            tasks.clone(),
            cancel.clone(),
        );
        let senders = outlet.senders();
        let mut acd = Acd::new(config.acd.clone(), Box::new(outlet)).map_err(|source| {
            StartError::Config {
                name: config.name.clone(),
                source,
            }
        })?;
        let initial_timers = acd.take_timers();
        let acd = Arc::new(Mutex::new(acd));
        let timers = timers::Timers::spawn(
            &config.name,
            acd.clone(),
            gate.clone(),
            &tasks,
            cancel.clone(),
        );
        timers.arm(initial_timers);
        let shared = Arc::new(Shared {
            name: config.name.clone(),
            acd: acd.clone(),
            timers: timers.clone(),
            metrics: metrics.clone(),
            late_tolerance: config.arrivals.late_tolerance,
            dialect: config.dialect.clone(),
            unknown: config.unknown,
        });
        let router = axum::Router::new()
            .route(
                &config.path,
                axum::routing::post(service::ici_request)
                    .fallback(transport::not_found::not_post(&config.name)),
            )
            .fallback(transport::not_found::wrong_path(&config.name, &config.path))
            .with_state(shared.clone());
        let mut options = ServerOptions::new(config.name.clone(), config.tls.clone());
        options.gate = gate.clone();
        options.limits = config.server_limits;
        options.tap = config.server_tap.clone();
        let server = HttpServer::start(listener, router, options)?;
        let (rate, rate_rx) = watch::channel(0.0);
        tasks.spawn(tasks::named(
            format!("{} call generator", config.name),
            Generator {
                shared: shared.clone(),
                gate: gate.clone(),
                config: config.arrivals.clone(),
                rate: rate_rx,
                cancel: cancel.clone(),
            }
            .run(),
        ));
        tracing::info!(connector = %config.name, addr = %server.local_addr(), tls = config.tls.is_some(), "connector listening");
        Ok(Connector {
            name: config.name,
            shared,
            server,
            senders,
            rate,
            gate,
            tasks,
            cancel,
        })
    }

    /// The connector's name (`connector`, `connector-a`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The address the ICI endpoint listens on (with the real port when port 0 was asked).
    pub fn local_addr(&self) -> SocketAddr {
        self.server.local_addr()
    }

    /// A handle to hand calls to this connector from outside (see [`CallDesk`]).
    pub fn call_desk(&self) -> CallDesk {
        CallDesk {
            shared: self.shared.clone(),
        }
    }

    /// Calls per second offered from now on by the connector's own generator; 0 stops it.
    pub fn set_call_rate(&self, per_second: f64) {
        self.rate.send_replace(per_second.max(0.0));
    }

    /// What the connector measures, shared with its tasks and read live by the harness.
    pub fn metrics(&self) -> &Arc<ConnectorMetrics> {
        &self.shared.metrics
    }

    /// The pause switch (SIGSTOP-like): nothing is answered, sent or fired while paused.
    pub fn gate(&self) -> &Gate {
        &self.gate
    }

    /// Agents by work mode and calls right now, for live metrics.
    pub fn acd_gauges(&self) -> acd::AcdGauges {
        lock(&self.shared.acd).gauges()
    }

    /// Agents, calls and counters right now.
    pub fn acd_snapshot(&self) -> AcdSnapshot {
        lock(&self.shared.acd).snapshot()
    }

    /// Everything counted so far, with `killed` unset; [`Connector::shutdown`], [`Connector::stop`]
    /// and [`Connector::kill`] return the final one.
    pub fn report(&self) -> ConnectorReport {
        let metrics = &self.shared.metrics;
        ConnectorReport {
            name: self.name.clone(),
            acd: self.acd_snapshot(),
            events: metrics.events(),
            killed: None,
            late_arrivals: metrics.late_arrivals(),
            requests_link: self.server.stats().snapshot(),
            events_link: self.senders.link_stats(),
            latency: metrics.latency.summaries(),
            errors: metrics.errors.entries(),
        }
    }

    /// Connections and handshakes of the ICI endpoint (this connector as TLS server).
    pub fn server_link(&self) -> LinkSnapshot {
        self.server.stats().snapshot()
    }

    /// Counters right now.
    pub fn counters(&self) -> AcdCounters {
        lock(&self.shared.acd).counters().clone()
    }

    /// No call active and no event waiting to be delivered.
    pub fn is_idle(&self) -> bool {
        lock(&self.shared.acd).active_calls() == 0 && self.events_in_flight() == 0
    }

    /// Events handed to the sender and not yet delivered, failed or refused.
    pub fn events_in_flight(&self) -> u64 {
        let emitted = lock(&self.shared.acd).counters().events_emitted;
        self.shared.metrics.events().in_flight(emitted)
    }

    /// Stops arrivals and the endpoint, gives queued events up to `grace` to go out, and
    /// returns the final report.
    pub async fn shutdown(self, grace: Duration) -> ConnectorReport {
        self.set_call_rate(0.0);
        self.gate.resume();
        let deadline = Instant::now() + grace;
        while self.events_in_flight() > 0 && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let report = self.report();
        self.cancel.cancel();
        self.server.shutdown(grace).await;
        self.tasks.close();
        let _ = tokio::time::timeout(grace, self.tasks.wait()).await;
        report
    }

    /// Stops as an operator stops a connector (`docker stop`, SIGTERM): no new calls; the calls
    /// it still holds end as dropped with `reason`, and the CRM is told by event, so none is
    /// left without an outcome; then as [`shutdown`](Self::shutdown).
    pub async fn stop(self, grace: Duration, reason: &str) -> ConnectorReport {
        self.set_call_rate(0.0);
        lock(&self.shared.acd).drop_all_calls(reason, Instant::now());
        self.shutdown(grace).await
    }

    /// Dies at once, as a crashed process: connections cut, queued events lost. The calls it
    /// held are ended as dropped with `reason`, so the run accounts for each of them, and the
    /// final report is returned.
    pub async fn kill(self, reason: &str) -> ConnectorReport {
        self.cancel.cancel();
        self.gate.resume();
        let dropped = lock(&self.shared.acd).die(reason, Instant::now());
        let mut report = self.report();
        // In flight by the report's own counters: a delivery acknowledged after the report was
        // taken would otherwise count neither as delivered nor as in flight, yet the CRM has it.
        let events_lost = report.events.in_flight(report.acd.counters.events_emitted);
        report.killed = Some(Killed {
            reason: reason.to_owned(),
            dropped_calls: dropped,
            events_lost,
        });
        self.server.kill().await;
        self.tasks.close();
        report
    }
}

/// Locks a mutex, recovering the data if a panicking task poisoned it: the simulator's state is
/// still the best account of the run.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    match m.lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    }
}
