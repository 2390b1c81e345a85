//! The terminal summary of a run: the verdict first, then what it rests on.

use std::fmt::Write;

use super::model::{Check, Report};

/// Renders the summary as text.
pub fn render(r: &Report) -> String {
    let mut out = String::new();
    let verdict = r.verdict.label();
    let _ = writeln!(
        out,
        "crmsim {} — scenario {} ({}, SSL {}) — {verdict} in {:.1}s",
        r.crmsim_version,
        r.scenario,
        r.deployment,
        if r.tls { "on" } else { "off" },
        r.duration_s
    );
    if let Some(a) = &r.aborted {
        let _ = writeln!(
            out,
            "  ABORTED  the steady phase ended at {:.1}s: {}",
            a.at_s, a.reason
        );
    }
    if !r.overrides.is_empty() {
        let _ = writeln!(out, "  set      {}", r.overrides.join(", "));
    }
    let (crm, connector) = (&r.dialects.crm, &r.dialects.connector);
    if crm.name != "crmsim" || connector.name != "crmsim" {
        let _ = if crm.name == connector.name {
            writeln!(
                out,
                "  dialect  {} (SOAP {}), both sides",
                crm.name, crm.soap
            )
        } else {
            writeln!(
                out,
                "  dialect  CRM {} (SOAP {}), connector {} (SOAP {})",
                crm.name, crm.soap, connector.name, connector.soap
            )
        };
    }
    let a = &r.agents;
    let _ = writeln!(
        out,
        "  agents   {}/{} logged on in {:.1}s ({} logons, {} re-logons)",
        a.logged_in, a.configured, a.logon_phase_s, a.logons, a.relogons
    );
    let _ = writeln!(out, "  logon    {}", super::logon_line(&a.logon));
    let c = &r.calls;
    let _ = writeln!(
        out,
        "  calls    {} offered, {} answered, {} completed, {} transferred, {} lost ({} abandoned, {} dropped), {} outbound",
        c.offered,
        c.answered,
        c.completed,
        c.transferred,
        c.lost,
        c.abandoned,
        c.dropped,
        c.outbound
    );
    let s = &r.steady;
    let _ = writeln!(
        out,
        "  steady   {:.1}s: {:.2} calls/s (target {:.2}), {:.0} requests/s, {:.0} events/s",
        s.duration_s, s.calls_per_s, s.target_calls_per_s, s.requests_per_s, s.events_per_s
    );
    let m = &r.messages;
    let _ = writeln!(
        out,
        "  messages {} requests ({} faults, {} failed), {} events ({} failed, {} refused)",
        m.requests, m.faults, m.request_errors, m.events, m.events_failed, m.events_refused
    );
    if r.tls {
        let h = &r.tls_handshakes;
        let _ = writeln!(
            out,
            "  TLS      {} full handshakes, {} resumed, {} failed",
            h.full, h.resumed, h.failed
        );
    }
    for (hop, l) in &r.hops {
        if l.limits.any() {
            let _ = writeln!(
                out,
                "  server   {hop}: {} ([server] in the scenario)",
                l.limits
            );
        }
    }
    let _ = writeln!(
        out,
        "  latency (ms, steady phase)      count      min      p50      p90      p95      p99      max"
    );
    for (key, l) in &s.latency_ms {
        if key.starts_with("server.") {
            continue;
        }
        let _ = writeln!(
            out,
            "    {key:<28} {:>8} {:>8.2} {:>8.2} {:>8.2} {:>8.2} {:>8.2} {:>8.2}",
            l.count, l.min, l.p50, l.p90, l.p95, l.p99, l.max
        );
    }
    if !s.windows.is_empty() {
        windows(&mut out, &s.windows);
    }
    if !r.failover.is_empty() {
        let _ = writeln!(out, "  faults");
        for f in &r.failover {
            let ms = |v: Option<f64>| v.map_or_else(|| "—".to_owned(), |v| format!("{v:.0} ms"));
            let dropped: u64 = f.calls_dropped.values().sum();
            let _ = writeln!(
                out,
                "    {:>6.1}s {}: detection {}, request gap {} ({} failed), all agents back {}, {dropped} calls dropped, {} events lost",
                f.at_s,
                f.fault,
                ms(f.detection_ms),
                ms(f.request_gap_ms),
                f.failed_requests,
                ms(f.relogon_ms),
                f.events_lost
            );
        }
    }
    if r.deployment != "direct" {
        let _ = writeln!(
            out,
            "  events   {}: {}",
            r.event_path.path, r.event_path.explanation
        );
    }
    let h = &r.harness;
    if let (Some(cpu), Some(u), Some(rss)) = (h.cpu_seconds, h.utilisation, h.peak_rss_mib) {
        let _ = writeln!(
            out,
            "  harness  {cpu:.1} CPU s on {} cores ({:.0}% busy), peak memory {rss:.0} MiB",
            h.cores,
            u * 100.0
        );
    }
    if let Some(warning) = &h.warning {
        let _ = writeln!(out, "  WARNING  {warning}");
    }
    section(&mut out, "invariants", &r.invariants);
    section(&mut out, "thresholds", &r.thresholds);
    if !r.errors.is_empty() {
        let _ = writeln!(out, "  errors");
        for e in &r.errors {
            let _ = writeln!(out, "    {:>6} × {}: {}", e.count, e.kind, e.first);
        }
    }
    out
}

/// One line per window: what flowed, memory, and the worst request and event p99 in it.
fn windows(out: &mut String, windows: &[super::windows::WindowReport]) {
    let _ = writeln!(
        out,
        "  windows  (steady phase)    calls   lost  failures    memory  request p99  event p99"
    );
    for w in windows {
        let p99 = |events: bool| {
            w.latency_ms
                .iter()
                .filter(|(k, _)| k.starts_with("event.") == events && is_message_key(k))
                .map(|(_, l)| l.p99)
                .reduce(f64::max)
                .map_or_else(|| "—".to_owned(), |v| format!("{v:.2} ms"))
        };
        let rss = w
            .rss_mib
            .map_or_else(|| "—".to_owned(), |m| format!("{m:.0} MiB"));
        let span = format!("{:.0}–{:.0} s", w.start_s, w.end_s);
        let _ = writeln!(
            out,
            "    {span:<20} {:>8} {:>6} {:>9} {:>9} {:>12} {:>10}",
            w.calls_completed,
            w.calls_lost,
            w.failures,
            rss,
            p99(false),
            p99(true)
        );
    }
}

/// Keys of ICI messages (`user.logon`, `event.callChanged`), not of servers, arrivals or the
/// agents' work (`agent.talk`): what request and event percentiles are made of.
fn is_message_key(key: &str) -> bool {
    ici::Operation::from_key(key).is_some()
}

fn section(out: &mut String, title: &str, checks: &[Check]) {
    if checks.is_empty() {
        return;
    }
    let _ = writeln!(out, "  {title}");
    for c in checks {
        let mark = if c.ok { "ok  " } else { "FAIL" };
        let _ = writeln!(out, "    [{mark}] {}: {}", c.name, c.detail);
    }
}
