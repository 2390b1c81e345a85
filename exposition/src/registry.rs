//! The sources a metrics endpoint reads, replaceable while it runs.
//!
//! In a run, components come and go: a fault kills connector side A and starts a new one under
//! the same name. The new one replaces the old source under its key, so a scrape never shows
//! two series with one label set (an invalid exposition); Prometheus sees the counter restart
//! and `rate()` copes with that as with any process restart.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};

use crate::Families;

/// Something that can say, at scrape time, what it has counted.
pub trait Source: Send + Sync + 'static {
    /// Adds this source's samples. Must not block for long: it runs on every scrape.
    fn collect(&self, out: &mut Families);
}

/// Sources by key, shared between whoever starts components and the metrics endpoint.
#[derive(Clone, Default)]
pub struct Registry {
    sources: Arc<Mutex<BTreeMap<String, Arc<dyn Source>>>>,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let keys: Vec<String> = self.lock().keys().cloned().collect();
        f.debug_struct("Registry").field("sources", &keys).finish()
    }
}

impl Registry {
    /// Adds a source, or replaces the one under the same key.
    pub fn set(&self, key: impl Into<String>, source: Arc<dyn Source>) {
        self.lock().insert(key.into(), source);
    }

    /// Removes a source (a component that is gone for good).
    pub fn remove(&self, key: &str) {
        self.lock().remove(key);
    }

    /// Every source's samples, in key order.
    pub fn gather(&self) -> Families {
        // Sources are cloned out first so a slow one never holds up `set` from a restart.
        let sources: Vec<Arc<dyn Source>> = self.lock().values().cloned().collect();
        let mut out = Families::default();
        for s in sources {
            s.collect(&mut out);
        }
        out
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Arc<dyn Source>>> {
        // A source that panicked mid-`set` leaves a map that is still whole.
        self.sources.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
