//! A running backend: its servers' states and counters, the choice of server for new
//! connections, and one health-check task per server that moves the states.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Instant, SystemTime};

use tokio::sync::oneshot;

use crate::check::Probe;
use crate::config::{BackendConfig, OnMarkedDown, OnMarkedUp, ServerSpec};
use crate::impair::Impairments;
use crate::select::{Candidate, choose};
use crate::session::Lifecycle;
use crate::snapshot::{BackendSnapshot, Counter, Gauge, ServerSnapshot};
use crate::state::{CheckCounter, ServerState, StateChange, Transition};

/// Every transition of every server of one proxy, in order.
pub(crate) struct Journal {
    pub proxy: String,
    pub started: Instant,
    changes: Mutex<Vec<StateChange>>,
}

impl Journal {
    pub fn new(proxy: &str) -> Journal {
        Journal {
            proxy: proxy.to_string(),
            started: Instant::now(),
            changes: Mutex::new(Vec::new()),
        }
    }

    pub fn changes(&self) -> Vec<StateChange> {
        self.lock().clone()
    }

    fn push(&self, change: StateChange) {
        self.lock().push(change);
    }

    fn lock(&self) -> MutexGuard<'_, Vec<StateChange>> {
        match self.changes.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        }
    }
}

/// One server's live state.
pub(crate) struct Server {
    pub spec: ServerSpec,
    /// Where it is dialled: `spec.addr`, or what `spec.host` resolved to last.
    addr: Mutex<SocketAddr>,
    pub leg: Impairments,
    up: AtomicBool,
    pub connections: Counter,
    pub connect_failures: Counter,
    pub active: Gauge,
    pub bytes_to_server: Counter,
    pub bytes_from_server: Counter,
    checks_passed: Counter,
    checks_failed: Counter,
    state_changes: Counter,
    pub sessions_shut_down: Counter,
    last_check_error: Mutex<Option<String>>,
}

impl Server {
    fn new(backend: &str, spec: &ServerSpec) -> Server {
        Server {
            leg: Impairments::new(format!("server {backend}/{}", spec.name)),
            addr: Mutex::new(spec.addr),
            spec: spec.clone(),
            up: AtomicBool::new(true),
            connections: Counter::default(),
            connect_failures: Counter::default(),
            active: Gauge::default(),
            bytes_to_server: Counter::default(),
            bytes_from_server: Counter::default(),
            checks_passed: Counter::default(),
            checks_failed: Counter::default(),
            state_changes: Counter::default(),
            sessions_shut_down: Counter::default(),
            last_check_error: Mutex::new(None),
        }
    }

    /// Where the server is now (moves only for servers with a `host` to re-resolve).
    pub fn addr(&self) -> SocketAddr {
        *self
            .addr
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Resolves `host` again; a new address replaces the old one. `Err` says why the name did
    /// not resolve (the check then fails with it).
    async fn re_resolve(&self, host: &str) -> Result<(), String> {
        let port = self.spec.addr.port();
        let lookup = tokio::time::timeout(
            std::time::Duration::from_secs(2),
            tokio::net::lookup_host((host, port)),
        );
        let found = match lookup.await {
            Ok(Ok(mut addrs)) => addrs.next(),
            Ok(Err(e)) => return Err(format!("cannot resolve {host}: {e}")),
            Err(_) => return Err(format!("resolving {host} timed out")),
        };
        let Some(found) = found else {
            return Err(format!("{host} resolves to no address"));
        };
        let mut addr = self
            .addr
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if *addr != found {
            tracing::info!(server = %self.spec.name, from = %*addr, to = %found, "server moved");
            *addr = found;
        }
        Ok(())
    }

    pub fn is_up(&self) -> bool {
        self.up.load(Ordering::SeqCst)
    }

    fn last_check_error(&self) -> MutexGuard<'_, Option<String>> {
        match self.last_check_error.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    fn snapshot(&self) -> ServerSnapshot {
        ServerSnapshot {
            name: self.spec.name.clone(),
            addr: self.addr(),
            backup: self.spec.backup,
            state: if self.is_up() {
                ServerState::Up
            } else {
                ServerState::Down
            },
            connections: self.connections.get(),
            connect_failures: self.connect_failures.get(),
            active: self.active.get(),
            bytes_to_server: self.bytes_to_server.get(),
            bytes_from_server: self.bytes_from_server.get(),
            checks_passed: self.checks_passed.get(),
            checks_failed: self.checks_failed.get(),
            last_check_error: self.last_check_error().clone(),
            state_changes: self.state_changes.get(),
            sessions_shut_down: self.sessions_shut_down.get(),
            faults: self.leg.faults(),
        }
    }
}

/// The server choice remembered between connections.
#[derive(Default)]
struct Choosing {
    /// The backup traffic sticks to ([`crate::Failback::Manual`]).
    sticky: Option<usize>,
    /// The latest choice, to log when it changes.
    active: Option<usize>,
}

/// One backend's live state.
pub(crate) struct Backend {
    pub config: BackendConfig,
    pub servers: Vec<Server>,
    proxy: String,
    choosing: Mutex<Choosing>,
}

impl Backend {
    pub fn new(proxy: &str, config: &BackendConfig) -> Backend {
        Backend {
            servers: config
                .servers
                .iter()
                .map(|s| Server::new(&config.name, s))
                .collect(),
            config: config.clone(),
            proxy: proxy.to_string(),
            choosing: Mutex::new(Choosing::default()),
        }
    }

    pub fn name(&self) -> &str {
        &self.config.name
    }

    /// The server for a new connection, if any is UP.
    pub fn pick(&self) -> Option<usize> {
        self.rechoose(false)
    }

    /// Manual fail-back: forgets the sticky backup and chooses afresh.
    pub fn fail_back(&self) {
        tracing::info!(proxy = %self.proxy, backend = %self.name(), "manual fail-back");
        self.rechoose(true);
    }

    /// Whether a session to server `index` must be cut now (it went DOWN with
    /// `shutdown-sessions` while the session was being set up).
    pub fn must_cut(&self, index: usize) -> bool {
        self.config.on_marked_down == OnMarkedDown::ShutdownSessions
            && self.servers.get(index).is_some_and(|s| !s.is_up())
    }

    fn rechoose(&self, release: bool) -> Option<usize> {
        let mut choosing = match self.choosing.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        let candidates: Vec<Candidate> = self
            .servers
            .iter()
            .map(|s| Candidate {
                up: s.is_up(),
                backup: s.spec.backup,
            })
            .collect();
        let sticky = if release { None } else { choosing.sticky };
        let choice = choose(&candidates, self.config.failback, sticky);
        choosing.sticky = choice.sticky;
        if choice.server != choosing.active {
            let name = |i: Option<usize>| {
                i.and_then(|i| self.servers.get(i))
                    .map_or("none", |s| s.spec.name.as_str())
            };
            let (from, to) = (name(choosing.active), name(choice.server));
            if choice.server.is_some() {
                tracing::info!(proxy = %self.proxy, backend = %self.name(), from, to,
                    "new connections now go to {to}");
            } else {
                tracing::warn!(proxy = %self.proxy, backend = %self.name(), from,
                    "no server is UP: new connections are refused");
            }
            choosing.active = choice.server;
        }
        choice.server
    }

    pub fn snapshot(&self) -> BackendSnapshot {
        let active = match self.choosing.lock() {
            Ok(guard) => guard.active,
            Err(poisoned) => poisoned.into_inner().active,
        };
        BackendSnapshot {
            name: self.name().to_string(),
            active_server: active
                .and_then(|i| self.servers.get(i))
                .map(|s| s.spec.name.clone()),
            servers: self.servers.iter().map(Server::snapshot).collect(),
        }
    }

    /// Applies a transition of server `index`: state, journal, log, choice of server, and
    /// `shutdown-sessions`.
    fn apply(&self, index: usize, t: Transition, journal: &Journal) {
        let Some(server) = self.servers.get(index) else {
            return;
        };
        server.up.store(t.to == ServerState::Up, Ordering::SeqCst);
        server.state_changes.incr();
        let (proxy, backend, name) = (&self.proxy, self.name(), &server.spec.name);
        match t.to {
            ServerState::Down => {
                tracing::warn!(%proxy, backend, server = %name, reason = %t.reason,
                "server {backend}/{name} is DOWN: {}", t.reason)
            }
            ServerState::Up => tracing::info!(%proxy, backend, server = %name, reason = %t.reason,
                "server {backend}/{name} is UP: {}", t.reason),
        }
        journal.push(StateChange {
            at: SystemTime::now(),
            since_start: journal.started.elapsed(),
            at_instant: Instant::now(),
            backend: backend.to_string(),
            server: name.clone(),
            from: t.from,
            to: t.to,
            reason: t.reason,
        });
        self.rechoose(false);
        if t.to == ServerState::Up
            && !server.spec.backup
            && self.config.on_marked_up == OnMarkedUp::ShutdownBackupSessions
        {
            for backup in self.servers.iter().filter(|s| s.spec.backup) {
                let cut = backup.leg.reset_connections();
                backup.sessions_shut_down.add(cut as u64);
                if cut > 0 {
                    tracing::warn!(%proxy, backend, server = %backup.spec.name, sessions = cut,
                        "shutdown-backup-sessions: {name} is UP, {cut} session(s) to backup {} cut",
                        backup.spec.name);
                }
            }
        }
        if t.to == ServerState::Down && self.config.on_marked_down == OnMarkedDown::ShutdownSessions
        {
            let cut = server.leg.reset_connections();
            server.sessions_shut_down.add(cut as u64);
            if cut > 0 {
                tracing::warn!(%proxy, backend, server = %name, sessions = cut,
                    "shutdown-sessions: {cut} session(s) to {name} cut");
            }
        }
    }
}

/// Probes server `index` every `inter` until the lifecycle ends; reports on `first` once the
/// first probe has been counted. While `whole` (the proxy itself) is paused, no probe runs.
pub(crate) async fn check_loop(
    backend: Arc<Backend>,
    index: usize,
    journal: Arc<Journal>,
    whole: Impairments,
    life: Lifecycle,
    first: oneshot::Sender<()>,
) {
    let Some(server) = backend.servers.get(index) else {
        return;
    };
    let check = &backend.config.check;
    let probe = Probe::new(&check.kind);
    let mut counter = CheckCounter::new(check.fall, check.rise);
    let mut interval = tokio::time::interval(check.inter);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut first = Some(first);
    loop {
        let result = tokio::select! {
            _ = life.ended() => return,
            result = async {
                interval.tick().await;
                whole.wait_unpaused().await;
                match &server.spec.host {
                    Some(host) => match server.re_resolve(host).await {
                        Ok(()) => probe.run(server.addr(), check.timeout, &server.leg).await,
                        Err(why) => Err(why),
                    },
                    None => probe.run(server.addr(), check.timeout, &server.leg).await,
                }
            } => result,
        };
        match &result {
            Ok(()) => server.checks_passed.incr(),
            Err(why) => {
                server.checks_failed.incr();
                tracing::debug!(proxy = %journal.proxy, backend = %backend.name(),
                    server = %server.spec.name, reason = %why, "check failed");
                *server.last_check_error() = Some(why.clone());
            }
        }
        if let Some(t) = counter.record(result.as_ref().map(|_| ()).map_err(String::as_str)) {
            backend.apply(index, t, &journal);
        }
        if let Some(first) = first.take() {
            let _ = first.send(());
        }
    }
}
