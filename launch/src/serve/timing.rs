//! What a served component's report carries beyond the simulator's own account: its seconds
//! placed in wall-clock time and, for a CRM given a warm-up, its latencies of the steady phase.
//! With them a run of separate processes (`crmsim run --processes`) reads the steady phase's
//! call rate and latencies off the components' reports, as a run in process does off its book.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use sim_crm::metrics::CrmMetrics;
use stats::{LatencySummary, SecondSnapshot, Timeline};

/// A component's report with its timeline beside it: what `serve crm|connector --json` writes,
/// and what a run of separate processes reads back (into the same types, so a renamed or
/// missing key is an error naming the file, not a silent 0).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Timed<R> {
    /// The component's own report, its keys at the top level.
    #[serde(flatten)]
    pub report: R,
    /// Per-second counts and latencies since the start.
    pub timeline: Seconds,
    /// The CRM's steady phase: from the end of its `warmup` to its stop.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub steady: Option<Steady>,
}

/// Per-second counts (`calls.offered`, `requests`, `events` …) and latencies.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Seconds {
    /// Wall-clock time of second 0, in Unix milliseconds: lines the seconds up with other
    /// processes' and with the runner's phases.
    pub started_unix_ms: u64,
    /// One snapshot per second, from second 0.
    pub seconds: Vec<SecondSnapshot>,
}

/// Latency summaries of the steady phase (keys as in the report's `latency_ms`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Steady {
    /// Latency summaries by key, in milliseconds.
    pub latency_ms: BTreeMap<String, LatencySummary>,
}

/// The timeline so far, with its start in wall-clock time.
pub fn seconds(timeline: &Timeline) -> Seconds {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let started = now.saturating_sub(timeline.start().elapsed());
    Seconds {
        started_unix_ms: u64::try_from(started.as_millis()).unwrap_or(u64::MAX),
        seconds: timeline.snapshot(),
    }
}

/// The phases of a served CRM's latency book: `warmup` from the start, `steady` after it until
/// the stop, `logoff` from then on (the shift's end is not the workload's steady state).
pub struct Phases {
    metrics: Arc<CrmMetrics>,
    switch: tokio::task::JoinHandle<()>,
}

impl Phases {
    /// Starts the warm-up now; the steady phase begins after `warmup`.
    pub fn start(metrics: Arc<CrmMetrics>, warmup: Duration) -> Phases {
        metrics.latency.set_phase("warmup");
        let later = metrics.clone();
        let switch = tokio::spawn(tasks::named("steady phase", async move {
            tokio::time::sleep(warmup).await;
            later.latency.set_phase("steady");
        }));
        Phases { metrics, switch }
    }

    /// The work is over: what follows is the logoff.
    pub fn stop(&self) {
        self.switch.abort();
        self.metrics.latency.set_phase("logoff");
    }

    /// The steady phase's summaries (empty when the CRM stopped within its warm-up).
    pub fn steady(&self) -> Steady {
        Steady {
            latency_ms: self.metrics.latency.phase_summaries("steady"),
        }
    }
}
