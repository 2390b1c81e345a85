//! The faults of a scenario as a timeline of steps: each fault at its time, and its undo after
//! its `duration` when it has one.

use std::time::Instant;

use scenario::FaultSpec;

pub use crate::outcome::Due;

/// The steps not yet applied, earliest first.
#[derive(Debug)]
pub struct Timeline {
    pending: Vec<Due>,
}

impl Timeline {
    /// Lays `faults` out from `start` (the start of the steady phase).
    pub fn new(faults: &[FaultSpec], start: Instant) -> Timeline {
        let mut pending: Vec<Due> = Vec::new();
        for spec in faults {
            pending.push(Due {
                spec: spec.clone(),
                undo: false,
                at: start + spec.at,
            });
            if let Some(duration) = spec.duration {
                pending.push(Due {
                    spec: spec.clone(),
                    undo: true,
                    at: start + spec.at + duration,
                });
            }
        }
        // Stable: two steps at the same time keep the scenario's order.
        pending.sort_by_key(|d| d.at);
        Timeline { pending }
    }

    /// When the next step is due; `None` when none is left.
    pub fn next_due(&self) -> Option<Instant> {
        self.pending.first().map(|d| d.at)
    }

    /// Removes and returns the steps due at or before `now`, in order.
    pub fn take_due(&mut self, now: Instant) -> Vec<Due> {
        let split = self.pending.partition_point(|d| d.at <= now);
        self.pending.drain(..split).collect()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use scenario::FaultAction;

    fn fault(at: u64, action: FaultAction, duration: Option<u64>) -> FaultSpec {
        FaultSpec {
            at: Duration::from_secs(at),
            action,
            target: "crm->connector".to_owned(),
            latency: (action == FaultAction::Latency).then(|| Duration::from_millis(200)),
            jitter: None,
            duration: duration.map(Duration::from_secs),
        }
    }

    #[test]
    fn timed_faults_get_their_undo_and_steps_come_in_order() {
        let t0 = Instant::now();
        let mut t = Timeline::new(
            &[
                fault(5, FaultAction::Reset, None),
                fault(2, FaultAction::Latency, Some(4)),
            ],
            t0,
        );
        assert_eq!(t.next_due(), Some(t0 + Duration::from_secs(2)));
        let first = t.take_due(t0 + Duration::from_secs(2));
        assert_eq!(first.len(), 1);
        assert_eq!(first[0].label(), "latency 200ms on crm->connector");
        let rest = t.take_due(t0 + Duration::from_secs(10));
        let labels: Vec<String> = rest.iter().map(Due::label).collect();
        assert_eq!(
            labels,
            ["reset crm->connector", "end of latency on crm->connector"]
        );
        assert!(t.next_due().is_none());
    }
}
