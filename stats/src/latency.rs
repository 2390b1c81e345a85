//! Latency histograms by key (`user.logon`, `event.callChanged`, `hop.crm-proxy`).

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

use hdrhistogram::Histogram;

/// Highest latency the histograms track exactly: one hour in microseconds. Longer values are
/// clamped (and still counted), which only ever happens in a broken run.
const MAX_MICROS: u64 = 3_600_000_000;

/// Latency histograms by key, in microseconds, 3 significant digits.
#[derive(Debug, Default)]
pub struct LatencyBook {
    histograms: Mutex<BTreeMap<String, Histogram<u64>>>,
}

/// Percentiles of one key, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct LatencySummary {
    pub count: u64,
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub p999: f64,
    pub max: f64,
    pub mean: f64,
}

/// A new empty histogram with the book's precision: 1 µs .. 1 h at 3 significant digits, about
/// 40 KB each, a few dozen per run. `None` only if hdrhistogram refused constant bounds.
pub fn new_histogram(significant_digits: u8) -> Option<Histogram<u64>> {
    Histogram::new_with_bounds(1, MAX_MICROS, significant_digits).ok()
}

/// Microseconds of a duration, clamped into the tracked range.
pub fn clamp_micros(latency: Duration) -> u64 {
    u64::try_from(latency.as_micros())
        .unwrap_or(MAX_MICROS)
        .clamp(1, MAX_MICROS)
}

impl LatencyBook {
    /// Records one latency. Values beyond the tracked range are clamped.
    pub fn record(&self, key: &str, latency: Duration) {
        let micros = clamp_micros(latency);
        let mut map = lock(&self.histograms);
        if let Some(h) = map.get_mut(key) {
            h.saturating_record(micros);
        } else if let Some(mut h) = new_histogram(3) {
            h.saturating_record(micros);
            map.insert(key.to_owned(), h);
        }
    }

    /// Summaries of every key.
    pub fn summaries(&self) -> BTreeMap<String, LatencySummary> {
        lock(&self.histograms)
            .iter()
            .map(|(k, h)| (k.clone(), summarize(h)))
            .collect()
    }

    /// A copy of one key's histogram.
    pub fn histogram(&self, key: &str) -> Option<Histogram<u64>> {
        lock(&self.histograms).get(key).cloned()
    }

    /// Adds every histogram of `other` into this book (e.g. both connector sides).
    pub fn absorb(&self, other: &LatencyBook) {
        let theirs = lock(&other.histograms).clone();
        let mut mine = lock(&self.histograms);
        for (key, h) in theirs {
            match mine.get_mut(&key) {
                Some(m) => {
                    // Same bounds on both sides, so `add` cannot fail.
                    let _ = m.add(&h);
                }
                None => {
                    mine.insert(key, h);
                }
            }
        }
    }
}

/// Percentiles of a histogram in milliseconds.
pub fn summarize(h: &Histogram<u64>) -> LatencySummary {
    let ms = |micros: u64| micros as f64 / 1000.0;
    LatencySummary {
        count: h.len(),
        p50: ms(h.value_at_quantile(0.50)),
        p90: ms(h.value_at_quantile(0.90)),
        p99: ms(h.value_at_quantile(0.99)),
        p999: ms(h.value_at_quantile(0.999)),
        max: ms(h.max()),
        mean: h.mean() / 1000.0,
    }
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panicking recorder must not take the whole report down with it.
    match m.lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_come_out_in_milliseconds() {
        let book = LatencyBook::default();
        for i in 1..=100u64 {
            book.record("call.answer", Duration::from_millis(i));
        }
        let s = book.summaries()["call.answer"];
        assert_eq!(s.count, 100);
        assert!((s.p50 - 50.0).abs() < 0.1, "{s:?}");
        assert!((s.p99 - 99.0).abs() < 0.1, "{s:?}");
        assert!((s.max - 100.0).abs() < 0.1, "{s:?}");
    }

    #[test]
    fn absorb_adds_counts() {
        let a = LatencyBook::default();
        let b = LatencyBook::default();
        a.record("x", Duration::from_millis(1));
        b.record("x", Duration::from_millis(3));
        b.record("y", Duration::from_millis(3));
        a.absorb(&b);
        let s = a.summaries();
        assert_eq!(s["x"].count, 2);
        assert_eq!(s["y"].count, 1);
    }
}
