//! What the connector measured: event delivery, arrival punctuality, latencies, errors.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use ici::Operation;
use stats::{ErrorLog, LatencyBook, Outcome, OutcomeTally, Timeline};

/// Shared by the connector's tasks; read by the harness.
#[derive(Debug)]
pub struct ConnectorMetrics {
    /// `event.<name>`: state change → the CRM's acknowledgement. `arrival.lateness`: how late the
    /// generator offered calls against their schedule.
    pub latency: LatencyBook,
    /// Counts per second (`calls.offered` at their intended time, `events` acknowledged) and event
    /// latencies, for the run's plots.
    pub timeline: Timeline,
    /// Errors by kind (event delivery, requests refused), each with a count and its first message.
    pub errors: ErrorLog,
    /// Events by operation ([`Operation::index`]) and outcome: acknowledged (`ok`), refused
    /// (`fault`), given up (`error`); for live metrics.
    pub event_outcomes: OutcomeTally,
    events_delivered: AtomicU64,
    events_failed: AtomicU64,
    events_retried: AtomicU64,
    events_refused: AtomicU64,
    late_arrivals: AtomicU64,
}

/// Event delivery counts.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    serde::Serialize,
    serde::Deserialize,
    schemars::JsonSchema,
)]
pub struct EventCounts {
    /// Acknowledged by the CRM.
    pub delivered: u64,
    /// Given up after retries (the CRM never got them, as far as we know).
    pub failed: u64,
    /// Extra attempts made.
    pub retried: u64,
    /// Answered by the CRM with a SOAP fault.
    pub refused: u64,
}

impl EventCounts {
    /// Of `emitted` events, those neither delivered, failed nor refused yet.
    pub fn in_flight(&self, emitted: u64) -> u64 {
        emitted.saturating_sub(self.delivered + self.failed + self.refused)
    }
}

impl ConnectorMetrics {
    /// Empty metrics; the timeline's seconds count from `start`.
    pub fn new(start: Instant) -> ConnectorMetrics {
        ConnectorMetrics {
            latency: LatencyBook::default(),
            timeline: Timeline::new(start),
            errors: ErrorLog::default(),
            event_outcomes: OutcomeTally::new(Operation::ALL.len()),
            events_delivered: AtomicU64::new(0),
            events_failed: AtomicU64::new(0),
            events_retried: AtomicU64::new(0),
            events_refused: AtomicU64::new(0),
            late_arrivals: AtomicU64::new(0),
        }
    }

    pub(crate) fn event_delivered(&self, op: Operation) {
        self.events_delivered.fetch_add(1, Ordering::Relaxed);
        self.event_outcomes.add(op.index(), Outcome::Ok);
    }
    pub(crate) fn event_failed(&self, op: Operation) {
        self.events_failed.fetch_add(1, Ordering::Relaxed);
        self.event_outcomes.add(op.index(), Outcome::Error);
    }
    pub(crate) fn event_retried(&self) {
        self.events_retried.fetch_add(1, Ordering::Relaxed);
    }
    pub(crate) fn event_refused(&self, op: Operation) {
        self.events_refused.fetch_add(1, Ordering::Relaxed);
        self.event_outcomes.add(op.index(), Outcome::Fault);
    }
    pub(crate) fn late_arrival(&self) {
        self.late_arrivals.fetch_add(1, Ordering::Relaxed);
    }

    /// Event delivery counts so far.
    pub fn events(&self) -> EventCounts {
        EventCounts {
            delivered: self.events_delivered.load(Ordering::Relaxed),
            failed: self.events_failed.load(Ordering::Relaxed),
            retried: self.events_retried.load(Ordering::Relaxed),
            refused: self.events_refused.load(Ordering::Relaxed),
        }
    }

    /// Calls offered more than the lateness tolerance after their scheduled time.
    pub fn late_arrivals(&self) -> u64 {
        self.late_arrivals.load(Ordering::Relaxed)
    }
}
