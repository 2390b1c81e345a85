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
//! Docker: the tests need a Docker engine. Without one they print `SKIPPED` and pass, unless
//! `CRMSIM_REQUIRE_DOCKER=1` (the release gate sets it). The image is `$CRMSIM_IMAGE`, or one
//! `ci/images.sh` builds from this test's own crmsim binary.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

mod support;

use support::containers::{Case, run_case};

use crmsim::scenario::{Deployment, ProxyEngine};

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
