//! A tower layer for reqwest's connector that counts the connections it opens.
//!
//! reqwest pools connections out of sight; counting at the connector is the one place that sees
//! every new one, which is what "new connection per message" modes must prove.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use tower::{Layer, Service};

use crate::link_stats::LinkStats;

#[derive(Clone)]
pub struct CountConnections {
    stats: Arc<LinkStats>,
}

impl CountConnections {
    pub fn new(stats: Arc<LinkStats>) -> Self {
        CountConnections { stats }
    }
}

impl<S> Layer<S> for CountConnections {
    type Service = Counted<S>;
    fn layer(&self, inner: S) -> Counted<S> {
        Counted {
            inner,
            stats: self.stats.clone(),
        }
    }
}

#[derive(Clone)]
pub struct Counted<S> {
    inner: S,
    stats: Arc<LinkStats>,
}

impl<S, R> Service<R> for Counted<S>
where
    S: Service<R>,
    S::Future: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<S::Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: R) -> Self::Future {
        let stats = self.stats.clone();
        let connecting = self.inner.call(request);
        Box::pin(async move {
            let connection = connecting.await?;
            stats.connection_opened();
            Ok(connection)
        })
    }
}
