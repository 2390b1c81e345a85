//! A listener that forwards every connection to one fixed target: a proxy's static route and a
//! standalone relay are the same thing with a different owner.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpStream;
use tokio_util::sync::CancellationToken;

use crate::impair::{Impairments, Registration};
use crate::session::{self, Counting, Dialled, Lifecycle};
use crate::snapshot::{Counter, ForwardSnapshot, Gauge};

/// How long a route or relay waits for its target to accept a connection.
pub const FORWARD_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The live state of one fixed forward.
pub(crate) struct Forward {
    pub name: String,
    pub addr: SocketAddr,
    pub target: SocketAddr,
    pub leg: Impairments,
    connections: Counter,
    active: Gauge,
    connect_failures: Counter,
    bytes_in: Counter,
    bytes_out: Counter,
}

impl Forward {
    pub fn new(name: &str, addr: SocketAddr, target: SocketAddr, leg: Impairments) -> Forward {
        Forward {
            name: name.to_string(),
            addr,
            target,
            leg,
            connections: Counter::default(),
            active: Gauge::default(),
            connect_failures: Counter::default(),
            bytes_in: Counter::default(),
            bytes_out: Counter::default(),
        }
    }

    pub fn snapshot(&self) -> ForwardSnapshot {
        ForwardSnapshot {
            name: self.name.clone(),
            addr: self.addr,
            target: self.target,
            connections: self.connections.get(),
            active: self.active.get(),
            connect_failures: self.connect_failures.get(),
            bytes_in: self.bytes_in.get(),
            bytes_out: self.bytes_out.get(),
            faults: self.leg.faults(),
        }
    }
}

/// Serves one accepted connection. `outer` are legs every connection of the owner crosses too
/// (the whole proxy), after this forward's own leg.
pub(crate) async fn serve(
    forward: Arc<Forward>,
    client: TcpStream,
    peer: SocketAddr,
    outer: Vec<Impairments>,
    life: Lifecycle,
) {
    forward.connections.incr();
    let _active = forward.active.hold();
    let mut legs = vec![forward.leg.clone()];
    legs.extend(outer);
    if legs.iter().any(Impairments::is_blackholed) {
        session::swallow(client, &legs, &life).await;
        return;
    }
    let reset = CancellationToken::new();
    let _registration = Registration::new(&legs, &reset);
    let dialled = session::dial_while_alive(
        forward.target,
        FORWARD_CONNECT_TIMEOUT,
        &forward.leg,
        &life,
        &reset,
    );
    let server = match dialled.await {
        Dialled::Connected(server) => server,
        Dialled::Failed(e) => {
            forward.connect_failures.incr();
            // Per connection: counted in the snapshot.
            tracing::debug!(forward = %forward.name, %peer, target = %forward.target, error = %e,
                "target unreachable; client connection reset");
            session::refuse(client);
            return;
        }
        Dialled::Abort => return session::refuse(client),
        Dialled::Close => return,
    };
    let to_server = |n| forward.bytes_in.add(n);
    let to_client = |n| forward.bytes_out.add(n);
    let counting = Counting {
        to_server: &to_server,
        to_client: &to_client,
    };
    session::forward(client, server, &legs, &life, &reset, counting).await;
}
