//! Per-second counts and latency percentiles of a run, for plots and for "did the threshold hold
//! for the whole steady phase" checks.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;

use crate::latency::{LatencySummary, clamp_micros, lock, new_histogram, summarize};

/// Counts and latencies bucketed by whole seconds since `start`.
#[derive(Debug)]
pub struct Timeline {
    start: Instant,
    seconds: Mutex<Vec<Bucket>>,
    markers: Mutex<Vec<Marker>>,
}

/// Something that happened at one moment (a fault injected, a side marked down, the watchdog
/// losing the connection), drawn as a vertical line on plots.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Marker {
    /// Seconds since the timeline started.
    pub at: f64,
    pub label: String,
}

#[derive(Debug, Default, Clone)]
struct Bucket {
    counters: BTreeMap<&'static str, u64>,
    latency: BTreeMap<&'static str, Histogram<u64>>,
}

/// One second of a run.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SecondSnapshot {
    /// Seconds since the timeline started.
    pub second: u64,
    pub counters: BTreeMap<String, u64>,
    pub latency: BTreeMap<String, LatencySummary>,
}

/// A run longer than this many seconds stops growing the timeline (about 4 h): memory stays
/// bounded whatever the scenario says.
const MAX_SECONDS: usize = 4 * 3600;

impl Timeline {
    pub fn new(start: Instant) -> Timeline {
        Timeline {
            start,
            seconds: Mutex::new(Vec::new()),
            markers: Mutex::new(Vec::new()),
        }
    }

    pub fn start(&self) -> Instant {
        self.start
    }

    /// Adds `n` to counter `name` in the second `at` falls into.
    pub fn count(&self, name: &'static str, at: Instant, n: u64) {
        self.with_bucket(at, |b| *b.counters.entry(name).or_default() += n);
    }

    /// Records a latency of category `name` (`request`, `event`) in the second it ended in.
    pub fn latency(&self, name: &'static str, at: Instant, latency: Duration) {
        let micros = clamp_micros(latency);
        self.with_bucket(at, |b| {
            if let Some(h) = b.latency.get_mut(name) {
                h.saturating_record(micros);
            } else if let Some(mut h) = new_histogram(2) {
                h.saturating_record(micros);
                b.latency.insert(name, h);
            }
        });
    }

    fn with_bucket(&self, at: Instant, f: impl FnOnce(&mut Bucket)) {
        let index = at.saturating_duration_since(self.start).as_secs() as usize;
        if index >= MAX_SECONDS {
            return;
        }
        let mut seconds = lock(&self.seconds);
        if seconds.len() <= index {
            seconds.resize_with(index + 1, Bucket::default);
        }
        f(&mut seconds[index]);
    }

    /// Notes that `label` happened at `at`.
    pub fn mark(&self, at: Instant, label: impl Into<String>) {
        let at = at.saturating_duration_since(self.start).as_secs_f64();
        lock(&self.markers).push(Marker {
            at,
            label: label.into(),
        });
    }

    /// Markers in time order.
    pub fn markers(&self) -> Vec<Marker> {
        let mut markers = lock(&self.markers).clone();
        markers.sort_by(|a, b| a.at.total_cmp(&b.at));
        markers
    }

    /// Adds another timeline's seconds and markers into this one, aligned on wall time (to the
    /// nearest second), so one plot shows every component.
    pub fn absorb(&self, other: &Timeline) {
        let shift = if other.start >= self.start {
            other.start.duration_since(self.start).as_secs_f64()
        } else {
            -self.start.duration_since(other.start).as_secs_f64()
        };
        let offset = shift.round() as i64;
        let theirs = lock(&other.seconds).clone();
        let mut mine = lock(&self.seconds);
        for (i, bucket) in theirs.into_iter().enumerate() {
            let Ok(index) = usize::try_from(i as i64 + offset) else {
                continue;
            };
            if index >= MAX_SECONDS {
                break;
            }
            if mine.len() <= index {
                mine.resize_with(index + 1, Bucket::default);
            }
            let target = &mut mine[index];
            for (name, n) in bucket.counters {
                *target.counters.entry(name).or_default() += n;
            }
            for (name, h) in bucket.latency {
                match target.latency.get_mut(name) {
                    // Same bounds on both sides, so `add` cannot fail.
                    Some(m) => {
                        let _ = m.add(&h);
                    }
                    None => {
                        target.latency.insert(name, h);
                    }
                }
            }
        }
        drop(mine);
        let markers = lock(&other.markers).clone();
        lock(&self.markers).extend(markers.into_iter().map(|m| Marker {
            at: m.at + shift,
            label: m.label,
        }));
    }

    /// Every second so far.
    pub fn snapshot(&self) -> Vec<SecondSnapshot> {
        lock(&self.seconds)
            .iter()
            .enumerate()
            .map(|(i, b)| SecondSnapshot {
                second: i as u64,
                counters: b
                    .counters
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), *v))
                    .collect(),
                latency: b
                    .latency
                    .iter()
                    .map(|(k, h)| ((*k).to_owned(), summarize(h)))
                    .collect(),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_by_second_since_start() {
        let start = Instant::now();
        let t = Timeline::new(start);
        t.count("calls.offered", start, 1);
        t.count("calls.offered", start + Duration::from_millis(2500), 2);
        t.latency(
            "event",
            start + Duration::from_millis(2500),
            Duration::from_millis(7),
        );
        let s = t.snapshot();
        assert_eq!(s.len(), 3);
        assert_eq!(s[0].counters["calls.offered"], 1);
        assert!(s[1].counters.is_empty());
        assert_eq!(s[2].counters["calls.offered"], 2);
        assert_eq!(s[2].latency["event"].count, 1);
    }
}
