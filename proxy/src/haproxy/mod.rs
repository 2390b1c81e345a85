//! HAProxy as the proxy engine: the same [`ProxyConfig`], rendered to `haproxy.cfg`
//! ([`render()`]), run as a child process (`haproxy -db -f …`, Debian's package or any build),
//! its state read back for the report.
//!
//! Two channels tell what HAProxy does, and both are HAProxy's own:
//! - its log on stderr: every `Server <backend>/<server> is UP|DOWN, reason: …` line becomes a
//!   [`StateChange`] stamped when the line arrives (the detection time of a failover);
//! - its admin socket: `show stat` is polled for the connection, byte and check counters
//!   ([`stats`]), so a report reads the same whichever engine ran.
//!
//! Kill, pause and resume are signals to the process (SIGKILL, SIGSTOP, SIGCONT), as they would
//! be to a production HAProxy; a restart runs the same configuration again.

pub mod render;
pub mod stats;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime};

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio_util::sync::CancellationToken;

pub use render::{HaproxyFiles, render};

use crate::config::ProxyConfig;
use crate::error::ProxyError;
use crate::snapshot::ProxySnapshot;
use crate::state::{ServerState, StateChange};

/// Where HAProxy is and where its files go.
#[derive(Debug, Clone)]
pub struct HaproxyOptions {
    /// The `haproxy` program (default: `haproxy` on the PATH, else `/usr/sbin/haproxy`).
    pub binary: PathBuf,
    /// A folder for `haproxy.cfg` and the admin socket (the caller keeps it alive).
    pub dir: PathBuf,
    /// The checker's certificate and key in one PEM file, for TLS checks.
    pub check_crt: Option<PathBuf>,
    /// The CA(s) the checker trusts for the servers, for TLS checks.
    pub check_ca: Option<PathBuf>,
    /// See [`HaproxyFiles::check_max_tls12`].
    pub check_max_tls12: bool,
}

impl HaproxyOptions {
    /// The `haproxy` found on the PATH or at Debian's place.
    pub fn find_binary() -> Option<PathBuf> {
        let on_path = std::env::var_os("PATH").and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|p| p.join("haproxy"))
                .find(|p| p.is_file())
        });
        on_path.or_else(|| {
            let debian = PathBuf::from("/usr/sbin/haproxy");
            debian.is_file().then_some(debian)
        })
    }
}

/// A running HAProxy.
pub struct Haproxy {
    cfg: ProxyConfig,
    socket: PathBuf,
    child: Child,
    pid: Option<rustix::process::Pid>,
    shared: Arc<Shared>,
    cancel: CancellationToken,
}

#[derive(Default)]
struct Shared {
    changes: Mutex<Vec<StateChange>>,
    /// The latest `show stat`, refreshed by the poller.
    last: Mutex<Option<ProxySnapshot>>,
    /// Lines of HAProxy's log that were not state changes (alerts, warnings), last ones kept.
    log: Mutex<Vec<String>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Haproxy {
    /// Picks free ports for listeners on port 0, writes `haproxy.cfg`, starts HAProxy, and
    /// returns once its admin socket answers and every server has had its first check.
    pub async fn start(mut cfg: ProxyConfig, opts: &HaproxyOptions) -> Result<Haproxy, ProxyError> {
        cfg.validate()?;
        let fail = |message: String| ProxyError::Engine {
            proxy: cfg.name.clone(),
            message,
        };
        for f in &mut cfg.frontends {
            f.listen =
                fixed_port(f.listen).map_err(|e| fail(format!("frontend `{}`: {e}", f.name)))?;
        }
        for r in &mut cfg.routes {
            r.listen =
                fixed_port(r.listen).map_err(|e| fail(format!("route `{}`: {e}", r.name)))?;
        }
        let socket = opts.dir.join("admin.sock");
        let _ = std::fs::remove_file(&socket);
        let files = HaproxyFiles {
            check_crt: opts.check_crt.clone(),
            check_ca: opts.check_ca.clone(),
            stats_socket: socket.clone(),
            check_max_tls12: opts.check_max_tls12,
        };
        let text = render(&cfg, &files).map_err(&fail)?;
        let path = opts.dir.join("haproxy.cfg");
        std::fs::write(&path, text)
            .map_err(|e| fail(format!("cannot write {}: {e}", path.display())))?;
        Self::spawn(cfg, opts, path, socket).await
    }

    /// Runs HAProxy again on the same configuration file (same ports), e.g. after a kill.
    pub async fn restart(cfg: ProxyConfig, opts: &HaproxyOptions) -> Result<Haproxy, ProxyError> {
        let path = opts.dir.join("haproxy.cfg");
        let socket = opts.dir.join("admin.sock");
        let _ = std::fs::remove_file(&socket);
        Self::spawn(cfg, opts, path, socket).await
    }

    async fn spawn(
        cfg: ProxyConfig,
        opts: &HaproxyOptions,
        path: PathBuf,
        socket: PathBuf,
    ) -> Result<Haproxy, ProxyError> {
        let fail = |message: String| ProxyError::Engine {
            proxy: cfg.name.clone(),
            message,
        };
        let mut child = Command::new(&opts.binary)
            .arg("-db")
            .arg("-f")
            .arg(&path)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| {
                fail(format!(
                    "cannot run {}: {e} (Debian: apt-get install -y haproxy)",
                    opts.binary.display()
                ))
            })?;
        let pid = child
            .id()
            .and_then(|id| i32::try_from(id).ok())
            .and_then(rustix::process::Pid::from_raw);
        let shared = Arc::new(Shared::default());
        let cancel = CancellationToken::new();
        if let Some(stderr) = child.stderr.take() {
            tokio::spawn(tasks::named(
                "haproxy log reader",
                read_log(stderr, shared.clone(), cfg.clone()),
            ));
        }
        // Up: the admin socket answers. Ready: every checked server has a check result.
        let limit = Duration::from_secs(10) + first_check_bound(&cfg);
        let deadline = Instant::now() + limit;
        loop {
            if let Ok(Some(status)) = child.try_wait() {
                let log = lock(&shared.log).join("\n");
                return Err(fail(format!(
                    "haproxy exited ({status}) at start; its log:\n{log}"
                )));
            }
            if let Ok(text) = stats::command(&socket, "show stat").await {
                let rows = stats::parse(&text);
                let checked = rows
                    .values()
                    .filter(|r| r.get("check_status").is_some_and(|s| !s.is_empty()))
                    .all(|r| r.get("check_status").is_some_and(|s| !s.starts_with("INI")));
                if checked && !rows.is_empty() {
                    *lock(&shared.last) = Some(stats::snapshot(&cfg, &rows));
                    break;
                }
            }
            if Instant::now() > deadline {
                let log = lock(&shared.log).join("\n");
                return Err(fail(format!(
                    "haproxy did not come up within {limit:?} (admin socket answering, every server checked once); its log:\n{log}"
                )));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        tokio::spawn(tasks::named(
            "haproxy stats poller",
            poll_stats(socket.clone(), cfg.clone(), shared.clone(), cancel.clone()),
        ));
        Ok(Haproxy {
            cfg,
            socket,
            child,
            pid,
            shared,
            cancel,
        })
    }

    /// The configuration as run, with the ports picked for port-0 listeners.
    pub fn config(&self) -> &ProxyConfig {
        &self.cfg
    }

    /// The address a frontend listens on.
    pub fn frontend_addr(&self, name: &str) -> Option<SocketAddr> {
        self.cfg
            .frontends
            .iter()
            .find(|f| f.name == name)
            .map(|f| f.listen)
    }

    /// Every UP/DOWN transition HAProxy logged, oldest first.
    pub fn state_changes(&self) -> Vec<StateChange> {
        lock(&self.shared.changes).clone()
    }

    /// HAProxy's counters as of the last poll (at most 250 ms old).
    pub fn snapshot(&self) -> ProxySnapshot {
        lock(&self.shared.last)
            .clone()
            .unwrap_or_else(|| stats::snapshot(&self.cfg, &HashMap::new()))
    }

    /// Lines HAProxy logged other than state changes (the last 200).
    pub fn log(&self) -> Vec<String> {
        lock(&self.shared.log).clone()
    }

    /// SIGSTOP: HAProxy freezes, connections and checks stand still.
    pub fn pause(&self) -> std::io::Result<()> {
        self.signal(rustix::process::Signal::STOP)
    }

    /// SIGCONT after [`pause`](Self::pause).
    pub fn resume(&self) -> std::io::Result<()> {
        self.signal(rustix::process::Signal::CONT)
    }

    fn signal(&self, signal: rustix::process::Signal) -> std::io::Result<()> {
        let pid = self
            .pid
            .ok_or_else(|| std::io::Error::other("haproxy has no pid"))?;
        rustix::process::kill_process(pid, signal).map_err(std::io::Error::from)
    }

    /// Cuts every session to every server (`shutdown sessions server`); returns how many were
    /// open.
    pub async fn reset_connections(&self) -> usize {
        let open: u64 = self
            .snapshot()
            .backends
            .iter()
            .flat_map(|b| b.servers.iter().map(|s| s.active))
            .sum();
        for b in &self.cfg.backends {
            for s in &b.servers {
                let line = format!("shutdown sessions server {}/{}", b.name, s.name);
                let _ = stats::command(&self.socket, &line).await;
            }
        }
        usize::try_from(open).unwrap_or(usize::MAX)
    }

    /// With manual fail-back: forget which server the backend stuck to (`clear table`).
    pub async fn fail_back(&self, backend: &str) -> bool {
        stats::command(&self.socket, &format!("clear table {backend}"))
            .await
            .is_ok()
    }

    /// SIGKILL, as a crashed proxy host; returns the state changes logged until then.
    pub async fn kill(mut self) -> Vec<StateChange> {
        self.cancel.cancel();
        let _ = self.signal(rustix::process::Signal::CONT);
        let _ = self.child.start_kill();
        let _ = self.child.wait().await;
        self.state_changes()
    }

    /// Reads the counters a last time, then stops HAProxy (SIGTERM: immediate stop).
    pub async fn shutdown(mut self) -> ProxySnapshot {
        if let Ok(text) = stats::command(&self.socket, "show stat").await {
            *lock(&self.shared.last) = Some(stats::snapshot(&self.cfg, &stats::parse(&text)));
        }
        self.cancel.cancel();
        let _ = self.signal(rustix::process::Signal::TERM);
        if tokio::time::timeout(Duration::from_secs(5), self.child.wait())
            .await
            .is_err()
        {
            let _ = self.child.start_kill();
            let _ = self.child.wait().await;
        }
        self.snapshot()
    }
}

impl Drop for Haproxy {
    fn drop(&mut self) {
        self.cancel.cancel();
        let _ = self.child.start_kill();
    }
}

/// HAProxy cannot report the port it picked for `:0`, so one is picked here: bound, read,
/// released. The address is the component's own loopback IP, so nothing else races for it.
fn fixed_port(addr: SocketAddr) -> std::io::Result<SocketAddr> {
    if addr.port() != 0 {
        return Ok(addr);
    }
    std::net::TcpListener::bind(addr)?.local_addr()
}

/// The longest time until every server has had its first check.
fn first_check_bound(cfg: &ProxyConfig) -> Duration {
    cfg.backends
        .iter()
        .map(|b| b.check.inter + b.check.timeout)
        .max()
        .unwrap_or_default()
}

async fn read_log(stderr: tokio::process::ChildStderr, shared: Arc<Shared>, cfg: ProxyConfig) {
    let started = Instant::now();
    let mut states: HashMap<(String, String), ServerState> = HashMap::new();
    let mut lines = BufReader::new(stderr).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        let Some((backend, server, to, reason)) = parse_state_line(&line) else {
            let mut log = lock(&shared.log);
            if log.len() >= 200 {
                log.remove(0);
            }
            log.push(line);
            continue;
        };
        if !cfg.backends.iter().any(|b| b.name == backend) {
            continue;
        }
        let key = (backend.clone(), server.clone());
        let from = states.get(&key).copied().unwrap_or(ServerState::Up);
        states.insert(key, to);
        let now = Instant::now();
        lock(&shared.changes).push(StateChange {
            at: SystemTime::now(),
            since_start: now - started,
            at_instant: now,
            backend,
            server,
            from,
            to,
            reason,
        });
    }
}

/// `… Server connectors/connector-a is DOWN, reason: Layer4 connection problem, …` →
/// (backend, server, state, reason). "Backup Server …" lines read the same.
pub fn parse_state_line(line: &str) -> Option<(String, String, ServerState, String)> {
    let at = line.find("Server ")?;
    let rest = &line[at + "Server ".len()..];
    let (name, rest) = rest.split_once(" is ")?;
    let (backend, server) = name.split_once('/')?;
    let (to, rest) = if let Some(r) = rest.strip_prefix("DOWN") {
        (ServerState::Down, r)
    } else if let Some(r) = rest.strip_prefix("UP") {
        (ServerState::Up, r)
    } else {
        return None;
    };
    let reason = rest
        .trim_start_matches([',', ' '])
        .trim_start_matches("reason: ")
        .split(". ")
        .next()
        .unwrap_or("")
        .to_owned();
    Some((backend.to_owned(), server.to_owned(), to, reason))
}

async fn poll_stats(
    socket: PathBuf,
    cfg: ProxyConfig,
    shared: Arc<Shared>,
    cancel: CancellationToken,
) {
    loop {
        tokio::select! {
            () = cancel.cancelled() => return,
            () = tokio::time::sleep(Duration::from_millis(250)) => {}
        }
        // A paused or dying HAProxy does not answer; keep the last figures.
        let poll =
            tokio::time::timeout(Duration::from_secs(1), stats::command(&socket, "show stat"));
        if let Ok(Ok(text)) = poll.await {
            let rows = stats::parse(&text);
            if !rows.is_empty() {
                *lock(&shared.last) = Some(stats::snapshot(&cfg, &rows));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn haproxy_state_lines_are_read() {
        let down = "[WARNING]  (25218) : Server connectors/connector-a is DOWN, reason: Layer4 connection problem, info: \"Connection refused\", check duration: 0ms. 0 active and 1 backup servers left.";
        let (b, s, to, reason) = parse_state_line(down).unwrap();
        assert_eq!(
            (b.as_str(), s.as_str(), to),
            ("connectors", "connector-a", ServerState::Down)
        );
        assert!(reason.starts_with("Layer4 connection problem"), "{reason}");
        let up = "[WARNING]  (1) : Backup Server connectors/connector-b is UP, reason: Layer6 check passed, check duration: 3ms. 1 active and 1 backup servers online.";
        let (_, s, to, _) = parse_state_line(up).unwrap();
        assert_eq!((s.as_str(), to), ("connector-b", ServerState::Up));
        assert!(
            parse_state_line("[ALERT]    (1) : backend 'connectors' has no server available!")
                .is_none()
        );
    }
}
