//! `--metrics ADDR`: live OpenMetrics while crmsim runs, read by a real Prometheus (Debian's
//! `prometheus` package) that the test starts on loopback and asks through its HTTP API. (A
//! served component's endpoint is tested in serve.rs.)
//!
//! Prometheus: without the binary the Prometheus test prints `SKIPPED` and passes, unless
//! `CRMSIM_REQUIRE_PROMETHEUS=1` (ci/test.sh sets it; ci/deps.sh installs the package).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::served::{SHORT_DIRECT, crmsim, json, write};

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn prometheus_binary() -> Option<PathBuf> {
    ["/usr/bin/prometheus", "/usr/local/bin/prometheus"]
        .into_iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
}

/// A Prometheus killed when the test ends, however it ends.
struct Prometheus(Child);

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn get(url: &str) -> Option<String> {
    let out = Command::new("curl")
        .args(["-sf", "--max-time", "5", url])
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// A PromQL query's series (an instant vector) at `time` (Unix seconds), and their sum.
fn query(prom: u16, promql: &str, time: f64) -> (f64, serde_json::Value) {
    let out = Command::new("curl")
        .args(["-sS", "--max-time", "5", "-G"])
        .arg(format!("http://127.0.0.1:{prom}/api/v1/query"))
        .arg("--data-urlencode")
        .arg(format!("query={promql}"))
        .arg("--data-urlencode")
        .arg(format!("time={time:.3}"))
        .output()
        .unwrap();
    let answer: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "query {promql}: {e}: {}",
            String::from_utf8_lossy(&out.stdout)
        )
    });
    assert_eq!(answer["status"], "success", "query {promql}: {answer}");
    let sum = answer["data"]["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["value"][1].as_str().unwrap().parse::<f64>().unwrap())
        .filter(|v| v.is_finite())
        .sum();
    (sum, answer)
}

/// Side A killed at +2 s and back at +5 s behind the proxy, SSL on: every family (proxy
/// states, faults, both sides' calls) has something to show.
const SHORT_FAILOVER: &str = r#"
[run]
deployment = "proxy-events-direct"
logon = "storm"
warmup = "1s"
steady = "8s"
drain = "10s"
[tls]
enabled = true
[connector]
session_timeout = "3s"
[proxy]
inter = "300ms"
fall = 2
rise = 2
on_marked_down = "shutdown-sessions"
failback = "auto"
on_marked_up = "shutdown-backup-sessions"
[crm]
agents = 6
ring_delay = "50ms"
talk_time = "300ms"
wrap_up = "100ms"
heartbeat = "500ms"
watchdog = true
[calls]
rate = 4.0
arrival = "constant"
[[fault]]
at = "2s"
action = "kill"
target = "connector-a"
[[fault]]
at = "5s"
action = "restart"
target = "connector-a"
[thresholds]
max_lost_calls = 100
max_dropped_calls = 100
max_error_rate = 1.0
min_completed_calls = 1
"#;

fn unix_now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

#[test]
fn a_real_prometheus_scrapes_a_failover_run_and_every_dashboard_query_has_data() {
    let Some(binary) = prometheus_binary() else {
        assert!(
            std::env::var("CRMSIM_REQUIRE_PROMETHEUS").as_deref() != Ok("1"),
            "CRMSIM_REQUIRE_PROMETHEUS=1 but no prometheus binary (apt-get install prometheus)"
        );
        eprintln!("SKIPPED: no prometheus binary (apt-get install prometheus)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (metrics, web) = (free_port(), free_port());
    let config = write(
        &dir.path().join("prometheus.yml"),
        &format!(
            "global:\n  scrape_interval: 1s\n  scrape_timeout: 900ms\nscrape_configs:\n  - job_name: crmsim\n    static_configs:\n      - targets: ['127.0.0.1:{metrics}']\n"
        ),
    );
    let _prometheus = Prometheus(
        Command::new(binary)
            .arg(format!("--config.file={}", config.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.path().join("data").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{web}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let ready = Instant::now() + Duration::from_secs(30);
    while get(&format!("http://127.0.0.1:{web}/-/ready")).is_none() {
        assert!(Instant::now() < ready, "Prometheus not ready within 30 s");
        std::thread::sleep(Duration::from_millis(100));
    }

    let scenario = write(&dir.path().join("failover.toml"), SHORT_FAILOVER);
    let report = dir.path().join("report.json");
    let (code, _, stderr) = crmsim(&[
        "run".as_ref(),
        scenario.as_os_str(),
        "--metrics".as_ref(),
        format!("127.0.0.1:{metrics}").as_ref(),
        "--json".as_ref(),
        report.as_os_str(),
        "--quiet".as_ref(),
        "--progress".as_ref(),
        "quiet".as_ref(),
    ]);
    // Scrapes run every second until the endpoint closes: two seconds before the end there is
    // one, and a rate over a minute has many.
    let at = unix_now() - 2.0;
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "live metrics on http://127.0.0.1:{metrics}/metrics"
        )),
        "{stderr}"
    );
    let r = json(&report);
    let offered = r["calls"]["offered"].as_f64().unwrap();
    assert!(offered > 0.0);

    let q = |promql: &str| query(web, promql, at);
    let (seen, answer) = q(
        "sum(max_over_time(crmsim_contact_center_calls_total{job=\"crmsim\",result=\"generated\"}[10m]))",
    );
    assert!(seen > 0.0, "Prometheus has no generated calls: {answer}");
    assert!(
        seen <= offered,
        "Prometheus saw {seen} calls, the report {offered}"
    );
    let (runs, answer) = q(
        "count(max_over_time(crmsim_run_info{scenario=\"failover\",deployment=\"proxy-events-direct\",tls=\"on\"}[10m]))",
    );
    assert_eq!(runs, 1.0, "{answer}");
    let (logons, answer) = q(
        "sum(max_over_time(crmsim_requests_total{operation=\"user.logon\",outcome=\"ok\"}[10m]))",
    );
    assert!(
        logons >= 6.0,
        "six agents logged on at least once: {answer}"
    );
    let (down, answer) = q(
        "sum(max_over_time(crmsim_proxy_state_changes_total{server=\"connector-a\",to=\"down\"}[10m]))",
    );
    assert!(down >= 1.0, "the proxy marked side A down: {answer}");
    let (kills, answer) = q(
        "sum(max_over_time(crmsim_faults_applied_total{action=\"kill\",result=\"applied\"}[10m]))",
    );
    assert_eq!(kills, 1.0, "{answer}");
    let (full, answer) = q(
        "sum(max_over_time(crmsim_tls_handshakes_total{hop=\"crm->connector\",result=\"full\"}[10m]))",
    );
    assert!(full >= 1.0, "{answer}");

    // Every query of the shipped Grafana dashboard parses in Prometheus and has data for a
    // failover run: the dashboard and the exporter agree on names and labels.
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("dashboards/grafana-crmsim.json");
    let dashboard: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut checked = 0;
    for panel in dashboard["panels"].as_array().unwrap() {
        for target in panel["targets"].as_array().unwrap() {
            let expr = target["expr"]
                .as_str()
                .unwrap()
                .replace("$job", "crmsim")
                .replace("$__rate_interval", "1m");
            let (_, answer) = q(&expr);
            let series = answer["data"]["result"].as_array().unwrap().len();
            assert!(
                series > 0,
                "panel {}: {expr} has no data for a failover run",
                panel["title"]
            );
            checked += 1;
        }
    }
    assert!(checked >= 15, "only {checked} dashboard queries");
}

#[test]
fn metrics_with_processes_is_refused_with_the_way_to_do_it() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write(&dir.path().join("short.toml"), SHORT_DIRECT);
    let (code, _, stderr) = crmsim(&[
        "run".as_ref(),
        scenario.as_os_str(),
        "--processes".as_ref(),
        "--metrics".as_ref(),
        "127.0.0.1:0".as_ref(),
    ]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("serve … --metrics"), "{stderr}");
}
