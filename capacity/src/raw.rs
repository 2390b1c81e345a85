//! The raw handshake rate of this machine, measured in the same run as the capacity search, so
//! that the new-connection-per-message modes can be compared with it: both ends of a mutual-TLS
//! handshake in memory, on every core, for a few seconds.
//!
//! Then the same handshakes over real loopback TCP connections (connect, handshake, close; no
//! HTTP): what the kernel's share of a connection costs. A deployment that opens a connection per
//! message pays that share too, so the gap between the two rates is the kernel's, and the gap
//! between the TCP rate and the deployment's is the harness's (HTTP, SOAP, the simulators).
//!
//! The rate is measured before the searches and again after them: on a shared VM the machine's
//! own speed drifts by a third within minutes (`benches/README.md`, "The machine"), and a ratio
//! whose denominator was caught in a slow or a fast spell would mislead. Both are reported, and
//! the deployment is compared with their mean.

use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use certs::{KeyAlgorithm, Layout, PartySpec, PkiSpec, TlsOptions};
use rustls_pki_types::ServerName;

/// When in the run a raw rate was measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Moment {
    /// Before the first search.
    Before,
    /// After the last one.
    After,
}

impl Moment {
    /// `before` or `after`, as the findings' sentences say it.
    pub fn as_str(self) -> &'static str {
        match self {
            Moment::Before => "before",
            Moment::After => "after",
        }
    }
}

/// Full handshakes per second, both ends in one process.
#[derive(Debug, Clone, serde::Serialize, schemars::JsonSchema)]
pub struct RawHandshakes {
    /// The certificates' key algorithm the handshakes used.
    pub key: KeyAlgorithm,
    /// Before or after the searches.
    pub when: Moment,
    /// Cores the all-cores and TCP rates ran on (the machine's available parallelism).
    pub cores: usize,
    /// On one core (the criterion bench's figure).
    pub per_core_per_s: f64,
    /// On all cores at once: what the machine can do at most.
    pub all_cores_per_s: f64,
    /// Over loopback TCP, a new connection per handshake, on all cores (None: not measured,
    /// said in the log).
    pub over_tcp_per_s: Option<f64>,
}

/// Measures for `duration` on one core, on all cores and over TCP. `None` when the TLS material
/// cannot be made (said in the log).
pub fn measure(key: KeyAlgorithm, when: Moment, duration: Duration) -> Option<RawHandshakes> {
    let bench = match RawBench::new(key) {
        Ok(bench) => bench,
        Err(e) => {
            tracing::warn!("raw handshake rate not measured: {e}");
            return None;
        }
    };
    let cores = harness::runner::cost::cores();
    let per_core_per_s = bench.in_memory(1, duration);
    let all_cores_per_s = bench.in_memory(cores, duration);
    let over_tcp_per_s = match bench.over_tcp(cores, duration) {
        Ok(rate) => Some(rate),
        Err(e) => {
            tracing::warn!("raw handshake rate over TCP not measured: {e}");
            None
        }
    };
    Some(RawHandshakes {
        key,
        when,
        cores,
        per_core_per_s,
        all_cores_per_s,
        over_tcp_per_s,
    })
}

/// Both ends of a raw handshake, made once and measured as often as needed (the paired check
/// measures between its windows, and must not spend its seconds generating keys).
pub struct RawBench {
    client: Arc<rustls::ClientConfig>,
    server: Arc<rustls::ServerConfig>,
}

impl RawBench {
    /// A fresh PKI with `key` and configs without resumption, as the full-handshake mode has.
    pub fn new(key: KeyAlgorithm) -> Result<RawBench, certs::CertError> {
        let spec = PkiSpec {
            layout: Layout::OneCa,
            key,
            validity_days: 1,
            crm: PartySpec::new("crm", "crm.crmsim.test"),
            connectors: vec![PartySpec::new("connector", "connector.crmsim.test")],
        };
        let opts = TlsOptions {
            resumption: false,
            ..TlsOptions::default()
        };
        let pki = certs::generate(&spec)?;
        let c = &pki.connectors[0];
        Ok(RawBench {
            client: Arc::new(certs::client_config(
                &pki.crm.identity,
                &pki.crm.peer_roots,
                &opts,
            )?),
            server: Arc::new(certs::server_config(&c.identity, &c.peer_roots, &opts)?),
        })
    }

    /// Full handshakes per second with both ends in memory, on `threads` threads for `duration`.
    pub fn in_memory(&self, threads: usize, duration: Duration) -> f64 {
        let (client, server) = (&self.client, &self.server);
        let done = Arc::new(AtomicU64::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let started = Instant::now();
        std::thread::scope(|scope| {
            for _ in 0..threads {
                let (client, server, done, stop) =
                    (client.clone(), server.clone(), done.clone(), stop.clone());
                scope.spawn(move || {
                    while !stop.load(Ordering::Relaxed) {
                        if certs::handshake::handshake(
                            client.clone(),
                            server.clone(),
                            "connector.crmsim.test",
                        )
                        .ok()
                        {
                            done.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                });
            }
            std::thread::sleep(duration);
            stop.store(true, Ordering::Relaxed);
        });
        done.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64()
    }
}

/// How long one end of a raw TCP handshake waits for the other before it gives the connection
/// up: no handshake on loopback takes this long, and a measurement must end whatever happens.
const STUCK: Duration = Duration::from_secs(5);

impl RawBench {
    /// Handshakes per second over loopback TCP: `cores` client threads connect, shake hands and
    /// close; `cores` server threads accept and shake hands. Counted when the server completed.
    pub fn over_tcp(&self, cores: usize, duration: Duration) -> std::io::Result<f64> {
        let (client, server) = (&self.client, &self.server);
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
        let addr = listener.local_addr()?;
        let name = ServerName::try_from("connector.crmsim.test")
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        let done = AtomicU64::new(0);
        let stop = AtomicBool::new(false);
        let serving = AtomicUsize::new(cores);
        let clients = AtomicUsize::new(cores);
        let started = Instant::now();
        std::thread::scope(|scope| -> std::io::Result<()> {
            for _ in 0..cores {
                let listener = listener.try_clone()?;
                let (server, done, serving, clients) = (server.clone(), &done, &serving, &clients);
                scope.spawn(move || {
                    // Serve until every client has stopped: a server that left first would leave a
                    // client's last connection unaccepted in the backlog, and the client waiting
                    // for an answer that never comes.
                    while clients.load(Ordering::Relaxed) > 0 {
                        let Ok((mut tcp, _)) = listener.accept() else {
                            continue;
                        };
                        let _ = tcp.set_nodelay(true);
                        let _ = tcp.set_read_timeout(Some(STUCK));
                        let Ok(mut tls) = rustls::ServerConnection::new(server.clone()) else {
                            continue;
                        };
                        if shake(&mut tls, &mut tcp) {
                            done.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                    serving.fetch_sub(1, Ordering::Relaxed);
                });
            }
            for _ in 0..cores {
                let (client, name, stop, clients) = (client.clone(), name.clone(), &stop, &clients);
                scope.spawn(move || {
                    while !stop.load(Ordering::Relaxed) {
                        let Ok(mut tcp) = TcpStream::connect(addr) else {
                            continue;
                        };
                        let _ = tcp.set_nodelay(true);
                        let _ = tcp.set_read_timeout(Some(STUCK));
                        let Ok(mut tls) =
                            rustls::ClientConnection::new(client.clone(), name.clone())
                        else {
                            continue;
                        };
                        // Wait for the server's close, so both ends finish before the next one.
                        if shake(&mut tls, &mut tcp) {
                            tls.send_close_notify();
                            let _ = tls.complete_io(&mut tcp);
                            let mut rest = [0u8; 64];
                            let _ = std::io::Read::read(&mut tcp, &mut rest);
                        }
                    }
                    clients.fetch_sub(1, Ordering::Relaxed);
                });
            }
            std::thread::sleep(duration);
            stop.store(true, Ordering::Relaxed);
            // Wake the servers blocked in accept until every one has seen the clients gone.
            while serving.load(Ordering::Relaxed) > 0 {
                let _ = TcpStream::connect(addr);
                std::thread::sleep(Duration::from_millis(5));
            }
            Ok(())
        })?;
        Ok(done.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64())
    }
}

/// Drives a handshake to its end over `tcp`; whether it completed.
fn shake<C, S>(tls: &mut C, tcp: &mut TcpStream) -> bool
where
    C: std::ops::DerefMut<Target = rustls::ConnectionCommon<S>>,
    S: rustls::SideData,
{
    while tls.is_handshaking() {
        if tls.complete_io(tcp).is_err() {
            return false;
        }
    }
    // Flush what the handshake left to send (the client's Finished).
    while tls.wants_write() {
        if tls.write_tls(tcp).is_err() {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Both ways of measuring complete and stop on time (the TCP one must wake its servers out
    /// of `accept`). No rate is judged here: rates come from `crmsim capacity`.
    #[test]
    fn the_in_memory_and_the_tcp_measurements_both_run_and_end() {
        let started = Instant::now();
        let raw = measure(
            KeyAlgorithm::EcdsaP256,
            Moment::Before,
            Duration::from_millis(150),
        )
        .expect("material for an ECDSA handshake");
        assert!(
            raw.per_core_per_s > 0.0 && raw.all_cores_per_s > 0.0,
            "{raw:?}"
        );
        assert!(raw.over_tcp_per_s.is_some_and(|r| r > 0.0), "{raw:?}");
        assert!(started.elapsed() < Duration::from_secs(30), "{raw:?}");
    }
}
