//! Binding listeners with errors that name them, and the accept loop every listener runs.

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio_util::task::TaskTracker;

use crate::error::ProxyError;
use crate::impair::Impairments;
use crate::session::Lifecycle;

/// Binds `addr` for `listener` (`frontend `ici``) of `owner` (`proxy `p``) and returns the
/// listener with its actual address (port 0 resolved).
pub(crate) async fn bind(
    owner: &str,
    listener: &str,
    addr: SocketAddr,
) -> Result<(TcpListener, SocketAddr), ProxyError> {
    let error = |source| ProxyError::Bind {
        owner: owner.to_string(),
        listener: listener.to_string(),
        addr,
        source,
    };
    let bound = TcpListener::bind(addr).await.map_err(error)?;
    let local = bound.local_addr().map_err(error)?;
    Ok((bound, local))
}

/// Starts the accept loop of `listener` on `tracker`, as a task named after `what` (a panic in
/// it names the listener).
pub(crate) fn spawn_accept_loop<F, Fut>(
    listener: TcpListener,
    what: String,
    life: Lifecycle,
    gate: Option<Impairments>,
    tracker: &TaskTracker,
    handle: F,
) where
    F: Fn(TcpStream, SocketAddr) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let task = format!("{what} accept loop");
    tracker.spawn(tasks::named(
        task,
        accept_loop(listener, what, life, gate, tracker.clone(), handle),
    ));
}

/// Accepts until the lifecycle ends, handing each connection to `handle` on its own task.
/// While `gate` is paused nothing is accepted: connections wait in the kernel's backlog, as
/// with a stopped process.
async fn accept_loop<F, Fut>(
    listener: TcpListener,
    what: String,
    life: Lifecycle,
    gate: Option<Impairments>,
    tracker: TaskTracker,
    handle: F,
) where
    F: Fn(TcpStream, SocketAddr) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    loop {
        let accepted = tokio::select! {
            _ = life.ended() => return,
            accepted = async {
                if let Some(gate) = &gate {
                    gate.wait_unpaused().await;
                }
                listener.accept().await
            } => accepted,
        };
        match accepted {
            Ok((stream, peer)) => {
                let _ = stream.set_nodelay(true);
                tracker.spawn(tasks::named(
                    format!("{what} connection from {peer}"),
                    handle(stream, peer),
                ));
            }
            Err(e) => {
                // EMFILE and friends: say so and back off instead of spinning.
                tracing::warn!(listener = %what, error = %e, "accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
}
