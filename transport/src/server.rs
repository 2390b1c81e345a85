//! An HTTP/1.1 server over plain TCP or (mutual) TLS, serving an axum `Router`.
//!
//! `axum::serve` has no TLS, and a TLS-terminating wrapper would hide what we most need to see: per
//! connection, whether the handshake was full or resumed, and when it failed, why. So this is our
//! own accept loop: TCP accept → sniff the first bytes → TLS handshake (counted, failures named)
//! → hyper HTTP/1.1 with keep-alive → the router.
//!
//! Every wait a peer controls is bounded ([`ServerLimits`]): the handshake, a request's head,
//! the idle time between requests, the body and answer; and the number of connections, with
//! the oldest idle one making room for a new one, so one client's silent connections cannot
//! shut everyone else out.
//!
//! Shutdown comes in two kinds, because faults need both: [`HttpServer::shutdown`] is graceful
//! (stop accepting, finish requests in flight), [`HttpServer::kill`] drops every connection at
//! once, as a crashed process would.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

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
use crate::limits::ServerLimits;
use crate::link_stats::LinkStats;
use crate::registry::{Admission, Phase, Registration, Registry, Slot};
use crate::sniff::{self, FirstBytes};
use crate::tap::{MAX_TAPPED_BODY, Tap, TappedRequest, TappedResponse};
use crate::tls_failure::TlsFailure;
use crate::watched_io::Watched;

/// How to run one server.
#[derive(Clone)]
pub struct ServerOptions {
    /// Name used in logs and failure messages (`connector-a`, `crm`).
    pub name: String,
    /// `Some` for HTTPS; the config decides whether client certificates are required.
    pub tls: Option<Arc<rustls::ServerConfig>>,
    /// Connection limit and timeouts.
    pub limits: ServerLimits,
    /// While closed, the server does no handshake and answers no request (a paused process).
    pub gate: Gate,
    /// Sees every request and answer as they travel (recording); none by default.
    pub tap: Option<Arc<dyn Tap>>,
}

impl ServerOptions {
    /// Options with the default limits, an open gate and no tap.
    pub fn new(name: impl Into<String>, tls: Option<Arc<rustls::ServerConfig>>) -> ServerOptions {
        ServerOptions {
            name: name.into(),
            tls,
            limits: ServerLimits::default(),
            gate: Gate::default(),
            tap: None,
        }
    }
}

/// What a handler can learn about the connection a request came on.
#[derive(Debug, Clone)]
pub struct PeerInfo {
    /// The peer's address and port, as accepted (a proxy in between shows as itself).
    pub addr: SocketAddr,
    /// The connection's number on this server, from 1.
    pub conn: u64,
    /// The connection is TLS (false on a plain HTTP server).
    pub tls: bool,
    /// `TLSv1.2` or `TLSv1.3`, when TLS.
    pub tls_version: Option<&'static str>,
    /// The handshake resumed an earlier session.
    pub resumed: bool,
    /// The client's leaf certificate (DER), when it presented one.
    pub client_certificate: Option<Vec<u8>>,
}

/// A running server. Dropping the handle does not stop it; call [`shutdown`](Self::shutdown)
/// or [`kill`](Self::kill).
pub struct HttpServer {
    local_addr: SocketAddr,
    stats: Arc<LinkStats>,
    registry: Arc<Registry>,
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
        let registry = Registry::new(options.limits.max_connections);
        let shared = Arc::new(Shared {
            registry: registry.clone(),
            router,
            acceptor: options.tls.clone().map(TlsAcceptor::from),
            options,
            stats: stats.clone(),
            drain: drain.clone(),
            kill: kill.clone(),
            connections: std::sync::atomic::AtomicU64::new(0),
        });
        let accept_task = tokio::spawn(tasks::named(
            format!("{} accept loop", shared.options.name),
            accept_loop(listener, shared, stop_accepting.clone(), tracker.clone()),
        ));
        Ok(HttpServer {
            local_addr,
            stats,
            registry,
            stop_accepting,
            drain,
            kill,
            tracker,
            accept_task,
        })
    }

    /// The address the server listens on, with the real port when bound to port 0.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Handshake and connection counters of this server.
    pub fn stats(&self) -> &Arc<LinkStats> {
        &self.stats
    }

    /// Connections open now, and how many of them have a request in the service (its head
    /// read, not answered yet): the ones `max_connections` can neither evict nor replace.
    pub fn connections_now(&self) -> (usize, usize) {
        (self.registry.open(), self.registry.busy())
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
    registry: Arc<Registry>,
    router: Router,
    acceptor: Option<TlsAcceptor>,
    options: ServerOptions,
    stats: Arc<LinkStats>,
    drain: CancellationToken,
    kill: CancellationToken,
    connections: std::sync::atomic::AtomicU64,
}

async fn accept_loop(
    listener: TcpListener,
    shared: Arc<Shared>,
    stop: CancellationToken,
    tracker: TaskTracker,
) {
    let mut backoff = AcceptBackoff::default();
    loop {
        let accepted = tokio::select! {
            _ = stop.cancelled() => return,
            accepted = listener.accept() => accepted,
        };
        match accepted {
            Ok((stream, peer)) => {
                backoff.reset();
                let Some(registration) = admit(&shared, peer) else {
                    // Closing at once is the refusal: without a handshake there is no one to
                    // tell, and a full server must not spend one on a peer it cannot serve.
                    drop(stream);
                    continue;
                };
                let shared = shared.clone();
                let task = format!("{} connection from {peer}", shared.options.name);
                tracker.spawn(tasks::named(task, async move {
                    let kill = shared.kill.clone();
                    let evicted = registration.slot.close.clone();
                    tokio::select! {
                        _ = kill.cancelled() => {}
                        _ = evicted.cancelled() => {}
                        _ = handle_connection(stream, peer, &shared, &registration) => {}
                    }
                }));
            }
            Err(e) => {
                // EMFILE and friends: the error repeats at once until a descriptor is freed,
                // so wait, longer each time, instead of spinning; warn once per streak.
                shared.stats.accept_error();
                if backoff.first() {
                    tracing::warn!(
                        server = %shared.options.name,
                        error = %e,
                        open = shared.registry.open(),
                        "accept failed; backing off until it succeeds again"
                    );
                }
                tokio::time::sleep(backoff.next()).await;
            }
        }
    }
}

/// The wait after a failed accept: 5 ms, doubling up to a second, reset by a good accept.
#[derive(Default)]
struct AcceptBackoff {
    failures: u32,
}

impl AcceptBackoff {
    fn reset(&mut self) {
        self.failures = 0;
    }

    fn first(&self) -> bool {
        self.failures == 0
    }

    fn next(&mut self) -> Duration {
        let wait = Duration::from_millis(5u64 << self.failures.min(8)).min(Duration::from_secs(1));
        self.failures = self.failures.saturating_add(1);
        wait
    }
}

/// A place for a new connection, making room at the limit; `None` (counted, said) if the
/// server is full of busy connections.
fn admit(shared: &Shared, peer: SocketAddr) -> Option<Registration> {
    let registration = match shared.registry.admit() {
        Admission::Admitted(r) => r,
        Admission::Evicted(r) => {
            shared.stats.evicted();
            r
        }
        Admission::Refused => {
            if shared.stats.refused() {
                tracing::warn!(
                    server = %shared.options.name,
                    %peer,
                    max_connections = shared.options.limits.max_connections,
                    "refused a connection: every one of max_connections is busy with a request; \
                     raise [server] max_connections if this load is real"
                );
            }
            return None;
        }
    };
    shared.stats.open_now(shared.registry.open());
    Some(registration)
}

async fn handle_connection(
    stream: TcpStream,
    peer: SocketAddr,
    shared: &Shared,
    registration: &Registration,
) {
    let _ = stream.set_nodelay(true);
    shared.options.gate.wait().await;
    shared.stats.connection_opened();
    let conn = 1 + shared
        .connections
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let name = &shared.options.name;
    let limits = &shared.options.limits;
    // One deadline from accept to a finished handshake: the first-bytes check and the TLS
    // handshake share it, so a client that stays silent (or sends a byte at the last moment)
    // holds the connection for handshake_timeout, not twice that.
    let deadline = tokio::time::Instant::now() + limits.handshake_timeout;
    let peeked = match sniff::peek(&stream, limits.handshake_timeout).await {
        Ok(peeked) => peeked,
        Err(e) => {
            tracing::debug!(server = %name, %peer, error = %e, "connection failed before any data");
            return;
        }
    };
    let first = peeked.kind;
    let Some(acceptor) = &shared.acceptor else {
        if first == FirstBytes::TlsHandshake {
            record_failure(shared, peer, &TlsFailure::TlsOnPlainPort);
            let _ = sniff::refuse_tls(stream, name).await;
            return;
        }
        let info = PeerInfo {
            addr: peer,
            conn,
            tls: false,
            tls_version: None,
            resumed: false,
            client_certificate: None,
        };
        serve_http(stream, info, shared, &registration.slot).await;
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
    // Per connection, a config whose ticketer reports a completed handshake (see `witness`).
    let witnessed = shared
        .options
        .tls
        .as_ref()
        .and_then(crate::witness::witnessed);
    let (acceptor, seen) = match witnessed {
        Some((config, seen)) => (TlsAcceptor::from(config), Some(seen)),
        None => (acceptor.clone(), None),
    };
    let handshake =
        tokio::time::timeout_at(deadline, acceptor.accept(stream).into_fallible()).await;
    let tls_stream = match handshake {
        Ok(Ok(tls_stream)) => tls_stream,
        Ok(Err((e, _))) if seen.as_ref().is_some_and(|s| s.completed()) => {
            // The handshake was done; the client left before it took its session tickets
            // (`openssl s_time`, a TLS health check). A handshake, not a failure.
            let resumed = seen.as_ref().is_some_and(|s| s.resumed());
            shared.stats.handshake(resumed);
            tracing::debug!(server = %name, %peer, error = %e, "TLS handshake completed, then the peer closed the connection");
            return;
        }
        Ok(Err((e, tcp))) => {
            // rustls sees an old client only as a missing extension; the ClientHello's own
            // version says what the client really lacks.
            let failure = match (TlsFailure::from_io(&e), peeked.offers_only_old_tls()) {
                (TlsFailure::Incompatible(_), Some(old)) => TlsFailure::Incompatible(format!(
                    "the client offers only {old} or older; this side accepts TLS 1.2 and 1.3"
                )),
                (failure, _) => failure,
            };
            record_failure(shared, peer, &failure);
            close_gently(tcp).await;
            return;
        }
        Err(_) => {
            record_failure(shared, peer, &TlsFailure::HandshakeTimeout);
            return;
        }
    };
    let connection = tls_stream.get_ref().1;
    let resumed = connection.handshake_kind() == Some(HandshakeKind::Resumed);
    shared.stats.handshake(resumed);
    let info = PeerInfo {
        addr: peer,
        conn,
        tls: true,
        tls_version: connection.protocol_version().map(|v| match v {
            rustls::ProtocolVersion::TLSv1_3 => "TLSv1.3",
            rustls::ProtocolVersion::TLSv1_2 => "TLSv1.2",
            _ => "TLS (older)",
        }),
        resumed,
        client_certificate: connection
            .peer_certificates()
            .and_then(|chain| chain.first())
            .map(|leaf| leaf.as_ref().to_vec()),
    };
    serve_http(tls_stream, info, shared, &registration.slot).await;
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

/// Serves HTTP/1.1 on a connection whose handshake (if any) is done: from here on the
/// connection is idle until a request's head starts, and the watchdog bounds each phase.
async fn serve_http<I>(io: I, info: PeerInfo, shared: &Shared, slot: &Arc<Slot>)
where
    I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    slot.set(Phase::Idle);
    let io = Watched::new(io, slot.clone());
    let peer = info.addr;
    let router = shared.router.clone();
    let gate = shared.options.gate.clone();
    let request_timeout = shared.options.limits.request_timeout;
    let stats = shared.stats.clone();
    let name: Arc<str> = shared.options.name.as_str().into();
    let service_slot = slot.clone();
    let tap = shared.options.tap.clone();
    let service = tower::service_fn(move |mut request: http::Request<Incoming>| {
        request.extensions_mut().insert(info.clone());
        let tap = tap.clone();
        let router = router.clone();
        let gate = gate.clone();
        let slot = service_slot.clone();
        let stats = stats.clone();
        let name = name.clone();
        async move {
            // Busy from the head on, so that eviction spares a request waiting for the gate.
            slot.set(Phase::Request);
            gate.wait().await;
            let mine = slot.set(Phase::Request);
            let answer = match tap {
                None => RouterCall::Plain(router.oneshot(request)),
                Some(tap) => RouterCall::Tapped(Box::pin(tapped(tap, router, request))),
            };
            tokio::pin!(answer);
            // No timer per request: the connection's watchdog, which wakes anyway, says when
            // `request_timeout` is over.
            let answer = loop {
                tokio::select! {
                    answer = &mut answer => break answer,
                    _ = slot.request_expired.notified() => {
                        if slot.phase() == mine {
                            stats.request_timeout();
                            break Ok(request_timed_out(&name, request_timeout));
                        }
                    }
                }
            };
            slot.set(Phase::Idle);
            answer
        }
    });
    let builder = hyper::server::conn::http1::Builder::new();
    let connection = builder.serve_connection(TokioIo::new(io), TowerToHyperService::new(service));
    tokio::pin!(connection);
    let watchdog = watchdog(slot, &shared.options.limits, &shared.options.gate);
    tokio::pin!(watchdog);
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
            expired = &mut watchdog => {
                match expired {
                    Phase::Head => shared.stats.slow_headers(),
                    _ => shared.stats.idle_closed(),
                }
                tracing::debug!(server = %shared.options.name, %peer, phase = ?expired, "closed a connection that waited too long");
                return;
            }
            _ = shared.drain.cancelled(), if !draining => {
                draining = true;
                connection.as_mut().graceful_shutdown();
            }
        }
    }
}

/// Resolves when the connection has stayed too long in a phase the peer controls (idle, or
/// sending a head), with that phase; tells the service when its request has outlived
/// `request_timeout`.
///
/// It wakes at the current phase's deadline or after the shortest timeout, whichever comes
/// first, and looks at the phase then. A phase's start is recorded when it begins, so a phase
/// noticed late still gets its exact deadline, as long as the watchdog looks within the
/// shortest timeout; and a busy connection costs one wake per that timeout, not a timer per
/// request.
async fn watchdog(slot: &Slot, limits: &ServerLimits, gate: &Gate) -> Phase {
    let look = limits
        .header_timeout
        .min(limits.idle_timeout)
        .min(limits.request_timeout)
        .max(Duration::from_millis(10));
    loop {
        let (phase, since) = slot.phase();
        let allowed = match phase {
            Phase::Idle | Phase::Handshake => limits.idle_timeout,
            Phase::Head => limits.header_timeout,
            Phase::Request => limits.request_timeout,
        };
        let deadline = since + allowed;
        let now = Instant::now();
        if now < deadline {
            tokio::time::sleep_until(deadline.min(now + look).into()).await;
            continue;
        }
        // A paused server closes nothing, as a stopped process would not.
        gate.wait().await;
        if slot.phase() != (phase, since) {
            continue;
        }
        if phase != Phase::Request {
            return phase;
        }
        slot.request_expired.notify_one();
        tokio::time::sleep(look).await;
    }
}

/// 408 with the server's name and the limit, and `Connection: close`: the rest of a body that
/// came too slowly may still be on its way, so the connection cannot carry another request.
fn request_timed_out(name: &str, limit: Duration) -> axum::response::Response {
    let text = format!(
        "{name}: the request was not received and answered within {} s (request_timeout); \
         a body that arrives this slowly is refused\n",
        limit.as_secs_f64()
    );
    let mut response = axum::response::Response::new(axum::body::Body::from(text));
    *response.status_mut() = http::StatusCode::REQUEST_TIMEOUT;
    let headers = response.headers_mut();
    headers.insert(
        http::header::CONNECTION,
        http::HeaderValue::from_static("close"),
    );
    headers.insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

/// A request on its way through the router, tapped or not; one type for the `select!` above.
enum RouterCall<F> {
    Plain(F),
    Tapped(
        std::pin::Pin<
            Box<
                dyn Future<Output = Result<axum::response::Response, std::convert::Infallible>>
                    + Send,
            >,
        >,
    ),
}

impl<F> Future for RouterCall<F>
where
    F: Future<Output = Result<axum::response::Response, std::convert::Infallible>> + Unpin,
{
    type Output = Result<axum::response::Response, std::convert::Infallible>;

    fn poll(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Self::Output> {
        match self.get_mut() {
            RouterCall::Plain(f) => std::pin::Pin::new(f).poll(cx),
            RouterCall::Tapped(f) => f.as_mut().poll(cx),
        }
    }
}

/// Runs `request` through `router` with its body and its answer's body collected for `tap`.
async fn tapped(
    tap: Arc<dyn Tap>,
    router: Router,
    request: http::Request<Incoming>,
) -> Result<axum::response::Response, std::convert::Infallible> {
    let started = Instant::now();
    let (parts, body) = request.into_parts();
    let peer = parts.extensions.get::<PeerInfo>().cloned();
    let uri = parts
        .uri
        .path_and_query()
        .map_or_else(|| parts.uri.path().to_owned(), |p| p.as_str().to_owned());
    let (bytes, refused) =
        match axum::body::to_bytes(axum::body::Body::new(body), MAX_TAPPED_BODY).await {
            Ok(bytes) => (bytes, None),
            Err(e) => (bytes::Bytes::new(), Some(e.to_string())),
        };
    let exchange = tap.request(&TappedRequest {
        peer: peer.as_ref(),
        method: &parts.method,
        uri: &uri,
        headers: &parts.headers,
        body: &bytes,
    });
    if let Some(why) = refused {
        // The body was too long to collect (or broke off): answer as the router's own limit
        // would, and say so in the record.
        let text = format!("the request body could not be read: {why}\n");
        let mut response = axum::response::Response::new(axum::body::Body::from(text.clone()));
        *response.status_mut() = http::StatusCode::PAYLOAD_TOO_LARGE;
        tap.response(
            exchange,
            &TappedResponse {
                status: 413,
                headers: response.headers(),
                body: text.as_bytes(),
                latency: started.elapsed(),
                error: Some(&why),
            },
        );
        return Ok(response);
    }
    let request = http::Request::from_parts(parts, axum::body::Body::from(bytes));
    let response = match router.oneshot(request).await {
        Ok(response) => response,
        Err(never) => match never {},
    };
    let (parts, body) = response.into_parts();
    let body = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    tap.response(
        exchange,
        &TappedResponse {
            status: parts.status.as_u16(),
            headers: &parts.headers,
            body: &body,
            latency: started.elapsed(),
            error: None,
        },
    );
    Ok(http::Response::from_parts(
        parts,
        axum::body::Body::from(body),
    ))
}
