//! An HTTP/1.1 server over plain TCP or (mutual) TLS, serving an axum `Router`.
//!
//! `axum::serve` has no TLS, and a TLS-terminating wrapper would hide what we most need to see: per
//! connection, whether the handshake was full or resumed, and when it failed, why. So this is our
//! own accept loop: TCP accept → sniff the first bytes → TLS handshake (counted, failures named)
//! → hyper HTTP/1.1 with keep-alive → the router.
//!
//! Shutdown comes in two kinds, because faults need both: [`HttpServer::shutdown`] is graceful
//! (stop accepting, finish requests in flight), [`HttpServer::kill`] drops every connection at
//! once, as a crashed process would.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use rustls::HandshakeKind;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tower::ServiceExt;

use crate::gate::Gate;
use crate::link_stats::LinkStats;
use crate::sniff::{self, FirstBytes};
use crate::tls_failure::TlsFailure;

/// How to run one server.
#[derive(Clone)]
pub struct ServerOptions {
    /// Name used in logs and failure messages (`connector-a`, `crm`).
    pub name: String,
    /// `Some` for HTTPS; the config decides whether client certificates are required.
    pub tls: Option<Arc<rustls::ServerConfig>>,
    /// A peer that does not finish its handshake in this time is dropped and counted.
    pub handshake_timeout: Duration,
    /// While closed, the server does no handshake and answers no request (a paused process).
    pub gate: Gate,
}

impl ServerOptions {
    pub fn new(name: impl Into<String>, tls: Option<Arc<rustls::ServerConfig>>) -> ServerOptions {
        ServerOptions {
            name: name.into(),
            tls,
            handshake_timeout: Duration::from_secs(10),
            gate: Gate::default(),
        }
    }
}

/// What a handler can learn about the connection a request came on.
#[derive(Debug, Clone)]
pub struct PeerInfo {
    pub addr: SocketAddr,
    pub tls: bool,
    /// The client's leaf certificate (DER), when it presented one.
    pub client_certificate: Option<Vec<u8>>,
}

/// A running server. Dropping the handle does not stop it; call [`shutdown`](Self::shutdown)
/// or [`kill`](Self::kill).
pub struct HttpServer {
    local_addr: SocketAddr,
    stats: Arc<LinkStats>,
    stop_accepting: CancellationToken,
    drain: CancellationToken,
    kill: CancellationToken,
    tracker: TaskTracker,
    accept_task: JoinHandle<()>,
}

impl HttpServer {
    /// Binds `addr` and starts serving `router`.
    pub async fn bind(
        addr: SocketAddr,
        router: Router,
        options: ServerOptions,
    ) -> io::Result<HttpServer> {
        let listener = TcpListener::bind(addr).await.map_err(|e| {
            io::Error::new(
                e.kind(),
                format!("{}: cannot listen on {addr}: {e}", options.name),
            )
        })?;
        HttpServer::start(listener, router, options)
    }

    /// Starts serving `router` on an already bound listener.
    pub fn start(
        listener: TcpListener,
        router: Router,
        options: ServerOptions,
    ) -> io::Result<HttpServer> {
        let local_addr = listener.local_addr()?;
        let stats = Arc::new(LinkStats::default());
        let stop_accepting = CancellationToken::new();
        let drain = CancellationToken::new();
        let kill = CancellationToken::new();
        let tracker = TaskTracker::new();
        let shared = Arc::new(Shared {
            router,
            acceptor: options.tls.clone().map(TlsAcceptor::from),
            options,
            stats: stats.clone(),
            drain: drain.clone(),
            kill: kill.clone(),
        });
        let accept_task = tokio::spawn(accept_loop(
            listener,
            shared,
            stop_accepting.clone(),
            tracker.clone(),
        ));
        Ok(HttpServer {
            local_addr,
            stats,
            stop_accepting,
            drain,
            kill,
            tracker,
            accept_task,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Handshake and connection counters of this server.
    pub fn stats(&self) -> &Arc<LinkStats> {
        &self.stats
    }

    /// Stops accepting, lets requests in flight finish and closes idle keep-alive connections;
    /// after `grace`, drops whatever is left.
    pub async fn shutdown(self, grace: Duration) {
        self.stop_accepting.cancel();
        let _ = self.accept_task.await;
        self.drain.cancel();
        self.tracker.close();
        if tokio::time::timeout(grace, self.tracker.wait())
            .await
            .is_err()
        {
            self.kill.cancel();
            self.tracker.wait().await;
        }
    }

    /// Drops the listener and every connection at once, as a crashed process would. Peers see
    /// their connections reset or closed mid-request.
    pub async fn kill(self) {
        self.stop_accepting.cancel();
        self.kill.cancel();
        let _ = self.accept_task.await;
        self.tracker.close();
        self.tracker.wait().await;
    }
}

struct Shared {
    router: Router,
    acceptor: Option<TlsAcceptor>,
    options: ServerOptions,
    stats: Arc<LinkStats>,
    drain: CancellationToken,
    kill: CancellationToken,
}

async fn accept_loop(
    listener: TcpListener,
    shared: Arc<Shared>,
    stop: CancellationToken,
    tracker: TaskTracker,
) {
    loop {
        let accepted = tokio::select! {
            _ = stop.cancelled() => return,
            accepted = listener.accept() => accepted,
        };
        match accepted {
            Ok((stream, peer)) => {
                let shared = shared.clone();
                tracker.spawn(async move {
                    let kill = shared.kill.clone();
                    tokio::select! {
                        _ = kill.cancelled() => {}
                        _ = handle_connection(stream, peer, &shared) => {}
                    }
                });
            }
            Err(e) => {
                // EMFILE and friends: say so and back off instead of spinning.
                tracing::warn!(server = %shared.options.name, error = %e, "accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
}

async fn handle_connection(stream: TcpStream, peer: SocketAddr, shared: &Shared) {
    let _ = stream.set_nodelay(true);
    shared.options.gate.wait().await;
    shared.stats.connection_opened();
    let name = &shared.options.name;
    let first = match sniff::peek(&stream, shared.options.handshake_timeout).await {
        Ok(first) => first,
        Err(e) => {
            tracing::debug!(server = %name, %peer, error = %e, "connection failed before any data");
            return;
        }
    };
    let Some(acceptor) = &shared.acceptor else {
        if first == FirstBytes::TlsHandshake {
            record_failure(shared, peer, &TlsFailure::TlsOnPlainPort);
            let _ = sniff::refuse_tls(stream, name).await;
            return;
        }
        let info = PeerInfo {
            addr: peer,
            tls: false,
            client_certificate: None,
        };
        serve_http(TokioIo::new(stream), info, shared).await;
        return;
    };
    match first {
        FirstBytes::Closed => return,
        FirstBytes::PlainHttp => {
            record_failure(shared, peer, &TlsFailure::PlaintextOnTlsPort);
            let _ = sniff::refuse_plaintext(stream, name).await;
            return;
        }
        FirstBytes::TlsHandshake | FirstBytes::Unknown => {}
    }
    let handshake = tokio::time::timeout(
        shared.options.handshake_timeout,
        acceptor.accept(stream).into_fallible(),
    )
    .await;
    let tls_stream = match handshake {
        Ok(Ok(tls_stream)) => tls_stream,
        Ok(Err((e, tcp))) => {
            record_failure(shared, peer, &TlsFailure::from_io(&e));
            close_gently(tcp).await;
            return;
        }
        Err(_) => {
            record_failure(shared, peer, &TlsFailure::HandshakeTimeout);
            return;
        }
    };
    let connection = tls_stream.get_ref().1;
    shared
        .stats
        .handshake(connection.handshake_kind() == Some(HandshakeKind::Resumed));
    let info = PeerInfo {
        addr: peer,
        tls: true,
        client_certificate: connection
            .peer_certificates()
            .and_then(|chain| chain.first())
            .map(|leaf| leaf.as_ref().to_vec()),
    };
    serve_http(TokioIo::new(tls_stream), info, shared).await;
}

/// Closes a connection whose handshake we refused without resetting it. In TLS 1.3 the client
/// has sent its request before it learns of the refusal; closing with that request unread would
/// send a TCP reset, which can destroy our alert in the client's buffers and leave it with a bare
/// "connection reset" instead of the reason. So: send FIN, read what is left for a moment, close.
async fn close_gently(mut tcp: TcpStream) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let _ = tcp.shutdown().await;
    let mut sink = [0u8; 4096];
    let drain = async {
        while let Ok(n) = tcp.read(&mut sink).await {
            if n == 0 {
                break;
            }
        }
    };
    let _ = tokio::time::timeout(Duration::from_millis(250), drain).await;
}

fn record_failure(shared: &Shared, peer: SocketAddr, failure: &TlsFailure) {
    let name = &shared.options.name;
    let message = format!("{name}: TLS handshake with {peer} failed: {failure}");
    tracing::warn!(server = %name, %peer, cause = failure.key(), hint = failure.hint(), "{message}");
    shared.stats.failure(failure, message);
}

async fn serve_http<I>(io: TokioIo<I>, info: PeerInfo, shared: &Shared)
where
    I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let router = shared.router.clone();
    let gate = shared.options.gate.clone();
    let service = tower::service_fn(move |mut request: http::Request<Incoming>| {
        request.extensions_mut().insert(info.clone());
        let router = router.clone();
        let gate = gate.clone();
        async move {
            gate.wait().await;
            router.oneshot(request).await
        }
    });
    let builder = hyper::server::conn::http1::Builder::new();
    let connection = builder.serve_connection(io, TowerToHyperService::new(service));
    tokio::pin!(connection);
    let mut draining = false;
    loop {
        tokio::select! {
            result = connection.as_mut() => {
                if let Err(e) = result
                    && !e.is_incomplete_message()
                {
                    tracing::debug!(server = %shared.options.name, error = %e, "connection ended with error");
                }
                return;
            }
            _ = shared.drain.cancelled(), if !draining => {
                draining = true;
                connection.as_mut().graceful_shutdown();
            }
        }
    }
}
