//! What a recording carried and what its file misses: the summary `crmsim record` prints and
//! writes with `--json`.

use std::fmt::Write as _;

use capture::tally::Seen;
use capture::{Tally, WriterStats};
use recorder::RelayReport;
use serde::Serialize;

use crate::serve::StopReason;

/// The summary of a recording: the files written, why it stopped, and what each hop carried.
#[derive(Debug, Clone, Serialize)]
pub struct RecordReport {
    /// The capture file's path.
    pub capture: String,
    /// The HAR file's path, when `--har` asked for one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub har: Option<String>,
    /// Whether secrets were masked in the capture.
    pub redacted: bool,
    /// What ended the recording: its duration, Ctrl-C or SIGTERM.
    pub stopped_by: StopReason,
    /// One summary per recorded hop.
    pub hops: Vec<HopSummary>,
    /// What reached the file, and what was dropped or lost to write errors.
    pub writer: WriterStats,
}

/// What one hop carried, and the operations seen on it.
#[derive(Debug, Clone, Serialize)]
pub struct HopSummary {
    /// The relay's own account of the hop: addresses and counts.
    #[serde(flatten)]
    pub relay: RelayReport,
    /// Every operation seen on the hop, known to the dialect or not, with counts.
    pub operations: Vec<Seen>,
}

impl HopSummary {
    /// The hop's summary from its relay's report and its tap's tally of operations.
    pub fn new(relay: RelayReport, tally: &Tally) -> HopSummary {
        HopSummary {
            relay,
            operations: tally.all(),
        }
    }
}

impl RecordReport {
    /// The capture misses messages (a full queue or write errors): the recording is not whole.
    pub fn incomplete(&self) -> bool {
        self.writer.missing() > 0
    }

    /// The summary for the terminal.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "crmsim record: stopped by {}; capture {} ({} messages, {} bytes{})",
            self.stopped_by,
            self.capture,
            self.writer.written,
            self.writer.bytes,
            if self.redacted {
                ", secrets masked"
            } else {
                ", NOT redacted"
            }
        );
        if let Some(har) = &self.har {
            let _ = writeln!(out, "  HAR      {har}");
        }
        for h in &self.hops {
            let r = &h.relay;
            let _ = writeln!(
                out,
                "  {:<8} {} → {}: {} forwarded, {} failed (answered 502); {} connections in ({} full, {} resumed handshakes, {} refused)",
                r.hop.as_str(),
                r.listen,
                r.upstream,
                r.forwarded,
                r.failed,
                r.inbound.connections,
                r.inbound.handshakes_full,
                r.inbound.handshakes_resumed,
                r.inbound.handshake_failures
            );
            for op in &h.operations {
                let name = op.known.as_deref().unwrap_or("UNKNOWN to the dialect");
                let element = if op.key.element.is_empty() {
                    "(no SOAP body element)"
                } else {
                    op.key.element.as_str()
                };
                let statuses: Vec<String> = op
                    .statuses
                    .iter()
                    .map(|(s, n)| format!("{n}×{s}"))
                    .collect();
                let _ = writeln!(
                    out,
                    "    {:>7} × {name}: {element} at {}{} [{}]",
                    op.count,
                    op.key.path,
                    if op.key.action.is_empty() {
                        String::new()
                    } else {
                        format!(", action {}", op.key.action)
                    },
                    statuses.join(", ")
                );
            }
        }
        if self.incomplete() {
            let _ = writeln!(
                out,
                "  INCOMPLETE the capture misses {} messages: {} dropped (the disk could not keep up), {} lost to write errors{}; the traffic itself was forwarded",
                self.writer.missing(),
                self.writer.dropped_queue_full,
                self.writer.write_errors,
                self.writer
                    .first_error
                    .as_deref()
                    .map(|e| format!(" (first: {e})"))
                    .unwrap_or_default()
            );
        }
        out
    }
}
