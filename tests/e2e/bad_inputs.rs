//! The bad-input suite: one test per case, each a mistake a careless user or a hostile peer
//! makes, each asserting the exit code and that the message names the place (file:line:col,
//! file, or peer) and says what to do. Scenario files, serve configs, ini and PEM files, the
//! command line, and the wire (SOAP, HTTP, TLS peers, slow and idle clients).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

use std::path::PathBuf;
use std::process::Command;

use crate::support::served::{crmsim, write};

/// A scenario that runs (a direct deployment for a second); cases add one mistake below it.
const MINIMAL: &str = "[run]\ndeployment = \"direct\"\nsteady = \"1s\"\n";

/// Writes `text` as `name` in a fresh folder; the folder lives as long as the returned guard.
fn file(name: &str, text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = write(&dir.path().join(name), text);
    (dir, path)
}

/// Runs crmsim, expects `code` and every needle in stderr (the path of `at` included).
fn expect(args: &[&str], code: i32, needles: &[&str]) -> String {
    let (got, stdout, stderr) = crmsim(args);
    assert_eq!(
        got,
        Some(code),
        "{args:?}\nstdout: {stdout}\nstderr: {stderr}"
    );
    for n in needles {
        assert!(stderr.contains(n), "{args:?}: no {n:?} in\n{stderr}");
    }
    stderr
}

// ---- scenario files: exit 2, `file:line:col`, what to write instead ----------------------

macro_rules! scenario_case {
    ($name:ident, $extra:expr, $at:expr, $($needle:expr),+) => {
        #[test]
        fn $name() {
            let (_dir, path) = file("s.toml", &format!("{MINIMAL}{}\n", $extra));
            let p = path.to_str().unwrap();
            expect(&["run", p], 2, &[&format!("{p}:{}", $at), $($needle),+]);
        }
    };
}

scenario_case!(
    scenario_typo_in_a_key,
    "stedy = \"1s\"",
    "4:1",
    "unknown field `stedy`",
    "`steady`"
);
scenario_case!(
    scenario_rate_as_text,
    "[calls]\nrate = \"fast\"",
    "5:8",
    "expected f64"
);
scenario_case!(
    scenario_negative_rate,
    "[calls]\nrate = -1.0",
    "5:8",
    "give 0 or a positive rate"
);
scenario_case!(
    scenario_nan_rate,
    "[calls]\nrate = nan",
    "5:8",
    "give 0 or a positive rate"
);
scenario_case!(
    scenario_patience_beyond_a_week,
    "[calls]\npatience = \"800d\"",
    "5:12",
    "7 days"
);
scenario_case!(
    scenario_section_written_twice,
    "[run]",
    "4:2",
    "duplicate key"
);
scenario_case!(
    scenario_duration_not_a_duration,
    "[calls]\npatience = \"soon\"",
    "5:12",
    "write e.g. \"20s\""
);
scenario_case!(
    scenario_ramp_longer_than_warmup,
    "[calls]\nramp = \"10s\"",
    "5:8",
    "lengthen run.warmup"
);
scenario_case!(
    scenario_no_agents,
    "[crm]\nagents = 0",
    "5:10",
    "give 1 to 100000"
);
scenario_case!(
    scenario_too_many_agents,
    "[crm]\nagents = 5000000",
    "5:10",
    "give 1 to 100000"
);
scenario_case!(
    scenario_ratio_above_one,
    "[crm]\nnot_ready_ratio = 2.0",
    "5:19",
    "fraction between 0 and 1"
);
scenario_case!(
    scenario_reason_code_of_the_connectors_range,
    "[crm]\nnot_ready_reasons = [999]",
    "5:21",
    "codes above 999"
);
scenario_case!(
    scenario_distribution_with_no_duration,
    "[crm]\ntalk_time = \"exp(x)\"",
    "5:13",
    "write \"8s\", \"exp(8s)\""
);
scenario_case!(
    scenario_uniform_upside_down,
    "[crm]\ntalk_time = \"uniform(5s, 1s)\"",
    "5:13",
    "low bound is above the high bound"
);
scenario_case!(
    scenario_normal_without_deviation,
    "[crm]\ntalk_time = \"normal(8s)\"",
    "5:13",
    "wrong number of arguments"
);
scenario_case!(
    scenario_distribution_beyond_a_week,
    "[crm]\ntalk_time = \"exp(30d)\"",
    "5:13",
    "7 days"
);
scenario_case!(
    scenario_fault_on_a_component_not_deployed,
    "[[fault]]\nat = \"1s\"\naction = \"kill\"\ntarget = \"proxy\"",
    "4:1",
    "not part of the direct deployment",
    "components: crm, connector"
);
scenario_case!(
    scenario_fault_action_unknown,
    "[[fault]]\nat = \"1s\"\naction = \"explode\"\ntarget = \"connector\"",
    "6:10",
    "expected one of `kill`"
);
scenario_case!(
    scenario_latency_fault_without_latency,
    "[[fault]]\nat = \"1s\"\naction = \"latency\"\ntarget = \"crm->connector\"",
    "4:1",
    "latency needs `latency = \"200ms\"`"
);
scenario_case!(
    scenario_key_algorithm_unknown,
    "[tls]\nkey = \"rsa512\"",
    "5:7",
    "expected `rsa2048` or `ecdsa-p256`"
);
scenario_case!(
    scenario_tls_1_1,
    "[tls]\nversions = \"1.1\"",
    "5:12",
    "`1.2`, `1.3`, `both`"
);
scenario_case!(
    scenario_connector_folder_missing,
    "[connector]\nconfig_dir = \"nowhere\"",
    "5:14",
    "is not a folder",
    "relative to the scenario"
);
scenario_case!(
    scenario_crm_folder_missing,
    "[crm]\nmaterial_dir = \"nowhere\"",
    "5:16",
    "is not a folder"
);
scenario_case!(
    scenario_threshold_unknown,
    "[thresholds]\nmax_p99 = 5.0",
    "5:1",
    "unknown field `max_p99`",
    "max_request_p99_ms"
);
scenario_case!(
    scenario_zero_idle_timeout,
    "[server]\nidle_timeout = \"0s\"",
    "5:16",
    "zero timeout",
    "such as \"10s\""
);
scenario_case!(
    scenario_no_connections_allowed,
    "[server]\nmax_connections = 0",
    "5:19",
    "give 1 to"
);
scenario_case!(
    scenario_proxy_engine_unknown,
    "[proxy]\nengine = \"nginx\"",
    "5:10",
    "`embedded` or `haproxy`"
);
scenario_case!(
    scenario_crm_host_without_domain,
    "[crm]\nhost = \"crm\"",
    "5:8",
    "host.domain"
);
scenario_case!(
    scenario_arrival_unknown,
    "[calls]\narrival = \"bursty\"",
    "5:11",
    "`poisson` or `constant`"
);
scenario_case!(
    scenario_no_crm_instances,
    "[crm]\ninstances = 0",
    "5:13",
    "give 1 to 8"
);
scenario_case!(
    scenario_no_event_connections,
    "[connector]\nevent_connections = 0",
    "5:21",
    "give 1 to 4096"
);
scenario_case!(
    scenario_dialect_file_missing,
    "dialect = \"nowhere.toml\"",
    "4:11",
    "cannot read the dialect file"
);
scenario_case!(
    scenario_unterminated_string,
    "x = \"unterminated",
    "4:18",
    "expected `\"`"
);

#[test]
fn scenario_deployment_unknown() {
    let (_dir, path) = file(
        "s.toml",
        "[run]\ndeployment = \"direct-ish\"\nsteady = \"1s\"\n",
    );
    let p = path.to_str().unwrap();
    expect(
        &["run", p],
        2,
        &[&format!("{p}:2:14"), "expected one of `direct`"],
    );
}

#[test]
fn scenario_without_run_section() {
    let (_dir, path) = file("s.toml", "[calls]\nrate = 1.0\n");
    let p = path.to_str().unwrap();
    expect(
        &["run", p],
        2,
        &[&format!("{p}:1:1"), "missing field `run`"],
    );
}

#[test]
fn scenario_steady_of_zero() {
    let (_dir, path) = file(
        "s.toml",
        "[run]\ndeployment = \"direct\"\nsteady = \"0s\"\n",
    );
    let p = path.to_str().unwrap();
    expect(
        &["run", p],
        2,
        &[&format!("{p}:3:10"), "must last longer than 0s"],
    );
}

#[test]
fn scenario_steady_of_u64_max_seconds() {
    let (_dir, path) = file(
        "s.toml",
        "[run]\ndeployment = \"direct\"\nsteady = \"18446744073709551615s\"\n",
    );
    let p = path.to_str().unwrap();
    expect(&["run", p], 2, &[&format!("{p}:3:10"), "7 days"]);
}

#[test]
fn scenario_not_in_utf8() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.toml");
    std::fs::write(
        &path,
        b"[run]\ndeployment = \"direct\"\n# caf\xe9\nsteady = \"1s\"\n",
    )
    .unwrap();
    let p = path.to_str().unwrap();
    expect(&["run", p], 2, &[&format!("{p}:3:6"), "save it as UTF-8"]);
}

#[test]
fn scenario_missing_file() {
    expect(
        &["run", "/nonexistent/s.toml"],
        2,
        &["/nonexistent/s.toml", "cannot read the scenario"],
    );
}

// ---- serve configs: exit 2, `file:line:col` ----------------------------------------------

/// A `certs new` set next to the config, for cases that need real material.
fn with_pki(name: &str, text: &str) -> (tempfile::TempDir, PathBuf) {
    let (dir, path) = file(name, text);
    certs::layout::write_new(
        &dir.path().join("pki"),
        &certs::layout::NewOptions::default(),
    )
    .unwrap();
    (dir, path)
}

macro_rules! serve_case {
    ($name:ident, $component:expr, $text:expr, $at:expr, $($needle:expr),+) => {
        #[test]
        fn $name() {
            let (_dir, path) = with_pki("c.toml", $text);
            let p = path.to_str().unwrap();
            expect(&["serve", $component, "--config", p], 2, &[&format!("{p}{}", $at), $($needle),+]);
        }
    };
}

const LISTEN: &str = "listen = \"127.0.0.1:0\"\n";

serve_case!(
    serve_listen_with_a_host_name,
    "connector",
    "listen = \"localhost:8443\"\n",
    ":1:10",
    "socket address"
);
serve_case!(
    serve_typo_in_calls,
    "connector",
    &format!("{LISTEN}config_dir = \"pki/connector\"\n[calls]\nrat = 1.0\n"),
    ":4:1",
    "unknown field `rat`",
    "`rate`"
);
serve_case!(
    serve_folder_missing,
    "connector",
    &format!("{LISTEN}config_dir = \"nowhere\"\n"),
    ":2:14",
    "is not a folder",
    "certs new"
);
serve_case!(
    serve_crm_folder_as_connector_folder,
    "connector",
    &format!("{LISTEN}config_dir = \"pki/crm\"\n"),
    ":2:14",
    "no CRMConnectorSAP_<name>.ini",
    "certs check"
);
serve_case!(
    serve_cert_file_missing,
    "connector",
    &format!(
        "{LISTEN}[tls]\ncert = \"nowhere.pem\"\nca = \"pki/connector/ssl/(Company CA Certificate).pem\"\n"
    ),
    ":3:8",
    "nowhere.pem does not exist"
);
serve_case!(
    serve_login_type_undocumented,
    "connector",
    &format!("{LISTEN}config_dir = \"pki/connector\"\n[acd]\nlogin_type = 3\n"),
    ":4:14",
    "use 0, 1, 2 or 5"
);
serve_case!(
    serve_no_event_lanes,
    "connector",
    &format!("{LISTEN}config_dir = \"pki/connector\"\n[events]\nconnections = 0\n"),
    ":4:15",
    "give 1 to 4096"
);
serve_case!(
    serve_no_connections_allowed,
    "connector",
    &format!("{LISTEN}config_dir = \"pki/connector\"\n[server]\nmax_connections = 0\n"),
    ":4:19",
    "give 1 to"
);
serve_case!(
    serve_path_without_slash,
    "connector",
    &format!("{LISTEN}config_dir = \"pki/connector\"\npath = \"ici\"\n"),
    ":3:8",
    "must start with '/'"
);
serve_case!(
    serve_session_timeout_beyond_a_week,
    "connector",
    &format!("{LISTEN}config_dir = \"pki/connector\"\n[acd]\nsession_timeout = \"100000d\"\n"),
    ":4:19",
    "7 days"
);
serve_case!(
    serve_crm_without_sink_url,
    "crm",
    LISTEN,
    ":1:1",
    "missing field `sink_url`"
);
serve_case!(
    serve_crm_cms_key_unknown,
    "crm",
    &format!(
        "{LISTEN}sink_url = \"https://crm.crmsim.test:{{port}}/events\"\n[cms]\nurl = \"ftp://x\"\n"
    ),
    ":4:1",
    "unknown field `url`"
);
serve_case!(
    serve_proxy_with_a_listen_key,
    "proxy",
    LISTEN,
    ":1:1",
    "unknown field `listen`",
    "frontend"
);

#[test]
fn serve_rsa_1024_key() {
    let (dir, path) = with_pki("c.toml", "");
    let d = dir.path();
    let made = Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:1024", "-nodes", "-days", "30",
        ])
        .args(["-subj", "/CN=connector.crmsim.test"])
        .arg("-keyout")
        .arg(d.join("k.pem"))
        .arg("-out")
        .arg(d.join("c.pem"))
        .output()
        .unwrap();
    assert!(made.status.success());
    write(
        &path,
        &format!(
            "{LISTEN}[tls]\ncert = \"c.pem\"\nkey = \"k.pem\"\nca = \"pki/connector/ssl/(Company CA Certificate).pem\"\n"
        ),
    );
    let p = path.to_str().unwrap();
    expect(
        &["serve", "connector", "--config", p],
        2,
        &[&format!("{p}:4:7: tls.key"), "RSA key of 1024 bits", "2048"],
    );
}

// ---- ini files, through the doctor: exit 1, the file and line, a fix ---------------------

/// A `certs new` connector folder with `edit` applied to one of its files.
fn doctor_case(file_name: &str, edit: impl Fn(String) -> String, needles: &[&str]) {
    doctor_case_exit(file_name, edit, 1, needles);
}

/// As [`doctor_case`], for a mistake the doctor warns of (exit 0) or errs on (exit 1).
fn doctor_case_exit(file_name: &str, edit: impl Fn(String) -> String, exit: i32, needles: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let written = certs::layout::write_new(
        &dir.path().join("pki"),
        &certs::layout::NewOptions::default(),
    )
    .unwrap();
    let folder = &written.connector_dirs[0];
    let target = folder.join(file_name);
    let text = std::fs::read_to_string(&target).unwrap();
    std::fs::write(&target, edit(text)).unwrap();
    let (code, stdout, stderr) = crmsim(&["certs", "check", folder.to_str().unwrap()]);
    assert_eq!(code, Some(exit), "{stdout}\n{stderr}");
    for n in needles {
        assert!(stdout.contains(n), "no {n:?} in\n{stdout}");
    }
    assert!(stdout.contains("fix: "), "{stdout}");
}

const SSL_INI: &str = "ssl.ini";
const CONNECTOR_INI: &str = "CRMConnectorSAP_SAP1.ini";
const OWN_PEM: &str = "ssl/(Connects for SAP Certificate).pem";

#[test]
fn ini_ca_file_naming_a_folder() {
    doctor_case(
        SSL_INI,
        |t| {
            t.replace(
                "CA_FILE=./ssl/(Company CA Certificate).pem",
                "CA_FILE=./ssl",
            )
        },
        &[
            "error[file-is-folder]",
            "ssl.ini:5",
            "CA_FILE=./ssl/(Company CA Certificate).pem",
        ],
    );
}

#[test]
fn ini_pem_file_missing() {
    doctor_case(
        SSL_INI,
        |t| t.replace("(Connects for SAP Certificate).pem", "(Connects).pem"),
        &["error[file-missing]", "ssl.ini:6"],
    );
}

#[test]
fn ini_method_not_zero() {
    // Only a warning: a vendor may have said otherwise for a connector version.
    doctor_case_exit(
        SSL_INI,
        |t| t.replace("METHOD=0", "METHOD=3"),
        0,
        &["warning[method-not-0]", "ssl.ini:2"],
    );
}

#[test]
fn ini_section_missing() {
    doctor_case(
        SSL_INI,
        |t| t.replace("[SSL_SERVER_CLIENT]", "[SSL_SERVER]"),
        &["section-missing"],
    );
}

#[test]
fn ini_static_route_with_a_mistyped_address() {
    doctor_case(
        CONNECTOR_INI,
        |t| {
            t.replace(
                "TpiDllParameter=SSL",
                "TpiDllParameter=SSL PROXY=999.1.1.1:8443",
            )
        },
        &["tpi-proxy-unparsable", "not an IPv4 address"],
    );
}

#[test]
fn ini_static_route_placeholder_of_the_guide() {
    doctor_case(
        CONNECTOR_INI,
        |t| {
            t.replace(
                "TpiDllParameter=SSL",
                "TpiDllParameter=SSL PROXY=(Proxy Ip Adress):xy",
            )
        },
        &["tpi-proxy-unparsable", "placeholder"],
    );
}

// ---- PEM files, through the doctor ------------------------------------------------------

#[test]
fn pem_cut_short() {
    doctor_case(
        OWN_PEM,
        |t| t[..t.len() / 3].to_owned(),
        &["pem-invalid", "cut short"],
    );
}

#[test]
fn pem_junk_certificate_block() {
    doctor_case(
        OWN_PEM,
        |t| {
            t.replacen("-----BEGIN PRIVATE KEY-----", "-----BEGIN CERTIFICATE-----\nAAAAAAAAAAAA\n-----END CERTIFICATE-----\n-----BEGIN PRIVATE KEY-----", 1)
        },
        &["cert-unparsable", "at line "],
    );
}

#[test]
fn pem_leaf_not_first() {
    doctor_case(
        OWN_PEM,
        |t| {
            let split = t.find("-----BEGIN PRIVATE KEY-----").unwrap();
            let (cert, key) = t.split_at(split);
            // The CA's certificate (any other certificate) before the leaf.
            format!("{cert}{cert}{key}").replacen(cert, &ca_cert_pem(), 1)
        },
        &["leaf-not-first", "Put this side's own certificate first"],
    );
}

fn ca_cert_pem() -> String {
    let ca = certs::Ca::new("other CA", certs::KeyAlgorithm::EcdsaP256, 30).unwrap();
    ca.trust().to_pem()
}

#[test]
fn pem_without_key() {
    doctor_case(
        OWN_PEM,
        |t| t[..t.find("-----BEGIN PRIVATE KEY-----").unwrap()].to_owned(),
        &["key-missing"],
    );
}

#[test]
fn pem_empty() {
    doctor_case(OWN_PEM, |_| String::new(), &["pem-invalid", "is empty"]);
}

#[test]
fn pem_garbage() {
    doctor_case(
        OWN_PEM,
        |_| "this is not a certificate\n".to_owned(),
        &["pem-invalid", "neither PEM nor DER"],
    );
}

#[test]
fn pem_end_without_begin() {
    doctor_case(
        OWN_PEM,
        |t| format!("-----END CERTIFICATE-----\n{t}"),
        &["pem-invalid", "has no BEGIN line"],
    );
}

// ---- the command line ------------------------------------------------------------------

#[test]
fn cli_run_without_scenario() {
    expect(&["run"], 2, &["<SCENARIO>"]);
}

#[test]
fn cli_unknown_flag() {
    expect(
        &["run", "scenarios/direct.toml", "--bogus"],
        2,
        &["'--bogus'"],
    );
}

#[test]
fn cli_unknown_subcommand() {
    expect(&["frobnicate"], 2, &["'frobnicate'"]);
}

#[test]
fn cli_proxy_engine_unknown() {
    expect(
        &["run", "scenarios/direct.toml", "--proxy-engine", "nginx"],
        2,
        &["possible values: embedded, haproxy"],
    );
}

#[test]
fn cli_json_into_a_folder() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    expect(
        &["run", "scenarios/direct.toml", "--json", d],
        2,
        &[&format!("--json {d}: is a folder")],
    );
}

#[test]
fn cli_junit_into_a_missing_folder() {
    expect(
        &[
            "run",
            "scenarios/direct.toml",
            "--junit",
            "/nonexistent/r.xml",
        ],
        2,
        &["--junit /nonexistent/r.xml", "mkdir -p"],
    );
}

#[test]
fn cli_one_path_for_two_reports() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("r").to_str().unwrap().to_owned();
    expect(
        &["run", "scenarios/direct.toml", "--json", &p, "--html", &p],
        2,
        &["also given to --json"],
    );
}

#[test]
fn cli_workdir_without_processes() {
    expect(
        &["run", "scenarios/direct.toml", "--workdir", "/tmp"],
        2,
        &["--workdir goes with --processes or --containers"],
    );
}

#[test]
fn cli_capacity_without_section() {
    expect(
        &["capacity", "scenarios/direct.toml"],
        2,
        &["no [capacity] section", "[capacity.call_rate]"],
    );
}

#[test]
fn cli_dialect_file_missing() {
    expect(
        &["dialect", "check", "/nonexistent/d.toml"],
        2,
        &["/nonexistent/d.toml", "cannot read the dialect file"],
    );
}

#[test]
fn cli_convert_missing_input() {
    expect(
        &["certs", "convert", "/nonexistent/c.der", "/tmp/out.pem"],
        2,
        &["/nonexistent/c.der", "check that the path exists"],
    );
}

#[test]
fn cli_closed_stdout_is_quiet() {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = Command::new(env!("CARGO_BIN_EXE_crmsim"))
        .args(["certs", "check", "examples"])
        .stdout(writer)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(141));
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

// ---- the wire: a served connector meets bad peers ---------------------------------------

mod wire {
    use super::*;
    use std::net::SocketAddr;
    use std::sync::Arc;
    use std::time::Duration;

    use crate::support::served::{Served, json};
    use rustls_pki_types::ServerName;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpStream;

    const HOST: &str = "connector.crmsim.test";

    /// A served connector (with `extra` config) and the CRM side's client material.
    pub struct Peer {
        pub dir: tempfile::TempDir,
        pub served: Served,
        pub addr: SocketAddr,
        pub tls: tokio_rustls::TlsConnector,
        pub report: PathBuf,
    }

    pub fn start(extra: &str) -> Peer {
        let dir = tempfile::tempdir().unwrap();
        let written = certs::layout::write_new(
            &dir.path().join("pki"),
            &certs::layout::NewOptions::default(),
        )
        .unwrap();
        let config = write(
            &dir.path().join("c.toml"),
            &format!("{LISTEN}config_dir = \"pki/connector\"\n{extra}"),
        );
        let report = dir.path().join("r.json");
        let mut served = Served::start("connector", &config, &report);
        let addr = served.listening();
        let crm = certs::load_crm_folder(&written.crm_dir).unwrap();
        let client =
            certs::client_config(&crm.identity, &crm.trust, &certs::TlsOptions::default()).unwrap();
        Peer {
            dir,
            served,
            addr,
            tls: tokio_rustls::TlsConnector::from(Arc::new(client)),
            report,
        }
    }

    impl Peer {
        /// Sends `bytes` over mutual TLS and reads the answer (until close or 10 s).
        pub fn exchange(&self, bytes: &[u8]) -> String {
            let rt = tokio::runtime::Runtime::new().unwrap();
            rt.block_on(async {
                let tcp = TcpStream::connect(self.addr).await.unwrap();
                let mut s = self
                    .tls
                    .connect(ServerName::try_from(HOST).unwrap(), tcp)
                    .await
                    .unwrap();
                s.write_all(bytes).await.unwrap();
                let mut out = Vec::new();
                let _ =
                    tokio::time::timeout(Duration::from_secs(10), s.read_to_end(&mut out)).await;
                String::from_utf8_lossy(&out).into_owned()
            })
        }

        /// Stops the connector; its JSON report.
        pub fn stop(mut self) -> serde_json::Value {
            self.served.terminate();
            let (status, _) = self.served.wait(Duration::from_secs(20));
            assert!(status.success(), "{}", self.served.stderr());
            json(&self.report)
        }
    }

    pub fn post(path: &str, content_type: &str, body: &str) -> Vec<u8> {
        format!(
            "POST {path} HTTP/1.1\r\nHost: {HOST}\r\nContent-Type: {content_type}\r\nSOAPAction: \"urn:IciSystemInterface#getVersion\"\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .into_bytes()
    }

    pub fn get_version() -> String {
        ici::Dialect::builtin()
            .encode_request(&ici::Request::GetVersion)
            .unwrap()
    }
}

#[test]
fn wire_wrong_path_is_told_the_endpoint() {
    let p = wire::start("");
    let answer = p.exchange(&wire::post(
        "/sap/ici",
        "text/xml; charset=UTF-8",
        &wire::get_version(),
    ));
    assert!(answer.starts_with("HTTP/1.1 404"), "{answer}");
    assert!(answer.contains("only endpoint is POST /ici"), "{answer}");
    p.stop();
}

#[test]
fn wire_get_is_told_to_post() {
    let p = wire::start("");
    let answer = p.exchange(b"GET /ici HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assert!(answer.starts_with("HTTP/1.1 405"), "{answer}");
    assert!(answer.contains("POSTed here as SOAP"), "{answer}");
    p.stop();
}

#[test]
fn wire_json_content_type_is_refused_by_name() {
    let p = wire::start("");
    let answer = p.exchange(&wire::post(
        "/ici",
        "application/json",
        &wire::get_version(),
    ));
    assert!(answer.contains("application/json"), "{answer}");
    assert!(answer.contains("text/xml"), "{answer}");
    p.stop();
}

#[test]
fn wire_malformed_xml_gets_a_fault() {
    let p = wire::start("");
    let answer = p.exchange(&wire::post(
        "/ici",
        "text/xml; charset=UTF-8",
        "<soap:Envelope",
    ));
    assert!(answer.contains("Fault"), "{answer}");
    p.stop();
}

#[test]
fn wire_external_entity_is_refused() {
    let p = wire::start("");
    let body =
        "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><x>&e;</x>";
    let answer = p.exchange(&wire::post("/ici", "text/xml; charset=UTF-8", body));
    assert!(answer.contains("Fault"), "{answer}");
    assert!(!answer.contains("root:"), "{answer}");
    p.stop();
}

#[test]
fn wire_a_body_over_the_limit_is_answered_413() {
    let p = wire::start("");
    let big = p.dir.path().join("big.xml");
    std::fs::write(&big, vec![b'x'; 8 * 1024 * 1024]).unwrap();
    let crm = p.dir.path().join("pki/crm");
    let out = Command::new("curl")
        .args([
            "--silent",
            "--show-error",
            "--max-time",
            "20",
            "--write-out",
            "%{http_code}",
        ])
        .args(["-o", "/dev/null"])
        .arg("--resolve")
        .arg(format!("connector.crmsim.test:{}:127.0.0.1", p.addr.port()))
        .arg("--cacert")
        .arg(crm.join("trust-ca.pem"))
        .arg("--cert")
        .arg(crm.join("crm.crt.pem"))
        .arg("--key")
        .arg(crm.join("crm.key.pem"))
        .args(["-H", "Content-Type: text/xml; charset=UTF-8"])
        .arg("--data-binary")
        .arg(format!("@{}", big.display()))
        .arg(format!(
            "https://connector.crmsim.test:{}/ici",
            p.addr.port()
        ))
        .output()
        .unwrap();
    let status = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(status, "413", "{}", String::from_utf8_lossy(&out.stderr));
    p.stop();
}

#[test]
fn wire_a_trickling_body_is_answered_408() {
    let p = wire::start("[server]\nrequest_timeout = \"1s\"\n");
    let head = "POST /ici HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\nContent-Length: 500\r\n\r\n<soap";
    let answer = p.exchange(head.as_bytes());
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("request_timeout"), "{answer}");
    let r = p.stop();
    assert_eq!(r["requests_link"]["limits"]["request_timeouts"], 1, "{r}");
}

#[test]
fn wire_a_silent_connection_is_closed_after_the_idle_timeout() {
    let p = wire::start("[server]\nidle_timeout = \"1s\"\n");
    let answer = p.exchange(b"");
    assert_eq!(answer, "");
    let r = p.stop();
    assert_eq!(r["requests_link"]["limits"]["idle_closed"], 1, "{r}");
}

#[test]
fn wire_a_trickling_head_is_closed_after_the_header_timeout() {
    let p = wire::start("[server]\nheader_timeout = \"1s\"\n");
    let answer = p.exchange(b"POST /ici HTTP/1.1\r\nHost: conn");
    assert_eq!(answer, "");
    let r = p.stop();
    assert_eq!(r["requests_link"]["limits"]["slow_headers"], 1, "{r}");
}

#[test]
fn wire_plain_http_on_the_tls_port_is_told_to_use_https() {
    let p = wire::start("");
    let rt = tokio::runtime::Runtime::new().unwrap();
    let answer = rt.block_on(async {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut s = tokio::net::TcpStream::connect(p.addr).await.unwrap();
        s.write_all(&wire::post("/ici", "text/xml", "x"))
            .await
            .unwrap();
        let mut out = String::new();
        let _ = s.read_to_string(&mut out).await;
        out
    });
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert!(answer.contains("Use https://"), "{answer}");
    let r = p.stop();
    let failures = r["requests_link"]["failures"].to_string();
    assert!(
        failures.contains("plaintext-on-tls-port") && failures.contains("127.0.0.1"),
        "{failures}"
    );
}

#[test]
fn wire_tls_1_1_client_is_told_the_versions() {
    let p = wire::start("");
    let _ = Command::new("openssl")
        .args([
            "s_client",
            "-connect",
            &p.addr.to_string(),
            "-tls1_1",
            "-cipher",
            "DEFAULT@SECLEVEL=0",
        ])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let r = p.stop();
    let failures = r["requests_link"]["failures"].to_string();
    assert!(
        failures.contains("offers only TLS 1.1 or older"),
        "{failures}"
    );
}

#[test]
fn wire_client_without_certificate_is_named() {
    let p = wire::start("");
    let crm = p.dir.path().join("pki/crm/trust-ca.pem");
    let out = Command::new("curl")
        .args(["--silent", "--show-error", "--max-time", "10"])
        .arg("--resolve")
        .arg(format!("connector.crmsim.test:{}:127.0.0.1", p.addr.port()))
        .arg("--cacert")
        .arg(&crm)
        .arg(format!(
            "https://connector.crmsim.test:{}/ici",
            p.addr.port()
        ))
        .output()
        .unwrap();
    assert_ne!(out.status.code(), Some(0));
    let r = p.stop();
    let failures = r["requests_link"]["failures"].to_string();
    assert!(
        failures.contains("no-client-certificate") && failures.contains("127.0.0.1"),
        "{failures}"
    );
}

#[test]
fn wire_unknown_operation_gets_a_fault_naming_it() {
    let p = wire::start("");
    let body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body><frobnicate/></soap:Body></soap:Envelope>";
    let answer = p.exchange(&wire::post("/ici", "text/xml; charset=UTF-8", body));
    assert!(answer.contains("Fault"), "{answer}");
    assert!(answer.contains("frobnicate"), "{answer}");
    p.stop();
}
