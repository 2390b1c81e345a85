//! The call generator: inbound calls arrive on schedule, whatever the system's state.
//!
//! This is the open workload model: arrivals do not wait for the system to cope. Each call has
//! an *intended* arrival time; if the generator wakes late (a busy machine, a paused connector),
//! it still offers the call with its intended time, so latencies count from when the caller
//! really called, and it counts the late start.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use rand::SeedableRng;
use rand::rngs::SmallRng;
use rand_distr::{Distribution, Exp};
use tokio::sync::watch;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use transport::Gate;

use crate::acd::Acd;
use crate::lock;
use crate::metrics::ConnectorMetrics;
use crate::timers::Timers;

/// How inter-arrival times are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ArrivalProcess {
    /// Exponential gaps: calls arrive as independent callers do.
    #[default]
    Poisson,
    /// Equal gaps.
    Constant,
}

#[derive(Debug, Clone)]
pub struct ArrivalConfig {
    pub process: ArrivalProcess,
    /// Offer calls only while at least one agent is logged on here. With sides A and B, the
    /// contact center routes calls to agents whose desktop is connected; a side without agents
    /// gets none.
    pub only_with_agents: bool,
    /// An arrival offered later than this after its intended time counts as late.
    pub late_tolerance: Duration,
    pub seed: u64,
}

impl Default for ArrivalConfig {
    fn default() -> Self {
        ArrivalConfig {
            process: ArrivalProcess::Poisson,
            only_with_agents: true,
            late_tolerance: Duration::from_millis(50),
            seed: 7,
        }
    }
}

pub(crate) struct Generator {
    pub acd: Arc<Mutex<Acd>>,
    pub timers: Timers,
    pub metrics: Arc<ConnectorMetrics>,
    pub gate: Gate,
    pub config: ArrivalConfig,
    pub rate: watch::Receiver<f64>,
    pub cancel: CancellationToken,
}

impl Generator {
    pub async fn run(mut self) {
        let mut rng = SmallRng::seed_from_u64(self.config.seed);
        loop {
            let rate = *self.rate.borrow_and_update();
            if rate <= 0.0 {
                tokio::select! {
                    _ = self.cancel.cancelled() => return,
                    changed = self.rate.changed() => if changed.is_err() { return },
                }
                continue;
            }
            // A new rate starts a new schedule from now.
            let mut intended = Instant::now();
            loop {
                intended += self.gap(rate, &mut rng);
                tokio::select! {
                    _ = self.cancel.cancelled() => return,
                    changed = self.rate.changed() => {
                        if changed.is_err() { return }
                        break;
                    }
                    _ = tokio::time::sleep_until(intended) => self.offer(intended.into_std()).await,
                }
            }
        }
    }

    fn gap(&self, rate: f64, rng: &mut SmallRng) -> Duration {
        match self.config.process {
            ArrivalProcess::Constant => Duration::from_secs_f64(1.0 / rate),
            ArrivalProcess::Poisson => match Exp::new(rate) {
                Ok(exp) => Duration::from_secs_f64(exp.sample(rng)),
                Err(_) => Duration::from_secs_f64(1.0 / rate),
            },
        }
    }

    async fn offer(&self, intended: std::time::Instant) {
        self.gate.wait().await;
        let timers = {
            let mut acd = lock(&self.acd);
            if self.config.only_with_agents && acd.logged_on() == 0 {
                return;
            }
            acd.offer_call(intended);
            acd.take_timers()
        };
        self.timers.arm(timers);
        let now = std::time::Instant::now();
        let lateness = now.saturating_duration_since(intended);
        self.metrics.latency.record("arrival.lateness", lateness);
        self.metrics.timeline.count("calls.offered", intended, 1);
        if lateness > self.config.late_tolerance {
            self.metrics.late_arrival();
        }
    }
}
