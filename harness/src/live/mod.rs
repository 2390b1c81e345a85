//! Live metrics of crmsim's own components (`--metrics ADDR` on `run`, `capacity` and
//! `serve`): what each simulator has counted so far, as Prometheus families.
//!
//! The families are read from the same counters and histograms the final report is built from
//! (nothing is counted twice), by whoever owns the components: the run loop once a second, a
//! served component on its own tick. [`exposition`] serves them.
//!
//! Names follow the Prometheus exporters' conventions: `crmsim_` prefix, seconds, `_total` on
//! counters, and one `component` label (`crm`, `connector-a`) on every per-component series, so
//! a dashboard can sum over sides or show them apart.

mod connector;
mod crm;
mod network;
mod run;

use std::net::SocketAddr;
use std::time::Duration;

use exposition::{Families, MetricsError, MetricsServer, Published, Registry};

pub use connector::connector;
pub use crm::crm;
pub use network::network;
pub use run::{RunInfo, topology};

/// How often owners publish: finer than any sensible scrape interval, coarse enough to cost
/// nothing measurable (one gather is a few hundred microseconds).
pub const PUBLISH_EVERY: Duration = Duration::from_secs(1);

/// A running metrics endpoint and the slot its owner publishes into.
#[derive(Debug)]
pub struct LiveMetrics {
    server: MetricsServer,
    published: Published,
}

impl LiveMetrics {
    /// Starts `GET /metrics` on `addr`; prints nothing (the caller says where it listens).
    pub async fn start(addr: SocketAddr) -> Result<LiveMetrics, MetricsError> {
        let published = Published::default();
        let registry = Registry::default();
        registry.set("crmsim", std::sync::Arc::new(published.clone()));
        let server = MetricsServer::start(addr, registry).await?;
        Ok(LiveMetrics { server, published })
    }

    /// Where scrapes go (the real port when `:0` was given).
    pub fn local_addr(&self) -> SocketAddr {
        self.server.local_addr()
    }

    /// A handle for the run loop to publish through.
    pub fn publisher(&self) -> Published {
        self.published.clone()
    }

    /// Replaces what scrapes see.
    pub fn publish(&self, families: Families) {
        self.published.publish(families);
    }

    /// Stops the endpoint.
    pub async fn shutdown(self) {
        self.server.shutdown().await;
    }
}

/// The labels every per-component series carries.
fn of(component: &str) -> [(&'static str, &str); 1] {
    [("component", component)]
}
