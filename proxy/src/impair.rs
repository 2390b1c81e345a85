//! Faults on one TCP leg: latency with jitter, blackhole, pause, and resetting every live
//! connection. The same handle drives a proxy's frontends, servers and routes and a standalone
//! [`crate::Relay`].
//!
//! Faults act on the data as it is forwarded (by the internal `pump` module), so they can be
//! switched on and off at any moment of a run, on open connections as well as on new ones.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use rand::Rng;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

/// The faults currently set on a leg.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    serde::Serialize,
    serde::Deserialize,
    schemars::JsonSchema,
)]
pub struct Faults {
    /// Added to every chunk going from the dialing side to the listening side.
    #[serde(
        rename = "latency_ms",
        serialize_with = "crate::json_time::ms",
        deserialize_with = "crate::json_time::from_ms"
    )]
    #[schemars(with = "f64")]
    pub latency: Duration,
    /// ± uniform jitter on `latency`.
    #[serde(
        rename = "jitter_ms",
        serialize_with = "crate::json_time::ms",
        deserialize_with = "crate::json_time::from_ms"
    )]
    #[schemars(with = "f64")]
    pub jitter: Duration,
    /// Data vanishes; new connections get nowhere.
    pub blackhole: bool,
    /// Nothing is forwarded until resumed.
    pub paused: bool,
}

/// A cheap clonable handle to one leg's faults. All clones act on the same leg.
///
/// Direction: "client → server" is always from the side that dialled to the side that listens:
/// CRM → connector on a frontend or a server leg, connector → CRM on a static route, and the
/// relay's client → the relay's target.
#[derive(Clone)]
pub struct Impairments {
    inner: Arc<Leg>,
}

struct Leg {
    name: String,
    faults: watch::Sender<Faults>,
    sessions: Mutex<HashMap<u64, CancellationToken>>,
    next_session: AtomicU64,
}

impl std::fmt::Debug for Impairments {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Impairments")
            .field("leg", &self.inner.name)
            .field("faults", &self.faults())
            .finish()
    }
}

impl Impairments {
    pub(crate) fn new(name: impl Into<String>) -> Impairments {
        Impairments {
            inner: Arc::new(Leg {
                name: name.into(),
                faults: watch::Sender::new(Faults::default()),
                sessions: Mutex::new(HashMap::new()),
                next_session: AtomicU64::new(0),
            }),
        }
    }

    /// The leg's name as it appears in logs (`frontend ici`, `server connectors/connector-a`).
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// The faults set now.
    pub fn faults(&self) -> Faults {
        *self.inner.faults.borrow()
    }

    /// Delays every chunk flowing client → server by `latency` ± uniform `jitter` (never below
    /// zero), so a request/response exchange over the leg takes about `latency` longer. Chunks
    /// keep their order: one whose delay is shorter than its predecessor's waits for it, as TCP's
    /// in-order delivery would. Applies to chunks read from now on. `latency` 0 switches it off.
    pub fn set_latency(&self, latency: Duration, jitter: Duration) {
        tracing::info!(leg = %self.inner.name, ?latency, ?jitter, "latency set");
        self.inner.faults.send_modify(|f| {
            f.latency = latency;
            f.jitter = if latency.is_zero() {
                Duration::ZERO
            } else {
                jitter
            };
        });
    }

    /// Blackhole on: everything sent over the leg vanishes, in both directions, and no answer
    /// comes; clients time out instead of failing fast.
    ///
    /// - Open connections that carry any byte while the blackhole is on are dead for good: their
    ///   data was dropped, so they can never be consistent again (a TLS stream would break).
    ///   They stay open until an end closes them or they are reset.
    /// - New connections to a relay, a route or a frontend are accepted and then swallowed: no
    ///   target is dialled, every byte is read and dropped.
    /// - A proxy dialling a server over a blackholed server leg gets no answer: the connect
    ///   hangs until the backend's `connect_timeout`, and health checks time out.
    ///
    /// Off again: new connections, and open ones that stayed silent, work as before.
    pub fn set_blackhole(&self, on: bool) {
        tracing::info!(leg = %self.inner.name, on, "blackhole");
        self.inner.faults.send_modify(|f| f.blackhole = on);
    }

    /// Stops forwarding in both directions: data stays in the proxy's buffers and the kernel's,
    /// senders block once those are full. Connections are still accepted. A server leg's health
    /// checks wait too (and time out).
    pub fn pause(&self) {
        tracing::info!(leg = %self.inner.name, "paused");
        self.inner.faults.send_modify(|f| f.paused = true);
    }

    /// Undoes [`pause`](Self::pause): what waited is forwarded, in order.
    pub fn resume(&self) {
        tracing::info!(leg = %self.inner.name, "resumed");
        self.inner.faults.send_modify(|f| f.paused = false);
    }

    /// Resets every live connection through this leg now: both of its TCP connections (client
    /// side and server side) are closed with an RST. Returns how many connections were reset.
    pub fn reset_connections(&self) -> usize {
        let tokens: Vec<CancellationToken> = self.sessions().drain().map(|(_, t)| t).collect();
        for token in &tokens {
            token.cancel();
        }
        tracing::info!(leg = %self.inner.name, connections = tokens.len(), "connections reset");
        tokens.len()
    }

    /// Removes latency, blackhole and pause (connections are left alone).
    pub fn clear(&self) {
        tracing::info!(leg = %self.inner.name, "faults cleared");
        self.inner.faults.send_replace(Faults::default());
    }

    /// How many connections pass through this leg now.
    pub fn live_connections(&self) -> usize {
        self.sessions().len()
    }

    pub(crate) fn is_blackholed(&self) -> bool {
        self.inner.faults.borrow().blackhole
    }

    /// Returns at once unless paused; otherwise when resumed.
    pub(crate) async fn wait_unpaused(&self) {
        let mut rx = self.inner.faults.subscribe();
        // `wait_for` fails only when the sender is gone, and `self` holds it.
        let _ = rx.wait_for(|f| !f.paused).await;
    }

    /// This chunk's delay: latency ± uniform jitter, floored at zero.
    pub(crate) fn sample_delay(&self) -> Duration {
        let Faults {
            latency, jitter, ..
        } = self.faults();
        jittered(latency, jitter, &mut rand::rng())
    }

    /// Registers a connection so that [`reset_connections`](Self::reset_connections) can reach
    /// it; the returned key unregisters it.
    pub(crate) fn register(&self, token: CancellationToken) -> u64 {
        let id = self.inner.next_session.fetch_add(1, Ordering::Relaxed);
        self.sessions().insert(id, token);
        id
    }

    pub(crate) fn unregister(&self, id: u64) {
        self.sessions().remove(&id);
    }

    fn sessions(&self) -> MutexGuard<'_, HashMap<u64, CancellationToken>> {
        match self.inner.sessions.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        }
    }
}

fn jittered(latency: Duration, jitter: Duration, rng: &mut impl Rng) -> Duration {
    if latency.is_zero() {
        return Duration::ZERO;
    }
    if jitter.is_zero() {
        return latency;
    }
    let jitter = i128::try_from(jitter.as_nanos()).unwrap_or(i128::MAX);
    let latency = i128::try_from(latency.as_nanos()).unwrap_or(i128::MAX);
    let nanos = latency.saturating_add(rng.random_range(-jitter..=jitter));
    Duration::from_nanos(u64::try_from(nanos.max(0)).unwrap_or(u64::MAX))
}

/// Waits until none of `legs` is paused (re-checking, since one may pause while we wait on
/// another).
pub(crate) async fn wait_unpaused(legs: &[Impairments]) {
    loop {
        let mut waited = false;
        for leg in legs {
            if leg.faults().paused {
                leg.wait_unpaused().await;
                waited = true;
            }
        }
        if !waited {
            return;
        }
    }
}

/// Whether any of `legs` swallows data now.
pub(crate) fn any_blackholed(legs: &[Impairments]) -> bool {
    legs.iter().any(Impairments::is_blackholed)
}

/// Keeps a connection registered with its legs while alive; unregisters on drop.
pub(crate) struct Registration {
    entries: Vec<(Impairments, u64)>,
}

impl Registration {
    pub fn new(legs: &[Impairments], token: &CancellationToken) -> Registration {
        Registration {
            entries: legs
                .iter()
                .map(|leg| (leg.clone(), leg.register(token.clone())))
                .collect(),
        }
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        for (leg, id) in &self.entries {
            leg.unregister(*id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jitter_stays_within_bounds_and_never_goes_negative() {
        let mut rng = rand::rng();
        let ms = Duration::from_millis;
        for _ in 0..1000 {
            let d = jittered(ms(50), ms(20), &mut rng);
            assert!(d >= ms(30) && d <= ms(70), "{d:?}");
            let d = jittered(ms(10), ms(50), &mut rng);
            assert!(d <= ms(60), "{d:?}");
        }
        assert_eq!(jittered(ms(50), Duration::ZERO, &mut rng), ms(50));
        assert_eq!(jittered(Duration::ZERO, ms(50), &mut rng), Duration::ZERO);
    }

    #[test]
    fn reset_reaches_every_registered_connection_once() {
        let leg = Impairments::new("relay test");
        let a = CancellationToken::new();
        let b = CancellationToken::new();
        let _ra = Registration::new(std::slice::from_ref(&leg), &a);
        {
            let _rb = Registration::new(std::slice::from_ref(&leg), &b);
            assert_eq!(leg.live_connections(), 2);
        }
        assert_eq!(leg.live_connections(), 1);
        assert_eq!(leg.reset_connections(), 1);
        assert!(a.is_cancelled() && !b.is_cancelled());
        assert_eq!(leg.reset_connections(), 0);
    }

    #[test]
    fn clear_removes_every_fault() {
        let leg = Impairments::new("relay test");
        leg.set_latency(Duration::from_millis(5), Duration::from_millis(1));
        leg.set_blackhole(true);
        leg.pause();
        assert!(leg.faults().paused && leg.is_blackholed());
        leg.clear();
        assert_eq!(leg.faults(), Faults::default());
    }
}
