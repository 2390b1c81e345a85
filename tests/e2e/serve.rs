//! `crmsim serve connector|crm` as real processes over real mutual TLS, with certificates that
//! `certs new` writes per test: a curl client (OpenSSL) is served our ICI profile and refused
//! without a certificate; a CRM process and a connector process work calls together; bad
//! configs are refused with their location and exit 2.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::support::served::{Served, crm_config, json, write};

use certs::layout::{NewOptions, Written};
use ici::{Message, Request, Response};

const CURL: &str = "/usr/bin/curl";
const CONNECTOR_HOST: &str = "connector.crmsim.test";

/// A fresh `certs new` set (one CA, connector + SAP side) in `root/pki`.
fn pki(root: &Path) -> Written {
    certs::layout::write_new(&root.join("pki"), &NewOptions::default()).expect("certs new")
}

fn connector_config(root: &Path, calls: f64) -> PathBuf {
    write(
        &root.join("connector.toml"),
        &format!(
            r#"
listen = "127.0.0.1:0"
config_dir = "pki/connector"
[events.hosts]
"crm.crmsim.test" = "127.0.0.1"
[calls]
rate = {calls}
arrival = "constant"
"#
        ),
    )
}

/// curl as the CRM: its certificate, trusting the CA that issued the connector's.
fn curl(written: &Written, port: u16, url: &str, client_cert: bool, body: &Path) -> Curl {
    let crm = &written.crm_dir;
    let mut cmd = Command::new(CURL);
    cmd.args(["--silent", "--show-error", "--max-time", "10"])
        .arg("--resolve")
        .arg(format!("{CONNECTOR_HOST}:{port}:127.0.0.1"))
        .arg("--cacert")
        .arg(crm.join("trust-ca.pem"));
    if client_cert {
        cmd.arg("--cert")
            .arg(crm.join("crm.crt.pem"))
            .arg("--key")
            .arg(crm.join("crm.key.pem"));
    }
    let op = match ici::Dialect::builtin()
        .decode(&std::fs::read(body).unwrap())
        .unwrap()
    {
        Message::Request(r) => r.operation(),
        other => panic!("not a request: {other:?}"),
    };
    let action = ici::Dialect::builtin().soap_action(op).unwrap().to_owned();
    let out = cmd
        .args(["-H", &format!("SOAPAction: {action}")])
        .args(["-H", "Content-Type: text/xml; charset=UTF-8"])
        .arg("--data-binary")
        .arg(format!("@{}", body.display()))
        .args(["--write-out", "\n%{http_code}"])
        .arg(url)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let (body, status) = stdout.rsplit_once('\n').unwrap_or(("", &stdout));
    Curl {
        exit: out.status.code(),
        status: status.trim().to_owned(),
        body: body.to_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[derive(Debug)]
struct Curl {
    exit: Option<i32>,
    status: String,
    body: String,
    stderr: String,
}

#[test]
fn curl_gets_soap_answers_from_a_served_connector_and_is_refused_without_a_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let written = pki(root);
    let report = root.join("connector.json");
    let mut connector = Served::start("connector", &connector_config(root, 0.0), &report);
    let addr = connector.listening();
    let port = addr.port();
    let https = format!("https://{CONNECTOR_HOST}:{port}/ici");

    assert_eq!(
        ici::Dialect::builtin().soap_action(ici::Operation::GetVersion),
        Some("\"urn:IciSystemInterface#getVersion\"")
    );
    let get_version = write(
        &root.join("getVersion.xml"),
        &ici::Dialect::builtin()
            .encode_request(&Request::GetVersion)
            .unwrap(),
    );
    let answer = curl(&written, port, &https, true, &get_version);
    assert_eq!(
        (answer.exit, answer.status.as_str()),
        (Some(0), "200"),
        "{answer:?}"
    );
    match ici::Dialect::builtin()
        .decode(answer.body.as_bytes())
        .unwrap()
    {
        Message::Response(Response::Version { version, vendor }) => {
            assert!(!version.is_empty() && !vendor.is_empty());
        }
        other => panic!("getVersion answered with {other:?}"),
    }

    let heartbeat = write(
        &root.join("heartbeat.xml"),
        &ici::Dialect::builtin()
            .encode_request(&Request::Heartbeat { user: None })
            .unwrap(),
    );
    let answer = curl(&written, port, &https, true, &heartbeat);
    assert_eq!(
        (answer.exit, answer.status.as_str()),
        (Some(0), "200"),
        "{answer:?}"
    );
    match ici::Dialect::builtin()
        .decode(answer.body.as_bytes())
        .unwrap()
    {
        Message::Response(Response::Heartbeat { status, .. }) => assert_eq!(status, "ok"),
        other => panic!("heartbeat answered with {other:?}"),
    }

    // A wrong path is told the endpoint's; a text body with another Content-Type is refused
    // by name.
    let wrong = curl(
        &written,
        port,
        &https.replace("/ici", "/ICI/soap"),
        true,
        &heartbeat,
    );
    assert_eq!(wrong.status, "404", "{wrong:?}");
    assert!(
        wrong.body.contains("only endpoint is POST /ici"),
        "{wrong:?}"
    );

    // Without a client certificate: refused in the handshake (TLS 1.3: curl learns it when
    // reading, exit 56; TLS 1.2: during the handshake, exit 35).
    let refused = curl(&written, port, &https, false, &get_version);
    assert!(
        matches!(refused.exit, Some(56) | Some(35)),
        "expected curl exit 56 or 35: {refused:?}"
    );
    assert_ne!(refused.status, "200", "{refused:?}");
    assert!(
        refused.stderr.contains("alert"),
        "curl names the TLS alert: {refused:?}"
    );

    // Plain HTTP to the TLS port: a 400 that says what to do.
    let http = format!("http://{CONNECTOR_HOST}:{port}/ici");
    let plain = curl(&written, port, &http, false, &get_version);
    assert_eq!(plain.status, "400", "{plain:?}");
    assert!(
        plain.body.contains("HTTPS with client certificates"),
        "{plain:?}"
    );

    connector.terminate();
    let (status, stdout) = connector.wait(Duration::from_secs(20));
    assert_eq!(status.code(), Some(0), "stdout: {stdout}");
    assert!(stdout.contains("SIGTERM"), "{stdout}");
    let stderr = connector.stderr();
    assert!(stderr.contains("no certificate"), "stderr: {stderr}");

    let r = json(&report);
    let failures = r["requests_link"]["failures"].as_array().unwrap();
    let no_cert = failures
        .iter()
        .find(|f| f["cause"] == "no-client-certificate")
        .unwrap_or_else(|| panic!("no no-client-certificate failure in {failures:?}"));
    assert!(
        no_cert["example"]
            .as_str()
            .unwrap()
            .contains("no certificate"),
        "{no_cert}"
    );
    assert!(
        failures
            .iter()
            .any(|f| f["cause"] == "plaintext-on-tls-port"),
        "{failures:?}"
    );
    let requests = &r["acd"]["counters"]["requests"];
    assert_eq!(requests["system.getVersion"], 1, "{r}");
    assert_eq!(requests["system.heartbeat"], 1, "{r}");
}

/// The CRM stops first (its duration), logs its agents off and waits until events stop
/// arriving; the connector outlives it and is stopped with SIGTERM afterwards. So every event
/// the connector sent went to a CRM that was still listening: what the connector counts as
/// delivered must be exactly what the CRM counts as received, and nothing may have failed.
#[test]
fn a_served_crm_and_a_served_connector_work_calls_together_over_mutual_tls() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    pki(root);
    let agents = 10;
    let connector_json = root.join("connector.json");
    let crm_json = root.join("crm.json");
    let mut connector = Served::start("connector", &connector_config(root, 5.0), &connector_json);
    let connector_addr = connector.listening();
    let mut crm = Served::start(
        "crm",
        &crm_config(root, connector_addr.port(), agents, "8s", "1s"),
        &crm_json,
    );
    crm.listening();
    let (crm_status, crm_out) = crm.wait(Duration::from_secs(40));
    assert_eq!(
        crm_status.code(),
        Some(0),
        "crm stdout: {crm_out}\nstderr: {}",
        crm.stderr()
    );
    assert!(crm_out.contains("its duration elapsed"), "{crm_out}");
    connector.terminate();
    let (status, out) = connector.wait(Duration::from_secs(30));
    assert_eq!(
        status.code(),
        Some(0),
        "connector stdout: {out}\nstderr: {}",
        connector.stderr()
    );

    let crm = json(&crm_json);
    let connector = json(&connector_json);
    let left_open = crm["calls"]["open"].as_array().map_or(0, Vec::len);
    assert!(
        crm_out.contains(&format!("{left_open} left open")),
        "the summary says how many calls the CRM saw no end of: {crm_out}"
    );
    let counts = &crm["counts"];
    assert_eq!(counts["logons"], agents, "{counts}");
    assert_eq!(crm["logged_on"], 0, "every agent logged off: {counts}");
    assert_eq!(counts["request_errors"], 0, "{}", crm["errors"]);
    assert_eq!(counts["faults"], 0, "{}", crm["errors"]);
    assert_eq!(counts["sequence_gaps"], 0, "{counts}");
    let received = counts["events"].as_u64().unwrap();
    assert!(received > 0, "{counts}");
    assert!(counts["answered"].as_u64().unwrap() > 0, "{counts}");

    let calls = &connector["acd"]["counters"];
    assert!(calls["completed"].as_u64().unwrap() > 0, "{calls}");
    assert_eq!(calls["logons"], agents, "{calls}");
    assert_eq!(calls["logoffs"], agents, "{calls}");
    let events = &connector["events"];
    assert_eq!(events["delivered"], received, "{events} vs CRM {counts}");
    assert_eq!(events["failed"], 0, "{events}");

    // Mutual TLS both ways: requests in at the connector, events in at the CRM.
    for (who, link) in [
        ("connector requests", &connector["requests_link"]),
        ("crm events", &crm["events_link"]),
    ] {
        assert!(
            link["handshakes_full"].as_u64().unwrap() >= 1,
            "{who}: {link}"
        );
        assert_eq!(link["handshake_failures"], 0, "{who}: {link}");
    }
}

/// Runs a serve command that must fail at once; returns (exit code, stderr).
fn refused(component: &str, config: &Path) -> (Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_crmsim"))
        .args(["serve", component, "--config"])
        .arg(config)
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn bad_configs_exit_2_and_say_where_and_what() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    pki(root);

    let typo = write(
        &root.join("typo.toml"),
        "listen = \"127.0.0.1:0\"\nconfig_dir = \"pki/connector\"\n[calls]\nrat = 5.0\n",
    );
    let (code, stderr) = refused("connector", &typo);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!("{}:4:1", typo.display())),
        "{stderr}"
    );
    assert!(stderr.contains("rat"), "{stderr}");

    let missing = write(
        &root.join("missing.toml"),
        "listen = \"127.0.0.1:0\"\nconfig_dir = \"no-such-folder\"\n",
    );
    let (code, stderr) = refused("connector", &missing);
    assert_eq!(code, Some(2), "{stderr}");
    let resolved = root.join("no-such-folder");
    assert!(
        stderr.contains(&format!("{}:2:14", missing.display()))
            && stderr.contains(&resolved.display().to_string())
            && stderr.contains("is not a folder"),
        "{stderr}"
    );

    // A 1024-bit RSA key (OpenSSL still makes them): named with its file, line and the cause,
    // not rustls's "failed to parse private key".
    let made = Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:1024", "-nodes", "-days", "30",
        ])
        .args(["-subj", "/CN=connector.crmsim.test"])
        .args(["-addext", "subjectAltName=DNS:connector.crmsim.test"])
        .arg("-keyout")
        .arg(root.join("small.key.pem"))
        .arg("-out")
        .arg(root.join("small.crt.pem"))
        .output()
        .unwrap();
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let small = write(
        &root.join("small.toml"),
        "listen = \"127.0.0.1:0\"\n[tls]\ncert = \"small.crt.pem\"\nkey = \"small.key.pem\"\n\
         ca = \"pki/connector/ssl/(Company CA Certificate).pem\"\n",
    );
    let (code, stderr) = refused("connector", &small);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!("{}:4:7: tls.key", small.display()))
            && stderr.contains("small.key.pem")
            && stderr.contains("RSA key of 1024 bits"),
        "{stderr}"
    );

    let crm = crm_config(root, 8443, 1, "1s", "1s");
    let text = std::fs::read_to_string(&crm).unwrap().replace(
        "material_dir = \"pki/crm\"",
        "material_dir = \"pki/nowhere\"",
    );
    let crm = write(&crm, &text);
    let (code, stderr) = refused("crm", &crm);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains(&root.join("pki/nowhere").display().to_string()),
        "{stderr}"
    );
}

#[test]
fn an_address_in_use_exits_3() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    pki(root);
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let config = write(
        &root.join("busy.toml"),
        &format!(
            "listen = \"{}\"\nconfig_dir = \"pki/connector\"\n",
            taken.local_addr().unwrap()
        ),
    );
    let (code, stderr) = refused("connector", &config);
    assert_eq!(code, Some(3), "{stderr}");
    assert!(stderr.contains("cannot listen on"), "{stderr}");
}

/// A served connector's endpoint, read with curl while it runs: agents by state, calls, the
/// ICI requests it answered.
#[test]
fn a_served_connector_shows_its_agents_and_calls_and_a_taken_port_exits_3() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    pki(root);
    let metrics = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let connector = connector_config(root, 5.0);
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_crmsim"));
    cmd.args(["serve", "connector", "--config"])
        .arg(&connector)
        .arg("--json")
        .arg(root.join("connector.json"))
        .arg("--metrics")
        .arg(format!("127.0.0.1:{metrics}"));
    let mut served = Served::spawn_command(cmd);
    let addr = served.listening();
    let crm = crm_config(root, addr.port(), 3, "30s", "1s");
    let mut crm = Served::start("crm", &crm, &root.join("crm.json"));
    crm.listening();
    let url = format!("http://127.0.0.1:{metrics}/metrics");
    let deadline = Instant::now() + Duration::from_secs(20);
    let text = loop {
        let text = Command::new(CURL)
            .args(["-sf", "--max-time", "5", &url])
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_default();
        if text.contains("crmsim_calls_total{component=\"connector\",outcome=\"completed\"} ")
            && !text
                .contains("crmsim_calls_total{component=\"connector\",outcome=\"completed\"} 0\n")
        {
            break text;
        }
        assert!(
            Instant::now() < deadline,
            "no completed call within 20 s:\n{text}"
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    let logged_on: f64 = text
        .lines()
        .filter(|l| l.starts_with("crmsim_agents{component=\"connector\""))
        .map(|l| l.rsplit(' ').next().unwrap().parse::<f64>().unwrap())
        .sum();
    assert_eq!(logged_on, 3.0, "{text}");
    assert!(
        text.contains(
            "crmsim_connector_requests_total{component=\"connector\",operation=\"user.logon\"} 3"
        ),
        "{text}"
    );
    assert!(
        text.contains("# TYPE crmsim_event_delivery_duration_seconds histogram"),
        "{text}"
    );
    assert!(text.trim_end().ends_with("# EOF"), "{text}");

    // A second component cannot have the same port: exit 3, with the flag and the port named.
    let second = Command::new(env!("CARGO_BIN_EXE_crmsim"))
        .args(["serve", "connector", "--config"])
        .arg(&connector)
        .arg("--metrics")
        .arg(format!("127.0.0.1:{metrics}"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert_eq!(second.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains(&format!("--metrics 127.0.0.1:{metrics}")),
        "{stderr}"
    );
    crm.terminate();
    crm.wait(Duration::from_secs(20));
    served.terminate();
    served.wait(Duration::from_secs(20));
}
