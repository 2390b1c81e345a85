//! One forwarded connection from start to end: dialling the server, forwarding, and ending it
//! the way the cause demands.
//!
//! How a connection ends is part of what a fault injects, so it is explicit:
//! - a normal end (both sides closed) or a graceful shutdown of the proxy closes with FIN;
//! - a reset ([`crate::Impairments::reset_connections`]), `shutdown-sessions`, a kill, or an
//!   error on one side (e.g. the server reset) closes *both* sides with RST, so each peer sees
//!   what a crash in between would have shown it.

use std::io;
use std::net::SocketAddr;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;
use tokio_util::sync::CancellationToken;

use crate::impair::{Impairments, Registration};

use crate::pump;

/// The stop signals every task of a proxy or relay listens to.
#[derive(Clone, Default)]
pub(crate) struct Lifecycle {
    /// Graceful: stop accepting, close connections with FIN.
    pub stop: CancellationToken,
    /// Abrupt: drop everything, connections with RST.
    pub kill: CancellationToken,
}

impl Lifecycle {
    /// Completes when either signal is given.
    pub async fn ended(&self) {
        tokio::select! {
            _ = self.stop.cancelled() => {}
            _ = self.kill.cancelled() => {}
        }
    }
}

enum End {
    Close,
    Abort,
}

/// Byte counters for the two directions of one connection.
pub(crate) struct Counting<'a> {
    /// Client → server bytes written.
    pub to_server: &'a (dyn Fn(u64) + Sync),
    /// Server → client bytes written.
    pub to_client: &'a (dyn Fn(u64) + Sync),
}

/// Forwards between `client` and `server` through `legs` until the connection ends or `reset`
/// (registered with the legs by the caller, see [`Registration`]) is cancelled.
pub(crate) async fn forward(
    mut client: TcpStream,
    mut server: TcpStream,
    legs: &[Impairments],
    life: &Lifecycle,
    reset: &CancellationToken,
    counting: Counting<'_>,
) {
    let _ = server.set_nodelay(true);
    let dead = AtomicBool::new(false);
    let end = {
        let client_halves = client.split();
        let server_halves = server.split();
        let copy = pump::both_ways(
            client_halves,
            server_halves,
            legs,
            &dead,
            counting.to_server,
            counting.to_client,
        );
        tokio::select! {
            biased;
            _ = life.kill.cancelled() => End::Abort,
            _ = reset.cancelled() => End::Abort,
            _ = life.stop.cancelled() => End::Close,
            result = copy => match result {
                Ok(()) => End::Close,
                Err(e) => {
                    tracing::debug!(error = %e, "forwarded connection failed");
                    End::Abort
                }
            },
        }
    };
    if let End::Abort = end {
        abort(&client);
        abort(&server);
    }
}

/// A connection accepted into a blackhole: registered with `legs` (so it can be reset),
/// everything it sends read and dropped, nothing ever answered.
pub(crate) async fn swallow(mut client: TcpStream, legs: &[Impairments], life: &Lifecycle) {
    let reset = CancellationToken::new();
    let _registration = Registration::new(legs, &reset);
    let end = {
        let drain = async {
            let mut sink = vec![0u8; 16 * 1024];
            while let Ok(n) = client.read(&mut sink).await {
                if n == 0 {
                    break;
                }
            }
        };
        tokio::select! {
            biased;
            _ = life.kill.cancelled() => End::Abort,
            _ = reset.cancelled() => End::Abort,
            _ = life.stop.cancelled() => End::Close,
            _ = drain => End::Close,
        }
    };
    if let End::Abort = end {
        abort(&client);
    }
}

/// What became of an attempt to reach the server for one client.
pub(crate) enum Dialled {
    /// Connected.
    Connected(TcpStream),
    /// Refused, unreachable or timed out.
    Failed(io::Error),
    /// Reset or killed while dialling: the client gets an RST.
    Abort,
    /// The owner shut down while dialling: the client gets a FIN.
    Close,
}

/// [`dial`], given up at once when the connection is reset or its owner ends.
pub(crate) async fn dial_while_alive(
    addr: SocketAddr,
    timeout: Duration,
    leg: &Impairments,
    life: &Lifecycle,
    reset: &CancellationToken,
) -> Dialled {
    tokio::select! {
        biased;
        _ = life.kill.cancelled() => Dialled::Abort,
        _ = reset.cancelled() => Dialled::Abort,
        _ = life.stop.cancelled() => Dialled::Close,
        result = dial(addr, timeout, leg) => match result {
            Ok(stream) => Dialled::Connected(stream),
            Err(e) => Dialled::Failed(e),
        },
    }
}

/// Connects to `addr` within `timeout`. Over a blackholed `leg` no answer ever comes, so the
/// attempt runs into the timeout, as a SYN into a black hole would.
pub(crate) async fn dial(
    addr: SocketAddr,
    timeout: Duration,
    leg: &Impairments,
) -> io::Result<TcpStream> {
    let attempt = async {
        if leg.is_blackholed() {
            std::future::pending::<()>().await;
        }
        TcpStream::connect(addr).await
    };
    match tokio::time::timeout(timeout, attempt).await {
        Ok(result) => result,
        Err(_) => Err(io::Error::new(
            io::ErrorKind::TimedOut,
            format!("connect to {addr} timed out after {timeout:?}"),
        )),
    }
}

/// Makes the coming drop of `stream` send an RST instead of a FIN.
pub(crate) fn abort(stream: &TcpStream) {
    if let Err(e) = stream.set_zero_linger() {
        tracing::debug!(error = %e, "cannot set SO_LINGER 0; the connection closes with FIN");
    }
}

/// Closes a client we cannot serve (no server, connect failed) with an RST: the nearest a
/// passthrough proxy can come to the "connection refused" a direct connection would have got,
/// and what makes the client's error path run at once.
pub(crate) fn refuse(client: TcpStream) {
    abort(&client);
    drop(client);
}
