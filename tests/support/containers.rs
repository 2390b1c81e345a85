//! Running one container topology (see tests/containers.rs) and checking it from the

#![allow(dead_code)] // each test binary uses its own subset
//! components' reports.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::thread::sleep;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crmsim::containers::{ContainerPlan, MOUNT};
use crmsim::scenario::{self, Deployment, ProxyEngine};
use serde_json::Value;
use testcontainers::clients::Cli;
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

/// Whether to run: a Docker engine answers. Without one: skip loudly, or fail when required.
fn docker_ready() -> bool {
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
fn image() -> &'static str {
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

fn now_ms() -> u64 {
    u64::try_from(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_millis(),
    )
    .unwrap()
}

fn docker(args: &[&str]) -> String {
    let out = Command::new("docker").args(args).output().expect("docker");
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// One check: name, passed, what was seen.
type Check = (String, bool, String);

fn check(out: &mut Vec<Check>, name: &str, ok: bool, detail: String) {
    out.push((name.to_owned(), ok, detail));
}

/// Every report `component` left (one per life of its container), oldest first.
fn reports(dir: &Path, component: &str) -> Vec<Value> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join("reports"))
        .map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    files.sort();
    files
        .iter()
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .and_then(|n| n.strip_prefix(component))
                .is_some_and(|rest| {
                    rest.starts_with('-') && rest[1..].starts_with(|c: char| c.is_ascii_digit())
                })
        })
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .filter_map(|t| serde_json::from_str(&t).ok())
        .collect()
}

/// The start time (Unix ms) in the name of `component`'s first report.
fn report_started(dir: &Path, component: &str) -> Option<u64> {
    let mut starts: Vec<u64> = std::fs::read_dir(dir.join("reports"))
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            name.strip_prefix(component)?
                .strip_prefix('-')?
                .strip_suffix(".json")?
                .parse()
                .ok()
        })
        .collect();
    starts.sort_unstable();
    starts.first().copied()
}

fn u(v: &Value) -> u64 {
    v.as_u64().unwrap_or(0)
}

/// Runs the case; panics with every failed check (and the containers' last log lines).
pub fn run_case(case: &Case) {
    if !docker_ready() {
        return;
    }
    let image = image();
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
    let text = format!(
        "[run]\ndeployment = \"{}\"\nwarmup = \"2s\"\nsteady = \"30s\"\n\
         [tls]\nenabled = {}\n[crm]\nagents = 20\nheartbeat = \"500ms\"\n\
         [calls]\nrate = 2.0\n[proxy]\nengine = \"{}\"\ninter = \"500ms\"\nfall = 2\nrise = 2\ncheck_timeout = \"1s\"\n",
        case.deployment.as_str(),
        case.tls,
        match case.engine {
            ProxyEngine::Embedded => "embedded",
            ProxyEngine::Haproxy => "haproxy",
        }
    );
    let loaded = scenario::parse(Path::new("containers.toml"), &text).unwrap();
    let plan = ContainerPlan::from_scenario(&loaded.scenario, &domain);
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let folders = plan.write_common(root).unwrap();

    let cli = Cli::default();
    let start = |service: &crmsim::containers::Service, wait: bool| -> Container<'_, CrmsimImage> {
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
    let proxy = (plan.deployment != Deployment::Direct).then(|| start(by("proxy"), false));
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

    let mut stopped_at = None;
    let mut started_at = None;
    if proxy.is_some() {
        sleep(Duration::from_secs(8));
        stopped_at = Some(now_ms());
        sides[0].stop();
        sleep(Duration::from_secs(6));
        started_at = Some(now_ms());
        sides[0].start();
    }
    let crm_exit = wait_exit(crm.id(), Duration::from_secs(120));
    for side in &sides {
        side.stop();
    }
    if let Some(p) = &proxy {
        p.stop();
    }

    let mut checks = Vec::new();
    evaluate(
        &mut checks,
        case,
        &plan,
        root,
        crm_exit,
        crm_started,
        stopped_at,
        started_at,
    );
    if let Ok(dir) = std::env::var("CRMSIM_JUNIT_DIR") {
        write_junit(Path::new(&dir), &case.name(), &checks);
    }
    let failed: Vec<&Check> = checks.iter().filter(|c| !c.1).collect();
    let table: String = checks
        .iter()
        .map(|(n, ok, d)| format!("  [{}] {n}: {d}\n", if *ok { "ok  " } else { "FAIL" }))
        .collect();
    eprintln!("{} (image {image}):\n{table}", case.name());
    if !failed.is_empty() {
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
        panic!(
            "{}: {} checks failed:\n{table}\n{logs}",
            case.name(),
            failed.len()
        );
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

#[allow(clippy::too_many_arguments)]
fn evaluate(
    out: &mut Vec<Check>,
    case: &Case,
    plan: &ContainerPlan,
    root: &Path,
    crm_exit: Option<i64>,
    crm_started: u64,
    stopped_at: Option<u64>,
    started_at: Option<u64>,
) {
    check(
        out,
        "crm exited 0",
        crm_exit == Some(0),
        format!("exit code {crm_exit:?}"),
    );
    let Some(crm) = reports(root, "crm").pop() else {
        check(out, "crm report", false, "no report in reports/".to_owned());
        return;
    };
    let connectors: Vec<Value> = plan.sides().iter().flat_map(|s| reports(root, s)).collect();
    let c = &crm["counts"];
    let agents = plan.agents as u64;
    check(
        out,
        "all agents logged on",
        u(&c["logons"]) == agents,
        format!(
            "{} logons, {} re-logons of {agents} agents",
            c["logons"], c["relogons"]
        ),
    );
    check(
        out,
        "all agents logged off",
        u(&crm["logged_on"]) == 0,
        format!("{} still logged on at the CRM's stop", crm["logged_on"]),
    );
    check(
        out,
        "every request answered",
        crm["in_flight"].as_i64() == Some(0),
        format!(
            "{} sent, {} answered, {} faults, {} failed, {} pending",
            c["requests"], c["responses"], c["faults"], c["request_errors"], crm["in_flight"]
        ),
    );
    let delivered: u64 = connectors
        .iter()
        .map(|r| u(&r["events"]["delivered"]))
        .sum();
    let failed: u64 = connectors
        .iter()
        .map(|r| u(&r["events"]["failed"]) + u(&r["events"]["refused"]))
        .sum();
    let received = u(&c["events"]);
    let duplicates = u(&c["duplicate_events"]);
    check(
        out,
        "events sent == events received",
        received >= delivered && received <= delivered + duplicates,
        format!(
            "connectors ({} reports) delivered {delivered}, CRM received {received} ({duplicates} twice)",
            connectors.len()
        ),
    );
    let gaps = u(&c["sequence_gaps"]) + u(&c["out_of_order"]);
    check(
        out,
        "no event lost or out of order",
        failed == 0 && gaps == 0,
        format!("{failed} events failed or refused, {gaps} gaps or reorderings"),
    );
    let active: usize = connectors
        .iter()
        .map(|r| r["acd"]["active_calls"].as_array().map_or(0, Vec::len))
        .sum();
    let completed: u64 = connectors
        .iter()
        .map(|r| u(&r["acd"]["counters"]["completed"]))
        .sum();
    let dropped: u64 = connectors
        .iter()
        .map(|r| u(&r["acd"]["counters"]["dropped"]))
        .sum();
    check(
        out,
        "every call ended on the connectors",
        active == 0 && completed > 0,
        format!(
            "{completed} completed, {dropped} dropped with a reason, {active} not ended at stop"
        ),
    );
    let per_side: Vec<String> = connectors
        .iter()
        .map(|r| {
            format!(
                "{}: {} active, {} queued, {} dropped",
                r["name"].as_str().unwrap_or("?"),
                r["acd"]["active_calls"].as_array().map_or(0, Vec::len),
                r["acd"]["queued"],
                r["acd"]["counters"]["dropped"]
            )
        })
        .collect();
    if let Some(last) = out.last_mut() {
        last.2 = format!("{} ({})", last.2, per_side.join("; "));
    }
    let open = crm["calls"]["open"].as_array().map_or(0, Vec::len) as u64;
    check(
        out,
        "every call on the CRM ended or was dropped by a side",
        open <= dropped,
        format!("{open} calls open at the CRM, {dropped} dropped by the sides"),
    );
    for link in ["requests_link", "events_link"] {
        let l = &crm[link];
        let (full, fails) = (u(&l["handshakes_full"]), u(&l["handshake_failures"]));
        check(
            out,
            &format!("TLS on the CRM's {link}"),
            if case.tls {
                full > 0 && fails == 0
            } else {
                full == 0
            },
            format!("{full} full handshakes, {fails} failed"),
        );
    }

    let (Some(stopped), Some(started)) = (stopped_at, started_at) else {
        return;
    };
    let Some(proxy) = reports(root, "proxy").pop() else {
        check(
            out,
            "proxy report",
            false,
            "no report in reports/".to_owned(),
        );
        return;
    };
    let engine = match case.engine {
        ProxyEngine::Embedded => "embedded",
        ProxyEngine::Haproxy => "haproxy",
    };
    check(
        out,
        "proxy engine",
        proxy["engine"] == engine,
        format!("{}", proxy["engine"]),
    );
    let changes = proxy["state_changes"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let first = |to: &str, after: u64| {
        changes
            .iter()
            .filter(|ch| ch["server"] == "connector-a" && ch["to"] == to)
            .map(|ch| u(&ch["at_unix_ms"]))
            .find(|at| *at >= after)
    };
    let inter = plan.inter.as_millis() as u64;
    // `docker stop` lets the side finish within its grace (5 s) before its port closes.
    let down_bound =
        5_000 + u64::from(plan.fall) * inter + plan.check_timeout.as_millis() as u64 + 1_000;
    let down = first("DOWN", stopped);
    check(
        out,
        "proxy marked connector-a DOWN after its container stopped",
        down.is_some_and(|d| d - stopped <= down_bound),
        format!(
            "detection {} ms (bound {down_bound} ms)",
            down.map_or("none".to_owned(), |d| (d - stopped).to_string())
        ),
    );
    let up_bound = u64::from(plan.rise) * inter + 4_000;
    let up = first("UP", started);
    check(
        out,
        "proxy marked connector-a UP after its container started",
        up.is_some_and(|d| d - started <= up_bound),
        format!(
            "detection {} ms (bound {up_bound} ms, container start included)",
            up.map_or("none".to_owned(), |d| (d - started).to_string())
        ),
    );
    let spans = |key: &str| {
        crm["availability"][key]
            .as_array()
            .cloned()
            .unwrap_or_default()
    };
    // The CRM's report is named by its process's start time: its work ends a duration later,
    // and the agents' logoff after that is not a failover's doing.
    let crm_start = report_started(root, "crm").unwrap_or(crm_started);
    let crm_end = crm_start + plan.crm_duration.as_millis() as u64;
    let back_after = |from: u64, until: u64| -> Result<Option<u64>, String> {
        // Spans of missing agents that began in [from, until), each closed; the latest close.
        let mut last = None;
        for s in spans("below_full_strength") {
            let f = u(&s["from_unix_ms"]);
            if f < from || f >= until {
                continue;
            }
            match s["to_unix_ms"].as_u64() {
                Some(t) => last = Some(t.max(last.unwrap_or(0))),
                None => {
                    return Err(format!(
                        "agents missing from {f} on ({} ms after the container event, {} ms before the CRM's work ended), never all back",
                        f - from,
                        crm_end as i64 - f as i64
                    ));
                }
            }
        }
        Ok(last.map(|t| t - from))
    };
    for (what, from, until) in [
        ("after the failover", stopped, started),
        (
            "after the fail-back",
            started,
            crm_end.saturating_sub(1_000),
        ),
    ] {
        let r = back_after(from, until);
        check(
            out,
            &format!("every agent logged on again {what}"),
            matches!(r, Ok(Some(ms)) if ms <= 15_000) || matches!(r, Ok(None)),
            match r {
                Ok(Some(ms)) => format!("all back {ms} ms after the container event"),
                Ok(None) => "no agent went missing".to_owned(),
                Err(e) => e,
            },
        );
    }
    let gap: Vec<String> = spans("unreachable")
        .iter()
        .filter(|s| u(&s["from_unix_ms"]) >= stopped)
        .map(|s| match s["to_unix_ms"].as_u64() {
            Some(t) => format!("{} ms", t - u(&s["from_unix_ms"])),
            None => "open".to_owned(),
        })
        .collect();
    check(
        out,
        "requests answered again after the failover",
        !gap.iter().any(|g| g == "open"),
        format!("request gaps after the stop: {gap:?}"),
    );
    let routes = proxy["proxy"]["routes"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let events_link = u(&crm["events_link"]["connections"]);
    if case.deployment == Deployment::ProxyStaticRoute {
        let r = routes.first().cloned().unwrap_or_default();
        check(
            out,
            "events crossed the proxy's static route",
            u(&r["connections"]) > 0 && u(&r["bytes_in"]) > 0,
            format!(
                "route: {} connections, {} bytes",
                r["connections"], r["bytes_in"]
            ),
        );
    } else {
        check(
            out,
            "events bypassed the proxy",
            routes.is_empty() && events_link > 0,
            format!(
                "the proxy has {} routes; the CRM accepted {events_link} event connections",
                routes.len()
            ),
        );
    }
}

fn write_junit(dir: &Path, case: &str, checks: &[Check]) {
    let esc = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    let failures = checks.iter().filter(|c| !c.1).count();
    let mut x = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n<testsuite name=\"containers {}\" tests=\"{}\" failures=\"{failures}\">\n",
        esc(case),
        checks.len()
    );
    for (name, ok, detail) in checks {
        x.push_str(&format!(
            "  <testcase classname=\"containers.{}\" name=\"{}\">",
            esc(case),
            esc(name)
        ));
        if *ok {
            x.push_str(&format!("<system-out>{}</system-out>", esc(detail)));
        } else {
            x.push_str(&format!("<failure message=\"{}\"/>", esc(detail)));
        }
        x.push_str("</testcase>\n");
    }
    x.push_str("</testsuite>\n</testsuites>\n");
    let _ = std::fs::create_dir_all(dir);
    std::fs::write(dir.join(format!("containers-{case}.xml")), x).unwrap();
}
