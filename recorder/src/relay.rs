//! One recorded hop: a server where one peer sends, forwarding each request to the other peer
//! and its answer back, with a tap on the server side writing both to the capture.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use capture::Hop;
use serde::Serialize;
use transport::{ClientOptions, HttpServer, LinkSnapshot, ServerLimits, ServerOptions, SoapClient};

use crate::hop_tap::HopTap;

/// How to run one hop.
pub struct RelaySpec {
    /// Which hop it is; names the server in logs and the report.
    pub hop: Hop,
    /// Where the sending peer connects.
    pub listen: SocketAddr,
    /// TLS of the listening side (the certificate the sending peer expects); `None`: plain.
    pub server_tls: Option<Arc<rustls::ServerConfig>>,
    /// The receiving peer, `scheme://host:port`; each request's path is appended.
    pub upstream: String,
    /// The client to the receiving peer: its TLS (the certificate it expects from us, the CAs
    /// we trust for it), name resolution, timeouts.
    pub client: ClientOptions,
    /// Connection limit and timeouts of the listening side.
    pub limits: ServerLimits,
}

/// A running hop.
pub struct Relay {
    hop: Hop,
    upstream: String,
    server: HttpServer,
    state: Arc<RelayState>,
}

struct RelayState {
    client: SoapClient,
    upstream: String,
    forwarded: AtomicU64,
    failed: AtomicU64,
}

/// What one hop carried.
#[derive(Debug, Clone, Serialize)]
pub struct RelayReport {
    /// Which hop it is.
    pub hop: Hop,
    /// The address it listened on, as bound (`ip:port`).
    pub listen: String,
    /// The receiving peer it forwarded to, `scheme://host:port` without a trailing `/`.
    pub upstream: String,
    /// Requests forwarded and answered by the peer (any status).
    pub forwarded: u64,
    /// Requests the peer could not be asked or did not answer: answered 502 by the recorder.
    pub failed: u64,
    /// Connections and handshakes of the sending peer, at the recorder.
    pub inbound: LinkSnapshot,
    /// Connections and handshakes towards the receiving peer.
    pub outbound: LinkSnapshot,
}

/// The relay could not start.
#[derive(Debug, thiserror::Error)]
pub enum RelayError {
    /// The client towards the receiving peer could not be built from its options.
    #[error("{0}")]
    Client(#[from] transport::client::ClientBuildError),
    /// The listening address could not be bound.
    #[error("{0}")]
    Listen(#[from] std::io::Error),
}

impl Relay {
    /// Listens on `spec.listen` and forwards every request to `spec.upstream`, with `tap`
    /// writing what the listening side carries.
    pub async fn start(spec: RelaySpec, tap: Arc<HopTap>) -> Result<Relay, RelayError> {
        let name = format!("record {}", spec.hop.as_str());
        let client = SoapClient::new(spec.client)?;
        let upstream = spec.upstream.trim_end_matches('/').to_owned();
        let state = Arc::new(RelayState {
            client,
            upstream: upstream.clone(),
            forwarded: AtomicU64::new(0),
            failed: AtomicU64::new(0),
        });
        let router = Router::new().fallback(forward).with_state(state.clone());
        let mut options = ServerOptions::new(name, spec.server_tls);
        options.limits = spec.limits;
        options.tap = Some(tap);
        let server = HttpServer::bind(spec.listen, router, options).await?;
        Ok(Relay {
            hop: spec.hop,
            upstream,
            server,
            state,
        })
    }

    /// The address it listens on (the port chosen when `listen` asked for 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.server.local_addr()
    }

    /// What the hop has carried so far, while it keeps running.
    pub fn report(&self) -> RelayReport {
        RelayReport {
            hop: self.hop,
            listen: self.server.local_addr().to_string(),
            upstream: self.upstream.clone(),
            forwarded: self.state.forwarded.load(Ordering::Relaxed),
            failed: self.state.failed.load(Ordering::Relaxed),
            inbound: self.server.stats().snapshot(),
            outbound: self.state.client.stats(),
        }
    }

    /// Stops accepting and lets exchanges in flight finish (at most `grace`).
    pub async fn stop(self, grace: Duration) -> RelayReport {
        let listen = self.server.local_addr().to_string();
        let inbound = self.server.stats().clone();
        self.server.shutdown(grace).await;
        RelayReport {
            hop: self.hop,
            listen,
            upstream: self.upstream,
            forwarded: self.state.forwarded.load(Ordering::Relaxed),
            failed: self.state.failed.load(Ordering::Relaxed),
            inbound: inbound.snapshot(),
            outbound: self.state.client.stats(),
        }
    }
}

/// Headers that belong to one connection, not to the message (RFC 9110, 7.6.1), and those the
/// forwarding client sets itself.
const HOP_BY_HOP: &[&str] = &[
    "connection",
    "keep-alive",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "host",
    "content-length",
];

fn end_to_end(headers: &HeaderMap) -> HeaderMap {
    let mut out = HeaderMap::with_capacity(headers.len());
    for (name, value) in headers {
        if !HOP_BY_HOP.contains(&name.as_str()) {
            out.append(name.clone(), value.clone());
        }
    }
    out
}

async fn forward(
    State(state): State<Arc<RelayState>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    let url = format!("{}{path}", state.upstream);
    match state
        .client
        .forward(method, &url, end_to_end(&headers), body)
        .await
    {
        Ok(answer) => {
            state.forwarded.fetch_add(1, Ordering::Relaxed);
            let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::BAD_GATEWAY);
            (status, end_to_end(&answer.headers), answer.body).into_response()
        }
        Err(e) => {
            state.failed.fetch_add(1, Ordering::Relaxed);
            tracing::warn!(%url, error = %e, "the peer did not answer a recorded request");
            (
                StatusCode::BAD_GATEWAY,
                [("content-type", "text/plain; charset=utf-8")],
                format!("crmsim record: {e}\n"),
            )
                .into_response()
        }
    }
}
