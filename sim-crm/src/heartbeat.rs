//! SAP's heartbeat and watchdog, as the IC's heartbeat profile configures them.
//!
//! The CRM polls the connector with `heartbeat`, naming a user known to be logged on (the "CMS
//! session availability" check). Repeated failures mark the CMS connection lost; when heartbeats
//! succeed again, or the connector no longer knows the session (the other side answered after a
//! failover), every agent logs on again. This is how the IC WebClient recovers after a connector
//! failover: SAP knows one URL and cannot tell which side is behind it.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use ici::Request;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use crate::agent::{Directive, Phase};
use crate::client::{IciClient, RequestError};
use crate::config::HeartbeatConfig;
use crate::metrics::CrmMetrics;

/// A heartbeat fault saying the probe user is unknown starts a relogon wave itself, which
/// answers any suspicion raised before it.
fn suspect_answered<T>(result: &Result<T, RequestError>) -> bool {
    matches!(result, Err(e @ RequestError::Fault(_)) if e.is_not_logged_on())
}

pub(crate) struct Heartbeat {
    pub client: Arc<IciClient>,
    pub config: HeartbeatConfig,
    pub probe: Arc<Mutex<Option<String>>>,
    /// An agent found its session unknown to the connector since the last tick.
    pub suspect: Arc<std::sync::atomic::AtomicU64>,
    pub control: watch::Sender<Directive>,
    pub metrics: Arc<CrmMetrics>,
    pub cancel: CancellationToken,
    pub name: String,
}

impl Heartbeat {
    pub async fn run(self) {
        let Some(interval) = self.config.interval else {
            return;
        };
        let mut ticker = tokio::time::interval(interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        let mut failures = 0u32;
        let mut lost = false;
        loop {
            tokio::select! {
                _ = self.cancel.cancelled() => return,
                _ = ticker.tick() => {}
            }
            if self.control.borrow().phase != Phase::Work {
                continue;
            }
            let user = crate::lock(&self.probe).clone();
            let result = self
                .client
                .send(&Request::Heartbeat { user }, Instant::now())
                .await;
            // An agent's session unknown to the connector means the side behind the CMS URL
            // changed (a failover the transport never saw, e.g. a proxy that switched sides
            // between two connections) while the probe user, logged on again meanwhile, passes:
            // every other agent is unknown there too and would never hear of it while idle.
            // The suspicion is consumed only by an answer (a failed heartbeat says nothing about
            // which side knows whom), and one raised before the last relogon wave is answered by
            // that wave: acting on it again would log on agents who have just done so.
            let answered = result.is_ok() || suspect_answered(&result);
            let raised = if answered {
                self.suspect.swap(0, std::sync::atomic::Ordering::SeqCst)
            } else {
                0
            };
            let suspect = raised != 0 && raised == self.control.borrow().relogon_epoch + 1;
            match result {
                Ok(_) => {
                    failures = 0;
                    if lost {
                        lost = false;
                        self.mark("watchdog: CMS connection back; agents log on again");
                        self.relogon();
                    } else if suspect {
                        self.mark(
                            "watchdog: the connector did not know an agent; agents log on again",
                        );
                        self.relogon();
                    }
                }
                Err(e @ RequestError::Fault(_)) if e.is_not_logged_on() => {
                    failures = 0;
                    lost = false;
                    self.mark("watchdog: CMS session not available; agents log on again");
                    self.relogon();
                }
                Err(_) => {
                    failures += 1;
                    if failures >= self.config.failures_to_lose && !lost {
                        lost = true;
                        self.mark("watchdog: CMS connection lost");
                    }
                }
            }
        }
    }

    fn mark(&self, what: &str) {
        tracing::info!(crm = %self.name, "{what}");
        self.metrics
            .timeline
            .mark(Instant::now(), format!("{}: {what}", self.name));
    }

    fn relogon(&self) {
        if !self.config.watchdog {
            return;
        }
        *crate::lock(&self.probe) = None;
        self.control.send_modify(|d| d.relogon_epoch += 1);
    }
}
