//! One scrape's worth of metric families, gathered from any number of sources.
//!
//! Several sources add to the same family (every CRM instance reports its own
//! `crmsim_requests_total` under its own `component` label), so families are grouped by name
//! here before the encoder sees them: the text format wants each family exactly once.

use std::collections::BTreeMap;

use hdrhistogram::Histogram;

use crate::histogram::Buckets;

/// The OpenMetrics type of a family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Only ever goes up (until the component restarts, which Prometheus's `rate` allows for).
    Counter,
    /// Goes up and down: agents in a state, servers up.
    Gauge,
    /// Latencies in seconds, in the fixed buckets of [`crate::BUCKETS_S`].
    Histogram,
}

/// A label set: names and values, in the order given.
pub type Labels = Vec<(String, String)>;

#[derive(Debug, Clone)]
pub(crate) enum Value {
    Counter(u64),
    Gauge(f64),
    Histogram(Buckets),
}

#[derive(Debug, Clone)]
pub(crate) struct Family {
    pub help: &'static str,
    pub kind: Kind,
    pub samples: Vec<(Labels, Value)>,
}

/// Families by name (without the `_total` or unit suffix: the encoder adds them).
#[derive(Debug, Clone, Default)]
pub struct Families {
    pub(crate) by_name: BTreeMap<&'static str, Family>,
    /// Samples refused because their family was already declared with another type: a
    /// programming slip in a source, reported once per scrape instead of a broken exposition.
    pub(crate) conflicts: Vec<&'static str>,
}

fn labels(pairs: &[(&str, &str)]) -> Labels {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

impl Families {
    /// A counter sample; `name` without `_total`.
    pub fn counter(&mut self, name: &'static str, help: &'static str, l: &[(&str, &str)], v: u64) {
        self.add(name, help, Kind::Counter, labels(l), Value::Counter(v));
    }

    /// A gauge sample.
    pub fn gauge(&mut self, name: &'static str, help: &'static str, l: &[(&str, &str)], v: f64) {
        self.add(name, help, Kind::Gauge, labels(l), Value::Gauge(v));
    }

    /// A latency histogram from microseconds (crmsim's HDR histograms); `name` without
    /// `_seconds`, which the encoder appends.
    pub fn histogram_micros(
        &mut self,
        name: &'static str,
        help: &'static str,
        l: &[(&str, &str)],
        h: &Histogram<u64>,
    ) {
        let buckets = Buckets::from_micros(h);
        self.add(
            name,
            help,
            Kind::Histogram,
            labels(l),
            Value::Histogram(buckets),
        );
    }

    fn add(&mut self, name: &'static str, help: &'static str, kind: Kind, l: Labels, v: Value) {
        let family = self.by_name.entry(name).or_insert_with(|| Family {
            help,
            kind,
            samples: Vec::new(),
        });
        if family.kind != kind {
            if !self.conflicts.contains(&name) {
                self.conflicts.push(name);
            }
            return;
        }
        family.samples.push((l, v));
    }

    /// Adds every sample of `other` (another source's families).
    pub fn extend(&mut self, other: &Families) {
        for (name, family) in &other.by_name {
            for (labels, value) in &family.samples {
                self.add(
                    name,
                    family.help,
                    family.kind,
                    labels.clone(),
                    value.clone(),
                );
            }
        }
        for name in &other.conflicts {
            if !self.conflicts.contains(name) {
                self.conflicts.push(name);
            }
        }
    }

    /// How many samples were gathered (all families).
    pub fn len(&self) -> usize {
        self.by_name.values().map(|f| f.samples.len()).sum()
    }

    /// True when no source added anything.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_of_one_family_are_grouped_and_a_type_clash_is_refused() {
        let mut f = Families::default();
        f.counter("crmsim_requests", "Requests.", &[("component", "crm")], 3);
        f.counter("crmsim_requests", "Requests.", &[("component", "crm-2")], 4);
        f.gauge("crmsim_requests", "Requests.", &[], 1.0);
        assert_eq!(f.by_name.len(), 1);
        assert_eq!(f.len(), 2);
        assert_eq!(f.conflicts, vec!["crmsim_requests"]);
    }
}
