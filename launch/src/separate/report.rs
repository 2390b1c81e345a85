//! What a run as separate processes or containers found: the faults as applied, what the relays
//! carried, the checks; for the terminal, `--json` and `--junit`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use proxy::RelaySnapshot;
use serde::Serialize;

use super::checks::Check;
use harness::report::Verdict;

/// A fault step as applied.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct AppliedFault {
    /// From the start of the steady phase.
    pub at_ms: u64,
    /// Wall-clock time, for the components' logs and reports.
    #[serde(rename = "at", serialize_with = "rfc3339")]
    #[schemars(with = "String", extend("format" = "date-time"))]
    pub at_unix_ms: u64,
    /// The step: its action and target, e.g. `kill connector-a`.
    pub step: String,
    /// Whether the step was carried out.
    pub ok: bool,
    /// What was done, or why it failed.
    pub detail: String,
}

/// What a run as processes found.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ProcessReport {
    // harness::report::schema::REPORT_VERSION; no doc comment, which would replace the
    // description `version` gives it.
    #[allow(missing_docs)]
    #[schemars(schema_with = "harness::report::schema::version")]
    pub report_version: u32,
    /// The scenario's name: its `run.name`, or else the file's stem.
    pub scenario: String,
    /// `--set` overrides applied over the file, as given (`calls.rate=50`).
    pub overrides: Vec<String>,
    /// `"processes"` or `"containers"`.
    pub mode: &'static str,
    /// The scenario's deployment, as scenario files spell it (`"proxy-events-direct"`).
    pub deployment: &'static str,
    /// Whether SSL was on.
    pub tls: bool,
    /// The proxy's engine (`"embedded"` or `"haproxy"`); null when the deployment has no proxy.
    pub engine: Option<&'static str>,
    /// Where the configs, logs (`logs/`) and the components' reports (`reports/`) are.
    pub workdir: PathBuf,
    /// When the run started.
    #[serde(rename = "started_at", serialize_with = "rfc3339")]
    #[schemars(with = "String", extend("format" = "date-time"))]
    pub started_unix_ms: u64,
    /// Wall-clock length of the whole run, start-up and shutdown included, in seconds.
    pub duration_s: f64,
    /// Every fault step, in the order applied.
    pub faults: Vec<AppliedFault>,
    /// The steady phase: calls offered per second, the CRM's latencies (keys as in the
    /// in-process report's `steady`).
    pub steady: super::steady::SteadyFigures,
    /// What each relay on a faulted hop carried.
    pub relays: BTreeMap<String, RelaySnapshot>,
    /// Every check, failed fault steps among them.
    pub checks: Vec<Check>,
    /// Pass when every check passed.
    pub verdict: Verdict,
}

/// Milliseconds since the Unix epoch as RFC 3339, as the in-process report writes its times.
fn rfc3339<S: serde::Serializer>(unix_ms: &u64, s: S) -> Result<S::Ok, S::Error> {
    let at = std::time::UNIX_EPOCH + std::time::Duration::from_millis(*unix_ms);
    s.collect_str(&humantime::format_rfc3339_millis(at))
}

impl ProcessReport {
    /// The terminal summary.
    pub fn render(&self) -> String {
        use std::fmt::Write;
        let mut out = String::new();
        let _ = writeln!(
            out,
            "crmsim {}: {} deployment as separate {}, SSL {}{}, {:.1}s",
            self.scenario,
            self.deployment,
            self.mode,
            if self.tls { "on" } else { "off" },
            self.engine
                .map_or_else(String::new, |e| format!(", proxy engine {e}")),
            self.duration_s
        );
        if !self.overrides.is_empty() {
            let _ = writeln!(out, "  set {}", self.overrides.join(", "));
        }
        for f in &self.faults {
            let _ = writeln!(
                out,
                "  fault +{:.1}s {}: {}{}",
                f.at_ms as f64 / 1000.0,
                f.step,
                if f.ok { "" } else { "FAILED: " },
                f.detail
            );
        }
        let s = &self.steady;
        let _ = writeln!(
            out,
            "  steady {:.0}s: {} calls offered, {:.2}/s (target {:.2}/s)",
            s.duration_s, s.calls_offered, s.calls_per_s, s.target_calls_per_s
        );
        for (key, l) in &s.latency_ms {
            let _ = writeln!(
                out,
                "    {key:<24} {:>7} × p50 {:>9.2} ms  p99 {:>9.2} ms  max {:>9.2} ms",
                l.count, l.p50, l.p99, l.max
            );
        }
        for (hop, r) in &self.relays {
            let _ = writeln!(
                out,
                "  relay {hop}: {} connections, {} B forward, {} B back",
                r.connections, r.bytes_in, r.bytes_out
            );
        }
        for c in &self.checks {
            let _ = writeln!(
                out,
                "  [{}] {}: {}",
                if c.ok { "PASS" } else { "FAIL" },
                c.name,
                c.detail
            );
        }
        let _ = writeln!(
            out,
            "{} (components' reports and logs in {})",
            self.verdict.label(),
            self.workdir.display()
        );
        out
    }

    /// The checks as JUnit XML.
    pub fn junit(&self) -> String {
        harness::report::junit::checks_suite(
            &format!("{} {}", self.mode, self.scenario),
            &self.checks,
            self.duration_s,
        )
    }
}
