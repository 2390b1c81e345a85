//! The reverse proxy's live figures: which connector side each backend sends to, servers'
//! UP/DOWN states and transitions, health checks, and the proxy's frontend connections.

use exposition::Families;
use proxy::{ProxySnapshot, ServerState, StateChange};

/// `engine` is `embedded` or `haproxy`; `changes` every transition so far, across restarts.
pub fn network(out: &mut Families, engine: &str, p: &ProxySnapshot, changes: &[StateChange]) {
    for b in &p.backends {
        for s in &b.servers {
            let labels = [
                ("engine", engine),
                ("backend", b.name.as_str()),
                ("server", s.name.as_str()),
            ];
            out.gauge(
                "crmsim_proxy_server_up",
                "1 while the proxy's health checks hold a server (connector side) UP, 0 while DOWN.",
                &labels,
                if s.state == ServerState::Up { 1.0 } else { 0.0 },
            );
            out.gauge(
                "crmsim_proxy_server_active",
                "1 for the server the backend sends new connections to (failover: A, else B).",
                &labels,
                if b.active_server.as_deref() == Some(s.name.as_str()) {
                    1.0
                } else {
                    0.0
                },
            );
            out.counter(
                "crmsim_proxy_server_connections",
                "Connections the proxy opened to a server.",
                &labels,
                s.connections,
            );
            out.counter(
                "crmsim_proxy_server_connect_failures",
                "Connections to a server that failed to open.",
                &labels,
                s.connect_failures,
            );
            out.counter(
                "crmsim_proxy_server_checks_failed",
                "Health checks of a server that failed.",
                &labels,
                s.checks_failed,
            );
        }
    }
    for (to, state) in [("down", ServerState::Down), ("up", ServerState::Up)] {
        for b in &p.backends {
            for s in &b.servers {
                let count = changes
                    .iter()
                    .filter(|c| c.backend == b.name && c.server == s.name && c.to == state)
                    .count();
                out.counter(
                    "crmsim_proxy_state_changes",
                    "Transitions of a server to DOWN or UP, across proxy restarts.",
                    &[
                        ("engine", engine),
                        ("backend", b.name.as_str()),
                        ("server", s.name.as_str()),
                        ("to", to),
                    ],
                    count as u64,
                );
            }
        }
    }
    for f in &p.frontends {
        let labels = [("engine", engine), ("frontend", f.name.as_str())];
        out.counter(
            "crmsim_proxy_frontend_connections",
            "Connections the proxy accepted on a frontend.",
            &labels,
            f.connections,
        );
        out.counter(
            "crmsim_proxy_frontend_no_server",
            "Connections refused because no server of the backend was UP.",
            &labels,
            f.no_server,
        );
    }
}
