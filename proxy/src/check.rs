//! One health probe against one server: a TCP connect, or a full TLS handshake with the checker's
//! client certificate. A failed probe says why in words fit for the state-change log
//! ("connection refused", "timeout after 1s", "TLS handshake failed: received fatal alert:
//! UnknownCA"), because "why did the proxy mark side A down" is the first question after a
//! failover.
//!
//! Probes travel the server's leg, so a blackholed or paused leg makes them time out, as it would
//! for a real checker on that network path.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use rustls::client::Resumption;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::Instant;
use tokio_rustls::TlsConnector;

use crate::config::CheckKind;
use crate::impair::Impairments;

/// A probe ready to run repeatedly against one server.
pub(crate) enum Probe {
    Tcp,
    Tls {
        connector: TlsConnector,
        server_name: rustls_pki_types::ServerName<'static>,
    },
}

impl Probe {
    /// Prepares `kind`; a TLS probe gets its own copy of the client config with resumption off
    /// (see [`CheckKind::Tls`]).
    pub fn new(kind: &CheckKind) -> Probe {
        match kind {
            CheckKind::Tcp => Probe::Tcp,
            CheckKind::Tls {
                config,
                server_name,
            } => {
                let mut config = rustls::ClientConfig::clone(config);
                config.resumption = Resumption::disabled();
                Probe::Tls {
                    connector: TlsConnector::from(Arc::new(config)),
                    server_name: server_name.clone(),
                }
            }
        }
    }

    /// Runs one probe against `addr` over `leg`; `Err` says why it failed.
    pub async fn run(
        &self,
        addr: SocketAddr,
        timeout: Duration,
        leg: &Impairments,
    ) -> Result<(), String> {
        let deadline = Instant::now() + timeout;
        let connect = async {
            if leg.is_blackholed() {
                std::future::pending::<()>().await;
            }
            leg.wait_unpaused().await;
            tokio::time::sleep(leg.sample_delay()).await;
            TcpStream::connect(addr).await
        };
        let tcp = match tokio::time::timeout_at(deadline, connect).await {
            Ok(Ok(tcp)) => tcp,
            Ok(Err(e)) => return Err(describe_io(&e)),
            Err(_) => return Err(format!("timeout after {timeout:?}")),
        };
        match self {
            Probe::Tcp => Ok(()),
            Probe::Tls {
                connector,
                server_name,
            } => {
                let handshake = connector.connect(server_name.clone(), tcp);
                let mut tls = match tokio::time::timeout_at(deadline, handshake).await {
                    Ok(Ok(tls)) => tls,
                    Ok(Err(e)) => return Err(format!("TLS handshake failed: {}", describe_io(&e))),
                    Err(_) => return Err(format!("TLS handshake timeout after {timeout:?}")),
                };
                // TLS 1.3: a refused client certificate shows only now, as an alert in answer to
                // our Finished. Say goodbye and listen until the server closes.
                let farewell = async {
                    tls.shutdown().await?;
                    let mut sink = Vec::new();
                    tls.read_to_end(&mut sink).await
                };
                match tokio::time::timeout_at(deadline, farewell).await {
                    Ok(Err(e)) if tls_error(&e).is_some() => Err(format!(
                        "TLS refused after the handshake: {}",
                        describe_io(&e)
                    )),
                    // Closed, with or without close_notify, or still open at the deadline: the
                    // handshake completed and nothing refused it.
                    Ok(_) | Err(_) => Ok(()),
                }
            }
        }
    }
}

fn tls_error(e: &io::Error) -> Option<&rustls::Error> {
    e.get_ref()?.downcast_ref::<rustls::Error>()
}

/// An I/O error in the words of a check log.
fn describe_io(e: &io::Error) -> String {
    if let Some(tls) = tls_error(e) {
        return tls.to_string();
    }
    match e.kind() {
        io::ErrorKind::ConnectionRefused => "connection refused".to_string(),
        io::ErrorKind::ConnectionReset => "connection reset by peer".to_string(),
        io::ErrorKind::UnexpectedEof => "connection closed by peer".to_string(),
        _ => e.to_string(),
    }
}
