//! Whether a TLS handshake that failed had in fact completed.
//!
//! A client that completes the handshake and hangs up at once (`openssl s_time`, a load
//! balancer's TLS check) makes tokio-rustls's accept fail while it writes the session tickets,
//! and the error carries no connection state that would say the handshake was done: such a
//! client was counted as a failed handshake. rustls issues a ticket, or stores a session, only
//! after it has verified the client's Finished, so a witness around the ticketer and the session
//! store, one per connection, knows. It costs a copy of the server config (a handful of `Arc`s)
//! per connection, and only when the config issues tickets or stores sessions; without either, a
//! completed handshake has nothing left to write and never fails this way.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use rustls::ServerConfig;
use rustls::server::{ProducesTickets, StoresServerSessions};

/// What one connection's handshake got to.
#[derive(Debug, Default)]
pub(crate) struct Seen {
    /// A ticket was issued or a session stored: the client's Finished was verified.
    completed: AtomicBool,
    /// A ticket or a stored session was accepted at the ClientHello.
    resumed: AtomicBool,
}

impl Seen {
    pub(crate) fn completed(&self) -> bool {
        self.completed.load(Ordering::Relaxed)
    }

    pub(crate) fn resumed(&self) -> bool {
        self.resumed.load(Ordering::Relaxed)
    }
}

/// `config` with its ticketer and session store reporting to a fresh [`Seen`]; `None` when the
/// config issues no tickets and stores no sessions.
pub(crate) fn witnessed(config: &Arc<ServerConfig>) -> Option<(Arc<ServerConfig>, Arc<Seen>)> {
    if !(config.ticketer.enabled() || config.session_storage.can_cache()) {
        return None;
    }
    let seen = Arc::new(Seen::default());
    let mut copy = (**config).clone();
    copy.ticketer = Arc::new(Tickets {
        inner: config.ticketer.clone(),
        seen: seen.clone(),
    });
    copy.session_storage = Arc::new(Sessions {
        inner: config.session_storage.clone(),
        seen: seen.clone(),
    });
    Some((Arc::new(copy), seen))
}

#[derive(Debug)]
struct Tickets {
    inner: Arc<dyn ProducesTickets>,
    seen: Arc<Seen>,
}

impl ProducesTickets for Tickets {
    fn enabled(&self) -> bool {
        self.inner.enabled()
    }

    fn lifetime(&self) -> u32 {
        self.inner.lifetime()
    }

    fn encrypt(&self, plain: &[u8]) -> Option<Vec<u8>> {
        self.seen.completed.store(true, Ordering::Relaxed);
        self.inner.encrypt(plain)
    }

    fn decrypt(&self, cipher: &[u8]) -> Option<Vec<u8>> {
        let plain = self.inner.decrypt(cipher);
        if plain.is_some() {
            self.seen.resumed.store(true, Ordering::Relaxed);
        }
        plain
    }
}

#[derive(Debug)]
struct Sessions {
    inner: Arc<dyn StoresServerSessions>,
    seen: Arc<Seen>,
}

impl StoresServerSessions for Sessions {
    fn put(&self, key: Vec<u8>, value: Vec<u8>) -> bool {
        self.seen.completed.store(true, Ordering::Relaxed);
        self.inner.put(key, value)
    }

    fn get(&self, key: &[u8]) -> Option<Vec<u8>> {
        let value = self.inner.get(key);
        if value.is_some() {
            self.seen.resumed.store(true, Ordering::Relaxed);
        }
        value
    }

    fn take(&self, key: &[u8]) -> Option<Vec<u8>> {
        let value = self.inner.take(key);
        if value.is_some() {
            self.seen.resumed.store(true, Ordering::Relaxed);
        }
        value
    }

    fn can_cache(&self) -> bool {
        self.inner.can_cache()
    }
}
