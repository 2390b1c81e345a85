//! The HTML report: one self-contained file (inline CSS and SVG, no script, no network) that
//! can be attached to a ticket or archived by CI and read anywhere.
//!
//! It is written as polyglot HTML5 (also well-formed XML), so that a plain XML parser can check
//! it and tools can pull the SVG charts out of it.

use std::fmt::Write;

use super::escape::markup as escape;
use super::model::{Check, Report, Verdict};

/// Wide screens get two columns of charts and of tables; a narrow one gets one. Charts are
/// drawn 800 px wide and scale to their cell.
pub const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:1.5em auto;padding:0 24px;max-width:1800px;color:#222;font-size:15px}\
h1{font-size:1.5em;margin-bottom:.2em}h2{font-size:1.2em;margin-top:1.6em;border-bottom:1px solid #ddd;padding-bottom:.2em}\
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(620px,1fr));gap:0 40px;align-items:start}.grid>div{overflow-x:auto}\
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(680px,1fr));gap:20px 32px}\
figure.chart{margin:0;border:1px solid #e4e4e4;border-radius:6px;padding:8px 8px 0}\
figcaption{font-weight:600;margin:0 0 2px 8px}svg.chart{width:100%;height:auto;display:block}\
.legend span{margin-right:1.4em;white-space:nowrap}svg.swatch{vertical-align:middle}\
table{border-collapse:collapse;margin:.5em 0;width:100%}\
td,th{padding:.3em .7em;border-bottom:1px solid #eee;text-align:left;vertical-align:top}\
th{background:#f6f8fa;font-weight:600}tr:nth-child(even) td{background:#fbfcfd}\
table.marks,table.sizing{width:auto;min-width:50%}td.name{white-space:nowrap}\
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\
.pass{color:#1a7f37;font-weight:bold}.fail{color:#cf222e;font-weight:bold}.note{color:#666}\
code{background:#f6f8fa;padding:0 .2em}";

/// Renders a run report as an HTML page.
pub fn render(r: &Report) -> String {
    let mut out = String::with_capacity(64 * 1024);
    let verdict = match r.verdict {
        Verdict::Pass => "<span class=\"pass\">PASS</span>",
        Verdict::Fail => "<span class=\"fail\">FAIL</span>",
    };
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\" /><title>crmsim {} — {}</title><style>{STYLE}</style></head><body>\n",
        escape(&r.scenario),
        if r.verdict == Verdict::Pass {
            "pass"
        } else {
            "fail"
        }
    );
    let _ = writeln!(
        out,
        "<h1>crmsim — {} {verdict}</h1><p>{} deployment, SSL {}, dialect {}, started {}, {:.1} s, from <code>{}</code> (crmsim {})</p>",
        escape(&r.scenario),
        escape(&r.deployment),
        if r.tls { "on" } else { "off" },
        escape(&if r.dialects.crm.name == r.dialects.connector.name {
            r.dialects.crm.name.clone()
        } else {
            format!(
                "CRM {}, connector {}",
                r.dialects.crm.name, r.dialects.connector.name
            )
        }),
        escape(&r.started_at),
        r.duration_s,
        escape(&r.file),
        escape(&r.crmsim_version),
    );
    out.push_str("<div class=\"grid\"><div>\n");
    checks(&mut out, "Invariants", &r.invariants);
    out.push_str("</div><div>\n");
    checks(&mut out, "Thresholds", &r.thresholds);
    figures(&mut out, r);
    out.push_str("</div></div>\n");
    failover(&mut out, r);
    super::timecharts::section(&mut out, r);
    latency(&mut out, r);
    out.push_str("<div class=\"grid\"><div>\n");
    hops(&mut out, r);
    errors(&mut out, r);
    out.push_str("</div></div>\n");
    out.push_str("</body></html>\n");
    out
}

fn checks(out: &mut String, title: &str, list: &[Check]) {
    if list.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "<h2>{title}</h2><table><tr><th></th><th>check</th><th>detail</th></tr>"
    );
    for c in list {
        let mark = if c.ok {
            "<span class=\"pass\">ok</span>"
        } else {
            "<span class=\"fail\">FAIL</span>"
        };
        let _ = writeln!(
            out,
            "<tr><td>{mark}</td><td class=\"name\">{}</td><td>{}</td></tr>",
            escape(&c.name),
            escape(&c.detail)
        );
    }
    out.push_str("</table>\n");
}

fn figures(out: &mut String, r: &Report) {
    let a = &r.agents;
    let c = &r.calls;
    let s = &r.steady;
    let m = &r.messages;
    let h = &r.tls_handshakes;
    let rows: Vec<(&str, String)> = vec![
        (
            "agents",
            format!(
                "{}/{} logged on in {:.1} s ({} logons, {} re-logons)",
                a.logged_in, a.configured, a.logon_phase_s, a.logons, a.relogons
            ),
        ),
        ("logon phase", super::logon_line(&a.logon)),
        (
            "calls",
            format!(
                "{} offered, {} answered, {} completed, {} transferred, {} lost ({} abandoned, {} dropped, {} unrouted), {} outbound",
                c.offered,
                c.answered,
                c.completed,
                c.transferred,
                c.lost,
                c.abandoned,
                c.dropped,
                c.unrouted,
                c.outbound
            ),
        ),
        (
            "steady phase",
            format!(
                "{:.1} s: {:.2} calls/s (target {:.2}), {:.0} requests/s, {:.0} events/s",
                s.duration_s, s.calls_per_s, s.target_calls_per_s, s.requests_per_s, s.events_per_s
            ),
        ),
        (
            "messages",
            format!(
                "{} requests ({} faults, {} failed), {} events ({} failed, {} refused)",
                m.requests, m.faults, m.request_errors, m.events, m.events_failed, m.events_refused
            ),
        ),
        (
            "TLS handshakes",
            format!(
                "{} full, {} resumed, {} failed",
                h.full, h.resumed, h.failed
            ),
        ),
    ];
    out.push_str("<h2>Figures</h2><table>\n");
    for (k, v) in rows {
        let _ = writeln!(out, "<tr><th>{k}</th><td>{}</td></tr>", escape(&v));
    }
    out.push_str("</table>\n");
}

fn failover(out: &mut String, r: &Report) {
    if r.failover.is_empty() {
        return;
    }
    out.push_str("<h2>Faults and failover</h2><table><tr><th class=\"num\">at (s)</th><th>fault</th><th class=\"num\">detection</th><th class=\"num\">request gap</th><th class=\"num\">failed requests</th><th class=\"num\">all agents back</th><th>calls dropped</th><th class=\"num\">events lost</th></tr>\n");
    let ms = |v: Option<f64>| v.map_or_else(|| "—".to_owned(), |v| format!("{v:.0} ms"));
    for f in &r.failover {
        let dropped: Vec<String> = f
            .calls_dropped
            .iter()
            .map(|(k, v)| format!("{v} ({k})"))
            .collect();
        let _ = writeln!(
            out,
            "<tr><td class=\"num\">{:.1}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td><td class=\"num\">{}</td></tr>",
            f.at_s,
            escape(&f.fault),
            ms(f.detection_ms),
            ms(f.request_gap_ms),
            f.failed_requests,
            ms(f.relogon_ms),
            escape(&dropped.join(", ")),
            f.events_lost
        );
    }
    out.push_str("</table>\n");
    if r.deployment != "direct" {
        let _ = writeln!(
            out,
            "<p>Events: <b>{}</b>. {}</p>",
            escape(r.event_path.path),
            escape(&r.event_path.explanation)
        );
    }
}

fn latency(out: &mut String, r: &Report) {
    out.push_str("<h2>Latency (ms), steady phase</h2><table><tr><th>operation / event</th><th class=\"num\">count</th><th class=\"num\">min</th><th class=\"num\">p50</th><th class=\"num\">p90</th><th class=\"num\">p95</th><th class=\"num\">p99</th><th class=\"num\">p99.9</th><th class=\"num\">max</th></tr>\n");
    for (key, l) in &r.steady.latency_ms {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{:.2}</td><td class=\"num\">{:.2}</td><td class=\"num\">{:.2}</td><td class=\"num\">{:.2}</td><td class=\"num\">{:.2}</td><td class=\"num\">{:.2}</td><td class=\"num\">{:.2}</td></tr>",
            escape(key),
            l.count,
            l.min,
            l.p50,
            l.p90,
            l.p95,
            l.p99,
            l.p999,
            l.max
        );
    }
    out.push_str("</table><p class=\"note\">Measured from each action's intended start (no coordinated omission).</p>\n");
}

fn hops(out: &mut String, r: &Report) {
    out.push_str("<h2>Hops</h2><table><tr><th>hop</th><th class=\"num\">connections</th><th class=\"num\">full handshakes</th><th class=\"num\">resumed</th><th class=\"num\">failed</th><th>failures</th></tr>\n");
    for (name, h) in &r.hops {
        let failures: Vec<String> = h
            .failures
            .iter()
            .map(|f| format!("{} × {}: {}", f.count, f.cause, f.example))
            .collect();
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
            escape(name),
            h.connections,
            h.handshakes_full,
            h.handshakes_resumed,
            h.handshake_failures,
            escape(&failures.join("; "))
        );
    }
    out.push_str("</table>\n");
}

fn errors(out: &mut String, r: &Report) {
    if r.errors.is_empty() {
        return;
    }
    out.push_str("<h2>Errors</h2><table><tr><th class=\"num\">count</th><th>kind</th><th>first message</th></tr>\n");
    for e in &r.errors {
        let _ = writeln!(
            out,
            "<tr><td class=\"num\">{}</td><td>{}</td><td>{}</td></tr>",
            e.count,
            escape(&e.kind),
            escape(&e.first)
        );
    }
    out.push_str("</table>\n");
}
