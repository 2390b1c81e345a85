//! The checks of a container topology run, computed from the components' JSON reports (the
//! in-process run's invariants and failover figures), and their JUnit file.

#![allow(dead_code)] // each test binary uses its own subset

use std::path::{Path, PathBuf};

use crmsim::containers::ContainerPlan;
use crmsim::scenario::{Deployment, ProxyEngine};
use serde_json::Value;

use super::containers::Case;

/// One check: name, passed, what was seen.
pub type Check = (String, bool, String);

pub fn check(out: &mut Vec<Check>, name: &str, ok: bool, detail: String) {
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

#[allow(clippy::too_many_arguments)]
pub fn evaluate(
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
            // A failover may cut a connection mid-handshake (the proxy shuts A's sessions
            // down); without one, no handshake may fail.
            if !case.tls {
                full == 0
            } else if case.deployment == Deployment::Direct {
                full > 0 && fails == 0
            } else {
                full > 0
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
    // Coming back includes the container's and the process's start.
    let up_bound = u64::from(plan.rise) * inter + 4_000;
    for (to, event, at, bound) in [
        ("DOWN", "stopped", stopped, down_bound),
        ("UP", "started", started, up_bound),
    ] {
        let seen = first(to, at);
        check(
            out,
            &format!("proxy marked connector-a {to} after its container {event}"),
            seen.is_some_and(|d| d - at <= bound),
            format!(
                "detection {} ms (bound {bound} ms)",
                seen.map_or("none".to_owned(), |d| (d - at).to_string())
            ),
        );
    }
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

pub fn write_junit(dir: &Path, case: &str, checks: &[Check]) {
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
