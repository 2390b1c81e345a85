//! HAProxy's own counters, read from its admin socket (`show stat`, CSV), mapped to the
//! [`ProxySnapshot`] the embedded proxy reports, so that reports do not care which engine ran.
//!
//! What HAProxy does not count the way the embedded proxy does stays zero: `no_server` (HAProxy
//! counts it into the backend's connection errors), `checks_passed`, `sessions_shut_down`.

use std::collections::HashMap;
use std::path::Path;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::config::ProxyConfig;
use crate::impair::Faults;
use crate::snapshot::{
    BackendSnapshot, ForwardSnapshot, FrontendSnapshot, ProxySnapshot, ServerSnapshot,
};
use crate::state::ServerState;

/// Sends one command to the admin socket and returns the whole answer.
pub async fn command(socket: &Path, line: &str) -> std::io::Result<String> {
    let mut stream = tokio::net::UnixStream::connect(socket).await?;
    stream.write_all(format!("{line}\n").as_bytes()).await?;
    let mut out = String::new();
    stream.read_to_string(&mut out).await?;
    Ok(out)
}

/// One row of `show stat`, by column name.
type Row = HashMap<String, String>;

/// Parses `show stat` (header `# pxname,svname,…`); rows keyed by (proxy, server).
pub fn parse(csv: &str) -> HashMap<(String, String), Row> {
    let mut lines = csv.lines();
    let Some(header) = lines.next().and_then(|h| h.strip_prefix("# ")) else {
        return HashMap::new();
    };
    let names: Vec<&str> = header.split(',').collect();
    let mut rows = HashMap::new();
    for line in lines.filter(|l| !l.is_empty()) {
        let row: Row = names
            .iter()
            .zip(line.split(','))
            .map(|(n, v)| ((*n).to_owned(), v.to_owned()))
            .collect();
        let key = (
            row.get("pxname").cloned().unwrap_or_default(),
            row.get("svname").cloned().unwrap_or_default(),
        );
        rows.insert(key, row);
    }
    rows
}

fn num(row: Option<&Row>, column: &str) -> u64 {
    row.and_then(|r| r.get(column))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// The snapshot `cfg`'s parts would have, from HAProxy's rows (`frontends` gives bound
/// addresses).
pub fn snapshot(cfg: &ProxyConfig, rows: &HashMap<(String, String), Row>) -> ProxySnapshot {
    let row = |px: &str, sv: &str| rows.get(&(px.to_owned(), sv.to_owned()));
    let frontends = cfg
        .frontends
        .iter()
        .map(|f| {
            let r = row(&f.name, "FRONTEND");
            FrontendSnapshot {
                name: f.name.clone(),
                addr: f.listen,
                connections: num(r, "stot"),
                active: num(r, "scur"),
                no_server: 0,
                connect_failures: num(row(&f.backend, "BACKEND"), "econ"),
                bytes_in: num(r, "bin"),
                bytes_out: num(r, "bout"),
                faults: Faults::default(),
            }
        })
        .collect();
    let backends = cfg
        .backends
        .iter()
        .map(|b| {
            let servers: Vec<ServerSnapshot> = b
                .servers
                .iter()
                .map(|s| {
                    let r = row(&b.name, &s.name);
                    let status = r.and_then(|r| r.get("status")).map_or("", String::as_str);
                    ServerSnapshot {
                        name: s.name.clone(),
                        addr: s.addr,
                        backup: s.backup,
                        // "UP", "UP 1/2" (going down), "DOWN", "DOWN 1/2" (going up), "NOLB"…
                        state: if status.starts_with("UP") || status.starts_with("NOLB") {
                            ServerState::Up
                        } else {
                            ServerState::Down
                        },
                        connections: num(r, "stot"),
                        connect_failures: num(r, "econ"),
                        active: num(r, "scur"),
                        bytes_to_server: num(r, "bin"),
                        bytes_from_server: num(r, "bout"),
                        checks_passed: 0,
                        checks_failed: num(r, "chkfail"),
                        last_check_error: r
                            .and_then(|r| r.get("last_chk"))
                            .filter(|v| !v.is_empty())
                            .cloned(),
                        state_changes: num(r, "chkdown"),
                        sessions_shut_down: 0,
                        faults: Faults::default(),
                    }
                })
                .collect();
            let active_server = servers
                .iter()
                .find(|s| !s.backup && s.state == ServerState::Up)
                .or_else(|| {
                    servers
                        .iter()
                        .find(|s| s.backup && s.state == ServerState::Up)
                })
                .map(|s| s.name.clone());
            BackendSnapshot {
                name: b.name.clone(),
                active_server,
                servers,
            }
        })
        .collect();
    let routes = cfg
        .routes
        .iter()
        .map(|r| {
            let front = row(&r.name, "FRONTEND");
            ForwardSnapshot {
                name: r.name.clone(),
                addr: r.listen,
                target: r.target,
                connections: num(front, "stot"),
                active: num(front, "scur"),
                connect_failures: num(row(&r.name, "BACKEND"), "econ"),
                bytes_in: num(front, "bin"),
                bytes_out: num(front, "bout"),
                faults: Faults::default(),
            }
        })
        .collect();
    ProxySnapshot {
        name: cfg.name.clone(),
        frontends,
        backends,
        routes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_found_by_proxy_and_server_name() {
        let csv = "# pxname,svname,scur,stot,bin,bout,status,chkfail\n\
                   ici,FRONTEND,2,10,500,700,OPEN,\n\
                   connectors,connector-a,0,7,300,400,DOWN,3\n\
                   connectors,connector-b,2,3,200,300,UP,0\n";
        let rows = parse(csv);
        let a = rows.get(&("connectors".into(), "connector-a".into()));
        assert_eq!(num(a, "stot"), 7);
        assert_eq!(num(a, "chkfail"), 3);
        assert_eq!(a.unwrap()["status"], "DOWN");
        assert_eq!(
            num(rows.get(&("ici".into(), "FRONTEND".into())), "bout"),
            700
        );
        assert!(parse("garbage").is_empty());
    }
}
