//! Faults applied to a running deployment, and its final shutdown.
//!
//! A component can be killed (it dies as a crashed process: connections cut, state lost, what it
//! held accounted for), restarted (fresh, on the same address), paused and resumed (SIGSTOP-like).
//! A hop can be delayed, black-holed, paused or reset, through the proxy's legs or the relays
//! inserted where a fault names a hop.

use std::time::{Duration, Instant};

use proxy::{Impairments, Leg};

use super::engine::RunningProxy;
use sim_connector::{Connector, ConnectorReport};
use sim_crm::{Crm, CrmReport};

use super::contact_center::ContactCenter;
use super::proxy_plan::{BACKEND, FRONTEND, ROUTE};
use super::{NetworkReport, Topology};
use scenario::{FaultAction, FaultSpec};

/// How long a graceful shutdown may take at the end of a run.
const GRACE: Duration = Duration::from_secs(5);

impl Topology {
    /// Applies one fault step (or undoes it). Returns what it did, for the log and the report.
    pub async fn apply(
        &mut self,
        spec: &FaultSpec,
        undo: bool,
        center: &ContactCenter,
    ) -> Result<String, String> {
        let target = spec.target.as_str();
        let action = if undo {
            undo_of(spec.action)
        } else {
            spec.action
        };
        if target.contains("->") {
            return self.impair_hop(target, action, spec, undo);
        }
        let done = match (action, target) {
            (FaultAction::Kill, "proxy") => self.kill_proxy().await,
            (FaultAction::Restart, "proxy") => self.restart_proxy().await,
            (FaultAction::Pause, "proxy") => self
                .running_proxy()?
                .pause()
                .map(|()| "proxy paused".to_owned()),
            (FaultAction::Resume, "proxy") => self
                .running_proxy()?
                .resume()
                .map(|()| "proxy resumed".to_owned()),
            (FaultAction::Reset, "proxy") => {
                let reset = self.running_proxy()?.reset_connections().await;
                Ok(format!("{reset} connections reset"))
            }
            (FaultAction::Kill, name) if name.starts_with("connector") => {
                self.kill_connector(name, center).await
            }
            (FaultAction::Restart, name) if name.starts_with("connector") => {
                self.restart_connector(name, center).await
            }
            (FaultAction::Kill, name) => self.kill_crm(name).await,
            (FaultAction::Restart, name) => self.restart_crm(name).await,
            (FaultAction::Pause | FaultAction::Resume, name) => {
                let pause = action == FaultAction::Pause;
                let gate = if name.starts_with("connector") {
                    self.connector(name).map(|c| c.gate().clone())
                } else {
                    self.crms
                        .iter()
                        .find(|c| c.name == name)
                        .and_then(|c| c.running.as_ref())
                        .map(|c| c.gate().clone())
                };
                let gate = gate.ok_or_else(|| format!("{name} is not running"))?;
                if pause {
                    gate.pause();
                } else {
                    gate.resume();
                }
                Ok(format!(
                    "{name} {}",
                    if pause { "paused" } else { "resumed" }
                ))
            }
            (action, name) => Err(format!("{} does not apply to {name}", action.as_str())),
        }?;
        Ok(done)
    }

    fn running_proxy(&self) -> Result<&RunningProxy, String> {
        self.proxy
            .as_ref()
            .and_then(|p| p.running.as_ref())
            .ok_or_else(|| "the proxy is not running".to_owned())
    }

    async fn kill_connector(
        &mut self,
        name: &str,
        center: &ContactCenter,
    ) -> Result<String, String> {
        let slot = self
            .sides
            .iter_mut()
            .find(|s| s.name == name)
            .ok_or_else(|| format!("no connector {name}"))?;
        let connector = slot
            .running
            .take()
            .ok_or_else(|| format!("{name} is not running"))?;
        // The contact center stops routing to the side before it dies: a call handed over
        // between the side's final account and the switch would be counted routed and never
        // taken.
        center.set_desks(self.call_desks());
        let now = Instant::now();
        let metrics = connector.metrics().clone();
        let report = connector.kill(&format!("{name} killed")).await;
        let dropped = report.killed.as_ref().map_or(0, |k| k.dropped_calls.len());
        let lost = report.killed.as_ref().map_or(0, |k| k.events_lost);
        if let Some(slot) = self.sides.iter_mut().find(|s| s.name == name) {
            slot.past.push((now, report));
            slot.past_metrics.push(metrics);
        }
        Ok(format!(
            "{name} killed: {dropped} calls dropped, {lost} events lost with it"
        ))
    }

    async fn restart_connector(
        &mut self,
        name: &str,
        center: &ContactCenter,
    ) -> Result<String, String> {
        let slot = self
            .sides
            .iter_mut()
            .find(|s| s.name == name)
            .ok_or_else(|| format!("no connector {name}"))?;
        if slot.running.is_some() {
            return Err(format!("{name} is running; kill it first"));
        }
        let connector = Connector::start(slot.config.clone())
            .await
            .map_err(|e| format!("{name} did not restart: {e}"))?;
        slot.running = Some(connector);
        center.set_desks(self.call_desks());
        Ok(format!(
            "{name} restarted, knowing nothing of its former agents and calls"
        ))
    }

    async fn kill_crm(&mut self, name: &str) -> Result<String, String> {
        let slot = self
            .crms
            .iter_mut()
            .find(|s| s.name == name)
            .ok_or_else(|| format!("no CRM {name}"))?;
        let crm = slot
            .running
            .take()
            .ok_or_else(|| format!("{name} is not running"))?;
        slot.past_metrics.push(crm.metrics().clone());
        slot.past.push((Instant::now(), crm.kill().await));
        Ok(format!("{name} killed"))
    }

    async fn restart_crm(&mut self, name: &str) -> Result<String, String> {
        let working = self.working;
        let slot = self
            .crms
            .iter_mut()
            .find(|s| s.name == name)
            .ok_or_else(|| format!("no CRM {name}"))?;
        if slot.running.is_some() {
            return Err(format!("{name} is running; kill it first"));
        }
        let crm = Crm::start(slot.config.clone(), slot.logon)
            .await
            .map_err(|e| format!("{name} did not restart: {e}"))?;
        if working {
            crm.start_work();
        }
        slot.running = Some(crm);
        Ok(format!("{name} restarted; its agents log on again"))
    }

    async fn kill_proxy(&mut self) -> Result<String, String> {
        let slot = self.proxy.as_mut().ok_or("no proxy in this deployment")?;
        let proxy = slot.running.take().ok_or("the proxy is not running")?;
        slot.changes.extend(proxy.state_changes());
        slot.last = Some(proxy.snapshot());
        proxy.kill().await;
        Ok("proxy killed".to_owned())
    }

    async fn restart_proxy(&mut self) -> Result<String, String> {
        let slot = self.proxy.as_mut().ok_or("no proxy in this deployment")?;
        if slot.running.is_some() {
            return Err("the proxy is running; kill it first".to_owned());
        }
        let proxy = slot
            .engine
            .restart(&slot.config)
            .await
            .map_err(|e| format!("the proxy did not restart: {e}"))?;
        slot.running = Some(proxy);
        Ok("proxy restarted".to_owned())
    }

    /// The fault handles of a hop: a proxy leg, or the relays on it.
    fn hop(&self, hop: &str) -> Result<Vec<Impairments>, String> {
        let leg = match hop.split_once("->") {
            Some(("crm", "proxy")) => Some(Leg::Frontend(FRONTEND.to_owned())),
            Some(("proxy", "crm")) => Some(Leg::Route(ROUTE.to_owned())),
            Some(("proxy", server)) => Some(Leg::Backend {
                backend: BACKEND.to_owned(),
                server: server.to_owned(),
            }),
            _ => None,
        };
        if let Some(leg) = leg {
            let proxy = self
                .proxy
                .as_ref()
                .and_then(|p| p.running.as_ref())
                .ok_or("the proxy is not running")?;
            return proxy.leg(&leg).map(|i| vec![i]).ok_or_else(|| match proxy {
                RunningProxy::Haproxy(_) => format!(
                    "{hop} runs through HAProxy, which has no fault switches on its legs; fault the proxy itself (kill, pause, reset) or use engine = \"embedded\""
                ),
                RunningProxy::Embedded(_) => format!("the proxy has no leg {leg:?}"),
            });
        }
        match self.relays.get(hop) {
            Some(relays) => Ok(relays.iter().map(|r| r.impairments()).collect()),
            None => Err(format!("no relay on {hop}")),
        }
    }

    fn impair_hop(
        &self,
        hop: &str,
        action: FaultAction,
        spec: &FaultSpec,
        undo: bool,
    ) -> Result<String, String> {
        impair(&self.hop(hop)?, hop, action, spec, undo)
    }
}

/// Applies a hop fault (or its undo) to the legs that carry the hop: the proxy's, or relays'.
pub fn impair(
    legs: &[Impairments],
    hop: &str,
    action: FaultAction,
    spec: &FaultSpec,
    undo: bool,
) -> Result<String, String> {
    let mut reset = 0;
    for leg in legs {
        match (action, undo) {
            (FaultAction::Latency, false) => leg.set_latency(
                spec.latency.unwrap_or_default(),
                spec.jitter.unwrap_or_default(),
            ),
            (FaultAction::Latency, true) => leg.set_latency(Duration::ZERO, Duration::ZERO),
            (FaultAction::Blackhole, _) => leg.set_blackhole(!undo),
            (FaultAction::Pause, _) => leg.pause(),
            (FaultAction::Resume, _) => leg.resume(),
            (FaultAction::Reset, _) => reset += leg.reset_connections(),
            (other, _) => {
                return Err(format!("{} does not apply to hop {hop}", other.as_str()));
            }
        }
    }
    Ok(match (action, undo) {
        (FaultAction::Reset, _) => format!("{reset} connections on {hop} reset"),
        (_, true) => format!("{} on {hop} ended", spec.action.as_str()),
        (a, false) => format!("{} on {hop}", a.as_str()),
    })
}

impl Topology {
    /// Shuts everything down; returns the reports of every CRM and connector instance (killed
    /// ones included) and what the proxy and relays saw.
    ///
    /// In the order a contact center closes: agents stop asking, the connectors deliver the
    /// events they still hold and stop, then the CRMs' receivers close. Closing a CRM first
    /// refused those last events (connection refused), and a CRM report taken while they still
    /// arrived missed some that the connector counted as delivered: both failed runs that had
    /// lost nothing.
    pub async fn shut_down(self) -> (Vec<CrmReport>, Vec<ConnectorReport>, NetworkReport) {
        let network = self.network();
        for crm in self.crms() {
            crm.stop_agents(GRACE).await;
        }
        let mut connectors = Vec::new();
        for slot in self.sides {
            connectors.extend(slot.past.into_iter().map(|(_, r)| r));
            if let Some(c) = slot.running {
                connectors.push(c.shutdown(GRACE).await);
            }
        }
        let mut crms = Vec::new();
        for slot in self.crms {
            crms.extend(slot.past.into_iter().map(|(_, r)| r));
            if let Some(crm) = slot.running {
                crms.push(crm.shutdown(GRACE).await);
            }
        }
        if let Some(p) = self.proxy.and_then(|p| p.running) {
            p.shutdown().await;
        }
        for relays in self.relays.into_values() {
            for r in relays {
                r.shutdown().await;
            }
        }
        (crms, connectors, network)
    }
}

/// What undoes a timed fault.
pub fn undo_of(action: FaultAction) -> FaultAction {
    match action {
        FaultAction::Pause => FaultAction::Resume,
        other => other,
    }
}
