//! The live connections of one server and what each is doing, so that a full server can make
//! room and a watchdog can close a connection that waits too long.
//!
//! A connection's phase is written by the connection itself (its I/O wrapper and its service)
//! and read by the watchdog and by the accept loop; both only need the last value, so each slot
//! is a pair of atomics rather than a lock.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

/// What a connection is waiting for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum Phase {
    /// Accepted; TLS handshake (or the first byte on a plain port) not done yet.
    Handshake = 0,
    /// Between requests: nothing of the next one has arrived.
    Idle = 1,
    /// The first bytes of a request's head arrived, the head is not complete.
    Head = 2,
    /// A request is in the service: its body is read and it is answered.
    Request = 3,
}

impl Phase {
    fn from_u8(v: u8) -> Phase {
        match v {
            1 => Phase::Idle,
            2 => Phase::Head,
            3 => Phase::Request,
            _ => Phase::Handshake,
        }
    }

    /// A connection in any other phase may be closed to admit a new one: it has no request
    /// that closing would lose.
    fn evictable(self) -> bool {
        self != Phase::Request
    }
}

/// One connection's phase and since when (milliseconds after the registry's epoch).
#[derive(Debug)]
pub(crate) struct Slot {
    phase: AtomicU8,
    since_ms: AtomicU64,
    epoch: Instant,
    /// Cancelled to close the connection (evicted to make room).
    pub(crate) close: CancellationToken,
    /// Told by the watchdog that the request in the service has outlived `request_timeout`.
    /// The service checks that the request is still its own, since a permit can outlive the
    /// request it was meant for.
    pub(crate) request_expired: Notify,
}

impl Slot {
    /// Enters `phase` now; returns the phase and its start as [`phase`](Self::phase) will.
    pub(crate) fn set(&self, phase: Phase) -> (Phase, Instant) {
        let ms = self.now_ms();
        self.since_ms.store(ms, Ordering::Relaxed);
        self.phase.store(phase as u8, Ordering::Relaxed);
        (phase, self.epoch + Duration::from_millis(ms))
    }

    /// Idle → Head, on the first bytes read while idle; any other phase is left as it is.
    pub(crate) fn bytes_arrived(&self) {
        if self.phase.load(Ordering::Relaxed) == Phase::Idle as u8 {
            self.set(Phase::Head);
        }
    }

    pub(crate) fn phase(&self) -> (Phase, Instant) {
        let since = self.epoch + Duration::from_millis(self.since_ms.load(Ordering::Relaxed));
        (Phase::from_u8(self.phase.load(Ordering::Relaxed)), since)
    }

    fn now_ms(&self) -> u64 {
        ms_since(self.epoch)
    }
}

fn ms_since(epoch: Instant) -> u64 {
    u64::try_from(epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// What the accept loop may do with a new connection.
pub(crate) enum Admission {
    /// Below the limit.
    Admitted(Registration),
    /// At the limit; the oldest connection without a request in flight was closed for it.
    Evicted(Registration),
    /// At the limit and every connection is busy.
    Refused,
}

#[derive(Debug)]
pub(crate) struct Registry {
    limit: usize,
    epoch: Instant,
    next_id: AtomicU64,
    // Ordered by id, which is accept order: the first evictable entry is the oldest.
    slots: Mutex<BTreeMap<u64, Arc<Slot>>>,
}

impl Registry {
    pub(crate) fn new(limit: usize) -> Arc<Registry> {
        Arc::new(Registry {
            limit: limit.max(1),
            epoch: Instant::now(),
            next_id: AtomicU64::new(0),
            slots: Mutex::new(BTreeMap::new()),
        })
    }

    pub(crate) fn open(&self) -> usize {
        self.lock().len()
    }

    /// Connections with a request in the service: not evictable.
    pub(crate) fn busy(&self) -> usize {
        self.lock()
            .values()
            .filter(|slot| !slot.phase().0.evictable())
            .count()
    }

    /// Registers a new connection, making room if the server is full.
    pub(crate) fn admit(self: &Arc<Self>) -> Admission {
        let mut slots = self.lock();
        let mut evicted = false;
        if slots.len() >= self.limit {
            let victim = slots
                .iter()
                .find(|(_, slot)| slot.phase().0.evictable())
                .map(|(id, _)| *id);
            let Some(id) = victim else {
                return Admission::Refused;
            };
            if let Some(slot) = slots.remove(&id) {
                slot.close.cancel();
            }
            evicted = true;
        }
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let slot = Arc::new(Slot {
            phase: AtomicU8::new(Phase::Handshake as u8),
            since_ms: AtomicU64::new(ms_since(self.epoch)),
            epoch: self.epoch,
            close: CancellationToken::new(),
            request_expired: Notify::new(),
        });
        slots.insert(id, slot.clone());
        let registration = Registration {
            id,
            slot,
            registry: self.clone(),
        };
        if evicted {
            Admission::Evicted(registration)
        } else {
            Admission::Admitted(registration)
        }
    }

    fn lock(&self) -> MutexGuard<'_, BTreeMap<u64, Arc<Slot>>> {
        // A panic while holding this lock leaves the map consistent (every operation is one
        // insert or remove), so a poisoned lock is still good.
        match self.slots.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        }
    }
}

/// A connection's place in the registry; dropping it (the connection ended) frees the place.
#[derive(Debug)]
pub(crate) struct Registration {
    id: u64,
    pub(crate) slot: Arc<Slot>,
    registry: Arc<Registry>,
}

impl Drop for Registration {
    fn drop(&mut self) {
        self.registry.lock().remove(&self.id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn admitted(a: Admission) -> Registration {
        match a {
            Admission::Admitted(r) | Admission::Evicted(r) => r,
            Admission::Refused => panic!("refused"),
        }
    }

    #[test]
    fn a_full_registry_evicts_the_oldest_connection_without_a_request() {
        let reg = Registry::new(3);
        let a = admitted(reg.admit());
        let b = admitted(reg.admit());
        let c = admitted(reg.admit());
        a.slot.set(Phase::Request);
        b.slot.set(Phase::Idle);
        c.slot.set(Phase::Idle);
        let Admission::Evicted(d) = reg.admit() else {
            panic!("expected an eviction");
        };
        assert!(!a.slot.close.is_cancelled(), "busy connections stay");
        assert!(b.slot.close.is_cancelled(), "the oldest idle one goes");
        assert!(!c.slot.close.is_cancelled());
        assert_eq!(reg.open(), 3);
        drop(b);
        assert_eq!(reg.open(), 3, "an evicted slot is already gone");
        drop(d);
        assert_eq!(reg.open(), 2);
    }

    #[test]
    fn a_registry_of_busy_connections_refuses() {
        let reg = Registry::new(2);
        let a = admitted(reg.admit());
        let b = admitted(reg.admit());
        a.slot.set(Phase::Request);
        assert_eq!((reg.open(), reg.busy()), (2, 1));
        b.slot.set(Phase::Request);
        assert_eq!(reg.busy(), 2);
        assert!(matches!(reg.admit(), Admission::Refused));
        drop(a);
        assert!(matches!(reg.admit(), Admission::Admitted(_)));
    }

    #[test]
    fn bytes_start_a_head_only_when_idle() {
        let reg = Registry::new(1);
        let a = admitted(reg.admit());
        a.slot.bytes_arrived();
        assert_eq!(a.slot.phase().0, Phase::Handshake);
        a.slot.set(Phase::Idle);
        a.slot.bytes_arrived();
        assert_eq!(a.slot.phase().0, Phase::Head);
        a.slot.set(Phase::Request);
        a.slot.bytes_arrived();
        assert_eq!(a.slot.phase().0, Phase::Request);
    }
}
