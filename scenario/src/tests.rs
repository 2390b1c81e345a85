use std::path::Path;

use super::*;

fn parse_str(text: &str) -> Result<LoadedScenario, ScenarioError> {
    parse(Path::new("t.toml"), text)
}

const MINIMAL: &str = "[run]\ndeployment = \"direct\"\nsteady = \"20s\"\n";

#[test]
fn a_minimal_scenario_takes_the_defaults() {
    let s = parse_str(MINIMAL).unwrap();
    assert_eq!(s.name, "t");
    assert_eq!(s.scenario.run.deployment, Deployment::Direct);
    assert!(s.scenario.tls.enabled);
    assert_eq!(s.scenario.thresholds.max_lost_calls, Some(0));
}

#[test]
fn unknown_keys_are_errors_with_line_and_column() {
    let e = parse_str(&format!("{MINIMAL}\n[calls]\nrat = 10\n")).unwrap_err();
    assert_eq!(e.at, Some((6, 1)), "{e}");
    assert!(e.message.contains("unknown field `rat`"), "{e}");
    assert!(e.to_string().starts_with("t.toml:6:1: "), "{e}");
}

#[test]
fn wrong_types_and_bad_durations_are_located() {
    let e = parse_str("[run]\ndeployment = \"direct\"\nsteady = \"20 parsecs\"\n").unwrap_err();
    assert_eq!(e.at.map(|a| a.0), Some(3), "{e}");
    assert!(e.message.contains("not a duration"), "{e}");
    let e = parse_str(&format!("{MINIMAL}[crm]\nagents = \"many\"\n")).unwrap_err();
    assert_eq!(e.at.map(|a| a.0), Some(5), "{e}");
    let e = parse_str("[run]\ndeployment = \"sideways\"\nsteady = \"1s\"\n").unwrap_err();
    assert!(
        e.message.contains("direct"),
        "names the valid variants: {e}"
    );
}

#[test]
fn durations_above_a_week_are_refused_where_they_are_written() {
    // Both once panicked: the first adding up the phases, the second in the connector's timer.
    let e = parse_str("[run]\ndeployment = \"direct\"\nsteady = \"18446744073709551615s\"\n")
        .unwrap_err();
    assert_eq!(e.at.map(|a| a.0), Some(3), "{e}");
    assert!(e.message.contains("longer than crmsim's limit"), "{e}");
    let e = parse_str(&format!("{MINIMAL}[calls]\npatience = \"800d\"\n")).unwrap_err();
    assert_eq!(e.at.map(|a| a.0), Some(5), "{e}");
    assert!(e.message.contains("7 days"), "{e}");
    let e = parse_str(&format!("{MINIMAL}[crm]\ntalk_time = \"exp(30d)\"\n")).unwrap_err();
    assert!(e.message.contains("7 days"), "{e}");
    assert!(parse_str(&format!("{MINIMAL}[calls]\npatience = \"7d\"\n")).is_ok());
}

#[test]
fn a_scenario_not_in_utf8_is_located_and_told_to_be_saved_as_utf8() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("latin1.toml");
    std::fs::write(
        &path,
        b"[run]\ndeployment = \"direct\"\n# caf\xe9\nsteady = \"1s\"\n",
    )
    .unwrap();
    let e = load(&path).unwrap_err();
    assert_eq!(e.at, Some((3, 6)), "{e}");
    assert!(
        e.message.contains("0xE9") && e.message.contains("save it as UTF-8"),
        "{e}"
    );
}

#[test]
fn server_bounds_are_read_and_impossible_ones_refused_at_their_line() {
    let s = parse_str(&format!(
        "{MINIMAL}[server]\nmax_connections = 100\nidle_timeout = \"5s\"\n"
    ))
    .unwrap();
    let l = s.scenario.server.limits();
    assert_eq!(
        (l.max_connections, l.idle_timeout),
        (100, std::time::Duration::from_secs(5))
    );
    assert_eq!(
        l.header_timeout,
        transport::ServerLimits::default().header_timeout
    );
    for (extra, needle) in [
        ("max_connections = 0", "give 1 to"),
        ("max_connections = 2000000", "give 1 to"),
        ("request_timeout = \"0s\"", "zero timeout"),
        ("idle_timeout = \"8d\"", "7 days"),
        ("backlog = 5", "unknown field"),
    ] {
        let e = parse_str(&format!("{MINIMAL}[server]\n{extra}\n")).unwrap_err();
        assert_eq!(e.at.map(|a| a.0), Some(5), "{extra}: {e}");
        assert!(e.message.contains(needle), "{extra}: {e}");
    }
}

#[test]
fn values_that_make_no_sense_are_refused_at_their_line() {
    for (extra, line, needle) in [
        ("[calls]\nrate = -3.0\n", 5, "positive"),
        ("[crm]\nagents = 0\n", 5, "1 to 100000"),
        ("[crm]\nnot_ready_ratio = 1.5\n", 5, "fraction"),
        ("[crm]\nnot_ready_reasons = [12]\n", 5, "above 999"),
        ("[crm]\nlogin_type = 3\n", 5, "AgentLoginType"),
        ("[calls]\nani_prefix = \"031\"\n", 5, "E.164"),
        ("[connector]\nhost = \"connector\"\n", 5, "host.domain"),
        (
            "[connector]\nconfig_dir = \"no/such/folder\"\n",
            5,
            "not a folder",
        ),
    ] {
        let e = parse_str(&format!("{MINIMAL}{extra}")).unwrap_err();
        assert_eq!(e.at.map(|a| a.0), Some(line), "{extra}: {e}");
        assert!(e.message.contains(needle), "{extra}: {e}");
    }
}

#[test]
fn a_missing_required_key_is_named() {
    let e = parse_str("[run]\ndeployment = \"direct\"\n").unwrap_err();
    assert!(e.message.contains("steady"), "{e}");
}

#[test]
fn host_domain_names() {
    assert!(is_host_domain("crm.example.com"));
    assert!(!is_host_domain("crm"));
    assert!(!is_host_domain("crm..com"));
    assert!(!is_host_domain("-a.b"));
}

#[test]
fn shipped_scenarios_parse() {
    // The shipped scenarios live at the workspace's root, beside this crate.
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            load(&path).unwrap_or_else(|e| panic!("{e}"));
            seen += 1;
        }
    }
    assert!(seen >= 2, "scenarios/ holds the shipped scenarios");
}

#[test]
fn faults_are_checked_against_the_deployment() {
    let ok = format!(
        "{MINIMAL}[[fault]]\nat = \"2s\"\naction = \"latency\"\ntarget = \"crm->connector\"\nlatency = \"200ms\"\nduration = \"1s\"\n"
    );
    let s = parse_str(&ok).unwrap();
    assert_eq!(s.scenario.faults.len(), 1);
    for (fault, line, needle) in [
        (
            "at = \"1s\"\naction = \"kill\"\ntarget = \"connector-a\"",
            4,
            "not part of the direct deployment",
        ),
        (
            "at = \"1s\"\naction = \"kill\"\ntarget = \"crm->connector\"",
            4,
            "applies to a component",
        ),
        (
            "at = \"1s\"\naction = \"latency\"\ntarget = \"connector\"",
            4,
            "applies to a hop",
        ),
        (
            "at = \"1s\"\naction = \"latency\"\ntarget = \"crm->connector\"",
            4,
            "needs `latency",
        ),
        (
            "at = \"1s\"\naction = \"kill\"\ntarget = \"connector\"\nduration = \"1s\"",
            4,
            "does not apply",
        ),
        (
            "at = \"1s\"\naction = \"explode\"\ntarget = \"connector\"",
            6,
            "kill",
        ),
    ] {
        let e = parse_str(&format!("{MINIMAL}[[fault]]\n{fault}\n")).unwrap_err();
        assert_eq!(e.at.map(|a| a.0), Some(line), "{fault}: {e}");
        assert!(e.message.contains(needle), "{fault}: {e}");
    }
}

#[test]
fn proxy_deployments_take_two_sides() {
    let base = "[run]\ndeployment = \"proxy-events-direct\"\nsteady = \"5s\"\n";
    let s = parse_str(base).unwrap();
    assert_eq!(s.scenario.connector.side_hosts.len(), 2);
    let e = parse_str(&format!("{base}[connector]\nconfig_dirs = [\"a\"]\n")).unwrap_err();
    assert!(e.message.contains("two folders"), "{e}");
    let e = parse_str(&format!("{base}[proxy]\nfall = 0\n")).unwrap_err();
    assert!(e.message.contains("at least 1"), "{e}");
    let ok = format!("{base}[[fault]]\nat = \"1s\"\naction = \"kill\"\ntarget = \"connector-a\"\n");
    assert!(parse_str(&ok).is_ok());
}

#[test]
fn windows_must_fit_the_steady_phase_and_drift_thresholds_need_them() {
    let e = parse_str("[run]\ndeployment = \"direct\"\nsteady = \"20s\"\nwindow = \"1m\"\n")
        .unwrap_err();
    assert_eq!(e.at.map(|a| a.0), Some(4), "{e}");
    assert!(e.message.contains("does not fit"), "{e}");
    let e = parse_str(&format!(
        "{MINIMAL}[thresholds]\nmax_memory_growth = 0.05\n"
    ))
    .unwrap_err();
    assert_eq!(e.at.map(|a| a.0), Some(5), "{e}");
    assert!(e.message.contains("set run.window"), "{e}");
    let ok = parse_str(
        "[run]\ndeployment = \"direct\"\nsteady = \"20s\"\nwindow = \"5s\"\n\
         [thresholds]\nmax_window_drift = 0.2\n",
    )
    .unwrap();
    assert_eq!(
        ok.scenario.run.window,
        Some(std::time::Duration::from_secs(5))
    );
}

#[test]
fn a_bad_ring_no_answer_reason_is_named_as_the_connectors_key() {
    let text = format!("{MINIMAL}[connector]\nring_no_answer_reason = 999\n");
    let e = parse_str(&text).unwrap_err().to_string();
    assert!(e.contains("ring_no_answer_reason"), "{e}");
    assert!(!e.contains("not_ready_reasons"), "{e}");
}
