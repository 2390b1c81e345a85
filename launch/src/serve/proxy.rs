//! `crmsim serve proxy`: crmsim's layer-4 reverse proxy alone, in its own process (or
//! container), in front of real or simulated connector sides.
//!
//! Every UP/DOWN transition is printed the moment it happens, with its wall-clock time, because
//! in a topology of separate processes the proxy's log is what an operator lines up with the
//! moment a side was stopped; the `--json` report keeps them with the counters.

use std::path::Path;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use proxy::{ProxyConfig, ProxySnapshot, StateChange};

use super::proxy_config::{self, EngineName};
use super::stop::{StopReason, Stopper};
use super::{ServeError, write_json};
use harness::topology::engine::{EngineSpec, RunningProxy};

/// What `serve proxy --json` writes.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct ProxyReport {
    /// The config's `name`.
    pub name: String,
    /// `"embedded"` or `"haproxy"`.
    pub engine: String,
    /// Wall-clock start and stop, milliseconds since the Unix epoch.
    pub started_unix_ms: u64,
    /// When it stopped, in Unix milliseconds.
    pub stopped_unix_ms: u64,
    /// What stopped it: its `duration`, Ctrl-C or SIGTERM.
    pub stop_reason: StopReason,
    /// Counters of every frontend, backend, server and route at stop.
    pub proxy: ProxySnapshot,
    /// Every server transition, oldest first.
    pub state_changes: Vec<StateChangeEntry>,
}

/// One transition, with a wall-clock time other processes' reports can be lined up with.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct StateChangeEntry {
    /// When, in Unix milliseconds.
    pub at_unix_ms: u64,
    /// Milliseconds since the proxy started.
    pub since_start_ms: u64,
    /// The backend's name.
    pub backend: String,
    /// The server's name.
    pub server: String,
    /// State before.
    pub from: proxy::ServerState,
    /// State after.
    pub to: proxy::ServerState,
    /// Which checks decided it, e.g. "3 consecutive failed checks (last: connection refused)".
    pub reason: String,
}

impl From<&StateChange> for StateChangeEntry {
    fn from(c: &StateChange) -> Self {
        StateChangeEntry {
            at_unix_ms: unix_ms(c.at),
            since_start_ms: millis(c.since_start),
            backend: c.backend.clone(),
            server: c.server.clone(),
            from: c.from,
            to: c.to,
            reason: c.reason.clone(),
        }
    }
}

/// Loads the config, resolves the servers, serves until stopped, writes `json` if asked.
pub async fn run(
    config: &Path,
    json: Option<&Path>,
    live: Option<&exposition::Published>,
) -> Result<(), ServeError> {
    let plan = proxy_config::load(config)?;
    let mut stopper = Stopper::install(plan.file.duration)
        .map_err(|e| ServeError::Start(format!("cannot install signal handlers: {e}")))?;
    let cfg = plan
        .resolve()
        .await
        .map_err(|m| ServeError::Start(format!("{}: {m}", plan.source.path.display())))?;
    cfg.validate()
        .map_err(|e| ServeError::Config(plan.source.source().error(None, e.to_string())))?;
    let started_at = SystemTime::now();
    let started = Instant::now();
    let engine = match plan.file.engine {
        EngineName::Embedded => EngineSpec::Embedded,
        EngineName::Haproxy => EngineSpec::haproxy(plan.checker_pem.as_ref(), plan.checker_tls12)
            .map_err(ServeError::Start)?,
    };
    let proxy = engine
        .start(&cfg)
        .await
        .map_err(|e| ServeError::Start(e.to_string()))?;
    let cfg = proxy.config().cloned().unwrap_or(cfg);
    print_start_line(&proxy, &cfg, &plan.tls_line, engine.name());

    let mut printed = 0;
    let publish = || {
        if let Some(live) = live {
            let mut f = exposition::Families::default();
            harness::live::network(
                &mut f,
                engine.name(),
                &proxy.snapshot(),
                &proxy.state_changes(),
            );
            live.publish(f);
        }
    };
    let mut next_publish = Instant::now();
    let reason = loop {
        if Instant::now() >= next_publish {
            publish();
            next_publish = Instant::now() + harness::live::PUBLISH_EVERY;
        }
        tokio::select! {
            reason = stopper.wait() => break reason,
            () = tokio::time::sleep(Duration::from_millis(100)) => {
                printed = print_changes(&proxy, printed);
            }
        }
    };
    print_changes(&proxy, printed);
    publish();
    let report = ProxyReport {
        name: cfg.name.clone(),
        engine: engine.name().to_owned(),
        started_unix_ms: unix_ms(started_at),
        stopped_unix_ms: unix_ms(SystemTime::now()),
        stop_reason: reason,
        proxy: proxy.snapshot(),
        state_changes: proxy.state_changes().iter().map(Into::into).collect(),
    };
    proxy.shutdown().await;
    print!("{}", summary(&report, started.elapsed()));
    write_json(&report, json)
}

fn print_start_line(proxy: &RunningProxy, cfg: &ProxyConfig, tls_line: &str, engine: &str) {
    let mut parts = Vec::new();
    for f in &cfg.frontends {
        let servers = cfg
            .backends
            .iter()
            .find(|b| b.name == f.backend)
            .map(|b| {
                b.servers
                    .iter()
                    .map(|s| {
                        let role = if s.backup { " backup" } else { "" };
                        format!("{} {}{role}", s.name, s.addr)
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default();
        let addr = proxy
            .frontend_addr(&f.name)
            .map_or_else(|| f.listen.to_string(), |a| a.to_string());
        parts.push(format!("frontend {} on {addr} → {servers}", f.name));
    }
    for r in &cfg.routes {
        let addr = proxy.route_addr(&r.name).unwrap_or(r.listen);
        parts.push(format!("route {} on {addr} → {}", r.name, r.target));
    }
    println!(
        "proxy {:?} ({engine}) started: {}; {tls_line}; TCP passthrough (TLS end to end, no key held)",
        cfg.name,
        parts.join("; ")
    );
}

/// Prints the transitions after the first `printed`; returns how many are printed now.
fn print_changes(proxy: &RunningProxy, printed: usize) -> usize {
    let changes = proxy.state_changes();
    for c in changes.iter().skip(printed) {
        println!(
            "[{} unix ms] server {}/{} is {} ({})",
            unix_ms(c.at),
            c.backend,
            c.server,
            c.to,
            c.reason
        );
    }
    changes.len().max(printed)
}

fn summary(r: &ProxyReport, elapsed: Duration) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "proxy {:?} stopped after {:.1}s ({}), {} state changes",
        r.name,
        elapsed.as_secs_f64(),
        r.stop_reason,
        r.state_changes.len()
    );
    for f in &r.proxy.frontends {
        let _ = writeln!(
            out,
            "  frontend {}: {} connections, {} with no server UP, {} B in, {} B out",
            f.name, f.connections, f.no_server, f.bytes_in, f.bytes_out
        );
    }
    for b in &r.proxy.backends {
        for s in &b.servers {
            let _ = writeln!(
                out,
                "  server {}/{}: {}, {} connections, {} checks passed, {} failed",
                b.name, s.name, s.state, s.connections, s.checks_passed, s.checks_failed
            );
        }
    }
    for route in &r.proxy.routes {
        let _ = writeln!(
            out,
            "  route {}: {} connections, {} B in, {} B out",
            route.name, route.connections, route.bytes_in, route.bytes_out
        );
    }
    out
}

fn unix_ms(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map(millis).unwrap_or(0)
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}
