//! What the server says about TLS peers it cannot serve, as real OpenSSL clients meet it: a
//! client that offers only TLS 1.1, one that asks only for HTTP/2 in ALPN.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use certs::TlsOptions;
use transport::{HttpServer, ServerOptions};

/// A server with `certs new` material written under `dir` (the CRM side in `dir/pki/crm`).
async fn server(dir: &Path) -> HttpServer {
    let written =
        certs::layout::write_new(&dir.join("pki"), &certs::layout::NewOptions::default()).unwrap();
    let c = &written.pki.connectors[0];
    let tls = certs::server_config(&c.identity, &c.peer_roots, &TlsOptions::default()).unwrap();
    let router = axum::Router::new().route("/ici", axum::routing::post(|| async { "ok" }));
    HttpServer::bind(
        SocketAddr::from(([127, 0, 0, 1], 0)),
        router,
        ServerOptions::new("connector", Some(Arc::new(tls))),
    )
    .await
    .unwrap()
}

/// `openssl TOOL -connect ADDR` with the CRM side's certificate and key, and `extra`.
fn openssl(tool: &str, addr: SocketAddr, dir: &Path, extra: &[&str]) -> std::process::ExitStatus {
    Command::new("openssl")
        .arg(tool)
        .arg("-connect")
        .arg(addr.to_string())
        .arg("-cert")
        .arg(dir.join("pki/crm/crm.crt.pem"))
        .arg("-key")
        .arg(dir.join("pki/crm/crm.key.pem"))
        .args(extra)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap()
}

fn s_client(addr: SocketAddr, dir: &Path, extra: &[&str]) {
    let _ = openssl("s_client", addr, dir, extra);
}

async fn example(server: &HttpServer) -> String {
    for _ in 0..50 {
        let s = server.stats().snapshot();
        if let Some(f) = s.failures.first() {
            return f.example.clone();
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("no failure recorded")
}

#[tokio::test]
async fn a_client_offering_only_tls_1_1_is_told_the_versions_this_side_accepts() {
    let dir = tempfile::tempdir().unwrap();
    let server = server(dir.path()).await;
    let addr = server.local_addr();
    let d = dir.path().to_path_buf();
    tokio::task::spawn_blocking(move || {
        s_client(addr, &d, &["-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0"])
    })
    .await
    .unwrap();
    let said = example(&server).await;
    assert!(
        said.contains("the client offers only TLS 1.1 or older; this side accepts TLS 1.2 and 1.3"),
        "{said}"
    );
}

#[tokio::test]
async fn a_client_asking_only_for_http2_is_told_about_alpn_not_certificates() {
    let dir = tempfile::tempdir().unwrap();
    let server = server(dir.path()).await;
    let addr = server.local_addr();
    let d = dir.path().to_path_buf();
    tokio::task::spawn_blocking(move || s_client(addr, &d, &["-alpn", "h2"]))
        .await
        .unwrap();
    let said = example(&server).await;
    assert!(said.contains("ALPN"), "{said}");
    assert!(!said.contains("certificate"), "{said}");
}

/// `openssl s_time` completes each handshake and hangs up before it reads the session tickets;
/// those are handshakes, not refusals.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_hangs_up_right_after_the_handshake_is_not_a_failed_handshake() {
    let dir = tempfile::tempdir().unwrap();
    let server = server(dir.path()).await;
    let addr = server.local_addr();
    let d = dir.path().to_path_buf();
    tokio::task::spawn_blocking(move || {
        let status = openssl("s_time", addr, &d, &["-new", "-time", "2"]);
        assert!(status.success(), "openssl s_time: {status}");
    })
    .await
    .unwrap();
    // Wait until the server has judged every connection s_time opened, for at most 5 s.
    let mut s = server.stats().snapshot();
    for _ in 0..250 {
        if s.connections == s.handshakes_full + s.handshakes_resumed + s.handshake_failures {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
        s = server.stats().snapshot();
    }
    assert!(s.handshakes_full >= 10, "{s:?}");
    assert_eq!(s.handshake_failures, 0, "{:?}", s.failures);
}
