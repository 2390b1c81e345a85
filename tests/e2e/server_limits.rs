//! A served connector under a lowered open-file limit: one client holding silent mutual-TLS
//! connections (more of them than the process has descriptors for) cannot stop another client
//! from being served, and the report counts what the limits did.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

use std::net::SocketAddr;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use crate::support::served::{Served, json, write};

use certs::layout::{NewOptions, Written};
use rustls_pki_types::ServerName;
use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

const HOST: &str = "connector.crmsim.test";
/// The served process's descriptors; its default connection limit is half of them (64).
const NOFILE: u32 = 128;
/// Silent connections the attacker holds open: more than the process could ever hold.
const SILENT: usize = 200;

/// The CRM's client side, as `certs new` wrote it.
fn crm_tls(written: &Written) -> TlsConnector {
    let crm = certs::load_crm_folder(&written.crm_dir).unwrap();
    let config =
        certs::client_config(&crm.identity, &crm.trust, &certs::TlsOptions::default()).unwrap();
    TlsConnector::from(Arc::new(config))
}

/// A finished handshake; `None` if the server closed the connection instead.
async fn silent(
    tls: &TlsConnector,
    addr: SocketAddr,
) -> Option<tokio_rustls::client::TlsStream<TcpStream>> {
    let tcp = TcpStream::connect(addr).await.ok()?;
    tls.connect(ServerName::try_from(HOST).unwrap(), tcp)
        .await
        .ok()
}

fn curl_get_version(written: &Written, root: &Path, port: u16) -> (Option<i32>, String) {
    let d = ici::Dialect::builtin();
    let body = write(
        &root.join("getVersion.xml"),
        &d.encode_request(&ici::Request::GetVersion).unwrap(),
    );
    let action = d
        .soap_action(ici::Operation::GetVersion)
        .unwrap()
        .to_owned();
    let crm = &written.crm_dir;
    let out = Command::new("curl")
        .args(["--silent", "--show-error", "--max-time", "10"])
        .arg("--resolve")
        .arg(format!("{HOST}:{port}:127.0.0.1"))
        .arg("--cacert")
        .arg(crm.join("trust-ca.pem"))
        .arg("--cert")
        .arg(crm.join("crm.crt.pem"))
        .arg("--key")
        .arg(crm.join("crm.key.pem"))
        .args(["-H", &format!("SOAPAction: {action}")])
        .args(["-H", "Content-Type: text/xml; charset=UTF-8"])
        .arg("--data-binary")
        .arg(format!("@{}", body.display()))
        .args(["--write-out", "\n%{http_code}"])
        .arg(format!("https://{HOST}:{port}/ici"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    (out.status.code(), format!("{text}\n{stderr}"))
}

#[test]
fn silent_connections_beyond_the_file_limit_do_not_stop_another_client() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let written = certs::layout::write_new(&root.join("pki"), &NewOptions::default()).unwrap();
    let config = write(
        &root.join("connector.toml"),
        "listen = \"127.0.0.1:0\"\nconfig_dir = \"pki/connector\"\n\
         [events.hosts]\n\"crm.crmsim.test\" = \"127.0.0.1\"\n",
    );
    let report = root.join("connector.json");
    let mut connector = Served::start_with_file_limit("connector", &config, &report, NOFILE);
    let addr = connector.listening();
    let tls = crm_tls(&written);

    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut held = runtime.block_on(async {
        let mut held = Vec::new();
        for _ in 0..SILENT {
            if let Some(s) = silent(&tls, addr).await {
                held.push(s);
            }
        }
        held
    });
    // Every silent connection was admitted (the oldest making room), none refused.
    assert_eq!(held.len(), SILENT);

    let (exit, out) = curl_get_version(&written, root, addr.port());
    assert_eq!(exit, Some(0), "{out}");
    assert!(out.trim_end().ends_with("200"), "{out}");
    assert!(out.contains("getVersion"), "{out}");

    // The oldest silent connections were closed to make room; the newest are still open.
    let closed = runtime.block_on(async {
        let mut closed = 0;
        for s in &mut held {
            let mut b = [0u8; 16];
            if let Ok(Ok(0) | Err(_)) =
                tokio::time::timeout(Duration::from_millis(20), s.read(&mut b)).await
            {
                closed += 1;
            }
        }
        closed
    });
    assert!(
        closed >= SILENT - 64,
        "only {closed} of {SILENT} silent connections closed"
    );
    drop(held);

    connector.terminate();
    let (status, summary) = connector.wait(Duration::from_secs(20));
    assert!(status.success(), "{}", connector.stderr());
    let j = json(&report);
    let limits = &j["requests_link"]["limits"];
    let evicted = limits["evicted"].as_u64().unwrap();
    assert!(evicted as usize >= SILENT - 64, "{limits}");
    assert_eq!(limits["refused"].as_u64(), Some(0), "{limits}");
    assert_eq!(limits["peak_open"].as_u64(), Some(64), "{limits}");
    assert_eq!(limits["accept_errors"].as_u64(), Some(0), "{limits}");
    // The printed summary says it too.
    assert!(summary.contains("idle evicted"), "{summary}");
}
