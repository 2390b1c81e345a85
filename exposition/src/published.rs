//! A source that shows what its owner last published.
//!
//! The run loop owns its topology and changes it (a fault kills side A and starts another), so
//! it is the one place that can read every component without sharing them: it gathers the
//! families once a second and publishes them here, and scrapes read the latest copy. A scrape
//! therefore sees the run as of at most a second ago, which is finer than any scrape interval.

use std::sync::{Arc, Mutex, PoisonError};

use crate::{Families, Source};

/// The latest families of one owner.
#[derive(Debug, Clone, Default)]
pub struct Published {
    latest: Arc<Mutex<Families>>,
}

impl Published {
    /// Replaces what scrapes see.
    pub fn publish(&self, families: Families) {
        *self.latest.lock().unwrap_or_else(PoisonError::into_inner) = families;
    }
}

impl Source for Published {
    fn collect(&self, out: &mut Families) {
        let latest = self.latest.lock().unwrap_or_else(PoisonError::into_inner);
        out.extend(&latest);
    }
}
