//! Counters for one end of a hop: connections, TLS handshakes full vs resumed, and failures by
//! cause.
//!
//! The seed says SSL costs capacity; the cost is mostly handshakes, and whether they are full or
//! resumed ("session caching") decides how much. So every server and every client keeps its own
//! tally, and reports can say per hop what happened.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::tls_failure::TlsFailure;

/// Live counters; cheap to update from many tasks.
#[derive(Debug, Default)]
pub struct LinkStats {
    connections: AtomicU64,
    full: AtomicU64,
    resumed: AtomicU64,
    failures: Mutex<BTreeMap<&'static str, FailureTally>>,
}

#[derive(Debug, Clone)]
struct FailureTally {
    count: u64,
    example: String,
}

/// A point-in-time copy of [`LinkStats`].
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct LinkSnapshot {
    pub connections: u64,
    pub handshakes_full: u64,
    pub handshakes_resumed: u64,
    pub handshake_failures: u64,
    /// Failures grouped by cause, each with one example message naming the peer.
    pub failures: Vec<FailureSummary>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FailureSummary {
    pub cause: &'static str,
    pub count: u64,
    pub example: String,
}

impl LinkStats {
    pub fn connection_opened(&self) {
        self.connections.fetch_add(1, Ordering::Relaxed);
    }

    pub fn handshake(&self, resumed: bool) {
        let counter = if resumed { &self.resumed } else { &self.full };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a failure; keeps the first message of each cause as the example, so a report shows
    /// who failed how without keeping thousands of lines.
    pub fn failure(&self, failure: &TlsFailure, message: String) {
        let mut failures = match self.failures.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        failures
            .entry(failure.key())
            .and_modify(|t| t.count += 1)
            .or_insert(FailureTally {
                count: 1,
                example: message,
            });
    }

    pub fn snapshot(&self) -> LinkSnapshot {
        let failures = match self.failures.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        let failures: Vec<FailureSummary> = failures
            .iter()
            .map(|(cause, t)| FailureSummary {
                cause,
                count: t.count,
                example: t.example.clone(),
            })
            .collect();
        LinkSnapshot {
            connections: self.connections.load(Ordering::Relaxed),
            handshakes_full: self.full.load(Ordering::Relaxed),
            handshakes_resumed: self.resumed.load(Ordering::Relaxed),
            handshake_failures: failures.iter().map(|f| f.count).sum(),
            failures,
        }
    }
}

impl LinkSnapshot {
    /// Adds another snapshot into this one (e.g. both connector sides).
    pub fn merge(&mut self, other: &LinkSnapshot) {
        self.connections += other.connections;
        self.handshakes_full += other.handshakes_full;
        self.handshakes_resumed += other.handshakes_resumed;
        self.handshake_failures += other.handshake_failures;
        for f in &other.failures {
            match self.failures.iter_mut().find(|m| m.cause == f.cause) {
                Some(mine) => mine.count += f.count,
                None => self.failures.push(f.clone()),
            }
        }
    }
}
