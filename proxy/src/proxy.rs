//! The running proxy: frontends handing connections to backends, health checks, static routes,
//! and the handles to control and observe them.

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpStream;
use tokio::sync::oneshot;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::backend::{self, Backend, Journal};
use crate::config::ProxyConfig;
use crate::error::ProxyError;
use crate::forward::{self, Forward};
use crate::impair::{Impairments, Registration};
use crate::listen;
use crate::session::{self, Counting, Dialled, Lifecycle};
use crate::snapshot::{Counter, FrontendSnapshot, Gauge, ProxySnapshot};
use crate::state::StateChange;

/// One leg of a proxy whose faults can be set (see [`Proxy::leg`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Leg {
    /// The client → proxy side of the named frontend (CRM → proxy).
    Frontend(String),
    /// The proxy → server side for one server of one backend (proxy → connector-a). Health
    /// checks of that server travel it too.
    Backend {
        /// The backend's name.
        backend: String,
        /// The server's name.
        server: String,
    },
    /// The named static route (connector → proxy → CRM).
    Route(String),
}

struct Frontend {
    name: String,
    addr: SocketAddr,
    backend: usize,
    leg: Impairments,
    connections: Counter,
    active: Gauge,
    no_server: Counter,
    connect_failures: Counter,
    bytes_in: Counter,
    bytes_out: Counter,
}

impl Frontend {
    fn snapshot(&self) -> FrontendSnapshot {
        FrontendSnapshot {
            name: self.name.clone(),
            addr: self.addr,
            connections: self.connections.get(),
            active: self.active.get(),
            no_server: self.no_server.get(),
            connect_failures: self.connect_failures.get(),
            bytes_in: self.bytes_in.get(),
            bytes_out: self.bytes_out.get(),
            faults: self.leg.faults(),
        }
    }
}

struct Shared {
    name: String,
    frontends: Vec<Frontend>,
    backends: Vec<Arc<Backend>>,
    routes: Vec<Arc<Forward>>,
    journal: Arc<Journal>,
    /// Every connection crosses it; the proxy's own pause and reset act through it.
    whole: Impairments,
}

/// A running layer-4 proxy. It forwards TCP byte streams and never terminates TLS, so it holds
/// no key and clients see the servers' certificates.
///
/// Per accepted connection: the backend chooses a server (first UP primary in config order, else
/// first UP backup, subject to [`crate::Failback`]); with none UP the client connection is reset
/// at once and counted as `no_server`. The proxy dials the server within the backend's
/// `connect_timeout`; if that fails it counts a connect failure on the server and resets the
/// client connection. There is no redispatch to another server: the client's retry is a new
/// connection, which the health checks will by then have steered. Both directions are then
/// copied with backpressure, half-closes passed on, and bytes counted per frontend and server.
///
/// Dropping the handle kills it (see [`Proxy::kill`]); call [`shutdown`](Self::shutdown) for a
/// graceful end.
pub struct Proxy {
    shared: Arc<Shared>,
    life: Lifecycle,
    tracker: TaskTracker,
}

impl Proxy {
    /// Validates `cfg`, binds every listener (the error names the listener and the address),
    /// runs the first health check of every server, and then starts accepting.
    ///
    /// Initial state: every server starts UP and its first check runs at once (HAProxy's
    /// `init-state up`); a server whose first check fails is DOWN before the first connection
    /// is accepted (recorded as a state change, reason "first check failed (…)"), and then needs
    /// `rise` passed checks to come UP. So `start` takes as long as the slowest first check (at
    /// most the check `timeout`), and a proxy started before its servers begins with them DOWN.
    pub async fn start(cfg: ProxyConfig) -> Result<Proxy, ProxyError> {
        cfg.validate()?;
        let owner = format!("proxy `{}`", cfg.name);
        let whole = Impairments::new(format!("proxy {}", cfg.name));
        let backends: Vec<Arc<Backend>> = cfg
            .backends
            .iter()
            .map(|b| Arc::new(Backend::new(&cfg.name, b)))
            .collect();
        let mut frontends = Vec::new();
        let mut frontend_listeners = Vec::new();
        for f in &cfg.frontends {
            let what = format!("frontend `{}`", f.name);
            let (listener, addr) = listen::bind(&owner, &what, f.listen).await?;
            frontend_listeners.push((listener, what));
            frontends.push(Frontend {
                name: f.name.clone(),
                addr,
                backend: backends
                    .iter()
                    .position(|b| b.name() == f.backend)
                    .ok_or_else(|| ProxyError::Config {
                        proxy: cfg.name.clone(),
                        message: format!("frontend `{}`: no backend `{}`", f.name, f.backend),
                    })?,
                leg: Impairments::new(format!("frontend {}", f.name)),
                connections: Counter::default(),
                active: Gauge::default(),
                no_server: Counter::default(),
                connect_failures: Counter::default(),
                bytes_in: Counter::default(),
                bytes_out: Counter::default(),
            });
        }
        let mut routes = Vec::new();
        let mut route_listeners = Vec::new();
        for r in &cfg.routes {
            let what = format!("route `{}`", r.name);
            let (listener, addr) = listen::bind(&owner, &what, r.listen).await?;
            route_listeners.push((listener, what));
            let leg = Impairments::new(format!("route {}", r.name));
            routes.push(Arc::new(Forward::new(&r.name, addr, r.target, leg)));
        }
        let shared = Arc::new(Shared {
            name: cfg.name.clone(),
            frontends,
            backends,
            routes,
            journal: Arc::new(Journal::new(&cfg.name)),
            whole,
        });
        let proxy = Proxy {
            shared,
            life: Lifecycle::default(),
            tracker: TaskTracker::new(),
        };
        proxy.start_checks().await;
        for (index, (listener, what)) in frontend_listeners.into_iter().enumerate() {
            proxy.accept_frontend(index, listener, what);
        }
        for (index, (listener, what)) in route_listeners.into_iter().enumerate() {
            proxy.accept_route(index, listener, what);
        }
        for f in &proxy.shared.frontends {
            tracing::info!(proxy = %cfg.name, frontend = %f.name, addr = %f.addr, "listening");
        }
        for r in &proxy.shared.routes {
            tracing::info!(proxy = %cfg.name, route = %r.name, addr = %r.addr, target = %r.target,
                "static route listening");
        }
        Ok(proxy)
    }

    /// Spawns one check task per server and waits until each has counted its first probe.
    async fn start_checks(&self) {
        let mut firsts = Vec::new();
        for backend in &self.shared.backends {
            for index in 0..backend.servers.len() {
                let (tx, rx) = oneshot::channel();
                firsts.push(rx);
                let task = format!("{} health checks of server {index}", self.shared.name);
                self.tracker.spawn(tasks::named(
                    task,
                    backend::check_loop(
                        backend.clone(),
                        index,
                        self.shared.journal.clone(),
                        self.shared.whole.clone(),
                        self.life.clone(),
                        tx,
                    ),
                ));
            }
        }
        for first in firsts {
            // An error means the task ended first (shutdown): nothing to wait for.
            let _ = first.await;
        }
        for backend in &self.shared.backends {
            backend.pick();
        }
    }

    fn accept_frontend(&self, index: usize, listener: tokio::net::TcpListener, what: String) {
        let shared = self.shared.clone();
        let life = self.life.clone();
        let handler =
            move |client, peer| serve_frontend(shared.clone(), index, client, peer, life.clone());
        listen::spawn_accept_loop(
            listener,
            format!("{} {what}", self.shared.name),
            self.life.clone(),
            Some(self.shared.whole.clone()),
            &self.tracker,
            handler,
        );
    }

    fn accept_route(&self, index: usize, listener: tokio::net::TcpListener, what: String) {
        let Some(route) = self.shared.routes.get(index).cloned() else {
            return;
        };
        let whole = self.shared.whole.clone();
        let life = self.life.clone();
        let handler = move |client, peer| {
            forward::serve(
                route.clone(),
                client,
                peer,
                vec![whole.clone()],
                life.clone(),
            )
        };
        listen::spawn_accept_loop(
            listener,
            format!("{} {what}", self.shared.name),
            self.life.clone(),
            Some(self.shared.whole.clone()),
            &self.tracker,
            handler,
        );
    }

    /// The bound address of the named frontend (port 0 resolved).
    pub fn frontend_addr(&self, name: &str) -> Option<SocketAddr> {
        self.shared
            .frontends
            .iter()
            .find(|f| f.name == name)
            .map(|f| f.addr)
    }

    /// The bound address of the named static route (port 0 resolved).
    pub fn route_addr(&self, name: &str) -> Option<SocketAddr> {
        self.shared
            .routes
            .iter()
            .find(|r| r.name == name)
            .map(|r| r.addr)
    }

    /// Counters and states now.
    pub fn snapshot(&self) -> ProxySnapshot {
        ProxySnapshot {
            name: self.shared.name.clone(),
            frontends: self
                .shared
                .frontends
                .iter()
                .map(Frontend::snapshot)
                .collect(),
            backends: self.shared.backends.iter().map(|b| b.snapshot()).collect(),
            routes: self.shared.routes.iter().map(|r| r.snapshot()).collect(),
        }
    }

    /// Every UP/DOWN transition since the start, in order.
    pub fn state_changes(&self) -> Vec<StateChange> {
        self.shared.journal.changes()
    }

    /// Manual fail-back for a [`crate::Failback::Manual`] backend: new connections go to the
    /// first UP primary again (if none is UP, the choice may stick to a backup once more).
    /// Harmless for an `Auto` backend. Returns `false` when there is no such backend.
    pub fn fail_back(&self, backend: &str) -> bool {
        match self.shared.backends.iter().find(|b| b.name() == backend) {
            Some(b) => {
                b.fail_back();
                true
            }
            None => false,
        }
    }

    /// The handle to one leg's faults; `None` when the proxy has no such leg.
    pub fn leg(&self, leg: &Leg) -> Option<Impairments> {
        let s = &self.shared;
        match leg {
            Leg::Frontend(name) => s
                .frontends
                .iter()
                .find(|f| &f.name == name)
                .map(|f| f.leg.clone()),
            Leg::Backend { backend, server } => s
                .backends
                .iter()
                .find(|b| b.name() == backend)
                .and_then(|b| b.servers.iter().find(|sv| &sv.spec.name == server))
                .map(|sv| sv.leg.clone()),
            Leg::Route(name) => s
                .routes
                .iter()
                .find(|r| &r.name == name)
                .map(|r| r.leg.clone()),
        }
    }

    /// Freezes the whole proxy, as SIGSTOP would: nothing is accepted (connections wait in the
    /// kernel's backlog), nothing forwarded, no health check runs.
    pub fn pause(&self) {
        self.shared.whole.pause();
    }

    /// Undoes [`pause`](Self::pause).
    pub fn resume(&self) {
        self.shared.whole.resume();
    }

    /// Resets every connection through the proxy (frontends and routes) now; returns how many.
    pub fn reset_connections(&self) -> usize {
        self.shared.whole.reset_connections()
    }

    /// Stops listening and checking, closes every connection (FIN to both ends), and returns
    /// when everything has ended.
    pub async fn shutdown(self) {
        self.life.stop.cancel();
        self.tracker.close();
        self.tracker.wait().await;
    }

    /// Drops everything at once, as a crashed proxy would: listeners closed, every connection
    /// reset (RST to both ends), checks stopped.
    pub async fn kill(self) {
        self.life.kill.cancel();
        self.tracker.close();
        self.tracker.wait().await;
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.life.kill.cancel();
    }
}

/// Serves one connection accepted by frontend `index`: choose a server, dial it, forward.
async fn serve_frontend(
    shared: Arc<Shared>,
    index: usize,
    client: TcpStream,
    peer: SocketAddr,
    life: Lifecycle,
) {
    let Some(frontend) = shared.frontends.get(index) else {
        return;
    };
    let Some(backend) = shared.backends.get(frontend.backend) else {
        return;
    };
    frontend.connections.incr();
    let _active = frontend.active.hold();
    let mut legs = vec![frontend.leg.clone(), shared.whole.clone()];
    if legs.iter().any(Impairments::is_blackholed) {
        session::swallow(client, &legs, &life).await;
        return;
    }
    let Some(chosen) = backend.pick() else {
        frontend.no_server.incr();
        // Per connection: counted in the snapshot; the state change that causes it is logged.
        tracing::debug!(proxy = %shared.name, frontend = %frontend.name, %peer,
            backend = %backend.name(), "no server is UP; client connection closed");
        session::refuse(client);
        return;
    };
    let Some(server) = backend.servers.get(chosen) else {
        return;
    };
    legs.push(server.leg.clone());
    let reset = CancellationToken::new();
    let _registration = Registration::new(&legs, &reset);
    let dialled = session::dial_while_alive(
        server.addr(),
        backend.config.connect_timeout,
        &server.leg,
        &life,
        &reset,
    );
    let upstream = match dialled.await {
        Dialled::Connected(upstream) => upstream,
        Dialled::Failed(e) => {
            server.connect_failures.incr();
            frontend.connect_failures.incr();
            // Per connection (a dead server fails every one until it is marked DOWN): counted
            // in the snapshot, logged at debug level.
            tracing::debug!(proxy = %shared.name, frontend = %frontend.name, %peer,
                backend = %backend.name(), server = %server.spec.name, error = %e,
                "server unreachable; client connection closed (no redispatch)");
            session::refuse(client);
            return;
        }
        Dialled::Abort => return session::refuse(client),
        Dialled::Close => return,
    };
    // The server may have gone DOWN with shutdown-sessions while we dialled, after the cut.
    if backend.must_cut(chosen) {
        server.sessions_shut_down.incr();
        session::abort(&upstream);
        return session::refuse(client);
    }
    server.connections.incr();
    let _server_active = server.active.hold();
    let to_server = |n| {
        frontend.bytes_in.add(n);
        server.bytes_to_server.add(n);
    };
    let to_client = |n| {
        frontend.bytes_out.add(n);
        server.bytes_from_server.add(n);
    };
    let counting = Counting {
        to_server: &to_server,
        to_client: &to_client,
    };
    session::forward(client, upstream, &legs, &life, &reset, counting).await;
}
