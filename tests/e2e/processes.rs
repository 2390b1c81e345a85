//! `crmsim run --processes`: every component its own `crmsim serve` process, the scenario's
//! `[[fault]]` timeline applied to the processes (SIGKILL, a new process) and to relays on the
//! hops it names, the run judged from the components' own reports.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

use crate::support::served::{PAUSE_SIDE_A, crmsim, json, write};

fn check<'a>(report: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"].as_str().unwrap().starts_with(name))
        .unwrap_or_else(|| panic!("no check {name:?}: {report}"))
}

/// The shipped scenario kills side A's process at +6 s and starts a new one at +16 s: the
/// proxy process marks A DOWN, the CRM process's agents log on again through side B, and all
/// of it is read back from the processes' reports.
#[test]
fn the_proxy_scenario_kills_and_restarts_side_a_as_a_process() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("r.json");
    let junit = dir.path().join("r.xml");
    let work = dir.path().join("work");
    let (code, stdout, stderr) = crmsim(&[
        "run",
        "scenarios/proxy-events-direct.toml",
        "--processes",
        "--workdir",
        work.to_str().unwrap(),
        "--json",
        report.to_str().unwrap(),
        "--junit",
        junit.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(0), "{stdout}\n{stderr}");
    assert!(stdout.contains("killed with SIGKILL"), "{stdout}");
    crate::support::json_schema::assert_valid("processes-report.schema.json", &report);
    let r = json(&report);
    assert_eq!(r["mode"], "processes");
    assert_eq!(r["verdict"], "pass", "{r}");
    let faults = r["faults"].as_array().unwrap();
    assert_eq!(faults.len(), 2, "{r}");
    assert!(faults.iter().all(|f| f["ok"] == true), "{r}");
    let down = check(&r, "proxy marked connector-a DOWN after it was killed");
    assert_eq!(down["ok"], true, "{down}");
    let back = check(
        &r,
        "every agent logged on again after connector-a was killed",
    );
    assert_eq!(back["ok"], true, "{back}");
    assert_eq!(check(&r, "events bypassed the proxy")["ok"], true);
    // Side A lived twice: two sets of logs, and a report from the second life only (the first
    // died by SIGKILL without a word).
    assert!(work.join("logs/connector-a-2.out").exists());
    let a_reports = std::fs::read_dir(work.join("reports"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with("connector-a-")
        })
        .count();
    assert_eq!(a_reports, 1);
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(
        xml.contains("<testsuite name=\"processes proxy-events-direct\""),
        "{xml}"
    );
    assert!(!xml.contains("<failure"), "{xml}");
}

/// A latency fault on the CRM → connector hop acts on a relay between the two processes: the
/// CRM's answer requests, sent while it lasts, take at least that long.
#[test]
fn a_latency_fault_on_a_hop_between_processes_delays_its_requests() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write(
        &dir.path().join("latency.toml"),
        r#"
[run]
deployment = "direct"
warmup = "3s"
steady = "8s"
logon = "storm"
[tls]
enabled = true
[crm]
agents = 10
ring_delay = "uniform(200ms, 600ms)"
talk_time = "uniform(2s, 4s)"
wrap_up = "500ms"
[calls]
rate = 3.0
arrival = "constant"
patience = "30s"
[[fault]]
at = "0s"
action = "latency"
target = "crm->connector"
latency = "250ms"
duration = "8s"
"#,
    );
    let report = dir.path().join("r.json");
    let work = dir.path().join("work");
    let (code, stdout, stderr) = crmsim(&[
        "run",
        scenario.to_str().unwrap(),
        "--processes",
        "--workdir",
        work.to_str().unwrap(),
        "--json",
        report.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(0), "{stdout}\n{stderr}");
    // With a relay on the hop: its counters and faults are in the report too.
    crate::support::json_schema::assert_valid("processes-report.schema.json", &report);
    let r = json(&report);
    let steps: Vec<&str> = r["faults"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["step"].as_str().unwrap())
        .collect();
    assert_eq!(
        steps,
        [
            "latency 250ms on crm->connector",
            "end of latency on crm->connector"
        ]
    );
    let relay = &r["relays"]["crm->connector"];
    assert!(relay["connections"].as_u64().unwrap() > 0, "{relay}");
    // Answers are sent once calls ring: all of them in the steady phase, under the latency.
    let crm = std::fs::read_dir(work.join("reports"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.file_name().unwrap().to_string_lossy().starts_with("crm-"))
        .unwrap();
    let answer = &json(&crm)["latency_ms"]["call.answer"];
    assert!(answer["count"].as_u64().unwrap() > 0, "{answer}");
    assert!(answer["p50"].as_f64().unwrap() >= 250.0, "{answer}");
}

#[test]
fn what_processes_cannot_do_is_refused_with_exit_2() {
    let (code, _, stderr) = crmsim(&["run", "scenarios/direct-two-crms.toml", "--processes"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("--processes runs one CRM"), "{stderr}");
    let dir = tempfile::tempdir().unwrap();
    let scenario = write(
        &dir.path().join("reset.toml"),
        "[run]\ndeployment = \"proxy-events-direct\"\nsteady = \"5s\"\n[[fault]]\nat = \"1s\"\naction = \"reset\"\ntarget = \"proxy\"\n",
    );
    let (code, _, stderr) = crmsim(&["run", scenario.to_str().unwrap(), "--processes"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("reset a hop instead"), "{stderr}");
    // Hop faults act on relays, which containers do not get: refused before Docker is asked.
    let scenario = write(
        &dir.path().join("hop.toml"),
        "[run]\ndeployment = \"direct\"\nsteady = \"5s\"\n[[fault]]\nat = \"1s\"\naction = \"blackhole\"\ntarget = \"crm->connector\"\nduration = \"1s\"\n",
    );
    let (code, _, stderr) = crmsim(&["run", scenario.to_str().unwrap(), "--containers"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("use --processes"), "{stderr}");
    let (code, _, stderr) = crmsim(&["run", "scenarios/direct.toml", "--workdir", "x"]);
    assert_eq!(code, Some(2), "{stderr}");
}

/// `pause` freezes side A's process (SIGSTOP) for 5 s: its health checks time out, the proxy
/// marks it DOWN and the agents move to B; SIGCONT brings it back UP.
#[test]
fn pausing_side_a_process_fails_over_and_back() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write(&dir.path().join("pause.toml"), PAUSE_SIDE_A);
    let report = dir.path().join("r.json");
    let (code, stdout, stderr) = crmsim(&[
        "run",
        scenario.to_str().unwrap(),
        "--processes",
        "--json",
        report.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(0), "{stdout}\n{stderr}");
    let r = json(&report);
    assert!(stdout.contains("stopped with SIGSTOP"), "{stdout}");
    assert!(stdout.contains("continued with SIGCONT"), "{stdout}");
    for name in [
        "proxy marked connector-a DOWN after it was paused",
        "proxy marked connector-a UP after it was resumed",
        "every agent logged on again after connector-a was paused",
    ] {
        assert_eq!(check(&r, name)["ok"], true, "{name}: {r}");
    }
}

/// A short direct scenario with distinctive talk and wrap-up times.
const WORKLOAD: &str = r#"
[run]
deployment = "direct"
warmup = "3s"
steady = "10s"
logon = "storm"
[tls]
enabled = true
[crm]
agents = 16
ring_delay = "200ms"
talk_time = "1500ms"
wrap_up = "700ms"
[calls]
rate = 4.0
arrival = "constant"
"#;

/// The same scenario in process and as processes: both reports show the scenario's call rate
/// in the steady phase and the agents' talk and wrap-up times, so the processes ran the
/// scenario's workload and not one of their own.
#[test]
fn processes_run_the_scenarios_workload_as_in_process() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write(&dir.path().join("workload.toml"), WORKLOAD);
    let run = |extra: &[&str], name: &str| {
        let report = dir.path().join(name);
        let mut args = vec!["run", scenario.to_str().unwrap(), "--json"];
        args.push(report.to_str().unwrap());
        args.extend_from_slice(extra);
        let (code, stdout, stderr) = crmsim(&args);
        assert_eq!(code, Some(0), "{name}:\n{stdout}\n{stderr}");
        json(&report)
    };
    let inside = run(&[], "in-process.json");
    let work = dir.path().join("work");
    let apart = run(
        &["--processes", "--workdir", work.to_str().unwrap()],
        "processes.json",
    );
    let rate = |r: &serde_json::Value| r["steady"]["calls_per_s"].as_f64().unwrap();
    let (a, b) = (rate(&inside), rate(&apart));
    for (what, r) in [("in process", a), ("as processes", b)] {
        assert!((r - 4.0).abs() / 4.0 <= 0.05, "{what}: {r} calls/s");
    }
    assert!((a - b).abs() / a <= 0.05, "{a} against {b} calls/s");
    // The steady phase's end closed the served connector's queue (SIGUSR1), as the runner
    // stops arrivals in process: no call was offered to agents logging off, none was dropped.
    let connector = std::fs::read_dir(work.join("reports"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("connector-")
        })
        .unwrap();
    let counters = json(&connector)["acd"]["counters"].clone();
    assert_eq!(counters["dropped"], 0, "{counters}");
    assert_eq!(counters["offered"], counters["completed"], "{counters}");
    for r in [&inside, &apart] {
        let keys = &r["steady"]["latency_ms"];
        let talk = keys["agent.talk"]["p50"].as_f64().unwrap();
        assert!(
            (1500.0..1800.0).contains(&talk),
            "talk p50 {talk} ms: {keys}"
        );
        let wrap = keys["agent.wrap_up"]["p50"].as_f64().unwrap();
        assert!(
            (700.0..1000.0).contains(&wrap),
            "wrap-up p50 {wrap} ms: {keys}"
        );
    }
}

/// A latency threshold holds for a run as processes too, judged on the CRM's steady phase: a
/// p99 limit no request can meet fails the run.
#[test]
fn a_latency_threshold_fails_a_run_as_processes() {
    let dir = tempfile::tempdir().unwrap();
    let text = WORKLOAD.replace("steady = \"10s\"", "steady = \"3s\"")
        + "[thresholds]\nmax_request_p99_ms = 0.001\n";
    let scenario = write(&dir.path().join("tight.toml"), &text);
    let report = dir.path().join("r.json");
    let (code, stdout, stderr) = crmsim(&[
        "run",
        scenario.to_str().unwrap(),
        "--processes",
        "--json",
        report.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(1), "{stdout}\n{stderr}");
    let r = json(&report);
    let p99 = check(&r, "request p99 (steady)");
    assert_eq!(p99["ok"], false, "{p99}");
    assert!(stdout.contains("[FAIL] request p99 (steady)"), "{stdout}");
}
