//! The run report: assembled from every component's own account, judged by invariants and
//! thresholds, written as JSON and shown as a terminal summary.

mod assemble;
pub mod charts;
mod checks;
pub mod escape;
pub mod html;
mod invariants;
pub mod junit;
mod model;
pub mod output;
pub mod schema;
mod summary;
mod timecharts;
pub mod windows;
pub use output::write_file;

pub use assemble::assemble;
pub use checks::judges_latency;
pub use model::{
    Aborted, AgentsReport, CallsReport, Check, Components, DialectInfo, DialectsReport, EventPath,
    Handshakes, LogonReport, MessagesReport, Report, SteadyReport, Verdict,
};
pub use summary::render as render_summary;

/// The logon phase in a line: how it was asked, what it achieved, what a logon cost.
pub fn logon_line(l: &LogonReport) -> String {
    let asked = match l.target_per_s {
        Some(rate) => format!("ramp at {rate} agents/s"),
        None => "storm (all at once)".to_owned(),
    };
    let cost = match l.latency_ms.get(ici::Operation::Logon.key()) {
        Some(s) => format!(
            ", user.logon p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
            s.p50, s.p99, s.max
        ),
        None => String::new(),
    };
    format!(
        "{asked}: {:.0} agents/s achieved{}{cost}",
        l.achieved_per_s,
        if l.complete { "" } else { ", not every agent" }
    )
}
