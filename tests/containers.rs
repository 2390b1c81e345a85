//! The three deployments with every component in its own container (testcontainers, Docker CLI),
//! on a user-defined network per test, reached by `host.domain` names their certificates carry:
//! the same `crmsim serve …` binary inside, SSL on and off, and in the proxy deployments side A's
//! container stopped mid-run and started again, with both proxy engines.
//!
//! The checks are the in-process run's invariants and failover figures, computed from the
//! components' own JSON reports (wall-clock times line them up): every agent logged on and off,
//! every request answered, events sent == events received with no gap, calls accounted for; the
//! proxy marks A DOWN within what its checks imply, the CRM's agents are back within a bound,
//! and the events took the deployment's path. Each test writes its checks as JUnit to
//! `$CRMSIM_JUNIT_DIR/containers-<case>.xml` when that is set.
//!
//! Two more run `crmsim run --containers`, where the scenario's own `[[fault]]` timeline kills,
//! restarts and pauses the containers (docker kill, start, pause, unpause).
//!
//! Docker: the tests need a Docker engine. Without one they print `SKIPPED` and pass, unless
//! `CRMSIM_REQUIRE_DOCKER=1` (the release gate sets it). The image is `$CRMSIM_IMAGE`, or one
//! `ci/images.sh` builds from this test's own crmsim binary.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

mod support;

use support::containers::{Case, run_case};
use support::served::{PAUSE_SIDE_A, crmsim, write};

use scenario::{Deployment, ProxyEngine};

fn case(deployment: Deployment, tls: bool, engine: ProxyEngine) {
    run_case(&Case {
        deployment,
        tls,
        engine,
    });
}

#[test]
fn direct_over_mutual_tls() {
    case(Deployment::Direct, true, ProxyEngine::Embedded);
}

#[test]
fn direct_plain() {
    case(Deployment::Direct, false, ProxyEngine::Embedded);
}

#[test]
fn events_direct_tls_embedded_proxy_fails_over() {
    case(Deployment::ProxyEventsDirect, true, ProxyEngine::Embedded);
}

#[test]
fn events_direct_tls_haproxy_fails_over() {
    case(Deployment::ProxyEventsDirect, true, ProxyEngine::Haproxy);
}

#[test]
fn events_direct_plain_embedded_proxy_fails_over() {
    case(Deployment::ProxyEventsDirect, false, ProxyEngine::Embedded);
}

#[test]
fn events_direct_plain_haproxy_fails_over() {
    case(Deployment::ProxyEventsDirect, false, ProxyEngine::Haproxy);
}

#[test]
fn static_route_tls_embedded_proxy_fails_over() {
    case(Deployment::ProxyStaticRoute, true, ProxyEngine::Embedded);
}

#[test]
fn static_route_tls_haproxy_fails_over() {
    case(Deployment::ProxyStaticRoute, true, ProxyEngine::Haproxy);
}

#[test]
fn static_route_plain_embedded_proxy_fails_over() {
    case(Deployment::ProxyStaticRoute, false, ProxyEngine::Embedded);
}

#[test]
fn static_route_plain_haproxy_fails_over() {
    case(Deployment::ProxyStaticRoute, false, ProxyEngine::Haproxy);
}

/// `crmsim run --containers`: the shipped static-route scenario, its own `[[fault]]` timeline
/// killing side A's container (`docker kill`) at +6 s and starting it again at +16 s.
#[test]
fn run_containers_applies_the_scenarios_faults_to_the_containers() {
    if !support::containers::docker_ready() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("r.json");
    let (code, stdout, stderr) = crmsim(&[
        "run".as_ref(),
        "scenarios/proxy-static-route.toml".as_ref(),
        "--containers".as_ref(),
        "--image".as_ref(),
        support::containers::image().as_ref(),
        "--json".as_ref(),
        report.as_os_str(),
    ]);
    assert_eq!(code, Some(0), "{stdout}\n{stderr}");
    assert!(stdout.contains("killed with docker kill"), "{stdout}");
    let r: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(r["mode"], "containers");
    let passed = |name: &str| {
        r["checks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["name"] == name && c["ok"] == true)
    };
    assert!(
        passed("proxy marked connector-a DOWN after it was killed"),
        "{r}"
    );
    assert!(
        passed("proxy marked connector-a UP after it was restarted"),
        "{r}"
    );
    assert!(passed("events crossed the proxy's static route"), "{r}");
}

/// `pause` on a container is `docker pause` (the cgroup freezer): its health checks time out,
/// the agents move to side B, and `docker unpause` brings A back.
#[test]
fn run_containers_pauses_a_container() {
    if !support::containers::docker_ready() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let scenario = write(&dir.path().join("pause.toml"), PAUSE_SIDE_A);
    let (code, stdout, stderr) = crmsim(&[
        "run".as_ref(),
        scenario.as_os_str(),
        "--containers".as_ref(),
        "--image".as_ref(),
        support::containers::image().as_ref(),
    ]);
    assert_eq!(code, Some(0), "{stdout}\n{stderr}");
    assert!(stdout.contains("frozen with docker pause"), "{stdout}");
    assert!(
        stdout.contains("[PASS] proxy marked connector-a DOWN after it was paused"),
        "{stdout}"
    );
}
