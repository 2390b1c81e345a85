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
                        self.relogon("CMS connection back");
                    } else if suspect {
                        self.relogon("the connector did not know an agent");
                    }
                }
                Err(e @ RequestError::Fault(_)) if e.is_not_logged_on() => {
                    failures = 0;
                    lost = false;
                    self.relogon("CMS session not available");
                }
                Err(_) => {
                    failures += 1;
                    if failures >= self.config.failures_to_lose && !lost {
                        lost = true;
                        self.mark(&format!("{}: CMS connection lost", self.who()));
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

    /// Who acts on what the heartbeat finds: the watchdog, or the heartbeat alone.
    fn who(&self) -> &'static str {
        if self.config.watchdog {
            "watchdog"
        } else {
            "heartbeat"
        }
    }

    /// What the heartbeat found that calls for a new logon, marked on the timeline as what
    /// happens next: with the watchdog every agent logs on again, without it nobody does.
    fn relogon(&self, why: &str) {
        self.mark(&relogon_label(self.config.watchdog, why));
        if !self.config.watchdog {
            return;
        }
        *crate::lock(&self.probe) = None;
        self.control.send_modify(|d| d.relogon_epoch += 1);
    }
}

/// The timeline's words for a finding that calls for a new logon (`why`).
fn relogon_label(watchdog: bool, why: &str) -> String {
    if watchdog {
        format!("watchdog: {why}; agents log on again")
    } else {
        format!("heartbeat: {why}; no watchdog, so agents are not logged on again")
    }
}

#[cfg(test)]
mod label_tests {
    use super::relogon_label;

    #[test]
    fn without_the_watchdog_the_timeline_does_not_promise_a_relogon() {
        assert_eq!(
            relogon_label(true, "CMS connection back"),
            "watchdog: CMS connection back; agents log on again"
        );
        let off = relogon_label(false, "CMS connection back");
        assert!(off.starts_with("heartbeat: CMS connection back"), "{off}");
        assert!(
            !off.contains("log on again;") && off.contains("not logged on again"),
            "{off}"
        );
    }
}
