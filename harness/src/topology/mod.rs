//! A deployment in one process: CRM(s), connector side(s), the reverse proxy and relays, wired by
//! host names, and the controls faults use to kill, restart, pause and impair them.
//!
//! Components find each other by the names their certificates carry (`crm.crmsim.test`,
//! `connector.crmsim.test`); each client maps those names to the loopback address of the
//! component, as `/etc/hosts` would, so TLS verifies names exactly as in a real installation.
//!
//! - `build`: addresses, material and start order of each deployment; each component starts
//!   from its value in the deployment plan (`plan`), as `crmsim serve` does from its file;
//! - [`contact_center`]: where calls come from: arrivals, the queue before any side has
//!   agents, and which side a call goes to (`rate_curve`: the arrival rate over a ramp);
//! - `control`: faults applied to components and hops, and the final shutdown;
//! - `engine`: the proxy, embedded or HAProxy, behind one interface;
//! - `material`: certificates (the customer's folders or a generated set);
//! - `loopback`: one loopback address per component.

mod build;
pub mod contact_center;
pub mod control;
pub mod engine;
mod loopback;
mod material;
mod proxy_plan;
mod rate_curve;

use std::collections::BTreeMap;
use std::time::Instant;

use proxy::{ProxyConfig, ProxySnapshot, Relay, ServerState, StateChange};
use sim_connector::{CallDesk, Connector, ConnectorConfig, ConnectorReport, Killed};
use sim_crm::{Crm, CrmConfig, CrmReport, LogonPlan};

pub use build::build;
pub use loopback::Loopback;
pub use material::{ConnectorSettings, MaterialError, Names, RunPki, SideMaterial};
pub use plan::SideTls;

/// The deployment could not be built.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The TLS material could not be loaded or made.
    #[error("{0}")]
    Material(#[from] MaterialError),
    /// A component (a CRM, a side, the proxy, a relay) could not be started or bound.
    #[error("starting {name} failed: {message}")]
    Start {
        /// The component (`crm`, `connector-a`, `proxy`, `relay crm->connector`…).
        name: String,
        /// Why it failed.
        message: String,
    },
    /// The scenario asks for a combination the deployment cannot be built with.
    #[error("{0}")]
    Unsupported(String),
}

/// A connector side: its configuration (to restart it on the same address), the running
/// instance if any, and the reports of instances that were killed.
pub struct ConnectorSlot {
    /// The side's name (`connector`, `connector-a`, `connector-b`).
    pub name: String,
    config: ConnectorConfig,
    running: Option<Connector>,
    /// Killed instances: when, and their final account.
    past: Vec<(Instant, ConnectorReport)>,
    /// Killed instances' latency books and timelines: what they measured before they died
    /// belongs in the run's latencies and per-second timeline.
    past_metrics: Vec<std::sync::Arc<sim_connector::metrics::ConnectorMetrics>>,
}

/// A CRM instance, likewise.
pub struct CrmSlot {
    /// The instance's name (`crm`, or `crm-1`, `crm-2`… with several).
    pub name: String,
    config: CrmConfig,
    logon: LogonPlan,
    running: Option<Crm>,
    /// Killed instances: when, and their final account.
    past: Vec<(Instant, CrmReport)>,
    /// Killed instances' latency books and timelines.
    past_metrics: Vec<std::sync::Arc<sim_crm::metrics::CrmMetrics>>,
}

/// The reverse proxy, likewise; its state changes outlive a killed instance.
pub struct ProxySlot {
    config: ProxyConfig,
    engine: engine::EngineSpec,
    running: Option<engine::RunningProxy>,
    changes: Vec<StateChange>,
    last: Option<ProxySnapshot>,
}

/// A running deployment.
pub struct Topology {
    crms: Vec<CrmSlot>,
    sides: Vec<ConnectorSlot>,
    proxy: Option<ProxySlot>,
    /// Relays inserted on hops that faults name, by hop (one per CRM port where needed).
    relays: BTreeMap<String, Vec<Relay>>,
    /// The run's TLS material (None with SSL off), e.g. for tests that dial the components.
    pub pki: Option<RunPki>,
    /// Problems found while setting up (e.g. a certificate without the dialled name).
    pub warnings: Vec<String>,
    /// Agents are working: a restarted CRM starts working at once.
    working: bool,
}

/// A connector side marked up or down by the proxy.
#[derive(Debug, Clone)]
pub struct SideChange {
    /// The server's name (the side).
    pub server: String,
    /// When the proxy marked it (monotonic, to compare with when a fault was applied).
    pub at_instant: Instant,
    /// Marked up (`true`) or down (`false`).
    pub to_up: bool,
    /// Which checks decided it, as the proxy said (`3 consecutive failed checks`…).
    pub reason: String,
}

pub use crate::outcome::NetworkReport;

impl Topology {
    /// Running CRM instances.
    pub fn crms(&self) -> impl Iterator<Item = &Crm> {
        self.crms.iter().filter_map(|s| s.running.as_ref())
    }

    /// Running connector sides.
    pub fn connectors(&self) -> impl Iterator<Item = &Connector> {
        self.sides.iter().filter_map(|s| s.running.as_ref())
    }

    /// The final accounts of connector instances that were killed: live figures add them, so
    /// that a kill does not make calls already completed or lost vanish from the counts.
    pub fn past_connectors(&self) -> impl Iterator<Item = &ConnectorReport> {
        self.sides
            .iter()
            .flat_map(|s| s.past.iter().map(|(_, r)| r))
    }

    /// The final accounts of CRM instances that were killed.
    pub fn past_crms(&self) -> impl Iterator<Item = &CrmReport> {
        self.crms.iter().flat_map(|s| s.past.iter().map(|(_, r)| r))
    }

    /// The latency books and timelines of killed instances, CRMs and connectors.
    pub fn past_books(&self) -> impl Iterator<Item = (&stats::LatencyBook, &stats::Timeline)> {
        let crms = self
            .crms
            .iter()
            .flat_map(|s| s.past_metrics.iter().map(|m| (&m.latency, &m.timeline)));
        let sides = self
            .sides
            .iter()
            .flat_map(|s| s.past_metrics.iter().map(|m| (&m.latency, &m.timeline)));
        crms.chain(sides)
    }

    /// Each connector side's timelines by side name, its killed instances' first, for the
    /// report's traffic per side.
    pub fn side_timelines(&self) -> Vec<(&str, Vec<&stats::Timeline>)> {
        self.sides
            .iter()
            .map(|s| {
                let mut timelines: Vec<&stats::Timeline> =
                    s.past_metrics.iter().map(|m| &m.timeline).collect();
                timelines.extend(s.running.as_ref().map(|c| &c.metrics().timeline));
                (s.name.as_str(), timelines)
            })
            .collect()
    }

    /// The running connector called `name`.
    pub fn connector(&self, name: &str) -> Option<&Connector> {
        self.sides
            .iter()
            .find(|s| s.name == name)
            .and_then(|s| s.running.as_ref())
    }

    /// Desks of the running sides, in preference order (A before B), for the contact center.
    pub fn call_desks(&self) -> Vec<CallDesk> {
        self.connectors().map(Connector::call_desk).collect()
    }

    /// Agents start working (logging on); CRMs restarted later start working at once.
    pub fn start_work(&mut self) {
        self.working = true;
        for crm in self.crms() {
            crm.start_work();
        }
    }

    /// Every transition of a connector side, across proxy restarts.
    pub fn state_changes(&self) -> Vec<SideChange> {
        let Some(slot) = &self.proxy else {
            return Vec::new();
        };
        let live = slot
            .running
            .as_ref()
            .map(engine::RunningProxy::state_changes)
            .unwrap_or_default();
        slot.changes
            .iter()
            .chain(&live)
            .map(|c| SideChange {
                server: c.server.clone(),
                at_instant: c.at_instant,
                to_up: c.to == ServerState::Up,
                reason: c.reason.clone(),
            })
            .collect()
    }

    /// The account of `side`'s instance killed at or after `at` (the first such kill).
    pub fn killed_report(&self, side: &str, at: Instant) -> Option<&Killed> {
        self.sides
            .iter()
            .find(|s| s.name == side)?
            .past
            .iter()
            .filter(|(killed_at, _)| *killed_at >= at)
            .find_map(|(_, r)| r.killed.as_ref())
    }

    /// Calls dropped, by reason, whose reason contains `text`, over every side and instance.
    pub fn drop_reasons_containing(&self, text: &str) -> Vec<(String, u64)> {
        let mut out: BTreeMap<String, u64> = BTreeMap::new();
        for side in &self.sides {
            let live = side.running.as_ref().map(Connector::counters);
            let past = side.past.iter().map(|(_, r)| r.acd.counters.clone());
            for counters in past.chain(live) {
                for (reason, n) in counters.drop_reasons {
                    if reason.contains(text) {
                        *out.entry(reason).or_default() += n;
                    }
                }
            }
        }
        out.into_iter().collect()
    }

    /// The proxy's and relays' counters now.
    pub fn network(&self) -> NetworkReport {
        let (proxy, state_changes) = match &self.proxy {
            Some(slot) => {
                let snapshot = slot
                    .running
                    .as_ref()
                    .map(engine::RunningProxy::snapshot)
                    .or(slot.last.clone());
                let mut changes = slot.changes.clone();
                if let Some(p) = &slot.running {
                    changes.extend(p.state_changes());
                }
                (snapshot, changes)
            }
            None => (None, Vec::new()),
        };
        NetworkReport {
            engine: self.proxy.as_ref().map(|p| p.engine.name()),
            proxy,
            state_changes,
            relays: self
                .relays
                .iter()
                .map(|(hop, relays)| (hop.clone(), relays.iter().map(Relay::snapshot).collect()))
                .collect(),
        }
    }
}
