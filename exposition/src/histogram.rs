//! HDR latency histograms (microseconds) as Prometheus histograms (seconds, fixed buckets).
//!
//! Prometheus aggregates histograms across instances and over time only when every instance
//! uses the same bucket bounds, so the bounds are fixed here rather than derived from the data.
//! They span what an ICI request takes: sub-millisecond on loopback up to the 10 s of a
//! request timing out.

use hdrhistogram::Histogram;

/// Upper bounds of the buckets, in seconds (`+Inf` follows implicitly).
pub const BUCKETS_S: [f64; 16] = [
    0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
    10.0, 30.0,
];

/// A histogram's buckets (not cumulative: each count is of its own bucket only), sum and count.
#[derive(Debug, Clone, PartialEq)]
pub struct Buckets {
    /// `(upper bound in seconds, samples in this bucket)`, the last bound `+Inf`.
    pub buckets: Vec<(f64, u64)>,
    /// Sum of all samples in seconds, each taken at its bucketed (highest equivalent) value.
    pub sum_s: f64,
    /// Samples in the histogram, all buckets together.
    pub count: u64,
}

impl Buckets {
    /// Sorts every recorded value of an HDR histogram into the fixed buckets. A value counts
    /// towards the first bound at or above its highest equivalent value, which is how HDR
    /// reports percentiles too, so a bucket never claims a sample was faster than it was.
    pub fn from_micros(h: &Histogram<u64>) -> Buckets {
        let mut counts = [0u64; BUCKETS_S.len() + 1];
        let mut sum_s = 0.0;
        for v in h.iter_recorded() {
            let micros = h.highest_equivalent(v.value_iterated_to());
            let seconds = micros as f64 / 1e6;
            let n = v.count_at_value();
            sum_s += seconds * n as f64;
            let slot = BUCKETS_S
                .iter()
                .position(|bound| seconds <= *bound)
                .unwrap_or(BUCKETS_S.len());
            counts[slot] += n;
        }
        let buckets = BUCKETS_S
            .iter()
            .copied()
            .chain(std::iter::once(f64::INFINITY))
            .zip(counts)
            .collect();
        Buckets {
            buckets,
            sum_s,
            count: h.len(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_land_in_the_first_bucket_at_or_above_them() {
        let Ok(mut h) = Histogram::<u64>::new_with_bounds(1, 3_600_000_000, 3) else {
            panic!("bounds");
        };
        for micros in [100, 900, 1_000, 40_000, 40_000_000] {
            h.saturating_record(micros);
        }
        let b = Buckets::from_micros(&h);
        assert_eq!(b.count, 5);
        let at = |bound: f64| {
            b.buckets
                .iter()
                .find(|(ub, _)| *ub == bound)
                .map(|(_, n)| *n)
        };
        assert_eq!(at(0.000_25), Some(1));
        // 900 µs and 1000 µs (HDR keeps 3 digits: 1000 is exact) are both ≤ 1 ms.
        assert_eq!(at(0.001), Some(2));
        assert_eq!(at(0.05), Some(1));
        assert_eq!(at(f64::INFINITY), Some(1), "40 s is beyond the last bound");
        assert_eq!(b.buckets.iter().map(|(_, n)| n).sum::<u64>(), 5);
        assert!((b.sum_s - 40.0419).abs() < 0.1, "sum {}", b.sum_s);
    }
}
