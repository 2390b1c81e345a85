//! When a condition turned on and off: requests failing and succeeding again, all agents logged
//! on or not. Failover figures (the request gap, the time to get every agent back) are read off
//! these flips, so they are kept as moments, not per-second buckets.

use std::sync::Mutex;
use std::time::Instant;

use crate::latency::lock;

/// Flips kept at most; a flapping condition beyond this stops being recorded (and says so).
const MAX_FLIPS: usize = 100_000;

/// The moments a boolean condition changed, starting from `initial`.
#[derive(Debug)]
pub struct Flips {
    inner: Mutex<Inner>,
}

#[derive(Debug)]
struct Inner {
    current: bool,
    flips: Vec<(Instant, bool)>,
    truncated: bool,
}

impl Flips {
    /// A condition that starts as `initial`, with no change recorded yet.
    pub fn new(initial: bool) -> Flips {
        Flips {
            inner: Mutex::new(Inner {
                current: initial,
                flips: Vec::new(),
                truncated: false,
            }),
        }
    }

    /// Records the condition's value at `at`; only changes are kept.
    pub fn set(&self, at: Instant, value: bool) {
        let mut inner = lock(&self.inner);
        if inner.current == value {
            return;
        }
        inner.current = value;
        if inner.flips.len() < MAX_FLIPS {
            inner.flips.push((at, value));
        } else {
            inner.truncated = true;
        }
    }

    /// The condition's value as last set.
    pub fn current(&self) -> bool {
        lock(&self.inner).current
    }

    /// Every change, in order.
    pub fn changes(&self) -> Vec<(Instant, bool)> {
        lock(&self.inner).flips.clone()
    }

    /// The first moment at or after `from` when the condition became `value`.
    pub fn first_after(&self, from: Instant, value: bool) -> Option<Instant> {
        lock(&self.inner)
            .flips
            .iter()
            .find(|(at, v)| *at >= from && *v == value)
            .map(|(at, _)| *at)
    }

    /// Whether changes were dropped because 100,000 were already kept.
    pub fn truncated(&self) -> bool {
        lock(&self.inner).truncated
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn keeps_changes_only_and_finds_them() {
        let t0 = Instant::now();
        let f = Flips::new(true);
        f.set(t0, true);
        f.set(t0 + Duration::from_secs(1), false);
        f.set(t0 + Duration::from_secs(2), false);
        f.set(t0 + Duration::from_secs(3), true);
        assert_eq!(f.changes().len(), 2);
        assert_eq!(f.first_after(t0, false), Some(t0 + Duration::from_secs(1)));
        assert_eq!(
            f.first_after(t0 + Duration::from_secs(2), true),
            Some(t0 + Duration::from_secs(3))
        );
        assert!(f.current());
    }
}

/// Moments something happened (a request failing), kept to count them in a window later.
#[derive(Debug, Default)]
pub struct Moments {
    inner: Mutex<(Vec<Instant>, bool)>,
}

impl Moments {
    /// Notes one occurrence at `at`; past 100,000 kept, further ones are dropped.
    pub fn record(&self, at: Instant) {
        let mut inner = lock(&self.inner);
        if inner.0.len() < MAX_FLIPS {
            inner.0.push(at);
        } else {
            inner.1 = true;
        }
    }

    /// How many fell in `[from, to]`.
    pub fn count_between(&self, from: Instant, to: Instant) -> u64 {
        lock(&self.inner)
            .0
            .iter()
            .filter(|at| **at >= from && **at <= to)
            .count() as u64
    }
}
