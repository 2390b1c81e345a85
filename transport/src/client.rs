//! The SOAP-over-HTTP(S) client both simulators send with, in the connection modes we measure.
//!
//! Built on reqwest with a prepared rustls config, because the TLS settings (client certificate,
//! trusted CAs only, resumption on or off, TLS versions) must be exactly the scenario's. Around it
//! we add what reqwest does not give: counting new connections and full handshakes, naming TLS
//! failures, and dialling one address while verifying another name (the static proxy route).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};

use crate::connect_count::CountConnections;
use crate::link_stats::{LinkSnapshot, LinkStats};
use crate::tls_failure::TlsFailure;

/// How connections are used for messages in one direction.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Default,
    serde::Deserialize,
    serde::Serialize,
    schemars::JsonSchema,
)]
pub enum ConnectionMode {
    /// One handshake, then the connection is reused for every message.
    #[default]
    #[serde(rename = "keep-alive")]
    KeepAlive,
    /// A new connection per message, resuming the TLS session ("session caching" in the guide).
    #[serde(rename = "resume")]
    NewConnectionResumed,
    /// A new connection per message with a full handshake every time.
    #[serde(rename = "full")]
    NewConnectionFull,
}

impl ConnectionMode {
    /// The mode as scenario files spell it: `keep-alive`, `resume` or `full`.
    pub fn as_str(self) -> &'static str {
        match self {
            ConnectionMode::KeepAlive => "keep-alive",
            ConnectionMode::NewConnectionResumed => "resume",
            ConnectionMode::NewConnectionFull => "full",
        }
    }
}

/// TLS for a client: the rustls config (with our certificate) and the verifier it should use for
/// the server's certificate, which the client wraps to count full handshakes.
#[derive(Clone)]
pub struct ClientTls {
    /// Our certificate and key (none for an anonymous client), TLS versions and session cache;
    /// the client turns resumption off itself for [`ConnectionMode::NewConnectionFull`].
    pub config: rustls::ClientConfig,
    /// Checks the server's certificate against the trusted CAs; installed into `config` wrapped
    /// in a counter, since rustls verifies only on full handshakes.
    pub verifier: Arc<dyn ServerCertVerifier>,
}

/// How to build a [`SoapClient`].
#[derive(Clone)]
pub struct ClientOptions {
    /// Name used in error messages (`crm → connector`).
    pub name: String,
    /// `Some` for HTTPS with these settings; `None` for plain HTTP.
    pub tls: Option<ClientTls>,
    /// Whether connections are kept alive or opened per message, with or without resumption.
    pub mode: ConnectionMode,
    /// Longest wait for a new connection, TCP connect and TLS handshake together.
    pub connect_timeout: Duration,
    /// Whole-request timeout: a black-holed peer turns into a timeout, not a hang.
    pub request_timeout: Duration,
    /// Dial these addresses for these host names while TLS still verifies the name. This is how
    /// the connector sends events through the static proxy route yet checks the CRM's certificate.
    pub resolve: Vec<(String, SocketAddr)>,
    /// Requests in flight at most, hence connections open at most (HTTP/1.1 carries one request
    /// at a time). Further requests wait for a free one, as behind SAP's ICM connection limit;
    /// their waiting counts in their latency.
    pub max_connections: usize,
    /// Sees every message sent and every answer (recording); none by default.
    pub tap: Option<Arc<dyn crate::tap::Tap>>,
}

impl ClientOptions {
    /// Options with the defaults: 5 s to connect, 15 s per request, at most 64 connections, no
    /// address overrides and no tap.
    pub fn new(name: impl Into<String>, tls: Option<ClientTls>, mode: ConnectionMode) -> Self {
        ClientOptions {
            name: name.into(),
            tls,
            mode,
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(15),
            resolve: Vec::new(),
            max_connections: 64,
            tap: None,
        }
    }
}

/// The client could not be built from its options.
#[derive(Debug, thiserror::Error)]
#[error("{name}: cannot build HTTP client: {}", chain(.source))]
pub struct ClientBuildError {
    name: String,
    #[source]
    source: reqwest::Error,
}

/// An error with its causes, `a: b: c` (reqwest's own message alone is "builder error").
fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        text.push_str(": ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    text
}

/// A forwarded request's answer, whatever its status.
#[derive(Debug, Clone)]
pub struct Forwarded {
    /// The HTTP status code.
    pub status: u16,
    /// The answer's headers, as received.
    pub headers: http::HeaderMap,
    /// The answer's whole body.
    pub body: Bytes,
}

/// Tells the tap that exchange `exchange` got no answer.
fn tap_failure(
    tap: &dyn crate::tap::Tap,
    exchange: u64,
    started: std::time::Instant,
    e: &CallError,
) {
    let why = e.to_string();
    tap.response(
        exchange,
        &crate::tap::TappedResponse {
            status: 0,
            headers: &http::HeaderMap::new(),
            body: &[],
            latency: started.elapsed(),
            error: Some(&why),
        },
    );
}

/// A sent message did not get an HTTP answer we can read.
#[derive(Debug, Clone, thiserror::Error)]
pub enum CallError {
    /// No connection could be opened (refused, unreachable, name not resolved) and no TLS
    /// reason was found for it.
    #[error("{client}: cannot connect to {url}: {cause}")]
    Connect {
        /// The client's name ([`ClientOptions::name`]).
        client: String,
        /// The URL the message was sent to.
        url: String,
        /// The error's whole cause chain, in one line.
        cause: String,
    },
    /// The TLS handshake failed; the reason comes from the error chain or a probe handshake.
    #[error("{client}: TLS with {url} failed: {failure}. Hint: {}", failure.hint())]
    Tls {
        /// The client's name ([`ClientOptions::name`]).
        client: String,
        /// The URL the message was sent to.
        url: String,
        /// What went wrong in the handshake.
        failure: TlsFailure,
    },
    /// The request, or the connection for it, timed out.
    #[error("{client}: {} {url} within {after:?}", waited_for(.connecting))]
    Timeout {
        /// The client's name ([`ClientOptions::name`]).
        client: String,
        /// The URL the message was sent to.
        url: String,
        /// It was the connection (TCP and, over TLS, the handshake) that did not stand in time,
        /// not the answer that did not come.
        connecting: bool,
        /// The timeout that ran out: [`ClientOptions::connect_timeout`] when `connecting`, else
        /// the whole-request [`ClientOptions::request_timeout`].
        after: Duration,
    },
    /// The peer answered with a status that is no SOAP answer: not 200, not 500, not 400
    /// with a SOAP body. Only [`SoapClient::post`] returns it.
    #[error("{client}: {url} answered HTTP {status}: {body}")]
    Status {
        /// The client's name ([`ClientOptions::name`]).
        client: String,
        /// The URL the message was sent to.
        url: String,
        /// The HTTP status code received.
        status: u16,
        /// The start of the answer's body (first 300 characters, trimmed), to show the reason.
        body: String,
    },
    /// The exchange failed some other way, e.g. the connection broke before the whole answer
    /// came, and no TLS reason was found for it.
    #[error("{client}: exchange with {url} failed: {cause}")]
    Io {
        /// The client's name ([`ClientOptions::name`]).
        client: String,
        /// The URL the message was sent to.
        url: String,
        /// The error's whole cause chain, in one line.
        cause: String,
    },
}

impl CallError {
    /// A stable short key for counting errors by kind.
    pub fn key(&self) -> &'static str {
        match self {
            CallError::Connect { .. } => "connect",
            CallError::Tls { failure, .. } => failure.key(),
            CallError::Timeout { .. } => "timeout",
            CallError::Status { .. } => "http-status",
            CallError::Io { .. } => "io",
        }
    }
}

/// An HTTP answer with a SOAP body: 200 for results, 500 for SOAP faults (SOAP 1.1).
#[derive(Debug, Clone)]
pub struct Reply {
    /// 200, 500, or 400 (a SOAP 1.2 sender fault); any other status is a [`CallError::Status`].
    pub status: u16,
    /// The SOAP envelope received.
    pub body: Bytes,
}

/// Sends SOAP messages and counts what it costs.
#[derive(Clone)]
pub struct SoapClient {
    http: reqwest::Client,
    name: Arc<str>,
    stats: Arc<LinkStats>,
    tls: bool,
    connect_timeout: Duration,
    request_timeout: Duration,
    slots: Arc<tokio::sync::Semaphore>,
    /// To repeat a handshake when a TLS exchange dies without saying why (see [`crate::probe`]).
    probe: Option<Arc<Probe>>,
    tap: Option<Arc<dyn crate::tap::Tap>>,
}

struct Probe {
    config: rustls::ClientConfig,
    resolve: Vec<(String, SocketAddr)>,
}

impl SoapClient {
    /// Builds the client (HTTP/1.1 only, no proxy from the environment) with its own connection
    /// and handshake counters; fails only if reqwest cannot build it from these settings.
    pub fn new(options: ClientOptions) -> Result<SoapClient, ClientBuildError> {
        let stats = Arc::new(LinkStats::default());
        let mut builder = reqwest::Client::builder()
            .http1_only()
            .tcp_nodelay(true)
            .no_proxy()
            .connect_timeout(options.connect_timeout)
            .timeout(options.request_timeout)
            .connector_layer(CountConnections::new(stats.clone()));
        if options.mode != ConnectionMode::KeepAlive {
            builder = builder.pool_max_idle_per_host(0);
        }
        for (host, addr) in &options.resolve {
            builder = builder.resolve(host, *addr);
        }
        let tls = options.tls.is_some();
        let mut probe = None;
        if let Some(ClientTls {
            mut config,
            verifier,
        }) = options.tls
        {
            probe = Some(Arc::new(Probe {
                config: config.clone(),
                resolve: options.resolve.clone(),
            }));
            if options.mode == ConnectionMode::NewConnectionFull {
                config.resumption = rustls::client::Resumption::disabled();
            }
            config
                .dangerous()
                .set_certificate_verifier(Arc::new(CountingVerifier {
                    inner: verifier,
                    stats: stats.clone(),
                }));
            builder = builder.tls_backend_preconfigured(config);
        } else {
            // Plain HTTP: no TLS at all, so no trust store either. Without this reqwest loads
            // the platform's, and fails where there is none (a minimal container image).
            let config = rustls::ClientConfig::builder_with_provider(Arc::new(
                rustls::crypto::aws_lc_rs::default_provider(),
            ))
            .with_safe_default_protocol_versions()
            .map(|b| {
                b.with_root_certificates(rustls::RootCertStore::empty())
                    .with_no_client_auth()
            });
            if let Ok(config) = config {
                builder = builder.tls_backend_preconfigured(config);
            }
        }
        let http = builder.build().map_err(|source| ClientBuildError {
            name: options.name.clone(),
            source,
        })?;
        Ok(SoapClient {
            http,
            name: options.name.into(),
            stats,
            tls,
            connect_timeout: options.connect_timeout,
            request_timeout: options.request_timeout,
            tap: options.tap.clone(),
            slots: Arc::new(tokio::sync::Semaphore::new(options.max_connections.max(1))),
            probe,
        })
    }

    /// Posts one SOAP message. `extra_headers` carries e.g. the user header SAP can add for load
    /// balancers (SAP Note 1640673).
    pub async fn post(
        &self,
        url: &str,
        content_type: &str,
        soap_action: Option<&str>,
        body: impl Into<Bytes>,
        extra_headers: &[(&str, &str)],
    ) -> Result<Reply, CallError> {
        // The semaphore is never closed, so acquiring fails only if it were; then go ahead.
        let _slot = self.slots.acquire().await.ok();
        let body: Bytes = body.into();
        let mut request = self
            .http
            .post(url)
            .header(http::header::CONTENT_TYPE, content_type)
            .body(body.clone());
        if let Some(action) = soap_action {
            request = request.header("SOAPAction", action);
        }
        for (name, value) in extra_headers {
            request = request.header(*name, *value);
        }
        let tapped = self.tap.as_ref().map(|tap| {
            let exchange = self.tap_request(
                tap.as_ref(),
                url,
                content_type,
                soap_action,
                extra_headers,
                &body,
            );
            (tap, exchange, std::time::Instant::now())
        });
        let response = match request.send().await {
            Ok(response) => response,
            Err(e) => {
                let e = self.explain(url, &e).await;
                if let Some((tap, exchange, started)) = tapped {
                    tap_failure(tap.as_ref(), exchange, started, &e);
                }
                return Err(e);
            }
        };
        let response_headers = tapped.as_ref().map(|_| response.headers().clone());
        let status = response.status().as_u16();
        // A 400 is a SOAP 1.2 sender fault only when it carries SOAP; a plain 400 (e.g. plain
        // HTTP sent to a TLS port) stays an HTTP error.
        let soap_body = response
            .headers()
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| {
                let ct = ct.to_ascii_lowercase();
                ct.starts_with("application/soap+xml") || ct.starts_with("text/xml")
            });
        let body = match response.bytes().await {
            Ok(body) => body,
            Err(e) => {
                let e = self.explain(url, &e).await;
                if let Some((tap, exchange, started)) = tapped {
                    tap_failure(tap.as_ref(), exchange, started, &e);
                }
                return Err(e);
            }
        };
        if let (Some((tap, exchange, started)), Some(headers)) = (tapped, &response_headers) {
            tap.response(
                exchange,
                &crate::tap::TappedResponse {
                    status,
                    headers,
                    body: &body,
                    latency: started.elapsed(),
                    error: None,
                },
            );
        }
        // SOAP 1.1 answers faults with 500; SOAP 1.2 with 400 (sender) or 500 (receiver).
        if status == 200 || status == 500 || (status == 400 && soap_body) {
            Ok(Reply { status, body })
        } else {
            Err(CallError::Status {
                client: self.name.to_string(),
                url: url.to_owned(),
                status,
                body: excerpt(&body),
            })
        }
    }

    /// Tells the tap about a request about to be sent: the headers this client adds itself.
    fn tap_request(
        &self,
        tap: &dyn crate::tap::Tap,
        url: &str,
        content_type: &str,
        soap_action: Option<&str>,
        extra_headers: &[(&str, &str)],
        body: &[u8],
    ) -> u64 {
        let mut headers = http::HeaderMap::new();
        let mut add = |name: &str, value: &str| {
            if let (Ok(n), Ok(v)) = (
                http::HeaderName::from_bytes(name.as_bytes()),
                http::HeaderValue::from_str(value),
            ) {
                headers.append(n, v);
            }
        };
        add("content-type", content_type);
        if let Some(action) = soap_action {
            add("soapaction", action);
        }
        for (name, value) in extra_headers {
            add(name, value);
        }
        tap.request(&crate::tap::TappedRequest {
            peer: None,
            method: &http::Method::POST,
            uri: url,
            headers: &headers,
            body,
        })
    }

    /// Sends any request as it is (a relay's forwarding): any method, these headers, this
    /// body; every HTTP status is an answer. Not tapped: the relay taps its own server side.
    pub async fn forward(
        &self,
        method: http::Method,
        url: &str,
        headers: http::HeaderMap,
        body: Bytes,
    ) -> Result<Forwarded, CallError> {
        let _slot = self.slots.acquire().await.ok();
        let response = match self
            .http
            .request(method, url)
            .headers(headers)
            .body(body)
            .send()
            .await
        {
            Ok(response) => response,
            Err(e) => return Err(self.explain(url, &e).await),
        };
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = match response.bytes().await {
            Ok(body) => body,
            Err(e) => return Err(self.explain(url, &e).await),
        };
        Ok(Forwarded {
            status,
            headers,
            body,
        })
    }

    /// Connections and handshakes so far. Resumed handshakes are the TLS connections that did
    /// not verify a certificate (rustls skips verification when it resumes).
    pub fn stats(&self) -> LinkSnapshot {
        let mut snapshot = self.stats.snapshot();
        if self.tls {
            snapshot.handshakes_resumed = snapshot
                .connections
                .saturating_sub(snapshot.handshakes_full);
        }
        snapshot
    }

    /// Classifies an error; a TLS exchange that died without a reason gets a probe handshake
    /// to find one.
    async fn explain(&self, url: &str, err: &reqwest::Error) -> CallError {
        let classified = self.classify(url, err);
        let (CallError::Io { .. } | CallError::Connect { .. }) = &classified else {
            return classified;
        };
        let Some(probe) = &self.probe else {
            return classified;
        };
        let Ok(parsed) = reqwest::Url::parse(url) else {
            return classified;
        };
        let (Some(host), Some(port)) = (parsed.host_str(), parsed.port_or_known_default()) else {
            return classified;
        };
        let addr = probe
            .resolve
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(host))
            .map(|(_, a)| SocketAddr::new(a.ip(), port));
        match crate::probe::tls_failure(&probe.config, host, port, addr).await {
            Some(failure) => {
                let client = self.name.to_string();
                self.stats.failure(
                    &failure,
                    format!("{client}: TLS with {url} failed: {failure}"),
                );
                CallError::Tls {
                    client,
                    url: url.to_owned(),
                    failure,
                }
            }
            None => classified,
        }
    }

    fn classify(&self, url: &str, err: &reqwest::Error) -> CallError {
        let client = self.name.to_string();
        let url = url.to_owned();
        if let Some(failure) = TlsFailure::find_in(err) {
            self.stats.failure(
                &failure,
                format!("{client}: TLS with {url} failed: {failure}"),
            );
            return CallError::Tls {
                client,
                url,
                failure,
            };
        }
        if err.is_timeout() {
            // reqwest's connect timeout covers the TLS handshake too, and its error is both a
            // connect and a timeout error: then it was connect_timeout that ran out.
            let connecting = err.is_connect();
            return CallError::Timeout {
                client,
                url,
                connecting,
                after: if connecting {
                    self.connect_timeout
                } else {
                    self.request_timeout
                },
            };
        }
        let cause = error_chain(err);
        if err.is_connect() {
            return CallError::Connect { client, url, cause };
        }
        CallError::Io { client, url, cause }
    }
}

/// How a timeout reads: what did not happen in time.
fn waited_for(connecting: &bool) -> &'static str {
    if *connecting {
        "no connection to"
    } else {
        "no answer from"
    }
}

/// The whole cause chain in one line: reqwest's top-level message alone says only "error sending
/// request".
fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![err.to_string()];
    let mut source = err.source();
    while let Some(e) = source {
        let text = e.to_string();
        if parts.last() != Some(&text) {
            parts.push(text);
        }
        source = e.source();
    }
    parts.join(": ")
}

fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    match text.char_indices().nth(300) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

/// Delegates to the real verifier and counts each certificate it verifies: rustls calls it only
/// on full handshakes, so the count is the client's full-handshake count.
#[derive(Debug)]
struct CountingVerifier {
    inner: Arc<dyn ServerCertVerifier>,
    stats: Arc<LinkStats>,
}

impl ServerCertVerifier for CountingVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let verified = self.inner.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        )?;
        self.stats.handshake(false);
        Ok(verified)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }

    fn requires_raw_public_keys(&self) -> bool {
        self.inner.requires_raw_public_keys()
    }

    fn root_hint_subjects(&self) -> Option<&[rustls::DistinguishedName]> {
        self.inner.root_hint_subjects()
    }
}
