//! The `GET /metrics` endpoint: plain HTTP on the address the user chose (`--metrics ADDR`).
//!
//! Plain, not TLS: it is meant for a Prometheus on the same host or a private network, as
//! node_exporter and HAProxy's exporter are by default, and the measured hops keep their TLS
//! budget to themselves.

use std::net::SocketAddr;

use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use http::{StatusCode, header};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::Registry;

/// Why the endpoint could not start.
#[derive(Debug, thiserror::Error)]
pub enum MetricsError {
    /// The address could not be listened on (a port taken, an address not of this host).
    #[error(
        "--metrics {addr}: cannot listen there: {source}; choose a free port (e.g. --metrics 127.0.0.1:0 for any) or stop what holds it"
    )]
    Bind {
        /// The address asked for (`--metrics ADDR`).
        addr: SocketAddr,
        /// What the operating system said.
        source: std::io::Error,
    },
}

/// A running metrics endpoint; stops when [`shutdown`](Self::shutdown) is called or dropped.
#[derive(Debug)]
pub struct MetricsServer {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl MetricsServer {
    /// Listens on `addr` and answers scrapes from `registry`.
    pub async fn start(
        addr: SocketAddr,
        registry: Registry,
    ) -> Result<MetricsServer, MetricsError> {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|source| MetricsError::Bind { addr, source })?;
        let bound = listener
            .local_addr()
            .map_err(|source| MetricsError::Bind { addr, source })?;
        let app = Router::new()
            .route("/metrics", get(scrape))
            .route("/", get(index))
            .with_state(registry);
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let served = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
            if let Err(e) = served {
                tracing::warn!(addr = %bound, "metrics endpoint stopped: {e}");
            }
        });
        Ok(MetricsServer {
            addr: bound,
            stop: Some(stop),
            task: Some(task),
        })
    }

    /// Where it listens (the real port when `:0` was asked for).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops listening and waits for scrapes in progress to finish.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for MetricsServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

async fn scrape(State(registry): State<Registry>) -> Response {
    match crate::encode(registry.gather()) {
        Ok(text) => ([(header::CONTENT_TYPE, crate::CONTENT_TYPE)], text).into_response(),
        Err(e) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("crmsim could not encode its metrics: {e}\n"),
        )
            .into_response(),
    }
}

/// A browser pointed at the bare address learns where the metrics are.
async fn index() -> &'static str {
    "crmsim metrics: GET /metrics (OpenMetrics text)\n"
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::{Families, Source};

    struct Fixed;
    impl Source for Fixed {
        fn collect(&self, out: &mut Families) {
            out.counter("crmsim_test_things", "Things.", &[], 42);
        }
    }

    #[tokio::test]
    async fn serves_a_scrape_over_real_http_and_refuses_a_taken_port() {
        let registry = Registry::default();
        registry.set("fixed", Arc::new(Fixed));
        let Ok(server) = MetricsServer::start(([127, 0, 0, 1], 0).into(), registry.clone()).await
        else {
            panic!("bind");
        };
        let url = format!("http://{}/metrics", server.local_addr());
        let Ok(answer) = reqwest::get(&url).await else {
            panic!("scrape");
        };
        assert_eq!(
            answer
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok()),
            Some(crate::CONTENT_TYPE)
        );
        let Ok(body) = answer.text().await else {
            panic!("body");
        };
        assert!(body.contains("crmsim_test_things_total 42"), "{body}");
        let taken = MetricsServer::start(server.local_addr(), registry).await;
        let Err(e) = taken else {
            panic!("a second endpoint on the same port started");
        };
        assert!(e.to_string().contains("choose a free port"), "{e}");
        server.shutdown().await;
    }
}
