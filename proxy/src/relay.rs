//! A standalone controllable TCP forwarder, for legs that have no proxy on them: CRM → connector
//! in the direct deployment, connector → CRM for events sent directly. Put it between the two
//! ends (the client dials the relay, the relay dials the real server) and drive its faults
//! through [`Relay::impairments`].

use std::net::SocketAddr;
use std::sync::Arc;

use tokio_util::task::TaskTracker;

use crate::error::ProxyError;
use crate::forward::{self, Forward};
use crate::impair::Impairments;
use crate::listen;
use crate::session::Lifecycle;
use crate::snapshot::RelaySnapshot;

/// A running relay. Dropping the handle kills it (see [`Relay::kill`]); call
/// [`shutdown`](Self::shutdown) for a graceful end.
pub struct Relay {
    forward: Arc<Forward>,
    life: Lifecycle,
    tracker: TaskTracker,
}

impl Relay {
    /// Binds `listen` and forwards every connection to `target` (dialled when the client
    /// connects, with a 10 s timeout: [`forward::FORWARD_CONNECT_TIMEOUT`]). When the target
    /// cannot be reached the client connection is reset.
    pub async fn start(
        name: &str,
        listen: SocketAddr,
        target: SocketAddr,
    ) -> Result<Relay, ProxyError> {
        let owner = format!("relay `{name}`");
        let (listener, addr) = listen::bind(&owner, "listener", listen).await?;
        let leg = Impairments::new(format!("relay {name}"));
        let forward = Arc::new(Forward::new(name, addr, target, leg));
        let life = Lifecycle::default();
        let tracker = TaskTracker::new();
        let handler = {
            let forward = forward.clone();
            let life = life.clone();
            move |stream, peer| {
                forward::serve(forward.clone(), stream, peer, Vec::new(), life.clone())
            }
        };
        listen::spawn_accept_loop(listener, owner, life.clone(), None, &tracker, handler);
        tracing::info!(relay = %name, %addr, %target, "relay listening");
        Ok(Relay {
            forward,
            life,
            tracker,
        })
    }

    /// The bound address (port 0 resolved).
    pub fn local_addr(&self) -> SocketAddr {
        self.forward.addr
    }

    /// Where connections are forwarded.
    pub fn target(&self) -> SocketAddr {
        self.forward.target
    }

    /// The handle to this relay's faults.
    pub fn impairments(&self) -> Impairments {
        self.forward.leg.clone()
    }

    /// Counters now.
    pub fn snapshot(&self) -> RelaySnapshot {
        self.forward.snapshot()
    }

    /// Stops listening and closes every connection (FIN to both ends); returns when all are
    /// closed.
    pub async fn shutdown(self) {
        self.life.stop.cancel();
        self.tracker.close();
        self.tracker.wait().await;
    }

    /// Drops the listener and resets every connection at once, as a crashed hop would.
    pub async fn kill(self) {
        self.life.kill.cancel();
        self.tracker.close();
        self.tracker.wait().await;
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.life.kill.cancel();
    }
}
