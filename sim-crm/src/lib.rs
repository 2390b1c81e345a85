//! # sim-crm: a simulated SAP CRM Interaction Center
//!
//! The SAP side of ICI: N agents (IC WebClient users) as state machines that log on, subscribe,
//! go ready, answer alerting calls after a ring delay, hang up after the talk time, wrap up and
//! go ready or not ready again; the ICI client that sends their requests to the connector; and
//! the event receiver the connector sends events to. The connector's URL comes the SAP way: CMS
//! profile → RFC destination → URL, with the SSL flags SAP has.
//!
//! - [`cms`]: CMS profile and RFC destination;
//! - [`config`]: agents, heartbeat, client;
//! - [`agent`]: one agent's state machine;
//! - `client`: requests, timed from their intended start;
//! - `receiver`: the event sink, with order checks;
//! - `heartbeat`: heartbeat and watchdog, which drive re-logon after a failover;
//! - [`calls`]: every call heard of, to prove each one ended;
//! - [`availability`]: when the CRM could reach its connector and had every agent on, by wall clock;
//! - [`metrics`]: what the CRM measured.

#![warn(missing_docs)]

pub mod agent;
pub mod availability;
pub mod calls;
mod client;
pub mod cms;
pub mod config;
mod heartbeat;
pub mod metrics;
mod receiver;

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use agent::{Agent, AgentContext, Directive, Phase};
use calls::{CallBook, CallBookSummary};
use metrics::{CrmCounts, CrmMetrics};
use stats::{ErrorEntry, LatencySummary};
use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use transport::{Gate, HttpServer, LinkSnapshot, ServerOptions, SoapClient};

pub use client::{IciClient, RequestError};
pub use cms::{CmsError, CmsProfile, RfcDestination};
pub use config::{AgentsConfig, CrmConfig, HeartbeatConfig};

/// How agents log on when work starts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum LogonPlan {
    /// All at once: the login storm of a shift start or a failover.
    Storm,
    /// Evenly spread at this many agents per second.
    Ramp {
        /// Agents starting their logon per second; 0 or less means all at once.
        per_second: f64,
    },
}

/// The CRM could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The CMS profile and RFC destination give no usable connector URL.
    #[error("{name}: {source}")]
    Cms {
        /// The CRM's name.
        name: String,
        /// What is wrong with the chain.
        #[source]
        source: CmsError,
    },
    /// The ICI client could not be built from the client options.
    #[error("{0}")]
    Client(#[from] transport::client::ClientBuildError),
    /// The event receiver could not listen on its address (or read back the bound address).
    #[error("{0}")]
    Listen(#[from] std::io::Error),
}

/// A running CRM with its agents.
pub struct Crm {
    name: String,
    server: HttpServer,
    client: Arc<IciClient>,
    metrics: Arc<CrmMetrics>,
    calls: Arc<CallBook>,
    control: watch::Sender<Directive>,
    gate: Gate,
    tasks: TaskTracker,
    cancel: CancellationToken,
    agents: usize,
    clock: availability::WallClock,
    sink_url: String,
}

/// Everything the CRM counted, for the report.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct CrmReport {
    /// The CRM's name (`crm`, `crm-2`).
    pub name: String,
    /// Agents configured.
    pub agents: usize,
    /// Agents logged on when the report was taken.
    pub logged_on: u64,
    /// Requests, events and agent actions counted over the run.
    pub counts: CrmCounts,
    /// Requests sent and not yet answered or failed when the report was taken.
    pub in_flight: i64,
    /// The calls heard of in events, and those still open.
    pub calls: CallBookSummary,
    /// The CRM as TLS client (requests).
    pub requests_link: LinkSnapshot,
    /// The CRM as TLS server (events).
    pub events_link: LinkSnapshot,
    /// Percentiles in ms by key: requests by operation, timed from their intended start, and the
    /// agents' talk and wrap-up times (`agent.*`).
    #[serde(rename = "latency_ms")]
    pub latency: BTreeMap<String, LatencySummary>,
    /// Errors by kind (`fault.*`, `request.*`, `event.*`, `dialect.mismatch`), each with its
    /// count and first message.
    pub errors: Vec<ErrorEntry>,
    /// When the connector was out of reach and agents were missing, in wall-clock time.
    pub availability: availability::Availability,
}

impl Crm {
    /// Binds `config.listen` and starts (see [`Crm::start_on`]).
    pub async fn start(config: CrmConfig, logon: LogonPlan) -> Result<Crm, StartError> {
        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .map_err(|e| {
                std::io::Error::new(
                    e.kind(),
                    format!("{}: cannot listen on {}: {e}", config.name, config.listen),
                )
            })?;
        Crm::start_on(listener, config, logon).await
    }

    /// Starts the event receiver on a bound listener, and the agents (idle until
    /// [`Crm::start_work`]). Binding first lets a harness learn every address before anything
    /// starts.
    pub async fn start_on(
        listener: tokio::net::TcpListener,
        config: CrmConfig,
        logon: LogonPlan,
    ) -> Result<Crm, StartError> {
        let name = config.name.clone();
        let url = config
            .cms
            .connector_url()
            .map_err(|source| StartError::Cms {
                name: name.clone(),
                source,
            })?;
        let clock = availability::WallClock::now();
        let metrics = Arc::new(CrmMetrics::new(Instant::now(), config.agents.count as u64));
        let soap = SoapClient::new(config.client.clone())?;
        let client = Arc::new(IciClient::new(
            soap,
            url,
            metrics.clone(),
            config.user_header.clone(),
            config.dialect.clone(),
        ));
        let calls = Arc::new(CallBook::default());
        let gate = Gate::default();
        let tasks = TaskTracker::new();
        let cancel = CancellationToken::new();
        let (control, control_rx) = watch::channel(Directive {
            phase: Phase::Idle,
            relogon_epoch: 0,
        });

        let count = config.agents.count;
        let mut inboxes = HashMap::with_capacity(count);
        let mut mailboxes = Vec::with_capacity(count);
        for index in 0..count {
            let (tx, rx) = mpsc::unbounded_channel();
            let session = Arc::new(Mutex::new(None));
            inboxes.insert(
                agent::user_name(&config.agents.user_prefix, index),
                receiver::Inbox::new(tx, session.clone()),
            );
            mailboxes.push((rx, session));
        }
        let receiver = Arc::new(receiver::Receiver {
            name: name.clone(),
            inboxes,
            calls: calls.clone(),
            metrics: metrics.clone(),
            dialect: config.dialect.clone(),
            unknown: config.unknown,
        });
        let router = axum::Router::new()
            .route(
                &config.event_path,
                axum::routing::post(receiver::receive_event)
                    .fallback(transport::not_found::not_post(&name)),
            )
            .fallback(transport::not_found::wrong_path(&name, &config.event_path))
            .with_state(receiver);
        let mut options = ServerOptions::new(name.clone(), config.tls.clone());
        options.gate = gate.clone();
        options.limits = config.server_limits;
        options.tap = config.server_tap.clone();
        let server = HttpServer::start(listener, router, options)?;
        let sink_url = config
            .sink_url
            .replace("{port}", &server.local_addr().port().to_string());

        let probe = Arc::new(Mutex::new(None));
        let suspect = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let ctx = Arc::new(AgentContext {
            client: client.clone(),
            config: Arc::new(config.agents.clone()),
            metrics: metrics.clone(),
            sink_url: sink_url.clone(),
            session_probe: probe.clone(),
            session_suspect: suspect.clone(),
        });
        for (index, (rx, session)) in mailboxes.into_iter().enumerate() {
            let offset = match logon {
                LogonPlan::Storm => Duration::ZERO,
                LogonPlan::Ramp { per_second } if per_second > 0.0 => {
                    stats::clamped_secs(index as f64 / per_second)
                }
                LogonPlan::Ramp { .. } => Duration::ZERO,
            };
            let task = format!(
                "{name} agent {}",
                agent::user_name(&config.agents.user_prefix, index)
            );
            let agent = Agent::new(index, rx, session, control_rx.clone(), ctx.clone(), offset);
            tasks.spawn(tasks::named(task, agent.run()));
        }
        tasks.spawn(tasks::named(
            format!("{name} heartbeat"),
            heartbeat::Heartbeat {
                client: client.clone(),
                config: config.heartbeat.clone(),
                probe,
                suspect,
                control: control.clone(),
                metrics: metrics.clone(),
                cancel: cancel.clone(),
                name: name.clone(),
            }
            .run(),
        ));
        tracing::info!(crm = %name, addr = %server.local_addr(), sink = %sink_url, connector = %client.url(), agents = count, "CRM started");
        Ok(Crm {
            name,
            server,
            client,
            metrics,
            calls,
            control,
            gate,
            tasks,
            cancel,
            agents: count,
            sink_url,
            clock,
        })
    }

    /// The CRM's name (`crm`, `crm-2`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Agents configured.
    pub fn agents(&self) -> usize {
        self.agents
    }

    /// The address the event receiver listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.server.local_addr()
    }

    /// The URL the connector sends events to.
    pub fn sink_url(&self) -> &str {
        &self.sink_url
    }

    /// What the CRM measures, live.
    pub fn metrics(&self) -> &Arc<CrmMetrics> {
        &self.metrics
    }

    /// The pause switch of the event receiver, for pause and resume faults.
    pub fn gate(&self) -> &Gate {
        &self.gate
    }

    /// See [`IciClient::probe_dialect`]; a mismatch is also recorded in the CRM's errors.
    pub async fn probe_dialect(&self) -> Result<(), String> {
        let result = self.client.probe_dialect().await;
        if let Err(why) = &result {
            self.metrics.errors.record("dialect.mismatch", why.clone());
        }
        result
    }

    /// Agents log on (as the logon plan says) and work.
    pub fn start_work(&self) {
        self.control.send_modify(|d| d.phase = Phase::Work);
    }

    /// Agents finish their calls and log off.
    pub fn log_off(&self) {
        self.control.send_modify(|d| d.phase = Phase::LogOff);
    }

    /// Makes every agent log on again now (what the watchdog does after a failover).
    pub fn relogon_all(&self) {
        self.control.send_modify(|d| d.relogon_epoch += 1);
    }

    /// Waits until `n` agents are logged on, or `timeout`. Returns whether they all were.
    pub async fn wait_logged_on(&self, n: u64, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        while self.metrics.logged_on() < n {
            if Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        true
    }

    /// Everything counted so far; the CRM keeps running.
    pub fn report(&self) -> CrmReport {
        CrmReport {
            name: self.name.clone(),
            agents: self.agents,
            logged_on: self.metrics.logged_on(),
            counts: self.metrics.counters.snapshot(),
            in_flight: self.metrics.in_flight(),
            calls: self.calls.summary(),
            requests_link: self.client.soap().stats(),
            events_link: self.server.stats().snapshot(),
            latency: self.metrics.latency.summaries(),
            errors: self.metrics.errors.entries(),
            availability: availability::Availability {
                unreachable: self.clock.false_spans(&self.metrics.reachable),
                below_full_strength: self.clock.false_spans(&self.metrics.full_strength),
            },
        }
    }

    /// Connections and handshakes of the event sink (this CRM as TLS server).
    pub fn server_link(&self) -> LinkSnapshot {
        self.server.stats().snapshot()
    }

    /// The call book, to account for calls a dead connector side took with it.
    pub fn calls(&self) -> &Arc<CallBook> {
        &self.calls
    }

    /// Stops the agents (requests in flight get up to `grace` to finish) but leaves the event
    /// receiver open. A run ends with this before its connectors shut down: a connector drains
    /// the events it still holds on the way out, and a receiver already closed would refuse
    /// them, reporting as lost what was only sent late.
    pub async fn stop_agents(&self, grace: Duration) {
        self.gate.resume();
        self.control.send_modify(|d| d.phase = Phase::Stop);
        self.cancel.cancel();
        self.tasks.close();
        let _ = tokio::time::timeout(grace, self.tasks.wait()).await;
    }

    /// Stops agents and the receiver; requests in flight get up to `grace` to finish. The report
    /// is taken before the receiver closes, so an event a connector still sends after that is
    /// refused, not counted: stop the connectors first (see [`stop_agents`](Self::stop_agents)).
    pub async fn shutdown(self, grace: Duration) -> CrmReport {
        self.stop_agents(grace).await;
        let report = self.report();
        self.server.shutdown(grace).await;
        report
    }
}

impl Crm {
    /// Dies at once, as a crashed process: agents stop, connections are cut, requests in flight
    /// are abandoned. Returns the final report.
    pub async fn kill(self) -> CrmReport {
        self.gate.resume();
        self.control.send_modify(|d| d.phase = Phase::Stop);
        self.cancel.cancel();
        let report = self.report();
        self.server.kill().await;
        self.tasks.close();
        report
    }
}

/// Locks a mutex, recovering the data if a panicking task poisoned it.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    match m.lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    }
}
