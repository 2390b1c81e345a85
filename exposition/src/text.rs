//! [`Families`] as OpenMetrics 1.0 text, through prometheus-client's encoder (it knows the
//! format's escaping, suffixes and `# EOF`; nothing here formats numbers by hand).

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric, MetricEncoder, NoLabelSet};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::registry::Unit;

use crate::families::{Families, Family, Kind, Value};

/// What `GET /metrics` answers with. Prometheus asks for OpenMetrics first and reads it.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// The families as OpenMetrics text, ending in `# EOF`.
pub fn encode(families: Families) -> Result<String, std::fmt::Error> {
    if !families.conflicts.is_empty() {
        tracing::warn!(
            families = ?families.conflicts,
            "metrics: samples dropped from families declared twice with different types"
        );
    }
    let mut registry = prometheus_client::registry::Registry::default();
    registry.register_collector(Box::new(Scrape(families)));
    let mut out = String::new();
    prometheus_client::encoding::text::encode(&mut out, &registry)?;
    Ok(out)
}

/// One scrape's families, handed to prometheus-client as a collector.
#[derive(Debug)]
struct Scrape(Families);

impl Collector for Scrape {
    fn encode(&self, mut encoder: DescriptorEncoder<'_>) -> Result<(), std::fmt::Error> {
        for (name, family) in &self.0.by_name {
            encode_family(&mut encoder, name, family)?;
        }
        Ok(())
    }
}

fn encode_family(
    encoder: &mut DescriptorEncoder<'_>,
    name: &str,
    family: &Family,
) -> Result<(), std::fmt::Error> {
    let (kind, unit) = match family.kind {
        Kind::Counter => (MetricType::Counter, None),
        Kind::Gauge => (MetricType::Gauge, None),
        Kind::Histogram => (MetricType::Histogram, Some(&Unit::Seconds)),
    };
    let mut metric = encoder.encode_descriptor(name, family.help, unit, kind)?;
    if let [(labels, value)] = family.samples.as_slice()
        && labels.is_empty()
    {
        // A family of one unlabelled sample reads `name 42`, not `name{} 42`.
        return encode_value(metric, value);
    }
    for (labels, value) in &family.samples {
        encode_value(metric.encode_family(labels)?, value)?;
    }
    Ok(())
}

fn encode_value(mut sample: MetricEncoder<'_>, value: &Value) -> Result<(), std::fmt::Error> {
    match value {
        Value::Counter(v) => ConstCounter::new(*v).encode(sample),
        Value::Gauge(v) => ConstGauge::new(*v).encode(sample),
        Value::Histogram(b) => {
            sample.encode_histogram::<NoLabelSet>(b.sum_s, b.count, &b.buckets, None)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_gauges_and_histograms_read_as_openmetrics() {
        let mut f = Families::default();
        f.counter(
            "crmsim_calls",
            "Calls by outcome.",
            &[("outcome", "offered")],
            7,
        );
        f.gauge(
            "crmsim_agents",
            "Agents by state.",
            &[("state", "ready")],
            3.0,
        );
        let Ok(mut h) = hdrhistogram::Histogram::<u64>::new_with_bounds(1, 3_600_000_000, 3) else {
            panic!("bounds");
        };
        h.saturating_record(2_000);
        h.saturating_record(2_000);
        h.saturating_record(700_000);
        f.histogram_micros(
            "crmsim_request_duration",
            "Latency.",
            &[("op", "call.answer")],
            &h,
        );
        let Ok(text) = encode(f) else {
            panic!("encode");
        };
        assert!(text.contains("# TYPE crmsim_calls counter"), "{text}");
        assert!(
            text.contains("crmsim_calls_total{outcome=\"offered\"} 7"),
            "{text}"
        );
        assert!(
            text.contains("crmsim_agents{state=\"ready\"} 3.0"),
            "{text}"
        );
        assert!(
            text.contains("# TYPE crmsim_request_duration_seconds histogram"),
            "{text}"
        );
        // Cumulative on the wire: 2 at 2.5 ms, 3 from 1 s on.
        assert!(
            text.contains(
                "crmsim_request_duration_seconds_bucket{le=\"0.0025\",op=\"call.answer\"} 2"
            ),
            "{text}"
        );
        assert!(
            text.contains(
                "crmsim_request_duration_seconds_bucket{le=\"1.0\",op=\"call.answer\"} 3"
            ),
            "{text}"
        );
        assert!(
            text.contains("crmsim_request_duration_seconds_count{op=\"call.answer\"} 3"),
            "{text}"
        );
        assert!(text.trim_end().ends_with("# EOF"), "{text}");
    }
}
