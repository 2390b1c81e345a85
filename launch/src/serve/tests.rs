//! The shipped examples are valid configs, and the rules between keys hold.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

use std::path::{Path, PathBuf};

use super::config::ConfigFile;
use super::{connector_config, crm_config, proxy_config};

const CONNECTOR_EXAMPLE: &str = include_str!("../../../examples/serve-connector.toml");
const CRM_EXAMPLE: &str = include_str!("../../../examples/serve-crm.toml");
const PROXY_EXAMPLE: &str = include_str!("../../../examples/serve-proxy.toml");

fn file(path: &str, text: &str) -> ConfigFile {
    ConfigFile {
        path: PathBuf::from(path),
        text: text.to_owned(),
    }
}

/// The examples with a `certs new` set where they expect it (`pki/` next to them).
fn examples_with_pki() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    certs::write_new(&dir.path().join("pki"), &certs::NewOptions::default()).unwrap();
    let connector = dir.path().join("serve-connector.toml");
    let crm = dir.path().join("serve-crm.toml");
    std::fs::write(&connector, CONNECTOR_EXAMPLE).unwrap();
    std::fs::write(&crm, CRM_EXAMPLE).unwrap();
    (dir, connector, crm)
}

#[test]
fn the_examples_load_with_a_certs_new_set() {
    let (_dir, connector, crm) = examples_with_pki();
    let c = connector_config::load(&connector).unwrap();
    assert!(c.config.tls.is_some());
    assert_eq!(c.config.path, "/ici");
    assert!(
        c.tls_line.contains("connector.crmsim.test"),
        "{}",
        c.tls_line
    );
    let r = crm_config::load(&crm).unwrap();
    assert_eq!(r.connector_url, "https://connector.crmsim.test:8443/ici");
    assert_eq!(r.config.event_path, ici::Dialect::builtin().event_path());
    assert_eq!(r.config.agents.count, 20);
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);

    // The proxy's example checks with the CRM's set; its servers are names, resolved later.
    let proxy = connector.with_file_name("serve-proxy.toml");
    std::fs::write(&proxy, PROXY_EXAMPLE).unwrap();
    let p = proxy_config::load(&proxy).unwrap();
    assert!(p.checker.is_some() && p.checker_pem.is_some());
    assert!(p.tls_line.starts_with("TLS checks as"), "{}", p.tls_line);
    assert_eq!(p.file.backend[0].servers.len(), 2);
    assert!(p.file.backend[0].servers[1].backup);
}

#[test]
fn proxy_rules_are_located() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.toml");
    let cases = [
        ("name = \"p\"\n", "nothing to serve"),
        (
            "[[frontend]]\nname = \"ici\"\nlisten = \"127.0.0.1:0\"\nbackend = \"b\"\n[[backend]]\nname = \"b\"\nservers = [{ name = \"a\", address = \"h:1\" }]\n[backend.check]\nkind = \"tls\"\n",
            "[tls] must name the checker's cert and ca",
        ),
        (
            "[[route]]\nname = \"events\"\nlisten = \"127.0.0.1:0\"\ntarget = \"crm:port\"\n",
            "p.toml:4:10: route.0.target",
        ),
        ("engine = \"nginx\"\n", "p.toml:1:10"),
    ];
    for (text, wanted) in cases {
        std::fs::write(&path, text).unwrap();
        let e = proxy_config::load(&path)
            .map(|_| ())
            .unwrap_err()
            .to_string();
        assert!(e.contains(wanted), "{text:?}: {e}");
    }
}

fn connector_error(text: &str) -> String {
    connector_config::parse(&file("c.toml", text))
        .map(|_| ())
        .unwrap_err()
        .to_string()
}

#[test]
fn connector_rules_are_located() {
    let e = connector_error("listen = \"127.0.0.1:0\"\n[acd]\nlogin_type = 3\n");
    assert!(e.starts_with("c.toml:3:14: acd.login_type"), "{e}");
    let e = connector_error("listen = \"127.0.0.1:0\"\npath = \"ici\"\n");
    assert!(e.starts_with("c.toml:2:8: path"), "{e}");
    let e = connector_error(
        "listen = \"127.0.0.1:0\"\nconfig_dir = \"x\"\n[events]\nproxy_route = \"10.0.0.1:9\"\n",
    );
    assert!(e.starts_with("c.toml:4:15: events.proxy_route"), "{e}");
    let e = connector_error("listen = \"localhost\"\n");
    assert!(e.starts_with("c.toml:1:10"), "{e}");
    // Once panicked at start and still exited 0.
    let e = connector_error("listen = \"127.0.0.1:0\"\n[acd]\nsession_timeout = \"100000d\"\n");
    assert!(e.starts_with("c.toml:3:"), "{e}");
    assert!(e.contains("7 days"), "{e}");
    let e = connector_error("listen = \"127.0.0.1:0\"\n[server]\nmax_connections = 0\n");
    assert!(e.starts_with("c.toml:3:"), "{e}");
    assert!(e.contains("give 1 to"), "{e}");
}

#[test]
fn crm_rules_are_located() {
    let base = CRM_EXAMPLE.replace("material_dir = \"pki/crm\"", "");
    let plain = file(
        "r.toml",
        &format!("{base}\n[tls]\nenabled = false\ncert = \"x.pem\"\n"),
    );
    let e = crm_config::parse(&plain).map(|_| ()).unwrap_err();
    assert_eq!(
        e.message,
        "tls.cert: SSL is off (tls.enabled = false): remove tls.cert"
    );
    let bad_sink = CRM_EXAMPLE.replace("https://crm.crmsim.test:{port}", "crm.crmsim.test");
    let e = crm_config::parse(&file("r.toml", &bad_sink))
        .map(|_| ())
        .unwrap_err()
        .to_string();
    assert!(e.contains("sink_url") && e.contains("is not a URL"), "{e}");
    let mismatch = CRM_EXAMPLE.replace("server_ssl = true", "server_ssl = false");
    let e = crm_config::parse(&file("r.toml", &mismatch))
        .map(|_| ())
        .unwrap_err()
        .to_string();
    assert!(e.contains("CRMM_BCB_ADM") && e.contains("SM59"), "{e}");
}

#[test]
fn plain_http_needs_http_urls_and_no_ssl_flags() {
    let dir = tempfile::tempdir().unwrap();
    let text = CRM_EXAMPLE
        .replace("material_dir = \"pki/crm\"", "[tls]\nenabled = false")
        .replace("https://", "http://")
        .replace("ssl = true", "ssl = false")
        .replace("server_ssl = true", "server_ssl = false");
    // `[tls]` must come after the top-level keys: move it to the end.
    let (head, tail) = text.split_once("[tls]\nenabled = false").unwrap();
    let text = format!("{head}{tail}\n[tls]\nenabled = false\n");
    let path = dir.path().join("plain.toml");
    std::fs::write(&path, text).unwrap();
    let plan = crm_config::load(&path).unwrap();
    assert!(plan.config.tls.is_none());
    assert!(plan.tls_line.contains("TLS off"), "{}", plan.tls_line);
    assert_eq!(plan.connector_url, "http://connector.crmsim.test:8443/ici");
}

#[test]
fn a_sink_host_is_read_as_the_connector_dials_it() {
    let dir = tempfile::tempdir().unwrap();
    certs::write_new(&dir.path().join("pki"), &certs::NewOptions::default()).unwrap();
    let text = CRM_EXAMPLE.replace("crm.crmsim.test", "other.crmsim.test");
    let path = dir.path().join("crm.toml");
    std::fs::write(&path, text).unwrap();
    let plan = crm_config::load(Path::new(&path)).unwrap();
    assert!(
        plan.warnings
            .iter()
            .any(|w| w.contains("other.crmsim.test") && w.contains("crm.crmsim.test")),
        "{:?}",
        plan.warnings
    );
}

#[test]
fn a_connector_takes_pem_files_with_the_key_inside_the_certificate_file() {
    let dir = tempfile::tempdir().unwrap();
    certs::write_new(&dir.path().join("pki"), &certs::NewOptions::default()).unwrap();
    let path = dir.path().join("c.toml");
    let text = "listen = \"127.0.0.1:0\"\n[tls]\n\
        cert = \"pki/connector/ssl/(Connects for SAP Certificate).pem\"\n\
        ca = \"pki/connector/ssl/(Company CA Certificate).pem\"\nversions = \"1.2\"\n";
    std::fs::write(&path, text).unwrap();
    let plan = connector_config::load(&path).unwrap();
    assert!(plan.config.tls.is_some());
    assert!(
        plan.tls_line.contains("Company CA Certificate"),
        "{}",
        plan.tls_line
    );
}

#[test]
fn an_expired_own_certificate_starts_with_the_doctors_words_and_a_junk_block_not_at_all() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let ca = certs::Ca::new("crmsim Company CA", certs::KeyAlgorithm::EcdsaP256, 30).unwrap();
    let leaf = ca
        .issue(
            &certs::pki::LeafOptions::for_host(
                "connector.crmsim.test",
                &[],
                certs::KeyAlgorithm::EcdsaP256,
                30,
            )
            .expired(3),
        )
        .unwrap();
    std::fs::write(
        d.join("own.pem"),
        format!("{}{}", leaf.cert_pem, leaf.key_pem),
    )
    .unwrap();
    std::fs::write(d.join("ca.pem"), ca.trust().to_pem()).unwrap();
    let path = d.join("c.toml");
    let text = "listen = \"127.0.0.1:0\"\n[tls]\ncert = \"own.pem\"\nca = \"ca.pem\"\n";
    std::fs::write(&path, text).unwrap();
    let plan = connector_config::load(&path).unwrap();
    let said = plan.warnings.join("\n");
    assert!(said.contains("expired on"), "{said}");
    assert!(said.contains("peers will refuse it"), "{said}");
    assert!(said.contains("cert-expired"), "{said}");

    // A certificate block of junk before the key: refused at load, naming the block's line, as
    // `certs check` refuses it.
    let junk = "-----BEGIN CERTIFICATE-----\nAAAAAAAAAAAAAAAAAAAAAAAA\n-----END CERTIFICATE-----\n";
    std::fs::write(
        d.join("own.pem"),
        format!("{}{junk}{}", leaf.cert_pem, leaf.key_pem),
    )
    .unwrap();
    let e = match connector_config::load(&path) {
        Err(e) => e.to_string(),
        Ok(_) => panic!("a junk certificate block was loaded"),
    };
    assert!(e.contains("is not an X.509 certificate"), "{e}");
    assert!(e.contains("at line "), "{e}");
}

#[test]
fn a_der_certificate_is_blamed_on_the_cert_line_not_the_key_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let ca = certs::Ca::new("crmsim Company CA", certs::KeyAlgorithm::EcdsaP256, 30).unwrap();
    let leaf = ca
        .issue(&certs::pki::LeafOptions::for_host(
            "connector.crmsim.test",
            &[],
            certs::KeyAlgorithm::EcdsaP256,
            30,
        ))
        .unwrap();
    std::fs::write(d.join("own.der"), leaf.cert.as_ref()).unwrap();
    std::fs::write(d.join("own.key.pem"), &leaf.key_pem).unwrap();
    std::fs::write(d.join("ca.pem"), ca.trust().to_pem()).unwrap();
    let path = d.join("c.toml");
    let text = "listen = \"127.0.0.1:0\"\n[tls]\ncert = \"own.der\"\nkey = \"own.key.pem\"\nca = \"ca.pem\"\n";
    std::fs::write(&path, text).unwrap();
    let e = match connector_config::load(&path) {
        Err(e) => e.to_string(),
        Ok(_) => panic!("a DER certificate was loaded as PEM"),
    };
    assert!(e.contains("c.toml:3:") && e.contains("tls.cert"), "{e}");
    assert!(e.contains("certs convert"), "{e}");
}

#[test]
fn the_static_route_comes_from_tpi_dll_parameter() {
    let dir = tempfile::tempdir().unwrap();
    let opts = |host: &str| certs::NewOptions {
        proxy: Some((host.to_owned(), 9443)),
        overwrite: true,
        ..certs::NewOptions::default()
    };
    certs::write_new(&dir.path().join("pki"), &opts("10.0.0.5")).unwrap();
    let path = dir.path().join("c.toml");
    let text = "listen = \"127.0.0.1:0\"\nconfig_dir = \"pki/connector\"\n";
    std::fs::write(&path, text).unwrap();
    let plan = connector_config::load(&path).unwrap();
    assert_eq!(
        plan.config.events.proxy_route,
        Some("10.0.0.5:9443".parse().unwrap())
    );
    assert!(plan.tls_line.contains("static route 10.0.0.5:9443"));

    // A name there must be mapped, as the connector itself could not dial it otherwise.
    certs::write_new(&dir.path().join("pki"), &opts("proxy.crmsim.test")).unwrap();
    let e = connector_config::load(&path).map(|_| ()).unwrap_err();
    assert!(e.message.contains("PROXY=proxy.crmsim.test:9443"), "{e}");
    let mapped = format!("{text}[events.hosts]\n\"proxy.crmsim.test\" = \"10.0.0.6\"\n");
    std::fs::write(&path, mapped).unwrap();
    let plan = connector_config::load(&path).unwrap();
    assert_eq!(
        plan.config.events.proxy_route,
        Some("10.0.0.6:9443".parse().unwrap())
    );
}

/// `crmsim run --processes` writes serve configs with `toml::to_string`: what it writes must
/// read back, through the same strict loaders, as the same values.
#[test]
fn every_config_reads_back_as_written() {
    fn again<T: serde::Serialize>(value: &T, name: &str) -> (ConfigFile, String) {
        let text = toml::to_string(value).unwrap();
        (file(name, &text), text)
    }
    let crm = crm_config::parse(&file("crm.toml", CRM_EXAMPLE)).unwrap();
    let (back, text) = again(&crm, "crm.toml");
    let reread = crm_config::parse(&back).unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert_eq!(again(&reread, "crm.toml").1, text);
    assert_eq!(reread.agents.talk_time, crm.agents.talk_time);
    assert_eq!(reread.logoff_timeout, crm.logoff_timeout);

    let connector = connector_config::parse(&file("c.toml", CONNECTOR_EXAMPLE)).unwrap();
    let (back, text) = again(&connector, "c.toml");
    let reread = connector_config::parse(&back).unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert_eq!(again(&reread, "c.toml").1, text);
    assert_eq!(reread.calls.patience, connector.calls.patience);

    let proxy: proxy_config::ProxyFile = file("p.toml", PROXY_EXAMPLE).parse().unwrap();
    let (back, text) = again(&proxy, "p.toml");
    let reread: proxy_config::ProxyFile = back.parse().unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert_eq!(again(&reread, "p.toml").1, text);
}

/// Durations and distributions that are not whole units, and a storm logon, survive the trip.
#[test]
fn odd_durations_and_a_storm_read_back() {
    let text = CRM_EXAMPLE
        .replace("logon = 200.0", "logon = \"storm\"")
        .replace(
            "talk_time = \"exp(8s)\"",
            "talk_time = \"uniform(1500ms, 2s)\"",
        )
        .replace("wrap_up = \"2s\"", "wrap_up = \"normal(700ms, 1us)\"")
        .replace(
            "logoff_timeout = \"10s\"",
            "logoff_timeout = \"1m 30s 5ms\"",
        );
    let crm = crm_config::parse(&file("crm.toml", &text)).unwrap();
    let written = toml::to_string(&crm).unwrap();
    let back = crm_config::parse(&file("crm.toml", &written)).unwrap();
    assert!(matches!(back.agents.logon, scenario::Logon::Storm(_)));
    assert_eq!(back.agents.talk_time, crm.agents.talk_time);
    assert_eq!(back.agents.wrap_up, crm.agents.wrap_up);
    assert_eq!(
        back.logoff_timeout,
        std::time::Duration::from_millis(90_005)
    );
}
