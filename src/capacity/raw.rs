//! The raw handshake rate of this machine, measured in the same run as the capacity search, so
//! that the new-connection-per-message modes can be compared with it: both ends of a mutual-TLS
//! handshake in memory, on every core, for a few seconds.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use certs::{KeyAlgorithm, Layout, PartySpec, PkiSpec, TlsOptions};

/// Full handshakes per second, both ends in one process.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RawHandshakes {
    pub key: KeyAlgorithm,
    pub cores: usize,
    /// On one core (the criterion bench's figure).
    pub per_core_per_s: f64,
    /// On all cores at once: what the machine can do at most.
    pub all_cores_per_s: f64,
}

/// Measures for `duration` on all cores. `None` when the TLS material cannot be made (said in
/// the log).
pub fn measure(key: KeyAlgorithm, duration: Duration) -> Option<RawHandshakes> {
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
    let made = certs::generate(&spec).and_then(|pki| {
        let c = &pki.connectors[0];
        Ok((
            Arc::new(certs::client_config(
                &pki.crm.identity,
                &pki.crm.peer_roots,
                &opts,
            )?),
            Arc::new(certs::server_config(&c.identity, &c.peer_roots, &opts)?),
        ))
    });
    let (client, server) = match made {
        Ok(configs) => configs,
        Err(e) => {
            tracing::warn!("raw handshake rate not measured: {e}");
            return None;
        }
    };
    let run = |threads: usize| {
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
    };
    let cores = crate::runner::cost::cores();
    Some(RawHandshakes {
        key,
        cores,
        per_core_per_s: run(1),
        all_cores_per_s: run(cores),
    })
}
