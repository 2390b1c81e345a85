//! Per-second counts and latency percentiles of a run, for plots and for "did the threshold hold
//! for the whole steady phase" checks.
//!
//! Memory stays bounded however long a run lasts, and levels off early. A bucket's latencies
//! keep only the HDR histogram's non-empty buckets (a second holds a few hundred values: a few
//! hundred bytes instead of a full 27 KB histogram, which made an hour's soak grow by hundreds
//! of MB: `benches/README.md`, "Soak"),
//! past [`MAX_BUCKETS`] buckets neighbouring buckets merge, so a long run is drawn in 2-, 4-,
//! 8-second steps, and a bucket keeps at most [`MAX_VALUES`] distinct values: past that its
//! values lose one bit of precision (neighbours merge), so merged buckets take no more memory
//! than the first seconds' (a soak's merged buckets otherwise grew for the whole hour). Counts
//! stay exact; a percentile is exact to the histogram's 1% until a bucket outgrows
//! [`MAX_VALUES`], and then within `2^-(bits-1)` of its value (3% at the 6 bits 128 values
//! spread over four octaves leave).

use std::collections::BTreeMap;
use std::sync::{LazyLock, Mutex};
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;

use crate::latency::{LatencySummary, clamp_micros, lock, new_histogram, summarize};

/// Buckets kept at most: per-second resolution for the first 10 minutes of a run.
pub const MAX_BUCKETS: usize = 600;

/// Precision of the per-bucket latencies (2 significant digits: 1%).
const DIGITS: u8 = 2;

/// The histogram whose bucketing every sparse latency set uses (never recorded into).
static QUANTIZER: LazyLock<Option<Histogram<u64>>> = LazyLock::new(|| new_histogram(DIGITS));

/// Counts and latencies bucketed by seconds since `start`.
#[derive(Debug)]
pub struct Timeline {
    start: Instant,
    inner: Mutex<Buckets>,
    markers: Mutex<Vec<Marker>>,
}

#[derive(Debug)]
struct Buckets {
    /// Seconds per bucket: 1, then 2, 4, 8… as a long run merges neighbours.
    width: u64,
    buckets: Vec<Bucket>,
}

/// Something that happened at one moment (a fault injected, a side marked down, the watchdog
/// losing the connection), drawn as a vertical line on plots.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct Marker {
    /// Seconds since the timeline started.
    #[serde(rename = "at_s")]
    pub at: f64,
    /// What happened, in words (a phase such as `steady`, a fault such as `kill connector-a`).
    pub label: String,
}

/// Distinct latency values a bucket keeps at most (1 KB).
pub const MAX_VALUES: usize = 128;

/// Significant bits of a value at the quantizer's precision (2 digits: 256 sub-buckets).
const FULL_BITS: u8 = 8;

/// Fewest significant bits a bucket's values are coarsened to (12%): only a bucket whose
/// latencies spread over more than 32 octaves, which `u32` microseconds cannot, gets there.
const MIN_BITS: u8 = 3;

/// Latencies as the histogram's non-empty buckets: `(bucket value in µs, count)`, sorted by
/// value. Eight bytes a bucket: a second's few hundred latencies take a few hundred bytes.
#[derive(Debug, Clone)]
struct Sparse {
    counts: Vec<(u32, u32)>,
    /// Significant bits each value keeps: [`FULL_BITS`] until the set outgrew [`MAX_VALUES`].
    bits: u8,
}

impl Default for Sparse {
    fn default() -> Sparse {
        Sparse {
            counts: Vec::new(),
            bits: FULL_BITS,
        }
    }
}

/// `value` with only its `bits` most significant bits (the low end of its coarser bucket).
fn coarse(value: u32, bits: u8) -> u32 {
    let significant = 32 - value.leading_zeros();
    let drop = significant.saturating_sub(u32::from(bits));
    (value >> drop) << drop
}

impl Sparse {
    fn record(&mut self, micros: u64) {
        let key = QUANTIZER
            .as_ref()
            .map_or(micros, |q| q.lowest_equivalent(micros));
        self.add_n(coarse(u32::try_from(key).unwrap_or(u32::MAX), self.bits), 1);
        self.bound();
    }

    fn add_n(&mut self, key: u32, n: u32) {
        match self.counts.binary_search_by_key(&key, |(k, _)| *k) {
            Ok(i) => self.counts[i].1 = self.counts[i].1.saturating_add(n),
            Err(i) => self.counts.insert(i, (key, n)),
        }
    }

    fn add(&mut self, other: &Sparse) {
        while self.bits > other.bits {
            self.drop_a_bit();
        }
        for (k, n) in &other.counts {
            self.add_n(coarse(*k, self.bits), *n);
        }
        self.bound();
    }

    fn bound(&mut self) {
        while self.counts.len() > MAX_VALUES && self.bits > MIN_BITS {
            self.drop_a_bit();
        }
    }

    /// One bit less precision: values that now fall in one bucket merge. `coarse` keeps the
    /// order, so the set stays sorted.
    fn drop_a_bit(&mut self) {
        self.bits -= 1;
        let bits = self.bits;
        let mut merged: Vec<(u32, u32)> = Vec::with_capacity(self.counts.len());
        for &(k, n) in &self.counts {
            let k = coarse(k, bits);
            match merged.last_mut() {
                Some((last, count)) if *last == k => *count = count.saturating_add(n),
                _ => merged.push((k, n)),
            }
        }
        self.counts = merged;
    }

    fn summary(&self) -> Option<LatencySummary> {
        let mut h = new_histogram(DIGITS)?;
        for (k, n) in &self.counts {
            let _ = h.record_n(u64::from(*k), u64::from(*n));
        }
        Some(summarize(&h))
    }
}

#[derive(Debug, Default, Clone)]
struct Bucket {
    counters: BTreeMap<&'static str, u64>,
    latency: BTreeMap<&'static str, Sparse>,
}

impl Bucket {
    fn add(&mut self, other: &Bucket) {
        for (name, n) in &other.counters {
            *self.counters.entry(name).or_default() += n;
        }
        for (name, s) in &other.latency {
            self.latency.entry(name).or_default().add(s);
        }
    }
}

impl Buckets {
    /// The bucket `secs` falls into, merging neighbours first when the run has outgrown
    /// [`MAX_BUCKETS`].
    fn at(&mut self, secs: u64) -> &mut Bucket {
        while secs / self.width >= MAX_BUCKETS as u64 {
            self.coarsen();
        }
        let index = (secs / self.width) as usize;
        if self.buckets.len() <= index {
            self.buckets.resize_with(index + 1, Bucket::default);
        }
        &mut self.buckets[index]
    }

    /// Twice as many seconds per bucket: neighbours merge.
    fn coarsen(&mut self) {
        let old = std::mem::take(&mut self.buckets);
        self.buckets = old
            .chunks(2)
            .map(|pair| {
                let mut b = pair[0].clone();
                if let Some(second) = pair.get(1) {
                    b.add(second);
                }
                b
            })
            .collect();
        self.width *= 2;
    }
}

/// One bucket of a run (a second, or a few once a long run merged them).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct SecondSnapshot {
    /// Seconds since the timeline started, at the bucket's start.
    #[serde(rename = "start_s")]
    pub second: u64,
    /// The bucket's length in seconds (1 unless a long run merged buckets).
    #[serde(rename = "width_s")]
    pub seconds: u64,
    /// Counts added during the bucket, by name (`requests`, `events`, `calls.offered`).
    pub counters: BTreeMap<String, u64>,
    /// Percentiles of the latencies that ended during the bucket, by category (`request`,
    /// `event`), in ms.
    #[serde(rename = "latency_ms")]
    pub latency: BTreeMap<String, LatencySummary>,
}

impl Timeline {
    /// An empty timeline whose second 0 begins at `start`.
    pub fn new(start: Instant) -> Timeline {
        Timeline {
            start,
            inner: Mutex::new(Buckets {
                width: 1,
                buckets: Vec::new(),
            }),
            markers: Mutex::new(Vec::new()),
        }
    }

    /// The moment second 0 begins.
    pub fn start(&self) -> Instant {
        self.start
    }

    /// Adds `n` to counter `name` in the second `at` falls into.
    pub fn count(&self, name: &'static str, at: Instant, n: u64) {
        let secs = at.saturating_duration_since(self.start).as_secs();
        *lock(&self.inner).at(secs).counters.entry(name).or_default() += n;
    }

    /// Records a latency of category `name` (`request`, `event`) in the second it ended in.
    pub fn latency(&self, name: &'static str, at: Instant, latency: Duration) {
        let secs = at.saturating_duration_since(self.start).as_secs();
        lock(&self.inner)
            .at(secs)
            .latency
            .entry(name)
            .or_default()
            .record(clamp_micros(latency));
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

    /// Adds another timeline's buckets and markers into this one, aligned on wall time (to the
    /// nearest second), so one plot shows every component.
    pub fn absorb(&self, other: &Timeline) {
        let shift = if other.start >= self.start {
            other.start.duration_since(self.start).as_secs_f64()
        } else {
            -self.start.duration_since(other.start).as_secs_f64()
        };
        let offset = shift.round() as i64;
        let (width, theirs) = {
            let o = lock(&other.inner);
            (o.width, o.buckets.clone())
        };
        let mut mine = lock(&self.inner);
        for (i, bucket) in theirs.iter().enumerate() {
            let Ok(secs) = u64::try_from(i as i64 * width as i64 + offset) else {
                continue;
            };
            mine.at(secs).add(bucket);
        }
        drop(mine);
        let markers = lock(&other.markers).clone();
        lock(&self.markers).extend(markers.into_iter().map(|m| Marker {
            at: m.at + shift,
            label: m.label,
        }));
    }

    /// Every bucket so far.
    pub fn snapshot(&self) -> Vec<SecondSnapshot> {
        let inner = lock(&self.inner);
        inner
            .buckets
            .iter()
            .enumerate()
            .map(|(i, b)| SecondSnapshot {
                second: i as u64 * inner.width,
                seconds: inner.width,
                counters: b
                    .counters
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), *v))
                    .collect(),
                latency: b
                    .latency
                    .iter()
                    .filter_map(|(k, s)| Some(((*k).to_owned(), s.summary()?)))
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
        assert!((s[2].latency["event"].p50 - 7.0).abs() < 0.1);
    }

    #[test]
    fn a_long_run_merges_neighbours_and_keeps_every_count_and_latency() {
        let start = Instant::now();
        let t = Timeline::new(start);
        let hours = 3 * 3600;
        for s in (0..hours).step_by(7) {
            let at = start + Duration::from_secs(s);
            t.count("calls", at, 1);
            t.latency("event", at, Duration::from_millis(1 + s % 9));
        }
        let snap = t.snapshot();
        assert!(snap.len() <= MAX_BUCKETS, "{}", snap.len());
        assert_eq!(snap[1].second, snap[0].seconds);
        assert!(snap[0].seconds >= 8, "{}", snap[0].seconds);
        let calls: u64 = snap
            .iter()
            .map(|b| b.counters.get("calls").copied().unwrap_or(0))
            .sum();
        let events: u64 = snap
            .iter()
            .map(|b| b.latency.get("event").map_or(0, |l| l.count))
            .sum();
        let expected = (hours as usize).div_ceil(7) as u64;
        assert_eq!((calls, events), (expected, expected));
    }

    #[test]
    fn a_bucket_keeps_at_most_max_values_and_its_percentiles_stay_close() {
        let start = Instant::now();
        let t = Timeline::new(start);
        // Three hours of 100 latencies a second spread over 0.1–25 ms: merged buckets would
        // hold thousands of distinct values.
        let mut x: u64 = 1;
        let mut all = Vec::new();
        for s in 0..3 * 3600u64 {
            for _ in 0..100 {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let micros = 100 + (x >> 33) % 25_000;
                all.push(micros);
                t.latency(
                    "event",
                    start + Duration::from_secs(s),
                    Duration::from_micros(micros),
                );
            }
        }
        let inner = lock(&t.inner);
        for b in &inner.buckets {
            let sparse = &b.latency["event"];
            assert!(sparse.counts.len() <= MAX_VALUES, "{}", sparse.counts.len());
            assert!(sparse.counts.windows(2).all(|w| w[0].0 < w[1].0));
        }
        drop(inner);
        // The first bucket's p50 against the exact one of its values.
        let snap = t.snapshot();
        let width = snap[0].seconds as usize;
        let mut first: Vec<u64> = all[..width * 100].to_vec();
        first.sort_unstable();
        let exact = first[first.len() / 2] as f64 / 1000.0;
        let p50 = snap[0].latency["event"].p50;
        assert!(
            (p50 - exact).abs() / exact < 0.04,
            "p50 {p50} against {exact}"
        );
        let count: u64 = snap.iter().map(|b| b.latency["event"].count).sum();
        assert_eq!(count, 3 * 3600 * 100);
    }

    #[test]
    fn coarse_keeps_the_top_bits() {
        assert_eq!(coarse(0b1011_0111, 3), 0b1010_0000);
        assert_eq!(coarse(5, 8), 5);
        assert_eq!(coarse(0, 3), 0);
        assert_eq!(coarse(u32::MAX, 1), 1 << 31);
    }

    #[test]
    fn timelines_of_different_widths_absorb_exactly() {
        let start = Instant::now();
        let long = Timeline::new(start);
        long.count("c", start + Duration::from_secs(5000), 3);
        let short = Timeline::new(start);
        short.count("c", start + Duration::from_secs(10), 1);
        long.absorb(&short);
        let total: u64 = long
            .snapshot()
            .iter()
            .map(|b| b.counters.get("c").copied().unwrap_or(0))
            .sum();
        assert_eq!(total, 4);
    }
}
