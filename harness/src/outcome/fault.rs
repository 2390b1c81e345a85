//! A fault step as the run applied it: which fault, whether it undid one, when it was due.

use std::time::{Duration, Instant};

use scenario::{FaultAction, FaultSpec};

/// One step to apply.
#[derive(Debug, Clone)]
pub struct Due {
    /// The scenario's fault this step applies or undoes.
    pub spec: FaultSpec,
    /// The end of a timed fault (latency, blackhole, pause): undo it.
    pub undo: bool,
    /// When it is due.
    pub at: Instant,
}

impl Due {
    /// How the step reads on plots and in logs: `kill connector-a`, `end of latency on crm->connector`.
    pub fn label(&self) -> String {
        let action = self.spec.action.as_str();
        let target = &self.spec.target;
        match (self.undo, self.spec.action) {
            (true, _) => format!("end of {action} on {target}"),
            (false, FaultAction::Latency) => {
                let latency = self.spec.latency.unwrap_or_default();
                let jitter = self.spec.jitter.unwrap_or_default();
                if jitter.is_zero() {
                    format!("latency {} on {target}", ms(latency))
                } else {
                    format!("latency {}±{} on {target}", ms(latency), ms(jitter))
                }
            }
            (false, _) => format!("{action} {target}"),
        }
    }
}

fn ms(d: Duration) -> String {
    format!("{}ms", d.as_millis())
}
