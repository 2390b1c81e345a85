//! Running one container topology (see tests/containers.rs) and checking it from the

#![allow(dead_code)] // each test binary uses its own subset
//! components' reports.

use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;
use std::thread::sleep;
use std::time::{Duration, Instant};

use launch::containers::{MOUNT, Placement};
use scenario::{self, Deployment, ProxyEngine};
use testcontainers::clients::Cli;

use super::served::now_ms;
use harness::report::junit::checks_suite;
use launch::separate::checks::{RunFacts, SideEvent, evaluate};
use launch::separate::reports::Reports;
use testcontainers::core::WaitFor;
use testcontainers::{Container, Image, ImageArgs, RunnableImage};

/// One topology to run.
pub struct Case {
    pub deployment: Deployment,
    pub tls: bool,
    pub engine: ProxyEngine,
}

impl Case {
    fn name(&self) -> String {
        let mut n = format!(
            "{}-{}",
            self.deployment.as_str(),
            if self.tls { "tls" } else { "plain" }
        );
        if self.deployment != Deployment::Direct {
            n.push('-');
            n.push_str(match self.engine {
                ProxyEngine::Embedded => "embedded",
                ProxyEngine::Haproxy => "haproxy",
            });
        }
        n
    }
}

#[derive(Debug, Clone)]
struct CrmsimImage {
    name: String,
    tag: String,
    ready: Vec<WaitFor>,
}

#[derive(Debug, Clone)]
struct Args(Vec<String>);

impl ImageArgs for Args {
    fn into_iterator(self) -> Box<dyn Iterator<Item = String>> {
        Box::new(self.0.into_iter())
    }
}

impl Image for CrmsimImage {
    type Args = Args;
    fn name(&self) -> String {
        self.name.clone()
    }
    fn tag(&self) -> String {
        self.tag.clone()
    }
    fn ready_conditions(&self) -> Vec<WaitFor> {
        self.ready.clone()
    }
}

/// Whether to run: asked for (`CRMSIM_CONTAINERS=1`, or `CRMSIM_REQUIRE_DOCKER=1` as the release
/// gate sets it) and a Docker engine answers. Otherwise: skip loudly, or fail when required.
pub fn docker_ready() -> bool {
    let required = std::env::var("CRMSIM_REQUIRE_DOCKER").as_deref() == Ok("1");
    if !required && std::env::var("CRMSIM_CONTAINERS").as_deref() != Ok("1") {
        eprintln!(
            "SKIPPED: container topology tests run in the release gate (ci/release-gate.sh) or with CRMSIM_CONTAINERS=1 (they need a Docker engine)"
        );
        return false;
    }
    let ok = Command::new("docker")
        .args(["info", "--format", "{{.ServerVersion}}"])
        .output()
        .is_ok_and(|o| o.status.success());
    if ok {
        return true;
    }
    assert!(
        std::env::var("CRMSIM_REQUIRE_DOCKER").as_deref() != Ok("1"),
        "CRMSIM_REQUIRE_DOCKER=1 but no Docker engine answers `docker info`"
    );
    eprintln!(
        "SKIPPED: container topology tests need a Docker engine (`docker info` failed); set CRMSIM_REQUIRE_DOCKER=1 to make this a failure"
    );
    false
}

/// `$CRMSIM_IMAGE`, or the image ci/images.sh builds from this test's crmsim binary (once).
pub fn image() -> &'static str {
    static IMAGE: OnceLock<String> = OnceLock::new();
    IMAGE.get_or_init(|| {
        if let Ok(image) = std::env::var("CRMSIM_IMAGE") {
            return image;
        }
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("ci/images.sh");
        let out = Command::new(&script)
            .env("CRMSIM_BIN", env!("CARGO_BIN_EXE_crmsim"))
            .output()
            .expect("run ci/images.sh");
        assert!(
            out.status.success(),
            "ci/images.sh failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .last()
            .expect("ci/images.sh printed the image")
            .trim()
            .to_owned()
    })
}

fn docker(args: &[&str]) -> String {
    let out = Command::new("docker").args(args).output().expect("docker");
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// Runs the case; panics with every failed check (and the containers' last log lines).
pub fn run_case(case: &Case) {
    if !docker_ready() {
        return;
    }
    let image = image();
    let started = Instant::now();
    let (name, tag) = image.rsplit_once(':').unwrap_or((image, "latest"));
    // Unique per test: tests of one binary run at once, and Docker allows two networks of one
    // name (then neither can be removed by name).
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let run = format!(
        "{:x}{:x}{n}",
        now_ms() % 0xff_ffff,
        std::process::id() % 0xfff
    );
    let domain = format!("r{run}.crmsim.test");
    let network = format!("crmsim-{run}");
    // Short calls the CRM's logoff sees end, quick timeouts, and the shipped proxy scenarios'
    // failover settings (fail back together; a side nobody talks to logs its agents off).
    let text = format!(
        "[run]\ndeployment = \"{}\"\nwarmup = \"2s\"\nsteady = \"30s\"\nlogon = \"storm\"\n\
         [tls]\nenabled = {}\n[crm]\nagents = 20\nheartbeat = \"500ms\"\n\
         ring_delay = \"uniform(200ms, 600ms)\"\ntalk_time = \"uniform(2s, 4s)\"\nwrap_up = \"500ms\"\n\
         request_timeout = \"3s\"\n[connector]\nsession_timeout = \"5s\"\nevent_timeout = \"5s\"\n\
         [calls]\nrate = 2.0\narrival = \"constant\"\npatience = \"30s\"\n\
         [proxy]\nengine = \"{}\"\ninter = \"500ms\"\nfall = 2\nrise = 2\ncheck_timeout = \"1s\"\n\
         on_marked_up = \"shutdown-backup-sessions\"\n",
        case.deployment.as_str(),
        case.tls,
        case.engine.as_str()
    );
    let loaded = scenario::parse(Path::new("containers.toml"), &text).unwrap();
    let plan = Placement::from_scenario(&loaded.scenario, &domain);
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let folders = plan.write_common(root).unwrap();

    let cli = Cli::default();
    let start = |service: &launch::containers::Service, wait: bool| -> Container<'_, CrmsimImage> {
        let img = CrmsimImage {
            name: name.to_owned(),
            tag: tag.to_owned(),
            ready: if wait {
                vec![WaitFor::message_on_stdout(service.ready.clone())]
            } else {
                vec![WaitFor::Nothing]
            },
        };
        let runnable = RunnableImage::from((img, Args(service.args.clone())))
            .with_network(network.clone())
            .with_container_name(service.host.clone())
            .with_volume((root.display().to_string(), MOUNT.to_owned()));
        cli.run(runnable)
    };
    let services = plan.services();
    let by = |n: &str| services.iter().find(|s| s.name == n).unwrap();

    // The proxy first: the static route needs its address in the sides' configs.
    let proxy = (plan.deployment() != Deployment::Direct).then(|| start(by("proxy"), false));
    let proxy_ip = proxy.as_ref().map(|p| {
        let ip = docker(&[
            "inspect",
            "-f",
            "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}",
            p.id(),
        ]);
        ip.parse()
            .unwrap_or_else(|e| panic!("proxy address {ip:?}: {e}"))
    });
    plan.write_connectors(root, &folders, proxy_ip).unwrap();
    let sides: Vec<_> = plan.sides().iter().map(|s| start(by(s), true)).collect();
    // The CRM before the proxy is ready: the static route's target is the CRM's name, which the
    // proxy resolves at start; agents whose logon finds no proxy yet try again.
    let crm = start(by("crm"), true);
    if let Some(p) = &proxy {
        wait_log(p.id(), "started:", Duration::from_secs(60));
    }
    let crm_started = now_ms();

    let mut side_events = Vec::new();
    let event = |down: bool, what: &str| SideEvent {
        side: "connector-a".to_owned(),
        down,
        at_unix_ms: now_ms(),
        what: what.to_owned(),
    };
    if proxy.is_some() {
        sleep(Duration::from_secs(8));
        side_events.push(event(true, "stopped"));
        sides[0].stop();
        sleep(Duration::from_secs(6));
        side_events.push(event(false, "started"));
        sides[0].start();
    }
    let crm_exit = wait_exit(crm.id(), Duration::from_secs(120));
    for side in &sides {
        side.stop();
    }
    if let Some(p) = &proxy {
        p.stop();
    }

    let facts = RunFacts {
        crm_exit: crm_exit.and_then(|c| i32::try_from(c).ok()),
        crm_started,
        side_events,
        // `docker stop` lets the side finish within its grace (5 s) before its port closes;
        // coming back includes the container's and the process's start.
        stop_grace_ms: 5_000,
        start_allowance_ms: 3_000,
        max_detection_ms: None,
        max_relogon_ms: None,
        max_failover_gap_ms: None,
    };
    let reports = Reports::read(root, &plan.sides());
    let checks = evaluate(&plan, &reports, &facts).0;
    if let Ok(dir) = std::env::var("CRMSIM_JUNIT_DIR") {
        let dir = Path::new(&dir);
        std::fs::create_dir_all(dir).unwrap();
        let xml = checks_suite(
            &format!("containers {}", case.name()),
            &checks,
            started.elapsed().as_secs_f64(),
        );
        std::fs::write(dir.join(format!("containers-{}.xml", case.name())), xml).unwrap();
    }
    let failed = checks.iter().filter(|c| !c.ok).count();
    let table: String = checks
        .iter()
        .map(|c| {
            let mark = if c.ok { "ok  " } else { "FAIL" };
            format!("  [{mark}] {}: {}\n", c.name, c.detail)
        })
        .collect();
    eprintln!("{} (image {image}):\n{table}", case.name());
    if failed > 0 {
        let mut logs = String::new();
        for id in std::iter::once(crm.id())
            .chain(sides.iter().map(|s| s.id()))
            .chain(proxy.iter().map(|p| p.id()))
        {
            logs.push_str(&format!(
                "--- {id}\n{}\n",
                docker(&["logs", "--tail", "25", id])
            ));
        }
        panic!("{}: {failed} checks failed:\n{table}\n{logs}", case.name());
    }
}

fn wait_log(id: &str, needle: &str, limit: Duration) {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        let out = Command::new("docker").args(["logs", id]).output().unwrap();
        if String::from_utf8_lossy(&out.stdout).contains(needle) {
            return;
        }
        sleep(Duration::from_millis(200));
    }
    panic!(
        "container {id}: no {needle:?} within {limit:?}; logs:\n{}",
        docker(&["logs", id])
    );
}

/// Waits for the container to exit; its exit code.
fn wait_exit(id: &str, limit: Duration) -> Option<i64> {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        let state = docker(&[
            "inspect",
            "-f",
            "{{.State.Running}} {{.State.ExitCode}}",
            id,
        ]);
        if let Some(code) = state.strip_prefix("false ") {
            return code.parse().ok();
        }
        sleep(Duration::from_millis(500));
    }
    None
}
