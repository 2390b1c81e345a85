//! A one-off TLS handshake to learn why a connection died.
//!
//! With TLS 1.3 a server refuses a client certificate *after* the client's handshake has
//! finished; the alert arrives on the first read. When that read happens inside hyper's
//! connection task, hyper reports the request as "canceled: connection closed" and the alert is
//! gone. So when a TLS exchange fails that way, the client repeats the handshake once on its own
//! (full, no resumption, same certificate and trust) and reads, which yields the alert the server
//! sends, or nothing when TLS was not the problem.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::ServerName;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

use crate::tls_failure::TlsFailure;

/// How long the connection and handshake may take.
const PROBE_TIMEOUT: Duration = Duration::from_secs(3);
/// How long to wait for the server's verdict after the handshake.
const VERDICT_TIMEOUT: Duration = Duration::from_millis(500);

/// Handshakes with `host:port` (dialled at `addr` when given, as the client's host overrides
/// say) and reads once; returns the TLS failure seen, if any.
pub async fn tls_failure(
    config: &rustls::ClientConfig,
    host: &str,
    port: u16,
    addr: Option<SocketAddr>,
) -> Option<TlsFailure> {
    let mut config = config.clone();
    // A resumed session would skip the very certificate check that may have failed.
    config.resumption = rustls::client::Resumption::disabled();
    let server_name = ServerName::try_from(host.to_owned()).ok()?;
    let handshake = async {
        let tcp = match addr {
            Some(addr) => TcpStream::connect(addr).await.ok()?,
            None => TcpStream::connect((host, port)).await.ok()?,
        };
        let connector = TlsConnector::from(Arc::new(config));
        Some(connector.connect(server_name, tcp).await)
    };
    let mut tls = match tokio::time::timeout(PROBE_TIMEOUT, handshake)
        .await
        .ok()
        .flatten()?
    {
        Ok(tls) => tls,
        Err(e) => return Some(TlsFailure::from_io(&e)),
    };
    // Bytes the server must read after the handshake; a refused client certificate shows up
    // as the answer.
    let _ = tls.write_all(b"\r\n").await;
    let mut byte = [0u8; 1];
    match tokio::time::timeout(VERDICT_TIMEOUT, tls.read(&mut byte)).await {
        Ok(Err(e)) => TlsFailure::find_in(&e),
        _ => None,
    }
}
