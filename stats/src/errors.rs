//! Errors of a run, grouped so that a report shows each kind once with its count.
//!
//! A failing run can produce thousands of identical errors; keeping every line would drown the
//! one that matters and grow without bound. Each error has a kind (a stable key such as
//! `event.delivery` or `tls.unknown-issuer`); the first message of each kind is kept verbatim.

use std::collections::BTreeMap;
use std::sync::Mutex;

use crate::latency::lock;

/// A run's errors by kind, each with its count and first message; shared by every task that
/// records one.
#[derive(Debug, Default)]
pub struct ErrorLog {
    entries: Mutex<BTreeMap<String, ErrorEntry>>,
}

/// One kind of error: how often, and the first message seen.
#[derive(
    Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct ErrorEntry {
    /// The stable key errors are grouped under (`request.bad-answer`, `dialect.mismatch`).
    pub kind: String,
    /// How many errors of this kind were recorded.
    pub count: u64,
    /// The first message of this kind, verbatim; later ones are only counted.
    pub first: String,
}

impl ErrorLog {
    /// Records one error and logs it at warn level the first time its kind appears.
    pub fn record(&self, kind: &str, message: impl Into<String>) {
        let mut entries = lock(&self.entries);
        match entries.get_mut(kind) {
            Some(e) => e.count += 1,
            None => {
                let first = message.into();
                tracing::warn!(kind, "{first}");
                entries.insert(
                    kind.to_owned(),
                    ErrorEntry {
                        kind: kind.to_owned(),
                        count: 1,
                        first,
                    },
                );
            }
        }
    }

    /// Every kind recorded so far, in key order.
    pub fn entries(&self) -> Vec<ErrorEntry> {
        lock(&self.entries).values().cloned().collect()
    }

    /// Errors recorded so far, all kinds together.
    pub fn total(&self) -> u64 {
        lock(&self.entries).values().map(|e| e.count).sum()
    }
}
