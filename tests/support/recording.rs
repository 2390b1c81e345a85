//! `crmsim record` between a served CRM and a served connector, both speaking the foreign
//! dialect: the setup shared by the recorder's tests and the learn and replay tests.

#![allow(dead_code)] // each test binary uses its own subset

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use capture::Capture;

use super::served::{Served, json, write};

pub fn foreign() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/dialects/foreign.toml")
}

/// A port free on 127.0.0.1 now (the CRM's; the recorder takes the same one on 127.0.0.2).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub fn connector_config(root: &Path, ssl: bool, dialect: &Path) -> PathBuf {
    let (folder, plain) = if ssl {
        ("config_dir = \"pki/connector\"", "")
    } else {
        ("", "[tls]\nenabled = false")
    };
    write(
        &root.join("connector.toml"),
        &format!(
            r#"
listen = "127.0.0.1:0"
dialect = {dialect:?}
{folder}
[events.hosts]
"crm.crmsim.test" = "127.0.0.2"
[calls]
rate = 4.0
arrival = "constant"
{plain}
"#,
            dialect = dialect.display().to_string(),
        ),
    )
}

/// A served CRM of six agents, speaking `dialect`, dialling the connector's name at
/// `connector_ip:connector_port` (the recorder's, or the connector's own).
pub fn crm_config(
    root: &Path,
    crm_port: u16,
    connector_ip: &str,
    connector_port: u16,
    ssl: bool,
    dialect: &Path,
) -> PathBuf {
    let d = ici::Dialect::load(dialect).unwrap_or_else(|e| panic!("{e}"));
    let (connector_path, event_path) = (d.connector_path().to_owned(), d.event_path().to_owned());
    let scheme = if ssl { "https" } else { "http" };
    let tls = if ssl {
        "material_dir = \"pki/crm\"".to_owned()
    } else {
        String::new()
    };
    let plain_tls = if ssl { "" } else { "[tls]\nenabled = false\n" };
    write(
        &root.join("crm.toml"),
        &format!(
            r#"
listen = "127.0.0.1:{crm_port}"
sink_url = "{scheme}://crm.crmsim.test:{{port}}{event_path}"
duration = "7s"
dialect = {dialect:?}
{tls}
{plain_tls}
[cms]
name = "ZCMS_CONNECTS"
system_id = "BS_CONNECTS"
server_ssl = {ssl}
[cms.destination]
name = "ICI_CONNECTOR"
host = "connector.crmsim.test"
port = {connector_port}
path = "{connector_path}"
ssl = {ssl}
[requests.hosts]
"connector.crmsim.test" = "{connector_ip}"
[agents]
count = 6
logon = "storm"
ring_delay = "uniform(100ms, 300ms)"
talk_time = "uniform(400ms, 800ms)"
wrap_up = "200ms"
heartbeat = "1s"
not_ready_ratio = 0.3
not_ready_reasons = [1001, 1002]
not_ready_time = "300ms"
password = "Geheim-2026"
"#,
            dialect = dialect.display().to_string(),
        ),
    )
}

pub struct Recording {
    pub capture: Capture,
    pub crm: serde_json::Value,
    pub connector: serde_json::Value,
    pub record_out: String,
    pub summary: serde_json::Value,
    pub root: tempfile::TempDir,
}

/// Records a served CRM and a served connector, both in the foreign dialect, through
/// `crmsim record` (`extra`: more flags for it). Events reach the recorder by name resolution.
pub fn record(ssl: bool, extra: &[&str]) -> Recording {
    record_with(ssl, extra, false)
}

/// As [`record`]; with `static_route`, the connector's folder says
/// `TpiDllParameter=SSL PROXY=127.0.0.2:<port>` and its events take that route to the
/// recorder, still verifying the CRM's certificate name (the guide's third deployment).
pub fn record_with(ssl: bool, extra: &[&str], static_route: bool) -> Recording {
    record_in(&foreign(), ssl, extra, static_route)
}

/// As [`record_with`], both sides speaking `dialect`.
pub fn record_in(dialect: &Path, ssl: bool, extra: &[&str], static_route: bool) -> Recording {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    // The CRM's port, and the recorder's events port: the same one on 127.0.0.2 for name
    // resolution; another free one for the static route, which names its own port.
    let crm_port = free_port();
    let events_port = if static_route { free_port() } else { crm_port };
    if ssl {
        let options = certs::layout::NewOptions {
            proxy: static_route.then(|| ("127.0.0.2".to_owned(), events_port)),
            ..certs::layout::NewOptions::default()
        };
        certs::layout::write_new(&root.join("pki"), &options).expect("certs new");
    }
    let mut connector = Served::start(
        "connector",
        &connector_config(root, ssl, dialect),
        &root.join("connector.json"),
    );
    let connector_port = connector.listening().port();
    let scheme = if ssl { "https" } else { "http" };
    let mut args: Vec<String> = vec![
        "record".into(),
        "--out".into(),
        root.join("capture.jsonl").display().to_string(),
        "--har".into(),
        root.join("capture.har").display().to_string(),
        "--json".into(),
        root.join("record.json").display().to_string(),
        "--requests-listen".into(),
        "127.0.0.2:0".into(),
        "--connector".into(),
        format!("{scheme}://connector.crmsim.test:{connector_port}"),
        "--events-listen".into(),
        format!("127.0.0.2:{events_port}"),
        "--crm".into(),
        format!("{scheme}://crm.crmsim.test:{crm_port}"),
        "--resolve".into(),
        "connector.crmsim.test=127.0.0.1".into(),
        "--resolve".into(),
        "crm.crmsim.test=127.0.0.1".into(),
        "--dialect".into(),
        dialect.display().to_string(),
    ];
    if ssl {
        for (flag, sub) in [
            ("--connector-dir", "pki/connector"),
            ("--crm-dir", "pki/crm"),
        ] {
            args.push(flag.into());
            args.push(root.join(sub).display().to_string());
        }
    }
    args.extend(extra.iter().map(|s| (*s).to_owned()));
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_crmsim"));
    cmd.args(&args);
    let mut recorder = Served::spawn_command(cmd);
    let requests_line = recorder.line_with("requests hop listening on", Duration::from_secs(20));
    let recorder_port: SocketAddr = requests_line.rsplit(' ').next().unwrap().parse().unwrap();
    recorder.line_with("events hop listening on", Duration::from_secs(5));

    let mut crm = Served::start(
        "crm",
        &crm_config(
            root,
            crm_port,
            "127.0.0.2",
            recorder_port.port(),
            ssl,
            dialect,
        ),
        &root.join("crm.json"),
    );
    let (status, out) = crm.wait(Duration::from_secs(40));
    assert_eq!(status.code(), Some(0), "crm: {out}\n{}", crm.stderr());
    recorder.terminate();
    let (status, record_out) = recorder.wait(Duration::from_secs(20));
    assert_eq!(
        status.code(),
        Some(0),
        "record: {record_out}\n{}",
        recorder.stderr()
    );
    connector.terminate();
    let (status, out) = connector.wait(Duration::from_secs(20));
    assert_eq!(
        status.code(),
        Some(0),
        "connector: {out}\n{}",
        connector.stderr()
    );
    let capture = Capture::read(&root.join("capture.jsonl")).unwrap_or_else(|e| panic!("{e}"));
    Recording {
        capture,
        crm: json(&root.join("crm.json")),
        connector: json(&root.join("connector.json")),
        summary: json(&root.join("record.json")),
        record_out,
        root: dir,
    }
}
