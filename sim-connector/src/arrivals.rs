//! The call generator: inbound calls arrive on schedule, whatever the system's state.
//!
//! This is the open workload model: arrivals do not wait for the system to cope. Each call has
//! an *intended* arrival time; if the generator wakes late (a busy machine, a paused connector),
//! it still offers the call with its intended time, so latencies count from when the caller
//! really called, and it counts the late start.

use std::sync::Arc;
use std::time::Duration;

use rand::SeedableRng;
use rand::rngs::SmallRng;
use rand_distr::{Distribution, Exp};
use tokio::sync::watch;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use transport::Gate;

use crate::Shared;

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

/// The connector's own call generator: how it spaces calls and whether it needs agents. The rate is
/// set while running ([`crate::Connector::set_call_rate`]).
#[derive(Debug, Clone)]
pub struct ArrivalConfig {
    /// How the gaps between arrivals are drawn.
    pub process: ArrivalProcess,
    /// Offer calls only while at least one agent is logged on here. With sides A and B, the
    /// contact center routes calls to agents whose desktop is connected; a side without agents
    /// gets none.
    pub only_with_agents: bool,
    /// An arrival offered later than this after its intended time counts as late.
    pub late_tolerance: Duration,
    /// Seed of the gaps' random draws, so that a run's schedule can be repeated.
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

/// Inter-arrival gaps of one arrival process: the generator here and the harness's contact
/// center (which spreads calls over connector sides) draw from the same schedule.
pub struct Schedule {
    process: ArrivalProcess,
    rng: SmallRng,
}

impl Schedule {
    /// A schedule of `process`, its random draws seeded with `seed`.
    pub fn new(process: ArrivalProcess, seed: u64) -> Schedule {
        Schedule {
            process,
            rng: SmallRng::seed_from_u64(seed),
        }
    }

    /// A draw of the unit-rate process: 1 for constant arrivals, Exp(1) for Poisson. Scaled by
    /// a rate (or a rate's integral over a ramp), it gives the next arrival.
    pub fn unit(&mut self) -> f64 {
        match self.process {
            ArrivalProcess::Constant => 1.0,
            ArrivalProcess::Poisson => rand_distr::Exp1.sample(&mut self.rng),
        }
    }

    /// The gap to the next arrival at `rate` calls per second (which must be positive).
    pub fn gap(&mut self, rate: f64) -> Duration {
        match self.process {
            ArrivalProcess::Constant => stats::clamped_secs(1.0 / rate),
            ArrivalProcess::Poisson => match Exp::new(rate) {
                Ok(exp) => stats::clamped_secs(exp.sample(&mut self.rng)),
                Err(_) => stats::clamped_secs(1.0 / rate),
            },
        }
    }
}

pub(crate) struct Generator {
    pub shared: Arc<Shared>,
    pub gate: Gate,
    pub config: ArrivalConfig,
    pub rate: watch::Receiver<f64>,
    pub cancel: CancellationToken,
}

impl Generator {
    pub async fn run(mut self) {
        let mut schedule = Schedule::new(self.config.process, self.config.seed);
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
                intended += schedule.gap(rate);
                tokio::select! {
                    _ = self.cancel.cancelled() => return,
                    changed = self.rate.changed() => {
                        if changed.is_err() { return }
                        break;
                    }
                    _ = tokio::time::sleep_until(intended) => {
                        self.gate.wait().await;
                        self.shared.generate_call(intended.into_std(), self.config.only_with_agents);
                    }
                }
            }
        }
    }
}
