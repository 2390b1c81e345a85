//! Traffic per connector side: each side's own per-second counts, kept apart.
//!
//! The run's timeline merges every component, which hides a failover's most telling picture,
//! the traffic moving from side A to side B and back. Each connector instance already counts
//! per second the calls offered to it and the events it delivered; this keeps them per side,
//! a killed instance's seconds with the side's.

use std::collections::BTreeMap;
use std::time::Instant;

use stats::{SecondSnapshot, Timeline};

/// Each side's timelines (running and killed instances) merged on one axis starting at
/// `start`, counts only (latencies are the merged timeline's business).
pub fn per_side<'a>(
    sides: impl IntoIterator<Item = (&'a str, Vec<&'a Timeline>)>,
    start: Instant,
) -> BTreeMap<String, Vec<SecondSnapshot>> {
    sides
        .into_iter()
        .map(|(name, timelines)| {
            let side = Timeline::new(start);
            for t in timelines {
                side.absorb(t);
            }
            let mut seconds = side.snapshot();
            for s in &mut seconds {
                s.latency.clear();
            }
            (name.to_owned(), seconds)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_killed_instance_and_its_successor_count_for_their_side() {
        let start = Instant::now();
        let first = Timeline::new(start);
        first.count("events", start + Duration::from_millis(2500), 3);
        let second = Timeline::new(start + Duration::from_secs(10));
        second.count("events", start + Duration::from_millis(12_500), 4);
        let other = Timeline::new(start);
        other.count("events", start + Duration::from_millis(5500), 7);
        other.latency("event", start, Duration::from_millis(2));
        let sides = per_side(
            [
                ("connector-a", vec![&first, &second]),
                ("connector-b", vec![&other]),
            ],
            start,
        );
        let a = &sides["connector-a"];
        assert_eq!(a[2].counters["events"], 3);
        assert_eq!(a[12].counters["events"], 4);
        assert_eq!(sides["connector-b"][5].counters["events"], 7);
        assert!(sides["connector-b"][0].latency.is_empty());
    }
}
