//! Latency histograms by key (`user.logon`, `event.callChanged`, `hop.crm-proxy`).

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

use hdrhistogram::Histogram;

/// Highest latency the histograms track exactly: one hour in microseconds. Longer values are
/// clamped (and still counted), which only ever happens in a broken run.
const MAX_MICROS: u64 = 3_600_000_000;

/// Latency histograms by key, in microseconds, 3 significant digits, for the whole run and for
/// each phase (logon, warm-up, steady, drain) separately: thresholds judge the steady phase
/// only, while the report shows both.
#[derive(Debug, Default)]
pub struct LatencyBook {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    phases: Vec<String>,
    /// Index into `phases` of the phase being recorded, if any.
    current: Option<usize>,
    /// Index into `phases` of a window inside the current phase (a soak's ten minutes), if
    /// any: latencies count towards the phase and the window alike.
    window: Option<usize>,
    /// Per key: slot 0 is the whole run, slot 1 + i is phase i.
    histograms: BTreeMap<String, Vec<Option<Histogram<u64>>>>,
}

/// Percentiles of one key, in milliseconds.
#[derive(
    Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct LatencySummary {
    /// Latencies recorded.
    pub count: u64,
    /// The shortest, ms (0 when none was recorded).
    pub min: f64,
    /// The median, ms.
    pub p50: f64,
    /// The 90th percentile, ms.
    pub p90: f64,
    /// The 95th percentile, ms.
    pub p95: f64,
    /// The 99th percentile, ms.
    pub p99: f64,
    /// The 99.9th percentile, ms.
    pub p999: f64,
    /// The longest, ms.
    pub max: f64,
    /// The arithmetic mean, ms.
    pub mean: f64,
}

/// A new empty histogram: 1 µs .. 1 h at the given precision (3 digits: about 40 KB).
/// `None` only if hdrhistogram refused these constant bounds.
pub fn new_histogram(significant_digits: u8) -> Option<Histogram<u64>> {
    Histogram::new_with_bounds(1, MAX_MICROS, significant_digits).ok()
}

/// Microseconds of a duration, clamped into the tracked range.
pub fn clamp_micros(latency: Duration) -> u64 {
    u64::try_from(latency.as_micros())
        .unwrap_or(MAX_MICROS)
        .clamp(1, MAX_MICROS)
}

fn record_into(slot: &mut Option<Histogram<u64>>, micros: u64) {
    if slot.is_none() {
        *slot = new_histogram(3);
    }
    if let Some(h) = slot {
        h.saturating_record(micros);
    }
}

impl LatencyBook {
    /// Records one latency into the whole run and the current phase. Values beyond the tracked
    /// range are clamped.
    pub fn record(&self, key: &str, latency: Duration) {
        let micros = clamp_micros(latency);
        let mut inner = lock(&self.inner);
        let slots = 1 + inner.phases.len();
        let (current, window) = (inner.current, inner.window);
        let entry = match inner.histograms.get_mut(key) {
            Some(entry) => entry,
            None => inner.histograms.entry(key.to_owned()).or_default(),
        };
        if entry.len() < slots {
            entry.resize_with(slots, || None);
        }
        record_into(&mut entry[0], micros);
        if let Some(i) = current {
            record_into(&mut entry[1 + i], micros);
        }
        if let Some(w) = window.filter(|w| Some(*w) != current) {
            record_into(&mut entry[1 + w], micros);
        }
    }

    /// From now on, latencies also count towards `phase` (and no longer to a window).
    pub fn set_phase(&self, phase: &str) {
        let mut inner = lock(&self.inner);
        let index = inner.phase_index(phase);
        inner.current = Some(index);
        inner.window = None;
    }

    /// From now on, latencies also count towards `window`, beside the current phase; read it
    /// back with [`phase_summaries`](Self::phase_summaries) under its name.
    pub fn set_window(&self, window: &str) {
        let mut inner = lock(&self.inner);
        let index = inner.phase_index(window);
        inner.window = Some(index);
    }

    /// The keys recorded during `phase`.
    pub fn phase_keys(&self, phase: &str) -> Vec<String> {
        let inner = lock(&self.inner);
        let Some(i) = inner.phases.iter().position(|p| p == phase) else {
            return Vec::new();
        };
        inner
            .histograms
            .iter()
            .filter(|(_, slots)| slots.get(1 + i).is_some_and(Option::is_some))
            .map(|(k, _)| k.clone())
            .collect()
    }

    /// Adds `key`'s histogram of `phase` into `into`, read in place (no copy of it is made).
    pub fn add_phase_into(&self, key: &str, phase: &str, into: &mut Histogram<u64>) {
        let inner = lock(&self.inner);
        let Some(i) = inner.phases.iter().position(|p| p == phase) else {
            return;
        };
        if let Some(h) = inner
            .histograms
            .get(key)
            .and_then(|s| s.get(1 + i)?.as_ref())
        {
            // Same bounds everywhere, so `add` cannot fail.
            let _ = into.add(h);
        }
    }

    /// The largest latency of `key` recorded during `phase`, in µs, read in place.
    pub fn phase_max(&self, key: &str, phase: &str) -> Option<u64> {
        let inner = lock(&self.inner);
        let i = inner.phases.iter().position(|p| p == phase)?;
        let h = inner.histograms.get(key)?.get(1 + i)?.as_ref()?;
        (!h.is_empty()).then(|| h.max())
    }

    /// Ends window `ended`: its histograms are emptied and become those of window `next`, which
    /// latencies count towards from now on; with no `next` they are freed. A soak's windows so
    /// allocate their histograms (up to 190 KB each) once, not once per window: freed on one
    /// thread and allocated again on the recording ones, they left the allocator holding
    /// megabytes more after the first window than before it, which the memory-growth check
    /// read as growth (`benches/README.md`, "Soak").
    pub fn roll_window(&self, ended: &str, next: Option<&str>) {
        let mut inner = lock(&self.inner);
        let next = next.map(|n| inner.phase_index(n));
        let slots_len = 1 + inner.phases.len();
        if let Some(i) = inner.phases.iter().position(|p| p == ended) {
            for slots in inner.histograms.values_mut() {
                let Some(mut h) = slots.get_mut(1 + i).and_then(Option::take) else {
                    continue;
                };
                if let Some(j) = next {
                    h.reset();
                    if slots.len() < slots_len {
                        slots.resize_with(slots_len, || None);
                    }
                    slots[1 + j] = Some(h);
                }
            }
        }
        inner.window = next;
    }

    /// Summaries of every key over the whole run.
    pub fn summaries(&self) -> BTreeMap<String, LatencySummary> {
        self.collect(|_| Some(0))
    }

    /// Summaries of every key recorded during `phase`.
    pub fn phase_summaries(&self, phase: &str) -> BTreeMap<String, LatencySummary> {
        self.collect(|inner| inner.phases.iter().position(|p| p == phase).map(|i| 1 + i))
    }

    fn collect(&self, slot: impl Fn(&Inner) -> Option<usize>) -> BTreeMap<String, LatencySummary> {
        let inner = lock(&self.inner);
        let Some(slot) = slot(&inner) else {
            return BTreeMap::new();
        };
        inner
            .histograms
            .iter()
            .filter_map(|(k, slots)| {
                let h = slots.get(slot)?.as_ref()?;
                Some((k.clone(), summarize(h)))
            })
            .collect()
    }

    /// Every key recorded so far, in order.
    pub fn keys(&self) -> Vec<String> {
        lock(&self.inner).histograms.keys().cloned().collect()
    }

    /// A copy of one key's histogram over the whole run, or over `phase`.
    pub fn histogram(&self, key: &str, phase: Option<&str>) -> Option<Histogram<u64>> {
        let inner = lock(&self.inner);
        let slot = match phase {
            None => 0,
            Some(p) => 1 + inner.phases.iter().position(|x| x == p)?,
        };
        inner.histograms.get(key)?.get(slot)?.clone()
    }

    /// Adds every histogram of `other` into this book, phase by phase (e.g. both connector
    /// sides into one view).
    pub fn absorb(&self, other: &LatencyBook) {
        let (their_phases, theirs) = {
            let o = lock(&other.inner);
            (o.phases.clone(), o.histograms.clone())
        };
        let mut mine = lock(&self.inner);
        let map: Vec<usize> = their_phases
            .iter()
            .map(|p| match mine.phases.iter().position(|x| x == p) {
                Some(i) => i,
                None => {
                    mine.phases.push(p.clone());
                    mine.phases.len() - 1
                }
            })
            .collect();
        let slots = 1 + mine.phases.len();
        for (key, their_slots) in theirs {
            let entry = mine.histograms.entry(key).or_default();
            entry.resize_with(slots.max(entry.len()), || None);
            for (i, h) in their_slots.into_iter().enumerate() {
                let Some(h) = h else { continue };
                let target = if i == 0 { 0 } else { 1 + map[i - 1] };
                match &mut entry[target] {
                    // Same bounds on both sides, so `add` cannot fail.
                    Some(m) => {
                        let _ = m.add(&h);
                    }
                    slot @ None => *slot = Some(h),
                }
            }
        }
    }
}

impl Inner {
    fn phase_index(&mut self, name: &str) -> usize {
        match self.phases.iter().position(|p| p == name) {
            Some(i) => i,
            None => {
                self.phases.push(name.to_owned());
                self.phases.len() - 1
            }
        }
    }
}

/// Percentiles of a histogram in milliseconds.
pub fn summarize(h: &Histogram<u64>) -> LatencySummary {
    let ms = |micros: u64| micros as f64 / 1000.0;
    LatencySummary {
        count: h.len(),
        // An empty histogram's min is u64::MAX in hdrhistogram; 0 reads better and matches
        // every other figure of an empty summary.
        min: if h.is_empty() { 0.0 } else { ms(h.min()) },
        p50: ms(h.value_at_quantile(0.50)),
        p90: ms(h.value_at_quantile(0.90)),
        p95: ms(h.value_at_quantile(0.95)),
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
    fn a_rolled_window_is_read_in_place_then_emptied_and_reused_for_the_next() {
        let book = LatencyBook::default();
        book.set_phase("steady");
        book.set_window("w1");
        for ms in [1, 2, 3] {
            book.record("call.answer", Duration::from_millis(ms));
        }
        assert_eq!(book.phase_keys("w1"), ["call.answer"]);
        let near = |micros: Option<u64>, want: u64| micros.is_some_and(|m| m.abs_diff(want) <= 10);
        assert!(near(book.phase_max("call.answer", "w1"), 3000));
        let mut merged = new_histogram(3).unwrap_or_else(|| panic!("histogram bounds"));
        book.add_phase_into("call.answer", "w1", &mut merged);
        book.add_phase_into("call.answer", "w1", &mut merged);
        assert_eq!(merged.len(), 6, "added twice, read in place");

        book.roll_window("w1", Some("w2"));
        book.record("call.answer", Duration::from_millis(9));
        assert!(book.phase_keys("w1").is_empty(), "w1's histograms moved on");
        assert_eq!(
            book.histogram("call.answer", Some("w2")).map(|h| h.len()),
            Some(1)
        );
        assert_eq!(
            book.histogram("call.answer", Some("steady"))
                .map(|h| h.len()),
            Some(4)
        );

        book.roll_window("w2", None);
        book.record("call.answer", Duration::from_millis(9));
        assert!(book.phase_keys("w2").is_empty(), "no window after the last");
        assert!(near(book.phase_max("call.answer", "steady"), 9000));
    }

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
    fn phases_are_kept_apart_from_the_whole_run() {
        let book = LatencyBook::default();
        book.record("k", Duration::from_millis(1));
        book.set_phase("steady");
        book.record("k", Duration::from_millis(5));
        book.set_phase("drain");
        book.record("k", Duration::from_millis(9));
        assert_eq!(book.summaries()["k"].count, 3);
        let steady = book.phase_summaries("steady")["k"];
        assert_eq!(steady.count, 1);
        assert!((steady.max - 5.0).abs() < 0.01);
        assert!(book.phase_summaries("logon").is_empty());
    }

    #[test]
    fn a_window_counts_beside_its_phase_and_ends_with_it() {
        let book = LatencyBook::default();
        book.set_phase("steady");
        book.set_window("steady 1");
        book.record("k", Duration::from_millis(2));
        book.set_window("steady 2");
        book.record("k", Duration::from_millis(4));
        book.record("k", Duration::from_millis(6));
        book.set_phase("drain");
        book.record("k", Duration::from_millis(8));
        assert_eq!(book.phase_summaries("steady")["k"].count, 3);
        assert_eq!(book.phase_summaries("steady 1")["k"].count, 1);
        let second = book.phase_summaries("steady 2")["k"];
        assert_eq!(second.count, 2);
        assert!((second.max - 6.0).abs() < 0.01, "{second:?}");
        assert_eq!(book.summaries()["k"].count, 4);
    }

    #[test]
    fn absorb_adds_counts() {
        let a = LatencyBook::default();
        let b = LatencyBook::default();
        a.record("x", Duration::from_millis(1));
        b.record("x", Duration::from_millis(3));
        b.record("y", Duration::from_millis(3));
        b.set_phase("steady");
        b.record("x", Duration::from_millis(4));
        a.absorb(&b);
        assert_eq!(a.phase_summaries("steady")["x"].count, 1);
        let s = a.summaries();
        assert_eq!(s["x"].count, 3);
        assert_eq!(s["y"].count, 1);
    }
}
