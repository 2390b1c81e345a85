//! `crmsim serve proxy` as a real process between a `serve crm` process and two `serve connector`
//! processes (side A, side B), all over mutual TLS with certificates `certs new` writes per test.
//! Side A's process is killed (SIGKILL) mid-run: a fault on a separate process, not an
//! in-process switch. The proxy's TLS health check marks A DOWN, the CRM's agents log on again
//! through the proxy on side B, and the reports of the three processes agree in wall-clock time.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

use std::path::{Path, PathBuf};
use std::time::Duration;

use certs::layout::NewOptions;

use crate::support::served::{Served, crm_config, json, now_ms, write};

const CONNECTOR_HOST: &str = "connector.crmsim.test";

fn connector_config(root: &Path, name: &str) -> PathBuf {
    write(
        &root.join(format!("{name}.toml")),
        &format!(
            r#"
name = "{name}"
listen = "127.0.0.1:0"
config_dir = "pki/connector"
[events.hosts]
"crm.crmsim.test" = "127.0.0.1"
[calls]
rate = 4.0
arrival = "constant"
"#
        ),
    )
}

fn proxy_config(root: &Path, a: u16, b: u16, engine: &str) -> PathBuf {
    write(
        &root.join("proxy.toml"),
        &format!(
            r#"
name = "proxy"
engine = "{engine}"
[tls]
cert = "pki/crm/crm.crt.pem"
key = "pki/crm/crm.key.pem"
ca = "pki/crm/trust-ca.pem"
[[frontend]]
name = "ici"
listen = "127.0.0.1:0"
backend = "connectors"
[[backend]]
name = "connectors"
servers = [
  {{ name = "connector-a", address = "localhost:{a}" }},
  {{ name = "connector-b", address = "127.0.0.1:{b}", backup = true }},
]
on_marked_down = "shutdown-sessions"
connect_timeout = "1s"
[backend.check]
kind = "tls"
inter = "300ms"
fall = 2
rise = 2
timeout = "1s"
server_name = "{CONNECTOR_HOST}"
"#
        ),
    )
}

/// `frontend ici on 127.0.0.1:PORT → …` on the proxy's start line.
fn frontend_port(line: &str) -> u16 {
    let rest = line.split("frontend ici on ").nth(1).unwrap();
    let addr: std::net::SocketAddr = rest.split_whitespace().next().unwrap().parse().unwrap();
    addr.port()
}

#[test]
fn killing_side_a_process_fails_the_crm_over_to_side_b_through_a_served_proxy() {
    failover_through_served_proxy("embedded");
}

/// The same with `engine = "haproxy"`: `serve proxy` runs HAProxy and reports from its log and
/// admin socket. Skipped (and said so) without HAProxy unless CRMSIM_REQUIRE_HAPROXY=1.
#[test]
fn the_same_failover_through_a_served_haproxy() {
    if proxy::haproxy::HaproxyOptions::find_binary().is_none() {
        assert!(
            std::env::var("CRMSIM_REQUIRE_HAPROXY").as_deref() != Ok("1"),
            "CRMSIM_REQUIRE_HAPROXY=1 but no haproxy (apt-get install -y haproxy)"
        );
        eprintln!("SKIPPED: no haproxy on this machine");
        return;
    }
    failover_through_served_proxy("haproxy");
}

fn failover_through_served_proxy(engine: &str) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    certs::layout::write_new(&root.join("pki"), &NewOptions::default()).unwrap();
    let agents = 8;

    let mut side_a = Served::start(
        "connector",
        &connector_config(root, "connector-a"),
        &root.join("a.json"),
    );
    let a = side_a.listening();
    let mut side_b = Served::start(
        "connector",
        &connector_config(root, "connector-b"),
        &root.join("b.json"),
    );
    let b = side_b.listening();
    let proxy_json = root.join("proxy-{started}.json");
    let mut proxy = Served::start(
        "proxy",
        &proxy_config(root, a.port(), b.port(), engine),
        &proxy_json,
    );
    let start_line = proxy.line_with("frontend ici on", Duration::from_secs(30));
    assert!(start_line.contains("no key held"), "{start_line}");
    assert!(start_line.contains("TLS checks as"), "{start_line}");
    let mut crm = Served::start(
        "crm",
        &crm_config(root, frontend_port(&start_line), agents, "14s", "500ms"),
        &root.join("crm.json"),
    );
    crm.listening();

    std::thread::sleep(Duration::from_secs(5));
    let killed_at = now_ms();
    side_a.kill();
    let down = proxy.line_with("connector-a is DOWN", Duration::from_secs(5));

    let (status, out) = crm.wait(Duration::from_secs(60));
    assert_eq!(status.code(), Some(0), "crm: {out}\n{}", crm.stderr());
    proxy.terminate();
    let (status, proxy_out) = proxy.wait(Duration::from_secs(20));
    assert_eq!(
        status.code(),
        Some(0),
        "proxy: {proxy_out}\n{}",
        proxy.stderr()
    );
    side_b.terminate();
    let (status, _) = side_b.wait(Duration::from_secs(20));
    assert_eq!(status.code(), Some(0), "side B: {}", side_b.stderr());

    // `{started}` became the proxy's start time: exactly one report, named by it.
    let reports: Vec<_> = std::fs::read_dir(root)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.starts_with("proxy-") && n.ends_with(".json"))
        .collect();
    assert_eq!(reports.len(), 1, "{reports:?}");
    let p = json(&root.join(&reports[0]));
    assert_eq!(p["engine"], engine, "{p}");

    // The proxy saw A go DOWN shortly after the kill (fall 2 × inter 300 ms + timeout 1 s).
    let change = p["state_changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["server"] == "connector-a" && c["to"] == "DOWN")
        .unwrap_or_else(|| panic!("no DOWN for A: {p}; line {down}"));
    let detected = change["at_unix_ms"].as_u64().unwrap();
    assert!(
        detected >= killed_at && detected - killed_at < 2_500,
        "A killed at {killed_at}, marked DOWN at {detected}"
    );
    let servers = &p["proxy"]["backends"][0]["servers"];
    assert!(servers[1]["connections"].as_u64().unwrap() > 0, "{servers}");

    // The CRM lost the connector, found side B through the proxy, and every agent came back.
    let crm = json(&root.join("crm.json"));
    let counts = &crm["counts"];
    assert!(
        counts["relogons"].as_u64().unwrap() >= agents as u64,
        "every agent logged on again: {counts}"
    );
    assert_eq!(crm["logged_on"], 0, "all logged off at the end: {counts}");
    // Agents went missing at the kill and were all back within a few seconds.
    let after_kill = |key: &str| {
        crm["availability"][key]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["from_unix_ms"].as_u64().unwrap() >= killed_at)
            .cloned()
    };
    let missing = after_kill("below_full_strength")
        .unwrap_or_else(|| panic!("no agent missing after the kill: {crm}"));
    let back = missing["to_unix_ms"]
        .as_u64()
        .expect("every agent came back");
    assert!(
        back - killed_at < 5_000,
        "agents missing from {killed_at} to {back}"
    );
    // The embedded proxy resets the client's connection when side A cannot be reached, so the
    // CRM sees requests fail for a moment. HAProxy retries the connect (`retries 3`) and then
    // takes side B, so requests may not fail at all; then there is no such span.
    match after_kill("unreachable") {
        Some(gap) => {
            let to = gap["to_unix_ms"].as_u64().expect("the connector came back");
            assert!(
                to - killed_at < 5_000,
                "unreachable from {killed_at} to {to}"
            );
        }
        None => assert_eq!(
            engine, "haproxy",
            "no unreachable span after the kill: {crm}"
        ),
    }

    // Side B took the CRM's agents and its events reached the CRM.
    let b = json(&root.join("b.json"));
    assert!(
        b["acd"]["counters"]["logons"].as_u64().unwrap() >= agents as u64,
        "{}",
        b["acd"]["counters"]
    );
    assert!(
        b["events"]["delivered"].as_u64().unwrap() > 0,
        "{}",
        b["events"]
    );
    assert_eq!(b["events"]["failed"], 0, "{}", b["events"]);
}

#[test]
fn a_bad_proxy_config_exits_2_with_its_location() {
    let dir = tempfile::tempdir().unwrap();
    let config = write(
        &dir.path().join("proxy.toml"),
        "[[frontend]]\nname = \"ici\"\nlisten = \"127.0.0.1:0\"\nbackend = \"connectors\"\n\
         [[backend]]\nname = \"connectors\"\nservers = [{ name = \"a\", address = \"no-port\" }]\n",
    );
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_crmsim"))
        .args(["serve", "proxy", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("proxy.toml:7:"), "{stderr}");
    assert!(stderr.contains("is not host:port"), "{stderr}");
}
