//! # proxy: crmsim's layer-4 reverse proxy and fault-injecting relays
//!
//! The connector guide's failover deployments put a reverse proxy between SAP CRM and the
//! connector's sides A and B ("Requests and Responses via Proxy (Failover)"), and optionally let
//! events travel back through it on a static route ("… Events via Static Proxy Route": "the proxy
//! sends data packages, which it receives on port xy, to port xy of the CRM host"). This crate is
//! that proxy, in process, on tokio: TCP passthrough, so TLS stays end to end between CRM and
//! connector, and the proxy holds no private key (there is no code path here that loads one).
//!
//! It speaks HAProxy's language on purpose: frontends, backends with primary and `backup`
//! servers, health checks with `inter`/`fall`/`rise` (a TCP connect, or a full TLS handshake with
//! the checker's client certificate), `on-marked-down shutdown-sessions`, and an explicit
//! fail-back policy. Every UP/DOWN transition is kept with timestamps and a reason, because
//! failover detection time is one of the results a run reports.
//!
//! Each TCP leg (client → proxy, proxy → server, a static route, or a standalone [`Relay`] for
//! legs without a proxy) carries [`Impairments`]: latency with jitter, blackhole, pause, and
//! reset of every live connection, switchable at any moment of a run.
//!
//! Modules:
//! - [`config`]: [`ProxyConfig`] and its parts, with validation.
//! - [`proxy`]: the running [`Proxy`]: frontends, server choice, control ([`Leg`]) and snapshots.
//! - [`relay`]: the standalone [`Relay`].
//! - [`impair`]: [`Impairments`], the fault handle of one leg.
//! - [`snapshot`]: serializable counters of proxies, relays and their parts.
//! - [`state`]: [`ServerState`], [`StateChange`] and the fall/rise arithmetic.
//! - [`error`]: [`ProxyError`], why a proxy or relay could not start.
//! - [`haproxy`]: the same [`ProxyConfig`] run by a real HAProxy (`haproxy.cfg` rendered, the
//!   process driven, its log and admin socket read back).
//! - [`forward`]: one listener forwarding to one fixed target (routes and relays).
//! - internal: `backend` (server states, health-check tasks), `check` (one probe), `select`
//!   (which server gets a new connection), `pump` (copying with faults), `session` (one
//!   connection's life and how it ends), `listen` (binding and accepting).

#![warn(missing_docs)]

pub mod config;
pub mod error;
pub mod forward;
pub mod haproxy;
pub mod impair;
pub mod json_time;
pub mod proxy;
pub mod relay;
pub mod snapshot;
pub mod state;

mod backend;
mod check;
mod listen;
mod pump;
mod select;
mod session;

pub use config::{
    BackendConfig, CheckKind, Failback, FrontendConfig, HealthCheck, OnMarkedDown, OnMarkedUp,
    ProxyConfig, RouteConfig, ServerSpec,
};
pub use error::ProxyError;
pub use impair::{Faults, Impairments};
pub use proxy::{Leg, Proxy};
pub use relay::Relay;
pub use snapshot::{
    BackendSnapshot, ForwardSnapshot, FrontendSnapshot, ProxySnapshot, RelaySnapshot,
    RouteSnapshot, ServerSnapshot,
};
pub use state::{ServerState, StateChange};
